# title: A segment file: write 20,000 sales rows, read them back, inspect, verify, catch damage
# (until the Bronze layer lands, this is the round trip through the storage format itself)
set -euo pipefail
BENCH=$(dirname "$STRATA")/bench/bench_format
[ -x "$BENCH" ] || make -s "${BENCH#$PWD/}" >/dev/null
ln -sf "$BENCH" "$DEMO/bench_format"
cd "$DEMO"
SEG=sales.seg

# write a small sales-shaped segment (row groups of 8,192 rows), reopen it and
# compare every value of every column with what was written
show "$DEMO/bench_format" --demo "$SEG"

# the structure, as JSON (trimmed: header, layout and the first columns)
show "$STRATA" inspect "$SEG" --brief | sed -n 1,42p
echo "  ..."

# every checksum and invariant
show "$STRATA" verify "$SEG"

# flip one byte inside a data block of a copy: verify names the block
cp "$SEG" damaged.seg
printf '\x5a' | dd of=damaged.seg bs=1 seek=3000 conv=notrunc status=none
echo
echo "(flipped the byte at offset 3000 of a copy)"
if show "$STRATA" verify damaged.seg; then
  echo "verify missed the damage" >&2; exit 1
else
  echo "(exit status $?: damage found)"
fi
