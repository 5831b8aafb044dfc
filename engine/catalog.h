/*
 * catalog.h: where `strata query` gets its tables and files from.
 *
 * st_warehouse_catalog_open is the one function the query command needs from
 * the table layer: a catalog (engine/source.h) over the tables of a warehouse
 * directory, resolving "layer.name" and an as-of (version or commit time) to
 * a snapshot source.  It is implemented by the warehouse module
 * (engine/catalog.c).
 *
 * Contract for the implementation:
 *  - Opening is cheap (no table is read until open() asks for it); a missing
 *    or non-warehouse directory is ST_ERR_NOT_FOUND naming the directory.
 *  - Unknown tables and versions are ST_ERR_NOT_FOUND with what exists.
 *  - The returned catalog is freed with st_catalog_close (ops->close set).
 *
 * st_file_source_open opens a file as a source for FROM 'f.csv' and the
 * read_csv / read_json / read_ndjson / read_parquet table functions: the
 * format comes from the function (func != NULL) or from the extension.
 * Options come from the table function's `name = value` arguments, values
 * as text (read_csv('f.csv', header = false, delim = ';')); an option the
 * format does not know is an error naming the ones it does.
 */
#ifndef ST_CATALOG_H
#define ST_CATALOG_H

#include "engine/source.h"
#include "format/status.h"

st_status st_warehouse_catalog_open(const char *warehouse_dir, st_catalog **out, st_error *e);

typedef struct st_file_option {
    const char *name;  /* lower case */
    const char *value; /* as text: "true", ";", "20480" */
} st_file_option;

st_status st_file_source_open(const char *path, const char *func, const st_file_option *opts,
                              uint32_t nopts, st_source **out, st_error *e);

#endif /* ST_CATALOG_H */
