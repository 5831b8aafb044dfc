# test_bronze_concurrent.sh: two processes append 50 batches each to one
# table at the same time: 100 new versions with no gap, every row exactly
# once, and the log replays cleanly (lost races were retried, not lost).
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
S init >/dev/null
printf 'id,writer,k\n0,init,0\n' > "$T/init.csv"
S ingest bronze.c "$T/init.csv" -q || _fail "create"
for w in a b; do
  base=1000; [ $w = b ] && base=2000
  for k in $(seq 1 50); do
    { echo "id,writer,k"; for j in 1 2 3; do echo "$((base + k * 10 + j)),$w,$k"; done; } > "$T/$w$k.csv"
  done
done
writer() { for k in $(seq 1 50); do "$STRATA" -w "$W" ingest bronze.c "$T/$1$k.csv" -q || echo "FAILED $1$k"; done; }
writer a > "$T/a.out" 2>&1 & pa=$!
writer b > "$T/b.out" 2>&1 & pb=$!
wait $pa $pb
[ -s "$T/a.out" ] && _fail "writer a: $(head -3 "$T/a.out")"
[ -s "$T/b.out" ] && _fail "writer b: $(head -3 "$T/b.out")"
run S tables --format csv; expect_out "bronze.c,100,301,0,"
run S log bronze.c --format csv; expect_rc 0
[ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 101 ] || _fail "expected versions 0..100"
[ "$(printf '%s\n' "$OUT" | sed -n 2p | cut -d, -f1)" = 100 ] || _fail "latest version is not 100"
run S export bronze.c - --no-lineage; expect_rc 0
ids=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1 | sort)
[ "$(printf '%s\n' "$ids" | wc -l)" = 301 ] || _fail "expected 301 rows, got $(printf '%s\n' "$ids" | wc -l)"
[ -z "$(printf '%s\n' "$ids" | uniq -d)" ] || _fail "duplicated rows: $(printf '%s\n' "$ids" | uniq -d | head -3)"
# each batch's rows carry one _ingest_id, and the 100 batches used 100 distinct versions
run S export bronze.c -; expect_rc 0
n=$(printf '%s\n' "$OUT" | tail -n +2 | awk -F, '$2 != "init" {print $4}' | sort -u | wc -l)
[ "$n" = 100 ] || _fail "expected 100 distinct _ingest_id values, got $n"
if "$STRATA" verify --help >/dev/null 2>&1; then run S verify bronze.c; expect_rc 0; fi
finish
