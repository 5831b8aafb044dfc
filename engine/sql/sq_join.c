/*
 * sq_join.c: hash joins (INNER and LEFT, equality keys plus an optional
 * residual condition; no keys = a cross product).
 *
 * Build: the build pipeline stores, per row, the key values followed by the
 * build columns the query needs (j->rows, in task order).  Finishing the build
 * puts the distinct keys in an sq_ht and chains the rows of each key
 * (first[key] -> next[row] -> ...), in row order.  Rows with a NULL key are
 * left out: they can never match.
 *
 * Probe, per chunk: evaluate the probe keys, hash, look the keys up
 * (vectorized), then
 *  - when every key has one build row and there is no residual (the usual
 *    star-schema case: the fact table probing a dimension), the output chunk
 *    is the probe chunk itself plus the build columns gathered at the probe
 *    rows' positions, and the selection keeps the matched rows (LEFT: all
 *    rows, build columns NULL where unmatched): nothing is copied from the
 *    probe side;
 *  - otherwise (duplicate keys, a residual, a cross product) matching pairs
 *    are expanded into compact output chunks of at most SQ_CHUNK rows, the
 *    residual filters them, and for LEFT joins probe rows left without a
 *    surviving pair are emitted once with NULL build columns.
 * Output order follows the probe rows (and build rows in build order within
 * one probe row), so it is deterministic.
 *
 * Output layout: the probe chunk's columns, then the stored build columns.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"

/* Blocks of the build rows are full except the last (so row r is at block
 * r / SQ_CHUNK, offset r % SQ_CHUNK, one memory access): repack when the
 * concatenated partials left partial blocks in the middle. */
static st_status pack_rows(sq_join *j, st_error *e) {
    sq_coll *c = j->rows;
    bool packed = true;
    for (uint32_t b = 0; b + 1 < c->nblocks; b++)
        if (c->blocks[b]->n != SQ_CHUNK) packed = false;
    if (packed) return ST_OK;
    sq_coll *p = sq_coll_new(c->types, c->ncols, c->mem, c->what, c->pos);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory (join)");
    for (uint32_t b = 0; b < c->nblocks; b++) {
        sq_block *bl = c->blocks[b];
        sq_chunk ch = {c->ncols, bl->cols, bl->n, NULL, bl->n};
        st_status rc = sq_coll_append(p, &ch, e);
        if (rc != ST_OK) {
            sq_coll_free(p);
            return rc;
        }
    }
    sq_coll_free(c);
    j->rows = p;
    return ST_OK;
}

st_status sq_join_finish_build(sq_join *j, sq_mem *mem, st_error *e) {
    ST_TRY(pack_rows(j, e));
    sq_coll *c = j->rows;
    uint64_t n = c->rows;
    ST_TRY(sq_ht_init(&j->ht, c->types, j->nkeys, mem, "the JOIN hash table", j->pos, e));
    j->ht.nulls_equal = false;
    /* room for every key up front: no rehashing while building */
    if (j->nkeys) ST_TRY(sq_ht_reserve(&j->ht, n + 1, e));
    uint64_t extra = (n + 1) * 8;
    ST_TRY(sq_mem_reserve(mem, extra, "the JOIN hash table", j->pos, e));
    j->matched_bytes = extra;
    j->next = sq_big_alloc((n ? n : 1) * sizeof *j->next, false);
    uint32_t *gids = malloc(SQ_CHUNK * sizeof *gids);
    uint64_t *h = malloc(SQ_CHUNK * sizeof *h);
    uint32_t *sel = malloc(SQ_CHUNK * sizeof *sel);
    uint32_t *last = NULL;
    st_status rc = ST_OK;
    if (!j->next || !gids || !h || !sel) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (join)");
        goto cleanup;
    }
    uint64_t row0 = 0;
    uint32_t fcap = 0;
    for (uint32_t bi = 0; bi < c->nblocks; bi++) {
        sq_block *b = c->blocks[bi];
        uint32_t m = 0;
        for (uint32_t k = 0; k < b->n; k++) {
            bool null = false;
            for (uint32_t q = 0; q < j->nkeys; q++)
                if (sq_isnull(b->cols[q], k)) null = true;
            j->next[row0 + k] = UINT32_MAX;
            if (!null) sel[m++] = k;
        }
        if (m) {
            sq_ht_hash(&j->ht, b->cols, sel, m, h);
            ST_CHECK(rc, sq_ht_upsert(&j->ht, b->cols, sel, m, h, gids, e));
            if (j->ht.ngroups > fcap) {
                uint32_t nc = fcap ? fcap : 1024;
                while (nc < j->ht.ngroups) nc *= 2;
                uint32_t *nf = realloc(j->first, nc * sizeof *nf);
                uint32_t *nl = realloc(last, nc * sizeof *nl);
                if (!nf || !nl) {
                    if (nf) j->first = nf;
                    if (nl) last = nl;
                    rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (join)");
                    goto cleanup;
                }
                for (uint32_t q = fcap; q < nc; q++) nf[q] = nl[q] = UINT32_MAX;
                j->first = nf;
                last = nl;
                ST_CHECK(rc, sq_mem_reserve(mem, (uint64_t)(nc - fcap) * 8, "the JOIN hash table", j->pos, e));
                j->matched_bytes += (uint64_t)(nc - fcap) * 8;
                fcap = nc;
            }
            for (uint32_t k = 0; k < m; k++) {
                uint32_t row = (uint32_t)(row0 + sel[k]), g = gids[k];
                if (j->first[g] == UINT32_MAX) j->first[g] = row;
                else j->next[last[g]] = row;
                last[g] = row;
            }
        }
        row0 += b->n;
    }
    j->unique = true;
    for (uint64_t r = 0; r < n && j->unique; r++)
        if (j->next[r] != UINT32_MAX) j->unique = false;
    /* which stored build columns hold NULLs (gathers skip the checks otherwise) */
    j->bnulls = calloc(j->nbuild ? j->nbuild : 1, 1);
    if (!j->bnulls) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (join)");
        goto cleanup;
    }
    for (uint32_t bi = 0; bi < c->nblocks; bi++)
        for (uint32_t q = 0; q < j->nbuild; q++) {
            const st_vector *v = c->blocks[bi]->cols[j->nkeys + q];
            if (v->validity && !j->bnulls[q])
                for (uint32_t k = 0; k < c->blocks[bi]->n; k++)
                    if (sq_isnull(v, k)) {
                        j->bnulls[q] = 1;
                        break;
                    }
        }
    /* one row per key and every row keyed: group g is row g */
    j->ident = j->unique && j->ht.ngroups == n;
    if (j->preserve_build) {
        ST_CHECK(rc, sq_mem_reserve(mem, n + 1, "the JOIN hash table", j->pos, e));
        j->matched_bytes += n + 1;
        j->bmatched = calloc(n + 1, 1);
        if (!j->bmatched) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (join)");
            goto cleanup;
        }
    }
    j->built = true;
cleanup:
    free(gids);
    free(h);
    free(sel);
    free(last);
    return rc;
}

void sq_join_free(sq_join *j) {
    if (!j) return;
    if (j->built || j->ht.slots) sq_ht_free(&j->ht);
    free(j->first);
    free(j->next);
    free(j->locs);
    free(j->bnulls);
    j->bnulls = NULL;
    free(j->bmatched);
    j->bmatched = NULL;
    sq_coll_free(j->rows);
    j->rows = NULL;
    j->first = j->next = j->locs = NULL;
}

struct sq_probe_state {
    uint32_t nout;
    st_vector **out;    /* nprobe + nbuild output vectors */
    st_vector **cols;   /* chunk column pointers */
    uint64_t hashes[SQ_CHUNK];
    uint32_t gids[SQ_CHUNK];
    uint32_t rows[SQ_CHUNK]; /* probe rows with non-NULL keys */
    uint32_t sel[SQ_CHUNK];
    uint32_t pp[SQ_CHUNK];   /* pair: probe row */
    uint32_t pb[SQ_CHUNK];   /* pair: build row */
    uint32_t keep[SQ_CHUNK];
    uint8_t matched[SQ_CHUNK];
    st_vector *keyv[64];
};

sq_probe_state *sq_probe_state_new(const sq_join *j, uint32_t nout) {
    sq_probe_state *ps = calloc(1, sizeof *ps);
    if (!ps) return NULL;
    ps->nout = nout;
    ps->out = calloc(nout ? nout : 1, sizeof *ps->out);
    ps->cols = calloc(nout ? nout : 1, sizeof *ps->cols);
    if (!ps->out || !ps->cols) {
        sq_probe_state_free(ps);
        return NULL;
    }
    (void)j;
    return ps;
}

void sq_probe_state_free(sq_probe_state *ps) {
    if (!ps) return;
    if (ps->out)
        for (uint32_t i = 0; i < ps->nout; i++) sq_vec_free(ps->out[i]);
    free(ps->out);
    free(ps->cols);
    free(ps);
}

static st_vector *outvec(sq_probe_state *ps, uint32_t i, st_type t, st_error *e) {
    if (!ps->out[i]) {
        ps->out[i] = sq_vec_new(t, SQ_CHUNK);
        if (!ps->out[i]) {
            st_error_set(e, ST_ERR_NOMEM, "out of memory (join)");
            return NULL;
        }
    }
    sq_vec_clear(ps->out[i]);
    return ps->out[i];
}

/* dst[pos[k]] = build column c at build row brow[k] (UINT32_MAX = NULL) */
#define GATHER_BUILD(T)                                                       \
    do {                                                                      \
        T *o = (T *)dst->data;                                                \
        for (uint32_t k = 0; k < n; k++) {                                    \
            uint32_t p = pos ? pos[k] : k;                                    \
            uint32_t l = brow[k];                                             \
            o[p] = ((const T *)rows->blocks[l / SQ_CHUNK]->cols[col]->data)[l % SQ_CHUNK]; \
        }                                                                     \
    } while (0)

static st_status gather_build(const sq_join *j, st_vector *dst, uint32_t c, const uint32_t *pos,
                              const uint32_t *brow, uint32_t n, st_error *e) {
    const sq_coll *rows = j->rows;
    uint32_t col = j->nkeys + c;
    size_t w = st_type_width(dst->type);
    bool str = st_type_is_string(dst->type);
    /* fast path: every row matched and the build column has no NULLs */
    bool simple = !j->bnulls[c];
    for (uint32_t k = 0; simple && k < n; k++)
        if (brow[k] == UINT32_MAX) simple = false;
    if (simple) {
        switch (w) {
        case 1: GATHER_BUILD(uint8_t); break;
        case 2: GATHER_BUILD(uint16_t); break;
        case 4: GATHER_BUILD(uint32_t); break;
        case 8: GATHER_BUILD(uint64_t); break;
        case 16:
            if (str) GATHER_BUILD(st_str);
            else GATHER_BUILD(st_i128);
            break;
        default: simple = false; break;
        }
        if (simple) {
            if (dst->validity)
                for (uint32_t k = 0; k < n; k++) sq_setvalid(dst->validity, pos ? pos[k] : k);
            return ST_OK;
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t p = pos ? pos[k] : k;
        if (brow[k] == UINT32_MAX) {
            uint64_t *vb = sq_vec_validity(dst);
            if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            sq_setnull(vb, p);
            memset((char *)dst->data + (size_t)p * w, 0, w);
            continue;
        }
        const st_vector *src = rows->blocks[brow[k] / SQ_CHUNK]->cols[col];
        uint32_t off = brow[k] % SQ_CHUNK;
        /* strings point into the build collection, which outlives probing */
        memcpy((char *)dst->data + (size_t)p * w, (const char *)src->data + (size_t)off * w, w);
        (void)str;
        if (sq_isnull(src, off)) {
            uint64_t *vb = sq_vec_validity(dst);
            if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            sq_setnull(vb, p);
        } else if (dst->validity) {
            sq_setvalid(dst->validity, p);
        }
    }
    return ST_OK;
}

/* emit pairs pp/pb[0..np) as a compact chunk; LEFT bookkeeping in matched */
static st_status emit_pairs(sq_join *j, sq_probe_state *ps, sq_ectx *cx, const sq_chunk *in,
                            uint32_t np, sq_emit_fn emit, void *ectx, st_error *e) {
    if (!np) return ST_OK;
    for (uint32_t i = 0; i < j->nprobe; i++) {
        st_vector *o = outvec(ps, i, in->cols[i]->type, e);
        if (!o) return e->code;
        ST_TRY(sq_vec_gather(o, 0, in->cols[i], false, ps->pp, np, e));
        o->len = np;
        ps->cols[i] = o;
    }
    for (uint32_t c = 0; c < j->nbuild; c++) {
        st_vector *o = outvec(ps, j->nprobe + c, j->btypes[c], e);
        if (!o) return e->code;
        ST_TRY(gather_build(j, o, c, NULL, ps->pb, np, e));
        o->len = np;
        ps->cols[j->nprobe + c] = o;
    }
    sq_chunk out = {j->nprobe + j->nbuild, ps->cols, np, NULL, np};
    if (j->residual) {
        uint32_t nk;
        ST_TRY(sq_select(cx, j->residual, &out, NULL, np, ps->keep, &nk, e));
        if (j->preserve_build)
            for (uint32_t k = 0; k < nk; k++) __atomic_store_n(&j->bmatched[ps->pb[ps->keep[k]]], 1, __ATOMIC_RELAXED);
        else if (j->jtype == J_LEFT)
            for (uint32_t k = 0; k < nk; k++) ps->matched[ps->pp[ps->keep[k]]] = 1;
        if (!nk) return ST_OK;
        out.sel = ps->keep;
        out.n = nk;
    } else if (j->preserve_build) {
        for (uint32_t k = 0; k < np; k++) __atomic_store_n(&j->bmatched[ps->pb[k]], 1, __ATOMIC_RELAXED);
    } else if (j->jtype == J_LEFT) {
        for (uint32_t k = 0; k < np; k++) ps->matched[ps->pp[k]] = 1;
    }
    return emit(ectx, &out, e);
}

st_status sq_join_probe(sq_join *j, sq_probe_state *ps, sq_ectx *cx, const sq_chunk *in,
                        sq_emit_fn emit, void *ectx, st_error *e) {
    uint32_t n = in->n;
    if (!n) return ST_OK;
    /* keys */
    for (uint32_t q = 0; q < j->nkeys; q++) {
        sq_vec v;
        ST_TRY(sq_eval(cx, j->pkeys[q], in, in->sel, n, &v, e));
        if (v.c) {
            /* constant probe key: materialize */
            st_vector *m = outvec(ps, 0, v.v->type, e);
            (void)m;
            return st_error_set(e, ST_ERR_UNSUPPORTED, "a constant join key");
        }
        ps->keyv[q] = v.v;
    }
    uint32_t nr = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = in->sel ? in->sel[k] : k;
        bool null = false;
        for (uint32_t q = 0; q < j->nkeys; q++)
            if (sq_isnull(ps->keyv[q], r)) null = true;
        if (!null) ps->rows[nr++] = r;
    }
    if (j->nkeys) {
        sq_ht_hash(&j->ht, ps->keyv, ps->rows, nr, ps->hashes);
        sq_ht_find(&j->ht, ps->keyv, ps->rows, nr, ps->hashes, ps->gids);
    } else {
        for (uint32_t k = 0; k < nr; k++) ps->gids[k] = j->ht.ngroups ? 0 : UINT32_MAX;
    }
    if (j->unique && !j->residual) {
        /* one build row per key: no expansion */
        uint32_t nm = 0;
        if (j->jtype == J_LEFT && !j->preserve_build) {
            /* every live probe row; build row or NULL */
            uint32_t q = 0;
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = in->sel ? in->sel[k] : k;
                uint32_t g = UINT32_MAX;
                if (q < nr && ps->rows[q] == r) {
                    g = ps->gids[q];
                    q++;
                }
                ps->sel[nm] = r;
                ps->pb[nm] = g == UINT32_MAX ? UINT32_MAX : j->ident ? g : j->first[g];
                nm++;
            }
        } else {
            for (uint32_t k = 0; k < nr; k++) {
                if (ps->gids[k] == UINT32_MAX) continue;
                ps->sel[nm] = ps->rows[k];
                ps->pb[nm] = j->ident ? ps->gids[k] : j->first[ps->gids[k]];
                nm++;
            }
        }
        if (!nm) return ST_OK;
        if (j->preserve_build)
            for (uint32_t k = 0; k < nm; k++) __atomic_store_n(&j->bmatched[ps->pb[k]], 1, __ATOMIC_RELAXED);
        for (uint32_t i = 0; i < j->nprobe; i++) ps->cols[i] = in->cols[i];
        for (uint32_t c = 0; c < j->nbuild; c++) {
            st_vector *o = outvec(ps, j->nprobe + c, j->btypes[c], e);
            if (!o) return e->code;
            ST_TRY(gather_build(j, o, c, ps->sel, ps->pb, nm, e));
            o->len = in->len;
            ps->cols[j->nprobe + c] = o;
        }
        sq_chunk out = {j->nprobe + j->nbuild, ps->cols, in->len, ps->sel, nm};
        return emit(ectx, &out, e);
    }
    /* general: expand pairs */
    bool probe_left = j->jtype == J_LEFT && !j->preserve_build;
    if (probe_left) memset(ps->matched, 0, in->len);
    uint32_t np = 0;
    for (uint32_t k = 0; k < nr; k++) {
        uint32_t g = ps->gids[k];
        if (g == UINT32_MAX) continue;
        for (uint32_t b = j->first[g]; b != UINT32_MAX; b = j->next[b]) {
            ps->pp[np] = ps->rows[k];
            ps->pb[np] = b;
            if (++np == SQ_CHUNK) {
                ST_TRY(emit_pairs(j, ps, cx, in, np, emit, ectx, e));
                np = 0;
            }
        }
    }
    ST_TRY(emit_pairs(j, ps, cx, in, np, emit, ectx, e));
    if (probe_left) {
        /* probe rows without a match, once, with NULL build columns */
        np = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = in->sel ? in->sel[k] : k;
            if (ps->matched[r]) continue;
            ps->pp[np] = r;
            ps->pb[np] = UINT32_MAX;
            np++;
        }
        if (np) {
            for (uint32_t i = 0; i < j->nprobe; i++) {
                st_vector *o = outvec(ps, i, in->cols[i]->type, e);
                if (!o) return e->code;
                ST_TRY(sq_vec_gather(o, 0, in->cols[i], false, ps->pp, np, e));
                o->len = np;
                ps->cols[i] = o;
            }
            for (uint32_t c = 0; c < j->nbuild; c++) {
                st_vector *o = outvec(ps, j->nprobe + c, j->btypes[c], e);
                if (!o) return e->code;
                ST_TRY(gather_build(j, o, c, NULL, ps->pb, np, e));
                o->len = np;
                ps->cols[j->nprobe + c] = o;
            }
            sq_chunk out = {j->nprobe + j->nbuild, ps->cols, np, NULL, np};
            ST_TRY(emit(ectx, &out, e));
        }
    }
    return ST_OK;
}

/* A LEFT JOIN that built on its preserved (left) side: after every probe,
 * the build rows no probe row matched, once each, with NULL probe columns,
 * in build order.  Runs alone (after the parallel probes). */
st_status sq_join_emit_unmatched(sq_join *j, sq_probe_state *ps, const st_type *ptypes,
                                 sq_emit_fn emit, void *ectx, st_error *e) {
    uint64_t n = j->rows->rows;
    uint32_t np = 0;
    for (uint64_t r = 0; r <= n; r++) {
        if (r < n && j->bmatched[r]) continue;
        if (r < n) ps->pb[np++] = (uint32_t)r;
        if (np == SQ_CHUNK || (r == n && np)) {
            for (uint32_t i = 0; i < j->nprobe; i++) {
                st_vector *o = outvec(ps, i, ptypes[i], e);
                if (!o) return e->code;
                uint64_t *vb = sq_vec_validity(o);
                if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                memset(vb, 0, ((size_t)np + 63) / 64 * 8);
                memset(o->data, 0, (size_t)np * st_type_width(o->type));
                o->len = np;
                ps->cols[i] = o;
            }
            for (uint32_t c = 0; c < j->nbuild; c++) {
                st_vector *o = outvec(ps, j->nprobe + c, j->btypes[c], e);
                if (!o) return e->code;
                ST_TRY(gather_build(j, o, c, NULL, ps->pb, np, e));
                o->len = np;
                ps->cols[j->nprobe + c] = o;
            }
            sq_chunk out = {j->nprobe + j->nbuild, ps->cols, np, NULL, np};
            ST_TRY(emit(ectx, &out, e));
            np = 0;
        }
    }
    return ST_OK;
}
