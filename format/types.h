/*
 * types.h: Strata's value types, their in-memory widths, and exact text
 * parsing and printing.
 *
 * The type ids below are written to disk (segment footers, the commit log,
 * schema files): never renumber them; add new ids at the end and move the
 * format version (spec/TYPES.md lists them).
 *
 * In-memory representation of one value (what a column vector's data array
 * holds, see vector.h):
 *
 *   BOOLEAN        uint8_t  0 or 1
 *   INT8..INT64    int8_t .. int64_t
 *   UINT64         uint64_t
 *   FLOAT, DOUBLE  float, double (IEEE 754)
 *   DECIMAL(p,s)   int64_t unscaled value when p <= 18, st_i128 when p > 18
 *   VARCHAR, BLOB  st_str {ptr, len}: bytes live in the vector's heap or in a
 *                  pinned buffer (vector.h); VARCHAR is always valid UTF-8
 *   DATE           int32_t days since 1970-01-01 (proleptic Gregorian)
 *   TIMESTAMP      int64_t microseconds since 1970-01-01 00:00:00 UTC
 *   TIMESTAMP_NS   int64_t nanoseconds since 1970-01-01 00:00:00 UTC
 *
 * Printing is exact and matches DuckDB's: decimals keep their scale and never
 * pass through a double; doubles print the shortest string that reads back
 * to the same bits (with ".0" on whole numbers and exponent form outside
 * 1e-4 .. 1e16); floats the same at float precision; dates as 2025-03-01;
 * timestamps as 2025-03-01 12:00:00.123456 with trailing zeros of the
 * fraction dropped (no fraction when it is zero); years before 1 AD as
 * "0044-03-15 (BC)".
 *
 * Parsing is strict: the whole text must be one value (surrounding ASCII
 * blanks are allowed for numbers, dates and timestamps, as SQL casts allow);
 * nothing is silently truncated or rounded unless the caller asks for
 * rounding (CAST semantics).
 */
#ifndef ST_TYPES_H
#define ST_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/status.h"

typedef enum st_type_id {
    ST_T_INVALID = 0,
    ST_T_BOOLEAN = 1,
    ST_T_INT8 = 2,
    ST_T_INT16 = 3,
    ST_T_INT32 = 4,
    ST_T_INT64 = 5,
    ST_T_UINT64 = 6,
    ST_T_FLOAT = 7,
    ST_T_DOUBLE = 8,
    ST_T_DECIMAL = 9,
    ST_T_VARCHAR = 10,
    ST_T_BLOB = 11,
    ST_T_DATE = 12,
    ST_T_TIMESTAMP = 13,
    ST_T_TIMESTAMP_NS = 14,
    ST_T_NULL = 15, /* in memory only: the type of a bare SQL NULL literal */
    ST_T__COUNT
} st_type_id;

#define ST_DECIMAL_MAX_PRECISION 38
#define ST_DECIMAL_SMALL_MAX 18 /* p <= 18 is stored in 64 bits */

typedef struct st_type {
    uint8_t id;        /* st_type_id */
    uint8_t precision; /* DECIMAL only (1..38), else 0 */
    uint8_t scale;     /* DECIMAL only (0..precision), else 0 */
} st_type;

typedef __int128 st_i128;

/* A string or blob value: bytes are not NUL-terminated. 16 bytes. */
typedef struct st_str {
    const char *ptr;
    uint32_t len;
    uint32_t reserved; /* zero; room for a prefix/hash later */
} st_str;

/* Convenience constructors. */
static inline st_type st_type_make(st_type_id id) {
    st_type t = {(uint8_t)id, 0, 0};
    return t;
}
static inline st_type st_type_decimal(int precision, int scale) {
    st_type t = {ST_T_DECIMAL, (uint8_t)precision, (uint8_t)scale};
    return t;
}
static inline bool st_type_eq(st_type a, st_type b) {
    return a.id == b.id && a.precision == b.precision && a.scale == b.scale;
}
static inline bool st_type_is_string(st_type t) {
    return t.id == ST_T_VARCHAR || t.id == ST_T_BLOB;
}
static inline bool st_type_is_integer(st_type t) {
    return t.id >= ST_T_INT8 && t.id <= ST_T_UINT64;
}
static inline bool st_type_is_numeric(st_type t) {
    return (t.id >= ST_T_INT8 && t.id <= ST_T_DECIMAL);
}
static inline bool st_type_is_temporal(st_type t) {
    return t.id == ST_T_DATE || t.id == ST_T_TIMESTAMP || t.id == ST_T_TIMESTAMP_NS;
}
static inline bool st_decimal_is_wide(st_type t) {
    return t.id == ST_T_DECIMAL && t.precision > ST_DECIMAL_SMALL_MAX;
}

/* Bytes one value takes in a vector's data array (1 for NULL, 0 for
 * INVALID).  Inline: st_vector_at calls it for every row it addresses. */
static inline size_t st_type_width(st_type t) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN:
    case ST_T_INT8:
    case ST_T_NULL: return 1;
    case ST_T_INT16: return 2;
    case ST_T_INT32:
    case ST_T_FLOAT:
    case ST_T_DATE: return 4;
    case ST_T_INT64:
    case ST_T_UINT64:
    case ST_T_DOUBLE:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: return 8;
    case ST_T_DECIMAL: return t.precision > ST_DECIMAL_SMALL_MAX ? 16 : 8;
    case ST_T_VARCHAR:
    case ST_T_BLOB: return sizeof(st_str);
    default: return 0;
    }
}

/* True when t is a well-formed type (known id, decimal p/s in range). */
bool st_type_valid(st_type t);

/* "INT64", "DECIMAL(18,2)", ...; buf must hold ST_TYPE_NAME_MAX bytes.
 * Returns buf. */
#define ST_TYPE_NAME_MAX 32
const char *st_type_name(st_type t, char *buf);

/* Parse a type name (case-insensitive; accepts the names st_type_name prints
 * and the usual SQL aliases: INTEGER, BIGINT, TEXT, NUMERIC(p,s), ...). */
st_status st_type_parse(const char *s, size_t n, st_type *out, st_error *e);

/* ---- calendar helpers --------------------------------------------------- */

#define ST_USEC_PER_SEC INT64_C(1000000)
#define ST_USEC_PER_DAY INT64_C(86400000000)
#define ST_NSEC_PER_DAY INT64_C(86400000000000)

/* days since 1970-01-01 <-> civil date (proleptic Gregorian; year 0 = 1 BC). */
int64_t st_days_from_civil(int64_t y, unsigned m, unsigned d);
void st_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
bool st_date_valid(int64_t y, unsigned m, unsigned d);
/* floor division helpers for splitting timestamps into day + time of day */
static inline int64_t st_floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t st_floormod(int64_t a, int64_t b) {
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/* ---- parsing (text -> value) -------------------------------------------- */
/* Each returns ST_OK, or ST_ERR_INVALID with a message naming the value. */

st_status st_parse_bool(const char *s, size_t n, uint8_t *out, st_error *e);
st_status st_parse_int64(const char *s, size_t n, int64_t *out, st_error *e);
st_status st_parse_uint64(const char *s, size_t n, uint64_t *out, st_error *e);
st_status st_parse_double(const char *s, size_t n, double *out, st_error *e);
st_status st_parse_float(const char *s, size_t n, float *out, st_error *e);
/* Decimal into unscaled integer with the given precision/scale.  With
 * round=false a value with more fractional digits than scale is an error
 * (no silent rounding); with round=true it rounds half away from zero (CAST). */
st_status st_parse_decimal(const char *s, size_t n, int precision, int scale,
                           bool round, st_i128 *out, st_error *e);
st_status st_parse_date(const char *s, size_t n, int32_t *out, st_error *e);
/* Accepts "YYYY-MM-DD", "YYYY-MM-DD[ T]HH:MM[:SS[.fraction]]" and an optional
 * zone suffix "Z", "+HH", "+HH:MM", "+HHMM" (converted to UTC).  A fraction
 * with more digits than the unit keeps is an error unless the extra digits
 * are zeros. */
st_status st_parse_timestamp(const char *s, size_t n, int64_t *out_us, st_error *e);
st_status st_parse_timestamp_ns(const char *s, size_t n, int64_t *out_ns, st_error *e);

/* Parse text into the in-memory representation of t (writes st_type_width(t)
 * bytes at out).  VARCHAR/BLOB are not handled here (no copy is needed). */
st_status st_parse_value(st_type t, const char *s, size_t n, void *out, st_error *e);

/* Digits counting (for inference): number of significant decimal digits in a
 * plain decimal literal, or -1 when s is not one. */
int st_decimal_digits(const char *s, size_t n, int *int_digits, int *frac_digits);

/* ---- printing (value -> text) ------------------------------------------- */

/* Enough for any non-string value (a DECIMAL(38,x) needs 41). */
#define ST_FORMAT_MAX 64

/* Print a non-string value (anything but VARCHAR/BLOB) into buf (at least
 * ST_FORMAT_MAX bytes); returns the length (buf is NUL-terminated). */
size_t st_format_value(st_type t, const void *v, char *buf);

size_t st_format_int64(int64_t v, char *buf);
size_t st_format_uint64(uint64_t v, char *buf);
size_t st_format_i128(st_i128 v, char *buf);
size_t st_format_double(double v, char *buf);
size_t st_format_float(float v, char *buf);
size_t st_format_decimal(st_i128 unscaled, int scale, char *buf);
size_t st_format_date(int32_t days, char *buf);
size_t st_format_timestamp(int64_t us, char *buf);
size_t st_format_timestamp_ns(int64_t ns, char *buf);

/* Read the value at v of type t as an st_i128 (integers, decimals' unscaled
 * value, dates and timestamps); false for other types. */
bool st_value_as_i128(st_type t, const void *v, st_i128 *out);

/* Powers of ten as 128-bit integers, 0..38. */
st_i128 st_pow10_i128(int k);

/* UTF-8 validation (strict: no overlongs, no surrogates, <= U+10FFFF).
 * Returns true when valid; otherwise *bad_off is the offset of the first
 * invalid byte. */
bool st_utf8_valid(const char *s, size_t n, size_t *bad_off);

#endif /* ST_TYPES_H */
