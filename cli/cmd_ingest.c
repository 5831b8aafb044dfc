/*
 * cmd_ingest.c: `strata ingest bronze.T FILE...|-`: load CSV, NDJSON or
 * Parquet into a Bronze table, validating every record (engine/ingest.h).  Files are one
 * commit; stdin and --follow FILE are streams committed in micro-batches.
 * Prints a summary (records read, accepted, rejected by reason); rejected
 * records are in bronze.T__rejects, committed with the accepted ones.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_table.h"
#include "engine/ingest.h"
#include "format/io.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct prog {
    const char *table;
    double start;
    bool shown;
} prog;

static void on_progress(void *ctx, const st_ingest_progress *p) {
    prog *g = ctx;
    double el = now_s() - g->start;
    if (el < 1.0) return; /* short ingests print nothing */
    char b[32];
    st_cli_bytes(p->bytes, b);
    if (p->total_bytes)
        fprintf(stderr, "\r%s: %" PRIu64 " records, %s (%.0f%%), %.1f MB/s   ", g->table, p->rows, b,
                100.0 * (double)p->bytes / (double)p->total_bytes, (double)p->bytes / 1e6 / el);
    else
        fprintf(stderr, "\r%s: %" PRIu64 " records, %s, %u commits   ", g->table, p->rows, b, p->commits);
    g->shown = true;
}

static int parse_key(const char *k, char **app, uint64_t *seq) {
    const char *colon = k ? strrchr(k, ':') : NULL;
    if (!colon || colon == k || !colon[1]) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(colon + 1, &end, 10);
    if (errno || *end || colon[1] == '-') return -1;
    *app = strndup(k, (size_t)(colon - k));
    *seq = v;
    for (const char *p = *app; *p; p++)
        if ((unsigned char)*p < 0x20) return -1;
    return 0;
}

static int cmd_ingest(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL, *as = NULL, *schema_path = NULL, *key = NULL, *follow = NULL;
    bool evolve = false, quiet = false;
    long batch_rows = 0, batch_ms = 0;
    const st_opt opts[] = {
        {"as", 0, ST_OPT_STRING, &as, "FMT", "csv, ndjson or parquet, when the file name does not say"},
        {"schema", 0, ST_OPT_STRING, &schema_path, "FILE", "register this schema (JSON) for a new table"},
        {"evolve", 0, ST_OPT_FLAG, &evolve, NULL, "add fields the schema lacks as new nullable columns"},
        {"idempotency-key", 0, ST_OPT_STRING, &key, "APP:SEQ",
         "skip the batch if APP already committed SEQ or later"},
        {"follow", 0, ST_OPT_STRING, &follow, "FILE", "follow a growing file, resuming after the last commit"},
        {"batch-rows", 0, ST_OPT_INT, &batch_rows, "N", "streams: commit every N records (default 100000)"},
        {"batch-ms", 0, ST_OPT_INT, &batch_ms, "M", "streams: commit every M milliseconds (default 1000)"},
        {"quiet", 'q', ST_OPT_FLAG, &quiet, NULL, "print nothing on success"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "summary as table (default) or json"},
        {0},
    };
    const st_cmd_help help = {
        "strata ingest bronze.TABLE FILE...|- [options]\n       strata ingest bronze.TABLE --follow FILE [options]",
        "Append CSV, NDJSON or Parquet records to a Bronze table.  Every record is validated\n"
        "against the table's schema (registered from --schema, or taken from the first input);\n"
        "Parquet columns are cast exactly to the schema's types (a value that does not fit\n"
        "rejects its row; the row's raw text is the file's row as CSV, _line its ordinal).\n"
        "records that fail go, with their raw text, source, line and every reason, to the\n"
        "quarantine bronze.TABLE__rejects, committed together with the accepted rows.\n"
        "Every row gets lineage columns _ingest_id, _source, _line and _ingested_at.\n"
        "Files are one commit.  '-' (stdin) and --follow FILE are streams: a commit every\n"
        "--batch-rows records or --batch-ms milliseconds, whichever comes first; end of\n"
        "input, Ctrl-C or SIGTERM commits what is held.  A restarted --follow resumes\n"
        "exactly after its last commit.  Exit status 0 even when records were rejected.",
        "  strata ingest bronze.sales sales.csv\n"
        "  strata ingest bronze.sales day1.csv day2.csv --schema sales.schema.json\n"
        "  strata ingest bronze.prices competitors.parquet\n"
        "  strata ingest bronze.sales sales.csv --idempotency-key nightly:20260131\n"
        "  tail -f events.ndjson | strata ingest bronze.events - --as ndjson --batch-ms 500\n"
        "  strata ingest bronze.events --follow events.ndjson",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    if (rc) {
        free(pos);
        return rc < 0 ? 0 : rc;
    }
    st_out_format of;
    char *app = NULL;
    st_tschema *schema = NULL;
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    const char *name = npos > 0 ? pos[0] : NULL;
    bool use_stdin = npos == 2 && !strcmp(pos[1], "-");
    if ((rc = st_cli_out_format("ingest", fmt, &of))) goto out;
    if (!name) {
        rc = st_cli_usage("ingest", "expected a TABLE and inputs (FILE..., '-' for stdin, or --follow FILE)");
        goto out;
    }
    if (!follow && npos < 2) {
        rc = st_cli_usage("ingest", "expected inputs after %s: FILE..., '-' for stdin, or --follow FILE", name);
        goto out;
    }
    if (follow && npos > 1) {
        rc = st_cli_usage("ingest", "--follow FILE takes no other inputs");
        goto out;
    }
    for (int i = 1; i < npos && !use_stdin; i++)
        if (!strcmp(pos[i], "-")) {
            rc = st_cli_usage("ingest", "'-' (stdin) cannot be mixed with files");
            goto out;
        }
    if (as && strcmp(as, "csv") && strcmp(as, "ndjson") && strcmp(as, "parquet")) {
        rc = st_cli_usage("ingest", "--as must be csv, ndjson or parquet, not '%s'", as);
        goto out;
    }
    if (batch_rows < 0 || batch_ms < 0) {
        rc = st_cli_usage("ingest", "--batch-rows and --batch-ms must be positive");
        goto out;
    }
    if (key && parse_key(key, &app, &o.txn_seq)) {
        rc = st_cli_usage("ingest", "--idempotency-key must be APP:SEQ with SEQ a non-negative integer, not '%s'", key);
        goto out;
    }
    if (key && (use_stdin || follow)) {
        rc = st_cli_usage("ingest", "--idempotency-key applies to file batches, not to streams");
        goto out;
    }
    st_tname tn;
    st_error e;
    if (st_tname_parse(name, &tn, &e)) {
        rc = st_cli_fail(&e);
        goto out;
    }
    if (strcmp(tn.layer, "bronze") || tn.rejects) {
        rc = st_cli_failf("ingest writes Bronze tables (bronze.NAME); %s is %s", name,
                          tn.rejects ? "a quarantine, filled by ingest itself" : "not in the bronze layer");
        goto out;
    }
    if (schema_path) {
        st_buf *b = NULL;
        if (st_file_read(schema_path, 16 << 20, &b, &e)) {
            rc = st_cli_fail(&e);
            goto out;
        }
        json_error_t je;
        json_t *j = json_loadb(st_buf_data(b), st_buf_len(b), JSON_REJECT_DUPLICATES, &je);
        st_buf_unref(b);
        if (!j) {
            rc = st_cli_failf("%s: line %d, column %d: %s", schema_path, je.line, je.column, je.text);
            goto out;
        }
        st_status sr = st_tschema_from_json(j, false, &schema, &e);
        json_decref(j);
        if (sr) {
            st_error_prefix(&e, "%s: ", schema_path);
            rc = st_cli_fail(&e);
            goto out;
        }
    }
    o.format = !as ? ST_IN_AUTO : !strcmp(as, "csv") ? ST_IN_CSV : !strcmp(as, "ndjson") ? ST_IN_NDJSON : ST_IN_PARQUET;
    o.schema = schema;
    o.evolve = evolve;
    o.threads = (uint32_t)cli->threads;
    o.txn_app = app;
    o.batch_rows = (uint64_t)batch_rows;
    o.batch_ms = (uint64_t)batch_ms;
    st_cli_catch_signals();
    o.stop = st_cli_interrupt_flag();
    prog pg = {tn.full, now_s(), false};
    if (st_cli_stderr_tty() && !quiet) {
        o.progress = on_progress;
        o.progress_ctx = &pg;
    }
    st_warehouse *w;
    st_table *t;
    if ((rc = st_cli_open_table(cli, "ingest", name, false, &w, &t, &tn))) goto out;
    st_ingest_result r;
    st_status sr;
    if (follow) sr = st_ingest_follow(t, follow, &o, &r, &e);
    else if (use_stdin) sr = st_ingest_stdin(t, 0, &o, &r, &e);
    else sr = st_ingest_files(t, (const char *const *)pos + 1, (uint32_t)(npos - 1), &o, &r, &e);
    if (pg.shown) fprintf(stderr, "\r\033[K");
    double secs = now_s() - pg.start;
    if (sr) {
        rc = st_cli_fail(&e);
    } else if (of == ST_OUT_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "table", json_string(tn.full));
        json_object_set_new(j, "read", json_integer((json_int_t)r.read));
        json_object_set_new(j, "accepted", json_integer((json_int_t)r.accepted));
        json_object_set_new(j, "rejected", json_integer((json_int_t)r.rejected));
        json_t *rs = json_object();
        for (int c = 0; c < ST_R__COUNT; c++)
            if (r.reasons[c]) json_object_set_new(rs, st_reason_name((st_reason_code)c), json_integer((json_int_t)r.reasons[c]));
        json_object_set_new(j, "reasons", rs);
        json_object_set_new(j, "commits", json_integer(r.commits));
        json_object_set_new(j, "first_version", r.first_version >= 0 ? json_integer(r.first_version) : json_null());
        json_object_set_new(j, "last_version", r.last_version >= 0 ? json_integer(r.last_version) : json_null());
        json_object_set_new(j, "created", json_boolean(r.created));
        json_object_set_new(j, "duplicate", json_boolean(r.duplicate));
        json_object_set_new(j, "bytes", json_integer((json_int_t)r.bytes));
        json_object_set_new(j, "seconds", json_real(secs));
        st_cli_print_json(j, false);
    } else if (!quiet) {
        if (r.duplicate && r.commits == 0) {
            printf("%s: idempotency key %s was already committed; nothing ingested\n", tn.full, key);
        } else {
            printf("%s: %" PRIu64 " records read, %" PRIu64 " accepted, %" PRIu64 " rejected", tn.full, r.read,
                   r.accepted, r.rejected);
            if (r.commits == 1) printf("; version %" PRId64 "%s", r.last_version, r.created ? " (table created)" : "");
            else if (r.commits > 1)
                printf("; %u commits, versions %" PRId64 " to %" PRId64 "%s", r.commits, r.first_version,
                       r.last_version, r.created ? " (table created)" : "");
            else printf("; nothing to commit");
            printf(" (%.2f s)\n", secs);
            if (r.rejected) {
                printf("  rejected by reason:");
                for (int c = 0; c < ST_R__COUNT; c++)
                    if (r.reasons[c]) printf(" %s %" PRIu64, st_reason_name((st_reason_code)c), r.reasons[c]);
                printf("  (see %s%s)\n", tn.full, ST_REJECTS_SUFFIX);
            }
        }
    }
    st_table_close(t);
    st_warehouse_close(w);
out:
    free(pos);
    free(app);
    st_tschema_free(schema);
    return rc;
}

ST_CLI_COMMAND("ingest", cmd_ingest, 20, "append CSV/NDJSON/Parquet to a Bronze table (validated, with lineage)")
