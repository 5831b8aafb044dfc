/*
 * ndjson.h: the NDJSON reader (whole inputs and byte streams) and writer.
 *
 * Input: one JSON value per line (LF ends a record; a CR before it is JSON
 * whitespace); every record must be an object.  Blank lines are skipped.
 * A UTF-8 BOM is skipped.  JSON is checked strictly (RFC 8259): a record
 * with a syntax error, invalid UTF-8, a raw control character or \u0000 in
 * a string, a lone surrogate (\ud800 without its pair), a key given twice,
 * nesting deeper than max_depth, or more bytes than max_record is bad: it
 * goes to the caller (textio.h) with its line, byte offset and reasons.
 *
 * Columns.  Nested objects are flattened to dotted names ({"device":{"os":
 * "ios"}} -> device.os); arrays are kept as their JSON text (VARCHAR); an
 * empty object yields no column, nor does a key that only ever holds null
 * where the same name is an object elsewhere ("device":null beside
 * device.os); a key the schema lacks whose value is null is ignored (it
 * carries nothing).  Names match case-insensitively (schema.h),
 * so "Price" and "price" are one column (both in one record: a duplicate).
 * Without a fixed schema the columns are the union of the keys, in order of
 * first appearance, and the types are inferred over the whole input (or the
 * first sample_rows records) with the rules of csv.h, on the JSON kinds:
 * numbers -> BIGINT / DOUBLE (at most 15 significant digits) / DECIMAL
 * (exact; integers beyond INT64 -> DECIMAL(38,0); never through a double),
 * booleans -> BOOLEAN, strings -> DATE / TIMESTAMP / TIMESTAMP_NS when every
 * one has that shape, else VARCHAR; a key holding different kinds ->
 * VARCHAR (numbers keep their JSON text, booleans print true/false).  A
 * number that no type holds exactly (more than 38 digits) keeps its text in
 * a VARCHAR column.
 *
 * Fixed schema: values are converted to the field's type (strings are parsed
 * as the type, so "12" fits an INT column); a value that does not fit, or a
 * null or missing key for a NOT NULL field, makes the record bad, the reason
 * naming the column.  Keys the schema lacks follow
 * `unknown` (textio.h): REJECT makes the record bad (each reason names the
 * key), IGNORE drops them, EVOLVE appends nullable columns (whole inputs: all
 * keys of the input, typed by inference; streams: when a record brings one,
 * typed on the records pending at that moment; chunks then carry a higher
 * schema_version, and a chunk's columns are the first batch->ncols fields of
 * the reader's schema).
 *
 * Recognition: a whole input (and the start of a stream) is refused with
 * ST_ERR_FORMAT, naming it, when its first 64 KiB are binary or when its
 * first non-blank line is not a JSON object.
 *
 * Whole inputs are cut at line ends into chunks parsed on `threads` threads;
 * results never depend on the thread count.  Unescaped strings point into
 * the mapped file (the batch pins it).
 */
#ifndef ST_NDJSON_H
#define ST_NDJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/textio.h"

#define ST_NDJSON_MAX_DEPTH_DEFAULT 64

typedef struct st_ndjson_options {
    uint64_t sample_rows;    /* 0 = infer over the whole input */
    const st_schema *schema; /* fixed schema (copied); NULL = infer */
    st_text_unknown unknown; /* keys the schema lacks (also keys first seen after
                                a stream's types were decided) */
    uint32_t max_depth;      /* object/array nesting; 0 = 64 (at most 1000) */
    size_t max_record;       /* bytes per line; 0 = ST_TEXT_MAX_RECORD_DEFAULT */
    uint32_t batch_rows;     /* 0 = ST_TEXT_BATCH_ROWS_DEFAULT */
    uint32_t threads;        /* 0 = all online CPUs */
    bool strict;             /* the first bad record fails the read */
    const char *source;      /* name in messages; NULL = the path or "<input>" */
    st_text_bad_fn on_bad;
    void *bad_ctx;
} st_ndjson_options;

void st_ndjson_options_init(st_ndjson_options *o);

/* ---- whole inputs --------------------------------------------------------- */

typedef struct st_ndjson_reader st_ndjson_reader;

/* Map the file and prepare (recognition, inference pass).  Errors name the
 * path: ST_ERR_NOT_FOUND, ST_ERR_IO, ST_ERR_FORMAT, ST_ERR_INVALID. */
st_status st_ndjson_open_file(const char *path, const st_ndjson_options *o,
                              st_ndjson_reader **out, st_error *e);
/* The same over bytes in memory; takes a reference on data. */
st_status st_ndjson_open_buf(st_buf *data, const st_ndjson_options *o, st_ndjson_reader **out,
                             st_error *e);
const st_schema *st_ndjson_schema(const st_ndjson_reader *r);
/* Next chunk (out->batch NULL at the end); bad records go to on_bad first. */
st_status st_ndjson_next(st_ndjson_reader *r, st_text_chunk *out, st_error *e);
void st_ndjson_stats(const st_ndjson_reader *r, st_text_stats *out);
void st_ndjson_close(st_ndjson_reader *r); /* NULL accepted */

/* ---- streams ---------------------------------------------------------------- */

/* Push parser: feed bytes, take chunks; the partial last line is kept.
 * Types are decided on the first 64 KiB (or sample_rows records, or at
 * flush/finish) unless the schema is fixed. */
typedef struct st_ndjson_push st_ndjson_push;

st_status st_ndjson_push_new(const st_ndjson_options *o, st_ndjson_push **out, st_error *e);
st_status st_ndjson_push_feed(st_ndjson_push *p, const void *data, size_t n, st_error *e);
st_status st_ndjson_push_flush(st_ndjson_push *p, st_error *e);
st_status st_ndjson_push_finish(st_ndjson_push *p, st_error *e);
st_status st_ndjson_push_take(st_ndjson_push *p, bool partial, st_text_chunk *out, st_error *e);
/* NULL until decided; grows (append-only) under EVOLVE. */
const st_schema *st_ndjson_push_schema(const st_ndjson_push *p);
void st_ndjson_push_stats(const st_ndjson_push *p, st_text_stats *out);
void st_ndjson_push_free(st_ndjson_push *p); /* NULL accepted */

/* ---- writer ------------------------------------------------------------------ */

typedef struct st_ndjson_write_options {
    bool nest;       /* re-nest dotted names into objects (device.os -> {"device":{"os":..}}) */
    bool skip_nulls; /* omit keys whose value is NULL (default: "k":null) */
} st_ndjson_write_options;

typedef struct st_ndjson_writer st_ndjson_writer;

/* One object per row, keys in schema order, values as format/valtext.h
 * prints JSON (exact numbers; dates, timestamps, NaN/Inf as strings).
 * VARCHAR columns print as JSON strings, so an array read as text comes
 * back as a string.  Sticky errors. */
st_status st_ndjson_writer_new(st_text_sink sink, const st_schema *s,
                               const st_ndjson_write_options *o, st_ndjson_writer **out,
                               st_error *e);
st_status st_ndjson_write_batch(st_ndjson_writer *w, const st_batch *b, st_error *e);
st_status st_ndjson_writer_finish(st_ndjson_writer *w, st_error *e);
uint64_t st_ndjson_writer_rows(const st_ndjson_writer *w);
void st_ndjson_writer_free(st_ndjson_writer *w); /* NULL accepted */

#endif /* ST_NDJSON_H */
