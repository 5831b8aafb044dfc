# 43-query-star.sh: SQL over Bronze tables, three-table star join, side by side with DuckDB
# querying its own database file with the same tables (bench/workloads/
# lib_query.sh builds both once).  Whole-process time: start-up, opening the
# tables (metadata), reading and executing.  w_check compares the answers.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_query.sh
W_NAME="query: three-table star join, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=6
W_NEEDS="scale_csv strata:ingest strata:query"
W_NOTE="\`SELECT p.category, c.segment, count(*) AS n, round(sum(s.unit_price * s.quantity), 2) AS revenue FROM bronze.sales s JOIN bronze.products p ON s.product_id = p.product_id JOIN bronze.customers c ON s.customer_id = c.customer_id GROUP BY p.category, c.segment ORDER BY p.category, c.segment\` on bronze.* (Strata: a warehouse made by strata ingest; DuckDB: its database file, tables loaded by read_csv)."

w_setup() {
  query_setup || return 1
  query_pair "SELECT p.category, c.segment, count(*) AS n, round(sum(s.unit_price * s.quantity), 2) AS revenue FROM bronze.sales s JOIN bronze.products p ON s.product_id = p.product_id JOIN bronze.customers c ON s.customer_id = c.customer_id GROUP BY p.category, c.segment ORDER BY p.category, c.segment"
}

w_check() { query_check; }
