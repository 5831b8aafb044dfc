# bench/data.sh (sourced by run.sh): data sets for the workloads, generated once
# into $BENCH_DATA and reused.  bench_data NAME makes NAME exist or returns 1.
#   scaleS_csv      strata gen --scale $BENCH_SCALE --as csv  (all sources as CSV)
#   scaleS_native   strata gen --scale $BENCH_SCALE           (streams NDJSON, batches CSV)
bench_data() {
  local name=$1 dir
  case "$name" in
    scale*_csv)    dir=$BENCH_DATA/scale${BENCH_SCALE}_csv;    args=(--as csv) ;;
    scale*_native) dir=$BENCH_DATA/scale${BENCH_SCALE}_native; args=() ;;
    *) echo "bench: unknown data set $name"; return 1 ;;
  esac
  [ -f "$dir/.complete" ] && return 0
  "$STRATA" gen --help >/dev/null 2>&1 || { echo "bench: strata gen is not built yet"; return 1; }
  rm -rf "$dir"
  echo "bench: generating $name (scale $BENCH_SCALE)"
  "$STRATA" gen --scale "$BENCH_SCALE" --out "$dir" "${args[@]}" || return 1
  touch "$dir/.complete"
}
