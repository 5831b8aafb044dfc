/*
 * memsrc.h: in-memory tables as st_source-s, and an in-memory catalog of
 * named tables with versions (time travel) that implements st_catalog.
 *
 * Used by the SQL engine's tests (and handy for small lookup tables).  It is
 * also the simplest complete implementation of engine/source.h: units, zone
 * maps per unit and per group, deletion vectors as selection vectors, and
 * snapshots that later appends never change.
 *
 *   st_memtable *t = st_memtable_new(schema, 1000, 4);  // units of 1000 rows,
 *                                                       // 4 units per group
 *   st_memtable_append(t, batch, &err);                 // copies live rows
 *   st_memtable_delete(t, 17, &err);                    // row 17 is deleted
 *   st_memcat_commit(cat, "bronze.sales", t, ts_us, &err);  // next version
 *   ... st_query_prepare(st_memcat_catalog(cat), "SELECT ...", ...)
 *
 * Snapshots: st_memtable_source and st_memcat_commit capture the rows and
 * deletions as they are at that moment; appends never move stored rows
 * (storage grows unit by unit), so a snapshot stays valid and unchanged.
 * The table is reference counted: sources and catalog versions hold it.
 *
 * Threading: appends and deletes must not run while a source of the same
 * table is being read; reads of sources may run concurrently.
 */
#ifndef ST_MEMSRC_H
#define ST_MEMSRC_H

#include <stdint.h>

#include "engine/source.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/vector.h"

typedef struct st_memtable st_memtable;

/* schema is copied.  unit_rows: rows per unit (0 = 65536); units_per_group:
 * units per group (0 = 16). */
st_memtable *st_memtable_new(const st_schema *schema, uint32_t unit_rows,
                             uint32_t units_per_group);
void st_memtable_unref(st_memtable *t); /* NULL accepted */
const st_schema *st_memtable_schema(const st_memtable *t);
uint64_t st_memtable_rows(const st_memtable *t);
/* Append the live rows of b (columns in schema order and types). */
st_status st_memtable_append(st_memtable *t, const st_batch *b, st_error *e);
/* Mark row `row` (0-based, in append order) deleted. */
st_status st_memtable_delete(st_memtable *t, uint64_t row, st_error *e);
/* A source over the table as it is now; name is copied ("t" if NULL). */
st_status st_memtable_source(st_memtable *t, const char *name, st_source **out, st_error *e);
/* The same rows as a stream source (source.h: read_next, no units up front),
 * one batch per unit, as a text file reader hands out its chunks. */
st_status st_memtable_stream_source(st_memtable *t, const char *name, st_source **out,
                                    st_error *e);

typedef struct st_memcat st_memcat;
st_memcat *st_memcat_new(void);
void st_memcat_free(st_memcat *c);
/* Record the table's current contents as the next version of `name`
 * (version 0 when new), committed at ts_us (must not go backwards). */
st_status st_memcat_commit(st_memcat *c, const char *name, st_memtable *t, int64_t ts_us,
                           st_error *e);
/* The catalog interface (valid while c lives). */
st_catalog *st_memcat_catalog(st_memcat *c);

#endif /* ST_MEMSRC_H */
