/*
 * silver.h: a Silver run: one transform spec applied to the Bronze versions
 * its table has not consumed yet, committed exactly once.
 *
 * What a run does (spec/SILVER.md draws it):
 *   1. reads the target's snapshot and the Bronze versions it consumed (the
 *      commit log's `inputs`), and the source's snapshot; nothing new is a
 *      no-op;
 *   2. pass 1 (decide), in parallel over the new Bronze row groups: the
 *      columns rules and keys need, validation (a pass bitmap per rule),
 *      the steps and lookups that can reject, then each valid row's key
 *      hash (SIMD) and ordering offered to the dedup table, which keeps per
 *      key the latest row by (latest_by, _ingest_id, _line);
 *   3. against the table's live rows with the same keys (only segments
 *      whose key zone maps overlap the new keys are read): a newer existing
 *      row wins; an older one is marked deleted in its segment's deletion
 *      vector;
 *   4. pass 2 (write), in parallel over output segments: the winning rows'
 *      output columns, enrichment, written with their Bronze lineage
 *      (upstream _ingest_id, _line, _source); rejected rows, every reason
 *      and their raw values, to the quarantine side;
 *   5. the expectation suite on the snapshot the commit would make; an
 *      error-level failure aborts the commit (files written are removed);
 *   6. one commit: segments, deletion vectors, the consumed Bronze version,
 *      counts.  Rows in = written + duplicates + rejected, checked.
 * A run killed anywhere leaves at most orphan files: the next run redoes
 * exactly the work of the versions not yet committed.  A conflicting
 * commit (another run, a compaction, a restore) makes the run start over
 * from the new snapshot, up to `retries` times, or fail with a clear
 * message.  Results do not depend on the thread count.
 */
#ifndef ST_SILVER_H
#define ST_SILVER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/warehouse.h"
#include "engine/xspec.h"
#include "format/status.h"

#define ST_SILVER_SEGMENT_ROWS (512u * 1024)
#define ST_SILVER_NCODES 12

typedef struct st_silver_opts {
    bool full_refresh;     /* rebuild from every Bronze version */
    uint32_t threads;      /* 0 = all cores */
    int retries;           /* runs again after a conflict; < 0: default 3; 0: fail at once */
    uint64_t segment_rows; /* rows per output segment; 0 = ST_SILVER_SEGMENT_ROWS */
    bool skip_suite;       /* commit without checking the suite */
    /* called once per attempt after its files are written, just before its
     * commit (instrumentation and tests: another writer may commit here) */
    void (*before_commit)(void *ctx, uint32_t attempt);
    void *hook_ctx;
} st_silver_opts;

/* Per-stage time summed over threads (seconds of CPU-side wall time). */
typedef struct st_silver_stages {
    double read, standardize, validate, hash, dedup, existing, enrich, write, check, commit;
} st_silver_stages;

typedef struct st_silver_result {
    int64_t version;            /* the commit, -1 when none */
    bool up_to_date;            /* nothing new to consume */
    bool check_failed;          /* the suite failed at error level: nothing committed */
    bool created;
    int64_t from_version;       /* source versions consumed: (from, to] */
    int64_t to_version;
    uint64_t rows_in, written, duplicates, rejected, replaced;
    uint64_t reasons[ST_SILVER_NCODES]; /* rejected rows per reason code (a row may count several) */
    uint32_t attempts;
    uint32_t segments, dvs;     /* files written by the committed attempt */
    json_t *report;             /* the suite's report (owned), or NULL */
    st_silver_stages t;
} st_silver_result;

/* The name of reason code i (bad_value, unmapped, no_match, ...). */
const char *st_silver_code_name(uint32_t i);

/* Run spec against warehouse w.  Returns ST_OK when the run committed or
 * was up to date; a failed suite is ST_ERR_INVALID with r->check_failed and
 * r->report set.  Free r with st_silver_result_free. */
st_status st_silver_run(st_warehouse *w, const st_xspec *spec, const st_silver_opts *o, st_silver_result *r,
                        st_error *e);
void st_silver_result_free(st_silver_result *r);

/* A schema resolver over a warehouse (ctx = st_warehouse *) for
 * st_xspec_compile: the latest schema of "layer.name". */
st_status st_silver_resolver(void *ctx, const char *table, st_tschema **out, st_error *e);

#endif /* ST_SILVER_H */
