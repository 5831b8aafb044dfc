/*
 * test_silver.c: Silver runs in-process: latest row per key across batches,
 * append-only specs, rejects with every reason (rules, casts, arithmetic
 * overflow, lookups under the reject policy), and a concurrent commit
 * landing between a run's writes and its commit (forced with the
 * before_commit hook): the run starts over, or stops with a clear message
 * when it may not retry.
 */
#include "test_util.h"

#include <limits.h>

#include "engine/ingest.h"
#include "engine/silver.h"
#include "engine/tsource.h"
#include "engine/verify.h"

static char *dir_;
static st_warehouse *wh_;
static int csv_n_;

static void ingest(const char *table, const char *csv) {
    char path[4200];
    snprintf(path, sizeof path, "%s/in%d.csv", dir_, csv_n_++);
    FILE *f = fopen(path, "w");
    fputs(csv, f);
    fclose(f);
    st_tname n;
    ST_ASSERT_OK(st_tname_parse(table, &n, &err_));
    st_table *t;
    ST_ASSERT_OK(st_table_open(wh_, &n, &t, &err_));
    const char *paths[1] = {path};
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    st_ingest_result r;
    ST_ASSERT_OK(st_ingest_files(t, paths, 1, &o, &r, &err_));
    st_table_close(t);
}

static int setup(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    bool created;
    ST_ASSERT_OK(st_warehouse_init(dir_, &created, &err_));
    ST_ASSERT_OK(st_warehouse_open(dir_, &wh_, &err_));
    ingest("bronze.ref", "code,factor\nA,2\nB,3\n");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_warehouse_close(wh_);
    st_test_rmrf(dir_);
    return 0;
}

static st_xspec *spec(const char *text) {
    st_xspec *sp;
    ST_ASSERT_OK(st_xspec_compile(text, strlen(text), "t.json", st_silver_resolver, wh_, &sp, &err_));
    return sp;
}

/* the table's rows as sorted "c1|c2|..." lines of the named columns */
static char *rows_of(const char *table, const char *const *cols, uint32_t ncols) {
    st_tname n;
    ST_ASSERT_OK(st_tname_parse(table, &n, &err_));
    st_table *t;
    ST_ASSERT_OK(st_table_open(wh_, &n, &t, &err_));
    st_logstate *ls;
    ST_ASSERT_OK(st_table_load(t, -1, &ls, &err_));
    st_source *src;
    ST_ASSERT_OK(st_tsource_open(t, ls, n.rejects, &src, &err_));
    uint32_t ci[8];
    st_type ty[8];
    for (uint32_t i = 0; i < ncols; i++) {
        int f = st_schema_find(src->schema, cols[i]);
        assert_true(f >= 0);
        ci[i] = (uint32_t)f;
        ty[i] = src->schema->fields[f].type;
    }
    st_batch *b = st_batch_new(ty, ncols, 64);
    char **lines = NULL;
    size_t nl = 0;
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            ST_ASSERT_OK(src->ops->read(src, g, u, ci, ncols, b, &err_));
            for (uint32_t k = 0; k < st_batch_live(b); k++) {
                uint32_t r = b->sel ? b->sel[k] : k;
                st_sbuf sb = ST_SBUF_INIT;
                for (uint32_t c = 0; c < ncols; c++) {
                    if (c) st_sbuf_putc(&sb, '|');
                    if (st_vector_is_null(b->cols[c], r)) st_sbuf_append(&sb, "NULL", 4);
                    else if (st_type_is_string(ty[c])) {
                        const st_str *s = &ST_VEC(b->cols[c], st_str)[r];
                        st_sbuf_append(&sb, s->ptr, s->len);
                    } else {
                        char buf[ST_FORMAT_MAX];
                        st_sbuf_append(&sb, buf, st_format_value(ty[c], st_vector_at(b->cols[c], r), buf));
                    }
                }
                lines = realloc(lines, (nl + 1) * sizeof *lines);
                lines[nl++] = strdup(st_sbuf_cstr(&sb));
                st_sbuf_free(&sb);
            }
        }
    }
    for (size_t i = 0; i < nl; i++) /* sort */
        for (size_t j = i + 1; j < nl; j++)
            if (strcmp(lines[j], lines[i]) < 0) {
                char *x = lines[i];
                lines[i] = lines[j];
                lines[j] = x;
            }
    st_sbuf out = ST_SBUF_INIT;
    for (size_t i = 0; i < nl; i++) {
        st_sbuf_printf(&out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    st_batch_free(b);
    st_source_close(src);
    st_table_close(t);
    char *res = strdup(st_sbuf_cstr(&out));
    st_sbuf_free(&out);
    return res;
}

static const char *dedup_spec =
    "{\"target\":\"silver.ev\",\"source\":\"bronze.ev\","
    "\"columns\":[{\"name\":\"id\"},{\"name\":\"v\"},{\"name\":\"ts\"}],"
    "\"dedup\":{\"key\":[\"id\"],\"latest_by\":\"ts\"}}";

static void test_latest_per_key(void **state) {
    (void)state;
    ingest("bronze.ev", "id,v,ts\n1,10,2025-01-01 10:00:00\n2,20,2025-01-01 10:00:00\n1,11,2025-01-01 11:00:00\n");
    st_xspec *sp = spec(dedup_spec);
    st_silver_result r;
    ST_ASSERT_OK(st_silver_run(wh_, sp, NULL, &r, &err_));
    assert_int_equal(r.written, 2);
    assert_int_equal(r.duplicates, 1);
    /* a late event (older ts) loses; a newer one replaces; an equal ts: the later ingest wins */
    ingest("bronze.ev", "id,v,ts\n1,9,2025-01-01 09:00:00\n2,21,2025-01-02 10:00:00\n3,30,2025-01-01 00:00:00\n");
    ST_ASSERT_OK(st_silver_run(wh_, sp, NULL, &r, &err_));
    assert_int_equal(r.rows_in, 3);
    assert_int_equal(r.written, 2);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.replaced, 1);
    ingest("bronze.ev", "id,v,ts\n3,31,2025-01-01 00:00:00\n");
    ST_ASSERT_OK(st_silver_run(wh_, sp, NULL, &r, &err_));
    assert_int_equal(r.replaced, 1);
    static const char *const cols[] = {"id", "v", "ts"};
    char *got = rows_of("silver.ev", cols, 3);
    assert_string_equal(got, "1|11|2025-01-01 11:00:00\n2|21|2025-01-02 10:00:00\n3|31|2025-01-01 00:00:00\n");
    free(got);
    ST_ASSERT_OK(st_silver_run(wh_, sp, NULL, &r, &err_));
    assert_true(r.up_to_date);
    st_xspec_free(sp);
}

static void test_rejects_and_append(void **state) {
    (void)state;
    ingest("bronze.m", "id,code,amount,note\n"
                       "1,A,5,ok\n"
                       "2,C,5,no such code\n"
                       "3,B,-1,negative\n"
                       "4,B,x9,not a number\n"
                       "5,A,99999999999999999,overflows after the multiply\n");
    const char *text =
        "{\"target\":\"silver.m\",\"source\":\"bronze.m\","
        "\"columns\":[{\"name\":\"id\"},{\"name\":\"code\"},{\"name\":\"amount\",\"type\":\"DECIMAL(18,0)\"},"
        " {\"name\":\"scaled\",\"type\":\"DECIMAL(12,2)\",\"expr\":{\"mul\":[\"amount\",\"ref.factor\"]}}],"
        "\"lookups\":[{\"name\":\"ref\",\"table\":\"bronze.ref\",\"on\":{\"code\":\"code\"},\"unmatched\":\"reject\"}],"
        "\"rules\":[{\"column\":\"amount\",\"min\":0}]}";
    st_xspec *sp = spec(text);
    st_silver_result r;
    ST_ASSERT_OK(st_silver_run(wh_, sp, NULL, &r, &err_));
    assert_int_equal(r.rows_in, 5);
    assert_int_equal(r.written, 1);
    assert_int_equal(r.rejected, 4);
    assert_int_equal(r.duplicates, 0);
    static const char *const cols[] = {"id", "scaled"};
    char *got = rows_of("silver.m", cols, 2);
    assert_string_equal(got, "1|10.00\n");
    free(got);
    static const char *const rcols[] = {"_line", "reason_codes", "reasons"};
    got = rows_of("silver.m__rejects", rcols, 3);
    assert_non_null(strstr(got, "3|no_match|lookup ref: no row of bronze.ref matches code=C"));
    assert_non_null(strstr(got, "4|below_min|rule amount.min: -1 is below the minimum 0"));
    assert_non_null(strstr(got, "5|bad_value|column amount: x9 is not a valid DECIMAL(18,0)"));
    assert_non_null(strstr(got, "6|bad_value|column scaled"));
    free(got);
    st_xspec_free(sp);
}

typedef struct hook {
    const st_xspec *sp;
    int calls;
} hook;

/* another writer commits between the run's writes and its commit */
static void interfere(void *ctx, uint32_t attempt) {
    hook *h = ctx;
    h->calls++;
    if (attempt != 1) return;
    ingest("bronze.ev", "id,v,ts\n4,40,2025-02-01 00:00:00\n");
    st_silver_result r;
    ST_ASSERT_OK(st_silver_run(wh_, h->sp, NULL, &r, &err_));
    assert_true(r.version >= 0);
}

static void test_conflict(void **state) {
    (void)state;
    ingest("bronze.ev", "id,v,ts\n1,10,2025-01-01 10:00:00\n");
    st_xspec *sp = spec(dedup_spec);
    st_silver_result r;
    ST_ASSERT_OK(st_silver_run(wh_, sp, NULL, &r, &err_));
    ingest("bronze.ev", "id,v,ts\n1,12,2025-01-03 10:00:00\n");
    hook h = {sp, 0};
    st_silver_opts o;
    memset(&o, 0, sizeof o);
    o.retries = -1;
    o.before_commit = interfere;
    o.hook_ctx = &h;
    ST_ASSERT_OK(st_silver_run(wh_, sp, &o, &r, &err_));
    assert_int_equal(r.attempts, 2);
    assert_true(r.up_to_date); /* the other writer consumed everything */
    static const char *const cols[] = {"id", "v"};
    char *got = rows_of("silver.ev", cols, 2);
    assert_string_equal(got, "1|12\n4|40\n");
    free(got);
    /* no retry: a clear error, nothing committed, no file left behind */
    ingest("bronze.ev", "id,v,ts\n1,13,2025-01-04 10:00:00\n");
    o.retries = 0;
    h.calls = 0;
    ST_ASSERT_ERR(st_silver_run(wh_, sp, &o, &r, &err_), ST_ERR_CONFLICT);
    assert_non_null(strstr(err_.msg, "changed the table while this transform was running"));
    assert_int_equal(h.calls, 1);
    got = rows_of("silver.ev", cols, 2);
    assert_string_equal(got, "1|13\n4|40\n"); /* what the interfering run committed, and nothing of the loser */
    free(got);
    /* the losers' files were removed: verify sees no orphan */
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("silver.ev", &n, &err_));
    st_table *t;
    ST_ASSERT_OK(st_table_open(wh_, &n, &t, &err_));
    st_verify_stats vs;
    ST_ASSERT_OK(st_table_verify(t, 1, NULL, NULL, &vs, &err_));
    assert_int_equal(vs.errors, 0);
    assert_int_equal(vs.warnings, 0);
    st_table_close(t);
    st_xspec_free(sp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_latest_per_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_and_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
