/*
 * parquet_read.c: the Parquet reader (see parquet.h for what it maps and
 * guarantees).
 *
 * File layout (parquet-format README):
 *
 *   "PAR1" | column chunks, row group by row group | FileMetaData | u32 LE len | "PAR1"
 *   column chunk := [dictionary page] data page...      page := PageHeader | body
 *   v1 data page body  (compressed as a whole): [def levels: u32 len + RLE] [values]
 *   v2 data page body: [rep levels][def levels] (never compressed, lengths in
 *                      the header) [values] (compressed unless is_compressed=false)
 *
 * Open: the footer is decoded under a memory budget proportional to its size;
 * the schema must be flat (root + leaves); every chunk's byte range is
 * checked against the data region, its codec and type against the schema,
 * its value count against the row group's, and row counts against a bound
 * derived from the chunk sizes (a page header takes >= 12 bytes and holds
 * < 2^31 values), so a small file cannot declare trillions of rows.
 *
 * Read: pages are walked sequentially from the chunk start (the dictionary
 * offset when it is positive and below the data offset: some writers store 0
 * or equal offsets) and classified by their header's type.  Pages wholly
 * outside the requested row range are skipped without decompression; a page
 * straddling it is decoded with its leading values skipped by the streaming
 * decoders.  Values are decoded densely into the output vector, then spread
 * backwards over the NULL slots, so a page costs one pass per stage and no
 * scratch proportional to its size.
 *
 * Dictionary pages are converted once to the column's Strata type (strings
 * validated once); data pages then gather from it.  A chunk may switch from
 * dictionary to PLAIN pages midway (pyarrow's fallback).
 */
#include "format/parquet.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet_int.h"
#include "format/parquet_meta.h"
#include "format/pool.h"
#include "format/types.h"

/* How a physical value becomes a Strata value. */
typedef enum {
    CV_BOOL,
    CV_I32,       /* int32 -> INT32 / DATE */
    CV_I32_I8,
    CV_I32_I16,
    CV_U8_I16,
    CV_U16_I32,
    CV_U32_I64,
    CV_I32_I64,   /* signed INT(32) on a wider target */
    CV_DEC32_64,
    CV_DEC32_128,
    CV_I64,       /* int64 -> INT64 / UINT64 / TIMESTAMP(us) / TIMESTAMP_NS */
    CV_I64_MS,    /* millis -> micros */
    CV_DEC64_64,
    CV_DEC64_128,
    CV_INT96,
    CV_F32,
    CV_F64,
    CV_F16,
    CV_TIME,      /* int32 ms / int64 us, ns -> VARCHAR */
    CV_BA_UTF8,
    CV_BA_BLOB,
    CV_BA_DEC,
    CV_FLBA_DEC,
    CV_FLBA_BLOB,
    CV_FLBA_UUID
} conv_kind;

typedef struct pq_col {
    int32_t ptype;
    uint32_t plen; /* bytes per PLAIN value (FLBA: type_length; BYTE_ARRAY: 0) */
    bool optional;
    st_type type;
    conv_kind conv;
    int time_unit;
    bool legacy_ok;  /* deprecated min/max are in this column's order */
    bool signed_ok;  /* min_value/max_value usable without column_orders */
    bool no_stats;   /* never derive bounds (INT96, TIME, UUID, ...) */
    int32_t order;   /* from column_orders, ST_PQ_ORDER_UNKNOWN if absent */
    const char *name;
} pq_col;

typedef struct pq_chunk {
    uint64_t start, len;
    int32_t codec;
} pq_chunk;

/* ---- buffer pool ---------------------------------------------------------
 *
 * Decompressed pages, the column decoder's scratch and ZSTD contexts come
 * from one small process-wide cache, so that a scan reuses memory instead
 * of page-faulting fresh blocks for every page (first-touch faults cost as
 * much as decoding on a virtual machine).  Page buffers that string vectors
 * pin are st_bufs whose release returns the block to the cache, so they may
 * outlive their reader.  The cache is shared rather than per reader so that
 * a scan over many files keeps at most POOL_BYTES idle, not that per file;
 * it is the module's only global state, a mutex-protected free list.
 */
#define POOL_BLOCKS 128
#define POOL_BYTES ((size_t)128 << 20)

static struct {
    pthread_mutex_t mu;
    uint32_t n;
    size_t bytes;
    void *blk[POOL_BLOCKS];
    size_t cap[POOL_BLOCKS];
    void *zctx[ST_MAX_THREADS]; /* idle ZSTD decompression contexts */
    uint32_t nzctx;
} pool_ = {PTHREAD_MUTEX_INITIALIZER, 0, 0, {0}, {0}, {0}, 0};

/* A block of at least n bytes (*cap gets its size); NULL on failure. */
static void *pool_get(size_t n, size_t *cap) {
    pthread_mutex_lock(&pool_.mu);
    int best = -1;
    for (uint32_t i = 0; i < pool_.n; i++)
        if (pool_.cap[i] >= n && pool_.cap[i] <= 2 * n + ((size_t)1 << 20) && (best < 0 || pool_.cap[i] < pool_.cap[best]))
            best = (int)i;
    if (best >= 0) {
        void *b = pool_.blk[best];
        *cap = pool_.cap[best];
        pool_.bytes -= *cap;
        pool_.n--;
        pool_.blk[best] = pool_.blk[pool_.n];
        pool_.cap[best] = pool_.cap[pool_.n];
        pthread_mutex_unlock(&pool_.mu);
        return b;
    }
    pthread_mutex_unlock(&pool_.mu);
    size_t c = (n + 65535) & ~(size_t)65535;
    if (c < n) return NULL;
    *cap = c ? c : 65536;
    return malloc(*cap);
}

static void pool_put(void *b, size_t cap) {
    if (!b) return;
    pthread_mutex_lock(&pool_.mu);
    if (pool_.n < POOL_BLOCKS && pool_.bytes + cap <= POOL_BYTES) {
        pool_.blk[pool_.n] = b;
        pool_.cap[pool_.n++] = cap;
        pool_.bytes += cap;
        b = NULL;
    }
    pthread_mutex_unlock(&pool_.mu);
    free(b);
}

/* An idle ZSTD context (NULL: the codec creates one). */
static void *pool_zctx_get(void) {
    void *z = NULL;
    pthread_mutex_lock(&pool_.mu);
    if (pool_.nzctx) z = pool_.zctx[--pool_.nzctx];
    pthread_mutex_unlock(&pool_.mu);
    return z;
}

static void pool_zctx_put(void *z) {
    if (!z) return;
    pthread_mutex_lock(&pool_.mu);
    if (pool_.nzctx < ST_MAX_THREADS) {
        pool_.zctx[pool_.nzctx++] = z;
        z = NULL;
    }
    pthread_mutex_unlock(&pool_.mu);
    st_pq_codec_free_ctx(z);
}

static void pool_release(void *ctx, void *data, size_t len) {
    (void)ctx;
    pool_put(data, len);
}

/* A pinnable page buffer of at least n bytes from the pool. */
static st_buf *pool_buf(size_t n) {
    size_t cap;
    void *b = pool_get(n, &cap);
    if (!b) return NULL;
    st_buf *sb = st_buf_wrap(b, cap, pool_release, NULL);
    if (!sb) pool_put(b, cap);
    return sb;
}

struct st_pq_reader {
    char *name;
    st_buf *data;
    const uint8_t *base;
    uint64_t size, data_end; /* data_end: first byte of the footer */
    st_arena *arena;
    st_pq_file_meta meta;
    st_schema *schema;
    uint32_t ncols, nrg;
    pq_col *cols;
    uint64_t *rg_rows;
    pq_chunk *chunks; /* nrg * ncols */
    st_zonemap *zm;   /* nrg * ncols */
    bool *zm_ok;
    char *created_by;
};

/* ---- small helpers ------------------------------------------------------ */

static inline uint32_t rd_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline int32_t ld_i32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline int64_t ld_i64(const uint8_t *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3FF) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Big-endian two's complement of n bytes -> i128; false when it does not fit. */
static bool be_to_i128(const uint8_t *p, uint32_t n, st_i128 *out) {
    if (n == 0) {
        *out = 0;
        return true;
    }
    uint32_t skip = 0;
    if (n > 16) {
        skip = n - 16;
        uint8_t ext = (p[skip] & 0x80) ? 0xFF : 0x00;
        for (uint32_t i = 0; i < skip; i++)
            if (p[i] != ext) return false;
    }
    unsigned __int128 v = (p[skip] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (uint32_t i = skip; i < n; i++) v = (v << 8) | p[i];
    *out = (st_i128)v;
    return true;
}

static bool dec_in_range(st_i128 v, int precision) {
    st_i128 lim = st_pow10_i128(precision);
    return v < lim && v > -lim;
}

static size_t fmt_time(int64_t v, int unit, char *buf) {
    int64_t us = unit == ST_PQ_UNIT_MILLIS ? v * 1000 : unit == ST_PQ_UNIT_NANOS ? v / 1000 : v;
    bool neg = us < 0;
    if (neg) us = -us;
    int64_t s = us / 1000000, frac = us % 1000000;
    int n = snprintf(buf, 48, "%s%02lld:%02lld:%02lld", neg ? "-" : "", (long long)(s / 3600),
                     (long long)(s / 60 % 60), (long long)(s % 60));
    if (frac) {
        char f[8];
        snprintf(f, sizeof f, "%06lld", (long long)frac);
        int k = 6;
        while (k > 0 && f[k - 1] == '0') k--;
        n += snprintf(buf + n, 48 - (size_t)n, ".%.*s", k, f);
    }
    return (size_t)n;
}

/* ---- schema mapping ----------------------------------------------------- */

static st_status map_column(st_pq_reader *r, const st_pq_schema_elem *se, pq_col *c, st_error *e) {
    char nb[16];
    const st_pq_logical *lt = &se->logical;
    int ct = se->has_converted ? se->converted : -1;
    int32_t pt = se->type;
    c->ptype = pt;
    c->optional = !se->has_repetition || se->repetition == ST_PQ_OPTIONAL;
    c->legacy_ok = false;
    c->signed_ok = true;
    c->no_stats = false;
    bool is_dec = lt->kind == ST_PQ_LT_DECIMAL || (lt->kind == ST_PQ_LT_NONE && ct == ST_PQ_CT_DECIMAL);
    int prec = 0, scale = 0;
    if (is_dec) {
        if (lt->kind == ST_PQ_LT_DECIMAL) {
            prec = lt->precision;
            scale = lt->scale;
        } else {
            if (!se->has_precision)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: column '%s': DECIMAL without a precision", r->name, c->name);
            prec = se->precision;
            scale = se->has_scale ? se->scale : 0;
        }
        if (prec < 1 || prec > ST_DECIMAL_MAX_PRECISION || scale < 0 || scale > prec)
            return st_error_set(e, ST_ERR_UNSUPPORTED,
                                "%s: column '%s': DECIMAL(%d,%d) is not supported (precision 1..38, scale 0..precision)",
                                r->name, c->name, prec, scale);
        c->type = st_type_decimal(prec, scale);
    }
    bool wide = is_dec && prec > ST_DECIMAL_SMALL_MAX;
    bool is_ts = lt->kind == ST_PQ_LT_TIMESTAMP ||
                 (lt->kind == ST_PQ_LT_NONE && (ct == ST_PQ_CT_TIMESTAMP_MILLIS || ct == ST_PQ_CT_TIMESTAMP_MICROS));
    bool is_time = lt->kind == ST_PQ_LT_TIME ||
                   (lt->kind == ST_PQ_LT_NONE && (ct == ST_PQ_CT_TIME_MILLIS || ct == ST_PQ_CT_TIME_MICROS));
    int unit = lt->kind == ST_PQ_LT_TIMESTAMP || lt->kind == ST_PQ_LT_TIME ? lt->unit
               : (ct == ST_PQ_CT_TIMESTAMP_MILLIS || ct == ST_PQ_CT_TIME_MILLIS) ? ST_PQ_UNIT_MILLIS
                                                                                  : ST_PQ_UNIT_MICROS;
    /* integer annotation: width and signedness */
    int ibits = 0;
    bool isigned = true;
    if (lt->kind == ST_PQ_LT_INTEGER) {
        ibits = lt->bit_width;
        isigned = lt->is_signed;
    } else if (lt->kind == ST_PQ_LT_NONE && ct >= ST_PQ_CT_UINT_8 && ct <= ST_PQ_CT_INT_64) {
        static const int bits[] = {8, 16, 32, 64, 8, 16, 32, 64};
        ibits = bits[ct - ST_PQ_CT_UINT_8];
        isigned = ct >= ST_PQ_CT_INT_8;
    }
    if (ibits && ibits != 8 && ibits != 16 && ibits != 32 && ibits != 64)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: column '%s': INTEGER bit width %d", r->name, c->name, ibits);

    switch (pt) {
    case ST_PQ_BOOLEAN:
        c->type = st_type_make(ST_T_BOOLEAN);
        c->conv = CV_BOOL;
        c->plen = 1;
        c->legacy_ok = true;
        break;
    case ST_PQ_INT32:
        c->plen = 4;
        c->legacy_ok = true;
        if (is_dec) {
            c->conv = wide ? CV_DEC32_128 : CV_DEC32_64;
        } else if (is_time) {
            c->type = st_type_make(ST_T_VARCHAR);
            c->conv = CV_TIME;
            c->time_unit = unit;
            c->no_stats = true;
        } else if (lt->kind == ST_PQ_LT_DATE || (lt->kind == ST_PQ_LT_NONE && ct == ST_PQ_CT_DATE)) {
            c->type = st_type_make(ST_T_DATE);
            c->conv = CV_I32;
        } else if (ibits && !isigned) {
            c->legacy_ok = false;
            c->signed_ok = false;
            if (ibits == 8) { c->type = st_type_make(ST_T_INT16); c->conv = CV_U8_I16; }
            else if (ibits == 16) { c->type = st_type_make(ST_T_INT32); c->conv = CV_U16_I32; }
            else { c->type = st_type_make(ST_T_INT64); c->conv = CV_U32_I64; }
        } else if (ibits == 8) {
            c->type = st_type_make(ST_T_INT8);
            c->conv = CV_I32_I8;
        } else if (ibits == 16) {
            c->type = st_type_make(ST_T_INT16);
            c->conv = CV_I32_I16;
        } else if (ibits == 64) {
            c->type = st_type_make(ST_T_INT64);
            c->conv = CV_I32_I64;
        } else {
            c->type = st_type_make(ST_T_INT32);
            c->conv = CV_I32;
        }
        break;
    case ST_PQ_INT64:
        c->plen = 8;
        c->legacy_ok = true;
        if (is_dec) {
            c->conv = wide ? CV_DEC64_128 : CV_DEC64_64;
        } else if (is_ts) {
            if (unit == ST_PQ_UNIT_MILLIS) { c->type = st_type_make(ST_T_TIMESTAMP); c->conv = CV_I64_MS; }
            else if (unit == ST_PQ_UNIT_MICROS) { c->type = st_type_make(ST_T_TIMESTAMP); c->conv = CV_I64; }
            else if (unit == ST_PQ_UNIT_NANOS) { c->type = st_type_make(ST_T_TIMESTAMP_NS); c->conv = CV_I64; }
            else return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: column '%s': TIMESTAMP with an unknown unit", r->name, c->name);
        } else if (is_time) {
            c->type = st_type_make(ST_T_VARCHAR);
            c->conv = CV_TIME;
            c->time_unit = unit ? unit : ST_PQ_UNIT_MICROS;
            c->no_stats = true;
        } else if (ibits == 64 && !isigned) {
            c->type = st_type_make(ST_T_UINT64);
            c->conv = CV_I64;
            c->legacy_ok = false;
            c->signed_ok = false;
        } else {
            c->type = st_type_make(ST_T_INT64);
            c->conv = CV_I64;
            if (ibits && !isigned) c->legacy_ok = c->signed_ok = false;
        }
        break;
    case ST_PQ_INT96:
        c->plen = 12;
        c->type = st_type_make(ST_T_TIMESTAMP);
        c->conv = CV_INT96;
        c->no_stats = true;
        break;
    case ST_PQ_FLOAT:
        c->plen = 4;
        c->type = st_type_make(ST_T_FLOAT);
        c->conv = CV_F32;
        c->legacy_ok = true;
        break;
    case ST_PQ_DOUBLE:
        c->plen = 8;
        c->type = st_type_make(ST_T_DOUBLE);
        c->conv = CV_F64;
        c->legacy_ok = true;
        break;
    case ST_PQ_BYTE_ARRAY:
        c->plen = 0;
        c->signed_ok = false;
        if (is_dec) {
            c->conv = CV_BA_DEC;
            c->signed_ok = true; /* decimals compare as signed values */
        } else if (lt->kind == ST_PQ_LT_STRING || lt->kind == ST_PQ_LT_ENUM || lt->kind == ST_PQ_LT_JSON ||
                   (lt->kind == ST_PQ_LT_NONE && (ct == ST_PQ_CT_UTF8 || ct == ST_PQ_CT_ENUM || ct == ST_PQ_CT_JSON))) {
            c->type = st_type_make(ST_T_VARCHAR);
            c->conv = CV_BA_UTF8;
        } else {
            c->type = st_type_make(ST_T_BLOB);
            c->conv = CV_BA_BLOB;
        }
        break;
    case ST_PQ_FLBA:
        if (!se->has_type_length || se->type_length <= 0 || se->type_length > (1 << 20))
            return st_error_set(e, ST_ERR_CORRUPT, "%s: column '%s': FIXED_LEN_BYTE_ARRAY with bad length %d", r->name,
                                c->name, se->has_type_length ? se->type_length : -1);
        c->plen = (uint32_t)se->type_length;
        c->signed_ok = false;
        if (is_dec) {
            c->conv = CV_FLBA_DEC;
            c->signed_ok = true;
        } else if (lt->kind == ST_PQ_LT_FLOAT16) {
            if (c->plen != 2)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: column '%s': FLOAT16 of %u bytes", r->name, c->name, c->plen);
            c->type = st_type_make(ST_T_FLOAT);
            c->conv = CV_F16;
            c->signed_ok = true;
        } else if (lt->kind == ST_PQ_LT_UUID && c->plen == 16) {
            c->type = st_type_make(ST_T_VARCHAR);
            c->conv = CV_FLBA_UUID;
            c->no_stats = true;
        } else {
            c->type = st_type_make(ST_T_BLOB);
            c->conv = CV_FLBA_BLOB;
        }
        break;
    default:
        return st_error_set(e, ST_ERR_CORRUPT, "%s: column '%s': unknown physical type %s", r->name, c->name,
                            st_pq_type_name(pt, nb));
    }
    if (is_dec && pt != ST_PQ_INT32 && pt != ST_PQ_INT64 && pt != ST_PQ_BYTE_ARRAY && pt != ST_PQ_FLBA)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: column '%s': DECIMAL on %s", r->name, c->name, st_pq_type_name(pt, nb));
    return ST_OK;
}

/* ---- statistics -> zone maps -------------------------------------------- */

static bool bound_from_bytes(const pq_col *c, const st_pq_bytes *b, bool is_max, bool exact,
                             st_zonemap *zm, st_zval *out, bool *out_exact) {
    memset(out, 0, sizeof *out);
    *out_exact = true;
    switch (c->conv) {
    case CV_BOOL:
        if (b->len != 1 || b->p[0] > 1) return false;
        out->v.i64 = b->p[0];
        return true;
    case CV_I32:
    case CV_I32_I8:
    case CV_I32_I16:
    case CV_I32_I64:
    case CV_DEC32_64:
        if (b->len != 4) return false;
        out->v.i64 = ld_i32(b->p);
        return true;
    case CV_U8_I16:
    case CV_U16_I32:
    case CV_U32_I64:
        if (b->len != 4) return false;
        out->v.i64 = (int64_t)(uint32_t)ld_i32(b->p);
        return true;
    case CV_DEC32_128:
        if (b->len != 4) return false;
        out->v.i128 = ld_i32(b->p);
        return true;
    case CV_I64:
    case CV_DEC64_64:
        if (b->len != 8) return false;
        if (c->type.id == ST_T_UINT64) out->v.u64 = (uint64_t)ld_i64(b->p);
        else out->v.i64 = ld_i64(b->p);
        return true;
    case CV_DEC64_128:
        if (b->len != 8) return false;
        out->v.i128 = ld_i64(b->p);
        return true;
    case CV_I64_MS: {
        if (b->len != 8) return false;
        int64_t v = ld_i64(b->p);
        if (__builtin_mul_overflow(v, 1000, &out->v.i64)) return false;
        return true;
    }
    case CV_F32:
    case CV_F64:
    case CV_F16: {
        double d;
        if (c->conv == CV_F32) {
            if (b->len != 4) return false;
            float f;
            memcpy(&f, b->p, 4);
            d = f;
        } else if (c->conv == CV_F64) {
            if (b->len != 8) return false;
            memcpy(&d, b->p, 8);
        } else {
            if (b->len != 2) return false;
            d = half_to_float((uint16_t)(b->p[0] | b->p[1] << 8));
        }
        if (isnan(d)) return false;
        out->v.f64 = d;
        return true;
    }
    case CV_BA_DEC:
    case CV_FLBA_DEC: {
        st_i128 v;
        if (!be_to_i128(b->p, b->len, &v)) return false;
        if (!dec_in_range(v, c->type.precision)) return false;
        if (st_decimal_is_wide(c->type)) out->v.i128 = v;
        else out->v.i64 = (int64_t)v;
        return true;
    }
    case CV_BA_UTF8:
    case CV_BA_BLOB:
    case CV_FLBA_BLOB: {
        uint32_t n = b->len;
        if (n <= ST_ZONE_STR_MAX) {
            memcpy(out->s, b->p, n);
            out->slen = (uint8_t)n;
            *out_exact = exact;
            return true;
        }
        *out_exact = false;
        if (!is_max) {
            memcpy(out->s, b->p, ST_ZONE_STR_MAX);
            out->slen = ST_ZONE_STR_MAX;
            return true;
        }
        size_t k = ST_ZONE_STR_MAX;
        while (k > 0 && b->p[k - 1] == 0xFF) k--;
        if (k == 0) return false;
        memcpy(out->s, b->p, k);
        out->s[k - 1] = (char)(b->p[k - 1] + 1);
        out->slen = (uint8_t)k;
        return true;
    }
    default: (void)zm; return false;
    }
}

static void build_zonemap(const st_pq_reader *r, const pq_col *c, const st_pq_column_meta *m, uint64_t rows,
                          st_zonemap *zm, bool *null_known) {
    st_zonemap_init(zm, c->type);
    zm->rows = rows;
    *null_known = !c->optional;
    if (!m->has_statistics) return;
    const st_pq_stats *s = &m->statistics;
    if (s->has_null_count && s->null_count >= 0 && (uint64_t)s->null_count <= rows) {
        zm->null_count = (uint64_t)s->null_count;
        *null_known = true;
    } else if (!c->optional) {
        zm->null_count = 0;
    } else {
        return;
    }
    if (!c->optional && zm->null_count) {
        zm->null_count = 0; /* a REQUIRED column has no NULLs whatever the stats say */
    }
    if (s->has_distinct_count && s->distinct_count > 0) zm->distinct_est = (uint64_t)s->distinct_count;
    if (c->type.id == ST_T_FLOAT || c->type.id == ST_T_DOUBLE)
        zm->has_nan = !(s->has_nan_count && s->nan_count == 0);
    if (c->no_stats || zm->null_count == rows) return;
    const st_pq_bytes *lo = NULL, *hi = NULL;
    bool lo_exact = true, hi_exact = true;
    bool order_ok = c->order == ST_PQ_ORDER_TYPE ||
                    (c->order == ST_PQ_ORDER_IEEE754 && (c->type.id == ST_T_FLOAT || c->type.id == ST_T_DOUBLE));
    if (s->has_min_value && s->has_max_value && (order_ok || (c->order == ST_PQ_ORDER_UNKNOWN && c->signed_ok &&
                                                              r->meta.column_orders == NULL))) {
        lo = &s->min_value;
        hi = &s->max_value;
        if (s->has_min_exact) lo_exact = s->is_min_exact;
        if (s->has_max_exact) hi_exact = s->is_max_exact;
    } else if (s->has_min && s->has_max &&
               (c->legacy_ok || (s->min.len == s->max.len && !memcmp(s->min.p, s->max.p, s->min.len)))) {
        lo = &s->min;
        hi = &s->max;
    }
    if (!lo) return;
    st_zval a, b;
    bool ae, be;
    if (!bound_from_bytes(c, lo, false, lo_exact, zm, &a, &ae) || !bound_from_bytes(c, hi, true, hi_exact, zm, &b, &be))
        return;
    if (st_zval_cmp(c->type, &a, &b) > 0) return; /* inconsistent: ignore */
    zm->min = a;
    zm->max = b;
    zm->min_exact = ae;
    zm->max_exact = be;
    zm->has_min = zm->has_max = true;
}

/* ---- open --------------------------------------------------------------- */

static st_status open_fail(st_pq_reader *r, st_status rc) {
    st_pq_close(r);
    return rc;
}

static st_status build_schema(st_pq_reader *r, st_error *e) {
    const st_pq_file_meta *m = &r->meta;
    if (m->nschema < 1) return st_error_set(e, ST_ERR_CORRUPT, "%s: footer has an empty schema", r->name);
    const st_pq_schema_elem *root = &m->schema[0];
    /* refuse nested and repeated columns, naming the first */
    for (uint32_t i = 1; i < m->nschema; i++) {
        const st_pq_schema_elem *s = &m->schema[i];
        bool group = !s->has_type || (s->has_num_children && s->num_children > 0);
        if (group || (s->has_repetition && s->repetition == ST_PQ_REPEATED)) {
            return st_error_set(e, ST_ERR_UNSUPPORTED,
                                "%s: column '%.*s' is %s; only flat columns (REQUIRED or OPTIONAL leaves) are supported",
                                r->name, (int)(s->name.len > 200 ? 200 : s->name.len), (const char *)s->name.p,
                                group ? "a nested group (struct, list or map)" : "REPEATED (a list)");
        }
    }
    if (root->has_type || !root->has_num_children || root->num_children != (int32_t)(m->nschema - 1))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: schema root declares %d children but %u elements follow", r->name,
                            root->has_num_children ? root->num_children : -1, m->nschema - 1);
    r->ncols = m->nschema - 1;
    if (r->ncols == 0) return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: the file has no columns", r->name);
    if (r->ncols > ST_PQ_MAX_COLUMNS)
        return st_error_set(e, ST_ERR_LIMIT, "%s: %u columns exceed the limit of %u", r->name, r->ncols, ST_PQ_MAX_COLUMNS);
    r->cols = calloc(r->ncols, sizeof *r->cols);
    r->schema = st_schema_new();
    if (!r->cols || !r->schema) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", r->name);
    for (uint32_t i = 0; i < r->ncols; i++) {
        const st_pq_schema_elem *s = &m->schema[i + 1];
        pq_col *c = &r->cols[i];
        /* a usable, unique name: empty names get "column<i>", duplicates a suffix */
        char name[256];
        size_t nl = s->name.len < 200 ? s->name.len : 200;
        if (nl == 0) snprintf(name, sizeof name, "column%u", i);
        else {
            memcpy(name, s->name.p, nl);
            name[nl] = 0;
            for (size_t k = 0; k < nl; k++)
                if (name[k] == 0) name[k] = '_';
        }
        if (st_schema_find(r->schema, name) >= 0) {
            size_t base = strlen(name);
            for (unsigned k = 1;; k++) {
                snprintf(name + base, sizeof name - base, "_%u", k);
                if (st_schema_find(r->schema, name) < 0) break;
            }
        }
        c->name = name; /* for messages during mapping */
        c->order = (m->column_orders && m->ncolumn_orders == r->ncols) ? m->column_orders[i] : ST_PQ_ORDER_UNKNOWN;
        ST_TRY(map_column(r, s, c, e));
        ST_TRY(st_schema_add(r->schema, name, c->type, i + 1, c->optional, e));
        c->name = r->schema->fields[i].name;
    }
    return ST_OK;
}

/* parquet-mr up to 1.2.8 left the dictionary page header out of
 * total_compressed_size (PARQUET-816, IMPALA-694); for its files (and for a
 * bare "parquet-mr" without a version) a chunk may run up to 100 bytes
 * further, as parquet-cpp allows. */
static bool old_parquet_mr(const st_pq_reader *r) {
    const st_pq_file_meta *m = &r->meta;
    if (!m->has_created_by || m->created_by.len < 10 || memcmp(m->created_by.p, "parquet-mr", 10) != 0) return false;
    char buf[128];
    size_t n = m->created_by.len < sizeof buf - 1 ? m->created_by.len : sizeof buf - 1;
    memcpy(buf, m->created_by.p, n);
    buf[n] = 0;
    const char *v = strstr(buf, "version ");
    int a = 0, b = 0, c = 0;
    if (!v || sscanf(v + 8, "%d.%d.%d", &a, &b, &c) < 2) return true;
    return a < 1 || (a == 1 && (b < 2 || (b == 2 && c < 9)));
}

static st_status check_chunks(st_pq_reader *r, st_error *e) {
    const st_pq_file_meta *m = &r->meta;
    char nb[16];
    r->nrg = m->nrow_groups;
    r->rg_rows = calloc(r->nrg ? r->nrg : 1, sizeof *r->rg_rows);
    r->chunks = calloc((size_t)(r->nrg ? r->nrg : 1) * r->ncols, sizeof *r->chunks);
    r->zm = calloc((size_t)(r->nrg ? r->nrg : 1) * r->ncols, sizeof *r->zm);
    r->zm_ok = calloc(r->nrg ? r->nrg : 1, sizeof *r->zm_ok);
    if (!r->rg_rows || !r->chunks || !r->zm || !r->zm_ok) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", r->name);
    if (m->num_rows < 0) return st_error_set(e, ST_ERR_CORRUPT, "%s: footer declares %lld rows", r->name, (long long)m->num_rows);
    uint64_t total = 0;
    bool pad_816 = old_parquet_mr(r);
    for (uint32_t g = 0; g < r->nrg; g++) {
        const st_pq_row_group *rg = &m->row_groups[g];
        if (rg->num_rows < 0)
            return st_error_set(e, ST_ERR_CORRUPT, "%s: row group %u declares %lld rows", r->name, g, (long long)rg->num_rows);
        if (rg->ncolumns != r->ncols)
            return st_error_set(e, ST_ERR_CORRUPT, "%s: row group %u has %u column chunks, the schema %u columns", r->name, g,
                                rg->ncolumns, r->ncols);
        uint64_t rows = (uint64_t)rg->num_rows;
        r->rg_rows[g] = rows;
        total += rows;
        bool zm_ok = true;
        for (uint32_t c = 0; c < r->ncols; c++) {
            const st_pq_column_chunk *cc = &rg->columns[c];
            const pq_col *col = &r->cols[c];
            if (cc->has_crypto)
                return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: column '%s' is encrypted", r->name, col->name);
            if (cc->has_file_path)
                return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: column '%s' of row group %u is stored in another file (%.*s)",
                                    r->name, col->name, g, (int)(cc->file_path.len > 200 ? 200 : cc->file_path.len),
                                    (const char *)cc->file_path.p);
            if (!cc->has_meta_data)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: row group %u column '%s' has no metadata", r->name, g, col->name);
            const st_pq_column_meta *cm = &cc->meta_data;
            if (cm->type != col->ptype)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: row group %u column '%s' is stored as %s, the schema says %s",
                                    r->name, g, col->name, st_pq_type_name(cm->type, nb), st_pq_type_name(col->ptype, nb + 0));
            if (!st_pq_codec_supported(cm->codec))
                return st_error_set(e, ST_ERR_UNSUPPORTED,
                                    "%s: column '%s' uses compression codec %s, which Strata does not read (it reads UNCOMPRESSED, SNAPPY, GZIP and ZSTD)",
                                    r->name, col->name, st_pq_codec_name(cm->codec, nb));
            if (cm->num_values != rg->num_rows)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: row group %u column '%s' holds %lld values for %lld rows", r->name,
                                    g, col->name, (long long)cm->num_values, (long long)rg->num_rows);
            int64_t start = cm->data_page_offset;
            if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
                (cm->dictionary_page_offset < start || start < 4))
                start = cm->dictionary_page_offset;
            int64_t len = cm->total_compressed_size;
            pq_chunk *ch = &r->chunks[(size_t)g * r->ncols + c];
            ch->codec = cm->codec;
            bool nk;
            build_zonemap(r, col, cm, rows, &r->zm[(size_t)g * r->ncols + c], &nk);
            if (!nk) zm_ok = false;
            if (rows == 0) continue; /* never read: offsets do not matter */
            if (pad_816 && start >= 0 && len >= 0 && (uint64_t)start + (uint64_t)len < r->data_end) {
                uint64_t room = r->data_end - ((uint64_t)start + (uint64_t)len);
                len += (int64_t)(room < 100 ? room : 100);
            }
            if (start < 4 || len < 0 || (uint64_t)start > r->data_end || (uint64_t)len > r->data_end - (uint64_t)start)
                return st_error_set(e, ST_ERR_CORRUPT,
                                    "%s: row group %u column '%s': chunk at byte %lld of %lld bytes lies outside the data (bytes 4..%llu)",
                                    r->name, g, col->name, (long long)start, (long long)len, (unsigned long long)r->data_end);
            /* a page header takes >= 12 bytes and holds < 2^31 values */
            if (rows > 0 && (uint64_t)len / 12 < (rows + INT32_MAX - 1) / INT32_MAX)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: row group %u column '%s': %lld bytes cannot hold %llu values",
                                    r->name, g, col->name, (long long)len, (unsigned long long)rows);
            ch->start = (uint64_t)start;
            ch->len = (uint64_t)len;
        }
        r->zm_ok[g] = zm_ok;
    }
    if (total != (uint64_t)m->num_rows)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: footer declares %lld rows, its row groups hold %llu", r->name,
                            (long long)m->num_rows, (unsigned long long)total);
    return ST_OK;
}

st_status st_pq_open_buf(st_buf *data, const char *name, st_pq_reader **out, st_error *e) {
    *out = NULL;
    st_pq_reader *r = calloc(1, sizeof *r);
    if (!r) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    r->name = strdup(name ? name : "parquet");
    r->data = st_buf_ref(data);
    r->base = st_buf_data(data);
    r->size = st_buf_len(data);
    if (!r->name) return open_fail(r, st_error_set(e, ST_ERR_NOMEM, "out of memory"));
    if (r->size < 12)
        return open_fail(r, st_error_set(e, ST_ERR_FORMAT, "%s: not a Parquet file (%llu bytes; too small)", r->name,
                                         (unsigned long long)r->size));
    const uint8_t *tail = r->base + r->size - 4;
    if (memcmp(r->base, "PAR1", 4) != 0)
        return open_fail(r, st_error_set(e, ST_ERR_FORMAT, "%s: not a Parquet file (no PAR1 magic at byte 0)", r->name));
    if (memcmp(tail, "PAR1", 4) != 0 && memcmp(tail, "PARE", 4) != 0)
        return open_fail(r, st_error_set(e, ST_ERR_FORMAT,
                                         "%s: not a Parquet file, or truncated: no PAR1 magic at byte %llu, the end "
                                         "of the %llu-byte file (the footer is missing)",
                                         r->name, (unsigned long long)(r->size - 4), (unsigned long long)r->size));
    if (memcmp(tail, "PARE", 4) == 0)
        return open_fail(r, st_error_set(e, ST_ERR_UNSUPPORTED, "%s: the footer is encrypted (PARE); encrypted Parquet is not supported",
                                         r->name));
    uint32_t flen = rd_u32(r->base + r->size - 8);
    if ((uint64_t)flen > r->size - 12 || flen > ST_PQ_MAX_FOOTER_BYTES)
        return open_fail(r, st_error_set(e, ST_ERR_CORRUPT, "%s: footer length %u (at byte %llu) does not fit in the %llu-byte file",
                                         r->name, flen, (unsigned long long)(r->size - 8), (unsigned long long)r->size));
    r->data_end = r->size - 8 - flen;
    r->arena = st_arena_new(0);
    if (!r->arena) return open_fail(r, st_error_set(e, ST_ERR_NOMEM, "out of memory"));
    size_t budget = (size_t)flen * 64 + (1u << 20);
    st_status rc = st_pq_decode_file_meta(r->base + r->data_end, flen, r->data_end, r->arena, budget, &r->meta, e);
    if (rc) {
        st_error_prefix(e, "%s: ", r->name);
        return open_fail(r, rc);
    }
    if (r->meta.has_encryption)
        return open_fail(r, st_error_set(e, ST_ERR_UNSUPPORTED, "%s: the file is encrypted; encrypted Parquet is not supported", r->name));
    if ((rc = build_schema(r, e)) != ST_OK) return open_fail(r, rc);
    if ((rc = check_chunks(r, e)) != ST_OK) return open_fail(r, rc);
    const st_pq_bytes *cb = &r->meta.created_by;
    r->created_by = strndup(r->meta.has_created_by ? (const char *)cb->p : "", r->meta.has_created_by ? cb->len : 0);
    if (!r->created_by) return open_fail(r, st_error_set(e, ST_ERR_NOMEM, "out of memory"));
    *out = r;
    return ST_OK;
}

st_status st_pq_open(const char *path, st_pq_reader **out, st_error *e) {
    st_buf *b;
    ST_TRY(st_file_map(path, &b, e));
    st_status rc = st_pq_open_buf(b, path, out, e);
    st_buf_unref(b);
    return rc;
}

void st_pq_close(st_pq_reader *r) {
    if (!r) return;
    st_buf_unref(r->data);
    st_arena_free(r->arena);
    st_schema_free(r->schema);
    free(r->cols);
    free(r->rg_rows);
    free(r->chunks);
    free(r->zm);
    free(r->zm_ok);
    free(r->created_by);
    free(r->name);
    free(r);
}

const st_schema *st_pq_schema(const st_pq_reader *r) { return r->schema; }
const char *st_pq_name(const st_pq_reader *r) { return r->name; }
const char *st_pq_created_by(const st_pq_reader *r) { return r->created_by; }
uint64_t st_pq_num_rows(const st_pq_reader *r) { return (uint64_t)r->meta.num_rows; }
uint64_t st_pq_file_size(const st_pq_reader *r) { return r->size; }
uint32_t st_pq_num_row_groups(const st_pq_reader *r) { return r->nrg; }
uint64_t st_pq_rg_rows(const st_pq_reader *r, uint32_t rg) { return rg < r->nrg ? r->rg_rows[rg] : 0; }

uint64_t st_pq_rg_bytes(const st_pq_reader *r, uint32_t rg, const uint32_t *cols, uint32_t ncols) {
    if (rg >= r->nrg) return 0;
    uint64_t n = 0;
    uint32_t k = cols ? ncols : r->ncols;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t c = cols ? cols[i] : i;
        if (c < r->ncols) n += r->chunks[(size_t)rg * r->ncols + c].len;
    }
    return n;
}

const st_zonemap *st_pq_rg_zonemaps(const st_pq_reader *r, uint32_t rg) {
    if (rg >= r->nrg || !r->zm_ok[rg]) return NULL;
    return &r->zm[(size_t)rg * r->ncols];
}

/* ---- reading: per-call state -------------------------------------------- */

#define CHUNK 1024
#define PHYS_BYTES (CHUNK * 16)

typedef struct rd {
    const st_pq_reader *r;
    const pq_col *c;
    uint32_t rg, col;
    st_error *e;
    void *zctx;
    bool str_target;   /* values may point into page buffers */
    st_vector *dict;   /* converted dictionary, or NULL */
    uint8_t *pbuf;     /* decompression buffer (non-string columns), from the pool */
    size_t pbuf_cap;
    size_t self_cap, phys_cap; /* pool block sizes of this struct and of phys */
    st_buf *cur_buf;   /* buffer the current page's bytes live in */
    uint64_t page_off; /* file offset of the current page header */
    uint64_t dba_bytes, dba_cap;
    uint8_t *prev;     /* DELTA_BYTE_ARRAY: previous value */
    size_t prev_len, prev_cap;
    /* the walk over the chunk's pages (resumable: a cursor keeps it) */
    const uint8_t *cp, *cend; /* next page header, end of the chunk */
    uint64_t done;            /* rows delivered or skipped so far */
    /* the data page being decoded */
    bool in_page, lv_bitpacked;
    int32_t enc;
    uint32_t page_left, page_row; /* rows left in it, rows consumed */
    const uint8_t *lv_bits;       /* legacy BIT_PACKED levels */
    st_pq_rle lr;                 /* RLE definition levels */
    struct vdec *v;               /* its values decoder (vdec_store) */
    uint32_t u32[CHUNK];
    uint64_t u64[CHUNK];
    uint8_t lv[CHUNK];
    st_str strs[CHUNK];
    uint8_t *phys; /* PHYS_BYTES */
    /* vdec_store follows (see rd_new) */
} rd;

static st_status rd_fail(rd *d, st_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static st_status rd_fail(rd *d, st_status code, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return st_error_set(d->e, code, "%s: row group %u, column '%s', page at byte %llu: %s", d->r->name, d->rg, d->c->name,
                        (unsigned long long)d->page_off, msg);
}

/* Re-wrap an error from a lower layer with the location. */
static st_status rd_wrap(rd *d, st_status rc) {
    if (rc == ST_OK) return rc;
    char msg[ST_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", d->e ? d->e->msg : "");
    return rd_fail(d, rc, "%s", msg);
}

/* ---- conversion: physical -> Strata ------------------------------------- */

/* Convert n physical fixed-width values at src (stride c->plen) into out's
 * slots [pos, pos+n). */
static st_status convert_fixed(rd *d, const uint8_t *src, uint32_t n, st_vector *out, uint32_t pos) {
    const pq_col *c = d->c;
    void *dst = (char *)out->data + (size_t)pos * st_type_width(out->type);
    switch (c->conv) {
    case CV_BOOL: {
        uint8_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = src[i] != 0;
        return ST_OK;
    }
    case CV_I32:
    case CV_F32: memcpy(dst, src, (size_t)n * 4); return ST_OK;
    case CV_I64:
    case CV_F64: memcpy(dst, src, (size_t)n * 8); return ST_OK;
    case CV_I32_I8: {
        int8_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = (int8_t)ld_i32(src + 4 * i);
        return ST_OK;
    }
    case CV_I32_I16: {
        int16_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = (int16_t)ld_i32(src + 4 * i);
        return ST_OK;
    }
    case CV_U8_I16: {
        int16_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = (int16_t)(uint8_t)ld_i32(src + 4 * i);
        return ST_OK;
    }
    case CV_U16_I32: {
        int32_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = (int32_t)(uint16_t)ld_i32(src + 4 * i);
        return ST_OK;
    }
    case CV_U32_I64: {
        int64_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = (int64_t)(uint32_t)ld_i32(src + 4 * i);
        return ST_OK;
    }
    case CV_I32_I64: {
        int64_t *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = ld_i32(src + 4 * i);
        return ST_OK;
    }
    case CV_DEC32_64:
    case CV_DEC64_64: {
        int64_t *o = dst;
        int64_t lim = (int64_t)st_pow10_i128(c->type.precision);
        for (uint32_t i = 0; i < n; i++) {
            int64_t v = c->conv == CV_DEC32_64 ? ld_i32(src + 4 * i) : ld_i64(src + 8 * i);
            if (v >= lim || v <= -lim) return rd_fail(d, ST_ERR_CORRUPT, "value %lld exceeds DECIMAL(%d,%d)", (long long)v, c->type.precision, c->type.scale);
            o[i] = v;
        }
        return ST_OK;
    }
    case CV_DEC32_128:
    case CV_DEC64_128: {
        st_i128 *o = dst;
        for (uint32_t i = 0; i < n; i++) {
            st_i128 v = c->conv == CV_DEC32_128 ? ld_i32(src + 4 * i) : ld_i64(src + 8 * i);
            memcpy(&o[i], &v, 16);
        }
        return ST_OK;
    }
    case CV_I64_MS: {
        int64_t *o = dst;
        for (uint32_t i = 0; i < n; i++) {
            int64_t v = ld_i64(src + 8 * i);
            if (__builtin_mul_overflow(v, 1000, &o[i])) return rd_fail(d, ST_ERR_CORRUPT, "timestamp %lld ms is out of range", (long long)v);
        }
        return ST_OK;
    }
    case CV_INT96: {
        int64_t *o = dst;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *p = src + 12 * i;
            int64_t nanos = ld_i64(p);
            int64_t jd = (int64_t)rd_u32(p + 8);
            st_i128 us = (st_i128)(jd - 2440588) * ST_USEC_PER_DAY + nanos / 1000;
            if (us > INT64_MAX || us < INT64_MIN) return rd_fail(d, ST_ERR_CORRUPT, "INT96 timestamp (Julian day %lld) is out of range", (long long)jd);
            o[i] = (int64_t)us;
        }
        return ST_OK;
    }
    case CV_F16: {
        float *o = dst;
        for (uint32_t i = 0; i < n; i++) o[i] = half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
        return ST_OK;
    }
    case CV_TIME: {
        st_str *o = dst;
        for (uint32_t i = 0; i < n; i++) {
            int64_t v = c->ptype == ST_PQ_INT32 ? ld_i32(src + 4 * i) : ld_i64(src + 8 * i);
            char buf[48];
            size_t len = fmt_time(v, c->time_unit, buf);
            char *q = st_vector_str_alloc(out, len);
            if (!q) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
            memcpy(q, buf, len);
            o[i] = (st_str){q, (uint32_t)len, 0};
        }
        return ST_OK;
    }
    case CV_FLBA_DEC: {
        bool wide = st_decimal_is_wide(c->type);
        for (uint32_t i = 0; i < n; i++) {
            st_i128 v;
            if (!be_to_i128(src + (size_t)c->plen * i, c->plen, &v) || !dec_in_range(v, c->type.precision))
                return rd_fail(d, ST_ERR_CORRUPT, "value exceeds DECIMAL(%d,%d)", c->type.precision, c->type.scale);
            if (wide) memcpy((st_i128 *)dst + i, &v, 16);
            else ((int64_t *)dst)[i] = (int64_t)v;
        }
        return ST_OK;
    }
    case CV_FLBA_BLOB: {
        st_str *o = dst;
        char *q = st_vector_str_alloc(out, (size_t)c->plen * n);
        if (!q) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
        memcpy(q, src, (size_t)c->plen * n);
        for (uint32_t i = 0; i < n; i++) o[i] = (st_str){q + (size_t)c->plen * i, c->plen, 0};
        return ST_OK;
    }
    case CV_FLBA_UUID: {
        st_str *o = dst;
        static const char hx[] = "0123456789abcdef";
        for (uint32_t i = 0; i < n; i++) {
            char *q = st_vector_str_alloc(out, 36);
            if (!q) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
            const uint8_t *u = src + 16 * i;
            size_t k = 0;
            for (int b = 0; b < 16; b++) {
                if (b == 4 || b == 6 || b == 8 || b == 10) q[k++] = '-';
                q[k++] = hx[u[b] >> 4];
                q[k++] = hx[u[b] & 15];
            }
            o[i] = (st_str){q, 36, 0};
        }
        return ST_OK;
    }
    default: return rd_fail(d, ST_ERR_INTERNAL, "conversion %d on fixed-width values", (int)c->conv);
    }
}

/* Convert n byte strings into out's slots [pos, pos+n).  The strings point
 * into memory that stays valid as long as out (pinned by the caller). */
static st_status convert_strs(rd *d, const st_str *s, uint32_t n, st_vector *out, uint32_t pos) {
    const pq_col *c = d->c;
    void *dst = (char *)out->data + (size_t)pos * st_type_width(out->type);
    switch (c->conv) {
    case CV_BA_UTF8:
        for (uint32_t i = 0; i < n; i++) {
            size_t bad;
            if (!st_utf8_valid(s[i].ptr, s[i].len, &bad))
                return rd_fail(d, ST_ERR_CORRUPT, "a string value is not valid UTF-8 (byte %zu of a %u-byte value)", bad, s[i].len);
        }
        /* fall through */
    case CV_BA_BLOB: memcpy(dst, s, (size_t)n * sizeof *s); return ST_OK;
    case CV_BA_DEC: {
        bool wide = st_decimal_is_wide(c->type);
        for (uint32_t i = 0; i < n; i++) {
            st_i128 v;
            if (!be_to_i128((const uint8_t *)s[i].ptr, s[i].len, &v) || !dec_in_range(v, c->type.precision))
                return rd_fail(d, ST_ERR_CORRUPT, "value exceeds DECIMAL(%d,%d)", c->type.precision, c->type.scale);
            if (wide) memcpy((st_i128 *)dst + i, &v, 16);
            else ((int64_t *)dst)[i] = (int64_t)v;
        }
        return ST_OK;
    }
    default: return rd_fail(d, ST_ERR_INTERNAL, "conversion %d on byte arrays", (int)c->conv);
    }
}

/* ---- value decoders ----------------------------------------------------- */

typedef struct vdec {
    int32_t enc;
    const uint8_t *p, *end; /* values section */
    uint64_t bit;           /* PLAIN BOOLEAN */
    st_pq_rle rle;          /* dictionary indices, RLE booleans */
    st_pq_dbp dbp, dbp2;    /* DBP values / lengths; DBA prefixes + suffix lengths */
    const uint8_t *data;    /* DLBA / DBA bytes */
    uint64_t bss_n, bss_i;  /* BYTE_STREAM_SPLIT */
} vdec;

static st_status vdec_init(rd *d, vdec *v, int32_t enc, const uint8_t *p, size_t n) {
    char nb[16];
    const pq_col *c = d->c;
    memset(v, 0, sizeof *v);
    v->enc = enc;
    v->p = p;
    v->end = p + n;
    switch (enc) {
    case ST_PQ_ENC_PLAIN: return ST_OK;
    case ST_PQ_ENC_PLAIN_DICTIONARY:
    case ST_PQ_ENC_RLE_DICTIONARY:
        if (!d->dict) return rd_fail(d, ST_ERR_CORRUPT, "dictionary-encoded page without a dictionary page");
        if (n < 1) return rd_fail(d, ST_ERR_CORRUPT, "dictionary-encoded page without its bit width");
        if (p[0] > 32) return rd_fail(d, ST_ERR_CORRUPT, "dictionary index bit width %u > 32", p[0]);
        st_pq_rle_init(&v->rle, p + 1, n - 1, p[0]);
        return ST_OK;
    case ST_PQ_ENC_RLE:
        if (c->ptype != ST_PQ_BOOLEAN) break;
        if (n < 4 || rd_u32(p) > n - 4) return rd_fail(d, ST_ERR_CORRUPT, "RLE boolean data overruns the page");
        st_pq_rle_init(&v->rle, p + 4, rd_u32(p), 1);
        return ST_OK;
    case ST_PQ_ENC_DELTA_BINARY_PACKED:
        if (c->ptype != ST_PQ_INT32 && c->ptype != ST_PQ_INT64) break;
        return rd_wrap(d, st_pq_dbp_init(&v->dbp, p, n, d->e));
    case ST_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (c->ptype != ST_PQ_BYTE_ARRAY) break;
        ST_TRY(rd_wrap(d, st_pq_dbp_init(&v->dbp, p, n, d->e)));
        v->data = v->dbp.stream_end;
        return ST_OK;
    case ST_PQ_ENC_DELTA_BYTE_ARRAY:
        if (c->ptype != ST_PQ_BYTE_ARRAY && c->ptype != ST_PQ_FLBA) break;
        ST_TRY(rd_wrap(d, st_pq_dbp_init(&v->dbp, p, n, d->e)));
        ST_TRY(rd_wrap(d, st_pq_dbp_init(&v->dbp2, v->dbp.stream_end, (size_t)(v->end - v->dbp.stream_end), d->e)));
        if (v->dbp.total != v->dbp2.total)
            return rd_fail(d, ST_ERR_CORRUPT, "DELTA_BYTE_ARRAY has %llu prefixes and %llu suffixes",
                           (unsigned long long)v->dbp.total, (unsigned long long)v->dbp2.total);
        v->data = v->dbp2.stream_end;
        d->prev_len = 0;
        return ST_OK;
    case ST_PQ_ENC_BYTE_STREAM_SPLIT:
        if (c->ptype == ST_PQ_BOOLEAN || c->ptype == ST_PQ_BYTE_ARRAY || c->ptype == ST_PQ_INT96) break;
        if (n % c->plen)
            return rd_fail(d, ST_ERR_CORRUPT, "BYTE_STREAM_SPLIT data of %zu bytes is not a multiple of %u", n, c->plen);
        v->bss_n = n / c->plen;
        return ST_OK;
    default:
        return rd_fail(d, ST_ERR_UNSUPPORTED, "encoding %s is not supported", st_pq_encoding_name(enc, nb));
    }
    return rd_fail(d, ST_ERR_CORRUPT, "encoding %s on a %s column", st_pq_encoding_name(enc, nb),
                   st_pq_type_name(c->ptype, nb + 0));
}

/* Gather n dictionary entries by index into out[pos..). */
static st_status dict_gather(rd *d, const uint32_t *idx, uint32_t n, st_vector *out, uint32_t pos) {
    const st_vector *dv = d->dict;
    size_t w = st_type_width(out->type);
    uint32_t dn = dv->len;
    for (uint32_t i = 0; i < n; i++)
        if (idx[i] >= dn) return rd_fail(d, ST_ERR_CORRUPT, "dictionary index %u out of range (dictionary of %u values)", idx[i], dn);
    char *dst = (char *)out->data + (size_t)pos * w;
    const char *src = dv->data;
    switch (w) {
    case 1: for (uint32_t i = 0; i < n; i++) dst[i] = src[idx[i]]; break;
    case 2: for (uint32_t i = 0; i < n; i++) memcpy(dst + 2 * i, src + 2 * (size_t)idx[i], 2); break;
    case 4: for (uint32_t i = 0; i < n; i++) ((uint32_t *)dst)[i] = ((const uint32_t *)src)[idx[i]]; break;
    case 8: for (uint32_t i = 0; i < n; i++) ((uint64_t *)dst)[i] = ((const uint64_t *)src)[idx[i]]; break;
    case 16: for (uint32_t i = 0; i < n; i++) memcpy(dst + 16 * i, src + 16 * (size_t)idx[i], 16); break;
    default: for (uint32_t i = 0; i < n; i++) memcpy(dst + w * i, src + w * (size_t)idx[i], w); break;
    }
    if (st_type_is_string(out->type) && dv->heap && st_arena_used(dv->heap)) {
        /* dictionary strings the reader formatted itself (TIME, UUID): copy */
        st_str *o = (st_str *)dst;
        for (uint32_t i = 0; i < n; i++) {
            char *q = st_vector_str_alloc(out, o[i].len);
            if (!q) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
            memcpy(q, o[i].ptr, o[i].len);
            o[i].ptr = q;
        }
    }
    return ST_OK;
}

/* Read n dense values into out[pos..) (out NULL: skip them). */
static st_status vdec_read(rd *d, vdec *v, uint32_t n, st_vector *out, uint32_t pos) {
    const pq_col *c = d->c;
    while (n > 0) {
        uint32_t m = n < CHUNK ? n : CHUNK;
        switch (v->enc) {
        case ST_PQ_ENC_PLAIN:
            if (c->ptype == ST_PQ_BOOLEAN) {
                if (v->bit + m > (uint64_t)(v->end - v->p) * 8) return rd_fail(d, ST_ERR_CORRUPT, "PLAIN booleans end early");
                if (out) {
                    for (uint32_t i = 0; i < m; i++) {
                        uint64_t b = v->bit + i;
                        d->lv[i] = (v->p[b >> 3] >> (b & 7)) & 1;
                    }
                    ST_TRY(convert_fixed(d, d->lv, m, out, pos));
                }
                v->bit += m;
            } else if (c->ptype == ST_PQ_BYTE_ARRAY) {
                const uint8_t *span = v->p;
                uint32_t lens_or = 0;
                for (uint32_t i = 0; i < m; i++) {
                    if (v->end - v->p < 4) return rd_fail(d, ST_ERR_CORRUPT, "PLAIN byte array length overruns the page");
                    uint32_t len = rd_u32(v->p);
                    if (len > (size_t)(v->end - v->p) - 4)
                        return rd_fail(d, ST_ERR_CORRUPT, "PLAIN byte array of %u bytes overruns the page", len);
                    d->strs[i] = (st_str){(const char *)v->p + 4, len, 0};
                    v->p += 4 + (size_t)len;
                    lens_or |= len;
                }
                if (!out) break;
                /* When every length is below 128, the 4-byte length prefixes
                 * are ASCII bytes (< 0x80) that no UTF-8 sequence can run
                 * into or out of, so validating the whole span at once is the
                 * same as validating each value (and much cheaper). */
                size_t bad;
                if (c->conv == CV_BA_UTF8 && lens_or < 128 && st_utf8_valid((const char *)span, (size_t)(v->p - span), &bad)) {
                    memcpy((st_str *)out->data + pos, d->strs, (size_t)m * sizeof(st_str));
                } else {
                    ST_TRY(convert_strs(d, d->strs, m, out, pos));
                }
            } else {
                size_t need = (size_t)m * c->plen;
                if ((size_t)(v->end - v->p) < need) return rd_fail(d, ST_ERR_CORRUPT, "PLAIN values end early");
                if (out) ST_TRY(convert_fixed(d, v->p, m, out, pos));
                v->p += need;
            }
            break;
        case ST_PQ_ENC_PLAIN_DICTIONARY:
        case ST_PQ_ENC_RLE_DICTIONARY:
            ST_TRY(rd_wrap(d, st_pq_rle_get(&v->rle, out ? d->u32 : NULL, m, d->e)));
            if (out) ST_TRY(dict_gather(d, d->u32, m, out, pos));
            break;
        case ST_PQ_ENC_RLE: /* booleans */
            ST_TRY(rd_wrap(d, st_pq_rle_get(&v->rle, d->u32, m, d->e)));
            if (out) {
                for (uint32_t i = 0; i < m; i++) d->lv[i] = (uint8_t)d->u32[i];
                ST_TRY(convert_fixed(d, d->lv, m, out, pos));
            }
            break;
        case ST_PQ_ENC_DELTA_BINARY_PACKED:
            ST_TRY(rd_wrap(d, st_pq_dbp_get(&v->dbp, out ? d->u64 : NULL, m, d->e)));
            if (out) {
                if (c->ptype == ST_PQ_INT32) {
                    for (uint32_t i = 0; i < m; i++) {
                        int32_t x = (int32_t)(uint32_t)d->u64[i];
                        memcpy(d->phys + 4 * i, &x, 4);
                    }
                    ST_TRY(convert_fixed(d, d->phys, m, out, pos));
                } else {
                    ST_TRY(convert_fixed(d, (const uint8_t *)d->u64, m, out, pos));
                }
            }
            break;
        case ST_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
            ST_TRY(rd_wrap(d, st_pq_dbp_get(&v->dbp, d->u64, m, d->e)));
            for (uint32_t i = 0; i < m; i++) {
                uint64_t len = d->u64[i];
                if (len > (uint64_t)(v->end - v->data))
                    return rd_fail(d, ST_ERR_CORRUPT, "DELTA_LENGTH_BYTE_ARRAY value of %llu bytes overruns the page", (unsigned long long)len);
                d->strs[i] = (st_str){(const char *)v->data, (uint32_t)len, 0};
                v->data += len;
            }
            if (out) ST_TRY(convert_strs(d, d->strs, m, out, pos));
            break;
        case ST_PQ_ENC_DELTA_BYTE_ARRAY: {
            ST_TRY(rd_wrap(d, st_pq_dbp_get(&v->dbp, d->u64, m, d->e)));
            ST_TRY(rd_wrap(d, st_pq_dbp_get(&v->dbp2, (uint64_t *)d->phys, m, d->e)));
            const uint64_t *suf = (const uint64_t *)d->phys;
            for (uint32_t i = 0; i < m; i++) {
                uint64_t pre = d->u64[i], sl = suf[i];
                if (pre > d->prev_len) return rd_fail(d, ST_ERR_CORRUPT, "DELTA_BYTE_ARRAY prefix of %llu bytes exceeds the previous value", (unsigned long long)pre);
                if (sl > (uint64_t)(v->end - v->data)) return rd_fail(d, ST_ERR_CORRUPT, "DELTA_BYTE_ARRAY suffix overruns the page");
                uint64_t len = pre + sl;
                if (len > UINT32_MAX) return rd_fail(d, ST_ERR_CORRUPT, "DELTA_BYTE_ARRAY value too long");
                d->dba_bytes += len;
                if (d->dba_bytes > d->dba_cap)
                    return rd_fail(d, ST_ERR_LIMIT, "DELTA_BYTE_ARRAY page expands to more than %llu bytes", (unsigned long long)d->dba_cap);
                if (len > d->prev_cap) {
                    size_t nc = d->prev_cap ? d->prev_cap : 64;
                    while (nc < len) nc *= 2;
                    uint8_t *np = realloc(d->prev, nc);
                    if (!np) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
                    d->prev = np;
                    d->prev_cap = nc;
                }
                if (sl) memcpy(d->prev + pre, v->data, sl);
                v->data += sl;
                d->prev_len = len;
                if (!out) continue;
                if (c->ptype == ST_PQ_FLBA) {
                    if (len != c->plen) return rd_fail(d, ST_ERR_CORRUPT, "DELTA_BYTE_ARRAY value of %llu bytes in a %u-byte column", (unsigned long long)len, c->plen);
                    ST_TRY(convert_fixed(d, d->prev, 1, out, pos + i));
                } else {
                    char *q = st_vector_str_alloc(out, len);
                    if (!q) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
                    if (len) memcpy(q, d->prev, len);
                    st_str s = {q, (uint32_t)len, 0};
                    ST_TRY(convert_strs(d, &s, 1, out, pos + i));
                }
            }
            break;
        }
        case ST_PQ_ENC_BYTE_STREAM_SPLIT: {
            if (m > PHYS_BYTES / c->plen) m = (uint32_t)(PHYS_BYTES / c->plen ? PHYS_BYTES / c->plen : 1);
            if (c->plen > PHYS_BYTES) return rd_fail(d, ST_ERR_UNSUPPORTED, "BYTE_STREAM_SPLIT on %u-byte values", c->plen);
            if (v->bss_i + m > v->bss_n) return rd_fail(d, ST_ERR_CORRUPT, "BYTE_STREAM_SPLIT data ends early");
            if (out) {
                uint32_t w = c->plen;
                for (uint32_t k = 0; k < w; k++) {
                    const uint8_t *s = v->p + (size_t)k * v->bss_n + v->bss_i;
                    for (uint32_t i = 0; i < m; i++) d->phys[(size_t)i * w + k] = s[i];
                }
                ST_TRY(convert_fixed(d, d->phys, m, out, pos));
            }
            v->bss_i += m;
            break;
        }
        default: return rd_fail(d, ST_ERR_INTERNAL, "encoding %d", (int)v->enc);
        }
        n -= m;
        pos += m;
    }
    return ST_OK;
}

/* ---- pages -------------------------------------------------------------- */

static void release_cur(rd *d) {
    if (d->cur_buf && d->cur_buf != d->r->data) st_buf_unref(d->cur_buf);
    d->cur_buf = NULL;
}

/* Get the page's decompressed bytes (dst_len of them).  Sets d->cur_buf to
 * the st_buf holding them when strings may point into them. */
static st_status page_bytes(rd *d, const uint8_t *src, size_t n, size_t dst_len, bool compressed, const uint8_t **out) {
    int32_t codec = compressed ? d->r->chunks[(size_t)d->rg * d->r->ncols + d->col].codec : ST_PQ_CODEC_UNCOMPRESSED;
    if (codec == ST_PQ_CODEC_UNCOMPRESSED) {
        if (n != dst_len) return rd_fail(d, ST_ERR_CORRUPT, "uncompressed page of %zu bytes declares %zu", n, dst_len);
        *out = src;
        d->cur_buf = d->r->data;
        return ST_OK;
    }
    if (dst_len > st_pq_codec_max_expansion(codec, n))
        return rd_fail(d, ST_ERR_CORRUPT, "%zu compressed bytes cannot expand to the declared %zu", n, dst_len);
    if (n == 0 && dst_len == 0) {
        *out = src;
        d->cur_buf = d->r->data;
        return ST_OK;
    }
    uint8_t *dst;
    if (d->str_target) {
        st_buf *b = pool_buf(dst_len ? dst_len : 1);
        if (!b) return rd_fail(d, ST_ERR_NOMEM, "out of memory for a %zu-byte page", dst_len);
        release_cur(d);
        d->cur_buf = b;
        dst = st_buf_data(b);
    } else {
        if (dst_len > d->pbuf_cap || !d->pbuf) {
            pool_put(d->pbuf, d->pbuf_cap);
            d->pbuf = pool_get(dst_len ? dst_len : 1, &d->pbuf_cap);
            if (!d->pbuf) return rd_fail(d, ST_ERR_NOMEM, "out of memory for a %zu-byte page", dst_len);
        }
        dst = d->pbuf;
    }
    ST_TRY(rd_wrap(d, st_pq_decompress(codec, src, n, dst, dst_len, &d->zctx, d->e)));
    *out = dst;
    return ST_OK;
}

static st_status decode_dictionary(rd *d, const st_pq_page_header *h, const uint8_t *body) {
    if (d->dict) return rd_fail(d, ST_ERR_CORRUPT, "a second dictionary page");
    if (!h->has_dict) return rd_fail(d, ST_ERR_CORRUPT, "dictionary page without a dictionary header");
    if (h->dict.num_values < 0 || (uint32_t)h->dict.num_values > ST_PQ_MAX_DICT_VALUES)
        return rd_fail(d, ST_ERR_CORRUPT, "dictionary of %d values", h->dict.num_values);
    if (h->dict.encoding != ST_PQ_ENC_PLAIN && h->dict.encoding != ST_PQ_ENC_PLAIN_DICTIONARY)
        return rd_fail(d, ST_ERR_CORRUPT, "dictionary page encoding %d is not PLAIN", h->dict.encoding);
    if (h->uncompressed_page_size < 0) return rd_fail(d, ST_ERR_CORRUPT, "negative page size");
    const uint8_t *p;
    ST_TRY(page_bytes(d, body, (size_t)h->compressed_page_size, (size_t)h->uncompressed_page_size, true, &p));
    uint32_t n = (uint32_t)h->dict.num_values;
    /* every PLAIN value takes at least one bit (BOOLEAN) or its width */
    uint64_t min_bytes = d->c->ptype == ST_PQ_BOOLEAN ? (n + 7) / 8 : d->c->ptype == ST_PQ_BYTE_ARRAY ? (uint64_t)n * 4 : (uint64_t)n * d->c->plen;
    if (min_bytes > (uint64_t)h->uncompressed_page_size)
        return rd_fail(d, ST_ERR_CORRUPT, "dictionary of %u values in %d bytes", n, h->uncompressed_page_size);
    d->dict = st_vector_new(d->c->type, n ? n : 1);
    if (!d->dict) return rd_fail(d, ST_ERR_NOMEM, "out of memory for a dictionary of %u values", n);
    vdec v;
    ST_TRY(vdec_init(d, &v, ST_PQ_ENC_PLAIN, p, (size_t)h->uncompressed_page_size));
    ST_TRY(vdec_read(d, &v, n, d->dict, 0));
    d->dict->len = n;
    if (d->str_target && d->cur_buf) ST_TRY(rd_wrap(d, st_vector_pin(d->dict, d->cur_buf, d->e)));
    release_cur(d);
    return ST_OK;
}

/* Spread nn dense values at out[pos..pos+nn) over rows [pos, pos+n) using
 * the validity bits (backwards, in place); NULL slots are zeroed. */
#define SCATTER_W(W)                                                          \
    do {                                                                      \
        for (uint32_t i = n; i-- > 0;) {                                      \
            uint32_t r = pos + i;                                             \
            char *dst = base + (size_t)r * (W);                               \
            if ((vb[r >> 6] >> (r & 63)) & 1) {                               \
                j--;                                                          \
                if (j != i) memcpy(dst, base + (size_t)(pos + j) * (W), (W)); \
            } else {                                                          \
                memset(dst, 0, (W));                                          \
            }                                                                 \
        }                                                                     \
    } while (0)

static void scatter(st_vector *out, uint32_t pos, uint32_t n, uint32_t nn) {
    size_t w = st_type_width(out->type);
    char *base = (char *)out->data;
    const uint64_t *vb = out->validity;
    uint32_t j = nn;
    switch (w) { /* constant widths let the copies inline */
    case 1: SCATTER_W(1); return;
    case 2: SCATTER_W(2); return;
    case 4: SCATTER_W(4); return;
    case 8: SCATTER_W(8); return;
    case 16: SCATTER_W(16); return;
    default: break;
    }
    for (uint32_t i = n; i-- > 0;) {
        uint32_t r = pos + i;
        char *dst = base + (size_t)r * w;
        if ((vb[r >> 6] >> (r & 63)) & 1) {
            j--;
            if (j != i) memcpy(dst, base + (size_t)(pos + j) * w, w);
        } else {
            memset(dst, 0, w);
        }
    }
}

/* Start decoding a data page of nvals rows: decompress it, set up the level
 * and value decoders in d. */
static st_status page_begin(rd *d, const st_pq_page_header *h, const uint8_t *body, uint32_t nvals) {
    const pq_col *c = d->c;
    size_t csize = (size_t)h->compressed_page_size, usize = (size_t)h->uncompressed_page_size;
    if (h->uncompressed_page_size < 0 || usize > ST_PQ_MAX_PAGE_BYTES)
        return rd_fail(d, ST_ERR_CORRUPT, "page declares %d uncompressed bytes", h->uncompressed_page_size);
    const uint8_t *levels = NULL, *vals;
    size_t levels_len = 0, vals_len;
    int32_t enc, def_enc = ST_PQ_ENC_RLE;
    bool v2 = h->type == ST_PQ_PAGE_DATA_V2;
    if (!v2) {
        if (!h->has_data) return rd_fail(d, ST_ERR_CORRUPT, "data page without a data page header");
        enc = h->data.encoding;
        def_enc = h->data.def_encoding;
        const uint8_t *p;
        ST_TRY(page_bytes(d, body, csize, usize, true, &p));
        vals = p;
        vals_len = usize;
        if (c->optional) {
            if (def_enc == ST_PQ_ENC_RLE) {
                if (vals_len < 4 || rd_u32(vals) > vals_len - 4)
                    return rd_fail(d, ST_ERR_CORRUPT, "definition levels overrun the page");
                levels_len = rd_u32(vals);
                levels = vals + 4;
                vals += 4 + levels_len;
                vals_len -= 4 + levels_len;
            } else if (def_enc == ST_PQ_ENC_BIT_PACKED) {
                levels_len = ((size_t)nvals + 7) / 8;
                if (levels_len > vals_len) return rd_fail(d, ST_ERR_CORRUPT, "definition levels overrun the page");
                levels = vals;
                vals += levels_len;
                vals_len -= levels_len;
            } else {
                return rd_fail(d, ST_ERR_CORRUPT, "definition level encoding %d", def_enc);
            }
        }
    } else {
        if (!h->has_data_v2) return rd_fail(d, ST_ERR_CORRUPT, "v2 data page without a v2 header");
        enc = h->v2.encoding;
        /* a flat column has no repetition levels; some writers still store
         * (all-zero) ones: skip them */
        if (h->v2.rep_len < 0 || h->v2.def_len < 0 || (size_t)h->v2.rep_len + (size_t)h->v2.def_len > csize ||
            (size_t)h->v2.rep_len + (size_t)h->v2.def_len > usize)
            return rd_fail(d, ST_ERR_CORRUPT, "levels of %d + %d bytes overrun the page", h->v2.rep_len, h->v2.def_len);
        body += h->v2.rep_len;
        csize -= (size_t)h->v2.rep_len;
        usize -= (size_t)h->v2.rep_len;
        if (h->v2.num_nulls < 0 || (uint32_t)h->v2.num_nulls > nvals || (!c->optional && h->v2.num_nulls))
            return rd_fail(d, ST_ERR_CORRUPT, "page declares %d NULLs", h->v2.num_nulls);
        if (!c->optional && h->v2.def_len) return rd_fail(d, ST_ERR_CORRUPT, "definition levels in a REQUIRED column");
        levels = body;
        levels_len = (size_t)h->v2.def_len;
        const uint8_t *p;
        ST_TRY(page_bytes(d, body + levels_len, csize - levels_len, usize - levels_len, h->v2.is_compressed, &p));
        vals = p;
        vals_len = usize - levels_len;
    }
    d->lv_bitpacked = c->optional && !v2 && def_enc == ST_PQ_ENC_BIT_PACKED;
    d->lv_bits = levels;
    if (c->optional && !d->lv_bitpacked) st_pq_rle_init(&d->lr, levels, levels_len, 1);
    d->dba_cap = (uint64_t)h->uncompressed_page_size * 1024 + (1u << 20);
    if (d->dba_cap > (UINT64_C(1) << 32)) d->dba_cap = UINT64_C(1) << 32;
    d->dba_bytes = 0;
    d->enc = enc;
    ST_TRY(vdec_init(d, d->v, enc, vals, vals_len));
    d->page_left = nvals;
    d->page_row = 0;
    d->in_page = true;
    return ST_OK;
}

/* The next skip + take rows of the current page: skip the first skip, the
 * others into out rows [pos, pos+take). */
static st_status page_take(rd *d, uint32_t skip, uint32_t take, st_vector *out, uint32_t pos) {
    const pq_col *c = d->c;
    /* definition levels -> validity of out rows [pos, pos+take) */
    uint32_t nn_skip = skip, nn_take = take;
    if (c->optional) {
        nn_skip = nn_take = 0;
        uint32_t end = skip + take;
        uint64_t *vb = out ? out->validity : NULL; /* allocated at the first NULL */
        for (uint32_t i = 0; i < end;) {
            uint32_t m = end - i < CHUNK ? end - i : CHUNK;
            if (d->lv_bitpacked) {
                for (uint32_t k = 0; k < m; k++) {
                    uint32_t b = d->page_row + i + k;
                    d->u32[k] = (d->lv_bits[b >> 3] >> (7 - (b & 7))) & 1;
                }
            } else {
                st_status rc = st_pq_rle_get(&d->lr, d->u32, m, d->e);
                if (rc) return rd_fail(d, rc, "definition levels: %s", d->e ? d->e->msg : "corrupt");
            }
            for (uint32_t k = 0; k < m; k++) {
                uint32_t lvl = d->u32[k], row = i + k;
                if (lvl > 1) return rd_fail(d, ST_ERR_CORRUPT, "definition level %u exceeds the maximum 1", lvl);
                if (row < skip) {
                    nn_skip += lvl;
                } else if (lvl) {
                    nn_take++;
                } else {
                    if (!vb && !(vb = st_vector_validity(out))) return rd_fail(d, ST_ERR_NOMEM, "out of memory");
                    uint32_t o = pos + row - skip;
                    vb[o >> 6] &= ~(UINT64_C(1) << (o & 63));
                }
            }
            i += m;
        }
    }
    if (nn_skip) ST_TRY(vdec_read(d, d->v, nn_skip, NULL, 0));
    if (take) {
        ST_TRY(vdec_read(d, d->v, nn_take, out, pos));
        if (nn_take < take) scatter(out, pos, take, nn_take);
    }
    if (d->str_target && nn_take) {
        int32_t enc = d->enc;
        if ((enc == ST_PQ_ENC_PLAIN || enc == ST_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY) && d->cur_buf)
            ST_TRY(rd_wrap(d, st_vector_pin(out, d->cur_buf, d->e)));
        if (enc == ST_PQ_ENC_PLAIN_DICTIONARY || enc == ST_PQ_ENC_RLE_DICTIONARY)
            for (uint32_t i = 0; i < d->dict->npins; i++) ST_TRY(rd_wrap(d, st_vector_pin(out, d->dict->pins[i], d->e)));
    }
    d->page_left -= skip + take;
    d->page_row += skip + take;
    if (d->page_left == 0) {
        d->in_page = false;
        release_cur(d);
    }
    return ST_OK;
}

/* Skip `skip` rows, then decode `take` rows into out rows [pos, pos+take),
 * continuing the page walk where the last call left it.  Pages wholly
 * skipped are not decompressed. */
static st_status rd_read(rd *d, uint64_t skip, uint32_t take, st_vector *out, uint32_t pos) {
    const st_pq_reader *r = d->r;
    uint64_t rows = r->rg_rows[d->rg];
    while (skip > 0 || take > 0) {
        if (d->in_page) {
            uint32_t k = skip < d->page_left ? (uint32_t)skip : d->page_left;
            uint32_t t = take < d->page_left - k ? take : d->page_left - k;
            ST_TRY(page_take(d, k, t, out, pos));
            skip -= k;
            take -= t;
            pos += t;
            d->done += k + t;
            continue;
        }
        d->page_off = (uint64_t)(d->cp - r->base);
        if (d->cp >= d->cend)
            return rd_fail(d, ST_ERR_CORRUPT, "the column chunk ends after %llu of %llu rows", (unsigned long long)d->done,
                           (unsigned long long)rows);
        st_pq_page_header h;
        size_t hlen;
        st_status rc = st_pq_decode_page_header(d->cp, (size_t)(d->cend - d->cp), d->page_off, &h, &hlen, d->e);
        if (rc) return st_error_prefix(d->e, "%s: row group %u, column '%s': ", r->name, d->rg, d->c->name), rc;
        const uint8_t *body = d->cp + hlen;
        if (h.compressed_page_size < 0 || (size_t)h.compressed_page_size > (size_t)(d->cend - body))
            return rd_fail(d, ST_ERR_CORRUPT, "page of %d bytes overruns the column chunk (%zu bytes left)",
                           h.compressed_page_size, (size_t)(d->cend - body));
        d->cp = body + h.compressed_page_size;
        bool is_data = h.type == ST_PQ_PAGE_DATA || h.type == ST_PQ_PAGE_DATA_V2;
        if (h.type != ST_PQ_PAGE_DICTIONARY && !is_data) continue; /* index or unknown pages */
        uint32_t nvals = 0;
        if (is_data) {
            int32_t nv = h.type == ST_PQ_PAGE_DATA ? (h.has_data ? h.data.num_values : -1) : (h.has_data_v2 ? h.v2.num_values : -1);
            if (nv < 0 || (h.type == ST_PQ_PAGE_DATA_V2 && h.v2.num_rows != nv))
                return rd_fail(d, ST_ERR_CORRUPT, "data page declares %d values", nv);
            nvals = (uint32_t)nv;
            if (nvals > rows - d->done)
                return rd_fail(d, ST_ERR_CORRUPT, "page of %u values overruns the row group's %llu rows", nvals,
                               (unsigned long long)rows);
            if (skip >= nvals) { /* nothing wanted from this page */
                skip -= nvals;
                d->done += nvals;
                continue;
            }
        }
        if (h.has_crc) {
            uint32_t crc = st_pq_crc32(body, (size_t)h.compressed_page_size);
            if (crc != h.crc) return rd_fail(d, ST_ERR_CORRUPT, "page CRC mismatch (stored %08x, computed %08x)", h.crc, crc);
        }
        if (h.type == ST_PQ_PAGE_DICTIONARY) {
            if (d->done > 0) return rd_fail(d, ST_ERR_CORRUPT, "dictionary page after data pages");
            ST_TRY(decode_dictionary(d, &h, body));
            continue;
        }
        if (nvals == 0) continue;
        ST_TRY(page_begin(d, &h, body, nvals));
    }
    return ST_OK;
}

/* Per-call (or per-cursor) decoder state, from the pool; NULL on failure. */
static rd *rd_new(const st_pq_reader *r, uint32_t rg, uint32_t col, st_error *e) {
    size_t self_cap;
    rd *d = pool_get(sizeof(rd) + sizeof(vdec), &self_cap);
    if (!d) {
        st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memset(d, 0, offsetof(rd, u32)); /* the arrays after it need no zeroing */
    d->self_cap = self_cap;
    d->r = r;
    d->c = &r->cols[col];
    d->rg = rg;
    d->col = col;
    d->e = e;
    d->str_target = st_type_is_string(d->c->type) && d->c->ptype == ST_PQ_BYTE_ARRAY;
    d->v = (vdec *)(d + 1);
    d->phys = pool_get(PHYS_BYTES, &d->phys_cap);
    d->zctx = pool_zctx_get();
    const pq_chunk *ch = &r->chunks[(size_t)rg * r->ncols + col];
    d->cp = r->base + ch->start;
    d->cend = d->cp + ch->len;
    if (!d->phys) {
        pool_put(d, d->self_cap);
        st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return d;
}

static void rd_free(rd *d) {
    if (!d) return;
    release_cur(d);
    st_vector_free(d->dict);
    pool_zctx_put(d->zctx);
    pool_put(d->pbuf, d->pbuf_cap);
    free(d->prev);
    pool_put(d->phys, d->phys_cap);
    pool_put(d, d->self_cap);
}

/* out reset and able to hold n rows (no zero fill: every slot is written). */
static st_status prepare_out(const st_pq_reader *r, st_vector *out, uint32_t n, st_error *e) {
    st_vector_reset(out);
    if (out->cap < n) {
        void *nd = st_pq_alloc_column((size_t)n * st_type_width(out->type));
        if (!nd) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory for %u rows", r->name, n);
        free(out->data);
        out->data = nd;
        out->cap = n;
    }
    return ST_OK;
}

st_status st_pq_read_column(const st_pq_reader *r, uint32_t rg, uint32_t col, uint64_t row_off, uint32_t nrows,
                            st_vector *out, st_error *e) {
    if (rg >= r->nrg || col >= r->ncols)
        return st_error_set(e, ST_ERR_INVALID, "%s: no row group %u / column %u", r->name, rg, col);
    const pq_col *c = &r->cols[col];
    if (!st_type_eq(out->type, c->type))
        return st_error_set(e, ST_ERR_TYPE, "%s: column '%s' is read into a vector of another type", r->name, c->name);
    uint64_t rows = r->rg_rows[rg];
    if (row_off > rows || nrows > rows - row_off)
        return st_error_set(e, ST_ERR_INVALID, "%s: rows %llu..%llu are outside row group %u (%llu rows)", r->name,
                            (unsigned long long)row_off, (unsigned long long)(row_off + nrows), rg, (unsigned long long)rows);
    ST_TRY(prepare_out(r, out, nrows, e));
    rd *d = rd_new(r, rg, col, e);
    if (!d) return ST_ERR_NOMEM;
    st_status rc = rd_read(d, row_off, nrows, out, 0);
    if (rc == ST_OK) out->len = nrows;
    rd_free(d);
    return rc;
}

/* ---- cursors ------------------------------------------------------------ */

struct st_pq_cursor {
    const st_pq_reader *r;
    uint32_t rg, ncols;
    uint64_t pos, rows;
    rd **cols;
    st_error *e; /* the error of the current call (the decoders keep a pointer) */
};

st_status st_pq_cursor_open(const st_pq_reader *r, uint32_t rg, const uint32_t *cols, uint32_t ncols,
                            st_pq_cursor **out, st_error *e) {
    *out = NULL;
    uint32_t k = cols ? ncols : r->ncols;
    if (rg >= r->nrg) return st_error_set(e, ST_ERR_INVALID, "%s: no row group %u", r->name, rg);
    st_pq_cursor *cu = calloc(1, sizeof *cu);
    if (!cu || !(cu->cols = calloc(k ? k : 1, sizeof *cu->cols))) {
        free(cu);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    cu->r = r;
    cu->rg = rg;
    cu->rows = r->rg_rows[rg];
    for (uint32_t i = 0; i < k; i++) {
        uint32_t c = cols ? cols[i] : i;
        if (c >= r->ncols) {
            st_pq_cursor_close(cu);
            return st_error_set(e, ST_ERR_INVALID, "%s: no column %u", r->name, c);
        }
        if (!(cu->cols[i] = rd_new(r, rg, c, e))) {
            st_pq_cursor_close(cu);
            return ST_ERR_NOMEM;
        }
        cu->ncols = i + 1;
    }
    *out = cu;
    return ST_OK;
}

st_status st_pq_cursor_read(st_pq_cursor *cu, uint32_t max_rows, st_batch *out, st_error *e) {
    if (out->ncols < cu->ncols)
        return st_error_set(e, ST_ERR_INVALID, "%s: batch has %u columns, %u requested", cu->r->name, out->ncols, cu->ncols);
    st_batch_reset(out);
    uint64_t left = cu->rows - cu->pos;
    uint32_t n = left < max_rows ? (uint32_t)left : max_rows;
    for (uint32_t i = 0; i < cu->ncols; i++) {
        rd *d = cu->cols[i];
        if (!st_type_eq(out->cols[i]->type, d->c->type))
            return st_error_set(e, ST_ERR_TYPE, "%s: column '%s' is read into a vector of another type", cu->r->name, d->c->name);
        ST_TRY(prepare_out(cu->r, out->cols[i], n, e));
        d->e = e;
        ST_TRY(rd_read(d, 0, n, out->cols[i], 0));
    }
    cu->pos += n;
    st_batch_set_len(out, n);
    return ST_OK;
}

void st_pq_cursor_close(st_pq_cursor *cu) {
    if (!cu) return;
    for (uint32_t i = 0; i < cu->ncols; i++) rd_free(cu->cols[i]);
    free(cu->cols);
    free(cu);
}

st_status st_pq_read(const st_pq_reader *r, uint32_t rg, uint64_t row_off, uint32_t nrows, const uint32_t *cols,
                     uint32_t ncols, st_batch *out, st_error *e) {
    uint32_t k = cols ? ncols : r->ncols;
    if (out->ncols < k) return st_error_set(e, ST_ERR_INVALID, "%s: batch has %u columns, %u requested", r->name, out->ncols, k);
    st_batch_reset(out);
    for (uint32_t i = 0; i < k; i++) ST_TRY(st_pq_read_column(r, rg, cols ? cols[i] : i, row_off, nrows, out->cols[i], e));
    st_batch_set_len(out, nrows);
    return ST_OK;
}
