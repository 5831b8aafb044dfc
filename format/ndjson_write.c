/*
 * ndjson_write.c: the streaming NDJSON writer (ndjson.h).
 *
 * One object per row; values printed by format/valtext.h (JSON style), so
 * numbers are exact and identical to every other output of Strata.  With
 * `nest`, dotted names are re-nested: the columns form a tree (children in
 * first-appearance order, so a.x, b, a.y gives {"a":{"x":..,"y":..},"b":..}),
 * built once; a name whose prefix is itself a column (a and a.b) stays flat
 * at that level rather than producing a duplicate key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/ndjson.h"
#include "format/valtext.h"

#define FLUSH_AT (64u << 10)

typedef struct nw_node {
    char *key;
    int32_t col; /* >= 0: a leaf column; -1: an object */
    uint32_t *kids;
    uint32_t nkids, cap;
} nw_node;

struct st_ndjson_writer {
    st_text_sink sink;
    st_schema *schema;
    bool nest, skip_nulls;
    nw_node *nodes; /* node 0 is the root object */
    uint32_t nnodes, ncap;
    st_sbuf buf;
    uint64_t rows;
    st_status sticky;
    st_error err;
};

static int32_t add_node(st_ndjson_writer *w, uint32_t parent, const char *key, size_t klen,
                        int32_t col) {
    if (w->nnodes == w->ncap) {
        uint32_t nc = w->ncap ? w->ncap * 2 : 16;
        nw_node *nn = realloc(w->nodes, nc * sizeof *nn);
        if (!nn) return -1;
        w->nodes = nn;
        w->ncap = nc;
    }
    nw_node *pn = &w->nodes[parent];
    if (pn->nkids == pn->cap) {
        uint32_t nc = pn->cap ? pn->cap * 2 : 4;
        uint32_t *nk = realloc(pn->kids, nc * sizeof *nk);
        if (!nk) return -1;
        pn->kids = nk;
        pn->cap = nc;
    }
    uint32_t id = w->nnodes++;
    nw_node *n = &w->nodes[id];
    memset(n, 0, sizeof *n);
    n->key = strndup(key, klen);
    n->col = col;
    if (!n->key) return -1;
    w->nodes[parent].kids[w->nodes[parent].nkids++] = id;
    return (int32_t)id;
}

static bool build_tree(st_ndjson_writer *w) {
    w->ncap = 16;
    w->nodes = calloc(w->ncap, sizeof *w->nodes);
    if (!w->nodes) return false;
    w->nnodes = 1;
    w->nodes[0].col = -1;
    for (uint32_t c = 0; c < w->schema->nfields; c++) {
        const char *name = w->schema->fields[c].name;
        uint32_t at = 0;
        const char *p = name;
        for (;;) {
            const char *dot = w->nest ? strchr(p, '.') : NULL;
            size_t klen = dot ? (size_t)(dot - p) : strlen(p);
            if (!dot || klen == 0) {
                if (add_node(w, at, p, strlen(p), (int32_t)c) < 0) return false;
                break;
            }
            int32_t found = -1;
            bool leaf_clash = false;
            for (uint32_t k = 0; k < w->nodes[at].nkids; k++) {
                nw_node *kid = &w->nodes[w->nodes[at].kids[k]];
                if (strlen(kid->key) == klen && !memcmp(kid->key, p, klen)) {
                    if (kid->col >= 0) leaf_clash = true;
                    else found = (int32_t)w->nodes[at].kids[k];
                }
            }
            if (leaf_clash) { /* "a" is a column: keep "a.b..." flat here */
                if (add_node(w, at, p, strlen(p), (int32_t)c) < 0) return false;
                break;
            }
            if (found < 0) found = add_node(w, at, p, klen, -1);
            if (found < 0) return false;
            at = (uint32_t)found;
            p = dot + 1;
        }
    }
    return true;
}

static void free_tree(st_ndjson_writer *w) {
    for (uint32_t i = 0; i < w->nnodes; i++) {
        free(w->nodes[i].key);
        free(w->nodes[i].kids);
    }
    free(w->nodes);
}

static st_status flush_buf(st_ndjson_writer *w, st_error *e) {
    if (w->sticky != ST_OK) {
        if (e) *e = w->err;
        return w->sticky;
    }
    st_status rc = ST_OK;
    if (w->buf.failed) {
        rc = st_error_set(e, ST_ERR_NOMEM, "NDJSON writer: out of memory");
    } else if (w->buf.len) {
        if (w->sink.wf) rc = st_wfile_write(w->sink.wf, w->buf.p, w->buf.len, e);
        else if (fwrite(w->buf.p, 1, w->buf.len, w->sink.fp) != w->buf.len)
            rc = st_error_errno(e, errno ? errno : EIO, "NDJSON writer: write failed");
    }
    st_sbuf_clear(&w->buf);
    if (rc != ST_OK) {
        w->sticky = rc;
        if (e) w->err = *e;
        else w->err.code = rc;
    }
    return rc;
}

st_status st_ndjson_writer_new(st_text_sink sink, const st_schema *s,
                               const st_ndjson_write_options *o, st_ndjson_writer **out,
                               st_error *e) {
    *out = NULL;
    if ((!sink.wf) == (!sink.fp))
        return st_error_set(e, ST_ERR_INVALID, "NDJSON writer: give exactly one sink");
    st_ndjson_writer *w = calloc(1, sizeof *w);
    if (!w) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    w->sink = sink;
    w->nest = o && o->nest;
    w->skip_nulls = o && o->skip_nulls;
    w->schema = st_schema_clone(s);
    if (!w->schema || !build_tree(w)) {
        st_ndjson_writer_free(w);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    *out = w;
    return ST_OK;
}

static void put_object(st_ndjson_writer *w, const st_batch *b, uint32_t row, uint32_t node) {
    const nw_node *n = &w->nodes[node];
    st_sbuf_putc(&w->buf, '{');
    bool first = true;
    for (uint32_t k = 0; k < n->nkids; k++) {
        const nw_node *kid = &w->nodes[n->kids[k]];
        if (kid->col >= 0 && w->skip_nulls && st_vector_is_null(b->cols[kid->col], row)) continue;
        if (!first) st_sbuf_putc(&w->buf, ',');
        first = false;
        st_text_json_string(&w->buf, kid->key, strlen(kid->key));
        st_sbuf_putc(&w->buf, ':');
        if (kid->col >= 0) st_text_cell(&w->buf, b->cols[kid->col], row, ST_CELL_JSON, ',', '"');
        else put_object(w, b, row, n->kids[k]);
    }
    st_sbuf_putc(&w->buf, '}');
}

st_status st_ndjson_write_batch(st_ndjson_writer *w, const st_batch *b, st_error *e) {
    if (w->sticky != ST_OK) {
        if (e) *e = w->err;
        return w->sticky;
    }
    if (b->ncols != w->schema->nfields)
        return st_error_set(e, ST_ERR_INVALID, "NDJSON writer: batch has %u columns, schema %u",
                            b->ncols, w->schema->nfields);
    uint32_t live = st_batch_live(b);
    for (uint32_t k = 0; k < live; k++) {
        uint32_t i = b->sel ? b->sel[k] : k;
        put_object(w, b, i, 0);
        st_sbuf_putc(&w->buf, '\n');
        w->rows++;
        if (w->buf.len >= FLUSH_AT) ST_TRY(flush_buf(w, e));
    }
    return ST_OK;
}

st_status st_ndjson_writer_finish(st_ndjson_writer *w, st_error *e) {
    ST_TRY(flush_buf(w, e));
    if (w->sink.fp && fflush(w->sink.fp) != 0) {
        st_status rc = st_error_errno(e, errno, "NDJSON writer: flush failed");
        w->sticky = rc;
        if (e) w->err = *e;
        return rc;
    }
    return ST_OK;
}

uint64_t st_ndjson_writer_rows(const st_ndjson_writer *w) { return w->rows; }

void st_ndjson_writer_free(st_ndjson_writer *w) {
    if (!w) return;
    if (w->nodes) free_tree(w);
    st_schema_free(w->schema);
    st_sbuf_free(&w->buf);
    free(w);
}
