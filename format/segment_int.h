/*
 * segment_int.h: private to format/: the segment file's byte layout
 * (constants and offsets, drawn once here and in spec/FORMAT.md), the open
 * segment's in-memory state, and what segment_write.c, segment_read.c,
 * segment_footer.c and segment_verify.c share.
 *
 *   file    = header | block* | footer | tail
 *
 *   header (SEG_HEADER_SIZE = 40 bytes, at offset 0)
 *     +0   8  magic 89 53 54 52 53 45 47 0A  ("\x89STRSEG\n")
 *     +8   2  format version (1)
 *     +10  2  flags (0; a v1 reader refuses other values)
 *     +12  4  reserved (0)
 *     +16 16  segment id (random; ties blocks and footer to this file)
 *     +32  8  XXH3-64 of bytes 0..31
 *
 *   block (one column chunk; SEG_BLOCK_HEADER = 48 bytes + payload)
 *     +0   8  XXH3-64 of bytes 8 .. block end (header rest + payload)
 *     +8   8  segment id bytes 0..7
 *     +16  4  row group index
 *     +20  4  column index
 *     +24  4  rows
 *     +28  4  null count
 *     +32  4  stored payload length (block length - 48)
 *     +36  4  raw payload length (after zstd; = stored when not compressed)
 *     +40  1  block kind (1 = column chunk)
 *     +41  1  encoding (st_seg_encoding)
 *     +42  1  compression (0 none, 1 zstd frame)
 *     +43  1  flags: bit 0 = validity bitmap present; other bits 0
 *     +44  4  reserved (0)
 *     +48     payload
 *   raw payload = [validity: ceil(rows/8) bytes, bit i = row i not NULL,
 *                  present iff 0 < nulls < rows; bits past rows are 0]
 *                 [values: the rows - nulls non-NULL values, encoded]
 *
 *   tail (SEG_TAIL_SIZE = 48 bytes, ends the file)
 *     +0   8  footer offset
 *     +8   8  footer length
 *     +16  8  XXH3-64 of the footer bytes
 *     +24  2  format version (1)
 *     +26  2  flags (0)
 *     +28  4  reserved (0)
 *     +32  8  XXH3-64 of tail bytes 0..31
 *     +40  8  magic (as in the header)
 *
 * Blocks are laid out back to back from offset 40 in (row group, column)
 * order and the footer follows the last one, so every byte of a valid file
 * is covered by exactly one checksum: a flip anywhere is detected.
 */
#ifndef ST_SEGMENT_INT_H
#define ST_SEGMENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/enc_int.h"
#include "format/segment.h"

#define SEG_MAGIC "\x89STRSEG\n"
#define SEG_MAGIC_LEN 8
#define SEG_HEADER_SIZE 40
#define SEG_TAIL_SIZE 48
#define SEG_BLOCK_HEADER 48
#define SEG_BLOCK_KIND_CHUNK 1
#define SEG_BLOCK_HAS_VALIDITY 1
#define SEG_FOOTER_MAGIC "STFT"
#define SEG_FOOTER_FIXED 48

#define SEG_MAX_FIELDS 32767u
#define SEG_MAX_NAME 1024u
/* cap on a chunk's decoded payload: what a reader may be asked to allocate */
#define SEG_MAX_CHUNK_RAW (1u << 30)
/* footer extension flag: a reader that does not know the tag must refuse */
#define SEG_EXT_CRITICAL 1

/* Physical class of a type: decides the value encodings. */
typedef enum seg_cls {
    SEG_CLS_INT,   /* integers, BOOLEAN, DATE, TIMESTAMP(_NS), DECIMAL(p<=18) */
    SEG_CLS_FLOAT, /* FLOAT, DOUBLE: encoded as their bit patterns */
    SEG_CLS_I128,  /* DECIMAL(p>18) */
    SEG_CLS_STR    /* VARCHAR, BLOB */
} seg_cls;

static inline seg_cls seg_class(st_type t) {
    switch ((st_type_id)t.id) {
    case ST_T_FLOAT:
    case ST_T_DOUBLE: return SEG_CLS_FLOAT;
    case ST_T_VARCHAR:
    case ST_T_BLOB: return SEG_CLS_STR;
    case ST_T_DECIMAL: return t.precision > ST_DECIMAL_SMALL_MAX ? SEG_CLS_I128 : SEG_CLS_INT;
    default: return SEG_CLS_INT;
    }
}

/* Encodings a chunk of type t may use. */
static inline unsigned seg_allowed(st_type t) {
    if (seg_class(t) == SEG_CLS_STR)
        return ENC_BIT(ENC_PLAIN) | ENC_BIT(ENC_DICT) | ENC_BIT(ENC_RLE);
    return ENC_BIT(ENC_PLAIN) | ENC_BIT(ENC_DICT) | ENC_BIT(ENC_RLE) | ENC_BIT(ENC_FOR) |
           ENC_BIT(ENC_DELTA);
}

/* Types a segment may store: every valid type but NULL. */
static inline bool seg_type_ok(st_type t) { return st_type_valid(t) && t.id != ST_T_NULL; }

/* |x| < 10^p for DECIMAL(p, s) */
bool seg_decimal_fits(st_i128 x, int precision);

typedef struct seg_chunk {
    uint64_t offset;
    uint32_t block_len;
    uint32_t raw_len;
    uint64_t data_bytes;
    uint32_t nulls;
    uint8_t enc;
    uint8_t comp;
} seg_chunk;

struct st_segment {
    char *name;
    st_buf *buf;
    const uint8_t *base;
    uint64_t size;
    uint8_t id[ST_SEGMENT_ID_LEN];
    st_schema *schema;
    uint32_t ncols;
    uint32_t nrg;
    uint32_t rg_nominal;
    uint64_t rows;
    uint64_t footer_off, footer_len;
    uint32_t *rg_rows;    /* nrg */
    uint64_t *rg_first;   /* nrg */
    seg_chunk *chunks;    /* nrg * ncols */
    st_zonemap *rg_zm;    /* nrg * ncols */
    st_zonemap *zm;       /* ncols */
};

/* "<name>: <msg> at byte <off>" as ST_ERR_CORRUPT (or code). */
st_status seg_fail(st_error *e, st_status code, const char *name, uint64_t off, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* ---- footer (segment_footer.c) ----------------------------------------- */

/* What the writer hands to the footer encoder. */
typedef struct seg_footer_in {
    const uint8_t *id;
    const st_schema *schema;
    uint64_t rows;
    uint32_t nrg;
    uint32_t rg_nominal;
    const uint32_t *rg_rows;
    const seg_chunk *chunks;  /* nrg * ncols */
    const st_zonemap *rg_zm;  /* nrg * ncols */
    const st_zonemap *zm;     /* ncols */
} seg_footer_in;

void seg_footer_write(enc_buf *out, const seg_footer_in *f);
/* Parse and check the footer of s (s->base, s->footer_off/len and s->id
 * set); fills the rest of s. */
st_status seg_footer_parse(st_segment *s, st_error *e);

/* Zone map record: serialize / parse (rows is set by the caller). */
void seg_zonemap_write(enc_buf *out, const st_zonemap *zm);
bool seg_zonemap_read(enc_rd *rd, st_type t, st_zonemap *zm, const char **why);

/* ---- test support ------------------------------------------------------- */

/* Recompute every checksum of a segment image in place (header, the blocks
 * found by walking their stored lengths, footer, tail), as far as the
 * structure allows.  Lets fuzz targets reach the decoders behind the
 * checksums.  Never used on real files. */
void seg_debug_rehash(uint8_t *p, size_t n);

#endif /* ST_SEGMENT_INT_H */
