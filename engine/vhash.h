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
 *   VARCHAR, BLOB: st_hash_bytes (XXH3) of the bytes
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

/* For k in [0, n): the hash of row sel[k] (k when sel is NULL; row 0 when
 * is_const) of v, stored into h[k] (combine = false) or combined into h[k]
 * with st_hash_combine (combine = true). */
void st_vhash(const st_vector *v, bool is_const, const uint32_t *sel, uint32_t n, uint64_t *h,
              bool combine);

#endif /* ST_VHASH_H */
