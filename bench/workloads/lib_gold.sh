# lib_gold.sh: shared by the Gold workloads (45-*, 46-*); not a workload itself.
#
# GOLD_CREATE builds the Gold copy of bronze.sales: partitioned by the day of
# ts, rows sorted by customer_id within a day (Strata's CREATE TABLE ...
# PARTITION BY day(ts) CLUSTER BY (customer_id)); DUCK_GOLD is DuckDB's
# equivalent: a table in its database file written in the same order
# (ts::DATE, customer_id), so its row-group zone maps are as tight.
# gold_setup copies the query warehouse and database file (lib_query.sh) into
# $W_TMP and, with "build", creates the Gold table on both sides (untimed).
# shellcheck shell=bash disable=SC2034  # read by the workloads and bench/run.sh
. bench/workloads/lib_query.sh
GOLD_CREATE="CREATE TABLE gold.sales PARTITION BY day(ts) CLUSTER BY (customer_id) AS SELECT * FROM bronze.sales"
DUCK_GOLD="CREATE TABLE gold.sales AS SELECT * FROM bronze.sales ORDER BY ts::DATE, customer_id"

gold_setup() {
  query_setup || return 1
  GWH=$W_TMP/wh
  GDB=$W_TMP/d.duckdb
  rm -rf "$GWH" "$GDB" && cp -r "$QWH" "$GWH" && cp "$QDB" "$GDB" || return 1
  "$DUCKQ" "$GDB" "CREATE SCHEMA gold" >/dev/null || return 1
  if [ "${1:-}" = build ]; then
    "$STRATA" -w "$GWH" query "$GOLD_CREATE" >/dev/null || return 1
    "$DUCKQ" "$GDB" "$DUCK_GOLD" "CHECKPOINT" >/dev/null || return 1
  fi
}

# compare the answers of SQL on both sides (lib_query.sh's query_check)
gold_check() {
  QWH=$GWH QDB=$GDB query_check
}
