/*
 * test_ingest_pq.c: Parquet ingest through the library (engine/ingest.h):
 * a file written by format/parquet.h goes into a Bronze table under a
 * contract whose types differ (exact casts, rejects with the row as CSV
 * text and its ordinal as _line), with --evolve and without, into a new
 * table (schema from the file, ordinals across row groups), and damaged
 * files fail with nothing committed and no segment left behind.
 */
#include "test_util.h"

#include <dirent.h>
#include <limits.h>

#include "engine/catalog.h"
#include "engine/ingest.h"
#include "engine/sql.h"
#include "engine/table.h"
#include "format/parquet.h"
#include "format/valtext.h"

static char *dir_;
static st_warehouse *wh_;
static st_table *tb_;
static char pq_[PATH_MAX];

#define NROWS 1000

/* The file: id INT32, qty INT64, price DECIMAL(9,2), ratio DOUBLE,
 * name VARCHAR (NULL at id 7), note VARCHAR.  qty is 2^40 at ids that are
 * multiples of 100; ratio is 0.125 at id 3 (else id/4 rounded to a cent
 * value's double). */
typedef struct gen {
    st_batch *b;
    int done;
} gen;

static st_status next_batch(void *ctx, const st_batch **out, st_error *e) {
    gen *g = ctx;
    (void)e;
    if (g->done) {
        *out = NULL;
        return ST_OK;
    }
    st_batch *b = g->b;
    st_batch_reset(b);
    for (int i = 1; i <= NROWS; i++) {
        int32_t id = i;
        int64_t qty = i % 100 == 0 ? (INT64_C(1) << 40) : i;
        int64_t price = i * 101;
        double ratio = i == 3 ? 0.125 : (double)(i * 25) / 100.0;
        char name[16], note[16];
        snprintf(name, sizeof name, "n%d", i);
        snprintf(note, sizeof note, "x,%d", i); /* a comma: quoted in the raw text */
        ST_TRY(st_vector_append(b->cols[0], &id, e));
        ST_TRY(st_vector_append(b->cols[1], &qty, e));
        ST_TRY(st_vector_append(b->cols[2], &price, e));
        ST_TRY(st_vector_append(b->cols[3], &ratio, e));
        if (i == 7) ST_TRY(st_vector_append_null(b->cols[4], e));
        else ST_TRY(st_vector_append_str(b->cols[4], name, (uint32_t)strlen(name), e));
        ST_TRY(st_vector_append_str(b->cols[5], note, (uint32_t)strlen(note), e));
    }
    st_batch_set_len(b, NROWS);
    g->done = 1;
    *out = b;
    return ST_OK;
}

static void write_file(const char *path, uint32_t rg_rows) {
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT32), 1, false, &err_));
    ST_ASSERT_OK(st_schema_add(s, "qty", st_type_make(ST_T_INT64), 2, false, &err_));
    ST_ASSERT_OK(st_schema_add(s, "price", st_type_decimal(9, 2), 3, false, &err_));
    ST_ASSERT_OK(st_schema_add(s, "ratio", st_type_make(ST_T_DOUBLE), 4, false, &err_));
    ST_ASSERT_OK(st_schema_add(s, "name", st_type_make(ST_T_VARCHAR), 5, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "note", st_type_make(ST_T_VARCHAR), 6, false, &err_));
    st_type types[6];
    st_schema_types(s, types);
    gen g = {st_batch_new(types, 6, NROWS), 0};
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    o.row_group_rows = rg_rows;
    o.page_rows = 64; /* several pages per chunk */
    uint64_t rows;
    ST_ASSERT_OK(st_pq_write_file(path, s, &o, next_batch, &g, &rows, &err_));
    assert_int_equal(rows, NROWS);
    st_batch_free(g.b);
    st_schema_free(s);
}

static int setup(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    bool created;
    ST_ASSERT_OK(st_warehouse_init(dir_, &created, &err_));
    ST_ASSERT_OK(st_warehouse_open(dir_, &wh_, &err_));
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("bronze.t", &n, &err_));
    ST_ASSERT_OK(st_table_open(wh_, &n, &tb_, &err_));
    snprintf(pq_, sizeof pq_, "%s/in.parquet", dir_);
    write_file(pq_, 300); /* 4 row groups */
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_table_close(tb_);
    st_warehouse_close(wh_);
    st_test_rmrf(dir_);
    return 0;
}

/* Run SQL over the warehouse; the answer as CSV lines (no header). */
static char *sql(const char *q) {
    st_catalog *cat;
    ST_ASSERT_OK(st_warehouse_catalog_open(dir_, &cat, &err_));
    st_sql_opts o;
    st_sql_opts_init(&o);
    st_query *qq;
    ST_ASSERT_OK(st_query_prepare(cat, q, &o, &qq, &err_));
    st_sbuf sb = ST_SBUF_INIT;
    for (;;) {
        const st_batch *b;
        ST_ASSERT_OK(st_query_next(qq, &b, &err_));
        if (!b) break;
        for (uint32_t k = 0; k < st_batch_live(b); k++) {
            uint32_t r = b->sel ? b->sel[k] : k;
            for (uint32_t c = 0; c < b->ncols; c++) {
                if (c) st_sbuf_putc(&sb, ',');
                st_text_cell(&sb, b->cols[c], r, ST_CELL_CSV, ',', '"');
            }
            st_sbuf_putc(&sb, '\n');
        }
    }
    st_query_close(qq);
    st_catalog_close(cat);
    char *out = strdup(st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    return out;
}

static void expect_sql(const char *q, const char *want) {
    char *got = sql(q);
    if (strcmp(got, want)) fail_msg("%s\n got:\n%s\n want:\n%s", q, got, want);
    free(got);
}

static st_tschema *contract(bool with_note) {
    st_tschema *s = st_tschema_new();
    ST_ASSERT_OK(st_tschema_add(s, "id", st_type_make(ST_T_INT64), 0, false, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(s, "qty", st_type_make(ST_T_INT32), 0, false, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(s, "price", st_type_decimal(12, 2), 0, false, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(s, "ratio", st_type_decimal(10, 2), 0, false, NULL, &err_));
    ST_ASSERT_OK(st_tschema_add(s, "name", st_type_make(ST_T_VARCHAR), 0, false, NULL, &err_));
    if (with_note) ST_ASSERT_OK(st_tschema_add(s, "note", st_type_make(ST_T_VARCHAR), 0, true, NULL, &err_));
    return s;
}

static st_status ingest(const st_tschema *schema, bool evolve, st_ingest_result *r) {
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.schema = schema;
    o.evolve = evolve;
    o.threads = 2;
    o.segment_rows = 256; /* several data segments */
    const char *paths[1] = {pq_};
    return st_ingest_files(tb_, paths, 1, &o, r, &err_);
}

/* Rejected: qty 2^40 at 100, 200, ..., 1000 (10 rows), ratio 0.125 at 3,
 * name NULL at 7 (contract: not nullable). */
static void test_contract_casts(void **state) {
    (void)state;
    st_tschema *s = contract(true);
    st_ingest_result r;
    ST_ASSERT_OK(ingest(s, false, &r));
    assert_int_equal(r.read, NROWS);
    assert_int_equal(r.rejected, 12);
    assert_int_equal(r.accepted + r.rejected, r.read);
    assert_int_equal(r.reasons[ST_R_BAD_VALUE], 11);
    assert_int_equal(r.reasons[ST_R_NULL], 1);
    assert_true(r.created);
    expect_sql("SELECT count(*), sum(id), sum(qty), sum(price), sum(ratio), min(_line), max(_line) FROM bronze.t",
               "988,494990,494990,499939.90,123747.50,1,999\n");
    expect_sql("SELECT _line, reason_codes, reasons, raw FROM bronze.t__rejects WHERE _line IN (3, 7, 100) ORDER BY 1",
               "3,bad_value,\"column ratio: 0.125 does not fit DECIMAL(10,2) without rounding\",\"3,3,3.03,0.125,n3,\"\"x,3\"\"\"\n"
               "7,null_not_allowed,column name: NULL is not allowed,\"7,7,7.07,1.75,,\"\"x,7\"\"\"\n"
               "100,bad_value,column qty: 1099511627776 does not fit INT32,"
               "\"100,1099511627776,101.00,25.0,n100,\"\"x,100\"\"\"\n");
    /* the typed values of an accepted row: the casts are exact */
    expect_sql("SELECT id, qty, price, ratio, typeof(id), typeof(ratio) FROM bronze.t WHERE id = 5",
               "5,5,5.05,1.25,BIGINT,\"DECIMAL(10,2)\"\n");
    st_tschema_free(s);
}

static void test_unknown_column(void **state) {
    (void)state;
    st_tschema *s = contract(false);
    st_ingest_result r;
    ST_ASSERT_OK(ingest(s, false, &r)); /* note is unknown: every row quarantined */
    assert_int_equal(r.read, NROWS);
    assert_int_equal(r.accepted, 0);
    assert_int_equal(r.rejected, NROWS);
    assert_int_equal(r.rejected_by_first[ST_R_UNKNOWN_FIELD] + r.rejected_by_first[ST_R_BAD_VALUE], NROWS);
    expect_sql("SELECT reason_codes, reasons LIKE '%in.parquet: column ''note'' not in the table''s schema', raw "
               "FROM bronze.t__rejects WHERE _line = 1",
               "unknown_field,true,\"1,1,1.01,0.25,n1,\"\"x,1\"\"\"\n");
    /* with --evolve the column joins the schema (nullable, the file's type) */
    ST_ASSERT_OK(ingest(NULL, true, &r));
    assert_int_equal(r.accepted, 988);
    expect_sql("SELECT count(note), min(note), max(_ingest_id) FROM bronze.t", "988,\"x,1\",1\n");
    st_logstate *ls;
    ST_ASSERT_OK(st_table_load(tb_, -1, &ls, &err_));
    assert_int_equal(ls->schema->nfields, 6);
    assert_string_equal(ls->schema->fields[5].name, "note");
    assert_true(ls->schema->fields[5].nullable);
    st_logstate_free(ls);
    st_tschema_free(s);
}

static void test_new_table_from_file(void **state) {
    (void)state;
    st_ingest_result r;
    ST_ASSERT_OK(ingest(NULL, false, &r));
    assert_int_equal(r.accepted, NROWS);
    assert_int_equal(r.rejected, 0);
    st_logstate *ls;
    ST_ASSERT_OK(st_table_load(tb_, -1, &ls, &err_));
    assert_int_equal(ls->schema->nfields, 6);
    assert_true(st_type_eq(ls->schema->fields[2].type, st_type_decimal(9, 2)));
    assert_true(ls->schema->fields[0].nullable); /* as an inferred schema: nullable */
    assert_true(ls->nsegs >= 3);
    st_logstate_free(ls);
    /* the ordinals run across row groups, in file order */
    expect_sql("SELECT count(*) FROM bronze.t WHERE _line = id", "1000\n");
    expect_sql("SELECT _source = '" "in.parquet' OR _source LIKE '%/in.parquet' FROM bronze.t LIMIT 1", "true\n");
    st_logentry *le;
    ST_ASSERT_OK(st_table_read_entry(tb_, 0, &le, &err_));
    assert_int_equal(le->nsources, 1);
    assert_int_equal(le->sources[0].first_line, 1);
    assert_int_equal(le->sources[0].last_line, NROWS);
    st_logentry_free(le);
}

static int count_segs(void) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/bronze/t/data", dir_);
    DIR *d = opendir(p);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

/* A page damaged in the last row group: the ingest fails after segments
 * were written; nothing is committed and no segment file stays. */
static void test_damaged_file(void **state) {
    (void)state;
    st_ingest_result r;
    ST_ASSERT_OK(ingest(NULL, false, &r)); /* version 0 */
    int before = count_segs();
    st_pq_reader *pr;
    ST_ASSERT_OK(st_pq_open(pq_, &pr, &err_));
    uint32_t nrg = st_pq_num_row_groups(pr);
    st_pq_close(pr);
    assert_int_equal(nrg, 4);
    /* flip bytes in the middle of the data, far from the footer */
    FILE *f = fopen(pq_, "r+b");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    for (long off = size * 3 / 4; off < size * 3 / 4 + 64; off++) {
        fseek(f, off, SEEK_SET);
        int c = fgetc(f);
        fseek(f, off, SEEK_SET);
        fputc(c ^ 0x5a, f);
    }
    fclose(f);
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 2;
    o.segment_rows = 100;
    const char *paths[1] = {pq_};
    st_status rc = st_ingest_files(tb_, paths, 1, &o, &r, &err_);
    assert_int_not_equal(rc, ST_OK);
    if (!strstr(err_.msg, "in.parquet")) fail_msg("the error does not name the file: %s", err_.msg);
    int64_t v;
    ST_ASSERT_OK(st_table_latest(tb_, &v, &err_));
    assert_int_equal(v, 0);
    assert_int_equal(count_segs(), before);
    /* a cut file (no footer): refused before anything is written */
    f = fopen(pq_, "r+b");
    assert_int_equal(ftruncate(fileno(f), size - 10), 0);
    fclose(f);
    ST_ASSERT_ERR(st_ingest_files(tb_, paths, 1, &o, &r, &err_), ST_ERR_FORMAT);
    if (!strstr(err_.msg, "Parquet file")) fail_msg("unclear error: %s", err_.msg);
    assert_int_equal(count_segs(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contract_casts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_table_from_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
