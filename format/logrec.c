/*
 * logrec.c: encode and decode commit-log entries and checkpoints, and replay
 * entries into a table state (see logrec.h and spec/LOG.md).
 *
 * Decoding is strict on purpose.  The log is the one place where a table's
 * truth lives; a field that is present but malformed, a key this reader does
 * not know, or an impossible combination (an entry that removes a segment
 * that is not live) means the bytes are not what a Strata writer produced,
 * and the reader says so, naming the file, rather than guess.
 *
 * Replay (st_logstate_apply) validates an entry completely before changing
 * the state, so a failed apply leaves the state as it was.  Live segments are
 * indexed by a small open-addressing hash of their ids so that replaying a
 * compaction that removes thousands of segments stays linear.
 */
#include "format/logrec.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/hash.h"

/* ---- small helpers -------------------------------------------------------- */

static char *xstrdup_n(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static bool streq_null(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* Every key of object o must be in the NULL-terminated list. */
static st_status check_keys(const json_t *o, const char *const *keys, const char *what,
                            const char *name, st_error *e) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (const char *const *p = keys; *p; p++)
            if (!strcmp(*p, k)) {
                ok = true;
                break;
            }
        if (!ok) return st_error_set(e, ST_ERR_CORRUPT, "%s: %s has an unknown key '%.64s'", name, what, k);
    }
    return ST_OK;
}

static st_status get_int(const json_t *o, const char *key, bool required, int64_t lo, int64_t hi,
                         int64_t *out, const char *name, st_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required) return st_error_set(e, ST_ERR_CORRUPT, "%s: missing \"%s\"", name, key);
        return ST_OK;
    }
    if (!json_is_integer(v))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: \"%s\" is not an integer", name, key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: \"%s\" = %lld is out of range", name, key,
                            (long long)x);
    *out = (int64_t)x;
    return ST_OK;
}

static st_status get_u64(const json_t *o, const char *key, bool required, uint64_t *out,
                         const char *name, st_error *e) {
    int64_t x = 0;
    ST_TRY(get_int(o, key, required, 0, INT64_MAX, &x, name, e));
    if (json_object_get(o, key)) *out = (uint64_t)x;
    return ST_OK;
}

/* A string of at most max bytes, valid UTF-8 and without NUL bytes. */
static st_status get_str(const json_t *o, const char *key, bool required, size_t max,
                         char **out, const char *name, st_error *e) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) {
        if (required) return st_error_set(e, ST_ERR_CORRUPT, "%s: missing \"%s\"", name, key);
        return ST_OK;
    }
    if (!json_is_string(v))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: \"%s\" is not a string", name, key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n > max || memchr(s, 0, n))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: \"%s\" is too long or holds a NUL byte", name, key);
    *out = xstrdup_n(s, n);
    if (!*out) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    return ST_OK;
}

static void hex16(uint64_t x, char out[17]) {
    static const char hx[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = hx[x & 15];
        x >>= 4;
    }
    out[16] = '\0';
}

/* Split a sealed file into body and check the seal.  On success *body_len is
 * the length of line 1 without its newline. */
static st_status unseal(const char *buf, size_t len, const char *name, size_t *body_len,
                        st_error *e) {
    const char *nl = len ? memchr(buf, '\n', len) : NULL;
    if (!nl)
        return st_error_set(e, ST_ERR_CORRUPT,
                            "%s: torn or corrupt log file (%zu bytes, no complete first line)", name, len);
    size_t l1 = (size_t)(nl - buf) + 1;
    const char *seal = buf + l1;
    size_t rest = len - l1;
    /* {"xxh3":"<16 hex>"}\n = 28 bytes */
    static const char pre[] = "{\"xxh3\":\"";
    if (rest != 28 || memcmp(seal, pre, 9) != 0 || seal[25] != '"' ||
        memcmp(seal + 26, "}\n", 2) != 0)
        return st_error_set(e, ST_ERR_CORRUPT,
                            "%s: torn or corrupt log file (the seal line after byte %zu is %s)", name,
                            l1, rest < 28 ? "missing or cut short" : "malformed");
    char want[17];
    hex16(st_checksum64(buf, l1), want);
    if (memcmp(seal + 9, want, 16) != 0)
        return st_error_set(e, ST_ERR_CORRUPT,
                            "%s: checksum mismatch in bytes 0..%zu (stored %.16s, computed %s): "
                            "the file is corrupt", name, l1, seal + 9, want);
    *body_len = l1 - 1;
    return ST_OK;
}

static st_status seal_into(json_t *body, st_sbuf *out, const char *what, st_error *e) {
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "%s: cannot encode (out of memory)", what);
    size_t start = out->len;
    st_sbuf_append(out, s, strlen(s));
    st_sbuf_putc(out, '\n');
    free(s);
    if (out->failed) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", what);
    char h[17];
    hex16(st_checksum64(out->p + start, out->len - start), h);
    st_sbuf_printf(out, "{\"xxh3\":\"%s\"}\n", h);
    if (out->failed) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", what);
    return ST_OK;
}

static st_status parse_body(const char *buf, size_t len, const char *name, json_t **out,
                            st_error *e) {
    size_t body_len = 0;
    ST_TRY(unseal(buf, len, name, &body_len, e));
    json_error_t je;
    json_t *j = json_loadb(buf, body_len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
    if (!j)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: bad JSON at byte %d: %s", name, je.position,
                            je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return st_error_set(e, ST_ERR_CORRUPT, "%s: the body is not a JSON object", name);
    }
    *out = j;
    return ST_OK;
}

/* ---- schema ----------------------------------------------------------------- */

void st_field_rules_free(st_field_rules *r) {
    if (!r) return;
    free(r->min);
    free(r->max);
    for (uint32_t i = 0; i < r->nallowed; i++) free(r->allowed[i]);
    free(r->allowed);
    free(r->regex);
    memset(r, 0, sizeof *r);
}

static st_status rules_copy(st_field_rules *dst, const st_field_rules *src, st_error *e) {
    memset(dst, 0, sizeof *dst);
    if (!src) return ST_OK;
    dst->max_length = src->max_length;
    dst->required = src->required;
    dst->min = dup_or_null(src->min);
    dst->max = dup_or_null(src->max);
    dst->regex = dup_or_null(src->regex);
    bool fail = (src->min && !dst->min) || (src->max && !dst->max) || (src->regex && !dst->regex);
    if (src->nallowed && !fail) {
        dst->allowed = calloc(src->nallowed, sizeof(char *));
        if (!dst->allowed) fail = true;
        for (uint32_t i = 0; !fail && i < src->nallowed; i++) {
            dst->allowed[i] = strdup(src->allowed[i]);
            if (!dst->allowed[i]) fail = true;
            dst->nallowed = i + 1;
        }
    }
    if (fail) {
        st_field_rules_free(dst);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema rules)");
    }
    return ST_OK;
}

static bool rules_equal(const st_field_rules *a, const st_field_rules *b) {
    if (!streq_null(a->min, b->min) || !streq_null(a->max, b->max) ||
        !streq_null(a->regex, b->regex) || a->max_length != b->max_length ||
        a->required != b->required || a->nallowed != b->nallowed)
        return false;
    for (uint32_t i = 0; i < a->nallowed; i++)
        if (strcmp(a->allowed[i], b->allowed[i])) return false;
    return true;
}

st_tschema *st_tschema_new(void) {
    st_tschema *s = calloc(1, sizeof *s);
    if (s) s->next_field_id = 1;
    return s;
}

void st_tschema_free(st_tschema *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        st_field_rules_free(&s->fields[i].rules);
    }
    free(s->fields);
    free(s->cluster);
    free(s);
}

static const char *const part_names[] = {"none", "value", "day", "month"};
const char *st_part_kind_name(st_part_kind k) { return (unsigned)k <= ST_PART_MONTH ? part_names[k] : "?"; }

/* True when the schema uses partitioning or clustering (format 2). */
static bool schema_v2(const st_tschema *s) { return s && (s->part_kind != ST_PART_NONE || s->ncluster); }

int st_tschema_find(const st_tschema *s, const char *name) {
    for (uint32_t i = 0; i < s->nfields; i++)
        if (!strcasecmp(s->fields[i].name, name)) return (int)i;
    return -1;
}

int st_tschema_find_id(const st_tschema *s, uint32_t id) {
    for (uint32_t i = 0; i < s->nfields; i++)
        if (s->fields[i].id == id) return (int)i;
    return -1;
}

st_status st_tschema_add(st_tschema *s, const char *name, st_type type, uint32_t id,
                         bool nullable, const st_field_rules *rules, st_error *e) {
    if (!name || !*name) return st_error_set(e, ST_ERR_INVALID, "a field needs a name");
    if (strlen(name) > ST_LOG_NAME_MAX)
        return st_error_set(e, ST_ERR_INVALID, "field name longer than %d bytes", ST_LOG_NAME_MAX);
    if (st_tschema_find(s, name) >= 0)
        return st_error_set(e, ST_ERR_INVALID, "duplicate field name '%s'", name);
    if (!st_type_valid(type) || type.id == ST_T_NULL)
        return st_error_set(e, ST_ERR_INVALID, "field '%s': invalid type", name);
    if (id == 0) id = s->next_field_id;
    if (id == 0 || id > INT32_MAX) return st_error_set(e, ST_ERR_INVALID, "field '%s': bad id", name);
    if (st_tschema_find_id(s, id) >= 0)
        return st_error_set(e, ST_ERR_INVALID, "duplicate field id %u ('%s')", id, name);
    st_tfield *nf = realloc(s->fields, (s->nfields + 1) * sizeof *nf);
    if (!nf) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
    s->fields = nf;
    st_tfield *f = &s->fields[s->nfields];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    if (!f->name) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
    if (rules_copy(&f->rules, rules, e) != ST_OK) {
        free(f->name);
        return e ? e->code : ST_ERR_NOMEM;
    }
    f->id = id;
    f->type = type;
    f->nullable = nullable;
    s->nfields++;
    if (id >= s->next_field_id) s->next_field_id = id + 1;
    return ST_OK;
}

st_tschema *st_tschema_clone(const st_tschema *s) {
    if (!s) return NULL;
    st_tschema *c = st_tschema_new();
    if (!c) return NULL;
    for (uint32_t i = 0; i < s->nfields; i++) {
        const st_tfield *f = &s->fields[i];
        if (st_tschema_add(c, f->name, f->type, f->id, f->nullable, &f->rules, NULL) != ST_OK) {
            st_tschema_free(c);
            return NULL;
        }
    }
    c->schema_id = s->schema_id;
    c->next_field_id = s->next_field_id;
    c->part_kind = s->part_kind;
    c->part_field = s->part_field;
    if (s->ncluster) {
        c->cluster = malloc(s->ncluster * sizeof *c->cluster);
        if (!c->cluster) {
            st_tschema_free(c);
            return NULL;
        }
        memcpy(c->cluster, s->cluster, s->ncluster * sizeof *c->cluster);
        c->ncluster = s->ncluster;
    }
    return c;
}

bool st_tschema_equal(const st_tschema *a, const st_tschema *b) {
    if (!a || !b) return a == b;
    if (a->nfields != b->nfields || a->schema_id != b->schema_id ||
        a->next_field_id != b->next_field_id || a->part_kind != b->part_kind ||
        a->part_field != b->part_field || a->ncluster != b->ncluster ||
        (a->ncluster && memcmp(a->cluster, b->cluster, a->ncluster * sizeof *a->cluster)))
        return false;
    for (uint32_t i = 0; i < a->nfields; i++) {
        const st_tfield *x = &a->fields[i], *y = &b->fields[i];
        if (x->id != y->id || strcmp(x->name, y->name) || !st_type_eq(x->type, y->type) ||
            x->nullable != y->nullable || !rules_equal(&x->rules, &y->rules))
            return false;
    }
    return true;
}

json_t *st_tschema_to_json(const st_tschema *s, bool with_ids) {
    json_t *o = json_object();
    if (with_ids) {
        json_object_set_new(o, "schema_id", json_integer(s->schema_id));
        json_object_set_new(o, "next_field_id", json_integer(s->next_field_id));
    }
    json_t *arr = json_array();
    for (uint32_t i = 0; i < s->nfields; i++) {
        const st_tfield *f = &s->fields[i];
        json_t *fo = json_object();
        char tn[ST_TYPE_NAME_MAX];
        if (with_ids) json_object_set_new(fo, "id", json_integer(f->id));
        json_object_set_new(fo, "name", json_string(f->name));
        json_object_set_new(fo, "type", json_string(st_type_name(f->type, tn)));
        json_object_set_new(fo, "nullable", json_boolean(f->nullable));
        const st_field_rules *r = &f->rules;
        if (r->min) json_object_set_new(fo, "min", json_string(r->min));
        if (r->max) json_object_set_new(fo, "max", json_string(r->max));
        if (r->allowed) {
            json_t *al = json_array();
            for (uint32_t k = 0; k < r->nallowed; k++) json_array_append_new(al, json_string(r->allowed[k]));
            json_object_set_new(fo, "allowed", al);
        }
        if (r->regex) json_object_set_new(fo, "regex", json_string(r->regex));
        if (r->max_length) json_object_set_new(fo, "max_length", json_integer(r->max_length));
        if (r->required) json_object_set_new(fo, "required", json_true());
        json_array_append_new(arr, fo);
    }
    json_object_set_new(o, "fields", arr);
    if (with_ids && s->part_kind != ST_PART_NONE) {
        json_t *po = json_object();
        json_object_set_new(po, "by", json_string(st_part_kind_name((st_part_kind)s->part_kind)));
        json_object_set_new(po, "field", json_integer(s->part_field));
        json_object_set_new(o, "partition", po);
    }
    if (with_ids && s->ncluster) {
        json_t *ca = json_array();
        for (uint32_t i = 0; i < s->ncluster; i++) json_array_append_new(ca, json_integer(s->cluster[i]));
        json_object_set_new(o, "cluster", ca);
    }
    return o;
}

/* "partition" and "cluster" of a log schema: they must name its fields. */
static st_status part_from_json(const json_t *j, st_tschema *s, st_error *e) {
    static const char *const pkeys[] = {"by", "field", NULL};
    json_t *po = json_object_get(j, "partition"), *ca = json_object_get(j, "cluster");
    if (po) {
        if (!json_is_object(po)) return st_error_set(e, ST_ERR_INVALID, "schema: \"partition\" must be an object");
        ST_TRY(check_keys(po, pkeys, "the partition spec", "schema", e));
        json_t *by = json_object_get(po, "by");
        int k = -1;
        for (int i = ST_PART_VALUE; i <= ST_PART_MONTH && json_is_string(by); i++)
            if (!strcmp(json_string_value(by), part_names[i])) k = i;
        int64_t fid = 0;
        ST_TRY(get_int(po, "field", true, 1, INT32_MAX, &fid, "schema", e));
        int fi = st_tschema_find_id(s, (uint32_t)fid);
        if (k < 0 || fi < 0)
            return st_error_set(e, ST_ERR_INVALID, "schema: the partition spec names an unknown %s",
                                k < 0 ? "transform" : "field");
        st_type_id t = s->fields[fi].type.id;
        if (k != ST_PART_VALUE && t != ST_T_DATE && t != ST_T_TIMESTAMP && t != ST_T_TIMESTAMP_NS)
            return st_error_set(e, ST_ERR_INVALID, "schema: %s() partitioning of a field that is not a date",
                                part_names[k]);
        s->part_kind = (uint8_t)k;
        s->part_field = (uint32_t)fid;
    }
    if (ca) {
        if (!json_is_array(ca) || json_array_size(ca) == 0 || json_array_size(ca) > 64)
            return st_error_set(e, ST_ERR_INVALID, "schema: \"cluster\" must be an array of 1 to 64 field ids");
        s->cluster = calloc(json_array_size(ca), sizeof *s->cluster);
        if (!s->cluster) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
        for (size_t i = 0; i < json_array_size(ca); i++) {
            json_t *x = json_array_get(ca, i);
            if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > INT32_MAX ||
                st_tschema_find_id(s, (uint32_t)json_integer_value(x)) < 0)
                return st_error_set(e, ST_ERR_INVALID, "schema: \"cluster\" names an unknown field");
            s->cluster[i] = (uint32_t)json_integer_value(x);
            s->ncluster = (uint32_t)i + 1;
        }
    }
    return ST_OK;
}

/* A bound or allowed value as canonical text of type t.  JSON numbers are
 * accepted for numeric types; strings for every type. */
static st_status rule_value(const json_t *v, st_type t, const char *fname, const char *what,
                            char **out, st_error *e) {
    char buf[ST_FORMAT_MAX + 8];
    const char *s;
    size_t n;
    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);
    } else if (json_is_integer(v) && st_type_is_numeric(t)) {
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        s = buf;
    } else if (json_is_real(v) && st_type_is_numeric(t)) {
        n = st_format_double(json_real_value(v), buf);
        s = buf;
    } else {
        return st_error_set(e, ST_ERR_INVALID, "field '%s': %s must be a string%s", fname, what,
                            st_type_is_numeric(t) ? " or a number" : "");
    }
    if (n > ST_LOG_RULE_TEXT_MAX || memchr(s, 0, n))
        return st_error_set(e, ST_ERR_INVALID, "field '%s': %s is too long", fname, what);
    if (t.id == ST_T_VARCHAR) {
        size_t bad;
        if (!st_utf8_valid(s, n, &bad))
            return st_error_set(e, ST_ERR_INVALID, "field '%s': %s is not valid UTF-8", fname, what);
    } else if (t.id != ST_T_BLOB) {
        unsigned char val[32];
        st_error pe;
        if (st_parse_value(t, s, n, val, &pe) != ST_OK) {
            char tn[ST_TYPE_NAME_MAX];
            return st_error_set(e, ST_ERR_INVALID, "field '%s': %s '%.*s' is not a valid %s", fname,
                                what, (int)(n > 64 ? 64 : n), s, st_type_name(t, tn));
        }
        /* canonical form, so that equal schemas compare equal */
        n = st_format_value(t, val, buf);
        s = buf;
    }
    *out = xstrdup_n(s, n);
    if (!*out) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
    return ST_OK;
}

static st_status field_from_json(const json_t *fo, bool with_ids, st_tschema *s, uint32_t idx,
                                 st_error *e) {
    static const char *const keys[] = {"id", "name", "type", "nullable", "min", "max", "allowed",
                                       "regex", "max_length", "required", NULL};
    char where[48];
    snprintf(where, sizeof where, "schema field %u", idx + 1);
    if (!json_is_object(fo)) return st_error_set(e, ST_ERR_INVALID, "%s is not an object", where);
    st_status rc = check_keys(fo, keys, "the field", where, e);
    if (rc) return e->code = ST_ERR_INVALID;
    int64_t id = 0;
    if (with_ids) ST_TRY(get_int(fo, "id", true, 1, INT32_MAX, &id, where, e));
    else if (json_object_get(fo, "id"))
        return st_error_set(e, ST_ERR_INVALID, "%s: \"id\" is assigned by the table, not the schema file", where);
    json_t *jn = json_object_get(fo, "name"), *jt = json_object_get(fo, "type");
    if (!json_is_string(jn) || !json_string_length(jn) || json_string_length(jn) > ST_LOG_NAME_MAX ||
        memchr(json_string_value(jn), 0, json_string_length(jn)))
        return st_error_set(e, ST_ERR_INVALID, "%s: \"name\" must be a non-empty string", where);
    const char *name = json_string_value(jn);
    if (!json_is_string(jt))
        return st_error_set(e, ST_ERR_INVALID, "field '%s': \"type\" must be a string", name);
    st_type t;
    st_error te;
    if (st_type_parse(json_string_value(jt), json_string_length(jt), &t, &te) != ST_OK ||
        t.id == ST_T_NULL)
        return st_error_set(e, ST_ERR_INVALID, "field '%s': unknown type '%.40s'", name,
                            json_string_value(jt));
    json_t *jnull = json_object_get(fo, "nullable");
    if (jnull && !json_is_boolean(jnull))
        return st_error_set(e, ST_ERR_INVALID, "field '%s': \"nullable\" must be true or false", name);
    bool nullable = jnull ? json_is_true(jnull) : true;
    json_t *jreq = json_object_get(fo, "required");
    if (jreq && !json_is_boolean(jreq))
        return st_error_set(e, ST_ERR_INVALID, "field '%s': \"required\" must be true or false", name);

    st_field_rules r;
    memset(&r, 0, sizeof r);
    r.required = jreq && json_is_true(jreq);
    rc = ST_OK;
    bool ordered = st_type_is_numeric(t) || st_type_is_temporal(t);
    json_t *jmin = json_object_get(fo, "min"), *jmax = json_object_get(fo, "max");
    if ((jmin || jmax) && !ordered) {
        rc = st_error_set(e, ST_ERR_INVALID, "field '%s': min/max apply to numbers, dates and "
                          "timestamps (use max_length or regex for strings)", name);
        goto done;
    }
    if (jmin && (rc = rule_value(jmin, t, name, "min", &r.min, e))) goto done;
    if (jmax && (rc = rule_value(jmax, t, name, "max", &r.max, e))) goto done;
    if (r.min && r.max) {
        unsigned char a[32], b[32];
        st_parse_value(t, r.min, strlen(r.min), a, NULL);
        st_parse_value(t, r.max, strlen(r.max), b, NULL);
        st_zval za, zb;
        st_zval_from_value(t, a, &za);
        st_zval_from_value(t, b, &zb);
        if (st_zval_cmp(t, &za, &zb) > 0) {
            rc = st_error_set(e, ST_ERR_INVALID, "field '%s': min %s is above max %s", name, r.min, r.max);
            goto done;
        }
    }
    json_t *jal = json_object_get(fo, "allowed");
    if (jal) {
        if (!json_is_array(jal) || json_array_size(jal) == 0 || json_array_size(jal) > 100000) {
            rc = st_error_set(e, ST_ERR_INVALID, "field '%s': \"allowed\" must be a non-empty array", name);
            goto done;
        }
        if (t.id == ST_T_BLOB || t.id == ST_T_FLOAT || t.id == ST_T_DOUBLE) {
            rc = st_error_set(e, ST_ERR_INVALID, "field '%s': \"allowed\" does not apply to %s", name,
                              t.id == ST_T_BLOB ? "BLOB" : "floating-point fields");
            goto done;
        }
        r.allowed = calloc(json_array_size(jal), sizeof(char *));
        if (!r.allowed) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
            goto done;
        }
        for (size_t k = 0; k < json_array_size(jal); k++) {
            if ((rc = rule_value(json_array_get(jal, k), t, name, "an allowed value", &r.allowed[k], e)))
                goto done;
            r.nallowed = (uint32_t)k + 1;
        }
    }
    json_t *jre = json_object_get(fo, "regex");
    if (jre) {
        if (t.id != ST_T_VARCHAR || !json_is_string(jre) || json_string_length(jre) > ST_LOG_RULE_TEXT_MAX ||
            memchr(json_string_value(jre), 0, json_string_length(jre))) {
            rc = st_error_set(e, ST_ERR_INVALID, "field '%s': \"regex\" must be a string, on a VARCHAR field", name);
            goto done;
        }
        r.regex = strdup(json_string_value(jre));
    }
    json_t *jml = json_object_get(fo, "max_length");
    if (jml) {
        if (!st_type_is_string(t) || !json_is_integer(jml) || json_integer_value(jml) < 1 ||
            json_integer_value(jml) > INT32_MAX) {
            rc = st_error_set(e, ST_ERR_INVALID, "field '%s': \"max_length\" must be a positive integer, "
                              "on a VARCHAR or BLOB field", name);
            goto done;
        }
        r.max_length = (uint32_t)json_integer_value(jml);
    }
    rc = st_tschema_add(s, name, t, (uint32_t)id, nullable, &r, e);
    if (rc) {
        e->code = rc = ST_ERR_INVALID;
    }
done:
    st_field_rules_free(&r);
    return rc;
}

st_status st_tschema_from_json(const json_t *j, bool with_ids, st_tschema **out, st_error *e) {
    st_error local;
    if (!e) e = &local;
    static const char *const keys_ids[] = {"schema_id", "next_field_id", "fields", "partition", "cluster", NULL};
    static const char *const keys_user[] = {"fields", NULL};
    *out = NULL;
    if (!json_is_object(j)) return st_error_set(e, ST_ERR_INVALID, "a schema must be a JSON object");
    if (check_keys(j, with_ids ? keys_ids : keys_user, "the schema", "schema", e))
        return e->code = ST_ERR_INVALID;
    json_t *fa = json_object_get(j, "fields");
    if (!json_is_array(fa) || json_array_size(fa) == 0)
        return st_error_set(e, ST_ERR_INVALID, "schema: \"fields\" must be a non-empty array");
    if (json_array_size(fa) > 10000)
        return st_error_set(e, ST_ERR_INVALID, "schema: more than 10000 fields");
    st_tschema *s = st_tschema_new();
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory (schema)");
    st_status rc = ST_OK;
    for (size_t i = 0; i < json_array_size(fa); i++)
        if ((rc = field_from_json(json_array_get(fa, i), with_ids, s, (uint32_t)i, e))) goto fail;
    if (with_ids) {
        int64_t sid = 0, nfi = 0;
        if ((rc = get_int(j, "schema_id", true, 0, INT32_MAX, &sid, "schema", e)) ||
            (rc = get_int(j, "next_field_id", true, 1, (int64_t)INT32_MAX + 1, &nfi, "schema", e)))
            goto fail;
        if ((uint64_t)nfi < s->next_field_id) {
            rc = st_error_set(e, ST_ERR_INVALID, "schema: next_field_id %lld is not above every field id",
                              (long long)nfi);
            goto fail;
        }
        s->schema_id = (uint32_t)sid;
        s->next_field_id = (uint32_t)nfi;
        if ((rc = part_from_json(j, s, e))) goto fail;
    }
    *out = s;
    return ST_OK;
fail:
    st_tschema_free(s);
    if (e) e->code = rc == ST_ERR_NOMEM ? rc : ST_ERR_INVALID;
    return e ? e->code : rc;
}

/* ---- segment records -------------------------------------------------------- */

bool st_seg_id_valid(const char *id) {
    for (int i = 0; i < ST_SEG_ID_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return false;
    return id[ST_SEG_ID_LEN] == '\0';
}

void st_segrec_clear(st_segrec *r) {
    if (!r) return;
    free(r->zones);
    for (uint32_t i = 0; i < r->nruns; i++) {
        free(r->runs[i].source);
        free(r->runs[i].upstream);
    }
    free(r->runs);
    free(r->part_key);
    free(r->part_min);
    free(r->part_max);
    memset(r, 0, sizeof *r);
}

st_status st_segrec_copy(st_segrec *dst, const st_segrec *src, st_error *e) {
    memset(dst, 0, sizeof *dst);
    memcpy(dst->id, src->id, sizeof dst->id);
    dst->side = src->side;
    dst->rows = src->rows;
    dst->bytes = src->bytes;
    memcpy(dst->dv, src->dv, sizeof dst->dv);
    dst->dv_rows = src->dv_rows;
    dst->dv_bytes = src->dv_bytes;
    if (src->nzones) {
        dst->zones = malloc(src->nzones * sizeof *dst->zones);
        if (!dst->zones) goto oom;
        memcpy(dst->zones, src->zones, src->nzones * sizeof *dst->zones);
        dst->nzones = src->nzones;
    }
    if (src->nruns) {
        dst->runs = calloc(src->nruns, sizeof *dst->runs);
        if (!dst->runs) goto oom;
        for (uint32_t i = 0; i < src->nruns; i++) {
            dst->runs[i] = src->runs[i];
            dst->runs[i].upstream = NULL;
            dst->runs[i].source = strdup(src->runs[i].source);
            dst->nruns = i + 1;
            if (!dst->runs[i].source) goto oom;
            if (src->runs[i].upstream && !(dst->runs[i].upstream = strdup(src->runs[i].upstream))) goto oom;
        }
    }
    dst->has_part = src->has_part;
    if ((src->part_key && !(dst->part_key = strdup(src->part_key))) ||
        (src->part_min && !(dst->part_min = strdup(src->part_min))) ||
        (src->part_max && !(dst->part_max = strdup(src->part_max))))
        goto oom;
    return ST_OK;
oom:
    st_segrec_clear(dst);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory (segment record)");
}

static bool segrec_equal(const st_segrec *a, const st_segrec *b) {
    if (strcmp(a->id, b->id) || a->side != b->side || a->rows != b->rows || a->bytes != b->bytes ||
        a->nzones != b->nzones || a->nruns != b->nruns || a->has_part != b->has_part ||
        !streq_null(a->part_key, b->part_key) || !streq_null(a->part_min, b->part_min) ||
        !streq_null(a->part_max, b->part_max) || strcmp(a->dv, b->dv) || a->dv_rows != b->dv_rows ||
        a->dv_bytes != b->dv_bytes)
        return false;
    for (uint32_t i = 0; i < a->nzones; i++) {
        const st_seg_zone *x = &a->zones[i], *y = &b->zones[i];
        if (x->field_id != y->field_id || !st_type_eq(x->zm.type, y->zm.type) ||
            x->zm.rows != y->zm.rows || x->zm.null_count != y->zm.null_count ||
            x->zm.distinct_est != y->zm.distinct_est || x->zm.has_min != y->zm.has_min ||
            x->zm.has_max != y->zm.has_max || x->zm.has_nan != y->zm.has_nan)
            return false;
        if (x->zm.has_min && (x->zm.min_exact != y->zm.min_exact ||
                              st_zval_cmp(x->zm.type, &x->zm.min, &y->zm.min)))
            return false;
        if (x->zm.has_max && (x->zm.max_exact != y->zm.max_exact ||
                              st_zval_cmp(x->zm.type, &x->zm.max, &y->zm.max)))
            return false;
    }
    for (uint32_t i = 0; i < a->nruns; i++) {
        const st_lineage_run *x = &a->runs[i], *y = &b->runs[i];
        if (x->rows != y->rows || strcmp(x->source, y->source) || x->ingest_id != y->ingest_id ||
            x->ingested_at != y->ingested_at || !streq_null(x->upstream, y->upstream))
            return false;
    }
    return true;
}

static json_t *segrec_to_json(const st_segrec *r) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "side", json_string(r->side == ST_SIDE_REJECTS ? "rejects" : "data"));
    json_object_set_new(o, "rows", json_integer((json_int_t)r->rows));
    json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
    json_t *zs = json_array();
    for (uint32_t i = 0; i < r->nzones; i++) {
        json_t *z = json_object();
        char tn[ST_TYPE_NAME_MAX];
        json_object_set_new(z, "field", json_integer(r->zones[i].field_id));
        json_object_set_new(z, "type", json_string(st_type_name(r->zones[i].zm.type, tn)));
        json_object_set_new(z, "zm", st_zonemap_to_json(&r->zones[i].zm));
        json_array_append_new(zs, z);
    }
    json_object_set_new(o, "zones", zs);
    json_t *ls = json_array();
    for (uint32_t i = 0; i < r->nruns; i++) {
        const st_lineage_run *l = &r->runs[i];
        json_t *lo = json_object();
        json_object_set_new(lo, "rows", json_integer((json_int_t)l->rows));
        json_object_set_new(lo, "source", json_string(l->source));
        if (l->ingest_id != ST_LINEAGE_THIS) json_object_set_new(lo, "ingest_id", json_integer(l->ingest_id));
        if (l->ingested_at != ST_LINEAGE_THIS)
            json_object_set_new(lo, "ingested_at", json_integer(l->ingested_at));
        if (l->upstream) json_object_set_new(lo, "upstream", json_string(l->upstream));
        json_array_append_new(ls, lo);
    }
    json_object_set_new(o, "lineage", ls);
    if (r->has_part) {
        json_t *po = json_object();
        json_object_set_new(po, "key", r->part_key ? json_string(r->part_key) : json_null());
        if (r->part_min) json_object_set_new(po, "min", json_string(r->part_min));
        if (r->part_max) json_object_set_new(po, "max", json_string(r->part_max));
        json_object_set_new(o, "partition", po);
    }
    if (r->dv[0]) {
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(r->dv));
        json_object_set_new(d, "rows", json_integer((json_int_t)r->dv_rows));
        json_object_set_new(d, "bytes", json_integer((json_int_t)r->dv_bytes));
        json_object_set_new(o, "dv", d);
    }
    return o;
}

#define MAX_ROWS ((int64_t)1 << 48)

/* A 32-hex-digit id at key `key` of o into out. */
static st_status get_id(const json_t *o, const char *key, char out[ST_SEG_ID_LEN + 1], const char *name,
                        st_error *e) {
    json_t *j = json_object_get(o, key);
    if (!json_is_string(j) || json_string_length(j) != ST_SEG_ID_LEN || !st_seg_id_valid(json_string_value(j)))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: \"%s\" is not %d hex digits", name, key, ST_SEG_ID_LEN);
    memcpy(out, json_string_value(j), ST_SEG_ID_LEN + 1);
    return ST_OK;
}

static st_status segrec_from_json(const json_t *o, bool resolved, int fmt, st_segrec *r, const char *name,
                                  st_error *e) {
    static const char *const keys1[] = {"id", "side", "rows", "bytes", "zones", "lineage", NULL};
    static const char *const keys2[] = {"id", "side", "rows", "bytes", "zones", "lineage", "dv", "partition", NULL};
    static const char *const pkeys[] = {"key", "min", "max", NULL};
    static const char *const zkeys[] = {"field", "type", "zm", NULL};
    static const char *const lkeys1[] = {"rows", "source", "ingest_id", "ingested_at", NULL};
    static const char *const lkeys2[] = {"rows", "source", "ingest_id", "ingested_at", "upstream", NULL};
    static const char *const dkeys[] = {"id", "rows", "bytes", NULL};
    const char *const *keys = fmt >= 2 ? keys2 : keys1, *const *lkeys = fmt >= 2 ? lkeys2 : lkeys1;
    memset(r, 0, sizeof *r);
    if (!json_is_object(o)) return st_error_set(e, ST_ERR_CORRUPT, "%s: a segment record is not an object", name);
    ST_TRY(check_keys(o, keys, "a segment record", name, e));
    json_t *jid = json_object_get(o, "id");
    if (!json_is_string(jid) || json_string_length(jid) != ST_SEG_ID_LEN ||
        !st_seg_id_valid(json_string_value(jid)))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: a segment id is not %d hex digits", name, ST_SEG_ID_LEN);
    memcpy(r->id, json_string_value(jid), ST_SEG_ID_LEN + 1);
    json_t *js = json_object_get(o, "side");
    if (!json_is_string(js) || (strcmp(json_string_value(js), "data") && strcmp(json_string_value(js), "rejects")))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: \"side\" must be data or rejects", name, r->id);
    r->side = strcmp(json_string_value(js), "data") ? ST_SIDE_REJECTS : ST_SIDE_DATA;
    int64_t rows = 0, bytes = 0;
    ST_TRY(get_int(o, "rows", true, 0, MAX_ROWS, &rows, name, e));
    ST_TRY(get_int(o, "bytes", true, 0, INT64_MAX, &bytes, name, e));
    r->rows = (uint64_t)rows;
    r->bytes = (uint64_t)bytes;
    json_t *zs = json_object_get(o, "zones"), *ls = json_object_get(o, "lineage");
    if (!json_is_array(zs) || !json_is_array(ls))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: \"zones\" and \"lineage\" must be arrays", name, r->id);
    st_status rc = ST_OK;
    if (json_array_size(zs)) {
        r->zones = calloc(json_array_size(zs), sizeof *r->zones);
        if (!r->zones) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    }
    for (size_t i = 0; i < json_array_size(zs); i++) {
        json_t *z = json_array_get(zs, i);
        st_seg_zone *sz = &r->zones[i];
        int64_t fid = 0;
        if (!json_is_object(z)) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: a zone is not an object", name, r->id);
            goto fail;
        }
        if ((rc = check_keys(z, zkeys, "a zone", name, e)) ||
            (rc = get_int(z, "field", true, 1, INT32_MAX, &fid, name, e)))
            goto fail;
        for (size_t k = 0; k < i; k++)
            if (r->zones[k].field_id == (uint32_t)fid) {
                rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: two zones for field %lld", name,
                                  r->id, (long long)fid);
                goto fail;
            }
        json_t *jt = json_object_get(z, "type");
        st_type t;
        st_error te;
        if (!json_is_string(jt) ||
            st_type_parse(json_string_value(jt), json_string_length(jt), &t, &te) != ST_OK ||
            t.id == ST_T_NULL) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: zone of field %lld has a bad type",
                              name, r->id, (long long)fid);
            goto fail;
        }
        sz->field_id = (uint32_t)fid;
        if ((rc = st_zonemap_from_json(json_object_get(z, "zm"), t, &sz->zm, e))) {
            st_error_prefix(e, "%s: segment %s, field %lld: ", name, r->id, (long long)fid);
            e->code = rc = ST_ERR_CORRUPT;
            goto fail;
        }
        if (sz->zm.rows != r->rows) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: zone of field %lld covers %" PRIu64
                              " rows, the segment has %" PRIu64, name, r->id, (long long)fid,
                              sz->zm.rows, r->rows);
            goto fail;
        }
        r->nzones = (uint32_t)i + 1;
    }
    if (json_array_size(ls)) {
        r->runs = calloc(json_array_size(ls), sizeof *r->runs);
        if (!r->runs) {
            rc = st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
            goto fail;
        }
    }
    uint64_t total = 0;
    for (size_t i = 0; i < json_array_size(ls); i++) {
        json_t *l = json_array_get(ls, i);
        st_lineage_run *run = &r->runs[i];
        run->ingest_id = run->ingested_at = ST_LINEAGE_THIS;
        int64_t n = 0;
        if (!json_is_object(l)) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: a lineage run is not an object", name, r->id);
            goto fail;
        }
        if ((rc = check_keys(l, lkeys, "a lineage run", name, e)) ||
            (rc = get_int(l, "rows", true, 1, MAX_ROWS, &n, name, e)) ||
            (rc = get_str(l, "source", true, ST_LOG_NAME_MAX, &run->source, name, e)))
            goto fail;
        r->nruns = (uint32_t)i + 1;
        if ((rc = get_str(l, "upstream", false, ST_LOG_NAME_MAX, &run->upstream, name, e))) goto fail;
        bool need = resolved || run->upstream; /* upstream lineage is always resolved */
        if ((rc = get_int(l, "ingest_id", need, 0, INT64_MAX - 1, &run->ingest_id, name, e)) ||
            (rc = get_int(l, "ingested_at", need, INT64_MIN + 1, INT64_MAX, &run->ingested_at, name, e)))
            goto fail;
        if ((run->ingest_id == ST_LINEAGE_THIS) != (run->ingested_at == ST_LINEAGE_THIS)) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: a lineage run has only one of "
                              "ingest_id and ingested_at", name, r->id);
            goto fail;
        }
        run->rows = (uint64_t)n;
        total += run->rows;
    }
    if (total != r->rows) {
        rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: lineage covers %" PRIu64 " rows, the "
                          "segment has %" PRIu64, name, r->id, total, r->rows);
        goto fail;
    }
    json_t *po = json_object_get(o, "partition");
    if (po) {
        json_t *jk = json_object_get(po, "key");
        if (!json_is_object(po) || (rc = check_keys(po, pkeys, "a partition", name, e))) {
            if (!rc) rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: \"partition\" is not an object", name, r->id);
            goto fail;
        }
        r->has_part = true;
        if (!json_is_null(jk) &&
            ((rc = get_str(po, "key", true, ST_LOG_NAME_MAX, &r->part_key, name, e)) ||
             (rc = get_str(po, "min", true, ST_LOG_NAME_MAX, &r->part_min, name, e)) ||
             (rc = get_str(po, "max", true, ST_LOG_NAME_MAX, &r->part_max, name, e))))
            goto fail;
        if (json_is_null(jk) && (json_object_get(po, "min") || json_object_get(po, "max"))) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: the NULL partition has bounds", name, r->id);
            goto fail;
        }
    }
    json_t *jd = json_object_get(o, "dv");
    if (jd) {
        int64_t dr = 0, db = 0;
        if (!json_is_object(jd)) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: \"dv\" is not an object", name, r->id);
            goto fail;
        }
        if ((rc = check_keys(jd, dkeys, "a deletion vector", name, e)) || (rc = get_id(jd, "id", r->dv, name, e)) ||
            (rc = get_int(jd, "rows", true, 1, (int64_t)r->rows, &dr, name, e)) ||
            (rc = get_int(jd, "bytes", true, 1, INT64_MAX, &db, name, e)))
            goto fail;
        r->dv_rows = (uint64_t)dr;
        r->dv_bytes = (uint64_t)db;
    }
    return ST_OK;
fail:
    st_segrec_clear(r);
    if (e && rc != ST_ERR_NOMEM) e->code = rc = ST_ERR_CORRUPT;
    return rc;
}

/* ---- entries ------------------------------------------------------------------ */

static const char *const op_names[ST_OP__COUNT] = {"create", "append", "compact", "restore",
                                                   "vacuum", "evolve", "transform", "overwrite"};

const char *st_log_op_name(st_log_op op) {
    return (unsigned)op < ST_OP__COUNT ? op_names[op] : "?";
}

st_logentry *st_logentry_new(void) {
    st_logentry *le = calloc(1, sizeof *le);
    if (le) le->read_version = le->restore_of = le->retain_from = -1;
    return le;
}

void st_logentry_free(st_logentry *le) {
    if (!le) return;
    st_tschema_free(le->schema);
    for (uint32_t i = 0; i < le->nadds; i++) st_segrec_clear(&le->adds[i]);
    free(le->adds);
    free(le->removes);
    free(le->txn_app);
    free(le->stream_key);
    for (uint32_t i = 0; i < le->nreasons; i++) free(le->reasons[i].code);
    free(le->reasons);
    for (uint32_t i = 0; i < le->nsources; i++) free(le->sources[i].name);
    free(le->sources);
    free(le->dvs);
    for (uint32_t i = 0; i < le->ninputs; i++) free(le->inputs[i].table);
    free(le->inputs);
    free(le);
}

static bool segrec_needs_v2(const st_segrec *r) {
    if (r->dv[0] || r->has_part) return true;
    for (uint32_t i = 0; i < r->nruns; i++)
        if (r->runs[i].upstream) return true;
    return false;
}

int st_logentry_format(const st_logentry *le) {
    if (le->op == ST_OP_TRANSFORM || le->op == ST_OP_OVERWRITE || schema_v2(le->schema) || le->ndvs ||
        le->ninputs || le->n_duplicates || le->n_replaced ||
        (le->op == ST_OP_COMPACT && !le->nadds))
        return 2;
    for (uint32_t i = 0; i < le->nadds; i++)
        if (segrec_needs_v2(&le->adds[i])) return 2;
    return 1;
}

int st_logstate_format(const st_logstate *s) {
    if (s->ninputs || schema_v2(s->schema)) return 2;
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (segrec_needs_v2(&s->segs[i])) return 2;
    return 1;
}

static json_t *inputs_to_json(const st_input_mark *m, uint32_t n) {
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "table", json_string(m[i].table));
        json_object_set_new(x, "version", json_integer(m[i].version));
        json_array_append_new(a, x);
    }
    return a;
}

/* Parse an "inputs" array into marks (tables unique). */
static st_status inputs_from_json(const json_t *a, st_input_mark **out, uint32_t *nout, const char *name,
                                  st_error *e) {
    static const char *const ik[] = {"table", "version", NULL};
    *out = NULL;
    *nout = 0;
    if (!json_is_array(a)) return st_error_set(e, ST_ERR_CORRUPT, "%s: \"inputs\" is not an array", name);
    if (!json_array_size(a)) return ST_OK;
    st_input_mark *m = calloc(json_array_size(a), sizeof *m);
    if (!m) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    *out = m;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i);
        if (!json_is_object(x)) return st_error_set(e, ST_ERR_CORRUPT, "%s: an input is not an object", name);
        ST_TRY(check_keys(x, ik, "an input", name, e));
        ST_TRY(get_str(x, "table", true, ST_LOG_NAME_MAX, &m[i].table, name, e));
        *nout = (uint32_t)i + 1;
        ST_TRY(get_int(x, "version", true, -1, INT64_MAX - 1, &m[i].version, name, e));
        for (size_t k = 0; k < i; k++)
            if (!strcmp(m[k].table, m[i].table))
                return st_error_set(e, ST_ERR_CORRUPT, "%s: input %s listed twice", name, m[i].table);
    }
    return ST_OK;
}

static json_t *pair(uint64_t a, uint64_t b) {
    json_t *p = json_array();
    json_array_append_new(p, json_integer((json_int_t)a));
    json_array_append_new(p, json_integer((json_int_t)b));
    return p;
}

st_status st_logentry_encode(const st_logentry *le, st_sbuf *out, st_error *e) {
    json_t *o = json_object();
    int fmt = st_logentry_format(le);
    json_object_set_new(o, "strata_log", json_integer(fmt));
    json_object_set_new(o, "version", json_integer(le->version));
    json_object_set_new(o, "ts", json_integer(le->ts_us));
    json_object_set_new(o, "op", json_string(st_log_op_name((st_log_op)le->op)));
    json_object_set_new(o, "read_version", json_integer(le->read_version));
    if (le->schema) json_object_set_new(o, "schema", st_tschema_to_json(le->schema, true));
    if (le->nadds) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < le->nadds; i++) json_array_append_new(a, segrec_to_json(&le->adds[i]));
        json_object_set_new(o, "add", a);
    }
    if (le->nremoves) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < le->nremoves; i++) json_array_append_new(a, json_string(le->removes[i]));
        json_object_set_new(o, "remove", a);
    }
    if (le->txn_app) {
        json_t *t = json_object();
        json_object_set_new(t, "app", json_string(le->txn_app));
        json_object_set_new(t, "seq", json_integer((json_int_t)le->txn_seq));
        json_object_set_new(o, "txn", t);
    }
    if (le->stream_key) {
        json_t *t = json_object();
        json_object_set_new(t, "key", json_string(le->stream_key));
        json_object_set_new(t, "offset", json_integer((json_int_t)le->stream_offset));
        json_object_set_new(t, "line", json_integer((json_int_t)le->stream_line));
        json_object_set_new(o, "stream", t);
    }
    if (le->has_counts) {
        json_t *c = json_object();
        json_object_set_new(c, "read", json_integer((json_int_t)le->n_read));
        json_object_set_new(c, "accepted", json_integer((json_int_t)le->n_accepted));
        json_object_set_new(c, "rejected", json_integer((json_int_t)le->n_rejected));
        if (fmt >= 2) {
            json_object_set_new(c, "duplicates", json_integer((json_int_t)le->n_duplicates));
            json_object_set_new(c, "replaced", json_integer((json_int_t)le->n_replaced));
        }
        json_t *rs = json_object();
        for (uint32_t i = 0; i < le->nreasons; i++)
            json_object_set_new(rs, le->reasons[i].code, json_integer((json_int_t)le->reasons[i].count));
        json_object_set_new(c, "reasons", rs);
        json_object_set_new(o, "counts", c);
    }
    if (le->nsources) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < le->nsources; i++) {
            const st_source_span *s = &le->sources[i];
            json_t *so = json_object();
            json_object_set_new(so, "name", json_string(s->name));
            json_object_set_new(so, "lines", pair(s->first_line, s->last_line));
            json_object_set_new(so, "bytes", pair(s->byte_start, s->byte_end));
            json_array_append_new(a, so);
        }
        json_object_set_new(o, "sources", a);
    }
    if (le->restore_of >= 0) json_object_set_new(o, "restore_of", json_integer(le->restore_of));
    if (le->retain_from >= 0) {
        json_object_set_new(o, "retain_from", json_integer(le->retain_from));
        json_object_set_new(o, "files_removed", json_integer((json_int_t)le->files_removed));
    }
    if (le->ndvs) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < le->ndvs; i++) {
            json_t *d = json_object();
            json_object_set_new(d, "seg", json_string(le->dvs[i].seg));
            json_object_set_new(d, "id", json_string(le->dvs[i].id));
            json_object_set_new(d, "rows", json_integer((json_int_t)le->dvs[i].rows));
            json_object_set_new(d, "bytes", json_integer((json_int_t)le->dvs[i].bytes));
            json_array_append_new(a, d);
        }
        json_object_set_new(o, "dv", a);
    }
    if (le->ninputs) json_object_set_new(o, "inputs", inputs_to_json(le->inputs, le->ninputs));
    st_status rc = seal_into(o, out, "log entry", e);
    json_decref(o);
    return rc;
}

static st_status get_pair(const json_t *o, const char *key, uint64_t *a, uint64_t *b,
                          const char *name, st_error *e) {
    json_t *p = json_object_get(o, key);
    if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_integer(json_array_get(p, 0)) ||
        !json_is_integer(json_array_get(p, 1)) || json_integer_value(json_array_get(p, 0)) < 0 ||
        json_integer_value(json_array_get(p, 1)) < json_integer_value(json_array_get(p, 0)))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: \"%s\" must be [first, last] with first <= last", name, key);
    *a = (uint64_t)json_integer_value(json_array_get(p, 0));
    *b = (uint64_t)json_integer_value(json_array_get(p, 1));
    return ST_OK;
}

static st_status entry_from_json(const json_t *o, const char *name, int64_t expect_version,
                                 st_logentry *le, st_error *e) {
    static const char *const keys1[] = {"strata_log", "version", "ts", "op", "read_version", "schema",
                                        "add", "remove", "txn", "stream", "counts", "sources",
                                        "restore_of", "retain_from", "files_removed", NULL};
    static const char *const keys2[] = {"strata_log", "version", "ts", "op", "read_version", "schema",
                                        "add", "remove", "txn", "stream", "counts", "sources",
                                        "restore_of", "retain_from", "files_removed", "dv", "inputs", NULL};
    int64_t fmt = 0;
    ST_TRY(get_int(o, "strata_log", true, 0, INT32_MAX, &fmt, name, e));
    if (fmt < ST_LOG_FORMAT_MIN || fmt > ST_LOG_FORMAT)
        return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: log format %lld is not supported by this "
                            "strata (it reads formats %d to %d)", name, (long long)fmt, ST_LOG_FORMAT_MIN,
                            ST_LOG_FORMAT);
    ST_TRY(check_keys(o, fmt >= 2 ? keys2 : keys1, "the entry", name, e));
    ST_TRY(get_int(o, "version", true, 0, INT64_MAX - 1, &le->version, name, e));
    if (expect_version >= 0 && le->version != expect_version)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: the entry says version %lld, its name says %lld",
                            name, (long long)le->version, (long long)expect_version);
    ST_TRY(get_int(o, "ts", true, INT64_MIN + 1, INT64_MAX, &le->ts_us, name, e));
    ST_TRY(get_int(o, "read_version", true, -1, le->version - 1, &le->read_version, name, e));
    json_t *jop = json_object_get(o, "op");
    int op = -1;
    if (json_is_string(jop))
        for (int i = 0; i < ST_OP__COUNT; i++)
            if (!strcmp(json_string_value(jop), op_names[i])) op = i;
    if ((op == ST_OP_TRANSFORM || op == ST_OP_OVERWRITE) && fmt < 2) op = -1;
    if (op < 0) return st_error_set(e, ST_ERR_CORRUPT, "%s: unknown or missing \"op\"", name);
    le->op = (uint8_t)op;
    json_t *js = json_object_get(o, "schema");
    if (js) {
        st_status rc = st_tschema_from_json(js, true, &le->schema, e);
        if (rc) {
            st_error_prefix(e, "%s: ", name);
            return e->code = rc == ST_ERR_NOMEM ? rc : ST_ERR_CORRUPT;
        }
    }
    json_t *ja = json_object_get(o, "add");
    if (ja) {
        if (!json_is_array(ja) || !json_array_size(ja))
            return st_error_set(e, ST_ERR_CORRUPT, "%s: \"add\" must be a non-empty array", name);
        le->adds = calloc(json_array_size(ja), sizeof *le->adds);
        if (!le->adds) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
        for (size_t i = 0; i < json_array_size(ja); i++) {
            ST_TRY(segrec_from_json(json_array_get(ja, i), false, (int)fmt, &le->adds[i], name, e));
            le->nadds = (uint32_t)i + 1;
        }
    }
    json_t *jr = json_object_get(o, "remove");
    if (jr) {
        if (!json_is_array(jr) || !json_array_size(jr))
            return st_error_set(e, ST_ERR_CORRUPT, "%s: \"remove\" must be a non-empty array", name);
        le->removes = calloc(json_array_size(jr), sizeof *le->removes);
        if (!le->removes) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
        for (size_t i = 0; i < json_array_size(jr); i++) {
            json_t *x = json_array_get(jr, i);
            if (!json_is_string(x) || json_string_length(x) != ST_SEG_ID_LEN ||
                !st_seg_id_valid(json_string_value(x)))
                return st_error_set(e, ST_ERR_CORRUPT, "%s: \"remove\" holds a bad segment id", name);
            memcpy(le->removes[i], json_string_value(x), ST_SEG_ID_LEN + 1);
            le->nremoves = (uint32_t)i + 1;
        }
    }
    json_t *jt = json_object_get(o, "txn");
    if (jt) {
        static const char *const tk[] = {"app", "seq", NULL};
        if (!json_is_object(jt)) return st_error_set(e, ST_ERR_CORRUPT, "%s: \"txn\" is not an object", name);
        ST_TRY(check_keys(jt, tk, "\"txn\"", name, e));
        ST_TRY(get_str(jt, "app", true, ST_LOG_NAME_MAX, &le->txn_app, name, e));
        ST_TRY(get_u64(jt, "seq", true, &le->txn_seq, name, e));
    }
    json_t *jst = json_object_get(o, "stream");
    if (jst) {
        static const char *const sk[] = {"key", "offset", "line", NULL};
        if (!json_is_object(jst)) return st_error_set(e, ST_ERR_CORRUPT, "%s: \"stream\" is not an object", name);
        ST_TRY(check_keys(jst, sk, "\"stream\"", name, e));
        ST_TRY(get_str(jst, "key", true, 4096, &le->stream_key, name, e));
        ST_TRY(get_u64(jst, "offset", true, &le->stream_offset, name, e));
        ST_TRY(get_u64(jst, "line", true, &le->stream_line, name, e));
    }
    json_t *jc = json_object_get(o, "counts");
    if (jc) {
        static const char *const ck1[] = {"read", "accepted", "rejected", "reasons", NULL};
        static const char *const ck2[] = {"read", "accepted", "rejected", "duplicates", "replaced", "reasons", NULL};
        if (!json_is_object(jc)) return st_error_set(e, ST_ERR_CORRUPT, "%s: \"counts\" is not an object", name);
        ST_TRY(check_keys(jc, fmt >= 2 ? ck2 : ck1, "\"counts\"", name, e));
        le->has_counts = true;
        ST_TRY(get_u64(jc, "read", true, &le->n_read, name, e));
        ST_TRY(get_u64(jc, "accepted", true, &le->n_accepted, name, e));
        ST_TRY(get_u64(jc, "rejected", true, &le->n_rejected, name, e));
        ST_TRY(get_u64(jc, "duplicates", false, &le->n_duplicates, name, e));
        ST_TRY(get_u64(jc, "replaced", false, &le->n_replaced, name, e));
        if (le->n_accepted > le->n_read || le->n_rejected > le->n_read || le->n_duplicates > le->n_read ||
            le->n_accepted + le->n_rejected + le->n_duplicates != le->n_read)
            return st_error_set(e, ST_ERR_CORRUPT, "%s: counts: accepted + rejected + duplicates != read", name);
        json_t *rs = json_object_get(jc, "reasons");
        if (!json_is_object(rs)) return st_error_set(e, ST_ERR_CORRUPT, "%s: counts: \"reasons\" is not an object", name);
        if (json_object_size(rs)) {
            le->reasons = calloc(json_object_size(rs), sizeof *le->reasons);
            if (!le->reasons) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
        }
        const char *k;
        json_t *v;
        json_object_foreach(rs, k, v) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || strlen(k) > 64)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: counts: bad reason count", name);
            st_reason_count *rc = &le->reasons[le->nreasons];
            rc->code = strdup(k);
            if (!rc->code) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
            rc->count = (uint64_t)json_integer_value(v);
            le->nreasons++;
        }
    }
    json_t *jso = json_object_get(o, "sources");
    if (jso) {
        static const char *const sk[] = {"name", "lines", "bytes", NULL};
        if (!json_is_array(jso)) return st_error_set(e, ST_ERR_CORRUPT, "%s: \"sources\" is not an array", name);
        if (json_array_size(jso)) {
            le->sources = calloc(json_array_size(jso), sizeof *le->sources);
            if (!le->sources) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
        }
        for (size_t i = 0; i < json_array_size(jso); i++) {
            json_t *so = json_array_get(jso, i);
            st_source_span *sp = &le->sources[i];
            if (!json_is_object(so)) return st_error_set(e, ST_ERR_CORRUPT, "%s: a source is not an object", name);
            ST_TRY(check_keys(so, sk, "a source", name, e));
            ST_TRY(get_str(so, "name", true, ST_LOG_NAME_MAX, &sp->name, name, e));
            le->nsources = (uint32_t)i + 1;
            ST_TRY(get_pair(so, "lines", &sp->first_line, &sp->last_line, name, e));
            ST_TRY(get_pair(so, "bytes", &sp->byte_start, &sp->byte_end, name, e));
        }
    }
    json_t *jdv = json_object_get(o, "dv");
    if (jdv) {
        static const char *const dk[] = {"seg", "id", "rows", "bytes", NULL};
        if (!json_is_array(jdv) || !json_array_size(jdv))
            return st_error_set(e, ST_ERR_CORRUPT, "%s: \"dv\" must be a non-empty array", name);
        le->dvs = calloc(json_array_size(jdv), sizeof *le->dvs);
        if (!le->dvs) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
        for (size_t i = 0; i < json_array_size(jdv); i++) {
            json_t *d = json_array_get(jdv, i);
            st_dvrec *r = &le->dvs[i];
            int64_t rows = 0, bytes = 0;
            if (!json_is_object(d)) return st_error_set(e, ST_ERR_CORRUPT, "%s: a deletion vector is not an object", name);
            ST_TRY(check_keys(d, dk, "a deletion vector", name, e));
            ST_TRY(get_id(d, "seg", r->seg, name, e));
            ST_TRY(get_id(d, "id", r->id, name, e));
            ST_TRY(get_int(d, "rows", true, 1, MAX_ROWS, &rows, name, e));
            ST_TRY(get_int(d, "bytes", true, 1, INT64_MAX, &bytes, name, e));
            r->rows = (uint64_t)rows;
            r->bytes = (uint64_t)bytes;
            le->ndvs = (uint32_t)i + 1;
            for (size_t k = 0; k < i; k++)
                if (!strcmp(le->dvs[k].seg, r->seg))
                    return st_error_set(e, ST_ERR_CORRUPT, "%s: two deletion vectors for segment %s", name, r->seg);
        }
    }
    json_t *jin = json_object_get(o, "inputs");
    if (jin) ST_TRY(inputs_from_json(jin, &le->inputs, &le->ninputs, name, e));
    ST_TRY(get_int(o, "restore_of", false, 0, le->version - 1, &le->restore_of, name, e));
    ST_TRY(get_int(o, "retain_from", false, 0, le->version, &le->retain_from, name, e));
    ST_TRY(get_u64(o, "files_removed", false, &le->files_removed, name, e));
    /* what each operation must and must not carry */
    bool ok = true;
    switch ((st_log_op)le->op) {
    case ST_OP_CREATE: ok = le->version == 0 && le->schema && le->nremoves == 0; break;
    case ST_OP_APPEND: ok = le->version > 0 && le->nremoves == 0; break;
    case ST_OP_COMPACT: ok = le->version > 0 && le->nremoves && !le->schema; break;
    case ST_OP_RESTORE: ok = le->version > 0 && le->restore_of >= 0; break;
    case ST_OP_VACUUM: ok = le->version > 0 && le->retain_from >= 0 && !le->nadds && !le->nremoves; break;
    case ST_OP_EVOLVE: ok = le->version > 0 && le->schema && !le->nadds && !le->nremoves; break;
    case ST_OP_TRANSFORM: ok = le->version > 0; break;
    case ST_OP_OVERWRITE: ok = le->version > 0 && !le->schema; break;
    default: ok = false;
    }
    if (ok && le->op == ST_OP_COMPACT && !le->nadds && fmt < 2) ok = false;
    if (ok && le->ndvs && le->op != ST_OP_TRANSFORM) ok = false;
    if (ok && le->op != ST_OP_RESTORE && le->restore_of >= 0) ok = false;
    if (ok && le->op != ST_OP_VACUUM && (le->retain_from >= 0 || json_object_get(o, "files_removed"))) ok = false;
    if (!ok)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: a \"%s\" entry at version %lld carries fields it "
                            "cannot have", name, op_names[le->op], (long long)le->version);
    /* -1 = read nothing: a create, or a create that lost the race to an
     * identical create and was committed as an append */
    if ((le->op == ST_OP_CREATE && le->read_version != -1) ||
        (le->read_version == -1 && le->op != ST_OP_CREATE && le->op != ST_OP_APPEND))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: read_version %lld does not fit a \"%s\" entry",
                            name, (long long)le->read_version, op_names[le->op]);
    return ST_OK;
}

st_status st_logentry_decode(const char *buf, size_t len, const char *name, int64_t expect_version,
                             st_logentry **out, st_error *e) {
    *out = NULL;
    if (len > ST_LOG_ENTRY_MAX)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: %zu bytes is more than a log entry may hold", name, len);
    json_t *o;
    ST_TRY(parse_body(buf, len, name, &o, e));
    st_logentry *le = st_logentry_new();
    if (!le) {
        json_decref(o);
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    }
    st_status rc = entry_from_json(o, name, expect_version, le, e);
    json_decref(o);
    if (rc) {
        st_logentry_free(le);
        return rc;
    }
    *out = le;
    return ST_OK;
}

/* ---- state ------------------------------------------------------------------- */

/* The id index: open addressing over segs, capacity a power of two >= 2n.
 * Slots hold index+1 (0 = empty).  Private to this file: st_logstate keeps
 * it behind `segs_cap`'s neighbours via a side allocation. */
typedef struct seg_index {
    uint32_t cap;
    uint32_t *slot;
} seg_index;

typedef struct st_logstate_priv {
    st_logstate pub;
    seg_index idx;
} st_logstate_priv;

static uint64_t id_hash(const char *id) { return st_hash_bytes(id, ST_SEG_ID_LEN); }

static bool index_build(st_logstate_priv *p) {
    uint32_t need = 16;
    while (need < p->pub.nsegs * 2 + 2) need *= 2;
    if (need != p->idx.cap) {
        uint32_t *ns = calloc(need, sizeof *ns);
        if (!ns) return false;
        free(p->idx.slot);
        p->idx.slot = ns;
        p->idx.cap = need;
    } else {
        memset(p->idx.slot, 0, need * sizeof *p->idx.slot);
    }
    for (uint32_t i = 0; i < p->pub.nsegs; i++) {
        uint32_t h = (uint32_t)id_hash(p->pub.segs[i].id) & (p->idx.cap - 1);
        while (p->idx.slot[h]) h = (h + 1) & (p->idx.cap - 1);
        p->idx.slot[h] = i + 1;
    }
    return true;
}

st_logstate *st_logstate_new(void) {
    st_logstate_priv *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->pub.version = -1;
    p->pub.ts_us = INT64_MIN;
    return &p->pub;
}

void st_logstate_free(st_logstate *s) {
    if (!s) return;
    st_logstate_priv *p = (st_logstate_priv *)s;
    st_tschema_free(s->schema);
    for (uint32_t i = 0; i < s->nsegs; i++) st_segrec_clear(&s->segs[i]);
    free(s->segs);
    for (uint32_t i = 0; i < s->ntxns; i++) free(s->txns[i].app);
    free(s->txns);
    for (uint32_t i = 0; i < s->nstreams; i++) free(s->streams[i].key);
    free(s->streams);
    for (uint32_t i = 0; i < s->ninputs; i++) free(s->inputs[i].table);
    free(s->inputs);
    free(p->idx.slot);
    free(p);
}

int64_t st_logstate_find_seg(const st_logstate *s, const char *id) {
    const st_logstate_priv *p = (const st_logstate_priv *)s;
    if (p->idx.cap) {
        uint32_t h = (uint32_t)id_hash(id) & (p->idx.cap - 1);
        while (p->idx.slot[h]) {
            uint32_t i = p->idx.slot[h] - 1;
            if (i < s->nsegs && !strcmp(s->segs[i].id, id)) return i;
            h = (h + 1) & (p->idx.cap - 1);
        }
        return -1;
    }
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (!strcmp(s->segs[i].id, id)) return i;
    return -1;
}

bool st_logstate_txn(const st_logstate *s, const char *app, uint64_t *seq) {
    for (uint32_t i = 0; i < s->ntxns; i++)
        if (!strcmp(s->txns[i].app, app)) {
            *seq = s->txns[i].seq;
            return true;
        }
    return false;
}

bool st_logstate_stream(const st_logstate *s, const char *key, uint64_t *offset, uint64_t *line) {
    for (uint32_t i = 0; i < s->nstreams; i++)
        if (!strcmp(s->streams[i].key, key)) {
            *offset = s->streams[i].offset;
            *line = s->streams[i].line;
            return true;
        }
    return false;
}

bool st_logstate_input(const st_logstate *s, const char *table, int64_t *version) {
    for (uint32_t i = 0; i < s->ninputs; i++)
        if (!strcmp(s->inputs[i].table, table)) {
            *version = s->inputs[i].version;
            return true;
        }
    return false;
}

static st_status set_input(st_logstate *s, const char *table, int64_t version, st_error *e) {
    for (uint32_t i = 0; i < s->ninputs; i++)
        if (!strcmp(s->inputs[i].table, table)) {
            s->inputs[i].version = version;
            return ST_OK;
        }
    st_input_mark *n = realloc(s->inputs, (s->ninputs + 1) * sizeof *n);
    if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    s->inputs = n;
    if (!(n[s->ninputs].table = strdup(table))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    n[s->ninputs++].version = version;
    return ST_OK;
}

static st_status set_txn(st_logstate *s, const char *app, uint64_t seq, st_error *e) {
    for (uint32_t i = 0; i < s->ntxns; i++)
        if (!strcmp(s->txns[i].app, app)) {
            s->txns[i].seq = seq;
            return ST_OK;
        }
    st_txn_mark *n = realloc(s->txns, (s->ntxns + 1) * sizeof *n);
    if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    s->txns = n;
    if (!(n[s->ntxns].app = strdup(app))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    n[s->ntxns++].seq = seq;
    return ST_OK;
}

static st_status set_stream(st_logstate *s, const char *key, uint64_t off, uint64_t line, st_error *e) {
    for (uint32_t i = 0; i < s->nstreams; i++)
        if (!strcmp(s->streams[i].key, key)) {
            s->streams[i].offset = off;
            s->streams[i].line = line;
            return ST_OK;
        }
    st_stream_mark *n = realloc(s->streams, (s->nstreams + 1) * sizeof *n);
    if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    s->streams = n;
    if (!(n[s->nstreams].key = strdup(key))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    n[s->nstreams].offset = off;
    n[s->nstreams++].line = line;
    return ST_OK;
}

st_status st_logstate_apply(st_logstate *s, const st_logentry *le, const char *name, st_error *e) {
    st_error local;
    if (!e) e = &local;
    st_logstate_priv *p = (st_logstate_priv *)s;
    /* ---- validate everything first: a failed apply changes nothing */
    if (le->version != s->version + 1)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: version %lld follows version %lld", name,
                            (long long)le->version, (long long)s->version);
    if (s->version >= 0 && le->ts_us <= s->ts_us)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: timestamp %lld is not after the previous "
                            "version's %lld", name, (long long)le->ts_us, (long long)s->ts_us);
    if (s->version < 0 && !le->schema)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: version 0 registers no schema", name);
    if (le->schema && s->schema &&
        (le->schema->schema_id <= s->schema->schema_id ||
         le->schema->next_field_id < s->schema->next_field_id))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: the schema id or field ids went backwards", name);
    if (le->retain_from >= 0 && le->retain_from < s->retain_from)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: retain_from went backwards", name);
    if (p->idx.cap == 0 && s->nsegs > 8 && !index_build(p))
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint8_t *gone = NULL;
    if (le->nremoves) {
        gone = calloc(s->nsegs ? s->nsegs : 1, 1);
        if (!gone) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < le->nremoves; i++) {
            int64_t k = st_logstate_find_seg(s, le->removes[i]);
            if (k < 0 || gone[k]) {
                free(gone);
                return st_error_set(e, ST_ERR_CORRUPT, "%s: removes segment %s, which is not live", name,
                                    le->removes[i]);
            }
            gone[k] = 1;
        }
    }
    for (uint32_t i = 0; i < le->nadds; i++) {
        int64_t k = st_logstate_find_seg(s, le->adds[i].id);
        bool dup = k >= 0 && !(gone && gone[k]);
        for (uint32_t j = 0; !dup && j < i; j++) dup = !strcmp(le->adds[j].id, le->adds[i].id);
        if (dup) {
            free(gone);
            return st_error_set(e, ST_ERR_CORRUPT, "%s: adds segment %s, which is already live", name,
                                le->adds[i].id);
        }
    }
    for (uint32_t i = 0; i < le->nadds; i++)
        if (le->adds[i].dv[0] && le->adds[i].dv_rows > le->adds[i].rows) {
            free(gone);
            return st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s: a deletion vector of more rows than the "
                                "segment", name, le->adds[i].id);
        }
    /* deletion vectors: each names a segment live after this entry */
    int64_t *dv_at = le->ndvs ? calloc(le->ndvs, sizeof *dv_at) : NULL; /* >= 0 state index, < 0 -(add+1) */
    if (le->ndvs && !dv_at) {
        free(gone);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < le->ndvs; i++) {
        int64_t k = st_logstate_find_seg(s, le->dvs[i].seg);
        uint64_t rows = 0;
        if (k >= 0 && !(gone && gone[k])) {
            dv_at[i] = k;
            rows = s->segs[k].rows;
        } else {
            k = -1;
            for (uint32_t j = 0; j < le->nadds; j++)
                if (!strcmp(le->adds[j].id, le->dvs[i].seg)) {
                    dv_at[i] = -(int64_t)j - 1;
                    rows = le->adds[j].rows;
                    k = j;
                }
        }
        if (k < 0 || le->dvs[i].rows > rows) {
            free(gone);
            free(dv_at);
            return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector %s: segment %s is not live or has fewer "
                                "rows than it deletes", name, le->dvs[i].id, le->dvs[i].seg);
        }
    }
    /* ---- prepare new pieces (may fail on memory only) */
    st_tschema *ns = NULL;
    if (le->schema && !(ns = st_tschema_clone(le->schema))) {
        free(gone);
            free(dv_at);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    uint32_t keep = s->nsegs;
    if (gone)
        for (uint32_t i = 0; i < s->nsegs; i++) keep -= gone[i];
    uint32_t need = keep + le->nadds;
    if (need > s->segs_cap) {
        uint32_t cap = s->segs_cap ? s->segs_cap : 16;
        while (cap < need) cap *= 2;
        st_segrec *n = realloc(s->segs, cap * sizeof *n);
        if (!n) {
            free(gone);
            free(dv_at);
            st_tschema_free(ns);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        s->segs = n;
        s->segs_cap = cap;
    }
    st_segrec *added = le->nadds ? calloc(le->nadds, sizeof *added) : NULL;
    if (le->nadds && !added) {
        free(gone);
            free(dv_at);
        st_tschema_free(ns);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < le->nadds; i++) {
        if (st_segrec_copy(&added[i], &le->adds[i], e) != ST_OK) {
            for (uint32_t j = 0; j < i; j++) st_segrec_clear(&added[j]);
            free(added);
            free(gone);
            free(dv_at);
            st_tschema_free(ns);
            return ST_ERR_NOMEM;
        }
        for (uint32_t r = 0; r < added[i].nruns; r++) {
            if (added[i].runs[r].ingest_id == ST_LINEAGE_THIS) added[i].runs[r].ingest_id = le->version;
            if (added[i].runs[r].ingested_at == ST_LINEAGE_THIS) added[i].runs[r].ingested_at = le->ts_us;
        }
    }
    if (le->txn_app && set_txn(s, le->txn_app, le->txn_seq, e) != ST_OK) goto oom_late;
    if (le->stream_key && set_stream(s, le->stream_key, le->stream_offset, le->stream_line, e) != ST_OK)
        goto oom_late;
    for (uint32_t i = 0; i < le->ninputs; i++)
        if (set_input(s, le->inputs[i].table, le->inputs[i].version, e) != ST_OK) goto oom_late;
    /* deletion vectors on added segments land on the copies */
    for (uint32_t i = 0; i < le->ndvs; i++)
        if (dv_at[i] < 0) {
            st_segrec *r = &added[-dv_at[i] - 1];
            memcpy(r->dv, le->dvs[i].id, sizeof r->dv);
            r->dv_rows = le->dvs[i].rows;
            r->dv_bytes = le->dvs[i].bytes;
        }
    /* ---- commit the change */
    for (uint32_t i = 0; i < le->ndvs; i++)
        if (dv_at[i] >= 0) {
            st_segrec *r = &s->segs[dv_at[i]];
            memcpy(r->dv, le->dvs[i].id, sizeof r->dv);
            r->dv_rows = le->dvs[i].rows;
            r->dv_bytes = le->dvs[i].bytes;
        }
    free(dv_at);
    if (gone) {
        uint32_t w = 0;
        for (uint32_t i = 0; i < s->nsegs; i++) {
            if (gone[i]) st_segrec_clear(&s->segs[i]);
            else s->segs[w++] = s->segs[i];
        }
        s->nsegs = w;
        free(gone);
    }
    for (uint32_t i = 0; i < le->nadds; i++) s->segs[s->nsegs++] = added[i];
    free(added);
    if (ns) {
        st_tschema_free(s->schema);
        s->schema = ns;
    }
    if (le->version == 0) s->created_ts_us = le->ts_us;
    if (le->retain_from >= 0) s->retain_from = le->retain_from;
    s->version = le->version;
    s->ts_us = le->ts_us;
    if (s->nsegs > 8 && !index_build(p)) {
        /* the index is an accelerator: fall back to linear search */
        free(p->idx.slot);
        p->idx.slot = NULL;
        p->idx.cap = 0;
    } else if (s->nsegs <= 8 && p->idx.cap) {
        free(p->idx.slot);
        p->idx.slot = NULL;
        p->idx.cap = 0;
    }
    return ST_OK;
oom_late:
    /* txn/stream maps may have grown by an entry; harmless but report */
    for (uint32_t j = 0; j < le->nadds; j++) st_segrec_clear(&added[j]);
    free(added);
    free(gone);
    free(dv_at);
    st_tschema_free(ns);
    return ST_ERR_NOMEM;
}

/* ---- checkpoints ------------------------------------------------------------- */

st_status st_logstate_encode(const st_logstate *s, st_sbuf *out, st_error *e) {
    if (!s->schema) return st_error_set(e, ST_ERR_INTERNAL, "checkpoint of an empty state");
    json_t *o = json_object();
    json_object_set_new(o, "strata_checkpoint", json_integer(st_logstate_format(s)));
    json_object_set_new(o, "version", json_integer(s->version));
    json_object_set_new(o, "ts", json_integer(s->ts_us));
    json_object_set_new(o, "created_ts", json_integer(s->created_ts_us));
    json_object_set_new(o, "retain_from", json_integer(s->retain_from));
    json_object_set_new(o, "schema", st_tschema_to_json(s->schema, true));
    json_t *a = json_array();
    for (uint32_t i = 0; i < s->nsegs; i++) json_array_append_new(a, segrec_to_json(&s->segs[i]));
    json_object_set_new(o, "segments", a);
    json_t *t = json_array();
    for (uint32_t i = 0; i < s->ntxns; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "app", json_string(s->txns[i].app));
        json_object_set_new(x, "seq", json_integer((json_int_t)s->txns[i].seq));
        json_array_append_new(t, x);
    }
    json_object_set_new(o, "txns", t);
    json_t *st = json_array();
    for (uint32_t i = 0; i < s->nstreams; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "key", json_string(s->streams[i].key));
        json_object_set_new(x, "offset", json_integer((json_int_t)s->streams[i].offset));
        json_object_set_new(x, "line", json_integer((json_int_t)s->streams[i].line));
        json_array_append_new(st, x);
    }
    json_object_set_new(o, "streams", st);
    if (s->ninputs) json_object_set_new(o, "inputs", inputs_to_json(s->inputs, s->ninputs));
    st_status rc = seal_into(o, out, "checkpoint", e);
    json_decref(o);
    return rc;
}

static st_status state_from_json(const json_t *o, const char *name, int64_t expect_version,
                                 st_logstate *s, st_error *e) {
    static const char *const keys1[] = {"strata_checkpoint", "version", "ts", "created_ts", "retain_from",
                                        "schema", "segments", "txns", "streams", NULL};
    static const char *const keys2[] = {"strata_checkpoint", "version", "ts", "created_ts", "retain_from",
                                        "schema", "segments", "txns", "streams", "inputs", NULL};
    int64_t fmt = 0;
    ST_TRY(get_int(o, "strata_checkpoint", true, 0, INT32_MAX, &fmt, name, e));
    if (fmt < ST_LOG_FORMAT_MIN || fmt > ST_LOG_FORMAT)
        return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: checkpoint format %lld is not supported", name,
                            (long long)fmt);
    ST_TRY(check_keys(o, fmt >= 2 ? keys2 : keys1, "the checkpoint", name, e));
    ST_TRY(get_int(o, "version", true, 0, INT64_MAX - 1, &s->version, name, e));
    if (expect_version >= 0 && s->version != expect_version)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: the checkpoint says version %lld, its name says %lld",
                            name, (long long)s->version, (long long)expect_version);
    ST_TRY(get_int(o, "ts", true, INT64_MIN + 1, INT64_MAX, &s->ts_us, name, e));
    ST_TRY(get_int(o, "created_ts", true, INT64_MIN + 1, s->ts_us, &s->created_ts_us, name, e));
    ST_TRY(get_int(o, "retain_from", true, 0, s->version, &s->retain_from, name, e));
    st_status rc = st_tschema_from_json(json_object_get(o, "schema"), true, &s->schema, e);
    if (rc) {
        st_error_prefix(e, "%s: ", name);
        return e->code = rc == ST_ERR_NOMEM ? rc : ST_ERR_CORRUPT;
    }
    json_t *sa = json_object_get(o, "segments"), *ta = json_object_get(o, "txns"),
           *ma = json_object_get(o, "streams");
    if (!json_is_array(sa) || !json_is_array(ta) || !json_is_array(ma))
        return st_error_set(e, ST_ERR_CORRUPT, "%s: segments, txns and streams must be arrays", name);
    size_t n = json_array_size(sa);
    if (n) {
        s->segs = calloc(n, sizeof *s->segs);
        if (!s->segs) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
        s->segs_cap = (uint32_t)n;
    }
    for (size_t i = 0; i < n; i++) {
        ST_TRY(segrec_from_json(json_array_get(sa, i), true, (int)fmt, &s->segs[i], name, e));
        s->nsegs = (uint32_t)i + 1;
        for (uint32_t r = 0; r < s->segs[i].nruns; r++)
            if (!s->segs[i].runs[r].upstream && s->segs[i].runs[r].ingest_id > s->version)
                return st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s has rows from version %lld, after "
                                    "the checkpoint", name, s->segs[i].id,
                                    (long long)s->segs[i].runs[r].ingest_id);
    }
    st_logstate_priv *p = (st_logstate_priv *)s;
    if (!index_build(p)) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (st_logstate_find_seg(s, s->segs[i].id) != (int64_t)i)
            return st_error_set(e, ST_ERR_CORRUPT, "%s: segment %s is listed twice", name, s->segs[i].id);
    for (size_t i = 0; i < json_array_size(ta); i++) {
        json_t *x = json_array_get(ta, i);
        static const char *const tk[] = {"app", "seq", NULL};
        char *app = NULL;
        uint64_t seq = 0;
        if (!json_is_object(x)) return st_error_set(e, ST_ERR_CORRUPT, "%s: a txn is not an object", name);
        ST_TRY(check_keys(x, tk, "a txn", name, e));
        ST_TRY(get_str(x, "app", true, ST_LOG_NAME_MAX, &app, name, e));
        rc = get_u64(x, "seq", true, &seq, name, e);
        uint64_t old;
        if (!rc && st_logstate_txn(s, app, &old))
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: txn app listed twice", name);
        if (!rc) rc = set_txn(s, app, seq, e);
        free(app);
        if (rc) return rc;
    }
    for (size_t i = 0; i < json_array_size(ma); i++) {
        json_t *x = json_array_get(ma, i);
        static const char *const mk[] = {"key", "offset", "line", NULL};
        char *key = NULL;
        uint64_t off = 0, line = 0;
        if (!json_is_object(x)) return st_error_set(e, ST_ERR_CORRUPT, "%s: a stream is not an object", name);
        ST_TRY(check_keys(x, mk, "a stream", name, e));
        ST_TRY(get_str(x, "key", true, 4096, &key, name, e));
        rc = get_u64(x, "offset", true, &off, name, e);
        if (!rc) rc = get_u64(x, "line", true, &line, name, e);
        uint64_t o1, l1;
        if (!rc && st_logstate_stream(s, key, &o1, &l1))
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: stream listed twice", name);
        if (!rc) rc = set_stream(s, key, off, line, e);
        free(key);
        if (rc) return rc;
    }
    json_t *ia = json_object_get(o, "inputs");
    if (ia) ST_TRY(inputs_from_json(ia, &s->inputs, &s->ninputs, name, e));
    return ST_OK;
}

st_status st_logstate_decode(const char *buf, size_t len, const char *name, int64_t expect_version,
                             st_logstate **out, st_error *e) {
    st_error local;
    if (!e) e = &local;
    *out = NULL;
    if (len > ST_LOG_CHECKPOINT_MAX)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: %zu bytes is more than a checkpoint may hold", name, len);
    json_t *o;
    ST_TRY(parse_body(buf, len, name, &o, e));
    st_logstate *s = st_logstate_new();
    if (!s) {
        json_decref(o);
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", name);
    }
    st_status rc = state_from_json(o, name, expect_version, s, e);
    json_decref(o);
    if (rc) {
        if (e && rc != ST_ERR_NOMEM && rc != ST_ERR_UNSUPPORTED) e->code = rc = ST_ERR_CORRUPT;
        st_logstate_free(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}

bool st_logstate_equal(const st_logstate *a, const st_logstate *b) {
    if (a->version != b->version || a->ts_us != b->ts_us || a->created_ts_us != b->created_ts_us ||
        a->retain_from != b->retain_from || !st_tschema_equal(a->schema, b->schema) ||
        a->nsegs != b->nsegs || a->ntxns != b->ntxns || a->nstreams != b->nstreams || a->ninputs != b->ninputs)
        return false;
    for (uint32_t i = 0; i < a->ninputs; i++) {
        int64_t v;
        if (!st_logstate_input(b, a->inputs[i].table, &v) || v != a->inputs[i].version) return false;
    }
    for (uint32_t i = 0; i < a->nsegs; i++)
        if (!segrec_equal(&a->segs[i], &b->segs[i])) return false;
    for (uint32_t i = 0; i < a->ntxns; i++) {
        uint64_t seq;
        if (!st_logstate_txn(b, a->txns[i].app, &seq) || seq != a->txns[i].seq) return false;
    }
    for (uint32_t i = 0; i < a->nstreams; i++) {
        uint64_t off, line;
        if (!st_logstate_stream(b, a->streams[i].key, &off, &line) || off != a->streams[i].offset ||
            line != a->streams[i].line)
            return false;
    }
    return true;
}
