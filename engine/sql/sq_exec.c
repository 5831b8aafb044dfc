/*
 * sq_exec.c: running the pipelines of a plan.
 *
 * Every pipeline but the last runs to completion when the first result is
 * asked for, in plan order (a pipeline's inputs are always earlier).  The
 * last one (the result) runs in windows of as many tasks as there are
 * threads, and its rows are handed out in task order, so results stream: a
 * LIMIT stops the scan as soon as the rows in task order are known, and a
 * large result never sits in memory whole.
 *
 * Tasks: a table scan has one task per (group, unit) that survived zone-map
 * pruning; a collection has one per 16 blocks; a query without FROM has one.
 * A task reads its unit (or blocks) and pushes chunks of at most SQ_CHUNK
 * rows through the operators into its own sink partial.  Rows of a unit are
 * sliced into chunks without copying (vector views), and the source's
 * selection (deleted rows) becomes the chunks' selection.
 *
 * Determinism: partials are combined in task order (aggregates merge as soon
 * as every earlier task has merged; collections, sorts and join builds are
 * concatenated in task order), so the result does not depend on the number
 * of threads or on which thread ran which task.
 *
 * Memory: each batch a task reads is accounted while it is processed; sinks
 * account what they hold (see sq_mem).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "engine/sql/sql_int.h"
#include "format/pool.h"
#include "format/zonemap.h"

#define SQ_BLOCKS_PER_TASK 16

typedef struct wstate {
    sq_ectx cx;
    st_batch *rb;
    st_batch *rbf;       /* filter-first reads: the filter's columns */
    uint32_t *fsel;      /* selection scratch for the filter-first test */
    st_vector *views;
    st_vector **vptr;
    uint32_t *scansel;
    uint32_t **opsel;
    st_vector ***opcols;
    st_vector ***opexp;
    sq_probe_state **probe;
    st_vector **sinkcols;
    uint64_t readbytes;
    bool stop;
    uint64_t task;
    void *part;        /* the sink partial of the current task */
} wstate;

typedef struct prun {
    sq_exec *X;
    sq_pipe *p;
    uint32_t nthreads;
    wstate *ws[ST_MAX_THREADS];
    uint64_t ntasks;
    uint32_t *tg, *tu; /* scan tasks */
    uint64_t base;     /* first task of the window (result pipeline) */
    void **parts;      /* per task of the window */
    uint8_t *ready;    /* aggregation: the task's partial is complete */
    uint64_t nparts;
    pthread_mutex_t mu;
    uint64_t next_merge;
    sq_aggpart *global;
    int64_t need; /* rows a task needs at most (limit + offset), -1 = all */
    /* stream sources (source.h read_next): tasks are numbered as batches are
     * read, under mu */
    bool stream;
    bool loop;            /* each task reads batches until the stream ends */
    bool stream_done;
    uint32_t sgroup;      /* index into kept groups being read */
    uint32_t *sgroups;    /* kept (opened) groups */
    uint32_t nsgroups;
    uint64_t next_seq;
    uint64_t partcap;
} prun;

struct sq_exec {
    sq_plan *plan;
    const char *sql;
    sq_mem *mem;
    uint32_t nthreads;
    int64_t now_us;
    const volatile int *interrupt;
    bool no_prune;  /* scans keep every group and unit */
    bool analyze;   /* count rows and time per operator (EXPLAIN ANALYZE) */
    bool prepared, done, final_done;
    prun root;
    uint64_t next_task;
    /* window output */
    uint64_t wpart, wblock;
    int64_t skip, left; /* offset to skip, rows left (-1 = no limit) */
    uint32_t outsel[SQ_CHUNK];
    sq_coll **owned; /* collections produced by pipelines */
    uint32_t nowned;
};

/* ---- worker state ------------------------------------------------------- */

static void ws_free(wstate *w, const sq_pipe *p, uint32_t nslots) {
    if (!w) return;
    if (w->cx.scratch)
        for (uint32_t i = 0; i < nslots; i++) sq_vec_free(w->cx.scratch[i]);
    free(w->cx.scratch);
    st_batch_free(w->rb);
    st_batch_free(w->rbf);
    free(w->fsel);
    free(w->views);
    free(w->vptr);
    free(w->scansel);
    for (uint32_t i = 0; i < p->nops; i++) {
        if (w->opsel) free(w->opsel[i]);
        if (w->opcols) free(w->opcols[i]);
        if (w->opexp && w->opexp[i]) {
            for (uint32_t k = 0; k < p->ops[i].nout; k++) sq_vec_free(w->opexp[i][k]);
            free(w->opexp[i]);
        }
        if (w->probe) sq_probe_state_free(w->probe[i]);
    }
    free(w->opsel);
    free(w->opcols);
    free(w->opexp);
    free(w->probe);
    free(w->sinkcols);
    free(w);
}

static wstate *ws_new(prun *R, st_error *e) {
    sq_pipe *p = R->p;
    wstate *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->cx.sql = R->X->sql;
    w->cx.now_us = R->X->now_us;
    w->cx.nscratch = R->X->plan->nslots;
    w->cx.scratch = calloc(w->cx.nscratch ? w->cx.nscratch : 1, sizeof *w->cx.scratch);
    uint32_t nsrc = p->nsrc ? p->nsrc : 1;
    w->views = calloc(nsrc, sizeof *w->views);
    w->vptr = calloc(nsrc, sizeof *w->vptr);
    w->scansel = malloc(SQ_CHUNK * sizeof *w->scansel);
    uint32_t nops = p->nops ? p->nops : 1;
    w->opsel = calloc(nops, sizeof *w->opsel);
    w->opcols = calloc(nops, sizeof *w->opcols);
    w->opexp = calloc(nops, sizeof *w->opexp);
    w->probe = calloc(nops, sizeof *w->probe);
    uint32_t nsink = p->nsink + (p->join ? p->join->nkeys : 0);
    w->sinkcols = calloc(nsink ? nsink : 1, sizeof *w->sinkcols);
    if (!w->cx.scratch || !w->views || !w->vptr || !w->scansel || !w->opsel || !w->opcols ||
        !w->opexp || !w->probe || !w->sinkcols)
        goto nomem;
    for (uint32_t i = 0; i < p->nops; i++) {
        sq_pop *o = &p->ops[i];
        if (o->kind == PO_FILTER) {
            w->opsel[i] = malloc(SQ_CHUNK * sizeof **w->opsel);
            if (!w->opsel[i]) goto nomem;
        } else if (o->kind == PO_PROJECT) {
            w->opcols[i] = calloc(o->nout ? o->nout : 1, sizeof **w->opcols);
            w->opexp[i] = calloc(o->nout ? o->nout : 1, sizeof **w->opexp);
            if (!w->opcols[i] || !w->opexp[i]) goto nomem;
        } else if (o->kind == PO_PROBE) {
            w->probe[i] = sq_probe_state_new(o->join, o->nout);
            if (!w->probe[i]) goto nomem;
        }
    }
    if (p->src_kind == PS_SCAN) {
        w->rb = st_batch_new(p->scan->types, p->scan->ncols, 0);
        if (!w->rb) goto nomem;
        if (p->scan->nfcols) {
            st_type ft[64];
            if (p->scan->nfcols > 64) goto nomem;
            for (uint32_t i = 0; i < p->scan->nfcols; i++) ft[i] = p->scan->types[p->scan->fcols[i]];
            w->rbf = st_batch_new(ft, p->scan->nfcols, 0);
            w->fsel = malloc(SQ_CHUNK * sizeof *w->fsel);
            if (!w->rbf || !w->fsel) goto nomem;
        }
    }
    return w;
nomem:
    st_error_set(e, ST_ERR_NOMEM, "out of memory (worker state)");
    ws_free(w, p, R->X->plan->nslots);
    return NULL;
}

/* ---- pushing chunks ----------------------------------------------------- */

static st_status push(prun *R, wstate *w, uint32_t opi, const sq_chunk *ch, st_error *e);

typedef struct emitctx {
    prun *R;
    wstate *w;
    uint32_t opi;
} emitctx;

static st_status emit_next(void *ctx, const sq_chunk *ch, st_error *e) {
    emitctx *c = ctx;
    return push(c->R, c->w, c->opi, ch, e);
}

static st_status sink(prun *R, wstate *w, const sq_chunk *ch, st_error *e) {
    sq_pipe *p = R->p;
    void *part = w->part;
    sq_chunk sc;
    switch (p->sink_kind) {
    case SK_AGG: return sq_aggpart_update(p->agg, part, &w->cx, ch, e);
    case SK_BUILD: {
        sq_join *j = p->join;
        for (uint32_t q = 0; q < j->nkeys; q++) {
            sq_vec v;
            ST_TRY(sq_eval(&w->cx, p->bkeys[q], ch, ch->sel, ch->n, &v, e));
            if (v.c) return st_error_set(e, ST_ERR_UNSUPPORTED, "a constant join key");
            w->sinkcols[q] = v.v;
        }
        for (uint32_t i = 0; i < p->nsink; i++) w->sinkcols[j->nkeys + i] = ch->cols[p->sinkmap[i]];
        sc = *ch;
        sc.ncols = j->nkeys + p->nsink;
        sc.cols = w->sinkcols;
        return sq_coll_append(part, &sc, e);
    }
    case SK_SORT:
        for (uint32_t i = 0; i < p->nsink; i++) w->sinkcols[i] = ch->cols[p->sinkmap[i]];
        sc = *ch;
        sc.ncols = p->nsink;
        sc.cols = w->sinkcols;
        return sq_sortpart_add(p->sort, part, &w->cx, &sc, e);
    case SK_COLL:
    case SK_RESULT: {
        for (uint32_t i = 0; i < p->nsink; i++) w->sinkcols[i] = ch->cols[p->sinkmap[i]];
        sc = *ch;
        sc.ncols = p->nsink;
        sc.cols = w->sinkcols;
        sq_coll *c = part;
        if (R->need >= 0) {
            uint64_t have = c->rows;
            if (have >= (uint64_t)R->need) {
                w->stop = true;
                return ST_OK;
            }
            uint64_t room = (uint64_t)R->need - have;
            if (sc.n > room) sc.n = (uint32_t)room;
            if (have + sc.n >= (uint64_t)R->need) w->stop = true;
            if (!sc.sel && sc.n < sc.len) {
                /* dense chunk cut short: the first n rows */
                sc.len = sc.n;
            }
        }
        return sq_coll_append(c, &sc, e);
    }
    default: return st_error_set(e, ST_ERR_INTERNAL, "no sink");
    }
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static st_status push_op(prun *R, wstate *w, uint32_t opi, const sq_chunk *ch, st_error *e);

/* Push a chunk into operator opi (nops: the sink).  EXPLAIN ANALYZE counts
 * the rows entering each operator and the time spent there and downstream;
 * sq_explain.c subtracts the next operator's time. */
static st_status push(prun *R, wstate *w, uint32_t opi, const sq_chunk *ch, st_error *e) {
    if (ch->n == 0 || w->stop) return ST_OK;
    sq_opstats *an = R->p->an;
    if (!an) return push_op(R, w, opi, ch, e);
    uint64_t t0 = now_ns();
    st_status rc = push_op(R, w, opi, ch, e);
    atomic_fetch_add_explicit(&an[opi].ns, now_ns() - t0, memory_order_relaxed);
    atomic_fetch_add_explicit(&an[opi].rows, ch->n, memory_order_relaxed);
    atomic_fetch_add_explicit(&an[opi].calls, 1, memory_order_relaxed);
    return rc;
}

static st_status push_op(prun *R, wstate *w, uint32_t opi, const sq_chunk *ch, st_error *e) {
    sq_pipe *p = R->p;
    if (opi == p->nops) return sink(R, w, ch, e);
    sq_pop *o = &p->ops[opi];
    switch (o->kind) {
    case PO_FILTER: {
        uint32_t n2;
        ST_TRY(sq_select(&w->cx, o->pred, ch, ch->sel, ch->n, w->opsel[opi], &n2, e));
        if (!n2) return ST_OK;
        sq_chunk c2 = *ch;
        c2.sel = w->opsel[opi];
        c2.n = n2;
        return push(R, w, opi + 1, &c2, e);
    }
    case PO_PROJECT: {
        st_vector **cols = w->opcols[opi];
        for (uint32_t i = 0; i < o->nout; i++) {
            sq_vec v;
            ST_TRY(sq_eval(&w->cx, o->exprs[i], ch, ch->sel, ch->n, &v, e));
            if (v.c) {
                /* a constant column: expand it over the live rows */
                st_vector *x = w->opexp[opi][i];
                if (!x) {
                    x = w->opexp[opi][i] = sq_vec_new(v.v->type, SQ_CHUNK);
                    if (!x) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                }
                sq_vec_clear(x);
                for (uint32_t k = 0; k < ch->n; k++)
                    ST_TRY(sq_vec_copy_row(x, ch->sel ? ch->sel[k] : k, v.v, 0, e));
                x->len = ch->len;
                cols[i] = x;
            } else {
                cols[i] = v.v;
            }
        }
        sq_chunk c2 = *ch;
        c2.ncols = o->nout;
        c2.cols = cols;
        return push(R, w, opi + 1, &c2, e);
    }
    case PO_PROBE: {
        emitctx ec = {R, w, opi + 1};
        return sq_join_probe(o->join, w->probe[opi], &w->cx, ch, emit_next, &ec, e);
    }
    default: return st_error_set(e, ST_ERR_INTERNAL, "unknown operator");
    }
}

/* ---- tasks -------------------------------------------------------------- */

static st_status new_part(prun *R, uint64_t slot, void **out, st_error *e) {
    sq_pipe *p = R->p;
    sq_mem *mem = R->X->mem;
    void *part = NULL;
    switch (p->sink_kind) {
    case SK_AGG: part = sq_aggpart_new(p->agg, mem, e); break;
    case SK_SORT: part = sq_sortpart_new(p->sort, mem, e); break;
    case SK_BUILD:
        part = sq_coll_new(p->join->rows->types, p->join->rows->ncols, mem, "the JOIN build side", p->join->pos);
        break;
    default:
        part = sq_coll_new(p->sinktypes, p->nsink, mem,
                           p->sink_kind == SK_RESULT ? "the query result" : "a subquery result", p->pos);
        break;
    }
    if (!part) return e->code ? e->code : st_error_set(e, ST_ERR_NOMEM, "out of memory");
    R->parts[slot] = part;
    *out = part;
    return ST_OK;
}

static void free_part(const sq_pipe *p, void *part) {
    if (!part) return;
    switch (p->sink_kind) {
    case SK_AGG: sq_aggpart_free(part); break;
    case SK_SORT: sq_sortpart_free(part); break;
    default: sq_coll_free(part); break;
    }
}

static st_status check_interrupt(prun *R, st_error *e) {
    const volatile int *f = R->X->interrupt;
    if (f && *f) return st_error_set(e, ST_ERR_INTERRUPTED, "the query was interrupted");
    return ST_OK;
}

static st_status run_chunk(prun *R, wstate *w, const sq_chunk *ch, st_error *e) {
    return push(R, w, 0, ch, e);
}

/* Give the read batch room for a unit up front, in memory that transparent
 * huge pages may back (a unit's columns are megabytes: 4 KiB pages would
 * cost a fault each, which on virtual machines is most of a scan).  The
 * memory is left unzeroed: the source writes every row it reports. */
static void presize_batch(st_batch *b, uint64_t rows) {
    if (rows == 0 || rows > ST_SOURCE_UNIT_MAX) return;
    for (uint32_t i = 0; i < b->ncols; i++) {
        st_vector *v = b->cols[i];
        size_t w = st_type_width(v->type);
        if (v->cap >= rows || w == 0) continue;
        size_t bytes = (size_t)rows * w;
        size_t huge = (size_t)2 << 20;
        void *p;
        if (bytes >= huge) {
            bytes = (bytes + huge - 1) & ~(huge - 1);
            p = aligned_alloc(huge, bytes);
            if (p) madvise(p, bytes, MADV_HUGEPAGE);
        } else {
            p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        }
        if (!p) return; /* the source will grow the vector itself */
        if (v->data && v->len) memcpy(p, v->data, (size_t)v->len * w);
        free(v->data);
        v->data = p;
        if (v->validity) {
            uint64_t *nv = realloc(v->validity, ((size_t)rows + 63) / 64 * 8);
            if (!nv) return;
            v->validity = nv;
        }
        v->cap = (uint32_t)rows;
    }
}

/* push the rows of the batch just read (w->rb), chunk by chunk */
static st_status scan_batch(prun *R, wstate *w, st_error *e) {
    sq_scan *s = R->p->scan;
    st_status rc = ST_OK;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < w->rb->ncols; i++) bytes += st_vector_bytes(w->rb->cols[i]);
    ST_TRY(sq_mem_reserve(R->X->mem, bytes, "reading a table", s->pos, e));
    w->readbytes = bytes;
    st_batch *b = w->rb;
    uint32_t len = b->len;
    uint32_t si = 0;
    for (uint32_t off = 0; off < len && rc == ST_OK && !w->stop; off += SQ_CHUNK) {
        uint32_t cnt = len - off < SQ_CHUNK ? len - off : SQ_CHUNK;
        for (uint32_t i = 0; i < s->ncols; i++) {
            st_vector *src_v = b->cols[i];
            st_vector *v = &w->views[i];
            memset(v, 0, sizeof *v);
            v->type = src_v->type;
            v->data = (char *)src_v->data + (size_t)off * st_type_width(src_v->type);
            v->validity = src_v->validity ? src_v->validity + off / 64 : NULL;
            v->len = v->cap = cnt;
            w->vptr[i] = v;
        }
        sq_chunk ch = {s->ncols, w->vptr, cnt, NULL, cnt};
        if (b->sel) {
            uint32_t m = 0;
            while (si < b->sel_len && b->sel[si] < off + cnt) {
                if (b->sel[si] >= off) w->scansel[m++] = b->sel[si] - off;
                si++;
            }
            if (m < cnt) {
                ch.sel = w->scansel;
                ch.n = m;
            }
        }
        rc = check_interrupt(R, e);
        if (rc == ST_OK) rc = run_chunk(R, w, &ch, e);
    }
    sq_mem_release(R->X->mem, w->readbytes);
    w->readbytes = 0;
    return rc;
}

/* Filter-first: read only the filter's columns of the unit and test the
 * filter; false when no row passes (the unit's other columns are then never
 * read: a selective filter on a column without useful zone maps reads a
 * fraction of the table). */
static st_status unit_passes(prun *R, wstate *w, uint32_t g, uint32_t u, uint64_t rows, bool *pass,
                             st_error *e) {
    sq_scan *s = R->p->scan;
    st_source *src = s->src;
    uint32_t fsrc[64];
    for (uint32_t i = 0; i < s->nfcols; i++) fsrc[i] = s->cols[s->fcols[i]];
    st_batch *b = w->rbf;
    st_batch_reset(b);
    presize_batch(b, rows);
    ST_TRY(src->ops->read(src, g, u, fsrc, s->nfcols, b, e));
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < b->ncols; i++) bytes += st_vector_bytes(b->cols[i]);
    ST_TRY(sq_mem_reserve(R->X->mem, bytes, "reading a table", s->pos, e));
    st_status rc = ST_OK;
    *pass = false;
    uint32_t si = 0;
    for (uint32_t off = 0; off < b->len && rc == ST_OK && !*pass; off += SQ_CHUNK) {
        uint32_t cnt = b->len - off < SQ_CHUNK ? b->len - off : SQ_CHUNK;
        /* the filter addresses the scan's columns: put the filter's columns
         * at their places (the others are never touched by the filter) */
        for (uint32_t i = 0; i < s->ncols; i++) w->vptr[i] = NULL;
        for (uint32_t i = 0; i < s->nfcols; i++) {
            st_vector *sv = b->cols[i], *v = &w->views[s->fcols[i]];
            memset(v, 0, sizeof *v);
            v->type = sv->type;
            v->data = (char *)sv->data + (size_t)off * st_type_width(sv->type);
            v->validity = sv->validity ? sv->validity + off / 64 : NULL;
            v->len = v->cap = cnt;
            w->vptr[s->fcols[i]] = v;
        }
        sq_chunk ch = {s->ncols, w->vptr, cnt, NULL, cnt};
        if (b->sel) {
            uint32_t m = 0;
            while (si < b->sel_len && b->sel[si] < off + cnt) {
                if (b->sel[si] >= off) w->scansel[m++] = b->sel[si] - off;
                si++;
            }
            if (m < cnt) {
                ch.sel = w->scansel;
                ch.n = m;
            }
        }
        uint32_t n2 = 0;
        rc = sq_select(&w->cx, s->filter, &ch, ch.sel, ch.n, w->fsel, &n2, e);
        if (rc == ST_OK && n2) *pass = true;
    }
    sq_mem_release(R->X->mem, bytes);
    return rc;
}

static st_status scan_task(prun *R, wstate *w, uint64_t t, st_error *e) {
    sq_scan *s = R->p->scan;
    st_source *src = s->src;
    uint32_t g = R->tg[t], u = R->tu[t];
    bool an = R->p->an != NULL;
    uint64_t t0 = an ? now_ns() : 0;
    st_batch_reset(w->rb);
    {
        st_unit_info ui;
        memset(&ui, 0, sizeof ui);
        src->ops->unit_info(src, g, u, NULL, 0, &ui);
        if (s->nfcols) {
            bool pass;
            ST_TRY(unit_passes(R, w, g, u, ui.rows, &pass, e));
            if (an) {
                uint32_t fsrc[64];
                for (uint32_t i = 0; i < s->nfcols; i++) fsrc[i] = s->cols[s->fcols[i]];
                st_unit_info fi;
                memset(&fi, 0, sizeof fi);
                src->ops->unit_info(src, g, u, fsrc, s->nfcols, &fi);
                atomic_fetch_add_explicit(&s->bytes_read, fi.bytes, memory_order_relaxed);
            }
            if (!pass) {
                if (an) atomic_fetch_add_explicit(&s->read_ns, now_ns() - t0, memory_order_relaxed);
                return ST_OK;
            }
        }
        presize_batch(w->rb, ui.rows);
    }
    ST_TRY(src->ops->read(src, g, u, s->cols, s->ncols, w->rb, e));
    if (an) {
        st_unit_info ri;
        memset(&ri, 0, sizeof ri);
        src->ops->unit_info(src, g, u, s->cols, s->ncols, &ri);
        atomic_fetch_add_explicit(&s->bytes_read, ri.bytes, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->rows_read, w->rb->len, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->read_ns, now_ns() - t0, memory_order_relaxed);
    }
    return scan_batch(R, w, e);
}

/* Stream sources: read the next batch (serialized), give it the next task
 * number and a partial.  *got = false at the end of the stream. */
static st_status stream_pull(prun *R, wstate *w, uint64_t *seq, bool *got, st_error *e) {
    sq_scan *s = R->p->scan;
    st_source *src = s->src;
    st_status rc = ST_OK;
    *got = false;
    pthread_mutex_lock(&R->mu);
    while (!R->stream_done && !*got) {
        if (R->sgroup >= R->nsgroups) {
            R->stream_done = true;
            break;
        }
        if (!R->loop && R->next_seq >= R->base + R->nparts) break; /* window full */
        bool done = false;
        st_batch_reset(w->rb);
        uint64_t t0 = R->p->an ? now_ns() : 0;
        rc = src->ops->read_next(src, R->sgroups[R->sgroup], s->cols, s->ncols, w->rb, &done, e);
        if (rc != ST_OK) break;
        if (R->p->an) {
            atomic_fetch_add_explicit(&s->read_ns, now_ns() - t0, memory_order_relaxed);
            atomic_fetch_add_explicit(&s->rows_read, w->rb->len, memory_order_relaxed);
        }
        if (done) {
            R->sgroup++;
            continue;
        }
        uint64_t slot = R->next_seq - R->base;
        if (slot >= R->partcap) {
            uint64_t nc = R->partcap ? R->partcap * 2 : 64;
            while (nc <= slot) nc *= 2;
            void **np = realloc(R->parts, nc * sizeof *np);
            uint8_t *nr = np ? realloc(R->ready, nc) : NULL;
            if (np) R->parts = np;
            if (!np || !nr) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                break;
            }
            R->ready = nr;
            memset(R->parts + R->partcap, 0, (nc - R->partcap) * sizeof *np);
            memset(R->ready + R->partcap, 0, nc - R->partcap);
            R->partcap = nc;
        }
        rc = new_part(R, slot, &w->part, e);
        if (rc != ST_OK) break;
        *seq = R->next_seq++;
        if (R->loop && R->next_seq - R->base > R->nparts) R->nparts = R->next_seq - R->base;
        *got = true;
    }
    pthread_mutex_unlock(&R->mu);
    return rc;
}

static st_status coll_task(prun *R, wstate *w, uint64_t t, st_error *e) {
    sq_coll *c = *R->p->src_coll;
    if (!c) return ST_OK;
    uint64_t b0 = t * SQ_BLOCKS_PER_TASK;
    for (uint64_t b = b0; b < b0 + SQ_BLOCKS_PER_TASK && b < c->nblocks && !w->stop; b++) {
        sq_block *bl = c->blocks[b];
        sq_chunk ch = {c->ncols, bl->cols, bl->n, NULL, bl->n};
        ST_TRY(check_interrupt(R, e));
        ST_TRY(run_chunk(R, w, &ch, e));
    }
    return ST_OK;
}

static st_status merge_ready(prun *R, wstate *w, st_error *e) {
    /* merge every partial whose predecessors are merged, in task order */
    st_status rc = ST_OK;
    pthread_mutex_lock(&R->mu);
    while (rc == ST_OK && R->next_merge < R->nparts && R->ready[R->next_merge]) {
        void *part = R->parts[R->next_merge];
        rc = sq_aggpart_merge(R->p->agg, R->global, part, w ? &w->cx : NULL, e);
        sq_aggpart_free(part);
        R->parts[R->next_merge] = NULL;
        R->next_merge++;
    }
    pthread_mutex_unlock(&R->mu);
    return rc;
}

static st_status finish_task(prun *R, wstate *w, uint64_t slot, st_error *e) {
    if (R->p->sink_kind == SK_AGG) {
        /* publish, then merge what is ready */
        pthread_mutex_lock(&R->mu);
        R->ready[slot] = 1;
        pthread_mutex_unlock(&R->mu);
        return merge_ready(R, w, e);
    }
    return ST_OK;
}

static st_status stream_task(prun *R, wstate *w, st_error *e) {
    for (;;) {
        uint64_t seq;
        bool got;
        ST_TRY(stream_pull(R, w, &seq, &got, e));
        if (!got) return ST_OK;
        w->stop = false;
        w->task = seq;
        ST_TRY(check_interrupt(R, e));
        ST_TRY(scan_batch(R, w, e));
        ST_TRY(finish_task(R, w, seq - R->base, e));
        if (!R->loop) return ST_OK;
    }
}

static st_status task_fn(void *ctx, uint64_t t, uint32_t worker, st_error *e) {
    prun *R = ctx;
    if (!R->ws[worker]) {
        R->ws[worker] = ws_new(R, e);
        if (!R->ws[worker]) return e->code;
    }
    wstate *w = R->ws[worker];
    if (R->stream) return stream_task(R, w, e);
    w->stop = false;
    w->task = R->base + t;
    uint64_t slot = t;
    st_status rc = new_part(R, slot, &w->part, e);
    if (rc != ST_OK) return rc;
    switch (R->p->src_kind) {
    case PS_SCAN: rc = scan_task(R, w, R->base + t, e); break;
    case PS_COLL: rc = coll_task(R, w, R->base + t, e); break;
    default: {
        sq_chunk ch = {0, NULL, 1, NULL, 1};
        rc = run_chunk(R, w, &ch, e);
        break;
    }
    }
    if (rc != ST_OK) return rc;
    return finish_task(R, w, slot, e);
}

/* LEFT JOINs that built on their preserved side emit their unmatched build
 * rows once every probe is done: one more task, the last, run alone, that
 * pushes them through the operators after the probe (in operator order, so
 * a later such join sees them too). */
static bool has_final(const sq_pipe *p) {
    for (uint32_t i = 0; i < p->nops; i++)
        if (p->ops[i].kind == PO_PROBE && p->ops[i].join->preserve_build) return true;
    return false;
}

static st_status run_final(prun *R, uint64_t slot, st_error *e) {
    if (!R->ws[0]) {
        R->ws[0] = ws_new(R, e);
        if (!R->ws[0]) return e->code;
    }
    wstate *w = R->ws[0];
    w->stop = false;
    w->task = R->base + slot;
    ST_TRY(new_part(R, slot, &w->part, e));
    sq_pipe *p = R->p;
    for (uint32_t i = 0; i < p->nops && !w->stop; i++) {
        if (p->ops[i].kind != PO_PROBE || !p->ops[i].join->preserve_build) continue;
        emitctx ec = {R, w, i + 1};
        ST_TRY(sq_join_emit_unmatched(p->ops[i].join, w->probe[i], p->ops[i].join->ptypes, emit_next,
                                      &ec, e));
    }
    return finish_task(R, w, slot, e);
}

/* room for one more partial (the final task) */
static st_status grow_parts(prun *R, uint64_t need, st_error *e) {
    if (need <= R->partcap && R->parts) return ST_OK;
    void **np = realloc(R->parts, need * sizeof *np);
    if (!np) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    R->parts = np;
    uint8_t *nr = realloc(R->ready, need);
    if (!nr) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    R->ready = nr;
    uint64_t old = R->partcap < R->nparts ? R->nparts : R->partcap;
    if (old > need) old = need;
    for (uint64_t i = old; i < need; i++) {
        R->parts[i] = NULL;
        R->ready[i] = 0;
    }
    R->partcap = need;
    return ST_OK;
}

/* ---- preparing tasks ---------------------------------------------------- */

static st_status prepare_tasks(prun *R, st_error *e) {
    sq_pipe *p = R->p;
    R->ntasks = 0;
    if (p->src_kind == PS_ONE) {
        R->ntasks = 1;
        return ST_OK;
    }
    if (p->src_kind == PS_COLL) {
        sq_coll *c = *p->src_coll;
        R->ntasks = c ? (c->nblocks + SQ_BLOCKS_PER_TASK - 1) / SQ_BLOCKS_PER_TASK : 0;
        return ST_OK;
    }
    sq_scan *s = p->scan;
    ST_TRY(sq_scan_prepare(s, R->nthreads, R->X->no_prune, e));
    if (s->src->ops->read_next) {
        /* a stream: tasks are numbered as batches are read */
        R->stream = true;
        R->sgroups = s->tasks.groups;
        R->nsgroups = s->tasks.ngroups;
        R->ntasks = 0;
    } else {
        R->tg = s->tasks.tg;
        R->tu = s->tasks.tu;
        R->ntasks = s->tasks.ntasks;
    }
    return ST_OK;
}

static st_status prun_init(sq_exec *X, sq_pipe *p, prun *R, st_error *e) {
    memset(R, 0, sizeof *R);
    R->X = X;
    R->p = p;
    R->nthreads = X->nthreads;
    R->need = -1;
    pthread_mutex_init(&R->mu, NULL);
    return prepare_tasks(R, e);
}

static void prun_free(prun *R) {
    if (!R->p) return;
    for (uint32_t i = 0; i < ST_MAX_THREADS; i++) ws_free(R->ws[i], R->p, R->X->plan->nslots);
    if (R->parts) {
        for (uint64_t i = 0; i < R->nparts; i++) free_part(R->p, R->parts[i]);
        free(R->parts);
    }
    free(R->ready);
    if (R->global) sq_aggpart_free(R->global);
    pthread_mutex_destroy(&R->mu);
    memset(R, 0, sizeof *R);
}

static st_status own(sq_exec *X, sq_coll *c, st_error *e) {
    sq_coll **n = realloc(X->owned, (X->nowned + 1) * sizeof *n);
    if (!n) {
        sq_coll_free(c);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    X->owned = n;
    X->owned[X->nowned++] = c;
    return ST_OK;
}

/* keep rows [offset, offset + limit) of src, in order, into dst */
static st_status cut_rows(sq_coll *dst, sq_coll *src, int64_t offset, int64_t limit, st_error *e) {
    uint64_t skip = (uint64_t)(offset > 0 ? offset : 0);
    uint64_t left = limit >= 0 ? (uint64_t)limit : UINT64_MAX;
    uint32_t sel[SQ_CHUNK];
    for (uint32_t b = 0; b < src->nblocks && left; b++) {
        sq_block *bl = src->blocks[b];
        uint32_t start = 0;
        if (skip) {
            uint32_t s = skip < bl->n ? (uint32_t)skip : bl->n;
            start = s;
            skip -= s;
        }
        uint32_t m = 0;
        for (uint32_t k = start; k < bl->n && m < left; k++) sel[m++] = k;
        if (!m) continue;
        sq_chunk ch = {src->ncols, bl->cols, bl->n, sel, m};
        ST_TRY(sq_coll_append(dst, &ch, e));
        left -= m;
    }
    return ST_OK;
}

/* run a non-result pipeline to completion */
static st_status run_pipe(sq_exec *X, sq_pipe *p, st_error *e) {
    prun R;
    st_status rc = prun_init(X, p, &R, e);
    if (rc != ST_OK) goto done;
    R.nparts = R.ntasks;
    R.parts = calloc(R.ntasks ? R.ntasks : 1, sizeof *R.parts);
    R.ready = calloc(R.ntasks ? R.ntasks : 1, 1);
    if (!R.parts || !R.ready) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (p->sink_kind == SK_AGG) {
        R.global = sq_aggpart_new(p->agg, X->mem, e);
        if (!R.global) {
            rc = e->code;
            goto done;
        }
        sq_aggpart_set_global(R.global);
    }
    if (p->sink_kind == SK_COLL && p->limit >= 0) R.need = p->limit + p->offset;
    if (R.stream) {
        /* every thread reads batches until the stream ends */
        free(R.parts);
        free(R.ready);
        R.parts = NULL;
        R.ready = NULL;
        R.nparts = 0;
        R.loop = true;
        rc = st_parallel_for(X->nthreads, X->nthreads, task_fn, &R, e);
        R.ntasks = R.next_seq;
        R.nparts = R.next_seq;
        if (rc == ST_OK && p->sink_kind == SK_AGG) rc = merge_ready(&R, NULL, e);
    } else {
        rc = st_parallel_for(X->nthreads, R.ntasks, task_fn, &R, e);
        R.partcap = R.ntasks;
    }
    if (rc == ST_OK && has_final(p)) {
        rc = grow_parts(&R, R.ntasks + 1, e);
        if (rc == ST_OK) {
            R.nparts = R.ntasks + 1;
            rc = run_final(&R, R.ntasks, e);
            R.ntasks++;
        }
    }
    if (rc != ST_OK) goto done;
    switch (p->sink_kind) {
    case SK_AGG: {
        /* every task merged itself in order; finish */
        sq_ectx *cx = R.ws[0] ? &R.ws[0]->cx : NULL;
        (void)cx;
        if (R.next_merge != R.ntasks) {
            rc = st_error_set(e, ST_ERR_INTERNAL, "aggregation: %llu of %llu partials merged",
                              (unsigned long long)R.next_merge, (unsigned long long)R.ntasks);
            goto done;
        }
        sq_coll *out;
        rc = sq_aggpart_finish(p->agg, R.global, X->mem, &out, e);
        if (rc != ST_OK) goto done;
        p->out = out;
        rc = own(X, out, e);
        break;
    }
    case SK_BUILD: {
        sq_join *j = p->join;
        j->rows->mem = X->mem;
        for (uint64_t i = 0; i < R.ntasks && rc == ST_OK; i++)
            if (R.parts[i]) rc = sq_coll_move(j->rows, R.parts[i], e);
        if (rc == ST_OK) rc = sq_join_finish_build(j, X->mem, e);
        break;
    }
    case SK_SORT: {
        sq_coll *out;
        rc = sq_sort_finish(p->sort, (sq_sortpart **)R.parts, (uint32_t)R.ntasks, X->mem, &out, e);
        if (rc != ST_OK) goto done;
        p->out = out;
        rc = own(X, out, e);
        break;
    }
    case SK_COLL: {
        sq_coll *dst = p->out;
        dst->mem = X->mem;
        if (p->limit >= 0 || p->offset > 0) {
            sq_coll *all = sq_coll_new(dst->types, dst->ncols, X->mem, "a subquery result", p->pos);
            if (!all) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                goto done;
            }
            for (uint64_t i = 0; i < R.ntasks && rc == ST_OK; i++)
                if (R.parts[i]) rc = sq_coll_move(all, R.parts[i], e);
            if (rc == ST_OK) rc = cut_rows(dst, all, p->offset, p->limit, e);
            sq_coll_free(all);
        } else {
            for (uint64_t i = 0; i < R.ntasks && rc == ST_OK; i++)
                if (R.parts[i]) rc = sq_coll_move(dst, R.parts[i], e);
        }
        break;
    }
    default: rc = st_error_set(e, ST_ERR_INTERNAL, "bad pipeline sink");
    }
done:
    prun_free(&R);
    return rc;
}

/* ---- the result pipeline ------------------------------------------------ */

st_status sq_exec_new(sq_plan *plan, const char *sql, sq_mem *mem, const st_sql_opts *o,
                      int64_t now_us, sq_exec **out, st_error *e) {
    sq_exec *X = calloc(1, sizeof *X);
    if (!X) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    X->plan = plan;
    X->sql = sql;
    X->mem = mem;
    X->nthreads = st_thread_count(o ? (long)o->threads : 0);
    X->now_us = now_us;
    X->interrupt = o ? o->interrupt : NULL;
    X->no_prune = o && o->no_prune;
    X->analyze = o && o->analyze;
    if (X->analyze)
        for (uint32_t i = 0; i < plan->npipes; i++) {
            sq_pipe *p = plan->pipes[i];
            p->an = calloc(p->nops + 1, sizeof *p->an);
            if (!p->an) {
                sq_exec_free(X);
                return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            }
        }
    *out = X;
    return ST_OK;
}

void sq_exec_free(sq_exec *X) {
    if (!X) return;
    if (X->analyze)
        for (uint32_t i = 0; i < X->plan->npipes; i++) {
            free(X->plan->pipes[i]->an);
            X->plan->pipes[i]->an = NULL;
        }
    prun_free(&X->root);
    for (uint32_t i = 0; i < X->nowned; i++) sq_coll_free(X->owned[i]);
    free(X->owned);
    free(X);
}

static st_status prepare(sq_exec *X, st_error *e) {
    sq_plan *pl = X->plan;
    for (uint32_t i = 0; i + 1 < pl->npipes; i++) ST_TRY(run_pipe(X, pl->pipes[i], e));
    sq_pipe *rp = pl->pipes[pl->npipes - 1];
    ST_TRY(prun_init(X, rp, &X->root, e));
    X->skip = rp->offset > 0 ? rp->offset : 0;
    X->left = rp->limit;
    if (rp->limit >= 0) X->root.need = rp->limit + X->skip;
    X->prepared = true;
    return ST_OK;
}

static void free_window(sq_exec *X) {
    prun *R = &X->root;
    if (R->parts) {
        for (uint64_t i = 0; i < R->nparts; i++) free_part(R->p, R->parts[i]);
        free(R->parts);
        R->parts = NULL;
    }
    free(R->ready);
    R->ready = NULL;
    R->nparts = 0;
    R->partcap = 0;
    X->wpart = X->wblock = 0;
}

static st_status run_window(sq_exec *X, st_error *e) {
    prun *R = &X->root;
    free_window(X);
    if (R->stream) {
        /* up to one batch per thread, numbered as read */
        uint64_t w = X->nthreads;
        R->parts = calloc(w, sizeof *R->parts);
        R->ready = calloc(w, 1);
        if (!R->parts || !R->ready) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        R->partcap = w;
        R->nparts = w;
        R->base = R->next_seq;
        st_status rc = st_parallel_for(X->nthreads, w, task_fn, R, e);
        R->nparts = R->next_seq - R->base;
        return rc;
    }
    uint64_t w = X->nthreads;
    if (R->p->src_kind == PS_COLL) w *= 4;
    if (X->next_task + w > R->ntasks) w = R->ntasks - X->next_task;
    R->parts = calloc(w ? w : 1, sizeof *R->parts);
    if (!R->parts) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    R->nparts = w;
    R->base = X->next_task;
    st_status rc = st_parallel_for(X->nthreads, w, task_fn, R, e);
    X->next_task += w;
    return rc;
}

st_status sq_exec_next(sq_exec *X, sq_chunk *ch, st_error *e) {
    memset(ch, 0, sizeof *ch);
    if (X->done) return ST_OK;
    if (!X->prepared) ST_TRY(prepare(X, e));
    prun *R = &X->root;
    for (;;) {
        if (X->left == 0) {
            X->done = true;
            return ST_OK;
        }
        /* next block of the current window */
        while (X->wpart < R->nparts) {
            sq_coll *c = R->parts[X->wpart];
            if (!c || X->wblock >= c->nblocks) {
                X->wpart++;
                X->wblock = 0;
                continue;
            }
            sq_block *b = c->blocks[X->wblock++];
            uint32_t start = 0, n = b->n;
            if (X->skip) {
                uint32_t s = (uint64_t)X->skip < n ? (uint32_t)X->skip : n;
                start = s;
                X->skip -= s;
            }
            uint32_t m = n - start;
            if (X->left >= 0 && (int64_t)m > X->left) m = (uint32_t)X->left;
            if (!m) continue;
            if (X->left >= 0) X->left -= m;
            ch->ncols = c->ncols;
            ch->cols = b->cols;
            ch->len = b->n;
            if (start || m < n) {
                for (uint32_t k = 0; k < m; k++) X->outsel[k] = start + k;
                ch->sel = X->outsel;
            }
            ch->n = m;
            return ST_OK;
        }
        if (R->stream ? R->stream_done : X->next_task >= R->ntasks) {
            if (!X->final_done && has_final(R->p)) {
                X->final_done = true;
                free_window(X);
                R->parts = calloc(1, sizeof *R->parts);
                R->ready = calloc(1, 1);
                if (!R->parts || !R->ready) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                R->partcap = R->nparts = 1;
                R->base = R->stream ? R->next_seq : X->next_task;
                ST_TRY(run_final(R, 0, e));
                continue;
            }
            X->done = true;
            free_window(X);
            return ST_OK;
        }
        ST_TRY(run_window(X, e));
    }
}
