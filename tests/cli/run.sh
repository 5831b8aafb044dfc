#!/bin/bash
# run.sh: run every CLI end-to-end test (tests/cli/test_*.sh) against $STRATA.
cd "$(dirname "$0")/../.." || exit 1
fail=0; n=0
for t in tests/cli/test_*.sh; do
  [ -e "$t" ] || continue
  n=$((n+1))
  if ! out=$(bash "$t" 2>&1); then echo "FAIL $t"; echo "$out" | tail -40; fail=$((fail+1)); fi
done
echo "cli: $((n-fail))/$n test scripts passed"
[ $fail -eq 0 ]
