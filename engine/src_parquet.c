/*
 * src_parquet.c: the Parquet scan source (see src_parquet.h).
 *
 * Everything a planner asks before reading (group and unit counts, rows,
 * bytes, zone maps) comes from the footers decoded at open, so planning does
 * no I/O beyond the footers; group_open only reports the unit count.
 */
#include "engine/src_parquet.h"

#include <stdlib.h>
#include <string.h>

#include "format/parquet.h"

typedef struct pq_unit {
    uint32_t rg;
    uint64_t off;
    uint32_t rows;
} pq_unit;

typedef struct pq_group {
    st_pq_reader *r;
    pq_unit *units;
    uint32_t nunits;
    st_zonemap *zm; /* merged, or NULL */
} pq_group;

typedef struct pq_src {
    pq_group *groups;
    uint32_t ngroups;
} pq_src;

static uint32_t s_group_count(st_source *s) { return ((pq_src *)s->impl)->ngroups; }

static void s_group_info(st_source *s, uint32_t g, st_group_info *out) {
    pq_group *gr = &((pq_src *)s->impl)->groups[g];
    memset(out, 0, sizeof *out);
    out->rows = st_pq_num_rows(gr->r);
    out->bytes = st_pq_file_size(gr->r);
    out->zm = gr->zm;
    out->partition = -1;
    out->label = st_pq_name(gr->r);
}

static st_status s_group_open(st_source *s, uint32_t g, uint32_t *nunits, st_error *e) {
    (void)e;
    *nunits = ((pq_src *)s->impl)->groups[g].nunits;
    return ST_OK;
}

static void s_unit_info(st_source *s, uint32_t g, uint32_t u, const uint32_t *cols, uint32_t ncols,
                        st_unit_info *out) {
    pq_group *gr = &((pq_src *)s->impl)->groups[g];
    const pq_unit *un = &gr->units[u];
    uint64_t rg_rows = st_pq_rg_rows(gr->r, un->rg);
    uint64_t bytes = st_pq_rg_bytes(gr->r, un->rg, cols, cols ? ncols : 0);
    /* a slice of a split row group reads about its share of the bytes */
    if (rg_rows > un->rows && rg_rows) bytes = bytes * un->rows / rg_rows;
    out->rows = un->rows;
    out->bytes = bytes;
    out->zm = st_pq_rg_zonemaps(gr->r, un->rg);
}

static st_status s_read(st_source *s, uint32_t g, uint32_t u, const uint32_t *cols, uint32_t ncols,
                        st_batch *out, st_error *e) {
    pq_group *gr = &((pq_src *)s->impl)->groups[g];
    const pq_unit *un = &gr->units[u];
    return st_pq_read(gr->r, un->rg, un->off, un->rows, cols, ncols, out, e);
}

static uint32_t s_partition_count(st_source *s) {
    (void)s;
    return 0;
}
static const char *s_partition_label(st_source *s, uint32_t p) {
    (void)s;
    (void)p;
    return NULL;
}

static void s_close(st_source *s) {
    if (!s) return;
    pq_src *ps = s->impl;
    if (ps) {
        for (uint32_t g = 0; g < ps->ngroups; g++) {
            st_pq_close(ps->groups[g].r);
            free(ps->groups[g].units);
            free(ps->groups[g].zm);
        }
        free(ps->groups);
        free(ps);
    }
    st_schema_free(s->schema);
    free(s->name);
    free(s);
}

static const st_source_ops ops = {s_group_count, s_group_info, s_group_open, s_unit_info,
                                  s_read,        s_partition_count, s_partition_label, s_close};

static st_status build_group(pq_group *gr, st_error *e) {
    st_pq_reader *r = gr->r;
    uint32_t nrg = st_pq_num_row_groups(r);
    uint64_t n = 0;
    for (uint32_t i = 0; i < nrg; i++) n += (st_pq_rg_rows(r, i) + ST_SOURCE_UNIT_MAX - 1) / ST_SOURCE_UNIT_MAX;
    if (n > UINT32_MAX) return st_error_set(e, ST_ERR_LIMIT, "%s: too many row groups", st_pq_name(r));
    gr->units = calloc(n ? n : 1, sizeof *gr->units);
    if (!gr->units) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < nrg; i++) {
        uint64_t rows = st_pq_rg_rows(r, i);
        for (uint64_t off = 0; off < rows; off += ST_SOURCE_UNIT_MAX) {
            uint64_t k = rows - off < ST_SOURCE_UNIT_MAX ? rows - off : ST_SOURCE_UNIT_MAX;
            gr->units[gr->nunits++] = (pq_unit){i, off, (uint32_t)k};
        }
    }
    /* group zone maps: the merge of every row group's, when all are trusted */
    const st_schema *s = st_pq_schema(r);
    bool ok = nrg > 0;
    for (uint32_t i = 0; i < nrg && ok; i++) ok = st_pq_rg_zonemaps(r, i) != NULL;
    if (ok) {
        gr->zm = calloc(s->nfields, sizeof *gr->zm);
        if (!gr->zm) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t c = 0; c < s->nfields; c++) {
            gr->zm[c] = st_pq_rg_zonemaps(r, 0)[c];
            for (uint32_t i = 1; i < nrg; i++) st_zonemap_merge(&gr->zm[c], &st_pq_rg_zonemaps(r, i)[c]);
        }
    }
    return ST_OK;
}

st_status st_parquet_source_open_many(const char *const *paths, uint32_t npaths, st_source **out,
                                      st_error *e) {
    *out = NULL;
    if (npaths == 0) return st_error_set(e, ST_ERR_INVALID, "read_parquet: no files");
    st_source *s = calloc(1, sizeof *s);
    pq_src *ps = calloc(1, sizeof *ps);
    if (s) s->impl = ps;
    if (s) s->ops = &ops;
    st_status rc = ST_OK;
    if (!s || !ps || !(ps->groups = calloc(npaths, sizeof *ps->groups))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    s->name = strdup(paths[0]);
    if (!s->name) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < npaths; i++) {
        pq_group *gr = &ps->groups[i];
        if ((rc = st_pq_open(paths[i], &gr->r, e)) != ST_OK) goto fail;
        ps->ngroups = i + 1;
        const st_schema *fs = st_pq_schema(gr->r);
        if (i == 0) {
            s->schema = st_schema_clone(fs);
            if (!s->schema) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                goto fail;
            }
        } else {
            bool same = fs->nfields == s->schema->nfields;
            for (uint32_t c = 0; same && c < fs->nfields; c++) {
                same = !strcmp(fs->fields[c].name, s->schema->fields[c].name) &&
                       st_type_eq(fs->fields[c].type, s->schema->fields[c].type);
                if (same && fs->fields[c].nullable) s->schema->fields[c].nullable = true;
            }
            if (!same) {
                rc = st_error_set(e, ST_ERR_TYPE, "%s: its columns differ from those of %s", paths[i], paths[0]);
                goto fail;
            }
        }
        if ((rc = build_group(gr, e)) != ST_OK) goto fail;
    }
    *out = s;
    return ST_OK;
fail:
    if (s) s_close(s);
    else free(ps);
    return rc;
}

st_status st_parquet_source_open(const char *path, st_source **out, st_error *e) {
    return st_parquet_source_open_many(&path, 1, out, e);
}
