/*
 * table.c: snapshots, time travel and put-if-absent commits over a table's
 * log (see table.h for the protocol and spec/LOG.md for the files).
 *
 * Finding the versions: the _log directory is listed once per load; every
 * name that is 20 digits + ".json" is an entry, 20 digits +
 * ".checkpoint.json" a checkpoint, anything else is ignored (temp files of
 * writers in flight or killed).  Versions must be contiguous from 0: a gap
 * below the highest version is damage.  Because a concurrent writer may
 * publish while we list, the listing is followed by probing version+1,
 * version+2, ... until one is absent, so "latest" is never older than the
 * moment the load started.
 *
 * Loading: newest checkpoint <= the wanted version, then the entries after
 * it.  A checkpoint that fails to decode is skipped (an older one, or a
 * replay from version 0, gives the same state); `verify` reports it.
 */
#include "engine/table.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "format/io.h"

struct st_table {
    st_warehouse *w;
    st_tname name;
    char *dir;
    char *log_dir;
    char *data_dir;
    st_error poison; /* sticky failure of an earlier commit's fsync */
};

static char *path_fmt(const char *fmt, const char *a, const char *b, const char *c) {
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + (c ? strlen(c) : 0) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, fmt, a, b, c);
    return p;
}

st_status st_table_open(st_warehouse *w, const st_tname *name, st_table **out, st_error *e) {
    *out = NULL;
    st_table *t = calloc(1, sizeof *t);
    if (!t) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    t->w = w;
    t->name = *name;
    t->name.rejects = false;
    t->dir = path_fmt("%s/%s/%s", st_warehouse_dir(w), name->layer, name->name);
    if (t->dir) {
        t->log_dir = path_fmt("%s/_log%s%s", t->dir, "", "");
        t->data_dir = path_fmt("%s/data%s%s", t->dir, "", "");
    }
    if (!t->dir || !t->log_dir || !t->data_dir) {
        st_table_close(t);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    *out = t;
    return ST_OK;
}

void st_table_close(st_table *t) {
    if (!t) return;
    free(t->dir);
    free(t->log_dir);
    free(t->data_dir);
    free(t);
}

static void entry_path(const st_table *t, int64_t v, bool ckpt, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%020" PRId64 "%s", t->log_dir, v, ckpt ? ".checkpoint.json" : ".json");
}

bool st_table_exists(const st_table *t) {
    char p[PATH_MAX];
    entry_path(t, 0, false, p, sizeof p);
    return st_path_exists(p);
}

const char *st_table_name(const st_table *t) { return t->name.full; }
const char *st_table_dir(const st_table *t) { return t->dir; }
const char *st_table_data_dir(const st_table *t) { return t->data_dir; }
st_warehouse *st_table_warehouse(const st_table *t) { return t->w; }

void st_table_seg_path(const st_table *t, const char *id, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s.seg", t->data_dir, id);
}

void st_table_dv_path(const st_table *t, const char *id, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s.dv", t->data_dir, id);
}

st_status st_table_require(const st_table *t, st_error *e) {
    if (st_table_exists(t)) return ST_OK;
    char **names = NULL;
    uint32_t n = 0;
    st_sbuf sb = ST_SBUF_INIT;
    if (st_warehouse_tables(t->w, NULL, &names, &n, NULL) == ST_OK) {
        for (uint32_t i = 0; i < n && i < 20; i++) st_sbuf_printf(&sb, "%s%s", i ? ", " : "", names[i]);
        if (n > 20) st_sbuf_printf(&sb, ", ... (%u in all)", n);
    }
    st_error_set(e, ST_ERR_NOT_FOUND, "no table %s in %s (%s%s)", t->name.full, st_warehouse_dir(t->w),
                 n ? "tables: " : "the warehouse has no tables yet", st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    st_strv_free(names, n);
    return ST_ERR_NOT_FOUND;
}

/* ---- time -------------------------------------------------------------------- */

int64_t st_now_us(void) {
    const char *pin = getenv("STRATA_NOW");
    if (pin && *pin) {
        int64_t us;
        if (st_parse_timestamp(pin, strlen(pin), &us, NULL) == ST_OK) return us;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void st_format_ts(int64_t us, char buf[40]) {
    /* millisecond precision is what commit timestamps carry in practice */
    st_format_timestamp(us, buf);
}

/* ---- listing ----------------------------------------------------------------- */

typedef struct loglist {
    int64_t latest; /* -1: no entries */
    int64_t *ckpts; /* ascending */
    size_t nck;
} loglist;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool parse_version_name(const char *n, int64_t *v, bool *ckpt) {
    for (int i = 0; i < 20; i++)
        if (n[i] < '0' || n[i] > '9') return false;
    if (!strcmp(n + 20, ".json")) *ckpt = false;
    else if (!strcmp(n + 20, ".checkpoint.json")) *ckpt = true;
    else return false;
    char d[21];
    memcpy(d, n, 20);
    d[20] = 0;
    unsigned long long x = strtoull(d, NULL, 10);
    if (x > (unsigned long long)INT64_MAX - 1) return false;
    *v = (int64_t)x;
    return true;
}

static st_status list_log(st_table *t, loglist *out, st_error *e) {
    memset(out, 0, sizeof *out);
    out->latest = -1;
    DIR *d = opendir(t->log_dir);
    if (!d) {
        if (errno == ENOENT) return ST_OK;
        return st_error_errno(e, errno, "%s: cannot list", t->log_dir);
    }
    int64_t *vs = NULL;
    size_t nv = 0, cv = 0, cc = 0;
    struct dirent *de;
    st_status rc = ST_OK;
    while ((de = readdir(d))) {
        int64_t v;
        bool ck;
        if (!parse_version_name(de->d_name, &v, &ck)) continue;
        int64_t **arr = ck ? &out->ckpts : &vs;
        size_t *n = ck ? &out->nck : &nv, *cap = ck ? &cc : &cv;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            int64_t *na = realloc(*arr, *cap * sizeof *na);
            if (!na) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                break;
            }
            *arr = na;
        }
        (*arr)[(*n)++] = v;
    }
    closedir(d);
    if (rc) goto fail;
    if (nv) qsort(vs, nv, sizeof *vs, cmp_i64);
    if (out->nck) qsort(out->ckpts, out->nck, sizeof *out->ckpts, cmp_i64);
    /* contiguous from 0 (a gap may be a file published while we listed) */
    int64_t expect = 0;
    for (size_t i = 0; i < nv; i++) {
        if (vs[i] == expect) {
            expect++;
            continue;
        }
        char p[PATH_MAX];
        entry_path(t, expect, false, p, sizeof p);
        if (st_path_exists(p)) {
            expect++;
            i--;
            continue;
        }
        rc = st_error_set(e, ST_ERR_CORRUPT, "%s: log entry %" PRId64 " is missing but version %" PRId64
                          " exists: the log is damaged", t->log_dir, expect, vs[i]);
        goto fail;
    }
    for (;;) { /* probe past what the listing saw */
        char p[PATH_MAX];
        entry_path(t, expect, false, p, sizeof p);
        if (!st_path_exists(p)) break;
        expect++;
    }
    free(vs);
    out->latest = expect - 1;
    return ST_OK;
fail:
    free(vs);
    free(out->ckpts);
    out->ckpts = NULL;
    out->nck = 0;
    return rc;
}

static void loglist_free(loglist *l) { free(l->ckpts); }

st_status st_table_latest(st_table *t, int64_t *version, st_error *e) {
    loglist l;
    ST_TRY(list_log(t, &l, e));
    *version = l.latest;
    loglist_free(&l);
    return ST_OK;
}

st_status st_table_read_entry(st_table *t, int64_t version, st_logentry **out, st_error *e) {
    char p[PATH_MAX];
    entry_path(t, version, false, p, sizeof p);
    st_buf *b = NULL;
    st_status rc = st_file_read(p, ST_LOG_ENTRY_MAX, &b, e);
    if (rc == ST_ERR_LIMIT) {
        if (e) e->code = ST_ERR_CORRUPT;
        return ST_ERR_CORRUPT;
    }
    if (rc) return rc;
    rc = st_logentry_decode(st_buf_data(b), st_buf_len(b), p, version, out, e);
    st_buf_unref(b);
    return rc;
}

static st_status read_checkpoint(st_table *t, int64_t v, st_logstate **out, st_error *e) {
    char p[PATH_MAX];
    entry_path(t, v, true, p, sizeof p);
    st_buf *b = NULL;
    ST_TRY(st_file_read(p, ST_LOG_CHECKPOINT_MAX, &b, e));
    st_status rc = st_logstate_decode(st_buf_data(b), st_buf_len(b), p, v, out, e);
    st_buf_unref(b);
    return rc;
}

/* Replay entries (state->version, target] into state. */
static st_status replay(st_table *t, st_logstate *state, int64_t target, st_error *e) {
    for (int64_t v = state->version + 1; v <= target; v++) {
        st_logentry *le;
        ST_TRY(st_table_read_entry(t, v, &le, e));
        char p[PATH_MAX];
        entry_path(t, v, false, p, sizeof p);
        st_status rc = st_logstate_apply(state, le, p, e);
        st_logentry_free(le);
        if (rc) return rc;
    }
    return ST_OK;
}

static st_status load_from(st_table *t, const loglist *l, int64_t version, st_logstate **out,
                           st_error *e) {
    *out = NULL;
    st_logstate *s = NULL;
    for (size_t i = l->nck; i-- > 0;) {
        if (l->ckpts[i] > version) continue;
        st_error ce;
        if (read_checkpoint(t, l->ckpts[i], &s, &ce) == ST_OK) break;
        s = NULL; /* unreadable checkpoint: fall back to an older one */
    }
    if (!s && !(s = st_logstate_new())) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = replay(t, s, version, e);
    if (rc) {
        st_logstate_free(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}

st_status st_table_load(st_table *t, int64_t version, st_logstate **out, st_error *e) {
    *out = NULL;
    loglist l;
    ST_TRY(list_log(t, &l, e));
    st_status rc = ST_OK;
    if (l.latest < 0) rc = st_table_require(t, e);
    else if (version > l.latest)
        rc = st_error_set(e, ST_ERR_NOT_FOUND, "%s: version %" PRId64 " does not exist; versions 0 to %"
                          PRId64 " exist", t->name.full, version, l.latest);
    if (!rc) rc = load_from(t, &l, version < 0 ? l.latest : version, out, e);
    loglist_free(&l);
    return rc;
}

/* ---- time travel ------------------------------------------------------------- */

st_status st_as_of_parse(const char *text, st_as_of *out, st_error *e) {
    *out = ST_AS_OF_LATEST;
    if (!text || !*text) return st_error_set(e, ST_ERR_INVALID, "--as-of needs a version or a timestamp");
    const char *p = text;
    while (*p >= '0' && *p <= '9') p++;
    if (!*p) {
        if (p - text > 18) return st_error_set(e, ST_ERR_INVALID, "version '%s' is too large", text);
        out->version = strtoll(text, NULL, 10);
        return ST_OK;
    }
    if (st_parse_timestamp(text, strlen(text), &out->ts_us, NULL) != ST_OK)
        return st_error_set(e, ST_ERR_INVALID, "--as-of '%s' is neither a version number nor a timestamp "
                            "(like 2026-01-31 12:00:00)", text);
    return ST_OK;
}

static st_status entry_ts(st_table *t, int64_t v, int64_t *ts, st_error *e) {
    st_logentry *le;
    ST_TRY(st_table_read_entry(t, v, &le, e));
    *ts = le->ts_us;
    st_logentry_free(le);
    return ST_OK;
}

/* Resolve a to a version; with keep, also hand over the latest state when
 * it was loaded (for_data) and is the version resolved (else *keep = NULL).
 * The latest version needs no entry read beyond the state: the commit
 * timestamps are read only for a timestamp search and for error messages
 * (each read decodes a whole entry, large for a table of many segments). */
static st_status resolve(st_table *t, st_as_of a, bool for_data, int64_t *version, st_logstate **keep,
                         st_error *e) {
    if (keep) *keep = NULL;
    loglist l;
    ST_TRY(list_log(t, &l, e));
    st_status rc = ST_OK;
    st_logstate *latest = NULL;
    if (l.latest < 0) {
        rc = st_table_require(t, e);
        goto done;
    }
    int64_t lo = 0;
    if (for_data) {
        if ((rc = load_from(t, &l, l.latest, &latest, e))) goto done;
        lo = latest->retain_from;
    }
    char t0[40], t1[40], tx[40];
    int64_t ts_lo = 0, ts_hi = 0;
    bool latest_only = a.version < 0 && a.ts_us == INT64_MIN;
    bool version_ok = a.version >= 0 && a.version <= l.latest && a.version >= lo;
    if (!latest_only && !version_ok) {
        if ((rc = entry_ts(t, lo, &ts_lo, e)) || (rc = entry_ts(t, l.latest, &ts_hi, e))) goto done;
        st_format_ts(ts_lo, t0);
        st_format_ts(ts_hi, t1);
    }
    if (a.version >= 0) {
        if (!version_ok) {
            rc = st_error_set(e, ST_ERR_NOT_FOUND,
                              "%s: version %" PRId64 " %s; versions %" PRId64 " to %" PRId64
                              " exist (%s to %s)", t->name.full, a.version,
                              a.version > l.latest ? "does not exist"
                                                   : "is no longer readable (vacuum removed its files)",
                              lo, l.latest, t0, t1);
            goto done;
        }
        *version = a.version;
    } else if (a.ts_us != INT64_MIN) {
        st_format_ts(a.ts_us, tx);
        if (a.ts_us < ts_lo) {
            rc = st_error_set(e, ST_ERR_NOT_FOUND,
                              "%s: no version at or before %s; the %s is version %" PRId64
                              " at %s (versions %" PRId64 " to %" PRId64 " exist, %s to %s)",
                              t->name.full, tx, lo ? "oldest readable" : "first", lo, t0, lo, l.latest,
                              t0, t1);
            goto done;
        }
        if (a.ts_us > ts_hi && a.ts_us > st_now_us()) {
            rc = st_error_set(e, ST_ERR_NOT_FOUND,
                              "%s: %s is in the future, and a later commit could still land before it; "
                              "the latest is version %" PRId64 " at %s (versions %" PRId64 " to %" PRId64
                              " exist)", t->name.full, tx, l.latest, t1, lo, l.latest);
            goto done;
        }
        /* latest version with ts <= a.ts_us, by binary search (timestamps
         * strictly increase with the version) */
        int64_t L = lo, H = l.latest;
        if (a.ts_us >= ts_hi) L = H;
        while (L < H) {
            int64_t mid = L + (H - L + 1) / 2;
            int64_t ts;
            if ((rc = entry_ts(t, mid, &ts, e))) goto done;
            if (ts <= a.ts_us) L = mid;
            else H = mid - 1;
        }
        *version = L;
    } else {
        *version = l.latest;
    }
    if (keep && latest && *version == l.latest) {
        *keep = latest;
        latest = NULL;
    }
done:
    st_logstate_free(latest);
    loglist_free(&l);
    return rc;
}

st_status st_table_resolve(st_table *t, st_as_of a, bool for_data, int64_t *version, st_error *e) {
    return resolve(t, a, for_data, version, NULL, e);
}

st_status st_table_load_as_of(st_table *t, st_as_of a, bool for_data, st_logstate **out,
                              st_error *e) {
    int64_t v;
    *out = NULL;
    ST_TRY(resolve(t, a, for_data, &v, out, e));
    if (*out) return ST_OK; /* the latest state, loaded while resolving */
    return st_table_load(t, v, out, e);
}

/* ---- writing ------------------------------------------------------------------ */

void st_seg_id_new(char out[ST_SEG_ID_LEN + 1]) {
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n > 0) got += (size_t)n;
        else if (n < 0 && errno != EINTR) break;
    }
    if (got < sizeof r) { /* no entropy source: time, pid and a counter */
        static unsigned long ctr;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t a = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30), b = ((uint64_t)getpid() << 32) ^ ++ctr;
        memcpy(r, &a, 8);
        memcpy(r + 8, &b, 8);
    }
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hx[r[i] >> 4];
        out[2 * i + 1] = hx[r[i] & 15];
    }
    out[ST_SEG_ID_LEN] = '\0';
}

st_status st_table_prepare(st_table *t, st_error *e) {
    bool had_dir = st_is_dir(t->dir), had_log = st_is_dir(t->log_dir), had_data = st_is_dir(t->data_dir);
    if (had_log && had_data) return ST_OK;
    ST_TRY(st_mkdir_p(t->log_dir, e));
    ST_TRY(st_mkdir_p(t->data_dir, e));
    /* make the new directory entries durable, parents last */
    ST_TRY(st_fsync_dir(t->dir, e));
    if (!had_dir) {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s/%s", st_warehouse_dir(t->w), t->name.layer);
        ST_TRY(st_fsync_dir(parent, e));
    }
    return ST_OK;
}

static bool has_data_change(const st_logentry *x) {
    return x->nadds || x->nremoves || x->ndvs || x->op == ST_OP_RESTORE;
}

/* Is le still valid after `other` (committed since le's snapshot)?  Returns
 * ST_OK, ST_ERR_CONFLICT, or ST_ERR_EXISTS for a duplicate idempotent batch. */
static st_status check_conflict(const st_table *t, const st_logstate *after, st_logentry *le,
                                const st_logentry *other, st_error *e) {
    if (le->txn_app && other->txn_app && !strcmp(le->txn_app, other->txn_app) &&
        other->txn_seq >= le->txn_seq)
        return ST_ERR_EXISTS;
    /* a transform decided which rows to replace from the rows it read: any
     * other change to the rows (or to what was consumed) invalidates that */
    if ((le->op == ST_OP_TRANSFORM || le->ndvs || le->ninputs) && (has_data_change(other) || other->ninputs))
        return st_error_set(e, ST_ERR_CONFLICT, "%s: version %" PRId64 " (%s) changed the table while this "
                            "transform was running; run it again", t->name.full, other->version,
                            st_log_op_name((st_log_op)other->op));
    if (le->op == ST_OP_CREATE) {
        /* another writer created the table first: fine if the schemas agree */
        if (other->op == ST_OP_CREATE && other->schema && le->schema) {
            st_tschema *a = le->schema, *b = other->schema;
            bool same = a->nfields == b->nfields;
            for (uint32_t i = 0; same && i < a->nfields; i++)
                same = a->fields[i].id == b->fields[i].id && !strcmp(a->fields[i].name, b->fields[i].name) &&
                       st_type_eq(a->fields[i].type, b->fields[i].type) &&
                       a->fields[i].nullable == b->fields[i].nullable;
            same = same && a->part_kind == b->part_kind && a->part_field == b->part_field &&
                   a->ncluster == b->ncluster &&
                   (!a->ncluster || !memcmp(a->cluster, b->cluster, a->ncluster * sizeof *a->cluster));
            if (same) {
                st_tschema_free(le->schema);
                le->schema = NULL;
                le->op = ST_OP_APPEND;
                return ST_OK;
            }
        }
        return st_error_set(e, ST_ERR_CONFLICT, "%s: another writer created the table at the same time "
                            "with a different schema; run the ingest again to append under its schema",
                            t->name.full);
    }
    if (le->schema && other->schema)
        return st_error_set(e, ST_ERR_CONFLICT, "%s: the schema changed in version %" PRId64
                            " while this commit was changing it too; run it again", t->name.full,
                            other->version);
    if (le->stream_key && other->stream_key && !strcmp(le->stream_key, other->stream_key))
        return st_error_set(e, ST_ERR_CONFLICT, "%s: version %" PRId64 " was committed by another "
                            "process following %s; only one may follow a stream", t->name.full,
                            other->version, le->stream_key);
    if (le->op == ST_OP_RESTORE && has_data_change(other))
        return st_error_set(e, ST_ERR_CONFLICT, "%s: version %" PRId64 " changed the data while the "
                            "restore was being written; run the restore again", t->name.full,
                            other->version);
    if (le->op == ST_OP_OVERWRITE && has_data_change(other)) {
        /* an overwrite replaces whole partitions: rows another writer added
         * to one of them meanwhile would survive it, or vanish, depending on
         * timing; refuse instead (an unpartitioned table is one partition) */
        bool touched = false;
        for (uint32_t i = 0; i < other->nadds && !touched; i++) {
            const st_segrec *o = &other->adds[i];
            if (!o->has_part) touched = true;
            for (uint32_t k = 0; k < le->nadds && !touched; k++)
                touched = le->adds[k].has_part && ((!o->part_key && !le->adds[k].part_key) ||
                          (o->part_key && le->adds[k].part_key && !strcmp(o->part_key, le->adds[k].part_key)));
        }
        if (other->op == ST_OP_RESTORE || touched)
            return st_error_set(e, ST_ERR_CONFLICT, "%s: version %" PRId64 " wrote to a partition "
                                "this INSERT OVERWRITE replaces; run it again", t->name.full,
                                other->version);
    }
    if (le->op == ST_OP_RESTORE && le->restore_of < after->retain_from)
        return st_error_set(e, ST_ERR_CONFLICT, "%s: a vacuum removed the files of version %" PRId64
                            " while it was being restored", t->name.full, le->restore_of);
    /* rewriting a segment whose deletion vector changed would bring its
     * deleted rows back */
    for (uint32_t i = 0; i < le->nremoves; i++)
        for (uint32_t k = 0; k < other->ndvs; k++)
            if (!strcmp(le->removes[i], other->dvs[k].seg))
                return st_error_set(e, ST_ERR_CONFLICT, "%s: version %" PRId64 " deleted rows of segment %s "
                                    "while this %s was rewriting it; run it again", t->name.full,
                                    other->version, le->removes[i], st_log_op_name((st_log_op)le->op));
    for (uint32_t i = 0; i < le->nremoves; i++)
        if (st_logstate_find_seg(after, le->removes[i]) < 0)
            return st_error_set(e, ST_ERR_CONFLICT, "%s: segment %s was removed by version %" PRId64
                                " while this %s was using it; run it again", t->name.full,
                                le->removes[i], other->version, st_log_op_name((st_log_op)le->op));
    return ST_OK;
}

static st_status write_checkpoint(st_table *t, const st_logstate *s, st_error *e) {
    st_sbuf sb = ST_SBUF_INIT;
    st_status rc = st_logstate_encode(s, &sb, e);
    if (!rc) {
        char p[PATH_MAX];
        entry_path(t, s->version, true, p, sizeof p);
        rc = st_write_file_atomic(p, sb.p, sb.len, ST_PUBLISH_NOREPLACE, e);
        if (rc == ST_ERR_EXISTS) rc = ST_OK; /* another writer made it: same content */
    }
    st_sbuf_free(&sb);
    return rc;
}

st_status st_table_commit(st_table *t, st_logstate *state, st_logentry *le, bool *duplicate,
                          st_error *e) {
    if (duplicate) *duplicate = false;
    if (t->poison.code) {
        if (e) *e = t->poison;
        return t->poison.code;
    }
    if ((le->op == ST_OP_CREATE) != (state->version < 0))
        return st_error_set(e, ST_ERR_INTERNAL, "commit: a create must start from an empty state");
    if (le->txn_app) {
        uint64_t seq;
        if (st_logstate_txn(state, le->txn_app, &seq) && seq >= le->txn_seq) {
            if (duplicate) *duplicate = true;
            return ST_OK;
        }
    }
    if (le->op == ST_OP_CREATE) ST_TRY(st_table_prepare(t, e));
    if (le->nadds) { /* the segments' names must be durable before the entry */
        st_status rc = st_fsync_dir(t->data_dir, e);
        if (rc) {
            t->poison = *e;
            return rc;
        }
    }
    le->read_version = state->version;
    st_sbuf sb = ST_SBUF_INIT;
    st_status rc = ST_OK;
    unsigned attempt = 0;
    bool is_dup = false;
    uint64_t rnd = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)st_now_us();
    for (;;) {
        le->version = state->version + 1;
        int64_t now = st_now_us();
        le->ts_us = state->version >= 0 && now < state->ts_us + 1000 ? state->ts_us + 1000 : now;
        if (le->op == ST_OP_CREATE) le->read_version = -1;
        st_sbuf_clear(&sb);
        if ((rc = st_logentry_encode(le, &sb, e))) break;
        char p[PATH_MAX];
        entry_path(t, le->version, false, p, sizeof p);
        rc = st_write_file_atomic(p, sb.p, sb.len, ST_PUBLISH_NOREPLACE, e);
        if (rc == ST_OK) {
            rc = st_logstate_apply(state, le, p, e);
            break;
        }
        if (rc != ST_ERR_EXISTS) { /* I/O failure: never retried */
            t->poison = *e;
            break;
        }
        /* lost the race: catch up entry by entry, checking each */
        bool dup = false;
        for (;;) {
            char np[PATH_MAX];
            entry_path(t, state->version + 1, false, np, sizeof np);
            if (!st_path_exists(np)) break;
            st_logentry *other;
            if ((rc = st_table_read_entry(t, state->version + 1, &other, e))) break;
            char op[PATH_MAX];
            entry_path(t, other->version, false, op, sizeof op);
            rc = st_logstate_apply(state, other, op, e);
            if (!rc) {
                rc = check_conflict(t, state, le, other, e);
                if (rc == ST_ERR_EXISTS) {
                    dup = true;
                    rc = ST_OK;
                }
            }
            st_logentry_free(other);
            if (rc) break;
        }
        if (rc) break;
        if (dup) {
            is_dup = true;
            break;
        }
        if (++attempt > 3) { /* heavy contention: back off a little */
            rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
            unsigned cap_ms = 1u << (attempt < 8 ? attempt : 8);
            usleep((useconds_t)(rnd % (cap_ms * 1000)));
        }
        if (attempt > 100000) {
            rc = st_error_set(e, ST_ERR_CONFLICT, "%s: gave up after %u lost commit races", t->name.full, attempt);
            break;
        }
    }
    st_sbuf_free(&sb);
    if (duplicate) *duplicate = is_dup;
    if (rc || is_dup) return rc;
    /* a checkpoint now and then; an accelerator, so a failure only poisons
     * this handle (its fsync is not retried) without undoing the commit */
    /* every `interval` versions; a state with many live segments (a stream
     * nobody compacted) is checkpointed proportionally less often, so the
     * bytes written for checkpoints stay linear in the log's size */
    uint64_t every = st_warehouse_config(t->w)->checkpoint_interval;
    if (state->nsegs > 1000) every *= (state->nsegs + 999) / 1000;
    if (state->version > 0 && every && state->version % (int64_t)every == 0) {
        st_error ce;
        if (write_checkpoint(t, state, &ce) != ST_OK && ce.code == ST_ERR_IO) t->poison = ce;
    }
    return ST_OK;
}
