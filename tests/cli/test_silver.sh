# test_silver.sh: strata transform and strata check end to end on generated
# data: specs refused before any data is read (missing column, impossible
# cast, bad regex, lookup cycles), the accounting identity, rejects with
# their reasons, an incremental run equal to a full refresh, re-runs as
# no-ops, thread counts and the SIMD paths giving identical tables, the
# quality gate (a failing error-level expectation aborts the commit and
# names the failing keys; warn does not), stored reports, verify and
# compaction of deletion vectors.
. tests/cli/lib.sh
S() { "$STRATA" -w "$W" "$@"; }
W="$T/wh"
P=$PWD/platform
"$STRATA" gen --scale 0.003 --out "$T/g" --only sales,products,fx_rates,customers >/dev/null || _fail "gen"
S init >/dev/null
for s in products fx_rates customers; do S ingest bronze.$s "$T/g/$s.csv" --schema "$P/bronze/$s.json" -q || _fail "ingest $s"; done
# the sales stream in three batches
split -n l/3 -d "$T/g/sales.ndjson" "$T/part_"

# ---- specs are checked before any data is read ----
spec() { # $1 = file, $2 = JSON
  printf '%s\n' "$2" > "$T/$1"
}
S ingest bronze.sales "$T/part_00" --as ndjson --schema "$P/bronze/sales.json" -q || _fail "ingest part 0"
spec missing.json '{"target":"silver.s","source":"bronze.sales","columns":[{"name":"order_id"},{"name":"nope"}]}'
run S transform "$T/missing.json"; expect_rc 1; expect_err "'nope' is not a column of bronze.sales"
spec cast.json '{"target":"silver.s","source":"bronze.sales","columns":[{"name":"d","from":"ts","type":"INT64"}]}'
run S transform "$T/cast.json"; expect_rc 1; expect_err "cannot cast TIMESTAMP to INT64"
spec regex.json '{"target":"silver.s","source":"bronze.sales","columns":[{"name":"sku"}],"rules":[{"column":"sku","regex":"([A-Z"}]}'
run S transform "$T/regex.json"; expect_rc 1; expect_err "bad regex"
spec cycle.json '{"target":"silver.s","source":"bronze.sales","columns":[{"name":"cur","from":"fx.currency"}],
 "lookups":[{"name":"fx","table":"bronze.fx_rates","on":{"currency":"cur"}}]}'
run S transform "$T/cycle.json"; expect_rc 1; expect_err "a cycle"; expect_err "lookup fx"
spec self.json '{"target":"silver.s","source":"bronze.sales","columns":[{"name":"x","from":"l.x"}],
 "lookups":[{"name":"l","table":"silver.s","on":{"x":"order_id"}}]}'
run S transform "$T/self.json"; expect_rc 1
spec a.json '{"target":"silver.a","source":"bronze.sales","columns":[{"name":"order_id"},{"name":"y","from":"b.order_id"}],"lookups":[{"name":"b","table":"silver.b","on":{"order_id":"order_id"}}]}'
spec b.json '{"target":"silver.b","source":"bronze.sales","columns":[{"name":"order_id"},{"name":"y","from":"a.order_id"}],"lookups":[{"name":"a","table":"silver.a","on":{"order_id":"order_id"}}]}'
run S transform "$T/a.json" "$T/b.json"; expect_rc 1
spec bad.json '{"target":"silver.s","source":"bronze.sales","colums":[]}'
run S transform "$T/bad.json"; expect_rc 1; expect_err "unknown key \"colums\""
[ ! -d "$W/silver/s" ] && [ ! -d "$W/silver/a" ] || _fail "a refused spec left a table behind"

# ---- a run, its accounting, rejects, no-op re-runs ----
# a strict rule that rejects some rows: quantity 1 only
sed 's/"min": 1,\s*"max": 100/"min": 1, "max": 1/' "$P/silver/sales.json" > "$T/strict.json"
grep -q '"max": 1}' "$T/strict.json" || { python3 -c "
import json,sys; d=json.load(open('$P/silver/sales.json'))
for r in d['rules']:
  if r.get('column')=='quantity': r['max']=1
d['suite']='$P/silver/sales.suite.json'
json.dump(d,open('$T/strict.json','w'))"; }
cp "$P/silver/sales.json" "$T/sales.json"; cp "$P/silver/sales.suite.json" "$T/sales.suite.json"
run S transform "$T/sales.json" --format json
expect_rc 0
python3 - "$OUT" <<'PY' || _fail "accounting"
import json, sys
r = json.loads(sys.argv[1])[0]
assert r["rows_in"] == r["written"] + r["duplicates"] + r["rejected"], r
assert r["written"] > 0 and r["duplicates"] > 0 and r["version"] == 0, r
PY
run S transform "$T/sales.json"; expect_rc 0; expect_out "up to date"
# rows trace to Bronze: every Silver (_ingest_id, _line) is a Bronze row with the same key
S export bronze.sales "$T/b.csv" >/dev/null; S export silver.sales "$T/s.csv" >/dev/null
python3 - "$T/b.csv" "$T/s.csv" <<'PY' || _fail "lineage"
import csv, sys
b = {(r["_ingest_id"], r["_line"]): r for r in csv.DictReader(open(sys.argv[1]))}
n = 0
for r in csv.DictReader(open(sys.argv[2])):
    src = b[(r["_ingest_id"], r["_line"])]
    assert src["order_id"] == r["order_id"] and src["line_no"] == r["line_no"] and src["ts"] == r["ts"], (r, src)
    n += 1
assert n > 0
PY

# ---- incremental = full refresh, through deletion vectors ----
for p in 01 02; do
  S ingest bronze.sales "$T/part_$p" --as ndjson -q || _fail "ingest part $p"
  run S transform "$T/sales.json"; expect_rc 0; expect_out "replaced"
done
run S verify silver.sales; expect_rc 0; expect_out "deletion vectors"
S export silver.sales - --no-lineage | tail -n +2 | sort > "$T/inc.txt"
S export silver.sales - | tail -n +2 | cut -d, -f1-2 | sort | uniq -d > "$T/dupkeys.txt"
[ ! -s "$T/dupkeys.txt" ] || _fail "a key appears twice"
run S transform "$T/sales.json" --full-refresh; expect_rc 0
S export silver.sales - --no-lineage | tail -n +2 | sort > "$T/full.txt"
cmp -s "$T/inc.txt" "$T/full.txt" || _fail "incremental runs differ from a full refresh"
# one thread, and each SIMD path: the same table
for opt in "--threads 1" "--threads 2"; do
  for simd in scalar avx2; do
    [ $simd = avx2 ] && ! grep -q avx2 /proc/cpuinfo && continue
    run "$STRATA" -w "$W" $opt transform "$T/sales.json" --full-refresh --simd $simd; expect_rc 0
    S export silver.sales - --no-lineage | tail -n +2 | sort > "$T/again.txt"
    cmp -s "$T/again.txt" "$T/full.txt" || _fail "$opt --simd $simd gives another table"
  done
done
STRATA_SIMD=scalar S transform "$T/sales.json" --full-refresh -q || _fail "STRATA_SIMD=scalar"
S export silver.sales - --no-lineage | tail -n +2 | sort | cmp -s - "$T/full.txt" || _fail "STRATA_SIMD=scalar differs"

# ---- rejects: every reason, the raw row, in the same commit ----
run S transform "$T/strict.json" --full-refresh --skip-suite; expect_rc 0; expect_out "above_max"
run S export silver.sales__rejects -; expect_rc 0; expect_out "rule quantity.max"; expect_out '""quantity"":'
run S log silver.sales --format json
python3 - "$OUT" <<'PY' || _fail "counts in the log"
import json, sys
e = json.loads(sys.argv[1])[0]  # newest first
c = e["counts"]
assert c["read"] == c["accepted"] + c["rejected"] + c["duplicates"] and c["rejected"] > 0, c
PY

# ---- the quality gate ----
S transform "$T/sales.json" --full-refresh -q || _fail "back to the normal spec"
v=$(S log silver.sales --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["version"])')
[ -f "$W/silver/sales/_quality/$(printf %020d "$v").json" ] || _fail "no stored report for version $v"
run S check silver.sales; expect_rc 0; expect_out "expectations met"; expect_out "warn"
run S check silver.sales --format json; expect_rc 0
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["success"] and r["statistics"]["evaluated"] == 15' "$OUT" || _fail "check json"
python3 - "$T/sales.suite.json" "$T/tight.suite.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["expectations"].append({"expect": "between", "column": "quantity", "min": 2, "max": 100, "mostly": 0.5})
json.dump(d, open(sys.argv[2], "w"))
PY
run S check silver.sales "$T/tight.suite.json"; expect_rc 1; expect_out "FAIL"; expect_out "order_id="
expect_err "error-level expectation failed"
sed 's/"suite": "sales.suite.json"/"suite": "tight.suite.json"/' "$T/sales.json" > "$T/gated.json"
before=$(S log silver.sales --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
S ingest bronze.sales "$T/part_01" --as ndjson -q
run S transform "$T/gated.json"; expect_rc 1; expect_out "FAIL"; expect_err "nothing was committed"
after=$(S log silver.sales --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$before" = "$after" ] || _fail "a failed suite committed"
run S verify silver.sales; expect_rc 0; expect_no_out "warning"
# warn-level failures do not stop a commit
run S transform "$T/sales.json"; expect_rc 0; expect_out "replaced"

# ---- SQL reads Silver through its deletion vectors, hashing like Silver ----
n=$(S export silver.sales - --no-lineage | tail -n +2 | wc -l)
[ "$(S query "SELECT count(*) AS n FROM silver.sales" --format csv | tail -1 | tr -d "\r")" = "$n" ] || _fail "SQL count differs from the live rows ($n)"
q1="SELECT status, currency, count(*) AS n, sum(quantity) AS q, count(DISTINCT customer_id) AS c FROM silver.sales GROUP BY status, currency ORDER BY status, currency"
q2="SELECT p.brand, count(*) AS n FROM silver.sales s JOIN bronze.products p ON s.product_id = p.product_id GROUP BY p.brand ORDER BY n DESC, p.brand"
for q in "$q1" "$q2"; do
  STRATA_SIMD=scalar S query "$q" --format csv > "$T/q_scalar.csv" || _fail "query (scalar): $q"
  STRATA_SIMD=auto S query "$q" --format csv --threads 2 > "$T/q_auto.csv" || _fail "query (auto): $q"
  [ "$(wc -l < "$T/q_scalar.csv")" -gt 2 ] || _fail "query gave too few rows: $q"
  cmp -s "$T/q_scalar.csv" "$T/q_auto.csv" || _fail "SIMD paths give different answers: $q"
done

# ---- compaction purges deleted rows; the data stays ----
S export silver.sales - --no-lineage | tail -n +2 | sort > "$T/before.txt"
run S compact silver.sales --deleted-share 0.01; expect_rc 0; expect_out "deleted rows purged"
S export silver.sales - --no-lineage | tail -n +2 | sort | cmp -s - "$T/before.txt" || _fail "compaction changed the rows"
run S verify silver.sales; expect_rc 0
run S transform "$T/sales.json"; expect_rc 0; expect_out "up to date"
finish
