# lib_query.sh: shared by the query workloads (40-*.sh); not a workload itself.
#
# query_setup builds, once per data set and strata build, the two sides of
# the query benches and caches them in $BENCH_TMP/query-S:
#   Strata: a warehouse with bronze.sales, bronze.products, bronze.customers
#           ingested by `strata ingest` (malformed records quarantined);
#   DuckDB: a database file with the same tables in a schema `bronze`, loaded
#           by CREATE TABLE AS read_csv(..., store_rejects=true) (types
#           auto-detected, malformed lines left out), as 30-ingest-csv does.
# so the same SQL text runs on both.  It sets QWH (warehouse) and QDB
# (DuckDB file).  query_pair SQL sets S_CMD and D_CMD to run SQL on each side
# and print CSV without a header (Strata's --format csv header is dropped by
# query_check).  query_check compares the two answers row by row.
# shellcheck shell=bash

query_setup() {
  local dir=$BENCH_TMP/query-$BENCH_SCALE stamp want t
  want="$(cksum < "$STRATA" | cut -d' ' -f1) $(cksum < "$BENCH_CSV/_manifest.json" | cut -d' ' -f1)"
  QWH=$dir/wh
  QDB=$dir/tables.duckdb
  stamp=$(cat "$dir/.stamp" 2>/dev/null)
  if [ "$stamp" != "$want" ]; then
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    echo "query_setup: ingesting sales, products, customers into $QWH"
    "$STRATA" -w "$QWH" init >/dev/null || return 1
    for t in sales products customers; do
      "$STRATA" -w "$QWH" ingest "bronze.$t" "$BENCH_CSV/$t.csv" --quiet || return 1
    done
    echo "query_setup: loading the same files into $QDB"
    "$DUCKQ" "$QDB" "CREATE SCHEMA bronze" \
      "CREATE TABLE bronze.sales AS SELECT * FROM read_csv('$BENCH_CSV/sales.csv', store_rejects=true)" \
      "CREATE TABLE bronze.products AS SELECT * FROM read_csv('$BENCH_CSV/products.csv')" \
      "CREATE TABLE bronze.customers AS SELECT * FROM read_csv('$BENCH_CSV/customers.csv')" \
      "CHECKPOINT" >/dev/null || return 1
    echo "$want" > "$dir/.stamp"
  fi
}

query_pair() {
  QSQL=$1
  S_CMD=("$STRATA" -w "$QWH" query "$QSQL" --format csv)
  D_CMD=("$DUCKQ" "$QDB" "$QSQL")
}

# the answers must agree (Strata's CSV header line is skipped)
query_check() {
  local s d
  s=$("$STRATA" -w "$QWH" query "$QSQL" --format csv | tail -n +2)
  d=$("$DUCKQ" "$QDB" "$QSQL")
  echo "$(printf '%s\n' "$s" | grep -c .) rows"
  if [ "$s" != "$d" ]; then
    echo "answers differ"
    diff <(printf '%s\n' "$s") <(printf '%s\n' "$d") | head -5
    return 1
  fi
}
