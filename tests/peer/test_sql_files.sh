#!/bin/bash
# test_sql_files.sh: strata query over CSV and NDJSON files vs DuckDB's
# read_csv / read_json on the same files (make test-peer): type inference,
# NULLs, and the answers of typical queries must agree.  Data: the suite's
# fixtures and a clean generated set (strata gen --scale 0.01 --bad-rate 0)
# in CSV and NDJSON.  (t_types.f64 is left out: its values carry 17
# significant digits, which Strata's reader keeps as DECIMAL where DuckDB
# infers DOUBLE; format/csv.h explains why.  And a quoted "" is the empty
# string for Strata by default, NULL for DuckDB: allow_quoted_nulls says
# which where it matters.)
set -u
: "${STRATA:?}" "${DUCKQ:?}"
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-peer-XXXXXX")
trap 'rm -rf "$T"' EXIT
"$STRATA" gen --scale 0.01 --bad-rate 0 --as csv --only sales,products,customers --out "$T/csv" >/dev/null || exit 1
"$STRATA" gen --scale 0.01 --bad-rate 0 --as ndjson --only sales --out "$T/nd" >/dev/null || exit 1
F=tests/sql/data
C=$T/csv
queries=(
  "SELECT typeof(rid), typeof(unit_price), typeof(discount), typeof(ts), typeof(sku) FROM read_csv('$F/sales.csv') LIMIT 1"
  "SELECT category, count(*), round(sum(unit_price * quantity), 2), count(discount) FROM '$F/sales.csv' GROUP BY category ORDER BY 1"
  "SELECT * FROM read_csv('$F/t_nulls.csv', allow_quoted_nulls = false) ORDER BY id"
  "SELECT id, typeof(i8), typeof(d5), typeof(dt), typeof(tstz), typeof(b) FROM '$F/t_types.csv' ORDER BY id LIMIT 3"
  "SELECT count(*), min(dt), max(tstz), sum(i32), count(s), min(s) FROM read_csv('$F/t_types.csv', allow_quoted_nulls = false)"
  "SELECT count(s), count(bl) FROM read_csv('$F/t_types.csv', allow_quoted_nulls = true)"
  "SELECT s.category, c.segment, count(*) FROM '$F/sales.csv' s JOIN '$F/customers.csv' c ON s.customer_id = c.customer_id GROUP BY 1, 2 ORDER BY 1, 2"
  "SELECT typeof(order_id), typeof(unit_price), typeof(ts), typeof(discount) FROM '$C/sales.csv' LIMIT 1"
  "SELECT country, status, count(*), round(sum(unit_price * quantity), 2) FROM '$C/sales.csv' GROUP BY 1, 2 ORDER BY 1, 2"
  "SELECT p.brand, count(*) FROM '$C/sales.csv' s JOIN '$C/products.csv' p ON s.product_id = p.product_id GROUP BY 1 ORDER BY 2 DESC, 1"
  "SELECT customer_id, count(*) FROM read_csv('$C/sales.csv') GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5"
  "SELECT date_trunc('month', ts), count(*) FROM '$C/sales.csv' GROUP BY 1 ORDER BY 1"
  "SELECT typeof(order_id), typeof(unit_price), typeof(ts) FROM read_json('$T/nd/sales.ndjson') LIMIT 1"
  "SELECT status, count(*), round(sum(unit_price), 2), min(ts), max(ts) FROM '$T/nd/sales.ndjson' GROUP BY 1 ORDER BY 1"
)
fail=0
for q in "${queries[@]}"; do
  s=$("$STRATA" query "$q" --format csv 2>&1 | tail -n +2)
  rm -f "$T/d.csv"
  "$DUCKQ" :memory: "SET TimeZone='UTC'" "COPY ($q) TO '$T/d.csv' (FORMAT csv, HEADER false)" >/dev/null 2>"$T/d.err"
  d=$(cat "$T/d.csv" "$T/d.err" 2>/dev/null)
  if [ "$s" != "$d" ]; then
    echo "FAIL: $q"; echo "  strata: ${s:0:300}"; echo "  duckdb: ${d:0:300}"; fail=$((fail+1))
  fi
done
echo "sql over files: $(( ${#queries[@]} - fail ))/${#queries[@]} queries agree with DuckDB"
[ $fail -eq 0 ]
