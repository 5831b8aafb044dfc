/*
 * table.h: a table's commit log: snapshots, time travel, and atomic commits.
 *
 * A table is a directory `<warehouse>/<layer>/<name>/` holding
 *     _log/<20-digit version>.json             one entry per commit
 *     _log/<20-digit version>.checkpoint.json  the state at that version
 *     data/<32 hex>.seg                        immutable segment files
 * (format/logrec.h encodes the files; spec/LOG.md is the full description.)
 *
 * Commit protocol (ARCHITECTURE.md): the caller writes and fsyncs its
 * segment files; st_table_commit fsyncs data/, writes the entry to a temp
 * file, fsyncs it, publishes it under the next version's name with link()
 * (put-if-absent), fsyncs _log/, and only then returns.  When the name is
 * taken (another writer won the race) it reads the entries it missed,
 * checks them for conflicts (below), and retries under the next free
 * version; nothing is rewritten but the small entry itself, because an
 * entry's version-dependent values (its timestamp, the _ingest_id of its
 * rows) are implied by the file name, not stored in the segments.
 *
 * Conflicts (Delta/Iceberg rules):
 *   - appends never conflict with appends;
 *   - an entry that removes segments (compact, restore) fails with
 *     ST_ERR_CONFLICT when a concurrent commit removed any of them; a restore
 *     fails when any data changed since it read the table;
 *   - two schema changes conflict (the second writer must re-validate);
 *   - two writers following the same stream conflict;
 *   - an idempotency key (app, seq) already recorded with seq' >= seq makes
 *     the commit a duplicate: nothing is written and *duplicate is set.
 *
 * Timestamps are max(now, previous + 1 ms), taken when the entry is written
 * (so monotonic even when the clock steps back).  The environment variable
 * STRATA_NOW ("2026-01-31 12:00:00") pins "now" for tests and demos.
 *
 * Failure: a failed fsync is never retried.  The commit fails, the handle is
 * poisoned (every later commit through it fails with the same error), and
 * the next open recovers: an entry is either published whole or absent.
 * A published entry whose segments are missing is damage that `verify` finds.
 *
 * Time travel: any version in [retain_from, latest] can be read (vacuum
 * raises retain_from); a timestamp resolves to the latest version whose
 * timestamp is <= it.  Out-of-range requests fail with ST_ERR_NOT_FOUND and
 * a message that states the range that exists.
 *
 * Checkpoints: the committer of every checkpoint_interval-th version
 * (strata.json; scaled up when more than 1,000 segments are live) writes the
 * state at that version, so a load reads one checkpoint and a few entries.
 *
 * Threading: a st_table is used by one thread at a time.
 */
#ifndef ST_TABLE_H
#define ST_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/warehouse.h"
#include "format/logrec.h"
#include "format/status.h"

typedef struct st_table st_table;

/* A handle on table `name` of warehouse w (which must outlive it).  The table
 * need not exist yet (the first commit creates it). */
st_status st_table_open(st_warehouse *w, const st_tname *name, st_table **out, st_error *e);
void st_table_close(st_table *t); /* NULL accepted */
bool st_table_exists(const st_table *t);
const char *st_table_name(const st_table *t); /* "bronze.sales" */
const char *st_table_dir(const st_table *t);
st_warehouse *st_table_warehouse(const st_table *t);
/* ST_ERR_NOT_FOUND "no table bronze.x (tables: ...)" when it does not exist. */
st_status st_table_require(const st_table *t, st_error *e);

/* ---- reading -------------------------------------------------------------- */

/* Latest version (-1 when the table does not exist). */
st_status st_table_latest(st_table *t, int64_t *version, st_error *e);
/* The state at a version (-1 = latest), from the newest usable checkpoint
 * plus the entries after it. */
st_status st_table_load(st_table *t, int64_t version, st_logstate **out, st_error *e);
/* One entry. */
st_status st_table_read_entry(st_table *t, int64_t version, st_logentry **out, st_error *e);

/* --as-of X: an integer is a version, anything else a timestamp (UTC). */
typedef struct st_as_of {
    int64_t version; /* >= 0, or -1 */
    int64_t ts_us;   /* INT64_MIN when not a timestamp */
} st_as_of;
#define ST_AS_OF_LATEST ((st_as_of){-1, INT64_MIN})
st_status st_as_of_parse(const char *text, st_as_of *out, st_error *e);
/* Resolve to a version.  for_data: the version's files must still exist
 * (>= retain_from); schema-only readers (describe) pass false. */
st_status st_table_resolve(st_table *t, st_as_of a, bool for_data, int64_t *version, st_error *e);
/* Resolve and load. */
st_status st_table_load_as_of(st_table *t, st_as_of a, bool for_data, st_logstate **out,
                              st_error *e);

/* ---- writing -------------------------------------------------------------- */

/* Create _log/ and data/ (for a table's first commit); durable. */
st_status st_table_prepare(st_table *t, st_error *e);
/* data/ directory and the path of segment `id` in it. */
const char *st_table_data_dir(const st_table *t);
void st_table_seg_path(const st_table *t, const char *id, char *buf, size_t cap);
/* Path of deletion vector file `id` (data/<id>.dv). */
void st_table_dv_path(const st_table *t, const char *id, char *buf, size_t cap);
/* A fresh random segment id (32 hex digits). */
void st_seg_id_new(char out[ST_SEG_ID_LEN + 1]);

/* Commit le on top of *state (the snapshot the caller read; an empty
 * st_logstate_new() to create the table with an ST_OP_CREATE entry).  The
 * caller fills le's content; version, ts_us and read_version are set here.
 * On success *state is the state at the new version (le applied).  A create
 * that loses the race to another create with an identical schema becomes an
 * append.  duplicate may be NULL. */
st_status st_table_commit(st_table *t, st_logstate *state, st_logentry *le, bool *duplicate,
                          st_error *e);

/* Current time in microseconds (STRATA_NOW when set). */
int64_t st_now_us(void);
/* "2026-01-31 12:00:00.123" (UTC). */
void st_format_ts(int64_t us, char buf[40]);

#endif /* ST_TABLE_H */
