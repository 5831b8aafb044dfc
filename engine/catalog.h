/*
 * catalog.h: the warehouse as a catalog for SQL (engine/source.h): table
 * names ("bronze.sales", "bronze.sales__rejects") resolve to a source over
 * the table's snapshot at the requested version or timestamp
 * (engine/tsource.h).
 *
 * Errors: an unknown table names the tables that exist; a version or
 * timestamp out of range states the range that exists (engine/table.h).
 *
 * Ownership: the catalog owns the open warehouse; every source it opens
 * owns its table handle and snapshot and must be closed before the catalog.
 */
#ifndef ST_CATALOG_H
#define ST_CATALOG_H

#include "engine/source.h"

st_status st_warehouse_catalog_open(const char *warehouse_dir, st_catalog **out, st_error *e);
void st_warehouse_catalog_close(st_catalog *c); /* NULL accepted */

#endif /* ST_CATALOG_H */
