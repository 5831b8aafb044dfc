/*
 * test_hashvec.c: batch key hashing: the AVX2 and scalar paths agree bit for
 * bit, every column layout (NULLs, selections, widths, wide decimals,
 * strings) gives the same hash as the one-row fold, and values equal under
 * SQL equality hash equal whatever their width.
 */
#include "test_util.h"

#include <math.h>

#include "format/hashvec.h"

static uint64_t ref_fmix(uint64_t x) { /* MurmurHash3 fmix64, written out */
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void test_step_definition(void **state) {
    (void)state;
    uint64_t h = ST_HASH_SEED;
    for (int i = 0; i < 1000; i++) {
        uint64_t w = st_test_rand();
        uint64_t want = ref_fmix(((h << 23) | (h >> 41)) ^ w);
        assert_true(st_hash_step(h, w) == want);
        h = want;
    }
}

static void test_paths_identical(void **state) {
    (void)state;
    if (!st_simd_supported(ST_SIMD_AVX2)) skip();
    st_test_seed(7);
    enum { N = 1037 };
    uint64_t w[N], a[N], b[N];
    int32_t v32[N];
    for (int i = 0; i < N; i++) {
        switch (i % 5) {
        case 0: w[i] = st_test_rand(); break;
        case 1: w[i] = (uint64_t)i; break;
        case 2: w[i] = ~(uint64_t)0 - (uint64_t)i; break;
        case 3: w[i] = (uint64_t)1 << (i % 64); break;
        default: w[i] = st_test_rand() & 0xffffffffu;
        }
        v32[i] = (int32_t)st_test_rand();
    }
    for (uint32_t n = 0; n <= N; n += (n < 40 ? 1 : 97)) { /* every tail length */
        st_hashvec_init(a, n);
        st_hashvec_init(b, n);
        st_hashvec_words_on(ST_SIMD_SCALAR, a, w, n);
        st_hashvec_words_on(ST_SIMD_AVX2, b, w, n);
        st_hashvec_words_on(ST_SIMD_SCALAR, a, w, n); /* two steps: a compound key */
        st_hashvec_words_on(ST_SIMD_AVX2, b, w, n);
        assert_memory_equal(a, b, n * sizeof *a);
        st_hashvec_i32_on(ST_SIMD_SCALAR, a, v32, n);
        st_hashvec_i32_on(ST_SIMD_AVX2, b, v32, n);
        assert_memory_equal(a, b, n * sizeof *a);
    }
}

static void test_simd_select(void **state) {
    (void)state;
    st_simd_level l;
    ST_ASSERT_OK(st_simd_parse("scalar", &l, &err_));
    assert_int_equal(l, ST_SIMD_SCALAR);
    ST_ASSERT_ERR(st_simd_parse("sse9", &l, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_simd_force(ST_SIMD_SCALAR, &err_));
    assert_int_equal(st_simd_active(), ST_SIMD_SCALAR);
    if (st_simd_supported(ST_SIMD_AVX2)) {
        ST_ASSERT_OK(st_simd_force(ST_SIMD_AVX2, &err_));
        assert_int_equal(st_simd_active(), ST_SIMD_AVX2);
    } else {
        ST_ASSERT_ERR(st_simd_force(ST_SIMD_AVX2, &err_), ST_ERR_UNSUPPORTED);
    }
    assert_string_equal(st_simd_name(ST_SIMD_AVX2), "avx2");
}

/* every column type, with NULLs and a selection, on both paths, against the
 * one-row fold */
static void check_columns(st_vector **cols, uint32_t ncols, uint32_t n) {
    uint32_t sel[4096], ns = 0;
    for (uint32_t i = 0; i < n; i++)
        if (i % 3) sel[ns++] = i;
    uint64_t h[4096], hs[4096];
    st_simd_level paths[2] = {ST_SIMD_SCALAR, ST_SIMD_AVX2};
    for (int p = 0; p < 2; p++) {
        if (!st_simd_supported(paths[p])) continue;
        ST_ASSERT_OK(st_simd_force(paths[p], &err_));
        st_hashvec_key(h, cols, ncols, NULL, n);
        st_hashvec_key(hs, cols, ncols, sel, ns);
        for (uint32_t i = 0; i < n; i++) assert_true(h[i] == st_hash_row(cols, ncols, i));
        for (uint32_t k = 0; k < ns; k++) assert_true(hs[k] == h[sel[k]]);
    }
}

static void test_columns(void **state) {
    (void)state;
    st_test_seed(11);
    const st_type_id ids[] = {ST_T_BOOLEAN, ST_T_INT8,  ST_T_INT16,     ST_T_INT32,   ST_T_INT64,
                              ST_T_UINT64,  ST_T_FLOAT, ST_T_DOUBLE,    ST_T_DATE,    ST_T_TIMESTAMP,
                              ST_T_VARCHAR, ST_T_BLOB,  ST_T_TIMESTAMP_NS};
    enum { N = 1500 };
    for (size_t t = 0; t < sizeof ids / sizeof ids[0]; t++) {
        for (int nulls = 0; nulls < 2; nulls++) {
            st_vector *v = st_vector_new(st_type_make(ids[t]), N);
            for (uint32_t i = 0; i < N; i++) {
                uint64_t r = st_test_rand();
                if (nulls && r % 7 == 0) {
                    ST_ASSERT_OK(st_vector_append_null(v, &err_));
                } else if (ids[t] == ST_T_VARCHAR || ids[t] == ST_T_BLOB) {
                    char s[24];
                    int len = snprintf(s, sizeof s, "k%llu", (unsigned long long)(r % 997));
                    ST_ASSERT_OK(st_vector_append_str(v, s, (uint32_t)len, &err_));
                } else {
                    uint64_t x = ids[t] == ST_T_BOOLEAN ? r & 1 : r;
                    if (ids[t] == ST_T_DOUBLE) {
                        double d = (double)(int64_t)r / 7.0;
                        memcpy(&x, &d, 8);
                    } else if (ids[t] == ST_T_FLOAT) {
                        float f = (float)(int32_t)r / 3.0f;
                        memcpy(&x, &f, 4);
                    }
                    ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                }
            }
            st_vector *cols[2] = {v, v};
            check_columns(cols, 1, N);
            check_columns(cols, 2, N);
            st_vector_free(v);
        }
    }
    /* a wide decimal and a compound key of mixed widths */
    st_vector *d = st_vector_new(st_type_decimal(30, 2), N), *s = st_vector_new(st_type_make(ST_T_VARCHAR), N);
    for (uint32_t i = 0; i < N; i++) {
        st_i128 x = (st_i128)((unsigned __int128)st_test_rand() << 40) + i;
        if (i % 11 == 0) ST_ASSERT_OK(st_vector_append_null(d, &err_));
        else ST_ASSERT_OK(st_vector_append(d, &x, &err_));
        ST_ASSERT_OK(st_vector_append_str(s, "abc", i % 4, &err_));
    }
    st_vector *cols[2] = {d, s};
    check_columns(cols, 2, N);
    st_vector_free(d);
    st_vector_free(s);
}

/* equal values hash equal across widths; -0.0 = 0.0; NaN = NaN */
static void test_equality_classes(void **state) {
    (void)state;
    st_vector *a = st_vector_new(st_type_make(ST_T_INT32), 4), *b = st_vector_new(st_type_make(ST_T_INT64), 4),
              *c = st_vector_new(st_type_make(ST_T_INT16), 4);
    int32_t x32[] = {-5, 0, 7, 30000};
    for (int i = 0; i < 4; i++) {
        int64_t x64 = x32[i];
        int16_t x16 = (int16_t)x32[i];
        ST_ASSERT_OK(st_vector_append(a, &x32[i], &err_));
        ST_ASSERT_OK(st_vector_append(b, &x64, &err_));
        ST_ASSERT_OK(st_vector_append(c, &x16, &err_));
    }
    uint64_t ha[4], hb[4], hc[4];
    st_hashvec_key(ha, &a, 1, NULL, 4);
    st_hashvec_key(hb, &b, 1, NULL, 4);
    st_hashvec_key(hc, &c, 1, NULL, 4);
    assert_memory_equal(ha, hb, sizeof ha);
    assert_memory_equal(ha, hc, sizeof ha);
    assert_true(ha[0] != ha[1] && ha[1] != ha[2]);
    assert_true(st_hash_word_double(-0.0) == st_hash_word_double(0.0));
    assert_true(st_hash_word_double(NAN) == st_hash_word_double(-NAN));
    assert_true(st_hash_word_double(1.0) != st_hash_word_double(-1.0));
    st_vector_free(a);
    st_vector_free(b);
    st_vector_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_definition), cmocka_unit_test(test_paths_identical),
        cmocka_unit_test(test_simd_select),     cmocka_unit_test(test_columns),
        cmocka_unit_test(test_equality_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
