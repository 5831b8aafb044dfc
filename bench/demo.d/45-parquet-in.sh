# title: Parquet in, queries out: ingest a Parquet file, export a query's result
# 45-parquet-in.sh: ingests the Parquet file of 40-parquet into a new Bronze
# table (with the contract, and once with a narrower contract whose casts
# fail on some rows: they go to the quarantine, nothing is dropped), then
# exports the result of a query as CSV and as Parquet.
set -eu
cd "$DEMO"
echo
echo "Ingest the Parquet file back, checked against the sales contract (the"
echo "file's types are cast exactly to the contract's; lineage names the file"
echo "and each row's ordinal in it):"
show "$STRATA" -w "$WH" ingest bronze.sales_pq sales.parquet --schema "$CONTRACTS/sales.json"
show "$STRATA" -w "$WH" query "SELECT _source, min(_line), max(_line), count(*) FROM bronze.sales_pq GROUP BY 1"
echo
echo "A contract whose customer_id is a TINYINT: values that do not fit are"
echo "quarantined with the reason, the row kept as CSV text:"
sed 's/"name":"customer_id","type":"INT64"/"name":"customer_id","type":"INT8"/' \
  "$CONTRACTS/sales.json" > narrow.json
show "$STRATA" -w "$WH" ingest bronze.sales_narrow sales.parquet --schema narrow.json
show "$STRATA" -w "$WH" query "SELECT _line, reasons, left(raw, 60) AS raw FROM bronze.sales_narrow__rejects ORDER BY _line LIMIT 3"
echo
echo "A corrupt file is refused, naming the file and where; nothing is committed:"
head -c 20000 sales.parquet > cut.parquet
show "$STRATA" -w "$WH" ingest bronze.sales_pq cut.parquet || true
echo
echo "Export the result of a query (as CSV, and as Parquet for the warehouse):"
show "$STRATA" -w "$WH" export "SELECT country, count(*) AS orders, sum(unit_price * quantity) AS revenue FROM bronze.sales GROUP BY 1 ORDER BY 1" revenue.csv
head -4 revenue.csv
show "$STRATA" -w "$WH" export "SELECT * FROM bronze.sales WHERE status = 'delivered'" delivered.parquet --compression snappy
