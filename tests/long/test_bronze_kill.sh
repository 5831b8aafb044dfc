#!/bin/bash
# test_bronze_kill.sh: `make test-long`: an ingest killed with SIGKILL at a
# random moment, 100 times (KILL_RUNS to change).  After every kill: verify
# exits 0 (orphans are warnings), and the table holds every acknowledged
# batch, plus, at most, the interrupted batch: whole or not at all.  Every
# 10th round also kills a --follow stream and checks it resumes without
# losing or repeating a record.
set -u
: "${STRATA:?}"
RUNS=${KILL_RUNS:-100}
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-kill-XXXXXX")
trap 'rm -rf "$T"' EXIT
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
fail=0
die() { echo "FAIL: $*"; fail=1; }
S init >/dev/null
RANDOM=${KILL_SEED:-42}
acked=""      # batch numbers that exited 0
maybe=""      # batch numbers killed (may be present, whole)
for i in $(seq 1 "$RUNS"); do
  n=$((2000 + RANDOM % 30000))
  awk -v b="$i" -v n="$n" 'BEGIN { print "batch,seq,payload"; for (k = 1; k <= n; k++) printf "%d,%d,p%d-%d-xxxxxxxxxxxxxxxxxxxx\n", b, k, b, k }' > "$T/b.csv"
  [ $((i % 7)) = 0 ] && echo "not,a,number,row" >> "$T/b.csv"   # a quarantined record now and then
  echo "$n" > "$T/expect_$i"
  "$STRATA" -w "$W" ingest bronze.k "$T/b.csv" -q 2>"$T/err" & pid=$!
  sleep "0.0$((RANDOM % 90 + 5))"
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null; rc=$?
  if [ $rc = 0 ]; then acked="$acked $i"; elif [ $rc = 137 ]; then maybe="$maybe $i"; else die "round $i: ingest failed (rc $rc): $(cat "$T/err")"; fi
  if [ "$i" = 1 ] && [ $rc != 0 ]; then S ingest bronze.k "$T/b.csv" -q || die "could not create the table"; acked="$acked 1"; fi
  # the table opens and verifies
  if "$STRATA" verify --help >/dev/null 2>&1; then
    S verify bronze.k > "$T/verify" 2>&1 || die "round $i: verify found damage: $(tail -3 "$T/verify")"
  fi
  S export bronze.k - --no-lineage > "$T/rows.csv" 2>"$T/err" || die "round $i: export failed: $(cat "$T/err")"
  # per batch: rows present vs rows written
  tail -n +2 "$T/rows.csv" | cut -d, -f1 | sort -n | uniq -c | awk '{print $2, $1}' > "$T/present"
  for b in $acked; do grep -q "^$b " "$T/present" || die "round $i: acknowledged batch $b is missing"; done
  while read -r b cnt; do
    case " $acked $maybe " in *" $b "*) ;; *) die "round $i: batch $b was never written" ;; esac
    [ -f "$T/expect_$b" ] && [ "$cnt" != "$(cat "$T/expect_$b")" ] && die "round $i: batch $b has $cnt of $(cat "$T/expect_$b") rows"
  done < "$T/present"
  [ $fail = 1 ] && break
done
# whole-or-nothing: each present batch has exactly the rows it was written with
while read -r b cnt; do
  [ -f "$T/expect_$b" ] && [ "$cnt" != "$(cat "$T/expect_$b")" ] && die "batch $b: $cnt rows, written $(cat "$T/expect_$b")"
done < "$T/present"
echo "kill: $RUNS rounds, $(echo "$acked" | wc -w) acknowledged, $(echo "$maybe" | wc -w) killed, $(wc -l < "$T/present") batches present"

# a follower killed every second resumes exactly
F="$T/ev.csv"; echo "id,v" > "$F"
( for k in $(seq 1 400); do echo "$k,v$k" >> "$F"; sleep 0.01; done ) & gen=$!
for r in 1 2 3 4 5; do
  "$STRATA" -w "$W" ingest bronze.f --follow "$F" --batch-ms 100 -q & fp=$!
  sleep "0.$((RANDOM % 9 + 1))"; kill -KILL $fp; wait $fp 2>/dev/null
done
wait $gen
"$STRATA" -w "$W" ingest bronze.f --follow "$F" --batch-ms 100 -q & fp=$!; sleep 1.5; kill -TERM $fp; wait $fp
ids=$(S export bronze.f - --no-lineage | tail -n +2 | cut -d, -f1 | sort -n)
[ "$ids" == "$(seq 1 400)" ] || die "follow: records lost or repeated after kills"
[ $fail = 0 ] && echo "kill: pass"
exit $fail
