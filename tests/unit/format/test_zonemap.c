/*
 * test_zonemap.c: zone maps stay valid bounds (including truncated strings),
 * pruning never excludes a range holding a match, JSON round trips.
 */
#include "test_util.h"

#include <math.h>

#include "format/zonemap.h"

static void test_int_bounds_and_pruning(void **state) {
    (void)state;
    st_vector *v = st_vector_new(st_type_make(ST_T_INT32), 100);
    for (int32_t i = 0; i < 100; i++) {
        int32_t x = i * 3 - 50;
        if (i == 7) ST_ASSERT_OK(st_vector_append_null(v, &err_));
        else ST_ASSERT_OK(st_vector_append(v, &x, &err_));
    }
    st_zonemap zm;
    st_zonemap_init(&zm, v->type);
    st_zonemap_update(&zm, v, NULL, v->len);
    assert_int_equal(zm.rows, 100);
    assert_int_equal(zm.null_count, 1);
    assert_int_equal(zm.min.v.i64, -50);
    assert_int_equal(zm.max.v.i64, 247);
    st_zval z;
    z.v.i64 = -51;
    assert_false(st_zonemap_may_match(&zm, ST_CMP_EQ, &z));
    assert_false(st_zonemap_may_match(&zm, ST_CMP_LE, &z));
    assert_true(st_zonemap_may_match(&zm, ST_CMP_GT, &z));
    z.v.i64 = 247;
    assert_true(st_zonemap_may_match(&zm, ST_CMP_EQ, &z));
    assert_false(st_zonemap_may_match(&zm, ST_CMP_GT, &z));
    assert_true(st_zonemap_may_match(&zm, ST_CMP_GE, &z));
    assert_true(st_zonemap_may_match(&zm, ST_CMP_IS_NULL, &z));
    /* selection: only rows 10..19 */
    uint32_t sel[10];
    for (uint32_t i = 0; i < 10; i++) sel[i] = 10 + i;
    st_zonemap z2;
    st_zonemap_init(&z2, v->type);
    st_zonemap_update(&z2, v, sel, 10);
    assert_int_equal(z2.min.v.i64, -20);
    assert_int_equal(z2.max.v.i64, 7);
    assert_int_equal(z2.null_count, 0);
    assert_false(st_zonemap_may_match(&z2, ST_CMP_IS_NULL, &z));
    st_vector_free(v);
}

/* Property: for random strings and random probes, may_match is never false
 * when a matching value exists (brute force over the values). */
static void test_string_truncation_is_safe(void **state) {
    (void)state;
    st_test_seed(7);
    st_type t = st_type_make(ST_T_VARCHAR);
    for (int round = 0; round < 300; round++) {
        st_vector *v = st_vector_new(t, 16);
        int n = 1 + (int)(st_test_rand() % 12);
        char buf[80];
        for (int i = 0; i < n; i++) {
            int len = (int)(st_test_rand() % 60);
            for (int k = 0; k < len; k++) buf[k] = (char)("ab\xff"[st_test_rand() % 3]);
            ST_ASSERT_OK(st_vector_append_str(v, buf, (uint32_t)len, &err_));
        }
        st_zonemap zm;
        st_zonemap_init(&zm, t);
        /* update in two halves and merge, to cover merge too */
        st_zonemap a, b;
        st_zonemap_init(&a, t);
        st_zonemap_init(&b, t);
        uint32_t half = v->len / 2;
        uint32_t sel2[16];
        for (uint32_t i = half; i < v->len; i++) sel2[i - half] = i;
        st_zonemap_update(&a, v, NULL, half);
        st_zonemap_update(&b, v, sel2, v->len - half);
        st_zonemap_merge(&a, &b);
        for (int probe = 0; probe < 50; probe++) {
            int len = (int)(st_test_rand() % 40);
            for (int k = 0; k < len; k++) buf[k] = (char)("ab\xff"[st_test_rand() % 3]);
            st_str ps = {buf, (uint32_t)len, 0};
            st_zval z;
            st_zval_from_value(t, &ps, &z);
            if (len > ST_ZONE_STR_MAX) continue; /* probes are planner constants: short */
            bool eq = false, lt = false, gt = false;
            for (uint32_t i = 0; i < v->len; i++) {
                st_str *s = &ST_VEC(v, st_str)[i];
                size_t m = s->len < (size_t)len ? s->len : (size_t)len;
                int c = m ? memcmp(s->ptr, buf, m) : 0;
                if (!c) c = s->len < (size_t)len ? -1 : s->len > (size_t)len;
                eq |= c == 0;
                lt |= c < 0;
                gt |= c > 0;
            }
            if (eq) assert_true(st_zonemap_may_match(&a, ST_CMP_EQ, &z));
            if (lt) assert_true(st_zonemap_may_match(&a, ST_CMP_LT, &z));
            if (gt) assert_true(st_zonemap_may_match(&a, ST_CMP_GT, &z));
        }
        st_vector_free(v);
    }
}

static void test_doubles_nan(void **state) {
    (void)state;
    st_vector *v = st_vector_new(st_type_make(ST_T_DOUBLE), 4);
    double xs[] = {1.5, NAN, -2.0};
    for (int i = 0; i < 3; i++) ST_ASSERT_OK(st_vector_append(v, &xs[i], &err_));
    st_zonemap zm;
    st_zonemap_init(&zm, v->type);
    st_zonemap_update(&zm, v, NULL, v->len);
    assert_true(zm.has_nan);
    assert_true(zm.min.v.f64 == -2.0 && zm.max.v.f64 == 1.5);
    st_zval z;
    z.v.f64 = 100;
    assert_true(st_zonemap_may_match(&zm, ST_CMP_GT, &z)); /* NaN > 100 in DuckDB order */
    assert_false(st_zonemap_may_match(&zm, ST_CMP_EQ, &z));
    st_vector_free(v);
}

static void test_json_round_trip(void **state) {
    (void)state;
    st_type types[] = {st_type_make(ST_T_TIMESTAMP), st_type_decimal(38, 2),
                       st_type_make(ST_T_BLOB), st_type_make(ST_T_DATE)};
    for (int ti = 0; ti < 4; ti++) {
        st_type t = types[ti];
        st_vector *v = st_vector_new(t, 4);
        for (int i = 0; i < 3; i++) {
            if (t.id == ST_T_BLOB) {
                char b[3] = {(char)0xFF, (char)i, 'x'};
                ST_ASSERT_OK(st_vector_append_str(v, b, 3, &err_));
            } else if (t.id == ST_T_DECIMAL) {
                st_i128 d = (st_i128)(i - 1) * 100000000000000000 * 1000;
                ST_ASSERT_OK(st_vector_append(v, &d, &err_));
            } else if (t.id == ST_T_DATE) {
                int32_t d = 20000 + i;
                ST_ASSERT_OK(st_vector_append(v, &d, &err_));
            } else {
                int64_t d = INT64_C(1740830400000000) + i * 1234567;
                ST_ASSERT_OK(st_vector_append(v, &d, &err_));
            }
        }
        st_zonemap zm, back;
        st_zonemap_init(&zm, t);
        st_zonemap_update(&zm, v, NULL, v->len);
        zm.distinct_est = 3;
        json_t *j = st_zonemap_to_json(&zm);
        ST_ASSERT_OK(st_zonemap_from_json(j, t, &back, &err_));
        json_decref(j);
        assert_int_equal(back.rows, 3);
        assert_int_equal(back.distinct_est, 3);
        assert_int_equal(st_zval_cmp(t, &back.min, &zm.min), 0);
        assert_int_equal(st_zval_cmp(t, &back.max, &zm.max), 0);
        st_vector_free(v);
    }
    st_zonemap out;
    json_t *bad = json_pack("{s:i,s:i}", "rows", 1, "nulls", 5);
    ST_ASSERT_ERR(st_zonemap_from_json(bad, st_type_make(ST_T_INT64), &out, &err_), ST_ERR_CORRUPT);
    json_decref(bad);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_bounds_and_pruning),
        cmocka_unit_test(test_string_truncation_is_safe),
        cmocka_unit_test(test_doubles_nan),
        cmocka_unit_test(test_json_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
