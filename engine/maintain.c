/*
 * maintain.c: restore and vacuum (see maintain.h for the rules).
 *
 * Vacuum needs two sets of segment ids: the ones some retained version
 * names (kept), and the ones any version ever named (so a file outside both
 * is an orphan).  Both come from one pass over the log: the state at the
 * first retained version, then the entries after it (their adds are
 * retained too, every one of them having been live at a retained version),
 * and the entries before it for the "ever named" set.  Deletion vector files
 * (data/<id>.dv) are kept and named the same way: the vectors of the first
 * retained state's segments, and every vector a later entry adds.
 */
#include "engine/maintain.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/hash.h"
#include "format/io.h"

/* ---- restore ------------------------------------------------------------------ */

st_status st_table_restore(st_table *t, int64_t version, int64_t *new_version, st_error *e) {
    st_logstate *cur = NULL, *old = NULL;
    st_logentry *le = NULL;
    st_status rc;
    st_as_of a = ST_AS_OF_LATEST;
    a.version = version;
    int64_t v;
    ST_CHECK(rc, st_table_resolve(t, a, true, &v, e));
    ST_CHECK(rc, st_table_load(t, -1, &cur, e));
    ST_CHECK(rc, st_table_load(t, version, &old, e));
    le = st_logentry_new();
    if (!le) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    le->op = ST_OP_RESTORE;
    le->restore_of = version;
    /* removes: live now, absent then; adds: live then, absent now.  A
     * segment live in both under different deletion vectors is removed and
     * re-added with the old vector (or none). */
    le->removes = calloc(cur->nsegs ? cur->nsegs : 1, sizeof *le->removes);
    le->adds = calloc(old->nsegs ? old->nsegs : 1, sizeof *le->adds);
    if (!le->removes || !le->adds) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t i = 0; i < cur->nsegs; i++) {
        int64_t k = st_logstate_find_seg(old, cur->segs[i].id);
        if (k < 0 || strcmp(old->segs[k].dv, cur->segs[i].dv))
            memcpy(le->removes[le->nremoves++], cur->segs[i].id, ST_SEG_ID_LEN + 1);
    }
    for (uint32_t i = 0; i < old->nsegs; i++) {
        int64_t k = st_logstate_find_seg(cur, old->segs[i].id);
        if (k >= 0 && !strcmp(old->segs[i].dv, cur->segs[k].dv)) continue;
        char p[PATH_MAX];
        st_table_seg_path(t, old->segs[i].id, p, sizeof p);
        if (old->segs[i].dv[0] && st_path_exists(p)) st_table_dv_path(t, old->segs[i].dv, p, sizeof p);
        if (!st_path_exists(p)) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: cannot restore version %lld: its file %s is "
                              "missing", st_table_name(t), (long long)version, p);
            goto cleanup;
        }
        ST_CHECK(rc, st_segrec_copy(&le->adds[le->nadds], &old->segs[i], e));
        le->nadds++;
    }
    if (!st_tschema_equal(old->schema, cur->schema)) {
        /* the old fields, under a new schema id; ids keep growing */
        if (!(le->schema = st_tschema_clone(old->schema))) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        le->schema->schema_id = cur->schema->schema_id + 1;
        le->schema->next_field_id = cur->schema->next_field_id;
    }
    ST_CHECK(rc, st_table_commit(t, cur, le, NULL, e));
    *new_version = cur->version;
cleanup:
    st_logentry_free(le);
    st_logstate_free(cur);
    st_logstate_free(old);
    return rc;
}

/* ---- vacuum ------------------------------------------------------------------- */

/* A set of segment ids (open addressing over 16-byte keys). */
typedef struct idset {
    char (*keys)[ST_SEG_ID_LEN + 1];
    uint32_t cap, n;
} idset;

static bool idset_has(const idset *s, const char *id) {
    if (!s->cap) return false;
    uint32_t h = (uint32_t)st_hash_bytes(id, ST_SEG_ID_LEN) & (s->cap - 1);
    while (s->keys[h][0]) {
        if (!memcmp(s->keys[h], id, ST_SEG_ID_LEN)) return true;
        h = (h + 1) & (s->cap - 1);
    }
    return false;
}

static bool idset_add(idset *s, const char *id) {
    if (idset_has(s, id)) return true;
    if ((s->n + 1) * 2 > s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 64;
        idset ns = {calloc(nc, sizeof *ns.keys), nc, 0};
        if (!ns.keys) return false;
        for (uint32_t i = 0; i < s->cap; i++)
            if (s->keys[i][0]) idset_add(&ns, s->keys[i]);
        free(s->keys);
        *s = ns;
    }
    uint32_t h = (uint32_t)st_hash_bytes(id, ST_SEG_ID_LEN) & (s->cap - 1);
    while (s->keys[h][0]) h = (h + 1) & (s->cap - 1);
    memcpy(s->keys[h], id, ST_SEG_ID_LEN + 1);
    s->n++;
    return true;
}

void st_vacuum_result_free(st_vacuum_result *r) {
    if (!r) return;
    st_strv_free(r->paths, r->npaths);
    r->paths = NULL;
    r->npaths = 0;
}

static st_status push_path(st_vacuum_result *r, const char *p, st_error *e) {
    char **n = realloc(r->paths, (r->npaths + 1) * sizeof *n);
    if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    r->paths = n;
    if (!(n[r->npaths] = strdup(p))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    r->npaths++;
    return ST_OK;
}

st_status st_table_vacuum(st_table *t, const st_vacuum_opts *o, st_vacuum_result *r, st_error *e) {
    memset(r, 0, sizeof *r);
    r->version = -1;
    st_logstate *cur = NULL, *first = NULL;
    idset keep = {0}, named = {0};
    DIR *d = NULL;
    st_status rc = ST_OK;
    const st_whconfig *cfg = st_warehouse_config(st_table_warehouse(t));
    if (o->retain_us < cfg->vacuum_min_retain_us && !o->force) {
        char a[32], b[32];
        st_duration_format(o->retain_us, a);
        st_duration_format(cfg->vacuum_min_retain_us, b);
        return st_error_set(e, ST_ERR_INVALID, "%s: a retention of %s is below the warehouse minimum of %s "
                            "(vacuum_min_retain in strata.json): time travel and readers still running "
                            "could need those files; add --force to vacuum anyway", st_table_name(t), a, b);
    }
    ST_CHECK(rc, st_table_load(t, -1, &cur, e));
    r->latest = cur->version;
    /* the first retained version: current at now - retain */
    int64_t now = st_now_us();
    int64_t cutoff = o->retain_us > now ? INT64_MIN : now - o->retain_us;
    int64_t from = cur->retain_from;
    {
        int64_t lo = cur->retain_from, hi = cur->version;
        while (lo < hi) { /* latest version with ts <= cutoff, if any above retain_from */
            int64_t mid = lo + (hi - lo + 1) / 2;
            st_logentry *le;
            ST_CHECK(rc, st_table_read_entry(t, mid, &le, e));
            bool before = le->ts_us <= cutoff;
            st_logentry_free(le);
            if (before) lo = mid;
            else hi = mid - 1;
        }
        from = lo;
    }
    r->retain_from = from;
    ST_CHECK(rc, st_table_load(t, from, &first, e));
    for (uint32_t i = 0; i < first->nsegs; i++) {
        if (!idset_add(&keep, first->segs[i].id) || !idset_add(&named, first->segs[i].id)) goto oom;
        if (first->segs[i].dv[0] && (!idset_add(&keep, first->segs[i].dv) || !idset_add(&named, first->segs[i].dv)))
            goto oom;
    }
    for (int64_t v = 0; v <= cur->version; v++) {
        if (v == from) continue;
        st_logentry *le;
        ST_CHECK(rc, st_table_read_entry(t, v, &le, e));
        bool ok = true;
        for (uint32_t i = 0; ok && i < le->nadds; i++) {
            ok = (v < from || idset_add(&keep, le->adds[i].id)) && idset_add(&named, le->adds[i].id);
            if (ok && le->adds[i].dv[0])
                ok = (v < from || idset_add(&keep, le->adds[i].dv)) && idset_add(&named, le->adds[i].dv);
        }
        for (uint32_t i = 0; ok && i < le->ndvs; i++)
            ok = (v < from || idset_add(&keep, le->dvs[i].id)) && idset_add(&named, le->dvs[i].id);
        st_logentry_free(le);
        if (!ok) goto oom;
    }
    /* candidates in data/ */
    int64_t grace = o->retain_us > ST_VACUUM_ORPHAN_GRACE ? o->retain_us : ST_VACUUM_ORPHAN_GRACE;
    d = opendir(st_table_data_dir(t));
    if (!d && errno != ENOENT) {
        rc = st_error_errno(e, errno, "%s: cannot list", st_table_data_dir(t));
        goto cleanup;
    }
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        char id[ST_SEG_ID_LEN + 1] = {0};
        size_t len = strlen(n);
        bool is_seg = (len == ST_SEG_ID_LEN + 4 && !strcmp(n + ST_SEG_ID_LEN, ".seg")) ||
                      (len == ST_SEG_ID_LEN + 3 && !strcmp(n + ST_SEG_ID_LEN, ".dv"));
        if (is_seg) {
            memcpy(id, n, ST_SEG_ID_LEN);
            is_seg = st_seg_id_valid(id);
        }
        if (is_seg && idset_has(&keep, id)) continue;
        char p[PATH_MAX + 256];
        snprintf(p, sizeof p, "%s/%s", st_table_data_dir(t), n);
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        bool orphan = !(is_seg && idset_has(&named, id));
        if (orphan) {
            int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
            if (mtime > now - grace) {
                r->orphans_kept++;
                continue;
            }
            r->orphans++;
        }
        char rel[300];
        snprintf(rel, sizeof rel, "data/%s", n);
        ST_CHECK(rc, push_path(r, rel, e));
        r->files++;
        r->bytes += (uint64_t)st.st_size;
    }
    /* temp files of killed writers in _log/ */
    if (d) closedir(d);
    {
        char logdir[PATH_MAX];
        snprintf(logdir, sizeof logdir, "%s/_log", st_table_dir(t));
        d = opendir(logdir);
        while (d && (de = readdir(d))) {
            if (strncmp(de->d_name, ".tmp-", 5)) continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", logdir, de->d_name);
            struct stat st;
            if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode)) continue;
            int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
            if (mtime > now - grace) continue;
            char rel[300];
            snprintf(rel, sizeof rel, "_log/%s", de->d_name);
            ST_CHECK(rc, push_path(r, rel, e));
            r->files++;
            r->orphans++;
            r->bytes += (uint64_t)st.st_size;
        }
    }
    if (o->dry_run || (r->files == 0 && from == cur->retain_from)) goto cleanup;
    /* 1. the new horizon is durable before any file goes */
    if (from != cur->retain_from || r->files) {
        st_logentry *le = st_logentry_new();
        if (!le) goto oom;
        le->op = ST_OP_VACUUM;
        le->retain_from = from;
        le->files_removed = r->files;
        rc = st_table_commit(t, cur, le, NULL, e);
        st_logentry_free(le);
        if (rc) goto cleanup;
        r->version = cur->version;
    }
    /* 2. delete; 3. make the deletions durable */
    for (uint32_t i = 0; i < r->npaths; i++) {
        char p[PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", st_table_dir(t), r->paths[i]);
        ST_CHECK(rc, st_unlink(p, e));
    }
    if (r->npaths) ST_CHECK(rc, st_fsync_dir(st_table_data_dir(t), e));
    goto cleanup;
oom:
    rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
cleanup:
    if (d) closedir(d);
    free(keep.keys);
    free(named.keys);
    st_logstate_free(cur);
    st_logstate_free(first);
    return rc;
}
