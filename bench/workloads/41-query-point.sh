# 41-query-point.sh: SQL over Bronze tables, point filter on customer_id, side by side with DuckDB
# querying its own database file with the same tables (bench/workloads/
# lib_query.sh builds both once).  Whole-process time: start-up, opening the
# tables (metadata), reading and executing.  w_check compares the answers.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_query.sh
W_NAME="query: point filter on customer_id, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=6
W_NEEDS="scale_csv strata:ingest strata:query"
W_NOTE="\`SELECT order_id, line_no, product_id, unit_price, status, ts FROM bronze.sales WHERE customer_id = 4242 ORDER BY ts, order_id, line_no, status\` on bronze.* (Strata: a warehouse made by strata ingest; DuckDB: its database file, tables loaded by read_csv)."

w_setup() {
  query_setup || return 1
  query_pair "SELECT order_id, line_no, product_id, unit_price, status, ts FROM bronze.sales WHERE customer_id = 4242 ORDER BY ts, order_id, line_no, status"
}

w_check() { query_check; }
