# lib_query.sh: shared by the query workloads (40-*.sh); not a workload itself.
#
# query_setup builds, once per data set and strata build, the two sides of
# the query benches and caches them in $BENCH_TMP/query-S:
#   Strata: a warehouse with bronze.sales, bronze.products, bronze.customers
#           ingested by `strata ingest --schema platform/bronze/T.json` (the
#           Bronze contracts: typed columns, rules; malformed records
#           quarantined);
#   DuckDB: a database file with the same tables in a schema `bronze`, loaded
#           by CREATE TABLE AS read_csv(..., columns = the contracts' types,
#           ignore_errors=true) WHERE the contracts' rules: the rows Bronze
#           accepts (the setup checks the counts agree).  (Left to detect types, DuckDB makes every column
#           of this file VARCHAR, since malformed values sit in its sample.)
# so the same SQL text runs on both.  It sets QWH (warehouse) and QDB
# (DuckDB file).  query_pair SQL sets S_CMD and D_CMD to run SQL on each side
# and print CSV without a header (Strata's --format csv header is dropped by
# query_check).  query_check compares the two answers row by row.
# shellcheck shell=bash disable=SC2034  # S_CMD, D_CMD are read by bench/run.sh

# DuckDB's column types for the Bronze contracts in platform/bronze/ (INT64 ->
# BIGINT, INT32 -> INTEGER), so both sides hold the same types
SALES_COLS="'order_id': 'BIGINT', 'line_no': 'INTEGER', 'customer_id': 'BIGINT', 'product_id': 'BIGINT', 'sku': 'VARCHAR', 'category': 'VARCHAR', 'brand': 'VARCHAR', 'condition': 'VARCHAR', 'quantity': 'INTEGER', 'unit_price': 'DECIMAL(12,2)', 'currency': 'VARCHAR', 'discount': 'DECIMAL(12,2)', 'country': 'VARCHAR', 'status': 'VARCHAR', 'ts': 'TIMESTAMP'"
PRODUCTS_COLS="'product_id': 'BIGINT', 'sku': 'VARCHAR', 'category': 'VARCHAR', 'brand': 'VARCHAR', 'model': 'VARCHAR', 'storage_gb': 'INTEGER', 'release_year': 'INTEGER', 'msrp': 'DECIMAL(12,2)', 'color': 'VARCHAR'"
CUSTOMERS_COLS="'customer_id': 'BIGINT', 'signup_date': 'DATE', 'country': 'VARCHAR', 'segment': 'VARCHAR'"

# ... and the contracts' rules as WHERE clauses (DuckDB has no rules), so
# DuckDB keeps exactly the rows Bronze accepts (NOT NULL: a NULL fails these)
SALES_RULES="order_id >= 1 AND line_no BETWEEN 1 AND 100 AND customer_id >= 1 AND product_id >= 1 AND length(sku) <= 32 AND category IN ('phone', 'laptop', 'tablet', 'headphones', 'smartwatch', 'console', 'camera') AND length(brand) <= 40 AND condition IN ('A', 'B', 'C', 'refurbished') AND quantity BETWEEN 1 AND 100 AND unit_price >= 0 AND regexp_full_match(currency, '[A-Z]{3}') AND discount >= 0 AND regexp_full_match(country, '[A-Z]{2}') AND status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded') AND ts >= TIMESTAMP '2020-01-01'"
PRODUCTS_RULES="product_id >= 1 AND length(sku) <= 32 AND category IN ('phone', 'laptop', 'tablet', 'headphones', 'smartwatch', 'console', 'camera') AND brand IS NOT NULL AND model IS NOT NULL AND (storage_gb IS NULL OR storage_gb >= 0) AND release_year BETWEEN 1990 AND 2030 AND msrp >= 0"
CUSTOMERS_RULES="customer_id >= 1 AND signup_date >= DATE '2010-01-01' AND regexp_full_match(country, '[A-Z]{2}') AND segment IN ('consumer', 'business', 'education', 'reseller')"

query_setup() {
  local dir=$BENCH_TMP/query-$BENCH_SCALE stamp want t
  want="$(cksum < "$STRATA" | cut -d' ' -f1) $(cksum < "$BENCH_CSV/_manifest.json" | cut -d' ' -f1) $(cat platform/bronze/{sales,products,customers}.json bench/workloads/lib_query.sh | cksum | cut -d' ' -f1)"
  QWH=$dir/wh
  QDB=$dir/tables.duckdb
  stamp=$(cat "$dir/.stamp" 2>/dev/null)
  if [ "$stamp" != "$want" ]; then
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    echo "query_setup: ingesting sales, products, customers into $QWH"
    "$STRATA" -w "$QWH" init >/dev/null || return 1
    for t in sales products customers; do
      "$STRATA" -w "$QWH" ingest "bronze.$t" "$BENCH_CSV/$t.csv" --schema "platform/bronze/$t.json" --quiet || return 1
    done
    echo "query_setup: loading the same files into $QDB"
    "$DUCKQ" "$QDB" "CREATE SCHEMA bronze" \
      "CREATE TABLE bronze.sales AS SELECT * FROM read_csv('$BENCH_CSV/sales.csv', header=true, ignore_errors=true, columns={$SALES_COLS}) WHERE $SALES_RULES" \
      "CREATE TABLE bronze.products AS SELECT * FROM read_csv('$BENCH_CSV/products.csv', header=true, columns={$PRODUCTS_COLS}) WHERE $PRODUCTS_RULES" \
      "CREATE TABLE bronze.customers AS SELECT * FROM read_csv('$BENCH_CSV/customers.csv', header=true, columns={$CUSTOMERS_COLS}) WHERE $CUSTOMERS_RULES" \
      "CHECKPOINT" >/dev/null || return 1
    for t in sales products customers; do
      local a b
      a=$("$STRATA" -w "$QWH" query "SELECT count(*) FROM bronze.$t" --format csv | tail -n +2)
      b=$("$DUCKQ" "$QDB" "SELECT count(*) FROM bronze.$t")
      [ "$a" = "$b" ] || { echo "query_setup: bronze.$t has $a rows in Strata, $b in DuckDB"; return 1; }
    done
    echo "$want" > "$dir/.stamp"
  fi
}

query_pair() {
  QSQL=$1
  S_CMD=("$STRATA" -w "$QWH" query "$QSQL" --format csv)
  D_CMD=("$DUCKQ" "$QDB" "$QSQL")
}

# The answers must agree (Strata's CSV header line is skipped): the same
# rows, text fields equal, numbers equal or within a relative 1e-6 (the last
# digit of a rounded floating-point average may differ with the summation
# order).
query_check() {
  local s d
  s=$("$STRATA" -w "$QWH" query "$QSQL" --format csv | tail -n +2)
  d=$("$DUCKQ" "$QDB" "$QSQL")
  echo "$(printf '%s\n' "$s" | grep -c .) rows"
  if [ "$s" != "$d" ]; then
    local same=1
    [ "$(printf '%s\n' "$s" | wc -l)" = "$(printf '%s\n' "$d" | wc -l)" ] || same=0
    if [ $same = 1 ] && ! paste -d '\n' <(printf '%s\n' "$s") <(printf '%s\n' "$d") | awk -F, '
      NR % 2 { n = split($0, a, ","); next }
      { m = split($0, b, ",");
        if (n != m) bad = 1;
        for (i = 1; i <= n; i++) {
          if (a[i] == b[i]) continue;
          if (a[i] ~ /^-?[0-9.]+$/ && b[i] ~ /^-?[0-9.]+$/) {
            x = a[i] - b[i]; if (x < 0) x = -x;
            y = b[i] < 0 ? -b[i] : b[i];
            if (x <= y * 0.000001) continue;
          }
          bad = 1
        } }
      END { exit bad }'; then
      same=0
    fi
    if [ $same = 0 ]; then
      echo "answers differ"
      diff <(printf '%s\n' "$s") <(printf '%s\n' "$d") | head -5
      return 1
    fi
    echo "(numbers within 1e-6 of DuckDB's)"
  fi
}
