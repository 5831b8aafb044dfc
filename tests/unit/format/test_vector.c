/*
 * test_vector.c: vectors, batches, arena and refcounted buffers.
 */
#include "test_util.h"

#include "format/mem.h"
#include "format/vector.h"

static void test_nulls_and_growth(void **state) {
    (void)state;
    st_vector *v = st_vector_new(st_type_make(ST_T_INT64), 4);
    assert_non_null(v);
    for (int64_t i = 0; i < 10000; i++) {
        if (i % 3 == 0) ST_ASSERT_OK(st_vector_append_null(v, &err_));
        else ST_ASSERT_OK(st_vector_append(v, &i, &err_));
    }
    assert_int_equal(v->len, 10000);
    assert_int_equal(st_vector_null_count(v), 3334);
    for (uint32_t i = 0; i < 10000; i++) {
        assert_int_equal(st_vector_is_null(v, i), i % 3 == 0);
        if (i % 3) assert_int_equal(ST_VEC(v, int64_t)[i], i);
        else assert_int_equal(ST_VEC(v, int64_t)[i], 0); /* NULL slots are zero */
    }
    st_vector_reset(v);
    assert_int_equal(v->len, 0);
    assert_null(v->validity);
    st_vector_free(v);
    st_vector_free(NULL);
}

static void test_strings_and_pins(void **state) {
    (void)state;
    st_vector *v = st_vector_new(st_type_make(ST_T_VARCHAR), 0);
    char big[100000];
    memset(big, 'x', sizeof big);
    ST_ASSERT_OK(st_vector_append_str(v, "hello", 5, &err_));
    ST_ASSERT_OK(st_vector_append_str(v, "", 0, &err_));
    ST_ASSERT_OK(st_vector_append_str(v, big, sizeof big, &err_));
    ST_ASSERT_OK(st_vector_append_null(v, &err_));
    st_str *s = ST_VEC(v, st_str);
    assert_int_equal(s[0].len, 5);
    assert_memory_equal(s[0].ptr, "hello", 5);
    assert_int_equal(s[1].len, 0);
    assert_int_equal(s[2].len, sizeof big);
    assert_memory_equal(s[2].ptr, big, sizeof big);
    assert_true(st_vector_is_null(v, 3));
    /* zero-copy: a string pointing into a pinned buffer outlives our ref */
    st_buf *b = st_buf_new(6);
    memcpy(st_buf_data(b), "pinned", 6);
    ST_ASSERT_OK(st_vector_pin(v, b, &err_));
    st_buf_unref(b); /* the vector still holds it */
    s[0].ptr = st_buf_data(b);
    s[0].len = 6;
    assert_memory_equal(s[0].ptr, "pinned", 6);
    st_vector_free(v); /* releases the pin: ASan checks no leak */
}

static void test_batch(void **state) {
    (void)state;
    st_type types[3] = {st_type_make(ST_T_INT32), st_type_make(ST_T_VARCHAR),
                        st_type_decimal(38, 4)};
    st_batch *b = st_batch_new(types, 3, ST_VECTOR_SIZE);
    assert_non_null(b);
    for (uint32_t i = 0; i < 100; i++) {
        ST_VEC(b->cols[0], int32_t)[i] = (int32_t)i;
        ST_ASSERT_OK(st_vector_set_str(b->cols[1], i, "ab", 2, &err_));
        ST_VEC(b->cols[2], st_i128)[i] = (st_i128)i * 1000000000000000000;
    }
    st_batch_set_len(b, 100);
    uint32_t *sel = st_batch_sel_alloc(b, 100);
    uint32_t n = 0;
    for (uint32_t i = 0; i < 100; i++)
        if (i % 10 == 0) sel[n++] = i;
    b->sel_len = n;
    assert_int_equal(st_batch_live(b), 10);
    st_batch_reset(b);
    assert_int_equal(st_batch_live(b), 0);
    assert_null(b->sel);
    st_batch_free(b);
}

static void test_arena(void **state) {
    (void)state;
    st_arena *a = st_arena_new(1024);
    for (int i = 0; i < 1000; i++) {
        char *p = st_arena_alloc(a, (size_t)(i % 700));
        assert_non_null(p);
        assert_true(((uintptr_t)p & 15) == 0);
        memset(p, i & 0xFF, (size_t)(i % 700));
    }
    char *big = st_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    st_arena_reset(a);
    assert_int_equal(st_arena_used(a), 0);
    char *s = st_arena_strndup(a, "abc", 3);
    assert_string_equal(s, "abc");
    st_arena_free(a);
}

static void test_sbuf(void **state) {
    (void)state;
    st_sbuf b = ST_SBUF_INIT;
    assert_string_equal(st_sbuf_cstr(&b), "");
    for (int i = 0; i < 1000; i++) st_sbuf_printf(&b, "%d,", i);
    assert_int_equal(strncmp(b.p, "0,1,2,", 6), 0);
    char longs[600];
    memset(longs, 'q', sizeof longs - 1);
    longs[599] = 0;
    st_sbuf_clear(&b);
    st_sbuf_printf(&b, "<%s>", longs);
    assert_int_equal(b.len, 601);
    st_sbuf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nulls_and_growth), cmocka_unit_test(test_strings_and_pins),
        cmocka_unit_test(test_batch),            cmocka_unit_test(test_arena),
        cmocka_unit_test(test_sbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
