#!/bin/bash
# tests/long/run.sh: `make test-long`: every tests/long/test_*.sh (crash loops,
# concurrency soaks).  Each gets $STRATA and a temp dir; exit 0 = pass.
cd "$(dirname "$0")/../.." || exit 1
fail=0; n=0
for t in tests/long/test_*.sh; do
  [ -e "$t" ] || continue
  n=$((n+1)); echo "long: $t"
  if ! bash "$t"; then echo "FAIL $t"; fail=$((fail+1)); fi
done
echo "long: $((n-fail))/$n passed"
[ $fail -eq 0 ]
