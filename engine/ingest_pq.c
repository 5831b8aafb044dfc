/*
 * ingest_pq.c: a Parquet file as a Bronze ingest source (see ingest_int.h).
 *
 * The file is opened and validated by format/parquet.h (footer, schema,
 * every chunk's byte range, codecs) before a single row is handed out, so a
 * file that cannot be read at all fails before anything is written.  Row
 * groups are then streamed in order through a cursor, batch_rows rows at a
 * time, so memory follows the batch, not the row group or the file.
 *
 * Every chunk holds every column of the file (the rejected rows' raw text
 * is the whole file row).  Each output column is either the file's vector
 * itself (same type: zero copy), an exact cast of it into the field's type
 * (engine/xcast.h), or all NULL (a field the file lacks).  A row with any
 * failed cast is reported through on_reject with every failing column's
 * reason, and left out of the chunk's selection; the others go on to the
 * contract.  Row ordinals count every row of the file from 1, rejected or
 * not, across row groups, so (_source, _line) points back to the file's row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/contract.h"
#include "engine/ingest_int.h"
#include "engine/xcast.h"
#include "format/parquet.h"
#include "format/valtext.h"

#define DEFAULT_BATCH_ROWS 16384u

typedef struct colmap {
    int32_t src;      /* file column, or -1: all NULL */
    bool cast;        /* the field's type differs from the file column's */
    st_vector *own;   /* cast result or NULL column (owned) */
} colmap;

typedef struct failpair {
    uint32_t row, col; /* batch row, output column */
} failpair;

struct st_pqin {
    st_pq_reader *r;
    st_pqin_options o;
    const st_schema *fs; /* the file's (owned by r) */
    st_schema *os;       /* the chunks' */
    colmap *map;
    uint32_t batch_rows;
    /* reading state */
    uint32_t rg;
    st_pq_cursor *cur;
    st_batch *fb;        /* the file's columns */
    st_vector **ocols;   /* the output batch's columns (borrowed or map[].own) */
    st_batch ob;
    uint64_t *lines, *offs;
    uint32_t *sel, *fails;
    uint32_t cap;
    failpair *pairs;
    size_t npairs, pairs_cap;
    uint64_t rows_done, bytes_done;
    st_sbuf raw, why;
};

/* Errors of format/parquet.h start with the file's name: say what it is. */
static st_status pq_err(st_status rc, const char *path, st_error *e) {
    if (rc && !strncmp(e->msg, path, strlen(path))) st_error_prefix(e, "Parquet file ");
    return rc;
}

static void pqin_free(st_pqin *p) {
    if (!p) return;
    st_pq_cursor_close(p->cur);
    st_batch_free(p->fb);
    if (p->map)
        for (uint32_t i = 0; i < p->os->nfields; i++) st_vector_free(p->map[i].own);
    free(p->map);
    st_schema_free(p->os);
    free(p->ocols);
    free(p->lines);
    free(p->offs);
    free(p->sel);
    free(p->fails);
    free(p->pairs);
    st_sbuf_free(&p->raw);
    st_sbuf_free(&p->why);
    st_pq_close(p->r);
    free(p);
}

void st_pqin_close(st_pqin *p) { pqin_free(p); }

const st_schema *st_pqin_schema(const st_pqin *p) { return p->os; }
uint64_t st_pqin_file_size(const st_pqin *p) { return st_pq_file_size(p->r); }

void st_pqin_stats(const st_pqin *p, st_text_stats *s) {
    memset(s, 0, sizeof *s);
    s->records = s->rows = s->lines = p->rows_done;
    s->bytes = p->rg >= st_pq_num_row_groups(p->r) ? st_pq_file_size(p->r) : p->bytes_done;
}

/* The output schema and each output column's source. */
static st_status build_map(st_pqin *p, const char *path, st_error *e) {
    const st_schema *fs = p->fs, *fixed = p->o.schema;
    /* two file columns that one name would match */
    for (uint32_t j = 0; j < fs->nfields; j++)
        for (uint32_t k = 0; k < j; k++)
            if (!strcasecmp(fs->fields[j].name, fs->fields[k].name))
                return st_error_set(e, ST_ERR_FORMAT, "%s: columns '%s' and '%s' have the same name", path,
                                    fs->fields[k].name, fs->fields[j].name);
    if (!(p->os = st_schema_new())) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    if (!fixed) {
        for (uint32_t j = 0; j < fs->nfields; j++)
            ST_TRY(st_schema_add(p->os, fs->fields[j].name, fs->fields[j].type, 0, true, e));
    } else {
        for (uint32_t i = 0; i < fixed->nfields; i++)
            ST_TRY(st_schema_add(p->os, fixed->fields[i].name, fixed->fields[i].type, fixed->fields[i].id, true, e));
        st_sbuf unknown = ST_SBUF_INIT;
        uint32_t nunknown = 0;
        for (uint32_t j = 0; j < fs->nfields; j++) {
            if (st_schema_find(fixed, fs->fields[j].name) >= 0) continue;
            if (p->o.unknown == ST_TEXT_UNKNOWN_IGNORE) continue;
            if (p->o.unknown == ST_TEXT_UNKNOWN_EVOLVE) {
                st_status rc = st_schema_add(p->os, fs->fields[j].name, fs->fields[j].type, 0, true, e);
                if (rc) {
                    st_sbuf_free(&unknown);
                    return rc;
                }
                continue;
            }
            st_sbuf_printf(&unknown, "%s'%s'", nunknown ? ", " : "", fs->fields[j].name);
            nunknown++;
        }
        if (nunknown) {
            st_status rc = st_error_set(e, ST_ERR_TYPE, "%s: column%s %s not in the table's schema", path,
                                        nunknown > 1 ? "s" : "", st_sbuf_cstr(&unknown));
            st_sbuf_free(&unknown);
            return rc;
        }
        st_sbuf_free(&unknown);
    }
    uint32_t n = p->os->nfields;
    p->map = calloc(n ? n : 1, sizeof *p->map);
    p->ocols = calloc(n ? n : 1, sizeof *p->ocols);
    if (!p->map || !p->ocols) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        colmap *m = &p->map[i];
        m->src = st_schema_find(fs, p->os->fields[i].name);
        m->cast = m->src >= 0 && !st_type_eq(fs->fields[m->src].type, p->os->fields[i].type);
        if (m->src < 0 || m->cast) {
            if (!(m->own = st_vector_new(p->os->fields[i].type, p->batch_rows)))
                return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
    }
    p->ob.ncols = n;
    p->ob.cols = p->ocols;
    return ST_OK;
}

st_status st_pqin_open(const char *path, const st_pqin_options *o, st_pqin **out, st_error *e) {
    *out = NULL;
    st_pqin *p = calloc(1, sizeof *p);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    p->o = *o;
    p->batch_rows = o->batch_rows ? o->batch_rows : DEFAULT_BATCH_ROWS;
    st_status rc = pq_err(st_pq_open(path, &p->r, e), path, e);
    if (!rc) {
        p->fs = st_pq_schema(p->r);
        rc = build_map(p, path, e);
    }
    if (!rc) {
        st_type *types = malloc((p->fs->nfields ? p->fs->nfields : 1) * sizeof *types);
        if (types) {
            st_schema_types(p->fs, types);
            p->fb = st_batch_new(types, p->fs->nfields, p->batch_rows);
            free(types);
        }
        p->cap = p->batch_rows;
        p->lines = malloc(p->cap * sizeof *p->lines);
        p->offs = malloc(p->cap * sizeof *p->offs);
        p->sel = malloc(p->cap * sizeof *p->sel);
        p->fails = malloc(p->cap * sizeof *p->fails);
        if (!types || !p->fb || !p->lines || !p->offs || !p->sel || !p->fails)
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; !rc && i < p->cap; i++) p->offs[i] = i;
    }
    if (rc) {
        pqin_free(p);
        return rc;
    }
    *out = p;
    return ST_OK;
}

void st_pqin_raw(st_pqin *p, uint32_t row, st_sbuf *out) {
    const st_batch *b = p->fb;
    if (row >= b->len) return;
    for (uint32_t j = 0; j < b->ncols; j++) {
        if (j) st_sbuf_putc(out, ',');
        if (!st_vector_is_null(b->cols[j], row)) st_text_cell(out, b->cols[j], row, ST_CELL_CSV, ',', '"');
    }
}

/* A NULL column of n rows. */
static st_status null_column(st_vector *v, uint32_t n, st_error *e) {
    st_vector_reset(v);
    ST_TRY(st_vector_reserve(v, n ? n : 1, e));
    uint64_t *val = st_vector_validity(v);
    if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    memset(val, 0, ((size_t)n + 63) / 64 * 8);
    memset(v->data, 0, (size_t)n * st_type_width(v->type));
    v->len = n;
    return ST_OK;
}

static int cmp_pair(const void *a, const void *b) {
    const failpair *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

static st_status add_pair(st_pqin *p, uint32_t row, uint32_t col, st_error *e) {
    if (p->npairs == p->pairs_cap) {
        size_t nc = p->pairs_cap ? p->pairs_cap * 2 : 256;
        failpair *n = realloc(p->pairs, nc * sizeof *n);
        if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        p->pairs = n;
        p->pairs_cap = nc;
    }
    p->pairs[p->npairs].row = row;
    p->pairs[p->npairs++].col = col;
    return ST_OK;
}

/* Report the rows of pairs[a..b) (one row) and return. */
static st_status report_row(st_pqin *p, size_t a, size_t b, uint64_t line, st_error *e) {
    uint32_t row = p->pairs[a].row;
    uint8_t codes[16];
    const char *msgs[16];
    size_t ends[16];
    uint32_t n = 0;
    st_sbuf_clear(&p->why);
    for (size_t k = a; k < b && n < 16; k++, n++) {
        uint32_t c = p->pairs[k].col;
        const colmap *m = &p->map[c];
        st_sbuf_printf(&p->why, "column %s: ", p->os->fields[c].name);
        codes[n] = (uint8_t)st_xcast_explain(p->fb->cols[m->src], row, p->os->fields[c].type, &p->why);
        ends[n] = p->why.len;
        st_sbuf_putc(&p->why, '\0');
    }
    const char *base = st_sbuf_cstr(&p->why);
    for (uint32_t k = 0; k < n; k++) msgs[k] = k ? base + ends[k - 1] + 1 : base;
    st_sbuf_clear(&p->raw);
    st_pqin_raw(p, row, &p->raw);
    return p->o.on_reject(p->o.ctx, line, st_sbuf_cstr(&p->raw), p->raw.len, codes, msgs, n, e);
}

st_status st_pqin_next(st_pqin *p, st_text_chunk *ch, st_error *e) {
    memset(ch, 0, sizeof *ch);
    uint32_t nrg = st_pq_num_row_groups(p->r);
    uint32_t n = 0;
    while (p->rg < nrg) {
        if (!p->cur) ST_TRY(pq_err(st_pq_cursor_open(p->r, p->rg, NULL, 0, &p->cur, e), st_pq_name(p->r), e));
        ST_TRY(pq_err(st_pq_cursor_read(p->cur, p->batch_rows, p->fb, e), st_pq_name(p->r), e));
        n = p->fb->len;
        if (n) break;
        st_pq_cursor_close(p->cur);
        p->cur = NULL;
        p->bytes_done += st_pq_rg_bytes(p->r, p->rg, NULL, 0);
        p->rg++;
    }
    if (!n) return ST_OK; /* the end */
    uint64_t first = p->rows_done + 1;
    p->rows_done += n;
    p->npairs = 0;
    for (uint32_t c = 0; c < p->ob.ncols; c++) {
        colmap *m = &p->map[c];
        if (m->src < 0) {
            ST_TRY(null_column(m->own, n, e));
            p->ocols[c] = m->own;
        } else if (!m->cast) {
            p->ocols[c] = p->fb->cols[m->src];
        } else {
            uint32_t nf;
            ST_TRY(st_xcast_vector(p->fb->cols[m->src], n, m->own, p->fails, &nf, e));
            for (uint32_t k = 0; k < nf; k++) ST_TRY(add_pair(p, p->fails[k], c, e));
            p->ocols[c] = m->own;
        }
    }
    for (uint32_t i = 0; i < n; i++) p->lines[i] = first + i;
    p->ob.len = n;
    p->ob.sel = NULL;
    p->ob.sel_len = p->ob.sel_cap = 0;
    if (p->npairs) {
        qsort(p->pairs, p->npairs, sizeof *p->pairs, cmp_pair);
        uint32_t w = 0, next = 0;
        for (size_t a = 0; a < p->npairs;) {
            size_t b = a;
            uint32_t row = p->pairs[a].row;
            while (b < p->npairs && p->pairs[b].row == row) b++;
            ST_TRY(report_row(p, a, b, first + row, e));
            for (; next < row; next++) p->sel[w++] = next;
            next = row + 1;
            a = b;
        }
        for (; next < n; next++) p->sel[w++] = next;
        p->ob.sel = p->sel;
        p->ob.sel_len = w;
        p->ob.sel_cap = p->cap;
    }
    ch->batch = &p->ob;
    ch->line = p->lines;
    ch->offset = p->offs;
    return ST_OK;
}
