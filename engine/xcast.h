/*
 * xcast.h: exact casts of column vectors between Strata types, value by
 * value, for sources that arrive typed (Parquet) and must meet a contract
 * whose types differ.
 *
 * A cast is exact when the value it produces means the same thing as the
 * source value and casting back gives the source value again.  Nothing is
 * rounded, truncated or wrapped: a value without an exact image in the
 * target type is a failure of that row (Bronze quarantines the record), never
 * a nearby value.  The rules:
 *
 *   integers, DECIMAL        any of them, when the value fits the target's
 *                            range / precision and a DECIMAL source's dropped
 *                            fractional digits are zeros (INT32 -> INT64 and
 *                            DECIMAL(9,2) -> DECIMAL(12,4) always fit)
 *   -> FLOAT / DOUBLE        when the binary value reads back as the same
 *                            number (|integers| <= 2^53 in a DOUBLE; a
 *                            DECIMAL whose shortest float text is itself)
 *   FLOAT / DOUBLE ->        FLOAT -> DOUBLE always; DOUBLE -> FLOAT when the
 *                            float is the same number (NaN stays NaN); to an
 *                            integer or DECIMAL when the shortest text of the
 *                            value fits without rounding (0.1 -> 0.10)
 *   DATE, TIMESTAMP,         between each other when no part is lost (a
 *   TIMESTAMP_NS             timestamp becomes a DATE only at midnight, a
 *                            TIMESTAMP_NS a TIMESTAMP only on whole µs) and
 *                            the result is in range
 *   VARCHAR -> BLOB          always (the same bytes)
 *   BLOB -> VARCHAR          when the bytes are valid UTF-8
 *   VARCHAR -> any other     the strict text parser of types.h (what CSV
 *                            ingest does with the same text)
 *   any -> VARCHAR           the value's text (types.h prints it exactly)
 *   anything else            impossible (BOOLEAN <-> numbers, numbers <->
 *                            dates, BLOB -> numbers): every non-NULL value
 *                            fails
 *
 * NULL casts to NULL.  Threading: no shared state; any thread may cast.
 */
#ifndef ST_XCAST_H
#define ST_XCAST_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/contract.h"
#include "format/mem.h"
#include "format/status.h"
#include "format/vector.h"

/* Can some value of type from be cast to type to? (false: impossible) */
bool st_xcast_possible(st_type from, st_type to);

/* Cast rows [0, n) of src into dst (whose type is the target; it is reset
 * first and holds n rows afterwards).  NULL rows stay NULL; rows whose value
 * has no exact image are NULL in dst and listed in fails[0..*nfails)
 * (ascending; fails must have room for n entries).  dst's strings may point
 * into src's strings: dst must be used before src is reset or freed.
 * Errors: ST_ERR_NOMEM only. */
st_status st_xcast_vector(const st_vector *src, uint32_t n, st_vector *dst, uint32_t *fails,
                          uint32_t *nfails, st_error *e);

/* Why row `row` of src has no exact image in type to: appends e.g.
 * "3000000000 does not fit INT32" to out, and returns the reason's code
 * (ST_R_BAD_VALUE, or ST_R_UTF8 for bytes that are not UTF-8). */
st_reason_code st_xcast_explain(const st_vector *src, uint32_t row, st_type to, st_sbuf *out);

#endif /* ST_XCAST_H */
