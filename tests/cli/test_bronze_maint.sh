# test_bronze_maint.sh: compact (no data change, lineage kept, old versions
# readable), vacuum (retention floor, --force, never a file a retained
# snapshot needs, orphans by age, time travel says what was vacuumed),
# restore (old content back as a new commit), verify after each.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
S init >/dev/null
for i in 1 2 3 4 5; do
  { echo "id,v"; for k in 1 2 3; do echo "$((i * 10 + k)),b$i"; done; } > "$T/b$i.csv"
  S ingest bronze.m "$T/b$i.csv" -q || _fail "ingest $i"
done
S export bronze.m - > "$T/before.csv"
run S compact bronze.m; expect_rc 0; expect_out "5 segments -> 1"; expect_out "as version 5"
S export bronze.m - > "$T/after.csv"
cmp -s "$T/before.csv" "$T/after.csv" || _fail "compaction changed rows or lineage"
run S export bronze.m - --as-of 4; expect_rc 0
[ "$OUT" == "$(cat "$T/before.csv")" ] || _fail "the version before compaction reads differently"
run S log bronze.m; expect_rc 0; expect_out "compact"
run S compact bronze.m; expect_rc 0; expect_out "nothing to compact"
run S verify bronze.m; expect_rc 0; expect_out "ok"

# vacuum: the floor, then --force
run S vacuum bronze.m --retain 1h; expect_rc 1; expect_err "below the warehouse minimum of 7d"
run S vacuum bronze.m; expect_rc 2
run S vacuum bronze.m --retain 7d; expect_rc 0; expect_out "deleted 0 files"
# an orphan (a crashed writer's segment): recent ones are kept, old ones go
touch "$T/x"; cp "$T/x" "$W/bronze/m/data/0123456789abcdef0123456789abcdef.seg"
cp "$T/x" "$W/bronze/m/data/fedcba9876543210fedcba9876543210.seg"
touch -d "3 hours ago" "$W/bronze/m/data/fedcba9876543210fedcba9876543210.seg"
run S verify bronze.m; expect_rc 0; expect_out "warning"; expect_out "orphan"
run S vacuum bronze.m --retain 0s --force --dry-run; expect_rc 0; expect_out "would delete 6 files"
[ "$(ls "$W/bronze/m/data" | wc -l)" = 8 ] || _fail "a dry run deleted files"
run S vacuum bronze.m --retain 0s --force --format json; expect_rc 0
expect_out '"files": 6'; expect_out '"orphans": 1'; expect_out '"orphans_kept": 1'; expect_out '"readable_from": 5'
[ -e "$W/bronze/m/data/0123456789abcdef0123456789abcdef.seg" ] || _fail "a recent orphan was deleted"
run S export bronze.m -; expect_rc 0
[ "$OUT" == "$(cat "$T/before.csv")" ] || _fail "vacuum changed the current snapshot"
run S export bronze.m - --as-of 3; expect_rc 1; expect_err "no longer readable"; expect_err "versions 5 to 6"
run S describe bronze.m --as-of 3; expect_rc 0   # the schema of any version stays known
run S verify bronze.m; expect_rc 0
run S log bronze.m; expect_out "vacuum"; expect_out "readable from v5"

# restore
{ echo "id,v"; echo "99,late"; } > "$T/late.csv"
S ingest bronze.m "$T/late.csv" -q
run S restore bronze.m 6; expect_rc 0; expect_out "restored bronze.m to version 6 as version 8"
run S export bronze.m -; [ "$OUT" == "$(cat "$T/before.csv")" ] || _fail "restore did not bring version 6 back"
run S restore bronze.m 7; expect_rc 0
run S export bronze.m - --no-lineage; expect_out "99,late"
run S restore bronze.m 2; expect_rc 1; expect_err "no longer readable"
run S restore bronze.m 42; expect_rc 1; expect_err "does not exist"
run S verify bronze.m; expect_rc 0
finish
