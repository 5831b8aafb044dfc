/*
 * sq_cast.c: CAST and TRY_CAST between every pair of types that allows it.
 *
 * Semantics (DuckDB's, checked against it):
 *  - DOUBLE/FLOAT -> integer rounds half to even (2.5 -> 2, 3.5 -> 4);
 *    DECIMAL -> integer and DECIMAL -> DECIMAL with fewer digits round half
 *    away from zero (2.5 -> 3); DOUBLE -> DECIMAL rounds half away from zero.
 *  - VARCHAR -> integer accepts a decimal fraction and rounds half away from
 *    zero ('2.5' -> 3) and an exponent ('1e2' -> 100); surrounding blanks
 *    are allowed.
 *  - Out-of-range values and unparsable strings are errors with the CAST's
 *    position (TRY_CAST gives NULL instead).  NaN and infinities do not
 *    convert to integers or decimals.
 *  - TIMESTAMP -> DATE keeps the day (floor); DATE -> TIMESTAMP is midnight.
 *  - Anything -> VARCHAR prints the value exactly as the result printer does
 *    (types.h), so CAST(x AS VARCHAR) and the output of x agree.
 *
 * Structure: one kernel; the source class is resolved once per chunk and the
 * rows go through a typed loop into an intermediate (128-bit unscaled value
 * or double), then through a typed loop into the target.  No per-row switch.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/sql/sql_int.h"
#include "format/valtext.h"

typedef enum { CL_EXACT, CL_FLOAT, CL_STR, CL_TIME, CL_NULL } cast_class;

static cast_class class_of(st_type t) {
    switch (t.id) {
    case ST_T_BOOLEAN:
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32:
    case ST_T_INT64:
    case ST_T_UINT64:
    case ST_T_DECIMAL: return CL_EXACT;
    case ST_T_FLOAT:
    case ST_T_DOUBLE: return CL_FLOAT;
    case ST_T_VARCHAR:
    case ST_T_BLOB: return CL_STR;
    case ST_T_NULL: return CL_NULL;
    default: return CL_TIME;
    }
}

static int scale_of(st_type t) { return t.id == ST_T_DECIMAL ? t.scale : 0; }

/* failure on row r: error, or NULL for TRY_CAST */
typedef struct castctx {
    sq_ectx *cx;
    const sq_expr *ex;
    const sq_vec *arg;
    st_vector *out;
    bool try_;
    st_error *e;
} castctx;

static st_status cast_fail(castctx *c, uint32_t r, const char *why) {
    if (c->try_) {
        uint64_t *vb = sq_vec_validity(c->out);
        if (!vb) return st_error_set(c->e, ST_ERR_NOMEM, "out of memory");
        sq_setnull(vb, r);
        size_t w = st_type_width(c->out->type);
        memset((char *)c->out->data + (size_t)r * w, 0, w);
        return ST_OK;
    }
    const st_vector *v = c->arg->v;
    uint32_t i = c->arg->c ? 0 : r;
    char val[96], tn[ST_TYPE_NAME_MAX], fn[ST_TYPE_NAME_MAX];
    if (st_type_is_string(v->type)) {
        const st_str *s = (const st_str *)v->data + i;
        uint32_t len = s->len > 60 ? 60 : s->len;
        /* keep the excerpt valid UTF-8: cut at a character boundary */
        while (len < s->len && len && ((unsigned char)s->ptr[len] & 0xC0) == 0x80) len--;
        snprintf(val, sizeof val, "'%.*s%s'", (int)len, s->ptr, len < s->len ? "..." : "");
    } else {
        st_format_value(v->type, st_vector_at(v, i), val);
    }
    return sq_err_at(c->e, ST_ERR_INVALID, c->cx->sql, c->ex->pos,
                     "cannot cast %s %s to %s%s%s", sq_type_name(v->type, fn), val,
                     sq_type_name(c->out->type, tn), why ? ": " : "", why ? why : "");
}

static inline bool row_null(const sq_vec *a, uint32_t r) { return sq_isnull(a->v, a->c ? 0 : r); }

/* ---- loading the source into an intermediate ---------------------------- */

#define LOAD(T, DST)                                                          \
    do {                                                                      \
        const T *d = (const T *)a->v->data;                                   \
        for (uint32_t k = 0; k < n; k++) {                                    \
            uint32_t r = sel ? sel[k] : k;                                    \
            DST[r] = d[a->c ? 0 : r];                                         \
        }                                                                     \
    } while (0)

static void load_exact(const sq_vec *a, const uint32_t *sel, uint32_t n, st_i128 *dst) {
    switch (sq_phys_of(a->v->type)) {
    case P_BOOL: LOAD(uint8_t, dst); break;
    case P_I8: LOAD(int8_t, dst); break;
    case P_I16: LOAD(int16_t, dst); break;
    case P_I32: LOAD(int32_t, dst); break;
    case P_I64: LOAD(int64_t, dst); break;
    case P_U64: LOAD(uint64_t, dst); break;
    case P_I128: LOAD(st_i128, dst); break;
    default: break;
    }
}

static void load_float(const sq_vec *a, const uint32_t *sel, uint32_t n, double *dst) {
    if (a->v->type.id == ST_T_FLOAT) LOAD(float, dst);
    else LOAD(double, dst);
}

/* ---- storing ------------------------------------------------------------ */

static inline st_i128 div_round(st_i128 v, st_i128 p) {
    /* v / p rounded half away from zero */
    st_i128 q = v / p, rm = v % p;
    if (rm < 0) rm = -rm;
    if (rm * 2 >= p) q += v < 0 ? -1 : 1;
    return q;
}

static bool int_range(st_type_id t, st_i128 v) {
    switch (t) {
    case ST_T_BOOLEAN: return true;
    case ST_T_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case ST_T_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case ST_T_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    case ST_T_INT64: return v >= INT64_MIN && v <= INT64_MAX;
    case ST_T_UINT64: return v >= 0 && v <= (st_i128)UINT64_MAX;
    default: return false;
    }
}

static void put_exact(st_vector *o, uint32_t r, st_i128 v) {
    switch (sq_phys_of(o->type)) {
    case P_BOOL: ((uint8_t *)o->data)[r] = v != 0; break;
    case P_I8: ((int8_t *)o->data)[r] = (int8_t)v; break;
    case P_I16: ((int16_t *)o->data)[r] = (int16_t)v; break;
    case P_I32: ((int32_t *)o->data)[r] = (int32_t)v; break;
    case P_I64: ((int64_t *)o->data)[r] = (int64_t)v; break;
    case P_U64: ((uint64_t *)o->data)[r] = (uint64_t)v; break;
    case P_I128: ((st_i128 *)o->data)[r] = v; break;
    default: break;
    }
}

/* exact (unscaled v at scale fs) -> exact target */
static st_status exact_to_exact(castctx *c, const uint32_t *sel, uint32_t n, const st_i128 *src,
                                int fs) {
    st_type to = c->out->type;
    int ts = scale_of(to);
    bool dec = to.id == ST_T_DECIMAL;
    st_i128 lim = dec ? st_pow10_i128(to.precision) : 0;
    st_i128 up = ts > fs ? st_pow10_i128(ts - fs) : 1, down = fs > ts ? st_pow10_i128(fs - ts) : 1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        if (row_null(c->arg, r)) continue;
        st_i128 v = src[r];
        if (to.id == ST_T_BOOLEAN) {
            ((uint8_t *)c->out->data)[r] = v != 0;
            continue;
        }
        if (down > 1) v = div_round(v, down);
        if (up > 1) {
            st_i128 w;
            if (__builtin_mul_overflow(v, up, &w)) {
                ST_TRY(cast_fail(c, r, "out of range"));
                continue;
            }
            v = w;
        }
        bool ok = dec ? (v < lim && v > -lim) : int_range(to.id, v);
        if (!ok) {
            ST_TRY(cast_fail(c, r, "out of range"));
            continue;
        }
        put_exact(c->out, r, v);
    }
    return ST_OK;
}

static st_status exact_to_float(castctx *c, const uint32_t *sel, uint32_t n, const st_i128 *src,
                                int fs) {
    double p = (double)st_pow10_i128(fs);
    bool f32 = c->out->type.id == ST_T_FLOAT;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        double d = (double)src[r];
        if (fs) d /= p;
        if (f32) ((float *)c->out->data)[r] = (float)d;
        else ((double *)c->out->data)[r] = d;
    }
    return ST_OK;
}

static st_status float_to_exact(castctx *c, const uint32_t *sel, uint32_t n, const double *src) {
    st_type to = c->out->type;
    bool dec = to.id == ST_T_DECIMAL;
    double lim = dec ? (double)st_pow10_i128(to.precision) : 0;
    double scale = dec ? (double)st_pow10_i128(to.scale) : 1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        if (row_null(c->arg, r)) continue;
        double d = src[r];
        if (to.id == ST_T_BOOLEAN) {
            ((uint8_t *)c->out->data)[r] = d != 0;
            continue;
        }
        if (!isfinite(d)) {
            ST_TRY(cast_fail(c, r, "not a finite number"));
            continue;
        }
        st_i128 v;
        if (dec) {
            double x = round(d * scale); /* half away from zero */
            if (!(x < lim && x > -lim)) {
                ST_TRY(cast_fail(c, r, "out of range"));
                continue;
            }
            v = (st_i128)x;
        } else {
            double x = nearbyint(d); /* half to even (default rounding mode) */
            if (!(x >= -1.8446744073709552e19 && x <= 1.8446744073709552e19) ||
                !int_range(to.id, (st_i128)x)) {
                ST_TRY(cast_fail(c, r, "out of range"));
                continue;
            }
            v = (st_i128)x;
        }
        put_exact(c->out, r, v);
    }
    return ST_OK;
}

static st_status float_to_float(castctx *c, const uint32_t *sel, uint32_t n, const double *src) {
    bool f32 = c->out->type.id == ST_T_FLOAT;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        double d = src[r];
        if (f32) {
            if (isfinite(d) && fabs(d) > 3.4028234663852886e38 && !row_null(c->arg, r)) {
                ST_TRY(cast_fail(c, r, "out of range"));
                continue;
            }
            ((float *)c->out->data)[r] = (float)d;
        } else {
            ((double *)c->out->data)[r] = d;
        }
    }
    return ST_OK;
}

/* ---- strings ------------------------------------------------------------ */

static st_status to_varchar(castctx *c, const uint32_t *sel, uint32_t n) {
    const st_vector *v = c->arg->v;
    sq_strw w = {c->out, NULL, 0};
    bool blob_src = v->type.id == ST_T_BLOB, str_src = st_type_is_string(v->type);
    st_sbuf sb = ST_SBUF_INIT;
    st_status rc = ST_OK;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        uint32_t i = c->arg->c ? 0 : r;
        if (sq_isnull(v, i)) continue;
        if (blob_src && c->out->type.id == ST_T_VARCHAR) {
            const st_str *s = (const st_str *)v->data + i;
            st_sbuf_clear(&sb);
            st_text_blob(&sb, s->ptr, s->len);
            if (sb.failed || !sq_strw_put(&w, r, sb.p ? sb.p : "", sb.len)) {
                rc = st_error_set(c->e, ST_ERR_NOMEM, "out of memory");
                break;
            }
        } else if (str_src) {
            const st_str *s = (const st_str *)v->data + i;
            if (c->out->type.id == ST_T_VARCHAR) {
                size_t bad;
                if (!st_utf8_valid(s->ptr, s->len, &bad)) {
                    rc = cast_fail(c, r, "not valid UTF-8");
                    if (rc) break;
                    continue;
                }
            }
            ((st_str *)c->out->data)[r] = *s; /* same bytes: no copy needed */
        } else {
            char buf[ST_FORMAT_MAX];
            size_t len = st_format_value(v->type, st_vector_at(v, i), buf);
            if (!sq_strw_put(&w, r, buf, len)) {
                rc = st_error_set(c->e, ST_ERR_NOMEM, "out of memory");
                break;
            }
        }
    }
    st_sbuf_free(&sb);
    return rc;
}

static st_status from_varchar(castctx *c, const uint32_t *sel, uint32_t n) {
    const st_vector *v = c->arg->v;
    st_type to = c->out->type;
    size_t w = st_type_width(to);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        uint32_t i = c->arg->c ? 0 : r;
        if (sq_isnull(v, i)) continue;
        st_str sv = ((const st_str *)v->data)[i];
        if (!sv.ptr) sv.ptr = ""; /* an empty string may have no bytes at all */
        const st_str *s = &sv;
        void *dst = (char *)c->out->data + (size_t)r * w;
        st_status prc;
        st_error pe;
        st_error_clear(&pe);
        if (to.id == ST_T_DECIMAL) {
            st_i128 x;
            prc = st_parse_decimal(s->ptr, s->len, to.precision, to.scale, true, &x, &pe);
            if (prc == ST_OK) put_exact(c->out, r, x);
        } else if (st_type_is_integer(to)) {
            int64_t x;
            prc = to.id == ST_T_UINT64 ? st_parse_uint64(s->ptr, s->len, (uint64_t *)&x, &pe)
                                       : st_parse_int64(s->ptr, s->len, &x, &pe);
            if (prc == ST_OK && to.id != ST_T_UINT64) {
                if (!int_range(to.id, x)) {
                    ST_TRY(cast_fail(c, r, "out of range"));
                    continue;
                }
                put_exact(c->out, r, x);
            } else if (prc == ST_OK) {
                ((uint64_t *)c->out->data)[r] = (uint64_t)x;
            } else {
                /* '2.5' -> 3, '1e2' -> 100: through a rounding decimal */
                st_i128 y;
                st_error_clear(&pe);
                prc = st_parse_decimal(s->ptr, s->len, 38, 0, true, &y, &pe);
                if (prc == ST_OK) {
                    if (!int_range(to.id, y)) {
                        ST_TRY(cast_fail(c, r, "out of range"));
                        continue;
                    }
                    put_exact(c->out, r, y);
                }
            }
        } else {
            prc = st_parse_value(to, s->ptr, s->len, dst, &pe);
        }
        if (prc != ST_OK) ST_TRY(cast_fail(c, r, NULL));
    }
    return ST_OK;
}

/* ---- temporal ----------------------------------------------------------- */

static st_status time_to_time(castctx *c, const uint32_t *sel, uint32_t n) {
    st_type from = c->arg->v->type, to = c->out->type;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = sel ? sel[k] : k;
        uint32_t i = c->arg->c ? 0 : r;
        if (sq_isnull(c->arg->v, i)) continue;
        int64_t v = from.id == ST_T_DATE ? ((const int32_t *)c->arg->v->data)[i]
                                         : ((const int64_t *)c->arg->v->data)[i];
        int64_t o = 0;
        bool ok = true;
        /* to microseconds (or days) */
        if (from.id == ST_T_DATE && to.id == ST_T_TIMESTAMP) ok = !__builtin_mul_overflow(v, ST_USEC_PER_DAY, &o);
        else if (from.id == ST_T_DATE && to.id == ST_T_TIMESTAMP_NS) ok = !__builtin_mul_overflow(v, ST_NSEC_PER_DAY, &o);
        else if (from.id == ST_T_TIMESTAMP && to.id == ST_T_DATE) o = st_floordiv(v, ST_USEC_PER_DAY);
        else if (from.id == ST_T_TIMESTAMP_NS && to.id == ST_T_DATE) o = st_floordiv(v, ST_NSEC_PER_DAY);
        else if (from.id == ST_T_TIMESTAMP && to.id == ST_T_TIMESTAMP_NS) ok = !__builtin_mul_overflow(v, 1000, &o);
        else if (from.id == ST_T_TIMESTAMP_NS && to.id == ST_T_TIMESTAMP) o = st_floordiv(v, 1000);
        else o = v;
        if (to.id == ST_T_DATE && (o < INT32_MIN || o > INT32_MAX)) ok = false;
        if (!ok) {
            ST_TRY(cast_fail(c, r, "out of range"));
            continue;
        }
        if (to.id == ST_T_DATE) ((int32_t *)c->out->data)[r] = (int32_t)o;
        else ((int64_t *)c->out->data)[r] = o;
    }
    return ST_OK;
}

static st_status k_cast(sq_ectx *cx, const sq_expr *ex, const sq_vec *args, const uint32_t *sel,
                        uint32_t n, st_vector *out, st_error *e) {
    castctx c = {cx, ex, &args[0], out, ex->aux != 0, e};
    ST_TRY(sq_prop_nulls(out, args, 1, sel, n, e));
    st_type from = args[0].v->type, to = ex->type;
    cast_class fc = class_of(from), tc = class_of(to);
    st_status rc = ST_OK;
    if (fc == CL_NULL) {
        /* all NULL: prop_nulls made them NULL already */
    } else if (tc == CL_STR) {
        rc = to_varchar(&c, sel, n);
    } else if (fc == CL_STR) {
        rc = from_varchar(&c, sel, n);
    } else if (fc == CL_EXACT || fc == CL_FLOAT) {
        if (tc == CL_TIME) return sq_err_at(e, ST_ERR_TYPE, cx->sql, ex->pos, "cannot cast a number to a date or time");
        static __thread st_i128 ex_buf[SQ_CHUNK];
        static __thread double fl_buf[SQ_CHUNK];
        if (fc == CL_EXACT) {
            load_exact(&args[0], sel, n, ex_buf);
            rc = tc == CL_FLOAT ? exact_to_float(&c, sel, n, ex_buf, scale_of(from))
                                : exact_to_exact(&c, sel, n, ex_buf, scale_of(from));
        } else {
            load_float(&args[0], sel, n, fl_buf);
            rc = tc == CL_FLOAT ? float_to_float(&c, sel, n, fl_buf) : float_to_exact(&c, sel, n, fl_buf);
        }
    } else if (fc == CL_TIME && tc == CL_TIME) {
        rc = time_to_time(&c, sel, n);
    } else {
        char a[ST_TYPE_NAME_MAX], b[ST_TYPE_NAME_MAX];
        return sq_err_at(e, ST_ERR_TYPE, cx->sql, ex->pos, "cannot cast %s to %s",
                         sq_type_name(from, a), sq_type_name(to, b));
    }
    if (rc == ST_OK) sq_zero_nulls(out, sel, n);
    return rc;
}

/* ---- widening: the value is kept as is, only its storage widens --------- */

#define DEF_WIDEN(NAME, F, T)                                                 \
    static st_status NAME(sq_ectx *cx, const sq_expr *ex, const sq_vec *args, \
                          const uint32_t *sel, uint32_t n, st_vector *out, st_error *e) { \
        (void)cx;                                                             \
        (void)ex;                                                             \
        ST_TRY(sq_prop_nulls(out, args, 1, sel, n, e));                       \
        const F *a = (const F *)args[0].v->data;                              \
        T *o = (T *)out->data;                                                \
        if (args[0].c) {                                                      \
            T v = (T)a[0];                                                    \
            for (uint32_t k = 0; k < n; k++) o[sel ? sel[k] : k] = v;         \
        } else if (sel) {                                                     \
            for (uint32_t k = 0; k < n; k++) o[sel[k]] = (T)a[sel[k]];        \
        } else {                                                              \
            for (uint32_t k = 0; k < n; k++) o[k] = (T)a[k];                  \
        }                                                                     \
        return ST_OK;                                                         \
    }
DEF_WIDEN(w_i8_i16, int8_t, int16_t)
DEF_WIDEN(w_i8_i32, int8_t, int32_t)
DEF_WIDEN(w_i8_i64, int8_t, int64_t)
DEF_WIDEN(w_i8_i128, int8_t, st_i128)
DEF_WIDEN(w_i16_i32, int16_t, int32_t)
DEF_WIDEN(w_i16_i64, int16_t, int64_t)
DEF_WIDEN(w_i16_i128, int16_t, st_i128)
DEF_WIDEN(w_i32_i64, int32_t, int64_t)
DEF_WIDEN(w_i32_i128, int32_t, st_i128)
DEF_WIDEN(w_i64_i128, int64_t, st_i128)
DEF_WIDEN(w_i64_i64, int64_t, int64_t)
DEF_WIDEN(w_i32_f64, int32_t, double)
DEF_WIDEN(w_i64_f64, int64_t, double)
DEF_WIDEN(w_i16_f64, int16_t, double)
DEF_WIDEN(w_i8_f64, int8_t, double)
DEF_WIDEN(w_f32_f64, float, double)

/* digits a type's values can have (integers: their DECIMAL width) */
static int digits_of(st_type t) {
    if (t.id == ST_T_DECIMAL) return t.precision - t.scale;
    if (st_type_is_integer(t) && t.id != ST_T_UINT64) return sq_int_as_decimal(t).precision;
    return 99;
}

/* A cast that keeps every value exactly and needs no check: integer or
 * decimal to a wider integer or decimal of the same scale (DATE->INT64 etc.
 * are not casts).  The kernel only converts the storage. */
static sq_kfn widening(st_type from, st_type to) {
    bool fe = (st_type_is_integer(from) && from.id != ST_T_UINT64) || from.id == ST_T_DECIMAL;
    bool te = (st_type_is_integer(to) && to.id != ST_T_UINT64) || to.id == ST_T_DECIMAL;
    if (fe && te) {
        if (scale_of(from) != scale_of(to)) return NULL;
        if (digits_of(to) < digits_of(from)) return NULL;
        /* an integer target must hold every value of the source */
        if (st_type_is_integer(to) && from.id == ST_T_DECIMAL) return NULL;
        if (to.id == ST_T_DECIMAL && digits_of(to) < digits_of(from)) return NULL;
        sq_phys pf = sq_phys_of(from), pt = sq_phys_of(to);
        if (st_type_is_integer(to) && st_type_is_integer(from) &&
            sq_int_as_decimal(to).precision < sq_int_as_decimal(from).precision)
            return NULL;
        switch (pf) {
        case P_I8:
            return pt == P_I16 ? w_i8_i16 : pt == P_I32 ? w_i8_i32 : pt == P_I64 ? w_i8_i64 : pt == P_I128 ? w_i8_i128 : NULL;
        case P_I16:
            return pt == P_I32 ? w_i16_i32 : pt == P_I64 ? w_i16_i64 : pt == P_I128 ? w_i16_i128 : NULL;
        case P_I32: return pt == P_I64 ? w_i32_i64 : pt == P_I128 ? w_i32_i128 : NULL;
        case P_I64: return pt == P_I128 ? w_i64_i128 : pt == P_I64 ? w_i64_i64 : NULL;
        default: return NULL;
        }
    }
    if (to.id == ST_T_DOUBLE) {
        switch (from.id) {
        case ST_T_INT8: return w_i8_f64;
        case ST_T_INT16: return w_i16_f64;
        case ST_T_INT32: return w_i32_f64;
        case ST_T_INT64: return w_i64_f64;
        case ST_T_FLOAT: return w_f32_f64;
        default: return NULL;
        }
    }
    return NULL;
}

sq_kfn sq_cast_kernel(st_type from, st_type to, bool try_) {
    (void)try_;
    if (!sq_cast_possible(from, to)) return NULL;
    sq_kfn w = widening(from, to);
    return w ? w : k_cast;
}

sq_expr *sq_cast_expr(st_arena *a, sq_expr *x, st_type t, bool try_) {
    if (st_type_eq(x->type, t) && !try_) return x;
    sq_expr *c = sq_expr_new(a, E_FUNC, t, x->pos);
    if (!c) return NULL;
    c->args = st_arena_alloc(a, sizeof *c->args);
    if (!c->args) return NULL;
    c->args[0] = x;
    c->nargs = 1;
    c->kfn = sq_cast_kernel(x->type, t, try_);
    if (!c->kfn) c->kfn = k_cast;
    c->aux = try_;
    c->name = try_ ? "try_cast" : "cast";
    return c;
}

st_status sq_cast_value(st_arena *a, const sq_value *in, st_type to, bool try_, sq_value *out,
                        st_error *e) {
    if (in->null || in->type.id == ST_T_NULL) {
        memset(out, 0, sizeof *out);
        out->type = to;
        out->null = true;
        return ST_OK;
    }
    sq_expr *k = sq_expr_const(a, in, 0);
    if (!k) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    sq_expr *c = sq_cast_expr(a, k, to, try_);
    if (!c) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    return sq_eval_const(a, NULL, 0, c, out, e);
}
