/*
 * csv_push.c: the push parser for streams (csv.h, st_csv_push).
 *
 * Bytes are appended to a pending buffer; complete records are scanned and
 * parsed as soon as the dialect and schema are decided; the record cut by the
 * end of what was fed stays pending.  The grammar, the scanner and the
 * consumer are the whole-input reader's, so a stream fed in any slicing gives
 * the rows and bad records the same bytes give as a file (tests check this
 * by feeding byte by byte and in random slices).
 *
 * Bounded memory: a pending record that grows beyond max_record without
 * ending is reported (its first ST_TEXT_BAD_PREFIX bytes are kept) and its
 * bytes are dropped as they arrive until its line end: exactly the end the
 * whole-input scanner would choose, since the scanner has already looked for
 * that line end in every byte that was dropped.
 *
 * Strings are copied into the batches (the pending buffer moves).  Bad
 * records are delivered during feed/flush/finish, right after the records
 * around them are parsed.
 */
#include <stdlib.h>
#include <string.h>

#include "format/csv_int.h"

struct st_csv_push {
    st_csv_options o;
    char *null_copy;
    char *source;
    const st_schema *fixed; /* the caller's, cloned at decision time */
    st_schema *fixed_copy;
    char *buf;
    size_t len, cap, start;
    uint64_t abs; /* absolute offset of buf[0] */
    bool bom_done;
    uint64_t skip_left;
    uint64_t line_pre; /* lines skipped before the data */
    bool decided, finished;
    size_t retry_at; /* pending bytes before deciding is tried again */
    st_csv_dialect dialect;
    cx_conf cf;
    st_schema *schema;
    tx_pool pool;
    bool pool_ready;
    cx_state st;
    cx_index ix;
    cx_resume rs; /* progress through the pending record */
    /* oversize record being dropped */
    bool skipping;
    uint64_t skip_off, skip_line, skip_len;
    char *skip_prefix;
    size_t skip_plen;
    st_text_stats stats;
    st_status sticky;
    st_error sticky_err;
};

st_status st_csv_push_new(const st_csv_options *o, st_csv_push **out, st_error *e) {
    *out = NULL;
    st_csv_options def;
    if (!o) {
        st_csv_options_init(&def);
        o = &def;
    }
    const char *src = o->source ? o->source : "<stream>";
    ST_TRY(cs_check_options(o, src, e));
    st_csv_push *p = calloc(1, sizeof *p);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    p->o = *o;
    p->source = strdup(src);
    if (o->null_str) p->null_copy = strdup(o->null_str);
    p->o.null_str = p->null_copy;
    if (o->schema) p->fixed_copy = st_schema_clone(o->schema);
    p->o.schema = p->fixed_copy;
    p->skip_left = o->skip_lines;
    if (!p->source || (o->null_str && !p->null_copy) || (o->schema && !p->fixed_copy)) {
        st_csv_push_free(p);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    *out = p;
    return ST_OK;
}

void st_csv_push_free(st_csv_push *p) {
    if (!p) return;
    cx_state_free(&p->st, p->pool_ready ? &p->pool : NULL);
    if (p->pool_ready) tx_pool_free(&p->pool);
    cx_index_free(&p->ix);
    cs_conf_free(&p->cf);
    st_schema_free(p->schema);
    st_schema_free(p->fixed_copy);
    free(p->skip_prefix);
    free(p->buf);
    free(p->null_copy);
    free(p->source);
    free(p);
}

const st_schema *st_csv_push_schema(const st_csv_push *p) { return p->decided ? p->schema : NULL; }
const st_csv_dialect *st_csv_push_dialect(const st_csv_push *p) {
    return p->decided ? &p->dialect : NULL;
}

void st_csv_push_stats(const st_csv_push *p, st_text_stats *out) {
    *out = p->stats;
    out->records = p->st.records;
    out->rows = p->st.nrows;
    out->bad = p->st.nbad;
    out->lines = p->st.line;
    out->bytes = p->abs + p->start;
}

static st_status fail(st_csv_push *p, st_status rc, st_error *e) {
    p->sticky = rc;
    if (e) p->sticky_err = *e;
    else p->sticky_err.code = rc;
    return rc;
}

static void compact(st_csv_push *p) {
    if (p->start == 0) return;
    if (p->start < p->len && p->start < p->len / 2 && p->start < (1u << 20)) return;
    memmove(p->buf, p->buf + p->start, p->len - p->start);
    p->abs += p->start;
    p->len -= p->start;
    p->start = 0;
}

static bool has_complete_record(const st_csv_push *p) {
    if (p->len == p->start) return false;
    return memchr(p->buf + p->start, '\n', p->len - p->start) ||
           memchr(p->buf + p->start, '\r', p->len - p->start);
}

/* Decide dialect, header, schema.  Returns ST_OK with p->decided unchanged
 * when more bytes are needed. */
static st_status try_decide(st_csv_push *p, bool force, bool eof, st_error *e) {
    const char *src = p->source;
    if (!p->bom_done) {
        size_t n = p->len - p->start;
        if (n < 3 && !eof) return ST_OK;
        const unsigned char *u = (const unsigned char *)p->buf + p->start;
        if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
            return st_error_set(e, ST_ERR_FORMAT, "%s: UTF-16 text (byte order mark) is not "
                                "supported: convert the file to UTF-8", src);
        if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
            p->start += 3;
            p->dialect.bom = true;
        }
        p->bom_done = true;
    }
    while (p->skip_left) {
        size_t t = cx_find_eol(p->buf, p->start, p->len);
        if (t == p->len) {
            if (!eof) return ST_OK;
            p->start = p->len;
            p->skip_left = 0;
            break;
        }
        if (p->buf[t] == '\r' && t + 1 == p->len && !eof) return ST_OK; /* CR, LF may follow */
        p->start = t + 1;
        if (p->buf[t] == '\r' && p->start < p->len && p->buf[p->start] == '\n') p->start++;
        p->skip_left--;
        p->line_pre++;
    }
    size_t avail = p->len - p->start;
    if (!eof) {
        bool enough = avail >= ST_TEXT_SNIFF_BYTES;
        if (!enough && p->o.sample_rows &&
            cx_count_eols(p->buf + p->start, avail) > p->o.sample_rows)
            enough = true;
        if (!enough && !(force && has_complete_record(p))) return ST_OK;
        if (!force && avail < p->retry_at) return ST_OK;
    }
    cs_decision dec = {0};
    st_status rc = ST_OK;
    tx_stat *stats = NULL;
    if (avail) {
        ST_TRY(cs_decide(&p->o, p->buf + p->start, avail, eof, src, &dec, e));
    } else {
        cs_dialect(&dec.d, p->o.delim ? p->o.delim : ',', p->o.quote ? p->o.quote : '"', &p->o);
        dec.delim = dec.d.delim;
        dec.quote = p->o.quote ? p->o.quote : '"';
        dec.nfile = p->o.schema ? p->o.schema->nfields : 0;
        dec.names = cs_names(NULL, dec.nfile);
        if (!dec.names) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    p->start += dec.data_off;
    p->dialect.delim = dec.delim;
    p->dialect.quote = dec.d.has_quote ? dec.quote : ST_CSV_NO_QUOTE;
    p->dialect.escape = dec.d.has_quote ? dec.d.escape : 0;
    p->dialect.header = dec.header;
    p->cf.d = dec.d;
    p->cf.null_str = p->o.null_str ? p->o.null_str : "";
    p->cf.null_len = strlen(p->cf.null_str);
    p->cf.quoted_null = p->o.quoted_null;
    p->cf.pad_short = p->o.pad_short;
    p->cf.nfile = dec.nfile;
    p->cf.names = dec.names;
    p->cf.pin = NULL;
    p->st.line = p->line_pre + dec.data_line;
    bool need_stats = !p->o.schema ? !p->o.all_varchar
                                   : (dec.header && p->o.unknown == ST_TEXT_UNKNOWN_EVOLVE);
    if (need_stats && dec.nfile && p->start < p->len) {
        cx_state is = {0};
        is.stats = calloc(dec.nfile, sizeof *is.stats);
        is.limit = p->o.sample_rows;
        is.prev_cr = p->start > 0 && p->buf[p->start - 1] == '\r';
        cx_index ix = {0};
        if (!is.stats) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        } else {
            size_t n = p->len - p->start, consumed;
            size_t stop = cx_scan(&p->cf.d, p->buf + p->start, 0, n, n, eof, &ix);
            if (ix.failed) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            else rc = cx_consume(&p->cf, &is, NULL, p->buf + p->start, n, 0, &ix, stop, &consumed, e);
        }
        if (rc == ST_OK && is.records == 0 && !eof && !force &&
            avail < p->cf.d.max_record) {
            /* not one whole data record yet: wait for more before deciding */
            cx_state_free(&is, NULL);
            cx_index_free(&ix);
            cs_conf_free(&p->cf);
            p->start -= dec.data_off;
            p->retry_at = avail * 2;
            return ST_OK;
        }
        stats = is.stats;
        is.stats = NULL;
        cx_state_free(&is, NULL);
        cx_index_free(&ix);
    }
    if (rc == ST_OK) rc = cs_build_output(&p->cf, &p->o, stats, dec.header, &p->schema, src, e);
    free(stats);
    if (rc == ST_OK) {
        uint32_t br = p->o.batch_rows ? p->o.batch_rows : ST_TEXT_BATCH_ROWS_DEFAULT;
        rc = tx_pool_init(&p->pool, p->cf.types, p->cf.nout, br, e);
        if (rc == ST_OK) p->pool_ready = true;
    }
    if (rc != ST_OK) return rc;
    p->st.prev_cr = p->start > 0 && p->buf[p->start - 1] == '\r';
    p->decided = true;
    return ST_OK;
}

static st_status deliver(st_csv_push *p, st_error *e) {
    st_status rc = tx_bad_deliver(&p->st.bad, 0, p->st.bad.n, 1, p->source, p->o.on_bad,
                                  p->o.bad_ctx, p->o.strict, e);
    tx_badlist_reset(&p->st.bad);
    return rc;
}

static st_status finish_skip(st_csv_push *p, st_error *e) {
    tx_bad_begin(&p->st.bad, p->skip_line, p->skip_off, p->skip_prefix, p->skip_plen, p->skip_len,
                 true, true, p->st.rows.rows);
    tx_bad_reason(&p->st.bad, -1, NULL, "record longer than max_record (%zu bytes): %llu bytes",
                  p->cf.d.max_record, (unsigned long long)p->skip_len);
    p->st.records++;
    p->st.nbad++;
    free(p->skip_prefix);
    p->skip_prefix = NULL;
    p->skipping = false;
    return deliver(p, e);
}

static st_status process(st_csv_push *p, bool eof, st_error *e) {
    for (;;) {
        if (p->skipping) {
            size_t t = cx_find_eol(p->buf, p->start, p->len);
            p->skip_len += t - p->start;
            if (t == p->len) {
                p->start = p->len;
                compact(p);
                if (eof) return finish_skip(p, e);
                return ST_OK;
            }
            p->start = t + 1;
            p->st.line++;
            p->st.prev_cr = p->buf[t] == '\r';
            ST_TRY(finish_skip(p, e));
        }
        size_t n = p->len - p->start;
        const char *b = p->buf + p->start;
        /* a CR at the very end may be the first half of a CRLF: wait */
        size_t scan_n = (!eof && n && b[n - 1] == '\r') ? n - 1 : n;
        if (!eof && n <= p->cf.d.max_record + 1 &&
            !cx_record_ends(&p->cf.d, p->buf, p->start, p->start + scan_n, &p->rs))
            return ST_OK; /* the pending record is still open */
        p->rs.valid = false;
        cx_index_reset(&p->ix);
        size_t stop = cx_scan(&p->cf.d, b, 0, scan_n, scan_n, eof, &p->ix);
        if (p->ix.failed) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", p->source);
        size_t consumed;
        ST_TRY(cx_consume(&p->cf, &p->st, &p->pool, b, n, p->abs + p->start, &p->ix, stop,
                          &consumed, e));
        p->start += consumed;
        ST_TRY(deliver(p, e));
        size_t rest = p->len - p->start;
        if (!eof && rest > p->cf.d.max_record + 1) {
            /* the pending record is oversize and its line end has not come */
            p->skipping = true;
            p->skip_off = p->abs + p->start;
            p->skip_line = p->st.line;
            p->skip_plen = rest < ST_TEXT_BAD_PREFIX ? rest : ST_TEXT_BAD_PREFIX;
            p->skip_prefix = malloc(p->skip_plen ? p->skip_plen : 1);
            if (!p->skip_prefix) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            memcpy(p->skip_prefix, p->buf + p->start, p->skip_plen);
            p->skip_len = rest;
            p->rs.valid = false;
            p->st.line += cx_count_eols(p->buf + p->start, rest);
            p->start = p->len;
            compact(p);
            continue;
        }
        compact(p);
        return ST_OK;
    }
}

static st_status append(st_csv_push *p, const void *data, size_t n, st_error *e) {
    if (p->len + n > p->cap) {
        size_t nc = p->cap ? p->cap : 65536;
        while (nc < p->len + n) nc *= 2;
        char *nb = realloc(p->buf, nc);
        if (!nb) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory buffering input", p->source);
        p->buf = nb;
        p->cap = nc;
    }
    if (n) memcpy(p->buf + p->len, data, n);
    p->len += n;
    return ST_OK;
}

st_status st_csv_push_feed(st_csv_push *p, const void *data, size_t n, st_error *e) {
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (p->finished) return st_error_set(e, ST_ERR_INVALID, "%s: feed after finish", p->source);
    st_status rc;
    if (p->skipping) { /* drop what cannot be kept before buffering it */
        const char *c = data;
        size_t i = 0;
        while (i < n && c[i] != '\n' && c[i] != '\r') i++;
        p->skip_len += i;
        p->abs += i; /* the buffer is empty while skipping */
        data = c + i;
        n -= i;
        if (n == 0) return ST_OK;
    }
    if ((rc = append(p, data, n, e)) != ST_OK) return fail(p, rc, e);
    if (!p->decided && (rc = try_decide(p, false, false, e)) != ST_OK) return fail(p, rc, e);
    if (p->decided && (rc = process(p, false, e)) != ST_OK) return fail(p, rc, e);
    return ST_OK;
}

st_status st_csv_push_flush(st_csv_push *p, st_error *e) {
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (p->finished) return ST_OK;
    st_status rc;
    if (!p->decided && (rc = try_decide(p, true, false, e)) != ST_OK) return fail(p, rc, e);
    if (p->decided && (rc = process(p, false, e)) != ST_OK) return fail(p, rc, e);
    return ST_OK;
}

st_status st_csv_push_finish(st_csv_push *p, st_error *e) {
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (p->finished) return ST_OK;
    p->finished = true;
    st_status rc;
    if (!p->decided && (rc = try_decide(p, true, true, e)) != ST_OK) return fail(p, rc, e);
    if (p->decided && (rc = process(p, true, e)) != ST_OK) return fail(p, rc, e);
    return ST_OK;
}

st_status st_csv_push_take(st_csv_push *p, bool partial, st_text_chunk *out, st_error *e) {
    memset(out, 0, sizeof *out);
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (!p->decided) return ST_OK;
    tx_rows *r = &p->st.rows;
    tx_rows_drop_taken(r, &p->pool);
    if (r->n == 0) return ST_OK;
    tx_out *o = &r->outs[0];
    if (o->batch->len == 0) return ST_OK;
    bool full = o->batch->len >= p->pool.batch_rows;
    if (!full && !partial && r->n == 1 && !p->finished) return ST_OK;
    for (uint32_t i = 0; i < o->batch->len; i++) o->line[i] += 1;
    tx_out_finish(o);
    r->taken = 1;
    out->batch = o->batch;
    out->line = o->line;
    out->offset = o->offset;
    out->schema_version = 1;
    return ST_OK;
}
