/*
 * cmd_vacuum.c: `strata vacuum TABLE --retain DUR`: delete the files that no
 * snapshot of the retention window needs (engine/maintain.h has the rules).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_table.h"
#include "engine/maintain.h"

static int cmd_vacuum(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL, *retain = NULL;
    bool force = false, dry = false;
    const st_opt opts[] = {
        {"retain", 0, ST_OPT_STRING, &retain, "DUR", "keep every snapshot current within DUR (7d, 12h, 30m)"},
        {"force", 0, ST_OPT_FLAG, &force, NULL, "allow a retention below the warehouse minimum"},
        {"dry-run", 'n', ST_OPT_FLAG, &dry, NULL, "list what would be deleted; change nothing"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata vacuum TABLE --retain DUR [--force] [--dry-run]",
        "Delete the files no snapshot of the last DUR needs: segments that compaction or a\n"
        "restore replaced before the window, and orphans (segments of crashed writers,\n"
        "older than DUR and at least an hour).  Versions before the window stop being\n"
        "readable, and time travel says so.  A retention below vacuum_min_retain\n"
        "(strata.json, 7d by default) is refused without --force.",
        "  strata vacuum bronze.sales --retain 7d\n  strata vacuum bronze.sales --retain 1h --force --dry-run",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 1) return st_cli_usage("vacuum", "expected one TABLE");
    if (!retain) return st_cli_usage("vacuum", "--retain DUR is required (e.g. --retain 7d)");
    st_out_format of;
    if ((rc = st_cli_out_format("vacuum", fmt, &of))) return rc;
    st_error e;
    st_vacuum_opts o = {0};
    o.force = force;
    o.dry_run = dry;
    if (st_duration_parse(retain, &o.retain_us, &e)) return st_cli_usage("vacuum", "%s", e.msg);
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "vacuum", name, true, &w, &t, &tn))) return rc;
    st_vacuum_result r;
    if (tn.rejects) {
        rc = st_cli_failf("vacuum %s: the quarantine is vacuumed with its table, %s", name, tn.full);
    } else if (st_table_vacuum(t, &o, &r, &e)) {
        rc = st_cli_fail(&e);
    } else {
        char sz[32];
        st_cli_bytes(r.bytes, sz);
        if (of == ST_OUT_JSON) {
            json_t *j = json_object();
            json_object_set_new(j, "table", json_string(tn.full));
            json_object_set_new(j, "dry_run", json_boolean(dry));
            json_object_set_new(j, "version", r.version >= 0 ? json_integer(r.version) : json_null());
            json_object_set_new(j, "readable_from", json_integer(r.retain_from));
            json_object_set_new(j, "latest", json_integer(r.latest));
            json_object_set_new(j, "files", json_integer((json_int_t)r.files));
            json_object_set_new(j, "bytes", json_integer((json_int_t)r.bytes));
            json_object_set_new(j, "orphans", json_integer((json_int_t)r.orphans));
            json_object_set_new(j, "orphans_kept", json_integer((json_int_t)r.orphans_kept));
            json_t *a = json_array();
            for (uint32_t i = 0; i < r.npaths; i++) json_array_append_new(a, json_string(r.paths[i]));
            json_object_set_new(j, "paths", a);
            st_cli_print_json(j, false);
        } else {
            for (uint32_t i = 0; dry && i < r.npaths; i++) printf("would delete %s\n", r.paths[i]);
            printf("%s %s: %s %" PRIu64 " files (%s, %" PRIu64 " orphans); versions %" PRId64 " to %" PRId64
                   " are readable\n", dry ? "dry run" : "vacuumed", tn.full, dry ? "would delete" : "deleted",
                   r.files, sz, r.orphans, r.retain_from, r.latest);
            if (r.orphans_kept)
                printf("kept %" PRIu64 " recent unreferenced files (a writer may still be committing them)\n",
                       r.orphans_kept);
        }
        st_vacuum_result_free(&r);
    }
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("vacuum", cmd_vacuum, 72, "delete files no retained snapshot needs")
