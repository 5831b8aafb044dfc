/*
 * sq_coll.c: materialized rows (what a pipeline breaker holds: join build
 * sides, sorted rows, aggregate results, subquery results).
 *
 * Rows are stored column-wise in blocks of SQ_CHUNK rows, so a block is
 * directly a chunk for the next pipeline and row r lives at block r / SQ_CHUNK,
 * offset r % SQ_CHUNK.  Strings are copied into each block vector's heap, so a
 * collection owns everything it points to.  Memory is accounted against the
 * query's limit as blocks fill (sq_coll_account).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"

sq_coll *sq_coll_new(const st_type *types, uint32_t ncols, sq_mem *mem, const char *what,
                     uint32_t pos) {
    sq_coll *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->ncols = ncols;
    c->types = malloc((ncols ? ncols : 1) * sizeof *c->types);
    if (!c->types) {
        free(c);
        return NULL;
    }
    if (ncols) memcpy(c->types, types, ncols * sizeof *types);
    c->mem = mem;
    c->what = what;
    c->pos = pos;
    return c;
}

static void block_free(sq_block *b, uint32_t ncols) {
    if (!b) return;
    for (uint32_t i = 0; i < ncols; i++) sq_vec_free(b->cols[i]);
    free(b->cols);
    free(b);
}

void sq_coll_free(sq_coll *c) {
    if (!c) return;
    for (uint32_t i = 0; i < c->nblocks; i++) block_free(c->blocks[i], c->ncols);
    free(c->blocks);
    free(c->types);
    sq_mem_release(c->mem, c->bytes);
    free(c);
}

static sq_block *block_new(const sq_coll *c) {
    sq_block *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cols = calloc(c->ncols ? c->ncols : 1, sizeof *b->cols);
    if (!b->cols) {
        free(b);
        return NULL;
    }
    for (uint32_t i = 0; i < c->ncols; i++) {
        b->cols[i] = sq_vec_new(c->types[i], SQ_CHUNK);
        if (!b->cols[i]) {
            block_free(b, c->ncols);
            return NULL;
        }
    }
    return b;
}

static st_status push_block(sq_coll *c, sq_block *b, st_error *e) {
    if (c->nblocks == c->bcap) {
        uint32_t nc = c->bcap ? c->bcap * 2 : 8;
        sq_block **nb = realloc(c->blocks, nc * sizeof *nb);
        if (!nb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        c->blocks = nb;
        c->bcap = nc;
    }
    c->blocks[c->nblocks++] = b;
    return ST_OK;
}

static uint64_t block_bytes(const sq_coll *c, const sq_block *b) {
    uint64_t n = sizeof *b + 64;
    for (uint32_t i = 0; i < c->ncols; i++) n += st_vector_bytes(b->cols[i]) + sizeof(st_vector);
    return n;
}

st_status sq_coll_account(sq_coll *c, st_error *e) {
    /* Only the last block is ever written to (appends go there; a move puts
     * blocks after it), so the bytes of every block before it are summed once
     * and kept (recounting every block made accounting quadratic). */
    if (c->nsealed > c->nblocks) c->nsealed = c->sealed_bytes = 0;
    uint32_t last = c->nblocks ? c->nblocks - 1 : 0;
    for (; c->nsealed < last; c->nsealed++) c->sealed_bytes += block_bytes(c, c->blocks[c->nsealed]);
    uint64_t now = c->sealed_bytes;
    for (uint32_t i = c->nsealed; i < c->nblocks; i++) now += block_bytes(c, c->blocks[i]);
    if (now > c->bytes) {
        ST_TRY(sq_mem_reserve(c->mem, now - c->bytes, c->what, c->pos, e));
    } else {
        sq_mem_release(c->mem, c->bytes - now);
    }
    c->bytes = now;
    return ST_OK;
}

/* A block column's string heap, sized for the block from the strings of its
 * first rows (the default 64 KiB arena chunk per column of every block held
 * several times the bytes of short strings). */
static st_status size_heap(st_vector *dst, const st_vector *src, const uint32_t *sel, uint32_t done,
                           uint32_t take, st_error *e) {
    const st_str *s = src->data;
    uint64_t total = 0;
    for (uint32_t k = 0; k < take; k++) total += s[sel ? sel[k] : done + k].len; /* NULLs hold len 0 or junk: an estimate */
    uint64_t est = total * SQ_CHUNK / (take ? take : 1);
    est += est / 8 + 64;
    if (est > 64 * 1024) est = 64 * 1024;
    dst->heap = st_arena_new((size_t)((est + 63) & ~UINT64_C(63)));
    if (!dst->heap) return st_error_set(e, ST_ERR_NOMEM, "out of memory copying strings");
    return ST_OK;
}

st_status sq_coll_append(sq_coll *c, const sq_chunk *ch, st_error *e) {
    uint32_t done = 0;
    uint32_t accounted_before = c->nblocks;
    while (done < ch->n) {
        sq_block *b = c->nblocks ? c->blocks[c->nblocks - 1] : NULL;
        if (!b || b->n == SQ_CHUNK) {
            b = block_new(c);
            if (!b) return st_error_set(e, ST_ERR_NOMEM, "out of memory materializing rows");
            st_status rc = push_block(c, b, e);
            if (rc != ST_OK) {
                block_free(b, c->ncols);
                return rc;
            }
        }
        uint32_t take = SQ_CHUNK - b->n;
        if (take > ch->n - done) take = ch->n - done;
        for (uint32_t i = 0; i < c->ncols; i++) {
            const uint32_t *sel = ch->sel ? ch->sel + done : NULL;
            const st_vector *src = ch->cols[i];
            if (st_type_is_string(c->types[i]) && !b->cols[i]->heap) ST_TRY(size_heap(b->cols[i], src, sel, done, take, e));
            if (!ch->sel) {
                /* build a selection for the dense range [done, done + take) */
                uint32_t idx[SQ_CHUNK];
                for (uint32_t k = 0; k < take; k++) idx[k] = done + k;
                ST_TRY(sq_vec_gather(b->cols[i], b->n, src, false, idx, take, e));
            } else {
                ST_TRY(sq_vec_gather(b->cols[i], b->n, src, false, sel, take, e));
            }
            b->cols[i]->len = b->n + take;
        }
        b->n += take;
        c->rows += take;
        done += take;
    }
    /* account when a block was added, and periodically for string growth */
    if (c->nblocks != accounted_before || (c->rows & 0x3FFF) < ch->n) ST_TRY(sq_coll_account(c, e));
    return ST_OK;
}

/* One column of rows picked by locs (through perm when given) from c's
 * blocks, written at offsets [0, n) of dst (a fresh block vector): fixed
 * width values in a typed loop, strings with one heap allocation for the
 * whole chunk (a row-at-a-time gather paid an allocation per string). */
#define GATHER_LOCS(T)                                                        \
    do {                                                                      \
        T *d = dst->data;                                                     \
        for (uint32_t k = 0; k < n; k++) {                                    \
            uint32_t l = perm ? locs[perm[k]] : locs[k];                      \
            d[k] = ((const T *)c->blocks[SQ_LOC_BLOCK(l)]->cols[col]->data)[SQ_LOC_OFF(l)]; \
        }                                                                     \
    } while (0)

typedef struct { uint64_t a, b; } gl_u128;

static st_status gather_locs(st_vector *dst, const sq_coll *c, uint32_t col, const uint32_t *locs,
                             const uint32_t *perm, uint32_t n, bool nulls, st_error *e) {
    st_type t = c->types[col];
    if (st_type_is_string(t)) {
        st_str *d = dst->data;
        size_t total = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t l = perm ? locs[perm[k]] : locs[k];
            const st_vector *v = c->blocks[SQ_LOC_BLOCK(l)]->cols[col];
            uint32_t o = SQ_LOC_OFF(l);
            if (!(nulls && sq_isnull(v, o))) total += ((const st_str *)v->data)[o].len;
        }
        char *buf = NULL;
        if (total) {
            /* one exact allocation, not a 64 KiB arena chunk per block column */
            if (!dst->heap && !(dst->heap = st_arena_new((total + 63) & ~(size_t)63)))
                return st_error_set(e, ST_ERR_NOMEM, "out of memory copying strings");
            buf = st_vector_str_alloc(dst, total);
            if (!buf) return st_error_set(e, ST_ERR_NOMEM, "out of memory copying strings");
        }
        for (uint32_t k = 0; k < n; k++) {
            uint32_t l = perm ? locs[perm[k]] : locs[k];
            const st_vector *v = c->blocks[SQ_LOC_BLOCK(l)]->cols[col];
            uint32_t o = SQ_LOC_OFF(l);
            st_str s = ((const st_str *)v->data)[o];
            uint32_t len = nulls && sq_isnull(v, o) ? 0 : s.len;
            if (len) memcpy(buf, s.ptr, len);
            d[k].ptr = len ? buf : "";
            d[k].len = len;
            d[k].reserved = 0;
            buf += len;
        }
    } else {
        switch (st_type_width(t)) {
        case 1: GATHER_LOCS(uint8_t); break;
        case 2: GATHER_LOCS(uint16_t); break;
        case 4: GATHER_LOCS(uint32_t); break;
        case 8: GATHER_LOCS(uint64_t); break;
        case 16: GATHER_LOCS(gl_u128); break;
        default: break;
        }
    }
    if (nulls) {
        size_t w = st_type_width(t);
        uint64_t *vb = NULL;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t l = perm ? locs[perm[k]] : locs[k];
            const st_vector *v = c->blocks[SQ_LOC_BLOCK(l)]->cols[col];
            if (!sq_isnull(v, SQ_LOC_OFF(l))) continue;
            if (!vb) {
                vb = sq_vec_validity(dst); /* all valid */
                if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory (validity bitmap)");
            }
            sq_setnull(vb, k);
            if (!st_type_is_string(t)) memset((char *)dst->data + (size_t)k * w, 0, w);
        }
    }
    dst->len = n;
    return ST_OK;
}

st_status sq_coll_append_locs(sq_coll *dst, sq_coll *src, const uint32_t *locs,
                              const uint32_t *perm, uint64_t n, bool consume, st_error *e) {
    uint32_t accounted_before = dst->nblocks;
    bool *nulls = calloc(src->ncols ? src->ncols : 1, sizeof *nulls); /* column has a NULL anywhere */
    /* consume: free each source block once the output is past its last row
     * (blocks listed by the output chunk holding their last use), so rows
     * that arrive nearly in order are never held twice */
    uint32_t nchunks = (uint32_t)((n + SQ_CHUNK - 1) / SQ_CHUNK) + 1;
    uint32_t *head = NULL, *next = NULL;
    if (consume) {
        head = malloc(nchunks * sizeof *head);
        next = malloc((src->nblocks ? src->nblocks : 1) * sizeof *next);
        uint64_t *last = calloc(src->nblocks ? src->nblocks : 1, sizeof *last);
        if (!head || !next || !last) {
            free(head);
            free(next);
            free(last);
            free(nulls);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory"); /* src intact: the caller frees it */
        }
        for (uint64_t k = 0; k < n; k++) last[SQ_LOC_BLOCK(perm ? locs[perm[k]] : locs[k])] = k;
        memset(head, 0xff, nchunks * sizeof *head);
        for (uint32_t b = 0; b < src->nblocks; b++) {
            uint32_t ci = (uint32_t)(last[b] / SQ_CHUNK);
            next[b] = head[ci];
            head[ci] = b;
        }
        free(last);
    }
    /* consumed source blocks are recycled as output blocks (same column
     * types): their buffers are warm, where fresh ones cost page faults, and
     * freeing them would not help when they came from another thread's malloc
     * arena */
    sq_block **pool = NULL;
    uint32_t npool = 0;
    bool recycle = consume && src->ncols == dst->ncols &&
                   !memcmp(src->types, dst->types, src->ncols * sizeof *src->types);
    if (recycle && !(pool = malloc((src->nblocks ? src->nblocks : 1) * sizeof *pool))) recycle = false;
    st_status rc = ST_OK;
    if (!nulls) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; nulls && i < src->ncols; i++)
        for (uint32_t b = 0; b < src->nblocks && !nulls[i]; b++) nulls[i] = src->blocks[b]->cols[i]->validity != NULL;
    for (uint64_t off = 0; off < n && rc == ST_OK;) {
        uint32_t take = n - off < SQ_CHUNK ? (uint32_t)(n - off) : SQ_CHUNK;
        sq_block *b = npool ? pool[--npool] : block_new(dst);
        if (b && b->n) {
            for (uint32_t i = 0; i < dst->ncols; i++) sq_vec_clear(b->cols[i]);
            b->n = 0;
        }
        if (!b) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory materializing rows");
            break;
        }
        for (uint32_t i = 0; i < dst->ncols && rc == ST_OK; i++)
            rc = gather_locs(b->cols[i], src, i, perm ? locs : locs + off, perm ? perm + off : NULL, take,
                             nulls[i], e);
        if (rc == ST_OK) rc = push_block(dst, b, e);
        if (rc != ST_OK) {
            block_free(b, dst->ncols);
            break;
        }
        b->n = take;
        dst->rows += take;
        if (consume) {
            uint64_t freed = 0;
            for (uint32_t q = head[off / SQ_CHUNK]; q != UINT32_MAX; q = next[q]) {
                sq_block *fb = src->blocks[q];
                freed += block_bytes(src, fb);
                src->blocks[q] = NULL;
                bool full = fb->n > 0;
                for (uint32_t i = 0; i < src->ncols && full; i++) full = fb->cols[i]->cap >= SQ_CHUNK;
                if (recycle && full) pool[npool++] = fb;
                else block_free(fb, src->ncols);
            }
            if (freed > src->bytes) freed = src->bytes;
            sq_mem_release(src->mem, freed);
            src->bytes -= freed;
        }
        off += take;
        if (dst->nblocks - accounted_before >= 16) {
            rc = sq_coll_account(dst, e);
            accounted_before = dst->nblocks;
        }
    }
    free(nulls);
    if (consume) {
        /* src is left empty */
        for (uint32_t b = 0; b < src->nblocks; b++) block_free(src->blocks[b], src->ncols);
        sq_mem_release(src->mem, src->bytes);
        src->bytes = src->rows = 0;
        src->nblocks = src->nsealed = 0;
        src->sealed_bytes = 0;
        free(head);
        free(next);
        while (npool) block_free(pool[--npool], src->ncols);
        free(pool);
    }
    return rc == ST_OK ? sq_coll_account(dst, e) : rc;
}

st_status sq_coll_move(sq_coll *dst, sq_coll *src, st_error *e) {
    for (uint32_t i = 0; i < src->nblocks; i++) {
        sq_block *b = src->blocks[i];
        if (b->n == 0) {
            block_free(b, src->ncols);
            continue;
        }
        /* a partial block may now sit in the middle: readers go block by
         * block, and random access goes through sq_coll_locs */
        ST_TRY(push_block(dst, b, e));
        dst->rows += b->n;
    }
    src->nblocks = 0;
    src->nsealed = 0;
    src->sealed_bytes = 0;
    src->rows = 0;
    /* transfer the accounting */
    dst->bytes += src->bytes;
    src->bytes = 0;
    return ST_OK;
}

st_status sq_coll_locs(const sq_coll *c, uint32_t **out, st_error *e) {
    if (c->rows > UINT32_MAX || c->nblocks > (UINT32_MAX >> 11))
        return st_error_set(e, ST_ERR_LIMIT, "more than 4 billion rows in one operator");
    uint32_t *l = malloc((c->rows ? c->rows : 1) * sizeof *l);
    if (!l) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint64_t r = 0;
    for (uint32_t b = 0; b < c->nblocks; b++)
        for (uint32_t k = 0; k < c->blocks[b]->n; k++) l[r++] = (b << 11) | k;
    *out = l;
    return ST_OK;
}
