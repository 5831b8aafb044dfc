# 45-gold-build.sh: building a Gold table (partitioned by day, clustered by
# customer) from bronze.sales, side by side with DuckDB writing the same rows
# in the same order into its database file.  Whole-process time: start-up,
# reading Bronze, sorting, writing and committing durably.  w_check compares
# row counts and per-day aggregates of the two tables.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_gold.sh
W_NAME="Gold build: partition by day, cluster by customer, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=7
W_NEEDS="scale_csv strata:ingest strata:query"
W_NOTE="Strata: \`$GOLD_CREATE\` in a warehouse made by strata ingest. DuckDB: \`$DUCK_GOLD\` in its database file (the same rows in the same order)."

w_setup() {
  gold_setup || return 1
  S_CMD=("$STRATA" -w "$GWH" query "$GOLD_CREATE" --format csv)
  D_CMD=("$DUCKQ" "$GDB" "$DUCK_GOLD")
}

w_before() {
  case $1 in
    strata) rm -rf "$GWH/gold/sales" ;;
    duckdb) "$DUCKQ" "$GDB" "DROP TABLE IF EXISTS gold.sales" "CHECKPOINT" >/dev/null ;;
  esac
}

w_check() {
  QSQL="SELECT CAST(ts AS DATE) AS day, count(*) AS n, sum(customer_id) AS c, sum(quantity) AS q FROM gold.sales GROUP BY day ORDER BY day"
  gold_check || return 1
  echo "; $(find "$GWH/gold/sales" -type f | wc -l) files in gold/sales"
}
