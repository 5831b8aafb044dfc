/*
 * test_quality.c: expectation suites: every expectation on data with known
 * violations (counts, percentages, "mostly", severities, the failing keys
 * listed in scan order), aggregates (row count, mean, min, max, null
 * proportion, freshness against a pinned clock), uniqueness of one and of
 * several columns, referential integrity against another table, the same
 * report for any thread count, stored reports, and suites refused before
 * any data is read.
 */
#include "test_util.h"

#include <limits.h>

#include "engine/ingest.h"
#include "engine/quality.h"
#include "engine/tsource.h"
#include "format/io.h"

static char *dir_;
static st_warehouse *wh_;

static void ingest(const char *table, const char *csv) {
    char path[4200];
    snprintf(path, sizeof path, "%s/in.csv", dir_);
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
    /* 10 rows: id 1..10 with 4 and 7 twice (rows 11, 12), a NULL name, prices 1..12 */
    ingest("bronze.q", "id,grp,name,price,ts,ref\n"
                       "1,a,alpha,1.00,2025-06-01 00:00:00,10\n"
                       "2,a,beta,2.00,2025-06-02 00:00:00,20\n"
                       "3,b,,3.00,2025-06-03 00:00:00,30\n"
                       "4,b,delta,4.00,2025-06-04 00:00:00,99\n"
                       "5,c,epsilon,5.00,2025-06-05 00:00:00,10\n"
                       "6,c,zeta,6.00,2025-06-06 00:00:00,\n"
                       "7,d,eta,7.00,2025-06-07 00:00:00,20\n"
                       "8,d,theta,8.00,2025-06-08 00:00:00,30\n"
                       "9,e,iota,9.00,2025-06-09 00:00:00,10\n"
                       "10,e,kappa,10.00,2025-06-10 00:00:00,20\n"
                       "4,x,dup,11.00,2025-06-11 00:00:00,10\n"
                       "7,d,DUP2,12.00,2025-06-12 00:00:00,10\n");
    ingest("bronze.r", "ref\n10\n20\n30\n");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_warehouse_close(wh_);
    st_test_rmrf(dir_);
    return 0;
}

static json_t *check(const char *suite, uint32_t threads, bool *failed) {
    st_suite *s;
    ST_ASSERT_OK(st_suite_parse(suite, strlen(suite), "q.suite.json", &s, &err_));
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("bronze.q", &n, &err_));
    st_table *t;
    ST_ASSERT_OK(st_table_open(wh_, &n, &t, &err_));
    st_logstate *ls;
    ST_ASSERT_OK(st_table_load(t, -1, &ls, &err_));
    st_source *src;
    ST_ASSERT_OK(st_tsource_open(t, ls, false, &src, &err_));
    json_t *r;
    ST_ASSERT_OK(st_suite_check(s, wh_, src, "bronze.q", 0, threads, &r, failed, &err_));
    st_source_close(src);
    st_table_close(t);
    st_suite_free(s);
    return r;
}

static const json_t *result(const json_t *r, size_t i) { return json_array_get(json_object_get(r, "results"), i); }
static long long ival(const json_t *x, const char *k) { return json_integer_value(json_object_get(x, k)); }
static bool ok(const json_t *x) { return json_is_true(json_object_get(x, "success")); }

static void test_expectations(void **state) {
    (void)state;
    setenv("STRATA_NOW", "2025-06-13 00:00:00", 1);
    const char *suite =
        "{\"table\":\"bronze.q\",\"key\":[\"id\"],\"expectations\":["
        "{\"expect\":\"not_null\",\"column\":\"name\"},"                                   /* 0 fails: 1 NULL */
        "{\"expect\":\"not_null\",\"column\":\"name\",\"mostly\":0.9,\"severity\":\"warn\"}," /* 1 ok */
        "{\"expect\":\"unique\",\"column\":\"id\"},"                                        /* 2 fails: 4 rows */
        "{\"expect\":\"unique\",\"columns\":[\"id\",\"grp\"]},"                             /* 3 fails: id 7 grp d twice */
        "{\"expect\":\"in_set\",\"column\":\"grp\",\"values\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}," /* 4 fails: x */
        "{\"expect\":\"between\",\"column\":\"price\",\"min\":1,\"max\":10,\"mostly\":0.8},"   /* 5 ok: 2 of 12 */
        "{\"expect\":\"regex\",\"column\":\"name\",\"pattern\":\"[a-z]+\"},"                /* 6 fails: DUP2 */
        "{\"expect\":\"length_between\",\"column\":\"name\",\"min\":4,\"max\":7},"          /* 7 fails: eta, dup */
        "{\"expect\":\"row_count_between\",\"min\":12,\"max\":12},"                         /* 8 ok */
        "{\"expect\":\"mean_between\",\"column\":\"price\",\"min\":6.4,\"max\":6.6},"       /* 9 ok: 6.5 */
        "{\"expect\":\"min_between\",\"column\":\"ts\",\"min\":\"2025-06-01\",\"max\":\"2025-06-01 00:00:00\"}," /* 10 ok */
        "{\"expect\":\"max_between\",\"column\":\"price\",\"max\":11},"                     /* 11 fails: 12 */
        "{\"expect\":\"null_proportion\",\"column\":\"ref\",\"max\":0.1},"                  /* 12 ok: 1/12 */
        "{\"expect\":\"freshness\",\"column\":\"ts\",\"max_age\":\"2d\"},"                  /* 13 ok: 1 day */
        "{\"expect\":\"freshness\",\"column\":\"ts\",\"max_age\":\"12h\",\"severity\":\"warn\"}," /* 14 warn */
        "{\"expect\":\"references\",\"column\":\"ref\",\"table\":\"bronze.r\",\"to\":\"ref\"}" /* 15 fails: 99 */
        "]}";
    bool failed;
    json_t *r = check(suite, 2, &failed);
    assert_true(failed);
    static const bool want_ok[] = {false, true, false, false, false, true, false, false,
                                   true,  true, true,  false, true,  true, false, false};
    for (size_t i = 0; i < sizeof want_ok; i++)
        if (ok(result(r, i)) != want_ok[i]) fail_msg("expectation %zu: success %d", i, ok(result(r, i)));
    assert_int_equal(ival(result(r, 0), "unexpected_count"), 1);
    assert_int_equal(ival(result(r, 2), "unexpected_count"), 4);
    assert_int_equal(ival(result(r, 3), "unexpected_count"), 2);
    assert_int_equal(ival(result(r, 5), "unexpected_count"), 2);
    assert_int_equal(ival(result(r, 7), "unexpected_count"), 2);
    assert_int_equal(ival(result(r, 15), "unexpected_count"), 1);
    assert_int_equal(ival(result(r, 12), "missing_count"), 0); /* references skips NULL; null_proportion counts */
    /* failing keys, by the suite's key, in scan order */
    const json_t *f = json_array_get(json_object_get(result(r, 4), "failing"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "key")), "id=4");
    assert_string_equal(json_string_value(json_object_get(f, "value")), "x");
    f = json_array_get(json_object_get(result(r, 2), "failing"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "key")), "id=4");
    assert_true(json_real_value(json_object_get(result(r, 9), "observed")) == 6.5);
    json_t *st = json_object_get(r, "statistics");
    assert_int_equal(ival(st, "failed_warn"), 1);
    assert_int_equal(ival(st, "failed_error"), 8);
    /* the same report on one thread */
    json_t *r1 = check(suite, 1, &failed);
    json_object_del(r, "checked_at");
    json_object_del(r1, "checked_at");
    assert_true(json_equal(r, r1));
    /* text form names what failed */
    st_sbuf sb = ST_SBUF_INIT;
    st_quality_format(r, &sb);
    assert_non_null(strstr(sb.p, "FAIL  unique(id,grp)"));
    assert_non_null(strstr(sb.p, "warn  freshness(ts)"));
    st_sbuf_free(&sb);
    /* stored beside the snapshot */
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("bronze.q", &n, &err_));
    st_table *t;
    ST_ASSERT_OK(st_table_open(wh_, &n, &t, &err_));
    ST_ASSERT_OK(st_quality_store(t, 0, r, &err_));
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/_quality/00000000000000000000.json", st_table_dir(t));
    assert_true(st_path_exists(p));
    st_table_close(t);
    json_decref(r);
    json_decref(r1);
    /* warn-only failures do not fail the check */
    r = check("{\"expectations\":[{\"expect\":\"in_set\",\"column\":\"grp\",\"values\":[\"a\"],\"severity\":\"warn\"}]}", 2,
              &failed);
    assert_false(failed);
    assert_true(json_is_true(json_object_get(r, "success")));
    /* default key: the lineage pair */
    f = json_array_get(json_object_get(result(r, 0), "failing"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(f, "key")), "_ingest_id=0,_line="));
    json_decref(r);
    unsetenv("STRATA_NOW");
}

static void test_refused(void **state) {
    (void)state;
    static const char *const bad[] = {
        "[]",
        "{\"expectations\":[]}",
        "{\"expectations\":[{\"expect\":\"frob\",\"column\":\"id\"}]}",
        "{\"expectations\":[{\"expect\":\"not_null\"}]}",
        "{\"expectations\":[{\"expect\":\"between\",\"column\":\"id\"}]}",
        "{\"expectations\":[{\"expect\":\"regex\",\"column\":\"name\",\"pattern\":\"(\"}]}",
        "{\"expectations\":[{\"expect\":\"row_count_between\",\"min\":1,\"mostly\":0.5}]}",
        "{\"expectations\":[{\"expect\":\"not_null\",\"column\":\"id\",\"mostly\":2}]}",
        "{\"expectations\":[{\"expect\":\"not_null\",\"column\":\"id\",\"severity\":\"fatal\"}]}",
        "{\"expectations\":[{\"expect\":\"freshness\",\"column\":\"ts\",\"max_age\":\"soon\"}]}",
        "{\"expectations\":[{\"expect\":\"references\",\"column\":\"ref\",\"table\":\"bronze.r\"}]}",
        "{\"expectations\":[{\"expect\":\"null_proportion\",\"column\":\"ref\",\"max\":3}]}",
        "{\"expectations\":[{\"expect\":\"not_null\",\"column\":\"id\",\"colour\":1}]}",
        "{\"key\":[],\"expectations\":[{\"expect\":\"not_null\",\"column\":\"id\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_suite *s = NULL;
        if (st_suite_parse(bad[i], strlen(bad[i]), "x.json", &s, &err_) == ST_OK) fail_msg("suite %zu accepted", i);
        assert_non_null(strstr(err_.msg, "x.json"));
    }
    /* a column the table lacks is found when checking, before scanning */
    const char *s1 = "{\"expectations\":[{\"expect\":\"not_null\",\"column\":\"nope\"}]}";
    st_suite *s;
    ST_ASSERT_OK(st_suite_parse(s1, strlen(s1), "x.json", &s, &err_));
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("bronze.q", &n, &err_));
    st_table *t;
    ST_ASSERT_OK(st_table_open(wh_, &n, &t, &err_));
    st_logstate *ls;
    ST_ASSERT_OK(st_table_load(t, -1, &ls, &err_));
    st_source *src;
    ST_ASSERT_OK(st_tsource_open(t, ls, false, &src, &err_));
    json_t *r = NULL;
    bool failed;
    ST_ASSERT_ERR(st_suite_check(s, wh_, src, "bronze.q", 0, 1, &r, &failed, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "has no column 'nope'"));
    st_source_close(src);
    st_table_close(t);
    st_suite_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expectations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
