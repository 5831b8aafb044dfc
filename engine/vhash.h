/*
 * vhash.h: hashing column vectors for hash tables (the SQL engine's hash
 * aggregation, DISTINCT and joins).  Every hash of a key value in Strata
 * comes from format/hashvec.h, whose AVX2 and scalar paths give
 * bit-identical hashes (tests compare them).
 *
 * The hash is format/hashvec.h's (one word per value, folded left to right
 * over the key columns with st_hash_step from ST_HASH_SEED; NULL is
 * ST_HASH_NULL_WORD); st_vhash only adapts its call shape.
 * Hashes are for in-memory tables only and never stored.
 */
#ifndef ST_VHASH_H
#define ST_VHASH_H

#include <stdbool.h>
#include <stdint.h>

#include "format/vector.h"

/* (Used by hash tables as a cheap equality test of short strings.)
 * A string of at most 8 bytes as one word, reading only its own bytes:
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
 * is_const) of v, stored into h[k] (combine = false) or folded
 * into h[k] (combine = true) as the next key column. */
void st_vhash(const st_vector *v, bool is_const, const uint32_t *sel, uint32_t n, uint64_t *h,
              bool combine);

#endif /* ST_VHASH_H */
