/*
 * parquet.h: read and write Apache Parquet files (flat schemas).
 *
 * Reader
 * ------
 * st_pq_open maps a file, validates its footer and every column chunk's byte
 * range, and maps the schema to Strata types:
 *
 *   BOOLEAN                          BOOLEAN
 *   INT32                            INT32; INT(8/16,signed) INT8/INT16;
 *                                    UINT8 -> INT16, UINT16 -> INT32,
 *                                    UINT32 -> INT64; DATE; DECIMAL
 *   INT64                            INT64; UINT64; DECIMAL;
 *                                    TIMESTAMP(ms, us) -> TIMESTAMP (µs);
 *                                    TIMESTAMP(ns) -> TIMESTAMP_NS
 *   INT96                            TIMESTAMP (µs; Julian day + nanos)
 *   FLOAT / DOUBLE                   FLOAT / DOUBLE
 *   BYTE_ARRAY                       VARCHAR for STRING/UTF8, ENUM, JSON
 *                                    (validated UTF-8); DECIMAL; else BLOB
 *   FIXED_LEN_BYTE_ARRAY             DECIMAL; FLOAT16 -> FLOAT;
 *                                    UUID -> VARCHAR (8-4-4-4-12); else BLOB
 *   TIME (any unit)                  VARCHAR "HH:MM:SS[.ffffff]" (Strata has
 *                                    no TIME type; the text is DuckDB's)
 *
 * LogicalType wins over ConvertedType; timestamps are read as UTC whatever
 * isAdjustedToUTC says (Strata's timestamps are UTC instants).  Column names
 * are the leaf names; field ids are 1..n in file order.  REPEATED leaves and
 * nested groups are refused with an error naming the column; so are
 * encrypted files and chunks stored in other files.
 *
 * Reading is by (row group, row range, columns), or streaming through a
 * cursor that reads a row group in batches.  The reader is immutable after
 * open: any number of threads may read different (or the same) row groups
 * at once.  Strings are zero-copy where possible (values point into
 * the mapped file or into decompressed pages, which the output vector pins).
 *
 * Zone maps: st_pq_rg_zonemaps gives one per column per row group, built
 * only from statistics that are trustworthy (interop.md §3): min_value /
 * max_value, or the deprecated min/max only for signed-order columns (or
 * when min == max); never INT96 or NaN bounds.  A row group without a null
 * count for some nullable column gets NULL (never prune on it).
 *
 * Bad input: every size, offset and count from the file is checked against
 * the file and sane caps before use; errors (ST_ERR_CORRUPT, ST_ERR_FORMAT,
 * ST_ERR_UNSUPPORTED) name the file, and the byte offset, row group and
 * column where it applies.  Page CRCs are checked when present.
 *
 * Writer
 * ------
 * st_pq_writer_open writes "PAR1", then row groups as batches arrive, and
 * st_pq_writer_finish the footer.  The output follows interop.md §2.3 (the
 * profile DuckDB, Spark, pyarrow, Snowflake and Trino all read): v1 data
 * pages; RLE_DICTIONARY with a PLAIN dictionary page, or PLAIN when a
 * dictionary does not pay (chosen per chunk); RLE definition levels; one
 * compressed frame per page; LogicalType and ConvertedType on every column;
 * chunk statistics (min_value/max_value, null_count; deprecated min/max for
 * signed-order columns) with column_orders; created_by "strata version X
 * (build Y)".  Type mapping:
 *
 *   BOOLEAN BOOLEAN · INT8/16/32 INT32+INTEGER(bw,true) · INT64 INT64 ·
 *   UINT64 INT64+INTEGER(64,false) · FLOAT FLOAT · DOUBLE DOUBLE ·
 *   DECIMAL INT32 (p<=9) / INT64 (p<=18) / FIXED_LEN_BYTE_ARRAY (minimal
 *   width) + DECIMAL · VARCHAR BYTE_ARRAY+STRING · BLOB BYTE_ARRAY ·
 *   DATE INT32+DATE · TIMESTAMP INT64+TIMESTAMP(UTC, MICROS) ·
 *   TIMESTAMP_NS INT64+TIMESTAMP(NANOS) (not flagged UTC: DuckDB would read a
 *   UTC-flagged one as microseconds)
 *
 * Nullable fields are OPTIONAL, the others REQUIRED (a NULL in a REQUIRED
 * column is an error).  Row groups are encoded column-parallel on
 * opts.threads threads; memory is bounded by one row group's data.
 */
#ifndef ST_PARQUET_H
#define ST_PARQUET_H

#include <stdbool.h>
#include <stdint.h>

#include "format/io.h"
#include "format/mem.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/vector.h"
#include "format/zonemap.h"

/* ---- reader ------------------------------------------------------------- */

typedef struct st_pq_reader st_pq_reader;

/* Open and validate a Parquet file.  *out is freed with st_pq_close. */
st_status st_pq_open(const char *path, st_pq_reader **out, st_error *e);
/* Same over bytes in memory (takes its own reference to data); name is used
 * in messages. */
st_status st_pq_open_buf(st_buf *data, const char *name, st_pq_reader **out, st_error *e);
void st_pq_close(st_pq_reader *r); /* NULL accepted */

/* The file's columns as Strata fields (owned by the reader). */
const st_schema *st_pq_schema(const st_pq_reader *r);
const char *st_pq_name(const st_pq_reader *r);
const char *st_pq_created_by(const st_pq_reader *r); /* "" when absent */
uint64_t st_pq_num_rows(const st_pq_reader *r);
uint64_t st_pq_file_size(const st_pq_reader *r);
uint32_t st_pq_num_row_groups(const st_pq_reader *r);
uint64_t st_pq_rg_rows(const st_pq_reader *r, uint32_t rg);
/* Compressed bytes of the given columns in a row group (all when cols is NULL). */
uint64_t st_pq_rg_bytes(const st_pq_reader *r, uint32_t rg, const uint32_t *cols, uint32_t ncols);
/* nfields zone maps of row group rg, or NULL when the statistics cannot be
 * trusted for pruning.  Valid until st_pq_close. */
const st_zonemap *st_pq_rg_zonemaps(const st_pq_reader *r, uint32_t rg);

/* Read rows [row_off, row_off + nrows) of column col in row group rg into
 * out (whose type must be the column's schema type).  out is reset first and
 * holds exactly nrows rows afterwards. */
st_status st_pq_read_column(const st_pq_reader *r, uint32_t rg, uint32_t col, uint64_t row_off,
                            uint32_t nrows, st_vector *out, st_error *e);
/* Read those rows of several columns into out->cols[0..ncols) (cols NULL =
 * all columns in order; out must have ncols vectors of the columns' types).
 * Sets out->len = nrows and no selection. */
st_status st_pq_read(const st_pq_reader *r, uint32_t rg, uint64_t row_off, uint32_t nrows,
                     const uint32_t *cols, uint32_t ncols, st_batch *out, st_error *e);

/* Streaming: a cursor reads a row group's columns in successive batches
 * of at most max_rows rows (keeping each column's page and dictionary state
 * between calls), so memory follows the batch size, not the row group's.
 * cols NULL = all columns; out must have those columns' types in order.
 * At the end of the row group st_pq_cursor_read returns 0 rows.  A cursor is
 * used by one thread at a time; the reader must outlive it. */
typedef struct st_pq_cursor st_pq_cursor;
st_status st_pq_cursor_open(const st_pq_reader *r, uint32_t rg, const uint32_t *cols, uint32_t ncols,
                            st_pq_cursor **out, st_error *e);
st_status st_pq_cursor_read(st_pq_cursor *c, uint32_t max_rows, st_batch *out, st_error *e);
void st_pq_cursor_close(st_pq_cursor *c); /* NULL accepted */

/* ---- writer ------------------------------------------------------------- */

typedef enum st_pq_codec {
    ST_PQ_WRITE_NONE = 0,
    ST_PQ_WRITE_SNAPPY = 1,
    ST_PQ_WRITE_GZIP = 2,
    ST_PQ_WRITE_ZSTD = 6
} st_pq_codec;

typedef struct st_pq_write_opts {
    st_pq_codec codec;        /* default ZSTD */
    int level;                /* codec level; 0 = codec default (zstd 3, gzip 6) */
    bool dictionary;          /* try dictionary encoding (default true) */
    uint32_t row_group_rows;  /* max rows per row group (default 245760) */
    uint64_t row_group_bytes; /* max buffered bytes per row group (default 128 MiB) */
    uint32_t page_bytes;      /* target uncompressed page size (default 1 MiB) */
    uint32_t page_rows;       /* max values per page; 0 = by codec (zstd/gzip 30000, else bytes only) */
    uint32_t dict_max_bytes;  /* a dictionary above this falls back to PLAIN (1 MiB) */
    uint32_t threads;         /* encoding threads; 0 = all cores */
    const char *created_by;   /* NULL = "strata version X (build Y)" */
} st_pq_write_opts;

void st_pq_write_opts_init(st_pq_write_opts *o);
/* Parse "zstd", "snappy", "gzip", "none"/"uncompressed" (case-insensitive). */
st_status st_pq_codec_parse(const char *s, st_pq_codec *out, st_error *e);

typedef struct st_pq_writer st_pq_writer;

/* Start a Parquet file on f (the caller owns f and publishes it after
 * st_pq_writer_finish).  The schema is copied; opts NULL = defaults. */
st_status st_pq_writer_open(st_wfile *f, const st_schema *schema, const st_pq_write_opts *opts,
                            st_pq_writer **out, st_error *e);
/* Append the live rows of b (honours b->sel); b's columns are in schema
 * order with the schema's types.  Sticky error. */
st_status st_pq_writer_write(st_pq_writer *w, const st_batch *b, st_error *e);
/* Flush the last row group and write the footer. */
st_status st_pq_writer_finish(st_pq_writer *w, st_error *e);
/* Rows written so far. */
uint64_t st_pq_writer_rows(const st_pq_writer *w);
void st_pq_writer_free(st_pq_writer *w); /* NULL accepted */

/* Convenience: write a whole file at path (temp file + publish, replacing),
 * rows pulled from next() until it sets *batch to NULL. */
typedef st_status (*st_pq_next_fn)(void *ctx, const st_batch **batch, st_error *e);
st_status st_pq_write_file(const char *path, const st_schema *schema, const st_pq_write_opts *opts,
                           st_pq_next_fn next, void *ctx, uint64_t *rows_out, st_error *e);

#endif /* ST_PARQUET_H */
