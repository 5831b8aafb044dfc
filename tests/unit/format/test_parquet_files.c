/*
 * test_parquet_files.c: the Parquet reader on the public conformance files
 * (../shared/testdata/parquet, from apache/parquet-testing).
 *
 *  - data/: every file reads.  Each file's rows, rendered as text the way
 *    DuckDB prints them, hash to the value recorded below (recorded after
 *    checking the rendering against DuckDB 1.5 row by row; the files DuckDB
 *    cannot read were checked against their .md notes).  Files that ship an
 *    *_expect.csv are compared with it cell by cell, and a few values are
 *    spot-checked by hand (INT96, decimals, float16, delta encodings, ...).
 *  - The two files whose page CRCs do not match are refused, naming the page.
 *  - bad_data/ and unsupported/: each is refused with its specific error.
 *
 * PQ_PRINT=1 prints the table of hashes instead of checking it.
 */
#include "test_util.h"

#include <math.h>

#include "format/hash.h"
#include "format/parquet.h"
#include "format/valtext.h"

#define TD "../shared/testdata/parquet"

/* Render every row of a file (all columns) as comma-joined plain cells,
 * NULL as empty; *rows gets the row count. */
static st_status render(const char *path, st_sbuf *out, uint64_t *rows, st_error *e) {
    st_pq_reader *r;
    ST_TRY(st_pq_open(path, &r, e));
    const st_schema *s = st_pq_schema(r);
    st_type types[256];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 0);
    st_status rc = ST_OK;
    *rows = 0;
    for (uint32_t g = 0; g < st_pq_num_row_groups(r) && !rc; g++) {
        uint64_t n = st_pq_rg_rows(r, g);
        /* read in two uneven pieces to exercise row ranges */
        uint64_t cut = n / 3;
        for (int piece = 0; piece < 2 && !rc; piece++) {
            uint64_t off = piece ? cut : 0, len = piece ? n - cut : cut;
            if ((rc = st_pq_read(r, g, off, (uint32_t)len, NULL, 0, b, e)) != ST_OK) break;
            for (uint32_t i = 0; i < len; i++) {
                for (uint32_t c = 0; c < s->nfields; c++) {
                    if (c) st_sbuf_putc(out, ',');
                    if (!st_vector_is_null(b->cols[c], i)) st_text_cell(out, b->cols[c], i, ST_CELL_PLAIN, ',', '"');
                }
                st_sbuf_putc(out, '\n');
            }
            *rows += len;
        }
    }
    st_batch_free(b);
    st_pq_close(r);
    return rc;
}

/* The same rendering through a cursor reading batches of `batch` rows. */
static st_status render_cursor(const char *path, uint32_t batch, st_sbuf *out, st_error *e) {
    st_pq_reader *r;
    ST_TRY(st_pq_open(path, &r, e));
    const st_schema *s = st_pq_schema(r);
    st_type types[256];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 0);
    st_status rc = ST_OK;
    for (uint32_t g = 0; g < st_pq_num_row_groups(r) && !rc; g++) {
        st_pq_cursor *cu;
        if ((rc = st_pq_cursor_open(r, g, NULL, 0, &cu, e)) != ST_OK) break;
        for (;;) {
            if ((rc = st_pq_cursor_read(cu, batch, b, e)) != ST_OK || b->len == 0) break;
            for (uint32_t i = 0; i < b->len; i++) {
                for (uint32_t c = 0; c < s->nfields; c++) {
                    if (c) st_sbuf_putc(out, ',');
                    if (!st_vector_is_null(b->cols[c], i)) st_text_cell(out, b->cols[c], i, ST_CELL_PLAIN, ',', '"');
                }
                st_sbuf_putc(out, '\n');
            }
        }
        st_pq_cursor_close(cu);
    }
    st_batch_free(b);
    st_pq_close(r);
    return rc;
}

typedef struct good_file {
    const char *name;
    uint64_t rows;
    uint64_t hash;
} good_file;

static const good_file good[] = {
    {"alltypes_dictionary.parquet", 2, UINT64_C(0xacfc155f5fe2daa2)},
    {"alltypes_plain.parquet", 8, UINT64_C(0x75ea72c3d70b6b8e)},
    {"alltypes_plain.snappy.parquet", 2, UINT64_C(0x0c1ad889b086c136)},
    {"alltypes_tiny_pages.parquet", 7300, UINT64_C(0xf6028bdcde128d23)},
    {"alltypes_tiny_pages_plain.parquet", 7300, UINT64_C(0xf6028bdcde128d23)},
    {"binary.parquet", 12, UINT64_C(0x001d42507fedcac3)},
    {"binary_truncated_min_max.parquet", 12, UINT64_C(0x7704e7dfa987f954)},
    {"byte_array_decimal.parquet", 24, UINT64_C(0xef7278b4569b6f61)},
    {"byte_stream_split.zstd.parquet", 300, UINT64_C(0xf3662044815e1b50)},
    {"byte_stream_split_extended.gzip.parquet", 200, UINT64_C(0x930c5bf507688886)},
    {"column_chunk_key_value_metadata.parquet", 0, UINT64_C(0x2d06800538d394c2)},
    {"data_index_bloom_encoding_stats.parquet", 14, UINT64_C(0x579afd31c75f14b1)},
    {"data_index_bloom_encoding_with_length.parquet", 14, UINT64_C(0x579afd31c75f14b1)},
    {"datapage_v1-snappy-compressed-checksum.parquet", 5120, UINT64_C(0xbcc34c342cfa0944)},
    {"datapage_v1-uncompressed-checksum.parquet", 5120, UINT64_C(0xbcc34c342cfa0944)},
    {"delta_binary_packed.parquet", 200, UINT64_C(0x08a5ab56ffef0326)},
    {"delta_byte_array.parquet", 1000, UINT64_C(0x80355067e50b3a36)},
    {"delta_encoding_required_column.parquet", 100, UINT64_C(0x79f29df9d0ea8c27)},
    {"delta_length_byte_array.parquet", 1000, UINT64_C(0x914747f85f94ded2)},
    {"dict-page-offset-zero.parquet", 39, UINT64_C(0x4d3cfab2292e483c)},
    {"fixed_length_byte_array.parquet", 1000, UINT64_C(0xa14167d377f5f1b3)},
    {"fixed_length_decimal.parquet", 24, UINT64_C(0xef7278b4569b6f61)},
    {"floating_orders_nan_count.parquet", 50, UINT64_C(0x98fce078a110aa51)},
    {"int32_decimal.parquet", 24, UINT64_C(0xef7278b4569b6f61)},
    {"int32_with_null_pages.parquet", 1000, UINT64_C(0x687bdc00b57496fd)},
    {"int64_decimal.parquet", 24, UINT64_C(0xef7278b4569b6f61)},
    {"nan_in_stats.parquet", 2, UINT64_C(0x7dfde4ba4f0cd58d)},
    {"nation.dict-malformed.parquet", 25, UINT64_C(0x48ec3294dec6b345)},
    {"overflow_i16_page_cnt.parquet", 40000, UINT64_C(0x253c82693d937149)},
    {"page_v2_empty_compressed.parquet", 10, UINT64_C(0x5f07ae5ed7a3e422)},
    {"plain-dict-uncompressed-checksum.parquet", 1000, UINT64_C(0x0be45b42580c30d1)},
    {"rle_boolean_encoding.parquet", 68, UINT64_C(0x05c36c5e5b7f4ce0)},
    {"single_nan.parquet", 1, UINT64_C(0x384868fba0c21fdc)},
    {"sort_columns.parquet", 6, UINT64_C(0xd2a8f1060f10cec5)},
    {"unknown-logical-type.parquet", 3, UINT64_C(0x18ba6199f6c6ef81)},
};

static void test_data_files_hash(void **state) {
    (void)state;
    bool print = getenv("PQ_PRINT") != NULL;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char path[512];
        snprintf(path, sizeof path, TD "/data/%s", good[i].name);
        st_sbuf sb = ST_SBUF_INIT;
        uint64_t rows;
        st_error_clear(&err_);
        st_status rc = render(path, &sb, &rows, &err_);
        if (rc) fail_msg("%s: %s", good[i].name, err_.msg);
        uint64_t h = st_hash_bytes(sb.p ? sb.p : "", sb.len);
        /* cursors in small and odd batches give the same rows */
        for (uint32_t batch = 7; batch <= 1000; batch += 993) {
            st_sbuf cb = ST_SBUF_INIT;
            if (render_cursor(path, batch, &cb, &err_)) fail_msg("%s (cursor %u): %s", good[i].name, batch, err_.msg);
            if (cb.len != sb.len || (sb.len && memcmp(cb.p, sb.p, sb.len)))
                fail_msg("%s: a cursor of %u rows reads different rows", good[i].name, batch);
            st_sbuf_free(&cb);
        }
        if (print) printf("    {\"%s\", %llu, UINT64_C(0x%016llx)},\n", good[i].name, (unsigned long long)rows, (unsigned long long)h);
        else {
            if (rows != good[i].rows) fail_msg("%s: %llu rows, expected %llu", good[i].name, (unsigned long long)rows, (unsigned long long)good[i].rows);
            if (h != good[i].hash) fail_msg("%s: content hash %016llx, expected %016llx", good[i].name, (unsigned long long)h, (unsigned long long)good[i].hash);
        }
        st_sbuf_free(&sb);
    }
}

/* ---- *_expect.csv ------------------------------------------------------- */

/* Split one CSV record (RFC 4180) into fields; NULL = empty unquoted. */
static size_t csv_record(const char *p, const char *end, char fields[][256], bool *isnull, size_t maxf, const char **next) {
    size_t n = 0;
    while (p < end && n < maxf) {
        size_t k = 0;
        bool quoted = false;
        if (*p == '"') {
            quoted = true;
            p++;
            while (p < end) {
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') { if (k < 255) fields[n][k++] = '"'; p += 2; continue; }
                    p++;
                    break;
                }
                if (k < 255) fields[n][k++] = *p;
                p++;
            }
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') { if (k < 255) fields[n][k++] = *p; p++; }
        }
        fields[n][k] = 0;
        isnull[n] = !quoted && k == 0;
        n++;
        if (p < end && *p == ',') { p++; continue; }
        while (p < end && (*p == '\r' || *p == '\n')) p++;
        break;
    }
    *next = p;
    return n;
}

static void check_expect(const char *base) {
    char path[512], epath[512];
    snprintf(path, sizeof path, TD "/data/%s.parquet", base);
    snprintf(epath, sizeof epath, TD "/data/%s_expect.csv", base);
    st_buf *eb;
    ST_ASSERT_OK(st_file_read(epath, 64u << 20, &eb, &err_));
    const char *p = st_buf_data(eb), *end = p + st_buf_len(eb);
    static char fields[128][256];
    bool isnull[128];
    size_t nh = csv_record(p, end, fields, isnull, 128, &p); /* header */
    st_pq_reader *r;
    ST_ASSERT_OK(st_pq_open(path, &r, &err_));
    const st_schema *s = st_pq_schema(r);
    assert_int_equal(nh, s->nfields);
    st_type types[128];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 0);
    uint64_t checked = 0;
    st_sbuf cell = ST_SBUF_INIT;
    for (uint32_t g = 0; g < st_pq_num_row_groups(r); g++) {
        uint32_t n = (uint32_t)st_pq_rg_rows(r, g);
        ST_ASSERT_OK(st_pq_read(r, g, 0, n, NULL, 0, b, &err_));
        for (uint32_t i = 0; i < n; i++) {
            size_t nf = csv_record(p, end, fields, isnull, 128, &p);
            assert_int_equal(nf, s->nfields);
            for (uint32_t c = 0; c < s->nfields; c++) {
                bool null = st_vector_is_null(b->cols[c], i);
                if (null != isnull[c]) fail_msg("%s row %llu col %u: null mismatch", base, (unsigned long long)checked, c);
                if (null) continue;
                st_sbuf_clear(&cell);
                st_text_cell(&cell, b->cols[c], i, ST_CELL_PLAIN, ',', '"');
                if (strcmp(st_sbuf_cstr(&cell), fields[c]) != 0)
                    fail_msg("%s row %llu col %u: got '%s', expected '%s'", base, (unsigned long long)checked, c,
                             st_sbuf_cstr(&cell), fields[c]);
            }
            checked++;
        }
    }
    assert_true(p >= end); /* no expected rows left over */
    assert_true(checked > 0);
    st_sbuf_free(&cell);
    st_batch_free(b);
    st_pq_close(r);
    st_buf_unref(eb);
}

static void test_expect_csv(void **state) {
    (void)state;
    check_expect("delta_binary_packed");
    check_expect("delta_byte_array");
    check_expect("delta_encoding_required_column");
}

/* ---- spot checks -------------------------------------------------------- */

/* Cell (row, col) of a file as text ("NULL" for NULL). */
static void cell_text(const char *file, uint64_t row, const char *col, char *out, size_t cap) {
    char path[512];
    snprintf(path, sizeof path, TD "/data/%s", file);
    st_pq_reader *r;
    ST_ASSERT_OK(st_pq_open(path, &r, &err_));
    int c = st_schema_find(st_pq_schema(r), col);
    assert_true(c >= 0);
    uint32_t g = 0;
    while (row >= st_pq_rg_rows(r, g)) row -= st_pq_rg_rows(r, g++);
    st_vector *v = st_vector_new(st_pq_schema(r)->fields[c].type, 0);
    ST_ASSERT_OK(st_pq_read_column(r, g, (uint32_t)c, row, 1, v, &err_));
    st_sbuf sb = ST_SBUF_INIT;
    if (st_vector_is_null(v, 0)) st_sbuf_append(&sb, "NULL", 4);
    else st_text_cell(&sb, v, 0, ST_CELL_PLAIN, ',', '"');
    snprintf(out, cap, "%s", st_sbuf_cstr(&sb));
    st_sbuf_free(&sb);
    st_vector_free(v);
    st_pq_close(r);
}

#define CELL(file, row, col, want)                                            \
    do {                                                                      \
        char got_[512];                                                       \
        cell_text(file, row, col, got_, sizeof got_);                         \
        if (strcmp(got_, want)) fail_msg("%s row %d %s: got '%s', expected '%s'", file, (int)(row), col, got_, want); \
    } while (0)

static void test_spot_values(void **state) {
    (void)state;
    /* INT96 (Impala): 2009-01-01 00:00:00 */
    CELL("alltypes_plain.parquet", 2, "timestamp_col", "2009-04-01 00:00:00");
    CELL("alltypes_plain.parquet", 0, "string_col", "0");
    CELL("alltypes_plain.parquet", 1, "bool_col", "false");
    CELL("alltypes_dictionary.parquet", 1, "double_col", "10.1");
    /* decimals on every physical type: value 1.00 .. 24.00 */
    CELL("int32_decimal.parquet", 0, "value", "1.00");
    CELL("int64_decimal.parquet", 23, "value", "24.00");
    CELL("fixed_length_decimal.parquet", 5, "value", "6.00");
    CELL("byte_array_decimal.parquet", 23, "value", "24.00");
    /* NULL pages and RLE booleans */
    CELL("int32_with_null_pages.parquet", 0, "int32_field", "-654807448");
    CELL("rle_boolean_encoding.parquet", 2, "datatype_boolean", "NULL");
    CELL("rle_boolean_encoding.parquet", 0, "datatype_boolean", "true");
    /* byte stream split and float16 (DuckDB cannot read this file): the
     * split and plain columns hold the same values */
    CELL("byte_stream_split_extended.gzip.parquet", 0, "float16_plain", "10.3046875");
    CELL("byte_stream_split_extended.gzip.parquet", 0, "float16_byte_stream_split", "10.3046875");
    CELL("byte_stream_split_extended.gzip.parquet", 0, "int64_byte_stream_split", "293650000000");
    CELL("byte_stream_split_extended.gzip.parquet", 0, "decimal_byte_stream_split", "1003.858");
    /* v2 pages with an empty compressed values section; zero-row chunk */
    CELL("page_v2_empty_compressed.parquet", 0, "integer_column", "NULL");
    CELL("dict-page-offset-zero.parquet", 0, "l_partkey", "1552");
    CELL("nation.dict-malformed.parquet", 24, "name", "UNITED STATES");
    CELL("unknown-logical-type.parquet", 0, "column with unknown type", "unknown string 1");
    CELL("single_nan.parquet", 0, "mycol", "NULL");
}

/* The byte_stream_split file's pairs of columns must agree on every row. */
static void test_bss_pairs_agree(void **state) {
    (void)state;
    st_pq_reader *r;
    ST_ASSERT_OK(st_pq_open(TD "/data/byte_stream_split_extended.gzip.parquet", &r, &err_));
    const st_schema *s = st_pq_schema(r);
    assert_int_equal(s->nfields % 2, 0);
    st_type types[64];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 0);
    uint32_t n = (uint32_t)st_pq_rg_rows(r, 0);
    ST_ASSERT_OK(st_pq_read(r, 0, 0, n, NULL, 0, b, &err_));
    for (uint32_t c = 0; c < s->nfields; c += 2) {
        assert_true(st_type_eq(types[c], types[c + 1]));
        size_t w = st_type_width(types[c]);
        for (uint32_t i = 0; i < n; i++) {
            assert_int_equal(st_vector_is_null(b->cols[c], i), st_vector_is_null(b->cols[c + 1], i));
            if (st_type_is_string(types[c])) {
                const st_str *x = st_vector_at(b->cols[c], i), *y = st_vector_at(b->cols[c + 1], i);
                assert_int_equal(x->len, y->len);
                assert_memory_equal(x->ptr, y->ptr, x->len);
            } else {
                assert_memory_equal(st_vector_at(b->cols[c], i), st_vector_at(b->cols[c + 1], i), w);
            }
        }
    }
    st_batch_free(b);
    st_pq_close(r);
}

static void test_schema_mapping(void **state) {
    (void)state;
    struct { const char *file, *col, *type; } cases[] = {
        {"alltypes_plain.parquet", "timestamp_col", "TIMESTAMP"},
        {"alltypes_plain.parquet", "string_col", "BLOB"},
        {"alltypes_tiny_pages.parquet", "tinyint_col", "INT8"},
        {"alltypes_tiny_pages.parquet", "string_col", "VARCHAR"},
        {"int32_decimal.parquet", "value", "DECIMAL(4,2)"},
        {"fixed_length_decimal.parquet", "value", "DECIMAL(25,2)"},
        {"byte_stream_split_extended.gzip.parquet", "float16_plain", "FLOAT"},
        {"byte_stream_split_extended.gzip.parquet", "flba5_plain", "BLOB"},
        {"delta_byte_array.parquet", "c_customer_id", "VARCHAR"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[512], tn[ST_TYPE_NAME_MAX];
        snprintf(path, sizeof path, TD "/data/%s", cases[i].file);
        st_pq_reader *r;
        ST_ASSERT_OK(st_pq_open(path, &r, &err_));
        int c = st_schema_find(st_pq_schema(r), cases[i].col);
        assert_true(c >= 0);
        assert_string_equal(st_type_name(st_pq_schema(r)->fields[c].type, tn), cases[i].type);
        st_pq_close(r);
    }
}

/* ---- statistics --------------------------------------------------------- */

static void test_zone_maps_from_stats(void **state) {
    (void)state;
    st_pq_reader *r;
    /* truncated binary statistics: bounds hold, not exact */
    ST_ASSERT_OK(st_pq_open(TD "/data/binary_truncated_min_max.parquet", &r, &err_));
    const st_zonemap *zm = st_pq_rg_zonemaps(r, 0);
    assert_non_null(zm);
    const st_schema *s = st_pq_schema(r);
    st_type types[16];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 0);
    uint32_t n = (uint32_t)st_pq_rg_rows(r, 0);
    ST_ASSERT_OK(st_pq_read(r, 0, 0, n, NULL, 0, b, &err_));
    for (uint32_t c = 0; c < s->nfields; c++) {
        st_zonemap truth;
        st_zonemap_init(&truth, types[c]);
        st_zonemap_update(&truth, b->cols[c], NULL, n);
        /* the file's bounds contain the true ones */
        if (zm[c].has_min) assert_true(st_zval_cmp(types[c], &zm[c].min, &truth.min) <= 0);
        if (zm[c].has_max) assert_true(st_zval_cmp(types[c], &zm[c].max, &truth.max) >= 0);
        assert_int_equal(zm[c].null_count, truth.null_count);
    }
    st_batch_free(b);
    st_pq_close(r);
    /* NaN in the statistics (pyarrow 0.8): no bounds from it */
    ST_ASSERT_OK(st_pq_open(TD "/data/nan_in_stats.parquet", &r, &err_));
    zm = st_pq_rg_zonemaps(r, 0);
    if (zm) {
        assert_false(zm[0].has_min && zm[0].has_max && (isnan(zm[0].min.v.f64) || isnan(zm[0].max.v.f64)));
        st_zval z = {0};
        z.v.f64 = 1e300;
        assert_true(st_zonemap_may_match(&zm[0], ST_CMP_GT, &z)); /* a NaN may be there */
    }
    st_pq_close(r);
    /* int32 stats per row group hold for the data */
    ST_ASSERT_OK(st_pq_open(TD "/data/alltypes_tiny_pages.parquet", &r, &err_));
    zm = st_pq_rg_zonemaps(r, 0);
    assert_non_null(zm);
    int id = st_schema_find(st_pq_schema(r), "id");
    assert_true(zm[id].has_min && zm[id].has_max);
    assert_true(zm[id].min.v.i64 <= zm[id].max.v.i64);
    st_pq_close(r);
}

/* ---- refusals ----------------------------------------------------------- */

typedef struct bad_file {
    const char *path;
    st_status code;
    const char *msg; /* substring of the message */
    bool at_read;    /* opens, fails when the data is read */
} bad_file;

static const bad_file bad[] = {
    {"data/datapage_v1-corrupt-checksum.parquet", ST_ERR_CORRUPT, "page CRC mismatch", true},
    {"data/rle-dict-uncompressed-corrupt-checksum.parquet", ST_ERR_CORRUPT, "page CRC mismatch", true},
    {"bad_data/ARROW-GH-41317.parquet", ST_ERR_UNSUPPORTED, "column 'list_boolean' is a nested group", false},
    {"bad_data/ARROW-GH-41321.parquet", ST_ERR_UNSUPPORTED, "column 'list_boolean' is a nested group", false},
    {"bad_data/ARROW-GH-45185.parquet", ST_ERR_UNSUPPORTED, "column 'x' is a nested group", false},
    {"bad_data/ARROW-GH-47662.parquet", ST_ERR_CORRUPT, "PLAIN values end early", true},
    {"bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet", ST_ERR_CORRUPT, "lies outside the data", false},
    {"bad_data/ARROW-RS-GH-6229-LEVELS.parquet", ST_ERR_UNSUPPORTED, "column 'outer' is a nested group", false},
    {"bad_data/PARQUET-1481.parquet", ST_ERR_CORRUPT, "unknown physical type", false},
    {"unsupported/datapage_v2.snappy.parquet", ST_ERR_UNSUPPORTED, "column 'e' is a nested group", false},
    {"unsupported/hadoop_lz4_compressed.parquet", ST_ERR_UNSUPPORTED, "codec LZ4,", false},
    {"unsupported/lz4_raw_compressed.parquet", ST_ERR_UNSUPPORTED, "codec LZ4_RAW", false},
    {"unsupported/list_columns.parquet", ST_ERR_UNSUPPORTED, "column 'int64_list' is a nested group", false},
    {"unsupported/nested_structs.rust.parquet", ST_ERR_UNSUPPORTED, "column 'roll_num' is a nested group", false},
    {"unsupported/nonnullable.impala.parquet", ST_ERR_UNSUPPORTED, "column 'Int_Array' is a nested group", false},
    {"unsupported/nullable.impala.parquet", ST_ERR_UNSUPPORTED, "column 'int_array' is a nested group", false},
};

static void test_refusals(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[512];
        snprintf(path, sizeof path, TD "/%s", bad[i].path);
        st_error_clear(&err_);
        st_pq_reader *r = NULL;
        st_status rc = st_pq_open(path, &r, &err_);
        if (bad[i].at_read) {
            if (rc) fail_msg("%s: open failed: %s", bad[i].path, err_.msg);
            st_sbuf sb = ST_SBUF_INIT;
            uint64_t rows;
            rc = render(path, &sb, &rows, &err_);
            st_sbuf_free(&sb);
            st_pq_close(r);
        } else {
            assert_null(r);
        }
        if (rc != bad[i].code) fail_msg("%s: expected %s, got %s (%s)", bad[i].path, st_status_name(bad[i].code), st_status_name(rc), err_.msg);
        if (!strstr(err_.msg, bad[i].msg)) fail_msg("%s: message lacks '%s': %s", bad[i].path, bad[i].msg, err_.msg);
        /* every message names the file */
        assert_non_null(strstr(err_.msg, bad[i].path));
    }
}

/* ARROW-GH-43605 (in bad_data/) is a valid file: a one-value dictionary
 * whose indices are written with bit width 0, as parquet-mr does.  It
 * crashed one reader; it must read (21186 zeros), as DuckDB reads it. */
static void test_bitwidth0_dictionary(void **state) {
    (void)state;
    st_sbuf sb = ST_SBUF_INIT;
    uint64_t rows;
    ST_ASSERT_OK(render(TD "/bad_data/ARROW-GH-43605.parquet", &sb, &rows, &err_));
    assert_int_equal(rows, 21186);
    for (size_t i = 0; i < sb.len; i += 2) assert_memory_equal(sb.p + i, "0\n", 2);
    st_sbuf_free(&sb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_files_hash),
        cmocka_unit_test(test_expect_csv),
        cmocka_unit_test(test_spot_values),
        cmocka_unit_test(test_bss_pairs_agree),
        cmocka_unit_test(test_schema_mapping),
        cmocka_unit_test(test_zone_maps_from_stats),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bitwidth0_dictionary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
