/*
 * lookup.h: enrichment lookups: the rows of a reference table indexed by
 * key, probed a batch at a time.
 *
 * Two ways to match, combinable:
 *   equality   key columns equal (SQL equality; a NULL key matches nothing),
 *              through the dedup hash table (engine/dedup.h) over the
 *              reference rows;
 *   contains   the reference row's text (a model name, "iPhone 13 mini") is
 *              found in ours (a scraped title), case-insensitively, blanks
 *              collapsed, at word boundaries.  The first containment pair
 *              must match; later pairs add to the score (a colour named in
 *              the title); the longest total match wins, ties go to the
 *              earlier reference row.
 * With equality keys only, a key that several reference rows share is an
 * error (dup 0, naming the key), or resolved to the first or last row in
 * table order (dup 1, 2).
 *
 * The caller owns the reference vectors and keeps them alive as long as the
 * lookup.  A built lookup is immutable: probes may run on several threads.
 */
#ifndef ST_LOOKUP_H
#define ST_LOOKUP_H

#include <stdint.h>

#include "format/status.h"
#include "format/vector.h"

typedef struct st_lookup st_lookup;

st_status st_lookup_build(const char *what, st_vector *const *keys, uint32_t nkeys, st_vector *const *cont,
                          uint32_t ncont, uint32_t nrows, int dup, st_lookup **out, st_error *e);
void st_lookup_free(st_lookup *lk);

/* match[k] = the reference row for row k (k < n) of our columns, or -1. */
st_status st_lookup_probe(const st_lookup *lk, st_vector *const *keys, st_vector *const *cont, uint32_t n,
                          int64_t *match, st_error *e);

#endif /* ST_LOOKUP_H */
