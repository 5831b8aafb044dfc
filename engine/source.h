/*
 * source.h: a scannable, immutable set of rows: what the query engine reads.
 *
 * Implemented by a table snapshot (Bronze/Silver/Gold: groups = segments),
 * by files read straight from SQL (CSV, NDJSON, Parquet: one group per file)
 * and by in-memory tables (tests).  The query engine never knows which.
 *
 * Shape: a source has a schema and a list of *groups* (segments or files);
 * each group has *units* (row groups) that are read independently, in
 * parallel.  Both levels carry zone maps so that the planner can skip a
 * group before opening its file (group zone maps come from the commit log)
 * and a unit before decoding it (unit zone maps come from the file footer).
 * Groups may belong to a partition (Gold): partitions carry zone maps of
 * their own (partition_zm), checked before the groups', and are counted by
 * EXPLAIN.
 *
 * Contract:
 *  - Immutable: the same calls always return the same data (a snapshot).
 *  - group_open may do I/O (open and validate a segment); it is called at
 *    most once per group per scan, possibly from a worker thread; after it
 *    succeeds, unit_info and read for that group are safe to call from any
 *    thread concurrently (each call with its own output batch).
 *  - read fills `out` (which the caller created with ncols vectors of the
 *    types of the requested columns, in the order of `cols`) with every row
 *    of the unit, and sets out->sel to exclude rows removed by deletion
 *    vectors (NULL when none are).  Units never exceed ST_SOURCE_UNIT_MAX rows.
 *  - Zone map pointers stay valid until close.  A NULL zone map array, or a
 *    zone map with no bounds, means "unknown": never prune on it.
 *  - Errors name the file and byte offset (corruption is reported, never
 *    returned as data).
 *
 * Stream sources (text files read straight from SQL, whose row boundaries
 * are only known by reading them in order) set read_next: group_open then
 * reports 0 units, unit_info and read are not called, and the caller reads
 * each opened group with read_next, in order, until *done is set.  Calls
 * on one source are serialized by the caller (one at a time, any thread);
 * each fills the caller's `out` like read does, with at most
 * ST_SOURCE_UNIT_MAX rows.  group_info's rows may be 0 (unknown).  Sources
 * with units leave read_next NULL.
 */
#ifndef ST_SOURCE_H
#define ST_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "format/schema.h"
#include "format/status.h"
#include "format/vector.h"
#include "format/zonemap.h"

#define ST_SOURCE_UNIT_MAX (1u << 20)

typedef struct st_source st_source;

typedef struct st_group_info {
    uint64_t rows;          /* rows before deletions */
    uint64_t bytes;         /* bytes on disk */
    const st_zonemap *zm;   /* schema->nfields zone maps, or NULL */
    int32_t partition;      /* partition index, -1 = unpartitioned */
    const char *label;      /* file or segment name, for EXPLAIN and errors */
} st_group_info;

typedef struct st_unit_info {
    uint64_t rows;          /* rows before deletions */
    uint64_t bytes;         /* bytes to read for the whole unit */
    const st_zonemap *zm;   /* schema->nfields zone maps, or NULL */
} st_unit_info;

typedef struct st_source_ops {
    uint32_t (*group_count)(st_source *s);
    void (*group_info)(st_source *s, uint32_t g, st_group_info *out);
    /* Open group g (I/O happens here) and report how many units it has. */
    st_status (*group_open)(st_source *s, uint32_t g, uint32_t *nunits, st_error *e);
    /* Unit info; also gives the bytes of the requested columns when cols is
     * non-NULL (for EXPLAIN's "bytes to read").  Only after group_open. */
    void (*unit_info)(st_source *s, uint32_t g, uint32_t u, const uint32_t *cols,
                      uint32_t ncols, st_unit_info *out);
    st_status (*read)(st_source *s, uint32_t g, uint32_t u, const uint32_t *cols,
                      uint32_t ncols, st_batch *out, st_error *e);
    /* Partition count and a label for partition p ("2025-03-01"), or 0/NULL. */
    uint32_t (*partition_count)(st_source *s);
    const char *(*partition_label)(st_source *s, uint32_t p);
    void (*close)(st_source *s);
    /* Stream sources only (see above); NULL for sources with units. */
    st_status (*read_next)(st_source *s, uint32_t g, const uint32_t *cols, uint32_t ncols,
                           st_batch *out, bool *done, st_error *e);
    /* Partitioned sources: zone maps (schema->nfields) that bound every row
     * a partition may hold, from its definition alone (day(ts) = 2025-03-01:
     * ts in [2025-03-01 00:00, 2025-03-01 23:59:59.999999]; the other
     * columns know nothing), so the planner skips a partition, and every
     * group in it, before looking at a group.  NULL (or a NULL op): unknown. */
    const st_zonemap *(*partition_zm)(st_source *s, uint32_t p);
} st_source_ops;

struct st_source {
    const st_source_ops *ops;
    st_schema *schema; /* owned by the source */
    char *name;        /* "bronze.sales@v12", "sales.csv": for EXPLAIN/errors */
    void *impl;        /* the implementation's state */
};

static inline void st_source_close(st_source *s) {
    if (s) s->ops->close(s);
}

/* A catalog resolves table names for SQL: "bronze.sales" (and an as-of) to a
 * source.  as_of_version < 0 and as_of_ts == INT64_MIN mean "latest"; at most
 * one of them is set.  Errors for unknown tables or out-of-range versions say
 * what exists.  The caller owns the returned source (st_source_close).
 * close releases the catalog; it may be NULL when the catalog is owned by
 * something else (st_catalog_close then does nothing). */
typedef struct st_catalog st_catalog;
typedef struct st_catalog_ops {
    st_status (*open)(st_catalog *c, const char *name, int64_t as_of_version,
                      int64_t as_of_ts_us, st_source **out, st_error *e);
    void (*close)(st_catalog *c);
    /* The warehouse the tables live in, for statements that write them
     * (CREATE TABLE AS, INSERT): an st_warehouse * (engine/warehouse.h), or
     * NULL (a NULL op: read-only catalog). */
    void *(*warehouse)(st_catalog *c);
} st_catalog_ops;
struct st_catalog {
    const st_catalog_ops *ops;
    void *impl;
};

static inline void st_catalog_close(st_catalog *c) {
    if (c && c->ops->close) c->ops->close(c);
}

#endif /* ST_SOURCE_H */
