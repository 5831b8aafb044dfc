#!/bin/bash
# run_unit.sh BUILD BIN...: run every unit-test binary; print a summary and
# fail when any fails.  Output of a failing test is shown in full.
build=$1; shift
fail=0; n=0
for t in "$@"; do
  n=$((n+1))
  out=$("$t" 2>&1); rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $t"; echo "$out" | tail -40; fail=$((fail+1))
  fi
done
echo "unit: $((n-fail))/$n test programs passed"
[ $fail -eq 0 ]
