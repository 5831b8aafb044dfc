/*
 * wh_catalog_none.c: the stand-in for st_warehouse_catalog_open (catalog.h)
 * until the warehouse module provides it.  Delete this file when it does:
 * the two definitions would clash at link time, which is the point.
 *
 * It answers every warehouse with a clear error, so `strata query` works on
 * files and says plainly why a table name cannot be resolved.
 */
#include "engine/catalog.h"

st_status st_warehouse_catalog_open(const char *warehouse_dir, st_catalog **out, st_error *e) {
    *out = NULL;
    return st_error_set(e, ST_ERR_UNSUPPORTED,
                        "tables of the warehouse %s cannot be queried yet: this build has no "
                        "warehouse catalog (query files with FROM 'file.csv')",
                        warehouse_dir);
}
