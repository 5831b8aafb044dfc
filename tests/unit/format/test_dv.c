/*
 * test_dv.c: deletion vector files: round trips (arrays, bitsets, runs),
 * the selection of live rows, and refusal of every kind of damage.
 */
#include "test_util.h"

#include "format/dv.h"
#include "format/hash.h"

static const uint8_t seg_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void encode(const st_dv *d, uint64_t rows, st_sbuf *out) {
    st_sbuf_clear(out);
    ST_ASSERT_OK(st_dv_encode(d, seg_id, rows, out, &err_));
}

static void test_round_trip(void **state) {
    (void)state;
    st_test_seed(3);
    /* sparse (array containers), dense (bitsets), ranges (runs), across containers */
    for (int shape = 0; shape < 3; shape++) {
        st_dv *d = st_dv_new();
        uint64_t rows = 300000;
        for (uint32_t i = 0; i < rows; i++) {
            bool del = shape == 0 ? st_test_rand() % 97 == 0
                       : shape == 1 ? st_test_rand() % 3 == 0
                                    : (i / 1000) % 2 == 0;
            if (del) st_dv_add(d, i);
        }
        st_sbuf sb = ST_SBUF_INIT;
        encode(d, rows, &sb);
        st_dv *back = NULL;
        st_dv_header h;
        ST_ASSERT_OK(st_dv_decode(sb.p, sb.len, "x.dv", &h, &back, &err_));
        assert_int_equal(h.cardinality, st_dv_cardinality(d));
        assert_int_equal(h.seg_rows, rows);
        assert_memory_equal(h.seg_id, seg_id, 16);
        for (uint32_t i = 0; i < rows; i++) assert_int_equal(st_dv_contains(back, i), st_dv_contains(d, i));
        /* selection of live rows over a row group */
        uint32_t sel[70000];
        uint64_t first = 65536;
        uint32_t n = st_dv_select(back, first, 65536, sel);
        assert_int_equal(n, 65536 - st_dv_count_range(back, first, 65536));
        uint32_t k = 0;
        for (uint32_t r = 0; r < 65536; r++)
            if (!st_dv_contains(d, (uint32_t)(first + r))) assert_int_equal(sel[k++], r);
        assert_int_equal(k, n);
        st_dv_free(back);
        st_dv_free(d);
        st_sbuf_free(&sb);
    }
}

static void test_refusals(void **state) {
    (void)state;
    st_dv *d = st_dv_new();
    st_sbuf sb = ST_SBUF_INIT;
    ST_ASSERT_ERR(st_dv_encode(d, seg_id, 10, &sb, &err_), ST_ERR_INVALID); /* empty */
    st_dv_add(d, 10);
    ST_ASSERT_ERR(st_dv_encode(d, seg_id, 10, &sb, &err_), ST_ERR_INVALID); /* row 10 of 10 */
    ST_ASSERT_ERR(st_dv_encode(d, seg_id, (uint64_t)1 << 32, &sb, &err_), ST_ERR_LIMIT);
    st_dv_add(d, 3);
    encode(d, 11, &sb);
    st_dv *back = NULL;
    ST_ASSERT_OK(st_dv_decode(sb.p, sb.len, "x.dv", NULL, &back, &err_));
    st_dv_free(back);
    /* every single-byte flip and every truncation is refused */
    for (size_t i = 0; i < sb.len; i++) {
        char *c = malloc(sb.len);
        memcpy(c, sb.p, sb.len);
        c[i] ^= 0x20;
        st_status rc = st_dv_decode(c, sb.len, "x.dv", NULL, &back, &err_);
        assert_true(rc == ST_ERR_CORRUPT || rc == ST_ERR_UNSUPPORTED);
        assert_null(back);
        ST_ASSERT_ERR(st_dv_decode(sb.p, i, "x.dv", NULL, &back, &err_), ST_ERR_CORRUPT);
        free(c);
    }
    /* a valid checksum over a bad structure: row beyond the segment */
    st_sbuf_clear(&sb);
    st_dv_add(d, 9);
    encode(d, 11, &sb);
    uint8_t *b = (uint8_t *)sb.p;
    b[32] = 5; /* seg_rows 5 < row 10 */
    uint64_t x = st_checksum64(b, sb.len - 8);
    for (int i = 0; i < 8; i++) b[sb.len - 8 + i] = (uint8_t)(x >> (8 * i));
    ST_ASSERT_ERR(st_dv_decode(sb.p, sb.len, "x.dv", NULL, &back, &err_), ST_ERR_CORRUPT);
    /* array values out of order, checksum fixed */
    st_sbuf_clear(&sb);
    encode(d, 11, &sb);
    b = (uint8_t *)sb.p;
    size_t n = sb.len;
    /* payload: cookie 12346, n=1, key/card, offset, then 3 u16 values 3, 9, 10 */
    size_t vals = ST_DV_HEADER_BYTES + 4 + 4 + 4 + 4;
    assert_int_equal(b[vals], 3);
    b[vals] = 9;
    x = st_checksum64(b, n - 8);
    for (int i = 0; i < 8; i++) b[n - 8 + i] = (uint8_t)(x >> (8 * i));
    ST_ASSERT_ERR(st_dv_decode(sb.p, sb.len, "x.dv", NULL, &back, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "out of order"));
    st_sbuf_free(&sb);
    st_dv_free(d);
}

static void test_file(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/a.dv", dir);
    st_dv *d = st_dv_new();
    for (uint32_t i = 0; i < 100; i += 7) st_dv_add(d, i);
    st_sbuf sb = ST_SBUF_INIT;
    encode(d, 100, &sb);
    FILE *f = fopen(path, "wb");
    fwrite(sb.p, 1, sb.len, f);
    fclose(f);
    st_dv *back;
    ST_ASSERT_OK(st_dv_read_file(path, seg_id, 100, st_dv_cardinality(d), &back, &err_));
    st_dv_free(back);
    ST_ASSERT_ERR(st_dv_read_file(path, seg_id, 101, st_dv_cardinality(d), &back, &err_), ST_ERR_CORRUPT);
    uint8_t other[16] = {0};
    ST_ASSERT_ERR(st_dv_read_file(path, other, 100, st_dv_cardinality(d), &back, &err_), ST_ERR_CORRUPT);
    st_dv_free(d);
    st_sbuf_free(&sb);
    st_test_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
