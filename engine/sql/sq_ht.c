/*
 * sq_ht.c: the hash table of distinct keys behind GROUP BY, DISTINCT,
 * count(DISTINCT), hash joins and IN lists.
 *
 * Layout: open addressing with linear probing over a power-of-two array of
 * 64-bit slots; a slot is 0 (empty) or (upper 32 bits of the hash << 32) |
 * (group id + 1).  Keys live outside the slots, column-wise, one growable
 * vector per key column indexed by group id, with each group's full hash, so
 * that growing the table rehashes without touching keys.  The table is kept
 * at most half full.
 *
 * Probing is vectorized in rounds (after DuckDB's design): every pending row
 * walks its probe sequence to the first empty slot or the first slot whose
 * hash tag matches; empty slots become new groups (in row order, so group
 * ids follow first appearance, which the callers rely on for deterministic
 * output order); tag matches are then confirmed column by column with one
 * typed loop per key column over all candidates, and the rows that did not
 * match move one slot on and go to the next round.
 *
 * Hashes come from engine/vhash.h (one definition for every hash table).
 * Key equality: NULL equals NULL (GROUP BY semantics; joins never look up
 * NULL keys); -0.0 equals 0.0 and NaN equals NaN (as DuckDB groups them).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"
#include "engine/vhash.h"
#include "format/hashvec.h"

#define HT_MIN_SLOTS 64

static st_status account(sq_ht *h, uint64_t now, st_error *e) {
    if (now > h->bytes) {
        ST_TRY(sq_mem_reserve(h->mem, now - h->bytes, h->what, h->pos, e));
    } else {
        sq_mem_release(h->mem, h->bytes - now);
    }
    h->bytes = now;
    return ST_OK;
}

static uint64_t table_bytes(const sq_ht *h) {
    uint64_t b = h->nslots * 8 + (uint64_t)h->gcap * 8;
    for (uint32_t i = 0; i < h->nkeys; i++) b += st_vector_bytes(h->keys[i]);
    return b;
}

st_status sq_ht_init(sq_ht *h, const st_type *types, uint32_t nkeys, sq_mem *mem,
                     const char *what, uint32_t pos, st_error *e) {
    memset(h, 0, sizeof *h);
    h->nkeys = nkeys;
    h->mem = mem;
    h->what = what;
    h->pos = pos;
    h->nulls_equal = true;
    h->types = malloc((nkeys ? nkeys : 1) * sizeof *h->types);
    h->keys = calloc(nkeys ? nkeys : 1, sizeof *h->keys);
    if (!h->types || !h->keys) goto nomem;
    for (uint32_t i = 0; i < nkeys; i++) {
        h->types[i] = types[i];
        h->keys[i] = sq_vec_new(types[i], 0);
        if (!h->keys[i]) goto nomem;
    }
    h->nslots = HT_MIN_SLOTS;
    h->slots = sq_big_alloc(h->nslots * 8, true);
    if (!h->slots) goto nomem;
    return account(h, table_bytes(h), e);
nomem:
    sq_ht_free(h);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory (hash table)");
}

void sq_ht_free(sq_ht *h) {
    if (!h) return;
    if (h->keys)
        for (uint32_t i = 0; i < h->nkeys; i++) sq_vec_free(h->keys[i]);
    free(h->keys);
    free(h->types);
    free(h->slots);
    free(h->hashes);
    sq_mem_release(h->mem, h->bytes);
    memset(h, 0, sizeof *h);
}

void sq_ht_hash(const sq_ht *h, st_vector *const *cols, const uint32_t *sel, uint32_t n,
                uint64_t *hashes) {
    if (h->nkeys == 0) {
        for (uint32_t k = 0; k < n; k++) hashes[k] = 0;
        return;
    }
    st_hashvec_key(hashes, cols, h->nkeys, sel, n); /* the one key hash (AVX2 or scalar) */
}

static st_status resize_slots(sq_ht *h, uint64_t ns, st_error *e) {
    /* account first: the new array coexists with the old while rehashing */
    ST_TRY(sq_mem_reserve(h->mem, ns * 8, h->what, h->pos, e));
    uint64_t *s = sq_big_alloc(ns * 8, true);
    if (!s) {
        sq_mem_release(h->mem, ns * 8);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory growing a hash table");
    }
    uint64_t mask = ns - 1;
    for (uint32_t g = 0; g < h->ngroups; g++) {
        uint64_t hv = h->hashes[g];
        uint64_t i = hv & mask;
        while (s[i]) i = (i + 1) & mask;
        s[i] = ((hv >> 32) << 32) | (uint64_t)(g + 1);
    }
    free(h->slots);
    sq_mem_release(h->mem, ns * 8);
    h->slots = s;
    h->nslots = ns;
    return ST_OK;
}

static st_status grow_slots(sq_ht *h, st_error *e) { return resize_slots(h, h->nslots * 2, e); }

static st_status grow_groups(sq_ht *h, uint32_t need, st_error *e);

st_status sq_ht_reserve(sq_ht *h, uint64_t n, st_error *e) {
    if (n > UINT32_MAX - 2) return st_error_set(e, ST_ERR_LIMIT, "more than 4 billion groups");
    uint64_t ns = h->nslots;
    while (n * 2 > ns) ns *= 2;
    if (ns != h->nslots) ST_TRY(resize_slots(h, ns, e));
    ST_TRY(grow_groups(h, (uint32_t)n, e));
    return account(h, table_bytes(h), e);
}

static st_status grow_groups(sq_ht *h, uint32_t need, st_error *e) {
    if (need <= h->gcap) return ST_OK;
    uint32_t nc = h->gcap ? h->gcap : 64;
    while (nc < need) nc *= 2;
    uint64_t *nh = realloc(h->hashes, (size_t)nc * 8);
    if (!nh) return st_error_set(e, ST_ERR_NOMEM, "out of memory growing a hash table");
    h->hashes = nh;
    for (uint32_t i = 0; i < h->nkeys; i++) ST_TRY(sq_vec_reserve(h->keys[i], nc, e));
    h->gcap = nc;
    return ST_OK;
}

/* eq[c] &= (col row rows[c] == key of group gids[c]) for every candidate c */
#define EQ_FIXED(T, EQ)                                                       \
    do {                                                                      \
        const T *a = (const T *)col->data, *b = (const T *)keys->data;        \
        for (uint32_t c = 0; c < nc; c++) eq[c] &= EQ(a[rows[c]], b[gids[c]]); \
    } while (0)
#define PLAIN_EQ(x, y) ((x) == (y))
#define FLT_EQ(x, y) ((x) == (y) || (isnan(x) && isnan(y)))

static inline bool str_eq(st_str x, st_str y) {
    if (x.len != y.len) return false;
    if (x.len <= 8) return st_vhash_short(x.ptr, x.len) == st_vhash_short(y.ptr, y.len);
    return x.ptr == y.ptr || memcmp(x.ptr, y.ptr, x.len) == 0;
}

static void col_eq(const st_vector *col, const st_vector *keys, const uint32_t *rows,
                   const uint32_t *gids, uint32_t nc, uint8_t *eq) {
    switch (sq_phys_of(col->type)) {
    case P_BOOL:
    case P_I8: EQ_FIXED(uint8_t, PLAIN_EQ); break;
    case P_I16: EQ_FIXED(uint16_t, PLAIN_EQ); break;
    case P_I32: EQ_FIXED(uint32_t, PLAIN_EQ); break;
    case P_I64:
    case P_U64: EQ_FIXED(uint64_t, PLAIN_EQ); break;
    case P_I128: EQ_FIXED(__int128, PLAIN_EQ); break;
    case P_F32: EQ_FIXED(float, FLT_EQ); break;
    case P_F64: EQ_FIXED(double, FLT_EQ); break;
    case P_STR: EQ_FIXED(st_str, str_eq); break;
    }
    if (col->validity || keys->validity) {
        for (uint32_t c = 0; c < nc; c++) {
            bool an = sq_isnull(col, rows[c]), bn = sq_isnull(keys, gids[c]);
            if (an || bn) eq[c] = an && bn;
        }
    }
}

static st_status new_group(sq_ht *h, st_vector *const *cols, uint32_t row, uint64_t hv,
                           uint32_t *gid, st_error *e) {
    if (h->ngroups == UINT32_MAX - 1)
        return st_error_set(e, ST_ERR_LIMIT, "more than 4 billion groups");
    ST_TRY(grow_groups(h, h->ngroups + 1, e));
    uint32_t g = h->ngroups++;
    for (uint32_t i = 0; i < h->nkeys; i++) {
        ST_TRY(sq_vec_copy_row(h->keys[i], g, cols[i], row, e));
        h->keys[i]->len = h->ngroups;
    }
    h->hashes[g] = hv;
    *gid = g;
    return ST_OK;
}

st_status sq_ht_upsert(sq_ht *h, st_vector *const *cols, const uint32_t *sel, uint32_t n,
                       const uint64_t *hashes, uint32_t *gids, st_error *e) {
    /* make room for the worst case (every row new) up front, so that slot
     * positions computed in a round stay valid for the whole call */
    while ((uint64_t)(h->ngroups + n) * 2 > h->nslots) ST_TRY(grow_slots(h, e));
    uint32_t todo[SQ_CHUNK], next[SQ_CHUNK], cand[SQ_CHUNK], crow[SQ_CHUNK], cgid[SQ_CHUNK];
    uint64_t idx[SQ_CHUNK];
    uint8_t eq[SQ_CHUNK];
    uint64_t mask = h->nslots - 1;
    uint32_t ntodo = n;
    for (uint32_t k = 0; k < n; k++) {
        todo[k] = k;
        idx[k] = hashes[k] & mask;
    }
    uint32_t start_groups = h->ngroups;
    while (ntodo) {
        uint32_t nc = 0, nn = 0;
        for (uint32_t t = 0; t < ntodo; t++) {
            uint32_t k = todo[t];
            uint64_t tag = hashes[k] >> 32;
            uint64_t i = idx[k];
            for (;;) {
                uint64_t s = h->slots[i];
                if (s == 0) {
                    /* insert now, in row order: later rows of this round with
                     * the same key find this group as a candidate */
                    uint32_t row = sel ? sel[k] : k, g = 0;
                    ST_TRY(new_group(h, cols, row, hashes[k], &g, e));
                    h->slots[i] = (tag << 32) | (uint64_t)(g + 1);
                    gids[k] = g;
                    break;
                }
                if ((s >> 32) == tag) {
                    uint32_t g = (uint32_t)(s & 0xFFFFFFFFu) - 1;
                    cand[nc] = k;
                    crow[nc] = sel ? sel[k] : k;
                    cgid[nc] = g;
                    nc++;
                    idx[k] = i;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        if (nc) {
            memset(eq, 1, nc);
            for (uint32_t c = 0; c < h->nkeys; c++) col_eq(cols[c], h->keys[c], crow, cgid, nc, eq);
            for (uint32_t c = 0; c < nc; c++) {
                uint32_t k = cand[c];
                if (eq[c]) gids[k] = cgid[c];
                else {
                    idx[k] = (idx[k] + 1) & mask;
                    next[nn++] = k;
                }
            }
        }
        memcpy(todo, next, nn * sizeof *todo);
        ntodo = nn;
    }
    if (h->ngroups != start_groups) ST_TRY(account(h, table_bytes(h), e));
    return ST_OK;
}

void sq_ht_find(const sq_ht *h, st_vector *const *cols, const uint32_t *sel, uint32_t n,
                const uint64_t *hashes, uint32_t *gids) {
    uint32_t todo[SQ_CHUNK], next[SQ_CHUNK], cand[SQ_CHUNK], crow[SQ_CHUNK], cgid[SQ_CHUNK];
    uint64_t idx[SQ_CHUNK];
    uint8_t eq[SQ_CHUNK];
    uint64_t mask = h->nslots - 1;
    uint32_t ntodo = n;
    for (uint32_t k = 0; k < n; k++) {
        todo[k] = k;
        idx[k] = hashes[k] & mask;
        __builtin_prefetch(&h->slots[idx[k]]);
    }
    while (ntodo) {
        uint32_t nc = 0, nn = 0;
        for (uint32_t t = 0; t < ntodo; t++) {
            uint32_t k = todo[t];
            uint64_t tag = hashes[k] >> 32;
            uint64_t i = idx[k];
            for (;;) {
                uint64_t s = h->slots[i];
                if (s == 0) {
                    gids[k] = UINT32_MAX;
                    break;
                }
                if ((s >> 32) == tag) {
                    cand[nc] = k;
                    crow[nc] = sel ? sel[k] : k;
                    cgid[nc] = (uint32_t)(s & 0xFFFFFFFFu) - 1;
                    nc++;
                    idx[k] = i;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        if (nc) {
            memset(eq, 1, nc);
            for (uint32_t c = 0; c < h->nkeys; c++) col_eq(cols[c], h->keys[c], crow, cgid, nc, eq);
            for (uint32_t c = 0; c < nc; c++) {
                uint32_t k = cand[c];
                if (eq[c]) gids[k] = cgid[c];
                else {
                    idx[k] = (idx[k] + 1) & mask;
                    next[nn++] = k;
                }
            }
        }
        memcpy(todo, next, nn * sizeof *todo);
        ntodo = nn;
    }
}
