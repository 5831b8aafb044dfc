/*
 * warehouse.h: the warehouse directory, its configuration, and table names.
 *
 * Layout (spec/LOG.md draws it in full):
 *
 *     <warehouse>/strata.json           marker + configuration
 *     <warehouse>/bronze/<name>/        a table: _log/ (commit log) + data/ (segments)
 *     <warehouse>/silver/<name>/
 *     <warehouse>/gold/<name>/
 *
 * Table names are `layer.name`.  They are the only user text that becomes a
 * path, so they are checked strictly: layer is bronze, silver or gold; name
 * is 1..64 ASCII letters, digits and '_' starting with a letter or '_', and
 * is folded to lower case (SQL identifiers are case-insensitive).  Anything
 * else ('/', '..', a NUL, a space, a non-ASCII byte) is refused, so no name
 * can leave the warehouse.  `layer.name__rejects` names the quarantine of
 * `layer.name`: it is a view of the base table's log, never a directory.
 */
#ifndef ST_WAREHOUSE_H
#define ST_WAREHOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "format/status.h"

#define ST_TABLE_NAME_MAX 64
#define ST_REJECTS_SUFFIX "__rejects"

typedef struct st_tname {
    char layer[8];                   /* "bronze", "silver", "gold" */
    char name[ST_TABLE_NAME_MAX + 1]; /* base name, lower case */
    bool rejects;                    /* the name ended in __rejects */
    char full[8 + ST_TABLE_NAME_MAX + 12]; /* "bronze.sales" (without __rejects) */
} st_tname;

/* Parse and check a table name ("bronze.sales", "Bronze.Sales__rejects").
 * ST_ERR_INVALID with a message saying what a name may contain. */
st_status st_tname_parse(const char *s, st_tname *out, st_error *e);

typedef struct st_whconfig {
    int64_t vacuum_min_retain_us; /* vacuum refuses less without --force (7d) */
    uint32_t checkpoint_interval; /* a checkpoint every N commits (10) */
} st_whconfig;

typedef struct st_warehouse st_warehouse;

/* Create a warehouse at dir (mkdir -p, the three namespaces, strata.json),
 * durably.  An existing warehouse is left as it is (*created = false). */
st_status st_warehouse_init(const char *dir, bool *created, st_error *e);
/* Open an existing warehouse; a missing one is ST_ERR_NOT_FOUND with a hint
 * to run `strata init`. */
st_status st_warehouse_open(const char *dir, st_warehouse **out, st_error *e);
void st_warehouse_close(st_warehouse *w); /* NULL accepted */
const char *st_warehouse_dir(const st_warehouse *w);
const st_whconfig *st_warehouse_config(const st_warehouse *w);

/* Names of the tables ("bronze.sales"), sorted, one layer or all (layer NULL).
 * *names is an array of *n heap strings; free with st_strv_free. */
st_status st_warehouse_tables(st_warehouse *w, const char *layer, char ***names, uint32_t *n,
                              st_error *e);
void st_strv_free(char **v, uint32_t n);

/* "7d", "12h", "30m", "45s", "0" -> microseconds. */
st_status st_duration_parse(const char *s, int64_t *out_us, st_error *e);
/* The shortest exact text of a duration in those units ("7d", "90m"). */
void st_duration_format(int64_t us, char buf[32]);

#endif /* ST_WAREHOUSE_H */
