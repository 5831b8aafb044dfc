/*
 * vhash.h: a short string (at most 8 bytes) as one 64-bit word, the hash
 * tables' cheap equality test for short keys.  The hashes themselves come
 * from format/hashvec.h (st_hashvec_key), the one key hash every hash
 * table of Strata uses, with bit-identical AVX2 and scalar paths.
 */
#ifndef ST_VHASH_H
#define ST_VHASH_H

#include <stdint.h>

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

#endif /* ST_VHASH_H */
