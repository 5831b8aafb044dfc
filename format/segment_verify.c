/*
 * segment_verify.c: the full check behind `strata verify FILE`.
 *
 * Opening a segment already checked the header, tail and footer (checksums
 * and structure, including that the blocks tile the file between header and
 * footer with no gap, so every byte is under some checksum).  Verify then
 * reads every column chunk of every row group, which checks each block's
 * checksum and header and decodes it with every bound checked, and compares
 * what was decoded with what the footer claims:
 *   - the row group's zone map equals the one recomputed from the values
 *     (min, max and their exactness, NaN, null count); the distinct estimate
 *     is between 1 and the non-NULL count (0 when there are none);
 *   - the decoded data size equals the chunk record's;
 *   - each segment-level zone map equals the merge of its row groups'.
 * The first problem found is returned; the message names the byte offset of
 * the block (or footer) where it is.
 */
#include <stdio.h>
#include <string.h>

#include "format/segment_int.h"

static bool zval_eq(st_type t, bool has_a, const st_zval *a, bool has_b, const st_zval *b) {
    if (has_a != has_b) return false;
    return !has_a || st_zval_cmp(t, a, b) == 0;
}

/* NULL when equal, else what differs */
static const char *zm_diff(const st_zonemap *stored, const st_zonemap *real) {
    st_type t = stored->type;
    if (stored->rows != real->rows) return "row count";
    if (stored->null_count != real->null_count) return "null count";
    if (stored->has_nan != real->has_nan) return "NaN flag";
    if (!zval_eq(t, stored->has_min, &stored->min, real->has_min, &real->min)) return "minimum";
    if (!zval_eq(t, stored->has_max, &stored->max, real->has_max, &real->max)) return "maximum";
    if (stored->has_min && stored->min_exact != real->min_exact) return "minimum exactness";
    if (stored->has_max && stored->max_exact != real->max_exact) return "maximum exactness";
    uint64_t nv = real->rows - real->null_count;
    if (nv == 0 ? stored->distinct_est != 0 : (stored->distinct_est < 1 || stored->distinct_est > nv))
        return "distinct estimate";
    return NULL;
}

st_status st_segment_verify(const st_segment *s, st_error *e) {
    st_status rc = ST_OK;
    st_vector *v = NULL;
    for (uint32_t c = 0; c < s->ncols && rc == ST_OK; c++) {
        const st_field *f = &s->schema->fields[c];
        v = st_vector_new(f->type, 0);
        if (!v) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", s->name);
        st_zonemap merged;
        st_zonemap_init(&merged, f->type);
        for (uint32_t g = 0; g < s->nrg; g++) {
            const seg_chunk *ch = &s->chunks[(size_t)g * s->ncols + c];
            const st_zonemap *stored = &s->rg_zm[(size_t)g * s->ncols + c];
            rc = st_segment_read(s, g, c, v, e);
            if (rc != ST_OK) break;
            st_zonemap real;
            st_zonemap_init(&real, f->type);
            st_zonemap_update(&real, v, NULL, v->len);
            const char *d = zm_diff(stored, &real);
            if (d) {
                rc = seg_fail(e, ST_ERR_CORRUPT, s->name, ch->offset,
                              "row group %u, column '%s': the zone map's %s disagrees with the data",
                              g, f->name, d);
                break;
            }
            if (seg_class(f->type) == SEG_CLS_STR) {
                uint64_t bytes = 0;
                const st_str *sv = v->data;
                for (uint32_t r = 0; r < v->len; r++)
                    if (!st_vector_is_null(v, r)) bytes += sv[r].len;
                if (bytes != ch->data_bytes) {
                    rc = seg_fail(e, ST_ERR_CORRUPT, s->name, ch->offset,
                                  "row group %u, column '%s': %llu string bytes, the footer says %llu",
                                  g, f->name, (unsigned long long)bytes,
                                  (unsigned long long)ch->data_bytes);
                    break;
                }
            }
            st_zonemap_merge(&merged, stored);
        }
        if (rc == ST_OK) {
            merged.distinct_est = s->zm[c].distinct_est;
            const char *d = zm_diff(&s->zm[c], &merged);
            if (d)
                rc = seg_fail(e, ST_ERR_CORRUPT, s->name, s->footer_off,
                              "column '%s': the segment zone map's %s disagrees with its row groups'",
                              f->name, d);
        }
        st_vector_free(v);
        v = NULL;
    }
    return rc;
}
