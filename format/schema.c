/*
 * schema.c: field lists with stable ids (see schema.h).
 */
#include "format/schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

st_schema *st_schema_new(void) { return calloc(1, sizeof(st_schema)); }

void st_schema_free(st_schema *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->nfields; i++) free(s->fields[i].name);
    free(s->fields);
    free(s);
}

int st_schema_find_n(const st_schema *s, const char *name, size_t n) {
    for (uint32_t i = 0; i < s->nfields; i++)
        if (strlen(s->fields[i].name) == n && !strncasecmp(s->fields[i].name, name, n))
            return (int)i;
    return -1;
}

int st_schema_find(const st_schema *s, const char *name) {
    return st_schema_find_n(s, name, strlen(name));
}

int st_schema_find_id(const st_schema *s, uint32_t id) {
    for (uint32_t i = 0; i < s->nfields; i++)
        if (s->fields[i].id == id) return (int)i;
    return -1;
}

st_status st_schema_add(st_schema *s, const char *name, st_type type, uint32_t id,
                        bool nullable, st_error *e) {
    if (!name || !*name) return st_error_set(e, ST_ERR_INVALID, "a column needs a name");
    if (st_schema_find(s, name) >= 0)
        return st_error_set(e, ST_ERR_INVALID, "duplicate column name '%s'", name);
    if (id && st_schema_find_id(s, id) >= 0)
        return st_error_set(e, ST_ERR_INVALID, "duplicate field id %u ('%s')", id, name);
    if (!st_type_valid(type) && type.id != ST_T_NULL) {
        char tn[ST_TYPE_NAME_MAX];
        return st_error_set(e, ST_ERR_INVALID, "column '%s': invalid type %s", name,
                            st_type_name(type, tn));
    }
    if (s->nfields == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 8;
        st_field *nf = realloc(s->fields, nc * sizeof *nf);
        if (!nf) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
        s->fields = nf;
        s->cap = nc;
    }
    char *copy = strdup(name);
    if (!copy) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
    st_field *f = &s->fields[s->nfields++];
    f->name = copy;
    f->type = type;
    f->id = id;
    f->nullable = nullable;
    return ST_OK;
}

st_schema *st_schema_clone(const st_schema *s) {
    st_schema *c = st_schema_new();
    if (!c) return NULL;
    for (uint32_t i = 0; i < s->nfields; i++) {
        const st_field *f = &s->fields[i];
        if (st_schema_add(c, f->name, f->type, f->id, f->nullable, NULL) != ST_OK) {
            st_schema_free(c);
            return NULL;
        }
    }
    return c;
}

uint32_t st_schema_max_id(const st_schema *s) {
    uint32_t m = 0;
    for (uint32_t i = 0; i < s->nfields; i++)
        if (s->fields[i].id > m) m = s->fields[i].id;
    return m;
}

void st_schema_types(const st_schema *s, st_type *out) {
    for (uint32_t i = 0; i < s->nfields; i++) out[i] = s->fields[i].type;
}
