/*
 * maintain.h: table maintenance that only moves metadata or deletes files:
 * restore and vacuum.  (Compaction rewrites data: engine/compact.h.)
 *
 * Restore makes the content of an older version current as a new commit:
 * it removes the live segments that version did not have and re-adds the
 * ones it had (their lineage, hence _ingest_id, unchanged), and brings back
 * that version's schema (field ids are never reused: next_field_id keeps
 * growing).  It conflicts with any concurrent data change.
 *
 * Vacuum deletes files no retained snapshot needs.  A snapshot is retained
 * when it was current at some moment of the retention window
 * [now - retain, now]: every version from the one current at the window's
 * start to the latest.  Order of operations, so a crash at any point leaves
 * a consistent table: (1) commit an ST_OP_VACUUM entry raising retain_from
 * (versions before it are no longer readable: time travel says so), (2)
 * delete the files, (3) fsync data/.  A file some retained version names is
 * never deleted.  Files no entry ever named (orphans: segments of writers
 * that crashed, or of a writer still running) are deleted only when older
 * than max(retain, ST_VACUUM_ORPHAN_GRACE) by their modification time, so a
 * writer in flight never loses its segment.  A retention below the
 * warehouse's vacuum_min_retain is refused unless forced.
 */
#ifndef ST_MAINTAIN_H
#define ST_MAINTAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/table.h"

#define ST_VACUUM_ORPHAN_GRACE (INT64_C(3600) * 1000000) /* one hour */

/* Restore `version`; *new_version receives the commit's version. */
st_status st_table_restore(st_table *t, int64_t version, int64_t *new_version, st_error *e);

typedef struct st_vacuum_opts {
    int64_t retain_us;
    bool force;   /* allow retain_us below the configured minimum */
    bool dry_run; /* list, commit nothing, delete nothing */
} st_vacuum_opts;

typedef struct st_vacuum_result {
    int64_t version;     /* the vacuum commit, or -1 when none was needed */
    int64_t retain_from; /* oldest readable version afterwards */
    int64_t latest;
    uint64_t files, bytes;       /* deleted (or, dry run, to delete) */
    uint64_t orphans;            /* of which never named by the log */
    uint64_t orphans_kept;       /* orphans younger than the grace period */
    char **paths;                /* the files, relative to the table dir */
    uint32_t npaths;
} st_vacuum_result;

st_status st_table_vacuum(st_table *t, const st_vacuum_opts *o, st_vacuum_result *r, st_error *e);
void st_vacuum_result_free(st_vacuum_result *r);

#endif /* ST_MAINTAIN_H */
