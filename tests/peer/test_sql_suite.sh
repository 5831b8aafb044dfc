#!/bin/bash
# test_sql_suite.sh: the SQL suite against DuckDB 1.5 (make test-peer).
#
# Runs every query of tests/sql/*.test (or its `---- duck` rewording) in
# DuckDB on the same fixture tables and generated data, and checks DuckDB's
# answer against the expectation checked in, which `make test` checks Strata
# against: the two engines agree through the expectations.  Also useful:
#   STRATA_SQL_REGEN=1   rewrite the expectations from DuckDB (development)
#   STRATA_SQL_ONLY=NN   one file (e.g. 08_ for the joins)
set -u
: "${STRATA:?}" "${DUCKQ:?}"
cd "$(dirname "$0")/../.." || exit 1
build=$(dirname "$STRATA")
bin=${build#"$PWD"/}/tests/engine/test_sql_suite
make -s "$bin" >/dev/null || { echo "cannot build $bin"; exit 1; }
STRATA_SQL_PEER=1 DUCKQ=$DUCKQ "$bin" 2>&1 | grep -v '^\[' | tail -40
exit "${PIPESTATUS[0]}"
