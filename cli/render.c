/*
 * render.c: result sets on stdout as table, csv, json or ndjson (render.h).
 *
 * The table style buffers at most max_rows formatted rows (the head, and a
 * ring of the tail) so that printing a huge result by mistake costs bounded
 * memory; the other styles stream each batch as it arrives.
 */
#include "cli/render.h"

#include <stdlib.h>
#include <string.h>

int st_out_format_parse(const char *s, st_out_format *out) {
    if (!strcmp(s, "table")) *out = ST_OUT_TABLE;
    else if (!strcmp(s, "csv")) *out = ST_OUT_CSV;
    else if (!strcmp(s, "json")) *out = ST_OUT_JSON;
    else if (!strcmp(s, "ndjson")) *out = ST_OUT_NDJSON;
    else return -1;
    return 0;
}

typedef struct row {
    char **cells; /* ncols strings (malloc'd) */
} row;

struct st_render {
    FILE *out;
    st_out_format fmt;
    uint32_t ncols;
    char **names;
    st_type *types;
    uint64_t max_rows;
    uint64_t total;
    /* table: head rows and a ring of tail rows */
    row *head;
    uint64_t nhead, head_cap;
    row *tail;
    uint64_t tail_cap, tail_next; /* ring */
    st_sbuf line;
    bool first_json;
};

st_render *st_render_begin(FILE *out, st_out_format fmt, const char *const *names,
                           const st_type *types, uint32_t ncols, uint64_t max_rows) {
    st_render *r = st_xcalloc(1, sizeof *r);
    r->out = out;
    r->fmt = fmt;
    r->ncols = ncols;
    r->names = st_xcalloc(ncols ? ncols : 1, sizeof *r->names);
    r->types = st_xcalloc(ncols ? ncols : 1, sizeof *r->types);
    for (uint32_t c = 0; c < ncols; c++) {
        r->names[c] = st_xstrdup(names[c]);
        r->types[c] = types[c];
    }
    r->max_rows = max_rows;
    r->first_json = true;
    if (fmt == ST_OUT_TABLE) {
        r->head_cap = max_rows ? (max_rows + 1) / 2 : UINT64_MAX;
        r->tail_cap = max_rows ? max_rows / 2 : 0;
        if (r->tail_cap) r->tail = st_xcalloc(r->tail_cap, sizeof *r->tail);
    } else if (fmt == ST_OUT_CSV) {
        for (uint32_t c = 0; c < ncols; c++) {
            if (c) st_sbuf_putc(&r->line, ',');
            st_text_csv_field(&r->line, names[c], strlen(names[c]), ',', '"');
        }
        st_sbuf_putc(&r->line, '\n');
        fwrite(r->line.p, 1, r->line.len, out);
        st_sbuf_clear(&r->line);
    } else if (fmt == ST_OUT_JSON) {
        fputc('[', out);
    }
    return r;
}

static void free_row(row *rw, uint32_t ncols) {
    if (!rw->cells) return;
    for (uint32_t c = 0; c < ncols; c++) free(rw->cells[c]);
    free(rw->cells);
    rw->cells = NULL;
}

static void table_add(st_render *r, const st_batch *b, uint32_t i) {
    row rw;
    rw.cells = st_xcalloc(r->ncols ? r->ncols : 1, sizeof *rw.cells);
    st_sbuf cell = ST_SBUF_INIT;
    for (uint32_t c = 0; c < r->ncols; c++) {
        st_sbuf_clear(&cell);
        st_text_cell(&cell, b->cols[c], i, ST_CELL_PLAIN, ',', '"');
        /* one line per cell: show control characters escaped */
        st_sbuf esc = ST_SBUF_INIT;
        for (size_t k = 0; k < cell.len; k++) {
            char ch = cell.p[k];
            if (ch == '\n') st_sbuf_append(&esc, "\\n", 2);
            else if (ch == '\r') st_sbuf_append(&esc, "\\r", 2);
            else if (ch == '\t') st_sbuf_append(&esc, "\\t", 2);
            else st_sbuf_putc(&esc, ch);
        }
        rw.cells[c] = st_xstrdup(st_sbuf_cstr(&esc));
        st_sbuf_free(&esc);
    }
    st_sbuf_free(&cell);
    if (r->nhead < r->head_cap) {
        if (r->nhead % 64 == 0)
            r->head = st_xrealloc(r->head, (size_t)(r->nhead + 64) * sizeof *r->head);
        r->head[r->nhead++] = rw;
    } else if (r->tail_cap) {
        row *slot = &r->tail[r->tail_next % r->tail_cap];
        free_row(slot, r->ncols);
        *slot = rw;
        r->tail_next++;
    } else {
        free_row(&rw, r->ncols);
    }
}

st_status st_render_batch(st_render *r, const st_batch *b, st_error *e) {
    uint32_t live = st_batch_live(b);
    for (uint32_t k = 0; k < live; k++) {
        uint32_t i = b->sel ? b->sel[k] : k;
        r->total++;
        switch (r->fmt) {
        case ST_OUT_TABLE: table_add(r, b, i); break;
        case ST_OUT_CSV:
            for (uint32_t c = 0; c < r->ncols; c++) {
                if (c) st_sbuf_putc(&r->line, ',');
                st_text_cell(&r->line, b->cols[c], i, ST_CELL_CSV, ',', '"');
            }
            st_sbuf_putc(&r->line, '\n');
            break;
        case ST_OUT_JSON:
        case ST_OUT_NDJSON:
            if (r->fmt == ST_OUT_JSON) st_sbuf_append(&r->line, r->first_json ? "\n" : ",\n", r->first_json ? 1 : 2);
            r->first_json = false;
            st_sbuf_putc(&r->line, '{');
            for (uint32_t c = 0; c < r->ncols; c++) {
                if (c) st_sbuf_putc(&r->line, ',');
                st_text_json_string(&r->line, r->names[c], strlen(r->names[c]));
                st_sbuf_putc(&r->line, ':');
                st_text_cell(&r->line, b->cols[c], i, ST_CELL_JSON, ',', '"');
            }
            st_sbuf_putc(&r->line, '}');
            if (r->fmt == ST_OUT_NDJSON) st_sbuf_putc(&r->line, '\n');
            break;
        }
        if (r->line.len >= 1 << 16) {
            fwrite(r->line.p, 1, r->line.len, r->out);
            st_sbuf_clear(&r->line);
        }
    }
    if (r->line.len) {
        fwrite(r->line.p, 1, r->line.len, r->out);
        st_sbuf_clear(&r->line);
    }
    if (r->line.failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory printing results");
    if (ferror(r->out)) return st_error_set(e, ST_ERR_IO, "cannot write to standard output");
    return ST_OK;
}

/* display width of UTF-8 text (code points; good enough for alignment) */
static size_t dwidth(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static bool right_align(st_type t) { return st_type_is_numeric(t); }

static void hline(FILE *o, const size_t *w, uint32_t n, const char *l, const char *m,
                  const char *r) {
    fputs(l, o);
    for (uint32_t c = 0; c < n; c++) {
        for (size_t k = 0; k < w[c] + 2; k++) fputs("─", o);
        fputs(c + 1 < n ? m : r, o);
    }
    fputc('\n', o);
}

static void cellout(FILE *o, const char *s, size_t w, bool right) {
    size_t d = dwidth(s);
    fputc(' ', o);
    if (right)
        for (size_t k = d; k < w; k++) fputc(' ', o);
    fputs(s, o);
    if (!right)
        for (size_t k = d; k < w; k++) fputc(' ', o);
    fputc(' ', o);
}

static void table_print(st_render *r) {
    FILE *o = r->out;
    uint32_t n = r->ncols;
    if (n == 0) {
        fprintf(o, "(%llu rows)\n", (unsigned long long)r->total);
        return;
    }
    size_t *w = st_xcalloc(n, sizeof *w);
    char **tnames = st_xcalloc(n, sizeof *tnames);
    uint64_t ntail = r->tail_next < r->tail_cap ? r->tail_next : r->tail_cap;
    for (uint32_t c = 0; c < n; c++) {
        char tb[ST_TYPE_NAME_MAX];
        st_type_name(r->types[c], tb);
        for (char *p = tb; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        tnames[c] = st_xstrdup(tb);
        w[c] = dwidth(r->names[c]);
        if (dwidth(tb) > w[c]) w[c] = dwidth(tb);
        for (uint64_t i = 0; i < r->nhead; i++)
            if (dwidth(r->head[i].cells[c]) > w[c]) w[c] = dwidth(r->head[i].cells[c]);
        for (uint64_t i = 0; i < ntail; i++)
            if (dwidth(r->tail[i].cells[c]) > w[c]) w[c] = dwidth(r->tail[i].cells[c]);
        if (w[c] > 60) w[c] = 60; /* long cells are cut below */
    }
    hline(o, w, n, "┌", "┬", "┐");
    fputs("│", o);
    for (uint32_t c = 0; c < n; c++) cellout(o, r->names[c], w[c], false), fputs("│", o);
    fputc('\n', o);
    fputs("│", o);
    for (uint32_t c = 0; c < n; c++) cellout(o, tnames[c], w[c], false), fputs("│", o);
    fputc('\n', o);
    hline(o, w, n, "├", "┼", "┤");
    for (int part = 0; part < 2; part++) {
        uint64_t cnt = part == 0 ? r->nhead : ntail;
        if (part == 1 && r->total > r->nhead + ntail) {
            fputs("│", o);
            for (uint32_t c = 0; c < n; c++) cellout(o, "·", w[c], right_align(r->types[c])), fputs("│", o);
            fputc('\n', o);
        }
        for (uint64_t i = 0; i < cnt; i++) {
            row *rw = part == 0 ? &r->head[i]
                                : &r->tail[(r->tail_next - ntail + i) % (r->tail_cap ? r->tail_cap : 1)];
            fputs("│", o);
            for (uint32_t c = 0; c < n; c++) {
                char *s = rw->cells[c];
                if (dwidth(s) > w[c]) {
                    /* cut at a code point boundary and mark with an ellipsis */
                    size_t keep = 0, cps = 0;
                    while (s[keep] && cps < w[c] - 1) {
                        keep++;
                        while (((unsigned char)s[keep] & 0xC0) == 0x80) keep++;
                        cps++;
                    }
                    char *cut = st_xmalloc(keep + 4);
                    memcpy(cut, s, keep);
                    memcpy(cut + keep, "…", 4);
                    cellout(o, cut, w[c], right_align(r->types[c]));
                    free(cut);
                } else {
                    cellout(o, s, w[c], right_align(r->types[c]) && strcmp(s, "NULL"));
                }
                fputs("│", o);
            }
            fputc('\n', o);
        }
    }
    hline(o, w, n, "└", "┴", "┘");
    uint64_t shown = r->nhead + ntail;
    if (shown < r->total)
        fprintf(o, "%llu rows (%llu shown)\n", (unsigned long long)r->total, (unsigned long long)shown);
    else
        fprintf(o, "%llu row%s\n", (unsigned long long)r->total, r->total == 1 ? "" : "s");
    for (uint32_t c = 0; c < n; c++) free(tnames[c]);
    free(tnames);
    free(w);
}

static void render_free(st_render *r) {
    for (uint64_t i = 0; i < r->nhead; i++) free_row(&r->head[i], r->ncols);
    for (uint64_t i = 0; i < r->tail_cap; i++) free_row(&r->tail[i], r->ncols);
    free(r->head);
    free(r->tail);
    for (uint32_t c = 0; c < r->ncols; c++) free(r->names[c]);
    free(r->names);
    free(r->types);
    st_sbuf_free(&r->line);
    free(r);
}

st_status st_render_end(st_render *r, st_error *e) {
    if (r->fmt == ST_OUT_TABLE) table_print(r);
    else if (r->fmt == ST_OUT_JSON) fputs(r->first_json ? "]\n" : "\n]\n", r->out);
    fflush(r->out);
    bool bad = ferror(r->out);
    render_free(r);
    if (bad) return st_error_set(e, ST_ERR_IO, "cannot write to standard output");
    return ST_OK;
}

void st_render_abort(st_render *r) {
    if (r) {
        fflush(r->out);
        render_free(r);
    }
}
