#!/bin/bash
# tests/peer/run.sh: `make test-peer`: differential tests against DuckDB 1.5
# (tests/peer/test_*.sh), with $STRATA and $DUCKQ set.
cd "$(dirname "$0")/../.." || exit 1
fail=0; n=0
for t in tests/peer/test_*.sh; do
  [ -e "$t" ] || continue
  n=$((n+1)); echo "peer: $t"
  if ! bash "$t"; then echo "FAIL $t"; fail=$((fail+1)); fi
done
echo "peer: $((n-fail))/$n passed"
[ $fail -eq 0 ]
