# test_query_tables.sh: strata query over warehouse tables: Bronze tables made
# by strata ingest, time travel (VERSION AS OF, TIMESTAMP AS OF, --as-of),
# joins across tables and files, and the errors for unknown tables/versions.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
D=tests/sql/data
S init >/dev/null
S ingest bronze.sales "$D/sales.csv" --quiet
S ingest bronze.products "$D/products.csv" --quiet
head -101 "$D/sales.csv" > "$T/more.csv"
S ingest bronze.sales "$T/more.csv" --quiet

run S query "SELECT count(*) AS n, sum(quantity) AS q FROM bronze.sales" --format csv
expect_rc 0; expect_out_eq $'n,q\n4500,9003'
run S query "SELECT count(*) AS n FROM bronze.sales VERSION AS OF 0" --format csv
expect_rc 0; expect_out_eq $'n\n4400'
run S query "SELECT count(*) AS n FROM bronze.sales" --as-of 0 --format csv
expect_rc 0; expect_out_eq $'n\n4400'
run S query "SELECT count(*) AS n FROM bronze.sales VERSION AS OF 1" --as-of 0 --format csv
expect_rc 0; expect_out_eq $'n\n4500'
t0=$(S log bronze.sales --format csv | awk -F, '$1 == 0 {print $2}')
run S query "SELECT count(*) AS n FROM bronze.sales TIMESTAMP AS OF '$t0'" --format csv
expect_rc 0; expect_out_eq $'n\n4400'
run S query "SELECT count(*) AS n FROM bronze.sales" --as-of "$t0" --format csv
expect_rc 0; expect_out_eq $'n\n4400'

# the difference between two versions, by lineage
run S query "SELECT count(*) AS n FROM bronze.sales VERSION AS OF 1 a LEFT JOIN bronze.sales VERSION AS OF 0 b ON a._ingest_id = b._ingest_id AND a._line = b._line WHERE b._line IS NULL" --format csv
expect_rc 0; expect_out_eq $'n\n100'

# tables with files, and the star join
run S query "SELECT p.category, count(*) AS n FROM bronze.sales s JOIN bronze.products p ON s.product_id = p.product_id JOIN '$D/customers.csv' c ON c.customer_id = s.customer_id GROUP BY 1 ORDER BY 1" --format csv
expect_rc 0; expect_out "category,n"; expect_out "phone,"

# zone maps: a ts range keeps the result right whatever is skipped
run S query "SELECT count(*) AS n FROM bronze.sales WHERE ts >= TIMESTAMP '2025-06-01' AND ts < TIMESTAMP '2025-07-01'" --format csv
expect_rc 0; expect_out_eq $'n\n363'

# errors: where, and what exists
run S query "SELECT count(*) FROM bronze.nope"
expect_rc 1; expect_err "line 1, column 22:"; expect_err "bronze.sales"
run S query "SELECT count(*) FROM bronze.sales VERSION AS OF 9"
expect_rc 1; expect_err "version 9 does not exist"
run S query "SELECT count(*) FROM bronze.sales TIMESTAMP AS OF '2020-01-01'"
expect_rc 1; expect_err "no version at or before 2020-01-01"
run "$STRATA" -w "$T/missing" query "SELECT 1 FROM bronze.sales"
expect_rc 1; expect_err "line 1, column 15:"
# a query over files needs no warehouse at all
run "$STRATA" -w "$T/missing" query "SELECT count(*) AS n FROM '$D/products.csv'" --format csv
expect_rc 0; expect_out_eq $'n\n200'
finish
