/*
 * segment_footer.c: the segment footer (schema, row groups, chunk records,
 * zone maps, extensions): its encoder, its hostile-input parser, and the
 * small helpers the segment files share.
 *
 *   footer (at the offset the tail names; every field little-endian)
 *     +0   4  magic "STFT"
 *     +4   4  flags (0)
 *     +8  16  segment id (must equal the header's)
 *     +24  8  rows in the segment
 *     +32  4  F: number of fields (1..32767)
 *     +36  4  G: number of row groups
 *     +40  4  nominal rows per row group (the writer's setting)
 *     +44  4  reserved (0)
 *     +48     F field records:
 *               u32 field id (>= 1, unique)
 *               u8 type id, u8 precision, u8 scale (spec/TYPES.md)
 *               u8 flags: bit 0 nullable; other bits 0
 *               u16 name length (1..1024), then the name (UTF-8)
 *             G row-group records:
 *               u32 rows (1..2^20)
 *               F chunk records, in column order:
 *                 u64 block offset       u32 block length
 *                 u32 raw payload length u64 decoded data bytes
 *                 u8 encoding  u8 compression  u16 reserved (0)
 *                 zone map record (row count = the row group's)
 *             F zone map records for the whole segment
 *             u32 X: number of extension records, then X times:
 *               u16 tag, u16 flags (bit 0 critical), u32 length, bytes
 *     the footer ends exactly after the last extension
 *
 *   zone map record
 *     +0   1  flags: bit 0 has_min, 1 has_max, 2 min_exact, 3 max_exact,
 *               4 has_nan; bits 5-7 zero
 *     +1   8  null count
 *     +9   8  distinct estimate (0 = unknown)
 *     +17     min (when has_min), then max (when has_max), each:
 *               8 bytes: i64 (integers, BOOLEAN, DATE, TIMESTAMP(_NS),
 *               DECIMAL p<=18), u64 (UINT64), IEEE binary64 (FLOAT, DOUBLE)
 *               16 bytes: i128 (DECIMAL p>18)
 *               VARCHAR/BLOB: u8 length (0..32), then the bytes
 *
 * Extensions are v1's room to grow without a version bump: a reader skips
 * a tag it does not know unless the critical flag is set, in which case it
 * refuses the file as needing a newer Strata.  v1 writers write none.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hash.h"
#include "format/segment_int.h"

st_status seg_fail(st_error *e, st_status code, const char *name, uint64_t off, const char *fmt,
                   ...) {
    char msg[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return st_error_set(e, code, "%s: %s at byte %llu", name, msg, (unsigned long long)off);
}

bool seg_decimal_fits(st_i128 x, int precision) {
    st_i128 lim = st_pow10_i128(precision);
    return x < lim && x > -lim;
}

const char *st_segment_encoding_name(int enc) {
    static const char *const n[] = {"plain", "dict", "rle", "for", "delta"};
    return enc >= 0 && enc < ST_ENC__COUNT ? n[enc] : "unknown";
}

const char *st_segment_compression_name(int c) {
    return c == ST_COMP_NONE ? "none" : c == ST_COMP_ZSTD ? "zstd" : "unknown";
}

void st_segment_info_free(st_segment_info *info) {
    if (!info) return;
    free(info->rg_rows);
    free(info->zones);
    free(info->rg_zones);
    info->rg_rows = NULL;
    info->zones = info->rg_zones = NULL;
}

/* ---- zone map records --------------------------------------------------- */

typedef enum { ZK_I64, ZK_U64, ZK_F64, ZK_I128, ZK_STR } zkind;

static zkind zkind_of(st_type t) {
    switch (seg_class(t)) {
    case SEG_CLS_STR: return ZK_STR;
    case SEG_CLS_I128: return ZK_I128;
    case SEG_CLS_FLOAT: return ZK_F64;
    default: return t.id == ST_T_UINT64 ? ZK_U64 : ZK_I64;
    }
}

static void zval_write(enc_buf *out, zkind k, const st_zval *z) {
    switch (k) {
    case ZK_I64: enc_u64(out, (uint64_t)z->v.i64); break;
    case ZK_U64: enc_u64(out, z->v.u64); break;
    case ZK_F64: enc_put(out, &z->v.f64, 8); break;
    case ZK_I128: enc_put(out, &z->v.i128, 16); break;
    case ZK_STR:
        enc_u8(out, z->slen);
        enc_put(out, z->s, z->slen);
        break;
    }
}

static bool zval_read(enc_rd *rd, zkind k, st_zval *z) {
    memset(z, 0, sizeof *z);
    switch (k) {
    case ZK_I64:
    case ZK_U64:
    case ZK_F64:
        if (!rd_has(rd, 8)) return false;
        memcpy(&z->v, rd->p + rd->pos, 8);
        rd->pos += 8;
        return true;
    case ZK_I128:
        if (!rd_has(rd, 16)) return false;
        memcpy(&z->v.i128, rd->p + rd->pos, 16);
        rd->pos += 16;
        return true;
    case ZK_STR: {
        uint8_t n;
        if (!rd_u8(rd, &n) || n > ST_ZONE_STR_MAX || !rd_has(rd, n)) return false;
        memcpy(z->s, rd->p + rd->pos, n);
        z->slen = n;
        rd->pos += n;
        return true;
    }
    }
    return false;
}

void seg_zonemap_write(enc_buf *out, const st_zonemap *zm) {
    uint8_t f = (uint8_t)((zm->has_min ? 1 : 0) | (zm->has_max ? 2 : 0) | (zm->min_exact ? 4 : 0) |
                          (zm->max_exact ? 8 : 0) | (zm->has_nan ? 16 : 0));
    enc_u8(out, f);
    enc_u64(out, zm->null_count);
    enc_u64(out, zm->distinct_est);
    zkind k = zkind_of(zm->type);
    if (zm->has_min) zval_write(out, k, &zm->min);
    if (zm->has_max) zval_write(out, k, &zm->max);
}

bool seg_zonemap_read(enc_rd *rd, st_type t, st_zonemap *zm, const char **why) {
    st_zonemap_init(zm, t);
    uint8_t f;
    if (!rd_u8(rd, &f) || !rd_u64(rd, &zm->null_count) || !rd_u64(rd, &zm->distinct_est)) {
        *why = "zone map truncated";
        return false;
    }
    if (f & 0xE0) {
        *why = "zone map has unknown flags";
        return false;
    }
    zm->has_min = f & 1;
    zm->has_max = (f >> 1) & 1;
    zm->min_exact = (f >> 2) & 1;
    zm->max_exact = (f >> 3) & 1;
    zm->has_nan = (f >> 4) & 1;
    zkind k = zkind_of(t);
    if ((zm->has_min && !zval_read(rd, k, &zm->min)) || (zm->has_max && !zval_read(rd, k, &zm->max))) {
        *why = "zone map bound truncated or too long";
        return false;
    }
    return true;
}

/* ---- footer writer ------------------------------------------------------ */

void seg_footer_write(enc_buf *out, const seg_footer_in *f) {
    const st_schema *sc = f->schema;
    uint32_t F = sc->nfields;
    enc_put(out, SEG_FOOTER_MAGIC, 4);
    enc_u32(out, 0);
    enc_put(out, f->id, ST_SEGMENT_ID_LEN);
    enc_u64(out, f->rows);
    enc_u32(out, F);
    enc_u32(out, f->nrg);
    enc_u32(out, f->rg_nominal);
    enc_u32(out, 0);
    for (uint32_t c = 0; c < F; c++) {
        const st_field *fd = &sc->fields[c];
        enc_u32(out, fd->id);
        enc_u8(out, fd->type.id);
        enc_u8(out, fd->type.precision);
        enc_u8(out, fd->type.scale);
        enc_u8(out, fd->nullable ? 1 : 0);
        uint16_t nl = (uint16_t)strlen(fd->name);
        enc_put(out, &nl, 2);
        enc_put(out, fd->name, nl);
    }
    for (uint32_t g = 0; g < f->nrg; g++) {
        enc_u32(out, f->rg_rows[g]);
        for (uint32_t c = 0; c < F; c++) {
            const seg_chunk *ch = &f->chunks[(size_t)g * F + c];
            enc_u64(out, ch->offset);
            enc_u32(out, ch->block_len);
            enc_u32(out, ch->raw_len);
            enc_u64(out, ch->data_bytes);
            enc_u8(out, ch->enc);
            enc_u8(out, ch->comp);
            uint16_t z = 0;
            enc_put(out, &z, 2);
            seg_zonemap_write(out, &f->rg_zm[(size_t)g * F + c]);
        }
    }
    for (uint32_t c = 0; c < F; c++) seg_zonemap_write(out, &f->zm[c]);
    enc_u32(out, 0); /* no extensions in v1 */
}

/* ---- footer parser ------------------------------------------------------ */

/* Upper bound of a non-string chunk's raw payload: validity + the largest
 * value encoding (i128 split into two DICT streams of RLE indices, about
 * 4 x 8 bytes a value, plus miniblock headers). */
static uint64_t raw_bound(uint32_t rows) { return 4096 + (uint64_t)rows * 48; }

#define FFAIL(at, ...) seg_fail(e, ST_ERR_CORRUPT, s->name, s->footer_off + (at), __VA_ARGS__)

st_status seg_footer_parse(st_segment *s, st_error *e) {
    enc_rd rd = {s->base + s->footer_off, (size_t)s->footer_len, 0};
    if (s->footer_len < SEG_FOOTER_FIXED) return FFAIL(0, "footer too short (%llu bytes)",
                                                       (unsigned long long)s->footer_len);
    const uint8_t *p = rd.p;
    if (memcmp(p, SEG_FOOTER_MAGIC, 4) != 0) return FFAIL(0, "bad footer magic");
    if (st_load_u32(p + 4) != 0) return FFAIL(4, "unknown footer flags");
    if (memcmp(p + 8, s->id, ST_SEGMENT_ID_LEN) != 0)
        return FFAIL(8, "footer belongs to another segment (id differs from the header's)");
    s->rows = st_load_u64(p + 24);
    uint32_t F = st_load_u32(p + 32), G = st_load_u32(p + 36);
    s->rg_nominal = st_load_u32(p + 40);
    if (st_load_u32(p + 44) != 0) return FFAIL(44, "reserved footer bytes are not zero");
    size_t body = (size_t)s->footer_len - SEG_FOOTER_FIXED;
    if (F == 0 || F > SEG_MAX_FIELDS || F > body / 10)
        return FFAIL(32, "impossible number of fields (%u)", F);
    if ((uint64_t)G > body / (4 + 45 * (uint64_t)F))
        return FFAIL(36, "impossible number of row groups (%u)", G);
    if (s->rg_nominal == 0 || s->rg_nominal > ST_SEGMENT_MAX_RG_ROWS)
        return FFAIL(40, "impossible row-group size (%u)", s->rg_nominal);
    if (s->rows > (uint64_t)G * ST_SEGMENT_MAX_RG_ROWS)
        return FFAIL(24, "row count %llu impossible for %u row groups",
                     (unsigned long long)s->rows, G);
    rd.pos = SEG_FOOTER_FIXED;

    s->schema = st_schema_new();
    if (!s->schema) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", s->name);
    char name[SEG_MAX_NAME + 1];
    for (uint32_t c = 0; c < F; c++) {
        size_t at = rd.pos;
        if (!rd_has(&rd, 10)) return FFAIL(at, "field %u truncated", c);
        uint32_t id = st_load_u32(rd.p + rd.pos);
        st_type t = {rd.p[rd.pos + 4], rd.p[rd.pos + 5], rd.p[rd.pos + 6]};
        uint8_t flags = rd.p[rd.pos + 7];
        uint16_t nl = st_load_u16(rd.p + rd.pos + 8);
        rd.pos += 10;
        if (id == 0) return FFAIL(at, "field %u has id 0", c);
        if (!seg_type_ok(t)) return FFAIL(at + 4, "field %u has an invalid type", c);
        if (flags & ~1u) return FFAIL(at + 7, "field %u has unknown flags", c);
        if (nl == 0 || nl > SEG_MAX_NAME || !rd_has(&rd, nl))
            return FFAIL(at + 8, "field %u has a bad name length (%u)", c, nl);
        memcpy(name, rd.p + rd.pos, nl);
        name[nl] = 0;
        size_t bad;
        if (!st_utf8_valid(name, nl, &bad) || memchr(name, 0, nl))
            return FFAIL(rd.pos + bad, "field %u name is not valid UTF-8", c);
        rd.pos += nl;
        st_error fe;
        if (st_schema_add(s->schema, name, t, id, flags & 1, &fe) != ST_OK)
            return FFAIL(at, "field %u: %s", c, fe.msg);
    }
    s->ncols = F;
    s->nrg = G;
    size_t nch = (size_t)G * F;
    s->rg_rows = calloc(G ? G : 1, sizeof *s->rg_rows);
    s->rg_first = calloc(G ? G : 1, sizeof *s->rg_first);
    s->chunks = calloc(nch ? nch : 1, sizeof *s->chunks);
    s->rg_zm = calloc(nch ? nch : 1, sizeof *s->rg_zm);
    s->zm = calloc(F, sizeof *s->zm);
    if (!s->rg_rows || !s->rg_first || !s->chunks || !s->rg_zm || !s->zm)
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory reading the footer", s->name);

    uint64_t expect_off = SEG_HEADER_SIZE, first = 0;
    for (uint32_t g = 0; g < G; g++) {
        size_t at = rd.pos;
        uint32_t rows;
        if (!rd_u32(&rd, &rows)) return FFAIL(at, "row group %u truncated", g);
        if (rows == 0 || rows > ST_SEGMENT_MAX_RG_ROWS)
            return FFAIL(at, "row group %u has an impossible row count (%u)", g, rows);
        s->rg_rows[g] = rows;
        s->rg_first[g] = first;
        first += rows;
        for (uint32_t c = 0; c < F; c++) {
            at = rd.pos;
            st_type t = s->schema->fields[c].type;
            seg_chunk *ch = &s->chunks[(size_t)g * F + c];
            if (!rd_has(&rd, 28)) return FFAIL(at, "chunk record (row group %u, column %u) truncated", g, c);
            const uint8_t *q = rd.p + rd.pos;
            ch->offset = st_load_u64(q);
            ch->block_len = st_load_u32(q + 8);
            ch->raw_len = st_load_u32(q + 12);
            ch->data_bytes = st_load_u64(q + 16);
            ch->enc = q[24];
            ch->comp = q[25];
            uint16_t resv = st_load_u16(q + 26);
            rd.pos += 28;
            if (ch->offset != expect_off)
                return FFAIL(at, "block of row group %u, column %u is not where the previous one "
                                 "ends (offset %llu, expected %llu)",
                             g, c, (unsigned long long)ch->offset, (unsigned long long)expect_off);
            if (ch->block_len < SEG_BLOCK_HEADER || ch->block_len > s->footer_off - expect_off)
                return FFAIL(at + 8, "block of row group %u, column %u has an impossible length (%u)",
                             g, c, ch->block_len);
            expect_off += ch->block_len;
            if (ch->enc >= ENC__COUNT || !(seg_allowed(t) & ENC_BIT(ch->enc)))
                return FFAIL(at + 24, "chunk (row group %u, column %u) has encoding %u, not "
                                      "valid for its type",
                             g, c, ch->enc);
            if (ch->comp > ST_COMP_ZSTD || resv)
                return FFAIL(at + 25, "chunk (row group %u, column %u) has unknown compression %u",
                             g, c, ch->comp);
            if (ch->comp == ST_COMP_NONE && ch->raw_len != ch->block_len - SEG_BLOCK_HEADER)
                return FFAIL(at + 12, "chunk (row group %u, column %u) raw length differs from "
                                      "its stored length without compression",
                             g, c);
            uint64_t bound = seg_class(t) == SEG_CLS_STR ? SEG_MAX_CHUNK_RAW : raw_bound(rows);
            if (ch->raw_len > bound)
                return FFAIL(at + 12, "chunk (row group %u, column %u) claims %u decoded bytes, "
                                      "more than %llu",
                             g, c, ch->raw_len, (unsigned long long)bound);
            st_zonemap *zm = &s->rg_zm[(size_t)g * F + c];
            const char *why = NULL;
            size_t zat = rd.pos;
            if (!seg_zonemap_read(&rd, t, zm, &why))
                return FFAIL(zat, "row group %u, column %u: %s", g, c, why);
            zm->rows = rows;
            if (zm->null_count > rows || zm->distinct_est > rows - zm->null_count)
                return FFAIL(zat, "row group %u, column %u: zone map counts are impossible", g, c);
            ch->nulls = (uint32_t)zm->null_count;
            if (seg_class(t) != SEG_CLS_STR &&
                ch->data_bytes != (uint64_t)(rows - ch->nulls) * st_type_width(t))
                return FFAIL(at + 16, "chunk (row group %u, column %u) data size is inconsistent",
                             g, c);
        }
    }
    if (expect_off != s->footer_off)
        return FFAIL(0, "blocks end at byte %llu but the footer starts at %llu",
                     (unsigned long long)expect_off, (unsigned long long)s->footer_off);
    if (first != s->rows)
        return FFAIL(24, "row groups hold %llu rows, the footer says %llu",
                     (unsigned long long)first, (unsigned long long)s->rows);
    for (uint32_t c = 0; c < F; c++) {
        size_t zat = rd.pos;
        const char *why = NULL;
        if (!seg_zonemap_read(&rd, s->schema->fields[c].type, &s->zm[c], &why))
            return FFAIL(zat, "segment zone map of column %u: %s", c, why);
        s->zm[c].rows = s->rows;
        if (s->zm[c].null_count > s->rows || s->zm[c].distinct_est > s->rows - s->zm[c].null_count)
            return FFAIL(zat, "segment zone map of column %u: counts are impossible", c);
    }
    size_t at = rd.pos;
    uint32_t nx;
    if (!rd_u32(&rd, &nx)) return FFAIL(at, "extension count missing");
    for (uint32_t x = 0; x < nx; x++) {
        at = rd.pos;
        if (!rd_has(&rd, 8)) return FFAIL(at, "extension %u truncated", x);
        uint16_t tag = st_load_u16(rd.p + rd.pos), fl = st_load_u16(rd.p + rd.pos + 2);
        uint32_t len = st_load_u32(rd.p + rd.pos + 4);
        rd.pos += 8;
        if (!rd_has(&rd, len)) return FFAIL(at, "extension %u runs past the footer", x);
        if (fl & SEG_EXT_CRITICAL)
            return seg_fail(e, ST_ERR_UNSUPPORTED, s->name, s->footer_off + at,
                            "footer extension %u is required to read this segment but unknown "
                            "to this version of Strata",
                            tag);
        rd.pos += len;
    }
    if (rd.pos != rd.len) return FFAIL(rd.pos, "%zu unexpected bytes at the end of the footer",
                                       rd.len - rd.pos);
    return ST_OK;
}

/* ---- test support ------------------------------------------------------- */

void seg_debug_rehash(uint8_t *p, size_t n) {
    if (n < SEG_HEADER_SIZE + SEG_TAIL_SIZE) return;
    st_store_u64(p + 32, st_checksum64(p, 32));
    size_t tail = n - SEG_TAIL_SIZE;
    uint64_t foff = st_load_u64(p + tail), flen = st_load_u64(p + tail + 8);
    size_t end = (foff >= SEG_HEADER_SIZE && foff <= tail) ? (size_t)foff : tail;
    size_t off = SEG_HEADER_SIZE;
    while (off + SEG_BLOCK_HEADER <= end) {
        uint64_t bl = SEG_BLOCK_HEADER + (uint64_t)st_load_u32(p + off + 32);
        if (bl > end - off) break;
        st_store_u64(p + off, st_checksum64(p + off + 8, (size_t)bl - 8));
        off += (size_t)bl;
    }
    if (foff <= tail && flen <= tail - foff)
        st_store_u64(p + tail + 16, st_checksum64(p + foff, (size_t)flen));
    st_store_u64(p + tail + 32, st_checksum64(p + tail, 32));
}
