/*
 * ndjson_read.c: the NDJSON reader over a whole input (ndjson.h).
 *
 * A record never spans lines, so the input is cut into chunks right after
 * line ends and every cut is exact (no speculation, unlike CSV).  Pass 1
 * (inference, when there is no fixed schema or keys may evolve) gives every
 * chunk its own dictionary of dotted keys with type stats; the dictionaries
 * are merged in chunk order, which yields the keys in order of first
 * appearance, exactly as one sequential pass would.  Pass 2 parses rounds
 * of 2 x threads chunks in parallel and hands their batches out in order,
 * each preceded by the bad records met before its last row.
 */
#include <stdlib.h>
#include <string.h>

#include "format/ndjson_int.h"
#include "format/pool.h"

struct st_ndjson_reader {
    char *source;
    st_buf *data;
    const char *base;
    size_t len;
    size_t data_start;
    st_ndjson_options o;
    st_schema *schema;
    nj_conf cf;
    bool cf_ready;
    tx_pool pool;
    bool pool_ready;
    uint32_t threads, batch_rows;
    size_t *cstart;
    size_t nchunks;
    size_t next_chunk;
    nj_state *round;
    size_t round_cap, round_n, cur;
    uint32_t out_idx, bad_idx;
    uint64_t row_cursor;
    uint64_t line_base;
    st_text_stats stats;
    bool done;
    st_status sticky;
    st_error sticky_err;
};

void st_ndjson_options_init(st_ndjson_options *o) {
    memset(o, 0, sizeof *o);
    o->unknown = ST_TEXT_UNKNOWN_REJECT;
}

st_status nj_check_options(const st_ndjson_options *o, const char *src, st_error *e);
st_status nj_check_options(const st_ndjson_options *o, const char *src, st_error *e) {
    if (o->max_depth > 1000)
        return st_error_set(e, ST_ERR_INVALID, "%s: max_depth is at most 1000", src);
    if (o->max_record > (1u << 30))
        return st_error_set(e, ST_ERR_INVALID, "%s: max_record is at most 1 GiB", src);
    if (o->batch_rows > (1u << 20))
        return st_error_set(e, ST_ERR_INVALID, "%s: batch_rows is at most 1048576", src);
    return ST_OK;
}

/* Recognition: not binary, and the first non-blank line is a JSON object. */
st_status nj_recognize(const char *p, size_t n, bool eof, const st_ndjson_options *o,
                       const char *src, st_error *e);
st_status nj_recognize(const char *p, size_t n, bool eof, const st_ndjson_options *o,
                       const char *src, st_error *e) {
    ST_TRY(tx_recognize_text(p, n, src, "NDJSON", e));
    size_t m = n < ST_TEXT_SNIFF_BYTES ? n : ST_TEXT_SNIFF_BYTES;
    size_t i = 0;
    uint64_t line = 1;
    for (;;) {
        while (i < m && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
        if (i < m && p[i] == '\n') {
            i++;
            line++;
            continue;
        }
        break;
    }
    if (i >= m) return ST_OK; /* blank so far: nothing to refuse */
    const char *nl = memchr(p + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - p) : n;
    uint32_t depth = o->max_depth ? o->max_depth : ST_NDJSON_MAX_DEPTH_DEFAULT;
    bool whole = nl || eof;
    if (p[i] != '{' || (whole && end - i <= ST_TEXT_SNIFF_BYTES * 16 &&
                        !nj_is_object_line(p + i, end - i, depth)))
        return st_error_set(e, ST_ERR_FORMAT, "%s: not NDJSON: line %llu is not a JSON object",
                            src, (unsigned long long)line);
    return ST_OK;
}

size_t nj_test_chunk_bytes; /* tests: force small chunks (0 = automatic) */

static void make_chunks(st_ndjson_reader *r) {
    size_t region = r->len - r->data_start;
    size_t target = region / ((size_t)r->threads * 8);
    if (target < (256u << 10)) target = 256u << 10;
    if (target > (8u << 20)) target = 8u << 20;
    if (nj_test_chunk_bytes) target = nj_test_chunk_bytes;
    size_t max = region / target + 2;
    r->cstart = malloc((max + 1) * sizeof *r->cstart);
    if (!r->cstart) return;
    size_t n = 0, pos = r->data_start;
    r->cstart[n++] = pos;
    while (n < max) {
        size_t nominal = pos + target;
        if (nominal >= r->len) break;
        const char *lf = memchr(r->base + nominal, '\n', r->len - nominal);
        if (!lf || (size_t)(lf - r->base) + 1 >= r->len) break;
        pos = (size_t)(lf - r->base) + 1;
        r->cstart[n++] = pos;
    }
    r->nchunks = n;
    r->cstart[n] = r->len;
}

static st_status run_chunk(st_ndjson_reader *r, nj_state *st, size_t k, st_error *e) {
    size_t start = r->cstart[k], end = r->cstart[k + 1], consumed;
    return nj_consume(&r->cf, st, &r->pool, r->base + start, end - start, start, true, &consumed, e);
}

typedef struct infer_job {
    st_ndjson_reader *r;
    nj_state *st;
} infer_job;

static st_status infer_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    (void)worker;
    infer_job *j = ctx;
    return run_chunk(j->r, &j->st[task], task, e);
}

static st_status merge_dict(nj_dict *g, const nj_dict *l, st_error *e) {
    for (uint32_t k = 0; k < l->n; k++) {
        int32_t c = nj_dict_find(g, l->names[k], l->lens[k], l->hashes[k]);
        if (c < 0) c = nj_dict_add(g, l->names[k], l->lens[k], l->hashes[k]);
        if (c < 0) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        tx_stat_merge(&g->stats[c], &l->stats[k]);
    }
    return ST_OK;
}

static st_status infer_schema(st_ndjson_reader *r, st_error *e) {
    nj_dict global;
    nj_dict_init(&global, true);
    st_status rc = ST_OK;
    size_t nc = r->o.sample_rows ? 1 : r->nchunks;
    nj_state *sts = calloc(nc, sizeof *sts);
    nj_dict *dicts = calloc(nc, sizeof *dicts);
    if (!sts || !dicts) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    for (size_t k = 0; rc == ST_OK && k < nc; k++) {
        nj_dict_init(&dicts[k], true);
        sts[k].infer = &dicts[k];
        sts[k].limit = r->o.sample_rows;
    }
    if (rc == ST_OK) {
        if (r->o.sample_rows) {
            size_t consumed;
            rc = nj_consume(&r->cf, &sts[0], NULL, r->base + r->data_start,
                            r->len - r->data_start, r->data_start, true, &consumed, e);
        } else {
            infer_job job = {r, sts};
            rc = st_parallel_for(r->threads, nc, infer_task, &job, e);
        }
    }
    for (size_t k = 0; rc == ST_OK && k < nc; k++) rc = merge_dict(&global, &dicts[k], e);
    if (rc == ST_OK) rc = nj_schema_from(&global, &r->o, &r->schema, e);
    for (size_t k = 0; sts && k < nc; k++) {
        nj_state_free(&sts[k], NULL);
        if (dicts) nj_dict_free(&dicts[k]);
    }
    free(sts);
    free(dicts);
    nj_dict_free(&global);
    return rc;
}

st_status st_ndjson_open_buf(st_buf *data, const st_ndjson_options *o, st_ndjson_reader **out,
                             st_error *e) {
    *out = NULL;
    st_ndjson_options def;
    if (!o) {
        st_ndjson_options_init(&def);
        o = &def;
    }
    const char *src = o->source ? o->source : "<input>";
    ST_TRY(nj_check_options(o, src, e));
    st_ndjson_reader *r = calloc(1, sizeof *r);
    if (!r) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    r->o = *o;
    r->source = strdup(src);
    r->data = st_buf_ref(data);
    r->base = st_buf_data(data);
    r->len = st_buf_len(data);
    r->threads = st_thread_count(o->threads);
    r->batch_rows = o->batch_rows ? o->batch_rows : ST_TEXT_BATCH_ROWS_DEFAULT;
    if (!r->source) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    const unsigned char *u = (const unsigned char *)r->base;
    if (r->len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        rc = st_error_set(e, ST_ERR_FORMAT, "%s: UTF-16 text (byte order mark) is not supported: "
                          "convert the file to UTF-8", src);
        goto cleanup;
    }
    if (r->len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) r->data_start = 3;
    ST_CHECK(rc, nj_recognize(r->base + r->data_start, r->len - r->data_start, true, o, src, e));
    make_chunks(r);
    if (!r->cstart) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    /* a provisional conf (no columns) drives pass 1 */
    st_schema *none = st_schema_new();
    if (!none) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    rc = nj_conf_init(&r->cf, none, o, r->data, e);
    st_schema_free(none);
    if (rc != ST_OK) goto cleanup;
    r->cf_ready = true;
    if (!o->schema || o->unknown == ST_TEXT_UNKNOWN_EVOLVE) {
        ST_CHECK(rc, infer_schema(r, e));
    } else {
        r->schema = st_schema_clone(o->schema);
        if (!r->schema) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    nj_conf_free(&r->cf);
    r->cf_ready = false;
    ST_CHECK(rc, nj_conf_init(&r->cf, r->schema, o, r->data, e));
    r->cf_ready = true;
    ST_CHECK(rc, tx_pool_init(&r->pool, r->cf.types, r->cf.nout, r->batch_rows, e));
    r->pool_ready = true;
    r->round_cap = (size_t)r->threads * 2;
    r->round = calloc(r->round_cap, sizeof *r->round);
    if (!r->round) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < r->round_cap; i++) r->round[i].rows.pin = r->data;
    r->done = r->data_start >= r->len;
    *out = r;
    return ST_OK;
cleanup:
    st_ndjson_close(r);
    return rc;
}

st_status st_ndjson_open_file(const char *path, const st_ndjson_options *o,
                              st_ndjson_reader **out, st_error *e) {
    st_buf *b = NULL;
    ST_TRY(st_file_map(path, &b, e));
    st_ndjson_options oo;
    if (o) oo = *o;
    else st_ndjson_options_init(&oo);
    if (!oo.source) oo.source = path;
    st_status rc = st_ndjson_open_buf(b, &oo, out, e);
    st_buf_unref(b);
    return rc;
}

const st_schema *st_ndjson_schema(const st_ndjson_reader *r) { return r->schema; }
void st_ndjson_stats(const st_ndjson_reader *r, st_text_stats *out) { *out = r->stats; }

void st_ndjson_close(st_ndjson_reader *r) {
    if (!r) return;
    for (size_t i = 0; r->round && i < r->round_cap; i++)
        nj_state_free(&r->round[i], r->pool_ready ? &r->pool : NULL);
    free(r->round);
    if (r->pool_ready) tx_pool_free(&r->pool);
    if (r->cf_ready) nj_conf_free(&r->cf);
    free(r->cstart);
    st_schema_free(r->schema);
    st_buf_unref(r->data);
    free(r->source);
    free(r);
}

typedef struct round_job {
    st_ndjson_reader *r;
} round_job;

static st_status round_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    (void)worker;
    st_ndjson_reader *r = ((round_job *)ctx)->r;
    return run_chunk(r, &r->round[task], r->next_chunk + task, e);
}

static st_status next_round(st_ndjson_reader *r, st_error *e) {
    for (size_t i = 0; i < r->round_n; i++) {
        nj_state *st = &r->round[i];
        tx_rows_recycle(&st->rows, &r->pool);
        tx_badlist_reset(&st->bad);
        st->line = st->records = st->nrows = st->nbad = 0;
    }
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
    r->next_chunk += m;
    r->round_n = m;
    r->out_idx = r->bad_idx = 0;
    r->row_cursor = 0;
    return ST_OK;
}

st_status st_ndjson_next(st_ndjson_reader *r, st_text_chunk *out, st_error *e) {
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
        nj_state *st = &r->round[r->cur];
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
            out->schema_version = 1;
            r->row_cursor = end;
            r->out_idx++;
            return ST_OK;
        }
        ST_CHECK(rc, tx_bad_deliver(&st->bad, r->bad_idx, st->bad.n, r->line_base + 1, r->source,
                                    r->o.on_bad, r->o.bad_ctx, r->o.strict, e));
        size_t k = r->next_chunk - r->round_n + r->cur;
        r->stats.records += st->records;
        r->stats.rows += st->nrows;
        r->stats.bad += st->nbad;
        r->stats.lines += st->line;
        r->stats.bytes += r->cstart[k + 1] - r->cstart[k];
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
