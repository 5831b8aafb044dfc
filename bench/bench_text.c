/*
 * bench_text.c: throughput of the text readers on a sales-shaped file.
 *
 *   bench_text [--csv FILE] [--ndjson FILE] [--rows N] [--dir DIR] [--reps R]
 *              [--no-duckdb]
 *
 * Without --csv/--ndjson it writes its own synthetic files (N rows, default
 * 3,000,000: about 250 MB of CSV) into DIR (default $TMPDIR or /tmp), with
 * the columns of the generator's sales table: order_id, line_no,
 * customer_id, product_id, sku, category, brand, condition, quantity,
 * unit_price, currency, discount, country, status, ts.
 *
 * It prints, per reader and thread count, the best of R runs (default 3) in
 * MB/s and rows/s: CSV with type inference (two passes), CSV with the schema
 * given (one pass: the parse throughput), the structural scan alone (AVX2
 * and scalar), and NDJSON; then DuckDB's time for
 * SELECT count(*) FROM read_csv(FILE) on the same file (bench/.peer/duckq,
 * or $DUCKQ), for reference.  Every run consumes every batch; the file is
 * read once before timing so the page cache is warm for both engines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/csv.h"
#include "format/csv_int.h"
#include "format/io.h"
#include "format/ndjson.h"
#include "format/text_int.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double cpu_self(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
           u.ru_stime.tv_usec * 1e-6;
}

static double cpu_children(void) {
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
           u.ru_stime.tv_usec * 1e-6;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *categories[] = {"smartphone", "laptop", "tablet", "smartwatch", "headphones",
                                   "console", "camera", "monitor"};
static const char *brands[] = {"Apple", "Samsung", "Google", "Sony", "Lenovo", "Dell",
                               "Nintendo", "Xiaomi", "HP", "Asus"};
static const char *conditions[] = {"new", "like_new", "good", "fair", "refurbished"};
static const char *currencies[] = {"EUR", "USD", "GBP"};
static const char *countries[] = {"DE", "FR", "US", "GB", "ES", "IT", "NL", "PL"};
static const char *statuses[] = {"paid", "shipped", "delivered", "returned", "cancelled"};

typedef struct sale {
    long order_id, line_no, customer_id, product_id, quantity;
    char sku[24];
    const char *category, *brand, *condition, *currency, *country, *status;
    long price_cents;
    int discount_pct;
    char ts[24];
} sale;

static void gen_sale(long i, sale *s) {
    s->order_id = 1000000 + i / 2;
    s->line_no = 1 + i % 2;
    s->customer_id = 10000 + (long)(rnd() % 900000);
    s->product_id = 1 + (long)(rnd() % 50000);
    s->category = categories[rnd() % 8];
    s->brand = brands[rnd() % 10];
    snprintf(s->sku, sizeof s->sku, "%.3s-%05ld-%c", s->brand, s->product_id,
             "ABCDE"[rnd() % 5]);
    s->condition = conditions[rnd() % 5];
    s->quantity = 1 + (long)(rnd() % 3);
    s->price_cents = 1999 + (long)(rnd() % 150000);
    s->currency = currencies[rnd() % 3];
    s->discount_pct = (int)(rnd() % 4) * 5;
    s->country = countries[rnd() % 8];
    s->status = statuses[rnd() % 5];
    long sec = 1735689600L + i * 10 + (long)(rnd() % 10);
    time_t t = sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(s->ts, sizeof s->ts, "%Y-%m-%d %H:%M:%S", &tm);
}

static void generate(const char *csv, const char *ndjson, long rows) {
    FILE *c = fopen(csv, "wb"), *j = fopen(ndjson, "wb");
    if (!c || !j) {
        fprintf(stderr, "bench_text: cannot write %s / %s\n", csv, ndjson);
        exit(1);
    }
    fputs("order_id,line_no,customer_id,product_id,sku,category,brand,condition,quantity,"
          "unit_price,currency,discount,country,status,ts\n", c);
    for (long i = 0; i < rows; i++) {
        sale s;
        gen_sale(i, &s);
        fprintf(c, "%ld,%ld,%ld,%ld,%s,%s,%s,%s,%ld,%ld.%02ld,%s,%d.%02d,%s,%s,%s\n", s.order_id,
                s.line_no, s.customer_id, s.product_id, s.sku, s.category, s.brand, s.condition,
                s.quantity, s.price_cents / 100, s.price_cents % 100, s.currency,
                s.discount_pct / 100, s.discount_pct % 100, s.country, s.status, s.ts);
        fprintf(j, "{\"order_id\":%ld,\"line_no\":%ld,\"customer_id\":%ld,\"product_id\":%ld,"
                   "\"sku\":\"%s\",\"category\":\"%s\",\"brand\":\"%s\",\"condition\":\"%s\","
                   "\"quantity\":%ld,\"unit_price\":%ld.%02ld,\"currency\":\"%s\",\"discount\":"
                   "%d.%02d,\"country\":\"%s\",\"status\":\"%s\",\"ts\":\"%s\"}\n",
                s.order_id, s.line_no, s.customer_id, s.product_id, s.sku, s.category, s.brand,
                s.condition, s.quantity, s.price_cents / 100, s.price_cents % 100, s.currency,
                s.discount_pct / 100, s.discount_pct % 100, s.country, s.status, s.ts);
    }
    fclose(c);
    fclose(j);
}

static uint64_t file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void die(const char *what, st_error *e) {
    fprintf(stderr, "bench_text: %s: %s\n", what, e->msg);
    exit(1);
}

/* One CSV read; returns rows; *schema_out gets a copy of the schema. */
static uint64_t run_csv(const char *path, uint32_t threads, const st_schema *fixed,
                        st_schema **schema_out) {
    st_csv_options o;
    st_csv_options_init(&o);
    o.threads = threads;
    o.schema = fixed;
    o.header = ST_CSV_HEADER_YES;
    st_error e = {0};
    st_csv_reader *r;
    if (st_csv_open_file(path, &o, &r, &e) != ST_OK) die("open", &e);
    uint64_t rows = 0;
    for (;;) {
        st_text_chunk ch;
        if (st_csv_next(r, &ch, &e) != ST_OK) die("read", &e);
        if (!ch.batch) break;
        rows += ch.batch->len;
    }
    if (schema_out) *schema_out = st_schema_clone(st_csv_schema(r));
    st_text_stats s;
    st_csv_stats(r, &s);
    if (s.bad) fprintf(stderr, "bench_text: warning: %llu bad records\n", (unsigned long long)s.bad);
    st_csv_close(r);
    return rows;
}

static uint64_t run_ndjson(const char *path, uint32_t threads, const st_schema *fixed) {
    st_ndjson_options o;
    st_ndjson_options_init(&o);
    o.threads = threads;
    o.schema = fixed;
    st_error e = {0};
    st_ndjson_reader *r;
    if (st_ndjson_open_file(path, &o, &r, &e) != ST_OK) die("open ndjson", &e);
    uint64_t rows = 0;
    for (;;) {
        st_text_chunk ch;
        if (st_ndjson_next(r, &ch, &e) != ST_OK) die("read ndjson", &e);
        if (!ch.batch) break;
        rows += ch.batch->len;
    }
    st_ndjson_close(r);
    return rows;
}

/* The structural scan alone over the whole file. */
static uint64_t run_scan(const char *path, bool avx2) {
    st_buf *b;
    st_error e = {0};
    if (st_file_map(path, &b, &e) != ST_OK) die("map", &e);
    st_csv_options o;
    st_csv_options_init(&o);
    cx_dialect d;
    cs_dialect(&d, ',', '"', &o);
    cx_index ix = {0};
    const char *p = st_buf_data(b);
    size_t n = st_buf_len(b), pos = 0;
    uint64_t fields = 0;
    tx_simd_force(avx2);
    while (pos < n) {
        cx_index_reset(&ix);
        size_t want = n - pos < (128u << 10) ? n - pos : (128u << 10);
        size_t stop = cx_scan(&d, p + pos, 0, n - pos, want, true, &ix);
        fields += ix.n;
        if (stop == 0) break;
        pos += stop;
    }
    tx_simd_force(-1);
    cx_index_free(&ix);
    st_buf_unref(b);
    return fields;
}

/* Best wall time and best CPU time (all threads) of R runs: the machine is
 * shared, so CPU time per byte is the steadier "per core" figure. */
typedef struct result {
    double best, cpu;
    uint64_t rows;
} result;

#define BEST(R, expr)                                                                          \
    do {                                                                                       \
        (R).best = (R).cpu = 1e30;                                                             \
        for (int rep_ = 0; rep_ < reps; rep_++) {                                              \
            double t0_ = now(), c0_ = cpu_self();                                              \
            (R).rows = (expr);                                                                 \
            double dt_ = now() - t0_, dc_ = cpu_self() - c0_;                                  \
            if (dt_ < (R).best) (R).best = dt_;                                                \
            if (dc_ < (R).cpu) (R).cpu = dc_;                                                  \
        }                                                                                      \
    } while (0)

static void report(const char *what, uint64_t bytes, result r) {
    printf("%-40s %7.3f s %7.1f MB/s %6.2f cpu-s %7.1f MB/cpu-s %10.0f rows/s\n", what, r.best,
           bytes / r.best / 1e6, r.cpu, bytes / r.cpu / 1e6, r.rows / r.best);
}

static double duckdb_time(const char *duckq, const char *sql, double *cpu) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s :memory: \"%s\" > /dev/null 2>&1", duckq, sql);
    double best = -1;
    *cpu = -1;
    for (int i = 0; i < 2; i++) {
        double t0 = now(), c0 = cpu_children();
        int rc = system(cmd);
        double dt = now() - t0, dc = cpu_children() - c0;
        if (rc != 0) return -1;
        if (best < 0 || dt < best) best = dt;
        if (*cpu < 0 || dc < *cpu) *cpu = dc;
    }
    return best;
}

int main(int argc, char **argv) {
    const char *csv = NULL, *ndjson = NULL, *dir = getenv("TMPDIR");
    long rows = 3000000;
    int reps = 3;
    bool duck = true;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--ndjson") && i + 1 < argc) ndjson = argv[++i];
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = atol(argv[++i]);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-duckdb")) duck = false;
        else {
            fprintf(stderr, "usage: bench_text [--csv FILE] [--ndjson FILE] [--rows N] [--dir DIR] "
                            "[--reps R] [--no-duckdb]\n");
            return 2;
        }
    }
    if (!dir || !*dir) dir = "/tmp";
    char gcsv[1024], gjson[1024];
    if (!csv || !ndjson) {
        snprintf(gcsv, sizeof gcsv, "%s/strata-bench-sales-%ld.csv", dir, rows);
        snprintf(gjson, sizeof gjson, "%s/strata-bench-sales-%ld.ndjson", dir, rows);
        if (!file_size(gcsv) || !file_size(gjson)) {
            fprintf(stderr, "bench_text: generating %ld rows into %s and %s\n", rows, gcsv, gjson);
            generate(gcsv, gjson, rows);
        }
        if (!csv) csv = gcsv;
        if (!ndjson) ndjson = gjson;
    }
    uint64_t csv_bytes = file_size(csv), json_bytes = file_size(ndjson);
    printf("CSV    %s: %.1f MB\nNDJSON %s: %.1f MB\n", csv, csv_bytes / 1e6, ndjson,
           json_bytes / 1e6);
    printf("SIMD: %s\n\n", tx_simd_avx2() ? "avx2" : "scalar");
    st_schema *schema = NULL;
    run_csv(csv, 1, NULL, &schema); /* warm the page cache, get the schema */
    run_ndjson(ndjson, 1, NULL);
    result r;
    BEST(r, run_scan(csv, true));
    report("CSV structural scan, AVX2, 1 thread", csv_bytes, r);
    BEST(r, run_scan(csv, false));
    report("CSV structural scan, scalar, 1 thread", csv_bytes, r);
    for (uint32_t t = 1; t <= 2; t++) {
        char what[128];
        BEST(r, run_csv(csv, t, schema, NULL));
        snprintf(what, sizeof what, "CSV parse, schema given, %u thread%s", t, t > 1 ? "s" : "");
        report(what, csv_bytes, r);
        BEST(r, run_csv(csv, t, NULL, NULL));
        snprintf(what, sizeof what, "CSV infer + parse, %u thread%s", t, t > 1 ? "s" : "");
        report(what, csv_bytes, r);
    }
    for (uint32_t t = 1; t <= 2; t++) {
        char what[128];
        BEST(r, run_ndjson(ndjson, t, NULL));
        snprintf(what, sizeof what, "NDJSON infer + parse, %u thread%s", t, t > 1 ? "s" : "");
        report(what, json_bytes, r);
    }
    st_schema_free(schema);
    if (duck) {
        const char *duckq = getenv("DUCKQ");
        if (!duckq) duckq = "bench/.peer/duckq";
        if (access(duckq, X_OK) != 0) {
            printf("\nDuckDB: %s not found (make peer), skipped\n", duckq);
            return 0;
        }
        static const char *what[] = {"count(*) FROM read_csv", "count(*), sum(unit_price) FROM read_csv",
                                     "count(*) FROM read_json"};
        for (int q = 0; q < 3; q++) {
            char sql[2048];
            if (q == 0) snprintf(sql, sizeof sql, "SELECT count(*) FROM read_csv('%s')", csv);
            if (q == 1)
                snprintf(sql, sizeof sql, "SELECT count(*), sum(unit_price) FROM read_csv('%s')", csv);
            if (q == 2)
                snprintf(sql, sizeof sql,
                         "SELECT count(*) FROM read_json('%s', format='newline_delimited')", ndjson);
            double cpu, dt = duckdb_time(duckq, sql, &cpu);
            uint64_t bytes = q == 2 ? json_bytes : csv_bytes;
            printf("DuckDB %-33s %7.3f s %7.1f MB/s %6.2f cpu-s %7.1f MB/cpu-s\n", what[q], dt,
                   bytes / dt / 1e6, cpu, bytes / cpu / 1e6);
        }
        printf("(DuckDB runs 2 threads; its times include starting the process)\n");
    }
    return 0;
}
