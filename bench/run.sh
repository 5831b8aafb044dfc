#!/bin/bash
# bench/run.sh: the benchmark suite, side by side with DuckDB 1.5.
#
# Every workload is a file bench/workloads/NN-name.sh that sets:
#   W_NAME   row label ("CSV parse, 3M sales rows")
#   W_ISSUE  the issue it measures
#   W_NEEDS  data sets it needs, from bench/data.sh (e.g. "scale3_csv")
# and defines:
#   w_setup       once, untimed (build the DuckDB database, ingest, ...); sets the
#                 arrays S_CMD (the Strata command) and D_CMD (the DuckDB command)
#   w_before      before every timed run, untimed (e.g. remove the last output)
#   w_check       optional, after the runs: prints a note (sizes, rows) for the table
# A workload whose data or tools are missing is listed as skipped with the reason.
#
# Environment: STRATA, DUCKQ (set by make bench), BENCH_RUNS (default 5),
# BENCH_ONLY (a substring to pick workloads), BENCH_SCALE (default 3).
set -u
cd "$(dirname "$0")/.." || exit 1
: "${STRATA:?}" "${DUCKQ:?}"
BUILD=${BUILD:-build/rel}
RUNS=${BENCH_RUNS:-5}
export BENCH_SCALE=${BENCH_SCALE:-3}
export BENCH_DATA=${BENCH_DATA:-$PWD/bench/data}
export BENCH_TMP=${BENCH_TMP:-$PWD/bench/results/tmp}
mkdir -p "$BENCH_TMP" bench/results "$BUILD/bench"
MEASURE=$BUILD/bench/measure
cc -O2 -o "$MEASURE" bench/measure.c || exit 1
source bench/data.sh 2>/dev/null || true

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

out=bench/results/latest.md
json=bench/results/latest.json
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
  echo "# Strata vs DuckDB 1.5: latest bench"
  echo
  echo "Machine: $(nproc) cores, $cpu, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null)."
  echo "Median of $RUNS runs, whole-process wall time; peak RSS is the maximum over the runs. Ratio < 1 means Strata is faster."
  echo
  echo "| workload | issue | Strata s | DuckDB s | ratio | Strata peak MB | DuckDB peak MB | note |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
} > "$out"
echo "[" > "$json"; first=1

for wf in bench/workloads/*.sh; do
  [ -e "$wf" ] || continue
  [ -n "${BENCH_ONLY:-}" ] && [[ "$wf" != *"$BENCH_ONLY"* ]] && continue
  unset -f w_setup w_before w_check
  W_NAME=""; W_ISSUE=""; W_NEEDS=""; S_CMD=(); D_CMD=(); SKIP=""
  w_before() { :; }
  w_check() { :; }
  source "$wf"
  echo "bench: $W_NAME" >&2
  for need in $W_NEEDS; do
    if ! bench_data "$need" >&2; then SKIP="data set $need unavailable"; fi
  done
  [ -z "$SKIP" ] && { w_setup >&2 || SKIP="setup failed"; }
  if [ -n "$SKIP" ]; then
    echo "| $W_NAME | #$W_ISSUE | | | | | | skipped: $SKIP |" >> "$out"; continue
  fi
  : > "$BENCH_TMP/s.times"; : > "$BENCH_TMP/d.times"
  for r in $(seq "$RUNS"); do
    w_before >&2; "$MEASURE" -o "$BENCH_TMP/s.times" "${S_CMD[@]}"
    w_before >&2; "$MEASURE" -o "$BENCH_TMP/d.times" "${D_CMD[@]}"
    printf '  run %d/%d: strata %ss, duckdb %ss\n' "$r" "$RUNS" "$(tail -1 "$BENCH_TMP/s.times" | cut -d' ' -f1)" "$(tail -1 "$BENCH_TMP/d.times" | cut -d' ' -f1)" >&2
  done
  sfail=$(awk '$3 != 0' "$BENCH_TMP/s.times" | wc -l); dfail=$(awk '$3 != 0' "$BENCH_TMP/d.times" | wc -l)
  st=$(cut -d' ' -f1 "$BENCH_TMP/s.times" | median); dt=$(cut -d' ' -f1 "$BENCH_TMP/d.times" | median)
  sm=$(awk 'BEGIN{m=0} {if ($2>m) m=$2} END {printf "%.0f", m/1024}' "$BENCH_TMP/s.times")
  dm=$(awk 'BEGIN{m=0} {if ($2>m) m=$2} END {printf "%.0f", m/1024}' "$BENCH_TMP/d.times")
  ratio=$(awk -v a="$st" -v b="$dt" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
  note=$(w_check 2>/dev/null | tr '\n' ' ')
  [ "$sfail" -gt 0 ] && note="STRATA FAILED ($sfail runs) $note"
  [ "$dfail" -gt 0 ] && note="DUCKDB FAILED ($dfail runs) $note"
  printf '| %s | #%s | %.3f | %.3f | %s | %s | %s | %s |\n' "$W_NAME" "$W_ISSUE" "$st" "$dt" "$ratio" "$sm" "$dm" "$note" >> "$out"
  [ $first = 1 ] || echo "," >> "$json"; first=0
  printf '{"workload":"%s","issue":%s,"strata_s":%s,"duckdb_s":%s,"ratio":%s,"strata_peak_mb":%s,"duckdb_peak_mb":%s}' \
    "$W_NAME" "$W_ISSUE" "$st" "$dt" "$ratio" "$sm" "$dm" >> "$json"
done
echo "]" >> "$json"
bench/chart.sh "$out" > bench/results/latest.svg 2>/dev/null || true
echo "bench: wrote $out and bench/results/latest.svg" >&2
cat "$out"
