/*
 * valtext.h: one value of a vector as text, in the quoting of a target:
 * a plain cell, an RFC 4180 CSV field, or a JSON value.  Shared by the CSV and
 * NDJSON writers and by the CLI's result printer, so every output of Strata
 * prints a value the same way.
 *
 *  - Non-string values print as types.h prints them (exact, DuckDB style).
 *  - VARCHAR prints as is (plain), quoted when needed (CSV: when it contains
 *    the delimiter, a quote, CR or LF, or is empty, or starts/ends with a
 *    blank; an empty string is always "" so that it differs from NULL), or
 *    as a JSON string with escapes.
 *  - BLOB prints printable ASCII as is and every other byte (and '\', the
 *    quotes ' and ") as \xHH, as DuckDB does.
 *  - NULL: plain "NULL" (the caller may choose another), CSV empty unquoted
 *    field, JSON null.  JSON: NaN and infinities are strings, temporal values
 *    are strings, numbers are exact JSON numbers.
 */
#ifndef ST_VALTEXT_H
#define ST_VALTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/vector.h"

typedef enum { ST_CELL_PLAIN, ST_CELL_CSV, ST_CELL_JSON } st_cell_style;

/* Append row i of v to sb.  For CSV, delim and quote are the dialect's. */
void st_text_cell(st_sbuf *sb, const st_vector *v, uint32_t i, st_cell_style style,
                  char delim, char quote);
/* JSON string literal of n bytes (invalid UTF-8 bytes become \ufffd). */
void st_text_json_string(st_sbuf *sb, const char *p, size_t n);
/* CSV field (minimal quoting; empty string quoted). */
void st_text_csv_field(st_sbuf *sb, const char *p, size_t n, char delim, char quote);
/* BLOB bytes with \xHH escapes. */
void st_text_blob(st_sbuf *sb, const char *p, size_t n);

#endif /* ST_VALTEXT_H */
