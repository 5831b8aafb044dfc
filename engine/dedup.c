/*
 * dedup.c: the latest-row-per-key hash table (see dedup.h).
 *
 * Layout (structure of arrays, entries in insertion order):
 *   slots[cap]     0 = empty, else (hash >> 32) << 32 | (entry + 1)
 *   hash[n]        the full 64-bit hash of each entry
 *   win[n]         the winning row's (ord, ingest, line, ref)
 *   koff[n+1]      offsets of the serialized keys in kbuf (fixed-width keys:
 *                  implicit, entry * stride)
 * A batch is serialized once into a scratch buffer, then each row probes
 * with its hash; a slot whose tag differs is skipped without touching the
 * entry arrays.
 */
#include "engine/dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "format/hashvec.h"

#define PREFETCH 8

struct st_dedup {
    uint32_t nkeys;
    st_type types[ST_DEDUP_MAX_KEYS];
    bool fixed;       /* every key column fixed-width: serialized keys have one length */
    uint32_t stride;  /* that length */
    uint64_t *slots;
    uint64_t cap;     /* power of two */
    uint64_t n, ecap;
    uint64_t *hash;
    uint32_t *count;
    st_dedup_win *win;
    uint64_t *koff;   /* !fixed: n + 1 offsets */
    uint8_t *kbuf;
    uint64_t kused, kcap;
    uint64_t offered;
    /* scratch for offers: one batch's serialized keys */
    uint8_t *sb;
    size_t sbcap;
    uint64_t *soff;
    uint32_t soffcap;
};

static uint32_t fixed_bytes(st_type t) { /* serialized payload of a fixed-width value */
    return t.id == ST_T_DECIMAL && st_decimal_is_wide(t) ? 16 : 8;
}

/* The tables are probed at random: with 4 KB pages nearly every probe of a
 * table of tens of MB also misses the TLB.  Ask for transparent huge pages
 * on the 2 MB-aligned interior of a large block before it is first written
 * (a hint: where THP is off, nothing changes). */
static void want_huge(void *p, size_t bytes) {
    const uintptr_t H = (uintptr_t)2 << 20;
    if (!p || bytes < 2 * H) return;
    uintptr_t a = ((uintptr_t)p + H - 1) & ~(H - 1), b = ((uintptr_t)p + bytes) & ~(H - 1);
    if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
}

/* realloc, with the new block advised before the copy touches it */
static void *grow_block(void *old, size_t oldb, size_t newb) {
    void *p = malloc(newb);
    if (!p) return NULL;
    want_huge(p, newb);
    if (old) memcpy(p, old, oldb);
    free(old);
    return p;
}

st_status st_dedup_new(const st_type *types, uint32_t nkeys, uint64_t expected, st_dedup **out, st_error *e) {
    *out = NULL;
    if (nkeys == 0 || nkeys > ST_DEDUP_MAX_KEYS)
        return st_error_set(e, ST_ERR_INVALID, "dedup: 1 to %d key columns", ST_DEDUP_MAX_KEYS);
    st_dedup *d = calloc(1, sizeof *d);
    if (!d) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    d->nkeys = nkeys;
    d->fixed = true;
    d->stride = 0;
    for (uint32_t i = 0; i < nkeys; i++) {
        d->types[i] = types[i];
        if (st_type_is_string(types[i])) d->fixed = false;
        else d->stride += 1 + fixed_bytes(types[i]);
    }
    if (expected > ((uint64_t)1 << 31)) expected = (uint64_t)1 << 31;
    d->cap = 1024;
    while (d->cap < expected * 2) d->cap *= 2;
    d->slots = malloc(d->cap * sizeof *d->slots);
    if (d->slots) {
        want_huge(d->slots, d->cap * sizeof *d->slots);
        memset(d->slots, 0, d->cap * sizeof *d->slots);
    }
    if (!d->slots) {
        uint64_t cap = d->cap;
        free(d);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory (dedup table of %llu slots)", (unsigned long long)cap);
    }
    *out = d;
    return ST_OK;
}

void st_dedup_free(st_dedup *d) {
    if (!d) return;
    free(d->slots);
    free(d->hash);
    free(d->count);
    free(d->win);
    free(d->koff);
    free(d->kbuf);
    free(d->sb);
    free(d->soff);
    free(d);
}

uint64_t st_dedup_size(const st_dedup *d) { return d->n; }
uint64_t st_dedup_offered(const st_dedup *d) { return d->offered; }
st_dedup_win *st_dedup_entry(st_dedup *d, uint64_t i) { return &d->win[i]; }

uint64_t st_dedup_bytes(const st_dedup *d) {
    return d->cap * 8 + d->ecap * (12 + sizeof(st_dedup_win) + (d->fixed ? 0 : 8)) + d->kcap + d->sbcap;
}

/* ---- serialization ------------------------------------------------------------------ */

/* Serialized keys of one batch: the table's scratch for offers, a local one
 * for finds (which may run on several threads at once). */
typedef struct scratch {
    uint8_t *sb;
    size_t sbcap;
    uint64_t *soff;
    uint32_t soffcap;
} scratch;

/* One fixed-width key column into its place in every row's key (a null byte
 * then the value's normalized word, two for a wide decimal). */
static void serialize_fixed_col(const st_vector *v, st_type t, const uint32_t *rows, uint32_t n, uint8_t *base,
                                uint32_t stride) {
    bool nulls = v->validity != NULL || v->type.id == ST_T_NULL;
    st_type_id id = (st_type_id)v->type.id;
    bool w64 = id == ST_T_INT64 || id == ST_T_UINT64 || id == ST_T_TIMESTAMP || id == ST_T_TIMESTAMP_NS ||
               (id == ST_T_DECIMAL && !st_decimal_is_wide(v->type));
    if (!nulls && w64) {
        const uint64_t *d = v->data;
        for (uint32_t k = 0; k < n; k++, base += stride) {
            uint64_t w = d[rows ? rows[k] : k];
            base[0] = 0;
            memcpy(base + 1, &w, 8);
        }
        return;
    }
    if (!nulls && (id == ST_T_INT32 || id == ST_T_DATE)) {
        const int32_t *d = v->data;
        for (uint32_t k = 0; k < n; k++, base += stride) {
            uint64_t w = (uint64_t)(int64_t)d[rows ? rows[k] : k];
            base[0] = 0;
            memcpy(base + 1, &w, 8);
        }
        return;
    }
    bool wide = fixed_bytes(t) == 16;
    for (uint32_t k = 0; k < n; k++, base += stride) {
        uint32_t r = rows ? rows[k] : k;
        bool null = v->type.id == ST_T_NULL || st_vector_is_null(v, r);
        uint64_t w = null ? 0 : st_hash_word_at(v, r, 0);
        base[0] = null;
        memcpy(base + 1, &w, 8);
        if (wide) {
            w = null ? 0 : st_hash_word_at(v, r, 1);
            memcpy(base + 9, &w, 8);
        }
    }
}

static st_status serialize(const st_dedup *d, scratch *x, st_vector *const *keys, const uint32_t *rows, uint32_t n,
                           st_error *e) {
    size_t need = 0;
    if (d->fixed) {
        need = (size_t)d->stride * n;
    } else {
        for (uint32_t c = 0; c < d->nkeys; c++) {
            if (!st_type_is_string(d->types[c])) {
                need += (size_t)(1 + fixed_bytes(d->types[c])) * n;
                continue;
            }
            const st_str *s = keys[c]->data;
            for (uint32_t k = 0; k < n; k++) need += 5 + s[rows ? rows[k] : k].len;
        }
        if (n + 1 > x->soffcap) {
            uint64_t *no = realloc(x->soff, (size_t)(n + 1) * sizeof *no);
            if (!no) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            x->soff = no;
            x->soffcap = n + 1;
        }
    }
    if (need > x->sbcap) {
        uint8_t *nb = realloc(x->sb, need + 64);
        if (!nb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        x->sb = nb;
        x->sbcap = need + 64;
    }
    if (d->fixed) { /* column by column, one typed loop each */
        uint32_t off = 0;
        for (uint32_t c = 0; c < d->nkeys; c++) {
            serialize_fixed_col(keys[c], d->types[c], rows, n, x->sb + off, d->stride);
            off += 1 + fixed_bytes(d->types[c]);
        }
        return ST_OK;
    }
    uint8_t *p = x->sb;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = rows ? rows[k] : k;
        if (!d->fixed) x->soff[k] = (uint64_t)(p - x->sb);
        for (uint32_t c = 0; c < d->nkeys; c++) {
            const st_vector *v = keys[c];
            bool null = st_vector_is_null(v, r) || v->type.id == ST_T_NULL;
            *p++ = null;
            if (st_type_is_string(d->types[c])) {
                uint32_t len = null ? 0 : ST_VEC(v, st_str)[r].len;
                memcpy(p, &len, 4);
                p += 4;
                if (len) memcpy(p, ST_VEC(v, st_str)[r].ptr, len);
                p += len;
            } else {
                uint64_t w = null ? 0 : st_hash_word_at(v, r, 0);
                memcpy(p, &w, 8);
                p += 8;
                if (fixed_bytes(d->types[c]) == 16) {
                    w = null ? 0 : st_hash_word_at(v, r, 1);
                    memcpy(p, &w, 8);
                    p += 8;
                }
            }
        }
    }
    if (!d->fixed) x->soff[n] = (uint64_t)(p - x->sb);
    return ST_OK;
}

static inline const uint8_t *row_key(const st_dedup *d, const scratch *x, uint32_t k, uint32_t *len) {
    if (d->fixed) {
        *len = d->stride;
        return x->sb + (size_t)k * d->stride;
    }
    *len = (uint32_t)(x->soff[k + 1] - x->soff[k]);
    return x->sb + x->soff[k];
}

static inline bool entry_eq(const st_dedup *d, uint64_t idx, const uint8_t *key, uint32_t len) {
    if (d->fixed) return !memcmp(d->kbuf + idx * d->stride, key, len);
    uint64_t a = d->koff[idx], b = d->koff[idx + 1];
    return b - a == len && !memcmp(d->kbuf + a, key, len);
}

/* ---- growth ----------------------------------------------------------------------------- */

static st_status grow_slots(st_dedup *d, uint64_t want, st_error *e) {
    uint64_t cap = d->cap;
    while (cap < want * 2) cap *= 2;
    if (cap == d->cap) return ST_OK;
    uint64_t *ns = malloc(cap * sizeof *ns);
    if (!ns) return st_error_set(e, ST_ERR_NOMEM, "out of memory (dedup table of %llu slots)", (unsigned long long)cap);
    want_huge(ns, cap * sizeof *ns);
    memset(ns, 0, cap * sizeof *ns);
    uint64_t mask = cap - 1;
    for (uint64_t i = 0; i < d->n; i++) {
        uint64_t pos = d->hash[i] & mask;
        while (ns[pos]) pos = (pos + 1) & mask;
        ns[pos] = (d->hash[i] >> 32) << 32 | (i + 1);
    }
    free(d->slots);
    d->slots = ns;
    d->cap = cap;
    return ST_OK;
}

static st_status grow_entries(st_dedup *d, uint64_t want, st_error *e) {
    if (want <= d->ecap) return ST_OK;
    if (want >= UINT32_MAX) return st_error_set(e, ST_ERR_LIMIT, "dedup: more than 4 billion keys");
    uint64_t cap = d->ecap ? d->ecap : 1024;
    while (cap < want) cap *= 2;
    uint64_t old = d->ecap < d->n ? d->ecap : d->n; /* entries in use */
    uint64_t *nh = grow_block(d->hash, old * sizeof *nh, cap * sizeof *nh);
    if (nh) d->hash = nh;
    uint32_t *nc = nh ? grow_block(d->count, old * sizeof *nc, cap * sizeof *nc) : NULL;
    if (nc) d->count = nc;
    st_dedup_win *nw = nc ? grow_block(d->win, old * sizeof *nw, cap * sizeof *nw) : NULL;
    if (nw) d->win = nw;
    uint64_t *no = NULL;
    if (nw && !d->fixed) {
        no = realloc(d->koff, (cap + 1) * sizeof *no);
        if (no) d->koff = no;
        if (no && d->ecap == 0) no[0] = 0;
    }
    if (!nh || !nc || !nw || (!d->fixed && !no)) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    d->ecap = cap;
    return ST_OK;
}

static st_status reserve_keys(st_dedup *d, uint64_t extra, st_error *e) {
    if (d->kused + extra <= d->kcap) return ST_OK;
    uint64_t cap = d->kcap ? d->kcap : 4096;
    while (cap < d->kused + extra) cap *= 2;
    uint8_t *nb = grow_block(d->kbuf, d->kused, cap);
    if (!nb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    d->kbuf = nb;
    d->kcap = cap;
    return ST_OK;
}

/* ---- offer / find ------------------------------------------------------------------------- */

static inline bool newer(int64_t o, int64_t i, int64_t l, const st_dedup_win *w) {
    if (o != w->ord) return o > w->ord;
    if (i != w->ingest) return i > w->ingest;
    return l > w->line;
}

/* The entry a slot points at (a hint: a wrong guess costs nothing). */
static inline void prefetch_entry(const st_dedup *d, uint64_t s) {
    if (!s) return;
    uint64_t idx = (s & 0xffffffffu) - 1;
    __builtin_prefetch(&d->win[idx], 1);
    __builtin_prefetch(&d->count[idx], 1);
    __builtin_prefetch(d->fixed ? d->kbuf + idx * d->stride : (const uint8_t *)&d->koff[idx]);
}

uint64_t st_dedup_count(const st_dedup *d, uint64_t i) { return d->count[i]; }

st_status st_dedup_offer(st_dedup *d, st_vector *const *keys, const uint32_t *rows, uint32_t n, const uint64_t *h,
                         const int64_t *ord, const int64_t *ingest, const int64_t *line, const uint64_t *ref,
                         st_error *e) {
    return st_dedup_offer_hits(d, keys, rows, n, h, ord, ingest, line, ref, NULL, e);
}

st_status st_dedup_offer_hits(st_dedup *d, st_vector *const *keys, const uint32_t *rows, uint32_t n, const uint64_t *h,
                              const int64_t *ord, const int64_t *ingest, const int64_t *line, const uint64_t *ref,
                              int64_t *hit, st_error *e) {
    if (n == 0) return ST_OK;
    scratch x = {d->sb, d->sbcap, d->soff, d->soffcap};
    st_status src = serialize(d, &x, keys, rows, n, e);
    d->sb = x.sb, d->sbcap = x.sbcap, d->soff = x.soff, d->soffcap = x.soffcap;
    ST_TRY(src);
    ST_TRY(grow_slots(d, d->n + n, e));
    ST_TRY(grow_entries(d, d->n + n, e));
    ST_TRY(reserve_keys(d, d->fixed ? (uint64_t)n * d->stride : d->soff[n], e));
    uint64_t mask = d->cap - 1, *slots = d->slots;
    for (uint32_t k = 0; k < n; k++) {
        /* two stages ahead: the slot, then (once the slot is in cache) the
         * entry it points at, so several rows' misses overlap */
        if (k + 2 * PREFETCH < n) __builtin_prefetch(&slots[h[k + 2 * PREFETCH] & mask]);
        if (k + PREFETCH < n) prefetch_entry(d, slots[h[k + PREFETCH] & mask]);
        uint64_t hh = h[k], tag = hh >> 32, pos = hh & mask;
        uint32_t len;
        const uint8_t *key = row_key(d, &x, k, &len);
        for (;;) {
            uint64_t s = slots[pos];
            if (!s) { /* a new key */
                uint64_t idx = d->n++;
                slots[pos] = tag << 32 | (idx + 1);
                d->hash[idx] = hh;
                d->count[idx] = 1;
                d->win[idx] = (st_dedup_win){ord[k], ingest[k], line[k], ref[k]};
                if (hit) hit[k] = -1;
                if (d->fixed) {
                    memcpy(d->kbuf + idx * d->stride, key, len);
                } else {
                    memcpy(d->kbuf + d->koff[idx], key, len);
                    d->koff[idx + 1] = d->koff[idx] + len;
                }
                d->kused += len;
                break;
            }
            if ((s >> 32) == tag) {
                uint64_t idx = (s & 0xffffffffu) - 1;
                if (entry_eq(d, idx, key, len)) { /* the 32-bit tag filtered; the key decides */
                    st_dedup_win *w = &d->win[idx];
                    if (newer(ord[k], ingest[k], line[k], w)) *w = (st_dedup_win){ord[k], ingest[k], line[k], ref[k]};
                    d->count[idx]++;
                    if (hit) hit[k] = (int64_t)idx;
                    break;
                }
            }
            pos = (pos + 1) & mask;
        }
    }
    d->offered += n;
    return ST_OK;
}

st_status st_dedup_find(const st_dedup *d, st_vector *const *keys, const uint32_t *rows, uint32_t n, const uint64_t *h,
                        int64_t *out, st_error *e) {
    if (n == 0) return ST_OK;
    scratch x = {NULL, 0, NULL, 0};
    st_status rc = serialize(d, &x, keys, rows, n, e);
    if (rc) {
        free(x.sb);
        free(x.soff);
        return rc;
    }
    uint64_t mask = d->cap - 1;
    for (uint32_t k = 0; k < n; k++) {
        if (k + PREFETCH < n) __builtin_prefetch(&d->slots[h[k + PREFETCH] & mask]);
        uint64_t hh = h[k], tag = hh >> 32, pos = hh & mask;
        uint32_t len;
        const uint8_t *key = row_key(d, &x, k, &len);
        out[k] = -1;
        for (;;) {
            uint64_t s = d->slots[pos];
            if (!s) break;
            if ((s >> 32) == tag) {
                uint64_t idx = (s & 0xffffffffu) - 1;
                if (d->hash[idx] == hh && entry_eq(d, idx, key, len)) {
                    out[k] = (int64_t)idx;
                    break;
                }
            }
            pos = (pos + 1) & mask;
        }
    }
    free(x.sb);
    free(x.soff);
    return ST_OK;
}
