/*
 * test_sql_api.c: the SQL engine's public API and execution guarantees that
 * the result-comparing suite (test_sql_suite.c) cannot see:
 *  - results stream: LIMIT reads only the first units;
 *  - scans read only the columns used, and zone maps skip units;
 *  - results are identical for 1, 2 and 4 threads on larger random data
 *    (floating-point sums, group order, ties in ORDER BY);
 *  - the memory limit is a clean ST_ERR_LIMIT, an interrupt a clean
 *    ST_ERR_INTERRUPTED, a source's read error reaches the caller;
 *  - status codes and result metadata.
 */
#include "test_util.h"

#include "engine/memsrc.h"
#include "engine/sql.h"
#include "format/hash.h"
#include "format/valtext.h"

/* ---- a catalog whose sources count (and may fail) their reads ----------- */

typedef struct spy {
    st_memcat *mc;
    st_memtable *big;   /* also served as a stream source, "big_stream" */
    st_catalog cat;
    int reads;          /* atomic */
    uint32_t max_cols;  /* most columns asked in one read */
    int fail_unit;      /* read of this unit fails (-1: none) */
} spy;

typedef struct spysrc {
    st_source *inner;
    spy *s;
} spysrc;

static uint32_t sp_gc(st_source *s) {
    spysrc *p = s->impl;
    return p->inner->ops->group_count(p->inner);
}
static void sp_gi(st_source *s, uint32_t g, st_group_info *o) {
    spysrc *p = s->impl;
    p->inner->ops->group_info(p->inner, g, o);
}
static st_status sp_go(st_source *s, uint32_t g, uint32_t *n, st_error *e) {
    spysrc *p = s->impl;
    return p->inner->ops->group_open(p->inner, g, n, e);
}
static void sp_ui(st_source *s, uint32_t g, uint32_t u, const uint32_t *c, uint32_t nc,
                  st_unit_info *o) {
    spysrc *p = s->impl;
    p->inner->ops->unit_info(p->inner, g, u, c, nc, o);
}
static st_status sp_read(st_source *s, uint32_t g, uint32_t u, const uint32_t *c, uint32_t nc,
                         st_batch *out, st_error *e) {
    spysrc *p = s->impl;
    __atomic_add_fetch(&p->s->reads, 1, __ATOMIC_RELAXED);
    if (nc > p->s->max_cols) p->s->max_cols = nc;
    if (p->s->fail_unit >= 0 && (int)u == p->s->fail_unit && g == 0)
        return st_error_set(e, ST_ERR_CORRUPT, "spy.seg: bad block at byte 4096");
    return p->inner->ops->read(p->inner, g, u, c, nc, out, e);
}
static uint32_t sp_pc(st_source *s) {
    (void)s;
    return 0;
}
static const char *sp_pl(st_source *s, uint32_t p) {
    (void)s;
    (void)p;
    return NULL;
}
static void sp_close(st_source *s) {
    spysrc *p = s->impl;
    st_source_close(p->inner);
    free(p);
    free(s);
}
static const st_source_ops spy_ops = {sp_gc, sp_gi, sp_go, sp_ui, sp_read, sp_pc, sp_pl, sp_close};

static st_status spy_open(st_catalog *c, const char *name, int64_t v, int64_t ts, st_source **out,
                          st_error *e) {
    spy *s = c->impl;
    st_source *inner;
    if (!strcmp(name, "big_stream")) {
        ST_TRY(st_memtable_stream_source(s->big, "big_stream", &inner, e));
        *out = inner;
        return ST_OK;
    }
    ST_TRY(st_memcat_catalog(s->mc)->ops->open(st_memcat_catalog(s->mc), name, v, ts, &inner, e));
    st_source *w = calloc(1, sizeof *w);
    spysrc *p = calloc(1, sizeof *p);
    p->inner = inner;
    p->s = s;
    w->ops = &spy_ops;
    w->impl = p;
    w->schema = inner->schema;
    w->name = inner->name;
    *out = w;
    return ST_OK;
}
static const st_catalog_ops spy_cat_ops = {spy_open, NULL};

/* ---- data --------------------------------------------------------------- */

/* big(id BIGINT sorted, g INT32, k VARCHAR, d DOUBLE, m DECIMAL(12,2)),
 * n rows in units of `unit` rows */
static st_memtable *make_big(uint32_t n, uint32_t unit) {
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT64), 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "g", st_type_make(ST_T_INT32), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "k", st_type_make(ST_T_VARCHAR), 3, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "d", st_type_make(ST_T_DOUBLE), 4, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "m", st_type_decimal(12, 2), 5, true, &err_));
    st_memtable *t = st_memtable_new(s, unit, 4);
    st_type ts[5];
    st_schema_types(s, ts);
    st_batch *b = st_batch_new(ts, 5, 1024);
    st_test_seed(12345);
    for (uint32_t i = 0; i < n; i++) {
        int64_t id = i;
        int32_t g = (int32_t)(st_test_rand() % 997);
        char k[16];
        snprintf(k, sizeof k, "k%u", (unsigned)(st_test_rand() % 50));
        double d = (double)(st_test_rand() % 1000000) / 997.0 - 300.0;
        int64_t m = (int64_t)(st_test_rand() % 100000) - 20000;
        ST_ASSERT_OK(st_vector_append(b->cols[0], &id, &err_));
        ST_ASSERT_OK(st_vector_append(b->cols[1], &g, &err_));
        ST_ASSERT_OK(st_vector_append_str(b->cols[2], k, (uint32_t)strlen(k), &err_));
        if (i % 17 == 0) ST_ASSERT_OK(st_vector_append_null(b->cols[3], &err_));
        else ST_ASSERT_OK(st_vector_append(b->cols[3], &d, &err_));
        ST_ASSERT_OK(st_vector_append(b->cols[4], &m, &err_));
        if (b->cols[0]->len == 1024 || i + 1 == n) {
            st_batch_set_len(b, b->cols[0]->len);
            ST_ASSERT_OK(st_memtable_append(t, b, &err_));
            st_batch_reset(b);
        }
    }
    st_batch_free(b);
    st_schema_free(s);
    return t;
}

static spy S;

static int setup(void **state) {
    (void)state;
    S.mc = st_memcat_new();
    st_memtable *t = make_big(200000, 4096);
    ST_ASSERT_OK(st_memcat_commit(S.mc, "big", t, 0, &err_));
    S.big = t;
    S.cat.ops = &spy_cat_ops;
    S.cat.impl = &S;
    S.fail_unit = -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_memtable_unref(S.big);
    st_memcat_free(S.mc);
    return 0;
}

/* run sql; hash of the printed result (rows in order); *rows = count */
static st_status run(const char *sql, uint32_t threads, uint64_t mem, uint64_t *hash,
                     uint64_t *rows, st_error *e) {
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = threads;
    o.memory_limit = mem;
    st_query *q;
    ST_TRY(st_query_prepare(&S.cat, sql, &o, &q, e));
    st_sbuf sb = ST_SBUF_INIT;
    const st_batch *b;
    st_status rc;
    uint64_t n = 0;
    while ((rc = st_query_next(q, &b, e)) == ST_OK && b) {
        for (uint32_t k = 0; k < st_batch_live(b); k++, n++) {
            uint32_t r = b->sel ? b->sel[k] : k;
            for (uint32_t c = 0; c < b->ncols; c++) {
                st_text_cell(&sb, b->cols[c], r, ST_CELL_CSV, ',', '"');
                st_sbuf_putc(&sb, c + 1 < b->ncols ? ',' : '\n');
            }
        }
    }
    if (hash) *hash = st_hash_bytes(sb.p ? sb.p : "", sb.len);
    if (rows) *rows = n;
    st_sbuf_free(&sb);
    st_query_close(q);
    return rc;
}

static void test_limit_streams(void **state) {
    (void)state;
    uint64_t rows;
    S.reads = 0;
    ST_ASSERT_OK(run("SELECT * FROM big LIMIT 10", 2, 0, NULL, &rows, &err_));
    assert_int_equal(rows, 10);
    /* one window of (at most) 2 units of 49, not the table */
    assert_true(S.reads <= 2);
    S.reads = 0;
    ST_ASSERT_OK(run("SELECT id FROM big WHERE g = 5 LIMIT 3", 1, 0, NULL, &rows, &err_));
    assert_int_equal(rows, 3);
    assert_true(S.reads < 10);
}

static void test_projection_and_pruning(void **state) {
    (void)state;
    uint64_t rows;
    S.reads = 0;
    S.max_cols = 0;
    ST_ASSERT_OK(run("SELECT sum(d) FROM big", 2, 0, NULL, &rows, &err_));
    assert_int_equal(S.max_cols, 1);
    assert_int_equal(S.reads, 49);
    /* id is sorted: zone maps keep the units overlapping [100000, 100100) */
    S.reads = 0;
    S.max_cols = 0;
    ST_ASSERT_OK(run("SELECT count(*), sum(g) FROM big WHERE id >= 100000 AND id < 100100", 2, 0,
                     NULL, &rows, &err_));
    assert_true(S.reads <= 2);
    assert_int_equal(S.max_cols, 2);
    S.reads = 0;
    ST_ASSERT_OK(run("SELECT count(*) FROM big WHERE id BETWEEN 5000 AND 5001 OR g = 3", 2, 0,
                     NULL, &rows, &err_));
    assert_true(S.reads >= 49); /* OR: no pruning, but still correct */
    /* filter-first: a filter no row passes reads only the filter's column */
    S.reads = 0;
    S.max_cols = 0;
    ST_ASSERT_OK(run("SELECT id, g, d, m FROM big WHERE k = 'k5x'", 2, 0, NULL, &rows, &err_));
    assert_int_equal(rows, 0);
    assert_int_equal(S.reads, 49);
    assert_int_equal(S.max_cols, 1);
    /* ... and the whole unit only where some row passes */
    S.reads = 0;
    S.max_cols = 0;
    uint64_t h1, h2;
    ST_ASSERT_OK(run("SELECT id, k, d, m FROM big WHERE g = 5 AND d > 590", 2, 0, &h1, &rows, &err_));
    assert_true(rows > 0);
    assert_int_equal(S.max_cols, 5);
    assert_true(S.reads > 49 && S.reads < 98);
    ST_ASSERT_OK(run("SELECT id, k, d, m FROM big WHERE g + 0 = 5 AND d + 0 > 590", 1, 0, &h2, NULL, &err_));
    assert_true(h1 == h2);
}

static void test_thread_determinism(void **state) {
    (void)state;
    static const char *qs[] = {
        "SELECT g, sum(d), avg(d), count(*), min(k), max(m), sum(m) FROM big GROUP BY g",
        "SELECT k, sum(d * 1.5), count(DISTINCT g) FROM big WHERE d > 0 GROUP BY k",
        "SELECT sum(d), sum(d * d), avg(d) FROM big",
        "SELECT id, g, d FROM big ORDER BY g, d DESC LIMIT 500",
        "SELECT g, count(*) FROM big GROUP BY g ORDER BY count(*) DESC LIMIT 20",
        "SELECT a.k, count(*), sum(b.d) FROM big a JOIN (SELECT g, avg(d) AS d FROM big GROUP BY g) b "
        "ON a.g = b.g GROUP BY a.k",
        "SELECT DISTINCT k, g % 7 FROM big",
        "SELECT id, d FROM big WHERE g < 3",
        NULL};
    for (int i = 0; qs[i]; i++) {
        uint64_t h1, h2, h4, r1, r2, r4;
        ST_ASSERT_OK(run(qs[i], 1, 0, &h1, &r1, &err_));
        ST_ASSERT_OK(run(qs[i], 2, 0, &h2, &r2, &err_));
        ST_ASSERT_OK(run(qs[i], 4, 0, &h4, &r4, &err_));
        if (h1 != h2 || h1 != h4 || r1 != r2 || r1 != r4)
            fail_msg("query %d differs across thread counts: %s", i, qs[i]);
        assert_true(r1 > 0);
    }
}

/* a stream source (read in order, no units up front) gives the same answers,
 * in the same order, as the same rows read by units */
static void test_stream_source(void **state) {
    (void)state;
    static const char *qs[] = {
        "SELECT g, sum(d), count(*), min(k) FROM %s GROUP BY g",
        "SELECT sum(d), avg(m), count(DISTINCT k) FROM %s",
        "SELECT id, d FROM %s ORDER BY d DESC, id LIMIT 50",
        "SELECT id, g FROM %s WHERE g = 7",
        "SELECT a.k, count(*) FROM %s a JOIN (SELECT DISTINCT g FROM %s WHERE g < 20) b ON a.g = b.g GROUP BY a.k",
        "SELECT * FROM %s LIMIT 5",
        NULL};
    for (int i = 0; qs[i]; i++) {
        char q1[512], q2[512];
        snprintf(q1, sizeof q1, qs[i], "big", "big");
        snprintf(q2, sizeof q2, qs[i], "big_stream", "big_stream");
        for (uint32_t t = 1; t <= 2; t++) {
            uint64_t h1, h2, r1, r2;
            ST_ASSERT_OK(run(q1, t, 0, &h1, &r1, &err_));
            ST_ASSERT_OK(run(q2, t, 0, &h2, &r2, &err_));
            if (h1 != h2 || r1 != r2) fail_msg("stream differs (%u threads): %s", t, q2);
            assert_true(r1 > 0);
        }
    }
    /* a LIMIT stops reading the stream early, a memory limit still holds */
    st_error e;
    assert_int_equal(run("SELECT id, count(*) FROM big_stream GROUP BY id", 2, 1u << 20, NULL, NULL, &e),
                     ST_ERR_LIMIT);
}

static void test_memory_limit(void **state) {
    (void)state;
    st_error e;
    /* 200,000 groups do not fit in 2 MB */
    st_status rc = run("SELECT id, count(*) FROM big GROUP BY id", 2, 2u << 20, NULL, NULL, &e);
    assert_int_equal(rc, ST_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "memory limit"));
    assert_non_null(strstr(e.msg, "line 1, column"));
    rc = run("SELECT * FROM big ORDER BY d", 1, 1u << 20, NULL, NULL, &e);
    assert_int_equal(rc, ST_ERR_LIMIT);
    /* the same queries fit without a limit */
    uint64_t rows;
    ST_ASSERT_OK(run("SELECT id, count(*) FROM big GROUP BY id", 2, 0, NULL, &rows, &err_));
    assert_int_equal(rows, 200000);
    /* and a small query fits in a small limit */
    ST_ASSERT_OK(run("SELECT g, count(*) FROM big GROUP BY g", 2, 8u << 20, NULL, &rows, &err_));
    assert_int_equal(rows, 997);
}

static void test_read_error(void **state) {
    (void)state;
    st_error e;
    S.fail_unit = 3;
    st_status rc = run("SELECT count(*) FROM big", 2, 0, NULL, NULL, &e);
    S.fail_unit = -1;
    assert_int_equal(rc, ST_ERR_CORRUPT);
    assert_non_null(strstr(e.msg, "spy.seg: bad block at byte 4096"));
}

static void test_interrupt(void **state) {
    (void)state;
    volatile int flag = 1;
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.interrupt = &flag;
    st_query *q;
    ST_ASSERT_OK(st_query_prepare(&S.cat, "SELECT count(*) FROM big", &o, &q, &err_));
    const st_batch *b;
    ST_ASSERT_ERR(st_query_next(q, &b, &err_), ST_ERR_INTERRUPTED);
    st_query_close(q);
}

static void test_metadata_and_codes(void **state) {
    (void)state;
    st_query *q;
    ST_ASSERT_OK(st_query_prepare(&S.cat, "SELECT id AS x, k, d * 2 FROM big LIMIT 1", NULL, &q, &err_));
    assert_int_equal(st_query_ncols(q), 3);
    assert_string_equal(st_query_col_name(q, 0), "x");
    assert_string_equal(st_query_col_name(q, 1), "k");
    assert_string_equal(st_query_col_name(q, 2), "d * 2");
    assert_int_equal(st_query_col_type(q, 0).id, ST_T_INT64);
    assert_int_equal(st_query_col_type(q, 2).id, ST_T_DOUBLE);
    st_sbuf sb = ST_SBUF_INIT;
    ST_ASSERT_OK(st_query_explain(q, false, &sb, &err_));
    assert_non_null(strstr(st_sbuf_cstr(&sb), "SCAN big"));
    st_sbuf_free(&sb);
    st_query_close(q);
    st_error e;
    assert_int_equal(st_query_prepare(&S.cat, "SELEC 1", NULL, &q, &e), ST_ERR_PARSE);
    assert_int_equal(st_query_prepare(&S.cat, "SELECT nope FROM big", NULL, &q, &e), ST_ERR_NOT_FOUND);
    assert_int_equal(st_query_prepare(&S.cat, "SELECT k + 1 FROM big", NULL, &q, &e), ST_ERR_TYPE);
    assert_int_equal(st_query_prepare(&S.cat, "SELECT * FROM nope", NULL, &q, &e), ST_ERR_NOT_FOUND);
    assert_int_equal(st_query_prepare(NULL, "SELECT * FROM nope", NULL, &q, &e), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "no warehouse catalog"));
    /* read-only: a COPY is refused before any file is touched */
    {
        st_sql_opts ro;
        st_sql_opts_init(&ro);
        ro.read_only = true;
        char path[64] = "/tmp/strata_ro_XXXXXX"; /* room for the ".csv" appended below */
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        unlink(path);
        char sql[128];
        snprintf(sql, sizeof sql, "COPY (SELECT id FROM big) TO '%s.csv'", path);
        assert_int_equal(st_query_prepare(&S.cat, sql, &ro, &q, &e), ST_ERR_UNSUPPORTED);
        assert_non_null(strstr(e.msg, "writes are off"));
        strcat(path, ".csv");
        assert_int_not_equal(access(path, F_OK), 0);
    }
    /* sizes */
    uint64_t v;
    ST_ASSERT_OK(st_parse_size("512MB", &v, &err_));
    assert_int_equal(v, 512000000);
    ST_ASSERT_OK(st_parse_size("2GiB", &v, &err_));
    assert_int_equal(v, UINT64_C(2147483648));
    ST_ASSERT_OK(st_parse_size("100 kb", &v, &err_));
    assert_int_equal(v, 100000);
    ST_ASSERT_OK(st_parse_size("1.5GB", &v, &err_));
    assert_int_equal(v, 1500000000);
    assert_int_equal(st_parse_size("lots", &v, &e), ST_ERR_INVALID);
    assert_int_equal(st_parse_size("5PB", &v, &e), ST_ERR_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_streams),      cmocka_unit_test(test_projection_and_pruning),
        cmocka_unit_test(test_thread_determinism), cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_read_error),         cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_stream_source),
        cmocka_unit_test(test_metadata_and_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
