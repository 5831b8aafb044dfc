/*
 * cmd_transform.c: `strata transform SPEC...`: run Silver transform specs
 * (engine/silver.h; the spec format is spec/SILVER.md).
 *
 * Every spec is compiled before any data is read, so a mistake in any of
 * them stops the command before the first run.  Specs run in dependency
 * order: one whose lookups read another's target runs after it (a cycle
 * among the given specs is refused).  Each run prints its accounting
 * (rows in = written + duplicates + rejected), the rows it replaced, and
 * its quality report; a failed error-level expectation aborts that run's
 * commit and makes the command fail (exit 1) after the remaining specs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_table.h"
#include "engine/quality.h"
#include "engine/silver.h"
#include "format/hashvec.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void print_run(const char *target, const char *source, const st_silver_result *r, double secs, bool stages) {
    if (r->up_to_date) {
        printf("%s: up to date (%s version %" PRId64 " already consumed)\n", target, source, r->to_version);
        return;
    }
    if (r->version >= 0) {
        printf("%s: version %" PRId64 " from %s version%s ", target, r->version, source,
               r->from_version + 1 == r->to_version ? "" : "s");
        if (r->from_version + 1 == r->to_version) printf("%" PRId64, r->to_version);
        else printf("%" PRId64 "..%" PRId64, r->from_version + 1, r->to_version);
        printf("%s in %.2fs\n", r->created ? " (created)" : "", secs);
    } else {
        printf("%s: not committed\n", target);
    }
    printf("  rows in %" PRIu64 " = written %" PRIu64 " + duplicates %" PRIu64 " + rejected %" PRIu64 "\n", r->rows_in,
           r->written, r->duplicates, r->rejected);
    if (r->replaced) printf("  replaced %" PRIu64 " older rows (deletion vectors on %u segments)\n", r->replaced, r->dvs);
    if (r->rejected) {
        printf("  rejected by reason:");
        for (uint32_t i = 0; i < ST_SILVER_NCODES; i++)
            if (r->reasons[i]) printf(" %s %" PRIu64, st_silver_code_name(i), r->reasons[i]);
        printf(" (in %s__rejects)\n", target);
    }
    if (r->attempts > 1) printf("  committed after %u attempts (another writer changed the table meanwhile)\n", r->attempts);
    if (stages) {
        const st_silver_stages *t = &r->t;
        printf("  stages (s, summed over threads): read %.3f, standardize+validate %.3f, hash %.3f, dedup %.3f, "
               "existing %.3f, enrich %.3f, write %.3f, check %.3f, commit %.3f\n", t->read, t->standardize, t->hash,
               t->dedup, t->existing, t->enrich, t->write, t->check, t->commit);
    }
}

static json_t *run_json(const char *spec, const char *target, const st_silver_result *r, double secs) {
    json_t *j = json_object();
    json_object_set_new(j, "spec", json_string(spec));
    json_object_set_new(j, "table", json_string(target));
    json_object_set_new(j, "version", r->version >= 0 ? json_integer(r->version) : json_null());
    json_object_set_new(j, "up_to_date", json_boolean(r->up_to_date));
    json_object_set_new(j, "created", json_boolean(r->created));
    json_object_set_new(j, "source_from", json_integer(r->from_version));
    json_object_set_new(j, "source_to", json_integer(r->to_version));
    json_object_set_new(j, "rows_in", json_integer((json_int_t)r->rows_in));
    json_object_set_new(j, "written", json_integer((json_int_t)r->written));
    json_object_set_new(j, "duplicates", json_integer((json_int_t)r->duplicates));
    json_object_set_new(j, "rejected", json_integer((json_int_t)r->rejected));
    json_object_set_new(j, "replaced", json_integer((json_int_t)r->replaced));
    json_t *rs = json_object();
    for (uint32_t i = 0; i < ST_SILVER_NCODES; i++)
        if (r->reasons[i]) json_object_set_new(rs, st_silver_code_name(i), json_integer((json_int_t)r->reasons[i]));
    json_object_set_new(j, "reasons", rs);
    json_object_set_new(j, "attempts", json_integer(r->attempts));
    json_object_set_new(j, "check_failed", json_boolean(r->check_failed));
    json_object_set_new(j, "seconds", json_real(secs));
    json_t *st = json_object();
    json_object_set_new(st, "read", json_real(r->t.read));
    json_object_set_new(st, "standardize_validate", json_real(r->t.standardize));
    json_object_set_new(st, "hash", json_real(r->t.hash));
    json_object_set_new(st, "dedup", json_real(r->t.dedup));
    json_object_set_new(st, "existing", json_real(r->t.existing));
    json_object_set_new(st, "enrich", json_real(r->t.enrich));
    json_object_set_new(st, "write", json_real(r->t.write));
    json_object_set_new(st, "check", json_real(r->t.check));
    json_object_set_new(st, "commit", json_real(r->t.commit));
    json_object_set_new(j, "stages", st);
    if (r->report) json_object_set(j, "quality", r->report);
    return j;
}

/* order specs so that a lookup's table is built before the spec reading it */
static int order_specs(st_xspec **sp, int n, int *order) {
    int *state = calloc((size_t)n, sizeof *state), k = 0;
    int rc = 0;
    for (int round = 0; round < n && k < n; round++)
        for (int i = 0; i < n; i++) {
            if (state[i]) continue;
            bool ready = true;
            for (uint32_t l = 0; l < st_xspec_lookup_count(sp[i]); l++)
                for (int j = 0; j < n; j++)
                    if (j != i && !state[j] && !strcmp(st_xspec_target(sp[j]), st_xspec_lookup_table(sp[i], l))) ready = false;
            if (ready) {
                state[i] = 1;
                order[k++] = i;
            }
        }
    if (k < n) {
        char list[600] = "";
        for (int i = 0; i < n; i++)
            if (!state[i]) {
                strncat(list, list[0] ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, st_xspec_name(sp[i]), sizeof list - strlen(list) - 1);
            }
        rc = st_cli_failf("a lookup cycle among the specs: %s read each other's tables", list);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; !rc && j < i; j++)
            if (!strcmp(st_xspec_target(sp[i]), st_xspec_target(sp[j])))
                rc = st_cli_failf("%s and %s both build %s", st_xspec_name(sp[j]), st_xspec_name(sp[i]), st_xspec_target(sp[i]));
    free(state);
    return rc;
}

static int cmd_transform(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL, *simd = NULL;
    bool full = false, no_retry = false, skip_suite = false, stages = false, quiet = false;
    long retries = -1, seg_rows = 0;
    const st_opt opts[] = {
        {"full-refresh", 0, ST_OPT_FLAG, &full, NULL, "rebuild the table from every source version"},
        {"retries", 0, ST_OPT_INT, &retries, "N", "after a conflicting commit, run again up to N times (default 3)"},
        {"no-retry", 0, ST_OPT_FLAG, &no_retry, NULL, "stop at a conflicting commit (same as --retries 0)"},
        {"skip-suite", 0, ST_OPT_FLAG, &skip_suite, NULL, "commit without checking the spec's expectation suite"},
        {"simd", 0, ST_OPT_STRING, &simd, "PATH", "key hashing: scalar, avx2 or auto (default: $STRATA_SIMD, else auto)"},
        {"segment-rows", 0, ST_OPT_INT, &seg_rows, "N", "rows per output segment (default 524288)"},
        {"stages", 0, ST_OPT_FLAG, &stages, NULL, "print the time spent in each stage"},
        {"quiet", 'q', ST_OPT_FLAG, &quiet, NULL, "print only errors"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "summary as table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata transform SPEC... [--full-refresh] [--retries N] [--simd PATH] [--format json]",
        "Run Silver transform specs (JSON; spec/SILVER.md): validate, standardize, dedup and\n"
        "enrich the Bronze versions each table has not consumed yet, and commit the result with\n"
        "deletion vectors for replaced rows, rejects in TABLE__rejects, and a quality report.\n"
        "Re-running is a no-op; a run that was killed redoes exactly the missing work.",
        "  strata transform platform/silver/sales.json\n"
        "  strata transform platform/silver/*.json\n"
        "  strata transform platform/silver/sales.json --full-refresh",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    if (rc) {
        free(pos);
        return rc < 0 ? 0 : rc;
    }
    /* `strata transform platform/silver/STAR.json` also matches the suites
     * beside the specs: leave them out, and say so */
    int kept = 0;
    for (int i = 0; i < npos; i++) {
        size_t l = strlen(pos[i]);
        if (l <= 11 || strcmp(pos[i] + l - 11, ".suite.json")) pos[kept++] = pos[i];
    }
    if (kept < npos && !quiet)
        fprintf(stderr, "strata: note: %d expectation suite%s (*.suite.json) skipped: the spec naming a suite runs "
                        "it; `strata check TABLE SUITE` checks one\n", npos - kept, npos - kept == 1 ? "" : "s");
    if (npos && !kept) {
        free(pos);
        return st_cli_usage("transform", "only expectation suites given; expected one or more SPEC files");
    }
    npos = kept;
    st_out_format of;
    if (!npos) rc = st_cli_usage("transform", "expected one or more SPEC files");
    else if (retries < -1 || retries > 1000) rc = st_cli_usage("transform", "--retries must be from 0 to 1000");
    else if (seg_rows < 0) rc = st_cli_usage("transform", "--segment-rows must be positive");
    else rc = st_cli_out_format("transform", fmt, &of);
    st_error e;
    if (!rc && simd) {
        st_simd_level l;
        if (st_simd_parse(simd, &l, &e) || st_simd_force(l, &e)) rc = st_cli_fail(&e);
    }
    st_warehouse *w = NULL;
    if (!rc && st_warehouse_open(cli->warehouse, &w, &e)) rc = st_cli_fail(&e);
    st_xspec **sp = calloc((size_t)npos + 1, sizeof *sp);
    int *order = calloc((size_t)npos + 1, sizeof *order);
    for (int i = 0; !rc && i < npos; i++)
        if (st_xspec_load(pos[i], st_silver_resolver, w, &sp[i], &e)) rc = st_cli_fail(&e);
    if (!rc) rc = order_specs(sp, npos, order);
    json_t *all = json_array();
    int failed = 0;
    for (int k = 0; !rc && k < npos; k++) {
        st_xspec *s = sp[order[k]];
        st_silver_opts o;
        memset(&o, 0, sizeof o);
        o.full_refresh = full;
        o.threads = (uint32_t)cli->threads;
        o.retries = no_retry ? 0 : (int)retries;
        o.segment_rows = (uint64_t)seg_rows;
        o.skip_suite = skip_suite;
        st_silver_result r;
        double t0 = now_s();
        st_status sr = st_silver_run(w, s, &o, &r, &e);
        double secs = now_s() - t0;
        if (of == ST_OUT_JSON) {
            json_t *j = run_json(st_xspec_name(s), st_xspec_target(s), &r, secs);
            if (sr) json_object_set_new(j, "error", json_string(e.msg));
            json_array_append_new(all, j);
        } else if (!quiet && (!sr || r.check_failed)) {
            print_run(st_xspec_target(s), st_xspec_source(s), &r, secs, stages);
            if (r.report) {
                st_sbuf sb = ST_SBUF_INIT;
                st_quality_format(r.report, &sb);
                fputs(st_sbuf_cstr(&sb), stdout);
                st_sbuf_free(&sb);
            }
        }
        if (sr) {
            st_cli_fail(&e);
            failed = 1;
        }
        st_silver_result_free(&r);
    }
    if (!rc && of == ST_OUT_JSON) st_cli_print_json(all, false);
    else json_decref(all);
    for (int i = 0; i < npos; i++) st_xspec_free(sp[i]);
    free(sp);
    free(order);
    free(pos);
    st_warehouse_close(w);
    return rc ? rc : failed;
}

ST_CLI_COMMAND("transform", cmd_transform, 25, "run Silver transform specs (validate, standardize, dedup, enrich)")
