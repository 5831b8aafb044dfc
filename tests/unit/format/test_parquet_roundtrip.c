/*
 * test_parquet_roundtrip.c: write -> read round trips of the Parquet writer
 * and reader: every Strata type x NULL pattern x codec x dictionary on/off x
 * low/high cardinality, with small pages and row groups so that every
 * boundary is crossed, batches with selection vectors, row-range reads,
 * statistics that bound the data, and the writer's refusals.
 */
#include "test_util.h"

#include <math.h>

#include "format/parquet.h"
#include "format/parquet_meta.h"

static const st_type all_types[] = {
    {ST_T_BOOLEAN, 0, 0}, {ST_T_INT8, 0, 0},       {ST_T_INT16, 0, 0},       {ST_T_INT32, 0, 0},
    {ST_T_INT64, 0, 0},   {ST_T_UINT64, 0, 0},     {ST_T_FLOAT, 0, 0},       {ST_T_DOUBLE, 0, 0},
    {ST_T_DECIMAL, 4, 1}, {ST_T_DECIMAL, 9, 2},    {ST_T_DECIMAL, 18, 3},    {ST_T_DECIMAL, 20, 0},
    {ST_T_DECIMAL, 38, 5}, {ST_T_VARCHAR, 0, 0},   {ST_T_BLOB, 0, 0},        {ST_T_DATE, 0, 0},
    {ST_T_TIMESTAMP, 0, 0}, {ST_T_TIMESTAMP_NS, 0, 0},
};
#define NTYPES (sizeof all_types / sizeof *all_types)

enum { NULLS_REQUIRED, NULLS_NONE, NULLS_SOME, NULLS_ALL, NULLS__N };

/* One random value of type t; card > 0 limits the distinct values. */
static void gen_value(st_vector *v, uint32_t i, st_type t, uint32_t card) {
    uint64_t r = st_test_rand();
    if (card) r %= card;
    void *p = st_vector_at(v, i);
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: *(uint8_t *)p = r & 1; break;
    case ST_T_INT8: *(int8_t *)p = (int8_t)r; break;
    case ST_T_INT16: { int16_t x = (int16_t)r; memcpy(p, &x, 2); break; }
    case ST_T_INT32:
    case ST_T_DATE: { int32_t x = t.id == ST_T_DATE ? (int32_t)(r % 200000) - 100000 : (int32_t)r; memcpy(p, &x, 4); break; }
    case ST_T_INT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: { int64_t x = card ? (int64_t)r * 1000003 - 7 : (int64_t)r; memcpy(p, &x, 8); break; }
    case ST_T_UINT64: { uint64_t x = card ? r * 0x9E3779B97F4A7C15ull : r; memcpy(p, &x, 8); break; }
    case ST_T_FLOAT: {
        float x = (float)((int64_t)r % 100000) / 7.0f;
        if (r % 97 == 5) x = NAN;
        if (r % 89 == 3) x = -INFINITY;
        if (r % 83 == 1) x = -0.0f;
        memcpy(p, &x, 4);
        break;
    }
    case ST_T_DOUBLE: {
        double x = (double)(int64_t)r / 3.0;
        if (r % 97 == 5) x = NAN;
        if (r % 89 == 3) x = INFINITY;
        memcpy(p, &x, 8);
        break;
    }
    case ST_T_DECIMAL: {
        st_i128 lim = st_pow10_i128(t.precision);
        st_i128 x = (st_i128)(((unsigned __int128)r << 64 | st_test_rand()) % (unsigned __int128)lim);
        if (r & 2) x = -x;
        if (card) x = (st_i128)(r * 37) % lim - lim / 2;
        if (t.precision <= 18) { int64_t y = (int64_t)x; memcpy(p, &y, 8); }
        else memcpy(p, &x, 16);
        break;
    }
    case ST_T_VARCHAR:
    case ST_T_BLOB: {
        char buf[200];
        uint32_t len = (uint32_t)(r % 41);
        if (r % 50 == 7) len = 150; /* long values: statistics get truncated */
        for (uint32_t k = 0; k < len; k++) {
            uint64_t q = card ? r * 31 + k : st_test_rand();
            buf[k] = t.id == ST_T_BLOB ? (char)q : (char)('a' + q % 26);
        }
        if (t.id == ST_T_VARCHAR && len >= 3 && (r % 5 == 0)) memcpy(buf, "\xc3\xa9\xe2", 3), buf[2] = 'z'; /* é */
        if (t.id == ST_T_VARCHAR && len >= 40 && (r % 7 == 0)) memset(buf + 20, 0x7f, 20);
        ST_ASSERT_OK(st_vector_set_str(v, i, buf, len, &err_));
        break;
    }
    default: break;
    }
}

static st_vector *gen_column(st_type t, uint32_t n, int nulls, uint32_t card) {
    st_vector *v = st_vector_new(t, n);
    for (uint32_t i = 0; i < n; i++) {
        bool null = nulls == NULLS_ALL || (nulls == NULLS_SOME && st_test_rand() % 10 < 3);
        if (null) ST_ASSERT_OK(st_vector_set_null(v, i, &err_));
        else gen_value(v, i, t, card);
    }
    v->len = n;
    return v;
}

static bool same_value(st_type t, const st_vector *a, uint32_t i, const st_vector *b, uint32_t j) {
    bool na = st_vector_is_null(a, i), nb = st_vector_is_null(b, j);
    if (na || nb) return na == nb;
    if (st_type_is_string(t)) {
        const st_str *x = st_vector_at(a, i), *y = st_vector_at(b, j);
        return x->len == y->len && !memcmp(x->ptr, y->ptr, x->len);
    }
    return !memcmp(st_vector_at(a, i), st_vector_at(b, j), st_type_width(t));
}

static char *tmpdir_;

static void write_file(const char *path, st_schema *s, st_vector **cols, uint32_t n, const st_pq_write_opts *o,
                       uint32_t batch_rows, bool use_sel) {
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir_, "t", &f, &err_));
    st_pq_writer *w;
    ST_ASSERT_OK(st_pq_writer_open(f, s, o, &w, &err_));
    st_type types[8];
    st_schema_types(s, types);
    st_batch *b = st_batch_new(types, s->nfields, 0);
    /* a batch either holds rows [a, a+k) directly, or (use_sel) rows
     * [a, a+2k) with a selection of the k wanted ones interleaved with
     * rows that must not be written (copies of other rows) */
    for (uint32_t a = 0; a < n;) {
        uint32_t k = n - a < batch_rows ? n - a : batch_rows;
        st_batch_reset(b);
        for (uint32_t c = 0; c < s->nfields; c++) {
            for (uint32_t i = 0; i < k; i++) {
                if (use_sel) {
                    ST_ASSERT_OK(st_vector_append_from(b->cols[c], cols[c], (a + i + 7) % n, &err_)); /* junk */
                }
                ST_ASSERT_OK(st_vector_append_from(b->cols[c], cols[c], a + i, &err_));
            }
        }
        st_batch_set_len(b, b->cols[0]->len);
        if (use_sel) {
            uint32_t *sel = st_batch_sel_alloc(b, k);
            for (uint32_t i = 0; i < k; i++) sel[i] = 2 * i + 1;
            b->sel_len = k;
        }
        ST_ASSERT_OK(st_pq_writer_write(w, b, &err_));
        a += k;
    }
    assert_int_equal(st_pq_writer_rows(w), n);
    ST_ASSERT_OK(st_pq_writer_finish(w, &err_));
    st_pq_writer_free(w);
    ST_ASSERT_OK(st_wfile_publish(f, path, ST_PUBLISH_REPLACE, &err_));
    st_batch_free(b);
}

/* Read the whole file back and compare with cols; also check the zone maps
 * bound the data of each row group. */
static void check_file(const char *path, st_schema *s, st_vector **cols, uint32_t n) {
    st_pq_reader *r;
    ST_ASSERT_OK(st_pq_open(path, &r, &err_));
    const st_schema *rs = st_pq_schema(r);
    assert_int_equal(rs->nfields, s->nfields);
    assert_int_equal(st_pq_num_rows(r), n);
    for (uint32_t c = 0; c < s->nfields; c++) {
        assert_true(st_type_eq(rs->fields[c].type, s->fields[c].type));
        assert_string_equal(rs->fields[c].name, s->fields[c].name);
        assert_int_equal(rs->fields[c].nullable, s->fields[c].nullable);
    }
    assert_non_null(strstr(st_pq_created_by(r), "strata version"));
    uint64_t base = 0;
    st_vector *v = NULL;
    for (uint32_t g = 0; g < st_pq_num_row_groups(r); g++) {
        uint32_t rows = (uint32_t)st_pq_rg_rows(r, g);
        const st_zonemap *zm = st_pq_rg_zonemaps(r, g);
        assert_non_null(zm);
        for (uint32_t c = 0; c < s->nfields; c++) {
            st_type t = s->fields[c].type;
            st_vector_free(v);
            v = st_vector_new(t, 0);
            /* two range reads: [0, cut) and [cut, rows) */
            uint32_t cut = rows / 3 + 1 < rows ? rows / 3 + 1 : rows;
            ST_ASSERT_OK(st_pq_read_column(r, g, c, 0, cut, v, &err_));
            assert_int_equal(v->len, cut);
            for (uint32_t i = 0; i < cut; i++)
                if (!same_value(t, cols[c], (uint32_t)base + i, v, i)) fail_msg("col %u row %llu differs", c, (unsigned long long)base + i);
            ST_ASSERT_OK(st_pq_read_column(r, g, c, cut, rows - cut, v, &err_));
            for (uint32_t i = 0; i < rows - cut; i++)
                if (!same_value(t, cols[c], (uint32_t)base + cut + i, v, i)) fail_msg("col %u row %llu differs", c, (unsigned long long)base + cut + i);
            /* zone map: exact null count; bounds contain every value */
            st_zonemap truth;
            st_zonemap_init(&truth, t);
            uint32_t *sel = malloc(rows * sizeof *sel);
            for (uint32_t i = 0; i < rows; i++) sel[i] = (uint32_t)base + i;
            st_zonemap_update(&truth, cols[c], sel, rows);
            free(sel);
            assert_int_equal(zm[c].null_count, truth.null_count);
            assert_int_equal(zm[c].rows, rows);
            if (truth.has_min) {
                assert_true(zm[c].has_min && zm[c].has_max);
                assert_true(st_zval_cmp(t, &zm[c].min, &truth.min) <= 0);
                assert_true(st_zval_cmp(t, &zm[c].max, &truth.max) >= 0);
                if (!st_type_is_string(t)) {
                    assert_int_equal(st_zval_cmp(t, &zm[c].min, &truth.min), 0);
                    assert_int_equal(st_zval_cmp(t, &zm[c].max, &truth.max), 0);
                }
            }
        }
        /* a cursor over the row group, in odd batches */
        st_type types[8];
        st_schema_types(s, types);
        st_batch *b = st_batch_new(types, s->nfields, 0);
        st_pq_cursor *cu;
        ST_ASSERT_OK(st_pq_cursor_open(r, g, NULL, 0, &cu, &err_));
        uint64_t got = 0;
        for (;;) {
            ST_ASSERT_OK(st_pq_cursor_read(cu, 333, b, &err_));
            if (b->len == 0) break;
            for (uint32_t c = 0; c < s->nfields; c++)
                for (uint32_t i = 0; i < b->len; i++)
                    if (!same_value(s->fields[c].type, cols[c], (uint32_t)(base + got + i), b->cols[c], i))
                        fail_msg("cursor: col %u row %llu differs", c, (unsigned long long)(base + got + i));
            got += b->len;
        }
        assert_int_equal(got, rows);
        st_pq_cursor_close(cu);
        st_batch_free(b);
        base += rows;
    }
    assert_int_equal(base, n);
    st_vector_free(v);
    st_pq_close(r);
}

static void test_types_nulls_codecs(void **state) {
    (void)state;
    tmpdir_ = st_test_tmpdir();
    st_test_seed(42);
    const st_pq_codec codecs[] = {ST_PQ_WRITE_NONE, ST_PQ_WRITE_SNAPPY, ST_PQ_WRITE_GZIP, ST_PQ_WRITE_ZSTD};
    char path[4200];
    snprintf(path, sizeof path, "%s/rt.parquet", tmpdir_);
    uint32_t n = 2500;
    for (size_t ti = 0; ti < NTYPES; ti++) {
        for (int nulls = 0; nulls < NULLS__N; nulls++) {
            for (int card = 0; card < 2; card++) {
                st_type t = all_types[ti];
                st_schema *s = st_schema_new();
                ST_ASSERT_OK(st_schema_add(s, "k", st_type_make(ST_T_INT32), 1, false, &err_));
                ST_ASSERT_OK(st_schema_add(s, "v", t, 2, nulls != NULLS_REQUIRED, &err_));
                st_vector *cols[2];
                cols[0] = st_vector_new(st_type_make(ST_T_INT32), n);
                for (uint32_t i = 0; i < n; i++) ((int32_t *)cols[0]->data)[i] = (int32_t)i;
                cols[0]->len = n;
                cols[1] = gen_column(t, n, nulls, card ? 13 : 0);
                for (size_t ci = 0; ci < 4; ci++) {
                    for (int dict = 0; dict < 2; dict++) {
                        st_pq_write_opts o;
                        st_pq_write_opts_init(&o);
                        o.codec = codecs[ci];
                        o.dictionary = dict;
                        o.page_rows = 300 + (uint32_t)ci * 111;
                        o.row_group_rows = 1100;
                        o.threads = 1 + (uint32_t)(ci & 1);
                        write_file(path, s, cols, n, &o, 777, (ci + dict) % 2 == 1);
                        check_file(path, s, cols, n);
                    }
                }
                st_vector_free(cols[0]);
                st_vector_free(cols[1]);
                st_schema_free(s);
            }
        }
    }
    st_test_rmrf(tmpdir_);
}

/* The writer's metadata: encodings, offsets, column orders, logical and
 * converted types, as interop.md §2.3 asks. */
static void test_footer_profile(void **state) {
    (void)state;
    tmpdir_ = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/p.parquet", tmpdir_);
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "s", st_type_make(ST_T_VARCHAR), 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "ts", st_type_make(ST_T_TIMESTAMP), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "d", st_type_decimal(30, 2), 3, false, &err_));
    uint32_t n = 1000;
    st_vector *cols[3];
    st_test_seed(7);
    cols[0] = gen_column(s->fields[0].type, n, NULLS_SOME, 5);
    cols[1] = gen_column(s->fields[1].type, n, NULLS_NONE, 0);
    cols[2] = gen_column(s->fields[2].type, n, NULLS_REQUIRED, 0);
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    write_file(path, s, cols, n, &o, 1000, false);
    st_buf *b;
    ST_ASSERT_OK(st_file_read(path, 1 << 24, &b, &err_));
    const uint8_t *p = st_buf_data(b);
    size_t len = st_buf_len(b);
    uint32_t flen = p[len - 8] | p[len - 7] << 8 | p[len - 6] << 16 | (uint32_t)p[len - 5] << 24;
    st_arena *a = st_arena_new(0);
    st_pq_file_meta m;
    ST_ASSERT_OK(st_pq_decode_file_meta(p + len - 8 - flen, flen, len - 8 - flen, a, 1 << 24, &m, &err_));
    assert_int_equal(m.version, 1);
    assert_int_equal(m.nschema, 4);
    assert_int_equal(m.ncolumn_orders, 3);
    assert_int_equal(m.schema[1].logical.kind, ST_PQ_LT_STRING);
    assert_int_equal(m.schema[1].converted, ST_PQ_CT_UTF8);
    assert_int_equal(m.schema[2].logical.kind, ST_PQ_LT_TIMESTAMP);
    assert_true(m.schema[2].logical.utc);
    assert_int_equal(m.schema[2].logical.unit, ST_PQ_UNIT_MICROS);
    assert_int_equal(m.schema[2].converted, ST_PQ_CT_TIMESTAMP_MICROS);
    assert_int_equal(m.schema[3].type, ST_PQ_FLBA);
    assert_int_equal(m.schema[3].type_length, 13);
    assert_int_equal(m.schema[3].converted, ST_PQ_CT_DECIMAL);
    assert_int_equal(m.schema[3].precision, 30);
    assert_int_equal(m.schema[3].repetition, ST_PQ_REQUIRED);
    const st_pq_column_meta *c0 = &m.row_groups[0].columns[0].meta_data;
    assert_int_equal(c0->codec, ST_PQ_CODEC_ZSTD);
    assert_true(c0->has_dictionary_page_offset);
    assert_true(c0->dictionary_page_offset < c0->data_page_offset);
    assert_int_equal(m.row_groups[0].columns[0].file_offset, 0);
    bool has_rle_dict = false;
    for (uint32_t i = 0; i < c0->nencodings; i++) has_rle_dict |= c0->encodings[i] == ST_PQ_ENC_RLE_DICTIONARY;
    assert_true(has_rle_dict);
    assert_true(c0->statistics.has_null_count && c0->statistics.has_min_value);
    assert_false(c0->statistics.has_min); /* no deprecated stats for strings */
    const st_pq_column_meta *c1 = &m.row_groups[0].columns[1].meta_data;
    assert_false(c1->has_dictionary_page_offset); /* unique values: PLAIN */
    assert_true(c1->statistics.has_min); /* signed order: deprecated too */
    /* every page header decodes and the sizes add up */
    for (uint32_t c = 0; c < 3; c++) {
        const st_pq_column_meta *cm = &m.row_groups[0].columns[c].meta_data;
        int64_t off = cm->has_dictionary_page_offset ? cm->dictionary_page_offset : cm->data_page_offset;
        int64_t end = off + cm->total_compressed_size, unc = 0;
        while (off < end) {
            st_pq_page_header h;
            size_t hl;
            ST_ASSERT_OK(st_pq_decode_page_header(p + off, (size_t)(end - off), (uint64_t)off, &h, &hl, &err_));
            assert_true(h.compressed_page_size > 0);
            unc += (int64_t)hl + h.uncompressed_page_size;
            off += (int64_t)hl + h.compressed_page_size;
        }
        assert_int_equal(off, end);
        assert_int_equal(unc, cm->total_uncompressed_size);
    }
    st_arena_free(a);
    st_buf_unref(b);
    for (int i = 0; i < 3; i++) st_vector_free(cols[i]);
    st_schema_free(s);
    st_test_rmrf(tmpdir_);
}

static void test_writer_refusals(void **state) {
    (void)state;
    tmpdir_ = st_test_tmpdir();
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "a", st_type_make(ST_T_INT64), 1, false, &err_));
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir_, "t", &f, &err_));
    st_pq_writer *w;
    ST_ASSERT_OK(st_pq_writer_open(f, s, NULL, &w, &err_));
    st_type t = st_type_make(ST_T_INT64);
    st_batch *b = st_batch_new(&t, 1, 4);
    int64_t x = 5;
    ST_ASSERT_OK(st_vector_append(b->cols[0], &x, &err_));
    ST_ASSERT_OK(st_vector_append_null(b->cols[0], &err_));
    st_batch_set_len(b, 2);
    ST_ASSERT_OK(st_pq_writer_write(w, b, &err_));
    /* the NULL in a NOT NULL column is found when the row group is encoded */
    ST_ASSERT_ERR(st_pq_writer_finish(w, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "'a'"));
    ST_ASSERT_ERR(st_pq_writer_write(w, b, &err_), ST_ERR_INVALID); /* sticky */
    st_pq_writer_free(w);
    st_wfile_abort(f);
    /* wrong batch shape */
    ST_ASSERT_OK(st_wfile_create_tmp(tmpdir_, "t", &f, &err_));
    ST_ASSERT_OK(st_pq_writer_open(f, s, NULL, &w, &err_));
    st_type t2 = st_type_make(ST_T_INT32);
    st_batch *b2 = st_batch_new(&t2, 1, 4);
    ST_ASSERT_ERR(st_pq_writer_write(w, b2, &err_), ST_ERR_TYPE);
    st_pq_writer_free(w);
    st_wfile_abort(f);
    st_pq_codec c;
    ST_ASSERT_ERR(st_pq_codec_parse("lz4", &c, &err_), ST_ERR_INVALID);
    ST_ASSERT_OK(st_pq_codec_parse("SNAPPY", &c, &err_));
    assert_int_equal(c, ST_PQ_WRITE_SNAPPY);
    st_batch_free(b);
    st_batch_free(b2);
    st_schema_free(s);
    st_test_rmrf(tmpdir_);
}

/* Empty input: a valid file with no row groups; and a dictionary that
 * overflows dict_max_bytes falls back to PLAIN. */
typedef struct gen_ctx {
    st_batch *b;
    int left;
} gen_ctx;
static st_status next_batch(void *ctx, const st_batch **out, st_error *e) {
    (void)e;
    gen_ctx *g = ctx;
    *out = g->left-- > 0 ? g->b : NULL;
    return ST_OK;
}

static void test_empty_and_fallback(void **state) {
    (void)state;
    tmpdir_ = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/e.parquet", tmpdir_);
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "v", st_type_make(ST_T_VARCHAR), 1, true, &err_));
    st_type t = st_type_make(ST_T_VARCHAR);
    gen_ctx g = {st_batch_new(&t, 1, 0), 0};
    uint64_t rows = 99;
    ST_ASSERT_OK(st_pq_write_file(path, s, NULL, next_batch, &g, &rows, &err_));
    assert_int_equal(rows, 0);
    st_pq_reader *r;
    ST_ASSERT_OK(st_pq_open(path, &r, &err_));
    assert_int_equal(st_pq_num_rows(r), 0);
    assert_int_equal(st_pq_num_row_groups(r), 0);
    st_pq_close(r);
    /* 3 batches of 1000 distinct 100-byte strings, dictionary limit 10 KiB */
    for (uint32_t i = 0; i < 1000; i++) {
        char buf[100];
        memset(buf, 'a' + i % 26, sizeof buf);
        snprintf(buf, 12, "%010u", i % 300);
        ST_ASSERT_OK(st_vector_append_str(g.b->cols[0], buf, sizeof buf, &err_));
    }
    st_batch_set_len(g.b, 1000);
    g.left = 3;
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    o.dict_max_bytes = 10240;
    ST_ASSERT_OK(st_pq_write_file(path, s, &o, next_batch, &g, &rows, &err_));
    assert_int_equal(rows, 3000);
    ST_ASSERT_OK(st_pq_open(path, &r, &err_));
    st_vector *v = st_vector_new(t, 0);
    ST_ASSERT_OK(st_pq_read_column(r, 0, 0, 0, 3000, v, &err_));
    for (uint32_t i = 0; i < 3000; i++) assert_true(same_value(t, v, i, g.b->cols[0], i % 1000));
    st_vector_free(v);
    st_pq_close(r);
    st_batch_free(g.b);
    st_schema_free(s);
    st_test_rmrf(tmpdir_);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_nulls_codecs),
        cmocka_unit_test(test_footer_profile),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_empty_and_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
