/*
 * test_ingest.c: the ingest library directly: many small segments written
 * by several writer threads keep the input order, counts hold
 * (accepted + rejected = read), and a stream's micro-batches land as
 * separate commits of exactly batch_rows records.
 */
#include "test_util.h"

#include <limits.h>
#include <sys/stat.h>

#include "engine/catalog.h"
#include "engine/ingest.h"
#include "engine/table.h"

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
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_table_close(tb_);
    st_warehouse_close(wh_);
    st_test_rmrf(dir_);
    return 0;
}

/* _line of every row, in scan order. */
static int64_t *scan_lines(uint64_t *n) {
    st_catalog *cat;
    ST_ASSERT_OK(st_warehouse_catalog_open(dir_, &cat, &err_));
    st_source *src;
    ST_ASSERT_OK(cat->ops->open(cat, "bronze.t", -1, INT64_MIN, &src, &err_));
    uint32_t col = (uint32_t)st_schema_find(src->schema, "_line");
    st_type ty = st_type_make(ST_T_INT64);
    st_batch *b = st_batch_new(&ty, 1, ST_VECTOR_SIZE);
    int64_t *out = NULL;
    *n = 0;
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            ST_ASSERT_OK(src->ops->read(src, g, u, &col, 1, b, &err_));
            out = realloc(out, (*n + b->len) * sizeof *out);
            memcpy(out + *n, b->cols[0]->data, b->len * sizeof *out);
            *n += b->len;
        }
    }
    st_batch_free(b);
    st_source_close(src);
    st_catalog_close(cat);
    return out;
}

static void test_order_many_writers(void **state) {
    (void)state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/in.csv", dir_);
    FILE *f = fopen(path, "w");
    fprintf(f, "id,name\n");
    for (int i = 0; i < 20000; i++) {
        if (i % 997 == 5) fprintf(f, "oops\n"); /* ragged: quarantined */
        else fprintf(f, "%d,n%d\n", i, i);
    }
    fclose(f);
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 4;          /* two writer threads */
    o.segment_rows = 1500;  /* many segments */
    st_ingest_result r;
    const char *paths[1] = {path};
    ST_ASSERT_OK(st_ingest_files(tb_, paths, 1, &o, &r, &err_));
    assert_int_equal(r.read, 20000);
    assert_int_equal(r.accepted + r.rejected, r.read);
    assert_int_equal(r.rejected, 21);
    assert_int_equal(r.commits, 1);
    st_logstate *s;
    ST_ASSERT_OK(st_table_load(tb_, -1, &s, &err_));
    assert_true(s->nsegs >= 10); /* segments close at the first chunk past 1500 rows */
    st_logstate_free(s);
    uint64_t n;
    int64_t *lines = scan_lines(&n);
    assert_int_equal(n, 20000 - 21);
    for (uint64_t i = 1; i < n; i++)
        if (lines[i] <= lines[i - 1]) fail_msg("rows out of order at %llu", (unsigned long long)i);
    free(lines);
}

static void test_stream_batches(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    FILE *w = fdopen(fds[1], "w");
    for (int i = 1; i <= 25; i++) fprintf(w, "{\"id\":%d}\n", i);
    fclose(w); /* end of input: what is held is committed */
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.format = ST_IN_NDJSON;
    o.batch_rows = 10; /* 10 + 10 + 5, even though all 25 arrive at once */
    o.batch_ms = 60000;
    st_ingest_result r;
    ST_ASSERT_OK(st_ingest_stdin(tb_, fds[0], &o, &r, &err_));
    close(fds[0]);
    assert_int_equal(r.read, 25);
    assert_int_equal(r.commits, 3);
    assert_int_equal(r.first_version, 0);
    assert_int_equal(r.last_version, 2);
    st_logentry *le;
    ST_ASSERT_OK(st_table_read_entry(tb_, 1, &le, &err_));
    assert_int_equal(le->n_read, 10);
    assert_int_equal(le->sources[0].first_line, 11);
    assert_int_equal(le->sources[0].last_line, 20);
    st_logentry_free(le);
    uint64_t n;
    int64_t *lines = scan_lines(&n);
    assert_int_equal(n, 25);
    for (uint64_t i = 0; i < n; i++) assert_int_equal(lines[i], (int64_t)i + 1);
    free(lines);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_many_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_batches, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
