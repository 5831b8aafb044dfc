# test_silver_concurrent.sh: Silver runs on one table at the same time.
# Every run either commits (possibly after starting over from the other's
# commit) or stops with a message saying another writer changed the table;
# the table ends exactly as one run would leave it, and verify finds no
# damage.  (engine/silver.h's unit test forces the race deterministically.)
. tests/cli/lib.sh
P=$PWD/platform
"$STRATA" gen --scale 0.01 --out "$T/g" --only sales,products,fx_rates,customers >/dev/null || _fail "gen"
W="$T/base"
S() { "$STRATA" -w "$1" "${@:2}"; }
S "$W" init >/dev/null
for s in products fx_rates customers; do S "$W" ingest bronze.$s "$T/g/$s.csv" --schema "$P/bronze/$s.json" -q; done
split -n l/2 -d "$T/g/sales.ndjson" "$T/part_"
S "$W" ingest bronze.sales "$T/part_00" --as ndjson --schema "$P/bronze/sales.json" -q
cp "$P/silver/sales.json" "$P/silver/sales.suite.json" "$T/"
S "$W" transform "$T/sales.json" -q || _fail "first run"
S "$W" ingest bronze.sales "$T/part_01" --as ndjson -q
rm -rf "$T/ref"; cp -a "$W" "$T/ref"
S "$T/ref" transform "$T/sales.json" -q
S "$T/ref" export silver.sales - --no-lineage | tail -n +2 | sort > "$T/want.txt"
for round in 1 2 3; do
  for mode in "" "--no-retry"; do
    rm -rf "$T/w"; cp -a "$W" "$T/w"
    for i in 1 2 3; do
      "$STRATA" -w "$T/w" --threads 1 transform "$T/sales.json" $mode >"$T/out$i" 2>"$T/err$i" &
    done
    wait
    for i in 1 2 3; do
      rc=0; grep -q "strata: error" "$T/err$i" && rc=1
      if [ $rc = 1 ] && ! grep -q "changed the table while this transform was running" "$T/err$i"; then
        _fail "round $round$mode run $i failed otherwise: $(cat "$T/err$i")"
      fi
      [ -z "$mode" ] && [ $rc = 1 ] && _fail "round $round run $i gave up although it may retry"
    done
    run S "$T/w" verify silver.sales; expect_rc 0
    S "$T/w" export silver.sales - --no-lineage | tail -n +2 | sort | cmp -s - "$T/want.txt" ||
      _fail "round $round$mode: concurrent runs left another table"
    n=$(S "$T/w" log silver.sales --format json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["operation"] == "transform"))')
    [ "$n" = 1 ] || _fail "round $round$mode: $n transform commits (want 1; the others are no-ops or stopped)"
  done
done
finish
