/*
 * sq_parse.c: recursive-descent parser from tokens to the AST of sql_int.h.
 *
 * The grammar is spec/SQL.md's; operator precedence follows PostgreSQL (and
 * DuckDB), from loosest to tightest:
 *
 *   OR  <  AND  <  NOT  <  IS [NOT] NULL/TRUE/FALSE  <  = <> < <= > >=
 *   <  [NOT] BETWEEN / IN / LIKE / ILIKE  <  ||  <  + -  <  * / // %
 *   <  unary - +  <  ::  <  primary
 *
 * Every node records the byte offset of its first token (pos) and of the end
 * of its last (end), so that binding errors can point into the text and the
 * result column of an unnamed expression can be named by its text.
 *
 * Hostile input: recursion is bounded (SQ_MAX_DEPTH) so a deeply nested
 * query is an error, not a stack overflow; every allocation comes from the
 * statement's arena and is checked.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/sql/sql_int.h"
#include "format/logrec.h"

#define SQ_MAX_DEPTH 200

typedef struct parser {
    st_arena *a;
    const char *sql;
    sq_tok *t;
    uint32_t nt, i;
    uint32_t depth;
    st_error *e;
} parser;

#define P_TRY(x)                                                              \
    do {                                                                      \
        if (!(x)) return NULL;                                                \
    } while (0)

static const char *reserved[] = {
    "SELECT", "FROM",  "WHERE",  "GROUP",  "HAVING", "ORDER",    "LIMIT",  "OFFSET", "UNION",
    "JOIN",   "INNER", "LEFT",   "RIGHT",  "FULL",   "OUTER",    "CROSS",  "ON",     "USING",
    "AS",     "AND",   "OR",     "NOT",    "IN",     "IS",       "NULL",   "LIKE",   "ILIKE",
    "BETWEEN", "CASE", "WHEN",   "THEN",   "ELSE",   "END",      "WITH",   "DISTINCT", "ALL",
    "ASC",    "DESC",  "NULLS",  "BY",     "TRUE",   "FALSE",    "EXCEPT", "INTERSECT",
    "WINDOW", "QUALIFY", "FETCH", "VERSION", "NATURAL", "ESCAPE", "EXPLAIN", NULL};

static bool is_reserved(const sq_tok *k) {
    if (k->kind != TK_IDENT) return false;
    for (int i = 0; reserved[i]; i++)
        if (!strcasecmp(k->s, reserved[i])) return true;
    return false;
}

static sq_tok *cur(parser *p) { return &p->t[p->i]; }
static sq_tok *peek(parser *p, uint32_t k) {
    uint32_t j = p->i + k;
    return &p->t[j < p->nt ? j : p->nt - 1];
}

static bool is_kw(const sq_tok *k, const char *kw) {
    return k->kind == TK_IDENT && !strcasecmp(k->s, kw);
}
static bool is_op(const sq_tok *k, int op) { return k->kind == TK_OP && k->op == op; }

static bool accept_kw(parser *p, const char *kw) {
    if (is_kw(cur(p), kw)) {
        p->i++;
        return true;
    }
    return false;
}
static bool accept_op(parser *p, int op) {
    if (is_op(cur(p), op)) {
        p->i++;
        return true;
    }
    return false;
}

static const char *tok_desc(const sq_tok *k, char *buf, size_t cap) {
    switch (k->kind) {
    case TK_EOF: return "the end of the query";
    case TK_STRING: snprintf(buf, cap, "string '%.40s'", k->s); return buf;
    case TK_QIDENT: snprintf(buf, cap, "\"%.40s\"", k->s); return buf;
    default: snprintf(buf, cap, "'%.40s'", k->s ? k->s : "?"); return buf;
    }
}

static void *fail(parser *p, const sq_tok *k, const char *fmt, const char *what) {
    char buf[96];
    if (p->e && p->e->code == ST_OK) {
        if (k->kind == TK_OP) {
            /* operator tokens have no text: show the source bytes */
            snprintf(buf, sizeof buf, "'%.*s'", (int)(k->end - k->pos), p->sql + k->pos);
            sq_err_at(p->e, ST_ERR_PARSE, p->sql, k->pos, fmt, what, buf);
        } else {
            sq_err_at(p->e, ST_ERR_PARSE, p->sql, k->pos, fmt, what,
                      tok_desc(k, buf, sizeof buf));
        }
    }
    return NULL;
}

static void *fail_plain(parser *p, const sq_tok *k, const char *msg) {
    if (p->e && p->e->code == ST_OK) sq_err_at(p->e, ST_ERR_PARSE, p->sql, k->pos, "%s", msg);
    return NULL;
}

static void *expected(parser *p, const char *what) {
    return fail(p, cur(p), "syntax error: expected %s, found %s", what);
}

static void *nomem(parser *p) {
    if (p->e && p->e->code == ST_OK) st_error_set(p->e, ST_ERR_NOMEM, "out of memory parsing");
    return NULL;
}

static bool expect_kw(parser *p, const char *kw) {
    if (accept_kw(p, kw)) return true;
    char w[32];
    snprintf(w, sizeof w, "%s", kw);
    expected(p, w);
    return false;
}
static bool expect_op(parser *p, int op, const char *what) {
    if (accept_op(p, op)) return true;
    expected(p, what);
    return false;
}

static sq_ast *node(parser *p, int kind, uint32_t pos) {
    sq_ast *x = st_arena_alloc(p->a, sizeof *x);
    if (!x) return nomem(p);
    memset(x, 0, sizeof *x);
    x->kind = (uint8_t)kind;
    x->pos = pos;
    x->end = pos;
    return x;
}

static uint32_t prev_end(parser *p) { return p->i ? p->t[p->i - 1].end : 0; }

/* growable pointer lists in the arena */
typedef struct plist {
    void **v;
    uint32_t n, cap;
} plist;
static bool plist_push(parser *p, plist *l, void *x) {
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 4;
        void **nv = st_arena_alloc(p->a, nc * sizeof *nv);
        if (!nv) {
            nomem(p);
            return false;
        }
        if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = x;
    return true;
}

static sq_ast *parse_expr(parser *p);
static sq_ast *parse_concat(parser *p);
static sq_sel *parse_query(parser *p);

static bool enter(parser *p) {
    if (++p->depth > SQ_MAX_DEPTH) {
        fail_plain(p, cur(p), "the query is nested too deeply");
        return false;
    }
    return true;
}
static void leave(parser *p) { p->depth--; }

/* An identifier (bare, not reserved, or quoted); NULL if none. */
static const sq_tok *ident(parser *p, bool allow_reserved) {
    sq_tok *k = cur(p);
    if (k->kind == TK_QIDENT || (k->kind == TK_IDENT && (allow_reserved || !is_reserved(k)))) {
        p->i++;
        return k;
    }
    return NULL;
}

/* type name: words, optionally (n[, m]); returns the parsed type */
static bool parse_type(parser *p, st_type *out) {
    sq_tok *k = cur(p);
    if (k->kind != TK_IDENT) {
        expected(p, "a type name");
        return false;
    }
    uint32_t start = k->pos;
    p->i++;
    /* multi-word names: DOUBLE PRECISION, TIMESTAMP WITH TIME ZONE */
    if (!strcasecmp(k->s, "DOUBLE") && is_kw(cur(p), "PRECISION")) p->i++;
    if (!strcasecmp(k->s, "TIMESTAMP") && is_kw(cur(p), "WITH") && is_kw(peek(p, 1), "TIME") &&
        is_kw(peek(p, 2), "ZONE"))
        p->i += 3;
    if (accept_op(p, OP_LPAREN)) {
        if (cur(p)->kind != TK_INT) {
            expected(p, "a number");
            return false;
        }
        p->i++;
        if (accept_op(p, OP_COMMA)) {
            if (cur(p)->kind != TK_INT) {
                expected(p, "a number");
                return false;
            }
            p->i++;
        }
        if (!expect_op(p, OP_RPAREN, "')'")) return false;
    }
    uint32_t end = prev_end(p);
    const char *s = p->sql + start;
    size_t n = end - start;
    if ((n == 7 && !strncasecmp(s, "HUGEINT", 7)) || (n == 6 && !strncasecmp(s, "INT128", 6))) {
        *out = st_type_decimal(38, 0);
        return true;
    }
    st_error te;
    st_error_clear(&te);
    if (st_type_parse(s, n, out, &te) != ST_OK) {
        if (p->e && p->e->code == ST_OK) sq_err_at(p->e, ST_ERR_PARSE, p->sql, start, "%s", te.msg);
        return false;
    }
    if (out->id == ST_T_NULL || out->id == ST_T_INVALID) {
        if (p->e && p->e->code == ST_OK)
            sq_err_at(p->e, ST_ERR_PARSE, p->sql, start, "unknown type '%.*s'", (int)n, s);
        return false;
    }
    return true;
}

static sq_ast *parse_case(parser *p, uint32_t pos) {
    sq_ast *x = node(p, A_CASE, pos);
    P_TRY(x);
    if (!is_kw(cur(p), "WHEN")) P_TRY(x->a = parse_expr(p));
    plist l = {0};
    while (accept_kw(p, "WHEN")) {
        sq_ast *w, *t;
        P_TRY(w = parse_expr(p));
        if (!expect_kw(p, "THEN")) return NULL;
        P_TRY(t = parse_expr(p));
        if (!plist_push(p, &l, w) || !plist_push(p, &l, t)) return NULL;
    }
    if (l.n == 0) return expected(p, "WHEN");
    if (accept_kw(p, "ELSE")) P_TRY(x->b = parse_expr(p));
    if (!expect_kw(p, "END")) return NULL;
    x->list = (sq_ast **)l.v;
    x->nlist = l.n;
    return x;
}

/* function call after "name (" has been seen; name token given */
static sq_ast *parse_call(parser *p, const sq_tok *name) {
    sq_ast *x = node(p, A_FUNC, name->pos);
    P_TRY(x);
    x->s = name->s;
    x->slen = name->slen;
    p->i += 2; /* name ( */
    /* special forms */
    if (!strcasecmp(name->s, "SUBSTRING") || !strcasecmp(name->s, "SUBSTR")) {
        sq_ast *s;
        P_TRY(s = parse_expr(p));
        if (accept_kw(p, "FROM")) {
            sq_ast *from, *len = NULL;
            P_TRY(from = parse_expr(p));
            if (accept_kw(p, "FOR")) P_TRY(len = parse_expr(p));
            if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
            x->nlist = len ? 3 : 2;
            x->list = st_arena_alloc(p->a, 3 * sizeof *x->list);
            if (!x->list) return nomem(p);
            x->list[0] = s;
            x->list[1] = from;
            x->list[2] = len;
            x->end = prev_end(p);
            return x;
        }
        plist l = {0};
        if (!plist_push(p, &l, s)) return NULL;
        while (accept_op(p, OP_COMMA)) {
            sq_ast *y;
            P_TRY(y = parse_expr(p));
            if (!plist_push(p, &l, y)) return NULL;
        }
        if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
        x->list = (sq_ast **)l.v;
        x->nlist = l.n;
        x->end = prev_end(p);
        return x;
    }
    if (!strcasecmp(name->s, "POSITION")) {
        /* POSITION(a IN b) = strpos(b, a) */
        sq_ast *needle, *hay;
        P_TRY(needle = parse_concat(p)); /* below IN's precedence */
        if (!expect_kw(p, "IN")) return NULL;
        P_TRY(hay = parse_concat(p));
        if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
        x->s = "strpos";
        x->slen = 6;
        x->nlist = 2;
        x->list = st_arena_alloc(p->a, 2 * sizeof *x->list);
        if (!x->list) return nomem(p);
        x->list[0] = hay;
        x->list[1] = needle;
        x->end = prev_end(p);
        return x;
    }
    if (is_op(cur(p), OP_STAR)) {
        p->i++;
        x->star = true;
        if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
        x->end = prev_end(p);
        return x;
    }
    if (accept_kw(p, "DISTINCT")) x->distinct = true;
    else accept_kw(p, "ALL");
    plist l = {0};
    if (!is_op(cur(p), OP_RPAREN)) {
        for (;;) {
            sq_ast *y;
            P_TRY(y = parse_expr(p));
            if (!plist_push(p, &l, y)) return NULL;
            if (!accept_op(p, OP_COMMA)) break;
        }
    }
    if (!expect_op(p, OP_RPAREN, "',' or ')'")) return NULL;
    x->list = (sq_ast **)l.v;
    x->nlist = l.n;
    x->end = prev_end(p);
    return x;
}

static sq_ast *parse_primary(parser *p) {
    sq_tok *k = cur(p);
    uint32_t pos = k->pos;
    sq_ast *x;
    switch (k->kind) {
    case TK_INT:
    case TK_NUM:
        P_TRY(x = node(p, k->kind == TK_INT ? A_INT : A_NUM, pos));
        x->s = k->s;
        x->slen = k->slen;
        p->i++;
        x->end = prev_end(p);
        return x;
    case TK_STRING:
        P_TRY(x = node(p, A_STR, pos));
        x->s = k->s;
        x->slen = k->slen;
        p->i++;
        x->end = prev_end(p);
        return x;
    case TK_OP:
        if (k->op == OP_LPAREN) {
            p->i++;
            if (is_kw(cur(p), "SELECT") || is_kw(cur(p), "WITH")) {
                P_TRY(x = node(p, A_SUBQ, pos));
                P_TRY(x->sub = parse_query(p));
            } else {
                P_TRY(x = parse_expr(p));
            }
            if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
            x->end = prev_end(p);
            return x;
        }
        if (k->op == OP_STAR) {
            P_TRY(x = node(p, A_STAR, pos));
            p->i++;
            x->end = prev_end(p);
            return x;
        }
        return expected(p, "an expression");
    case TK_QIDENT:
    case TK_IDENT:
        break;
    default:
        return expected(p, "an expression");
    }
    /* keywords that start expressions */
    if (k->kind == TK_IDENT) {
        if (!strcasecmp(k->s, "NULL")) {
            p->i++;
            P_TRY(x = node(p, A_NULL, pos));
            x->end = prev_end(p);
            return x;
        }
        if (!strcasecmp(k->s, "TRUE") || !strcasecmp(k->s, "FALSE")) {
            p->i++;
            P_TRY(x = node(p, A_BOOL, pos));
            x->op = (k->s[0] == 't' || k->s[0] == 'T');
            x->end = prev_end(p);
            return x;
        }
        if (!strcasecmp(k->s, "CASE")) {
            p->i++;
            P_TRY(x = parse_case(p, pos));
            x->end = prev_end(p);
            return x;
        }
        if ((!strcasecmp(k->s, "CAST") || !strcasecmp(k->s, "TRY_CAST")) &&
            is_op(peek(p, 1), OP_LPAREN)) {
            bool try_ = k->s[0] == 't' || k->s[0] == 'T';
            p->i += 2;
            P_TRY(x = node(p, A_CAST, pos));
            x->flag = try_;
            P_TRY(x->a = parse_expr(p));
            if (!expect_kw(p, "AS")) return NULL;
            if (!parse_type(p, &x->type)) return NULL;
            if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
            x->end = prev_end(p);
            return x;
        }
        if (!strcasecmp(k->s, "EXTRACT") && is_op(peek(p, 1), OP_LPAREN)) {
            p->i += 2;
            P_TRY(x = node(p, A_EXTRACT, pos));
            sq_tok *f = cur(p);
            if (f->kind == TK_IDENT || f->kind == TK_STRING || f->kind == TK_QIDENT) {
                x->s = f->s;
                x->slen = f->slen;
                p->i++;
            } else {
                return expected(p, "a date part (year, month, day, ...)");
            }
            if (!expect_kw(p, "FROM")) return NULL;
            P_TRY(x->a = parse_expr(p));
            if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
            x->end = prev_end(p);
            return x;
        }
        if ((!strcasecmp(k->s, "DATE") || !strcasecmp(k->s, "TIMESTAMP") ||
             !strcasecmp(k->s, "TIMESTAMPTZ") || !strcasecmp(k->s, "TIMESTAMP_NS")) &&
            peek(p, 1)->kind == TK_STRING) {
            P_TRY(x = node(p, A_TYPED, pos));
            st_type_parse(k->s, k->slen, &x->type, NULL);
            p->i++;
            x->s = cur(p)->s;
            x->slen = cur(p)->slen;
            p->i++;
            x->end = prev_end(p);
            return x;
        }
        if (!strcasecmp(k->s, "CURRENT_DATE") || !strcasecmp(k->s, "CURRENT_TIMESTAMP")) {
            if (!is_op(peek(p, 1), OP_LPAREN)) {
                p->i++;
                P_TRY(x = node(p, A_FUNC, pos));
                x->s = k->s;
                x->slen = k->slen;
                x->end = prev_end(p);
                return x;
            }
        }
        if (!strcasecmp(k->s, "EXISTS") && is_op(peek(p, 1), OP_LPAREN))
            return fail_plain(p, k, "EXISTS subqueries are not supported");
        if (!strcasecmp(k->s, "INTERVAL"))
            return fail_plain(p, k, "INTERVAL values are not supported (add or subtract integer days to a DATE)");
        if (is_reserved(k) && !((!strcasecmp(k->s, "LEFT") || !strcasecmp(k->s, "RIGHT")) &&
                                is_op(peek(p, 1), OP_LPAREN)))
            return expected(p, "an expression");
    }
    /* identifier: column, qualified column, t.*, or function call */
    if (k->kind == TK_IDENT && is_op(peek(p, 1), OP_LPAREN)) {
        P_TRY(x = parse_call(p, k));
        return x;
    }
    p->i++;
    if (accept_op(p, OP_DOT)) {
        if (accept_op(p, OP_STAR)) {
            P_TRY(x = node(p, A_STAR, pos));
            x->q = k->s;
            x->qlen = k->slen;
            x->end = prev_end(p);
            return x;
        }
        const sq_tok *c = ident(p, true);
        if (!c) return expected(p, "a column name after '.'");
        if (is_op(cur(p), OP_DOT)) {
            /* schema.table.column: keep the last two parts */
            p->i++;
            const sq_tok *c2 = ident(p, true);
            if (!c2) return expected(p, "a column name after '.'");
            k = (sq_tok *)c;
            c = c2;
        }
        P_TRY(x = node(p, A_COL, pos));
        x->q = k->s;
        x->qlen = k->slen;
        x->s = c->s;
        x->slen = c->slen;
        x->end = prev_end(p);
        return x;
    }
    P_TRY(x = node(p, A_COL, pos));
    x->s = k->s;
    x->slen = k->slen;
    x->end = prev_end(p);
    return x;
}

static sq_ast *parse_postfix(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_primary(p));
    while (is_op(cur(p), OP_CAST)) {
        p->i++;
        sq_ast *c = node(p, A_CAST, x->pos);
        P_TRY(c);
        c->a = x;
        if (!parse_type(p, &c->type)) return NULL;
        c->end = prev_end(p);
        x = c;
    }
    return x;
}

static sq_ast *parse_unary(parser *p) {
    sq_tok *k = cur(p);
    if (is_op(k, OP_MINUS) || is_op(k, OP_PLUS)) {
        if (!enter(p)) return NULL;
        p->i++;
        sq_ast *a = parse_unary(p);
        leave(p);
        P_TRY(a);
        if (is_op(k, OP_PLUS)) return a;
        /* fold "-literal" so that -9223372036854775808 is one literal */
        if ((a->kind == A_INT || a->kind == A_NUM) && a->pos == k->end) {
            char *s = st_arena_alloc(p->a, a->slen + 2);
            if (!s) return nomem(p);
            s[0] = '-';
            memcpy(s + 1, a->s, a->slen + 1);
            a->s = s;
            a->slen++;
            a->pos = k->pos;
            return a;
        }
        sq_ast *x = node(p, A_NEG, k->pos);
        P_TRY(x);
        x->a = a;
        x->end = a->end;
        return x;
    }
    return parse_postfix(p);
}

static sq_ast *binary(parser *p, sq_ast *l, sq_ast *r, int op, uint32_t oppos) {
    sq_ast *x = node(p, A_BIN, oppos);
    P_TRY(x);
    x->op = (uint8_t)op;
    x->a = l;
    x->b = r;
    x->end = r->end;
    /* error position is the operator; the span for naming starts at l */
    x->c = NULL;
    return x;
}

static sq_ast *parse_mul(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_unary(p));
    for (;;) {
        sq_tok *k = cur(p);
        if (k->kind != TK_OP ||
            (k->op != OP_STAR && k->op != OP_SLASH && k->op != OP_DSLASH && k->op != OP_PERCENT))
            return x;
        p->i++;
        sq_ast *r;
        P_TRY(r = parse_unary(p));
        P_TRY(x = binary(p, x, r, k->op, k->pos));
    }
}

static sq_ast *parse_add(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_mul(p));
    for (;;) {
        sq_tok *k = cur(p);
        if (k->kind != TK_OP || (k->op != OP_PLUS && k->op != OP_MINUS)) return x;
        p->i++;
        sq_ast *r;
        P_TRY(r = parse_mul(p));
        P_TRY(x = binary(p, x, r, k->op, k->pos));
    }
}

static sq_ast *parse_concat(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_add(p));
    while (is_op(cur(p), OP_CONCAT)) {
        sq_tok *k = cur(p);
        p->i++;
        sq_ast *r;
        P_TRY(r = parse_add(p));
        P_TRY(x = binary(p, x, r, OP_CONCAT, k->pos));
    }
    return x;
}

static sq_ast *parse_pred(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_concat(p));
    for (;;) {
        sq_tok *k = cur(p);
        bool neg = false;
        uint32_t save = p->i;
        if (is_kw(k, "NOT")) {
            sq_tok *n = peek(p, 1);
            if (is_kw(n, "BETWEEN") || is_kw(n, "IN") || is_kw(n, "LIKE") || is_kw(n, "ILIKE")) {
                neg = true;
                p->i++;
                k = cur(p);
            } else {
                return x;
            }
        }
        if (accept_kw(p, "BETWEEN")) {
            sq_ast *y = node(p, A_BETWEEN, k->pos);
            P_TRY(y);
            y->neg = neg;
            y->a = x;
            P_TRY(y->b = parse_concat(p));
            if (!expect_kw(p, "AND")) return NULL;
            P_TRY(y->c = parse_concat(p));
            y->end = prev_end(p);
            x = y;
        } else if (accept_kw(p, "IN")) {
            sq_ast *y = node(p, A_IN, k->pos);
            P_TRY(y);
            y->neg = neg;
            y->a = x;
            if (!expect_op(p, OP_LPAREN, "'(' after IN")) return NULL;
            if (is_kw(cur(p), "SELECT") || is_kw(cur(p), "WITH"))
                return fail_plain(p, cur(p), "IN (SELECT ...) subqueries are not supported; use a JOIN");
            plist l = {0};
            for (;;) {
                sq_ast *v;
                P_TRY(v = parse_expr(p));
                if (!plist_push(p, &l, v)) return NULL;
                if (!accept_op(p, OP_COMMA)) break;
            }
            if (!expect_op(p, OP_RPAREN, "',' or ')'")) return NULL;
            y->list = (sq_ast **)l.v;
            y->nlist = l.n;
            y->end = prev_end(p);
            x = y;
        } else if (is_kw(k, "LIKE") || is_kw(k, "ILIKE")) {
            p->i++;
            sq_ast *y = node(p, A_LIKE, k->pos);
            P_TRY(y);
            y->neg = neg;
            y->op = is_kw(k, "ILIKE");
            y->a = x;
            P_TRY(y->b = parse_concat(p));
            if (accept_kw(p, "ESCAPE")) P_TRY(y->c = parse_concat(p));
            y->end = prev_end(p);
            x = y;
        } else {
            p->i = save;
            return x;
        }
    }
}

static sq_ast *parse_cmp(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_pred(p));
    for (;;) {
        sq_tok *k = cur(p);
        if (k->kind != TK_OP || k->op < OP_EQ || k->op > OP_GE) return x;
        p->i++;
        sq_ast *r;
        P_TRY(r = parse_pred(p));
        P_TRY(x = binary(p, x, r, k->op, k->pos));
    }
}

static sq_ast *parse_is(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_cmp(p));
    while (is_kw(cur(p), "IS")) {
        sq_tok *k = cur(p);
        p->i++;
        bool neg = accept_kw(p, "NOT");
        if (accept_kw(p, "NULL")) {
            sq_ast *y = node(p, A_ISNULL, k->pos);
            P_TRY(y);
            y->neg = neg;
            y->a = x;
            y->end = prev_end(p);
            x = y;
        } else if (is_kw(cur(p), "TRUE") || is_kw(cur(p), "FALSE")) {
            sq_ast *y = node(p, A_ISBOOL, k->pos);
            P_TRY(y);
            y->neg = neg;
            y->op = is_kw(cur(p), "TRUE");
            p->i++;
            y->a = x;
            y->end = prev_end(p);
            x = y;
        } else {
            return expected(p, "NULL, TRUE or FALSE after IS");
        }
    }
    return x;
}

static sq_ast *parse_not(parser *p) {
    sq_tok *k = cur(p);
    if (is_kw(k, "NOT")) {
        if (!enter(p)) return NULL;
        p->i++;
        sq_ast *a = parse_not(p);
        leave(p);
        P_TRY(a);
        sq_ast *x = node(p, A_NOT, k->pos);
        P_TRY(x);
        x->a = a;
        x->end = a->end;
        return x;
    }
    return parse_is(p);
}

static sq_ast *parse_and(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_not(p));
    while (is_kw(cur(p), "AND")) {
        sq_tok *k = cur(p);
        p->i++;
        sq_ast *r;
        P_TRY(r = parse_not(p));
        sq_ast *y = node(p, A_AND, k->pos);
        P_TRY(y);
        y->a = x;
        y->b = r;
        y->end = r->end;
        x = y;
    }
    return x;
}

static sq_ast *parse_or(parser *p) {
    sq_ast *x;
    P_TRY(x = parse_and(p));
    while (is_kw(cur(p), "OR")) {
        sq_tok *k = cur(p);
        p->i++;
        sq_ast *r;
        P_TRY(r = parse_and(p));
        sq_ast *y = node(p, A_OR, k->pos);
        P_TRY(y);
        y->a = x;
        y->b = r;
        y->end = r->end;
        x = y;
    }
    return x;
}

static sq_ast *parse_expr(parser *p) {
    if (!enter(p)) return NULL;
    sq_ast *x = parse_or(p);
    leave(p);
    return x;
}

/* ---- FROM --------------------------------------------------------------- */

static sq_from *fnode(parser *p, int kind, uint32_t pos) {
    sq_from *f = st_arena_alloc(p->a, sizeof *f);
    if (!f) return nomem(p);
    memset(f, 0, sizeof *f);
    f->kind = (uint8_t)kind;
    f->pos = pos;
    return f;
}

static bool parse_alias(parser *p, sq_from *f) {
    bool as = accept_kw(p, "AS");
    const sq_tok *a = ident(p, false);
    if (!a) {
        if (as) {
            expected(p, "an alias after AS");
            return false;
        }
        return true;
    }
    f->alias = a->s;
    f->alen = a->slen;
    if (is_op(cur(p), OP_LPAREN)) {
        p->i++;
        plist l = {0};
        for (;;) {
            const sq_tok *c = ident(p, true);
            if (!c) {
                expected(p, "a column alias");
                return false;
            }
            if (!plist_push(p, &l, (void *)c->s)) return false;
            if (!accept_op(p, OP_COMMA)) break;
        }
        if (!expect_op(p, OP_RPAREN, "',' or ')'")) return false;
        f->colalias = (const char **)l.v;
        f->ncolalias = l.n;
    }
    return true;
}

static sq_from *parse_from_item(parser *p);

static sq_from *parse_table_primary(parser *p) {
    sq_tok *k = cur(p);
    sq_from *f;
    if (is_op(k, OP_LPAREN)) {
        if (!enter(p)) return NULL;
        p->i++;
        if (is_kw(cur(p), "SELECT") || is_kw(cur(p), "WITH") || is_op(cur(p), OP_LPAREN)) {
            /* a parenthesised query, unless it is a parenthesised join */
            uint32_t save = p->i;
            bool is_query = !is_op(cur(p), OP_LPAREN);
            if (!is_query) {
                /* look through nested parentheses for SELECT */
                uint32_t j = p->i;
                while (is_op(&p->t[j], OP_LPAREN)) j++;
                is_query = is_kw(&p->t[j], "SELECT") || is_kw(&p->t[j], "WITH");
            }
            if (is_query) {
                P_TRY(f = fnode(p, F_SUBQ, k->pos));
                P_TRY(f->sub = parse_query(p));
                if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
                leave(p);
                if (!parse_alias(p, f)) return NULL;
                return f;
            }
            p->i = save;
        }
        P_TRY(f = parse_from_item(p));
        if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
        leave(p);
        if (f->kind != F_JOIN && !parse_alias(p, f)) return NULL;
        return f;
    }
    if (k->kind == TK_STRING) {
        P_TRY(f = fnode(p, F_FILE, k->pos));
        f->name = k->s;
        f->nlen = k->slen;
        p->i++;
        if (!parse_alias(p, f)) return NULL;
        return f;
    }
    if (k->kind == TK_IDENT && is_op(peek(p, 1), OP_LPAREN) && !is_reserved(k)) {
        P_TRY(f = fnode(p, F_FUNC, k->pos));
        f->name = k->s;
        f->nlen = k->slen;
        p->i += 2;
        plist l = {0};
        if (!is_op(cur(p), OP_RPAREN)) {
            for (;;) {
                sq_ast *x;
                /* named options: name = value */
                P_TRY(x = parse_expr(p));
                if (!plist_push(p, &l, x)) return NULL;
                if (!accept_op(p, OP_COMMA)) break;
            }
        }
        if (!expect_op(p, OP_RPAREN, "',' or ')'")) return NULL;
        f->args = (sq_ast **)l.v;
        f->nargs = l.n;
        if (!parse_alias(p, f)) return NULL;
        return f;
    }
    const sq_tok *n = ident(p, false);
    if (!n) return expected(p, "a table name, a file name in quotes, or '('");
    P_TRY(f = fnode(p, F_TABLE, k->pos));
    /* dotted name: layer.table */
    uint32_t start = n->pos, end = n->end;
    bool quoted = n->kind == TK_QIDENT;
    const char *single = n->s;
    uint32_t singlen = n->slen;
    while (is_op(cur(p), OP_DOT)) {
        p->i++;
        const sq_tok *m = ident(p, true);
        if (!m) return expected(p, "a name after '.'");
        end = m->end;
        quoted = quoted || m->kind == TK_QIDENT;
        single = NULL;
    }
    if (single) {
        f->name = single;
        f->nlen = singlen;
    } else if (!quoted) {
        f->name = st_arena_strndup(p->a, p->sql + start, end - start);
        if (!f->name) return nomem(p);
        f->nlen = end - start;
    } else {
        /* rebuild from the parts without quotes */
        st_sbuf sb = ST_SBUF_INIT;
        for (uint32_t j = 0; p->t[j].pos < end; j++) {
            if (p->t[j].pos < start) continue;
            if (p->t[j].kind == TK_OP) st_sbuf_putc(&sb, '.');
            else st_sbuf_append(&sb, p->t[j].s, p->t[j].slen);
        }
        f->name = st_arena_strndup(p->a, st_sbuf_cstr(&sb), sb.len);
        f->nlen = (uint32_t)sb.len;
        st_sbuf_free(&sb);
        if (!f->name) return nomem(p);
    }
    /* time travel */
    if ((is_kw(cur(p), "VERSION") || is_kw(cur(p), "TIMESTAMP")) && is_kw(peek(p, 1), "AS") &&
        is_kw(peek(p, 2), "OF")) {
        bool ver = is_kw(cur(p), "VERSION");
        p->i += 3;
        sq_ast *x;
        P_TRY(x = parse_concat(p));
        if (ver) f->version = x;
        else f->ts = x;
    }
    if (!parse_alias(p, f)) return NULL;
    return f;
}

static sq_from *parse_from_item(parser *p) {
    sq_from *l;
    P_TRY(l = parse_table_primary(p));
    for (;;) {
        sq_tok *k = cur(p);
        int jt = 0;
        if (is_kw(k, "JOIN")) {
            jt = J_INNER;
            p->i++;
        } else if (is_kw(k, "INNER") && is_kw(peek(p, 1), "JOIN")) {
            jt = J_INNER;
            p->i += 2;
        } else if (is_kw(k, "LEFT")) {
            p->i++;
            accept_kw(p, "OUTER");
            if (!expect_kw(p, "JOIN")) return NULL;
            jt = J_LEFT;
        } else if (is_kw(k, "CROSS") && is_kw(peek(p, 1), "JOIN")) {
            jt = J_CROSS;
            p->i += 2;
        } else if (is_kw(k, "RIGHT") || is_kw(k, "FULL") || is_kw(k, "NATURAL")) {
            return fail_plain(p, k, "RIGHT, FULL and NATURAL joins are not supported (swap the tables and use "
                        "LEFT JOIN)");
        } else {
            return l;
        }
        sq_from *j = fnode(p, F_JOIN, k->pos);
        P_TRY(j);
        j->jtype = (uint8_t)jt;
        j->l = l;
        if (!enter(p)) return NULL;
        P_TRY(j->r = parse_table_primary(p));
        leave(p);
        if (jt != J_CROSS) {
            if (is_kw(cur(p), "USING"))
                return fail_plain(p, cur(p), "JOIN ... USING is not supported; write ON a.x = b.x");
            if (!expect_kw(p, "ON")) return NULL;
            P_TRY(j->on = parse_expr(p));
        }
        l = j;
    }
}

/* ---- SELECT ------------------------------------------------------------- */

static sq_sel *parse_select_core(parser *p) {
    sq_tok *k = cur(p);
    if (is_op(k, OP_LPAREN)) {
        if (!enter(p)) return NULL;
        p->i++;
        sq_sel *s = parse_query(p);
        P_TRY(s);
        if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
        leave(p);
        return s;
    }
    if (!is_kw(k, "SELECT")) return expected(p, "SELECT");
    p->i++;
    sq_sel *s = st_arena_alloc(p->a, sizeof *s);
    if (!s) return nomem(p);
    memset(s, 0, sizeof *s);
    s->pos = k->pos;
    if (accept_kw(p, "DISTINCT")) s->distinct = true;
    else accept_kw(p, "ALL");
    plist items = {0};
    for (;;) {
        sq_item *it = st_arena_alloc(p->a, sizeof *it);
        if (!it) return nomem(p);
        memset(it, 0, sizeof *it);
        P_TRY(it->e = parse_expr(p));
        if (accept_kw(p, "AS")) {
            const sq_tok *a = ident(p, true);
            if (!a) {
                if (cur(p)->kind == TK_STRING) {
                    a = cur(p);
                    p->i++;
                } else {
                    return expected(p, "an alias after AS");
                }
            }
            it->alias = a->s;
            it->alen = a->slen;
        } else {
            const sq_tok *a = ident(p, false);
            if (a) {
                it->alias = a->s;
                it->alen = a->slen;
            }
        }
        if (!plist_push(p, &items, it)) return NULL;
        if (!accept_op(p, OP_COMMA)) break;
        if (is_kw(cur(p), "FROM")) break; /* trailing comma, as DuckDB allows */
    }
    s->nitems = items.n;
    s->items = st_arena_alloc(p->a, items.n * sizeof *s->items);
    if (!s->items) return nomem(p);
    for (uint32_t i = 0; i < items.n; i++) s->items[i] = *(sq_item *)items.v[i];
    if (accept_kw(p, "FROM")) {
        P_TRY(s->from = parse_from_item(p));
        while (is_op(cur(p), OP_COMMA)) {
            sq_tok *c = cur(p);
            p->i++;
            sq_from *j = fnode(p, F_JOIN, c->pos);
            P_TRY(j);
            j->jtype = J_CROSS;
            j->l = s->from;
            P_TRY(j->r = parse_from_item(p));
            s->from = j;
        }
    }
    if (accept_kw(p, "WHERE")) P_TRY(s->where = parse_expr(p));
    if (is_kw(cur(p), "GROUP")) {
        p->i++;
        if (!expect_kw(p, "BY")) return NULL;
        if (accept_kw(p, "ALL")) {
            s->group_all = true;
        } else {
            plist g = {0};
            for (;;) {
                sq_ast *x;
                P_TRY(x = parse_expr(p));
                if (!plist_push(p, &g, x)) return NULL;
                if (!accept_op(p, OP_COMMA)) break;
            }
            s->group = (sq_ast **)g.v;
            s->ngroup = g.n;
        }
    }
    if (accept_kw(p, "HAVING")) P_TRY(s->having = parse_expr(p));
    return s;
}

static bool parse_order_limit(parser *p, sq_sel *s) {
    if (is_kw(cur(p), "ORDER")) {
        p->i++;
        if (!expect_kw(p, "BY")) return false;
        plist l = {0};
        for (;;) {
            sq_order *o = st_arena_alloc(p->a, sizeof *o);
            if (!o) {
                nomem(p);
                return false;
            }
            memset(o, 0, sizeof *o);
            o->nulls_first = -1;
            if (!(o->e = parse_expr(p))) return false;
            if (accept_kw(p, "DESC")) o->desc = true;
            else accept_kw(p, "ASC");
            if (accept_kw(p, "NULLS")) {
                if (accept_kw(p, "FIRST")) o->nulls_first = 1;
                else if (accept_kw(p, "LAST")) o->nulls_first = 0;
                else {
                    expected(p, "FIRST or LAST after NULLS");
                    return false;
                }
            }
            if (!plist_push(p, &l, o)) return false;
            if (!accept_op(p, OP_COMMA)) break;
        }
        s->norder = l.n;
        s->order = st_arena_alloc(p->a, l.n * sizeof *s->order);
        if (!s->order) {
            nomem(p);
            return false;
        }
        for (uint32_t i = 0; i < l.n; i++) s->order[i] = *(sq_order *)l.v[i];
    }
    for (int round = 0; round < 2; round++) {
        if (!s->limit && accept_kw(p, "LIMIT")) {
            if (!(s->limit = parse_expr(p))) return false;
        }
        if (!s->offset && accept_kw(p, "OFFSET")) {
            if (!(s->offset = parse_expr(p))) return false;
            if (!accept_kw(p, "ROWS")) accept_kw(p, "ROW");
        }
    }
    return true;
}

static sq_sel *parse_query(parser *p) {
    if (!enter(p)) return NULL;
    sq_cte *ctes = NULL;
    uint32_t nctes = 0;
    if (accept_kw(p, "WITH")) {
        accept_kw(p, "RECURSIVE") ? (void)fail_plain(p, &p->t[p->i - 1], "WITH RECURSIVE is not supported")
                                  : (void)0;
        if (p->e && p->e->code != ST_OK) return NULL;
        plist l = {0};
        for (;;) {
            sq_cte *c = st_arena_alloc(p->a, sizeof *c);
            if (!c) return nomem(p);
            memset(c, 0, sizeof *c);
            const sq_tok *n = ident(p, false);
            if (!n) return expected(p, "a name for the WITH query");
            c->name = n->s;
            c->nlen = n->slen;
            c->pos = n->pos;
            if (accept_op(p, OP_LPAREN)) {
                plist cl = {0};
                for (;;) {
                    const sq_tok *cn = ident(p, true);
                    if (!cn) return expected(p, "a column name");
                    if (!plist_push(p, &cl, (void *)cn->s)) return NULL;
                    if (!accept_op(p, OP_COMMA)) break;
                }
                if (!expect_op(p, OP_RPAREN, "',' or ')'")) return NULL;
                c->cols = (const char **)cl.v;
                c->ncols = cl.n;
            }
            if (!expect_kw(p, "AS")) return NULL;
            accept_kw(p, "MATERIALIZED");
            if (!expect_op(p, OP_LPAREN, "'('")) return NULL;
            P_TRY(c->sel = parse_query(p));
            if (!expect_op(p, OP_RPAREN, "')'")) return NULL;
            if (!plist_push(p, &l, c)) return NULL;
            if (!accept_op(p, OP_COMMA)) break;
        }
        nctes = l.n;
        ctes = st_arena_alloc(p->a, (l.n ? l.n : 1) * sizeof *ctes);
        if (!ctes) return nomem(p);
        for (uint32_t i = 0; i < l.n; i++) ctes[i] = *(sq_cte *)l.v[i];
    }
    sq_sel *head;
    P_TRY(head = parse_select_core(p));
    sq_sel *tail = head;
    while (is_kw(cur(p), "UNION") || is_kw(cur(p), "EXCEPT") || is_kw(cur(p), "INTERSECT")) {
        if (!is_kw(cur(p), "UNION"))
            return fail_plain(p, cur(p), "EXCEPT and INTERSECT are not supported");
        uint32_t upos = cur(p)->pos;
        p->i++;
        bool all = accept_kw(p, "ALL");
        if (!all) accept_kw(p, "DISTINCT");
        sq_sel *n;
        P_TRY(n = parse_select_core(p));
        tail->set_next = n;
        tail->set_all = all;
        tail->set_pos = upos;
        tail = n;
    }
    if (head->set_next) {
        /* ORDER BY / LIMIT after a UNION apply to the whole union: keep them on
         * a wrapper select whose FROM is the union (built by the binder) */
        sq_sel *w = st_arena_alloc(p->a, sizeof *w);
        if (!w) return nomem(p);
        memset(w, 0, sizeof *w);
        w->pos = head->pos;
        sq_from *f = fnode(p, F_SUBQ, head->pos);
        P_TRY(f);
        f->sub = head;
        w->from = f;
        w->nitems = 1;
        w->items = st_arena_alloc(p->a, sizeof *w->items);
        if (!w->items) return nomem(p);
        memset(w->items, 0, sizeof *w->items);
        P_TRY(w->items[0].e = node(p, A_STAR, head->pos));
        if (!parse_order_limit(p, w)) return NULL;
        w->ctes = ctes;
        w->nctes = nctes;
        leave(p);
        return w;
    }
    if (head->norder || head->limit || head->offset) {
        /* (SELECT ... ORDER BY ...) ORDER BY ...: wrap */
        if (is_kw(cur(p), "ORDER") || is_kw(cur(p), "LIMIT") || is_kw(cur(p), "OFFSET")) {
            sq_sel *w = st_arena_alloc(p->a, sizeof *w);
            if (!w) return nomem(p);
            memset(w, 0, sizeof *w);
            w->pos = head->pos;
            sq_from *f = fnode(p, F_SUBQ, head->pos);
            P_TRY(f);
            f->sub = head;
            w->from = f;
            w->nitems = 1;
            w->items = st_arena_alloc(p->a, sizeof *w->items);
            if (!w->items) return nomem(p);
            memset(w->items, 0, sizeof *w->items);
            P_TRY(w->items[0].e = node(p, A_STAR, head->pos));
            head = w;
        }
    }
    if (!parse_order_limit(p, head)) return NULL;
    if (nctes) {
        if (head->nctes) {
            /* WITH a AS (...) (WITH b AS (...) SELECT ...): merge, outer first */
            sq_cte *m = st_arena_alloc(p->a, (nctes + head->nctes) * sizeof *m);
            if (!m) return nomem(p);
            memcpy(m, ctes, nctes * sizeof *m);
            memcpy(m + nctes, head->ctes, head->nctes * sizeof *m);
            head->ctes = m;
            head->nctes += nctes;
        } else {
            head->ctes = ctes;
            head->nctes = nctes;
        }
    }
    leave(p);
    return head;
}

/* layer.name (or a quoted/bare single name) as text. */
static const char *parse_qname(parser *p, uint32_t *pos) {
    const sq_tok *n = ident(p, false);
    if (!n) return expected(p, "a table name such as gold.daily_sales");
    *pos = n->pos;
    st_sbuf sb = ST_SBUF_INIT;
    st_sbuf_append(&sb, n->s, n->slen);
    while (is_op(cur(p), OP_DOT)) {
        p->i++;
        const sq_tok *m = ident(p, true);
        if (!m) {
            st_sbuf_free(&sb);
            return expected(p, "a name after '.'");
        }
        st_sbuf_putc(&sb, '.');
        st_sbuf_append(&sb, m->s, m->slen);
    }
    const char *r = st_arena_strndup(p->a, st_sbuf_cstr(&sb), sb.len);
    st_sbuf_free(&sb);
    return r ? r : nomem(p);
}

/* CREATE TABLE t [PARTITION BY day(c) | month(c) | c] [CLUSTER BY (c, ...)] AS */
static bool parse_create(parser *p, sq_stmt *out) {
    if (!expect_kw(p, "TABLE")) return false;
    out->kind = SQ_CREATE;
    if (!(out->target = parse_qname(p, &out->target_pos))) return false;
    if (accept_kw(p, "PARTITION")) {
        if (!expect_kw(p, "BY")) return false;
        sq_tok *k = cur(p);
        if ((is_kw(k, "day") || is_kw(k, "month")) && is_op(peek(p, 1), OP_LPAREN)) {
            out->part_kind = is_kw(k, "day") ? ST_PART_DAY : ST_PART_MONTH;
            p->i += 2;
            const sq_tok *c = ident(p, false);
            if (!c) return expected(p, "a column name"), false;
            out->part_col = c->s;
            out->part_pos = c->pos;
            if (!expect_op(p, OP_RPAREN, "')'")) return false;
        } else {
            bool paren = accept_op(p, OP_LPAREN);
            const sq_tok *c = ident(p, false);
            if (!c) return expected(p, "day(column), month(column) or a column name"), false;
            out->part_kind = ST_PART_VALUE;
            out->part_col = c->s;
            out->part_pos = c->pos;
            if (paren && !expect_op(p, OP_RPAREN, "')'")) return false;
        }
    }
    if (accept_kw(p, "CLUSTER")) {
        if (!expect_kw(p, "BY")) return false;
        bool paren = accept_op(p, OP_LPAREN);
        plist names = {0}, poss = {0};
        for (;;) {
            const sq_tok *c = ident(p, false);
            if (!c) return expected(p, "a column name"), false;
            if (!plist_push(p, &names, (void *)c->s) || !plist_push(p, &poss, (void *)(uintptr_t)c->pos))
                return false;
            if (!paren || !accept_op(p, OP_COMMA)) break;
        }
        if (paren && !expect_op(p, OP_RPAREN, "',' or ')'")) return false;
        out->ncluster = names.n;
        out->cluster = (const char **)names.v;
        out->cluster_pos = st_arena_alloc(p->a, names.n * sizeof *out->cluster_pos);
        if (!out->cluster_pos) return nomem(p), false;
        for (uint32_t i = 0; i < names.n; i++) out->cluster_pos[i] = (uint32_t)(uintptr_t)poss.v[i];
    }
    return expect_kw(p, "AS");
}

/* COPY (query) TO 'path' [(FORMAT parquet, COMPRESSION zstd, ...)] */
static bool parse_copy_tail(parser *p, sq_stmt *out) {
    if (!expect_op(p, OP_RPAREN, "')' after the query")) return false;
    if (!expect_kw(p, "TO")) return false;
    sq_tok *k = cur(p);
    if (k->kind != TK_STRING) return expected(p, "the output file name in single quotes"), false;
    out->target = k->s;
    out->target_pos = k->pos;
    p->i++;
    if (accept_op(p, OP_LPAREN)) {
        plist l = {0};
        for (;;) {
            const sq_tok *nm = ident(p, true);
            if (!nm) return expected(p, "an option name (FORMAT, COMPRESSION, HEADER, DELIMITER)"), false;
            sq_copyopt *o = st_arena_alloc(p->a, sizeof *o);
            if (!o) return nomem(p), false;
            o->name = nm->s;
            o->pos = nm->pos;
            sq_tok *v = cur(p);
            if (v->kind == TK_STRING || v->kind == TK_IDENT || v->kind == TK_QIDENT || v->kind == TK_INT || v->kind == TK_NUM) {
                o->value = v->s;
                o->vpos = v->pos;
                p->i++;
            } else {
                o->value = NULL; /* a bare flag: HEADER */
                o->vpos = nm->pos;
            }
            if (!plist_push(p, &l, o)) return false;
            if (!accept_op(p, OP_COMMA)) break;
        }
        if (!expect_op(p, OP_RPAREN, "',' or ')'")) return false;
        out->ncopts = l.n;
        out->copts = st_arena_alloc(p->a, (l.n ? l.n : 1) * sizeof *out->copts);
        if (!out->copts) return nomem(p), false;
        for (uint32_t i = 0; i < l.n; i++) out->copts[i] = *(sq_copyopt *)l.v[i];
    }
    return true;
}

st_status sq_parse(st_arena *a, const char *sql, uint32_t n, sq_stmt *out, st_error *e) {
    st_error_clear(e);
    parser p;
    memset(&p, 0, sizeof p);
    p.a = a;
    p.sql = sql;
    p.e = e;
    ST_TRY(sq_lex(a, sql, n, &p.t, &p.nt, e));
    memset(out, 0, sizeof *out);
    if (cur(&p)->kind == TK_EOF)
        return sq_err_at(e, ST_ERR_PARSE, sql, 0, "empty query: expected SELECT");
    if (accept_kw(&p, "EXPLAIN")) {
        out->explain = true;
        if (accept_kw(&p, "ANALYZE")) out->analyze = true;
    }
    if (!out->explain && is_kw(cur(&p), "CREATE") && is_kw(peek(&p, 1), "TABLE")) {
        p.i++;
        if (!parse_create(&p, out)) return e && e->code ? e->code : ST_ERR_PARSE;
    } else if (!out->explain && is_kw(cur(&p), "INSERT") &&
               (is_kw(peek(&p, 1), "INTO") || is_kw(peek(&p, 1), "OVERWRITE"))) {
        p.i++;
        out->kind = accept_kw(&p, "INTO") ? SQ_INSERT : SQ_OVERWRITE;
        if (out->kind == SQ_OVERWRITE) {
            p.i++;
            accept_kw(&p, "TABLE");
            accept_kw(&p, "INTO");
        }
        if (!(out->target = parse_qname(&p, &out->target_pos))) return e && e->code ? e->code : ST_ERR_PARSE;
    } else if (!out->explain && is_kw(cur(&p), "COPY") && is_op(peek(&p, 1), OP_LPAREN)) {
        p.i += 2;
        out->kind = SQ_COPY;
    }
    out->sel_pos = cur(&p)->pos;
    if (!is_kw(cur(&p), "SELECT") && !is_kw(cur(&p), "WITH") && !is_op(cur(&p), OP_LPAREN)) {
        sq_tok *k = cur(&p);
        if (out->kind != SQ_SELECT && is_kw(k, "VALUES"))
            return sq_err_at(e, ST_ERR_UNSUPPORTED, sql, k->pos,
                             "INSERT ... VALUES is not supported: insert the rows of a query "
                             "(INSERT INTO t SELECT ...)");
        if (out->kind != SQ_SELECT) {
            expected(&p, "a query (SELECT ...)");
            return e && e->code ? e->code : ST_ERR_PARSE;
        }
        if (k->kind == TK_IDENT &&
            (!strcasecmp(k->s, "INSERT") || !strcasecmp(k->s, "CREATE") ||
             !strcasecmp(k->s, "UPDATE") || !strcasecmp(k->s, "DELETE") ||
             !strcasecmp(k->s, "DROP") || !strcasecmp(k->s, "ALTER")))
            return sq_err_at(e, ST_ERR_UNSUPPORTED, sql, k->pos,
                             "%s statements are not supported by strata query (only SELECT)",
                             k->s);
        expected(&p, "SELECT");
        return e && e->code ? e->code : ST_ERR_PARSE;
    }
    out->sel = parse_query(&p);
    if (!out->sel) return e && e->code ? e->code : ST_ERR_PARSE;
    if (out->kind == SQ_COPY && !parse_copy_tail(&p, out)) return e && e->code ? e->code : ST_ERR_PARSE;
    accept_op(&p, OP_SEMI);
    if (cur(&p)->kind != TK_EOF) {
        if (is_op(cur(&p), OP_SEMI) || p.t[p.i - 1].op == OP_SEMI)
            return sq_err_at(e, ST_ERR_PARSE, sql, cur(&p)->pos,
                             "only one statement can be run at a time");
        expected(&p, "the end of the query");
        return e && e->code ? e->code : ST_ERR_PARSE;
    }
    return ST_OK;
}
