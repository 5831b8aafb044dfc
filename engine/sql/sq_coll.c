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
    /* blocks are full except possibly the last: count every block's bytes */
    uint64_t now = 0;
    for (uint32_t i = 0; i < c->nblocks; i++) now += block_bytes(c, c->blocks[i]);
    if (now > c->bytes) {
        ST_TRY(sq_mem_reserve(c->mem, now - c->bytes, c->what, c->pos, e));
    } else {
        sq_mem_release(c->mem, c->bytes - now);
    }
    c->bytes = now;
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
