# lib.sh: helpers for CLI end-to-end tests (sourced by tests/cli/test_*.sh).
#   run CMD...            runs CMD, keeps $OUT, $ERR, $RC
#   expect_rc N           the last run exited with N
#   expect_out TEXT       stdout contains TEXT (fixed string)
#   expect_err TEXT       stderr contains TEXT
#   expect_out_eq TEXT    stdout equals TEXT exactly
#   $T                    a fresh temp dir for this test file, removed at exit
set -u
: "${STRATA:?STRATA must point at the strata binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
CASE="${0##*/}"
run() { OUT=$("$@" 2>"$T/.stderr"); RC=$?; ERR=$(cat "$T/.stderr"); }
_fail() { echo "  FAIL [$CASE:${BASH_LINENO[1]}] $*"; echo "    rc=$RC"; echo "    stdout: ${OUT:0:800}"; echo "    stderr: ${ERR:0:800}"; FAILS=$((FAILS+1)); }
expect_rc() { [ "$RC" = "$1" ] || _fail "expected exit $1"; }
expect_out() { [[ "$OUT" == *"$1"* ]] || _fail "stdout lacks: $1"; }
expect_err() { [[ "$ERR" == *"$1"* ]] || _fail "stderr lacks: $1"; }
expect_out_eq() { [ "$OUT" == "$1" ] || _fail "stdout is not: $1"; }
expect_no_out() { [[ "$OUT" != *"$1"* ]] || _fail "stdout should not contain: $1"; }
finish() { [ "$FAILS" -eq 0 ]; exit $?; }
