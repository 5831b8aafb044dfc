/*
 * gen_emit.c: records as text, and the malformed ones.
 *
 * A source builds each record as a gen_row (field texts in schema order);
 * gen_emit serializes it as one CSV line (RFC 4180: a field is quoted only
 * when it holds a comma, a quote or a line break, quotes doubled; NULL is an
 * empty unquoted field) or one NDJSON object (keys in schema order, numbers
 * bare, strings escaped, NULL as null).  Hand-rolled formatting: this is the
 * generator's hot loop.
 *
 * Malformed records are decided per record key (so the same record is bad in
 * any chunking) and each kind is built so that it is bad for any schema that
 * declares the source's columns, types and required keys (see st_gen_bad).
 * Two rules keep the accounting exact for readers: a record never spans two
 * lines (no newline is ever injected, and a truncated CSV line is never cut
 * inside a quoted field, which would swallow the next lines), and a record is
 * never an empty line (readers skip those).
 */
#include <stdlib.h>
#include <string.h>

#include "bench/gen/gen_int.h"
#include "format/status.h"

/* ---- rows --------------------------------------------------------------- */

void gen_row_begin(gen_row *r, bool json) {
    r->json = json;
    r->n = 0;
    r->used = 0;
}

static char *field_begin(gen_row *r, size_t need) {
    ST_ASSERT(r->n < GEN_ROW_MAX_FIELDS);
    ST_ASSERT(r->used + need <= GEN_ROW_TEXT);
    r->f[r->n].off = (uint16_t)r->used;
    r->f[r->n].null = false;
    r->f[r->n].as_string = false;
    r->f[r->n].omit = false;
    return r->text + r->used;
}
static void field_end(gen_row *r, size_t len) {
    r->f[r->n].len = (uint16_t)len;
    r->used += (uint32_t)len;
    r->n++;
}

static size_t put_u64(char *p, uint64_t v) {
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    return n;
}

void gen_row_int(gen_row *r, int64_t v) {
    char *p = field_begin(r, 24);
    size_t n = 0;
    if (v < 0) {
        p[n++] = '-';
        n += put_u64(p + n, (uint64_t)0 - (uint64_t)v);
    } else {
        n += put_u64(p, (uint64_t)v);
    }
    field_end(r, n);
}

void gen_row_dec(gen_row *r, int64_t unscaled, int scale) {
    char *p = field_begin(r, 32);
    size_t n = 0;
    uint64_t u = unscaled < 0 ? (uint64_t)0 - (uint64_t)unscaled : (uint64_t)unscaled;
    if (unscaled < 0) p[n++] = '-';
    uint64_t pow10 = 1;
    for (int i = 0; i < scale; i++) pow10 *= 10;
    n += put_u64(p + n, u / pow10);
    if (scale > 0) {
        p[n++] = '.';
        uint64_t f = u % pow10;
        for (int i = scale - 1; i >= 0; i--) {
            p[n + (size_t)i] = (char)('0' + f % 10);
            f /= 10;
        }
        n += (size_t)scale;
    }
    field_end(r, n);
}

void gen_row_str(gen_row *r, const char *s, size_t n) {
    char *p = field_begin(r, n);
    memcpy(p, s, n);
    field_end(r, n);
}

void gen_row_cstr(gen_row *r, const char *s) { gen_row_str(r, s, strlen(s)); }

void gen_row_null(gen_row *r) {
    field_begin(r, 0);
    r->f[r->n].null = true;
    field_end(r, 0);
}

void gen_row_bool(gen_row *r, bool v) { gen_row_cstr(r, v ? "true" : "false"); }

static inline void put2(char *p, unsigned v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void gen_row_ts(gen_row *r, const gen_world *w, int64_t ms, int style, int offset_min) {
    char *p = field_begin(r, 32);
    if (style == TS_OFFSET) ms += (int64_t)offset_min * 60000;
    int64_t day = ms >= 0 ? ms / GEN_MS_DAY : -((-ms + GEN_MS_DAY - 1) / GEN_MS_DAY);
    int64_t tod = ms - day * GEN_MS_DAY;
    int64_t di = day - GEN_DATES_FROM;
    ST_ASSERT(di >= 0 && di < GEN_DATES_N);
    memcpy(p, w->dates[di], 10);
    unsigned sec = (unsigned)(tod / 1000), msec = (unsigned)(tod % 1000);
    p[10] = (r->json || style == TS_OFFSET) ? 'T' : ' ';
    put2(p + 11, sec / 3600);
    p[13] = ':';
    put2(p + 14, sec / 60 % 60);
    p[16] = ':';
    put2(p + 17, sec % 60);
    size_t n = 19;
    if (style == TS_MS) {
        p[n++] = '.';
        p[n++] = (char)('0' + msec / 100);
        put2(p + n, msec % 100);
        n += 2;
    }
    if (style == TS_OFFSET) {
        int o = offset_min < 0 ? -offset_min : offset_min;
        p[n++] = offset_min < 0 ? '-' : '+';
        put2(p + n, (unsigned)(o / 60));
        p[n + 2] = ':';
        put2(p + n + 3, (unsigned)(o % 60));
        n += 5;
    } else if (r->json) {
        p[n++] = 'Z';
    }
    field_end(r, n);
}

void gen_row_date(gen_row *r, const gen_world *w, int32_t days) {
    int64_t di = (int64_t)days - GEN_DATES_FROM;
    ST_ASSERT(di >= 0 && di < GEN_DATES_N);
    gen_row_str(r, w->dates[di], 10);
}

/* ---- output buffer ------------------------------------------------------ */

void gen_out_free(gen_out *o) {
    free(o->p);
    free(o->row_end);
    free(o->row_ts);
    free(o->row_flags);
    free(o->row_bad);
    memset(o, 0, sizeof *o);
}

void gen_out_reset(gen_out *o) {
    o->len = 0;
    o->nrows = 0;
    o->oom = false;
}

static bool out_reserve(gen_out *o, size_t extra) {
    if (o->oom) return false;
    if (o->len + extra > o->cap) {
        size_t cap = o->cap ? o->cap : (1u << 20);
        while (cap < o->len + extra) cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = true;
            return false;
        }
        o->p = p;
        o->cap = cap;
    }
    return true;
}

static bool rows_reserve(gen_out *o) {
    if (o->oom) return false;
    if (o->nrows < o->rows_cap) return true;
    uint32_t cap = o->rows_cap ? o->rows_cap * 2 : 16384;
    uint32_t *re = realloc(o->row_end, sizeof(uint32_t) * cap);
    if (re) o->row_end = re;
    int64_t *ts = realloc(o->row_ts, sizeof(int64_t) * cap);
    if (ts) o->row_ts = ts;
    uint8_t *fl = realloc(o->row_flags, cap);
    if (fl) o->row_flags = fl;
    uint8_t *bd = realloc(o->row_bad, cap);
    if (bd) o->row_bad = bd;
    if (!re || !ts || !fl || !bd) {
        o->oom = true;
        return false;
    }
    o->rows_cap = cap;
    return true;
}

void gen_out_put(gen_out *o, const void *p, size_t n) {
    if (!out_reserve(o, n)) return;
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

/* ---- serialization ------------------------------------------------------ */

static bool csv_needs_quotes(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
    }
    return false;
}

static char *csv_field(char *p, const char *s, size_t n, bool *quoted) {
    if (!csv_needs_quotes(s, n)) {
        memcpy(p, s, n);
        *quoted = false;
        return p + n;
    }
    *quoted = true;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

static char *json_string(char *p, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c < 0x20) {
            *p++ = '\\';
            if (c == '\n') *p++ = 'n';
            else if (c == '\t') *p++ = 't';
            else if (c == '\r') *p++ = 'r';
            else {
                *p++ = 'u';
                *p++ = '0';
                *p++ = '0';
                *p++ = hex[c >> 4];
                *p++ = hex[c & 15];
            }
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    return p;
}

void gen_emit_header(gen_out *o, const gen_schema *s, bool json) {
    if (json) return;
    for (uint32_t i = 0; i < s->ncols; i++) {
        if (i) gen_out_put(o, ",", 1);
        gen_out_put(o, s->cols[i].name, strlen(s->cols[i].name));
    }
    gen_out_put(o, "\n", 1);
}

/* ---- malformed records -------------------------------------------------- */

static const unsigned kind_weight[ST_GEN_BAD_NKINDS] = {
    [ST_GEN_BAD_TYPE] = 20, [ST_GEN_BAD_MISSING] = 16, [ST_GEN_BAD_EXTRA] = 6,
    [ST_GEN_BAD_TRUNCATED] = 16, [ST_GEN_BAD_DATE] = 14, [ST_GEN_BAD_UTF8] = 10,
    [ST_GEN_BAD_NULL] = 12, [ST_GEN_BAD_GARBAGE] = 6};

static bool schema_has(const gen_schema *s, st_gen_bad k, bool json) {
    for (uint32_t i = 0; i < s->ncols; i++) {
        const gen_col *c = &s->cols[i];
        switch (k) {
        case ST_GEN_BAD_TYPE:
            if (c->type == GT_INT || c->type == GT_DEC) return true;
            break;
        case ST_GEN_BAD_DATE:
            if (c->type == GT_TS || c->type == GT_DATE) return true;
            break;
        case ST_GEN_BAD_UTF8:
            if (c->type == GT_STR) return true;
            break;
        case ST_GEN_BAD_MISSING:
        case ST_GEN_BAD_NULL:
            if (c->required) return true;
            break;
        case ST_GEN_BAD_EXTRA: return !json;
        default: return true;
        }
    }
    return false;
}

st_gen_bad gen_bad_pick(const gen_world *w, const gen_schema *s, bool json, uint64_t tag,
                        uint64_t key) {
    if (w->bad_rate <= 0) return ST_GEN_BAD_NONE;
    gen_rng r = gen_rng_at(w->seed, TAG_BAD, (tag << 56) ^ key);
    if (gen_unif(&r) >= w->bad_rate) return ST_GEN_BAD_NONE;
    unsigned total = 0, wt[ST_GEN_BAD_NKINDS] = {0};
    for (int k = 1; k < ST_GEN_BAD_NKINDS; k++) {
        wt[k] = schema_has(s, (st_gen_bad)k, json) ? kind_weight[k] : 0;
        total += wt[k];
    }
    uint32_t x = gen_below(&r, total);
    for (int k = 1; k < ST_GEN_BAD_NKINDS; k++) {
        if (x < wt[k]) return (st_gen_bad)k;
        x -= wt[k];
    }
    return ST_GEN_BAD_TRUNCATED;
}

/* pick a field index satisfying pred, or -1 */
static int pick_field(const gen_schema *s, const gen_row *r, gen_rng *g, int what) {
    int cand[GEN_ROW_MAX_FIELDS], n = 0;
    for (uint32_t i = 0; i < r->n && i < s->ncols; i++) {
        const gen_col *c = &s->cols[i];
        bool ok = false;
        switch (what) {
        case ST_GEN_BAD_TYPE: ok = (c->type == GT_INT || c->type == GT_DEC) && !r->f[i].null; break;
        case ST_GEN_BAD_DATE: ok = (c->type == GT_TS || c->type == GT_DATE) && !r->f[i].null; break;
        case ST_GEN_BAD_UTF8: ok = c->type == GT_STR && !r->f[i].null && r->f[i].len > 0; break;
        case ST_GEN_BAD_MISSING:
        case ST_GEN_BAD_NULL: ok = c->required && !r->f[i].null; break;
        default: ok = true;
        }
        if (ok) cand[n++] = (int)i;
    }
    return n ? cand[gen_below(g, (uint32_t)n)] : -1;
}

static void set_field_text(gen_row *r, int i, const char *s, size_t n) {
    ST_ASSERT(r->used + n <= GEN_ROW_TEXT);
    memmove(r->text + r->used, s, n);
    r->f[i].off = (uint16_t)r->used;
    r->f[i].len = (uint16_t)n;
    r->f[i].null = false;
    r->used += (uint32_t)n;
}

/* Apply a field-level malformation; returns the kind actually applied (a
 * record without a suitable field falls back to a truncated line). */
static st_gen_bad apply_bad(const gen_schema *s, gen_row *r, st_gen_bad bad, gen_rng *g,
                            int *extra_after) {
    static const char *const bad_nums[] = {"abc", "five", "1O0", "12.3.4", "--", "?", "#VALUE!",
                                           "1,5", "12 500", "ten"};
    static const char *const bad_ts[] = {"2025-02-30 10:15:00", "2025-13-01 08:00:00",
                                         "2025-06-31 23:59:59", "2025-04-10 25:61:00",
                                         "31/12/2025 10:00",    "2025-00-12 12:00:00",
                                         "yesterday",           "0000-00-00 00:00:00"};
    static const char *const bad_dates[] = {"2025-02-30", "2025-13-01", "2024-06-31",
                                            "31/12/2024", "0000-00-00", "not a date"};
    static const char *const bad_bytes[] = {"\xff", "\xc3(", "\xed\xa0\x80", "\x80", "\xfe\xfe"};
    int i;
    switch (bad) {
    case ST_GEN_BAD_TYPE:
        if ((i = pick_field(s, r, g, bad)) < 0) return ST_GEN_BAD_TRUNCATED;
        {
            uint32_t t = gen_below(g, 11);
            if (t == 10) { /* JSON: a boolean where a number belongs; CSV: "true" */
                set_field_text(r, i, "true", 4);
            } else {
                set_field_text(r, i, bad_nums[t], strlen(bad_nums[t]));
                r->f[i].as_string = true;
            }
        }
        return bad;
    case ST_GEN_BAD_DATE:
        if ((i = pick_field(s, r, g, bad)) < 0) return ST_GEN_BAD_TRUNCATED;
        if (s->cols[i].type == GT_DATE) {
            const char *d = bad_dates[gen_below(g, 6)];
            set_field_text(r, i, d, strlen(d));
        } else {
            const char *d = bad_ts[gen_below(g, 8)];
            set_field_text(r, i, d, strlen(d));
        }
        return bad;
    case ST_GEN_BAD_NULL:
        if ((i = pick_field(s, r, g, bad)) < 0) return ST_GEN_BAD_TRUNCATED;
        r->f[i].null = true;
        r->f[i].len = 0;
        return bad;
    case ST_GEN_BAD_MISSING:
        if ((i = pick_field(s, r, g, bad)) < 0) return ST_GEN_BAD_TRUNCATED;
        r->f[i].omit = true;
        return bad;
    case ST_GEN_BAD_EXTRA:
        *extra_after = (int)gen_below(g, r->n);
        return bad;
    case ST_GEN_BAD_UTF8: {
        if ((i = pick_field(s, r, g, bad)) < 0) return ST_GEN_BAD_TRUNCATED;
        const char *old = r->text + r->f[i].off;
        size_t len = r->f[i].len, at = gen_below(g, (uint32_t)len + 1);
        while (at > 0 && at < len && ((unsigned char)old[at] & 0xC0) == 0x80) at--;
        const char *b = bad_bytes[gen_below(g, 5)];
        size_t bl = strlen(b);
        char tmp[GEN_ROW_TEXT];
        if (len + bl > sizeof tmp) return ST_GEN_BAD_TRUNCATED;
        memcpy(tmp, old, at);
        memcpy(tmp + at, b, bl);
        memcpy(tmp + at + bl, old + at, len - at);
        set_field_text(r, i, tmp, len + bl);
        return bad;
    }
    default: return bad;
    }
}

void gen_emit(gen_out *o, const gen_schema *s, gen_row *r, st_gen_bad bad, uint64_t key,
              int64_t ts, uint8_t flags) {
    static const char *const garbage_csv[] = {"ERROR 502: upstream timed out",
                                              "<html><body>Service Unavailable</body></html>",
                                              "#N/A"};
    static const char *const garbage_json[] = {"ERROR 502: upstream timed out",
                                               "<html><body>Service Unavailable</body></html>",
                                               "{\"error\":\"rate limited\",\"retry_after\":30}",
                                               "null"};
    ST_ASSERT(r->n == s->ncols);
    /* worst case: every byte escaped as \u00XX, plus keys and punctuation */
    size_t need = (size_t)r->used * 6 + 64;
    for (uint32_t i = 0; i < s->ncols; i++) need += strlen(s->cols[i].name) + 8;
    if (!out_reserve(o, need) || !rows_reserve(o)) return;
    gen_rng g = gen_rng_at(key, TAG_BAD, key ^ 0x5bd1e995u);
    int extra_after = -1;
    if (bad != ST_GEN_BAD_NONE && bad != ST_GEN_BAD_TRUNCATED && bad != ST_GEN_BAD_GARBAGE)
        bad = apply_bad(s, r, bad, &g, &extra_after);

    char *start = o->p + o->len, *p = start;
    uint32_t fstart[GEN_ROW_MAX_FIELDS];
    bool fquoted[GEN_ROW_MAX_FIELDS];
    uint32_t nf = 0;
    if (bad == ST_GEN_BAD_GARBAGE) {
        const char *t = r->json ? garbage_json[gen_below(&g, 4)] : garbage_csv[gen_below(&g, 3)];
        size_t n = strlen(t);
        memcpy(p, t, n);
        p += n;
    } else if (!r->json) {
        bool first = true;
        for (uint32_t i = 0; i < r->n; i++) {
            if (r->f[i].omit) continue;
            if (!first) *p++ = ',';
            first = false;
            fstart[nf] = (uint32_t)(p - start);
            if (r->f[i].null) fquoted[nf] = false;
            else p = csv_field(p, r->text + r->f[i].off, r->f[i].len, &fquoted[nf]);
            nf++;
            if ((int)i == extra_after) {
                bool q;
                *p++ = ',';
                p = csv_field(p, r->text + r->f[i].off, r->f[i].len, &q);
            }
        }
    } else {
        *p++ = '{';
        bool first = true;
        for (uint32_t i = 0; i < r->n; i++) {
            if (r->f[i].omit) continue;
            if (!first) *p++ = ',';
            first = false;
            *p++ = '"';
            size_t kl = strlen(s->cols[i].name);
            memcpy(p, s->cols[i].name, kl);
            p += kl;
            *p++ = '"';
            *p++ = ':';
            uint8_t t = s->cols[i].type;
            if (r->f[i].null) {
                memcpy(p, "null", 4);
                p += 4;
            } else if ((t == GT_INT || t == GT_DEC || t == GT_BOOL) && !r->f[i].as_string) {
                memcpy(p, r->text + r->f[i].off, r->f[i].len);
                p += r->f[i].len;
            } else {
                p = json_string(p, r->text + r->f[i].off, r->f[i].len);
            }
        }
        *p++ = '}';
    }
    size_t len = (size_t)(p - start);
    if (bad == ST_GEN_BAD_TRUNCATED) {
        size_t cut = 0;
        if (r->json) {
            /* anywhere before the closing brace, on a character boundary */
            if (len > 2) {
                cut = 1 + gen_below(&g, (uint32_t)(len - 2));
                while (cut > 1 && ((unsigned char)start[cut] & 0xC0) == 0x80) cut--;
            }
        } else if (nf >= 2) {
            /* inside an unquoted field, or just before a quoted one, so that
             * at least one field is lost and no quote is left open */
            uint32_t j = gen_below(&g, nf - 1);
            size_t fend = j + 1 < nf ? fstart[j + 1] - 1 : len;
            if (fquoted[j] || fend == fstart[j]) cut = fstart[j];
            else cut = fstart[j] + gen_below(&g, (uint32_t)(fend - fstart[j]));
            if (cut == 0) cut = fquoted[0] ? 0 : 1;
            if (cut == 0) { /* the first field is quoted: cut after it */
                cut = fstart[1] - 1;
            }
        }
        if (cut == 0 || cut >= len) cut = len > 1 ? len - 1 : len;
        len = cut;
    }
    start[len++] = '\n';
    o->len += len;
    o->row_end[o->nrows] = (uint32_t)o->len;
    o->row_ts[o->nrows] = ts;
    o->row_flags[o->nrows] = flags;
    o->row_bad[o->nrows] = (uint8_t)bad;
    o->nrows++;
}
