# title: Bronze: validated ingest with lineage, a quarantine, time travel
# 20-bronze.sh: loads the generated sources into Bronze tables and shows what
# a newcomer needs to see: the ingest summary (accepted, rejected by reason),
# the quarantine with the raw text and every reason, the lineage columns,
# the commit log, a stream arriving in micro-batches, time travel by version,
# compaction, and verify.  Uses $DEMO/data from 00-gen.
set -eu
cd "$DEMO"
show "$STRATA" -w "$WH" init

echo
echo "A batch: the scraped competitor prices (CSV).  The schema is inferred from"
echo "the whole file; records that do not fit are quarantined, never dropped:"
show "$STRATA" -w "$WH" ingest bronze.competitor_prices data/competitor_prices.csv
show "$STRATA" -w "$WH" describe bronze.competitor_prices

echo
echo "The quarantine keeps each rejected record's raw text, source, line and reasons:"
"$STRATA" -w "$WH" export bronze.competitor_prices__rejects - | head -n 4

echo
echo "A stream: sales events (NDJSON) piped in, committed every 5000 records, checked"
echo "against the sales contract (platform/bronze/sales.json: types, NOT NULL, required"
echo "keys, allowed values, ranges), so the table is typed and bad events are quarantined:"
printf '\n\033[1m$ cat data/sales.ndjson | strata ingest bronze.sales - --as ndjson --batch-rows 5000 --schema platform/bronze/sales.json\033[0m\n'
"$STRATA" -w "$WH" ingest bronze.sales - --as ndjson --batch-rows 5000 --schema "$CONTRACTS/sales.json" < data/sales.ndjson
show "$STRATA" -w "$WH" log bronze.sales --limit 3

echo
echo "Every row carries its lineage (_ingest_id, _source, _line, _ingested_at):"
"$STRATA" -w "$WH" export bronze.sales - --as-of 0 | head -n 3 | cut -c1-200

echo
echo "Time travel: each version reads exactly the rows committed up to it."
for v in 0 1; do
  n=$("$STRATA" -w "$WH" export bronze.sales - --as-of "$v" | tail -n +2 | wc -l)
  echo "  bronze.sales as of version $v: $n rows"
done

echo
echo "Micro-batches leave small segments; compaction merges them (no data change):"
show "$STRATA" -w "$WH" compact bronze.sales
show "$STRATA" -w "$WH" verify bronze.sales
show "$STRATA" -w "$WH" tables

echo
echo "The other sources, each against its contract (platform/bronze/):"
for src in activity pricing products customers fx_rates market_data; do
  f=$(ls data/"$src".* | head -n 1)
  printf '  '
  "$STRATA" -w "$WH" ingest "bronze.$src" "$f" --schema "$CONTRACTS/$src.json" | head -n 1
done
