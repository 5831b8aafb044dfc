# test_bronze_validate.sh: record-level validation and the quarantine: a
# registered schema with rules, every kind of bad record landing in
# TABLE__rejects with its raw text (BLOB when not UTF-8), line and every
# reason, accepted + rejected = read, --evolve, unknown columns, reserved
# names, and the summary by reason.
. tests/cli/lib.sh
W="$T/wh"
S() { "$STRATA" -w "$W" "$@"; }
S init >/dev/null
cat > "$T/schema.json" <<'JSON'
{"fields": [
  {"name": "order_id", "type": "VARCHAR", "nullable": false, "regex": "O[0-9]+", "max_length": 8},
  {"name": "price", "type": "DECIMAL(10,2)", "min": 0, "max": 1000},
  {"name": "status", "type": "VARCHAR", "allowed": ["new", "paid", "shipped"]},
  {"name": "day", "type": "DATE", "min": "2020-01-01"}
]}
JSON
{
  echo "order_id,price,status,day"
  echo "O1,10.50,new,2025-01-01"          # 2 ok
  echo "O2,-1,paid,2025-01-02"            # 3 below_min
  echo "X3,5,lost,2025-01-03"             # 4 regex + not_allowed
  echo ",5,new,2025-01-04"                # 5 null_not_allowed
  echo "O5,abc,new,2025-01-05"            # 6 bad_value (reader)
  echo "O6,5,new"                         # 7 ragged_row (reader)
  printf 'O7,5,n\xffw,2025-01-07\n'       # 8 invalid_utf8 (reader): raw kept as BLOB
  echo "O8,5,new,2019-12-31"              # 9 below_min (date)
  echo "O123456789,5,new,2025-01-09"      # 10 too_long
  echo "O10,999.99,shipped,2025-01-10"    # 11 ok
  echo "\"O11\",\"7.25\",\"paid\",2025-01-11" # 12 ok (quoted)
} > "$T/orders.csv"
run S ingest bronze.orders "$T/orders.csv" --schema "$T/schema.json" --format json
expect_rc 0
expect_out '"read": 11'; expect_out '"accepted": 3'; expect_out '"rejected": 8'
for r in below_min regex_mismatch not_allowed null_not_allowed bad_value ragged_row invalid_utf8 too_long; do
  expect_out "\"$r\""
done
run S export bronze.orders__rejects -; expect_rc 0
expect_out "_ingest_id,_source,_line,_ingested_at,reasons,reason_codes,raw,raw_blob,raw_truncated,record_bytes"
expect_out "$T/orders.csv,3,"; expect_out "column price: -1.00 is below the minimum 0.00"
expect_out "regex_mismatch,not_allowed" ; expect_out "X3,5,lost,2025-01-03"
expect_out "column order_id: NULL is not allowed"
expect_out 'O7,5,n\xFFw,2025-01-07'   # the BLOB column, escaped as DuckDB prints it
[ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 8 ] || _fail "8 quarantined records expected"
run S export bronze.orders - --no-lineage; expect_rc 0
expect_out "O1,10.50,new,2025-01-01"; expect_out "O11,7.25,paid,2025-01-11"
run S describe bronze.orders; expect_rc 0
expect_out "regex O[0-9]+"; expect_out "one of [new, paid, shipped]"; expect_out "quarantined 8"
run S log bronze.orders; expect_rc 0; expect_out "rejects:"

# the registered schema stays; a different --schema is refused
printf '{"fields":[{"name":"x","type":"INT"}]}' > "$T/other.json"
run S ingest bronze.orders "$T/orders.csv" --schema "$T/other.json"; expect_rc 1; expect_err "already has a registered schema"
# a bad schema file: clear error, nothing created
printf '{"fields":[{"name":"a","type":"INT","min":"x"}]}' > "$T/bad.json"
run S ingest bronze.bad "$T/orders.csv" --schema "$T/bad.json"; expect_rc 1; expect_err "bad.json"
printf '{"fields":[{"name":"_line","type":"INT"}]}' > "$T/res.json"
run S ingest bronze.bad "$T/orders.csv" --schema "$T/res.json"; expect_rc 1; expect_err "lineage column"
run S tables --format csv; expect_no_out "bronze.bad"

# unknown columns: quarantined without --evolve, a new column with it
printf 'id,name\n1,a\n2,b\n' > "$T/v1.csv"
printf 'id,name,colour\n3,c,red\n4,d,blue\n' > "$T/v2.csv"
run S ingest bronze.ev "$T/v1.csv"; expect_rc 0
run S ingest bronze.ev "$T/v2.csv" --format json; expect_rc 0; expect_out '"rejected": 2'; expect_out '"unknown_field"'
run S ingest bronze.ev "$T/v2.csv" --evolve --format json; expect_rc 0; expect_out '"accepted": 2'
run S export bronze.ev - --no-lineage; expect_rc 0
expect_out "id,name,colour"; expect_out "1,a,"; expect_out "3,c,red"
run S describe bronze.ev --format json; expect_rc 0; expect_out '"id": 3'; expect_out '"schema_id": 1'
run S export bronze.ev - --no-lineage --as-of 0; expect_rc 0; expect_out_eq $'id,name\n1,a\n2,b'

# NDJSON: required keys, unknown keys, nested names, broken JSON, --evolve
cat > "$T/ev.schema.json" <<'JSON'
{"fields": [
  {"name": "id", "type": "INT64", "nullable": false},
  {"name": "user", "type": "VARCHAR", "required": true},
  {"name": "device.os", "type": "VARCHAR", "allowed": ["ios", "android"]}
]}
JSON
{
  echo '{"id":1,"user":"ann","device":{"os":"ios"}}'       # 1 ok
  echo '{"id":2,"user":null,"device":{"os":"android"}}'    # 2 ok: present, null
  echo '{"id":3,"device":{"os":"ios"}}'                    # 3 missing_required
  echo '{"id":4,"user":"bo","colour":"red"}'               # 4 unknown_field
  echo '{"id":5,"user":"cy","device":{"os":"beos"}}'       # 5 not_allowed
  echo '{"id":6,"user":"di"'                               # 6 malformed
  echo '{"id":"seven","user":"ed"}'                        # 7 bad_value
  echo '{"user":"fi"}'                                     # 8 null_not_allowed + ok user
  echo '{"id":9,"device":{"os":"palm"}}'                   # 9 missing_required + not_allowed
} > "$T/ev.ndjson"
run S ingest bronze.ev2 "$T/ev.ndjson" --schema "$T/ev.schema.json" --format json; expect_rc 0
expect_out '"read": 9'; expect_out '"accepted": 2'; expect_out '"rejected": 7'
for r in missing_required unknown_field not_allowed malformed bad_value null_not_allowed; do expect_out "\"$r\""; done
run S export bronze.ev2__rejects - ; expect_rc 0
expect_out "column user: the required key is missing"
expect_out 'column user: the required key is missing; column device.os: '"'"'palm'"'"' is not one of the 2 allowed values'
run S export bronze.ev2 - --no-lineage; expect_rc 0; expect_out_eq $'id,user,device.os\n1,ann,ios\n2,,android'
printf '{"id":10,"user":"gu","colour":"blue","size":3}\n' > "$T/ev2.ndjson"
run S ingest bronze.ev2 "$T/ev2.ndjson" --evolve --format json; expect_rc 0; expect_out '"accepted": 1'
run S export bronze.ev2 - --no-lineage; expect_rc 0
expect_out "id,user,device.os,colour,size"; expect_out "1,ann,ios,,"; expect_out "10,gu,,blue,3"

# invariant over a messy file: accepted + rejected = records read
{ echo "a,b"; for i in $(seq 1 300); do
    case $((i % 5)) in 0) echo "$i";; 1) echo "$i,x,y";; *) echo "$i,v$i";; esac; done; } > "$T/messy.csv"
run S ingest bronze.m "$T/messy.csv" --format json; expect_rc 0
expect_out '"read": 300'; expect_out '"accepted": 180'; expect_out '"rejected": 120'
finish
