/*
 * test_text_generated.c: the text readers against the data generator
 * (bench/gen, `strata gen`).  The generator injects malformed records of
 * known kinds (bad types, missing/extra fields, truncated lines, bad dates,
 * invalid UTF-8, empty required fields, garbage lines) and counts them in its
 * manifest.  Read with the manifest's schema (names, types, required), every
 * file of every source, as CSV and as NDJSON, must yield exactly that many
 * bad records, and rows + bad records == the manifest's rows: nothing lost,
 * nothing invented, whatever the format.
 */
#include "test_util.h"

#include <jansson.h>

#include "bench/gen/gen.h"
#include "format/csv.h"
#include "format/ndjson.h"

typedef struct counts {
    uint64_t bad, utf8, notnull;
} counts;

static st_status on_bad(void *ctx, const st_text_bad *b, st_error *e) {
    (void)e;
    counts *c = ctx;
    c->bad++;
    for (uint32_t i = 0; i < b->nreasons; i++) {
        if (strstr(b->reasons[i].message, "UTF-8")) c->utf8++;
        if (strstr(b->reasons[i].message, "NOT NULL")) c->notnull++;
    }
    return ST_OK;
}

static st_schema *schema_of(json_t *src) {
    st_schema *s = st_schema_new();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(src, "columns"), i, c) {
        const char *tn = json_string_value(json_object_get(c, "type"));
        st_type t;
        ST_ASSERT_OK(st_type_parse(tn, strlen(tn), &t, &err_));
        ST_ASSERT_OK(st_schema_add(s, json_string_value(json_object_get(c, "name")), t,
                                   (uint32_t)i + 1, !json_is_true(json_object_get(c, "required")),
                                   &err_));
    }
    return s;
}

static void check_dir(const char *dir, st_gen_as as) {
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, ST_GEN_MANIFEST);
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    if (!m) fail_msg("manifest: %s", je.text);
    const char *name;
    json_t *src;
    int nsrc = 0;
    json_object_foreach(json_object_get(m, "sources"), name, src) {
        st_schema *s = schema_of(src);
        snprintf(path, sizeof path, "%s/%s", dir, json_string_value(json_object_get(src, "file")));
        bool csv = !strcmp(json_string_value(json_object_get(src, "format")), "csv");
        counts c = {0};
        st_text_stats stt;
        for (uint32_t threads = 1; threads <= 2; threads++) {
            memset(&c, 0, sizeof c);
            if (csv) {
                st_csv_options o;
                st_csv_options_init(&o);
                o.schema = s;
                o.threads = threads;
                o.on_bad = on_bad;
                o.bad_ctx = &c;
                st_csv_reader *r;
                ST_ASSERT_OK(st_csv_open_file(path, &o, &r, &err_));
                assert_true(st_csv_get_dialect(r)->header);
                for (;;) {
                    st_text_chunk ch;
                    ST_ASSERT_OK(st_csv_next(r, &ch, &err_));
                    if (!ch.batch) break;
                }
                st_csv_stats(r, &stt);
                st_csv_close(r);
            } else {
                st_ndjson_options o;
                st_ndjson_options_init(&o);
                o.schema = s;
                o.threads = threads;
                o.on_bad = on_bad;
                o.bad_ctx = &c;
                st_ndjson_reader *r;
                ST_ASSERT_OK(st_ndjson_open_file(path, &o, &r, &err_));
                for (;;) {
                    st_text_chunk ch;
                    ST_ASSERT_OK(st_ndjson_next(r, &ch, &err_));
                    if (!ch.batch) break;
                }
                st_ndjson_stats(r, &stt);
                st_ndjson_close(r);
            }
            uint64_t want_rows = (uint64_t)json_integer_value(json_object_get(src, "rows"));
            uint64_t want_bad = (uint64_t)json_integer_value(json_object_get(src, "bad"));
            json_t *kinds = json_object_get(src, "bad_by_kind");
            uint64_t want_utf8 = (uint64_t)json_integer_value(json_object_get(kinds, "bad_utf8"));
            if (stt.records != want_rows || stt.bad != want_bad || c.bad != want_bad ||
                c.utf8 != want_utf8)
                fail_msg("%s (as %d, %u threads): manifest %llu records / %llu bad / %llu bad UTF-8; "
                         "read %llu / %llu / %llu",
                         path, (int)as, threads, (unsigned long long)want_rows,
                         (unsigned long long)want_bad, (unsigned long long)want_utf8,
                         (unsigned long long)stt.records, (unsigned long long)stt.bad,
                         (unsigned long long)c.utf8);
        }
        st_schema_free(s);
        nsrc++;
    }
    assert_int_equal(nsrc, ST_GEN_NSOURCES);
    json_decref(m);
}

static void test_generated_sources(void **state) {
    (void)state;
    static const st_gen_as kinds[] = {ST_GEN_AS_NATIVE, ST_GEN_AS_CSV, ST_GEN_AS_NDJSON};
    for (int k = 0; k < 3; k++) {
        char *base = st_test_tmpdir();
        assert_non_null(base);
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/g", base);
        st_gen_options o;
        st_gen_options_default(&o);
        o.scale = 0.01;
        o.as = kinds[k];
        o.bad_rate = 0.02;
        o.threads = 2;
        ST_ASSERT_OK(st_gen_run(&o, dir, NULL, &err_));
        check_dir(dir, kinds[k]);
        st_test_rmrf(base);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
