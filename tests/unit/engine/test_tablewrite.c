/*
 * test_tablewrite.c: the table writer behind CREATE TABLE AS / INSERT /
 * INSERT OVERWRITE: partition keys and bounds (day and month edges, before
 * 1970, NULL), one segment per partition, partition records surviving the
 * log and checkpoints (format 2), overwrite replacing exactly the touched
 * partitions in one entry, a conflicting concurrent write, and the table
 * source's partitions and partition zone maps.
 */
#include "test_util.h"

#include "engine/table.h"
#include "engine/tablewrite.h"
#include "engine/tsource.h"

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
    ST_ASSERT_OK(st_tname_parse("gold.t", &n, &err_));
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

static void test_partition_of(void **state) {
    (void)state;
    char k[ST_TW_KEY_MAX], mn[ST_TW_KEY_MAX], mx[ST_TW_KEY_MAX];
    int64_t ts = -1; /* 1969-12-31 23:59:59.999999 */
    st_type T = st_type_make(ST_T_TIMESTAMP), D = st_type_make(ST_T_DATE);
    ST_ASSERT_OK(st_tw_partition_of(ST_PART_DAY, T, &ts, k, mn, mx, &err_));
    assert_string_equal(k, "1969-12-31");
    assert_string_equal(mn, "1969-12-31 00:00:00");
    assert_string_equal(mx, "1969-12-31 23:59:59.999999");
    ts = 0;
    ST_ASSERT_OK(st_tw_partition_of(ST_PART_MONTH, T, &ts, k, mn, mx, &err_));
    assert_string_equal(k, "1970-01");
    assert_string_equal(mx, "1970-01-31 23:59:59.999999");
    int32_t d = (int32_t)st_days_from_civil(2024, 2, 29);
    ST_ASSERT_OK(st_tw_partition_of(ST_PART_MONTH, D, &d, k, mn, mx, &err_));
    assert_string_equal(k, "2024-02");
    assert_string_equal(mn, "2024-02-01");
    assert_string_equal(mx, "2024-02-29");
    d = (int32_t)st_days_from_civil(2025, 12, 31);
    ST_ASSERT_OK(st_tw_partition_of(ST_PART_MONTH, D, &d, k, mn, mx, &err_));
    assert_string_equal(mx, "2025-12-31");
    int64_t v = -42;
    ST_ASSERT_OK(st_tw_partition_of(ST_PART_VALUE, st_type_make(ST_T_INT64), &v, k, mn, mx, &err_));
    assert_string_equal(k, "-42");
    assert_string_equal(mx, "-42");
    ST_ASSERT_OK(st_tw_partition_of(ST_PART_DAY, T, NULL, k, mn, mx, &err_));
    assert_string_equal(k, "");
    char big[1100];
    memset(big, 'a', sizeof big);
    st_str s = {big, sizeof big, 0};
    ST_ASSERT_ERR(st_tw_partition_of(ST_PART_VALUE, st_type_make(ST_T_VARCHAR), &s, k, mn, mx, &err_),
                  ST_ERR_INVALID);
}

/* Rows (day, x): ts = day * 1 day + x seconds; NULL ts when day < 0. */
static st_batch *rows(const int *days, const int64_t *xs, uint32_t n) {
    st_type types[2] = {st_type_make(ST_T_TIMESTAMP), st_type_make(ST_T_INT64)};
    st_batch *b = st_batch_new(types, 2, n);
    for (uint32_t i = 0; i < n; i++) {
        int64_t ts = (int64_t)days[i] * ST_USEC_PER_DAY + xs[i] * ST_USEC_PER_SEC;
        if (days[i] < 0) ST_ASSERT_OK(st_vector_append_null(b->cols[0], &err_));
        else ST_ASSERT_OK(st_vector_append(b->cols[0], &ts, &err_));
        ST_ASSERT_OK(st_vector_append(b->cols[1], &xs[i], &err_));
    }
    st_batch_set_len(b, n);
    return b;
}

static void write_rows(st_tw_mode mode, const st_tschema *ts, const int *days, const int64_t *xs, uint32_t n,
                       int64_t *version) {
    st_tw *w;
    ST_ASSERT_OK(st_tw_begin(tb_, mode, ts, 2, &w, &err_)); /* 2 rows per segment at most */
    st_batch *b = rows(days, xs, n);
    ST_ASSERT_OK(st_tw_add(w, b, &err_));
    st_batch_free(b);
    uint64_t nrows;
    ST_ASSERT_OK(st_tw_commit(w, &nrows, version, &err_));
    assert_int_equal(nrows, n);
}

static uint64_t rows_in(const st_logstate *s, const char *key) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (s->segs[i].has_part && ((!key && !s->segs[i].part_key) ||
                                    (key && s->segs[i].part_key && !strcmp(key, s->segs[i].part_key))))
            n += s->segs[i].rows;
    return n;
}

static void test_create_overwrite(void **state) {
    (void)state;
    st_tschema *ts = st_tschema_new();
    ST_ASSERT_OK(st_tschema_add(ts, "ts", st_type_make(ST_T_TIMESTAMP), 0, true, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(ts, "x", st_type_make(ST_T_INT64), 0, true, NULL, &err_));
    ts->part_kind = ST_PART_DAY;
    ts->part_field = 1;
    ts->cluster = malloc(sizeof *ts->cluster);
    ts->cluster[0] = 2;
    ts->ncluster = 1;
    int days[] = {10, 10, 10, 11, 12, 12, -1};
    int64_t xs[] = {1, 2, 3, 4, 5, 6, 7};
    int64_t v;
    write_rows(ST_TW_CREATE, ts, days, xs, 7, &v);
    assert_int_equal(v, 0);
    st_logstate *s;
    ST_ASSERT_OK(st_table_load(tb_, -1, &s, &err_));
    assert_true(st_tschema_equal(s->schema, s->schema));
    assert_int_equal(s->schema->part_kind, ST_PART_DAY);
    assert_int_equal(s->schema->ncluster, 1);
    assert_int_equal(s->nsegs, 5); /* day 10 splits at 2 rows; 11; 12; NULL */
    assert_int_equal(rows_in(s, "1970-01-11"), 3);
    assert_int_equal(rows_in(s, NULL), 1);
    /* checkpoint round trip keeps the partition records */
    st_sbuf sb = ST_SBUF_INIT;
    ST_ASSERT_OK(st_logstate_encode(s, &sb, &err_));
    assert_non_null(strstr(st_sbuf_cstr(&sb), "\"strata_checkpoint\":2"));
    st_logstate *back;
    ST_ASSERT_OK(st_logstate_decode(st_sbuf_cstr(&sb), sb.len, "cp", s->version, &back, &err_));
    assert_true(st_logstate_equal(s, back));
    st_logstate_free(back);
    st_sbuf_free(&sb);

    /* the source: 4 partitions, zone map of ts bounds one day */
    st_source *src;
    ST_ASSERT_OK(st_tsource_open(tb_, s, false, &src, &err_));
    assert_int_equal(src->ops->partition_count(src), 4);
    const st_zonemap *z = src->ops->partition_zm(src, 0);
    st_zval in, out;
    int64_t t_in = 10 * ST_USEC_PER_DAY + 86399 * ST_USEC_PER_SEC, t_out = 11 * ST_USEC_PER_DAY;
    st_zval_from_value(st_type_make(ST_T_TIMESTAMP), &t_in, &in);
    st_zval_from_value(st_type_make(ST_T_TIMESTAMP), &t_out, &out);
    assert_true(st_zonemap_may_match(&z[0], ST_CMP_EQ, &in));
    assert_false(st_zonemap_may_match(&z[0], ST_CMP_EQ, &out));
    assert_true(st_zonemap_may_match(&z[1], ST_CMP_EQ, &in)); /* x: unknown */
    assert_true(st_zonemap_may_match(&z[1], ST_CMP_IS_NULL, &in));
    st_source_close(src);

    /* overwrite days 11 and NULL: day 10 and 12 untouched */
    int d2[] = {11, 11, -1};
    int64_t x2[] = {40, 41, 70};
    write_rows(ST_TW_OVERWRITE, NULL, d2, x2, 3, &v);
    assert_int_equal(v, 1);
    ST_ASSERT_OK(st_table_load(tb_, -1, &s, &err_));
    assert_int_equal(rows_in(s, "1970-01-11"), 3);
    assert_int_equal(rows_in(s, "1970-01-12"), 2);
    assert_int_equal(rows_in(s, "1970-01-13"), 2);
    assert_int_equal(rows_in(s, NULL), 1);
    st_logentry *le;
    ST_ASSERT_OK(st_table_read_entry(tb_, 1, &le, &err_));
    assert_int_equal(le->op, ST_OP_OVERWRITE);
    assert_int_equal(le->nremoves, 2);
    st_logentry_free(le);
    st_logstate_free(s);

    /* a writer that read version 1 overwrites day 12, but version 2 appended to day 12 */
    st_tw *w;
    ST_ASSERT_OK(st_tw_begin(tb_, ST_TW_OVERWRITE, NULL, 0, &w, &err_));
    int d3[] = {12};
    int64_t x3[] = {99};
    write_rows(ST_TW_INSERT, NULL, d3, x3, 1, &v);
    assert_int_equal(v, 2);
    st_batch *b = rows(d3, x3, 1);
    ST_ASSERT_OK(st_tw_add(w, b, &err_));
    st_batch_free(b);
    uint64_t n;
    ST_ASSERT_ERR(st_tw_commit(w, &n, &v, &err_), ST_ERR_CONFLICT);
    /* an overwrite of another day does not conflict with it */
    ST_ASSERT_OK(st_tw_begin(tb_, ST_TW_OVERWRITE, NULL, 0, &w, &err_));
    write_rows(ST_TW_INSERT, NULL, d3, x3, 1, &v);
    int d4[] = {20};
    b = rows(d4, x3, 1);
    ST_ASSERT_OK(st_tw_add(w, b, &err_));
    st_batch_free(b);
    ST_ASSERT_OK(st_tw_commit(w, &n, &v, &err_));
    assert_int_equal(v, 4);
    /* CREATE of an existing table fails */
    ST_ASSERT_ERR(st_tw_begin(tb_, ST_TW_CREATE, ts, 0, &w, &err_), ST_ERR_EXISTS);
    st_tschema_free(ts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partition_of),
        cmocka_unit_test_setup_teardown(test_create_overwrite, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
