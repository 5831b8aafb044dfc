/*
 * src_text.c: CSV and NDJSON files as stream sources (engine/source.h), for
 * SQL over files: FROM 'f.csv', read_csv('f.csv', ...), 'f.ndjson',
 * read_json / read_ndjson.
 *
 * A text file is one group and a stream: its records' boundaries are only
 * known by reading it, so the query engine reads it batch by batch in order
 * (read_next), while the reader (format/csv.h, format/ndjson.h) parses
 * slices of the mapped file on every core.  Batches are copied into the
 * engine's batches column by column; strings that point into the mapped file
 * stay there (the file buffer is pinned), strings the reader built (unescaped
 * quotes) are copied.
 *
 * Types are inferred the way DuckDB's read_csv does by default: from a sample
 * of the first 20,480 records (sample_size = -1 infers over the whole file).
 * A later record that does not fit the inferred types, or any malformed
 * record, fails the query with its line and reason, unless ignore_errors =
 * true, which skips such records (as DuckDB's option does).
 *
 * Options (DuckDB's names): header, delim (sep), quote, escape, nullstr,
 * allow_quoted_nulls, all_varchar, sample_size, ignore_errors, auto_detect
 * (CSV); sample_size, ignore_errors, maximum_depth (NDJSON).
 *
 * One default differs from DuckDB's on purpose (it is the text reader's):
 * a quoted empty field "" is the empty string, not NULL, so that NULL and ''
 * written by a CSV writer read back apart; allow_quoted_nulls = true gives
 * DuckDB's reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "engine/catalog.h"
#include "engine/src_text.h"
#include "format/csv.h"
#include "format/ndjson.h"

#define TEXT_BATCH_ROWS 65536u
#define TEXT_SAMPLE_ROWS 20480u

typedef struct tsrc {
    bool csv;
    st_csv_reader *cr;
    st_ndjson_reader *nr;
    char *path;
    uint64_t bytes;
    bool ignore_errors;
    uint64_t skipped;
} tsrc;

static uint32_t ts_group_count(st_source *s) {
    (void)s;
    return 1;
}

static void ts_group_info(st_source *s, uint32_t g, st_group_info *out) {
    tsrc *t = s->impl;
    (void)g;
    memset(out, 0, sizeof *out);
    out->bytes = t->bytes;
    out->partition = -1;
    out->label = t->path;
}

static st_status ts_group_open(st_source *s, uint32_t g, uint32_t *nunits, st_error *e) {
    (void)s;
    if (g != 0) return st_error_set(e, ST_ERR_INVALID, "a text file has one group, not %u", g + 1);
    *nunits = 0;
    return ST_OK;
}

static uint32_t ts_partition_count(st_source *s) {
    (void)s;
    return 0;
}
static const char *ts_partition_label(st_source *s, uint32_t p) {
    (void)s;
    (void)p;
    return NULL;
}

/* does p point into one of the buffers v pins? */
static bool pinned(const st_vector *v, const char *p) {
    for (uint32_t i = 0; i < v->npins; i++) {
        const char *b = st_buf_data(v->pins[i]);
        if (p >= b && p < b + st_buf_len(v->pins[i])) return true;
    }
    return false;
}

static st_status copy_col(st_vector *dst, const st_vector *src, uint32_t len, st_error *e) {
    st_vector_reset(dst);
    ST_TRY(st_vector_reserve(dst, len, e));
    size_t w = st_type_width(src->type);
    memcpy(dst->data, src->data, (size_t)len * w);
    if (src->validity) {
        uint64_t *vb = st_vector_validity(dst);
        if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memcpy(vb, src->validity, ((size_t)len + 63) / 64 * 8);
    }
    if (st_type_is_string(src->type)) {
        for (uint32_t i = 0; i < src->npins; i++) ST_TRY(st_vector_pin(dst, src->pins[i], e));
        st_str *d = dst->data;
        for (uint32_t r = 0; r < len; r++) {
            if (!d[r].len || pinned(src, d[r].ptr)) continue;
            char *c = st_vector_str_alloc(dst, d[r].len);
            if (!c) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            memcpy(c, d[r].ptr, d[r].len);
            d[r].ptr = c;
        }
    }
    dst->len = len;
    return ST_OK;
}

static st_status ts_read_next(st_source *s, uint32_t g, const uint32_t *cols, uint32_t ncols,
                              st_batch *out, bool *done, st_error *e) {
    tsrc *t = s->impl;
    (void)g;
    st_text_chunk ch;
    memset(&ch, 0, sizeof ch);
    ST_TRY(t->csv ? st_csv_next(t->cr, &ch, e) : st_ndjson_next(t->nr, &ch, e));
    if (!ch.batch) {
        *done = true;
        return ST_OK;
    }
    *done = false;
    if (out->ncols != ncols) return st_error_set(e, ST_ERR_INTERNAL, "read_next: column count");
    uint32_t len = ch.batch->len;
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i] >= ch.batch->ncols) return st_error_set(e, ST_ERR_INTERNAL, "read_next: no column %u", cols[i]);
        ST_TRY(copy_col(out->cols[i], ch.batch->cols[cols[i]], len, e));
    }
    out->len = len;
    if (ch.batch->sel) {
        uint32_t *sel = st_batch_sel_alloc(out, ch.batch->sel_len ? ch.batch->sel_len : 1);
        if (!sel) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memcpy(sel, ch.batch->sel, ch.batch->sel_len * sizeof *sel);
        out->sel = sel;
        out->sel_len = ch.batch->sel_len;
    }
    return ST_OK;
}

static void ts_close(st_source *s) {
    if (!s) return;
    tsrc *t = s->impl;
    if (t) {
        st_csv_close(t->cr);
        st_ndjson_close(t->nr);
        free(t->path);
        free(t);
    }
    st_schema_free(s->schema);
    free(s->name);
    free(s);
}

static const st_source_ops ts_ops = {ts_group_count,     ts_group_info, ts_group_open,
                                     NULL,               NULL,          ts_partition_count,
                                     ts_partition_label, ts_close,      ts_read_next};

/* bad records: skipped with ignore_errors, else they fail the query */
static st_status on_bad(void *ctx, const st_text_bad *bad, st_error *e) {
    tsrc *t = ctx;
    if (t->ignore_errors) {
        t->skipped++;
        return ST_OK;
    }
    const char *why = bad->nreasons ? bad->reasons[0].message : "malformed record";
    return st_error_set(e, ST_ERR_PARSE,
                        "%s: line %llu (byte %llu): %s (add ignore_errors = true to skip such "
                        "records)",
                        bad->source ? bad->source : t->path, (unsigned long long)bad->line,
                        (unsigned long long)bad->offset, why);
}

static st_status want_bool(const st_file_option *o, bool *out, st_error *e) {
    if (!strcasecmp(o->value, "true") || !strcmp(o->value, "1")) *out = true;
    else if (!strcasecmp(o->value, "false") || !strcmp(o->value, "0")) *out = false;
    else return st_error_set(e, ST_ERR_INVALID, "option %s must be true or false, not '%s'", o->name, o->value);
    return ST_OK;
}

static st_status want_char(const st_file_option *o, char *out, st_error *e) {
    const char *v = o->value;
    if (!strcmp(v, "\\t")) v = "\t";
    if (strlen(v) != 1)
        return st_error_set(e, ST_ERR_INVALID, "option %s must be one character, not '%s'", o->name, o->value);
    *out = v[0];
    return ST_OK;
}

static st_status want_sample(const st_file_option *o, uint64_t *out, st_error *e) {
    char *end;
    long long v = strtoll(o->value, &end, 10);
    if (*end || (v < 1 && v != -1))
        return st_error_set(e, ST_ERR_INVALID, "option %s must be a positive number of rows or -1 (all), not '%s'",
                            o->name, o->value);
    *out = v == -1 ? 0 : (uint64_t)v;
    return ST_OK;
}

st_status st_text_source_open(const char *path, bool csv, const st_file_option *opts,
                              uint32_t nopts, st_source **out, st_error *e) {
    *out = NULL;
    tsrc *t = calloc(1, sizeof *t);
    st_source *s = calloc(1, sizeof *s);
    if (!t || !s) {
        free(t);
        free(s);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    s->ops = &ts_ops;
    s->impl = t;
    t->csv = csv;
    t->path = strdup(path);
    struct stat stt;
    if (stat(path, &stt) == 0) t->bytes = (uint64_t)stt.st_size;
    st_status rc = ST_OK;
    st_csv_options co;
    st_ndjson_options no;
    st_csv_options_init(&co);
    st_ndjson_options_init(&no);
    co.sample_rows = no.sample_rows = TEXT_SAMPLE_ROWS;
    co.batch_rows = no.batch_rows = TEXT_BATCH_ROWS;
    co.on_bad = no.on_bad = on_bad;
    co.bad_ctx = no.bad_ctx = t;
    for (uint32_t i = 0; i < nopts && rc == ST_OK; i++) {
        const st_file_option *o = &opts[i];
        if (!strcmp(o->name, "ignore_errors")) rc = want_bool(o, &t->ignore_errors, e);
        else if (!strcmp(o->name, "sample_size")) {
            uint64_t v = 0;
            rc = want_sample(o, &v, e);
            co.sample_rows = no.sample_rows = v;
        } else if (csv && !strcmp(o->name, "header")) {
            bool h = true;
            rc = want_bool(o, &h, e);
            co.header = h ? ST_CSV_HEADER_YES : ST_CSV_HEADER_NO;
        } else if (csv && (!strcmp(o->name, "delim") || !strcmp(o->name, "sep") || !strcmp(o->name, "delimiter")))
            rc = want_char(o, &co.delim, e);
        else if (csv && !strcmp(o->name, "quote")) rc = want_char(o, &co.quote, e);
        else if (csv && !strcmp(o->name, "escape")) rc = want_char(o, &co.escape, e);
        else if (csv && (!strcmp(o->name, "nullstr") || !strcmp(o->name, "null_str"))) co.null_str = o->value;
        else if (csv && !strcmp(o->name, "all_varchar")) rc = want_bool(o, &co.all_varchar, e);
        else if (csv && !strcmp(o->name, "allow_quoted_nulls")) rc = want_bool(o, &co.quoted_null, e);
        else if (csv && !strcmp(o->name, "auto_detect")) {
            bool a = true;
            rc = want_bool(o, &a, e);
            if (rc == ST_OK && !a) rc = st_error_set(e, ST_ERR_UNSUPPORTED, "auto_detect = false needs a column list, which is not supported");
        } else if (!csv && !strcmp(o->name, "maximum_depth")) {
            char *end;
            long v = strtol(o->value, &end, 10);
            if (*end || v < 1 || v > 1000) rc = st_error_set(e, ST_ERR_INVALID, "maximum_depth must be 1..1000");
            else no.max_depth = (uint32_t)v;
        } else {
            rc = st_error_set(e, ST_ERR_INVALID, "unknown option '%s' for %s files (%s)", o->name,
                              csv ? "CSV" : "NDJSON",
                              csv ? "header, delim, quote, escape, nullstr, allow_quoted_nulls, all_varchar, sample_size, ignore_errors"
                                  : "sample_size, ignore_errors, maximum_depth");
        }
    }
    if (rc == ST_OK) {
        if (csv) rc = st_csv_open_file(path, &co, &t->cr, e);
        else rc = st_ndjson_open_file(path, &no, &t->nr, e);
    }
    if (rc == ST_OK) {
        const st_schema *sch = csv ? st_csv_schema(t->cr) : st_ndjson_schema(t->nr);
        s->schema = st_schema_clone(sch);
        s->name = strdup(path);
        if (!s->schema || !s->name || !t->path) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (rc != ST_OK) {
        ts_close(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}
