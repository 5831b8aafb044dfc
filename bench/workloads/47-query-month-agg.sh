# 47-query-month-agg.sh: a one-month aggregate on bronze.sales (rows in
# event-time order, so the zone maps prune all but that month's row groups),
# side by side with DuckDB querying its own database file with the same table
# (bench/workloads/lib_query.sh builds both once).  Whole-process time.
# w_check compares the answers.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_query.sh
W_NAME="query: pruned one-month daily aggregate, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=7
W_NEEDS="scale_csv strata:ingest strata:query"
MONTH_SQL="SELECT CAST(ts AS DATE) AS day, count(*) AS n, sum(quantity) AS units, round(sum(unit_price * quantity), 2) AS revenue, count(DISTINCT customer_id) AS customers FROM bronze.sales WHERE ts >= TIMESTAMP '2025-06-01' AND ts < TIMESTAMP '2025-07-01' GROUP BY day ORDER BY day"
W_NOTE="\`$MONTH_SQL\` on bronze.* (Strata: a warehouse made by strata ingest; DuckDB: its database file, tables loaded by read_csv)."

w_setup() {
  query_setup || return 1
  query_pair "$MONTH_SQL"
}

w_check() {
  query_check || return 1
  echo "; $("$STRATA" -w "$QWH" query "EXPLAIN $QSQL" --format csv | grep -o 'row groups: [0-9]* of [0-9]* kept')"
}
