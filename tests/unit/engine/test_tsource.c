/*
 * test_tsource.c: segments written by the segment builder and read back
 * through the table source and the warehouse catalog: values, lineage
 * columns (resolved at publish, even after a lost race), fields added later
 * read as NULL from old segments, zone maps from the log, time travel, the
 * quarantine side, and a swapped segment file detected as damage.
 */
#include "test_util.h"

#include <limits.h>

#include "engine/catalog.h"
#include "engine/compact.h"
#include "engine/lineage.h"
#include "engine/segbuild.h"
#include "engine/table.h"
#include "engine/tsource.h"
#include "engine/verify.h"
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
    ST_ASSERT_OK(st_tname_parse("bronze.t", &n, &err_));
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

/* One segment of n rows: x = base + i, s = "v<i>" (NULL every 10th). */
static void build(const st_tschema *ts, int64_t base, uint32_t n, const char *src, st_segrec *rec) {
    st_segbuild *sb;
    ST_ASSERT_OK(st_segbuild_new(tb_, ts, false, NULL, &sb, &err_));
    st_type types[2] = {st_type_make(ST_T_INT64), st_type_make(ST_T_VARCHAR)};
    st_batch *b = st_batch_new(types, 2, n);
    int64_t *lines = calloc(n, sizeof *lines);
    for (uint32_t i = 0; i < n; i++) {
        int64_t x = base + i;
        ST_ASSERT_OK(st_vector_append(b->cols[0], &x, &err_));
        char s[32];
        snprintf(s, sizeof s, "v%u", i);
        if (i % 10 == 9) ST_ASSERT_OK(st_vector_append_null(b->cols[1], &err_));
        else ST_ASSERT_OK(st_vector_append_str(b->cols[1], s, (uint32_t)strlen(s), &err_));
        lines[i] = 2 + i;
    }
    st_batch_set_len(b, n);
    st_lineage_run run = {0, (char *)src, ST_LINEAGE_THIS, ST_LINEAGE_THIS};
    /* two halves from two sources: two lineage runs */
    st_batch half = *b;
    uint32_t *sel = calloc(n, sizeof *sel);
    for (uint32_t i = 0; i < n / 2; i++) sel[i] = i;
    half.sel = sel;
    half.sel_len = n / 2;
    ST_ASSERT_OK(st_segbuild_add(sb, &half, lines, &run, &err_));
    for (uint32_t i = n / 2; i < n; i++) sel[i - n / 2] = i;
    half.sel_len = n - n / 2;
    run.source = "second.csv";
    ST_ASSERT_OK(st_segbuild_add(sb, &half, lines, &run, &err_));
    ST_ASSERT_OK(st_segbuild_finish(sb, rec, &err_));
    assert_int_equal(rec->rows, n);
    assert_int_equal(rec->nruns, 2);
    free(sel);
    free(lines);
    st_batch_free(b);
}

static st_tschema *schema_xs(void) {
    st_tschema *s = st_tschema_new();
    ST_ASSERT_OK(st_tschema_add(s, "x", st_type_make(ST_T_INT64), 0, false, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(s, "s", st_type_make(ST_T_VARCHAR), 0, true, NULL, &err_));
    return s;
}

static void commit_seg(st_logstate *state, st_segrec *rec, st_tschema *schema) {
    st_logentry *le = st_logentry_new();
    le->op = state->version < 0 ? ST_OP_CREATE : schema ? ST_OP_APPEND : ST_OP_APPEND;
    le->schema = schema;
    if (rec) {
        le->adds = calloc(1, sizeof *le->adds);
        le->adds[0] = *rec;
        le->nadds = 1;
        memset(rec, 0, sizeof *rec);
    } else {
        le->op = ST_OP_EVOLVE;
    }
    ST_ASSERT_OK(st_table_commit(tb_, state, le, NULL, &err_));
    st_logentry_free(le);
}

/* Scan everything: returns rows; checks x, _line, _source, _ingest_id. */
static uint64_t scan(st_source *src, int64_t *sum_x, uint64_t *nulls_y) {
    const st_schema *sc = src->schema;
    uint32_t nc = sc->nfields;
    uint32_t *cols = calloc(nc, sizeof *cols);
    st_type *types = calloc(nc, sizeof *types);
    for (uint32_t i = 0; i < nc; i++) {
        cols[i] = i;
        types[i] = sc->fields[i].type;
    }
    int ix = st_schema_find(sc, "x"), iy = st_schema_find(sc, "y"), il = st_schema_find(sc, "_line"),
        isrc = st_schema_find(sc, "_source"), iid = st_schema_find(sc, "_ingest_id");
    st_batch *b = st_batch_new(types, nc, ST_VECTOR_SIZE);
    uint64_t rows = 0;
    *sum_x = 0;
    *nulls_y = 0;
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            ST_ASSERT_OK(src->ops->read(src, g, u, cols, nc, b, &err_));
            for (uint32_t r = 0; r < b->len; r++) {
                *sum_x += ST_VEC(b->cols[ix], int64_t)[r];
                if (iy >= 0 && st_vector_is_null(b->cols[iy], r)) (*nulls_y)++;
                assert_true(ST_VEC(b->cols[il], int64_t)[r] >= 2);
                const st_str *s = &ST_VEC(b->cols[isrc], st_str)[r];
                assert_true(s->len > 0);
                assert_true(ST_VEC(b->cols[iid], int64_t)[r] >= 0);
            }
            rows += b->len;
        }
    }
    st_batch_free(b);
    free(cols);
    free(types);
    return rows;
}

static void test_write_read(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    st_segrec r0, r1;
    st_tschema *ts = schema_xs();
    build(ts, 0, 1000, "first.csv", &r0);
    commit_seg(s, &r0, st_tschema_clone(ts));
    /* a stale writer: it builds from version 0 and loses the race below */
    st_logstate *stale;
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    build(ts, 1000, 500, "first.csv", &r1);
    /* schema evolution: field y added at version 1 */
    st_tschema *ts2 = st_tschema_clone(ts);
    ST_ASSERT_OK(st_tschema_add(ts2, "y", st_type_make(ST_T_DOUBLE), 0, true, NULL, &err_));
    ts2->schema_id = 1;
    commit_seg(s, NULL, ts2);
    commit_seg(stale, &r1, NULL); /* lands as version 2 */
    assert_int_equal(stale->version, 2);
    st_logstate_free(stale);

    st_catalog *cat;
    ST_ASSERT_OK(st_warehouse_catalog_open(dir_, &cat, &err_));
    st_source *src;
    ST_ASSERT_OK(cat->ops->open(cat, "bronze.t", -1, INT64_MIN, &src, &err_));
    assert_int_equal(src->schema->nfields, 3 + ST_LINEAGE_NCOLS);
    assert_string_equal(src->name, "bronze.t@v2");
    int64_t sum;
    uint64_t ny;
    assert_int_equal(scan(src, &sum, &ny), 1500);
    assert_true(sum == 1499 * 1500 / 2);
    assert_int_equal(ny, 1500); /* y did not exist when these were written */
    /* group zone maps: x from the log, _ingest_id from the runs */
    st_group_info gi;
    src->ops->group_info(src, 1, &gi);
    int ix = st_schema_find(src->schema, "x"), iid = st_schema_find(src->schema, "_ingest_id"),
        iy = st_schema_find(src->schema, "y");
    assert_true(gi.zm[ix].has_min && gi.zm[ix].min.v.i64 == 1000 && gi.zm[ix].max.v.i64 == 1499);
    assert_true(gi.zm[iid].min.v.i64 == 2 && gi.zm[iid].max.v.i64 == 2); /* the version it finally got */
    assert_int_equal(gi.zm[iy].null_count, 500);
    st_source_close(src);
    /* time travel: version 0 has only the first segment and no y */
    ST_ASSERT_OK(cat->ops->open(cat, "bronze.t", 0, INT64_MIN, &src, &err_));
    assert_int_equal(src->schema->nfields, 2 + ST_LINEAGE_NCOLS);
    assert_int_equal(scan(src, &sum, &ny), 1000);
    st_source_close(src);
    ST_ASSERT_ERR(cat->ops->open(cat, "bronze.t", 7, INT64_MIN, &src, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "versions 0 to 2 exist"));
    ST_ASSERT_ERR(cat->ops->open(cat, "bronze.nope", -1, INT64_MIN, &src, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "bronze.t"));
    ST_ASSERT_ERR(cat->ops->open(cat, "bronze/../x", -1, INT64_MIN, &src, &err_), ST_ERR_INVALID);
    /* the quarantine side is empty but well-formed */
    ST_ASSERT_OK(cat->ops->open(cat, "bronze.t__rejects", -1, INT64_MIN, &src, &err_));
    assert_int_equal(src->ops->group_count(src), 0);
    assert_int_equal(src->schema->nfields, ST_LINEAGE_NCOLS + ST_REJECT_NCOLS);
    st_source_close(src);

    /* a segment file swapped for another one is damage, not data */
    char a[PATH_MAX], b[PATH_MAX];
    st_table_seg_path(tb_, s->segs[0].id, a, sizeof a);
    st_logstate *latest;
    ST_ASSERT_OK(st_table_load(tb_, -1, &latest, &err_));
    st_table_seg_path(tb_, latest->segs[1].id, b, sizeof b);
    st_logstate_free(latest);
    assert_int_equal(rename(b, a), 0);
    ST_ASSERT_OK(cat->ops->open(cat, "bronze.t", -1, INT64_MIN, &src, &err_));
    uint32_t nu;
    ST_ASSERT_ERR(src->ops->group_open(src, 0, &nu, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "not the"));
    st_source_close(src);
    st_catalog_close(cat);
    st_logstate_free(s);
    st_tschema_free(ts);
}

/* Every row as (x, _ingest_id, _source, _line, _ingested_at) text, in scan order. */
static char *dump(int64_t version) {
    st_catalog *cat;
    ST_ASSERT_OK(st_warehouse_catalog_open(dir_, &cat, &err_));
    st_source *src;
    ST_ASSERT_OK(cat->ops->open(cat, "bronze.t", version, INT64_MIN, &src, &err_));
    const st_schema *sc = src->schema;
    uint32_t cols[5] = {(uint32_t)st_schema_find(sc, "x"), (uint32_t)st_schema_find(sc, "_ingest_id"),
                        (uint32_t)st_schema_find(sc, "_source"), (uint32_t)st_schema_find(sc, "_line"),
                        (uint32_t)st_schema_find(sc, "_ingested_at")};
    st_type types[5];
    for (int i = 0; i < 5; i++) types[i] = sc->fields[cols[i]].type;
    st_batch *b = st_batch_new(types, 5, ST_VECTOR_SIZE);
    st_sbuf out = ST_SBUF_INIT;
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            ST_ASSERT_OK(src->ops->read(src, g, u, cols, 5, b, &err_));
            for (uint32_t r = 0; r < b->len; r++) {
                const st_str *s = &ST_VEC(b->cols[2], st_str)[r];
                st_sbuf_printf(&out, "%lld %lld %.*s %lld %lld\n", (long long)ST_VEC(b->cols[0], int64_t)[r],
                               (long long)ST_VEC(b->cols[1], int64_t)[r], (int)s->len, s->ptr,
                               (long long)ST_VEC(b->cols[3], int64_t)[r], (long long)ST_VEC(b->cols[4], int64_t)[r]);
            }
        }
    }
    st_batch_free(b);
    st_source_close(src);
    st_catalog_close(cat);
    return out.p;
}

static void test_compact(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    st_tschema *ts = schema_xs();
    for (int i = 0; i < 6; i++) {
        st_segrec r;
        build(ts, i * 1000, 300 + (uint32_t)i, i % 2 ? "odd.csv" : "even.csv", &r);
        commit_seg(s, &r, i == 0 ? st_tschema_clone(ts) : NULL);
    }
    char *before = dump(-1);
    st_logstate *stale;
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    st_compact_opts o = {1000, 0};
    st_compact_result res;
    ST_ASSERT_OK(st_table_compact(tb_, &o, &res, &err_));
    assert_int_equal(res.version, 6);
    assert_int_equal(res.segments_in, 6);
    assert_int_equal(res.segments_out, 2); /* 903 + 912 rows */
    char *after = dump(-1);
    assert_string_equal(before, after); /* same rows, order and lineage */
    char *old = dump(5);
    assert_string_equal(before, old);  /* the old version is still readable */
    /* nothing left to merge */
    ST_ASSERT_OK(st_table_compact(tb_, &o, &res, &err_));
    assert_int_equal(res.version, -1);
    /* a compaction planned on the stale snapshot conflicts */
    st_logentry *le = st_logentry_new();
    le->op = ST_OP_COMPACT;
    le->nremoves = 1;
    le->removes = calloc(1, sizeof *le->removes);
    memcpy(le->removes[0], stale->segs[0].id, ST_SEG_ID_LEN + 1);
    st_segrec r;
    build(ts, 0, 300, "even.csv", &r);
    le->adds = calloc(1, sizeof *le->adds);
    le->adds[0] = r;
    le->nadds = 1;
    ST_ASSERT_ERR(st_table_commit(tb_, stale, le, NULL, &err_), ST_ERR_CONFLICT);
    st_logentry_free(le);
    st_logstate_free(stale);
    free(before);
    free(after);
    free(old);
    st_logstate_free(s);
    st_tschema_free(ts);
}

static int nerr_, nwarn_;
static char last_[2048], lasterr_[2048];
static void on_find(void *ctx, bool is_error, const char *file, const char *msg) {
    (void)ctx;
    if (is_error) nerr_++;
    else nwarn_++;
    snprintf(last_, sizeof last_, "%s: %s", file, msg);
    if (is_error) snprintf(lasterr_, sizeof lasterr_, "%s: %s", file, msg);
}

static void test_verify(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    st_tschema *ts = schema_xs();
    for (int i = 0; i < 12; i++) { /* a checkpoint at 10 */
        st_segrec r;
        build(ts, i * 100, 50, "a.csv", &r);
        commit_seg(s, &r, i == 0 ? st_tschema_clone(ts) : NULL);
    }
    st_verify_stats vs;
    nerr_ = nwarn_ = 0;
    ST_ASSERT_OK(st_table_verify(tb_, 2, on_find, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);
    assert_int_equal(vs.warnings, 0);
    assert_int_equal(vs.segments, 12);
    assert_int_equal(vs.checkpoints, 1);
    assert_int_equal(vs.versions, 12);
    /* an orphan is a warning */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/bronze/t/data/%032x.seg", dir_, 7);
    FILE *f = fopen(p, "w");
    fputs("junk", f);
    fclose(f);
    ST_ASSERT_OK(st_table_verify(tb_, 2, on_find, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);
    assert_int_equal(vs.warnings, 1);
    assert_non_null(strstr(last_, "orphan"));
    /* one flipped byte in a segment is damage, naming the file */
    st_table_seg_path(tb_, s->segs[3].id, p, sizeof p);
    f = fopen(p, "r+");
    fseek(f, 100, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 100, SEEK_SET);
    fputc(c ^ 0x20, f);
    fclose(f);
    ST_ASSERT_OK(st_table_verify(tb_, 2, on_find, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 1);
    assert_non_null(strstr(lasterr_, s->segs[3].id));
    /* a missing segment is damage */
    unlink(p);
    ST_ASSERT_OK(st_table_verify(tb_, 2, on_find, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 1);
    assert_non_null(strstr(lasterr_, "missing"));
    st_logstate_free(s);
    st_tschema_free(ts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
