# test_query_parquet.sh: a table exported to Parquet reads back through SQL
# (FROM 'f.parquet' and read_parquet) with the same answers as the table.
. tests/cli/lib.sh
W=$T/wh
"$STRATA" gen --scale 0.005 --out "$T/d" --only sales --as csv >/dev/null || exit 1
"$STRATA" -w "$W" init >/dev/null
"$STRATA" -w "$W" ingest bronze.sales "$T/d/sales.csv" --schema platform/bronze/sales.json --quiet
run "$STRATA" -w "$W" export bronze.sales "$T/s.parquet"
expect_rc 0
Q="SELECT status, count(*), sum(unit_price), min(ts), max(ts) FROM %s GROUP BY 1 ORDER BY 1"
run "$STRATA" -w "$W" query "$(printf "$Q" bronze.sales)" --format csv; want=$OUT
run "$STRATA" -w "$W" query "$(printf "$Q" "'$T/s.parquet'")" --format csv
expect_rc 0; expect_out_eq "$want"
run "$STRATA" -w "$W" query "SELECT count(*) FROM read_parquet('$T/s.parquet') WHERE ts >= TIMESTAMP '2025-07-01'" --format csv
expect_rc 0
run2=$OUT
run "$STRATA" -w "$W" query "SELECT count(*) FROM bronze.sales WHERE ts >= TIMESTAMP '2025-07-01'" --format csv
expect_out_eq "$run2"
run "$STRATA" query "SELECT * FROM read_parquet('$T/s.parquet', header=true)"
expect_rc 1; expect_err "takes no options"
run "$STRATA" query "SELECT * FROM '$T/nope.parquet'"
expect_rc 1; expect_err "nope.parquet"
finish
