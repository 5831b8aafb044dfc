/*
 * stdz.c: standardization steps (see stdz.h for what each one does).
 *
 * Every step is a loop over a column vector with one small pure function per
 * value; string results are written into the output vector's own arena.
 * The functions that read human text (prices, condition words, timestamps)
 * are deliberately explicit about what they accept: a value they cannot
 * read is reported (the row is rejected with the reason), never guessed.
 */
#include "engine/stdz.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tz.h"
#include "format/hash.h"
#include "format/types.h"

typedef enum {
    K_TRIM, K_COLLAPSE, K_LOWER, K_UPPER, K_NULL_IF, K_MAP, K_REGEX, K_PRICE, K_CURRENCY,
    K_CONDITION, K_TIMESTAMP, K_TRUNC, K_DEFAULT
} kind;

static const char *const kind_names[] = {"trim", "collapse_spaces", "lower", "upper", "null_if", "map",
                                         "regex_extract", "parse_price", "price_currency", "condition_grade",
                                         "timestamp", "trunc", "default"};

/* ---- maps ------------------------------------------------------------------------ */

typedef struct map_entry {
    char *key; /* normalized */
    size_t klen;
    char *value;
    size_t vlen;
} map_entry;

typedef enum { UNM_KEEP, UNM_NULL, UNM_REJECT } unmatched;

typedef struct smap {
    char *name;
    unmatched unm;
    map_entry *ents;
    uint32_t n;
    uint32_t cap;   /* slots: power of two */
    uint32_t *slot; /* entry index + 1 */
} smap;

struct st_stdz_maps {
    smap *maps;
    uint32_t n;
};

typedef struct fmt_item {
    char *fmt;
} fmt_item;

struct st_stdz {
    kind k;
    st_type in, out;
    bool reject;         /* reject rows it cannot process (else NULL) */
    const smap *map;     /* K_MAP (owned by the maps) */
    regex_t re;          /* K_REGEX */
    bool re_ok;
    int group;
    char **vals;         /* K_NULL_IF */
    size_t *vlens;
    uint32_t nvals;
    char def_code[4];    /* K_CURRENCY default, "" none */
    st_tz *zone;         /* K_TIMESTAMP */
    char **fmts;
    uint32_t nfmts;
    int trunc;           /* 0 year 1 month 2 day 3 hour */
    uint8_t defval[16];  /* K_DEFAULT (non-string) */
    char *defstr;
    size_t deflen;
};

/* ---- text helpers ------------------------------------------------------------------ */

/* Bytes of the white-space character at p (0 when none). */
static size_t ws_len(const unsigned char *p, const unsigned char *end) {
    if (p >= end) return 0;
    unsigned c = p[0];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
    if (c == 0xC2 && p + 1 < end && p[1] == 0xA0) return 2;                   /* U+00A0 */
    if (c == 0xE2 && p + 2 < end && p[1] == 0x80 && (p[2] <= 0x8A || p[2] == 0xAF)) return 3; /* U+2000..200A, 202F */
    if (c == 0xE3 && p + 2 < end && p[1] == 0x80 && p[2] == 0x80) return 3;   /* U+3000 */
    return 0;
}

size_t st_stdz_trim(const char *s, size_t n, const char **start) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t w;
    while ((w = ws_len(p, end))) p += w;
    /* trailing: scan forward remembering where the last non-blank ended */
    const unsigned char *last = p, *q = p;
    while (q < end) {
        if ((w = ws_len(q, end))) q += w;
        else last = ++q;
    }
    *start = (const char *)p;
    return (size_t)(last - p);
}

size_t st_stdz_collapse(const char *s, size_t n, char *out) {
    const char *t;
    n = st_stdz_trim(s, n, &t);
    const unsigned char *p = (const unsigned char *)t, *end = p + n;
    size_t k = 0;
    while (p < end) {
        size_t w = ws_len(p, end);
        if (w) {
            while ((w = ws_len(p, end))) p += w;
            out[k++] = ' ';
        } else {
            out[k++] = (char)*p++;
        }
    }
    return k;
}

size_t st_stdz_case(const char *s, size_t n, bool upper, char *out) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) c ^= 0x20;
        else if (c == 0xC3 && i + 1 < n) { /* Latin-1 letters U+00C0..U+00FE */
            unsigned d = p[i + 1];
            out[i] = (char)c;
            if (upper && d >= 0xA0 && d <= 0xBE && d != 0xB7) d -= 0x20;
            else if (!upper && d >= 0x80 && d <= 0x9E && d != 0x97) d += 0x20;
            out[++i] = (char)d;
            continue;
        }
        out[i] = (char)c;
    }
    return n;
}

/* collapse + lower (map keys and values looked up in them) */
static size_t normalize(const char *s, size_t n, char *out) {
    size_t k = st_stdz_collapse(s, n, out);
    return st_stdz_case(out, k, false, out);
}

/* ---- maps ------------------------------------------------------------------------------ */

static void smap_free(smap *m) {
    free(m->name);
    for (uint32_t i = 0; i < m->n; i++) {
        free(m->ents[i].key);
        free(m->ents[i].value);
    }
    free(m->ents);
    free(m->slot);
}

void st_stdz_maps_free(st_stdz_maps *m) {
    if (!m) return;
    for (uint32_t i = 0; i < m->n; i++) smap_free(&m->maps[i]);
    free(m->maps);
    free(m);
}

static const map_entry *smap_get(const smap *m, const char *k, size_t n) {
    uint32_t h = (uint32_t)st_hash_bytes(k, n) & (m->cap - 1);
    while (m->slot[h]) {
        const map_entry *x = &m->ents[m->slot[h] - 1];
        if (x->klen == n && !memcmp(x->key, k, n)) return x;
        h = (h + 1) & (m->cap - 1);
    }
    return NULL;
}

static st_status smap_put(smap *m, const char *alias, const char *canon, st_error *e) {
    size_t an = strlen(alias), cn = strlen(canon);
    char *k = malloc(an + 8);
    if (!k) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    size_t kn = normalize(alias, an, k);
    const map_entry *old = smap_get(m, k, kn);
    if (old) {
        bool same = old->vlen == cn && !memcmp(old->value, canon, cn);
        free(k);
        if (same) return ST_OK;
        return st_error_set(e, ST_ERR_INVALID, "map %s: '%s' maps to both '%s' and '%s'", m->name, alias, old->value,
                            canon);
    }
    map_entry *x = &m->ents[m->n];
    x->key = k;
    x->klen = kn;
    if (!(x->value = strdup(canon))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    x->vlen = cn;
    uint32_t h = (uint32_t)st_hash_bytes(k, kn) & (m->cap - 1);
    while (m->slot[h]) h = (h + 1) & (m->cap - 1);
    m->slot[h] = ++m->n;
    return ST_OK;
}

static st_status parse_unmatched(const json_t *j, unmatched *u, const char *what, st_error *e) {
    if (!j) return ST_OK;
    const char *s = json_string_value(j);
    if (s && !strcmp(s, "keep")) *u = UNM_KEEP;
    else if (s && !strcmp(s, "null")) *u = UNM_NULL;
    else if (s && !strcmp(s, "reject")) *u = UNM_REJECT;
    else return st_error_set(e, ST_ERR_INVALID, "%s: \"unmatched\" must be \"keep\", \"null\" or \"reject\"", what);
    return ST_OK;
}

st_status st_stdz_maps_parse(const json_t *j, st_stdz_maps **out, st_error *e) {
    *out = NULL;
    if (!json_is_object(j)) return st_error_set(e, ST_ERR_INVALID, "\"maps\" must be an object of named maps");
    st_stdz_maps *ms = calloc(1, sizeof *ms);
    if (!ms || !(ms->maps = calloc(json_object_size(j) + 1, sizeof *ms->maps))) {
        free(ms);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    const char *name;
    json_t *mj;
    st_status rc = ST_OK;
    json_object_foreach((json_t *)j, name, mj) {
        smap *m = &ms->maps[ms->n++];
        char what[160];
        snprintf(what, sizeof what, "map %.100s", name);
        if (!(m->name = strdup(name))) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        json_t *vals = json_is_object(mj) ? json_object_get(mj, "values") : NULL;
        if (!json_is_object(vals)) {
            rc = st_error_set(e, ST_ERR_INVALID, "%s: expected {\"values\": {\"Canonical\": [\"alias\", ...]}}", what);
            break;
        }
        const char *k;
        json_t *v;
        json_object_foreach(mj, k, v) if (strcmp(k, "values") && strcmp(k, "unmatched")) {
            rc = st_error_set(e, ST_ERR_INVALID, "%s: unknown key \"%.64s\"", what, k);
            break;
        }
        if (rc || (rc = parse_unmatched(json_object_get(mj, "unmatched"), &m->unm, what, e))) break;
        size_t total = 0;
        json_object_foreach(vals, k, v) {
            if (!json_is_array(v)) {
                rc = st_error_set(e, ST_ERR_INVALID, "%s: the aliases of '%.64s' must be an array of strings", what, k);
                break;
            }
            total += json_array_size(v) + 1;
        }
        if (rc) break;
        m->cap = 16;
        while (m->cap < total * 2 + 2) m->cap *= 2;
        m->ents = calloc(total + 1, sizeof *m->ents);
        m->slot = calloc(m->cap, sizeof *m->slot);
        if (!m->ents || !m->slot) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        json_object_foreach(vals, k, v) {
            if ((rc = smap_put(m, k, k, e))) break;
            for (size_t i = 0; i < json_array_size(v) && !rc; i++) {
                const char *a = json_string_value(json_array_get(v, i));
                if (!a) rc = st_error_set(e, ST_ERR_INVALID, "%s: an alias of '%.64s' is not a string", what, k);
                else rc = smap_put(m, a, k, e);
            }
            if (rc) break;
        }
        if (rc) break;
    }
    if (rc) {
        st_stdz_maps_free(ms);
        return rc;
    }
    *out = ms;
    return ST_OK;
}

/* ---- prices ------------------------------------------------------------------------------ */

static bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* currency symbols: bytes at p, 0 when none */
static size_t symbol_len(const unsigned char *p, const unsigned char *end) {
    if (p[0] == '$') return 1;
    if (p + 1 < end && p[0] == 0xC2 && (p[1] == 0xA3 || p[1] == 0xA5)) return 2;             /* £ ¥ */
    if (p + 2 < end && p[0] == 0xE2 && p[1] == 0x82 && (p[2] == 0xAC || p[2] == 0xB9)) return 3; /* € ₹ */
    return 0;
}

bool st_stdz_parse_price(const char *s, size_t n, st_i128 *amount4) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    char digits[48];
    int nd = 0;
    struct { char c; int at; } seps[24];
    int ns = 0;
    bool neg = false, in_num = false, done = false;
    while (p < end) {
        unsigned c = *p;
        size_t w;
        if (is_digit(c)) {
            if (done || nd >= 40) return false;
            digits[nd++] = (char)c;
            in_num = true;
            p++;
        } else if ((c == '.' || c == ',' || c == '\'') && in_num && p + 1 < end && is_digit(p[1])) {
            if (ns == 24) return false;
            seps[ns].c = c == '\'' ? ' ' : (char)c;
            seps[ns++].at = nd;
            p++;
        } else if ((w = ws_len(p, end))) {
            const unsigned char *q = p + w;
            if (in_num && q < end && is_digit(*q)) { /* "9 999,99": a group separator */
                if (ns == 24) return false;
                seps[ns].c = ' ';
                seps[ns++].at = nd;
            } else if (in_num) {
                done = true;
            }
            p = q;
        } else if (c == '-' && !in_num && nd == 0) {
            neg = true;
            p++;
        } else if ((w = symbol_len(p, end))) {
            if (in_num) done = true;
            p += w;
        } else if (is_alpha(c)) {
            if (in_num) done = true;
            p++;
        } else {
            return false;
        }
    }
    if (nd == 0) return false;
    /* which mark is the decimal one: it can only be the last separator */
    int dec = -1, nkind[2] = {0, 0};
    for (int i = 0; i < ns; i++)
        if (seps[i].c != ' ') nkind[seps[i].c == ',']++;
    if (ns && seps[ns - 1].c != ' ') {
        char c = seps[ns - 1].c;
        int same = nkind[c == ','], other = nkind[c != ','];
        if (other) dec = ns - 1;                        /* "1.299,00": the last kind decides */
        else if (same == 1 && (nd - seps[ns - 1].at != 3 || (seps[ns - 1].at == 1 && digits[0] == '0')))
            dec = ns - 1; /* "12,50", "1299.5", "0.999" */
        if (dec >= 0 && same != 1) return false;        /* "1,299,00" */
    }
    /* thousands marks: one kind (plus blanks), groups of 1-3 then exactly 3 */
    int int_end = dec >= 0 ? seps[dec].at : nd, prev = -1;
    char tk = 0;
    for (int i = 0; i < ns; i++) {
        if (i == dec) continue;
        if (seps[i].c != ' ') {
            if (tk && tk != seps[i].c) return false;
            tk = seps[i].c;
        }
        int g = seps[i].at - (prev < 0 ? 0 : prev);
        if (prev < 0 ? (g < 1 || g > 3) : g != 3) return false;
        prev = seps[i].at;
    }
    if (prev >= 0 && int_end - prev != 3) return false;
    int frac = nd - int_end;
    if (frac > 4 || int_end > 14) return false;
    st_i128 v = 0;
    for (int i = 0; i < nd; i++) v = v * 10 + (digits[i] - '0');
    for (int i = frac; i < 4; i++) v *= 10;
    *amount4 = neg ? -v : v;
    return true;
}

static const char *const iso_codes[] = {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK",
                                        "DKK", "PLN", "CZK", "HUF", "INR", "CNY", "HKD", "SGD", "KRW", "BRL",
                                        "MXN", "ZAR", "TRY", "RUB", "AED", "ILS", "THB", "RON", "BGN", NULL};

bool st_stdz_price_currency(const char *s, size_t n, char code[4]) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    for (const unsigned char *q = p; q < end; q++) {
        size_t w = symbol_len(q, end);
        if (!w) continue;
        const char *c = NULL;
        if (*q == '$') {
            /* letters right before: C$, CA$, A$, AU$, US$, NZ$, HK$, S$ */
            const unsigned char *b = q;
            while (b > p && is_alpha(b[-1])) b--;
            char pre[4] = {0};
            size_t pl = (size_t)(q - b);
            for (size_t i = 0; i < pl && i < 3; i++) pre[i] = (char)toupper(b[i]);
            if (pl == 0 || !strcmp(pre, "US")) c = "USD";
            else if (!strcmp(pre, "C") || !strcmp(pre, "CA")) c = "CAD";
            else if (!strcmp(pre, "A") || !strcmp(pre, "AU")) c = "AUD";
            else if (!strcmp(pre, "NZ")) c = "NZD";
            else if (!strcmp(pre, "HK")) c = "HKD";
            else if (!strcmp(pre, "S")) c = "SGD";
            else c = "USD";
        } else if (q[0] == 0xC2) {
            c = q[1] == 0xA3 ? "GBP" : "JPY";
        } else {
            c = q[2] == 0xAC ? "EUR" : "INR";
        }
        memcpy(code, c, 4);
        return true;
    }
    /* a 3-letter code standing alone */
    for (const unsigned char *q = p; q + 3 <= end; q++) {
        if (!is_alpha(q[0]) || !is_alpha(q[1]) || !is_alpha(q[2])) continue;
        if ((q > p && is_alpha(q[-1])) || (q + 3 < end && is_alpha(q[3]))) continue;
        char up[4] = {(char)toupper(q[0]), (char)toupper(q[1]), (char)toupper(q[2]), 0};
        for (int i = 0; iso_codes[i]; i++)
            if (!strcmp(up, iso_codes[i])) {
                memcpy(code, up, 4);
                return true;
            }
    }
    return false;
}

/* ---- condition grades -------------------------------------------------------------------- */

/* lower case, accents folded (é è ê ë -> e, ...), blanks collapsed */
static size_t fold(const char *s, size_t n, char *out) {
    char tmp[256];
    if (n > 200) n = 200;
    size_t k = normalize(s, n, tmp), o = 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)tmp[i];
        if (c == 0xC3 && i + 1 < k) {
            unsigned d = (unsigned char)tmp[++i];
            char r = d >= 0xA0 && d <= 0xA5 ? 'a' : d == 0xA7 ? 'c' : d >= 0xA8 && d <= 0xAB ? 'e' :
                     d >= 0xAC && d <= 0xAF ? 'i' : d >= 0xB2 && d <= 0xB6 ? 'o' : d >= 0xB9 && d <= 0xBC ? 'u' :
                     d == 0x9F ? 's' : '?';
            out[o++] = r;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

/* needle in hay at word boundaries (letters and digits are word characters) */
static bool has_word(const char *hay, size_t n, const char *needle) {
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m)) continue;
        bool left = i == 0 || !isalnum((unsigned char)hay[i - 1]);
        bool right = i + m == n || !isalnum((unsigned char)hay[i + m]);
        if (left && right) return true;
    }
    return false;
}

static bool has_sub(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

const char *st_stdz_condition(const char *s, size_t n) {
    char f[256];
    size_t k = fold(s, n, f);
    if (k == 0) return NULL;
    static const char *const refurb_sub[] = {"refurb", "renewed", "reconditionn", "generaluberholt",
                                             "remanufactur", "reacondicionado", NULL};
    static const char *const a_words[] = {"like new", "like-new", "as new", "excellent", "pristine", "mint", "grade a",
                                          "a-grade", "a grade", "wie neu", "parfait etat", "comme neuf", "a", NULL};
    static const char *const b_words[] = {"very good", "good", "grade b", "b-grade", "b grade", "sehr gut", "gut",
                                          "tres bon etat", "bon etat", "b", NULL};
    static const char *const c_words[] = {"fair", "acceptable", "grade c", "c-grade", "c grade", "ok", "akzeptabel",
                                          "etat correct", "correct", "c", NULL};
    for (int i = 0; refurb_sub[i]; i++)
        if (has_sub(f, refurb_sub[i])) return "refurbished";
    for (int i = 0; a_words[i]; i++)
        if (has_word(f, k, a_words[i])) return "A";
    for (int i = 0; b_words[i]; i++)
        if (has_word(f, k, b_words[i])) return "B";
    for (int i = 0; c_words[i]; i++)
        if (has_word(f, k, c_words[i])) return "C";
    return NULL;
}

/* ---- timestamps ------------------------------------------------------------------------------ */

/* A zone designator at the end of s[0..*n) (after a time): "Z", "+01:00",
 * "+0100", "+01", " UTC", " GMT".  Shortens *n and sets *off (seconds). */
static bool strip_zone(const char *s, size_t *n, int32_t *off) {
    size_t m = *n;
    while (m && s[m - 1] == ' ') m--;
    if (m >= 3 && (!strncasecmp(s + m - 3, "UTC", 3) || !strncasecmp(s + m - 3, "GMT", 3))) {
        *off = 0;
        m -= 3;
        while (m && s[m - 1] == ' ') m--;
        *n = m;
        return true;
    }
    if (m && (s[m - 1] == 'Z' || s[m - 1] == 'z')) {
        *off = 0;
        *n = m - 1;
        return true;
    }
    /* the time part must be there: look for [+-] after a ':' */
    const char *colon = memchr(s, ':', m);
    if (!colon) return false;
    for (size_t i = m; i > (size_t)(colon - s); i--) {
        char c = s[i - 1];
        if (c != '+' && c != '-') continue;
        const char *z = s + i;
        size_t zl = m - i;
        int d[4], nd = 0;
        for (size_t k = 0; k < zl; k++) {
            if (z[k] == ':' && nd == 2) continue;
            if (z[k] < '0' || z[k] > '9' || nd == 4) return false;
            d[nd++] = z[k] - '0';
        }
        if (nd != 2 && nd != 4) return false;
        int h = d[0] * 10 + d[1], mi = nd == 4 ? d[2] * 10 + d[3] : 0;
        if (h > 18 || mi > 59) return false;
        *off = (c == '-' ? -1 : 1) * (h * 3600 + mi * 60);
        *n = i - 1;
        return true;
    }
    return false;
}

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

/* A strptime subset: returns true and the wall-clock microseconds; *has_zone
 * and *off when %z matched. */
static bool parse_fmt(const char *s, size_t n, const char *fmt, int64_t *local, bool *has_zone, int32_t *off) {
    int64_t y = 1970;
    int mo = 1, d = 1, H = 0, M = 0, S = 0, us = 0, pm = -1;
    size_t i = 0;
    *has_zone = false;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (*f == ' ') {
                while (i < n && s[i] == ' ') i++;
                continue;
            }
            if (i >= n || s[i] != *f) return false;
            i++;
            continue;
        }
        char c = *++f;
        if (!c) return false;
        if (c == '%') {
            if (i >= n || s[i] != '%') return false;
            i++;
            continue;
        }
        if (c == 'b') {
            if (i + 3 > n) return false;
            int found = -1;
            for (int k = 0; k < 12; k++)
                if (!strncasecmp(s + i, months[k], 3)) found = k;
            if (found < 0) return false;
            mo = found + 1;
            i += 3;
            while (i < n && isalpha((unsigned char)s[i])) i++; /* "March" */
            continue;
        }
        if (c == 'p') {
            if (i + 2 > n) return false;
            if (!strncasecmp(s + i, "am", 2)) pm = 0;
            else if (!strncasecmp(s + i, "pm", 2)) pm = 1;
            else return false;
            i += 2;
            continue;
        }
        if (c == 'z') {
            if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
                *off = 0;
                *has_zone = true;
                i++;
                continue;
            }
            if (i >= n || (s[i] != '+' && s[i] != '-')) return false;
            int sign = s[i++] == '-' ? -1 : 1, dd[4], nd = 0;
            while (i < n && nd < 4 && (isdigit((unsigned char)s[i]) || (s[i] == ':' && nd == 2))) {
                if (s[i] != ':') dd[nd++] = s[i] - '0';
                i++;
            }
            if (nd != 2 && nd != 4) return false;
            *off = sign * ((dd[0] * 10 + dd[1]) * 3600 + (nd == 4 ? (dd[2] * 10 + dd[3]) * 60 : 0));
            *has_zone = true;
            continue;
        }
        int width = c == 'Y' ? 4 : c == 'f' ? 9 : 2, v = 0, got = 0;
        while (i < n && got < width && isdigit((unsigned char)s[i])) v = v * 10 + (s[i++] - '0'), got++;
        if (!got) return false;
        switch (c) {
        case 'Y': y = v; break;
        case 'm': mo = v; break;
        case 'd': d = v; break;
        case 'H': H = v; break;
        case 'I': H = v; break;
        case 'M': M = v; break;
        case 'S': S = v; break;
        case 'f':
            for (int k = got; k < 6; k++) v *= 10;
            for (int k = 6; k < got; k++) v /= 10;
            us = v;
            break;
        default: return false;
        }
    }
    if (i != n) return false;
    if (pm >= 0) {
        if (H < 1 || H > 12) return false;
        H = H % 12 + (pm ? 12 : 0);
    }
    if (mo < 1 || mo > 12 || !st_date_valid(y, (unsigned)mo, (unsigned)d) || H > 23 || M > 59 || S > 59) return false;
    *local = st_days_from_civil(y, (unsigned)mo, (unsigned)d) * ST_USEC_PER_DAY +
             ((int64_t)H * 3600 + M * 60 + S) * ST_USEC_PER_SEC + us;
    return true;
}

static bool parse_ts_value(const st_stdz *st, const char *s0, size_t n0, int64_t *out) {
    const char *s;
    size_t n = st_stdz_trim(s0, n0, &s);
    if (n == 0 || n > 64) return false;
    int64_t local;
    int32_t off = 0;
    bool has_zone = false;
    if (st->nfmts) {
        bool ok = false;
        for (uint32_t k = 0; k < st->nfmts && !ok; k++) ok = parse_fmt(s, n, st->fmts[k], &local, &has_zone, &off);
        if (!ok) return false;
    } else {
        size_t m = n;
        has_zone = strip_zone(s, &m, &off);
        if (st_parse_timestamp(s, m, &local, NULL) != ST_OK) return false;
    }
    *out = has_zone ? local - (int64_t)off * ST_USEC_PER_SEC : st_tz_to_utc(st->zone, local);
    return true;
}

/* ---- compile ---------------------------------------------------------------------------------- */

void st_stdz_free(st_stdz *s) {
    if (!s) return;
    if (s->re_ok) regfree(&s->re);
    for (uint32_t i = 0; i < s->nvals; i++) free(s->vals[i]);
    free(s->vals);
    free(s->vlens);
    for (uint32_t i = 0; i < s->nfmts; i++) free(s->fmts[i]);
    free(s->fmts);
    st_tz_free(s->zone);
    free(s->defstr);
    free(s);
}

const char *st_stdz_name(const st_stdz *s) { return kind_names[s->k]; }
st_type st_stdz_out_type(const st_stdz *s) { return s->out; }
bool st_stdz_can_reject(const st_stdz *s) { return s->reject; }

static st_status need_text(const char *step, st_type in, st_error *e) {
    if (in.id == ST_T_VARCHAR) return ST_OK;
    char tn[ST_TYPE_NAME_MAX];
    return st_error_set(e, ST_ERR_TYPE, "step %s works on text (VARCHAR), the value is %s", step, st_type_name(in, tn));
}

static st_status check_keys(const json_t *o, const char *step, const char *const *allowed, st_error *e) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (int i = 0; allowed[i]; i++) ok |= !strcmp(allowed[i], k);
        if (!ok) return st_error_set(e, ST_ERR_INVALID, "step %s: unknown option \"%.64s\"", step, k);
    }
    return ST_OK;
}

static st_status on_error(const json_t *o, st_stdz *s, st_error *e) {
    json_t *j = o ? json_object_get(o, "on_error") : NULL;
    if (!j) return ST_OK;
    const char *v = json_string_value(j);
    if (v && !strcmp(v, "reject")) s->reject = true;
    else if (v && !strcmp(v, "null")) s->reject = false;
    else return st_error_set(e, ST_ERR_INVALID, "step %s: \"on_error\" must be \"reject\" or \"null\"", kind_names[s->k]);
    return ST_OK;
}

st_status st_stdz_compile(const json_t *j, st_type in, const st_stdz_maps *maps, st_stdz **out, st_type *out_type,
                          st_error *e) {
    *out = NULL;
    const char *name = NULL;
    const json_t *arg = NULL, *obj = NULL;
    if (json_is_string(j)) {
        name = json_string_value(j);
    } else if (json_is_object(j) && json_object_size(j) >= 1) {
        /* {"step": ARG, "on_error": ...}: the step is the key that is not on_error */
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) if (strcmp(k, "on_error")) {
            if (name) return st_error_set(e, ST_ERR_INVALID, "a step object names two steps (%s, %s)", name, k);
            name = k;
            arg = v;
        }
        obj = j;
        if (!name) return st_error_set(e, ST_ERR_INVALID, "a step object names no step");
    } else {
        return st_error_set(e, ST_ERR_INVALID, "a step is a name (\"trim\") or an object ({\"map\": \"brands\"})");
    }
    int k = -1;
    for (int i = 0; i < (int)(sizeof kind_names / sizeof kind_names[0]); i++)
        if (!strcmp(name, kind_names[i])) k = i;
    if (!strcmp(name, "null_if_empty")) k = K_NULL_IF;
    if (k < 0)
        return st_error_set(e, ST_ERR_INVALID, "unknown step '%.64s' (steps: trim, collapse_spaces, lower, upper, "
                            "null_if_empty, null_if, map, regex_extract, parse_price, price_currency, "
                            "condition_grade, timestamp, trunc, default)", name);
    st_stdz *s = calloc(1, sizeof *s);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    s->k = (kind)k;
    s->in = in;
    s->out = in;
    st_status rc = ST_OK;
    switch (s->k) {
    case K_TRIM:
    case K_COLLAPSE:
    case K_LOWER:
    case K_UPPER: rc = need_text(name, in, e); break;
    case K_NULL_IF:
        if ((rc = need_text(name, in, e))) break;
        if (!strcmp(name, "null_if_empty")) {
            s->vals = calloc(1, sizeof *s->vals);
            s->vlens = calloc(1, sizeof *s->vlens);
            if (!s->vals || !s->vlens || !(s->vals[0] = strdup(""))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            else s->nvals = 1;
            break;
        }
        if (!json_is_array(arg)) {
            rc = st_error_set(e, ST_ERR_INVALID, "step null_if takes an array of strings");
            break;
        }
        s->vals = calloc(json_array_size(arg) + 1, sizeof *s->vals);
        s->vlens = calloc(json_array_size(arg) + 1, sizeof *s->vlens);
        if (!s->vals || !s->vlens) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (size_t i = 0; !rc && i < json_array_size(arg); i++) {
            const char *v = json_string_value(json_array_get(arg, i));
            if (!v) rc = st_error_set(e, ST_ERR_INVALID, "step null_if takes an array of strings");
            else if (!(s->vals[i] = strdup(v))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            else s->vlens[i] = strlen(v), s->nvals++;
        }
        break;
    case K_MAP: {
        if ((rc = need_text(name, in, e))) break;
        const char *mn = json_string_value(arg);
        if (!mn) {
            rc = st_error_set(e, ST_ERR_INVALID, "step map takes the name of a map from \"maps\"");
            break;
        }
        for (uint32_t i = 0; maps && i < maps->n; i++)
            if (!strcmp(maps->maps[i].name, mn)) s->map = &maps->maps[i];
        if (!s->map) rc = st_error_set(e, ST_ERR_NOT_FOUND, "step map: no map named '%.64s' in \"maps\"", mn);
        else s->reject = s->map->unm == UNM_REJECT;
        break;
    }
    case K_REGEX: {
        if ((rc = need_text(name, in, e))) break;
        const char *pat = json_string_value(arg);
        bool icase = false;
        int group = -1;
        unmatched unm = UNM_NULL;
        if (json_is_object(arg)) {
            static const char *const ok[] = {"pattern", "group", "icase", "unmatched", NULL};
            if ((rc = check_keys(arg, name, ok, e))) break;
            pat = json_string_value(json_object_get(arg, "pattern"));
            json_t *g = json_object_get(arg, "group");
            if (g && (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > 9)) {
                rc = st_error_set(e, ST_ERR_INVALID, "step regex_extract: \"group\" must be 0..9");
                break;
            }
            if (g) group = (int)json_integer_value(g);
            icase = json_is_true(json_object_get(arg, "icase"));
            if ((rc = parse_unmatched(json_object_get(arg, "unmatched"), &unm, "step regex_extract", e))) break;
        }
        if (!pat) {
            rc = st_error_set(e, ST_ERR_INVALID, "step regex_extract needs a \"pattern\"");
            break;
        }
        int r = regcomp(&s->re, pat, REG_EXTENDED | (icase ? REG_ICASE : 0));
        if (r) {
            char msg[200];
            regerror(r, &s->re, msg, sizeof msg);
            rc = st_error_set(e, ST_ERR_INVALID, "step regex_extract: bad regex '%.200s': %s", pat, msg);
            break;
        }
        s->re_ok = true;
        if (group < 0) group = s->re.re_nsub ? 1 : 0;
        if ((size_t)group > s->re.re_nsub) {
            rc = st_error_set(e, ST_ERR_INVALID, "step regex_extract: group %d, but '%.200s' has %zu groups", group, pat,
                              s->re.re_nsub);
            break;
        }
        s->group = group;
        s->reject = unm == UNM_REJECT;
        break;
    }
    case K_PRICE:
        if ((rc = need_text(name, in, e))) break;
        s->out = st_type_decimal(18, 4);
        s->reject = true;
        rc = on_error(obj, s, e);
        break;
    case K_CURRENCY:
        if ((rc = need_text(name, in, e))) break;
        s->reject = true;
        if (json_is_object(arg)) {
            static const char *const ok[] = {"default", NULL};
            if ((rc = check_keys(arg, name, ok, e))) break;
            const char *d = json_string_value(json_object_get(arg, "default"));
            if (d) {
                if (strlen(d) != 3 || !isupper((unsigned char)d[0]) || !isupper((unsigned char)d[1]) ||
                    !isupper((unsigned char)d[2])) {
                    rc = st_error_set(e, ST_ERR_INVALID, "step price_currency: default '%.20s' is not a currency code", d);
                    break;
                }
                memcpy(s->def_code, d, 4);
                s->reject = false;
            }
        }
        if (!rc) rc = on_error(obj, s, e);
        break;
    case K_CONDITION:
        if ((rc = need_text(name, in, e))) break;
        s->reject = true;
        rc = on_error(obj, s, e);
        break;
    case K_TIMESTAMP: {
        if ((rc = need_text(name, in, e))) break;
        s->out = st_type_make(ST_T_TIMESTAMP);
        s->reject = true;
        const char *zone = "UTC";
        if (json_is_object(arg)) {
            static const char *const ok[] = {"zone", "formats", NULL};
            if ((rc = check_keys(arg, name, ok, e))) break;
            json_t *z = json_object_get(arg, "zone"), *f = json_object_get(arg, "formats");
            if (z && !(zone = json_string_value(z))) {
                rc = st_error_set(e, ST_ERR_INVALID, "step timestamp: \"zone\" must be a string");
                break;
            }
            if (f) {
                if (!json_is_array(f) || !json_array_size(f)) {
                    rc = st_error_set(e, ST_ERR_INVALID, "step timestamp: \"formats\" must be an array of strings");
                    break;
                }
                s->fmts = calloc(json_array_size(f), sizeof *s->fmts);
                if (!s->fmts) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                for (size_t i = 0; !rc && i < json_array_size(f); i++) {
                    const char *x = json_string_value(json_array_get(f, i));
                    if (!x) rc = st_error_set(e, ST_ERR_INVALID, "step timestamp: a format is not a string");
                    else if (!(s->fmts[i] = strdup(x))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                    else s->nfmts++;
                    /* every directive must be one we know */
                    for (const char *q = x; !rc && q && *q; q++)
                        if (*q == '%') {
                            q++;
                            if (!*q || !strchr("YmdHIMSfpbz%", *q))
                                rc = st_error_set(e, ST_ERR_INVALID, "step timestamp: format '%.60s': unknown "
                                                  "directive %%%c (known: %%Y %%m %%d %%H %%I %%M %%S %%f %%p %%b %%z)",
                                                  x, *q ? *q : ' ');
                        }
                }
                if (rc) break;
            }
        } else if (arg) {
            zone = json_string_value(arg);
            if (!zone) {
                rc = st_error_set(e, ST_ERR_INVALID, "step timestamp takes {\"zone\": Z, \"formats\": [...]}");
                break;
            }
        }
        if ((rc = st_tz_open(zone, &s->zone, e))) st_error_prefix(e, "step timestamp: ");
        if (!rc) rc = on_error(obj, s, e);
        break;
    }
    case K_TRUNC: {
        const char *u = json_string_value(arg);
        static const char *const units[] = {"year", "month", "day", "hour"};
        s->trunc = -1;
        for (int i = 0; u && i < 4; i++)
            if (!strcmp(u, units[i])) s->trunc = i;
        if (s->trunc < 0) {
            rc = st_error_set(e, ST_ERR_INVALID, "step trunc takes \"year\", \"month\", \"day\" or \"hour\"");
            break;
        }
        if (in.id != ST_T_DATE && in.id != ST_T_TIMESTAMP) {
            char tn[ST_TYPE_NAME_MAX];
            rc = st_error_set(e, ST_ERR_TYPE, "step trunc works on DATE or TIMESTAMP, the value is %s", st_type_name(in, tn));
            break;
        }
        if (s->trunc == 3 && in.id == ST_T_DATE) {
            rc = st_error_set(e, ST_ERR_TYPE, "step trunc: a DATE has no hours");
            break;
        }
        s->out = s->trunc == 3 ? st_type_make(ST_T_TIMESTAMP) : st_type_make(ST_T_DATE);
        break;
    }
    case K_DEFAULT: {
        char tn[ST_TYPE_NAME_MAX];
        const char *v = json_string_value(arg);
        char num[64];
        if (!v && json_is_number(arg)) {
            if (json_is_integer(arg)) snprintf(num, sizeof num, "%lld", (long long)json_integer_value(arg));
            else snprintf(num, sizeof num, "%.17g", json_real_value(arg));
            v = num;
        }
        if (!v) {
            rc = st_error_set(e, ST_ERR_INVALID, "step default takes a value (a string or a number)");
            break;
        }
        if (st_type_is_string(in)) {
            if (!(s->defstr = strdup(v))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            s->deflen = strlen(v);
        } else if (st_type_width(in) > sizeof s->defval || st_parse_value(in, v, strlen(v), s->defval, NULL) != ST_OK) {
            rc = st_error_set(e, ST_ERR_INVALID, "step default: '%.60s' is not a %s", v, st_type_name(in, tn));
        }
        break;
    }
    }
    if (!rc && (s->k == K_TRIM || s->k == K_COLLAPSE || s->k == K_LOWER || s->k == K_UPPER || s->k == K_TRUNC) && obj &&
        json_object_size(obj) > 1)
        rc = st_error_set(e, ST_ERR_INVALID, "step %s takes no \"on_error\"", name);
    if (rc) {
        st_stdz_free(s);
        return rc;
    }
    *out = s;
    *out_type = s->out;
    return ST_OK;
}

/* ---- apply ----------------------------------------------------------------------------------- */

static inline void set_fail(uint64_t *fail, uint32_t i) { fail[i >> 6] |= UINT64_C(1) << (i & 63); }

static st_status put_str(st_vector *o, uint32_t i, const char *p, size_t n, st_error *e) {
    char *c = st_vector_str_alloc(o, n);
    if (!c && n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    if (n) memcpy(c, p, n);
    ST_VEC(o, st_str)[i] = (st_str){c ? c : "", (uint32_t)n, 0};
    return ST_OK;
}

static int64_t trunc_days(int64_t days, int unit) {
    if (unit >= 2) return days;
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    return st_days_from_civil(y, unit == 0 ? 1 : m, 1);
}

st_status st_stdz_apply(const st_stdz *s, const st_vector *in, st_vector *out, uint64_t *fail, st_error *e) {
    uint32_t n = in->len;
    if (!st_type_eq(out->type, s->out) || !st_type_eq(in->type, s->in))
        return st_error_set(e, ST_ERR_INTERNAL, "step %s: vectors of the wrong type", kind_names[s->k]);
    st_vector_reset(out);
    ST_TRY(st_vector_reserve(out, n ? n : 1, e));
    size_t w = st_type_width(s->out);
    memset(out->data, 0, (size_t)n * w);
    uint64_t *val = st_vector_validity(out);
    if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    if (in->validity) memcpy(val, in->validity, ((size_t)n + 63) / 64 * 8);
    out->len = n;
#define SETNULL(i) (val[(i) >> 6] &= ~(UINT64_C(1) << ((i) & 63)))
    char stack[512];
    char *buf = stack;
    size_t bufcap = sizeof stack;
    st_status rc = ST_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        bool isnull = st_vector_is_null(in, i);
        if (s->k == K_DEFAULT) {
            if (!isnull && st_type_is_string(s->in)) {
                const st_str *v = &ST_VEC(in, st_str)[i];
                rc = put_str(out, i, v->ptr, v->len, e);
            } else if (!isnull) {
                memcpy((char *)out->data + (size_t)i * w, st_vector_at(in, i), w);
            }
            else {
                val[i >> 6] |= UINT64_C(1) << (i & 63);
                if (s->defstr) rc = put_str(out, i, s->defstr, s->deflen, e);
                else memcpy((char *)out->data + (size_t)i * w, s->defval, w);
            }
            continue;
        }
        if (isnull) continue;
        if (s->k == K_TRUNC) {
            if (s->in.id == ST_T_DATE) {
                int32_t d = ST_VEC(in, int32_t)[i];
                ST_VEC(out, int32_t)[i] = (int32_t)trunc_days(d, s->trunc);
            } else {
                int64_t t = ST_VEC(in, int64_t)[i];
                if (s->trunc == 3) ST_VEC(out, int64_t)[i] = st_floordiv(t, 3600 * ST_USEC_PER_SEC) * 3600 * ST_USEC_PER_SEC;
                else ST_VEC(out, int32_t)[i] = (int32_t)trunc_days(st_floordiv(t, ST_USEC_PER_DAY), s->trunc);
            }
            continue;
        }
        const st_str *v = &ST_VEC(in, st_str)[i];
        if (v->len + 16 > bufcap) {
            char *nb = buf == stack ? malloc(v->len + 16) : realloc(buf, v->len + 16);
            if (!nb) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                break;
            }
            buf = nb;
            bufcap = v->len + 16;
        }
        switch (s->k) {
        case K_TRIM: {
            const char *t;
            size_t m = st_stdz_trim(v->ptr, v->len, &t);
            rc = put_str(out, i, t, m, e);
            break;
        }
        case K_COLLAPSE: rc = put_str(out, i, buf, st_stdz_collapse(v->ptr, v->len, buf), e); break;
        case K_LOWER:
        case K_UPPER: rc = put_str(out, i, buf, st_stdz_case(v->ptr, v->len, s->k == K_UPPER, buf), e); break;
        case K_NULL_IF: {
            bool hit = false;
            for (uint32_t k = 0; k < s->nvals && !hit; k++) hit = v->len == s->vlens[k] && !memcmp(v->ptr, s->vals[k], v->len);
            if (hit) SETNULL(i);
            else rc = put_str(out, i, v->ptr, v->len, e);
            break;
        }
        case K_MAP: {
            size_t m = normalize(v->ptr, v->len, buf);
            const map_entry *x = smap_get(s->map, buf, m);
            if (x) rc = put_str(out, i, x->value, x->vlen, e);
            else if (s->map->unm == UNM_KEEP) rc = put_str(out, i, v->ptr, v->len, e);
            else {
                SETNULL(i);
                if (s->reject) set_fail(fail, i);
            }
            break;
        }
        case K_REGEX: {
            memcpy(buf, v->ptr, v->len);
            buf[v->len] = '\0';
            regmatch_t mt[10];
            if (regexec(&s->re, buf, (size_t)s->group + 1, mt, 0) == 0 && mt[s->group].rm_so >= 0) {
                rc = put_str(out, i, buf + mt[s->group].rm_so, (size_t)(mt[s->group].rm_eo - mt[s->group].rm_so), e);
            } else {
                SETNULL(i);
                if (s->reject) set_fail(fail, i);
            }
            break;
        }
        case K_PRICE: {
            st_i128 a;
            if (st_stdz_parse_price(v->ptr, v->len, &a)) ST_VEC(out, int64_t)[i] = (int64_t)a;
            else {
                SETNULL(i);
                if (s->reject) set_fail(fail, i);
            }
            break;
        }
        case K_CURRENCY: {
            char code[4];
            if (st_stdz_price_currency(v->ptr, v->len, code)) rc = put_str(out, i, code, 3, e);
            else if (s->def_code[0]) rc = put_str(out, i, s->def_code, 3, e);
            else {
                SETNULL(i);
                if (s->reject) set_fail(fail, i);
            }
            break;
        }
        case K_CONDITION: {
            const char *g = st_stdz_condition(v->ptr, v->len);
            if (g) ST_VEC(out, st_str)[i] = (st_str){g, (uint32_t)strlen(g), 0};
            else {
                SETNULL(i);
                if (s->reject) set_fail(fail, i);
            }
            break;
        }
        case K_TIMESTAMP: {
            int64_t t;
            if (parse_ts_value(s, v->ptr, v->len, &t)) ST_VEC(out, int64_t)[i] = t;
            else {
                SETNULL(i);
                if (s->reject) set_fail(fail, i);
            }
            break;
        }
        default: break;
        }
    }
#undef SETNULL
    if (buf != stack) free(buf);
    return rc;
}

void st_stdz_explain(const st_stdz *s, const st_vector *in, uint32_t row, char *buf, size_t cap) {
    if (st_vector_is_null(in, row) || !st_type_is_string(in->type)) {
        snprintf(buf, cap, "%s failed", kind_names[s->k]);
        return;
    }
    const st_str *v = &ST_VEC(in, st_str)[row];
    int n = v->len > 60 ? 60 : (int)v->len;
    switch (s->k) {
    case K_MAP: snprintf(buf, cap, "'%.*s' is not in map %s", n, v->ptr, s->map->name); break;
    case K_REGEX: snprintf(buf, cap, "'%.*s' does not match the pattern", n, v->ptr); break;
    case K_PRICE: snprintf(buf, cap, "'%.*s' is not a price", n, v->ptr); break;
    case K_CURRENCY: snprintf(buf, cap, "'%.*s' names no currency", n, v->ptr); break;
    case K_CONDITION: snprintf(buf, cap, "'%.*s' is not a known condition", n, v->ptr); break;
    case K_TIMESTAMP: snprintf(buf, cap, "'%.*s' is not a timestamp", n, v->ptr); break;
    default: snprintf(buf, cap, "%s failed on '%.*s'", kind_names[s->k], n, v->ptr); break;
    }
}
