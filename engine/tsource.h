/*
 * tsource.h: a table snapshot as a scannable source (engine/source.h), the
 * way the query engine, `export` and `compact` read a table.
 *
 * Groups are the snapshot's live segments of one side (the table's rows, or
 * its quarantine for `layer.name__rejects`), in log order; a group's zone
 * maps come from the commit log, so the planner skips a segment without
 * opening it.  Units are the segment's row groups, with the zone maps of the
 * segment footer.  Columns are matched by field id: a field a segment lacks
 * (added later by --evolve) reads as NULL.  The lineage columns are
 * materialized on read: _line from the segment, _ingest_id, _source and
 * _ingested_at from the segment's lineage runs in the log (engine/lineage.h).
 *
 * A segment whose id, row count or size differs from its log record is
 * reported as damage (ST_ERR_CORRUPT naming the file), never read.
 */
#ifndef ST_TSOURCE_H
#define ST_TSOURCE_H

#include <stdbool.h>

#include "engine/source.h"
#include "engine/table.h"

/* A source over `state` (taken: freed with the source) of table t (which
 * must outlive the source).  rejects: the quarantine side. */
st_status st_tsource_open(st_table *t, st_logstate *state, bool rejects, st_source **out,
                          st_error *e);

/* The state a source reads (valid until close). */
const st_logstate *st_tsource_state(const st_source *s);

#endif /* ST_TSOURCE_H */
