/*
 * test_sql_prune.c: pruning never changes an answer.
 *
 * 1. Every query of the SQL suite (the query blocks of tests/sql/NN_name.test) runs over
 *    the suite's tables laid out four ways (file order; each table sorted by
 *    its first, second, or a temporal column, so that zone maps are tight
 *    and pruning actually skips) with pruning on and with pruning off
 *    (st_sql_opts.no_prune): the rows, their order and every digit must be
 *    identical.  The test counts the queries whose scans had pruning terms
 *    (pruning-eligible) and those where pruning skipped a group or a unit,
 *    and fails if those counts collapse (a planner change that silently
 *    stopped pruning would otherwise pass).
 * 2. Targeted edge cases over generated tables, each checked on and off and
 *    for what was skipped: NULL-only units, NaN, strings longer than the
 *    zone-map bound, empty tables, deleted rows, DATE vs TIMESTAMP ranges not
 *    aligned to days, integers vs decimal and out-of-range constants, IN /
 *    NOT IN (with NULL), OR / NOT / BETWEEN combinations.
 */
#include "test_util.h"

#include <jansson.h>
#include <math.h>

#include "bench/gen/gen.h"
#include "engine/memsrc.h"
#include "engine/sql.h"
#include "format/valtext.h"
#include "sql_fixture.h"

#define DATA "tests/sql/data"
#define NOW_US INT64_C(1749988800000000) /* 2025-06-15 12:00:00 UTC */

static const char *fixtures[] = {"sales", "products", "customers", "t_types", "t_nulls", "t_empty", NULL};

/* ---- running a query ---------------------------------------------------- */

typedef struct answer {
    st_status rc;
    char *text; /* rows, one per line, fields separated by \x1f */
} answer;

static answer run(st_catalog *cat, const char *sql, int64_t asof, bool no_prune) {
    answer a = {ST_OK, NULL};
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = 2;
    o.now_us = NOW_US;
    o.as_of_version = asof;
    o.no_prune = no_prune;
    st_query *q;
    st_error e;
    st_sbuf sb = ST_SBUF_INIT;
    a.rc = st_query_prepare(cat, sql, &o, &q, &e);
    if (a.rc == ST_OK) {
        const st_batch *b;
        while ((a.rc = st_query_next(q, &b, &e)) == ST_OK && b) {
            uint32_t live = st_batch_live(b);
            for (uint32_t k = 0; k < live; k++) {
                uint32_t r = b->sel ? b->sel[k] : k;
                for (uint32_t c = 0; c < b->ncols; c++) {
                    if (c) st_sbuf_putc(&sb, '\x1f');
                    if (st_vector_is_null(b->cols[c], r)) st_sbuf_printf(&sb, "\\N");
                    else st_text_cell(&sb, b->cols[c], r, ST_CELL_PLAIN, ',', '"');
                }
                st_sbuf_putc(&sb, '\n');
            }
        }
        st_query_close(q);
    }
    if (a.rc != ST_OK) st_sbuf_printf(&sb, "error %s: %s", st_status_name(a.rc), e.msg);
    a.text = strdup(st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    return a;
}

/* What pruning did, from EXPLAIN's JSON: tests (leaves) present, and the
 * partitions + groups + units skipped over every scan. */
typedef struct pstats {
    bool eligible;
    uint64_t skipped;
    uint64_t kept_units, total_units, kept_groups, total_groups, kept_parts, total_parts;
} pstats;

static void walk(json_t *n, pstats *ps) {
    json_t *s = json_object_get(n, "scan");
    if (s) {
        if (json_object_get(s, "pruning")) ps->eligible = true;
        const char *keys[] = {"partitions", "segments", "files", "row_groups"};
        for (int i = 0; i < 4; i++) {
            json_t *k = json_object_get(s, keys[i]);
            if (!k) continue;
            uint64_t kept = (uint64_t)json_integer_value(json_object_get(k, "kept"));
            uint64_t total = (uint64_t)json_integer_value(json_object_get(k, "total"));
            ps->skipped += total - kept;
            if (i == 3) ps->kept_units += kept, ps->total_units += total;
            else if (i == 0) ps->kept_parts += kept, ps->total_parts += total;
            else ps->kept_groups += kept, ps->total_groups += total;
        }
    }
    json_t *kids = json_object_get(n, "children");
    for (size_t i = 0; i < json_array_size(kids); i++) walk(json_array_get(kids, i), ps);
}

static bool explain_stats(st_catalog *cat, const char *sql, int64_t asof, pstats *ps) {
    memset(ps, 0, sizeof *ps);
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = 2;
    o.now_us = NOW_US;
    o.as_of_version = asof;
    st_query *q;
    st_error e;
    if (st_query_prepare(cat, sql, &o, &q, &e) != ST_OK) return false;
    st_sbuf sb = ST_SBUF_INIT;
    bool ok = st_query_explain(q, true, &sb, &e) == ST_OK;
    st_query_close(q);
    if (ok) {
        json_error_t je;
        json_t *j = json_loads(st_sbuf_cstr(&sb), 0, &je);
        if (!j) fail_msg("EXPLAIN JSON does not parse: %s", je.text);
        walk(json_object_get(j, "plan"), ps);
        json_decref(j);
    }
    st_sbuf_free(&sb);
    return ok;
}

/* ---- layouts: the fixture tables, re-ordered ----------------------------- */

/* A copy of t ordered by column `col` (NULLs first), in units of unit_rows,
 * per_group units per group. */
static st_memtable *sorted_copy(st_memtable *t, int col, uint32_t unit_rows, uint32_t per_group) {
    const st_schema *sch = st_memtable_schema(t);
    st_memtable *out = st_memtable_new(sch, unit_rows, per_group);
    st_memcat *tmp = st_memcat_new();
    ST_ASSERT_OK(st_memcat_commit(tmp, "src", t, 0, &err_));
    char sql[256];
    if (col < 0) snprintf(sql, sizeof sql, "SELECT * FROM src");
    else snprintf(sql, sizeof sql, "SELECT * FROM src ORDER BY \"%s\" NULLS FIRST", sch->fields[col].name);
    st_sql_opts o;
    st_sql_opts_init(&o);
    o.threads = 1;
    st_query *q;
    ST_ASSERT_OK(st_query_prepare(st_memcat_catalog(tmp), sql, &o, &q, &err_));
    const st_batch *b;
    st_status rc;
    while ((rc = st_query_next(q, &b, &err_)) == ST_OK && b) ST_ASSERT_OK(st_memtable_append(out, b, &err_));
    ST_ASSERT_OK(rc);
    st_query_close(q);
    st_memcat_free(tmp);
    return out;
}

/* which column to sort a table by in layout k (-1 = as loaded) */
static int layout_col(const st_schema *s, int k) {
    if (k == 0) return -1;
    if (k == 1) return 0;
    if (k == 2) return s->nfields > 1 ? 1 : 0;
    for (uint32_t i = 0; i < s->nfields; i++)
        if (st_type_is_temporal(s->fields[i].type)) return (int)i;
    return (int)s->nfields - 1;
}

static const uint32_t unit_rows_of[4] = {97, 64, 50, 128};
static const uint32_t per_group_of[4] = {3, 4, 2, 2};

static char *gen_dir;

static void make_gen(void) {
    /* the generator's tables, as the suite has them (12_gen.test) */
    static const struct {
        const char *file, *types;
    } g[] = {{"sales",
              "order_id BIGINT\nline_no BIGINT\ncustomer_id BIGINT\nproduct_id BIGINT\nsku VARCHAR\n"
              "category VARCHAR\nbrand VARCHAR\ncondition VARCHAR\nquantity BIGINT\n"
              "unit_price DECIMAL(18,2)\ncurrency VARCHAR\ndiscount DECIMAL(18,2)\ncountry VARCHAR\n"
              "status VARCHAR\nts TIMESTAMP\n"},
             {"products",
              "product_id BIGINT\nsku VARCHAR\ncategory VARCHAR\nbrand VARCHAR\nmodel VARCHAR\n"
              "storage_gb BIGINT\nrelease_year BIGINT\nmsrp DECIMAL(18,2)\ncolor VARCHAR\n"},
             {"customers", "customer_id BIGINT\nsignup_date DATE\ncountry VARCHAR\nsegment VARCHAR\n"},
             {NULL, NULL}};
    char *tmp = st_test_tmpdir();
    char out[600];
    snprintf(out, sizeof out, "%s/gen", tmp);
    st_gen_options go;
    st_gen_options_default(&go);
    go.scale = 0.01;
    go.seed = 42;
    go.as = ST_GEN_AS_CSV;
    go.bad_rate = 0;
    go.sources = (1u << ST_GEN_SALES) | (1u << ST_GEN_PRODUCTS) | (1u << ST_GEN_CUSTOMERS);
    ST_ASSERT_OK(st_gen_run(&go, out, NULL, &err_));
    for (int i = 0; g[i].file; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s.types", out, g[i].file);
        FILE *f = fopen(p, "w");
        fputs(g[i].types, f);
        fclose(f);
    }
    gen_dir = strdup(out);
    free(tmp);
}

static void add_layout_tables(st_memcat *mc, int k) {
    uint32_t ur = unit_rows_of[k], pg = per_group_of[k];
    for (int i = 0; fixtures[i]; i++) {
        st_memtable *t = fx_load(DATA, fixtures[i], 1000000, 1, &err_);
        if (!t) fail_msg("fixture %s: %s", fixtures[i], err_.msg);
        st_memtable *s = sorted_copy(t, layout_col(st_memtable_schema(t), k), ur, pg);
        ST_ASSERT_OK(st_memcat_commit(mc, fixtures[i], s, INT64_C(1735689600000000), &err_));
        char qual[64];
        snprintf(qual, sizeof qual, "bronze.%s", fixtures[i]);
        ST_ASSERT_OK(st_memcat_commit(mc, qual, s, INT64_C(1735689600000000), &err_));
        if (!strcmp(fixtures[i], "sales")) {
            /* sales_tt: v0 = the first 1000 rows, v1 = all, v2 = all minus
             * line_no = 2 (deleted rows) */
            st_memtable *part = st_memtable_new(st_memtable_schema(s), ur, pg);
            st_memcat *tmp = st_memcat_new();
            ST_ASSERT_OK(st_memcat_commit(tmp, "s", s, 0, &err_));
            st_query *q;
            ST_ASSERT_OK(st_query_prepare(st_memcat_catalog(tmp), "SELECT * FROM s LIMIT 1000", NULL, &q, &err_));
            const st_batch *b;
            while (st_query_next(q, &b, &err_) == ST_OK && b) ST_ASSERT_OK(st_memtable_append(part, b, &err_));
            st_query_close(q);
            ST_ASSERT_OK(st_query_prepare(st_memcat_catalog(tmp), "SELECT line_no FROM s", NULL, &q, &err_));
            st_memtable *all = sorted_copy(s, -1, ur, pg);
            ST_ASSERT_OK(st_memcat_commit(mc, "sales_tt", part, INT64_C(1735689600000000), &err_));
            ST_ASSERT_OK(st_memcat_commit(mc, "sales_tt", all, INT64_C(1738368000000000), &err_));
            uint64_t r = 0;
            while (st_query_next(q, &b, &err_) == ST_OK && b)
                for (uint32_t j = 0; j < b->len; j++, r++)
                    if (!st_vector_is_null(b->cols[0], j) && ((int32_t *)b->cols[0]->data)[j] == 2)
                        ST_ASSERT_OK(st_memtable_delete(all, r, &err_));
            st_query_close(q);
            ST_ASSERT_OK(st_memcat_commit(mc, "sales_tt", all, INT64_C(1740787200000000), &err_));
            st_memcat_free(tmp);
            st_memtable_unref(part);
            st_memtable_unref(all);
        }
        st_memtable_unref(s);
        st_memtable_unref(t);
    }
    if (gen_dir) {
        static const char *gn[] = {"sales", "products", "customers", NULL};
        for (int i = 0; gn[i]; i++) {
            st_memtable *t = fx_load(gen_dir, gn[i], 1000000, 1, &err_);
            if (!t) fail_msg("generated %s: %s", gn[i], err_.msg);
            st_memtable *s = sorted_copy(t, layout_col(st_memtable_schema(t), k), ur * 4, pg);
            char name[64];
            snprintf(name, sizeof name, "gen_%s", gn[i]);
            ST_ASSERT_OK(st_memcat_commit(mc, name, s, INT64_C(1735689600000000), &err_));
            st_memtable_unref(s);
            st_memtable_unref(t);
        }
    }
}

/* ---- 1. the SQL suite, pruning on vs off -------------------------------- */

typedef struct qblock {
    char *sql;
    int64_t asof;
    int line;
} qblock;

static int load_blocks(const char *path, qblock **out) {
    char *text = fx_slurp(path, NULL);
    if (!text) fail_msg("cannot read %s", path);
    int n = 0, cap = 64;
    qblock *b = malloc(cap * sizeof *b);
    char *save = NULL;
    int line = 0;
    char *l = strtok_r(text, "\n", &save);
    /* strtok_r skips empty lines: fine, blocks are delimited by keywords */
    while (l) {
        line++;
        if (strncmp(l, "query ", 6)) {
            l = strtok_r(NULL, "\n", &save);
            continue;
        }
        int64_t asof = -1;
        const char *a = strstr(l, "asof=");
        if (a) asof = atoll(a + 5);
        int start = line;
        st_sbuf sb = ST_SBUF_INIT;
        for (l = strtok_r(NULL, "\n", &save); l && strncmp(l, "----", 4); l = strtok_r(NULL, "\n", &save)) {
            st_sbuf_printf(&sb, "%s\n", l);
            line++;
        }
        if (n == cap) b = realloc(b, (cap *= 2) * sizeof *b);
        b[n].sql = strdup(st_sbuf_cstr(&sb));
        b[n].asof = asof;
        b[n].line = start;
        n++;
        st_sbuf_free(&sb);
    }
    free(text);
    *out = b;
    return n;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_suite_on_off(void **state) {
    (void)state;
    make_gen();
    st_memcat *cats[4];
    for (int k = 0; k < 4; k++) {
        cats[k] = st_memcat_new();
        add_layout_tables(cats[k], k);
    }
    char *files[64];
    int nfiles = 0;
    FILE *ls = popen("ls tests/sql/*.test", "r");
    char buf[512];
    while (ls && fgets(buf, sizeof buf, ls) && nfiles < 64) {
        buf[strcspn(buf, "\n")] = 0;
        files[nfiles++] = strdup(buf);
    }
    if (ls) pclose(ls);
    qsort(files, nfiles, sizeof *files, cmp_names);
    assert_true(nfiles >= 10);
    int queries = 0, runs = 0, eligible = 0, skipped = 0;
    for (int f = 0; f < nfiles; f++) {
        qblock *bl;
        int nb = load_blocks(files[f], &bl);
        for (int i = 0; i < nb; i++) {
            queries++;
            bool el = false, sk = false;
            for (int k = 0; k < 4; k++) {
                answer on = run(st_memcat_catalog(cats[k]), bl[i].sql, bl[i].asof, false);
                answer off = run(st_memcat_catalog(cats[k]), bl[i].sql, bl[i].asof, true);
                runs++;
                if (strcmp(on.text, off.text))
                    fail_msg("%s:%d (layout %d): pruning changed the answer of\n%s\n-- pruned --\n%.2000s\n-- "
                             "not pruned --\n%.2000s",
                             files[f], bl[i].line, k, bl[i].sql, on.text, off.text);
                pstats ps;
                if (on.rc == ST_OK && explain_stats(st_memcat_catalog(cats[k]), bl[i].sql, bl[i].asof, &ps)) {
                    el |= ps.eligible;
                    sk |= ps.skipped > 0;
                }
                free(on.text);
                free(off.text);
            }
            eligible += el;
            skipped += sk;
            free(bl[i].sql);
        }
        free(bl);
        free(files[f]);
    }
    print_message("prune suite: %d queries (%d runs), %d pruning-eligible, %d skipped data; "
                  "every answer identical with pruning off\n",
                  queries, runs, eligible, skipped);
    assert_true(queries >= 150);
    assert_true(eligible >= 70);
    assert_true(skipped >= 25);
    for (int k = 0; k < 4; k++) st_memcat_free(cats[k]);
}

/* ---- 2. targeted edge cases --------------------------------------------- */

/* A table with one column of each kind, 1,000 rows in 10 units of 100:
 *   i    INT32        row number, NULL in unit 3 (all of it)
 *   d    DOUBLE       row / 10, NaN in unit 5 (all of it), NULL in row 0
 *   s    VARCHAR      40-byte strings sharing a 32-byte prefix: P + %08d
 *   dt   DATE         2025-01-01 + row / 10 (ten rows a day)
 *   ts   TIMESTAMP    2025-01-01 + row hours
 *   m    DECIMAL(10,2) row * 1.25
 *   t8   INT8         row % 100 - 50
 * Rows 500..509 are deleted. */
#define PFX "abcdefghijklmnopqrstuvwxyz012345" /* 32 bytes */

static st_memtable *edge_table(void) {
    st_schema *sch = st_schema_new();
    ST_ASSERT_OK(st_schema_add(sch, "i", st_type_make(ST_T_INT32), 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(sch, "d", st_type_make(ST_T_DOUBLE), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(sch, "s", st_type_make(ST_T_VARCHAR), 3, true, &err_));
    ST_ASSERT_OK(st_schema_add(sch, "dt", st_type_make(ST_T_DATE), 4, true, &err_));
    ST_ASSERT_OK(st_schema_add(sch, "ts", st_type_make(ST_T_TIMESTAMP), 5, true, &err_));
    ST_ASSERT_OK(st_schema_add(sch, "m", st_type_decimal(10, 2), 6, true, &err_));
    ST_ASSERT_OK(st_schema_add(sch, "t8", st_type_make(ST_T_INT8), 7, true, &err_));
    st_memtable *t = st_memtable_new(sch, 100, 3);
    st_type ts[7];
    st_schema_types(sch, ts);
    st_batch *b = st_batch_new(ts, 7, 1000);
    for (int r = 0; r < 1000; r++) {
        int32_t i = r;
        if (r / 100 == 3) ST_ASSERT_OK(st_vector_append_null(b->cols[0], &err_));
        else ST_ASSERT_OK(st_vector_append(b->cols[0], &i, &err_));
        double d = r / 10.0;
        if (r / 100 == 5) d = NAN;
        if (r == 0) ST_ASSERT_OK(st_vector_append_null(b->cols[1], &err_));
        else ST_ASSERT_OK(st_vector_append(b->cols[1], &d, &err_));
        char s[64];
        snprintf(s, sizeof s, PFX "%08d", r);
        ST_ASSERT_OK(st_vector_append_str(b->cols[2], s, (uint32_t)strlen(s), &err_));
        int32_t dt = 20089 + r / 10; /* 2025-01-01 */
        ST_ASSERT_OK(st_vector_append(b->cols[3], &dt, &err_));
        int64_t tsv = INT64_C(1735689600000000) + (int64_t)r * 3600 * 1000000;
        ST_ASSERT_OK(st_vector_append(b->cols[4], &tsv, &err_));
        int64_t m = (int64_t)r * 125;
        ST_ASSERT_OK(st_vector_append(b->cols[5], &m, &err_));
        int8_t t8 = (int8_t)(r % 100 - 50);
        ST_ASSERT_OK(st_vector_append(b->cols[6], &t8, &err_));
    }
    st_batch_set_len(b, 1000);
    ST_ASSERT_OK(st_memtable_append(t, b, &err_));
    for (int r = 500; r < 510; r++) ST_ASSERT_OK(st_memtable_delete(t, (uint64_t)r, &err_));
    st_batch_free(b);
    st_schema_free(sch);
    return t;
}

/* The query gives the same rows pruned and not, and pruning kept `units`
 * units (-1: do not check). */
static void check(st_catalog *cat, const char *sql, int64_t units) {
    answer on = run(cat, sql, -1, false), off = run(cat, sql, -1, true);
    if (on.rc != ST_OK) fail_msg("%s: %s", sql, on.text);
    if (strcmp(on.text, off.text))
        fail_msg("pruning changed the answer of %s\n-- pruned --\n%s\n-- not pruned --\n%s", sql, on.text, off.text);
    pstats ps;
    assert_true(explain_stats(cat, sql, -1, &ps));
    if (units >= 0 && ps.kept_units != (uint64_t)units)
        fail_msg("%s: kept %llu units of %llu, expected %lld\n(answer: %s)", sql, (unsigned long long)ps.kept_units,
                 (unsigned long long)ps.total_units, (long long)units, on.text);
    free(on.text);
    free(off.text);
}

static void test_edges(void **state) {
    (void)state;
    st_memtable *t = edge_table();
    st_memcat *mc = st_memcat_new();
    ST_ASSERT_OK(st_memcat_commit(mc, "e", t, 0, &err_));
    st_catalog *cat = st_memcat_catalog(mc);
    /* integers, NULL-only unit 3 */
    check(cat, "SELECT count(*) FROM e WHERE i = 250", 1);
    check(cat, "SELECT count(*) FROM e WHERE i IS NULL", 1);
    check(cat, "SELECT count(*) FROM e WHERE i IS NOT NULL", 9);
    check(cat, "SELECT count(*) FROM e WHERE i = 350", 0); /* only NULLs there */
    check(cat, "SELECT count(*) FROM e WHERE i <> 350", 9);
    check(cat, "SELECT count(*) FROM e WHERE NOT (i >= 100)", 1);
    check(cat, "SELECT count(*) FROM e WHERE i BETWEEN 150 AND 249", 2);
    check(cat, "SELECT count(*) FROM e WHERE i NOT BETWEEN 100 AND 899", 2);
    check(cat, "SELECT count(*) FROM e WHERE i IN (5, 905, 2000)", 2);
    check(cat, "SELECT count(*) FROM e WHERE i NOT IN (5, NULL)", 0);
    check(cat, "SELECT count(*) FROM e WHERE i < 10 OR i > 990", 2);
    check(cat, "SELECT count(*) FROM e WHERE (i < 10 OR i > 990) AND i <> 5", 2);
    check(cat, "SELECT count(*) FROM e WHERE i < 2.5", 1);     /* INT vs DECIMAL */
    check(cat, "SELECT count(*) FROM e WHERE i = 2.5", 0);     /* no integer equals it */
    check(cat, "SELECT count(*) FROM e WHERE i > 999.5", 0);
    check(cat, "SELECT count(*) FROM e WHERE i >= -1e10", 9);  /* DOUBLE constant */
    check(cat, "SELECT count(*) FROM e WHERE t8 > 1000", -1);  /* beyond INT8 */
    check(cat, "SELECT count(*) FROM e WHERE t8 < -1000", -1);
    check(cat, "SELECT count(*) FROM e WHERE 1 = 0", -1);
    check(cat, "SELECT count(*) FROM e WHERE i = NULL", 0);
    /* deleted rows (500..509) stay deleted, pruned or not */
    check(cat, "SELECT count(*), min(i) FROM e WHERE i BETWEEN 495 AND 515", 2);
    /* NaN in unit 5: NaN sorts above every number */
    check(cat, "SELECT count(*) FROM e WHERE d > 1e300", 1);
    check(cat, "SELECT count(*) FROM e WHERE d < 5", 1);
    check(cat, "SELECT count(*) FROM e WHERE d = 'NaN'::DOUBLE", -1);
    check(cat, "SELECT count(*) FROM e WHERE d IS NULL", 1);
    check(cat, "SELECT count(*) FROM e WHERE NOT (d <= 90)", -1);
    /* strings over the 32-byte zone-map bound share their stored prefix */
    check(cat, "SELECT count(*) FROM e WHERE s = '" PFX "00000150'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s < '" PFX "00000150'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s <= '" PFX "'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s < '" PFX "'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s <> '" PFX "00000150'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s > '" PFX "00000150'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s > '" PFX "zz'", -1);
    check(cat, "SELECT count(*) FROM e WHERE s IN ('" PFX "00000001', 'x')", -1);
    /* DATE column vs TIMESTAMP ranges not aligned to days; dt covers
     * 2025-01-01 + 0..99 days, ten rows a day, a unit = 10 days */
    check(cat, "SELECT count(*) FROM e WHERE dt >= TIMESTAMP '2025-01-05 12:00:00' AND dt < TIMESTAMP '2025-01-08 00:00:01'", 1);
    check(cat, "SELECT count(*) FROM e WHERE dt = TIMESTAMP '2025-01-05 12:00:00'", 0);
    check(cat, "SELECT count(*) FROM e WHERE dt = TIMESTAMP '2025-01-05 00:00:00'", 1);
    check(cat, "SELECT count(*) FROM e WHERE dt > TIMESTAMP '2025-01-10 23:59:59'", 9);
    check(cat, "SELECT count(*) FROM e WHERE dt BETWEEN TIMESTAMP '2025-01-09 12:00:00' AND TIMESTAMP '2025-01-11 06:00:00'", 2);
    /* TIMESTAMP column vs DATE constants and unaligned ranges (ts: an hour
     * per row, a unit = 100 hours) */
    check(cat, "SELECT count(*) FROM e WHERE ts >= DATE '2025-01-05' AND ts < DATE '2025-01-06'", 2);
    check(cat, "SELECT count(*) FROM e WHERE ts BETWEEN TIMESTAMP '2025-01-05 03:30:00' AND TIMESTAMP '2025-01-05 04:10:00'", 1);
    check(cat, "SELECT count(*) FROM e WHERE ts > '2025-02-11 15:00:00'", 0);
    check(cat, "SELECT count(*) FROM e WHERE ts >= '2025-02-11 15:00:00'", 1);
    /* decimals */
    check(cat, "SELECT count(*) FROM e WHERE m = 12.5", 1);
    check(cat, "SELECT count(*) FROM e WHERE m = 12.501", 0);
    check(cat, "SELECT count(*) FROM e WHERE m BETWEEN 100 AND 130", 2);
    check(cat, "SELECT count(*) FROM e WHERE m > 1248.74", 1);
    /* empty table */
    st_schema *es = st_schema_new();
    ST_ASSERT_OK(st_schema_add(es, "x", st_type_make(ST_T_INT64), 1, true, &err_));
    st_memtable *et = st_memtable_new(es, 10, 2);
    ST_ASSERT_OK(st_memcat_commit(mc, "empty", et, 0, &err_));
    check(cat, "SELECT count(*) FROM empty WHERE x = 1", 0);
    check(cat, "SELECT count(*) FROM e JOIN empty ON e.i = empty.x WHERE e.i < 5", -1);
    st_memtable_unref(et);
    st_schema_free(es);
    st_memtable_unref(t);
    st_memcat_free(mc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_suite_on_off),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (gen_dir) {
        char *slash = strrchr(gen_dir, '/');
        if (slash) *slash = 0;
        st_test_rmrf(gen_dir);
    }
    return rc;
}
