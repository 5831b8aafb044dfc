/*
 * cmd_init.c: `strata init`: create the warehouse named by -w (or
 * $STRATA_WAREHOUSE, or ./warehouse) with its bronze, silver and gold
 * namespaces and its strata.json.  Running it on an existing warehouse is
 * harmless (it says so and changes nothing).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_table.h"

static int cmd_init(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL;
    const st_opt opts[] = {
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata [-w DIR] init",
        "Create a warehouse: a directory with the bronze, silver and gold namespaces and\n"
        "strata.json (settings: vacuum_min_retain, checkpoint_interval).  An existing\n"
        "warehouse is left unchanged.",
        "  strata -w ./wh init",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos) return st_cli_usage("init", "init takes no arguments (the warehouse is -w DIR)");
    st_out_format of;
    if ((rc = st_cli_out_format("init", fmt, &of))) return rc;
    st_error e;
    bool created;
    if (st_warehouse_init(cli->warehouse, &created, &e)) return st_cli_fail(&e);
    if (of == ST_OUT_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "warehouse", json_string(cli->warehouse));
        json_object_set_new(j, "created", json_boolean(created));
        st_cli_print_json(j, false);
    } else if (created) {
        printf("created warehouse %s (namespaces bronze, silver, gold)\n", cli->warehouse);
    } else {
        printf("warehouse %s already exists; nothing changed\n", cli->warehouse);
    }
    return 0;
}

ST_CLI_COMMAND("init", cmd_init, 10, "create a warehouse (bronze, silver, gold namespaces)")
