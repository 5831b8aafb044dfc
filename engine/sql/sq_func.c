/*
 * sq_func.c: scalar functions (spec/SQL.md lists them with their types).
 *
 * Each function has a bind step (check and cast its arguments, fix its
 * result type, pick a kernel, precompute constant state such as a LIKE
 * pattern or a date part) and a kernel that loops over the live rows.
 * Semantics follow DuckDB 1.5 and were checked against it, notably:
 *  - strings are UTF-8 and counted in code points (length, substr, left,
 *    right, strpos, lpad); substr follows DuckDB's run-time rules for
 *    zero and negative starts and lengths; trim removes spaces only;
 *  - lower/upper use DuckDB's simple case mappings (sq_case.c);
 *  - round on DECIMAL and integers rounds half away from zero, keeping the
 *    precision; round on DOUBLE is round(x * 10^n) / 10^n;
 *  - date_trunc returns TIMESTAMP; extract/date_part return BIGINT (epoch:
 *    DOUBLE); dayofweek has Sunday = 0, isodow Monday = 1; week is the ISO
 *    week; date_diff counts boundaries (year, quarter, month, hour, minute,
 *    second) or whole days/weeks;
 *  - LIKE has no default escape character; '_' matches one code point;
 *    ILIKE folds case with lower().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/sql/sql_int.h"

uint32_t sq_upper_cp(uint32_t c);
uint32_t sq_lower_cp(uint32_t c);

/* ---- UTF-8 -------------------------------------------------------------- */

static inline uint32_t u8_dec(const unsigned char *s, uint32_t n, uint32_t *i) {
    uint32_t c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    uint32_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (*i + len > n) {
        (*i)++;
        return c;
    }
    uint32_t v = c & (0x3F >> (len - 1));
    for (uint32_t k = 1; k < len; k++) v = (v << 6) | (s[*i + k] & 0x3F);
    *i += len;
    return v;
}

static inline uint32_t u8_enc(uint32_t c, char *o) {
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static inline uint32_t u8_len(const char *s, uint32_t n) {
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* byte offset of code point k (k <= count) */
static inline uint32_t u8_off(const char *s, uint32_t n, uint32_t k) {
    uint32_t i = 0;
    while (i < n && k) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
        k--;
    }
    return i;
}

/* ---- binding helpers ---------------------------------------------------- */

static st_status type_err(sq_binder *b, const sq_expr *ex, uint32_t i, const char *want,
                          st_error *e) {
    char tn[ST_TYPE_NAME_MAX];
    return sq_err_at(e, ST_ERR_TYPE, b->sql, ex->args[i]->pos,
                     "%s(): argument %u must be %s, not %s", ex->name, i + 1, want,
                     sq_type_name(ex->args[i]->type, tn));
}

static st_status cast_arg(sq_binder *b, sq_expr *ex, uint32_t i, st_type t, st_error *e) {
    sq_expr *c = sq_cast_expr(b->a, ex->args[i], t, false);
    if (!c) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    ex->args[i] = c;
    return ST_OK;
}

static st_status want_str(sq_binder *b, sq_expr *ex, uint32_t i, st_error *e) {
    st_type t = ex->args[i]->type;
    if (t.id == ST_T_VARCHAR) return ST_OK;
    if (t.id == ST_T_NULL) return cast_arg(b, ex, i, sq_t(ST_T_VARCHAR), e);
    return type_err(b, ex, i, "a VARCHAR", e);
}

static st_status want_int(sq_binder *b, sq_expr *ex, uint32_t i, st_error *e) {
    st_type t = ex->args[i]->type;
    if (st_type_is_integer(t) || t.id == ST_T_NULL) return cast_arg(b, ex, i, sq_t(ST_T_INT64), e);
    return type_err(b, ex, i, "an integer", e);
}

static st_status want_num(sq_binder *b, sq_expr *ex, uint32_t i, st_error *e) {
    st_type t = ex->args[i]->type;
    if (st_type_is_numeric(t)) return ST_OK;
    if (t.id == ST_T_NULL) return cast_arg(b, ex, i, sq_t(ST_T_DOUBLE), e);
    return type_err(b, ex, i, "a number", e);
}

static st_status want_const_str(sq_binder *b, sq_expr *ex, uint32_t i, const char **out,
                                st_error *e) {
    sq_expr *a = ex->args[i];
    if (a->kind != E_CONST || !st_type_is_string(a->type) || a->val.null)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, a->pos,
                         "%s(): argument %u must be a constant string", ex->name, i + 1);
    char *s = st_arena_strndup(b->a, a->val.v.s.ptr, a->val.v.s.len);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    *out = s;
    return ST_OK;
}

static inline uint32_t R(const uint32_t *sel, uint32_t k) { return sel ? sel[k] : k; }

/* A NULL row's slot (and some empty strings) may hold a NULL pointer; the
 * kernels below compute on every live row, so give them "" instead. */
static inline st_str NZ(st_str x) {
    if (!x.ptr) x.ptr = "";
    return x;
}
static inline uint32_t I(const sq_vec *a, uint32_t r) { return a->c ? 0 : r; }

#define NOMEM(e) st_error_set((e), ST_ERR_NOMEM, "out of memory")

/* ---- string kernels ----------------------------------------------------- */

static st_status k_case(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                        uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    bool up = ex->aux != 0;
    const st_str *s = a[0].v->data;
    st_str *o = out->data;
    sq_strw w = {out, NULL, 0};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        st_str x = NZ(s[I(&a[0], r)]);
        if (sq_isnull(out, r)) continue;
        /* case mapping never needs more than 4 bytes per code point; the
         * mapped text can be longer than the input (e.g. 2 -> 3 bytes) */
        char *d = sq_strw_alloc(&w, (size_t)x.len * 2 + 4);
        if (!d) return NOMEM(e);
        uint32_t i = 0, j = 0;
        const unsigned char *p = (const unsigned char *)x.ptr;
        while (i < x.len) {
            unsigned char c = p[i];
            if (c < 0x80) {
                d[j++] = (char)(up ? (c >= 'a' && c <= 'z' ? c - 32 : c)
                                   : (c >= 'A' && c <= 'Z' ? c + 32 : c));
                i++;
            } else {
                uint32_t cp = u8_dec(p, x.len, &i);
                j += u8_enc(up ? sq_upper_cp(cp) : sq_lower_cp(cp), d + j);
            }
        }
        /* give back what was not used */
        w.p -= ((size_t)x.len * 2 + 4) - j;
        w.left += ((size_t)x.len * 2 + 4) - j;
        o[r].ptr = d;
        o[r].len = j;
        o[r].reserved = 0;
    }
    return ST_OK;
}

static st_status k_length(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                          uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    const st_str *s = a[0].v->data;
    int64_t *o = out->data;
    bool bytes = ex->aux != 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        st_str x = NZ(s[I(&a[0], r)]);
        o[r] = bytes ? x.len : u8_len(x.ptr, x.len);
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

/* trim: aux bit0 = left, bit1 = right; optional chars argument */
static bool in_chars(uint32_t cp, const st_str *chars) {
    if (!chars) return cp == ' ';
    uint32_t i = 0;
    while (i < chars->len)
        if (u8_dec((const unsigned char *)chars->ptr, chars->len, &i) == cp) return true;
    return false;
}

static st_status k_trim(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                        uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, ex->nargs, sel, n, e));
    const st_str *s = a[0].v->data;
    st_str *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]);
        st_str cs = ex->nargs > 1 ? NZ(((const st_str *)a[1].v->data)[I(&a[1], r)]) : (st_str){"", 0, 0};
        const st_str *chars = ex->nargs > 1 ? &cs : NULL;
        const unsigned char *p = (const unsigned char *)x.ptr;
        uint32_t b = 0, en = x.len;
        if (ex->aux & 1) {
            while (b < en) {
                uint32_t i = b;
                uint32_t cp = u8_dec(p, en, &i);
                if (!in_chars(cp, chars)) break;
                b = i;
            }
        }
        if (ex->aux & 2) {
            while (en > b) {
                uint32_t st = en - 1;
                while (st > b && (p[st] & 0xC0) == 0x80) st--;
                uint32_t i = st;
                uint32_t cp = u8_dec(p, en, &i);
                if (!in_chars(cp, chars)) break;
                en = st;
            }
        }
        o[r].ptr = x.ptr + b;
        o[r].len = en - b;
        o[r].reserved = 0;
    }
    return ST_OK;
}

/* DuckDB's run-time substring rules (in code points) */
static bool substr_range(int64_t size, int64_t off, int64_t len, int64_t *start, int64_t *end) {
    if (len == 0) return false;
    if (off > 0) *start = off - 1 < size ? off - 1 : size;
    else if (off < 0) *start = size + off > 0 ? size + off : 0;
    else {
        *start = 0;
        len--;
        if (len <= 0) return false;
    }
    if (len > 0) {
        *end = *start + len < size ? *start + len : size;
        if (*start + len < *start) *end = size; /* overflow */
    } else {
        *end = *start;
        *start = *start + len > 0 ? *start + len : 0;
    }
    return *start < *end;
}

static st_status k_substr(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                          uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, ex->nargs, sel, n, e));
    const st_str *s = a[0].v->data;
    const int64_t *off = a[1].v->data;
    const int64_t *len = ex->nargs > 2 ? a[2].v->data : NULL;
    st_str *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        o[r].ptr = "";
        o[r].len = 0;
        o[r].reserved = 0;
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]);
        int64_t ln = len ? len[I(&a[2], r)] : INT64_MAX / 2;
        int64_t size = u8_len(x.ptr, x.len), st, en;
        if (!substr_range(size, off[I(&a[1], r)], ln, &st, &en)) continue;
        uint32_t b = u8_off(x.ptr, x.len, (uint32_t)st);
        uint32_t eb = b + u8_off(x.ptr + b, x.len - b, (uint32_t)(en - st));
        o[r].ptr = x.ptr + b;
        o[r].len = eb - b;
    }
    return ST_OK;
}

/* left(s, n) / right(s, n): aux 0 = left, 1 = right */
static st_status k_leftright(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                             const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 2, sel, n, e));
    const st_str *s = a[0].v->data;
    const int64_t *cnt = a[1].v->data;
    st_str *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        o[r].ptr = "";
        o[r].len = 0;
        o[r].reserved = 0;
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]);
        int64_t size = u8_len(x.ptr, x.len), c = cnt[I(&a[1], r)];
        int64_t take = c >= 0 ? (c < size ? c : size) : (size + c > 0 ? size + c : 0);
        uint32_t b, eb;
        if (ex->aux == 0) {
            b = 0;
            eb = u8_off(x.ptr, x.len, (uint32_t)take);
        } else {
            b = u8_off(x.ptr, x.len, (uint32_t)(size - take));
            eb = x.len;
        }
        o[r].ptr = x.ptr + b;
        o[r].len = eb - b;
    }
    return ST_OK;
}

static const char *memfind(const char *h, uint32_t hn, const char *nd, uint32_t nn) {
    if (nn == 0) return h;
    if (nn > hn) return NULL;
    return memmem(h, hn, nd, nn);
}

/* strpos (aux 0), contains (1), starts_with (2), ends_with (3) */
static st_status k_find(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                        uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 2, sel, n, e));
    const st_str *s = a[0].v->data, *t = a[1].v->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        st_str x = NZ(s[I(&a[0], r)]), y = NZ(t[I(&a[1], r)]);
        switch (ex->aux) {
        case 0: {
            const char *f = memfind(x.ptr, x.len, y.ptr, y.len);
            ((int64_t *)out->data)[r] = f ? (int64_t)u8_len(x.ptr, (uint32_t)(f - x.ptr)) + 1 : 0;
            if (f && x.len == 0) ((int64_t *)out->data)[r] = 1;
            break;
        }
        case 1: ((uint8_t *)out->data)[r] = memfind(x.ptr, x.len, y.ptr, y.len) != NULL; break;
        case 2:
            ((uint8_t *)out->data)[r] = y.len <= x.len && (!y.len || !memcmp(x.ptr, y.ptr, y.len));
            break;
        default:
            ((uint8_t *)out->data)[r] =
                y.len <= x.len && (!y.len || !memcmp(x.ptr + x.len - y.len, y.ptr, y.len));
            break;
        }
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

static st_status k_replace(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                           uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    (void)ex;
    ST_TRY(sq_prop_nulls(out, a, 3, sel, n, e));
    const st_str *s = a[0].v->data, *f = a[1].v->data, *t = a[2].v->data;
    st_str *o = out->data;
    st_sbuf sb = ST_SBUF_INIT;
    sq_strw w = {out, NULL, 0};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]), y = NZ(f[I(&a[1], r)]), z = NZ(t[I(&a[2], r)]);
        if (y.len == 0) {
            o[r] = x;
            continue;
        }
        st_sbuf_clear(&sb);
        uint32_t i = 0;
        while (i < x.len) {
            const char *p = memfind(x.ptr + i, x.len - i, y.ptr, y.len);
            if (!p) break;
            st_sbuf_append(&sb, x.ptr + i, (size_t)(p - (x.ptr + i)));
            st_sbuf_append(&sb, z.ptr, z.len);
            i = (uint32_t)(p - x.ptr) + y.len;
        }
        st_sbuf_append(&sb, x.ptr + i, x.len - i);
        if (sb.failed || sb.len > UINT32_MAX || !sq_strw_put(&w, r, sb.p ? sb.p : "", sb.len)) {
            st_sbuf_free(&sb);
            return NOMEM(e);
        }
    }
    st_sbuf_free(&sb);
    return ST_OK;
}

static st_status k_reverse(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                           uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    (void)ex;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    const st_str *s = a[0].v->data;
    st_str *o = out->data;
    sq_strw w = {out, NULL, 0};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]);
        char *d = x.len ? sq_strw_alloc(&w, x.len) : NULL;
        if (x.len && !d) return NOMEM(e);
        uint32_t i = 0;
        while (i < x.len) {
            uint32_t st = i;
            i++;
            while (i < x.len && ((unsigned char)x.ptr[i] & 0xC0) == 0x80) i++;
            memcpy(d + x.len - i, x.ptr + st, i - st);
        }
        o[r].ptr = d;
        o[r].len = x.len;
        o[r].reserved = 0;
    }
    return ST_OK;
}

static st_status k_repeat(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                          uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, 2, sel, n, e));
    const st_str *s = a[0].v->data;
    const int64_t *c = a[1].v->data;
    st_str *o = out->data;
    sq_strw w = {out, NULL, 0};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]);
        int64_t times = c[I(&a[1], r)];
        if (times < 0) times = 0;
        if ((uint64_t)times * x.len > (64u << 20))
            return sq_err_at(e, ST_ERR_LIMIT, cx->sql, ex->pos, "repeat(): result over 64 MiB");
        size_t tot = (size_t)times * x.len;
        char *d = tot ? sq_strw_alloc(&w, tot) : NULL;
        if (tot && !d) return NOMEM(e);
        for (int64_t i = 0; i < times; i++) memcpy(d + (size_t)i * x.len, x.ptr, x.len);
        o[r].ptr = d;
        o[r].len = (uint32_t)tot;
        o[r].reserved = 0;
    }
    return ST_OK;
}

/* lpad (aux 0) / rpad (aux 1) in code points */
static st_status k_pad(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                       uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, 3, sel, n, e));
    const st_str *s = a[0].v->data, *pd = a[2].v->data;
    const int64_t *cnt = a[1].v->data;
    st_sbuf sb = ST_SBUF_INIT;
    sq_strw w = {out, NULL, 0};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]), p = NZ(pd[I(&a[2], r)]);
        int64_t want = cnt[I(&a[1], r)];
        if (want < 0) want = 0;
        if (want > (16 << 20)) {
            st_sbuf_free(&sb);
            return sq_err_at(e, ST_ERR_LIMIT, cx->sql, ex->pos, "%s(): length too large", ex->name);
        }
        int64_t have = u8_len(x.ptr, x.len);
        st_sbuf_clear(&sb);
        if (have >= want) {
            st_sbuf_append(&sb, x.ptr, u8_off(x.ptr, x.len, (uint32_t)want));
        } else {
            if (p.len == 0) {
                st_sbuf_free(&sb);
                return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos,
                                 "%s(): the padding string is empty", ex->name);
            }
            int64_t need = want - have;
            if (ex->aux == 1) st_sbuf_append(&sb, x.ptr, x.len);
            uint32_t pi = 0;
            for (int64_t i = 0; i < need; i++) {
                if (pi >= p.len) pi = 0;
                uint32_t st = pi;
                u8_dec((const unsigned char *)p.ptr, p.len, &pi);
                st_sbuf_append(&sb, p.ptr + st, pi - st);
            }
            if (ex->aux == 0) st_sbuf_append(&sb, x.ptr, x.len);
        }
        if (sb.failed || !sq_strw_put(&w, r, sb.p ? sb.p : "", sb.len)) {
            st_sbuf_free(&sb);
            return NOMEM(e);
        }
    }
    st_sbuf_free(&sb);
    return ST_OK;
}

static st_status k_split_part(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                              const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    (void)ex;
    ST_TRY(sq_prop_nulls(out, a, 3, sel, n, e));
    const st_str *s = a[0].v->data, *d = a[1].v->data;
    const int64_t *idx = a[2].v->data;
    st_str *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        o[r].ptr = "";
        o[r].len = 0;
        o[r].reserved = 0;
        if (sq_isnull(out, r)) continue;
        st_str x = NZ(s[I(&a[0], r)]), dl = NZ(d[I(&a[1], r)]);
        int64_t want = idx[I(&a[2], r)];
        /* count the parts; a negative index counts from the end */
        uint32_t cnt;
        if (dl.len == 0) {
            if (want == 1 || want == -1) o[r] = x;
            continue;
        }
        uint32_t i = 0;
        cnt = 1;
        while (i <= x.len) {
            const char *f = memfind(x.ptr + i, x.len - i, dl.ptr, dl.len);
            if (!f) break;
            cnt++;
            i = (uint32_t)(f - x.ptr) + dl.len;
        }
        int64_t target = want > 0 ? want : (int64_t)cnt + want + 1;
        if (target < 1 || target > (int64_t)cnt || want == 0) continue;
        uint32_t b = 0, part = 1;
        i = 0;
        while (part < target) {
            const char *f = memfind(x.ptr + i, x.len - i, dl.ptr, dl.len);
            i = (uint32_t)(f - x.ptr) + dl.len;
            part++;
        }
        b = i;
        const char *f = memfind(x.ptr + b, x.len - b, dl.ptr, dl.len);
        uint32_t en = f ? (uint32_t)(f - x.ptr) : x.len;
        o[r].ptr = x.ptr + b;
        o[r].len = en - b;
    }
    return ST_OK;
}

/* concat(args...): NULLs are skipped; args are VARCHAR (cast when bound) */
static st_status k_concat_ws(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                             const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    st_str *o = out->data;
    sq_strw w = {out, NULL, 0};
    st_sbuf sb = ST_SBUF_INIT;
    out->validity = NULL;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        st_sbuf_clear(&sb);
        for (uint32_t i = 0; i < ex->nargs; i++) {
            if (sq_isnull(a[i].v, I(&a[i], r))) continue;
            st_str x = NZ(((const st_str *)a[i].v->data)[I(&a[i], r)]);
            st_sbuf_append(&sb, x.ptr, x.len);
        }
        if (sb.failed || sb.len > UINT32_MAX || !sq_strw_put(&w, r, sb.p ? sb.p : "", sb.len)) {
            st_sbuf_free(&sb);
            return NOMEM(e);
        }
    }
    st_sbuf_free(&sb);
    (void)o;
    return ST_OK;
}

/* ---- LIKE --------------------------------------------------------------- */

bool sq_like_match(const char *s, uint32_t sn, const char *p, uint32_t pn, bool ci, int escape) {
    /* iterative matcher with one backtrack point (the last %) */
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    const unsigned char *S = (const unsigned char *)s, *P = (const unsigned char *)p;
    while (si < sn) {
        if (pi < pn) {
            uint32_t pc = P[pi];
            if (pc == '%' && (int)pc != escape) {
                star_p = ++pi;
                star_s = si;
                continue;
            }
            uint32_t pnext = pi, snext = si;
            if (pc == '_' && (int)pc != escape) {
                u8_dec(S, sn, &snext);
                pi++;
                si = snext;
                continue;
            }
            if ((int)pc == escape && pi + 1 < pn) pnext = pi + 1;
            uint32_t a = u8_dec(P, pn, &pnext);
            uint32_t b = u8_dec(S, sn, &snext);
            if (ci) {
                a = sq_lower_cp(a);
                b = sq_lower_cp(b);
            }
            if (a == b) {
                pi = pnext;
                si = snext;
                continue;
            }
        }
        if (star_p == UINT32_MAX) return false;
        /* backtrack: the last % takes one more code point */
        u8_dec(S, sn, &star_s);
        si = star_s;
        pi = star_p;
    }
    while (pi < pn && P[pi] == '%' && (int)P[pi] != escape) pi++;
    return pi == pn;
}

typedef struct likepat {
    int kind; /* 0 general, 1 exact, 2 prefix, 3 suffix, 4 contains, 5 match-all */
    const char *lit;
    uint32_t litlen;
    const char *pat;
    uint32_t patlen;
    bool ci;
    int escape;
} likepat;

static st_status k_like(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                        uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, ex->nargs, sel, n, e));
    const st_str *s = a[0].v->data;
    uint8_t *o = out->data;
    const likepat *lp = ex->state;
    bool neg = ex->neg;
    bool ci = ex->aux & 1;
    int esc = -1;
    if (!lp && ex->nargs > 2) {
        /* escape from a (constant) third argument */
        st_str es = ((const st_str *)a[2].v->data)[0];
        if (!sq_isnull(a[2].v, 0) && es.len == 1) esc = (unsigned char)es.ptr[0];
        else if (!sq_isnull(a[2].v, 0))
            return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos, "ESCAPE must be one character");
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        st_str x = NZ(s[I(&a[0], r)]);
        bool m;
        if (lp) {
            switch (lp->kind) {
            case 1: m = x.len == lp->litlen && !memcmp(x.ptr, lp->lit, x.len); break;
            case 2: m = x.len >= lp->litlen && !memcmp(x.ptr, lp->lit, lp->litlen); break;
            case 3:
                m = x.len >= lp->litlen && !memcmp(x.ptr + x.len - lp->litlen, lp->lit, lp->litlen);
                break;
            case 4: m = memfind(x.ptr, x.len, lp->lit, lp->litlen) != NULL; break;
            case 5: m = true; break;
            default: m = sq_like_match(x.ptr, x.len, lp->pat, lp->patlen, lp->ci, lp->escape); break;
            }
        } else {
            st_str p = NZ(((const st_str *)a[1].v->data)[I(&a[1], r)]);
            m = sq_like_match(x.ptr, x.len, p.ptr, p.len, ci, esc);
        }
        o[r] = (uint8_t)(m != neg);
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

/* ---- numeric kernels ---------------------------------------------------- */

/* abs / sign / ceil / floor / trunc over the physical type; aux: 0 abs,
 * 1 sign, 2 ceil, 3 floor, 4 trunc */
static st_status k_unary_num(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                             const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    st_type t = a[0].v->type;
    sq_phys p = sq_phys_of(t);
    int op = (int)ex->aux;
    int sc = t.id == ST_T_DECIMAL ? t.scale : 0;
    st_i128 pw = st_pow10_i128(sc);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        uint32_t i = I(&a[0], r);
        if (sq_isnull(out, r)) continue;
        if (p == P_F32 || p == P_F64) {
            double x = p == P_F32 ? ((const float *)a[0].v->data)[i] : ((const double *)a[0].v->data)[i];
            double y;
            switch (op) {
            case 0: y = fabs(x); break;
            case 1: y = x > 0 ? 1 : x < 0 ? -1 : 0; break;
            case 2: y = ceil(x); break;
            case 3: y = floor(x); break;
            default: y = trunc(x); break;
            }
            if (op == 1) ((int8_t *)out->data)[r] = (int8_t)y;
            else if (p == P_F32) ((float *)out->data)[r] = (float)y;
            else ((double *)out->data)[r] = y;
            continue;
        }
        st_i128 x;
        st_value_as_i128(t, st_vector_at(a[0].v, i), &x);
        st_i128 y;
        switch (op) {
        case 0: y = x < 0 ? -x : x; break;
        case 1: y = x > 0 ? 1 : x < 0 ? -1 : 0; break;
        case 2: y = x / pw + ((x % pw) > 0 ? 1 : 0); break;
        case 3: y = x / pw - ((x % pw) < 0 ? 1 : 0); break;
        default: y = x / pw; break;
        }
        if (op == 1) {
            ((int8_t *)out->data)[r] = (int8_t)y;
            continue;
        }
        /* integer abs of the minimum overflows */
        st_type ot = out->type;
        bool ok = true;
        switch (sq_phys_of(ot)) {
        case P_I8: ok = y <= INT8_MAX; ((int8_t *)out->data)[r] = (int8_t)y; break;
        case P_I16: ok = y <= INT16_MAX; ((int16_t *)out->data)[r] = (int16_t)y; break;
        case P_I32: ok = y <= INT32_MAX; ((int32_t *)out->data)[r] = (int32_t)y; break;
        case P_I64: ok = y <= INT64_MAX; ((int64_t *)out->data)[r] = (int64_t)y; break;
        case P_U64: ((uint64_t *)out->data)[r] = (uint64_t)y; break;
        case P_I128: ((st_i128 *)out->data)[r] = y; break;
        default: break;
        }
        if (!ok)
            return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos, "overflow in %s()", ex->name);
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

/* round(x, digits): iaux = digits (constant) */
static st_status k_round(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                         uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    st_type t = a[0].v->type;
    sq_phys p = sq_phys_of(t);
    int d = ex->iaux;
    if (p == P_F32 || p == P_F64) {
        double mod = pow(10.0, d >= 0 ? d : -d);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = R(sel, k), i = I(&a[0], r);
            double x = p == P_F32 ? ((const float *)a[0].v->data)[i] : ((const double *)a[0].v->data)[i];
            double y;
            if (d == 0) y = round(x);
            else if (d > 0) {
                y = round(x * mod) / mod;
                if (isinf(y) || isnan(y)) y = x;
            } else {
                y = round(x / mod) * mod;
                if (isinf(y) || isnan(y)) y = 0;
            }
            if (p == P_F32) ((float *)out->data)[r] = (float)y;
            else ((double *)out->data)[r] = y;
        }
        sq_zero_nulls(out, sel, n);
        return ST_OK;
    }
    int sc = t.id == ST_T_DECIMAL ? t.scale : 0;
    int osc = out->type.id == ST_T_DECIMAL ? out->type.scale : 0;
    int drop = sc - d; /* digits to remove from the unscaled value */
    st_i128 pw = drop > 0 && drop <= 38 ? st_pow10_i128(drop) : 1;
    st_i128 back = (d < 0 && -d <= 38) ? st_pow10_i128(-d) : 1; /* re-scale for negative digits */
    (void)osc;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k), i = I(&a[0], r);
        if (sq_isnull(out, r)) continue;
        st_i128 x;
        st_value_as_i128(t, st_vector_at(a[0].v, i), &x);
        st_i128 y = x;
        if (drop > 38) y = 0;
        else if (drop > 0) {
            st_i128 q = x / pw, rm = x % pw;
            if (rm < 0) rm = -rm;
            if (rm * 2 >= pw) q += x < 0 ? -1 : 1;
            y = q;
            /* the result scale is max(d, 0): negative digits scale back up */
            if (d < 0) y *= back;
        }
        st_i128 lim = out->type.id == ST_T_DECIMAL ? st_pow10_i128(out->type.precision) : 0;
        bool ok = true;
        switch (sq_phys_of(out->type)) {
        case P_I8: ok = y >= INT8_MIN && y <= INT8_MAX; ((int8_t *)out->data)[r] = (int8_t)y; break;
        case P_I16: ok = y >= INT16_MIN && y <= INT16_MAX; ((int16_t *)out->data)[r] = (int16_t)y; break;
        case P_I32: ok = y >= INT32_MIN && y <= INT32_MAX; ((int32_t *)out->data)[r] = (int32_t)y; break;
        case P_I64:
            ok = out->type.id == ST_T_DECIMAL ? (y < lim && y > -lim) : (y >= INT64_MIN && y <= INT64_MAX);
            ((int64_t *)out->data)[r] = (int64_t)y;
            break;
        case P_U64: ((uint64_t *)out->data)[r] = (uint64_t)y; break;
        case P_I128: ok = y < lim && y > -lim; ((st_i128 *)out->data)[r] = y; break;
        default: break;
        }
        if (!ok) return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos, "overflow in round()");
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

/* double functions: aux 0 sqrt, 1 exp, 2 ln, 3 log10, 4 log2, 5 pow */
static st_status k_dbl(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                       uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, ex->nargs, sel, n, e));
    const double *x = a[0].v->data;
    const double *y = ex->nargs > 1 ? a[1].v->data : NULL;
    double *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        double v = x[I(&a[0], r)], res;
        if (sq_isnull(out, r)) continue;
        switch (ex->aux) {
        case 0:
            if (v < 0) return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos, "cannot take the square root of a negative number");
            res = sqrt(v);
            break;
        case 1: res = exp(v); break;
        case 2:
        case 3:
        case 4:
            if (v < 0) return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos, "cannot take the logarithm of a negative number");
            if (v == 0) return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos, "cannot take the logarithm of zero");
            res = ex->aux == 2 ? log(v) : ex->aux == 3 ? log10(v) : log2(v);
            break;
        default: res = pow(v, y[I(&a[1], r)]); break;
        }
        o[r] = res;
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

/* greatest (aux 1) / least (aux 0): NULLs are skipped */
static st_status k_greatest(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                            uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    sq_rowcmp_fn cmp = sq_rowcmp_for(ex->type);
    bool gt = ex->aux != 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        int best = -1;
        for (uint32_t i = 0; i < ex->nargs; i++) {
            if (sq_isnull(a[i].v, I(&a[i], r))) continue;
            if (best < 0) {
                best = (int)i;
                continue;
            }
            int c = cmp(a[i].v, I(&a[i], r), a[best].v, I(&a[best], r));
            if (gt ? c > 0 : c < 0) best = (int)i;
        }
        if (best < 0) {
            uint64_t *vb = sq_vec_validity(out);
            if (!vb) return NOMEM(e);
            sq_setnull(vb, r);
            memset((char *)out->data + (size_t)r * st_type_width(out->type), 0, st_type_width(out->type));
        } else {
            /* strings point into the argument (valid for this chunk) */
            memcpy((char *)out->data + (size_t)r * st_type_width(out->type),
                   st_vector_at(a[best].v, I(&a[best], r)), st_type_width(out->type));
            if (out->validity) sq_setvalid(out->validity, r);
        }
    }
    return ST_OK;
}

static st_status k_nullif(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                          uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    sq_rowcmp_fn cmp = sq_rowcmp_for(ex->type);
    size_t w = st_type_width(out->type);
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        uint32_t i0 = I(&a[0], r), i1 = I(&a[1], r);
        if (sq_isnull(a[0].v, i0)) continue;
        if (!sq_isnull(a[1].v, i1) && cmp(a[0].v, i0, a[1].v, i1) == 0) {
            uint64_t *vb = sq_vec_validity(out);
            if (!vb) return NOMEM(e);
            sq_setnull(vb, r);
            memset((char *)out->data + (size_t)r * w, 0, w);
        } else {
            memcpy((char *)out->data + (size_t)r * w, st_vector_at(a[0].v, i0), w);
        }
    }
    return ST_OK;
}

/* ---- dates -------------------------------------------------------------- */

typedef enum {
    DP_YEAR, DP_QUARTER, DP_MONTH, DP_WEEK, DP_DAY, DP_HOUR, DP_MINUTE, DP_SECOND,
    DP_MILLISECOND, DP_MICROSECOND, DP_DOW, DP_ISODOW, DP_DOY, DP_EPOCH, DP_DECADE,
    DP_CENTURY, DP_MILLENNIUM, DP_ISOYEAR, DP_YEARWEEK, DP__N
} datepart;

static const struct {
    const char *name;
    int part;
} dparts[] = {
    {"year", DP_YEAR},     {"years", DP_YEAR},       {"y", DP_YEAR},         {"yr", DP_YEAR},
    {"yrs", DP_YEAR},      {"quarter", DP_QUARTER},  {"quarters", DP_QUARTER},
    {"month", DP_MONTH},   {"months", DP_MONTH},     {"mon", DP_MONTH},      {"mons", DP_MONTH},
    {"week", DP_WEEK},     {"weeks", DP_WEEK},       {"w", DP_WEEK},         {"weekofyear", DP_WEEK},
    {"day", DP_DAY},       {"days", DP_DAY},         {"d", DP_DAY},          {"dayofmonth", DP_DAY},
    {"hour", DP_HOUR},     {"hours", DP_HOUR},       {"h", DP_HOUR},         {"hr", DP_HOUR},
    {"minute", DP_MINUTE}, {"minutes", DP_MINUTE},   {"m", DP_MINUTE},       {"min", DP_MINUTE},
    {"second", DP_SECOND}, {"seconds", DP_SECOND},   {"s", DP_SECOND},       {"sec", DP_SECOND},
    {"millisecond", DP_MILLISECOND}, {"milliseconds", DP_MILLISECOND}, {"ms", DP_MILLISECOND},
    {"microsecond", DP_MICROSECOND}, {"microseconds", DP_MICROSECOND}, {"us", DP_MICROSECOND},
    {"dow", DP_DOW},       {"dayofweek", DP_DOW},    {"weekday", DP_DOW},    {"isodow", DP_ISODOW},
    {"doy", DP_DOY},       {"dayofyear", DP_DOY},    {"epoch", DP_EPOCH},    {"decade", DP_DECADE},
    {"decades", DP_DECADE}, {"century", DP_CENTURY}, {"centuries", DP_CENTURY},
    {"millennium", DP_MILLENNIUM}, {"millennia", DP_MILLENNIUM}, {"isoyear", DP_ISOYEAR},
    {"yearweek", DP_YEARWEEK},
};

static int parse_part(const char *s) {
    for (size_t i = 0; i < sizeof dparts / sizeof dparts[0]; i++)
        if (!strcasecmp(s, dparts[i].name)) return dparts[i].part;
    return -1;
}

static int64_t days_of(st_type t, const void *v, int64_t *tod_us) {
    int64_t us;
    if (t.id == ST_T_DATE) {
        *tod_us = 0;
        return *(const int32_t *)v;
    }
    us = *(const int64_t *)v;
    if (t.id == ST_T_TIMESTAMP_NS) us = st_floordiv(us, 1000);
    *tod_us = st_floormod(us, ST_USEC_PER_DAY);
    return st_floordiv(us, ST_USEC_PER_DAY);
}

/* ISO week and year */
static void iso_week(int64_t days, int64_t *week, int64_t *year) {
    int64_t dow = st_floormod(days + 3, 7) + 1; /* 1970-01-01 was a Thursday: isodow 4 */
    int64_t thursday = days - dow + 4;
    int64_t y;
    unsigned m, d;
    st_civil_from_days(thursday, &y, &m, &d);
    int64_t jan1 = st_days_from_civil(y, 1, 1);
    *week = (thursday - jan1) / 7 + 1;
    *year = y;
}

static int64_t part_value(int part, int64_t days, int64_t tod) {
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    switch (part) {
    case DP_YEAR: return y;
    case DP_QUARTER: return (m - 1) / 3 + 1;
    case DP_MONTH: return m;
    case DP_DAY: return d;
    case DP_HOUR: return tod / (3600 * ST_USEC_PER_SEC);
    case DP_MINUTE: return tod / (60 * ST_USEC_PER_SEC) % 60;
    case DP_SECOND: return tod / ST_USEC_PER_SEC % 60;
    case DP_MILLISECOND: return tod % (60 * ST_USEC_PER_SEC) / 1000;
    case DP_MICROSECOND: return tod % (60 * ST_USEC_PER_SEC);
    case DP_DOW: return st_floormod(days + 4, 7);
    case DP_ISODOW: return st_floormod(days + 3, 7) + 1;
    case DP_DOY: return days - st_days_from_civil(y, 1, 1) + 1;
    case DP_DECADE: return st_floordiv(y, 10);
    case DP_CENTURY: return y > 0 ? (y - 1) / 100 + 1 : -((-y) / 100 + 1);
    case DP_MILLENNIUM: return y > 0 ? (y - 1) / 1000 + 1 : -((-y) / 1000 + 1);
    case DP_WEEK:
    case DP_ISOYEAR:
    case DP_YEARWEEK: {
        int64_t w, iy;
        iso_week(days, &w, &iy);
        return part == DP_WEEK ? w : part == DP_ISOYEAR ? iy : iy * 100 + w;
    }
    default: return 0;
    }
}

static st_status k_extract(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                           uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    const st_vector *v = a[0].v;
    st_type t = v->type;
    int part = (int)ex->aux;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k), i = I(&a[0], r);
        int64_t tod, days = days_of(t, st_vector_at(v, i), &tod);
        if (part == DP_EPOCH) {
            double ep;
            if (t.id == ST_T_TIMESTAMP_NS) ep = (double)(*(const int64_t *)st_vector_at(v, i)) / 1e9;
            else if (t.id == ST_T_TIMESTAMP) ep = (double)(*(const int64_t *)st_vector_at(v, i)) / 1e6;
            else ep = (double)days * 86400.0;
            ((double *)out->data)[r] = ep;
        } else {
            ((int64_t *)out->data)[r] = part_value(part, days, tod);
        }
    }
    sq_zero_nulls(out, sel, n);
    return ST_OK;
}

static const char *day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                  "Thursday", "Friday", "Saturday"};
static const char *month_names[] = {"January", "February", "March",     "April",
                                    "May",     "June",     "July",      "August",
                                    "September", "October", "November", "December"};

/* dayname (aux 0) / monthname (aux 1) */
static st_status k_names(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                         uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k), i = I(&a[0], r);
        st_str *o = (st_str *)out->data + r;
        o->ptr = "";
        o->len = 0;
        o->reserved = 0;
        if (sq_isnull(out, r)) continue;
        int64_t tod, days = days_of(a[0].v->type, st_vector_at(a[0].v, i), &tod);
        const char *s = ex->aux == 0 ? day_names[st_floormod(days + 4, 7)]
                                     : month_names[part_value(DP_MONTH, days, 0) - 1];
        o->ptr = s;
        o->len = (uint32_t)strlen(s);
    }
    return ST_OK;
}

static int64_t trunc_days(int part, int64_t days) {
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    switch (part) {
    case DP_MILLENNIUM: return st_days_from_civil(st_floordiv(y - 1, 1000) * 1000 + 1, 1, 1);
    case DP_CENTURY: return st_days_from_civil(st_floordiv(y - 1, 100) * 100 + 1, 1, 1);
    case DP_DECADE: return st_days_from_civil(st_floordiv(y, 10) * 10, 1, 1);
    case DP_YEAR: return st_days_from_civil(y, 1, 1);
    case DP_QUARTER: return st_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case DP_MONTH: return st_days_from_civil(y, m, 1);
    case DP_WEEK: return days - (st_floormod(days + 3, 7)); /* back to Monday */
    default: return days;
    }
}

static st_status k_date_trunc(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                              const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    int part = (int)ex->aux;
    const st_vector *v = a[0].v;
    int64_t *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k), i = I(&a[0], r);
        if (sq_isnull(out, r)) {
            o[r] = 0;
            continue;
        }
        int64_t tod, days = days_of(v->type, st_vector_at(v, i), &tod);
        int64_t t;
        switch (part) {
        case DP_HOUR: t = tod / (3600 * ST_USEC_PER_SEC) * (3600 * ST_USEC_PER_SEC); break;
        case DP_MINUTE: t = tod / (60 * ST_USEC_PER_SEC) * (60 * ST_USEC_PER_SEC); break;
        case DP_SECOND: t = tod / ST_USEC_PER_SEC * ST_USEC_PER_SEC; break;
        case DP_MILLISECOND: t = tod / 1000 * 1000; break;
        case DP_MICROSECOND: t = tod; break;
        default: t = 0; days = trunc_days(part, days); break;
        }
        o[r] = days * ST_USEC_PER_DAY + t;
    }
    return ST_OK;
}

/* date_diff(part, a, b) over TIMESTAMPs (dates cast when bound) */
static st_status k_date_diff_part(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                                  const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    ST_TRY(sq_prop_nulls(out, a, 2, sel, n, e));
    const int64_t *x = a[0].v->data, *y = a[1].v->data;
    int64_t *o = out->data;
    int part = (int)ex->aux;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        if (sq_isnull(out, r)) {
            o[r] = 0;
            continue;
        }
        int64_t u = x[I(&a[0], r)], w = y[I(&a[1], r)];
        int64_t du = st_floordiv(u, ST_USEC_PER_DAY), dw = st_floordiv(w, ST_USEC_PER_DAY);
        int64_t y1, y2;
        unsigned m1, m2, d1, d2;
        int64_t res;
        switch (part) {
        case DP_YEAR:
        case DP_QUARTER:
        case DP_MONTH:
        case DP_DECADE:
        case DP_CENTURY:
        case DP_MILLENNIUM:
            st_civil_from_days(du, &y1, &m1, &d1);
            st_civil_from_days(dw, &y2, &m2, &d2);
            if (part == DP_YEAR) res = y2 - y1;
            else if (part == DP_QUARTER) res = (y2 * 4 + (m2 - 1) / 3) - (y1 * 4 + (m1 - 1) / 3);
            else if (part == DP_MONTH) res = (y2 * 12 + m2) - (y1 * 12 + m1);
            else if (part == DP_DECADE) res = st_floordiv(y2, 10) - st_floordiv(y1, 10);
            else if (part == DP_CENTURY) res = st_floordiv(y2, 100) - st_floordiv(y1, 100);
            else res = st_floordiv(y2, 1000) - st_floordiv(y1, 1000);
            break;
        case DP_WEEK: res = (dw - du) / 7; break;
        case DP_DAY:
        case DP_DOW:
        case DP_ISODOW:
        case DP_DOY: res = dw - du; break;
        case DP_HOUR: res = st_floordiv(w, 3600 * ST_USEC_PER_SEC) - st_floordiv(u, 3600 * ST_USEC_PER_SEC); break;
        case DP_MINUTE: res = st_floordiv(w, 60 * ST_USEC_PER_SEC) - st_floordiv(u, 60 * ST_USEC_PER_SEC); break;
        case DP_SECOND: res = st_floordiv(w, ST_USEC_PER_SEC) - st_floordiv(u, ST_USEC_PER_SEC); break;
        case DP_MILLISECOND: res = st_floordiv(w, 1000) - st_floordiv(u, 1000); break;
        default: res = w - u; break;
        }
        o[r] = res;
    }
    return ST_OK;
}

static st_status k_make_date(sq_ectx *cx, const sq_expr *ex, const sq_vec *a,
                             const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) {
    ST_TRY(sq_prop_nulls(out, a, 3, sel, n, e));
    const int64_t *Y = a[0].v->data, *M = a[1].v->data, *D = a[2].v->data;
    int32_t *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k);
        o[r] = 0;
        if (sq_isnull(out, r)) continue;
        int64_t y = Y[I(&a[0], r)], m = M[I(&a[1], r)], d = D[I(&a[2], r)];
        if (m < 1 || m > 12 || d < 1 || d > 31 || y < -290000 || y > 290000 ||
            !st_date_valid(y, (unsigned)m, (unsigned)d))
            return sq_err_at(e, ST_ERR_INVALID, cx->sql, ex->pos,
                             "make_date(): %lld-%lld-%lld is not a valid date", (long long)y,
                             (long long)m, (long long)d);
        o[r] = (int32_t)st_days_from_civil(y, (unsigned)m, (unsigned)d);
    }
    return ST_OK;
}

static st_status k_last_day(sq_ectx *cx, const sq_expr *ex, const sq_vec *a, const uint32_t *sel,
                            uint32_t n, st_vector *out, st_error *e) {
    (void)cx;
    (void)ex;
    ST_TRY(sq_prop_nulls(out, a, 1, sel, n, e));
    int32_t *o = out->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = R(sel, k), i = I(&a[0], r);
        o[r] = 0;
        if (sq_isnull(out, r)) continue;
        int64_t tod, days = days_of(a[0].v->type, st_vector_at(a[0].v, i), &tod);
        int64_t y;
        unsigned m, d;
        st_civil_from_days(days, &y, &m, &d);
        if (m == 12) y++, m = 1;
        else m++;
        o[r] = (int32_t)(st_days_from_civil(y, m, 1) - 1);
    }
    return ST_OK;
}

/* ---- binding ------------------------------------------------------------ */

typedef st_status (*bindfn)(sq_binder *b, sq_expr *ex, st_error *e);

static st_status set(sq_expr *ex, st_type t, sq_kfn k) {
    ex->type = t;
    ex->kfn = k;
    return ST_OK;
}

static st_status b_case(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    ex->aux = ex->name[0] == 'u';
    return set(ex, sq_t(ST_T_VARCHAR), k_case);
}

static st_status b_length(sq_binder *b, sq_expr *ex, st_error *e) {
    bool bytes = !strcmp(ex->name, "strlen") || !strcmp(ex->name, "octet_length");
    if (bytes && ex->args[0]->type.id == ST_T_BLOB) {
        ex->aux = 1;
        return set(ex, sq_t(ST_T_INT64), k_length);
    }
    ST_TRY(want_str(b, ex, 0, e));
    ex->aux = bytes;
    return set(ex, sq_t(ST_T_INT64), k_length);
}

static st_status b_trim(sq_binder *b, sq_expr *ex, st_error *e) {
    for (uint32_t i = 0; i < ex->nargs; i++) ST_TRY(want_str(b, ex, i, e));
    ex->aux = ex->name[0] == 'l' ? 1 : ex->name[0] == 'r' ? 2 : 3;
    return set(ex, sq_t(ST_T_VARCHAR), k_trim);
}

static st_status b_substr(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    for (uint32_t i = 1; i < ex->nargs; i++) ST_TRY(want_int(b, ex, i, e));
    return set(ex, sq_t(ST_T_VARCHAR), k_substr);
}

static st_status b_leftright(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    ST_TRY(want_int(b, ex, 1, e));
    ex->aux = ex->name[0] == 'r';
    return set(ex, sq_t(ST_T_VARCHAR), k_leftright);
}

static st_status b_find(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    ST_TRY(want_str(b, ex, 1, e));
    const char *n = ex->name;
    if (!strcmp(n, "strpos") || !strcmp(n, "instr") || !strcmp(n, "position")) {
        ex->aux = 0;
        return set(ex, sq_t(ST_T_INT64), k_find);
    }
    ex->aux = !strcmp(n, "contains") ? 1 : !strcmp(n, "starts_with") || !strcmp(n, "prefix") ? 2 : 3;
    return set(ex, sq_t(ST_T_BOOLEAN), k_find);
}

static st_status b_replace(sq_binder *b, sq_expr *ex, st_error *e) {
    for (uint32_t i = 0; i < 3; i++) ST_TRY(want_str(b, ex, i, e));
    return set(ex, sq_t(ST_T_VARCHAR), k_replace);
}

static st_status b_reverse(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    return set(ex, sq_t(ST_T_VARCHAR), k_reverse);
}

static st_status b_repeat(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    ST_TRY(want_int(b, ex, 1, e));
    return set(ex, sq_t(ST_T_VARCHAR), k_repeat);
}

static st_status b_pad(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    ST_TRY(want_int(b, ex, 1, e));
    ST_TRY(want_str(b, ex, 2, e));
    ex->aux = ex->name[0] == 'r';
    return set(ex, sq_t(ST_T_VARCHAR), k_pad);
}

static st_status b_split_part(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_str(b, ex, 0, e));
    ST_TRY(want_str(b, ex, 1, e));
    ST_TRY(want_int(b, ex, 2, e));
    return set(ex, sq_t(ST_T_VARCHAR), k_split_part);
}

static st_status b_concat(sq_binder *b, sq_expr *ex, st_error *e) {
    for (uint32_t i = 0; i < ex->nargs; i++) {
        st_type t = ex->args[i]->type;
        if (t.id != ST_T_VARCHAR) {
            if (!sq_cast_possible(t, sq_t(ST_T_VARCHAR))) return type_err(b, ex, i, "printable", e);
            ST_TRY(cast_arg(b, ex, i, sq_t(ST_T_VARCHAR), e));
        }
    }
    return set(ex, sq_t(ST_T_VARCHAR), k_concat_ws);
}

static st_status b_unary_num(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_num(b, ex, 0, e));
    st_type t = ex->args[0]->type;
    const char *n = ex->name;
    if (!strcmp(n, "abs")) ex->aux = 0;
    else if (!strcmp(n, "sign")) ex->aux = 1;
    else if (!strcmp(n, "ceil") || !strcmp(n, "ceiling")) ex->aux = 2;
    else if (!strcmp(n, "floor")) ex->aux = 3;
    else ex->aux = 4;
    if (ex->aux == 1) return set(ex, sq_t(ST_T_INT8), k_unary_num);
    if ((ex->aux == 2 || ex->aux == 3) && st_type_is_integer(t)) {
        /* DuckDB: ceil/floor of an integer is a DOUBLE */
        ST_TRY(cast_arg(b, ex, 0, sq_t(ST_T_DOUBLE), e));
        t = sq_t(ST_T_DOUBLE);
    }
    if (t.id == ST_T_DECIMAL && ex->aux >= 2) t = st_type_decimal(t.precision, 0);
    if (t.id == ST_T_DECIMAL && ex->aux >= 2 && t.precision > 18 &&
        ex->args[0]->type.precision <= 18)
        t.precision = 18;
    return set(ex, t, k_unary_num);
}

static st_status b_round(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_num(b, ex, 0, e));
    int64_t d = 0;
    if (ex->nargs > 1) {
        sq_expr *a = ex->args[1];
        if (a->kind != E_CONST || !st_type_is_integer(a->type))
            return sq_err_at(e, ST_ERR_INVALID, b->sql, a->pos,
                             "round(): the number of digits must be a constant integer");
        if (a->val.null) d = 0;
        else {
            st_i128 v;
            st_value_as_i128(a->type, &a->val.v, &v);
            d = v < -40 ? -40 : v > 40 ? 40 : (int64_t)v;
        }
        ex->nargs = 1;
    }
    ex->iaux = (int32_t)d;
    st_type t = ex->args[0]->type;
    if (t.id == ST_T_DECIMAL) {
        int ns = d >= t.scale ? t.scale : d > 0 ? (int)d : 0;
        return set(ex, st_type_decimal(t.precision, ns), k_round);
    }
    return set(ex, t, k_round);
}

static st_status b_dbl(sq_binder *b, sq_expr *ex, st_error *e) {
    for (uint32_t i = 0; i < ex->nargs; i++) {
        ST_TRY(want_num(b, ex, i, e));
        ST_TRY(cast_arg(b, ex, i, sq_t(ST_T_DOUBLE), e));
    }
    const char *n = ex->name;
    ex->aux = !strcmp(n, "sqrt") ? 0 : !strcmp(n, "exp") ? 1 : !strcmp(n, "ln") ? 2
            : !strcmp(n, "log10") || !strcmp(n, "log") ? 3 : !strcmp(n, "log2") ? 4 : 5;
    return set(ex, sq_t(ST_T_DOUBLE), k_dbl);
}

static st_status common_args(sq_binder *b, sq_expr *ex, uint32_t from, st_type *out, st_error *e) {
    st_type t = sq_t(ST_T_NULL);
    for (uint32_t i = from; i < ex->nargs; i++) {
        sq_expr *a = ex->args[i];
        st_type nt = sq_common_type(t, false, a->type, a->literal);
        if (nt.id == ST_T_INVALID) {
            char x[ST_TYPE_NAME_MAX], y[ST_TYPE_NAME_MAX];
            return sq_err_at(e, ST_ERR_TYPE, b->sql, a->pos,
                             "%s(): arguments of types %s and %s cannot be combined", ex->name,
                             sq_type_name(t, x), sq_type_name(a->type, y));
        }
        t = nt;
    }
    if (t.id == ST_T_NULL) t = sq_t(ST_T_INT32);
    for (uint32_t i = from; i < ex->nargs; i++) ST_TRY(cast_arg(b, ex, i, t, e));
    *out = t;
    return ST_OK;
}

static st_status b_greatest(sq_binder *b, sq_expr *ex, st_error *e) {
    st_type t;
    ST_TRY(common_args(b, ex, 0, &t, e));
    ex->aux = !strcmp(ex->name, "greatest");
    return set(ex, t, k_greatest);
}

static st_status b_nullif(sq_binder *b, sq_expr *ex, st_error *e) {
    st_type t;
    ST_TRY(common_args(b, ex, 0, &t, e));
    return set(ex, t, k_nullif);
}

static st_status want_temporal(sq_binder *b, sq_expr *ex, uint32_t i, st_error *e) {
    st_type t = ex->args[i]->type;
    if (st_type_is_temporal(t)) return ST_OK;
    if (t.id == ST_T_NULL) return cast_arg(b, ex, i, sq_t(ST_T_TIMESTAMP), e);
    if (t.id == ST_T_VARCHAR && ex->args[i]->literal) return cast_arg(b, ex, i, sq_t(ST_T_TIMESTAMP), e);
    return type_err(b, ex, i, "a DATE or TIMESTAMP", e);
}

/* year(x), month(x), ... : the part comes from the name */
static st_status b_part_fn(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_temporal(b, ex, 0, e));
    int p = parse_part(ex->name);
    if (p < 0) return st_error_set(e, ST_ERR_INTERNAL, "no date part for %s", ex->name);
    ex->aux = (uint32_t)p;
    return set(ex, sq_t(p == DP_EPOCH ? ST_T_DOUBLE : ST_T_INT64), k_extract);
}

static st_status part_arg(sq_binder *b, sq_expr *ex, int *part, st_error *e) {
    const char *s = NULL;
    ST_TRY(want_const_str(b, ex, 0, &s, e));
    int p = parse_part(s);
    if (p < 0)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, ex->args[0]->pos,
                         "unknown date part '%s' (year, quarter, month, week, day, hour, minute, "
                         "second, millisecond, microsecond, dow, isodow, doy, epoch, ...)", s);
    *part = p;
    return ST_OK;
}

/* date_part('part', x) / extract */
static st_status b_date_part(sq_binder *b, sq_expr *ex, st_error *e) {
    int p;
    ST_TRY(part_arg(b, ex, &p, e));
    ex->args[0] = ex->args[1];
    ex->nargs = 1;
    ST_TRY(want_temporal(b, ex, 0, e));
    ex->aux = (uint32_t)p;
    return set(ex, sq_t(p == DP_EPOCH ? ST_T_DOUBLE : ST_T_INT64), k_extract);
}

static st_status b_date_trunc(sq_binder *b, sq_expr *ex, st_error *e) {
    int p;
    ST_TRY(part_arg(b, ex, &p, e));
    if (p == DP_DOW || p == DP_ISODOW || p == DP_DOY || p == DP_EPOCH || p == DP_ISOYEAR ||
        p == DP_YEARWEEK)
        return sq_err_at(e, ST_ERR_INVALID, b->sql, ex->args[0]->pos,
                         "date_trunc(): cannot truncate to '%s'", ex->args[0]->val.v.s.ptr);
    ex->args[0] = ex->args[1];
    ex->nargs = 1;
    ST_TRY(want_temporal(b, ex, 0, e));
    if (ex->args[0]->type.id == ST_T_TIMESTAMP_NS) ST_TRY(cast_arg(b, ex, 0, sq_t(ST_T_TIMESTAMP), e));
    ex->aux = (uint32_t)p;
    return set(ex, sq_t(ST_T_TIMESTAMP), k_date_trunc);
}

static st_status b_date_diff(sq_binder *b, sq_expr *ex, st_error *e) {
    int p;
    ST_TRY(part_arg(b, ex, &p, e));
    ex->args[0] = ex->args[1];
    ex->args[1] = ex->args[2];
    ex->nargs = 2;
    ST_TRY(want_temporal(b, ex, 0, e));
    ST_TRY(want_temporal(b, ex, 1, e));
    ST_TRY(cast_arg(b, ex, 0, sq_t(ST_T_TIMESTAMP), e));
    ST_TRY(cast_arg(b, ex, 1, sq_t(ST_T_TIMESTAMP), e));
    ex->aux = (uint32_t)p;
    return set(ex, sq_t(ST_T_INT64), k_date_diff_part);
}

static st_status b_names(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_temporal(b, ex, 0, e));
    ex->aux = ex->name[0] == 'm';
    return set(ex, sq_t(ST_T_VARCHAR), k_names);
}

static st_status b_make_date(sq_binder *b, sq_expr *ex, st_error *e) {
    for (uint32_t i = 0; i < 3; i++) ST_TRY(want_int(b, ex, i, e));
    return set(ex, sq_t(ST_T_DATE), k_make_date);
}

static st_status b_last_day(sq_binder *b, sq_expr *ex, st_error *e) {
    ST_TRY(want_temporal(b, ex, 0, e));
    return set(ex, sq_t(ST_T_DATE), k_last_day);
}

static st_status make_const(sq_binder *b, sq_expr *ex, const sq_value *v, st_error *e) {
    ex->kind = E_CONST;
    ex->type = v->type;
    ex->val = *v;
    ex->nargs = 0;
    ex->kfn = NULL;
    if (st_type_is_string(v->type) && v->v.s.len) {
        char *p = st_arena_memdup(b->a, v->v.s.ptr, v->v.s.len);
        if (!p) return NOMEM(e);
        ex->val.v.s.ptr = p;
    }
    return ST_OK;
}

static st_status b_now(sq_binder *b, sq_expr *ex, st_error *e) {
    sq_value v;
    memset(&v, 0, sizeof v);
    if (!strcmp(ex->name, "current_date") || !strcmp(ex->name, "today")) {
        v.type = sq_t(ST_T_DATE);
        v.v.i = 0;
        int32_t d = (int32_t)st_floordiv(b->now_us, ST_USEC_PER_DAY);
        memcpy(&v.v, &d, 4);
    } else {
        v.type = sq_t(ST_T_TIMESTAMP);
        v.v.i = b->now_us;
    }
    return make_const(b, ex, &v, e);
}

static const char *duck_type_name(st_type t, char *buf) {
    switch (t.id) {
    case ST_T_INT8: return "TINYINT";
    case ST_T_INT16: return "SMALLINT";
    case ST_T_INT32: return "INTEGER";
    case ST_T_INT64: return "BIGINT";
    case ST_T_UINT64: return "UBIGINT";
    case ST_T_NULL: return "\"NULL\"";
    default: return sq_type_name(t, buf);
    }
}

static st_status b_typeof(sq_binder *b, sq_expr *ex, st_error *e) {
    char buf[ST_TYPE_NAME_MAX];
    const char *n = duck_type_name(ex->args[0]->type, buf);
    sq_value v;
    memset(&v, 0, sizeof v);
    v.type = sq_t(ST_T_VARCHAR);
    v.v.s.ptr = n;
    v.v.s.len = (uint32_t)strlen(n);
    return make_const(b, ex, &v, e);
}

static const struct {
    const char *name;
    int8_t minargs, maxargs; /* maxargs -1: any */
    bindfn bind;
} funcs[] = {
    {"lower", 1, 1, b_case},        {"lcase", 1, 1, b_case},       {"upper", 1, 1, b_case},
    {"ucase", 1, 1, b_case},        {"length", 1, 1, b_length},    {"len", 1, 1, b_length},
    {"char_length", 1, 1, b_length}, {"character_length", 1, 1, b_length},
    {"strlen", 1, 1, b_length},     {"octet_length", 1, 1, b_length},
    {"trim", 1, 2, b_trim},         {"ltrim", 1, 2, b_trim},       {"rtrim", 1, 2, b_trim},
    {"substr", 2, 3, b_substr},     {"substring", 2, 3, b_substr},
    {"left", 2, 2, b_leftright},    {"right", 2, 2, b_leftright},
    {"strpos", 2, 2, b_find},       {"instr", 2, 2, b_find},       {"position", 2, 2, b_find},
    {"contains", 2, 2, b_find},     {"starts_with", 2, 2, b_find}, {"prefix", 2, 2, b_find},
    {"ends_with", 2, 2, b_find},    {"suffix", 2, 2, b_find},
    {"replace", 3, 3, b_replace},   {"reverse", 1, 1, b_reverse},  {"repeat", 2, 2, b_repeat},
    {"lpad", 3, 3, b_pad},          {"rpad", 3, 3, b_pad},         {"split_part", 3, 3, b_split_part},
    {"concat", 1, -1, b_concat},
    {"abs", 1, 1, b_unary_num},     {"sign", 1, 1, b_unary_num},   {"ceil", 1, 1, b_unary_num},
    {"ceiling", 1, 1, b_unary_num}, {"floor", 1, 1, b_unary_num},  {"trunc", 1, 1, b_unary_num},
    {"round", 1, 2, b_round},
    {"sqrt", 1, 1, b_dbl},          {"exp", 1, 1, b_dbl},          {"ln", 1, 1, b_dbl},
    {"log", 1, 1, b_dbl},           {"log10", 1, 1, b_dbl},        {"log2", 1, 1, b_dbl},
    {"pow", 2, 2, b_dbl},           {"power", 2, 2, b_dbl},
    {"greatest", 1, -1, b_greatest}, {"least", 1, -1, b_greatest}, {"nullif", 2, 2, b_nullif},
    {"year", 1, 1, b_part_fn},      {"month", 1, 1, b_part_fn},    {"day", 1, 1, b_part_fn},
    {"hour", 1, 1, b_part_fn},      {"minute", 1, 1, b_part_fn},   {"second", 1, 1, b_part_fn},
    {"millisecond", 1, 1, b_part_fn}, {"microsecond", 1, 1, b_part_fn},
    {"quarter", 1, 1, b_part_fn},   {"week", 1, 1, b_part_fn},     {"weekofyear", 1, 1, b_part_fn},
    {"dayofweek", 1, 1, b_part_fn}, {"dayofmonth", 1, 1, b_part_fn}, {"isodow", 1, 1, b_part_fn},
    {"dayofyear", 1, 1, b_part_fn}, {"epoch", 1, 1, b_part_fn},    {"decade", 1, 1, b_part_fn},
    {"century", 1, 1, b_part_fn},   {"millennium", 1, 1, b_part_fn}, {"isoyear", 1, 1, b_part_fn},
    {"yearweek", 1, 1, b_part_fn},
    {"date_part", 2, 2, b_date_part}, {"datepart", 2, 2, b_date_part},
    {"date_trunc", 2, 2, b_date_trunc}, {"datetrunc", 2, 2, b_date_trunc},
    {"date_diff", 3, 3, b_date_diff}, {"datediff", 3, 3, b_date_diff},
    {"dayname", 1, 1, b_names},     {"monthname", 1, 1, b_names},
    {"make_date", 3, 3, b_make_date}, {"last_day", 1, 1, b_last_day},
    {"current_date", 0, 0, b_now},  {"today", 0, 0, b_now},        {"now", 0, 0, b_now},
    {"current_timestamp", 0, 0, b_now}, {"get_current_timestamp", 0, 0, b_now},
    {"typeof", 1, 1, b_typeof},
};

bool sq_func_exists(const char *name) {
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (!strcasecmp(funcs[i].name, name)) return true;
    return false;
}

st_status sq_func_bind(sq_binder *b, sq_expr *ex, const char *name, st_error *e) {
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
        if (strcasecmp(funcs[i].name, name)) continue;
        if ((int)ex->nargs < funcs[i].minargs ||
            (funcs[i].maxargs >= 0 && (int)ex->nargs > funcs[i].maxargs)) {
            if (funcs[i].minargs == funcs[i].maxargs)
                return sq_err_at(e, ST_ERR_TYPE, b->sql, ex->pos,
                                 "%s() takes %d argument%s, not %u", funcs[i].name,
                                 funcs[i].minargs, funcs[i].minargs == 1 ? "" : "s", ex->nargs);
            return sq_err_at(e, ST_ERR_TYPE, b->sql, ex->pos,
                             "%s() takes %d to %d arguments, not %u", funcs[i].name,
                             funcs[i].minargs, funcs[i].maxargs < 0 ? 99 : funcs[i].maxargs,
                             ex->nargs);
        }
        ex->name = funcs[i].name;
        ex->kind = E_FUNC;
        return funcs[i].bind(b, ex, e);
    }
    return sq_err_at(e, ST_ERR_NOT_FOUND, b->sql, ex->pos, "unknown function %s()", name);
}

/* ---- LIKE binding (called by the binder) -------------------------------- */

st_status sq_like_bind(sq_binder *b, sq_expr *ex, bool ci, bool neg, st_error *e) {
    ex->name = ci ? "ilike" : "like";
    for (uint32_t i = 0; i < ex->nargs; i++) ST_TRY(want_str(b, ex, i, e));
    ex->aux = ci;
    ex->neg = neg;
    ex->type = sq_t(ST_T_BOOLEAN);
    ex->kfn = k_like;
    sq_expr *p = ex->args[1];
    int esc = -1;
    if (ex->nargs > 2) {
        sq_expr *x = ex->args[2];
        if (x->kind != E_CONST)
            return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "ESCAPE must be a constant");
        if (!x->val.null) {
            if (x->val.v.s.len != 1)
                return sq_err_at(e, ST_ERR_INVALID, b->sql, x->pos, "ESCAPE must be one character");
            esc = (unsigned char)x->val.v.s.ptr[0];
        }
    }
    if (p->kind != E_CONST || p->val.null) return ST_OK;
    likepat *lp = st_arena_alloc(b->a, sizeof *lp);
    if (!lp) return NOMEM(e);
    memset(lp, 0, sizeof *lp);
    lp->pat = p->val.v.s.ptr;
    lp->patlen = p->val.v.s.len;
    lp->ci = ci;
    lp->escape = esc;
    /* classify: literal runs with % only at the ends, no _ or escape */
    const char *s = lp->pat;
    uint32_t n = lp->patlen;
    bool special = false;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] == '_' || (int)(unsigned char)s[i] == esc) special = true;
    uint32_t lead = 0, trail = 0;
    while (lead < n && s[lead] == '%') lead++;
    while (trail < n - lead && s[n - 1 - trail] == '%') trail++;
    bool inner_pct = false;
    for (uint32_t i = lead; i < n - trail; i++)
        if (s[i] == '%') inner_pct = true;
    if (!special && !inner_pct && !ci) {
        lp->lit = s + lead;
        lp->litlen = n - lead - trail;
        if (lead == n) lp->kind = 5;
        else if (!lead && !trail) lp->kind = 1;
        else if (!lead) lp->kind = 2;
        else if (!trail) lp->kind = 3;
        else lp->kind = 4;
    }
    ex->state = lp;
    return ST_OK;
}
