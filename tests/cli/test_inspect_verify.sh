# test_inspect_verify.sh: `strata inspect` and `strata verify` on sound,
# damaged, truncated and foreign files (fixtures: the segment fuzz corpus).
. tests/cli/lib.sh
C=tests/fuzz/corpus/segment
cp "$C/all-types-random" "$T/good.seg"

# inspect: JSON with the header, schema, encodings and zone maps
run "$STRATA" inspect "$T/good.seg"
expect_rc 0
expect_out '"format": "strata-segment"'
expect_out '"version": 1'
expect_out '"rows": 40'
expect_out '"row_group_count": 3'
expect_out '"field_id": 10'
expect_out '"type": "DECIMAL(38,4)"'
expect_out '"encoding": "'
expect_out '"zonemap": {'
expect_out '"row_groups": ['
command -v python3 >/dev/null && {
  echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["columns"])==15 and len(d["row_groups"])==3 and d["row_groups"][2]["first_row"]==32' \
    || _fail "inspect output is not the expected JSON"
}
run "$STRATA" inspect "$T/good.seg" --brief --compact
expect_rc 0
expect_no_out '"row_groups"'
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || _fail "--compact should print one line"
run "$STRATA" inspect --help
expect_rc 0; expect_out "usage: strata inspect FILE"
run "$STRATA" inspect
expect_rc 2; expect_err "expected one FILE"

# verify: a sound file
run "$STRATA" verify "$T/good.seg"
expect_rc 0; expect_out "good.seg: ok: segment v1, 40 rows in 3 row groups, 15 columns"
run "$STRATA" verify "$T/good.seg" --format json
expect_rc 0; expect_out '"ok":true'
# a file named without '/' that exists is a file too
(cd "$T" && "$STRATA" verify good.seg >/dev/null) || _fail "verify good.seg (no slash) should read the file"

# a flipped byte in a data block: inspect still works (footer intact), verify fails
cp "$T/good.seg" "$T/flip.seg"
printf '\x55' | dd of="$T/flip.seg" bs=1 seek=200 conv=notrunc status=none
run "$STRATA" inspect "$T/flip.seg" --brief
expect_rc 0
run "$STRATA" verify "$T/flip.seg"
expect_rc 1
expect_err "strata: error: $T/flip.seg: row group 0, column"
expect_err "checksum mismatch at byte "
run "$STRATA" verify "$T/flip.seg" --format json
expect_rc 1; expect_out '"ok":false'

# a flipped byte in the footer: both refuse, naming the footer's offset
cp "$T/good.seg" "$T/foot.seg"
size=$(stat -c %s "$T/foot.seg")
printf '\x01' | dd of="$T/foot.seg" bs=1 seek=$((size - 100)) conv=notrunc status=none
run "$STRATA" inspect "$T/foot.seg"
expect_rc 1; expect_err "footer checksum mismatch at byte 4705"
run "$STRATA" verify "$T/foot.seg"
expect_rc 1; expect_err "$T/foot.seg: footer checksum mismatch at byte 4705"

# truncated at several lengths
for n in 0 7 39 100 4000 $((size - 1)); do
  head -c $n "$T/good.seg" > "$T/trunc.seg"
  run "$STRATA" verify "$T/trunc.seg"
  expect_rc 1; expect_err "strata: error: $T/trunc.seg: "; expect_err " at byte "
done

# foreign files
printf 'order_id,price\n1,9.99\n' > "$T/data.csv"
run "$STRATA" verify "$T/data.csv"
expect_rc 1; expect_err "$T/data.csv: not a Strata segment (no segment magic) at byte 0"
run "$STRATA" inspect "$T/data.csv"
expect_rc 1; expect_err "not a Strata segment"
run "$STRATA" verify "$T/missing.seg"
expect_rc 1; expect_err "missing.seg"

# a TABLE (no '/', no such file) and no argument: the table layer checks them
run "$STRATA" -w "$T/nowh" verify bronze.sales
expect_rc 1; expect_err "no warehouse at"
run "$STRATA" -w "$T/nowh" verify
expect_rc 1; expect_err "no warehouse at"
run "$STRATA" verify not_a_table
expect_rc 1; expect_err "not_a_table: no such file, and bad table name"
run "$STRATA" verify a b
expect_rc 2
run "$STRATA" verify "$T/good.seg" --format xml
expect_rc 2
finish
