/*
 * cmd_restore.c: `strata restore TABLE VERSION`: make an old snapshot
 * current, as a new commit (history is kept: the versions in between stay
 * readable, and restoring is itself undone by restoring again).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_table.h"
#include "engine/maintain.h"

static int cmd_restore(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL;
    const st_opt opts[] = {
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata restore TABLE VERSION",
        "Make the content and schema of VERSION current again, as a new commit.  The rows\n"
        "keep their lineage (_ingest_id).  Fails if another writer changes the table\n"
        "meanwhile, or if vacuum has removed that version's files.",
        "  strata restore bronze.sales 3",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL, *vtext = npos > 1 ? pos[1] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 2) return st_cli_usage("restore", "expected TABLE and VERSION");
    st_out_format of;
    if ((rc = st_cli_out_format("restore", fmt, &of))) return rc;
    st_as_of a;
    st_error e;
    if (st_as_of_parse(vtext, &a, &e) || a.version < 0)
        return st_cli_usage("restore", "VERSION must be a version number, not '%s'", vtext);
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "restore", name, true, &w, &t, &tn))) return rc;
    if (tn.rejects) {
        rc = st_cli_failf("%s%s is the quarantine of %s: restore %s instead", tn.full, ST_REJECTS_SUFFIX,
                          tn.full, tn.full);
    } else {
        int64_t nv;
        if (st_table_restore(t, a.version, &nv, &e)) {
            rc = st_cli_fail(&e);
        } else if (of == ST_OUT_JSON) {
            json_t *j = json_object();
            json_object_set_new(j, "table", json_string(tn.full));
            json_object_set_new(j, "restored", json_integer(a.version));
            json_object_set_new(j, "version", json_integer(nv));
            st_cli_print_json(j, false);
        } else {
            printf("restored %s to version %" PRId64 " as version %" PRId64 "\n", tn.full, a.version, nv);
        }
    }
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("restore", cmd_restore, 70, "make an old snapshot current (a new commit)")
