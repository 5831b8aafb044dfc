/*
 * verify.c: whole-table verification (see verify.h).
 *
 * One pass over the entries replays the log (so every entry is decoded and
 * applied under the same rules a reader uses), checks each checkpoint against
 * the state replay reached at its version, and collects every segment record
 * a readable version names (the state at retain_from, plus every later add).
 * Those segments are then verified in parallel, each task writing its
 * findings into its own slot, reported in log order.  Deletion vector files
 * a readable version names are checked the same way: present, of the size
 * the log records, checksum and structure sound (format/dv.h), and bound to
 * their segment (its id and row count) with the deleted count the log says.
 */
#include "engine/verify.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/dv.h"
#include "format/hash.h"
#include "format/io.h"
#include "format/pool.h"
#include "format/segment.h"

typedef struct segcheck {
    st_segrec rec; /* copy; for a deletion vector: rec.id = the segment, rec.dv* = the vector */
    bool is_dv;
    bool error;
    char msg[ST_ERROR_MSG_MAX + 64];
} segcheck;

typedef struct vctx {
    st_table *t;
    segcheck *checks;
} vctx;

static bool zone_same(const st_zonemap *a, const st_zonemap *b) {
    if (a->rows != b->rows || a->null_count != b->null_count || a->has_min != b->has_min ||
        a->has_max != b->has_max || a->has_nan != b->has_nan)
        return false;
    if (a->has_min && st_zval_cmp(a->type, &a->min, &b->min)) return false;
    if (a->has_max && st_zval_cmp(a->type, &a->max, &b->max)) return false;
    return true;
}

static void hex_bytes(const char *hex, uint8_t out[16]) {
    for (int i = 0; i < 16; i++) {
        unsigned x = 0;
        for (int j = 0; j < 2; j++) {
            char c = hex[2 * i + j];
            x = x * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)x;
    }
}

static void check_dv(vctx *v, segcheck *c) {
    char path[PATH_MAX];
    st_table_dv_path(v->t, c->rec.dv, path, sizeof path);
    uint64_t size;
    st_error se;
    if (st_file_size(path, &size, &se) != ST_OK) {
        snprintf(c->msg, sizeof c->msg, "missing: the log names it as the deletion vector of segment %s, but the "
                 "file is gone", c->rec.id);
        c->error = true;
        return;
    }
    if (size != c->rec.dv_bytes) {
        snprintf(c->msg, sizeof c->msg, "%" PRIu64 " bytes, the log says %" PRIu64, size, c->rec.dv_bytes);
        c->error = true;
        return;
    }
    uint8_t id[16];
    hex_bytes(c->rec.id, id);
    st_dv *d = NULL;
    if (st_dv_read_file(path, id, c->rec.rows, c->rec.dv_rows, &d, &se) != ST_OK) {
        snprintf(c->msg, sizeof c->msg, "%s", se.msg);
        c->error = true;
    }
    st_dv_free(d);
}

static st_status check_one(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    (void)worker;
    (void)e;
    vctx *v = ctx;
    segcheck *c = &v->checks[task];
    if (c->is_dv) {
        check_dv(v, c);
        return ST_OK;
    }
    char path[PATH_MAX];
    st_table_seg_path(v->t, c->rec.id, path, sizeof path);
    st_error se;
    st_segment *seg = NULL;
    uint64_t size;
    if (st_file_size(path, &size, &se) != ST_OK) {
        snprintf(c->msg, sizeof c->msg, "missing: the log names it (%" PRIu64 " rows) but the file is gone",
                 c->rec.rows);
        c->error = true;
        return ST_OK;
    }
    if (size != c->rec.bytes) {
        snprintf(c->msg, sizeof c->msg, "%" PRIu64 " bytes, the log says %" PRIu64, size, c->rec.bytes);
        c->error = true;
        return ST_OK;
    }
    if (st_segment_open(path, &seg, &se) != ST_OK || st_segment_verify(seg, &se) != ST_OK) {
        snprintf(c->msg, sizeof c->msg, "%s", se.msg);
        c->error = true;
        st_segment_close(seg);
        return ST_OK;
    }
    char hex[ST_SEG_ID_LEN + 1];
    const uint8_t *id = st_segment_id(seg);
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
    if (strcmp(hex, c->rec.id)) {
        snprintf(c->msg, sizeof c->msg, "the segment inside is %s, not the one the log names", hex);
        c->error = true;
    } else if (st_segment_rows(seg) != c->rec.rows) {
        snprintf(c->msg, sizeof c->msg, "%" PRIu64 " rows, the log says %" PRIu64, st_segment_rows(seg), c->rec.rows);
        c->error = true;
    } else {
        for (uint32_t z = 0; z < c->rec.nzones; z++) {
            int col = st_segment_column_by_id(seg, c->rec.zones[z].field_id);
            if (col < 0 || !zone_same(st_segment_zonemap(seg, (uint32_t)col), &c->rec.zones[z].zm)) {
                snprintf(c->msg, sizeof c->msg, "the zone map of field %u differs from the log's",
                         c->rec.zones[z].field_id);
                c->error = true;
                break;
            }
        }
    }
    st_segment_close(seg);
    return ST_OK;
}

typedef struct idset {
    char (*k)[ST_SEG_ID_LEN + 1];
    uint32_t cap, n;
} idset;

static bool ids_has(const idset *s, const char *id) {
    if (!s->cap) return false;
    for (uint32_t h = (uint32_t)st_hash_bytes(id, ST_SEG_ID_LEN) & (s->cap - 1); s->k[h][0]; h = (h + 1) & (s->cap - 1))
        if (!memcmp(s->k[h], id, ST_SEG_ID_LEN)) return true;
    return false;
}

static bool ids_add(idset *s, const char *id) {
    if (ids_has(s, id)) return true;
    if ((s->n + 1) * 2 > s->cap) {
        idset n = {0};
        n.cap = s->cap ? s->cap * 2 : 64;
        if (!(n.k = calloc(n.cap, sizeof *n.k))) return false;
        for (uint32_t i = 0; i < s->cap; i++)
            if (s->k[i][0]) ids_add(&n, s->k[i]);
        free(s->k);
        *s = n;
    }
    uint32_t h = (uint32_t)st_hash_bytes(id, ST_SEG_ID_LEN) & (s->cap - 1);
    while (s->k[h][0]) h = (h + 1) & (s->cap - 1);
    memcpy(s->k[h], id, ST_SEG_ID_LEN + 1);
    s->n++;
    return true;
}

/* Queue the check of the deletion vector of segment record r. */
static st_status push_dv(segcheck **checks, uint32_t *n, uint32_t *cap, idset *keep, const st_segrec *r,
                         st_error *e) {
    if (!ids_add(keep, r->dv)) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 64;
        segcheck *x = realloc(*checks, nc * sizeof *x);
        if (!x) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        *checks = x;
        *cap = nc;
    }
    segcheck *c = &(*checks)[*n];
    memset(c, 0, sizeof *c);
    c->is_dv = true;
    memcpy(c->rec.id, r->id, sizeof c->rec.id);
    memcpy(c->rec.dv, r->dv, sizeof c->rec.dv);
    c->rec.rows = r->rows;
    c->rec.dv_rows = r->dv_rows;
    c->rec.dv_bytes = r->dv_bytes;
    (*n)++;
    return ST_OK;
}

static void report(st_verify_fn fn, void *ctx, st_verify_stats *st, bool err, const char *file, const char *fmt,
                   ...) __attribute__((format(printf, 6, 7)));
static void report(st_verify_fn fn, void *ctx, st_verify_stats *st, bool err, const char *file, const char *fmt,
                   ...) {
    char msg[ST_ERROR_MSG_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (err) st->errors++;
    else st->warnings++;
    if (fn) fn(ctx, err, file, msg);
}

st_status st_table_verify(st_table *t, uint32_t threads, st_verify_fn fn, void *ctx, st_verify_stats *st,
                          st_error *e) {
    memset(st, 0, sizeof *st);
    ST_TRY(st_table_require(t, e));
    char logdir[PATH_MAX];
    snprintf(logdir, sizeof logdir, "%s/_log", st_table_dir(t));
    int64_t latest;
    st_error le_err;
    if (st_table_latest(t, &latest, &le_err) != ST_OK) {
        report(fn, ctx, st, true, logdir, "%s", le_err.msg);
        return ST_OK;
    }
    /* which checkpoints exist */
    uint8_t *has_ck = calloc((size_t)latest + 1, 1);
    idset named = {0}, keep = {0};
    segcheck *checks = NULL;
    uint32_t nchecks = 0, ccap = 0;
    st_status rc = ST_OK;
    if (!has_ck) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    DIR *d = opendir(logdir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *n = de->d_name;
        char p[PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", logdir, n);
        if (strlen(n) == 36 && !strcmp(n + 20, ".checkpoint.json")) {
            int64_t v = strtoll(n, NULL, 10);
            if (v >= 0 && v <= latest) has_ck[v] = 1;
            else report(fn, ctx, st, true, p, "a checkpoint beyond the latest version %" PRId64, latest);
        } else if (!strncmp(n, ".tmp-", 5)) {
            report(fn, ctx, st, false, p, "temporary file of a writer that did not finish (vacuum removes it)");
        }
    }
    if (d) closedir(d);
    /* replay */
    st_logstate *s = st_logstate_new();
    if (!s) {
        free(has_ck);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    int64_t retain_from = 0;
    for (int64_t v = 0; v <= latest; v++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%020" PRId64 ".json", logdir, v);
        st_logentry *le = NULL;
        st_error x;
        if (st_table_read_entry(t, v, &le, &x) != ST_OK || st_logstate_apply(s, le, p, &x) != ST_OK) {
            report(fn, ctx, st, true, p, "%s", x.msg);
            st_logentry_free(le);
            st_logstate_free(s);
            s = NULL;
            break;
        }
        st->versions++;
        for (uint32_t i = 0; i < le->nadds; i++)
            if (!ids_add(&named, le->adds[i].id) || (le->adds[i].dv[0] && !ids_add(&named, le->adds[i].dv)))
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < le->ndvs; i++)
            if (!ids_add(&named, le->dvs[i].id)) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        st_logentry_free(le);
        if (rc) break;
        if (has_ck[v]) {
            char cp[PATH_MAX + 64];
            snprintf(cp, sizeof cp, "%s/%020" PRId64 ".checkpoint.json", logdir, v);
            st_buf *b = NULL;
            st_logstate *ck = NULL;
            if (st_file_read(cp, ST_LOG_CHECKPOINT_MAX, &b, &x) != ST_OK ||
                st_logstate_decode(st_buf_data(b), st_buf_len(b), cp, v, &ck, &x) != ST_OK)
                report(fn, ctx, st, true, cp, "%s (readers fall back to the log entries)", x.msg);
            else if (!st_logstate_equal(ck, s))
                report(fn, ctx, st, true, cp, "differs from the replay of versions 0 to %" PRId64, v);
            else
                st->checkpoints++;
            st_logstate_free(ck);
            st_buf_unref(b);
        }
    }
    if (rc || !s) goto done;
    retain_from = s->retain_from;
    /* segments of every readable version: the state at retain_from + later adds */
    {
        st_logstate *first = NULL;
        st_error x;
        if (st_table_load(t, retain_from, &first, &x) != ST_OK) {
            report(fn, ctx, st, true, logdir, "%s", x.msg);
            goto done;
        }
        for (int64_t v = retain_from; v <= latest && !rc; v++) {
            st_logentry *le = NULL;
            const st_segrec *recs;
            uint32_t nrecs;
            if (v == retain_from) {
                recs = first->segs;
                nrecs = first->nsegs;
            } else {
                if (st_table_read_entry(t, v, &le, &x) != ST_OK) break;
                recs = le->adds;
                nrecs = le->nadds;
                /* the deletion vectors this entry sets, with their segments' rows */
                if (st_logstate_apply(first, le, logdir, &x) != ST_OK) {
                    st_logentry_free(le);
                    break;
                }
                for (uint32_t i = 0; i < le->ndvs && !rc; i++) {
                    int64_t k = st_logstate_find_seg(first, le->dvs[i].seg);
                    if (k < 0 || ids_has(&keep, le->dvs[i].id)) continue;
                    rc = push_dv(&checks, &nchecks, &ccap, &keep, &first->segs[k], e);
                }
            }
            for (uint32_t i = 0; i < nrecs && !rc; i++) {
                if (recs[i].dv[0] && !ids_has(&keep, recs[i].dv))
                    rc = push_dv(&checks, &nchecks, &ccap, &keep, &recs[i], e);
                if (rc) break;
                if (ids_has(&keep, recs[i].id)) continue;
                if (!ids_add(&keep, recs[i].id)) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                if (nchecks == ccap) {
                    ccap = ccap ? ccap * 2 : 64;
                    segcheck *n = realloc(checks, ccap * sizeof *n);
                    if (!n) {
                        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                        break;
                    }
                    checks = n;
                }
                memset(&checks[nchecks], 0, sizeof *checks);
                if (!rc && st_segrec_copy(&checks[nchecks].rec, &recs[i], e) != ST_OK) rc = ST_ERR_NOMEM;
                if (!rc) nchecks++;
            }
            st_logentry_free(le);
        }
        st_logstate_free(first);
        if (rc) goto done;
    }
    vctx vc = {t, checks};
    rc = st_parallel_for(threads ? threads : st_thread_count(0), nchecks, check_one, &vc, e);
    if (rc) goto done;
    for (uint32_t i = 0; i < nchecks; i++) {
        char p[PATH_MAX];
        if (checks[i].is_dv) {
            st_table_dv_path(t, checks[i].rec.dv, p, sizeof p);
            if (checks[i].error) report(fn, ctx, st, true, p, "%s", checks[i].msg);
            else st->dvs++;
            continue;
        }
        st_table_seg_path(t, checks[i].rec.id, p, sizeof p);
        if (checks[i].error) {
            report(fn, ctx, st, true, p, "%s", checks[i].msg);
        } else {
            st->segments++;
            st->rows += checks[i].rec.rows;
            st->bytes += checks[i].rec.bytes;
        }
    }
    /* files no readable version needs */
    d = opendir(st_table_data_dir(t));
    while (d && (de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        char p[PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", st_table_data_dir(t), n);
        char id[ST_SEG_ID_LEN + 1] = {0};
        bool is_seg = (strlen(n) == ST_SEG_ID_LEN + 4 && !strcmp(n + ST_SEG_ID_LEN, ".seg")) ||
                      (strlen(n) == ST_SEG_ID_LEN + 3 && !strcmp(n + ST_SEG_ID_LEN, ".dv"));
        if (is_seg) {
            memcpy(id, n, ST_SEG_ID_LEN);
            is_seg = st_seg_id_valid(id);
        }
        if (is_seg && ids_has(&keep, id)) continue;
        if (!strncmp(n, ".tmp-", 5))
            report(fn, ctx, st, false, p, "temporary file of a writer that did not finish (vacuum removes it)");
        else if (is_seg && ids_has(&named, id))
            report(fn, ctx, st, false, p, "needed only by versions below %" PRId64 " (vacuum removes it)", retain_from);
        else
            report(fn, ctx, st, false, p, "orphan: no log entry names this file (a writer crashed before "
                   "committing; vacuum removes it)");
    }
    if (d) closedir(d);
done:
    for (uint32_t i = 0; i < nchecks; i++) st_segrec_clear(&checks[i].rec);
    free(checks);
    free(named.k);
    free(keep.k);
    free(has_ck);
    st_logstate_free(s);
    return rc;
}
