/*
 * compact.h: merge the small segments micro-batches leave into large ones,
 * as a commit that changes no data.
 *
 * Consecutive (in log order) live segments smaller than the target are
 * rewritten into segments of about target_rows rows, each side (data,
 * quarantine) on its own.  Rows keep their order, their values, their _line
 * and their lineage (the output's lineage runs carry the inputs' resolved
 * _ingest_id, _source and _ingested_at), so every query gives the same
 * answer before and after; only the segment layout changes.  The commit
 * removes the inputs and adds the outputs: versions before it still name the
 * old files and stay readable until vacuum removes them.  A concurrent
 * commit that removed an input (another compaction, a restore) or changed
 * its deletion vector (a Silver run) makes this one fail with
 * ST_ERR_CONFLICT (its new files become orphans for vacuum); concurrent
 * appends do not conflict.
 *
 * Deletion vectors: rows they hide are purged by the rewrite.  A segment
 * whose deleted share (deleted rows / rows) reaches deleted_share is
 * rewritten even when it is large and has no small neighbour; a segment
 * whose rows are all deleted is removed without a replacement.
 */
#ifndef ST_COMPACT_H
#define ST_COMPACT_H

#include <stdint.h>

#include "engine/table.h"

#define ST_COMPACT_DELETED_SHARE 0.25

typedef struct st_compact_opts {
    uint64_t target_rows; /* 0 = 1,048,576 */
    uint64_t small_rows;  /* segments below this (live rows) are merged; 0 = target_rows / 2 */
    double deleted_share; /* rewrite segments this share deleted; 0 = ST_COMPACT_DELETED_SHARE */
} st_compact_opts;

typedef struct st_compact_result {
    int64_t version;  /* the commit, or -1 when there was nothing to do */
    uint32_t segments_in, segments_out;
    uint64_t rows;    /* rows rewritten */
    uint64_t rows_purged; /* deleted rows dropped */
    uint64_t bytes_in, bytes_out;
} st_compact_result;

st_status st_table_compact(st_table *t, const st_compact_opts *o, st_compact_result *r, st_error *e);

#endif /* ST_COMPACT_H */
