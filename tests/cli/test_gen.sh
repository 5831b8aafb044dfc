# test_gen.sh: `strata gen` end to end: help, determinism across threads and
# seeds, the manifest against the files, --as/--only/--format, malformed
# share, the sales lifecycle, and bad input that must leave nothing behind.
. tests/cli/lib.sh

mf() { # mf DIR SOURCE KEY: a number from the manifest
  awk -v s="\"$2\": {" -v k="\"$3\":" 'index($0, s) {in_s=1} in_s && index($0, k) {gsub(/[^0-9]/, "", $2); print $2; exit}' "$1/_manifest.json"
}

run "$STRATA" gen --help
expect_rc 0; expect_out "usage: strata gen"; expect_out "--bad-rate"; expect_out "examples:"
run "$STRATA" --help
expect_out "gen"

# determinism: same seed -> same bytes for 1 and 2 threads; another seed differs
run "$STRATA" gen --scale 0.01 --out "$T/a" --threads 1
expect_rc 0; expect_out "sales.ndjson"; expect_out "manifest"
run "$STRATA" --threads 2 gen --scale 0.01 --out "$T/b"
expect_rc 0
run diff -r "$T/a" "$T/b"
expect_rc 0
run "$STRATA" gen --scale 0.01 --seed 7 --out "$T/c"
expect_rc 0
run cmp -s "$T/a/sales.ndjson" "$T/c/sales.ndjson"
expect_rc 1

# the manifest against the files
for f in "$T"/a/*.ndjson "$T"/a/*.csv; do
  b=$(basename "$f"); src=${b%.*}
  lines=$(wc -l < "$f"); bytes=$(stat -c %s "$f")
  [[ $b == *.csv ]] && lines=$((lines - 1))
  [ "$lines" = "$(mf "$T/a" "$src" rows)" ] || { RC=x; _fail "$b: $lines rows, manifest says $(mf "$T/a" "$src" rows)"; }
  [ "$bytes" = "$(mf "$T/a" "$src" bytes)" ] || { RC=x; _fail "$b: $bytes bytes vs manifest"; }
done
[ "$(mf "$T/a" sales rows)" = 10000 ] || { RC=x; _fail "scale 0.01 must give exactly 10000 sales lines"; }
run grep -c '"status":"placed"' "$T/a/sales.ndjson"
expect_rc 0

# --as, --only, --format json
run "$STRATA" gen --scale 0.005 --as csv --only sales,products --out "$T/csv" --format json
expect_rc 0; expect_out '"as": "csv"'; expect_out '"file": "sales.csv"'
run ls "$T/csv"
expect_out_eq "$(printf '_manifest.json\nproducts.csv\nsales.csv')"
run head -1 "$T/csv/sales.csv"
expect_out_eq "order_id,line_no,customer_id,product_id,sku,category,brand,condition,quantity,unit_price,currency,discount,country,status,ts"
run "$STRATA" gen --scale 0.005 --as ndjson --only competitor_prices --out "$T/nd" --format csv
expect_rc 0; expect_out "competitor_prices,competitor_prices.ndjson,500,"
run head -c 9 "$T/nd/competitor_prices.ndjson"
expect_out_eq '{"site":"'

# malformed share roughly as asked; none with 0
run "$STRATA" gen --scale 0.02 --bad-rate 0.05 --only sales --out "$T/bad"
expect_rc 0
bad=$(mf "$T/bad" sales bad)
[ "$bad" -gt 800 ] && [ "$bad" -lt 1200 ] || { RC=x; _fail "expected about 1000 malformed sales lines of 20000, got $bad"; }
run "$STRATA" gen --scale 0.02 --bad-rate 0 --as csv --only sales --out "$T/clean"
expect_rc 0
[ "$(mf "$T/clean" sales bad)" = 0 ] || { RC=x; _fail "--bad-rate 0 still injected records"; }
# every clean CSV line has 15 fields (no field of sales is ever quoted)
run awk -F, 'NR > 1 && NF != 15 {n++} END {print n + 0}' "$T/clean/sales.csv"
expect_out_eq 0
# the lifecycle: some order line goes placed -> paid -> shipped -> delivered
run awk -F, 'NR > 1 {k = $1 "-" $2; s[k] = s[k] " " $14} END {for (k in s) if (s[k] ~ /placed.*paid.*shipped.*delivered/) n++; print (n > 100) ? "ok" : "few " n}' "$T/clean/sales.csv"
expect_out_eq ok

# bad input: clear error, exit 1, nothing written
for args in "--scale 0" "--scale -2" "--scale abc" "--scale 1e9" "--scale nan" "--bad-rate 1" "--seed x" "--as xml" "--only nope"; do
  run "$STRATA" gen $args --out "$T/never"
  expect_rc 1; expect_err "strata: error:"
done
run "$STRATA" gen --scale 1e9 --out "$T/never"
expect_err "out of range"
[ -e "$T/never" ] && { RC=x; _fail "a refused run created its folder"; }
run "$STRATA" gen --scale 0.01
expect_rc 2; expect_err "--out DIR is required"
run "$STRATA" gen --scale 0.01 "$T/pos"
expect_rc 2
mkdir "$T/full"; echo keep > "$T/full/keep.txt"
run "$STRATA" gen --scale 0.01 --out "$T/full"
expect_rc 1; expect_err "already holds files"
run ls "$T/full"
expect_out_eq keep.txt
run "$STRATA" gen --scale 0.01 --out "$T/full/keep.txt/x"
expect_rc 1; expect_err "strata: error:"
# an injected write failure half-way: no folder, no temporary left
before=$(ls -A "$T" | wc -l)
STRATA_FAULT=write:2:enospc run "$STRATA" gen --scale 0.01 --out "$T/enospc"
expect_rc 1; expect_err "No space left"
[ -e "$T/enospc" ] && { RC=x; _fail "failed run left its folder"; }
[ "$(ls -A "$T" | wc -l)" = "$before" ] || { RC=x; _fail "failed run left a temporary folder: $(ls -A "$T")"; }
# SIGINT: the run stops and removes what it wrote (if it was still running)
"$STRATA" gen --scale 2 --out "$T/intr" >/dev/null 2>"$T/intr.err" & pid=$!
sleep 0.3; kill -INT $pid 2>/dev/null; wait $pid; rc=$?
if [ $rc -ne 0 ]; then
  RC=$rc; ERR=$(cat "$T/intr.err")
  expect_rc 1; expect_err "interrupted"
  [ -e "$T/intr" ] && { RC=x; _fail "interrupted run left its folder"; }
  [ "$(ls -A "$T" | grep -c '^\.intr')" = 0 ] || { RC=x; _fail "interrupted run left a temporary folder"; }
fi
finish
