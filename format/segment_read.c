/*
 * segment_read.c: opening a segment (header, tail and footer checks) and
 * decoding one column chunk into a vector.
 *
 * Open is cheap and complete: magic, version, the header, tail and footer
 * checksums, and every structural invariant of the footer (segment_footer.c)
 * are checked before any getter can be called, so the getters need no
 * checks of their own.  A data block is checked when it is read: its
 * checksum, then every header field against the footer's record of it, then
 * every length inside while decoding, then that the values consumed exactly
 * the payload.  Values are checked to be representable (a DECIMAL within
 * its precision, an INT16 within 16 bits, VARCHAR valid UTF-8): a crafted
 * block that passes its checksum still cannot put an impossible value in a
 * vector.
 *
 * Threads: the segment is never written after open.  Each read allocates
 * its own scratch; the zstd decompression context is cached per thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "format/hash.h"
#include "format/segment_int.h"

/* ---- open / close ------------------------------------------------------- */

void st_segment_close(st_segment *s) {
    if (!s) return;
    free(s->name);
    st_buf_unref(s->buf);
    st_schema_free(s->schema);
    free(s->rg_rows);
    free(s->rg_first);
    free(s->chunks);
    free(s->rg_zm);
    free(s->zm);
    free(s);
}

st_status st_segment_open(const char *path, st_segment **out, st_error *e) {
    st_buf *b;
    ST_TRY(st_file_map(path, &b, e));
    st_status rc = st_segment_open_buf(b, path, out, e);
    st_buf_unref(b);
    return rc;
}

static st_status open_checks(st_segment *s, st_error *e) {
    const uint8_t *p = s->base;
    uint64_t n = s->size;
    const char *nm = s->name;
    bool magic_ok = n >= SEG_MAGIC_LEN && memcmp(p, SEG_MAGIC, SEG_MAGIC_LEN) == 0;
    if (!magic_ok)
        return seg_fail(e, ST_ERR_FORMAT, nm, 0, "not a Strata segment (no segment magic)");
    if (n < SEG_HEADER_SIZE + SEG_TAIL_SIZE)
        return seg_fail(e, ST_ERR_CORRUPT, nm, n,
                        "truncated segment: %llu bytes, a segment has at least %d",
                        (unsigned long long)n, SEG_HEADER_SIZE + SEG_TAIL_SIZE);
    bool hdr_ok = st_load_u64(p + 32) == st_checksum64(p, 32);
    uint16_t ver = st_load_u16(p + 8);
    if (hdr_ok && ver != ST_SEGMENT_VERSION)
        return seg_fail(e, ST_ERR_UNSUPPORTED, nm, 8,
                        "segment format version %u is not supported (this Strata reads version %d)",
                        ver, ST_SEGMENT_VERSION);
    if (!hdr_ok) return seg_fail(e, ST_ERR_CORRUPT, nm, 0, "header checksum mismatch");
    if (st_load_u16(p + 10) != 0 || st_load_u32(p + 12) != 0)
        return seg_fail(e, ST_ERR_UNSUPPORTED, nm, 10, "unknown header flags");
    memcpy(s->id, p + 16, ST_SEGMENT_ID_LEN);

    uint64_t t = n - SEG_TAIL_SIZE;
    const uint8_t *tl = p + t;
    if (memcmp(tl + 40, SEG_MAGIC, SEG_MAGIC_LEN) != 0)
        return seg_fail(e, ST_ERR_CORRUPT, nm, n - SEG_MAGIC_LEN,
                        "no segment tail (the file is truncated or damaged at its end)");
    if (st_load_u64(tl + 32) != st_checksum64(tl, 32))
        return seg_fail(e, ST_ERR_CORRUPT, nm, t, "tail checksum mismatch");
    if (st_load_u16(tl + 24) != ST_SEGMENT_VERSION)
        return seg_fail(e, ST_ERR_CORRUPT, nm, t + 24, "tail version %u differs from the header's",
                        st_load_u16(tl + 24));
    if (st_load_u16(tl + 26) != 0 || st_load_u32(tl + 28) != 0)
        return seg_fail(e, ST_ERR_UNSUPPORTED, nm, t + 26, "unknown tail flags");
    s->footer_off = st_load_u64(tl);
    s->footer_len = st_load_u64(tl + 8);
    if (s->footer_off < SEG_HEADER_SIZE || s->footer_off > t || s->footer_len != t - s->footer_off)
        return seg_fail(e, ST_ERR_CORRUPT, nm, t, "footer position is inconsistent");
    if (st_load_u64(tl + 16) != st_checksum64(p + s->footer_off, (size_t)s->footer_len))
        return seg_fail(e, ST_ERR_CORRUPT, nm, s->footer_off, "footer checksum mismatch");
    return seg_footer_parse(s, e);
}

st_status st_segment_open_buf(st_buf *buf, const char *name, st_segment **out, st_error *e) {
    st_segment *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name ? name : "segment"))) {
        free(s);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory opening a segment");
    }
    s->buf = st_buf_ref(buf);
    s->base = st_buf_data(buf);
    s->size = st_buf_len(buf);
    st_status rc = open_checks(s, e);
    if (rc != ST_OK) {
        st_segment_close(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}

/* ---- getters ------------------------------------------------------------ */

const char *st_segment_name(const st_segment *s) { return s->name; }
const st_schema *st_segment_schema(const st_segment *s) { return s->schema; }
const uint8_t *st_segment_id(const st_segment *s) { return s->id; }
uint64_t st_segment_rows(const st_segment *s) { return s->rows; }
uint64_t st_segment_file_size(const st_segment *s) { return s->size; }
uint32_t st_segment_nrowgroups(const st_segment *s) { return s->nrg; }
uint32_t st_segment_rowgroup_rows(const st_segment *s, uint32_t rg) {
    return rg < s->nrg ? s->rg_rows[rg] : 0;
}
uint64_t st_segment_rowgroup_first_row(const st_segment *s, uint32_t rg) {
    return rg < s->nrg ? s->rg_first[rg] : s->rows;
}
int st_segment_column_by_id(const st_segment *s, uint32_t field_id) {
    return st_schema_find_id(s->schema, field_id);
}
const st_zonemap *st_segment_zonemap(const st_segment *s, uint32_t col) {
    return col < s->ncols ? &s->zm[col] : NULL;
}
const st_zonemap *st_segment_rowgroup_zonemap(const st_segment *s, uint32_t rg, uint32_t col) {
    return rg < s->nrg && col < s->ncols ? &s->rg_zm[(size_t)rg * s->ncols + col] : NULL;
}

void st_segment_chunk_info(const st_segment *s, uint32_t rg, uint32_t col, st_segment_chunk *out) {
    memset(out, 0, sizeof *out);
    if (rg >= s->nrg || col >= s->ncols) return;
    const seg_chunk *c = &s->chunks[(size_t)rg * s->ncols + col];
    out->offset = c->offset;
    out->block_bytes = c->block_len;
    out->raw_bytes = c->raw_len;
    out->data_bytes = c->data_bytes;
    out->null_count = c->nulls;
    out->encoding = c->enc;
    out->compression = c->comp;
}

void st_segment_layout_info(const st_segment *s, st_segment_layout *out) {
    out->header_bytes = SEG_HEADER_SIZE;
    out->footer_offset = s->footer_off;
    out->footer_bytes = s->footer_len;
    out->tail_bytes = SEG_TAIL_SIZE;
    out->rowgroup_rows = s->rg_nominal;
}

/* ---- zstd context per thread -------------------------------------------- */

static pthread_key_t dctx_key;
static pthread_once_t dctx_once = PTHREAD_ONCE_INIT;
static bool dctx_key_ok;

static void dctx_release(void *p) { ZSTD_freeDCtx(p); }
static void dctx_init(void) { dctx_key_ok = pthread_key_create(&dctx_key, dctx_release) == 0; }

/* A frame may ask for a window buffer; our writer's frames need at most
 * 2^23 bytes (zstd level 19), so a crafted frame cannot make a reader
 * allocate more than that beyond the chunk itself. */
#define SEG_ZSTD_WINDOW_LOG_MAX 23

static ZSTD_DCtx *new_dctx(void) {
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (d && ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, SEG_ZSTD_WINDOW_LOG_MAX))) {
        ZSTD_freeDCtx(d);
        return NULL;
    }
    return d;
}

/* The calling thread's context; *owned when the caller must free it. */
static ZSTD_DCtx *dctx_get(bool *owned) {
    pthread_once(&dctx_once, dctx_init);
    *owned = false;
    if (dctx_key_ok) {
        ZSTD_DCtx *d = pthread_getspecific(dctx_key);
        if (d) return d;
        d = new_dctx();
        if (d && pthread_setspecific(dctx_key, d) != 0) *owned = true;
        return d;
    }
    *owned = true;
    return new_dctx();
}

/* ---- decoding ----------------------------------------------------------- */

/* u64 stream values -> the type's representation, refusing values the type
 * cannot hold. */
static bool narrow(st_type t, const uint64_t *u, size_t n, void *dst) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: {
        uint64_t bad = 0;
        uint8_t *d = dst;
        for (size_t i = 0; i < n; i++) {
            bad |= u[i] >> 1;
            d[i] = (uint8_t)u[i];
        }
        return !bad;
    }
    case ST_T_INT8: {
        bool bad = false;
        int8_t *d = dst;
        for (size_t i = 0; i < n; i++) {
            int64_t x = (int64_t)u[i];
            bad |= x != (int8_t)x;
            d[i] = (int8_t)x;
        }
        return !bad;
    }
    case ST_T_INT16: {
        bool bad = false;
        int16_t *d = dst;
        for (size_t i = 0; i < n; i++) {
            int64_t x = (int64_t)u[i];
            bad |= x != (int16_t)x;
            d[i] = (int16_t)x;
        }
        return !bad;
    }
    case ST_T_INT32:
    case ST_T_DATE: {
        bool bad = false;
        int32_t *d = dst;
        for (size_t i = 0; i < n; i++) {
            int64_t x = (int64_t)u[i];
            bad |= x != (int32_t)x;
            d[i] = (int32_t)x;
        }
        return !bad;
    }
    case ST_T_FLOAT: {
        uint64_t bad = 0;
        uint32_t *d = dst;
        for (size_t i = 0; i < n; i++) {
            bad |= u[i] >> 32;
            d[i] = (uint32_t)u[i];
        }
        return !bad;
    }
    default:
        if (dst != (const void *)u) memcpy(dst, u, n * 8);
        return true;
    }
}

/* DECIMAL p <= 18 stored in 64 bits: every value within +-(10^p - 1) */
static bool dec64_ok(st_type t, const int64_t *v, size_t n) {
    if (t.id != ST_T_DECIMAL || t.precision > ST_DECIMAL_SMALL_MAX || n == 0) return true;
    int64_t lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    return seg_decimal_fits(lo, t.precision) && seg_decimal_fits(hi, t.precision);
}

static bool dec128_ok(st_type t, const st_i128 *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!seg_decimal_fits(v[i], t.precision)) return false;
    return true;
}

#define ALL_INTS (ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA) | ENC_BIT(ENC_RLE) | ENC_BIT(ENC_DICT))

/* Decode nv dense values of type t from rd into dense. */
static st_status decode_values(enc_rd *rd, st_type t, int enc, size_t nv, void *dense,
                               st_error *e) {
    size_t w = st_type_width(t);
    seg_cls cls = seg_class(t);
    if (cls == SEG_CLS_STR) return strs_decode(rd, enc, nv, t.id == ST_T_VARCHAR, dense, e);
    if (enc == ENC_PLAIN) {
        size_t need = nv * w;
        if (!rd_has(rd, need))
            return st_error_set(e, ST_ERR_CORRUPT, "plain values run past the end of the payload");
        memcpy(dense, rd->p + rd->pos, need);
        rd->pos += need;
        bool ok = true;
        if (t.id == ST_T_BOOLEAN) {
            const uint8_t *b = dense;
            for (size_t i = 0; i < nv; i++) ok &= b[i] <= 1;
        } else if (cls == SEG_CLS_I128) {
            ok = dec128_ok(t, dense, nv);
        } else {
            ok = dec64_ok(t, dense, nv);
        }
        return ok ? ST_OK : st_error_set(e, ST_ERR_CORRUPT, "a value is out of its type's range");
    }
    if (cls == SEG_CLS_I128) {
        uint64_t *tmp = malloc(2 * nv * sizeof *tmp);
        if (!tmp) return st_error_set(e, ST_ERR_NOMEM, "out of memory decoding %zu values", nv);
        uint64_t *hi = tmp, *lo = tmp + nv;
        st_status rc = ints_decode_nested(rd, ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA) | ENC_BIT(ENC_RLE),
                                          nv, hi, 1, e);
        if (rc == ST_OK) rc = ints_decode(rd, enc, ALL_INTS, nv, lo, 0, e);
        if (rc == ST_OK) {
            st_i128 *d = dense;
            for (size_t i = 0; i < nv; i++)
                d[i] = (st_i128)(((unsigned __int128)hi[i] << 64) | lo[i]);
            if (!dec128_ok(t, d, nv))
                rc = st_error_set(e, ST_ERR_CORRUPT, "a value is out of its type's range");
        }
        free(tmp);
        return rc;
    }
    uint64_t *u = w == 8 ? dense : malloc(nv * sizeof *u);
    if (!u) return st_error_set(e, ST_ERR_NOMEM, "out of memory decoding %zu values", nv);
    st_status rc = ints_decode(rd, enc, ALL_INTS, nv, u, 0, e);
    if (rc == ST_OK && (!narrow(t, u, nv, dense) || !dec64_ok(t, dense, nv)))
        rc = st_error_set(e, ST_ERR_CORRUPT, "a value is out of its type's range");
    if (u != dense) free(u);
    return rc;
}

#define SCATTER(T)                                                            \
    do {                                                                      \
        T *d = (T *)out->data;                                                \
        const T *s = (const T *)dense;                                        \
        size_t k = 0;                                                         \
        for (uint32_t r = 0; r < rows; r++) {                                 \
            if ((vbits[r >> 3] >> (r & 7)) & 1) d[r] = s[k++];                \
            else memset(&d[r], 0, sizeof(T));                                 \
        }                                                                     \
    } while (0)

/* Decode a whole chunk payload (rows, nulls from the header) into out. */
static st_status decode_chunk(st_type t, uint32_t rows, uint32_t nulls, int enc, bool has_valid,
                              const uint8_t *win, size_t len, st_vector *out, st_error *e) {
    enc_rd rd = {win, len, 0};
    size_t w = st_type_width(t);
    uint32_t nv = rows - nulls;
    const uint8_t *vbits = NULL;
    st_vector_reset(out);
    ST_TRY(st_vector_reserve(out, rows, e));
    if (has_valid) {
        size_t nb = ((size_t)rows + 7) / 8;
        if (!rd_has(&rd, nb))
            return st_error_set(e, ST_ERR_CORRUPT, "validity bitmap runs past the payload");
        vbits = win;
        uint64_t ones = 0;
        for (size_t i = 0; i < nb; i++) ones += (unsigned)__builtin_popcount(vbits[i]);
        if ((rows & 7) && (vbits[nb - 1] >> (rows & 7)))
            return st_error_set(e, ST_ERR_CORRUPT, "validity bitmap has bits past the last row");
        if (ones != nv)
            return st_error_set(e, ST_ERR_CORRUPT,
                                "validity bitmap marks %llu values, the header %u",
                                (unsigned long long)ones, nv);
        rd.pos = nb;
    }
    void *dense = out->data;
    if (nulls && nv) {
        dense = malloc((size_t)nv * w);
        if (!dense) return st_error_set(e, ST_ERR_NOMEM, "out of memory decoding %u values", nv);
    }
    st_status rc = ST_OK;
    if (nv) rc = decode_values(&rd, t, enc, nv, dense, e);
    else if (enc != ENC_PLAIN)
        rc = st_error_set(e, ST_ERR_CORRUPT, "a chunk without values must be plain");
    if (rc == ST_OK && rd.pos != rd.len)
        rc = st_error_set(e, ST_ERR_CORRUPT, "%zu unexpected bytes after the values",
                          rd.len - rd.pos);
    if (rc == ST_OK && nulls) {
        uint64_t *vb = st_vector_validity(out);
        if (!vb) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (validity bitmap)");
        } else if (!vbits) { /* all NULL */
            memset(vb, 0, ((size_t)rows + 63) / 64 * 8);
            memset(out->data, 0, (size_t)rows * w);
        } else {
            memcpy(vb, vbits, ((size_t)rows + 7) / 8);
            switch (w) {
            case 1: SCATTER(uint8_t); break;
            case 2: SCATTER(uint16_t); break;
            case 4: SCATTER(uint32_t); break;
            case 8: SCATTER(uint64_t); break;
            case 16: SCATTER(st_i128); break;
            default: SCATTER(st_str); break;
            }
        }
    }
    if (dense != out->data) free(dense);
    if (rc != ST_OK) {
        st_vector_reset(out);
        return rc;
    }
    out->len = rows;
    return ST_OK;
}

st_status st_segment_read(const st_segment *s, uint32_t rg, uint32_t col, st_vector *out,
                          st_error *e) {
    if (rg >= s->nrg || col >= s->ncols)
        return st_error_set(e, ST_ERR_INVALID, "%s: no row group %u / column %u", s->name, rg, col);
    const st_field *f = &s->schema->fields[col];
    if (!st_type_eq(out->type, f->type)) {
        char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
        return st_error_set(e, ST_ERR_TYPE, "%s: column '%s' is %s, the vector %s", s->name,
                            f->name, st_type_name(f->type, a), st_type_name(out->type, b));
    }
    const seg_chunk *ch = &s->chunks[(size_t)rg * s->ncols + col];
    uint32_t rows = s->rg_rows[rg];
    const uint8_t *blk = s->base + ch->offset;
    uint64_t off = ch->offset;
#define BFAIL(code, at, ...)                                                  \
    do {                                                                      \
        char m_[ST_ERROR_MSG_MAX / 2];                                        \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                 \
        return seg_fail(e, code, s->name, off + (at), "row group %u, column '%s': %s", rg,   \
                        f->name, m_);                                         \
    } while (0)
    if (st_load_u64(blk) != st_checksum64(blk + 8, ch->block_len - 8))
        BFAIL(ST_ERR_CORRUPT, 0, "block checksum mismatch");
    uint8_t flags = blk[43];
    bool want_valid = ch->nulls > 0 && ch->nulls < rows;
    if (memcmp(blk + 8, s->id, 8) != 0)
        BFAIL(ST_ERR_CORRUPT, 8, "block belongs to another segment");
    if (st_load_u32(blk + 16) != rg || st_load_u32(blk + 20) != col)
        BFAIL(ST_ERR_CORRUPT, 16, "block is for row group %u, column %u", st_load_u32(blk + 16),
              st_load_u32(blk + 20));
    if (st_load_u32(blk + 24) != rows || st_load_u32(blk + 28) != ch->nulls)
        BFAIL(ST_ERR_CORRUPT, 24, "block row or null count disagrees with the footer");
    if (st_load_u32(blk + 32) != ch->block_len - SEG_BLOCK_HEADER || st_load_u32(blk + 36) != ch->raw_len)
        BFAIL(ST_ERR_CORRUPT, 32, "block lengths disagree with the footer");
    if (blk[40] != SEG_BLOCK_KIND_CHUNK || blk[41] != ch->enc || blk[42] != ch->comp ||
        flags != (want_valid ? SEG_BLOCK_HAS_VALIDITY : 0) || st_load_u32(blk + 44) != 0)
        BFAIL(ST_ERR_CORRUPT, 40, "block kind, encoding, compression or flags disagree with the footer");

    const uint8_t *payload = blk + SEG_BLOCK_HEADER;
    size_t stored = ch->block_len - SEG_BLOCK_HEADER;
    bool strings = seg_class(f->type) == SEG_CLS_STR;
    st_buf *pin = NULL;
    uint8_t *tmp = NULL;
    const uint8_t *win = payload;
    if (ch->comp == ST_COMP_ZSTD) {
        unsigned long long fcs = ZSTD_getFrameContentSize(payload, stored);
        if (fcs != ch->raw_len) BFAIL(ST_ERR_CORRUPT, SEG_BLOCK_HEADER, "zstd frame size disagrees with the block header");
        uint8_t *dst;
        if (strings) {
            pin = st_buf_new((size_t)ch->raw_len + ENC_SLACK);
            dst = pin ? st_buf_data(pin) : NULL;
        } else {
            dst = tmp = malloc((size_t)ch->raw_len + ENC_SLACK);
        }
        if (!dst) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory decompressing %u bytes",
                                      s->name, ch->raw_len);
        memset(dst + ch->raw_len, 0, ENC_SLACK);
        bool owned;
        ZSTD_DCtx *d = dctx_get(&owned);
        size_t r = d ? ZSTD_decompressDCtx(d, dst, ch->raw_len, payload, stored) : 0;
        if (owned) ZSTD_freeDCtx(d);
        if (!d || ZSTD_isError(r) || r != ch->raw_len) {
            st_buf_unref(pin);
            free(tmp);
            if (!d) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory (zstd)", s->name);
            BFAIL(ST_ERR_CORRUPT, SEG_BLOCK_HEADER, "zstd frame does not decode (%s)",
                  ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short output");
        }
        win = dst;
    } else if (strings) {
        pin = st_buf_ref(s->buf);
    }
    st_error de;
    st_status rc = decode_chunk(f->type, rows, ch->nulls, ch->enc, want_valid, win, ch->raw_len,
                                out, &de);
    if (rc == ST_OK && pin && out->len) rc = st_vector_pin(out, pin, &de);
    st_buf_unref(pin);
    free(tmp);
    if (rc != ST_OK) {
        st_vector_reset(out);
        if (rc == ST_ERR_NOMEM) return st_error_set(e, rc, "%s: %s", s->name, de.msg);
        return seg_fail(e, rc, s->name, off, "row group %u, column '%s': %.700s", rg, f->name,
                        de.msg);
    }
    return ST_OK;
#undef BFAIL
}
