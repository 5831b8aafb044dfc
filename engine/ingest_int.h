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
 */
#ifndef ST_INGEST_INT_H
#define ST_INGEST_INT_H

#include <stdint.h>

#include "engine/table.h"
#include "format/logrec.h"
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
/* Stop the threads and drop everything unfinished (temp files removed). */
void st_wpipe_free(st_wpipe *p);

#endif /* ST_INGEST_INT_H */
