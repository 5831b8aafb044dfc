/*
 * hashvec.c: batch key hashing, scalar and AVX2 (see hashvec.h).
 *
 * Only the fold step runs in SIMD: columns are first turned into dense
 * 64-bit words (a no-op for 64-bit columns without NULLs or a selection,
 * the common case of integer keys), then st_hashvec_words folds them.  The
 * AVX2 fmix64 multiplies 64-bit lanes by constants with three 32x32->64
 * multiplies: lo*Clo + ((lo*Chi + hi*Clo) << 32), which is exactly the low
 * 64 bits of the 64-bit product, so both paths agree bit for bit (the tests
 * compare them on random and edge-case words).
 */
#include "format/hashvec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>

#define CHUNK 512

/* ---- path selection -------------------------------------------------------- */

static int simd_forced = -1;
static int simd_auto = -1;
static pthread_once_t simd_once = PTHREAD_ONCE_INIT;

bool st_simd_supported(st_simd_level l) {
    if (l == ST_SIMD_SCALAR) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

static void simd_resolve(void) {
    st_simd_level l = st_simd_supported(ST_SIMD_AVX2) ? ST_SIMD_AVX2 : ST_SIMD_SCALAR;
    const char *env = getenv("STRATA_SIMD");
    if (env && !strcmp(env, "scalar")) l = ST_SIMD_SCALAR;
    /* "avx2" on a CPU without it falls back to scalar: never an illegal
     * instruction; st_simd_force reports the problem instead */
    simd_auto = (int)l;
}

st_simd_level st_simd_active(void) {
    if (simd_forced >= 0) return (st_simd_level)simd_forced;
    pthread_once(&simd_once, simd_resolve);
    return (st_simd_level)simd_auto;
}

st_status st_simd_force(st_simd_level l, st_error *e) {
    if (!st_simd_supported(l))
        return st_error_set(e, ST_ERR_UNSUPPORTED, "this CPU does not support %s", st_simd_name(l));
    simd_forced = (int)l;
    return ST_OK;
}

const char *st_simd_name(st_simd_level l) { return l == ST_SIMD_AVX2 ? "avx2" : "scalar"; }

st_status st_simd_parse(const char *s, st_simd_level *out, st_error *e) {
    if (!strcmp(s, "scalar")) *out = ST_SIMD_SCALAR;
    else if (!strcmp(s, "avx2")) *out = ST_SIMD_AVX2;
    else if (!strcmp(s, "auto"))
        *out = st_simd_supported(ST_SIMD_AVX2) ? ST_SIMD_AVX2 : ST_SIMD_SCALAR;
    else return st_error_set(e, ST_ERR_INVALID, "SIMD path '%s': expected scalar, avx2 or auto", s);
    return ST_OK;
}

uint64_t st_hash_word_double(double v) {
    if (v != v) return UINT64_C(0x7ff8000000000000);
    if (v == 0) v = 0; /* -0.0 -> +0.0 */
    uint64_t w;
    memcpy(&w, &v, sizeof w);
    return w;
}

/* ---- kernels ----------------------------------------------------------------- */

void st_hashvec_init(uint64_t *h, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) h[i] = ST_HASH_SEED;
}

static void words_scalar(uint64_t *h, const uint64_t *w, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) h[i] = st_hash_step(h[i], w[i]);
}

static void i32_scalar(uint64_t *h, const int32_t *v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) h[i] = st_hash_step(h[i], (uint64_t)(int64_t)v[i]);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static inline __m256i mul64c(__m256i x, __m256i clo, __m256i chi) {
    __m256i p0 = _mm256_mul_epu32(x, clo);                      /* lo * Clo (64-bit) */
    __m256i p1 = _mm256_mul_epu32(x, chi);                      /* lo * Chi */
    __m256i p2 = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), clo); /* hi * Clo */
    return _mm256_add_epi64(p0, _mm256_slli_epi64(_mm256_add_epi64(p1, p2), 32));
}

__attribute__((target("avx2"))) static inline __m256i step4(__m256i h, __m256i w) {
    const __m256i c1lo = _mm256_set1_epi64x(0xed558ccdLL), c1hi = _mm256_set1_epi64x(0xff51afd7LL);
    const __m256i c2lo = _mm256_set1_epi64x(0x1a85ec53LL), c2hi = _mm256_set1_epi64x(0xc4ceb9feLL);
    __m256i x = _mm256_xor_si256(_mm256_or_si256(_mm256_slli_epi64(h, 23), _mm256_srli_epi64(h, 41)), w);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 33));
    x = mul64c(x, c1lo, c1hi);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 33));
    x = mul64c(x, c2lo, c2hi);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 33));
    return x;
}

__attribute__((target("avx2"))) static void words_avx2(uint64_t *h, const uint64_t *w, uint32_t n) {
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) { /* two independent chains hide the multiply latency */
        __m256i h0 = _mm256_loadu_si256((const __m256i *)(h + i));
        __m256i h1 = _mm256_loadu_si256((const __m256i *)(h + i + 4));
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + i));
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + i + 4));
        _mm256_storeu_si256((__m256i *)(h + i), step4(h0, w0));
        _mm256_storeu_si256((__m256i *)(h + i + 4), step4(h1, w1));
    }
    for (; i + 4 <= n; i += 4) {
        __m256i h0 = _mm256_loadu_si256((const __m256i *)(h + i));
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + i));
        _mm256_storeu_si256((__m256i *)(h + i), step4(h0, w0));
    }
    words_scalar(h + i, w + i, n - i);
}

__attribute__((target("avx2"))) static void i32_avx2(uint64_t *h, const int32_t *v, uint32_t n) {
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256i h0 = _mm256_loadu_si256((const __m256i *)(h + i));
        __m256i w0 = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(v + i)));
        _mm256_storeu_si256((__m256i *)(h + i), step4(h0, w0));
    }
    i32_scalar(h + i, v + i, n - i);
}
#endif

void st_hashvec_words_on(st_simd_level l, uint64_t *h, const uint64_t *w, uint32_t n) {
#if defined(__x86_64__)
    if (l == ST_SIMD_AVX2) {
        words_avx2(h, w, n);
        return;
    }
#endif
    (void)l;
    words_scalar(h, w, n);
}

void st_hashvec_i32_on(st_simd_level l, uint64_t *h, const int32_t *v, uint32_t n) {
#if defined(__x86_64__)
    if (l == ST_SIMD_AVX2) {
        i32_avx2(h, v, n);
        return;
    }
#endif
    (void)l;
    i32_scalar(h, v, n);
}

void st_hashvec_words(uint64_t *h, const uint64_t *w, uint32_t n) {
    st_hashvec_words_on(st_simd_active(), h, w, n);
}

/* ---- columns ----------------------------------------------------------------- */

static inline bool valid_at(const uint64_t *val, uint32_t r) {
    return !val || ((val[r >> 6] >> (r & 63)) & 1);
}

/* The normalized word of row r of v (wide decimals: part 0 = low, 1 = high). */
static inline uint64_t word_at(const st_vector *v, uint32_t r, int part) {
    if (!valid_at(v->validity, r)) return ST_HASH_NULL_WORD;
    const void *p = st_vector_at(v, r);
    switch ((st_type_id)v->type.id) {
    case ST_T_BOOLEAN: return *(const uint8_t *)p;
    case ST_T_INT8: return (uint64_t)(int64_t) * (const int8_t *)p;
    case ST_T_INT16: return (uint64_t)(int64_t) * (const int16_t *)p;
    case ST_T_INT32:
    case ST_T_DATE: return (uint64_t)(int64_t) * (const int32_t *)p;
    case ST_T_INT64:
    case ST_T_UINT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: return *(const uint64_t *)p;
    case ST_T_FLOAT: return st_hash_word_double(*(const float *)p);
    case ST_T_DOUBLE: return st_hash_word_double(*(const double *)p);
    case ST_T_DECIMAL:
        if (st_decimal_is_wide(v->type)) {
            st_i128 x;
            memcpy(&x, p, sizeof x);
            return part ? (uint64_t)((unsigned __int128)x >> 64) : (uint64_t)x;
        }
        return *(const uint64_t *)p;
    case ST_T_VARCHAR:
    case ST_T_BLOB: {
        const st_str *s = p;
        return XXH3_64bits(s->ptr, s->len);
    }
    default: return ST_HASH_NULL_WORD;
    }
}

uint64_t st_hash_word_at(const st_vector *v, uint32_t row, int part) {
    if (v->type.id == ST_T_NULL || v->type.id == ST_T_INVALID) return ST_HASH_NULL_WORD;
    return word_at(v, row, part);
}

/* no NULL among rows [0, n) */
static bool all_valid(const uint64_t *val, uint32_t n) {
    if (!val) return true;
    uint64_t acc = ~UINT64_C(0);
    for (uint32_t w = 0; w < n / 64; w++) acc &= val[w];
    if (acc != ~UINT64_C(0)) return false;
    if (n & 63) {
        uint64_t mask = (UINT64_C(1) << (n & 63)) - 1;
        if ((val[n / 64] & mask) != mask) return false;
    }
    return true;
}

void st_hashvec_column(uint64_t *h, const st_vector *v, const uint32_t *sel, uint32_t n) {
    st_simd_level l = st_simd_active();
    st_type_id id = (st_type_id)v->type.id;
    if (!sel && all_valid(v->validity, n)) { /* the zero-copy fast paths */
        bool w64 = id == ST_T_INT64 || id == ST_T_UINT64 || id == ST_T_TIMESTAMP || id == ST_T_TIMESTAMP_NS ||
                   (id == ST_T_DECIMAL && !st_decimal_is_wide(v->type));
        if (w64) {
            st_hashvec_words_on(l, h, (const uint64_t *)v->data, n);
            return;
        }
        if (id == ST_T_INT32 || id == ST_T_DATE) {
            st_hashvec_i32_on(l, h, (const int32_t *)v->data, n);
            return;
        }
    }
    int parts = id == ST_T_DECIMAL && st_decimal_is_wide(v->type) ? 2 : 1;
    uint64_t tmp[CHUNK];
    for (uint32_t off = 0; off < n; off += CHUNK) {
        uint32_t m = n - off < CHUNK ? n - off : CHUNK;
        for (int part = 0; part < parts; part++) {
            if (id == ST_T_NULL || id == ST_T_INVALID) {
                for (uint32_t k = 0; k < m; k++) tmp[k] = ST_HASH_NULL_WORD;
            } else if (sel) {
                for (uint32_t k = 0; k < m; k++) tmp[k] = word_at(v, sel[off + k], part);
            } else {
                for (uint32_t k = 0; k < m; k++) tmp[k] = word_at(v, off + k, part);
            }
            st_hashvec_words_on(l, h + off, tmp, m);
        }
    }
}

void st_hashvec_key(uint64_t *h, st_vector *const *cols, uint32_t ncols, const uint32_t *sel, uint32_t n) {
    st_hashvec_init(h, n);
    for (uint32_t c = 0; c < ncols; c++) st_hashvec_column(h, cols[c], sel, n);
}

uint64_t st_hash_row(st_vector *const *cols, uint32_t ncols, uint32_t row) {
    uint64_t h = ST_HASH_SEED;
    for (uint32_t c = 0; c < ncols; c++) {
        const st_vector *v = cols[c];
        if (v->type.id == ST_T_NULL || v->type.id == ST_T_INVALID) {
            h = st_hash_step(h, ST_HASH_NULL_WORD);
            continue;
        }
        h = st_hash_step(h, word_at(v, row, 0));
        if (v->type.id == ST_T_DECIMAL && st_decimal_is_wide(v->type)) h = st_hash_step(h, word_at(v, row, 1));
    }
    return h;
}
