# title: Silver: clean, deduplicated, enriched tables behind a quality gate
# 30-silver.sh: runs the used-electronics Silver layer (platform/silver/*.json)
# on the Bronze tables 20-bronze.sh loaded into $WH, and shows what a newcomer
# needs to see: the accounting of each run (rows in = written + duplicates +
# rejected), a scraped listing before and after standardization, the rejects
# with their reasons, an incremental run replacing older rows through deletion
# vectors, the lineage back to Bronze, and the quality report.
set -eu
cd "$DEMO"
SPECS=$(cd "$CONTRACTS/../silver" && pwd)

echo "Each Silver table is a declarative spec (columns, standardization steps, rules,"
echo "dedup key, lookups) and an expectation suite, checked before every commit:"
show "$STRATA" -w "$WH" transform "$SPECS"/market_data.json "$SPECS"/sales.json "$SPECS"/activity.json \
  "$SPECS"/pricing.json "$SPECS"/competitor_prices.json

echo
echo "A scraped listing in Bronze (text as found on the site) and in Silver (parsed, in USD,"
echo "brand and condition standardized, scraped_at in UTC, matched to a catalog model):"
"$STRATA" -w "$WH" export bronze.competitor_prices - --no-lineage | sed -n '1p;3p'
"$STRATA" -w "$WH" export silver.competitor_prices - --no-lineage | sed -n '1p;3p'

echo
echo "Rows a rule, a parse or a lookup refused, with every reason and the raw row:"
"$STRATA" -w "$WH" export silver.competitor_prices__rejects - | cut -d, -f3,5- | head -n 3 | cut -c1-220

echo
echo "New sales events arrive (a replay of the last 5,000, as at-least-once delivery does):"
tail -n 5000 data/sales.ndjson > data/sales_replay.ndjson
"$STRATA" -w "$WH" ingest bronze.sales data/sales_replay.ndjson --as ndjson | head -n 1
echo "Only the new Bronze version is processed; older rows of the same keys are marked in"
echo "deletion vectors, never rewritten:"
show "$STRATA" -w "$WH" transform "$SPECS"/sales.json
show "$STRATA" -w "$WH" log silver.sales --limit 2

echo
echo "Every Silver row traces to its Bronze row (_ingest_id, _line):"
"$STRATA" -w "$WH" export silver.sales - | head -n 2 | cut -d, -f1,2,14-

echo
echo "The quality report of the current snapshot (also stored as silver/sales/_quality/<version>.json):"
show "$STRATA" -w "$WH" check silver.sales
show "$STRATA" -w "$WH" verify silver.sales
