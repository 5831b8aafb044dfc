/*
 * sq_vec.c: scratch vectors, null propagation, row gathering and values.
 *
 * Kernels write their results into scratch vectors that a worker reuses for
 * every chunk.  format/vector.h frees a vector's validity bitmap on reset;
 * scratch vectors instead keep it in a side buffer (sq_svec.vb) and attach
 * it only when a result has NULLs, so a chunk without NULLs costs nothing
 * and a chunk with them allocates nothing.
 *
 * Only vectors made by sq_vec_new may be passed to sq_vec_validity,
 * sq_vec_clear, sq_vec_reserve and sq_vec_free.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"

typedef struct sq_svec {
    st_vector v; /* first: a st_vector* is a sq_svec* */
    uint64_t *vb;
    uint32_t vbwords;
} sq_svec;

st_vector *sq_vec_new(st_type t, uint32_t cap) {
    sq_svec *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->v.type = t;
    size_t w = st_type_width(t);
    if (w == 0) w = 1;
    if (cap) {
        /* not zeroed: every row a kernel or a gather reports is written
         * first (NULL rows too, with zeros) */
        size_t sz = ((size_t)cap * w + 63) & ~(size_t)63;
        s->v.data = aligned_alloc(64, sz ? sz : 64);
        if (!s->v.data) {
            free(s);
            return NULL;
        }
    }
    s->v.cap = cap;
    return &s->v;
}

void sq_vec_free(st_vector *v) {
    if (!v) return;
    sq_svec *s = (sq_svec *)v;
    if (v->validity == s->vb) v->validity = NULL;
    free(s->vb);
    st_vector_free(v);
}

void sq_vec_clear(st_vector *v) {
    v->validity = NULL;
    for (uint32_t i = 0; i < v->npins; i++) st_buf_unref(v->pins[i]);
    v->npins = 0;
    if (v->heap) st_arena_reset(v->heap);
    v->len = 0;
}

uint64_t *sq_vec_validity(st_vector *v) {
    sq_svec *s = (sq_svec *)v;
    if (v->validity) return v->validity;
    uint32_t words = (v->cap + 63) / 64;
    if (words == 0) words = 1;
    if (s->vbwords < words) {
        uint64_t *nb = realloc(s->vb, (size_t)words * 8);
        if (!nb) return NULL;
        s->vb = nb;
        s->vbwords = words;
    }
    memset(s->vb, 0xFF, (size_t)words * 8);
    v->validity = s->vb;
    return v->validity;
}

st_status sq_vec_reserve(st_vector *v, uint32_t cap, st_error *e) {
    sq_svec *s = (sq_svec *)v;
    if (cap <= v->cap) return ST_OK;
    bool attached = v->validity && v->validity == s->vb;
    ST_TRY(st_vector_reserve(v, cap, e));
    if (attached) {
        s->vb = v->validity;
        s->vbwords = (v->cap + 63) / 64;
    }
    return ST_OK;
}

bool sq_all_valid(const st_vector *v, uint32_t rows) {
    if (!v->validity) return true;
    uint32_t full = rows / 64;
    for (uint32_t w = 0; w < full; w++)
        if (v->validity[w] != ~UINT64_C(0)) return false;
    if (rows & 63) {
        uint64_t mask = (UINT64_C(1) << (rows & 63)) - 1;
        if ((v->validity[full] & mask) != mask) return false;
    }
    return true;
}

st_status sq_prop_nulls(st_vector *out, const sq_vec *args, uint32_t nargs, const uint32_t *sel,
                        uint32_t n, st_error *e) {
    const uint64_t *vs[8];
    uint32_t nv = 0;
    bool const_null = false;
    /* rows [0, upto) hold every live row */
    uint32_t upto = n ? (sel ? sel[n - 1] + 1 : n) : 0;
    for (uint32_t i = 0; i < nargs; i++) {
        const st_vector *a = args[i].v;
        if (!a->validity) continue;
        if (args[i].c) {
            if (!(a->validity[0] & 1)) const_null = true;
            continue;
        }
        /* a bitmap without a NULL in range (nullable column, no NULLs here)
         * costs nothing */
        if (sq_all_valid(a, upto)) continue;
        if (nv < 8) vs[nv++] = a->validity;
        else {
            /* many nullable args: fold pairwise below */
            vs[7] = NULL;
        }
    }
    if (!nv && !const_null) {
        out->validity = NULL;
        return ST_OK;
    }
    uint64_t *vb = sq_vec_validity(out);
    if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory (validity bitmap)");
    if (const_null) {
        memset(vb, 0, (size_t)((out->cap + 63) / 64) * 8);
        return ST_OK;
    }
    bool overflow = nv == 8 && vs[7] == NULL;
    if (overflow) {
        /* rare: more than 7 nullable arguments; per row over every arg */
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            bool ok = true;
            for (uint32_t i = 0; i < nargs && ok; i++)
                if (!args[i].c && sq_isnull(args[i].v, r)) ok = false;
            if (ok) sq_setvalid(vb, r);
            else sq_setnull(vb, r);
        }
        return ST_OK;
    }
    if (!sel) {
        uint32_t words = (n + 63) / 64;
        for (uint32_t w = 0; w < words; w++) {
            uint64_t m = vs[0][w];
            for (uint32_t j = 1; j < nv; j++) m &= vs[j][w];
            vb[w] = m;
        }
    } else {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel[k];
            uint64_t bit = UINT64_C(1) << (r & 63), m = bit;
            for (uint32_t j = 0; j < nv; j++) m &= vs[j][r >> 6];
            vb[r >> 6] = (vb[r >> 6] & ~bit) | m;
        }
    }
    return ST_OK;
}

void sq_zero_nulls(st_vector *out, const uint32_t *sel, uint32_t n) {
    if (!out->validity || !n || sq_all_valid(out, sel ? sel[n - 1] + 1 : n)) return;
    size_t w = st_type_width(out->type);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        if (sq_isnull(out, r)) memset((char *)out->data + (size_t)r * w, 0, w);
    }
}

#define GATHER(T)                                                             \
    do {                                                                      \
        T *d = (T *)dst->data + dst_off;                                      \
        const T *s = (const T *)src->data;                                    \
        if (src_const) {                                                      \
            for (uint32_t k = 0; k < n; k++) d[k] = s[0];                     \
        } else if (sel) {                                                     \
            for (uint32_t k = 0; k < n; k++) d[k] = s[sel[k]];                \
        } else {                                                              \
            memcpy(d, s, (size_t)n * sizeof(T));                              \
        }                                                                     \
    } while (0)

typedef struct { uint64_t a, b; } u128_pair;

st_status sq_vec_gather(st_vector *dst, uint32_t dst_off, const st_vector *src, bool src_const,
                        const uint32_t *sel, uint32_t n, st_error *e) {
    size_t w = st_type_width(src->type);
    if (st_type_is_string(src->type)) {
        const st_str *s = src->data;
        st_str *d = (st_str *)dst->data + dst_off;
        size_t total = 0;
        bool nulls = src->validity != NULL;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = src_const ? 0 : sel ? sel[k] : k;
            if (!(nulls && sq_isnull(src, r))) total += s[r].len;
        }
        char *buf = NULL;
        if (total) {
            buf = st_vector_str_alloc(dst, total);
            if (!buf) return st_error_set(e, ST_ERR_NOMEM, "out of memory copying strings");
        }
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = src_const ? 0 : sel ? sel[k] : k;
            uint32_t len = nulls && sq_isnull(src, r) ? 0 : s[r].len;
            if (len) memcpy(buf, s[r].ptr, len);
            d[k].ptr = len ? buf : "";
            d[k].len = len;
            d[k].reserved = 0;
            if (len) buf += len;
        }
    } else {
        switch (w) {
        case 1: GATHER(uint8_t); break;
        case 2: GATHER(uint16_t); break;
        case 4: GATHER(uint32_t); break;
        case 8: GATHER(uint64_t); break;
        case 16: GATHER(u128_pair); break;
        default: break;
        }
    }
    /* validity */
    if (src->validity) {
        bool any_null = false;
        for (uint32_t k = 0; k < n && !any_null; k++) {
            uint32_t r = src_const ? 0 : sel ? sel[k] : k;
            if (sq_isnull(src, r)) any_null = true;
        }
        if (any_null || dst->validity) {
            uint64_t *vb = dst->validity ? dst->validity : sq_vec_validity(dst);
            if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory (validity bitmap)");
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = src_const ? 0 : sel ? sel[k] : k;
                if (sq_isnull(src, r)) {
                    sq_setnull(vb, dst_off + k);
                    memset((char *)dst->data + (size_t)(dst_off + k) * w, 0, w);
                } else {
                    sq_setvalid(vb, dst_off + k);
                }
            }
        }
    } else if (dst->validity) {
        for (uint32_t k = 0; k < n; k++) sq_setvalid(dst->validity, dst_off + k);
    }
    return ST_OK;
}

st_status sq_vec_copy_row(st_vector *dst, uint32_t j, const st_vector *src, uint32_t i,
                          st_error *e) {
    uint32_t one = i;
    return sq_vec_gather(dst, j, src, false, &one, 1, e);
}

void sq_value_from_vec(const st_vector *v, uint32_t i, sq_value *out) {
    memset(out, 0, sizeof *out);
    out->type = v->type;
    if (sq_isnull(v, i) || v->type.id == ST_T_NULL) {
        out->null = true;
        return;
    }
    size_t w = st_type_width(v->type);
    memcpy(&out->v, (const char *)v->data + (size_t)i * w, w);
}

st_status sq_value_to_vec(const sq_value *val, st_vector *v, uint32_t i, st_error *e) {
    size_t w = st_type_width(v->type);
    if (val->null) {
        uint64_t *vb = sq_vec_validity(v);
        if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory (validity bitmap)");
        sq_setnull(vb, i);
        memset((char *)v->data + (size_t)i * w, 0, w);
        return ST_OK;
    }
    if (st_type_is_string(v->type)) {
        char *p = "";
        if (val->v.s.len) {
            p = st_vector_str_alloc(v, val->v.s.len);
            if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory copying a string");
            memcpy(p, val->v.s.ptr, val->v.s.len);
        }
        st_str *s = (st_str *)v->data + i;
        s->ptr = p;
        s->len = val->v.s.len;
        s->reserved = 0;
    } else {
        memcpy((char *)v->data + (size_t)i * w, &val->v, w);
    }
    if (v->validity) sq_setvalid(v->validity, i);
    return ST_OK;
}
