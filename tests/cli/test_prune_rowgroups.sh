# test_prune_rowgroups.sh: row-group pruning on Bronze in event-time order
# (issue 7's must-show, at small scale): for every month of the year and for
# a range not aligned to days, EXPLAIN keeps every row group whose ts zone map
# overlaps the range (counted independently from `strata inspect` on the
# segment files) and at most two more; the pruned answer equals the unpruned
# one; and pruning does skip row groups.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
command -v jq >/dev/null || { echo "  SKIP: jq not installed"; exit 0; }
"$STRATA" gen --scale 0.4 --as csv --only sales --out "$T/d" --threads 2 >/dev/null || _fail "gen"
S init >/dev/null
S ingest bronze.sales "$T/d/sales.csv" --schema platform/bronze/sales.json --quiet || _fail "ingest"

# every row group's ts range, one "min|max" line each, from the segment
# footers of bronze.sales's data (the quarantine's segments hold no TIMESTAMP ts)
for f in "$W"/bronze/sales/data/*.seg; do
  S inspect "$f" --compact
done | jq -r '. as $s | ($s.columns | map(select(.name == "ts" and .type == "TIMESTAMP")) | .[0].index) as $c
  | select($c != null) | .row_groups[] | .chunks[] | select(.column == $c) | "\(.zonemap.min)|\(.zonemap.max)"' > "$T/rg"
total=$(wc -l < "$T/rg")
[ "$total" -ge 6 ] || _fail "expected at least 6 row groups, got $total"

# check LO HI: the range ts >= LO AND ts < HI
check() {
  local lo=$1 hi=$2 overlap kept q
  overlap=$(awk -F'|' -v lo="$lo" -v hi="$hi" '$1 < hi && $2 >= lo {n++} END {print n + 0}' "$T/rg")
  q="SELECT count(*) AS n, sum(quantity) AS q, min(order_id) AS a, max(order_id) AS b FROM bronze.sales WHERE ts >= TIMESTAMP '$lo' AND ts < TIMESTAMP '$hi'"
  run S query "EXPLAIN $q" --format csv
  expect_rc 0
  kept=$(grep -o 'row groups: [0-9]* of' <<<"$OUT" | grep -o '[0-9]*' | head -1)
  kept=${kept:-0}
  if [ "$kept" -lt "$overlap" ] || [ "$kept" -gt $((overlap + 2)) ]; then
    _fail "[$lo, $hi): EXPLAIN keeps $kept row groups, $overlap overlap the range"
  fi
  [ "$kept" -lt "$total" ] || _fail "[$lo, $hi): no row group skipped ($kept of $total)"
  run S query "$q" --format csv; local pruned=$OUT
  run S query "$q" --format csv --no-prune
  expect_rc 0; expect_out_eq "$pruned"
}
for m in 01 02 03 04 05 06 07 08 09 10 11; do
  check "2025-$m-01 00:00:00" "2025-$(printf '%02d' $((10#$m + 1)))-01 00:00:00"
done
check "2025-12-01 00:00:00" "2026-01-01 00:00:00"
check "2025-05-14 13:45:10" "2025-06-02 06:00:00.5"
finish
