# test_ingest_parquet.sh: `strata ingest bronze.T FILE.parquet`: a table
# exported to Parquet and ingested into a new table gives the same rows
# (with and without the contract); public conformance files ingest with the
# values the SQL reader gives for the same file; every malformed or
# unsupported file is refused, naming the file, with no commit; contract
# casts and rejects (the row as CSV, its ordinal as _line); several files in
# one commit; --as; streams refused; a crash at publish leaves the table
# whole.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
TD=../shared/testdata/parquet
S init >/dev/null
"$STRATA" gen --scale 0.005 --out "$T/d" --only sales --as csv >/dev/null || exit 1
S ingest bronze.sales "$T/d/sales.csv" --schema platform/bronze/sales.json -q || _fail "csv ingest"

# ---- round trip: table -> Parquet -> new table ------------------------------
run S export bronze.sales "$T/sales.parquet" --no-lineage; expect_rc 0
S export bronze.sales "$T/want.csv" --no-lineage >/dev/null
run S ingest bronze.copy "$T/sales.parquet" --format json; expect_rc 0
expect_out '"rejected": 0'; expect_out '"created": true'
S export bronze.copy "$T/got.csv" --no-lineage >/dev/null
cmp -s "$T/want.csv" "$T/got.csv" || _fail "round trip (schema from the file): rows differ"
run S describe bronze.copy --format csv; expect_out 'unit_price,"DECIMAL(12,2)"'; expect_out "ts,TIMESTAMP"
run S ingest bronze.copy2 "$T/sales.parquet" --schema platform/bronze/sales.json --format json; expect_rc 0
expect_out '"rejected": 0'
S export bronze.copy2 "$T/got2.csv" --no-lineage >/dev/null
cmp -s "$T/want.csv" "$T/got2.csv" || _fail "round trip (contract): rows differ"
# lineage: the file, and each row's ordinal in it
run S query "SELECT min(_line), max(_line), count(*), count(DISTINCT _source) FROM bronze.copy" --format csv
n=$(($(wc -l < "$T/want.csv") - 1))
expect_out "1,$n,$n,1"

# ---- several files, one commit; CSV and Parquet together ---------------------
head -n 11 "$T/d/sales.csv" > "$T/ten.csv"
run S ingest bronze.copy "$T/sales.parquet" "$T/ten.csv" "$T/sales.parquet" --format json; expect_rc 0
expect_out "\"read\": $((2 * n + 10))"; expect_out '"commits": 1'
run S log bronze.copy --format csv; [ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 2 ] || _fail "not one commit"

# ---- conformance files: every file the reader accepts ingests as its rows ---
# (the SQL reader's answer for the file is the oracle); a file the reader
# refuses (a corrupt page checksum) is refused by ingest too, with no commit
i=0
for f in "$TD"/data/*.parquet; do
  i=$((i + 1))
  if ! want=$(S query "SELECT * FROM '$f'" --format csv 2>/dev/null); then
    run S ingest "bronze.c$i" "$f"; expect_rc 1; expect_err "Parquet file $f"
    run S tables --format csv; expect_no_out "bronze.c$i,"
    continue
  fi
  run S ingest "bronze.c$i" "$f"; expect_rc 0
  cols=$(printf '%s\n' "$want" | head -1 | sed 's/[^,]*/"&"/g')
  run S query "SELECT $cols FROM bronze.c$i ORDER BY _line" --format csv
  [ "$OUT" == "$want" ] || _fail "$f: ingested rows differ from the file's"
done
[ "$i" -ge 35 ] || _fail "conformance files missing ($i)"

# ---- refused: nested, unsupported codecs, malformed; nothing committed -------
for f in "$TD"/unsupported/*.parquet "$TD"/bad_data/*.parquet; do
  case $f in *ARROW-GH-43605*) continue ;; esac # a valid file (one-value dictionary, 0-bit indices)
  run S ingest bronze.bad "$f"; expect_rc 1; expect_err "Parquet file $f"
done
run S ingest bronze.bad "$TD/unsupported/list_columns.parquet"; expect_err "column 'int64_list' is a nested group"
run S ingest bronze.bad "$TD/unsupported/lz4_raw_compressed.parquet"; expect_err "codec LZ4_RAW"
run S ingest bronze.bad "$TD/data/datapage_v1-corrupt-checksum.parquet"; expect_rc 1; expect_err "CRC"
# a refused file among good ones: the whole batch is refused
run S ingest bronze.copy "$T/sales.parquet" "$TD/unsupported/lz4_raw_compressed.parquet"; expect_rc 1
run S tables --format csv; expect_no_out "bronze.bad"
run S log bronze.copy --format csv; [ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 2 ] || _fail "a refused batch committed"
# lying sizes: a footer length beyond the file, a tiny file with the magic
printf 'PAR1\x00\x00\x00\x00\xff\xff\xff\x7fPAR1' > "$T/lie.parquet"
run S ingest bronze.bad "$T/lie.parquet"; expect_rc 1; expect_err "$T/lie.parquet"
head -c 20000 "$T/sales.parquet" > "$T/cut.parquet" # truncated: no footer
run S ingest bronze.bad "$T/cut.parquet"; expect_rc 1; expect_err "Parquet file $T/cut.parquet: not a Parquet file, or truncated: no PAR1 magic at byte 19996"
printf 'PAR1' > "$T/tiny.parquet"
run S ingest bronze.bad "$T/tiny.parquet"; expect_rc 1; expect_err "tiny.parquet"
run S tables --format csv; expect_no_out "bronze.bad"

# damaged pages found while reading (the footer is sound): the error names
# the file, row group, column and the page's byte offset; nothing committed,
# no segment left behind
python3 - "$T/sales.parquet" "$T/damaged.parquet" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for i in range(len(d) // 2, len(d) // 2 + 2000, 7): d[i] ^= 0x5a
open(sys.argv[2], 'wb').write(d)
PY
v_before=$(S log bronze.copy2 --format csv | wc -l)
segs_before=$(find "$W" -type f | wc -l)
run S ingest bronze.copy2 "$T/damaged.parquet"; expect_rc 1
expect_err "Parquet file $T/damaged.parquet: row group 0, column '"; expect_err "at byte"
[ "$(S log bronze.copy2 --format csv | wc -l)" = "$v_before" ] || _fail "a damaged file committed"
[ "$(find "$W" -type f | wc -l)" = "$segs_before" ] || _fail "a damaged file left files behind"
run S verify bronze.copy2; expect_rc 0

# ---- idempotency: a replayed Parquet batch is not appended twice -----------
run S ingest bronze.idem "$T/sales.parquet" --idempotency-key loader:1; expect_rc 0
run S ingest bronze.idem "$T/sales.parquet" --idempotency-key loader:1; expect_rc 0; expect_out "already committed"
run S query "SELECT count(*) FROM bronze.idem" --format csv; expect_out_eq "$(printf 'count(*)\n%s' "$n")"

# ---- --as, and what is not a file -------------------------------------------
cp "$T/sales.parquet" "$T/noext"
run S ingest bronze.as1 "$T/noext" --as parquet -q; expect_rc 0
run S ingest bronze.as2 "$T/noext" -q; expect_rc 0 # the magic says Parquet
run S ingest bronze.as3 "$T/noext" --as csv; expect_rc 1; expect_err "a Parquet file, not csv"
run S ingest bronze.as4 - --as parquet < "$T/sales.parquet"; expect_rc 1; expect_err "cannot be read as a stream"
run S ingest bronze.as5 --follow "$T/sales.parquet"; expect_rc 1; expect_err "cannot be read as a stream"
run S ingest bronze.as6 "$T/sales.parquet" --as xml; expect_rc 2; expect_err "csv, ndjson or parquet"

# ---- contract casts and rejects ------------------------------------------------
# a contract that differs from the file: line_no INT32 -> INT16 (fits),
# customer_id INT64 -> INT8 (most do not fit), DECIMAL(12,2) -> DECIMAL(18,4)
sed -e 's/"name":"customer_id","type":"INT64"/"name":"customer_id","type":"INT8"/' \
    -e 's/"name":"line_no","type":"INT32"/"name":"line_no","type":"INT16"/' \
    -e 's/"DECIMAL(12,2)"/"DECIMAL(18,4)"/g' platform/bronze/sales.json > "$T/narrow.json"
run S ingest bronze.narrow "$T/sales.parquet" --schema "$T/narrow.json" --format json; expect_rc 0
expect_out '"bad_value"'
acc=$(printf '%s\n' "$OUT" | sed -n 's/.*"accepted": \([0-9]*\).*/\1/p')
rej=$(printf '%s\n' "$OUT" | sed -n 's/.*"rejected": \([0-9]*\).*/\1/p')
[ "$((acc + rej))" = "$n" ] || _fail "accepted $acc + rejected $rej != $n"
want=$(S query "SELECT count(*) FROM bronze.copy2 WHERE customer_id <= 127" --format csv)
run S query "SELECT count(*) FROM bronze.narrow" --format csv; expect_out_eq "$want"
run S query "SELECT typeof(unit_price), typeof(line_no) FROM bronze.narrow LIMIT 1" --format csv
expect_out '"DECIMAL(18,4)",SMALLINT'
# a rejected row: its raw text is the file's row as CSV, its _line the row's ordinal
row="c.order_id || ',' || c.line_no || ',' || c.customer_id || ',' || c.product_id || ',' || c.sku || ',' || c.category || ',' || c.brand || ',' || c.condition || ',' || c.quantity || ',' || c.unit_price || ',' || c.currency || ',' || c.discount || ',' || c.country || ',' || c.status || ',' || c.ts"
run S query "SELECT r._line = c._line, r.reasons LIKE 'column customer_id: % does not fit INT8', r.raw = $row FROM bronze.narrow__rejects r JOIN bronze.copy2 c ON r._line = c._line WHERE c.customer_id > 127 ORDER BY r._line LIMIT 3" --format csv
[ "$(printf '%s\n' "$OUT" | tail -n +2)" == "$(printf 'true,true,true\ntrue,true,true\ntrue,true,true')" ] || _fail "rejected rows: raw text or _line"
expect_rc 0

# ---- a crash at the commit's publish leaves the table whole ------------------
cp -a "$W" "$T/w2"
before=$(S export bronze.copy2 - --no-lineage | md5sum)
STRATA_FAULT=publish:1:crash "$STRATA" -w "$T/w2" ingest bronze.copy2 "$T/sales.parquet" -q >/dev/null 2>&1
rc=$?; [ $rc = 137 ] || _fail "expected the injected crash (137), got $rc"
run "$STRATA" -w "$T/w2" verify bronze.copy2; expect_rc 0
[ "$("$STRATA" -w "$T/w2" export bronze.copy2 - --no-lineage | md5sum)" = "$before" ] || _fail "the crashed ingest left part of a batch"
run "$STRATA" -w "$T/w2" ingest bronze.copy2 "$T/sales.parquet" --format json; expect_rc 0; expect_out '"last_version": 1'
finish
