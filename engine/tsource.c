/*
 * tsource.c: st_source over a table snapshot (see tsource.h).
 *
 * Lineage columns that are not stored are rebuilt from the segment's lineage
 * runs: each group keeps the runs' first-row offsets, so a unit (row group)
 * finds its runs by binary search and fills _ingest_id/_ingested_at with a
 * run of equal values.  _source strings point into one st_buf per group
 * holding the runs' source names, which the output vector pins: no per-row
 * copy, and the strings outlive the source if the vector does.
 *
 * Zone maps: a group's come from the log (stored columns), are computed from
 * the runs (virtual lineage columns), or say "all NULL" (a field the segment
 * predates).  A unit's come from the segment footer the same way.  Zone maps
 * ignore deletion vectors: they bound the rows, deleted ones included, which
 * keeps pruning correct (a bound of a superset is still a bound).
 *
 * Deletion vectors (format/dv.h) are loaded when a group is opened and
 * checked against the log's record (segment id, rows, deleted count); a read
 * then sets the batch's selection to the rows the vector does not mark.
 */
#include "engine/tsource.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lineage.h"
#include "format/dv.h"
#include "format/segment.h"

typedef struct tgroup {
    const st_segrec *rec;
    char label[ST_SEG_ID_LEN + 8];
    st_zonemap *zm;        /* nfields */
    uint64_t *run_first;   /* nruns: first row of each run */
    st_buf *sources;       /* run source names, back to back */
    st_vector *srcvec;     /* nruns VARCHAR: the run sources (for zone maps) */
    uint32_t *src_off;     /* nruns offsets into sources */
    /* after open */
    st_segment *seg;
    uint32_t nunits;
    int *colmap;           /* nfields: segment column or -1 */
    st_zonemap *unit_zm;   /* nunits * nfields */
    st_dv *dv;             /* the deletion vector in force, or NULL */
} tgroup;

typedef struct tsrc {
    st_table *t;
    st_logstate *state;
    bool rejects;
    uint32_t ngroups;
    tgroup *groups;
    /* partitioned tables: distinct partitions of the groups, their labels
     * and zone maps (nparts * nfields; bounds on the partition field only) */
    uint32_t nparts;
    int32_t *gpart;      /* ngroups: partition of each group */
    char **plabel;
    st_zonemap *pzm;
} tsrc;

static tsrc *impl(st_source *s) { return s->impl; }

/* ---- zone maps of virtual lineage columns ----------------------------------------- */

static void zone_null(st_zonemap *zm, st_type t, uint64_t rows) {
    st_zonemap_init(zm, t);
    zm->rows = rows;
    zm->null_count = rows;
}

/* A zone map that knows nothing: every predicate may match. */
static void zone_unknown(st_zonemap *zm, st_type t, uint64_t rows) {
    st_zonemap_init(zm, t);
    zm->rows = rows + 2;
    zm->null_count = 1;
}

/* Zone map of a lineage column over rows [first, first + n) of group g. */
static void zone_lineage(const tgroup *g, uint32_t fid, st_type t, uint64_t first, uint64_t n,
                         st_zonemap *zm) {
    st_zonemap_init(zm, t);
    const st_segrec *r = g->rec;
    uint64_t end = first + n;
    uint32_t sel[64], ns = 0;
    for (uint32_t i = 0; i < r->nruns; i++) {
        uint64_t a = g->run_first[i], b = a + r->runs[i].rows;
        if (b <= first || a >= end) continue;
        if (fid == ST_FID_SOURCE) {
            if (ns == 64) {
                st_zonemap_update(zm, g->srcvec, sel, ns);
                ns = 0;
            }
            sel[ns++] = i;
            continue;
        }
        st_zval z;
        memset(&z, 0, sizeof z);
        z.v.i64 = fid == ST_FID_INGEST_ID ? r->runs[i].ingest_id : r->runs[i].ingested_at;
        if (!zm->has_min || z.v.i64 < zm->min.v.i64) zm->min = z, zm->has_min = true;
        if (!zm->has_max || z.v.i64 > zm->max.v.i64) zm->max = z, zm->has_max = true;
    }
    if (ns) st_zonemap_update(zm, g->srcvec, sel, ns);
    zm->rows = n;
    zm->null_count = 0;
}

/* ---- ops ---------------------------------------------------------------------------- */

static uint32_t op_group_count(st_source *s) { return impl(s)->ngroups; }

static void op_group_info(st_source *s, uint32_t gi, st_group_info *out) {
    tgroup *g = &impl(s)->groups[gi];
    out->rows = g->rec->rows;
    out->bytes = g->rec->bytes;
    out->zm = g->zm;
    out->partition = impl(s)->gpart ? impl(s)->gpart[gi] : -1;
    out->label = g->label;
}

static st_status op_group_open(st_source *s, uint32_t gi, uint32_t *nunits, st_error *e) {
    tsrc *ts = impl(s);
    tgroup *g = &ts->groups[gi];
    if (g->seg) {
        *nunits = g->nunits;
        return ST_OK;
    }
    char path[PATH_MAX];
    st_table_seg_path(ts->t, g->rec->id, path, sizeof path);
    st_segment *seg;
    ST_TRY(st_segment_open(path, &seg, e));
    /* the file must be the one the log names */
    char hex[ST_SEG_ID_LEN + 1];
    const uint8_t *id = st_segment_id(seg);
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
    st_status rc = ST_OK;
    if (strcmp(hex, g->rec->id))
        rc = st_error_set(e, ST_ERR_CORRUPT, "%s: the segment's id is %s, not the %s the log names", path, hex,
                          g->rec->id);
    else if (st_segment_rows(seg) != g->rec->rows || st_segment_file_size(seg) != g->rec->bytes)
        rc = st_error_set(e, ST_ERR_CORRUPT, "%s: %" PRIu64 " rows and %" PRIu64 " bytes, the log says %" PRIu64
                          " and %" PRIu64, path, st_segment_rows(seg), st_segment_file_size(seg),
                          g->rec->rows, g->rec->bytes);
    st_dv *dv = NULL;
    if (!rc && g->rec->dv[0]) {
        char dpath[PATH_MAX];
        st_table_dv_path(ts->t, g->rec->dv, dpath, sizeof dpath);
        rc = st_dv_read_file(dpath, id, g->rec->rows, g->rec->dv_rows, &dv, e);
    }
    const st_schema *view = s->schema;
    uint32_t nf = view->nfields, nu = st_segment_nrowgroups(seg);
    int *colmap = NULL;
    st_zonemap *uz = NULL;
    if (!rc) {
        colmap = calloc(nf ? nf : 1, sizeof *colmap);
        uz = calloc((size_t)nu * nf + 1, sizeof *uz);
        if (!colmap || !uz) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    const st_schema *ss = rc ? NULL : st_segment_schema(seg);
    for (uint32_t c = 0; !rc && c < nf; c++) {
        const st_field *f = &view->fields[c];
        colmap[c] = st_lineage_virtual(f->id) ? -1 : st_segment_column_by_id(seg, f->id);
        if (colmap[c] >= 0 && !st_type_eq(ss->fields[colmap[c]].type, f->type)) {
            char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: column %s (field %u) is %s in the segment, %s in the table",
                              path, f->name, f->id, st_type_name(ss->fields[colmap[c]].type, a),
                              st_type_name(f->type, b));
        }
        if (!st_lineage_virtual(f->id) && colmap[c] < 0 && f->id == ST_FID_LINE)
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: the segment has no _line column", path);
    }
    for (uint32_t u = 0; !rc && u < nu; u++) {
        uint64_t first = st_segment_rowgroup_first_row(seg, u), n = st_segment_rowgroup_rows(seg, u);
        for (uint32_t c = 0; c < nf; c++) {
            const st_field *f = &view->fields[c];
            st_zonemap *z = &uz[(size_t)u * nf + c];
            if (st_lineage_virtual(f->id)) zone_lineage(g, f->id, f->type, first, n, z);
            else if (colmap[c] < 0) zone_null(z, f->type, n);
            else *z = *st_segment_rowgroup_zonemap(seg, u, (uint32_t)colmap[c]);
        }
    }
    if (rc) {
        free(colmap);
        free(uz);
        st_dv_free(dv);
        st_segment_close(seg);
        return rc;
    }
    g->dv = dv;
    g->colmap = colmap;
    g->unit_zm = uz;
    g->nunits = nu;
    g->seg = seg;
    *nunits = nu;
    return ST_OK;
}

static void op_unit_info(st_source *s, uint32_t gi, uint32_t u, const uint32_t *cols, uint32_t ncols,
                         st_unit_info *out) {
    tgroup *g = &impl(s)->groups[gi];
    uint32_t nf = s->schema->nfields;
    out->rows = st_segment_rowgroup_rows(g->seg, u);
    out->zm = &g->unit_zm[(size_t)u * nf];
    uint64_t bytes = 0;
    if (cols) {
        for (uint32_t i = 0; i < ncols; i++) {
            int c = cols[i] < nf ? g->colmap[cols[i]] : -1;
            if (c < 0) continue;
            st_segment_chunk ch;
            st_segment_chunk_info(g->seg, u, (uint32_t)c, &ch);
            bytes += ch.block_bytes;
        }
    } else {
        uint32_t nc = st_segment_schema(g->seg)->nfields;
        for (uint32_t c = 0; c < nc; c++) {
            st_segment_chunk ch;
            st_segment_chunk_info(g->seg, u, c, &ch);
            bytes += ch.block_bytes;
        }
    }
    out->bytes = bytes;
}

static st_status fill_nulls(st_vector *v, uint32_t n, st_error *e) {
    st_vector_reset(v);
    ST_TRY(st_vector_reserve(v, n, e));
    uint64_t *val = st_vector_validity(v);
    if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    memset(val, 0, ((size_t)n + 63) / 64 * 8);
    memset(v->data, 0, (size_t)n * st_type_width(v->type));
    v->len = n;
    return ST_OK;
}

static st_status fill_lineage(tgroup *g, uint32_t fid, uint64_t first, uint32_t n, st_vector *v, st_error *e) {
    st_vector_reset(v);
    ST_TRY(st_vector_reserve(v, n, e));
    const st_segrec *r = g->rec;
    /* first run that ends after `first` */
    uint32_t lo = 0, hi = r->nruns;
    while (lo + 1 < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (g->run_first[mid] <= first) lo = mid;
        else hi = mid;
    }
    if (fid == ST_FID_SOURCE) ST_TRY(st_vector_pin(v, g->sources, e));
    uint64_t row = first;
    uint32_t k = lo;
    for (uint32_t i = 0; i < n; k++) {
        if (k >= r->nruns) return st_error_set(e, ST_ERR_INTERNAL, "lineage runs end before the segment's rows");
        uint64_t run_end = g->run_first[k] + r->runs[k].rows;
        uint32_t take = (uint32_t)(run_end - row < (uint64_t)(n - i) ? run_end - row : (uint64_t)(n - i));
        if (fid == ST_FID_SOURCE) {
            st_str s = {(const char *)st_buf_data(g->sources) + g->src_off[k],
                        (uint32_t)strlen(r->runs[k].source), 0};
            st_str *d = ST_VEC(v, st_str) + i;
            for (uint32_t j = 0; j < take; j++) d[j] = s;
        } else {
            int64_t x = fid == ST_FID_INGEST_ID ? r->runs[k].ingest_id : r->runs[k].ingested_at;
            int64_t *d = ST_VEC(v, int64_t) + i;
            for (uint32_t j = 0; j < take; j++) d[j] = x;
        }
        i += take;
        row += take;
    }
    v->len = n;
    return ST_OK;
}

static st_status op_read(st_source *s, uint32_t gi, uint32_t u, const uint32_t *cols, uint32_t ncols,
                         st_batch *out, st_error *e) {
    tgroup *g = &impl(s)->groups[gi];
    uint32_t nf = s->schema->nfields;
    uint32_t n = st_segment_rowgroup_rows(g->seg, u);
    uint64_t first = st_segment_rowgroup_first_row(g->seg, u);
    if (g->dv && st_dv_count_range(g->dv, first, n)) {
        uint32_t *sel = st_batch_sel_alloc(out, n);
        if (!sel) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        out->sel_len = st_dv_select(g->dv, first, n, sel);
    } else {
        free(out->sel);
        out->sel = NULL;
        out->sel_len = out->sel_cap = 0;
    }
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i] >= nf) return st_error_set(e, ST_ERR_INVALID, "column %u is not in the source", cols[i]);
        const st_field *f = &s->schema->fields[cols[i]];
        st_vector *v = out->cols[i];
        if (st_lineage_virtual(f->id)) ST_TRY(fill_lineage(g, f->id, first, n, v, e));
        else if (g->colmap[cols[i]] < 0) ST_TRY(fill_nulls(v, n, e));
        else ST_TRY(st_segment_read(g->seg, u, (uint32_t)g->colmap[cols[i]], v, e));
    }
    st_batch_set_len(out, n);
    return ST_OK;
}

static uint32_t op_partition_count(st_source *s) { return impl(s)->nparts; }
static const char *op_partition_label(st_source *s, uint32_t p) {
    return p < impl(s)->nparts ? impl(s)->plabel[p] : NULL;
}
static const st_zonemap *op_partition_zm(st_source *s, uint32_t p) {
    tsrc *ts = impl(s);
    return p < ts->nparts ? &ts->pzm[(size_t)p * s->schema->nfields] : NULL;
}

/* Zone map of the partition field from the partition's bounds (text). */
static void part_zone(st_zonemap *zm, st_type t, const st_segrec *r) {
    zone_unknown(zm, t, 0);
    if (!r->part_key) {
        zone_null(zm, t, 1);
        return;
    }
    st_vector *v = st_vector_new(t, 2);
    if (!v) return;
    const char *b[2] = {r->part_min, r->part_max};
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
        if (st_type_is_string(t)) {
            ok = st_vector_set_str(v, (uint32_t)i, b[i], (uint32_t)strlen(b[i]), NULL) == ST_OK;
        } else {
            ok = st_parse_value(t, b[i], strlen(b[i]), st_vector_at(v, (uint32_t)i), NULL) == ST_OK;
            if (ok) st_vector_set_valid(v, (uint32_t)i);
        }
    }
    v->len = 2;
    if (ok) {
        st_zonemap z;
        st_zonemap_init(&z, t);
        st_zonemap_update(&z, v, NULL, 2);
        *zm = z; /* bounds unparsable (damage): stays unknown, never wrong */
    }
    st_vector_free(v);
}

/* Group the data segments of a partitioned table by partition key. */
static bool build_parts(tsrc *ts, const st_schema *vs) {
    const st_tschema *sc = ts->state->schema;
    int pc = st_schema_find_id(vs, sc->part_field);
    if (sc->part_kind == ST_PART_NONE || pc < 0 || ts->rejects) return true;
    uint32_t nf = vs->nfields;
    ts->gpart = calloc(ts->ngroups ? ts->ngroups : 1, sizeof *ts->gpart);
    ts->plabel = calloc(ts->ngroups ? ts->ngroups : 1, sizeof *ts->plabel);
    ts->pzm = calloc((size_t)(ts->ngroups ? ts->ngroups : 1) * (nf ? nf : 1), sizeof *ts->pzm);
    if (!ts->gpart || !ts->plabel || !ts->pzm) return false;
    const st_segrec **first = calloc(ts->ngroups ? ts->ngroups : 1, sizeof *first);
    if (!first) return false;
    for (uint32_t g = 0; g < ts->ngroups; g++) {
        const st_segrec *r = ts->groups[g].rec;
        if (!r->has_part) { /* written before partitioning: no partition */
            ts->gpart[g] = -1;
            continue;
        }
        uint32_t p = 0;
        for (; p < ts->nparts; p++) {
            const st_segrec *q = first[p];
            if ((!q->part_key && !r->part_key) || (q->part_key && r->part_key && !strcmp(q->part_key, r->part_key)))
                break;
        }
        ts->gpart[g] = (int32_t)p;
        if (p < ts->nparts) continue;
        first[p] = r;
        ts->plabel[p] = strdup(r->part_key ? r->part_key : "NULL");
        if (!ts->plabel[p]) {
            free(first);
            return false;
        }
        ts->nparts++;
        st_zonemap *z = &ts->pzm[(size_t)p * nf];
        for (uint32_t c = 0; c < nf; c++)
            if ((int)c != pc) zone_unknown(&z[c], vs->fields[c].type, 0);
        part_zone(&z[pc], vs->fields[pc].type, r);
    }
    free(first);
    return true;
}

static void op_close(st_source *s) {
    if (!s) return;
    tsrc *ts = impl(s);
    for (uint32_t i = 0; ts && i < ts->ngroups; i++) {
        tgroup *g = &ts->groups[i];
        free(g->zm);
        free(g->run_first);
        free(g->src_off);
        st_buf_unref(g->sources);
        st_vector_free(g->srcvec);
        st_segment_close(g->seg);
        st_dv_free(g->dv);
        free(g->colmap);
        free(g->unit_zm);
    }
    if (ts) {
        for (uint32_t p = 0; p < ts->nparts; p++) free(ts->plabel[p]);
        free(ts->plabel);
        free(ts->gpart);
        free(ts->pzm);
        free(ts->groups);
        st_logstate_free(ts->state);
        free(ts);
    }
    st_schema_free(s->schema);
    free(s->name);
    free(s);
}

static const st_source_ops tsource_ops = {op_group_count, op_group_info, op_group_open, op_unit_info,
                                          op_read, op_partition_count, op_partition_label, op_close,
                                          NULL, op_partition_zm};

const st_logstate *st_tsource_state(const st_source *s) { return ((const tsrc *)s->impl)->state; }

st_status st_tsource_open(st_table *t, st_logstate *state, bool rejects, st_source **out, st_error *e) {
    *out = NULL;
    st_source *s = calloc(1, sizeof *s);
    tsrc *ts = calloc(1, sizeof *ts);
    if (!s || !ts) {
        free(s);
        free(ts);
        st_logstate_free(state);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    s->ops = &tsource_ops;
    s->impl = ts;
    ts->t = t;
    ts->state = state;
    ts->rejects = rejects;
    char name[256];
    snprintf(name, sizeof name, "%s%s@v%" PRId64, st_table_name(t), rejects ? ST_REJECTS_SUFFIX : "",
             state->version);
    s->name = strdup(name);
    s->schema = st_lineage_view_schema(state->schema, rejects);
    uint8_t side = rejects ? ST_SIDE_REJECTS : ST_SIDE_DATA;
    uint32_t n = 0;
    for (uint32_t i = 0; i < state->nsegs; i++) n += state->segs[i].side == side;
    ts->groups = calloc(n ? n : 1, sizeof *ts->groups);
    if (!s->name || !s->schema || !ts->groups) goto oom;
    uint32_t nf = s->schema->nfields;
    for (uint32_t i = 0; i < state->nsegs; i++) {
        const st_segrec *r = &state->segs[i];
        if (r->side != side) continue;
        tgroup *g = &ts->groups[ts->ngroups++];
        g->rec = r;
        snprintf(g->label, sizeof g->label, "%s.seg", r->id);
        g->run_first = calloc(r->nruns ? r->nruns : 1, sizeof *g->run_first);
        g->src_off = calloc(r->nruns ? r->nruns : 1, sizeof *g->src_off);
        size_t total = 0;
        for (uint32_t k = 0; k < r->nruns; k++) total += strlen(r->runs[k].source) + 1;
        g->sources = st_buf_new(total ? total : 1);
        g->zm = calloc(nf ? nf : 1, sizeof *g->zm);
        g->srcvec = st_vector_new(st_type_make(ST_T_VARCHAR), r->nruns ? r->nruns : 1);
        if (!g->run_first || !g->src_off || !g->sources || !g->zm || !g->srcvec) goto oom;
        uint64_t first = 0;
        size_t off = 0;
        g->srcvec->len = r->nruns;
        for (uint32_t k = 0; k < r->nruns; k++) {
            g->run_first[k] = first;
            first += r->runs[k].rows;
            g->src_off[k] = (uint32_t)off;
            size_t len = strlen(r->runs[k].source) + 1;
            memcpy((char *)st_buf_data(g->sources) + off, r->runs[k].source, len);
            ST_VEC(g->srcvec, st_str)[k] = (st_str){(const char *)st_buf_data(g->sources) + off,
                                                     (uint32_t)(len - 1), 0};
            off += len;
        }
        for (uint32_t c = 0; c < nf; c++) {
            const st_field *f = &s->schema->fields[c];
            if (st_lineage_virtual(f->id)) {
                zone_lineage(g, f->id, f->type, 0, r->rows, &g->zm[c]);
                continue;
            }
            const st_seg_zone *z = NULL;
            for (uint32_t k = 0; k < r->nzones; k++)
                if (r->zones[k].field_id == f->id) z = &r->zones[k];
            if (z && st_type_eq(z->zm.type, f->type)) g->zm[c] = z->zm;
            else if (z) zone_unknown(&g->zm[c], f->type, r->rows);
            else zone_null(&g->zm[c], f->type, r->rows);
        }
    }
    if (!build_parts(ts, s->schema)) goto oom;
    *out = s;
    return ST_OK;
oom:
    op_close(s);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory");
}
