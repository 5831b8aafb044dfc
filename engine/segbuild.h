/*
 * segbuild.h: write one segment of a table (data or quarantine side) and
 * describe it for the commit log.
 *
 * The builder adds the stored lineage column (_line) to the caller's
 * columns, writes the segment (format/segment.h) to a temp file in data/,
 * and on finish fsyncs it and publishes it as data/<id>.seg without
 * replacing (put-if-absent), then fsyncs data/.  It returns the segment's
 * log record: id (also written into the segment's own header, so a swapped
 * file is detected), rows, bytes, per-column zone maps keyed by field id, and
 * the lineage runs of its rows.  Nothing is visible in the table until a
 * commit names the record; a builder that is aborted or whose process dies
 * leaves at most an orphan file for vacuum.
 *
 * Threading: one builder per thread; several may write into one table at
 * once.
 */
#ifndef ST_SEGBUILD_H
#define ST_SEGBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/table.h"
#include "format/logrec.h"
#include "format/vector.h"

typedef struct st_segbuild st_segbuild;

/* Segment tuning (0 = defaults of format/segment.h). */
typedef struct st_segbuild_opts {
    uint32_t rowgroup_rows;
    int zstd_level;
    bool defer_sync; /* publish without fsyncs: the caller st_sync_fs'es the
                        table's data folder before committing the segment */
} st_segbuild_opts;

/* A builder for table t under schema ts (copied).  rejects: the quarantine
 * side (columns: engine/lineage.h's reject columns). */
st_status st_segbuild_new(st_table *t, const st_tschema *ts, bool rejects, const st_segbuild_opts *o,
                          st_segbuild **out, st_error *e);

/* Append the live rows of b: columns are the table's fields in schema order
 * (data side) or the reject columns (rejects side).  lines[i] is the _line
 * of batch row i (indexed like b's rows, not its selection).  The rows'
 * lineage: source `run->source`, and run->ingest_id / run->ingested_at
 * (ST_LINEAGE_THIS for rows of the commit being made; resolved values when
 * compaction carries rows over).  run->rows is ignored. */
st_status st_segbuild_add(st_segbuild *sb, const st_batch *b, const int64_t *lines,
                          const st_lineage_run *run, st_error *e);

uint64_t st_segbuild_rows(const st_segbuild *sb);

/* Finish, make durable, publish; fill *rec (owned by the caller:
 * st_segrec_clear).  The builder is freed whatever the outcome. */
st_status st_segbuild_finish(st_segbuild *sb, st_segrec *rec, st_error *e);

/* Drop the segment (its temp file is removed).  NULL accepted. */
void st_segbuild_abort(st_segbuild *sb);

#endif /* ST_SEGBUILD_H */
