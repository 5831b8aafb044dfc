/*
 * lookup.c: reference lookups (see lookup.h).
 *
 * Equality keys go through a dedup table built over the reference rows
 * (ord = 0, line = the row or its negation, so the table's "latest" is the
 * first or the last row of a key).  With containment pairs too, every
 * reference row is a candidate of its key: the rows of each key are listed
 * (CSR: start[] per key, rows[] in table order) and scored one by one.
 * Needles are normalized once, at build time; a probe normalizes its own
 * text once per row.
 */
#include "engine/lookup.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dedup.h"
#include "engine/stdz.h"
#include "format/hashvec.h"

struct st_lookup {
    uint32_t nkeys, ncont, nrows;
    st_dedup *eq;        /* equality keys -> entry */
    uint32_t *start;     /* contains: entry -> first index in rows[] (nentries + 1) */
    uint32_t *rows;
    char **needles;      /* nrows * ncont normalized texts (NULL: none) */
    uint32_t *nlen;
};

void st_lookup_free(st_lookup *lk) {
    if (!lk) return;
    st_dedup_free(lk->eq);
    free(lk->start);
    free(lk->rows);
    if (lk->needles)
        for (uint64_t i = 0; i < (uint64_t)lk->nrows * lk->ncont; i++) free(lk->needles[i]);
    free(lk->needles);
    free(lk->nlen);
    free(lk);
}

static bool any_null(st_vector *const *cols, uint32_t n, uint32_t row) {
    for (uint32_t c = 0; c < n; c++)
        if (st_vector_is_null(cols[c], row)) return true;
    return false;
}

/* lower case, blanks collapsed; NULL when empty */
static char *norm(const st_str *s, uint32_t *len) {
    char *o = malloc((size_t)s->len + 8);
    if (!o) return NULL;
    size_t k = st_stdz_collapse(s->ptr, s->len, o);
    k = st_stdz_case(o, k, false, o);
    o[k] = '\0';
    *len = (uint32_t)k;
    return o;
}

static bool contains_word(const char *hay, size_t hn, const char *needle, size_t nn) {
    if (!nn || nn > hn) return false;
    const char *p = hay;
    while ((p = memmem(p, hn - (size_t)(p - hay), needle, nn))) {
        bool left = p == hay || !isalnum((unsigned char)p[-1]);
        bool right = (size_t)(p - hay) + nn == hn || !isalnum((unsigned char)p[nn]);
        if (left && right) return true;
        p++;
    }
    return false;
}

st_status st_lookup_build(const char *what, st_vector *const *keys, uint32_t nkeys, st_vector *const *cont,
                          uint32_t ncont, uint32_t nrows, int dup, st_lookup **out, st_error *e) {
    *out = NULL;
    st_lookup *lk = calloc(1, sizeof *lk);
    if (!lk) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    lk->nkeys = nkeys;
    lk->ncont = ncont;
    lk->nrows = nrows;
    st_status rc = ST_OK;
    uint32_t *rowsel = NULL, nsel = 0;
    uint64_t *h = NULL;
    int64_t *ord = NULL, *ing = NULL, *line = NULL, *ent = NULL;
    uint64_t *ref = NULL;
    if (nkeys) {
        st_type types[ST_DEDUP_MAX_KEYS];
        for (uint32_t i = 0; i < nkeys; i++) types[i] = keys[i]->type;
        ST_CHECK(rc, st_dedup_new(types, nkeys, nrows, &lk->eq, e));
        rowsel = malloc(((size_t)nrows + 1) * sizeof *rowsel);
        h = malloc(((size_t)nrows + 1) * sizeof *h);
        ord = calloc((size_t)nrows + 1, sizeof *ord);
        ing = calloc((size_t)nrows + 1, sizeof *ing);
        line = malloc(((size_t)nrows + 1) * sizeof *line);
        ref = malloc(((size_t)nrows + 1) * sizeof *ref);
        ent = malloc(((size_t)nrows + 1) * sizeof *ent);
        if (!rowsel || !h || !ord || !ing || !line || !ref || !ent) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t r = 0; r < nrows; r++)
            if (!any_null(keys, nkeys, r)) rowsel[nsel++] = r;
        st_hashvec_key(h, keys, nkeys, rowsel, nsel);
        for (uint32_t k = 0; k < nsel; k++) {
            line[k] = dup == 2 ? (int64_t)rowsel[k] : -(int64_t)rowsel[k];
            ref[k] = rowsel[k];
        }
        ST_CHECK(rc, st_dedup_offer(lk->eq, keys, rowsel, nsel, h, ord, ing, line, ref, e));
        if (dup == 0 && !ncont && st_dedup_size(lk->eq) < nsel) {
            /* name a duplicated key */
            ST_CHECK(rc, st_dedup_find(lk->eq, keys, rowsel, nsel, h, ent, e));
            for (uint32_t k = 0; k < nsel; k++) {
                st_dedup_win *w = st_dedup_entry(lk->eq, (uint64_t)ent[k]);
                if (w->ref != rowsel[k]) {
                    rc = st_error_set(e, ST_ERR_INVALID, "%s: rows %llu and %u of the reference table have the same key; "
                                      "add keys to \"on\", or set \"duplicates\": \"first\" or \"last\"", what,
                                      (unsigned long long)w->ref + 1, rowsel[k] + 1);
                    goto cleanup;
                }
            }
        }
    }
    if (ncont) {
        uint64_t nent = nkeys ? st_dedup_size(lk->eq) : 1;
        lk->start = calloc(nent + 1, sizeof *lk->start);
        lk->rows = malloc(((size_t)nrows + 1) * sizeof *lk->rows);
        lk->needles = calloc((size_t)nrows * ncont + 1, sizeof *lk->needles);
        lk->nlen = calloc((size_t)nrows * ncont + 1, sizeof *lk->nlen);
        if (!lk->start || !lk->rows || !lk->needles || !lk->nlen) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t r = 0; r < nrows; r++)
            for (uint32_t c = 0; c < ncont; c++) {
                if (st_vector_is_null(cont[c], r)) continue;
                char *n = norm(&ST_VEC(cont[c], st_str)[r], &lk->nlen[(size_t)r * ncont + c]);
                if (!n) {
                    rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                    goto cleanup;
                }
                lk->needles[(size_t)r * ncont + c] = n;
            }
        /* candidates per key, in table order */
        if (nkeys) {
            ST_CHECK(rc, st_dedup_find(lk->eq, keys, rowsel, nsel, h, ent, e));
            for (uint32_t k = 0; k < nsel; k++) lk->start[ent[k] + 1]++;
            for (uint64_t i = 0; i < nent; i++) lk->start[i + 1] += lk->start[i];
            uint32_t *fill = calloc(nent + 1, sizeof *fill);
            if (!fill) {
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
            for (uint32_t k = 0; k < nsel; k++) lk->rows[lk->start[ent[k]] + fill[ent[k]]++] = rowsel[k];
            free(fill);
        } else {
            for (uint32_t r = 0; r < nrows; r++) lk->rows[r] = r;
            lk->start[1] = nrows;
        }
    }
cleanup:
    free(rowsel);
    free(h);
    free(ord);
    free(ing);
    free(line);
    free(ref);
    free(ent);
    if (rc) {
        st_lookup_free(lk);
        return rc;
    }
    *out = lk;
    return ST_OK;
}

st_status st_lookup_probe(const st_lookup *lk, st_vector *const *keys, st_vector *const *cont, uint32_t n,
                          int64_t *match, st_error *e) {
    st_status rc = ST_OK;
    uint32_t *sel = calloc((size_t)n + 1, sizeof *sel), ns = 0;
    uint64_t *h = malloc(((size_t)n + 1) * sizeof *h);
    int64_t *ent = malloc(((size_t)n + 1) * sizeof *ent);
    if (!sel || !h || !ent) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t k = 0; k < n; k++) {
        match[k] = -1;
        ent[k] = 0;
    }
    if (lk->nkeys) {
        for (uint32_t k = 0; k < n; k++)
            if (!any_null(keys, lk->nkeys, k)) sel[ns++] = k;
        st_hashvec_key(h, keys, lk->nkeys, sel, ns);
        int64_t *found = malloc(((size_t)ns + 1) * sizeof *found);
        if (!found) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        rc = st_dedup_find(lk->eq, keys, sel, ns, h, found, e);
        for (uint32_t k = 0; k < n; k++) ent[k] = -1;
        for (uint32_t j = 0; !rc && j < ns; j++) {
            ent[sel[j]] = found[j];
            if (found[j] >= 0 && !lk->ncont) match[sel[j]] = (int64_t)st_dedup_entry(lk->eq, (uint64_t)found[j])->ref;
        }
        free(found);
        if (rc || !lk->ncont) goto cleanup;
    }
    /* containment */
    for (uint32_t k = 0; k < n; k++) {
        if (ent[k] < 0 || any_null(cont, lk->ncont, k)) continue;
        char *hay[8];
        uint32_t hl[8], nc = lk->ncont < 8 ? lk->ncont : 8;
        bool ok = true;
        for (uint32_t c = 0; c < nc; c++) {
            hay[c] = norm(&ST_VEC(cont[c], st_str)[k], &hl[c]);
            ok &= hay[c] != NULL;
        }
        uint64_t best = 0;
        for (uint32_t i = lk->start[ent[k]]; ok && i < lk->start[ent[k] + 1]; i++) {
            uint32_t r = lk->rows[i];
            const char *const *nd = (const char *const *)&lk->needles[(size_t)r * lk->ncont];
            const uint32_t *nl = &lk->nlen[(size_t)r * lk->ncont];
            if (!nd[0] || !contains_word(hay[0], hl[0], nd[0], nl[0])) continue;
            uint64_t score = nl[0];
            for (uint32_t c = 1; c < nc; c++)
                if (nd[c] && contains_word(hay[c], hl[c], nd[c], nl[c])) score += nl[c];
            if (score > best) {
                best = score;
                match[k] = r;
            }
        }
        for (uint32_t c = 0; c < nc; c++) free(hay[c]);
        if (!ok) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            break;
        }
    }
cleanup:
    free(sel);
    free(h);
    free(ent);
    return rc;
}
