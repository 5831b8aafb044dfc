/*
 * dedup.h: keep the latest row per key: the hash table at the heart of
 * Silver's dedup (and of uniqueness checks).
 *
 * Rows are offered in batches with their key columns, their key hashes
 * (format/hashvec.h, computed by the caller, SIMD), and an ordering triple
 * (ord, ingest, line): the event time and the ingest order.  For every
 * distinct key the table keeps the row with the greatest triple, compared
 * lexicographically; the triple is unique per input row (ingest order is),
 * so the winner does not depend on the order rows are offered in, and the
 * result is the same for any thread count or batch size.
 *
 * Keys: equal under SQL equality means equal here (the same normalized
 * words hashvec hashes, so every integer width of a value matches), except
 * that NULL equals NULL (one group, as SQL's GROUP BY and PARTITION BY
 * have it).  Each key is kept as a small serialized byte string (a null
 * byte, then the 64-bit word of a fixed-width value or the length and bytes
 * of a string), so one comparison covers any mix of column types.
 *
 * The table is open addressing with linear probing over 64-bit slots
 * (32-bit hash tag, 32-bit entry index): a miss costs one cache line, a hit
 * compares the tag before touching the entry.  Its first size comes from an
 * estimate of the distinct keys (Silver takes it from the zone maps'
 * distinct counts); it doubles when half full.  Probes are prefetched a few
 * rows ahead.  Entries are kept in insertion order.
 *
 * Threading: offers need the table to themselves; finds (which only read
 * it) may run on several threads at once, between offers.
 */
#ifndef ST_DEDUP_H
#define ST_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "format/status.h"
#include "format/vector.h"

typedef struct st_dedup st_dedup;

#define ST_DEDUP_MAX_KEYS 16
#define ST_DEDUP_NONE UINT64_MAX /* a ref that marks an entry dropped */

typedef struct st_dedup_win {
    int64_t ord;    /* INT64_MIN when NULL (oldest) */
    int64_t ingest;
    int64_t line;
    uint64_t ref;   /* caller's row reference; ST_DEDUP_NONE once dropped */
} st_dedup_win;

/* A table for keys of these column types; `expected` distinct keys size it
 * (0: a small default). */
st_status st_dedup_new(const st_type *types, uint32_t nkeys, uint64_t expected, st_dedup **out, st_error *e);
void st_dedup_free(st_dedup *d);

/* Offer rows rows[k] (k < n) of the key columns; h[k], ord[k], ingest[k],
 * line[k], ref[k] are indexed by k.  rows NULL means rows k themselves.
 * When the row's key is new it becomes the entry; otherwise it replaces the
 * entry's winner if its triple is greater.  Rows that lose (offered minus
 * distinct keys) are the duplicates. */
st_status st_dedup_offer(st_dedup *d, st_vector *const *keys, const uint32_t *rows, uint32_t n, const uint64_t *h,
                         const int64_t *ord, const int64_t *ingest, const int64_t *line, const uint64_t *ref,
                         st_error *e);
/* The same, also reporting per row the entry its key already had (-1 when
 * the row created it): the repeats of keys, in the order offered. */
st_status st_dedup_offer_hits(st_dedup *d, st_vector *const *keys, const uint32_t *rows, uint32_t n, const uint64_t *h,
                              const int64_t *ord, const int64_t *ingest, const int64_t *line, const uint64_t *ref,
                              int64_t *hit, st_error *e);
/* How many rows were offered with the key of entry i. */
uint64_t st_dedup_count(const st_dedup *d, uint64_t i);

/* Distinct keys, and rows offered in all. */
uint64_t st_dedup_size(const st_dedup *d);
uint64_t st_dedup_offered(const st_dedup *d);
/* Entry i (0 <= i < size, insertion order). */
st_dedup_win *st_dedup_entry(st_dedup *d, uint64_t i);

/* For rows rows[k]: the entry index of their key, or -1 when absent. */
st_status st_dedup_find(const st_dedup *d, st_vector *const *keys, const uint32_t *rows, uint32_t n, const uint64_t *h,
                        int64_t *out, st_error *e);

/* Bytes held (for memory accounting and the bench). */
uint64_t st_dedup_bytes(const st_dedup *d);

#endif /* ST_DEDUP_H */
