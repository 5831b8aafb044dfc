/*
 * textio.h: what the CSV and NDJSON readers and writers share: the bad-record
 * report ("errors as data"), the chunk of rows a reader hands out, reader
 * statistics, and the byte sink the writers stream into.
 *
 * Errors as data.  A reader never stops at a bad record unless it runs in
 * strict mode: it hands the record to the caller's st_text_bad_fn with its raw
 * bytes, the 1-based line where it starts, its byte offset in the input and
 * every reason found (each naming its column when there is one), then goes
 * on.  Invariant, checked by the tests:
 *
 *     rows emitted + bad records reported == records read
 *
 * (blank lines, comment lines and a header are not records).  A record longer
 * than the reader's max_record is reported with only its first bytes
 * (ST_TEXT_BAD_PREFIX at most) and its full length, never held whole, so
 * memory stays bounded whatever the input.
 *
 * Delivery order is the input order and does not depend on the number of
 * threads: the callback runs on the caller's thread, inside the reader call
 * that reaches the record (before the chunk of rows that follows it).
 *
 * Rows.  Readers hand out st_text_chunk: a batch (format/vector.h) whose
 * columns follow the reader's schema, plus for every row the line and byte
 * offset of its record, so that Bronze can carry lineage and quarantine
 * precisely.  A chunk stays valid until the next call on the same reader.
 */
#ifndef ST_TEXTIO_H
#define ST_TEXTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format/io.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/vector.h"

/* Defaults shared by the readers. */
#define ST_TEXT_MAX_RECORD_DEFAULT (16u << 20) /* 16 MiB */
#define ST_TEXT_BATCH_ROWS_DEFAULT 2048u
#define ST_TEXT_BAD_PREFIX 65536u /* bytes kept of an oversize record */
#define ST_TEXT_SNIFF_BYTES 65536u /* bytes a reader looks at to recognize its format */

/* One reason a record is bad. */
typedef struct st_text_reason {
    int32_t column;          /* 0-based column of the input, or -1: the record as a whole */
    const char *column_name; /* the column's name when known, else NULL */
    const char *message;     /* e.g. "'abc' is not an integer", "expected 5 fields, found 4" */
} st_text_reason;

/* A bad record, as handed to the caller.  Every pointer is valid only during
 * the callback: copy what you keep. */
typedef struct st_text_bad {
    const char *source;   /* file name, or the name given in the options */
    uint64_t line;        /* 1-based line where the record starts */
    uint64_t offset;      /* byte offset of the record's first byte in the input */
    const char *raw;      /* the record's bytes, without its line terminator */
    size_t raw_len;       /* bytes at raw */
    uint64_t record_len;  /* the record's full length (> raw_len when truncated) */
    bool truncated;       /* raw is only the first bytes (oversize record) */
    uint32_t nreasons;    /* >= 1 */
    const st_text_reason *reasons;
} st_text_bad;

/* Bad-record callback.  Return ST_OK to go on; any other status stops the
 * reader, which returns that status and error. */
typedef st_status (*st_text_bad_fn)(void *ctx, const st_text_bad *bad, st_error *e);

/* Rows handed out by a reader.  batch == NULL means the end of the input. */
typedef struct st_text_chunk {
    st_batch *batch;         /* owned by the reader; valid until its next call */
    const uint64_t *line;    /* batch->len entries: line of each row's record */
    const uint64_t *offset;  /* batch->len entries: byte offset of each row's record */
    uint32_t schema_version; /* bumps when the reader's schema grew (NDJSON evolve) */
} st_text_chunk;

typedef struct st_text_stats {
    uint64_t records;   /* records read (rows + bad) */
    uint64_t rows;      /* rows emitted */
    uint64_t bad;       /* bad records reported */
    uint64_t bytes;     /* input bytes consumed */
    uint64_t lines;     /* lines consumed */
} st_text_stats;

/* What a reader does with a column (CSV header) or key (NDJSON) that a fixed
 * schema lacks. */
typedef enum st_text_unknown {
    ST_TEXT_UNKNOWN_REJECT = 0, /* NDJSON: the record is bad ("unknown key 'k'");
                                   CSV: opening fails (ST_ERR_TYPE) naming the columns */
    ST_TEXT_UNKNOWN_IGNORE = 1, /* dropped silently (the caller asked for it) */
    ST_TEXT_UNKNOWN_EVOLVE = 2  /* a nullable column is appended to the reader's
                                   schema (id 0: the caller assigns one), its type
                                   inferred from the values seen; the chunk's
                                   schema_version bumps */
} st_text_unknown;

/* ---- writers' byte sink ------------------------------------------------ */

/* Writers stream into an st_wfile (io.h: durable, publishable) or a FILE*.
 * The sink does not own its target. */
typedef struct st_text_sink {
    st_wfile *wf; /* exactly one of wf and fp is set */
    FILE *fp;
} st_text_sink;

static inline st_text_sink st_text_sink_wfile(st_wfile *wf) {
    st_text_sink s = {wf, NULL};
    return s;
}
static inline st_text_sink st_text_sink_stdio(FILE *fp) {
    st_text_sink s = {NULL, fp};
    return s;
}

#endif /* ST_TEXTIO_H */
