/*
 * cmd_export.c: `strata export TABLE OUT [--as-of X]`: write a table's
 * snapshot (any retained version) as CSV with a header, or as Parquet
 * (format/parquet.h: the profile DuckDB, Spark and Snowflake read), so that
 * every snapshot can be read back.  OUT "-" is stdout (CSV only); a file is
 * written to a temporary name, fsynced and renamed over OUT only when
 * complete.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_table.h"
#include "engine/lineage.h"
#include "engine/tsource.h"
#include "format/csv.h"
#include "format/io.h"
#include "format/parquet.h"

/* Parquet: every unit of the source into one file (row groups of its own). */
static st_status export_parquet(st_source *src, const uint32_t *cols, uint32_t ncols, st_wfile *wf,
                                const st_pq_write_opts *o, uint64_t *rows, st_error *e) {
    st_schema *out = st_schema_new();
    st_type *types = calloc(ncols ? ncols : 1, sizeof *types);
    st_batch *b = NULL;
    st_pq_writer *w = NULL;
    st_status rc = ST_OK;
    if (!out || !types) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t i = 0; i < ncols; i++) {
        const st_field *f = &src->schema->fields[cols[i]];
        types[i] = f->type;
        ST_CHECK(rc, st_schema_add(out, f->name, f->type, f->id, f->nullable, e));
    }
    if (!(b = st_batch_new(types, ncols, ST_VECTOR_SIZE))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    ST_CHECK(rc, st_pq_writer_open(wf, out, o, &w, e));
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_CHECK(rc, src->ops->group_open(src, g, &nu, e));
        for (uint32_t u = 0; u < nu; u++) {
            ST_CHECK(rc, src->ops->read(src, g, u, cols, ncols, b, e));
            ST_CHECK(rc, st_pq_writer_write(w, b, e));
        }
    }
    ST_CHECK(rc, st_pq_writer_finish(w, e));
    *rows = st_pq_writer_rows(w);
cleanup:
    st_pq_writer_free(w);
    st_batch_free(b);
    free(types);
    st_schema_free(out);
    return rc;
}

static st_status export_source(st_source *src, const uint32_t *cols, uint32_t ncols, st_text_sink sink,
                               uint64_t *rows, st_error *e) {
    st_schema *out = st_schema_new();
    st_type *types = calloc(ncols ? ncols : 1, sizeof *types);
    st_batch *b = NULL;
    st_csv_writer *w = NULL;
    st_status rc = ST_OK;
    if (!out || !types) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t i = 0; i < ncols; i++) {
        const st_field *f = &src->schema->fields[cols[i]];
        types[i] = f->type;
        ST_CHECK(rc, st_schema_add(out, f->name, f->type, f->id, f->nullable, e));
    }
    if (!(b = st_batch_new(types, ncols, ST_VECTOR_SIZE))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    ST_CHECK(rc, st_csv_writer_new(sink, out, NULL, &w, e));
    for (uint32_t g = 0; g < src->ops->group_count(src); g++) {
        uint32_t nu;
        ST_CHECK(rc, src->ops->group_open(src, g, &nu, e));
        for (uint32_t u = 0; u < nu; u++) {
            ST_CHECK(rc, src->ops->read(src, g, u, cols, ncols, b, e));
            ST_CHECK(rc, st_csv_write_batch(w, b, e));
        }
    }
    ST_CHECK(rc, st_csv_writer_finish(w, e));
    *rows = st_csv_writer_rows(w);
cleanup:
    st_csv_writer_free(w);
    st_batch_free(b);
    free(types);
    st_schema_free(out);
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
        "strata export TABLE OUT.csv|OUT.parquet [--as-of X] [--no-lineage] [--compression C]",
        "Write a table (or its quarantine, TABLE__rejects) as CSV with a header, or as\n"
        "Parquet: every column, lineage included.  --as-of reads the snapshot of a\n"
        "version or a time.  OUT '-' writes CSV to stdout; a file appears only once\n"
        "complete.",
        "  strata export bronze.sales sales_out.csv\n"
        "  strata export bronze.sales sales.parquet --compression snappy\n"
        "  strata export bronze.sales v3.csv --as-of 3\n"
        "  strata export bronze.sales__rejects - --as-of '2026-01-31 12:00:00'",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL, *outp = npos > 1 ? pos[1] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 2) return st_cli_usage("export", "expected TABLE and OUT");
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
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "export", name, true, &w, &t, &tn))) return rc;
    st_logstate *s = NULL;
    st_source *src = NULL;
    uint32_t *cols = NULL, ncols = 0;
    st_wfile *wf = NULL;
    uint64_t rows = 0;
    int64_t version = -1;
    if (st_table_load_as_of(t, a, true, &s, &e)) goto fail;
    version = s->version;
    if (st_tsource_open(t, s, tn.rejects, &src, &e)) goto fail;
    cols = calloc(src->schema->nfields, sizeof *cols);
    for (uint32_t i = 0; i < src->schema->nfields; i++)
        if (!(no_lineage && st_lineage_fid(src->schema->fields[i].id) &&
              !(src->schema->fields[i].id >= ST_FID_REJ_REASONS && src->schema->fields[i].id <= ST_FID_REJ_BYTES)))
            cols[ncols++] = i;
    if (!strcmp(outp, "-")) {
        if (export_source(src, cols, ncols, st_text_sink_stdio(stdout), &rows, &e)) goto fail;
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", outp);
        char *sl = strrchr(dir, '/');
        if (sl) *sl = '\0';
        else snprintf(dir, sizeof dir, ".");
        if (st_wfile_create_tmp(dir, "export", &wf, &e)) goto fail;
        if (parquet ? export_parquet(src, cols, ncols, wf, &pq, &rows, &e)
                    : export_source(src, cols, ncols, st_text_sink_wfile(wf), &rows, &e))
            goto fail;
        st_status pr = st_wfile_publish(wf, outp, ST_PUBLISH_REPLACE, &e);
        wf = NULL;
        if (pr) goto fail;
    }
    if (strcmp(outp, "-")) {
        if (of == ST_OUT_JSON) {
            json_t *j = json_object();
            json_object_set_new(j, "table", json_string(src->name));
            json_object_set_new(j, "version", json_integer(version));
            json_object_set_new(j, "rows", json_integer((json_int_t)rows));
            json_object_set_new(j, "file", json_string(outp));
            st_cli_print_json(j, false);
        } else {
            printf("exported %" PRIu64 " rows of %s to %s\n", rows, src->name, outp);
        }
    }
    goto done;
fail:
    rc = st_cli_fail(&e);
done:
    st_wfile_abort(wf);
    free(cols);
    st_source_close(src);
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("export", cmd_export, 40, "write a table snapshot as CSV or Parquet (--as-of for time travel)")
