/*
 * quality.h: expectation suites (the Great Expectations role): declarative
 * checks of a table snapshot, with a report stored beside the snapshot.
 *
 * A suite is a JSON file (spec/SILVER.md, "Expectation suites"):
 *   {"table": "silver.sales", "key": ["order_id", "line_no"],
 *    "expectations": [{"expect": "not_null", "column": "order_id"}, ...]}
 * Expectations: not_null, unique (one column or several: "columns"),
 * in_set, between, regex, length_between, row_count_between, mean_between,
 * min_between, max_between, null_proportion (between min and max),
 * freshness (the newest value of a timestamp column is at most "max_age"
 * old: "2d", "12h"), and references (every value of a column exists in a
 * column of another table).  Each takes "mostly" (the share of rows that
 * must pass, default 1) and "severity" ("error", the default, or "warn").
 * Row-level expectations ignore NULLs (only not_null counts them), as GX
 * does, and list up to 20 failing rows by the suite's key (default the
 * lineage pair _ingest_id, _line) with the failing value.
 *
 * Parsing checks the suite's shape and values before any data is read;
 * checking reads only the columns the suite uses, once, in parallel over
 * row groups, and gives the same report for any thread count.
 */
#ifndef ST_QUALITY_H
#define ST_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/source.h"
#include "engine/table.h"
#include "engine/warehouse.h"
#include "format/mem.h"
#include "format/status.h"

typedef struct st_suite st_suite;

st_status st_suite_parse(const char *text, size_t len, const char *name, st_suite **out, st_error *e);
st_status st_suite_load(const char *path, st_suite **out, st_error *e);
void st_suite_free(st_suite *s);
const char *st_suite_name(const st_suite *s);
const char *st_suite_table(const st_suite *s); /* the "table" it declares, or NULL */

/* Check src (a snapshot of `table` at `version`) against the suite.
 * References are resolved in warehouse w (latest snapshots).  *report
 * receives the report (owned by the caller); *error_failed is true when an
 * error-level expectation failed.  Errors: a column the suite names is not
 * in the table, I/O, memory. */
st_status st_suite_check(const st_suite *s, st_warehouse *w, st_source *src, const char *table, int64_t version,
                         uint32_t threads, json_t **report, bool *error_failed, st_error *e);

/* The report as text lines (for `strata check` and `strata transform`). */
void st_quality_format(const json_t *report, st_sbuf *out);

/* Store the report of version `version` of t as
 * <table>/_quality/<20-digit version>.json (replacing an earlier report of
 * the same version); and the suite a transform registered for the table as
 * <table>/_quality/suite.json. */
st_status st_quality_store(st_table *t, int64_t version, const json_t *report, st_error *e);
st_status st_quality_store_suite(st_table *t, const char *suite_path, st_error *e);
/* The registered suite's path (<table>/_quality/suite.json) into buf;
 * false when the table has none. */
bool st_quality_registered_suite(st_table *t, char *buf, size_t cap);

#endif /* ST_QUALITY_H */
