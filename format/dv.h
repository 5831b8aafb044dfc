/*
 * dv.h: deletion vectors: which rows of one segment are deleted, as a
 * CRoaring bitmap of row ordinals in a small checksummed file of its own.
 *
 * Segments are immutable; a Silver upsert that replaces a row marks the old
 * row in its segment's deletion vector instead of rewriting the segment (the
 * Delta Lake design).  The commit log (spec/LOG.md) names, per live segment,
 * the deletion vector file in force, so every snapshot knows exactly which
 * rows it hides, and a newer DV (a new file, never an edit) replaces the
 * older one in the next version.  A row's ordinal is its position in the
 * segment: row r of row group g is st_segment_rowgroup_first_row(g) + r.
 *
 * File `data/<32 hex>.dv`, little-endian (spec/FORMAT.md section 8):
 *
 *   offset  size  field
 *   0       8     magic "STRATADV"
 *   8       4     format version (1)
 *   12      4     flags (0; any other value is refused)
 *   16      16    id of the segment the vector belongs to
 *   32      8     rows of that segment (every ordinal is below it, < 2^32)
 *   40      8     cardinality: deleted rows (>= 1)
 *   48      8     payload bytes P (<= ST_DV_MAX_PAYLOAD)
 *   56      P     the ordinals: CRoaring portable serialization
 *   56 + P  8     XXH3-64 (seed 0) of bytes [0, 56 + P)
 *
 * Decoding treats the bytes as hostile: sizes, magic, version, flags and the
 * checksum are checked first; then the roaring payload is validated by this
 * module, structure by structure (keys and values strictly increasing, runs
 * inside their container, cardinalities and offsets consistent, no byte left
 * over), before CRoaring deserializes it; then the cardinality and the
 * largest ordinal are checked against the header.  A damaged file gives
 * ST_ERR_CORRUPT naming it and the byte offset, never a crash.
 *
 * Ownership: an st_dv is owned by its creator; free with st_dv_free (NULL
 * accepted).  A finished st_dv is immutable and may be read from several
 * threads at once.
 */
#ifndef ST_DV_H
#define ST_DV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/status.h"

#define ST_DV_VERSION 1
#define ST_DV_HEADER_BYTES 56
#define ST_DV_MAX_PAYLOAD (256u << 20)

typedef struct st_dv st_dv;

st_dv *st_dv_new(void); /* empty; NULL on allocation failure */
void st_dv_free(st_dv *d);
st_dv *st_dv_clone(const st_dv *d);

/* Mark ordinals deleted (< 2^32). */
void st_dv_add(st_dv *d, uint32_t ordinal);
void st_dv_add_many(st_dv *d, const uint32_t *ordinals, size_t n);
/* d := d | other */
void st_dv_or(st_dv *d, const st_dv *other);
bool st_dv_contains(const st_dv *d, uint32_t ordinal);
uint64_t st_dv_cardinality(const st_dv *d);
/* Deleted rows among ordinals [first, first + n). */
uint64_t st_dv_count_range(const st_dv *d, uint64_t first, uint64_t n);
/* Largest ordinal (0 when empty). */
uint32_t st_dv_max(const st_dv *d);

/* The live rows of [first, first + n) as indices relative to first, in
 * ascending order, into sel (room for n); returns how many. */
uint32_t st_dv_select(const st_dv *d, uint64_t first, uint32_t n, uint32_t *sel);

/* Encode the file (header, payload, checksum) into out.  ST_ERR_INVALID for
 * an empty vector or an ordinal >= seg_rows; ST_ERR_LIMIT for a payload
 * over ST_DV_MAX_PAYLOAD or seg_rows >= 2^32. */
st_status st_dv_encode(const st_dv *d, const uint8_t seg_id[16], uint64_t seg_rows, st_sbuf *out,
                       st_error *e);

typedef struct st_dv_header {
    uint8_t seg_id[16];
    uint64_t seg_rows;
    uint64_t cardinality;
    uint64_t payload_bytes;
} st_dv_header;

/* Decode a whole file's bytes; `name` is used in messages.  hdr may be NULL;
 * out may be NULL (check only). */
st_status st_dv_decode(const void *buf, size_t len, const char *name, st_dv_header *hdr, st_dv **out,
                       st_error *e);

/* Read and decode a file, and check it belongs to segment seg_id (16 bytes)
 * of seg_rows rows with `cardinality` deleted rows (as the log says). */
st_status st_dv_read_file(const char *path, const uint8_t seg_id[16], uint64_t seg_rows,
                          uint64_t cardinality, st_dv **out, st_error *e);

#endif /* ST_DV_H */
