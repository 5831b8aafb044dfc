/*
 * csv_setup.c: everything a CSV reader decides before parsing rows, shared
 * by the whole-input reader (csv_read.c) and the push parser (csv_push.c):
 * option checks, the BOM and skipped lines, recognition (binary / not UTF-8
 * / no consistent delimiter -> ST_ERR_FORMAT), dialect sniffing, the header
 * and column names, and the mapping of file columns to output columns.
 *
 * Sniffing: every candidate dialect (delimiters , ; TAB |, quotes " and ')
 * splits the first 64 KiB with the scalar scanner; a dialect scores by how
 * many records have its most common field count (minus records with quoting
 * errors), then by that count.  Candidates that never split a record (one
 * field everywhere) only win when no candidate splits: a one-column file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/csv_int.h"

void st_csv_options_init(st_csv_options *o) {
    memset(o, 0, sizeof *o);
    o->header = ST_CSV_HEADER_DETECT;
    o->unknown = ST_TEXT_UNKNOWN_REJECT;
}

static bool bad_char(char c) { return c == '\n' || c == '\r' || c == '\0'; }

st_status cs_check_options(const st_csv_options *o, const char *src, st_error *e) {
    if (o->delim && (bad_char(o->delim) || o->delim == ST_CSV_NO_QUOTE))
        return st_error_set(e, ST_ERR_INVALID, "%s: invalid delimiter", src);
    if (o->quote && bad_char(o->quote))
        return st_error_set(e, ST_ERR_INVALID, "%s: invalid quote character", src);
    if (o->escape && (bad_char(o->escape) || o->escape == ST_CSV_NO_QUOTE))
        return st_error_set(e, ST_ERR_INVALID, "%s: invalid escape character", src);
    if (o->comment && bad_char(o->comment))
        return st_error_set(e, ST_ERR_INVALID, "%s: invalid comment character", src);
    if (o->delim && (o->delim == o->quote || o->delim == o->escape || o->delim == o->comment))
        return st_error_set(e, ST_ERR_INVALID,
                            "%s: the delimiter must differ from the quote, escape and comment "
                            "characters", src);
    if (o->comment && (o->comment == o->quote || o->comment == o->escape))
        return st_error_set(e, ST_ERR_INVALID, "%s: the comment character must differ from the "
                            "quote and escape characters", src);
    if (o->max_record > (1u << 30))
        return st_error_set(e, ST_ERR_INVALID, "%s: max_record is at most 1 GiB", src);
    if (o->batch_rows > (1u << 20))
        return st_error_set(e, ST_ERR_INVALID, "%s: batch_rows is at most 1048576", src);
    if (o->schema && o->schema->nfields == 0)
        return st_error_set(e, ST_ERR_INVALID, "%s: the fixed schema has no fields", src);
    if (o->null_str && strlen(o->null_str) > 1024)
        return st_error_set(e, ST_ERR_INVALID, "%s: null string too long", src);
    return ST_OK;
}

size_t cs_skip_lines(const char *p, size_t n, size_t pos, uint64_t k, uint64_t *lines) {
    for (uint64_t i = 0; i < k && pos < n; i++) {
        size_t t = cx_find_eol(p, pos, n);
        if (t == n) return n;
        pos = t + 1;
        if (p[t] == '\r' && pos < n && p[pos] == '\n') pos++;
        (*lines)++;
    }
    return pos;
}

st_status cs_recognize(const char *p, size_t n, const char *src, st_error *e) {
    return tx_recognize_text(p, n, src, "CSV", e);
}

void cs_dialect(cx_dialect *d, char delim, char quote, const st_csv_options *o) {
    memset(d, 0, sizeof *d);
    d->delim = delim;
    d->has_quote = quote != ST_CSV_NO_QUOTE;
    d->quote = d->has_quote ? quote : 0;
    d->escape = o->escape ? o->escape : d->quote;
    d->esc_is_quote = !d->has_quote || d->escape == d->quote;
    d->comment = o->comment;
    d->max_record = o->max_record ? o->max_record : ST_TEXT_MAX_RECORD_DEFAULT;
}

/* Walk the records of an index (scanned from buf[0]) and call fn for each
 * non-blank, non-comment record: fields ends at fe[0..nf). */
typedef bool (*rec_fn)(void *ctx, const char *buf, size_t s, size_t t, const size_t *fe,
                       uint32_t nf, uint32_t anom, uint64_t line);

static void walk(const cx_dialect *d, const char *buf, size_t avail, const cx_index *ix,
                 uint64_t line0, rec_fn fn, void *ctx) {
    size_t k = 0, ai = 0, s = 0;
    bool prev_cr = false;
    uint64_t line = line0;
    while (k < ix->n) {
        uint32_t anom = 0;
        if (ai < ix->na && ix->anom[ai].start == s) anom = ix->anom[ai++].flags;
        size_t k0 = k;
        if (!anom)
            while (ix->pos[k] < avail && buf[ix->pos[k]] == d->delim) k++;
        size_t t = ix->pos[k++];
        if (!anom && t == s && t < avail) {
            if (!(prev_cr && buf[t] == '\n')) line++;
            prev_cr = buf[t] == '\r';
            s = t + 1;
            continue;
        }
        if (!(anom & CX_ANOM_COMMENT) &&
            !fn(ctx, buf, s, t, ix->pos + k0, (uint32_t)(k - k0), anom, line))
            return;
        line += (t < avail) + cx_count_eols(buf + s, t - s);
        prev_cr = t < avail && buf[t] == '\r';
        s = t + 1;
    }
}

typedef struct tally {
    const cx_dialect *d;
    uint32_t counts[64];
    uint32_t freq[64];
    uint32_t ncounts;
    uint32_t rows, bad;
    char *tmp;
    size_t tmpcap;
} tally;

static bool tally_rec(void *ctx, const char *buf, size_t s, size_t t, const size_t *fe, uint32_t nf,
                      uint32_t anom, uint64_t line) {
    (void)t, (void)line;
    tally *ty = ctx;
    ty->rows++;
    if (anom) {
        ty->bad++;
        return true;
    }
    if (ty->d->has_quote) {
        size_t f = s;
        for (uint32_t j = 0; j < nf; j++) {
            size_t e = fe[j];
            if (e > f && buf[f] == ty->d->quote) {
                if (e - f > ty->tmpcap) {
                    char *np = realloc(ty->tmp, e - f);
                    if (!np) return false;
                    ty->tmp = np;
                    ty->tmpcap = e - f;
                }
                bool trailing;
                cx_unquote(ty->d, buf + f, e - f, ty->tmp, &trailing);
                if (trailing) {
                    ty->bad++;
                    return true;
                }
            }
            f = e + 1;
        }
    }
    for (uint32_t i = 0; i < ty->ncounts; i++)
        if (ty->counts[i] == nf) {
            ty->freq[i]++;
            return true;
        }
    if (ty->ncounts < 64) {
        ty->counts[ty->ncounts] = nf;
        ty->freq[ty->ncounts++] = 1;
    }
    return true;
}

st_status cs_sniff(const st_csv_options *o, const char *p, size_t n, bool eof, const char *src,
                   char *delim, char *quote, uint32_t *ncols, st_error *e) {
    static const char delims[] = {',', ';', '\t', '|'};
    static const char quotes[] = {'"', '\''};
    char dl[4], ql[2];
    int nd = 0, nq = 0;
    if (o->delim) dl[nd++] = o->delim;
    else
        for (int i = 0; i < 4; i++) dl[nd++] = delims[i];
    if (o->quote) ql[nq++] = o->quote;
    else
        for (int i = 0; i < 2; i++)
            if (quotes[i] != o->escape || o->escape == 0) ql[nq++] = quotes[i];
    long best_score = -1;
    uint32_t best_c = 0, best_rows = 0, best_modal = 0;
    char bd = dl[0], bq = ql[0];
    uint32_t single_rows = 0;
    cx_index ix = {0};
    for (int qi = 0; qi < nq; qi++) {
        /* a sniffed quote other than " must occur in the sample to compete */
        if (!o->quote && ql[qi] != '"' && !memchr(p, ql[qi], n)) continue;
        for (int di = 0; di < nd; di++) {
            if (dl[di] == ql[qi] || (o->comment && dl[di] == o->comment)) continue;
            cx_dialect d;
            cs_dialect(&d, dl[di], ql[qi], o);
            cx_index_reset(&ix);
            cx_scan_scalar(&d, p, 0, n, n, eof, &ix);
            if (ix.failed) {
                cx_index_free(&ix);
                return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory sniffing", src);
            }
            tally ty = {.d = &d};
            walk(&d, p, n, &ix, 0, tally_rec, &ty);
            free(ty.tmp);
            uint32_t c = 0, modal = 0;
            for (uint32_t i = 0; i < ty.ncounts; i++)
                if (ty.freq[i] > modal || (ty.freq[i] == modal && ty.counts[i] > c))
                    modal = ty.freq[i], c = ty.counts[i];
            if (c < 2) {
                if (ty.rows > single_rows) single_rows = ty.rows;
                continue;
            }
            long score = (long)modal - (long)ty.bad;
            if (score > best_score || (score == best_score && c > best_c)) {
                best_score = score;
                best_c = c;
                bd = dl[di];
                bq = ql[qi];
                best_rows = ty.rows;
                best_modal = modal;
            }
        }
    }
    cx_index_free(&ix);
    if (best_c < 2) { /* nothing splits: one column */
        *delim = o->delim ? o->delim : ',';
        *quote = o->quote ? o->quote : '"';
        *ncols = 1;
        return ST_OK;
    }
    if (!o->delim && best_rows >= 4 && (uint64_t)best_modal * 2 < best_rows)
        return st_error_set(e, ST_ERR_FORMAT,
                            "%s: not CSV: no delimiter among , ; TAB | splits the records of the "
                            "first %zu bytes consistently (best: '%s' with %u fields in %u of %u "
                            "records)",
                            src, n, bd == '\t' ? "\\t" : (char[]){bd, 0}, best_c, best_modal,
                            best_rows);
    *delim = bd;
    *quote = bq;
    *ncols = best_c;
    return ST_OK;
}

/* ---- first record, header, names ------------------------------------------ */

typedef struct grab {
    bool found;
    size_t s, t;
    size_t *fe;
    uint32_t nf;
    uint32_t anom;
    uint64_t line;
} grab;

static bool grab_first(void *ctx, const char *buf, size_t s, size_t t, const size_t *fe, uint32_t nf,
                       uint32_t anom, uint64_t line) {
    (void)buf;
    grab *g = ctx;
    g->found = true;
    g->s = s;
    g->t = t;
    g->nf = nf;
    g->anom = anom;
    g->line = line;
    g->fe = malloc((nf ? nf : 1) * sizeof *g->fe);
    if (g->fe) memcpy(g->fe, fe, nf * sizeof *fe);
    return false;
}

st_status cs_first_record(const cx_dialect *d, const char *p, size_t n, bool eof, cs_record *out,
                          const char *src, st_error *e) {
    memset(out, 0, sizeof *out);
    cx_index ix = {0};
    size_t stop = cx_scan_scalar(d, p, 0, n, 1, eof, &ix);
    /* blank lines and comments before the first record: keep scanning */
    grab g = {0};
    while (!ix.failed) {
        walk(d, p, n, &ix, 0, grab_first, &g);
        if (g.found || stop >= n || stop == 0) break;
        stop = cx_scan_scalar(d, p, stop, n, stop + 1, eof, &ix);
    }
    cx_index_free(&ix);
    if (ix.failed || (g.found && !g.fe)) {
        free(g.fe);
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", src);
    }
    if (!g.found) return ST_OK;
    out->found = true;
    out->s = g.s;
    out->t = g.t;
    out->line = g.line;
    out->anom = g.anom;
    out->nf = g.anom ? 1 : g.nf;
    out->end = g.t < n ? g.t + 1 : n;
    out->fields = calloc(out->nf, sizeof *out->fields);
    out->flen = calloc(out->nf, sizeof *out->flen);
    if (!out->fields || !out->flen) {
        free(g.fe);
        cs_record_free(out);
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", src);
    }
    size_t f = g.s;
    for (uint32_t j = 0; j < out->nf; j++) {
        size_t fe = g.anom ? g.t : g.fe[j];
        size_t len = fe - f;
        char *v = malloc(len + 1);
        if (!v) {
            free(g.fe);
            cs_record_free(out);
            return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", src);
        }
        bool quoted = d->has_quote && len && p[f] == d->quote, trailing = false;
        if (quoted) len = cx_unquote(d, p + f, len, v, &trailing);
        else memcpy(v, p + f, len);
        v[len] = '\0';
        out->fields[j] = v;
        out->flen[j] = len;
        f = fe + 1;
    }
    free(g.fe);
    return ST_OK;
}

void cs_record_free(cs_record *r) {
    if (r->fields)
        for (uint32_t j = 0; j < r->nf; j++) free(r->fields[j]);
    free(r->fields);
    free(r->flen);
    memset(r, 0, sizeof *r);
}

char **cs_names(const cs_record *hdr, uint32_t nfile) {
    char **names = calloc(nfile ? nfile : 1, sizeof *names);
    if (!names) return NULL;
    int width = 1;
    for (uint32_t x = nfile ? nfile - 1 : 0; x >= 10; x /= 10) width++;
    for (uint32_t j = 0; j < nfile; j++) {
        char buf[64];
        const char *base = NULL;
        if (hdr && j < hdr->nf && hdr->flen[j] > 0) base = hdr->fields[j];
        if (!base) {
            snprintf(buf, sizeof buf, "column%0*u", width & 15, j);
            base = buf;
        }
        /* dedupe case-insensitively: name, name_1, name_2, ... */
        char *cand = strdup(base);
        for (uint32_t k = 1; cand; k++) {
            bool dup = false;
            for (uint32_t i = 0; i < j && !dup; i++) dup = !strcasecmp(names[i], cand);
            if (!dup) break;
            size_t bl = strlen(base);
            char *nc = malloc(bl + 16);
            if (nc) snprintf(nc, bl + 16, "%s_%u", base, k);
            free(cand);
            cand = nc;
        }
        if (!cand) {
            for (uint32_t i = 0; i < j; i++) free(names[i]);
            free(names);
            return NULL;
        }
        names[j] = cand;
    }
    return names;
}

void cs_names_free(char **names, uint32_t n) {
    if (!names) return;
    for (uint32_t j = 0; j < n; j++) free(names[j]);
    free(names);
}

bool cs_header_guess(const cs_record *first, const tx_stat *rest, uint32_t nfile, bool have_rest) {
    if (!first->found || first->anom) return false;
    bool all_empty = first->nf > 1;
    for (uint32_t j = 0; j < first->nf && all_empty; j++) all_empty = first->flen[j] == 0;
    if (all_empty && have_rest) return true; /* a header whose names are missing */
    bool all_text_rest = true;
    for (uint32_t j = 0; j < first->nf && j < nfile; j++) {
        tx_stat one = {0};
        if (first->flen[j]) tx_classify(&one, first->fields[j], first->flen[j]);
        if (!have_rest) {
            if (first->flen[j] == 0 || one.seen != TX_K_TEXT) return false;
            continue;
        }
        st_type t = tx_stat_resolve(&rest[j]);
        if (t.id != ST_T_VARCHAR) {
            all_text_rest = false;
            if (first->flen[j] == 0) continue;
            tx_stat m = rest[j];
            tx_stat_merge(&m, &one);
            if (!st_type_eq(tx_stat_resolve(&m), t)) return true;
        }
    }
    if (!have_rest) return true;
    if (!all_text_rest) return false;
    /* every column is text: a header unless its values look like data */
    for (uint32_t j = 0; j < first->nf; j++) {
        if (first->flen[j] == 0) continue;
        tx_stat one = {0};
        tx_classify(&one, first->fields[j], first->flen[j]);
        if (one.seen != TX_K_TEXT) return false;
    }
    return true;
}

st_status cs_check_header(const cs_record *h, const char *src, st_error *e) {
    for (uint32_t j = 0; j < h->nf; j++) {
        size_t bad;
        if (memchr(h->fields[j], 0, h->flen[j]))
            return st_error_set(e, ST_ERR_FORMAT, "%s: line %llu: NUL byte in the header (column %u)",
                                src, (unsigned long long)h->line + 1, j + 1);
        if (!st_utf8_valid(h->fields[j], h->flen[j], &bad))
            return st_error_set(e, ST_ERR_FORMAT,
                                "%s: line %llu: invalid UTF-8 in the header (column %u, byte %zu)",
                                src, (unsigned long long)h->line + 1, j + 1, bad);
    }
    return ST_OK;
}

/* ---- output columns --------------------------------------------------------- */

void cs_conf_free(cx_conf *cf) {
    free(cf->map);
    cs_names_free(cf->names, cf->nfile);
    free(cf->types);
    free(cf->absent);
    free(cf->notnull);
    memset(cf, 0, sizeof *cf);
}

st_status cs_build_output(cx_conf *cf, const st_csv_options *o, const tx_stat *stats, bool header,
                          st_schema **schema_out, const char *src, st_error *e) {
    st_schema *s = st_schema_new();
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    cf->map = malloc((cf->nfile ? cf->nfile : 1) * sizeof *cf->map);
    if (!cf->map) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    if (!o->schema) {
        for (uint32_t j = 0; j < cf->nfile; j++) {
            st_type t = o->all_varchar || !stats ? st_type_make(ST_T_VARCHAR)
                                                 : tx_stat_resolve(&stats[j]);
            ST_CHECK(rc, st_schema_add(s, cf->names[j], t, j + 1, true, e));
            cf->map[j] = (int32_t)j;
        }
    } else {
        st_schema *fx = st_schema_clone(o->schema);
        if (!fx) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        st_schema_free(s);
        s = fx;
        uint32_t nfixed = s->nfields;
        bool *used = calloc(nfixed, sizeof *used);
        st_sbuf unknown = ST_SBUF_INIT;
        uint32_t nunknown = 0;
        if (!used) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t j = 0; j < cf->nfile; j++) {
            int idx = header ? st_schema_find(s, cf->names[j]) : (j < nfixed ? (int)j : -1);
            if (idx >= 0 && idx < (int)nfixed && used[idx]) {
                rc = st_error_set(e, ST_ERR_INVALID, "%s: column '%s' appears twice in the header",
                                  src, cf->names[j]);
                break;
            }
            if (idx >= 0 && idx < (int)nfixed) {
                used[idx] = true;
                cf->map[j] = idx;
                continue;
            }
            cf->map[j] = -1;
            if (!header) continue; /* extra positional fields: ragged rows */
            if (o->unknown == ST_TEXT_UNKNOWN_IGNORE) continue;
            if (o->unknown == ST_TEXT_UNKNOWN_EVOLVE) {
                st_type t = stats ? tx_stat_resolve(&stats[j]) : st_type_make(ST_T_VARCHAR);
                rc = st_schema_add(s, cf->names[j], t, 0, true, e);
                if (rc != ST_OK) break;
                cf->map[j] = (int32_t)(s->nfields - 1);
                continue;
            }
            st_sbuf_printf(&unknown, "%s'%s'", nunknown ? ", " : "", cf->names[j]);
            nunknown++;
        }
        if (rc == ST_OK && nunknown)
            rc = st_error_set(e, ST_ERR_TYPE, "%s: column%s %s not in the table's schema", src,
                              nunknown > 1 ? "s" : "", st_sbuf_cstr(&unknown));
        st_sbuf_free(&unknown);
        if (rc == ST_OK) {
            cf->absent = malloc((nfixed ? nfixed : 1) * sizeof *cf->absent);
            if (!cf->absent) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            for (uint32_t i = 0; rc == ST_OK && i < nfixed; i++)
                if (!used[i]) {
                    if (!s->fields[i].nullable) {
                        rc = st_error_set(e, ST_ERR_TYPE,
                                          "%s: the file has no column '%s', which is NOT NULL",
                                          src, s->fields[i].name);
                        break;
                    }
                    cf->absent[cf->nabsent++] = i;
                }
        }
        free(used);
        if (rc != ST_OK) goto cleanup;
    }
    cf->nout = s->nfields;
    cf->types = malloc((s->nfields ? s->nfields : 1) * sizeof *cf->types);
    if (!cf->types) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    st_schema_types(s, cf->types);
    for (uint32_t i = 0; o->schema && i < s->nfields; i++) {
        if (s->fields[i].nullable) continue;
        if (!cf->notnull && !(cf->notnull = calloc(s->nfields, sizeof *cf->notnull))) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        cf->notnull[i] = true;
    }
    *schema_out = s;
    return ST_OK;
cleanup:
    st_schema_free(s);
    return rc;
}

bool cs_header_names_match(const cs_record *first, const st_schema *s) {
    if (!first->found || first->anom || first->nf == 0) return false;
    uint32_t named = 0, nonempty = 0;
    for (uint32_t j = 0; j < first->nf; j++) {
        if (first->flen[j] == 0) continue;
        nonempty++;
        if (st_schema_find_n(s, first->fields[j], first->flen[j]) >= 0) named++;
    }
    return named > 0 && named * 2 >= nonempty;
}
