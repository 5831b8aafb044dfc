#!/bin/bash
# run_fuzz_replay.sh BIN...: replay each fuzz target over its stored corpus
# (tests/fuzz/corpus/<name>/), the crashers found so far included.
fail=0; n=0
for b in "$@"; do
  name=$(basename "$b"); name=${name#fuzz_}
  dir=tests/fuzz/corpus/$name
  [ -d "$dir" ] || { echo "FAIL $b: no corpus at $dir"; fail=$((fail+1)); continue; }
  n=$((n+1))
  if ! out=$("$b" "$dir" 2>&1); then echo "FAIL $b"; echo "$out" | tail -20; fail=$((fail+1)); fi
done
echo "fuzz replay: $((n-fail))/$n corpora replayed cleanly"
[ $fail -eq 0 ]
