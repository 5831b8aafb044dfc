# test_export_parquet.sh: `strata export TABLE OUT.parquet`: each codec gives
# a complete Parquet file (magic at both ends) with the rows reported; the
# format comes from --as or the extension; stdout, unknown codecs and
# --compression on CSV are usage errors (exit 2).  DuckDB reading the files
# back is tests/peer/test_parquet.sh.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
run S init; expect_rc 0
printf 'id,name,price,ts\n1,apple,1.5,2024-01-01 10:00:00\n2,pear,2.25,2024-01-02 11:00:00\n3,,0.5,\n' > "$T/a.csv"
run S ingest bronze.fruit "$T/a.csv"; expect_rc 0
magic() { [ "$(head -c 4 "$1")" = PAR1 ] && [ "$(tail -c 4 "$1")" = PAR1 ]; }
for c in zstd snappy gzip none; do
  run S export bronze.fruit "$T/f_$c.parquet" --compression $c; expect_rc 0; expect_out "exported 3 rows"
  magic "$T/f_$c.parquet" || _fail "$c: not a Parquet file"
done
run S export bronze.fruit "$T/out.data" --as parquet --no-lineage --format json; expect_rc 0; expect_out '"rows": 3'
magic "$T/out.data" || _fail "--as parquet: not a Parquet file"
run S export bronze.fruit "$T/f.parquet" --as-of 0; expect_rc 0
run S export bronze.fruit - --as parquet; expect_rc 2; expect_err "needs a file"
run S export bronze.fruit "$T/x.parquet" --compression lz4; expect_rc 2; expect_err "unknown Parquet compression 'lz4'"
run S export bronze.fruit "$T/x.csv" --compression zstd; expect_rc 2; expect_err "Parquet output only"
run S export bronze.fruit "$T/x.txt"; expect_rc 2; expect_err "*.parquet"
[ -e "$T/x.parquet" ] && _fail "a refused export left a file"
finish
