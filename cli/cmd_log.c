/*
 * cmd_log.c: `strata log TABLE`: the commit history, newest first: version,
 * time, operation, rows added, removed and quarantined, the table's rows after the
 * commit, and the lineage (sources with their line ranges, idempotency key,
 * followed stream, restored version, vacuum horizon).  --format json gives
 * every recorded field.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_table.h"

typedef struct logrow {
    const st_logentry *le;
    uint64_t added, rej_added, removed, total;
} logrow;

static void lineage_text(const st_logentry *le, st_sbuf *sb) {
    for (uint32_t i = 0; i < le->nsources; i++) {
        const st_source_span *s = &le->sources[i];
        st_sbuf_printf(sb, "%s%s", sb->len ? ", " : "", s->name);
        if (s->last_line) st_sbuf_printf(sb, ":%" PRIu64 "-%" PRIu64, s->first_line, s->last_line);
    }
    if (le->txn_app) st_sbuf_printf(sb, "%skey %s:%" PRIu64, sb->len ? "; " : "", le->txn_app, le->txn_seq);
    if (le->stream_key)
        st_sbuf_printf(sb, "%sfollow %s @%" PRIu64, sb->len ? "; " : "", le->stream_key, le->stream_offset);
    if (le->op == ST_OP_RESTORE) st_sbuf_printf(sb, "%srestore of v%" PRId64, sb->len ? "; " : "", le->restore_of);
    if (le->op == ST_OP_COMPACT)
        st_sbuf_printf(sb, "%s%u segments -> %u", sb->len ? "; " : "", le->nremoves, le->nadds);
    if (le->op == ST_OP_VACUUM)
        st_sbuf_printf(sb, "%sreadable from v%" PRId64 ", %" PRIu64 " files removed", sb->len ? "; " : "",
                       le->retain_from, le->files_removed);
    if (le->schema && le->op != ST_OP_CREATE)
        st_sbuf_printf(sb, "%sschema %u (%u fields)", sb->len ? "; " : "", le->schema->schema_id,
                       le->schema->nfields);
    for (uint32_t i = 0; i < le->ninputs; i++)
        st_sbuf_printf(sb, "%s%s up to v%" PRId64, sb->len ? "; " : "", le->inputs[i].table, le->inputs[i].version);
    if (le->has_counts && (le->n_duplicates || le->n_replaced))
        st_sbuf_printf(sb, "%s%" PRIu64 " duplicates, %" PRIu64 " replaced", sb->len ? "; " : "", le->n_duplicates,
                       le->n_replaced);
    if (le->has_counts && le->n_rejected) {
        st_sbuf_printf(sb, "%srejects:", sb->len ? "; " : "");
        for (uint32_t i = 0; i < le->nreasons; i++)
            st_sbuf_printf(sb, " %s=%" PRIu64, le->reasons[i].code, le->reasons[i].count);
    }
}

static json_t *row_json(const logrow *r) {
    const st_logentry *le = r->le;
    json_t *o = json_object();
    char ts[40];
    st_format_ts(le->ts_us, ts);
    json_object_set_new(o, "version", json_integer(le->version));
    json_object_set_new(o, "time", json_string(ts));
    json_object_set_new(o, "ts_us", json_integer(le->ts_us));
    json_object_set_new(o, "operation", json_string(st_log_op_name((st_log_op)le->op)));
    json_object_set_new(o, "read_version", json_integer(le->read_version));
    json_object_set_new(o, "rows_added", json_integer((json_int_t)r->added));
    json_object_set_new(o, "rows_removed", json_integer((json_int_t)r->removed));
    json_object_set_new(o, "rejected_added", json_integer((json_int_t)r->rej_added));
    json_object_set_new(o, "rows", json_integer((json_int_t)r->total));
    json_object_set_new(o, "segments_added", json_integer(le->nadds));
    json_object_set_new(o, "segments_removed", json_integer(le->nremoves));
    if (le->schema) json_object_set_new(o, "schema_id", json_integer(le->schema->schema_id));
    if (le->has_counts) {
        json_t *c = json_object();
        json_object_set_new(c, "read", json_integer((json_int_t)le->n_read));
        json_object_set_new(c, "accepted", json_integer((json_int_t)le->n_accepted));
        json_object_set_new(c, "rejected", json_integer((json_int_t)le->n_rejected));
        if (le->n_duplicates || le->n_replaced || le->op == ST_OP_TRANSFORM) {
            json_object_set_new(c, "duplicates", json_integer((json_int_t)le->n_duplicates));
            json_object_set_new(c, "replaced", json_integer((json_int_t)le->n_replaced));
        }
        json_t *rs = json_object();
        for (uint32_t i = 0; i < le->nreasons; i++)
            json_object_set_new(rs, le->reasons[i].code, json_integer((json_int_t)le->reasons[i].count));
        json_object_set_new(c, "reasons", rs);
        json_object_set_new(o, "counts", c);
    }
    json_t *src = json_array();
    for (uint32_t i = 0; i < le->nsources; i++) {
        const st_source_span *s = &le->sources[i];
        json_t *so = json_object();
        json_object_set_new(so, "name", json_string(s->name));
        json_object_set_new(so, "first_line", json_integer((json_int_t)s->first_line));
        json_object_set_new(so, "last_line", json_integer((json_int_t)s->last_line));
        json_object_set_new(so, "byte_start", json_integer((json_int_t)s->byte_start));
        json_object_set_new(so, "byte_end", json_integer((json_int_t)s->byte_end));
        json_array_append_new(src, so);
    }
    json_object_set_new(o, "sources", src);
    if (le->txn_app) {
        char k[1100];
        snprintf(k, sizeof k, "%s:%" PRIu64, le->txn_app, le->txn_seq);
        json_object_set_new(o, "idempotency_key", json_string(k));
    }
    if (le->stream_key) {
        json_t *s = json_object();
        json_object_set_new(s, "file", json_string(le->stream_key));
        json_object_set_new(s, "offset", json_integer((json_int_t)le->stream_offset));
        json_object_set_new(s, "line", json_integer((json_int_t)le->stream_line));
        json_object_set_new(o, "stream", s);
    }
    if (le->ninputs) {
        json_t *in = json_object();
        for (uint32_t i = 0; i < le->ninputs; i++)
            json_object_set_new(in, le->inputs[i].table, json_integer(le->inputs[i].version));
        json_object_set_new(o, "inputs", in);
    }
    if (le->ndvs) json_object_set_new(o, "deletion_vectors", json_integer(le->ndvs));
    if (le->restore_of >= 0) json_object_set_new(o, "restore_of", json_integer(le->restore_of));
    if (le->retain_from >= 0) {
        json_object_set_new(o, "retain_from", json_integer(le->retain_from));
        json_object_set_new(o, "files_removed", json_integer((json_int_t)le->files_removed));
    }
    return o;
}

static int cmd_log(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL;
    long limit = 0;
    const st_opt opts[] = {
        {"limit", 'n', ST_OPT_INT, &limit, "N", "show the newest N commits only"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table, csv, json or ndjson"},
        {0},
    };
    const st_cmd_help help = {
        "strata log TABLE [--limit N] [--format FMT]",
        "Show the commit history of a table, newest first: version, time (UTC), operation,\n"
        "rows added, rows removed (replaced, compacted away, overwritten or deleted), rows\n"
        "quarantined, the table's rows after the commit, and lineage\n"
        "(sources and line ranges, idempotency key, followed stream, restore, vacuum).",
        "  strata log bronze.sales\n  strata log bronze.sales -n 5 --format json",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 1) return st_cli_usage("log", "expected one TABLE");
    if (limit < 0) return st_cli_usage("log", "--limit must be >= 0");
    st_out_format of;
    if ((rc = st_cli_out_format("log", fmt, &of))) return rc;
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "log", name, true, &w, &t, &tn))) return rc;
    st_error e;
    int64_t latest;
    st_logstate *s = NULL;
    logrow *rows = NULL;
    int64_t start = 0, n = 0;
    if (st_table_latest(t, &latest, &e)) goto fail;
    start = limit && latest + 1 > limit ? latest + 1 - limit : 0;
    if (start > 0) {
        if (st_table_load(t, start - 1, &s, &e)) goto fail;
    } else if (!(s = st_logstate_new())) {
        st_error_set(&e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    n = latest - start + 1;
    rows = calloc((size_t)n, sizeof *rows);
    /* live rows: segments' rows less the rows their deletion vectors hide */
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (s->segs[i].side == ST_SIDE_DATA) total += s->segs[i].rows - s->segs[i].dv_rows;
    for (int64_t v = start; v <= latest; v++) {
        st_logentry *le;
        if (st_table_read_entry(t, v, &le, &e)) goto fail;
        logrow *r = &rows[v - start];
        r->le = le;
        for (uint32_t i = 0; i < le->nadds; i++) {
            if (le->adds[i].side == ST_SIDE_DATA) r->added += le->adds[i].rows - le->adds[i].dv_rows;
            else r->rej_added += le->adds[i].rows;
        }
        if (st_logstate_apply(s, le, "log", &e)) goto fail;
        uint64_t after = 0;
        for (uint32_t i = 0; i < s->nsegs; i++)
            if (s->segs[i].side == ST_SIDE_DATA) after += s->segs[i].rows - s->segs[i].dv_rows;
        r->removed = total + r->added - after; /* removed segments' rows and rows newly deleted */
        total = after;
        r->total = total;
    }
    if (of == ST_OUT_JSON || of == ST_OUT_NDJSON) {
        json_t *arr = json_array();
        for (int64_t i = n - 1; i >= 0; i--) {
            if (of == ST_OUT_NDJSON) st_cli_print_json(row_json(&rows[i]), true);
            else json_array_append_new(arr, row_json(&rows[i]));
        }
        if (of == ST_OUT_JSON) st_cli_print_json(arr, false);
        else json_decref(arr);
    } else {
        static const char *const cols[] = {"version", "time",     "operation", "added",
                                           "removed", "rejected", "rows",      "lineage"};
        st_type ty[8] = {st_type_make(ST_T_INT64), st_type_make(ST_T_TIMESTAMP), st_type_make(ST_T_VARCHAR),
                         st_type_make(ST_T_INT64), st_type_make(ST_T_INT64),     st_type_make(ST_T_INT64),
                         st_type_make(ST_T_INT64), st_type_make(ST_T_VARCHAR)};
        st_rows *out = st_rows_new(cols, ty, 8);
        for (int64_t i = n - 1; i >= 0; i--) {
            const logrow *r = &rows[i];
            st_sbuf sb = ST_SBUF_INIT;
            lineage_text(r->le, &sb);
            st_rows_i64(out, r->le->version);
            st_rows_ts(out, r->le->ts_us);
            st_rows_str(out, st_log_op_name((st_log_op)r->le->op));
            st_rows_i64(out, (int64_t)r->added);
            st_rows_i64(out, (int64_t)r->removed);
            st_rows_i64(out, (int64_t)r->rej_added);
            st_rows_i64(out, (int64_t)r->total);
            st_rows_str(out, st_sbuf_cstr(&sb));
            st_sbuf_free(&sb);
        }
        rc = st_rows_print(out, of);
    }
    goto done;
fail:
    rc = st_cli_fail(&e);
done:
    for (int64_t i = 0; rows && i < n; i++) st_logentry_free((st_logentry *)rows[i].le);
    free(rows);
    st_logstate_free(s);
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("log", cmd_log, 50, "commit history: version, time, operation, rows, lineage")
