/*
 * xspec.h: Silver transform specs: parsing, checking and compiling a spec
 * file (spec/SILVER.md) into the program the Silver kernel runs.
 *
 * A spec names the Bronze source, the output columns (each from a source
 * column, another output column, a lookup's column or an arithmetic
 * expression, through standardization steps and a final cast), canonical
 * value maps, validation rules, the dedup key and ordering, lookups against
 * reference tables, and the expectation suite checked before each commit.
 *
 * Compiling needs only schemas (from the tables' logs, through the caller's
 * resolver), never data, so every mistake a spec can hold is reported before
 * anything is read: an unknown key, a missing column, a type a step does not
 * take, an impossible cast, a bad regex, an unknown time zone, a rule or key
 * on a column that does not exist, a column or lookup that depends on itself
 * (a cycle, named in the message), a lookup on the table being built.
 * Errors name the spec file and the column, rule or lookup.
 *
 * Ownership: a compiled spec owns everything it holds; free it with
 * st_xspec_free (NULL accepted).  It is immutable after compiling and may be
 * shared by threads.
 */
#ifndef ST_XSPEC_H
#define ST_XSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "format/logrec.h"
#include "format/status.h"

typedef struct st_xspec st_xspec;

/* Resolve a table name ("bronze.sales") to its current schema (a copy the
 * caller of the resolver frees).  ST_ERR_NOT_FOUND when it does not exist. */
typedef st_status (*st_xspec_schema_fn)(void *ctx, const char *table, st_tschema **out, st_error *e);

/* Compile spec text (JSON).  `name` is the spec's path, used in messages
 * and to resolve a relative suite path. */
st_status st_xspec_compile(const char *text, size_t len, const char *name, st_xspec_schema_fn resolve,
                           void *ctx, st_xspec **out, st_error *e);
/* Read and compile a spec file. */
st_status st_xspec_load(const char *path, st_xspec_schema_fn resolve, void *ctx, st_xspec **out, st_error *e);
void st_xspec_free(st_xspec *s);

const char *st_xspec_name(const st_xspec *s);     /* the file */
const char *st_xspec_target(const st_xspec *s);   /* "silver.sales" */
const char *st_xspec_source(const st_xspec *s);   /* "bronze.sales" */
/* Tables the spec's lookups read ("bronze.fx_rates", ...). */
uint32_t st_xspec_lookup_count(const st_xspec *s);
const char *st_xspec_lookup_table(const st_xspec *s, uint32_t i);
/* The suite file (absolute or relative to the working directory), or NULL. */
const char *st_xspec_suite(const st_xspec *s);
/* The output columns: names, types, nullability (no ids). */
const st_tschema *st_xspec_output(const st_xspec *s);
/* Dedup key column names (output columns), 0 when the spec has no dedup. */
uint32_t st_xspec_key_count(const st_xspec *s);
const char *st_xspec_key(const st_xspec *s, uint32_t i);

#endif /* ST_XSPEC_H */
