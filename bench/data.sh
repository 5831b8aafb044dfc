# bench/data.sh (sourced by run.sh): the data sets workloads need, generated
# once by `strata gen` into $BENCH_DATA and reused while still current.
#
#   bench_data NAME     make data set NAME exist (generate it if missing or
#                       stale); returns 1, with the reason on stderr, if not
#   bench_dir NAME      print the folder of data set NAME
#
# Data sets (S = $BENCH_SCALE, default 3 = 3,000,000 sales lines):
#   scale_csv       strata gen --scale S --as csv   every source as CSV
#                   (the benches' sales.csv, products.csv, customers.csv ...)
#   scale_native    strata gen --scale S            streams NDJSON, the rest CSV
# (Older names scaleS_csv / scaleS_native are accepted too.)
#
# A data set is current when its _manifest.json has the generator's data
# version (`strata gen --help` prints it); the generator
# publishes a folder only when complete, so a manifest means a whole set.
#
# Also set for workloads, after this file is sourced:
#   BENCH_ROWS         sales rows at this scale (round(1e6 x S))
#   BENCH_ROWS_LABEL   the same, short: "3M", "100k", "1.5M" (for W_NAME)
#   BENCH_CSV          the scale_csv folder;  BENCH_NATIVE  the scale_native one

# shellcheck shell=bash
bench_dir() {
  case "$1" in
    scale*_csv)    echo "$BENCH_DATA/scale${BENCH_SCALE}_csv" ;;
    scale*_native) echo "$BENCH_DATA/scale${BENCH_SCALE}_native" ;;
    *) return 1 ;;
  esac
}

_bench_gen_version() {
  "$STRATA" gen --help 2>/dev/null | sed -n 's/.*data version: \([0-9][0-9]*\).*/\1/p' | head -n1
}

bench_data() {
  local name=$1 dir want have args=()
  dir=$(bench_dir "$name") || { echo "bench: unknown data set '$name' (known: scale_csv, scale_native)" >&2; return 1; }
  [[ $name == *_csv ]] && args=(--as csv)
  want=$(_bench_gen_version)
  [ -n "$want" ] || { echo "bench: '$STRATA gen' is not available" >&2; return 1; }
  if [ -f "$dir/_manifest.json" ]; then
    have=$(sed -n 's/^  "data_version": \([0-9]*\),$/\1/p' "$dir/_manifest.json")
    [ "$have" = "$want" ] && return 0
    echo "bench: data set $name was made by generator version ${have:-?}, regenerating (version $want)" >&2
  fi
  rm -rf "$dir"
  mkdir -p "$BENCH_DATA"
  echo "bench: generating data set $name (scale $BENCH_SCALE) into ${dir#$PWD/}" >&2
  "$STRATA" gen --scale "$BENCH_SCALE" --out "$dir" "${args[@]}" --format csv >/dev/null || {
    echo "bench: strata gen failed for data set $name" >&2; return 1; }
}

BENCH_ROWS=$(awk -v s="$BENCH_SCALE" 'BEGIN {printf "%.0f", s * 1000000}')
BENCH_ROWS_LABEL=$(awk -v n="$BENCH_ROWS" 'BEGIN {
  if (n >= 1e6) { v = n / 1e6; u = "M" } else if (n >= 1e3) { v = n / 1e3; u = "k" } else { v = n; u = "" }
  s = sprintf("%.1f", v); sub(/\.0$/, "", s); print s u }')
BENCH_CSV=$BENCH_DATA/scale${BENCH_SCALE}_csv
BENCH_NATIVE=$BENCH_DATA/scale${BENCH_SCALE}_native
export BENCH_ROWS BENCH_ROWS_LABEL BENCH_CSV BENCH_NATIVE
