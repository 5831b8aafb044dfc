/*
 * cmd_query.c: `strata query "SQL"`: run a statement, print its result.
 *
 * Tables come from the warehouse catalog (engine/catalog.h), opened lazily
 * on the first table name, so a query over files alone never needs a
 * warehouse; files come from FROM 'f.csv' / read_csv(...).  The result
 * streams to the renderer batch by batch (csv, json and ndjson print as
 * rows arrive; table buffers only the rows it shows).  Ctrl-C stops the
 * query cleanly (exit 1, "interrupted").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_table.h"
#include "cli/render.h"
#include "engine/sql.h"

static int cmd_query(st_cli *cli, int argc, char **argv) {
    const char *format = "table", *as_of = NULL, *mem = NULL;
    long threads = 0, max_rows = 40;
    bool explain = false, no_prune = false;
    st_opt opts[] = {
        {"format", 'f', ST_OPT_STRING, &format, "FMT", "table (default), csv, json or ndjson"},
        {"as-of", 0, ST_OPT_STRING, &as_of, "X",
         "read every table (without its own AS OF) at version X, or at time X"},
        {"threads", 't', ST_OPT_INT, &threads, "N", "worker threads (default: all cores)"},
        {"memory-limit", 'm', ST_OPT_STRING, &mem, "SIZE",
         "fail the query if it would hold more than SIZE (e.g. 500MB, 2GB)"},
        {"max-rows", 0, ST_OPT_INT, &max_rows, "N",
         "table format: show at most N rows (default 40; 0 = all)"},
        {"explain", 0, ST_OPT_FLAG, &explain, NULL,
         "print the plan and what pruning skips instead of running the query (json with --format json)"},
        {"no-prune", 0, ST_OPT_FLAG, &no_prune, NULL,
         "read every partition, segment and row group (zone maps unused; same answer, slower)"},
        {NULL, 0, 0, NULL, NULL, NULL}};
    st_cmd_help help = {
        "strata query \"SQL\" [options]",
        "Run a SQL query (spec/SQL.md) over the warehouse's tables (layer.name) and\n"
        "files (FROM 'f.csv', read_csv('f.csv'), read_json('f.ndjson'), 'f.parquet').\n"
        "Time travel: FROM t VERSION AS OF 3, FROM t TIMESTAMP AS OF '2026-01-31 12:00:00',\n"
        "or --as-of for every table.  EXPLAIN [ANALYZE] SELECT ... (or --explain) shows the\n"
        "plan and, per table, the partitions, segments and row groups kept by pruning.",
        "  strata query \"SELECT category, sum(unit_price * quantity) FROM bronze.sales GROUP BY 1\"\n"
        "  strata query \"SELECT * FROM 'sales.csv' LIMIT 10\" --format csv\n"
        "  strata query \"SELECT count(*) FROM bronze.sales\" --as-of 3"};
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (!pos) return st_cli_failf("out of memory");
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    if (rc != 0) {
        free(pos);
        return rc < 0 ? 0 : rc;
    }
    const char *sql = npos == 1 ? pos[0] : NULL;
    free(pos);
    if (!sql) return st_cli_usage("query", npos ? "give the SQL as one argument (quote it)" : "missing the SQL to run");
    st_out_format fmt;
    if (st_out_format_parse(format, &fmt) < 0)
        return st_cli_usage("query", "unknown --format '%s' (table, csv, json, ndjson)", format);
    if (max_rows < 0) return st_cli_usage("query", "--max-rows must be 0 or more");
    if (threads < 0 || threads > 1024) return st_cli_usage("query", "--threads must be 1..1024");

    st_error err;
    st_error_clear(&err);
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = (uint32_t)(threads ? threads : cli->threads > 0 ? cli->threads : 0);
    o.no_prune = no_prune;
    if (mem && st_parse_size(mem, &o.memory_limit, &err) != ST_OK)
        return st_cli_usage("query", "--memory-limit: %s", err.msg);
    if (as_of) {
        int64_t v;
        st_error pe;
        if (st_parse_int64(as_of, strlen(as_of), &v, &pe) == ST_OK) {
            if (v < 0) return st_cli_usage("query", "--as-of: a version is 0 or more");
            o.as_of_version = v;
        } else if (st_parse_timestamp(as_of, strlen(as_of), &v, &pe) == ST_OK) {
            o.as_of_ts_us = v;
        } else {
            return st_cli_usage("query",
                                "--as-of '%s' is neither a version number nor a timestamp "
                                "(2026-01-31 12:00:00)", as_of);
        }
    }
    st_cli_catch_signals();
    o.interrupt = st_cli_interrupt_flag();

    st_cli_lazycat lc;
    st_cli_lazycat_init(&lc, cli->warehouse);
    st_query *q = NULL;
    int exit_code = 0;
    st_render *r = NULL;
    if (st_query_prepare(&lc.cat, sql, &o, &q, &err) != ST_OK) {
        exit_code = st_cli_fail(&err);
        goto done;
    }
    if (explain || (st_query_is_explain(q) && fmt == ST_OUT_JSON)) {
        /* the plan as text, or one JSON document for scripts */
        st_sbuf sb = ST_SBUF_INIT;
        if (st_query_explain(q, fmt == ST_OUT_JSON, &sb, &err) != ST_OK) exit_code = st_cli_fail(&err);
        else fputs(st_sbuf_cstr(&sb), stdout);
        st_sbuf_free(&sb);
        goto done;
    }
    uint32_t nc = st_query_ncols(q);
    const char **names = calloc(nc ? nc : 1, sizeof *names);
    st_type *types = calloc(nc ? nc : 1, sizeof *types);
    if (!names || !types) {
        free(names);
        free(types);
        exit_code = st_cli_failf("out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < nc; i++) {
        names[i] = st_query_col_name(q, i);
        types[i] = st_query_col_type(q, i);
    }
    r = st_render_begin(stdout, fmt, (const char *const *)names, types, nc, (uint64_t)max_rows);
    free(names);
    free(types);
    if (!r) {
        exit_code = st_cli_failf("out of memory");
        goto done;
    }
    for (;;) {
        const st_batch *b;
        if (st_query_next(q, &b, &err) != ST_OK) {
            st_render_abort(r);
            r = NULL;
            fflush(stdout);
            exit_code = st_cli_fail(&err);
            goto done;
        }
        if (!b) break;
        if (st_render_batch(r, b, &err) != ST_OK) {
            st_render_abort(r);
            r = NULL;
            exit_code = st_cli_fail(&err);
            goto done;
        }
    }
    if (st_render_end(r, &err) != ST_OK) exit_code = st_cli_fail(&err);
    r = NULL;
done:
    st_query_close(q);
    st_cli_lazycat_close(&lc);
    return exit_code;
}

ST_CLI_COMMAND("query", cmd_query, 30, "run SQL over tables and files")
