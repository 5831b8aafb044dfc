/*
 * text_util.c: bad-record lists, row queues and the SIMD switch shared by the
 * text readers (text_int.h).
 *
 * Bad records are collected per chunk, possibly on a worker thread, with
 * their messages in the list's own arena; raw bytes point into the input
 * when it outlives the list (a mapped file), else are copied.  Delivery
 * happens later on the caller's thread, in input order, with the chunk's
 * first line added to the relative line numbers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/text_int.h"

/* ---- bad records -------------------------------------------------------- */

void tx_badlist_reset(tx_badlist *l) {
    l->n = l->nr = 0;
    l->failed = false;
    if (l->arena) st_arena_reset(l->arena);
}

void tx_badlist_free(tx_badlist *l) {
    free(l->items);
    free(l->reasons);
    st_arena_free(l->arena);
    memset(l, 0, sizeof *l);
}

void tx_bad_begin(tx_badlist *l, uint64_t line, uint64_t offset, const char *raw, size_t raw_len,
                  uint64_t record_len, bool truncated, bool copy_raw, uint64_t row_before) {
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 16;
        tx_bad_item *ni = realloc(l->items, nc * sizeof *ni);
        if (!ni) {
            l->failed = true;
            return;
        }
        l->items = ni;
        l->cap = nc;
    }
    if (!l->arena && !(l->arena = st_arena_new(0))) {
        l->failed = true;
        return;
    }
    if (raw_len > ST_TEXT_BAD_PREFIX) {
        raw_len = ST_TEXT_BAD_PREFIX;
        truncated = true;
    }
    if (copy_raw) {
        char *c = st_arena_memdup(l->arena, raw, raw_len);
        if (!c && raw_len) {
            l->failed = true;
            return;
        }
        raw = c;
    }
    tx_bad_item *it = &l->items[l->n++];
    it->line = line;
    it->offset = offset;
    it->raw = raw;
    it->raw_len = raw_len;
    it->record_len = record_len;
    it->truncated = truncated;
    it->first_reason = l->nr;
    it->nreasons = 0;
    it->row_before = row_before;
}

void tx_bad_reason(tx_badlist *l, int32_t column, const char *column_name, const char *fmt, ...) {
    if (l->failed || l->n == 0) return;
    if (l->nr == l->rcap) {
        uint32_t nc = l->rcap ? l->rcap * 2 : 16;
        st_text_reason *nr = realloc(l->reasons, nc * sizeof *nr);
        if (!nr) {
            l->failed = true;
            return;
        }
        l->reasons = nr;
        l->rcap = nc;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *m = st_arena_strndup(l->arena, buf, strlen(buf));
    char *cn = column_name ? st_arena_strndup(l->arena, column_name, strlen(column_name)) : NULL;
    if (!m || (column_name && !cn)) {
        l->failed = true;
        return;
    }
    st_text_reason *r = &l->reasons[l->nr++];
    r->column = column;
    r->column_name = cn;
    r->message = m;
    l->items[l->n - 1].nreasons++;
}

st_status tx_bad_deliver(const tx_badlist *l, uint32_t from, uint32_t to, uint64_t line_base,
                         const char *source, st_text_bad_fn fn, void *ctx, bool strict,
                         st_error *e) {
    if (l->failed) return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory recording bad records", source);
    for (uint32_t i = from; i < to; i++) {
        const tx_bad_item *it = &l->items[i];
        st_text_bad b = {
            .source = source,
            .line = it->line + line_base,
            .offset = it->offset,
            .raw = it->raw,
            .raw_len = it->raw_len,
            .record_len = it->record_len,
            .truncated = it->truncated,
            .nreasons = it->nreasons,
            .reasons = l->reasons + it->first_reason,
        };
        if (fn) {
            st_status rc = fn(ctx, &b, e);
            if (rc != ST_OK) return rc;
        }
        if (strict) {
            const st_text_reason *r = b.nreasons ? &b.reasons[0] : NULL;
            if (r && r->column_name)
                return st_error_set(e, ST_ERR_PARSE, "%s: line %llu (byte %llu), column %s: %s",
                                    source, (unsigned long long)b.line,
                                    (unsigned long long)b.offset, r->column_name, r->message);
            if (r && r->column >= 0)
                return st_error_set(e, ST_ERR_PARSE, "%s: line %llu (byte %llu), column %d: %s",
                                    source, (unsigned long long)b.line,
                                    (unsigned long long)b.offset, r->column + 1, r->message);
            return st_error_set(e, ST_ERR_PARSE, "%s: line %llu (byte %llu): %s", source,
                                (unsigned long long)b.line, (unsigned long long)b.offset,
                                r ? r->message : "bad record");
        }
    }
    return ST_OK;
}

/* ---- row queues --------------------------------------------------------- */

st_status tx_pool_init(tx_pool *p, const st_type *types, uint32_t ncols, uint32_t batch_rows,
                       st_error *e) {
    memset(p, 0, sizeof *p);
    p->types = malloc((ncols ? ncols : 1) * sizeof *types);
    if (!p->types) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    if (ncols) memcpy(p->types, types, ncols * sizeof *types);
    p->ncols = ncols;
    p->batch_rows = batch_rows;
    pthread_mutex_init(&p->mu, NULL);
    return ST_OK;
}

static void out_free(tx_out *o) {
    st_batch_free(o->batch);
    free(o->line);
    free(o->offset);
    o->batch = NULL;
    o->line = o->offset = NULL;
}

void tx_pool_free(tx_pool *p) {
    for (uint32_t i = 0; i < p->nfree; i++) out_free(&p->free_o[i]);
    free(p->free_o);
    free(p->types);
    pthread_mutex_destroy(&p->mu);
    memset(p, 0, sizeof *p);
}

static bool pool_get(tx_pool *p, tx_out *o) {
    pthread_mutex_lock(&p->mu);
    if (p->nfree) {
        *o = p->free_o[--p->nfree];
        pthread_mutex_unlock(&p->mu);
        return true;
    }
    pthread_mutex_unlock(&p->mu);
    o->batch = st_batch_new(p->types, p->ncols, p->batch_rows);
    o->line = malloc((size_t)p->batch_rows * 8);
    o->offset = malloc((size_t)p->batch_rows * 8);
    if (!o->batch || !o->line || !o->offset) {
        out_free(o);
        return false;
    }
    return true;
}

static void pool_put(tx_pool *p, tx_out *o) {
    if (!o->batch) return;
    st_batch_reset(o->batch);
    pthread_mutex_lock(&p->mu);
    if (p->nfree == p->cap) {
        uint32_t nc = p->cap ? p->cap * 2 : 8;
        tx_out *nf = realloc(p->free_o, nc * sizeof *nf);
        if (!nf) {
            pthread_mutex_unlock(&p->mu);
            out_free(o);
            return;
        }
        p->free_o = nf;
        p->cap = nc;
    }
    p->free_o[p->nfree++] = *o;
    pthread_mutex_unlock(&p->mu);
    o->batch = NULL;
    o->line = o->offset = NULL;
}

tx_out *tx_rows_slot(tx_rows *r, tx_pool *p, uint32_t *row) {
    tx_out *o = r->n ? &r->outs[r->n - 1] : NULL;
    if (!o || o->batch->len >= p->batch_rows || r->taken == r->n) {
        if (r->n == r->cap) {
            uint32_t nc = r->cap ? r->cap * 2 : 8;
            tx_out *no = realloc(r->outs, nc * sizeof *no);
            if (!no) return NULL;
            r->outs = no;
            r->cap = nc;
        }
        o = &r->outs[r->n];
        if (!pool_get(p, o)) return NULL;
        if (r->pin) {
            for (uint32_t c = 0; c < o->batch->ncols; c++) {
                st_vector *v = o->batch->cols[c];
                if (st_type_is_string(v->type) && st_vector_pin(v, r->pin, NULL) != ST_OK) {
                    pool_put(p, o);
                    return NULL;
                }
            }
        }
        r->n++;
    }
    *row = o->batch->len;
    return o;
}

void tx_out_finish(tx_out *o) { st_batch_set_len(o->batch, o->batch->len); }

void tx_rows_recycle(tx_rows *r, tx_pool *p) {
    for (uint32_t i = 0; i < r->n; i++) pool_put(p, &r->outs[i]);
    r->n = 0;
    r->taken = 0;
    r->rows = 0;
}

void tx_rows_drop_taken(tx_rows *r, tx_pool *p) {
    if (!r->taken) return;
    for (uint32_t i = 0; i < r->taken; i++) pool_put(p, &r->outs[i]);
    memmove(r->outs, r->outs + r->taken, (r->n - r->taken) * sizeof *r->outs);
    r->n -= r->taken;
    r->taken = 0;
}

void tx_rows_free(tx_rows *r, tx_pool *p) {
    if (p) tx_rows_recycle(r, p);
    else
        for (uint32_t i = 0; i < r->n; i++) out_free(&r->outs[i]);
    free(r->outs);
    r->outs = NULL;
    r->n = r->cap = r->taken = 0;
}

st_status tx_recognize_text(const char *p, size_t n, const char *src, const char *fmt,
                            st_error *e) {
    size_t m = n < ST_TEXT_SNIFF_BYTES ? n : ST_TEXT_SNIFF_BYTES;
    size_t ctrl = 0, invalid = 0, nul = 0;
    size_t i = 0;
    while (i < m) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            if (c == 0) nul++;
            else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v')
                ctrl++;
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1, bad;
        if (i + len > m) break; /* cut by the sample */
        if (len == 1 || !st_utf8_valid(p + i, len, &bad)) {
            invalid++;
            i++;
        } else {
            i += len;
        }
    }
    size_t floor = m / 100 > 8 ? m / 100 : 8;
    if (nul + ctrl > m / 200 + 2)
        return st_error_set(e, ST_ERR_FORMAT,
                            "%s: not %s text: %zu NUL or control bytes in the first %zu bytes "
                            "(binary data or UTF-16?)", src, fmt, nul + ctrl, m);
    if (invalid > floor)
        return st_error_set(e, ST_ERR_FORMAT,
                            "%s: not UTF-8 text: %zu invalid bytes in the first %zu bytes "
                            "(convert the file to UTF-8)", src, invalid, m);
    return ST_OK;
}

/* ---- SIMD switch -------------------------------------------------------- */

static int simd_forced = -1; /* -1 automatic, 0 scalar, 1 avx2 */

void tx_simd_force(int avx2) { simd_forced = avx2; }

bool tx_simd_avx2(void) {
    bool cpu = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi");
    if (simd_forced >= 0) return simd_forced == 1 && cpu;
    const char *env = getenv("STRATA_SIMD");
    if (env && !strcmp(env, "scalar")) return false;
    return cpu;
}
