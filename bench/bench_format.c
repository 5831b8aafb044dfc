/*
 * bench_format.c: `make bench-format`: encode and decode throughput and
 * bytes per row of the segment format on a sales-shaped table, beside
 * DuckDB's bytes per row for the same rows.
 *
 *   bench_format [--rows N] [--zstd-level L] [--no-duckdb] [--keep DIR] [--encode-only]
 *   bench_format --demo OUTFILE      write a small sales segment, read it back
 *                                    and check the round trip (make demo)
 *
 * The table (generated in memory, deterministic): orders arrive in time
 * order (exponential gaps with a daily rhythm, microsecond timestamps) with
 * 1-6 lines each; per order a customer (skewed: repeat buyers), a sales
 * channel, a payment method and the customer's country; per line a product
 * (skewed towards best sellers) with its category and brand, an item
 * condition, a price derived from the product's list price and the
 * condition (with occasional discounts), and a quantity (mostly 1).
 *
 *   order_id BIGINT, line_number INTEGER, customer_id BIGINT,
 *   product_id INTEGER, category, brand, condition, channel,
 *   payment_method, country VARCHAR, price DECIMAL(10,2), quantity INTEGER,
 *   order_ts TIMESTAMP
 *
 * What is measured, single-threaded, in CPU time of the measuring thread (so
 * a busy machine slows the figures less than wall time would):
 *   encode  st_segment_writer_add + finish over batches of 8,192 rows,
 *           writing the file to the temp dir (page cache, no fsync); best
 *           of 3 runs
 *   decode  st_segment_read of every column chunk of every row group, best
 *           of 3 runs; also over the integer columns only
 * "MB/s" counts decoded bytes: the in-memory width of every non-NULL value
 * (8 for BIGINT, TIMESTAMP, DECIMAL(10,2); 4 for INTEGER) and the bytes of
 * string values (not their 16-byte handles); MB = 10^6 bytes.
 *
 * DuckDB: the same rows are written as CSV to the temp dir, loaded with
 * $DUCKQ into a fresh database file with the same column types, and the
 * file's size is taken after CHECKPOINT.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/io.h"
#include "format/schema.h"
#include "format/segment.h"
#include "format/vector.h"

/* ---- the table ---------------------------------------------------------- */

enum { C_ORDER, C_LINE, C_CUST, C_PROD, C_CAT, C_BRAND, C_COND, C_CHAN, C_PAY, C_COUNTRY,
       C_PRICE, C_QTY, C_TS, NCOLS };

static const char *const col_names[NCOLS] = {
    "order_id", "line_number", "customer_id", "product_id", "category", "brand", "condition",
    "channel", "payment_method", "country", "price", "quantity", "order_ts"};

static st_type col_type(int c) {
    switch (c) {
    case C_ORDER:
    case C_CUST: return st_type_make(ST_T_INT64);
    case C_LINE:
    case C_PROD:
    case C_QTY: return st_type_make(ST_T_INT32);
    case C_PRICE: return st_type_decimal(10, 2);
    case C_TS: return st_type_make(ST_T_TIMESTAMP);
    default: return st_type_make(ST_T_VARCHAR);
    }
}
static bool is_int_col(int c) { return !st_type_is_string(col_type(c)); }

static const char *const categories[] = {"smartphone", "laptop",  "tablet",   "smartwatch",
                                         "headphones", "camera",  "console",  "monitor",
                                         "television", "e-reader", "drone",   "speaker"};
static const double cat_weight[] = {34, 16, 12, 8, 9, 4, 5, 4, 3, 2, 1, 2};
static const char *const brands[] = {
    "Apple",   "Samsung", "Google", "Xiaomi", "OnePlus", "Huawei", "Sony",    "Motorola",
    "Nokia",   "Oppo",    "Lenovo", "Dell",   "HP",      "Asus",   "Acer",    "Microsoft",
    "MSI",     "Razer",   "Garmin", "Fitbit", "Bose",    "Sennheiser", "JBL", "Beats",
    "Canon",   "Nikon",   "Fujifilm", "GoPro", "DJI",    "Nintendo", "Valve",  "LG",
    "Philips", "TCL",     "Kobo",   "Amazon", "Sonos",   "Marshall", "Jabra", "Realme"};
static const char *const conditions[] = {"like new", "very good", "good", "fair", "new"};
static const double cond_weight[] = {30, 35, 22, 5, 8};
static const double cond_factor[] = {0.82, 0.74, 0.66, 0.55, 1.0};
static const char *const channels[] = {"web", "app", "marketplace", "store"};
static const double chan_weight[] = {48, 31, 15, 6};
static const char *const payments[] = {"card", "paypal", "apple pay", "google pay",
                                       "bank transfer", "gift card"};
static const double pay_weight[] = {44, 27, 12, 8, 6, 3};
static const char *const countries[] = {"DE", "FR", "GB", "IT", "ES", "NL", "BE", "AT", "PL", "SE",
                                        "DK", "FI", "IE", "PT", "CZ", "CH", "NO", "US", "CA", "AU"};
static const double country_weight[] = {22, 15, 14, 9, 9, 6, 3, 3, 4, 2,
                                        1.5, 1, 1.5, 1.5, 1.5, 2, 1, 2, 0.5, 0.5};

#define NPRODUCTS 25000
#define NCUSTOMERS 400000

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static inline uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static inline double urand(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static inline uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}
static int pick(const double *w, int n, double u) {
    double t = 0;
    for (int i = 0; i < n; i++) t += w[i];
    u *= t;
    for (int i = 0; i < n; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    return n - 1;
}
/* skewed index in [0, n): best sellers / repeat buyers */
static int skewed(int n, double power) { return (int)(n * pow(urand(), power)); }

typedef struct product {
    int cat, brand;
    int64_t list_cents;
    int cents_style;
} product;

typedef struct table {
    uint64_t rows;
    int64_t *order, *cust, *price, *ts;
    int32_t *line, *prod, *qty;
    uint8_t *str[6]; /* index into the value lists */
} table;

static const char *const *str_lists[6] = {categories, brands, conditions, channels, payments, countries};

static product products[NPRODUCTS];

static void gen_table(table *t, uint64_t rows) {
    rng = 0x2545F4914F6CDD1Dull;
    for (int p = 0; p < NPRODUCTS; p++) {
        product *pr = &products[p];
        pr->cat = pick(cat_weight, 12, urand());
        pr->brand = (int)(mix((uint64_t)p * 7 + (uint64_t)pr->cat) % 40);
        double mu = 5.2 + (pr->cat == 1 ? 0.8 : pr->cat == 4 ? -1.0 : pr->cat == 8 ? 0.6 : 0.0);
        double z = sqrt(-2 * log(urand() + 1e-12)) * cos(6.283185307 * urand());
        double eur = exp(mu + 0.7 * z);
        if (eur < 9) eur = 9;
        if (eur > 4000) eur = 4000;
        pr->list_cents = (int64_t)eur * 100;
        pr->cents_style = (int)(mix((uint64_t)p) % 4);
    }
    memset(t, 0, sizeof *t);
    t->rows = rows;
    t->order = malloc(rows * 8);
    t->cust = malloc(rows * 8);
    t->price = malloc(rows * 8);
    t->ts = malloc(rows * 8);
    t->line = malloc(rows * 4);
    t->prod = malloc(rows * 4);
    t->qty = malloc(rows * 4);
    for (int k = 0; k < 6; k++) t->str[k] = malloc(rows);
    int64_t ts = INT64_C(1735689600) * 1000000; /* 2025-01-01 00:00:00 UTC */
    int64_t order = 50000000;
    static const double lines_w[] = {52, 24, 12, 6, 4, 2};
    static const int cents[] = {0, 99, 90, 50};
    uint64_t r = 0;
    while (r < rows) {
        /* next order: gap by hour of day (quiet nights, busy evenings) */
        int hour = (int)((ts / 3600000000) % 24);
        double rate = 0.35 + 0.65 * (hour >= 7) + 0.6 * (hour >= 18 && hour <= 22);
        ts += (int64_t)(-log(urand() + 1e-12) * 26e6 / rate);
        order++;
        int cust = skewed(NCUSTOMERS, 1.6);
        int country = pick(country_weight, 20, (double)(mix((uint64_t)cust) >> 11) / 9007199254740992.0);
        int chan = pick(chan_weight, 4, urand());
        int pay = pick(pay_weight, 6, urand());
        int nlines = 1 + pick(lines_w, 6, urand());
        for (int l = 1; l <= nlines && r < rows; l++, r++) {
            int p = skewed(NPRODUCTS, 2.2);
            const product *pr = &products[p];
            int cond = pick(cond_weight, 5, urand());
            int64_t euros = (int64_t)((double)pr->list_cents * cond_factor[cond]) / 100;
            if (rnd() % 20 == 0) euros = euros * 9 / 10; /* a discount */
            if (euros < 1) euros = 1;
            t->order[r] = order;
            t->line[r] = l;
            t->cust[r] = 1000000 + cust;
            t->prod[r] = 10000 + p;
            t->str[0][r] = (uint8_t)pr->cat;
            t->str[1][r] = (uint8_t)pr->brand;
            t->str[2][r] = (uint8_t)cond;
            t->str[3][r] = (uint8_t)chan;
            t->str[4][r] = (uint8_t)pay;
            t->str[5][r] = (uint8_t)country;
            t->price[r] = euros * 100 + cents[pr->cents_style];
            uint64_t q = rnd() % 100;
            t->qty[r] = q < 90 ? 1 : q < 97 ? 2 : 3 + (int)(q % 3);
            t->ts[r] = ts;
        }
    }
}

static void free_table(table *t) {
    free(t->order);
    free(t->cust);
    free(t->price);
    free(t->ts);
    free(t->line);
    free(t->prod);
    free(t->qty);
    for (int k = 0; k < 6; k++) free(t->str[k]);
}

/* batch of rows [from, from+n); string slots point at the static lists */
static void fill_batch(const table *t, st_batch *b, uint64_t from, uint32_t n) {
    memcpy(b->cols[C_ORDER]->data, t->order + from, (size_t)n * 8);
    memcpy(b->cols[C_LINE]->data, t->line + from, (size_t)n * 4);
    memcpy(b->cols[C_CUST]->data, t->cust + from, (size_t)n * 8);
    memcpy(b->cols[C_PROD]->data, t->prod + from, (size_t)n * 4);
    memcpy(b->cols[C_PRICE]->data, t->price + from, (size_t)n * 8);
    memcpy(b->cols[C_QTY]->data, t->qty + from, (size_t)n * 4);
    memcpy(b->cols[C_TS]->data, t->ts + from, (size_t)n * 8);
    for (int k = 0; k < 6; k++) {
        st_str *s = b->cols[C_CAT + k]->data;
        for (uint32_t i = 0; i < n; i++) {
            const char *v = str_lists[k][t->str[k][from + i]];
            s[i].ptr = v;
            s[i].len = (uint32_t)strlen(v);
            s[i].reserved = 0;
        }
    }
    st_batch_set_len(b, n);
}

static st_schema *sales_schema(void) {
    st_schema *s = st_schema_new();
    st_error e;
    for (int c = 0; c < NCOLS; c++)
        if (st_schema_add(s, col_names[c], col_type(c), (uint32_t)c + 1, true, &e) != ST_OK) {
            fprintf(stderr, "%s\n", e.msg);
            exit(1);
        }
    return s;
}

/* ---- timing ------------------------------------------------------------- */

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const st_error *e) {
    fprintf(stderr, "bench_format: %s\n", e->msg);
    exit(1);
}

#define BATCH 8192

/* write rows of t to path; returns CPU seconds */
static double write_segment(const table *t, const char *path, const st_segment_options *opt,
                            st_segment_info *info, double *wall) {
    st_error e;
    st_schema *sc = sales_schema();
    st_type types[NCOLS];
    st_schema_types(sc, types);
    st_batch *b = st_batch_new(types, NCOLS, BATCH);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    st_wfile *f;
    if (st_wfile_create_tmp(dir, "bench", &f, &e) != ST_OK) die(&e);
    double c0 = cpu_now(), w0 = wall_now();
    st_segment_writer *w;
    if (st_segment_writer_new(sc, f, opt, &w, &e) != ST_OK) die(&e);
    for (uint64_t r = 0; r < t->rows; r += BATCH) {
        uint32_t n = t->rows - r < BATCH ? (uint32_t)(t->rows - r) : BATCH;
        double p0 = cpu_now();
        fill_batch(t, b, r, n); /* not part of the encode time */
        c0 += cpu_now() - p0;
        if (st_segment_writer_add(w, b, &e) != ST_OK) die(&e);
    }
    if (st_segment_writer_finish(w, info, &e) != ST_OK) die(&e);
    double secs = cpu_now() - c0;
    *wall = wall_now() - w0;
    st_segment_writer_free(w);
    if (st_wfile_publish(f, path, ST_PUBLISH_REPLACE, &e) != ST_OK) die(&e);
    st_batch_free(b);
    st_schema_free(sc);
    return secs;
}

typedef struct dec_result {
    double secs;
    uint64_t bytes;
    uint64_t rows;
} dec_result;

/* decode the columns in mask (bit c) of every row group; best of reps */
static dec_result decode_all(const st_segment *s, unsigned mask, int reps) {
    const st_schema *sc = st_segment_schema(s);
    st_vector *v[NCOLS];
    for (int c = 0; c < NCOLS; c++) v[c] = st_vector_new(sc->fields[c].type, 0);
    dec_result best = {1e30, 0, st_segment_rows(s)};
    st_error e;
    for (int rep = 0; rep < reps; rep++) {
        uint64_t bytes = 0;
        double c0 = cpu_now();
        for (uint32_t g = 0; g < st_segment_nrowgroups(s); g++)
            for (int c = 0; c < NCOLS; c++) {
                if (!(mask & (1u << c))) continue;
                if (st_segment_read(s, g, (uint32_t)c, v[c], &e) != ST_OK) die(&e);
                st_segment_chunk ch;
                st_segment_chunk_info(s, g, (uint32_t)c, &ch);
                bytes += ch.data_bytes;
            }
        double secs = cpu_now() - c0;
        if (secs < best.secs) best.secs = secs;
        best.bytes = bytes;
    }
    for (int c = 0; c < NCOLS; c++) st_vector_free(v[c]);
    return best;
}

/* compare every value of the segment with the table */
static uint64_t check_roundtrip(const st_segment *s, const table *t) {
    const st_schema *sc = st_segment_schema(s);
    st_error e;
    uint64_t bad = 0;
    for (int c = 0; c < NCOLS; c++) {
        st_vector *v = st_vector_new(sc->fields[c].type, 0);
        for (uint32_t g = 0; g < st_segment_nrowgroups(s); g++) {
            if (st_segment_read(s, g, (uint32_t)c, v, &e) != ST_OK) die(&e);
            uint64_t base = st_segment_rowgroup_first_row(s, g);
            for (uint32_t i = 0; i < v->len; i++) {
                uint64_t r = base + i;
                bool ok;
                switch (c) {
                case C_ORDER: ok = ST_VEC(v, int64_t)[i] == t->order[r]; break;
                case C_CUST: ok = ST_VEC(v, int64_t)[i] == t->cust[r]; break;
                case C_PRICE: ok = ST_VEC(v, int64_t)[i] == t->price[r]; break;
                case C_TS: ok = ST_VEC(v, int64_t)[i] == t->ts[r]; break;
                case C_LINE: ok = ST_VEC(v, int32_t)[i] == t->line[r]; break;
                case C_PROD: ok = ST_VEC(v, int32_t)[i] == t->prod[r]; break;
                case C_QTY: ok = ST_VEC(v, int32_t)[i] == t->qty[r]; break;
                default: {
                    const char *want = str_lists[c - C_CAT][t->str[c - C_CAT][r]];
                    const st_str *got = &ST_VEC(v, st_str)[i];
                    ok = got->len == strlen(want) && !memcmp(got->ptr, want, got->len);
                }
                }
                bad += !ok || st_vector_is_null(v, i);
            }
        }
        st_vector_free(v);
    }
    return bad;
}

/* ---- DuckDB ------------------------------------------------------------- */

static int64_t duckdb_size(const table *t, const char *dir, double *load_secs) {
    const char *duckq = getenv("DUCKQ");
    if (!duckq || !*duckq || access(duckq, X_OK) != 0) return -1;
    char csv[4200], db[4200], cmd[13000];
    snprintf(csv, sizeof csv, "%s/sales.csv", dir);
    snprintf(db, sizeof db, "%s/sales.duckdb", dir);
    FILE *f = fopen(csv, "w");
    if (!f) return -1;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("order_id,line_number,customer_id,product_id,category,brand,condition,channel,"
          "payment_method,country,price,quantity,order_ts\n", f);
    char tsb[ST_FORMAT_MAX];
    for (uint64_t r = 0; r < t->rows; r++) {
        st_format_timestamp(t->ts[r], tsb);
        fprintf(f, "%lld,%d,%lld,%d,%s,%s,%s,%s,%s,%s,%lld.%02lld,%d,%s\n", (long long)t->order[r],
                t->line[r], (long long)t->cust[r], t->prod[r], categories[t->str[0][r]],
                brands[t->str[1][r]], conditions[t->str[2][r]], channels[t->str[3][r]],
                payments[t->str[4][r]], countries[t->str[5][r]], (long long)(t->price[r] / 100),
                (long long)(t->price[r] % 100), t->qty[r], tsb);
    }
    if (fclose(f) != 0) return -1;
    unlink(db);
    snprintf(cmd, sizeof cmd,
             "'%s' '%s' \"CREATE TABLE sales(order_id BIGINT, line_number INTEGER, customer_id "
             "BIGINT, product_id INTEGER, category VARCHAR, brand VARCHAR, condition VARCHAR, "
             "channel VARCHAR, payment_method VARCHAR, country VARCHAR, price DECIMAL(10,2), "
             "quantity INTEGER, order_ts TIMESTAMP)\" "
             "\"COPY sales FROM '%s' (HEADER)\" \"CHECKPOINT\" \"SELECT count(*) FROM sales\" "
             ">/dev/null",
             duckq, db, csv);
    double w0 = wall_now();
    int rc = system(cmd);
    *load_secs = wall_now() - w0;
    unlink(csv);
    if (rc != 0) return -1;
    struct stat st;
    if (stat(db, &st) != 0) return -1;
    char wal[4300];
    snprintf(wal, sizeof wal, "%s.wal", db);
    struct stat sw;
    int64_t size = (int64_t)st.st_size + (stat(wal, &sw) == 0 ? (int64_t)sw.st_size : 0);
    unlink(db);
    unlink(wal);
    return size;
}

/* ---- main --------------------------------------------------------------- */

static int demo(const char *out) {
    table t;
    gen_table(&t, 20000);
    st_segment_options opt = {0};
    opt.rowgroup_rows = 8192;
    st_segment_info info;
    double wall;
    write_segment(&t, out, &opt, &info, &wall);
    st_segment *s;
    st_error e;
    if (st_segment_open(out, &s, &e) != ST_OK) die(&e);
    uint64_t bad = check_roundtrip(s, &t);
    printf("wrote %s: %llu rows x %d columns in %u row groups, %llu bytes (%.2f bytes/row)\n", out,
           (unsigned long long)info.rows, NCOLS, info.nrowgroups,
           (unsigned long long)info.file_size, (double)info.file_size / (double)info.rows);
    printf("read back every column of every row group: %s\n",
           bad ? "MISMATCH" : "all values identical to what was written");
    st_segment_close(s);
    st_segment_info_free(&info);
    free_table(&t);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    uint64_t rows = 3000000;
    int level = 0;
    bool duck = true, encode_only = false, gen_only = false;
    const char *keep = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--demo") && i + 1 < argc) return demo(argv[i + 1]);
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--zstd-level") && i + 1 < argc) level = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-duckdb")) duck = false;
        else if (!strcmp(argv[i], "--encode-only")) encode_only = true, duck = false;
        else if (!strcmp(argv[i], "--gen-only")) gen_only = true;
        else if (!strcmp(argv[i], "--keep") && i + 1 < argc) keep = argv[++i];
        else {
            fprintf(stderr,
                    "usage: bench_format [--rows N] [--zstd-level L] [--no-duckdb] [--keep DIR]\n"
                    "                    [--encode-only]\n"
                    "       bench_format --demo OUTFILE\n");
            return 2;
        }
    }
    char dir[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/strata-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (keep) snprintf(dir, sizeof dir, "%s", keep);
    else if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    st_error e;
    if (st_mkdir_p(dir, &e) != ST_OK) die(&e);
    char path[4200];
    snprintf(path, sizeof path, "%s/sales.seg", dir);

    printf("bench_format: %llu-row sales table, 13 columns (6 low-cardinality strings)\n",
           (unsigned long long)rows);
    table t;
    gen_table(&t, rows);
    if (gen_only) { /* baseline for profiling */
        free_table(&t);
        rmdir(dir);
        return 0;
    }
    st_segment_options opt = {0};
    opt.zstd_level = level;
    st_segment_info info;
    /* best of 3 encodes (a shared machine is noisy) */
    double enc = 1e30, enc_wall = 0;
    for (int rep = 0; rep < 3; rep++) {
        double wl, c = write_segment(&t, path, &opt, &info, &wl);
        if (c < enc) enc = c, enc_wall = wl;
        if (rep < 2) st_segment_info_free(&info);
    }
    if (encode_only) { /* for profiling the writer */
        printf("encode: %.2f s CPU, %llu bytes\n", enc, (unsigned long long)info.file_size);
        unlink(path);
        rmdir(dir);
        return 0;
    }
    uint64_t data_bytes = 0, int_bytes = 0;
    st_segment *s;
    if (st_segment_open(path, &s, &e) != ST_OK) die(&e);
    for (uint32_t g = 0; g < st_segment_nrowgroups(s); g++)
        for (int c = 0; c < NCOLS; c++) {
            st_segment_chunk ch;
            st_segment_chunk_info(s, g, (uint32_t)c, &ch);
            data_bytes += ch.data_bytes;
            if (is_int_col(c)) int_bytes += ch.data_bytes;
        }
    unsigned all = (1u << NCOLS) - 1, ints = 0;
    for (int c = 0; c < NCOLS; c++)
        if (is_int_col(c)) ints |= 1u << c;
    dec_result da = decode_all(s, all, 3);
    dec_result di = decode_all(s, ints, 3);
    uint64_t bad = check_roundtrip(s, &t);
    if (bad) {
        fprintf(stderr, "bench_format: %llu values differ after the round trip\n",
                (unsigned long long)bad);
        return 1;
    }
    double bpr = (double)info.file_size / (double)rows;
    printf("\nsegment: %llu bytes, %u row groups of up to %u rows: %.2f bytes/row "
           "(in memory: %.1f bytes/row)\n",
           (unsigned long long)info.file_size, info.nrowgroups, ST_SEGMENT_DEFAULT_RG_ROWS, bpr,
           (double)data_bytes / (double)rows);
    printf("\n%-16s %10s %8s  %s\n", "column", "bytes/row", "ratio", "encodings (chunks)");
    for (int c = 0; c < NCOLS; c++) {
        uint64_t st = 0, db = 0, z = 0, per[ST_ENC__COUNT] = {0};
        for (uint32_t g = 0; g < st_segment_nrowgroups(s); g++) {
            st_segment_chunk ch;
            st_segment_chunk_info(s, g, (uint32_t)c, &ch);
            st += ch.block_bytes;
            db += ch.data_bytes;
            z += ch.compression == ST_COMP_ZSTD;
            per[ch.encoding]++;
        }
        char encs[128] = "";
        for (int k = 0; k < ST_ENC__COUNT; k++)
            if (per[k])
                snprintf(encs + strlen(encs), sizeof encs - strlen(encs), "%s%s %llu",
                         encs[0] ? ", " : "", st_segment_encoding_name(k), (unsigned long long)per[k]);
        printf("%-16s %10.3f %7.1fx  %s; zstd on %llu\n", col_names[c], (double)st / (double)rows,
               st ? (double)db / (double)st : 0, encs, (unsigned long long)z);
    }
    printf("\nsingle-threaded, CPU time of one core:\n");
    printf("  encode             %8.0f MB/s  %6.2f M rows/s  (%.2f s; wall %.2f s)\n",
           (double)data_bytes / enc / 1e6, (double)rows / enc / 1e6, enc, enc_wall);
    printf("  decode, all cols   %8.0f MB/s  %6.2f M rows/s  (%.3f s)\n",
           (double)da.bytes / da.secs / 1e6, (double)rows / da.secs / 1e6, da.secs);
    printf("  decode, int cols   %8.0f MB/s  %6.2f M rows/s  (%.3f s; %d integer-like columns)\n",
           (double)di.bytes / di.secs / 1e6, (double)rows / di.secs / 1e6, di.secs,
           __builtin_popcount(ints));
    printf("  round trip         every value of %llu rows x %d columns identical\n",
           (unsigned long long)rows, NCOLS);
    st_segment_close(s);
    if (duck) {
        double load = 0;
        int64_t dsize = duckdb_size(&t, dir, &load);
        if (dsize > 0)
            printf("\nDuckDB 1.5 database file after CHECKPOINT: %lld bytes: %.2f bytes/row "
                   "(segment / DuckDB = %.2f)\n",
                   (long long)dsize, (double)dsize / (double)rows, (double)info.file_size / (double)dsize);
        else
            printf("\nDuckDB: not measured (set DUCKQ to bench/.peer/duckq; make bench-format does)\n");
    }
    printf("\ngoals: size <= DuckDB's; decode >= 1000 MB/s/core on integer columns; "
           "encode >= 300 MB/s/core\n");
    st_segment_info_free(&info);
    free_table(&t);
    if (!keep) {
        unlink(path);
        rmdir(dir);
    }
    (void)int_bytes;
    return 0;
}
