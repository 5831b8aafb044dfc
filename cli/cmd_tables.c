/*
 * cmd_tables.c: `strata tables [LAYER]`: every table of the warehouse with
 * its latest version, rows, quarantined rows, segments, bytes and the time of
 * its last commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_table.h"

static int cmd_tables(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL;
    const st_opt opts[] = {
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table, csv, json or ndjson"},
        {0},
    };
    const st_cmd_help help = {
        "strata tables [bronze|silver|gold] [--format FMT]",
        "List the tables of the warehouse (optionally of one layer) with their latest\n"
        "version, rows, quarantined rows (TABLE__rejects), segments, bytes and last commit.",
        "  strata tables\n  strata tables bronze --format json",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *layer = npos > 0 ? pos[0] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos > 1) return st_cli_usage("tables", "at most one layer");
    if (layer && strcmp(layer, "bronze") && strcmp(layer, "silver") && strcmp(layer, "gold"))
        return st_cli_usage("tables", "the layer must be bronze, silver or gold, not '%s'", layer);
    st_out_format of;
    if ((rc = st_cli_out_format("tables", fmt, &of))) return rc;
    st_error e;
    st_warehouse *w;
    if (st_warehouse_open(cli->warehouse, &w, &e)) return st_cli_fail(&e);
    char **names;
    uint32_t n;
    if (st_warehouse_tables(w, layer, &names, &n, &e)) {
        st_warehouse_close(w);
        return st_cli_fail(&e);
    }
    static const char *const cols[] = {"table", "version", "rows", "rejected", "segments", "bytes", "updated"};
    st_type types[7] = {st_type_make(ST_T_VARCHAR), st_type_make(ST_T_INT64), st_type_make(ST_T_INT64),
                        st_type_make(ST_T_INT64), st_type_make(ST_T_INT64), st_type_make(ST_T_INT64),
                        st_type_make(ST_T_TIMESTAMP)};
    st_rows *rows = st_rows_new(cols, types, 7);
    for (uint32_t i = 0; i < n && !rc; i++) {
        st_tname tn;
        st_table *t = NULL;
        st_logstate *s = NULL;
        if (st_tname_parse(names[i], &tn, &e) || st_table_open(w, &tn, &t, &e) ||
            st_table_load(t, -1, &s, &e)) {
            rc = st_cli_fail(&e);
        } else {
            uint64_t r = 0, rj = 0, b = 0;
            for (uint32_t k = 0; k < s->nsegs; k++) {
                if (s->segs[k].side == ST_SIDE_DATA) r += s->segs[k].rows - s->segs[k].dv_rows;
                else rj += s->segs[k].rows;
                b += s->segs[k].bytes;
            }
            st_rows_str(rows, names[i]);
            st_rows_i64(rows, s->version);
            st_rows_i64(rows, (int64_t)r);
            st_rows_i64(rows, (int64_t)rj);
            st_rows_i64(rows, (int64_t)s->nsegs);
            st_rows_i64(rows, (int64_t)b);
            st_rows_ts(rows, s->ts_us);
        }
        st_logstate_free(s);
        st_table_close(t);
    }
    st_strv_free(names, n);
    st_warehouse_close(w);
    if (rc) {
        st_rows_free(rows);
        return rc;
    }
    return st_rows_print(rows, of);
}

ST_CLI_COMMAND("tables", cmd_tables, 60, "list tables with their version, rows and size")
