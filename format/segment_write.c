/*
 * segment_write.c: the segment writer: buffers one row group of incoming
 * batches, encodes each column chunk with the encoding its data favours,
 * compresses it with zstd when that pays, and streams the blocks, then the
 * footer and the tail, to the caller's st_wfile.
 *
 * Memory: one row group of dense values per column (NULLs are not stored,
 * only their validity bits) plus the encode scratch of one chunk.  A row
 * group is cut at `rowgroup_rows` rows or earlier when its string bytes
 * reach `rowgroup_bytes`, so memory stays bounded whatever the input.
 *
 * Block layout: segment_int.h; value layouts: enc_ints.c, enc_str.c and the
 * i128 split drawn below; footer: segment_footer.c; spec/FORMAT.md has it
 * all in one place.
 *
 * Choice of compression: the encoded payload of a chunk is compressed with
 * zstd and the result is kept only when it saves at least 1/16 of the
 * bytes; otherwise the chunk is stored raw and decodes without the zstd pass
 * (bit-packed random keys do not compress, and their decode speed matters
 * more than 2%).  The level, ST_SEGMENT_DEFAULT_ZSTD_LEVEL = 1, was picked
 * by measurement (bench_format, 3M sales rows): level 3 made the segment
 * 0.13% smaller and encoding ~10% slower, because the payload zstd sees is
 * already bit-packed and dictionary-coded.
 *
 * Strings are copied once per batch into a staging run by validate() (and
 * checked there in bulk: UTF-8, sizes), so the append moves each slice with
 * one memcpy; encoders take their scratch from an arena reset per chunk. 
 *
 * Errors: a batch with a bad value is refused whole before anything of it
 * is buffered (validation runs first), so the writer stays usable.  I/O
 * and allocation failures are sticky: every later call returns the first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "format/hash.h"
#include "format/segment_int.h"

typedef struct colbuf {
    st_type type;
    seg_cls cls;
    size_t width;
    bool sgn;      /* natural order is signed */
    bool nullable;
    bool utf8;     /* VARCHAR */
    const char *name;
    /* dense non-NULL values of the current row group */
    uint8_t *vals; /* fixed width: nv * width bytes */
    size_t vcap;
    uint32_t nv;
    uint32_t *off; /* strings: nv + 1 offsets into bytes */
    size_t ocap;
    char *bytes;
    uint64_t blen, bcap;
    uint64_t *valid; /* validity bits of the row group's rows */
    uint32_t nulls;
    uint64_t batch_bytes; /* string bytes of the live rows of the batch being added */
    /* strings of the batch being added, staged by validate(): live row k is
     * sbytes[soff[k] .. soff[k+1]) (empty for NULL) */
    char *sbytes;
    uint64_t scap;
    uint32_t *soff;
    size_t socap;
    /* whole segment */
    st_zonemap zm;
    enc_hll hll;
} colbuf;

struct st_segment_writer {
    st_schema *schema;
    uint32_t ncols;
    st_wfile *out;
    uint32_t rg_rows;
    uint64_t rg_bytes;
    int level;
    st_seg_zstd_mode zmode;
    unsigned encodings;
    uint8_t id[ST_SEGMENT_ID_LEN];
    colbuf *cols;
    bool has_strings;
    uint32_t buffered;       /* rows in the current row group */
    uint64_t buffered_bytes; /* string bytes in the current row group */
    uint64_t rows;
    uint64_t offset;         /* bytes written */
    /* per row group results */
    uint32_t nrg, rg_cap;
    uint32_t *rgr;
    seg_chunk *chunks;
    st_zonemap *rg_zm;
    /* scratch */
    enc_mem mem; /* encoder scratch, reset after each chunk */
    enc_buf raw, z;
    uint64_t *u64a, *u64b;
    size_t u64cap;
    st_str *strs;
    size_t strcap;
    ZSTD_CCtx *cctx;
    /* sticky failure */
    st_status sticky;
    st_error sticky_err;
    bool finished;
};

/* ---- helpers ------------------------------------------------------------ */

static st_status stick(st_segment_writer *w, st_status rc, st_error *e) {
    if (rc != ST_OK && w->sticky == ST_OK) {
        w->sticky = rc;
        if (e) w->sticky_err = *e;
        else st_error_set(&w->sticky_err, rc, "segment writer failed");
    }
    return rc;
}

static st_status sticky_again(st_segment_writer *w, st_error *e) {
    if (e) *e = w->sticky_err;
    return w->sticky;
}

static void random_id(uint8_t *id) {
    if (getrandom(id, ST_SEGMENT_ID_LEN, 0) == ST_SEGMENT_ID_LEN) return;
    /* no entropy source: time, pid and a counter, mixed */
    static uint64_t ctr;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t a = st_hash_combine((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                                 (uint64_t)getpid());
    uint64_t b = st_hash_combine(a, __atomic_add_fetch(&ctr, 1, __ATOMIC_RELAXED));
    memcpy(id, &a, 8);
    memcpy(id + 8, &b, 8);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np) return false;
    *p = np;
    *cap = nc;
    return true;
}

static st_status nomem(st_error *e) {
    return st_error_set(e, ST_ERR_NOMEM, "out of memory in the segment writer");
}

/* ---- create / free ------------------------------------------------------ */

void st_segment_writer_free(st_segment_writer *w) {
    if (!w) return;
    if (w->cols) {
        for (uint32_t c = 0; c < w->ncols; c++) {
            free(w->cols[c].vals);
            free(w->cols[c].off);
            free(w->cols[c].bytes);
            free(w->cols[c].valid);
            free(w->cols[c].sbytes);
            free(w->cols[c].soff);
        }
    }
    free(w->cols);
    st_schema_free(w->schema);
    free(w->rgr);
    free(w->chunks);
    free(w->rg_zm);
    enc_mem_free(&w->mem);
    enc_buf_free(&w->raw);
    enc_buf_free(&w->z);
    free(w->u64a);
    free(w->u64b);
    free(w->strs);
    ZSTD_freeCCtx(w->cctx);
    free(w);
}

st_status st_segment_writer_new(const st_schema *schema, st_wfile *out,
                                const st_segment_options *opt, st_segment_writer **wo,
                                st_error *e) {
    st_segment_options o = {0};
    if (opt) o = *opt;
    if (o.rowgroup_rows == 0) o.rowgroup_rows = ST_SEGMENT_DEFAULT_RG_ROWS;
    if (o.rowgroup_rows > ST_SEGMENT_MAX_RG_ROWS)
        return st_error_set(e, ST_ERR_INVALID, "row-group size %u is over the maximum %u",
                            o.rowgroup_rows, ST_SEGMENT_MAX_RG_ROWS);
    if (o.rowgroup_bytes == 0) o.rowgroup_bytes = ST_SEGMENT_DEFAULT_RG_BYTES;
    if (o.zstd_level == 0) o.zstd_level = ST_SEGMENT_DEFAULT_ZSTD_LEVEL;
    if (o.zstd_level < 1 || o.zstd_level > 19)
        return st_error_set(e, ST_ERR_INVALID, "zstd level %d is not in 1..19", o.zstd_level);
    if (o.zstd_mode > ST_SEG_ZSTD_ALWAYS)
        return st_error_set(e, ST_ERR_INVALID, "unknown zstd mode %d", (int)o.zstd_mode);
    if (o.encodings & ~((1u << ST_ENC__COUNT) - 1))
        return st_error_set(e, ST_ERR_INVALID, "unknown encodings in mask 0x%x", o.encodings);
    if (o.encodings == 0) o.encodings = (1u << ST_ENC__COUNT) - 1;
    o.encodings |= 1u << ST_ENC_PLAIN;
    if (!schema || schema->nfields == 0 || schema->nfields > SEG_MAX_FIELDS)
        return st_error_set(e, ST_ERR_INVALID, "a segment needs 1..%u fields", SEG_MAX_FIELDS);
    if (st_wfile_offset(out) != 0)
        return st_error_set(e, ST_ERR_INVALID, "a segment must start at offset 0 of its file");
    for (uint32_t c = 0; c < schema->nfields; c++) {
        const st_field *f = &schema->fields[c];
        char tn[ST_TYPE_NAME_MAX];
        if (f->id == 0)
            return st_error_set(e, ST_ERR_INVALID, "field '%s' has no field id", f->name);
        if (!seg_type_ok(f->type))
            return st_error_set(e, ST_ERR_INVALID, "field '%s': type %s cannot be stored", f->name,
                                st_type_name(f->type, tn));
        size_t nl = strlen(f->name), bad;
        if (nl == 0 || nl > SEG_MAX_NAME || !st_utf8_valid(f->name, nl, &bad))
            return st_error_set(e, ST_ERR_INVALID,
                                "field name '%s' must be 1..%u bytes of UTF-8", f->name,
                                SEG_MAX_NAME);
    }
    st_segment_writer *w = calloc(1, sizeof *w);
    if (!w) return nomem(e);
    w->schema = st_schema_clone(schema);
    w->ncols = schema->nfields;
    w->cols = calloc(w->ncols, sizeof *w->cols);
    w->cctx = ZSTD_createCCtx();
    if (!w->schema || !w->cols || !w->cctx) goto oom;
    w->out = out;
    w->rg_rows = o.rowgroup_rows;
    w->rg_bytes = o.rowgroup_bytes;
    w->level = o.zstd_level;
    w->zmode = o.zstd_mode;
    w->encodings = o.encodings;
    if (o.segment_id) memcpy(w->id, o.segment_id, ST_SEGMENT_ID_LEN);
    else random_id(w->id);
    size_t words = ((size_t)w->rg_rows + 63) / 64;
    for (uint32_t c = 0; c < w->ncols; c++) {
        colbuf *cb = &w->cols[c];
        const st_field *f = &w->schema->fields[c];
        cb->type = f->type;
        cb->cls = seg_class(f->type);
        cb->width = st_type_width(f->type);
        cb->sgn = f->type.id != ST_T_UINT64 && cb->cls != SEG_CLS_FLOAT;
        cb->nullable = f->nullable;
        cb->utf8 = f->type.id == ST_T_VARCHAR;
        cb->name = f->name;
        cb->valid = calloc(words, 8);
        if (!cb->valid) goto oom;
        if (cb->cls == SEG_CLS_STR) {
            w->has_strings = true;
            if (!grow((void **)&cb->off, &cb->ocap, 1, sizeof *cb->off)) goto oom;
            cb->off[0] = 0;
        }
        st_zonemap_init(&cb->zm, f->type);
    }
    /* header */
    uint8_t h[SEG_HEADER_SIZE] = {0};
    memcpy(h, SEG_MAGIC, SEG_MAGIC_LEN);
    st_store_u16(h + 8, ST_SEGMENT_VERSION);
    memcpy(h + 16, w->id, ST_SEGMENT_ID_LEN);
    st_store_u64(h + 32, st_checksum64(h, 32));
    st_status rc = st_wfile_write(out, h, sizeof h, e);
    if (rc != ST_OK) {
        st_segment_writer_free(w);
        return rc;
    }
    w->offset = SEG_HEADER_SIZE;
    *wo = w;
    return ST_OK;
oom:
    st_segment_writer_free(w);
    return nomem(e);
}

/* ---- validation --------------------------------------------------------- */

/* all bytes < 0x80?  Overlapping word loads instead of a byte loop: short
 * strings are the common case. */
static inline bool ascii_only(const char *p, uint32_t n) {
    uint64_t acc = 0, w;
    uint32_t a, b;
    if (n >= 8) {
        uint32_t i = 0;
        for (; i + 8 <= n; i += 8) {
            memcpy(&w, p + i, 8);
            acc |= w;
        }
        memcpy(&w, p + n - 8, 8);
        acc |= w;
    } else if (n >= 4) {
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        acc = a | b;
    } else if (n) {
        acc = (uint8_t)p[0] | (uint8_t)p[n >> 1] | (uint8_t)p[n - 1];
    }
    return !(acc & UINT64_C(0x8080808080808080));
}

/* memcpy for short strings without a call: overlapping loads and stores,
 * never touching bytes outside [src, src+n) and [dst, dst+n) */
static inline void copy_small(char *dst, const char *src, uint32_t n) {
    if (n > 16) {
        memcpy(dst, src, n);
    } else if (n >= 8) {
        uint64_t x, y;
        memcpy(&x, src, 8);
        memcpy(&y, src + n - 8, 8);
        memcpy(dst, &x, 8);
        memcpy(dst + n - 8, &y, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, src, 4);
        memcpy(&y, src + n - 4, 4);
        memcpy(dst, &x, 4);
        memcpy(dst + n - 4, &y, 4);
    } else if (n) {
        char x = src[0], y = src[n >> 1], z = src[n - 1];
        dst[0] = x;
        dst[n >> 1] = y;
        dst[n - 1] = z;
    }
}

/* Copy the live strings of v into cb's staging area (one contiguous run in
 * live-row order) and check them there: sizes, NULLs, and for VARCHAR
 * UTF-8 in bulk (an OR over words shows pure ASCII; otherwise the DFA and a
 * check that no string starts inside a sequence).  The append then moves
 * whole slices with one memcpy. */
static st_status stage_strings(colbuf *cb, const st_vector *v, const uint32_t *sel, uint32_t live,
                               st_error *e) {
    const st_str *d = v->data;
    const uint64_t *vb = v->validity;
    uint64_t total = 0;
    for (uint32_t k = 0; k < live; k++) {
        uint32_t r = sel ? sel[k] : k;
        if (vb && !((vb[r >> 6] >> (r & 63)) & 1)) {
            if (!cb->nullable)
                return st_error_set(e, ST_ERR_INVALID,
                                    "column '%s' is NOT NULL but batch row %u is NULL", cb->name, r);
            continue;
        }
        if (d[r].len > ST_SEGMENT_MAX_VALUE_BYTES)
            return st_error_set(e, ST_ERR_LIMIT,
                                "column '%s': batch row %u holds %u bytes, over the %u a segment "
                                "value may have",
                                cb->name, r, d[r].len, ST_SEGMENT_MAX_VALUE_BYTES);
        total += d[r].len;
    }
    if (total > UINT32_MAX - 1)
        return st_error_set(e, ST_ERR_LIMIT, "column '%s': over 4 GiB of strings in one batch",
                            cb->name);
    if (!grow((void **)&cb->soff, &cb->socap, (size_t)live + 1, sizeof *cb->soff) ||
        !grow((void **)&cb->sbytes, &cb->scap, total + 16, 1))
        return nomem(e);
    uint32_t o = 0;
    cb->soff[0] = 0;
    for (uint32_t k = 0; k < live; k++) {
        uint32_t r = sel ? sel[k] : k;
        if (!(vb && !((vb[r >> 6] >> (r & 63)) & 1))) {
            copy_small(cb->sbytes + o, d[r].ptr, d[r].len);
            o += d[r].len;
        }
        cb->soff[k + 1] = o;
    }
    cb->batch_bytes = total;
    if (!cb->utf8 || ascii_only(cb->sbytes, o)) return ST_OK;
    size_t bad;
    bool ok = st_utf8_valid(cb->sbytes, o, &bad);
    for (uint32_t k = 0; ok && k < live; k++)
        if (cb->soff[k + 1] > cb->soff[k] && ((unsigned char)cb->sbytes[cb->soff[k]] & 0xC0) == 0x80)
            ok = false;
    if (ok) return ST_OK;
    for (uint32_t k = 0; k < live; k++) { /* which row? */
        uint32_t r = sel ? sel[k] : k;
        if (cb->soff[k + 1] > cb->soff[k] && !st_utf8_valid(d[r].ptr, d[r].len, &bad))
            return st_error_set(e, ST_ERR_INVALID,
                                "column '%s': batch row %u is not valid UTF-8 (byte %zu); store "
                                "such values as BLOB",
                                cb->name, r, bad);
    }
    return st_error_set(e, ST_ERR_INTERNAL, "column '%s': UTF-8 check disagrees", cb->name);
}

/* Check every live value of b (nothing is buffered before the whole batch
 * passed), staging the strings (stage_strings). */
static st_status validate(st_segment_writer *w, const st_batch *b, uint64_t *str_total,
                          st_error *e) {
    *str_total = 0;
    if (b->ncols != w->ncols)
        return st_error_set(e, ST_ERR_INVALID, "batch has %u columns, the segment %u", b->ncols,
                            w->ncols);
    uint32_t live = st_batch_live(b);
    if (b->sel) {
        for (uint32_t k = 0; k < live; k++)
            if (b->sel[k] >= b->len || (k && b->sel[k] <= b->sel[k - 1]))
                return st_error_set(e, ST_ERR_INVALID, "bad selection vector at entry %u", k);
    }
    for (uint32_t c = 0; c < w->ncols; c++) {
        colbuf *cb = &w->cols[c];
        const st_vector *v = b->cols[c];
        char t1[ST_TYPE_NAME_MAX], t2[ST_TYPE_NAME_MAX];
        cb->batch_bytes = 0;
        if (!st_type_eq(v->type, cb->type))
            return st_error_set(e, ST_ERR_TYPE, "column '%s' is %s in the batch but %s in the segment",
                                cb->name, st_type_name(v->type, t1), st_type_name(cb->type, t2));
        if (v->len < b->len)
            return st_error_set(e, ST_ERR_INVALID, "column '%s' holds %u rows, the batch %u",
                                cb->name, v->len, b->len);
        if (cb->cls == SEG_CLS_STR) {
            ST_TRY(stage_strings(cb, v, b->sel, live, e));
            *str_total += cb->batch_bytes;
            continue;
        }
        bool check_bool = cb->type.id == ST_T_BOOLEAN;
        bool check_dec = cb->type.id == ST_T_DECIMAL;
        if (cb->nullable && !check_bool && !check_dec) continue;
        for (uint32_t k = 0; k < live; k++) {
            uint32_t r = b->sel ? b->sel[k] : k;
            if (st_vector_is_null(v, r)) {
                if (!cb->nullable)
                    return st_error_set(e, ST_ERR_INVALID,
                                        "column '%s' is NOT NULL but batch row %u is NULL",
                                        cb->name, r);
                continue;
            }
            if (check_bool && ((const uint8_t *)v->data)[r] > 1)
                return st_error_set(e, ST_ERR_INVALID, "column '%s': batch row %u holds BOOLEAN %u",
                                    cb->name, r, ((const uint8_t *)v->data)[r]);
            if (check_dec) {
                st_i128 x;
                st_value_as_i128(cb->type, st_vector_at(v, r), &x);
                if (!seg_decimal_fits(x, cb->type.precision))
                    return st_error_set(e, ST_ERR_INVALID,
                                        "column '%s': batch row %u exceeds DECIMAL(%u,%u)",
                                        cb->name, r, cb->type.precision, cb->type.scale);
            }
        }
    }
    return ST_OK;
}

/* ---- buffering ---------------------------------------------------------- */

static inline void set_valid(uint64_t *bits, uint32_t i) { bits[i >> 6] |= UINT64_C(1) << (i & 63); }

static void set_valid_range(uint64_t *bits, uint32_t from, uint32_t n) {
    uint32_t i = from, end = from + n;
    while (i < end && (i & 63)) set_valid(bits, i++);
    while (i + 64 <= end) {
        bits[i >> 6] = ~UINT64_C(0);
        i += 64;
    }
    while (i < end) set_valid(bits, i++);
}

#define GATHER(T)                                                             \
    do {                                                                      \
        T *dst = (T *)(c->vals + (size_t)c->nv * c->width);                   \
        const T *src = (const T *)v->data;                                    \
        uint32_t m = 0;                                                       \
        for (uint32_t j = 0; j < cnt; j++) {                                  \
            uint32_t r = sel ? sel[k0 + j] : k0 + j;                          \
            if (vb && !((vb[r >> 6] >> (r & 63)) & 1)) {                      \
                c->nulls++;                                                   \
                continue;                                                     \
            }                                                                 \
            dst[m++] = src[r];                                                \
            set_valid(c->valid, base + j);                                    \
        }                                                                     \
        c->nv += m;                                                           \
    } while (0)

/* Append batch rows k0 .. k0+cnt (through sel) to column c's buffer. */
static st_status col_append(st_segment_writer *w, colbuf *c, const st_vector *v,
                            const uint32_t *sel, uint32_t k0, uint32_t cnt, st_error *e) {
    uint32_t base = w->buffered;
    const uint64_t *vb = v->validity;
    if (c->cls != SEG_CLS_STR) {
        if (!grow((void **)&c->vals, &c->vcap, ((size_t)c->nv + cnt) * c->width, 1)) return nomem(e);
        if (!sel && !vb) {
            memcpy(c->vals + (size_t)c->nv * c->width, (const uint8_t *)v->data + (size_t)k0 * c->width,
                   (size_t)cnt * c->width);
            c->nv += cnt;
            set_valid_range(c->valid, base, cnt);
            return ST_OK;
        }
        switch (c->width) {
        case 1: GATHER(uint8_t); break;
        case 2: GATHER(uint16_t); break;
        case 4: GATHER(uint32_t); break;
        case 8: GATHER(uint64_t); break;
        default: GATHER(st_i128); break;
        }
        return ST_OK;
    }
    if (!grow((void **)&c->off, &c->ocap, (size_t)c->nv + cnt + 1, sizeof *c->off)) return nomem(e);
    /* the strings were staged contiguously by validate(): one copy */
    uint64_t from = c->soff[k0], add = c->soff[k0 + cnt] - from;
    if (c->blen + add > UINT32_MAX - 1)
        return st_error_set(e, ST_ERR_LIMIT, "column '%s': too many string bytes in one row group",
                            c->name);
    if (!grow((void **)&c->bytes, &c->bcap, c->blen + add, 1)) return nomem(e);
    uint64_t start = c->blen;
    if (add) memcpy(c->bytes + start, c->sbytes + from, add);
    uint32_t base_off = (uint32_t)(start - from);
    for (uint32_t j = 0; j < cnt; j++) {
        uint32_t r = sel ? sel[k0 + j] : k0 + j;
        if (vb && !((vb[r >> 6] >> (r & 63)) & 1)) {
            c->nulls++;
            continue;
        }
        c->off[++c->nv] = base_off + c->soff[k0 + j + 1];
        set_valid(c->valid, base + j);
    }
    c->blen = start + add;
    w->buffered_bytes += c->blen - start;
    return ST_OK;
}

/* ---- encoding one chunk ------------------------------------------------- */

static bool scratch_u64(st_segment_writer *w, size_t n) {
    if (n <= w->u64cap) return true;
    size_t nc = n < 1024 ? 1024 : n;
    uint64_t *a = realloc(w->u64a, nc * 8), *b = a ? realloc(w->u64b, nc * 8) : NULL;
    if (a) w->u64a = a;
    if (b) w->u64b = b;
    if (!a || !b) return false;
    w->u64cap = nc;
    return true;
}

/* native dense values -> u64 (sign-extended for signed types; FLOAT bits
 * zero-extended) */
static const uint64_t *widen(st_segment_writer *w, const colbuf *c) {
    uint32_t n = c->nv;
    if (c->width == 8) return (const uint64_t *)c->vals;
    uint64_t *u = w->u64a;
    switch ((st_type_id)c->type.id) {
    case ST_T_BOOLEAN:
        for (uint32_t i = 0; i < n; i++) u[i] = c->vals[i];
        break;
    case ST_T_INT8:
        for (uint32_t i = 0; i < n; i++) u[i] = (uint64_t)(int64_t)((const int8_t *)c->vals)[i];
        break;
    case ST_T_INT16:
        for (uint32_t i = 0; i < n; i++) u[i] = (uint64_t)(int64_t)((const int16_t *)c->vals)[i];
        break;
    case ST_T_FLOAT:
        for (uint32_t i = 0; i < n; i++) u[i] = ((const uint32_t *)c->vals)[i];
        break;
    default: /* INT32, DATE */
        for (uint32_t i = 0; i < n; i++) u[i] = (uint64_t)(int64_t)((const int32_t *)c->vals)[i];
        break;
    }
    return u;
}

static uint64_t clamp_distinct(uint64_t est, uint64_t nv) {
    if (nv == 0) return 0;
    if (est < 1) return 1;
    return est > nv ? nv : est;
}

/* Zone map of n values of column c's type at data (dense, no NULLs). */
static void zone_of(st_zonemap *zm, st_type t, const void *data, uint32_t n) {
    if (!n) return;
    st_vector view;
    memset(&view, 0, sizeof view);
    view.type = t;
    view.len = view.cap = n;
    view.data = (void *)data;
    st_zonemap_update(zm, &view, NULL, n);
}

static bool scratch_strs(st_segment_writer *w, size_t n) {
    return grow((void **)&w->strs, &w->strcap, n ? n : 1, sizeof *w->strs);
}

/* Encode the values of column c into w->raw (after the validity bytes);
 * sets *enc, the chunk's distinct estimate, and the bounds of *zm. */
static st_status encode_values(st_segment_writer *w, colbuf *c, st_zonemap *zm, int *enc,
                               uint64_t *distinct, st_error *e) {
    uint32_t nv = c->nv;
    enc_buf *raw = &w->raw;
    unsigned allowed = w->encodings & seg_allowed(c->type);
    unsigned nonplain = allowed & ~ENC_BIT(ENC_PLAIN);
    bool forced = nonplain && !(nonplain & (nonplain - 1)); /* exactly one encoding asked */
    enc_hll rh;
    *enc = ENC_PLAIN;
    *distinct = 0;
    if (nv == 0) return ST_OK;
    if (!scratch_u64(w, nv)) return nomem(e);
    st_status rc = ST_OK;
    if (c->cls != SEG_CLS_STR) zone_of(zm, c->type, c->vals, nv);

    if (c->cls == SEG_CLS_INT || c->cls == SEG_CLS_FLOAT) {
        const uint64_t *u = widen(w, c);
        ints_plan *p = NULL;
        ints_opts o = {nonplain, forced && nonplain == ENC_BIT(ENC_DICT)};
        if (nonplain) ST_TRY(ints_plan_build(&w->mem, u, nv, c->sgn, o, &p, e));
        size_t plain = (size_t)nv * c->width;
        bool use = p && (nonplain & ENC_BIT(ints_plan_kind(p))) &&
                   (forced || ints_plan_size(p) < plain);
        size_t nd = 0;
        const uint64_t *dv = p ? ints_plan_distinct(p, &nd) : NULL;
        if (dv) {
            *distinct = nd;
            for (size_t i = 0; i < nd; i++) enc_hll_add(&c->hll, st_hash_u64(dv[i]));
        } else {
            memset(&rh, 0, sizeof rh);
            for (uint32_t i = 0; i < nv; i++) enc_hll_add(&rh, st_hash_u64(u[i]));
            *distinct = clamp_distinct(enc_hll_estimate(&rh), nv);
            enc_hll_merge(&c->hll, &rh);
        }
        if (use) {
            *enc = ints_plan_kind(p);
            ints_plan_write(p, raw);
        } else {
            enc_put(raw, c->vals, plain);
        }
        return ST_OK;
    }

    if (c->cls == SEG_CLS_I128) {
        /*  i128 chunk values (DECIMAL p > 18), encoding E != PLAIN:
         *    +0  u8   kind of the high halves: FOR, DELTA or RLE
         *    +1  body of the nv high 64-bit halves (signed)
         *    ..  body of the nv low 64-bit halves (signed), in encoding E
         *  value = (high << 64) | low.  Values that fit in 64 bits have a
         *  constant high half (0 or -1), which costs a few bytes per 512.
         *  PLAIN: nv x 16 bytes, little-endian two's complement. */
        const st_i128 *x = (const st_i128 *)c->vals;
        uint64_t *lo = w->u64a, *hi = w->u64b;
        for (uint32_t i = 0; i < nv; i++) {
            lo[i] = (uint64_t)x[i];
            hi[i] = (uint64_t)(x[i] >> 64);
        }
        memset(&rh, 0, sizeof rh);
        for (uint32_t i = 0; i < nv; i++) enc_hll_add(&rh, st_hash_combine(st_hash_u64(lo[i]), hi[i]));
        *distinct = clamp_distinct(enc_hll_estimate(&rh), nv);
        enc_hll_merge(&c->hll, &rh);
        if (!nonplain) {
            enc_put(raw, c->vals, (size_t)nv * 16);
            return ST_OK;
        }
        ints_plan *pl = NULL, *ph = NULL;
        ints_opts ol = {nonplain, forced && nonplain == ENC_BIT(ENC_DICT)};
        ints_opts oh = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA) | ENC_BIT(ENC_RLE), false};
        rc = ints_plan_build(&w->mem, lo, nv, true, ol, &pl, e);
        if (rc == ST_OK) rc = ints_plan_build(&w->mem, hi, nv, true, oh, &ph, e);
        if (rc == ST_OK) {
            size_t split = 1 + ints_plan_size(ph) + ints_plan_size(pl);
            bool use = (nonplain & ENC_BIT(ints_plan_kind(pl))) &&
                       (forced || split < (size_t)nv * 16);
            if (use) {
                *enc = ints_plan_kind(pl);
                enc_u8(raw, (uint8_t)ints_plan_kind(ph));
                ints_plan_write(ph, raw);
                ints_plan_write(pl, raw);
            } else {
                enc_put(raw, c->vals, (size_t)nv * 16);
            }
        }
        return rc;
    }

    /* strings */
    strs_plan *sp = NULL;
    ST_TRY(strs_plan_build(&w->mem, c->bytes, c->off, nv, allowed,
                           forced && nonplain == ENC_BIT(ENC_DICT), &sp, e));
    size_t nd = strs_plan_distinct(sp);
    if (nd) {
        /* the distinct strings give the bounds and the sketch */
        *distinct = nd;
        if (!scratch_strs(w, nd)) return nomem(e);
        for (size_t i = 0; i < nd; i++) {
            const char *s;
            uint32_t l;
            strs_plan_distinct_at(sp, i, &s, &l);
            w->strs[i] = (st_str){s, l, 0};
            enc_hll_add(&c->hll, st_hash_bytes(s, l));
        }
        zone_of(zm, c->type, w->strs, (uint32_t)nd);
    } else {
        if (!scratch_strs(w, nv)) return nomem(e);
        for (uint32_t i = 0; i < nv; i++)
            w->strs[i] = (st_str){c->bytes + c->off[i], c->off[i + 1] - c->off[i], 0};
        zone_of(zm, c->type, w->strs, nv);
        memset(&rh, 0, sizeof rh);
        for (uint32_t i = 0; i < nv; i++)
            enc_hll_add(&rh, st_hash_bytes(c->bytes + c->off[i], c->off[i + 1] - c->off[i]));
        *distinct = clamp_distinct(enc_hll_estimate(&rh), nv);
        enc_hll_merge(&c->hll, &rh);
    }
    *enc = strs_plan_kind(sp);
    strs_plan_write(sp, raw);
    return ST_OK;
}

static st_status write_bytes(st_segment_writer *w, const void *p, size_t n, st_error *e) {
    st_status rc = st_wfile_write(w->out, p, n, e);
    if (rc != ST_OK) return rc;
    w->offset += n;
    return ST_OK;
}

static st_status encode_chunk(st_segment_writer *w, uint32_t ci, uint32_t rows, st_error *e) {
    colbuf *c = &w->cols[ci];
    size_t slot = (size_t)w->nrg * w->ncols + ci;
    st_zonemap *zm = &w->rg_zm[slot];
    seg_chunk *ch = &w->chunks[slot];
    uint32_t nv = c->nv, nulls = c->nulls;

    st_zonemap_init(zm, c->type);
    /* raw payload, after room for the block header */
    enc_buf *raw = &w->raw;
    raw->len = 0;
    raw->failed = false;
    if (!enc_reserve(raw, SEG_BLOCK_HEADER)) return nomem(e);
    memset(raw->p, 0, SEG_BLOCK_HEADER);
    raw->len = SEG_BLOCK_HEADER;
    uint8_t flags = 0;
    if (nulls && nulls < rows) {
        flags |= SEG_BLOCK_HAS_VALIDITY;
        enc_put(raw, c->valid, ((size_t)rows + 7) / 8);
    }
    int enc;
    uint64_t distinct;
    st_status vrc = encode_values(w, c, zm, &enc, &distinct, e);
    enc_mem_reset(&w->mem);
    if (vrc != ST_OK) return vrc;
    if (raw->failed) return nomem(e);
    zm->rows = rows;
    zm->null_count = nulls;
    zm->distinct_est = distinct;
    size_t raw_len = raw->len - SEG_BLOCK_HEADER;
    if (raw_len > SEG_MAX_CHUNK_RAW)
        return st_error_set(e, ST_ERR_LIMIT, "column '%s': a chunk of %zu bytes is too large",
                            c->name, raw_len);

    /* zstd, when it pays */
    uint8_t *blk = raw->p;
    size_t blen = raw->len;
    uint8_t comp = ST_COMP_NONE;
    if (w->zmode != ST_SEG_ZSTD_NEVER && raw_len > 0 &&
        (w->zmode == ST_SEG_ZSTD_ALWAYS || raw_len >= 64)) {
        size_t bound = ZSTD_compressBound(raw_len);
        enc_buf *z = &w->z;
        z->len = 0;
        z->failed = false;
        if (!enc_reserve(z, SEG_BLOCK_HEADER + bound)) return nomem(e);
        size_t r = ZSTD_compressCCtx(w->cctx, z->p + SEG_BLOCK_HEADER, bound,
                                     raw->p + SEG_BLOCK_HEADER, raw_len, w->level);
        if (ZSTD_isError(r))
            return st_error_set(e, ST_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
        if (w->zmode == ST_SEG_ZSTD_ALWAYS || r + raw_len / 16 <= raw_len) {
            comp = ST_COMP_ZSTD;
            blk = z->p;
            blen = SEG_BLOCK_HEADER + r;
        }
    }

    /* block header; the checksum covers everything after it */
    memcpy(blk + 8, w->id, 8);
    st_store_u32(blk + 16, w->nrg);
    st_store_u32(blk + 20, ci);
    st_store_u32(blk + 24, rows);
    st_store_u32(blk + 28, nulls);
    st_store_u32(blk + 32, (uint32_t)(blen - SEG_BLOCK_HEADER));
    st_store_u32(blk + 36, (uint32_t)raw_len);
    blk[40] = SEG_BLOCK_KIND_CHUNK;
    blk[41] = (uint8_t)enc;
    blk[42] = comp;
    blk[43] = flags;
    st_store_u32(blk + 44, 0);
    st_store_u64(blk, st_checksum64(blk + 8, blen - 8));

    ch->offset = w->offset;
    ch->block_len = (uint32_t)blen;
    ch->raw_len = (uint32_t)raw_len;
    ch->data_bytes = c->cls == SEG_CLS_STR ? c->blen : (uint64_t)nv * c->width;
    ch->nulls = nulls;
    ch->enc = (uint8_t)enc;
    ch->comp = comp;
    return write_bytes(w, blk, blen, e);
}

static st_status flush_rg(st_segment_writer *w, st_error *e) {
    uint32_t rows = w->buffered;
    if (rows == 0) return ST_OK;
    if (w->nrg == w->rg_cap) {
        size_t nc = w->rg_cap ? (size_t)w->rg_cap * 2 : 16;
        uint32_t *r = realloc(w->rgr, nc * sizeof *r);
        if (r) w->rgr = r;
        seg_chunk *ch = realloc(w->chunks, nc * w->ncols * sizeof *ch);
        if (ch) w->chunks = ch;
        st_zonemap *z = realloc(w->rg_zm, nc * w->ncols * sizeof *z);
        if (z) w->rg_zm = z;
        if (!r || !ch || !z) return nomem(e);
        w->rg_cap = (uint32_t)nc;
    }
    for (uint32_t c = 0; c < w->ncols; c++) ST_TRY(encode_chunk(w, c, rows, e));
    for (uint32_t c = 0; c < w->ncols; c++) {
        colbuf *cb = &w->cols[c];
        st_zonemap_merge(&cb->zm, &w->rg_zm[(size_t)w->nrg * w->ncols + c]);
        cb->nv = 0;
        cb->nulls = 0;
        cb->blen = 0;
        memset(cb->valid, 0, ((size_t)w->rg_rows + 63) / 64 * 8);
    }
    w->rgr[w->nrg++] = rows;
    w->rows += rows;
    w->buffered = 0;
    w->buffered_bytes = 0;
    return ST_OK;
}

/* string bytes of live rows k .. k+n over the string columns */
static uint64_t slice_str_bytes(const st_segment_writer *w, const st_batch *b, uint32_t k,
                                uint32_t n) {
    uint64_t total = 0;
    for (uint32_t c = 0; c < w->ncols; c++) {
        if (w->cols[c].cls != SEG_CLS_STR) continue;
        const st_vector *v = b->cols[c];
        const st_str *d = v->data;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t r = b->sel ? b->sel[k + j] : k + j;
            if (!st_vector_is_null(v, r)) total += d[r].len;
        }
    }
    return total;
}

/* string bytes of batch row r over the string columns */
static uint64_t row_str_bytes(const st_segment_writer *w, const st_batch *b, uint32_t r) {
    uint64_t n = 0;
    for (uint32_t c = 0; c < w->ncols; c++) {
        if (w->cols[c].cls != SEG_CLS_STR) continue;
        const st_vector *v = b->cols[c];
        if (!st_vector_is_null(v, r)) n += ((const st_str *)v->data)[r].len;
    }
    return n;
}

st_status st_segment_writer_add(st_segment_writer *w, const st_batch *b, st_error *e) {
    if (w->sticky) return sticky_again(w, e);
    if (w->finished) return st_error_set(e, ST_ERR_INVALID, "segment writer already finished");
    uint64_t str_total;
    ST_TRY(validate(w, b, &str_total, e));
    uint32_t live = st_batch_live(b), k = 0;
    while (k < live) {
        uint32_t take = live - k;
        if (take > w->rg_rows - w->buffered) take = w->rg_rows - w->buffered;
        if (w->has_strings && str_total + w->buffered_bytes > w->rg_bytes &&
            slice_str_bytes(w, b, k, take) + w->buffered_bytes > w->rg_bytes) {
            uint64_t budget = w->rg_bytes > w->buffered_bytes ? w->rg_bytes - w->buffered_bytes : 0;
            uint64_t acc = 0;
            uint32_t t = 0;
            for (; t < take; t++) {
                uint64_t rb = row_str_bytes(w, b, b->sel ? b->sel[k + t] : k + t);
                if (acc + rb > budget && (t > 0 || w->buffered > 0)) break;
                acc += rb;
            }
            if (t == 0) {
                st_status rc = flush_rg(w, e);
                if (rc != ST_OK) return stick(w, rc, e);
                continue;
            }
            take = t;
        }
        for (uint32_t c = 0; c < w->ncols; c++) {
            st_status rc = col_append(w, &w->cols[c], b->cols[c], b->sel, k, take, e);
            if (rc != ST_OK) return stick(w, rc, e);
        }
        w->buffered += take;
        k += take;
        if (w->buffered == w->rg_rows) {
            st_status rc = flush_rg(w, e);
            if (rc != ST_OK) return stick(w, rc, e);
        }
    }
    return ST_OK;
}

st_status st_segment_writer_finish(st_segment_writer *w, st_segment_info *info, st_error *e) {
    if (w->sticky) return sticky_again(w, e);
    if (w->finished) return st_error_set(e, ST_ERR_INVALID, "segment writer already finished");
    st_status rc = flush_rg(w, e);
    if (rc != ST_OK) return stick(w, rc, e);
    st_zonemap *zm = calloc(w->ncols, sizeof *zm);
    if (!zm) return stick(w, nomem(e), e);
    for (uint32_t c = 0; c < w->ncols; c++) {
        colbuf *cb = &w->cols[c];
        zm[c] = cb->zm;
        zm[c].rows = w->rows;
        zm[c].distinct_est = clamp_distinct(enc_hll_estimate(&cb->hll), w->rows - zm[c].null_count);
    }
    seg_footer_in fi = {w->id, w->schema, w->rows, w->nrg, w->rg_rows, w->rgr, w->chunks, w->rg_zm, zm};
    enc_buf f = {0};
    seg_footer_write(&f, &fi);
    if (f.failed) {
        free(zm);
        enc_buf_free(&f);
        return stick(w, nomem(e), e);
    }
    uint64_t foff = w->offset;
    uint8_t tail[SEG_TAIL_SIZE] = {0};
    st_store_u64(tail, foff);
    st_store_u64(tail + 8, f.len);
    st_store_u64(tail + 16, st_checksum64(f.p, f.len));
    st_store_u16(tail + 24, ST_SEGMENT_VERSION);
    st_store_u64(tail + 32, st_checksum64(tail, 32));
    memcpy(tail + 40, SEG_MAGIC, SEG_MAGIC_LEN);
    rc = write_bytes(w, f.p, f.len, e);
    if (rc == ST_OK) rc = write_bytes(w, tail, sizeof tail, e);
    enc_buf_free(&f);
    if (rc != ST_OK) {
        free(zm);
        return stick(w, rc, e);
    }
    w->finished = true;
    if (!info) {
        free(zm);
        return ST_OK;
    }
    memset(info, 0, sizeof *info);
    memcpy(info->id, w->id, ST_SEGMENT_ID_LEN);
    info->rows = w->rows;
    info->file_size = w->offset;
    info->ncols = w->ncols;
    info->nrowgroups = w->nrg;
    info->zones = zm;
    size_t nch = (size_t)w->nrg * w->ncols;
    info->rg_rows = malloc((w->nrg ? w->nrg : 1) * sizeof *info->rg_rows);
    info->rg_zones = malloc((nch ? nch : 1) * sizeof *info->rg_zones);
    if (!info->rg_rows || !info->rg_zones) {
        st_segment_info_free(info);
        return nomem(e);
    }
    if (w->nrg) memcpy(info->rg_rows, w->rgr, w->nrg * sizeof *info->rg_rows);
    if (nch) memcpy(info->rg_zones, w->rg_zm, nch * sizeof *info->rg_zones);
    return ST_OK;
}
