/*
 * test_segment_corrupt.c: damaged, truncated, foreign and crafted segments.
 *
 *  - The Must-show test: a ~1 MB segment, a byte flipped at >= 1,000
 *    sampled offsets (plus every header and tail byte): every flip is
 *    reported (by open, or by verify), and reading every column of every row
 *    group either fails or returns exactly the original data, never anything
 *    else; at least one read fails for each flip open let through.
 *  - Truncation at many lengths, foreign files, a block pasted from another
 *    segment, two blocks swapped: all refused with a byte offset.
 *  - Crafted files whose checksums are recomputed after mutation (what a
 *    deliberate attacker could write): decoders refuse or decode, never
 *    crash, never read out of bounds (run under ASan by make test SANITIZE=1).
 */
#include "test_util.h"

#include "format/segment.h"
#include "format/segment_int.h"
#include "seg_testlib.h"

static char *tmpdir;
static int setup(void **state) {
    (void)state;
    tmpdir = st_test_tmpdir();
    return tmpdir ? 0 : -1;
}
static int teardown(void **state) {
    (void)state;
    st_test_rmrf(tmpdir);
    return 0;
}

static const st_type ctypes[] = {
    {ST_T_INT64, 0, 0},  {ST_T_DOUBLE, 0, 0},   {ST_T_VARCHAR, 0, 0},     {ST_T_BLOB, 0, 0},
    {ST_T_VARCHAR, 0, 0}, {ST_T_TIMESTAMP, 0, 0}, {ST_T_DECIMAL, 38, 6}, {ST_T_INT32, 0, 0},
    {ST_T_BOOLEAN, 0, 0},
};
#define NC (sizeof ctypes / sizeof ctypes[0])

/* a segment of ~1 MB with every encoding and both compressions in it */
static char *make_segment(uint32_t rows, st_batch ***out_b, size_t *out_nb, st_schema **sc_out) {
    st_test_seed(20260101);
    st_schema *sc = seg_schema(ctypes, NC);
    seg_gen gens[NC] = {{PAT_RANDOM, {0}, 0}, {PAT_RANDOM, {0}, 0},  {PAT_RANDOM, {0}, 0},
                        {PAT_RANDOM, {0}, 0}, {PAT_LOWCARD, {0}, 0}, {PAT_SORTED, {0}, 0},
                        {PAT_RANDOM, {0}, 0}, {PAT_RUNS, {0}, 0},    {PAT_SMALL, {0}, 0}};
    int nulls[NC] = {NUL_NONE, NUL_SOME, NUL_NONE, NUL_SOME, NUL_NONE, NUL_NONE, NUL_SOME, NUL_MOST, NUL_NONE};
    size_t nb = (rows + 999) / 1000;
    st_batch **b = calloc(nb, sizeof *b);
    uint64_t counter = 0;
    for (size_t i = 0; i < nb; i++)
        b[i] = seg_make_batch(ctypes, NC, i + 1 < nb ? 1000 : rows - (uint32_t)(1000 * i), gens, nulls,
                              &counter, i % 4 == 1);
    st_segment_options opt = {0};
    opt.rowgroup_rows = 2048;
    char *path = seg_write_file(tmpdir, "c.seg", sc, b, nb, &opt, NULL);
    *out_b = b;
    *out_nb = nb;
    *sc_out = sc;
    return path;
}

static st_buf *load(const char *path) {
    st_buf *f;
    ST_ASSERT_OK(st_file_read(path, 1 << 26, &f, &err_));
    /* copy into a buffer with the slack a reader may touch */
    st_buf *b = st_buf_new(st_buf_len(f) + 64);
    memcpy(st_buf_data(b), st_buf_data(f), st_buf_len(f));
    st_buf_unref(f);
    return b;
}

/* open a prefix view of buf (len bytes) */
static st_status open_view(st_buf *b, size_t len, st_segment **s, st_error *e) {
    st_buf *v = st_buf_wrap(st_buf_data(b), len, NULL, NULL);
    st_status rc = st_segment_open_buf(v, "damaged.seg", s, e);
    st_buf_unref(v);
    return rc;
}

static void expect_located_error(st_status rc, const st_error *e) {
    assert_int_not_equal(rc, ST_OK);
    if (!strstr(e->msg, " at byte ")) fail_msg("error without a byte offset: %s", e->msg);
}

static void test_flip_1000_offsets(void **state) {
    (void)state;
    st_batch **batches;
    size_t nb;
    st_schema *sc;
    char *path = make_segment(7000, &batches, &nb, &sc);
    st_buf *orig = load(path);
    size_t size = st_buf_len(orig) - 64;
    print_message("segment of %zu bytes\n", size);
    assert_true(size > 700000 && size < 1500000);
    st_segment *seg;
    ST_ASSERT_OK(open_view(orig, size, &seg, &err_));
    ST_ASSERT_OK(st_segment_verify(seg, &err_));
    assert_segment_equal(seg, batches, nb);
    /* the original data of every chunk */
    uint32_t G = st_segment_nrowgroups(seg);
    assert_true(G >= 3);
    st_vector **want = calloc((size_t)G * NC, sizeof *want);
    for (uint32_t g = 0; g < G; g++)
        for (uint32_t c = 0; c < NC; c++) {
            want[g * NC + c] = st_vector_new(ctypes[c], 0);
            ST_ASSERT_OK(st_segment_read(seg, g, c, want[g * NC + c], &err_));
        }
    /* the offsets: 1,200 stratified samples, every header and tail byte, and
     * a run of footer bytes */
    st_segment_layout lay;
    st_segment_layout_info(seg, &lay);
    size_t noff = 0, cap = 1500;
    size_t *offs = malloc(cap * sizeof *offs);
    for (size_t i = 0; i < 1200; i++) offs[noff++] = i * (size / 1200) + st_test_rand() % (size / 1200);
    for (size_t i = 0; i < SEG_HEADER_SIZE; i++) offs[noff++] = i;
    for (size_t i = 0; i < SEG_TAIL_SIZE; i++) offs[noff++] = size - SEG_TAIL_SIZE + i;
    for (size_t i = 0; i < 100; i++) offs[noff++] = lay.footer_offset + st_test_rand() % lay.footer_bytes;
    st_segment_close(seg);

    uint8_t *copy = malloc(size + 64);
    st_vector *v[NC];
    for (uint32_t c = 0; c < NC; c++) v[c] = st_vector_new(ctypes[c], 0);
    size_t by_open = 0, by_read = 0;
    for (size_t k = 0; k < noff; k++) {
        size_t off = offs[k];
        memcpy(copy, st_buf_data(orig), size + 64);
        copy[off] ^= (uint8_t)(1 + st_test_rand() % 255);
        st_buf *b = st_buf_wrap(copy, size, NULL, NULL);
        st_error e;
        st_status rc = st_segment_open_buf(b, "flip.seg", &seg, &e);
        st_buf_unref(b);
        if (rc != ST_OK) {
            expect_located_error(rc, &e);
            by_open++;
            continue;
        }
        /* verify reports it */
        rc = st_segment_verify(seg, &e);
        if (rc == ST_OK) fail_msg("flip at byte %zu not reported by verify", off);
        expect_located_error(rc, &e);
        /* reads: an error or the original data, and at least one error */
        size_t errors = 0;
        for (uint32_t g = 0; g < G; g++)
            for (uint32_t c = 0; c < NC; c++) {
                if (st_segment_read(seg, g, c, v[c], &e) != ST_OK) {
                    expect_located_error(ST_ERR_CORRUPT, &e);
                    errors++;
                    continue;
                }
                const st_vector *w = want[g * NC + c];
                assert_int_equal(v[c]->len, w->len);
                for (uint32_t r = 0; r < w->len; r++)
                    if (!seg_value_eq(ctypes[c], v[c], r, w, r))
                        fail_msg("flip at byte %zu: row group %u column %u row %u: wrong data", off,
                                 g, c, r);
            }
        if (errors == 0) fail_msg("flip at byte %zu: every read succeeded", off);
        by_read++;
        st_segment_close(seg);
    }
    print_message("flipped %zu offsets of a %zu-byte segment: %zu refused at open, %zu by "
                  "verify and reads\n", noff, size, by_open, by_read);
    assert_true(noff >= 1000);
    assert_true(by_read > 900);
    for (uint32_t c = 0; c < NC; c++) st_vector_free(v[c]);
    for (size_t i = 0; i < (size_t)G * NC; i++) st_vector_free(want[i]);
    free(want);
    free(offs);
    free(copy);
    st_buf_unref(orig);
    for (size_t i = 0; i < nb; i++) st_batch_free(batches[i]);
    free(batches);
    free(path);
    st_schema_free(sc);
}

static void test_truncation_and_foreign(void **state) {
    (void)state;
    st_batch **batches;
    size_t nb;
    st_schema *sc;
    char *path = make_segment(3000, &batches, &nb, &sc);
    st_buf *orig = load(path);
    size_t size = st_buf_len(orig) - 64;
    st_segment *seg;
    st_error e;
    for (size_t len = 0; len < size; len += 1 + len / 7) {
        st_status rc = open_view(orig, len, &seg, &e);
        expect_located_error(rc, &e);
    }
    /* appended garbage */
    st_buf *big = st_buf_new(size + 200);
    memcpy(st_buf_data(big), st_buf_data(orig), size);
    memset((uint8_t *)st_buf_data(big) + size, 'x', 200);
    expect_located_error(open_view(big, size + 100, &seg, &e), &e);
    st_buf_unref(big);
    /* foreign files */
    const char *foreign[] = {"", "hello world\n", "PAR1\x15\x04", "\x28\xb5\x2f\xfd\x00\x00"};
    for (size_t i = 0; i < 4; i++) {
        st_buf *f = st_buf_new(strlen(foreign[i]) + 64);
        memcpy(st_buf_data(f), foreign[i], strlen(foreign[i]));
        st_status rc = open_view(f, strlen(foreign[i]), &seg, &e);
        assert_int_equal(rc, ST_ERR_FORMAT);
        assert_non_null(strstr(e.msg, "not a Strata segment"));
        assert_non_null(strstr(e.msg, "at byte 0"));
        st_buf_unref(f);
    }
    ST_ASSERT_ERR(st_segment_open("/nonexistent/x.seg", &seg, &err_), ST_ERR_NOT_FOUND);
    st_buf_unref(orig);
    for (size_t i = 0; i < nb; i++) st_batch_free(batches[i]);
    free(batches);
    free(path);
    st_schema_free(sc);
}

/* a block copied from another segment (same shape, other id), and two blocks
 * of one segment swapped, both with valid checksums */
static void test_misdirected_blocks(void **state) {
    (void)state;
    st_type t[1] = {{ST_T_INT64, 0, 0}};
    st_schema *sc = seg_schema(t, 1);
    st_batch *b = st_batch_new(t, 1, 2000);
    for (uint32_t r = 0; r < 2000; r++) ((int64_t *)b->cols[0]->data)[r] = r * 7;
    st_batch_set_len(b, 2000);
    st_segment_options opt = {0};
    opt.rowgroup_rows = 1000;
    char *p1 = seg_write_file(tmpdir, "a.seg", sc, &b, 1, &opt, NULL);
    char *p2 = seg_write_file(tmpdir, "b.seg", sc, &b, 1, &opt, NULL);
    st_buf *a = load(p1), *c = load(p2);
    size_t size = st_buf_len(a) - 64;
    assert_int_equal(size, st_buf_len(c) - 64);
    st_segment *seg;
    ST_ASSERT_OK(open_view(a, size, &seg, &err_));
    st_segment_chunk c0, c1;
    st_segment_chunk_info(seg, 0, 0, &c0);
    st_segment_chunk_info(seg, 1, 0, &c1);
    st_segment_close(seg);
    /* paste b's first block into a */
    st_buf *m = st_buf_new(size + 64);
    memcpy(st_buf_data(m), st_buf_data(a), size + 64);
    memcpy((uint8_t *)st_buf_data(m) + c0.offset, (uint8_t *)st_buf_data(c) + c0.offset,
           c0.block_bytes);
    ST_ASSERT_OK(open_view(m, size, &seg, &err_));
    st_vector *v = st_vector_new(t[0], 0);
    ST_ASSERT_ERR(st_segment_read(seg, 0, 0, v, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "another segment"));
    ST_ASSERT_OK(st_segment_read(seg, 1, 0, v, &err_));
    ST_ASSERT_ERR(st_segment_verify(seg, &err_), ST_ERR_CORRUPT);
    st_segment_close(seg);
    /* swap a's two blocks when they have the same length */
    if (c0.block_bytes == c1.block_bytes) {
        memcpy(st_buf_data(m), st_buf_data(a), size + 64);
        uint8_t *p = st_buf_data(m);
        memcpy(p + c0.offset, (uint8_t *)st_buf_data(a) + c1.offset, c1.block_bytes);
        memcpy(p + c1.offset, (uint8_t *)st_buf_data(a) + c0.offset, c0.block_bytes);
        ST_ASSERT_OK(open_view(m, size, &seg, &err_));
        ST_ASSERT_ERR(st_segment_read(seg, 0, 0, v, &err_), ST_ERR_CORRUPT);
        assert_non_null(strstr(err_.msg, "block is for row group 1"));
        st_segment_close(seg);
    }
    st_vector_free(v);
    st_buf_unref(m);
    st_buf_unref(a);
    st_buf_unref(c);
    free(p1);
    free(p2);
    st_batch_free(b);
    st_schema_free(sc);
}

/* random mutations with checksums recomputed: the decoders see hostile
 * bytes behind valid checksums */
static void test_crafted_mutations(void **state) {
    (void)state;
    st_batch **batches;
    size_t nb;
    st_schema *sc;
    char *path = make_segment(2500, &batches, &nb, &sc);
    st_buf *orig = load(path);
    size_t size = st_buf_len(orig) - 64;
    uint8_t *copy = malloc(size + 64);
    st_vector *v[NC];
    for (uint32_t c = 0; c < NC; c++) v[c] = st_vector_new(ctypes[c], 0);
    size_t opened = 0, decoded = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(copy, st_buf_data(orig), size + 64);
        int nmut = 1 + (int)(st_test_rand() % 4);
        for (int k = 0; k < nmut; k++) {
            size_t off = st_test_rand() % size;
            switch (st_test_rand() % 4) {
            case 0: copy[off] ^= (uint8_t)(1u << (st_test_rand() % 8)); break;
            case 1: copy[off] = 0; break;
            case 2: copy[off] = 0xFF; break;
            default: copy[off] = (uint8_t)st_test_rand(); break;
            }
        }
        seg_debug_rehash(copy, size);
        st_buf *b = st_buf_wrap(copy, size, NULL, NULL);
        st_segment *seg;
        st_error e;
        st_status rc = st_segment_open_buf(b, "crafted.seg", &seg, &e);
        st_buf_unref(b);
        if (rc != ST_OK) {
            expect_located_error(rc, &e);
            continue;
        }
        opened++;
        for (uint32_t g = 0; g < st_segment_nrowgroups(seg); g++)
            for (uint32_t c = 0; c < st_segment_schema(seg)->nfields && c < NC; c++) {
                if (!st_type_eq(st_segment_schema(seg)->fields[c].type, ctypes[c])) continue;
                if (st_segment_read(seg, g, c, v[c], &e) == ST_OK) decoded++;
                else expect_located_error(ST_ERR_CORRUPT, &e);
            }
        (void)st_segment_verify(seg, &e);
        st_segment_close(seg);
    }
    print_message("crafted: %zu of 3000 opened, %zu chunks decoded\n", opened, decoded);
    assert_true(opened > 100);
    for (uint32_t c = 0; c < NC; c++) st_vector_free(v[c]);
    free(copy);
    st_buf_unref(orig);
    for (size_t i = 0; i < nb; i++) st_batch_free(batches[i]);
    free(batches);
    free(path);
    st_schema_free(sc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flip_1000_offsets),
        cmocka_unit_test(test_truncation_and_foreign),
        cmocka_unit_test(test_misdirected_blocks),
        cmocka_unit_test(test_crafted_mutations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
