/*
 * warehouse.c: warehouse creation and opening, its configuration file, table
 * name checks and the table listing (see warehouse.h).
 *
 * strata.json is written once by `init` (atomically: temp file, fsync,
 * publish without replacing) and read on every open.  Unknown keys are kept
 * out on purpose: the file is small and a typo in it should be an error, not
 * a silently ignored setting.
 */
#include "engine/warehouse.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/io.h"

#define WH_MARKER "strata.json"
#define WH_FORMAT 1
#define DEFAULT_MIN_RETAIN (INT64_C(7) * 86400 * 1000000)
#define DEFAULT_CKPT_INTERVAL 10

struct st_warehouse {
    char *dir;
    st_whconfig cfg;
};

static const char *const layers[] = {"bronze", "silver", "gold"};

st_status st_tname_parse(const char *s, st_tname *out, st_error *e) {
    memset(out, 0, sizeof *out);
    const char *why = NULL;
    const char *dot = s ? strchr(s, '.') : NULL;
    if (!s || !*s) why = "it is empty";
    else if (!dot) why = "it has no layer (write layer.name, e.g. bronze.sales)";
    if (!why) {
        size_t ln = (size_t)(dot - s);
        int layer = -1;
        for (int i = 0; i < 3; i++)
            if (ln == strlen(layers[i]) && !strncasecmp(s, layers[i], ln)) layer = i;
        if (layer < 0) why = "the layer must be bronze, silver or gold";
        else snprintf(out->layer, sizeof out->layer, "%s", layers[layer]);
    }
    if (!why) {
        const char *n = dot + 1;
        size_t len = strlen(n);
        size_t sl = strlen(ST_REJECTS_SUFFIX);
        if (len > sl && !strcasecmp(n + len - sl, ST_REJECTS_SUFFIX)) {
            out->rejects = true;
            len -= sl;
        }
        if (len == 0) why = "the name after the layer is empty";
        else if (len > sl && !strncasecmp(n + len - sl, ST_REJECTS_SUFFIX, sl))
            why = "a name may end in __rejects only once (it names a quarantine)";
        else if (len > ST_TABLE_NAME_MAX) why = "the name is longer than 64 characters";
        else if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || n[0] == '_'))
            why = "the name must start with a letter or _";
        for (size_t i = 0; !why && i < len; i++) {
            char c = n[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                why = "a name holds only letters, digits and _ (no '/', '.', spaces or other characters)";
            else out->name[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
    }
    if (why) {
        /* print the offending name safely: control bytes as '?' */
        char shown[80];
        size_t k = 0;
        for (const char *p = s ? s : ""; *p && k < sizeof shown - 4; p++)
            shown[k++] = (unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f ? '?' : *p;
        shown[k] = '\0';
        if (s && strlen(s) > k) snprintf(shown + k, sizeof shown - k, "...");
        memset(out, 0, sizeof *out);
        return st_error_set(e, ST_ERR_INVALID, "bad table name '%s': %s", shown, why);
    }
    snprintf(out->full, sizeof out->full, "%s.%s", out->layer, out->name);
    return ST_OK;
}

/* ---- durations ------------------------------------------------------------------ */

st_status st_duration_parse(const char *s, int64_t *out_us, st_error *e) {
    if (!s || !*s) return st_error_set(e, ST_ERR_INVALID, "empty duration");
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int64_t unit = 0;
    if (errno || v < 0 || end == s) goto bad;
    if (!strcmp(end, "d")) unit = INT64_C(86400) * 1000000;
    else if (!strcmp(end, "h")) unit = INT64_C(3600) * 1000000;
    else if (!strcmp(end, "m")) unit = INT64_C(60) * 1000000;
    else if (!strcmp(end, "s")) unit = 1000000;
    else if (!*end && v == 0) unit = 1;
    else goto bad;
    if (v > INT64_MAX / unit) goto bad;
    *out_us = v * unit;
    return ST_OK;
bad:
    return st_error_set(e, ST_ERR_INVALID, "bad duration '%s' (write a number and a unit: 7d, 12h, 30m, 45s)", s);
}

void st_duration_format(int64_t us, char buf[32]) {
    static const struct { int64_t unit; char c; } u[] = {
        {INT64_C(86400000000), 'd'}, {INT64_C(3600000000), 'h'}, {INT64_C(60000000), 'm'}, {1000000, 's'}};
    if (us == 0) {
        snprintf(buf, 32, "0s");
        return;
    }
    for (int i = 0; i < 4; i++)
        if (us % u[i].unit == 0) {
            snprintf(buf, 32, "%lld%c", (long long)(us / u[i].unit), u[i].c);
            return;
        }
    snprintf(buf, 32, "%lldus", (long long)us);
}

/* ---- warehouse ------------------------------------------------------------------ */

static char *path_join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

static st_status read_config(const char *dir, st_whconfig *cfg, st_error *e) {
    char *path = path_join(dir, WH_MARKER);
    if (!path) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_buf *b = NULL;
    st_status rc = st_file_read(path, 1 << 20, &b, e);
    if (rc == ST_ERR_NOT_FOUND) {
        if (st_is_dir(dir))
            st_error_set(e, ST_ERR_NOT_FOUND, "'%s' is not a Strata warehouse (no %s); create one with: "
                         "strata -w %s init", dir, WH_MARKER, dir);
        else
            st_error_set(e, ST_ERR_NOT_FOUND, "no warehouse at '%s'; create one with: strata -w %s init",
                         dir, dir);
    }
    if (rc) {
        free(path);
        return rc;
    }
    json_error_t je;
    json_t *j = json_loadb(st_buf_data(b), st_buf_len(b), JSON_REJECT_DUPLICATES, &je);
    st_buf_unref(b);
    cfg->vacuum_min_retain_us = DEFAULT_MIN_RETAIN;
    cfg->checkpoint_interval = DEFAULT_CKPT_INTERVAL;
    if (!j || !json_is_object(j)) {
        rc = st_error_set(e, ST_ERR_CORRUPT, "%s: not a JSON object (%s)", path, j ? "" : je.text);
        goto done;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (!strcmp(k, "strata_warehouse")) {
            if (!json_is_integer(v) || json_integer_value(v) != WH_FORMAT) {
                rc = st_error_set(e, ST_ERR_UNSUPPORTED, "%s: warehouse format is not %d", path, WH_FORMAT);
                goto done;
            }
        } else if (!strcmp(k, "vacuum_min_retain")) {
            if (!json_is_string(v) || st_duration_parse(json_string_value(v), &cfg->vacuum_min_retain_us, e)) {
                rc = st_error_set(e, ST_ERR_INVALID, "%s: vacuum_min_retain must be a duration like \"7d\"", path);
                goto done;
            }
        } else if (!strcmp(k, "checkpoint_interval")) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
                rc = st_error_set(e, ST_ERR_INVALID, "%s: checkpoint_interval must be an integer 1..1000000", path);
                goto done;
            }
            cfg->checkpoint_interval = (uint32_t)json_integer_value(v);
        } else {
            rc = st_error_set(e, ST_ERR_INVALID, "%s: unknown setting '%s'", path, k);
            goto done;
        }
    }
    if (!json_object_get(j, "strata_warehouse"))
        rc = st_error_set(e, ST_ERR_CORRUPT, "%s: missing \"strata_warehouse\"", path);
done:
    json_decref(j);
    free(path);
    return rc;
}

st_status st_warehouse_init(const char *dir, bool *created, st_error *e) {
    *created = false;
    char *marker = path_join(dir, WH_MARKER);
    if (!marker) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    if (st_path_exists(marker)) {
        st_whconfig cfg;
        rc = read_config(dir, &cfg, e);
        free(marker);
        return rc;
    }
    if ((rc = st_mkdir_p(dir, e))) goto done;
    for (int i = 0; i < 3; i++) {
        char *p = path_join(dir, layers[i]);
        if (!p) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto done;
        }
        rc = st_mkdir_p(p, e);
        free(p);
        if (rc) goto done;
    }
    char text[256];
    int n = snprintf(text, sizeof text,
                     "{\n  \"strata_warehouse\": %d,\n  \"vacuum_min_retain\": \"7d\",\n"
                     "  \"checkpoint_interval\": %d\n}\n", WH_FORMAT, DEFAULT_CKPT_INTERVAL);
    rc = st_write_file_atomic(marker, text, (size_t)n, ST_PUBLISH_NOREPLACE, e);
    if (rc == ST_ERR_EXISTS) { /* a concurrent init won: fine */
        rc = ST_OK;
        goto done;
    }
    if (rc) goto done;
    /* make the warehouse directory entry itself durable */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s/..", dir);
    rc = st_fsync_dir(parent, e);
    if (!rc) *created = true;
done:
    free(marker);
    return rc;
}

st_status st_warehouse_open(const char *dir, st_warehouse **out, st_error *e) {
    *out = NULL;
    st_warehouse *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    st_status rc = read_config(dir, &w->cfg, e);
    if (rc) {
        st_warehouse_close(w);
        return rc;
    }
    *out = w;
    return ST_OK;
}

void st_warehouse_close(st_warehouse *w) {
    if (!w) return;
    free(w->dir);
    free(w);
}

const char *st_warehouse_dir(const st_warehouse *w) { return w->dir; }
const st_whconfig *st_warehouse_config(const st_warehouse *w) { return &w->cfg; }

void st_strv_free(char **v, uint32_t n) {
    if (!v) return;
    for (uint32_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

st_status st_warehouse_tables(st_warehouse *w, const char *layer, char ***names, uint32_t *n,
                              st_error *e) {
    *names = NULL;
    *n = 0;
    char **v = NULL;
    uint32_t cnt = 0, cap = 0;
    for (int i = 0; i < 3; i++) {
        if (layer && strcmp(layer, layers[i])) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", w->dir, layers[i]);
        DIR *d = opendir(path);
        if (!d) {
            if (errno == ENOENT) continue;
            st_strv_free(v, cnt);
            return st_error_errno(e, errno, "%s: cannot list", path);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            char full[PATH_MAX + 300];
            st_tname tn;
            char qual[300];
            if (de->d_name[0] == '.' || strlen(de->d_name) > ST_TABLE_NAME_MAX) continue;
            snprintf(qual, sizeof qual, "%s.%s", layers[i], de->d_name);
            if (st_tname_parse(qual, &tn, NULL) != ST_OK || tn.rejects || strcmp(tn.name, de->d_name))
                continue;
            /* a table is a directory whose log has version 0 (or a checkpoint) */
            snprintf(full, sizeof full, "%s/%s/_log", path, de->d_name);
            if (!st_is_dir(full)) continue;
            snprintf(full, sizeof full, "%s/%s/_log/%020d.json", path, de->d_name, 0);
            if (!st_path_exists(full)) continue;
            if (cnt == cap) {
                cap = cap ? cap * 2 : 16;
                char **nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    closedir(d);
                    st_strv_free(v, cnt);
                    return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                }
                v = nv;
            }
            if (!(v[cnt] = strdup(tn.full))) {
                closedir(d);
                st_strv_free(v, cnt);
                return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            }
            cnt++;
        }
        closedir(d);
    }
    if (cnt) qsort(v, cnt, sizeof *v, cmp_str);
    *names = v;
    *n = cnt;
    return ST_OK;
}
