/*
 * ingest.h: Bronze ingest: CSV, NDJSON and Parquet, batches and streams,
 * validated record by record, committed atomically with lineage and a
 * quarantine.
 *
 * Batch (one or more files): every file is read (format/csv.h,
 * format/ndjson.h, format/parquet.h), each record is validated against the table's registered
 * schema (engine/contract.h), accepted rows are written to data segments and
 * rejected records (raw text, source, line, every reason) to quarantine
 * segments, and all of it is one commit.  Invariant, checked before every
 * commit: accepted + rejected = records read.
 *
 * Stream (stdin, or --follow FILE): bytes are pushed into the reader as they
 * arrive; a micro-batch is committed every batch_rows rows or batch_ms
 * milliseconds, whichever comes first (never an empty one).  At the end of
 * the input, or when *stop becomes non-zero (SIGINT/SIGTERM), what is held
 * is committed and the call returns.  --follow records in each commit the
 * byte offset and line count after its last record (log "stream" mark), and
 * a restarted follower resumes exactly there: no line lost or repeated.  A
 * follower that never sees the end of the file waits for it to grow.
 *
 * Schema: a new table takes the schema file given (--schema) or the one the
 * reader infers from the input; an existing table's schema is fixed.  With
 * evolve, fields the schema lacks become new nullable columns (new field
 * ids; old segments read them as NULL); without, the records that carry them
 * are rejected with reason unknown_field.
 *
 * Parquet (by the name's extension .parquet/.pq, --as parquet, or the
 * "PAR1" magic) arrives typed: each column is cast exactly to its field's
 * type (engine/xcast.h: INT32 -> INT64, DECIMAL widening, ...); a value with
 * no exact image, or a column of a type that cannot become the field's at
 * all, rejects its row with reason bad_value (invalid_utf8 for BLOB ->
 * VARCHAR), the row's raw text being the file's row as one CSV record and
 * its _line the row's 1-based ordinal in the file.  A new table without
 * --schema takes the file's columns and types (all nullable, as an inferred
 * schema).  Parquet files are read whole (no streams, no --follow).
 *
 * A file that is not CSV, NDJSON or Parquet is refused before anything is
 * written (ST_ERR_FORMAT, naming it), and nothing is committed; so is a
 * Parquet file that format/parquet.h refuses (nested columns, an unknown
 * codec, a broken footer).  A Parquet file whose pages turn out to be
 * damaged while reading fails the whole ingest: nothing is committed and
 * the segments already written are removed.
 */
#ifndef ST_INGEST_H
#define ST_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/contract.h"
#include "engine/table.h"
#include "format/logrec.h"

typedef enum st_in_format { ST_IN_AUTO = 0, ST_IN_CSV, ST_IN_NDJSON, ST_IN_PARQUET } st_in_format;

typedef struct st_ingest_progress {
    uint64_t rows;        /* records read so far */
    uint64_t bytes;       /* input bytes consumed */
    uint64_t total_bytes; /* of all inputs, 0 when unknown (streams) */
    uint32_t commits;
} st_ingest_progress;

typedef struct st_ingest_opts {
    st_in_format format;
    const st_tschema *schema; /* --schema for a new table (copied), or NULL */
    bool evolve;
    uint32_t threads;         /* 0 = all cores */
    /* idempotency key (batch ingest) */
    const char *txn_app;
    uint64_t txn_seq;
    /* streams */
    uint64_t batch_rows;      /* 0 = 100000 */
    uint64_t batch_ms;        /* 0 = 1000 */
    volatile int *stop;       /* set by a signal handler; may be NULL */
    /* progress (called from the ingesting thread, at most ~5 times a second) */
    void (*progress)(void *ctx, const st_ingest_progress *p);
    void *progress_ctx;
    /* segment tuning */
    uint64_t segment_rows;    /* rows per data segment; 0 = 524,288 (several segments are written at once) */
} st_ingest_opts;

typedef struct st_ingest_result {
    uint64_t read, accepted, rejected;
    uint64_t reasons[ST_R__COUNT]; /* rejected records per reason (a record may have several) */
    uint64_t rejected_by_first[ST_R__COUNT]; /* per record, by its first reason: sums to rejected */
    uint64_t bytes;
    uint32_t commits;
    int64_t first_version, last_version; /* -1 when nothing was committed */
    bool duplicate;                      /* the idempotency key was already committed */
    bool created;                        /* this ingest created the table */
} st_ingest_result;

/* Ingest files ("-" is not allowed here) as one commit. */
st_status st_ingest_files(st_table *t, const char *const *paths, uint32_t npaths, const st_ingest_opts *o,
                          st_ingest_result *r, st_error *e);

/* Ingest a stream from fd (stdin) in micro-batches; source name is "-". */
st_status st_ingest_stdin(st_table *t, int fd, const st_ingest_opts *o, st_ingest_result *r, st_error *e);

/* Follow a growing file in micro-batches, resuming after the last commit
 * that followed it; returns when *stop is set. */
st_status st_ingest_follow(st_table *t, const char *path, const st_ingest_opts *o, st_ingest_result *r,
                           st_error *e);

#endif /* ST_INGEST_H */
