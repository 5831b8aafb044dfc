/*
 * sq_bind.c: from the AST to a typed logical plan.
 *
 * Binding resolves every name (tables through the catalog, files, CTEs and
 * subqueries; columns through scopes), types every expression with the rules
 * of sq_types.c (inserting casts, adapting literals), checks aggregation
 * (every column outside an aggregate must be grouped), folds constants, and
 * builds the logical plan:
 *
 *   FROM tree (scans, joins, subqueries) -> FILTER (WHERE, pushed down)
 *   -> AGG (GROUP BY + aggregates) -> FILTER (HAVING) -> PROJECT (select
 *   list + hidden ORDER BY columns) -> AGG (DISTINCT) -> SORT -> LIMIT
 *   -> PROJECT (drop hidden columns)
 *
 * WHERE conjuncts are pushed to the lowest node that has their columns:
 * into scans (where sq_plan.c extracts zone-map pruning terms), into either
 * side of inner joins (an equality between the sides becomes a join key, so
 * `FROM a, b WHERE a.x = b.y` is a hash join), into the preserved side of a
 * LEFT JOIN, through projections of subqueries and below aggregations when
 * they only touch grouping keys.
 *
 * Every error names the position of the offending name or operator.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/catalog.h"
#include "engine/sql/sql_int.h"

/* ---- scopes ------------------------------------------------------------- */

typedef struct bcol {
    const char *table; /* qualifier (alias), or NULL */
    const char *name;
    uint32_t cid;
    st_type type;
} bcol;

typedef struct scope {
    bcol *c;
    uint32_t n, cap;
} scope;

typedef struct sq_ctescope {
    struct sq_ctescope *up;
    sq_cte *ctes;
    uint32_t n;
} ctescope;

enum { M_PLAIN = 0, M_AGG, M_NOAGG };

typedef struct aggctx {
    scope *pre;           /* scope below the aggregation */
    sq_expr **keys;
    uint32_t nkeys;
    uint32_t *keycids;
    sq_aggdef *aggs;
    uint32_t *aggcids;
    uint32_t naggs, cap;
} aggctx;

typedef struct bctx {
    scope *sc;
    int mode;
    aggctx *agg;
    sq_sel *sel;        /* for select-list alias fallback, or NULL */
    const char *clause; /* "WHERE", "GROUP BY", ... for messages */
    bool in_agg;
    bool allow_alias;
} bctx;

typedef struct outcols {
    uint32_t n;
    const char **names;
    uint32_t *cids;
    st_type *types;
} outcols;

static st_status nomem(st_error *e) { return st_error_set(e, ST_ERR_NOMEM, "out of memory binding the query"); }

static st_status scope_add(sq_binder *b, scope *s, const char *table, const char *name,
                           uint32_t cid, st_type t, st_error *e) {
    if (s->n == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 16;
        bcol *nb = st_arena_alloc(b->a, nc * sizeof *nb);
        if (!nb) return nomem(e);
        if (s->n) memcpy(nb, s->c, s->n * sizeof *nb);
        s->c = nb;
        s->cap = nc;
    }
    s->c[s->n].table = table;
    s->c[s->n].name = name;
    s->c[s->n].cid = cid;
    s->c[s->n].type = t;
    s->n++;
    return ST_OK;
}

static void *aalloc(sq_binder *b, size_t n) {
    void *p = st_arena_alloc(b->a, n ? n : 1);
    if (p) memset(p, 0, n ? n : 1);
    return p;
}

static char *adup(sq_binder *b, const char *s, size_t n) { return st_arena_strndup(b->a, s, n); }

/* a new column id, named for EXPLAIN */
static uint32_t new_cid(sq_binder *b, const char *name) {
    uint32_t c = b->next_cid++;
    if (c >= b->cidcap) {
        uint32_t nc = b->cidcap ? b->cidcap * 2 : 64;
        while (nc <= c) nc *= 2;
        const char **nn = st_arena_alloc(b->a, nc * sizeof *nn);
        if (nn) {
            memset(nn, 0, nc * sizeof *nn);
            if (b->cidcap) memcpy(nn, b->cidnames, b->cidcap * sizeof *nn);
            b->cidnames = nn;
            b->cidcap = nc;
        }
    }
    if (c < b->cidcap) b->cidnames[c] = name;
    return c;
}

/* ---- plan nodes --------------------------------------------------------- */

static sq_lop *lop_new(sq_binder *b, int kind, uint32_t pos, uint32_t nout) {
    sq_lop *l = aalloc(b, sizeof *l);
    if (!l) return NULL;
    l->kind = (uint8_t)kind;
    l->pos = pos;
    l->nout = nout;
    l->cids = aalloc(b, nout * sizeof *l->cids);
    l->types = aalloc(b, nout * sizeof *l->types);
    l->limit = l->offset = -1;
    if (!l->cids || !l->types) return NULL;
    return l;
}

/* ---- expression utilities ----------------------------------------------- */

static bool has_cid(const sq_lop *l, uint32_t cid) {
    for (uint32_t i = 0; i < l->nout; i++)
        if (l->cids[i] == cid) return true;
    return false;
}

/* all column refs of x are outputs of l */
static bool refs_within(const sq_expr *x, const sq_lop *l) {
    if (x->kind == E_COL) return has_cid(l, x->col);
    for (uint32_t i = 0; i < x->nargs; i++)
        if (!refs_within(x->args[i], l)) return false;
    return true;
}

static bool has_cols(const sq_expr *x) {
    if (x->kind == E_COL) return true;
    for (uint32_t i = 0; i < x->nargs; i++)
        if (has_cols(x->args[i])) return true;
    return false;
}

static sq_expr *mk_nary(sq_binder *b, int kind, sq_expr *x, sq_expr *y, uint32_t pos) {
    if (!x) return y;
    if (!y) return x;
    uint32_t nx = x->kind == kind ? x->nargs : 1, ny = y->kind == kind ? y->nargs : 1;
    sq_expr *r = sq_expr_new(b->a, (uint8_t)kind, sq_t(ST_T_BOOLEAN), pos);
    if (!r) return NULL;
    r->args = st_arena_alloc(b->a, (nx + ny) * sizeof *r->args);
    if (!r->args) return NULL;
    uint32_t k = 0;
    if (x->kind == kind)
        for (uint32_t i = 0; i < nx; i++) r->args[k++] = x->args[i];
    else r->args[k++] = x;
    if (y->kind == kind)
        for (uint32_t i = 0; i < ny; i++) r->args[k++] = y->args[i];
    else r->args[k++] = y;
    r->nargs = k;
    return r;
}

static sq_expr *mk_and(sq_binder *b, sq_expr *x, sq_expr *y) {
    return mk_nary(b, E_AND, x, y, x ? x->pos : y ? y->pos : 0);
}

static sq_expr *mk_func(sq_binder *b, uint8_t kind, st_type t, uint32_t pos, uint32_t nargs) {
    sq_expr *x = sq_expr_new(b->a, kind, t, pos);
    if (!x) return NULL;
    if (nargs) {
        x->args = aalloc(b, nargs * sizeof *x->args);
        if (!x->args) return NULL;
    }
    x->nargs = nargs;
    return x;
}

/* fold a node whose arguments are all constants */
static st_status fold(sq_binder *b, sq_expr **xp, st_error *e) {
    sq_expr *x = *xp;
    if (x->kind == E_CONST || x->kind == E_COL || x->kind == E_AGG || x->volatile_) return ST_OK;
    for (uint32_t i = 0; i < x->nargs; i++)
        if (x->args[i]->kind != E_CONST) return ST_OK;
    sq_value v;
    ST_TRY(sq_eval_const(b->a, b->sql, b->now_us, x, &v, e));
    v.type = x->type;
    sq_expr *c = sq_expr_const(b->a, &v, x->pos);
    if (!c) return nomem(e);
    *xp = c;
    return ST_OK;
}

static st_status cast_to(sq_binder *b, sq_expr **xp, st_type t, st_error *e) {
    sq_expr *x = *xp;
    if (st_type_eq(x->type, t)) return ST_OK;
    if (!sq_cast_possible(x->type, t)) {
        char a[ST_TYPE_NAME_MAX], c[ST_TYPE_NAME_MAX];
        return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "cannot convert %s to %s",
                         sq_type_name(x->type, a), sq_type_name(t, c));
    }
    sq_expr *c = sq_cast_expr(b->a, x, t, false);
    if (!c) return nomem(e);
    *xp = c;
    return fold(b, xp, e);
}

/* An integer literal adapts to the other operand's integer type when its
 * value fits (DuckDB: tinyint_col + 1 stays TINYINT). */
static void adapt_literal(sq_binder *b, sq_expr **lit, st_type other) {
    sq_expr *x = *lit;
    if (!x->literal || x->kind != E_CONST || !st_type_is_integer(x->type) ||
        !st_type_is_integer(other) || x->val.null)
        return;
    sq_value v;
    st_error te;
    if (sq_cast_value(b->a, &x->val, other, false, &v, &te) != ST_OK) return;
    sq_expr *c = sq_expr_const(b->a, &v, x->pos);
    if (c) {
        c->literal = true;
        *lit = c;
    }
}

/* ---- names -------------------------------------------------------------- */

static bool name_eq(const char *a, const char *bn) { return a && bn && !strcasecmp(a, bn); }

static uint32_t ast_start(const sq_ast *x) {
    switch (x->kind) {
    case A_BIN:
    case A_AND:
    case A_OR:
    case A_BETWEEN:
    case A_IN:
    case A_LIKE:
    case A_ISNULL:
    case A_ISBOOL: {
        uint32_t s = ast_start(x->a);
        return s < x->pos ? s : x->pos;
    }
    default: return x->pos;
    }
}

static const char *ast_text(sq_binder *b, const sq_ast *x) {
    if (x->kind == A_COL) return x->s;
    uint32_t s = ast_start(x), en = x->end;
    if (en <= s) en = s;
    return adup(b, b->sql + s, en - s);
}

/* ---- aggregates --------------------------------------------------------- */

static int agg_kind(const char *n) {
    if (!strcasecmp(n, "count")) return AG_COUNT;
    if (!strcasecmp(n, "sum")) return AG_SUM;
    if (!strcasecmp(n, "avg") || !strcasecmp(n, "mean")) return AG_AVG;
    if (!strcasecmp(n, "min")) return AG_MIN;
    if (!strcasecmp(n, "max")) return AG_MAX;
    if (!strcasecmp(n, "any_value") || !strcasecmp(n, "first") || !strcasecmp(n, "arbitrary"))
        return AG_FIRST;
    return 0;
}

static bool ast_has_agg(const sq_ast *x) {
    if (!x) return false;
    if (x->kind == A_FUNC && agg_kind(x->s)) return true;
    if (x->kind == A_SUBQ) return false;
    if (ast_has_agg(x->a) || ast_has_agg(x->b) || ast_has_agg(x->c)) return true;
    for (uint32_t i = 0; i < x->nlist; i++)
        if (ast_has_agg(x->list[i])) return true;
    return false;
}

bool sq_agg_result_type(uint8_t kind, st_type in, st_type *out) {
    switch (kind) {
    case AG_COUNT_STAR:
    case AG_COUNT: *out = sq_t(ST_T_INT64); return true;
    case AG_SUM:
        if (st_type_is_integer(in) || in.id == ST_T_BOOLEAN) *out = st_type_decimal(38, 0);
        else if (in.id == ST_T_DECIMAL) *out = st_type_decimal(38, in.scale);
        else if (in.id == ST_T_FLOAT || in.id == ST_T_DOUBLE) *out = sq_t(ST_T_DOUBLE);
        else return false;
        return true;
    case AG_AVG:
        if (!st_type_is_numeric(in)) return false;
        *out = sq_t(ST_T_DOUBLE);
        return true;
    case AG_MIN:
    case AG_MAX:
    case AG_FIRST: *out = in; return true;
    default: return false;
    }
}

/* ---- expression binding ------------------------------------------------- */

static st_status bind_expr(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e);

static st_status resolve_col(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    scope *s = c->sc;
    int found = -1, count = 0;
    bool table_seen = false;
    for (uint32_t i = 0; s && i < s->n; i++) {
        if (x->q) {
            if (!name_eq(s->c[i].table, x->q)) continue;
            table_seen = true;
        }
        if (!name_eq(s->c[i].name, x->s)) continue;
        if (found < 0 || s->c[found].cid != s->c[i].cid) count++;
        found = (int)i;
    }
    if (count == 1) {
        *out = sq_expr_col(b->a, s->c[found].cid, s->c[found].type, x->pos);
        return *out ? ST_OK : nomem(e);
    }
    if (count > 1) {
        const char *t1 = NULL, *t2 = NULL;
        for (uint32_t i = 0; i < s->n; i++)
            if (name_eq(s->c[i].name, x->s) && (!x->q || name_eq(s->c[i].table, x->q))) {
                if (!t1) t1 = s->c[i].table ? s->c[i].table : "?";
                else if (!t2) t2 = s->c[i].table ? s->c[i].table : "?";
            }
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos,
                         "column name \"%s\" is ambiguous (it is in %s and %s); qualify it as "
                         "%s.%s", x->s, t1, t2, t1, x->s);
    }
    /* select-list alias (DuckDB allows them in WHERE, GROUP BY, HAVING) */
    if (!x->q && c->allow_alias && c->sel) {
        for (uint32_t i = 0; i < c->sel->nitems; i++) {
            sq_item *it = &c->sel->items[i];
            if (it->alias && name_eq(it->alias, x->s)) {
                if (c->mode != M_AGG && ast_has_agg(it->e)) break;
                bctx c2 = *c;
                c2.allow_alias = false; /* no recursive aliases */
                return bind_expr(b, &c2, it->e, out, e);
            }
        }
    }
    if (x->q && !table_seen) {
        /* maybe table.column where only the table name is unknown */
        return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, x->pos,
                         "unknown table or alias \"%s\" in \"%s.%s\"", x->q, x->q, x->s);
    }
    /* list candidates */
    char cand[400];
    size_t cl = 0;
    cand[0] = 0;
    for (uint32_t i = 0; s && i < s->n && cl < sizeof cand - 60; i++) {
        if (x->q && !name_eq(s->c[i].table, x->q)) continue;
        cl += (size_t)snprintf(cand + cl, sizeof cand - cl, "%s%s", cl ? ", " : "", s->c[i].name);
    }
    if (s && s->n && cl >= sizeof cand - 60) snprintf(cand + cl, sizeof cand - cl, ", ...");
    if (!s || !s->n)
        return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, x->pos,
                         "unknown column \"%s\" (the query has no FROM)", x->s);
    return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, x->pos, "unknown column \"%s%s%s\" (columns: %s)",
                     x->q ? x->q : "", x->q ? "." : "", x->s, cand);
}

static st_status bind_literal(sq_binder *b, sq_ast *x, sq_expr **out, st_error *e) {
    sq_value v;
    memset(&v, 0, sizeof v);
    st_error te;
    switch (x->kind) {
    case A_INT: {
        int64_t i;
        if (st_parse_int64(x->s, x->slen, &i, &te) == ST_OK) {
            if (i >= INT32_MIN && i <= INT32_MAX) {
                int32_t i32 = (int32_t)i;
                v.type = sq_t(ST_T_INT32);
                memcpy(&v.v, &i32, 4);
            } else {
                v.type = sq_t(ST_T_INT64);
                v.v.i = i;
            }
        } else if (st_parse_decimal(x->s, x->slen, 38, 0, false, &v.v.h, &te) == ST_OK) {
            v.type = st_type_decimal(38, 0);
        } else {
            v.type = sq_t(ST_T_DOUBLE);
            if (st_parse_double(x->s, x->slen, &v.v.d, &te) != ST_OK)
                return sq_err_at(e, ST_ERR_PARSE, b->sql, x->pos, "bad number %s", x->s);
        }
        break;
    }
    case A_NUM: {
        int id = 0, fd = 0;
        bool expo = strpbrk(x->s, "eE") != NULL;
        int digits = expo ? -1 : st_decimal_digits(x->s, x->slen, &id, &fd);
        /* DuckDB counts every digit as written: 0.5 is DECIMAL(2,1) */
        if (digits >= 0) {
            id = 0;
            const char *dot = strchr(x->s, '.');
            for (const char *q = x->s; q < (dot ? dot : x->s + x->slen); q++) id += *q >= '0' && *q <= '9';
        }
        if (digits >= 0 && id + fd <= 38) {
            int p = id + fd;
            if (p < 1) p = 1;
            if (p < fd) p = fd;
            st_i128 u;
            if (st_parse_decimal(x->s, x->slen, p, fd, false, &u, &te) != ST_OK)
                return sq_err_at(e, ST_ERR_PARSE, b->sql, x->pos, "bad number %s", x->s);
            v.type = st_type_decimal(p, fd);
            if (p <= 18) v.v.i = (int64_t)u;
            else v.v.h = u;
        } else {
            v.type = sq_t(ST_T_DOUBLE);
            if (st_parse_double(x->s, x->slen, &v.v.d, &te) != ST_OK)
                return sq_err_at(e, ST_ERR_PARSE, b->sql, x->pos, "bad number %s", x->s);
        }
        break;
    }
    case A_STR:
        v.type = sq_t(ST_T_VARCHAR);
        v.v.s.ptr = x->s;
        v.v.s.len = x->slen;
        break;
    case A_NULL:
        v.type = sq_t(ST_T_NULL);
        v.null = true;
        break;
    case A_BOOL:
        v.type = sq_t(ST_T_BOOLEAN);
        v.v.b = x->op;
        break;
    case A_TYPED:
        v.type = x->type;
        st_error_clear(&te);
        if (st_parse_value(x->type, x->s, x->slen, &v.v, &te) != ST_OK)
            return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "%s", te.msg);
        break;
    default: return st_error_set(e, ST_ERR_INTERNAL, "not a literal");
    }
    *out = sq_expr_const(b->a, &v, x->pos);
    if (!*out) return nomem(e);
    (*out)->literal = x->kind == A_INT || x->kind == A_STR || x->kind == A_NULL;
    return ST_OK;
}

static st_status want_bool(sq_binder *b, sq_expr **xp, const char *what, st_error *e) {
    sq_expr *x = *xp;
    if (x->type.id == ST_T_BOOLEAN) return ST_OK;
    if (x->type.id == ST_T_NULL || (x->literal && x->type.id == ST_T_VARCHAR))
        return cast_to(b, xp, sq_t(ST_T_BOOLEAN), e);
    char tn[ST_TYPE_NAME_MAX];
    return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "%s must be a BOOLEAN, not %s", what,
                     sq_type_name(x->type, tn));
}

/* bring two operands to a common type for comparison-like use */
static st_status unify(sq_binder *b, sq_expr **x, sq_expr **y, uint32_t pos, const char *what,
                       st_error *e) {
    adapt_literal(b, x, (*y)->type);
    adapt_literal(b, y, (*x)->type);
    st_type t = sq_common_type((*x)->type, (*x)->literal, (*y)->type, (*y)->literal);
    if (t.id == ST_T_INVALID) {
        char a[ST_TYPE_NAME_MAX], c[ST_TYPE_NAME_MAX];
        return sq_err_at(e, ST_ERR_TYPE, b->sql, pos, "cannot %s %s and %s%s", what,
                         sq_type_name((*x)->type, a), sq_type_name((*y)->type, c),
                         st_type_is_string((*x)->type) || st_type_is_string((*y)->type)
                             ? " (use CAST to convert one of them)"
                             : "");
    }
    if (t.id == ST_T_NULL) t = sq_t(ST_T_INT32);
    ST_TRY(cast_to(b, x, t, e));
    ST_TRY(cast_to(b, y, t, e));
    return ST_OK;
}

static st_status mk_cmp(sq_binder *b, int op, sq_expr *x, sq_expr *y, uint32_t pos,
                        sq_expr **out, st_error *e) {
    ST_TRY(unify(b, &x, &y, pos, "compare", e));
    sq_cmp c;
    switch (op) {
    case OP_EQ: c = C_EQ; break;
    case OP_NE: c = C_NE; break;
    case OP_LT: c = C_LT; break;
    case OP_LE: c = C_LE; break;
    case OP_GT: c = C_GT; break;
    default: c = C_GE; break;
    }
    sq_expr *r = mk_func(b, E_FUNC, sq_t(ST_T_BOOLEAN), pos, 2);
    if (!r) return nomem(e);
    r->args[0] = x;
    r->args[1] = y;
    r->cmp = (uint8_t)c;
    r->kfn = sq_cmp_kernel(c, x->type);
    r->sfn = sq_cmp_select(c, x->type);
    r->name = "compare";
    *out = r;
    return fold(b, out, e);
}

static st_status mk_arith(sq_binder *b, int op, sq_expr *x, sq_expr *y, uint32_t pos,
                          sq_expr **out, st_error *e) {
    char tn1[ST_TYPE_NAME_MAX], tn2[ST_TYPE_NAME_MAX];
    st_type tx = x->type, ty = y->type;
    /* NULL operands take the other's type */
    if (tx.id == ST_T_NULL && ty.id == ST_T_NULL) {
        ST_TRY(cast_to(b, &x, sq_t(ST_T_INT32), e));
        ST_TRY(cast_to(b, &y, sq_t(ST_T_INT32), e));
    } else if (tx.id == ST_T_NULL) {
        ST_TRY(cast_to(b, &x, ty, e));
    } else if (ty.id == ST_T_NULL) {
        ST_TRY(cast_to(b, &y, tx, e));
    }
    /* string literals take the other's type */
    if (x->literal && x->type.id == ST_T_VARCHAR && !st_type_is_string(y->type))
        ST_TRY(cast_to(b, &x, y->type, e));
    if (y->literal && y->type.id == ST_T_VARCHAR && !st_type_is_string(x->type))
        ST_TRY(cast_to(b, &y, x->type, e));
    tx = x->type;
    ty = y->type;
    sq_expr *r = mk_func(b, E_FUNC, tx, pos, 2);
    if (!r) return nomem(e);
    r->aux = (uint32_t)op;
    r->name = "arith";
    /* dates: DATE +/- integer, integer + DATE, DATE - DATE */
    if (tx.id == ST_T_DATE || ty.id == ST_T_DATE) {
        if (op == OP_MINUS && tx.id == ST_T_DATE && ty.id == ST_T_DATE) {
            r->type = sq_t(ST_T_INT64);
            r->kfn = sq_k_date_diff;
        } else if ((op == OP_PLUS || op == OP_MINUS) && tx.id == ST_T_DATE && st_type_is_integer(ty)) {
            ST_TRY(cast_to(b, &y, sq_t(ST_T_INT32), e));
            r->type = sq_t(ST_T_DATE);
            r->kfn = sq_arith_kernel(op, sq_t(ST_T_INT32), sq_t(ST_T_INT32));
        } else if (op == OP_PLUS && ty.id == ST_T_DATE && st_type_is_integer(tx)) {
            ST_TRY(cast_to(b, &x, sq_t(ST_T_INT32), e));
            r->type = sq_t(ST_T_DATE);
            r->kfn = sq_arith_kernel(op, sq_t(ST_T_INT32), sq_t(ST_T_INT32));
        } else {
            goto bad;
        }
        r->args[0] = x;
        r->args[1] = y;
        *out = r;
        return fold(b, out, e);
    }
    if (!st_type_is_numeric(tx) || !st_type_is_numeric(ty)) goto bad;
    {
        bool fl = tx.id == ST_T_FLOAT || ty.id == ST_T_FLOAT;
        bool db = tx.id == ST_T_DOUBLE || ty.id == ST_T_DOUBLE;
        bool dec = tx.id == ST_T_DECIMAL || ty.id == ST_T_DECIMAL;
        bool ints = st_type_is_integer(tx) && st_type_is_integer(ty);
        st_type rt, ax, ay;
        if (op == OP_SLASH || (op == OP_DSLASH && !ints)) {
            rt = fl && !db ? sq_t(ST_T_FLOAT) : sq_t(ST_T_DOUBLE);
            ax = ay = rt;
            op = OP_SLASH;
            r->aux = (uint32_t)op;
        } else if (fl || db) {
            rt = db ? sq_t(ST_T_DOUBLE) : sq_t(ST_T_FLOAT);
            ax = ay = rt;
        } else if (dec) {
            st_type dx = tx.id == ST_T_DECIMAL ? tx : sq_int_as_decimal(tx);
            st_type dy = ty.id == ST_T_DECIMAL ? ty : sq_int_as_decimal(ty);
            int ix = dx.precision - dx.scale, iy = dy.precision - dy.scale;
            int id = ix > iy ? ix : iy;
            if (op == OP_STAR) {
                int p = dx.precision + dy.precision, s = dx.scale + dy.scale;
                if (s > 38)
                    return sq_err_at(e, ST_ERR_TYPE, b->sql, pos,
                                     "the product of these decimals needs a scale over 38");
                if (dx.precision <= 18 && dy.precision <= 18 && p > 18) p = 18;
                if (p > 38) p = 38;
                if (p < s) p = s;
                rt = st_type_decimal(p, s);
                bool wide = p > 18;
                ax = st_type_decimal(wide && dx.precision < 19 ? 19 : dx.precision, dx.scale);
                ay = st_type_decimal(wide && dy.precision < 19 ? 19 : dy.precision, dy.scale);
            } else {
                int s = dx.scale > dy.scale ? dx.scale : dy.scale;
                int p = id + s + (op == OP_PERCENT ? 0 : 1);
                if (p > 38) p = 38;
                rt = st_type_decimal(p, s);
                ax = ay = rt;
            }
        } else if (ints) {
            adapt_literal(b, &x, ty);
            adapt_literal(b, &y, x->type);
            rt = sq_common_type(x->type, false, y->type, false);
            ax = ay = rt;
        } else {
            goto bad;
        }
        ST_TRY(cast_to(b, &x, ax, e));
        ST_TRY(cast_to(b, &y, ay, e));
        r->type = rt;
        r->kfn = sq_arith_kernel(op, ax, rt);
        if (!r->kfn) goto bad;
        r->args[0] = x;
        r->args[1] = y;
        *out = r;
        return fold(b, out, e);
    }
bad:;
    const char *ops = op == OP_PLUS ? "+" : op == OP_MINUS ? "-" : op == OP_STAR ? "*"
                    : op == OP_SLASH ? "/" : op == OP_DSLASH ? "//" : "%";
    return sq_err_at(e, ST_ERR_TYPE, b->sql, pos, "cannot apply %s to %s and %s", ops,
                     sq_type_name(tx, tn1), sq_type_name(ty, tn2));
}


static void inset_free(void *p) {
    sq_inset *s = p;
    sq_ht_free(&s->ht);
    free(s);
}

static st_status bind_in(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    sq_expr *needle;
    ST_TRY(bind_expr(b, c, x->a, &needle, e));
    uint32_t n = x->nlist;
    sq_expr **items = aalloc(b, n * sizeof *items);
    if (!items) return nomem(e);
    st_type t = needle->type;
    bool tlit = needle->literal;
    bool all_const = true;
    for (uint32_t i = 0; i < n; i++) {
        ST_TRY(bind_expr(b, c, x->list[i], &items[i], e));
        adapt_literal(b, &items[i], needle->type);
        st_type nt = sq_common_type(t, tlit, items[i]->type, items[i]->literal);
        if (nt.id == ST_T_INVALID) {
            char a1[ST_TYPE_NAME_MAX], a2[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, items[i]->pos, "cannot compare %s and %s in IN",
                             sq_type_name(needle->type, a1), sq_type_name(items[i]->type, a2));
        }
        t = nt;
        tlit = tlit && items[i]->literal;
        if (items[i]->kind != E_CONST) all_const = false;
    }
    if (t.id == ST_T_NULL) t = sq_t(ST_T_INT32);
    ST_TRY(cast_to(b, &needle, t, e));
    for (uint32_t i = 0; i < n; i++) ST_TRY(cast_to(b, &items[i], t, e));
    if (!all_const) {
        /* x IN (a, b) = x = a OR x = b (same three-valued result) */
        sq_expr *acc = NULL;
        for (uint32_t i = 0; i < n; i++) {
            sq_expr *eq, *nc = i ? sq_expr_copy(b->a, needle) : needle;
            if (!nc) return nomem(e);
            ST_TRY(mk_cmp(b, OP_EQ, nc, items[i], x->pos, &eq, e));
            acc = mk_nary(b, E_OR, acc, eq, x->pos);
            if (!acc) return nomem(e);
        }
        if (x->neg) {
            sq_expr *nt = mk_func(b, E_NOT, sq_t(ST_T_BOOLEAN), x->pos, 1);
            if (!nt) return nomem(e);
            nt->args[0] = acc;
            acc = nt;
        }
        *out = acc;
        return ST_OK;
    }
    sq_inset *set = calloc(1, sizeof *set);
    if (!set) return nomem(e);
    st_status rc = sq_ht_init(&set->ht, &t, 1, NULL, "IN list", x->pos, e);
    if (rc != ST_OK) {
        free(set);
        return rc;
    }
    rc = sq_pool_add(b->pool, inset_free, set, e);
    if (rc != ST_OK) {
        inset_free(set);
        return rc;
    }
    st_vector *v = sq_vec_new(t, n ? n : 1);
    if (!v) return nomem(e);
    uint32_t nv = 0;
    for (uint32_t i = 0; i < n && rc == ST_OK; i++) {
        if (items[i]->val.null) {
            set->has_null = true;
            continue;
        }
        rc = sq_value_to_vec(&items[i]->val, v, nv++, e);
    }
    v->len = nv;
    if (rc == ST_OK && nv) {
        uint64_t *h = malloc(nv * sizeof *h);
        uint32_t *g = malloc(nv * sizeof *g);
        if (!h || !g) rc = nomem(e);
        for (uint32_t off = 0; rc == ST_OK && off < nv; off += SQ_CHUNK) {
            uint32_t cnt = nv - off < SQ_CHUNK ? nv - off : SQ_CHUNK;
            uint32_t *sel = malloc(cnt * sizeof *sel);
            if (!sel) {
                rc = nomem(e);
                break;
            }
            for (uint32_t k = 0; k < cnt; k++) sel[k] = off + k;
            sq_ht_hash(&set->ht, &v, sel, cnt, h);
            rc = sq_ht_upsert(&set->ht, &v, sel, cnt, h, g, e);
            free(sel);
        }
        free(h);
        free(g);
    }
    sq_vec_free(v);
    if (rc != ST_OK) return rc;
    sq_expr *r = mk_func(b, E_IN, sq_t(ST_T_BOOLEAN), x->pos, 1);
    if (!r) return nomem(e);
    r->args[0] = needle;
    r->neg = x->neg;
    r->state = set;
    *out = r;
    return fold(b, out, e);
}

static st_status bind_case(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    uint32_t np = x->nlist / 2;
    bool has_else = x->b != NULL;
    sq_expr *r = mk_func(b, E_CASE, sq_t(ST_T_NULL), x->pos, np * 2 + (has_else ? 1 : 0));
    if (!r) return nomem(e);
    r->has_else = has_else;
    sq_expr *operand = NULL;
    if (x->a) ST_TRY(bind_expr(b, c, x->a, &operand, e));
    st_type t = sq_t(ST_T_NULL);
    bool tlit = true;
    for (uint32_t i = 0; i < np; i++) {
        sq_expr *w, *th;
        ST_TRY(bind_expr(b, c, x->list[2 * i], &w, e));
        if (operand) {
            sq_expr *oc = i ? sq_expr_copy(b->a, operand) : operand;
            if (!oc) return nomem(e);
            ST_TRY(mk_cmp(b, OP_EQ, oc, w, x->list[2 * i]->pos, &w, e));
        }
        ST_TRY(want_bool(b, &w, "a WHEN condition", e));
        ST_TRY(bind_expr(b, c, x->list[2 * i + 1], &th, e));
        r->args[2 * i] = w;
        r->args[2 * i + 1] = th;
    }
    if (has_else) ST_TRY(bind_expr(b, c, x->b, &r->args[np * 2], e));
    for (uint32_t i = 0; i < r->nargs; i++) {
        if (i < np * 2 && i % 2 == 0) continue;
        sq_expr *v = r->args[i];
        st_type nt = sq_common_type(t, tlit, v->type, v->literal);
        if (nt.id == ST_T_INVALID) {
            char a1[ST_TYPE_NAME_MAX], a2[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, v->pos,
                             "CASE branches of types %s and %s cannot be combined",
                             sq_type_name(t, a1), sq_type_name(v->type, a2));
        }
        t = nt;
        tlit = tlit && v->literal;
    }
    if (t.id == ST_T_NULL) t = sq_t(ST_T_INT32);
    for (uint32_t i = 0; i < r->nargs; i++) {
        if (i < np * 2 && i % 2 == 0) continue;
        ST_TRY(cast_to(b, &r->args[i], t, e));
    }
    r->type = t;
    *out = r;
    return ST_OK;
}

static st_status bind_coalesce(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    if (x->nlist == 0)
        return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "%s() needs at least one argument", x->s);
    sq_expr *r = mk_func(b, E_COALESCE, sq_t(ST_T_NULL), x->pos, x->nlist);
    if (!r) return nomem(e);
    st_type t = sq_t(ST_T_NULL);
    bool tlit = true;
    for (uint32_t i = 0; i < x->nlist; i++) {
        ST_TRY(bind_expr(b, c, x->list[i], &r->args[i], e));
        st_type nt = sq_common_type(t, tlit, r->args[i]->type, r->args[i]->literal);
        if (nt.id == ST_T_INVALID) {
            char a1[ST_TYPE_NAME_MAX], a2[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, r->args[i]->pos,
                             "%s(): arguments of types %s and %s cannot be combined", x->s,
                             sq_type_name(t, a1), sq_type_name(r->args[i]->type, a2));
        }
        t = nt;
        tlit = tlit && r->args[i]->literal;
    }
    if (t.id == ST_T_NULL) t = sq_t(ST_T_INT32);
    for (uint32_t i = 0; i < r->nargs; i++) ST_TRY(cast_to(b, &r->args[i], t, e));
    r->type = t;
    /* a leading non-NULL constant decides */
    if (r->args[0]->kind == E_CONST && !r->args[0]->val.null) {
        *out = r->args[0];
        return ST_OK;
    }
    *out = r;
    return ST_OK;
}

static st_status bind_agg_call(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    if (c->in_agg)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos,
                         "aggregate function calls cannot be nested");
    if (c->mode != M_AGG || !c->agg)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos,
                         "aggregate function %s() is not allowed in %s", x->s,
                         c->clause ? c->clause : "this context");
    if (c->in_agg)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos,
                         "aggregate function calls cannot be nested");
    aggctx *ag = c->agg;
    sq_aggdef d;
    memset(&d, 0, sizeof d);
    d.kind = (uint8_t)agg_kind(x->s);
    d.distinct = x->distinct;
    d.pos = x->pos;
    d.name = adup(b, x->s, x->slen);
    for (char *p = (char *)d.name; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p += 32;
    if (x->star) {
        if (d.kind != AG_COUNT)
            return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "%s(*) is not valid; only count(*)", x->s);
        d.kind = AG_COUNT_STAR;
        d.type = sq_t(ST_T_INT64);
    } else {
        if (x->nlist != 1)
            return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "%s() takes one argument", d.name);
        bctx c2 = *c;
        c2.mode = M_PLAIN;
        c2.in_agg = true;
        c2.sc = ag->pre;
        c2.allow_alias = false;
        ST_TRY(bind_expr(b, &c2, x->list[0], &d.arg, e));
        if (d.arg->type.id == ST_T_NULL) ST_TRY(cast_to(b, &d.arg, sq_t(ST_T_INT32), e));
        if (d.arg->type.id == ST_T_BOOLEAN && (d.kind == AG_SUM || d.kind == AG_AVG))
            ST_TRY(cast_to(b, &d.arg, sq_t(ST_T_INT32), e));
        d.in_type = d.arg->type;
        if (!sq_agg_result_type(d.kind, d.in_type, &d.type)) {
            char tn[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, x->list[0]->pos,
                             "%s() needs a number, not %s", d.name, sq_type_name(d.in_type, tn));
        }
        if (d.kind == AG_MIN || d.kind == AG_MAX || d.kind == AG_FIRST) d.distinct = false;
    }
    for (uint32_t i = 0; i < ag->naggs; i++) {
        sq_aggdef *o = &ag->aggs[i];
        if (o->kind == d.kind && o->distinct == d.distinct && sq_expr_equal(o->arg, d.arg)) {
            *out = sq_expr_col(b->a, ag->aggcids[i], o->type, x->pos);
            return *out ? ST_OK : nomem(e);
        }
    }
    if (ag->naggs == ag->cap) {
        uint32_t nc = ag->cap ? ag->cap * 2 : 8;
        sq_aggdef *na = aalloc(b, nc * sizeof *na);
        uint32_t *nci = aalloc(b, nc * sizeof *nci);
        if (!na || !nci) return nomem(e);
        if (ag->naggs) {
            memcpy(na, ag->aggs, ag->naggs * sizeof *na);
            memcpy(nci, ag->aggcids, ag->naggs * sizeof *nci);
        }
        ag->aggs = na;
        ag->aggcids = nci;
        ag->cap = nc;
    }
    ag->aggs[ag->naggs] = d;
    ag->aggcids[ag->naggs] = new_cid(b, ast_text(b, x));
    *out = sq_expr_col(b->a, ag->aggcids[ag->naggs], d.type, x->pos);
    ag->naggs++;
    return *out ? ST_OK : nomem(e);
}

static st_status bind_func(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    const char *n = x->s;
    if (agg_kind(n)) return bind_agg_call(b, c, x, out, e);
    if (x->star)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "%s(*) is not valid; only count(*)", n);
    if (x->distinct)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "DISTINCT is only valid in aggregates");
    if (!strcasecmp(n, "coalesce") || !strcasecmp(n, "ifnull")) return bind_coalesce(b, c, x, out, e);
    if (!strcasecmp(n, "if") || !strcasecmp(n, "iff")) {
        if (x->nlist != 3) return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "%s() takes 3 arguments", n);
        sq_ast cs;
        memset(&cs, 0, sizeof cs);
        cs.kind = A_CASE;
        cs.pos = x->pos;
        cs.end = x->end;
        cs.list = x->list;
        cs.nlist = 2;
        cs.b = x->list[2];
        return bind_case(b, c, &cs, out, e);
    }
    if (!strcasecmp(n, "mod") || !strcasecmp(n, "divide")) {
        if (x->nlist != 2) return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "%s() takes 2 arguments", n);
        sq_expr *l, *r;
        ST_TRY(bind_expr(b, c, x->list[0], &l, e));
        ST_TRY(bind_expr(b, c, x->list[1], &r, e));
        return mk_arith(b, n[0] == 'm' || n[0] == 'M' ? OP_PERCENT : OP_DSLASH, l, r, x->pos, out, e);
    }
    if (!sq_func_exists(n))
        return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, x->pos, "unknown function %s()", n);
    sq_expr *f = mk_func(b, E_FUNC, sq_t(ST_T_NULL), x->pos, x->nlist);
    if (!f) return nomem(e);
    for (uint32_t i = 0; i < x->nlist; i++) ST_TRY(bind_expr(b, c, x->list[i], &f->args[i], e));
    ST_TRY(sq_func_bind(b, f, n, e));
    *out = f;
    return fold(b, out, e);
}

/* whole-expression match against GROUP BY keys */
static bool match_key(aggctx *ag, const sq_expr *x, uint32_t *cid) {
    for (uint32_t i = 0; i < ag->nkeys; i++)
        if (sq_expr_equal(ag->keys[i], x)) {
            *cid = ag->keycids[i];
            return true;
        }
    return false;
}

static st_status bind_expr_inner(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e);

static st_status bind_expr(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    if (c->mode == M_AGG && !c->in_agg && !(x->kind == A_FUNC && agg_kind(x->s)) &&
        !ast_has_agg(x) && x->kind != A_STAR) {
        /* a grouped expression is replaced by its key column */
        bctx c2 = *c;
        c2.mode = M_PLAIN;
        c2.sc = c->agg->pre;
        sq_expr *plain;
        st_status rc = bind_expr_inner(b, &c2, x, &plain, e);
        if (rc == ST_OK) {
            uint32_t cid;
            if (match_key(c->agg, plain, &cid)) {
                *out = sq_expr_col(b->a, cid, plain->type, x->pos);
                return *out ? ST_OK : nomem(e);
            }
            if (!has_cols(plain)) {
                *out = plain;
                return ST_OK;
            }
            if (x->kind == A_COL)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos,
                                 "column \"%s\" must appear in the GROUP BY clause or be used in an "
                                 "aggregate function", x->s);
        }
        /* not bindable below the aggregation: maybe an alias of an
         * aggregate, or an expression over keys; bind it at this level */
        st_error_clear(e);
    }
    return bind_expr_inner(b, c, x, out, e);
}

static st_status bind_expr_inner(sq_binder *b, bctx *c, sq_ast *x, sq_expr **out, st_error *e) {
    switch (x->kind) {
    case A_COL: return resolve_col(b, c, x, out, e);
    case A_STAR:
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "* is only allowed in the select list");
    case A_INT:
    case A_NUM:
    case A_STR:
    case A_NULL:
    case A_BOOL:
    case A_TYPED: return bind_literal(b, x, out, e);
    case A_NEG: {
        sq_expr *a;
        ST_TRY(bind_expr(b, c, x->a, &a, e));
        if (a->type.id == ST_T_NULL) ST_TRY(cast_to(b, &a, sq_t(ST_T_INT32), e));
        if (!st_type_is_numeric(a->type) || a->type.id == ST_T_UINT64) {
            char tn[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "cannot negate %s", sq_type_name(a->type, tn));
        }
        sq_expr *r = mk_func(b, E_FUNC, a->type, x->pos, 1);
        if (!r) return nomem(e);
        r->args[0] = a;
        r->kfn = sq_neg_kernel(a->type);
        r->name = "negate";
        *out = r;
        return fold(b, out, e);
    }
    case A_BIN: {
        sq_expr *l, *r;
        ST_TRY(bind_expr(b, c, x->a, &l, e));
        ST_TRY(bind_expr(b, c, x->b, &r, e));
        if (x->op >= OP_EQ && x->op <= OP_GE) return mk_cmp(b, x->op, l, r, x->pos, out, e);
        if (x->op == OP_CONCAT) {
            if (!sq_cast_possible(l->type, sq_t(ST_T_VARCHAR)) ||
                !sq_cast_possible(r->type, sq_t(ST_T_VARCHAR)))
                return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "cannot concatenate these types");
            ST_TRY(cast_to(b, &l, sq_t(ST_T_VARCHAR), e));
            ST_TRY(cast_to(b, &r, sq_t(ST_T_VARCHAR), e));
            sq_expr *f = mk_func(b, E_FUNC, sq_t(ST_T_VARCHAR), x->pos, 2);
            if (!f) return nomem(e);
            f->args[0] = l;
            f->args[1] = r;
            f->kfn = sq_k_concat;
            f->name = "||";
            *out = f;
            return fold(b, out, e);
        }
        return mk_arith(b, x->op, l, r, x->pos, out, e);
    }
    case A_AND:
    case A_OR: {
        sq_expr *l, *r;
        ST_TRY(bind_expr(b, c, x->a, &l, e));
        ST_TRY(bind_expr(b, c, x->b, &r, e));
        ST_TRY(want_bool(b, &l, x->kind == A_AND ? "an AND operand" : "an OR operand", e));
        ST_TRY(want_bool(b, &r, x->kind == A_AND ? "an AND operand" : "an OR operand", e));
        *out = mk_nary(b, x->kind == A_AND ? E_AND : E_OR, l, r, x->pos);
        if (!*out) return nomem(e);
        return fold(b, out, e);
    }
    case A_NOT: {
        sq_expr *a;
        ST_TRY(bind_expr(b, c, x->a, &a, e));
        ST_TRY(want_bool(b, &a, "the operand of NOT", e));
        sq_expr *r = mk_func(b, E_NOT, sq_t(ST_T_BOOLEAN), x->pos, 1);
        if (!r) return nomem(e);
        r->args[0] = a;
        *out = r;
        return fold(b, out, e);
    }
    case A_ISNULL: {
        sq_expr *a;
        ST_TRY(bind_expr(b, c, x->a, &a, e));
        sq_expr *r = mk_func(b, E_ISNULL, sq_t(ST_T_BOOLEAN), x->pos, 1);
        if (!r) return nomem(e);
        if (a->type.id == ST_T_NULL) ST_TRY(cast_to(b, &a, sq_t(ST_T_INT32), e));
        r->args[0] = a;
        r->neg = x->neg;
        *out = r;
        return fold(b, out, e);
    }
    case A_ISBOOL: {
        /* x IS TRUE = coalesce(x, false); x IS FALSE = coalesce(NOT x, false) */
        sq_expr *a;
        ST_TRY(bind_expr(b, c, x->a, &a, e));
        ST_TRY(want_bool(b, &a, "the operand of IS TRUE/FALSE", e));
        if (!x->op) {
            sq_expr *nt = mk_func(b, E_NOT, sq_t(ST_T_BOOLEAN), x->pos, 1);
            if (!nt) return nomem(e);
            nt->args[0] = a;
            a = nt;
        }
        sq_value f;
        memset(&f, 0, sizeof f);
        f.type = sq_t(ST_T_BOOLEAN);
        sq_expr *r = mk_func(b, E_COALESCE, sq_t(ST_T_BOOLEAN), x->pos, 2);
        if (!r) return nomem(e);
        r->args[0] = a;
        r->args[1] = sq_expr_const(b->a, &f, x->pos);
        if (!r->args[1]) return nomem(e);
        if (x->neg) {
            sq_expr *nt = mk_func(b, E_NOT, sq_t(ST_T_BOOLEAN), x->pos, 1);
            if (!nt) return nomem(e);
            nt->args[0] = r;
            r = nt;
        }
        *out = r;
        return fold(b, out, e);
    }
    case A_BETWEEN: {
        sq_expr *v, *lo, *hi, *ge, *le;
        ST_TRY(bind_expr(b, c, x->a, &v, e));
        ST_TRY(bind_expr(b, c, x->b, &lo, e));
        ST_TRY(bind_expr(b, c, x->c, &hi, e));
        sq_expr *v2 = sq_expr_copy(b->a, v);
        if (!v2) return nomem(e);
        ST_TRY(mk_cmp(b, OP_GE, v, lo, x->pos, &ge, e));
        ST_TRY(mk_cmp(b, OP_LE, v2, hi, x->pos, &le, e));
        sq_expr *r = mk_nary(b, E_AND, ge, le, x->pos);
        if (!r) return nomem(e);
        if (x->neg) {
            sq_expr *nt = mk_func(b, E_NOT, sq_t(ST_T_BOOLEAN), x->pos, 1);
            if (!nt) return nomem(e);
            nt->args[0] = r;
            r = nt;
        }
        *out = r;
        return fold(b, out, e);
    }
    case A_IN: return bind_in(b, c, x, out, e);
    case A_LIKE: {
        sq_expr *f = mk_func(b, E_FUNC, sq_t(ST_T_BOOLEAN), x->pos, x->c ? 3 : 2);
        if (!f) return nomem(e);
        ST_TRY(bind_expr(b, c, x->a, &f->args[0], e));
        ST_TRY(bind_expr(b, c, x->b, &f->args[1], e));
        if (x->c) ST_TRY(bind_expr(b, c, x->c, &f->args[2], e));
        ST_TRY(sq_like_bind(b, f, x->op != 0, x->neg, e));
        *out = f;
        return fold(b, out, e);
    }
    case A_CASE: return bind_case(b, c, x, out, e);
    case A_CAST: {
        sq_expr *a;
        ST_TRY(bind_expr(b, c, x->a, &a, e));
        if (!sq_cast_possible(a->type, x->type)) {
            char t1[ST_TYPE_NAME_MAX], t2[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, x->pos, "cannot cast %s to %s",
                             sq_type_name(a->type, t1), sq_type_name(x->type, t2));
        }
        sq_expr *r = sq_cast_expr(b->a, a, x->type, x->flag);
        if (!r) return nomem(e);
        if (r != a) r->pos = x->pos;
        *out = r;
        return fold(b, out, e);
    }
    case A_FUNC: return bind_func(b, c, x, out, e);
    case A_EXTRACT: {
        sq_expr *f = mk_func(b, E_FUNC, sq_t(ST_T_NULL), x->pos, 2);
        if (!f) return nomem(e);
        sq_value pv;
        memset(&pv, 0, sizeof pv);
        pv.type = sq_t(ST_T_VARCHAR);
        pv.v.s.ptr = x->s;
        pv.v.s.len = x->slen;
        f->args[0] = sq_expr_const(b->a, &pv, x->pos);
        if (!f->args[0]) return nomem(e);
        ST_TRY(bind_expr(b, c, x->a, &f->args[1], e));
        ST_TRY(sq_func_bind(b, f, "date_part", e));
        *out = f;
        return fold(b, out, e);
    }
    case A_SUBQ:
        return sq_err_at(e, ST_ERR_UNSUPPORTED, b->sql, x->pos,
                         "subqueries in expressions are not supported (use a subquery in FROM or "
                         "a JOIN)");
    default: return sq_err_at(e, ST_ERR_INTERNAL, b->sql, x->pos, "unexpected expression");
    }
}

/* ---- filter pushdown ---------------------------------------------------- */

static sq_expr *subst(sq_binder *b, const sq_expr *x, const uint32_t *cids, sq_expr *const *exprs,
                      uint32_t n, bool *ok) {
    if (x->kind == E_COL) {
        for (uint32_t i = 0; i < n; i++)
            if (cids[i] == x->col) return sq_expr_copy(b->a, exprs[i]);
        *ok = false;
        return NULL;
    }
    sq_expr *y = st_arena_alloc(b->a, sizeof *y);
    if (!y) {
        *ok = false;
        return NULL;
    }
    *y = *x;
    if (x->nargs) {
        y->args = st_arena_alloc(b->a, x->nargs * sizeof *y->args);
        if (!y->args) {
            *ok = false;
            return NULL;
        }
        for (uint32_t i = 0; i < x->nargs; i++) {
            y->args[i] = subst(b, x->args[i], cids, exprs, n, ok);
            if (!*ok) return NULL;
        }
    }
    return y;
}

static st_status wrap_filter(sq_binder *b, sq_lop **lp, sq_expr *conj, st_error *e) {
    sq_lop *l = *lp;
    if (l->kind == L_FILTER) {
        l->pred = mk_and(b, l->pred, conj);
        return l->pred ? ST_OK : nomem(e);
    }
    sq_lop *f = lop_new(b, L_FILTER, conj->pos, l->nout);
    if (!f) return nomem(e);
    memcpy(f->cids, l->cids, l->nout * sizeof *f->cids);
    memcpy(f->types, l->types, l->nout * sizeof *f->types);
    f->child = l;
    f->pred = conj;
    f->est_rows = l->est_rows * 0.5;
    *lp = f;
    return ST_OK;
}

static st_status push_conj(sq_binder *b, sq_lop **lp, sq_expr *conj, st_error *e) {
    sq_lop *l = *lp;
    if (conj->kind == E_CONST && !conj->val.null && conj->val.v.b) return ST_OK; /* TRUE */
    switch (l->kind) {
    case L_FILTER: return push_conj(b, &l->child, conj, e);
    case L_SCAN:
        l->filter = mk_and(b, l->filter, conj);
        l->est_rows *= 0.5;
        return l->filter ? ST_OK : nomem(e);
    case L_PROJECT: {
        bool ok = true;
        sq_expr *s = subst(b, conj, l->cids, l->exprs, l->nout, &ok);
        if (ok && s) return push_conj(b, &l->child, s, e);
        return wrap_filter(b, lp, conj, e);
    }
    case L_AGG: {
        bool ok = true;
        sq_expr *s = subst(b, conj, l->cids, l->keys, l->nkeys, &ok);
        if (ok && s && l->nkeys) return push_conj(b, &l->child, s, e);
        return wrap_filter(b, lp, conj, e);
    }
    case L_JOIN: {
        if (refs_within(conj, l->child)) return push_conj(b, &l->child, conj, e);
        if (l->jtype == J_LEFT) return wrap_filter(b, lp, conj, e);
        if (refs_within(conj, l->right)) return push_conj(b, &l->right, conj, e);
        /* an equality between the two sides becomes a join key */
        if (conj->kind == E_FUNC && conj->cmp == C_EQ) {
            sq_expr *x = conj->args[0], *y = conj->args[1];
            bool xl = refs_within(x, l->child) && has_cols(x), yr = refs_within(y, l->right) && has_cols(y);
            bool xr = refs_within(x, l->right) && has_cols(x), yl = refs_within(y, l->child) && has_cols(y);
            if ((xl && yr) || (xr && yl)) {
                sq_expr **nl = aalloc(b, (l->njkeys + 1) * sizeof *nl);
                sq_expr **nr = aalloc(b, (l->njkeys + 1) * sizeof *nr);
                if (!nl || !nr) return nomem(e);
                if (l->njkeys) {
                    memcpy(nl, l->lkeys, l->njkeys * sizeof *nl);
                    memcpy(nr, l->rkeys, l->njkeys * sizeof *nr);
                }
                nl[l->njkeys] = xl ? x : y;
                nr[l->njkeys] = xl ? y : x;
                l->lkeys = nl;
                l->rkeys = nr;
                l->njkeys++;
                if (l->jtype == J_CROSS) {
                    l->jtype = J_INNER;
                    double a = l->child->est_rows, c = l->right->est_rows;
                    l->est_rows = a > c ? a : c;
                }
                return ST_OK;
            }
        }
        l->residual = mk_and(b, l->residual, conj);
        return l->residual ? ST_OK : nomem(e);
    }
    default: return wrap_filter(b, lp, conj, e);
    }
}

static st_status push_where(sq_binder *b, sq_lop **lp, sq_expr *pred, st_error *e) {
    if (!pred) return ST_OK;
    if (pred->kind == E_AND) {
        for (uint32_t i = 0; i < pred->nargs; i++) ST_TRY(push_conj(b, lp, pred->args[i], e));
        return ST_OK;
    }
    return push_conj(b, lp, pred, e);
}

/* ---- FROM --------------------------------------------------------------- */

static st_status bind_query(sq_binder *b, sq_sel *s, ctescope *cs, sq_lop **out, outcols *oc,
                            st_error *e);

static const char *base_name(sq_binder *b, const char *path) {
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    const char *dot = strchr(s, '.');
    size_t n = dot && dot != s ? (size_t)(dot - s) : strlen(s);
    return adup(b, s, n);
}

static st_status scan_source(sq_binder *b, st_source *src, const char *alias, sq_from *f,
                             sq_lop **out, scope *sc, st_error *e) {
    ST_TRY(sq_pool_add(b->pool, (void (*)(void *))st_source_close, src, e));
    const st_schema *sch = src->schema;
    sq_lop *l = lop_new(b, L_SCAN, f->pos, sch->nfields);
    if (!l) return nomem(e);
    l->src = src;
    l->table = f->kind == F_TABLE;
    l->src_cols = aalloc(b, sch->nfields * sizeof *l->src_cols);
    l->label = adup(b, src->name ? src->name : alias, strlen(src->name ? src->name : alias));
    if (!l->src_cols || !l->label) return nomem(e);
    double rows = 0, bytes = 0;
    uint32_t ng = src->ops->group_count(src);
    for (uint32_t g = 0; g < ng; g++) {
        st_group_info gi;
        memset(&gi, 0, sizeof gi);
        src->ops->group_info(src, g, &gi);
        rows += (double)gi.rows;
        bytes += (double)gi.bytes;
    }
    /* a stream (a text file) does not know its rows: guess from its bytes,
     * and assume it is large when it cannot say */
    if (src->ops->read_next && rows == 0) rows = bytes > 0 ? bytes / 64 : 1e7;
    l->est_rows = rows;
    if (f->ncolalias > sch->nfields)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, f->pos,
                         "%u column aliases given but the table has %u columns", f->ncolalias,
                         sch->nfields);
    for (uint32_t i = 0; i < sch->nfields; i++) {
        l->src_cols[i] = i;
        l->cids[i] = new_cid(b, i < f->ncolalias ? f->colalias[i] : sch->fields[i].name);
        st_type t = sch->fields[i].type;
        l->types[i] = t;
        const char *nm = i < f->ncolalias ? f->colalias[i] : sch->fields[i].name;
        ST_TRY(scope_add(b, sc, alias, nm, l->cids[i], t, e));
    }
    *out = l;
    return ST_OK;
}

static const sq_cte *find_cte(ctescope *cs, const char *name, ctescope **where, uint32_t *idx) {
    for (ctescope *s = cs; s; s = s->up)
        for (uint32_t i = s->n; i-- > 0;)
            if (name_eq(s->ctes[i].name, name)) {
                *where = s;
                *idx = i;
                return &s->ctes[i];
            }
    return NULL;
}

static st_status const_arg(sq_binder *b, sq_ast *x, sq_value *v, st_error *e) {
    bctx c;
    memset(&c, 0, sizeof c);
    c.mode = M_NOAGG;
    c.clause = "a table reference";
    sq_expr *ex;
    ST_TRY(bind_expr(b, &c, x, &ex, e));
    if (ex->kind != E_CONST)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "this must be a constant");
    *v = ex->val;
    return ST_OK;
}

static st_status bind_from(sq_binder *b, sq_from *f, ctescope *cs, sq_lop **out, scope *sc,
                           st_error *e);

static st_status bind_join(sq_binder *b, sq_from *f, ctescope *cs, sq_lop **out, scope *sc,
                           st_error *e) {
    sq_lop *l, *r;
    scope ls = {0}, rs = {0};
    ST_TRY(bind_from(b, f->l, cs, &l, &ls, e));
    ST_TRY(bind_from(b, f->r, cs, &r, &rs, e));
    sq_lop *j = lop_new(b, L_JOIN, f->pos, l->nout + r->nout);
    if (!j) return nomem(e);
    j->jtype = f->jtype;
    j->child = l;
    j->right = r;
    memcpy(j->cids, l->cids, l->nout * sizeof *j->cids);
    memcpy(j->cids + l->nout, r->cids, r->nout * sizeof *j->cids);
    memcpy(j->types, l->types, l->nout * sizeof *j->types);
    memcpy(j->types + l->nout, r->types, r->nout * sizeof *j->types);
    for (uint32_t i = 0; i < ls.n; i++) ST_TRY(scope_add(b, sc, ls.c[i].table, ls.c[i].name, ls.c[i].cid, ls.c[i].type, e));
    for (uint32_t i = 0; i < rs.n; i++) ST_TRY(scope_add(b, sc, rs.c[i].table, rs.c[i].name, rs.c[i].cid, rs.c[i].type, e));
    j->est_rows = f->jtype == J_CROSS ? l->est_rows * r->est_rows
                  : f->jtype == J_LEFT ? l->est_rows
                  : (l->est_rows > r->est_rows ? l->est_rows : r->est_rows);
    if (f->jtype == J_CROSS) {
        *out = j;
        return ST_OK;
    }
    bctx c;
    memset(&c, 0, sizeof c);
    c.sc = sc;
    c.mode = M_NOAGG;
    c.clause = "a JOIN condition";
    sq_expr *on;
    ST_TRY(bind_expr(b, &c, f->on, &on, e));
    ST_TRY(want_bool(b, &on, "a JOIN condition", e));
    *out = j;
    uint32_t n = on->kind == E_AND ? on->nargs : 1;
    for (uint32_t i = 0; i < n; i++) {
        sq_expr *cj = on->kind == E_AND ? on->args[i] : on;
        if (f->jtype == J_LEFT) {
            /* ON terms over the right side only filter the right input; over
             * both sides with = they are keys; anything else is matched as a
             * residual condition */
            if (refs_within(cj, r) && has_cols(cj)) {
                ST_TRY(push_conj(b, &j->right, cj, e));
                continue;
            }
            if (cj->kind == E_FUNC && cj->cmp == C_EQ) {
                sq_expr *x = cj->args[0], *y = cj->args[1];
                bool xl = refs_within(x, l) && has_cols(x), yr = refs_within(y, r) && has_cols(y);
                bool xr = refs_within(x, r) && has_cols(x), yl = refs_within(y, l) && has_cols(y);
                if ((xl && yr) || (xr && yl)) {
                    sq_expr **nl = aalloc(b, (j->njkeys + 1) * sizeof *nl);
                    sq_expr **nr = aalloc(b, (j->njkeys + 1) * sizeof *nr);
                    if (!nl || !nr) return nomem(e);
                    if (j->njkeys) {
                        memcpy(nl, j->lkeys, j->njkeys * sizeof *nl);
                        memcpy(nr, j->rkeys, j->njkeys * sizeof *nr);
                    }
                    nl[j->njkeys] = xl ? x : y;
                    nr[j->njkeys] = xl ? y : x;
                    j->lkeys = nl;
                    j->rkeys = nr;
                    j->njkeys++;
                    continue;
                }
            }
            j->residual = mk_and(b, j->residual, cj);
            if (!j->residual) return nomem(e);
        } else {
            ST_TRY(push_conj(b, out, cj, e));
        }
    }
    return ST_OK;
}

static st_status bind_from(sq_binder *b, sq_from *f, ctescope *cs, sq_lop **out, scope *sc,
                           st_error *e) {
    switch (f->kind) {
    case F_JOIN: return bind_join(b, f, cs, out, sc, e);
    case F_SUBQ: {
        outcols oc;
        sq_lop *l;
        ST_TRY(bind_query(b, f->sub, cs, &l, &oc, e));
        if (f->ncolalias > oc.n)
            return sq_err_at(e, ST_ERR_INVALID, b->sql, f->pos,
                             "%u column aliases given but the subquery has %u columns",
                             f->ncolalias, oc.n);
        const char *alias = f->alias ? adup(b, f->alias, f->alen) : NULL;
        for (uint32_t i = 0; i < oc.n; i++)
            ST_TRY(scope_add(b, sc, alias, i < f->ncolalias ? f->colalias[i] : oc.names[i],
                             oc.cids[i], oc.types[i], e));
        *out = l;
        return ST_OK;
    }
    case F_TABLE: {
        const char *alias = f->alias ? adup(b, f->alias, f->alen) : NULL;
        ctescope *where;
        uint32_t idx;
        const sq_cte *cte = strchr(f->name, '.') ? NULL : find_cte(cs, f->name, &where, &idx);
        if (cte) {
            if (f->version || f->ts)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, f->pos,
                                 "time travel applies to tables, not to the WITH query \"%s\"",
                                 f->name);
            /* the CTE body sees the CTEs defined before it */
            ctescope vis = {where->up, where->ctes, idx};
            outcols oc;
            sq_lop *l;
            if (++b->depth > 64)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, f->pos, "WITH queries nested too deeply");
            ST_TRY(bind_query(b, cte->sel, &vis, &l, &oc, e));
            b->depth--;
            if (cte->ncols > oc.n)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, cte->pos,
                                 "WITH query \"%s\" names %u columns but returns %u", cte->name,
                                 cte->ncols, oc.n);
            for (uint32_t i = 0; i < oc.n; i++) {
                const char *nm = i < f->ncolalias ? f->colalias[i]
                                 : i < cte->ncols ? cte->cols[i] : oc.names[i];
                ST_TRY(scope_add(b, sc, alias ? alias : cte->name, nm, oc.cids[i], oc.types[i], e));
            }
            *out = l;
            return ST_OK;
        }
        int64_t ver = b->opts ? b->opts->as_of_version : -1;
        int64_t ts = b->opts ? b->opts->as_of_ts_us : INT64_MIN;
        if (f->version || f->ts) {
            sq_value v;
            ST_TRY(const_arg(b, f->version ? f->version : f->ts, &v, e));
            ver = -1;
            ts = INT64_MIN;
            if (f->version) {
                st_i128 x;
                if (v.null || !st_type_is_integer(v.type) || !st_value_as_i128(v.type, &v.v, &x) ||
                    x < 0 || x > INT64_MAX)
                    return sq_err_at(e, ST_ERR_INVALID, b->sql, f->version->pos,
                                     "VERSION AS OF needs a version number (0, 1, 2, ...)");
                ver = (int64_t)x;
            } else {
                sq_value tv;
                st_error te;
                if (v.null || sq_cast_value(b->a, &v, sq_t(ST_T_TIMESTAMP), false, &tv, &te) != ST_OK)
                    return sq_err_at(e, ST_ERR_INVALID, b->sql, f->ts->pos,
                                     "TIMESTAMP AS OF needs a timestamp such as '2026-01-31 12:00:00'");
                ts = tv.v.i;
            }
        }
        if (!b->cat)
            return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, f->pos,
                             "unknown table \"%s\": no warehouse catalog is open (query a file "
                             "with FROM 'file.csv')", f->name);
        st_source *src = NULL;
        st_error ce;
        st_error_clear(&ce);
        st_status rc = b->cat->ops->open(b->cat, f->name, ver, ts, &src, &ce);
        if (rc != ST_OK) {
            *e = ce;
            return sq_err_locate(e, b->sql, f->pos);
        }
        const char *dot = strrchr(f->name, '.');
        const char *tname = alias ? alias : adup(b, dot ? dot + 1 : f->name, strlen(dot ? dot + 1 : f->name));
        return scan_source(b, src, tname, f, out, sc, e);
    }
    case F_FILE:
    case F_FUNC: {
        const char *path = f->name, *func = NULL;
        if (f->kind == F_FUNC) {
            func = f->name;
            if (f->nargs < 1)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, f->pos, "%s() needs a file name", func);
            sq_value v;
            ST_TRY(const_arg(b, f->args[0], &v, e));
            if (v.null || v.type.id != ST_T_VARCHAR)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, f->args[0]->pos,
                                 "%s(): the first argument must be a file name in quotes", func);
            path = adup(b, v.v.s.ptr, v.v.s.len);
            if (!path) return nomem(e);
        }
        /* options: name = constant */
        st_file_option *fo = aalloc(b, (f->nargs ? f->nargs : 1) * sizeof *fo);
        uint32_t nfo = 0;
        if (!fo) return nomem(e);
        for (uint32_t i = 1; f->kind == F_FUNC && i < f->nargs; i++) {
            sq_ast *a = f->args[i];
            if (a->kind != A_BIN || a->op != OP_EQ || a->a->kind != A_COL || a->a->q)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, a->pos,
                                 "%s(): options are written name = value (header = true)", func);
            sq_value v;
            ST_TRY(const_arg(b, a->b, &v, e));
            char buf[ST_FORMAT_MAX];
            const char *txt;
            if (v.null) txt = "";
            else if (st_type_is_string(v.type)) txt = adup(b, v.v.s.ptr, v.v.s.len);
            else {
                st_format_value(v.type, &v.v, buf);
                txt = adup(b, buf, strlen(buf));
            }
            char *nm = adup(b, a->a->s, a->a->slen);
            if (!txt || !nm) return nomem(e);
            for (char *p = nm; *p; p++)
                if (*p >= 'A' && *p <= 'Z') *p += 32;
            fo[nfo].name = nm;
            fo[nfo].value = txt;
            nfo++;
        }
        st_source *src = NULL;
        st_error fe;
        st_error_clear(&fe);
        st_status rc = sq_file_open(path, func, fo, nfo, &src, &fe);
        if (rc != ST_OK) {
            *e = fe;
            return sq_err_locate(e, b->sql, f->pos);
        }
        const char *alias = f->alias ? adup(b, f->alias, f->alen) : base_name(b, path);
        return scan_source(b, src, alias, f, out, sc, e);
    }
    default: return st_error_set(e, ST_ERR_INTERNAL, "bad FROM item");
    }
}

/* ---- SELECT ------------------------------------------------------------- */

typedef struct item_b {
    sq_expr *e;
    const char *name;
    bool star_expanded;
} item_b;

static st_status bind_limit(sq_binder *b, sq_ast *x, const char *what, int64_t *out, st_error *e) {
    if (!x) return ST_OK;
    sq_value v;
    ST_TRY(const_arg(b, x, &v, e));
    st_i128 n;
    if (v.null || !st_type_is_integer(v.type) || !st_value_as_i128(v.type, &v.v, &n) || n < 0)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "%s must be a non-negative integer",
                         what);
    *out = n > INT64_MAX ? INT64_MAX : (int64_t)n;
    return ST_OK;
}

static st_status bind_core(sq_binder *b, sq_sel *s, ctescope *cs, sq_lop **out, outcols *oc,
                           st_error *e);

static st_status bind_query_in(sq_binder *b, sq_sel *s, ctescope *up, sq_lop **out, outcols *oc,
                               st_error *e);

/* Subqueries bind with their own UNION-arm state (a NULL column of a nested
 * query is typed as INT32 before it flows into operators). */
static st_status bind_query(sq_binder *b, sq_sel *s, ctescope *up, sq_lop **out, outcols *oc,
                            st_error *e) {
    bool arm = b->union_arm;
    b->union_arm = false;
    st_status rc = bind_query_in(b, s, up, out, oc, e);
    b->union_arm = arm;
    return rc;
}

static st_status bind_query_in(sq_binder *b, sq_sel *s, ctescope *up, sq_lop **out, outcols *oc,
                               st_error *e) {
    if (++b->depth > 100)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, s->pos, "the query is nested too deeply");
    ctescope cs = {up, s->ctes, s->nctes};
    ctescope *use = s->nctes ? &cs : up;
    st_status rc;
    if (!s->set_next) {
        rc = bind_core(b, s, use, out, oc, e);
        b->depth--;
        return rc;
    }
    /* UNION chain, left-associative */
    sq_lop *acc;
    outcols ao;
    sq_sel *cur = s;
    sq_sel saved = *s;
    saved.set_next = NULL;
    b->union_arm = true;
    st_status arc = bind_core(b, &saved, use, &acc, &ao, e);
    b->union_arm = false;
    ST_TRY(arc);
    while (cur->set_next) {
        sq_sel *nx = cur->set_next;
        sq_sel tmp = *nx;
        tmp.set_next = NULL;
        sq_lop *r;
        outcols ro;
        b->union_arm = true;
        arc = bind_core(b, &tmp, use, &r, &ro, e);
        b->union_arm = false;
        ST_TRY(arc);
        if (ro.n != ao.n)
            return sq_err_at(e, ST_ERR_INVALID, b->sql, cur->set_pos,
                             "the two sides of UNION have %u and %u columns", ao.n, ro.n);
        /* cast both sides to the common column types */
        sq_lop *sides[2] = {acc, r};
        outcols *so[2] = {&ao, &ro};
        st_type *ct = aalloc(b, ao.n * sizeof *ct);
        if (!ct) return nomem(e);
        for (uint32_t i = 0; i < ao.n; i++) {
            ct[i] = sq_common_type(ao.types[i], false, ro.types[i], false);
            if (ct[i].id == ST_T_INVALID) {
                char t1[ST_TYPE_NAME_MAX], t2[ST_TYPE_NAME_MAX];
                return sq_err_at(e, ST_ERR_TYPE, b->sql, cur->set_pos,
                                 "UNION column %u has types %s and %s", i + 1,
                                 sq_type_name(ao.types[i], t1), sq_type_name(ro.types[i], t2));
            }
            if (ct[i].id == ST_T_NULL) ct[i] = sq_t(ST_T_INT32);
        }
        for (int k = 0; k < 2; k++) {
            sq_lop *p = lop_new(b, L_PROJECT, cur->set_pos, ao.n);
            if (!p) return nomem(e);
            p->child = sides[k];
            p->exprs = aalloc(b, ao.n * sizeof *p->exprs);
            if (!p->exprs) return nomem(e);
            for (uint32_t i = 0; i < ao.n; i++) {
                sq_expr *x = sq_expr_col(b->a, so[k]->cids[i], so[k]->types[i], cur->set_pos);
                if (!x) return nomem(e);
                ST_TRY(cast_to(b, &x, ct[i], e));
                p->exprs[i] = x;
                p->cids[i] = new_cid(b, ao.names[i]);
                p->types[i] = ct[i];
            }
            p->est_rows = sides[k]->est_rows;
            sides[k] = p;
        }
        sq_lop *u = lop_new(b, L_UNION, cur->set_pos, ao.n);
        if (!u) return nomem(e);
        u->child = sides[0];
        u->right = sides[1];
        u->all = true;
        u->est_rows = sides[0]->est_rows + sides[1]->est_rows;
        for (uint32_t i = 0; i < ao.n; i++) {
            u->cids[i] = new_cid(b, ao.names[i]);
            u->types[i] = ct[i];
        }
        acc = u;
        if (!cur->set_all) {
            sq_lop *d = lop_new(b, L_AGG, cur->set_pos, ao.n);
            if (!d) return nomem(e);
            d->child = u;
            d->keys = aalloc(b, ao.n * sizeof *d->keys);
            if (!d->keys) return nomem(e);
            d->nkeys = ao.n;
            for (uint32_t i = 0; i < ao.n; i++) {
                d->keys[i] = sq_expr_col(b->a, u->cids[i], u->types[i], cur->set_pos);
                if (!d->keys[i]) return nomem(e);
                d->cids[i] = new_cid(b, ao.names[i]);
                d->types[i] = u->types[i];
            }
            d->est_rows = u->est_rows;
            acc = d;
        }
        ao.cids = acc->cids;
        ao.types = acc->types;
        cur = nx;
    }
    *out = acc;
    *oc = ao;
    b->depth--;
    return ST_OK;
}

static bool is_int_lit(const sq_ast *x, int64_t *v) {
    if (!x || x->kind != A_INT) return false;
    st_error te;
    return st_parse_int64(x->s, x->slen, v, &te) == ST_OK;
}

static st_status bind_core(sq_binder *b, sq_sel *s, ctescope *cs, sq_lop **out, outcols *oc,
                           st_error *e) {
    scope sc = {0};
    sq_lop *plan;
    if (s->from) {
        ST_TRY(bind_from(b, s->from, cs, &plan, &sc, e));
    } else {
        plan = lop_new(b, L_ONE, s->pos, 0);
        if (!plan) return nomem(e);
        plan->est_rows = 1;
    }
    /* WHERE */
    if (s->where) {
        bctx c;
        memset(&c, 0, sizeof c);
        c.sc = &sc;
        c.mode = M_NOAGG;
        c.clause = "WHERE";
        c.sel = s;
        c.allow_alias = true;
        sq_expr *w;
        ST_TRY(bind_expr(b, &c, s->where, &w, e));
        ST_TRY(want_bool(b, &w, "WHERE", e));
        if (w->kind == E_CONST && (w->val.null || !w->val.v.b)) {
            /* WHERE false: keep the plan (for types) under an empty filter */
            ST_TRY(wrap_filter(b, &plan, w, e));
        } else {
            ST_TRY(push_where(b, &plan, w, e));
        }
    }
    /* aggregation? */
    bool is_agg = s->ngroup > 0 || s->group_all || s->having != NULL;
    for (uint32_t i = 0; i < s->nitems && !is_agg; i++) is_agg = ast_has_agg(s->items[i].e);
    for (uint32_t i = 0; i < s->norder && !is_agg; i++) is_agg = ast_has_agg(s->order[i].e);
    aggctx ag;
    memset(&ag, 0, sizeof ag);
    ag.pre = &sc;
    bctx ic;
    memset(&ic, 0, sizeof ic);
    ic.sc = &sc;
    ic.mode = M_PLAIN;
    ic.clause = "the select list";
    ic.sel = s;
    if (is_agg) {
        /* GROUP BY keys */
        uint32_t ng = s->ngroup;
        sq_ast **gl = s->group;
        if (s->group_all) {
            gl = aalloc(b, s->nitems * sizeof *gl);
            if (!gl) return nomem(e);
            ng = 0;
            for (uint32_t i = 0; i < s->nitems; i++)
                if (!ast_has_agg(s->items[i].e) && s->items[i].e->kind != A_STAR)
                    gl[ng++] = s->items[i].e;
        }
        ag.keys = aalloc(b, ng * sizeof *ag.keys);
        ag.keycids = aalloc(b, ng * sizeof *ag.keycids);
        if (!ag.keys || !ag.keycids) return nomem(e);
        for (uint32_t i = 0; i < ng; i++) {
            sq_ast *g = gl[i];
            int64_t k;
            if (is_int_lit(g, &k)) {
                if (k < 1 || k > (int64_t)s->nitems)
                    return sq_err_at(e, ST_ERR_INVALID, b->sql, g->pos,
                                     "GROUP BY position %lld is not in the select list (1..%u)",
                                     (long long)k, s->nitems);
                g = s->items[k - 1].e;
                if (ast_has_agg(g) || g->kind == A_STAR)
                    return sq_err_at(e, ST_ERR_INVALID, b->sql, gl[i]->pos,
                                     "GROUP BY %lld refers to an aggregate", (long long)k);
            }
            bctx c;
            memset(&c, 0, sizeof c);
            c.sc = &sc;
            c.mode = M_NOAGG;
            c.clause = "GROUP BY";
            c.sel = s;
            c.allow_alias = true;
            ST_TRY(bind_expr(b, &c, g, &ag.keys[i], e));
            if (ag.keys[i]->type.id == ST_T_NULL) ST_TRY(cast_to(b, &ag.keys[i], sq_t(ST_T_INT32), e));
            ag.keycids[i] = new_cid(b, ast_text(b, g));
        }
        ag.nkeys = ng;
        ic.mode = M_AGG;
        ic.agg = &ag;
    }
    /* select list */
    uint32_t cap = s->nitems + 16, ni = 0;
    item_b *items = aalloc(b, cap * sizeof *items);
    uint32_t *first = aalloc(b, (s->nitems + 1) * sizeof *first);
    if (!items || !first) return nomem(e);
    for (uint32_t i = 0; i < s->nitems; i++) {
        sq_ast *x = s->items[i].e;
        first[i] = ni;
        if (x->kind == A_STAR) {
            uint32_t matched = 0;
            for (uint32_t k = 0; k < sc.n; k++) {
                if (x->q && !name_eq(sc.c[k].table, x->q)) continue;
                /* hide duplicate columns of the same cid (e.g. CTE aliases) */
                if (ni == cap) {
                    item_b *nb = aalloc(b, cap * 2 * sizeof *nb);
                    if (!nb) return nomem(e);
                    memcpy(nb, items, ni * sizeof *nb);
                    items = nb;
                    cap *= 2;
                }
                sq_expr *c = sq_expr_col(b->a, sc.c[k].cid, sc.c[k].type, x->pos);
                if (!c) return nomem(e);
                if (is_agg) {
                    uint32_t kc;
                    if (!match_key(&ag, c, &kc))
                        return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos,
                                         "column \"%s\" (from *) must appear in the GROUP BY clause",
                                         sc.c[k].name);
                    c = sq_expr_col(b->a, kc, c->type, x->pos);
                    if (!c) return nomem(e);
                }
                items[ni].e = c;
                items[ni].name = sc.c[k].name;
                items[ni].star_expanded = true;
                ni++;
                matched++;
            }
            if (x->q && !matched)
                return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, x->pos, "unknown table or alias \"%s\"", x->q);
            if (!x->q && !sc.n)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "SELECT * needs a FROM clause");
            continue;
        }
        if (ni == cap) {
            item_b *nb = aalloc(b, cap * 2 * sizeof *nb);
            if (!nb) return nomem(e);
            memcpy(nb, items, ni * sizeof *nb);
            items = nb;
            cap *= 2;
        }
        bctx c = ic;
        c.allow_alias = false;
        ST_TRY(bind_expr(b, &c, x, &items[ni].e, e));
        items[ni].name = s->items[i].alias ? adup(b, s->items[i].alias, s->items[i].alen)
                                           : ast_text(b, x);
        if (!items[ni].name) return nomem(e);
        ni++;
    }
    /* HAVING */
    sq_expr *having = NULL;
    if (s->having) {
        bctx c = ic;
        c.clause = "HAVING";
        c.allow_alias = true;
        ST_TRY(bind_expr(b, &c, s->having, &having, e));
        ST_TRY(want_bool(b, &having, "HAVING", e));
    }
    /* ORDER BY: to an item, or a hidden column */
    uint32_t nvis = ni;
    sq_sortkey *sk = aalloc(b, s->norder * sizeof *sk);
    int32_t *sk_item = aalloc(b, s->norder * sizeof *sk_item);
    if (!sk || !sk_item) return nomem(e);
    for (uint32_t i = 0; i < s->norder; i++) {
        sq_order *o = &s->order[i];
        sk[i].desc = o->desc;
        sk[i].nulls_first = o->nulls_first < 0 ? false : o->nulls_first == 1;
        int64_t k;
        int found = -1;
        if (is_int_lit(o->e, &k)) {
            if (k < 1 || k > (int64_t)nvis)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, o->e->pos,
                                 "ORDER BY position %lld is not in the select list (1..%u)",
                                 (long long)k, nvis);
            found = (int)(k - 1);
        } else if (o->e->kind == A_COL && !o->e->q) {
            for (uint32_t j = 0; j < s->nitems; j++)
                if (s->items[j].alias && name_eq(s->items[j].alias, o->e->s)) {
                    found = (int)first[j];
                    break;
                }
        }
        if (found < 0) {
            bctx c = ic;
            c.clause = "ORDER BY";
            c.allow_alias = false;
            sq_expr *x;
            ST_TRY(bind_expr(b, &c, o->e, &x, e));
            for (uint32_t j = 0; j < nvis && found < 0; j++)
                if (sq_expr_equal(items[j].e, x)) found = (int)j;
            if (found < 0) {
                if (s->distinct)
                    return sq_err_at(e, ST_ERR_INVALID, b->sql, o->e->pos,
                                     "with SELECT DISTINCT, ORDER BY expressions must appear in "
                                     "the select list");
                if (ni == cap) {
                    item_b *nb = aalloc(b, cap * 2 * sizeof *nb);
                    if (!nb) return nomem(e);
                    memcpy(nb, items, ni * sizeof *nb);
                    items = nb;
                    cap *= 2;
                }
                items[ni].e = x;
                items[ni].name = "#order";
                found = (int)ni++;
            }
        }
        sk_item[i] = found;
    }
    /* aggregation node */
    if (is_agg) {
        sq_lop *a = lop_new(b, L_AGG, s->ngroup ? s->group[0]->pos : s->pos, ag.nkeys + ag.naggs);
        if (!a) return nomem(e);
        a->child = plan;
        a->keys = ag.keys;
        a->nkeys = ag.nkeys;
        a->aggs = ag.aggs;
        a->naggs = ag.naggs;
        for (uint32_t i = 0; i < ag.nkeys; i++) {
            a->cids[i] = ag.keycids[i];
            a->types[i] = ag.keys[i]->type;
        }
        for (uint32_t i = 0; i < ag.naggs; i++) {
            a->cids[ag.nkeys + i] = ag.aggcids[i];
            a->types[ag.nkeys + i] = ag.aggs[i].type;
        }
        a->est_rows = ag.nkeys ? plan->est_rows / 2 + 1 : 1;
        plan = a;
        bool always = having && having->kind == E_CONST && !having->val.null && having->val.v.b;
        if (having && !always) ST_TRY(wrap_filter(b, &plan, having, e));
    }
    /* projection */
    sq_lop *p = lop_new(b, L_PROJECT, s->pos, ni);
    if (!p) return nomem(e);
    p->child = plan;
    p->exprs = aalloc(b, ni * sizeof *p->exprs);
    if (!p->exprs) return nomem(e);
    for (uint32_t i = 0; i < ni; i++) {
        sq_expr *x = items[i].e;
        /* a bare NULL column is INT32, except in a UNION arm, where the
         * other arms decide its type */
        if (x->type.id == ST_T_NULL && !b->union_arm) ST_TRY(cast_to(b, &x, sq_t(ST_T_INT32), e));
        p->exprs[i] = x;
        p->cids[i] = new_cid(b, items[i].name);
        p->types[i] = x->type;
    }
    p->est_rows = plan->est_rows;
    plan = p;
    /* DISTINCT */
    if (s->distinct) {
        sq_lop *d = lop_new(b, L_AGG, s->pos, ni);
        if (!d) return nomem(e);
        d->child = plan;
        d->keys = aalloc(b, ni * sizeof *d->keys);
        if (!d->keys) return nomem(e);
        d->nkeys = ni;
        for (uint32_t i = 0; i < ni; i++) {
            d->keys[i] = sq_expr_col(b->a, p->cids[i], p->types[i], s->pos);
            if (!d->keys[i]) return nomem(e);
            d->cids[i] = new_cid(b, items[i].name);
            d->types[i] = p->types[i];
        }
        d->est_rows = plan->est_rows / 2 + 1;
        plan = d;
    }
    /* ORDER BY / LIMIT */
    int64_t limit = -1, offset = -1;
    ST_TRY(bind_limit(b, s->limit, "LIMIT", &limit, e));
    ST_TRY(bind_limit(b, s->offset, "OFFSET", &offset, e));
    if (s->norder) {
        sq_lop *so = lop_new(b, L_SORT, s->order[0].e->pos, plan->nout);
        if (!so) return nomem(e);
        memcpy(so->cids, plan->cids, plan->nout * sizeof *so->cids);
        memcpy(so->types, plan->types, plan->nout * sizeof *so->types);
        so->child = plan;
        so->skeys = sk;
        so->nskeys = s->norder;
        for (uint32_t i = 0; i < s->norder; i++) {
            uint32_t j = (uint32_t)sk_item[i];
            sk[i].e = sq_expr_col(b->a, plan->cids[j], plan->types[j], s->order[i].e->pos);
            if (!sk[i].e) return nomem(e);
        }
        so->est_rows = plan->est_rows;
        plan = so;
    }
    if (limit >= 0 || offset > 0) {
        sq_lop *li = lop_new(b, L_LIMIT, s->limit ? s->limit->pos : s->offset->pos, plan->nout);
        if (!li) return nomem(e);
        memcpy(li->cids, plan->cids, plan->nout * sizeof *li->cids);
        memcpy(li->types, plan->types, plan->nout * sizeof *li->types);
        li->child = plan;
        li->limit = limit;
        li->offset = offset > 0 ? offset : 0;
        li->est_rows = limit >= 0 && (double)limit < plan->est_rows ? (double)limit : plan->est_rows;
        plan = li;
    }
    if (ni > nvis) {
        sq_lop *f = lop_new(b, L_PROJECT, s->pos, nvis);
        if (!f) return nomem(e);
        f->child = plan;
        f->exprs = aalloc(b, nvis * sizeof *f->exprs);
        if (!f->exprs) return nomem(e);
        for (uint32_t i = 0; i < nvis; i++) {
            f->exprs[i] = sq_expr_col(b->a, plan->cids[i], plan->types[i], s->pos);
            if (!f->exprs[i]) return nomem(e);
            f->cids[i] = new_cid(b, items[i].name);
            f->types[i] = plan->types[i];
        }
        f->est_rows = plan->est_rows;
        plan = f;
    }
    oc->n = nvis;
    oc->names = aalloc(b, nvis * sizeof *oc->names);
    if (!oc->names) return nomem(e);
    for (uint32_t i = 0; i < nvis; i++) oc->names[i] = items[i].name;
    oc->cids = plan->cids;
    oc->types = plan->types;
    *out = plan;
    return ST_OK;
}

st_status sq_bind(sq_binder *b, sq_sel *sel, sq_lop **out, const char ***names, st_error *e) {
    outcols oc;
    ST_TRY(bind_query(b, sel, NULL, out, &oc, e));
    *names = oc.names;
    return ST_OK;
}
