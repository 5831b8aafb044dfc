/*
 * fuzz_sql.c: libFuzzer target for the SQL engine's front end (lexer, parser,
 * binder, planner) and, for what binds, a bounded execution.
 *
 * The input is a query text.  It runs against an in-memory catalog with
 * small versions of the suite's tables (sales, products, customers, t_nulls,
 * t_empty; same column names and types), so the corpus (every query of
 * the .test files in tests/sql, plus odd inputs) binds and executes.  Execution is
 * capped (8 MiB memory limit, 64 batches, 1 thread) so a huge cross join is
 * an error or a cut, not a timeout.  Any status is fine; crashes, sanitizer
 * reports, leaks and hangs are bugs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/memsrc.h"
#include "engine/sql.h"

typedef struct tdef {
    const char *name;
    const char *cols; /* "name TYPE;name TYPE;..." */
    const char *rows; /* CSV lines, empty field = NULL */
} tdef;

static const tdef tables[] = {
    {"sales",
     "rid BIGINT;order_id BIGINT;line_no INTEGER;customer_id BIGINT;product_id INTEGER;sku VARCHAR;"
     "category VARCHAR;brand VARCHAR;condition VARCHAR;quantity INTEGER;unit_price DECIMAL(10,2);"
     "currency VARCHAR;discount DOUBLE;country VARCHAR;status VARCHAR;ts TIMESTAMP",
     "1,1,1,7,1,SKU00001,phone,Apple,A,2,124.38,EUR,0.01,ES,placed,2025-01-01 04:47:51\n"
     "2,1,2,7,2,SKU00002,laptop,Dell,B,1,803.44,EUR,,ES,paid,2025-01-01 04:47:51\n"
     "3,2,1,8,3,SKU00003,phone,Samsung,C,3,99.99,USD,0.2,US,shipped,2025-02-11 10:00:00\n"
     "4,3,1,9,9,SKU00009,watch,Garmin,new,1,10.00,GBP,0.0,GB,refunded,2025-03-15 23:59:59\n"
     "5,3,2,,2,SKU00002,laptop,Dell,A,2,700.00,GBP,0.05,GB,delivered,2025-06-30 12:00:00\n"},
    {"products",
     "product_id INTEGER;sku VARCHAR;category VARCHAR;brand VARCHAR;model VARCHAR;storage_gb INTEGER;"
     "release_year SMALLINT;msrp DECIMAL(10,2)",
     "1,SKU00001,phone,Apple,APP-ph001,128,2020,999.00\n"
     "2,SKU00002,laptop,Dell,DEL-la002,,2019,1299.50\n"
     "3,SKU00003,phone,Samsung,Édition Spéciale 3,256,2021,799.99\n"},
    {"customers", "customer_id BIGINT;signup_date DATE;country VARCHAR;segment VARCHAR",
     "7,2020-01-01,ES,consumer\n8,2021-06-15,,business\n9,2019-12-31,GB,reseller\n"},
    {"t_nulls", "id INTEGER;x INTEGER;g VARCHAR;y BIGINT",
     "1,1,a,10\n2,,b,20\n3,3,,\n4,,,40\n"},
    {"t_empty", "id INTEGER;v DOUBLE;s VARCHAR", ""},
    {NULL, NULL, NULL}};

static st_memcat *cat;

static st_memtable *make_table(const tdef *d) {
    st_error e;
    st_schema *s = st_schema_new();
    char *cols = strdup(d->cols), *save = NULL;
    uint32_t id = 1;
    for (char *c = strtok_r(cols, ";", &save); c; c = strtok_r(NULL, ";", &save)) {
        char *sp = strchr(c, ' ');
        *sp = 0;
        st_type t;
        st_type_parse(sp + 1, strlen(sp + 1), &t, &e);
        st_schema_add(s, c, t, id++, true, &e);
    }
    free(cols);
    st_memtable *t = st_memtable_new(s, 2, 2); /* tiny units: many tasks */
    st_type ts[32];
    st_schema_types(s, ts);
    st_batch *b = st_batch_new(ts, s->nfields, 1);
    char *rows = strdup(d->rows), *rs = NULL;
    for (char *line = strtok_r(rows, "\n", &rs); line; line = strtok_r(NULL, "\n", &rs)) {
        st_batch_reset(b);
        char *p = line;
        for (uint32_t c = 0; c < s->nfields; c++) {
            char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            st_vector *v = b->cols[c];
            if (n == 0) st_vector_append_null(v, &e);
            else if (st_type_is_string(ts[c])) st_vector_append_str(v, p, (uint32_t)n, &e);
            else {
                union {
                    int64_t i;
                    st_i128 h;
                } val;
                memset(&val, 0, sizeof val);
                st_parse_value(ts[c], p, n, &val, &e);
                st_vector_append(v, &val, &e);
            }
            p = end ? end + 1 : p + n;
        }
        st_batch_set_len(b, 1);
        st_memtable_append(t, b, &e);
    }
    free(rows);
    st_batch_free(b);
    st_schema_free(s);
    return t;
}

static void init(void) {
    if (cat) return;
    cat = st_memcat_new();
    st_error e;
    for (int i = 0; tables[i].name; i++) {
        st_memtable *t = make_table(&tables[i]);
        st_memcat_commit(cat, tables[i].name, t, 0, &e);
        st_memcat_commit(cat, tables[i].name, t, 1000, &e); /* a second version */
        st_memtable_unref(t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init();
    if (size > 1 << 16) return 0;
    char *sql = malloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = 0;
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = 1;
    o.memory_limit = 8u << 20;
    o.now_us = 0;
    o.read_only = true; /* COPY would write wherever the input points */
    st_query *q = NULL;
    st_error e;
    if (st_query_prepare(st_memcat_catalog(cat), sql, &o, &q, &e) == ST_OK) {
        const st_batch *b;
        for (int i = 0; i < 64; i++)
            if (st_query_next(q, &b, &e) != ST_OK || !b) break;
        st_sbuf sb = ST_SBUF_INIT;
        st_query_explain(q, false, &sb, &e);
        st_sbuf_free(&sb);
    }
    st_query_close(q);
    free(sql);
    return 0;
}
