/*
 * zonemap.h: min, max, null count and a distinct estimate of a column over a
 * range of rows (a row group, a segment, a partition), and the pruning test
 * "can any row in this range satisfy `col OP value`?".
 *
 * One definition serves every level: the segment writer computes zone maps per
 * row group (and merges them per segment), the commit log stores the segment
 * level ones as JSON (st_zonemap_to_json), Parquet statistics are converted to
 * them, and the query planner skips partitions, segments and row groups with
 * st_zonemap_may_match.
 *
 * Guarantees (what pruning relies on):
 *  - min <= every non-NULL, non-NaN value <= max, in the type's order (strings:
 *    unsigned bytewise, shorter first).  Strings longer than ST_ZONE_STR_MAX
 *    are bounded, not stored: min is a prefix (still <= the true min) and max
 *    is a prefix with its last byte incremented (still >= the true max), with
 *    min_exact/max_exact false.  When no such bound exists, has_max is false.
 *  - has_nan: a FLOAT/DOUBLE range saw NaN.  NaN sorts above every number (as
 *    in DuckDB), so a NaN zone may match `>`/`>=` predicates whatever max is.
 *  - A zone map that knows nothing (has_min = has_max = false, null_count
 *    unknown) makes st_zonemap_may_match return true: pruning is never wrong,
 *    only sometimes not possible.
 */
#ifndef ST_ZONEMAP_H
#define ST_ZONEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "format/status.h"
#include "format/types.h"
#include "format/vector.h"

#define ST_ZONE_STR_MAX 32

/* A bound value.  Integers of every width, BOOLEAN, DATE, TIMESTAMP(_NS) and
 * DECIMAL(p <= 18) use i64; UINT64 u64; FLOAT/DOUBLE f64; DECIMAL(p > 18)
 * i128; VARCHAR/BLOB the first slen bytes in s. */
typedef struct st_zval {
    union {
        int64_t i64;
        uint64_t u64;
        double f64;
        st_i128 i128;
    } v;
    uint8_t slen;
    char s[ST_ZONE_STR_MAX];
} st_zval;

typedef struct st_zonemap {
    st_type type;
    uint64_t rows;         /* rows covered (NULLs included) */
    uint64_t null_count;   /* exact */
    uint64_t distinct_est; /* estimate of distinct non-NULL values; 0 = unknown */
    bool has_min, has_max; /* false: no non-NULL (non-NaN) value, or unknown */
    bool min_exact, max_exact;
    bool has_nan;
    st_zval min, max;
} st_zonemap;

typedef enum st_cmp_op {
    ST_CMP_EQ,
    ST_CMP_NE,
    ST_CMP_LT,
    ST_CMP_LE,
    ST_CMP_GT,
    ST_CMP_GE,
    ST_CMP_IS_NULL,
    ST_CMP_IS_NOT_NULL
} st_cmp_op;

void st_zonemap_init(st_zonemap *zm, st_type t);

/* Fold rows of v into zm: rows sel[0..n) when sel is non-NULL, else rows
 * [0, n).  Does not touch distinct_est (the caller estimates it). */
void st_zonemap_update(st_zonemap *zm, const st_vector *v, const uint32_t *sel, uint32_t n);

/* dst := union of dst and src (same type).  distinct_est becomes the max of
 * the two (a lower bound; callers with better knowledge overwrite it). */
void st_zonemap_merge(st_zonemap *dst, const st_zonemap *src);

/* Bound value from an in-memory value of type t (types.h representation). */
void st_zval_from_value(st_type t, const void *value, st_zval *out);
/* Compare two bound values of type t: <0, 0, >0. */
int st_zval_cmp(st_type t, const st_zval *a, const st_zval *b);

/* Could a row in the range satisfy `column op value`?  For IS [NOT] NULL the
 * value is ignored.  value must be of the zone map's type (the planner casts
 * constants first).  Returns true when unsure. */
bool st_zonemap_may_match(const st_zonemap *zm, st_cmp_op op, const st_zval *value);

/* JSON form for the commit log and `inspect`:
 *   {"rows":N,"nulls":N,"distinct":N,"min":"<text>","max":"<text>",
 *    "min_exact":true,"max_exact":true,"nan":false}
 * min/max are the exact text forms of types.h (strings as JSON strings when
 * valid UTF-8, else "min_hex"/"max_hex"), absent when has_min/has_max is
 * false; *_exact and nan appear only when not the default (true/false). */
json_t *st_zonemap_to_json(const st_zonemap *zm);
st_status st_zonemap_from_json(const json_t *j, st_type t, st_zonemap *out, st_error *e);

#endif /* ST_ZONEMAP_H */
