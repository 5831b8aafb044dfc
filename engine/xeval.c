/*
 * xeval.c: the transform evaluator (see xeval_int.h).
 */
#include "engine/xeval_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/vcast.h"
#include "format/valtext.h"

const char *const xeval_code_names[XEVAL_NCODES] = {"bad_value", "unmapped", "no_match", "overflow",
                                                    "null_not_allowed", "below_min", "above_max", "not_allowed",
                                                    "regex_mismatch", "too_long", "too_short", "check_failed"};

static int code_index(const char *c) {
    for (int i = 0; i < XEVAL_NCODES; i++)
        if (!strcmp(xeval_code_names[i], c)) return i;
    return 0;
}

void xeval_free(xeval *x) {
    if (!x) return;
    const st_xspec *sp = x->sp;
    for (uint32_t i = 0; i < sp->nnodes; i++) {
        if (x->owned[i]) st_vector_free(x->vals[i]);
        if (x->stepv[i])
            for (uint32_t k = 0; k < sp->nodes[i].nsteps; k++) st_vector_free(x->stepv[i][k]);
        free(x->stepv[i]);
        st_vector_free(x->castv[i]);
        free(x->fail[i]);
    }
    for (uint32_t r = 0; r < sp->nrules; r++) free(x->pass[r]);
    free(x->vals);
    free(x->owned);
    free(x->stepv);
    free(x->castv);
    free(x->fail);
    free(x->pass);
    free(x->valid);
    free(x->tmpfail);
    free(x);
}

st_status xeval_new(const st_xspec *sp, xeval **out, st_error *e) {
    *out = NULL;
    xeval *x = calloc(1, sizeof *x);
    if (!x) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    x->sp = sp;
    uint32_t nn = sp->nnodes ? sp->nnodes : 1;
    x->vals = calloc(nn, sizeof *x->vals);
    x->owned = calloc(nn, sizeof *x->owned);
    x->stepv = calloc(nn, sizeof *x->stepv);
    x->castv = calloc(nn, sizeof *x->castv);
    x->fail = calloc(nn, sizeof *x->fail);
    x->pass = calloc(sp->nrules + 1, sizeof *x->pass);
    if (!x->vals || !x->owned || !x->stepv || !x->castv || !x->fail || !x->pass) goto oom;
    for (uint32_t i = 0; i < sp->nnodes; i++) {
        const xnode *nd = &sp->nodes[i];
        if (nd->kind == XN_SRC) continue;
        if (nd->kind == XN_COL) {
            if (nd->nsteps) {
                if (!(x->stepv[i] = calloc(nd->nsteps, sizeof *x->stepv[i]))) goto oom;
                for (uint32_t k = 0; k < nd->nsteps; k++)
                    if (!(x->stepv[i][k] = st_vector_new(st_stdz_out_type(nd->steps[k]), ST_VECTOR_SIZE))) goto oom;
            }
            if (nd->has_cast && !(x->castv[i] = st_vector_new(nd->type, ST_VECTOR_SIZE))) goto oom;
            continue; /* a column's value is its last step's or cast's vector */
        }
        if (!(x->vals[i] = st_vector_new(nd->type, ST_VECTOR_SIZE))) goto oom;
        x->owned[i] = true;
    }
    *out = x;
    return ST_OK;
oom:
    xeval_free(x);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory");
}

static st_status ensure_words(xeval *x, uint32_t words, st_error *e) {
    if (words <= x->wcap) return ST_OK;
    const st_xspec *sp = x->sp;
    uint32_t cap = words + 16;
    for (uint32_t i = 0; i < sp->nnodes; i++) {
        if (!sp->nodes[i].can_fail) continue;
        uint64_t *n = realloc(x->fail[i], cap * 8);
        if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        x->fail[i] = n;
    }
    for (uint32_t r = 0; r < sp->nrules; r++) {
        uint64_t *n = realloc(x->pass[r], cap * 8);
        if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        x->pass[r] = n;
    }
    uint64_t *v = realloc(x->valid, cap * 8), *t = v ? realloc(x->tmpfail, cap * 8) : NULL;
    if (v) x->valid = v;
    if (!v || !t) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    x->tmpfail = t;
    x->wcap = cap;
    return ST_OK;
}

/* ---- nodes ---------------------------------------------------------------------------- */

static inline void set_bit(uint64_t *b, uint32_t i) { b[i >> 6] |= UINT64_C(1) << (i & 63); }
static inline bool get_bit(const uint64_t *b, uint32_t i) { return (b[i >> 6] >> (i & 63)) & 1; }

static st_status fill_const(st_vector *v, const uint8_t *lit, uint32_t n, st_error *e) {
    st_vector_reset(v);
    ST_TRY(st_vector_reserve(v, n ? n : 1, e));
    size_t w = st_type_width(v->type);
    for (uint32_t i = 0; i < n; i++) memcpy((char *)v->data + (size_t)i * w, lit, w);
    v->len = n;
    return ST_OK;
}

static st_status gather(st_vector *out, const st_vector *from, const int64_t *rows, uint32_t n, st_error *e) {
    st_vector_reset(out);
    ST_TRY(st_vector_reserve(out, n ? n : 1, e));
    uint64_t *val = st_vector_validity(out);
    if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    size_t w = st_type_width(out->type);
    for (uint32_t i = 0; i < n; i++) {
        void *dst = (char *)out->data + (size_t)i * w;
        if (rows[i] < 0 || st_vector_is_null(from, (uint32_t)rows[i])) {
            memset(dst, 0, w);
            val[i >> 6] &= ~(UINT64_C(1) << (i & 63));
        } else {
            memcpy(dst, st_vector_at(from, (uint32_t)rows[i]), w); /* strings: the reference table's bytes */
            val[i >> 6] |= UINT64_C(1) << (i & 63);
        }
    }
    out->len = n;
    return ST_OK;
}

/* exact arithmetic on scaled integers, or doubles */
static st_status eval_expr(xeval *x, uint32_t ni, uint32_t n, st_error *e) {
    const xnode *nd = &x->sp->nodes[ni];
    st_vector *out = x->vals[ni];
    uint64_t *fail = x->fail[ni];
    st_vector_reset(out);
    ST_TRY(st_vector_reserve(out, n ? n : 1, e));
    uint64_t *val = st_vector_validity(out);
    if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    memset(val, 0, ((size_t)n + 63) / 64 * 8);
    size_t w = st_type_width(out->type);
    memset(out->data, 0, (size_t)n * w);
    out->len = n;
    if (nd->op == XE_COALESCE) {
        st_arena *tmp = st_arena_new(0);
        if (!tmp) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++) {
            for (uint32_t a = 0; a < nd->nargs; a++) {
                const st_vector *v = x->vals[nd->args[a]];
                if (st_vector_is_null(v, i)) continue;
                void *dst = (char *)out->data + (size_t)i * w;
                if (st_type_eq(v->type, out->type) && !st_type_is_string(v->type)) {
                    memcpy(dst, st_vector_at(v, i), w);
                } else {
                    st_arena_reset(tmp);
                    if (st_cast_value(v->type, st_vector_at(v, i), out->type, dst, tmp, NULL)) {
                        set_bit(fail, i);
                        break;
                    }
                    if (st_type_is_string(out->type)) {
                        st_str *s = dst;
                        char *c = st_vector_str_alloc(out, s->len);
                        if (!c && s->len) {
                            st_arena_free(tmp);
                            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                        }
                        if (s->len) memcpy(c, s->ptr, s->len);
                        s->ptr = c ? c : "";
                    }
                }
                set_bit(val, i);
                break;
            }
        }
        st_arena_free(tmp);
        return ST_OK;
    }
    const st_vector *a = x->vals[nd->args[0]], *b = x->vals[nd->args[1]];
    bool dbl = out->type.id == ST_T_DOUBLE;
    for (uint32_t i = 0; i < n; i++) {
        if (st_vector_is_null(a, i) || st_vector_is_null(b, i)) continue;
        if (dbl) {
            double p = st_value_double(a->type, st_vector_at(a, i)), q = st_value_double(b->type, st_vector_at(b, i)), r;
            switch (nd->op) {
            case XE_MUL: r = p * q; break;
            case XE_ADD: r = p + q; break;
            case XE_SUB: r = p - q; break;
            default:
                if (q == 0) {
                    set_bit(fail, i);
                    continue;
                }
                r = p / q;
            }
            ST_VEC(out, double)[i] = r;
            set_bit(val, i);
            continue;
        }
        st_i128 p, q, r;
        int sa, sb;
        st_value_exact(a->type, st_vector_at(a, i), &p, &sa);
        st_value_exact(b->type, st_vector_at(b, i), &q, &sb);
        bool ok = true;
        if (nd->op == XE_MUL) {
            ok = !__builtin_mul_overflow(p, q, &r);
            if (ok && sa + sb > out->type.scale) ok = st_rescale(r, sa + sb, out->type.scale, &r);
        } else {
            int s = out->type.scale;
            ok = st_rescale(p, sa, s, &p) && st_rescale(q, sb, s, &q);
            if (ok) ok = nd->op == XE_ADD ? !__builtin_add_overflow(p, q, &r) : !__builtin_sub_overflow(p, q, &r);
        }
        st_i128 lim = st_pow10_i128(38);
        if (!ok || r >= lim || r <= -lim) {
            set_bit(fail, i);
            continue;
        }
        memcpy((char *)out->data + (size_t)i * 16, &r, 16);
        set_bit(val, i);
    }
    return ST_OK;
}

static st_status eval_node(xeval *x, uint32_t ni, st_vector *const *src, uint32_t n, const xlk_data *lks, st_error *e) {
    const st_xspec *sp = x->sp;
    const xnode *nd = &sp->nodes[ni];
    if (nd->can_fail) memset(x->fail[ni], 0, (size_t)x->words * 8);
    switch (nd->kind) {
    case XN_SRC:
        x->vals[ni] = src[nd->src_col];
        return ST_OK;
    case XN_LIT: return fill_const(x->vals[ni], nd->lit, n, e);
    case XN_COL: {
        st_vector *v = x->vals[nd->in];
        for (uint32_t k = 0; k < nd->nsteps; k++) {
            ST_TRY(st_stdz_apply(nd->steps[k], v, x->stepv[ni][k], nd->can_fail ? x->fail[ni] : x->tmpfail, e));
            v = x->stepv[ni][k];
        }
        if (nd->has_cast) {
            ST_TRY(st_cast_vector(v, nd->type, x->castv[ni], nd->can_fail ? x->fail[ni] : x->tmpfail, e));
            v = x->castv[ni];
        }
        x->vals[ni] = v;
        return ST_OK;
    }
    case XN_CAST: {
        memset(x->tmpfail, 0, (size_t)x->words * 8);
        return st_cast_vector(x->vals[nd->in], nd->type, x->vals[ni], x->tmpfail, e);
    }
    case XN_EXPR: return eval_expr(x, ni, n, e);
    case XN_LOOKUP: {
        const xlookup *lk = &sp->lookups[nd->lookup];
        st_vector *keys[16], *cont[16];
        for (uint32_t i = 0; i < lk->nkeys; i++) keys[i] = x->vals[lk->keys[i]];
        for (uint32_t i = 0; i < lk->ncontains; i++) cont[i] = x->vals[lk->cont[i]];
        st_vector *out = x->vals[ni];
        st_vector_reset(out);
        ST_TRY(st_vector_reserve(out, n ? n : 1, e));
        out->len = n;
        int64_t *m = out->data;
        ST_TRY(st_lookup_probe(lks[nd->lookup].lk, keys, cont, n, m, e));
        uint64_t *val = st_vector_validity(out);
        if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++) {
            if (m[i] >= 0) continue;
            val[i >> 6] &= ~(UINT64_C(1) << (i & 63));
            if (nd->can_fail) set_bit(x->fail[ni], i);
        }
        return ST_OK;
    }
    case XN_LKCOL: {
        const st_vector *mv = x->vals[nd->in];
        return gather(x->vals[ni], lks[nd->lookup].cols[nd->lk_col], mv->data, n, e);
    }
    }
    return ST_OK;
}

/* ---- rules ------------------------------------------------------------------------------ */

/* bits of a word where cond(j) holds, for rows base..base+m */
#define WORD_LOOP(pass, n, EXPR)                                                   \
    for (uint32_t w = 0; w < ((n) + 63) / 64; w++) {                               \
        uint32_t base = w * 64, m = (n) - base < 64 ? (n) - base : 64;             \
        uint64_t bits = 0;                                                         \
        for (uint32_t j = 0; j < m; j++) {                                         \
            uint32_t i = base + j;                                                 \
            bits |= (uint64_t)(EXPR) << j;                                         \
        }                                                                          \
        (pass)[w] = bits;                                                          \
    }

static int cmp_text(const st_str *s, const char *t) {
    size_t tl = strlen(t), m = s->len < tl ? s->len : tl;
    int c = m ? memcmp(s->ptr, t, m) : 0;
    return c ? c : (s->len < tl ? -1 : s->len > tl);
}

static void rule_minmax(const xrule *r, const st_vector *v, uint32_t n, uint64_t *pass) {
    bool mn = r->kind == XR_MIN;
    switch ((st_type_id)v->type.id) {
    case ST_T_INT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS:
    case ST_T_DECIMAL:
        if (v->type.id == ST_T_DECIMAL && st_decimal_is_wide(v->type)) {
            st_i128 b, *d = v->data;
            memcpy(&b, r->bound, 16);
            if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        } else {
            int64_t b, *d = v->data;
            memcpy(&b, r->bound, 8);
            if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        }
        break;
    case ST_T_UINT64: {
        uint64_t b, *d = v->data;
        memcpy(&b, r->bound, 8);
        if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        break;
    }
    case ST_T_INT32:
    case ST_T_DATE: {
        int32_t b, *d = v->data;
        memcpy(&b, r->bound, 4);
        if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        break;
    }
    case ST_T_INT16: {
        int16_t b, *d = v->data;
        memcpy(&b, r->bound, 2);
        if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        break;
    }
    case ST_T_INT8: {
        int8_t b, *d = v->data;
        memcpy(&b, r->bound, 1);
        if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        break;
    }
    case ST_T_DOUBLE: {
        double b, *d = v->data;
        memcpy(&b, r->bound, 8);
        if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        break;
    }
    case ST_T_FLOAT: {
        float b, *d = v->data;
        memcpy(&b, r->bound, 4);
        if (mn) WORD_LOOP(pass, n, d[i] >= b) else WORD_LOOP(pass, n, d[i] <= b)
        break;
    }
    case ST_T_VARCHAR: {
        const st_str *d = v->data;
        if (mn) WORD_LOOP(pass, n, cmp_text(&d[i], r->bound_text) >= 0)
        else WORD_LOOP(pass, n, cmp_text(&d[i], r->bound_text) <= 0)
        break;
    }
    default: memset(pass, 0xff, ((size_t)n + 63) / 64 * 8); break;
    }
}

static uint32_t codepoints(const st_str *s) {
    uint32_t c = 0;
    for (uint32_t i = 0; i < s->len; i++) c += ((unsigned char)s->ptr[i] & 0xC0) != 0x80;
    return c;
}

static bool allowed_has(const xrule *r, const st_vector *v, uint32_t i) {
    if (st_type_is_string(v->type)) {
        const st_str *s = &ST_VEC(v, st_str)[i];
        for (uint32_t k = 0; k < r->nallowed; k++)
            if (strlen(r->allowed[k]) == s->len && !memcmp(r->allowed[k], s->ptr, s->len)) return true;
        return false;
    }
    size_t w = st_type_width(v->type);
    for (uint32_t k = 0; k < r->nallowed; k++)
        if (!memcmp(r->allowed_v + k * w, st_vector_at(v, i), w)) return true;
    return false;
}

static bool regex_ok(const xrule *r, const st_str *s) {
    char stack[256], *buf = s->len < sizeof stack ? stack : malloc((size_t)s->len + 1);
    if (!buf) return false;
    memcpy(buf, s->ptr, s->len);
    buf[s->len] = '\0';
    bool ok = regexec(&r->re, buf, 0, NULL, 0) == 0;
    if (buf != stack) free(buf);
    return ok;
}

/* -1, 0, 1; INT_MIN when not comparable (never for compiled rules) */
static int compare_values(const st_vector *a, uint32_t i, const st_vector *b, uint32_t j) {
    st_type ta = a->type, tb = b->type;
    const void *pa = st_vector_at(a, i), *pb = st_vector_at(b, j);
    if (st_type_is_string(ta)) {
        const st_str *x = pa, *y = pb;
        size_t m = x->len < y->len ? x->len : y->len;
        int c = m ? memcmp(x->ptr, y->ptr, m) : 0;
        return c ? (c < 0 ? -1 : 1) : (x->len < y->len ? -1 : x->len > y->len);
    }
    if (ta.id == ST_T_BOOLEAN) {
        uint8_t x = *(const uint8_t *)pa, y = *(const uint8_t *)pb;
        return x < y ? -1 : x > y;
    }
    if (st_type_is_temporal(ta)) {
        int64_t x, y;
        if (ta.id == ST_T_DATE) x = (int64_t) * (const int32_t *)pa * ST_USEC_PER_DAY;
        else if (ta.id == ST_T_TIMESTAMP_NS) x = st_floordiv(*(const int64_t *)pa, 1000);
        else x = *(const int64_t *)pa;
        if (tb.id == ST_T_DATE) y = (int64_t) * (const int32_t *)pb * ST_USEC_PER_DAY;
        else if (tb.id == ST_T_TIMESTAMP_NS) y = st_floordiv(*(const int64_t *)pb, 1000);
        else y = *(const int64_t *)pb;
        return x < y ? -1 : x > y;
    }
    st_i128 x, y;
    int sx, sy;
    if (st_value_exact(ta, pa, &x, &sx) && st_value_exact(tb, pb, &y, &sy)) {
        int s = sx > sy ? sx : sy;
        if (st_rescale(x, sx, s, &x) && st_rescale(y, sy, s, &y)) return x < y ? -1 : x > y;
    }
    double dx = st_value_double(ta, pa), dy = st_value_double(tb, pb);
    return dx < dy ? -1 : dx > dy ? 1 : dx == dy ? 0 : 2; /* NaN: not comparable -> fails */
}

static bool cmp_holds(xcmp op, int c) {
    if (c == 2) return false;
    switch (op) {
    case XC_LT: return c < 0;
    case XC_LE: return c <= 0;
    case XC_EQ: return c == 0;
    case XC_NE: return c != 0;
    case XC_GT: return c > 0;
    default: return c >= 0;
    }
}

static void eval_rule(xeval *x, uint32_t ri, uint32_t n) {
    const xrule *r = &x->sp->rules[ri];
    const st_vector *v = x->vals[r->a];
    uint64_t *pass = x->pass[ri];
    uint32_t words = (n + 63) / 64;
    switch (r->kind) {
    case XR_NOT_NULL:
        if (v->validity) memcpy(pass, v->validity, (size_t)words * 8);
        else memset(pass, 0xff, (size_t)words * 8);
        return; /* NULLs fail: no OR with the complement below */
    case XR_MIN:
    case XR_MAX: rule_minmax(r, v, n, pass); break;
    case XR_ALLOWED: WORD_LOOP(pass, n, st_vector_is_null(v, i) || allowed_has(r, v, i)) break;
    case XR_REGEX: {
        const st_str *d = v->data;
        WORD_LOOP(pass, n, st_vector_is_null(v, i) || regex_ok(r, &d[i]))
        break;
    }
    case XR_MAX_LENGTH:
    case XR_MIN_LENGTH: {
        const st_str *d = v->data;
        bool blob = v->type.id == ST_T_BLOB;
        if (r->kind == XR_MAX_LENGTH) WORD_LOOP(pass, n, (blob ? d[i].len : codepoints(&d[i])) <= r->length)
        else WORD_LOOP(pass, n, (blob ? d[i].len : codepoints(&d[i])) >= r->length)
        break;
    }
    case XR_COMPARE: {
        const st_vector *b = x->vals[r->b];
        WORD_LOOP(pass, n, st_vector_is_null(v, i) || st_vector_is_null(b, i) || cmp_holds(r->cmp, compare_values(v, i, b, i)))
        return;
    }
    }
    /* NULL passes every rule but not_null (SQL CHECK semantics) */
    if (v->validity)
        for (uint32_t w = 0; w < words; w++) pass[w] |= ~v->validity[w];
}

/* ---- run ----------------------------------------------------------------------------------- */

st_status xeval_run(xeval *x, bool decide, st_vector *const *src, uint32_t n, const xlk_data *lks, st_error *e) {
    const st_xspec *sp = x->sp;
    x->n = n;
    x->words = (n + 63) / 64;
    ST_TRY(ensure_words(x, x->words + 1, e));
    for (uint32_t k = 0; k < sp->nnodes && sp->order; k++) {
        int32_t ni = sp->order[k];
        if (ni < 0 || (uint32_t)ni >= sp->nnodes) break;
        const xnode *nd = &sp->nodes[ni];
        if (!(decide ? nd->decide : nd->output)) continue;
        ST_TRY(eval_node(x, (uint32_t)ni, src, n, lks, e));
    }
    if (!decide) return ST_OK;
    uint32_t words = x->words;
    memset(x->valid, 0xff, (size_t)words * 8);
    if (n % 64) x->valid[words - 1] = (UINT64_C(1) << (n % 64)) - 1;
    for (uint32_t r = 0; r < sp->nrules; r++) {
        eval_rule(x, r, n);
        for (uint32_t w = 0; w < words; w++) x->valid[w] &= x->pass[r][w];
    }
    for (uint32_t i = 0; i < sp->nnodes; i++)
        if (sp->nodes[i].decide && sp->nodes[i].can_fail && sp->nodes[i].kind != XN_CAST)
            for (uint32_t w = 0; w < words; w++) x->valid[w] &= ~x->fail[i][w];
    return ST_OK;
}

/* ---- reasons ----------------------------------------------------------------------------------- */

static void add_reason(st_sbuf *reasons, st_sbuf *codes, uint64_t *counts, bool *seen, const char *code,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add_reason(st_sbuf *reasons, st_sbuf *codes, uint64_t *counts, bool *seen, const char *code,
                       const char *fmt, ...) {
    if (reasons->len) st_sbuf_append(reasons, "; ", 2);
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st_sbuf_append(reasons, msg, strlen(msg));
    int ci = code_index(code);
    if (!seen[ci]) {
        seen[ci] = true;
        if (codes->len) st_sbuf_putc(codes, ',');
        st_sbuf_append(codes, code, strlen(code));
        if (counts) counts[ci]++;
    }
}

static void value_text(const st_vector *v, uint32_t r, char *buf, size_t cap) {
    st_sbuf sb = ST_SBUF_INIT;
    if (st_vector_is_null(v, r)) st_sbuf_append(&sb, "NULL", 4);
    else st_text_cell(&sb, v, r, ST_CELL_PLAIN, ',', '"');
    snprintf(buf, cap, "%.80s%s", st_sbuf_cstr(&sb), sb.len > 80 ? "..." : "");
    st_sbuf_free(&sb);
}

void xeval_explain(const xeval *x, uint32_t r, st_sbuf *reasons, st_sbuf *codes, uint64_t *code_counts) {
    const st_xspec *sp = x->sp;
    bool seen[XEVAL_NCODES] = {false};
    char a[128], b[128];
    for (uint32_t k = 0; k < sp->nnodes; k++) {
        int32_t ni = sp->order[k];
        const xnode *nd = &sp->nodes[ni];
        if (!nd->decide || !nd->can_fail || !get_bit(x->fail[ni], r)) continue;
        if (nd->kind == XN_COL) {
            const st_vector *in = x->vals[nd->in];
            bool found = false;
            for (uint32_t s = 0; s < nd->nsteps && !found; s++) {
                const st_vector *out = x->stepv[ni][s];
                if (!st_vector_is_null(in, r) && st_vector_is_null(out, r) && st_stdz_can_reject(nd->steps[s])) {
                    char why[300];
                    st_stdz_explain(nd->steps[s], in, r, why, sizeof why);
                    const char *nm = st_stdz_name(nd->steps[s]);
                    const char *code = !strcmp(nm, "map") || !strcmp(nm, "condition_grade") ? "unmapped" : "bad_value";
                    add_reason(reasons, codes, code_counts, seen, code, "column %s: %s", nd->name, why);
                    found = true;
                }
                in = out;
            }
            if (!found) {
                value_text(in, r, a, sizeof a);
                char tn[ST_TYPE_NAME_MAX];
                add_reason(reasons, codes, code_counts, seen, "bad_value", "column %s: %s is not a valid %s", nd->name, a,
                           st_type_name(nd->type, tn));
            }
        } else if (nd->kind == XN_LOOKUP) {
            const xlookup *lk = &sp->lookups[nd->lookup];
            char keys[300] = "";
            for (uint32_t i = 0; i < lk->nkeys; i++) {
                value_text(x->vals[lk->keys[i]], r, a, sizeof a);
                size_t l = strlen(keys);
                snprintf(keys + l, sizeof keys - l, "%s%s=%s", i ? ", " : "", lk->tkeys[i], a);
            }
            for (uint32_t i = 0; i < lk->ncontains; i++) {
                value_text(x->vals[lk->cont[i]], r, a, sizeof a);
                size_t l = strlen(keys);
                snprintf(keys + l, sizeof keys - l, "%s%s in '%s'", lk->nkeys || i ? ", " : "", lk->tcont[i], a);
            }
            add_reason(reasons, codes, code_counts, seen, "no_match", "lookup %s: no row of %s matches %s", lk->name,
                       lk->table, keys);
        } else if (nd->kind == XN_EXPR) {
            add_reason(reasons, codes, code_counts, seen, "overflow", "%s: overflow or division by zero", nd->name);
        }
    }
    for (uint32_t ri = 0; ri < sp->nrules; ri++) {
        const xrule *rl = &sp->rules[ri];
        if (get_bit(x->pass[ri], r)) continue;
        value_text(x->vals[rl->a], r, a, sizeof a);
        switch (rl->kind) {
        case XR_NOT_NULL: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: NULL is not allowed", rl->name); break;
        case XR_MIN: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: %s is below the minimum %s", rl->name, a, rl->bound_text); break;
        case XR_MAX: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: %s is above the maximum %s", rl->name, a, rl->bound_text); break;
        case XR_ALLOWED: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: %s is not an allowed value", rl->name, a); break;
        case XR_REGEX: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: %s does not match the pattern", rl->name, a); break;
        case XR_MAX_LENGTH: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: %s is longer than %u", rl->name, a, rl->length); break;
        case XR_MIN_LENGTH: add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: %s is shorter than %u", rl->name, a, rl->length); break;
        case XR_COMPARE:
            value_text(x->vals[rl->b], r, b, sizeof b);
            add_reason(reasons, codes, code_counts, seen, rl->code, "rule %s: fails for %s and %s", rl->name, a, b);
            break;
        }
    }
}
