/*
 * test_types.c: parsing and printing of every value type, checked against
 * what DuckDB 1.5 prints for the same values (captured with duckq).
 */
#include "test_util.h"

#include <math.h>

#include "format/types.h"

static void expect_double(double v, const char *want) {
    char buf[ST_FORMAT_MAX];
    st_format_double(v, buf);
    if (strcmp(buf, want)) fail_msg("double %.17g printed as '%s', want '%s'", v, buf, want);
    /* and it reads back to the same bits */
    double back;
    if (isfinite(v)) {
        ST_ASSERT_OK(st_parse_double(buf, strlen(buf), &back, &err_));
        if (memcmp(&back, &v, 8)) fail_msg("'%s' does not read back to %.17g", buf, v);
    }
}

static void test_double_printing(void **state) {
    (void)state;
    expect_double(1.0, "1.0");
    expect_double(0.1, "0.1");
    expect_double(1e20, "1e+20");
    expect_double(1e15, "1000000000000000.0");
    expect_double(1e16, "1e+16");
    expect_double(123456789.125, "123456789.125");
    expect_double(5e-324, "5e-324");
    expect_double(1e-5, "1e-05");
    expect_double(0.0001, "0.0001");
    expect_double(-0.0, "-0.0");
    expect_double(1.0 / 3, "0.3333333333333333");
    expect_double(123456789012.0, "123456789012.0");
    expect_double(1e23, "1e+23");
    expect_double(129.99, "129.99");
    expect_double(-1299.5, "-1299.5");
    expect_double(NAN, "nan");
    expect_double(INFINITY, "inf");
    expect_double(-INFINITY, "-inf");
    expect_double(2.5e-300, "2.5e-300");
    expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
    /* random doubles round-trip */
    st_test_seed(42);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = st_test_rand();
        double d;
        memcpy(&d, &bits, 8);
        if (!isfinite(d)) continue;
        char buf[ST_FORMAT_MAX];
        st_format_double(d, buf);
        double back;
        ST_ASSERT_OK(st_parse_double(buf, strlen(buf), &back, &err_));
        if (memcmp(&back, &d, 8)) fail_msg("%s did not round trip", buf);
    }
    /* short decimals (prices) */
    for (int cents = 0; cents < 200000; cents += 7) {
        double d = cents / 100.0;
        char buf[ST_FORMAT_MAX], want[64];
        st_format_double(d, buf);
        snprintf(want, sizeof want, "%d.%d", cents / 100, cents % 100);
        if (cents % 100 >= 10 && cents % 10 == 0)
            snprintf(want, sizeof want, "%d.%d", cents / 100, (cents % 100) / 10);
        else if (cents % 100 < 10)
            snprintf(want, sizeof want, "%d.0%d", cents / 100, cents % 100);
        else
            snprintf(want, sizeof want, "%d.%02d", cents / 100, cents % 100);
        if (cents % 100 == 0) snprintf(want, sizeof want, "%d.0", cents / 100);
        if (strcmp(buf, want)) fail_msg("%d cents printed as %s, want %s", cents, buf, want);
    }
}

static void test_float_printing(void **state) {
    (void)state;
    char buf[ST_FORMAT_MAX];
    st_format_float(3.14f, buf);
    assert_string_equal(buf, "3.14");
    st_format_float(1e-7f, buf);
    assert_string_equal(buf, "1e-07");
    st_format_float(16777216.0f, buf);
    assert_string_equal(buf, "16777216.0");
    st_format_float(1.0f / 3, buf);
    assert_string_equal(buf, "0.33333334");
    st_format_float(0.1f, buf);
    assert_string_equal(buf, "0.1");
    st_format_float(1e16f, buf);
    assert_string_equal(buf, "1e+16");
}

static void test_temporal(void **state) {
    (void)state;
    char buf[ST_FORMAT_MAX];
    int64_t us;
    int32_t d;
    ST_ASSERT_OK(st_parse_timestamp("2025-03-01 12:00:00.123", 23, &us, &err_));
    st_format_timestamp(us, buf);
    assert_string_equal(buf, "2025-03-01 12:00:00.123");
    ST_ASSERT_OK(st_parse_timestamp("2025-03-01 12:00:00", 19, &us, &err_));
    st_format_timestamp(us, buf);
    assert_string_equal(buf, "2025-03-01 12:00:00");
    ST_ASSERT_OK(st_parse_timestamp("2025-03-01T12:00:00Z", 20, &us, &err_));
    st_format_timestamp(us, buf);
    assert_string_equal(buf, "2025-03-01 12:00:00");
    ST_ASSERT_OK(st_parse_timestamp("2025-03-01T12:00:00+02:00", 25, &us, &err_));
    st_format_timestamp(us, buf);
    assert_string_equal(buf, "2025-03-01 10:00:00");
    ST_ASSERT_OK(st_parse_timestamp("2025-03-01", 10, &us, &err_));
    st_format_timestamp(us, buf);
    assert_string_equal(buf, "2025-03-01 00:00:00");
    /* 7 fractional digits do not fit microseconds: refused, not truncated */
    ST_ASSERT_ERR(st_parse_timestamp("2025-03-01 12:00:00.1234567", 27, &us, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_timestamp("2025-03-01 12:00:00.1234560", 27, &us, &err_));
    int64_t ns;
    ST_ASSERT_OK(st_parse_timestamp_ns("2025-03-01 12:00:00.123456789", 29, &ns, &err_));
    st_format_timestamp_ns(ns, buf);
    assert_string_equal(buf, "2025-03-01 12:00:00.123456789");
    ST_ASSERT_OK(st_parse_date("2025-03-01", 10, &d, &err_));
    st_format_date(d, buf);
    assert_string_equal(buf, "2025-03-01");
    ST_ASSERT_OK(st_parse_date("10000-01-01", 11, &d, &err_));
    st_format_date(d, buf);
    assert_string_equal(buf, "10000-01-01");
    /* DuckDB: date '0044-03-15' - 100000 = 0231-05-31 (BC) */
    ST_ASSERT_OK(st_parse_date("0044-03-15", 10, &d, &err_));
    st_format_date(d - 100000, buf);
    assert_string_equal(buf, "0231-05-31 (BC)");
    ST_ASSERT_OK(st_parse_date(buf, strlen(buf), &d, &err_));
    st_format_date(d, buf);
    assert_string_equal(buf, "0231-05-31 (BC)");
    ST_ASSERT_OK(st_parse_timestamp("0001-01-01 00:00:00", 19, &us, &err_));
    st_format_timestamp(us - ST_USEC_PER_DAY, buf);
    assert_string_equal(buf, "0001-12-31 (BC) 00:00:00");
    ST_ASSERT_ERR(st_parse_date("2025-02-29", 10, &d, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_date("2024-02-29", 10, &d, &err_));
    ST_ASSERT_ERR(st_parse_date("2024-13-01", 10, &d, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_parse_date("yesterday", 9, &d, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_parse_timestamp("2025-03-01 25:00:00", 19, &us, &err_), ST_ERR_INVALID);
    /* negative timestamps split correctly */
    st_format_timestamp(-1, buf);
    assert_string_equal(buf, "1969-12-31 23:59:59.999999");
    /* every day for 1000 years round trips */
    for (int32_t day = -200000; day < 200000; day += 13) {
        st_format_date(day, buf);
        int32_t back;
        ST_ASSERT_OK(st_parse_date(buf, strlen(buf), &back, &err_));
        assert_int_equal(back, day);
    }
}

static void test_integers(void **state) {
    (void)state;
    int64_t v;
    uint64_t u;
    char buf[ST_FORMAT_MAX];
    ST_ASSERT_OK(st_parse_int64("-9223372036854775808", 20, &v, &err_));
    assert_true(v == INT64_MIN);
    st_format_int64(v, buf);
    assert_string_equal(buf, "-9223372036854775808");
    ST_ASSERT_ERR(st_parse_int64("9223372036854775808", 19, &v, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "out of range"));
    ST_ASSERT_OK(st_parse_uint64("18446744073709551615", 20, &u, &err_));
    assert_true(u == UINT64_MAX);
    ST_ASSERT_ERR(st_parse_uint64("18446744073709551616", 20, &u, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_parse_int64("12a", 3, &v, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_parse_int64("", 0, &v, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_parse_int64("-", 1, &v, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_int64(" 42 ", 4, &v, &err_));
    assert_int_equal(v, 42);
    int8_t i8;
    ST_ASSERT_ERR(st_parse_value(st_type_make(ST_T_INT8), "128", 3, &i8, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_value(st_type_make(ST_T_INT8), "-128", 4, &i8, &err_));
    assert_int_equal(i8, -128);
}

static void test_decimals(void **state) {
    (void)state;
    st_i128 d;
    char buf[ST_FORMAT_MAX];
    ST_ASSERT_OK(st_parse_decimal("123.4", 5, 5, 2, false, &d, &err_));
    st_format_decimal(d, 2, buf);
    assert_string_equal(buf, "123.40");
    ST_ASSERT_OK(st_parse_decimal("-.5", 3, 3, 2, false, &d, &err_));
    st_format_decimal(d, 2, buf);
    assert_string_equal(buf, "-0.50");
    ST_ASSERT_ERR(st_parse_decimal("1.235", 5, 5, 2, false, &d, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_decimal("1.235", 5, 5, 2, true, &d, &err_));
    st_format_decimal(d, 2, buf);
    assert_string_equal(buf, "1.24");
    ST_ASSERT_OK(st_parse_decimal("-1.235", 6, 5, 2, true, &d, &err_));
    st_format_decimal(d, 2, buf);
    assert_string_equal(buf, "-1.24");
    ST_ASSERT_ERR(st_parse_decimal("1234.5", 6, 5, 2, false, &d, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_decimal("12345678901234567890123", 23, 38, 0, false, &d, &err_));
    st_format_decimal(d, 0, buf);
    assert_string_equal(buf, "12345678901234567890123");
    ST_ASSERT_OK(st_parse_decimal("99999999999999999999999999999999999999", 38, 38, 0, false, &d, &err_));
    st_format_i128(d, buf);
    assert_string_equal(buf, "99999999999999999999999999999999999999");
    ST_ASSERT_ERR(st_parse_decimal("999999999999999999999999999999999999999", 39, 38, 0, false, &d, &err_),
                  ST_ERR_INVALID);
    ST_ASSERT_OK(st_parse_decimal("0.001", 5, 18, 3, false, &d, &err_));
    st_format_decimal(d, 3, buf);
    assert_string_equal(buf, "0.001");
    int idig, fdig;
    assert_int_equal(st_decimal_digits("0012.3400", 9, &idig, &fdig), 6);
    assert_int_equal(idig, 2);
    assert_int_equal(fdig, 4);
    assert_int_equal(st_decimal_digits("1e5", 3, NULL, NULL), -1);
}

static void test_type_names(void **state) {
    (void)state;
    st_type t;
    char buf[ST_TYPE_NAME_MAX];
    ST_ASSERT_OK(st_type_parse("decimal(18, 2)", 14, &t, &err_));
    assert_string_equal(st_type_name(t, buf), "DECIMAL(18,2)");
    assert_int_equal(st_type_width(t), 8);
    ST_ASSERT_OK(st_type_parse("NUMERIC(38,10)", 14, &t, &err_));
    assert_int_equal(st_type_width(t), 16);
    ST_ASSERT_OK(st_type_parse("bigint", 6, &t, &err_));
    assert_string_equal(st_type_name(t, buf), "INT64");
    ST_ASSERT_OK(st_type_parse("varchar(20)", 11, &t, &err_));
    assert_int_equal(t.id, ST_T_VARCHAR);
    ST_ASSERT_ERR(st_type_parse("decimal(40,2)", 13, &t, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_type_parse("widget", 6, &t, &err_), ST_ERR_INVALID);
    for (int id = 1; id < ST_T_NULL; id++) {
        st_type x = id == ST_T_DECIMAL ? st_type_decimal(10, 2) : st_type_make((st_type_id)id);
        st_type_name(x, buf);
        ST_ASSERT_OK(st_type_parse(buf, strlen(buf), &t, &err_));
        assert_true(st_type_eq(t, x));
    }
}

static void test_utf8(void **state) {
    (void)state;
    size_t off;
    assert_true(st_utf8_valid("héllo €𝄞", strlen("héllo €𝄞"), &off));
    assert_false(st_utf8_valid("ab\xff", 3, &off));
    assert_int_equal(off, 2);
    assert_false(st_utf8_valid("\xc0\xaf", 2, &off));          /* overlong */
    assert_false(st_utf8_valid("\xed\xa0\x80", 3, &off));      /* surrogate */
    assert_false(st_utf8_valid("abcdefgh\xe2\x82", 10, &off)); /* truncated */
    assert_int_equal(off, 8);
    assert_false(st_utf8_valid("\xf4\x90\x80\x80", 4, &off)); /* > U+10FFFF */
    /* the edges of each range are valid */
    static const char *const ok[] = {"\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
                                     "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xc2\x80",
                                     "\xdf\xbf", "\x7f"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(st_utf8_valid(ok[i], strlen(ok[i]), &off));
    static const char *const bad[] = {"\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xc1\xbf",
                                      "\xf5\x80\x80\x80", "\x80", "\xf0\x90\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(st_utf8_valid(bad[i], strlen(bad[i]), &off));
    /* the offset is the first byte of the bad sequence, after long ASCII and
     * multibyte runs (the fast path must hand over the right position) */
    char buf[300];
    size_t n = 0;
    for (int i = 0; i < 40; i++) buf[n++] = 'a';
    for (int i = 0; i < 30; i++) { memcpy(buf + n, "\xe2\x82\xac", 3); n += 3; }
    size_t at = n;
    memcpy(buf + n, "\xf0\x9f\x98", 3); /* truncated by the 'x' */
    n += 3;
    buf[n++] = 'x';
    assert_false(st_utf8_valid(buf, n, &off));
    assert_int_equal(off, at);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_printing), cmocka_unit_test(test_float_printing),
        cmocka_unit_test(test_temporal),        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_decimals),        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
