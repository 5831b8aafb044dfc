/*
 * vhash.h: hashing column vectors for hash tables (the SQL engine's hash
 * aggregation, DISTINCT and joins; Silver's dedup).  Every hash of a key
 * value in Strata comes from here, so two paths (scalar today, AVX2 later)
 * can never disagree: a later SIMD path must give bit-identical hashes, and
 * tests compare the paths.
 *
 * Definition (per value, then combined left to right over key columns):
 *   integers, BOOLEAN, DATE, TIMESTAMP(_NS), DECIMAL(p <= 18), UINT64:
 *       st_hash_u64 of the value as a 64-bit integer (sign-extended)
 *   DECIMAL(p > 18): st_hash_combine(st_hash_u64(low 64 bits), high 64 bits)
 *   FLOAT, DOUBLE: st_hash_u64 of the IEEE bits of the value as a double,
 *       with -0.0 read as 0.0 and every NaN as one canonical NaN (so values
 *       that compare equal hash equal)
 *   VARCHAR, BLOB: up to 8 bytes: st_hash_u64(st_vhash_short(s)) (below);
 *       longer: st_hash_bytes (XXH3) of the bytes
 *   NULL: ST_VHASH_NULL
 *   several columns: h = hash(col0); h = st_hash_combine(h, hash(col_i))
 * Hashes are for in-memory tables only and never stored.
 */
#ifndef ST_VHASH_H
#define ST_VHASH_H

#include <stdbool.h>
#include <stdint.h>

#include "format/vector.h"

#define ST_VHASH_NULL UINT64_C(0x5bd1e9955bd1e995)

/* A string of at most 8 bytes as one word, reading only its own bytes:
 * 4..8 bytes: the first 4 and the last 4 (overlapping); 1..3 bytes: the
 * first, middle and last byte; with the length in the top byte.  Strings of
 * one length <= 8 map to distinct words when their bytes differ. */
static inline uint64_t st_vhash_short(const char *p, uint32_t len) {
    uint64_t x;
    if (len >= 4) {
        uint32_t lo, hi;
        __builtin_memcpy(&lo, p, 4);
        __builtin_memcpy(&hi, p + len - 4, 4);
        x = (uint64_t)lo | ((uint64_t)hi << 32);
    } else if (len) {
        x = (uint64_t)(unsigned char)p[0] | ((uint64_t)(unsigned char)p[len / 2] << 8) |
            ((uint64_t)(unsigned char)p[len - 1] << 16);
    } else {
        x = 0;
    }
    return x ^ ((uint64_t)len << 56);
}

/* For k in [0, n): the hash of row sel[k] (k when sel is NULL; row 0 when
 * is_const) of v, stored into h[k] (combine = false) or combined into h[k]
 * with st_hash_combine (combine = true). */
void st_vhash(const st_vector *v, bool is_const, const uint32_t *sel, uint32_t n, uint64_t *h,
              bool combine);

#endif /* ST_VHASH_H */
