#!/bin/bash
# test_silver_dedup.sh: Silver's dedup against DuckDB.  A generated sales
# stream (duplicate deliveries, late and out-of-order events, each order
# line's status changes) is ingested into Bronze in three batches with a
# Silver run after each; the Silver table must hold exactly one row per
# (order_id, line_no): the latest by ts, ties by (_ingest_id, _line), equal
# to DuckDB's
#   QUALIFY row_number() OVER (PARTITION BY order_id, line_no
#                              ORDER BY ts DESC, _ingest_id DESC, _line DESC) = 1
# over the same Bronze rows (exported to CSV), lineage columns included.
# Then a full refresh, and the platform's sales spec (rules, lookups,
# standardization) whose keys and lineage must be DuckDB's answer over the
# rows it accepted.
set -u
: "${STRATA:?}" "${DUCKQ:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-peer-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
S() { "$STRATA" -w "$T/wh" "$@"; }
P=$PWD/platform
"$STRATA" gen --scale ${PEER_SCALE:-0.05} --out "$T/g" --only sales,products,fx_rates,customers >/dev/null || fail gen
python3 - "$T/g/_manifest.json" <<'PY' || fail "the stream lacks duplicates or late events"
import json, sys
m = json.load(open(sys.argv[1]))
f = m["sources"]["sales"]
assert f["duplicates"] > 0 and f["late"] > 0 and f["out_of_order"] > 0, f
PY
S init >/dev/null
for s in products fx_rates customers; do S ingest bronze.$s "$T/g/$s.csv" --schema "$P/bronze/$s.json" -q || fail "ingest $s"; done
split -n l/3 -d "$T/g/sales.ndjson" "$T/part_"
cat > "$T/dedup.json" <<'JSON'
{"target": "silver.sales", "source": "bronze.sales",
 "columns": [{"name":"order_id"},{"name":"line_no"},{"name":"customer_id"},{"name":"product_id"},{"name":"sku"},
  {"name":"category"},{"name":"brand"},{"name":"condition"},{"name":"quantity"},{"name":"unit_price"},{"name":"currency"},
  {"name":"discount"},{"name":"country"},{"name":"status"},{"name":"ts"}],
 "dedup": {"key": ["order_id", "line_no"], "latest_by": "ts"}}
JSON
for p in 00 01 02; do
  S ingest bronze.sales "$T/part_$p" --as ndjson --schema "$P/bronze/sales.json" -q || fail "ingest $p"
  S transform "$T/dedup.json" -q || fail "transform after batch $p"
done
S export bronze.sales "$T/bronze.csv" >/dev/null || fail "export bronze"
S export silver.sales "$T/silver.csv" >/dev/null || fail "export silver"
cols="order_id,line_no,customer_id,product_id,sku,category,brand,condition,quantity,unit_price,currency,discount,country,status,ts,_ingest_id,_line"
compare() { # $1 = label, $2 = Silver CSV, $3 = a DuckDB query for the expected rows over table b
  local q="CREATE TABLE b AS SELECT * FROM read_csv('$T/bronze.csv');
    CREATE TABLE s AS SELECT $cols FROM read_csv('$2');
    CREATE TABLE d AS $3;
    SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM d),
           (SELECT count(*) FROM (SELECT * FROM s EXCEPT ALL SELECT * FROM d)),
           (SELECT count(*) FROM (SELECT * FROM d EXCEPT ALL SELECT * FROM s)),
           (SELECT count(*) - count(DISTINCT (order_id, line_no)) FROM s)"
  local r
  r=$("$DUCKQ" "$T/peer.duckdb" "$q") || fail "$1: duckdb failed"
  rm -f "$T/peer.duckdb" "$T/peer.duckdb.wal"
  IFS=, read -r ns nd only_s only_d dupkeys <<<"$r"
  echo "  $1: strata $ns rows, duckdb $nd rows, only in strata $only_s, only in duckdb $only_d"
  [ "$ns" = "$nd" ] && [ "$only_s" = 0 ] && [ "$only_d" = 0 ] && [ "$dupkeys" = 0 ] && [ "$ns" -gt 0 ] || fail "$1 differs from DuckDB"
}
qualify="SELECT $cols FROM b QUALIFY row_number() OVER (PARTITION BY order_id, line_no ORDER BY ts DESC, _ingest_id DESC, _line DESC) = 1"
compare "three batches, incremental" "$T/silver.csv" "$qualify"
S transform "$T/dedup.json" --full-refresh -q || fail "full refresh"
S export silver.sales "$T/silver_full.csv" >/dev/null
compare "full refresh" "$T/silver_full.csv" "$qualify"
# the platform spec: DuckDB dedups the rows Silver accepted (Bronze minus the rejects' lineage)
cp "$P/silver/sales.json" "$P/silver/sales.suite.json" "$T/"
sed -i 's/"target": "silver.sales"/"target": "silver.sales_full"/; s/"table": "silver.sales"/"table": "silver.sales_full"/' "$T/sales.json" "$T/sales.suite.json"
S transform "$T/sales.json" -q || fail "platform spec"
S export silver.sales_full "$T/full.csv" >/dev/null
S export silver.sales_full__rejects "$T/rej.csv" >/dev/null
cols="order_id,line_no,_ingest_id,_line"
compare "platform spec (keys and lineage)" "$T/full.csv" \
  "SELECT $cols FROM b ANTI JOIN read_csv('$T/rej.csv', types={'_ingest_id':'BIGINT','_line':'BIGINT'}) r USING (_ingest_id, _line)
   QUALIFY row_number() OVER (PARTITION BY order_id, line_no ORDER BY ts DESC, _ingest_id DESC, _line DESC) = 1"
echo "  ok"
