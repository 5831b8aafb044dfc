/*
 * sql_fixture.h: loading the SQL suite's fixture tables (tests/sql/data:
 * NAME.csv + NAME.types) into in-memory tables, for the unit tests of the
 * SQL engine.  Header-only (static functions), included by test files.
 *
 * The CSV dialect is the fixtures' own (make_fixtures.py): a header line,
 * comma, '"' quotes with "" escapes, an unquoted empty field is NULL and ""
 * is the empty string.  Values are parsed with the exact parsers of
 * format/types.h, so a fixture never depends on the text-format readers.
 */
#ifndef ST_SQL_FIXTURE_H
#define ST_SQL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/memsrc.h"
#include "format/schema.h"
#include "format/types.h"
#include "format/vector.h"

static char *fx_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

/* Parse one CSV record starting at *p; fields into out (quoted flags in q).
 * Returns the number of fields; *p moves past the record's newline. */
static int fx_record(const char **p, char **out, int *quoted, int max) {
    const char *s = *p;
    int n = 0;
    if (!*s) return 0;
    for (;;) {
        char buf[4096];
        size_t bl = 0;
        int q = 0;
        if (*s == '"') {
            q = 1;
            s++;
            for (;;) {
                if (!*s) break;
                if (*s == '"') {
                    if (s[1] == '"') {
                        if (bl < sizeof buf - 1) buf[bl++] = '"';
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                if (bl < sizeof buf - 1) buf[bl++] = *s;
                s++;
            }
        } else {
            while (*s && *s != ',' && *s != '\n' && *s != '\r') {
                if (bl < sizeof buf - 1) buf[bl++] = *s;
                s++;
            }
        }
        buf[bl] = 0;
        if (n < max) {
            out[n] = strdup(buf);
            quoted[n] = q;
        }
        n++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\r') s++;
        if (*s == '\n') s++;
        break;
    }
    *p = s;
    return n;
}

/* Load dir/name.{types,csv} into a new memtable (unit_rows, per_group). */
static st_memtable *fx_load(const char *dir, const char *name, uint32_t unit_rows,
                            uint32_t per_group, st_error *e) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.types", dir, name);
    char *types = fx_slurp(path, NULL);
    if (!types) {
        st_error_set(e, ST_ERR_NOT_FOUND, "%s: cannot read", path);
        return NULL;
    }
    st_schema *sch = st_schema_new();
    char *save = NULL;
    uint32_t id = 1;
    for (char *line = strtok_r(types, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (!sp) continue;
        *sp = 0;
        st_type t;
        if (st_type_parse(sp + 1, strlen(sp + 1), &t, e) != ST_OK ||
            st_schema_add(sch, line, t, id++, true, e) != ST_OK) {
            free(types);
            st_schema_free(sch);
            return NULL;
        }
    }
    free(types);
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    char *csv = fx_slurp(path, NULL);
    if (!csv) {
        st_schema_free(sch);
        st_error_set(e, ST_ERR_NOT_FOUND, "%s: cannot read", path);
        return NULL;
    }
    st_memtable *t = st_memtable_new(sch, unit_rows, per_group);
    st_type *ts = calloc(sch->nfields, sizeof *ts);
    st_schema_types(sch, ts);
    st_batch *b = st_batch_new(ts, sch->nfields, 1);
    const char *p = csv;
    char *f[256];
    int q[256];
    int nf = fx_record(&p, f, q, 256); /* header */
    for (int i = 0; i < nf && i < 256; i++) free(f[i]);
    int line = 1;
    while (*p) {
        line++;
        nf = fx_record(&p, f, q, 256);
        if (nf == 0) break;
        st_batch_reset(b);
        for (uint32_t c = 0; c < sch->nfields; c++) {
            st_vector *v = b->cols[c];
            const char *s = (int)c < nf ? f[c] : "";
            int quoted = (int)c < nf ? q[c] : 0;
            if (!quoted && !*s) {
                st_vector_append_null(v, e);
            } else if (st_type_is_string(ts[c])) {
                st_vector_append_str(v, s, (uint32_t)strlen(s), e);
            } else {
                union {
                    int64_t i;
                    st_i128 h;
                    double d;
                } val;
                memset(&val, 0, sizeof val);
                if (st_parse_value(ts[c], s, strlen(s), &val, e) != ST_OK) {
                    st_error_prefix(e, "%s line %d column %u: ", path, line, c + 1);
                    for (int i = 0; i < nf && i < 256; i++) free(f[i]);
                    goto fail;
                }
                st_vector_append(v, &val, e);
            }
        }
        for (int i = 0; i < nf && i < 256; i++) free(f[i]);
        st_batch_set_len(b, 1);
        if (st_memtable_append(t, b, e) != ST_OK) goto fail;
    }
    st_batch_free(b);
    free(ts);
    free(csv);
    st_schema_free(sch);
    return t;
fail:
    st_batch_free(b);
    free(ts);
    free(csv);
    st_schema_free(sch);
    st_memtable_unref(t);
    return NULL;
}

#endif /* ST_SQL_FIXTURE_H */
