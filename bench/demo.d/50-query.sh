# title: Query: SQL on Bronze and Silver, pruning, a Gold table, time travel, COPY TO Parquet
# 50-query.sh: an analyst's session on the warehouse 20-bronze and 30-silver
# built in $WH: aggregates on Bronze and Silver, EXPLAIN showing how many
# segments and row groups the zone maps let the scan skip, a Gold table
# partitioned by day and clustered by customer built in SQL, a one-week,
# one-customer query on it with its EXPLAIN (partitions kept), an INSERT
# OVERWRITE of one day and the table as of its first version, and a query
# result written as Parquet.
set -eu   # no pipefail: a pipeline below ends in tail
cd "$DEMO"
q() { show "$STRATA" -w "$WH" query "$@"; }

echo "March revenue by category, straight from Bronze (typed columns, decimals exact):"
q "SELECT category, count(*) AS lines, round(sum(unit_price * quantity), 2) AS revenue FROM bronze.sales WHERE ts >= TIMESTAMP '2025-03-01' AND ts < TIMESTAMP '2025-04-01' GROUP BY category ORDER BY revenue DESC"

echo
echo "The same month in Silver (deduplicated, in USD, matched to catalog models):"
q "SELECT model, count(*) AS lines, round(sum(line_total_usd), 2) AS revenue_usd FROM silver.sales WHERE order_day BETWEEN DATE '2025-03-01' AND DATE '2025-03-31' AND status <> 'cancelled' GROUP BY model ORDER BY revenue_usd DESC LIMIT 5"

echo
echo "EXPLAIN: the zone maps in the log and in each segment footer skip what cannot match,"
echo "before any data block is read:"
q --explain "SELECT category, count(*) FROM bronze.sales WHERE ts >= TIMESTAMP '2025-03-01' AND ts < TIMESTAMP '2025-04-01' GROUP BY category"

echo
echo "A Gold table for customer analytics: hidden partitions by day of ts, rows sorted by"
echo "customer_id within a day (tight zone maps), one atomic commit:"
q "CREATE TABLE gold.customer_sales PARTITION BY day(ts) CLUSTER BY (customer_id) AS SELECT order_id, line_no, customer_id, model, quantity, line_total_usd, status, ts FROM silver.sales"
CUST=$("$STRATA" -w "$WH" query "SELECT customer_id FROM gold.customer_sales WHERE ts >= TIMESTAMP '2025-03-03' AND ts < TIMESTAMP '2025-03-10' GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1" --format csv | tail -n 1)
WEEK="ts >= TIMESTAMP '2025-03-03' AND ts < TIMESTAMP '2025-03-10' AND customer_id = $CUST"

echo
echo "One customer's week: the filter is on ts itself, the partitions are pruned from it:"
q "SELECT order_id, line_no, model, quantity, line_total_usd, status, ts FROM gold.customer_sales WHERE $WEEK ORDER BY ts, order_id, line_no"
q --explain "SELECT order_id, line_no, model, quantity, line_total_usd, status, ts FROM gold.customer_sales WHERE $WEEK ORDER BY ts, order_id, line_no"

echo
RDAY=$("$STRATA" -w "$WH" query "SELECT order_day FROM silver.sales WHERE status = 'cancelled' AND order_day BETWEEN DATE '2025-03-01' AND DATE '2025-03-31' GROUP BY order_day ORDER BY count(*) DESC, order_day LIMIT 1" --format csv | tail -n 1)
echo "Restate $RDAY without its cancelled lines: INSERT OVERWRITE replaces exactly the"
echo "partitions its rows fall in, atomically; every other day is untouched:"
q "INSERT OVERWRITE gold.customer_sales SELECT order_id, line_no, customer_id, model, quantity, line_total_usd, status, ts FROM silver.sales WHERE order_day = DATE '$RDAY' AND status <> 'cancelled'"
DAY="SELECT count(*) AS lines, count(CASE WHEN status = 'cancelled' THEN 1 END) AS cancelled FROM gold.customer_sales WHERE CAST(ts AS DATE) = DATE '$RDAY'"
q "$DAY"
echo
echo "Time travel: the same query on the table as of its first version:"
q "$DAY" --as-of 0
show "$STRATA" -w "$WH" log gold.customer_sales

echo
echo "COPY a query's result to Parquet (written to a temp file, renamed when complete):"
q "COPY (SELECT CAST(ts AS DATE) AS day, model, sum(quantity) AS units, round(sum(line_total_usd), 2) AS revenue_usd FROM gold.customer_sales WHERE ts >= TIMESTAMP '2025-03-01' AND ts < TIMESTAMP '2025-04-01' GROUP BY day, model ORDER BY day, model) TO 'march_by_model.parquet'"
printf 'march_by_model.parquet: %s bytes, magic %s...%s\n' "$(wc -c < march_by_model.parquet)" \
  "$(head -c 4 march_by_model.parquet)" "$(tail -c 4 march_by_model.parquet)"
