#!/bin/bash
# test_export_sql.sh: `strata export "SQL" OUT.parquet|OUT.csv` read by
# DuckDB 1.5 (make test-peer): for typical queries over the generated sales,
# DuckDB reading Strata's Parquet (every codec) and CSV output finds the
# same column names and rows as DuckDB running the same query over a table of
# the same rows (a TIMESTAMP reads back as TIMESTAMP WITH TIME ZONE, UTC).
set -u
: "${STRATA:?}" "${DUCKQ:?}"
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-peer-XXXXXX")
if [ -n "${KEEP:-}" ]; then echo "kept: $T"; else trap 'rm -rf "$T"' EXIT; fi
W=$T/wh
"$STRATA" gen --scale 0.02 --as csv --only sales --out "$T/csv" >/dev/null || exit 1
"$STRATA" -w "$W" init >/dev/null
"$STRATA" -w "$W" ingest bronze.sales "$T/csv/sales.csv" --schema platform/bronze/sales.json -q || exit 1
"$STRATA" -w "$W" export bronze.sales "$T/rows.csv" --no-lineage >/dev/null || exit 1
cols="{'order_id':'BIGINT','line_no':'INTEGER','customer_id':'BIGINT','product_id':'BIGINT','sku':'VARCHAR','category':'VARCHAR','brand':'VARCHAR','condition':'VARCHAR','quantity':'INTEGER','unit_price':'DECIMAL(12,2)','currency':'VARCHAR','discount':'DECIMAL(12,2)','country':'VARCHAR','status':'VARCHAR','ts':'TIMESTAMP'}"
"$DUCKQ" "$T/d.duckdb" "CREATE SCHEMA bronze" \
  "CREATE TABLE bronze.sales AS SELECT * FROM read_csv('$T/rows.csv', header=true, columns=$cols)" >/dev/null || exit 1
queries=(
  "SELECT status, count(*) AS n, sum(unit_price * quantity) AS revenue, min(ts) AS first, max(ts) AS last FROM bronze.sales GROUP BY status ORDER BY status"
  "SELECT country, currency, count(*) AS n, max(discount) AS max_discount FROM bronze.sales GROUP BY 1, 2 ORDER BY 1, 2"
  "SELECT order_id, line_no, sku, unit_price, quantity, ts FROM bronze.sales WHERE ts >= TIMESTAMP '2025-06-01' ORDER BY order_id, line_no, ts, sku LIMIT 500"
  "WITH c AS (SELECT customer_id, count(*) AS orders FROM bronze.sales GROUP BY 1) SELECT orders, count(*) AS customers FROM c GROUP BY 1 ORDER BY 1"
  "SELECT order_id, line_no, customer_id, product_id, sku, category, brand, condition, quantity, unit_price, currency, discount, country, status, ts FROM bronze.sales ORDER BY order_id, line_no, ts, status"
)
fail=0; n=0
duck_csv() { # DB SQL OUT: the query's rows as CSV with a header
  rm -f "$3"
  "$DUCKQ" "$1" "SET TimeZone='UTC'" "COPY ($2) TO '$3' (FORMAT csv, HEADER true)" >/dev/null 2>"$3.err" || cat "$3.err" >> "$3"
}
for i in "${!queries[@]}"; do
  q=${queries[$i]}
  duck_csv "$T/d.duckdb" "$q" "$T/want.csv"
  for c in zstd snappy gzip none; do
    n=$((n + 1))
    "$STRATA" -w "$W" export "$q" "$T/q$i.$c.parquet" --compression "$c" >/dev/null 2>"$T/err" || { echo "FAIL export $c: $q: $(cat "$T/err")"; fail=$((fail+1)); continue; }
    duck_csv :memory: "SELECT * FROM read_parquet('$T/q$i.$c.parquet')" "$T/got.csv"
    # Strata's TIMESTAMP is UTC-adjusted: DuckDB reads it as TIMESTAMPTZ (+00)
    sed -i -E 's/([0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?)\+00/\1/g' "$T/got.csv"
    cmp -s "$T/want.csv" "$T/got.csv" || { echo "FAIL parquet $c: $q"; diff "$T/want.csv" "$T/got.csv" | head -4; fail=$((fail+1)); }
  done
  n=$((n + 1))
  "$STRATA" -w "$W" export "$q" "$T/q$i.csv" >/dev/null || { echo "FAIL export csv: $q"; fail=$((fail+1)); continue; }
  cmp -s "$T/want.csv" "$T/q$i.csv" || { echo "FAIL csv: $q"; diff "$T/want.csv" "$T/q$i.csv" | head -4; fail=$((fail+1)); }
done
echo "export of queries: $((n - fail))/$n outputs agree with DuckDB"
[ $fail -eq 0 ]
