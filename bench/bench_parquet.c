/*
 * bench_parquet.c: Parquet export and import of a 3M-row sales-shaped table,
 * Strata side by side with DuckDB 1.5 (through duckq).
 *
 *   build/rel/bench/bench_parquet [ROWS] [DIR]     (DUCKQ=path/to/duckq,
 *                                                   BENCH_RUNS=3, PQ_RG_ROWS)
 *   build/rel/bench/bench_parquet --import FILE...  Strata's import only (profiling)
 *
 * 1. The table (order_id, line_no, customer_id, product_id, sku, category,
 *    brand, condition, quantity, unit_price DECIMAL(10,2), currency,
 *    discount, country, status, ts) is generated in memory (untimed) and
 *    written uncompressed; DuckDB loads that file into a database table
 *    (untimed), so both engines export identical data.
 * 2. Export, zstd and snappy: Strata writes its in-memory batches; DuckDB
 *    runs COPY sales TO ... (FORMAT parquet, COMPRESSION ...).  Both on all
 *    cores.  Reported: median wall time of 3 runs and the file size.
 * 3. Import: both read each other's zstd file and their own, computing
 *    count(*) plus an aggregate over every column (sums and maxima), and the
 *    two answers are compared.
 * DuckDB times are whole duckq processes minus the time of `SELECT 1` on
 * the same database (its start-up), so they are not penalised for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "format/parquet.h"
#include "format/pool.h"
#include "format/valtext.h"

#define NCOLS 15
#define BATCH 8192

static const char *cat_names[] = {"smartphones", "laptops", "tablets", "smartwatches", "headphones", "cameras",
                                  "consoles", "monitors", "desktops", "e-readers", "speakers", "accessories"};
static const char *brands[] = {"Apple", "Samsung", "Google", "Sony", "Lenovo", "Dell", "HP", "Asus", "Acer",
                               "Microsoft", "Nintendo", "Huawei", "Xiaomi", "OnePlus", "Motorola", "Nokia",
                               "LG", "Canon", "Nikon", "Fujifilm", "Garmin", "Fitbit", "Bose", "JBL",
                               "Sennheiser", "Logitech", "Razer", "MSI", "Toshiba", "Panasonic", "Philips",
                               "Amazon", "Kobo", "GoPro", "DJI", "Oppo", "Vivo", "Realme", "Honor", "Fairphone"};
static const char *conditions[] = {"new", "like new", "very good", "good", "fair", "refurbished"};
static const char *currencies[] = {"EUR", "USD", "GBP"};
static const char *countries[] = {"DE", "FR", "NL", "BE", "AT", "IT", "ES", "PT", "PL", "CZ", "SE", "DK", "FI",
                                  "NO", "IE", "GB", "US", "CA", "CH", "LU", "HU", "RO", "GR", "SK", "SI",
                                  "HR", "BG", "EE", "LV", "LT"};
static const char *statuses[] = {"completed", "completed", "completed", "completed", "shipped", "paid",
                                 "cancelled", "returned", "refunded"};
#define N(a) (sizeof a / sizeof *a)

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static inline uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_now(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
}

static void die(const st_error *e) {
    fprintf(stderr, "bench_parquet: %s\n", e->msg);
    exit(1);
}

static st_schema *sales_schema(void) {
    st_schema *s = st_schema_new();
    st_error e;
    struct { const char *n; st_type t; bool nullable; } f[NCOLS] = {
        {"order_id", {ST_T_INT64, 0, 0}, false},  {"line_no", {ST_T_INT32, 0, 0}, false},
        {"customer_id", {ST_T_INT64, 0, 0}, false}, {"product_id", {ST_T_INT64, 0, 0}, false},
        {"sku", {ST_T_VARCHAR, 0, 0}, false},     {"category", {ST_T_VARCHAR, 0, 0}, false},
        {"brand", {ST_T_VARCHAR, 0, 0}, false},   {"condition", {ST_T_VARCHAR, 0, 0}, false},
        {"quantity", {ST_T_INT32, 0, 0}, false},  {"unit_price", {ST_T_DECIMAL, 10, 2}, false},
        {"currency", {ST_T_VARCHAR, 0, 0}, false}, {"discount", {ST_T_DOUBLE, 0, 0}, true},
        {"country", {ST_T_VARCHAR, 0, 0}, false}, {"status", {ST_T_VARCHAR, 0, 0}, false},
        {"ts", {ST_T_TIMESTAMP, 0, 0}, false}};
    for (int i = 0; i < NCOLS; i++)
        if (st_schema_add(s, f[i].n, f[i].t, (uint32_t)i + 1, f[i].nullable, &e)) die(&e);
    return s;
}

static void put_str(st_vector *v, const char *s) {
    st_error e;
    if (st_vector_append_str(v, s, (uint32_t)strlen(s), &e)) die(&e);
}

/* The generated table, as batches of BATCH rows. */
static st_batch **gen_table(const st_schema *s, uint64_t rows, uint32_t *nb) {
    st_type types[NCOLS];
    st_schema_types(s, types);
    uint32_t n = (uint32_t)((rows + BATCH - 1) / BATCH);
    st_batch **bs = calloc(n, sizeof *bs);
    st_error e;
    int64_t order = 100000000, ts = INT64_C(1735689600000000); /* 2025-01-01 */
    int line = 0, lines = 1;
    int64_t customer = 0;
    for (uint32_t b = 0; b < n; b++) {
        bs[b] = st_batch_new(types, NCOLS, BATCH);
        uint32_t k = (uint32_t)(rows - (uint64_t)b * BATCH < BATCH ? rows - (uint64_t)b * BATCH : BATCH);
        for (uint32_t i = 0; i < k; i++) {
            if (line == lines) {
                order += 1 + (int64_t)(rnd() % 3);
                lines = 1 + (int)(rnd() % 100 < 70 ? 0 : rnd() % 4);
                line = 0;
                customer = 1 + (int64_t)(rnd() % 200000);
                ts += (int64_t)(rnd() % 20000000);
            }
            line++;
            st_vector **c = bs[b]->cols;
            int64_t product = 1 + (int64_t)(rnd() % 50000);
            int32_t ln = line, qty = rnd() % 100 < 85 ? 1 : 1 + (int32_t)(rnd() % 4);
            char sku[32];
            snprintf(sku, sizeof sku, "SKU-%06lld-%c", (long long)product, "ABCDEFGH"[product % 8]);
            int64_t price = 999 + (product * 7919) % 150000 + (int64_t)(rnd() % 50) * 100;
            double disc = (double)(rnd() % 5) * 0.05;
            int64_t t = ts + (int64_t)(rnd() % 1000000);
            if (st_vector_append(c[0], &order, &e) || st_vector_append(c[1], &ln, &e) ||
                st_vector_append(c[2], &customer, &e) || st_vector_append(c[3], &product, &e))
                die(&e);
            put_str(c[4], sku);
            put_str(c[5], cat_names[product % N(cat_names)]);
            put_str(c[6], brands[(product / 12) % N(brands)]);
            put_str(c[7], conditions[rnd() % N(conditions)]);
            if (st_vector_append(c[8], &qty, &e) || st_vector_append(c[9], &price, &e)) die(&e);
            put_str(c[10], currencies[rnd() % 100 < 70 ? 0 : rnd() % N(currencies)]);
            if (rnd() % 100 < 20) { if (st_vector_append_null(c[11], &e)) die(&e); }
            else if (st_vector_append(c[11], &disc, &e)) die(&e);
            put_str(c[12], countries[rnd() % N(countries)]);
            put_str(c[13], statuses[rnd() % N(statuses)]);
            if (st_vector_append(c[14], &t, &e)) die(&e);
        }
        st_batch_set_len(bs[b], k);
    }
    *nb = n;
    return bs;
}

typedef struct feed {
    st_batch **bs;
    uint32_t n, i;
} feed;
static st_status next_batch(void *ctx, const st_batch **out, st_error *e) {
    (void)e;
    feed *f = ctx;
    *out = f->i < f->n ? f->bs[f->i++] : NULL;
    return ST_OK;
}

static uint64_t file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* ---- Strata import: aggregates over every column ------------------------ */

typedef struct agg {
    uint64_t count;
    st_i128 sums[NCOLS]; /* integer-like columns */
    double dsum;         /* discount */
    char maxs[NCOLS][64];
    int64_t maxts;
} agg;

typedef struct read_ctx {
    st_pq_reader *r;
    agg *parts;           /* per row group */
    st_batch *batches[ST_MAX_THREADS]; /* per worker, reused across row groups */
} read_ctx;

static void agg_batch(agg *a, const st_batch *b, uint32_t ncols) {
    a->count += b->len;
    for (uint32_t c = 0; c < ncols; c++) {
        const st_vector *v = b->cols[c];
        switch ((st_type_id)v->type.id) {
        case ST_T_INT64:
        case ST_T_DECIMAL:
            for (uint32_t i = 0; i < v->len; i++) a->sums[c] += ((int64_t *)v->data)[i];
            break;
        case ST_T_INT32:
            for (uint32_t i = 0; i < v->len; i++) a->sums[c] += ((int32_t *)v->data)[i];
            break;
        case ST_T_DOUBLE:
            for (uint32_t i = 0; i < v->len; i++) a->dsum += ((double *)v->data)[i]; /* NULL slots are 0 */
            break;
        case ST_T_TIMESTAMP:
            for (uint32_t i = 0; i < v->len; i++)
                if (((int64_t *)v->data)[i] > a->maxts) a->maxts = ((int64_t *)v->data)[i];
            break;
        case ST_T_VARCHAR: {
            const st_str *p = v->data;
            size_t bl = strlen(a->maxs[c]);
            st_str cur = {a->maxs[c], (uint32_t)bl, 0};
            const st_str *best = bl ? &cur : NULL;
            for (uint32_t i = 0; i < v->len; i++) {
                if (!best) { best = &p[i]; continue; }
                /* cheap reject on the first byte (both non-empty) */
                if (p[i].len && best->len && (uint8_t)p[i].ptr[0] < (uint8_t)best->ptr[0]) continue;
                uint32_t m = p[i].len < best->len ? p[i].len : best->len;
                int cmp = memcmp(p[i].ptr, best->ptr, m);
                if (cmp > 0 || (cmp == 0 && p[i].len > best->len)) best = &p[i];
            }
            if (best && best != &cur) snprintf(a->maxs[c], 64, "%.*s", (int)best->len, best->ptr);
            break;
        }
        default: break;
        }
    }
}

static st_status read_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    read_ctx *rc = ctx;
    const st_schema *s = st_pq_schema(rc->r);
    st_type types[NCOLS];
    st_schema_types(s, types);
    if (!rc->batches[worker]) rc->batches[worker] = st_batch_new(types, s->nfields, 0);
    st_batch *b = rc->batches[worker];
    agg *a = &rc->parts[task];
    memset(a, 0, sizeof *a);
    a->maxts = INT64_MIN;
    /* stream the row group in batches (a cursor keeps each column's page
     * and dictionary state), aggregating each batch while it is in cache */
    st_pq_cursor *cu;
    ST_TRY(st_pq_cursor_open(rc->r, (uint32_t)task, NULL, 0, &cu, e));
    for (;;) {
        st_status st = st_pq_cursor_read(cu, 16384, b, e);
        if (st) {
            st_pq_cursor_close(cu);
            return st;
        }
        if (b->len == 0) break;
        agg_batch(a, b, s->nfields);
    }
    st_pq_cursor_close(cu);
    return ST_OK;
}

/* Read a file and print the aggregates as DuckDB's query prints them. */
static void strata_import(const char *path, char *out, size_t cap) {
    st_error e;
    st_pq_reader *r;
    if (st_pq_open(path, &r, &e)) die(&e);
    uint32_t nrg = st_pq_num_row_groups(r);
    read_ctx rc = {r, calloc(nrg ? nrg : 1, sizeof(agg)), {0}};
    long th = getenv("BENCH_THREADS") ? atol(getenv("BENCH_THREADS")) : 0;
    if (st_parallel_for(st_thread_count(th), nrg, read_task, &rc, &e)) die(&e);
    agg t;
    memset(&t, 0, sizeof t);
    t.maxts = INT64_MIN;
    for (uint32_t g = 0; g < nrg; g++) { /* combined in row-group order */
        agg *a = &rc.parts[g];
        t.count += a->count;
        for (int c = 0; c < NCOLS; c++) {
            t.sums[c] += a->sums[c];
            if (strcmp(a->maxs[c], t.maxs[c]) > 0) strcpy(t.maxs[c], a->maxs[c]);
        }
        t.dsum += a->dsum;
        if (a->maxts > t.maxts) t.maxts = a->maxts;
    }
    char ts[64], pr[64], d[64];
    st_format_timestamp(t.maxts, ts);
    st_format_decimal(t.sums[9], 2, pr);
    snprintf(d, sizeof d, "%.2f", t.dsum);
    snprintf(out, cap, "%llu,%lld,%lld,%lld,%lld,%s,%s,%s,%s,%lld,%s,%s,%s,%s,%s,%s", (unsigned long long)t.count,
             (long long)t.sums[0], (long long)t.sums[1], (long long)t.sums[2], (long long)t.sums[3], t.maxs[4],
             t.maxs[5], t.maxs[6], t.maxs[7], (long long)t.sums[8], pr, t.maxs[10], d, t.maxs[12], t.maxs[13], ts);
    free(rc.parts);
    for (int i = 0; i < ST_MAX_THREADS; i++) st_batch_free(rc.batches[i]);
    st_pq_close(r);
}

static const char *AGG_SQL =
    "SELECT count(*), sum(order_id), sum(line_no), sum(customer_id), sum(product_id), max(sku), max(category), "
    "max(brand), max(condition), sum(quantity), sum(unit_price), max(currency), printf('%%.2f', sum(discount)), "
    "max(country), max(status), max(ts)::TIMESTAMP FROM read_parquet('%s')";

/* Run duckq DB SQL; returns wall seconds; stdout captured into out. */
static double duck(const char *duckq, const char *db, const char *sql, char *out, size_t cap) {
    int pfd[2];
    if (pipe(pfd)) exit(1);
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        execl(duckq, duckq, db, sql, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    size_t n = 0;
    ssize_t k;
    char junk[4096];
    while ((k = read(pfd[0], out && n < cap - 1 ? out + n : junk, out && n < cap - 1 ? cap - 1 - n : sizeof junk)) > 0)
        if (out && n < cap - 1) n += (size_t)k;
    close(pfd[0]);
    int status;
    waitpid(pid, &status, 0);
    double t = now() - t0;
    if (out) {
        out[n] = 0;
        while (n && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = 0;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_parquet: duckq failed: %s\n", sql);
        exit(1);
    }
    return t;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
#define MAX_RUNS 15
static int RUNS = 3; /* BENCH_RUNS */
static double median3(double *v) {
    qsort(v, (size_t)RUNS, sizeof *v, cmp_d);
    return RUNS % 2 ? v[RUNS / 2] : (v[RUNS / 2 - 1] + v[RUNS / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc > 2 && !strcmp(argv[1], "--import")) { /* profiling aid: import one file, print the answer */
        char res[1024];
        for (int i = 2; i < argc; i++) {
            strata_import(argv[i], res, sizeof res);
            puts(res);
        }
        return 0;
    }
    uint64_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 3000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp/strata-bench-parquet";
    const char *duckq = getenv("DUCKQ");
    if (getenv("BENCH_RUNS")) RUNS = atoi(getenv("BENCH_RUNS"));
    if (RUNS < 1) RUNS = 1;
    if (RUNS > MAX_RUNS) RUNS = MAX_RUNS;
    char cmd[8192], p_none[1024], p_s[2][1024], p_d[2][1024], db[1024], sql[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd)) return 1;
    snprintf(p_none, sizeof p_none, "%s/sales_none.parquet", dir);
    snprintf(db, sizeof db, "%s/sales.duckdb", dir);
    const char *codecs[2] = {"zstd", "snappy"};
    st_pq_codec cc[2] = {ST_PQ_WRITE_ZSTD, ST_PQ_WRITE_SNAPPY};
    for (int i = 0; i < 2; i++) {
        snprintf(p_s[i], sizeof p_s[i], "%s/strata_%s.parquet", dir, codecs[i]);
        snprintf(p_d[i], sizeof p_d[i], "%s/duck_%s.parquet", dir, codecs[i]);
    }
    st_error e;
    st_schema *s = sales_schema();
    double t0 = now();
    uint32_t nb;
    st_batch **bs = gen_table(s, rows, &nb);
    fprintf(stderr, "generated %llu rows in %.2fs\n", (unsigned long long)rows, now() - t0);
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    if (getenv("PQ_RG_ROWS")) o.row_group_rows = (uint32_t)atoi(getenv("PQ_RG_ROWS"));
    o.codec = ST_PQ_WRITE_NONE;
    feed f = {bs, nb, 0};
    if (st_pq_write_file(p_none, s, &o, next_batch, &f, NULL, &e)) die(&e);
    double d_base = 0, d_base_mem = 0; /* duckq start-up on the database / in memory */
    if (duckq) {
        unlink(db);
        snprintf(sql, sizeof sql, "CREATE TABLE sales AS SELECT * FROM read_parquet('%s')", p_none);
        duck(duckq, db, sql, NULL, 0);
        double b[MAX_RUNS];
        for (int r = 0; r < RUNS; r++) b[r] = duck(duckq, db, "SELECT 1", NULL, 0);
        d_base = median3(b);
        for (int r = 0; r < RUNS; r++) b[r] = duck(duckq, ":memory:", "SELECT 1", NULL, 0);
        d_base_mem = median3(b);
    }
    printf("Parquet, %llu sales rows (15 columns), %u threads; median of %d runs; DuckDB minus its start-up "
           "(%.3fs with the database, %.3fs in memory)\n\n",
           (unsigned long long)rows, st_thread_count(0), RUNS, d_base, d_base_mem);
    printf("| step | codec | Strata s | DuckDB s | Strata MB | DuckDB MB | Strata CPU s |\n|---|---|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < 2; i++) {
        double ts[MAX_RUNS], td[MAX_RUNS] = {0}, tc[MAX_RUNS];
        for (int r = 0; r < RUNS; r++) {
            o.codec = cc[i];
            f.i = 0;
            double a = now(), ca = cpu_now();
            if (st_pq_write_file(p_s[i], s, &o, next_batch, &f, NULL, &e)) die(&e);
            ts[r] = now() - a;
            tc[r] = cpu_now() - ca;
            if (duckq) {
                snprintf(sql, sizeof sql, "COPY sales TO '%s' (FORMAT parquet, COMPRESSION %s)", p_d[i], codecs[i]);
                td[r] = duck(duckq, db, sql, NULL, 0) - d_base;
            }
        }
        printf("| export | %s | %.3f | %.3f | %.1f | %.1f | %.3f |\n", codecs[i], median3(ts), duckq ? median3(td) : 0.0,
               file_size(p_s[i]) / 1e6, duckq ? file_size(p_d[i]) / 1e6 : 0.0, median3(tc));
        fflush(stdout);
    }
    for (int i = 0; i < 2; i++) {
        for (int who = 0; who < (duckq ? 2 : 1); who++) {
            const char *p = who ? p_d[i] : p_s[i];
            double ts[MAX_RUNS], td[MAX_RUNS] = {0}, tc[MAX_RUNS];
            char sres[1024], dres[1024] = "";
            for (int r = 0; r < RUNS; r++) {
                double a = now(), ca = cpu_now();
                strata_import(p, sres, sizeof sres);
                ts[r] = now() - a;
                tc[r] = cpu_now() - ca;
                if (duckq) {
                    snprintf(sql, sizeof sql, AGG_SQL, p);
                    td[r] = duck(duckq, ":memory:", sql, dres, sizeof dres) - d_base_mem;
                }
            }
            printf("| import %s file | %s | %.3f | %.3f | | | %.3f |\n", who ? "DuckDB's" : "Strata's", codecs[i], median3(ts),
                   duckq ? median3(td) : 0.0, median3(tc));
            if (duckq && strcmp(sres, dres)) {
                fprintf(stderr, "bench_parquet: results differ on %s\n  strata: %s\n  duckdb: %s\n", p, sres, dres);
                return 1;
            }
            fflush(stdout);
        }
    }
    for (uint32_t b = 0; b < nb; b++) st_batch_free(bs[b]);
    free(bs);
    st_schema_free(s);
    return 0;
}
