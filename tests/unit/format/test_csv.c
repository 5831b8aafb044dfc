/*
 * test_csv.c: the CSV reader (format/csv.h) on the cases of
 * shared/reference/interop.md section 5 (csv-spectrum and DuckDB's
 * data/csv files, recreated byte for byte in tests/data/csv/), and on the
 * cases the issue asks for: mixed line endings, a column that turns
 * non-numeric after 30,000 rows, a 100 KB quoted field, 150 columns, invalid
 * UTF-8, NUL bytes, unterminated quotes, ragged and oversize records, empty
 * and header-only files.
 *
 * Every read goes through read_all(), which runs it five ways and demands the
 * same schema, rows (with lines and offsets) and bad records from each:
 * scalar scan, AVX2 scan, two threads with 64-byte chunks (so chunk cuts fall
 * inside quoted fields and records get re-parsed), and the push parser fed in
 * random slices and byte by byte.
 */
#include "test_util.h"
#include "textcheck.h"

#include <dirent.h>

#include "format/csv.h"
#include "format/csv_int.h"
#include "format/text_int.h"

#define DATA "tests/data/csv/"

static tc_result csv_whole(const void *p, size_t n, const st_csv_options *oin) {
    tc_result r;
    memset(&r, 0, sizeof r);
    st_csv_options o = *oin;
    o.on_bad = tc_on_bad;
    o.bad_ctx = &r;
    if (!o.source) o.source = "t";
    st_buf *b = tc_buf(p, n);
    st_csv_reader *rd = NULL;
    st_error e = {0};
    r.rc = st_csv_open_buf(b, &o, &rd, &e);
    st_buf_unref(b);
    if (r.rc != ST_OK) {
        snprintf(r.err, sizeof r.err, "%s", e.msg);
        tc_schema(&r, NULL);
        return r;
    }
    tc_schema(&r, st_csv_schema(rd));
    for (;;) {
        st_text_chunk ch;
        r.rc = st_csv_next(rd, &ch, &e);
        if (r.rc != ST_OK) {
            snprintf(r.err, sizeof r.err, "%s", e.msg);
            break;
        }
        if (!ch.batch) break;
        assert_true(ch.batch->len <= (o.batch_rows ? o.batch_rows : ST_TEXT_BATCH_ROWS_DEFAULT));
        tc_rows(&r, &ch);
    }
    st_csv_stats(rd, &r.stats);
    st_csv_close(rd);
    tc_check_invariant(&r);
    return r;
}

static void drain(st_csv_push *p, tc_result *r, bool partial) {
    for (;;) {
        st_text_chunk ch;
        st_error e = {0};
        st_status rc = st_csv_push_take(p, partial, &ch, &e);
        if (rc != ST_OK) {
            r->rc = rc;
            snprintf(r->err, sizeof r->err, "%s", e.msg);
            return;
        }
        if (!ch.batch) return;
        tc_rows(r, &ch);
    }
}

/* mode 0: one feed, 1: byte by byte, 2: random slices */
static tc_result csv_push(const void *data, size_t n, const st_csv_options *oin, int mode,
                          uint64_t seed) {
    tc_result r;
    memset(&r, 0, sizeof r);
    st_csv_options o = *oin;
    o.on_bad = tc_on_bad;
    o.bad_ctx = &r;
    if (!o.source) o.source = "t";
    st_csv_push *p = NULL;
    st_error e = {0};
    ST_ASSERT_OK(st_csv_push_new(&o, &p, &err_));
    st_test_seed(seed);
    const char *c = data;
    size_t i = 0;
    while (i < n && r.rc == ST_OK) {
        size_t k = mode == 0 ? n : mode == 1 ? 1 : 1 + st_test_rand() % 700;
        if (k > n - i) k = n - i;
        r.rc = st_csv_push_feed(p, c + i, k, &e);
        if (r.rc != ST_OK) snprintf(r.err, sizeof r.err, "%s", e.msg);
        else drain(p, &r, false);
        i += k;
    }
    if (r.rc == ST_OK) {
        r.rc = st_csv_push_finish(p, &e);
        if (r.rc != ST_OK) snprintf(r.err, sizeof r.err, "%s", e.msg);
        else drain(p, &r, true);
    }
    tc_schema(&r, r.rc == ST_OK ? st_csv_push_schema(p) : NULL);
    st_csv_push_stats(p, &r.stats);
    st_csv_push_free(p);
    tc_check_invariant(&r);
    return r;
}

/* Read five ways, check they agree, return the scalar result. */
static tc_result read_all(const void *p, size_t n, const st_csv_options *o, bool with_push) {
    tx_simd_force(0);
    tc_result a = csv_whole(p, n, o);
    tx_simd_force(1);
    tc_result b = csv_whole(p, n, o);
    tc_assert_same(&a, &b, "scalar vs avx2");
    tc_free(&b);
    st_csv_options o2 = *o;
    o2.threads = 2;
    cx_test_chunk_bytes = 64;
    b = csv_whole(p, n, &o2);
    cx_test_chunk_bytes = 0;
    tc_assert_same(&a, &b, "1 thread vs 2 threads, 64-byte chunks");
    tc_free(&b);
    tx_simd_force(-1);
    if (with_push) {
        b = csv_push(p, n, o, 2, n);
        tc_assert_same(&a, &b, "whole vs pushed in random slices");
        tc_free(&b);
        if (n < 200000) {
            b = csv_push(p, n, o, 1, 0);
            tc_assert_same(&a, &b, "whole vs pushed byte by byte");
            tc_free(&b);
        }
    }
    return a;
}

static tc_result read_file(const char *name, const st_csv_options *o) {
    char path[512];
    snprintf(path, sizeof path, DATA "%s", name);
    size_t n;
    char *p = tc_slurp(path, &n);
    tc_result r = read_all(p, n, o, true);
    free(p);
    return r;
}

static tc_result read_str(const char *s, const st_csv_options *o) {
    return read_all(s, strlen(s), o, true);
}

static st_csv_options defaults(void) {
    st_csv_options o;
    st_csv_options_init(&o);
    return o;
}

#define EXPECT_COUNTS(r, nr_, nb_)                                                       \
    do {                                                                                 \
        if ((r).rc != ST_OK) fail_msg("read failed: %s", (r).err);                       \
        if ((r).nrows != (uint64_t)(nr_) || (r).nbad != (uint64_t)(nb_))                 \
            fail_msg("expected %d rows / %d bad, got %llu / %llu\nrows:\n%.2000s\nbad:\n%.2000s", \
                     (int)(nr_), (int)(nb_), (unsigned long long)(r).nrows,              \
                     (unsigned long long)(r).nbad, tc_str(&(r).rows), tc_str(&(r).bad)); \
    } while (0)

#define EXPECT_SCHEMA(r, s)                                                              \
    do {                                                                                 \
        if (strcmp(tc_str(&(r).schema), (s)))                                            \
            fail_msg("schema: expected %s, got %s", (s), tc_str(&(r).schema));           \
    } while (0)

/* ---- csv-spectrum ---------------------------------------------------------- */

static void test_spectrum(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("spectrum_comma_in_quotes.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "first:VARCHAR,last:VARCHAR,address:VARCHAR,city:VARCHAR,zip:VARCHAR");
    tc_has(&r.rows, "R2@28: \"John\"|\"Doe\"|\"120 any st.\"|\"Anytown, WW\"|\"08123\"");
    tc_free(&r);

    r = read_file("spectrum_escaped_quotes.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@4: 1|\"ha \\\"ha\\\" ha\"");
    tc_has(&r.rows, "R3@21: 3|\"4\"");
    tc_free(&r);

    r = read_file("spectrum_json.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    tc_has(&r.rows, "1|\"{\\\"type\\\": \\\"Point\\\", \\\"coordinates\\\": [102.0, 0.5]}\"");
    tc_free(&r);

    static const char *nl[] = {"spectrum_newlines.csv", "spectrum_newlines_crlf.csv",
                               "spectrum_newlines_cr.csv"};
    static const char *mid[] = {"\"Once upon \\na time\"", "\"Once upon \\r\\na time\"",
                                "\"Once upon \\ra time\""};
    for (int i = 0; i < 3; i++) {
        r = read_file(nl[i], &o);
        EXPECT_COUNTS(r, 3, 0);
        EXPECT_SCHEMA(r, "a:VARCHAR,b:INT64,c:INT64");
        tc_has(&r.rows, mid[i]);
        /* rows start on lines 2, 3 and 5: the quoted line break is a line */
        tc_has(&r.rows, "R2@");
        tc_has(&r.rows, "R3@");
        tc_has(&r.rows, "R5@");
        tc_free(&r);
    }

    r = read_file("spectrum_quotes_and_newlines.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@4: 1|\"ha \\n\\\"ha\\\" \\nha\"");
    tc_has(&r.rows, "R5@");
    tc_free(&r);

    /* "" is the empty string, not NULL; no final line end */
    r = read_file("spectrum_empty.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@6: 1|\"\"|\"\"");
    tc_has(&r.rows, "R3@14: 2|\"3\"|\"4\"");
    tc_free(&r);
    r = read_file("spectrum_empty_crlf.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@7: 1|\"\"|\"\"");
    tc_free(&r);
    /* DuckDB's default (quoted_null) reads "" as NULL */
    o.quoted_null = true;
    r = read_file("spectrum_empty.csv", &o);
    tc_has(&r.rows, "R2@6: 1|null|null");
    tc_free(&r);
    o = defaults();

    r = read_file("spectrum_simple.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "a:INT64,b:INT64,c:INT64");
    tc_free(&r);
    r = read_file("spectrum_simple_crlf.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "a:INT64,b:INT64,c:INT64");
    tc_has(&r.rows, "R2@7: 1|2|3");
    tc_free(&r);

    r = read_file("spectrum_utf8.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R3@12: 4|5|\"ʤ\"");
    tc_free(&r);

    /* a bare quote inside an unquoted field is data; 0209... keeps its zero */
    r = read_file("spectrum_location_coordinates.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    tc_has(&r.rows, "\"02095257564\"|\"37\xef\xbf\xbd" "36'37.8\\\"N 121\xef\xbf\xbd" "2'17.9\\\"W\"");
    tc_free(&r);

    r = read_file("spectrum_null.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    tc_has(&r.rows, "1|null|2");
    tc_has(&r.rows, "3|\"NULL\"|4");
    tc_has(&r.rows, "5|\"NULL\"|6");
    tc_free(&r);
    o.null_str = "NULL"; /* a quoted "NULL" stays a string */
    r = read_file("spectrum_null.csv", &o);
    tc_has(&r.rows, "1|\"\"|2");
    tc_has(&r.rows, "3|\"NULL\"|4");
    tc_has(&r.rows, "5|null|6");
    tc_free(&r);
}

/* ---- DuckDB data/csv/auto: dialects and headers ------------------------------ */

static void test_duckdb_dialects(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_utf8bom.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "id:INT64,name:VARCHAR");
    tc_has(&r.rows, "R2@11: 1|\"Mark\"");
    tc_free(&r);

    r = read_file("duckdb_rfc_conform.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    EXPECT_SCHEMA(r, "column0:INT64,column1:VARCHAR,column2:VARCHAR");
    tc_has(&r.rows, "345|\"TEST1\"|\"trailing_space \"");
    tc_free(&r);

    r = read_file("duckdb_rfc_conform_quote.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    tc_has(&r.rows, "345|\"TEST2\"|\"trailing_space, \"");
    tc_has(&r.rows, "567|\"TEST2\"|\"no\\\"space\"");
    tc_free(&r);

    r = read_file("duckdb_quote_escape.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    EXPECT_SCHEMA(r, "column0:INT64,column1:VARCHAR,column2:VARCHAR");
    tc_has(&r.rows, "345|\"TEST6\"|\"text\\\"2\\\"text\"");
    tc_has(&r.rows, "567|\"TEST6\"|\"text3\"");
    tc_free(&r);

    static const char *files[] = {"duckdb_pipe_delim.csv", "duckdb_semicolon_delim.csv",
                                  "duckdb_tab.csv", "duckdb_semicolon_escape.csv"};
    static const char delims[] = {'|', ';', '\t', ';'};
    for (int i = 0; i < 4; i++) {
        tc_result x;
        char path[256];
        snprintf(path, sizeof path, DATA "%s", files[i]);
        st_csv_reader *rd;
        ST_ASSERT_OK(st_csv_open_file(path, &o, &rd, &err_));
        assert_int_equal(st_csv_get_dialect(rd)->delim, delims[i]);
        assert_int_equal(st_csv_get_dialect(rd)->quote, '"');
        st_csv_close(rd);
        x = read_file(files[i], &o);
        EXPECT_COUNTS(x, 3, 0);
        EXPECT_SCHEMA(x, "column0:INT64,column1:VARCHAR,column2:VARCHAR");
        tc_free(&x);
    }
    r = read_file("duckdb_semicolon_escape.csv", &o);
    tc_has(&r.rows, "567|\"TEST11\"|\"te\\\"xt3\"");
    tc_free(&r);

    r = read_file("duckdb_no_header.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "column0:DOUBLE,column1:VARCHAR,column2:DATE");
    tc_has(&r.rows, "R1@0: 123.0|\"TEST1\"|\"2000-12-12\"");
    tc_free(&r);
}

static void test_headers(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_duplicate_header_col.csv", &o);
    EXPECT_SCHEMA(r, "a:INT64,b:VARCHAR,a_1:VARCHAR");
    EXPECT_COUNTS(r, 2, 0);
    tc_free(&r);

    r = read_file("duckdb_empty_header.csv", &o);
    EXPECT_SCHEMA(r, "column0:INT64,column1:VARCHAR,column2:VARCHAR");
    EXPECT_COUNTS(r, 2, 0);
    tc_free(&r);

    r = read_file("duckdb_unnamed_columns.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.schema, "column00:INT64,column01:VARCHAR,column02:VARCHAR,column03:VARCHAR");
    tc_has(&r.schema, "column12:VARCHAR");
    tc_has(&r.rows, "|null|\"value1\"");
    tc_free(&r);

    r = read_file("duckdb_test_header_mix.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.schema, "a:INT64,a_1:VARCHAR,a_2:VARCHAR");
    tc_has(&r.schema, "a_9:VARCHAR,column12:VARCHAR,column11:VARCHAR,column12_1:VARCHAR");
    tc_free(&r);

    r = read_file("duckdb_missing_many_col.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.schema, "a:INT64,column01:VARCHAR");
    tc_free(&r);

    /* forced: header=yes on a file without one, header=no on one with one */
    o.header = ST_CSV_HEADER_YES;
    r = read_file("duckdb_no_header.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "123.0:DOUBLE,TEST1:VARCHAR,2000-12-12:DATE");
    tc_free(&r);
    o.header = ST_CSV_HEADER_NO;
    r = read_file("spectrum_simple.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "column0:VARCHAR,column1:VARCHAR,column2:VARCHAR");
    tc_free(&r);

    /* every column text: the first record is a header (as DuckDB decides) */
    o = defaults();
    r = read_str("name,city\nalice,paris\nbob,rome\n", &o);
    EXPECT_SCHEMA(r, "name:VARCHAR,city:VARCHAR");
    EXPECT_COUNTS(r, 2, 0);
    tc_free(&r);
    /* skip_lines: preamble before the header */
    o.skip_lines = 2;
    r = read_str("exported by tool X\r\nversion 3\r\nid,v\r\n1,a\r\n", &o);
    EXPECT_SCHEMA(r, "id:INT64,v:VARCHAR");
    tc_has(&r.rows, "R4@");
    tc_free(&r);
    /* comment lines are not records */
    o = defaults();
    o.comment = '#';
    r = read_str("# generated\nid,v\n1,a\n# middle \"quote\n2,b\n", &o);
    EXPECT_SCHEMA(r, "id:INT64,v:VARCHAR");
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R3@");
    tc_has(&r.rows, "R5@");
    tc_free(&r);
}

/* ---- ragged rows -------------------------------------------------------------- */

static void test_ragged(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_too_many_values.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "column0:INT64,column1:INT64,column2:INT64,column3:INT64");
    tc_free(&r);

    r = read_file("duckdb_error_too_little.csv", &o);
    EXPECT_COUNTS(r, 5, 1);
    tc_has(&r.bad, "B7@24 len=1 [7] {-1 -: expected 2 fields, found 1}");
    tc_free(&r);

    r = read_file("duckdb_few_columns.csv", &o);
    EXPECT_COUNTS(r, 5, 2);
    tc_has(&r.bad, "B4@");
    tc_has(&r.bad, "B7@");
    tc_has(&r.bad, "expected 4 fields, found 3");
    tc_has(&r.bad, "expected 4 fields, found 2");
    tc_free(&r);
    o.pad_short = true;
    r = read_file("duckdb_few_columns.csv", &o);
    EXPECT_COUNTS(r, 7, 0);
    tc_has(&r.rows, "R4@24: 1|2|3|null");
    tc_has(&r.rows, "R7@46: 1|2|null|null");
    tc_free(&r);
    o.pad_short = false;

    r = read_file("duckdb_many_columns.csv", &o);
    EXPECT_COUNTS(r, 3, 2);
    tc_has(&r.bad, "B3@16 len=9 [1,2,3,4,5] {-1 -: expected 4 fields, found 5}");
    tc_has(&r.bad, "B5@34 len=11 [1,2,3,4,5,6]");
    tc_free(&r);

    r = read_file("duckdb_mix_columns.csv", &o);
    EXPECT_COUNTS(r, 3, 3);
    tc_has(&r.bad, "B7@");
    tc_free(&r);

    /* a record that ends mid-way at the end of the input */
    r = read_file("strata_ragged_end.csv", &o);
    EXPECT_COUNTS(r, 1, 1);
    tc_has(&r.bad, "B3@12 len=3 [4,5] {-1 -: expected 3 fields, found 2}");
    tc_free(&r);
}

/* ---- line endings ---------------------------------------------------------------- */

static void test_line_endings(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_quoted_newline.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "column0:VARCHAR,column1:INT64");
    tc_has(&r.rows, "R1@0: \"hello\\nworld\"|5");
    tc_has(&r.rows, "R3@18: \"what,\\n brings, you here\\n , today\"|6");
    tc_free(&r);

    r = read_file("duckdb_new_line_string_rn.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@5: 1|\"hello\\r\\nworld\"");
    tc_has(&r.rows, "R4@");
    tc_free(&r);

    r = read_file("duckdb_windows_newline.csv", &o);
    EXPECT_COUNTS(r, 20, 0);
    tc_has(&r.rows, "R20@");
    tc_free(&r);

    r = read_file("duckdb_windows_newline_empty.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@5: 1|2");
    tc_has(&r.rows, "R5@14: 3|4");
    tc_free(&r);

    r = read_file("duckdb_mixed_line_endings.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    EXPECT_SCHEMA(r, "column0:INT64,column1:VARCHAR,column2:INT64");
    tc_has(&r.rows, "R1@0: 10|\"hello\"|20\nR2@13: 20|\"world\"|30\nR3@25: 30|\"test\"|30\n");
    tc_free(&r);

    /* LF, CR and CRLF mixed in one file, also inside quoted fields */
    r = read_file("strata_mixed_endings.csv", &o);
    EXPECT_COUNTS(r, 6, 0);
    tc_has(&r.rows, "R2@6: 1|\"a\"\nR3@10: 2|\"b\"\nR4@14: 3|\"c\"\nR5@19: 4|\"multi\\rline\"\n"
                    "R7@34: 5|\"crlf\\r\\ninside\"\nR9@51: 6|\"f\"\n");
    assert_int_equal(r.stats.lines, 8);
    tc_free(&r);

    r = read_file("duckdb_no_newline.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R3@8: 3|4");
    tc_free(&r);

    /* one column: blank lines are NULL rows */
    r = read_file("duckdb_many_empty_lines.csv", &o);
    EXPECT_COUNTS(r, 601, 0);
    EXPECT_SCHEMA(r, "column0:INT64");
    tc_has(&r.rows, "R1@0: 1\nR2@2: null\n");
    tc_has(&r.rows, "R601@601: null\n");
    tc_free(&r);

    r = read_file("duckdb_rrrn_parallel_test.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "a:INT64,b:INT64");
    tc_has(&r.rows, "R4@7: 1|2\nR7@14: 3|4\n");
    tc_free(&r);
}

/* ---- NULLs --------------------------------------------------------------------- */

static void test_nulls(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_multiple_quoted_nulls.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R2@6: \"\"|\"\"|\"\"");
    tc_has(&r.rows, "R3@15: \"1\"|\"\"|\"3\"");
    tc_free(&r);
    o.quoted_null = true;
    r = read_file("duckdb_multiple_quoted_nulls.csv", &o);
    EXPECT_SCHEMA(r, "a:INT64,b:VARCHAR,c:INT64");
    tc_has(&r.rows, "R2@6: null|null|null");
    tc_has(&r.rows, "R3@15: 1|null|3");
    tc_free(&r);

    o = defaults();
    o.null_str = "null";
    r = read_file("duckdb_test_null_option.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    tc_has(&r.rows, "R1@0: 0|\"\"|\"test\"|null|\"NULL\"");
    tc_free(&r);
    o = defaults();
    r = read_file("duckdb_test_null_option.csv", &o);
    tc_has(&r.rows, "R1@0: 0|null|\"test\"|\"null\"|\"NULL\"");
    tc_free(&r);

    r = read_file("duckdb_force_not_null.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    EXPECT_SCHEMA(r, "column0:INT64,column1:VARCHAR,column2:VARCHAR");
    tc_has(&r.rows, "R2@15: 0|null|\"test\"");
    tc_free(&r);
}

/* ---- encodings, invalid UTF-8, NUL ------------------------------------------------ */

static void test_encodings(void **state) {
    (void)state;
    st_csv_options o = defaults();
    static const char *refused[] = {"duckdb_latin1.csv", "duckdb_utf16.csv",
                                    "duckdb_utf16_odd_length.csv", "duckdb_shift_jis.csv",
                                    "duckdb_invalid_utf_header.csv"};
    for (int i = 0; i < 5; i++) {
        tc_result r = read_file(refused[i], &o);
        if (r.rc != ST_ERR_FORMAT) fail_msg("%s: expected format error, got %s", refused[i], st_status_name(r.rc));
        if (!strstr(r.err, "t: ")) fail_msg("the error names the input: %s", r.err);
        tc_free(&r);
    }
    char path[256];
    snprintf(path, sizeof path, DATA "duckdb_latin1.csv");
    st_csv_reader *rd;
    ST_ASSERT_ERR(st_csv_open_file(path, &o, &rd, &err_), ST_ERR_FORMAT);
    assert_non_null(strstr(err_.msg, "duckdb_latin1.csv"));
    assert_non_null(strstr(err_.msg, "UTF-8"));
}

static void test_invalid_utf8_and_nul(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_invalid_utf_complex.csv", &o);
    EXPECT_COUNTS(r, 19, 1);
    EXPECT_SCHEMA(r, "valid:VARCHAR,valid_1:VARCHAR,valid_2:VARCHAR");
    tc_has(&r.bad, "B11@180 len=27 [valid,invalid_\\xFF\\xFF_part,valid] {1 valid_1: invalid UTF-8 at byte 8");
    tc_free(&r);

    r = read_file("duckdb_invalid_utf_quoted.csv", &o);
    EXPECT_COUNTS(r, 2, 1);
    tc_has(&r.bad, "B3@");
    tc_has(&r.rows, "R4@");
    tc_free(&r);

    r = read_file("duckdb_invalid_utf_quoted_nl.csv", &o);
    EXPECT_COUNTS(r, 2, 1);
    tc_has(&r.bad, "B3@11 len=15 [2,\"bad\\n\\xE2\\x82 byte\"]");
    tc_has(&r.rows, "R5@27: 3|\"ok\"");
    tc_free(&r);

    r = read_file("strata_nul.csv", &o);
    EXPECT_COUNTS(r, 2, 1);
    tc_has(&r.bad, "B3@8 len=5 [2,y\\x00z] {1 b: NUL byte at byte 1 of the value}");
    tc_free(&r);

    /* NUL inside a number column, with a ragged record elsewhere */
    r = read_all("a,b\n1,2\n3\0" "4,5\n6\n", 15, &o, true);
    EXPECT_COUNTS(r, 1, 2);
    tc_has(&r.bad, "{0 a: NUL byte at byte 1 of the value}");
    tc_free(&r);
}

/* ---- quotes ---------------------------------------------------------------------- */

static void test_quotes(void **state) {
    (void)state;
    st_csv_options o = defaults();
    /* unterminated quote at the end: one line lost, not the rest */
    tc_result r = read_file("duckdb_unquoted_end.csv", &o);
    EXPECT_COUNTS(r, 1, 2);
    tc_has(&r.bad, "unexpected text after the closing quote");
    tc_has(&r.bad, "B5@32 len=4 [4,\"z] {-1 -: unterminated quoted field");
    tc_has(&r.bad, "B3@10 len=21 [2,\"never closed\\n3,\"y\"]");
    tc_free(&r);
    r = read_str("a,b\n1,x\n2,\"never closed\n3,y\n4,z\n", &o);
    EXPECT_COUNTS(r, 3, 1);
    tc_has(&r.bad, "B3@8 len=15 [2,\"never closed] {-1 -: unterminated");
    tc_has(&r.rows, "R4@24: 3|\"y\"\nR5@28: 4|\"z\"\n");
    tc_free(&r);

    r = read_file("duckdb_unquoted_mid.csv", &o);
    EXPECT_COUNTS(r, 1, 1);
    tc_has(&r.bad, "B2@4 len=10 [1,\"bla\"bla] {1 b: unexpected text after the closing quote}");
    tc_free(&r);

    r = read_file("strata_bare_quote.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    tc_has(&r.rows, "1|\"27\\\" TV\"");
    tc_has(&r.rows, "2|\"quoted, ok\"");
    tc_has(&r.rows, "3|\"5'11\\\" tall\"");
    tc_free(&r);

    /* single quotes are sniffed when they quote */
    r = read_file("strata_single_quote.csv", &o);
    EXPECT_COUNTS(r, 3, 0);
    tc_has(&r.rows, "1|\"x,y\"");
    tc_has(&r.rows, "3|\"w,'v\"");
    tc_free(&r);

    /* backslash escapes */
    o.escape = '\\';
    o.quote = '"';
    r = read_str("a,b\n1,\"say \\\"hi\\\", \\\\o/\"\n2,\"x\"\n", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "1|\"say \\\"hi\\\", \\\\o/\"");
    tc_free(&r);
    /* no quoting at all */
    o = defaults();
    o.quote = ST_CSV_NO_QUOTE;
    r = read_str("a;b\n\"x;y\n", &o);
    EXPECT_COUNTS(r, 1, 0);
    tc_has(&r.rows, "\"\\\"x\"|\"y\"");
    tc_free(&r);
}

/* ---- long values, wide rows ------------------------------------------------------ */

static void test_long_values(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("duckdb_long_escaped_value.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_has(&r.rows, "R3@");
    tc_free(&r);
    r = read_file("duckdb_long_escaped_value_unicode.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    tc_free(&r);

    /* a 100 KB quoted field full of quotes and line breaks */
    st_sbuf csv = ST_SBUF_INIT, want = ST_SBUF_INIT;
    st_sbuf_append(&csv, "id,body,n\n1,\"", 13);
    st_test_seed(7);
    uint64_t eols = 0;
    while (want.len < 100000) {
        switch (st_test_rand() % 6) {
        case 0: st_sbuf_append(&csv, "\"\"", 2), st_sbuf_putc(&want, '"'); break;
        case 1: st_sbuf_putc(&csv, '\n'), st_sbuf_putc(&want, '\n'), eols++; break;
        case 2: st_sbuf_append(&csv, "\r\n", 2), st_sbuf_append(&want, "\r\n", 2), eols++; break;
        case 3: st_sbuf_append(&csv, ",;|", 3), st_sbuf_append(&want, ",;|", 3); break;
        default: st_sbuf_append(&csv, "text ", 5), st_sbuf_append(&want, "text ", 5); break;
        }
    }
    st_sbuf_append(&csv, "\",7\n2,short,8\n", 14);
    r = read_all(csv.p, csv.len, &o, true);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "id:INT64,body:VARCHAR,n:INT64");
    /* the decoded value, JSON-escaped, must appear whole */
    st_sbuf js = ST_SBUF_INIT;
    st_text_json_string(&js, want.p, want.len);
    tc_has(&r.rows, st_sbuf_cstr(&js));
    char next[64];
    snprintf(next, sizeof next, "R%llu@%zu: 2|\"short\"|8", (unsigned long long)(3 + eols),
             csv.len - 14 + 4);
    tc_has(&r.rows, next);
    tc_free(&r);
    st_sbuf_free(&js);
    st_sbuf_free(&csv);
    st_sbuf_free(&want);
}

static void test_wide(void **state) {
    (void)state;
    st_sbuf csv = ST_SBUF_INIT;
    const int ncol = 150;
    for (int c = 0; c < ncol; c++) st_sbuf_printf(&csv, "%sc%d", c ? "," : "", c);
    st_sbuf_putc(&csv, '\n');
    for (int row = 0; row < 50; row++) {
        for (int c = 0; c < ncol; c++) {
            if (c) st_sbuf_putc(&csv, ',');
            switch (c % 5) {
            case 0: st_sbuf_printf(&csv, "%d", row * c); break;
            case 1: st_sbuf_printf(&csv, "%d.5", row); break;
            case 2: st_sbuf_printf(&csv, "\"v%d,%d\"", row, c); break;
            case 3: st_sbuf_printf(&csv, "2024-01-%02d", 1 + row % 28); break;
            default: if (row % 3) st_sbuf_printf(&csv, "s%d", row); break;
            }
        }
        st_sbuf_append(&csv, row % 2 ? "\r\n" : "\n", row % 2 ? 2 : 1);
    }
    st_csv_options o = defaults();
    tc_result r = read_all(csv.p, csv.len, &o, true);
    EXPECT_COUNTS(r, 50, 0);
    tc_has(&r.schema, "c0:INT64,c1:DOUBLE,c2:VARCHAR,c3:DATE,c4:VARCHAR,c5:INT64");
    tc_has(&r.schema, "c149:VARCHAR");
    tc_has(&r.rows, "R51@");
    tc_has(&r.rows, "|\"v49,147\"|\"2024-01-22\"|\"s49\"\n");
    tc_free(&r);
    st_sbuf_free(&csv);
}

/* ---- a column that turns non-numeric after 30,000 rows ------------------------------ */

static void test_type_change_late(void **state) {
    (void)state;
    st_sbuf csv = ST_SBUF_INIT;
    st_sbuf_append(&csv, "id,qty,price\n", 13);
    for (int i = 1; i <= 30000; i++) st_sbuf_printf(&csv, "%d,%d,%d.25\n", i, i % 97, i % 1000);
    st_sbuf_append(&csv, "30001,n/a,1.5\n30002,5,free\n30003,6,2\n", 37);
    st_csv_options o = defaults();
    /* whole input inferred: the columns become VARCHAR, nothing is lost */
    tc_result r = read_all(csv.p, csv.len, &o, false);
    EXPECT_COUNTS(r, 30003, 0);
    EXPECT_SCHEMA(r, "id:INT64,qty:VARCHAR,price:VARCHAR");
    tc_has(&r.rows, "R30002@");
    tc_has(&r.rows, "30001|\"n/a\"|\"1.5\"\n");
    tc_has(&r.rows, "30002|\"5\"|\"free\"\n");
    tc_free(&r);
    /* inference on a sample: the late rows go to the caller, with line and column */
    o.sample_rows = 20000;
    r = read_all(csv.p, csv.len, &o, false);
    EXPECT_COUNTS(r, 30001, 2);
    EXPECT_SCHEMA(r, "id:INT64,qty:INT64,price:DOUBLE");
    tc_has(&r.bad, "B30002@");
    tc_has(&r.bad, "[30001,n/a,1.5] {1 qty: 'n/a' is not an integer}");
    tc_has(&r.bad, "B30003@");
    tc_has(&r.bad, "{2 price: 'free' is not a number}");
    tc_has(&r.rows, "R30004@");
    tc_free(&r);
    /* the same bytes pushed: inference on the first 64 KiB, the same two reports */
    o.sample_rows = 0;
    r = csv_push(csv.p, csv.len, &o, 2, 3);
    EXPECT_COUNTS(r, 30001, 2);
    EXPECT_SCHEMA(r, "id:INT64,qty:INT64,price:DOUBLE");
    tc_free(&r);
    st_sbuf_free(&csv);
}

/* ---- oversize records ----------------------------------------------------------------- */

static void test_oversize(void **state) {
    (void)state;
    st_csv_options o = defaults();
    o.max_record = 1000;
    st_sbuf csv = ST_SBUF_INIT;
    st_sbuf_append(&csv, "a,b\n1,x\n2,", 10);
    for (int i = 0; i < 100000; i++) st_sbuf_putc(&csv, 'y');
    st_sbuf_append(&csv, "\n3,z\n4,\"", 8);
    for (int i = 0; i < 3000; i++) st_sbuf_putc(&csv, i % 100 == 99 ? '\n' : 'q');
    st_sbuf_append(&csv, "\"\n5,w\n", 6);
    tc_result r = read_all(csv.p, csv.len, &o, true);
    /* rows x, z, w; bad: the long record, the cut quoted line, the 29 lines of
     * the quoted field after it, and its closing quote (which opens a new,
     * unterminated field): nothing is silently dropped */
    EXPECT_COUNTS(r, 3, 32);
    tc_has(&r.bad, "B3@8 len=100002 trunc [2,yyyy");
    tc_has(&r.bad, "record longer than max_record (1000 bytes): 100002 bytes");
    tc_has(&r.rows, "R4@100011: 3|\"z\"\n");
    /* a quoted field running past max_record is cut at the end of its first line */
    tc_has(&r.bad, "B5@100015 len=102 [4,\"qqq");
    tc_has(&r.bad, "B35@103018 len=1 [\"] {-1 -: unterminated quoted field");
    tc_has(&r.bad, "quoted field runs past max_record");
    tc_free(&r);
    st_sbuf_free(&csv);
}

/* ---- empty inputs ------------------------------------------------------------------------ */

static void test_empty(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("strata_empty.csv", &o);
    EXPECT_COUNTS(r, 0, 0);
    EXPECT_SCHEMA(r, "");
    tc_free(&r);
    r = read_file("strata_header_only.csv", &o);
    EXPECT_COUNTS(r, 0, 0);
    EXPECT_SCHEMA(r, "id:VARCHAR,name:VARCHAR,price:VARCHAR");
    tc_free(&r);
    r = read_file("strata_header_only_noeol.csv", &o);
    EXPECT_COUNTS(r, 0, 0);
    EXPECT_SCHEMA(r, "id:VARCHAR,name:VARCHAR,price:VARCHAR");
    tc_free(&r);
    r = read_file("strata_one_value.csv", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "column0:INT64");
    tc_free(&r);
    r = read_str("\n\n\r\n", &o);
    EXPECT_COUNTS(r, 0, 0);
    tc_free(&r);
    /* an empty input with a fixed schema has that schema */
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT64), 7, true, &err_));
    o.schema = s;
    r = read_str("", &o);
    EXPECT_SCHEMA(r, "id:INT64");
    EXPECT_COUNTS(r, 0, 0);
    tc_free(&r);
    st_schema_free(s);
}

/* ---- types ----------------------------------------------------------------------------- */

static void test_types(void **state) {
    (void)state;
    st_csv_options o = defaults();
    tc_result r = read_file("strata_numbers.csv", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "i:INT64,d:DOUBLE,big:INT64,huge:DECIMAL(38,0),dec:DECIMAL(20,19),"
                     "exp:DOUBLE,lz:VARCHAR,b:BOOLEAN,dt:DATE,ts:TIMESTAMP,tsn:TIMESTAMP_NS");
    tc_has(&r.rows, "|123456789012345678901234567890|0.1234567890123456789|");
    tc_has(&r.rows, "|\"2024-02-29 12:34:56.123456789\"");
    tc_has(&r.rows, "-9223372036854775808|-1|1.0000000000000000000|0.0025|\"010\"|false");
    tc_free(&r);
    o.all_varchar = true;
    r = read_file("strata_numbers.csv", &o);
    tc_has(&r.schema, "i:VARCHAR,d:VARCHAR");
    tc_free(&r);
}

/* ---- fixed schema ---------------------------------------------------------------------- */

static void test_fixed_schema(void **state) {
    (void)state;
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT32), 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "price", st_type_decimal(10, 2), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "day", st_type_make(ST_T_DATE), 3, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "note", st_type_make(ST_T_VARCHAR), 4, true, &err_));
    st_csv_options o = defaults();
    o.schema = s;
    /* columns matched by name, in any order; a missing one reads NULL */
    tc_result r = read_str("day,id,price\n2024-01-02,1,9.99\n2024-13-01,2,1\n2024-01-03,x,1.234\n"
                           "2024-01-04,3000000000,2\n",
                           &o);
    EXPECT_SCHEMA(r, "id:INT32,price:DECIMAL(10,2),day:DATE,note:VARCHAR");
    EXPECT_COUNTS(r, 1, 3);
    tc_has(&r.rows, "R2@13: 1|9.99|\"2024-01-02\"|null");
    tc_has(&r.bad, "B3@");
    tc_has(&r.bad, "{0 day: '2024-13-01' is not a date");
    tc_has(&r.bad, "B4@");
    tc_has(&r.bad, "{1 id: 'x' is not an integer} {2 price: '1.234' has more than 2 digits");
    tc_has(&r.bad, "{1 id: '3000000000' is out of range for INT32}");
    tc_free(&r);

    /* header names the schema lacks */
    const char *extra = "id,price,color\n1,2.5,red\n";
    r = read_str(extra, &o);
    assert_int_equal(r.rc, ST_ERR_TYPE);
    assert_non_null(strstr(r.err, "'color'"));
    tc_free(&r);
    o.unknown = ST_TEXT_UNKNOWN_IGNORE;
    r = read_str(extra, &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "id:INT32,price:DECIMAL(10,2),day:DATE,note:VARCHAR");
    tc_free(&r);
    o.unknown = ST_TEXT_UNKNOWN_EVOLVE;
    r = read_str("id,price,color,weight\n1,2.5,red,1.5\n2,3,blue,2\n", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "id:INT32,price:DECIMAL(10,2),day:DATE,note:VARCHAR,color:VARCHAR,weight:DOUBLE");
    tc_has(&r.rows, "R3@36: 2|3.00|null|null|\"blue\"|2.0");
    tc_free(&r);

    /* without a header: positional */
    o.unknown = ST_TEXT_UNKNOWN_REJECT;
    o.header = ST_CSV_HEADER_NO;
    r = read_str("1,2.5,2024-01-01,a\n2,3,2024-01-02\n", &o);
    EXPECT_COUNTS(r, 1, 1);
    tc_has(&r.bad, "expected 4 fields, found 3");
    tc_free(&r);

    /* detection with a schema: a first record of field names is a header */
    o.header = ST_CSV_HEADER_DETECT;
    r = read_str("ID,Price\n1,2\n", &o);
    EXPECT_COUNTS(r, 1, 0);
    tc_free(&r);
    st_schema_free(s);
}

static void test_strict(void **state) {
    (void)state;
    st_csv_options o = defaults();
    o.strict = true;
    tc_result r = csv_whole("a,b\n1,2\n3\n4,5\n", 14, &o);
    assert_int_equal(r.rc, ST_ERR_PARSE);
    assert_non_null(strstr(r.err, "t: line 3 (byte 8): expected 2 fields, found 1"));
    assert_int_equal(r.nbad, 1); /* the callback saw it first */
    tc_free(&r);
    r = csv_push("a,b\n1,2\n3\n4,5\n", 14, &o, 1, 0);
    assert_int_equal(r.rc, ST_ERR_PARSE);
    assert_non_null(strstr(r.err, "line 3"));
    tc_free(&r);
}

/* ---- recognition --------------------------------------------------------------------- */

static void test_recognition(void **state) {
    (void)state;
    st_csv_options o = defaults();
    unsigned char bin[4096];
    st_test_seed(11);
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)st_test_rand();
    tc_result r = csv_whole(bin, sizeof bin, &o);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    assert_non_null(strstr(r.err, "t: "));
    tc_free(&r);
    r = csv_push(bin, sizeof bin, &o, 2, 1);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    tc_free(&r);
    /* prose: delimiters appear but split nothing consistently */
    const char *prose =
        "It was a dark night; the rain, heavy, fell.\nNobody came.\n"
        "Later, much later, someone knocked; twice, then again, and again.\n"
        "Silence.\nThe end, finally; or so they said, at least, at first.\nNo.\n"
        "Yes, no, maybe, so; they argued, long, into the night, again.\nFine.\n"
        "Well; well; well, said the man, who; knew.\nOk; then.\nAnd so, it goes.\n";
    r = csv_whole(prose, strlen(prose), &o);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    assert_non_null(strstr(r.err, "consistently"));
    tc_free(&r);
}

/* ---- every test file, every path ------------------------------------------------------------ */

static void test_all_files_all_paths(void **state) {
    (void)state;
    DIR *d = opendir(DATA);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".csv")) continue;
        st_csv_options o = defaults();
        tc_result r = read_file(de->d_name, &o);
        tc_free(&r);
        o.header = ST_CSV_HEADER_NO;
        o.all_varchar = true;
        r = read_file(de->d_name, &o);
        tc_free(&r);
        n++;
    }
    closedir(d);
    assert_true(n >= 60);
}

/* Random bytes over an alphabet that stresses the grammar. */
static size_t random_csv(char *out, size_t cap) {
    static const char alpha[] = {'a', 'b', '1', '2', '.', ',', ',', ';', '"', '"', '\n', '\n',
                                 '\r', ' ', '-', 'e', '#', '\t', '\'', (char)0xC3, (char)0xA9};
    size_t n = st_test_rand() % cap;
    for (size_t i = 0; i < n; i++) out[i] = alpha[st_test_rand() % sizeof alpha];
    if (st_test_rand() % 50 == 0 && n) out[st_test_rand() % n] = 0;
    return n;
}

static void test_random_inputs(void **state) {
    (void)state;
    char buf[3000];
    for (int iter = 0; iter < 400; iter++) {
        st_test_seed(1000 + iter);
        size_t n = random_csv(buf, sizeof buf);
        st_csv_options o = defaults();
        o.delim = ',';
        o.quote = '"';
        o.header = (iter % 3 == 0) ? ST_CSV_HEADER_DETECT : ST_CSV_HEADER_NO;
        o.max_record = iter % 4 == 0 ? 40 : 0;
        o.pad_short = iter % 5 == 0;
        o.comment = iter % 7 == 0 ? '#' : 0;
        o.quoted_null = iter % 2;
        o.batch_rows = 1 + iter % 9;
        tc_result r = read_all(buf, n, &o, true);
        tc_free(&r);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spectrum),       cmocka_unit_test(test_duckdb_dialects),
        cmocka_unit_test(test_headers),        cmocka_unit_test(test_ragged),
        cmocka_unit_test(test_line_endings),   cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_encodings),      cmocka_unit_test(test_invalid_utf8_and_nul),
        cmocka_unit_test(test_quotes),         cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_wide),           cmocka_unit_test(test_type_change_late),
        cmocka_unit_test(test_oversize),       cmocka_unit_test(test_empty),
        cmocka_unit_test(test_types),          cmocka_unit_test(test_fixed_schema),
        cmocka_unit_test(test_strict),         cmocka_unit_test(test_recognition),
        cmocka_unit_test(test_all_files_all_paths), cmocka_unit_test(test_random_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
