# test_bronze_stream.sh: streams.  Records written into a pipe over a few
# seconds land as several micro-batch commits, none lost or duplicated;
# a follower of a growing file killed (SIGTERM, then SIGKILL) and restarted
# neither loses nor repeats a line; the stream position is in the log.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
S init >/dev/null
FMT=${STREAM_FMT:-ndjson}
rec() { # id -> one record in $FMT; every 10th is malformed (quarantined)
  if [ $(($1 % 10)) = 7 ]; then
    if [ "$FMT" = ndjson ]; then printf '{"id":%d,"v":\n' "$1"; else printf '%d,r%d,extra\n' "$1" "$1"; fi
  elif [ "$FMT" = ndjson ]; then printf '{"id":%d,"v":"r%d"}\n' "$1" "$1"; else printf '%d,r%d\n' "$1" "$1"; fi
}
good() { seq 1 "$1" | awk '$1 % 10 != 7'; }
bad() { seq 1 "$1" | awk '$1 % 10 == 7'; }
hdr() { [ "$FMT" = csv ] && echo "id,v"; true; }

# 1. a pipe, 60 records over ~3 s, commits every 300 ms
{ hdr; for i in $(seq 1 60); do rec $i; sleep 0.05; done; } |
  "$STRATA" -w "$W" ingest bronze.s - --as $FMT --batch-ms 300 --format json > "$T/pipe.json"
[ $? = 0 ] || _fail "stream ingest failed: $(cat "$T/pipe.json")"
commits=$(sed -n 's/.*"commits": \([0-9]*\).*/\1/p' "$T/pipe.json")
[ "${commits:-0}" -ge 3 ] || _fail "expected several commits, got ${commits:-0}"
run S export bronze.s - --no-lineage; expect_rc 0
ids=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1 | sort -n)
[ "$ids" == "$(good 60)" ] || _fail "pipe: rows lost or repeated"
run S export bronze.s__rejects -; expect_rc 0
[ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 6 ] || _fail "pipe: 6 quarantined records expected"
run S log bronze.s --format csv; expect_rc 0
[ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = "$commits" ] || _fail "log and summary disagree on commits"

# 2. --follow a growing file; stop it twice (SIGTERM, SIGKILL) and restart
F="$T/events.$FMT"; hdr > "$F"
( for i in $(seq 1 150); do rec $i >> "$F"; sleep 0.02; done ) & gen=$!
follow() { "$STRATA" -w "$W" ingest bronze.f --follow "$F" --as $FMT --batch-ms 150 -q 2>>"$T/follow.err" & fp=$!; }
follow; sleep 1.0; kill -TERM $fp; wait $fp; rc1=$?
follow; sleep 0.9; kill -KILL $fp; wait $fp 2>/dev/null
follow; wait $gen; sleep 1.0; kill -INT $fp; wait $fp; rc3=$?
[ $rc1 = 0 ] || _fail "SIGTERM should stop the follower cleanly (rc $rc1): $(cat "$T/follow.err")"
[ $rc3 = 0 ] || _fail "SIGINT should stop the follower cleanly (rc $rc3): $(cat "$T/follow.err")"
run S export bronze.f - --no-lineage; expect_rc 0
ids=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1 | sort -n)
[ "$ids" == "$(good 150)" ] || _fail "follow: lost $(comm -13 <(printf '%s\n' "$ids") <(good 150) | wc -l), repeated $(printf '%s\n' "$ids" | uniq -d | wc -l)"
# quarantined records too: each exactly once, at its own line
run S export bronze.f__rejects -; expect_rc 0
h=$([ "$FMT" = csv ] && echo 1 || echo 0)
rl=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f3 | sort -n)
[ "$rl" == "$(bad 150 | awk -v h=$h '{print $1 + h}')" ] || _fail "follow: quarantined records lost or repeated: $(printf '%s ' $rl)"
# lines: each record keeps its own line in the file
run S export bronze.f -; expect_rc 0
wrong=$(printf '%s\n' "$OUT" | tail -n +2 | awk -F, -v h=$([ "$FMT" = csv ] && echo 1 || echo 0) '$5 != $1 + h' | head -3)
[ -z "$wrong" ] || _fail "follow: wrong _line: $wrong"
run S log bronze.f --format json; expect_rc 0; expect_out '"stream"'; expect_out "\"offset\": $(stat -c %s "$F")"
finish
