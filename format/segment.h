/*
 * segment.h: the Strata segment file, format v1: the immutable columnar file
 * every table layer (Bronze, Silver, Gold) stores its rows in.
 *
 * A segment holds the rows of one schema (fields with stable ids), cut into
 * row groups of at most `rowgroup_rows` rows (default 65,536).  Each (row
 * group, column) pair is one column chunk, stored as one checksummed block
 * whose encoding is chosen from the data (plain, dictionary, run-length,
 * frame-of-reference bit packing, delta), then compressed with zstd when
 * that pays.  The footer holds the schema, the row counts, and per row group
 * and column the zone map (min, max, null count, distinct estimate) and the
 * encoding; spec/FORMAT.md describes every byte.
 *
 * Why 65,536 rows per row group: big enough that per-chunk overhead (a
 * 48-byte block header, ~60 footer bytes, one zstd frame) is under 0.1% of
 * the data and bit-packing/dictionaries amortize; small enough that a zone
 * map prunes at a useful grain (about a day of a busy table's events when
 * data is time-ordered) and that one row group (what the writer buffers and
 * a reader decodes per call) stays a few MiB.  DuckDB uses 122,880 and
 * Parquet writers 64 Ki to 1 Mi.
 *
 * Guarantees:
 *  - Writing streams: the writer buffers one row group (plus encode
 *    scratch), writes each finished row group to the caller's st_wfile, and
 *    never seeks.  The caller publishes the file (put-if-absent) after
 *    st_segment_writer_finish.
 *  - Opening validates the magic numbers, the format version, the header,
 *    tail and footer checksums and the footer's structure (O(footer), no
 *    data block is read).  Every data block is checksummed again when it is
 *    read.  A truncated, damaged or foreign file gives ST_ERR_CORRUPT (or
 *    ST_ERR_FORMAT for a file that is not a segment, ST_ERR_UNSUPPORTED for
 *    a newer version) with "<file>: <what> at byte N": never a crash, a hang,
 *    wrong data, or an allocation sized by an unchecked field.
 *  - An open segment is immutable: any number of threads may call the
 *    getters and st_segment_read on it at once (each with its own vector).
 *  - Zero copy: string values read from a chunk point into the mapped file
 *    or into the decompressed chunk; the vector pins that buffer, so strings
 *    stay valid as long as the vector (not the segment) lives.
 *
 * Deletion vectors (added by the Silver issue) are not part of a segment:
 * they are separate checksummed roaring-bitmap files referenced from the
 * commit log, addressed by (segment id, row ordinal), so v1 segments stay
 * unchanged and v1 readers unaffected (spec/FORMAT.md section 8).
 */
#ifndef ST_SEGMENT_H
#define ST_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "format/io.h"
#include "format/mem.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/vector.h"
#include "format/zonemap.h"

#define ST_SEGMENT_VERSION 1
#define ST_SEGMENT_ID_LEN 16
#define ST_SEGMENT_DEFAULT_RG_ROWS 65536u
#define ST_SEGMENT_MAX_RG_ROWS (1u << 20)
/* Buffered string bytes after which a row group is cut early. */
#define ST_SEGMENT_DEFAULT_RG_BYTES (128u << 20)
/* Largest single VARCHAR/BLOB value a segment accepts. */
#define ST_SEGMENT_MAX_VALUE_BYTES (64u << 20)
#define ST_SEGMENT_DEFAULT_ZSTD_LEVEL 1

/* Column chunk encodings, as stored on disk. */
typedef enum st_seg_encoding {
    ST_ENC_PLAIN = 0,
    ST_ENC_DICT = 1,
    ST_ENC_RLE = 2,
    ST_ENC_FOR = 3,
    ST_ENC_DELTA = 4,
    ST_ENC__COUNT = 5
} st_seg_encoding;

typedef enum st_seg_compression { ST_COMP_NONE = 0, ST_COMP_ZSTD = 1 } st_seg_compression;

typedef enum st_seg_zstd_mode {
    ST_SEG_ZSTD_AUTO = 0,  /* compress a chunk when it saves enough */
    ST_SEG_ZSTD_NEVER = 1,
    ST_SEG_ZSTD_ALWAYS = 2 /* tests: compress every non-empty chunk */
} st_seg_zstd_mode;

/* Writer options; a zeroed struct (or NULL) means the defaults. */
typedef struct st_segment_options {
    uint32_t rowgroup_rows;    /* 0: ST_SEGMENT_DEFAULT_RG_ROWS; 1..ST_SEGMENT_MAX_RG_ROWS */
    uint64_t rowgroup_bytes;   /* 0: ST_SEGMENT_DEFAULT_RG_BYTES */
    int zstd_level;            /* 0: ST_SEGMENT_DEFAULT_ZSTD_LEVEL; 1..19 */
    st_seg_zstd_mode zstd_mode;
    /* Encodings the writer may choose, as a mask of (1u << st_seg_encoding);
     * 0: all.  Where none of them applies to a column's type (or to its
     * data, e.g. DELTA for strings) the chunk is PLAIN.  Forcing a single
     * encoding is for tests. */
    uint32_t encodings;
    /* 16 bytes to use as the segment id; NULL: random.  The id ties every
     * block to its file (a block pasted from another segment fails). */
    const uint8_t *segment_id;
} st_segment_options;

/* What a finished segment holds: returned by the writer so that the commit
 * log can store segment-level zone maps without reopening the file. */
typedef struct st_segment_info {
    uint8_t id[ST_SEGMENT_ID_LEN];
    uint64_t rows;
    uint64_t file_size;
    uint32_t ncols;
    uint32_t nrowgroups;
    uint32_t *rg_rows;     /* [nrowgroups] */
    st_zonemap *zones;     /* [ncols]: whole segment, distinct_est filled */
    st_zonemap *rg_zones;  /* [nrowgroups * ncols]: row group g, column c at [g * ncols + c] */
} st_segment_info;

/* Free the arrays of an info (not the struct itself); NULL accepted. */
void st_segment_info_free(st_segment_info *info);

/* ---- writing ------------------------------------------------------------ */

typedef struct st_segment_writer st_segment_writer;

/* Start a segment for `schema` (copied; every field needs an id >= 1) on
 * `out`, which must be empty (offset 0) and stays owned by the caller.  The
 * file header is written at once. */
st_status st_segment_writer_new(const st_schema *schema, st_wfile *out,
                                const st_segment_options *opt, st_segment_writer **w,
                                st_error *e);

/* Append the live rows of b (its selection vector is honoured).  b's columns
 * are the schema's fields in order, with the same types.  Refused with
 * ST_ERR_INVALID (the writer stays usable, nothing of b is kept): a VARCHAR
 * value that is not valid UTF-8, a DECIMAL out of its precision, a BOOLEAN
 * other than 0/1, a NULL in a non-nullable field; ST_ERR_LIMIT: a value over
 * ST_SEGMENT_MAX_VALUE_BYTES.  I/O errors are sticky. */
st_status st_segment_writer_add(st_segment_writer *w, const st_batch *b, st_error *e);

/* Write the last row group, the footer and the tail.  Fills *info when
 * non-NULL (free it with st_segment_info_free).  Does not sync or publish
 * `out`.  The writer accepts nothing afterwards. */
st_status st_segment_writer_finish(st_segment_writer *w, st_segment_info *info, st_error *e);

/* NULL accepted.  Does not touch `out`. */
void st_segment_writer_free(st_segment_writer *w);

/* ---- reading ------------------------------------------------------------ */

typedef struct st_segment st_segment;

/* Map and validate a segment file.  Errors name the path. */
st_status st_segment_open(const char *path, st_segment **out, st_error *e);
/* The same over bytes already in memory (takes its own reference to buf).
 * Nothing past st_buf_len(buf) is read.  `name` is used in errors. */
st_status st_segment_open_buf(st_buf *buf, const char *name, st_segment **out, st_error *e);
void st_segment_close(st_segment *s); /* NULL accepted */

const char *st_segment_name(const st_segment *s);
const st_schema *st_segment_schema(const st_segment *s);
const uint8_t *st_segment_id(const st_segment *s); /* ST_SEGMENT_ID_LEN bytes */
uint64_t st_segment_rows(const st_segment *s);
uint64_t st_segment_file_size(const st_segment *s);
uint32_t st_segment_nrowgroups(const st_segment *s);
uint32_t st_segment_rowgroup_rows(const st_segment *s, uint32_t rg);
/* Row ordinal of the row group's first row within the segment. */
uint64_t st_segment_rowgroup_first_row(const st_segment *s, uint32_t rg);
/* Column index of the field with this id, or -1 when the segment lacks it
 * (the caller then reads the field as NULL). */
int st_segment_column_by_id(const st_segment *s, uint32_t field_id);
/* Zone map of a column over the whole segment / over one row group.  Valid
 * until close. */
const st_zonemap *st_segment_zonemap(const st_segment *s, uint32_t col);
const st_zonemap *st_segment_rowgroup_zonemap(const st_segment *s, uint32_t rg, uint32_t col);

typedef struct st_segment_chunk {
    uint64_t offset;      /* of the block in the file */
    uint32_t block_bytes; /* header + stored payload */
    uint32_t raw_bytes;   /* payload after zstd (the encoded values) */
    uint64_t data_bytes;  /* decoded size: width x non-NULL values; strings: their bytes */
    uint32_t null_count;
    uint8_t encoding;     /* st_seg_encoding */
    uint8_t compression;  /* st_seg_compression */
} st_segment_chunk;
void st_segment_chunk_info(const st_segment *s, uint32_t rg, uint32_t col, st_segment_chunk *out);

typedef struct st_segment_layout {
    uint32_t header_bytes;
    uint64_t footer_offset;
    uint64_t footer_bytes;
    uint32_t tail_bytes;
    uint32_t rowgroup_rows; /* the writer's nominal row-group size */
} st_segment_layout;
void st_segment_layout_info(const st_segment *s, st_segment_layout *out);

/* Decode column `col` of row group `rg` into out (which must have the
 * column's type): out is reset and receives every row, NULLs included.
 * Checks the block's checksum and every field; decodes nothing else. */
st_status st_segment_read(const st_segment *s, uint32_t rg, uint32_t col, st_vector *out,
                          st_error *e);

/* Check everything: every block's checksum, every decoded chunk against its
 * zone map, row and null counts and decoded size, UTF-8 of VARCHAR, the
 * segment zone maps against the row groups'.  The first problem is
 * returned, naming the byte offset of the damaged block. */
st_status st_segment_verify(const st_segment *s, st_error *e);

const char *st_segment_encoding_name(int encoding);   /* "plain", "dict", ... */
const char *st_segment_compression_name(int compression); /* "none", "zstd" */

#endif /* ST_SEGMENT_H */
