/*
 * vhash.c: the query engine's vector hashing, delegated to format/hashvec.h
 * so that the SQL engine's hash aggregation, DISTINCT and joins and Silver's
 * dedup hash every key the same way, through the same AVX2 / scalar kernels
 * (chosen at run time, forced with STRATA_SIMD).  This file only adapts the
 * call shape the SQL engine uses (a constant vector, combine-or-start).
 */
#include "engine/vhash.h"

#include "format/hashvec.h"

void st_vhash(const st_vector *v, bool is_const, const uint32_t *sel, uint32_t n, uint64_t *h,
              bool combine) {
    if (!combine) st_hashvec_init(h, n);
    if (!is_const) {
        st_hashvec_column(h, v, sel, n);
        return;
    }
    bool wide = v->type.id == ST_T_DECIMAL && st_decimal_is_wide(v->type);
    uint64_t w0 = st_hash_word_at(v, 0, 0);
    uint64_t w1 = wide ? st_hash_word_at(v, 0, 1) : 0;
    for (uint32_t k = 0; k < n; k++) {
        h[k] = st_hash_step(h[k], w0);
        if (wide) h[k] = st_hash_step(h[k], w1);
    }
}
