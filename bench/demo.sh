#!/bin/bash
# bench/demo.sh: `make demo`.  Runs every step bench/demo.d/NN-*.sh in order in
# one fresh demo folder; each step prints what a newcomer needs to see.  Steps
# share $STRATA, $DEMO (the folder), $WH (the warehouse) and the helper `show`,
# which prints a command and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${STRATA:?}"
export DEMO=${DEMO:-$PWD/build/demo}
export WH=$DEMO/warehouse
export CONTRACTS=$PWD/platform/bronze
rm -rf "$DEMO"; mkdir -p "$DEMO"
show() { printf '\n\033[1m$ %s\033[0m\n' "$*" | sed "s#$STRATA#strata#g; s#$DEMO/##g"; "$@"; }
export -f show
start=$(date +%s)
for step in bench/demo.d/[0-9]*.sh; do
  [ -e "$step" ] || continue
  printf '\n\033[1;34m== %s\033[0m\n' "$(sed -n 's/^# title: //p' "$step")"
  STRATA=$STRATA bash "$step"
done
echo; echo "demo finished in $(( $(date +%s) - start ))s; its files are in ${DEMO#$PWD/}"
