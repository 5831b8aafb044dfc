/*
 * segbuild.c: one segment of a table, from batches to a published file and
 * its log record (see segbuild.h).
 */
#include "engine/segbuild.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lineage.h"
#include "format/io.h"
#include "format/segment.h"

struct st_segbuild {
    st_table *t;
    bool rejects;
    char id[ST_SEG_ID_LEN + 1];
    st_schema *schema; /* the segment's: caller's columns + _line */
    uint32_t line_col; /* index of _line in schema */
    st_wfile *wf;
    bool defer_sync;
    st_segment_writer *w;
    st_vector *lines;  /* scratch _line column */
    st_vector **cols;  /* scratch column array for the writer's batch */
    uint64_t rows;
    st_lineage_run *runs;
    uint32_t nruns, runs_cap;
};

static void free_runs(st_segbuild *sb) {
    for (uint32_t i = 0; i < sb->nruns; i++) {
        free(sb->runs[i].source);
        free(sb->runs[i].upstream);
    }
    free(sb->runs);
    sb->runs = NULL;
    sb->nruns = 0;
}

static void destroy(st_segbuild *sb, bool remove_tmp) {
    st_segment_writer_free(sb->w);
    if (sb->wf) {
        if (remove_tmp) st_wfile_abort(sb->wf);
    }
    st_schema_free(sb->schema);
    st_vector_free(sb->lines);
    free(sb->cols);
    free_runs(sb);
    free(sb);
}

void st_segbuild_abort(st_segbuild *sb) {
    if (sb) destroy(sb, true);
}

static void hex_to_bytes(const char *hex, uint8_t out[16]) {
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = hex[2 * i + j];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
}

st_status st_segbuild_new(st_table *t, const st_tschema *ts, bool rejects, const st_segbuild_opts *o,
                          st_segbuild **out, st_error *e) {
    *out = NULL;
    st_segbuild *sb = calloc(1, sizeof *sb);
    if (!sb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    sb->t = t;
    sb->rejects = rejects;
    st_seg_id_new(sb->id);
    sb->schema = st_lineage_segment_schema(ts, rejects);
    sb->lines = st_vector_new(st_type_make(ST_T_INT64), ST_VECTOR_SIZE);
    if (!sb->schema || !sb->lines) {
        destroy(sb, true);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    sb->cols = calloc(sb->schema->nfields, sizeof *sb->cols);
    int lc = st_schema_find_id(sb->schema, ST_FID_LINE);
    if (!sb->cols || lc < 0) {
        destroy(sb, true);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    sb->line_col = (uint32_t)lc;
    st_status rc = st_wfile_create_tmp(st_table_data_dir(t), "seg", &sb->wf, e);
    if (rc) {
        destroy(sb, false);
        return rc;
    }
    uint8_t idb[16];
    hex_to_bytes(sb->id, idb);
    st_segment_options so;
    memset(&so, 0, sizeof so);
    so.segment_id = idb;
    if (o) {
        so.rowgroup_rows = o->rowgroup_rows;
        so.zstd_level = o->zstd_level;
        sb->defer_sync = o->defer_sync;
    }
    rc = st_segment_writer_new(sb->schema, sb->wf, &so, &sb->w, e);
    if (rc) {
        destroy(sb, true);
        return rc;
    }
    *out = sb;
    return ST_OK;
}

uint64_t st_segbuild_rows(const st_segbuild *sb) { return sb->rows; }

static st_status add_run(st_segbuild *sb, const st_lineage_run *run, uint64_t rows, st_error *e) {
    if (sb->nruns) {
        st_lineage_run *l = &sb->runs[sb->nruns - 1];
        bool same_up = l->upstream ? run->upstream && !strcmp(l->upstream, run->upstream) : !run->upstream;
        if (l->ingest_id == run->ingest_id && l->ingested_at == run->ingested_at && same_up &&
            !strcmp(l->source, run->source)) {
            l->rows += rows;
            return ST_OK;
        }
    }
    if (sb->nruns == sb->runs_cap) {
        uint32_t nc = sb->runs_cap ? sb->runs_cap * 2 : 4;
        st_lineage_run *n = realloc(sb->runs, nc * sizeof *n);
        if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        sb->runs = n;
        sb->runs_cap = nc;
    }
    st_lineage_run *l = &sb->runs[sb->nruns];
    *l = *run;
    l->rows = rows;
    l->upstream = NULL;
    if (!(l->source = strdup(run->source))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    sb->nruns++;
    if (run->upstream && !(l->upstream = strdup(run->upstream))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    return ST_OK;
}

st_status st_segbuild_add(st_segbuild *sb, const st_batch *b, const int64_t *lines,
                          const st_lineage_run *run, st_error *e) {
    uint32_t live = st_batch_live(b);
    if (live == 0) return ST_OK;
    if (b->ncols + 1 != sb->schema->nfields)
        return st_error_set(e, ST_ERR_INTERNAL, "segment builder: %u columns for a %u-column segment", b->ncols,
                            sb->schema->nfields - 1);
    st_vector_reset(sb->lines);
    ST_TRY(st_vector_reserve(sb->lines, b->len, e));
    memcpy(sb->lines->data, lines, (size_t)b->len * sizeof(int64_t));
    sb->lines->len = b->len;
    for (uint32_t i = 0, k = 0; i < sb->schema->nfields; i++)
        sb->cols[i] = i == sb->line_col ? sb->lines : b->cols[k++];
    st_batch wb = *b;
    wb.ncols = sb->schema->nfields;
    wb.cols = sb->cols;
    ST_TRY(st_segment_writer_add(sb->w, &wb, e));
    ST_TRY(add_run(sb, run, live, e));
    sb->rows += live;
    return ST_OK;
}

st_status st_segbuild_finish(st_segbuild *sb, st_segrec *rec, st_error *e) {
    memset(rec, 0, sizeof *rec);
    st_segment_info info;
    memset(&info, 0, sizeof info);
    st_status rc = st_segment_writer_finish(sb->w, &info, e);
    if (rc) {
        destroy(sb, true);
        return rc;
    }
    char path[PATH_MAX];
    st_table_seg_path(sb->t, sb->id, path, sizeof path);
    /* fsync, link without replacing, fsync data/ (or only link: defer_sync) */
    rc = sb->defer_sync ? st_wfile_publish_nosync(sb->wf, path, e)
                        : st_wfile_publish(sb->wf, path, ST_PUBLISH_NOREPLACE, e);
    sb->wf = NULL;
    if (rc) {
        st_segment_info_free(&info);
        destroy(sb, false);
        return rc;
    }
    memcpy(rec->id, sb->id, sizeof rec->id);
    rec->side = sb->rejects ? ST_SIDE_REJECTS : ST_SIDE_DATA;
    rec->rows = info.rows;
    rec->bytes = info.file_size;
    rec->zones = calloc(info.ncols ? info.ncols : 1, sizeof *rec->zones);
    if (!rec->zones) {
        st_segment_info_free(&info);
        destroy(sb, false);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (uint32_t c = 0; c < info.ncols; c++) {
        rec->zones[c].field_id = sb->schema->fields[c].id;
        rec->zones[c].zm = info.zones[c];
        rec->zones[c].zm.type = sb->schema->fields[c].type;
    }
    rec->nzones = info.ncols;
    rec->runs = sb->runs;
    rec->nruns = sb->nruns;
    sb->runs = NULL;
    sb->nruns = 0;
    st_segment_info_free(&info);
    destroy(sb, false);
    return ST_OK;
}
