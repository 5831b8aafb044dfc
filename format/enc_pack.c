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

typedef struct kernels {
    void (*minmax_s)(const int64_t *, size_t, int64_t *, int64_t *);
    void (*minmax_u)(const uint64_t *, size_t, uint64_t *, uint64_t *);
    void (*unpack)(const uint8_t *, size_t, unsigned, uint64_t, uint64_t *);
    void (*pack)(const uint64_t *, size_t, uint64_t, unsigned, uint8_t *);
    uint64_t (*max_u)(const uint64_t *, size_t);
} kernels;

static const kernels k_scalar = {minmax_s_scalar, minmax_u_scalar, unpack_scalar, pack_scalar,
                                 max_u_scalar};
#ifdef ST_HAVE_AVX2_PATH
static const kernels k_avx2 = {minmax_s_avx2, minmax_u_avx2, unpack_avx2, pack_avx2, max_u_avx2};
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
