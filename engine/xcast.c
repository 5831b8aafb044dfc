/*
 * xcast.c: exact casts (see xcast.h).
 *
 * Every numeric value (integer or DECIMAL) is carried as an exact pair
 * (unscaled st_i128, scale); a float becomes such a pair through its
 * shortest round-trip text (types.h prints it), which is the decimal a
 * person reads and the one that casts back to the same bits.  A target
 * takes the pair when rescaling neither overflows nor drops a non-zero
 * digit.  Casting to FLOAT/DOUBLE goes the other way and is accepted when
 * the float's own pair equals the source's.  One function (cast_one) does a
 * single value and, when asked, says why it failed; the vector loop calls it
 * except on the common widening casts, which have branch-free loops.
 */
#include "engine/xcast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/valtext.h"

#define X_OK 0
#define X_BAD 1
#define X_UTF8 2

typedef enum { K_BOOL, K_NUM, K_FP, K_TIME, K_VARCHAR, K_BLOB, K_OTHER } xkind;

static xkind kind_of(st_type t) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: return K_BOOL;
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32:
    case ST_T_INT64:
    case ST_T_UINT64:
    case ST_T_DECIMAL: return K_NUM;
    case ST_T_FLOAT:
    case ST_T_DOUBLE: return K_FP;
    case ST_T_DATE:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: return K_TIME;
    case ST_T_VARCHAR: return K_VARCHAR;
    case ST_T_BLOB: return K_BLOB;
    default: return K_OTHER;
    }
}

bool st_xcast_possible(st_type from, st_type to) {
    if (st_type_eq(from, to)) return true;
    xkind f = kind_of(from), t = kind_of(to);
    if (f == K_OTHER || t == K_OTHER) return false;
    if (t == K_VARCHAR || f == K_VARCHAR) return true;
    if (f == K_BLOB || t == K_BLOB) return false; /* BLOB only to/from VARCHAR */
    if (f == K_BOOL || t == K_BOOL) return false;
    if ((f == K_NUM || f == K_FP) && (t == K_NUM || t == K_FP)) return true;
    return f == K_TIME && t == K_TIME;
}

/* ---- messages ------------------------------------------------------------------- */

/* The source value as text for a message (strings quoted and cut). */
static void value_text(st_type t, const void *p, st_sbuf *out) {
    if (st_type_is_string(t)) {
        const st_str *s = p;
        size_t n = s->len < 40 ? s->len : 40;
        st_sbuf_putc(out, '\'');
        if (t.id == ST_T_VARCHAR) st_sbuf_append(out, s->ptr, n);
        else st_text_blob(out, s->ptr, n);
        st_sbuf_append(out, s->len > n ? "...'" : "'", s->len > n ? 4 : 1);
        return;
    }
    char buf[ST_FORMAT_MAX];
    size_t n = st_format_value(t, p, buf);
    st_sbuf_append(out, buf, n);
}

static int fail(st_sbuf *why, st_type from, const void *p, st_type to, const char *tail) {
    if (!why) return X_BAD;
    char tn[ST_TYPE_NAME_MAX];
    value_text(from, p, why);
    st_sbuf_printf(why, " does not fit %s%s", st_type_name(to, tn), tail ? tail : "");
    return X_BAD;
}

/* ---- exact numbers ----------------------------------------------------------------- */

static st_i128 i128_abs(st_i128 v) { return v < 0 ? -v : v; }

/* v * 10^k without overflow (k >= 0); false when it does not fit 38 digits. */
static bool scale_up(st_i128 *v, int k) {
    if (*v == 0) return true;
    if (k > 38) return false;
    st_i128 r;
    if (__builtin_mul_overflow(*v, st_pow10_i128(k), &r)) return false;
    if (i128_abs(r) >= st_pow10_i128(38)) return false;
    *v = r;
    return true;
}

/* v / 10^k when no non-zero digit is dropped. */
static bool scale_down(st_i128 *v, int k) {
    if (*v == 0 || k == 0) return true;
    if (k > 38) return false;
    st_i128 p = st_pow10_i128(k);
    if (*v % p) return false;
    *v /= p;
    return true;
}

/* A float as an exact pair: a whole number is its binary value (2^62 is
 * 4611686018427387904, not the 4.611686018427388e18 it prints as); a
 * fraction is its shortest text (0.1, not 0.1000000000000000055...).
 * False for NaN, infinities and magnitudes beyond 38 digits. */
static bool fp_exact(double d, bool is_float, st_i128 *v, int *scale) {
    if (!isfinite(d)) return false;
    if (d == trunc(d)) {
        if (fabs(d) >= 0x1p126) return false;
        *v = (st_i128)d;
        *scale = 0;
        return true;
    }
    char buf[ST_FORMAT_MAX];
    size_t n = is_float ? st_format_float((float)d, buf) : st_format_double(d, buf);
    st_i128 m = 0;
    int digits = 0, frac = 0, ex = 0;
    bool neg = false, dot = false;
    size_t i = 0;
    if (i < n && buf[i] == '-') {
        neg = true;
        i++;
    }
    for (; i < n; i++) {
        char c = buf[i];
        if (c == '.') {
            dot = true;
            continue;
        }
        if (c == 'e' || c == 'E') {
            ex = atoi(buf + i + 1);
            break;
        }
        if (c < '0' || c > '9') return false;
        if (m == 0 && c == '0') {
            if (dot) frac++;
            continue;
        }
        if (++digits > 38) return false;
        m = m * 10 + (c - '0');
        if (dot) frac++;
    }
    int s = frac - ex;
    if (s < 0) {
        if (!scale_up(&m, -s)) return false;
        s = 0;
    }
    if (s > 76) return false;
    /* trailing zeros of the fraction carry nothing */
    while (s > 0 && m != 0 && m % 10 == 0) {
        m /= 10;
        s--;
    }
    if (m == 0) s = 0;
    if (s > 38) return false;
    *v = neg ? -m : m;
    *scale = s;
    return true;
}

/* a / 10^sa == b / 10^sb */
static bool exact_equal(st_i128 a, int sa, st_i128 b, int sb) {
    if (sa < sb) {
        if (!scale_up(&a, sb - sa)) return false;
    } else if (sb < sa) {
        if (!scale_up(&b, sa - sb)) return false;
    }
    return a == b;
}

static bool int_fits(st_type_id id, st_i128 v, void *dp) {
    switch (id) {
    case ST_T_INT8:
        if (v < INT8_MIN || v > INT8_MAX) return false;
        *(int8_t *)dp = (int8_t)v;
        return true;
    case ST_T_INT16: {
        if (v < INT16_MIN || v > INT16_MAX) return false;
        int16_t x = (int16_t)v;
        memcpy(dp, &x, 2);
        return true;
    }
    case ST_T_INT32: {
        if (v < INT32_MIN || v > INT32_MAX) return false;
        int32_t x = (int32_t)v;
        memcpy(dp, &x, 4);
        return true;
    }
    case ST_T_INT64: {
        if (v < INT64_MIN || v > INT64_MAX) return false;
        int64_t x = (int64_t)v;
        memcpy(dp, &x, 8);
        return true;
    }
    case ST_T_UINT64: {
        if (v < 0 || v > (st_i128)UINT64_MAX) return false;
        uint64_t x = (uint64_t)v;
        memcpy(dp, &x, 8);
        return true;
    }
    default: return false;
    }
}

/* Store the pair (v, scale) as type to (integer, DECIMAL or float). */
static int put_exact(st_type to, st_i128 v, int scale, void *dp, st_sbuf *why, st_type from, const void *sp) {
    if (to.id == ST_T_DECIMAL) {
        bool ok = to.scale >= scale ? scale_up(&v, to.scale - scale) : scale_down(&v, scale - to.scale);
        if (!ok && to.scale < scale) return fail(why, from, sp, to, " without rounding");
        if (!ok || i128_abs(v) >= st_pow10_i128(to.precision)) return fail(why, from, sp, to, NULL);
        if (st_decimal_is_wide(to)) memcpy(dp, &v, 16);
        else {
            int64_t x = (int64_t)v;
            memcpy(dp, &x, 8);
        }
        return X_OK;
    }
    if (to.id == ST_T_FLOAT || to.id == ST_T_DOUBLE) {
        bool is_float = to.id == ST_T_FLOAT;
        double d;
        if (scale == 0) { /* a whole number: its binary value must be it */
            d = is_float ? (double)(float)v : (double)v;
            if (fabs(d) >= 0x1p126 || (st_i128)d != v) return fail(why, from, sp, to, " exactly");
        } else {
            char buf[ST_FORMAT_MAX];
            st_format_decimal(v, scale, buf);
            d = is_float ? (double)strtof(buf, NULL) : strtod(buf, NULL);
            st_i128 v2;
            int s2;
            if (!fp_exact(d, is_float, &v2, &s2) || !exact_equal(v, scale, v2, s2))
                return fail(why, from, sp, to, " exactly");
        }
        if (is_float) {
            float f = (float)d;
            memcpy(dp, &f, 4);
        } else {
            memcpy(dp, &d, 8);
        }
        return X_OK;
    }
    if (!scale_down(&v, scale)) return fail(why, from, sp, to, " without rounding");
    if (!int_fits((st_type_id)to.id, v, dp)) return fail(why, from, sp, to, NULL);
    return X_OK;
}

/* ---- one value ---------------------------------------------------------------------- */

static int64_t time_unit(st_type_id id) {
    return id == ST_T_DATE ? ST_USEC_PER_DAY * 1000 : id == ST_T_TIMESTAMP ? 1000 : 1;
}

/* Cast the non-NULL value at sp (type from) into the slot dp (type to);
 * dv: the target vector (for text results; NULL when only explaining). */
static int cast_one(st_type from, const void *sp, st_type to, void *dp, st_vector *dv, st_sbuf *why) {
    xkind f = kind_of(from), t = kind_of(to);
    char tn[ST_TYPE_NAME_MAX], fn[ST_TYPE_NAME_MAX];
    if (st_type_eq(from, to)) {
        memcpy(dp, sp, st_type_width(to));
        return X_OK;
    }
    if (t == K_VARCHAR) {
        if (f == K_BLOB) {
            const st_str *s = sp;
            size_t bad;
            if (!st_utf8_valid(s->ptr, s->len, &bad)) {
                if (why) st_sbuf_printf(why, "the bytes are not valid UTF-8 (at byte %zu), so not a VARCHAR", bad);
                return X_UTF8;
            }
            memcpy(dp, sp, sizeof(st_str));
            return X_OK;
        }
        char buf[ST_FORMAT_MAX];
        size_t n = st_format_value(from, sp, buf);
        st_str s = {"", (uint32_t)n, 0};
        if (dv) {
            char *c = st_vector_str_alloc(dv, n);
            if (!c) {
                if (why) st_sbuf_printf(why, "out of memory");
                return X_BAD;
            }
            memcpy(c, buf, n);
            s.ptr = c;
        }
        memcpy(dp, &s, sizeof s);
        return X_OK;
    }
    if (f == K_VARCHAR) {
        const st_str *s = sp;
        if (t == K_BLOB) {
            memcpy(dp, sp, sizeof(st_str));
            return X_OK;
        }
        st_error e;
        if (st_parse_value(to, s->ptr, s->len, dp, &e) != ST_OK) {
            if (why) st_sbuf_printf(why, "%s", e.msg);
            return X_BAD;
        }
        return X_OK;
    }
    if (!st_xcast_possible(from, to)) {
        if (why) st_sbuf_printf(why, "a %s value cannot be cast to %s", st_type_name(from, fn), st_type_name(to, tn));
        return X_BAD;
    }
    if (f == K_NUM) {
        st_i128 v;
        st_value_as_i128(from, sp, &v);
        return put_exact(to, v, from.id == ST_T_DECIMAL ? from.scale : 0, dp, why, from, sp);
    }
    if (f == K_FP) {
        double d;
        if (from.id == ST_T_FLOAT) {
            float x;
            memcpy(&x, sp, 4);
            d = x;
        } else {
            memcpy(&d, sp, 8);
        }
        if (to.id == ST_T_DOUBLE) {
            memcpy(dp, &d, 8);
            return X_OK;
        }
        if (to.id == ST_T_FLOAT) {
            float x = (float)d;
            if ((double)x != d && !isnan(d)) return fail(why, from, sp, to, " exactly");
            memcpy(dp, &x, 4);
            return X_OK;
        }
        st_i128 v;
        int s;
        if (!fp_exact(d, from.id == ST_T_FLOAT, &v, &s)) return fail(why, from, sp, to, NULL);
        return put_exact(to, v, s, dp, why, from, sp);
    }
    /* temporal: everything in nanoseconds since the epoch, as i128 */
    st_i128 v;
    st_value_as_i128(from, sp, &v);
    v *= time_unit((st_type_id)from.id);
    int64_t unit = time_unit((st_type_id)to.id);
    st_i128 q = v / unit, r = v % unit;
    if (r < 0) {
        r += unit;
        q--;
    }
    if (r) return fail(why, from, sp, to, to.id == ST_T_DATE ? " (it has a time of day)" : " without rounding");
    if (to.id == ST_T_DATE) {
        if (q < INT32_MIN || q > INT32_MAX) return fail(why, from, sp, to, NULL);
        int32_t x = (int32_t)q;
        memcpy(dp, &x, 4);
    } else {
        if (q < INT64_MIN || q > INT64_MAX) return fail(why, from, sp, to, NULL);
        int64_t x = (int64_t)q;
        memcpy(dp, &x, 8);
    }
    return X_OK;
}

/* ---- vectors ------------------------------------------------------------------------ */

#define WIDEN(ST, DT)                                                                     \
    do {                                                                                  \
        const ST *s_ = (const ST *)src->data;                                             \
        DT *d_ = (DT *)dst->data;                                                         \
        for (uint32_t i_ = 0; i_ < n; i_++) d_[i_] = (DT)s_[i_];                          \
    } while (0)

/* Loops for casts that cannot fail; false when there is none for the pair.
 * NULL slots hold zeros in src, so they become zeros here too. */
static bool widen_fast(const st_vector *src, uint32_t n, st_vector *dst) {
    st_type_id f = (st_type_id)src->type.id, t = (st_type_id)dst->type.id;
    if (t == ST_T_INT64) {
        if (f == ST_T_INT8) WIDEN(int8_t, int64_t);
        else if (f == ST_T_INT16) WIDEN(int16_t, int64_t);
        else if (f == ST_T_INT32) WIDEN(int32_t, int64_t);
        else return false;
        return true;
    }
    if (t == ST_T_INT32) {
        if (f == ST_T_INT8) WIDEN(int8_t, int32_t);
        else if (f == ST_T_INT16) WIDEN(int16_t, int32_t);
        else return false;
        return true;
    }
    if (t == ST_T_INT16 && f == ST_T_INT8) {
        WIDEN(int8_t, int16_t);
        return true;
    }
    if (t == ST_T_DOUBLE && f == ST_T_FLOAT) {
        WIDEN(float, double);
        return true;
    }
    if (t == ST_T_DECIMAL && f == ST_T_DECIMAL && !st_decimal_is_wide(src->type) && !st_decimal_is_wide(dst->type) &&
        dst->type.scale >= src->type.scale &&
        dst->type.precision - dst->type.scale >= src->type.precision - src->type.scale) {
        int64_t m = (int64_t)st_pow10_i128(dst->type.scale - src->type.scale);
        const int64_t *s = src->data;
        int64_t *d = dst->data;
        for (uint32_t i = 0; i < n; i++) d[i] = s[i] * m;
        return true;
    }
    return false;
}

st_status st_xcast_vector(const st_vector *src, uint32_t n, st_vector *dst, uint32_t *fails, uint32_t *nfails,
                          st_error *e) {
    *nfails = 0;
    st_vector_reset(dst);
    ST_TRY(st_vector_reserve(dst, n ? n : 1, e));
    st_type from = src->type, to = dst->type;
    size_t w = st_type_width(to);
    if (src->validity) {
        uint64_t *vd = st_vector_validity(dst);
        if (!vd) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memcpy(vd, src->validity, ((size_t)n + 63) / 64 * 8);
    }
    if (st_type_is_string(from)) /* results may point into src's pinned buffers */
        for (uint32_t i = 0; i < src->npins; i++) ST_TRY(st_vector_pin(dst, src->pins[i], e));
    dst->len = n;
    if (n == 0) return ST_OK;
    if (widen_fast(src, n, dst)) return ST_OK;
    size_t sw = st_type_width(from);
    bool possible = st_xcast_possible(from, to);
    for (uint32_t i = 0; i < n; i++) {
        void *dp = (char *)dst->data + (size_t)i * w;
        if (st_vector_is_null(src, i)) {
            memset(dp, 0, w);
            continue;
        }
        int r = possible ? cast_one(from, (const char *)src->data + (size_t)i * sw, to, dp, dst, NULL) : X_BAD;
        if (r != X_OK) {
            ST_TRY(st_vector_set_null(dst, i, e));
            fails[(*nfails)++] = i;
        }
    }
    return ST_OK;
}

st_reason_code st_xcast_explain(const st_vector *src, uint32_t row, st_type to, st_sbuf *out) {
    unsigned char slot[32];
    int r = cast_one(src->type, (const char *)src->data + (size_t)row * st_type_width(src->type), to, slot, NULL,
                     out);
    return r == X_UTF8 ? ST_R_UTF8 : ST_R_BAD_VALUE;
}
