# 42-query-groupby.sh: SQL over Bronze tables, full-table group-by, side by side with DuckDB
# querying its own database file with the same tables (bench/workloads/
# lib_query.sh builds both once).  Whole-process time: start-up, opening the
# tables (metadata), reading and executing.  w_check compares the answers.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_query.sh
W_NAME="query: full-table group-by, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=6
W_NEEDS="scale_csv strata:ingest strata:query"
W_NOTE="\`SELECT country, status, count(*) AS n, sum(quantity) AS q, round(avg(unit_price), 4) AS avg_price FROM bronze.sales GROUP BY country, status ORDER BY country, status\` on bronze.* (Strata: a warehouse made by strata ingest; DuckDB: its database file, tables loaded by read_csv)."

w_setup() {
  query_setup || return 1
  query_pair "SELECT country, status, count(*) AS n, sum(quantity) AS q, round(avg(unit_price), 4) AS avg_price FROM bronze.sales GROUP BY country, status ORDER BY country, status"
}

w_check() { query_check; }
