/*
 * cmd_export.c: `strata export TABLE|"SQL" OUT [--as-of X]`: write a table's
 * snapshot (any retained version), or the result of a query, as CSV with a
 * header, or as Parquet (format/parquet.h: the profile DuckDB, Spark and
 * Snowflake read), so that every snapshot can be read back.  OUT "-" is
 * stdout (CSV only); a file is written to a temporary name, fsynced and
 * renamed over OUT only when complete (a failed or interrupted query leaves
 * no OUT behind).
 *
 * The first argument is a query when it cannot be a table name: it holds a
 * blank or a parenthesis, or starts with SELECT, WITH, FROM, VALUES or
 * TABLE.  A query runs through engine/sql.h exactly as `strata query` runs
 * it (files in FROM, --as-of for every table without its own AS OF) and its
 * result streams to the writer batch by batch; its columns are named as the
 * query names them, all nullable.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli_table.h"
#include "engine/lineage.h"
#include "engine/sql.h"
#include "engine/tsource.h"
#include "format/csv.h"
#include "format/io.h"
#include "format/parquet.h"

/* Where the rows come from: a table's snapshot (every unit of its source,
 * in order) or a query's result (batch by batch, as it streams). */
typedef struct rows_in {
    st_source *src;          /* table */
    const uint32_t *cols;
    uint32_t ncols;
    st_batch *b;
    uint32_t g, u, nu;
    bool opened;
    st_query *q;             /* query */
} rows_in;

static st_status rows_next(rows_in *in, const st_batch **out, st_error *e) {
    *out = NULL;
    if (in->q) return st_query_next(in->q, out, e);
    for (;;) {
        if (in->g >= in->src->ops->group_count(in->src)) return ST_OK;
        if (!in->opened) {
            ST_TRY(in->src->ops->group_open(in->src, in->g, &in->nu, e));
            in->opened = true;
            in->u = 0;
        }
        if (in->u < in->nu) {
            ST_TRY(in->src->ops->read(in->src, in->g, in->u++, in->cols, in->ncols, in->b, e));
            *out = in->b;
            return ST_OK;
        }
        in->g++;
        in->opened = false;
    }
}

/* Every row of `in` to CSV (sink) or Parquet (wf, with pq's options). */
static st_status export_rows(rows_in *in, const st_schema *schema, st_text_sink *sink, st_wfile *wf,
                             const st_pq_write_opts *pq, uint64_t *rows, st_error *e) {
    st_csv_writer *cw = NULL;
    st_pq_writer *pw = NULL;
    st_status rc = sink ? st_csv_writer_new(*sink, schema, NULL, &cw, e) : st_pq_writer_open(wf, schema, pq, &pw, e);
    while (!rc) {
        const st_batch *b;
        if ((rc = rows_next(in, &b, e)) || !b) break;
        rc = cw ? st_csv_write_batch(cw, b, e) : st_pq_writer_write(pw, b, e);
    }
    if (!rc) rc = cw ? st_csv_writer_finish(cw, e) : st_pq_writer_finish(pw, e);
    if (!rc) *rows = cw ? st_csv_writer_rows(cw) : st_pq_writer_rows(pw);
    st_csv_writer_free(cw);
    st_pq_writer_free(pw);
    return rc;
}

/* The first argument is a statement, not a table name: table names
 * (layer.name, name__rejects) hold no blanks and are not keywords. */
static bool is_sql(const char *arg) {
    for (const char *p = arg; *p; p++)
        if (strchr(" \t\r\n(", *p)) return true;
    static const char *const kw[] = {"select", "with", "from", "values", "table"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        size_t n = strlen(kw[i]);
        if (!strncasecmp(arg, kw[i], n) && (arg[n] == '\0' || arg[n] == '*' || arg[n] == '\'')) return true;
    }
    return false;
}

/* The output file, written to a temporary name and published only complete
 * (OUT "-": CSV on stdout). */
static st_status write_out(const char *outp, bool parquet, rows_in *in, const st_schema *schema,
                           const st_pq_write_opts *pq, uint64_t *rows, st_error *e) {
    if (!strcmp(outp, "-")) {
        st_text_sink sink = st_text_sink_stdio(stdout);
        return export_rows(in, schema, &sink, NULL, NULL, rows, e);
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", outp);
    char *sl = strrchr(dir, '/');
    if (sl) *sl = '\0';
    else snprintf(dir, sizeof dir, ".");
    st_wfile *wf = NULL;
    ST_TRY(st_wfile_create_tmp(dir, "export", &wf, e));
    st_text_sink sink = st_text_sink_wfile(wf);
    st_status rc = export_rows(in, schema, parquet ? NULL : &sink, wf, pq, rows, e);
    if (rc) {
        st_wfile_abort(wf);
        return rc;
    }
    return st_wfile_publish(wf, outp, ST_PUBLISH_REPLACE, e);
}

static void summary(st_out_format of, const char *what, bool is_query, int64_t version, uint64_t rows,
                    const char *outp) {
    if (!strcmp(outp, "-")) return;
    if (of == ST_OUT_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, is_query ? "query" : "table", json_string(what));
        if (!is_query) json_object_set_new(j, "version", json_integer(version));
        json_object_set_new(j, "rows", json_integer((json_int_t)rows));
        json_object_set_new(j, "file", json_string(outp));
        st_cli_print_json(j, false);
    } else if (is_query) {
        printf("exported %" PRIu64 " rows of the query to %s\n", rows, outp);
    } else {
        printf("exported %" PRIu64 " rows of %s to %s\n", rows, what, outp);
    }
}

/* `strata export "SQL" OUT`: the query's result, its columns named as the
 * query names them. */
static int export_query(st_cli *cli, const char *sql, const char *outp, bool parquet, const st_pq_write_opts *pq,
                        st_as_of a, st_out_format of) {
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.read_only = true; /* export reads; CREATE, INSERT and COPY belong to strata query */
    o.threads = cli->threads > 0 ? (uint32_t)cli->threads : 0;
    o.as_of_version = a.version;
    o.as_of_ts_us = a.ts_us;
    st_cli_catch_signals();
    o.interrupt = st_cli_interrupt_flag();
    st_cli_lazycat lc;
    st_cli_lazycat_init(&lc, cli->warehouse);
    st_error e;
    st_query *q = NULL;
    st_schema *schema = NULL;
    uint64_t rows = 0;
    int rc = 0;
    if (st_query_prepare(&lc.cat, sql, &o, &q, &e)) goto fail;
    if (!(schema = st_schema_new())) {
        st_error_set(&e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < st_query_ncols(q); i++)
        if (st_schema_add(schema, st_query_col_name(q, i), st_query_col_type(q, i), i + 1, true, &e)) {
            if (e.code == ST_ERR_INVALID)
                st_error_set(&e, ST_ERR_INVALID, "the query's result has two columns named '%s': name them apart "
                             "(SELECT ... AS name)", st_query_col_name(q, i));
            goto fail;
        }
    rows_in in = {.q = q};
    if (write_out(outp, parquet, &in, schema, pq, &rows, &e)) goto fail;
    summary(of, sql, true, -1, rows, outp);
    goto done;
fail:
    rc = st_cli_fail(&e);
done:
    st_schema_free(schema);
    st_query_close(q);
    st_cli_lazycat_close(&lc);
    return rc;
}

static int cmd_export(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL, *as_of = NULL, *as = NULL, *compression = NULL;
    bool no_lineage = false;
    const st_opt opts[] = {
        {"as-of", 0, ST_OPT_STRING, &as_of, "X", "a version number or a timestamp (UTC)"},
        {"as", 0, ST_OPT_STRING, &as, "FMT", "output format: csv or parquet (default from OUT's extension)"},
        {"compression", 0, ST_OPT_STRING, &compression, "C", "Parquet codec: zstd (default), snappy, gzip or none"},
        {"no-lineage", 0, ST_OPT_FLAG, &no_lineage, NULL, "leave out _ingest_id, _source, _line, _ingested_at"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "summary as table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata export TABLE|\"SQL\" OUT.csv|OUT.parquet [--as-of X] [--no-lineage] [--compression C]",
        "Write a table (or its quarantine, TABLE__rejects) as CSV with a header, or as\n"
        "Parquet: every column, lineage included.  Or write the result of a SQL query\n"
        "(any text with a blank, or starting with SELECT/WITH/FROM), as `strata query`\n"
        "would print it.  --as-of reads the snapshot of a version or a time (for a query:\n"
        "of every table without its own AS OF).  OUT '-' writes CSV to stdout; a file\n"
        "appears only once complete.",
        "  strata export bronze.sales sales_out.csv\n"
        "  strata export bronze.sales sales.parquet --compression snappy\n"
        "  strata export bronze.sales v3.csv --as-of 3\n"
        "  strata export bronze.sales__rejects - --as-of '2026-01-31 12:00:00'\n"
        "  strata export \"SELECT country, sum(quantity) AS units FROM bronze.sales GROUP BY 1\" units.parquet",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL, *outp = npos > 1 ? pos[1] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 2) return st_cli_usage("export", "expected TABLE or \"SQL\", and OUT");
    st_out_format of;
    if ((rc = st_cli_out_format("export", fmt, &of))) return rc;
    const char *dot = strrchr(outp, '.');
    bool parquet = as ? !strcmp(as, "parquet") : (dot && !strcasecmp(dot, ".parquet"));
    bool csv = as ? !strcmp(as, "csv") : (!strcmp(outp, "-") || (dot && !strcasecmp(dot, ".csv")));
    if (!csv && !parquet)
        return st_cli_usage("export", "cannot tell the output format of '%s': name OUT *.csv or *.parquet, or pass --as csv|parquet",
                            as ? as : outp);
    if (parquet && !strcmp(outp, "-")) return st_cli_usage("export", "Parquet export needs a file, not stdout");
    st_pq_write_opts pq;
    st_pq_write_opts_init(&pq);
    if (compression) {
        st_error ce;
        st_pq_codec codec;
        if (!parquet) return st_cli_usage("export", "--compression applies to Parquet output only");
        if (st_pq_codec_parse(compression, &codec, &ce)) return st_cli_usage("export", "%s", ce.msg);
        pq.codec = codec;
    }
    st_error e;
    st_as_of a = ST_AS_OF_LATEST;
    if (as_of && st_as_of_parse(as_of, &a, &e)) return st_cli_fail(&e);
    if (is_sql(name)) {
        if (no_lineage)
            return st_cli_usage("export", "--no-lineage applies to a table; a query exports the columns it selects");
        return export_query(cli, name, outp, parquet, &pq, a, of);
    }
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "export", name, true, &w, &t, &tn))) return rc;
    st_logstate *s = NULL;
    st_source *src = NULL;
    uint32_t *cols = NULL, ncols = 0;
    st_schema *schema = NULL;
    st_type *types = NULL;
    rows_in in = {0};
    uint64_t rows = 0;
    if (st_table_load_as_of(t, a, true, &s, &e)) goto fail;
    if (st_tsource_open(t, s, tn.rejects, &src, &e)) goto fail;
    cols = calloc(src->schema->nfields + 1, sizeof *cols);
    types = calloc(src->schema->nfields + 1, sizeof *types);
    schema = st_schema_new();
    if (!cols || !types || !schema) {
        st_error_set(&e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < src->schema->nfields; i++) {
        const st_field *f = &src->schema->fields[i];
        if (no_lineage && st_lineage_fid(f->id) && !(f->id >= ST_FID_REJ_REASONS && f->id <= ST_FID_REJ_BYTES))
            continue;
        if (st_schema_add(schema, f->name, f->type, f->id, f->nullable, &e)) goto fail;
        types[ncols] = f->type;
        cols[ncols++] = i;
    }
    in = (rows_in){.src = src, .cols = cols, .ncols = ncols, .b = st_batch_new(types, ncols, ST_VECTOR_SIZE)};
    if (!in.b) {
        st_error_set(&e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (write_out(outp, parquet, &in, schema, &pq, &rows, &e)) goto fail;
    summary(of, src->name, false, s->version, rows, outp);
    goto done;
fail:
    rc = st_cli_fail(&e);
done:
    st_batch_free(in.b);
    st_schema_free(schema);
    free(types);
    free(cols);
    st_source_close(src);
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("export", cmd_export, 40, "write a table snapshot or a query result as CSV or Parquet")
