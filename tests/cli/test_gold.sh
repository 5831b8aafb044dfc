# test_gold.sh: Gold tables from SQL: CREATE TABLE ... PARTITION BY / CLUSTER BY
# AS SELECT, INSERT INTO, INSERT OVERWRITE (replaces exactly the partitions its
# rows fall in, atomically), time travel over gold versions, pruning of hidden
# partitions, crashes at every I/O step (old or new, never half), errors with
# positions, and COPY (query) TO csv/parquet.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
D=tests/sql/data
S init >/dev/null
S ingest bronze.sales "$D/sales.csv" --quiet

# ---- CREATE TABLE AS: same rows, one segment per day, pruning on ts
run S query "CREATE TABLE gold.s PARTITION BY day(ts) CLUSTER BY (customer_id) AS SELECT * FROM bronze.sales" --format csv
expect_rc 0; expect_out_eq $'rows,version\n4400,0'
Q="SELECT count(*) AS n, sum(quantity) AS q, min(rid) AS a, max(rid) AS b FROM %s WHERE ts >= '2025-03-03 12:00:00' AND ts < '2025-03-10' AND customer_id BETWEEN 10 AND 60"
run S query "$(printf "$Q" bronze.sales)" --format csv; want="$OUT"
run S query "$(printf "$Q" gold.s)" --format csv
expect_rc 0; expect_out_eq "$want"
run S query "$(printf "$Q" gold.s)" --format csv --no-prune
expect_rc 0; expect_out_eq "$want"
run S query "SELECT count(*) AS n, sum(quantity) AS v, count(DISTINCT customer_id) AS c FROM gold.s" --format csv
expect_rc 0; all="$OUT"
run S query "SELECT count(*) AS n, sum(quantity) AS v, count(DISTINCT customer_id) AS c FROM bronze.sales" --format csv
expect_out_eq "$all"
[ "$(ls "$W/gold/s/data" | wc -l)" = 365 ] || _fail "expected 365 day segments"
run S query "EXPLAIN $(printf "$Q" gold.s)"
expect_rc 0; expect_out "partitions: 7 of 365 kept"
# clustering: customer_id ascending within each day
run S query "SELECT count(*) FROM (SELECT CAST(ts AS DATE) AS d, customer_id AS c, _line AS l FROM gold.s) a JOIN (SELECT CAST(ts AS DATE) AS d, customer_id AS c, _line AS l FROM gold.s) b ON a.l + 1 = b.l WHERE a.d = b.d AND a.c > b.c" --format csv
expect_rc 0; expect_out_eq $'count(*)\n0'
grep -q '"partition":{"key":"2025-03-03","min":"2025-03-03 00:00:00","max":"2025-03-03 23:59:59.999999"}' "$W"/gold/s/_log/00000000000000000000.json || _fail "partition bounds not in the log"
grep -q '"strata_log":2' "$W"/gold/s/_log/00000000000000000000.json || _fail "format 2 expected"

# ---- INSERT INTO appends; INSERT OVERWRITE replaces only the touched days
run S query "INSERT INTO gold.s SELECT * FROM bronze.sales WHERE ts < '2025-01-02'" --format csv
expect_rc 0; expect_out_eq $'rows,version\n12,1'
run S query "SELECT count(*) FROM gold.s" --format csv; expect_out_eq $'count(*)\n4412'
run S query "INSERT OVERWRITE gold.s SELECT * FROM bronze.sales WHERE ts < '2025-01-03' AND quantity = 1" --format csv
expect_rc 0; expect_out $'\n'; expect_out ',2'
run S query "SELECT count(*) FROM gold.s" --format csv; got="$OUT"
run S query "SELECT count(*) FROM bronze.sales WHERE ts >= '2025-01-03' OR quantity = 1" --format csv
expect_out_eq "$got"
run S query "SELECT count(*) FROM gold.s WHERE ts < '2025-01-03' AND quantity <> 1" --format csv
expect_out_eq $'count(*)\n0'
# time travel over gold versions
run S query "SELECT count(*) FROM gold.s VERSION AS OF 1" --format csv; expect_out_eq $'count(*)\n4412'
run S query "SELECT count(*) FROM gold.s" --as-of 0 --format csv; expect_out_eq $'count(*)\n4400'
run S log gold.s --format csv
expect_out "overwrite"
# an overwrite both adds and removes rows, and the log says how many of each
printf '%s\n' "$OUT" | awk -F, '$3 == "overwrite" && $4 > 0 && $5 > 0 {ok = 1} END {exit !ok}' ||
  _fail "the overwrite's rows added and removed are not both shown: $OUT"
run S verify gold.s
expect_rc 0

# ---- month partitions of a DATE, value partitions, casts on INSERT
run S query "CREATE TABLE gold.m PARTITION BY month(d) CLUSTER BY (c) AS SELECT CAST(ts AS DATE) AS d, customer_id AS c, quantity AS q FROM bronze.sales" --format csv
expect_rc 0
[ "$(ls "$W/gold/m/data" | wc -l)" = 12 ] || _fail "expected 12 month segments"
run S query "EXPLAIN SELECT sum(q) FROM gold.m WHERE d BETWEEN DATE '2025-02-01' AND DATE '2025-02-28'"
expect_out "partitions: 1 of 12 kept"
run S query "SELECT sum(q) FROM gold.m WHERE d BETWEEN DATE '2025-02-01' AND DATE '2025-02-28'" --format csv; got="$OUT"
run S query "SELECT sum(quantity) FROM bronze.sales WHERE ts >= '2025-02-01' AND ts < '2025-03-01'" --format csv
[ "${got#*$'\n'}" = "${OUT#*$'\n'}" ] || _fail "month partition answer differs: $got vs $OUT"
run S query "CREATE TABLE silver.c PARTITION BY country AS SELECT country, count(*) AS n FROM bronze.sales GROUP BY country" --format csv
expect_rc 0
run S query "INSERT INTO silver.c SELECT 'ZZ', CAST(7 AS INT32)" --format csv
expect_rc 0
run S query "SELECT n FROM silver.c WHERE country = 'ZZ'" --format csv; expect_out_eq $'n\n7'
run S query "EXPLAIN SELECT n FROM silver.c WHERE country = 'ZZ'"
expect_out "partitions: 1 of"

# ---- errors, with positions, before anything is written
run S query "INSERT INTO gold.nope SELECT 1"
expect_rc 1; expect_err "line 1, column 13: no table gold.nope"
run S query "CREATE TABLE bronze.x AS SELECT 1 AS a"
expect_rc 1; expect_err "bronze tables are written by strata ingest"
run S query "CREATE TABLE gold.y PARTITION BY day(nope) AS SELECT 1 AS a"
expect_rc 1; expect_err "column 38: PARTITION BY: the query has no column nope"
run S query "CREATE TABLE gold.y PARTITION BY month(a) AS SELECT 1 AS a"
expect_rc 1; expect_err "day() and month() need a DATE or TIMESTAMP"
run S query "CREATE TABLE gold.y CLUSTER BY (zz) AS SELECT 1 AS a"
expect_rc 1; expect_err "CLUSTER BY: the query has no column zz"
run S query "INSERT INTO gold.s SELECT 1, 2"
expect_rc 1; expect_err "the query gives 2 columns, table gold.s has 16"
run S query "INSERT INTO gold.m SELECT DATE '2025-01-01', 'x', 1"
expect_rc 1; expect_err "column 2 (c) of table gold.m is INT64; the query gives VARCHAR"
run S query "CREATE TABLE gold.s AS SELECT 1 AS a"
expect_rc 1; expect_err "table gold.s already exists"
run S query "CREATE TABLE gold.y AS SELECT 1 AS a, 2 AS a"
expect_rc 1; expect_err "two columns are named a"
[ ! -e "$W/gold/y/_log/00000000000000000000.json" ] || _fail "a failed CREATE left a table"

# ---- crash at every I/O step of an overwrite: the old version or the new, whole
before=$(S query "SELECT count(*), sum(q) FROM gold.m" --format csv)
v0=$(ls "$W/gold/m/_log" | grep -c 'json$')
for spec in write:1 write:3 fsync:1 fsync:2 publish:1 publish:2 dirsync:1 fsync:4 publish:3; do
    STRATA_FAULT="$spec:crash" "$STRATA" -w "$W" query "INSERT OVERWRITE gold.m SELECT CAST(ts AS DATE), customer_id, 2 FROM bronze.sales WHERE ts < '2025-03-01'" >/dev/null 2>&1
    now=$(S query "SELECT count(*), sum(q) FROM gold.m" --format csv 2>&1)
    n=$(ls "$W/gold/m/_log" | grep -c 'json$')
    if [ "$n" = "$v0" ]; then
        [ "$now" = "$before" ] || _fail "crash at $spec: no commit but the data changed"
    else
        break
    fi
done
run S query "INSERT OVERWRITE gold.m SELECT CAST(ts AS DATE), customer_id, 2 FROM bronze.sales WHERE ts < '2025-03-01'" --format csv
expect_rc 0
run S query "SELECT sum(q) FROM gold.m WHERE d < DATE '2025-03-01'" --format csv; want_q="$OUT"
run S query "SELECT 2 * count(*) FROM bronze.sales WHERE ts < '2025-03-01'" --format csv
[ "${want_q#*$'\n'}" = "${OUT#*$'\n'}" ] || _fail "overwrite: $want_q vs $OUT"
run S verify gold.m
expect_rc 0

# ---- COPY (query) TO
run S query "COPY (SELECT customer_id, sum(quantity) AS q FROM gold.s GROUP BY 1 ORDER BY 1) TO '$T/o.parquet' (FORMAT parquet, COMPRESSION snappy)" --format csv
expect_rc 0; expect_out "rows"
run S query "SELECT count(*), sum(q) FROM '$T/o.parquet'" --format csv; got="$OUT"
run S query "SELECT count(DISTINCT customer_id), sum(quantity) FROM gold.s" --format csv
[ "${got#*$'\n'}" = "${OUT#*$'\n'}" ] || _fail "COPY parquet: $got vs $OUT"
run S query "COPY (SELECT rid, sku, NULL AS z FROM bronze.sales ORDER BY rid LIMIT 2) TO '$T/o.csv'" --format csv
expect_rc 0; expect_out_eq $'rows\n2'
[ "$(cat "$T/o.csv")" = $'rid,sku,z\n1,SKU00045,\n2,SKU00076,' ] || _fail "COPY csv: $(cat "$T/o.csv")"
run S query "COPY (SELECT 1 AS a) TO '$T/o.csv' (FORMAT xml)"
expect_rc 1; expect_err "FORMAT xml: expected csv or parquet"
run S query "COPY (SELECT 1 AS a) TO '$T/o.txt' (HEADER false, DELIMITER ';', FORMAT csv)"
expect_rc 0
[ "$(cat "$T/o.txt")" = "1" ] || _fail "COPY header false"
run S query "COPY (SELECT 1 AS a) TO '$T/nodir/o.csv'"
expect_rc 1; expect_err "COPY TO"
finish
