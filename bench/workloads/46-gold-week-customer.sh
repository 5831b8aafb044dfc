# 46-gold-week-customer.sh: one week of one customer's sales on the Gold table
# (partitioned by day, clustered by customer_id), side by side with DuckDB
# querying the same table in its own database file, written in the same order
# (bench/workloads/lib_gold.sh builds both, untimed).  Whole-process time.
# w_check compares the answers.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_gold.sh
W_NAME="Gold: one week + customer_id = X, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=7
W_NEEDS="scale_csv strata:ingest strata:query"
GOLD_WEEK_SQL="SELECT order_id, line_no, product_id, quantity, unit_price, status, ts FROM gold.sales WHERE ts >= TIMESTAMP '2025-03-03' AND ts < TIMESTAMP '2025-03-10' AND customer_id = 752 ORDER BY ts, order_id, line_no"
W_NOTE="\`$GOLD_WEEK_SQL\` (Strata: gold.sales made by \`$GOLD_CREATE\`; DuckDB: \`$DUCK_GOLD\` in its database file)."

w_setup() {
  gold_setup build || return 1
  QSQL=$GOLD_WEEK_SQL
  S_CMD=("$STRATA" -w "$GWH" query "$QSQL" --format csv)
  D_CMD=("$DUCKQ" "$GDB" "$QSQL")
}

w_check() {
  gold_check || return 1
  echo "; $("$STRATA" -w "$GWH" query "EXPLAIN $QSQL" --format csv | grep -o 'partitions: [^;]*; segments: [^;]*; row groups: [^;]*')"
}
