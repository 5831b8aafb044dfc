/*
 * enc_int.h: private to format/: the lightweight column encodings that
 * segment column chunks are made of (segment_write.c, segment_read.c), and
 * the byte buffers they share.
 *
 * Everything here works on *dense* values (NULLs already removed) and knows
 * nothing about files: an encoder appends bytes to an enc_buf; a decoder
 * reads from an enc_rd, a bounded window of bytes it treats as hostile.
 * spec/FORMAT.md section 5 ("Value streams") describes every byte; each
 * encoder draws its layout in a comment next to it.
 *
 * The value classes:
 *   ints    BOOLEAN, INT8..INT64, UINT64, DATE, TIMESTAMP(_NS), DECIMAL(p<=18)
 *           and the bit patterns of FLOAT/DOUBLE, widened to 64 bits (signed
 *           types sign-extended).  `sgn` says whether the natural order is
 *           signed; it only steers the encoder's choices (frame-of-reference
 *           minimums), decoders are the same for both: all arithmetic is
 *           modulo 2^64 and the encoder guarantees that every stored offset is
 *           the exact difference.
 *   i128    DECIMAL(p>18): split into a low and a high 64-bit ints stream.
 *   strings VARCHAR, BLOB: lengths (an ints stream) + concatenated bytes.
 *
 * Memory: decoders allocate nothing whose size is not bounded by the count
 * they were given (the caller bounds counts by the row group's row count,
 * itself capped by ST_SEGMENT_MAX_RG_ROWS) or by the bytes in the window.
 *
 * Byte order: every multi-byte field is little-endian.  The kernels load and
 * store through memcpy and assume a little-endian host (checked below);
 * Strata targets x86-64 and AArch64 Linux, both little-endian.
 */
#ifndef ST_ENC_INT_H
#define ST_ENC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/status.h"
#include "format/types.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the segment encoders assume a little-endian host"
#endif

/* Encoding ids, as stored on disk (block header, footer, nested kind bytes).
 * Mirror st_seg_encoding in segment.h; never renumber. */
enum {
    ENC_PLAIN = 0,
    ENC_DICT = 1,
    ENC_RLE = 2,
    ENC_FOR = 3,
    ENC_DELTA = 4,
    ENC__COUNT = 5
};
#define ENC_BIT(k) (1u << (k))

/* Values per miniblock of a PACK stream (each has its own reference and bit
 * width, so one outlier widens 512 values, not a whole row group). */
#define ENC_MINIBLOCK 512

/* Bytes a decoder may read past the end of its window (masked off).  Every
 * window the segment reader hands out has at least this much readable memory
 * behind it: decoded buffers are padded, and in the mapped file a block is
 * always followed by at least the 48-byte tail. */
#define ENC_SLACK 16

/* Nesting depth of ints streams (DICT -> RLE indices -> values). */
#define ENC_MAX_DEPTH 3

/* ---- output buffer ------------------------------------------------------ */

typedef struct enc_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    bool failed; /* sticky: an allocation failed */
} enc_buf;

/* Make room for n more bytes plus ENC_SLACK writable bytes behind them (the
 * packers store whole words).  false (and failed) on allocation failure. */
bool enc_reserve(enc_buf *b, size_t n);
void enc_buf_free(enc_buf *b);

static inline void enc_put(enc_buf *b, const void *p, size_t n) {
    if (!enc_reserve(b, n)) return;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}
static inline void enc_u8(enc_buf *b, uint8_t v) { enc_put(b, &v, 1); }
static inline void enc_u32(enc_buf *b, uint32_t v) { enc_put(b, &v, 4); }
static inline void enc_u64(enc_buf *b, uint64_t v) { enc_put(b, &v, 8); }

static inline void st_store_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void st_store_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st_store_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t st_load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t st_load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t st_load_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- scratch arena for encoders ------------------------------------------ */

/* Encoders allocate their scratch (deltas, runs, dictionaries, hash tables)
 * from an arena the writer resets after each chunk.  The arena keeps one
 * block sized to the high-water mark of the chunks so far, so in steady
 * state encoding a chunk allocates (and page-faults) nothing.  Individual
 * frees are not needed: everything goes at the next reset. */
typedef struct enc_mem {
    uint8_t *blk;
    size_t cap, used, high;
    void **extra; /* allocations that did not fit in blk */
    size_t nextra, extra_cap;
} enc_mem;

/* 64-byte aligned; NULL on failure. */
void *enc_alloc(enc_mem *m, size_t n);
void enc_mem_reset(enc_mem *m);
void enc_mem_free(enc_mem *m);

/* ---- input window ------------------------------------------------------- */

typedef struct enc_rd {
    const uint8_t *p; /* window start */
    size_t len;       /* window length; p[len .. len+ENC_SLACK) is readable */
    size_t pos;       /* next byte to read */
} enc_rd;

static inline bool rd_has(const enc_rd *r, size_t n) { return r->len - r->pos >= n; }
static inline bool rd_u8(enc_rd *r, uint8_t *v) {
    if (!rd_has(r, 1)) return false;
    *v = r->p[r->pos++];
    return true;
}
static inline bool rd_u32(enc_rd *r, uint32_t *v) {
    if (!rd_has(r, 4)) return false;
    *v = st_load_u32(r->p + r->pos);
    r->pos += 4;
    return true;
}
static inline bool rd_u64(enc_rd *r, uint64_t *v) {
    if (!rd_has(r, 8)) return false;
    *v = st_load_u64(r->p + r->pos);
    r->pos += 8;
    return true;
}

/* ---- SIMD dispatch ------------------------------------------------------ */

/* true when the AVX2 kernels are in use (CPU support, and STRATA_SIMD is not
 * "scalar"; STRATA_SIMD=avx2 insists and falls back only when the CPU lacks
 * it).  Decided once per process. */
bool enc_use_avx2(void);

/* ---- PACK: frame-of-reference bit packing in miniblocks ------------------ */

/* Exact byte size of PACK(v[0..n)). */
size_t enc_pack_size(const uint64_t *v, size_t n, bool sgn);
/* Append PACK(v[0..n)). */
void enc_pack(enc_buf *out, const uint64_t *v, size_t n, bool sgn);
/* Decode PACK(n) into out[0..n). */
st_status enc_unpack(enc_rd *rd, size_t n, uint64_t *out, st_error *e);

/* min and max of v[0..n) (n >= 1) in signed (sgn) or unsigned order. */
void enc_minmax(const uint64_t *v, size_t n, bool sgn, uint64_t *mn, uint64_t *mx);
/* Largest value of v[0..n) in unsigned order (0 when n == 0). */
uint64_t enc_max_u64(const uint64_t *v, size_t n);
/* out[i-1] = v[i] - v[i-1] for 1 <= i < n */
void enc_deltas(const uint64_t *v, size_t n, uint64_t *out);
/* runs of equal adjacent values (0 when n == 0) */
size_t enc_count_runs(const uint64_t *v, size_t n);

/* ---- ints streams --------------------------------------------------------- */

/* A plan: the chosen encoding of one ints stream and everything needed to
 * write it (nested streams included), so nothing is computed twice. */
typedef struct ints_plan ints_plan;

typedef struct ints_opts {
    unsigned allowed;   /* ENC_BIT mask of FOR, DELTA, RLE, DICT */
    bool force_dict;    /* try DICT however many distinct values (tests) */
} ints_opts;

/* Build a plan for v[0..n) (v must outlive the plan); its memory comes from
 * m and lives until m is reset.  ST_ERR_NOMEM on allocation failure.  FOR
 * is the fallback when nothing allowed applies. */
st_status ints_plan_build(enc_mem *m, const uint64_t *v, size_t n, bool sgn, ints_opts o,
                          ints_plan **out, st_error *e);
int ints_plan_kind(const ints_plan *p);
size_t ints_plan_size(const ints_plan *p); /* body bytes (no kind byte) */
/* When DICT was evaluated and its dictionary fully built: the distinct
 * values (in no particular order) and their count; else NULL / 0.  Valid
 * until the arena is reset. */
const uint64_t *ints_plan_distinct(const ints_plan *p, size_t *count);
/* Append the body (no kind byte). */
void ints_plan_write(const ints_plan *p, enc_buf *out);

/* Decode an ints body of encoding `kind` (FOR, DELTA, RLE or DICT) of n
 * values.  `allowed` restricts the kind (a kind outside it is corruption). */
st_status ints_decode(enc_rd *rd, int kind, unsigned allowed, size_t n, uint64_t *out, int depth,
                      st_error *e);
/* Read a kind byte, check it against `allowed`, decode. */
st_status ints_decode_nested(enc_rd *rd, unsigned allowed, size_t n, uint64_t *out, int depth,
                             st_error *e);

/* ---- strings --------------------------------------------------------------- */

typedef struct strs_plan strs_plan;

/* Plan for n strings: string i is bytes[off[i] .. off[i+1]).  `allowed` is a
 * mask of PLAIN, DICT, RLE.  Memory from m, as for ints plans. */
st_status strs_plan_build(enc_mem *m, const char *bytes, const uint32_t *off, size_t n,
                          unsigned allowed, bool force_dict, strs_plan **out, st_error *e);
int strs_plan_kind(const strs_plan *p);
size_t strs_plan_size(const strs_plan *p);
/* The distinct strings when DICT was fully built (count, and the i-th as
 * pointer/length), else 0. */
size_t strs_plan_distinct(const strs_plan *p);
void strs_plan_distinct_at(const strs_plan *p, size_t i, const char **s, uint32_t *len);
void strs_plan_write(const strs_plan *p, enc_buf *out);

/* Decode n strings of encoding kind into out[0..n) (st_str pointing into the
 * window, which must stay alive).  utf8: every string must be valid UTF-8. */
st_status strs_decode(enc_rd *rd, int kind, size_t n, bool utf8, st_str *out, st_error *e);

/* ---- HyperLogLog distinct estimate ---------------------------------------- */

#define ENC_HLL_P 11
#define ENC_HLL_M (1u << ENC_HLL_P)

typedef struct enc_hll {
    uint8_t reg[ENC_HLL_M];
} enc_hll;

static inline void enc_hll_add(enc_hll *h, uint64_t hash) {
    uint32_t idx = (uint32_t)(hash >> (64 - ENC_HLL_P));
    uint64_t w = (hash << ENC_HLL_P) | (UINT64_C(1) << (ENC_HLL_P - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
    if (rank > h->reg[idx]) h->reg[idx] = rank;
}
void enc_hll_merge(enc_hll *dst, const enc_hll *src);
uint64_t enc_hll_estimate(const enc_hll *h);

#endif /* ST_ENC_INT_H */
