/*
 * test_src_parquet.c: Parquet files as a scan source: groups and units,
 * projection, zone-map pruning that never drops a matching row group,
 * parallel reads giving the same rows as a serial read, several files as
 * one source, and the errors for missing or mismatched files.
 */
#include "test_util.h"

#include "engine/src_parquet.h"
#include "format/parquet.h"
#include "format/pool.h"

static char *dir_;

/* A file of n rows: id INT64 (0..n-1, so each row group covers a range),
 * name VARCHAR (NULL every 5th), amount DOUBLE. */
static void make_file(const char *path, uint32_t n, uint32_t rg_rows, int64_t id0) {
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT64), 1, false, &err_));
    ST_ASSERT_OK(st_schema_add(s, "name", st_type_make(ST_T_VARCHAR), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "amount", st_type_make(ST_T_DOUBLE), 3, true, &err_));
    st_type types[3];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, 3, n);
    for (uint32_t i = 0; i < n; i++) {
        int64_t id = id0 + i;
        double amt = (double)(i % 100) * 1.5;
        char name[32];
        snprintf(name, sizeof name, "n%u", i % 7);
        ST_ASSERT_OK(st_vector_append(b->cols[0], &id, &err_));
        if (i % 5 == 0) ST_ASSERT_OK(st_vector_append_null(b->cols[1], &err_));
        else ST_ASSERT_OK(st_vector_append_str(b->cols[1], name, (uint32_t)strlen(name), &err_));
        ST_ASSERT_OK(st_vector_append(b->cols[2], &amt, &err_));
    }
    st_batch_set_len(b, n);
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(dir_, "src", &f, &err_));
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    o.row_group_rows = rg_rows;
    st_pq_writer *w;
    ST_ASSERT_OK(st_pq_writer_open(f, s, &o, &w, &err_));
    ST_ASSERT_OK(st_pq_writer_write(w, b, &err_));
    ST_ASSERT_OK(st_pq_writer_finish(w, &err_));
    st_pq_writer_free(w);
    ST_ASSERT_OK(st_wfile_publish(f, path, ST_PUBLISH_REPLACE, &err_));
    st_batch_free(b);
    st_schema_free(s);
}

typedef struct par_ctx {
    st_source *s;
    uint32_t nunits;
    int64_t *sums; /* per unit: sum of ids */
    uint64_t *rows;
} par_ctx;

static st_status read_unit(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    (void)worker;
    par_ctx *pc = ctx;
    st_type t = st_type_make(ST_T_INT64);
    st_batch *b = st_batch_new(&t, 1, 0);
    uint32_t col = 0;
    st_status rc = pc->s->ops->read(pc->s, 0, (uint32_t)task, &col, 1, b, e);
    if (rc == ST_OK) {
        int64_t sum = 0;
        for (uint32_t i = 0; i < b->len; i++) sum += ((int64_t *)b->cols[0]->data)[i];
        pc->sums[task] = sum;
        pc->rows[task] = b->len;
    }
    st_batch_free(b);
    return rc;
}

static void test_units_projection_pruning(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/a.parquet", dir_);
    make_file(path, 10000, 3000, 0);
    st_source *s;
    ST_ASSERT_OK(st_parquet_source_open(path, &s, &err_));
    assert_int_equal(s->schema->nfields, 3);
    assert_int_equal(s->ops->group_count(s), 1);
    st_group_info gi;
    s->ops->group_info(s, 0, &gi);
    assert_int_equal(gi.rows, 10000);
    assert_non_null(gi.zm);
    assert_int_equal(gi.zm[0].min.v.i64, 0);
    assert_int_equal(gi.zm[0].max.v.i64, 9999);
    assert_int_equal(gi.zm[1].null_count, 2000);
    uint32_t nunits;
    ST_ASSERT_OK(s->ops->group_open(s, 0, &nunits, &err_));
    assert_int_equal(nunits, 4);
    /* id = 7500 can only be in unit 2 (rows 6000..8999) */
    st_zval z = {0};
    z.v.i64 = 7500;
    uint32_t hits = 0;
    for (uint32_t u = 0; u < nunits; u++) {
        st_unit_info ui;
        uint32_t cols[1] = {1};
        s->ops->unit_info(s, 0, u, cols, 1, &ui);
        assert_non_null(ui.zm);
        assert_true(ui.bytes > 0);
        if (st_zonemap_may_match(&ui.zm[0], ST_CMP_EQ, &z)) {
            hits++;
            assert_int_equal(u, 2);
        }
    }
    assert_int_equal(hits, 1);
    /* projection: amount then id */
    st_type types[2] = {st_type_make(ST_T_DOUBLE), st_type_make(ST_T_INT64)};
    st_batch *b = st_batch_new(types, 2, 0);
    uint32_t cols[2] = {2, 0};
    ST_ASSERT_OK(s->ops->read(s, 0, 3, cols, 2, b, &err_));
    assert_int_equal(b->len, 1000);
    assert_null(b->sel);
    assert_int_equal(((int64_t *)b->cols[1]->data)[0], 9000);
    assert_true(((double *)b->cols[0]->data)[1] == 1.5);
    st_batch_free(b);
    /* parallel reads agree with the expected sums */
    par_ctx pc = {s, nunits, calloc(nunits, 8), calloc(nunits, 8)};
    ST_ASSERT_OK(st_parallel_for(2, nunits, read_unit, &pc, &err_));
    int64_t total = 0;
    uint64_t rows = 0;
    for (uint32_t u = 0; u < nunits; u++) total += pc.sums[u], rows += pc.rows[u];
    assert_int_equal(rows, 10000);
    assert_int_equal(total, (int64_t)9999 * 10000 / 2);
    free(pc.sums);
    free(pc.rows);
    st_source_close(s);
    st_test_rmrf(dir_);
}

static void test_many_files(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    char a[4200], b[4200], c[4200];
    snprintf(a, sizeof a, "%s/a.parquet", dir_);
    snprintf(b, sizeof b, "%s/b.parquet", dir_);
    snprintf(c, sizeof c, "%s/missing.parquet", dir_);
    make_file(a, 100, 1000, 0);
    make_file(b, 50, 1000, 1000);
    const char *paths[] = {a, b};
    st_source *s;
    ST_ASSERT_OK(st_parquet_source_open_many(paths, 2, &s, &err_));
    assert_int_equal(s->ops->group_count(s), 2);
    st_group_info gi;
    s->ops->group_info(s, 1, &gi);
    assert_int_equal(gi.rows, 50);
    assert_int_equal(gi.zm[0].min.v.i64, 1000);
    assert_string_equal(gi.label, b);
    st_source_close(s);
    const char *bad[] = {a, c};
    ST_ASSERT_ERR(st_parquet_source_open_many(bad, 2, &s, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "missing.parquet"));
    /* a file that is not Parquet */
    FILE *f = fopen(c, "w");
    fputs("id,name\n1,x\n", f);
    fclose(f);
    ST_ASSERT_ERR(st_parquet_source_open(c, &s, &err_), ST_ERR_FORMAT);
    assert_non_null(strstr(err_.msg, "not a Parquet file"));
    st_test_rmrf(dir_);
}

/* A row group above ST_SOURCE_UNIT_MAX rows becomes several units. */
static void test_split_row_group(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    char a[4200];
    snprintf(a, sizeof a, "%s/big.parquet", dir_);
    uint32_t n = ST_SOURCE_UNIT_MAX + 51424;
    make_file(a, n, 1u << 21, 0);
    st_source *s;
    ST_ASSERT_OK(st_parquet_source_open(a, &s, &err_));
    uint32_t nunits;
    ST_ASSERT_OK(s->ops->group_open(s, 0, &nunits, &err_));
    assert_int_equal(nunits, 2);
    st_unit_info ui;
    s->ops->unit_info(s, 0, 1, NULL, 0, &ui);
    assert_int_equal(ui.rows, 51424);
    st_type types[2] = {st_type_make(ST_T_INT64), st_type_make(ST_T_VARCHAR)};
    st_batch *b = st_batch_new(types, 2, 0);
    uint32_t cols[2] = {0, 1};
    ST_ASSERT_OK(s->ops->read(s, 0, 1, cols, 2, b, &err_));
    assert_int_equal(b->len, 51424);
    for (uint32_t i = 0; i < b->len; i += 997) {
        int64_t id = ((int64_t *)b->cols[0]->data)[i];
        assert_int_equal(id, (int64_t)ST_SOURCE_UNIT_MAX + i);
        assert_int_equal(st_vector_is_null(b->cols[1], i), id % 5 == 0);
    }
    st_batch_free(b);
    st_source_close(s);
    st_test_rmrf(dir_);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_projection_pruning),
        cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_split_row_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
