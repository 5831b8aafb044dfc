/*
 * ndjson_push.c: the NDJSON push parser for streams (ndjson.h).
 *
 * Complete lines of the pending buffer are parsed as soon as the schema is
 * decided (at once with a fixed schema and no evolution, else on the first
 * 64 KiB / sample_rows records / flush / finish).  The partial last line
 * stays pending; one that grows past max_record is reported with its first
 * bytes and dropped up to its line end, so memory stays bounded.
 *
 * Evolution (unknown == EVOLVE): parsing stops at the first record with a
 * key the schema lacks; the new keys are typed by inference over every
 * complete record still pending, appended to the schema, and parsing goes
 * on with batches of the new width.  Batches already filled keep the old
 * width: each schema "generation" keeps its own rows and batch pool, and
 * chunks are handed out oldest generation first, tagged with their
 * schema_version.
 */
#include <stdlib.h>
#include <string.h>

#include "format/ndjson_int.h"

st_status nj_check_options(const st_ndjson_options *o, const char *src, st_error *e);
st_status nj_recognize(const char *p, size_t n, bool eof, const st_ndjson_options *o,
                       const char *src, st_error *e);

typedef struct nj_gen {
    tx_pool pool;
    tx_rows rows;
    uint32_t version;
} nj_gen;

struct st_ndjson_push {
    st_ndjson_options o;
    char *source;
    st_schema *fixed_copy;
    char *buf;
    size_t len, cap, start;
    uint64_t abs;
    bool bom_done, decided, finished;
    size_t retry_at;
    st_schema *schema;
    nj_conf cf;
    bool cf_ready;
    tx_pool pool;
    bool pool_ready;
    nj_state st;
    nj_gen *old;
    uint32_t nold, oldcap;
    uint32_t version;
    bool skipping, skip_last_cr;
    uint64_t skip_off, skip_line, skip_len;
    char *skip_prefix;
    size_t skip_plen;
    st_status sticky;
    st_error sticky_err;
};

st_status st_ndjson_push_new(const st_ndjson_options *o, st_ndjson_push **out, st_error *e) {
    *out = NULL;
    st_ndjson_options def;
    if (!o) {
        st_ndjson_options_init(&def);
        o = &def;
    }
    const char *src = o->source ? o->source : "<stream>";
    ST_TRY(nj_check_options(o, src, e));
    st_ndjson_push *p = calloc(1, sizeof *p);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    p->o = *o;
    p->source = strdup(src);
    if (o->schema) p->fixed_copy = st_schema_clone(o->schema);
    p->o.schema = p->fixed_copy;
    if (!p->source || (o->schema && !p->fixed_copy)) {
        st_ndjson_push_free(p);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    *out = p;
    return ST_OK;
}

void st_ndjson_push_free(st_ndjson_push *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->nold; i++) {
        tx_rows_free(&p->old[i].rows, &p->old[i].pool);
        tx_pool_free(&p->old[i].pool);
    }
    free(p->old);
    nj_state_free(&p->st, p->pool_ready ? &p->pool : NULL);
    if (p->pool_ready) tx_pool_free(&p->pool);
    if (p->cf_ready) nj_conf_free(&p->cf);
    st_schema_free(p->schema);
    st_schema_free(p->fixed_copy);
    free(p->skip_prefix);
    free(p->buf);
    free(p->source);
    free(p);
}

const st_schema *st_ndjson_push_schema(const st_ndjson_push *p) {
    return p->decided ? p->schema : NULL;
}

void st_ndjson_push_stats(const st_ndjson_push *p, st_text_stats *out) {
    memset(out, 0, sizeof *out);
    out->records = p->st.records;
    out->rows = p->st.nrows;
    out->bad = p->st.nbad;
    out->lines = p->st.line;
    out->bytes = p->abs + p->start;
}

static st_status fail_sticky(st_ndjson_push *p, st_status rc, st_error *e) {
    p->sticky = rc;
    if (e) p->sticky_err = *e;
    else p->sticky_err.code = rc;
    return rc;
}

static void compact(st_ndjson_push *p) {
    if (p->start == 0) return;
    if (p->start < p->len && p->start < p->len / 2 && p->start < (1u << 20)) return;
    memmove(p->buf, p->buf + p->start, p->len - p->start);
    p->abs += p->start;
    p->len -= p->start;
    p->start = 0;
}

/* Inference over the complete lines pending (or all with eof). */
static st_status infer_pending(st_ndjson_push *p, bool eof, uint64_t limit, nj_dict *d,
                               uint64_t *records, st_error *e) {
    nj_state is;
    memset(&is, 0, sizeof is);
    is.infer = d;
    is.limit = limit;
    size_t consumed;
    st_status rc = nj_consume(&p->cf, &is, NULL, p->buf + p->start, p->len - p->start,
                              p->abs + p->start, eof, &consumed, e);
    *records = is.records;
    nj_state_free(&is, NULL);
    return rc;
}

static st_status setup_conf(st_ndjson_push *p, st_error *e) {
    if (p->cf_ready) nj_conf_free(&p->cf);
    p->cf_ready = false;
    ST_TRY(nj_conf_init(&p->cf, p->schema, &p->o, NULL, e));
    p->cf_ready = true;
    p->cf.evolve_stop = p->o.unknown == ST_TEXT_UNKNOWN_EVOLVE;
    uint32_t br = p->o.batch_rows ? p->o.batch_rows : ST_TEXT_BATCH_ROWS_DEFAULT;
    ST_TRY(tx_pool_init(&p->pool, p->cf.types, p->cf.nout, br, e));
    p->pool_ready = true;
    return ST_OK;
}

static st_status try_decide(st_ndjson_push *p, bool force, bool eof, st_error *e) {
    if (!p->bom_done) {
        size_t n = p->len - p->start;
        if (n < 3 && !eof) return ST_OK;
        const unsigned char *u = (const unsigned char *)p->buf + p->start;
        if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
            return st_error_set(e, ST_ERR_FORMAT, "%s: UTF-16 text (byte order mark) is not "
                                "supported: convert the file to UTF-8", p->source);
        if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) p->start += 3;
        p->bom_done = true;
    }
    size_t avail = p->len - p->start;
    bool complete = avail && memchr(p->buf + p->start, '\n', avail) != NULL;
    if (!eof) {
        bool enough = avail >= ST_TEXT_SNIFF_BYTES && complete;
        if (!enough && p->o.sample_rows) {
            uint64_t lines = 0;
            for (const char *q = p->buf + p->start, *end = p->buf + p->len;
                 (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
                if (++lines > p->o.sample_rows) break;
            enough = lines > p->o.sample_rows;
        }
        if (!enough && !(force && complete)) return ST_OK;
        if (!force && avail < p->retry_at) return ST_OK;
    }
    ST_TRY(nj_recognize(p->buf + p->start, avail, eof, &p->o, p->source, e));
    st_schema *none = st_schema_new();
    if (!none) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = nj_conf_init(&p->cf, none, &p->o, NULL, e);
    st_schema_free(none);
    if (rc != ST_OK) return rc;
    p->cf_ready = true;
    if (!p->o.schema || p->o.unknown == ST_TEXT_UNKNOWN_EVOLVE) {
        nj_dict d;
        nj_dict_init(&d, true);
        uint64_t records = 0;
        rc = infer_pending(p, eof, p->o.sample_rows, &d, &records, e);
        if (rc == ST_OK && records == 0 && !eof && !force && avail < p->cf.max_record) {
            nj_dict_free(&d);
            nj_conf_free(&p->cf);
            p->cf_ready = false;
            p->retry_at = avail * 2;
            return ST_OK; /* not one whole record yet */
        }
        if (rc == ST_OK) rc = nj_schema_from(&d, &p->o, &p->schema, e);
        nj_dict_free(&d);
        if (rc != ST_OK) return rc;
    } else {
        p->schema = st_schema_clone(p->o.schema);
        if (!p->schema) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    ST_TRY(setup_conf(p, e));
    p->version = 1;
    p->decided = true;
    return ST_OK;
}

/* A record brought keys the schema lacks: type them on the pending records,
 * append them, and start a new generation of batches. */
static st_status evolve(st_ndjson_push *p, bool eof, bool *added, st_error *e) {
    nj_dict d;
    nj_dict_init(&d, true);
    uint64_t records;
    st_status rc = infer_pending(p, eof, 0, &d, &records, e);
    uint32_t before = p->schema->nfields;
    for (uint32_t k = 0; rc == ST_OK && k < d.n; k++) {
        if (st_schema_find_n(p->schema, d.names[k], d.lens[k]) >= 0) continue;
        rc = st_schema_add(p->schema, d.names[k], tx_stat_resolve(&d.stats[k]), 0, true, e);
    }
    nj_dict_free(&d);
    if (rc != ST_OK) return rc;
    *added = p->schema->nfields > before;
    if (!*added) return ST_OK;
    if (p->nold == p->oldcap) {
        uint32_t nc = p->oldcap ? p->oldcap * 2 : 4;
        nj_gen *ng = realloc(p->old, nc * sizeof *ng);
        if (!ng) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        p->old = ng;
        p->oldcap = nc;
    }
    nj_gen *g = &p->old[p->nold++];
    g->pool = p->pool;
    pthread_mutex_init(&g->pool.mu, NULL); /* a fresh lock for the moved pool */
    g->rows = p->st.rows;
    g->version = p->version;
    memset(&p->st.rows, 0, sizeof p->st.rows);
    p->pool_ready = false;
    p->version++;
    return setup_conf(p, e);
}

static st_status deliver(st_ndjson_push *p, st_error *e) {
    st_status rc = tx_bad_deliver(&p->st.bad, 0, p->st.bad.n, 1, p->source, p->o.on_bad,
                                  p->o.bad_ctx, p->o.strict, e);
    tx_badlist_reset(&p->st.bad);
    return rc;
}

static st_status finish_skip(st_ndjson_push *p, st_error *e) {
    uint64_t len = p->skip_len - (p->skip_last_cr ? 1 : 0);
    tx_bad_begin(&p->st.bad, p->skip_line, p->skip_off, p->skip_prefix, p->skip_plen, len, true,
                 true, p->st.rows.rows);
    tx_bad_reason(&p->st.bad, -1, NULL, "record longer than max_record (%zu bytes): %llu bytes",
                  p->cf.max_record, (unsigned long long)len);
    p->st.records++;
    p->st.nbad++;
    free(p->skip_prefix);
    p->skip_prefix = NULL;
    p->skipping = false;
    return deliver(p, e);
}

static st_status process(st_ndjson_push *p, bool eof, st_error *e) {
    for (;;) {
        if (p->skipping) {
            const char *nl = p->len > p->start ? memchr(p->buf + p->start, '\n', p->len - p->start) : NULL;
            size_t t = nl ? (size_t)(nl - p->buf) : p->len;
            if (t > p->start) p->skip_last_cr = p->buf[t - 1] == '\r';
            p->skip_len += t - p->start;
            if (!nl) {
                p->start = p->len;
                compact(p);
                if (eof) return finish_skip(p, e);
                return ST_OK;
            }
            p->start = t + 1;
            ST_TRY(finish_skip(p, e));
            p->st.line++;
        }
        size_t consumed;
        ST_TRY(nj_consume(&p->cf, &p->st, &p->pool, p->buf + p->start, p->len - p->start,
                          p->abs + p->start, eof, &consumed, e));
        p->start += consumed;
        ST_TRY(deliver(p, e));
        if (p->st.stopped_unknown) {
            bool added = false;
            ST_TRY(evolve(p, eof, &added, e));
            if (!added) { /* the keys could not be typed: reject that record */
                p->cf.evolve_stop = false;
                const char *nl = p->len > p->start ? memchr(p->buf + p->start, '\n', p->len - p->start) : NULL;
                size_t one = nl ? (size_t)(nl - p->buf) + 1 - p->start : p->len - p->start;
                st_status rc = nj_consume(&p->cf, &p->st, &p->pool, p->buf + p->start, one,
                                          p->abs + p->start, true, &consumed, e);
                p->cf.evolve_stop = true;
                ST_TRY(rc);
                p->start += consumed;
                ST_TRY(deliver(p, e));
            }
            continue;
        }
        size_t rest = p->len - p->start;
        if (!eof && rest > p->cf.max_record + 1) {
            p->skipping = true;
            p->skip_off = p->abs + p->start;
            p->skip_line = p->st.line;
            p->skip_plen = rest < ST_TEXT_BAD_PREFIX ? rest : ST_TEXT_BAD_PREFIX;
            p->skip_prefix = malloc(p->skip_plen ? p->skip_plen : 1);
            if (!p->skip_prefix) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            memcpy(p->skip_prefix, p->buf + p->start, p->skip_plen);
            p->skip_len = rest;
            p->skip_last_cr = p->buf[p->len - 1] == '\r';
            p->start = p->len;
            compact(p);
            continue;
        }
        compact(p);
        return ST_OK;
    }
}

static st_status append(st_ndjson_push *p, const void *data, size_t n, st_error *e) {
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

st_status st_ndjson_push_feed(st_ndjson_push *p, const void *data, size_t n, st_error *e) {
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (p->finished) return st_error_set(e, ST_ERR_INVALID, "%s: feed after finish", p->source);
    st_status rc;
    bool was_decided = p->decided;
    if (p->skipping) {
        const char *c = data, *nl = memchr(c, '\n', n);
        size_t i = nl ? (size_t)(nl - c) : n;
        if (i) p->skip_last_cr = c[i - 1] == '\r';
        p->skip_len += i;
        p->abs += i; /* the buffer is empty while skipping */
        data = c + i;
        n -= i;
        if (n == 0) return ST_OK;
    }
    if ((rc = append(p, data, n, e)) != ST_OK) return fail_sticky(p, rc, e);
    if (!p->decided && (rc = try_decide(p, false, false, e)) != ST_OK) return fail_sticky(p, rc, e);
    if (p->decided) {
        /* a line end must have arrived for anything to be complete */
        if (was_decided && !p->skipping && !memchr((const char *)data, '\n', n) &&
            p->len - p->start <= p->cf.max_record + 1)
            return ST_OK;
        if ((rc = process(p, false, e)) != ST_OK) return fail_sticky(p, rc, e);
    }
    return ST_OK;
}

st_status st_ndjson_push_flush(st_ndjson_push *p, st_error *e) {
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (p->finished) return ST_OK;
    st_status rc;
    if (!p->decided && (rc = try_decide(p, true, false, e)) != ST_OK) return fail_sticky(p, rc, e);
    if (p->decided && (rc = process(p, false, e)) != ST_OK) return fail_sticky(p, rc, e);
    return ST_OK;
}

st_status st_ndjson_push_finish(st_ndjson_push *p, st_error *e) {
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (p->finished) return ST_OK;
    p->finished = true;
    st_status rc;
    if (!p->decided && (rc = try_decide(p, true, true, e)) != ST_OK) return fail_sticky(p, rc, e);
    if (p->decided && (rc = process(p, true, e)) != ST_OK) return fail_sticky(p, rc, e);
    return ST_OK;
}

static void hand_out(tx_out *o, st_text_chunk *out, uint32_t version) {
    for (uint32_t i = 0; i < o->batch->len; i++) o->line[i] += 1;
    tx_out_finish(o);
    out->batch = o->batch;
    out->line = o->line;
    out->offset = o->offset;
    out->schema_version = version;
}

st_status st_ndjson_push_take(st_ndjson_push *p, bool partial, st_text_chunk *out, st_error *e) {
    memset(out, 0, sizeof *out);
    if (p->sticky != ST_OK) {
        if (e) *e = p->sticky_err;
        return p->sticky;
    }
    if (!p->decided) return ST_OK;
    for (uint32_t i = 0; i < p->nold; i++) tx_rows_drop_taken(&p->old[i].rows, &p->old[i].pool);
    tx_rows_drop_taken(&p->st.rows, &p->pool);
    while (p->nold && p->old[0].rows.n == 0) {
        tx_rows_free(&p->old[0].rows, &p->old[0].pool);
        tx_pool_free(&p->old[0].pool);
        memmove(p->old, p->old + 1, (p->nold - 1) * sizeof *p->old);
        p->nold--;
    }
    if (p->nold) { /* an older generation: sealed, hand out whatever it has */
        nj_gen *g = &p->old[0];
        g->rows.taken = 1;
        hand_out(&g->rows.outs[0], out, g->version);
        return ST_OK;
    }
    tx_rows *r = &p->st.rows;
    if (r->n == 0) return ST_OK;
    tx_out *o = &r->outs[0];
    if (o->batch->len == 0) return ST_OK;
    bool full = o->batch->len >= p->pool.batch_rows;
    if (!full && !partial && r->n == 1 && !p->finished) return ST_OK;
    r->taken = 1;
    hand_out(o, out, p->version);
    return ST_OK;
}
