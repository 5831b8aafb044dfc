/*
 * test_segment.c: segment round trips: every type x every encoding x every
 * NULL pattern x several data patterns, with and without zstd, selection
 * vectors and partial row groups; edge cases (empty, all NULL, one row,
 * extremes, long strings, wide decimals); refusals (invalid UTF-8 as
 * VARCHAR, kept as BLOB; out-of-range decimals; NULL in NOT NULL); zone
 * maps and writer info; concurrent reads.
 */
#include "test_util.h"

#include <pthread.h>

#include "format/hash.h"
#include "format/segment.h"
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

static void free_batches(st_batch **b, size_t n) {
    for (size_t i = 0; i < n; i++) st_batch_free(b[i]);
}

/* Write rows of every type with pattern pat and null pattern np using the
 * given encoding mask, read back, compare, verify. */
static void roundtrip_one(int pat, int np, uint32_t encodings, st_seg_zstd_mode zm, uint32_t rows,
                          uint32_t rg_rows, uint64_t seed) {
    st_test_seed(seed);
    st_schema *sc = seg_schema(seg_all_types, SEG_NTYPES);
    seg_gen gens[SEG_NTYPES];
    int nulls[SEG_NTYPES];
    memset(gens, 0, sizeof gens);
    for (size_t c = 0; c < SEG_NTYPES; c++) {
        gens[c].pat = pat;
        nulls[c] = np;
    }
    st_batch *batches[64];
    size_t nb = 0;
    uint64_t counter = 0;
    uint32_t left = rows;
    while (left > 0 && nb < 64) {
        uint32_t n = 1 + (uint32_t)(st_test_rand() % 900);
        if (n > left || nb == 63) n = left;
        batches[nb++] = seg_make_batch(seg_all_types, SEG_NTYPES, n, gens, nulls, &counter,
                                       st_test_rand() % 3 == 0);
        left -= n;
    }
    st_segment_options opt = {0};
    opt.rowgroup_rows = rg_rows;
    opt.encodings = encodings;
    opt.zstd_mode = zm;
    st_segment_info info;
    char *path = seg_write_file(tmpdir, "rt.seg", sc, batches, nb, &opt, &info);
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    assert_segment_equal(seg, batches, nb);
    ST_ASSERT_OK(st_segment_verify(seg, &err_));
    /* the writer's info is what the reader finds */
    assert_int_equal(info.rows, st_segment_rows(seg));
    assert_int_equal(info.nrowgroups, st_segment_nrowgroups(seg));
    assert_int_equal(info.file_size, st_segment_file_size(seg));
    for (uint32_t c = 0; c < SEG_NTYPES; c++) {
        const st_zonemap *a = &info.zones[c], *b = st_segment_zonemap(seg, c);
        assert_int_equal(a->null_count, b->null_count);
        assert_int_equal(a->distinct_est, b->distinct_est);
        assert_int_equal(a->has_min, b->has_min);
        if (a->has_min) assert_int_equal(st_zval_cmp(a->type, &a->min, &b->min), 0);
        for (uint32_t g = 0; g < info.nrowgroups; g++) {
            st_segment_chunk ch;
            st_segment_chunk_info(seg, g, c, &ch);
            /* a forced encoding is used wherever it applies */
            uint32_t nonplain = encodings & ~(1u << ST_ENC_PLAIN);
            bool is_str = st_type_is_string(seg_all_types[c]);
            bool applies = nonplain && !(nonplain & (nonplain - 1)) &&
                           !(is_str && (nonplain & ((1u << ST_ENC_FOR) | (1u << ST_ENC_DELTA))));
            if (applies && ch.null_count < st_segment_rowgroup_rows(seg, g))
                assert_int_equal(1u << ch.encoding, nonplain);
            if (encodings == (1u << ST_ENC_PLAIN)) assert_int_equal(ch.encoding, ST_ENC_PLAIN);
            if (zm == ST_SEG_ZSTD_NEVER) assert_int_equal(ch.compression, ST_COMP_NONE);
            const st_zonemap *z1 = &info.rg_zones[g * SEG_NTYPES + c];
            const st_zonemap *z2 = st_segment_rowgroup_zonemap(seg, g, c);
            assert_int_equal(z1->null_count, z2->null_count);
            assert_int_equal(z1->rows, z2->rows);
            assert_int_equal(z1->distinct_est, z2->distinct_est);
        }
    }
    st_segment_info_free(&info);
    st_segment_close(seg);
    free(path);
    free_batches(batches, nb);
    st_schema_free(sc);
}

static void test_roundtrip_matrix(void **state) {
    (void)state;
    static const uint32_t encs[] = {
        0,
        1u << ST_ENC_PLAIN,
        1u << ST_ENC_DICT,
        1u << ST_ENC_RLE,
        1u << ST_ENC_FOR,
        1u << ST_ENC_DELTA,
    };
    uint64_t seed = 1;
    for (size_t e = 0; e < sizeof encs / sizeof encs[0]; e++)
        for (int np = 0; np < NUL__COUNT; np++)
            for (int pat = 0; pat < PAT__COUNT; pat++) {
                st_seg_zstd_mode zm = (seed % 3 == 0)   ? ST_SEG_ZSTD_ALWAYS
                                      : (seed % 3 == 1) ? ST_SEG_ZSTD_NEVER
                                                        : ST_SEG_ZSTD_AUTO;
                uint32_t rows = 700 + (uint32_t)(seed * 37 % 1500);
                roundtrip_one(pat, np, encs[e], zm, rows, 512 + (uint32_t)(seed % 3) * 300, seed);
                seed++;
            }
}

/* bigger row groups (miniblock boundaries, 64K default) with the default
 * choices */
static void test_roundtrip_large(void **state) {
    (void)state;
    for (int pat = 0; pat < PAT__COUNT; pat++)
        roundtrip_one(pat, pat % 2 ? NUL_SOME : NUL_NONE, 0, ST_SEG_ZSTD_AUTO, 70000 + pat * 1111,
                      0, 1000 + (uint64_t)pat);
}

static void test_empty_segment(void **state) {
    (void)state;
    st_schema *sc = seg_schema(seg_all_types, SEG_NTYPES);
    st_segment_info info;
    char *path = seg_write_file(tmpdir, "empty.seg", sc, NULL, 0, NULL, &info);
    assert_int_equal(info.rows, 0);
    assert_int_equal(info.nrowgroups, 0);
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    assert_int_equal(st_segment_rows(seg), 0);
    assert_int_equal(st_segment_nrowgroups(seg), 0);
    assert_int_equal(st_segment_schema(seg)->nfields, SEG_NTYPES);
    assert_false(st_segment_zonemap(seg, 0)->has_min);
    ST_ASSERT_OK(st_segment_verify(seg, &err_));
    /* an empty batch adds nothing */
    st_segment_close(seg);
    st_segment_info_free(&info);
    free(path);
    st_schema_free(sc);
}

static void test_one_row_and_all_null(void **state) {
    (void)state;
    for (int np = NUL_NONE; np <= NUL_ALL; np++) {
        for (int pat = 0; pat < PAT__COUNT; pat++) {
            roundtrip_one(pat, np, 0, ST_SEG_ZSTD_AUTO, 1, 0, 77 + (uint64_t)pat);
            roundtrip_one(pat, np, 0, ST_SEG_ZSTD_ALWAYS, 3000, 1000, 99 + (uint64_t)pat);
        }
    }
}

/* VARCHAR refuses invalid UTF-8 (the writer stays usable); BLOB keeps it */
static void test_invalid_utf8(void **state) {
    (void)state;
    st_type types[2] = {{ST_T_VARCHAR, 0, 0}, {ST_T_BLOB, 0, 0}};
    st_schema *sc = seg_schema(types, 2);
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir, "u", &f, &err_));
    st_segment_writer *w;
    ST_ASSERT_OK(st_segment_writer_new(sc, f, NULL, &w, &err_));
    st_batch *b = st_batch_new(types, 2, 4);
    static const char bad[] = "caf\xC3(\xFF";
    ST_ASSERT_OK(st_vector_set_str(b->cols[0], 0, "ok", 2, &err_));
    ST_ASSERT_OK(st_vector_set_str(b->cols[1], 0, bad, 6, &err_));
    ST_ASSERT_OK(st_vector_set_str(b->cols[0], 1, bad, 6, &err_));
    ST_ASSERT_OK(st_vector_set_str(b->cols[1], 1, bad, 6, &err_));
    st_batch_set_len(b, 2);
    ST_ASSERT_ERR(st_segment_writer_add(w, b, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "UTF-8"));
    assert_non_null(strstr(err_.msg, "c0"));
    /* the same bytes as BLOB only: accepted */
    ST_ASSERT_OK(st_vector_set_str(b->cols[0], 1, "fine", 4, &err_));
    ST_ASSERT_OK(st_segment_writer_add(w, b, &err_));
    ST_ASSERT_OK(st_segment_writer_finish(w, NULL, &err_));
    st_segment_writer_free(w);
    char path[4200];
    snprintf(path, sizeof path, "%s/utf8.seg", tmpdir);
    ST_ASSERT_OK(st_wfile_publish(f, path, ST_PUBLISH_NOREPLACE, &err_));
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    assert_int_equal(st_segment_rows(seg), 2);
    st_batch *batches[1] = {b};
    assert_segment_equal(seg, batches, 1);
    ST_ASSERT_OK(st_segment_verify(seg, &err_));
    st_segment_close(seg);
    st_batch_free(b);
    st_schema_free(sc);
}

static void test_refusals(void **state) {
    (void)state;
    st_type types[3] = {st_type_decimal(4, 2), {ST_T_BOOLEAN, 0, 0}, {ST_T_INT32, 0, 0}};
    st_schema *sc = st_schema_new();
    ST_ASSERT_OK(st_schema_add(sc, "d", types[0], 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(sc, "b", types[1], 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(sc, "n", types[2], 3, false, &err_));
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir, "r", &f, &err_));
    st_segment_writer *w;
    ST_ASSERT_OK(st_segment_writer_new(sc, f, NULL, &w, &err_));
    st_batch *b = st_batch_new(types, 3, 2);
    ((int64_t *)b->cols[0]->data)[0] = 10000; /* DECIMAL(4,2) holds up to 99.99 */
    st_batch_set_len(b, 1);
    ST_ASSERT_ERR(st_segment_writer_add(w, b, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "DECIMAL(4,2)"));
    ((int64_t *)b->cols[0]->data)[0] = -9999;
    ((uint8_t *)b->cols[1]->data)[0] = 2;
    ST_ASSERT_ERR(st_segment_writer_add(w, b, &err_), ST_ERR_INVALID);
    ((uint8_t *)b->cols[1]->data)[0] = 1;
    ST_ASSERT_OK(st_vector_set_null(b->cols[2], 0, &err_));
    ST_ASSERT_ERR(st_segment_writer_add(w, b, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "NOT NULL"));
    st_vector_set_valid(b->cols[2], 0);
    ST_ASSERT_OK(st_segment_writer_add(w, b, &err_));
    st_segment_info info;
    ST_ASSERT_OK(st_segment_writer_finish(w, &info, &err_));
    assert_int_equal(info.rows, 1);
    ST_ASSERT_ERR(st_segment_writer_add(w, b, &err_), ST_ERR_INVALID); /* finished */
    st_segment_info_free(&info);
    st_segment_writer_free(w);
    st_wfile_abort(f);
    /* a schema field without an id is refused */
    st_schema *s2 = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s2, "x", types[2], 0, true, &err_));
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir, "r2", &f, &err_));
    ST_ASSERT_ERR(st_segment_writer_new(s2, f, NULL, &w, &err_), ST_ERR_INVALID);
    st_wfile_abort(f);
    st_schema_free(s2);
    st_batch_free(b);
    st_schema_free(sc);
}

/* long strings, a row group cut by bytes, and the value-size limit */
static void test_long_strings(void **state) {
    (void)state;
    st_type types[2] = {{ST_T_VARCHAR, 0, 0}, {ST_T_INT64, 0, 0}};
    st_schema *sc = seg_schema(types, 2);
    size_t big = 3u << 20;
    char *s = malloc(big);
    for (size_t i = 0; i < big; i++) s[i] = (char)('a' + i % 26);
    st_batch *batches[8];
    for (int i = 0; i < 8; i++) {
        batches[i] = st_batch_new(types, 2, 3);
        for (uint32_t r = 0; r < 3; r++) {
            ST_ASSERT_OK(st_vector_set_str(batches[i]->cols[0], r, s + i + r, (uint32_t)(big / (1 + r) - (size_t)i), &err_));
            ((int64_t *)batches[i]->cols[1]->data)[r] = i * 3 + r;
        }
        st_batch_set_len(batches[i], 3);
    }
    st_segment_options opt = {0};
    opt.rowgroup_bytes = 10u << 20; /* cut row groups at 10 MiB of strings */
    char *path = seg_write_file(tmpdir, "long.seg", sc, batches, 8, &opt, NULL);
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    assert_true(st_segment_nrowgroups(seg) >= 4);
    assert_segment_equal(seg, batches, 8);
    ST_ASSERT_OK(st_segment_verify(seg, &err_));
    st_segment_close(seg);
    free(path);
    /* over the value limit */
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir, "l", &f, &err_));
    st_segment_writer *w;
    ST_ASSERT_OK(st_segment_writer_new(sc, f, NULL, &w, &err_));
    st_batch *b = batches[0];
    ((st_str *)b->cols[0]->data)[0].len = ST_SEGMENT_MAX_VALUE_BYTES + 1;
    ST_ASSERT_ERR(st_segment_writer_add(w, b, &err_), ST_ERR_LIMIT);
    ((st_str *)b->cols[0]->data)[0].len = 5;
    st_segment_writer_free(w);
    st_wfile_abort(f);
    free_batches(batches, 8);
    free(s);
    st_schema_free(sc);
}

/* zone maps: exact bounds, NaN, string bounds, distinct estimates */
static void test_zonemaps(void **state) {
    (void)state;
    st_type types[4] = {{ST_T_INT32, 0, 0}, {ST_T_DOUBLE, 0, 0}, {ST_T_VARCHAR, 0, 0},
                        st_type_decimal(38, 2)};
    st_schema *sc = seg_schema(types, 4);
    st_batch *b = st_batch_new(types, 4, 3000);
    for (uint32_t r = 0; r < 3000; r++) {
        ((int32_t *)b->cols[0]->data)[r] = (int32_t)(r % 100) - 50;
        ((double *)b->cols[1]->data)[r] = r == 7 ? NAN : r * 0.5;
        char buf[64];
        int n = snprintf(buf, sizeof buf, "%s-%u", r % 2 ? "beta" : "alpha", r % 10);
        if (r == 5) n = snprintf(buf, sizeof buf, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
        ST_ASSERT_OK(st_vector_set_str(b->cols[2], r, buf, (uint32_t)n, &err_));
        ((st_i128 *)b->cols[3]->data)[r] = r == 9 ? -(st_pow10_i128(38) - 1) : (st_i128)r;
    }
    ST_ASSERT_OK(st_vector_set_null(b->cols[0], 3, &err_));
    st_batch_set_len(b, 3000);
    st_segment_options opt = {0};
    opt.rowgroup_rows = 1000;
    st_segment_info info;
    char *path = seg_write_file(tmpdir, "zm.seg", sc, &b, 1, &opt, &info);
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    assert_int_equal(st_segment_nrowgroups(seg), 3);
    const st_zonemap *z = st_segment_zonemap(seg, 0);
    assert_int_equal(z->min.v.i64, -50);
    assert_int_equal(z->max.v.i64, 49);
    assert_int_equal(z->null_count, 1);
    assert_true(z->distinct_est >= 95 && z->distinct_est <= 105);
    assert_int_equal(st_segment_rowgroup_zonemap(seg, 1, 0)->distinct_est, 100); /* exact (dict) */
    z = st_segment_zonemap(seg, 1);
    assert_true(z->has_nan);
    assert_true(z->max.v.f64 == 2999 * 0.5);
    assert_false(st_segment_rowgroup_zonemap(seg, 1, 1)->has_nan);
    z = st_segment_zonemap(seg, 2);
    assert_int_equal(z->min.slen, 7);
    assert_memory_equal(z->min.s, "alpha-0", 7);
    assert_false(z->max_exact);
    assert_int_equal(z->distinct_est, 11);
    z = st_segment_zonemap(seg, 3);
    assert_true(z->min.v.i128 == -(st_pow10_i128(38) - 1));
    assert_true(z->max.v.i128 == 2999);
    assert_int_equal(st_segment_column_by_id(seg, 102), 2);
    assert_int_equal(st_segment_column_by_id(seg, 7), -1);
    /* a vector of the wrong type is refused */
    st_vector *v = st_vector_new(st_type_make(ST_T_INT64), 0);
    ST_ASSERT_ERR(st_segment_read(seg, 0, 0, v, &err_), ST_ERR_TYPE);
    st_vector_free(v);
    st_segment_close(seg);
    st_segment_info_free(&info);
    free(path);
    st_batch_free(b);
    st_schema_free(sc);
}

/* several threads read every chunk of one open segment at once */
typedef struct {
    const st_segment *seg;
    uint64_t sum;
    int fails;
} reader_arg;

static void *reader(void *p) {
    reader_arg *a = p;
    const st_schema *sc = st_segment_schema(a->seg);
    st_error e;
    for (int rep = 0; rep < 3; rep++)
        for (uint32_t g = 0; g < st_segment_nrowgroups(a->seg); g++)
            for (uint32_t c = 0; c < sc->nfields; c++) {
                st_vector *v = st_vector_new(sc->fields[c].type, 0);
                if (st_segment_read(a->seg, g, c, v, &e) != ST_OK) a->fails++;
                for (uint32_t r = 0; r < v->len; r++) {
                    if (st_vector_is_null(v, r)) continue;
                    if (st_type_is_string(v->type)) {
                        const st_str *s = &((st_str *)v->data)[r];
                        a->sum += st_hash_bytes(s->ptr, s->len);
                    } else {
                        uint64_t x = 0;
                        memcpy(&x, st_vector_at(v, r), st_type_width(v->type) < 8 ? st_type_width(v->type) : 8);
                        a->sum += x * 31 + r;
                    }
                }
                st_vector_free(v);
            }
    return NULL;
}

static void test_concurrent_reads(void **state) {
    (void)state;
    st_test_seed(4242);
    st_schema *sc = seg_schema(seg_all_types, SEG_NTYPES);
    seg_gen gens[SEG_NTYPES];
    int nulls[SEG_NTYPES];
    memset(gens, 0, sizeof gens);
    for (size_t c = 0; c < SEG_NTYPES; c++) gens[c].pat = (int)(c % PAT__COUNT), nulls[c] = (int)(c % 3);
    st_batch *batches[6];
    uint64_t counter = 0;
    for (int i = 0; i < 6; i++)
        batches[i] = seg_make_batch(seg_all_types, SEG_NTYPES, 1500, gens, nulls, &counter, false);
    st_segment_options opt = {0};
    opt.rowgroup_rows = 1024;
    char *path = seg_write_file(tmpdir, "mt.seg", sc, batches, 6, &opt, NULL);
    st_segment *seg;
    ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
    pthread_t th[4];
    reader_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (reader_arg){seg, 0, 0};
        pthread_create(&th[i], NULL, reader, &args[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(args[i].fails, 0);
        assert_true(args[i].sum == args[0].sum);
    }
    st_segment_close(seg);
    free(path);
    free_batches(batches, 6);
    st_schema_free(sc);
}

/* strings read from a segment stay valid after the segment is closed (the
 * vector pins the mapped or decompressed buffer) */
static void test_zero_copy_pin(void **state) {
    (void)state;
    st_type types[1] = {{ST_T_VARCHAR, 0, 0}};
    st_schema *sc = seg_schema(types, 1);
    for (int z = 0; z < 2; z++) {
        st_batch *b = st_batch_new(types, 1, 100);
        for (uint32_t r = 0; r < 100; r++) {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "value number %u", r);
            ST_ASSERT_OK(st_vector_set_str(b->cols[0], r, buf, (uint32_t)n, &err_));
        }
        st_batch_set_len(b, 100);
        st_segment_options opt = {0};
        opt.zstd_mode = z ? ST_SEG_ZSTD_ALWAYS : ST_SEG_ZSTD_NEVER;
        opt.encodings = 1u << ST_ENC_PLAIN;
        char *path = seg_write_file(tmpdir, "pin.seg", sc, &b, 1, &opt, NULL);
        st_segment *seg;
        ST_ASSERT_OK(st_segment_open(path, &seg, &err_));
        st_vector *v = st_vector_new(types[0], 0);
        ST_ASSERT_OK(st_segment_read(seg, 0, 0, v, &err_));
        st_segment_close(seg);
        unlink(path);
        const st_str *s = &((st_str *)v->data)[42];
        assert_int_equal(s->len, 15);
        assert_memory_equal(s->ptr, "value number 42", 15);
        st_vector_free(v);
        free(path);
        st_batch_free(b);
    }
    st_schema_free(sc);
}

/* with a fixed segment id the writer's output is a function of its input */
static void test_writer_deterministic(void **state) {
    (void)state;
    st_type types[2] = {{ST_T_INT64, 0, 0}, {ST_T_VARCHAR, 0, 0}};
    st_schema *sc = seg_schema(types, 2);
    st_test_seed(5);
    seg_gen gens[2] = {{PAT_SORTED, {0}, 0}, {PAT_LOWCARD, {0}, 0}};
    int nulls[2] = {NUL_SOME, NUL_NONE};
    uint64_t counter = 0;
    st_batch *b = seg_make_batch(types, 2, 5000, gens, nulls, &counter, false);
    uint8_t id[16] = {1, 2, 3};
    st_segment_options opt = {0};
    opt.segment_id = id;
    char *p1 = seg_write_file(tmpdir, "d1.seg", sc, &b, 1, &opt, NULL);
    char *p2 = seg_write_file(tmpdir, "d2.seg", sc, &b, 1, &opt, NULL);
    st_buf *a, *c;
    ST_ASSERT_OK(st_file_read(p1, 1 << 24, &a, &err_));
    ST_ASSERT_OK(st_file_read(p2, 1 << 24, &c, &err_));
    assert_int_equal(st_buf_len(a), st_buf_len(c));
    assert_memory_equal(st_buf_data(a), st_buf_data(c), st_buf_len(a));
    st_buf_unref(a);
    st_buf_unref(c);
    free(p1);
    free(p2);
    st_batch_free(b);
    st_schema_free(sc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_matrix),
        cmocka_unit_test(test_roundtrip_large),
        cmocka_unit_test(test_empty_segment),
        cmocka_unit_test(test_one_row_and_all_null),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_zonemaps),
        cmocka_unit_test(test_concurrent_reads),
        cmocka_unit_test(test_zero_copy_pin),
        cmocka_unit_test(test_writer_deterministic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
