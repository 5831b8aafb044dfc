# title: Parquet out: a Bronze table exported for DuckDB, Spark and Snowflake
# 40-parquet.sh: exports the Bronze sales table (from 20-bronze) as Parquet
# with two codecs and as of an old version.  DuckDB reading such files back
# row for row is tests/peer/test_parquet.sh.
set -eu
cd "$DEMO"
echo
echo "Export the sales table as Parquet (zstd by default): v1 pages, dictionary or"
echo "PLAIN per column, statistics, logical and converted types on every column:"
show "$STRATA" -w "$WH" export bronze.sales sales.parquet --no-lineage
show "$STRATA" -w "$WH" export bronze.sales sales_snappy.parquet --no-lineage --compression snappy
echo
echo "Time travel works for exports too (the first micro-batch only):"
show "$STRATA" -w "$WH" export bronze.sales sales_v0.parquet --as-of 0 --no-lineage --format json
echo
ls -l sales.parquet sales_snappy.parquet sales_v0.parquet | awk '{print $5, $9}'
printf 'magic: %s...%s\n' "$(head -c 4 sales.parquet)" "$(tail -c 4 sales.parquet)"
