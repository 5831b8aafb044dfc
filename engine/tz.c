/*
 * tz.c: fixed offsets and TZif zones (see tz.h).
 *
 * TZif layout (RFC 8536): a 44-byte header ("TZif", version, 15 reserved
 * bytes, six big-endian u32 counts isutcnt, isstdcnt, leapcnt, timecnt,
 * typecnt, charcnt), the version-1 data block (32-bit times), then for
 * version 2+ a second header and data block with 64-bit times, then a footer
 * "\n<POSIX TZ string>\n".  We skip the first block, read the transition
 * times, their type indices and the types' UT offsets from the second, and
 * parse the footer rule.  Every count is checked against the file's size.
 */
#include "engine/tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/io.h"
#include "format/types.h"

typedef struct rule_date {
    int month, week, wday; /* Mm.w.d */
    int32_t secs;          /* local time of day of the change */
} rule_date;

struct st_tz {
    char name[128];
    int32_t fixed;       /* when ntrans == 0 and !has_rule */
    uint32_t ntrans;
    int64_t *trans;      /* UTC seconds */
    int32_t *off;        /* offset after each transition */
    int32_t off_before;  /* before the first transition */
    bool has_rule;       /* POSIX footer rule */
    int32_t std_off, dst_off;
    bool has_dst;
    rule_date start, end;
};

const char *st_tz_name(const st_tz *z) { return z->name; }

void st_tz_free(st_tz *z) {
    if (!z) return;
    free(z->trans);
    free(z->off);
    free(z);
}

/* "+01:00", "-0530", "+02", "Z", "UTC", "GMT" -> seconds east of UTC */
static bool parse_fixed(const char *s, int32_t *out) {
    if (!strcmp(s, "Z") || !strcmp(s, "UTC") || !strcmp(s, "GMT") || !strcmp(s, "Etc/UTC")) {
        *out = 0;
        return true;
    }
    if (s[0] != '+' && s[0] != '-') return false;
    int sign = s[0] == '-' ? -1 : 1, d[4], nd = 0;
    for (const char *p = s + 1; *p; p++) {
        if (*p == ':' && nd == 2) continue;
        if (*p < '0' || *p > '9' || nd == 4) return false;
        d[nd++] = *p - '0';
    }
    if (nd != 2 && nd != 4) return false;
    int h = d[0] * 10 + d[1], m = nd == 4 ? d[2] * 10 + d[3] : 0;
    if (h > 18 || m > 59) return false;
    *out = sign * (h * 3600 + m * 60);
    return true;
}

/* ---- POSIX TZ rule (footer) ---------------------------------------------------- */

static const char *rule_name(const char *p) {
    if (*p == '<') {
        while (*p && *p != '>') p++;
        return *p ? p + 1 : NULL;
    }
    const char *s = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] -> seconds (POSIX sign: west positive, returned as is) */
static const char *rule_time(const char *p, int32_t *out) {
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    int32_t v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        if (*p < '0' || *p > '9') {
            if (k == 0) return NULL;
            break;
        }
        int x = 0;
        while (*p >= '0' && *p <= '9') x = x * 10 + (*p++ - '0');
        v[k] = x;
        if (*p != ':') break;
        p++;
    }
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return p;
}

static const char *rule_date_parse(const char *p, rule_date *d) {
    if (*p != 'M') return NULL; /* only the Mm.w.d form (all of tzdata uses it) */
    p++;
    int v[3];
    for (int k = 0; k < 3; k++) {
        if (*p < '0' || *p > '9') return NULL;
        int x = 0;
        while (*p >= '0' && *p <= '9') x = x * 10 + (*p++ - '0');
        v[k] = x;
        if (k < 2 && *p++ != '.') return NULL;
    }
    if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] > 6) return NULL;
    d->month = v[0];
    d->week = v[1];
    d->wday = v[2];
    d->secs = 7200;
    if (*p == '/') {
        p = rule_time(p + 1, &d->secs);
        if (!p) return NULL;
    }
    return p;
}

static bool parse_rule(st_tz *z, const char *p) {
    int32_t t;
    if (!(p = rule_name(p)) || !(p = rule_time(p, &t))) return false;
    z->std_off = -t;
    z->has_dst = false;
    if (*p == '\0') return true;
    if (!(p = rule_name(p))) return false;
    z->dst_off = z->std_off + 3600;
    if (*p != ',' && *p) {
        if (!(p = rule_time(p, &t))) return false;
        z->dst_off = -t;
    }
    if (*p != ',') return false;
    if (!(p = rule_date_parse(p + 1, &z->start)) || *p != ',') return false;
    if (!(p = rule_date_parse(p + 1, &z->end)) || *p) return false;
    z->has_dst = true;
    return true;
}

/* UTC seconds of a rule date in year y, whose local time is in offset `off`. */
static int64_t rule_instant(const rule_date *d, int64_t y, int32_t off) {
    int64_t first = st_days_from_civil(y, (unsigned)d->month, 1);
    int wd = (int)st_floormod(first + 4, 7); /* 1970-01-01 was a Thursday (4) */
    int64_t day = first + (d->wday - wd + 7) % 7 + 7 * (d->week - 1);
    unsigned dim = (unsigned)(st_days_from_civil(d->month == 12 ? y + 1 : y, d->month == 12 ? 1 : (unsigned)d->month + 1, 1) - first);
    while (day - first >= (int64_t)dim) day -= 7;
    return day * 86400 + d->secs - off;
}

static int32_t rule_offset(const st_tz *z, int64_t t) {
    if (!z->has_dst) return z->std_off;
    int64_t y;
    unsigned m, d;
    st_civil_from_days(st_floordiv(t, 86400), &y, &m, &d);
    int64_t a = rule_instant(&z->start, y, z->std_off), b = rule_instant(&z->end, y, z->dst_off);
    bool dst = a < b ? (t >= a && t < b) : !(t >= b && t < a); /* southern hemisphere: wraps the year */
    return dst ? z->dst_off : z->std_off;
}

/* ---- TZif ----------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static int64_t be64(const uint8_t *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

static st_status load_tzif(st_tz *z, const char *path, st_error *e) {
    st_buf *b;
    ST_TRY(st_file_read(path, 1 << 20, &b, e));
    const uint8_t *p = st_buf_data(b);
    size_t n = st_buf_len(b), pos = 0;
    st_status rc = ST_OK;
#define BAD(what) do { rc = st_error_set(e, ST_ERR_CORRUPT, "%s: not a valid tz file (%s)", path, what); goto done; } while (0)
    if (n < 44 || memcmp(p, "TZif", 4)) BAD("bad magic");
    if (p[4] < '2') BAD("version 1 files are not supported");
    uint32_t c[6];
    for (int k = 0; k < 6; k++) c[k] = be32(p + 20 + 4 * k);
    uint64_t v1 = (uint64_t)c[3] * 5 + (uint64_t)c[4] * 6 + c[5] + (uint64_t)c[2] * 8 + c[1] + c[0];
    pos = 44 + v1;
    if (pos + 44 > n || memcmp(p + pos, "TZif", 4)) BAD("no version 2 header");
    for (int k = 0; k < 6; k++) c[k] = be32(p + pos + 20 + 4 * k);
    pos += 44;
    uint32_t timecnt = c[3], typecnt = c[4], charcnt = c[5];
    uint64_t need = (uint64_t)timecnt * 9 + (uint64_t)typecnt * 6 + charcnt + (uint64_t)c[2] * 12 + c[1] + c[0];
    if (typecnt == 0 || typecnt > 256 || pos + need > n) BAD("counts exceed the file");
    const uint8_t *times = p + pos, *idx = times + (size_t)timecnt * 8, *types = idx + timecnt;
    z->trans = malloc((timecnt ? timecnt : 1) * sizeof *z->trans);
    z->off = malloc((timecnt ? timecnt : 1) * sizeof *z->off);
    if (!z->trans || !z->off) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < timecnt; i++) {
        if (idx[i] >= typecnt) BAD("a transition names a missing type");
        z->trans[i] = be64(times + 8 * i);
        if (i && z->trans[i] <= z->trans[i - 1]) BAD("transitions out of order");
        z->off[i] = (int32_t)be32(types + 6 * idx[i]);
        if (z->off[i] < -90000 || z->off[i] > 90000) BAD("offset out of range");
    }
    z->ntrans = timecnt;
    z->off_before = (int32_t)be32(types); /* type 0 */
    pos += need;
    if (pos < n && p[pos] == '\n') {
        size_t end = pos + 1;
        while (end < n && p[end] != '\n') end++;
        if (end < n && end - pos - 1 < 120) {
            char rule[128];
            memcpy(rule, p + pos + 1, end - pos - 1);
            rule[end - pos - 1] = '\0';
            z->has_rule = rule[0] && parse_rule(z, rule);
        }
    }
#undef BAD
done:
    st_buf_unref(b);
    return rc;
}

st_status st_tz_open(const char *name, st_tz **out, st_error *e) {
    *out = NULL;
    st_tz *z = calloc(1, sizeof *z);
    if (!z) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    snprintf(z->name, sizeof z->name, "%s", name);
    if (parse_fixed(name, &z->fixed)) {
        *out = z;
        return ST_OK;
    }
    size_t len = strlen(name);
    bool ok = len > 0 && len < 100 && name[0] != '/' && !strstr(name, "..");
    for (size_t i = 0; ok && i < len; i++) {
        char c = name[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
             c == '+' || c == '/';
    }
    if (!ok) {
        free(z);
        return st_error_set(e, ST_ERR_INVALID, "time zone '%.100s': expected UTC, an offset like +01:00, or an IANA "
                            "name like Europe/Berlin", name);
    }
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    if (!st_path_exists(path)) {
        free(z);
        return st_error_set(e, ST_ERR_NOT_FOUND, "time zone '%s': no such zone in the tz database (%s)", name, path);
    }
    st_status rc = load_tzif(z, path, e);
    if (rc) {
        st_tz_free(z);
        return rc;
    }
    *out = z;
    return ST_OK;
}

int32_t st_tz_offset_at(const st_tz *z, int64_t utc_us) {
    if (!z->ntrans && !z->has_rule) return z->fixed;
    int64_t t = st_floordiv(utc_us, ST_USEC_PER_SEC);
    if (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]) {
        if (z->has_rule) return rule_offset(z, t);
        return z->ntrans ? z->off[z->ntrans - 1] : z->fixed;
    }
    if (t < z->trans[0]) return z->off_before;
    uint32_t lo = 0, hi = z->ntrans; /* last transition <= t */
    while (lo + 1 < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (z->trans[mid] <= t) lo = mid;
        else hi = mid;
    }
    return z->off[lo];
}

int64_t st_tz_to_utc(const st_tz *z, int64_t local_us) {
    if (!z->ntrans && !z->has_rule) return local_us - (int64_t)z->fixed * ST_USEC_PER_SEC;
    /* candidates: the offsets in force a day either side; a candidate is
     * right when the instant it gives has that very offset */
    int32_t a = st_tz_offset_at(z, local_us - ST_USEC_PER_DAY), b = st_tz_offset_at(z, local_us + ST_USEC_PER_DAY);
    int32_t first = a > b ? a : b, second = a > b ? b : a; /* the larger offset (daylight) first: folds */
    int64_t u = local_us - (int64_t)first * ST_USEC_PER_SEC;
    if (st_tz_offset_at(z, u) == first) return u;
    u = local_us - (int64_t)second * ST_USEC_PER_SEC;
    if (st_tz_offset_at(z, u) == second) return u;
    return local_us - (int64_t)a * ST_USEC_PER_SEC; /* a gap: the offset before it */
}
