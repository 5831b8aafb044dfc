/*
 * test_textwrite.c: the CSV and NDJSON writers.  Exact bytes for a small
 * table (minimal quoting, NULL vs "", ISO dates, header), then round trips:
 * random batches of every type written and read back with the schema given
 * must compare equal value for value (NULL and the empty string included),
 * through both sinks (FILE* and st_wfile).
 */
#include "test_util.h"
#include "textcheck.h"

#include "format/csv.h"
#include "format/io.h"
#include "format/ndjson.h"

static st_schema *make_schema(void) {
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT64), 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "name", st_type_make(ST_T_VARCHAR), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "price", st_type_decimal(10, 2), 3, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "ratio", st_type_make(ST_T_DOUBLE), 4, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "day", st_type_make(ST_T_DATE), 5, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "at", st_type_make(ST_T_TIMESTAMP), 6, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "ok", st_type_make(ST_T_BOOLEAN), 7, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "device.os", st_type_make(ST_T_VARCHAR), 8, true, &err_));
    return s;
}

static const char *names[] = {"plain", "", "with,comma", "with \"quote\"", "multi\nline",
                              " lead", "crlf\r\nx", "caf\xc3\xa9", "x;y|z\tw"};

/* Random rows: every value kind, NULLs, and the awkward strings above. */
static st_batch *make_batch(const st_schema *s, uint32_t rows, uint64_t seed) {
    st_type types[16];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, rows);
    st_test_seed(seed);
    for (uint32_t c = 0; c < s->nfields; c++) {
        st_vector *v = b->cols[c];
        for (uint32_t i = 0; i < rows; i++) {
            uint64_t r = st_test_rand();
            if (r % 7 == 0) {
                ST_ASSERT_OK(st_vector_append_null(v, &err_));
                continue;
            }
            switch ((st_type_id)v->type.id) {
            case ST_T_INT64: {
                int64_t x = (int64_t)(r >> 3) * ((r & 1) ? -1 : 1);
                ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                break;
            }
            case ST_T_VARCHAR: {
                const char *n = names[r % 9];
                ST_ASSERT_OK(st_vector_append_str(v, n, (uint32_t)strlen(n), &err_));
                break;
            }
            case ST_T_DECIMAL: {
                int64_t x = (int64_t)(r % 2000000) - 1000000;
                ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                break;
            }
            case ST_T_DOUBLE: {
                double x = (double)(int64_t)(r % 100000) / 64.0 - 300.0;
                if (r % 11 == 0) x = 1e-300 * (double)(r % 97);
                ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                break;
            }
            case ST_T_DATE: {
                int32_t x = (int32_t)(r % 40000) - 10000;
                ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                break;
            }
            case ST_T_TIMESTAMP: {
                int64_t x = (int64_t)(r % 4000000000000000ull) - 1000000000000000ll;
                ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                break;
            }
            case ST_T_BOOLEAN: {
                uint8_t x = r & 1;
                ST_ASSERT_OK(st_vector_append(v, &x, &err_));
                break;
            }
            default: fail_msg("type");
            }
        }
    }
    st_batch_set_len(b, rows);
    return b;
}

/* Compare row values as JSON texts. */
static void rows_text(st_sbuf *sb, const st_batch *b) {
    for (uint32_t i = 0; i < b->len; i++) {
        for (uint32_t c = 0; c < b->ncols; c++) {
            st_sbuf_putc(sb, c ? '|' : '\n');
            st_text_cell(sb, b->cols[c], i, ST_CELL_JSON, ',', '"');
        }
    }
}

static void test_csv_exact(void **state) {
    (void)state;
    st_schema *s = make_schema();
    st_type types[16];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 4);
    int64_t id = 1, price = 1999;
    double ratio = 0.5;
    int32_t day = 19782;
    int64_t at = INT64_C(1709208000123456);
    uint8_t ok = 1;
    ST_ASSERT_OK(st_vector_append(b->cols[0], &id, &err_));
    ST_ASSERT_OK(st_vector_append_str(b->cols[1], "a,\"b\"", 5, &err_));
    ST_ASSERT_OK(st_vector_append(b->cols[2], &price, &err_));
    ST_ASSERT_OK(st_vector_append(b->cols[3], &ratio, &err_));
    ST_ASSERT_OK(st_vector_append(b->cols[4], &day, &err_));
    ST_ASSERT_OK(st_vector_append(b->cols[5], &at, &err_));
    ST_ASSERT_OK(st_vector_append(b->cols[6], &ok, &err_));
    ST_ASSERT_OK(st_vector_append_str(b->cols[7], "", 0, &err_));
    id = 2;
    ST_ASSERT_OK(st_vector_append(b->cols[0], &id, &err_));
    for (int c = 1; c < 8; c++) ST_ASSERT_OK(st_vector_append_null(b->cols[c], &err_));
    st_batch_set_len(b, 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    st_csv_writer *w;
    ST_ASSERT_OK(st_csv_writer_new(st_text_sink_stdio(f), s, NULL, &w, &err_));
    ST_ASSERT_OK(st_csv_write_batch(w, b, &err_));
    ST_ASSERT_OK(st_csv_writer_finish(w, &err_));
    assert_int_equal(st_csv_writer_rows(w), 2);
    st_csv_writer_free(w);
    fclose(f);
    assert_string_equal(buf, "id,name,price,ratio,day,at,ok,device.os\n"
                             "1,\"a,\"\"b\"\"\",19.99,0.5,2024-02-29,2024-02-29 12:00:00.123456,true,\"\"\n"
                             "2,,,,,,,\n");
    free(buf);

    /* NDJSON, flat and nested */
    buf = NULL;
    f = open_memstream(&buf, &len);
    st_ndjson_writer *nw;
    st_ndjson_write_options no = {.nest = true};
    ST_ASSERT_OK(st_ndjson_writer_new(st_text_sink_stdio(f), s, &no, &nw, &err_));
    ST_ASSERT_OK(st_ndjson_write_batch(nw, b, &err_));
    ST_ASSERT_OK(st_ndjson_writer_finish(nw, &err_));
    st_ndjson_writer_free(nw);
    fclose(f);
    assert_string_equal(buf, "{\"id\":1,\"name\":\"a,\\\"b\\\"\",\"price\":19.99,\"ratio\":0.5,"
                             "\"day\":\"2024-02-29\",\"at\":\"2024-02-29 12:00:00.123456\",\"ok\":true,"
                             "\"device\":{\"os\":\"\"}}\n"
                             "{\"id\":2,\"name\":null,\"price\":null,\"ratio\":null,\"day\":null,"
                             "\"at\":null,\"ok\":null,\"device\":{\"os\":null}}\n");
    free(buf);
    st_batch_free(b);
    st_schema_free(s);
}

static void read_back_csv(const char *p, size_t n, const st_schema *s, st_sbuf *out) {
    st_csv_options o;
    st_csv_options_init(&o);
    o.schema = s;
    o.header = ST_CSV_HEADER_YES;
    o.delim = ',';
    o.quote = '"';
    o.strict = true;
    st_buf *b = tc_buf(p, n);
    st_csv_reader *r;
    ST_ASSERT_OK(st_csv_open_buf(b, &o, &r, &err_));
    st_buf_unref(b);
    for (;;) {
        st_text_chunk ch;
        ST_ASSERT_OK(st_csv_next(r, &ch, &err_));
        if (!ch.batch) break;
        rows_text(out, ch.batch);
    }
    st_csv_close(r);
}

static void read_back_ndjson(const char *p, size_t n, const st_schema *s, st_sbuf *out) {
    st_ndjson_options o;
    st_ndjson_options_init(&o);
    o.schema = s;
    o.strict = true;
    st_buf *b = tc_buf(p, n);
    st_ndjson_reader *r;
    ST_ASSERT_OK(st_ndjson_open_buf(b, &o, &r, &err_));
    st_buf_unref(b);
    for (;;) {
        st_text_chunk ch;
        ST_ASSERT_OK(st_ndjson_next(r, &ch, &err_));
        if (!ch.batch) break;
        rows_text(out, ch.batch);
    }
    st_ndjson_close(r);
}

static void test_round_trips(void **state) {
    (void)state;
    st_schema *s = make_schema();
    for (int iter = 0; iter < 20; iter++) {
        st_batch *b = make_batch(s, 300 + iter * 17, 100 + iter);
        st_sbuf want = ST_SBUF_INIT, got = ST_SBUF_INIT;
        rows_text(&want, b);
        /* CSV through FILE*, LF or CRLF */
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        st_csv_writer *w;
        st_csv_write_options wo = {.crlf = iter % 2 == 1};
        ST_ASSERT_OK(st_csv_writer_new(st_text_sink_stdio(f), s, &wo, &w, &err_));
        ST_ASSERT_OK(st_csv_write_batch(w, b, &err_));
        ST_ASSERT_OK(st_csv_writer_finish(w, &err_));
        st_csv_writer_free(w);
        fclose(f);
        read_back_csv(buf, len, s, &got);
        if (strcmp(st_sbuf_cstr(&want), st_sbuf_cstr(&got)))
            fail_msg("CSV round trip differs (iter %d):\n%.1500s\n---\n%.1500s", iter,
                     st_sbuf_cstr(&want), st_sbuf_cstr(&got));
        free(buf);
        /* NDJSON, flat and nested */
        for (int nest = 0; nest < 2; nest++) {
            st_sbuf_clear(&got);
            buf = NULL;
            f = open_memstream(&buf, &len);
            st_ndjson_writer *nw;
            st_ndjson_write_options no = {.nest = nest, .skip_nulls = iter % 3 == 0};
            ST_ASSERT_OK(st_ndjson_writer_new(st_text_sink_stdio(f), s, &no, &nw, &err_));
            ST_ASSERT_OK(st_ndjson_write_batch(nw, b, &err_));
            ST_ASSERT_OK(st_ndjson_writer_finish(nw, &err_));
            st_ndjson_writer_free(nw);
            fclose(f);
            read_back_ndjson(buf, len, s, &got);
            if (strcmp(st_sbuf_cstr(&want), st_sbuf_cstr(&got)))
                fail_msg("NDJSON round trip differs (iter %d, nest %d):\n%.1500s\n---\n%.1500s", iter,
                         nest, st_sbuf_cstr(&want), st_sbuf_cstr(&got));
            free(buf);
        }
        st_sbuf_free(&want);
        st_sbuf_free(&got);
        st_batch_free(b);
    }
    st_schema_free(s);
}

/* The st_wfile sink, with a selection vector, then publish. */
static void test_wfile_sink(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    st_schema *s = make_schema();
    st_batch *b = make_batch(s, 100, 5);
    uint32_t *sel = st_batch_sel_alloc(b, 100);
    for (uint32_t i = 0; i < 50; i++) sel[i] = i * 2;
    b->sel_len = 50;
    st_wfile *wf;
    ST_ASSERT_OK(st_wfile_create_tmp(dir, "csv", &wf, &err_));
    st_csv_writer *w;
    ST_ASSERT_OK(st_csv_writer_new(st_text_sink_wfile(wf), s, NULL, &w, &err_));
    ST_ASSERT_OK(st_csv_write_batch(w, b, &err_));
    ST_ASSERT_OK(st_csv_writer_finish(w, &err_));
    assert_int_equal(st_csv_writer_rows(w), 50);
    st_csv_writer_free(w);
    char path[4200];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    ST_ASSERT_OK(st_wfile_publish(wf, path, ST_PUBLISH_REPLACE, &err_));
    st_csv_options o;
    st_csv_options_init(&o);
    o.schema = s;
    st_csv_reader *r;
    ST_ASSERT_OK(st_csv_open_file(path, &o, &r, &err_));
    uint64_t rows = 0;
    for (;;) {
        st_text_chunk ch;
        ST_ASSERT_OK(st_csv_next(r, &ch, &err_));
        if (!ch.batch) break;
        rows += ch.batch->len;
    }
    st_text_stats stt;
    st_csv_stats(r, &stt);
    assert_int_equal(rows, 50);
    assert_int_equal(stt.bad, 0);
    st_csv_close(r);
    st_batch_free(b);
    st_schema_free(s);
    st_test_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_exact),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_wfile_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
