/*
 * bench_sql.c: the query engine alone, on the generator's sales data.
 *
 *   build/rel/bench/bench_sql DIR [threads] [runs] [QUERY...]
 *
 * Loads DIR/sales.csv, products.csv and customers.csv (strata gen --as csv)
 * into in-memory tables (units of 122,880 rows, as a row group; malformed
 * lines are skipped), then times each query (default: the four of the query
 * bench) `runs` times and prints the best time and the first result rows.
 * Loading is not timed.  It isolates execution from storage and start-up, for
 * profiling: with BENCH_SQL_PERF=FILE set, `perf record` is attached to the
 * process for the queries only (not the loading); the end-to-end
 * comparison with DuckDB is bench/workloads/40-*.sh.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/memsrc.h"
#include "engine/sql.h"
#include "format/valtext.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct col {
    const char *name;
    const char *type;
} col;

static const col sales_cols[] = {
    {"order_id", "BIGINT"},   {"line_no", "BIGINT"},          {"customer_id", "BIGINT"},
    {"product_id", "BIGINT"}, {"sku", "VARCHAR"},             {"category", "VARCHAR"},
    {"brand", "VARCHAR"},     {"condition", "VARCHAR"},       {"quantity", "BIGINT"},
    {"unit_price", "DECIMAL(18,2)"}, {"currency", "VARCHAR"}, {"discount", "DECIMAL(18,2)"},
    {"country", "VARCHAR"},   {"status", "VARCHAR"},          {"ts", "TIMESTAMP"},
    {NULL, NULL}};
static const col product_cols[] = {
    {"product_id", "BIGINT"}, {"sku", "VARCHAR"},      {"category", "VARCHAR"},
    {"brand", "VARCHAR"},     {"model", "VARCHAR"},    {"storage_gb", "BIGINT"},
    {"release_year", "BIGINT"}, {"msrp", "DECIMAL(18,2)"}, {"color", "VARCHAR"},
    {NULL, NULL}};
static const col customer_cols[] = {
    {"customer_id", "BIGINT"}, {"signup_date", "DATE"}, {"country", "VARCHAR"},
    {"segment", "VARCHAR"},    {NULL, NULL}};

/* load a simple CSV (no quoted fields expected; a bad line is skipped) */
static st_memtable *load(const char *path, const col *cols, uint64_t *bad) {
    st_error e;
    st_schema *sch = st_schema_new();
    uint32_t n = 0;
    st_type ts[32];
    for (; cols[n].name; n++) {
        st_type_parse(cols[n].type, strlen(cols[n].type), &ts[n], &e);
        st_schema_add(sch, cols[n].name, ts[n], n + 1, true, &e);
    }
    st_memtable *t = st_memtable_new(sch, 122880, 8);
    st_schema_free(sch);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    st_batch *b = st_batch_new(ts, n, 4096);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool header = true;
    *bad = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (header) {
            header = false;
            continue;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *fld[32];
        uint32_t nf = 0;
        char *p = line;
        fld[nf++] = p;
        for (; *p; p++)
            if (*p == ',') {
                *p = 0;
                if (nf < 32) fld[nf++] = p + 1;
            }
        if (nf != n || strchr(line, '"')) {
            (*bad)++;
            continue;
        }
        uint32_t row = b->len;
        bool ok = true;
        for (uint32_t c = 0; c < n && ok; c++) {
            st_vector *v = b->cols[c];
            size_t fl = strlen(fld[c]);
            if (fl == 0) {
                ok = st_vector_append_null(v, &e) == ST_OK;
            } else if (st_type_is_string(ts[c])) {
                size_t bo;
                ok = st_utf8_valid(fld[c], fl, &bo) && st_vector_append_str(v, fld[c], (uint32_t)fl, &e) == ST_OK;
            } else {
                union {
                    int64_t i;
                    st_i128 h;
                } val;
                memset(&val, 0, sizeof val);
                ok = st_parse_value(ts[c], fld[c], fl, &val, &e) == ST_OK &&
                     st_vector_append(v, &val, &e) == ST_OK;
            }
        }
        if (!ok) {
            for (uint32_t c = 0; c < n; c++) {
                b->cols[c]->len = row;
                if (b->cols[c]->validity) b->cols[c]->validity[row >> 6] |= 1ull << (row & 63);
            }
            (*bad)++;
            continue;
        }
        b->len = row + 1;
        if (b->len == 4096) {
            st_batch_set_len(b, b->len);
            if (st_memtable_append(t, b, &e) != ST_OK) {
                fprintf(stderr, "append: %s\n", e.msg);
                exit(1);
            }
            st_batch_reset(b);
        }
    }
    if (b->len) {
        st_batch_set_len(b, b->len);
        st_memtable_append(t, b, &e);
    }
    st_batch_free(b);
    free(line);
    fclose(f);
    return t;
}

static const char *default_queries[] = {
    "SELECT category, count(*) AS n, sum(unit_price * quantity) AS revenue FROM sales "
    "WHERE ts >= TIMESTAMP '2025-03-01' AND ts < TIMESTAMP '2025-04-01' GROUP BY category ORDER BY category",
    "SELECT order_id, line_no, product_id, unit_price, status, ts FROM sales WHERE customer_id = 4242 "
    "ORDER BY ts, order_id, line_no",
    "SELECT country, status, count(*) AS n, sum(quantity) AS q, avg(unit_price) AS avg_price FROM sales "
    "GROUP BY country, status ORDER BY country, status",
    "SELECT p.category, c.segment, count(*) AS n, sum(s.unit_price * s.quantity) AS revenue FROM sales s "
    "JOIN products p ON s.product_id = p.product_id JOIN customers c ON s.customer_id = c.customer_id "
    "GROUP BY p.category, c.segment ORDER BY p.category, c.segment",
    NULL};

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_sql DIR [threads] [runs] [QUERY...]\n");
        return 2;
    }
    char path[1024];
    uint64_t bad;
    double t0 = now_s();
    snprintf(path, sizeof path, "%s/sales.csv", argv[1]);
    st_memtable *sales = load(path, sales_cols, &bad);
    fprintf(stderr, "sales: %llu rows (%llu bad lines skipped)\n",
            (unsigned long long)st_memtable_rows(sales), (unsigned long long)bad);
    snprintf(path, sizeof path, "%s/products.csv", argv[1]);
    st_memtable *products = load(path, product_cols, &bad);
    snprintf(path, sizeof path, "%s/customers.csv", argv[1]);
    st_memtable *customers = load(path, customer_cols, &bad);
    fprintf(stderr, "loaded in %.1f s\n", now_s() - t0);
    st_memcat *mc = st_memcat_new();
    st_error e;
    st_memcat_commit(mc, "sales", sales, 0, &e);
    st_memcat_commit(mc, "products", products, 0, &e);
    st_memcat_commit(mc, "customers", customers, 0, &e);
    pid_t perf = 0;
    const char *perf_out = getenv("BENCH_SQL_PERF");
    if (perf_out) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        perf = fork();
        if (perf == 0) {
            execlp("perf", "perf", "record", "--call-graph=dwarf,16384", "-F", "999", "-o", perf_out,
                   "-p", pid, (char *)NULL);
            _exit(127);
        }
        sleep(2); /* let perf attach */
    }
    int threads = argc > 2 ? atoi(argv[2]) : 0;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    const char **queries = argc > 4 ? (const char **)argv + 4 : default_queries;
    for (int qi = 0; queries[qi]; qi++) {
        double best = 1e9, bestcpu = 1e9;
        st_sbuf out = ST_SBUF_INIT;
        for (int r = 0; r < runs; r++) {
            st_sql_opts o;
            st_sql_opts_init(&o);
            o.threads = (uint32_t)threads;
            double s = now_s(), sc = cpu_s();
            st_query *q;
            if (st_query_prepare(st_memcat_catalog(mc), queries[qi], &o, &q, &e) != ST_OK) {
                fprintf(stderr, "error: %s\n", e.msg);
                return 1;
            }
            const st_batch *b;
            uint64_t rows = 0;
            st_sbuf_clear(&out);
            while (st_query_next(q, &b, &e) == ST_OK && b) {
                for (uint32_t k = 0; k < st_batch_live(b); k++, rows++) {
                    if (rows >= 4) continue;
                    uint32_t rr = b->sel ? b->sel[k] : k;
                    for (uint32_t c = 0; c < b->ncols; c++) {
                        if (c) st_sbuf_putc(&out, ',');
                        st_text_cell(&out, b->cols[c], rr, ST_CELL_CSV, ',', '"');
                    }
                    st_sbuf_putc(&out, '\n');
                }
            }
            if (e.code) fprintf(stderr, "error: %s\n", e.msg);
            double el = now_s() - s, ec = cpu_s() - sc;
            if (el < best) best = el;
            if (ec < bestcpu) bestcpu = ec;
            st_query_close(q);
            st_sbuf_printf(&out, "(%llu rows)\n", (unsigned long long)rows);
        }
        printf("Q%d %.1f ms wall, %.1f ms cpu\n%s", qi + 1, best * 1000, bestcpu * 1000, st_sbuf_cstr(&out));
        st_sbuf_free(&out);
    }
    if (perf > 0) {
        kill(perf, SIGINT);
        waitpid(perf, NULL, 0);
    }
    st_memcat_free(mc);
    st_memtable_unref(sales);
    st_memtable_unref(products);
    st_memtable_unref(customers);
    return 0;
}
