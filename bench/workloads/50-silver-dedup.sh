# 50-silver-dedup.sh: Silver's dedup: the latest row per (order_id, line_no)
# over the Bronze sales rows, durable, side by side with DuckDB.
#
# Strata: `strata transform bench/specs/sales_latest.json --full-refresh`
# into a copy of the query benches' warehouse (bronze.sales made by strata
# ingest): reads the Bronze segments, hashes the keys (AVX2 when the CPU has
# it), keeps the latest row per key by ts (ties: ingest order, line) in the
# dedup table, writes silver.sales_latest (checksummed segments, fsynced,
# one commit that records the Bronze version consumed).
# DuckDB: `CREATE OR REPLACE TABLE latest AS SELECT DISTINCT ON (order_id,
# line_no) * FROM bronze.sales ORDER BY order_id, line_no, ts DESC` in a
# copy of its database file (the same rows, loaded by lib_query.sh).
# w_check: the same number of rows on both sides, and the same per-status
# counts and quantities (ties in ts may pick other rows, so rows are not
# compared one by one here: tests/peer/test_silver_dedup.sh does that with
# DuckDB's QUALIFY and the full ordering); it also prints Strata's per-stage
# times from one more run (--stages).
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
. bench/workloads/lib_query.sh
W_NAME="Silver dedup: latest per order line, $BENCH_ROWS_LABEL sales rows"
W_ISSUE=9
W_NEEDS="scale_csv strata:ingest strata:transform"
W_NOTE="Strata: \`strata transform bench/specs/sales_latest.json --full-refresh\` (latest row per (order_id, line_no) by ts, durable Silver table). DuckDB: \`CREATE OR REPLACE TABLE latest AS SELECT DISTINCT ON (order_id, line_no) * FROM bronze.sales ORDER BY order_id, line_no, ts DESC\` in its database file."
DEDUP_SQL="CREATE OR REPLACE TABLE latest AS SELECT DISTINCT ON (order_id, line_no) * FROM bronze.sales ORDER BY order_id, line_no, ts DESC"

w_setup() {
  query_setup || return 1
  cp -r "$QWH" "$W_TMP/wh" && cp "$QDB" "$W_TMP/d.duckdb" || return 1
  S_CMD=("$STRATA" -w "$W_TMP/wh" transform bench/specs/sales_latest.json --full-refresh --quiet)
  D_CMD=("$DUCKQ" "$W_TMP/d.duckdb" "$DEDUP_SQL")
}

w_before() {
  case $1 in
    strata) rm -rf "$W_TMP/wh/silver/sales_latest" ;;
    duckdb) "$DUCKQ" "$W_TMP/d.duckdb" "DROP TABLE IF EXISTS latest" "CHECKPOINT" >/dev/null ;;
  esac
}

w_check() {
  local q s d st
  q="SELECT status, count(*) AS n, sum(quantity) AS q FROM %s GROUP BY status ORDER BY status"
  # shellcheck disable=SC2059
  s=$("$STRATA" -w "$W_TMP/wh" query "$(printf "$q" silver.sales_latest)" --format csv | tail -n +2 | tr -d '\r')
  # shellcheck disable=SC2059
  d=$("$DUCKQ" "$W_TMP/d.duckdb" "$(printf "$q" latest)")
  [ "$s" = "$d" ] || { echo "answers differ:"; diff <(echo "$s") <(echo "$d") | head -5; return 1; }
  rm -rf "$W_TMP/wh/silver/sales_latest"
  st=$("${S_CMD[@]/--quiet/--stages}" | tail -n +2 | tr '\n' ' ')
  echo "$(echo "$s" | awk -F, '{n += $2} END {print n}') keys kept; $st"
}
