/*
 * seg_testlib.h: helpers shared by the segment tests (included after
 * test_util.h): a schema of every stored type, value generators with
 * patterns that steer the writer to each encoding, writing a list of
 * batches to a segment, and assert_segment_equal, which reads every chunk
 * back and compares it row by row with the batches that went in.
 */
#ifndef SEG_TESTLIB_H
#define SEG_TESTLIB_H

#include <math.h>

#include "format/io.h"
#include "format/schema.h"
#include "format/segment.h"
#include "format/vector.h"

/* every type a segment stores, one column each */
static const st_type seg_all_types[] = {
    {ST_T_BOOLEAN, 0, 0},  {ST_T_INT8, 0, 0},       {ST_T_INT16, 0, 0},
    {ST_T_INT32, 0, 0},    {ST_T_INT64, 0, 0},      {ST_T_UINT64, 0, 0},
    {ST_T_FLOAT, 0, 0},    {ST_T_DOUBLE, 0, 0},     {ST_T_DECIMAL, 9, 2},
    {ST_T_DECIMAL, 18, 4}, {ST_T_DECIMAL, 38, 10},  {ST_T_DECIMAL, 25, 0},
    {ST_T_VARCHAR, 0, 0},  {ST_T_BLOB, 0, 0},       {ST_T_DATE, 0, 0},
    {ST_T_TIMESTAMP, 0, 0}, {ST_T_TIMESTAMP_NS, 0, 0},
};
#define SEG_NTYPES (sizeof seg_all_types / sizeof seg_all_types[0])

enum { PAT_RANDOM, PAT_SORTED, PAT_LOWCARD, PAT_RUNS, PAT_CONST, PAT_SMALL, PAT__COUNT };
enum { NUL_NONE, NUL_ALL, NUL_SOME, NUL_MOST, NUL_FIRST, NUL__COUNT };

static inline st_schema *seg_schema(const st_type *types, uint32_t n) {
    st_schema *s = st_schema_new();
    char name[32];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "c%u", i);
        ST_ASSERT_OK(st_schema_add(s, name, types[i], 100 + i, true, &err_));
    }
    return s;
}

/* a random integer of the type's range, with extremes now and then */
static inline int64_t seg_rand_range(int64_t lo, int64_t hi) {
    uint64_t r = st_test_rand();
    switch (r % 16) {
    case 0: return lo;
    case 1: return hi;
    case 2: return 0 >= lo && 0 <= hi ? 0 : lo;
    default: {
        uint64_t span = (uint64_t)hi - (uint64_t)lo;
        uint64_t x = st_test_rand();
        return (int64_t)((uint64_t)lo + (span == UINT64_MAX ? x : x % (span + 1)));
    }
    }
}

static inline void seg_int_range(st_type t, int64_t *lo, int64_t *hi) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: *lo = 0, *hi = 1; break;
    case ST_T_INT8: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case ST_T_INT16: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case ST_T_INT32:
    case ST_T_DATE: *lo = INT32_MIN, *hi = INT32_MAX; break;
    case ST_T_DECIMAL: {
        int64_t m = 1;
        for (int i = 0; i < t.precision && i < 18; i++) m *= 10;
        *lo = -(m - 1), *hi = m - 1;
        break;
    }
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

/* random valid UTF-8 of n bytes (ASCII, 2-, 3- and 4-byte sequences) */
static inline void seg_rand_utf8(char *p, uint32_t n) {
    uint32_t i = 0;
    while (i < n) {
        uint64_t r = st_test_rand();
        uint32_t left = n - i;
        if (left >= 4 && r % 8 == 0) { /* U+1F600.. */
            p[i++] = (char)0xF0, p[i++] = (char)0x9F, p[i++] = (char)(0x98 + r % 4);
            p[i++] = (char)(0x80 + (r >> 8) % 64);
        } else if (left >= 3 && r % 8 == 1) { /* U+20AC € */
            p[i++] = (char)0xE2, p[i++] = (char)0x82, p[i++] = (char)0xAC;
        } else if (left >= 2 && r % 8 == 2) { /* é */
            p[i++] = (char)0xC3, p[i++] = (char)0xA9;
        } else {
            p[i++] = (char)('a' + (r >> 16) % 26);
        }
    }
}

/* Fill row r of v with a value of pattern pat (state: the last value, for
 * sorted and run patterns). */
typedef struct seg_gen {
    int pat;
    uint64_t state[4];
    uint32_t run_left;
} seg_gen;

static inline void seg_gen_value(seg_gen *g, st_vector *v, uint32_t r) {
    st_type t = v->type;
    int pat = g->pat;
    if (pat == PAT_RUNS) {
        if (g->run_left == 0) {
            g->run_left = 1 + (uint32_t)(st_test_rand() % 40);
            g->state[1] = st_test_rand();
        }
        g->run_left--;
    }
    uint64_t pick = pat == PAT_LOWCARD ? st_test_rand() % 7
                    : pat == PAT_RUNS  ? g->state[1] % 1000
                    : pat == PAT_CONST ? 3
                                       : st_test_rand();
    if (st_type_is_string(t)) {
        char buf[6000];
        uint32_t n;
        if (pat == PAT_RANDOM) {
            uint64_t x = st_test_rand();
            n = x % 50 == 0 ? 1000 + (uint32_t)(x % 5000) : (uint32_t)(x % 24);
            if (t.id == ST_T_VARCHAR) seg_rand_utf8(buf, n);
            else for (uint32_t i = 0; i < n; i++) buf[i] = (char)st_test_rand();
        } else if (pat == PAT_SORTED) {
            g->state[0] += st_test_rand() % 3;
            n = (uint32_t)snprintf(buf, sizeof buf, "key-%012llu", (unsigned long long)g->state[0]);
        } else if (pat == PAT_SMALL) {
            n = (uint32_t)(st_test_rand() % 3);
            for (uint32_t i = 0; i < n; i++) buf[i] = (char)('x' + i);
        } else {
            static const char *const words[] = {"", "new", "like new", "good", "fair",
                                                "refurbished \xC3\xA9t\xC3\xA9", "parts only"};
            const char *w = words[pick % 7];
            n = (uint32_t)strlen(w);
            memcpy(buf, w, n);
            if (t.id == ST_T_BLOB && pick % 7 == 6) buf[0] = (char)0xFF; /* not UTF-8 */
            if (pat == PAT_RUNS && pick % 7 == 0) n = (uint32_t)snprintf(buf, sizeof buf, "run-%llu",
                                                                         (unsigned long long)pick);
        }
        ST_ASSERT_OK(st_vector_set_str(v, r, buf, n, &err_));
        return;
    }
    if (t.id == ST_T_FLOAT || t.id == ST_T_DOUBLE) {
        static const double specials[] = {0.0, -0.0, 1.5, -2.25, INFINITY, -INFINITY, NAN};
        double d;
        if (pat == PAT_RANDOM) {
            uint64_t bits = st_test_rand();
            if (bits % 10 == 0) d = specials[(bits >> 8) % 7];
            else if (t.id == ST_T_DOUBLE) {
                memcpy(&((double *)v->data)[r], &bits, 8); /* any bit pattern, NaN payloads too */
                return;
            } else {
                uint32_t fb = (uint32_t)bits;
                memcpy(&((float *)v->data)[r], &fb, 4);
                return;
            }
        } else if (pat == PAT_SORTED) {
            g->state[0] += st_test_rand() % 1000;
            d = (double)g->state[0] / 100.0;
        } else if (pat == PAT_SMALL) {
            d = (double)(st_test_rand() % 10000) / 100.0;
        } else {
            d = pick % 7 < 7 ? specials[pick % 7] * (double)(1 + pick % 3) : 0;
        }
        if (t.id == ST_T_FLOAT) ((float *)v->data)[r] = (float)d;
        else ((double *)v->data)[r] = d;
        return;
    }
    if (st_decimal_is_wide(t)) {
        st_i128 lim = st_pow10_i128(t.precision) - 1, x;
        if (pat == PAT_RANDOM) {
            uint64_t k = st_test_rand();
            if (k % 8 == 0) x = lim;
            else if (k % 8 == 1) x = -lim;
            else {
                x = (st_i128)(((unsigned __int128)st_test_rand() << 64) | st_test_rand()) % lim;
                if (k % 8 == 2) x = (st_i128)(int64_t)st_test_rand(); /* fits 64 bits */
            }
        } else if (pat == PAT_SORTED) {
            g->state[0] += st_test_rand() % 100000;
            x = (st_i128)g->state[0] * 1000000007 - lim / 2;
        } else if (pat == PAT_SMALL) {
            x = (st_i128)(st_test_rand() % 200) - 100;
        } else {
            x = pick % 7 == 0 ? lim : pick % 7 == 1 ? -lim : (st_i128)pick * 123456789 - 5;
        }
        ((st_i128 *)v->data)[r] = x;
        return;
    }
    /* integer-like */
    int64_t lo, hi, x;
    seg_int_range(t, &lo, &hi);
    if (pat == PAT_RANDOM) {
        x = seg_rand_range(lo, hi);
    } else if (pat == PAT_SORTED) {
        g->state[0] += st_test_rand() % 50;
        uint64_t span = (uint64_t)hi - (uint64_t)lo;
        x = (int64_t)((uint64_t)lo + (span == UINT64_MAX ? g->state[0] : g->state[0] % (span + 1)));
        if (t.id == ST_T_UINT64) x = (int64_t)(UINT64_C(1) << 63) + (int64_t)g->state[0];
        if (t.id == ST_T_BOOLEAN) x = g->state[0] > 1000;
    } else if (pat == PAT_SMALL) {
        x = (int64_t)(st_test_rand() % 3);
        if (x > hi) x = hi;
    } else {
        static const int64_t sv[] = {0, 1, -1, 7, 1000, INT64_MIN, INT64_MAX};
        x = sv[pick % 7];
        if (x < lo) x = lo;
        if (x > hi) x = hi;
        if (t.id == ST_T_BOOLEAN) x = pick & 1;
    }
    switch (st_type_width(t)) {
    case 1: ((int8_t *)v->data)[r] = (int8_t)x; break;
    case 2: ((int16_t *)v->data)[r] = (int16_t)x; break;
    case 4: ((int32_t *)v->data)[r] = (int32_t)x; break;
    default: ((int64_t *)v->data)[r] = x; break;
    }
}

static inline bool seg_null_at(int np, uint64_t row) {
    switch (np) {
    case NUL_ALL: return true;
    case NUL_SOME: return st_test_rand() % 10 == 0;
    case NUL_MOST: return st_test_rand() % 10 != 0;
    case NUL_FIRST: return row == 0;
    default: return false;
    }
}

/* A batch of n rows; with_sel: a random selection over 2n rows instead. */
static inline st_batch *seg_make_batch(const st_type *types, uint32_t ncols, uint32_t n,
                                       seg_gen *gens, const int *nulls, uint64_t *row_counter,
                                       bool with_sel) {
    uint32_t len = with_sel ? 2 * n : n;
    st_batch *b = st_batch_new(types, ncols, len ? len : 1);
    assert_non_null(b);
    uint32_t *sel = NULL;
    if (with_sel) {
        sel = st_batch_sel_alloc(b, len);
        uint32_t k = 0;
        for (uint32_t r = 0; r < len && k < n; r++)
            if (len - r == n - k || st_test_rand() % 2) sel[k++] = r;
        b->sel_len = k;
    }
    for (uint32_t c = 0; c < ncols; c++) {
        st_vector *v = b->cols[c];
        uint32_t k = 0;
        for (uint32_t r = 0; r < len; r++) {
            bool live = !with_sel || (k < b->sel_len && sel[k] == r);
            if (live) k++;
            uint64_t row = *row_counter + (live ? k - 1 : 0);
            if (live && !seg_null_at(nulls[c], row)) {
                seg_gen_value(&gens[c], v, r);
                st_vector_set_valid(v, r);
            } else if (live || st_test_rand() % 2) {
                ST_ASSERT_OK(st_vector_set_null(v, r, &err_));
            } else {
                seg_gen_value(&gens[c], v, r); /* dead row with a value */
            }
        }
    }
    st_batch_set_len(b, len);
    *row_counter += n;
    return b;
}

/* Write batches to dir/name; returns the path (malloc'd). */
static inline char *seg_write_file(const char *dir, const char *name, const st_schema *schema,
                                   st_batch **batches, size_t nb, const st_segment_options *opt,
                                   st_segment_info *info) {
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(dir, "seg", &f, &err_));
    st_segment_writer *w;
    ST_ASSERT_OK(st_segment_writer_new(schema, f, opt, &w, &err_));
    for (size_t i = 0; i < nb; i++) ST_ASSERT_OK(st_segment_writer_add(w, batches[i], &err_));
    ST_ASSERT_OK(st_segment_writer_finish(w, info, &err_));
    st_segment_writer_free(w);
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/%s", dir, name);
    ST_ASSERT_OK(st_wfile_publish(f, path, ST_PUBLISH_REPLACE, &err_));
    return path;
}

static inline bool seg_value_eq(st_type t, const st_vector *a, uint32_t ra, const st_vector *b,
                                uint32_t rb) {
    bool na = st_vector_is_null(a, ra), nb = st_vector_is_null(b, rb);
    if (na || nb) return na == nb;
    if (st_type_is_string(t)) {
        const st_str *x = &((const st_str *)a->data)[ra], *y = &((const st_str *)b->data)[rb];
        return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
    }
    size_t w = st_type_width(t);
    return memcmp(st_vector_at(a, ra), st_vector_at(b, rb), w) == 0;
}

/* Read every chunk of seg and compare with the live rows of batches. */
static inline void assert_segment_equal(const st_segment *seg, st_batch **batches, size_t nb) {
    const st_schema *sc = st_segment_schema(seg);
    uint64_t total = 0;
    for (size_t i = 0; i < nb; i++) total += st_batch_live(batches[i]);
    assert_int_equal(st_segment_rows(seg), total);
    for (uint32_t c = 0; c < sc->nfields; c++) {
        st_vector *v = st_vector_new(sc->fields[c].type, 0);
        size_t bi = 0;
        uint32_t bk = 0;
        for (uint32_t g = 0; g < st_segment_nrowgroups(seg); g++) {
            ST_ASSERT_OK(st_segment_read(seg, g, c, v, &err_));
            assert_int_equal(v->len, st_segment_rowgroup_rows(seg, g));
            assert_int_equal(st_vector_null_count(v),
                             st_segment_rowgroup_zonemap(seg, g, c)->null_count);
            for (uint32_t r = 0; r < v->len; r++) {
                while (bk >= st_batch_live(batches[bi])) bi++, bk = 0;
                const st_batch *b = batches[bi];
                uint32_t br = b->sel ? b->sel[bk] : bk;
                bk++;
                if (!seg_value_eq(sc->fields[c].type, v, r, b->cols[c], br))
                    fail_msg("column %u (%s) row group %u row %u differs", c, sc->fields[c].name, g,
                             r);
            }
        }
        st_vector_free(v);
    }
}

#endif /* SEG_TESTLIB_H */
