/*
 * hashvec.h: key hashing over column batches, the one hash every hash table
 * of Strata uses (Silver's dedup, the query engine's hash aggregation and
 * hash joins), with a scalar path and an AVX2 path that give bit-identical
 * results.
 *
 * The hash of a row's key folds its key columns in order, one 64-bit word
 * per column:
 *
 *     h = ST_HASH_SEED
 *     for each key column c:  h = st_hash_step(h, word_c(row))
 *     st_hash_step(h, w) = fmix64(rotl64(h, 23) ^ w)       (fmix64: the
 *                          MurmurHash3 / XXH3 64-bit finalizer, a bijection)
 *
 * word_c is the value's normalized 64-bit word, chosen so that values equal
 * under SQL equality give equal words whatever their integer width:
 *   - BOOLEAN, INT8..INT64, DATE, TIMESTAMP(_NS), DECIMAL(p <= 18): the value
 *     sign-extended to 64 bits (a DECIMAL's unscaled integer);
 *   - UINT64: its bits;
 *   - FLOAT, DOUBLE: the bits of the value as a double, with -0.0 read as
 *     +0.0 and every NaN as one canonical NaN;
 *   - DECIMAL(p > 18): two words, low 64 bits then high 64 bits;
 *   - VARCHAR, BLOB: XXH3-64 (seed 0) of the bytes;
 *   - NULL (any type): ST_HASH_NULL_WORD (and, for a wide decimal, that word
 *     twice).  A non-NULL value whose word happens to equal it collides, as
 *     any two keys may: tables compare the keys themselves after the hash.
 * Hash values are never stored on disk; they may change between releases
 * (but never between the two paths of one build).
 *
 * SIMD: the fixed-width kernels have an AVX2 version (4 rows at a time; the
 * 64-bit multiplies of fmix64 are built from 32-bit ones) compiled with
 * __attribute__((target("avx2"))) so the build stays baseline x86-64.  The
 * path is chosen once per process: STRATA_SIMD=scalar|avx2|auto in the
 * environment, else AVX2 when the CPU has it (__builtin_cpu_supports).
 * st_simd_force overrides both (a command's --simd flag, tests).  Strings
 * always hash with XXH3 (which picks its own instructions internally; its
 * result does not depend on them).
 *
 * Thread safety: the hashing functions are pure; st_simd_force is meant to
 * be called at startup, before worker threads run.
 */
#ifndef ST_HASHVEC_H
#define ST_HASHVEC_H

#include <stdbool.h>
#include <stdint.h>

#include "format/hash.h"
#include "format/status.h"
#include "format/vector.h"

#define ST_HASH_SEED UINT64_C(0x2d358dccaa6c78a5)
#define ST_HASH_NULL_WORD UINT64_C(0x8bb84b93962eacc9)

static inline uint64_t st_hash_fmix64(uint64_t x) {
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* One step of the fold (the scalar definition both paths implement). */
static inline uint64_t st_hash_step(uint64_t h, uint64_t word) {
    return st_hash_fmix64(((h << 23) | (h >> 41)) ^ word);
}

/* Normalized words of single values (for code that hashes one row). */
static inline uint64_t st_hash_word_i64(int64_t v) { return (uint64_t)v; }
uint64_t st_hash_word_double(double v);
static inline uint64_t st_hash_word_str(const char *p, uint32_t n) { return XXH3_64bits(p, n); }

/* ---- path selection ------------------------------------------------------ */

typedef enum st_simd_level { ST_SIMD_SCALAR = 0, ST_SIMD_AVX2 = 1 } st_simd_level;

/* The path in use (resolved on first call from STRATA_SIMD and the CPU). */
st_simd_level st_simd_active(void);
/* Does this CPU support the level? (scalar: always) */
bool st_simd_supported(st_simd_level l);
/* Force a path.  ST_ERR_UNSUPPORTED when the CPU lacks it. */
st_status st_simd_force(st_simd_level l, st_error *e);
/* "scalar", "avx2" */
const char *st_simd_name(st_simd_level l);
/* Parse "scalar", "avx2" or "auto" (auto: the CPU's best). */
st_status st_simd_parse(const char *s, st_simd_level *out, st_error *e);

/* ---- batch kernels ------------------------------------------------------- */
/* Every kernel folds one column into h[0..n): h[k] = step(h[k], word(row)),
 * where row = sel ? sel[k] : k.  validity NULL = no NULLs. */

/* h[k] = ST_HASH_SEED */
void st_hashvec_init(uint64_t *h, uint32_t n);

/* Dense fixed-width words, no NULLs, no selection: the SIMD kernel itself. */
void st_hashvec_words(uint64_t *h, const uint64_t *w, uint32_t n);
/* The same on the path given (tests, benches): identical results. */
void st_hashvec_words_on(st_simd_level l, uint64_t *h, const uint64_t *w, uint32_t n);
void st_hashvec_i32_on(st_simd_level l, uint64_t *h, const int32_t *v, uint32_t n);

/* Any column of a vector (types as listed above). */
void st_hashvec_column(uint64_t *h, const st_vector *v, const uint32_t *sel, uint32_t n);

/* Several key columns: h[k] = fold over cols[0..ncols) of row sel[k]/k. */
void st_hashvec_key(uint64_t *h, st_vector *const *cols, uint32_t ncols, const uint32_t *sel,
                    uint32_t n);

/* The normalized word of row `row` of v (part 1: a wide decimal's high
 * word); ST_HASH_NULL_WORD for NULL. */
uint64_t st_hash_word_at(const st_vector *v, uint32_t row, int part);

/* The hash of one row's key (the scalar fold, for single lookups). */
uint64_t st_hash_row(st_vector *const *cols, uint32_t ncols, uint32_t row);

#endif /* ST_HASHVEC_H */
