/*
 * csv_core.c: the CSV consumer (csv_int.h): walks a structural index record
 * by record and either fills batches or feeds type inference.
 *
 * Per record: fold the LF of a CRLF, skip blank lines (a one-column file
 * keeps them as NULL rows), report anomalies the scanner marked, check the
 * field count, then per field: unquote when quoted (zero-copy when the
 * content has no doubled quote), NULL test, NUL/UTF-8 checks (only when the
 * record has a byte >= 0x80 or a NUL: one word-at-a-time test per record),
 * and the typed store.  Every failing check adds a reason; a record with any
 * reason is reported whole and no row is committed (its slots are simply
 * overwritten by the next record).
 *
 * Line numbers: a record's line is the chunk-relative count of line ends
 * before it; a record adds one for its own end plus the line ends inside its
 * quoted fields (counted only for records that contain a quote).
 */
#include <stdlib.h>
#include <string.h>

#include "format/csv_int.h"

uint64_t cx_count_eols(const char *p, size_t n) {
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') c++;
        else if (p[i] == '\r' && !(i + 1 < n && p[i + 1] == '\n')) c++;
    }
    return c;
}

size_t cx_unquote(const cx_dialect *d, const char *f, size_t n, char *out, bool *trailing) {
    const char q = d->quote, esc = d->escape;
    const bool doubled = d->esc_is_quote;
    size_t i = 1, o = 0;
    *trailing = false;
    while (i < n) {
        char c = f[i];
        if (c == q) {
            if (doubled && i + 1 < n && f[i + 1] == q) {
                out[o++] = q;
                i += 2;
                continue;
            }
            /* closing quote */
            if (i + 1 < n) {
                *trailing = true;
                memcpy(out + o, f + i + 1, n - i - 1);
                o += n - i - 1;
            }
            return o;
        }
        if (!doubled && c == esc && i + 1 < n) {
            out[o++] = f[i + 1];
            i += 2;
            continue;
        }
        out[o++] = c;
        i++;
    }
    *trailing = true; /* no closing quote (cannot happen on a scanned field) */
    return o;
}

void cx_state_free(cx_state *st, tx_pool *pool) {
    tx_rows_free(&st->rows, pool);
    tx_badlist_free(&st->bad);
    free(st->stats);
    free(st->scratch);
    memset(st, 0, sizeof *st);
}

static bool scratch_fit(cx_state *st, size_t n) {
    if (st->scratch_cap >= n) return true;
    size_t nc = st->scratch_cap ? st->scratch_cap : 256;
    while (nc < n) nc *= 2;
    char *p = realloc(st->scratch, nc);
    if (!p) return false;
    st->scratch = p;
    st->scratch_cap = nc;
    return true;
}

static inline bool is_null_text(const cx_conf *cf, const char *p, size_t n) {
    return n == cf->null_len && (n == 0 || memcmp(p, cf->null_str, n) == 0);
}

static inline const char *colname(const cx_conf *cf, uint32_t j) {
    return j < cf->nfile && cf->names ? cf->names[j] : NULL;
}

static void anomaly_reasons(const cx_conf *cf, cx_state *st, const cx_anom *an) {
    if (an->flags & CX_ANOM_UNTERMINATED)
        tx_bad_reason(&st->bad, -1, NULL,
                      "unterminated quoted field: the input ends inside it (the record is cut "
                      "at the end of the line where the quote opened)");
    if (an->flags & CX_ANOM_OVERSIZE) {
        if (an->end - an->start > cf->d.max_record)
            tx_bad_reason(&st->bad, -1, NULL, "record longer than max_record (%zu bytes): %zu bytes",
                          cf->d.max_record, an->end - an->start);
        else
            tx_bad_reason(&st->bad, -1, NULL,
                          "quoted field runs past max_record (%zu bytes): the record is cut at "
                          "the end of the line where the quote opened",
                          cf->d.max_record);
    }
}

/* Record-level NUL / UTF-8 reasons (used when fields cannot be trusted). */
static void special_reasons(cx_state *st, const char *p, size_t n) {
    const char *z = memchr(p, 0, n);
    if (z) tx_bad_reason(&st->bad, -1, NULL, "NUL byte at byte %zu of the record", (size_t)(z - p));
    size_t bad;
    if (!st_utf8_valid(p, n, &bad))
        tx_bad_reason(&st->bad, -1, NULL, "invalid UTF-8 at byte %zu of the record", bad);
}

typedef struct rec_ctx {
    const char *buf;
    size_t s, t;
    uint64_t abs, line;
    bool begun;
} rec_ctx;

static inline void begin_bad(cx_state *st, rec_ctx *rc) {
    if (rc->begun) return;
    rc->begun = true;
    size_t len = rc->t - rc->s;
    tx_bad_begin(&st->bad, rc->line, rc->abs + rc->s, rc->buf + rc->s, len, len, false,
                 st->copy_raw, st->rows.rows);
}

/* NULL into output column m (fed by file column j, or -1): a reason when
 * the fixed schema says NOT NULL.  False on allocation failure. */
static bool store_null(const cx_conf *cf, cx_state *st, rec_ctx *rc, st_vector *v, uint32_t row,
                       int32_t m, int32_t j) {
    if (cf->notnull && cf->notnull[m]) {
        begin_bad(st, rc);
        tx_bad_reason(&st->bad, j, j >= 0 ? colname(cf, (uint32_t)j) : NULL,
                      "NULL in a NOT NULL column");
    }
    return tx_store_null(v, row);
}

/* Parse one record into the current batch.  Returns false on allocation
 * failure only. */
static bool parse_record(const cx_conf *cf, cx_state *st, tx_pool *pool, rec_ctx *rc,
                         const size_t *fe, uint32_t nf, bool maybe_special, bool *quoted) {
    const char *buf = rc->buf;
    const size_t s = rc->s, t = rc->t;
    st->records++;
    bool special = maybe_special && tx_has_special(buf + s, t - s);
    if (nf != cf->nfile && !(cf->pad_short && nf < cf->nfile)) {
        begin_bad(st, rc);
        tx_bad_reason(&st->bad, -1, NULL, "expected %u fields, found %u", cf->nfile, nf);
        if (special) special_reasons(st, buf + s, t - s);
        *quoted = cf->d.has_quote && memchr(buf + s, cf->d.quote, t - s);
        st->nbad++;
        return !st->bad.failed;
    }
    uint32_t row;
    tx_out *o = tx_rows_slot(&st->rows, pool, &row);
    if (!o) return false;
    st_vector **cols = o->batch->cols;
    const char q = cf->d.quote;
    const bool hasq = cf->d.has_quote;
    size_t f = s;
    for (uint32_t j = 0; j < nf; j++) {
        size_t e = fe[j];
        const char *p = buf + f;
        size_t n = e - f;
        f = e + 1;
        int32_t m = cf->map[j];
        if (m < 0) {
            if (hasq && n && p[0] == q) *quoted = true;
            continue;
        }
        st_vector *v = cols[m];
        bool is_str = st_type_is_string(v->type);
        bool copied = false;
        if (hasq && n && p[0] == q) {
            *quoted = true;
            /* quoted: fast case = no quote inside the content */
            const char *cq = n > 1 ? memchr(p + 1, q, n - 1) : NULL;
            bool trailing = false;
            if (cq == p + n - 1 && (cf->d.esc_is_quote || !memchr(p + 1, cf->d.escape, n - 2))) {
                p += 1;
                n -= 2;
            } else {
                char *out;
                if (is_str) {
                    out = st_vector_str_alloc(v, n);
                    if (!out) return false;
                    copied = true;
                } else {
                    if (!scratch_fit(st, n)) return false;
                    out = st->scratch;
                }
                n = cx_unquote(&cf->d, p, n, out, &trailing);
                p = out;
            }
            if (trailing) {
                begin_bad(st, rc);
                tx_bad_reason(&st->bad, (int32_t)j, colname(cf, j),
                              "unexpected text after the closing quote");
            }
            if (cf->quoted_null && is_null_text(cf, p, n)) {
                if (!store_null(cf, st, rc, v, row, m, (int32_t)j)) return false;
                continue;
            }
        } else if (is_null_text(cf, p, n)) {
            if (!store_null(cf, st, rc, v, row, m, (int32_t)j)) return false;
            continue;
        }
        if (special && tx_has_special(p, n) && v->type.id != ST_T_BLOB) {
            const char *z = memchr(p, 0, n);
            size_t bad;
            if (z) {
                begin_bad(st, rc);
                tx_bad_reason(&st->bad, (int32_t)j, colname(cf, j), "NUL byte at byte %zu of the value",
                              (size_t)(z - p));
                continue;
            }
            if (!st_utf8_valid(p, n, &bad)) {
                begin_bad(st, rc);
                tx_bad_reason(&st->bad, (int32_t)j, colname(cf, j),
                              "invalid UTF-8 at byte %zu of the value", bad);
                continue;
            }
        }
        if (is_str) {
            if (!copied && !cf->pin) {
                char *c = st_vector_str_alloc(v, n);
                if (!c && n) return false;
                if (n) memcpy(c, p, n);
                p = c;
            }
            tx_store_str(v, row, p, n);
        } else {
            char msg[300];
            if (!tx_store_parsed(v, row, p, n, msg, sizeof msg)) {
                begin_bad(st, rc);
                tx_bad_reason(&st->bad, (int32_t)j, colname(cf, j), "%s", msg);
            }
        }
    }
    for (uint32_t j = nf; j < cf->nfile; j++) {
        int32_t m = cf->map[j];
        if (m >= 0 && !store_null(cf, st, rc, cols[m], row, m, (int32_t)j)) return false;
    }
    for (uint32_t a = 0; a < cf->nabsent; a++)
        if (!tx_store_null(cols[cf->absent[a]], row)) return false;
    if (rc->begun) {
        st->nbad++;
        return !st->bad.failed;
    }
    tx_rows_commit(&st->rows, o, row, rc->line, rc->abs + s);
    st->nrows++;
    return true;
}

/* Feed one record to inference.  Bad records (ragged, quoting, NUL, UTF-8)
 * are left out: they will be reported by the parse pass. */
static void infer_record(const cx_conf *cf, cx_state *st, const char *buf, size_t s, size_t t,
                         const size_t *fe, uint32_t nf, bool maybe_special, bool *quoted) {
    st->records++;
    const char q = cf->d.quote;
    bool hasq = false;
    if (cf->d.has_quote) {
        size_t f = s;
        for (uint32_t j = 0; j < nf && !hasq; j++) {
            hasq = fe[j] > f && buf[f] == q;
            f = fe[j] + 1;
        }
    }
    *quoted = hasq;
    if (nf != cf->nfile && !(cf->pad_short && nf < cf->nfile)) return;
    if (maybe_special && tx_has_special(buf + s, t - s)) {
        size_t bad;
        if (memchr(buf + s, 0, t - s) || !st_utf8_valid(buf + s, t - s, &bad)) return;
    }
    if (hasq) { /* quoting errors exclude the record */
        size_t f = s;
        for (uint32_t j = 0; j < nf; j++) {
            size_t e = fe[j];
            if (e > f && buf[f] == q) {
                if (e - f < 2) return;
                const char *cq = memchr(buf + f + 1, q, e - f - 1);
                if (cq != buf + e - 1) {
                    if (!scratch_fit(st, e - f)) return;
                    bool trailing;
                    cx_unquote(&cf->d, buf + f, e - f, st->scratch, &trailing);
                    if (trailing) return;
                }
            }
            f = e + 1;
        }
    }
    size_t f = s;
    for (uint32_t j = 0; j < nf; j++) {
        size_t e = fe[j];
        const char *p = buf + f;
        size_t n = e - f;
        f = e + 1;
        tx_stat *sj = &st->stats[j];
        if (hasq && n && p[0] == q) {
            bool inner = memchr(p + 1, q, n - 1) != p + n - 1 ||
                         (!cf->d.esc_is_quote && memchr(p + 1, cf->d.escape, n - 2));
            p += 1, n -= 2;
            if (cf->quoted_null && !inner && is_null_text(cf, p, n)) continue;
            if (inner) tx_classify_text(sj);
            else tx_classify(sj, p, n);
            continue;
        }
        if (is_null_text(cf, p, n)) continue;
        tx_classify(sj, p, n);
    }
}

st_status cx_consume(const cx_conf *cf, cx_state *st, tx_pool *pool, const char *buf, size_t avail,
                     uint64_t abs, const cx_index *ix, size_t stop, size_t *consumed,
                     st_error *e) {
    const size_t *pos = ix->pos;
    const size_t np = ix->n;
    const char delim = cf->d.delim;
    size_t k = 0, ai = 0, s = 0;
    /* one fast check for the whole window saves the per-record one */
    const bool maybe_special = tx_has_special(buf, stop < avail ? stop : avail);
    while (k < np) {
        if (st->limit && st->records >= st->limit) {
            *consumed = s;
            return ST_OK;
        }
        if (ai < ix->na && ix->anom[ai].start == s) {
            const cx_anom *an = &ix->anom[ai++];
            size_t t = pos[k++];
            if (an->flags & CX_ANOM_COMMENT) {
                st->line += cx_count_eols(buf + s, t - s) + (t < avail);
            } else {
                rec_ctx rc = {buf, s, t, abs, st->line, false};
                st->records++;
                if (!st->stats) {
                    begin_bad(st, &rc);
                    anomaly_reasons(cf, st, an);
                    st->nbad++;
                }
                st->line += cx_count_eols(buf + s, t - s) + (t < avail);
            }
            st->prev_cr = t < avail && buf[t] == '\r';
            s = t + 1;
            continue;
        }
        size_t k0 = k;
        while (pos[k] < avail && buf[pos[k]] == delim) k++;
        size_t t = pos[k++];
        uint32_t nf = (uint32_t)(k - k0);
        if (t == s && t < avail) { /* blank line */
            if (st->prev_cr && buf[t] == '\n') {
                st->prev_cr = false;
                s = t + 1;
                continue;
            }
            st->prev_cr = buf[t] == '\r';
            uint64_t line = st->line++;
            s = t + 1;
            if (cf->nfile != 1) continue;
            st->records++;
            if (st->stats) continue;
            uint32_t row;
            tx_out *o = tx_rows_slot(&st->rows, pool, &row);
            if (!o) return st_error_set(e, ST_ERR_NOMEM, "out of memory reading CSV");
            rec_ctx rc = {buf, t, t, abs, line, false};
            bool ok = true;
            for (uint32_t c = 0; c < o->batch->ncols; c++)
                ok &= store_null(cf, st, &rc, o->batch->cols[c], row, (int32_t)c,
                                 cf->map && cf->map[0] == (int32_t)c ? 0 : -1);
            if (!ok || st->bad.failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory reading CSV");
            if (rc.begun) {
                st->nbad++;
                continue;
            }
            tx_rows_commit(&st->rows, o, row, line, abs + t);
            st->nrows++;
            continue;
        }
        bool quoted = false;
        if (st->stats) {
            infer_record(cf, st, buf, s, t, pos + k0, nf, maybe_special, &quoted);
        } else {
            rec_ctx rc = {buf, s, t, abs, st->line, false};
            if (!parse_record(cf, st, pool, &rc, pos + k0, nf, maybe_special, &quoted))
                return st_error_set(e, ST_ERR_NOMEM, "out of memory reading CSV");
        }
        st->line += 1 - (t >= avail);
        if (quoted) st->line += cx_count_eols(buf + s, t - s); /* line ends inside quotes */
        st->prev_cr = t < avail && buf[t] == '\r';
        s = t + 1;
    }
    *consumed = stop;
    return ST_OK;
}
