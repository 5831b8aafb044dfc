/*
 * compact.c: rewrite runs of small segments into large ones (see compact.h).
 *
 * Reading goes through the table source (so fields an old segment lacks come
 * out as NULL columns of the current schema, and are written as such), one
 * row group at a time; each row group is cut at the input's lineage run
 * boundaries so that every output run keeps its source, _ingest_id and
 * _ingested_at.  Rows a deletion vector hides are not read (the table
 * source leaves them out of the selection), so they are purged: a segment
 * whose deleted share reaches the threshold is rewritten even when it is
 * large and alone, and one whose rows are all deleted is only removed.
 */
#include "engine/compact.h"

#include <stdlib.h>
#include <string.h>

#include "engine/lineage.h"
#include "engine/segbuild.h"
#include "engine/tsource.h"

typedef struct plan {
    uint32_t *inputs; /* state segment indices */
    uint32_t n;
    uint64_t rows;    /* live rows (deleted ones are not rewritten) */
    bool purge;       /* holds a segment whose deleted share reached the threshold */
} plan;

static bool dv_heavy(const st_segrec *r, double share) {
    return r->dv[0] && (r->dv_rows >= r->rows || (double)r->dv_rows >= share * (double)r->rows);
}

/* Group consecutive small (or deletion-heavy) segments of `side` into plans
 * of ~target live rows. */
static st_status make_plans(const st_logstate *s, uint8_t side, uint64_t target, uint64_t small, double share,
                            plan **out, uint32_t *nout, st_error *e) {
    plan *ps = NULL;
    uint32_t np = 0;
    plan cur = {0};
    for (uint32_t i = 0; i <= s->nsegs; i++) {
        const st_segrec *r = i < s->nsegs ? &s->segs[i] : NULL;
        uint64_t live = r ? r->rows - r->dv_rows : 0;
        bool heavy = r && r->side == side && dv_heavy(r, share);
        bool take = r && r->side == side && (live < small || heavy);
        bool other_side = r && r->side != side;
        if (other_side) continue; /* the other side does not break a run */
        if (take && cur.rows + live > target && cur.n) take = false, i--;
        if (take) {
            uint32_t *ni = realloc(cur.inputs, (cur.n + 1) * sizeof *ni);
            if (!ni) goto oom;
            cur.inputs = ni;
            cur.inputs[cur.n++] = i;
            cur.rows += live;
            cur.purge |= heavy;
            continue;
        }
        if (cur.n >= 2 || cur.purge) {
            plan *n = realloc(ps, (np + 1) * sizeof *n);
            if (!n) goto oom;
            ps = n;
            ps[np++] = cur;
        } else {
            free(cur.inputs);
        }
        memset(&cur, 0, sizeof cur);
    }
    *out = ps;
    *nout = np;
    return ST_OK;
oom:
    free(cur.inputs);
    for (uint32_t k = 0; k < np; k++) free(ps[k].inputs);
    free(ps);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory");
}

/* Rewrite the inputs of one plan into one segment; *wrote is false when
 * every row was deleted (no segment). */
static st_status rewrite(st_table *t, st_source *src, const st_logstate *s, bool rejects, const plan *p,
                         st_segrec *out, bool *wrote, st_error *e) {
    *wrote = false;
    const st_schema *view = src->schema;
    /* the columns the builder wants, then _line */
    uint32_t ncols = 0, cols[64 + ST_REJECT_NCOLS];
    uint32_t *colv = cols;
    if (view->nfields + 1 > sizeof cols / sizeof cols[0]) {
        colv = calloc(view->nfields + 1, sizeof *colv);
        if (!colv) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (uint32_t c = 0; c < view->nfields; c++) {
        uint32_t id = view->fields[c].id;
        bool want = rejects ? (id >= ST_FID_REJ_REASONS && id <= ST_FID_REJ_BYTES) : !st_lineage_fid(id);
        if (want) colv[ncols++] = c;
    }
    colv[ncols] = (uint32_t)st_schema_find_id(view, ST_FID_LINE);
    st_type *types = calloc(ncols + 1, sizeof *types);
    st_batch *b = NULL, *w = NULL;
    st_segbuild *sb = NULL;
    uint32_t *sel = NULL, selcap = 0;
    st_status rc = ST_OK;
    if (!types) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t i = 0; i <= ncols; i++) types[i] = view->fields[colv[i]].type;
    b = st_batch_new(types, ncols + 1, ST_VECTOR_SIZE);
    if (!b) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    ST_CHECK(rc, st_segbuild_new(t, s->schema, rejects, NULL, &sb, e));
    /* map state segment index -> source group index */
    uint8_t side = rejects ? ST_SIDE_REJECTS : ST_SIDE_DATA;
    for (uint32_t k = 0; k < p->n; k++) {
        uint32_t si = p->inputs[k], gi = 0;
        for (uint32_t i = 0; i < si; i++) gi += s->segs[i].side == side;
        const st_segrec *rec = &s->segs[si];
        uint32_t nu;
        ST_CHECK(rc, src->ops->group_open(src, gi, &nu, e));
        uint64_t row = 0;
        uint32_t run = 0;
        uint64_t run_end = rec->nruns ? rec->runs[0].rows : 0;
        for (uint32_t u = 0; u < nu; u++) {
            ST_CHECK(rc, src->ops->read(src, gi, u, colv, ncols + 1, b, e));
            /* a batch of the builder's columns only, cut at run boundaries */
            st_batch view_b = *b;
            view_b.ncols = ncols;
            if (b->len > selcap) {
                uint32_t *ns = realloc(sel, b->len * sizeof *ns);
                if (!ns) {
                    rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                    goto cleanup;
                }
                sel = ns;
                selcap = b->len;
            }
            view_b.sel = sel;
            const int64_t *lines = ST_VEC(b->cols[ncols], int64_t);
            uint32_t i = 0, si = 0;
            while (i < b->len) {
                while (row >= run_end && run + 1 < rec->nruns) run_end += rec->runs[++run].rows;
                uint32_t take = (uint32_t)(run_end - row < (uint64_t)(b->len - i) ? run_end - row : b->len - i);
                if (take == 0) {
                    rc = st_error_set(e, ST_ERR_CORRUPT, "segment %s has more rows than its lineage", rec->id);
                    goto cleanup;
                }
                uint32_t k = 0;
                if (b->sel) /* rows a deletion vector hides stay behind */
                    while (si < b->sel_len && b->sel[si] < i + take) sel[k++] = b->sel[si++];
                else
                    for (uint32_t j = 0; j < take; j++) sel[k++] = i + j;
                view_b.sel_len = k;
                if (k) ST_CHECK(rc, st_segbuild_add(sb, &view_b, lines, &rec->runs[run], e));
                i += take;
                row += take;
            }
        }
    }
    if (st_segbuild_rows(sb) == 0) goto cleanup; /* all deleted: nothing to write */
    rc = st_segbuild_finish(sb, out, e);
    sb = NULL;
    *wrote = rc == ST_OK;
cleanup:
    st_segbuild_abort(sb);
    free(sel);
    st_batch_free(b);
    st_batch_free(w);
    free(types);
    if (colv != cols) free(colv);
    return rc;
}

st_status st_table_compact(st_table *t, const st_compact_opts *o, st_compact_result *r, st_error *e) {
    memset(r, 0, sizeof *r);
    r->version = -1;
    uint64_t target = o && o->target_rows ? o->target_rows : (1u << 20);
    uint64_t small = o && o->small_rows ? o->small_rows : target / 2;
    double share = o && o->deleted_share > 0 ? o->deleted_share : ST_COMPACT_DELETED_SHARE;
    st_logstate *s = NULL;
    st_logentry *le = NULL;
    plan *plans[2] = {NULL, NULL};
    uint32_t nplans[2] = {0, 0};
    st_status rc;
    ST_CHECK(rc, st_table_load(t, -1, &s, e));
    /* Partitioned or clustered tables (Gold) are written in whole, sorted
     * partitions by SQL; merging their segments would mix partitions and
     * undo the clustering, so they are left as they are. */
    if (s->schema->part_kind != ST_PART_NONE || s->schema->ncluster) goto cleanup;
    for (int side = 0; side < 2; side++)
        ST_CHECK(rc, make_plans(s, (uint8_t)side, target, small, share, &plans[side], &nplans[side], e));
    if (!nplans[0] && !nplans[1]) goto cleanup;
    le = st_logentry_new();
    if (!le) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    le->op = ST_OP_COMPACT;
    uint32_t nin = 0;
    for (int side = 0; side < 2; side++)
        for (uint32_t k = 0; k < nplans[side]; k++) nin += plans[side][k].n;
    le->removes = calloc(nin, sizeof *le->removes);
    le->adds = calloc(nplans[0] + nplans[1], sizeof *le->adds);
    if (!le->removes || !le->adds) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (int side = 0; side < 2; side++) {
        if (!nplans[side]) continue;
        st_logstate *copy = NULL;
        st_source *src = NULL;
        ST_CHECK(rc, st_table_load(t, s->version, &copy, e));
        ST_CHECK(rc, st_tsource_open(t, copy, side == ST_SIDE_REJECTS, &src, e));
        for (uint32_t k = 0; k < nplans[side] && !rc; k++) {
            const plan *p = &plans[side][k];
            bool wrote = false;
            rc = rewrite(t, src, s, side == ST_SIDE_REJECTS, p, &le->adds[le->nadds], &wrote, e);
            if (rc) break;
            if (wrote) r->bytes_out += le->adds[le->nadds++].bytes;
            for (uint32_t i = 0; i < p->n; i++) {
                memcpy(le->removes[le->nremoves++], s->segs[p->inputs[i]].id, ST_SEG_ID_LEN + 1);
                r->bytes_in += s->segs[p->inputs[i]].bytes;
                r->rows_purged += s->segs[p->inputs[i]].dv_rows;
            }
            r->rows += p->rows;
        }
        st_source_close(src);
        if (rc) goto cleanup;
    }
    r->segments_in = le->nremoves;
    r->segments_out = le->nadds;
    ST_CHECK(rc, st_table_commit(t, s, le, NULL, e));
    r->version = s->version;
cleanup:
    for (int side = 0; side < 2; side++) {
        for (uint32_t k = 0; k < nplans[side]; k++) free(plans[side][k].inputs);
        free(plans[side]);
    }
    st_logentry_free(le);
    st_logstate_free(s);
    return rc;
}
