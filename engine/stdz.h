/*
 * stdz.h: the standardization functions of Silver transforms: vectorized
 * steps that turn the messy text of Bronze (scraped prices, brand spellings,
 * condition words, local timestamps) into clean, typed values.
 *
 * A step is written in a transform spec (spec/SILVER.md) as a string or a
 * one-key object, compiled once against the type of its input (a step that
 * does not apply to that type is refused before any data is read), and
 * applied to a whole column vector at a time:
 *
 *   "trim"                     strip leading/trailing white space (ASCII
 *                              blanks, NBSP, narrow NBSP, figure and
 *                              ideographic spaces)
 *   "collapse_spaces"          trim, and every inner run of white space
 *                              becomes one ASCII space
 *   "lower", "upper"           case folding of ASCII and Latin-1 letters
 *                              (other characters unchanged)
 *   "null_if_empty"            "" (after nothing else) -> NULL
 *   {"null_if": [s, ...]}      any of these exact values -> NULL
 *   {"map": NAME}              canonical value map (spec "maps"): the value
 *                              is normalized (collapse_spaces + lower) and
 *                              looked up; unmatched values are kept, made
 *                              NULL or rejected per the map's "unmatched"
 *   {"regex_extract": {"pattern": P, "group": G, "icase": B}}
 *                              POSIX extended regex; the G-th group (default
 *                              1 when P has groups, else the whole match);
 *                              no match -> NULL (or reject: "unmatched")
 *   "parse_price"              a price text ("$1,299.00", "1.299,00 €",
 *                              "£899", "USD 12", "9 999,99 €") -> its
 *                              amount as DECIMAL(18,4): currency symbols
 *                              and codes and white space dropped; with both
 *                              '.' and ',' the last one is the decimal mark;
 *                              with one kind, a single mark followed by
 *                              exactly three digits groups thousands,
 *                              otherwise it is the decimal mark
 *   {"price_currency": {"default": "USD"}}  (or the string form)
 *                              the ISO 4217 code of a price text: $ USD,
 *                              € EUR, £ GBP, ¥ JPY, ₹ INR, C$/CA$ CAD,
 *                              A$/AU$ AUD, CHF, or any 3-letter code in it
 *   "condition_grade"          a condition description in English, German
 *                              or French ("Like New", "grade b", "refurb.",
 *                              "Sehr gut", "État correct") -> A, B, C or
 *                              refurbished; unknown words are rejected
 *   {"timestamp": {"zone": Z, "formats": [F, ...]}}
 *                              text -> TIMESTAMP (UTC).  Without formats:
 *                              ISO 8601 (date, 'T' or ' ', time, fraction);
 *                              formats use %Y %m %d %H %I %M %S %f %p %b %z
 *                              %%.  A zone in the text (Z, +01:00, +0100,
 *                              " UTC") wins; otherwise the value is local
 *                              time in zone Z (default UTC; engine/tz.h)
 *   {"trunc": "year"|"month"|"day"|"hour"}
 *                              DATE/TIMESTAMP -> DATE (TIMESTAMP for hour)
 *   {"default": V}             NULL -> V (text of the value's type)
 *
 * A step that cannot produce a value for a row either rejects the row
 * (the default for parse_price, price_currency without a default,
 * condition_grade and timestamp: the value was required to mean something)
 * or yields NULL; objects take "on_error": "reject"|"null" to choose.
 * Rejected rows are marked in a bitmap; st_stdz_explain says why in words.
 * NULL in gives NULL out (except "default").
 *
 * Threading: a compiled step is immutable; st_stdz_apply may run on many
 * threads at once, each with its own vectors.
 */
#ifndef ST_STDZ_H
#define ST_STDZ_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "format/status.h"
#include "format/vector.h"

typedef struct st_stdz st_stdz;

/* Canonical value maps a spec defines ("maps": {NAME: {...}}), resolved by
 * name when a {"map": NAME} step is compiled.  NULL when the spec has none. */
typedef struct st_stdz_maps st_stdz_maps;
st_status st_stdz_maps_parse(const json_t *j, st_stdz_maps **out, st_error *e);
void st_stdz_maps_free(st_stdz_maps *m);

/* Compile step j for an input of type in; *out_type is its output type.
 * Errors name the step and say what is wrong (unknown step, wrong input
 * type, bad regex, unknown map or zone). */
st_status st_stdz_compile(const json_t *j, st_type in, const st_stdz_maps *maps, st_stdz **out,
                          st_type *out_type, st_error *e);
void st_stdz_free(st_stdz *s);
const char *st_stdz_name(const st_stdz *s); /* "trim", "parse_price", ... */
st_type st_stdz_out_type(const st_stdz *s);
/* Can this step reject a row? */
bool st_stdz_can_reject(const st_stdz *s);

/* Apply to rows [0, in->len) of in; out (of the output type, reset here)
 * gets as many rows.  Rows the step rejects get their bit set in fail
 * ((len + 63) / 64 words; bits are only ever set) and a NULL value. */
st_status st_stdz_apply(const st_stdz *s, const st_vector *in, st_vector *out, uint64_t *fail, st_error *e);

/* Why row `row` of in was rejected, into buf ("'12,3,4' is not a price"). */
void st_stdz_explain(const st_stdz *s, const st_vector *in, uint32_t row, char *buf, size_t cap);

/* The building blocks, for tests and other kernels.  Text functions write
 * into out (cap bytes, at least n + 8) and return the new length. */
size_t st_stdz_trim(const char *s, size_t n, const char **start);
size_t st_stdz_collapse(const char *s, size_t n, char *out);
size_t st_stdz_case(const char *s, size_t n, bool upper, char *out);
/* Amount of a price text at scale 4; false when it is not a price. */
bool st_stdz_parse_price(const char *s, size_t n, st_i128 *amount4);
/* Currency code of a price text into code[4]; false when none is found. */
bool st_stdz_price_currency(const char *s, size_t n, char code[4]);
/* "A", "B", "C", "refurbished", or NULL for an unknown description. */
const char *st_stdz_condition(const char *s, size_t n);

#endif /* ST_STDZ_H */
