# test_basics.sh: global help, unknown commands and options, exit codes.
. tests/cli/lib.sh
run "$STRATA" --help
expect_rc 0; expect_out "usage: strata"; expect_out "commands:"
run "$STRATA" --version
expect_rc 0; expect_out "strata "
run "$STRATA"
expect_rc 2; expect_err "usage: strata"
run "$STRATA" frobnicate
expect_rc 2; expect_err "unknown command 'frobnicate'"
run "$STRATA" --bogus
expect_rc 2; expect_err "unknown option '--bogus'"
run "$STRATA" -w
expect_rc 2; expect_err "needs a directory"
finish
