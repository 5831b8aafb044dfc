/*
 * vcast.h: casting a column vector to another type, row by row exact, with
 * the rows that cannot be cast reported in a bitmap (never silently wrong).
 *
 * What may be cast to what is decided before any data is read
 * (st_cast_allowed), so a transform spec asking for an impossible cast is
 * refused when it is compiled:
 *
 *   from \ to        BOOL  integers  FLOAT/DOUBLE  DECIMAL  VARCHAR  BLOB  DATE  TIMESTAMP(_NS)
 *   BOOLEAN           =      yes        -            -        yes      -     -      -
 *   integers         yes     yes       yes          yes       yes      -     -      -
 *   FLOAT/DOUBLE      -      yes       yes          yes       yes      -     -      -
 *   DECIMAL           -      yes       yes          yes       yes      -     -      -
 *   VARCHAR          yes     yes       yes          yes        =      yes   yes    yes
 *   BLOB              -       -         -            -        yes(1)   =     -      -
 *   DATE              -       -         -            -        yes      -     =     yes
 *   TIMESTAMP(_NS)    -       -         -            -        yes      -    yes    yes
 *
 * (1) when the bytes are valid UTF-8.  A row fails (its bit is set in
 * `fail`, its output is NULL) when its text does not parse as the target
 * type (types.h's strict parsers), a number is out of the target's range
 * or precision, a FLOAT/DOUBLE is NaN or infinite for an integer or
 * DECIMAL target.  Narrowing a DECIMAL's scale or a floating value into a
 * DECIMAL or integer rounds half away from zero (SQL CAST); TIMESTAMP to
 * DATE takes the UTC day.  NULL stays NULL and never fails.
 */
#ifndef ST_XCAST_H
#define ST_XCAST_H

#include <stdbool.h>
#include <stdint.h>

#include "format/status.h"
#include "format/vector.h"

bool st_cast_allowed(st_type from, st_type to);

/* out (created with type `to`; reset here) receives in's rows [0, in->len); fail[]
 * ((len + 63) / 64 words, zeroed by the caller) gets a bit per failed row.
 * Errors: only out-of-memory. */
st_status st_cast_vector(const st_vector *in, st_type to, st_vector *out, uint64_t *fail, st_error *e);

/* A numeric value (BOOLEAN, integers, DECIMAL) as an exact scaled integer:
 * false for other types.  *scale is the decimal scale (0 for integers). */
bool st_value_exact(st_type t, const void *v, st_i128 *out, int *scale);
/* A numeric value (any numeric type, FLOAT/DOUBLE included) as a double. */
double st_value_double(st_type t, const void *v);
/* v at scale `from` to scale `to`, rounding half away from zero; false on
 * overflow (|result| >= 10^38). */
bool st_rescale(st_i128 v, int from, int to, st_i128 *out);

/* One value (for messages and tests): ST_ERR_INVALID with a message when it
 * cannot be cast. */
st_status st_cast_value(st_type from, const void *v, st_type to, void *out, st_arena *strings, st_error *e);

#endif /* ST_XCAST_H */
