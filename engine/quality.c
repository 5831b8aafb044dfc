/*
 * quality.c: expectation suites (see quality.h).
 *
 * Checking is one parallel scan over the snapshot's row groups reading the
 * union of the columns the suite uses; each row group's partial results
 * (counts, sums, minima and maxima, the first failing rows) land in its own
 * slot and are combined in row-group order, so the report (floating-point
 * means included) is the same for any thread count.  Uniqueness needs the
 * whole table's keys: a second, sequential scan offers them to a dedup
 * table in row-group order, and the rows whose key was already seen are
 * the failing ones, in a deterministic order.
 */
#include "engine/quality.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/dedup.h"
#include "engine/lineage.h"
#include "engine/lookup.h"
#include "engine/tsource.h"
#include "engine/vcast.h"
#include "format/hashvec.h"
#include "format/io.h"
#include "format/pool.h"
#include "format/valtext.h"

#define MAX_SAMPLES 20

typedef enum {
    E_NOT_NULL, E_UNIQUE, E_IN_SET, E_BETWEEN, E_REGEX, E_LENGTH, E_ROWS, E_MEAN, E_MIN, E_MAX, E_NULLS,
    E_FRESH, E_REFS, E__COUNT
} ekind;

static const char *const ek_names[E__COUNT] = {
    "not_null", "unique", "in_set", "between", "regex", "length_between", "row_count_between", "mean_between",
    "min_between", "max_between", "null_proportion", "freshness", "references"};

typedef struct expect {
    ekind k;
    bool error;          /* severity */
    double mostly;
    bool has_mostly;
    char **cols;         /* column names (unique may have several) */
    uint32_t ncols;
    bool has_min, has_max;
    double dmin, dmax;   /* numeric bounds (rows, mean, proportions, numbers) */
    char *smin, *smax;   /* bounds as text (typed once the column's type is known) */
    char **set;
    uint32_t nset;
    regex_t re;
    bool re_ok;
    char *pattern;
    int64_t max_age_us;
    char *ref_table, *ref_col;
    /* resolved at check time */
    int32_t ci[16];      /* source columns (indices into the check's read list) */
    uint8_t lo[16], hi[16];  /* typed bounds for between / min / max */
} expect;

struct st_suite {
    char *name;
    char *table;
    char **key;
    uint32_t nkey;
    expect *ex;
    uint32_t nex;
};

const char *st_suite_name(const st_suite *s) { return s->name; }
const char *st_suite_table(const st_suite *s) { return s->table; }

void st_suite_free(st_suite *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->nex; i++) {
        expect *x = &s->ex[i];
        for (uint32_t k = 0; k < x->ncols; k++) free(x->cols[k]);
        free(x->cols);
        free(x->smin);
        free(x->smax);
        for (uint32_t k = 0; k < x->nset; k++) free(x->set[k]);
        free(x->set);
        if (x->re_ok) regfree(&x->re);
        free(x->pattern);
        free(x->ref_table);
        free(x->ref_col);
    }
    free(s->ex);
    for (uint32_t i = 0; i < s->nkey; i++) free(s->key[i]);
    free(s->key);
    free(s->table);
    free(s->name);
    free(s);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static char *json_text(const json_t *v) {
    char buf[64];
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
    else return NULL;
    return strdup(buf);
}

static st_status parse_expect(const json_t *o, const char *name, uint32_t idx, expect *x, st_error *e) {
    static const char *const keys[] = {"expect", "column", "columns", "min", "max", "values", "pattern", "mostly",
                                       "severity", "max_age", "table", "to", "description", NULL};
    char ctx[160];
    snprintf(ctx, sizeof ctx, "%s: expectation %u", name, idx + 1);
    if (!json_is_object(o)) return st_error_set(e, ST_ERR_INVALID, "%s: an expectation is an object", ctx);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (int i = 0; keys[i]; i++) ok |= !strcmp(keys[i], k);
        if (!ok) return st_error_set(e, ST_ERR_INVALID, "%s: unknown key \"%.64s\"", ctx, k);
    }
    const char *ek = json_string_value(json_object_get(o, "expect"));
    int kind = -1;
    for (int i = 0; ek && i < E__COUNT; i++)
        if (!strcmp(ek, ek_names[i])) kind = i;
    if (kind < 0) {
        char list[400] = "";
        for (int i = 0; i < E__COUNT; i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, ek_names[i], sizeof list - strlen(list) - 1);
        }
        return st_error_set(e, ST_ERR_INVALID, "%s: \"expect\" is one of %s", ctx, list);
    }
    x->k = (ekind)kind;
    snprintf(ctx, sizeof ctx, "%s: expectation %u (%s)", name, idx + 1, ek);
    const char *sev = json_string_value(json_object_get(o, "severity"));
    if (json_object_get(o, "severity") && (!sev || (strcmp(sev, "error") && strcmp(sev, "warn"))))
        return st_error_set(e, ST_ERR_INVALID, "%s: \"severity\" is \"error\" or \"warn\"", ctx);
    x->error = !sev || !strcmp(sev, "error");
    x->mostly = 1.0;
    json_t *m = json_object_get(o, "mostly");
    bool rowlevel = x->k == E_NOT_NULL || x->k == E_UNIQUE || x->k == E_IN_SET || x->k == E_BETWEEN ||
                    x->k == E_REGEX || x->k == E_LENGTH || x->k == E_REFS;
    if (m) {
        if (!rowlevel) return st_error_set(e, ST_ERR_INVALID, "%s: \"mostly\" applies to row-level expectations only", ctx);
        if (!json_is_number(m) || json_number_value(m) < 0 || json_number_value(m) > 1)
            return st_error_set(e, ST_ERR_INVALID, "%s: \"mostly\" is a number from 0 to 1", ctx);
        x->mostly = json_number_value(m);
        x->has_mostly = true;
    }
    /* columns */
    json_t *c = json_object_get(o, "column"), *cs = json_object_get(o, "columns");
    if (c && cs) return st_error_set(e, ST_ERR_INVALID, "%s: \"column\" or \"columns\", not both", ctx);
    if (cs && x->k != E_UNIQUE) return st_error_set(e, ST_ERR_INVALID, "%s: only unique takes \"columns\"", ctx);
    if (x->k == E_ROWS) {
        if (c) return st_error_set(e, ST_ERR_INVALID, "%s: takes no column", ctx);
    } else if (c) {
        if (!json_is_string(c)) return st_error_set(e, ST_ERR_INVALID, "%s: \"column\" is a name", ctx);
        x->cols = calloc(1, sizeof *x->cols);
        if (!x->cols || !(x->cols[0] = strdup(json_string_value(c)))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        x->ncols = 1;
    } else if (cs) {
        if (!json_is_array(cs) || !json_array_size(cs) || json_array_size(cs) > 16)
            return st_error_set(e, ST_ERR_INVALID, "%s: \"columns\" is an array of 1 to 16 names", ctx);
        x->cols = calloc(json_array_size(cs), sizeof *x->cols);
        if (!x->cols) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < json_array_size(cs); i++) {
            const char *n = json_string_value(json_array_get(cs, i));
            if (!n) return st_error_set(e, ST_ERR_INVALID, "%s: \"columns\" holds names", ctx);
            if (!(x->cols[x->ncols++] = strdup(n))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
    } else {
        return st_error_set(e, ST_ERR_INVALID, "%s: needs \"column\"", ctx);
    }
    /* bounds */
    json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
    bool bounded = x->k == E_BETWEEN || x->k == E_LENGTH || x->k == E_ROWS || x->k == E_MEAN || x->k == E_MIN ||
                   x->k == E_MAX || x->k == E_NULLS;
    if ((mn || mx) && !bounded) return st_error_set(e, ST_ERR_INVALID, "%s: takes no \"min\"/\"max\"", ctx);
    if (bounded && !mn && !mx) return st_error_set(e, ST_ERR_INVALID, "%s: needs \"min\", \"max\" or both", ctx);
    if (mn && json_is_null(mn)) mn = NULL;
    if (mx && json_is_null(mx)) mx = NULL;
    x->has_min = mn != NULL;
    x->has_max = mx != NULL;
    bool numeric_bounds = x->k == E_LENGTH || x->k == E_ROWS || x->k == E_MEAN || x->k == E_NULLS;
    json_t *bs[2] = {mn, mx};
    for (int i = 0; i < 2; i++) {
        if (!bs[i]) continue;
        if (numeric_bounds && !json_is_number(bs[i])) return st_error_set(e, ST_ERR_INVALID, "%s: bounds are numbers", ctx);
        if (numeric_bounds) {
            double d = json_number_value(bs[i]);
            if (i) x->dmax = d;
            else x->dmin = d;
            continue;
        }
        char *t = json_text(bs[i]);
        if (!t) return st_error_set(e, ST_ERR_INVALID, "%s: a bound is a number or a string", ctx);
        if (i) x->smax = t;
        else x->smin = t;
    }
    if (x->k == E_NULLS && ((x->has_min && (x->dmin < 0 || x->dmin > 1)) || (x->has_max && (x->dmax < 0 || x->dmax > 1))))
        return st_error_set(e, ST_ERR_INVALID, "%s: proportions are from 0 to 1", ctx);
    /* the rest */
    json_t *vals = json_object_get(o, "values");
    if ((vals != NULL) != (x->k == E_IN_SET)) return st_error_set(e, ST_ERR_INVALID, "%s: \"values\" goes with in_set", ctx);
    if (vals) {
        if (!json_is_array(vals) || !json_array_size(vals))
            return st_error_set(e, ST_ERR_INVALID, "%s: \"values\" is a non-empty array", ctx);
        x->set = calloc(json_array_size(vals), sizeof *x->set);
        if (!x->set) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < json_array_size(vals); i++) {
            char *t = json_text(json_array_get(vals, i));
            if (!t) return st_error_set(e, ST_ERR_INVALID, "%s: values are numbers or strings", ctx);
            x->set[x->nset++] = t;
        }
    }
    const char *pat = json_string_value(json_object_get(o, "pattern"));
    if ((pat != NULL) != (x->k == E_REGEX)) return st_error_set(e, ST_ERR_INVALID, "%s: \"pattern\" goes with regex", ctx);
    if (pat) {
        char *anch = malloc(strlen(pat) + 5);
        if (!anch) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        sprintf(anch, "^(%s)$", pat);
        int rc = regcomp(&x->re, anch, REG_EXTENDED | REG_NOSUB);
        free(anch);
        if (rc) {
            char msg[200];
            regerror(rc, &x->re, msg, sizeof msg);
            return st_error_set(e, ST_ERR_INVALID, "%s: bad regex '%.200s': %s", ctx, pat, msg);
        }
        x->re_ok = true;
        if (!(x->pattern = strdup(pat))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    const char *age = json_string_value(json_object_get(o, "max_age"));
    if ((age != NULL) != (x->k == E_FRESH)) return st_error_set(e, ST_ERR_INVALID, "%s: \"max_age\" goes with freshness", ctx);
    if (age && st_duration_parse(age, &x->max_age_us, e)) return st_error_prefix(e, "%s: ", ctx);
    const char *rt = json_string_value(json_object_get(o, "table")), *rc2 = json_string_value(json_object_get(o, "to"));
    if (((rt || rc2) != 0) != (x->k == E_REFS) || (x->k == E_REFS && (!rt || !rc2)))
        return st_error_set(e, ST_ERR_INVALID, "%s: references needs \"table\" and \"to\" (and only references takes them)", ctx);
    if (rt) {
        st_tname tn;
        if (st_tname_parse(rt, &tn, e)) return st_error_prefix(e, "%s: ", ctx);
        if (!(x->ref_table = strdup(tn.full)) || !(x->ref_col = strdup(rc2))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    return ST_OK;
}

st_status st_suite_parse(const char *text, size_t len, const char *name, st_suite **out, st_error *e) {
    *out = NULL;
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) return st_error_set(e, ST_ERR_PARSE, "%s: line %d, column %d: %s", name, je.line, je.column, je.text);
    st_suite *s = calloc(1, sizeof *s);
    st_status rc = ST_OK;
    if (!s || !(s->name = strdup(name))) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto done;
    }
    static const char *const keys[] = {"table", "key", "expectations", "description", NULL};
    if (!json_is_object(j)) {
        rc = st_error_set(e, ST_ERR_INVALID, "%s: a suite is a JSON object", name);
        goto done;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        bool ok = false;
        for (int i = 0; keys[i]; i++) ok |= !strcmp(keys[i], k);
        if (!ok) {
            rc = st_error_set(e, ST_ERR_INVALID, "%s: unknown key \"%.64s\" (known: table, key, expectations, description)", name, k);
            goto done;
        }
    }
    const char *t = json_string_value(json_object_get(j, "table"));
    if (t) {
        st_tname tn;
        if ((rc = st_tname_parse(t, &tn, e))) {
            st_error_prefix(e, "%s: table: ", name);
            goto done;
        }
        if (!(s->table = strdup(tn.full))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    json_t *kj = json_object_get(j, "key");
    if (!rc && kj) {
        if (!json_is_array(kj) || !json_array_size(kj) || json_array_size(kj) > 8) {
            rc = st_error_set(e, ST_ERR_INVALID, "%s: \"key\" is an array of 1 to 8 column names", name);
            goto done;
        }
        s->key = calloc(json_array_size(kj), sizeof *s->key);
        for (size_t i = 0; s->key && i < json_array_size(kj); i++) {
            const char *n = json_string_value(json_array_get(kj, i));
            if (!n) {
                rc = st_error_set(e, ST_ERR_INVALID, "%s: \"key\" holds column names", name);
                goto done;
            }
            if (!(s->key[s->nkey++] = strdup(n))) break;
        }
        if (!s->key || s->nkey != json_array_size(kj)) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    json_t *ex = json_object_get(j, "expectations");
    if (!rc && (!json_is_array(ex) || !json_array_size(ex))) {
        rc = st_error_set(e, ST_ERR_INVALID, "%s: \"expectations\" is a non-empty array", name);
        goto done;
    }
    if (!rc && !(s->ex = calloc(json_array_size(ex), sizeof *s->ex))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < json_array_size(ex); i++) {
        rc = parse_expect(json_array_get(ex, i), name, (uint32_t)i, &s->ex[s->nex++], e);
    }
done:
    json_decref(j);
    if (rc) {
        st_suite_free(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}

st_status st_suite_load(const char *path, st_suite **out, st_error *e) {
    st_buf *b;
    ST_TRY(st_file_read(path, 4u << 20, &b, e));
    st_status rc = st_suite_parse(st_buf_data(b), st_buf_len(b), path, out, e);
    st_buf_unref(b);
    return rc;
}

/* ---- checking --------------------------------------------------------------------------------- */

typedef struct sample {
    uint64_t row;        /* scan position, for ordering */
    char *key, *value;
} sample;

typedef struct part {    /* one row group's partial result for one expectation */
    uint64_t rows, nonnull, unexpected;
    double sum;
    bool has_min, has_max;
    double dmin, dmax;   /* numbers */
    uint8_t vmin[16], vmax[16]; /* typed (min/max/freshness) */
    sample s[MAX_SAMPLES];
    uint32_t ns;
} part;

typedef struct qctx {
    const st_suite *s;
    st_source *src;
    uint32_t *cols;      /* source columns read */
    uint32_t ncols;
    int32_t *keycols;    /* indices into cols for the sample key */
    uint32_t nkey;
    const char **keynames;
    uint32_t nunits;
    uint32_t *ug, *uu;   /* unit -> group, unit in group */
    uint64_t *ufirst;    /* scan position of each unit's first row */
    part *parts;         /* nunits * nex */
    st_lookup **refs;    /* per expectation (references) */
    st_vector **refvals;
    st_batch **bat;
} qctx;

static st_type col_type(const qctx *q, int32_t ci) { return q->src->schema->fields[q->cols[ci]].type; }

static char *cell_text(const st_vector *v, uint32_t r) {
    st_sbuf sb = ST_SBUF_INIT;
    if (st_vector_is_null(v, r)) st_sbuf_append(&sb, "NULL", 4);
    else st_text_cell(&sb, v, r, ST_CELL_PLAIN, ',', '"');
    char *t = strdup(st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    return t;
}

static void add_sample(const qctx *q, part *p, const st_batch *b, uint32_t r, uint64_t pos, const st_vector *v) {
    if (p->ns >= MAX_SAMPLES) return;
    st_sbuf sb = ST_SBUF_INIT;
    for (uint32_t k = 0; k < q->nkey; k++) {
        if (k) st_sbuf_putc(&sb, ',');
        st_sbuf_printf(&sb, "%s=", q->keynames[k]);
        const st_vector *kv = b->cols[q->keycols[k]];
        if (st_vector_is_null(kv, r)) st_sbuf_append(&sb, "NULL", 4);
        else st_text_cell(&sb, kv, r, ST_CELL_PLAIN, ',', '"');
    }
    sample *s = &p->s[p->ns++];
    s->row = pos;
    s->key = strdup(st_sbuf_cstr(&sb));
    s->value = v ? cell_text(v, r) : NULL;
    st_sbuf_free(&sb);
}

static int cmp_typed(st_type t, const void *a, const void *b) {
    if (st_type_is_string(t)) {
        const st_str *x = a, *y = b;
        size_t m = x->len < y->len ? x->len : y->len;
        int c = m ? memcmp(x->ptr, y->ptr, m) : 0;
        return c ? c : (x->len < y->len ? -1 : x->len > y->len);
    }
    st_i128 x, y;
    int sx, sy;
    if (st_value_exact(t, a, &x, &sx) && st_value_exact(t, b, &y, &sy)) return x < y ? -1 : x > y;
    if (t.id == ST_T_DATE) {
        int32_t p, q;
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        return p < q ? -1 : p > q;
    }
    if (t.id == ST_T_TIMESTAMP || t.id == ST_T_TIMESTAMP_NS) {
        int64_t p, q;
        memcpy(&p, a, 8);
        memcpy(&q, b, 8);
        return p < q ? -1 : p > q;
    }
    double p = st_value_double(t, a), q = st_value_double(t, b);
    return p < q ? -1 : p > q;
}

static bool in_set(const expect *x, const st_vector *v, uint32_t r) {
    char buf[ST_FORMAT_MAX];
    const char *s;
    size_t n;
    if (st_type_is_string(v->type)) {
        s = ST_VEC(v, st_str)[r].ptr;
        n = ST_VEC(v, st_str)[r].len;
    } else {
        n = st_format_value(v->type, st_vector_at(v, r), buf);
        s = buf;
    }
    for (uint32_t k = 0; k < x->nset; k++)
        if (strlen(x->set[k]) == n && !memcmp(x->set[k], s, n)) return true;
    return false;
}

static bool regex_match(const expect *x, const st_str *s) {
    char stack[256], *buf = s->len < sizeof stack ? stack : malloc((size_t)s->len + 1);
    if (!buf) return false;
    memcpy(buf, s->ptr, s->len);
    buf[s->len] = '\0';
    bool ok = regexec(&x->re, buf, 0, NULL, 0) == 0;
    if (buf != stack) free(buf);
    return ok;
}

static st_status scan_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    qctx *q = ctx;
    const st_suite *s = q->s;
    st_batch *b = q->bat[worker];
    ST_TRY(q->src->ops->read(q->src, q->ug[task], q->uu[task], q->cols, q->ncols, b, e));
    uint32_t live = st_batch_live(b);
    uint64_t pos0 = q->ufirst[task];
    st_vector *casted = NULL;
    st_status rc = ST_OK;
    for (uint32_t ei = 0; !rc && ei < s->nex; ei++) {
        const expect *x = &s->ex[ei];
        part *p = &q->parts[(size_t)task * s->nex + ei];
        p->rows = live;
        if (x->k == E_ROWS || x->k == E_UNIQUE) continue;
        const st_vector *v = b->cols[x->ci[0]];
        st_type t = v->type;
        const st_vector *probe = v;
        int64_t *match = NULL;
        if (x->k == E_REFS) {
            /* our values in the referenced column's type */
            st_type rt = q->refvals[ei]->type;
            if (!st_type_eq(rt, t)) {
                st_vector_free(casted);
                casted = st_vector_new(rt, b->len ? b->len : 1);
                uint64_t *fail = calloc(((size_t)b->len + 63) / 64 + 1, 8);
                if (!casted || !fail || (rc = st_cast_vector(v, rt, casted, fail, e))) {
                    free(fail);
                    if (!rc) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                    break;
                }
                free(fail);
                probe = casted;
            }
            match = malloc(((size_t)b->len + 1) * sizeof *match);
            st_vector *pv = (st_vector *)probe;
            if (!match || (rc = st_lookup_probe(q->refs[ei], &pv, NULL, b->len, match, e))) {
                free(match);
                if (!rc) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                break;
            }
        }
        for (uint32_t j = 0; j < live; j++) {
            uint32_t r = b->sel ? b->sel[j] : j;
            uint64_t pos = pos0 + j;
            bool null = st_vector_is_null(v, r);
            if (!null) p->nonnull++;
            bool bad = false;
            switch (x->k) {
            case E_NOT_NULL: bad = null; break;
            case E_NULLS: break;
            case E_IN_SET: bad = !null && !in_set(x, v, r); break;
            case E_BETWEEN:
                if (!null) {
                    const void *pv = st_vector_at(v, r);
                    bad = (x->has_min && cmp_typed(t, pv, x->lo) < 0) || (x->has_max && cmp_typed(t, pv, x->hi) > 0);
                }
                break;
            case E_REGEX: bad = !null && !regex_match(x, &ST_VEC(v, st_str)[r]); break;
            case E_LENGTH:
                if (!null) {
                    const st_str *sv = &ST_VEC(v, st_str)[r];
                    uint32_t len = 0;
                    for (uint32_t i = 0; i < sv->len; i++) len += ((unsigned char)sv->ptr[i] & 0xC0) != 0x80;
                    bad = (x->has_min && len < x->dmin) || (x->has_max && len > x->dmax);
                }
                break;
            case E_REFS: bad = !null && match[r] < 0; break;
            case E_MEAN:
                if (!null) p->sum += st_value_double(t, st_vector_at(v, r));
                break;
            case E_MIN:
            case E_MAX:
            case E_FRESH:
                if (!null) {
                    const void *pv = st_vector_at(v, r);
                    size_t w = st_type_width(t);
                    if (!p->has_min || cmp_typed(t, pv, p->vmin) < 0) memcpy(p->vmin, pv, w), p->has_min = true;
                    if (!p->has_max || cmp_typed(t, pv, p->vmax) > 0) memcpy(p->vmax, pv, w), p->has_max = true;
                }
                break;
            default: break;
            }
            if (bad) {
                p->unexpected++;
                add_sample(q, p, b, r, pos, x->k == E_NOT_NULL ? NULL : v);
            }
        }
        free(match);
    }
    st_vector_free(casted);
    return rc;
}

/* min/max of strings must outlive the batch: keep them as text */
static void copy_str_bounds(part *p, st_type t) {
    (void)p;
    (void)t;
}

static st_status unique_scan(qctx *q, const expect *x, uint32_t ei, part *total, st_error *e) {
    st_type types[16];
    for (uint32_t i = 0; i < x->ncols; i++) types[i] = col_type(q, x->ci[i]);
    st_dedup *d = NULL;
    ST_TRY(st_dedup_new(types, x->ncols, 1024, &d, e));
    st_batch *b = q->bat[0];
    st_status rc = ST_OK;
    uint64_t *h = NULL, *ref = NULL;
    int64_t *zero = NULL, *hit = NULL, *line = NULL;
    uint32_t *rows = NULL;
    for (uint32_t u = 0; !rc && u < q->nunits; u++) {
        if ((rc = q->src->ops->read(q->src, q->ug[u], q->uu[u], q->cols, q->ncols, b, e))) break;
        uint32_t live = st_batch_live(b), n = 0;
        h = realloc(h, ((size_t)b->len + 1) * 8);
        ref = realloc(ref, ((size_t)b->len + 1) * 8);
        zero = realloc(zero, ((size_t)b->len + 1) * 8);
        hit = realloc(hit, ((size_t)b->len + 1) * 8);
        line = realloc(line, ((size_t)b->len + 1) * 8);
        rows = realloc(rows, ((size_t)b->len + 1) * 4);
        if (!h || !ref || !zero || !hit || !line || !rows) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
        st_vector *kc[16];
        for (uint32_t i = 0; i < x->ncols; i++) kc[i] = b->cols[x->ci[i]];
        for (uint32_t j = 0; j < live; j++) {
            uint32_t r = b->sel ? b->sel[j] : j;
            bool null = false;
            for (uint32_t i = 0; i < x->ncols; i++) null |= st_vector_is_null(kc[i], r);
            if (null) continue; /* GX: rows with a NULL key are not checked */
            total->nonnull++;
            rows[n] = r;
            zero[n] = 0;
            line[n] = -(int64_t)(q->ufirst[u] + j); /* the first occurrence stays the winner */
            ref[n] = q->ufirst[u] + j;
            n++;
        }
        st_hashvec_key(h, kc, x->ncols, rows, n);
        if ((rc = st_dedup_offer_hits(d, kc, rows, n, h, zero, zero, line, ref, hit, e))) break;
        for (uint32_t k = 0; k < n; k++)
            if (hit[k] >= 0) {
                st_vector *v = kc[0];
                add_sample(q, total, b, rows[k], ref[k], x->ncols == 1 ? v : NULL);
            }
    }
    if (!rc) {
        uint64_t bad = 0;
        for (uint64_t i = 0; i < st_dedup_size(d); i++) {
            uint64_t c = st_dedup_count(d, i);
            if (c > 1) bad += c;
        }
        total->unexpected = bad;
    }
    (void)ei;
    free(h);
    free(ref);
    free(zero);
    free(hit);
    free(line);
    free(rows);
    st_dedup_free(d);
    return rc;
}

static json_t *value_json(st_type t, const void *v) {
    if (st_type_is_string(t)) {
        const st_str *s = v;
        return json_stringn(s->ptr, s->len);
    }
    char buf[ST_FORMAT_MAX];
    st_format_value(t, v, buf);
    if (st_type_is_numeric(t) || t.id == ST_T_DOUBLE || t.id == ST_T_FLOAT) {
        double d = st_value_double(t, v);
        if (isfinite(d)) return json_real(d);
    }
    return json_string(buf);
}

static st_status resolve(qctx *q, st_warehouse *w, st_error *e) {
    const st_suite *s = q->s;
    const st_schema *sc = q->src->schema;
    q->cols = calloc(sc->nfields + 1, sizeof *q->cols);
    if (!q->cols) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
#define USE(NM_, OUT_)                                                                                       \
    do {                                                                                                     \
        int f_ = st_schema_find(sc, (NM_));                                                                 \
        if (f_ < 0) {                                                                                        \
            char list_[600] = "";                                                                            \
            for (uint32_t i_ = 0; i_ < sc->nfields; i_++) {                                                  \
                if (st_lineage_fid(sc->fields[i_].id)) continue;                                             \
                strncat(list_, list_[0] ? ", " : "", sizeof list_ - strlen(list_) - 1);                      \
                strncat(list_, sc->fields[i_].name, sizeof list_ - strlen(list_) - 1);                       \
            }                                                                                                \
            return st_error_set(e, ST_ERR_NOT_FOUND, "%s: %s has no column '%s' (its columns: %s)", s->name, \
                                q->src->name, (NM_), list_);                                                \
        }                                                                                                    \
        int32_t k_ = -1;                                                                                     \
        for (uint32_t i_ = 0; i_ < q->ncols; i_++)                                                           \
            if (q->cols[i_] == (uint32_t)f_) k_ = (int32_t)i_;                                               \
        if (k_ < 0) k_ = (int32_t)q->ncols, q->cols[q->ncols++] = (uint32_t)f_;                              \
        (OUT_) = k_;                                                                                          \
    } while (0)
    static const char *const lineage_key[] = {"_ingest_id", "_line"};
    q->nkey = s->nkey ? s->nkey : 2;
    q->keynames = calloc(q->nkey, sizeof *q->keynames);
    q->keycols = calloc(q->nkey, sizeof *q->keycols);
    if (!q->keynames || !q->keycols) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < q->nkey; k++) {
        q->keynames[k] = s->nkey ? s->key[k] : lineage_key[k];
        USE(q->keynames[k], q->keycols[k]);
    }
    q->refs = calloc(s->nex + 1, sizeof *q->refs);
    q->refvals = calloc(s->nex + 1, sizeof *q->refvals);
    if (!q->refs || !q->refvals) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < s->nex; i++) {
        expect *x = (expect *)&s->ex[i];
        for (uint32_t c = 0; c < x->ncols; c++) USE(x->cols[c], x->ci[c]);
        if (!x->ncols) continue;
        st_type t = col_type(q, x->ci[0]);
        char tn[ST_TYPE_NAME_MAX];
        const char *what = ek_names[x->k];
        bool num = st_type_is_numeric(t) || t.id == ST_T_DOUBLE || t.id == ST_T_FLOAT;
        if ((x->k == E_MEAN) && !num)
            return st_error_set(e, ST_ERR_TYPE, "%s: %s(%s): %s is not numeric", s->name, what, x->cols[0], st_type_name(t, tn));
        if ((x->k == E_REGEX || x->k == E_LENGTH) && t.id != ST_T_VARCHAR)
            return st_error_set(e, ST_ERR_TYPE, "%s: %s(%s): the column is %s, not VARCHAR", s->name, what, x->cols[0], st_type_name(t, tn));
        if (x->k == E_FRESH && t.id != ST_T_TIMESTAMP && t.id != ST_T_DATE && t.id != ST_T_TIMESTAMP_NS)
            return st_error_set(e, ST_ERR_TYPE, "%s: freshness(%s): the column is %s, not a timestamp or date", s->name, x->cols[0], st_type_name(t, tn));
        if (x->k == E_BETWEEN || x->k == E_MIN || x->k == E_MAX) {
            if (st_type_is_string(t) || st_type_width(t) > 16)
                return st_error_set(e, ST_ERR_TYPE, "%s: %s(%s): bounds on %s columns are not supported", s->name, what, x->cols[0], st_type_name(t, tn));
            if (x->smin && st_parse_value(t, x->smin, strlen(x->smin), x->lo, NULL))
                return st_error_set(e, ST_ERR_INVALID, "%s: %s(%s): min '%s' is not a %s", s->name, what, x->cols[0], x->smin, st_type_name(t, tn));
            if (x->smax && st_parse_value(t, x->smax, strlen(x->smax), x->hi, NULL))
                return st_error_set(e, ST_ERR_INVALID, "%s: %s(%s): max '%s' is not a %s", s->name, what, x->cols[0], x->smax, st_type_name(t, tn));
        }
        if (x->k == E_REFS) {
            st_tname tn2;
            st_table *rt = NULL;
            st_logstate *rs = NULL;
            st_source *rsrc = NULL;
            st_status rc = st_tname_parse(x->ref_table, &tn2, e);
            if (!rc) rc = st_table_open(w, &tn2, &rt, e);
            if (!rc) rc = st_table_require(rt, e);
            if (!rc) rc = st_table_load(rt, -1, &rs, e);
            if (!rc) {
                rc = st_tsource_open(rt, rs, false, &rsrc, e);
                rs = NULL;
            }
            int f = rc ? -1 : st_schema_find(rsrc->schema, x->ref_col);
            if (!rc && f < 0) rc = st_error_set(e, ST_ERR_NOT_FOUND, "%s: references: %s has no column '%s'", s->name, x->ref_table, x->ref_col);
            if (!rc) {
                st_type ft = rsrc->schema->fields[f].type;
                if (!st_cast_allowed(t, ft))
                    rc = st_error_set(e, ST_ERR_TYPE, "%s: references(%s): %s cannot be compared with %s.%s", s->name,
                                      x->cols[0], st_type_name(t, tn), x->ref_table, x->ref_col);
                if (!rc && !(q->refvals[i] = st_vector_new(ft, 1024))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            }
            st_batch *rb = NULL;
            uint32_t col = (uint32_t)f, nrows = 0;
            if (!rc) {
                st_type ft = q->refvals[i]->type;
                if (!(rb = st_batch_new(&ft, 1, ST_VECTOR_SIZE))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            }
            for (uint32_t g = 0; !rc && g < rsrc->ops->group_count(rsrc); g++) {
                uint32_t nu;
                if ((rc = rsrc->ops->group_open(rsrc, g, &nu, e))) break;
                for (uint32_t u = 0; !rc && u < nu; u++) {
                    if ((rc = rsrc->ops->read(rsrc, g, u, &col, 1, rb, e))) break;
                    for (uint32_t j = 0; !rc && j < st_batch_live(rb); j++, nrows++)
                        rc = st_vector_append_from(q->refvals[i], rb->cols[0], rb->sel ? rb->sel[j] : j, e);
                }
            }
            if (!rc) rc = st_lookup_build(x->ref_table, &q->refvals[i], 1, NULL, 0, nrows, 1, &q->refs[i], e);
            st_batch_free(rb);
            st_source_close(rsrc);
            st_logstate_free(rs);
            st_table_close(rt);
            if (rc) return rc;
        }
    }
#undef USE
    return ST_OK;
}

static void sample_json(json_t *arr, const sample *s) {
    json_t *o = json_object();
    json_object_set_new(o, "key", json_string(s->key ? s->key : ""));
    if (s->value) json_object_set_new(o, "value", json_string(s->value));
    json_array_append_new(arr, o);
}

st_status st_suite_check(const st_suite *s, st_warehouse *w, st_source *src, const char *table, int64_t version,
                         uint32_t threads, json_t **report, bool *error_failed, st_error *e) {
    *report = NULL;
    *error_failed = false;
    qctx q;
    memset(&q, 0, sizeof q);
    q.s = s;
    q.src = src;
    uint32_t nt = st_thread_count(threads);
    st_status rc = resolve(&q, w, e);
    /* units */
    uint64_t total_rows = 0;
    for (uint32_t g = 0; !rc && g < src->ops->group_count(src); g++) {
        uint32_t nu;
        if ((rc = src->ops->group_open(src, g, &nu, e))) break;
        for (uint32_t u = 0; u < nu; u++) {
            uint32_t *ng = realloc(q.ug, (q.nunits + 1) * sizeof *ng), *nu2 = ng ? realloc(q.uu, (q.nunits + 1) * sizeof *nu2) : NULL;
            if (ng) q.ug = ng;
            if (nu2) q.uu = nu2;
            uint64_t *nf = nu2 ? realloc(q.ufirst, (q.nunits + 1) * sizeof *nf) : NULL;
            if (!nf) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                break;
            }
            q.ufirst = nf;
            st_unit_info ui;
            src->ops->unit_info(src, g, u, NULL, 0, &ui);
            q.ug[q.nunits] = g;
            q.uu[q.nunits] = u;
            q.ufirst[q.nunits] = total_rows;
            total_rows += ui.rows;
            q.nunits++;
        }
    }
    if (!rc) {
        q.parts = calloc((size_t)q.nunits * s->nex + 1, sizeof *q.parts);
        q.bat = calloc(nt, sizeof *q.bat);
        if (!q.parts || !q.bat) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        st_type types[512];
        for (uint32_t i = 0; !rc && i < q.ncols && i < 512; i++) types[i] = src->schema->fields[q.cols[i]].type;
        for (uint32_t i = 0; !rc && i < nt; i++)
            if (!(q.bat[i] = st_batch_new(types, q.ncols, ST_VECTOR_SIZE))) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (!rc) rc = st_parallel_for(nt, q.nunits, scan_task, &q, e);
    /* combine, in row-group order */
    json_t *results = json_array();
    uint64_t rows = 0;
    uint32_t ok_n = 0, fail_err = 0, fail_warn = 0;
    for (uint32_t u = 0; !rc && u < q.nunits && s->nex; u++) rows += q.parts[(size_t)u * s->nex].rows;
    for (uint32_t ei = 0; !rc && ei < s->nex; ei++) {
        const expect *x = &s->ex[ei];
        part t;
        memset(&t, 0, sizeof t);
        st_type ty = x->ncols ? col_type(&q, x->ci[0]) : st_type_make(ST_T_INT64);
        if (x->k == E_UNIQUE) {
            if ((rc = unique_scan(&q, x, ei, &t, e))) break;
        } else {
            for (uint32_t u = 0; u < q.nunits; u++) {
                part *p = &q.parts[(size_t)u * s->nex + ei];
                t.nonnull += p->nonnull;
                t.unexpected += p->unexpected;
                t.sum += p->sum;
                size_t w2 = st_type_width(ty);
                if (p->has_min && (!t.has_min || cmp_typed(ty, p->vmin, t.vmin) < 0)) memcpy(t.vmin, p->vmin, w2), t.has_min = true;
                if (p->has_max && (!t.has_max || cmp_typed(ty, p->vmax, t.vmax) > 0)) memcpy(t.vmax, p->vmax, w2), t.has_max = true;
                for (uint32_t k = 0; k < p->ns && t.ns < MAX_SAMPLES; k++) t.s[t.ns++] = p->s[k], p->s[k].key = p->s[k].value = NULL;
            }
        }
        t.rows = rows;
        json_t *res = json_object();
        json_object_set_new(res, "expect", json_string(ek_names[x->k]));
        if (x->ncols == 1) json_object_set_new(res, "column", json_string(x->cols[0]));
        else if (x->ncols > 1) {
            json_t *a = json_array();
            for (uint32_t c = 0; c < x->ncols; c++) json_array_append_new(a, json_string(x->cols[c]));
            json_object_set_new(res, "columns", a);
        }
        json_object_set_new(res, "severity", json_string(x->error ? "error" : "warn"));
        bool success = true;
        char msg[400] = "";
        switch (x->k) {
        case E_NOT_NULL:
        case E_UNIQUE:
        case E_IN_SET:
        case E_BETWEEN:
        case E_REGEX:
        case E_LENGTH:
        case E_REFS: {
            uint64_t denom = x->k == E_NOT_NULL ? t.rows : t.nonnull;
            double frac = denom ? (double)t.unexpected / (double)denom : 0;
            success = frac <= 1.0 - x->mostly + 1e-12;
            json_object_set_new(res, "mostly", json_real(x->mostly));
            json_object_set_new(res, "element_count", json_integer((json_int_t)t.rows));
            json_object_set_new(res, "missing_count", json_integer((json_int_t)(t.rows - t.nonnull)));
            json_object_set_new(res, "unexpected_count", json_integer((json_int_t)t.unexpected));
            json_object_set_new(res, "unexpected_percent", json_real(100.0 * frac));
            snprintf(msg, sizeof msg, "%" PRIu64 " of %" PRIu64 " rows (%.2f%%) %s", t.unexpected, denom, 100.0 * frac,
                     x->k == E_NOT_NULL ? "are NULL" : x->k == E_UNIQUE ? "share a key" : x->k == E_REFS ? "have no match in " :
                     "fail");
            if (x->k == E_REFS) {
                size_t l = strlen(msg);
                snprintf(msg + l, sizeof msg - l, "%s.%s", x->ref_table, x->ref_col);
            }
            json_t *f = json_array();
            for (uint32_t k = 0; k < t.ns; k++) sample_json(f, &t.s[k]);
            json_object_set_new(res, "failing", f);
            break;
        }
        case E_ROWS: {
            double n = (double)t.rows;
            success = (!x->has_min || n >= x->dmin) && (!x->has_max || n <= x->dmax);
            json_object_set_new(res, "observed", json_integer((json_int_t)t.rows));
            snprintf(msg, sizeof msg, "%" PRIu64 " rows", t.rows);
            break;
        }
        case E_MEAN: {
            double mean = t.nonnull ? t.sum / (double)t.nonnull : NAN;
            success = t.nonnull && (!x->has_min || mean >= x->dmin) && (!x->has_max || mean <= x->dmax);
            json_object_set_new(res, "observed", t.nonnull ? json_real(mean) : json_null());
            snprintf(msg, sizeof msg, "mean %.6g", mean);
            break;
        }
        case E_MIN:
        case E_MAX: {
            bool have = x->k == E_MIN ? t.has_min : t.has_max;
            const uint8_t *v = x->k == E_MIN ? t.vmin : t.vmax;
            success = have && (!x->has_min || cmp_typed(ty, v, x->lo) >= 0) && (!x->has_max || cmp_typed(ty, v, x->hi) <= 0);
            json_object_set_new(res, "observed", have ? value_json(ty, v) : json_null());
            char buf[ST_FORMAT_MAX] = "none";
            if (have) st_format_value(ty, v, buf);
            snprintf(msg, sizeof msg, "%s %s", x->k == E_MIN ? "min" : "max", buf);
            break;
        }
        case E_NULLS: {
            double prop = t.rows ? (double)(t.rows - t.nonnull) / (double)t.rows : 0;
            success = (!x->has_min || prop >= x->dmin - 1e-12) && (!x->has_max || prop <= x->dmax + 1e-12);
            json_object_set_new(res, "observed", json_real(prop));
            snprintf(msg, sizeof msg, "%.2f%% NULL", 100 * prop);
            break;
        }
        case E_FRESH: {
            int64_t newest = INT64_MIN;
            if (t.has_max) {
                if (ty.id == ST_T_DATE) {
                    int32_t d;
                    memcpy(&d, t.vmax, 4);
                    newest = (int64_t)d * ST_USEC_PER_DAY;
                } else {
                    memcpy(&newest, t.vmax, 8);
                    if (ty.id == ST_T_TIMESTAMP_NS) newest = st_floordiv(newest, 1000);
                }
            }
            int64_t now = st_now_us(), age = t.has_max ? now - newest : INT64_MAX;
            success = t.has_max && age <= x->max_age_us;
            json_object_set_new(res, "observed", t.has_max ? value_json(ty, t.vmax) : json_null());
            char buf[ST_FORMAT_MAX] = "none", lim[32];
            if (t.has_max) st_format_value(ty, t.vmax, buf);
            st_duration_format(x->max_age_us, lim);
            if (t.has_max) snprintf(msg, sizeof msg, "newest %s is %.1f days old (limit %s)", buf, (double)age / 86400e6, lim);
            else snprintf(msg, sizeof msg, "no value (limit %s)", lim);
            break;
        }
        default: break;
        }
        for (uint32_t k = 0; k < t.ns; k++) {
            free(t.s[k].key);
            free(t.s[k].value);
        }
        json_object_set_new(res, "success", json_boolean(success));
        json_object_set_new(res, "message", json_string(msg));
        json_array_append_new(results, res);
        if (success) ok_n++;
        else if (x->error) fail_err++;
        else fail_warn++;
    }
    (void)copy_str_bounds;
    if (!rc) {
        json_t *r = json_object();
        json_object_set_new(r, "table", json_string(table));
        json_object_set_new(r, "version", json_integer(version));
        json_object_set_new(r, "suite", json_string(s->name));
        char ts[40];
        st_format_ts(st_now_us(), ts);
        json_object_set_new(r, "checked_at", json_string(ts));
        json_object_set_new(r, "rows", json_integer((json_int_t)rows));
        json_object_set_new(r, "success", json_boolean(fail_err == 0));
        json_t *st = json_object();
        json_object_set_new(st, "evaluated", json_integer(s->nex));
        json_object_set_new(st, "successful", json_integer(ok_n));
        json_object_set_new(st, "failed_error", json_integer(fail_err));
        json_object_set_new(st, "failed_warn", json_integer(fail_warn));
        json_object_set_new(r, "statistics", st);
        json_object_set_new(r, "results", results);
        results = NULL;
        *report = r;
        *error_failed = fail_err > 0;
    }
    json_decref(results);
    for (size_t i = 0; q.parts && i < (size_t)q.nunits * s->nex; i++)
        for (uint32_t k = 0; k < q.parts[i].ns; k++) {
            free(q.parts[i].s[k].key);
            free(q.parts[i].s[k].value);
        }
    free(q.parts);
    for (uint32_t i = 0; q.bat && i < nt; i++) st_batch_free(q.bat[i]);
    free(q.bat);
    for (uint32_t i = 0; q.refs && i < s->nex; i++) {
        st_lookup_free(q.refs[i]);
        st_vector_free(q.refvals[i]);
    }
    free(q.refs);
    free(q.refvals);
    free(q.cols);
    free(q.keycols);
    free(q.keynames);
    free(q.ug);
    free(q.uu);
    free(q.ufirst);
    return rc;
}

/* ---- text and storage ------------------------------------------------------------------------ */

void st_quality_format(const json_t *r, st_sbuf *out) {
    const json_t *st = json_object_get(r, "statistics");
    st_sbuf_printf(out, "quality of %s@v%lld (suite %s): %lld of %lld expectations met",
                   json_string_value(json_object_get(r, "table")), (long long)json_integer_value(json_object_get(r, "version")),
                   json_string_value(json_object_get(r, "suite")),
                   (long long)json_integer_value(json_object_get(st, "successful")),
                   (long long)json_integer_value(json_object_get(st, "evaluated")));
    long long fe = json_integer_value(json_object_get(st, "failed_error")), fw = json_integer_value(json_object_get(st, "failed_warn"));
    if (fe || fw) st_sbuf_printf(out, "; %lld failed (error), %lld failed (warn)", fe, fw);
    st_sbuf_printf(out, "\n");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "results"), i, x) {
        bool ok = json_is_true(json_object_get(x, "success"));
        bool err = !strcmp(json_string_value(json_object_get(x, "severity")), "error");
        const char *tag = ok ? "ok  " : err ? "FAIL" : "warn";
        char what[200];
        const json_t *c = json_object_get(x, "column"), *cs = json_object_get(x, "columns");
        if (c) snprintf(what, sizeof what, "%s(%s)", json_string_value(json_object_get(x, "expect")), json_string_value(c));
        else if (cs) {
            st_sbuf t = ST_SBUF_INIT;
            size_t k;
            json_t *v;
            json_array_foreach(cs, k, v) st_sbuf_printf(&t, "%s%s", k ? "," : "", json_string_value(v));
            snprintf(what, sizeof what, "%s(%s)", json_string_value(json_object_get(x, "expect")), st_sbuf_cstr(&t));
            st_sbuf_free(&t);
        } else snprintf(what, sizeof what, "%s", json_string_value(json_object_get(x, "expect")));
        st_sbuf_printf(out, "  %s  %-40s %s\n", tag, what, json_string_value(json_object_get(x, "message")));
        if (ok) continue;
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(x, "failing"), k, f) {
            if (k == 5) {
                st_sbuf_printf(out, "        ... (%zu listed in the JSON report)\n", json_array_size(json_object_get(x, "failing")));
                break;
            }
            const char *v = json_string_value(json_object_get(f, "value"));
            st_sbuf_printf(out, "        %s%s%s\n", json_string_value(json_object_get(f, "key")), v ? ": " : "", v ? v : "");
        }
    }
}

static void quality_dir(st_table *t, char *buf, size_t cap) { snprintf(buf, cap, "%s/_quality", st_table_dir(t)); }

st_status st_quality_store(st_table *t, int64_t version, const json_t *report, st_error *e) {
    char dir[PATH_MAX], p[PATH_MAX + 32];
    quality_dir(t, dir, sizeof dir);
    ST_TRY(st_mkdir_p(dir, e));
    snprintf(p, sizeof p, "%s/%020" PRId64 ".json", dir, version);
    char *s = json_dumps(report, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = st_write_file_atomic(p, s, strlen(s), ST_PUBLISH_REPLACE, e);
    free(s);
    return rc;
}

st_status st_quality_store_suite(st_table *t, const char *suite_path, st_error *e) {
    char dir[PATH_MAX], p[PATH_MAX + 32];
    quality_dir(t, dir, sizeof dir);
    ST_TRY(st_mkdir_p(dir, e));
    snprintf(p, sizeof p, "%s/suite.json", dir);
    st_buf *b;
    ST_TRY(st_file_read(suite_path, 4u << 20, &b, e));
    st_status rc = st_write_file_atomic(p, st_buf_data(b), st_buf_len(b), ST_PUBLISH_REPLACE, e);
    st_buf_unref(b);
    return rc;
}

bool st_quality_registered_suite(st_table *t, char *buf, size_t cap) {
    char dir[PATH_MAX];
    quality_dir(t, dir, sizeof dir);
    snprintf(buf, cap, "%s/suite.json", dir);
    return st_path_exists(buf);
}
