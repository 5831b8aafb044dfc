/*
 * cli_table.c: shared helpers of the table commands (see cli_table.h).
 */
#include "cli/cli_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int st_cli_open_table(const st_cli *cli, const char *cmd, const char *name, bool must_exist,
                      st_warehouse **w, st_table **t, st_tname *tn) {
    (void)cmd;
    st_error e;
    *w = NULL;
    *t = NULL;
    if (st_tname_parse(name, tn, &e)) return st_cli_fail(&e);
    if (st_warehouse_open(cli->warehouse, w, &e)) return st_cli_fail(&e);
    if (st_table_open(*w, tn, t, &e)) {
        st_warehouse_close(*w);
        *w = NULL;
        return st_cli_fail(&e);
    }
    if (must_exist && st_table_require(*t, &e)) {
        st_table_close(*t);
        st_warehouse_close(*w);
        *t = NULL;
        *w = NULL;
        return st_cli_fail(&e);
    }
    return 0;
}

int st_cli_out_format(const char *cmd, const char *text, st_out_format *out) {
    *out = ST_OUT_TABLE;
    if (text && st_out_format_parse(text, out) != 0)
        return st_cli_usage(cmd, "--format must be table, csv, json or ndjson, not '%s'", text);
    return 0;
}

void st_cli_print_json(json_t *j, bool compact) {
    size_t flags = JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT(2));
    json_dumpf(j, stdout, flags);
    fputc('\n', stdout);
    json_decref(j);
}

void st_cli_bytes(uint64_t n, char buf[32]) {
    static const char *const u[] = {"B", "KB", "MB", "GB", "TB"};
    double x = (double)n;
    int i = 0;
    while (x >= 1000 && i < 4) {
        x /= 1000;
        i++;
    }
    if (i == 0) snprintf(buf, 32, "%llu B", (unsigned long long)n);
    else snprintf(buf, 32, "%.1f %s", x, u[i]);
}

struct st_rows {
    uint32_t ncols, col;
    char **names;
    st_batch *b;
};

st_rows *st_rows_new(const char *const *names, const st_type *types, uint32_t ncols) {
    st_rows *r = st_xcalloc(1, sizeof *r);
    r->ncols = ncols;
    r->names = st_xcalloc(ncols, sizeof *r->names);
    for (uint32_t i = 0; i < ncols; i++) r->names[i] = st_xstrdup(names[i]);
    r->b = st_batch_new(types, ncols, 64);
    if (!r->b) {
        fprintf(stderr, "strata: out of memory\n");
        exit(1);
    }
    return r;
}

static st_vector *cell(st_rows *r) {
    st_vector *v = r->b->cols[r->col];
    if (++r->col == r->ncols) {
        r->col = 0;
        r->b->len++;
    }
    return v;
}

static void check(st_status rc) {
    if (rc) {
        fprintf(stderr, "strata: out of memory\n");
        exit(1);
    }
}

void st_rows_str(st_rows *r, const char *s) {
    st_vector *v = cell(r);
    check(s ? st_vector_append_str(v, s, (uint32_t)strlen(s), NULL) : st_vector_append_null(v, NULL));
}
void st_rows_i64(st_rows *r, int64_t x) {
    st_vector *v = cell(r);
    check(st_vector_append(v, &x, NULL));
}
void st_rows_ts(st_rows *r, int64_t us) {
    st_vector *v = cell(r);
    check(st_vector_append(v, &us, NULL));
}
void st_rows_bool(st_rows *r, bool b) {
    st_vector *v = cell(r);
    uint8_t x = b;
    check(st_vector_append(v, &x, NULL));
}
void st_rows_null(st_rows *r) {
    st_vector *v = cell(r);
    check(st_vector_append_null(v, NULL));
}

int st_rows_print(st_rows *r, st_out_format fmt) {
    st_type *types = st_xcalloc(r->ncols, sizeof *types);
    for (uint32_t i = 0; i < r->ncols; i++) types[i] = r->b->cols[i]->type;
    st_render *rd = st_render_begin(stdout, fmt, (const char *const *)r->names, types, r->ncols, 0);
    free(types);
    st_error e;
    int rc = 0;
    st_batch_set_len(r->b, r->b->len);
    if (st_render_batch(rd, r->b, &e) != ST_OK) {
        st_render_abort(rd);
        rc = st_cli_fail(&e);
    } else if (st_render_end(rd, &e) != ST_OK) {
        rc = st_cli_fail(&e);
    }
    st_rows_free(r);
    return rc;
}

void st_rows_free(st_rows *r) {
    if (!r) return;
    for (uint32_t i = 0; i < r->ncols; i++) free(r->names[i]);
    free(r->names);
    st_batch_free(r->b);
    free(r);
}

/* ---- the lazily opened warehouse catalog ---------------------------------- */

static st_status lazy_open(st_catalog *c, const char *name, int64_t ver, int64_t ts, st_source **out, st_error *e) {
    st_cli_lazycat *l = c->impl;
    if (!l->inner) ST_TRY(st_warehouse_catalog_open(l->dir, &l->inner, e));
    return l->inner->ops->open(l->inner, name, ver, ts, out, e);
}

static void *lazy_warehouse(st_catalog *c) {
    st_cli_lazycat *l = c->impl;
    st_error e;
    if (!l->inner && st_warehouse_catalog_open(l->dir, &l->inner, &e) != ST_OK) return NULL;
    return l->inner->ops->warehouse ? l->inner->ops->warehouse(l->inner) : NULL;
}

static const st_catalog_ops lazy_ops = {lazy_open, NULL, lazy_warehouse};

void st_cli_lazycat_init(st_cli_lazycat *l, const char *dir) {
    l->cat.ops = &lazy_ops;
    l->cat.impl = l;
    l->dir = dir;
    l->inner = NULL;
}

void st_cli_lazycat_close(st_cli_lazycat *l) {
    st_catalog_close(l->inner);
    l->inner = NULL;
}
