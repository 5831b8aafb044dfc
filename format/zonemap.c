/*
 * zonemap.c: zone maps: vectorized update, merge, pruning test, JSON form
 * (see zonemap.h for the guarantees pruning relies on).
 *
 * Strings are bounded by 32-byte prefixes.  The bounds stay valid under any
 * sequence of updates even after truncation: the stored min is always <= each
 * value seen (it is a prefix of one of them, or that value itself), and the
 * stored max >= each value seen (an incremented prefix of one, or the value).
 */
#include "format/zonemap.h"

#include <math.h>
#include <string.h>

void st_zonemap_init(st_zonemap *zm, st_type t) {
    memset(zm, 0, sizeof *zm);
    zm->type = t;
    zm->min_exact = zm->max_exact = true;
}

static int str_cmp(const char *a, size_t an, const char *b, size_t bn) {
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Kinds of bound storage. */
typedef enum { K_I64, K_U64, K_F64, K_I128, K_STR, K_NONE } kind;

static kind kind_of(st_type t) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN:
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32:
    case ST_T_INT64:
    case ST_T_DATE:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: return K_I64;
    case ST_T_DECIMAL: return t.precision > ST_DECIMAL_SMALL_MAX ? K_I128 : K_I64;
    case ST_T_UINT64: return K_U64;
    case ST_T_FLOAT:
    case ST_T_DOUBLE: return K_F64;
    case ST_T_VARCHAR:
    case ST_T_BLOB: return K_STR;
    default: return K_NONE;
    }
}

int st_zval_cmp(st_type t, const st_zval *a, const st_zval *b) {
    switch (kind_of(t)) {
    case K_I64: return a->v.i64 < b->v.i64 ? -1 : a->v.i64 > b->v.i64;
    case K_U64: return a->v.u64 < b->v.u64 ? -1 : a->v.u64 > b->v.u64;
    case K_F64: return a->v.f64 < b->v.f64 ? -1 : a->v.f64 > b->v.f64;
    case K_I128: return a->v.i128 < b->v.i128 ? -1 : a->v.i128 > b->v.i128;
    case K_STR: return str_cmp(a->s, a->slen, b->s, b->slen);
    default: return 0;
    }
}

static int64_t read_i64(st_type t, const void *p) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: return *(const uint8_t *)p;
    case ST_T_INT8: return *(const int8_t *)p;
    case ST_T_INT16: { int16_t x; memcpy(&x, p, 2); return x; }
    case ST_T_INT32:
    case ST_T_DATE: { int32_t x; memcpy(&x, p, 4); return x; }
    default: { int64_t x; memcpy(&x, p, 8); return x; }
    }
}

void st_zval_from_value(st_type t, const void *value, st_zval *out) {
    memset(out, 0, sizeof *out);
    switch (kind_of(t)) {
    case K_I64: out->v.i64 = read_i64(t, value); break;
    case K_U64: memcpy(&out->v.u64, value, 8); break;
    case K_F64:
        if (t.id == ST_T_FLOAT) { float f; memcpy(&f, value, 4); out->v.f64 = f; }
        else memcpy(&out->v.f64, value, 8);
        break;
    case K_I128: memcpy(&out->v.i128, value, 16); break;
    case K_STR: {
        const st_str *s = value;
        out->slen = (uint8_t)(s->len < ST_ZONE_STR_MAX ? s->len : ST_ZONE_STR_MAX);
        memcpy(out->s, s->ptr, out->slen);
        break;
    }
    default: break;
    }
}

/* ---- update ------------------------------------------------------------- */

#define ROW(k) (sel ? sel[k] : (k))

#define MINMAX_LOOP(CT, FIELD, CONV)                                          \
    do {                                                                      \
        const CT *d = (const CT *)v->data;                                    \
        bool any = false;                                                     \
        __typeof__(zm->min.v.FIELD) lo = 0, hi = 0;                           \
        for (uint32_t k = 0; k < n; k++) {                                    \
            uint32_t r = ROW(k);                                              \
            if (nulls && !((nulls[r >> 6] >> (r & 63)) & 1)) {                \
                nnull++;                                                      \
                continue;                                                     \
            }                                                                 \
            __typeof__(lo) x = CONV(d[r]);                                    \
            if (!any) { lo = hi = x; any = true; }                            \
            else { if (x < lo) lo = x; if (x > hi) hi = x; }                  \
        }                                                                     \
        if (any) {                                                            \
            if (!zm->has_min || lo < zm->min.v.FIELD) zm->min.v.FIELD = lo;   \
            if (!zm->has_max || hi > zm->max.v.FIELD) zm->max.v.FIELD = hi;   \
            zm->has_min = zm->has_max = true;                                 \
        }                                                                     \
    } while (0)

#define ID(x) (x)

static void str_bound_min(st_zonemap *zm, const st_str *s) {
    size_t n = s->len < ST_ZONE_STR_MAX ? s->len : ST_ZONE_STR_MAX;
    if (!zm->has_min || str_cmp(s->ptr, s->len, zm->min.s, zm->min.slen) < 0) {
        memcpy(zm->min.s, s->ptr, n);
        zm->min.slen = (uint8_t)n;
        zm->min_exact = n == s->len;
        zm->has_min = true;
    }
}

static void str_bound_max(st_zonemap *zm, const st_str *s, bool *unbounded) {
    if (*unbounded) return;
    if (zm->has_max && str_cmp(s->ptr, s->len, zm->max.s, zm->max.slen) <= 0) return;
    if (s->len <= ST_ZONE_STR_MAX) {
        memcpy(zm->max.s, s->ptr, s->len);
        zm->max.slen = (uint8_t)s->len;
        zm->max_exact = true;
        zm->has_max = true;
        return;
    }
    /* prefix with the last incrementable byte incremented: > every string
     * that starts with the prefix */
    size_t n = ST_ZONE_STR_MAX;
    while (n > 0 && (unsigned char)s->ptr[n - 1] == 0xFF) n--;
    if (n == 0) {
        *unbounded = true;
        zm->has_max = false;
        return;
    }
    memcpy(zm->max.s, s->ptr, n);
    zm->max.s[n - 1] = (char)((unsigned char)zm->max.s[n - 1] + 1);
    zm->max.slen = (uint8_t)n;
    zm->max_exact = false;
    zm->has_max = true;
}

void st_zonemap_update(st_zonemap *zm, const st_vector *v, const uint32_t *sel, uint32_t n) {
    const uint64_t *nulls = v->validity;
    uint64_t nnull = 0;
    zm->rows += n;
    switch ((st_type_id)zm->type.id) {
    case ST_T_BOOLEAN: MINMAX_LOOP(uint8_t, i64, ID); break;
    case ST_T_INT8: MINMAX_LOOP(int8_t, i64, ID); break;
    case ST_T_INT16: MINMAX_LOOP(int16_t, i64, ID); break;
    case ST_T_INT32:
    case ST_T_DATE: MINMAX_LOOP(int32_t, i64, ID); break;
    case ST_T_INT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: MINMAX_LOOP(int64_t, i64, ID); break;
    case ST_T_UINT64: MINMAX_LOOP(uint64_t, u64, ID); break;
    case ST_T_DECIMAL:
        if (zm->type.precision > ST_DECIMAL_SMALL_MAX) MINMAX_LOOP(st_i128, i128, ID);
        else MINMAX_LOOP(int64_t, i64, ID);
        break;
    case ST_T_FLOAT:
    case ST_T_DOUBLE: {
        bool any = false;
        double lo = 0, hi = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = ROW(k);
            if (nulls && !((nulls[r >> 6] >> (r & 63)) & 1)) {
                nnull++;
                continue;
            }
            double x = zm->type.id == ST_T_FLOAT ? (double)((const float *)v->data)[r]
                                                 : ((const double *)v->data)[r];
            if (isnan(x)) {
                zm->has_nan = true;
                continue;
            }
            if (!any) lo = hi = x, any = true;
            else {
                if (x < lo) lo = x;
                if (x > hi) hi = x;
            }
        }
        if (any) {
            if (!zm->has_min || lo < zm->min.v.f64) zm->min.v.f64 = lo;
            if (!zm->has_max || hi > zm->max.v.f64) zm->max.v.f64 = hi;
            zm->has_min = zm->has_max = true;
        }
        break;
    }
    case ST_T_VARCHAR:
    case ST_T_BLOB: {
        const st_str *d = (const st_str *)v->data;
        /* a max that could not be bounded stays unbounded: remembered as
         * "had values but has_max is false" */
        bool unbounded = !zm->has_max && zm->rows - n > zm->null_count;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = ROW(k);
            if (nulls && !((nulls[r >> 6] >> (r & 63)) & 1)) {
                nnull++;
                continue;
            }
            str_bound_min(zm, &d[r]);
            str_bound_max(zm, &d[r], &unbounded);
        }
        break;
    }
    default: break;
    }
    zm->null_count += nnull;
}

void st_zonemap_merge(st_zonemap *dst, const st_zonemap *src) {
    bool dst_vals = dst->rows > dst->null_count, src_vals = src->rows > src->null_count;
    bool dst_unb = dst_vals && !dst->has_max && !dst->has_nan;
    bool src_unb = src_vals && !src->has_max && !src->has_nan;
    if (src->has_min && (!dst->has_min || st_zval_cmp(dst->type, &src->min, &dst->min) < 0)) {
        dst->min = src->min;
        dst->min_exact = src->min_exact;
        dst->has_min = true;
    } else if (src_vals && !src->has_min && !src->has_nan) {
        dst->has_min = false; /* unknown min on one side: unknown overall */
    }
    if (dst_unb || src_unb) {
        dst->has_max = false;
    } else if (src->has_max && (!dst->has_max || st_zval_cmp(dst->type, &src->max, &dst->max) > 0)) {
        dst->max = src->max;
        dst->max_exact = src->max_exact;
        dst->has_max = true;
    }
    dst->has_nan |= src->has_nan;
    dst->rows += src->rows;
    dst->null_count += src->null_count;
    if (src->distinct_est > dst->distinct_est) dst->distinct_est = src->distinct_est;
}

/* ---- pruning ------------------------------------------------------------ */

bool st_zonemap_may_match(const st_zonemap *zm, st_cmp_op op, const st_zval *val) {
    if (op == ST_CMP_IS_NULL) return zm->null_count > 0;
    if (op == ST_CMP_IS_NOT_NULL) return zm->rows > zm->null_count;
    if (zm->rows == zm->null_count) return false; /* only NULLs: no comparison is true */
    st_type t = zm->type;
    if (kind_of(t) == K_F64 && isnan(val->v.f64)) return true; /* NaN semantics: be safe */
    bool nan = zm->has_nan;
    switch (op) {
    case ST_CMP_EQ:
        if (zm->has_min && st_zval_cmp(t, val, &zm->min) < 0) return false;
        if (zm->has_max && st_zval_cmp(t, val, &zm->max) > 0) return false;
        if (!zm->has_min && !zm->has_max && nan) return false; /* only NaNs (and NULLs) */
        return true;
    case ST_CMP_NE:
        if (zm->has_min && zm->has_max && zm->min_exact && zm->max_exact && !nan &&
            st_zval_cmp(t, &zm->min, &zm->max) == 0 && st_zval_cmp(t, val, &zm->min) == 0)
            return false;
        return true;
    case ST_CMP_LT:
        if (zm->has_min && st_zval_cmp(t, &zm->min, val) >= 0) return false;
        if (!zm->has_min && !zm->has_max && nan) return false;
        return true;
    case ST_CMP_LE:
        if (zm->has_min && st_zval_cmp(t, &zm->min, val) > 0) return false;
        if (!zm->has_min && !zm->has_max && nan) return false;
        return true;
    case ST_CMP_GT:
        if (nan) return true;
        if (zm->has_max && st_zval_cmp(t, &zm->max, val) <= 0) return false;
        return true;
    case ST_CMP_GE:
        if (nan) return true;
        if (zm->has_max && st_zval_cmp(t, &zm->max, val) < 0) return false;
        return true;
    default: return true;
    }
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *zval_json(st_type t, const st_zval *z, bool *hex) {
    char buf[ST_FORMAT_MAX + 8];
    *hex = false;
    switch (kind_of(t)) {
    case K_STR: {
        size_t bad;
        if (t.id == ST_T_VARCHAR && st_utf8_valid(z->s, z->slen, &bad))
            return json_stringn(z->s, z->slen);
        static const char hx[] = "0123456789abcdef";
        char h[ST_ZONE_STR_MAX * 2 + 1];
        for (size_t i = 0; i < z->slen; i++) {
            h[2 * i] = hx[(unsigned char)z->s[i] >> 4];
            h[2 * i + 1] = hx[(unsigned char)z->s[i] & 15];
        }
        *hex = true;
        return json_stringn(h, (size_t)z->slen * 2);
    }
    case K_I64: {
        /* print in the type's text form */
        int64_t x = z->v.i64;
        unsigned char raw[16];
        switch ((st_type_id)t.id) {
        case ST_T_BOOLEAN: raw[0] = (uint8_t)x; break;
        case ST_T_INT8: raw[0] = (uint8_t)(int8_t)x; break;
        case ST_T_INT16: { int16_t y = (int16_t)x; memcpy(raw, &y, 2); break; }
        case ST_T_INT32:
        case ST_T_DATE: { int32_t y = (int32_t)x; memcpy(raw, &y, 4); break; }
        default: memcpy(raw, &x, 8);
        }
        st_format_value(t, raw, buf);
        return json_string(buf);
    }
    case K_U64: st_format_uint64(z->v.u64, buf); return json_string(buf);
    case K_F64: st_format_double(z->v.f64, buf); return json_string(buf);
    case K_I128: st_format_decimal(z->v.i128, t.scale, buf); return json_string(buf);
    default: return json_null();
    }
}

static st_status zval_parse(st_type t, const char *s, size_t n, bool hex, st_zval *out, st_error *e) {
    memset(out, 0, sizeof *out);
    kind k = kind_of(t);
    if (k == K_STR) {
        if (hex) {
            if (n % 2 || n / 2 > ST_ZONE_STR_MAX)
                return st_error_set(e, ST_ERR_CORRUPT, "zone map: bad hex bound");
            for (size_t i = 0; i < n / 2; i++) {
                unsigned v = 0;
                for (int j = 0; j < 2; j++) {
                    char c = s[2 * i + (size_t)j];
                    unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                                 : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
                    if (d > 15) return st_error_set(e, ST_ERR_CORRUPT, "zone map: bad hex bound");
                    v = v * 16 + d;
                }
                out->s[i] = (char)v;
            }
            out->slen = (uint8_t)(n / 2);
        } else {
            if (n > ST_ZONE_STR_MAX)
                return st_error_set(e, ST_ERR_CORRUPT, "zone map: string bound longer than %d bytes",
                                    ST_ZONE_STR_MAX);
            memcpy(out->s, s, n);
            out->slen = (uint8_t)n;
        }
        return ST_OK;
    }
    if (k == K_F64) {
        ST_TRY(st_parse_double(s, n, &out->v.f64, e));
        return ST_OK;
    }
    unsigned char raw[16];
    ST_TRY(st_parse_value(t, s, n, raw, e));
    st_zval_from_value(t, raw, out);
    return ST_OK;
}

json_t *st_zonemap_to_json(const st_zonemap *zm) {
    json_t *o = json_object();
    json_object_set_new(o, "rows", json_integer((json_int_t)zm->rows));
    json_object_set_new(o, "nulls", json_integer((json_int_t)zm->null_count));
    if (zm->distinct_est) json_object_set_new(o, "distinct", json_integer((json_int_t)zm->distinct_est));
    bool hex;
    if (zm->has_min) {
        json_t *v = zval_json(zm->type, &zm->min, &hex);
        json_object_set_new(o, hex ? "min_hex" : "min", v);
        if (!zm->min_exact) json_object_set_new(o, "min_exact", json_false());
    }
    if (zm->has_max) {
        json_t *v = zval_json(zm->type, &zm->max, &hex);
        json_object_set_new(o, hex ? "max_hex" : "max", v);
        if (!zm->max_exact) json_object_set_new(o, "max_exact", json_false());
    }
    if (zm->has_nan) json_object_set_new(o, "nan", json_true());
    return o;
}

static bool get_u64(const json_t *j, const char *key, uint64_t *out) {
    json_t *v = json_object_get(j, key);
    if (!v) return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

st_status st_zonemap_from_json(const json_t *j, st_type t, st_zonemap *out, st_error *e) {
    st_zonemap_init(out, t);
    if (!json_is_object(j)) return st_error_set(e, ST_ERR_CORRUPT, "zone map: not an object");
    if (!get_u64(j, "rows", &out->rows) || !get_u64(j, "nulls", &out->null_count) ||
        !get_u64(j, "distinct", &out->distinct_est) || out->null_count > out->rows)
        return st_error_set(e, ST_ERR_CORRUPT, "zone map: bad counts");
    for (int side = 0; side < 2; side++) {
        const char *key = side ? "max" : "min";
        char hkey[16];
        snprintf(hkey, sizeof hkey, "%s_hex", key);
        json_t *v = json_object_get(j, key);
        bool hex = false;
        if (!v) {
            v = json_object_get(j, hkey);
            hex = v != NULL;
        }
        if (!v) continue;
        if (!json_is_string(v)) return st_error_set(e, ST_ERR_CORRUPT, "zone map: %s is not a string", key);
        st_zval *z = side ? &out->max : &out->min;
        ST_TRY(zval_parse(t, json_string_value(v), json_string_length(v), hex, z, e));
        char ekey[16];
        snprintf(ekey, sizeof ekey, "%s_exact", key);
        json_t *ex = json_object_get(j, ekey);
        bool exact = !ex || json_is_true(ex);
        if (side) out->has_max = true, out->max_exact = exact;
        else out->has_min = true, out->min_exact = exact;
    }
    out->has_nan = json_is_true(json_object_get(j, "nan"));
    return ST_OK;
}
