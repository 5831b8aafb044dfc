/*
 * test_dvtable.c: deletion vectors in a table: readers skip the rows they
 * mark (and see them again when time-travelling before them), verify checks
 * the files, compaction purges deleted rows (and rewrites a segment whose
 * deleted share passes the threshold), vacuum keeps the vectors a retained
 * snapshot needs, restore brings back the old vector, and the commit rules
 * catch a transform or a compaction racing a change to the same rows.
 */
#include "test_util.h"

#include <limits.h>
#include <sys/time.h>

#include "engine/compact.h"
#include "engine/lineage.h"
#include "engine/maintain.h"
#include "engine/segbuild.h"
#include "engine/table.h"
#include "engine/tsource.h"
#include "engine/verify.h"
#include "format/dv.h"
#include "format/io.h"

static char *dir_;
static st_warehouse *wh_;
static st_table *tb_;

static int setup(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    bool created;
    ST_ASSERT_OK(st_warehouse_init(dir_, &created, &err_));
    ST_ASSERT_OK(st_warehouse_open(dir_, &wh_, &err_));
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("silver.t", &n, &err_));
    ST_ASSERT_OK(st_table_open(wh_, &n, &tb_, &err_));
    ST_ASSERT_OK(st_table_prepare(tb_, &err_));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_table_close(tb_);
    st_warehouse_close(wh_);
    st_test_rmrf(dir_);
    return 0;
}

static st_tschema *schema_x(void) {
    st_tschema *s = st_tschema_new();
    ST_ASSERT_OK(st_tschema_add(s, "x", st_type_make(ST_T_INT64), 0, false, NULL, &err_));
    return s;
}

/* A segment of n rows x = base + i, with upstream lineage (bronze.b, version 3). */
static void build(const st_tschema *ts, int64_t base, uint32_t n, st_segrec *rec) {
    st_segbuild *sb;
    st_segbuild_opts o = {1000, 0}; /* several row groups */
    ST_ASSERT_OK(st_segbuild_new(tb_, ts, false, &o, &sb, &err_));
    st_type t = st_type_make(ST_T_INT64);
    st_batch *b = st_batch_new(&t, 1, n);
    int64_t *lines = calloc(n, sizeof *lines);
    for (uint32_t i = 0; i < n; i++) {
        int64_t x = base + i;
        ST_ASSERT_OK(st_vector_append(b->cols[0], &x, &err_));
        lines[i] = 10 + i;
    }
    st_batch_set_len(b, n);
    st_lineage_run run = {0, "b.ndjson", 3, 1234, "bronze.b"};
    ST_ASSERT_OK(st_segbuild_add(sb, b, lines, &run, &err_));
    ST_ASSERT_OK(st_segbuild_finish(sb, rec, &err_));
    free(lines);
    st_batch_free(b);
}

static void hexb(const char *hex, uint8_t out[16]) {
    for (int i = 0; i < 16; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* Write a deletion vector for seg marking rows[0..n) plus prev's rows. */
static void write_dv(const st_segrec *seg, const uint32_t *rows, uint32_t n, st_dvrec *out) {
    st_dv *d = st_dv_new();
    if (seg->dv[0]) {
        char p[PATH_MAX];
        st_table_dv_path(tb_, seg->dv, p, sizeof p);
        uint8_t id[16];
        hexb(seg->id, id);
        st_dv *old;
        ST_ASSERT_OK(st_dv_read_file(p, id, seg->rows, seg->dv_rows, &old, &err_));
        st_dv_or(d, old);
        st_dv_free(old);
    }
    st_dv_add_many(d, rows, n);
    uint8_t id[16];
    hexb(seg->id, id);
    st_sbuf sb = ST_SBUF_INIT;
    ST_ASSERT_OK(st_dv_encode(d, id, seg->rows, &sb, &err_));
    memset(out, 0, sizeof *out);
    memcpy(out->seg, seg->id, sizeof out->seg);
    st_seg_id_new(out->id);
    char p[PATH_MAX];
    st_table_dv_path(tb_, out->id, p, sizeof p);
    ST_ASSERT_OK(st_write_file_atomic(p, sb.p, sb.len, ST_PUBLISH_NOREPLACE, &err_));
    out->rows = st_dv_cardinality(d);
    out->bytes = sb.len;
    st_sbuf_free(&sb);
    st_dv_free(d);
}

static st_status commit_dv(st_logstate *s, const st_dvrec *dv, st_error *e) {
    st_logentry *le = st_logentry_new();
    le->op = ST_OP_TRANSFORM;
    le->ndvs = 1;
    le->dvs = calloc(1, sizeof *le->dvs);
    le->dvs[0] = *dv;
    st_status rc = st_table_commit(tb_, s, le, NULL, e);
    st_logentry_free(le);
    return rc;
}

/* rows and sum of x of the snapshot at version v (-1 latest) */
static uint64_t scan(int64_t v, int64_t *sum) {
    st_logstate *s;
    ST_ASSERT_OK(st_table_load(tb_, v, &s, &err_));
    st_source *src;
    ST_ASSERT_OK(st_tsource_open(tb_, s, false, &src, &err_));
    int ix = st_schema_find(src->schema, "x"), il = st_schema_find(src->schema, "_line"),
        ii = st_schema_find(src->schema, "_ingest_id");
    uint32_t cols[3] = {(uint32_t)ix, (uint32_t)il, (uint32_t)ii};
    st_type types[3] = {st_type_make(ST_T_INT64), st_type_make(ST_T_INT64), st_type_make(ST_T_INT64)};
    st_batch *b = st_batch_new(types, 3, ST_VECTOR_SIZE);
    uint64_t rows = 0;
    *sum = 0;
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            ST_ASSERT_OK(src->ops->read(src, g, u, cols, 3, b, &err_));
            for (uint32_t k = 0; k < st_batch_live(b); k++) {
                uint32_t r = b->sel ? b->sel[k] : k;
                int64_t x = ST_VEC(b->cols[0], int64_t)[r];
                *sum += x;
                assert_true(ST_VEC(b->cols[1], int64_t)[r] == 10 + x % 100000); /* upstream _line */
                assert_true(ST_VEC(b->cols[2], int64_t)[r] == 3);              /* upstream _ingest_id */
            }
            rows += st_batch_live(b);
        }
    }
    st_batch_free(b);
    st_source_close(src);
    return rows;
}

static void test_dv_lifecycle(void **state) {
    (void)state;
    st_tschema *ts = schema_x();
    st_logstate *s = st_logstate_new();
    st_segrec a, b;
    build(ts, 0, 5000, &a);
    build(ts, 100000, 3000, &b);
    st_logentry *le = st_logentry_new();
    le->op = ST_OP_CREATE;
    le->schema = st_tschema_clone(ts);
    le->adds = calloc(2, sizeof *le->adds);
    le->adds[0] = a;
    le->adds[1] = b;
    le->nadds = 2;
    ST_ASSERT_OK(st_table_commit(tb_, s, le, NULL, &err_));
    st_logentry_free(le);
    int64_t sum0, sum;
    assert_int_equal(scan(-1, &sum0), 8000);

    /* v1: delete rows 1, 5 and 1000..1999 of segment a (crossing row groups) */
    uint32_t del[1002];
    del[0] = 1;
    del[1] = 5;
    for (uint32_t i = 0; i < 1000; i++) del[2 + i] = 1000 + i;
    st_dvrec dv;
    write_dv(&s->segs[0], del, 1002, &dv);
    ST_ASSERT_OK(commit_dv(s, &dv, &err_));
    int64_t gone = 1 + 5;
    for (int64_t i = 1000; i < 2000; i++) gone += i;
    assert_int_equal(scan(-1, &sum), 8000 - 1002);
    assert_true(sum == sum0 - gone);
    assert_int_equal(scan(0, &sum), 8000); /* time travel sees them */

    /* v2: more deletions on a: the new vector holds both sets */
    uint32_t more[2] = {2, 4999};
    write_dv(&s->segs[0], more, 2, &dv);
    ST_ASSERT_OK(commit_dv(s, &dv, &err_));
    assert_int_equal(scan(-1, &sum), 8000 - 1004);
    assert_int_equal(scan(1, &sum), 8000 - 1002);

    /* verify: the vectors are checked; damage is found */
    st_verify_stats vs;
    ST_ASSERT_OK(st_table_verify(tb_, 2, NULL, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);
    assert_int_equal(vs.dvs, 2);
    char p[PATH_MAX];
    st_table_dv_path(tb_, dv.id, p, sizeof p);
    st_buf *orig;
    ST_ASSERT_OK(st_file_read(p, 1 << 20, &orig, &err_));
    FILE *f = fopen(p, "r+b");
    fseek(f, 60, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    ST_ASSERT_OK(st_table_verify(tb_, 2, NULL, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 1);
    /* a damaged vector is an error for readers too, never wrong rows */
    {
        st_logstate *ls;
        ST_ASSERT_OK(st_table_load(tb_, -1, &ls, &err_));
        st_source *src;
        ST_ASSERT_OK(st_tsource_open(tb_, ls, false, &src, &err_));
        uint32_t nu;
        ST_ASSERT_ERR(src->ops->group_open(src, 0, &nu, &err_), ST_ERR_CORRUPT);
        st_source_close(src);
    }
    ST_ASSERT_OK(st_write_file_atomic(p, st_buf_data(orig), st_buf_len(orig), ST_PUBLISH_REPLACE, &err_));
    st_buf_unref(orig);

    /* a transform that read version 2 loses to another change: conflict */
    st_logstate *stale;
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    st_segrec c;
    build(ts, 200000, 10, &c);
    le = st_logentry_new();
    le->op = ST_OP_APPEND;
    le->adds = calloc(1, sizeof *le->adds);
    le->adds[0] = c;
    le->nadds = 1;
    ST_ASSERT_OK(st_table_commit(tb_, s, le, NULL, &err_)); /* v3 */
    st_logentry_free(le);
    uint32_t one = 7;
    write_dv(&stale->segs[1], &one, 1, &dv);
    ST_ASSERT_ERR(commit_dv(stale, &dv, &err_), ST_ERR_CONFLICT);
    assert_non_null(strstr(err_.msg, "transform"));
    st_logstate_free(stale);

    /* a compaction that read version 3 loses to a vector on its input */
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    write_dv(&s->segs[1], &one, 1, &dv);
    ST_ASSERT_OK(commit_dv(s, &dv, &err_)); /* v4: row 7 of b deleted */
    assert_int_equal(scan(-1, &sum), 8010 - 1005);
    le = st_logentry_new();
    le->op = ST_OP_COMPACT;
    le->nremoves = 1;
    le->removes = calloc(1, sizeof *le->removes);
    memcpy(le->removes[0], stale->segs[1].id, ST_SEG_ID_LEN + 1);
    ST_ASSERT_ERR(st_table_commit(tb_, stale, le, NULL, &err_), ST_ERR_CONFLICT);
    assert_non_null(strstr(err_.msg, "deleted rows"));
    st_logentry_free(le);
    st_logstate_free(stale);

    /* compaction: a is 20% deleted (below 25%: not rewritten alone); at
     * 10% it is, and its deleted rows are purged */
    st_compact_opts co = {0};
    co.small_rows = 100; /* only c is small, and alone */
    st_compact_result cr;
    ST_ASSERT_OK(st_table_compact(tb_, &co, &cr, &err_));
    assert_int_equal(cr.version, -1);
    co.deleted_share = 0.1;
    int64_t before_sum;
    uint64_t before = scan(-1, &before_sum);
    ST_ASSERT_OK(st_table_compact(tb_, &co, &cr, &err_)); /* v5 */
    assert_int_equal(cr.rows_purged, 1004);
    assert_int_equal(cr.segments_in, 1);
    assert_int_equal(scan(-1, &sum), before);
    assert_true(sum == before_sum);
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    for (uint32_t i = 0; i < stale->nsegs; i++)
        if (stale->segs[i].rows == 5000 - 1004) assert_int_equal(stale->segs[i].dv[0], 0);
    st_logstate_free(stale);

    /* vacuum keeps the vectors retained versions need, then drops them */
    st_vacuum_opts vo = {INT64_C(7) * 86400 * 1000000, false, false};
    st_vacuum_result vr;
    ST_ASSERT_OK(st_table_vacuum(tb_, &vo, &vr, &err_));
    assert_int_equal(vr.files, 0);
    st_vacuum_result_free(&vr);
    /* an orphan vector older than the retention goes */
    char orphan[ST_SEG_ID_LEN + 1];
    st_seg_id_new(orphan);
    st_table_dv_path(tb_, orphan, p, sizeof p);
    ST_ASSERT_OK(st_write_file_atomic(p, "x", 1, ST_PUBLISH_NOREPLACE, &err_));
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= 8 * 86400;
    tv[1] = tv[0];
    utimes(p, tv);
    ST_ASSERT_OK(st_table_vacuum(tb_, &vo, &vr, &err_));
    assert_int_equal(vr.files, 1);
    assert_int_equal(vr.orphans, 1);
    st_vacuum_result_free(&vr);
    assert_false(st_path_exists(p));

    /* restore version 2: segment a comes back with its vector */
    int64_t nv;
    ST_ASSERT_OK(st_table_restore(tb_, 2, &nv, &err_));
    assert_int_equal(scan(-1, &sum), 8000 - 1004);
    /* restore version 0: no vector at all */
    ST_ASSERT_OK(st_table_restore(tb_, 0, &nv, &err_));
    assert_int_equal(scan(-1, &sum), 8000);
    assert_true(sum == sum0);
    ST_ASSERT_OK(st_table_verify(tb_, 2, NULL, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);

    /* vacuum with no retention: only what the latest version needs stays */
    vo.retain_us = 0;
    vo.force = true;
    ST_ASSERT_OK(st_table_vacuum(tb_, &vo, &vr, &err_));
    uint32_t dvs_gone = 0;
    for (uint32_t i = 0; i < vr.npaths; i++) dvs_gone += strstr(vr.paths[i], ".dv") != NULL;
    assert_int_equal(dvs_gone, 3);
    st_vacuum_result_free(&vr);
    assert_int_equal(scan(-1, &sum), 8000);
    ST_ASSERT_OK(st_table_verify(tb_, 2, NULL, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);
    assert_int_equal(vs.warnings, 1); /* the vector of the transform that lost, too young to go */
    st_logstate_free(s);
    st_tschema_free(ts);
}

/* a compaction removes a segment whose rows are all deleted */
static void test_all_deleted(void **state) {
    (void)state;
    st_tschema *ts = schema_x();
    st_logstate *s = st_logstate_new();
    st_segrec a;
    build(ts, 0, 50, &a);
    st_logentry *le = st_logentry_new();
    le->op = ST_OP_CREATE;
    le->schema = st_tschema_clone(ts);
    le->adds = calloc(1, sizeof *le->adds);
    le->adds[0] = a;
    le->nadds = 1;
    ST_ASSERT_OK(st_table_commit(tb_, s, le, NULL, &err_));
    st_logentry_free(le);
    uint32_t del[50];
    for (uint32_t i = 0; i < 50; i++) del[i] = i;
    st_dvrec dv;
    write_dv(&s->segs[0], del, 50, &dv);
    ST_ASSERT_OK(commit_dv(s, &dv, &err_));
    int64_t sum;
    assert_int_equal(scan(-1, &sum), 0);
    st_compact_result cr;
    ST_ASSERT_OK(st_table_compact(tb_, NULL, &cr, &err_));
    assert_int_equal(cr.segments_in, 1);
    assert_int_equal(cr.segments_out, 0);
    assert_int_equal(cr.rows_purged, 50);
    st_logstate *now;
    ST_ASSERT_OK(st_table_load(tb_, -1, &now, &err_));
    assert_int_equal(now->nsegs, 0);
    st_logstate_free(now);
    st_verify_stats vs;
    ST_ASSERT_OK(st_table_verify(tb_, 1, NULL, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);
    st_logstate_free(s);
    st_tschema_free(ts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dv_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_deleted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
