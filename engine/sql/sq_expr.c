/*
 * sq_expr.c: evaluating bound expressions over chunks.
 *
 * An expression tree is evaluated once per chunk, node by node: each node
 * dispatches once to a typed kernel (chosen when the expression was bound)
 * that loops over the live rows.  Nothing is interpreted per row.
 *
 * Selections: evaluation takes the rows to compute (sel/n) and computes only
 * those, writing results at the rows' own positions (a sparse result), so a
 * row that an earlier filter removed can never raise an error (a failing
 * CAST, an overflow) or cost work.  Conditional forms are lazy in the same
 * way: CASE evaluates a THEN branch only on the rows whose WHEN is true, and
 * COALESCE evaluates an argument only on the rows still NULL.
 *
 * Filters (sq_select) work on selections directly: AND narrows the rows
 * left to right, OR unions what each side selects from the rows the left
 * side rejected, and comparisons run as selection kernels that write row ids
 * without materializing a boolean vector.
 *
 * Scratch: every node has a slot; a worker's sq_ectx holds one scratch
 * vector per slot, reused for every chunk.  A node's result stays valid
 * until that node is evaluated again, which is why the binder never shares
 * a node between two places in a tree (sq_expr_copy).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"

sq_expr *sq_expr_new(st_arena *a, uint8_t kind, st_type t, uint32_t pos) {
    sq_expr *x = st_arena_alloc(a, sizeof *x);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->type = t;
    x->pos = pos;
    x->cmp = 0xFF;
    return x;
}

sq_expr *sq_expr_col(st_arena *a, uint32_t cid, st_type t, uint32_t pos) {
    sq_expr *x = sq_expr_new(a, E_COL, t, pos);
    if (x) x->col = cid;
    return x;
}

sq_expr *sq_expr_const(st_arena *a, const sq_value *v, uint32_t pos) {
    sq_expr *x = sq_expr_new(a, E_CONST, v->type, pos);
    if (!x) return NULL;
    x->val = *v;
    if (st_type_is_string(v->type) && !v->null && v->v.s.len) {
        char *p = st_arena_memdup(a, v->v.s.ptr, v->v.s.len);
        if (!p) return NULL;
        x->val.v.s.ptr = p;
    }
    return x;
}

st_status sq_const_vec(sq_expr *x, sq_pool *pool, st_error *e) {
    if (x->cvec) return ST_OK;
    st_type t = x->type;
    if (t.id == ST_T_NULL) t = sq_t(ST_T_INT32);
    x->cvec = sq_vec_new(t, 1);
    if (!x->cvec) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    x->cvec->len = 1;
    if (pool && sq_pool_add(pool, (void (*)(void *))sq_vec_free, x->cvec, e) != ST_OK) {
        sq_vec_free(x->cvec);
        x->cvec = NULL;
        return e->code;
    }
    sq_value v = x->val;
    v.type = t;
    if (x->type.id == ST_T_NULL) v.null = true;
    return sq_value_to_vec(&v, x->cvec, 0, e);
}

st_status sq_pool_add(sq_pool *p, void (*fn)(void *), void *ptr, st_error *e) {
    if (p->n == p->cap) {
        uint32_t nc = p->cap ? p->cap * 2 : 16;
        struct sq_pool_item *ni = realloc(p->items, nc * sizeof *ni);
        if (!ni) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        p->items = ni;
        p->cap = nc;
    }
    p->items[p->n].fn = fn;
    p->items[p->n].p = ptr;
    p->n++;
    return ST_OK;
}

void sq_pool_free(sq_pool *p) {
    if (!p) return;
    for (uint32_t i = p->n; i-- > 0;) p->items[i].fn(p->items[i].p);
    free(p->items);
    p->items = NULL;
    p->n = p->cap = 0;
}

bool sq_expr_equal(const sq_expr *x, const sq_expr *y) {
    if (x == y) return true;
    if (!x || !y) return false;
    if (x->kind != y->kind || !st_type_eq(x->type, y->type) || x->nargs != y->nargs ||
        x->neg != y->neg || x->has_else != y->has_else || x->aux != y->aux ||
        x->iaux != y->iaux || x->kfn != y->kfn || x->cmp != y->cmp)
        return false;
    switch (x->kind) {
    case E_COL: return x->col == y->col;
    case E_CONST: {
        if (x->val.null != y->val.null) return false;
        if (x->val.null) return true;
        if (st_type_is_string(x->type))
            return x->val.v.s.len == y->val.v.s.len &&
                   (x->val.v.s.len == 0 ||
                    memcmp(x->val.v.s.ptr, y->val.v.s.ptr, x->val.v.s.len) == 0);
        return memcmp(&x->val.v, &y->val.v, st_type_width(x->type)) == 0;
    }
    default: break;
    }
    if (x->volatile_ || y->volatile_) return false;
    if ((x->name || y->name) && (!x->name || !y->name || strcmp(x->name, y->name))) return false;
    for (uint32_t i = 0; i < x->nargs; i++)
        if (!sq_expr_equal(x->args[i], y->args[i])) return false;
    return true;
}

sq_expr *sq_expr_copy(st_arena *a, const sq_expr *x) {
    if (!x) return NULL;
    sq_expr *y = st_arena_alloc(a, sizeof *y);
    if (!y) return NULL;
    *y = *x;
    if (x->nargs) {
        y->args = st_arena_alloc(a, x->nargs * sizeof *y->args);
        if (!y->args) return NULL;
        for (uint32_t i = 0; i < x->nargs; i++) {
            y->args[i] = sq_expr_copy(a, x->args[i]);
            if (!y->args[i]) return NULL;
        }
    }
    return y;
}

/* ---- helpers ------------------------------------------------------------ */

static st_vector *scratch(sq_ectx *cx, const sq_expr *ex, uint32_t len, st_error *e) {
    if (ex->slot >= cx->nscratch) {
        st_error_set(e, ST_ERR_INTERNAL, "expression slot %u out of range", ex->slot);
        return NULL;
    }
    st_vector *v = cx->scratch[ex->slot];
    if (!v) {
        st_type t = ex->type.id == ST_T_NULL ? sq_t(ST_T_INT32) : ex->type;
        v = cx->scratch[ex->slot] = sq_vec_new(t, SQ_CHUNK);
        if (!v) {
            st_error_set(e, ST_ERR_NOMEM, "out of memory (expression scratch)");
            return NULL;
        }
    }
    sq_vec_clear(v);
    v->len = len;
    return v;
}

/* dst[r] = src[r] (or src[0] when constant) for the rows of sel; strings are
 * copied into dst's heap (so dst stays valid when src is reused). */
static st_status copy_rows(st_vector *dst, const sq_vec *src, const uint32_t *sel, uint32_t n,
                           st_error *e) {
    const st_vector *s = src->v;
    size_t w = st_type_width(dst->type);
    bool str = st_type_is_string(dst->type);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        uint32_t i = src->c ? 0 : r;
        if (sq_isnull(s, i)) {
            uint64_t *vb = sq_vec_validity(dst);
            if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            sq_setnull(vb, r);
            memset((char *)dst->data + (size_t)r * w, 0, w);
            continue;
        }
        if (str) {
            const st_str *ss = (const st_str *)s->data + i;
            st_str *ds = (st_str *)dst->data + r;
            char *p = "";
            if (ss->len) {
                p = st_vector_str_alloc(dst, ss->len);
                if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                memcpy(p, ss->ptr, ss->len);
            }
            ds->ptr = p;
            ds->len = ss->len;
            ds->reserved = 0;
        } else {
            memcpy((char *)dst->data + (size_t)r * w, (const char *)s->data + (size_t)i * w, w);
        }
        if (dst->validity) sq_setvalid(dst->validity, r);
    }
    return ST_OK;
}

static st_status set_null_rows(st_vector *dst, const uint32_t *sel, uint32_t n, st_error *e) {
    if (!n) return ST_OK;
    uint64_t *vb = sq_vec_validity(dst);
    if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    size_t w = st_type_width(dst->type);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        sq_setnull(vb, r);
        memset((char *)dst->data + (size_t)r * w, 0, w);
    }
    return ST_OK;
}

/* a - b for ascending row lists (b a subset of a) */
static uint32_t sel_minus(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                          uint32_t *out) {
    uint32_t i = 0, j = 0, k = 0;
    for (; i < na; i++) {
        uint32_t r = a ? a[i] : i;
        while (j < nb && b[j] < r) j++;
        if (j < nb && b[j] == r) continue;
        out[k++] = r;
    }
    return k;
}

static uint32_t sel_union(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                          uint32_t *out) {
    uint32_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j]) out[k++] = a[i++];
        else if (b[j] < a[i]) out[k++] = b[j++];
        else {
            out[k++] = a[i++];
            j++;
        }
    }
    while (i < na) out[k++] = a[i++];
    while (j < nb) out[k++] = b[j++];
    return k;
}

/* temporary selection buffers: a small stack per context */
typedef struct selstack {
    uint32_t *bufs[16];
    uint32_t n;
} selstack;

static uint32_t *sel_tmp(sq_ectx *cx, uint32_t *depth, st_error *e) {
    /* cx->selbuf holds up to 4 preallocated; deeper nesting allocates */
    (void)cx;
    uint32_t *b = malloc(SQ_CHUNK * sizeof *b);
    if (!b) st_error_set(e, ST_ERR_NOMEM, "out of memory (selection)");
    (void)depth;
    return b;
}

/* ---- evaluation --------------------------------------------------------- */

static st_status eval_bool_logic(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in,
                                 const uint32_t *sel, uint32_t n, sq_vec *out, st_error *e) {
    sq_vec a, b;
    ST_TRY(sq_eval(cx, ex->args[0], in, sel, n, &a, e));
    st_vector *o = scratch(cx, ex, in->len, e);
    if (!o) return e->code;
    uint8_t *od = o->data;
    if (ex->kind == E_NOT) {
        ST_TRY(sq_prop_nulls(o, &a, 1, sel, n, e));
        const uint8_t *ad = a.v->data;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            od[r] = !ad[a.c ? 0 : r];
        }
        sq_zero_nulls(o, sel, n);
        out->v = o;
        out->c = false;
        return ST_OK;
    }
    /* AND / OR over every argument (n-ary) with three-valued logic */
    bool is_and = ex->kind == E_AND;
    /* state per row: value and null */
    uint64_t *vb = NULL;
    for (uint32_t k = 0; k < n; k++) od[sel ? sel[k] : k] = is_and ? 1 : 0;
    /* null bits tracked in o's validity: start all valid */
    for (uint32_t i = 0; i < ex->nargs; i++) {
        if (i > 0) ST_TRY(sq_eval(cx, ex->args[i], in, sel, n, &b, e));
        else b = a;
        const uint8_t *bd = b.v->data;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            uint32_t j = b.c ? 0 : r;
            bool bn = sq_isnull(b.v, j);
            if (bn) {
                if (!vb) {
                    vb = sq_vec_validity(o);
                    if (!vb) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                }
                sq_setnull(vb, r);
            } else if (is_and ? !bd[j] : bd[j]) {
                od[r] = is_and ? 0 : 1; /* decided */
                if (vb) sq_setvalid(vb, r);
            }
        }
        /* a decided row stays decided: re-assert after later NULLs */
        if (vb) {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = sel ? sel[k] : k;
                if (od[r] == (is_and ? 0 : 1)) sq_setvalid(vb, r);
            }
        }
    }
    sq_zero_nulls(o, sel, n);
    out->v = o;
    out->c = false;
    return ST_OK;
}

static st_status eval_case(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in,
                           const uint32_t *sel, uint32_t n, sq_vec *out, st_error *e) {
    st_status rc = ST_OK;
    uint32_t *rem = NULL, *tsel = NULL, *tmp = NULL;
    st_vector *o = NULL;
    rem = sel_tmp(cx, NULL, e);
    tsel = sel_tmp(cx, NULL, e);
    tmp = sel_tmp(cx, NULL, e);
    if (!rem || !tsel || !tmp) {
        rc = ST_ERR_NOMEM;
        goto cleanup;
    }
    uint32_t nrem = n;
    for (uint32_t k = 0; k < n; k++) rem[k] = sel ? sel[k] : k;
    uint32_t npairs = (ex->nargs - (ex->has_else ? 1 : 0)) / 2;
    /* evaluate branches first into their own scratch, then copy: the output
     * scratch is taken last so nested CASEs do not clash */
    sq_vec bv;
    /* collect (rows, vec) copies as we go: we must copy immediately because
     * branch scratch stays valid (each node has its own slot) */
    o = scratch(cx, ex, in->len, e);
    if (!o) {
        rc = e->code;
        goto cleanup;
    }
    for (uint32_t p = 0; p < npairs && nrem; p++) {
        uint32_t nt;
        ST_CHECK(rc, sq_select(cx, ex->args[2 * p], in, rem, nrem, tsel, &nt, e));
        if (nt) {
            ST_CHECK(rc, sq_eval(cx, ex->args[2 * p + 1], in, tsel, nt, &bv, e));
            ST_CHECK(rc, copy_rows(o, &bv, tsel, nt, e));
            nrem = sel_minus(rem, nrem, tsel, nt, tmp);
            memcpy(rem, tmp, nrem * sizeof *rem);
        }
    }
    if (nrem) {
        if (ex->has_else) {
            ST_CHECK(rc, sq_eval(cx, ex->args[ex->nargs - 1], in, rem, nrem, &bv, e));
            ST_CHECK(rc, copy_rows(o, &bv, rem, nrem, e));
        } else {
            ST_CHECK(rc, set_null_rows(o, rem, nrem, e));
        }
    }
    out->v = o;
    out->c = false;
cleanup:
    free(rem);
    free(tsel);
    free(tmp);
    return rc;
}

static st_status eval_coalesce(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in,
                               const uint32_t *sel, uint32_t n, sq_vec *out, st_error *e) {
    st_status rc = ST_OK;
    uint32_t *rem = sel_tmp(cx, NULL, e), *nn = sel_tmp(cx, NULL, e), *nul = sel_tmp(cx, NULL, e);
    if (!rem || !nn || !nul) {
        rc = ST_ERR_NOMEM;
        goto cleanup;
    }
    st_vector *o = scratch(cx, ex, in->len, e);
    if (!o) {
        rc = e->code;
        goto cleanup;
    }
    uint32_t nrem = n;
    for (uint32_t k = 0; k < n; k++) rem[k] = sel ? sel[k] : k;
    for (uint32_t i = 0; i < ex->nargs && nrem; i++) {
        sq_vec a;
        ST_CHECK(rc, sq_eval(cx, ex->args[i], in, rem, nrem, &a, e));
        uint32_t nnn = 0, nnul = 0;
        for (uint32_t k = 0; k < nrem; k++) {
            uint32_t r = rem[k];
            if (sq_isnull(a.v, a.c ? 0 : r)) nul[nnul++] = r;
            else nn[nnn++] = r;
        }
        ST_CHECK(rc, copy_rows(o, &a, nn, nnn, e));
        memcpy(rem, nul, nnul * sizeof *rem);
        nrem = nnul;
    }
    ST_CHECK(rc, set_null_rows(o, rem, nrem, e));
    out->v = o;
    out->c = false;
cleanup:
    free(rem);
    free(nn);
    free(nul);
    return rc;
}

/* IN with a constant list: the list is a hash table of its non-NULL values
 * (state), built when bound. */

static st_status eval_in(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in, const uint32_t *sel,
                         uint32_t n, sq_vec *out, st_error *e) {
    sq_vec a;
    ST_TRY(sq_eval(cx, ex->args[0], in, sel, n, &a, e));
    const sq_inset *set = ex->state;
    st_vector *o = scratch(cx, ex, in->len, e);
    if (!o) return e->code;
    uint8_t *od = o->data;
    uint64_t hashes[SQ_CHUNK];
    uint32_t gids[SQ_CHUNK];
    uint32_t rows[SQ_CHUNK];
    uint32_t nr = 0;
    /* rows to look up (a constant needle is looked up once) */
    if (a.c) {
        rows[0] = 0;
        nr = 1;
    } else {
        for (uint32_t k = 0; k < n; k++) rows[nr++] = sel ? sel[k] : k;
    }
    st_vector *col = a.v;
    sq_ht_hash(&set->ht, &col, rows, nr, hashes);
    sq_ht_find(&set->ht, &col, rows, nr, hashes, gids);
    uint64_t *vb = NULL;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        uint32_t j = a.c ? 0 : k;
        uint32_t src = a.c ? 0 : r;
        bool isnull = sq_isnull(a.v, src);
        bool found = !isnull && gids[j] != UINT32_MAX;
        if (isnull || (!found && set->has_null)) {
            if (!vb && !(vb = sq_vec_validity(o))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            sq_setnull(vb, r);
            od[r] = 0;
        } else {
            od[r] = (uint8_t)(found != ex->neg);
        }
    }
    out->v = o;
    out->c = false;
    return ST_OK;
}

st_status sq_eval(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in, const uint32_t *sel,
                  uint32_t n, sq_vec *out, st_error *e) {
    switch (ex->kind) {
    case E_COL:
        out->v = in->cols[ex->col];
        out->c = false;
        return ST_OK;
    case E_CONST:
        if (!ex->cvec) return st_error_set(e, ST_ERR_INTERNAL, "constant without a vector");
        out->v = ex->cvec;
        out->c = true;
        return ST_OK;
    case E_FUNC: {
        sq_vec args[16];
        sq_vec *ap = args;
        sq_vec *heap = NULL;
        if (ex->nargs > 16) {
            heap = malloc(ex->nargs * sizeof *heap);
            if (!heap) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            ap = heap;
        }
        st_status rc = ST_OK;
        for (uint32_t i = 0; i < ex->nargs && rc == ST_OK; i++)
            rc = sq_eval(cx, ex->args[i], in, sel, n, &ap[i], e);
        if (rc == ST_OK) {
            st_vector *o = scratch(cx, ex, in->len, e);
            if (!o) rc = e->code;
            else {
                rc = ex->kfn(cx, ex, ap, sel, n, o, e);
                /* the vector invariant: a NULL row's slot is zeros (kernels
                 * may skip NULL rows; later kernels read every live slot) */
                if (rc == ST_OK) sq_zero_nulls(o, sel, n);
                out->v = o;
                out->c = false;
            }
        }
        free(heap);
        return rc;
    }
    case E_AND:
    case E_OR:
    case E_NOT:
        return eval_bool_logic(cx, ex, in, sel, n, out, e);
    case E_ISNULL: {
        sq_vec a;
        ST_TRY(sq_eval(cx, ex->args[0], in, sel, n, &a, e));
        st_vector *o = scratch(cx, ex, in->len, e);
        if (!o) return e->code;
        uint8_t *od = o->data;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            od[r] = (uint8_t)(sq_isnull(a.v, a.c ? 0 : r) != ex->neg);
        }
        out->v = o;
        out->c = false;
        return ST_OK;
    }
    case E_CASE:
        return eval_case(cx, ex, in, sel, n, out, e);
    case E_COALESCE:
        return eval_coalesce(cx, ex, in, sel, n, out, e);
    case E_IN:
        return eval_in(cx, ex, in, sel, n, out, e);
    default:
        return st_error_set(e, ST_ERR_INTERNAL, "cannot evaluate expression kind %d", ex->kind);
    }
}

/* ---- selection ---------------------------------------------------------- */

st_status sq_select(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in, const uint32_t *sel,
                    uint32_t n, uint32_t *out_sel, uint32_t *out_n, st_error *e) {
    if (n == 0) {
        *out_n = 0;
        return ST_OK;
    }
    switch (ex->kind) {
    case E_AND: {
        const uint32_t *cur = sel;
        uint32_t cn = n;
        for (uint32_t i = 0; i < ex->nargs; i++) {
            ST_TRY(sq_select(cx, ex->args[i], in, cur, cn, out_sel, &cn, e));
            cur = out_sel;
            if (cn == 0) break;
        }
        *out_n = cn;
        return ST_OK;
    }
    case E_OR: {
        st_status rc = ST_OK;
        uint32_t *acc = malloc(SQ_CHUNK * sizeof *acc), *rest = malloc(SQ_CHUNK * sizeof *rest),
                 *got = malloc(SQ_CHUNK * sizeof *got), *tmp = malloc(SQ_CHUNK * sizeof *tmp);
        if (!acc || !rest || !got || !tmp) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (selection)");
            goto or_done;
        }
        uint32_t nacc = 0, nrest = n;
        for (uint32_t k = 0; k < n; k++) rest[k] = sel ? sel[k] : k;
        for (uint32_t i = 0; i < ex->nargs && nrest; i++) {
            uint32_t ng;
            ST_CHECK(rc, sq_select(cx, ex->args[i], in, rest, nrest, got, &ng, e));
            if (!ng) continue;
            nacc = sel_union(acc, nacc, got, ng, tmp);
            memcpy(acc, tmp, nacc * sizeof *acc);
            nrest = sel_minus(rest, nrest, got, ng, tmp);
            memcpy(rest, tmp, nrest * sizeof *rest);
        }
        memcpy(out_sel, acc, nacc * sizeof *acc);
        *out_n = nacc;
    or_done:
    cleanup:
        free(acc);
        free(rest);
        free(got);
        free(tmp);
        return rc;
    }
    case E_ISNULL: {
        sq_vec a;
        ST_TRY(sq_eval(cx, ex->args[0], in, sel, n, &a, e));
        uint32_t k2 = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            if (sq_isnull(a.v, a.c ? 0 : r) != ex->neg) out_sel[k2++] = r;
        }
        *out_n = k2;
        return ST_OK;
    }
    case E_CONST: {
        bool t = !ex->val.null && ex->val.v.b;
        uint32_t k2 = 0;
        if (t)
            for (uint32_t k = 0; k < n; k++) out_sel[k2++] = sel ? sel[k] : k;
        *out_n = k2;
        return ST_OK;
    }
    case E_FUNC:
        if (ex->sfn) {
            sq_vec a, b;
            ST_TRY(sq_eval(cx, ex->args[0], in, sel, n, &a, e));
            ST_TRY(sq_eval(cx, ex->args[1], in, sel, n, &b, e));
            *out_n = ex->sfn(&a, &b, sel, n, out_sel);
            return ST_OK;
        }
        /* fall through */
    default: {
        sq_vec v;
        ST_TRY(sq_eval(cx, ex, in, sel, n, &v, e));
        const uint8_t *d = v.v->data;
        uint32_t k2 = 0;
        if (v.c) {
            if (!sq_isnull(v.v, 0) && d[0])
                for (uint32_t k = 0; k < n; k++) out_sel[k2++] = sel ? sel[k] : k;
        } else if (!v.v->validity) {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = sel ? sel[k] : k;
                out_sel[k2] = r;
                k2 += d[r] != 0;
            }
        } else {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = sel ? sel[k] : k;
                out_sel[k2] = r;
                k2 += (d[r] != 0) & !sq_isnull(v.v, r);
            }
        }
        *out_n = k2;
        return ST_OK;
    }
    }
}

/* ---- constants ---------------------------------------------------------- */

/* slots for a tree evaluated on its own, and temporary constant vectors
 * (recorded in tmp so they can be freed and unset afterwards) */
static st_status prepare_tree(sq_expr *x, uint32_t *next, sq_pool *tmp, st_error *e) {
    x->slot = (*next)++;
    if (x->kind == E_CONST && !x->cvec) {
        ST_TRY(sq_const_vec(x, NULL, e));
        ST_TRY(sq_pool_add(tmp, NULL, x, e));
    }
    for (uint32_t i = 0; i < x->nargs; i++) ST_TRY(prepare_tree(x->args[i], next, tmp, e));
    return ST_OK;
}

static void free_scratch(st_vector **s, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) sq_vec_free(s[i]);
    free(s);
}

st_status sq_eval_const(st_arena *a, const char *sql, int64_t now_us, const sq_expr *ex,
                        sq_value *out, st_error *e) {
    uint32_t nslots = 0;
    sq_pool tmp = {0};
    st_status prc = prepare_tree((sq_expr *)ex, &nslots, &tmp, e);
    if (prc != ST_OK) goto release;
    sq_ectx cx;
    memset(&cx, 0, sizeof cx);
    cx.sql = sql;
    cx.now_us = now_us;
    cx.nscratch = nslots;
    cx.scratch = calloc(nslots ? nslots : 1, sizeof *cx.scratch);
    if (!cx.scratch) {
        prc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto release;
    }
    sq_chunk ch;
    memset(&ch, 0, sizeof ch);
    ch.len = 1;
    ch.n = 1;
    sq_vec v;
    st_status rc = sq_eval(&cx, ex, &ch, NULL, 1, &v, e);
    if (rc == ST_OK) {
        sq_value_from_vec(v.v, 0, out);
        out->type = ex->type;
        if (st_type_is_string(ex->type) && !out->null && out->v.s.len) {
            char *p = st_arena_memdup(a, out->v.s.ptr, out->v.s.len);
            if (!p) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            out->v.s.ptr = p;
        }
    }
    free_scratch(cx.scratch, nslots);
    prc = rc;
release:
    for (uint32_t i = 0; i < tmp.n; i++) {
        sq_expr *k = tmp.items[i].p;
        sq_vec_free(k->cvec);
        k->cvec = NULL;
    }
    free(tmp.items);
    return prc;
}
