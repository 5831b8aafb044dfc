/*
 * test_parquet_hostile.c: lying Parquet files are refused with a clear
 * error and bounded memory: footers that declare trillions of rows, chunks
 * outside the file, unsupported codecs, bad magic, encrypted footers, page
 * headers whose sizes lie, and every truncation of a valid file.  The lies
 * are made by decoding a real footer, changing one field and re-encoding it.
 */
#include "test_util.h"

#include "format/parquet.h"
#include "format/parquet_meta.h"

static st_buf *file_;   /* a valid Strata-written file */
static size_t data_end_; /* its footer offset */

static int setup(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/h.parquet", dir);
    st_schema *s = st_schema_new();
    st_error e;
    st_schema_add(s, "id", st_type_make(ST_T_INT64), 1, false, &e);
    st_schema_add(s, "name", st_type_make(ST_T_VARCHAR), 2, true, &e);
    st_type types[2] = {st_type_make(ST_T_INT64), st_type_make(ST_T_VARCHAR)};
    st_batch *b = st_batch_new(types, 2, 0);
    for (int64_t i = 0; i < 3000; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "n%lld", (long long)(i % 10));
        st_vector_append(b->cols[0], &i, &e);
        if (i % 3) st_vector_append_str(b->cols[1], nm, (uint32_t)strlen(nm), &e);
        else st_vector_append_null(b->cols[1], &e);
    }
    st_batch_set_len(b, 3000);
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    o.row_group_rows = 1000;
    o.page_rows = 400;
    st_wfile *f;
    if (st_wfile_create_tmp(dir, "h", &f, &e)) return -1;
    st_pq_writer *w;
    if (st_pq_writer_open(f, s, &o, &w, &e) || st_pq_writer_write(w, b, &e) || st_pq_writer_finish(w, &e)) return -1;
    st_pq_writer_free(w);
    if (st_wfile_publish(f, path, ST_PUBLISH_REPLACE, &e)) return -1;
    if (st_file_read(path, 1 << 24, &file_, &e)) return -1;
    const uint8_t *p = st_buf_data(file_);
    size_t n = st_buf_len(file_);
    uint32_t flen = p[n - 8] | p[n - 7] << 8 | p[n - 6] << 16 | (uint32_t)p[n - 5] << 24;
    data_end_ = n - 8 - flen;
    st_batch_free(b);
    st_schema_free(s);
    st_test_rmrf(dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_buf_unref(file_);
    return 0;
}

/* A copy of the file with its footer decoded, edited by fn, re-encoded. */
typedef void (*edit_fn)(st_pq_file_meta *m);
static st_buf *with_footer(edit_fn fn) {
    const uint8_t *p = st_buf_data(file_);
    size_t n = st_buf_len(file_);
    st_arena *a = st_arena_new(0);
    st_pq_file_meta m;
    ST_ASSERT_OK(st_pq_decode_file_meta(p + data_end_, n - 8 - data_end_, data_end_, a, 1 << 24, &m, &err_));
    fn(&m);
    st_sbuf sb = ST_SBUF_INIT;
    st_pq_encode_file_meta(&sb, &m);
    st_buf *out = st_buf_new(data_end_ + sb.len + 8);
    uint8_t *q = st_buf_data(out);
    memcpy(q, p, data_end_);
    memcpy(q + data_end_, sb.p, sb.len);
    uint32_t fl = (uint32_t)sb.len;
    q[data_end_ + sb.len] = (uint8_t)fl;
    q[data_end_ + sb.len + 1] = (uint8_t)(fl >> 8);
    q[data_end_ + sb.len + 2] = (uint8_t)(fl >> 16);
    q[data_end_ + sb.len + 3] = (uint8_t)(fl >> 24);
    memcpy(q + data_end_ + sb.len + 4, "PAR1", 4);
    st_sbuf_free(&sb);
    st_arena_free(a);
    return out;
}

/* Open and read everything; returns the first failure. */
static st_status open_and_read(st_buf *b) {
    st_pq_reader *r;
    st_error_clear(&err_);
    st_status rc = st_pq_open_buf(b, "hostile.parquet", &r, &err_);
    if (rc) return rc;
    const st_schema *s = st_pq_schema(r);
    for (uint32_t g = 0; g < st_pq_num_row_groups(r) && !rc; g++)
        for (uint32_t c = 0; c < s->nfields && !rc; c++) {
            st_vector *v = st_vector_new(s->fields[c].type, 0);
            uint64_t n = st_pq_rg_rows(r, g);
            rc = st_pq_read_column(r, g, c, 0, n > 100000 ? 100000 : (uint32_t)n, v, &err_);
            st_vector_free(v);
        }
    st_pq_close(r);
    return rc;
}

#define EXPECT_REFUSED(buf, code, text)                                       \
    do {                                                                      \
        st_buf *b_ = (buf);                                                   \
        st_status rc_ = open_and_read(b_);                                    \
        st_buf_unref(b_);                                                     \
        if (rc_ != (code)) fail_msg("expected %s, got %s: %s", st_status_name(code), st_status_name(rc_), err_.msg); \
        if (!strstr(err_.msg, text)) fail_msg("message lacks '%s': %s", text, err_.msg); \
        assert_non_null(strstr(err_.msg, "hostile.parquet"));                 \
    } while (0)

static void trillions(st_pq_file_meta *m) {
    int64_t n = INT64_C(1000000000000);
    m->num_rows = n * m->nrow_groups;
    for (uint32_t g = 0; g < m->nrow_groups; g++) {
        m->row_groups[g].num_rows = n;
        for (uint32_t c = 0; c < m->row_groups[g].ncolumns; c++) m->row_groups[g].columns[c].meta_data.num_values = n;
    }
}
static void rows_disagree(st_pq_file_meta *m) { m->num_rows += 1; }
static void chunk_outside(st_pq_file_meta *m) { m->row_groups[1].columns[0].meta_data.data_page_offset = 1 << 30; }
static void chunk_too_long(st_pq_file_meta *m) { m->row_groups[0].columns[1].meta_data.total_compressed_size = 1 << 30; }
static void codec_lz4(st_pq_file_meta *m) { m->row_groups[0].columns[0].meta_data.codec = 7; }
static void codec_brotli(st_pq_file_meta *m) { m->row_groups[2].columns[1].meta_data.codec = 4; }
static void codec_unknown(st_pq_file_meta *m) { m->row_groups[0].columns[0].meta_data.codec = 99; }
static void type_mismatch(st_pq_file_meta *m) { m->row_groups[0].columns[0].meta_data.type = 1; }
static void few_values(st_pq_file_meta *m) { m->row_groups[0].columns[1].meta_data.num_values = 5; }
static void repeated(st_pq_file_meta *m) { m->schema[2].repetition = 2; }
static void decimal_wide(st_pq_file_meta *m) {
    m->schema[1].logical.kind = 5;
    m->schema[1].logical.precision = 60;
}
static void shrink_rows(st_pq_file_meta *m) {
    /* the pages hold more rows than the row group declares */
    m->num_rows -= 10;
    m->row_groups[0].num_rows -= 10;
    for (uint32_t c = 0; c < 2; c++) m->row_groups[0].columns[c].meta_data.num_values -= 10;
}

static void test_lying_footers(void **state) {
    (void)state;
    EXPECT_REFUSED(with_footer(trillions), ST_ERR_CORRUPT, "cannot hold");
    EXPECT_REFUSED(with_footer(rows_disagree), ST_ERR_CORRUPT, "row groups hold");
    EXPECT_REFUSED(with_footer(chunk_outside), ST_ERR_CORRUPT, "lies outside the data");
    EXPECT_REFUSED(with_footer(chunk_too_long), ST_ERR_CORRUPT, "lies outside the data");
    EXPECT_REFUSED(with_footer(codec_lz4), ST_ERR_UNSUPPORTED, "codec LZ4_RAW");
    EXPECT_REFUSED(with_footer(codec_brotli), ST_ERR_UNSUPPORTED, "codec BROTLI");
    EXPECT_REFUSED(with_footer(codec_unknown), ST_ERR_UNSUPPORTED, "codec #99");
    EXPECT_REFUSED(with_footer(type_mismatch), ST_ERR_CORRUPT, "stored as INT32");
    EXPECT_REFUSED(with_footer(few_values), ST_ERR_CORRUPT, "holds 5 values");
    EXPECT_REFUSED(with_footer(repeated), ST_ERR_UNSUPPORTED, "column 'name' is REPEATED");
    EXPECT_REFUSED(with_footer(decimal_wide), ST_ERR_UNSUPPORTED, "DECIMAL(60,0)");
    EXPECT_REFUSED(with_footer(shrink_rows), ST_ERR_CORRUPT, "overruns the row group");
}

/* The file with the first page header of row group 0, column 0 replaced by
 * one with the given sizes (-1 keeps one), the chunk offsets after it shifted
 * to match. */
static int64_t shift_delta_;
static int64_t shift_from_;
static void shift_offsets(st_pq_file_meta *m) {
    for (uint32_t g = 0; g < m->nrow_groups; g++)
        for (uint32_t c = 0; c < m->row_groups[g].ncolumns; c++) {
            st_pq_column_meta *cm = &m->row_groups[g].columns[c].meta_data;
            if (g == 0 && c == 0) {
                cm->total_compressed_size += shift_delta_;
                if (cm->data_page_offset > shift_from_) cm->data_page_offset += shift_delta_;
                continue;
            }
            cm->data_page_offset += shift_delta_;
            if (cm->has_dictionary_page_offset) cm->dictionary_page_offset += shift_delta_;
        }
}

static st_buf *with_first_page(int32_t usize, int32_t csize) {
    const uint8_t *p = st_buf_data(file_);
    st_pq_page_header h;
    size_t hl;
    ST_ASSERT_OK(st_pq_decode_page_header(p + 4, data_end_ - 4, 4, &h, &hl, &err_));
    if (usize != -1) h.uncompressed_page_size = usize;
    if (csize != -1) h.compressed_page_size = csize;
    st_sbuf sb = ST_SBUF_INIT;
    st_pq_encode_page_header(&sb, &h);
    shift_delta_ = (int64_t)sb.len - (int64_t)hl;
    shift_from_ = 4;
    /* splice the header in, then rewrite the footer over the new data */
    st_buf *tmp = file_;
    size_t nd = data_end_ + (size_t)shift_delta_;
    st_buf *spliced = st_buf_new(nd + (st_buf_len(file_) - data_end_));
    uint8_t *q = st_buf_data(spliced);
    memcpy(q, p, 4);
    memcpy(q + 4, sb.p, sb.len);
    memcpy(q + 4 + sb.len, p + 4 + hl, data_end_ - 4 - hl);
    memcpy(q + nd, p + data_end_, st_buf_len(file_) - data_end_);
    st_sbuf_free(&sb);
    size_t old_end = data_end_;
    file_ = spliced;
    data_end_ = nd;
    st_buf *out = with_footer(shift_offsets);
    file_ = tmp;
    data_end_ = old_end;
    st_buf_unref(spliced);
    return out;
}

static st_buf *copy_file(void) {
    st_buf *b = st_buf_new(st_buf_len(file_));
    memcpy(st_buf_data(b), st_buf_data(file_), st_buf_len(file_));
    return b;
}

static void test_bad_bytes(void **state) {
    (void)state;
    size_t n = st_buf_len(file_);
    st_buf *b = copy_file();
    memcpy(st_buf_data(b), "PAR2", 4);
    EXPECT_REFUSED(b, ST_ERR_FORMAT, "not a Parquet file");
    b = copy_file();
    memcpy((char *)st_buf_data(b) + n - 4, "PARE", 4);
    EXPECT_REFUSED(b, ST_ERR_UNSUPPORTED, "encrypted");
    b = copy_file();
    uint8_t *q = st_buf_data(b);
    q[n - 5] = 0x7f; /* footer length ~2 GiB */
    EXPECT_REFUSED(b, ST_ERR_CORRUPT, "footer length");
    /* the first page header claims a 1 GiB page in a few compressed bytes */
    b = with_first_page(1 << 30, -1);
    EXPECT_REFUSED(b, ST_ERR_CORRUPT, "cannot expand");
    /* ... or a compressed size beyond its chunk */
    b = with_first_page(-1, 1 << 30);
    EXPECT_REFUSED(b, ST_ERR_CORRUPT, "overruns the column chunk");
    /* ... or a negative size */
    b = with_first_page(-5, -1);
    EXPECT_REFUSED(b, ST_ERR_CORRUPT, "uncompressed bytes");
    /* every truncation of the file fails cleanly (never a crash) */
    for (size_t k = 0; k < n; k += 37) {
        st_buf *t = st_buf_new(k ? k : 1);
        memcpy(st_buf_data(t), st_buf_data(file_), k);
        st_buf *t2 = st_buf_wrap(st_buf_data(t), k, NULL, NULL);
        assert_int_not_equal(open_and_read(t2), ST_OK);
        st_buf_unref(t2);
        st_buf_unref(t);
    }
    /* every single-byte corruption in the data region either fails cleanly
     * or reads (a flipped value byte is not detectable without CRCs) */
    for (size_t k = 4; k < data_end_; k += 13) {
        b = copy_file();
        ((uint8_t *)st_buf_data(b))[k] ^= 0x5A;
        (void)open_and_read(b);
        st_buf_unref(b);
    }
}

/* A BLOB column relabelled as STRING: invalid UTF-8 must be refused, also
 * when a value's bytes would be valid joined with the next one's. */
static void make_string(st_pq_file_meta *m) {
    m->schema[1].logical.kind = ST_PQ_LT_STRING;
    m->schema[1].has_converted = true;
    m->schema[1].converted = ST_PQ_CT_UTF8;
}

static void test_invalid_utf8(void **state) {
    (void)state;
    for (int dict = 0; dict < 2; dict++) {
        char *dir = st_test_tmpdir();
        char path[4200];
        snprintf(path, sizeof path, "%s/u.parquet", dir);
        st_schema *s = st_schema_new();
        ST_ASSERT_OK(st_schema_add(s, "v", st_type_make(ST_T_BLOB), 1, true, &err_));
        st_type t = st_type_make(ST_T_BLOB);
        st_batch *b = st_batch_new(&t, 1, 0);
        /* 0xC3 alone is invalid; 0xC3 0xA9 would be "é" */
        const char *raw[] = {"ok", "\xc3", "\xa9x", "fine", "ok"};
        for (int i = 0; i < 100; i++) ST_ASSERT_OK(st_vector_append_str(b->cols[0], raw[i % 5], (uint32_t)strlen(raw[i % 5]), &err_));
        st_batch_set_len(b, 100); /* 4 distinct values: dictionary-encoded when dict is on */
        st_pq_write_opts o;
        st_pq_write_opts_init(&o);
        o.dictionary = dict;
        o.codec = ST_PQ_WRITE_NONE;
        st_wfile *f;
        ST_ASSERT_OK(st_wfile_create_tmp(dir, "u", &f, &err_));
        st_pq_writer *w;
        ST_ASSERT_OK(st_pq_writer_open(f, s, &o, &w, &err_));
        ST_ASSERT_OK(st_pq_writer_write(w, b, &err_));
        ST_ASSERT_OK(st_pq_writer_finish(w, &err_));
        st_pq_writer_free(w);
        ST_ASSERT_OK(st_wfile_publish(f, path, ST_PUBLISH_REPLACE, &err_));
        st_buf *saved = file_;
        size_t saved_end = data_end_;
        ST_ASSERT_OK(st_file_read(path, 1 << 20, &file_, &err_));
        const uint8_t *p = st_buf_data(file_);
        size_t n = st_buf_len(file_);
        data_end_ = n - 8 - (p[n - 8] | p[n - 7] << 8 | p[n - 6] << 16 | (uint32_t)p[n - 5] << 24);
        st_buf *relabelled = with_footer(make_string);
        st_buf_unref(file_);
        file_ = saved;
        data_end_ = saved_end;
        EXPECT_REFUSED(relabelled, ST_ERR_CORRUPT, "not valid UTF-8");
        st_batch_free(b);
        st_schema_free(s);
        st_test_rmrf(dir);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lying_footers),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
