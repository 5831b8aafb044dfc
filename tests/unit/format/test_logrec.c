/*
 * test_logrec.c: commit-log entry and checkpoint codec: round trips, torn and
 * corrupt files (every truncation, bit flips), strict decoding, replay rules
 * and checkpoint equivalence.
 */
#include "test_util.h"

#include "format/logrec.h"
#include "format/types.h"

static void fake_id(char id[ST_SEG_ID_LEN + 1], unsigned n) {
    snprintf(id, ST_SEG_ID_LEN + 1, "%032x", n);
}

static st_tschema *schema2(void) {
    st_tschema *s = st_tschema_new();
    st_field_rules r = {0};
    char *allowed[] = {"new", "paid"};
    r.allowed = allowed;
    r.nallowed = 2;
    r.max_length = 10;
    ST_ASSERT_OK(st_tschema_add(s, "id", st_type_make(ST_T_INT64), 0, false, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(s, "status", st_type_make(ST_T_VARCHAR), 0, true, &r, &err_));
    s->schema_id = 1;
    return s;
}

static void add_seg(st_logentry *le, unsigned n, uint64_t rows, uint8_t side) {
    le->adds = realloc(le->adds, (le->nadds + 1) * sizeof *le->adds);
    st_segrec *r = &le->adds[le->nadds++];
    memset(r, 0, sizeof *r);
    fake_id(r->id, n);
    r->side = side;
    r->rows = rows;
    r->bytes = rows * 10;
    r->nzones = 1;
    r->zones = calloc(1, sizeof *r->zones);
    r->zones[0].field_id = 1;
    st_zonemap_init(&r->zones[0].zm, st_type_make(ST_T_INT64));
    r->zones[0].zm.rows = rows;
    r->zones[0].zm.has_min = r->zones[0].zm.has_max = true;
    r->zones[0].zm.min.v.i64 = (int64_t)n;
    r->zones[0].zm.max.v.i64 = (int64_t)(n + rows);
    r->nruns = 1;
    r->runs = calloc(1, sizeof *r->runs);
    r->runs[0].rows = rows;
    r->runs[0].source = strdup("sales.csv");
    r->runs[0].ingest_id = r->runs[0].ingested_at = ST_LINEAGE_THIS;
}

static st_logentry *mk_entry(int64_t v, int64_t ts, st_log_op op) {
    st_logentry *le = st_logentry_new();
    le->version = v;
    le->ts_us = ts;
    le->op = (uint8_t)op;
    le->read_version = v - 1;
    if (v == 0) le->schema = schema2();
    return le;
}

static void encode(const st_logentry *le, st_sbuf *sb) {
    st_sbuf_clear(sb);
    ST_ASSERT_OK(st_logentry_encode(le, sb, &err_));
}

static void test_entry_round_trip(void **state) {
    (void)state;
    st_logentry *le = mk_entry(0, 1700000000000000, ST_OP_CREATE);
    add_seg(le, 1, 100, ST_SIDE_DATA);
    add_seg(le, 2, 3, ST_SIDE_REJECTS);
    le->txn_app = strdup("loader");
    le->txn_seq = 42;
    le->stream_key = strdup("/data/in.ndjson");
    le->stream_offset = 12345;
    le->stream_line = 103;
    le->has_counts = true;
    le->n_read = 103;
    le->n_accepted = 100;
    le->n_rejected = 3;
    le->nreasons = 1;
    le->reasons = calloc(1, sizeof *le->reasons);
    le->reasons[0].code = strdup("bad_value");
    le->reasons[0].count = 3;
    le->nsources = 1;
    le->sources = calloc(1, sizeof *le->sources);
    le->sources[0].name = strdup("sales.csv");
    le->sources[0].first_line = 2;
    le->sources[0].last_line = 104;
    le->sources[0].byte_end = 12345;
    st_sbuf sb = ST_SBUF_INIT;
    encode(le, &sb);
    st_logentry *back;
    ST_ASSERT_OK(st_logentry_decode(sb.p, sb.len, "e0", 0, &back, &err_));
    assert_int_equal(back->nadds, 2);
    assert_string_equal(back->adds[1].id, le->adds[1].id);
    assert_int_equal(back->adds[1].side, ST_SIDE_REJECTS);
    assert_int_equal(back->adds[0].zones[0].zm.max.v.i64, 101);
    assert_int_equal(back->adds[0].runs[0].ingest_id, ST_LINEAGE_THIS);
    assert_string_equal(back->txn_app, "loader");
    assert_int_equal(back->txn_seq, 42);
    assert_int_equal(back->stream_offset, 12345);
    assert_int_equal(back->reasons[0].count, 3);
    assert_true(st_tschema_equal(back->schema, le->schema));
    /* re-encoding gives the same bytes */
    st_sbuf sb2 = ST_SBUF_INIT;
    encode(back, &sb2);
    assert_int_equal(sb.len, sb2.len);
    assert_memory_equal(sb.p, sb2.p, sb.len);
    st_sbuf_free(&sb2);
    st_logentry_free(back);
    st_logentry_free(le);
    st_sbuf_free(&sb);
}

static void test_torn_and_corrupt(void **state) {
    (void)state;
    st_logentry *le = mk_entry(0, 1700000000000000, ST_OP_CREATE);
    add_seg(le, 7, 10, ST_SIDE_DATA);
    st_sbuf sb = ST_SBUF_INIT;
    encode(le, &sb);
    st_logentry *back;
    /* every truncation is refused, with the file named */
    for (size_t n = 0; n < sb.len; n++) {
        st_status rc = st_logentry_decode(sb.p, n, "bronze/t/_log/00000000000000000000.json", 0, &back, &err_);
        assert_int_equal(rc, ST_ERR_CORRUPT);
        assert_non_null(strstr(err_.msg, "bronze/t/_log/00000000000000000000.json"));
    }
    /* every single bit flip is refused (checksum, seal or JSON) */
    char *copy = malloc(sb.len);
    for (size_t i = 0; i < sb.len; i++) {
        for (int b = 0; b < 8; b += 3) {
            memcpy(copy, sb.p, sb.len);
            copy[i] ^= (char)(1 << b);
            st_status rc = st_logentry_decode(copy, sb.len, "x", 0, &back, &err_);
            if (rc == ST_OK) fail_msg("flip of bit %d at byte %zu was accepted", b, i);
        }
    }
    /* trailing garbage after the seal */
    memcpy(copy, sb.p, sb.len);
    st_sbuf_append(&sb, "x", 1);
    ST_ASSERT_ERR(st_logentry_decode(sb.p, sb.len, "x", 0, &back, &err_), ST_ERR_CORRUPT);
    free(copy);
    /* the version in the name must match */
    encode(le, &sb);
    ST_ASSERT_ERR(st_logentry_decode(sb.p, sb.len, "x", 3, &back, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "its name says 3"));
    st_logentry_free(le);
    st_sbuf_free(&sb);
}

/* Seal arbitrary JSON text the way the encoder does, to test body checks. */
#include "format/hash.h"
static void seal(st_sbuf *sb, const char *body) {
    st_sbuf_clear(sb);
    st_sbuf_printf(sb, "%s\n", body);
    char h[17];
    uint64_t x = st_checksum64(sb->p, sb->len);
    for (int i = 15; i >= 0; i--, x >>= 4) h[i] = "0123456789abcdef"[x & 15];
    h[16] = 0;
    st_sbuf_printf(sb, "{\"xxh3\":\"%s\"}\n", h);
}

static void test_strict_body(void **state) {
    (void)state;
    st_sbuf sb = ST_SBUF_INIT;
    st_logentry *le;
    static const char *const bad[] = {
        "[]",
        "{\"strata_log\":3,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"extra\":1}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"frob\",\"read_version\":0}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":5}",
        "{\"strata_log\":1,\"version\":0,\"ts\":1,\"op\":\"create\",\"read_version\":-1}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"remove\":[\"00000000000000000000000000000001\"]}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"add\":[{\"id\":\"zz\",\"side\":\"data\",\"rows\":1,\"bytes\":1,\"zones\":[],\"lineage\":[{\"rows\":1,\"source\":\"a\"}]}]}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"add\":[{\"id\":\"00000000000000000000000000000001\",\"side\":\"data\",\"rows\":2,\"bytes\":1,\"zones\":[],\"lineage\":[{\"rows\":1,\"source\":\"a\"}]}]}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"counts\":{\"read\":3,\"accepted\":1,\"rejected\":1,\"reasons\":{}}}",
        "{\"strata_log\":1,\"version\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0}",
        "{\"strata_log\":1,\"version\":2,\"ts\":1,\"op\":\"vacuum\",\"read_version\":1}",
        "{\"strata_log\":1,\"version\":2,\"ts\":1,\"op\":\"restore\",\"read_version\":1,\"restore_of\":2}",
        NULL};
    for (int i = 0; bad[i]; i++) {
        seal(&sb, bad[i]);
        st_status rc = st_logentry_decode(sb.p, sb.len, "x", -1, &le, &err_);
        if (rc == ST_OK) fail_msg("accepted bad entry %d: %s", i, bad[i]);
    }
    seal(&sb, "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"add\":[{\"id\":"
              "\"00000000000000000000000000000001\",\"side\":\"data\",\"rows\":1,\"bytes\":1,\"zones\":[],"
              "\"lineage\":[{\"rows\":1,\"source\":\"a\"}]}]}");
    ST_ASSERT_OK(st_logentry_decode(sb.p, sb.len, "x", 1, &le, &err_));
    st_logentry_free(le);
    st_sbuf_free(&sb);
}

static void test_schema_file(void **state) {
    (void)state;
    json_error_t je;
    json_t *j = json_loads("{\"fields\":[{\"name\":\"price\",\"type\":\"DECIMAL(10,2)\",\"min\":0,\"max\":99999.5},"
                           "{\"name\":\"day\",\"type\":\"DATE\",\"min\":\"2020-01-01\",\"nullable\":false},"
                           "{\"name\":\"sku\",\"type\":\"VARCHAR\",\"regex\":\"^[A-Z]+$\",\"max_length\":8,\"required\":true}]}",
                           0, &je);
    st_tschema *s;
    ST_ASSERT_OK(st_tschema_from_json(j, false, &s, &err_));
    json_decref(j);
    assert_int_equal(s->nfields, 3);
    assert_int_equal(s->fields[2].id, 3);
    assert_string_equal(s->fields[0].rules.min, "0.00");
    assert_string_equal(s->fields[0].rules.max, "99999.50");
    assert_false(s->fields[1].nullable);
    assert_true(s->fields[2].rules.required);
    /* the log form round-trips */
    json_t *lj = st_tschema_to_json(s, true);
    st_tschema *s2;
    ST_ASSERT_OK(st_tschema_from_json(lj, true, &s2, &err_));
    assert_true(st_tschema_equal(s, s2));
    json_decref(lj);
    st_tschema_free(s2);
    st_tschema_free(s);
    static const char *const bad[] = {
        "{\"fields\":[]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\",\"min\":\"x\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\",\"min\":5,\"max\":1}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"VARCHAR\",\"min\":\"a\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\",\"regex\":\"x\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\"},{\"name\":\"A\",\"type\":\"INT\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"NOPE\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\",\"id\":3}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\",\"colour\":3}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"INT\",\"allowed\":[1,\"x\"]}]}",
        NULL};
    for (int i = 0; bad[i]; i++) {
        j = json_loads(bad[i], 0, &je);
        assert_non_null(j);
        st_status rc = st_tschema_from_json(j, false, &s, &err_);
        json_decref(j);
        if (rc != ST_ERR_INVALID) fail_msg("schema %d: expected invalid, got %d: %s", i, rc, bad[i]);
    }
}

/* Build a history, replay it, and check the checkpoint of every version
 * decodes to the same state. */
static void test_replay_and_checkpoint(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    st_sbuf sb = ST_SBUF_INIT;
    int64_t ts = 1700000000000000;
    unsigned next = 1;
    for (int64_t v = 0; v < 40; v++) {
        st_logentry *le = mk_entry(v, ts += 1000, v == 0 ? ST_OP_CREATE : ST_OP_APPEND);
        if (v % 7 == 6 && s->nsegs >= 3) { /* compact the first three */
            le->op = ST_OP_COMPACT;
            le->nremoves = 3;
            le->removes = calloc(3, sizeof *le->removes);
            for (int k = 0; k < 3; k++) memcpy(le->removes[k], s->segs[k].id, ST_SEG_ID_LEN + 1);
            add_seg(le, next++, s->segs[0].rows + s->segs[1].rows + s->segs[2].rows, ST_SIDE_DATA);
            /* a compacted segment carries resolved lineage */
            free(le->adds[0].runs[0].source);
            free(le->adds[0].runs);
            uint32_t nr = s->segs[0].nruns + s->segs[1].nruns + s->segs[2].nruns, w = 0;
            le->adds[0].nruns = nr;
            le->adds[0].runs = calloc(nr, sizeof(st_lineage_run));
            for (int k = 0; k < 3; k++)
                for (uint32_t r = 0; r < s->segs[k].nruns; r++) {
                    le->adds[0].runs[w] = s->segs[k].runs[r];
                    le->adds[0].runs[w++].source = strdup(s->segs[k].runs[r].source);
                }
        } else {
            add_seg(le, next++, 10 + (uint64_t)v, ST_SIDE_DATA);
            if (v % 5 == 0) add_seg(le, next++, 1, ST_SIDE_REJECTS);
            le->txn_app = strdup(v % 2 ? "odd" : "even");
            le->txn_seq = (uint64_t)v;
        }
        encode(le, &sb);
        st_logentry *back;
        ST_ASSERT_OK(st_logentry_decode(sb.p, sb.len, "e", v, &back, &err_));
        ST_ASSERT_OK(st_logstate_apply(s, back, "e", &err_));
        st_logentry_free(back);
        st_logentry_free(le);
        /* checkpoint equivalence: the state survives encode + decode */
        st_sbuf cb = ST_SBUF_INIT;
        ST_ASSERT_OK(st_logstate_encode(s, &cb, &err_));
        st_logstate *c;
        ST_ASSERT_OK(st_logstate_decode(cb.p, cb.len, "ck", v, &c, &err_));
        assert_true(st_logstate_equal(s, c));
        assert_true(st_logstate_equal(c, s));
        /* and replaying the next entries on top of it works the same */
        st_logstate_free(c);
        st_sbuf_free(&cb);
    }
    /* lineage is resolved: the first segment's rows came from some version
     * with that version's timestamp */
    for (uint32_t i = 0; i < s->nsegs; i++)
        for (uint32_t r = 0; r < s->segs[i].nruns; r++) {
            assert_true(s->segs[i].runs[r].ingest_id >= 0 && s->segs[i].runs[r].ingest_id < 40);
            assert_int_equal(s->segs[i].runs[r].ingested_at,
                             1700000000000000 + 1000 * (s->segs[i].runs[r].ingest_id + 1));
        }
    uint64_t seq;
    assert_true(st_logstate_txn(s, "odd", &seq));
    assert_true(seq % 2 == 1);
    st_logstate_free(s);
    st_sbuf_free(&sb);
}

static void test_apply_rules(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    st_logentry *le = mk_entry(0, 1000, ST_OP_CREATE);
    add_seg(le, 1, 5, ST_SIDE_DATA);
    ST_ASSERT_OK(st_logstate_apply(s, le, "e0", &err_));
    st_logentry_free(le);
    /* wrong version */
    le = mk_entry(2, 5000, ST_OP_APPEND);
    ST_ASSERT_ERR(st_logstate_apply(s, le, "e2", &err_), ST_ERR_CORRUPT);
    st_logentry_free(le);
    /* timestamp not after the previous */
    le = mk_entry(1, 1000, ST_OP_APPEND);
    ST_ASSERT_ERR(st_logstate_apply(s, le, "e1", &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "e1"));
    st_logentry_free(le);
    /* adding a live segment */
    le = mk_entry(1, 2000, ST_OP_APPEND);
    add_seg(le, 1, 5, ST_SIDE_DATA);
    ST_ASSERT_ERR(st_logstate_apply(s, le, "e1", &err_), ST_ERR_CORRUPT);
    st_logentry_free(le);
    /* removing a segment that is not live leaves the state unchanged */
    le = mk_entry(1, 2000, ST_OP_COMPACT);
    add_seg(le, 2, 5, ST_SIDE_DATA);
    le->nremoves = 1;
    le->removes = calloc(1, sizeof *le->removes);
    fake_id(le->removes[0], 99);
    ST_ASSERT_ERR(st_logstate_apply(s, le, "e1", &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "not live"));
    assert_int_equal(s->version, 0);
    assert_int_equal(s->nsegs, 1);
    fake_id(le->removes[0], 1);
    ST_ASSERT_OK(st_logstate_apply(s, le, "e1", &err_));
    assert_int_equal(s->nsegs, 1);
    assert_int_equal(st_logstate_find_seg(s, le->adds[0].id), 0);
    st_logentry_free(le);
    st_logstate_free(s);
}

/* Format 2: deletion vectors, upstream lineage, inputs, transform counts. */
static void test_format2(void **state) {
    (void)state;
    st_sbuf sb = ST_SBUF_INIT;
    st_logstate *s = st_logstate_new();
    st_logentry *le = mk_entry(0, 1000, ST_OP_CREATE);
    add_seg(le, 1, 5, ST_SIDE_DATA);
    le->adds[0].runs[0].upstream = strdup("bronze.sales");
    le->adds[0].runs[0].ingest_id = 7;
    le->adds[0].runs[0].ingested_at = 123;
    le->ninputs = 1;
    le->inputs = calloc(1, sizeof *le->inputs);
    le->inputs[0].table = strdup("bronze.sales");
    le->inputs[0].version = 7;
    assert_int_equal(st_logentry_format(le), 2);
    encode(le, &sb);
    assert_non_null(strstr(sb.p, "\"strata_log\":2"));
    st_logentry *back;
    ST_ASSERT_OK(st_logentry_decode(sb.p, sb.len, "e0", 0, &back, &err_));
    assert_string_equal(back->adds[0].runs[0].upstream, "bronze.sales");
    assert_int_equal(back->adds[0].runs[0].ingest_id, 7);
    ST_ASSERT_OK(st_logstate_apply(s, back, "e0", &err_));
    st_logentry_free(back);
    st_logentry_free(le);
    int64_t v;
    assert_true(st_logstate_input(s, "bronze.sales", &v) && v == 7);
    /* a checkpoint with upstream lineage from a version "after" it is fine */
    assert_int_equal(st_logstate_format(s), 2);
    st_sbuf_clear(&sb);
    ST_ASSERT_OK(st_logstate_encode(s, &sb, &err_));
    st_logstate *ck;
    ST_ASSERT_OK(st_logstate_decode(sb.p, sb.len, "ck", 0, &ck, &err_));
    assert_true(st_logstate_equal(ck, s));
    st_logstate_free(ck);
    /* a transform: a new segment and a deletion vector on the old one */
    le = mk_entry(1, 2000, ST_OP_TRANSFORM);
    add_seg(le, 2, 3, ST_SIDE_DATA);
    le->ndvs = 1;
    le->dvs = calloc(1, sizeof *le->dvs);
    fake_id(le->dvs[0].seg, 1);
    fake_id(le->dvs[0].id, 77);
    le->dvs[0].rows = 2;
    le->dvs[0].bytes = 90;
    le->has_counts = true;
    le->n_read = 10;
    le->n_accepted = 3;
    le->n_rejected = 1;
    le->n_duplicates = 6;
    le->n_replaced = 2;
    encode(le, &sb);
    ST_ASSERT_OK(st_logentry_decode(sb.p, sb.len, "e1", 1, &back, &err_));
    assert_int_equal(back->n_duplicates, 6);
    assert_int_equal(back->n_replaced, 2);
    assert_int_equal(back->ndvs, 1);
    ST_ASSERT_OK(st_logstate_apply(s, back, "e1", &err_));
    st_logentry_free(back);
    assert_string_equal(s->segs[0].dv, le->dvs[0].id);
    assert_int_equal(s->segs[0].dv_rows, 2);
    st_sbuf_clear(&sb);
    ST_ASSERT_OK(st_logstate_encode(s, &sb, &err_));
    ST_ASSERT_OK(st_logstate_decode(sb.p, sb.len, "ck", 1, &ck, &err_));
    assert_true(st_logstate_equal(ck, s));
    assert_string_equal(ck->segs[0].dv, le->dvs[0].id);
    st_logstate_free(ck);
    st_logentry_free(le);
    /* a deletion vector on a segment that is not live, or of more rows than
     * it has, is refused and leaves the state as it was */
    le = mk_entry(2, 3000, ST_OP_TRANSFORM);
    le->ndvs = 1;
    le->dvs = calloc(1, sizeof *le->dvs);
    fake_id(le->dvs[0].seg, 9);
    fake_id(le->dvs[0].id, 78);
    le->dvs[0].rows = 1;
    le->dvs[0].bytes = 90;
    ST_ASSERT_ERR(st_logstate_apply(s, le, "e2", &err_), ST_ERR_CORRUPT);
    fake_id(le->dvs[0].seg, 2);
    le->dvs[0].rows = 4;
    ST_ASSERT_ERR(st_logstate_apply(s, le, "e2", &err_), ST_ERR_CORRUPT);
    assert_int_equal(s->version, 1);
    assert_int_equal(s->segs[1].dv[0], 0);
    st_logentry_free(le);
    st_logstate_free(s);
    /* format-2 fields in a format-1 file, and counts that do not add up */
    static const char *const bad[] = {
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"transform\",\"read_version\":0}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"inputs\":[]}",
        "{\"strata_log\":2,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"dv\":[{\"seg\":"
        "\"00000000000000000000000000000001\",\"id\":\"00000000000000000000000000000002\",\"rows\":1,\"bytes\":1}]}",
        "{\"strata_log\":2,\"version\":1,\"ts\":1,\"op\":\"transform\",\"read_version\":0,\"counts\":{\"read\":3,"
        "\"accepted\":1,\"rejected\":1,\"duplicates\":2,\"replaced\":0,\"reasons\":{}}}",
        "{\"strata_log\":2,\"version\":1,\"ts\":1,\"op\":\"transform\",\"read_version\":0,\"inputs\":[{\"table\":\"a\","
        "\"version\":1},{\"table\":\"a\",\"version\":2}]}",
        "{\"strata_log\":1,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"add\":[{\"id\":"
        "\"00000000000000000000000000000001\",\"side\":\"data\",\"rows\":1,\"bytes\":1,\"zones\":[],"
        "\"lineage\":[{\"rows\":1,\"source\":\"a\",\"upstream\":\"bronze.a\",\"ingest_id\":1,\"ingested_at\":1}]}]}",
        "{\"strata_log\":2,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"add\":[{\"id\":"
        "\"00000000000000000000000000000001\",\"side\":\"data\",\"rows\":1,\"bytes\":1,\"zones\":[],"
        "\"lineage\":[{\"rows\":1,\"source\":\"a\",\"upstream\":\"bronze.a\"}]}]}",
        "{\"strata_log\":2,\"version\":1,\"ts\":1,\"op\":\"append\",\"read_version\":0,\"add\":[{\"id\":"
        "\"00000000000000000000000000000001\",\"side\":\"data\",\"rows\":1,\"bytes\":1,\"zones\":[],"
        "\"lineage\":[{\"rows\":1,\"source\":\"a\"}],\"dv\":{\"id\":\"00000000000000000000000000000002\",\"rows\":2,\"bytes\":5}}]}",
        NULL};
    for (int i = 0; bad[i]; i++) {
        seal(&sb, bad[i]);
        if (st_logentry_decode(sb.p, sb.len, "x", -1, &back, &err_) == ST_OK)
            fail_msg("accepted bad entry %d: %s", i, bad[i]);
    }
    /* a plain append stays format 1 */
    le = mk_entry(1, 2000, ST_OP_APPEND);
    add_seg(le, 3, 3, ST_SIDE_DATA);
    assert_int_equal(st_logentry_format(le), 1);
    encode(le, &sb);
    assert_non_null(strstr(sb.p, "\"strata_log\":1"));
    st_logentry_free(le);
    st_sbuf_free(&sb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_round_trip),
        cmocka_unit_test(test_torn_and_corrupt),
        cmocka_unit_test(test_strict_body),
        cmocka_unit_test(test_schema_file),
        cmocka_unit_test(test_replay_and_checkpoint),
        cmocka_unit_test(test_apply_rules),
        cmocka_unit_test(test_format2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
