/*
 * sq_prune.c: zone-map pruning — which partitions, groups (segments, files)
 * and units (row groups) a scan can skip without changing the answer.
 *
 * The scan's filter (the conjunction the binder pushed down) becomes a tree
 * whose leaves zone maps can answer: `column op constant` (=, <>, <, <=, >,
 * >=), `column IN (constants)`, `column IS [NOT] NULL`; inner nodes AND and
 * OR; NOT is pushed down to the leaves (NOT a < 5 is a >= 5: both exclude
 * NULL rows, so the rows that can pass are the same).  Anything else is an
 * unknown (PR_TRUE) leaf: an unknown conjunct is dropped, an unknown
 * disjunct makes its OR unknown.  A constant FALSE or NULL filter is PR_FALSE.
 *
 * The test is "may a row in this range make the filter TRUE?", answered
 * true whenever unsure, so pruning can only skip work, never rows.
 *
 * Casts around the column.  The binder compares in the operands' common
 * type, so `date_col >= TIMESTAMP '2025-03-01 12:00'` arrives as
 * CAST(date_col AS TIMESTAMP) >= k and `int32_col < 2.5` as
 * CAST(int32_col AS DECIMAL(..)) < 2.5.  When the cast f: C -> T is exact
 * and strictly increasing (integer widening, integer to DECIMAL, DECIMAL to
 * a larger scale, DATE to TIMESTAMP(_NS), TIMESTAMP to TIMESTAMP_NS, FLOAT
 * or 32-bit integers to DOUBLE) the test is rewritten on the column itself
 * with lo = the largest c with f(c) <= k and hi = the smallest c with
 * f(c) >= k (inclusive projection):
 *     f(col) =  k  ->  col = lo when lo = hi, else never
 *     f(col) >= k  ->  col >= hi          f(col) >  k  ->  col > lo
 *     f(col) <= k  ->  col <= lo          f(col) <  k  ->  col < hi
 * so a timestamp range that does not start on a day boundary still prunes
 * a DATE column (and a day partition) exactly.  Other casts are unknown.
 *
 * Strings: zone maps and constants keep at most ST_ZONE_STR_MAX bytes.  A
 * longer constant k is cut to its prefix p <= k; `col < k` / `col <= k` then
 * become `col <= p'` (p with its last byte incremented, > k) and `col <> k`
 * is unknown (a zone whose every value is p would otherwise look equal).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"
#include "format/pool.h"

/* ---- building ----------------------------------------------------------- */

typedef struct bctx {
    st_arena *a;
    const uint32_t *cids, *fields;
    uint32_t ncids;
    uint32_t leaves;
} bctx;

static sq_prune *node(bctx *B, uint8_t kind) {
    sq_prune *p = st_arena_alloc(B->a, sizeof *p);
    if (p) memset(p, 0, sizeof *p);
    if (p) p->kind = kind;
    return p;
}

static int field_of(const bctx *B, uint32_t cid) {
    for (uint32_t i = 0; i < B->ncids; i++)
        if (B->cids[i] == cid) return (int)B->fields[i];
    return -1;
}

/* Raw integer of a zval of an integer-like type (ints, DATE, TIMESTAMP(_NS),
 * DECIMAL): value = raw / 10^scale. */
static bool int_like(st_type t) {
    return (st_type_is_integer(t) && t.id != ST_T_UINT64) || t.id == ST_T_DECIMAL ||
           st_type_is_temporal(t);
}

static st_i128 raw_of(st_type t, const st_zval *z) {
    if (t.id == ST_T_DECIMAL && t.precision > ST_DECIMAL_SMALL_MAX) return z->v.i128;
    return z->v.i64;
}

static void raw_to(st_type t, st_i128 v, st_zval *z) {
    memset(z, 0, sizeof *z);
    if (t.id == ST_T_DECIMAL && t.precision > ST_DECIMAL_SMALL_MAX) z->v.i128 = v;
    else z->v.i64 = (int64_t)v;
}

static st_i128 pow10i(unsigned n) {
    st_i128 r = 1;
    while (n--) r *= 10;
    return r;
}

/* The range of raw values of an integer-like type. */
static void raw_range(st_type t, st_i128 *lo, st_i128 *hi) {
    switch ((st_type_id)t.id) {
    case ST_T_INT8: *lo = INT8_MIN, *hi = INT8_MAX; return;
    case ST_T_INT16: *lo = INT16_MIN, *hi = INT16_MAX; return;
    case ST_T_INT32:
    case ST_T_DATE: *lo = INT32_MIN, *hi = INT32_MAX; return;
    case ST_T_DECIMAL: {
        st_i128 m = pow10i(t.precision) - 1;
        *lo = -m, *hi = m;
        return;
    }
    default: *lo = INT64_MIN, *hi = INT64_MAX; return;
    }
}

/* f(c) = c * mult for an exact, strictly increasing cast between
 * integer-like types; 0 when the cast is not one. */
static st_i128 multiplier(st_type from, st_type to) {
    unsigned sf = from.id == ST_T_DECIMAL ? from.scale : 0, stt = to.id == ST_T_DECIMAL ? to.scale : 0;
    bool fnum = from.id == ST_T_DECIMAL || st_type_is_integer(from);
    bool tnum = to.id == ST_T_DECIMAL || st_type_is_integer(to);
    if (fnum && tnum) {
        if (stt < sf || stt - sf > 30) return 0;
        st_i128 flo, fhi, tlo, thi, m = pow10i(stt - sf);
        raw_range(from, &flo, &fhi);
        raw_range(to, &tlo, &thi);
        if (fhi > thi / m || flo < tlo / m) return 0; /* not every value fits: not exact */
        return m;
    }
    if (from.id == ST_T_DATE && to.id == ST_T_TIMESTAMP) return ST_USEC_PER_DAY;
    if (from.id == ST_T_DATE && to.id == ST_T_TIMESTAMP_NS) return (st_i128)ST_USEC_PER_DAY * 1000;
    if (from.id == ST_T_TIMESTAMP && to.id == ST_T_TIMESTAMP_NS) return 1000;
    return 0;
}

static st_i128 floor_div(st_i128 a, st_i128 b) {
    st_i128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}
static st_i128 ceil_div(st_i128 a, st_i128 b) { return -floor_div(-a, b); }

/* A test `f(col) op k` with f: from -> to, rewritten as `col op' k'` on
 * type from.  Returns the new node kind: PR_CMP (op/val updated), PR_TRUE
 * or PR_FALSE; -1 when the cast is not supported. */
static int unwrap_cast(st_type from, st_type to, uint8_t *op, st_zval *val) {
    bool has_lo, has_hi;
    st_zval lo, hi;
    if (int_like(from) && int_like(to)) {
        st_i128 m = multiplier(from, to);
        if (!m) return -1;
        st_i128 k = raw_of(to, val), l = floor_div(k, m), h = ceil_div(k, m), rlo, rhi;
        raw_range(from, &rlo, &rhi);
        has_lo = l >= rlo;
        has_hi = h <= rhi;
        if (l > rhi) l = rhi;
        if (h < rlo) h = rlo;
        raw_to(from, l, &lo);
        raw_to(from, h, &hi);
    } else if (to.id == ST_T_DOUBLE &&
               (from.id == ST_T_FLOAT || from.id == ST_T_INT8 || from.id == ST_T_INT16 || from.id == ST_T_INT32)) {
        double k = val->v.f64;
        if (isnan(k)) return -1;
        memset(&lo, 0, sizeof lo);
        memset(&hi, 0, sizeof hi);
        if (from.id == ST_T_FLOAT) {
            float l = (float)k, h = (float)k;
            if ((double)l > k) l = nextafterf(l, -INFINITY);
            if ((double)h < k) h = nextafterf(h, INFINITY);
            has_lo = (double)l <= k;
            has_hi = (double)h >= k;
            lo.v.f64 = l;
            hi.v.f64 = h;
        } else {
            st_i128 rlo, rhi;
            raw_range(from, &rlo, &rhi);
            double l = floor(k), h = ceil(k);
            has_lo = l >= (double)rlo;
            has_hi = h <= (double)rhi;
            if (l > (double)rhi) l = (double)rhi;
            if (h < (double)rlo) h = (double)rlo;
            lo.v.i64 = (int64_t)l;
            hi.v.i64 = (int64_t)h;
        }
    } else {
        return -1;
    }
    bool exact = has_lo && has_hi && st_zval_cmp(from, &lo, &hi) == 0;
    switch ((st_cmp_op)*op) {
    case ST_CMP_EQ:
        if (!exact) return PR_FALSE;
        *val = lo;
        return PR_CMP;
    case ST_CMP_NE:
        if (!exact) return PR_TRUE;
        *val = lo;
        return PR_CMP;
    case ST_CMP_GE:
        if (!has_hi) return PR_FALSE;
        *val = hi;
        return PR_CMP;
    case ST_CMP_GT:
        if (!has_lo) return PR_TRUE;
        *val = lo;
        return PR_CMP;
    case ST_CMP_LE:
        if (!has_lo) return PR_FALSE;
        *val = lo;
        return PR_CMP;
    case ST_CMP_LT:
        if (!has_hi) return PR_TRUE;
        *val = hi;
        return PR_CMP;
    default: return PR_TRUE;
    }
}

static bool is_cast(const sq_expr *x) {
    return x->kind == E_FUNC && x->nargs == 1 && x->name && !strcmp(x->name, "cast");
}

/* The column under a chain of casts: the expressions from the outermost
 * cast inwards in chain[0..n), the column last. */
static const sq_expr *column_of(const sq_expr *x, const sq_expr **chain, uint32_t *n) {
    *n = 0;
    while (is_cast(x) && *n < 8) {
        chain[(*n)++] = x;
        x = x->args[0];
    }
    return x->kind == E_COL ? x : NULL;
}

/* Cut a string constant to the zone-map prefix; for ops that need a bound
 * above k (LT, LE), the prefix with its last byte incremented.  Returns the
 * node kind (PR_CMP with op/val updated, or PR_TRUE). */
static int fit_string(const st_str *k, uint8_t *op, st_zval *val) {
    if (k->len <= ST_ZONE_STR_MAX) return PR_CMP;
    switch ((st_cmp_op)*op) {
    case ST_CMP_EQ:
    case ST_CMP_GT:
    case ST_CMP_GE: return PR_CMP; /* prefix <= k: the tests stay sound */
    case ST_CMP_LT:
    case ST_CMP_LE: {
        int i = ST_ZONE_STR_MAX - 1;
        while (i >= 0 && (unsigned char)val->s[i] == 0xFF) i--;
        if (i < 0) return PR_TRUE;
        val->s[i]++;
        val->slen = (uint8_t)(i + 1);
        *op = ST_CMP_LE;
        return PR_CMP;
    }
    default: return PR_TRUE;
    }
}

static uint8_t negate(uint8_t op) {
    switch ((st_cmp_op)op) {
    case ST_CMP_EQ: return ST_CMP_NE;
    case ST_CMP_NE: return ST_CMP_EQ;
    case ST_CMP_LT: return ST_CMP_GE;
    case ST_CMP_LE: return ST_CMP_GT;
    case ST_CMP_GT: return ST_CMP_LE;
    case ST_CMP_GE: return ST_CMP_LT;
    case ST_CMP_IS_NULL: return ST_CMP_IS_NOT_NULL;
    default: return ST_CMP_IS_NULL;
    }
}

static sq_prune *build(bctx *B, const sq_expr *x, bool neg);

/* `col op k` (col possibly under casts; op already negated when asked) */
static sq_prune *leaf_cmp(bctx *B, const sq_expr *colx, uint8_t op, const sq_expr *k) {
    const sq_expr *chain[8];
    uint32_t nc;
    const sq_expr *col = column_of(colx, chain, &nc);
    if (!col || k->kind != E_CONST || !st_type_eq(k->type, colx->type)) return node(B, PR_TRUE);
    if (k->val.null) return node(B, PR_FALSE); /* a comparison with NULL is never TRUE */
    int f = field_of(B, col->col);
    if (f < 0) return node(B, PR_TRUE);
    st_zval v;
    st_zval_from_value(k->type, &k->val.v, &v);
    int kind = PR_CMP;
    if (st_type_is_string(k->type)) kind = fit_string(&k->val.v.s, &op, &v);
    /* peel the casts from the outside in */
    for (uint32_t i = 0; i < nc && kind == PR_CMP; i++) {
        kind = unwrap_cast(chain[i]->args[0]->type, chain[i]->type, &op, &v);
        if (kind < 0) kind = PR_TRUE;
    }
    sq_prune *p = node(B, (uint8_t)kind);
    if (!p || kind != PR_CMP) return p;
    p->op = op;
    p->field = (uint32_t)f;
    p->type = col->type;
    p->val = v;
    B->leaves++;
    return p;
}

static int zval_qcmp(const void *a, const void *b, void *t) {
    return st_zval_cmp(*(const st_type *)t, a, b);
}

static sq_prune *leaf_in(bctx *B, const sq_expr *x, bool neg) {
    const sq_inset *set = x->state;
    const sq_expr *colx = x->args[0];
    const sq_expr *chain[8];
    uint32_t nc;
    const sq_expr *col = column_of(colx, chain, &nc);
    if (!set || !col) return node(B, PR_TRUE);
    int f = field_of(B, col->col);
    if (f < 0) return node(B, PR_TRUE);
    uint32_t n = set->ht.ngroups;
    const st_vector *keys = set->ht.keys[0];
    if (neg) {
        /* NOT IN: AND of <> (never TRUE when the list holds a NULL) */
        if (set->has_null) return node(B, PR_FALSE);
        if (n > 64) return node(B, PR_TRUE);
        sq_prune *p = node(B, PR_AND);
        if (!p) return NULL;
        p->kids = st_arena_alloc(B->a, (n ? n : 1) * sizeof *p->kids);
        if (!p->kids) return NULL;
        for (uint32_t i = 0; i < n; i++) {
            sq_value kv;
            sq_value_from_vec(keys, i, &kv);
            sq_expr k;
            memset(&k, 0, sizeof k);
            k.kind = E_CONST;
            k.type = colx->type;
            k.val = kv;
            k.val.type = colx->type;
            sq_prune *c = leaf_cmp(B, colx, ST_CMP_NE, &k);
            if (!c) return NULL;
            p->kids[p->nkids++] = c;
        }
        return p;
    }
    if (n == 0) return node(B, PR_FALSE); /* IN (NULL): never TRUE */
    st_zval *vals = st_arena_alloc(B->a, n * sizeof *vals);
    if (!vals) return NULL;
    uint32_t nv = 0;
    for (uint32_t i = 0; i < n; i++) {
        sq_value kv;
        sq_value_from_vec(keys, i, &kv);
        uint8_t op = ST_CMP_EQ;
        st_zval v;
        st_zval_from_value(colx->type, &kv.v, &v);
        int kind = PR_CMP;
        for (uint32_t c = 0; c < nc && kind == PR_CMP; c++) {
            kind = unwrap_cast(chain[c]->args[0]->type, chain[c]->type, &op, &v);
            if (kind < 0) return node(B, PR_TRUE);
        }
        if (kind == PR_FALSE) continue; /* no column value casts to it */
        if (kind != PR_CMP) return node(B, PR_TRUE);
        vals[nv++] = v;
    }
    if (!nv) return node(B, PR_FALSE);
    st_type ct = col->type;
    qsort_r(vals, nv, sizeof *vals, zval_qcmp, &ct);
    uint32_t m = 1;
    for (uint32_t i = 1; i < nv; i++)
        if (st_zval_cmp(col->type, &vals[i], &vals[m - 1])) vals[m++] = vals[i];
    sq_prune *p = node(B, PR_IN);
    if (!p) return NULL;
    p->field = (uint32_t)f;
    p->type = col->type;
    p->vals = vals;
    p->nvals = m;
    B->leaves++;
    return p;
}

static sq_prune *combine(bctx *B, uint8_t kind, const sq_expr *x, bool neg) {
    sq_prune *p = node(B, kind);
    if (!p) return NULL;
    p->kids = st_arena_alloc(B->a, (x->nargs ? x->nargs : 1) * sizeof *p->kids);
    if (!p->kids) return NULL;
    for (uint32_t i = 0; i < x->nargs; i++) {
        sq_prune *c = build(B, x->args[i], neg);
        if (!c) return NULL;
        if (kind == PR_AND) {
            if (c->kind == PR_FALSE) return c;
            if (c->kind == PR_TRUE) continue;
        } else {
            if (c->kind == PR_TRUE) return c;
            if (c->kind == PR_FALSE) continue;
        }
        p->kids[p->nkids++] = c;
    }
    if (p->nkids == 0) return node(B, kind == PR_AND ? PR_TRUE : PR_FALSE);
    if (p->nkids == 1) return p->kids[0];
    return p;
}

static sq_prune *build(bctx *B, const sq_expr *x, bool neg) {
    switch (x->kind) {
    case E_AND: return combine(B, neg ? PR_OR : PR_AND, x, neg);
    case E_OR: return combine(B, neg ? PR_AND : PR_OR, x, neg);
    case E_NOT: return build(B, x->args[0], !neg);
    case E_CONST:
        if (x->type.id != ST_T_BOOLEAN && x->type.id != ST_T_NULL) return node(B, PR_TRUE);
        if (x->val.null) return node(B, PR_FALSE);
        return node(B, (x->val.v.b != 0) != neg ? PR_TRUE : PR_FALSE);
    case E_ISNULL: {
        const sq_expr *chain[8];
        uint32_t nc;
        const sq_expr *col = column_of(x->args[0], chain, &nc);
        if (!col) return node(B, PR_TRUE);
        int f = field_of(B, col->col);
        if (f < 0) return node(B, PR_TRUE);
        sq_prune *p = node(B, PR_CMP);
        if (!p) return NULL;
        p->op = (x->neg != neg) ? ST_CMP_IS_NOT_NULL : ST_CMP_IS_NULL;
        p->field = (uint32_t)f;
        p->type = col->type;
        B->leaves++;
        return p;
    }
    case E_IN: return leaf_in(B, x, x->neg != neg);
    case E_FUNC:
        if (x->cmp != 0xFF && x->nargs == 2) {
            static const uint8_t map[6] = {ST_CMP_EQ, ST_CMP_NE, ST_CMP_LT, ST_CMP_LE, ST_CMP_GT, ST_CMP_GE};
            static const uint8_t flip[6] = {ST_CMP_EQ, ST_CMP_NE, ST_CMP_GT, ST_CMP_GE, ST_CMP_LT, ST_CMP_LE};
            const sq_expr *a = x->args[0], *b = x->args[1];
            uint8_t op;
            if (b->kind == E_CONST && a->kind != E_CONST) {
                op = map[x->cmp];
            } else if (a->kind == E_CONST && b->kind != E_CONST) {
                op = flip[x->cmp];
                const sq_expr *t = a;
                a = b;
                b = t;
            } else {
                return node(B, PR_TRUE);
            }
            return leaf_cmp(B, a, neg ? negate(op) : op, b);
        }
        return node(B, PR_TRUE);
    default: return node(B, PR_TRUE);
    }
}

sq_prune *sq_prune_build(st_arena *a, const sq_expr *filter, const uint32_t *cids,
                         const uint32_t *fields, uint32_t ncids, uint32_t *nleaves) {
    *nleaves = 0;
    if (!filter) return NULL;
    bctx B = {a, cids, fields, ncids, 0};
    sq_prune *p = build(&B, filter, false);
    if (!p || p->kind == PR_TRUE) return NULL;
    *nleaves = B.leaves;
    return p;
}

/* ---- testing ------------------------------------------------------------ */

bool sq_prune_may(const sq_prune *p, const st_zonemap *zm) {
    if (!p) return true;
    switch (p->kind) {
    case PR_TRUE: return true;
    case PR_FALSE: return false;
    case PR_CMP:
        if (!zm) return true;
        return st_zonemap_may_match(&zm[p->field], (st_cmp_op)p->op, &p->val);
    case PR_IN: {
        if (!zm) return true;
        const st_zonemap *z = &zm[p->field];
        if (!z->has_min && !z->has_max) return st_zonemap_may_match(z, ST_CMP_EQ, &p->vals[0]);
        /* the first value >= min (binary search), then is it <= max? */
        uint32_t lo = 0, hi = p->nvals;
        if (z->has_min)
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (st_zval_cmp(p->type, &p->vals[mid], &z->min) < 0) lo = mid + 1;
                else hi = mid;
            }
        for (uint32_t i = lo; i < p->nvals; i++) {
            if (z->has_max && st_zval_cmp(p->type, &p->vals[i], &z->max) > 0) break;
            if (st_zonemap_may_match(z, ST_CMP_EQ, &p->vals[i])) return true;
        }
        return false;
    }
    case PR_AND:
        for (uint32_t i = 0; i < p->nkids; i++)
            if (!sq_prune_may(p->kids[i], zm)) return false;
        return true;
    case PR_OR:
        for (uint32_t i = 0; i < p->nkids; i++)
            if (sq_prune_may(p->kids[i], zm)) return true;
        return false;
    default: return true;
    }
}

static void print_zval(st_type t, const st_zval *z, st_sbuf *sb) {
    if (st_type_is_string(t)) {
        st_sbuf_printf(sb, "'%.*s'", (int)z->slen, z->s);
        return;
    }
    char buf[ST_FORMAT_MAX];
    unsigned char raw[16];
    memset(raw, 0, sizeof raw);
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: raw[0] = (unsigned char)z->v.i64; break;
    case ST_T_INT8: { int8_t x = (int8_t)z->v.i64; memcpy(raw, &x, 1); break; }
    case ST_T_INT16: { int16_t x = (int16_t)z->v.i64; memcpy(raw, &x, 2); break; }
    case ST_T_INT32:
    case ST_T_DATE: { int32_t x = (int32_t)z->v.i64; memcpy(raw, &x, 4); break; }
    case ST_T_FLOAT: { float x = (float)z->v.f64; memcpy(raw, &x, 4); break; }
    case ST_T_DECIMAL:
        if (t.precision > ST_DECIMAL_SMALL_MAX) memcpy(raw, &z->v.i128, 16);
        else memcpy(raw, &z->v.i64, 8);
        break;
    default: memcpy(raw, &z->v, 8); break;
    }
    st_format_value(t, raw, buf);
    if (st_type_is_temporal(t)) st_sbuf_printf(sb, "'%s'", buf);
    else st_sbuf_printf(sb, "%s", buf);
}

void sq_prune_print(const sq_prune *p, const st_schema *schema, st_sbuf *sb) {
    static const char *ops[] = {"=", "<>", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL"};
    if (!p) {
        st_sbuf_printf(sb, "true");
        return;
    }
    const char *name = schema && p->field < schema->nfields ? schema->fields[p->field].name : "?";
    switch (p->kind) {
    case PR_TRUE: st_sbuf_printf(sb, "true"); return;
    case PR_FALSE: st_sbuf_printf(sb, "false"); return;
    case PR_CMP:
        st_sbuf_printf(sb, "%s %s", name, ops[p->op & 7]);
        if (p->op != ST_CMP_IS_NULL && p->op != ST_CMP_IS_NOT_NULL) {
            st_sbuf_putc(sb, ' ');
            print_zval(p->type, &p->val, sb);
        }
        return;
    case PR_IN:
        st_sbuf_printf(sb, "%s IN (", name);
        for (uint32_t i = 0; i < p->nvals && i < 8; i++) {
            if (i) st_sbuf_printf(sb, ", ");
            print_zval(p->type, &p->vals[i], sb);
        }
        if (p->nvals > 8) st_sbuf_printf(sb, ", ... %u values", p->nvals);
        st_sbuf_putc(sb, ')');
        return;
    case PR_AND:
    case PR_OR:
        st_sbuf_putc(sb, '(');
        for (uint32_t i = 0; i < p->nkids; i++) {
            if (i) st_sbuf_printf(sb, p->kind == PR_AND ? " AND " : " OR ");
            sq_prune_print(p->kids[i], schema, sb);
        }
        st_sbuf_putc(sb, ')');
        return;
    default: return;
    }
}

/* ---- planning a scan ---------------------------------------------------- */

typedef struct openctx {
    st_source *src;
    uint32_t *groups;
    uint32_t *nunits;
} openctx;

static st_status open_fn(void *ctx, uint64_t t, uint32_t worker, st_error *e) {
    (void)worker;
    openctx *o = ctx;
    return o->src->ops->group_open(o->src, o->groups[t], &o->nunits[t], e);
}

void sq_scan_tasks_free(sq_scan_tasks *t) {
    if (!t) return;
    free(t->tg);
    free(t->tu);
    free(t->groups);
    memset(t, 0, sizeof *t);
}

st_status sq_scan_prepare(sq_scan *s, uint32_t nthreads, bool no_prune, st_error *e) {
    if (s->prepared) return ST_OK;
    sq_scan_tasks *out = &s->tasks;
    memset(out, 0, sizeof *out);
    st_source *src = s->src;
    const sq_prune *pr = no_prune ? NULL : s->prune;
    uint32_t np = src->ops->partition_count ? src->ops->partition_count(src) : 0;
    uint32_t ng = src->ops->group_count(src);
    uint8_t *pkeep = NULL;
    uint32_t *nunits = NULL;
    st_status rc = ST_OK;
    s->nparts = np;
    s->nparts_kept = np;
    if (np && pr && src->ops->partition_zm) {
        pkeep = malloc(np);
        if (!pkeep) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        s->nparts_kept = 0;
        for (uint32_t p = 0; p < np; p++) {
            pkeep[p] = sq_prune_may(pr, src->ops->partition_zm(src, p));
            s->nparts_kept += pkeep[p];
        }
    }
    out->groups = malloc((ng ? ng : 1) * sizeof *out->groups);
    nunits = calloc(ng ? ng : 1, sizeof *nunits);
    if (!out->groups || !nunits) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto done;
    }
    s->ngroups = ng;
    s->rows_total = s->bytes_total = 0;
    uint32_t kept = 0;
    for (uint32_t g = 0; g < ng; g++) {
        st_group_info gi;
        memset(&gi, 0, sizeof gi);
        gi.partition = -1;
        src->ops->group_info(src, g, &gi);
        s->rows_total += gi.rows;
        s->bytes_total += gi.bytes;
        if (pkeep && gi.partition >= 0 && (uint32_t)gi.partition < np && !pkeep[gi.partition]) continue;
        if (!sq_prune_may(pr, gi.zm)) continue;
        out->groups[kept++] = g;
    }
    out->ngroups = kept;
    s->ngroups_kept = kept;
    openctx oc = {src, out->groups, nunits};
    rc = st_parallel_for(nthreads, kept, open_fn, &oc, e);
    if (rc != ST_OK || src->ops->read_next) {
        s->nunits = s->nunits_kept = 0;
        s->rows_kept = 0;
        s->bytes_kept = 0;
        if (src->ops->read_next)
            for (uint32_t i = 0; i < kept; i++) {
                st_group_info gi;
                memset(&gi, 0, sizeof gi);
                src->ops->group_info(src, out->groups[i], &gi);
                s->rows_kept += gi.rows;
                s->bytes_kept += gi.bytes;
            }
        goto done;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < kept; i++) total += nunits[i];
    out->tg = malloc((total ? total : 1) * sizeof *out->tg);
    out->tu = malloc((total ? total : 1) * sizeof *out->tu);
    if (!out->tg || !out->tu) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint64_t n = 0, rows = 0, bytes = 0;
    for (uint32_t i = 0; i < kept; i++) {
        for (uint32_t u = 0; u < nunits[i]; u++) {
            st_unit_info ui;
            memset(&ui, 0, sizeof ui);
            src->ops->unit_info(src, out->groups[i], u, s->cols, s->ncols, &ui);
            if (!sq_prune_may(pr, ui.zm)) continue;
            out->tg[n] = out->groups[i];
            out->tu[n] = u;
            rows += ui.rows;
            bytes += ui.bytes;
            n++;
        }
    }
    out->ntasks = n;
    s->nunits = total;
    s->nunits_kept = n;
    s->rows_kept = rows;
    s->bytes_kept = bytes;
done:
    s->prepared = rc == ST_OK;
    free(pkeep);
    free(nunits);
    if (rc != ST_OK) sq_scan_tasks_free(out);
    return rc;
}
