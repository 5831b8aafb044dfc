# test_bronze_e2e.sh: three ingests -> three versions in `strata log`, and
# reading as of each version (and each commit's timestamp) returns exactly
# the rows committed up to it; describe/tables/export; names that could
# leave the warehouse are refused.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
run S init; expect_rc 0; expect_out "created warehouse"
run S init; expect_rc 0; expect_out "already exists"

printf 'id,name,price\n1,apple,1.5\n2,pear,2.25\n' > "$T/a.csv"
printf 'id,name,price\n3,fig,0.99\n4,kiwi,3.1\n5,lime,0.5\n' > "$T/b.csv"
printf 'id,name,price\n6,plum,1.75\n' > "$T/c.csv"
export STRATA_NOW="2026-01-31 10:00:00"
run S ingest bronze.fruit "$T/a.csv"; expect_rc 0; expect_out "2 accepted"; expect_out "table created"
export STRATA_NOW="2026-01-31 11:00:00"
run S ingest bronze.fruit "$T/b.csv"; expect_rc 0; expect_out "version 1"
export STRATA_NOW="2026-01-31 12:00:00"
run S ingest bronze.fruit "$T/c.csv" --format json; expect_rc 0; expect_out '"last_version": 2'
unset STRATA_NOW

run S log bronze.fruit --format csv
expect_rc 0
[ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 3 ] || _fail "log should list 3 versions"
expect_out "2,2026-01-31 12:00:00,append,1,0,0,6,"
expect_out "0,2026-01-31 10:00:00,create,2,0,0,2,"

# as of each version: exactly the rows committed up to it
want0=$'1,apple,1.5\n2,pear,2.25'
want1=$'1,apple,1.5\n2,pear,2.25\n3,fig,0.99\n4,kiwi,3.1\n5,lime,0.5'
want2=$'1,apple,1.5\n2,pear,2.25\n3,fig,0.99\n4,kiwi,3.1\n5,lime,0.5\n6,plum,1.75'
for v in 0 1 2; do
  run S export bronze.fruit - --as-of $v --no-lineage; expect_rc 0
  w=want$v; [ "$(printf '%s\n' "$OUT" | tail -n +2 | sort -n)" == "${!w}" ] || _fail "as of $v: wrong rows"
done
# by timestamp: between commits resolves to the earlier one
run S export bronze.fruit - --as-of "2026-01-31 11:30:00" --no-lineage; expect_rc 0
[ "$(printf '%s\n' "$OUT" | tail -n +2 | sort -n)" == "$want1" ] || _fail "as of 11:30: wrong rows"
run S export bronze.fruit - --as-of "2026-01-31 10:00:00" --no-lineage; expect_rc 0
[ "$(printf '%s\n' "$OUT" | tail -n +2 | sort -n)" == "$want0" ] || _fail "as of 10:00 exactly: wrong rows"
# out of range: the error states the range
run S export bronze.fruit - --as-of 7; expect_rc 1; expect_err "versions 0 to 2 exist"
run S export bronze.fruit - --as-of "2026-01-30 00:00:00"; expect_rc 1; expect_err "no version at or before"
run S describe bronze.fruit --as-of 9; expect_rc 1; expect_err "versions 0 to 2 exist"

# lineage columns
run S export bronze.fruit -; expect_rc 0
expect_out "_ingest_id,_source,_line,_ingested_at"
expect_out "6,plum,1.75,2,$T/c.csv,2,2026-01-31 12:00:00"
expect_out "3,fig,0.99,1,$T/b.csv,2,2026-01-31 11:00:00"

# describe and tables
run S describe bronze.fruit; expect_rc 0; expect_out "version 2"; expect_out "rows 6"
run S describe bronze.fruit --as-of 0 --format json; expect_rc 0; expect_out '"rows": 2'
run S tables --format csv; expect_rc 0; expect_out "bronze.fruit,2,6,0,"
run S export bronze.fruit "$T/out.csv" --as-of 1; expect_rc 0; expect_out "exported 5 rows"
[ "$(wc -l < "$T/out.csv")" = 6 ] || _fail "export file should have 5 rows + header"

# names that could leave the warehouse are refused, and nothing is written
for bad in 'bronze/../x' 'bronze...' '../etc.passwd' 'bronze.a/b' 'bronze.a b' 'gold..x' 'bronze.'; do
  run S ingest "$bad" "$T/a.csv"; expect_rc 1; expect_err "bad table name"
done
[ "$(ls "$W")" = "$(printf 'bronze\ngold\nsilver\nstrata.json')" ] || _fail "a bad name created something"
run S ingest silver.x "$T/a.csv"; expect_rc 1; expect_err "Bronze tables"
run S ingest bronze.x__rejects "$T/a.csv"; expect_rc 1
run S log bronze.nope; expect_rc 1; expect_err "no table bronze.nope"; expect_err "bronze.fruit"
run S ingest bronze.fruit; expect_rc 2
run S ingest bronze.fruit "$T/a.csv" --idempotency-key nocolon; expect_rc 2
run "$STRATA" -w "$T/nowh" tables; expect_rc 1; expect_err "strata -w $T/nowh init"

# not CSV or NDJSON at all: clear error, no commit
head -c 3000 /dev/urandom > "$T/blob.bin"; printf 'PAR1xxxxPAR1' > "$T/x.parquet"
run S ingest bronze.fruit "$T/x.parquet"; expect_rc 1; expect_err "Parquet"
run S ingest bronze.fruit "$T/blob.bin"; expect_rc 1; expect_err "blob.bin"
run S ingest bronze.newt "$T/blob.bin"; expect_rc 1
run S log bronze.fruit --format csv; [ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 3 ] || _fail "a failed ingest committed"
run S tables --format csv; expect_no_out "bronze.newt"
# an empty file creates nothing; a header-only file creates an empty table
: > "$T/empty.csv"; printf 'a,b\n' > "$T/header.csv"
run S ingest bronze.empty "$T/empty.csv"; expect_rc 1; expect_err "nothing to create"
run S ingest bronze.hdr "$T/header.csv"; expect_rc 0; expect_out "0 records read"; expect_out "table created"
run S describe bronze.hdr --format json; expect_rc 0; expect_out '"rows": 0'
run S ingest bronze.fruit "$T/empty.csv"; expect_rc 0; expect_out "nothing to commit"

# idempotency: a replayed batch is not appended twice
run S ingest bronze.fruit "$T/c.csv" --idempotency-key nightly:7; expect_rc 0; expect_out "version 3"
run S ingest bronze.fruit "$T/c.csv" --idempotency-key nightly:7; expect_rc 0; expect_out "already committed"
run S ingest bronze.fruit "$T/c.csv" --idempotency-key nightly:6; expect_rc 0; expect_out "already committed"
run S ingest bronze.fruit "$T/c.csv" --idempotency-key nightly:8 --format json; expect_rc 0; expect_out '"duplicate": false'
run S log bronze.fruit --format json; expect_out '"idempotency_key": "nightly:8"'
finish
