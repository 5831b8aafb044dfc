/*
 * memsrc.c: in-memory tables, their sources and a versioned catalog
 * (memsrc.h).
 *
 * Storage: a list of units, each one st_vector per column allocated at full
 * unit capacity up front, so appending fills the last unit and then adds
 * new ones, and nothing ever moves.  Deleted rows are a bitmap over all rows.
 * A snapshot is (row count, copy of the deletion bitmap); a source reads
 * units of its snapshot by copying the fixed-width values (and the string
 * slots, which point into the table's vector heaps and stay valid while the
 * table lives) and sets the batch's selection to skip deleted rows.
 */
#include "engine/memsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/zonemap.h"

struct st_memtable {
    int refs; /* atomic */
    st_schema *schema;
    uint32_t unit_rows, per_group;
    st_vector ***units; /* units[u][col] */
    uint32_t nunits, ucap;
    uint64_t rows;
    uint64_t *deleted; /* bitmap over rows, grown with rows */
    uint64_t del_words;
};

st_memtable *st_memtable_new(const st_schema *schema, uint32_t unit_rows,
                             uint32_t units_per_group) {
    st_memtable *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->refs = 1;
    t->schema = st_schema_clone(schema);
    if (!t->schema) {
        free(t);
        return NULL;
    }
    t->unit_rows = unit_rows ? unit_rows : 65536;
    if (t->unit_rows > ST_SOURCE_UNIT_MAX) t->unit_rows = ST_SOURCE_UNIT_MAX;
    t->per_group = units_per_group ? units_per_group : 16;
    return t;
}

static st_memtable *mt_ref(st_memtable *t) {
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

void st_memtable_unref(st_memtable *t) {
    if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (uint32_t u = 0; u < t->nunits; u++) {
        for (uint32_t c = 0; c < t->schema->nfields; c++) st_vector_free(t->units[u][c]);
        free(t->units[u]);
    }
    free(t->units);
    free(t->deleted);
    st_schema_free(t->schema);
    free(t);
}

const st_schema *st_memtable_schema(const st_memtable *t) { return t->schema; }
uint64_t st_memtable_rows(const st_memtable *t) { return t->rows; }

static st_status add_unit(st_memtable *t, st_error *e) {
    if (t->nunits == t->ucap) {
        uint32_t nc = t->ucap ? t->ucap * 2 : 8;
        st_vector ***nu = realloc(t->units, nc * sizeof *nu);
        if (!nu) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        t->units = nu;
        t->ucap = nc;
    }
    uint32_t nf = t->schema->nfields;
    st_vector **cols = calloc(nf ? nf : 1, sizeof *cols);
    if (!cols) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t c = 0; c < nf; c++) {
        cols[c] = st_vector_new(t->schema->fields[c].type, t->unit_rows);
        if (!cols[c]) {
            for (uint32_t k = 0; k < c; k++) st_vector_free(cols[k]);
            free(cols);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
    }
    t->units[t->nunits++] = cols;
    return ST_OK;
}

st_status st_memtable_append(st_memtable *t, const st_batch *b, st_error *e) {
    uint32_t nf = t->schema->nfields;
    if (b->ncols != nf)
        return st_error_set(e, ST_ERR_INVALID, "append: %u columns for a table of %u", b->ncols, nf);
    for (uint32_t c = 0; c < nf; c++)
        if (!st_type_eq(b->cols[c]->type, t->schema->fields[c].type))
            return st_error_set(e, ST_ERR_TYPE, "append: column %u has the wrong type", c + 1);
    uint32_t live = st_batch_live(b);
    for (uint32_t k = 0; k < live; k++) {
        uint32_t r = b->sel ? b->sel[k] : k;
        if (t->rows % t->unit_rows == 0) ST_TRY(add_unit(t, e));
        st_vector **cols = t->units[t->nunits - 1];
        for (uint32_t c = 0; c < nf; c++) ST_TRY(st_vector_append_from(cols[c], b->cols[c], r, e));
        t->rows++;
    }
    uint64_t words = (t->rows + 63) / 64;
    if (words > t->del_words) {
        uint64_t *nd = realloc(t->deleted, words * 8);
        if (!nd) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memset(nd + t->del_words, 0, (words - t->del_words) * 8);
        t->deleted = nd;
        t->del_words = words;
    }
    return ST_OK;
}

st_status st_memtable_delete(st_memtable *t, uint64_t row, st_error *e) {
    if (row >= t->rows)
        return st_error_set(e, ST_ERR_INVALID, "delete: row %llu of %llu", (unsigned long long)row,
                            (unsigned long long)t->rows);
    t->deleted[row / 64] |= UINT64_C(1) << (row % 64);
    return ST_OK;
}

/* ---- sources ------------------------------------------------------------ */

/* A snapshot: rows, deletions and zone maps as of one moment; shared by
 * every source opened on it (zone maps are computed once). */
typedef struct msnap {
    int refs;
    st_memtable *t;
    uint64_t rows;
    uint64_t *deleted; /* copy */
    uint32_t nunits;   /* units in the snapshot */
    uint32_t ngroups;
    st_zonemap *uzm;   /* nunits * nfields */
    st_zonemap *gzm;   /* ngroups * nfields */
} msnap;

typedef msnap msrc;

static uint32_t unit_len(const msrc *m, uint32_t u) {
    uint64_t start = (uint64_t)u * m->t->unit_rows;
    uint64_t left = m->rows - start;
    return left < m->t->unit_rows ? (uint32_t)left : m->t->unit_rows;
}

static uint32_t ms_group_count(st_source *s) { return ((msrc *)s->impl)->ngroups; }

static void ms_group_info(st_source *s, uint32_t g, st_group_info *out) {
    msrc *m = s->impl;
    memset(out, 0, sizeof *out);
    uint32_t u0 = g * m->t->per_group;
    for (uint32_t u = u0; u < u0 + m->t->per_group && u < m->nunits; u++) out->rows += unit_len(m, u);
    out->bytes = out->rows * 8 * m->t->schema->nfields;
    out->zm = m->gzm ? m->gzm + (size_t)g * m->t->schema->nfields : NULL;
    out->partition = -1;
    out->label = s->name;
}

static st_status ms_group_open(st_source *s, uint32_t g, uint32_t *nunits, st_error *e) {
    msrc *m = s->impl;
    if (g >= m->ngroups) return st_error_set(e, ST_ERR_INVALID, "group %u out of range", g);
    uint32_t u0 = g * m->t->per_group;
    uint32_t n = m->nunits - u0;
    *nunits = n < m->t->per_group ? n : m->t->per_group;
    return ST_OK;
}

static void ms_unit_info(st_source *s, uint32_t g, uint32_t u, const uint32_t *cols,
                         uint32_t ncols, st_unit_info *out) {
    msrc *m = s->impl;
    uint32_t gu = g * m->t->per_group + u;
    memset(out, 0, sizeof *out);
    out->rows = unit_len(m, gu);
    out->bytes = out->rows * 8 * (cols ? ncols : m->t->schema->nfields);
    out->zm = m->uzm ? m->uzm + (size_t)gu * m->t->schema->nfields : NULL;
}

static st_status ms_read(st_source *s, uint32_t g, uint32_t u, const uint32_t *cols,
                         uint32_t ncols, st_batch *out, st_error *e) {
    msrc *m = s->impl;
    uint32_t gu = g * m->t->per_group + u;
    if (gu >= m->nunits) return st_error_set(e, ST_ERR_INVALID, "unit %u out of range", gu);
    uint32_t len = unit_len(m, gu);
    if (out->ncols != ncols) return st_error_set(e, ST_ERR_INVALID, "read: batch has %u columns, %u asked", out->ncols, ncols);
    st_vector **src = m->t->units[gu];
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i] >= m->t->schema->nfields)
            return st_error_set(e, ST_ERR_INVALID, "read: no column %u", cols[i]);
        st_vector *v = out->cols[i], *sv = src[cols[i]];
        st_vector_reset(v);
        ST_TRY(st_vector_reserve(v, len, e));
        memcpy(v->data, sv->data, (size_t)len * st_type_width(sv->type));
        if (sv->validity) {
            uint64_t *vb = st_vector_validity(v);
            if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            memcpy(vb, sv->validity, ((size_t)len + 63) / 64 * 8);
        }
        v->len = len;
    }
    st_batch_set_len(out, len);
    out->len = len;
    /* deletions */
    uint64_t start = (uint64_t)gu * m->t->unit_rows;
    uint32_t ndel = 0;
    for (uint32_t k = 0; k < len; k++) {
        uint64_t r = start + k;
        if ((m->deleted[r / 64] >> (r % 64)) & 1) ndel++;
    }
    if (ndel) {
        uint32_t *sel = st_batch_sel_alloc(out, len);
        if (!sel) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        uint32_t n = 0;
        for (uint32_t k = 0; k < len; k++) {
            uint64_t r = start + k;
            if (!((m->deleted[r / 64] >> (r % 64)) & 1)) sel[n++] = k;
        }
        out->sel = sel;
        out->sel_len = n;
    } else {
        free(out->sel);
        out->sel = NULL;
        out->sel_len = out->sel_cap = 0;
    }
    return ST_OK;
}

static uint32_t ms_partition_count(st_source *s) {
    (void)s;
    return 0;
}
static const char *ms_partition_label(st_source *s, uint32_t p) {
    (void)s;
    (void)p;
    return NULL;
}

static void snap_unref(msnap *m) {
    if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    st_memtable_unref(m->t);
    free(m->deleted);
    free(m->uzm);
    free(m->gzm);
    free(m);
}

static void ms_close(st_source *s) {
    if (!s) return;
    snap_unref(s->impl);
    st_schema_free(s->schema);
    free(s->name);
    free(s);
}

static const st_source_ops ms_ops = {ms_group_count, ms_group_info, ms_group_open,
                                     ms_unit_info,   ms_read,       ms_partition_count,
                                     ms_partition_label, ms_close, NULL};

/* ---- stream sources: the same snapshot, read in order ------------------- */

typedef struct mstream {
    msnap *m;
    uint32_t next_unit; /* next unit of the current group */
    uint32_t group;
} mstream;

static uint32_t mss_group_count(st_source *s) { return ((mstream *)s->impl)->m->ngroups; }
static void mss_group_info(st_source *s, uint32_t g, st_group_info *out) {
    mstream *st = s->impl;
    memset(out, 0, sizeof *out);
    (void)g;
    out->rows = 0; /* unknown, as for a text file */
    out->partition = -1;
    out->label = s->name;
    (void)st;
}
static st_status mss_group_open(st_source *s, uint32_t g, uint32_t *nunits, st_error *e) {
    mstream *st = s->impl;
    if (g >= st->m->ngroups) return st_error_set(e, ST_ERR_INVALID, "group %u out of range", g);
    *nunits = 0;
    return ST_OK;
}
static st_status mss_read_next(st_source *s, uint32_t g, const uint32_t *cols, uint32_t ncols,
                               st_batch *out, bool *done, st_error *e) {
    mstream *st = s->impl;
    msnap *m = st->m;
    if (g != st->group) {
        st->group = g;
        st->next_unit = 0;
    }
    uint32_t per = m->t->per_group;
    uint32_t u = st->next_unit;
    if (u >= per || g * per + u >= m->nunits) {
        *done = true;
        return ST_OK;
    }
    st->next_unit++;
    *done = false;
    st_source tmp = *s;
    tmp.impl = m;
    return ms_read(&tmp, g, u, cols, ncols, out, e);
}
static void mss_close(st_source *s) {
    if (!s) return;
    mstream *st = s->impl;
    if (st) {
        snap_unref(st->m);
        free(st);
    }
    st_schema_free(s->schema);
    free(s->name);
    free(s);
}
static const st_source_ops mss_ops = {mss_group_count, mss_group_info, mss_group_open,
                                      NULL,            NULL,           ms_partition_count,
                                      ms_partition_label, mss_close,   mss_read_next};

/* the table as it is now, with its zone maps */
static st_status snap_take(st_memtable *t, msnap **out, st_error *e) {
    msnap *m = calloc(1, sizeof *m);
    if (!m) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    m->refs = 1;
    m->t = mt_ref(t);
    m->rows = t->rows;
    uint64_t words = (t->rows + 63) / 64;
    m->deleted = calloc(words ? words : 1, 8);
    m->nunits = (uint32_t)((t->rows + t->unit_rows - 1) / t->unit_rows);
    m->ngroups = (m->nunits + t->per_group - 1) / t->per_group;
    uint32_t nf = t->schema->nfields;
    m->uzm = calloc((size_t)(m->nunits ? m->nunits : 1) * (nf ? nf : 1), sizeof *m->uzm);
    m->gzm = calloc((size_t)(m->ngroups ? m->ngroups : 1) * (nf ? nf : 1), sizeof *m->gzm);
    if (!m->deleted || !m->uzm || !m->gzm) {
        snap_unref(m);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (words) memcpy(m->deleted, t->deleted, words * 8);
    /* zone maps of the snapshot's rows (deleted rows included: a zone map
     * may be wider than the live rows, never narrower) */
    for (uint32_t u = 0; u < m->nunits; u++) {
        uint32_t len = unit_len(m, u);
        for (uint32_t c = 0; c < nf; c++) {
            st_zonemap *z = &m->uzm[(size_t)u * nf + c];
            st_zonemap_init(z, t->schema->fields[c].type);
            st_zonemap_update(z, t->units[u][c], NULL, len);
            st_zonemap *gz = &m->gzm[(size_t)(u / t->per_group) * nf + c];
            if (u % t->per_group == 0) *gz = *z;
            else st_zonemap_merge(gz, z);
        }
    }
    *out = m;
    return ST_OK;
}

static st_status source_from(msnap *m, const char *name, st_source **out, st_error *e) {
    st_source *s = calloc(1, sizeof *s);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    s->ops = &ms_ops;
    s->impl = m;
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    s->schema = st_schema_clone(m->t->schema);
    s->name = strdup(name ? name : "t");
    if (!s->schema || !s->name) {
        ms_close(s);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return ST_OK;
}

st_status st_memtable_source(st_memtable *t, const char *name, st_source **out, st_error *e) {
    msnap *m;
    ST_TRY(snap_take(t, &m, e));
    st_status rc = source_from(m, name, out, e);
    snap_unref(m);
    return rc;
}

st_status st_memtable_stream_source(st_memtable *t, const char *name, st_source **out,
                                    st_error *e) {
    msnap *m;
    ST_TRY(snap_take(t, &m, e));
    st_source *s = calloc(1, sizeof *s);
    mstream *st = calloc(1, sizeof *st);
    if (!s || !st) {
        free(s);
        free(st);
        snap_unref(m);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    st->m = m;
    s->ops = &mss_ops;
    s->impl = st;
    s->schema = st_schema_clone(t->schema);
    s->name = strdup(name ? name : "t");
    if (!s->schema || !s->name) {
        mss_close(s);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return ST_OK;
}

/* ---- catalog ------------------------------------------------------------ */

typedef struct mversion {
    msnap *sn;
    int64_t ts;
} mversion;

typedef struct mtable {
    char *name;
    mversion *v;
    uint32_t nv, cap;
} mtable;

struct st_memcat {
    st_catalog cat;
    mtable *tables;
    uint32_t n, cap;
};

static st_status mc_open(st_catalog *c, const char *name, int64_t ver, int64_t ts,
                         st_source **out, st_error *e) {
    st_memcat *mc = c->impl;
    mtable *tb = NULL;
    for (uint32_t i = 0; i < mc->n; i++)
        if (!strcasecmp(mc->tables[i].name, name)) tb = &mc->tables[i];
    if (!tb) {
        char list[256];
        size_t l = 0;
        list[0] = 0;
        for (uint32_t i = 0; i < mc->n && l < sizeof list - 40; i++)
            l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", mc->tables[i].name);
        return st_error_set(e, ST_ERR_NOT_FOUND, "unknown table \"%s\" (tables: %s)", name,
                            mc->n ? list : "none");
    }
    uint32_t pick = tb->nv - 1;
    if (ver >= 0) {
        if ((uint64_t)ver >= tb->nv)
            return st_error_set(e, ST_ERR_NOT_FOUND, "table %s has no version %lld (versions 0..%u)",
                                tb->name, (long long)ver, tb->nv - 1);
        pick = (uint32_t)ver;
    } else if (ts != INT64_MIN) {
        int found = -1;
        for (uint32_t i = 0; i < tb->nv; i++)
            if (tb->v[i].ts <= ts) found = (int)i;
        if (found < 0) {
            char b1[ST_FORMAT_MAX], b2[ST_FORMAT_MAX];
            st_format_timestamp(ts, b1);
            st_format_timestamp(tb->v[0].ts, b2);
            return st_error_set(e, ST_ERR_NOT_FOUND,
                                "table %s did not exist at %s (its first version is from %s)",
                                tb->name, b1, b2);
        }
        pick = (uint32_t)found;
    }
    char nm[300];
    snprintf(nm, sizeof nm, "%s@v%u", tb->name, pick);
    return source_from(tb->v[pick].sn, nm, out, e);
}

static const st_catalog_ops mc_ops = {mc_open, NULL};

st_memcat *st_memcat_new(void) {
    st_memcat *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->cat.ops = &mc_ops;
    c->cat.impl = c;
    return c;
}

void st_memcat_free(st_memcat *c) {
    if (!c) return;
    for (uint32_t i = 0; i < c->n; i++) {
        for (uint32_t k = 0; k < c->tables[i].nv; k++) snap_unref(c->tables[i].v[k].sn);
        free(c->tables[i].v);
        free(c->tables[i].name);
    }
    free(c->tables);
    free(c);
}

st_status st_memcat_commit(st_memcat *c, const char *name, st_memtable *t, int64_t ts_us,
                           st_error *e) {
    mtable *tb = NULL;
    for (uint32_t i = 0; i < c->n; i++)
        if (!strcasecmp(c->tables[i].name, name)) tb = &c->tables[i];
    if (!tb) {
        if (c->n == c->cap) {
            uint32_t nc = c->cap ? c->cap * 2 : 8;
            mtable *nt = realloc(c->tables, nc * sizeof *nt);
            if (!nt) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            c->tables = nt;
            c->cap = nc;
        }
        tb = &c->tables[c->n];
        memset(tb, 0, sizeof *tb);
        tb->name = strdup(name);
        if (!tb->name) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        c->n++;
    }
    if (tb->nv && tb->v[tb->nv - 1].ts > ts_us)
        return st_error_set(e, ST_ERR_INVALID, "commit time goes backwards for %s", name);
    if (tb->nv == tb->cap) {
        uint32_t nc = tb->cap ? tb->cap * 2 : 4;
        mversion *nv = realloc(tb->v, nc * sizeof *nv);
        if (!nv) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        tb->v = nv;
        tb->cap = nc;
    }
    mversion *v = &tb->v[tb->nv];
    ST_TRY(snap_take(t, &v->sn, e));
    v->ts = ts_us;
    tb->nv++;
    return ST_OK;
}

st_catalog *st_memcat_catalog(st_memcat *c) { return &c->cat; }
