/*
 * ingest_int.h: private to engine/ingest*.c: the writer pipe that moves
 * segment encoding off the reading thread.
 *
 * The reading thread parses (with the reader's own worker threads) and
 * validates; the pipe's writer threads encode and write segments.  Batches
 * are cloned on push (numbers copied, strings that point into a pinned
 * buffer such as the mapped input file stay zero-copy, others are copied),
 * so the reader may reuse its chunk at once.  The queue is bounded, so a
 * slow disk slows the reader instead of growing memory.
 *
 * Rows keep their order: with one writer thread, segments hold consecutive
 * rows; with several, each segment still holds consecutive rows (segment k
 * goes to writer k mod n), and the finished records are returned in segment
 * order.
 *
 * The Parquet source (ingest_pq.c) hands typed rows to the same machinery as
 * the text readers: chunks in the table's column order and types (cast
 * exactly, engine/xcast.h), each row's 1-based ordinal in the file as its
 * line, and the rows that cannot be cast reported (the row as CSV text, every
 * reason) before the chunk that would have held them.
 */
#ifndef ST_INGEST_INT_H
#define ST_INGEST_INT_H

#include <stdint.h>

#include "engine/table.h"
#include "format/logrec.h"
#include "format/textio.h"
#include "format/vector.h"

typedef struct st_wpipe st_wpipe;

/* nwriters >= 1 threads; a segment holds at most seg_rows rows. */
st_status st_wpipe_new(st_table *t, uint32_t nwriters, uint64_t seg_rows, st_wpipe **out, st_error *e);
/* The schema of the rows pushed from now on (the segment being filled is
 * finished first).  Must be called before the first push. */
st_status st_wpipe_schema(st_wpipe *p, const st_tschema *ts, st_error *e);
/* Queue the live rows of b with their lines and source (copied).  Returns
 * the first error any writer met (sticky). */
st_status st_wpipe_push(st_wpipe *p, const st_batch *b, const int64_t *lines, const char *source,
                        st_error *e);
/* Wait for every queued row to be written, finish the open segments, and
 * hand over their records in row order (*recs is malloc'ed, the caller
 * frees each with st_segrec_clear and the array with free).  The pipe
 * stays usable (new rows start new segments). */
st_status st_wpipe_drain(st_wpipe *p, st_segrec **recs, uint32_t *n, st_error *e);
/* Stop the threads and drop everything not drained: temp files and the
 * segments finished since the last drain are removed (no commit names
 * them). */
void st_wpipe_free(st_wpipe *p);

/* ---- Parquet as an ingest source ----------------------------------------------- */

typedef struct st_pqin st_pqin;

/* A row that cannot be cast: raw is the file's row as CSV (valid only during
 * the call), line its 1-based ordinal, codes/msgs its n reasons. */
typedef st_status (*st_pqin_reject_fn)(void *ctx, uint64_t line, const char *raw, size_t raw_len,
                                       const uint8_t *codes, const char *const *msgs, uint32_t n,
                                       st_error *e);

typedef struct st_pqin_options {
    const st_schema *schema; /* fixed schema (the table's), or NULL: the file's */
    st_text_unknown unknown; /* file columns the fixed schema lacks (as for CSV) */
    st_pqin_reject_fn on_reject;
    void *ctx;
    uint32_t batch_rows;     /* rows per chunk; 0 = 16384 */
} st_pqin_options;

/* Open and validate (format/parquet.h: nested columns, unknown codecs and
 * a broken footer fail here, naming the file).  Columns are matched by name
 * (case-insensitive); fixed-schema fields the file lacks read as NULL; file
 * columns the schema lacks: ST_ERR_TYPE naming them (REJECT), skipped
 * (IGNORE), or appended as nullable columns of the file's type (EVOLVE).  A
 * column that no value of could ever fit its field's type is not an error
 * here: its rows are rejected with that reason. */
st_status st_pqin_open(const char *path, const st_pqin_options *o, st_pqin **out, st_error *e);
/* The schema of the chunks' columns (fixed fields first). */
const st_schema *st_pqin_schema(const st_pqin *p);
/* The next chunk (batch NULL at the end).  ch->line[i] is the row's ordinal;
 * ch->offset[i] is i (st_pqin_raw's row).  Valid until the next call. */
st_status st_pqin_next(st_pqin *p, st_text_chunk *ch, st_error *e);
/* Row `row` of the last chunk as the file holds it, one CSV record. */
void st_pqin_raw(st_pqin *p, uint32_t row, st_sbuf *out);
/* records: rows read so far; bytes: compressed bytes of the row groups done
 * (the file's size at the end). */
void st_pqin_stats(const st_pqin *p, st_text_stats *s);
uint64_t st_pqin_file_size(const st_pqin *p);
void st_pqin_close(st_pqin *p); /* NULL accepted */

#endif /* ST_INGEST_INT_H */
