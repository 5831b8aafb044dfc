/*
 * sq_agg.c: hash aggregation (GROUP BY, DISTINCT, global aggregates).
 *
 * Each task (a unit of a table, a block range of a collection) aggregates
 * into its own partial: a hash table of group keys (sq_ht) plus one state
 * array per aggregate, indexed by group id.  Partials are merged into the
 * global one strictly in task order, so group order (first appearance) and
 * floating-point sums do not depend on how tasks were spread over threads.
 *
 * States:        count  int64          sum/avg of integers and decimals: a
 * 128-bit sum (never overflows for 64-bit inputs; 128-bit inputs are checked)
 * plus a count; sum/avg of floats: double; min/max/any_value: the value and
 * a "has" flag (strings copied into the partial's arena).
 *
 * DISTINCT aggregates keep a set of (group, value) pairs.  A partial only
 * fills its set; the global partial feeds a value into the aggregate's state
 * the first time the pair enters the global set, in task order, so
 * count(DISTINCT x) and sum(DISTINCT x) are exact and deterministic.
 *
 * Results follow DuckDB: count -> BIGINT; sum of integers -> DECIMAL(38,0)
 * (DuckDB's HUGEINT), of DECIMAL(p,s) -> DECIMAL(38,s), of floats -> DOUBLE;
 * avg -> DOUBLE (integers of up to 32 bits divide as doubles, wider sums as
 * long double, as DuckDB does); sum/avg/min/max of no rows are NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/sql/sql_int.h"

typedef struct aggstate {
    void *val;       /* per group: int64 count / i128 sum / double sum / value */
    int64_t *cnt;    /* per group: avg count */
    uint8_t *has;    /* per group: any non-NULL input seen */
    sq_ht set;       /* DISTINCT: (group, value) pairs */
    bool has_set;
} aggstate;

struct sq_aggpart {
    sq_ht ht;
    bool has_ht;
    uint32_t ngroups, cap;
    aggstate *st;
    uint32_t naggs;
    st_arena *strs;
    sq_mem *mem;
    uint64_t bytes;
    uint32_t pos;
    bool global; /* receives merges: feeds DISTINCT states */
};

static size_t val_width(const sq_aggdef *d) {
    switch (d->kind) {
    case AG_COUNT_STAR:
    case AG_COUNT: return 8;
    case AG_SUM:
    case AG_AVG: return d->in_type.id == ST_T_FLOAT || d->in_type.id == ST_T_DOUBLE ? 8 : 16;
    default: return st_type_width(d->in_type);
    }
}

static uint64_t part_bytes(const sq_aggop *op, const sq_aggpart *p) {
    uint64_t b = 0;
    for (uint32_t i = 0; i < op->naggs; i++) b += (uint64_t)p->cap * (val_width(&op->aggs[i]) + 9);
    b += st_arena_used(p->strs);
    return b;
}

static st_status account(const sq_aggop *op, sq_aggpart *p, st_error *e) {
    uint64_t now = part_bytes(op, p);
    if (now > p->bytes) ST_TRY(sq_mem_reserve(p->mem, now - p->bytes, "the hash aggregation", op->pos, e));
    else sq_mem_release(p->mem, p->bytes - now);
    p->bytes = now;
    return ST_OK;
}

static st_status grow(const sq_aggop *op, sq_aggpart *p, uint32_t need, st_error *e) {
    if (need <= p->cap) return ST_OK;
    uint32_t nc = p->cap ? p->cap : 16;
    while (nc < need) nc *= 2;
    for (uint32_t i = 0; i < op->naggs; i++) {
        aggstate *s = &p->st[i];
        size_t w = val_width(&op->aggs[i]);
        void *nv = realloc(s->val, (size_t)nc * w);
        if (!nv) return st_error_set(e, ST_ERR_NOMEM, "out of memory (aggregation)");
        memset((char *)nv + (size_t)p->cap * w, 0, (size_t)(nc - p->cap) * w);
        s->val = nv;
        int64_t *nct = realloc(s->cnt, (size_t)nc * 8);
        if (!nct) return st_error_set(e, ST_ERR_NOMEM, "out of memory (aggregation)");
        memset(nct + p->cap, 0, (size_t)(nc - p->cap) * 8);
        s->cnt = nct;
        uint8_t *nh = realloc(s->has, nc);
        if (!nh) return st_error_set(e, ST_ERR_NOMEM, "out of memory (aggregation)");
        memset(nh + p->cap, 0, nc - p->cap);
        s->has = nh;
    }
    p->cap = nc;
    return account(op, p, e);
}

sq_aggpart *sq_aggpart_new(const sq_aggop *op, sq_mem *mem, st_error *e) {
    sq_aggpart *p = calloc(1, sizeof *p);
    if (!p) {
        st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->mem = mem;
    p->pos = op->pos;
    p->naggs = op->naggs;
    p->st = calloc(op->naggs ? op->naggs : 1, sizeof *p->st);
    p->strs = st_arena_new(0);
    if (!p->st || !p->strs) goto fail;
    if (op->nkeys) {
        if (sq_ht_init(&p->ht, op->key_types, op->nkeys, mem, "the GROUP BY hash table", op->pos, e) != ST_OK)
            goto fail_set;
        p->has_ht = true;
    }
    for (uint32_t i = 0; i < op->naggs; i++) {
        if (!op->aggs[i].distinct) continue;
        st_type kt[2] = {st_type_make(ST_T_INT32), op->aggs[i].in_type};
        if (sq_ht_init(&p->st[i].set, kt, 2, mem, "a DISTINCT aggregate", op->aggs[i].pos, e) != ST_OK)
            goto fail_set;
        p->st[i].has_set = true;
    }
    if (!op->nkeys) {
        if (grow(op, p, 1, e) != ST_OK) goto fail_set;
        p->ngroups = 1;
    }
    return p;
fail:
    st_error_set(e, ST_ERR_NOMEM, "out of memory");
fail_set:
    sq_aggpart_free(p);
    return NULL;
}

void sq_aggpart_free(sq_aggpart *p) {
    if (!p) return;
    if (p->has_ht) sq_ht_free(&p->ht);
    if (p->st)
        for (uint32_t i = 0; i < p->naggs; i++) {
            free(p->st[i].val);
            free(p->st[i].cnt);
            free(p->st[i].has);
            if (p->st[i].has_set) sq_ht_free(&p->st[i].set);
        }
    free(p->st);
    st_arena_free(p->strs);
    sq_mem_release(p->mem, p->bytes);
    free(p);
}

/* ---- updates ------------------------------------------------------------ */

static int val_cmp(st_type t, const void *a, const void *b) {
    switch (sq_phys_of(t)) {
    case P_BOOL:
    case P_I8: { int8_t x = *(const int8_t *)a, y = *(const int8_t *)b; return (x > y) - (x < y); }
    case P_I16: { int16_t x = *(const int16_t *)a, y = *(const int16_t *)b; return (x > y) - (x < y); }
    case P_I32: { int32_t x = *(const int32_t *)a, y = *(const int32_t *)b; return (x > y) - (x < y); }
    case P_I64: { int64_t x = *(const int64_t *)a, y = *(const int64_t *)b; return (x > y) - (x < y); }
    case P_U64: { uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b; return (x > y) - (x < y); }
    case P_I128: { st_i128 x = *(const st_i128 *)a, y = *(const st_i128 *)b; return (x > y) - (x < y); }
    case P_F32:
    case P_F64: {
        double x = sq_phys_of(t) == P_F32 ? *(const float *)a : *(const double *)a;
        double y = sq_phys_of(t) == P_F32 ? *(const float *)b : *(const double *)b;
        bool xn = x != x, yn = y != y;
        if (xn || yn) return xn - yn; /* NaN is the largest */
        return (x > y) - (x < y);
    }
    case P_STR: {
        const st_str *x = a, *y = b;
        uint32_t m = x->len < y->len ? x->len : y->len;
        int c = m ? memcmp(x->ptr, y->ptr, m) : 0;
        if (c) return c;
        return (x->len > y->len) - (x->len < y->len);
    }
    }
    return 0;
}

/* feed value v (in_type) for group g into state s (non-DISTINCT path) */
static st_status feed_one(sq_aggpart *p, const sq_aggdef *d, aggstate *s, uint32_t g,
                          const void *v, st_error *e) {
    switch (d->kind) {
    case AG_COUNT: ((int64_t *)s->val)[g]++; return ST_OK;
    case AG_SUM:
    case AG_AVG:
        if (d->in_type.id == ST_T_FLOAT) ((double *)s->val)[g] += *(const float *)v;
        else if (d->in_type.id == ST_T_DOUBLE) ((double *)s->val)[g] += *(const double *)v;
        else {
            st_i128 x;
            st_value_as_i128(d->in_type, v, &x);
            st_i128 *acc = (st_i128 *)s->val + g;
            if (__builtin_add_overflow(*acc, x, acc))
                return st_error_set(e, ST_ERR_INVALID, "overflow in %s()", d->name);
        }
        s->cnt[g]++;
        s->has[g] = 1;
        return ST_OK;
    case AG_MIN:
    case AG_MAX:
    case AG_FIRST: {
        size_t w = st_type_width(d->in_type);
        void *slot = (char *)s->val + (size_t)g * w;
        bool take = !s->has[g];
        if (!take && d->kind != AG_FIRST) {
            int c = val_cmp(d->in_type, v, slot);
            take = d->kind == AG_MIN ? c < 0 : c > 0;
        }
        if (!take) return ST_OK;
        if (st_type_is_string(d->in_type)) {
            const st_str *sv = v;
            st_str copy = *sv;
            if (sv->len) {
                char *q = st_arena_memdup(p->strs, sv->ptr, sv->len);
                if (!q) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                copy.ptr = q;
            }
            memcpy(slot, &copy, sizeof copy);
        } else {
            memcpy(slot, v, w);
        }
        s->has[g] = 1;
        return ST_OK;
    }
    default: return ST_OK;
    }
}

/* typed fast loops for the common aggregates */
#define SUM_LOOP(T, ACC_T, ACC)                                               \
    do {                                                                      \
        const T *d = (const T *)a.v->data;                                    \
        ACC_T *acc = (ACC_T *)s->val;                                         \
        for (uint32_t k = 0; k < n; k++) {                                    \
            uint32_t r = sel ? sel[k] : k;                                    \
            uint32_t i = a.c ? 0 : r;                                         \
            if (nulls && sq_isnull(a.v, i)) continue;                         \
            uint32_t g = gids[k];                                             \
            ACC;                                                              \
            s->cnt[g]++;                                                      \
            s->has[g] = 1;                                                    \
        }                                                                     \
    } while (0)

static st_status update_agg(const sq_aggop *op, sq_aggpart *p, uint32_t ai, sq_ectx *cx,
                            const sq_chunk *in, const uint32_t *gids, st_error *e) {
    const sq_aggdef *d = &op->aggs[ai];
    aggstate *s = &p->st[ai];
    const uint32_t *sel = in->sel;
    uint32_t n = in->n;
    if (d->kind == AG_COUNT_STAR) {
        int64_t *c = s->val;
        for (uint32_t k = 0; k < n; k++) c[gids[k]]++;
        return ST_OK;
    }
    sq_vec a;
    ST_TRY(sq_eval(cx, d->arg, in, sel, n, &a, e));
    bool nulls = a.v->validity != NULL;
    if (d->distinct) {
        /* insert (group, value) pairs of non-NULL rows */
        static __thread int32_t gbuf[SQ_CHUNK];
        static __thread uint32_t rows[SQ_CHUNK];
        static __thread uint64_t hs[SQ_CHUNK];
        static __thread uint32_t out[SQ_CHUNK];
        st_vector gv;
        memset(&gv, 0, sizeof gv);
        gv.type = st_type_make(ST_T_INT32);
        gv.data = gbuf;
        gv.cap = gv.len = in->len;
        uint32_t m = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            if (sq_isnull(a.v, a.c ? 0 : r)) continue;
            gbuf[r] = (int32_t)gids[k];
            rows[m++] = r;
        }
        if (!m) return ST_OK;
        st_vector *mat = NULL, *valcol = a.v;
        if (a.c) {
            /* a constant argument: materialize it at the rows' positions */
            mat = sq_vec_new(a.v->type, in->len ? in->len : 1);
            if (!mat) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            for (uint32_t k = 0; k < m; k++) {
                st_status rc = sq_vec_copy_row(mat, rows[k], a.v, 0, e);
                if (rc != ST_OK) {
                    sq_vec_free(mat);
                    return rc;
                }
            }
            mat->len = in->len;
            valcol = mat;
        }
        st_vector *cols[2] = {&gv, valcol};
        sq_ht_hash(&s->set, cols, rows, m, hs);
        st_status rc = sq_ht_upsert(&s->set, cols, rows, m, hs, out, e);
        sq_vec_free(mat);
        return rc;
    }
    switch (d->kind) {
    case AG_COUNT: {
        int64_t *c = s->val;
        if (!nulls) {
            for (uint32_t k = 0; k < n; k++) c[gids[k]]++;
        } else {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = sel ? sel[k] : k;
                c[gids[k]] += !sq_isnull(a.v, a.c ? 0 : r);
            }
        }
        return ST_OK;
    }
    case AG_SUM:
    case AG_AVG:
        switch (d->in_type.id) {
        case ST_T_INT8: SUM_LOOP(int8_t, st_i128, acc[g] += d[i]); return ST_OK;
        case ST_T_INT16: SUM_LOOP(int16_t, st_i128, acc[g] += d[i]); return ST_OK;
        case ST_T_INT32: SUM_LOOP(int32_t, st_i128, acc[g] += d[i]); return ST_OK;
        case ST_T_INT64: SUM_LOOP(int64_t, st_i128, acc[g] += d[i]); return ST_OK;
        case ST_T_UINT64: SUM_LOOP(uint64_t, st_i128, acc[g] += d[i]); return ST_OK;
        case ST_T_FLOAT: SUM_LOOP(float, double, acc[g] += d[i]); return ST_OK;
        case ST_T_DOUBLE: SUM_LOOP(double, double, acc[g] += d[i]); return ST_OK;
        case ST_T_DECIMAL:
            if (d->in_type.precision <= 18) {
                SUM_LOOP(int64_t, st_i128, acc[g] += d[i]);
                return ST_OK;
            } else {
                /* 128-bit inputs: check overflow (DuckDB fails on it too) */
                int bad = 0;
                SUM_LOOP(st_i128, st_i128, bad |= __builtin_add_overflow(acc[g], d[i], &acc[g]));
                if (bad) return sq_err_at(e, ST_ERR_INVALID, cx->sql, d->pos, "overflow in %s()", d->name);
                return ST_OK;
            }
        default: break;
        }
        /* fall through: the checked 128-bit path */
        __attribute__((fallthrough));
    default:
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            uint32_t i = a.c ? 0 : r;
            if (sq_isnull(a.v, i)) continue;
            st_status rc = feed_one(p, d, s, gids[k], st_vector_at(a.v, i), e);
            if (rc != ST_OK) return sq_err_locate(e, cx->sql, d->pos);
        }
        return ST_OK;
    }
}

st_status sq_aggpart_update(const sq_aggop *op, sq_aggpart *p, sq_ectx *cx, const sq_chunk *in,
                            st_error *e) {
    static __thread uint32_t gids[SQ_CHUNK];
    static __thread uint64_t hashes[SQ_CHUNK];
    if (in->n == 0) return ST_OK;
    if (op->nkeys) {
        st_vector *kv[64], *tmp[64];
        uint32_t ntmp = 0;
        if (op->nkeys > 64) return st_error_set(e, ST_ERR_UNSUPPORTED, "more than 64 GROUP BY keys");
        for (uint32_t i = 0; i < op->nkeys; i++) {
            sq_vec v;
            ST_TRY(sq_eval(cx, op->keys[i], in, in->sel, in->n, &v, e));
            kv[i] = v.v;
            if (v.c) {
                /* a constant key: materialize it at the rows' positions */
                st_vector *m = sq_vec_new(v.v->type, in->len ? in->len : 1);
                if (!m) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                tmp[ntmp++] = m;
                for (uint32_t k = 0; k < in->n; k++) {
                    uint32_t r = in->sel ? in->sel[k] : k;
                    st_status rc = sq_vec_copy_row(m, r, v.v, 0, e);
                    if (rc != ST_OK) {
                        for (uint32_t q = 0; q < ntmp; q++) sq_vec_free(tmp[q]);
                        return rc;
                    }
                }
                m->len = in->len;
                kv[i] = m;
            }
        }
        sq_ht_hash(&p->ht, kv, in->sel, in->n, hashes);
        st_status urc = sq_ht_upsert(&p->ht, kv, in->sel, in->n, hashes, gids, e);
        for (uint32_t q = 0; q < ntmp; q++) sq_vec_free(tmp[q]);
        ST_TRY(urc);
        p->ngroups = p->ht.ngroups;
        ST_TRY(grow(op, p, p->ngroups, e));
    } else {
        memset(gids, 0, in->n * sizeof *gids);
    }
    for (uint32_t i = 0; i < op->naggs; i++) ST_TRY(update_agg(op, p, i, cx, in, gids, e));
    if ((p->ngroups & 1023) == 0 || st_arena_used(p->strs) > p->bytes) ST_TRY(account(op, p, e));
    return ST_OK;
}

/* ---- merge -------------------------------------------------------------- */

static st_status merge_state(const sq_aggdef *d, sq_aggpart *dp, aggstate *ds, uint32_t dg,
                             const aggstate *ss, uint32_t sg, st_error *e) {
    switch (d->kind) {
    case AG_COUNT_STAR:
    case AG_COUNT: ((int64_t *)ds->val)[dg] += ((const int64_t *)ss->val)[sg]; return ST_OK;
    case AG_SUM:
    case AG_AVG:
        if (!ss->has[sg]) return ST_OK;
        if (d->in_type.id == ST_T_FLOAT || d->in_type.id == ST_T_DOUBLE) {
            ((double *)ds->val)[dg] += ((const double *)ss->val)[sg];
        } else {
            st_i128 *acc = (st_i128 *)ds->val + dg;
            if (__builtin_add_overflow(*acc, ((const st_i128 *)ss->val)[sg], acc))
                return st_error_set(e, ST_ERR_INVALID, "overflow in %s()", d->name);
        }
        ds->cnt[dg] += ss->cnt[sg];
        ds->has[dg] = 1;
        return ST_OK;
    default:
        if (!ss->has[sg]) return ST_OK;
        return feed_one(dp, d, ds, dg, (const char *)ss->val + (size_t)sg * st_type_width(d->in_type), e);
    }
}

st_status sq_aggpart_merge(const sq_aggop *op, sq_aggpart *dst, sq_aggpart *src, sq_ectx *cx,
                           st_error *e) {
    (void)cx;
    uint32_t *map = malloc((src->ngroups ? src->ngroups : 1) * sizeof *map);
    uint64_t *h = malloc(SQ_CHUNK * sizeof *h);
    uint32_t *sel = malloc(SQ_CHUNK * sizeof *sel);
    st_status rc = ST_OK;
    if (!map || !h || !sel) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    if (op->nkeys) {
        for (uint32_t off = 0; off < src->ngroups; off += SQ_CHUNK) {
            uint32_t cnt = src->ngroups - off < SQ_CHUNK ? src->ngroups - off : SQ_CHUNK;
            for (uint32_t k = 0; k < cnt; k++) sel[k] = off + k;
            sq_ht_hash(&dst->ht, src->ht.keys, sel, cnt, h);
            ST_CHECK(rc, sq_ht_upsert(&dst->ht, src->ht.keys, sel, cnt, h, map + off, e));
        }
        dst->ngroups = dst->ht.ngroups;
        ST_CHECK(rc, grow(op, dst, dst->ngroups, e));
    } else {
        map[0] = 0;
    }
    for (uint32_t i = 0; i < op->naggs; i++) {
        const sq_aggdef *d = &op->aggs[i];
        aggstate *ds = &dst->st[i], *ss = &src->st[i];
        if (d->distinct) {
            /* pairs new to dst feed dst's state */
            sq_ht *set = &ss->set;
            st_vector *gcol = set->keys[0];
            int32_t *gd = gcol->data;
            /* rewrite group ids into dst's numbering, in a copy */
            st_vector *mg = sq_vec_new(st_type_make(ST_T_INT32), set->ngroups ? set->ngroups : 1);
            if (!mg) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
            for (uint32_t k = 0; k < set->ngroups; k++) ((int32_t *)mg->data)[k] = (int32_t)map[gd[k]];
            mg->len = set->ngroups;
            st_vector *cols[2] = {mg, set->keys[1]};
            uint32_t *gids = malloc(SQ_CHUNK * sizeof *gids);
            if (!gids) {
                sq_vec_free(mg);
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
            for (uint32_t off = 0; off < set->ngroups && rc == ST_OK; off += SQ_CHUNK) {
                uint32_t cnt = set->ngroups - off < SQ_CHUNK ? set->ngroups - off : SQ_CHUNK;
                for (uint32_t k = 0; k < cnt; k++) sel[k] = off + k;
                uint32_t before = ds->set.ngroups;
                sq_ht_hash(&ds->set, cols, sel, cnt, h);
                rc = sq_ht_upsert(&ds->set, cols, sel, cnt, h, gids, e);
                if (rc != ST_OK) break;
                if (!dst->global) continue;
                for (uint32_t k = 0; k < cnt && rc == ST_OK; k++) {
                    /* the source is a set: a pair new to dst appears once */
                    if (gids[k] < before) continue;
                    uint32_t row = off + k;
                    rc = feed_one(dst, d, ds, map[gd[row]], st_vector_at(set->keys[1], row), e);
                }
            }
            free(gids);
            sq_vec_free(mg);
            if (rc != ST_OK) goto cleanup;
            continue;
        }
        for (uint32_t g = 0; g < src->ngroups; g++) {
            ST_CHECK(rc, merge_state(d, dst, ds, map[g], ss, g, e));
        }
    }
    rc = account(op, dst, e);
cleanup:
    if (rc != ST_OK && e && e->code != ST_ERR_LIMIT && e->code != ST_ERR_NOMEM)
        sq_err_locate(e, cx ? cx->sql : NULL, op->pos);
    free(map);
    free(h);
    free(sel);
    return rc;
}

/* ---- results ------------------------------------------------------------ */

static void finish_value(const sq_aggdef *d, const aggstate *s, uint32_t g, st_vector *out,
                         uint32_t row, bool *isnull) {
    *isnull = false;
    switch (d->kind) {
    case AG_COUNT_STAR:
    case AG_COUNT: ((int64_t *)out->data)[row] = ((const int64_t *)s->val)[g]; return;
    case AG_SUM:
        if (!s->has[g]) {
            *isnull = true;
            return;
        }
        if (d->type.id == ST_T_DOUBLE) ((double *)out->data)[row] = ((const double *)s->val)[g];
        else ((st_i128 *)out->data)[row] = ((const st_i128 *)s->val)[g];
        return;
    case AG_AVG: {
        if (!s->has[g]) {
            *isnull = true;
            return;
        }
        double res;
        int64_t c = s->cnt[g];
        st_type t = d->in_type;
        if (t.id == ST_T_FLOAT || t.id == ST_T_DOUBLE) {
            res = ((const double *)s->val)[g] / (double)c;
        } else if (t.id == ST_T_INT8 || t.id == ST_T_INT16 || t.id == ST_T_INT32) {
            res = (double)(int64_t)((const st_i128 *)s->val)[g] / (double)c;
        } else {
            long double div = (long double)c;
            if (t.id == ST_T_DECIMAL) div *= (long double)(double)st_pow10_i128(t.scale);
            res = (double)((long double)((const st_i128 *)s->val)[g] / div);
        }
        ((double *)out->data)[row] = res;
        return;
    }
    default: {
        if (!s->has[g]) {
            *isnull = true;
            return;
        }
        size_t w = st_type_width(d->in_type);
        memcpy((char *)out->data + (size_t)row * w, (const char *)s->val + (size_t)g * w, w);
        return;
    }
    }
}

st_status sq_aggpart_finish(const sq_aggop *op, sq_aggpart *p, sq_mem *mem, sq_coll **out,
                            st_error *e) {
    uint32_t nc = op->nkeys + op->naggs;
    st_type *types = malloc((nc ? nc : 1) * sizeof *types);
    if (!types) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < op->nkeys; i++) types[i] = op->key_types[i];
    for (uint32_t i = 0; i < op->naggs; i++) types[op->nkeys + i] = op->aggs[i].type;
    sq_coll *c = sq_coll_new(types, nc, mem, "the aggregation result", op->pos);
    st_vector **vals = calloc(nc ? nc : 1, sizeof *vals);
    st_status rc = ST_OK;
    if (!c || !vals) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < op->naggs; i++) {
        vals[op->nkeys + i] = sq_vec_new(op->aggs[i].type, SQ_CHUNK);
        if (!vals[op->nkeys + i]) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    for (uint32_t off = 0; off < p->ngroups; off += SQ_CHUNK) {
        uint32_t cnt = p->ngroups - off < SQ_CHUNK ? p->ngroups - off : SQ_CHUNK;
        st_vector views[64];
        st_vector *cols[128];
        if (op->nkeys > 64 || nc > 128) {
            rc = st_error_set(e, ST_ERR_UNSUPPORTED, "too many columns in an aggregation");
            goto done;
        }
        for (uint32_t i = 0; i < op->nkeys; i++) {
            const st_vector *kv = p->ht.keys[i];
            views[i] = *kv;
            views[i].data = (char *)kv->data + (size_t)off * st_type_width(kv->type);
            views[i].validity = kv->validity ? kv->validity + off / 64 : NULL;
            views[i].len = cnt;
            cols[i] = &views[i];
        }
        for (uint32_t i = 0; i < op->naggs; i++) {
            st_vector *v = vals[op->nkeys + i];
            sq_vec_clear(v);
            v->len = cnt;
            for (uint32_t k = 0; k < cnt; k++) {
                bool isnull;
                finish_value(&op->aggs[i], &p->st[i], off + k, v, k, &isnull);
                if (isnull) {
                    uint64_t *vb = sq_vec_validity(v);
                    if (!vb) {
                        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                        goto done;
                    }
                    sq_setnull(vb, k);
                    memset((char *)v->data + (size_t)k * st_type_width(v->type), 0, st_type_width(v->type));
                }
            }
            cols[op->nkeys + i] = v;
        }
        sq_chunk ch = {nc, cols, cnt, NULL, cnt};
        ST_CHECK(rc, sq_coll_append(c, &ch, e));
    }
done:
cleanup:
    if (vals)
        for (uint32_t i = 0; i < nc; i++) sq_vec_free(vals[i]);
    free(vals);
    free(types);
    if (rc != ST_OK) {
        sq_coll_free(c);
        return rc;
    }
    *out = c;
    return ST_OK;
}

void sq_aggpart_set_global(sq_aggpart *p) { p->global = true; }
