/*
 * test_ndjson.c: the NDJSON reader (format/ndjson.h): flattening, the union
 * of keys, type widening, huge integers, depth bounds, duplicate keys,
 * surrogates, malformed lines (line and byte offset), fixed schemas and the
 * unknown-key policies, stream evolution, and a differential check of what
 * is accepted against jansson.
 *
 * As in test_csv.c every read runs several ways (1 thread, 2 threads with
 * tiny chunks, pushed in random slices and byte by byte) that must agree.
 */
#include "test_util.h"
#include "textcheck.h"

#include <jansson.h>

#include "format/ndjson.h"
#include "format/ndjson_int.h"

static tc_result nj_whole(const void *p, size_t n, const st_ndjson_options *oin) {
    tc_result r;
    memset(&r, 0, sizeof r);
    st_ndjson_options o = *oin;
    o.on_bad = tc_on_bad;
    o.bad_ctx = &r;
    if (!o.source) o.source = "t";
    st_buf *b = tc_buf(p, n);
    st_ndjson_reader *rd = NULL;
    st_error e = {0};
    r.rc = st_ndjson_open_buf(b, &o, &rd, &e);
    st_buf_unref(b);
    if (r.rc != ST_OK) {
        snprintf(r.err, sizeof r.err, "%s", e.msg);
        tc_schema(&r, NULL);
        return r;
    }
    tc_schema(&r, st_ndjson_schema(rd));
    for (;;) {
        st_text_chunk ch;
        r.rc = st_ndjson_next(rd, &ch, &e);
        if (r.rc != ST_OK) {
            snprintf(r.err, sizeof r.err, "%s", e.msg);
            break;
        }
        if (!ch.batch) break;
        tc_rows(&r, &ch);
    }
    st_ndjson_stats(rd, &r.stats);
    st_ndjson_close(rd);
    tc_check_invariant(&r);
    return r;
}

static void drain(st_ndjson_push *p, tc_result *r, bool partial, uint32_t *maxver) {
    for (;;) {
        st_text_chunk ch;
        st_error e = {0};
        st_status rc = st_ndjson_push_take(p, partial, &ch, &e);
        if (rc != ST_OK) {
            r->rc = rc;
            snprintf(r->err, sizeof r->err, "%s", e.msg);
            return;
        }
        if (!ch.batch) return;
        assert_true(ch.schema_version >= *maxver); /* never goes back */
        *maxver = ch.schema_version;
        tc_rows(r, &ch);
    }
}

/* mode 0: one feed, 1: byte by byte, 2: random slices; flush_every: call
 * flush after that many feeds (0 = never) */
static tc_result nj_push(const void *data, size_t n, const st_ndjson_options *oin, int mode,
                         uint64_t seed, int flush_every) {
    tc_result r;
    memset(&r, 0, sizeof r);
    st_ndjson_options o = *oin;
    o.on_bad = tc_on_bad;
    o.bad_ctx = &r;
    if (!o.source) o.source = "t";
    st_ndjson_push *p = NULL;
    st_error e = {0};
    ST_ASSERT_OK(st_ndjson_push_new(&o, &p, &err_));
    st_test_seed(seed);
    const char *c = data;
    size_t i = 0;
    uint32_t maxver = 0;
    int feeds = 0;
    while (i < n && r.rc == ST_OK) {
        size_t k = mode == 0 ? n : mode == 1 ? 1 : 1 + st_test_rand() % 300;
        if (k > n - i) k = n - i;
        r.rc = st_ndjson_push_feed(p, c + i, k, &e);
        if (r.rc == ST_OK && flush_every && ++feeds % flush_every == 0)
            r.rc = st_ndjson_push_flush(p, &e);
        if (r.rc != ST_OK) snprintf(r.err, sizeof r.err, "%s", e.msg);
        else drain(p, &r, false, &maxver);
        i += k;
    }
    if (r.rc == ST_OK) {
        r.rc = st_ndjson_push_finish(p, &e);
        if (r.rc != ST_OK) snprintf(r.err, sizeof r.err, "%s", e.msg);
        else drain(p, &r, true, &maxver);
    }
    tc_schema(&r, r.rc == ST_OK ? st_ndjson_push_schema(p) : NULL);
    st_ndjson_push_stats(p, &r.stats);
    st_ndjson_push_free(p);
    tc_check_invariant(&r);
    return r;
}

static tc_result read_all(const char *s, size_t n, const st_ndjson_options *o) {
    tc_result a = nj_whole(s, n, o);
    st_ndjson_options o2 = *o;
    o2.threads = 2;
    nj_test_chunk_bytes = 40;
    tc_result b = nj_whole(s, n, &o2);
    nj_test_chunk_bytes = 0;
    tc_assert_same(&a, &b, "1 thread vs 2 threads, 40-byte chunks");
    tc_free(&b);
    b = nj_push(s, n, o, 2, n, 0);
    tc_assert_same(&a, &b, "whole vs pushed in random slices");
    tc_free(&b);
    if (n < 100000) {
        b = nj_push(s, n, o, 1, 0, 0);
        tc_assert_same(&a, &b, "whole vs pushed byte by byte");
        tc_free(&b);
    }
    return a;
}

static tc_result read_str(const char *s, const st_ndjson_options *o) {
    return read_all(s, strlen(s), o);
}

static st_ndjson_options defaults(void) {
    st_ndjson_options o;
    st_ndjson_options_init(&o);
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

static void test_flatten_and_union(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    const char *in =
        "{\"id\":1,\"device\":{\"os\":\"ios\",\"screen\":{\"w\":1170}},\"tags\":[\"a\",{\"b\":1}]}\n"
        "{\"id\":2,\"user\":\"ann\",\"device\":{\"os\":\"android\"},\"meta\":{}}\r\n"
        "\n"
        "  \n"
        "{\"user\":\"bob\",\"id\":3,\"device\":null}\n";
    tc_result r = read_str(in, &o);
    EXPECT_COUNTS(r, 3, 0);
    EXPECT_SCHEMA(r, "id:INT64,device.os:VARCHAR,device.screen.w:INT64,tags:VARCHAR,user:VARCHAR");
    tc_has(&r.rows, "R1@0: 1|\"ios\"|1170|\"[\\\"a\\\",{\\\"b\\\":1}]\"|null\n");
    tc_has(&r.rows, "R2@72: 2|\"android\"|null|null|\"ann\"\n");
    tc_has(&r.rows, "R5@");
    tc_has(&r.rows, ": 3|null|null|null|\"bob\"\n");
    tc_free(&r);
}

static void test_widening(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    const char *in = "{\"i\":1,\"d\":1,\"s\":1,\"b\":true,\"dt\":\"2024-01-01\",\"ts\":\"2024-01-01\",\"x\":null}\n"
                     "{\"i\":2,\"d\":2.5,\"s\":\"two\",\"b\":false,\"dt\":\"2024-01-02\",\"ts\":\"2024-01-02T10:00:00.5Z\"}\n"
                     "{\"i\":-3,\"d\":-1e3,\"s\":true,\"b\":null,\"ts\":\"2024-01-03 00:00:00.123456789\"}\n";
    tc_result r = read_str(in, &o);
    EXPECT_COUNTS(r, 3, 0);
    EXPECT_SCHEMA(r, "i:INT64,d:DOUBLE,s:VARCHAR,b:BOOLEAN,dt:DATE,ts:TIMESTAMP_NS,x:VARCHAR");
    tc_has(&r.rows, "R1@0: 1|1.0|\"1\"|true|\"2024-01-01\"|\"2024-01-01 00:00:00\"|null\n");
    tc_has(&r.rows, "2|2.5|\"two\"|false|\"2024-01-02\"|\"2024-01-02 10:00:00.5\"|null\n");
    tc_has(&r.rows, "-3|-1000.0|\"true\"|null|null|\"2024-01-03 00:00:00.123456789\"|null\n");
    tc_free(&r);
}

static void test_huge_numbers(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    const char *in = "{\"a\":9223372036854775807,\"b\":9223372036854775808,\"c\":1234567890123456789012345678901234567890,\"d\":0.1,\"e\":0.12345678901234567,\"f\":1e400}\n"
                     "{\"a\":-9223372036854775808,\"b\":-99999999999999999999999999999999999999,\"c\":1,\"d\":3,\"e\":1,\"f\":2}\n";
    tc_result r = read_str(in, &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "a:INT64,b:DECIMAL(38,0),c:VARCHAR,d:DOUBLE,e:DECIMAL(18,17),f:VARCHAR");
    tc_has(&r.rows, "R1@0: 9223372036854775807|9223372036854775808|\"1234567890123456789012345678901234567890\"|0.1|0.12345678901234567|\"1e400\"\n");
    tc_has(&r.rows, "-9223372036854775808|-99999999999999999999999999999999999999|\"1\"|3.0|1.00000000000000000|\"2\"\n");
    tc_free(&r);

    /* a fixed DECIMAL column takes exponent forms exactly, or refuses them */
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "p", st_type_decimal(12, 4), 1, true, &err_));
    o.schema = s;
    r = read_str("{\"p\":1.25e3}\n{\"p\":12345e-4}\n{\"p\":1e-5}\n{\"p\":\"7.5\"}\n{\"p\":1e-9999}\n", &o);
    EXPECT_COUNTS(r, 3, 2);
    tc_has(&r.rows, "R1@0: 1250.0000\nR2@13: 1.2345\n");
    tc_has(&r.rows, ": 7.5000\n");
    tc_has(&r.bad, "B3@");
    tc_has(&r.bad, "has more than 4 digits after the decimal point");
    tc_has(&r.bad, "'1e-9999' is not a decimal in range");
    tc_free(&r);
    st_schema_free(s);
}

static void test_malformed(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    const char *in = "{\"id\":1}\n"
                     "{\"id\":2,\"id\":3}\n"
                     "{\"id\":4,\"x\":\"bad \\ud800 pair\"}\n"
                     "{\"id\":5,\"x\":\"lone \\udc00\"}\n"
                     "{\"id\":6,\"x\":\"ok \\ud83d\\ude00\"}\n"
                     "{\"id\":7 \"x\":1}\n"
                     "[1,2]\n"
                     "{\"id\":8,\"x\":\"nul \\u0000\"}\n"
                     "{\"id\":9,\"x\":\"tab\there\"}\n"
                     "{\"id\":10} trailing\n"
                     "{\"id\":11,\"x\":\"\xff\xfe\"}\n"
                     "{\"id\":12,\"a\":{\"y\":1},\"a\":{\"z\":2}}\n"
                     "{\"id\":13,\"x\":\"esc \\q\"}\n"
                     "{\"id\":14,\"x\":01}\n"
                     "{\"id\":15,\"x\":\"unterminated}\n"
                     "{\"id\":16}";
    tc_result r = read_str(in, &o);
    EXPECT_COUNTS(r, 3, 13);
    EXPECT_SCHEMA(r, "id:INT64,x:VARCHAR");
    tc_has(&r.rows, "R1@0: 1|null\n");
    tc_has(&r.rows, ": 6|\"ok \xf0\x9f\x98\x80\"\n");
    tc_has(&r.rows, "R16@");
    tc_has(&r.bad, "B2@9 len=15 [{\"id\":2,\"id\":3}] {0 id: duplicate key 'id'}");
    tc_has(&r.bad, "B3@25 len=30 ");
    tc_has(&r.bad, "lone high surrogate");
    tc_has(&r.bad, "lone low surrogate");
    tc_has(&r.bad, "B6@");
    tc_has(&r.bad, "malformed JSON at byte 8 of the line: ',' or '}' expected");
    tc_has(&r.bad, "[[1,2]] {-1 -: malformed JSON at byte 0 of the line: not a JSON object}");
    tc_has(&r.bad, "\\u0000 (NUL) in a string");
    tc_has(&r.bad, "control character in a string");
    tc_has(&r.bad, "unexpected text after the object");
    tc_has(&r.bad, "{-1 -: invalid UTF-8 at byte 14 of the line}");
    tc_has(&r.bad, "{-1 a: duplicate key 'a'}");
    tc_has(&r.bad, "invalid escape sequence");
    tc_has(&r.bad, "B14@");
    tc_has(&r.bad, "unterminated string");
    tc_free(&r);
}

static void test_depth(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    st_sbuf in = ST_SBUF_INIT;
    /* 64 levels of objects are fine, 65 are not */
    for (int d = 64; d <= 65; d++) {
        for (int k = 0; k < d; k++) st_sbuf_append(&in, "{\"k\":", 5);
        st_sbuf_putc(&in, '1');
        for (int k = 0; k < d; k++) st_sbuf_putc(&in, '}');
        st_sbuf_putc(&in, '\n');
    }
    /* 100,000 nested arrays: bounded, no stack overflow */
    st_sbuf_append(&in, "{\"a\":", 5);
    for (int k = 0; k < 100000; k++) st_sbuf_putc(&in, '[');
    st_sbuf_append(&in, "}\n", 2);
    tc_result r = read_all(in.p, in.len, &o);
    EXPECT_COUNTS(r, 1, 2);
    tc_has(&r.schema, "k.k.k.k");
    tc_has(&r.bad, "B2@");
    tc_has(&r.bad, "nesting too deep");
    tc_has(&r.bad, "B3@");
    tc_free(&r);
    o.max_depth = 200;
    r = read_all(in.p, in.len, &o);
    EXPECT_COUNTS(r, 2, 1);
    tc_free(&r);
    st_sbuf_free(&in);
}

static void test_oversize_and_empty(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    o.max_record = 100;
    st_sbuf in = ST_SBUF_INIT;
    st_sbuf_append(&in, "{\"a\":1}\n{\"a\":\"", 14);
    for (int k = 0; k < 100000; k++) st_sbuf_putc(&in, 'x');
    st_sbuf_append(&in, "\"}\r\n{\"a\":3}\n", 12);
    tc_result r = read_all(in.p, in.len, &o);
    EXPECT_COUNTS(r, 2, 1);
    tc_has(&r.bad, "B2@8 len=100008 trunc [{\"a\":\"xxx");
    tc_has(&r.bad, "record longer than max_record (100 bytes): 100008 bytes");
    tc_has(&r.rows, "R3@100018: 3\n");
    tc_free(&r);
    st_sbuf_free(&in);

    o = defaults();
    r = read_str("", &o);
    EXPECT_COUNTS(r, 0, 0);
    EXPECT_SCHEMA(r, "");
    tc_free(&r);
    r = read_str("\n \n\r\n", &o);
    EXPECT_COUNTS(r, 0, 0);
    tc_free(&r);
    r = read_str("\xef\xbb\xbf{\"a\":1}\n", &o);
    EXPECT_COUNTS(r, 1, 0);
    EXPECT_SCHEMA(r, "a:INT64");
    tc_free(&r);
}

static void test_recognition(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    tc_result r = nj_whole("id,name\n1,x\n", 12, &o);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    assert_non_null(strstr(r.err, "t: not NDJSON: line 1 is not a JSON object"));
    tc_free(&r);
    r = nj_whole("\n{\"a\":1,}\n", 10, &o);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    assert_non_null(strstr(r.err, "line 2"));
    tc_free(&r);
    r = nj_push("[1]\n{\"a\":1}\n", 12, &o, 2, 5, 0);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    tc_free(&r);
    unsigned char bin[2000];
    st_test_seed(3);
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)st_test_rand();
    bin[0] = '{';
    r = nj_whole(bin, sizeof bin, &o);
    assert_int_equal(r.rc, ST_ERR_FORMAT);
    tc_free(&r);
}

static void test_fixed_schema(void **state) {
    (void)state;
    st_schema *s = st_schema_new();
    ST_ASSERT_OK(st_schema_add(s, "id", st_type_make(ST_T_INT64), 1, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "when", st_type_make(ST_T_TIMESTAMP), 2, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "device.os", st_type_make(ST_T_VARCHAR), 3, true, &err_));
    ST_ASSERT_OK(st_schema_add(s, "ok", st_type_make(ST_T_BOOLEAN), 4, true, &err_));
    st_ndjson_options o = defaults();
    o.schema = s;
    const char *in = "{\"ID\":\"12\",\"when\":\"2025-01-01T00:00:00+01:00\",\"device\":{\"os\":\"ios\"},\"ok\":true}\n"
                     "{\"id\":1.5,\"when\":5,\"ok\":\"maybe\",\"color\":\"red\",\"x\":{\"y\":1}}\n"
                     "{\"id\":2}\n";
    tc_result r = read_str(in, &o);
    EXPECT_SCHEMA(r, "id:INT64,when:TIMESTAMP,device.os:VARCHAR,ok:BOOLEAN");
    EXPECT_COUNTS(r, 2, 1);
    tc_has(&r.rows, "R1@0: 12|\"2024-12-31 23:00:00\"|\"ios\"|true\n");
    tc_has(&r.rows, ": 2|null|null|null\n");
    tc_has(&r.bad, "{0 id: '1.5' is not an integer} {1 when: a JSON number is not a valid TIMESTAMP} "
                   "{3 ok: 'maybe' is not a boolean} {-1 color: unknown key 'color'} {-1 x.y: unknown key 'x.y'}");
    tc_free(&r);
    o.unknown = ST_TEXT_UNKNOWN_IGNORE;
    r = read_str("{\"id\":1,\"color\":\"red\"}\n", &o);
    EXPECT_COUNTS(r, 1, 0);
    tc_free(&r);
    o.unknown = ST_TEXT_UNKNOWN_EVOLVE;
    r = read_str("{\"id\":1,\"color\":\"red\"}\n{\"id\":2,\"size\":4.5,\"color\":\"blue\"}\n", &o);
    EXPECT_COUNTS(r, 2, 0);
    EXPECT_SCHEMA(r, "id:INT64,when:TIMESTAMP,device.os:VARCHAR,ok:BOOLEAN,color:VARCHAR,size:DOUBLE");
    tc_has(&r.rows, ": 2|null|null|null|\"blue\"|4.5\n");
    tc_free(&r);
    st_schema_free(s);
}

/* A stream decides its types early (flush), then meets new keys. */
static void test_stream_evolve(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    o.unknown = ST_TEXT_UNKNOWN_EVOLVE;
    o.batch_rows = 2;
    const char *in = "{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"b\":\"x\"}\n{\"a\":4,\"b\":\"y\",\"c\":{\"d\":true}}\n{\"a\":5}\n";
    tc_result r = nj_push(in, strlen(in), &o, 1, 0, 1); /* byte by byte, flush after each */
    EXPECT_COUNTS(r, 5, 0);
    EXPECT_SCHEMA(r, "a:INT64,b:VARCHAR,c.d:BOOLEAN");
    tc_has(&r.rows, "R1@0: 1\n");
    tc_has(&r.rows, "R4@32: 4|\"y\"|true\n");
    tc_has(&r.rows, "R5@");
    tc_free(&r);
    /* without evolution, the late keys make their records bad */
    o.unknown = ST_TEXT_UNKNOWN_REJECT;
    r = nj_push(in, strlen(in), &o, 0, 0, 0);
    EXPECT_COUNTS(r, 5, 0); /* decided at finish: every key known */
    tc_free(&r);
    st_ndjson_push *p;
    ST_ASSERT_OK(st_ndjson_push_new(&o, &p, &err_));
    ST_ASSERT_OK(st_ndjson_push_feed(p, "{\"a\":1}\n", 8, &err_));
    ST_ASSERT_OK(st_ndjson_push_flush(p, &err_));
    assert_non_null(st_ndjson_push_schema(p));
    st_text_chunk ch;
    ST_ASSERT_OK(st_ndjson_push_take(p, true, &ch, &err_));
    assert_non_null(ch.batch);
    assert_int_equal(ch.batch->len, 1);
    ST_ASSERT_OK(st_ndjson_push_feed(p, "{\"a\":2,\"z\":1}\n", 14, &err_));
    st_text_stats stt;
    st_ndjson_push_stats(p, &stt);
    assert_int_equal(stt.bad, 1);
    st_ndjson_push_free(p);
}

static void test_strict(void **state) {
    (void)state;
    st_ndjson_options o = defaults();
    o.strict = true;
    tc_result r = nj_whole("{\"a\":1}\n{\"a\":}\n{\"a\":3}\n", 24, &o);
    assert_int_equal(r.rc, ST_ERR_PARSE);
    assert_non_null(strstr(r.err, "t: line 2 (byte 8): malformed JSON at byte 5"));
    tc_free(&r);
}

/* ---- differential: what jansson accepts, we accept ---------------------- */

static size_t gen_value(char *o, size_t cap, int depth);

static size_t gen_string(char *o, size_t cap) {
    static const char *parts[] = {"a", "b", "\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9",
                                  " ", "\\\\", "\\/"};
    size_t n = 0;
    o[n++] = '"';
    int k = (int)(st_test_rand() % 4);
    for (int i = 0; i < k && n + 16 < cap; i++) {
        const char *p = parts[st_test_rand() % 10];
        memcpy(o + n, p, strlen(p));
        n += strlen(p);
    }
    o[n++] = '"';
    return n;
}

static size_t gen_value(char *o, size_t cap, int depth) {
    int r = (int)(st_test_rand() % (depth > 4 ? 6 : 8));
    static const char *nums[] = {"0", "-1", "12.5", "1e5", "-0.25E-3", "123456789", "3.0"};
    switch (r) {
    case 0: return (size_t)snprintf(o, cap, "%s", nums[st_test_rand() % 7]);
    case 1: return gen_string(o, cap);
    case 2: return (size_t)snprintf(o, cap, "true");
    case 3: return (size_t)snprintf(o, cap, "null");
    case 4: return (size_t)snprintf(o, cap, "false");
    case 5: return gen_string(o, cap);
    case 6: { /* array */
        size_t n = 0;
        o[n++] = '[';
        int k = (int)(st_test_rand() % 3);
        for (int i = 0; i < k && n + 200 < cap; i++) {
            if (i) o[n++] = ',';
            n += gen_value(o + n, cap - n, depth + 1);
        }
        o[n++] = ']';
        return n;
    }
    default: { /* object */
        size_t n = 0;
        o[n++] = '{';
        int k = (int)(st_test_rand() % 4);
        for (int i = 0; i < k && n + 200 < cap; i++) {
            if (i) o[n++] = ',';
            o[n++] = '"';
            o[n++] = (char)('a' + st_test_rand() % 3);
            o[n++] = '"';
            o[n++] = ':';
            n += gen_value(o + n, cap - n, depth + 1);
        }
        o[n++] = '}';
        return n;
    }
    }
}

static void test_jansson_agrees(void **state) {
    (void)state;
    char line[4096];
    int accepted = 0, rejected = 0;
    for (int it = 0; it < 3000; it++) {
        st_test_seed(77 + it);
        size_t n = 0;
        line[n++] = '{';
        int k = (int)(st_test_rand() % 4);
        for (int i = 0; i < k; i++) {
            if (i) line[n++] = ',';
            line[n++] = '"';
            line[n++] = (char)('a' + st_test_rand() % 3);
            line[n++] = '"';
            line[n++] = ':';
            n += gen_value(line + n, sizeof line - n - 64, 1);
        }
        line[n++] = '}';
        /* mutate some: drop, duplicate or change one byte */
        int m = (int)(st_test_rand() % 4);
        if (m == 1 && n > 2) {
            size_t at = st_test_rand() % n;
            memmove(line + at, line + at + 1, n - at - 1);
            n--;
        } else if (m == 2 && n > 2) {
            size_t at = st_test_rand() % n;
            static const char junk[] = {'"', '\\', ',', '{', '}', '[', ']', ':', 'x', '1', ' ', 0x01};
            line[at] = junk[st_test_rand() % sizeof junk];
        }
        json_error_t je;
        json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
        bool jansson_ok = j && json_is_object(j);
        json_decref(j);
        bool ours = nj_is_object_line(line, n, 64);
        if (ours != jansson_ok)
            fail_msg("disagreement on <%.*s>: jansson %d (%s), ours %d", (int)n, line, jansson_ok,
                     je.text, ours);
        if (ours) accepted++;
        else rejected++;
    }
    assert_true(accepted > 500 && rejected > 500);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatten_and_union), cmocka_unit_test(test_widening),
        cmocka_unit_test(test_huge_numbers),      cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_depth),             cmocka_unit_test(test_oversize_and_empty),
        cmocka_unit_test(test_recognition),       cmocka_unit_test(test_fixed_schema),
        cmocka_unit_test(test_stream_evolve),     cmocka_unit_test(test_strict),
        cmocka_unit_test(test_jansson_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
