/*
 * cmd_gen.c: `strata gen`: write the used-electronics data sets (the
 * generator itself is bench/gen/, see gen.h for what it guarantees).
 *
 * Argument errors that are about values (a scale that is not a number or out
 * of range, a bad seed or rate, an unknown source) fail with exit 1 and
 * "strata: error: ..." before anything is touched; option syntax errors are
 * usage errors (exit 2).  SIGINT/SIGTERM stop the generator at the next chunk;
 * it removes its temporary folder and the command fails with exit 1.
 * Progress goes to stderr only when it is a terminal.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/gen/gen.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "format/io.h"
#include "format/types.h"
#include "format/vector.h"

static const st_cmd_help gen_help = {
    "strata gen --scale S --out DIR [--seed N] [--as csv|ndjson] [options]",
    "Generate the sources of a used-electronics e-commerce business into DIR, a new\n"
    "(or empty) folder: one year of event time (2025), deterministic for a seed.\n"
    "\n"
    "  sales              stream  NDJSON  order-line events, status lifecycle\n"
    "                                     placed/paid/shipped/delivered/refunded/\n"
    "                                     cancelled, duplicates, late events\n"
    "  activity           stream  NDJSON  views, searches, carts, checkouts, purchases\n"
    "  pricing            stream  NDJSON  the AI pricing engine's suggestions\n"
    "  competitor_prices  batch   CSV     web-scraped, messy titles/brands/prices\n"
    "  market_data        batch   CSV     monthly market index per model\n"
    "  products, customers, fx_rates      reference tables (CSV, clean)\n"
    "\n"
    "Scale 1 is about 1,000,000 sales lines (exactly round(1e6 x S)); 0.01 is a\n"
    "tiny set.  A share of malformed records (bad types, missing fields, broken\n"
    "lines, bad dates, invalid UTF-8) is injected into the streams and batches.\n"
    "DIR/_manifest.json lists rows, bytes, malformed records by kind, duplicates,\n"
    "late events and orphans per file.  Same options, same seed: byte-identical\n"
    "files whatever --threads.  Nothing is written half-way: files go to a hidden\n"
    "sibling folder that is renamed to DIR at the end (removed on failure).\n"
    "(Generator data version: " "1" ".)",
    "  strata gen --scale 0.01 --out data             # a tiny set (10,000 sales lines)\n"
    "  strata gen --scale 3 --as csv --out bench3     # the benchmarks' 3M-row set\n"
    "  strata gen --scale 1 --only sales,products --seed 7 --out d\n"
    "  strata gen --scale 0.1 --bad-rate 0 --out clean   # no malformed records"};

_Static_assert(ST_GEN_DATA_VERSION == 1, "update the data version in gen_help");

static bool parse_number(const char *s, double *out) {
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || isnan(v) || isinf(v)) return false;
    *out = v;
    return true;
}

static bool parse_seed(const char *s, uint64_t *out) {
    if (!s || !*s) return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end) return false;
    *out = v;
    return true;
}

typedef struct prog {
    bool tty;
    int last_pct;
} prog;

static void on_progress(void *ctx, const st_gen_progress *p) {
    prog *g = ctx;
    if (!g->tty || !p->rows_total) return;
    int pct = (int)(p->rows_done * 100 / p->rows_total);
    if (pct == g->last_pct) return;
    g->last_pct = pct;
    fprintf(stderr, "\rstrata gen: %3d%%  %llu of %llu rows (%s)   ", pct,
            (unsigned long long)p->rows_done, (unsigned long long)p->rows_total, p->source);
    fflush(stderr);
}

static int print_summary(const st_gen_report *rep, st_out_format fmt) {
    static const char *const names[] = {"source", "file",       "rows", "bytes",
                                        "malformed", "duplicates", "late", "orphans"};
    st_type types[8];
    for (int i = 0; i < 8; i++) types[i] = st_type_make(i < 2 ? ST_T_VARCHAR : ST_T_INT64);
    st_batch *b = st_batch_new(types, 8, rep->nfiles ? rep->nfiles : 1);
    st_error e;
    st_error_clear(&e);
    if (!b) return st_cli_failf("out of memory");
    st_status rc = ST_OK;
    for (uint32_t i = 0; i < rep->nfiles && rc == ST_OK; i++) {
        const st_gen_file_report *f = &rep->files[i];
        const char *src = st_gen_source_name(f->source);
        int64_t v[6] = {(int64_t)f->rows,       (int64_t)f->bytes, (int64_t)f->bad,
                        (int64_t)f->duplicates, (int64_t)f->late,  (int64_t)f->orphans};
        rc = st_vector_append_str(b->cols[0], src, (uint32_t)strlen(src), &e);
        if (rc == ST_OK) rc = st_vector_append_str(b->cols[1], f->file, (uint32_t)strlen(f->file), &e);
        for (int c = 0; c < 6 && rc == ST_OK; c++) rc = st_vector_append(b->cols[2 + c], &v[c], &e);
    }
    if (rc == ST_OK) {
        st_batch_set_len(b, rep->nfiles);
        st_render *r = st_render_begin(stdout, fmt, names, types, 8, 0);
        if (!r) rc = st_error_set(&e, ST_ERR_NOMEM, "out of memory");
        else if ((rc = st_render_batch(r, b, &e)) != ST_OK) st_render_abort(r);
        else rc = st_render_end(r, &e);
    }
    st_batch_free(b);
    return rc == ST_OK ? 0 : st_cli_fail(&e);
}

static int cmd_gen(st_cli *cli, int argc, char **argv) {
    const char *scale_s = NULL, *out = NULL, *seed_s = NULL, *as = NULL, *bad_s = NULL,
               *only = NULL, *fmt_s = "table";
    long threads = -1;
    st_opt opts[] = {
        {"scale", 0, ST_OPT_STRING, &scale_s, "S",
         "size: 1 = about 1M sales lines (default 1); fractions work (0.01)"},
        {"out", 'o', ST_OPT_STRING, &out, "DIR", "the folder to create (absent or empty)"},
        {"seed", 0, ST_OPT_STRING, &seed_s, "N", "random seed, 0..2^64-1 (default 42)"},
        {"as", 0, ST_OPT_STRING, &as, "FMT",
         "csv or ndjson for every source (default: streams NDJSON, the rest CSV)"},
        {"bad-rate", 0, ST_OPT_STRING, &bad_s, "R",
         "share of malformed records in streams and batches, 0..0.5 (default 0.005)"},
        {"only", 0, ST_OPT_STRING, &only, "LIST",
         "comma-separated sources to write, e.g. sales,products (default: all)"},
        {"threads", 0, ST_OPT_INT, &threads, "N",
         "worker threads (default: all cores); the output is the same for any N"},
        {"format", 0, ST_OPT_STRING, &fmt_s, "FMT",
         "summary on stdout: table, csv, ndjson, or json (prints the manifest)"},
        {NULL, 0, 0, NULL, NULL, NULL}};
    char *pos[argc > 0 ? argc : 1];
    int npos = 0;
    int prc = st_cli_parse(&gen_help, opts, argc, argv, pos, &npos);
    if (prc < 0) return 0;
    if (prc) return prc;
    if (npos) return st_cli_usage("gen", "unexpected argument '%s' (the folder goes after --out)", pos[0]);
    if (!out) return st_cli_usage("gen", "--out DIR is required");
    st_out_format fmt;
    bool json_manifest = fmt_s && !strcmp(fmt_s, "json");
    if (!json_manifest && st_out_format_parse(fmt_s, &fmt) < 0)
        return st_cli_usage("gen", "--format must be table, csv, json or ndjson, not '%s'", fmt_s);

    st_gen_options o;
    st_gen_options_default(&o);
    if (scale_s) {
        if (!parse_number(scale_s, &o.scale))
            return st_cli_failf("--scale must be a number such as 1, 3 or 0.01, not '%s'", scale_s);
        if (!(o.scale >= ST_GEN_MIN_SCALE && o.scale <= ST_GEN_MAX_SCALE))
            return st_cli_failf("--scale %s is out of range: it must be between %g and %g "
                                "(1 = about a million sales lines)",
                                scale_s, ST_GEN_MIN_SCALE, ST_GEN_MAX_SCALE);
    }
    if (seed_s && !parse_seed(seed_s, &o.seed))
        return st_cli_failf("--seed must be a whole number from 0 to 18446744073709551615, not '%s'",
                            seed_s);
    if (bad_s) {
        if (!parse_number(bad_s, &o.bad_rate) || o.bad_rate < 0 || o.bad_rate > ST_GEN_MAX_BAD_RATE)
            return st_cli_failf("--bad-rate must be a number from 0 to %g (0.005 = 0.5%%), not '%s'",
                                ST_GEN_MAX_BAD_RATE, bad_s);
    }
    if (as) {
        if (!strcmp(as, "csv")) o.as = ST_GEN_AS_CSV;
        else if (!strcmp(as, "ndjson") || !strcmp(as, "json")) o.as = ST_GEN_AS_NDJSON;
        else if (!strcmp(as, "native")) o.as = ST_GEN_AS_NATIVE;
        else return st_cli_failf("--as must be csv or ndjson, not '%s'", as);
    }
    if (only) {
        const char *p = only;
        while (*p) {
            size_t n = strcspn(p, ",");
            char name[64];
            if (n == 0 || n >= sizeof name)
                return st_cli_failf("--only: bad source list '%s'", only);
            memcpy(name, p, n);
            name[n] = '\0';
            int s = st_gen_source_parse(name);
            if (s < 0)
                return st_cli_failf("--only: unknown source '%s' (sources: sales, activity, pricing, "
                                    "competitor_prices, market_data, products, customers, fx_rates)",
                                    name);
            o.sources |= 1u << s;
            p += n;
            if (*p == ',') p++;
        }
    }
    if (threads < -1 || threads > 1024) return st_cli_failf("--threads must be from 0 to 1024");
    o.threads = threads >= 0 ? (uint32_t)threads : (uint32_t)cli->threads;

    prog g = {st_cli_stderr_tty(), -1};
    o.progress = on_progress;
    o.progress_ctx = &g;
    st_cli_catch_signals();
    o.interrupt = st_cli_interrupt_flag();

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st_gen_report rep;
    st_error e;
    st_error_clear(&e);
    st_status rc = st_gen_run(&o, out, &rep, &e);
    if (g.tty && g.last_pct >= 0) fprintf(stderr, "\r%60s\r", "");
    if (rc == ST_ERR_INTERRUPTED)
        return st_cli_failf("interrupted; nothing was written to %s", out);
    if (rc != ST_OK) return st_cli_fail(&e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    if (json_manifest) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out, ST_GEN_MANIFEST);
        st_buf *m = NULL;
        if (st_file_read(path, 64u << 20, &m, &e) != ST_OK) return st_cli_fail(&e);
        fwrite(st_buf_data(m), 1, st_buf_len(m), stdout);
        st_buf_unref(m);
        return 0;
    }
    int r = print_summary(&rep, fmt);
    if (r) return r;
    uint64_t rows = 0, bytes = 0;
    for (uint32_t i = 0; i < rep.nfiles; i++) rows += rep.files[i].rows, bytes += rep.files[i].bytes;
    fprintf(fmt == ST_OUT_TABLE ? stdout : stderr,
            "%u files, %llu rows, %.1f MB in %s/ (%.1f s); manifest: %s/%s\n", rep.nfiles,
            (unsigned long long)rows, (double)bytes / 1e6, out, secs, out, ST_GEN_MANIFEST);
    return 0;
}

ST_CLI_COMMAND("gen", cmd_gen, 90, "generate the used-electronics sources (sales, activity, ...)")
