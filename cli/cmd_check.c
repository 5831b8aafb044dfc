/*
 * cmd_check.c: `strata check TABLE [SUITE]`: check a table snapshot against
 * an expectation suite (engine/quality.h), print the report, and store it
 * beside the snapshot (<table>/_quality/<version>.json; not a new version).
 * Without SUITE, the suite the table's transform registered is used.
 * Exit status 1 when an error-level expectation failed.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_table.h"
#include "engine/quality.h"
#include "engine/tsource.h"

static int cmd_check(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL, *as_of = NULL;
    bool no_store = false;
    const st_opt opts[] = {
        {"as-of", 0, ST_OPT_STRING, &as_of, "X", "check the snapshot of a version or a time"},
        {"no-store", 0, ST_OPT_FLAG, &no_store, NULL, "print the report without storing it"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "report as table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata check TABLE [SUITE] [--as-of X] [--format json]",
        "Check a table snapshot against an expectation suite (JSON; spec/SILVER.md): not_null,\n"
        "unique, in_set, between, regex, length_between, row_count_between, mean/min/max_between,\n"
        "null_proportion, freshness, references; each with \"mostly\" and a severity.  Prints the\n"
        "report (failing rows listed by the suite's key) and stores it as\n"
        "<table>/_quality/<version>.json.  Exits 1 when an error-level expectation failed.\n"
        "Without SUITE: the suite registered by the table's transform.",
        "  strata check silver.sales\n"
        "  strata check silver.sales platform/silver/sales.suite.json --format json\n"
        "  strata check silver.sales --as-of 3",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL, *suite_path = npos > 1 ? pos[1] : NULL;
    if (rc) {
        free(pos);
        return rc < 0 ? 0 : rc;
    }
    st_out_format of;
    if (npos < 1 || npos > 2) rc = st_cli_usage("check", "expected TABLE and an optional SUITE");
    else rc = st_cli_out_format("check", fmt, &of);
    st_error e;
    st_as_of a = ST_AS_OF_LATEST;
    if (!rc && as_of && st_as_of_parse(as_of, &a, &e)) rc = st_cli_fail(&e);
    st_warehouse *w = NULL;
    st_table *t = NULL;
    st_tname tn;
    if (!rc) rc = st_cli_open_table(cli, "check", name, true, &w, &t, &tn);
    char reg[PATH_MAX];
    if (!rc && !suite_path) {
        if (st_quality_registered_suite(t, reg, sizeof reg)) suite_path = reg;
        else rc = st_cli_failf("%s has no registered suite (a transform with a \"suite\" registers one); name a SUITE file",
                               tn.full);
    }
    st_suite *s = NULL;
    st_logstate *state = NULL;
    st_source *src = NULL;
    json_t *report = NULL;
    bool failed = false;
    if (!rc && st_suite_load(suite_path, &s, &e)) rc = st_cli_fail(&e);
    if (!rc && st_suite_table(s) && strcmp(st_suite_table(s), tn.full))
        rc = st_cli_failf("%s is a suite for %s, not %s", suite_path, st_suite_table(s), tn.full);
    if (!rc && st_table_load_as_of(t, a, true, &state, &e)) rc = st_cli_fail(&e);
    int64_t version = state ? state->version : -1;
    if (!rc) {
        st_status sr = st_tsource_open(t, state, tn.rejects, &src, &e);
        state = NULL;
        if (sr) rc = st_cli_fail(&e);
    }
    if (!rc && st_suite_check(s, w, src, tn.full, version, (uint32_t)cli->threads, &report, &failed, &e))
        rc = st_cli_fail(&e);
    if (!rc && !no_store && !tn.rejects && st_quality_store(t, version, report, &e)) rc = st_cli_fail(&e);
    if (!rc) {
        if (of == ST_OUT_JSON) {
            st_cli_print_json(json_incref(report), false);
        } else {
            st_sbuf sb = ST_SBUF_INIT;
            st_quality_format(report, &sb);
            fputs(st_sbuf_cstr(&sb), stdout);
            st_sbuf_free(&sb);
        }
        if (failed) {
            fprintf(stderr, "strata: error: %s@v%" PRId64 ": an error-level expectation failed\n", tn.full, version);
            rc = 1;
        }
    }
    json_decref(report);
    st_source_close(src);
    st_logstate_free(state);
    st_suite_free(s);
    st_table_close(t);
    st_warehouse_close(w);
    free(pos);
    return rc;
}

ST_CLI_COMMAND("check", cmd_check, 26, "check a table against an expectation suite; store the report")
