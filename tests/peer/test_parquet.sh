#!/bin/bash
# test_parquet.sh: Parquet interop with DuckDB 1.5 (make test-peer, $DUCKQ set).
#
#  A. Strata writes (every Strata type, NULL patterns, edge values; zstd,
#     snappy, gzip, none; dictionary on and off; several row groups and
#     pages) and DuckDB reads: identical rows, the expected DuckDB types (a
#     UTC timestamp reads as TIMESTAMP WITH TIME ZONE), identical NULL counts,
#     and filters that DuckDB prunes with Strata's statistics give the same
#     counts as on a materialised copy.
#  B. DuckDB writes (zstd, snappy, gzip, none; dictionary on and off; V1 and
#     V2; NULLs, decimals, dates, timestamps, unsigned and small integers,
#     floats, blobs) and Strata reads: identical rows.
#  C. `strata export bronze.T OUT.parquet` (every codec) read by DuckDB holds
#     the same rows as `strata export bronze.T OUT.csv` read by DuckDB.
#
# Until the CLI commands land, Strata's side is tests/peer/parquet_tool.c
# (built here against build/rel/libstrata.a).
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${DUCKQ:?DUCKQ must point at duckq}"
T=$(mktemp -d "${TMPDIR:-/tmp}/strata-peer-pq-XXXXXX")
trap 'rm -rf "$T"' EXIT
TOOL=$T/parquet_tool
cc -std=gnu11 -O2 -D_GNU_SOURCE -I. -pthread -o "$TOOL" tests/peer/parquet_tool.c build/rel/libstrata.a \
   -lzstd -lroaring -ljansson -lsnappy -lz -lm || { echo "FAIL: cannot build parquet_tool"; exit 1; }
FAILS=0
fail() { echo "  FAIL: $*"; FAILS=$((FAILS+1)); }
NUL='<NULL>'

# Rows of a Parquet file as DuckDB reads them: every column as text, NULL as
# $NUL, UTC timestamps shown as plain timestamps (Strata's TIMESTAMP is UTC).
dcat() {
  local sel
  sel=$("$DUCKQ" :memory: "SELECT string_agg(CASE WHEN column_type = 'TIMESTAMP WITH TIME ZONE'
      THEN format('coalesce(CAST(CAST(\"{}\" AS TIMESTAMP) AS VARCHAR), ''$NUL'')', column_name)
      ELSE format('coalesce(CAST(\"{}\" AS VARCHAR), ''$NUL'')', column_name) END, ', ')
      FROM (DESCRIBE SELECT * FROM read_parquet('$1'))") || return 1
  "$DUCKQ" :memory: "SET TimeZone='UTC'" "SELECT $sel FROM read_parquet('$1')"
}

same_rows() { # label file
  "$TOOL" cat "$2" --null "$NUL" > "$T/s.txt" 2> "$T/s.err" || { fail "$1: Strata cannot read: $(cat "$T/s.err")"; return; }
  dcat "$2" > "$T/d.txt" 2> "$T/d.err" || { fail "$1: DuckDB cannot read: $(head -3 "$T/d.err")"; return; }
  if ! cmp -s "$T/s.txt" "$T/d.txt"; then
    fail "$1: rows differ ($(wc -l < "$T/s.txt") vs $(wc -l < "$T/d.txt") lines)"
    diff "$T/s.txt" "$T/d.txt" | head -6 | cut -c1-200
  fi
}

# ---- A. Strata writes, DuckDB reads -----------------------------------------
SCHEMA="b BOOLEAN, i8 INT8, i16 INT16, i32 INT32, i64 INT64, u64 UINT64, f FLOAT, d DOUBLE, d4 DECIMAL(4,1),
d9 DECIMAL(9,2), d18 DECIMAL(18,3), d38 DECIMAL(38,6), s VARCHAR, bl BLOB, dt DATE, ts TIMESTAMP, tsn TIMESTAMP_NS,
nn INT64 NOT NULL"
SCHEMA=$(echo "$SCHEMA" | tr '\n' ' ')
EXPECT_TYPES="BOOLEAN TINYINT SMALLINT INTEGER BIGINT UBIGINT FLOAT DOUBLE DECIMAL(4,1) DECIMAL(9,2) DECIMAL(18,3) DECIMAL(38,6) VARCHAR BLOB DATE TIMESTAMP_WITH_TIME_ZONE TIMESTAMP_NS BIGINT"
{
  echo "b,i8,i16,i32,i64,u64,f,d,d4,d9,d18,d38,s,bl,dt,ts,tsn,nn"
  # edge values first
  echo 'true,-128,-32768,-2147483648,-9223372036854775808,0,-3.4028235e38,-1.7976931348623157e308,-999.9,-9999999.99,-999999999999999.999,-99999999999999999999999999999999.999999,"",\x00,0001-01-01,1677-09-22 00:12:43.145225,1677-09-22 00:12:43.145224194,0'
  echo 'false,127,32767,2147483647,9223372036854775807,18446744073709551615,3.4028235e38,1.7976931348623157e308,999.9,9999999.99,999999999999999.999,99999999999999999999999999999999.999999,"é ✓ — 日本語",\xFF\xFE,9999-12-31,2262-04-11 23:47:16.854775,2262-04-10 23:47:16.854775806,1'
  echo ',,,,,,,,,,,,,,,,,2'
  echo 'true,0,0,0,0,1,0,-0.0,0.0,0.00,0.000,0.000000,"a,""quoted"" value",\x5C\x27\x22,1970-01-01,1970-01-01 00:00:00,1970-01-01 00:00:00,3'
  awk 'BEGIN {
    for (i = 4; i < 4000; i++) {
      n = (i % 7 == 0);
      printf "%s,", n ? "" : (i % 3 ? "true" : "false");
      printf "%s,", (i % 5 == 0) ? "" : (i % 256) - 128;
      printf "%d,", (i * 37) % 65536 - 32768;
      printf "%s,", (i % 11 == 0) ? "" : i * 7919 - 10000000;
      printf "%d,", i * 1000000007 - 2000000000000;
      printf "1844674407370%06d,", i;
      printf "%s,", (i % 13 == 0) ? "" : sprintf("%.3f", i / 7 - 200);
      printf "%.6f,", i / 3 - 500;
      printf "%.1f,", (i % 19999 - 9999) / 10;
      printf "%s,", (i % 9 == 0) ? "" : sprintf("%.2f", i * 1.37 - 2000);
      printf "%d%06d.%03d,", i - 2000, i * 7 % 1000000, i % 1000;
      printf "%s%d%020d.%06d,", (i % 2 ? "-" : ""), i, i * 99991, i % 1000000;
      if (i % 17 == 0) printf ",";
      else if (i % 5 == 1) printf "\"long value %d %s\",", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
      else printf "str_%d,", i % 50;
      printf "%s,", (i % 4 == 0) ? "" : sprintf("\\x%02X\\x%02Xb", i % 256, (i * 7) % 256);
      printf "%04d-%02d-%02d,", 1900 + i % 200, 1 + i % 12, 1 + i % 28;
      printf "%s,", (i % 6 == 0) ? "" : sprintf("%04d-%02d-%02d %02d:%02d:%02d.%06d", 1950 + i % 100, 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60, i * 37 % 1000000);
      printf "%04d-%02d-%02d %02d:%02d:%02d.%09d,", 1980 + i % 40, 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60, i * 123457 % 1000000000;
      printf "%d\n", i;
    }
  }'
} > "$T/in.csv"

for codec in zstd snappy gzip none; do
  for dict in on off; do
    f=$T/strata_${codec}_$dict.parquet
    opts=(--codec "$codec" --rg-rows 1000 --page-rows 300)
    [ $dict = off ] && opts+=(--no-dict)
    if ! "$TOOL" from-csv "$SCHEMA" "$T/in.csv" "$f" "${opts[@]}" 2> "$T/w.err"; then
      fail "write $codec/$dict: $(cat "$T/w.err")"; continue
    fi
    label="Strata->DuckDB $codec dict=$dict"
    same_rows "$label" "$f"
    types=$("$DUCKQ" :memory: "SELECT string_agg(replace(column_type, ' ', '_'), ' ') FROM (DESCRIBE SELECT * FROM read_parquet('$f'))")
    [ "$types" = "$EXPECT_TYPES" ] || fail "$label: types are: $types"
    # NULL counts per column
    dn=$("$DUCKQ" :memory: "SELECT $(for c in b i8 i16 i32 i64 u64 f d d4 d9 d18 d38 s bl dt ts tsn nn; do printf "count(*)-count(%s)," $c; done) 0 FROM read_parquet('$f')")
    sn=$(awk -F, -v n="$NUL" '{ for (i = 1; i <= NF; i++) if ($i == n) c[i]++ } END { for (i = 1; i <= 18; i++) printf "%d,", c[i] + 0; printf "0" }' <("$TOOL" cat "$f" "b,i8,i16,i32,i64,u64,f,d,d4,d9,d18,d38,nn,nn,dt,ts,tsn,nn" --null "$NUL"))
    # (s and bl may contain commas in their text: count them from DuckDB's side only)
    dn_cmp=$(echo "$dn" | awk -F, '{ $13 = $14 = 0; OFS = ","; print }' OFS=,)
    sn_cmp=$(echo "$sn" | awk -F, '{ $13 = $14 = 0; OFS = ","; print }' OFS=,)
    [ "$dn_cmp" = "$sn_cmp" ] || fail "$label: NULL counts differ: duckdb $dn strata $sn"
    # statistics: DuckDB prunes row groups with them; counts must match a copy
    for pred in "i32 > 5000000" "i64 < -1000000000000" "s = 'str_7'" "s > 'long value 3'" "d9 >= 1000.5" \
                "d38 < 0" "dt > DATE '2050-06-01'" "ts < TIMESTAMP '1960-01-01'" "u64 > 18446744073709551000" \
                "f > 300.5" "bl = '\\x07\\x31b'::BLOB" "i8 IS NULL" "b = false"; do
      a=$("$DUCKQ" :memory: "SELECT count(*) FROM read_parquet('$f') WHERE $pred")
      c=$("$DUCKQ" :memory: "CREATE TABLE t AS SELECT * FROM read_parquet('$f')" "SELECT count(*) FROM t WHERE $pred")
      [ "$a" = "$c" ] || fail "$label: '$pred' counts $a on the file, $c on a copy"
    done
  done
done
# created_by parses as "<app> version <x> (build <y>)"
cb=$("$DUCKQ" :memory: "SELECT created_by FROM parquet_file_metadata('$T/strata_zstd_on.parquet')")
[[ "$cb" =~ ^strata\ version\ [0-9]+\.[0-9]+\.[0-9]+\ \(build\ .+\)$ ]] || fail "created_by is '$cb'"

# ---- B. DuckDB writes, Strata reads -----------------------------------------
Q="SELECT i::INTEGER AS i,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 2654435761)::BIGINT END AS big,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'name_' || (i % 37) END AS s,
  'x' || repeat('y', (i % 90)::INTEGER) AS longs,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 1.37 - 3000)::DECIMAL(9,2) END AS d9,
  (i * 12345.678 - 1e6)::DECIMAL(18,3) AS d18,
  (i::DECIMAL(38,0) * 1000000000000000000000 + 17)::DECIMAL(38,2) AS d38,
  (i % 100 - 50)::DECIMAL(4,1) AS d4,
  DATE '1999-12-31' + (i % 4000 - 2000)::INTEGER AS dt,
  CASE WHEN i % 13 = 0 THEN NULL ELSE TIMESTAMP '2021-03-04 05:06:07' + to_microseconds(i * 1234567 - 5000000000) END AS ts,
  (TIMESTAMP '2021-03-04' + to_microseconds(i * 1000))::TIMESTAMPTZ AS tstz,
  TIMESTAMP '2001-02-03' + to_microseconds(i * 1000)::INTERVAL AS tsmore,
  i % 3 = 0 AS b,
  CASE WHEN i % 19 = 0 THEN NULL ELSE (i / 7.0)::FLOAT END AS f,
  (i / 3.0 - 100)::DOUBLE AS d,
  (i % 100 - 50)::TINYINT AS t8, (i * 3 - 7000)::SMALLINT AS t16,
  (i * 7)::UBIGINT AS ub, (i % 250)::UTINYINT AS u8, (i * 11)::USMALLINT AS u16, (i * 13)::UINTEGER AS u32,
  (i * 1000003)::HUGEINT AS hi,
  CASE WHEN i % 17 = 0 THEN NULL ELSE from_hex(lpad(to_hex(i % 65536), 4, '0')) END AS bl,
  CASE WHEN i % 4 = 0 THEN NULL ELSE ['a', 'b', 'c'][1 + i % 3] END AS enumish
FROM range(5000) t(i)"
for codec in zstd snappy gzip uncompressed; do
  for dict in on off; do
    for ver in V1 V2; do
      f=$T/duck_${codec}_${dict}_$ver.parquet
      extra=""
      [ $dict = off ] && extra=", DICTIONARY_SIZE_LIMIT 1"
      if ! "$DUCKQ" :memory: "COPY ($Q) TO '$f' (FORMAT parquet, COMPRESSION $codec, PARQUET_VERSION $ver, ROW_GROUP_SIZE 2048$extra)" > /dev/null 2> "$T/dw.err"; then
        fail "DuckDB cannot write $codec/$dict/$ver: $(head -2 "$T/dw.err")"; continue
      fi
      same_rows "DuckDB->Strata $codec dict=$dict $ver" "$f"
    done
  done
done

# ---- C. the CLI: strata export ... OUT.parquet ------------------------------
if [ -x "${STRATA:-}" ]; then
  W=$T/wh
  "$STRATA" -w "$W" init > /dev/null
  awk 'BEGIN { print "id,name,price,qty,day,ts";
    for (i = 0; i < 3000; i++)
      printf "%d,%s,%.2f,%s,2025-%02d-%02d,2025-01-01 %02d:%02d:%02d\n", i, (i % 9 ? "item" i % 40 : ""),
             i * 0.37, (i % 7 ? i % 13 : ""), 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60 }' > "$T/cli.csv"
  if "$STRATA" -w "$W" ingest bronze.items "$T/cli.csv" > /dev/null 2> "$T/ing.err"; then
    "$STRATA" -w "$W" export bronze.items "$T/cli_out.csv" --no-lineage > /dev/null
    ref=$("$DUCKQ" :memory: "SELECT count(*), sum(id), count(name), count(DISTINCT name), round(sum(price), 2), sum(qty), min(day)::VARCHAR, max(ts)::VARCHAR FROM read_csv('$T/cli_out.csv', header = true)")
    for codec in zstd snappy gzip none; do
      if ! "$STRATA" -w "$W" export bronze.items "$T/cli_$codec.parquet" --no-lineage --compression $codec > /dev/null 2> "$T/ex.err"; then
        fail "strata export --compression $codec: $(cat "$T/ex.err")"; continue
      fi
      got=$("$DUCKQ" :memory: "SET TimeZone='UTC'" "SELECT count(*), sum(id), count(name), count(DISTINCT name), round(sum(price), 2), sum(qty), min(day)::VARCHAR, max(ts)::TIMESTAMP::VARCHAR FROM read_parquet('$T/cli_$codec.parquet')")
      [ "$got" = "$ref" ] || fail "strata export $codec: DuckDB reads '$got', the CSV export gives '$ref'"
    done
  else
    fail "strata ingest for the CLI export test: $(cat "$T/ing.err")"
  fi
fi

echo "test_parquet.sh: $([ $FAILS -eq 0 ] && echo ok || echo "$FAILS failures")"
[ $FAILS -eq 0 ]
