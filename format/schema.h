/*
 * schema.h: an ordered list of named, typed fields with stable field ids.
 *
 * Columns are identified by field id, not by name or position: a rename or an
 * added column changes only metadata, and a segment written under an older
 * schema stays readable (a field it lacks reads as NULL).  Ids are assigned by
 * whoever owns the schema (the table) and never reused.
 *
 * Names are case-preserving; lookups by name are case-insensitive, as SQL
 * identifiers are.  A schema owns its name strings.
 */
#ifndef ST_SCHEMA_H
#define ST_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "format/status.h"
#include "format/types.h"

typedef struct st_field {
    char *name;
    st_type type;
    uint32_t id;   /* stable field id (>= 1); 0 = not assigned yet */
    bool nullable;
} st_field;

typedef struct st_schema {
    uint32_t nfields;
    uint32_t cap;
    st_field *fields;
} st_schema;

st_schema *st_schema_new(void); /* NULL on allocation failure */
void st_schema_free(st_schema *s);
/* Append a field (name copied).  Refuses an empty name, a duplicate name
 * (case-insensitive) or a duplicate non-zero id. */
st_status st_schema_add(st_schema *s, const char *name, st_type type, uint32_t id,
                        bool nullable, st_error *e);
/* Index of the field with this name (case-insensitive), or -1. */
int st_schema_find(const st_schema *s, const char *name);
int st_schema_find_n(const st_schema *s, const char *name, size_t n);
/* Index of the field with this id, or -1. */
int st_schema_find_id(const st_schema *s, uint32_t id);
/* Deep copy; NULL on allocation failure. */
st_schema *st_schema_clone(const st_schema *s);
/* Largest field id in use (0 when empty). */
uint32_t st_schema_max_id(const st_schema *s);
/* Types of all fields into out[nfields]. */
void st_schema_types(const st_schema *s, st_type *out);

#endif /* ST_SCHEMA_H */
