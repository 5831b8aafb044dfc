/*
 * enc_pack.c: the PACK stream (frame-of-reference bit packing in
 * miniblocks), the buffers the encoders write into, the SIMD dispatch, and
 * the HyperLogLog sketch behind the zone maps' distinct estimates.
 *
 * PACK is the workhorse under every other encoding: FOR is PACK of the
 * values, DELTA is PACK of the differences, RLE and DICT store their run
 * lengths, run values, dictionaries and indices as PACK streams.
 *
 *   PACK(n), n known from the context (never stored here):
 *   for each miniblock of min(512, remaining) values:
 *     +0  u8       w    bit width, 0..64
 *     +1  u64      ref  reference: the miniblock's minimum
 *     +9  ceil(cnt*w/8) bytes: value j minus ref in bits [j*w, j*w + w),
 *                  least significant bit first, bytes little-endian
 *   value j = ref + packed_j (mod 2^64)
 *
 *   bit layout with w = 3 (vK.b = bit b of value K; bit 7 printed first):
 *     byte 0:  v2.1 v2.0 v1.2 v1.1 v1.0 v0.2 v0.1 v0.0
 *     byte 1:  v5.0 v4.2 v4.1 v4.0 v3.2 v3.1 v3.0 v2.2
 *     byte 2:  v7.2 v7.1 v7.0 v6.2 v6.1 v6.0 v5.2 v5.1
 *
 * Eight values of width w take exactly w bytes, so the decoder unpacks
 * groups of eight with one switch on w per miniblock and constant shifts
 * inside (enc_kernels.inc); the last bytes of a window are unpacked with a
 * bounds-checked loop.  The reference is the minimum in the order the
 * encoder was told (signed or unsigned): every stored offset is then the
 * exact difference, and the decoder needs no sign information.
 */
#include "format/enc_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ------------------------------------------------------------ */

bool enc_reserve(enc_buf *b, size_t n) {
    if (b->failed) return false;
    if (n > SIZE_MAX / 2 - b->len - ENC_SLACK) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + n + ENC_SLACK;
    if (need <= b->cap) return true;
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < need) nc *= 2;
    uint8_t *np = realloc(b->p, nc);
    if (!np) {
        b->failed = true;
        return false;
    }
    b->p = np;
    b->cap = nc;
    return true;
}

void enc_buf_free(enc_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

/* ---- scratch arena ------------------------------------------------------ */

void *enc_alloc(enc_mem *m, size_t n) {
    n = (n + 63) & ~(size_t)63;
    if (n == 0) n = 64;
    m->high += n;
    if (m->blk && m->cap - m->used >= n) {
        void *p = m->blk + m->used;
        m->used += n;
        return p;
    }
    if (m->nextra == m->extra_cap) {
        size_t nc = m->extra_cap ? m->extra_cap * 2 : 16;
        void **ne = realloc(m->extra, nc * sizeof *ne);
        if (!ne) return NULL;
        m->extra = ne;
        m->extra_cap = nc;
    }
    void *p = aligned_alloc(64, n);
    if (p) m->extra[m->nextra++] = p;
    return p;
}

void enc_mem_reset(enc_mem *m) {
    for (size_t i = 0; i < m->nextra; i++) free(m->extra[i]);
    if (m->nextra && m->high > m->cap) { /* next time, one block for all */
        size_t nc = m->high + m->high / 4;
        uint8_t *nb = aligned_alloc(64, (nc + 63) & ~(size_t)63);
        if (nb) {
            free(m->blk);
            m->blk = nb;
            m->cap = nc;
        }
    }
    m->nextra = 0;
    m->used = 0;
    m->high = 0;
}

void enc_mem_free(enc_mem *m) {
    enc_mem_reset(m);
    free(m->blk);
    free(m->extra);
    memset(m, 0, sizeof *m);
}

/* ---- kernels and dispatch ----------------------------------------------- */

#define KFN(name) name##_scalar
#define KATTR
#include "format/enc_kernels.inc"
#undef KFN
#undef KATTR

#if defined(__x86_64__)
#define ST_HAVE_AVX2_PATH 1
#define KFN(name) name##_avx2
#define KATTR __attribute__((target("avx2,bmi2")))
#include "format/enc_kernels.inc"
#undef KFN
#undef KATTR
#endif

#ifdef ST_HAVE_AVX2_PATH
#include <immintrin.h>

/* Hand-vectorized AVX2 min/max (GCC -O2 does not vectorize these 64-bit
 * reductions): 8 values a step in two accumulator pairs, then the tail in
 * scalar code.  Same results as the scalar loops. */
__attribute__((target("avx2"))) static void minmax_s_avx2v(const int64_t *v, size_t n,
                                                           int64_t *mn, int64_t *mx) {
    if (n < 16) {
        minmax_s_avx2(v, n, mn, mx);
        return;
    }
    __m256i lo0 = _mm256_loadu_si256((const __m256i *)v), hi0 = lo0;
    __m256i lo1 = _mm256_loadu_si256((const __m256i *)(v + 4)), hi1 = lo1;
    size_t i = 8;
    for (; i + 8 <= n; i += 8) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(v + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(v + i + 4));
        lo0 = _mm256_blendv_epi8(lo0, a, _mm256_cmpgt_epi64(lo0, a));
        hi0 = _mm256_blendv_epi8(hi0, a, _mm256_cmpgt_epi64(a, hi0));
        lo1 = _mm256_blendv_epi8(lo1, b, _mm256_cmpgt_epi64(lo1, b));
        hi1 = _mm256_blendv_epi8(hi1, b, _mm256_cmpgt_epi64(b, hi1));
    }
    lo0 = _mm256_blendv_epi8(lo0, lo1, _mm256_cmpgt_epi64(lo0, lo1));
    hi0 = _mm256_blendv_epi8(hi0, hi1, _mm256_cmpgt_epi64(hi1, hi0));
    int64_t l[4], h[4];
    _mm256_storeu_si256((__m256i *)l, lo0);
    _mm256_storeu_si256((__m256i *)h, hi0);
    int64_t a = l[0], b = h[0];
    for (int k = 1; k < 4; k++) {
        a = l[k] < a ? l[k] : a;
        b = h[k] > b ? h[k] : b;
    }
    for (; i < n; i++) {
        a = v[i] < a ? v[i] : a;
        b = v[i] > b ? v[i] : b;
    }
    *mn = a;
    *mx = b;
}

__attribute__((target("avx2"))) static void minmax_u_avx2v(const uint64_t *v, size_t n,
                                                           uint64_t *mn, uint64_t *mx) {
    if (n < 16) {
        minmax_u_avx2(v, n, mn, mx);
        return;
    }
    const __m256i flip = _mm256_set1_epi64x(INT64_MIN);
    __m256i lo0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)v), flip), hi0 = lo0;
    __m256i lo1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(v + 4)), flip), hi1 = lo1;
    size_t i = 8;
    for (; i + 8 <= n; i += 8) {
        __m256i a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(v + i)), flip);
        __m256i b = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(v + i + 4)), flip);
        lo0 = _mm256_blendv_epi8(lo0, a, _mm256_cmpgt_epi64(lo0, a));
        hi0 = _mm256_blendv_epi8(hi0, a, _mm256_cmpgt_epi64(a, hi0));
        lo1 = _mm256_blendv_epi8(lo1, b, _mm256_cmpgt_epi64(lo1, b));
        hi1 = _mm256_blendv_epi8(hi1, b, _mm256_cmpgt_epi64(b, hi1));
    }
    lo0 = _mm256_blendv_epi8(lo0, lo1, _mm256_cmpgt_epi64(lo0, lo1));
    hi0 = _mm256_blendv_epi8(hi0, hi1, _mm256_cmpgt_epi64(hi1, hi0));
    int64_t l[4], h[4];
    _mm256_storeu_si256((__m256i *)l, lo0);
    _mm256_storeu_si256((__m256i *)h, hi0);
    int64_t a = l[0], b = h[0];
    for (int k = 1; k < 4; k++) {
        a = l[k] < a ? l[k] : a;
        b = h[k] > b ? h[k] : b;
    }
    for (; i < n; i++) {
        int64_t x = (int64_t)(v[i] ^ (UINT64_C(1) << 63));
        a = x < a ? x : a;
        b = x > b ? x : b;
    }
    *mn = (uint64_t)a ^ (UINT64_C(1) << 63);
    *mx = (uint64_t)b ^ (UINT64_C(1) << 63);
}

__attribute__((target("avx2"))) static void deltas_avx2v(const uint64_t *v, size_t n,
                                                         uint64_t *out) {
    size_t i = 1;
    for (; i + 4 <= n; i += 4) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(v + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(v + i - 1));
        _mm256_storeu_si256((__m256i *)(out + i - 1), _mm256_sub_epi64(a, b));
    }
    for (; i < n; i++) out[i - 1] = v[i] - v[i - 1];
}

__attribute__((target("avx2,popcnt"))) static size_t count_runs_avx2v(const uint64_t *v,
                                                                      size_t n) {
    size_t r = 1, i = 1;
    for (; i + 4 <= n; i += 4) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(v + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(v + i - 1));
        unsigned eq = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(a, b)));
        r += 4 - (size_t)__builtin_popcount(eq);
    }
    for (; i < n; i++) r += v[i] != v[i - 1];
    return r;
}

__attribute__((target("avx2"))) static uint64_t max_u_avx2v(const uint64_t *v, size_t n) {
    uint64_t mn, mx;
    minmax_u_avx2v(v, n, &mn, &mx);
    return mx;
}
#endif

typedef struct kernels {
    void (*minmax_s)(const int64_t *, size_t, int64_t *, int64_t *);
    void (*minmax_u)(const uint64_t *, size_t, uint64_t *, uint64_t *);
    void (*unpack)(const uint8_t *, size_t, unsigned, uint64_t, uint64_t *);
    void (*pack)(const uint64_t *, size_t, uint64_t, unsigned, uint8_t *);
    uint64_t (*max_u)(const uint64_t *, size_t);
    void (*deltas)(const uint64_t *, size_t, uint64_t *);
    size_t (*count_runs)(const uint64_t *, size_t);
} kernels;

static const kernels k_scalar = {minmax_s_scalar, minmax_u_scalar, unpack_scalar, pack_scalar,
                                 max_u_scalar,    deltas_scalar,   count_runs_scalar};
#ifdef ST_HAVE_AVX2_PATH
static const kernels k_avx2 = {minmax_s_avx2v, minmax_u_avx2v, unpack_avx2,     pack_avx2,
                               max_u_avx2v,    deltas_avx2v,   count_runs_avx2v};
#endif

static pthread_once_t simd_once = PTHREAD_ONCE_INIT;
static const kernels *K = &k_scalar;
static bool use_avx2;

static void simd_init(void) {
#ifdef ST_HAVE_AVX2_PATH
    const char *s = getenv("STRATA_SIMD");
    __builtin_cpu_init();
    bool cpu = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
    use_avx2 = cpu && !(s && !strcmp(s, "scalar"));
    K = use_avx2 ? &k_avx2 : &k_scalar;
#endif
}

static inline const kernels *kern(void) {
    pthread_once(&simd_once, simd_init);
    return K;
}

bool enc_use_avx2(void) {
    pthread_once(&simd_once, simd_init);
    return use_avx2;
}

void enc_minmax(const uint64_t *v, size_t n, bool sgn, uint64_t *mn, uint64_t *mx) {
    const kernels *k = kern();
    if (sgn) {
        int64_t a, b;
        k->minmax_s((const int64_t *)v, n, &a, &b);
        *mn = (uint64_t)a;
        *mx = (uint64_t)b;
    } else {
        k->minmax_u(v, n, mn, mx);
    }
}

uint64_t enc_max_u64(const uint64_t *v, size_t n) { return n ? kern()->max_u(v, n) : 0; }
void enc_deltas(const uint64_t *v, size_t n, uint64_t *out) {
    if (n > 1) kern()->deltas(v, n, out);
}
size_t enc_count_runs(const uint64_t *v, size_t n) { return n ? kern()->count_runs(v, n) : 0; }

/* ---- PACK --------------------------------------------------------------- */

static inline unsigned width_of(uint64_t range) {
    return range ? 64u - (unsigned)__builtin_clzll(range) : 0u;
}

static inline size_t packed_bytes(size_t cnt, unsigned w) { return (cnt * w + 7) / 8; }

size_t enc_pack_size(const uint64_t *v, size_t n, bool sgn) {
    size_t total = 0;
    for (size_t k = 0; k < n; k += ENC_MINIBLOCK) {
        size_t cnt = n - k < ENC_MINIBLOCK ? n - k : ENC_MINIBLOCK;
        uint64_t mn, mx;
        enc_minmax(v + k, cnt, sgn, &mn, &mx);
        total += 9 + packed_bytes(cnt, width_of(mx - mn));
    }
    return total;
}

void enc_pack(enc_buf *out, const uint64_t *v, size_t n, bool sgn) {
    const kernels *kk = kern();
    for (size_t k = 0; k < n; k += ENC_MINIBLOCK) {
        size_t cnt = n - k < ENC_MINIBLOCK ? n - k : ENC_MINIBLOCK;
        uint64_t mn, mx;
        enc_minmax(v + k, cnt, sgn, &mn, &mx);
        unsigned w = width_of(mx - mn);
        size_t nb = packed_bytes(cnt, w);
        if (!enc_reserve(out, 9 + nb)) return;
        uint8_t *p = out->p + out->len;
        p[0] = (uint8_t)w;
        st_store_u64(p + 1, mn);
        if (w) kk->pack(v + k, cnt, mn, w, p + 9);
        out->len += 9 + nb;
    }
}

/* bounds-checked extraction of the value at bit offset `bit` (w bits) from
 * a region that holds at least ceil((bit + w) / 8) bytes */
static inline uint64_t get_bits(const uint8_t *in, size_t bit, unsigned w) {
    size_t first = bit >> 3, last = (bit + w - 1) >> 3;
    unsigned __int128 acc = 0;
    for (size_t b = last + 1; b-- > first;) acc = (acc << 8) | in[b];
    acc >>= (bit & 7);
    return w == 64 ? (uint64_t)acc : (uint64_t)acc & ((UINT64_C(1) << w) - 1);
}

st_status enc_unpack(enc_rd *rd, size_t n, uint64_t *out, st_error *e) {
    const kernels *kk = kern();
    for (size_t k = 0; k < n; k += ENC_MINIBLOCK) {
        size_t cnt = n - k < ENC_MINIBLOCK ? n - k : ENC_MINIBLOCK;
        size_t at = rd->pos;
        uint8_t w;
        uint64_t ref;
        if (!rd_u8(rd, &w) || !rd_u64(rd, &ref))
            return st_error_set(e, ST_ERR_CORRUPT,
                                "bit-packed stream truncated (miniblock header at payload offset %zu)",
                                at);
        if (w > 64)
            return st_error_set(e, ST_ERR_CORRUPT,
                                "bit width %u > 64 (miniblock at payload offset %zu)", w, at);
        size_t nb = packed_bytes(cnt, w);
        if (!rd_has(rd, nb))
            return st_error_set(e, ST_ERR_CORRUPT,
                                "bit-packed miniblock of %zu values x %u bits runs past the end "
                                "(payload offset %zu)",
                                cnt, w, at);
        uint64_t *o = out + k;
        if (w == 0) {
            for (size_t j = 0; j < cnt; j++) o[j] = ref;
        } else {
            const uint8_t *in = rd->p + rd->pos;
            size_t groups = cnt / 8;
            size_t avail = rd->len - rd->pos + ENC_SLACK; /* readable from in */
            size_t fast = avail >= 16 ? (avail - 16) / w : 0;
            if (fast > groups) fast = groups;
            if (fast) kk->unpack(in, fast, w, ref, o);
            for (size_t j = fast * 8; j < cnt; j++) o[j] = ref + get_bits(in, j * w, w);
        }
        rd->pos += nb;
    }
    return ST_OK;
}

/* ---- HyperLogLog -------------------------------------------------------- */

void enc_hll_merge(enc_hll *dst, const enc_hll *src) {
    for (unsigned i = 0; i < ENC_HLL_M; i++)
        if (src->reg[i] > dst->reg[i]) dst->reg[i] = src->reg[i];
}

uint64_t enc_hll_estimate(const enc_hll *h) {
    double sum = 0;
    unsigned zeros = 0;
    for (unsigned i = 0; i < ENC_HLL_M; i++) {
        sum += ldexp(1.0, -(int)h->reg[i]);
        zeros += h->reg[i] == 0;
    }
    double m = ENC_HLL_M;
    double est = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
    if (est <= 2.5 * m && zeros) est = m * log(m / zeros); /* linear counting */
    return (uint64_t)(est + 0.5);
}
