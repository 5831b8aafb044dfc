#!/bin/bash
# chart.sh RESULTS.md: an SVG bar chart of Strata/DuckDB time ratios (log scale,
# the line at 1.0 marks parity) from the table bench/run.sh writes.
awk -F'|' '
/^\| / && $6 ~ /[0-9]/ { n++; name[n]=$2; r[n]=$6+0; gsub(/^ +| +$/, "", name[n]) }
END {
  h = 40 + n * 26; w = 900; x0 = 330; span = w - x0 - 60
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h
  printf "<text x=\"10\" y=\"18\" font-weight=\"bold\">Strata time / DuckDB time (log scale; left of the line = Strata faster)</text>\n"
  lo = log(0.05); hi = log(20)
  xp = x0 + (0 - lo) / (hi - lo) * span
  for (i = 1; i <= n; i++) {
    y = 30 + (i - 1) * 26; v = r[i]; if (v < 0.05) v = 0.05; if (v > 20) v = 20
    xv = x0 + (log(v) - lo) / (hi - lo) * span
    col = (r[i] <= 1) ? "#2a9d55" : "#d1495b"
    a = (xv < xp) ? xv : xp; bw = (xv < xp) ? xp - xv : xv - xp
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", x0 - 8, y + 15, substr(name[i], 1, 48)
    printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>\n", a, y + 2, (bw < 1 ? 1 : bw), col
    printf "<text x=\"%.1f\" y=\"%d\">%.2f</text>\n", (xv > xp ? xv : xp) + 4, y + 15, r[i]
  }
  printf "<line x1=\"%.1f\" y1=\"26\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", xp, xp, h - 4
  printf "</svg>\n"
}' "$1"
