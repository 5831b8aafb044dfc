# 42-export-csv.sh: Bronze table -> CSV, the 3M-row sales table.
#
# Set-up (untimed): the sales CSV ingested into a Strata warehouse with the
# contract, and the accepted rows loaded into a DuckDB database file with
# the same column types.  Timed: Strata `strata export bronze.sales
# out.csv --no-lineage` (reads its segments, formats on both cores, writes
# and fsyncs) against DuckDB `COPY sales TO 'out.csv'` from its database
# file (header, comma, the same columns).  w_check: both files are
# byte-identical.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
W_NAME="Bronze -> CSV, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=8
W_NEEDS="scale_csv strata:ingest strata:export"
W_NOTE="Strata: \`strata export bronze.sales out.csv --no-lineage\` (fsynced). DuckDB: \`COPY sales TO 'out.csv'\` from a database table of the same rows."

w_setup() {
  local cols="{'order_id':'BIGINT','line_no':'INTEGER','customer_id':'BIGINT','product_id':'BIGINT','sku':'VARCHAR','category':'VARCHAR','brand':'VARCHAR','condition':'VARCHAR','quantity':'INTEGER','unit_price':'DECIMAL(12,2)','currency':'VARCHAR','discount':'DECIMAL(12,2)','country':'VARCHAR','status':'VARCHAR','ts':'TIMESTAMP'}"
  "$STRATA" -w "$W_TMP/wh" init > /dev/null || return 1
  "$STRATA" -w "$W_TMP/wh" ingest bronze.sales "$BENCH_CSV/sales.csv" --schema platform/bronze/sales.json > /dev/null || return 1
  "$STRATA" -w "$W_TMP/wh" export bronze.sales "$W_TMP/accepted.csv" --no-lineage > /dev/null || return 1
  "$DUCKQ" "$W_TMP/sales.duckdb" "CREATE TABLE sales AS SELECT * FROM read_csv('$W_TMP/accepted.csv', header=true, columns=$cols)" > /dev/null || return 1
  rm -f "$W_TMP/accepted.csv"
  S_CMD=("$STRATA" -w "$W_TMP/wh" export bronze.sales "$W_TMP/strata.csv" --no-lineage)
  D_CMD=("$DUCKQ" "$W_TMP/sales.duckdb" "COPY sales TO '$W_TMP/duckdb.csv'")
}

w_before() {
  case $1 in
    strata) rm -f "$W_TMP/strata.csv" ;;
    duckdb) rm -f "$W_TMP/duckdb.csv" ;;
  esac
}

w_check() {
  local ss ds
  ss=$(stat -c %s "$W_TMP/strata.csv"); ds=$(stat -c %s "$W_TMP/duckdb.csv")
  echo "file: Strata $((ss / 1000)) kB, DuckDB $((ds / 1000)) kB; rows $(($(wc -l < "$W_TMP/strata.csv") - 1))"
  cmp -s "$W_TMP/strata.csv" "$W_TMP/duckdb.csv" || { echo "the files differ: $(cmp "$W_TMP/strata.csv" "$W_TMP/duckdb.csv" | head -1)"; return 1; }
}
