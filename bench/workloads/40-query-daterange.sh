# 40-query-daterange.sh: SQL over Bronze tables, date-range filter + group-by, side by side with DuckDB
# querying its own database file with the same tables (bench/workloads/
# lib_query.sh builds both once).  Whole-process time: start-up, opening the
# tables (metadata), reading and executing.  w_check compares the answers.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_query.sh
W_NAME="query: date-range filter + group-by, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=6
W_NEEDS="scale_csv strata:ingest strata:query"
W_NOTE="\`SELECT category, count(*) AS n, round(sum(unit_price * quantity), 2) AS revenue FROM bronze.sales WHERE ts >= TIMESTAMP '2025-03-01' AND ts < TIMESTAMP '2025-04-01' GROUP BY category ORDER BY category\` on bronze.* (Strata: a warehouse made by strata ingest; DuckDB: its database file, tables loaded by read_csv)."

w_setup() {
  query_setup || return 1
  query_pair "SELECT category, count(*) AS n, round(sum(unit_price * quantity), 2) AS revenue FROM bronze.sales WHERE ts >= TIMESTAMP '2025-03-01' AND ts < TIMESTAMP '2025-04-01' GROUP BY category ORDER BY category"
}

w_check() { query_check; }
