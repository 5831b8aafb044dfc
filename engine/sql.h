/*
 * sql.h: run an analyst's SQL statement (spec/SQL.md) against a catalog.
 *
 *   st_sql_opts o; st_sql_opts_init(&o); o.threads = 2;
 *   st_query *q;
 *   if (st_query_prepare(cat, "SELECT ...", &o, &q, &err) != ST_OK) ...
 *   for (uint32_t i = 0; i < st_query_ncols(q); i++) st_query_col_name(q, i) ...
 *   const st_batch *b;
 *   while ((rc = st_query_next(q, &b, &err)) == ST_OK && b) ... render b ...
 *   st_query_close(q);
 *
 * Prepare parses, binds (resolving tables through the catalog and files named
 * in FROM), type-checks and plans; it opens the sources but reads no data.
 * Next runs the plan and returns the result batch by batch: results stream,
 * so a LIMIT over a large table returns as soon as its rows are found.
 *
 * Guarantees:
 *  - Errors (ST_ERR_PARSE, ST_ERR_NOT_FOUND, ST_ERR_TYPE, ST_ERR_INVALID for
 *    bad values, ST_ERR_LIMIT for the memory limit, ...) carry a message
 *    "line L, column C: ..." followed by the offending line of the query and
 *    a caret under the position.
 *  - The result is identical for any thread count (rows, their order when the
 *    query does not fix one, and floating-point sums).
 *  - Memory held by the query (hash tables, sort buffers, materialized rows,
 *    batches being read) stays within opts.memory_limit, or the query fails
 *    with ST_ERR_LIMIT; it never grows without bound.
 *  - The catalog may be NULL: then only files can be queried.
 *
 * Ownership: the batch returned by st_query_next belongs to the query and is
 * valid until the next call to st_query_next or st_query_close; it honours a
 * selection vector like any batch.  The catalog must outlive the query.
 */
#ifndef ST_SQL_H
#define ST_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/source.h"
#include "format/mem.h"
#include "format/status.h"
#include "format/types.h"
#include "format/vector.h"

typedef struct st_sql_opts {
    uint32_t threads;        /* 0 = every online CPU */
    uint64_t memory_limit;   /* bytes; 0 = no limit */
    int64_t as_of_version;   /* default for tables without their own; -1 = latest */
    int64_t as_of_ts_us;     /* INT64_MIN = none */
    int64_t now_us;          /* the statement's now(); INT64_MIN = the clock */
    const volatile int *interrupt; /* when *interrupt != 0 the query stops
                                      with ST_ERR_INTERRUPTED; may be NULL */
    bool no_prune;           /* read every partition, segment and row group
                                (zone maps unused: for testing that pruning
                                never changes an answer) */
    bool analyze;            /* measure rows, bytes and time per operator
                                (EXPLAIN ANALYZE; implied by that statement) */
    bool read_only;          /* refuse CREATE TABLE, INSERT and COPY (the
                                fuzzer, which must not write files) */
} st_sql_opts;

void st_sql_opts_init(st_sql_opts *o);

typedef struct st_query st_query;

st_status st_query_prepare(st_catalog *cat, const char *sql, const st_sql_opts *opts,
                           st_query **out, st_error *e);
uint32_t st_query_ncols(const st_query *q);
const char *st_query_col_name(const st_query *q, uint32_t i);
st_type st_query_col_type(const st_query *q, uint32_t i);
/* Next batch of the result, or *out = NULL at the end. */
st_status st_query_next(st_query *q, const st_batch **out, st_error *e);
/* EXPLAIN / EXPLAIN ANALYZE statements (st_query_next returns the plan's
 * lines, one per row of a VARCHAR column "plan"). */
bool st_query_is_explain(const st_query *q);
/* The plan (what EXPLAIN prints), appended to sb as indented text or, with
 * json, as a JSON document: per scan the partitions, segments and row
 * groups total vs kept, the rows and bytes to read (this opens the kept
 * segments' footers; no data is read).  EXPLAIN ANALYZE runs the statement
 * here when it has not run yet; a statement prepared with opts.analyze
 * reports its counters once its result has been read to the end. */
st_status st_query_explain(st_query *q, bool json, st_sbuf *sb, st_error *e);
/* Peak bytes the query held (for reports). */
uint64_t st_query_peak_memory(const st_query *q);
void st_query_close(st_query *q); /* NULL accepted */

/* Parse a size such as "512MB", "2GiB", "100kB", "1000000" (bytes) into
 * bytes: KB/MB/GB/TB are powers of 1000 and KiB/MiB/GiB/TiB powers of 1024,
 * as DuckDB reads them; a bare number is bytes. */
st_status st_parse_size(const char *s, uint64_t *out, st_error *e);

#endif /* ST_SQL_H */
