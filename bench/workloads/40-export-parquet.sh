# 40-export-parquet.sh: Bronze table -> Parquet (zstd), the 3M-row sales table.
#
# Set-up (untimed): the sales CSV ingested into a Strata warehouse and into a
# DuckDB database file with the same column types.  Timed: Strata
# `strata export bronze.sales sales.parquet --no-lineage` (reads its
# segments, writes row groups on both cores, fsyncs) against DuckDB
# `COPY sales TO 'sales.parquet' (FORMAT parquet, COMPRESSION zstd)`.
# w_check: DuckDB reads both files; rows and sums must agree, and Strata's
# file must be no larger than DuckDB's.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
W_NAME="Bronze -> Parquet (zstd), $BENCH_ROWS_LABEL sales rows"
W_ISSUE=8
W_NEEDS="scale_csv strata:ingest strata:export"
W_NOTE="Strata: \`strata export bronze.sales sales.parquet --no-lineage\` (zstd, fsynced). DuckDB: \`COPY sales TO 'sales.parquet' (FORMAT parquet, COMPRESSION zstd)\` from a database table of the same rows."

w_setup() {
  local cols="{'order_id':'BIGINT','line_no':'INTEGER','customer_id':'BIGINT','product_id':'BIGINT','sku':'VARCHAR','category':'VARCHAR','brand':'VARCHAR','condition':'VARCHAR','quantity':'INTEGER','unit_price':'DECIMAL(12,2)','currency':'VARCHAR','discount':'DECIMAL(12,2)','country':'VARCHAR','status':'VARCHAR','ts':'TIMESTAMP'}"
  "$STRATA" -w "$W_TMP/wh" init > /dev/null || return 1
  "$STRATA" -w "$W_TMP/wh" ingest bronze.sales "$BENCH_CSV/sales.csv" --schema platform/bronze/sales.json > /dev/null || return 1
  # the same accepted rows on both sides: DuckDB loads what Strata accepted
  "$STRATA" -w "$W_TMP/wh" export bronze.sales "$W_TMP/accepted.csv" --no-lineage > /dev/null || return 1
  "$DUCKQ" "$W_TMP/sales.duckdb" "CREATE TABLE sales AS SELECT * FROM read_csv('$W_TMP/accepted.csv', header=true, columns=$cols)" > /dev/null || return 1
  rm -f "$W_TMP/accepted.csv"
  S_CMD=("$STRATA" -w "$W_TMP/wh" export bronze.sales "$W_TMP/strata.parquet" --no-lineage)
  D_CMD=("$DUCKQ" "$W_TMP/sales.duckdb" "COPY sales TO '$W_TMP/duckdb.parquet' (FORMAT parquet, COMPRESSION zstd)")
}

w_before() {
  case $1 in
    strata) rm -f "$W_TMP/strata.parquet" ;;
    duckdb) rm -f "$W_TMP/duckdb.parquet" ;;
  esac
}

w_check() {
  local q s d ss ds
  q="SELECT count(*), sum(order_id), sum(quantity), sum(unit_price), count(DISTINCT sku), count(discount) FROM read_parquet"
  s=$("$DUCKQ" :memory: "$q('$W_TMP/strata.parquet')")
  d=$("$DUCKQ" :memory: "$q('$W_TMP/duckdb.parquet')")
  ss=$(stat -c %s "$W_TMP/strata.parquet"); ds=$(stat -c %s "$W_TMP/duckdb.parquet")
  echo "file: Strata $((ss / 1000)) kB, DuckDB $((ds / 1000)) kB; rows $(echo "$s" | cut -d, -f1)"
  [ "$s" = "$d" ] || { echo "the files differ: Strata $s, DuckDB $d"; return 1; }
  [ "$ss" -le "$ds" ] || { echo "Strata's file is larger than DuckDB's"; return 1; }
}
