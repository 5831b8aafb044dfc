/*
 * cmd_verify.c: `strata verify [TABLE|FILE]`: check every checksum and
 * invariant; exit 1 on damage.
 *
 * The argument is a FILE when it contains '/' or names an existing file
 * (the CLI contract); otherwise it is a TABLE of the warehouse, and with no
 * argument the whole warehouse is checked.  Each kind has its own function
 * below.  A table is checked by engine/verify.h: its log and checkpoints,
 * and every segment a readable version needs; findings are printed one per
 * line ("error: FILE: ..." for damage, "warning: FILE: ..." for orphans and
 * other leftovers vacuum removes), then a summary; exit 1 on any damage.
 *
 * A FILE is recognised by its magic number; today that is a segment (the
 * commit-log entries and other files of a table get their own checker with
 * the table layer).  Damage is reported as
 *   strata: error: FILE: <what is wrong> at byte N
 * with exit 1; a sound file prints one line (or a JSON object with
 * --format json) and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "engine/table.h"
#include "engine/verify.h"
#include "engine/warehouse.h"
#include "format/io.h"
#include "format/segment.h"

typedef struct verify_opts {
    bool json;
} verify_opts;

static bool is_file_arg(const char *a) {
    return strchr(a, '/') != NULL || (st_path_exists(a) && !st_is_dir(a));
}

static void print_json(const char *target, bool ok, const st_error *e, const st_segment *s) {
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(target));
    json_object_set_new(o, "ok", json_boolean(ok));
    if (s) {
        json_object_set_new(o, "kind", json_string("segment"));
        json_object_set_new(o, "rows", json_integer((json_int_t)st_segment_rows(s)));
        json_object_set_new(o, "row_groups", json_integer(st_segment_nrowgroups(s)));
        json_object_set_new(o, "columns", json_integer(st_segment_schema(s)->nfields));
        json_object_set_new(o, "blocks", json_integer((json_int_t)st_segment_nrowgroups(s) *
                                                       st_segment_schema(s)->nfields));
        json_object_set_new(o, "bytes", json_integer((json_int_t)st_segment_file_size(s)));
    }
    if (!ok && e) json_object_set_new(o, "error", json_string(e->msg));
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (txt) puts(txt);
    free(txt);
    json_decref(o);
}

static int verify_file(const char *path, const verify_opts *o) {
    st_segment *s = NULL;
    st_error e;
    st_status rc = st_segment_open(path, &s, &e);
    if (rc == ST_OK) rc = st_segment_verify(s, &e);
    if (o->json) print_json(path, rc == ST_OK, &e, s);
    if (rc != ST_OK) {
        st_segment_close(s);
        return st_cli_fail(&e);
    }
    if (!o->json)
        printf("%s: ok: segment v%d, %llu rows in %u row groups, %u columns, %u blocks and "
               "%llu bytes checked\n",
               path, ST_SEGMENT_VERSION, (unsigned long long)st_segment_rows(s),
               st_segment_nrowgroups(s), st_segment_schema(s)->nfields,
               st_segment_nrowgroups(s) * st_segment_schema(s)->nfields,
               (unsigned long long)st_segment_file_size(s));
    st_segment_close(s);
    return 0;
}

typedef struct vfind {
    bool json;
    json_t *errors, *warnings;
} vfind;

static void on_finding(void *ctx, bool is_error, const char *file, const char *msg) {
    vfind *f = ctx;
    if (f->json) {
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(file));
        json_object_set_new(o, "message", json_string(msg));
        json_array_append_new(is_error ? f->errors : f->warnings, o);
    } else {
        printf("%s: %s: %s\n", is_error ? "error" : "warning", file, msg);
    }
}

/* Verify one table; returns 0 (sound), 1 (damage or failure). */
static int verify_one(st_cli *cli, st_warehouse *w, const char *name, const verify_opts *o, json_t *jout) {
    st_tname tn;
    st_table *t = NULL;
    st_error e;
    if (st_tname_parse(name, &tn, &e) || st_table_open(w, &tn, &t, &e)) return st_cli_fail(&e);
    vfind f = {o->json, json_array(), json_array()};
    st_verify_stats vs;
    st_status rc = st_table_verify(t, (uint32_t)cli->threads, on_finding, &f, &vs, &e);
    st_table_close(t);
    if (rc) {
        json_decref(f.errors);
        json_decref(f.warnings);
        return st_cli_fail(&e);
    }
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "table", json_string(tn.full));
        json_object_set_new(j, "ok", json_boolean(vs.errors == 0));
        json_object_set_new(j, "versions", json_integer(vs.versions));
        json_object_set_new(j, "checkpoints", json_integer(vs.checkpoints));
        json_object_set_new(j, "segments", json_integer(vs.segments));
        json_object_set_new(j, "deletion_vectors", json_integer(vs.dvs));
        json_object_set_new(j, "rows", json_integer((json_int_t)vs.rows));
        json_object_set_new(j, "bytes", json_integer((json_int_t)vs.bytes));
        json_object_set_new(j, "errors", f.errors);
        json_object_set_new(j, "warnings", f.warnings);
        json_array_append_new(jout, j);
    } else {
        json_decref(f.errors);
        json_decref(f.warnings);
        printf("%s: %s: %lld versions, %u checkpoints, %u segments (%llu rows, %llu bytes) checked",
               tn.full, vs.errors ? "DAMAGED" : "ok", (long long)vs.versions, vs.checkpoints, vs.segments,
               (unsigned long long)vs.rows, (unsigned long long)vs.bytes);
        if (vs.dvs) printf(", %u deletion vectors", vs.dvs);
        if (vs.errors) printf("; %llu problems", (unsigned long long)vs.errors);
        if (vs.warnings) printf("; %llu warnings (vacuum removes them)", (unsigned long long)vs.warnings);
        printf("\n");
    }
    if (vs.errors) {
        if (!o->json) fprintf(stderr, "strata: error: %s: damaged (%llu problems, listed above)\n", tn.full,
                              (unsigned long long)vs.errors);
        return 1;
    }
    return 0;
}

static int verify_table(st_cli *cli, const char *table, const verify_opts *o) {
    st_warehouse *w;
    st_error e;
    st_tname tn;
    if (st_tname_parse(table, &tn, &e)) {
        st_error_prefix(&e, "%s: no such file, and ", table);
        return st_cli_fail(&e);
    }
    if (st_warehouse_open(cli->warehouse, &w, &e)) return st_cli_fail(&e);
    json_t *arr = json_array();
    int rc = verify_one(cli, w, table, o, arr);
    if (o->json && json_array_size(arr)) {
        char *txt = json_dumps(json_array_get(arr, 0), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt) puts(txt);
        free(txt);
    }
    json_decref(arr);
    st_warehouse_close(w);
    return rc;
}

static int verify_warehouse(st_cli *cli, const verify_opts *o) {
    st_warehouse *w;
    st_error e;
    if (st_warehouse_open(cli->warehouse, &w, &e)) return st_cli_fail(&e);
    char **names;
    uint32_t n;
    if (st_warehouse_tables(w, NULL, &names, &n, &e)) {
        st_warehouse_close(w);
        return st_cli_fail(&e);
    }
    json_t *arr = json_array();
    int rc = 0;
    for (uint32_t i = 0; i < n; i++)
        if (verify_one(cli, w, names[i], o, arr)) rc = 1;
    if (o->json) {
        char *txt = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt) puts(txt);
        free(txt);
    } else if (n == 0) {
        printf("%s: no tables\n", cli->warehouse);
    }
    json_decref(arr);
    st_strv_free(names, n);
    st_warehouse_close(w);
    return rc;
}

static int cmd_verify(st_cli *cli, int argc, char **argv) {
    const char *format = "table";
    const st_opt opts[] = {
        {"format", 0, ST_OPT_STRING, &format, "table|json", "how to print the result (default table)"},
        {0},
    };
    const st_cmd_help help = {
        "strata verify [TABLE|FILE] [--format table|json]",
        "Check every checksum and invariant of a segment FILE (an argument with '/'\n"
        "or naming an existing file), of a TABLE, or of the whole warehouse when no\n"
        "argument is given.  Every data block of a segment is read and decoded, and\n"
        "what it holds is compared with the footer's row counts and zone maps.  A\n"
        "TABLE's log entries and checkpoints are decoded and replayed, and every\n"
        "segment a readable version needs is checked against its log record.\n"
        "Segment files no version needs (orphans of crashed writers) are warnings.\n"
        "Exit status: 0 when sound; 1 on damage, with\n"
        "  strata: error: FILE: <what is wrong> at byte N",
        "  strata verify bronze.sales\n"
        "  strata verify\n"
        "  strata verify ./seg-000001.seg\n"
        "  strata verify bronze/sales/seg-000001.seg --format json",
    };
    char *pos[argc > 0 ? argc : 1];
    int npos;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    verify_opts o = {false};
    if (!strcmp(format, "json")) o.json = true;
    else if (strcmp(format, "table"))
        return st_cli_usage("verify", "--format must be table or json, not '%s'", format);
    if (npos > 1) return st_cli_usage("verify", "expected at most one TABLE or FILE");
    if (npos == 0) return verify_warehouse(cli, &o);
    if (is_file_arg(pos[0])) return verify_file(pos[0], &o);
    return verify_table(cli, pos[0], &o);
}

ST_CLI_COMMAND("verify", cmd_verify, 80, "check every checksum and invariant of a table or file")
