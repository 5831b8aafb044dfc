/*
 * src_parquet.h: Parquet files as a scan source (engine/source.h), so the
 * query engine can read `FROM 'f.parquet'` / `read_parquet(...)` with column
 * projection and row-group pruning.
 *
 * Shape: one group per file, one unit per row group (row groups larger than
 * ST_SOURCE_UNIT_MAX rows are split into several units, each carrying the
 * row group's zone maps, which stay valid bounds for any slice).  Group zone
 * maps merge the file's row-group zone maps (NULL when any row group's
 * statistics cannot be trusted).  Files are opened and validated (footer,
 * schema, chunk ranges) when the source is opened; reads are thread-safe.
 *
 * Several files form one source only when their schemas agree (same column
 * names, types and order); nullability is the union.
 */
#ifndef ST_SRC_PARQUET_H
#define ST_SRC_PARQUET_H

#include <stdint.h>

#include "engine/source.h"
#include "format/status.h"

/* Open one Parquet file as a source; close with st_source_close. */
st_status st_parquet_source_open(const char *path, st_source **out, st_error *e);
/* Open several files (same schema) as one source, a group per file. */
st_status st_parquet_source_open_many(const char *const *paths, uint32_t npaths, st_source **out,
                                      st_error *e);

#endif /* ST_SRC_PARQUET_H */
