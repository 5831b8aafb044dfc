/*
 * test_thrift_compact.c: the compact protocol decoder/encoder and the
 * Parquet metadata structs: integer edge cases, generic skipping of unknown
 * fields (nested structs, lists, maps, bool lists of either element type,
 * long-form ids, UUIDs), the depth limit, counts that overrun the input,
 * the validated SchemaElement bytes of interop.md §1.2, encode -> decode
 * round trips, and every truncation of a real footer failing cleanly.
 */
#include "test_util.h"

#include "format/parquet_meta.h"
#include "format/thrift_compact.h"

static void test_varints(void **state) {
    (void)state;
    st_sbuf sb = ST_SBUF_INIT;
    st_tc_writer w;
    st_tc_writer_init(&w, &sb);
    const int64_t vals[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    st_tc_w_struct_begin(&w);
    for (size_t i = 0; i < 10; i++) st_tc_w_i64(&w, (int16_t)(i * 7 + 1), vals[i]); /* deltas <= 15 and longer */
    st_tc_w_i64(&w, 32767, 5);
    st_tc_w_struct_end(&w);
    st_tc_reader r;
    st_tc_reader_init(&r, sb.p, sb.len, 0, "t", &err_);
    ST_ASSERT_OK(st_tc_struct_begin(&r));
    int16_t last = 0, id;
    int type;
    for (size_t i = 0; i < 10; i++) {
        ST_ASSERT_OK(st_tc_field(&r, &last, &type, &id));
        assert_int_equal(type, ST_TC_I64);
        assert_int_equal(id, (int16_t)(i * 7 + 1));
        int64_t v;
        ST_ASSERT_OK(st_tc_read_i64(&r, &v));
        assert_true(v == vals[i]);
    }
    ST_ASSERT_OK(st_tc_field(&r, &last, &type, &id));
    assert_int_equal(id, 32767);
    int32_t v32;
    ST_ASSERT_OK(st_tc_read_i32(&r, &v32));
    assert_int_equal(v32, 5);
    ST_ASSERT_OK(st_tc_field(&r, &last, &type, &id));
    assert_int_equal(type, ST_TC_STOP);
    assert_int_equal(st_tc_left(&r), 0);
    st_sbuf_free(&sb);
    /* 11-byte varint, 64-bit overflow, i32 out of range, truncation */
    const uint8_t long_v[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    const uint8_t over[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    const uint8_t big32[] = {0x80, 0x80, 0x80, 0x80, 0x20};
    const uint8_t trunc[] = {0x80};
    uint64_t u;
    st_tc_reader_init(&r, long_v, sizeof long_v, 0, "t", &err_);
    ST_ASSERT_ERR(st_tc_read_varint(&r, &u), ST_ERR_CORRUPT);
    st_tc_reader_init(&r, over, sizeof over, 0, "t", &err_);
    ST_ASSERT_ERR(st_tc_read_varint(&r, &u), ST_ERR_CORRUPT);
    st_tc_reader_init(&r, big32, sizeof big32, 0, "t", &err_);
    ST_ASSERT_ERR(st_tc_read_i32(&r, &v32), ST_ERR_CORRUPT);
    st_tc_reader_init(&r, trunc, sizeof trunc, 100, "t", &err_);
    ST_ASSERT_ERR(st_tc_read_varint(&r, &u), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "byte 101"));
    /* sticky: later reads fail the same way */
    ST_ASSERT_ERR(st_tc_read_i32(&r, &v32), ST_ERR_CORRUPT);
}

/* A struct with every kind of unknown field before a known one. */
static void test_skip_unknown(void **state) {
    (void)state;
    const uint8_t buf[] = {
        0x1C,                         /* field 1: struct */
        0x15, 0x02,                   /*   field 1 i32 = 1 */
        0x1C, 0x18, 0x01, 'x', 0x00,  /*   field 2 struct { field 1 binary "x" } */
        0x00,                         /* end */
        0x19, 0x21, 0x01, 0x02,       /* field 2: list<bool> of 2 (elem type 1) */
        0x19, 0x22, 0x02, 0x01,       /* field 3: list<bool> of 2 (elem type 2) */
        0x1B, 0x02, 0x85, 0x01, 'k', 0x02, 0x01, 'l', 0x04, /* field 4: map<binary,i32> of 2 */
        0x1B, 0x00,                   /* field 5: empty map */
        0x1D, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, /* field 6: uuid */
        0x17, 0,0,0,0,0,0,0xF0,0x3F,  /* field 7: double */
        0x13, 0x7F,                   /* field 8: i8 */
        0x11,                         /* field 9: bool true */
        0x09, 0xFE, 0xFF, 0x03, 0x1C, 0x00, /* field 32767 (long form): list<struct> of 1: {} */
        0x00};
    st_tc_reader r;
    st_tc_reader_init(&r, buf, sizeof buf, 0, "t", &err_);
    ST_ASSERT_OK(st_tc_skip(&r, ST_TC_STRUCT));
    assert_int_equal(st_tc_left(&r), 0);
    assert_int_equal(r.depth, 0);
    /* every truncation fails cleanly */
    for (size_t n = 0; n < sizeof buf; n++) {
        st_tc_reader_init(&r, buf, n, 0, "t", &err_);
        ST_ASSERT_ERR(st_tc_skip(&r, ST_TC_STRUCT), ST_ERR_CORRUPT);
    }
}

static void test_depth_and_counts(void **state) {
    (void)state;
    uint8_t deep[200];
    size_t n = 0;
    for (int i = 0; i < 60; i++) deep[n++] = 0x1C; /* field 1: struct, nested */
    for (int i = 0; i < 61; i++) deep[n++] = 0x00;
    st_tc_reader r;
    st_tc_reader_init(&r, deep, n, 0, "t", &err_);
    ST_ASSERT_ERR(st_tc_skip(&r, ST_TC_STRUCT), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "nesting"));
    /* a list that claims a billion elements in 6 bytes */
    const uint8_t huge[] = {0xF5, 0x80, 0x94, 0xEB, 0xDC, 0x03};
    st_tc_reader_init(&r, huge, sizeof huge, 0, "t", &err_);
    ST_ASSERT_ERR(st_tc_skip(&r, ST_TC_LIST), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "overruns"));
    /* binary longer than the input */
    const uint8_t bin[] = {0x10, 'a'};
    st_tc_reader_init(&r, bin, sizeof bin, 0, "t", &err_);
    ST_ASSERT_ERR(st_tc_skip(&r, ST_TC_BINARY), ST_ERR_CORRUPT);
    /* FileMetaData whose schema list claims more elements than bytes */
    const uint8_t fm[] = {0x15, 0x02, 0x19, 0xFC, 0xFF, 0xFF, 0x0F};
    st_arena *a = st_arena_new(0);
    st_pq_file_meta m;
    ST_ASSERT_ERR(st_pq_decode_file_meta(fm, sizeof fm, 0, a, 1 << 20, &m, &err_), ST_ERR_CORRUPT);
    /* many empty structs: the memory budget stops them */
    uint8_t many[4100];
    size_t k = 0;
    many[k++] = 0x29; /* field 2 (schema): list<struct> of 4096 */
    many[k++] = 0xFC;
    many[k++] = 0x80;
    many[k++] = 0x20;
    for (int i = 0; i < 4096; i++) many[k++] = 0x00; /* empty structs */
    ST_ASSERT_ERR(st_pq_decode_file_meta(many, k, 0, a, 1000, &m, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "memory"));
    st_arena_free(a);
}

/* interop.md §1.2: SchemaElement{INT64, OPTIONAL, "ts", TIMESTAMP_MICROS,
 * TIMESTAMP(isAdjustedToUTC=true, MICROS)} */
static const uint8_t ts_elem[] = {0x15, 0x04, 0x25, 0x02, 0x18, 0x02, 0x74, 0x73, 0x25, 0x14,
                                  0x4c, 0x8c, 0x11, 0x1c, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x00};

static void test_validated_schema_element(void **state) {
    (void)state;
    st_pq_schema_elem se[2];
    memset(se, 0, sizeof se);
    se[0].name = (st_pq_bytes){(const uint8_t *)"schema", 6};
    se[0].has_num_children = true;
    se[0].num_children = 1;
    se[1].has_type = se[1].has_repetition = se[1].has_converted = true;
    se[1].type = ST_PQ_INT64;
    se[1].repetition = ST_PQ_OPTIONAL;
    se[1].name = (st_pq_bytes){(const uint8_t *)"ts", 2};
    se[1].converted = ST_PQ_CT_TIMESTAMP_MICROS;
    se[1].logical = (st_pq_logical){.kind = ST_PQ_LT_TIMESTAMP, .utc = true, .unit = ST_PQ_UNIT_MICROS};
    st_pq_file_meta m;
    memset(&m, 0, sizeof m);
    m.version = 1;
    m.schema = se;
    m.nschema = 2;
    m.num_rows = 0;
    st_sbuf sb = ST_SBUF_INIT;
    st_pq_encode_file_meta(&sb, &m);
    /* the element's bytes appear verbatim */
    bool found = false;
    for (size_t i = 0; i + sizeof ts_elem <= sb.len; i++)
        if (!memcmp(sb.p + i, ts_elem, sizeof ts_elem)) found = true;
    assert_true(found);
    /* and decode back */
    st_arena *a = st_arena_new(0);
    st_pq_file_meta d;
    ST_ASSERT_OK(st_pq_decode_file_meta((const uint8_t *)sb.p, sb.len, 0, a, 1 << 20, &d, &err_));
    assert_int_equal(d.nschema, 2);
    assert_int_equal(d.schema[1].type, ST_PQ_INT64);
    assert_int_equal(d.schema[1].logical.kind, ST_PQ_LT_TIMESTAMP);
    assert_true(d.schema[1].logical.utc);
    assert_int_equal(d.schema[1].logical.unit, ST_PQ_UNIT_MICROS);
    assert_int_equal(d.schema[1].converted, ST_PQ_CT_TIMESTAMP_MICROS);
    assert_memory_equal(d.schema[1].name.p, "ts", 2);
    assert_int_equal(d.nrow_groups, 0);
    /* every truncation of the footer fails cleanly */
    for (size_t n = 0; n < sb.len; n++) {
        st_arena_reset(a);
        ST_ASSERT_ERR(st_pq_decode_file_meta((const uint8_t *)sb.p, n, 0, a, 1 << 20, &d, &err_), ST_ERR_CORRUPT);
    }
    /* a missing required field is named */
    const uint8_t no_rows[] = {0x15, 0x02, 0x19, 0x1C, 0x48, 0x01, 'r', 0x00, 0x00};
    ST_ASSERT_ERR(st_pq_decode_file_meta(no_rows, sizeof no_rows, 0, a, 1 << 20, &d, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "FileMetaData.num_rows"));
    st_arena_free(a);
    st_sbuf_free(&sb);
}

static void test_page_header_roundtrip(void **state) {
    (void)state;
    st_pq_page_header h, d;
    memset(&h, 0, sizeof h);
    h.type = ST_PQ_PAGE_DATA_V2;
    h.uncompressed_page_size = 123456;
    h.compressed_page_size = 789;
    h.has_crc = true;
    h.crc = 0xDEADBEEF;
    h.has_data_v2 = true;
    h.v2.num_values = 1000;
    h.v2.num_nulls = 10;
    h.v2.num_rows = 1000;
    h.v2.encoding = ST_PQ_ENC_RLE_DICTIONARY;
    h.v2.def_len = 44;
    h.v2.is_compressed = false;
    st_sbuf sb = ST_SBUF_INIT;
    st_pq_encode_page_header(&sb, &h);
    size_t hl;
    ST_ASSERT_OK(st_pq_decode_page_header((const uint8_t *)sb.p, sb.len + 0, 0, &d, &hl, &err_));
    assert_int_equal(hl, sb.len);
    assert_int_equal(d.crc, 0xDEADBEEF);
    assert_int_equal(d.uncompressed_page_size, 123456);
    assert_int_equal(d.v2.num_nulls, 10);
    assert_int_equal(d.v2.def_len, 44);
    assert_false(d.v2.is_compressed);
    for (size_t n = 0; n < sb.len; n++) ST_ASSERT_ERR(st_pq_decode_page_header((const uint8_t *)sb.p, n, 0, &d, &hl, &err_), ST_ERR_CORRUPT);
    st_sbuf_free(&sb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_skip_unknown),
        cmocka_unit_test(test_depth_and_counts),
        cmocka_unit_test(test_validated_schema_element),
        cmocka_unit_test(test_page_header_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
