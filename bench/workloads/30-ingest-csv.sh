# 30-ingest-csv.sh: CSV -> Bronze, the 3M-row sales file (~295 MB at scale 3).
#
# Strata: `strata ingest bronze.sales sales.csv --schema platform/bronze/sales.json`
# into a fresh warehouse: every record parsed into the contract's types and rules,
# written to a checksummed, compressed segment with lineage columns; malformed records go,
# with their raw text and reasons, to bronze.sales__rejects in the same
# commit; segment, directory and log entry fsynced before it returns.
# DuckDB: `CREATE TABLE sales AS SELECT * FROM read_csv('sales.csv',
# store_rejects=true)` into a database file (its commit is durable; the
# plain read_csv refuses this file at its first malformed line, and
# store_rejects is the closest equivalent of the quarantine).  Both use both
# cores; whole-process wall time.  w_check compares accepted rows and bytes
# on disk (the table directory vs the database file).
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
W_NAME="CSV -> Bronze table, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=5
W_NEEDS="scale_csv strata:ingest"
W_NOTE="Strata: \`strata ingest bronze.sales sales.csv --schema platform/bronze/sales.json\` (typed columns, rules, quarantine, lineage, fsync). DuckDB: \`CREATE TABLE sales AS SELECT * FROM read_csv('sales.csv', columns={same types}, store_rejects=true)\` into a database file."

w_setup() {
  S_CMD=("$STRATA" -w "$W_TMP/wh" ingest bronze.sales "$BENCH_CSV/sales.csv" --schema platform/bronze/sales.json --quiet)
  # the same column types as the contract, so both sides parse typed values
  local cols="{'order_id':'BIGINT','line_no':'INTEGER','customer_id':'BIGINT','product_id':'BIGINT','sku':'VARCHAR','category':'VARCHAR','brand':'VARCHAR','condition':'VARCHAR','quantity':'INTEGER','unit_price':'DECIMAL(12,2)','currency':'VARCHAR','discount':'DECIMAL(12,2)','country':'VARCHAR','status':'VARCHAR','ts':'TIMESTAMP'}"
  D_CMD=("$DUCKQ" "$W_TMP/sales.duckdb" "CREATE TABLE sales AS SELECT * FROM read_csv('$BENCH_CSV/sales.csv', header=true, columns=$cols, store_rejects=true)")
}

w_before() {
  case $1 in
    strata) rm -rf "$W_TMP/wh" && "$STRATA" -w "$W_TMP/wh" init >/dev/null ;;
    duckdb) rm -f "$W_TMP/sales.duckdb" "$W_TMP/sales.duckdb.wal" ;;
  esac
}

w_check() {
  local s r d sb db
  s=$("$STRATA" -w "$W_TMP/wh" tables --format csv | awk -F, '$1 == "bronze.sales" {print $3}')
  r=$("$STRATA" -w "$W_TMP/wh" tables --format csv | awk -F, '$1 == "bronze.sales" {print $4}')
  d=$("$DUCKQ" "$W_TMP/sales.duckdb" "SELECT count(*) FROM sales")
  sb=$(du -sb "$W_TMP/wh/bronze/sales" | cut -f1)
  db=$(( $(stat -c %s "$W_TMP/sales.duckdb") + $(stat -c %s "$W_TMP/sales.duckdb.wal" 2>/dev/null || echo 0) ))
  echo "accepted: Strata $s (+$r quarantined), DuckDB $d; on disk: Strata $((sb / 1000000)) MB, DuckDB $((db / 1000000)) MB"
  [ "$((s + r))" = "$BENCH_ROWS" ] || { echo "Strata lost records: $s + $r != $BENCH_ROWS"; return 1; }
  # DuckDB has no rules (allowed values, ranges, NOT NULL), so it may accept more
  [ "$sb" -le "$db" ] || { echo "Strata takes more bytes than DuckDB"; return 1; }
}
