/*
 * vhash.c: the scalar path of vhash.h.  One loop per physical width, chosen
 * once per vector, so the inner loops are straight-line; a vector with a
 * validity bitmap takes a second variant of the loop that tests each row.
 */
#include "engine/vhash.h"

#include <math.h>
#include <string.h>

#include "format/hash.h"

static inline uint64_t fold(uint64_t old, uint64_t v, bool combine) {
    return combine ? st_hash_combine(old, v) : v;
}

static inline bool is_null(const st_vector *v, uint32_t r) {
    return v->validity && !((v->validity[r >> 6] >> (r & 63)) & 1);
}

/* no NULL among rows [0, rows): the bitmap can be ignored */
static bool no_nulls(const st_vector *v, uint32_t rows) {
    if (!v->validity) return true;
    uint32_t full = rows / 64;
    for (uint32_t w = 0; w < full; w++)
        if (v->validity[w] != ~UINT64_C(0)) return false;
    if (rows & 63) {
        uint64_t mask = (UINT64_C(1) << (rows & 63)) - 1;
        if ((v->validity[full] & mask) != mask) return false;
    }
    return true;
}

#define VH_LOOP(T, HASH)                                                      \
    do {                                                                      \
        const T *d = (const T *)v->data;                                      \
        if (is_const) {                                                       \
            uint64_t x = is_null(v, 0) ? ST_VHASH_NULL : HASH(d[0]);          \
            for (uint32_t k = 0; k < n; k++) h[k] = fold(h[k], x, combine);   \
        } else if (nullable) {                                                \
            for (uint32_t k = 0; k < n; k++) {                                \
                uint32_t r = sel ? sel[k] : k;                                \
                uint64_t x = is_null(v, r) ? ST_VHASH_NULL : HASH(d[r]);      \
                h[k] = fold(h[k], x, combine);                                \
            }                                                                 \
        } else if (sel) {                                                     \
            for (uint32_t k = 0; k < n; k++) h[k] = fold(h[k], HASH(d[sel[k]]), combine); \
        } else {                                                              \
            for (uint32_t k = 0; k < n; k++) h[k] = fold(h[k], HASH(d[k]), combine); \
        }                                                                     \
    } while (0)

#define H_I64(x) st_hash_u64((uint64_t)(int64_t)(x))
#define H_U64(x) st_hash_u64((uint64_t)(x))

static inline uint64_t h_dbl(double x) {
    if (x == 0.0) x = 0.0; /* -0.0 -> 0.0 */
    uint64_t b = UINT64_C(0x7ff8000000000000);
    if (!isnan(x)) memcpy(&b, &x, 8);
    return st_hash_u64(b);
}
#define H_DBL(x) h_dbl((double)(x))

static inline uint64_t h_i128(__int128 x) {
    uint64_t lo = (uint64_t)x, hi = (uint64_t)((unsigned __int128)x >> 64);
    return st_hash_combine(st_hash_u64(lo), hi);
}

/* short strings (most keys: codes, countries, statuses) skip XXH3's
 * length dispatch: the bytes packed into one word, then the integer mixer */
static inline uint64_t h_str(st_str s) {
    if (s.len <= 8) return st_hash_u64(st_vhash_short(s.ptr, s.len));
    return st_hash_bytes(s.ptr, s.len);
}

void st_vhash(const st_vector *v, bool is_const, const uint32_t *sel, uint32_t n, uint64_t *h,
              bool combine) {
    bool nullable = !is_const && n && !no_nulls(v, sel ? sel[n - 1] + 1 : n);
    switch (v->type.id) {
    case ST_T_BOOLEAN: VH_LOOP(uint8_t, H_U64); break;
    case ST_T_INT8: VH_LOOP(int8_t, H_I64); break;
    case ST_T_INT16: VH_LOOP(int16_t, H_I64); break;
    case ST_T_INT32:
    case ST_T_DATE: VH_LOOP(int32_t, H_I64); break;
    case ST_T_INT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: VH_LOOP(int64_t, H_I64); break;
    case ST_T_UINT64: VH_LOOP(uint64_t, H_U64); break;
    case ST_T_FLOAT: VH_LOOP(float, H_DBL); break;
    case ST_T_DOUBLE: VH_LOOP(double, H_DBL); break;
    case ST_T_DECIMAL:
        if (v->type.precision <= 18) VH_LOOP(int64_t, H_I64);
        else VH_LOOP(__int128, h_i128);
        break;
    case ST_T_VARCHAR:
    case ST_T_BLOB: VH_LOOP(st_str, h_str); break;
    default:
        for (uint32_t k = 0; k < n; k++) h[k] = fold(h[k], ST_VHASH_NULL, combine);
        break;
    }
}
