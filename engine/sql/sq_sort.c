/*
 * sq_sort.c: ORDER BY (a stable sort of materialized rows) and top-N
 * (ORDER BY ... LIMIT n without materializing everything).
 *
 * Order (DuckDB's): ASC/DESC per key; NULLs last unless NULLS FIRST, for
 * ASC and DESC alike; FLOAT/DOUBLE NaN after every number; strings bytewise.
 * Ties keep the input order (the sort is a stable merge sort over row
 * numbers, and partials are concatenated in task order), so ORDER BY with
 * ties gives the same rows in the same order for any thread count.
 *
 * Sorting extracts each key column into a flat array first, so comparisons
 * read contiguous memory; the comparator dispatches once per key through a
 * function pointer chosen by type.
 *
 * Top-N: each task keeps its rows in a collection; when it holds more than
 * 2n + SQ_CHUNK rows it sorts them, keeps the first n and remembers the n-th
 * as a cutoff; later rows that sort at or after the cutoff are dropped with
 * one comparison each (a later row equal to the cutoff would sort after it,
 * so it can never enter the first n).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"

/* ---- row comparison (no NULL handling) ---------------------------------- */

#define RC(NAME, T)                                                           \
    static int NAME(const st_vector *a, uint32_t i, const st_vector *b, uint32_t j) { \
        T x = ((const T *)a->data)[i], y = ((const T *)b->data)[j];           \
        return (x > y) - (x < y);                                             \
    }
RC(rc_u8, uint8_t)
RC(rc_i8, int8_t)
RC(rc_i16, int16_t)
RC(rc_i32, int32_t)
RC(rc_i64, int64_t)
RC(rc_u64, uint64_t)
RC(rc_i128, st_i128)

static int fcmp(double x, double y) {
    bool xn = x != x, yn = y != y;
    if (xn || yn) return xn - yn;
    return (x > y) - (x < y);
}
static int rc_f32(const st_vector *a, uint32_t i, const st_vector *b, uint32_t j) {
    return fcmp(((const float *)a->data)[i], ((const float *)b->data)[j]);
}
static int rc_f64(const st_vector *a, uint32_t i, const st_vector *b, uint32_t j) {
    return fcmp(((const double *)a->data)[i], ((const double *)b->data)[j]);
}
static int scmp(st_str x, st_str y) {
    uint32_t m = x.len < y.len ? x.len : y.len;
    int c = m ? memcmp(x.ptr, y.ptr, m) : 0;
    if (c) return c;
    return (x.len > y.len) - (x.len < y.len);
}
static int rc_str(const st_vector *a, uint32_t i, const st_vector *b, uint32_t j) {
    return scmp(((const st_str *)a->data)[i], ((const st_str *)b->data)[j]);
}

sq_rowcmp_fn sq_rowcmp_for(st_type t) {
    switch (sq_phys_of(t)) {
    case P_BOOL: return rc_u8;
    case P_I8: return rc_i8;
    case P_I16: return rc_i16;
    case P_I32: return rc_i32;
    case P_I64: return rc_i64;
    case P_U64: return rc_u64;
    case P_I128: return rc_i128;
    case P_F32: return rc_f32;
    case P_F64: return rc_f64;
    case P_STR: return rc_str;
    }
    return rc_i32;
}

/* ---- flat key arrays ---------------------------------------------------- */

typedef int (*flatcmp)(const void *v, uint32_t i, uint32_t j);
#define FC(NAME, T)                                                           \
    static int NAME(const void *v, uint32_t i, uint32_t j) {                  \
        T x = ((const T *)v)[i], y = ((const T *)v)[j];                       \
        return (x > y) - (x < y);                                             \
    }
FC(fc_u8, uint8_t)
FC(fc_i8, int8_t)
FC(fc_i16, int16_t)
FC(fc_i32, int32_t)
FC(fc_i64, int64_t)
FC(fc_u64, uint64_t)
FC(fc_i128, st_i128)
static int fc_f32(const void *v, uint32_t i, uint32_t j) {
    return fcmp(((const float *)v)[i], ((const float *)v)[j]);
}
static int fc_f64(const void *v, uint32_t i, uint32_t j) {
    return fcmp(((const double *)v)[i], ((const double *)v)[j]);
}
static int fc_str(const void *v, uint32_t i, uint32_t j) {
    return scmp(((const st_str *)v)[i], ((const st_str *)v)[j]);
}

static flatcmp flatcmp_for(st_type t) {
    switch (sq_phys_of(t)) {
    case P_BOOL: return fc_u8;
    case P_I8: return fc_i8;
    case P_I16: return fc_i16;
    case P_I32: return fc_i32;
    case P_I64: return fc_i64;
    case P_U64: return fc_u64;
    case P_I128: return fc_i128;
    case P_F32: return fc_f32;
    case P_F64: return fc_f64;
    case P_STR: return fc_str;
    }
    return fc_i32;
}

typedef struct keyarr {
    void *vals;
    uint8_t *nul; /* NULL when no NULLs */
    flatcmp cmp;
    bool desc, nulls_first;
} keyarr;

typedef struct sortctx {
    keyarr *k;
    uint32_t nk;
} sortctx;

static inline int cmp_rows(const sortctx *s, uint32_t i, uint32_t j) {
    for (uint32_t q = 0; q < s->nk; q++) {
        const keyarr *k = &s->k[q];
        if (k->nul) {
            bool ni = k->nul[i], nj = k->nul[j];
            if (ni || nj) {
                if (ni && nj) continue;
                return (ni ? 1 : -1) * (k->nulls_first ? -1 : 1);
            }
        }
        int c = k->cmp(k->vals, i, j);
        if (c) return k->desc ? -c : c;
    }
    return (i > j) - (i < j);
}

static void msort(const sortctx *s, uint32_t *a, uint32_t *tmp, uint32_t n) {
    if (n <= 16) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t x = a[i], j = i;
            while (j > 0 && cmp_rows(s, a[j - 1], x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    uint32_t h = n / 2;
    msort(s, a, tmp, h);
    msort(s, a + h, tmp, n - h);
    if (cmp_rows(s, a[h - 1], a[h]) <= 0) return;
    memcpy(tmp, a, h * sizeof *a);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n) a[k++] = cmp_rows(s, a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
    while (i < h) a[k++] = tmp[i++];
}

static void free_keys(keyarr *k, uint32_t n) {
    if (!k) return;
    for (uint32_t i = 0; i < n; i++) {
        free(k[i].vals);
        free(k[i].nul);
    }
    free(k);
}

static st_status extract_keys(const sq_sortop *op, const sq_coll *c, const uint32_t *locs,
                              keyarr **out, st_error *e) {
    keyarr *k = calloc(op->nkeys ? op->nkeys : 1, sizeof *k);
    if (!k) return st_error_set(e, ST_ERR_NOMEM, "out of memory (sort)");
    uint64_t n = c->rows;
    for (uint32_t q = 0; q < op->nkeys; q++) {
        uint32_t col = op->keys[q].e->col;
        st_type t = c->types[col];
        size_t w = st_type_width(t);
        k[q].vals = malloc((size_t)(n ? n : 1) * w);
        k[q].cmp = flatcmp_for(t);
        k[q].desc = op->keys[q].desc;
        k[q].nulls_first = op->keys[q].nulls_first;
        if (!k[q].vals) {
            free_keys(k, op->nkeys);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory (sort)");
        }
        for (uint64_t r = 0; r < n; r++) {
            const st_vector *v = c->blocks[SQ_LOC_BLOCK(locs[r])]->cols[col];
            uint32_t off = SQ_LOC_OFF(locs[r]);
            memcpy((char *)k[q].vals + r * w, (const char *)v->data + (size_t)off * w, w);
            if (v->validity && sq_isnull(v, off)) {
                if (!k[q].nul) {
                    k[q].nul = calloc(n, 1);
                    if (!k[q].nul) {
                        free_keys(k, op->nkeys);
                        return st_error_set(e, ST_ERR_NOMEM, "out of memory (sort)");
                    }
                }
                k[q].nul[r] = 1;
            }
        }
    }
    *out = k;
    return ST_OK;
}

/* Sort c; produce a new collection of its first `keep` rows in order.  c's
 * rows are consumed (it is left empty). */
static st_status sort_coll(const sq_sortop *op, sq_coll *c, uint64_t keep, sq_mem *mem,
                           sq_coll **out, st_error *e) {
    uint32_t *locs = NULL, *perm = NULL, *tmp = NULL;
    keyarr *keys = NULL;
    sq_coll *o = NULL;
    st_status rc = ST_OK;
    uint64_t n = c->rows;
    uint64_t extra = n * (8 + 16 * (uint64_t)op->nkeys);
    ST_TRY(sq_mem_reserve(mem, extra, "ORDER BY", op->pos, e));
    ST_CHECK(rc, sq_coll_locs(c, &locs, e));
    ST_CHECK(rc, extract_keys(op, c, locs, &keys, e));
    perm = malloc((n ? n : 1) * sizeof *perm);
    tmp = malloc((n / 2 + 1) * sizeof *tmp);
    if (!perm || !tmp) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (sort)");
        goto cleanup;
    }
    for (uint64_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    sortctx sc = {keys, op->nkeys};
    msort(&sc, perm, tmp, (uint32_t)n);
    if (keep > n) keep = n;
    o = sq_coll_new(c->types, c->ncols, mem, "ORDER BY", op->pos);
    if (!o) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (sort)");
        goto cleanup;
    }
    /* gather in sorted order, a column of one output block at a time */
    rc = sq_coll_append_locs(o, c, locs, perm, keep, true, e);
cleanup:
    free(locs);
    free(perm);
    free(tmp);
    free_keys(keys, op->nkeys);
    sq_mem_release(mem, extra);
    if (rc != ST_OK) {
        sq_coll_free(o);
        return rc;
    }
    *out = o;
    return ST_OK;
}

/* ---- partials ----------------------------------------------------------- */

struct sq_sortpart {
    sq_coll *rows;
    st_vector **cut; /* the cutoff row (top-N), one row per column */
    bool has_cut;
    sq_mem *mem;
};

sq_sortpart *sq_sortpart_new(const sq_sortop *op, sq_mem *mem, st_error *e) {
    sq_sortpart *p = calloc(1, sizeof *p);
    if (!p) {
        st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->mem = mem;
    p->rows = sq_coll_new(op->types, op->ncols, mem, "ORDER BY", op->pos);
    p->cut = calloc(op->ncols ? op->ncols : 1, sizeof *p->cut);
    if (!p->rows || !p->cut) {
        sq_sortpart_free(p);
        st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < op->ncols; i++) {
        p->cut[i] = sq_vec_new(op->types[i], 1);
        if (!p->cut[i]) {
            p->rows->ncols = op->ncols;
            sq_sortpart_free(p);
            st_error_set(e, ST_ERR_NOMEM, "out of memory");
            return NULL;
        }
    }
    p->rows->ncols = op->ncols;
    return p;
}

void sq_sortpart_free(sq_sortpart *p) {
    if (!p) return;
    if (p->cut && p->rows)
        for (uint32_t i = 0; i < p->rows->ncols; i++) sq_vec_free(p->cut[i]);
    free(p->cut);
    sq_coll_free(p->rows);
    free(p);
}

/* compare row r of the chunk with the cutoff (keys only) */
static int cmp_cut(const sq_sortop *op, const sq_chunk *in, uint32_t r, st_vector **cut) {
    for (uint32_t q = 0; q < op->nkeys; q++) {
        uint32_t col = op->keys[q].e->col;
        const st_vector *v = in->cols[col];
        bool ni = sq_isnull(v, r), nj = sq_isnull(cut[col], 0);
        if (ni || nj) {
            if (ni && nj) continue;
            return (ni ? 1 : -1) * (op->keys[q].nulls_first ? -1 : 1);
        }
        int c = sq_rowcmp_for(v->type)(v, r, cut[col], 0);
        if (c) return op->keys[q].desc ? -c : c;
    }
    return 0;
}

st_status sq_sortpart_add(const sq_sortop *op, sq_sortpart *p, sq_ectx *cx, const sq_chunk *in,
                          st_error *e) {
    (void)cx;
    if (in->n == 0) return ST_OK;
    if (op->limit >= 0 && p->has_cut) {
        static __thread uint32_t keep[SQ_CHUNK];
        uint32_t m = 0;
        for (uint32_t k = 0; k < in->n; k++) {
            uint32_t r = in->sel ? in->sel[k] : k;
            if (cmp_cut(op, in, r, p->cut) < 0) keep[m++] = r;
        }
        if (!m) return ST_OK;
        sq_chunk c2 = *in;
        c2.sel = keep;
        c2.n = m;
        ST_TRY(sq_coll_append(p->rows, &c2, e));
    } else {
        ST_TRY(sq_coll_append(p->rows, in, e));
    }
    if (op->limit >= 0) {
        uint64_t want = (uint64_t)op->limit;
        if (p->rows->rows > 2 * want + SQ_CHUNK) {
            sq_coll *s;
            ST_TRY(sort_coll(op, p->rows, want, p->mem, &s, e));
            sq_coll_free(p->rows);
            p->rows = s;
            if (want > 0 && s->rows == want) {
                /* the last kept row is the cutoff */
                uint32_t *locs;
                ST_TRY(sq_coll_locs(s, &locs, e));
                uint32_t l = locs[want - 1];
                free(locs);
                for (uint32_t i = 0; i < s->ncols; i++) {
                    sq_vec_clear(p->cut[i]);
                    ST_TRY(sq_vec_copy_row(p->cut[i], 0, s->blocks[SQ_LOC_BLOCK(l)]->cols[i], SQ_LOC_OFF(l), e));
                    p->cut[i]->len = 1;
                }
                p->has_cut = true;
            }
        }
    }
    return ST_OK;
}

st_status sq_sort_finish(const sq_sortop *op, sq_sortpart **parts, uint32_t nparts, sq_mem *mem,
                         sq_coll **out, st_error *e) {
    sq_coll *all = sq_coll_new(op->types, op->ncols, mem, "ORDER BY", op->pos);
    if (!all) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    for (uint32_t i = 0; i < nparts && rc == ST_OK; i++)
        if (parts[i]) rc = sq_coll_move(all, parts[i]->rows, e);
    if (rc == ST_OK) {
        uint64_t keep = op->limit >= 0 ? (uint64_t)op->limit : all->rows;
        rc = sort_coll(op, all, keep, mem, out, e);
    }
    sq_coll_free(all);
    return rc;
}
