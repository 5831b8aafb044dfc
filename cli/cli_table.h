/*
 * cli_table.h: what the table commands (tables, describe, log, restore,
 * vacuum, ingest, export, compact, verify) share: opening the warehouse and
 * a table by name with the CLI's error conventions, and small helpers to
 * print rows and JSON.
 *
 * Every st_cli_* function here that returns int returns 0 on success or the
 * process exit code after printing the error (1: failure, 2: usage).
 */
#ifndef ST_CLI_TABLE_H
#define ST_CLI_TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "engine/catalog.h"
#include "engine/table.h"
#include "engine/warehouse.h"

/* Open the warehouse and the table `name` (must_exist: fail unless the
 * table has a log).  On success *w and *t must be closed by the caller. */
int st_cli_open_table(const st_cli *cli, const char *cmd, const char *name, bool must_exist,
                      st_warehouse **w, st_table **t, st_tname *tn);

/* A catalog that opens the warehouse's on first use, so a query over files
 * alone needs no warehouse (strata query, strata export "SQL").  Statements
 * that write reach the warehouse through it too.  Pass &l->cat to the SQL
 * engine; close with st_cli_lazycat_close. */
typedef struct st_cli_lazycat {
    st_catalog cat;
    const char *dir;
    st_catalog *inner;
} st_cli_lazycat;
void st_cli_lazycat_init(st_cli_lazycat *l, const char *dir);
void st_cli_lazycat_close(st_cli_lazycat *l);

/* Parse --format (NULL = table); prints a usage error. */
int st_cli_out_format(const char *cmd, const char *text, st_out_format *out);

/* Print a JSON value on stdout (indented, then a newline); steals j. */
void st_cli_print_json(json_t *j, bool compact);

/* A little result set for status output: rows are appended cell by cell in
 * column order, then printed with render.h. */
typedef struct st_rows st_rows;
st_rows *st_rows_new(const char *const *names, const st_type *types, uint32_t ncols);
void st_rows_str(st_rows *r, const char *s); /* NULL = NULL */
void st_rows_i64(st_rows *r, int64_t v);
void st_rows_null(st_rows *r);
void st_rows_ts(st_rows *r, int64_t us);
void st_rows_bool(st_rows *r, bool v);
/* Print (table: all rows) and free. */
int st_rows_print(st_rows *r, st_out_format fmt);
void st_rows_free(st_rows *r);

/* "12.3 MB" */
void st_cli_bytes(uint64_t n, char buf[32]);

#endif /* ST_CLI_TABLE_H */
