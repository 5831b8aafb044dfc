/*
 * vector.c: column vectors and batches (see vector.h for the contract).
 */
#include "format/vector.h"

#include <stdlib.h>
#include <string.h>

static void *aligned_alloc64(size_t n) {
    size_t sz = (n + 63) & ~(size_t)63;
    if (sz == 0) sz = 64;
    return aligned_alloc(64, sz);
}

st_vector *st_vector_new(st_type t, uint32_t cap) {
    st_vector *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->type = t;
    if (cap) {
        v->data = aligned_alloc64((size_t)cap * st_type_width(t));
        if (!v->data) {
            free(v);
            return NULL;
        }
        memset(v->data, 0, (size_t)cap * st_type_width(t));
    }
    v->cap = cap;
    return v;
}

static void release_strings(st_vector *v) {
    for (uint32_t i = 0; i < v->npins; i++) st_buf_unref(v->pins[i]);
    v->npins = 0;
    if (v->heap) st_arena_reset(v->heap);
}

void st_vector_free(st_vector *v) {
    if (!v) return;
    release_strings(v);
    free(v->pins);
    st_arena_free(v->heap);
    free(v->validity);
    free(v->data);
    free(v);
}

st_status st_vector_reserve(st_vector *v, uint32_t cap, st_error *e) {
    if (cap <= v->cap) return ST_OK;
    uint32_t nc = v->cap ? v->cap : 16;
    while (nc < cap) nc = nc > UINT32_MAX / 2 ? cap : nc * 2;
    size_t w = st_type_width(v->type);
    void *nd = aligned_alloc64((size_t)nc * w);
    if (!nd) return st_error_set(e, ST_ERR_NOMEM, "out of memory growing a vector to %u rows", nc);
    if (v->data) memcpy(nd, v->data, (size_t)v->cap * w);
    memset((char *)nd + (size_t)v->cap * w, 0, (size_t)(nc - v->cap) * w);
    free(v->data);
    v->data = nd;
    if (v->validity) {
        size_t ow = ((size_t)v->cap + 63) / 64, nw = ((size_t)nc + 63) / 64;
        uint64_t *vb = realloc(v->validity, nw * 8);
        if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory growing a vector");
        for (size_t i = ow; i < nw; i++) vb[i] = ~UINT64_C(0);
        if (v->cap & 63) vb[ow - 1] |= ~UINT64_C(0) << (v->cap & 63);
        v->validity = vb;
    }
    v->cap = nc;
    return ST_OK;
}

void st_vector_reset(st_vector *v) {
    if (v->validity) {
        /* NULL rows have zeroed slots; data slots of valid rows are
         * overwritten by the next fill, so only the bitmap goes. */
        free(v->validity);
        v->validity = NULL;
    }
    release_strings(v);
    v->len = 0;
}

uint64_t *st_vector_validity(st_vector *v) {
    if (v->validity) return v->validity;
    size_t words = ((size_t)v->cap + 63) / 64;
    if (words == 0) words = 1;
    v->validity = malloc(words * 8);
    if (!v->validity) return NULL;
    memset(v->validity, 0xFF, words * 8);
    return v->validity;
}

st_status st_vector_set_null(st_vector *v, uint32_t i, st_error *e) {
    uint64_t *vb = st_vector_validity(v);
    if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory (validity bitmap)");
    vb[i >> 6] &= ~(UINT64_C(1) << (i & 63));
    size_t w = st_type_width(v->type);
    memset((char *)v->data + (size_t)i * w, 0, w);
    return ST_OK;
}

uint32_t st_vector_null_count(const st_vector *v) {
    if (!v->validity) return 0;
    uint32_t valid = 0, full = v->len / 64;
    for (uint32_t i = 0; i < full; i++) valid += (uint32_t)__builtin_popcountll(v->validity[i]);
    if (v->len & 63) {
        uint64_t mask = (UINT64_C(1) << (v->len & 63)) - 1;
        valid += (uint32_t)__builtin_popcountll(v->validity[full] & mask);
    }
    return v->len - valid;
}

char *st_vector_str_alloc(st_vector *v, size_t n) {
    if (!v->heap) {
        v->heap = st_arena_new(0);
        if (!v->heap) return NULL;
    }
    return st_arena_alloc(v->heap, n);
}

st_status st_vector_set_str(st_vector *v, uint32_t i, const char *p, uint32_t n, st_error *e) {
    char *q = st_vector_str_alloc(v, n);
    if (!q) return st_error_set(e, ST_ERR_NOMEM, "out of memory copying a %u-byte string", n);
    if (n) memcpy(q, p, n);
    st_str *s = (st_str *)v->data + i;
    s->ptr = q;
    s->len = n;
    s->reserved = 0;
    return ST_OK;
}

st_status st_vector_pin(st_vector *v, st_buf *b, st_error *e) {
    for (uint32_t i = 0; i < v->npins; i++)
        if (v->pins[i] == b) return ST_OK;
    if (v->npins == v->pins_cap) {
        uint32_t nc = v->pins_cap ? v->pins_cap * 2 : 4;
        st_buf **np = realloc(v->pins, nc * sizeof *np);
        if (!np) return st_error_set(e, ST_ERR_NOMEM, "out of memory (vector pins)");
        v->pins = np;
        v->pins_cap = nc;
    }
    v->pins[v->npins++] = st_buf_ref(b);
    return ST_OK;
}

static st_status grow_for_one(st_vector *v, st_error *e) {
    if (v->len < v->cap) return ST_OK;
    return st_vector_reserve(v, v->len + 1, e);
}

st_status st_vector_append_null(st_vector *v, st_error *e) {
    ST_TRY(grow_for_one(v, e));
    ST_TRY(st_vector_set_null(v, v->len, e));
    v->len++;
    return ST_OK;
}

st_status st_vector_append(st_vector *v, const void *value, st_error *e) {
    ST_TRY(grow_for_one(v, e));
    size_t w = st_type_width(v->type);
    if (st_type_is_string(v->type)) {
        const st_str *s = value;
        ST_TRY(st_vector_set_str(v, v->len, s->ptr, s->len, e));
    } else {
        memcpy((char *)v->data + (size_t)v->len * w, value, w);
    }
    st_vector_set_valid(v, v->len);
    v->len++;
    return ST_OK;
}

st_status st_vector_append_str(st_vector *v, const char *p, uint32_t n, st_error *e) {
    ST_TRY(grow_for_one(v, e));
    ST_TRY(st_vector_set_str(v, v->len, p, n, e));
    st_vector_set_valid(v, v->len);
    v->len++;
    return ST_OK;
}

st_status st_vector_append_from(st_vector *dst, const st_vector *src, uint32_t src_row,
                                st_error *e) {
    if (st_vector_is_null(src, src_row)) return st_vector_append_null(dst, e);
    return st_vector_append(dst, st_vector_at(src, src_row), e);
}

size_t st_vector_bytes(const st_vector *v) {
    size_t n = (size_t)v->cap * st_type_width(v->type);
    if (v->validity) n += ((size_t)v->cap + 63) / 64 * 8;
    n += st_arena_used(v->heap);
    return n;
}

/* ---- batch -------------------------------------------------------------- */

st_batch *st_batch_new(const st_type *types, uint32_t ncols, uint32_t cap) {
    st_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cols = calloc(ncols ? ncols : 1, sizeof *b->cols);
    if (!b->cols) {
        free(b);
        return NULL;
    }
    b->ncols = ncols;
    for (uint32_t i = 0; i < ncols; i++) {
        b->cols[i] = st_vector_new(types[i], cap);
        if (!b->cols[i]) {
            st_batch_free(b);
            return NULL;
        }
    }
    return b;
}

void st_batch_free(st_batch *b) {
    if (!b) return;
    for (uint32_t i = 0; i < b->ncols; i++) st_vector_free(b->cols[i]);
    free(b->cols);
    free(b->sel);
    free(b);
}

void st_batch_reset(st_batch *b) {
    for (uint32_t i = 0; i < b->ncols; i++) st_vector_reset(b->cols[i]);
    b->len = 0;
    free(b->sel);
    b->sel = NULL;
    b->sel_len = b->sel_cap = 0;
}

uint32_t *st_batch_sel_alloc(st_batch *b, uint32_t cap) {
    if (b->sel && b->sel_cap >= cap) return b->sel;
    uint32_t *s = realloc(b->sel, (size_t)(cap ? cap : 1) * sizeof *s);
    if (!s) return NULL;
    b->sel = s;
    b->sel_cap = cap;
    return s;
}

void st_batch_set_len(st_batch *b, uint32_t len) {
    b->len = len;
    for (uint32_t i = 0; i < b->ncols; i++) b->cols[i]->len = len;
}
