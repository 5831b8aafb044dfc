/*
 * test_enc.c: the encoders of enc_*.c in isolation: PACK at every bit width
 * and around miniblock and group boundaries, every ints and strings
 * encoding forced on data of every shape (extremes included), hostile bytes
 * fed to every decoder, and the scalar and AVX2 kernel paths giving
 * byte-identical segments (this program re-runs itself with
 * STRATA_SIMD=scalar and compares).
 */
#include "test_util.h"

#include <sys/wait.h>

#include "format/enc_int.h"
#include "format/hash.h"
#include "format/segment.h"
#include "seg_testlib.h"

/* a window over bytes with ENC_SLACK bytes of garbage behind it */
static enc_rd window(const enc_buf *b, uint8_t **copy) {
    *copy = malloc(b->len + ENC_SLACK);
    if (b->len) memcpy(*copy, b->p, b->len);
    memset(*copy + b->len, 0xAA, ENC_SLACK);
    enc_rd r = {*copy, b->len, 0};
    return r;
}

static void test_pack_widths(void **state) {
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 8, 9, 63, 511, 512, 513, 1025, 3001};
    uint64_t *v = malloc(3001 * 8), *out = malloc(3001 * 8);
    st_test_seed(11);
    for (unsigned w = 0; w <= 64; w++)
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            uint64_t base = st_test_rand();
            uint64_t mask = w == 64 ? ~UINT64_C(0) : (UINT64_C(1) << w) - 1;
            for (size_t i = 0; i < n; i++) v[i] = base + (st_test_rand() & mask);
            if (n > 2 && w) v[n / 2] = base + mask, v[1] = base; /* the full range */
            for (int sgn = 0; sgn < 2; sgn++) {
                enc_buf b = {0};
                enc_pack(&b, v, n, sgn);
                assert_false(b.failed);
                assert_int_equal(b.len, enc_pack_size(v, n, sgn));
                uint8_t *copy;
                enc_rd r = window(&b, &copy);
                ST_ASSERT_OK(enc_unpack(&r, n, out, &err_));
                assert_int_equal(r.pos, r.len);
                for (size_t i = 0; i < n; i++)
                    if (out[i] != v[i]) fail_msg("w=%u n=%zu i=%zu", w, n, i);
                /* one byte short: refused */
                if (b.len) {
                    r.pos = 0;
                    r.len = b.len - 1;
                    ST_ASSERT_ERR(enc_unpack(&r, n, out, &err_), ST_ERR_CORRUPT);
                }
                free(copy);
                enc_buf_free(&b);
            }
        }
    free(v);
    free(out);
}

static void fill_shape(uint64_t *v, size_t n, int shape) {
    for (size_t i = 0; i < n; i++) {
        switch (shape) {
        case 0: v[i] = st_test_rand(); break;                       /* random */
        case 1: v[i] = i ? v[i - 1] + st_test_rand() % 1000 : 5; break; /* sorted */
        case 2: v[i] = (uint64_t)(int64_t)((int)(st_test_rand() % 7) - 3); break; /* few, signed */
        case 3: v[i] = i && st_test_rand() % 10 ? v[i - 1] : st_test_rand() % 100; break; /* runs */
        case 4: v[i] = 42; break;                                    /* constant */
        case 5: v[i] = i % 2 ? (uint64_t)INT64_MIN : (uint64_t)INT64_MAX; break; /* extremes */
        default: v[i] = i % 3 ? UINT64_MAX : 0; break;               /* unsigned extremes */
        }
    }
}

static void test_ints_every_kind(void **state) {
    (void)state;
    static const int kinds[] = {ENC_FOR, ENC_DELTA, ENC_RLE, ENC_DICT};
    static const size_t sizes[] = {1, 2, 100, 512, 513, 5000};
    uint64_t *v = malloc(5000 * 8), *out = malloc(5000 * 8);
    enc_mem m = {0};
    st_test_seed(12);
    for (size_t ki = 0; ki < 5; ki++)
        for (int shape = 0; shape < 7; shape++)
            for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
                for (int sgn = 0; sgn < 2; sgn++) {
                    size_t n = sizes[si];
                    fill_shape(v, n, shape);
                    ints_opts o = {ki < 4 ? ENC_BIT(kinds[ki])
                                          : ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA) |
                                                ENC_BIT(ENC_RLE) | ENC_BIT(ENC_DICT),
                                   ki == 3};
                    ints_plan *p;
                    ST_ASSERT_OK(ints_plan_build(&m, v, n, sgn, o, &p, &err_));
                    if (ki < 4) assert_int_equal(ints_plan_kind(p), kinds[ki]);
                    enc_buf b = {0};
                    ints_plan_write(p, &b);
                    assert_false(b.failed);
                    assert_int_equal(b.len, ints_plan_size(p));
                    uint8_t *copy;
                    enc_rd r = window(&b, &copy);
                    unsigned all = ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA) | ENC_BIT(ENC_RLE) |
                                   ENC_BIT(ENC_DICT);
                    ST_ASSERT_OK(ints_decode(&r, ints_plan_kind(p), all, n, out, 0, &err_));
                    assert_int_equal(r.pos, r.len);
                    for (size_t i = 0; i < n; i++)
                        if (out[i] != v[i])
                            fail_msg("kind %d shape %d n %zu sgn %d: value %zu differs",
                                     ints_plan_kind(p), shape, n, sgn, i);
                    /* the decoder refuses a kind it is not allowed */
                    r.pos = 0;
                    ST_ASSERT_ERR(ints_decode(&r, ints_plan_kind(p), 0, n, out, 0, &err_),
                                  ST_ERR_CORRUPT);
                    free(copy);
                    enc_buf_free(&b);
                    enc_mem_reset(&m);
                }
    enc_mem_free(&m);
    free(v);
    free(out);
}

static void test_strings_every_kind(void **state) {
    (void)state;
    static const unsigned masks[] = {ENC_BIT(ENC_PLAIN), ENC_BIT(ENC_DICT), ENC_BIT(ENC_RLE),
                                     ENC_BIT(ENC_PLAIN) | ENC_BIT(ENC_DICT) | ENC_BIT(ENC_RLE)};
    enc_mem m = {0};
    char *bytes = malloc(1 << 20);
    uint32_t *off = malloc(4001 * 4);
    st_str *out = malloc(4000 * sizeof *out);
    st_test_seed(13);
    for (int shape = 0; shape < 4; shape++)
        for (size_t mi = 0; mi < 4; mi++) {
            size_t n = shape == 3 ? 1 : 4000;
            uint32_t o = 0;
            off[0] = 0;
            for (size_t i = 0; i < n; i++) {
                uint32_t len;
                if (shape == 0) { /* random lengths 0..40, some long */
                    len = st_test_rand() % 50 == 0 ? 200 : (uint32_t)(st_test_rand() % 41);
                    seg_rand_utf8(bytes + o, len);
                } else if (shape == 1) { /* few values, runs */
                    static const char *const w[] = {"", "a", "new", "like new", "refurbished grade A+"};
                    const char *s = w[(i / 7) % 5];
                    len = (uint32_t)strlen(s);
                    memcpy(bytes + o, s, len);
                } else { /* lengths around the 4/8/16 key boundaries */
                    len = (uint32_t)(i % 18);
                    for (uint32_t k = 0; k < len; k++) bytes[o + k] = (char)('a' + (i / 18 + k) % 3);
                }
                o += len;
                off[i + 1] = o;
            }
            strs_plan *p;
            ST_ASSERT_OK(strs_plan_build(&m, bytes, off, n, masks[mi], mi == 1, &p, &err_));
            if (mi < 3) assert_int_equal(ENC_BIT(strs_plan_kind(p)), masks[mi]);
            enc_buf b = {0};
            strs_plan_write(p, &b);
            assert_false(b.failed);
            uint8_t *copy;
            enc_rd r = window(&b, &copy);
            ST_ASSERT_OK(strs_decode(&r, strs_plan_kind(p), n, true, out, &err_));
            assert_int_equal(r.pos, r.len);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(out[i].len, off[i + 1] - off[i]);
                assert_memory_equal(out[i].ptr, bytes + off[i], out[i].len);
            }
            free(copy);
            enc_buf_free(&b);
            enc_mem_reset(&m);
        }
    enc_mem_free(&m);
    free(bytes);
    free(off);
    free(out);
}

/* random bytes into every decoder: an error or a value, never a crash or
 * a read outside the window (ASan) */
static void test_decoders_hostile(void **state) {
    (void)state;
    st_test_seed(14);
    uint64_t *out = malloc(700 * 8);
    st_str *sout = malloc(700 * sizeof *sout);
    for (int it = 0; it < 20000; it++) {
        size_t len = st_test_rand() % 200;
        uint8_t *p = malloc(len + ENC_SLACK);
        for (size_t i = 0; i < len + ENC_SLACK; i++) p[i] = (uint8_t)st_test_rand();
        /* plausible headers now and then: small counts, small widths */
        if (len >= 5 && it % 2) {
            p[0] = (uint8_t)(st_test_rand() % 4);
            p[1] = p[2] = p[3] = 0;
            p[4] = (uint8_t)(st_test_rand() % 9);
        }
        size_t n = 1 + st_test_rand() % 700;
        int kind = (int)(st_test_rand() % ENC__COUNT);
        enc_rd r = {p, len, 0};
        st_error e;
        (void)ints_decode(&r, kind, ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA) | ENC_BIT(ENC_RLE) |
                                        ENC_BIT(ENC_DICT),
                          n, out, 0, &e);
        r.pos = 0;
        (void)strs_decode(&r, kind, n, it % 3 == 0, sout, &e);
        free(p);
    }
    free(out);
    free(sout);
}

/* ---- scalar and AVX2 paths give the same bytes --------------------------- */

/* write a segment of every type and shape; print its bytes' hash and the
 * hash of everything decoded from it */
static void simd_probe(const char *dir, uint64_t *file_hash, uint64_t *data_hash) {
    st_test_seed(15);
    st_schema *sc = seg_schema(seg_all_types, SEG_NTYPES);
    seg_gen gens[SEG_NTYPES];
    int nulls[SEG_NTYPES];
    memset(gens, 0, sizeof gens);
    st_batch *batches[PAT__COUNT];
    uint64_t counter = 0;
    for (int pat = 0; pat < PAT__COUNT; pat++) {
        for (size_t c = 0; c < SEG_NTYPES; c++) gens[c].pat = pat, nulls[c] = pat % 3 ? NUL_SOME : NUL_NONE;
        batches[pat] = seg_make_batch(seg_all_types, SEG_NTYPES, 3000, gens, nulls, &counter, false);
    }
    uint8_t id[16] = {9, 9, 9};
    st_segment_options opt = {0};
    opt.segment_id = id;
    opt.rowgroup_rows = 3000;
    char *path = seg_write_file(dir, "simd.seg", sc, batches, PAT__COUNT, &opt, NULL);
    st_buf *f;
    ST_ASSERT_OK(st_file_read(path, 1 << 26, &f, &err_));
    *file_hash = st_hash_bytes(st_buf_data(f), st_buf_len(f));
    st_buf_unref(f);
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    uint64_t h = 0;
    for (uint32_t c = 0; c < SEG_NTYPES; c++) {
        st_vector *v = st_vector_new(seg_all_types[c], 0);
        for (uint32_t g = 0; g < st_segment_nrowgroups(seg); g++) {
            ST_ASSERT_OK(st_segment_read(seg, g, c, v, &err_));
            for (uint32_t r = 0; r < v->len; r++) {
                if (st_vector_is_null(v, r)) h = st_hash_combine(h, 1);
                else if (st_type_is_string(v->type))
                    h = st_hash_combine(h, st_hash_bytes(((st_str *)v->data)[r].ptr,
                                                         ((st_str *)v->data)[r].len));
                else h = st_hash_combine(h, st_hash_bytes(st_vector_at(v, r), st_type_width(v->type)));
            }
        }
        st_vector_free(v);
    }
    *data_hash = h;
    st_segment_close(seg);
    free(path);
    for (int i = 0; i < PAT__COUNT; i++) st_batch_free(batches[i]);
    st_schema_free(sc);
}

static void test_simd_paths_identical(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    uint64_t fh, dh;
    simd_probe(dir, &fh, &dh);
    char out[4200], cmd[9000];
    snprintf(out, sizeof out, "%s/scalar.txt", dir);
    snprintf(cmd, sizeof cmd, "STRATA_SIMD=scalar /proc/%d/exe --simd-child '%s' > '%s'",
             (int)getpid(), dir, out);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(out, "r");
    unsigned long long cfh = 0, cdh = 0;
    int avx = -1;
    assert_int_equal(fscanf(f, "%llx %llx %d", &cfh, &cdh, &avx), 3);
    fclose(f);
    assert_int_equal(avx, 0); /* the child ran the scalar kernels */
    print_message("kernels here: %s; scalar child: same file bytes %s, same data %s\n",
                  enc_use_avx2() ? "avx2" : "scalar", cfh == fh ? "yes" : "NO",
                  cdh == dh ? "yes" : "NO");
    assert_true(cfh == fh);
    assert_true(cdh == dh);
    st_test_rmrf(dir);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--simd-child")) {
        uint64_t fh, dh;
        simd_probe(argv[2], &fh, &dh);
        printf("%llx %llx %d\n", (unsigned long long)fh, (unsigned long long)dh, enc_use_avx2());
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_widths),
        cmocka_unit_test(test_ints_every_kind),
        cmocka_unit_test(test_strings_every_kind),
        cmocka_unit_test(test_decoders_hostile),
        cmocka_unit_test(test_simd_paths_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
