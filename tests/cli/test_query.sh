# test_query.sh: strata query: formats, errors with positions, exit codes.
. tests/cli/lib.sh

run "$STRATA" query "SELECT 1 AS a, 'x,y' AS b, NULL AS c, 1.50 AS d, DATE '2025-03-01' AS e"
expect_rc 0; expect_out "│ a "; expect_out "x,y"; expect_out "NULL"; expect_out "1.50"; expect_out "2025-03-01"; expect_out "1 row"

run "$STRATA" query "SELECT 1 AS a, 'x,y' AS b, NULL AS c, 1.50 AS d" --format csv
expect_rc 0; expect_out_eq $'a,b,c,d\n1,"x,y",,1.50'

run "$STRATA" query "SELECT 1 AS a, 'q\"uote' AS b UNION ALL SELECT 2, NULL ORDER BY a" --format json
expect_rc 0; expect_out '{"a":1,"b":"q\"uote"}'; expect_out '{"a":2,"b":null}'

run "$STRATA" query "SELECT 7 / 2 AS x, 7 // 2 AS y" --format ndjson
expect_rc 0; expect_out_eq '{"x":3.5,"y":3}'

# streaming and --max-rows for the table format
run "$STRATA" query "WITH a AS (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4), b AS (SELECT x.v * 10 + y.v AS v FROM a x, a y) SELECT v FROM b ORDER BY v" --max-rows 4
expect_rc 0; expect_out "16 rows"; expect_out "11"; expect_out "44"; expect_no_out "│    23 │"

# EXPLAIN
run "$STRATA" query "SELECT count(*) FROM (SELECT 1 AS v) t WHERE v > 0" --explain
expect_rc 0; expect_out "HASH AGGREGATE"; expect_out "PROJECT"
run "$STRATA" query "EXPLAIN SELECT 1" --format csv
expect_rc 0; expect_out "plan"; expect_out "ONE ROW"

# errors point at the query text, exit 1
run "$STRATA" query "SELECT 1 +"
expect_rc 1; expect_err "strata: error: line 1, column 11: syntax error"; expect_err "  SELECT 1 +"; expect_err "^"
run "$STRATA" query $'SELECT 1,\n  nope'
expect_rc 1; expect_err "line 2, column 3: unknown column \"nope\""
run "$STRATA" query "SELECT 2147483647 + 1"
expect_rc 1; expect_err "overflow: 2147483647 + 1 does not fit in INT32"
run "$STRATA" query "SELECT CAST('abc' AS INTEGER)"
expect_rc 1; expect_err "cannot cast VARCHAR 'abc' to INT32"
run "$STRATA" query "SELECT 1 // 0 AS q, 1 / 0 AS r" --format csv
expect_rc 0; expect_out_eq $'q,r\n,inf'

# tables need the warehouse catalog; files need their reader
run "$STRATA" -w "$T/nowh" query "SELECT * FROM bronze.sales"
expect_rc 1; expect_err "line 1, column 15:"
run "$STRATA" query "SELECT * FROM '$T/nope.xyz'"
expect_rc 1; expect_err "unknown file format"
run "$STRATA" query "SELECT * FROM read_frob('x')"
expect_rc 1; expect_err "unknown table function read_frob()"

# memory limit: a clear error, exit 1
run "$STRATA" query "SELECT repeat('x', 2000000) AS big" --memory-limit 100KB --format csv
expect_rc 1; expect_err "memory limit of 97.7 KiB"
run "$STRATA" query "SELECT 1" --memory-limit lots
expect_rc 2; expect_err "--memory-limit"

# usage errors exit 2
run "$STRATA" query
expect_rc 2; expect_err "missing the SQL"
run "$STRATA" query "SELECT 1" --format xml
expect_rc 2; expect_err "unknown --format 'xml'"
run "$STRATA" query "SELECT 1" --as-of "not a time"
expect_rc 2; expect_err "--as-of"
run "$STRATA" query "SELECT 1" "SELECT 2"
expect_rc 2; expect_err "one argument"
run "$STRATA" query --help
expect_rc 0; expect_out "usage: strata query"

# thread counts give identical output
run "$STRATA" query "WITH a AS (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 3), b AS (SELECT x.v * y.v * z.v AS p FROM a x, a y, a z) SELECT p, count(*) FROM b GROUP BY p" --threads 1 --format csv
one=$OUT
run "$STRATA" query "WITH a AS (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 3), b AS (SELECT x.v * y.v * z.v AS p FROM a x, a y, a z) SELECT p, count(*) FROM b GROUP BY p" --threads 2 --format csv
expect_rc 0; expect_out_eq "$one"
finish
