# test_query_files.sh: strata query over CSV and NDJSON files.
. tests/cli/lib.sh
D=tests/sql/data

run "$STRATA" query "SELECT category, count(*) AS n FROM '$D/sales.csv' GROUP BY category ORDER BY category" --format csv
expect_rc 0; expect_out_eq $'category,n\ncamera,730\nconsole,732\nlaptop,751\nphone,708\ntablet,750\nwatch,729'

run "$STRATA" query "SELECT typeof(rid), typeof(unit_price), typeof(ts), typeof(sku) FROM read_csv('$D/sales.csv') LIMIT 1" --format csv
expect_rc 0; expect_out "BIGINT,DOUBLE,TIMESTAMP,VARCHAR"

# joins across files; the alias defaults to the file's name
run "$STRATA" query "SELECT count(*) FROM '$D/sales.csv' JOIN '$D/products.csv' p ON sales.product_id = p.product_id" --format csv
expect_rc 0; expect_out_eq $'count(*)\n4292'

# options: header, delim, sample_size; NULLs and empty strings
printf 'a;b\n1;x\n2;\n3;""\n' > "$T/semi.csv"
run "$STRATA" query "SELECT a, b IS NULL AS nul, length(b) FROM read_csv('$T/semi.csv', delim = ';') ORDER BY a" --format csv
expect_rc 0; expect_out_eq $'a,nul,length(b)\n1,false,1\n2,true,\n3,false,0'
printf '1,x\n2,y\n' > "$T/nohead.csv"
run "$STRATA" query "SELECT * FROM read_csv('$T/nohead.csv', header = false)" --format csv
expect_rc 0; expect_out_eq $'column0,column1\n1,x\n2,y'

# malformed records: an error with the line, or skipped on request
{ echo "id,v"; for i in $(seq 1 100); do echo "$i,$i"; done; echo "x,oops,extra"; echo "101,101"; } > "$T/bad.csv"
run "$STRATA" query "SELECT count(*) FROM '$T/bad.csv'"
expect_rc 1; expect_err "line 102"; expect_err "ignore_errors = true"
run "$STRATA" query "SELECT count(*), sum(v) FROM read_csv('$T/bad.csv', ignore_errors = true)" --format csv
expect_rc 0; expect_out_eq $'count(*),sum(v)\n101,5151'
run "$STRATA" query "SELECT * FROM read_csv('$T/bad.csv', delimiter_typo = ',')"
expect_rc 1; expect_err "unknown option 'delimiter_typo' for CSV files"

# NDJSON
printf '{"id":1,"u":{"n":"a"},"t":"2025-01-02T03:04:05Z"}\n{"id":2,"u":{"n":null},"t":"2025-01-03T00:00:00Z"}\n' > "$T/e.ndjson"
run "$STRATA" query "SELECT id, \"u.n\", t FROM '$T/e.ndjson' ORDER BY id" --format csv
expect_rc 0; expect_out_eq $'id,u.n,t\n1,a,2025-01-02 03:04:05\n2,,2025-01-03 00:00:00'
run "$STRATA" query "SELECT count(*) FROM read_json('$T/e.ndjson')" --format csv
expect_rc 0; expect_out_eq $'count(*)\n2'

# missing files and unknown formats
run "$STRATA" query "SELECT * FROM '$T/missing.csv'"
expect_rc 1; expect_err "line 1, column 15:"; expect_err "missing.csv"
run "$STRATA" query "SELECT * FROM '$T/x.weird'"
expect_rc 1; expect_err "unknown file format"

# LIMIT over a file and thread counts
run "$STRATA" query "SELECT rid FROM '$D/sales.csv' LIMIT 3" --format csv --threads 2
expect_rc 0; expect_out_eq $'rid\n1\n2\n3'
run "$STRATA" query "SELECT country, round(sum(unit_price * quantity), 2) FROM '$D/sales.csv' GROUP BY 1" --format csv --threads 1
one=$OUT
run "$STRATA" query "SELECT country, round(sum(unit_price * quantity), 2) FROM '$D/sales.csv' GROUP BY 1" --format csv --threads 2
expect_rc 0; expect_out_eq "$one"
finish
