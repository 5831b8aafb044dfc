#!/bin/bash
# test_case_tables.sh: check the case-mapping tables of
# engine/sql/sq_case.c against DuckDB: every code point whose upper()/lower()
# differs from itself.  Run by `make test-peer`; prints a diff when DuckDB
# and the tables disagree.
set -eu
: "${DUCKQ:?}"
q() { "$DUCKQ" :memory: "select i, unicode($1(chr(i::int))) from range(0, 196608) t(i) where (i < 55296 or i > 57343) and ($1(chr(i::int)) <> chr(i::int)) order by i"; }
cd "$(dirname "$0")/../.."
for f in upper lower; do
  q "$f" | awk -F, '{printf "{0x%X, 0x%X}\n", $1, $2}' > "${TMPDIR:-/tmp}/duck_$f.txt"
  sed -n "/${f}_map/,/};/p" engine/sql/sq_case.c | grep -o '{0x[0-9A-F]*, 0x[0-9A-F]*}' > "${TMPDIR:-/tmp}/ours_$f.txt"
  diff "${TMPDIR:-/tmp}/duck_$f.txt" "${TMPDIR:-/tmp}/ours_$f.txt" && echo "case tables: $f matches DuckDB"
done
