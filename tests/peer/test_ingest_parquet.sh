#!/bin/bash
# test_ingest_parquet.sh: DuckDB-written Parquet of the generated sales ->
# `strata ingest` -> the answers of typical queries over the Bronze table
# equal DuckDB's over the same file (make test-peer).  DuckDB writes the
# file with each codec (zstd, snappy, gzip, none), dictionary on and off,
# V1 and V2 pages, several row groups; the sales keep their NULLs (no
# contract: the table takes the file's schema).  With the platform's
# contract, the table holds exactly the rows DuckDB finds satisfying the
# contract's NOT NULL rules (the other rules pass on the generated data), and
# accepted + rejected = the file's rows, also when the file's types differ
# from the contract's (cast exactly).
set -u
: "${STRATA:?}" "${DUCKQ:?}"
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-peer-XXXXXX")
trap 'rm -rf "$T"' EXIT
"$STRATA" gen --scale 0.05 --as csv --only sales --out "$T/csv" >/dev/null || exit 1
cols="{'order_id':'BIGINT','line_no':'INTEGER','customer_id':'BIGINT','product_id':'BIGINT','sku':'VARCHAR','category':'VARCHAR','brand':'VARCHAR','condition':'VARCHAR','quantity':'INTEGER','unit_price':'DECIMAL(12,2)','currency':'VARCHAR','discount':'DECIMAL(12,2)','country':'VARCHAR','status':'VARCHAR','ts':'TIMESTAMP'}"
"$DUCKQ" :memory: "CREATE TABLE s AS SELECT * FROM read_csv('$T/csv/sales.csv', header=true, columns=$cols, ignore_errors=true)" \
  "COPY s TO '$T/zstd.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)" \
  "COPY s TO '$T/snappy.parquet' (FORMAT parquet, COMPRESSION snappy, PARQUET_VERSION v2)" \
  "COPY s TO '$T/gzip.parquet' (FORMAT parquet, COMPRESSION gzip, DICTIONARY_SIZE_LIMIT 1)" \
  "COPY s TO '$T/none.parquet' (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 7777)" >/dev/null || exit 1
W=$T/wh
"$STRATA" -w "$W" init >/dev/null
fail=0
queries=(
  "SELECT count(*), count(order_id), sum(order_id), sum(quantity), sum(unit_price), sum(discount), count(DISTINCT sku) FROM %s"
  "SELECT status, count(*), sum(unit_price * quantity), min(ts), max(ts) FROM %s GROUP BY 1 ORDER BY 1"
  "SELECT country, currency, count(*), count(customer_id), max(discount) FROM %s GROUP BY 1, 2 ORDER BY 1, 2"
  "SELECT category, brand, condition, count(*) FROM %s WHERE ts >= TIMESTAMP '2025-06-01' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
  "SELECT order_id, line_no, sku, unit_price, ts FROM %s ORDER BY order_id, line_no, ts LIMIT 20"
)
check() { # label table file
  local q s d
  for q in "${queries[@]}"; do
    # shellcheck disable=SC2059
    s=$("$STRATA" -w "$W" query "$(printf "$q" "$2")" --format csv 2>&1 | tail -n +2)
    rm -f "$T/d.csv"
    # shellcheck disable=SC2059
    "$DUCKQ" :memory: "SET TimeZone='UTC'" "COPY ($(printf "$q" "read_parquet('$3')")) TO '$T/d.csv' (FORMAT csv, HEADER false)" >/dev/null 2>"$T/d.err"
    d=$(cat "$T/d.csv" "$T/d.err" 2>/dev/null)
    if [ "$s" != "$d" ]; then
      echo "FAIL $1: $q"; echo "  strata: ${s:0:300}"; echo "  duckdb: ${d:0:300}"; fail=$((fail+1))
    fi
  done
}
for c in zstd snappy gzip none; do
  out=$("$STRATA" -w "$W" ingest "bronze.s_$c" "$T/$c.parquet" --format json) || { echo "FAIL: ingest $c"; fail=$((fail+1)); continue; }
  rows=$("$DUCKQ" :memory: "SELECT count(*) FROM read_parquet('$T/$c.parquet')")
  [[ $out == *"\"accepted\": $rows,"* ]] || { echo "FAIL $c: not every row accepted: $out"; fail=$((fail+1)); }
  check "$c" "bronze.s_$c" "$T/$c.parquet"
done
# with the contract, over a file whose types differ from the contract's
# (exact casts: BIGINT -> INT32, DECIMAL(9,2) -> DECIMAL(12,2), TIMESTAMP_NS
# -> TIMESTAMP): the rows without NULLs, the others quarantined
"$DUCKQ" :memory: "CREATE VIEW v AS SELECT * FROM read_parquet('$T/zstd.parquet')" \
  "COPY (SELECT * FROM v WHERE COLUMNS(*) IS NOT NULL) TO '$T/clean.parquet' (FORMAT parquet)" \
  "COPY (SELECT * REPLACE (CAST(quantity AS BIGINT) AS quantity, CAST(unit_price AS DECIMAL(9,2)) AS unit_price, CAST(ts AS TIMESTAMP_NS) AS ts) FROM v) TO '$T/cast.parquet' (FORMAT parquet)" >/dev/null || exit 1
out=$("$STRATA" -w "$W" ingest bronze.sc "$T/cast.parquet" --schema platform/bronze/sales.json --format json) || { echo "FAIL: contract ingest"; fail=$((fail+1)); }
good=$("$DUCKQ" :memory: "SELECT count(*) FROM read_parquet('$T/clean.parquet')")
all=$("$DUCKQ" :memory: "SELECT count(*) FROM read_parquet('$T/zstd.parquet')")
[[ $out == *"\"accepted\": $good,"* && $out == *"\"rejected\": $((all - good)),"* ]] || { echo "FAIL contract counts (want $good + $((all - good))): $out"; fail=$((fail+1)); }
check contract bronze.sc "$T/clean.parquet"
echo "parquet ingest: $((5 * ${#queries[@]} - fail))/$((5 * ${#queries[@]})) answers agree with DuckDB"
[ $fail -eq 0 ]
