/*
 * verify.h: check a whole table: its log, its checkpoints and every segment
 * a readable version needs.
 *
 * Damage (errors): a deletion vector file a readable version names that is
 * missing, of the wrong size, damaged, or bound to another segment; an
 * entry or checkpoint that does not decode or replay, a
 * checkpoint that differs from the replay of the entries, a gap in the
 * versions, a segment a readable version names that is missing, of the
 * wrong size or id, or whose blocks, checksums, row counts or zone maps do
 * not verify (format/segment.h st_segment_verify), or whose zone maps differ
 * from the log's.
 * Warnings: segment files no entry names (orphans of crashed or running
 * writers), writers' temp files, and files only versions below the vacuum
 * horizon name; `vacuum` removes them.
 *
 * Findings are reported through a callback in a deterministic order; the
 * segment checks run on `threads` threads.
 */
#ifndef ST_VERIFY_H
#define ST_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/table.h"

typedef void (*st_verify_fn)(void *ctx, bool is_error, const char *file, const char *msg);

typedef struct st_verify_stats {
    uint64_t errors, warnings;
    int64_t versions;       /* entries checked */
    uint32_t checkpoints;
    uint32_t segments;      /* segment files verified */
    uint32_t dvs;           /* deletion vector files verified */
    uint64_t rows, bytes;   /* in those segments */
} st_verify_stats;

/* Returns ST_OK when the check ran (damage is counted in stats->errors);
 * an error only when it could not run (no such table, out of memory). */
st_status st_table_verify(st_table *t, uint32_t threads, st_verify_fn fn, void *ctx,
                          st_verify_stats *stats, st_error *e);

#endif /* ST_VERIFY_H */
