/*
 * vcast.c: vector casts (see vcast.h).
 *
 * Every value goes through one of three intermediate forms, so the matrix
 * of type pairs stays small: an exact scaled integer (st_i128 with a scale:
 * integers, decimals, booleans), a double, or text (types.h's exact
 * printers and strict parsers).  Same-type casts copy; the common widening
 * of integers has a straight loop.
 */
#include "engine/vcast.h"

#include <math.h>
#include <string.h>

typedef enum { C_BOOL, C_INT, C_UINT, C_FLT, C_DEC, C_STR, C_BLOB, C_DATE, C_TS, C_NONE } cls;

static cls class_of(st_type t) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: return C_BOOL;
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32:
    case ST_T_INT64: return C_INT;
    case ST_T_UINT64: return C_UINT;
    case ST_T_FLOAT:
    case ST_T_DOUBLE: return C_FLT;
    case ST_T_DECIMAL: return C_DEC;
    case ST_T_VARCHAR: return C_STR;
    case ST_T_BLOB: return C_BLOB;
    case ST_T_DATE: return C_DATE;
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: return C_TS;
    default: return C_NONE;
    }
}

bool st_cast_allowed(st_type from, st_type to) {
    cls f = class_of(from), t = class_of(to);
    if (f == C_NONE || t == C_NONE) return from.id == ST_T_NULL && t != C_NONE;
    if (st_type_eq(from, to)) return true;
    bool num_f = f == C_INT || f == C_UINT || f == C_FLT || f == C_DEC;
    bool num_t = t == C_INT || t == C_UINT || t == C_FLT || t == C_DEC;
    if (t == C_STR) return true; /* BLOB -> VARCHAR: when valid UTF-8, row by row */
    if (f == C_STR) return true;
    if (f == C_BLOB) return false; /* only to VARCHAR (above) */
    if (t == C_BLOB) return false;
    if (num_f && num_t) return true;
    if (f == C_BOOL) return t == C_INT || t == C_UINT;
    if (t == C_BOOL) return f == C_INT || f == C_UINT;
    if ((f == C_DATE || f == C_TS) && (t == C_DATE || t == C_TS)) return true;
    return false;
}

/* ---- intermediate forms ---------------------------------------------------------- */

static st_i128 read_exact(st_type t, const void *p);
static double read_double(st_type t, const void *p);
static bool rescale(st_i128 v, int from, int to, st_i128 *out);

bool st_value_exact(st_type t, const void *v, st_i128 *out, int *scale) {
    cls c = class_of(t);
    if (c != C_BOOL && c != C_INT && c != C_UINT && c != C_DEC) return false;
    *out = read_exact(t, v);
    *scale = t.id == ST_T_DECIMAL ? t.scale : 0;
    return true;
}

double st_value_double(st_type t, const void *v) { return read_double(t, v); }

bool st_rescale(st_i128 v, int from, int to, st_i128 *out) { return rescale(v, from, to, out); }

static int scale_of(st_type t) { return t.id == ST_T_DECIMAL ? t.scale : 0; }

static st_i128 read_exact(st_type t, const void *p) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: return *(const uint8_t *)p;
    case ST_T_INT8: return *(const int8_t *)p;
    case ST_T_INT16: { int16_t x; memcpy(&x, p, 2); return x; }
    case ST_T_INT32: { int32_t x; memcpy(&x, p, 4); return x; }
    case ST_T_INT64: { int64_t x; memcpy(&x, p, 8); return x; }
    case ST_T_UINT64: { uint64_t x; memcpy(&x, p, 8); return (st_i128)x; }
    case ST_T_DECIMAL:
        if (st_decimal_is_wide(t)) { st_i128 x; memcpy(&x, p, 16); return x; }
        else { int64_t x; memcpy(&x, p, 8); return x; }
    default: return 0;
    }
}

static double read_double(st_type t, const void *p) {
    if (t.id == ST_T_FLOAT) { float f; memcpy(&f, p, 4); return f; }
    if (t.id == ST_T_DOUBLE) { double d; memcpy(&d, p, 8); return d; }
    st_i128 v = read_exact(t, p);
    int s = scale_of(t);
    return s ? (double)v / (double)st_pow10_i128(s) : (double)v;
}

/* v at scale `from` to scale `to`, rounding half away from zero; false on overflow. */
static bool rescale(st_i128 v, int from, int to, st_i128 *out) {
    if (to == from) {
        *out = v;
        return true;
    }
    if (to > from) {
        st_i128 m = st_pow10_i128(to - from);
        st_i128 lim = st_pow10_i128(38) / m;
        if (v >= lim || v <= -lim) return false;
        *out = v * m;
        return true;
    }
    st_i128 d = st_pow10_i128(from - to), q = v / d, r = v % d;
    if (r < 0) r = -r;
    if (2 * r >= d) q += v < 0 ? -1 : 1;
    *out = q;
    return true;
}

/* Store an exact scaled value into a non-string slot of type t. */
static bool write_exact(st_type t, st_i128 v, int scale, void *p) {
    st_i128 x;
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN:
        *(uint8_t *)p = v != 0;
        return true;
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32:
    case ST_T_INT64: {
        if (!rescale(v, scale, 0, &x)) return false;
        int64_t lo = t.id == ST_T_INT8 ? INT8_MIN : t.id == ST_T_INT16 ? INT16_MIN : t.id == ST_T_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = t.id == ST_T_INT8 ? INT8_MAX : t.id == ST_T_INT16 ? INT16_MAX : t.id == ST_T_INT32 ? INT32_MAX : INT64_MAX;
        if (x < lo || x > hi) return false;
        if (t.id == ST_T_INT8) *(int8_t *)p = (int8_t)x;
        else if (t.id == ST_T_INT16) { int16_t y = (int16_t)x; memcpy(p, &y, 2); }
        else if (t.id == ST_T_INT32) { int32_t y = (int32_t)x; memcpy(p, &y, 4); }
        else { int64_t y = (int64_t)x; memcpy(p, &y, 8); }
        return true;
    }
    case ST_T_UINT64: {
        if (!rescale(v, scale, 0, &x) || x < 0 || x > (st_i128)UINT64_MAX) return false;
        uint64_t y = (uint64_t)x;
        memcpy(p, &y, 8);
        return true;
    }
    case ST_T_DECIMAL:
        if (!rescale(v, scale, t.scale, &x)) return false;
        if (x >= st_pow10_i128(t.precision) || x <= -st_pow10_i128(t.precision)) return false;
        if (st_decimal_is_wide(t)) memcpy(p, &x, 16);
        else { int64_t y = (int64_t)x; memcpy(p, &y, 8); }
        return true;
    case ST_T_FLOAT: {
        float f = (float)((double)v / (double)st_pow10_i128(scale));
        memcpy(p, &f, 4);
        return true;
    }
    case ST_T_DOUBLE: {
        double d = (double)v / (double)st_pow10_i128(scale);
        memcpy(p, &d, 8);
        return true;
    }
    default: return false;
    }
}

static bool write_double(st_type t, double d, void *p) {
    if (t.id == ST_T_DOUBLE) {
        memcpy(p, &d, 8);
        return true;
    }
    if (t.id == ST_T_FLOAT) {
        float f = (float)d;
        if (isfinite(d) && !isfinite(f)) return false;
        memcpy(p, &f, 4);
        return true;
    }
    if (!isfinite(d)) return false;
    int s = scale_of(t);
    double x = d * (double)st_pow10_i128(s);
    if (fabs(x) >= 1.7e38) return false;
    x = x < 0 ? x - 0.5 : x + 0.5; /* half away from zero, then truncate */
    return write_exact(t, (st_i128)x, s, p);
}

static bool temporal(st_type from, const void *p, st_type to, void *out) {
    int64_t us; /* microseconds, or days for DATE */
    if (from.id == ST_T_DATE) {
        int32_t d;
        memcpy(&d, p, 4);
        if (to.id == ST_T_DATE) { memcpy(out, &d, 4); return true; }
        int64_t x = (int64_t)d * (to.id == ST_T_TIMESTAMP ? ST_USEC_PER_DAY : ST_NSEC_PER_DAY);
        memcpy(out, &x, 8);
        return true;
    }
    memcpy(&us, p, 8);
    int64_t per_day = from.id == ST_T_TIMESTAMP ? ST_USEC_PER_DAY : ST_NSEC_PER_DAY;
    if (to.id == ST_T_DATE) {
        int32_t d = (int32_t)st_floordiv(us, per_day);
        memcpy(out, &d, 4);
        return true;
    }
    int64_t x = us;
    if (from.id == ST_T_TIMESTAMP && to.id == ST_T_TIMESTAMP_NS) {
        if (us > INT64_MAX / 1000 || us < INT64_MIN / 1000) return false;
        x = us * 1000;
    } else if (from.id == ST_T_TIMESTAMP_NS && to.id == ST_T_TIMESTAMP) {
        x = st_floordiv(us, 1000);
    }
    memcpy(out, &x, 8);
    return true;
}

/* One non-NULL value; strings are copied into `strings` (an arena) or, with
 * a vector, into its heap.  Returns false when it cannot be cast. */
static bool cast_one(st_type from, const void *p, st_type to, void *out, st_vector *ov, st_arena *strings) {
    cls f = class_of(from), t = class_of(to);
    if (st_type_eq(from, to)) {
        if (f == C_STR || f == C_BLOB) goto copy_str;
        memcpy(out, p, st_type_width(to));
        return true;
    }
    if (t == C_STR || (t == C_BLOB && f == C_STR)) {
        if (f == C_STR || f == C_BLOB) {
            const st_str *s = p;
            if (t == C_STR && !st_utf8_valid(s->ptr, s->len, NULL)) return false;
            goto copy_str;
        }
        char buf[ST_FORMAT_MAX];
        size_t n = st_format_value(from, p, buf);
        char *c = ov ? st_vector_str_alloc(ov, n) : st_arena_memdup(strings, buf, n);
        if (!c) return false;
        if (ov) memcpy(c, buf, n);
        *(st_str *)out = (st_str){c, (uint32_t)n, 0};
        return true;
    }
    if (f == C_STR) {
        const st_str *s = p;
        return st_parse_value(to, s->ptr, s->len, out, NULL) == ST_OK;
    }
    if ((f == C_DATE || f == C_TS) && (t == C_DATE || t == C_TS)) return temporal(from, p, to, out);
    if (f == C_FLT) return write_double(to, read_double(from, p), out);
    if (t == C_FLT) return write_double(to, read_double(from, p), out);
    if (f == C_BOOL || f == C_INT || f == C_UINT || f == C_DEC) return write_exact(to, read_exact(from, p), scale_of(from), out);
    return false;
copy_str: {
    const st_str *s = p;
    char *c = ov ? st_vector_str_alloc(ov, s->len) : st_arena_memdup(strings, s->ptr, s->len);
    if (!c && s->len) return false;
    if (ov && s->len) memcpy(c, s->ptr, s->len);
    *(st_str *)out = (st_str){c ? c : "", s->len, 0};
    return true;
}
}

st_status st_cast_vector(const st_vector *in, st_type to, st_vector *out, uint64_t *fail, st_error *e) {
    uint32_t n = in->len;
    if (!st_cast_allowed(in->type, to)) {
        char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
        return st_error_set(e, ST_ERR_TYPE, "cannot cast %s to %s", st_type_name(in->type, a), st_type_name(to, b));
    }
    if (!st_type_eq(out->type, to)) return st_error_set(e, ST_ERR_INTERNAL, "cast: output vector of another type");
    st_vector_reset(out);
    ST_TRY(st_vector_reserve(out, n ? n : 1, e));
    size_t w = st_type_width(to);
    uint64_t *val = NULL;
    if (in->validity) {
        if (!(val = st_vector_validity(out))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memcpy(val, in->validity, ((size_t)n + 63) / 64 * 8);
    }
    out->len = n;
    if (in->type.id == ST_T_NULL) {
        if (!(val = st_vector_validity(out))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memset(val, 0, ((size_t)n + 63) / 64 * 8);
        memset(out->data, 0, (size_t)n * w);
        return ST_OK;
    }
    /* straight loops for the common cases */
    if (st_type_eq(in->type, to) && !st_type_is_string(to)) {
        memcpy(out->data, in->data, (size_t)n * w);
        return ST_OK;
    }
    if (to.id == ST_T_INT64 && (in->type.id == ST_T_INT32 || in->type.id == ST_T_INT16 || in->type.id == ST_T_INT8)) {
        int64_t *d = out->data;
        for (uint32_t i = 0; i < n; i++) d[i] = (int64_t)read_exact(in->type, st_vector_at(in, i));
        return ST_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        void *dst = (char *)out->data + (size_t)i * w;
        if (st_vector_is_null(in, i)) {
            memset(dst, 0, w);
            continue;
        }
        if (!cast_one(in->type, st_vector_at(in, i), to, dst, out, NULL)) {
            if (!out->validity && !st_vector_validity(out)) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            ST_TRY(st_vector_set_null(out, i, e));
            fail[i >> 6] |= UINT64_C(1) << (i & 63);
        }
    }
    return ST_OK;
}

st_status st_cast_value(st_type from, const void *v, st_type to, void *out, st_arena *strings, st_error *e) {
    char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
    if (!st_cast_allowed(from, to))
        return st_error_set(e, ST_ERR_TYPE, "cannot cast %s to %s", st_type_name(from, a), st_type_name(to, b));
    if (!cast_one(from, v, to, out, NULL, strings)) {
        if (class_of(from) == C_STR) {
            const st_str *s = v;
            return st_error_set(e, ST_ERR_INVALID, "'%.*s' is not a valid %s", (int)(s->len > 60 ? 60 : s->len),
                                s->ptr, st_type_name(to, b));
        }
        char buf[ST_FORMAT_MAX];
        st_format_value(from, v, buf);
        return st_error_set(e, ST_ERR_INVALID, "%s %s does not fit %s", st_type_name(from, a), buf, st_type_name(to, b));
    }
    return ST_OK;
}
