/*
 * csv_read.c: the CSV reader over a whole input (a mapped file or bytes in
 * memory), see csv.h.
 *
 * Opening decides everything (csv_setup.c): BOM, skipped lines, recognition,
 * dialect, header, names; then, when types must be inferred, pass 1 runs over
 * the whole input in parallel chunks (or over the first sample_rows records).
 *
 * Chunks.  The data region is cut into chunks of a few MiB, each starting
 * right after a line end.  A chunk is parsed as if a record started there and
 * runs past its nominal end to finish its last record; it reports where it
 * really stopped.  If chunk k-1 stopped beyond chunk k's start (the cut fell
 * inside a quoted field), chunk k is parsed again from that stop: the result
 * is always what one sequential pass gives, whatever the thread count.  Pass 1
 * fixes the exact boundaries, so after it pass 2 never re-parses.
 *
 * Pass 2 works in rounds of 2 x threads chunks parsed in parallel; their
 * batches are then handed out in order, each preceded by the bad records met
 * before its last row.  Memory is bounded by a round.
 */
#include <stdlib.h>
#include <string.h>

#include "format/csv_int.h"
#include "format/pool.h"

#define CX_WINDOW (128u << 10) /* bytes scanned per index window */

size_t cx_test_chunk_bytes; /* tests: force small chunks (0 = automatic) */

struct st_csv_reader {
    char *source;
    st_buf *data;
    const char *base;
    size_t len;
    size_t data_start;
    uint64_t line0; /* 0-based line at data_start */
    st_csv_options o;
    char *null_copy;
    st_csv_dialect dialect;
    cx_conf cf;
    st_schema *schema;
    uint32_t threads;
    uint32_t batch_rows;
    tx_pool pool;
    bool pool_ready;
    /* chunks: nominal (or exact) starts, cstart[nchunks] = len */
    size_t *cstart;
    size_t nchunks;
    bool exact;
    /* rounds */
    size_t next_chunk;
    cx_state *round;
    size_t *rstart, *rstop;
    size_t round_cap, round_n, cur;
    uint32_t out_idx, bad_idx;
    uint64_t row_cursor;
    size_t prev_stop;
    uint64_t line_base; /* 0-based line at the current chunk's start */
    cx_index *ixs;      /* per worker */
    st_text_stats stats;
    bool done;
    st_status sticky;
    st_error sticky_err;
};

st_status cs_decide(const st_csv_options *o, const char *p, size_t n, bool eof,
                        const char *src, cs_decision *out, st_error *e) {
    memset(out, 0, sizeof *out);
    size_t m = n < ST_TEXT_SNIFF_BYTES ? n : ST_TEXT_SNIFF_BYTES;
    bool seof = eof && m == n;
    ST_TRY(cs_recognize(p, m, src, e));
    uint32_t ncols = 0;
    ST_TRY(cs_sniff(o, p, m, seof, src, &out->delim, &out->quote, &ncols, e));
    cs_dialect(&out->d, out->delim, out->quote, o);
    cs_record first;
    ST_TRY(cs_first_record(&out->d, p, m, seof, &first, src, e));
    st_status rc = ST_OK;
    bool header = false;
    if (first.found && o->header == ST_CSV_HEADER_YES) {
        header = true;
    } else if (first.found && o->header == ST_CSV_HEADER_DETECT) {
        if (o->schema) {
            header = cs_header_names_match(&first, o->schema);
        } else {
            cx_conf tmp = {.d = out->d,
                           .null_str = o->null_str ? o->null_str : "",
                           .null_len = o->null_str ? strlen(o->null_str) : 0,
                           .quoted_null = o->quoted_null,
                           .pad_short = o->pad_short,
                           .nfile = first.nf};
            cx_state st = {0};
            st.stats = calloc(first.nf ? first.nf : 1, sizeof *st.stats);
            cx_index ix = {0};
            if (!st.stats) {
                cs_record_free(&first);
                return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            }
            size_t from = first.end;
            if (from < m) {
                size_t stop = cx_scan_scalar(&out->d, p + from, 0, m - from, m - from, seof, &ix);
                size_t consumed;
                if (!ix.failed)
                    rc = cx_consume(&tmp, &st, NULL, p + from, m - from, 0, &ix, stop, &consumed, e);
            }
            if (ix.failed && rc == ST_OK) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            if (rc == ST_OK) header = cs_header_guess(&first, st.stats, first.nf, st.records > 0);
            cx_index_free(&ix);
            cx_state_free(&st, NULL);
        }
    }
    if (rc == ST_OK && header && first.anom)
        rc = st_error_set(e, ST_ERR_FORMAT, "%s: line %llu: the header record is malformed "
                          "(unterminated quote or longer than max_record)",
                          src, (unsigned long long)first.line + 1);
    if (rc == ST_OK && header) rc = cs_check_header(&first, src, e);
    if (rc == ST_OK) {
        out->header = header;
        if (header) out->nfile = first.nf;
        else if (o->schema) out->nfile = o->schema->nfields;
        else out->nfile = first.found ? ncols : 0;
        out->names = cs_names(header ? &first : NULL, out->nfile);
        if (!out->names) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (header) {
            out->data_off = first.end;
            out->data_line = first.line + 1 + cx_count_eols(p + first.s, first.t - first.s);
            if (first.t >= n) out->data_line--;
        }
    }
    cs_record_free(&first);
    return rc;
}

/* ---- chunk work ----------------------------------------------------------- */

/* Parse (or infer over) [start, end) of the input into st; *stop = where the
 * last record really ended (>= end unless the input ended or st->limit). */
static st_status run_chunk(st_csv_reader *r, cx_state *st, cx_index *ix, size_t start, size_t end,
                           size_t *stop, st_error *e) {
    size_t pos = start;
    st->prev_cr = start > 0 && r->base[start - 1] == '\r';
    while (pos < end) {
        size_t want = end - pos < CX_WINDOW ? end - pos : CX_WINDOW;
        cx_index_reset(ix);
        const char *buf = r->base + pos;
        size_t avail = r->len - pos;
        size_t sp = cx_scan(&r->cf.d, buf, 0, avail, want, true, ix);
        if (ix->failed) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", r->source);
        size_t consumed;
        ST_TRY(cx_consume(&r->cf, st, &r->pool, buf, avail, pos, ix, sp, &consumed, e));
        pos += consumed;
        if (consumed < sp || sp == 0) break;
    }
    *stop = pos;
    return ST_OK;
}

static void make_chunks(st_csv_reader *r) {
    size_t region = r->len - r->data_start;
    size_t target = region / ((size_t)r->threads * 8);
    if (target < (256u << 10)) target = 256u << 10;
    if (target > (4u << 20)) target = 4u << 20;
    if (cx_test_chunk_bytes) target = cx_test_chunk_bytes;
    size_t max = region / target + 2;
    r->cstart = malloc((max + 1) * sizeof *r->cstart);
    if (!r->cstart) return;
    size_t n = 0, pos = r->data_start;
    r->cstart[n++] = pos;
    while (n < max) {
        size_t nominal = pos + target;
        if (nominal >= r->len) break;
        const char *lf = memchr(r->base + nominal, '\n', r->len - nominal);
        size_t b;
        if (lf) {
            b = (size_t)(lf - r->base) + 1;
        } else {
            const char *cr = memchr(r->base + nominal, '\r', r->len - nominal);
            if (!cr) break;
            b = (size_t)(cr - r->base) + 1;
        }
        if (b >= r->len) break;
        r->cstart[n++] = b;
        pos = b;
    }
    r->nchunks = n;
    r->cstart[n] = r->len;
}

typedef struct infer_job {
    st_csv_reader *r;
    cx_state *st;
    size_t *stop;
} infer_job;

static st_status infer_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    infer_job *j = ctx;
    st_csv_reader *r = j->r;
    return run_chunk(r, &j->st[task], &r->ixs[worker], r->cstart[task], r->cstart[task + 1],
                     &j->stop[task], e);
}

static st_status infer_types(st_csv_reader *r, tx_stat **out, st_error *e) {
    uint32_t nf = r->cf.nfile;
    tx_stat *total = calloc(nf ? nf : 1, sizeof *total);
    if (!total) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    if (r->o.sample_rows) {
        cx_state st = {0};
        st.stats = calloc(nf ? nf : 1, sizeof *st.stats);
        st.limit = r->o.sample_rows;
        size_t stop;
        if (!st.stats) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        else rc = run_chunk(r, &st, &r->ixs[0], r->data_start, r->len, &stop, e);
        if (rc == ST_OK)
            for (uint32_t j = 0; j < nf; j++) tx_stat_merge(&total[j], &st.stats[j]);
        cx_state_free(&st, NULL);
    } else {
        size_t nc = r->nchunks;
        cx_state *sts = calloc(nc, sizeof *sts);
        size_t *stop = calloc(nc, sizeof *stop);
        if (!sts || !stop) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (size_t k = 0; rc == ST_OK && k < nc; k++) {
            sts[k].stats = calloc(nf ? nf : 1, sizeof *sts[k].stats);
            if (!sts[k].stats) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        infer_job job = {r, sts, stop};
        if (rc == ST_OK) rc = st_parallel_for(r->threads, nc, infer_task, &job, e);
        /* chain the boundaries: redo a chunk whose start was inside a record */
        for (size_t k = 1; rc == ST_OK && k < nc; k++) {
            if (stop[k - 1] == r->cstart[k]) continue;
            memset(sts[k].stats, 0, nf * sizeof *sts[k].stats);
            sts[k].records = 0;
            sts[k].line = 0;
            if (stop[k - 1] >= r->cstart[k + 1]) {
                stop[k] = stop[k - 1];
            } else {
                rc = run_chunk(r, &sts[k], &r->ixs[0], stop[k - 1], r->cstart[k + 1], &stop[k], e);
            }
            r->cstart[k] = stop[k - 1];
        }
        if (rc == ST_OK) {
            r->exact = true;
            for (size_t k = 0; k < nc; k++)
                for (uint32_t j = 0; j < nf; j++) tx_stat_merge(&total[j], &sts[k].stats[j]);
        }
        for (size_t k = 0; sts && k < nc; k++) cx_state_free(&sts[k], NULL);
        free(sts);
        free(stop);
    }
    if (rc != ST_OK) {
        free(total);
        return rc;
    }
    *out = total;
    return ST_OK;
}

/* ---- open ---------------------------------------------------------------- */

st_status st_csv_open_buf(st_buf *data, const st_csv_options *o, st_csv_reader **out,
                          st_error *e) {
    *out = NULL;
    const char *src = o && o->source ? o->source : "<input>";
    st_csv_options def;
    if (!o) {
        st_csv_options_init(&def);
        o = &def;
    }
    ST_TRY(cs_check_options(o, src, e));
    st_csv_reader *r = calloc(1, sizeof *r);
    if (!r) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    tx_stat *stats = NULL;
    cs_decision dec = {0};
    r->source = strdup(src);
    r->o = *o;
    if (o->null_str) {
        r->null_copy = strdup(o->null_str);
        r->o.null_str = r->null_copy;
    }
    r->o.schema = NULL; /* cloned into r->schema by cs_build_output */
    r->data = st_buf_ref(data);
    r->base = st_buf_data(data);
    r->len = st_buf_len(data);
    r->threads = st_thread_count(o->threads);
    r->batch_rows = o->batch_rows ? o->batch_rows : ST_TEXT_BATCH_ROWS_DEFAULT;
    r->ixs = calloc(r->threads, sizeof *r->ixs);
    if (!r->source || !r->ixs || (o->null_str && !r->null_copy)) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    const char *p = r->base;
    size_t n = r->len, pos = 0;
    if (n >= 2 && (((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) ||
                   ((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF))) {
        rc = st_error_set(e, ST_ERR_FORMAT, "%s: UTF-16 text (byte order mark) is not supported: "
                          "convert the file to UTF-8", src);
        goto cleanup;
    }
    if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) {
        pos = 3;
        r->dialect.bom = true;
    }
    uint64_t line0 = 0;
    pos = cs_skip_lines(p, n, pos, o->skip_lines, &line0);
    if (pos < n) {
        ST_CHECK(rc, cs_decide(o, p + pos, n - pos, true, src, &dec, e));
    } else {
        cs_dialect(&dec.d, o->delim ? o->delim : ',', o->quote ? o->quote : '"', o);
        dec.delim = dec.d.delim;
        dec.quote = o->quote ? o->quote : '"';
        dec.nfile = o->schema ? o->schema->nfields : 0;
        dec.names = cs_names(NULL, dec.nfile);
        if (!dec.names) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    r->data_start = pos + dec.data_off;
    if (r->data_start > n) r->data_start = n;
    r->line0 = line0 + dec.data_line;
    r->dialect.delim = dec.delim;
    r->dialect.quote = dec.d.has_quote ? dec.quote : ST_CSV_NO_QUOTE;
    r->dialect.escape = dec.d.has_quote ? dec.d.escape : 0;
    r->dialect.header = dec.header;
    r->cf.d = dec.d;
    r->cf.null_str = r->o.null_str ? r->o.null_str : "";
    r->cf.null_len = strlen(r->cf.null_str);
    r->cf.quoted_null = o->quoted_null;
    r->cf.pad_short = o->pad_short;
    r->cf.nfile = dec.nfile;
    r->cf.names = dec.names;
    dec.names = NULL;
    r->cf.pin = r->data;
    make_chunks(r);
    if (!r->cstart) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    bool need_stats = !o->schema ? !o->all_varchar
                                 : (dec.header && o->unknown == ST_TEXT_UNKNOWN_EVOLVE);
    if (need_stats && r->cf.nfile && r->data_start < n) ST_CHECK(rc, infer_types(r, &stats, e));
    ST_CHECK(rc, cs_build_output(&r->cf, o, stats, dec.header, &r->schema, src, e));
    ST_CHECK(rc, tx_pool_init(&r->pool, r->cf.types, r->cf.nout, r->batch_rows, e));
    r->pool_ready = true;
    r->round_cap = (size_t)r->threads * 2;
    r->round = calloc(r->round_cap, sizeof *r->round);
    r->rstart = calloc(r->round_cap, sizeof *r->rstart);
    r->rstop = calloc(r->round_cap, sizeof *r->rstop);
    if (!r->round || !r->rstart || !r->rstop) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < r->round_cap; i++) r->round[i].rows.pin = r->data;
    r->prev_stop = r->data_start;
    r->line_base = r->line0;
    r->stats.lines = r->line0;
    r->done = r->data_start >= n;
    free(stats);
    *out = r;
    return ST_OK;
cleanup:
    free(stats);
    cs_names_free(dec.names, dec.nfile);
    st_csv_close(r);
    return rc;
}

st_status st_csv_open_file(const char *path, const st_csv_options *o, st_csv_reader **out,
                           st_error *e) {
    st_buf *b = NULL;
    ST_TRY(st_file_map(path, &b, e));
    st_csv_options oo;
    if (o) oo = *o;
    else st_csv_options_init(&oo);
    if (!oo.source) oo.source = path;
    st_status rc = st_csv_open_buf(b, &oo, out, e);
    st_buf_unref(b);
    return rc;
}

const st_schema *st_csv_schema(const st_csv_reader *r) { return r->schema; }
const st_csv_dialect *st_csv_get_dialect(const st_csv_reader *r) { return &r->dialect; }

void st_csv_stats(const st_csv_reader *r, st_text_stats *out) { *out = r->stats; }

void st_csv_close(st_csv_reader *r) {
    if (!r) return;
    for (size_t i = 0; r->round && i < r->round_cap; i++)
        cx_state_free(&r->round[i], r->pool_ready ? &r->pool : NULL);
    free(r->round);
    free(r->rstart);
    free(r->rstop);
    if (r->pool_ready) tx_pool_free(&r->pool);
    for (uint32_t i = 0; r->ixs && i < r->threads; i++) cx_index_free(&r->ixs[i]);
    free(r->ixs);
    free(r->cstart);
    cs_conf_free(&r->cf);
    st_schema_free(r->schema);
    st_buf_unref(r->data);
    free(r->null_copy);
    free(r->source);
    free(r);
}

/* ---- pass 2 ---------------------------------------------------------------- */

typedef struct round_job {
    st_csv_reader *r;
} round_job;

static st_status round_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    st_csv_reader *r = ((round_job *)ctx)->r;
    size_t k = r->next_chunk + task;
    r->rstart[task] = r->cstart[k];
    return run_chunk(r, &r->round[task], &r->ixs[worker], r->cstart[k], r->cstart[k + 1],
                     &r->rstop[task], e);
}

static void reset_state(st_csv_reader *r, cx_state *st) {
    tx_rows_recycle(&st->rows, &r->pool);
    tx_badlist_reset(&st->bad);
    st->line = st->records = st->nrows = st->nbad = 0;
}

static st_status next_round(st_csv_reader *r, st_error *e) {
    for (size_t i = 0; i < r->round_n; i++) reset_state(r, &r->round[i]);
    r->round_n = 0;
    r->cur = 0;
    if (r->next_chunk >= r->nchunks) {
        r->done = true;
        return ST_OK;
    }
    size_t m = r->nchunks - r->next_chunk;
    if (m > r->round_cap) m = r->round_cap;
    round_job job = {r};
    ST_TRY(st_parallel_for(r->threads, m, round_task, &job, e));
    for (size_t i = 0; i < m; i++) {
        size_t k = r->next_chunk + i;
        if (r->rstart[i] != r->prev_stop) { /* speculation failed: redo from the real start */
            reset_state(r, &r->round[i]);
            if (r->prev_stop >= r->cstart[k + 1]) {
                r->rstop[i] = r->prev_stop;
            } else {
                ST_TRY(run_chunk(r, &r->round[i], &r->ixs[0], r->prev_stop, r->cstart[k + 1],
                                 &r->rstop[i], e));
            }
            r->rstart[i] = r->prev_stop;
        }
        r->prev_stop = r->rstop[i];
    }
    r->next_chunk += m;
    r->round_n = m;
    r->out_idx = r->bad_idx = 0;
    r->row_cursor = 0;
    return ST_OK;
}

st_status st_csv_next(st_csv_reader *r, st_text_chunk *out, st_error *e) {
    memset(out, 0, sizeof *out);
    if (r->sticky != ST_OK) {
        if (e) *e = r->sticky_err;
        return r->sticky;
    }
    st_status rc = ST_OK;
    for (;;) {
        if (r->cur >= r->round_n) {
            if (r->done) return ST_OK;
            ST_CHECK(rc, next_round(r, e));
            continue;
        }
        cx_state *st = &r->round[r->cur];
        if (r->out_idx < st->rows.n) {
            tx_out *o = &st->rows.outs[r->out_idx];
            uint64_t end = r->row_cursor + o->batch->len;
            uint32_t b1 = r->bad_idx;
            while (b1 < st->bad.n && st->bad.items[b1].row_before < end) b1++;
            ST_CHECK(rc, tx_bad_deliver(&st->bad, r->bad_idx, b1, r->line_base + 1, r->source,
                                        r->o.on_bad, r->o.bad_ctx, r->o.strict, e));
            r->bad_idx = b1;
            for (uint32_t i = 0; i < o->batch->len; i++) o->line[i] += r->line_base + 1;
            tx_out_finish(o);
            out->batch = o->batch;
            out->line = o->line;
            out->offset = o->offset;
            r->row_cursor = end;
            r->out_idx++;
            return ST_OK;
        }
        ST_CHECK(rc, tx_bad_deliver(&st->bad, r->bad_idx, st->bad.n, r->line_base + 1, r->source,
                                    r->o.on_bad, r->o.bad_ctx, r->o.strict, e));
        r->stats.records += st->records;
        r->stats.rows += st->nrows;
        r->stats.bad += st->nbad;
        r->stats.lines += st->line;
        r->stats.bytes += r->rstop[r->cur] - r->rstart[r->cur];
        r->line_base += st->line;
        r->cur++;
        r->out_idx = r->bad_idx = 0;
        r->row_cursor = 0;
    }
cleanup:
    r->sticky = rc;
    if (e) r->sticky_err = *e;
    else r->sticky_err.code = rc;
    return rc;
}
