# test_export_sql.sh: `strata export "SQL" OUT`: the result of a query, as
# CSV identical to what `strata query --format csv` prints, and as Parquet
# that reads back (and ingests back) as the same rows; a table name is still
# a table; --as-of applies to the query's tables; a query that fails (at
# prepare or while running) leaves no OUT and no temporary file; a query
# over files needs no warehouse.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
S init >/dev/null
"$STRATA" gen --scale 0.005 --out "$T/d" --only sales --as csv >/dev/null || exit 1
S ingest bronze.sales "$T/d/sales.csv" --schema platform/bronze/sales.json -q || _fail "csv ingest"
Q="SELECT country, category, count(*) AS n, sum(unit_price * quantity) AS revenue, min(ts) AS first
   FROM bronze.sales GROUP BY country, category ORDER BY country, category"

# ---- CSV: the query's rows, as `strata query` prints them -------------------
run S export "$Q" "$T/q.csv"; expect_rc 0; expect_out "rows of the query to $T/q.csv"
S query "$Q" --format csv > "$T/want.csv"
cmp -s "$T/q.csv" "$T/want.csv" || _fail "CSV export of a query differs from the query's rows"
[ "$(wc -l < "$T/q.csv")" -gt 5 ] || _fail "too few groups"
run S export "$Q" -; expect_rc 0; expect_out_eq "$(cat "$T/want.csv")"

# ---- Parquet: reads back as the same rows and types; ingests back ------------
for c in zstd snappy gzip none; do
  run S export "$Q" "$T/q_$c.parquet" --compression "$c" --format json; expect_rc 0
  n=$(($(wc -l < "$T/want.csv") - 1))
  expect_out "\"rows\": $n"; expect_out '"query": "SELECT country'
  S query "SELECT * FROM '$T/q_$c.parquet'" --format csv > "$T/got.csv"
  cmp -s "$T/got.csv" "$T/want.csv" || _fail "$c: Parquet export of a query reads back differently"
done
run S query "SELECT typeof(n), typeof(revenue), typeof(first) FROM '$T/q_zstd.parquet' LIMIT 1" --format csv
want_types=$(S query "SELECT typeof(count(*)), typeof(sum(unit_price * quantity)), typeof(min(ts)) FROM bronze.sales" --format csv | tail -1)
expect_out "$want_types"
run S ingest bronze.q "$T/q_zstd.parquet" -q; expect_rc 0
run S query "SELECT country, category, n, revenue, first FROM bronze.q ORDER BY country, category" --format csv
expect_out_eq "$(cat "$T/want.csv")"
# an empty result is a valid file with the columns
run S export "SELECT order_id, ts FROM bronze.sales WHERE false" "$T/e.parquet"; expect_rc 0; expect_out "exported 0 rows"
run S query "SELECT count(*) FROM '$T/e.parquet'" --format csv; expect_out_eq "$(printf 'count(*)\n0')"
run S export "SELECT order_id, ts FROM bronze.sales WHERE false" "$T/e.csv"; expect_rc 0
[ "$(cat "$T/e.csv")" = "order_id,ts" ] || _fail "empty CSV export: header only"

# ---- a table name is a table; a statement without blanks is a query ----------
run S export bronze.sales "$T/t.csv"; expect_rc 0; expect_out "rows of bronze.sales"
head -1 "$T/t.csv" | grep -q "_ingest_id" || _fail "table export lost its lineage"
run S export "SELECT*FROM bronze.sales" "$T/s.csv"; expect_rc 0; expect_out "of the query"
run S export "SELECT * FROM bronze.sales" "$T/s.csv" --no-lineage; expect_rc 2; expect_err "--no-lineage applies to a table"

# ---- --as-of: every table of the query at that version ----------------------
head -n 101 "$T/d/sales.csv" > "$T/more.csv"
S ingest bronze.sales "$T/more.csv" -q || _fail "second ingest"
n0=$(S query "SELECT count(*) FROM bronze.sales VERSION AS OF 0" --format csv | tail -1)
n1=$(S query "SELECT count(*) FROM bronze.sales" --format csv | tail -1)
[ "$n0" != "$n1" ] || _fail "the second ingest added nothing"
run S export "SELECT count(*) AS n FROM bronze.sales" - --as-of 0; expect_out_eq "$(printf 'n\n%s' "$n0")"
run S export "SELECT count(*) AS n FROM bronze.sales" -; expect_out_eq "$(printf 'n\n%s' "$n1")"
run S export "SELECT count(*) AS n FROM bronze.sales" - --as-of 7; expect_rc 1

# ---- failures leave nothing behind ------------------------------------------
run S export "SELECT nope FROM bronze.sales" "$T/out/f.csv"; expect_rc 1; expect_err 'unknown column "nope"'
run S export "SELECT 1 AS a, 2 AS a" "$T/f.csv"; expect_rc 1; expect_err "two columns named 'a'"
mkdir -p "$T/out"
run S export "SELECT CAST(sku AS INTEGER) AS x FROM bronze.sales" "$T/out/f.parquet"; expect_rc 1
expect_err "cannot cast"
[ -z "$(ls -A "$T/out")" ] || _fail "a failed export left files: $(ls -A "$T/out")"
run S export "SELECT 1" "$T/out/f.txt"; expect_rc 2; expect_err "cannot tell the output format"
run S export "SELECT 1" "$T/out/f.csv" --compression zstd; expect_rc 2

# ---- a query over files alone needs no warehouse ----------------------------
run "$STRATA" -w "$T/none" export "SELECT country, category FROM '$T/q.csv' WHERE country LIKE 'U%' ORDER BY 1" "$T/files.parquet"
expect_rc 0
[ ! -e "$T/none" ] || _fail "a query over files created a warehouse"
run S query "SELECT count(*) FROM '$T/files.parquet'" --format csv
expect_out_eq "$(S query "SELECT count(*) FROM '$T/q.csv' WHERE country LIKE 'U%'" --format csv)"
finish
