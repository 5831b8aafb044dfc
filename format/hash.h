/*
 * hash.h: checksums and hashing, all XXH3 (xxHash 0.8, inlined for speed).
 *
 * st_checksum64 protects every block on disk (segment blocks, footers, log
 * entries): XXH3-64 with seed 0 over exactly the bytes the spec names.
 * st_hash_* are for in-memory hash tables; their values are never stored.
 */
#ifndef ST_HASH_H
#define ST_HASH_H

#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t st_checksum64(const void *p, size_t n) { return XXH3_64bits(p, n); }

static inline uint64_t st_hash_bytes(const void *p, size_t n) { return XXH3_64bits(p, n); }

/* Hash of one 64-bit key: a strong, cheap mixer (the xxh3 avalanche of a
 * multiply), identical for the scalar and SIMD paths that later issues add. */
static inline uint64_t st_hash_u64(uint64_t x) {
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

static inline uint64_t st_hash_combine(uint64_t h, uint64_t v) {
    return st_hash_u64(h ^ (v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2)));
}

#endif /* ST_HASH_H */
