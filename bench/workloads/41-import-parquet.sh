# 41-import-parquet.sh: Parquet -> table, the 3M-row sales file.
#
# Set-up (untimed): DuckDB reads the sales CSV with the contract's column
# types and writes sales.parquet once (zstd, its defaults otherwise): the
# same file for both sides, written by the other engine.  Timed: Strata
# `strata ingest bronze.sales sales.parquet --schema platform/bronze/sales.json`
# (typed batches from the row groups, exact casts to the contract's types,
# the contract's rules, quarantine, lineage, segments written on both cores,
# fsynced) into a fresh warehouse, against DuckDB `CREATE TABLE sales AS
# SELECT * FROM read_parquet('sales.parquet')` into a fresh database file
# (its commit is durable).  w_check: rows accepted + quarantined equal the
# file's, the accepted rows are the ones DuckDB finds without NULLs (the
# generated data breaks no other rule), and their sums agree.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
W_NAME="Parquet (zstd) -> table, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=8
W_NEEDS="scale_csv strata:ingest"
W_NOTE="Strata: \`strata ingest bronze.sales sales.parquet --schema platform/bronze/sales.json\` (contract types and rules, quarantine, lineage, fsync). DuckDB: \`CREATE TABLE sales AS SELECT * FROM read_parquet('sales.parquet')\` into a database file. The same DuckDB-written zstd file for both."

w_setup() {
  local cols="{'order_id':'BIGINT','line_no':'INTEGER','customer_id':'BIGINT','product_id':'BIGINT','sku':'VARCHAR','category':'VARCHAR','brand':'VARCHAR','condition':'VARCHAR','quantity':'INTEGER','unit_price':'DECIMAL(12,2)','currency':'VARCHAR','discount':'DECIMAL(12,2)','country':'VARCHAR','status':'VARCHAR','ts':'TIMESTAMP'}"
  "$DUCKQ" :memory: "COPY (SELECT * FROM read_csv('$BENCH_CSV/sales.csv', header=true, columns=$cols, ignore_errors=true)) TO '$W_TMP/sales.parquet' (FORMAT parquet, COMPRESSION zstd)" > /dev/null || return 1
  S_CMD=("$STRATA" -w "$W_TMP/wh" ingest bronze.sales "$W_TMP/sales.parquet" --schema platform/bronze/sales.json --quiet)
  D_CMD=("$DUCKQ" "$W_TMP/sales.duckdb" "CREATE TABLE sales AS SELECT * FROM read_parquet('$W_TMP/sales.parquet')")
}

w_before() {
  case $1 in
    strata) rm -rf "$W_TMP/wh" && "$STRATA" -w "$W_TMP/wh" init >/dev/null ;;
    duckdb) rm -f "$W_TMP/sales.duckdb" "$W_TMP/sales.duckdb.wal" ;;
  esac
}

w_check() {
  local all good s r q ss ds
  all=$("$DUCKQ" :memory: "SELECT count(*) FROM read_parquet('$W_TMP/sales.parquet')")
  good=$("$DUCKQ" "$W_TMP/sales.duckdb" "SELECT count(*) FROM sales WHERE COLUMNS(*) IS NOT NULL")
  s=$("$STRATA" -w "$W_TMP/wh" tables --format csv | awk -F, '$1 == "bronze.sales" {print $3}')
  r=$("$STRATA" -w "$W_TMP/wh" tables --format csv | awk -F, '$1 == "bronze.sales" {print $4}')
  echo "rows: file $all; Strata $s accepted + $r quarantined; DuckDB $good without NULLs"
  [ "$((s + r))" = "$all" ] || { echo "Strata lost rows: $s + $r != $all"; return 1; }
  [ "$s" = "$good" ] || { echo "Strata accepted $s rows, DuckDB finds $good satisfying the contract"; return 1; }
  q="SELECT count(*), sum(order_id), sum(quantity), sum(unit_price), sum(discount), count(DISTINCT sku), min(ts), max(ts) FROM"
  ss=$("$STRATA" -w "$W_TMP/wh" query "$q bronze.sales" --format csv | tail -n +2)
  ds=$("$DUCKQ" "$W_TMP/sales.duckdb" "$q sales WHERE COLUMNS(*) IS NOT NULL")
  [ "$ss" = "$ds" ] || { echo "answers differ: Strata $ss, DuckDB $ds"; return 1; }
}
