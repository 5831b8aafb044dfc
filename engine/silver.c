/*
 * silver.c: a Silver run (see silver.h for the steps and their guarantees).
 *
 * Row references.  A Bronze row is (group g, ordinal o): the g-th data
 * segment of the source snapshot and the row's position in it; packed as
 * g << 32 | o.  Pass 1 records per group which rows were rejected (with
 * their reasons) and, through the dedup table, which row won each key;
 * winners are then a bit array per group, and pass 2 writes them in Bronze
 * order (group by group, row by row), so the output does not depend on
 * the thread count or on the order units finished in.
 *
 * Output segments are planned before pass 2 from the winners per row
 * group: consecutive row groups until about segment_rows winners; each
 * planned segment is one task (its own segment builder), so segments are
 * written in parallel and their layout is the same for any thread count.
 *
 * Parallel passes share one dedup table behind a mutex (held for one row
 * group's offer); the winner of a key does not depend on which thread
 * offered first, because the ordering triple is unique per row.
 */
#include "engine/silver.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/dedup.h"
#include "engine/lineage.h"
#include "engine/quality.h"
#include "engine/segbuild.h"
#include "engine/table.h"
#include "engine/tsource.h"
#include "engine/xeval_int.h"
#include "format/dv.h"
#include "format/hashvec.h"
#include "format/io.h"
#include "format/pool.h"
#include "format/valtext.h"

const char *st_silver_code_name(uint32_t i) { return i < XEVAL_NCODES ? xeval_code_names[i] : "?"; }

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* stage timers summed over threads, in nanoseconds */
typedef struct stage_ns {
    uint64_t read, standardize, validate, hash, dedup, existing, enrich, write;
} stage_ns;
#define STAGE_ADD(ctx, field, t0) __atomic_fetch_add(&(ctx)->ns.field, (uint64_t)((now_s() - (t0)) * 1e9), __ATOMIC_RELAXED)

st_status st_silver_resolver(void *ctx, const char *table, st_tschema **out, st_error *e) {
    st_warehouse *w = ctx;
    *out = NULL;
    st_tname tn;
    ST_TRY(st_tname_parse(table, &tn, e));
    st_table *t;
    ST_TRY(st_table_open(w, &tn, &t, e));
    st_status rc = st_table_require(t, e);
    st_logstate *s = NULL;
    if (!rc) rc = st_table_load(t, -1, &s, e);
    if (!rc && !(*out = st_tschema_clone(s->schema))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_logstate_free(s);
    st_table_close(t);
    return rc;
}

void st_silver_result_free(st_silver_result *r) {
    if (!r) return;
    json_decref(r->report);
    r->report = NULL;
}

/* ---- the run's state ----------------------------------------------------------------- */

typedef struct reject {
    uint32_t ord;    /* ordinal in the group */
    char *reasons, *codes;
} reject;

typedef struct unit {
    uint32_t g, u;
    uint64_t first;  /* ordinal of the unit's first row in its group */
    uint32_t rows;
    /* pass 1 */
    uint64_t in;     /* rows selected (new) */
    reject *rej;
    uint32_t nrej;
    uint32_t nwin;   /* winners, after the existing-row check */
} unit;

typedef struct group {
    const st_segrec *rec;
    uint64_t *runs_first; /* per lineage run: first ordinal */
    uint64_t *win;        /* bit per row: written */
    uint32_t first_unit, nunits;
} group;

typedef struct lkload {
    st_table *t;
    st_source *src;
    st_vector **keys, **cont, **cols;
    uint32_t nrows;
} lkload;

typedef struct plan {
    uint32_t u0, u1;     /* units [u0, u1) */
    uint64_t rows;
    st_segrec data, rej;
    bool has_data, has_rej;
} plan;

typedef struct run {
    st_warehouse *w;
    const st_xspec *sp;
    const st_silver_opts *o;
    uint32_t threads;
    st_table *t, *bt;            /* target, source */
    st_logstate *state;          /* target snapshot */
    st_logstate *bstate_ref;     /* owned by bsrc */
    st_source *bsrc;
    int64_t consumed;            /* source versions <= this are in the table */
    st_tschema *schema;          /* the target's schema after this run */
    bool schema_changed;
    /* lookups */
    xlk_data *lks;
    lkload *lkl;
    /* work */
    group *groups;
    uint32_t ngroups;
    unit *units;
    uint32_t nunits;
    xeval **ev;                  /* per worker */
    st_batch **bat;              /* per worker: read buffers */
    st_vector ***dense;          /* per worker: per view column */
    st_dedup *dd;
    pthread_mutex_t mu;
    bool has_minmax;
    int64_t kmin, kmax;          /* first key column range of the new rows (integer-like keys) */
    /* results */
    stage_ns ns;
    uint64_t code_counts[XEVAL_NCODES];
    uint64_t replaced;
    st_dv **newdv;               /* per target data group: rows this run deletes */
    const st_logstate *tstate_src; /* the target state the existing-row check read */
    st_source *tsrc;
    plan *plans;
    uint32_t nplans;
    /* files written, removed when the attempt does not commit */
    char (*files)[ST_SEG_ID_LEN + 8];
    uint32_t nfiles;
    st_dvrec *dvs;
    uint32_t ndvs;
} run;

static void unlink_written(run *r) {
    for (uint32_t i = 0; i < r->nfiles; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", st_table_data_dir(r->t), r->files[i]);
        st_unlink(p, NULL);
    }
    r->nfiles = 0;
}

static st_status note_file(run *r, const char *id, const char *ext, st_error *e) {
    void *n = realloc(r->files, (r->nfiles + 1) * sizeof *r->files);
    if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    r->files = n;
    snprintf(r->files[r->nfiles++], sizeof r->files[0], "%s%s", id, ext);
    return ST_OK;
}

/* ---- small helpers ------------------------------------------------------------------------ */

static st_batch *batch_for(const st_schema *view, const uint32_t *cols, uint32_t ncols) {
    st_type types[512];
    if (ncols > 512) return NULL;
    for (uint32_t i = 0; i < ncols; i++) types[i] = view->fields[cols[i]].type;
    return st_batch_new(types, ncols, ST_VECTOR_SIZE);
}

/* dense copy of rows rows[0..m) of v (strings shallow: valid while v is) */
static st_status gather(st_vector *out, const st_vector *v, const uint32_t *rows, uint32_t m, st_error *e) {
    st_vector_reset(out);
    ST_TRY(st_vector_reserve(out, m ? m : 1, e));
    size_t w = st_type_width(v->type);
    const char *src = v->data;
    char *dst = out->data;
    if (w == 8) {
        for (uint32_t k = 0; k < m; k++) memcpy(dst + (size_t)k * 8, src + (size_t)rows[k] * 8, 8);
    } else if (w == 4) {
        for (uint32_t k = 0; k < m; k++) memcpy(dst + (size_t)k * 4, src + (size_t)rows[k] * 4, 4);
    } else {
        for (uint32_t k = 0; k < m; k++) memcpy(dst + (size_t)k * w, src + (size_t)rows[k] * w, w);
    }
    if (v->validity) {
        uint64_t *val = st_vector_validity(out);
        if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memset(val, 0, ((size_t)m + 63) / 64 * 8);
        for (uint32_t k = 0; k < m; k++)
            if ((v->validity[rows[k] >> 6] >> (rows[k] & 63)) & 1) val[k >> 6] |= UINT64_C(1) << (k & 63);
    }
    out->len = m;
    return ST_OK;
}

/* the ordering value of a latest_by column as int64 (NULL: oldest) */
static int64_t ord_at(const st_vector *v, uint32_t i) {
    if (st_vector_is_null(v, i)) return INT64_MIN;
    const void *p = st_vector_at(v, i);
    switch ((st_type_id)v->type.id) {
    case ST_T_INT8: return *(const int8_t *)p;
    case ST_T_INT16: { int16_t x; memcpy(&x, p, 2); return x; }
    case ST_T_INT32:
    case ST_T_DATE: { int32_t x; memcpy(&x, p, 4); return x; }
    case ST_T_UINT64: { uint64_t x; memcpy(&x, p, 8); return x > INT64_MAX ? INT64_MAX : (int64_t)x; }
    default: { int64_t x; memcpy(&x, p, 8); return x == INT64_MIN ? INT64_MIN + 1 : x; }
    }
}

static bool key_int(st_type t) {
    return st_type_is_integer(t) && t.id != ST_T_UINT64;
}

/* ---- setup: schemas, lookups, units ----------------------------------------------------------- */

static st_status plan_schema(run *r, st_error *e) {
    const st_tschema *want = st_xspec_output(r->sp);
    if (r->state->version < 0) {
        if (!(r->schema = st_tschema_clone(want))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        r->schema->schema_id = 0;
        r->schema->next_field_id = 1;
        for (uint32_t i = 0; i < r->schema->nfields; i++) r->schema->fields[i].id = r->schema->next_field_id++;
        r->schema_changed = true;
        return ST_OK;
    }
    const st_tschema *have = r->state->schema;
    bool same = have->nfields == want->nfields;
    for (uint32_t i = 0; same && i < want->nfields; i++)
        same = !strcasecmp(have->fields[i].name, want->fields[i].name) &&
               st_type_eq(have->fields[i].type, want->fields[i].type) && have->fields[i].nullable == want->fields[i].nullable;
    if (same) {
        if (!(r->schema = st_tschema_clone(have))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return ST_OK;
    }
    if (!r->o->full_refresh) {
        char a[600] = "", b[600] = "";
        for (uint32_t i = 0; i < have->nfields; i++) {
            char tn[ST_TYPE_NAME_MAX];
            size_t l = strlen(a);
            snprintf(a + l, sizeof a - l, "%s%s %s", i ? ", " : "", have->fields[i].name, st_type_name(have->fields[i].type, tn));
        }
        for (uint32_t i = 0; i < want->nfields; i++) {
            char tn[ST_TYPE_NAME_MAX];
            size_t l = strlen(b);
            snprintf(b + l, sizeof b - l, "%s%s %s", i ? ", " : "", want->fields[i].name, st_type_name(want->fields[i].type, tn));
        }
        return st_error_set(e, ST_ERR_INVALID, "%s: the spec's columns (%s) differ from the table's (%s); run with "
                            "--full-refresh to rebuild the table under the new columns", st_table_name(r->t), b, a);
    }
    /* a rebuild: fields keep their ids when name and type stay */
    if (!(r->schema = st_tschema_clone(want))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    r->schema->schema_id = have->schema_id + 1;
    r->schema->next_field_id = have->next_field_id;
    for (uint32_t i = 0; i < r->schema->nfields; i++) {
        int k = st_tschema_find(have, r->schema->fields[i].name);
        if (k >= 0 && st_type_eq(have->fields[k].type, r->schema->fields[i].type)) r->schema->fields[i].id = have->fields[k].id;
        else r->schema->fields[i].id = r->schema->next_field_id++;
    }
    r->schema_changed = true;
    return ST_OK;
}

/* read whole columns of a table snapshot into vectors (for lookups) */
static st_status read_whole(st_source *src, const uint32_t *cols, uint32_t ncols, st_vector **out, uint32_t *nrows,
                            st_error *e) {
    st_batch *b = batch_for(src->schema, cols, ncols);
    if (!b) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    *nrows = 0;
    for (uint32_t g = 0; !rc && g < src->ops->group_count(src); g++) {
        uint32_t nu;
        if ((rc = src->ops->group_open(src, g, &nu, e))) break;
        for (uint32_t u = 0; !rc && u < nu; u++) {
            if ((rc = src->ops->read(src, g, u, cols, ncols, b, e))) break;
            uint32_t live = st_batch_live(b);
            if ((uint64_t)*nrows + live > UINT32_MAX / 2) {
                rc = st_error_set(e, ST_ERR_LIMIT, "%s: a lookup table of more than a billion rows", src->name);
                break;
            }
            for (uint32_t c = 0; !rc && c < ncols; c++)
                for (uint32_t k = 0; !rc && k < live; k++)
                    rc = st_vector_append_from(out[c], b->cols[c], b->sel ? b->sel[k] : k, e);
            *nrows += live;
        }
    }
    st_batch_free(b);
    return rc;
}

static st_status load_lookups(run *r, st_error *e) {
    const st_xspec *sp = r->sp;
    r->lks = calloc(sp->nlookups + 1, sizeof *r->lks);
    r->lkl = calloc(sp->nlookups + 1, sizeof *r->lkl);
    if (!r->lks || !r->lkl) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < sp->nlookups; i++) {
        const xlookup *lk = &sp->lookups[i];
        lkload *L = &r->lkl[i];
        st_tname tn;
        ST_TRY(st_tname_parse(lk->table, &tn, e));
        ST_TRY(st_table_open(r->w, &tn, &L->t, e));
        ST_TRY(st_table_require(L->t, e));
        st_logstate *s;
        ST_TRY(st_table_load(L->t, -1, &s, e));
        ST_TRY(st_tsource_open(L->t, s, false, &L->src, e));
        uint32_t n = lk->nkeys + lk->ncontains + lk->ncols, cols[64];
        st_vector *vecs[64];
        if (n > 64) return st_error_set(e, ST_ERR_LIMIT, "lookup %s: too many columns", lk->name);
        const char *const *names[3] = {(const char *const *)lk->tkeys, (const char *const *)lk->tcont,
                                       (const char *const *)lk->cols};
        uint32_t counts[3] = {lk->nkeys, lk->ncontains, lk->ncols}, k = 0;
        for (int part = 0; part < 3; part++)
            for (uint32_t j = 0; j < counts[part]; j++) {
                int f = st_schema_find(L->src->schema, names[part][j]);
                if (f < 0) return st_error_set(e, ST_ERR_NOT_FOUND, "lookup %s: %s has no column %s", lk->name, lk->table, names[part][j]);
                cols[k] = (uint32_t)f;
                if (!(vecs[k] = st_vector_new(L->src->schema->fields[f].type, 1024))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                k++;
            }
        L->keys = calloc(n + 1, sizeof *L->keys);
        if (!L->keys) {
            for (uint32_t j = 0; j < n; j++) st_vector_free(vecs[j]);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        memcpy(L->keys, vecs, n * sizeof *vecs);
        L->cont = L->keys + lk->nkeys;
        L->cols = L->keys + lk->nkeys + lk->ncontains;
        ST_TRY(read_whole(L->src, cols, n, L->keys, &L->nrows, e));
        char what[300];
        snprintf(what, sizeof what, "lookup %s (%s)", lk->name, lk->table);
        ST_TRY(st_lookup_build(what, L->keys, lk->nkeys, L->cont, lk->ncontains, L->nrows, lk->dup, &r->lks[i].lk, e));
        r->lks[i].cols = L->cols;
    }
    return ST_OK;
}

static void free_lookups(run *r) {
    for (uint32_t i = 0; r->lks && i < r->sp->nlookups; i++) {
        st_lookup_free(r->lks[i].lk);
        lkload *L = &r->lkl[i];
        uint32_t n = r->sp->lookups[i].nkeys + r->sp->lookups[i].ncontains + r->sp->lookups[i].ncols;
        for (uint32_t k = 0; L->keys && k < n; k++) st_vector_free(L->keys[k]);
        free(L->keys);
        st_source_close(L->src);
        st_table_close(L->t);
    }
    free(r->lks);
    free(r->lkl);
    r->lks = NULL;
    r->lkl = NULL;
}

/* units of the source with rows newer than r->consumed */
static st_status plan_units(run *r, st_error *e) {
    const st_logstate *bs = st_tsource_state(r->bsrc);
    uint32_t ng = r->bsrc->ops->group_count(r->bsrc);
    r->groups = calloc(ng + 1, sizeof *r->groups);
    if (!r->groups) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    r->ngroups = ng;
    uint32_t gi = 0;
    for (uint32_t i = 0; i < bs->nsegs; i++) {
        if (bs->segs[i].side != ST_SIDE_DATA) continue;
        group *g = &r->groups[gi++];
        g->rec = &bs->segs[i];
        g->runs_first = calloc(g->rec->nruns + 1, sizeof *g->runs_first);
        if (!g->runs_first) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t k = 0; k < g->rec->nruns; k++) g->runs_first[k + 1] = g->runs_first[k] + g->rec->runs[k].rows;
    }
    uint32_t cap = 0;
    for (uint32_t g = 0; g < ng; g++) {
        group *G = &r->groups[g];
        bool any = false;
        for (uint32_t k = 0; k < G->rec->nruns; k++) any |= G->rec->runs[k].ingest_id > r->consumed;
        G->first_unit = r->nunits;
        if (!any) continue;
        uint32_t nu;
        ST_TRY(r->bsrc->ops->group_open(r->bsrc, g, &nu, e));
        if (!(G->win = calloc((G->rec->rows + 63) / 64 + 1, 8))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        uint64_t next = 0;
        for (uint32_t u = 0; u < nu; u++) {
            st_unit_info ui;
            r->bsrc->ops->unit_info(r->bsrc, g, u, NULL, 0, &ui);
            uint64_t first = next;
            next += ui.rows;
            /* skip units whose rows are all old */
            bool fresh = false;
            for (uint32_t k = 0; k < G->rec->nruns && !fresh; k++)
                fresh = G->rec->runs[k].ingest_id > r->consumed && G->runs_first[k] < first + ui.rows &&
                        G->runs_first[k + 1] > first;
            if (!fresh) continue;
            if (r->nunits == cap) {
                cap = cap ? cap * 2 : 64;
                unit *n = realloc(r->units, cap * sizeof *n);
                if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                r->units = n;
            }
            unit *U = &r->units[r->nunits++];
            memset(U, 0, sizeof *U);
            U->g = g;
            U->u = u;
            U->first = first;
            U->rows = (uint32_t)ui.rows;
            G->nunits++;
        }
    }
    return ST_OK;
}

/* rows of unit U that are new and not deleted, as indices into the batch */
static uint32_t select_rows(const run *r, const unit *U, const st_batch *b, uint32_t *rows) {
    const group *G = &r->groups[U->g];
    uint32_t m = 0;
    uint32_t live = st_batch_live(b);
    uint32_t k = 0; /* run index */
    for (uint32_t j = 0; j < live; j++) {
        uint32_t i = b->sel ? b->sel[j] : j;
        uint64_t ord = U->first + i;
        while (k + 1 < G->rec->nruns && G->runs_first[k + 1] <= ord) k++;
        if (G->rec->runs[k].ingest_id > r->consumed) rows[m++] = i;
    }
    return m;
}

/* ---- pass 1 -------------------------------------------------------------------------------- */

typedef struct p1ctx {
    run *r;
    st_status rc;
} p1ctx;

static st_status pass1_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    run *r = ctx;
    const st_xspec *sp = r->sp;
    unit *U = &r->units[task];
    st_batch *b = r->bat[worker];
    double t0 = now_s();
    ST_TRY(r->bsrc->ops->read(r->bsrc, U->g, U->u, sp->decide_cols, sp->ndecide_cols, b, e));
    uint32_t *rows = malloc(((size_t)b->len + 1) * sizeof *rows);
    if (!rows) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint32_t m = select_rows(r, U, b, rows);
    U->in = m;
    st_status rc = ST_OK;
    st_vector **src = r->dense[worker];
    for (uint32_t c = 0; !rc && c < sp->ndecide_cols; c++)
        rc = gather(src[sp->decide_cols[c]], b->cols[c], rows, m, e);
    STAGE_ADD(r, read, t0);
    xeval *x = r->ev[worker];
    t0 = now_s();
    if (!rc) rc = xeval_run(x, true, src, m, r->lks, e);
    STAGE_ADD(r, standardize, t0);
    uint32_t *vk = NULL, nv = 0;
    uint64_t *h = NULL, *ref = NULL;
    int64_t *ord = NULL, *ing = NULL, *line = NULL;
    if (!rc) {
        vk = malloc(((size_t)m + 1) * sizeof *vk);
        if (!vk) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    /* rejects, with every reason */
    for (uint32_t k = 0; !rc && k < m; k++) {
        if (xeval_valid(x, k)) {
            vk[nv++] = k;
            continue;
        }
        reject *nr = realloc(U->rej, (U->nrej + 1) * sizeof *nr);
        if (!nr) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        U->rej = nr;
        st_sbuf rs = ST_SBUF_INIT, cs = ST_SBUF_INIT;
        uint64_t counts[XEVAL_NCODES] = {0};
        xeval_explain(x, k, &rs, &cs, counts);
        for (int i = 0; i < XEVAL_NCODES; i++)
            if (counts[i]) __atomic_fetch_add(&r->code_counts[i], counts[i], __ATOMIC_RELAXED);
        reject *rj = &U->rej[U->nrej++];
        rj->ord = (uint32_t)(U->first + rows[k]);
        rj->reasons = strdup(st_sbuf_cstr(&rs));
        rj->codes = strdup(st_sbuf_cstr(&cs));
        st_sbuf_free(&rs);
        st_sbuf_free(&cs);
        if (!rj->reasons || !rj->codes) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (!rc && sp->latest_by < 0) { /* no dedup: every valid row is written */
        group *G = &r->groups[U->g];
        for (uint32_t j = 0; j < nv; j++) {
            uint64_t o = U->first + rows[vk[j]];
            __atomic_fetch_or(&G->win[o >> 6], UINT64_C(1) << (o & 63), __ATOMIC_RELAXED); /* units may share a word */
        }
    } else if (!rc && nv) {
        t0 = now_s();
        st_vector *keys[ST_DEDUP_MAX_KEYS];
        for (uint32_t i = 0; i < sp->nkeys; i++) keys[i] = x->vals[sp->keys[i]];
        h = malloc((size_t)nv * sizeof *h);
        ord = malloc((size_t)nv * sizeof *ord);
        ing = malloc((size_t)nv * sizeof *ing);
        line = malloc((size_t)nv * sizeof *line);
        ref = malloc((size_t)nv * sizeof *ref);
        if (!h || !ord || !ing || !line || !ref) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (!rc) {
            st_hashvec_key(h, keys, sp->nkeys, nv == m ? NULL : vk, nv); /* all valid: no selection */
            const st_vector *ov = x->vals[sp->latest_by];
            const int64_t *iv = src[sp->src_ingest]->data, *lv = src[sp->src_line]->data;
            for (uint32_t j = 0; j < nv; j++) {
                uint32_t k = vk[j];
                ord[j] = ord_at(ov, k);
                ing[j] = iv[k];
                line[j] = lv[k];
                ref[j] = (uint64_t)U->g << 32 | (U->first + rows[k]);
            }
        }
        STAGE_ADD(r, hash, t0);
        if (!rc) {
            bool have = false;
            int64_t lo = INT64_MAX, hi = INT64_MIN;
            if (key_int(keys[0]->type))
                for (uint32_t j = 0; j < nv; j++) {
                    if (st_vector_is_null(keys[0], vk[j])) continue;
                    int64_t v = ord_at(keys[0], vk[j]);
                    lo = v < lo ? v : lo;
                    hi = v > hi ? v : hi;
                    have = true;
                }
            pthread_mutex_lock(&r->mu);
            t0 = now_s(); /* the work, not the wait for the lock */
            rc = st_dedup_offer(r->dd, keys, vk, nv, h, ord, ing, line, ref, e);
            if (have) {
                if (!r->has_minmax || lo < r->kmin) r->kmin = lo;
                if (!r->has_minmax || hi > r->kmax) r->kmax = hi;
                r->has_minmax = true;
            }
            pthread_mutex_unlock(&r->mu);
            STAGE_ADD(r, dedup, t0);
        }
    }
    free(rows);
    free(vk);
    free(h);
    free(ord);
    free(ing);
    free(line);
    free(ref);
    return rc;
}

/* ---- existing rows ----------------------------------------------------------------------------- */

typedef struct excols {
    uint32_t cols[ST_DEDUP_MAX_KEYS + 3];
    uint32_t ncols;
} excols;

static st_status existing_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    run *r = ctx;
    const st_xspec *sp = r->sp;
    st_source *ts = r->tsrc;
    uint32_t g = (uint32_t)task;
    /* prune by the first key's zone map */
    st_group_info gi;
    ts->ops->group_info(ts, g, &gi);
    int k0 = st_schema_find(ts->schema, sp->key_names[0]);
    if (r->has_minmax && gi.zm && k0 >= 0 && key_int(gi.zm[k0].type) && gi.zm[k0].has_min && gi.zm[k0].has_max &&
        gi.zm[k0].null_count == 0 && (gi.zm[k0].max.v.i64 < r->kmin || gi.zm[k0].min.v.i64 > r->kmax))
        return ST_OK;
    double t0 = now_s();
    excols ec;
    ec.ncols = 0;
    for (uint32_t i = 0; i < sp->nkeys; i++) ec.cols[ec.ncols++] = (uint32_t)st_schema_find(ts->schema, sp->key_names[i]);
    ec.cols[ec.ncols++] = (uint32_t)st_schema_find(ts->schema, sp->nodes[sp->latest_by].name);
    ec.cols[ec.ncols++] = (uint32_t)st_schema_find_id(ts->schema, ST_FID_INGEST_ID);
    ec.cols[ec.ncols++] = (uint32_t)st_schema_find_id(ts->schema, ST_FID_LINE);
    st_batch *b = batch_for(ts->schema, ec.cols, ec.ncols);
    if (!b) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    uint32_t nu;
    rc = ts->ops->group_open(ts, g, &nu, e);
    uint64_t first = 0;
    uint64_t *h = NULL;
    int64_t *found = NULL;
    uint32_t *rows = NULL;
    (void)worker;
    for (uint32_t u = 0; !rc && u < nu; u++) {
        if ((rc = ts->ops->read(ts, g, u, ec.cols, ec.ncols, b, e))) break;
        uint32_t n = b->len, live = st_batch_live(b);
        h = realloc(h, ((size_t)n + 1) * sizeof *h);
        found = realloc(found, ((size_t)n + 1) * sizeof *found);
        rows = realloc(rows, ((size_t)n + 1) * sizeof *rows);
        if (!h || !found || !rows) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        for (uint32_t k = 0; k < live; k++) rows[k] = b->sel ? b->sel[k] : k;
        st_hashvec_key(h, b->cols, sp->nkeys, rows, live);
        if ((rc = st_dedup_find(r->dd, b->cols, rows, live, h, found, e))) break;
        const st_vector *ov = b->cols[sp->nkeys];
        const int64_t *iv = b->cols[sp->nkeys + 1]->data, *lv = b->cols[sp->nkeys + 2]->data;
        for (uint32_t k = 0; k < live; k++) {
            if (found[k] < 0) continue;
            uint32_t i = rows[k];
            st_dedup_win *w = st_dedup_entry(r->dd, (uint64_t)found[k]);
            int64_t o = ord_at(ov, i), in = iv[i], ln = lv[i];
            bool existing_newer = o != w->ord ? o > w->ord : in != w->ingest ? in > w->ingest : ln >= w->line;
            if (existing_newer) {
                w->ref = ST_DEDUP_NONE; /* the new row loses: a duplicate */
            } else {
                if (!r->newdv[g] && !(r->newdv[g] = st_dv_new())) {
                    rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                    break;
                }
                st_dv_add(r->newdv[g], (uint32_t)(first + i));
                __atomic_fetch_add(&r->replaced, 1, __ATOMIC_RELAXED);
            }
        }
        first += n;
    }
    free(h);
    free(found);
    free(rows);
    st_batch_free(b);
    STAGE_ADD(r, existing, t0);
    return rc;
}

/* ---- pass 2 ------------------------------------------------------------------------------------ */

static st_status write_rejects(run *r, const unit *U, st_batch *b, st_segbuild **sb, st_error *e) {
    const st_schema *view = r->bsrc->schema;
    st_type types[ST_REJECT_NCOLS] = {st_type_make(ST_T_VARCHAR), st_type_make(ST_T_VARCHAR), st_type_make(ST_T_VARCHAR),
                                      st_type_make(ST_T_BLOB),    st_type_make(ST_T_BOOLEAN), st_type_make(ST_T_INT64)};
    st_batch *rb = st_batch_new(types, ST_REJECT_NCOLS, 64);
    if (!rb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    if (!*sb) rc = st_segbuild_new(r->t, r->schema, true, NULL, sb, e);
    int isrc = st_schema_find_id(view, ST_FID_SOURCE), iat = st_schema_find_id(view, ST_FID_INGESTED_AT);
    int64_t line;
    for (uint32_t k = 0; !rc && k < U->nrej; k++) {
        const reject *rj = &U->rej[k];
        uint32_t i = (uint32_t)(rj->ord - U->first);
        st_batch_reset(rb);
        st_sbuf raw = ST_SBUF_INIT;
        st_sbuf_putc(&raw, '{');
        uint32_t nf = 0;
        for (uint32_t c = 0; c < view->nfields; c++) {
            if (st_lineage_fid(view->fields[c].id)) continue;
            if (nf++) st_sbuf_putc(&raw, ',');
            st_text_json_string(&raw, view->fields[c].name, strlen(view->fields[c].name));
            st_sbuf_putc(&raw, ':');
            st_text_cell(&raw, b->cols[c], i, ST_CELL_JSON, ',', '"');
        }
        st_sbuf_putc(&raw, '}');
        uint8_t f = 0;
        int64_t bytes = (int64_t)raw.len;
        if ((rc = st_vector_append_str(rb->cols[0], rj->reasons, (uint32_t)strlen(rj->reasons), e)) ||
            (rc = st_vector_append_str(rb->cols[1], rj->codes, (uint32_t)strlen(rj->codes), e)) ||
            (rc = st_vector_append_str(rb->cols[2], raw.p ? raw.p : "", (uint32_t)raw.len, e)) ||
            (rc = st_vector_append_null(rb->cols[3], e)) || (rc = st_vector_append(rb->cols[4], &f, e)) ||
            (rc = st_vector_append(rb->cols[5], &bytes, e))) {
            st_sbuf_free(&raw);
            break;
        }
        st_sbuf_free(&raw);
        st_batch_set_len(rb, 1);
        line = ST_VEC(b->cols[r->sp->src_line], int64_t)[i];
        const st_str *so = &ST_VEC(b->cols[isrc], st_str)[i];
        char src[ST_LOG_NAME_MAX + 1];
        snprintf(src, sizeof src, "%.*s", (int)so->len, so->ptr);
        st_lineage_run run = {0, src, ST_VEC(b->cols[r->sp->src_ingest], int64_t)[i],
                              ST_VEC(b->cols[iat], int64_t)[i], (char *)r->sp->source};
        rc = st_segbuild_add(*sb, rb, &line, &run, e);
    }
    st_batch_free(rb);
    return rc;
}

static st_status pass2_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    run *r = ctx;
    const st_xspec *sp = r->sp;
    plan *P = &r->plans[task];
    const st_schema *view = r->bsrc->schema;
    st_batch *b = r->bat[worker];
    st_vector **src = r->dense[worker];
    xeval *x = r->ev[worker];
    st_segbuild *sb = NULL, *rsb = NULL;
    st_status rc = ST_OK;
    uint32_t *rows = NULL, *sel = NULL;
    int64_t *lines = NULL;
    st_vector **outv = calloc(sp->out->nfields + 1, sizeof *outv);
    if (!outv) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    int isrc = st_schema_find_id(view, ST_FID_SOURCE), iat = st_schema_find_id(view, ST_FID_INGESTED_AT);
    for (uint32_t ui = P->u0; !rc && ui < P->u1; ui++) {
        unit *U = &r->units[ui];
        if (!U->nwin && !U->nrej) continue;
        double t0 = now_s();
        if ((rc = r->bsrc->ops->read(r->bsrc, U->g, U->u, sp->output_cols, sp->noutput_cols, b, e))) break;
        STAGE_ADD(r, read, t0);
        if (U->nrej) {
            t0 = now_s();
            rc = write_rejects(r, U, b, &rsb, e);
            STAGE_ADD(r, write, t0);
            if (rc) break;
        }
        if (!U->nwin) continue;
        t0 = now_s();
        rows = realloc(rows, ((size_t)U->rows + 1) * sizeof *rows);
        if (!rows) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        const uint64_t *win = r->groups[U->g].win;
        uint32_t m = 0;
        for (uint32_t i = 0; i < U->rows; i++) {
            uint64_t o = U->first + i;
            if ((win[o >> 6] >> (o & 63)) & 1) rows[m++] = i;
        }
        for (uint32_t c = 0; !rc && c < sp->noutput_cols; c++)
            rc = gather(src[sp->output_cols[c]], b->cols[c], rows, m, e);
        STAGE_ADD(r, read, t0);
        if (rc) break;
        t0 = now_s();
        if ((rc = xeval_run(x, false, src, m, r->lks, e))) break;
        STAGE_ADD(r, enrich, t0);
        t0 = now_s();
        for (uint32_t c = 0; c < sp->out->nfields; c++) outv[c] = x->vals[sp->out_nodes[c]];
        st_batch ob;
        memset(&ob, 0, sizeof ob);
        ob.ncols = sp->out->nfields;
        ob.len = m;
        ob.cols = outv;
        sel = realloc(sel, ((size_t)m + 1) * sizeof *sel);
        lines = realloc(lines, ((size_t)m + 1) * sizeof *lines);
        if (!sel || !lines) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(lines, src[sp->src_line]->data, (size_t)m * sizeof *lines);
        if (!sb && (rc = st_segbuild_new(r->t, r->schema, false, NULL, &sb, e))) break;
        /* cut at changes of lineage (ingest id, source) */
        const int64_t *iv = src[sp->src_ingest]->data, *av = src[iat]->data;
        const st_str *sv = src[isrc]->data;
        uint32_t i = 0;
        while (!rc && i < m) {
            uint32_t j = i + 1;
            while (j < m && iv[j] == iv[i] && sv[j].ptr == sv[i].ptr && sv[j].len == sv[i].len) j++;
            for (uint32_t k = i; k < j; k++) sel[k - i] = k;
            ob.sel = sel;
            ob.sel_len = j - i;
            char source[ST_LOG_NAME_MAX + 1];
            snprintf(source, sizeof source, "%.*s", (int)sv[i].len, sv[i].ptr);
            st_lineage_run run = {0, source, iv[i], av[i], (char *)sp->source};
            rc = st_segbuild_add(sb, &ob, lines, &run, e);
            i = j;
        }
        STAGE_ADD(r, write, t0);
    }
    double t0 = now_s();
    if (!rc && sb) {
        rc = st_segbuild_finish(sb, &P->data, e);
        sb = NULL;
        P->has_data = rc == ST_OK;
    }
    if (!rc && rsb) {
        rc = st_segbuild_finish(rsb, &P->rej, e);
        rsb = NULL;
        P->has_rej = rc == ST_OK;
    }
    STAGE_ADD(r, write, t0);
    st_segbuild_abort(sb);
    st_segbuild_abort(rsb);
    free(rows);
    free(sel);
    free(lines);
    free(outv);
    return rc;
}

/* ---- one attempt ---------------------------------------------------------------------------------- */

static void run_free(run *r) {
    for (uint32_t i = 0; i < r->ngroups; i++) {
        free(r->groups[i].runs_first);
        free(r->groups[i].win);
    }
    free(r->groups);
    for (uint32_t i = 0; i < r->nunits; i++) {
        for (uint32_t k = 0; k < r->units[i].nrej; k++) {
            free(r->units[i].rej[k].reasons);
            free(r->units[i].rej[k].codes);
        }
        free(r->units[i].rej);
    }
    free(r->units);
    for (uint32_t i = 0; r->ev && i < r->threads; i++) {
        xeval_free(r->ev[i]);
        st_batch_free(r->bat[i]);
        for (uint32_t c = 0; r->dense[i] && c < r->sp->src_view->nfields; c++) st_vector_free(r->dense[i][c]);
        free(r->dense[i]);
    }
    free(r->ev);
    free(r->bat);
    free(r->dense);
    st_dedup_free(r->dd);
    free_lookups(r);
    st_source_close(r->bsrc);
    if (r->newdv) {
        uint32_t n = r->tsrc ? r->tsrc->ops->group_count(r->tsrc) : 0;
        for (uint32_t i = 0; i < n; i++) st_dv_free(r->newdv[i]);
    }
    free(r->newdv);
    st_source_close(r->tsrc);
    for (uint32_t i = 0; i < r->nplans; i++) {
        st_segrec_clear(&r->plans[i].data);
        st_segrec_clear(&r->plans[i].rej);
    }
    free(r->plans);
    st_tschema_free(r->schema);
    st_logstate_free(r->state);
    free(r->files);
    free(r->dvs);
    pthread_mutex_destroy(&r->mu);
}

static st_status check_source_history(run *r, int64_t latest, st_error *e) {
    for (int64_t v = r->consumed + 1; v <= latest; v++) {
        st_logentry *le;
        ST_TRY(st_table_read_entry(r->bt, v, &le, e));
        bool bad = le->op == ST_OP_RESTORE || le->ndvs || (le->nremoves && le->op != ST_OP_COMPACT);
        st_logentry_free(le);
        if (bad)
            return st_error_set(e, ST_ERR_CONFLICT, "%s: version %" PRId64 " of %s removed or restored rows that %s may "
                                "already hold; run with --full-refresh to rebuild from it", st_table_name(r->t), v,
                                st_table_name(r->bt), st_table_name(r->t));
    }
    return ST_OK;
}

/* write the deletion vectors this run adds (each the union with the segment's current one) */
static st_status write_dvs(run *r, st_error *e) {
    const st_logstate *ts = r->tstate_src;
    uint32_t ng = r->tsrc->ops->group_count(r->tsrc);
    r->dvs = calloc(ng + 1, sizeof *r->dvs);
    if (!r->dvs) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint32_t gi = 0;
    for (uint32_t i = 0; i < ts->nsegs; i++) {
        if (ts->segs[i].side != ST_SIDE_DATA) continue;
        uint32_t g = gi++;
        if (!r->newdv[g]) continue;
        const st_segrec *rec = &ts->segs[i];
        uint8_t id[16];
        for (int k = 0; k < 16; k++) {
            unsigned v;
            sscanf(rec->id + 2 * k, "%2x", &v);
            id[k] = (uint8_t)v;
        }
        if (rec->dv[0]) {
            char p[PATH_MAX];
            st_table_dv_path(r->t, rec->dv, p, sizeof p);
            st_dv *old;
            ST_TRY(st_dv_read_file(p, id, rec->rows, rec->dv_rows, &old, e));
            st_dv_or(r->newdv[g], old);
            st_dv_free(old);
        }
        st_sbuf sb = ST_SBUF_INIT;
        st_status rc = st_dv_encode(r->newdv[g], id, rec->rows, &sb, e);
        st_dvrec *d = &r->dvs[r->ndvs];
        memset(d, 0, sizeof *d);
        memcpy(d->seg, rec->id, sizeof d->seg);
        st_seg_id_new(d->id);
        char p[PATH_MAX];
        st_table_dv_path(r->t, d->id, p, sizeof p);
        if (!rc) rc = st_write_file_atomic(p, sb.p, sb.len, ST_PUBLISH_NOREPLACE, e);
        d->rows = st_dv_cardinality(r->newdv[g]);
        d->bytes = sb.len;
        st_sbuf_free(&sb);
        if (rc) return rc;
        r->ndvs++;
        ST_TRY(note_file(r, d->id, ".dv", e));
    }
    return ST_OK;
}

static st_status attempt(st_warehouse *w, const st_xspec *sp, const st_silver_opts *o, st_silver_result *res,
                         st_table *t, st_table *bt, st_error *e) {
    run R;
    memset(&R, 0, sizeof R);
    run *r = &R;
    r->w = w;
    r->sp = sp;
    r->o = o;
    r->t = t;
    r->bt = bt;
    r->threads = st_thread_count(o->threads);
    pthread_mutex_init(&r->mu, NULL);
    st_status rc = ST_OK;
    st_logentry *le = NULL;
    st_logstate *bs = NULL, *virt = NULL;
    double t0;
    /* snapshots */
    if (st_table_exists(t)) ST_CHECK(rc, st_table_load(t, -1, &r->state, e));
    else if (!(r->state = st_logstate_new())) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    r->consumed = -1;
    if (!o->full_refresh && r->state->version >= 0 && !st_logstate_input(r->state, sp->source, &r->consumed))
        r->consumed = -1;
    ST_CHECK(rc, st_table_require(bt, e));
    ST_CHECK(rc, st_table_load(bt, -1, &bs, e));
    int64_t latest = bs->version;
    res->from_version = r->consumed;
    res->to_version = latest;
    res->created = r->state->version < 0;
    if (latest <= r->consumed && !o->full_refresh) {
        res->up_to_date = true;
        goto cleanup;
    }
    if (!o->full_refresh) ST_CHECK(rc, check_source_history(r, latest, e));
    ST_CHECK(rc, plan_schema(r, e));
    rc = st_tsource_open(bt, bs, false, &r->bsrc, e);
    bs = NULL; /* the source owns it, even when opening failed */
    if (rc) goto cleanup;
    ST_CHECK(rc, load_lookups(r, e));
    ST_CHECK(rc, plan_units(r, e));
    /* per-worker scratch */
    r->ev = calloc(r->threads, sizeof *r->ev);
    r->bat = calloc(r->threads, sizeof *r->bat);
    r->dense = calloc(r->threads, sizeof *r->dense);
    if (!r->ev || !r->bat || !r->dense) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    const st_schema *view = r->bsrc->schema;
    for (uint32_t i = 0; i < r->threads; i++) {
        ST_CHECK(rc, xeval_new(sp, &r->ev[i], e));
        r->dense[i] = calloc(view->nfields, sizeof *r->dense[i]);
        if (!r->dense[i]) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t c = 0; c < view->nfields; c++)
            if (!(r->dense[i][c] = st_vector_new(view->fields[c].type, ST_VECTOR_SIZE))) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
    }
    /* the dedup table, sized from the source's zone maps: distinct values of
     * the key's most selective column, per segment, summed (bounded by rows) */
    if (sp->latest_by >= 0) {
        st_type kt[ST_DEDUP_MAX_KEYS];
        for (uint32_t i = 0; i < sp->nkeys; i++) kt[i] = sp->nodes[sp->keys[i]].type;
        uint64_t rows = 0, est = 0;
        for (uint32_t g = 0; g < r->ngroups; g++) {
            if (!r->groups[g].nunits) continue;
            const st_segrec *rec = r->groups[g].rec;
            rows += rec->rows;
            uint64_t best = 0;
            for (uint32_t i = 0; i < sp->nkeys; i++) {
                const xnode *kn = &sp->nodes[sp->keys[i]];
                const xnode *src = kn->kind == XN_COL ? &sp->nodes[kn->in] : kn;
                if (src->kind != XN_SRC) continue;
                uint32_t fid = view->fields[src->src_col].id;
                for (uint32_t z = 0; z < rec->nzones; z++)
                    if (rec->zones[z].field_id == fid && rec->zones[z].zm.distinct_est > best) best = rec->zones[z].zm.distinct_est;
            }
            est += best ? best : rec->rows;
        }
        ST_CHECK(rc, st_dedup_new(kt, sp->nkeys, est < rows ? est : rows, &r->dd, e));
    }
    /* pass 1 */
    for (uint32_t i = 0; i < r->threads; i++)
        if (!(r->bat[i] = batch_for(view, sp->decide_cols, sp->ndecide_cols))) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
    ST_CHECK(rc, st_parallel_for(r->threads, r->nunits, pass1_task, r, e));
    /* against the live rows */
    if (sp->latest_by >= 0 && !o->full_refresh && r->state->version >= 0 && st_dedup_size(r->dd)) {
        st_logstate *copy;
        ST_CHECK(rc, st_table_load(t, r->state->version, &copy, e));
        ST_CHECK(rc, st_tsource_open(t, copy, false, &r->tsrc, e)); /* copy is the source's now */
        r->tstate_src = st_tsource_state(r->tsrc);
        uint32_t ng = r->tsrc->ops->group_count(r->tsrc);
        r->newdv = calloc(ng + 1, sizeof *r->newdv);
        if (!r->newdv) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t i = 0; i < sp->nkeys; i++)
            if (st_schema_find(r->tsrc->schema, sp->key_names[i]) < 0) {
                rc = st_error_set(e, ST_ERR_INTERNAL, "%s: key column %s is missing", st_table_name(t), sp->key_names[i]);
                goto cleanup;
            }
        ST_CHECK(rc, st_parallel_for(r->threads, ng, existing_task, r, e));
    }
    /* winners */
    if (sp->latest_by >= 0) {
        uint64_t n = st_dedup_size(r->dd);
        for (uint64_t i = 0; i < n; i++) {
            const st_dedup_win *wn = st_dedup_entry(r->dd, i);
            if (wn->ref == ST_DEDUP_NONE) continue;
            uint32_t g = (uint32_t)(wn->ref >> 32);
            uint64_t ord = wn->ref & 0xffffffffu;
            r->groups[g].win[ord >> 6] |= UINT64_C(1) << (ord & 63);
        }
    }
    /* counts and the output plan */
    uint64_t seg_rows = o->segment_rows ? o->segment_rows : ST_SILVER_SEGMENT_ROWS;
    for (uint32_t i = 0; i < r->nunits; i++) {
        unit *U = &r->units[i];
        const uint64_t *win = r->groups[U->g].win;
        uint64_t c = 0;
        for (uint64_t k = U->first; k < U->first + U->rows; k++) c += (win[k >> 6] >> (k & 63)) & 1;
        U->nwin = (uint32_t)c;
        res->rows_in += U->in;
        res->rejected += U->nrej;
        res->written += c;
    }
    res->duplicates = res->rows_in - res->rejected - res->written;
    res->replaced = r->replaced;
    if (res->rows_in != res->written + res->duplicates + res->rejected || res->written + res->rejected > res->rows_in) {
        rc = st_error_set(e, ST_ERR_INTERNAL, "%s: accounting does not add up: %" PRIu64 " in, %" PRIu64 " written, %" PRIu64
                          " rejected", st_table_name(t), res->rows_in, res->written, res->rejected);
        goto cleanup;
    }
    r->plans = calloc(r->nunits + 1, sizeof *r->plans);
    if (!r->plans) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t i = 0; i < r->nunits; i++) {
        if (!r->nplans || r->plans[r->nplans - 1].rows >= seg_rows) r->plans[r->nplans++].u0 = i;
        plan *P = &r->plans[r->nplans - 1];
        P->u1 = i + 1;
        P->rows += r->units[i].nwin;
    }
    /* pass 2 */
    if (r->state->version < 0) ST_CHECK(rc, st_table_prepare(t, e));
    for (uint32_t i = 0; i < r->threads; i++) {
        st_batch_free(r->bat[i]);
        if (!(r->bat[i] = batch_for(view, sp->output_cols, sp->noutput_cols))) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    rc = st_parallel_for(r->threads, r->nplans, pass2_task, r, e);
    for (uint32_t i = 0; i < r->nplans; i++) { /* every file written, even on failure, goes if we do not commit */
        if (r->plans[i].has_data) note_file(r, r->plans[i].data.id, ".seg", NULL);
        if (r->plans[i].has_rej) note_file(r, r->plans[i].rej.id, ".seg", NULL);
    }
    if (rc) goto cleanup;
    if (r->newdv) ST_CHECK(rc, write_dvs(r, e));
    /* the entry */
    if (!(le = st_logentry_new())) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    le->op = r->state->version < 0 ? ST_OP_CREATE : ST_OP_TRANSFORM;
    if (r->schema_changed && !(le->schema = st_tschema_clone(r->schema))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    uint32_t nadd = 0;
    for (uint32_t i = 0; i < r->nplans; i++) nadd += r->plans[i].has_data + r->plans[i].has_rej;
    if (nadd) {
        le->adds = calloc(nadd, sizeof *le->adds);
        if (!le->adds) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (int side = 0; side < 2; side++)
            for (uint32_t i = 0; i < r->nplans; i++) {
                plan *P = &r->plans[i];
                if (side == 0 && P->has_data) le->adds[le->nadds++] = P->data, memset(&P->data, 0, sizeof P->data), P->has_data = false;
                if (side == 1 && P->has_rej) le->adds[le->nadds++] = P->rej, memset(&P->rej, 0, sizeof P->rej), P->has_rej = false;
            }
    }
    if (o->full_refresh && r->state->nsegs) {
        le->removes = calloc(r->state->nsegs, sizeof *le->removes);
        if (!le->removes) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t i = 0; i < r->state->nsegs; i++) memcpy(le->removes[le->nremoves++], r->state->segs[i].id, ST_SEG_ID_LEN + 1);
    }
    if (r->ndvs) {
        le->dvs = r->dvs;
        le->ndvs = r->ndvs;
        r->dvs = NULL;
    }
    le->ninputs = 1;
    le->inputs = calloc(1, sizeof *le->inputs);
    if (!le->inputs || !(le->inputs[0].table = strdup(sp->source))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    le->inputs[0].version = latest;
    le->has_counts = true;
    le->n_read = res->rows_in;
    le->n_accepted = res->written;
    le->n_rejected = res->rejected;
    le->n_duplicates = res->duplicates;
    le->n_replaced = res->replaced;
    for (int i = 0; i < XEVAL_NCODES; i++) {
        res->reasons[i] = r->code_counts[i];
        if (!r->code_counts[i]) continue;
        st_reason_count *n = realloc(le->reasons, (le->nreasons + 1) * sizeof *n);
        if (!n || !(n[le->nreasons].code = strdup(xeval_code_names[i]))) {
            if (n) le->reasons = n;
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        le->reasons = n;
        n[le->nreasons++].count = r->code_counts[i];
    }
    res->segments = le->nadds;
    res->dvs = le->ndvs;
    /* the suite, on the snapshot this commit makes */
    if (sp->suite && !o->skip_suite) {
        t0 = now_s();
        st_suite *suite = NULL;
        ST_CHECK(rc, st_suite_load(sp->suite, &suite, e));
        if (r->state->version >= 0) rc = st_table_load(t, r->state->version, &virt, e);
        else if (!(virt = st_logstate_new())) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (!rc) {
            le->version = virt->version + 1;
            le->ts_us = st_now_us() > virt->ts_us ? st_now_us() : virt->ts_us + 1000;
            le->read_version = virt->version;
            rc = st_logstate_apply(virt, le, "(the commit being made)", e);
        }
        st_source *vs = NULL;
        bool failed = false;
        if (!rc) {
            rc = st_tsource_open(t, virt, false, &vs, e);
            virt = NULL;
        }
        json_decref(res->report);
        res->report = NULL;
        if (!rc) rc = st_suite_check(suite, w, vs, st_table_name(t), le->version, r->threads, &res->report, &failed, e);
        st_source_close(vs);
        st_suite_free(suite);
        res->t.check += now_s() - t0;
        if (rc) goto cleanup;
        if (failed) {
            res->check_failed = true;
            rc = st_error_set(e, ST_ERR_INVALID, "%s: the expectation suite %s failed at error level; nothing was "
                              "committed (the report lists the failing keys)", st_table_name(t), sp->suite);
            goto cleanup;
        }
    }
    /* commit */
    if (o->before_commit) o->before_commit(o->hook_ctx, res->attempts);
    t0 = now_s();
    rc = st_table_commit(t, r->state, le, NULL, e);
    res->t.commit += now_s() - t0;
    if (rc) goto cleanup;
    res->version = r->state->version;
    r->nfiles = 0; /* committed: the files are the table's */
cleanup:
    if (rc || res->version < 0) unlink_written(r);
    res->t.read += (double)r->ns.read * 1e-9;
    res->t.standardize += (double)r->ns.standardize * 1e-9;
    res->t.hash += (double)r->ns.hash * 1e-9;
    res->t.dedup += (double)r->ns.dedup * 1e-9;
    res->t.existing += (double)r->ns.existing * 1e-9;
    res->t.enrich += (double)r->ns.enrich * 1e-9;
    res->t.write += (double)r->ns.write * 1e-9;
    st_logentry_free(le);
    st_logstate_free(bs);
    st_logstate_free(virt);
    run_free(r);
    return rc;
}

st_status st_silver_run(st_warehouse *w, const st_xspec *spec, const st_silver_opts *o, st_silver_result *res,
                        st_error *e) {
    st_silver_opts def;
    if (!o) {
        memset(&def, 0, sizeof def);
        def.retries = -1;
        o = &def;
    }
    memset(res, 0, sizeof *res);
    res->version = -1;
    st_tname tn, bn;
    ST_TRY(st_tname_parse(st_xspec_target(spec), &tn, e));
    ST_TRY(st_tname_parse(st_xspec_source(spec), &bn, e));
    st_table *t = NULL, *bt = NULL;
    st_status rc = st_table_open(w, &tn, &t, e);
    if (!rc) rc = st_table_open(w, &bn, &bt, e);
    int retries = o->retries < 0 ? 3 : o->retries;
    for (int a = 0; !rc; a++) {
        st_silver_result keep = *res;
        memset(res, 0, sizeof *res);
        res->version = -1;
        res->t = keep.t; /* time spent in lost attempts counts */
        json_decref(keep.report);
        res->attempts = (uint32_t)a + 1;
        rc = attempt(w, spec, o, res, t, bt, e);
        if (rc != ST_ERR_CONFLICT || a >= retries) break;
        /* another writer changed the table (or the source's history): start over from the new snapshot */
        rc = ST_OK;
    }
    if (rc == ST_ERR_CONFLICT && res->attempts > 1)
        st_error_prefix(e, "gave up after %u attempts: ", res->attempts);
    if (!rc && res->version >= 0 && st_xspec_suite(spec) && res->report) {
        /* the report of the committed snapshot, and the suite the table now answers to */
        json_object_set_new(res->report, "version", json_integer(res->version));
        st_error qe;
        if (st_quality_store(t, res->version, res->report, &qe) == ST_OK)
            st_quality_store_suite(t, st_xspec_suite(spec), &qe);
    }
    st_table_close(t);
    st_table_close(bt);
    return rc;
}
