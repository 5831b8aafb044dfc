/*
 * sq_plan.c: from the logical plan to pipelines, and EXPLAIN.
 *
 * A pipeline is a source (a table scan split into units, a collection split
 * into block ranges, or one empty row), streaming operators (filter, project,
 * hash-join probe) and a sink (aggregation, join build, sort, collection,
 * result).  Planning walks the logical tree once, top-down, carrying the set
 * of column ids the parent needs, so that:
 *  - scans read only the columns the query uses (projection pushdown), and a
 *    scan's filter becomes its pipeline's first operator;
 *  - simple conjuncts of a scan's filter (column op constant, IS [NOT] NULL)
 *    become zone-map pruning terms (sq_prune) that skip groups and units;
 *  - a hash join builds on its smaller input (INNER; LEFT builds the right
 *    side), and its probe joins the pipeline of the other input, so a star
 *    join streams the fact table through every dimension's hash table;
 *  - LIMIT sits in the sink of its pipeline (rows are cut per task and in
 *    task order), ORDER BY ... LIMIT becomes a top-N sort.
 * Column ids in expressions are replaced by positions in the chunk each
 * operator receives; every expression node gets a scratch slot.  Physical
 * operators keep a pointer to their logical node, for EXPLAIN ANALYZE.
 * (EXPLAIN itself is sq_explain.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"
#include "format/zonemap.h"

typedef struct layout {
    uint32_t n;
    uint32_t *cids;
} layout;

typedef struct pctx {
    st_arena *a;
    const char *sql;
    sq_plan *plan;
    sq_pool *pool;
    uint32_t maxcid;
    st_error *e;
} pctx;

static st_status nomem(st_error *e) { return st_error_set(e, ST_ERR_NOMEM, "out of memory planning the query"); }

static void *zalloc(pctx *P, size_t n) {
    void *p = st_arena_alloc(P->a, n ? n : 1);
    if (p) memset(p, 0, n ? n : 1);
    return p;
}

/* ---- cid sets ----------------------------------------------------------- */

typedef struct cidset {
    uint8_t *has;
    uint32_t n;
} cidset;

static st_status set_new(pctx *P, cidset *s) {
    s->n = P->maxcid;
    s->has = zalloc(P, s->n);
    return s->has ? ST_OK : nomem(P->e);
}
static void set_add(cidset *s, uint32_t c) {
    if (c < s->n) s->has[c] = 1;
}
static bool set_has(const cidset *s, uint32_t c) { return c < s->n && s->has[c]; }
static void set_expr(cidset *s, const sq_expr *x) {
    if (!x) return;
    if (x->kind == E_COL) set_add(s, x->col);
    for (uint32_t i = 0; i < x->nargs; i++) set_expr(s, x->args[i]);
}
static st_status set_copy(pctx *P, const cidset *src, cidset *dst) {
    ST_TRY(set_new(P, dst));
    memcpy(dst->has, src->has, src->n);
    return ST_OK;
}

/* ---- expressions -------------------------------------------------------- */

static st_status prep(pctx *P, sq_expr *x, const layout *L) {
    x->slot = P->plan->nslots++;
    if (x->kind == E_COL) {
        for (uint32_t i = 0; i < L->n; i++)
            if (L->cids[i] == x->col) {
                x->col = i;
                goto args;
            }
        return st_error_set(P->e, ST_ERR_INTERNAL, "planner: column #%u is not available", x->col);
    }
    if (x->kind == E_CONST) ST_TRY(sq_const_vec(x, P->pool, P->e));
args:
    for (uint32_t i = 0; i < x->nargs; i++) ST_TRY(prep(P, x->args[i], L));
    return ST_OK;
}

static int pos_of(const layout *L, uint32_t cid) {
    for (uint32_t i = 0; i < L->n; i++)
        if (L->cids[i] == cid) return (int)i;
    return -1;
}

/* ---- pipelines ---------------------------------------------------------- */

static sq_pipe *pipe_new(pctx *P, uint8_t kind, uint32_t pos) {
    sq_pipe *p = zalloc(P, sizeof *p);
    if (!p) return NULL;
    p->src_kind = kind;
    p->limit = -1;
    p->offset = 0;
    p->pos = pos;
    return p;
}

static st_status pipe_add(pctx *P, sq_pipe *p) {
    sq_plan *pl = P->plan;
    if (pl->npipes == pl->cap) {
        uint32_t nc = pl->cap ? pl->cap * 2 : 8;
        sq_pipe **np = realloc(pl->pipes, nc * sizeof *np);
        if (!np) return nomem(P->e);
        pl->pipes = np;
        pl->cap = nc;
    }
    p->id = pl->npipes;
    pl->pipes[pl->npipes++] = p;
    return ST_OK;
}

static sq_pop *op_add(pctx *P, sq_pipe *p, uint8_t kind) {
    if (p->nops == p->opcap) {
        uint32_t nc = p->opcap ? p->opcap * 2 : 4;
        sq_pop *no = zalloc(P, nc * sizeof *no);
        if (!no) return NULL;
        if (p->nops) memcpy(no, p->ops, p->nops * sizeof *no);
        p->ops = no;
        p->opcap = nc;
    }
    sq_pop *o = &p->ops[p->nops++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    return o;
}

/* End pipe *cur with a collection sink keeping the layout's columns, and start
 * a new pipe reading that collection. */
static st_status materialize(pctx *P, sq_pipe **cur, layout *L, const st_type *types) {
    sq_pipe *p = *cur;
    p->sink_kind = SK_COLL;
    p->nsink = L->n;
    p->sinkmap = zalloc(P, L->n * sizeof *p->sinkmap);
    st_type *ts = zalloc(P, L->n * sizeof *ts);
    if (!p->sinkmap || !ts) return nomem(P->e);
    for (uint32_t i = 0; i < L->n; i++) {
        p->sinkmap[i] = i;
        ts[i] = types[i];
    }
    p->sinktypes = ts;
    p->out = sq_coll_new(ts, L->n, NULL, "a subquery result", p->pos);
    if (!p->out) return nomem(P->e);
    ST_TRY(sq_pool_add(P->pool, (void (*)(void *))sq_coll_free, p->out, P->e));
    ST_TRY(pipe_add(P, p));
    sq_pipe *n = pipe_new(P, PS_COLL, p->pos);
    if (!n) return nomem(P->e);
    n->src_coll = &p->out;
    n->nsrc = L->n;
    *cur = n;
    return ST_OK;
}

typedef struct built {
    sq_pipe *pipe;
    layout L;
    st_type *types; /* per layout column */
} built;

static st_status build(pctx *P, sq_lop *l, const cidset *req, built *out);

static st_status layout_types(pctx *P, built *b, const sq_lop *l) {
    b->types = zalloc(P, b->L.n * sizeof *b->types);
    if (!b->types) return nomem(P->e);
    for (uint32_t i = 0; i < b->L.n; i++) {
        for (uint32_t k = 0; k < l->nout; k++)
            if (l->cids[k] == b->L.cids[i]) b->types[i] = l->types[k];
    }
    return ST_OK;
}

static st_status unlimit(pctx *P, built *b) {
    if (b->pipe->limit < 0 && b->pipe->offset == 0) return ST_OK;
    return materialize(P, &b->pipe, &b->L, b->types);
}

static st_status build_scan(pctx *P, sq_lop *l, const cidset *req, built *out) {
    cidset need;
    ST_TRY(set_copy(P, req, &need));
    set_expr(&need, l->filter);
    uint32_t n = 0;
    for (uint32_t i = 0; i < l->nout; i++)
        if (set_has(&need, l->cids[i])) n++;
    bool none = n == 0 && l->nout > 0;
    if (none) n = 1; /* count(*): read the narrowest column for the row count */
    sq_scan *s = zalloc(P, sizeof *s);
    sq_pipe *p = pipe_new(P, PS_SCAN, l->pos);
    if (!s || !p) return nomem(P->e);
    s->src = l->src;
    s->label = l->label;
    s->pos = l->pos;
    s->lop = l;
    l->scan = s;
    s->cols = zalloc(P, n * sizeof *s->cols);
    s->types = zalloc(P, n * sizeof *s->types);
    out->L.cids = zalloc(P, n * sizeof *out->L.cids);
    if (!s->cols || !s->types || !out->L.cids) return nomem(P->e);
    uint32_t k = 0;
    if (none) {
        uint32_t best = 0;
        size_t bw = SIZE_MAX;
        for (uint32_t i = 0; i < l->nout; i++) {
            size_t w = st_type_width(l->types[i]);
            if (st_type_is_string(l->types[i])) w = 64;
            if (w < bw) bw = w, best = i;
        }
        s->cols[0] = l->src_cols[best];
        s->types[0] = l->types[best];
        out->L.cids[0] = l->cids[best];
        k = 1;
    } else {
        for (uint32_t i = 0; i < l->nout; i++) {
            if (!set_has(&need, l->cids[i])) continue;
            s->cols[k] = l->src_cols[i];
            s->types[k] = l->types[i];
            out->L.cids[k] = l->cids[i];
            k++;
        }
    }
    s->ncols = n;
    out->L.n = n;
    p->scan = s;
    p->nsrc = n;
    if (l->filter) {
        const sq_expr *f = l->filter;
        s->prune = sq_prune_build(P->a, f, l->cids, l->src_cols, l->nout, &s->nprune);
        s->filter = l->filter;
        /* filter-first: worth it when the filter reads few of the columns */
        cidset fc;
        ST_TRY(set_new(P, &fc));
        set_expr(&fc, l->filter);
        uint32_t nf = 0;
        for (uint32_t i = 0; i < n; i++)
            if (set_has(&fc, out->L.cids[i])) nf++;
        if (nf && nf * 2 <= n && !l->src->ops->read_next) {
            s->fcols = zalloc(P, nf * sizeof *s->fcols);
            if (!s->fcols) return nomem(P->e);
            for (uint32_t i = 0; i < n; i++)
                if (set_has(&fc, out->L.cids[i])) s->fcols[s->nfcols++] = i;
        }
        sq_pop *o = op_add(P, p, PO_FILTER);
        if (!o) return nomem(P->e);
        o->lop = l;
        o->pred = l->filter;
        o->nin = o->nout = n;
        ST_TRY(prep(P, o->pred, &out->L));
    }
    out->pipe = p;
    return layout_types(P, out, l);
}

static st_status build_join(pctx *P, sq_lop *l, const cidset *req, built *out) {
    /* build on the smaller input; a LEFT JOIN built on its left side keeps
     * its unmatched rows with per-row matched flags (sq_join_emit_unmatched) */
    bool build_left = l->child->est_rows < l->right->est_rows;
    sq_lop *bl = build_left ? l->child : l->right, *pl = build_left ? l->right : l->child;
    sq_expr **bk = build_left ? l->lkeys : l->rkeys, **pk = build_left ? l->rkeys : l->lkeys;
    cidset nb, np;
    ST_TRY(set_new(P, &nb));
    ST_TRY(set_new(P, &np));
    for (uint32_t i = 0; i < bl->nout; i++)
        if (set_has(req, bl->cids[i])) set_add(&nb, bl->cids[i]);
    for (uint32_t i = 0; i < pl->nout; i++)
        if (set_has(req, pl->cids[i])) set_add(&np, pl->cids[i]);
    /* the residual needs columns of both sides */
    if (l->residual) {
        cidset r;
        ST_TRY(set_new(P, &r));
        set_expr(&r, l->residual);
        for (uint32_t i = 0; i < bl->nout; i++)
            if (set_has(&r, bl->cids[i])) set_add(&nb, bl->cids[i]);
        for (uint32_t i = 0; i < pl->nout; i++)
            if (set_has(&r, pl->cids[i])) set_add(&np, pl->cids[i]);
    }
    cidset nbk;
    ST_TRY(set_copy(P, &nb, &nbk));
    for (uint32_t i = 0; i < l->njkeys; i++) {
        set_expr(&nbk, bk[i]);
        set_expr(&np, pk[i]);
    }
    sq_join *j = zalloc(P, sizeof *j);
    if (!j) return nomem(P->e);
    j->jtype = l->jtype == J_CROSS ? J_INNER : l->jtype;
    j->build_left = build_left;
    j->preserve_build = j->jtype == J_LEFT && build_left;
    j->nkeys = l->njkeys;
    j->pos = l->pos;
    /* build side */
    built b;
    memset(&b, 0, sizeof b);
    ST_TRY(build(P, bl, &nbk, &b));
    ST_TRY(unlimit(P, &b));
    sq_pipe *bp = b.pipe;
    bp->sink_kind = SK_BUILD;
    bp->sink_lop = l;
    bp->join = j;
    bp->bkeys = zalloc(P, (j->nkeys ? j->nkeys : 1) * sizeof *bp->bkeys);
    if (!bp->bkeys) return nomem(P->e);
    for (uint32_t i = 0; i < j->nkeys; i++) {
        bp->bkeys[i] = bk[i];
        ST_TRY(prep(P, bk[i], &b.L));
    }
    /* stored build columns: the needed ones present in the layout */
    uint32_t ns = 0;
    for (uint32_t i = 0; i < b.L.n; i++)
        if (set_has(&nb, b.L.cids[i])) ns++;
    bp->nsink = ns;
    bp->sinkmap = zalloc(P, ns * sizeof *bp->sinkmap);
    j->btypes = zalloc(P, ns * sizeof *j->btypes);
    uint32_t *bcids = zalloc(P, ns * sizeof *bcids);
    st_type *st = zalloc(P, (j->nkeys + ns) * sizeof *st);
    if (!bp->sinkmap || !j->btypes || !bcids || !st) return nomem(P->e);
    uint32_t k = 0;
    for (uint32_t i = 0; i < b.L.n; i++) {
        if (!set_has(&nb, b.L.cids[i])) continue;
        bp->sinkmap[k] = i;
        j->btypes[k] = b.types[i];
        bcids[k] = b.L.cids[i];
        k++;
    }
    j->nbuild = ns;
    for (uint32_t i = 0; i < j->nkeys; i++) st[i] = bk[i]->type;
    for (uint32_t i = 0; i < ns; i++) st[j->nkeys + i] = j->btypes[i];
    j->rows = sq_coll_new(st, j->nkeys + ns, NULL, "the JOIN build side", l->pos);
    if (!j->rows) return nomem(P->e);
    ST_TRY(pipe_add(P, bp));
    /* register the join so the plan frees it */
    sq_plan *pl2 = P->plan;
    sq_join **nj = realloc(pl2->joins, (pl2->njoins + 1) * sizeof *nj);
    if (!nj) return nomem(P->e);
    pl2->joins = nj;
    pl2->joins[pl2->njoins++] = j;
    /* probe side */
    built pb;
    memset(&pb, 0, sizeof pb);
    ST_TRY(build(P, pl, &np, &pb));
    ST_TRY(unlimit(P, &pb));
    sq_pop *o = op_add(P, pb.pipe, PO_PROBE);
    if (!o) return nomem(P->e);
    o->lop = l;
    o->join = j;
    o->nin = pb.L.n;
    o->nout = pb.L.n + ns;
    j->nprobe = pb.L.n;
    j->ptypes = pb.types;
    j->pkeys = zalloc(P, (j->nkeys ? j->nkeys : 1) * sizeof *j->pkeys);
    if (!j->pkeys) return nomem(P->e);
    for (uint32_t i = 0; i < j->nkeys; i++) {
        j->pkeys[i] = pk[i];
        ST_TRY(prep(P, pk[i], &pb.L));
    }
    out->pipe = pb.pipe;
    out->L.n = pb.L.n + ns;
    out->L.cids = zalloc(P, out->L.n * sizeof *out->L.cids);
    out->types = zalloc(P, out->L.n * sizeof *out->types);
    if (!out->L.cids || !out->types) return nomem(P->e);
    memcpy(out->L.cids, pb.L.cids, pb.L.n * sizeof *out->L.cids);
    memcpy(out->L.cids + pb.L.n, bcids, ns * sizeof *bcids);
    memcpy(out->types, pb.types, pb.L.n * sizeof *out->types);
    memcpy(out->types + pb.L.n, j->btypes, ns * sizeof *out->types);
    if (l->residual) {
        j->residual = l->residual;
        ST_TRY(prep(P, j->residual, &out->L));
    }
    return ST_OK;
}

static st_status build(pctx *P, sq_lop *l, const cidset *req, built *out) {
    memset(out, 0, sizeof *out);
    switch (l->kind) {
    case L_SCAN: return build_scan(P, l, req, out);
    case L_ONE: {
        sq_pipe *p = pipe_new(P, PS_ONE, l->pos);
        if (!p) return nomem(P->e);
        out->pipe = p;
        return ST_OK;
    }
    case L_FILTER: {
        cidset need;
        ST_TRY(set_copy(P, req, &need));
        set_expr(&need, l->pred);
        ST_TRY(build(P, l->child, &need, out));
        ST_TRY(unlimit(P, out));
        sq_pop *o = op_add(P, out->pipe, PO_FILTER);
        if (!o) return nomem(P->e);
        o->lop = l;
        o->pred = l->pred;
        o->nin = o->nout = out->L.n;
        return prep(P, o->pred, &out->L);
    }
    case L_PROJECT: {
        bool all = req == NULL;
        uint32_t k = 0;
        cidset need;
        ST_TRY(set_new(P, &need));
        for (uint32_t i = 0; i < l->nout; i++)
            if (all || set_has(req, l->cids[i])) {
                set_expr(&need, l->exprs[i]);
                k++;
            }
        built c;
        ST_TRY(build(P, l->child, &need, &c));
        sq_pop *o = op_add(P, c.pipe, PO_PROJECT);
        if (!o) return nomem(P->e);
        o->lop = l;
        o->nin = c.L.n;
        o->nout = k;
        o->exprs = zalloc(P, k * sizeof *o->exprs);
        out->L.cids = zalloc(P, k * sizeof *out->L.cids);
        out->types = zalloc(P, k * sizeof *out->types);
        if (!o->exprs || !out->L.cids || !out->types) return nomem(P->e);
        k = 0;
        for (uint32_t i = 0; i < l->nout; i++) {
            if (!(all || set_has(req, l->cids[i]))) continue;
            o->exprs[k] = l->exprs[i];
            ST_TRY(prep(P, l->exprs[i], &c.L));
            out->L.cids[k] = l->cids[i];
            out->types[k] = l->types[i];
            k++;
        }
        out->L.n = k;
        out->pipe = c.pipe;
        return ST_OK;
    }
    case L_AGG: {
        cidset need;
        ST_TRY(set_new(P, &need));
        for (uint32_t i = 0; i < l->nkeys; i++) set_expr(&need, l->keys[i]);
        for (uint32_t i = 0; i < l->naggs; i++) set_expr(&need, l->aggs[i].arg);
        built c;
        ST_TRY(build(P, l->child, &need, &c));
        ST_TRY(unlimit(P, &c));
        sq_aggop *op = zalloc(P, sizeof *op);
        if (!op) return nomem(P->e);
        op->nkeys = l->nkeys;
        op->naggs = l->naggs;
        op->keys = l->keys;
        op->aggs = l->aggs;
        op->pos = l->pos;
        op->key_types = zalloc(P, (l->nkeys ? l->nkeys : 1) * sizeof *op->key_types);
        if (!op->key_types) return nomem(P->e);
        for (uint32_t i = 0; i < l->nkeys; i++) {
            op->key_types[i] = l->keys[i]->type;
            ST_TRY(prep(P, l->keys[i], &c.L));
        }
        for (uint32_t i = 0; i < l->naggs; i++)
            if (l->aggs[i].arg) ST_TRY(prep(P, l->aggs[i].arg, &c.L));
        c.pipe->sink_kind = SK_AGG;
        c.pipe->sink_lop = l;
        c.pipe->agg = op;
        ST_TRY(pipe_add(P, c.pipe));
        sq_pipe *n = pipe_new(P, PS_COLL, l->pos);
        if (!n) return nomem(P->e);
        n->src_coll = &c.pipe->out;
        n->nsrc = l->nout;
        out->pipe = n;
        out->L.n = l->nout;
        out->L.cids = l->cids;
        out->types = l->types;
        return ST_OK;
    }
    case L_SORT:
    case L_LIMIT: {
        int64_t limit = -1, offset = 0;
        sq_lop *sl = l;
        if (l->kind == L_LIMIT) {
            limit = l->limit;
            offset = l->offset > 0 ? l->offset : 0;
            sl = l->child;
        }
        built c;
        if (sl->kind == L_SORT) {
            cidset need;
            ST_TRY(set_copy(P, req, &need));
            for (uint32_t i = 0; i < sl->nskeys; i++) set_expr(&need, sl->skeys[i].e);
            ST_TRY(build(P, sl->child, &need, &c));
            ST_TRY(unlimit(P, &c));
            sq_sortop *so = zalloc(P, sizeof *so);
            if (!so) return nomem(P->e);
            /* stored columns: what the parent needs plus the keys */
            uint32_t ns = 0;
            for (uint32_t i = 0; i < c.L.n; i++)
                if (set_has(&need, c.L.cids[i])) ns++;
            sq_pipe *p = c.pipe;
            p->sinkmap = zalloc(P, ns * sizeof *p->sinkmap);
            so->types = zalloc(P, ns * sizeof *so->types);
            uint32_t *scids = zalloc(P, ns * sizeof *scids);
            if (!p->sinkmap || !so->types || !scids) return nomem(P->e);
            uint32_t k = 0;
            for (uint32_t i = 0; i < c.L.n; i++) {
                if (!set_has(&need, c.L.cids[i])) continue;
                p->sinkmap[k] = i;
                so->types[k] = c.types[i];
                scids[k] = c.L.cids[i];
                k++;
            }
            p->nsink = ns;
            so->ncols = ns;
            so->nkeys = sl->nskeys;
            so->keys = sl->skeys;
            so->pos = sl->pos;
            so->limit = limit >= 0 ? limit + offset : -1;
            layout sL = {ns, scids};
            for (uint32_t i = 0; i < sl->nskeys; i++) {
                int pp = pos_of(&sL, sl->skeys[i].e->col);
                if (pp < 0) return st_error_set(P->e, ST_ERR_INTERNAL, "planner: sort key missing");
                sl->skeys[i].e->col = (uint32_t)pp;
            }
            p->sink_kind = SK_SORT;
            p->sink_lop = sl;
            p->sort = so;
            ST_TRY(pipe_add(P, p));
            sq_pipe *n = pipe_new(P, PS_COLL, sl->pos);
            if (!n) return nomem(P->e);
            n->src_coll = &p->out;
            n->nsrc = ns;
            out->pipe = n;
            out->L = sL;
            out->types = so->types;
        } else {
            ST_TRY(build(P, sl, req, &c));
            *out = c;
        }
        if (l->kind == L_LIMIT) {
            ST_TRY(unlimit(P, out));
            out->pipe->limit = limit;
            out->pipe->offset = offset;
        }
        return ST_OK;
    }
    case L_JOIN: return build_join(P, l, req, out);
    case L_UNION: {
        sq_coll *shared = NULL;
        sq_pipe *last = NULL;
        sq_lop *kids[2] = {l->child, l->right};
        for (int i = 0; i < 2; i++) {
            built c;
            ST_TRY(build(P, kids[i], NULL, &c));
            sq_pipe *p = c.pipe;
            p->sink_kind = SK_COLL;
            p->nsink = c.L.n;
            p->sinkmap = zalloc(P, c.L.n * sizeof *p->sinkmap);
            if (!p->sinkmap) return nomem(P->e);
            for (uint32_t k = 0; k < c.L.n; k++) p->sinkmap[k] = k;
            p->sinktypes = c.types;
            if (!shared) {
                shared = sq_coll_new(l->types, l->nout, NULL, "UNION", l->pos);
                if (!shared) return nomem(P->e);
                ST_TRY(sq_pool_add(P->pool, (void (*)(void *))sq_coll_free, shared, P->e));
            }
            p->out = shared;
            p->shared_out = true;
            ST_TRY(pipe_add(P, p));
            last = p;
        }
        sq_pipe *n = pipe_new(P, PS_COLL, l->pos);
        if (!n) return nomem(P->e);
        n->src_coll = &last->out;
        n->nsrc = l->nout;
        out->pipe = n;
        out->L.n = l->nout;
        out->L.cids = l->cids;
        out->types = l->types;
        return ST_OK;
    }
    default: return st_error_set(P->e, ST_ERR_INTERNAL, "planner: unknown node %d", l->kind);
    }
}

st_status sq_plan_build(st_arena *a, const char *sql, sq_lop *root, uint32_t maxcid,
                        sq_pool *pool, sq_plan *plan, st_error *e) {
    memset(plan, 0, sizeof *plan);
    pctx P = {a, sql, plan, pool, maxcid + 1, e};
    built r;
    /* the root needs every output column */
    cidset all;
    ST_TRY(set_new(&P, &all));
    for (uint32_t i = 0; i < root->nout; i++) set_add(&all, root->cids[i]);
    ST_TRY(build(&P, root, root->kind == L_PROJECT ? NULL : &all, &r));
    sq_pipe *p = r.pipe;
    p->sink_kind = SK_RESULT;
    p->sink_lop = root;
    p->nsink = root->nout;
    p->sinktypes = root->types;
    p->sinkmap = zalloc(&P, root->nout * sizeof *p->sinkmap);
    if (!p->sinkmap) return nomem(e);
    for (uint32_t i = 0; i < root->nout; i++) {
        int k = pos_of(&r.L, root->cids[i]);
        if (k < 0) return st_error_set(e, ST_ERR_INTERNAL, "planner: result column missing");
        p->sinkmap[i] = (uint32_t)k;
    }
    plan->ncols = root->nout;
    return pipe_add(&P, p);
}

void sq_plan_free(sq_plan *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->npipes; i++)
        if (p->pipes[i]->scan) sq_scan_tasks_free(&p->pipes[i]->scan->tasks);
    for (uint32_t i = 0; i < p->njoins; i++) sq_join_free(p->joins[i]);
    free(p->joins);
    free(p->pipes);
    memset(p, 0, sizeof *p);
}
