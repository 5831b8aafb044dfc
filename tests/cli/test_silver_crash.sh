# test_silver_crash.sh: a Silver run killed (STRATA_FAULT=op:N:crash, a kill
# -9 at that point) at each step of writing its segments, deletion vectors,
# the commit entry and the report: afterwards verify finds no damage, the
# table holds either the rows before the run or after it (never part), and
# running the transform again gives exactly the table a clean run gives.
# Also fsync failures: the run fails, nothing half-committed.
. tests/cli/lib.sh
P=$PWD/platform
"$STRATA" gen --scale 0.002 --out "$T/g" --only sales,products,fx_rates,customers >/dev/null || _fail "gen"
W="$T/base"
S() { "$STRATA" -w "$1" "${@:2}"; }
S "$W" init >/dev/null
for s in products fx_rates customers; do S "$W" ingest bronze.$s "$T/g/$s.csv" --schema "$P/bronze/$s.json" -q; done
split -n l/2 -d "$T/g/sales.ndjson" "$T/part_"
S "$W" ingest bronze.sales "$T/part_00" --as ndjson --schema "$P/bronze/sales.json" -q
cp "$P/silver/sales.json" "$P/silver/sales.suite.json" "$T/"
S "$W" transform "$T/sales.json" -q || _fail "first run"
S "$W" ingest bronze.sales "$T/part_01" --as ndjson -q
S "$W" export silver.sales - --no-lineage | tail -n +2 | sort > "$T/old.txt"
rm -rf "$T/ref"; cp -a "$W" "$T/ref"
S "$T/ref" transform "$T/sales.json" -q || _fail "reference run"
S "$T/ref" export silver.sales - --no-lineage | tail -n +2 | sort > "$T/new.txt"
cmp -s "$T/old.txt" "$T/new.txt" && _fail "the second batch changes nothing: a useless test"

state_of() {
  local rows
  rows=$(S "$1" export silver.sales - --no-lineage | tail -n +2 | sort)
  if [ "$rows" == "$(cat "$T/old.txt")" ]; then echo old
  elif [ "$rows" == "$(cat "$T/new.txt")" ]; then echo new
  else echo bad; fi
}

crashes=0
for op in fsync publish dirsync write; do
  n=1
  while :; do
    rm -rf "$T/w"; cp -a "$W" "$T/w"
    STRATA_FAULT="$op:$n:crash" "$STRATA" -w "$T/w" transform "$T/sales.json" -q >/dev/null 2>&1
    rc=$?
    run S "$T/w" verify silver.sales; [ "$RC" = 0 ] || _fail "$op:$n: verify reports damage"
    st=$(state_of "$T/w")
    [ "$st" != bad ] || _fail "$op:$n: the table holds part of a run"
    [ $rc = 0 ] && { [ "$st" = new ] || _fail "$op:$n: the run succeeded without its rows"; break; }
    [ $rc = 137 ] || _fail "$op:$n: exit $rc, not a crash"
    crashes=$((crashes+1))
    # the next run does exactly what is missing
    S "$T/w" transform "$T/sales.json" -q || _fail "$op:$n: the run after the crash fails"
    [ "$(state_of "$T/w")" = new ] || _fail "$op:$n: the run after the crash gives another table"
    commits=$(S "$T/w" log silver.sales --format json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["operation"] == "transform"))')
    [ "$commits" = 1 ] || _fail "$op:$n: $commits transform commits after the crash (want exactly one)"
    if [ $op = write ]; then n=$((n * 3)); else n=$((n+1)); fi
    [ $n -gt 5000 ] && { _fail "$op: never got through"; break; }
  done
done
[ $crashes -ge 8 ] || _fail "only $crashes crash points were exercised"

# an fsync that fails: the run fails, the table is the old one, the next run is whole
rm -rf "$T/w"; cp -a "$W" "$T/w"
run env STRATA_FAULT="fsync:2:eio" "$STRATA" -w "$T/w" transform "$T/sales.json"
expect_rc 1
[ "$(state_of "$T/w")" = old ] || _fail "a failed fsync left a changed table"
S "$T/w" transform "$T/sales.json" -q || _fail "the run after a failed fsync"
[ "$(state_of "$T/w")" = new ] || _fail "after a failed fsync, the next run gives another table"
finish
