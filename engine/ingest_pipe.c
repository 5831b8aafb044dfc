/*
 * ingest_pipe.c: the writer pipe (see ingest_int.h).
 *
 * Each writer thread has its own bounded queue.  The pushing thread numbers
 * segments 0, 1, 2, ... (a new one when the current one is full, when the
 * schema changes, and after a drain) and sends segment k's rows to writer
 * k mod n, so every segment holds consecutive rows and several segments are
 * encoded at once.  A drain sends a FLUSH to every writer, waits for all of
 * them, and returns the finished records sorted by segment number.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/ingest_int.h"
#include "engine/segbuild.h"

typedef enum { IT_ROWS, IT_FLUSH } item_kind;

typedef struct item {
    item_kind kind;
    uint64_t seg;
    const st_tschema *schema;
    st_batch *b;
    int64_t *lines;
    char *source;
} item;

typedef struct wq {
    item *items;
    uint32_t cap, head, n;
    pthread_cond_t not_empty, not_full;
    bool flushed; /* the last FLUSH was handled */
} wq;

typedef struct done_rec {
    uint64_t seg;
    st_segrec rec;
} done_rec;

struct st_wpipe {
    st_table *t;
    uint32_t nw;
    uint64_t seg_rows;
    pthread_t *threads;
    wq *q;
    pthread_mutex_t mu;
    pthread_cond_t flush_cv;
    bool stop;
    st_error err; /* sticky */
    /* pushing side */
    uint64_t cur_seg, cur_rows;
    bool seg_open;
    st_tschema **schemas;
    uint32_t nschemas;
    /* finished segments */
    done_rec *done;
    uint32_t ndone, done_cap;
    /* batches the writers are done with, reused by the next clones */
    st_batch **pool;
    uint32_t npool, pool_cap;
};

typedef struct warg {
    st_wpipe *p;
    uint32_t w;
} warg;

/* ---- cloning a batch ------------------------------------------------------------ */

typedef struct pinrange {
    const char *lo, *hi;
} pinrange;

/* A batch of these column types with room for n rows: from the pool when
 * one fits (no allocation, no zeroing), else a new one. */
static st_batch *get_batch(st_wpipe *p, const st_batch *like, uint32_t n) {
    st_batch *o = NULL;
    pthread_mutex_lock(&p->mu);
    while (p->npool && !o) {
        st_batch *c = p->pool[--p->npool];
        bool fit = c->ncols == like->ncols;
        for (uint32_t i = 0; fit && i < c->ncols; i++)
            fit = st_type_eq(c->cols[i]->type, like->cols[i]->type) && c->cols[i]->cap >= n;
        if (fit) o = c;
        else {
            pthread_mutex_unlock(&p->mu);
            st_batch_free(c);
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (o) {
        st_batch_reset(o);
        return o;
    }
    st_type *types = malloc((like->ncols ? like->ncols : 1) * sizeof *types);
    if (!types) return NULL;
    for (uint32_t c = 0; c < like->ncols; c++) types[c] = like->cols[c]->type;
    uint32_t cap = n < ST_VECTOR_SIZE ? ST_VECTOR_SIZE : n;
    o = st_batch_new(types, like->ncols, cap);
    free(types);
    return o;
}

static void put_batch(st_wpipe *p, st_batch *b) {
    if (!b) return;
    pthread_mutex_lock(&p->mu);
    if (p->npool == p->pool_cap && p->pool_cap < 256) {
        uint32_t nc = p->pool_cap ? p->pool_cap * 2 : 16;
        st_batch **n = realloc(p->pool, nc * sizeof *n);
        if (n) {
            p->pool = n;
            p->pool_cap = nc;
        }
    }
    if (p->npool < p->pool_cap) {
        /* release pinned inputs now: a pooled batch must not keep a mapped
         * file alive */
        for (uint32_t c = 0; c < b->ncols; c++) st_vector_reset(b->cols[c]);
        p->pool[p->npool++] = b;
        b = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    st_batch_free(b);
}

/* The live rows of b, compacted, owning or pinning everything they point to. */
static st_batch *clone_batch(st_wpipe *p, const st_batch *b, const int64_t *lines, int64_t **out_lines) {
    uint32_t n = st_batch_live(b);
    st_batch *o = get_batch(p, b, n ? n : 1);
    int64_t *ol = malloc((n ? n : 1) * sizeof *ol);
    if (!o || !ol) goto fail;
    for (uint32_t i = 0; i < n; i++) ol[i] = lines[b->sel ? b->sel[i] : i];
    for (uint32_t c = 0; c < b->ncols; c++) {
        const st_vector *s = b->cols[c];
        st_vector *d = o->cols[c];
        size_t w = st_type_width(s->type);
        if (b->sel) {
            for (uint32_t i = 0; i < n; i++)
                memcpy((char *)d->data + (size_t)i * w, (const char *)s->data + (size_t)b->sel[i] * w, w);
        } else {
            memcpy(d->data, s->data, (size_t)n * w);
        }
        if (s->validity) {
            uint64_t *vd = st_vector_validity(d);
            if (!vd) goto fail;
            if (b->sel) {
                memset(vd, 0, ((size_t)n + 63) / 64 * 8);
                for (uint32_t i = 0; i < n; i++)
                    if (!st_vector_is_null(s, b->sel[i])) vd[i >> 6] |= UINT64_C(1) << (i & 63);
            } else {
                memcpy(vd, s->validity, ((size_t)n + 63) / 64 * 8);
            }
        }
        if (st_type_is_string(s->type)) {
            pinrange pr[8];
            uint32_t npr = s->npins < 8 ? s->npins : 8;
            for (uint32_t i = 0; i < s->npins; i++)
                if (st_vector_pin(d, s->pins[i], NULL) != ST_OK) goto fail;
            for (uint32_t i = 0; i < npr; i++) {
                pr[i].lo = st_buf_data(s->pins[i]);
                pr[i].hi = pr[i].lo + st_buf_len(s->pins[i]);
            }
            st_str *ds = ST_VEC(d, st_str);
            for (uint32_t i = 0; i < n; i++) {
                if (!ds[i].len) continue;
                const char *q = ds[i].ptr;
                bool pinned = false;
                for (uint32_t k = 0; k < npr && !pinned; k++) pinned = q >= pr[k].lo && q < pr[k].hi;
                if (pinned || (d->validity && st_vector_is_null(d, i))) continue;
                char *copy = st_vector_str_alloc(d, ds[i].len);
                if (!copy) goto fail;
                memcpy(copy, q, ds[i].len);
                ds[i].ptr = copy;
            }
        }
        d->len = n;
    }
    o->len = n;
    *out_lines = ol;
    return o;
fail:
    st_batch_free(o);
    free(ol);
    return NULL;
}

/* ---- writers -------------------------------------------------------------------- */

static void set_err(st_wpipe *p, const st_error *e) {
    pthread_mutex_lock(&p->mu);
    if (!p->err.code) p->err = *e;
    pthread_mutex_unlock(&p->mu);
}

static void item_free(item *it) {
    st_batch_free(it->b);
    free(it->lines);
    free(it->source);
    memset(it, 0, sizeof *it);
}

static void finish_open(st_wpipe *p, st_segbuild **sb, uint64_t seg) {
    if (!*sb) return;
    st_segbuild *b = *sb;
    *sb = NULL;
    st_error e;
    pthread_mutex_lock(&p->mu);
    bool failed = p->err.code != ST_OK;
    pthread_mutex_unlock(&p->mu);
    if (failed || st_segbuild_rows(b) == 0) {
        st_segbuild_abort(b);
        return;
    }
    st_segrec rec;
    if (st_segbuild_finish(b, &rec, &e) != ST_OK) {
        set_err(p, &e);
        return;
    }
    pthread_mutex_lock(&p->mu);
    if (p->ndone == p->done_cap) {
        uint32_t nc = p->done_cap ? p->done_cap * 2 : 8;
        done_rec *n = realloc(p->done, nc * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&p->mu);
            st_segrec_clear(&rec);
            st_error_set(&e, ST_ERR_NOMEM, "out of memory");
            set_err(p, &e);
            return;
        }
        p->done = n;
        p->done_cap = nc;
    }
    p->done[p->ndone].seg = seg;
    p->done[p->ndone++].rec = rec;
    pthread_mutex_unlock(&p->mu);
}

static void *writer_main(void *arg) {
    warg *a = arg;
    st_wpipe *p = a->p;
    wq *q = &p->q[a->w];
    st_segbuild *sb = NULL;
    uint64_t sb_seg = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (q->n == 0 && !p->stop) pthread_cond_wait(&q->not_empty, &p->mu);
        if (q->n == 0 && p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        item it = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->n--;
        bool failed = p->err.code != ST_OK;
        pthread_cond_signal(&q->not_full);
        pthread_mutex_unlock(&p->mu);
        if (it.kind == IT_FLUSH) {
            finish_open(p, &sb, sb_seg);
            pthread_mutex_lock(&p->mu);
            q->flushed = true;
            pthread_cond_broadcast(&p->flush_cv);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        if (!failed) {
            st_error e;
            if (sb && sb_seg != it.seg) finish_open(p, &sb, sb_seg);
            st_status rc = ST_OK;
            if (!sb) {
                rc = st_segbuild_new(p->t, it.schema, false, NULL, &sb, &e);
                sb_seg = it.seg;
            }
            if (!rc) {
                st_lineage_run run = {0, it.source, ST_LINEAGE_THIS, ST_LINEAGE_THIS};
                rc = st_segbuild_add(sb, it.b, it.lines, &run, &e);
            }
            if (rc) set_err(p, &e);
        }
        put_batch(p, it.b);
        it.b = NULL;
        item_free(&it);
    }
    st_segbuild_abort(sb);
    free(a);
    return NULL;
}

/* ---- the pushing side ---------------------------------------------------------- */

static st_status enqueue(st_wpipe *p, uint32_t w, item *it, st_error *e) {
    wq *q = &p->q[w];
    pthread_mutex_lock(&p->mu);
    while (q->n == q->cap && !p->err.code) pthread_cond_wait(&q->not_full, &p->mu);
    if (p->err.code && it->kind == IT_ROWS) {
        if (e) *e = p->err;
        st_status rc = p->err.code;
        pthread_mutex_unlock(&p->mu);
        item_free(it);
        return rc;
    }
    while (q->n == q->cap) pthread_cond_wait(&q->not_full, &p->mu); /* a FLUSH must get in */
    q->items[(q->head + q->n) % q->cap] = *it;
    q->n++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&p->mu);
    return ST_OK;
}

st_status st_wpipe_new(st_table *t, uint32_t nwriters, uint64_t seg_rows, st_wpipe **out, st_error *e) {
    *out = NULL;
    if (nwriters < 1) nwriters = 1;
    st_wpipe *p = calloc(1, sizeof *p);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    p->t = t;
    p->nw = nwriters;
    p->seg_rows = seg_rows ? seg_rows : UINT64_MAX;
    p->threads = calloc(nwriters, sizeof *p->threads);
    p->q = calloc(nwriters, sizeof *p->q);
    if (!p->threads || !p->q) {
        free(p->threads);
        free(p->q);
        free(p);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->flush_cv, NULL);
    for (uint32_t w = 0; w < nwriters; w++) {
        wq *q = &p->q[w];
        q->cap = 64;
        q->items = calloc(q->cap, sizeof *q->items);
        pthread_cond_init(&q->not_empty, NULL);
        pthread_cond_init(&q->not_full, NULL);
    }
    for (uint32_t w = 0; w < nwriters; w++) {
        warg *a = malloc(sizeof *a);
        if (!a || !p->q[w].items) {
            free(a);
            p->nw = w;
            st_wpipe_free(p);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        a->p = p;
        a->w = w;
        if (pthread_create(&p->threads[w], NULL, writer_main, a) != 0) {
            free(a);
            p->nw = w;
            st_wpipe_free(p);
            return st_error_set(e, ST_ERR_INTERNAL, "cannot start a writer thread");
        }
    }
    *out = p;
    return ST_OK;
}

st_status st_wpipe_schema(st_wpipe *p, const st_tschema *ts, st_error *e) {
    st_tschema *c = st_tschema_clone(ts);
    st_tschema **n = c ? realloc(p->schemas, (p->nschemas + 1) * sizeof *n) : NULL;
    if (!n) {
        st_tschema_free(c);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    p->schemas = n;
    p->schemas[p->nschemas++] = c;
    if (p->seg_open) { /* rows of the new schema start a new segment */
        p->cur_seg++;
        p->cur_rows = 0;
        p->seg_open = false;
    }
    return ST_OK;
}

st_status st_wpipe_push(st_wpipe *p, const st_batch *b, const int64_t *lines, const char *source, st_error *e) {
    uint32_t live = st_batch_live(b);
    if (!live) return ST_OK;
    if (!p->nschemas) return st_error_set(e, ST_ERR_INTERNAL, "writer pipe: no schema");
    if (p->seg_open && p->cur_rows >= p->seg_rows) {
        p->cur_seg++;
        p->cur_rows = 0;
    }
    item it;
    memset(&it, 0, sizeof it);
    it.kind = IT_ROWS;
    it.seg = p->cur_seg;
    it.schema = p->schemas[p->nschemas - 1];
    it.b = clone_batch(p, b, lines, &it.lines);
    it.source = strdup(source);
    if (!it.b || !it.source) {
        item_free(&it);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    p->seg_open = true;
    p->cur_rows += live;
    return enqueue(p, (uint32_t)(it.seg % p->nw), &it, e);
}

static int cmp_done(const void *a, const void *b) {
    const done_rec *x = a, *y = b;
    return x->seg < y->seg ? -1 : x->seg > y->seg;
}

st_status st_wpipe_drain(st_wpipe *p, st_segrec **recs, uint32_t *n, st_error *e) {
    *recs = NULL;
    *n = 0;
    for (uint32_t w = 0; w < p->nw; w++) {
        pthread_mutex_lock(&p->mu);
        p->q[w].flushed = false;
        pthread_mutex_unlock(&p->mu);
        item it;
        memset(&it, 0, sizeof it);
        it.kind = IT_FLUSH;
        enqueue(p, w, &it, NULL);
    }
    pthread_mutex_lock(&p->mu);
    for (uint32_t w = 0; w < p->nw; w++)
        while (!p->q[w].flushed) pthread_cond_wait(&p->flush_cv, &p->mu);
    st_status rc = p->err.code;
    if (rc && e) *e = p->err;
    if (!rc) {
        if (p->ndone > 1) qsort(p->done, p->ndone, sizeof *p->done, cmp_done);
        st_segrec *out = malloc((p->ndone ? p->ndone : 1) * sizeof *out);
        if (!out) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        } else {
            for (uint32_t i = 0; i < p->ndone; i++) out[i] = p->done[i].rec;
            *recs = out;
            *n = p->ndone;
            p->ndone = 0;
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (p->seg_open) {
        p->cur_seg++;
        p->cur_rows = 0;
        p->seg_open = false;
    }
    return rc;
}

void st_wpipe_free(st_wpipe *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    if (!p->err.code) st_error_set(&p->err, ST_ERR_INTERRUPTED, "ingest stopped");
    for (uint32_t w = 0; w < p->nw; w++) {
        pthread_cond_broadcast(&p->q[w].not_empty);
        pthread_cond_broadcast(&p->q[w].not_full);
    }
    pthread_mutex_unlock(&p->mu);
    for (uint32_t w = 0; w < p->nw; w++) pthread_join(p->threads[w], NULL);
    for (uint32_t w = 0; w < (p->q ? p->nw : 0); w++) {
        wq *q = &p->q[w];
        for (uint32_t i = 0; i < q->n; i++) item_free(&q->items[(q->head + i) % q->cap]);
        free(q->items);
        pthread_cond_destroy(&q->not_empty);
        pthread_cond_destroy(&q->not_full);
    }
    for (uint32_t i = 0; i < p->ndone; i++) {
        /* finished and published, but never handed to a commit: no log
         * entry can name them, so they go (else they would be orphans) */
        char path[4096];
        st_table_seg_path(p->t, p->done[i].rec.id, path, sizeof path);
        unlink(path);
        st_segrec_clear(&p->done[i].rec);
    }
    free(p->done);
    for (uint32_t i = 0; i < p->npool; i++) st_batch_free(p->pool[i]);
    free(p->pool);
    for (uint32_t i = 0; i < p->nschemas; i++) st_tschema_free(p->schemas[i]);
    free(p->schemas);
    free(p->q);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->flush_cv);
    free(p);
}
