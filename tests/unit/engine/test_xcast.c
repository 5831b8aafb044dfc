/*
 * test_xcast.c: exact casts (engine/xcast.h).  Each case casts a small
 * vector and checks the values that fit, the rows that fail, and the
 * reason the failing rows are given: nothing may be rounded, truncated or
 * wrapped, and NULLs stay NULL.
 */
#include "test_util.h"

#include <math.h>

#include "engine/xcast.h"

/* Cast the n values at vals (type from) with NULL at rows where nulls[i];
 * return the target vector and the failing rows. */
static st_vector *cast(st_type from, const void *vals, uint32_t n, const bool *nulls, st_type to, uint32_t *fails,
                       uint32_t *nf, st_vector **src_out) {
    st_vector *src = st_vector_new(from, n);
    size_t w = st_type_width(from);
    for (uint32_t i = 0; i < n; i++) {
        if (nulls && nulls[i]) ST_ASSERT_OK(st_vector_append_null(src, &err_));
        else if (st_type_is_string(from)) {
            const char *s = ((const char *const *)vals)[i];
            ST_ASSERT_OK(st_vector_append_str(src, s, (uint32_t)strlen(s), &err_));
        } else ST_ASSERT_OK(st_vector_append(src, (const char *)vals + i * w, &err_));
    }
    st_vector *dst = st_vector_new(to, 4);
    ST_ASSERT_OK(st_xcast_vector(src, n, dst, fails, nf, &err_));
    assert_int_equal(dst->len, n);
    *src_out = src;
    return dst;
}

static void expect_reason(const st_vector *src, uint32_t row, st_type to, const char *want, st_reason_code code) {
    st_sbuf sb = ST_SBUF_INIT;
    st_reason_code c = st_xcast_explain(src, row, to, &sb);
    if (!strstr(st_sbuf_cstr(&sb), want)) fail_msg("reason '%s' lacks '%s'", st_sbuf_cstr(&sb), want);
    assert_int_equal(c, code);
    st_sbuf_free(&sb);
}

static void test_integers(void **state) {
    (void)state;
    uint32_t fails[8], nf;
    st_vector *src;
    /* widening: every value, NULL kept */
    int32_t a[] = {INT32_MIN, -1, 0, INT32_MAX};
    bool nul[] = {false, true, false, false};
    st_vector *d = cast(st_type_make(ST_T_INT32), a, 4, nul, st_type_make(ST_T_INT64), fails, &nf, &src);
    assert_int_equal(nf, 0);
    assert_int_equal(ST_VEC(d, int64_t)[0], INT32_MIN);
    assert_true(st_vector_is_null(d, 1));
    assert_int_equal(ST_VEC(d, int64_t)[1], 0); /* a NULL slot holds zeros */
    assert_int_equal(ST_VEC(d, int64_t)[3], INT32_MAX);
    st_vector_free(d);
    st_vector_free(src);
    /* narrowing: values that do not fit fail, never wrap */
    int64_t b[] = {127, 128, -128, -129, 5};
    d = cast(st_type_make(ST_T_INT64), b, 5, NULL, st_type_make(ST_T_INT8), fails, &nf, &src);
    assert_int_equal(nf, 2);
    assert_int_equal(fails[0], 1);
    assert_int_equal(fails[1], 3);
    assert_int_equal(ST_VEC(d, int8_t)[0], 127);
    assert_true(st_vector_is_null(d, 1));
    assert_int_equal(ST_VEC(d, int8_t)[2], -128);
    assert_int_equal(ST_VEC(d, int8_t)[4], 5);
    expect_reason(src, 1, st_type_make(ST_T_INT8), "128 does not fit INT8", ST_R_BAD_VALUE);
    st_vector_free(d);
    st_vector_free(src);
    /* signed <-> unsigned */
    int64_t c[] = {-1, 7};
    d = cast(st_type_make(ST_T_INT64), c, 2, NULL, st_type_make(ST_T_UINT64), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(fails[0], 0);
    assert_int_equal(ST_VEC(d, uint64_t)[1], 7);
    st_vector_free(d);
    st_vector_free(src);
    uint64_t u[] = {UINT64_MAX, (uint64_t)INT64_MAX};
    d = cast(st_type_make(ST_T_UINT64), u, 2, NULL, st_type_make(ST_T_INT64), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(ST_VEC(d, int64_t)[1], INT64_MAX);
    st_vector_free(d);
    st_vector_free(src);
}

static void test_decimals(void **state) {
    (void)state;
    uint32_t fails[8], nf;
    st_vector *src;
    /* DECIMAL(9,2) -> DECIMAL(12,4): widening, always exact */
    int64_t a[] = {12345, -99999999, 0};
    st_vector *d = cast(st_type_decimal(9, 2), a, 3, NULL, st_type_decimal(12, 4), fails, &nf, &src);
    assert_int_equal(nf, 0);
    assert_int_equal(ST_VEC(d, int64_t)[0], 1234500);
    assert_int_equal(ST_VEC(d, int64_t)[1], -9999999900);
    st_vector_free(d);
    st_vector_free(src);
    /* DECIMAL(10,3) -> DECIMAL(6,2): drops a zero digit only, and must fit 6 digits */
    int64_t b[] = {1230, 1235, 9999990, 10000000};
    d = cast(st_type_decimal(10, 3), b, 4, NULL, st_type_decimal(6, 2), fails, &nf, &src);
    assert_int_equal(nf, 2);
    assert_int_equal(fails[0], 1);
    assert_int_equal(fails[1], 3);
    assert_int_equal(ST_VEC(d, int64_t)[0], 123);
    assert_int_equal(ST_VEC(d, int64_t)[2], 999999);
    expect_reason(src, 1, st_type_decimal(6, 2), "1.235 does not fit DECIMAL(6,2) without rounding", ST_R_BAD_VALUE);
    expect_reason(src, 3, st_type_decimal(6, 2), "10000.000 does not fit DECIMAL(6,2)", ST_R_BAD_VALUE);
    st_vector_free(d);
    st_vector_free(src);
    /* into 128-bit storage and back */
    int64_t c[] = {INT64_MAX, -5};
    d = cast(st_type_make(ST_T_INT64), c, 2, NULL, st_type_decimal(38, 10), fails, &nf, &src);
    assert_int_equal(nf, 0);
    st_i128 v;
    memcpy(&v, st_vector_at(d, 0), 16);
    assert_true(v == (st_i128)INT64_MAX * (st_i128)10000000000LL);
    st_vector *back = st_vector_new(st_type_make(ST_T_INT64), 2);
    ST_ASSERT_OK(st_xcast_vector(d, 2, back, fails, &nf, &err_));
    assert_int_equal(nf, 0);
    assert_int_equal(ST_VEC(back, int64_t)[0], INT64_MAX);
    assert_int_equal(ST_VEC(back, int64_t)[1], -5);
    st_vector_free(back);
    st_vector_free(d);
    st_vector_free(src);
    /* DECIMAL -> integer: only whole values */
    int64_t e[] = {500, 550};
    d = cast(st_type_decimal(5, 2), e, 2, NULL, st_type_make(ST_T_INT32), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(fails[0], 1);
    assert_int_equal(ST_VEC(d, int32_t)[0], 5);
    st_vector_free(d);
    st_vector_free(src);
}

static void test_floats(void **state) {
    (void)state;
    uint32_t fails[8], nf;
    st_vector *src;
    /* DOUBLE -> DECIMAL(10,2) by the shortest text: 0.1 is 0.10, 0.125 does not fit */
    double a[] = {0.1, 0.125, 12345678.99, 1e300, NAN, -2.5};
    st_vector *d = cast(st_type_make(ST_T_DOUBLE), a, 6, NULL, st_type_decimal(10, 2), fails, &nf, &src);
    assert_int_equal(nf, 3);
    assert_int_equal(fails[0], 1);
    assert_int_equal(fails[1], 3);
    assert_int_equal(fails[2], 4);
    assert_int_equal(ST_VEC(d, int64_t)[0], 10);
    assert_int_equal(ST_VEC(d, int64_t)[2], 1234567899);
    assert_int_equal(ST_VEC(d, int64_t)[5], -250);
    expect_reason(src, 1, st_type_decimal(10, 2), "0.125 does not fit DECIMAL(10,2) without rounding", ST_R_BAD_VALUE);
    st_vector_free(d);
    st_vector_free(src);
    /* INT64 -> DOUBLE: exact up to 2^53 (and beyond for representable values) */
    int64_t b[] = {(INT64_C(1) << 53), (INT64_C(1) << 53) + 1, INT64_C(1) << 62};
    d = cast(st_type_make(ST_T_INT64), b, 3, NULL, st_type_make(ST_T_DOUBLE), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(fails[0], 1);
    assert_true(ST_VEC(d, double)[2] == ldexp(1.0, 62));
    /* and back: the binary value, not the shortest text 4.611686018427388e18 */
    st_vector *back = st_vector_new(st_type_make(ST_T_INT64), 3);
    ST_ASSERT_OK(st_xcast_vector(d, 3, back, fails, &nf, &err_));
    assert_int_equal(nf, 0); /* row 1 failed: NULL in d, so NULL again */
    assert_true(st_vector_is_null(back, 1));
    assert_int_equal(ST_VEC(back, int64_t)[0], INT64_C(1) << 53);
    assert_int_equal(ST_VEC(back, int64_t)[2], INT64_C(1) << 62);
    st_vector_free(back);
    expect_reason(src, 1, st_type_make(ST_T_DOUBLE), "9007199254740993 does not fit DOUBLE exactly", ST_R_BAD_VALUE);
    st_vector_free(d);
    st_vector_free(src);
    /* DECIMAL -> DOUBLE: 0.10 reads back as 0.10 */
    int64_t c[] = {10, 12345};
    d = cast(st_type_decimal(12, 2), c, 2, NULL, st_type_make(ST_T_DOUBLE), fails, &nf, &src);
    assert_int_equal(nf, 0);
    assert_true(ST_VEC(d, double)[0] == 0.1);
    assert_true(ST_VEC(d, double)[1] == 123.45);
    st_vector_free(d);
    st_vector_free(src);
    /* DOUBLE -> FLOAT only when the float is the same number; FLOAT -> DOUBLE always */
    double f[] = {0.5, 0.1, NAN};
    d = cast(st_type_make(ST_T_DOUBLE), f, 3, NULL, st_type_make(ST_T_FLOAT), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(fails[0], 1);
    assert_true(isnan(ST_VEC(d, float)[2]));
    st_vector_free(d);
    st_vector_free(src);
    float g[] = {0.1f, -3.0f};
    d = cast(st_type_make(ST_T_FLOAT), g, 2, NULL, st_type_make(ST_T_DOUBLE), fails, &nf, &src);
    assert_int_equal(nf, 0);
    assert_true(ST_VEC(d, double)[0] == (double)0.1f);
    st_vector_free(d);
    st_vector_free(src);
    /* DOUBLE -> INT32: whole values in range */
    double h[] = {42.0, 42.5, 3e9};
    d = cast(st_type_make(ST_T_DOUBLE), h, 3, NULL, st_type_make(ST_T_INT32), fails, &nf, &src);
    assert_int_equal(nf, 2);
    assert_int_equal(ST_VEC(d, int32_t)[0], 42);
    st_vector_free(d);
    st_vector_free(src);
}

static void test_temporal(void **state) {
    (void)state;
    uint32_t fails[8], nf;
    st_vector *src;
    int32_t days[] = {0, 20000, -1};
    st_vector *d = cast(st_type_make(ST_T_DATE), days, 3, NULL, st_type_make(ST_T_TIMESTAMP), fails, &nf, &src);
    assert_int_equal(nf, 0);
    assert_int_equal(ST_VEC(d, int64_t)[1], INT64_C(20000) * ST_USEC_PER_DAY);
    assert_int_equal(ST_VEC(d, int64_t)[2], -ST_USEC_PER_DAY);
    st_vector_free(d);
    st_vector_free(src);
    /* a timestamp is a DATE only at midnight (also before 1970) */
    int64_t ts[] = {ST_USEC_PER_DAY, ST_USEC_PER_DAY + 1, -ST_USEC_PER_DAY, -1};
    d = cast(st_type_make(ST_T_TIMESTAMP), ts, 4, NULL, st_type_make(ST_T_DATE), fails, &nf, &src);
    assert_int_equal(nf, 2);
    assert_int_equal(fails[0], 1);
    assert_int_equal(fails[1], 3);
    assert_int_equal(ST_VEC(d, int32_t)[0], 1);
    assert_int_equal(ST_VEC(d, int32_t)[2], -1);
    expect_reason(src, 1, st_type_make(ST_T_DATE), "(it has a time of day)", ST_R_BAD_VALUE);
    st_vector_free(d);
    st_vector_free(src);
    /* nanoseconds: whole microseconds only; and microseconds that overflow ns */
    int64_t ns[] = {1000, 1001, -2000};
    d = cast(st_type_make(ST_T_TIMESTAMP_NS), ns, 3, NULL, st_type_make(ST_T_TIMESTAMP), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(ST_VEC(d, int64_t)[0], 1);
    assert_int_equal(ST_VEC(d, int64_t)[2], -2);
    st_vector_free(d);
    st_vector_free(src);
    int64_t us[] = {INT64_MAX / 1000 + 1, 5};
    d = cast(st_type_make(ST_T_TIMESTAMP), us, 2, NULL, st_type_make(ST_T_TIMESTAMP_NS), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(fails[0], 0);
    assert_int_equal(ST_VEC(d, int64_t)[1], 5000);
    st_vector_free(d);
    st_vector_free(src);
}

static void test_strings_and_impossible(void **state) {
    (void)state;
    uint32_t fails[8], nf;
    st_vector *src;
    const char *blobs[] = {"caf\xc3\xa9", "bad\xff"};
    st_vector *d = cast(st_type_make(ST_T_BLOB), blobs, 2, NULL, st_type_make(ST_T_VARCHAR), fails, &nf, &src);
    assert_int_equal(nf, 1);
    assert_int_equal(fails[0], 1);
    assert_int_equal(ST_VEC(d, st_str)[0].len, 5);
    expect_reason(src, 1, st_type_make(ST_T_VARCHAR), "not valid UTF-8", ST_R_UTF8);
    st_vector_free(d);
    st_vector_free(src);
    /* VARCHAR -> typed: the strict parser (as CSV ingest) */
    const char *txt[] = {"42", "4.2", "x"};
    d = cast(st_type_make(ST_T_VARCHAR), txt, 3, NULL, st_type_make(ST_T_INT32), fails, &nf, &src);
    assert_int_equal(nf, 2);
    assert_int_equal(ST_VEC(d, int32_t)[0], 42);
    st_vector_free(d);
    st_vector_free(src);
    /* typed -> VARCHAR: the exact text */
    int64_t dec[] = {-105};
    d = cast(st_type_decimal(9, 2), dec, 1, NULL, st_type_make(ST_T_VARCHAR), fails, &nf, &src);
    assert_int_equal(nf, 0);
    assert_int_equal(ST_VEC(d, st_str)[0].len, 5);
    assert_memory_equal(ST_VEC(d, st_str)[0].ptr, "-1.05", 5);
    st_vector_free(d);
    st_vector_free(src);
    /* impossible: every non-NULL value fails, NULL stays NULL */
    uint8_t bools[] = {1, 0, 1};
    bool nul[] = {false, true, false};
    assert_false(st_xcast_possible(st_type_make(ST_T_BOOLEAN), st_type_make(ST_T_DATE)));
    d = cast(st_type_make(ST_T_BOOLEAN), bools, 3, nul, st_type_make(ST_T_DATE), fails, &nf, &src);
    assert_int_equal(nf, 2);
    assert_int_equal(fails[0], 0);
    assert_int_equal(fails[1], 2);
    assert_true(st_vector_is_null(d, 1));
    expect_reason(src, 0, st_type_make(ST_T_DATE), "a BOOLEAN value cannot be cast to DATE", ST_R_BAD_VALUE);
    st_vector_free(d);
    st_vector_free(src);
    assert_false(st_xcast_possible(st_type_make(ST_T_INT64), st_type_make(ST_T_DATE)));
    assert_false(st_xcast_possible(st_type_make(ST_T_BLOB), st_type_make(ST_T_INT64)));
    assert_true(st_xcast_possible(st_type_make(ST_T_INT64), st_type_make(ST_T_VARCHAR)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_temporal),
        cmocka_unit_test(test_strings_and_impossible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
