/*
 * parquet_write.c: the Parquet writer (profile and type mapping in
 * parquet.h; the reasons in ../shared/reference/interop.md §2.3).
 *
 * Output of one column chunk (offsets relative to the chunk, fixed up when
 * the row group is written):
 *
 *   [PageHeader DICTIONARY_PAGE (encoding PLAIN) | compressed PLAIN dictionary]
 *   [PageHeader DATA_PAGE (v1) | compressed( u32 LE len | RLE def levels     (OPTIONAL only)
 *                                           | values )]...
 *   values := RLE_DICTIONARY: 1 byte bit width | RLE/bit-packed indices
 *           | PLAIN
 *
 * Flow: batches are appended to per-column buffers (live rows only, string
 * bytes copied) until a row group is full (rows or bytes); then every column
 * of the row group is encoded on the thread pool, each into its own memory
 * buffer, and the buffers are written in column order.  Per column:
 *   1. the non-NULL values are laid out densely in their physical form
 *      (INT32/INT64/FLOAT/DOUBLE/BOOLEAN bytes, byte strings, big-endian
 *      FIXED_LEN_BYTE_ARRAY decimals) and the definition levels collected;
 *   2. a dictionary is built unless it grows past dict_max_bytes or the
 *      values are nearly all distinct; it is used when at most a quarter of
 *      the values are distinct and its estimated size (dictionary +
 *      bit-packed indices) beats PLAIN: with more distinct values the packed
 *      indices hide the repeats and orderings the codec finds in PLAIN data
 *      (measured: sorted ids and repeated customer ids compress 2-3x better
 *      PLAIN under zstd);
 *   3. statistics (min/max in the column order, NULL and NaN counts), over
 *      the distinct values when there is a dictionary;
 *   4. pages of at most page_rows values / about page_bytes bytes, each
 *      compressed as one frame (an empty page still gets a frame).
 * Per-column scratch (layouts, indices, hash table, page buffers) is kept
 * across row groups, and row-group buffers grow without zero-filling, so
 * steady-state encoding allocates nothing; columns are encoded largest
 * first so the threads finish together.
 *
 * Errors are sticky: after the first failure every call returns it.
 */
#include "format/parquet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/hash.h"
#include "format/parquet_int.h"
#include "format/parquet_meta.h"
#include "format/pool.h"
#include "format/version.h"


void st_pq_write_opts_init(st_pq_write_opts *o) {
    memset(o, 0, sizeof *o);
    o->codec = ST_PQ_WRITE_ZSTD;
    o->dictionary = true;
    o->row_group_rows = 245760; /* 2 x DuckDB's 122880: as small a file, half the footer */
    o->row_group_bytes = UINT64_C(128) << 20;
    o->page_bytes = 1u << 20;
    o->page_rows = 0; /* codec default */
    o->dict_max_bytes = 1u << 20;
}

st_status st_pq_codec_parse(const char *s, st_pq_codec *out, st_error *e) {
    if (!strcasecmp(s, "zstd")) *out = ST_PQ_WRITE_ZSTD;
    else if (!strcasecmp(s, "snappy")) *out = ST_PQ_WRITE_SNAPPY;
    else if (!strcasecmp(s, "gzip")) *out = ST_PQ_WRITE_GZIP;
    else if (!strcasecmp(s, "none") || !strcasecmp(s, "uncompressed")) *out = ST_PQ_WRITE_NONE;
    else return st_error_set(e, ST_ERR_INVALID, "unknown Parquet compression '%s' (use zstd, snappy, gzip or none)", s);
    return ST_OK;
}

/* Per-column static description. */
typedef struct wcol {
    st_type type;
    int32_t ptype;
    uint32_t pw;      /* physical width (FLBA: type_length; BYTE_ARRAY: 0) */
    bool optional;
    bool legacy_stats;/* also write deprecated min/max (signed order) */
    int cmp;          /* statistics comparison kind */
} wcol;

enum { CMP_I32, CMP_I64, CMP_U64, CMP_F32, CMP_F64, CMP_BOOL, CMP_BYTES, CMP_FLBA_SIGNED };

/* Per-column scratch kept across row groups, so that steady-state encoding
 * allocates (and page-faults) nothing. */
enum { SC_LEVELS, SC_PHYS, SC_STRS, SC_IDX, SC_FIRST, SC_SLOTS, SC__N };
typedef struct wscratch {
    void *p[SC__N];
    size_t cap[SC__N];
    st_sbuf page, comp;
} wscratch;

/* Scratch array k of at least n bytes; keep = preserve the contents. */
static void *scratch(wscratch *s, int k, size_t n, bool keep) {
    if (n <= s->cap[k] && s->p[k]) return s->p[k];
    size_t nc = s->cap[k] ? s->cap[k] : 4096;
    while (nc < n) nc *= 2;
    void *q = keep ? realloc(s->p[k], nc) : malloc(nc);
    if (!q) return NULL;
    if (!keep) free(s->p[k]);
    s->p[k] = q;
    s->cap[k] = nc;
    return q;
}

static void scratch_free(wscratch *s) {
    for (int k = 0; k < SC__N; k++) free(s->p[k]);
    st_sbuf_free(&s->page);
    st_sbuf_free(&s->comp);
}

/* Encoded column chunk (relative offsets). */
typedef struct wchunk {
    wscratch sc;
    st_sbuf buf;
    bool has_dict;
    uint64_t data_off;   /* first data page header, relative */
    uint64_t uncompressed;
    uint32_t npages;
    int64_t null_count;
    bool has_minmax;
    uint8_t *min, *max;  /* malloc'd stats bytes */
    uint32_t min_len, max_len;
    bool min_exact, max_exact;
    bool has_nan_count;
    int64_t nan_count;
} wchunk;

struct st_pq_writer {
    st_wfile *f;
    st_schema *schema;
    st_pq_write_opts o;
    char *created_by;
    st_status rc;
    st_error err;
    wcol *cols;
    st_vector **buf; /* buffered rows of the current row group */
    uint32_t buf_rows;
    uint64_t buf_bytes;
    wchunk *chunks;
    uint32_t threads;
    void *zctx[ST_MAX_THREADS];
    st_arena *meta; /* footer strings and arrays */
    st_pq_row_group *rgs;
    uint32_t nrg, rg_cap;
    uint64_t rows;
    bool finished;
};

static st_status w_fail(st_pq_writer *w, st_status rc, const st_error *src, st_error *e) {
    if (w->rc == ST_OK) {
        w->rc = rc;
        if (src) w->err = *src;
    }
    if (e) *e = w->err;
    return w->rc;
}

/* ---- schema ------------------------------------------------------------- */

static uint32_t flba_bytes_for_precision(int p) {
    /* smallest n with 2^(8n-1) > 10^p */
    for (uint32_t n = 1; n <= 16; n++) {
        if (n * 8 - 1 >= 127) return 16;
        st_i128 lim = (st_i128)1 << (n * 8 - 1);
        if (lim > st_pow10_i128(p) - 1) return n;
    }
    return 16;
}

static void schema_elem(const st_field *f, wcol *c, st_pq_schema_elem *se) {
    memset(se, 0, sizeof *se);
    se->name.p = (const uint8_t *)f->name;
    se->name.len = (uint32_t)strlen(f->name);
    se->has_type = se->has_repetition = true;
    se->repetition = f->nullable ? ST_PQ_OPTIONAL : ST_PQ_REQUIRED;
    c->type = f->type;
    c->optional = f->nullable;
    c->legacy_stats = false;
    st_pq_logical *lt = &se->logical;
    switch ((st_type_id)f->type.id) {
    case ST_T_BOOLEAN: se->type = ST_PQ_BOOLEAN; c->pw = 1; c->cmp = CMP_BOOL; break;
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32: {
        int bw = f->type.id == ST_T_INT8 ? 8 : f->type.id == ST_T_INT16 ? 16 : 32;
        se->type = ST_PQ_INT32;
        c->pw = 4;
        c->cmp = CMP_I32;
        c->legacy_stats = true;
        lt->kind = ST_PQ_LT_INTEGER;
        lt->bit_width = (int8_t)bw;
        lt->is_signed = true;
        se->has_converted = true;
        se->converted = bw == 8 ? ST_PQ_CT_INT_8 : bw == 16 ? ST_PQ_CT_INT_16 : ST_PQ_CT_INT_32;
        break;
    }
    case ST_T_INT64: se->type = ST_PQ_INT64; c->pw = 8; c->cmp = CMP_I64; c->legacy_stats = true; break;
    case ST_T_UINT64:
        se->type = ST_PQ_INT64;
        c->pw = 8;
        c->cmp = CMP_U64;
        lt->kind = ST_PQ_LT_INTEGER;
        lt->bit_width = 64;
        lt->is_signed = false;
        se->has_converted = true;
        se->converted = ST_PQ_CT_UINT_64;
        break;
    case ST_T_FLOAT: se->type = ST_PQ_FLOAT; c->pw = 4; c->cmp = CMP_F32; break;
    case ST_T_DOUBLE: se->type = ST_PQ_DOUBLE; c->pw = 8; c->cmp = CMP_F64; break;
    case ST_T_DECIMAL: {
        int p = f->type.precision;
        if (p <= 9) { se->type = ST_PQ_INT32; c->pw = 4; c->cmp = CMP_I32; c->legacy_stats = true; }
        else if (p <= 18) { se->type = ST_PQ_INT64; c->pw = 8; c->cmp = CMP_I64; c->legacy_stats = true; }
        else {
            se->type = ST_PQ_FLBA;
            c->pw = flba_bytes_for_precision(p);
            se->has_type_length = true;
            se->type_length = (int32_t)c->pw;
            c->cmp = CMP_FLBA_SIGNED;
        }
        lt->kind = ST_PQ_LT_DECIMAL;
        lt->precision = p;
        lt->scale = f->type.scale;
        se->has_converted = se->has_scale = se->has_precision = true;
        se->converted = ST_PQ_CT_DECIMAL;
        se->precision = p;
        se->scale = f->type.scale;
        break;
    }
    case ST_T_VARCHAR:
        se->type = ST_PQ_BYTE_ARRAY;
        c->pw = 0;
        c->cmp = CMP_BYTES;
        lt->kind = ST_PQ_LT_STRING;
        se->has_converted = true;
        se->converted = ST_PQ_CT_UTF8;
        break;
    case ST_T_BLOB: se->type = ST_PQ_BYTE_ARRAY; c->pw = 0; c->cmp = CMP_BYTES; break;
    case ST_T_DATE:
        se->type = ST_PQ_INT32;
        c->pw = 4;
        c->cmp = CMP_I32;
        c->legacy_stats = true;
        lt->kind = ST_PQ_LT_DATE;
        se->has_converted = true;
        se->converted = ST_PQ_CT_DATE;
        break;
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS:
        se->type = ST_PQ_INT64;
        c->pw = 8;
        c->cmp = CMP_I64;
        c->legacy_stats = true;
        lt->kind = ST_PQ_LT_TIMESTAMP;
        /* Instants are UTC (interop.md §2.3).  Nanoseconds are written
         * without the flag: DuckDB reads UTC-adjusted NANOS as a microsecond
         * TIMESTAMP WITH TIME ZONE and would drop digits, while local NANOS
         * read back exactly (as TIMESTAMP_NS); Strata reads both as UTC. */
        lt->utc = f->type.id == ST_T_TIMESTAMP;
        lt->unit = f->type.id == ST_T_TIMESTAMP ? ST_PQ_UNIT_MICROS : ST_PQ_UNIT_NANOS;
        if (f->type.id == ST_T_TIMESTAMP) {
            se->has_converted = true;
            se->converted = ST_PQ_CT_TIMESTAMP_MICROS;
        }
        break;
    default: break;
    }
    c->ptype = se->type;
}

/* ---- open / append ------------------------------------------------------ */

st_status st_pq_writer_open(st_wfile *f, const st_schema *schema, const st_pq_write_opts *opts, st_pq_writer **out,
                            st_error *e) {
    *out = NULL;
    if (schema->nfields == 0) return st_error_set(e, ST_ERR_INVALID, "a Parquet file needs at least one column");
    for (uint32_t i = 0; i < schema->nfields; i++) {
        st_type t = schema->fields[i].type;
        if (!st_type_valid(t) || t.id == ST_T_NULL || t.id == ST_T_INVALID) {
            char tn[ST_TYPE_NAME_MAX];
            return st_error_set(e, ST_ERR_TYPE, "column '%s' has type %s, which Parquet output does not support",
                                schema->fields[i].name, st_type_name(t, tn));
        }
    }
    st_pq_writer *w = calloc(1, sizeof *w);
    if (!w) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    w->f = f;
    if (opts) w->o = *opts;
    else st_pq_write_opts_init(&w->o);
    if (w->o.row_group_rows == 0) w->o.row_group_rows = 245760;
    if (w->o.row_group_rows > (1u << 30)) w->o.row_group_rows = 1u << 30;
    /* Page size by codec, measured on sales-shaped data: zstd and gzip
     * compress a column better in frames of ~30k values (zstd tunes its
     * parameters to the input size), snappy and none prefer pages cut by
     * bytes only (fewer breaks in RLE runs and fewer headers). */
    if (w->o.page_rows == 0)
        w->o.page_rows = w->o.codec == ST_PQ_WRITE_ZSTD || w->o.codec == ST_PQ_WRITE_GZIP ? 30000 : 1u << 20;
    if (w->o.page_bytes == 0) w->o.page_bytes = 1u << 20;
    if (w->o.row_group_bytes == 0) w->o.row_group_bytes = UINT64_C(128) << 20;
    w->threads = st_thread_count(w->o.threads);
    char cb[256];
    if (w->o.created_by) snprintf(cb, sizeof cb, "%s", w->o.created_by);
    else snprintf(cb, sizeof cb, "strata version %s (build %s)", STRATA_VERSION, STRATA_BUILD);
    w->created_by = strdup(cb);
    w->schema = st_schema_clone(schema);
    w->cols = calloc(schema->nfields, sizeof *w->cols);
    w->buf = calloc(schema->nfields, sizeof *w->buf);
    w->chunks = calloc(schema->nfields, sizeof *w->chunks);
    w->meta = st_arena_new(0);
    if (!w->created_by || !w->schema || !w->cols || !w->buf || !w->chunks || !w->meta) {
        st_pq_writer_free(w);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < schema->nfields; i++) {
        st_pq_schema_elem se;
        schema_elem(&w->schema->fields[i], &w->cols[i], &se);
        w->buf[i] = st_vector_new(schema->fields[i].type, 0);
        if (!w->buf[i]) {
            st_pq_writer_free(w);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
    }
    st_status rc = st_wfile_write(f, "PAR1", 4, e);
    if (rc) {
        st_pq_writer_free(w);
        return rc;
    }
    *out = w;
    return ST_OK;
}

uint64_t st_pq_writer_rows(const st_pq_writer *w) { return w->rows + w->buf_rows; }

/* Grow a row-group buffer vector.  Unlike st_vector_reserve it neither
 * zero-fills nor copies through a fresh block: realloc of a large block is
 * an mremap, and the slots past len are never read (NULL slots are zeroed
 * when appended).  The buffer is private to the writer. */
static st_status buf_grow(st_vector *v, uint32_t need, uint32_t rg_rows, st_error *e) {
    /* 64Ki rows first (small outputs stay small), then straight to a whole
     * row group, so a large export copies at most once */
    uint64_t nc = v->cap ? (rg_rows > v->cap * 2u ? rg_rows : (uint64_t)v->cap * 2) : 65536;
    if (nc < need) nc = need;
    if (nc > UINT32_MAX) nc = UINT32_MAX;
    size_t w = st_type_width(v->type);
    void *nd = realloc(v->data, (size_t)nc * w);
    if (!nd) return st_error_set(e, ST_ERR_NOMEM, "out of memory buffering a row group (%llu rows)", (unsigned long long)nc);
    st_pq_hugepage_hint(nd, (size_t)nc * w);
    v->data = nd;
    if (v->validity) {
        size_t ow = ((size_t)v->cap + 63) / 64, nw = ((size_t)nc + 63) / 64;
        uint64_t *vb = realloc(v->validity, nw * 8);
        if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory buffering a row group");
        for (size_t i = ow; i < nw; i++) vb[i] = ~UINT64_C(0);
        if (v->cap & 63) vb[ow - 1] |= ~UINT64_C(0) << (v->cap & 63);
        v->validity = vb;
    }
    v->cap = (uint32_t)nc;
    return ST_OK;
}

/* Append rows sel[0..n) (or 0..n) of src to dst (same type), copying strings. */
static st_status append_rows(st_vector *dst, const st_vector *src, const uint32_t *sel, uint32_t n, uint64_t *bytes,
                             uint32_t rg_rows, st_error *e) {
    uint32_t base = dst->len;
    if ((uint64_t)base + n > UINT32_MAX) return st_error_set(e, ST_ERR_LIMIT, "row group too large");
    if (dst->cap < base + n) ST_TRY(buf_grow(dst, base + n, rg_rows, e));
    size_t w = st_type_width(src->type);
    char *d = (char *)dst->data + (size_t)base * w;
    const char *s = src->data;
    if (!sel) {
        memcpy(d, s, (size_t)n * w);
    } else {
        switch (w) {
        case 1: for (uint32_t i = 0; i < n; i++) d[i] = s[sel[i]]; break;
        case 2: for (uint32_t i = 0; i < n; i++) memcpy(d + 2 * i, s + 2 * (size_t)sel[i], 2); break;
        case 4: for (uint32_t i = 0; i < n; i++) memcpy(d + 4 * i, s + 4 * (size_t)sel[i], 4); break;
        case 8: for (uint32_t i = 0; i < n; i++) memcpy(d + 8 * i, s + 8 * (size_t)sel[i], 8); break;
        default: for (uint32_t i = 0; i < n; i++) memcpy(d + w * i, s + w * (size_t)sel[i], w); break;
        }
    }
    *bytes += (uint64_t)n * w;
    if (src->validity) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (!((src->validity[r >> 6] >> (r & 63)) & 1)) {
                uint64_t *vb = st_vector_validity(dst);
                if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                uint32_t o = base + i;
                vb[o >> 6] &= ~(UINT64_C(1) << (o & 63));
                memset(d + (size_t)i * w, 0, w);
            }
        }
    }
    if (st_type_is_string(src->type)) {
        st_str *ds = (st_str *)d;
        size_t total = 0;
        for (uint32_t i = 0; i < n; i++) total += ds[i].len;
        if (total) {
            char *q = st_vector_str_alloc(dst, total);
            if (!q) return st_error_set(e, ST_ERR_NOMEM, "out of memory buffering %zu string bytes", total);
            for (uint32_t i = 0; i < n; i++) {
                if (ds[i].len) memcpy(q, ds[i].ptr, ds[i].len);
                ds[i].ptr = q;
                q += ds[i].len;
            }
        }
        *bytes += total;
    }
    dst->len = base + n;
    return ST_OK;
}

static st_status flush_row_group(st_pq_writer *w, st_error *e);

st_status st_pq_writer_write(st_pq_writer *w, const st_batch *b, st_error *e) {
    if (w->rc) return w_fail(w, w->rc, NULL, e);
    if (w->finished) return st_error_set(e, ST_ERR_INVALID, "Parquet writer already finished");
    if (b->ncols != w->schema->nfields)
        return w_fail(w, st_error_set(e, ST_ERR_INVALID, "batch has %u columns, the Parquet schema %u", b->ncols,
                                      w->schema->nfields), e, e);
    for (uint32_t c = 0; c < b->ncols; c++)
        if (!st_type_eq(b->cols[c]->type, w->cols[c].type))
            return w_fail(w, st_error_set(e, ST_ERR_TYPE, "batch column %u does not have the type of column '%s'", c,
                                          w->schema->fields[c].name), e, e);
    uint32_t live = st_batch_live(b), done = 0;
    while (done < live) {
        uint32_t room = w->o.row_group_rows - w->buf_rows;
        uint32_t n = live - done < room ? live - done : room;
        const uint32_t *sel = b->sel ? b->sel + done : NULL;
        uint32_t *tmp = NULL;
        if (!b->sel && done) {
            tmp = malloc((size_t)n * sizeof *tmp);
            if (!tmp) return w_fail(w, st_error_set(e, ST_ERR_NOMEM, "out of memory"), e, e);
            for (uint32_t i = 0; i < n; i++) tmp[i] = done + i;
            sel = tmp;
        }
        for (uint32_t c = 0; c < b->ncols; c++) {
            st_status rc = append_rows(w->buf[c], b->cols[c], sel, n, &w->buf_bytes, w->o.row_group_rows, e);
            if (rc) {
                free(tmp);
                return w_fail(w, rc, e, e);
            }
        }
        free(tmp);
        w->buf_rows += n;
        done += n;
        if (w->buf_rows >= w->o.row_group_rows || w->buf_bytes >= w->o.row_group_bytes) {
            st_status rc = flush_row_group(w, e);
            if (rc) return w_fail(w, rc, e, e);
        }
    }
    return ST_OK;
}

/* ---- encoding one column chunk ------------------------------------------ */

typedef struct enc {
    st_pq_writer *w;
    uint32_t col;
    const wcol *c;
    const st_vector *v;
    uint32_t nrows, nn;
    uint8_t *levels;  /* nrows 0/1 (OPTIONAL only) */
    uint8_t *phys;    /* nn * pw bytes (fixed) */
    st_str *strs;     /* nn strings (BYTE_ARRAY) */
    uint32_t *idx;    /* dictionary indices */
    uint32_t *dict_first; /* dense index of each dictionary entry */
    uint32_t ndict;
    uint64_t dict_bytes;
    st_sbuf *page, *comp;
    wscratch *sc;
    void **zctx;
    wchunk *out;
} enc;

static inline const uint8_t *phys_at(const enc *x, uint32_t i) { return x->phys + (size_t)i * x->c->pw; }

static void put_u32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* 1: lay out non-NULL values physically; collect levels.  Columns without
 * NULLs whose memory layout is already the physical one are used in place. */
static st_status enc_layout(enc *x, st_error *e) {
    const st_vector *v = x->v;
    const wcol *c = x->c;
    uint32_t n = x->nrows;
    if (c->optional) {
        x->levels = scratch(x->sc, SC_LEVELS, n ? n : 1, false);
        if (!x->levels) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    uint32_t nn = 0;
    if (v->validity) {
        for (uint32_t i = 0; i < n; i++) {
            bool ok = (v->validity[i >> 6] >> (i & 63)) & 1;
            if (!ok && !c->optional)
                return st_error_set(e, ST_ERR_INVALID, "column '%s' is NOT NULL but a row holds NULL",
                                    x->w->schema->fields[x->col].name);
            if (x->levels) x->levels[i] = ok;
            nn += ok;
        }
    } else {
        if (x->levels) memset(x->levels, 1, n);
        nn = n;
    }
    x->nn = nn;
    x->out->null_count = n - nn;
    size_t w = st_type_width(v->type);
    bool nulls = nn != n;
    if (c->ptype == ST_PQ_BYTE_ARRAY) {
        if (!nulls) {
            x->strs = v->data;
            return ST_OK;
        }
        x->strs = scratch(x->sc, SC_STRS, (size_t)(nn ? nn : 1) * sizeof *x->strs, false);
        if (!x->strs) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        const st_str *src = v->data;
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if ((v->validity[i >> 6] >> (i & 63)) & 1) x->strs[k++] = src[i];
        return ST_OK;
    }
    if (!nulls && w == c->pw && c->ptype != ST_PQ_FLBA) {
        x->phys = v->data;
        return ST_OK;
    }
    x->phys = scratch(x->sc, SC_PHYS, (size_t)(nn ? nn : 1) * c->pw, false);
    if (!x->phys) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint8_t *o = x->phys;
    const char *src = v->data;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (nulls && !((v->validity[i >> 6] >> (i & 63)) & 1)) continue;
        const char *p = src + (size_t)i * w;
        uint8_t *q = o + (size_t)k * c->pw;
        switch ((st_type_id)v->type.id) {
        case ST_T_INT8: { int32_t x32 = *(const int8_t *)p; memcpy(q, &x32, 4); break; }
        case ST_T_INT16: { int16_t s16; memcpy(&s16, p, 2); int32_t x32 = s16; memcpy(q, &x32, 4); break; }
        case ST_T_DECIMAL:
            if (c->ptype == ST_PQ_INT32) { int64_t x64; memcpy(&x64, p, 8); int32_t x32 = (int32_t)x64; memcpy(q, &x32, 4); }
            else if (c->ptype == ST_PQ_INT64) memcpy(q, p, 8);
            else {
                st_i128 d;
                memcpy(&d, p, 16);
                unsigned __int128 u = (unsigned __int128)d;
                for (uint32_t b = c->pw; b-- > 0;) {
                    q[b] = (uint8_t)u;
                    u >>= 8;
                }
            }
            break;
        default: memcpy(q, p, c->pw); break;
        }
        k++;
    }
    return ST_OK;
}

static int cmp_flba_signed(const uint8_t *a, const uint8_t *b, uint32_t n) {
    if ((a[0] ^ 0x80) != (b[0] ^ 0x80)) return (a[0] ^ 0x80) < (b[0] ^ 0x80) ? -1 : 1;
    return n > 1 ? memcmp(a + 1, b + 1, n - 1) : 0;
}

#define STATS_STR_MAX 64

static uint8_t *dup_bytes(const void *p, size_t n) {
    uint8_t *q = malloc(n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

/* Unsigned bytewise order, shorter first (the Parquet order of strings). */
static inline int str_order(const st_str *a, const st_str *b) {
    uint32_t n = a->len < b->len ? a->len : b->len;
    int r = n ? memcmp(a->ptr, b->ptr, n) : 0;
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* 2: statistics (over the dictionary entries when there is a dictionary:
 * they are exactly the distinct values). */
static st_status enc_stats(enc *x, st_error *e) {
    const wcol *c = x->c;
    wchunk *o = x->out;
    const uint32_t *ids = x->idx ? x->dict_first : NULL;
    uint32_t cnt = x->idx ? x->ndict : x->nn;
    int32_t lo_i = 0, hi_i = 0;
    int64_t lo_l = 0, hi_l = 0;
    uint64_t lo_u = 0, hi_u = 0;
    double lo_d = 0, hi_d = 0;
    int64_t nan = 0;
    uint32_t lo_k = 0, hi_k = 0; /* dense index of min/max (strings, FLBA) */
    bool any = false;
#define AT(k) (ids ? ids[k] : (k))
    switch (c->cmp) {
    case CMP_BOOL:
    case CMP_I32: {
        for (uint32_t k = 0; k < cnt; k++) {
            int32_t v;
            if (c->cmp == CMP_BOOL) v = x->phys[AT(k)];
            else memcpy(&v, phys_at(x, AT(k)), 4);
            if (!any) { lo_i = hi_i = v; any = true; }
            else { if (v < lo_i) lo_i = v; if (v > hi_i) hi_i = v; }
        }
        break;
    }
    case CMP_I64:
    case CMP_U64:
        for (uint32_t k = 0; k < cnt; k++) {
            int64_t v;
            memcpy(&v, phys_at(x, AT(k)), 8);
            if (c->cmp == CMP_I64) {
                if (!any) { lo_l = hi_l = v; any = true; }
                else { if (v < lo_l) lo_l = v; if (v > hi_l) hi_l = v; }
            } else {
                uint64_t u = (uint64_t)v;
                if (!any) { lo_u = hi_u = u; any = true; }
                else { if (u < lo_u) lo_u = u; if (u > hi_u) hi_u = u; }
            }
        }
        break;
    case CMP_F32:
    case CMP_F64:
        /* NaNs are counted over every value, bounds over the distinct ones */
        for (uint32_t i = 0; i < x->nn && ids; i++) {
            double v;
            if (c->cmp == CMP_F32) { float f; memcpy(&f, phys_at(x, i), 4); v = f; }
            else memcpy(&v, phys_at(x, i), 8);
            if (isnan(v)) nan++;
        }
        for (uint32_t k = 0; k < cnt; k++) {
            double v;
            if (c->cmp == CMP_F32) { float f; memcpy(&f, phys_at(x, AT(k)), 4); v = f; }
            else memcpy(&v, phys_at(x, AT(k)), 8);
            if (isnan(v)) { if (!ids) nan++; continue; }
            if (!any) { lo_d = hi_d = v; any = true; }
            else { if (v < lo_d) lo_d = v; if (v > hi_d) hi_d = v; }
        }
        o->has_nan_count = true;
        o->nan_count = nan;
        break;
    case CMP_BYTES:
        for (uint32_t k = 0; k < cnt; k++) {
            uint32_t i = AT(k);
            if (!any) { lo_k = hi_k = i; any = true; continue; }
            const st_str *v = &x->strs[i];
            if (str_order(v, &x->strs[hi_k]) > 0) hi_k = i;
            else if (str_order(v, &x->strs[lo_k]) < 0) lo_k = i;
        }
        break;
    case CMP_FLBA_SIGNED:
        for (uint32_t k = 0; k < cnt; k++) {
            uint32_t i = AT(k);
            if (!any) { lo_k = hi_k = i; any = true; continue; }
            if (cmp_flba_signed(phys_at(x, i), phys_at(x, hi_k), c->pw) > 0) hi_k = i;
            else if (cmp_flba_signed(phys_at(x, i), phys_at(x, lo_k), c->pw) < 0) lo_k = i;
        }
        break;
    }
#undef AT
    o->has_minmax = any;
    o->min_exact = o->max_exact = true;
    if (!any) return ST_OK;
    uint8_t lo[16], hi[16];
    uint32_t len = c->pw;
    switch (c->cmp) {
    case CMP_BOOL: lo[0] = (uint8_t)lo_i; hi[0] = (uint8_t)hi_i; len = 1; break;
    case CMP_I32: memcpy(lo, &lo_i, 4); memcpy(hi, &hi_i, 4); break;
    case CMP_I64: memcpy(lo, &lo_l, 8); memcpy(hi, &hi_l, 8); break;
    case CMP_U64: memcpy(lo, &lo_u, 8); memcpy(hi, &hi_u, 8); break;
    case CMP_F32: {
        float a = (float)lo_d, b = (float)hi_d;
        if (a == 0) a = -0.0f;
        if (b == 0) b = 0.0f;
        memcpy(lo, &a, 4);
        memcpy(hi, &b, 4);
        break;
    }
    case CMP_F64: {
        double a = lo_d, b = hi_d;
        if (a == 0) a = -0.0;
        if (b == 0) b = 0.0;
        memcpy(lo, &a, 8);
        memcpy(hi, &b, 8);
        break;
    }
    case CMP_FLBA_SIGNED:
        o->min = dup_bytes(phys_at(x, lo_k), c->pw);
        o->max = dup_bytes(phys_at(x, hi_k), c->pw);
        o->min_len = o->max_len = c->pw;
        goto check;
    case CMP_BYTES: {
        const st_str *a = &x->strs[lo_k], *b = &x->strs[hi_k];
        bool utf8 = c->type.id == ST_T_VARCHAR;
        /* min: a prefix (cut at a character boundary for UTF-8) */
        uint32_t an = a->len;
        if (an > STATS_STR_MAX) {
            an = STATS_STR_MAX;
            while (utf8 && an > 0 && ((uint8_t)a->ptr[an] & 0xC0) == 0x80) an--;
            o->min_exact = false;
        }
        /* max: the value, or a prefix whose last incrementable byte is bumped
         * (ASCII bytes only for UTF-8, so the bound stays valid UTF-8) */
        uint32_t bn = b->len;
        uint8_t tmp[STATS_STR_MAX];
        const uint8_t *bp = (const uint8_t *)b->ptr;
        if (bn > STATS_STR_MAX) {
            uint32_t k = STATS_STR_MAX;
            while (k > 0 && (utf8 ? (uint8_t)b->ptr[k - 1] >= 0x7F : (uint8_t)b->ptr[k - 1] == 0xFF)) k--;
            if (k == 0) {
                o->has_minmax = false; /* no short upper bound: write none */
                return ST_OK;
            }
            memcpy(tmp, b->ptr, k);
            tmp[k - 1]++;
            bp = tmp;
            bn = k;
            o->max_exact = false;
        }
        o->min = dup_bytes(a->ptr, an);
        o->max = dup_bytes(bp, bn);
        o->min_len = an;
        o->max_len = bn;
        goto check;
    }
    }
    o->min = dup_bytes(lo, len);
    o->max = dup_bytes(hi, len);
    o->min_len = o->max_len = len;
check:
    if (!o->min || !o->max) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    return ST_OK;
}

/* 3: dictionary.  Returns with x->idx set when the dictionary pays. */
static uint64_t val_hash(const enc *x, uint32_t i) {
    if (x->c->ptype == ST_PQ_BYTE_ARRAY) return st_hash_bytes(x->strs[i].ptr, x->strs[i].len);
    uint32_t pw = x->c->pw;
    if (pw == 4) { uint32_t v; memcpy(&v, phys_at(x, i), 4); return st_hash_u64(v); }
    if (pw == 8) { uint64_t v; memcpy(&v, phys_at(x, i), 8); return st_hash_u64(v); }
    return st_hash_bytes(phys_at(x, i), pw);
}

static bool val_eq(const enc *x, uint32_t i, uint32_t j) {
    if (x->c->ptype == ST_PQ_BYTE_ARRAY)
        return x->strs[i].len == x->strs[j].len && !memcmp(x->strs[i].ptr, x->strs[j].ptr, x->strs[i].len);
    return !memcmp(phys_at(x, i), phys_at(x, j), x->c->pw);
}

static uint32_t bit_width(uint32_t maxv) { return maxv ? 32 - (uint32_t)__builtin_clz(maxv) : 0; }

static st_status enc_dictionary(enc *x, st_error *e) {
    const wcol *c = x->c;
    uint32_t nn = x->nn;
    if (!x->w->o.dictionary || c->ptype == ST_PQ_BOOLEAN || nn == 0) return ST_OK;
    uint64_t limit = x->w->o.dict_max_bytes;
    uint32_t cap = 1024;
    while (cap < nn * 2 && cap < (1u << 26)) cap <<= 1;
    /* start small; the table grows with the dictionary */
    uint32_t tcap = 1024, mask = tcap - 1;
    uint32_t *slots = scratch(x->sc, SC_SLOTS, (size_t)tcap * sizeof *slots, false);
    x->idx = scratch(x->sc, SC_IDX, (size_t)nn * sizeof *x->idx, false);
    x->dict_first = scratch(x->sc, SC_FIRST, 1024 * sizeof *x->dict_first, false);
    uint32_t first_cap = (uint32_t)(x->sc->cap[SC_FIRST] / sizeof *x->dict_first);
    if (!slots || !x->idx || !x->dict_first) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    memset(slots, 0, (size_t)tcap * sizeof *slots);
    uint32_t nd = 0;
    uint64_t bytes = 0;
    bool ok = true;
    for (uint32_t i = 0; i < nn; i++) {
        uint64_t h = val_hash(x, i);
        uint32_t s = (uint32_t)h & mask;
        for (;;) {
            uint32_t ent = slots[s];
            if (ent == 0) {
                /* new entry */
                if (nd == first_cap) {
                    uint32_t *nf = scratch(x->sc, SC_FIRST, (size_t)first_cap * 2 * sizeof *nf, true);
                    if (!nf) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                    x->dict_first = nf;
                    first_cap = (uint32_t)(x->sc->cap[SC_FIRST] / sizeof *nf);
                }
                x->dict_first[nd] = i;
                slots[s] = ++nd;
                x->idx[i] = nd - 1;
                bytes += c->ptype == ST_PQ_BYTE_ARRAY ? 4 + (uint64_t)x->strs[i].len : c->pw;
                break;
            }
            if (val_eq(x, x->dict_first[ent - 1], i)) {
                x->idx[i] = ent - 1;
                break;
            }
            s = (s + 1) & mask;
        }
        if (bytes > limit || (i >= 4096 && nd > i - i / 8)) {
            ok = false; /* too big, or nearly every value distinct */
            break;
        }
        if (nd * 2 > tcap) {
            /* grow and rehash (the old table is not needed: rebuild from
             * the entries) */
            uint32_t ncap = tcap * 2;
            uint32_t *ns = scratch(x->sc, SC_SLOTS, (size_t)ncap * sizeof *ns, false);
            if (!ns) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            memset(ns, 0, (size_t)ncap * sizeof *ns);
            uint32_t nmask = ncap - 1;
            for (uint32_t k = 0; k < nd; k++) {
                uint32_t q = (uint32_t)val_hash(x, x->dict_first[k]) & nmask;
                while (ns[q]) q = (q + 1) & nmask;
                ns[q] = k + 1;
            }
            slots = ns;
            tcap = ncap;
            mask = nmask;
        }
    }
    (void)cap;
    if (ok) {
        /* does it pay?  PLAIN bytes against dictionary + packed indices */
        uint64_t plain = 0;
        if (c->ptype == ST_PQ_BYTE_ARRAY) {
            for (uint32_t i = 0; i < nn; i++) plain += 4 + (uint64_t)x->strs[i].len;
        } else {
            plain = (uint64_t)nn * c->pw;
        }
        uint64_t dict_enc = bytes + ((uint64_t)nn * bit_width(nd ? nd - 1 : 0) + 7) / 8;
        if (dict_enc >= plain) ok = false;
        /* many distinct values: the packed indices hide the local repeats
         * and orderings that the codec would find in PLAIN values */
        if ((uint64_t)nd * 4 > nn) ok = false;
    }
    if (!ok) {
        x->idx = NULL;
        x->dict_first = NULL;
        return ST_OK;
    }
    x->ndict = nd;
    x->dict_bytes = bytes;
    return ST_OK;
}

/* PLAIN-encode dense values [a, b) (or dictionary entries when ids given). */
static void plain_values(enc *x, st_sbuf *out, uint32_t a, uint32_t b, const uint32_t *ids) {
    const wcol *c = x->c;
    uint32_t n = b - a;
    if (c->ptype == ST_PQ_BOOLEAN) {
        size_t nb = ((size_t)n + 7) / 8;
        if (!st_sbuf_reserve(out, nb)) return;
        uint8_t *q = (uint8_t *)out->p + out->len;
        memset(q, 0, nb);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = ids ? ids[a + i] : a + i;
            if (x->phys[k]) q[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
        out->len += nb;
        return;
    }
    if (c->ptype == ST_PQ_BYTE_ARRAY) {
        size_t total = 0;
        for (uint32_t i = a; i < b; i++) total += 4 + (size_t)x->strs[ids ? ids[i] : i].len;
        if (!st_sbuf_reserve(out, total)) return;
        uint8_t *q = (uint8_t *)out->p + out->len;
        for (uint32_t i = a; i < b; i++) {
            const st_str *s = &x->strs[ids ? ids[i] : i];
            put_u32le(q, s->len);
            memcpy(q + 4, s->ptr, s->len);
            q += 4 + s->len;
        }
        out->len += total;
        return;
    }
    if (!ids) {
        st_sbuf_append(out, phys_at(x, a), (size_t)n * c->pw);
        return;
    }
    if (!st_sbuf_reserve(out, (size_t)n * c->pw)) return;
    uint8_t *q = (uint8_t *)out->p + out->len;
    for (uint32_t i = a; i < b; i++) {
        memcpy(q, phys_at(x, ids[i]), c->pw);
        q += c->pw;
    }
    out->len += (size_t)n * c->pw;
}

/* Compress the page body in x->page and append header + body to the chunk. */
static st_status emit_page(enc *x, int32_t type, uint32_t nvals, int32_t encoding, st_error *e) {
    if (x->page->failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory building a page");
    if (x->page->len > INT32_MAX) return st_error_set(e, ST_ERR_LIMIT, "a page exceeds 2 GiB");
    st_sbuf_clear(x->comp);
    ST_TRY(st_pq_compress((int32_t)x->w->o.codec, x->w->o.level, (const uint8_t *)x->page->p, x->page->len, x->comp,
                          x->zctx, e));
    if (x->comp->len > INT32_MAX) return st_error_set(e, ST_ERR_LIMIT, "a page exceeds 2 GiB");
    st_pq_page_header h;
    memset(&h, 0, sizeof h);
    h.type = type;
    h.uncompressed_page_size = (int32_t)x->page->len;
    h.compressed_page_size = (int32_t)x->comp->len;
    if (type == ST_PQ_PAGE_DICTIONARY) {
        h.has_dict = true;
        h.dict.num_values = (int32_t)nvals;
        h.dict.encoding = ST_PQ_ENC_PLAIN;
    } else {
        h.has_data = true;
        h.data.num_values = (int32_t)nvals;
        h.data.encoding = encoding;
        h.data.def_encoding = ST_PQ_ENC_RLE;
        h.data.rep_encoding = ST_PQ_ENC_RLE;
    }
    wchunk *o = x->out;
    size_t before = o->buf.len;
    st_pq_encode_page_header(&o->buf, &h);
    size_t hlen = o->buf.len - before;
    st_sbuf_append(&o->buf, x->comp->p ? x->comp->p : "", x->comp->len);
    if (o->buf.failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    o->uncompressed += hlen + x->page->len;
    if (type != ST_PQ_PAGE_DICTIONARY) o->npages++;
    return ST_OK;
}

/* 4: pages. */
static st_status enc_pages(enc *x, st_error *e) {
    const wcol *c = x->c;
    wchunk *o = x->out;
    uint32_t bw = 0;
    if (x->idx) {
        bw = bit_width(x->ndict ? x->ndict - 1 : 0);
        st_sbuf_clear(x->page);
        plain_values(x, x->page, 0, x->ndict, x->dict_first);
        ST_TRY(emit_page(x, ST_PQ_PAGE_DICTIONARY, x->ndict, ST_PQ_ENC_PLAIN, e));
        o->has_dict = true;
    }
    o->data_off = o->buf.len;
    uint32_t page_rows = x->w->o.page_rows, page_bytes = x->w->o.page_bytes;
    /* estimated bytes per value */
    double per = x->idx ? (bw + 1) / 8.0 : c->ptype == ST_PQ_BYTE_ARRAY ? 0 : c->ptype == ST_PQ_BOOLEAN ? 0.125 : c->pw;
    uint32_t row = 0, val = 0;
    do {
        /* rows of this page */
        uint32_t r1 = row, v1 = val;
        double est = 0;
        while (r1 < x->nrows && r1 - row < page_rows && est < page_bytes) {
            bool valid = !x->levels || x->levels[r1];
            if (valid) {
                est += c->ptype == ST_PQ_BYTE_ARRAY && !x->idx ? 4.0 + x->strs[v1].len : per;
                v1++;
            }
            r1++;
        }
        st_sbuf_clear(x->page);
        if (c->optional) {
            st_sbuf_append(x->page, "\0\0\0\0", 4);
            size_t at = x->page->len;
            st_pq_rle_encode_u8(x->page, x->levels + row, r1 - row, 1);
            if (!x->page->failed) put_u32le((uint8_t *)x->page->p + at - 4, (uint32_t)(x->page->len - at));
        }
        int32_t encoding;
        if (x->idx) {
            uint8_t b = (uint8_t)bw;
            st_sbuf_append(x->page, &b, 1);
            st_pq_rle_encode(x->page, x->idx + val, v1 - val, bw);
            encoding = ST_PQ_ENC_RLE_DICTIONARY;
        } else {
            plain_values(x, x->page, val, v1, NULL);
            encoding = ST_PQ_ENC_PLAIN;
        }
        ST_TRY(emit_page(x, ST_PQ_PAGE_DATA, r1 - row, encoding, e));
        row = r1;
        val = v1;
    } while (row < x->nrows);
    return ST_OK;
}

typedef struct flush_ctx {
    st_pq_writer *w;
    uint32_t nrows;
    uint32_t *order; /* columns, largest first (tasks are claimed in order) */
} flush_ctx;

static st_status encode_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    flush_ctx *fc = ctx;
    st_pq_writer *w = fc->w;
    task = fc->order[task];
    enc x;
    memset(&x, 0, sizeof x);
    x.w = w;
    x.col = (uint32_t)task;
    x.c = &w->cols[task];
    x.v = w->buf[task];
    x.nrows = fc->nrows;
    x.zctx = &w->zctx[worker];
    x.out = &w->chunks[task];
    x.sc = &x.out->sc;
    x.page = &x.sc->page;
    x.comp = &x.sc->comp;
    st_sbuf_clear(&x.out->buf);
    st_status rc;
    ST_CHECK(rc, enc_layout(&x, e));
    ST_CHECK(rc, enc_dictionary(&x, e));
    ST_CHECK(rc, enc_stats(&x, e));
    ST_CHECK(rc, enc_pages(&x, e));
cleanup:
    return rc;
}

static void *meta_dup(st_pq_writer *w, const void *p, size_t n) {
    return st_arena_memdup(w->meta, p, n ? n : 1);
}

static st_status flush_row_group(st_pq_writer *w, st_error *e) {
    uint32_t ncols = w->schema->nfields, nrows = w->buf_rows;
    if (nrows == 0) return ST_OK;
    /* largest columns first, so that the threads finish together */
    uint32_t *order = malloc(ncols * sizeof *order);
    uint64_t *weight = malloc(ncols * sizeof *weight);
    if (!order || !weight) {
        free(order);
        free(weight);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (uint32_t c = 0; c < ncols; c++) {
        const st_vector *v = w->buf[c];
        order[c] = c;
        weight[c] = (uint64_t)nrows * st_type_width(v->type) + (v->heap ? st_arena_used(v->heap) * 2 : 0);
    }
    for (uint32_t i = 1; i < ncols; i++) /* insertion sort, stable */
        for (uint32_t j = i; j > 0 && weight[order[j]] > weight[order[j - 1]]; j--) {
            uint32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    free(weight);
    flush_ctx fc = {w, nrows, order};
    uint32_t threads = w->threads < ncols ? w->threads : ncols;
    st_status prc = st_parallel_for(threads, ncols, encode_task, &fc, e);
    free(order);
    ST_TRY(prc);
    if (w->nrg == w->rg_cap) {
        uint32_t nc = w->rg_cap ? w->rg_cap * 2 : 8;
        st_pq_row_group *nr = realloc(w->rgs, nc * sizeof *nr);
        if (!nr) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        w->rgs = nr;
        w->rg_cap = nc;
    }
    st_pq_row_group *rg = &w->rgs[w->nrg];
    memset(rg, 0, sizeof *rg);
    rg->columns = st_arena_alloc(w->meta, ncols * sizeof *rg->columns);
    if (!rg->columns) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    memset(rg->columns, 0, ncols * sizeof *rg->columns);
    rg->ncolumns = ncols;
    rg->num_rows = nrows;
    rg->has_file_offset = rg->has_total_compressed_size = rg->has_ordinal = true;
    rg->file_offset = (int64_t)st_wfile_offset(w->f);
    rg->ordinal = (int16_t)(w->nrg < INT16_MAX ? w->nrg : INT16_MAX);
    for (uint32_t c = 0; c < ncols; c++) {
        wchunk *ch = &w->chunks[c];
        const wcol *col = &w->cols[c];
        uint64_t base = st_wfile_offset(w->f);
        ST_TRY(st_wfile_write(w->f, ch->buf.p ? ch->buf.p : "", ch->buf.len, e));
        st_pq_column_chunk *cc = &rg->columns[c];
        cc->file_offset = 0;
        cc->has_meta_data = true;
        st_pq_column_meta *m = &cc->meta_data;
        m->type = col->ptype;
        int32_t encs[3];
        uint32_t ne = 0;
        encs[ne++] = ST_PQ_ENC_PLAIN;
        encs[ne++] = ST_PQ_ENC_RLE;
        if (ch->has_dict) encs[ne++] = ST_PQ_ENC_RLE_DICTIONARY;
        m->encodings = meta_dup(w, encs, ne * sizeof *encs);
        m->nencodings = ne;
        st_pq_bytes path = {(const uint8_t *)w->schema->fields[c].name, (uint32_t)strlen(w->schema->fields[c].name)};
        m->path = meta_dup(w, &path, sizeof path);
        m->npath = 1;
        m->codec = (int32_t)w->o.codec;
        m->num_values = nrows;
        m->total_uncompressed_size = (int64_t)ch->uncompressed;
        m->total_compressed_size = (int64_t)ch->buf.len;
        m->data_page_offset = (int64_t)(base + ch->data_off);
        if (ch->has_dict) {
            m->has_dictionary_page_offset = true;
            m->dictionary_page_offset = (int64_t)base;
        }
        st_pq_enc_stats es[2];
        uint32_t nes = 0;
        if (ch->has_dict) es[nes++] = (st_pq_enc_stats){ST_PQ_PAGE_DICTIONARY, ST_PQ_ENC_PLAIN, 1};
        es[nes++] = (st_pq_enc_stats){ST_PQ_PAGE_DATA, ch->has_dict ? ST_PQ_ENC_RLE_DICTIONARY : ST_PQ_ENC_PLAIN,
                                      (int32_t)ch->npages};
        m->enc_stats = meta_dup(w, es, nes * sizeof *es);
        m->nenc_stats = nes;
        m->has_statistics = true;
        st_pq_stats *s = &m->statistics;
        s->has_null_count = true;
        s->null_count = ch->null_count;
        if (ch->has_minmax) {
            s->has_min_value = s->has_max_value = true;
            s->min_value.p = meta_dup(w, ch->min, ch->min_len);
            s->min_value.len = ch->min_len;
            s->max_value.p = meta_dup(w, ch->max, ch->max_len);
            s->max_value.len = ch->max_len;
            if (col->legacy_stats) {
                s->has_min = s->has_max = true;
                s->min = s->min_value;
                s->max = s->max_value;
            }
            if (!ch->min_exact || !ch->max_exact) {
                s->has_min_exact = s->has_max_exact = true;
                s->is_min_exact = ch->min_exact;
                s->is_max_exact = ch->max_exact;
            }
        }
        if (ch->has_nan_count) {
            s->has_nan_count = true;
            s->nan_count = ch->nan_count;
        }
        free(ch->min);
        free(ch->max);
        ch->min = ch->max = NULL;
        ch->has_minmax = ch->has_dict = ch->has_nan_count = false;
        ch->npages = 0;
        ch->uncompressed = 0;
        rg->total_byte_size += m->total_uncompressed_size;
        rg->total_compressed_size += m->total_compressed_size;
        if (!m->encodings || !m->path || !m->enc_stats || (ch->min_len && !s->min_value.p))
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        st_sbuf_clear(&ch->buf);
    }
    w->nrg++;
    w->rows += nrows;
    for (uint32_t c = 0; c < ncols; c++) st_vector_reset(w->buf[c]);
    w->buf_rows = 0;
    w->buf_bytes = 0;
    return ST_OK;
}

st_status st_pq_writer_finish(st_pq_writer *w, st_error *e) {
    if (w->rc) return w_fail(w, w->rc, NULL, e);
    if (w->finished) return ST_OK;
    st_status rc = flush_row_group(w, e);
    if (rc) return w_fail(w, rc, e, e);
    uint32_t ncols = w->schema->nfields;
    st_pq_file_meta m;
    memset(&m, 0, sizeof m);
    m.version = 1;
    m.nschema = ncols + 1;
    m.schema = calloc(m.nschema, sizeof *m.schema);
    m.column_orders = calloc(ncols, sizeof *m.column_orders);
    if (!m.schema || !m.column_orders) {
        free(m.schema);
        free(m.column_orders);
        return w_fail(w, st_error_set(e, ST_ERR_NOMEM, "out of memory"), e, e);
    }
    m.schema[0].name.p = (const uint8_t *)"schema";
    m.schema[0].name.len = 6;
    m.schema[0].has_num_children = true;
    m.schema[0].num_children = (int32_t)ncols;
    for (uint32_t c = 0; c < ncols; c++) {
        wcol tmp;
        schema_elem(&w->schema->fields[c], &tmp, &m.schema[c + 1]);
        m.column_orders[c] = ST_PQ_ORDER_TYPE;
    }
    m.ncolumn_orders = ncols;
    m.num_rows = (int64_t)w->rows;
    m.row_groups = w->rgs;
    m.nrow_groups = w->nrg;
    m.has_created_by = true;
    m.created_by.p = (const uint8_t *)w->created_by;
    m.created_by.len = (uint32_t)strlen(w->created_by);
    st_sbuf foot = ST_SBUF_INIT;
    st_pq_encode_file_meta(&foot, &m);
    free(m.schema);
    free(m.column_orders);
    if (foot.failed || foot.len > UINT32_MAX) {
        st_sbuf_free(&foot);
        return w_fail(w, st_error_set(e, ST_ERR_NOMEM, "out of memory encoding the footer"), e, e);
    }
    uint8_t tail[8];
    put_u32le(tail, (uint32_t)foot.len);
    memcpy(tail + 4, "PAR1", 4);
    rc = st_wfile_write(w->f, foot.p, foot.len, e);
    if (!rc) rc = st_wfile_write(w->f, tail, 8, e);
    st_sbuf_free(&foot);
    if (rc) return w_fail(w, rc, e, e);
    w->finished = true;
    return ST_OK;
}

void st_pq_writer_free(st_pq_writer *w) {
    if (!w) return;
    if (w->schema)
        for (uint32_t c = 0; c < w->schema->nfields; c++) {
            if (w->buf) st_vector_free(w->buf[c]);
            if (w->chunks) {
                st_sbuf_free(&w->chunks[c].buf);
                scratch_free(&w->chunks[c].sc);
                free(w->chunks[c].min);
                free(w->chunks[c].max);
            }
        }
    for (uint32_t i = 0; i < ST_MAX_THREADS; i++) st_pq_codec_free_cctx(w->zctx[i]);
    free(w->buf);
    free(w->chunks);
    free(w->cols);
    free(w->rgs);
    st_arena_free(w->meta);
    st_schema_free(w->schema);
    free(w->created_by);
    free(w);
}

st_status st_pq_write_file(const char *path, const st_schema *schema, const st_pq_write_opts *opts, st_pq_next_fn next,
                           void *ctx, uint64_t *rows_out, st_error *e) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = 0;
    else if (slash) *slash = 0;
    else strcpy(dir, ".");
    st_wfile *f;
    ST_TRY(st_wfile_create_tmp(dir, "parquet", &f, e));
    st_pq_writer *w;
    st_status rc = st_pq_writer_open(f, schema, opts, &w, e);
    if (rc) {
        st_wfile_abort(f);
        return rc;
    }
    for (;;) {
        const st_batch *b = NULL;
        if ((rc = next(ctx, &b, e)) != ST_OK || !b) break;
        if ((rc = st_pq_writer_write(w, b, e)) != ST_OK) break;
    }
    if (!rc) rc = st_pq_writer_finish(w, e);
    if (rows_out) *rows_out = st_pq_writer_rows(w);
    st_pq_writer_free(w);
    if (rc) {
        st_wfile_abort(f);
        return rc;
    }
    rc = st_wfile_publish(f, path, ST_PUBLISH_REPLACE, e);
    if (rc) st_error_prefix(e, "%s: ", path);
    return rc;
}
