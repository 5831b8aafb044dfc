/*
 * test_sql_suite.c: the SQL correctness suite (the .test files in tests/sql).
 *
 * Each .test file holds blocks:
 *
 *   query LABEL [nosort] [strata] [mem=SIZE] [asof=N]
 *   SELECT ...              (one or more lines)
 *   ---- duck               (optional: the same question in DuckDB's SQL,
 *   SELECT ...               for Strata-only syntax such as time travel)
 *   ----
 *   expected rows as CSV    (until a blank line; \N is NULL, "" the empty
 *                            string)
 *
 *   error LABEL [strata] [mem=SIZE]
 *   SELECT ...
 *   ----
 *   a substring of the expected error message
 *
 * Rows compare as sets (sorted) unless `nosort`.  Every query runs three
 * times: over tables stored in one large unit with 1 thread, and over the
 * same tables cut into units of 333 rows with 1 and with 2 threads; all must
 * match the expectation, and the 1- and 2-thread runs must agree exactly
 * (same rows, same order, same floating-point digits).
 *
 * Expectations come from DuckDB 1.5 (the oracle) and are checked in, so
 * `make test` needs no DuckDB.  Two modes use it (with $DUCKQ set):
 *   STRATA_SQL_REGEN=1  rewrite the expected rows of every query block from
 *                       DuckDB's answers (blocks marked `strata` without a
 *                       duck query keep theirs);
 *   STRATA_SQL_PEER=1   check the checked-in expectations against DuckDB
 *                       (tests/peer/test_sql_suite.sh).
 * The fixtures are loaded into DuckDB with the same types
 * (tests/sql/data/NAME.types).  now() is fixed at 2025-06-15 12:00:00 UTC.
 */
#include "test_util.h"

#include <dirent.h>
#include <sys/wait.h>

#include "bench/gen/gen.h"
#include "engine/memsrc.h"
#include "engine/sql.h"
#include "format/valtext.h"
#include "sql_fixture.h"

#define DATA "tests/sql/data"
#define NOW_US INT64_C(1749988800000000) /* 2025-06-15 12:00:00 UTC */

static const char *fixtures[] = {"sales", "products", "customers", "t_types", "t_nulls",
                                 "t_empty", NULL};

static st_memcat *cat_big, *cat_small;

/* Tables made by the generator (strata gen --scale 0.01 --bad-rate 0 --as csv
 * --only sales,products,customers, seed 42) into a temporary folder, named
 * gen_sales, gen_products, gen_customers; types as the manifest declares. */
static char *gen_dir;
static const struct {
    const char *file, *table, *types;
} gen_tables[] = {
    {"sales", "gen_sales",
     "order_id BIGINT\nline_no BIGINT\ncustomer_id BIGINT\nproduct_id BIGINT\nsku VARCHAR\n"
     "category VARCHAR\nbrand VARCHAR\ncondition VARCHAR\nquantity BIGINT\n"
     "unit_price DECIMAL(18,2)\ncurrency VARCHAR\ndiscount DECIMAL(18,2)\ncountry VARCHAR\n"
     "status VARCHAR\nts TIMESTAMP\n"},
    {"products", "gen_products",
     "product_id BIGINT\nsku VARCHAR\ncategory VARCHAR\nbrand VARCHAR\nmodel VARCHAR\n"
     "storage_gb BIGINT\nrelease_year BIGINT\nmsrp DECIMAL(18,2)\ncolor VARCHAR\n"},
    {"customers", "gen_customers",
     "customer_id BIGINT\nsignup_date DATE\ncountry VARCHAR\nsegment VARCHAR\n"},
    {NULL, NULL, NULL}};

static void make_gen_data(void) {
    if (gen_dir) return;
    if (ST_GEN_DATA_VERSION != 1)
        fail_msg("the generator's data version changed (%d): regenerate tests/sql/12_gen.test "
                 "with STRATA_SQL_REGEN=1 and update this check", ST_GEN_DATA_VERSION);
    char *tmp = st_test_tmpdir();
    char out[512];
    snprintf(out, sizeof out, "%s/gen", tmp);
    st_gen_options o;
    st_gen_options_default(&o);
    o.scale = 0.01;
    o.seed = 42;
    o.as = ST_GEN_AS_CSV;
    o.bad_rate = 0;
    o.sources = (1u << ST_GEN_SALES) | (1u << ST_GEN_PRODUCTS) | (1u << ST_GEN_CUSTOMERS);
    ST_ASSERT_OK(st_gen_run(&o, out, NULL, &err_));
    for (int i = 0; gen_tables[i].file; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s.types", out, gen_tables[i].file);
        FILE *f = fopen(p, "w");
        fputs(gen_tables[i].types, f);
        fclose(f);
    }
    gen_dir = strdup(out);
    free(tmp); /* the folder is removed at teardown through gen_dir's parent */
}

static void add_gen_tables(st_memcat *mc, uint32_t unit_rows, uint32_t per_group) {
    for (int i = 0; gen_tables[i].file; i++) {
        st_memtable *t = fx_load(gen_dir, gen_tables[i].file, unit_rows, per_group, &err_);
        if (!t) fail_msg("generated %s: %s", gen_tables[i].file, err_.msg);
        ST_ASSERT_OK(st_memcat_commit(mc, gen_tables[i].table, t, INT64_C(1735689600000000), &err_));
        st_memtable_unref(t);
    }
}

static void add_tables(st_memcat *mc, uint32_t unit_rows, uint32_t per_group) {
    for (int i = 0; fixtures[i]; i++) {
        st_memtable *t = fx_load(DATA, fixtures[i], unit_rows, per_group, &err_);
        if (!t) fail_msg("fixture %s: %s", fixtures[i], err_.msg);
        ST_ASSERT_OK(st_memcat_commit(mc, fixtures[i], t, INT64_C(1735689600000000), &err_));
        char qual[64];
        snprintf(qual, sizeof qual, "bronze.%s", fixtures[i]);
        ST_ASSERT_OK(st_memcat_commit(mc, qual, t, INT64_C(1735689600000000), &err_));
        st_memtable_unref(t);
    }
    /* sales_tt: v0 = rid <= 1000 (2025-01-01), v1 = all rows (2025-02-01),
     * v2 = v1 minus the rows with line_no = 2, deleted (2025-03-01) */
    st_memtable *all = fx_load(DATA, "sales", unit_rows, per_group, &err_);
    if (!all) fail_msg("sales: %s", err_.msg);
    st_memtable *part = st_memtable_new(st_memtable_schema(all), unit_rows, per_group);
    st_source *src;
    ST_ASSERT_OK(st_memtable_source(all, "sales", &src, &err_));
    st_type ts[32];
    st_schema_types(src->schema, ts);
    st_batch *b = st_batch_new(ts, src->schema->nfields, 0);
    uint32_t ng = src->ops->group_count(src);
    uint64_t rows = 0;
    for (uint32_t g = 0; g < ng; g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            uint32_t cols[32];
            for (uint32_t c = 0; c < src->schema->nfields; c++) cols[c] = c;
            ST_ASSERT_OK(src->ops->read(src, g, u, cols, src->schema->nfields, b, &err_));
            /* append rows until 1000 */
            uint32_t take = b->len;
            if (rows + take > 1000) take = (uint32_t)(1000 - rows);
            if (!take) continue;
            uint32_t *sel = st_batch_sel_alloc(b, take);
            for (uint32_t k = 0; k < take; k++) sel[k] = k;
            b->sel = sel;
            b->sel_len = take;
            ST_ASSERT_OK(st_memtable_append(part, b, &err_));
            rows += take;
        }
    }
    ST_ASSERT_OK(st_memcat_commit(mc, "sales_tt", part, INT64_C(1735689600000000), &err_));
    ST_ASSERT_OK(st_memcat_commit(mc, "sales_tt", all, INT64_C(1738368000000000), &err_));
    /* v2: delete line_no = 2 (column 2) */
    int lcol = st_schema_find(src->schema, "line_no");
    uint64_t r = 0;
    for (uint32_t g = 0; g < ng; g++) {
        uint32_t nu;
        ST_ASSERT_OK(src->ops->group_open(src, g, &nu, &err_));
        for (uint32_t u = 0; u < nu; u++) {
            uint32_t col = (uint32_t)lcol;
            st_batch *lb = st_batch_new(&ts[lcol], 1, 0);
            ST_ASSERT_OK(src->ops->read(src, g, u, &col, 1, lb, &err_));
            for (uint32_t k = 0; k < lb->len; k++, r++)
                if (((int32_t *)lb->cols[0]->data)[k] == 2) ST_ASSERT_OK(st_memtable_delete(all, r, &err_));
            st_batch_free(lb);
        }
    }
    ST_ASSERT_OK(st_memcat_commit(mc, "sales_tt", all, INT64_C(1740787200000000), &err_));
    st_batch_free(b);
    st_source_close(src);
    st_memtable_unref(part);
    st_memtable_unref(all);
}

/* ---- suite files -------------------------------------------------------- */

typedef struct block {
    bool is_error, nosort, strata;
    char label[96];
    char mem[32];
    int64_t asof;
    char *sql, *duck;
    int exp_first, exp_end; /* line indexes of the expectation */
    int line;
} block;

typedef struct suite {
    char *path;
    char **lines;
    int nlines;
    block *b;
    int nb;
} suite;

static char *join_lines(char **lines, int a, int b) {
    size_t n = 1;
    for (int i = a; i < b; i++) n += strlen(lines[i]) + 1;
    char *s = malloc(n);
    s[0] = 0;
    for (int i = a; i < b; i++) {
        strcat(s, lines[i]);
        if (i + 1 < b) strcat(s, "\n");
    }
    return s;
}

static void parse_suite(const char *path, suite *S) {
    memset(S, 0, sizeof *S);
    S->path = strdup(path);
    size_t len;
    char *text = fx_slurp(path, &len);
    if (!text) fail_msg("cannot read %s", path);
    int cap = 1024;
    S->lines = malloc(cap * sizeof *S->lines);
    char *p = text;
    while (*p || p == text) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (!nl && l == 0) break;
        if (S->nlines == cap) S->lines = realloc(S->lines, (cap *= 2) * sizeof *S->lines);
        S->lines[S->nlines++] = strndup(p, l);
        if (!nl) break;
        p = nl + 1;
    }
    free(text);
    S->b = calloc(S->nlines + 1, sizeof *S->b);
    for (int i = 0; i < S->nlines;) {
        char *l = S->lines[i];
        bool q = !strncmp(l, "query ", 6), er = !strncmp(l, "error ", 6);
        if (!q && !er) {
            i++;
            continue;
        }
        block *B = &S->b[S->nb++];
        B->is_error = er;
        B->line = i + 1;
        B->asof = -1;
        char hdr[512];
        snprintf(hdr, sizeof hdr, "%s", l + 6);
        char *save = NULL;
        int k = 0;
        for (char *w = strtok_r(hdr, " ", &save); w; w = strtok_r(NULL, " ", &save), k++) {
            if (k == 0) snprintf(B->label, sizeof B->label, "%s", w);
            else if (!strcmp(w, "nosort")) B->nosort = true;
            else if (!strcmp(w, "rowsort")) B->nosort = false;
            else if (!strcmp(w, "strata")) B->strata = true;
            else if (!strncmp(w, "mem=", 4)) snprintf(B->mem, sizeof B->mem, "%s", w + 4);
            else if (!strncmp(w, "asof=", 5)) B->asof = atoll(w + 5);
            else fail_msg("%s:%d: unknown option %s", path, i + 1, w);
        }
        int s0 = ++i;
        while (i < S->nlines && strncmp(S->lines[i], "----", 4)) i++;
        if (i >= S->nlines) fail_msg("%s:%d: block without ----", path, B->line);
        B->sql = join_lines(S->lines, s0, i);
        if (!strcmp(S->lines[i], "---- duck")) {
            int d0 = ++i;
            while (i < S->nlines && strncmp(S->lines[i], "----", 4)) i++;
            if (i >= S->nlines) fail_msg("%s:%d: duck block without ----", path, B->line);
            B->duck = join_lines(S->lines, d0, i);
        }
        i++; /* ---- */
        B->exp_first = i;
        while (i < S->nlines && S->lines[i][0]) i++;
        B->exp_end = i;
    }
}

static void free_suite(suite *S) {
    for (int i = 0; i < S->nlines; i++) free(S->lines[i]);
    free(S->lines);
    for (int i = 0; i < S->nb; i++) {
        free(S->b[i].sql);
        free(S->b[i].duck);
    }
    free(S->b);
    free(S->path);
}

/* ---- rows as comparable strings ----------------------------------------- */

#define FSEP '\x1f'
#define NULLMARK "\x01NULL"

typedef struct rows {
    char **r;
    int n, cap;
} rows;

static void rows_add(rows *R, char *s) {
    if (R->n == R->cap) R->r = realloc(R->r, (R->cap = R->cap ? R->cap * 2 : 64) * sizeof *R->r);
    R->r[R->n++] = s;
}
static void rows_free(rows *R) {
    for (int i = 0; i < R->n; i++) free(R->r[i]);
    free(R->r);
    memset(R, 0, sizeof *R);
}
static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* expected CSV line -> comparable row */
static char *csv_to_row(const char *line) {
    char *f[256];
    int q[256];
    const char *p = line;
    int n = fx_record(&p, f, q, 256);
    st_sbuf sb = ST_SBUF_INIT;
    for (int i = 0; i < n && i < 256; i++) {
        if (i) st_sbuf_putc(&sb, FSEP);
        if (!q[i] && (!f[i][0] || !strcmp(f[i], "\\N"))) st_sbuf_printf(&sb, NULLMARK);
        else st_sbuf_printf(&sb, "%s", f[i]);
        free(f[i]);
    }
    char *s = strdup(st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    return s;
}

static char *row_to_csv(const char *row) {
    st_sbuf sb = ST_SBUF_INIT;
    const char *p = row;
    bool first = true;
    for (;;) {
        const char *e = strchr(p, FSEP);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!first) st_sbuf_putc(&sb, ',');
        first = false;
        if (n == strlen(NULLMARK) && !memcmp(p, NULLMARK, n)) {
            st_sbuf_printf(&sb, "\\N");
        } else {
            st_text_csv_field(&sb, p, n, ',', '"');
        }
        if (!e) break;
        p = e + 1;
    }
    char *s = strdup(st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    return s;
}

static st_status run_strata(st_memcat *mc, const block *B, uint32_t threads, rows *out,
                            st_error *e) {
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = threads;
    o.now_us = NOW_US;
    o.as_of_version = B->asof;
    if (B->mem[0]) ST_TRY(st_parse_size(B->mem, &o.memory_limit, e));
    st_query *q;
    ST_TRY(st_query_prepare(st_memcat_catalog(mc), B->sql, &o, &q, e));
    st_status rc;
    const st_batch *b;
    st_sbuf sb = ST_SBUF_INIT;
    while ((rc = st_query_next(q, &b, e)) == ST_OK && b) {
        uint32_t live = st_batch_live(b);
        for (uint32_t k = 0; k < live; k++) {
            uint32_t r = b->sel ? b->sel[k] : k;
            st_sbuf_clear(&sb);
            for (uint32_t c = 0; c < b->ncols; c++) {
                if (c) st_sbuf_putc(&sb, FSEP);
                if (st_vector_is_null(b->cols[c], r)) st_sbuf_printf(&sb, NULLMARK);
                else st_text_cell(&sb, b->cols[c], r, ST_CELL_PLAIN, ',', '"');
            }
            rows_add(out, strdup(st_sbuf_cstr(&sb)));
        }
    }
    st_sbuf_free(&sb);
    st_query_close(q);
    return rc;
}

/* ---- DuckDB (regen / peer) ---------------------------------------------- */

static char duckdb_path[512];

static int run_cmd(char *const argv[]) {
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static void duck_setup(void) {
    const char *dq = getenv("DUCKQ");
    if (!dq) fail_msg("DUCKQ is not set");
    snprintf(duckdb_path, sizeof duckdb_path, "%s/strata-sqlsuite-%d.duckdb",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    unlink(duckdb_path);
    st_sbuf sql = ST_SBUF_INIT;
    st_sbuf_printf(&sql, "SET TimeZone='UTC'; CREATE SCHEMA bronze;");
    for (int i = 0; fixtures[i]; i++) {
        char path[256];
        snprintf(path, sizeof path, DATA "/%s.types", fixtures[i]);
        char *types = fx_slurp(path, NULL);
        st_sbuf_printf(&sql, "CREATE TABLE %s AS SELECT * FROM read_csv('" DATA "/%s.csv', header=true, "
                             "allow_quoted_nulls=false, delim=',', quote='\"', escape='\"', columns={",
                       fixtures[i], fixtures[i]);
        char *save = NULL;
        bool first = true;
        for (char *l = strtok_r(types, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            char *sp = strchr(l, ' ');
            *sp = 0;
            st_sbuf_printf(&sql, "%s'%s': '%s'", first ? "" : ", ", l, sp + 1);
            first = false;
        }
        st_sbuf_printf(&sql, "}); CREATE VIEW bronze.%s AS SELECT * FROM main.%s;", fixtures[i], fixtures[i]);
        free(types);
    }
    for (int i = 0; gen_tables[i].file; i++) {
        st_sbuf_printf(&sql, "CREATE TABLE %s AS SELECT * FROM read_csv('%s/%s.csv', header=true, "
                             "allow_quoted_nulls=false, columns={",
                       gen_tables[i].table, gen_dir, gen_tables[i].file);
        char *types = strdup(gen_tables[i].types), *save = NULL;
        bool first = true;
        for (char *l = strtok_r(types, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            char *sp = strchr(l, ' ');
            *sp = 0;
            st_sbuf_printf(&sql, "%s'%s': '%s'", first ? "" : ", ", l, sp + 1);
            first = false;
        }
        st_sbuf_printf(&sql, "});");
        free(types);
    }
    char *argv[] = {(char *)dq, duckdb_path, (char *)st_sbuf_cstr(&sql), NULL};
    if (run_cmd(argv) != 0) fail_msg("DuckDB could not load the fixtures");
    st_sbuf_free(&sql);
}

/* run sql in DuckDB; rows into out; returns 0 or 1 on error */
static int run_duck(const char *sql, rows *out) {
    const char *dq = getenv("DUCKQ");
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.out.csv", duckdb_path);
    unlink(tmp);
    st_sbuf s = ST_SBUF_INIT;
    /* strip a trailing ';' */
    size_t n = strlen(sql);
    while (n && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n')) n--;
    st_sbuf_printf(&s, "COPY (%.*s) TO '%s' (FORMAT csv, HEADER false, NULLSTR '\\N', FORCE_QUOTE *)", (int)n, sql, tmp);
    char *argv[] = {(char *)dq, duckdb_path, "SET TimeZone='UTC'", (char *)st_sbuf_cstr(&s), NULL};
    int rc = run_cmd(argv);
    st_sbuf_free(&s);
    if (rc != 0) return 1;
    char *text = fx_slurp(tmp, NULL);
    if (!text) return 1;
    const char *p = text;
    while (*p) {
        /* one CSV record (may span lines when quoted) */
        const char *start = p;
        char *f[256];
        int q[256];
        int nf = fx_record(&p, f, q, 256);
        for (int i = 0; i < nf && i < 256; i++) free(f[i]);
        char *rec = strndup(start, (size_t)(p - start));
        size_t rl = strlen(rec);
        while (rl && (rec[rl - 1] == '\n' || rec[rl - 1] == '\r')) rec[--rl] = 0;
        rows_add(out, csv_to_row(rec));
        free(rec);
    }
    free(text);
    unlink(tmp);
    return 0;
}

/* ---- the test ----------------------------------------------------------- */

static bool same_rows(rows *a, rows *b, bool sort) {
    if (a->n != b->n) return false;
    if (sort && a->n) {
        qsort(a->r, a->n, sizeof *a->r, cmpstr);
        qsort(b->r, b->n, sizeof *b->r, cmpstr);
    }
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->r[i], b->r[i])) return false;
    return true;
}

static void show_rows(const char *what, rows *r) {
    fprintf(stderr, "  %s (%d rows):\n", what, r->n);
    for (int i = 0; i < r->n && i < 12; i++) {
        char *c = row_to_csv(r->r[i]);
        fprintf(stderr, "    %s\n", c);
        free(c);
    }
}

static int total_queries;

static void run_file(const char *path, int mode /* 0 test, 1 regen, 2 peer */) {
    suite S;
    parse_suite(path, &S);
    int failures = 0;
    for (int i = 0; i < S.nb; i++) {
        block *B = &S.b[i];
        total_queries++;
        if (mode) {
            if (B->is_error || (B->strata && !B->duck)) continue;
            rows d = {0};
            if (run_duck(B->duck ? B->duck : B->sql, &d) != 0) {
                fprintf(stderr, "%s:%d [%s]: DuckDB failed on this query\n", path, B->line, B->label);
                failures++;
                rows_free(&d);
                continue;
            }
            if (mode == 1) {
                /* replace the expectation lines */
                for (int k = B->exp_first; k < B->exp_end; k++) {
                    free(S.lines[k]);
                    S.lines[k] = NULL;
                }
                char **nl = malloc((d.n + 1) * sizeof *nl);
                for (int k = 0; k < d.n; k++) nl[k] = row_to_csv(d.r[k]);
                /* splice: rebuild the line array */
                int newn = S.nlines - (B->exp_end - B->exp_first) + d.n;
                char **L = malloc((newn + 1) * sizeof *L);
                int w = 0;
                for (int k = 0; k < B->exp_first; k++) L[w++] = S.lines[k];
                for (int k = 0; k < d.n; k++) L[w++] = nl[k];
                for (int k = B->exp_end; k < S.nlines; k++) L[w++] = S.lines[k];
                int delta = d.n - (B->exp_end - B->exp_first);
                free(S.lines);
                free(nl);
                S.lines = L;
                S.nlines = newn;
                for (int j = i + 1; j < S.nb; j++) {
                    S.b[j].exp_first += delta;
                    S.b[j].exp_end += delta;
                }
                B->exp_end = B->exp_first + d.n;
            } else {
                rows x = {0};
                for (int k = B->exp_first; k < B->exp_end; k++) rows_add(&x, csv_to_row(S.lines[k]));
                if (!same_rows(&d, &x, !B->nosort)) {
                    fprintf(stderr, "%s:%d [%s]: DuckDB disagrees with the expectation\n", path, B->line, B->label);
                    show_rows("DuckDB", &d);
                    show_rows("expected", &x);
                    failures++;
                }
                rows_free(&x);
            }
            rows_free(&d);
            continue;
        }
        if (B->is_error) {
            const char *want = B->exp_first < B->exp_end ? S.lines[B->exp_first] : "";
            for (int cfg = 0; cfg < 2; cfg++) {
                rows r = {0};
                st_error e;
                st_error_clear(&e);
                st_status rc = run_strata(cfg ? cat_small : cat_big, B, cfg ? 2 : 1, &r, &e);
                if (rc == ST_OK || !strstr(e.msg, want)) {
                    fprintf(stderr, "%s:%d [%s]: expected an error containing \"%s\", got %s: %s\n",
                            path, B->line, B->label, want, rc == ST_OK ? "success" : "error", e.msg);
                    failures++;
                }
                rows_free(&r);
            }
            continue;
        }
        rows exp = {0}, r1 = {0}, r2 = {0}, r3 = {0};
        for (int k = B->exp_first; k < B->exp_end; k++) rows_add(&exp, csv_to_row(S.lines[k]));
        st_error e;
        st_error_clear(&e);
        st_status rc = run_strata(cat_big, B, 1, &r1, &e);
        if (rc == ST_OK) rc = run_strata(cat_small, B, 1, &r2, &e);
        if (rc == ST_OK) rc = run_strata(cat_small, B, 2, &r3, &e);
        if (rc != ST_OK) {
            fprintf(stderr, "%s:%d [%s]: failed: %s\n", path, B->line, B->label, e.msg);
            failures++;
        } else {
            /* threads 1 vs 2 over the same units: identical, order included */
            bool det = r2.n == r3.n;
            for (int k = 0; det && k < r2.n; k++) det = !strcmp(r2.r[k], r3.r[k]);
            if (!det) {
                fprintf(stderr, "%s:%d [%s]: 1 and 2 threads disagree\n", path, B->line, B->label);
                show_rows("1 thread", &r2);
                show_rows("2 threads", &r3);
                failures++;
            }
            rows e2 = {0}, e3 = {0};
            for (int k = 0; k < exp.n; k++) {
                rows_add(&e2, strdup(exp.r[k]));
                rows_add(&e3, strdup(exp.r[k]));
            }
            if (!same_rows(&r1, &exp, !B->nosort) || !same_rows(&r2, &e2, !B->nosort)) {
                fprintf(stderr, "%s:%d [%s]: wrong result\n", path, B->line, B->label);
                show_rows("got", &r1);
                show_rows("expected", &exp);
                failures++;
            }
            rows_free(&e2);
            rows_free(&e3);
        }
        rows_free(&exp);
        rows_free(&r1);
        rows_free(&r2);
        rows_free(&r3);
    }
    if (mode == 1) {
        FILE *f = fopen(path, "w");
        for (int k = 0; k < S.nlines; k++) fprintf(f, "%s\n", S.lines[k]);
        fclose(f);
    }
    free_suite(&S);
    if (failures && mode == 1) fprintf(stderr, "%s: %d block(s) DuckDB could not answer\n", path, failures);
    else if (failures) fail_msg("%s: %d failing block(s)", path, failures);
}

static int mode_from_env(void) {
    if (getenv("STRATA_SQL_REGEN")) return 1;
    if (getenv("STRATA_SQL_PEER")) return 2;
    return 0;
}

static void test_suite(void **state) {
    (void)state;
    int mode = mode_from_env();
    if (mode) duck_setup();
    DIR *d = opendir("tests/sql");
    assert_non_null(d);
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        size_t l = strlen(de->d_name);
        if (l > 5 && !strcmp(de->d_name + l - 5, ".test")) names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmpstr);
    const char *only = getenv("STRATA_SQL_ONLY");
    for (int i = 0; i < n; i++) {
        char path[300];
        snprintf(path, sizeof path, "tests/sql/%s", names[i]);
        if (!only || strstr(names[i], only)) run_file(path, mode);
        free(names[i]);
    }
    if (mode) {
        unlink(duckdb_path);
    }
    fprintf(stderr, "sql suite: %d blocks\n", total_queries);
    if (!mode && !only) assert_true(total_queries >= 150);
}

static int setup(void **state) {
    (void)state;
    cat_big = st_memcat_new();
    cat_small = st_memcat_new();
    add_tables(cat_big, 1u << 20, 4);
    add_tables(cat_small, 333, 3);
    make_gen_data();
    add_gen_tables(cat_big, 1u << 20, 4);
    add_gen_tables(cat_small, 1000, 2);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    if (gen_dir) {
        char *parent = strdup(gen_dir);
        *strrchr(parent, '/') = 0;
        st_test_rmrf(parent);
        free(gen_dir);
    }
    st_memcat_free(cat_big);
    st_memcat_free(cat_small);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_suite)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
