/*
 * catalog.c: the warehouse catalog, st_warehouse_catalog_open (catalog.h).
 * Table names ("bronze.sales", "bronze.sales__rejects") resolve to a source
 * over the table's snapshot at the requested version or timestamp
 * (engine/tsource.h).  Opening the catalog reads only strata.json; each
 * open() parses and checks the name, resolves the as-of against the table's
 * log (errors state what exists) and wraps a table source whose close also
 * closes the table handle it owns.  st_catalog_close releases the warehouse;
 * sources must be closed before it.
 */
#include "engine/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "engine/table.h"
#include "engine/tsource.h"
#include "engine/warehouse.h"

typedef struct wcat {
    st_warehouse *w;
} wcat;

/* A source that owns its table: wraps the table source's ops to close the
 * table too. */
typedef struct owned {
    st_source_ops ops;
    const st_source_ops *inner;
    st_table *t;
} owned;

static void owned_close(st_source *s) {
    owned *o = (owned *)s->ops;
    st_table *t = o->t;
    s->ops = o->inner;
    o->inner->close(s);
    st_table_close(t);
    free(o);
}

static st_status cat_open(st_catalog *c, const char *name, int64_t as_of_version, int64_t as_of_ts_us,
                          st_source **out, st_error *e) {
    wcat *wc = c->impl;
    *out = NULL;
    st_tname tn;
    ST_TRY(st_tname_parse(name, &tn, e));
    st_table *t;
    ST_TRY(st_table_open(wc->w, &tn, &t, e));
    st_status rc = st_table_require(t, e);
    st_logstate *state = NULL;
    st_as_of a = ST_AS_OF_LATEST;
    if (as_of_version >= 0) a.version = as_of_version;
    else if (as_of_ts_us != INT64_MIN) a.ts_us = as_of_ts_us;
    if (!rc) rc = st_table_load_as_of(t, a, true, &state, e);
    st_source *s = NULL;
    if (!rc) rc = st_tsource_open(t, state, tn.rejects, &s, e);
    owned *o = rc ? NULL : malloc(sizeof *o);
    if (!rc && !o) {
        st_source_close(s);
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (rc) {
        st_table_close(t);
        return rc;
    }
    o->inner = s->ops;
    o->ops = *s->ops;
    o->ops.close = owned_close;
    o->t = t;
    s->ops = &o->ops;
    *out = s;
    return ST_OK;
}

static void cat_close(st_catalog *c) {
    wcat *wc = c->impl;
    st_warehouse_close(wc->w);
    free(wc);
    free(c);
}

static void *cat_warehouse(st_catalog *c) { return ((wcat *)c->impl)->w; }

static const st_catalog_ops wcat_ops = {cat_open, cat_close, cat_warehouse};

st_status st_warehouse_catalog_open(const char *warehouse_dir, st_catalog **out, st_error *e) {
    *out = NULL;
    st_catalog *c = calloc(1, sizeof *c);
    wcat *wc = calloc(1, sizeof *wc);
    if (!c || !wc) {
        free(c);
        free(wc);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    st_status rc = st_warehouse_open(warehouse_dir, &wc->w, e);
    if (rc) {
        free(c);
        free(wc);
        return rc;
    }
    c->ops = &wcat_ops;
    c->impl = wc;
    *out = c;
    return ST_OK;
}
