# 01-gen-csv.sh: writing the sales CSV ($BENCH_ROWS_LABEL rows, ~100 bytes each):
# the first workload, it exercises the harness end to end (a data set, setup,
# per-side cleanup, a check that fails on a wrong answer).
#
# Not a like-for-like pair, and labelled so: Strata synthesizes the rows
# (`strata gen --only sales`: skewed draws, lifecycles, sorting by arrival,
# malformed records, fsynced output), DuckDB re-encodes the very same file
# (read_csv, auto-detected, malformed lines skipped -> COPY TO CSV, not
# fsynced).  Both end with the same rows on disk as a CSV, each using both
# cores; the pair bounds how fast a CSV of this shape can be produced, which
# is what the data-dependent workloads of later issues start from.
# shellcheck shell=bash disable=SC2034  # W_* are read by bench/run.sh
W_NAME="sales CSV, $BENCH_ROWS_LABEL rows: Strata generates, DuckDB copies"
W_ISSUE=4
W_NEEDS="scale_csv"
W_NOTE="Strata: \`strata gen --scale $BENCH_SCALE --as csv --only sales\` (synthesizes, fsyncs). DuckDB: \`COPY (FROM read_csv('sales.csv', ignore_errors=true)) TO 'copy.csv'\` of the file Strata generated (parses and re-encodes, no fsync). Not the same work; shown to exercise the harness and as a bound on writing a CSV of this shape."

w_setup() {
  S_CMD=("$STRATA" gen --scale "$BENCH_SCALE" --as csv --only sales --out "$W_TMP/gen" --format csv)
  D_CMD=("$DUCKQ" :memory: "COPY (FROM read_csv('$BENCH_CSV/sales.csv', ignore_errors=true)) TO '$W_TMP/copy.csv' (HEADER)")
}

w_before() {
  case $1 in
    strata) rm -rf "$W_TMP/gen" ;;
    duckdb) rm -f "$W_TMP/copy.csv" ;;
  esac
}

w_check() {
  local s d
  s=$(($(wc -l < "$W_TMP/gen/sales.csv") - 1))
  d=$(($(wc -l < "$W_TMP/copy.csv") - 1))
  echo "$s rows generated ($(du -m "$W_TMP/gen/sales.csv" | cut -f1) MB), $d copied"
  # the generator is deterministic: its output must be the data set's file
  cmp -s "$W_TMP/gen/sales.csv" "$BENCH_CSV/sales.csv" || { echo "gen output differs from the data set"; return 1; }
  [ "$s" = "$BENCH_ROWS" ] || { echo "expected $BENCH_ROWS rows"; return 1; }
  # DuckDB may only skip the malformed lines
  [ "$d" -gt $((s * 98 / 100)) ] || { echo "DuckDB copied too few rows"; return 1; }
}
