/*
 * xspec.c: the transform spec compiler (see xspec.h, xspec_int.h and
 * spec/SILVER.md for the file format).
 *
 * Compiling goes in this order, so that a mistake is reported with the
 * context a person needs to fix it:
 *   1. the JSON's shape (known keys, right JSON types);
 *   2. the source's and the lookups' schemas (from their logs);
 *   3. nodes for columns and lookups, then every reference (a "from", an
 *      expression operand, a lookup key) resolved by name: another spec
 *      column, "lookup.column", or a source column;
 *   4. a depth-first walk that types every node in dependency order and
 *      reports a cycle with its path (column a -> lookup fx -> column a);
 *   5. rules, dedup, the output schema, and the two node sets each pass
 *      evaluates.
 */
#include "engine/xspec.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/lineage.h"
#include "engine/warehouse.h"
#include "engine/vcast.h"
#include "engine/xspec_int.h"
#include "format/io.h"

#define MAX_NODES 4096

typedef struct cctx {
    st_xspec *sp;
    const char *file;
    st_xspec_schema_fn resolve;
    void *rctx;
    json_t *root;
    json_t **col_json;   /* per spec column */
    uint32_t ncols;
    int32_t *col_node;   /* spec column -> node */
    st_tschema **lk_schema;
    uint32_t nodes_cap;
    uint8_t *state;      /* DFS: 0 new, 1 on stack, 2 done */
    int32_t *stack;      /* DFS path for cycle messages */
    uint32_t depth;
    uint32_t norder;
    st_error *e;
} cctx;

/* ---- small helpers ----------------------------------------------------------------- */

static st_status fail(cctx *c, st_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static st_status fail(cctx *c, st_status code, const char *fmt, ...) {
    char msg[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return st_error_set(c->e, code, "%s: %s", c->file, msg);
}

static st_status nomem(cctx *c) { return st_error_set(c->e, ST_ERR_NOMEM, "%s: out of memory", c->file); }

static st_status check_keys(cctx *c, const json_t *o, const char *what, const char *const *keys) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (int i = 0; keys[i]; i++) ok |= !strcmp(keys[i], k);
        if (!ok) {
            char list[400] = "";
            for (int i = 0; keys[i]; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, keys[i], sizeof list - strlen(list) - 1);
            }
            return fail(c, ST_ERR_INVALID, "%s: unknown key \"%.64s\" (known: %s)", what, k, list);
        }
    }
    return ST_OK;
}

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int32_t new_node(cctx *c, xnode_kind k, const char *name) {
    st_xspec *sp = c->sp;
    if (sp->nnodes == c->nodes_cap) {
        uint32_t nc = c->nodes_cap ? c->nodes_cap * 2 : 32;
        if (nc > MAX_NODES) return -1;
        xnode *n = realloc(sp->nodes, nc * sizeof *n);
        if (!n) return -1;
        sp->nodes = n;
        c->nodes_cap = nc;
    }
    xnode *x = &sp->nodes[sp->nnodes];
    memset(x, 0, sizeof *x);
    x->kind = k;
    x->in = x->lookup = x->out_col = x->order = -1;
    if (!(x->name = strdup(name ? name : ""))) return -1;
    return (int32_t)sp->nnodes++;
}

static const char *node_desc(const st_xspec *sp, int32_t n, char *buf, size_t cap) {
    const xnode *x = &sp->nodes[n];
    switch (x->kind) {
    case XN_COL: snprintf(buf, cap, "column %s", x->name); break;
    case XN_LOOKUP: snprintf(buf, cap, "lookup %s", sp->lookups[x->lookup].name); break;
    case XN_LKCOL: snprintf(buf, cap, "%s", x->name); break;
    case XN_SRC: snprintf(buf, cap, "source column %s", x->name); break;
    default: snprintf(buf, cap, "%s", x->name); break;
    }
    return buf;
}

/* ---- references --------------------------------------------------------------------- */

static st_status resolve_ref(cctx *c, const char *ref, int32_t self, const char *ctx, int32_t *out) {
    st_xspec *sp = c->sp;
    /* lookup.column */
    const char *dot = strchr(ref, '.');
    if (dot) {
        for (uint32_t l = 0; l < sp->nlookups; l++) {
            xlookup *lk = &sp->lookups[l];
            if (strlen(lk->name) != (size_t)(dot - ref) || strncmp(lk->name, ref, (size_t)(dot - ref))) continue;
            const char *col = dot + 1;
            int f = st_tschema_find(c->lk_schema[l], col);
            if (f < 0) {
                char list[300] = "";
                for (uint32_t i = 0; i < c->lk_schema[l]->nfields; i++) {
                    strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                    strncat(list, c->lk_schema[l]->fields[i].name, sizeof list - strlen(list) - 1);
                }
                return fail(c, ST_ERR_NOT_FOUND, "%s: %s has no column '%s' (its columns: %s)", ctx, lk->table, col, list);
            }
            /* reuse the LKCOL node for this column */
            for (uint32_t i = 0; i < sp->nnodes; i++)
                if (sp->nodes[i].kind == XN_LKCOL && sp->nodes[i].lookup == (int32_t)l &&
                    !strcasecmp(lk->cols[sp->nodes[i].lk_col], c->lk_schema[l]->fields[f].name)) {
                    *out = (int32_t)i;
                    return ST_OK;
                }
            char **nc = realloc(lk->cols, (lk->ncols + 1) * sizeof *nc);
            st_type *nt = nc ? realloc(lk->ctypes, (lk->ncols + 1) * sizeof *nt) : NULL;
            if (nc) lk->cols = nc;
            if (!nc || !nt) return nomem(c);
            lk->ctypes = nt;
            if (!(lk->cols[lk->ncols] = strdup(c->lk_schema[l]->fields[f].name))) return nomem(c);
            lk->ctypes[lk->ncols] = c->lk_schema[l]->fields[f].type;
            char nm[300];
            snprintf(nm, sizeof nm, "%s.%s", lk->name, c->lk_schema[l]->fields[f].name);
            int32_t n = new_node(c, XN_LKCOL, nm);
            if (n < 0) return nomem(c);
            sp->nodes[n].lookup = (int32_t)l;
            sp->nodes[n].lk_col = lk->ncols++;
            sp->nodes[n].in = lk->node;
            sp->nodes[n].type = c->lk_schema[l]->fields[f].type;
            *out = n;
            return ST_OK;
        }
    }
    /* another spec column (a column's "from" its own name is the source's) */
    for (uint32_t i = 0; i < c->ncols; i++) {
        if ((int32_t)c->col_node[i] == self) continue;
        if (!strcasecmp(sp->nodes[c->col_node[i]].name, ref)) {
            *out = c->col_node[i];
            return ST_OK;
        }
    }
    /* a source column */
    int f = st_schema_find(sp->src_view, ref);
    if (f >= 0) {
        for (uint32_t i = 0; i < sp->nnodes; i++)
            if (sp->nodes[i].kind == XN_SRC && sp->nodes[i].src_col == (uint32_t)f) {
                *out = (int32_t)i;
                return ST_OK;
            }
        int32_t n = new_node(c, XN_SRC, sp->src_view->fields[f].name);
        if (n < 0) return nomem(c);
        sp->nodes[n].src_col = (uint32_t)f;
        sp->nodes[n].type = sp->src_view->fields[f].type;
        *out = n;
        return ST_OK;
    }
    char list[600] = "";
    for (uint32_t i = 0; i < sp->src_schema->nfields; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, sp->src_schema->fields[i].name, sizeof list - strlen(list) - 1);
    }
    return fail(c, ST_ERR_NOT_FOUND, "%s: '%s' is not a column of %s (%s), of this spec, or lookup.column", ctx, ref,
                sp->source, list);
}

/* A literal from JSON: an integer (INT64), a real (DOUBLE), or {"decimal": "1.25"}. */
static st_status literal(cctx *c, const json_t *j, const char *ctx, int32_t *out) {
    int32_t n = new_node(c, XN_LIT, "a constant");
    if (n < 0) return nomem(c);
    xnode *x = &c->sp->nodes[n];
    if (json_is_integer(j)) {
        int64_t v = json_integer_value(j);
        x->type = st_type_make(ST_T_INT64);
        memcpy(x->lit, &v, 8);
    } else if (json_is_real(j)) {
        double v = json_real_value(j);
        x->type = st_type_make(ST_T_DOUBLE);
        memcpy(x->lit, &v, 8);
    } else {
        const char *d = json_is_object(j) ? jstr(j, "decimal") : NULL;
        if (!d || json_object_size(j) != 1)
            return fail(c, ST_ERR_INVALID, "%s: an operand is a column name, a number or {\"decimal\": \"1.25\"}", ctx);
        int id, fd;
        if (st_decimal_digits(d, strlen(d), &id, &fd) < 0 || id + fd > 38)
            return fail(c, ST_ERR_INVALID, "%s: '%s' is not a decimal", ctx, d);
        x->type = st_type_decimal(id + fd > 0 ? (id + fd > 18 ? 38 : 18) : 1, fd);
        st_i128 v;
        if (st_parse_decimal(d, strlen(d), x->type.precision, fd, false, &v, NULL))
            return fail(c, ST_ERR_INVALID, "%s: '%s' is not a decimal", ctx, d);
        if (st_decimal_is_wide(x->type)) memcpy(x->lit, &v, 16);
        else {
            int64_t s = (int64_t)v;
            memcpy(x->lit, &s, 8);
        }
    }
    *out = n;
    return ST_OK;
}

static st_status expr_node(cctx *c, const json_t *j, int32_t self, const char *ctx, int32_t *out);

static st_status operand(cctx *c, const json_t *j, int32_t self, const char *ctx, int32_t *out) {
    if (json_is_string(j)) return resolve_ref(c, json_string_value(j), self, ctx, out);
    if (json_is_object(j) && !json_object_get(j, "decimal")) return expr_node(c, j, self, ctx, out);
    return literal(c, j, ctx, out);
}

static st_status expr_node(cctx *c, const json_t *j, int32_t self, const char *ctx, int32_t *out) {
    static const char *const ops[] = {"mul", "add", "sub", "div", "coalesce"};
    if (!json_is_object(j) || json_object_size(j) != 1)
        return fail(c, ST_ERR_INVALID, "%s: an expression is {\"mul\"|\"add\"|\"sub\"|\"div\"|\"coalesce\": [operands]}", ctx);
    void *it = json_object_iter((json_t *)j);
    const char *k = json_object_iter_key(it);
    json_t *args = json_object_iter_value(it);
    int op = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(k, ops[i])) op = i;
    if (op < 0) return fail(c, ST_ERR_INVALID, "%s: unknown operator '%.32s' (mul, add, sub, div, coalesce)", ctx, k);
    size_t na = json_is_array(args) ? json_array_size(args) : 0;
    if (na < 2 || (op != XE_COALESCE && na != 2) || na > 16)
        return fail(c, ST_ERR_INVALID, "%s: %s takes %s operands", ctx, k, op == XE_COALESCE ? "2 to 16" : "two");
    int32_t n = new_node(c, XN_EXPR, k);
    if (n < 0) return nomem(c);
    int32_t *a = calloc(na, sizeof *a);
    if (!a) return nomem(c);
    c->sp->nodes[n].args = a;
    c->sp->nodes[n].nargs = (uint32_t)na;
    c->sp->nodes[n].op = (xexpr_op)op;
    for (size_t i = 0; i < na; i++) {
        int32_t x;
        ST_TRY(operand(c, json_array_get(args, i), self, ctx, &x));
        c->sp->nodes[n].args[i] = x; /* nodes may have moved: index, not pointer */
    }
    *out = n;
    return ST_OK;
}

/* ---- typing (DFS) ------------------------------------------------------------------------ */

static bool numeric(st_type t) { return st_type_is_numeric(t) || t.id == ST_T_FLOAT || t.id == ST_T_DOUBLE; }

static st_status visit(cctx *c, int32_t n);

static st_status deps_of(cctx *c, int32_t n, int32_t *deps, uint32_t *nd) {
    st_xspec *sp = c->sp;
    xnode *x = &sp->nodes[n];
    *nd = 0;
    switch (x->kind) {
    case XN_COL:
    case XN_CAST:
    case XN_LKCOL: deps[(*nd)++] = x->in; break;
    case XN_EXPR:
        for (uint32_t i = 0; i < x->nargs; i++) deps[(*nd)++] = x->args[i];
        break;
    case XN_LOOKUP: {
        xlookup *lk = &sp->lookups[x->lookup];
        for (uint32_t i = 0; i < lk->nkeys; i++) deps[(*nd)++] = lk->keys[i];
        for (uint32_t i = 0; i < lk->ncontains; i++) deps[(*nd)++] = lk->cont[i];
        break;
    }
    default: break;
    }
    return ST_OK;
}

static st_status cycle_error(cctx *c, int32_t n) {
    char path[800] = "", d[200];
    bool on = false;
    for (uint32_t i = 0; i < c->depth; i++) {
        if (c->stack[i] == n) on = true;
        if (!on) continue;
        xnode *x = &c->sp->nodes[c->stack[i]];
        if (x->kind != XN_COL && x->kind != XN_LOOKUP) continue;
        strncat(path, node_desc(c->sp, c->stack[i], d, sizeof d), sizeof path - strlen(path) - 1);
        strncat(path, " -> ", sizeof path - strlen(path) - 1);
    }
    strncat(path, node_desc(c->sp, n, d, sizeof d), sizeof path - strlen(path) - 1);
    return fail(c, ST_ERR_INVALID, "a cycle: %s depends on itself (%s)", node_desc(c->sp, n, d, sizeof d), path);
}

/* Type a COL node: input type -> steps -> cast. */
static st_status type_col(cctx *c, int32_t n, uint32_t spec_idx) {
    st_xspec *sp = c->sp;
    const json_t *cj = c->col_json[spec_idx];
    char ctx[200];
    snprintf(ctx, sizeof ctx, "column %s", sp->nodes[n].name);
    st_type t = sp->nodes[sp->nodes[n].in].type;
    if (t.id == ST_T_NULL) return fail(c, ST_ERR_TYPE, "%s: the value has no type (a bare NULL)", ctx);
    json_t *steps = json_object_get(cj, "steps");
    if (steps) {
        if (!json_is_array(steps)) return fail(c, ST_ERR_INVALID, "%s: \"steps\" must be an array", ctx);
        size_t ns = json_array_size(steps);
        sp->nodes[n].steps = calloc(ns ? ns : 1, sizeof *sp->nodes[n].steps);
        sp->nodes[n].step_in = calloc(ns ? ns : 1, sizeof *sp->nodes[n].step_in);
        if (!sp->nodes[n].steps || !sp->nodes[n].step_in) return nomem(c);
        for (size_t i = 0; i < ns; i++) {
            st_type ot;
            st_stdz *s;
            st_status rc = st_stdz_compile(json_array_get(steps, i), t, sp->maps, &s, &ot, c->e);
            if (rc) {
                st_error_prefix(c->e, "%s: %s: step %zu: ", c->file, ctx, i + 1);
                return rc;
            }
            sp->nodes[n].steps[i] = s;
            sp->nodes[n].step_in[i] = t;
            sp->nodes[n].nsteps++;
            sp->nodes[n].can_fail |= st_stdz_can_reject(s);
            t = ot;
        }
    }
    const char *tn = jstr(cj, "type");
    st_type want = t;
    if (tn) {
        if (st_type_parse(tn, strlen(tn), &want, c->e) != ST_OK || want.id == ST_T_NULL)
            return fail(c, ST_ERR_INVALID, "%s: unknown type '%s'", ctx, tn);
        if (!st_cast_allowed(t, want)) {
            char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
            return fail(c, ST_ERR_TYPE, "%s: cannot cast %s to %s", ctx, st_type_name(t, a), st_type_name(want, b));
        }
        if (!st_type_eq(t, want)) {
            sp->nodes[n].has_cast = true;
            /* casts that always succeed: widening integers, to text, DATE <-> TIMESTAMP */
            bool safe = want.id == ST_T_VARCHAR ||
                        (st_type_is_integer(t) && st_type_is_integer(want) && st_type_width(want) >= st_type_width(t) &&
                         t.id != ST_T_UINT64 && want.id != ST_T_UINT64) ||
                        ((t.id == ST_T_DATE || t.id == ST_T_TIMESTAMP) && (want.id == ST_T_DATE || want.id == ST_T_TIMESTAMP)) ||
                        want.id == ST_T_DOUBLE;
            if (!safe) sp->nodes[n].can_fail = true;
        }
    }
    sp->nodes[n].type = want;
    return ST_OK;
}

static st_status type_expr(cctx *c, int32_t n) {
    xnode *x = &c->sp->nodes[n];
    char ctx[200];
    snprintf(ctx, sizeof ctx, "expression %s", x->name);
    st_type t0 = c->sp->nodes[x->args[0]].type;
    if (x->op == XE_COALESCE) {
        for (uint32_t i = 1; i < x->nargs; i++)
            if (!st_cast_allowed(c->sp->nodes[x->args[i]].type, t0)) {
                char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
                return fail(c, ST_ERR_TYPE, "%s: operand %u is %s, which cannot be cast to %s", ctx, i + 1,
                            st_type_name(c->sp->nodes[x->args[i]].type, a), st_type_name(t0, b));
            }
        x->type = t0;
        x->can_fail = true; /* the casts of later operands */
        return ST_OK;
    }
    st_type a = t0, b = c->sp->nodes[x->args[1]].type;
    if (!numeric(a) || !numeric(b)) {
        char ta[ST_TYPE_NAME_MAX], tb[ST_TYPE_NAME_MAX];
        return fail(c, ST_ERR_TYPE, "%s: needs numbers, not %s and %s", ctx, st_type_name(a, ta), st_type_name(b, tb));
    }
    bool fl = a.id == ST_T_FLOAT || a.id == ST_T_DOUBLE || b.id == ST_T_FLOAT || b.id == ST_T_DOUBLE || x->op == XE_DIV;
    int sa = a.id == ST_T_DECIMAL ? a.scale : 0, sb = b.id == ST_T_DECIMAL ? b.scale : 0;
    if (fl) x->type = st_type_make(ST_T_DOUBLE);
    else if (x->op == XE_MUL) x->type = st_type_decimal(38, sa + sb > 38 ? 38 : sa + sb);
    else x->type = st_type_decimal(38, sa > sb ? sa : sb);
    x->can_fail = true; /* overflow, division by zero */
    return ST_OK;
}

static st_status type_lookup(cctx *c, int32_t n) {
    st_xspec *sp = c->sp;
    xlookup *lk = &sp->lookups[sp->nodes[n].lookup];
    const st_tschema *ts = c->lk_schema[sp->nodes[n].lookup];
    char ctx[200];
    snprintf(ctx, sizeof ctx, "lookup %s", lk->name);
    for (uint32_t i = 0; i < lk->nkeys; i++) {
        int f = st_tschema_find(ts, lk->tkeys[i]);
        st_type want = ts->fields[f].type, have = sp->nodes[lk->keys[i]].type;
        lk->ktypes[i] = want;
        if (st_type_eq(want, have)) continue;
        char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
        if (!st_cast_allowed(have, want))
            return fail(c, ST_ERR_TYPE, "%s: key %s is %s in %s, but %s here: they cannot be compared", ctx,
                        lk->tkeys[i], st_type_name(want, a), lk->table, st_type_name(have, b));
        char nm[200];
        snprintf(nm, sizeof nm, "the key %s of lookup %s", lk->tkeys[i], lk->name);
        int32_t cn = new_node(c, XN_CAST, nm);
        if (cn < 0) return nomem(c);
        sp->nodes[cn].in = lk->keys[i];
        sp->nodes[cn].type = want;
        sp->nodes[cn].can_fail = false; /* a key that does not cast simply matches nothing */
        lk->keys[i] = cn;
        ST_TRY(visit(c, cn));
    }
    for (uint32_t i = 0; i < lk->ncontains; i++) {
        int f = st_tschema_find(ts, lk->tcont[i]);
        if (ts->fields[f].type.id != ST_T_VARCHAR || sp->nodes[lk->cont[i]].type.id != ST_T_VARCHAR)
            return fail(c, ST_ERR_TYPE, "%s: containment works on text: %s and its partner must be VARCHAR", ctx,
                        lk->tcont[i]);
    }
    sp->nodes[n].type = st_type_make(ST_T_INT64);
    sp->nodes[n].can_fail = lk->reject;
    return ST_OK;
}

static st_status visit(cctx *c, int32_t n) {
    if (c->state[n] == 2) return ST_OK;
    if (c->state[n] == 1) return cycle_error(c, n);
    c->state[n] = 1;
    c->stack[c->depth++] = n;
    int32_t deps[64];
    uint32_t nd;
    ST_TRY(deps_of(c, n, deps, &nd));
    for (uint32_t i = 0; i < nd; i++) ST_TRY(visit(c, deps[i]));
    st_xspec *sp = c->sp;
    switch (sp->nodes[n].kind) {
    case XN_COL:
        for (uint32_t i = 0; i < c->ncols; i++)
            if (c->col_node[i] == n) ST_TRY(type_col(c, n, i));
        break;
    case XN_EXPR: ST_TRY(type_expr(c, n)); break;
    case XN_LOOKUP: ST_TRY(type_lookup(c, n)); break;
    default: break;
    }
    c->depth--;
    c->state[n] = 2;
    sp->nodes[n].order = (int32_t)c->norder;
    sp->order[c->norder++] = n;
    return ST_OK;
}

/* ---- rules ------------------------------------------------------------------------------- */

static st_status rule_bound(cctx *c, const json_t *v, st_type t, const char *ctx, uint8_t out[16], char **text) {
    char buf[64];
    const char *s = json_string_value(v);
    if (!s && json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), s = buf;
    if (!s && json_is_real(v)) snprintf(buf, sizeof buf, "%.17g", json_real_value(v)), s = buf;
    if (!s) return fail(c, ST_ERR_INVALID, "%s: a bound must be a number or a string", ctx);
    if (st_type_is_string(t)) {
        if (!(*text = strdup(s))) return nomem(c);
        return ST_OK;
    }
    if (st_type_width(t) > 16 || st_parse_value(t, s, strlen(s), out, NULL)) {
        char tn[ST_TYPE_NAME_MAX];
        return fail(c, ST_ERR_INVALID, "%s: '%s' is not a %s", ctx, s, st_type_name(t, tn));
    }
    if (!(*text = strdup(s))) return nomem(c);
    return ST_OK;
}

static uint32_t rule_json_idx_;
static xrule *add_rule(cctx *c, xrule_kind k, const char *base, const char *suffix, const char *code) {
    st_xspec *sp = c->sp;
    xrule *n = realloc(sp->rules, (sp->nrules + 1) * sizeof *n);
    if (!n) return NULL;
    sp->rules = n;
    xrule *r = &sp->rules[sp->nrules++];
    memset(r, 0, sizeof *r);
    r->kind = k;
    r->code = code;
    r->a = r->b = -1;
    r->json_idx = rule_json_idx_;
    char nm[300];
    if (suffix) snprintf(nm, sizeof nm, "%s.%s", base, suffix);
    else snprintf(nm, sizeof nm, "%s", base);
    r->name = strdup(nm);
    return r->name ? r : NULL;
}

static st_status compile_rule(cctx *c, const json_t *rj, uint32_t idx) {
    static const char *const keys[] = {"name", "column", "not_null", "min", "max", "allowed", "regex", "max_length",
                                       "min_length", "check", "description", NULL};
    char ctx[200];
    snprintf(ctx, sizeof ctx, "rule %u", idx + 1);
    rule_json_idx_ = idx;
    if (!json_is_object(rj)) return fail(c, ST_ERR_INVALID, "%s: a rule is an object", ctx);
    ST_TRY(check_keys(c, rj, ctx, keys));
    const char *name = jstr(rj, "name"), *col = jstr(rj, "column");
    json_t *chk = json_object_get(rj, "check");
    if (chk) {
        static const char *const only[] = {"name", "check", "description", NULL};
        ST_TRY(check_keys(c, rj, ctx, only));
        if (!json_is_array(chk) || json_array_size(chk) != 3 || !json_is_string(json_array_get(chk, 0)) ||
            !json_is_string(json_array_get(chk, 1)))
            return fail(c, ST_ERR_INVALID, "%s: \"check\" is [column, operator, column or value]", ctx);
        static const char *const ops[] = {"<", "<=", "=", "!=", ">", ">="};
        const char *op = json_string_value(json_array_get(chk, 1));
        int k = -1;
        for (int i = 0; i < 6; i++)
            if (!strcmp(op, ops[i])) k = i;
        if (k < 0) return fail(c, ST_ERR_INVALID, "%s: unknown operator '%.8s' (<, <=, =, !=, >, >=)", ctx, op);
        char auto_name[200];
        snprintf(auto_name, sizeof auto_name, "%s %s %s", json_string_value(json_array_get(chk, 0)), op,
                 json_is_string(json_array_get(chk, 2)) ? json_string_value(json_array_get(chk, 2)) : "value");
        xrule *r = add_rule(c, XR_COMPARE, name ? name : auto_name, NULL, "check_failed");
        if (!r) return nomem(c);
        r->json_idx = idx;
        r->cmp = (xcmp)k;
        int32_t a, b;
        ST_TRY(resolve_ref(c, json_string_value(json_array_get(chk, 0)), -1, ctx, &a));
        ST_TRY(operand(c, json_array_get(chk, 2), -1, ctx, &b));
        c->sp->rules[c->sp->nrules - 1].a = a;
        c->sp->rules[c->sp->nrules - 1].b = b;
        return ST_OK;
    }
    if (!col) return fail(c, ST_ERR_INVALID, "%s: needs \"column\" (or a cross-column \"check\")", ctx);
    int32_t a;
    snprintf(ctx, sizeof ctx, "rule %u (column %s)", idx + 1, col);
    ST_TRY(resolve_ref(c, col, -1, ctx, &a));
    const char *base = name ? name : col;
    bool any = false;
    json_t *v;
    if ((v = json_object_get(rj, "not_null"))) {
        if (!json_is_boolean(v)) return fail(c, ST_ERR_INVALID, "%s: \"not_null\" is true or false", ctx);
        if (json_is_true(v)) {
            xrule *r = add_rule(c, XR_NOT_NULL, base, "not_null", "null_not_allowed");
            if (!r) return nomem(c);
            r->a = a;
        }
        any = true;
    }
    static const char *const bk[] = {"min", "max"};
    for (int i = 0; i < 2; i++) {
        if (!(v = json_object_get(rj, bk[i]))) continue;
        xrule *r = add_rule(c, i ? XR_MAX : XR_MIN, base, bk[i], i ? "above_max" : "below_min");
        if (!r) return nomem(c);
        r->a = a;
        any = true;
    }
    if ((v = json_object_get(rj, "allowed"))) {
        if (!json_is_array(v) || !json_array_size(v)) return fail(c, ST_ERR_INVALID, "%s: \"allowed\" is a non-empty array", ctx);
        xrule *r = add_rule(c, XR_ALLOWED, base, "allowed", "not_allowed");
        if (!r) return nomem(c);
        r->a = a;
        any = true;
    }
    if ((v = json_object_get(rj, "regex"))) {
        xrule *r = add_rule(c, XR_REGEX, base, "regex", "regex_mismatch");
        if (!r) return nomem(c);
        r->a = a;
        any = true;
    }
    static const char *const lk[] = {"max_length", "min_length"};
    for (int i = 0; i < 2; i++) {
        if (!(v = json_object_get(rj, lk[i]))) continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
            return fail(c, ST_ERR_INVALID, "%s: \"%s\" is a non-negative integer", ctx, lk[i]);
        xrule *r = add_rule(c, i ? XR_MIN_LENGTH : XR_MAX_LENGTH, base, lk[i], i ? "too_short" : "too_long");
        if (!r) return nomem(c);
        r->a = a;
        r->length = (uint32_t)json_integer_value(v);
        any = true;
    }
    if (!any) return fail(c, ST_ERR_INVALID, "%s: checks nothing (not_null, min, max, allowed, regex, max_length, min_length)", ctx);
    return ST_OK;
}

/* Fill bounds, sets and regexes once the rules' columns are typed. */
static st_status finish_rules(cctx *c, const json_t *rules) {
    st_xspec *sp = c->sp;
    for (uint32_t ri = 0; ri < sp->nrules; ri++) {
        {
            const json_t *rj = json_array_get(rules, sp->rules[ri].json_idx);
            char ctx[300];
            snprintf(ctx, sizeof ctx, "rule %u (%s)", sp->rules[ri].json_idx + 1, sp->rules[ri].name);
            xrule *r = &sp->rules[ri];
            st_type t = sp->nodes[r->a].type;
            char tn[ST_TYPE_NAME_MAX];
            switch (r->kind) {
            case XR_MIN:
            case XR_MAX: {
                if (!st_type_is_numeric(t) && !st_type_is_temporal(t) && t.id != ST_T_FLOAT && t.id != ST_T_DOUBLE &&
                    t.id != ST_T_VARCHAR)
                    return fail(c, ST_ERR_TYPE, "%s: min/max do not apply to %s", ctx, st_type_name(t, tn));
                ST_TRY(rule_bound(c, json_object_get(rj, r->kind == XR_MIN ? "min" : "max"), t, ctx, r->bound,
                                  &r->bound_text));
                break;
            }
            case XR_ALLOWED: {
                json_t *v = json_object_get(rj, "allowed");
                size_t n = json_array_size(v), w = st_type_width(t);
                r->allowed = calloc(n, sizeof *r->allowed);
                r->allowed_v = calloc(n, w ? w : 1);
                if (!r->allowed || !r->allowed_v) return nomem(c);
                for (size_t k = 0; k < n; k++) {
                    uint8_t tmp[16];
                    ST_TRY(rule_bound(c, json_array_get(v, k), t, ctx, tmp, &r->allowed[k]));
                    r->nallowed++;
                    if (!st_type_is_string(t)) memcpy(r->allowed_v + k * w, tmp, w);
                }
                break;
            }
            case XR_REGEX: {
                if (t.id != ST_T_VARCHAR) return fail(c, ST_ERR_TYPE, "%s: regex applies to VARCHAR, not %s", ctx, st_type_name(t, tn));
                const char *pat = jstr(rj, "regex");
                if (!pat) return fail(c, ST_ERR_INVALID, "%s: \"regex\" is a string", ctx);
                char *anch = malloc(strlen(pat) + 5);
                if (!anch) return nomem(c);
                sprintf(anch, "^(%s)$", pat); /* the whole value must match, as in Bronze */
                int rc = regcomp(&r->re, anch, REG_EXTENDED | REG_NOSUB);
                free(anch);
                if (rc) {
                    char msg[200];
                    regerror(rc, &r->re, msg, sizeof msg);
                    return fail(c, ST_ERR_INVALID, "%s: bad regex '%.200s': %s", ctx, pat, msg);
                }
                r->re_ok = true;
                break;
            }
            case XR_MAX_LENGTH:
            case XR_MIN_LENGTH:
                if (!st_type_is_string(t)) return fail(c, ST_ERR_TYPE, "%s: lengths apply to text, not %s", ctx, st_type_name(t, tn));
                break;
            case XR_COMPARE: {
                st_type b = sp->nodes[r->b].type;
                bool ok = (numeric(t) && numeric(b)) || (st_type_is_temporal(t) && st_type_is_temporal(b)) ||
                          (t.id == ST_T_VARCHAR && b.id == ST_T_VARCHAR) || (t.id == ST_T_BOOLEAN && b.id == ST_T_BOOLEAN);
                if (!ok) {
                    char tb[ST_TYPE_NAME_MAX];
                    return fail(c, ST_ERR_TYPE, "%s (%s): cannot compare %s with %s", ctx, r->name, st_type_name(t, tn),
                                st_type_name(b, tb));
                }
                break;
            }
            default: break;
            }
        }
    }
    return ST_OK;
}

/* ---- lookups ------------------------------------------------------------------------------ */

static st_status pairs(cctx *c, const json_t *o, const char *what, const char *ctx, const char *table,
                       const st_tschema *ts, char ***tcols, uint32_t *n) {
    if (!o) return ST_OK;
    if (!json_is_object(o) || !json_object_size(o) || json_object_size(o) > 16)
        return fail(c, ST_ERR_INVALID, "%s: \"%s\" is {\"reference column\": \"our column\", ...}", ctx, what);
    *tcols = calloc(json_object_size(o), sizeof **tcols);
    if (!*tcols) return nomem(c);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        if (!json_is_string(v)) return fail(c, ST_ERR_INVALID, "%s: \"%s\": the partner of %s must be a column name", ctx, what, k);
        if (st_tschema_find(ts, k) < 0) return fail(c, ST_ERR_NOT_FOUND, "%s: %s has no column '%s'", ctx, table, k);
        if (!((*tcols)[(*n)++] = strdup(k))) return nomem(c);
    }
    return ST_OK;
}

static st_status compile_lookups(cctx *c, const json_t *lj) {
    static const char *const keys[] = {"name", "table", "on", "contains", "unmatched", "duplicates", "description", NULL};
    st_xspec *sp = c->sp;
    if (!json_is_array(lj)) return fail(c, ST_ERR_INVALID, "\"lookups\" must be an array");
    size_t n = json_array_size(lj);
    sp->lookups = calloc(n ? n : 1, sizeof *sp->lookups);
    c->lk_schema = calloc(n ? n : 1, sizeof *c->lk_schema);
    if (!sp->lookups || !c->lk_schema) return nomem(c);
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(lj, i);
        char ctx[200];
        snprintf(ctx, sizeof ctx, "lookup %zu", i + 1);
        if (!json_is_object(o)) return fail(c, ST_ERR_INVALID, "%s: a lookup is an object", ctx);
        ST_TRY(check_keys(c, o, ctx, keys));
        const char *name = jstr(o, "name"), *table = jstr(o, "table");
        if (!name || !table) return fail(c, ST_ERR_INVALID, "%s: needs \"name\" and \"table\"", ctx);
        snprintf(ctx, sizeof ctx, "lookup %s", name);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(sp->lookups[k].name, name)) return fail(c, ST_ERR_INVALID, "two lookups are named %s", name);
        for (const char *p = name; *p; p++)
            if (*p == '.') return fail(c, ST_ERR_INVALID, "%s: a lookup name cannot hold '.'", ctx);
        st_tname tn;
        if (st_tname_parse(table, &tn, c->e)) return fail(c, ST_ERR_INVALID, "%s: %s", ctx, c->e->msg);
        if (!strcmp(tn.full, sp->target))
            return fail(c, ST_ERR_INVALID, "%s: reads %s, the table this spec builds: a lookup cycle", ctx, tn.full);
        xlookup *lk = &sp->lookups[sp->nlookups++];
        lk->node = -1;
        if (!(lk->name = strdup(name)) || !(lk->table = strdup(tn.full))) return nomem(c);
        st_status rc = c->resolve(c->rctx, tn.full, &c->lk_schema[i], c->e);
        if (rc) {
            st_error_prefix(c->e, "%s: %s: ", c->file, ctx);
            return rc;
        }
        const char *u = jstr(o, "unmatched");
        if (u && strcmp(u, "keep") && strcmp(u, "reject"))
            return fail(c, ST_ERR_INVALID, "%s: \"unmatched\" is \"keep\" (NULLs) or \"reject\"", ctx);
        lk->reject = u && !strcmp(u, "reject");
        const char *d = jstr(o, "duplicates");
        lk->dup = !d || !strcmp(d, "error") ? 0 : !strcmp(d, "first") ? 1 : !strcmp(d, "last") ? 2 : -1;
        if (lk->dup < 0) return fail(c, ST_ERR_INVALID, "%s: \"duplicates\" is \"error\", \"first\" or \"last\"", ctx);
        ST_TRY(pairs(c, json_object_get(o, "on"), "on", ctx, lk->table, c->lk_schema[i], &lk->tkeys, &lk->nkeys));
        ST_TRY(pairs(c, json_object_get(o, "contains"), "contains", ctx, lk->table, c->lk_schema[i], &lk->tcont,
                     &lk->ncontains));
        if (!lk->nkeys && !lk->ncontains) return fail(c, ST_ERR_INVALID, "%s: needs \"on\" (or \"contains\") keys", ctx);
        lk->keys = calloc(lk->nkeys + 1, sizeof *lk->keys);
        lk->ktypes = calloc(lk->nkeys + 1, sizeof *lk->ktypes);
        lk->cont = calloc(lk->ncontains + 1, sizeof *lk->cont);
        if (!lk->keys || !lk->ktypes || !lk->cont) return nomem(c);
        int32_t ln = new_node(c, XN_LOOKUP, name);
        if (ln < 0) return nomem(c);
        sp->nodes[ln].lookup = (int32_t)i;
        lk->node = ln;
    }
    return ST_OK;
}

static st_status resolve_lookup_keys(cctx *c, const json_t *lj) {
    st_xspec *sp = c->sp;
    for (uint32_t i = 0; i < sp->nlookups; i++) {
        xlookup *lk = &sp->lookups[i];
        const json_t *o = json_array_get(lj, i);
        char ctx[200];
        snprintf(ctx, sizeof ctx, "lookup %s", lk->name);
        const json_t *on = json_object_get(o, "on"), *ct = json_object_get(o, "contains");
        uint32_t k = 0;
        const char *key;
        json_t *v;
        if (on) json_object_foreach((json_t *)on, key, v) {
            int32_t n;
            ST_TRY(resolve_ref(c, json_string_value(v), -1, ctx, &n));
            lk->keys[k++] = n;
        }
        k = 0;
        if (ct) json_object_foreach((json_t *)ct, key, v) {
            int32_t n;
            ST_TRY(resolve_ref(c, json_string_value(v), -1, ctx, &n));
            lk->cont[k++] = n;
        }
    }
    return ST_OK;
}

/* ---- marking the passes ----------------------------------------------------------------------- */

static void mark(st_xspec *sp, int32_t n, bool decide) {
    xnode *x = &sp->nodes[n];
    if (decide ? x->decide : x->output) return;
    if (decide) x->decide = true;
    else x->output = true;
    int32_t deps[64];
    uint32_t nd = 0;
    switch (x->kind) {
    case XN_COL:
    case XN_CAST:
    case XN_LKCOL: deps[nd++] = x->in; break;
    case XN_EXPR:
        for (uint32_t i = 0; i < x->nargs; i++) deps[nd++] = x->args[i];
        break;
    case XN_LOOKUP: {
        xlookup *lk = &sp->lookups[x->lookup];
        for (uint32_t i = 0; i < lk->nkeys; i++) deps[nd++] = lk->keys[i];
        for (uint32_t i = 0; i < lk->ncontains; i++) deps[nd++] = lk->cont[i];
        break;
    }
    default: break;
    }
    for (uint32_t i = 0; i < nd; i++) mark(sp, deps[i], decide);
}

static st_status src_cols(cctx *c, bool decide, uint32_t **out, uint32_t *n) {
    st_xspec *sp = c->sp;
    *out = calloc(sp->src_view->nfields + 1, sizeof **out);
    if (!*out) return nomem(c);
    *n = 0;
    for (uint32_t f = 0; f < sp->src_view->nfields; f++) {
        bool need = !decide; /* pass 2 reads every column: the rows it writes and the raw text of rejects */
        if ((int32_t)f == sp->src_ingest || (int32_t)f == sp->src_line) need = true;
        for (uint32_t i = 0; !need && i < sp->nnodes; i++)
            need = sp->nodes[i].kind == XN_SRC && sp->nodes[i].src_col == f && sp->nodes[i].decide;
        if (need) (*out)[(*n)++] = f;
    }
    return ST_OK;
}

/* ---- top level ---------------------------------------------------------------------------------- */

void st_xspec_free(st_xspec *sp) {
    if (!sp) return;
    for (uint32_t i = 0; i < sp->nnodes; i++) {
        xnode *x = &sp->nodes[i];
        free(x->name);
        for (uint32_t k = 0; k < x->nsteps; k++) st_stdz_free(x->steps[k]);
        free(x->steps);
        free(x->step_in);
        free(x->args);
    }
    free(sp->nodes);
    free(sp->order);
    for (uint32_t i = 0; i < sp->nlookups; i++) {
        xlookup *lk = &sp->lookups[i];
        free(lk->name);
        free(lk->table);
        for (uint32_t k = 0; k < lk->nkeys; k++) free(lk->tkeys ? lk->tkeys[k] : NULL);
        free(lk->tkeys);
        free(lk->keys);
        free(lk->ktypes);
        for (uint32_t k = 0; k < lk->ncontains; k++) free(lk->tcont ? lk->tcont[k] : NULL);
        free(lk->tcont);
        free(lk->cont);
        for (uint32_t k = 0; k < lk->ncols; k++) free(lk->cols[k]);
        free(lk->cols);
        free(lk->ctypes);
    }
    free(sp->lookups);
    for (uint32_t i = 0; i < sp->nrules; i++) {
        xrule *r = &sp->rules[i];
        free(r->name);
        free(r->bound_text);
        for (uint32_t k = 0; k < r->nallowed; k++) free(r->allowed[k]);
        free(r->allowed);
        free(r->allowed_v);
        if (r->re_ok) regfree(&r->re);
    }
    free(sp->rules);
    free(sp->keys);
    for (uint32_t i = 0; i < sp->nkeys; i++) free(sp->key_names ? sp->key_names[i] : NULL);
    free(sp->key_names);
    st_tschema_free(sp->out);
    free(sp->out_nodes);
    free(sp->decide_cols);
    free(sp->output_cols);
    st_stdz_maps_free(sp->maps);
    st_tschema_free(sp->src_schema);
    st_schema_free(sp->src_view);
    free(sp->name);
    free(sp->dir);
    free(sp->target);
    free(sp->source);
    free(sp->suite);
    free(sp);
}

static st_status compile(cctx *c) {
    static const char *const top[] = {"target", "source", "description", "columns", "maps", "lookups", "rules",
                                      "dedup", "suite", NULL};
    static const char *const colkeys[] = {"name", "from", "expr", "steps", "type", "keep", "description", NULL};
    st_xspec *sp = c->sp;
    json_t *root = c->root;
    if (!json_is_object(root)) return fail(c, ST_ERR_INVALID, "a transform spec is a JSON object");
    ST_TRY(check_keys(c, root, "the spec", top));
    const char *target = jstr(root, "target"), *source = jstr(root, "source");
    if (!target || !source) return fail(c, ST_ERR_INVALID, "needs \"target\" (the table built) and \"source\" (the table read)");
    st_tname tt, ts;
    if (st_tname_parse(target, &tt, c->e) || tt.rejects) return fail(c, ST_ERR_INVALID, "target: %s", c->e->msg);
    if (st_tname_parse(source, &ts, c->e) || ts.rejects) return fail(c, ST_ERR_INVALID, "source: %s", c->e->msg);
    if (!strcmp(tt.layer, "bronze")) return fail(c, ST_ERR_INVALID, "target %s: a transform builds a silver or gold table", tt.full);
    if (!strcmp(tt.full, ts.full)) return fail(c, ST_ERR_INVALID, "the target is its own source (%s)", tt.full);
    if (!(sp->target = strdup(tt.full)) || !(sp->source = strdup(ts.full))) return nomem(c);
    const char *suite = jstr(root, "suite");
    if (json_object_get(root, "suite") && !suite) return fail(c, ST_ERR_INVALID, "\"suite\" is a file name");
    if (suite) {
        size_t n = strlen(sp->dir) + strlen(suite) + 2;
        if (!(sp->suite = malloc(n))) return nomem(c);
        if (suite[0] == '/' || !sp->dir[0]) snprintf(sp->suite, n, "%s", suite);
        else snprintf(sp->suite, n, "%s/%s", sp->dir, suite);
    }
    /* the source */
    st_status rc = c->resolve(c->rctx, sp->source, &sp->src_schema, c->e);
    if (rc) {
        st_error_prefix(c->e, "%s: source: ", c->file);
        return rc;
    }
    if (!(sp->src_view = st_lineage_view_schema(sp->src_schema, false))) return nomem(c);
    sp->src_ingest = st_schema_find_id(sp->src_view, ST_FID_INGEST_ID);
    sp->src_line = st_schema_find_id(sp->src_view, ST_FID_LINE);
    /* maps */
    json_t *mj = json_object_get(root, "maps");
    if (mj && (rc = st_stdz_maps_parse(mj, &sp->maps, c->e))) {
        st_error_prefix(c->e, "%s: ", c->file);
        return rc;
    }
    /* lookups (nodes first: columns may read them) */
    json_t *lj = json_object_get(root, "lookups");
    if (lj) ST_TRY(compile_lookups(c, lj));
    /* columns */
    json_t *cols = json_object_get(root, "columns");
    if (!json_is_array(cols) || !json_array_size(cols))
        return fail(c, ST_ERR_INVALID, "\"columns\" must be a non-empty array of {\"name\": ...}");
    c->ncols = (uint32_t)json_array_size(cols);
    c->col_json = calloc(c->ncols, sizeof *c->col_json);
    c->col_node = calloc(c->ncols, sizeof *c->col_node);
    if (!c->col_json || !c->col_node) return nomem(c);
    for (uint32_t i = 0; i < c->ncols; i++) {
        json_t *cj = json_array_get(cols, i);
        char ctx[120];
        snprintf(ctx, sizeof ctx, "column %u", i + 1);
        if (!json_is_object(cj)) return fail(c, ST_ERR_INVALID, "%s: a column is an object with a \"name\"", ctx);
        ST_TRY(check_keys(c, cj, ctx, colkeys));
        const char *name = jstr(cj, "name");
        if (!name || !name[0] || strlen(name) > 64) return fail(c, ST_ERR_INVALID, "%s: needs a \"name\" (1 to 64 bytes)", ctx);
        if (name[0] == '_' && (!strcasecmp(name, "_ingest_id") || !strcasecmp(name, "_line") ||
                               !strcasecmp(name, "_source") || !strcasecmp(name, "_ingested_at")))
            return fail(c, ST_ERR_INVALID, "column %s: the lineage columns are added by Strata", name);
        if (strchr(name, '.')) return fail(c, ST_ERR_INVALID, "column %s: a name cannot hold '.'", name);
        for (uint32_t k = 0; k < i; k++)
            if (!strcasecmp(sp->nodes[c->col_node[k]].name, name)) return fail(c, ST_ERR_INVALID, "two columns are named %s", name);
        json_t *keep = json_object_get(cj, "keep");
        if (keep && !json_is_boolean(keep)) return fail(c, ST_ERR_INVALID, "column %s: \"keep\" is true or false", name);
        if (json_object_get(cj, "from") && json_object_get(cj, "expr"))
            return fail(c, ST_ERR_INVALID, "column %s: \"from\" and \"expr\" exclude each other", name);
        if (json_object_get(cj, "from") && !jstr(cj, "from"))
            return fail(c, ST_ERR_INVALID, "column %s: \"from\" is a column name", name);
        int32_t n = new_node(c, XN_COL, name);
        if (n < 0) return nomem(c);
        sp->nodes[n].keep = !keep || json_is_true(keep);
        c->col_json[i] = cj;
        c->col_node[i] = n;
    }
    for (uint32_t i = 0; i < c->ncols; i++) {
        json_t *cj = c->col_json[i];
        int32_t self = c->col_node[i], in;
        char ctx[120];
        snprintf(ctx, sizeof ctx, "column %s", sp->nodes[self].name);
        json_t *ex = json_object_get(cj, "expr");
        if (ex) ST_TRY(expr_node(c, ex, self, ctx, &in));
        else ST_TRY(resolve_ref(c, jstr(cj, "from") ? jstr(cj, "from") : sp->nodes[self].name, self, ctx, &in));
        sp->nodes[self].in = in;
    }
    if (lj) ST_TRY(resolve_lookup_keys(c, lj));
    /* rules (references only; bounds after typing) */
    json_t *rules = json_object_get(root, "rules");
    if (rules && !json_is_array(rules)) return fail(c, ST_ERR_INVALID, "\"rules\" must be an array");
    for (size_t i = 0; rules && i < json_array_size(rules); i++) ST_TRY(compile_rule(c, json_array_get(rules, i), (uint32_t)i));
    /* dedup */
    sp->latest_by = -1;
    json_t *dj = json_object_get(root, "dedup");
    if (dj) {
        static const char *const dk[] = {"key", "latest_by", "description", NULL};
        if (!json_is_object(dj)) return fail(c, ST_ERR_INVALID, "\"dedup\" is {\"key\": [...], \"latest_by\": column}");
        ST_TRY(check_keys(c, dj, "dedup", dk));
        json_t *kj = json_object_get(dj, "key");
        const char *lb = jstr(dj, "latest_by");
        if (!json_is_array(kj) || !json_array_size(kj) || json_array_size(kj) > 16 || !lb)
            return fail(c, ST_ERR_INVALID, "dedup: needs \"key\" (1 to 16 columns) and \"latest_by\" (a column)");
        sp->nkeys = (uint32_t)json_array_size(kj);
        sp->keys = calloc(sp->nkeys, sizeof *sp->keys);
        sp->key_names = calloc(sp->nkeys, sizeof *sp->key_names);
        if (!sp->keys || !sp->key_names) return nomem(c);
        for (uint32_t i = 0; i < sp->nkeys; i++) {
            const char *k = json_string_value(json_array_get(kj, i));
            if (!k) return fail(c, ST_ERR_INVALID, "dedup: key columns are names");
            ST_TRY(resolve_ref(c, k, -1, "dedup key", &sp->keys[i]));
            if (!(sp->key_names[i] = strdup(k))) return nomem(c);
        }
        ST_TRY(resolve_ref(c, lb, -1, "dedup latest_by", &sp->latest_by));
    }
    /* type everything, in dependency order */
    c->state = calloc(MAX_NODES, 1);
    c->stack = calloc(MAX_NODES, sizeof *c->stack);
    sp->order = calloc(MAX_NODES, sizeof *sp->order);
    if (!c->state || !c->stack || !sp->order) return nomem(c);
    for (uint32_t i = 0; i < c->ncols; i++) ST_TRY(visit(c, c->col_node[i]));
    for (uint32_t i = 0; i < sp->nnodes; i++) ST_TRY(visit(c, (int32_t)i));
    if (rules) ST_TRY(finish_rules(c, rules));
    if (dj) {
        st_type t = sp->nodes[sp->latest_by].type;
        if (!(st_type_is_integer(t) || t.id == ST_T_DATE || t.id == ST_T_TIMESTAMP || t.id == ST_T_TIMESTAMP_NS ||
              (t.id == ST_T_DECIMAL && !st_decimal_is_wide(t)))) {
            char tn[ST_TYPE_NAME_MAX];
            return fail(c, ST_ERR_TYPE, "dedup: latest_by must be a timestamp, date, integer or DECIMAL(<=18) column, "
                        "not %s", st_type_name(t, tn));
        }
        for (uint32_t i = 0; i < sp->nkeys; i++) {
            st_type t2 = sp->nodes[sp->keys[i]].type;
            if (t2.id == ST_T_FLOAT || t2.id == ST_T_DOUBLE)
                return fail(c, ST_ERR_TYPE, "dedup: key %s is floating point; use an exact type", sp->key_names[i]);
        }
    }
    /* the output schema: kept columns, in spec order */
    if (!(sp->out = st_tschema_new())) return nomem(c);
    sp->out_nodes = calloc(c->ncols, sizeof *sp->out_nodes);
    if (!sp->out_nodes) return nomem(c);
    for (uint32_t i = 0; i < c->ncols; i++) {
        xnode *x = &sp->nodes[c->col_node[i]];
        if (!x->keep) continue;
        bool nullable = true;
        for (uint32_t r = 0; r < sp->nrules; r++)
            if (sp->rules[r].kind == XR_NOT_NULL && sp->rules[r].a == c->col_node[i]) nullable = false;
        if (x->type.id == ST_T_BLOB) return fail(c, ST_ERR_TYPE, "column %s: BLOB columns are not kept in Silver", x->name);
        if ((rc = st_tschema_add(sp->out, x->name, x->type, 0, nullable, NULL, c->e))) return rc;
        x->out_col = (int32_t)(sp->out->nfields - 1);
        sp->out_nodes[sp->out->nfields - 1] = c->col_node[i];
    }
    if (!sp->out->nfields) return fail(c, ST_ERR_INVALID, "no column is kept (\"keep\": false on all of them)");
    for (uint32_t i = 0; i < sp->nkeys; i++)
        if (sp->nodes[sp->keys[i]].kind != XN_COL || !sp->nodes[sp->keys[i]].keep)
            return fail(c, ST_ERR_INVALID, "dedup: key %s must be a kept column of this spec (it identifies the row "
                        "a later run replaces)", sp->key_names[i]);
    if (sp->latest_by >= 0 && (sp->nodes[sp->latest_by].kind != XN_COL || !sp->nodes[sp->latest_by].keep))
        return fail(c, ST_ERR_INVALID, "dedup: latest_by must be a kept column of this spec (later runs compare "
                    "against it)");
    /* what each pass evaluates */
    for (uint32_t r = 0; r < sp->nrules; r++) {
        mark(sp, sp->rules[r].a, true);
        if (sp->rules[r].b >= 0) mark(sp, sp->rules[r].b, true);
    }
    for (uint32_t i = 0; i < sp->nkeys; i++) mark(sp, sp->keys[i], true);
    if (sp->latest_by >= 0) mark(sp, sp->latest_by, true);
    for (uint32_t i = 0; i < sp->nnodes; i++)
        if (sp->nodes[i].can_fail && (sp->nodes[i].kind == XN_COL || sp->nodes[i].kind == XN_LOOKUP ||
                                      sp->nodes[i].kind == XN_EXPR))
            mark(sp, (int32_t)i, true);
    for (uint32_t i = 0; i < sp->out->nfields; i++) mark(sp, sp->out_nodes[i], false);
    ST_TRY(src_cols(c, true, &sp->decide_cols, &sp->ndecide_cols));
    ST_TRY(src_cols(c, false, &sp->output_cols, &sp->noutput_cols));
    return ST_OK;
}

st_status st_xspec_compile(const char *text, size_t len, const char *name, st_xspec_schema_fn resolve, void *ctx,
                           st_xspec **out, st_error *e) {
    *out = NULL;
    st_xspec *sp = calloc(1, sizeof *sp);
    if (!sp) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    sp->name = strdup(name);
    const char *sl = strrchr(name, '/');
    sp->dir = sl ? strndup(name, (size_t)(sl - name)) : strdup("");
    if (!sp->name || !sp->dir) {
        st_xspec_free(sp);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    cctx c;
    memset(&c, 0, sizeof c);
    c.sp = sp;
    c.file = sp->name;
    c.resolve = resolve;
    c.rctx = ctx;
    c.e = e;
    json_error_t je;
    c.root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    st_status rc;
    if (!c.root) rc = st_error_set(e, ST_ERR_PARSE, "%s: line %d, column %d: %s", name, je.line, je.column, je.text);
    else rc = compile(&c);
    json_decref(c.root);
    free(c.col_json);
    free(c.col_node);
    for (uint32_t i = 0; c.lk_schema && i < sp->nlookups; i++) st_tschema_free(c.lk_schema[i]);
    free(c.lk_schema);
    free(c.state);
    free(c.stack);
    if (rc) {
        st_xspec_free(sp);
        return rc;
    }
    *out = sp;
    return ST_OK;
}

st_status st_xspec_load(const char *path, st_xspec_schema_fn resolve, void *ctx, st_xspec **out, st_error *e) {
    st_buf *b;
    ST_TRY(st_file_read(path, 16u << 20, &b, e));
    st_status rc = st_xspec_compile(st_buf_data(b), st_buf_len(b), path, resolve, ctx, out, e);
    st_buf_unref(b);
    return rc;
}

const char *st_xspec_name(const st_xspec *s) { return s->name; }
const char *st_xspec_target(const st_xspec *s) { return s->target; }
const char *st_xspec_source(const st_xspec *s) { return s->source; }
uint32_t st_xspec_lookup_count(const st_xspec *s) { return s->nlookups; }
const char *st_xspec_lookup_table(const st_xspec *s, uint32_t i) { return s->lookups[i].table; }
const char *st_xspec_suite(const st_xspec *s) { return s->suite; }
const st_tschema *st_xspec_output(const st_xspec *s) { return s->out; }
uint32_t st_xspec_key_count(const st_xspec *s) { return s->nkeys; }
const char *st_xspec_key(const st_xspec *s, uint32_t i) { return s->key_names[i]; }
