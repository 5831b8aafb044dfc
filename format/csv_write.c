/*
 * csv_write.c: the streaming CSV writer (csv.h).
 *
 * Rows are formatted into a 64 KiB buffer with format/valtext.h (the one
 * place that decides how a value prints, so an export, a query result and a
 * CSV file agree) and flushed to the sink.  A NULL is an empty unquoted
 * field and the empty string is "", so the reader of csv.h gives back NULL
 * and '' exactly; a one-column NULL row is an empty line, which that reader
 * reads as a NULL row.  Errors are sticky.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv.h"
#include "format/valtext.h"

#define FLUSH_AT (64u << 10)

struct st_csv_writer {
    st_text_sink sink;
    st_schema *schema;
    char delim, quote;
    const char *eol;
    size_t eol_len;
    bool header, header_done;
    st_sbuf buf;
    uint64_t rows;
    st_status sticky;
    st_error err;
};

static st_status flush_buf(st_csv_writer *w, st_error *e) {
    if (w->sticky != ST_OK) {
        if (e) *e = w->err;
        return w->sticky;
    }
    st_status rc = ST_OK;
    if (w->buf.failed) {
        rc = st_error_set(e, ST_ERR_NOMEM, "CSV writer: out of memory");
    } else if (w->buf.len) {
        if (w->sink.wf) {
            rc = st_wfile_write(w->sink.wf, w->buf.p, w->buf.len, e);
        } else if (fwrite(w->buf.p, 1, w->buf.len, w->sink.fp) != w->buf.len) {
            rc = st_error_errno(e, errno ? errno : EIO, "CSV writer: write failed");
        }
    }
    st_sbuf_clear(&w->buf);
    if (rc != ST_OK) {
        w->sticky = rc;
        if (e) w->err = *e;
        else w->err.code = rc;
    }
    return rc;
}

st_status st_csv_writer_new(st_text_sink sink, const st_schema *s, const st_csv_write_options *o,
                            st_csv_writer **out, st_error *e) {
    *out = NULL;
    if ((!sink.wf) == (!sink.fp))
        return st_error_set(e, ST_ERR_INVALID, "CSV writer: give exactly one sink");
    st_csv_write_options def = {0};
    if (!o) o = &def;
    char delim = o->delim ? o->delim : ',', quote = o->quote ? o->quote : '"';
    if (delim == quote || delim == '\n' || delim == '\r' || quote == '\n' || quote == '\r')
        return st_error_set(e, ST_ERR_INVALID, "CSV writer: invalid delimiter or quote");
    st_csv_writer *w = calloc(1, sizeof *w);
    if (!w) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    w->schema = st_schema_clone(s);
    if (!w->schema) {
        free(w);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    w->sink = sink;
    w->delim = delim;
    w->quote = quote;
    w->eol = o->crlf ? "\r\n" : "\n";
    w->eol_len = o->crlf ? 2 : 1;
    w->header = !o->no_header;
    *out = w;
    return ST_OK;
}

static void put_header(st_csv_writer *w) {
    if (w->header_done) return;
    w->header_done = true;
    if (!w->header || w->schema->nfields == 0) return;
    for (uint32_t c = 0; c < w->schema->nfields; c++) {
        if (c) st_sbuf_putc(&w->buf, w->delim);
        const char *nm = w->schema->fields[c].name;
        st_text_csv_field(&w->buf, nm, strlen(nm), w->delim, w->quote);
    }
    st_sbuf_append(&w->buf, w->eol, w->eol_len);
}

st_status st_csv_write_batch(st_csv_writer *w, const st_batch *b, st_error *e) {
    if (w->sticky != ST_OK) {
        if (e) *e = w->err;
        return w->sticky;
    }
    if (b->ncols != w->schema->nfields)
        return st_error_set(e, ST_ERR_INVALID, "CSV writer: batch has %u columns, schema %u",
                            b->ncols, w->schema->nfields);
    put_header(w);
    uint32_t live = st_batch_live(b);
    for (uint32_t k = 0; k < live; k++) {
        uint32_t i = b->sel ? b->sel[k] : k;
        for (uint32_t c = 0; c < b->ncols; c++) {
            if (c) st_sbuf_putc(&w->buf, w->delim);
            st_text_cell(&w->buf, b->cols[c], i, ST_CELL_CSV, w->delim, w->quote);
        }
        st_sbuf_append(&w->buf, w->eol, w->eol_len);
        w->rows++;
        if (w->buf.len >= FLUSH_AT) ST_TRY(flush_buf(w, e));
    }
    return ST_OK;
}

st_status st_csv_writer_finish(st_csv_writer *w, st_error *e) {
    put_header(w);
    ST_TRY(flush_buf(w, e));
    if (w->sink.fp && fflush(w->sink.fp) != 0) {
        st_status rc = st_error_errno(e, errno, "CSV writer: flush failed");
        w->sticky = rc;
        if (e) w->err = *e;
        return rc;
    }
    return ST_OK;
}

uint64_t st_csv_writer_rows(const st_csv_writer *w) { return w->rows; }

void st_csv_writer_free(st_csv_writer *w) {
    if (!w) return;
    st_schema_free(w->schema);
    st_sbuf_free(&w->buf);
    free(w);
}
