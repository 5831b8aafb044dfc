# test_bronze_crash.sh: an ingest killed (STRATA_FAULT=op:N:crash, a kill -9
# at that point) at every I/O step of a commit, N = 1 until the ingest gets
# through: afterwards the log reads, verify finds no damage, and the table
# holds the old rows, or the old rows plus the whole batch (never part of
# it).  Then fsync failures: the writer fails (exit 1), never retries an
# fsync (a second fault would crash it), and the table stays consistent.
. tests/cli/lib.sh
W="$T/base"
S() { "$STRATA" -w "$1" "${@:2}"; }
S "$W" init >/dev/null
{ echo "id,v"; for i in $(seq 1 50); do echo "$i,base$i"; done; } > "$T/base.csv"
{ echo "id,v"; for i in $(seq 51 120); do echo "$i,new$i"; done; echo "bad,row,x"; } > "$T/batch.csv"
S "$W" ingest bronze.t "$T/base.csv" -q || _fail "base ingest"
S "$W" export bronze.t - --no-lineage | tail -n +2 | sort > "$T/old.txt"
{ cat "$T/old.txt"; tail -n +2 "$T/batch.csv" | grep -v bad; } | sort > "$T/new.txt"
has_verify=0; "$STRATA" verify --help >/dev/null 2>&1 && has_verify=1

check_table() { # $1 = warehouse, $2 = label
  local rows
  run S "$1" log bronze.t; [ "$RC" = 0 ] || { _fail "$2: log fails after the crash"; return; }
  if [ $has_verify = 1 ]; then
    run S "$1" verify bronze.t; [ "$RC" = 0 ] || _fail "$2: verify reports damage"
  fi
  rows=$(S "$1" export bronze.t - --no-lineage | tail -n +2 | sort)
  if [ "$rows" == "$(cat "$T/old.txt")" ]; then echo old
  elif [ "$rows" == "$(cat "$T/new.txt")" ]; then echo new
  else _fail "$2: the table holds part of a batch"; echo bad; fi
}

total=0
for op in write fsync publish dirsync; do
  n=1
  while :; do
    rm -rf "$T/w"; cp -a "$W" "$T/w"
    STRATA_FAULT="$op:$n:crash" "$STRATA" -w "$T/w" ingest bronze.t "$T/batch.csv" -q >/dev/null 2>&1
    rc=$?
    state=$(check_table "$T/w" "$op:$n")
    if [ $rc = 0 ]; then
      [ "$state" = new ] || _fail "$op:$n: ingest succeeded but the batch is missing"
      break
    fi
    [ $rc = 137 ] || _fail "$op:$n: expected the injected crash (137), got $rc"
    total=$((total+1)); n=$((n+1))
    [ $n -gt 40 ] && { _fail "$op: never completed"; break; }
  done
done
[ $total -ge 8 ] || _fail "only $total crash points were exercised"
# after crashes the table still takes commits, and the orphans are only warnings
rm -rf "$T/w"; cp -a "$W" "$T/w"
STRATA_FAULT="publish:2:crash" "$STRATA" -w "$T/w" ingest bronze.t "$T/batch.csv" -q >/dev/null 2>&1
run S "$T/w" ingest bronze.t "$T/batch.csv"; expect_rc 0; expect_out "version 1"
if [ $has_verify = 1 ]; then run S "$T/w" verify bronze.t; expect_rc 0; expect_out "orphan"; fi

# fsync failure: fail, do not retry (fsync N+1 would crash with 137), stay consistent
for n in 1 2 3; do
  rm -rf "$T/w"; cp -a "$W" "$T/w"
  run env STRATA_FAULT="fsync:$n:eio,fsync:$((n+1)):crash" "$STRATA" -w "$T/w" ingest bronze.t "$T/batch.csv"
  expect_rc 1; expect_err "fsync failed"
  [ "$(check_table "$T/w" "fsync:$n")" = old ] || _fail "fsync:$n: a failed commit is visible"
done
rm -rf "$T/w"; cp -a "$W" "$T/w"
run env STRATA_FAULT="dirsync:1:eio,fsync:99:crash" "$STRATA" -w "$T/w" ingest bronze.t "$T/batch.csv"
expect_rc 1
check_table "$T/w" "dirsync" >/dev/null
finish
