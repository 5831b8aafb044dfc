/*
 * render.h: printing result sets on stdout in the four --format styles.
 *
 *   table   aligned box drawing with a type row, numbers right-aligned, NULL
 *           shown as NULL; more than max_rows rows show the first and last
 *           max_rows/2 and a "(N rows, M shown)" footer.  Buffers the shown
 *           rows only, so memory stays bounded on any result size.
 *   csv     RFC 4180 with a header: NULL is an empty unquoted field, an empty
 *           string is "" (the two stay distinguishable), minimal quoting.
 *   json    one array of objects; numbers as JSON numbers (exact: decimals and
 *           64-bit integers are printed from their integer form, never through
 *           a double), NaN/inf and temporal values as strings.
 *   ndjson  one object per line; streams.
 *
 * Values are printed exactly as types.h prints them.  csv/json/ndjson stream
 * row batches as they come, so the first rows of a long result appear at once.
 */
#ifndef ST_RENDER_H
#define ST_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "format/mem.h"
#include "format/status.h"
#include "format/types.h"
#include "format/valtext.h"
#include "format/vector.h"

typedef enum { ST_OUT_TABLE = 0, ST_OUT_CSV, ST_OUT_JSON, ST_OUT_NDJSON } st_out_format;

/* Parse "table|csv|json|ndjson"; -1 when unknown. */
int st_out_format_parse(const char *s, st_out_format *out);

typedef struct st_render st_render;

/* names and types are copied.  max_rows applies to table only (0 = all). */
st_render *st_render_begin(FILE *out, st_out_format fmt, const char *const *names,
                           const st_type *types, uint32_t ncols, uint64_t max_rows);
/* Print the live rows of b (its selection is honoured). */
st_status st_render_batch(st_render *r, const st_batch *b, st_error *e);
/* Finish (table: print everything; json: close the array) and free. */
st_status st_render_end(st_render *r, st_error *e);
/* Free without finishing (after an error). */
void st_render_abort(st_render *r);

#endif /* ST_RENDER_H */
