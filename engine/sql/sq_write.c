/*
 * sq_write.c: the statements that write — CREATE TABLE t [PARTITION BY ...]
 * [CLUSTER BY (...)] AS query, INSERT INTO t query, INSERT OVERWRITE t query,
 * and COPY (query) TO 'file' [(FORMAT csv|parquet, COMPRESSION ...)].
 *
 * Flow (driven by sq_api.c): the query is bound once as written, to learn
 * its columns; sq_write_setup checks the target against them (the table
 * exists or not, its layer, column count and types, the partition and
 * cluster columns) so that every mistake is reported with its position
 * before anything is written.  The statement is then parsed again and the
 * query wrapped by sq_write_wrap:
 *
 *   SELECT CAST(c1 AS T1) AS c1, ... FROM (query) AS _q(c1, ...)
 *   ORDER BY <partition key>, <cluster keys>
 *
 * so that rows reach the table writer (engine/tablewrite.h) grouped by
 * partition and sorted by the cluster keys within one, with the table's
 * column types; the sort is the engine's own (parallel, memory-limited).
 * Casts are only added between types of one family (integers and decimals,
 * strings, dates and timestamps); a cast that does not fit fails the
 * statement before the commit, so nothing is written.
 *
 * The result of a write is one row: rows written (and the table's new
 * version).  COPY writes a temp file next to the target and renames it over
 * the target only when complete: a failure or crash leaves the old file.
 */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/lineage.h"
#include "engine/sql/sql_int.h"
#include "engine/table.h"
#include "engine/tablewrite.h"
#include "engine/warehouse.h"
#include "format/csv.h"
#include "format/parquet.h"

struct sq_write {
    uint8_t kind;        /* sq_stmt_kind */
    const char *sql;
    st_table *t;
    st_tschema *create;  /* CREATE: the new table's schema */
    const st_tschema *ts;/* the schema rows are written under */
    st_tw *tw;
    /* COPY */
    const char *path;
    bool parquet;
    st_pq_write_opts pq;
    st_csv_write_options csv;
    st_schema *out_schema;
    st_wfile *wf;
    st_pq_writer *pqw;
    st_csv_writer *csvw;
    uint64_t rows;
    int64_t version;
    /* columns of the query as bound the first time */
    uint32_t ncols;
    const char **names;
    st_type *types;
    bool *cast;          /* per column: wrap in a CAST */
    uint32_t nkeep;      /* columns written: the query's minus lineage ones */
    uint32_t *keep;      /* their indexes in the query's columns */
};

static bool lineage_name(const char *n) {
    return !strcasecmp(n, "_ingest_id") || !strcasecmp(n, "_source") || !strcasecmp(n, "_line") ||
           !strcasecmp(n, "_ingested_at");
}

void sq_write_free(sq_write *w) {
    if (!w) return;
    st_tw_abort(w->tw);
    st_table_close(w->t);
    st_tschema_free(w->create);
    st_pq_writer_free(w->pqw);
    st_csv_writer_free(w->csvw);
    st_wfile_abort(w->wf);
    st_schema_free(w->out_schema);
    free(w->cast);
    free(w->keep);
    free(w);
}

static int type_family(st_type t) {
    if (st_type_is_integer(t) || t.id == ST_T_DECIMAL) return 1;
    if (t.id == ST_T_FLOAT || t.id == ST_T_DOUBLE) return 2;
    if (st_type_is_string(t)) return t.id == ST_T_BLOB ? 3 : 4;
    if (t.id == ST_T_DATE || t.id == ST_T_TIMESTAMP || t.id == ST_T_TIMESTAMP_NS) return 5;
    return 10 + t.id;
}

static uint32_t item_pos(const sq_stmt *st, uint32_t i) {
    const sq_sel *s = st->sel;
    if (!s || s->set_next || i >= s->nitems) return st->sel_pos;
    for (uint32_t k = 0; k < s->nitems; k++)
        if (!s->items[k].e || s->items[k].e->kind == A_STAR) return st->sel_pos;
    return s->items[i].e->pos;
}

/* A written column by name (index in the query's columns), or -1. */
static int find_col(const sq_write *w, const char *name) {
    for (uint32_t k = 0; k < w->nkeep; k++)
        if (!strcasecmp(w->names[w->keep[k]], name)) return (int)w->keep[k];
    return -1;
}

static void list_cols(const sq_write *w, st_sbuf *sb) {
    for (uint32_t k = 0; k < w->nkeep && k < 30; k++)
        st_sbuf_printf(sb, "%s%s", k ? ", " : "", w->names[w->keep[k]]);
    if (w->nkeep > 30) st_sbuf_printf(sb, ", ...");
}

static st_status no_col(sq_write *w, uint32_t pos, const char *clause, const char *name, st_error *e) {
    st_sbuf sb = ST_SBUF_INIT;
    list_cols(w, &sb);
    st_status rc = sq_err_at(e, ST_ERR_NOT_FOUND, w->sql, pos, "%s: the query has no column %s (columns: %s)",
                             clause, name, st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    return rc;
}

/* CREATE: the new schema from the query's columns. */
static st_status setup_create(sq_write *w, const sq_stmt *st, st_error *e) {
    if (st_table_exists(w->t))
        return sq_err_at(e, ST_ERR_EXISTS, w->sql, st->target_pos,
                         "table %s already exists (INSERT INTO or INSERT OVERWRITE add to it)",
                         st_table_name(w->t));
    w->create = st_tschema_new();
    if (!w->create) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < w->nkeep; k++) {
        uint32_t i = w->keep[k];
        const char *n = w->names[i];
        if (w->types[i].id == ST_T_NULL)
            return sq_err_at(e, ST_ERR_TYPE, w->sql, item_pos(st, i),
                             "column %s is a bare NULL: give it a type with CAST(NULL AS type)", n);
        for (uint32_t k = 0; k < i; k++)
            if (!strcasecmp(w->names[k], n))
                return sq_err_at(e, ST_ERR_INVALID, w->sql, item_pos(st, i),
                                 "two columns are named %s: give one another name with AS", n);
        st_status rc = st_tschema_add(w->create, n, w->types[i], 0, true, NULL, e);
        if (rc) return sq_err_at(e, rc, w->sql, item_pos(st, i), "%s", e->msg);
    }
    if (st->part_kind != ST_PART_NONE) {
        int c = find_col(w, st->part_col);
        if (c < 0) return no_col(w, st->part_pos, "PARTITION BY", st->part_col, e);
        c = st_tschema_find(w->create, w->names[c]);
        st_type t = w->types[c];
        char tn[ST_TYPE_NAME_MAX];
        bool dated = t.id == ST_T_DATE || t.id == ST_T_TIMESTAMP || t.id == ST_T_TIMESTAMP_NS;
        if (st->part_kind != ST_PART_VALUE && !dated)
            return sq_err_at(e, ST_ERR_TYPE, w->sql, st->part_pos,
                             "PARTITION BY %s(%s): %s is %s; day() and month() need a DATE or TIMESTAMP",
                             st->part_kind == ST_PART_DAY ? "day" : "month", w->names[c], w->names[c],
                             st_type_name(t, tn));
        if (st->part_kind == ST_PART_VALUE &&
            (t.id == ST_T_FLOAT || t.id == ST_T_DOUBLE || t.id == ST_T_BLOB || t.id == ST_T_TIMESTAMP ||
             t.id == ST_T_TIMESTAMP_NS))
            return sq_err_at(e, ST_ERR_TYPE, w->sql, st->part_pos,
                             "PARTITION BY %s: a %s column cannot be a partition key%s", w->names[c],
                             st_type_name(t, tn), dated ? " (use day(col) or month(col))" : "");
        w->create->part_kind = st->part_kind;
        w->create->part_field = w->create->fields[c].id;
    }
    if (st->ncluster) {
        w->create->cluster = calloc(st->ncluster, sizeof *w->create->cluster);
        if (!w->create->cluster) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < st->ncluster; i++) {
            int c = find_col(w, st->cluster[i]);
            if (c < 0) return no_col(w, st->cluster_pos[i], "CLUSTER BY", st->cluster[i], e);
            c = st_tschema_find(w->create, w->names[c]);
            w->create->cluster[w->create->ncluster++] = w->create->fields[c].id;
        }
    }
    w->ts = w->create;
    return ST_OK;
}

/* INSERT: the query's columns against the table's. */
static st_status setup_insert(sq_write *w, const sq_stmt *st, st_error *e) {
    st_status rc = st_table_require(w->t, e);
    if (rc) return sq_err_at(e, rc, w->sql, st->target_pos, "%s", e->msg);
    st_logstate *s = NULL;
    ST_TRY(st_table_load(w->t, -1, &s, e));
    w->create = st_tschema_clone(s->schema); /* kept only for the names and types */
    st_logstate_free(s);
    if (!w->create) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    w->ts = w->create;
    if (w->nkeep != w->ts->nfields) {
        st_sbuf sb = ST_SBUF_INIT;
        for (uint32_t i = 0; i < w->ts->nfields; i++)
            st_sbuf_printf(&sb, "%s%s", i ? ", " : "", w->ts->fields[i].name);
        rc = sq_err_at(e, ST_ERR_TYPE, w->sql, st->sel_pos,
                       "the query gives %u columns, table %s has %u (%s)", w->nkeep, st_table_name(w->t),
                       w->ts->nfields, st_sbuf_cstr(&sb));
        st_sbuf_free(&sb);
        return rc;
    }
    for (uint32_t k = 0; k < w->nkeep; k++) {
        uint32_t i = w->keep[k];
        st_type want = w->ts->fields[k].type, got = w->types[i];
        if (st_type_eq(want, got) || got.id == ST_T_NULL) {
            w->cast[i] = got.id == ST_T_NULL;
            continue;
        }
        if (type_family(want) != type_family(got)) {
            char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, w->sql, item_pos(st, i),
                             "column %u (%s) of table %s is %s; the query gives %s (%s): CAST it", k + 1,
                             w->ts->fields[k].name, st_table_name(w->t), st_type_name(want, a),
                             st_type_name(got, b), w->names[i]);
        }
        w->cast[i] = true;
    }
    return ST_OK;
}

static st_status copy_option(sq_write *w, const sq_copyopt *o, st_error *e) {
    const char *v = o->value ? o->value : "true";
    if (!strcasecmp(o->name, "format")) {
        if (!strcasecmp(v, "parquet")) w->parquet = true;
        else if (!strcasecmp(v, "csv")) w->parquet = false;
        else return sq_err_at(e, ST_ERR_INVALID, w->sql, o->vpos, "FORMAT %s: expected csv or parquet", v);
    } else if (!strcasecmp(o->name, "compression") || !strcasecmp(o->name, "codec")) {
        if (!strcasecmp(v, "none")) v = "uncompressed";
        if (st_pq_codec_parse(v, &w->pq.codec, e))
            return sq_err_at(e, ST_ERR_INVALID, w->sql, o->vpos, "%s", e->msg);
    } else if (!strcasecmp(o->name, "header")) {
        if (!strcasecmp(v, "true") || !strcmp(v, "1")) w->csv.no_header = false;
        else if (!strcasecmp(v, "false") || !strcmp(v, "0")) w->csv.no_header = true;
        else return sq_err_at(e, ST_ERR_INVALID, w->sql, o->vpos, "HEADER %s: expected true or false", v);
    } else if (!strcasecmp(o->name, "delimiter") || !strcasecmp(o->name, "delim") ||
               !strcasecmp(o->name, "sep")) {
        if (strlen(v) != 1 || v[0] == '"' || v[0] == '\n' || v[0] == '\r')
            return sq_err_at(e, ST_ERR_INVALID, w->sql, o->vpos, "DELIMITER must be one character");
        w->csv.delim = v[0];
    } else {
        return sq_err_at(e, ST_ERR_INVALID, w->sql, o->pos,
                         "unknown COPY option %s (options: FORMAT, COMPRESSION, HEADER, DELIMITER)", o->name);
    }
    return ST_OK;
}

st_status sq_write_setup(st_catalog *cat, const char *sql, const sq_stmt *st, uint32_t ncols,
                         const char **names, const st_type *types, sq_write **out, st_error *e) {
    *out = NULL;
    sq_write *w = calloc(1, sizeof *w);
    if (!w) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    w->kind = st->kind;
    w->sql = sql;
    w->ncols = ncols;
    w->names = names;
    w->types = (st_type *)types;
    w->version = -1;
    w->cast = calloc(ncols ? ncols : 1, sizeof *w->cast);
    w->keep = calloc(ncols ? ncols : 1, sizeof *w->keep);
    st_status rc = ST_OK;
    if (!w->cast || !w->keep) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* a table has lineage columns of its own: the query's are not stored */
    for (uint32_t i = 0; i < ncols; i++)
        if (st->kind == SQ_COPY || !lineage_name(names[i])) w->keep[w->nkeep++] = i;
    if (st->kind == SQ_COPY) {
        w->path = st->target;
        const char *dot = strrchr(w->path, '.');
        w->parquet = dot && !strcasecmp(dot, ".parquet");
        st_pq_write_opts_init(&w->pq);
        memset(&w->csv, 0, sizeof w->csv);
        for (uint32_t i = 0; i < st->ncopts; i++) ST_CHECK(rc, copy_option(w, &st->copts[i], e));
        w->out_schema = st_schema_new();
        if (!w->out_schema) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < ncols; i++) {
            st_type t = types[i].id == ST_T_NULL ? st_type_make(ST_T_VARCHAR) : types[i];
            w->cast[i] = types[i].id == ST_T_NULL;
            if ((rc = st_schema_add(w->out_schema, names[i], t, 0, true, e)))
                rc = sq_err_at(e, rc, sql, item_pos(st, i), "COPY: %s (give the column another name with AS)",
                               e->msg);
            if (rc) goto fail;
        }
        *out = w;
        return ST_OK;
    }
    void *wh = cat && cat->ops->warehouse ? cat->ops->warehouse(cat) : NULL;
    if (!wh) {
        rc = sq_err_at(e, ST_ERR_UNSUPPORTED, sql, st->target_pos,
                       "writing a table needs a warehouse (strata query -w DIR or STRATA_WAREHOUSE)");
        goto fail;
    }
    st_tname tn;
    if ((rc = st_tname_parse(st->target, &tn, e))) {
        rc = sq_err_at(e, rc, sql, st->target_pos, "%s", e->msg);
        goto fail;
    }
    if (tn.rejects || !strcmp(tn.layer, "bronze")) {
        rc = sq_err_at(e, ST_ERR_INVALID, sql, st->target_pos,
                       "%s: %s", st->target,
                       tn.rejects ? "a quarantine is written by strata ingest only"
                                  : "bronze tables are written by strata ingest; SQL writes silver and gold tables");
        goto fail;
    }
    ST_CHECK(rc, st_table_open((st_warehouse *)wh, &tn, &w->t, e));
    if (st->kind == SQ_CREATE) ST_CHECK(rc, setup_create(w, st, e));
    else ST_CHECK(rc, setup_insert(w, st, e));
    *out = w;
    return ST_OK;
cleanup:
fail:
    sq_write_free(w);
    return rc;
}

/* ---- the wrapper query ---------------------------------------------------- */

static sq_ast *mk(st_arena *a, int kind, uint32_t pos, const char *s) {
    sq_ast *x = st_arena_alloc(a, sizeof *x);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    x->kind = (uint8_t)kind;
    x->pos = x->end = pos;
    x->s = s;
    x->slen = s ? (uint32_t)strlen(s) : 0;
    return x;
}

st_status sq_write_wrap(st_arena *a, const sq_write *w, const sq_stmt *st, sq_sel **out, st_error *e) {
    *out = st->sel;
    if (w->kind == SQ_COPY) {
        bool any = false;
        for (uint32_t i = 0; i < w->ncols; i++) any = any || w->cast[i];
        if (!any) return ST_OK;
    }
    const st_tschema *ts = w->ts;
    uint32_t n = w->ncols;
    uint32_t nk = w->nkeep;
    sq_sel *s = st_arena_alloc(a, sizeof *s);
    sq_from *f = st_arena_alloc(a, sizeof *f);
    const char **al = st_arena_alloc(a, (n ? n : 1) * sizeof *al);
    sq_item *items = st_arena_alloc(a, (n ? n : 1) * sizeof *items);
    sq_order *ord = st_arena_alloc(a, 66 * sizeof *ord);
    if (!s || !f || !al || !items || !ord) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    memset(f, 0, sizeof *f);
    memset(items, 0, (n ? n : 1) * sizeof *items);
    memset(ord, 0, 66 * sizeof *ord);
    f->kind = F_SUBQ;
    f->pos = st->sel_pos;
    f->sub = st->sel;
    f->alias = "_q";
    f->alen = 2;
    for (uint32_t i = 0; i < n; i++) al[i] = w->names[i];
    for (uint32_t k = 0; k < nk; k++) {
        uint32_t i = w->keep[k];
        const char *nm = ts ? ts->fields[k].name : w->names[i];
        al[i] = nm;
    }
    for (uint32_t k = 0; k < nk; k++) {
        uint32_t i = w->keep[k];
        const char *nm = al[i];
        sq_ast *c = mk(a, A_COL, st->sel_pos, nm);
        if (!c) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (w->cast[i]) {
            sq_ast *x = mk(a, A_CAST, item_pos(st, i), NULL);
            if (!x) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            x->a = c;
            x->type = ts ? ts->fields[k].type : st_type_make(ST_T_VARCHAR);
            c = x;
        }
        items[k].e = c;
        items[k].alias = nm;
        items[k].alen = (uint32_t)strlen(nm);
    }
    f->colalias = al;
    f->ncolalias = n;
    s->pos = st->sel_pos;
    s->items = items;
    s->nitems = nk;
    s->from = f;
    uint32_t no = 0;
    if (ts && ts->part_kind != ST_PART_NONE) {
        int pi = st_tschema_find_id(ts, ts->part_field);
        const char *pn = ts->fields[pi].name;
        sq_ast *c = mk(a, A_COL, st->target_pos, pn);
        if (!c) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (ts->part_kind == ST_PART_DAY) {
            sq_ast *x = mk(a, A_CAST, st->target_pos, NULL);
            if (!x) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            x->a = c;
            x->type = st_type_make(ST_T_DATE);
            c = x;
        } else if (ts->part_kind == ST_PART_MONTH) {
            sq_ast *x = mk(a, A_FUNC, st->target_pos, "date_trunc");
            sq_ast **l = st_arena_alloc(a, 2 * sizeof *l);
            if (!x || !l || !(l[0] = mk(a, A_STR, st->target_pos, "month")))
                return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            l[1] = c;
            x->list = l;
            x->nlist = 2;
            c = x;
        }
        ord[no].e = c;
        ord[no++].nulls_first = -1;
    }
    for (uint32_t i = 0; ts && i < ts->ncluster && no < 66; i++) {
        int ci = st_tschema_find_id(ts, ts->cluster[i]);
        if (ci < 0) continue;
        sq_ast *c = mk(a, A_COL, st->target_pos, ts->fields[ci].name);
        if (!c) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        ord[no].e = c;
        ord[no++].nulls_first = -1;
    }
    s->order = ord;
    s->norder = no;
    *out = s;
    return ST_OK;
}

/* ---- running ---------------------------------------------------------------- */

static st_status copy_begin(sq_write *w, st_error *e) {
    char *tmp = strdup(w->path);
    if (!tmp) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = st_wfile_create_tmp(dirname(tmp), "copy", &w->wf, e);
    free(tmp);
    if (rc) return st_error_prefix(e, "COPY TO %s: ", w->path), rc;
    if (w->parquet) return st_pq_writer_open(w->wf, w->out_schema, &w->pq, &w->pqw, e);
    return st_csv_writer_new(st_text_sink_wfile(w->wf), w->out_schema, &w->csv, &w->csvw, e);
}

st_status sq_write_add(sq_write *w, const st_batch *b, st_error *e) {
    if (w->kind == SQ_COPY) {
        if (!w->wf) ST_TRY(copy_begin(w, e));
        w->rows += st_batch_live(b);
        return w->parquet ? st_pq_writer_write(w->pqw, b, e) : st_csv_write_batch(w->csvw, b, e);
    }
    if (!w->tw) {
        ST_TRY(st_tw_begin(w->t, w->kind == SQ_CREATE ? ST_TW_CREATE
                                 : w->kind == SQ_INSERT ? ST_TW_INSERT : ST_TW_OVERWRITE,
                           w->kind == SQ_CREATE ? w->create : NULL, 0, &w->tw, e));
        const st_tschema *now = st_tw_schema(w->tw);
        bool same = now->nfields == w->ts->nfields;
        for (uint32_t i = 0; same && i < now->nfields; i++)
            same = st_type_eq(now->fields[i].type, w->ts->fields[i].type);
        if (!same)
            return st_error_set(e, ST_ERR_CONFLICT, "%s: the table's schema changed while the statement "
                                "ran; run it again", st_table_name(w->t));
    }
    return st_tw_add(w->tw, b, e);
}

st_status sq_write_finish(sq_write *w, st_error *e) {
    if (w->kind == SQ_COPY) {
        if (!w->wf) ST_TRY(copy_begin(w, e));
        st_status rc = w->parquet ? st_pq_writer_finish(w->pqw, e) : st_csv_writer_finish(w->csvw, e);
        if (!rc) {
            st_wfile *f = w->wf;
            w->wf = NULL;
            rc = st_wfile_publish(f, w->path, ST_PUBLISH_REPLACE, e);
        }
        return rc;
    }
    if (!w->tw) {
        /* no rows: CREATE still creates the (empty) table */
        if (w->kind != SQ_CREATE) return ST_OK;
        ST_TRY(st_tw_begin(w->t, ST_TW_CREATE, w->create, 0, &w->tw, e));
    }
    st_tw *tw = w->tw;
    w->tw = NULL;
    return st_tw_commit(tw, &w->rows, &w->version, e);
}

uint64_t sq_write_rows(const sq_write *w) { return w->rows; }
int64_t sq_write_version(const sq_write *w) { return w->version; }
bool sq_write_is_copy(const sq_write *w) { return w->kind == SQ_COPY; }
