/*
 * gen_run.c: st_gen_run: options, the folder dance, the parallel schedule
 * with in-order writes, and the manifest.
 *
 * Folder: out_dir must be absent or empty.  Everything is written into a
 * hidden sibling "<parent>/.<name>.gen-<random>", every file fsynced, the
 * manifest written last, the sibling fsynced, then renamed onto out_dir (an
 * empty out_dir is replaced by rename(2) itself; a non-empty one makes the
 * rename fail, so a folder filled meanwhile is never overwritten) and the
 * parent fsynced.  Any failure or interruption removes the sibling: out_dir
 * either holds a complete data set with its manifest, or is as it was.
 *
 * Schedule: every source is cut into chunks (gen_stream.c, gen_batch.c); the
 * tasks (source, chunk) are claimed by st_parallel_for in ascending order.
 * A task generates its chunk into its worker's buffer, waits until the
 * previous chunk of its source is written, writes its own and passes the turn
 * on.  Tasks are claimed in order, so the chunk a task waits for is always
 * already being made by another thread: no deadlock, and memory stays at one
 * chunk per thread.  Streams are cut at exactly their planned rows here: once
 * a source is full its remaining chunks are skipped (they would only hold
 * events past the cut).  Output never depends on the thread count.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "bench/gen/gen_int.h"
#include "format/io.h"
#include "format/pool.h"
#include "format/types.h"

static const gen_source_impl *const impls[ST_GEN_NSOURCES] = {
    &gen_src_sales,  &gen_src_activity, &gen_src_pricing,   &gen_src_competitor,
    &gen_src_market, &gen_src_products, &gen_src_customers, &gen_src_fx};
static const char *const source_names[ST_GEN_NSOURCES] = {
    "sales", "activity", "pricing", "competitor_prices", "market_data", "products", "customers",
    "fx_rates"};
static const char *const bad_names[ST_GEN_BAD_NKINDS] = {
    "none",      "bad_type", "missing_field", "extra_field", "truncated",
    "bad_date",  "bad_utf8", "null_required", "garbage"};
/* rough bytes per row (CSV, NDJSON) for the free-space check */
static const double row_bytes[ST_GEN_NSOURCES][2] = {
    {100, 260}, {80, 190}, {60, 150}, {150, 260}, {80, 200}, {80, 200}, {40, 100}, {30, 70}};

const char *st_gen_source_name(st_gen_source s) {
    return (unsigned)s < ST_GEN_NSOURCES ? source_names[s] : NULL;
}

int st_gen_source_parse(const char *name) {
    for (int i = 0; i < ST_GEN_NSOURCES; i++)
        if (!strcmp(source_names[i], name)) return i;
    return -1;
}

bool st_gen_source_is_stream(st_gen_source s) { return s <= ST_GEN_PRICING; }

const char *st_gen_bad_name(st_gen_bad k) {
    return (unsigned)k < ST_GEN_BAD_NKINDS ? bad_names[k] : "unknown";
}

void st_gen_options_default(st_gen_options *o) {
    memset(o, 0, sizeof *o);
    o->scale = 1.0;
    o->seed = ST_GEN_DEFAULT_SEED;
    o->as = ST_GEN_AS_NATIVE;
    o->bad_rate = ST_GEN_DEFAULT_BAD_RATE;
}

st_status st_gen_check_options(const st_gen_options *o, st_error *e) {
    if (!(o->scale >= ST_GEN_MIN_SCALE && o->scale <= ST_GEN_MAX_SCALE))
        return st_error_set(e, ST_ERR_INVALID,
                            "scale must be between %g and %g (1 = about a million sales lines)",
                            ST_GEN_MIN_SCALE, ST_GEN_MAX_SCALE);
    if (!(o->bad_rate >= 0 && o->bad_rate <= ST_GEN_MAX_BAD_RATE))
        return st_error_set(e, ST_ERR_INVALID, "bad rate must be between 0 and %g",
                            ST_GEN_MAX_BAD_RATE);
    if ((unsigned)o->as > ST_GEN_AS_NDJSON)
        return st_error_set(e, ST_ERR_INVALID, "unknown output format %d", (int)o->as);
    if (o->sources >> ST_GEN_NSOURCES)
        return st_error_set(e, ST_ERR_INVALID, "unknown source in the selection");
    return ST_OK;
}

uint64_t st_gen_planned_rows(double scale, st_gen_source s) {
    if ((unsigned)s >= ST_GEN_NSOURCES) return 0;
    return impls[s]->planned_rows(scale);
}

/* ---- the run ------------------------------------------------------------ */

typedef struct src_run {
    bool on, json;
    const gen_source_impl *impl;
    void *state;
    uint32_t nchunks;
    uint64_t target;
    st_wfile *f;
    uint32_t turn; /* next chunk to write (under mu) */
    int full;      /* target reached (atomic) */
    int64_t max_ts;
    st_gen_file_report rep;
} src_run;

typedef struct task {
    uint8_t s;
    uint32_t c;
} task;

typedef struct run {
    const st_gen_options *o;
    gen_world *w;
    src_run src[ST_GEN_NSOURCES];
    task *tasks;
    uint64_t ntasks;
    gen_out *outs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int failed; /* under mu */
    st_status rc;
    st_error err; /* the first real failure */
    uint64_t rows_done, rows_total;
} run;

static bool interrupted(const run *R) { return R->o->interrupt && *R->o->interrupt; }

/* record the first failure and wake every waiter (call with mu held) */
static void fail_locked(run *R, st_status rc, const st_error *e) {
    if (!R->failed) {
        R->failed = 1;
        R->rc = rc;
        if (e) R->err = *e;
        else st_error_set(&R->err, rc, "gen: failed");
    }
    pthread_cond_broadcast(&R->cv);
}

static void account(src_run *s, const gen_out *out, uint32_t keep) {
    st_gen_file_report *r = &s->rep;
    for (uint32_t i = 0; i < keep; i++) {
        uint8_t fl = out->row_flags[i], bad = out->row_bad[i];
        if (bad) {
            r->bad++;
            r->bad_by_kind[bad]++;
        }
        if (fl & GEN_F_DUP) r->duplicates++;
        if (fl & GEN_F_LATE) r->late++;
        if (fl & GEN_F_ORPHAN) r->orphans++;
        int64_t ts = out->row_ts[i];
        if (ts == INT64_MIN) continue;
        if (r->min_ts_ms == 0 && r->max_ts_ms == 0 && s->max_ts == INT64_MIN)
            r->min_ts_ms = r->max_ts_ms = ts;
        if (ts < r->min_ts_ms) r->min_ts_ms = ts;
        if (ts > r->max_ts_ms) r->max_ts_ms = ts;
        if (ts < s->max_ts) r->out_of_order++;
        else s->max_ts = ts;
    }
}

static st_status task_fn(void *ctx, uint64_t t, uint32_t worker, st_error *e) {
    run *R = ctx;
    src_run *s = &R->src[R->tasks[t].s];
    uint32_t c = R->tasks[t].c;
    gen_out *out = &R->outs[worker];
    gen_out_reset(out);
    st_status rc = ST_OK;
    if (interrupted(R)) rc = st_error_set(e, ST_ERR_INTERRUPTED, "interrupted");
    else if (!__atomic_load_n(&s->full, __ATOMIC_ACQUIRE))
        rc = s->impl->chunk(R->w, s->state, c, s->json, out, e);
    if (rc == ST_OK && interrupted(R)) rc = st_error_set(e, ST_ERR_INTERRUPTED, "interrupted");

    pthread_mutex_lock(&R->mu);
    if (rc != ST_OK) {
        fail_locked(R, rc, e);
        pthread_mutex_unlock(&R->mu);
        return rc;
    }
    while (s->turn != c && !R->failed) pthread_cond_wait(&R->cv, &R->mu);
    if (R->failed) {
        pthread_mutex_unlock(&R->mu);
        return st_error_set(e, ST_ERR_INTERRUPTED, "stopped");
    }
    pthread_mutex_unlock(&R->mu);

    /* our turn: nobody else writes this source until we pass it on */
    uint32_t keep = 0;
    if (!s->full) {
        keep = out->nrows;
        if (s->rep.rows + keep > s->target) keep = (uint32_t)(s->target - s->rep.rows);
        size_t bytes = keep ? out->row_end[keep - 1] : 0;
        rc = st_wfile_write(s->f, out->p, bytes, e);
        if (rc == ST_OK) {
            account(s, out, keep);
            s->rep.rows += keep;
            if (s->rep.rows >= s->target) __atomic_store_n(&s->full, 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_lock(&R->mu);
    if (rc != ST_OK) {
        fail_locked(R, rc, e);
    } else {
        s->turn++;
        R->rows_done += keep;
        if (R->o->progress) {
            st_gen_progress p = {source_names[s->rep.source], R->rows_done, R->rows_total};
            R->o->progress(R->o->progress_ctx, &p);
        }
        pthread_cond_broadcast(&R->cv);
    }
    pthread_mutex_unlock(&R->mu);
    return rc;
}

/* ---- folders ------------------------------------------------------------ */

/* buf = a "/" b; false when it does not fit */
static bool pjoin(char *buf, size_t cap, const char *a, const char *b) {
    int n = snprintf(buf, cap, "%s/%s", a, b);
    return n >= 0 && (size_t)n < cap;
}

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        char path[PATH_MAX];
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            if (pjoin(path, sizeof path, dir, de->d_name)) unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ST_OK when path is absent or an empty folder */
static st_status check_target(const char *path, st_error *e) {
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) return ST_OK;
        return st_error_errno(e, errno, "%s: cannot use as output folder", path);
    }
    if (!S_ISDIR(st.st_mode))
        return st_error_set(e, ST_ERR_EXISTS, "%s: exists and is not a folder", path);
    DIR *d = opendir(path);
    if (!d) return st_error_errno(e, errno, "%s: cannot read folder", path);
    struct dirent *de;
    char first[256] = "";
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(first, sizeof first, "%s", de->d_name);
            break;
        }
    }
    closedir(d);
    if (first[0])
        return st_error_set(e, ST_ERR_EXISTS,
                            "%s: folder already holds files (e.g. '%s'); give a new or empty "
                            "folder, nothing was written",
                            path, first);
    return ST_OK;
}

/* ---- manifest ----------------------------------------------------------- */

typedef struct jbuf {
    char *p;
    size_t n, cap;
    bool oom;
} jbuf;

static void jb(jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jb(jbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->n + (size_t)n < b->cap) {
            b->n += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap <= b->n + (size_t)n) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

static const char *sql_type(const gen_col *c, char *buf) {
    switch (c->type) {
    case GT_INT: return "BIGINT";
    case GT_DEC: snprintf(buf, 32, "DECIMAL(18,%d)", c->scale ? c->scale : 2); return buf;
    case GT_TS: return "TIMESTAMP";
    case GT_DATE: return "DATE";
    case GT_BOOL: return "BOOLEAN";
    default: return "VARCHAR";
    }
}

static void ts_iso(int64_t ms, char *buf) {
    char tmp[ST_FORMAT_MAX];
    st_format_timestamp(ms * 1000, tmp);
    /* "2025-03-01 12:00:00" -> "2025-03-01T12:00:00Z" */
    size_t n = strlen(tmp);
    for (size_t i = 0; i < n; i++)
        if (tmp[i] == ' ') tmp[i] = 'T';
    snprintf(buf, ST_FORMAT_MAX + 2, "%sZ", tmp);
}

static char *build_manifest(const run *R, st_error *e) {
    const st_gen_options *o = R->o;
    jbuf b = {0};
    char sc[ST_FORMAT_MAX], br[ST_FORMAT_MAX];
    st_format_double(o->scale, sc);
    st_format_double(o->bad_rate, br);
    static const char *const as_names[] = {"native", "csv", "ndjson"};
    jb(&b, "{\n  \"generator\": \"strata gen\",\n  \"data_version\": %d,\n", ST_GEN_DATA_VERSION);
    jb(&b, "  \"seed\": %llu,\n  \"scale\": %s,\n  \"bad_rate\": %s,\n  \"as\": \"%s\",\n",
       (unsigned long long)o->seed, sc, br, as_names[o->as]);
    jb(&b, "  \"event_time\": {\"from\": \"2025-01-01T00:00:00Z\", \"to\": \"2026-01-01T00:00:00Z\"},\n");
    uint64_t total_rows = 0, total_bytes = 0;
    for (int i = 0; i < ST_GEN_NSOURCES; i++)
        if (R->src[i].on) total_rows += R->src[i].rep.rows, total_bytes += R->src[i].rep.bytes;
    jb(&b, "  \"total_rows\": %llu,\n  \"total_bytes\": %llu,\n", (unsigned long long)total_rows,
       (unsigned long long)total_bytes);
    jb(&b, "  \"sources\": {");
    bool first = true;
    for (int i = 0; i < ST_GEN_NSOURCES; i++) {
        const src_run *s = &R->src[i];
        if (!s->on) continue;
        const st_gen_file_report *r = &s->rep;
        jb(&b, "%s\n    \"%s\": {\n", first ? "" : ",", source_names[i]);
        first = false;
        jb(&b, "      \"file\": \"%s\",\n      \"format\": \"%s\",\n      \"header\": %s,\n",
           r->file, r->csv ? "csv" : "ndjson", r->csv ? "true" : "false");
        jb(&b, "      \"kind\": \"%s\",\n",
           i <= ST_GEN_PRICING ? "stream" : i <= ST_GEN_MARKET_DATA ? "batch" : "reference");
        jb(&b, "      \"rows\": %llu,\n      \"bytes\": %llu,\n      \"bad\": %llu,\n",
           (unsigned long long)r->rows, (unsigned long long)r->bytes, (unsigned long long)r->bad);
        jb(&b, "      \"bad_by_kind\": {");
        for (int k = 1; k < ST_GEN_BAD_NKINDS; k++)
            jb(&b, "%s\"%s\": %llu", k > 1 ? ", " : "", bad_names[k],
               (unsigned long long)r->bad_by_kind[k]);
        jb(&b, "},\n");
        jb(&b,
           "      \"duplicates\": %llu,\n      \"late\": %llu,\n      \"out_of_order\": %llu,\n"
           "      \"orphans\": %llu,\n",
           (unsigned long long)r->duplicates, (unsigned long long)r->late,
           (unsigned long long)r->out_of_order, (unsigned long long)r->orphans);
        if (r->min_ts_ms || r->max_ts_ms) {
            char a[ST_FORMAT_MAX + 2], z[ST_FORMAT_MAX + 2];
            ts_iso(r->min_ts_ms, a);
            ts_iso(r->max_ts_ms, z);
            jb(&b, "      \"min_ts\": \"%s\",\n      \"max_ts\": \"%s\",\n", a, z);
        }
        jb(&b, "      \"columns\": [");
        const gen_schema *sch = s->impl->schema;
        for (uint32_t c = 0; c < sch->ncols; c++) {
            char tb[32];
            jb(&b, "%s\n        {\"name\": \"%s\", \"type\": \"%s\", \"required\": %s}",
               c ? "," : "", sch->cols[c].name, sql_type(&sch->cols[c], tb),
               sch->cols[c].required ? "true" : "false");
        }
        jb(&b, "\n      ]\n    }");
    }
    jb(&b, "\n  }\n}\n");
    if (b.oom) {
        free(b.p);
        st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
        return NULL;
    }
    return b.p;
}

/* ---- st_gen_run ---------------------------------------------------------- */


st_status st_gen_run(const st_gen_options *o, const char *out_dir, st_gen_report *rep,
                     st_error *e) {
    ST_TRY(st_gen_check_options(o, e));
    char out[PATH_MAX], parent[PATH_MAX], tmpdir[PATH_MAX];
    size_t L = out_dir ? strlen(out_dir) : 0;
    while (L > 1 && out_dir[L - 1] == '/') L--;
    if (L == 0) return st_error_set(e, ST_ERR_INVALID, "no output folder given");
    if (L >= sizeof out - 64) return st_error_set(e, ST_ERR_INVALID, "output folder path too long");
    memcpy(out, out_dir, L);
    out[L] = '\0';
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    if (!strcmp(out, "/") || !strcmp(base, ".") || !strcmp(base, ".."))
        return st_error_set(e, ST_ERR_INVALID, "%s: give a folder name to create", out);
    if (!slash) snprintf(parent, sizeof parent, ".");
    else if (slash == out) snprintf(parent, sizeof parent, "/");
    else snprintf(parent, sizeof parent, "%.*s", (int)(slash - out), out);

    ST_TRY(check_target(out, e));
    if (st_mkdir_p(parent, e) != ST_OK)
        return st_error_prefix(e, "cannot create the output folder %s: ", out);

    run R;
    memset(&R, 0, sizeof R);
    R.o = o;
    uint32_t sel = o->sources ? o->sources : (1u << ST_GEN_NSOURCES) - 1;
    double est = 0;
    for (int i = 0; i < ST_GEN_NSOURCES; i++) {
        src_run *s = &R.src[i];
        s->on = (sel >> i) & 1;
        if (!s->on) continue;
        s->impl = impls[i];
        s->json = o->as == ST_GEN_AS_NDJSON || (o->as == ST_GEN_AS_NATIVE && i <= ST_GEN_PRICING);
        s->max_ts = INT64_MIN;
        s->rep.source = (st_gen_source)i;
        s->rep.csv = !s->json;
        snprintf(s->rep.file, sizeof s->rep.file, "%s.%s", source_names[i],
                 s->json ? "ndjson" : "csv");
        est += (double)s->impl->planned_rows(o->scale) * row_bytes[i][s->json];
    }
    struct statvfs vfs;
    if (statvfs(parent, &vfs) == 0) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (est * 1.1 + 16e6 > avail)
            return st_error_set(e, ST_ERR_LIMIT,
                                "not enough free space in %s: about %.0f MB needed, %.0f MB free",
                                parent, est * 1.1 / 1e6, avail / 1e6);
    }

    /* a hidden sibling; mkdir (not mkdtemp) so the umask, not 0700, decides
     * the published folder's mode */
    for (int attempt = 0;; attempt++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t tag = gen_mix((uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_nsec ^ (uint64_t)attempt);
        int tn = snprintf(tmpdir, sizeof tmpdir, "%s/.%s.gen-%06llx", parent, base,
                          (unsigned long long)(tag & 0xffffff));
        if (tn < 0 || (size_t)tn >= sizeof tmpdir)
            return st_error_set(e, ST_ERR_INVALID, "output folder path too long");
        if (mkdir(tmpdir, 0777) == 0) break;
        if (errno != EEXIST || attempt > 100)
            return st_error_errno(e, errno, "cannot create the output folder %s", out);
    }

    st_status rc = ST_OK;
    uint32_t threads = st_thread_count(o->threads);
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv, NULL);
    R.w = malloc(sizeof(gen_world));
    if (!R.w) {
        rc = st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
        goto cleanup;
    }
    ST_CHECK(rc, gen_world_build(R.w, o, e));
    for (int i = 0; i < ST_GEN_NSOURCES; i++) {
        src_run *s = &R.src[i];
        if (!s->on) continue;
        ST_CHECK(rc, s->impl->plan(R.w, threads, &s->state, &s->nchunks, e));
        if (interrupted(&R)) {
            rc = st_error_set(e, ST_ERR_INTERRUPTED, "interrupted");
            goto cleanup;
        }
        s->target = s->impl->planned_rows(o->scale);
        R.rows_total += s->target;
        R.ntasks += s->nchunks;
        ST_CHECK(rc, st_wfile_create_tmp(tmpdir, source_names[i], &s->f, e));
        if (!s->json) {
            gen_out hdr = {0};
            gen_emit_header(&hdr, s->impl->schema, false);
            rc = hdr.oom ? st_error_set(e, ST_ERR_NOMEM, "gen: out of memory")
                         : st_wfile_write(s->f, hdr.p, hdr.len, e);
            gen_out_free(&hdr);
            if (rc != ST_OK) goto cleanup;
        }
    }
    R.tasks = malloc(sizeof(task) * (R.ntasks ? R.ntasks : 1));
    R.outs = calloc(threads, sizeof(gen_out));
    if (!R.tasks || !R.outs) {
        rc = st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
        goto cleanup;
    }
    {
        uint64_t t = 0;
        for (int i = 0; i < ST_GEN_NSOURCES; i++)
            for (uint32_t c = 0; R.src[i].on && c < R.src[i].nchunks; c++)
                R.tasks[t++] = (task){(uint8_t)i, c};
    }
    rc = st_parallel_for(threads, R.ntasks, task_fn, &R, e);
    if (R.failed) { /* report the first real failure, not a waiter's "stopped" */
        rc = R.rc;
        if (e) *e = R.err;
    }
    if (rc != ST_OK) goto cleanup;

    /* publish every file inside the temporary folder, then the manifest */
    for (int i = 0; i < ST_GEN_NSOURCES; i++) {
        src_run *s = &R.src[i];
        if (!s->on) continue;
        char path[PATH_MAX];
        if (!pjoin(path, sizeof path, tmpdir, s->rep.file)) {
            rc = st_error_set(e, ST_ERR_INVALID, "output folder path too long");
            goto cleanup;
        }
        s->rep.bytes = st_wfile_offset(s->f);
        st_wfile *f = s->f;
        s->f = NULL;
        ST_CHECK(rc, st_wfile_publish(f, path, ST_PUBLISH_REPLACE, e));
    }
    {
        char *m = build_manifest(&R, e);
        if (!m) {
            rc = e ? e->code : ST_ERR_NOMEM;
            goto cleanup;
        }
        char path[PATH_MAX];
        if (!pjoin(path, sizeof path, tmpdir, ST_GEN_MANIFEST)) {
            free(m);
            rc = st_error_set(e, ST_ERR_INVALID, "output folder path too long");
            goto cleanup;
        }
        rc = st_write_file_atomic(path, m, strlen(m), ST_PUBLISH_REPLACE, e);
        free(m);
        if (rc != ST_OK) goto cleanup;
    }
    if (interrupted(&R)) {
        rc = st_error_set(e, ST_ERR_INTERRUPTED, "interrupted");
        goto cleanup;
    }
    if (rename(tmpdir, out) != 0) {
        int err = errno;
        if (err == ENOTEMPTY || err == EEXIST)
            rc = st_error_set(e, ST_ERR_EXISTS,
                              "%s: folder was filled by someone else meanwhile; nothing was written",
                              out);
        else
            rc = st_error_errno(e, err, "%s: cannot publish the generated folder", out);
        goto cleanup;
    }
    tmpdir[0] = '\0';
    ST_CHECK(rc, st_fsync_dir(parent, e));
    if (rep) {
        memset(rep, 0, sizeof *rep);
        for (int i = 0; i < ST_GEN_NSOURCES; i++)
            if (R.src[i].on) rep->files[rep->nfiles++] = R.src[i].rep;
    }

cleanup:
    for (int i = 0; i < ST_GEN_NSOURCES; i++) {
        src_run *s = &R.src[i];
        st_wfile_abort(s->f);
        if (s->impl && s->state) s->impl->done(s->state);
    }
    if (R.outs)
        for (uint32_t i = 0; i < threads; i++) gen_out_free(&R.outs[i]);
    free(R.outs);
    free(R.tasks);
    if (R.w) gen_world_free(R.w);
    free(R.w);
    pthread_mutex_destroy(&R.mu);
    pthread_cond_destroy(&R.cv);
    if (tmpdir[0]) remove_tree(tmpdir);
    return rc;
}
