/*
 * cmd_compact.c: `strata compact TABLE`: merge small segments (the ones
 * micro-batches leave) into large ones, as a commit that changes no data
 * (engine/compact.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_table.h"
#include "engine/compact.h"

static int cmd_compact(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL;
    long target = 0;
    double share = 0;
    const st_opt opts[] = {
        {"target-rows", 0, ST_OPT_INT, &target, "N", "rows per merged segment (default 1048576)"},
        {"deleted-share", 0, ST_OPT_DOUBLE, &share, "F",
         "rewrite segments with at least this share of deleted rows (default 0.25)"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata compact TABLE [--target-rows N] [--deleted-share F]",
        "Rewrite runs of small segments into segments of about N rows.  Rows, their order\n"
        "and their lineage (_ingest_id, _source, _line, _ingested_at) are unchanged; old\n"
        "versions stay readable until vacuum removes the replaced files.  Rows hidden by\n"
        "deletion vectors (Silver upserts) are purged: a segment whose deleted share\n"
        "reaches F is rewritten even when it is large.",
        "  strata compact bronze.events",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 1) return st_cli_usage("compact", "expected one TABLE");
    if (target < 0) return st_cli_usage("compact", "--target-rows must be positive");
    if (share < 0 || share > 1) return st_cli_usage("compact", "--deleted-share must be between 0 and 1");
    st_out_format of;
    if ((rc = st_cli_out_format("compact", fmt, &of))) return rc;
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "compact", name, true, &w, &t, &tn))) return rc;
    st_error e;
    st_compact_opts o = {(uint64_t)target, 0, share};
    st_compact_result r;
    if (tn.rejects) {
        rc = st_cli_failf("compact %s: the quarantine is compacted with its table, %s", name, tn.full);
    } else if (st_table_compact(t, &o, &r, &e)) {
        rc = st_cli_fail(&e);
    } else if (of == ST_OUT_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "table", json_string(tn.full));
        json_object_set_new(j, "version", r.version >= 0 ? json_integer(r.version) : json_null());
        json_object_set_new(j, "segments_in", json_integer(r.segments_in));
        json_object_set_new(j, "segments_out", json_integer(r.segments_out));
        json_object_set_new(j, "rows", json_integer((json_int_t)r.rows));
        json_object_set_new(j, "rows_purged", json_integer((json_int_t)r.rows_purged));
        json_object_set_new(j, "bytes_in", json_integer((json_int_t)r.bytes_in));
        json_object_set_new(j, "bytes_out", json_integer((json_int_t)r.bytes_out));
        st_cli_print_json(j, false);
    } else if (r.version < 0) {
        printf("%s: nothing to compact\n", tn.full);
    } else {
        char a[32], b[32];
        st_cli_bytes(r.bytes_in, a);
        st_cli_bytes(r.bytes_out, b);
        printf("compacted %s: %u segments -> %u (%" PRIu64 " rows, %s -> %s) as version %" PRId64 "\n", tn.full,
               r.segments_in, r.segments_out, r.rows, a, b, r.version);
        if (r.rows_purged) printf("  %" PRIu64 " deleted rows purged\n", r.rows_purged);
    }
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("compact", cmd_compact, 71, "merge small segments into large ones (no data change)")
