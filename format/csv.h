/*
 * csv.h: the CSV reader (whole inputs and byte streams) and the CSV writer.
 *
 * Grammar (RFC 4180 plus what real files need):
 *  - Fields are separated by the delimiter; records end with LF, CRLF or a
 *    lone CR, mixed freely in one file.  A UTF-8 BOM is skipped.
 *  - A field that starts with the quote character is quoted: it runs to the
 *    next quote not doubled ("" is one quote; with an escape character set,
 *    \" is one quote and \\ one backslash) and may hold delimiters and line
 *    breaks.  A quote inside an unquoted field is data (27" TV).  Bytes after
 *    a closing quote other than a delimiter or a line end make the record bad.
 *  - Unquoted empty field = NULL, quoted empty field ("") = empty string
 *    (null_str and quoted_null change this).
 *  - Blank lines are skipped, except in a one-column file, where a blank line
 *    is a NULL row.
 *  - A record whose field count differs from the column count is bad
 *    ("ragged"), unless pad_short pads a short one with NULLs.
 *  - A quoted field still open at the end of the input, or a record that
 *    grows beyond max_record while a quoted field is open, is cut at the
 *    first line end after its opening quote and reported bad; reading goes on
 *    after that line (one stray quote costs one line, not the rest of the
 *    file).  Any other record longer than max_record ends at the first line
 *    end after its max_record-th byte and is reported bad with its first
 *    ST_TEXT_BAD_PREFIX bytes and its length.
 *  - NUL bytes and invalid UTF-8 make a record bad (except in BLOB columns of
 *    a fixed schema).
 *
 * Recognition.  A whole input is refused with ST_ERR_FORMAT (naming it) when
 * its first 64 KiB are not delimited text: binary or not UTF-8 (NUL and other
 * control bytes, invalid UTF-8 or a UTF-16 BOM), or no delimiter among , ; TAB
 * | that splits the records consistently.  An empty input is a table with no
 * columns and no rows (or the fixed schema and no rows).
 *
 * Types.  Without a fixed schema the column types are inferred: over the
 * whole input (sample_rows == 0, the default: nothing is ever lost, a column
 * whose 30,001st value is "n/a" is VARCHAR), or over the first sample_rows
 * records (then a later value that does not fit its column makes its record
 * bad, reported to the caller: still nothing lost).  Inference picks, per
 * column: BOOLEAN (true/false), BIGINT, DOUBLE for numbers with a fraction or
 * an exponent that a double holds exactly in 15 significant digits,
 * DECIMAL(p,s) for plain numbers with more digits (and DECIMAL(38,0) for
 * integers beyond INT64), DATE, TIMESTAMP, TIMESTAMP_NS (more than 6
 * fractional digits), else VARCHAR.  Numbers with leading zeros (007) stay
 * VARCHAR.  An all-NULL column is VARCHAR.
 *
 * Header: read, absent, or detected (the first record is a header when one of
 * its values does not fit the type the rest of its column has, or when every
 * column is text).  Names: empty -> "column<i>", duplicates get "_1", "_2".
 * Without a header the columns are column0, column1, ... (zero-padded to the
 * same width, as DuckDB names them).
 *
 * Fixed schema: with a header, columns are matched by name (case-insensitive)
 * and schema fields the file lacks read as NULL; header columns the schema
 * lacks follow `unknown`.  Without a header, columns are positional.  A value
 * that does not parse as its column's type, or a NULL in a NOT NULL field
 * (nullable == false), makes the record bad, the reason naming line and
 * column; a NOT NULL field missing from the header fails opening.
 *
 * Speed: an AVX2 structural scan (quotes, delimiters, line ends as 64-bit
 * masks) with a scalar scanner that produces the same index byte for byte,
 * chosen at run time and forced by STRATA_SIMD=scalar|avx2 (dialects with a
 * backslash-style escape, and max_record below 64, always scan scalar).  Whole inputs are
 * split into chunks parsed on `threads` threads; results (rows, order, line
 * numbers, bad records) never depend on the thread count.  Unquoted strings
 * point into the mapped file (the batch pins it): no copy.
 *
 * Threading: a reader, push parser or writer is used by one thread at a time.
 */
#ifndef ST_CSV_H
#define ST_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format/mem.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/textio.h"

typedef enum st_csv_header {
    ST_CSV_HEADER_DETECT = 0,
    ST_CSV_HEADER_YES = 1,
    ST_CSV_HEADER_NO = 2
} st_csv_header;

#define ST_CSV_NO_QUOTE '\x01' /* options.quote: fields are never quoted */

typedef struct st_csv_options {
    char delim;          /* 0 = sniff among , ; TAB | */
    char quote;          /* 0 = sniff (" or '); ST_CSV_NO_QUOTE = none */
    char escape;         /* 0 = a quote is escaped by doubling it; else e.g. '\\' */
    char comment;        /* 0 = none; else lines starting with it are skipped */
    st_csv_header header;
    const char *null_str;   /* an unquoted field equal to it is NULL; NULL = "" */
    bool quoted_null;       /* also a quoted field equal to null_str ("" by
                               default) is NULL, as DuckDB's default */
    bool pad_short;         /* a short record is padded with NULLs, not bad */
    uint64_t skip_lines;    /* physical lines skipped before the header */
    uint64_t sample_rows;   /* 0 = infer types over the whole input */
    bool all_varchar;       /* no inference: every column VARCHAR */
    const st_schema *schema;/* fixed schema (copied); NULL = infer */
    st_text_unknown unknown;/* header columns a fixed schema lacks */
    size_t max_record;      /* bytes; 0 = ST_TEXT_MAX_RECORD_DEFAULT */
    uint32_t batch_rows;    /* rows per chunk; 0 = ST_TEXT_BATCH_ROWS_DEFAULT */
    uint32_t threads;       /* 0 = all online CPUs */
    bool strict;            /* the first bad record fails the read (ST_ERR_PARSE,
                               after the callback saw it) */
    const char *source;     /* name in messages; NULL = the path, or "<input>" */
    st_text_bad_fn on_bad;  /* NULL = bad records are only counted */
    void *bad_ctx;
} st_csv_options;

/* Defaults: sniffed dialect, detected header, "" = NULL, full inference. */
void st_csv_options_init(st_csv_options *o);

/* The dialect a reader uses (given or sniffed). */
typedef struct st_csv_dialect {
    char delim;
    char quote;  /* ST_CSV_NO_QUOTE when none */
    char escape; /* == quote when quotes are doubled */
    bool header;
    bool bom;
} st_csv_dialect;

/* ---- whole inputs (files, memory) --------------------------------------- */

typedef struct st_csv_reader st_csv_reader;

/* Map the file (format/io.h) and prepare: sniff, read the header, infer the
 * types (a pass over the input, in parallel).  Errors name the path:
 * ST_ERR_NOT_FOUND, ST_ERR_IO, ST_ERR_FORMAT (not CSV), ST_ERR_TYPE (header
 * columns a fixed schema lacks, with unknown == REJECT), ST_ERR_INVALID
 * (bad options), ST_ERR_PARSE (strict mode: a bad record during inference). */
st_status st_csv_open_file(const char *path, const st_csv_options *o, st_csv_reader **out,
                           st_error *e);
/* The same over bytes in memory; takes a reference on data. */
st_status st_csv_open_buf(st_buf *data, const st_csv_options *o, st_csv_reader **out,
                          st_error *e);

/* Schema of the rows (names, types, ids 1..n when inferred; the fixed
 * schema's ids otherwise).  Owned by the reader. */
const st_schema *st_csv_schema(const st_csv_reader *r);
const st_csv_dialect *st_csv_get_dialect(const st_csv_reader *r);

/* Next chunk of at most batch_rows rows, in input order (shorter chunks
 * occur at the ends of the reader's internal parallel slices).  At the end
 * out->batch is NULL.  Bad records met on the way go to on_bad first. */
st_status st_csv_next(st_csv_reader *r, st_text_chunk *out, st_error *e);

void st_csv_stats(const st_csv_reader *r, st_text_stats *out);
void st_csv_close(st_csv_reader *r); /* NULL accepted */

/* ---- streams: stdin, pipes, followed files ------------------------------ */

/* A push parser: feed bytes as they arrive, take complete rows as chunks.
 * The partial record at the end of what was fed is kept for the next feed;
 * st_csv_push_finish() ends the input (that record is then parsed or
 * reported).  With a fixed schema rows are available at once; otherwise the
 * dialect, header and types are decided on the first 64 KiB (or
 * sample_rows records, or at finish/flush, whichever comes first) and then
 * kept: a later value that does not fit makes its record bad. */
typedef struct st_csv_push st_csv_push;

st_status st_csv_push_new(const st_csv_options *o, st_csv_push **out, st_error *e);
st_status st_csv_push_feed(st_csv_push *p, const void *data, size_t n, st_error *e);
/* Decide the schema now if still undecided (a micro-batch timer fired) and
 * parse what is complete. */
st_status st_csv_push_flush(st_csv_push *p, st_error *e);
st_status st_csv_push_finish(st_csv_push *p, st_error *e);
/* Take a chunk: a full one (batch_rows rows), or with `partial` whatever rows
 * are ready.  out->batch is NULL when none is.  Valid until the next call. */
st_status st_csv_push_take(st_csv_push *p, bool partial, st_text_chunk *out, st_error *e);
/* NULL until decided. */
const st_schema *st_csv_push_schema(const st_csv_push *p);
const st_csv_dialect *st_csv_push_dialect(const st_csv_push *p);
void st_csv_push_stats(const st_csv_push *p, st_text_stats *out);
void st_csv_push_free(st_csv_push *p); /* NULL accepted */

/* ---- writer ------------------------------------------------------------- */

typedef struct st_csv_write_options {
    char delim;       /* 0 = ',' */
    char quote;       /* 0 = '"' */
    bool no_header;   /* the header line is written unless this is set */
    bool crlf;        /* end records with CRLF instead of LF */
} st_csv_write_options;

typedef struct st_csv_writer st_csv_writer;

/* RFC 4180 with minimal quoting (format/valtext.h prints every value):
 * NULL is an empty unquoted field, the empty string is "", values that
 * contain the delimiter, a quote, CR or LF or start/end with a blank are
 * quoted; dates and timestamps are ISO 8601.  UTF-8 without a BOM.  The
 * header is written with the first batch (or at finish when there is none). */
st_status st_csv_writer_new(st_text_sink sink, const st_schema *s,
                            const st_csv_write_options *o, st_csv_writer **out, st_error *e);
/* Append the live rows of b (honours b->sel); columns follow the schema. */
st_status st_csv_write_batch(st_csv_writer *w, const st_batch *b, st_error *e);
/* Flush buffered bytes to the sink (a FILE* is fflush'ed; an st_wfile is
 * left for the caller to sync/publish).  Sticky error. */
st_status st_csv_writer_finish(st_csv_writer *w, st_error *e);
uint64_t st_csv_writer_rows(const st_csv_writer *w);
void st_csv_writer_free(st_csv_writer *w); /* NULL accepted */

#endif /* ST_CSV_H */
