/*
 * contract.c: compiled validation rules and the per-batch check (see
 * contract.h).
 *
 * The check is column-at-a-time: for each field that has a rule, walk the
 * live rows and mark failures in a per-row counter; only rows that fail get
 * a message built (failures are rare, messages are not on the hot path).
 * Fields without rules cost nothing.  Bounds and allowed values are
 * compared as zone-map values (st_zval), the one ordering every layer uses.
 */
#include "engine/contract.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/lineage.h"
#include "format/hash.h"
#include "format/zonemap.h"

static const char *const reason_names[ST_R__COUNT] = {
    "bad_value",     "ragged_row", "invalid_utf8", "oversize",  "malformed",
    "unknown_field", "missing_required", "null_not_allowed", "below_min", "above_max",
    "not_allowed",   "regex_mismatch", "too_long"};

const char *st_reason_name(st_reason_code c) {
    return (unsigned)c < ST_R__COUNT ? reason_names[c] : "malformed";
}

st_reason_code st_reason_classify(const char *m) {
    if (!m) return ST_R_MALFORMED;
    if (strcasestr(m, "utf-8") || strcasestr(m, "utf8")) return ST_R_UTF8;
    if (strcasestr(m, "unknown key") || strcasestr(m, "unknown field") || strcasestr(m, "unknown column"))
        return ST_R_UNKNOWN_FIELD;
    if (strcasestr(m, "missing") && (strcasestr(m, "key") || strcasestr(m, "required")))
        return ST_R_MISSING_REQUIRED;
    if (strcasestr(m, "expected") && strcasestr(m, "field")) return ST_R_RAGGED;
    if (strcasestr(m, "longer than") || strcasestr(m, "oversize") || strcasestr(m, "too long"))
        return ST_R_OVERSIZE;
    if (strcasestr(m, "is not a") || strcasestr(m, "out of range") || strcasestr(m, "does not fit") ||
        strcasestr(m, "not an") || strcasestr(m, "overflow"))
        return ST_R_BAD_VALUE;
    return ST_R_MALFORMED;
}

st_status st_contract_check_schema(const st_tschema *s, st_error *e) {
    static const char *const reserved[] = {"_ingest_id", "_source", "_line", "_ingested_at", NULL};
    for (uint32_t i = 0; i < s->nfields; i++)
        for (const char *const *r = reserved; *r; r++)
            if (!strcasecmp(s->fields[i].name, *r))
                return st_error_set(e, ST_ERR_INVALID, "column '%s' has the name of a lineage column Bronze "
                                    "adds to every row; rename it in the source or the schema",
                                    s->fields[i].name);
    return ST_OK;
}

/* ---- compiled rules ------------------------------------------------------------ */

typedef struct frule {
    uint32_t index; /* field index */
    st_type type;
    const char *name;
    bool not_null;
    bool has_min, has_max;
    st_zval min, max;
    const char *min_text, *max_text;
    /* allowed: strings in a hash set, other types as sorted zvals */
    uint32_t nallowed;
    st_zval *allowed_z;
    uint64_t *allowed_hash; /* open addressing, 0 = empty (hashes are forced odd) */
    uint32_t *allowed_idx;
    uint32_t allowed_cap;
    char **allowed_s;
    bool has_regex;
    regex_t re;
    const char *regex_text;
    uint32_t max_length;
} frule;

struct st_contract {
    uint32_t nrules;
    frule *rules;
    st_tschema *schema; /* own copy (names and texts point into it) */
};

static st_status parse_bound(st_type t, const char *text, st_zval *out, st_error *e) {
    unsigned char v[32];
    ST_TRY(st_parse_value(t, text, strlen(text), v, e));
    st_zval_from_value(t, v, out);
    return ST_OK;
}

static uint64_t str_hash(const char *p, size_t n) { return st_hash_bytes(p, n) | 1; }

void st_contract_free(st_contract *c) {
    if (!c) return;
    for (uint32_t i = 0; i < c->nrules; i++) {
        frule *r = &c->rules[i];
        free(r->allowed_z);
        free(r->allowed_hash);
        free(r->allowed_idx);
        if (r->has_regex) regfree(&r->re);
    }
    free(c->rules);
    st_tschema_free(c->schema);
    free(c);
}

st_status st_contract_new(const st_tschema *s, st_contract **out, st_error *e) {
    *out = NULL;
    st_contract *c = calloc(1, sizeof *c);
    if (!c || !(c->schema = st_tschema_clone(s))) {
        free(c);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    c->rules = calloc(s->nfields ? s->nfields : 1, sizeof *c->rules);
    if (!c->rules) {
        st_contract_free(c);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    st_status rc = ST_OK;
    for (uint32_t i = 0; i < c->schema->nfields && !rc; i++) {
        const st_tfield *f = &c->schema->fields[i];
        const st_field_rules *fr = &f->rules;
        if (f->nullable && !fr->min && !fr->max && !fr->nallowed && !fr->regex && !fr->max_length) continue;
        frule *r = &c->rules[c->nrules++];
        r->index = i;
        r->type = f->type;
        r->name = f->name;
        r->not_null = !f->nullable;
        if (fr->min) {
            r->has_min = true;
            r->min_text = fr->min;
            rc = parse_bound(f->type, fr->min, &r->min, e);
        }
        if (!rc && fr->max) {
            r->has_max = true;
            r->max_text = fr->max;
            rc = parse_bound(f->type, fr->max, &r->max, e);
        }
        if (!rc && fr->nallowed) {
            r->nallowed = fr->nallowed;
            r->allowed_s = fr->allowed;
            if (st_type_is_string(f->type)) {
                uint32_t cap = 16;
                while (cap < fr->nallowed * 2) cap *= 2;
                r->allowed_cap = cap;
                r->allowed_hash = calloc(cap, sizeof *r->allowed_hash);
                r->allowed_idx = calloc(cap, sizeof *r->allowed_idx);
                if (!r->allowed_hash || !r->allowed_idx) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                for (uint32_t k = 0; !rc && k < fr->nallowed; k++) {
                    uint64_t h = str_hash(fr->allowed[k], strlen(fr->allowed[k]));
                    uint32_t slot = (uint32_t)h & (cap - 1);
                    while (r->allowed_hash[slot]) slot = (slot + 1) & (cap - 1);
                    r->allowed_hash[slot] = h;
                    r->allowed_idx[slot] = k;
                }
            } else {
                r->allowed_z = calloc(fr->nallowed, sizeof *r->allowed_z);
                if (!r->allowed_z) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                for (uint32_t k = 0; !rc && k < fr->nallowed; k++)
                    rc = parse_bound(f->type, fr->allowed[k], &r->allowed_z[k], e);
            }
        }
        if (!rc && fr->regex) {
            size_t n = strlen(fr->regex);
            char *anchored = malloc(n + 5);
            if (!anchored) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                break;
            }
            snprintf(anchored, n + 5, "^(%s)$", fr->regex);
            int err = regcomp(&r->re, anchored, REG_EXTENDED | REG_NOSUB);
            free(anchored);
            if (err) {
                char msg[200];
                regerror(err, &r->re, msg, sizeof msg);
                rc = st_error_set(e, ST_ERR_INVALID, "field '%s': bad regex '%.100s': %s", f->name, fr->regex, msg);
            } else {
                r->has_regex = true;
                r->regex_text = fr->regex;
            }
        }
        r->max_length = fr->max_length;
        if (rc) st_error_prefix(e, "field '%s': ", f->name);
    }
    if (rc) {
        st_contract_free(c);
        return rc;
    }
    *out = c;
    return ST_OK;
}

bool st_contract_trivial(const st_contract *c) { return c->nrules == 0; }

/* ---- checking -------------------------------------------------------------------- */

void st_contract_result_reset(st_contract_result *r) {
    r->nfails = 0;
    if (r->arena) st_arena_reset(r->arena);
}

void st_contract_result_free(st_contract_result *r) {
    free(r->fails);
    st_arena_free(r->arena);
    memset(r, 0, sizeof *r);
}

static size_t utf8_len(const char *p, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)p[i] & 0xC0) != 0x80;
    return k;
}

/* Value text for messages (at most 64 bytes, quoted strings). */
static void value_text(const st_vector *v, uint32_t row, char *buf, size_t cap) {
    if (st_type_is_string(v->type)) {
        const st_str *s = &ST_VEC(v, st_str)[row];
        size_t n = s->len > 64 ? 64 : s->len;
        /* do not cut a UTF-8 sequence in the middle */
        while (n < s->len && n > 0 && ((unsigned char)s->ptr[n] & 0xC0) == 0x80) n--;
        char tmp[80];
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s->ptr[i];
            tmp[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        tmp[k] = '\0';
        snprintf(buf, cap, "'%s%s'", tmp, n < s->len ? "..." : "");
    } else {
        char t[ST_FORMAT_MAX];
        st_format_value(v->type, st_vector_at(v, row), t);
        snprintf(buf, cap, "%s", t);
    }
}

/* One failure of row `row` (ascending calls per field; fields in order). */
typedef struct pending {
    uint32_t row;
    uint8_t code;
    uint32_t rule;
} pending;

static bool value_allowed(const frule *r, const st_vector *v, uint32_t row) {
    if (st_type_is_string(r->type)) {
        const st_str *s = &ST_VEC(v, st_str)[row];
        uint64_t h = str_hash(s->ptr, s->len);
        uint32_t slot = (uint32_t)h & (r->allowed_cap - 1);
        while (r->allowed_hash[slot]) {
            if (r->allowed_hash[slot] == h) {
                const char *a = r->allowed_s[r->allowed_idx[slot]];
                if (strlen(a) == s->len && !memcmp(a, s->ptr, s->len)) return true;
            }
            slot = (slot + 1) & (r->allowed_cap - 1);
        }
        return false;
    }
    st_zval z;
    st_zval_from_value(r->type, st_vector_at(v, row), &z);
    for (uint32_t k = 0; k < r->nallowed; k++)
        if (st_zval_cmp(r->type, &z, &r->allowed_z[k]) == 0) return true;
    return false;
}

static bool regex_ok(const frule *r, const st_vector *v, uint32_t row, char **scratch, size_t *cap) {
    const st_str *s = &ST_VEC(v, st_str)[row];
    if (memchr(s->ptr, 0, s->len)) return false;
    if (s->len + 1 > *cap) {
        size_t nc = s->len + 1 > 256 ? s->len + 1 : 256;
        char *n = realloc(*scratch, nc);
        if (!n) return false;
        *scratch = n;
        *cap = nc;
    }
    memcpy(*scratch, s->ptr, s->len);
    (*scratch)[s->len] = '\0';
    return regexec(&r->re, *scratch, 0, NULL, 0) == 0;
}

static int cmp_pending(const void *a, const void *b) {
    const pending *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

static char *arena_printf(st_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *arena_printf(st_arena *a, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return st_arena_strndup(a, buf, strlen(buf));
}

st_status st_contract_check(const st_contract *c, st_batch *b, st_contract_result *res, st_error *e) {
    st_contract_result_reset(res);
    if (c->nrules == 0 || b->len == 0) return ST_OK;
    uint32_t live = st_batch_live(b);
    pending *pend = NULL;
    size_t npend = 0, pcap = 0;
    char *scratch = NULL;
    size_t scap = 0;
    st_status rc = ST_OK;
    for (uint32_t k = 0; k < c->nrules; k++) {
        const frule *r = &c->rules[k];
        const st_vector *v = b->cols[r->index];
        for (uint32_t li = 0; li < live; li++) {
            uint32_t row = b->sel ? b->sel[li] : li;
            int codes[5];
            int nc = 0;
            if (st_vector_is_null(v, row)) {
                if (r->not_null) codes[nc++] = ST_R_NULL;
            } else {
                if (r->has_min || r->has_max) {
                    st_zval z;
                    st_zval_from_value(r->type, st_vector_at(v, row), &z);
                    if (r->has_min && st_zval_cmp(r->type, &z, &r->min) < 0) codes[nc++] = ST_R_BELOW_MIN;
                    if (r->has_max && st_zval_cmp(r->type, &z, &r->max) > 0) codes[nc++] = ST_R_ABOVE_MAX;
                }
                if (r->nallowed && !value_allowed(r, v, row)) codes[nc++] = ST_R_NOT_ALLOWED;
                if (r->max_length) {
                    const st_str *s = &ST_VEC(v, st_str)[row];
                    size_t len = r->type.id == ST_T_VARCHAR ? utf8_len(s->ptr, s->len) : s->len;
                    if (len > r->max_length) codes[nc++] = ST_R_TOO_LONG;
                }
                if (r->has_regex && !regex_ok(r, v, row, &scratch, &scap)) codes[nc++] = ST_R_REGEX;
            }
            for (int q = 0; q < nc; q++) {
                if (npend == pcap) {
                    pcap = pcap ? pcap * 2 : 64;
                    pending *np = realloc(pend, pcap * sizeof *np);
                    if (!np) {
                        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (validation)");
                        goto done;
                    }
                    pend = np;
                }
                pend[npend++] = (pending){row, (uint8_t)codes[q], k};
            }
        }
    }
    if (npend == 0) goto done;
    qsort(pend, npend, sizeof *pend, cmp_pending);
    if (!res->arena && !(res->arena = st_arena_new(0))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (validation)");
        goto done;
    }
    /* group by row, build messages */
    for (size_t i = 0; i < npend;) {
        size_t j = i;
        while (j < npend && pend[j].row == pend[i].row) j++;
        if (res->nfails == res->cap) {
            uint32_t nc = res->cap ? res->cap * 2 : 64;
            st_contract_fail *nf = realloc(res->fails, nc * sizeof *nf);
            if (!nf) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (validation)");
                goto done;
            }
            res->fails = nf;
            res->cap = nc;
        }
        st_contract_fail *f = &res->fails[res->nfails++];
        f->row = pend[i].row;
        f->nreasons = (uint32_t)(j - i);
        f->reasons = st_arena_alloc(res->arena, f->nreasons * sizeof *f->reasons);
        if (!f->reasons) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (validation)");
            goto done;
        }
        for (size_t q = i; q < j; q++) {
            const frule *r = &c->rules[pend[q].rule];
            const st_vector *v = b->cols[r->index];
            char val[96];
            if (!st_vector_is_null(v, f->row)) value_text(v, f->row, val, sizeof val);
            const char *m;
            switch (pend[q].code) {
            case ST_R_NULL: m = arena_printf(res->arena, "column %s: NULL is not allowed", r->name); break;
            case ST_R_BELOW_MIN:
                m = arena_printf(res->arena, "column %s: %s is below the minimum %s", r->name, val, r->min_text);
                break;
            case ST_R_ABOVE_MAX:
                m = arena_printf(res->arena, "column %s: %s is above the maximum %s", r->name, val, r->max_text);
                break;
            case ST_R_NOT_ALLOWED:
                m = arena_printf(res->arena, "column %s: %s is not one of the %u allowed values", r->name, val,
                                 r->nallowed);
                break;
            case ST_R_TOO_LONG:
                m = arena_printf(res->arena, "column %s: %s is longer than %u %s", r->name, val, r->max_length,
                                 r->type.id == ST_T_VARCHAR ? "characters" : "bytes");
                break;
            default:
                m = arena_printf(res->arena, "column %s: %s does not match the regex %.100s", r->name, val,
                                 r->regex_text);
            }
            f->reasons[q - i].code = pend[q].code;
            f->reasons[q - i].msg = m ? m : "out of memory";
        }
        i = j;
    }
    /* narrow the selection to the rows that passed */
    {
        uint32_t *sel = b->sel;
        uint32_t n = 0, fi = 0;
        if (!sel) {
            sel = st_batch_sel_alloc(b, b->len);
            if (!sel) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (validation)");
                goto done;
            }
            for (uint32_t row = 0; row < b->len; row++) {
                if (fi < res->nfails && res->fails[fi].row == row) {
                    fi++;
                    continue;
                }
                sel[n++] = row;
            }
        } else {
            for (uint32_t li = 0; li < live; li++) {
                uint32_t row = sel[li];
                while (fi < res->nfails && res->fails[fi].row < row) fi++;
                if (fi < res->nfails && res->fails[fi].row == row) continue;
                sel[n++] = row;
            }
        }
        b->sel = sel;
        b->sel_len = n;
    }
done:
    free(pend);
    free(scratch);
    return rc;
}
