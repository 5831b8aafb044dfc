/*
 * ndjson_parse.c: the strict JSON line parser and the line consumer of the
 * NDJSON reader (ndjson_int.h).
 *
 * A record is one line.  Its bytes are checked for UTF-8 once (only when the
 * consumed range has a byte >= 0x80 or a NUL), then parsed: the top level
 * must be an object; nested objects extend the dotted path; arrays are
 * validated and kept as raw text; strings are validated (escapes, surrogate
 * pairs, no control characters, no \u0000) but decoded only when stored.
 * Every problem found becomes a reason of the record; a syntax error ends
 * the parse of that record (later bytes cannot be trusted).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/ndjson_int.h"

enum { NJ_STR = 1, NJ_NUM, NJ_TRUE, NJ_FALSE, NJ_NULL, NJ_ARR };

/* ---- dictionary ----------------------------------------------------------- */

static inline unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

uint64_t nj_hash(const char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ fold((unsigned char)p[i])) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

static bool fold_eq(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i])) return false;
    return true;
}

void nj_dict_init(nj_dict *d, bool with_stats) {
    memset(d, 0, sizeof *d);
    d->with_stats = with_stats;
}

void nj_dict_free(nj_dict *d) {
    for (uint32_t k = 0; k < d->n; k++) free(d->names[k]);
    free(d->names);
    free(d->lens);
    free(d->hashes);
    free(d->stats);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

int32_t nj_dict_find(const nj_dict *d, const char *p, size_t n, uint64_t h) {
    if (!d->nslots) return -1;
    uint32_t mask = d->nslots - 1, i = (uint32_t)h & mask;
    for (;;) {
        uint32_t e = d->slots[i];
        if (!e) return -1;
        uint32_t k = e - 1;
        if (d->hashes[k] == h && d->lens[k] == n && fold_eq(d->names[k], p, n)) return (int32_t)k;
        i = (i + 1) & mask;
    }
}

static void slot_insert(nj_dict *d, uint32_t k) {
    uint32_t mask = d->nslots - 1, i = (uint32_t)d->hashes[k] & mask;
    while (d->slots[i]) i = (i + 1) & mask;
    d->slots[i] = k + 1;
}

int32_t nj_dict_add(nj_dict *d, const char *p, size_t n, uint64_t h) {
    if (d->n == d->cap) {
        uint32_t nc = d->cap ? d->cap * 2 : 16;
        char **nn = realloc(d->names, nc * sizeof *nn);
        if (nn) d->names = nn;
        uint32_t *nl = realloc(d->lens, nc * sizeof *nl);
        if (nl) d->lens = nl;
        uint64_t *nh = realloc(d->hashes, nc * sizeof *nh);
        if (nh) d->hashes = nh;
        tx_stat *ns = d->with_stats ? realloc(d->stats, nc * sizeof *ns) : NULL;
        if (ns) d->stats = ns;
        if (!nn || !nl || !nh || (d->with_stats && !ns)) {
            d->failed = true;
            return -1;
        }
        d->cap = nc;
    }
    if ((d->n + 1) * 2 > d->nslots) {
        uint32_t ns = d->nslots ? d->nslots * 2 : 32;
        uint32_t *sl = calloc(ns, sizeof *sl);
        if (!sl) {
            d->failed = true;
            return -1;
        }
        free(d->slots);
        d->slots = sl;
        d->nslots = ns;
        for (uint32_t k = 0; k < d->n; k++) slot_insert(d, k);
    }
    char *name = malloc(n + 1);
    if (!name) {
        d->failed = true;
        return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    uint32_t k = d->n++;
    d->names[k] = name;
    d->lens[k] = (uint32_t)n;
    d->hashes[k] = h;
    if (d->with_stats) memset(&d->stats[k], 0, sizeof d->stats[k]);
    slot_insert(d, k);
    return (int32_t)k;
}

void nj_dict_truncate(nj_dict *d, uint32_t n) {
    while (d->n > n) { /* newest first: linear probing stays consistent */
        uint32_t k = d->n - 1, mask = d->nslots - 1, i = (uint32_t)d->hashes[k] & mask;
        while (d->slots[i] != k + 1) i = (i + 1) & mask;
        d->slots[i] = 0;
        free(d->names[k]);
        d->n--;
    }
}

/* ---- JSON ----------------------------------------------------------------- */

typedef struct jx {
    const char *p;
    size_t n, i;
    uint32_t depth, max_depth;
    bool failed;
    /* consumer */
    const nj_conf *cf;
    nj_state *st;
    tx_out *o;
    uint32_t row;
    uint32_t leafno, keyno;
    uint32_t dict_mark;
    bool begun, unknown_stop;
    const char *rec;
    size_t rec_len;
    uint64_t abs, line;
} jx;

static void begin_bad(jx *x) {
    if (x->begun) return;
    x->begun = true;
    tx_bad_begin(&x->st->bad, x->line, x->abs, x->rec, x->rec_len, x->rec_len, false,
                 x->st->copy_raw, x->st->rows.rows);
}

static void reason(jx *x, int32_t col, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reason(jx *x, int32_t col, const char *name, const char *fmt, ...) {
    if (x->st->infer) return;
    begin_bad(x);
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tx_bad_reason(&x->st->bad, col, name, "%s", buf);
}

static bool fail(jx *x, const char *what) {
    if (!x->failed) {
        x->failed = true;
        if (!x->st->infer)
            reason(x, -1, NULL, "malformed JSON at byte %zu of the line: %s", x->i, what);
    }
    return false;
}

static inline void ws(jx *x) {
    while (x->i < x->n) {
        char c = x->p[x->i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
        x->i++;
    }
}

static inline bool isdig(char c) { return (unsigned char)(c - '0') < 10; }

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool hex4(const char *p, size_t n, size_t i, unsigned *out) {
    if (i + 4 > n) return false;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p[i + k]);
        if (h < 0) return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

/* At a '"': validate the string; content is p[*cs..*ce). */
static bool scan_string(jx *x, size_t *cs, size_t *ce, bool *esc) {
    const char *p = x->p;
    const size_t n = x->n;
    size_t i = x->i + 1;
    *esc = false;
    *cs = i;
    for (;;) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
            uint64_t q = w ^ (lo * '"'), b = w ^ (lo * '\\');
            uint64_t t = ((q - lo) & ~q) | ((b - lo) & ~b) | ((w - lo * 0x20) & ~w);
            if (t & hi) break;
            i += 8;
        }
        if (i >= n) {
            x->i = i;
            return fail(x, "unterminated string");
        }
        unsigned char c = (unsigned char)p[i];
        if (c == '"') {
            *ce = i;
            x->i = i + 1;
            return true;
        }
        if (c == '\\') {
            *esc = true;
            if (i + 1 >= n) {
                x->i = i;
                return fail(x, "unterminated string");
            }
            char e = p[i + 1];
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                e == 'r' || e == 't') {
                i += 2;
                continue;
            }
            unsigned v, w;
            x->i = i;
            if (e != 'u' || !hex4(p, n, i + 2, &v)) return fail(x, "invalid escape sequence");
            if (v == 0) return fail(x, "\\u0000 (NUL) in a string");
            if (v >= 0xDC00 && v <= 0xDFFF) return fail(x, "invalid \\u escape: lone low surrogate");
            if (v >= 0xD800 && v <= 0xDBFF) {
                if (!(i + 7 < n && p[i + 6] == '\\' && p[i + 7] == 'u' && hex4(p, n, i + 8, &w) &&
                      w >= 0xDC00 && w <= 0xDFFF))
                    return fail(x, "invalid \\u escape: lone high surrogate");
                i += 12;
                continue;
            }
            i += 6;
            continue;
        }
        if (c < 0x20) {
            x->i = i;
            return fail(x, c == 0 ? "NUL byte in a string" : "control character in a string");
        }
        i++;
    }
}

/* Decode a validated string's content into out (room for n bytes). */
static size_t unescape(const char *p, size_t n, char *out) {
    size_t o = 0, i = 0;
    while (i < n) {
        char c = p[i];
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        char e = p[i + 1];
        switch (e) {
        case 'b': out[o++] = '\b'; i += 2; continue;
        case 'f': out[o++] = '\f'; i += 2; continue;
        case 'n': out[o++] = '\n'; i += 2; continue;
        case 'r': out[o++] = '\r'; i += 2; continue;
        case 't': out[o++] = '\t'; i += 2; continue;
        case 'u': break;
        default: out[o++] = e; i += 2; continue;
        }
        unsigned v = 0, w = 0;
        hex4(p, n, i + 2, &v);
        i += 6;
        if (v >= 0xD800 && v <= 0xDBFF) {
            hex4(p, n, i + 2, &w);
            i += 6;
            v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
        }
        if (v < 0x80) {
            out[o++] = (char)v;
        } else if (v < 0x800) {
            out[o++] = (char)(0xC0 | (v >> 6));
            out[o++] = (char)(0x80 | (v & 0x3F));
        } else if (v < 0x10000) {
            out[o++] = (char)(0xE0 | (v >> 12));
            out[o++] = (char)(0x80 | ((v >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (v & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (v >> 18));
            out[o++] = (char)(0x80 | ((v >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((v >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (v & 0x3F));
        }
    }
    return o;
}

static bool scan_number(jx *x) {
    const char *p = x->p;
    size_t n = x->n, i = x->i;
    if (i < n && p[i] == '-') i++;
    if (i < n && p[i] == '0') {
        i++;
    } else if (i < n && p[i] >= '1' && p[i] <= '9') {
        while (i < n && isdig(p[i])) i++;
    } else {
        x->i = i;
        return fail(x, "invalid number");
    }
    if (i < n && p[i] == '.') {
        i++;
        if (!(i < n && isdig(p[i]))) {
            x->i = i;
            return fail(x, "invalid number");
        }
        while (i < n && isdig(p[i])) i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        if (!(i < n && isdig(p[i]))) {
            x->i = i;
            return fail(x, "invalid number");
        }
        while (i < n && isdig(p[i])) i++;
    }
    x->i = i;
    return true;
}

static bool scan_literal(jx *x, const char *lit, size_t len) {
    if (x->i + len > x->n || memcmp(x->p + x->i, lit, len)) return fail(x, "invalid literal");
    x->i += len;
    return true;
}

static bool fit(void **p, size_t *cap, size_t need, size_t elem);

/* Are two raw key strings equal once decoded? */
static bool same_key(const struct nj_skey *a, const struct nj_skey *b) {
    if (!a->esc && !b->esc) return a->len == b->len && !memcmp(a->p, b->p, a->len);
    char *da = malloc(a->len + 1), *db = malloc(b->len + 1);
    bool eq = false;
    if (da && db) {
        size_t la = unescape(a->p, a->len, da), lb = unescape(b->p, b->len, db);
        eq = la == lb && !memcmp(da, db, la);
    }
    free(da);
    free(db);
    return eq;
}

static bool skip_value(jx *x) {
    if (x->i >= x->n) return fail(x, "value expected");
    char c = x->p[x->i];
    size_t cs, ce;
    bool esc;
    switch (c) {
    case '"': return scan_string(x, &cs, &ce, &esc);
    case 't': return scan_literal(x, "true", 4);
    case 'f': return scan_literal(x, "false", 5);
    case 'n': return scan_literal(x, "null", 4);
    case '{':
    case '[': {
        if (++x->depth > x->max_depth) return fail(x, "nesting too deep");
        char close = c == '{' ? '}' : ']';
        nj_state *st = x->st;
        uint32_t kbase = st->nskeys; /* this object's keys start here */
        x->i++;
        ws(x);
        if (x->i < x->n && x->p[x->i] == close) {
            x->i++;
            x->depth--;
            return true;
        }
        for (;;) {
            if (c == '{') {
                if (x->i >= x->n || x->p[x->i] != '"') return fail(x, "object key expected");
                if (!scan_string(x, &cs, &ce, &esc)) return false;
                struct nj_skey k = {x->p + cs, (uint32_t)(ce - cs), esc};
                for (uint32_t j = kbase; j < st->nskeys; j++)
                    if (same_key(&st->skeys[j], &k)) return fail(x, "duplicate key inside an array");
                size_t cap = st->skeys_cap;
                if (!fit((void **)&st->skeys, &cap, st->nskeys + 1, sizeof *st->skeys)) {
                    st->bad.failed = true;
                    return false;
                }
                st->skeys_cap = (uint32_t)cap;
                st->skeys[st->nskeys++] = k;
                ws(x);
                if (x->i >= x->n || x->p[x->i] != ':') return fail(x, "':' expected");
                x->i++;
                ws(x);
            }
            if (!skip_value(x)) return false;
            ws(x);
            if (x->i < x->n && x->p[x->i] == ',') {
                x->i++;
                ws(x);
                continue;
            }
            if (x->i < x->n && x->p[x->i] == close) {
                x->i++;
                x->depth--;
                st->nskeys = kbase;
                return true;
            }
            return fail(x, c == '{' ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
    default:
        if (c == '-' || isdig(c)) return scan_number(x);
        return fail(x, "value expected");
    }
}

static bool fit(void **p, size_t *cap, size_t need, size_t elem) {
    if (*cap >= need) return true;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

static const char *kind_name(int kind) {
    switch (kind) {
    case NJ_STR: return "string";
    case NJ_NUM: return "number";
    case NJ_TRUE:
    case NJ_FALSE: return "boolean";
    case NJ_ARR: return "array";
    default: return "null";
    }
}

/* Store one leaf into column col of the current row. */
static void store_value(jx *x, int32_t col, int kind, const char *raw, size_t len, bool esc) {
    st_vector *v = x->o->batch->cols[col];
    const uint32_t row = x->row;
    const char *cname = x->cf->dict.names[col];
    st_type t = v->type;
    if (kind == NJ_NULL) {
        if (x->cf->notnull && x->cf->notnull[col])
            reason(x, col, cname, "null in a NOT NULL column");
        if (!tx_store_null(v, row)) x->st->bad.failed = true;
        return;
    }
    if (st_type_is_string(t)) {
        const char *s = raw;
        size_t sl = len;
        if (kind == NJ_TRUE) {
            tx_store_str(v, row, "true", 4);
            return;
        }
        if (kind == NJ_FALSE) {
            tx_store_str(v, row, "false", 5);
            return;
        }
        if ((kind == NJ_STR && esc) || !x->cf->pin) {
            char *d = st_vector_str_alloc(v, len ? len : 1);
            if (!d) {
                x->st->bad.failed = true;
                return;
            }
            if (kind == NJ_STR && esc) sl = unescape(raw, len, d);
            else memcpy(d, raw, len);
            s = d;
        }
        tx_store_str(v, row, s, sl);
        return;
    }
    char tn[ST_TYPE_NAME_MAX];
    if (t.id == ST_T_BOOLEAN && (kind == NJ_TRUE || kind == NJ_FALSE)) {
        ((uint8_t *)v->data)[row] = kind == NJ_TRUE;
        st_vector_set_valid(v, row);
        return;
    }
    if (kind == NJ_ARR || kind == NJ_TRUE || kind == NJ_FALSE ||
        (kind == NJ_NUM && (st_type_is_temporal(t) || t.id == ST_T_BOOLEAN))) {
        reason(x, col, cname, "a JSON %s is not a valid %s", kind_name(kind), st_type_name(t, tn));
        return;
    }
    const char *s = raw;
    size_t sl = len;
    if (kind == NJ_STR && esc) {
        if (!fit((void **)&x->st->scratch, &x->st->scratch_cap, len + 1, 1)) {
            x->st->bad.failed = true;
            return;
        }
        sl = unescape(raw, len, x->st->scratch);
        s = x->st->scratch;
    }
    char msg[300];
    if (!tx_store_parsed(v, row, s, sl, msg, sizeof msg)) reason(x, col, cname, "%s", msg);
}

/* Was path[0..plen) already an object in this record? */
static bool obj_seen(const nj_state *st, const char *path, size_t plen) {
    for (uint32_t k = 0; k < st->nobj; k++) {
        size_t a = st->objoff[k], b = k + 1 < st->nobj ? st->objoff[k + 1] : st->objbuf_len;
        if (b - a == plen && fold_eq(st->objbuf + a, path, plen)) return true;
    }
    return false;
}

static bool obj_add(nj_state *st, const char *path, size_t plen) {
    size_t cap = st->objbuf_cap, ocap = st->objoff_cap;
    if (!fit((void **)&st->objbuf, &cap, st->objbuf_len + plen + 1, 1)) return false;
    st->objbuf_cap = cap;
    if (!fit((void **)&st->objoff, &ocap, st->nobj + 1, sizeof *st->objoff)) return false;
    st->objoff_cap = (uint32_t)ocap;
    st->objoff[st->nobj++] = (uint32_t)st->objbuf_len;
    memcpy(st->objbuf + st->objbuf_len, path, plen);
    st->objbuf_len += plen;
    return true;
}

/* Column of the leaf at the current path, or -1. */
static int32_t lookup(jx *x, const char *path, size_t plen) {
    nj_state *st = x->st;
    const nj_dict *d = st->infer ? st->infer : &x->cf->dict;
    uint32_t k = x->leafno;
    if (k < st->pred_cap) {
        int32_t c = st->pred[k];
        if (c >= 0 && (uint32_t)c < d->n && d->lens[c] == plen) {
            const char *nm = d->names[c];
            size_t i = 0;
            while (i < plen && nm[i] == path[i]) i++;
            if (i == plen) return c;
        }
    }
    uint64_t h = nj_hash(path, plen);
    int32_t c = nj_dict_find(d, path, plen, h);
    if (c < 0 && st->infer) c = nj_dict_add(st->infer, path, plen, h);
    if (k >= st->pred_cap) {
        size_t cap = st->pred_cap;
        int32_t *np = st->pred;
        if (fit((void **)&np, &cap, k + 1, sizeof *np)) {
            for (size_t i = st->pred_cap; i < cap; i++) np[i] = -1;
            st->pred = np;
            st->pred_cap = (uint32_t)cap;
        }
    }
    if (k < st->pred_cap) st->pred[k] = c;
    return c;
}

static void leaf(jx *x, size_t plen, int kind, const char *raw, size_t len, bool esc) {
    nj_state *st = x->st;
    const char *path = st->path;
    if (st->nobj && obj_seen(st, path, plen)) {
        char name[200];
        size_t k = plen < sizeof name - 1 ? plen : sizeof name - 1;
        memcpy(name, path, k);
        name[k] = '\0';
        if (st->infer) x->failed = true;
        else reason(x, -1, name, "duplicate key '%s'", name);
        x->leafno++;
        return;
    }
    int32_t col = lookup(x, path, plen);
    x->leafno++;
    if (col < 0) {
        if (kind == NJ_NULL && !st->infer) return; /* an unknown key holding null carries nothing */
        if (st->infer) {
            st->bad.failed = true; /* dictionary allocation failed */
            return;
        }
        switch (x->cf->unknown) {
        case ST_TEXT_UNKNOWN_IGNORE: return;
        case ST_TEXT_UNKNOWN_EVOLVE:
            if (x->cf->evolve_stop) {
                x->unknown_stop = true;
                return;
            }
            /* fall through: no evolution possible here */
            __attribute__((fallthrough));
        default: {
            char name[200];
            size_t k = plen < sizeof name - 1 ? plen : sizeof name - 1;
            memcpy(name, path, k);
            name[k] = '\0';
            reason(x, -1, name, "unknown key '%s'", name);
            return;
        }
        }
    }
    size_t ncols = st->infer ? st->infer->n : x->cf->nout;
    if (st->seen_cap < ncols) {
        size_t cap = st->seen_cap;
        uint32_t *ns = st->seen;
        if (!fit((void **)&ns, &cap, ncols, sizeof *ns)) {
            st->bad.failed = true;
            return;
        }
        for (size_t i = st->seen_cap; i < cap; i++) ns[i] = 0;
        st->seen = ns;
        st->seen_cap = (uint32_t)cap;
    }
    if (st->seen[col] == st->gen) {
        const char *nm = st->infer ? st->infer->names[col] : x->cf->dict.names[col];
        if (st->infer) x->failed = true;
        else reason(x, col, nm, "duplicate key '%s'", nm);
        return;
    }
    st->seen[col] = st->gen;
    if (st->infer) {
        size_t cap = st->leaves_cap;
        if (!fit((void **)&st->leaves, &cap, st->nleaves + 1, sizeof *st->leaves)) {
            st->bad.failed = true;
            return;
        }
        st->leaves_cap = (uint32_t)cap;
        nj_leaf *lf = &st->leaves[st->nleaves++];
        lf->col = col;
        lf->kind = (uint8_t)kind;
        lf->esc = esc;
        lf->raw = raw;
        lf->len = len;
        return;
    }
    store_value(x, col, kind, raw, len, esc);
}

/* Parse an object at x->i whose members extend path[0..plen). */
static bool parse_obj(jx *x, size_t plen) {
    nj_state *st = x->st;
    if (++x->depth > x->max_depth) return fail(x, "nesting too deep");
    x->i++;
    ws(x);
    if (x->i < x->n && x->p[x->i] == '}') {
        x->i++;
        x->depth--;
        return true;
    }
    for (;;) {
        if (x->i >= x->n || x->p[x->i] != '"') return fail(x, "object key expected");
        size_t ks, ke;
        bool kesc = false;
        uint32_t kn = x->keyno++;
        /* the key the previous record had here, if the bytes match (it was
         * validated then, and the closing quote must follow) */
        struct nj_kpred *kp = kn < st->kpred_cap ? &st->kpred[kn] : NULL;
        if (kp && kp->len && x->i + 1 + kp->len < x->n && x->p[x->i + 1 + kp->len] == '"' &&
            !memcmp(x->p + x->i + 1, kp->key, kp->len)) {
            ks = x->i + 1;
            ke = ks + kp->len;
            x->i = ke + 1;
        } else {
            if (!scan_string(x, &ks, &ke, &kesc)) return false;
            if (kn >= st->kpred_cap) {
                size_t cap = st->kpred_cap;
                struct nj_kpred *nk = st->kpred;
                if (fit((void **)&nk, &cap, kn + 1, sizeof *nk)) {
                    memset(nk + st->kpred_cap, 0, (cap - st->kpred_cap) * sizeof *nk);
                    st->kpred = nk;
                    st->kpred_cap = (uint32_t)cap;
                }
            }
            if (kn < st->kpred_cap) {
                kp = &st->kpred[kn];
                kp->len = 0;
                if (!kesc && ke - ks > 0 && ke - ks <= sizeof kp->key) {
                    memcpy(kp->key, x->p + ks, ke - ks);
                    kp->len = (uint8_t)(ke - ks);
                }
            }
        }
        size_t klen = ke - ks;
        size_t need = plen + 1 + klen + 1;
        if (!fit((void **)&st->path, &st->path_cap, need, 1)) {
            st->bad.failed = true;
            return false;
        }
        size_t nl = plen;
        if (x->depth > 1) st->path[nl++] = '.'; /* nested (even under an empty key) */
        if (kesc) nl += unescape(x->p + ks, klen, st->path + nl);
        else memcpy(st->path + nl, x->p + ks, klen), nl += klen;
        ws(x);
        if (x->i >= x->n || x->p[x->i] != ':') return fail(x, "':' expected");
        x->i++;
        ws(x);
        if (x->i >= x->n) return fail(x, "value expected");
        char c = x->p[x->i];
        size_t vs = x->i, cs, ce;
        bool esc;
        switch (c) {
        case '{': {
            const nj_dict *d = st->infer ? st->infer : &x->cf->dict;
            int32_t lc = nj_dict_find(d, st->path, nl, nj_hash(st->path, nl));
            bool dup = obj_seen(st, st->path, nl) ||
                       (lc >= 0 && (uint32_t)lc < st->seen_cap && st->seen[lc] == st->gen);
            if (dup) {
                char name[200];
                size_t k = nl < sizeof name - 1 ? nl : sizeof name - 1;
                memcpy(name, st->path, k);
                name[k] = '\0';
                if (st->infer) x->failed = true;
                else reason(x, -1, name, "duplicate key '%s'", name);
            } else if (!obj_add(st, st->path, nl)) {
                st->bad.failed = true;
                return false;
            }
            if (!parse_obj(x, nl)) return false;
            break;
        }
        case '"':
            if (!scan_string(x, &cs, &ce, &esc)) return false;
            leaf(x, nl, NJ_STR, x->p + cs, ce - cs, esc);
            break;
        case '[':
            if (!skip_value(x)) return false;
            leaf(x, nl, NJ_ARR, x->p + vs, x->i - vs, false);
            break;
        case 't':
            if (!scan_literal(x, "true", 4)) return false;
            leaf(x, nl, NJ_TRUE, NULL, 0, false);
            break;
        case 'f':
            if (!scan_literal(x, "false", 5)) return false;
            leaf(x, nl, NJ_FALSE, NULL, 0, false);
            break;
        case 'n':
            if (!scan_literal(x, "null", 4)) return false;
            leaf(x, nl, NJ_NULL, NULL, 0, false);
            break;
        default:
            if (c != '-' && !isdig(c)) return fail(x, "value expected");
            if (!scan_number(x)) return false;
            leaf(x, nl, NJ_NUM, x->p + vs, x->i - vs, false);
            break;
        }
        if (x->failed) return false;
        ws(x);
        if (x->i < x->n && x->p[x->i] == ',') {
            x->i++;
            ws(x);
            continue;
        }
        if (x->i < x->n && x->p[x->i] == '}') {
            x->i++;
            x->depth--;
            return true;
        }
        return fail(x, "',' or '}' expected");
    }
}

bool nj_is_object_line(const char *p, size_t n, uint32_t max_depth) {
    size_t bad;
    if (tx_has_special(p, n) && !st_utf8_valid(p, n, &bad)) return false;
    nj_state st;
    memset(&st, 0, sizeof st);
    nj_dict d;
    nj_dict_init(&d, false);
    st.infer = &d;
    st.gen = 1;
    jx x = {.p = p, .n = n, .max_depth = max_depth, .st = &st};
    ws(&x);
    bool ok = x.i < n && p[x.i] == '{' && parse_obj(&x, 0);
    if (ok) {
        ws(&x);
        ok = x.i == n && !x.failed && !st.bad.failed;
    }
    nj_dict_free(&d);
    nj_state_free(&st, NULL);
    return ok;
}

void nj_state_free(nj_state *st, tx_pool *pool) {
    tx_rows_free(&st->rows, pool);
    tx_badlist_free(&st->bad);
    free(st->path);
    free(st->scratch);
    free(st->seen);
    free(st->pred);
    free(st->leaves);
    free(st->kpred);
    free(st->objbuf);
    free(st->objoff);
    free(st->skeys);
    st->skeys = NULL;
    st->nskeys = st->skeys_cap = 0;
    st->objbuf = NULL;
    st->objoff = NULL;
    st->objbuf_len = st->objbuf_cap = 0;
    st->nobj = st->objoff_cap = 0;
    st->kpred = NULL;
    st->kpred_cap = 0;
    st->path = st->scratch = NULL;
    st->seen = NULL;
    st->pred = NULL;
    st->leaves = NULL;
    st->path_cap = st->scratch_cap = 0;
    st->seen_cap = st->pred_cap = st->leaves_cap = st->nleaves = 0;
}

static void classify(tx_stat *s, const nj_leaf *lf) {
    switch (lf->kind) {
    case NJ_STR:
        if (lf->esc) tx_classify_text(s);
        else tx_classify_string(s, lf->raw, lf->len);
        break;
    case NJ_NUM: tx_classify_number(s, lf->raw, lf->len); break;
    case NJ_TRUE:
    case NJ_FALSE: tx_classify_bool(s); break;
    case NJ_ARR: tx_classify_text(s); break;
    default: break;
    }
}

st_status nj_consume(const nj_conf *cf, nj_state *st, tx_pool *pool, const char *buf, size_t n,
                     uint64_t abs, bool eof, size_t *consumed, st_error *e) {
    size_t s = 0;
    /* special bytes (>= 0x80, NUL) are looked for per 64 KiB block of lines,
     * and per line only inside a block that has some */
    size_t blk_end = 0;
    bool blk_special = false;
    st->stopped_unknown = false;
    while (s < n) {
        const char *nl = memchr(buf + s, '\n', n - s);
        if (!nl && !eof) break;
        size_t end = nl ? (size_t)(nl - buf) : n; /* the line is buf[s..end) */
        size_t next = nl ? end + 1 : n;
        size_t len = end - s;
        if (len && buf[end - 1] == '\r') len--;
        const char *p = buf + s;
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
        if (i == len) { /* blank line */
            st->line += nl != NULL;
            s = next;
            continue;
        }
        if (st->limit && st->records >= st->limit) break;
        jx x = {.p = p,
                .n = len,
                .max_depth = cf->max_depth,
                .cf = cf,
                .st = st,
                .rec = p,
                .rec_len = len,
                .abs = abs + s,
                .line = st->line};
        st->nobj = 0;
        st->objbuf_len = 0;
        st->nskeys = 0;
        st->gen++;
        if (st->gen == 0) { /* wrapped: forget every mark */
            if (st->seen) memset(st->seen, 0, st->seen_cap * sizeof *st->seen);
            st->gen = 1;
        }
        if (len > cf->max_record) {
            st->records++;
            if (!st->infer) {
                tx_bad_begin(&st->bad, st->line, abs + s, p, len, len, true, st->copy_raw,
                             st->rows.rows);
                tx_bad_reason(&st->bad, -1, NULL, "record longer than max_record (%zu bytes): %zu bytes",
                              cf->max_record, len);
                st->nbad++;
            }
            st->line += nl != NULL;
            s = next;
            continue;
        }
        if (end > blk_end) {
            size_t b = end - s > 65536 ? end - s : 65536;
            blk_end = n - s < b ? n : s + b;
            blk_special = tx_has_special(buf + s, blk_end - s);
        }
        size_t bad;
        if (blk_special && tx_has_special(p, len) && !st_utf8_valid(p, len, &bad)) {
            st->records++;
            if (!st->infer) {
                reason(&x, -1, NULL, "invalid UTF-8 at byte %zu of the line", bad);
                st->nbad++;
            }
            st->line += nl != NULL;
            s = next;
            continue;
        }
        x.i = i;
        if (p[i] != '{') {
            fail(&x, "not a JSON object");
            if (st->infer) {
                st->records++;
                st->line += nl != NULL;
                s = next;
                continue;
            }
        } else if (st->infer) {
            x.dict_mark = st->infer->n;
            st->nleaves = 0;
            if (parse_obj(&x, 0)) {
                ws(&x);
                if (x.i != len) fail(&x, "unexpected text after the object");
            }
            if (st->infer->failed || st->bad.failed)
                return st_error_set(e, ST_ERR_NOMEM, "out of memory reading NDJSON");
            if (x.failed) {
                nj_dict_truncate(st->infer, x.dict_mark);
            } else {
                for (uint32_t k = 0; k < st->nleaves; k++)
                    classify(&st->infer->stats[st->leaves[k].col], &st->leaves[k]);
            }
            st->records++;
            st->line += nl != NULL;
            s = next;
            continue;
        } else {
            x.o = tx_rows_slot(&st->rows, pool, &x.row);
            if (!x.o) return st_error_set(e, ST_ERR_NOMEM, "out of memory reading NDJSON");
            if (parse_obj(&x, 0)) {
                ws(&x);
                if (x.i != len) fail(&x, "unexpected text after the object");
            }
        }
        if (st->bad.failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory reading NDJSON");
        if (x.unknown_stop && !x.failed) {
            /* the record brings keys the schema lacks: let the caller evolve */
            if (x.begun) st->bad.n--, st->bad.nr = st->bad.items[st->bad.n].first_reason;
            st->stopped_unknown = true;
            *consumed = s;
            return ST_OK;
        }
        st->records++;
        if (!x.failed && x.o) {
            st_batch *b = x.o->batch;
            for (uint32_t c = 0; c < cf->nout; c++) {
                if (st->seen_cap > c && st->seen[c] == st->gen) continue;
                if (cf->notnull && cf->notnull[c])
                    reason(&x, (int32_t)c, cf->dict.names[c], "missing key '%s' (NOT NULL)",
                           cf->dict.names[c]);
                if (!tx_store_null(b->cols[c], x.row))
                    return st_error_set(e, ST_ERR_NOMEM, "out of memory reading NDJSON");
            }
            if (st->bad.failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory reading NDJSON");
        }
        if (!x.begun) {
            tx_rows_commit(&st->rows, x.o, x.row, st->line, abs + s);
            st->nrows++;
        } else {
            st->nbad++;
        }
        st->line += nl != NULL;
        s = next;
    }
    *consumed = s;
    return ST_OK;
}

/* ---- conf and schema -------------------------------------------------------- */

st_status nj_conf_init(nj_conf *cf, const st_schema *s, const st_ndjson_options *o, st_buf *pin,
                       st_error *e) {
    memset(cf, 0, sizeof *cf);
    nj_dict_init(&cf->dict, false);
    cf->nout = s->nfields;
    cf->types = malloc((s->nfields ? s->nfields : 1) * sizeof *cf->types);
    if (!cf->types) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_schema_types(s, cf->types);
    for (uint32_t k = 0; k < s->nfields; k++) {
        if (s->fields[k].nullable) continue;
        if (!cf->notnull && !(cf->notnull = calloc(s->nfields, sizeof *cf->notnull))) {
            nj_conf_free(cf);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        cf->notnull[k] = true;
    }
    for (uint32_t k = 0; k < s->nfields; k++) {
        const char *nm = s->fields[k].name;
        size_t len = strlen(nm);
        if (nj_dict_add(&cf->dict, nm, len, nj_hash(nm, len)) < 0) {
            nj_conf_free(cf);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
    }
    cf->max_depth = o->max_depth ? o->max_depth : ST_NDJSON_MAX_DEPTH_DEFAULT;
    cf->max_record = o->max_record ? o->max_record : ST_TEXT_MAX_RECORD_DEFAULT;
    cf->unknown = o->unknown;
    cf->pin = pin;
    return ST_OK;
}

void nj_conf_free(nj_conf *cf) {
    nj_dict_free(&cf->dict);
    free(cf->types);
    free(cf->notnull);
    memset(cf, 0, sizeof *cf);
}

st_status nj_schema_from(const nj_dict *d, const st_ndjson_options *o, st_schema **out,
                         st_error *e) {
    st_schema *s = o->schema ? st_schema_clone(o->schema) : st_schema_new();
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    bool fixed = o->schema != NULL;
    for (uint32_t k = 0; d && k < d->n; k++) {
        if (d->stats && d->stats[k].nonnull == 0) {
            /* only nulls under a name that is an object elsewhere ("device":
             * null beside device.os): not a column of its own */
            bool prefix = false;
            for (uint32_t j = 0; j < d->n && !prefix; j++)
                prefix = d->lens[j] > d->lens[k] && d->names[j][d->lens[k]] == '.' &&
                         !strncasecmp(d->names[j], d->names[k], d->lens[k]);
            if (prefix) continue;
        }
        if (fixed) {
            if (o->unknown != ST_TEXT_UNKNOWN_EVOLVE) break;
            if (st_schema_find_n(s, d->names[k], d->lens[k]) >= 0) continue;
        }
        st_type t = d->stats ? tx_stat_resolve(&d->stats[k]) : st_type_make(ST_T_VARCHAR);
        st_status rc = st_schema_add(s, d->names[k], t, fixed ? 0 : k + 1, true, e);
        if (rc != ST_OK) {
            st_schema_free(s);
            return rc;
        }
    }
    *out = s;
    return ST_OK;
}
