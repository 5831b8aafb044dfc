#!/bin/bash
# chart.sh RESULTS.tsv [SUBTITLE] > chart.svg: the bench results as an SVG the
# README can show.  One row per workload: a bar for Strata's time divided by
# DuckDB's on a log scale (the vertical line is parity; left of it, green,
# Strata is faster; right, red, slower), the ratio in words and both times.
# Skipped and failed workloads are listed in grey with their reason, so the
# chart also shows what is not measured yet.
#
# RESULTS.tsv (written by run.sh), tab-separated, one line per workload:
#   status  name  issue  strata_s  duckdb_s  ratio  reason
# status is ok, fail or skip; times and ratio may be empty.
awk -F'\t' -v sub_title="${2:-}" '
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); return s }
function secs(v) { return v < 1 ? sprintf("%.0f ms", v * 1000) : sprintf("%.2f s", v) }
{ n++; st[n] = $1; name[n] = $2; issue[n] = $3; s[n] = $4; d[n] = $5; r[n] = $6; why[n] = $7 }
END {
  w = 1060; x0 = 420; span = 400; top = 62; rh = 28
  h = top + (n > 0 ? n : 1) * rh + 40
  lo = log(0.05); hi = log(20)
  xp = x0 + (0 - lo) / (hi - lo) * span
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"13\">\n", w, h, w, h
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"12\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Strata vs DuckDB 1.5: whole-process time, Strata / DuckDB (log scale)</text>\n"
  printf "<text x=\"12\" y=\"42\" fill=\"#555\">%s</text>\n", esc(sub_title)
  printf "<text x=\"%d\" y=\"42\" fill=\"#555\" text-anchor=\"end\">green, left of 1&#215;: Strata faster</text>\n", w - 12
  # grid: 0.1x 0.25x 0.5x 1x 2x 4x 10x
  split("0.1 0.25 0.5 1 2 4 10", ticks, " ")
  for (t = 1; t <= 7; t++) {
    xt = x0 + (log(ticks[t]) - lo) / (hi - lo) * span
    printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n", xt, top - 6, xt, h - 28, ticks[t] == 1 ? "#222" : "#e4e4e4"
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">%s&#215;</text>\n", xt, h - 12, ticks[t]
  }
  if (n == 0) printf "<text x=\"%d\" y=\"%d\" fill=\"#777\">no workloads</text>\n", x0, top + 18
  for (i = 1; i <= n; i++) {
    y = top + (i - 1) * rh
    label = name[i]; if (length(label) > 58) label = substr(label, 1, 56) "..."
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>%s</text>\n", x0 - 10, y + 17, st[i] == "ok" ? "" : " fill=\"#888\"", esc(label)
    if (st[i] != "ok" || r[i] == "" || r[i] + 0 <= 0) {
      col = st[i] == "fail" ? "#c0392b" : "#888"
      txt = (st[i] == "fail" ? "FAILED: " : "not measured: ") why[i]
      if (length(txt) > 86) txt = substr(txt, 1, 84) "..."
      printf "<text x=\"%d\" y=\"%d\" fill=\"%s\" font-style=\"italic\">%s</text>\n", x0 + 4, y + 17, col, esc(txt)
      continue
    }
    v = r[i] + 0; vc = v; if (vc < 0.05) vc = 0.05; if (vc > 20) vc = 20
    xv = x0 + (log(vc) - lo) / (hi - lo) * span
    col = v <= 1 ? "#2a9d55" : "#d1495b"
    a = xv < xp ? xv : xp; bw = xv < xp ? xp - xv : xv - xp; if (bw < 2) bw = 2
    printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" rx=\"2\" fill=\"%s\"/>\n", a, y + 4, bw, col
    words = v <= 1 ? sprintf("%.1f&#215; faster", 1 / v) : sprintf("%.1f&#215; slower", v)
    printf "<text x=\"%d\" y=\"%d\"><tspan font-weight=\"bold\" fill=\"%s\">%s</tspan><tspan dx=\"10\" fill=\"#555\">%s vs %s</tspan></text>\n", x0 + span + 14, y + 17, col, words, secs(s[i]), secs(d[i])
  }
  printf "</svg>\n"
}' "$1"
