# lib_query.sh: shared by the query workloads (40-*.sh); not a workload itself.
#
# query_setup builds, once per data set and strata build, the two sides of
# the query benches and caches them in $BENCH_TMP/query-S:
#   Strata: a warehouse with bronze.sales, bronze.products, bronze.customers
#           ingested by `strata ingest --schema` with the same types
#           (malformed records quarantined);
#   DuckDB: a database file with the same tables in a schema `bronze`, loaded
#           by CREATE TABLE AS read_csv(..., columns = the types the
#           generator's manifest declares, ignore_errors=true): malformed
#           lines left out.  (Left to detect types, DuckDB makes every column
#           of this file VARCHAR, since malformed values sit in its sample.)
# so the same SQL text runs on both.  It sets QWH (warehouse) and QDB
# (DuckDB file).  query_pair SQL sets S_CMD and D_CMD to run SQL on each side
# and print CSV without a header (Strata's --format csv header is dropped by
# query_check).  query_check compares the two answers row by row.
# shellcheck shell=bash

# the column types the generator declares (bench/data/*/_manifest.json)
SALES_COLS="'order_id': 'BIGINT', 'line_no': 'BIGINT', 'customer_id': 'BIGINT', 'product_id': 'BIGINT', 'sku': 'VARCHAR', 'category': 'VARCHAR', 'brand': 'VARCHAR', 'condition': 'VARCHAR', 'quantity': 'BIGINT', 'unit_price': 'DECIMAL(18,2)', 'currency': 'VARCHAR', 'discount': 'DECIMAL(18,2)', 'country': 'VARCHAR', 'status': 'VARCHAR', 'ts': 'TIMESTAMP'"
PRODUCTS_COLS="'product_id': 'BIGINT', 'sku': 'VARCHAR', 'category': 'VARCHAR', 'brand': 'VARCHAR', 'model': 'VARCHAR', 'storage_gb': 'BIGINT', 'release_year': 'BIGINT', 'msrp': 'DECIMAL(18,2)', 'color': 'VARCHAR'"
CUSTOMERS_COLS="'customer_id': 'BIGINT', 'signup_date': 'DATE', 'country': 'VARCHAR', 'segment': 'VARCHAR'"

# a Bronze schema file from a column list as above
schema_json() {
  echo "{\"fields\": ["
  # split on the commas between 'name': 'TYPE' pairs (a TYPE may hold commas)
  echo "$1" | sed "s/', '/'\n'/g" |
    sed "s/^ *'\([^']*\)': *'\([^']*\)'$/  {\"name\": \"\1\", \"type\": \"\2\"},/" | sed '$ s/,$//'
  echo "]}"
}

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
    schema_json "$SALES_COLS" > "$dir/sales.json"
    schema_json "$PRODUCTS_COLS" > "$dir/products.json"
    schema_json "$CUSTOMERS_COLS" > "$dir/customers.json"
    for t in sales products customers; do
      "$STRATA" -w "$QWH" ingest "bronze.$t" "$BENCH_CSV/$t.csv" --schema "$dir/$t.json" --quiet || return 1
    done
    echo "query_setup: loading the same files into $QDB"
    "$DUCKQ" "$QDB" "CREATE SCHEMA bronze" \
      "CREATE TABLE bronze.sales AS SELECT * FROM read_csv('$BENCH_CSV/sales.csv', header=true, ignore_errors=true, columns={$SALES_COLS})" \
      "CREATE TABLE bronze.products AS SELECT * FROM read_csv('$BENCH_CSV/products.csv', header=true, columns={$PRODUCTS_COLS})" \
      "CREATE TABLE bronze.customers AS SELECT * FROM read_csv('$BENCH_CSV/customers.csv', header=true, columns={$CUSTOMERS_COLS})" \
      "CHECKPOINT" >/dev/null || return 1
    echo "$want" > "$dir/.stamp"
  fi
}

query_pair() {
  QSQL=$1
  S_CMD=("$STRATA" -w "$QWH" query "$QSQL" --format csv)
  D_CMD=("$DUCKQ" "$QDB" "$QSQL")
}

# The answers must agree (Strata's CSV header line is skipped): the same
# rows, text fields equal, numbers within 0.1% (DuckDB keeps the few lines
# with invalid UTF-8 that Bronze quarantines, about 0.05% of the sales).
query_check() {
  local s d
  s=$("$STRATA" -w "$QWH" query "$QSQL" --format csv | tail -n +2)
  d=$("$DUCKQ" "$QDB" "$QSQL")
  echo "$(printf '%s\n' "$s" | grep -c .) rows"
  if [ "$s" != "$d" ]; then
    paste -d '\n' <(printf '%s\n' "$s") <(printf '%s\n' "$d") | awk -F, '
      NR % 2 { n = split($0, a, ","); next }
      { m = split($0, b, ",");
        if (n != m) bad = 1;
        for (i = 1; i <= n; i++) {
          if (a[i] == b[i]) continue;
          if (a[i] ~ /^-?[0-9.]+$/ && b[i] ~ /^-?[0-9.]+$/) {
            x = a[i] - b[i]; if (x < 0) x = -x;
            y = b[i] < 0 ? -b[i] : b[i];
            if (x <= y * 0.001) continue;
          }
          bad = 1
        } }
      END { exit bad }' || {
      echo "answers differ"
      diff <(printf '%s\n' "$s") <(printf '%s\n' "$d") | head -5
      return 1
    }
    echo "(numbers within 0.1% of DuckDB's)"
  fi
}
