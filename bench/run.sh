#!/bin/bash
# bench/run.sh: the benchmark suite, side by side with DuckDB 1.5 (`make bench`).
#
# Workload protocol.  Every workload is a file bench/workloads/NN-name.sh that
# sets:
#   W_NAME   row label; may use $BENCH_ROWS_LABEL ("CSV parse, $BENCH_ROWS_LABEL sales rows")
#   W_ISSUE  the issue it measures (a number)
#   W_NEEDS  what it needs, space-separated:
#              scale_csv, scale_native   data sets from bench/data.sh (strata gen)
#              strata:CMD                a strata command that must exist (e.g.
#                                        strata:query); missing -> skipped
#   W_NOTE   optional: what exactly is compared (shown under the table)
# and defines:
#   w_setup   once, untimed (build the DuckDB database, ingest, ...); must set
#             the arrays S_CMD (the Strata command) and D_CMD (the DuckDB one);
#             a non-zero return fails the workload
#   w_before  before every run, untimed, with the side about to run as its
#             argument (strata or duckdb), e.g. to remove that side's last output
#   w_check   optional, after the runs: prints a short note for the table (rows,
#             sizes); a non-zero return fails the workload (wrong answer)
# Each workload runs in its own subshell (a failing or exiting workload cannot
# take the suite down) with the repository root as working directory, W_TMP a
# fresh scratch folder of its own, and its output (and the commands' stderr)
# in bench/results/logs/NN-name.log.  Useful variables: STRATA, DUCKQ
# (`$DUCKQ DB "SQL"` prints the last result as CSV), BENCH_CSV, BENCH_NATIVE,
# BENCH_ROWS, BENCH_ROWS_LABEL, BENCH_SCALE (bench/data.sh).
#
# Measurement: each command runs once untimed (warm-up: caches, and a command
# that fails is reported instead of timed), then BENCH_RUNS times alternating
# Strata and DuckDB; the table shows the median whole-process wall time, the
# peak RSS over the runs, and Strata/DuckDB (< 1: Strata is faster).
#
# Environment: STRATA, DUCKQ (set by make bench), BENCH_RUNS (5), BENCH_WARMUP
# (1 = on), BENCH_ONLY (substring of the workload file names to run),
# BENCH_SCALE (3), BENCH_TIMEOUT (seconds per run, 900), BENCH_DATA
# (bench/data), BENCH_OUT (bench/results).
#
# Output: BENCH_OUT/latest.md (table, machine, summary), latest.svg (chart),
# latest.json and latest.tsv (for scripts), logs/.  Exit status: 0 when every
# workload that ran passed (skips are fine), 1 when one failed, 130 on Ctrl-C.
set -u
cd "$(dirname "$0")/.." || exit 1
: "${STRATA:?run it through make bench (STRATA = the strata binary)}"
: "${DUCKQ:?run it through make bench (DUCKQ = the DuckDB peer shell)}"
BUILD=${BUILD:-build/rel}
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
TIMEOUT=${BENCH_TIMEOUT:-900}
export BENCH_SCALE=${BENCH_SCALE:-3}
export BENCH_DATA=${BENCH_DATA:-$PWD/bench/data}
export BENCH_TMP=${BENCH_TMP:-$PWD/bench/results/tmp}
OUT=${BENCH_OUT:-bench/results}
export STRATA DUCKQ

die() { echo "bench: $*" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer (seconds)"
[[ $BENCH_SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || die "BENCH_SCALE must be a number such as 3 or 0.1"
BENCH_SCALE=$(awk -v s="$BENCH_SCALE" 'BEGIN {printf "%g", s}') # 3.0 -> 3, .5 -> 0.5
[ -x "$STRATA" ] || die "no strata binary at $STRATA"
[ -x "$DUCKQ" ] || die "no DuckDB peer at $DUCKQ (make peer installs it)"
mkdir -p "$BENCH_TMP" "$OUT/logs" "$BUILD/bench" || exit 2
MEASURE=$BUILD/bench/measure
if [ ! -x "$MEASURE" ] || [ bench/measure.c -nt "$MEASURE" ]; then
  cc -O2 -Wall -o "$MEASURE" bench/measure.c || die "cannot build bench/measure.c"
fi
source bench/data.sh || die "bench/data.sh failed"

exec 3>&2 # progress goes to the terminal even while a workload's output goes to its log
say() { printf '%s\n' "$*" >&3; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print ""; exit} print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
json_str() { # a JSON string literal
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/\\t}; s=${s//$'\n'/\\n}; s=${s//$'\r'/}
  printf '"%s"' "$s"
}
mdc() { local s=${1//|/\\|}; printf '%s' "${s//$'\n'/ }"; } # a markdown table cell
fmt_s() { awk -v v="$1" 'BEGIN { if (v == "") print ""; else printf "%.3f", v }'; }

# ---- the machine ------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo 2>/dev/null)
os=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -s)
kernel=$(uname -r)
duck=$("$DUCKQ" :memory: "SELECT version()" 2>/dev/null || echo "?")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
git diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
when=$(date -u '+%Y-%m-%d %H:%M UTC')
machine="$(nproc) cores ($cpu), $mem RAM, $os, Linux $kernel"

# ---- the workloads ----------------------------------------------------------
files=()
for wf in bench/workloads/[0-9]*.sh; do
  [ -e "$wf" ] || continue
  [ -n "${BENCH_ONLY:-}" ] && [[ $wf != *"$BENCH_ONLY"* ]] && continue
  files+=("$wf")
done
total=${#files[@]}
say "bench: $total workload(s), data scale $BENCH_SCALE ($BENCH_ROWS_LABEL sales rows), $RUNS runs each; logs in $OUT/logs/"

# run_workload FILE INDEX RESULT LOG: in a subshell; writes R_* variables to RESULT
run_workload() {
  local wf=$1 idx=$2 res=$3 log=$4
  local R_STATUS=ok R_REASON="" R_NOTE="" R_ST="" R_DT="" R_SM="" R_DM="" R_STIMES="" R_DTIMES=""
  W_NAME=""; W_ISSUE=""; W_NEEDS=""; W_NOTE=""; S_CMD=(); D_CMD=()
  w_setup() { echo "w_setup is not defined"; return 1; }
  w_before() { :; }
  w_check() { :; }
  W_TMP=$BENCH_TMP/$(basename "$wf" .sh)
  export W_TMP
  rm -rf "$W_TMP" && mkdir -p "$W_TMP"
  save() {
    [ -z "$W_NAME" ] && W_NAME=$(basename "$wf" .sh)
    declare -p W_NAME W_ISSUE W_NOTE R_STATUS R_REASON R_NOTE R_ST R_DT R_SM R_DM R_STIMES R_DTIMES > "$res"
  }
  lastlog() { tail -n 1 "$log" 2>/dev/null | cut -c1-160; }
  # the last line a command added to the log since mark was taken
  mark() { logsize=$(stat -c %s "$log" 2>/dev/null || echo 0); }
  since() { tail -c +$((logsize + 1)) "$log" 2>/dev/null | grep -v '^$' | tail -n 1 | cut -c1-160; }
  local logsize=0
  # shellcheck disable=SC1090
  if ! source "$wf"; then R_STATUS=fail; R_REASON="the workload file does not load"; save; return; fi
  say "[$idx/$total] $W_NAME"
  local need
  for need in $W_NEEDS; do
    case "$need" in
      strata:*)
        "$STRATA" "${need#strata:}" --help >/dev/null 2>&1 ||
          { R_STATUS=skip; R_REASON="needs 'strata ${need#strata:}', not built yet"; save; say "  skipped: $R_REASON"; return; } ;;
      *)
        say "  data set $need ..."
        bench_data "$need" ||
          { R_STATUS=fail; R_REASON="data set $need could not be generated: $(lastlog)"; save; say "  FAILED: $R_REASON"; return; } ;;
    esac
  done
  mark
  w_setup || { R_STATUS=fail; R_REASON="setup failed: $(since)"; save; say "  FAILED: $R_REASON"; return; }
  if [ ${#S_CMD[@]} -eq 0 ] || [ ${#D_CMD[@]} -eq 0 ]; then
    R_STATUS=fail; R_REASON="w_setup did not set S_CMD and D_CMD"; save; say "  FAILED: $R_REASON"; return
  fi
  echo "strata: ${S_CMD[*]}"; echo "duckdb: ${D_CMD[*]}"
  local tmp=$W_TMP/.times side code r
  if [ "$WARMUP" = 1 ]; then
    for side in S D; do
      : > "$tmp"
      if [ $side = S ]; then w_before strata; else w_before duckdb; fi
      mark
      if [ $side = S ]; then "$MEASURE" -t "$TIMEOUT" -o "$tmp" "${S_CMD[@]}"; else "$MEASURE" -t "$TIMEOUT" -o "$tmp" "${D_CMD[@]}"; fi
      code=$(cut -d' ' -f3 "$tmp" 2>/dev/null)
      if [ "${code:-x}" != 0 ]; then
        local who=Strata; [ $side = D ] && who=DuckDB
        R_STATUS=fail; R_REASON="$who exited with ${code:-?}$( [ "$code" = 124 ] && echo " (timeout ${TIMEOUT}s)")$(r=$(since); [ -n "$r" ] && echo ": $r")"
        save; say "  FAILED: $R_REASON"; return
      fi
    done
  fi
  : > "$W_TMP/s.times"; : > "$W_TMP/d.times"
  local t0=$SECONDS
  for r in $(seq "$RUNS"); do
    w_before strata; "$MEASURE" -t "$TIMEOUT" -o "$W_TMP/s.times" "${S_CMD[@]}"
    w_before duckdb; "$MEASURE" -t "$TIMEOUT" -o "$W_TMP/d.times" "${D_CMD[@]}"
    say "$(printf '  run %d/%d: strata %.3f s, duckdb %.3f s  (%ds)' "$r" "$RUNS" \
      "$(tail -n1 "$W_TMP/s.times" | cut -d' ' -f1)" "$(tail -n1 "$W_TMP/d.times" | cut -d' ' -f1)" $((SECONDS - t0)))"
  done
  R_STIMES=$(cut -d' ' -f1 "$W_TMP/s.times" | tr '\n' ' ')
  R_DTIMES=$(cut -d' ' -f1 "$W_TMP/d.times" | tr '\n' ' ')
  R_ST=$(cut -d' ' -f1 "$W_TMP/s.times" | median)
  R_DT=$(cut -d' ' -f1 "$W_TMP/d.times" | median)
  R_SM=$(awk 'BEGIN{m=0} {if ($2>m) m=$2} END {printf "%.0f", m/1024}' "$W_TMP/s.times")
  R_DM=$(awk 'BEGIN{m=0} {if ($2>m) m=$2} END {printf "%.0f", m/1024}' "$W_TMP/d.times")
  local sfail dfail
  sfail=$(awk '$3 != 0' "$W_TMP/s.times" | wc -l); dfail=$(awk '$3 != 0' "$W_TMP/d.times" | wc -l)
  [ "$sfail" -gt 0 ] && { R_STATUS=fail; R_REASON="Strata failed in $sfail of $RUNS runs"; }
  [ "$dfail" -gt 0 ] && { R_STATUS=fail; R_REASON="${R_REASON:+$R_REASON; }DuckDB failed in $dfail of $RUNS runs"; }
  local note rc
  note=$(w_check 2>>"$log"); rc=$?
  R_NOTE=$(printf '%s' "$note" | tr '\n' ' ' | sed 's/ *$//')
  [ $rc -ne 0 ] && { R_STATUS=fail; R_REASON="${R_REASON:+$R_REASON; }check failed: $R_NOTE"; }
  [ "$R_STATUS" = fail ] && say "  FAILED: $R_REASON"
  save
}

interrupted=0
trap 'interrupted=1' INT TERM
S=(); started=$SECONDS
for i in "${!files[@]}"; do
  wf=${files[$i]}
  base=$(basename "$wf" .sh)
  res=$BENCH_TMP/$base.result; log=$OUT/logs/$base.log
  rm -f "$res"
  ( trap - INT TERM; run_workload "$wf" $((i + 1)) "$res" "$log" ) > "$log" 2>&1
  [ $interrupted = 1 ] && { say "bench: interrupted"; break; }
  [ -f "$res" ] || { say "  FAILED: $base crashed (see $log)"; printf 'W_NAME=%q W_ISSUE="" W_NOTE="" R_STATUS=fail R_REASON=%q R_NOTE="" R_ST="" R_DT="" R_SM="" R_DM="" R_STIMES="" R_DTIMES=""\n' \
    "$base" "the workload crashed (see $log)" > "$res"; }
  S+=("$res")
done

# ---- the report --------------------------------------------------------------
md=$OUT/latest.md; tsv=$OUT/latest.tsv; json=$OUT/latest.json
ran=0; faster=0; slower=0; skipped=0; failed=0; logsum=0
rows=""; skips=""; notes=""
: > "$tsv"
printf '{\n  "machine": %s,\n  "duckdb": %s,\n  "commit": %s,\n  "when": %s,\n  "scale": %s,\n  "sales_rows": %s,\n  "runs": %s,\n  "workloads": [' \
  "$(json_str "$machine")" "$(json_str "$duck")" "$(json_str "$commit")" "$(json_str "$when")" "$BENCH_SCALE" "$BENCH_ROWS" "$RUNS" > "$json"
first=1
for res in "${S[@]}"; do
  # shellcheck disable=SC1090
  source "$res"
  issue=${W_ISSUE:+#$W_ISSUE}
  ratio=""
  if [ -n "$R_ST" ] && [ -n "$R_DT" ]; then
    ratio=$(awk -v a="$R_ST" -v b="$R_DT" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
  fi
  case $R_STATUS in
    ok)
      ran=$((ran + 1))
      if awk -v r="$ratio" 'BEGIN {exit !(r <= 1)}'; then faster=$((faster + 1)); else slower=$((slower + 1)); fi
      logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN {print s + log(r > 0 ? r : 1)}')
      rows+="| $(mdc "$W_NAME") | $issue | $(fmt_s "$R_ST") | $(fmt_s "$R_DT") | **$ratio** | $R_SM | $R_DM | $(mdc "$R_NOTE") |"$'\n' ;;
    skip)
      skipped=$((skipped + 1))
      rows+="| $(mdc "$W_NAME") | $issue | | | | | | skipped: $(mdc "$R_REASON") |"$'\n'
      skips+="- $W_NAME: $R_REASON"$'\n' ;;
    *)
      failed=$((failed + 1))
      rows+="| $(mdc "$W_NAME") | $issue | $(fmt_s "$R_ST") | $(fmt_s "$R_DT") | ${ratio} | $R_SM | $R_DM | **FAILED**: $(mdc "$R_REASON") |"$'\n' ;;
  esac
  [ -n "$W_NOTE" ] && notes+="- **$W_NAME**: $W_NOTE"$'\n'
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$R_STATUS" "$W_NAME" "$W_ISSUE" "$R_ST" "$R_DT" "$ratio" "$R_REASON" | tr -d '\r' >> "$tsv"
  [ $first = 1 ] || printf ',' >> "$json"; first=0
  printf '\n    {"workload": %s, "issue": %s, "status": %s, "reason": %s, "strata_s": %s, "duckdb_s": %s, "ratio": %s, "strata_peak_mb": %s, "duckdb_peak_mb": %s, "strata_runs_s": [%s], "duckdb_runs_s": [%s], "note": %s}' \
    "$(json_str "$W_NAME")" "${W_ISSUE:-null}" "$(json_str "$R_STATUS")" "$(json_str "$R_REASON")" \
    "${R_ST:-null}" "${R_DT:-null}" "${ratio:-null}" "${R_SM:-null}" "${R_DM:-null}" \
    "$(echo $R_STIMES | tr ' ' ',')" "$(echo $R_DTIMES | tr ' ' ',')" "$(json_str "$R_NOTE")" >> "$json"
done
printf '\n  ]\n}\n' >> "$json"
geo=""
[ $ran -gt 0 ] && geo=$(awk -v s="$logsum" -v n="$ran" 'BEGIN {printf "%.2f", exp(s / n)}')
summary="$ran measured: Strata faster in $faster, slower in $slower"
[ -n "$geo" ] && summary+=" (geometric mean of Strata/DuckDB: $geo)"
summary+="; $skipped skipped; $failed failed."
[ $interrupted = 1 ] && summary+=" INTERRUPTED after $((${#S[@]})) of $total workloads."
{
  echo "# Strata vs DuckDB 1.5: latest bench"
  echo
  echo "Machine: $machine. DuckDB $duck; Strata commit $commit; $when."
  echo "Data: \`strata gen --scale $BENCH_SCALE\` ($BENCH_ROWS_LABEL sales rows). Each command once untimed, then $RUNS runs alternating;"
  echo "median whole-process wall time, peak RSS over the runs. **Strata/DuckDB < 1 means Strata is faster.**"
  echo
  echo "| workload | issue | Strata s | DuckDB s | Strata/DuckDB | Strata peak MB | DuckDB peak MB | note |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  printf '%s' "$rows"
  echo
  echo "Summary: $summary"
  if [ -n "$notes" ]; then echo; echo "What is compared:"; echo; printf '%s' "$notes"; fi
  if [ -n "$skips" ]; then echo; echo "Not measured yet:"; echo; printf '%s' "$skips"; fi
  echo
  echo "![Strata / DuckDB time per workload](latest.svg)"
} > "$md"
bench/chart.sh "$tsv" "$BENCH_ROWS_LABEL sales rows, median of $RUNS runs; $(nproc) cores; $when; Strata $commit" > "$OUT/latest.svg" ||
  say "bench: could not draw the chart"
say ""
say "bench: $summary ($((SECONDS - started))s)"
say "bench: wrote $md, $OUT/latest.svg, $json"
cat "$md"
[ $interrupted = 1 ] && exit 130
[ $failed -gt 0 ] && exit 1
exit 0
