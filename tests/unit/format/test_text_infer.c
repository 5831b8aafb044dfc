/*
 * test_text_infer.c: type inference rules and the fast parsers.
 *
 * The fast paths (plain integers, YYYY-MM-DD, ISO timestamps) must give the
 * same verdict and value as format/types.h's parsers on every shape; the
 * inference must never pick a type that loses a value (leading zeros, more
 * digits than a double keeps, integers beyond INT64, ns timestamps).
 */
#include "test_util.h"

#include "format/text_int.h"
#include "format/types.h"

static st_type infer(const char **vals, int n) {
    tx_stat s = {0};
    for (int i = 0; i < n; i++) tx_classify(&s, vals[i], strlen(vals[i]));
    return tx_stat_resolve(&s);
}

#define EXPECT_TYPE(want, ...)                                                        \
    do {                                                                              \
        const char *v_[] = {__VA_ARGS__};                                             \
        st_type t_ = infer(v_, (int)(sizeof v_ / sizeof v_[0]));                      \
        char a_[ST_TYPE_NAME_MAX];                                                    \
        if (strcmp(st_type_name(t_, a_), want))                                       \
            fail_msg("%s: expected %s, got %s", #__VA_ARGS__, want, a_);              \
    } while (0)

static void test_inference_rules(void **state) {
    (void)state;
    EXPECT_TYPE("INT64", "1", "-2", "+3", " 4 ", "0", "-0");
    EXPECT_TYPE("VARCHAR", "1", "007");
    EXPECT_TYPE("DOUBLE", "1", "2.5", "-0.25", "1e10", ".5", "5.");
    EXPECT_TYPE("DECIMAL(20,19)", "0.1234567890123456789", "1");
    EXPECT_TYPE("DECIMAL(38,0)", "9223372036854775808", "1");
    EXPECT_TYPE("INT64", "9223372036854775807", "-9223372036854775808");
    EXPECT_TYPE("DECIMAL(38,0)", "-9223372036854775809");
    EXPECT_TYPE("VARCHAR", "123456789012345678901234567890123456789"); /* 39 digits */
    EXPECT_TYPE("VARCHAR", "1e400");
    EXPECT_TYPE("VARCHAR", "1.2345678901234567e5"); /* 17 digits with an exponent */
    EXPECT_TYPE("DOUBLE", "123456789012345", "0.5"); /* 15 digits survive */
    EXPECT_TYPE("DECIMAL(17,1)", "1234567890123456", "0.5");
    EXPECT_TYPE("BOOLEAN", "true", "FALSE", "True");
    EXPECT_TYPE("VARCHAR", "true", "1");
    EXPECT_TYPE("VARCHAR", "t", "f");
    EXPECT_TYPE("DATE", "2024-02-29", "1999-12-31");
    EXPECT_TYPE("VARCHAR", "2023-02-29");
    EXPECT_TYPE("TIMESTAMP", "2024-02-29", "2024-02-29 10:00:00", "2024-02-29T10:00:00.123456Z");
    EXPECT_TYPE("TIMESTAMP_NS", "2024-02-29 10:00:00.123456789");
    EXPECT_TYPE("TIMESTAMP", "2024-02-29 10:00:00.123456000");
    EXPECT_TYPE("VARCHAR", "2024-02-29 23:59:60");
    EXPECT_TYPE("VARCHAR", "2024-02-29", "5");
    EXPECT_TYPE("VARCHAR", "nan", "inf");
    EXPECT_TYPE("VARCHAR", "", " ");
    tx_stat none = {0};
    char tn[ST_TYPE_NAME_MAX];
    assert_string_equal(st_type_name(tx_stat_resolve(&none), tn), "VARCHAR");
    /* merging stats of two halves = classifying the whole */
    tx_stat a = {0}, b = {0}, whole = {0};
    const char *vals[] = {"1", "2.25", "0.000001", "-17", "123.5", "1e-3"};
    for (int i = 0; i < 6; i++) {
        tx_classify(i < 3 ? &a : &b, vals[i], strlen(vals[i]));
        tx_classify(&whole, vals[i], strlen(vals[i]));
    }
    tx_stat_merge(&a, &b);
    assert_true(st_type_eq(tx_stat_resolve(&a), tx_stat_resolve(&whole)));
}

/* Every value inference accepts must parse, and print back as the same
 * number (no silent rounding). */
static void test_inferred_values_parse(void **state) {
    (void)state;
    char buf[64];
    for (int it = 0; it < 20000; it++) {
        st_test_seed(it + 5);
        size_t n = 0;
        uint64_t r = st_test_rand();
        if (r & 1) buf[n++] = '-';
        int id = (int)(st_test_rand() % 19), fd = (int)(st_test_rand() % 8);
        buf[n++] = (char)('1' + st_test_rand() % 9);
        for (int k = 0; k < id; k++) buf[n++] = (char)('0' + st_test_rand() % 10);
        if (fd) {
            buf[n++] = '.';
            for (int k = 0; k < fd; k++) buf[n++] = (char)('0' + st_test_rand() % 10);
        }
        tx_stat s = {0};
        tx_classify(&s, buf, n);
        st_type t = tx_stat_resolve(&s);
        char out[ST_FORMAT_MAX], val[16];
        ST_ASSERT_OK(st_parse_value(t, buf, n, val, &err_));
        size_t on = st_format_value(t, val, out);
        if (t.id == ST_T_DOUBLE) { /* the printed double reads back to the same number */
            double x, y;
            ST_ASSERT_OK(st_parse_double(buf, n, &x, &err_));
            ST_ASSERT_OK(st_parse_double(out, on, &y, &err_));
            assert_true(x == y);
            /* and to the same decimal digits: compare as DECIMAL(38,s) */
            st_i128 da, db;
            ST_ASSERT_OK(st_parse_decimal(buf, n, 38, 10, false, &da, &err_));
            ST_ASSERT_OK(st_parse_decimal(out, on, 38, 10, false, &db, &err_));
            if (da != db) fail_msg("%.*s became %s", (int)n, buf, out);
        } else if (t.id == ST_T_INT64 || t.id == ST_T_DECIMAL) {
            st_i128 da, db;
            int sc = t.id == ST_T_DECIMAL ? t.scale : 0;
            ST_ASSERT_OK(st_parse_decimal(buf, n, 38, sc, false, &da, &err_));
            ST_ASSERT_OK(st_parse_decimal(out, on, 38, sc, false, &db, &err_));
            if (da != db) fail_msg("%.*s became %s", (int)n, buf, out);
        } else {
            fail_msg("%.*s inferred as %d", (int)n, buf, t.id);
        }
    }
}

static void test_fast_parsers(void **state) {
    (void)state;
    static const char *ints[] = {"0", "-0", "1", "-1", "123456789012345678", "-123456789012345678",
                                 "1234567890123456789", "+1", " 1", "1 ", "", "-", "1a", "٣"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int64_t a, b;
        bool fa = tx_fast_int64(ints[i], strlen(ints[i]), &a);
        bool sb = st_parse_int64(ints[i], strlen(ints[i]), &b, NULL) == ST_OK;
        if (fa && (!sb || a != b)) fail_msg("int fast path disagrees on '%s'", ints[i]);
    }
    /* every date of four centuries, and broken ones */
    char d[32];
    for (int64_t days = -200000; days < 200000; days += 37) {
        int64_t y;
        unsigned m, dd;
        st_civil_from_days(days, &y, &m, &dd);
        if (y < 0 || y > 9999) continue;
        snprintf(d, sizeof d, "%04lld-%02u-%02u", (long long)y, m, dd);
        int32_t a, b;
        assert_true(tx_fast_date(d, 10, &a));
        ST_ASSERT_OK(st_parse_date(d, 10, &b, &err_));
        assert_int_equal(a, b);
        assert_int_equal(a, days);
        /* timestamps with 0..6 fraction digits, ' ' or 'T' */
        for (int fd = 0; fd <= 13; fd++) {
            int n = snprintf(d, sizeof d, "%04lld-%02u-%02u%c%02d:%02d:%02d%s%.*s%s", (long long)y,
                             m, dd, fd % 2 ? 'T' : ' ', (int)(days % 24 + 24) % 24,
                             (int)(days % 60 + 60) % 60, (int)(days % 59 + 59) % 59,
                             fd % 7 ? "." : "", fd % 7, "123456", fd >= 7 ? "Z" : "");
            int64_t ta, tb;
            assert_true(tx_fast_ts(d, (size_t)n, &ta));
            ST_ASSERT_OK(st_parse_timestamp(d, (size_t)n, &tb, &err_));
            assert_true(ta == tb);
        }
    }
    static const char *bad[] = {"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32",
                                "2024-1-01", "20240101", "2024-01-01 24:00:00",
                                "2024-01-01 23:60:00", "2024-01-01 23:59:60", "2024-01-01 1:00:00",
                                "2024-01-01 10:00:00.", "2024-01-01 10:00:00.1234567",
                                "2024-01-01 10:00:00Z", "2024-01-01t10:00:00", "2024-01-01 10:00:00ZZ",
                                "2024-01-01 10:00:00.Z", "2024-01-01Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t x;
        int64_t t;
        size_t n = strlen(bad[i]);
        /* the fast path may decline; when it accepts it must agree */
        if (tx_fast_date(bad[i], n, &x)) {
            int32_t y;
            ST_ASSERT_OK(st_parse_date(bad[i], n, &y, &err_));
            assert_int_equal(x, y);
        }
        if (tx_fast_ts(bad[i], n, &t)) {
            int64_t u;
            ST_ASSERT_OK(st_parse_timestamp(bad[i], n, &u, &err_));
            assert_true(t == u);
        }
    }
    assert_false(tx_fast_date("2023-02-29", 10, &(int32_t){0}));
}

static void test_special_bytes(void **state) {
    (void)state;
    char buf[300];
    for (int it = 0; it < 2000; it++) {
        st_test_seed(it + 1);
        size_t n = st_test_rand() % sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = (char)(0x20 + st_test_rand() % 0x5F);
        bool want = false;
        if (n && st_test_rand() % 2) {
            size_t at = st_test_rand() % n;
            buf[at] = st_test_rand() % 2 ? 0 : (char)0xC3;
            want = true;
        }
        assert_int_equal(tx_has_special(buf, n), want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inference_rules),
        cmocka_unit_test(test_inferred_values_parse),
        cmocka_unit_test(test_fast_parsers),
        cmocka_unit_test(test_special_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
