/*
 * sq_api.c: the public face of the SQL engine (engine/sql.h).
 *
 * A statement owns: its text, one arena for the tokens, AST, logical plan
 * and expressions; a pool of objects to close (sources, constant vectors,
 * IN-list tables, materialized collections); the memory accountant; the
 * physical plan and its executor.  Closing the statement frees all of it.
 *
 * EXPLAIN SELECT ... returns the plan (after filter pushdown) with each
 * scan's pruning counts as rows of one VARCHAR column "plan"; EXPLAIN
 * ANALYZE runs the statement first (its rows are counted, not returned) and
 * adds what each operator did.  st_query_explain gives the same text (or
 * JSON) for any prepared statement.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/sql.h"
#include "engine/sql/sql_int.h"
#include "format/pool.h"

struct st_query {
    st_arena *arena;
    char *sql;
    sq_pool pool;
    sq_mem mem;
    sq_plan plan;
    bool planned;
    sq_exec *x;
    uint32_t ncols;
    const char **names;
    st_type *types;
    sq_lop *root;
    uint32_t nthreads;
    bool no_prune;
    bool analyze, analyzed; /* counters on; the statement ran to its end */
    uint64_t an_rows, an_ns;
    bool is_explain, explain_done;
    st_vector *explain_vec;
    st_batch out;
    uint32_t sel[SQ_CHUNK];
    /* CREATE TABLE AS / INSERT / COPY: the writer, and the one-row result */
    sq_write *w;
    bool write_done;
    st_vector *wres[2];
};

void st_sql_opts_init(st_sql_opts *o) {
    memset(o, 0, sizeof *o);
    o->as_of_version = -1;
    o->as_of_ts_us = INT64_MIN;
    o->now_us = INT64_MIN;
}

static int64_t clock_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * ST_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void st_query_close(st_query *q) {
    if (!q) return;
    sq_exec_free(q->x);
    if (q->planned) sq_plan_free(&q->plan);
    sq_pool_free(&q->pool);
    sq_vec_free(q->explain_vec);
    sq_write_free(q->w);
    sq_vec_free(q->wres[0]);
    sq_vec_free(q->wres[1]);
    st_arena_free(q->arena);
    free(q->sql);
    free(q);
}

st_status st_query_prepare(st_catalog *cat, const char *sql, const st_sql_opts *opts,
                           st_query **out, st_error *e) {
    *out = NULL;
    st_sql_opts defaults;
    if (!opts) {
        st_sql_opts_init(&defaults);
        opts = &defaults;
    }
    size_t n = strlen(sql);
    if (n > (64u << 20)) return st_error_set(e, ST_ERR_LIMIT, "the query text is over 64 MiB");
    st_query *q = calloc(1, sizeof *q);
    if (!q) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    q->arena = st_arena_new(0);
    q->sql = strdup(sql);
    if (!q->arena || !q->sql) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    atomic_init(&q->mem.used, 0);
    q->mem.limit = opts->memory_limit;
    q->mem.sql = q->sql;
    sq_stmt st;
    ST_CHECK(rc, sq_parse(q->arena, q->sql, (uint32_t)n, &st, e));
    sq_binder b;
    memset(&b, 0, sizeof b);
    b.a = q->arena;
    b.sql = q->sql;
    b.cat = cat;
    b.opts = opts;
    b.pool = &q->pool;
    b.now_us = opts->now_us != INT64_MIN ? opts->now_us : clock_now_us();
    const char **names;
    if (st.kind != SQ_SELECT) {
        /* bind the query as written to learn its columns, check the target,
         * then bind it again wrapped (sq_write.c) */
        ST_CHECK(rc, sq_bind(&b, st.sel, &q->root, &names, e));
        if (opts->read_only) {
            rc = st_error_set(e, ST_ERR_UNSUPPORTED, "this statement writes (CREATE TABLE, INSERT or COPY), "
                              "and writes are off here");
            goto cleanup;
        }
        ST_CHECK(rc, sq_write_setup(cat, q->sql, &st, q->root->nout, names, q->root->types, &q->w, e));
        sq_stmt st2;
        ST_CHECK(rc, sq_parse(q->arena, q->sql, (uint32_t)n, &st2, e));
        ST_CHECK(rc, sq_write_wrap(q->arena, q->w, &st2, &st.sel, e));
        sq_binder b2;
        memset(&b2, 0, sizeof b2);
        b2.a = q->arena;
        b2.sql = q->sql;
        b2.cat = cat;
        b2.opts = opts;
        b2.pool = &q->pool;
        b2.now_us = b.now_us;
        b = b2;
    }
    ST_CHECK(rc, sq_bind(&b, st.sel, &q->root, &names, e));
    ST_CHECK(rc, sq_plan_describe(q->arena, q->root, b.cidnames, b.cidcap, e));
    q->nthreads = opts->threads;
    q->no_prune = opts->no_prune;
    q->analyze = st.analyze || opts->analyze;
    ST_CHECK(rc, sq_plan_build(q->arena, q->sql, q->root, b.next_cid, &q->pool, &q->plan, e));
    q->planned = true;
    if (!st.explain || st.analyze) {
        st_sql_opts xo = *opts;
        xo.analyze = q->analyze;
        ST_CHECK(rc, sq_exec_new(&q->plan, q->sql, &q->mem, &xo, b.now_us, &q->x, e));
    }
    if (st.explain) {
        q->is_explain = true;
        q->ncols = 1;
        q->names = st_arena_alloc(q->arena, sizeof *q->names);
        q->types = st_arena_alloc(q->arena, sizeof *q->types);
        if (!q->names || !q->types) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto fail;
        }
        q->names[0] = "plan";
        q->types[0] = st_type_make(ST_T_VARCHAR);
        *out = q;
        return ST_OK;
    }
    q->ncols = q->root->nout;
    q->names = names;
    q->types = q->root->types;
    if (q->w) {
        bool copy = sq_write_is_copy(q->w);
        q->ncols = copy ? 1 : 2;
        q->names = st_arena_alloc(q->arena, 2 * sizeof *q->names);
        q->types = st_arena_alloc(q->arena, 2 * sizeof *q->types);
        if (!q->names || !q->types) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto fail;
        }
        q->names[0] = "rows";
        q->names[1] = "version";
        q->types[0] = q->types[1] = st_type_make(ST_T_INT64);
    }
    *out = q;
    return ST_OK;
cleanup:
fail:
    st_query_close(q);
    return rc;
}

uint32_t st_query_ncols(const st_query *q) { return q->ncols; }
const char *st_query_col_name(const st_query *q, uint32_t i) { return q->names[i]; }
st_type st_query_col_type(const st_query *q, uint32_t i) { return q->types[i]; }

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* EXPLAIN ANALYZE: run the statement to its end, counting its rows. */
static st_status run_all(st_query *q, st_error *e) {
    if (q->analyzed || !q->x) return ST_OK;
    uint64_t t0 = mono_ns();
    for (;;) {
        sq_chunk ch;
        ST_TRY(sq_exec_next(q->x, &ch, e));
        if (ch.n == 0) break;
        q->an_rows += ch.n;
    }
    q->an_ns = mono_ns() - t0;
    q->analyzed = true;
    return ST_OK;
}

/* Every scan's pruning counts (opens the kept groups, reads no data). */
static st_status prepare_scans(st_query *q, st_error *e) {
    for (uint32_t i = 0; i < q->plan.npipes; i++) {
        sq_scan *s = q->plan.pipes[i]->scan;
        if (s) ST_TRY(sq_scan_prepare(s, st_thread_count(q->nthreads), q->no_prune, e));
    }
    return ST_OK;
}

st_status st_query_explain(st_query *q, bool json, st_sbuf *sb, st_error *e) {
    if (q->is_explain && q->analyze) ST_TRY(run_all(q, e));
    ST_TRY(prepare_scans(q, e));
    sq_explain_in in = {q->root, &q->plan, q->analyze && q->analyzed, q->an_ns, q->an_rows};
    if (!json) {
        sq_explain_text(&in, sb);
    } else {
        json_t *j = sq_explain_json(&in);
        char *txt = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(j);
        if (!txt) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        st_sbuf_printf(sb, "%s\n", txt);
        free(txt);
    }
    if (sb->failed) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    return ST_OK;
}

bool st_query_is_explain(const st_query *q) { return q->is_explain; }

static st_status explain_next(st_query *q, const st_batch **out, st_error *e) {
    *out = NULL;
    if (q->explain_done) return ST_OK;
    q->explain_done = true;
    st_sbuf text = ST_SBUF_INIT;
    st_status rc = st_query_explain(q, false, &text, e);
    if (rc != ST_OK) {
        st_sbuf_free(&text);
        return rc;
    }
    const char *s = st_sbuf_cstr(&text);
    uint32_t lines = 0;
    for (const char *p = s; *p; p++)
        if (*p == '\n') lines++;
    q->explain_vec = sq_vec_new(st_type_make(ST_T_VARCHAR), lines ? lines : 1);
    if (!q->explain_vec) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint32_t i = 0;
    for (const char *p = s; rc == ST_OK && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        rc = st_vector_set_str(q->explain_vec, i++, p, (uint32_t)len, e);
        p += len + (nl ? 1 : 0);
    }
    st_sbuf_free(&text);
    if (rc != ST_OK) return rc;
    q->explain_vec->len = i;
    q->out.ncols = 1;
    q->out.cols = &q->explain_vec;
    q->out.len = i;
    q->out.sel = NULL;
    q->out.sel_len = 0;
    *out = &q->out;
    return ST_OK;
}

/* A write statement: run the query into the writer, commit, and return
 * one row (rows written, and the new version of a table). */
static st_status write_next(st_query *q, const st_batch **out, st_error *e) {
    *out = NULL;
    if (q->write_done) return ST_OK;
    q->write_done = true;
    for (;;) {
        sq_chunk ch;
        ST_TRY(sq_exec_next(q->x, &ch, e));
        if (ch.n == 0) break;
        st_batch b;
        memset(&b, 0, sizeof b);
        b.ncols = ch.ncols;
        b.cols = ch.cols;
        b.len = ch.len;
        for (uint32_t i = 0; i < ch.ncols; i++) ch.cols[i]->len = ch.len;
        b.sel = (uint32_t *)ch.sel;
        b.sel_len = ch.sel ? ch.n : 0;
        ST_TRY(sq_write_add(q->w, &b, e));
    }
    ST_TRY(sq_write_finish(q->w, e));
    int64_t vals[2] = {(int64_t)sq_write_rows(q->w), sq_write_version(q->w)};
    for (uint32_t i = 0; i < q->ncols; i++) {
        q->wres[i] = sq_vec_new(st_type_make(ST_T_INT64), 1);
        if (!q->wres[i]) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        ST_VEC(q->wres[i], int64_t)[0] = vals[i];
        st_vector_set_valid(q->wres[i], 0);
        q->wres[i]->len = 1;
    }
    q->out.ncols = q->ncols;
    q->out.cols = q->wres;
    q->out.len = 1;
    q->out.sel = NULL;
    q->out.sel_len = 0;
    *out = &q->out;
    return ST_OK;
}

st_status st_query_next(st_query *q, const st_batch **out, st_error *e) {
    *out = NULL;
    if (q->is_explain) return explain_next(q, out, e);
    if (q->w) return write_next(q, out, e);
    sq_chunk ch;
    uint64_t t0 = q->analyze ? mono_ns() : 0;
    st_status rc = sq_exec_next(q->x, &ch, e);
    if (rc != ST_OK) return rc;
    if (q->analyze) q->an_ns += mono_ns() - t0;
    if (ch.n == 0) {
        q->analyzed = true;
        return ST_OK;
    }
    q->an_rows += ch.n;
    q->out.ncols = ch.ncols;
    q->out.cols = ch.cols;
    q->out.len = ch.len;
    for (uint32_t i = 0; i < ch.ncols; i++) ch.cols[i]->len = ch.len;
    if (ch.sel) {
        memcpy(q->sel, ch.sel, ch.n * sizeof *q->sel);
        q->out.sel = q->sel;
        q->out.sel_len = ch.n;
    } else {
        q->out.sel = NULL;
        q->out.sel_len = 0;
    }
    *out = &q->out;
    return ST_OK;
}

uint64_t st_query_peak_memory(const st_query *q) { return q->mem.peak; }
