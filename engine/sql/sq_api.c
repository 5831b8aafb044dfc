/*
 * sq_api.c: the public face of the SQL engine (engine/sql.h).
 *
 * A statement owns: its text, one arena for the tokens, AST, logical plan
 * and expressions; a pool of objects to close (sources, constant vectors,
 * IN-list tables, materialized collections); the memory accountant; the
 * physical plan and its executor.  Closing the statement frees all of it.
 *
 * EXPLAIN SELECT ... returns the logical plan (after filter pushdown) as
 * rows of one VARCHAR column "plan"; st_query_explain gives the same text
 * for any prepared statement.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/sql.h"
#include "engine/sql/sql_int.h"

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
    st_sbuf explain;
    bool is_explain, explain_done;
    st_vector *explain_vec;
    st_batch out;
    uint32_t sel[SQ_CHUNK];
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
    st_sbuf_free(&q->explain);
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
    sq_lop *root;
    const char **names;
    ST_CHECK(rc, sq_bind(&b, st.sel, &root, &names, e));
    sq_plan_print(root, b.cidnames, b.cidcap, &q->explain);
    if (q->explain.failed) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto fail;
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
    q->ncols = root->nout;
    q->names = names;
    q->types = root->types;
    ST_CHECK(rc, sq_plan_build(q->arena, q->sql, root, b.next_cid, &q->pool, &q->plan, e));
    q->planned = true;
    ST_CHECK(rc, sq_exec_new(&q->plan, q->sql, &q->mem, opts, b.now_us, &q->x, e));
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

static st_status explain_next(st_query *q, const st_batch **out, st_error *e) {
    *out = NULL;
    if (q->explain_done) return ST_OK;
    q->explain_done = true;
    const char *s = st_sbuf_cstr(&q->explain);
    uint32_t lines = 0;
    for (const char *p = s; *p; p++)
        if (*p == '\n') lines++;
    q->explain_vec = sq_vec_new(st_type_make(ST_T_VARCHAR), lines ? lines : 1);
    if (!q->explain_vec) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    uint32_t i = 0;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ST_TRY(st_vector_set_str(q->explain_vec, i++, p, (uint32_t)len, e));
        p += len + (nl ? 1 : 0);
    }
    q->explain_vec->len = i;
    q->out.ncols = 1;
    q->out.cols = &q->explain_vec;
    q->out.len = i;
    q->out.sel = NULL;
    q->out.sel_len = 0;
    *out = &q->out;
    return ST_OK;
}

st_status st_query_next(st_query *q, const st_batch **out, st_error *e) {
    *out = NULL;
    if (q->is_explain) return explain_next(q, out, e);
    sq_chunk ch;
    st_status rc = sq_exec_next(q->x, &ch, e);
    if (rc != ST_OK) return rc;
    if (ch.n == 0) return ST_OK;
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

void st_query_explain(const st_query *q, st_sbuf *sb) {
    st_sbuf_append(sb, q->explain.p ? q->explain.p : "", q->explain.len);
}

uint64_t st_query_peak_memory(const st_query *q) { return q->mem.peak; }
