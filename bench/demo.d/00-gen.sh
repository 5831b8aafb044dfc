# title: The data: a year of a used-electronics shop, generated (strata gen)
# 00-gen.sh: generates the small data set every later demo step works on,
# into $DEMO/data (sales/activity/pricing as NDJSON streams, the rest CSV),
# and shows a newcomer what is in it: the files and their row counts, a few
# records of each source, one order line's status lifecycle, a re-delivered
# duplicate and a few of the malformed records Bronze will have to quarantine.
# Later steps read $DEMO/data/<source>.<ndjson|csv>; $DEMO/data/_manifest.json
# has exact rows, malformed records by kind, duplicates and late events.
set -eu   # no pipefail: the pipelines below end in head
cd "$DEMO"
# print a pipeline as the user would type it, then run it
sh_show() { printf '\n\033[1m$ %s\033[0m\n' "$1"; eval "$1"; }

show "$STRATA" gen --scale 0.02 --seed 42 --out data

echo
echo "Streams arrive as NDJSON (one event per line, in arrival order); batches"
echo "and reference tables are CSV.  A few records of each:"
for f in data/sales.ndjson data/activity.ndjson data/pricing.ndjson; do
  sh_show "head -n 2 $f"
done
for f in data/competitor_prices.csv data/market_data.csv data/products.csv data/customers.csv data/fx_rates.csv; do
  sh_show "head -n 3 $f"
done

echo
echo "Each order line's status changes over time: the same (order_id, line_no)"
echo "arrives again with a later ts (placed -> paid -> shipped -> delivered,"
echo "sometimes refunded or cancelled).  One refunded line, all its events:"
key=$(grep -m1 '"status":"refunded"' data/sales.ndjson | sed -E 's/.*"order_id":([0-9]+),"line_no":([0-9]+).*/"order_id":\1,"line_no":\2,/')
mid='s/,"customer_id".*,"status"/, ... ,"status"/'
sh_show "grep -a -F '$key' data/sales.ndjson | sed -E '$mid'"

echo
echo "Delivery is at-least-once: some events arrive twice, byte for byte:"
sh_show "grep -a '^{\"order_id' data/sales.ndjson | sort | uniq -d | head -n 2 | sed -E '$mid'"

echo
echo "And about 0.5% of the records are malformed (truncated lines, bad types,"
echo "missing fields, impossible dates, invalid UTF-8): Bronze must quarantine"
echo "them, never drop them.  Some of them:"
sh_show "grep -a -n -v -E '^\\{.*\\}\$' data/sales.ndjson | head -n 3 | cut -c1-110"
sh_show "grep -a -n -o -E '\"(order_id|customer_id|product_id|quantity|unit_price)\":(\"[^\"]*\"|true)' data/sales.ndjson | head -n 3"
sh_show "grep -a -n -o -E '\"ts\":\"[^\"]*\"' data/sales.ndjson | grep -v -E ':[0-9]{2}Z\"\$' | head -n 3"
echo
echo "The manifest counts all of it, per file (here: sales):"
sh_show "sed -n '/\"sales\": {/,/columns/p' data/_manifest.json | grep -E '\"(rows|bad|bad_by_kind|duplicates|late|out_of_order|orphans)\"'"
