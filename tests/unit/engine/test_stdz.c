/*
 * test_stdz.c: every standardization step (text clean-up, canonical maps,
 * regex extraction, prices, currencies, condition grades, timestamps with
 * zones, truncation, defaults), the casts, and the time-zone reader.  The
 * inputs include every form the generator's scraped data takes.
 */
#include "test_util.h"

#include "engine/stdz.h"
#include "engine/tz.h"
#include "engine/vcast.h"
#include "format/types.h"

static st_vector *strvec(const char *const *vals, uint32_t n) {
    st_vector *v = st_vector_new(st_type_make(ST_T_VARCHAR), n ? n : 1);
    for (uint32_t i = 0; i < n; i++) {
        if (vals[i]) ST_ASSERT_OK(st_vector_append_str(v, vals[i], (uint32_t)strlen(vals[i]), &err_));
        else ST_ASSERT_OK(st_vector_append_null(v, &err_));
    }
    return v;
}

/* Compile `step` (JSON text) for VARCHAR input, apply to vals; out and fail returned. */
static st_vector *run_step(const char *step, const st_stdz_maps *maps, const char *const *vals, uint32_t n,
                           uint64_t *fail) {
    json_error_t je;
    json_t *j = json_loads(step, JSON_DECODE_ANY, &je);
    assert_non_null(j);
    st_stdz *s;
    st_type ot;
    ST_ASSERT_OK(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), maps, &s, &ot, &err_));
    json_decref(j);
    st_vector *in = strvec(vals, n), *out = st_vector_new(ot, n ? n : 1);
    memset(fail, 0, 8 * ((n + 63) / 64 + 1));
    ST_ASSERT_OK(st_stdz_apply(s, in, out, fail, &err_));
    st_stdz_free(s);
    st_vector_free(in);
    return out;
}

static void expect_str(const st_vector *v, uint32_t i, const char *want) {
    if (!want) {
        assert_true(st_vector_is_null(v, i));
        return;
    }
    assert_false(st_vector_is_null(v, i));
    const st_str *s = &ST_VEC(v, st_str)[i];
    if (s->len != strlen(want) || memcmp(s->ptr, want, s->len))
        fail_msg("row %u: got '%.*s', want '%s'", i, (int)s->len, s->ptr, want);
}

static bool failed(const uint64_t *fail, uint32_t i) { return (fail[i >> 6] >> (i & 63)) & 1; }

static void test_text(void **state) {
    (void)state;
    const char *in[] = {"  Apple  iPhone\t13 ", "\xc2\xa0" "caf\xc3\xa9\xe2\x80\xaf", "", NULL, "A\xe3\x80\x80" "B"};
    uint64_t fail[2];
    st_vector *o = run_step("\"trim\"", NULL, in, 5, fail);
    expect_str(o, 0, "Apple  iPhone\t13");
    expect_str(o, 1, "caf\xc3\xa9");
    expect_str(o, 2, "");
    expect_str(o, 3, NULL);
    st_vector_free(o);
    o = run_step("\"collapse_spaces\"", NULL, in, 5, fail);
    expect_str(o, 0, "Apple iPhone 13");
    expect_str(o, 4, "A B");
    st_vector_free(o);
    const char *c[] = {"\xc3\x89tat Correct", "SAMSUNG", "mIxEd 123"};
    o = run_step("\"lower\"", NULL, c, 3, fail);
    expect_str(o, 0, "\xc3\xa9tat correct");
    expect_str(o, 1, "samsung");
    st_vector_free(o);
    o = run_step("\"upper\"", NULL, c, 3, fail);
    expect_str(o, 0, "\xc3\x89TAT CORRECT");
    expect_str(o, 2, "MIXED 123");
    st_vector_free(o);
    const char *nn[] = {"", "N/A", "x", "#N/A"};
    o = run_step("\"null_if_empty\"", NULL, nn, 4, fail);
    expect_str(o, 0, NULL);
    expect_str(o, 1, "N/A");
    st_vector_free(o);
    o = run_step("{\"null_if\": [\"N/A\", \"#N/A\"]}", NULL, nn, 4, fail);
    expect_str(o, 0, "");
    expect_str(o, 1, NULL);
    expect_str(o, 2, "x");
    expect_str(o, 3, NULL);
    st_vector_free(o);
    const char *d[] = {NULL, "x"};
    o = run_step("{\"default\": \"unknown\"}", NULL, d, 2, fail);
    expect_str(o, 0, "unknown");
    expect_str(o, 1, "x");
    st_vector_free(o);
}

static void test_maps(void **state) {
    (void)state;
    json_error_t je;
    json_t *mj = json_loads("{\"brands\": {\"values\": {\"Samsung\": [\"samsng\", \"Samsumg\", \"Samsung Electronics\"],"
                            "\"Apple\": [\"Apple Inc.\", \"aple\", \"appel\"]}},"
                            "\"strict\": {\"values\": {\"Yes\": [\"y\"]}, \"unmatched\": \"reject\"},"
                            "\"nulling\": {\"values\": {\"Yes\": [\"y\"]}, \"unmatched\": \"null\"}}", 0, &je);
    st_stdz_maps *maps;
    ST_ASSERT_OK(st_stdz_maps_parse(mj, &maps, &err_));
    json_decref(mj);
    const char *in[] = {"SAMSUNG", "  samsung   electronics ", "Samsng", "APPLE INC.", "Appel", "Sony", NULL};
    uint64_t fail[2];
    st_vector *o = run_step("{\"map\": \"brands\"}", maps, in, 7, fail);
    expect_str(o, 0, "Samsung");
    expect_str(o, 1, "Samsung");
    expect_str(o, 2, "Samsung");
    expect_str(o, 3, "Apple");
    expect_str(o, 4, "Apple");
    expect_str(o, 5, "Sony"); /* unmatched: kept */
    expect_str(o, 6, NULL);
    assert_int_equal(fail[0], 0);
    st_vector_free(o);
    const char *yn[] = {"Y", "no"};
    o = run_step("{\"map\": \"strict\"}", maps, yn, 2, fail);
    expect_str(o, 0, "Yes");
    assert_true(failed(fail, 1) && !failed(fail, 0));
    st_vector_free(o);
    o = run_step("{\"map\": \"nulling\"}", maps, yn, 2, fail);
    expect_str(o, 1, NULL);
    assert_false(failed(fail, 1));
    st_vector_free(o);
    /* errors: unknown map, conflicting aliases, bad shape */
    json_t *j = json_loads("{\"map\": \"nope\"}", 0, &je);
    st_stdz *s;
    st_type ot;
    ST_ASSERT_ERR(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), maps, &s, &ot, &err_), ST_ERR_NOT_FOUND);
    json_decref(j);
    st_stdz_maps_free(maps);
    mj = json_loads("{\"m\": {\"values\": {\"A\": [\"x\"], \"B\": [\"X\"]}}}", 0, &je);
    ST_ASSERT_ERR(st_stdz_maps_parse(mj, &maps, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "maps to both"));
    json_decref(mj);
    mj = json_loads("{\"m\": {\"A\": [\"x\"]}}", 0, &je);
    ST_ASSERT_ERR(st_stdz_maps_parse(mj, &maps, &err_), ST_ERR_INVALID);
    json_decref(mj);
}

static void test_regex(void **state) {
    (void)state;
    const char *in[] = {"Apple iPhone 13 128GB Black", "Galaxy S24 256 GB", "no storage", NULL, "1TB drive"};
    uint64_t fail[2];
    st_vector *o = run_step("{\"regex_extract\": {\"pattern\": \"([0-9]+) ?(gb|tb)\", \"icase\": true}}", NULL, in, 5, fail);
    expect_str(o, 0, "128");
    expect_str(o, 1, "256");
    expect_str(o, 2, NULL);
    expect_str(o, 3, NULL);
    expect_str(o, 4, "1");
    assert_int_equal(fail[0], 0);
    st_vector_free(o);
    o = run_step("{\"regex_extract\": {\"pattern\": \"[0-9]+ ?GB\", \"unmatched\": \"reject\"}}", NULL, in, 5, fail);
    expect_str(o, 0, "128GB");
    assert_true(failed(fail, 2) && failed(fail, 4) && !failed(fail, 3));
    st_vector_free(o);
    json_error_t je;
    st_stdz *s;
    st_type ot;
    json_t *j = json_loads("{\"regex_extract\": \"([a-z\"}", 0, &je);
    ST_ASSERT_ERR(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), NULL, &s, &ot, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "bad regex"));
    json_decref(j);
    j = json_loads("{\"regex_extract\": {\"pattern\": \"(a)\", \"group\": 2}}", 0, &je);
    ST_ASSERT_ERR(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), NULL, &s, &ot, &err_), ST_ERR_INVALID);
    json_decref(j);
}

static void test_price(void **state) {
    (void)state;
    static const struct { const char *in; int64_t want4; } ok[] = {
        {"$1,299.00", 12990000},     {"1.299,00 \xe2\x82\xac", 12990000}, {"\xc2\xa3" "899", 8990000},
        {"$999", 9990000},           {"USD 999.99", 9999900},             {"999.99 USD", 9999900},
        {"$ 1,999", 19990000},       {"999,99\xc2\xa0\xe2\x82\xac", 9999900},
        {"9\xe2\x80\xaf" "999,99\xc2\xa0\xe2\x82\xac", 99999900}, {"9 999,99 \xe2\x82\xac", 99999900},
        {"\xe2\x82\xac" "99,99", 999900}, {"EUR 9.999,99", 99999900},    {"GBP 1,099.99", 10999900},
        {"12,5", 125000},            {"0.999", 9990},                     {"1'299.50", 12995000},
        {"-5.00", -50000},           {"$9999", 99990000},                 {"12,50 EUR", 125000},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        st_i128 a = 0;
        if (!st_stdz_parse_price(ok[i].in, strlen(ok[i].in), &a) || a != ok[i].want4)
            fail_msg("price '%s': got %lld, want %lld", ok[i].in, (long long)a, (long long)ok[i].want4);
    }
    static const char *const bad[] = {"", "C-Grade", "free", "1,29,900", "12 USD 34", "1.2.3,4,5", "$", "1,299,00",
                                      "12.34567", "1.23.456", "#N/A"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_i128 a;
        if (st_stdz_parse_price(bad[i], strlen(bad[i]), &a)) fail_msg("price '%s' accepted", bad[i]);
    }
    const char *in[] = {"$1,299.00", "junk", NULL};
    uint64_t fail[2];
    st_vector *o = run_step("\"parse_price\"", NULL, in, 3, fail);
    assert_true(st_type_eq(o->type, st_type_decimal(18, 4)));
    assert_int_equal(ST_VEC(o, int64_t)[0], 12990000);
    assert_true(failed(fail, 1) && !failed(fail, 2) && st_vector_is_null(o, 1));
    st_vector_free(o);
    o = run_step("{\"parse_price\": {}, \"on_error\": \"null\"}", NULL, in, 3, fail);
    assert_false(failed(fail, 1));
    st_vector_free(o);
}

static void test_currency(void **state) {
    (void)state;
    static const struct { const char *in, *want; } cs[] = {
        {"$1,299.00", "USD"}, {"1.299,00 \xe2\x82\xac", "EUR"}, {"\xc2\xa3" "899", "GBP"}, {"USD 12", "USD"},
        {"12 eur", "EUR"},    {"C$ 12", "CAD"},                   {"AU$12", "AUD"},         {"\xc2\xa5" "1200", "JPY"},
        {"CHF 10", "CHF"},    {"12.00", NULL},                    {"ABC 12", NULL},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        char code[4] = "";
        bool got = st_stdz_price_currency(cs[i].in, strlen(cs[i].in), code);
        if (got != (cs[i].want != NULL) || (got && strcmp(code, cs[i].want)))
            fail_msg("currency of '%s': got %s", cs[i].in, got ? code : "none");
    }
    const char *in[] = {"12.00", "\xc2\xa3" "3"};
    uint64_t fail[2];
    st_vector *o = run_step("{\"price_currency\": {\"default\": \"USD\"}}", NULL, in, 2, fail);
    expect_str(o, 0, "USD");
    expect_str(o, 1, "GBP");
    st_vector_free(o);
    o = run_step("\"price_currency\"", NULL, in, 2, fail);
    assert_true(failed(fail, 0));
    st_vector_free(o);
}

static void test_condition(void **state) {
    (void)state;
    static const struct { const char *in, *want; } cs[] = {
        {"Like New", "A"}, {"like new", "A"}, {"Excellent", "A"}, {"Pristine", "A"}, {"grade a", "A"},
        {"Grade A", "A"}, {"A-Grade", "A"}, {"Mint", "A"}, {"Used - Like New", "A"}, {"Wie neu", "A"},
        {"Parfait \xc3\xa9tat", "A"}, {"Very Good", "B"}, {"very good", "B"}, {"Good", "B"}, {"grade b", "B"},
        {"Grade B", "B"}, {"B-Grade", "B"}, {"Used - Very Good", "B"}, {"Used - Good", "B"}, {"good", "B"},
        {"Sehr gut", "B"}, {"Tr\xc3\xa8s bon \xc3\xa9tat", "B"}, {"Fair", "C"}, {"fair", "C"}, {"Acceptable", "C"},
        {"grade c", "C"}, {"Grade C", "C"}, {"C-Grade", "C"}, {"Used - Acceptable", "C"}, {"Used - Fair", "C"},
        {"ok", "C"}, {"Akzeptabel", "C"}, {"\xc3\x89tat correct", "C"}, {"refurb.", "refurbished"},
        {"Refurbished", "refurbished"}, {"Renewed", "refurbished"}, {"Certified Refurbished", "refurbished"},
        {"REFURBISHED", "refurbished"}, {"Renewed Premium", "refurbished"}, {"Refurb", "refurbished"},
        {"Generalüberholt", "refurbished"}, {"Reconditionn\xc3\xa9", "refurbished"}, {"B", "B"},
        {"refurbished", "refurbished"}, {"broken", NULL}, {"", NULL}, {"book", NULL},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        const char *g = st_stdz_condition(cs[i].in, strlen(cs[i].in));
        if ((g == NULL) != (cs[i].want == NULL) || (g && strcmp(g, cs[i].want)))
            fail_msg("condition '%s': got %s, want %s", cs[i].in, g ? g : "none", cs[i].want ? cs[i].want : "none");
    }
    const char *in[] = {"grade b", "broken", NULL};
    uint64_t fail[2];
    st_vector *o = run_step("\"condition_grade\"", NULL, in, 3, fail);
    expect_str(o, 0, "B");
    assert_true(failed(fail, 1) && !failed(fail, 2));
    st_vector_free(o);
}

static int64_t ts(const char *s) {
    int64_t v;
    ST_ASSERT_OK(st_parse_timestamp(s, strlen(s), &v, &err_));
    return v;
}

static void test_timestamp(void **state) {
    (void)state;
    const char *in[] = {"2025-01-01T01:52:38+00:00", "2025-01-01 03:02:11", "2025-07-01T12:00:00+02:00",
                        "2025-03-01T10:00:00Z", "2025-03-01 10:00:00 UTC", "2025-03-01T10:00:00-0530", "in stock",
                        "2025-02-30 10:00:00", NULL, "2025-03-01"};
    uint64_t fail[2];
    st_vector *o = run_step("\"timestamp\"", NULL, in, 10, fail);
    int64_t *v = o->data;
    assert_true(v[0] == ts("2025-01-01 01:52:38"));
    assert_true(v[1] == ts("2025-01-01 03:02:11"));
    assert_true(v[2] == ts("2025-07-01 10:00:00"));
    assert_true(v[3] == ts("2025-03-01 10:00:00"));
    assert_true(v[4] == ts("2025-03-01 10:00:00"));
    assert_true(v[5] == ts("2025-03-01 15:30:00"));
    assert_true(failed(fail, 6) && failed(fail, 7) && !failed(fail, 8) && !failed(fail, 9));
    assert_true(v[9] == ts("2025-03-01 00:00:00"));
    st_vector_free(o);
    /* custom formats, local time in a fixed zone */
    const char *us[] = {"03/01/2025 01:30 PM", "Mar 5 2025 07:00:00.25", "05.03.2025 23:59 +01:00"};
    o = run_step("{\"timestamp\": {\"zone\": \"-05:00\", \"formats\": [\"%m/%d/%Y %I:%M %p\", \"%b %d %Y %H:%M:%S.%f\","
                 " \"%d.%m.%Y %H:%M %z\"]}}", NULL, us, 3, fail);
    v = o->data;
    assert_int_equal(fail[0], 0);
    assert_true(v[0] == ts("2025-03-01 18:30:00"));
    assert_true(v[1] == ts("2025-03-05 12:00:00.25"));
    assert_true(v[2] == ts("2025-03-05 22:59:00"));
    st_vector_free(o);
    json_error_t je;
    st_stdz *s;
    st_type ot;
    json_t *j = json_loads("{\"timestamp\": {\"zone\": \"Mars/Olympus\"}}", 0, &je);
    ST_ASSERT_ERR(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), NULL, &s, &ot, &err_), ST_ERR_NOT_FOUND);
    json_decref(j);
    j = json_loads("{\"timestamp\": {\"formats\": [\"%Q\"]}}", 0, &je);
    ST_ASSERT_ERR(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), NULL, &s, &ot, &err_), ST_ERR_INVALID);
    json_decref(j);
    j = json_loads("{\"timestamp\": {\"zone\": \"../../etc/passwd\"}}", 0, &je);
    ST_ASSERT_ERR(st_stdz_compile(j, st_type_make(ST_T_VARCHAR), NULL, &s, &ot, &err_), ST_ERR_INVALID);
    json_decref(j);
}

static void test_zones(void **state) {
    (void)state;
    st_tz *z;
    ST_ASSERT_OK(st_tz_open("+05:30", &z, &err_));
    assert_true(st_tz_to_utc(z, ts("2025-01-01 05:30:00")) == ts("2025-01-01 00:00:00"));
    st_tz_free(z);
    if (st_tz_open("Europe/Berlin", &z, &err_) != ST_OK) {
        print_message("no tz database (%s): skipping IANA zones\n", err_.msg);
        return;
    }
    /* winter +1, summer +2 */
    assert_int_equal(st_tz_offset_at(z, ts("2025-01-15 12:00:00")), 3600);
    assert_int_equal(st_tz_offset_at(z, ts("2025-07-15 12:00:00")), 7200);
    assert_true(st_tz_to_utc(z, ts("2025-07-15 14:00:00")) == ts("2025-07-15 12:00:00"));
    /* the gap: 02:30 on 2025-03-30 does not exist; read with +1 */
    assert_true(st_tz_to_utc(z, ts("2025-03-30 02:30:00")) == ts("2025-03-30 01:30:00"));
    /* the fold: 02:30 on 2025-10-26 happens twice; the first (+2) reading */
    assert_true(st_tz_to_utc(z, ts("2025-10-26 02:30:00")) == ts("2025-10-26 00:30:00"));
    assert_true(st_tz_to_utc(z, ts("2025-10-26 03:30:00")) == ts("2025-10-26 02:30:00"));
    /* past the table: the footer rule */
    assert_int_equal(st_tz_offset_at(z, ts("2150-07-01 00:00:00")), 7200);
    assert_int_equal(st_tz_offset_at(z, ts("2150-12-01 00:00:00")), 3600);
    st_tz_free(z);
    ST_ASSERT_OK(st_tz_open("America/New_York", &z, &err_));
    assert_true(st_tz_to_utc(z, ts("2025-01-01 03:02:11")) == ts("2025-01-01 08:02:11"));
    assert_true(st_tz_to_utc(z, ts("2025-06-01 03:02:11")) == ts("2025-06-01 07:02:11"));
    st_tz_free(z);
    const char *in[] = {"2025-07-01 12:00:00", "2025-07-01 12:00:00Z"};
    uint64_t fail[2];
    st_vector *o = run_step("{\"timestamp\": {\"zone\": \"Europe/Berlin\"}}", NULL, in, 2, fail);
    assert_true(ST_VEC(o, int64_t)[0] == ts("2025-07-01 10:00:00"));
    assert_true(ST_VEC(o, int64_t)[1] == ts("2025-07-01 12:00:00"));
    st_vector_free(o);
}

static void test_trunc_and_errors(void **state) {
    (void)state;
    json_error_t je;
    st_stdz *s;
    st_type ot;
    json_t *j = json_loads("{\"trunc\": \"month\"}", 0, &je);
    ST_ASSERT_OK(st_stdz_compile(j, st_type_make(ST_T_TIMESTAMP), NULL, &s, &ot, &err_));
    assert_int_equal(ot.id, ST_T_DATE);
    st_vector *in = st_vector_new(st_type_make(ST_T_TIMESTAMP), 2), *out = st_vector_new(ot, 2);
    int64_t t = ts("2025-03-17 13:45:00");
    ST_ASSERT_OK(st_vector_append(in, &t, &err_));
    ST_ASSERT_OK(st_vector_append_null(in, &err_));
    uint64_t fail[1] = {0};
    ST_ASSERT_OK(st_stdz_apply(s, in, out, fail, &err_));
    int32_t want;
    ST_ASSERT_OK(st_parse_date("2025-03-01", 10, &want, &err_));
    assert_int_equal(ST_VEC(out, int32_t)[0], want);
    assert_true(st_vector_is_null(out, 1));
    st_stdz_free(s);
    json_decref(j);
    st_vector_free(in);
    st_vector_free(out);
    /* wrong input types, unknown steps, bad options */
    static const char *const bad[] = {"\"trim\"", "\"frobnicate\"", "{\"trunc\": \"week\"}", "{\"trim\": 1, \"map\": 2}",
                                      "{\"parse_price\": {}, \"on_error\": \"maybe\"}", "42"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = json_loads(bad[i], JSON_DECODE_ANY, &je);
        st_type in_t = i == 0 ? st_type_make(ST_T_INT64) : st_type_make(ST_T_VARCHAR);
        if (i == 2) in_t = st_type_make(ST_T_DATE);
        if (st_stdz_compile(j, in_t, NULL, &s, &ot, &err_) == ST_OK) fail_msg("step %s accepted", bad[i]);
        json_decref(j);
    }
}

static void test_casts(void **state) {
    (void)state;
    assert_true(st_cast_allowed(st_type_make(ST_T_VARCHAR), st_type_make(ST_T_DATE)));
    assert_true(st_cast_allowed(st_type_make(ST_T_TIMESTAMP), st_type_make(ST_T_DATE)));
    assert_true(st_cast_allowed(st_type_decimal(18, 4), st_type_decimal(12, 2)));
    assert_false(st_cast_allowed(st_type_make(ST_T_DATE), st_type_make(ST_T_INT64)));
    assert_false(st_cast_allowed(st_type_make(ST_T_BOOLEAN), st_type_make(ST_T_DATE)));
    assert_false(st_cast_allowed(st_type_make(ST_T_INT64), st_type_make(ST_T_TIMESTAMP)));
    assert_false(st_cast_allowed(st_type_make(ST_T_BLOB), st_type_make(ST_T_INT32)));
    /* text -> INT32: range and syntax failures */
    const char *t[] = {"42", " -7 ", "3000000000", "x1", NULL};
    st_vector *in = strvec(t, 5), *out = st_vector_new(st_type_make(ST_T_INT32), 5);
    uint64_t fail[1] = {0};
    ST_ASSERT_OK(st_cast_vector(in, st_type_make(ST_T_INT32), out, fail, &err_));
    assert_int_equal(ST_VEC(out, int32_t)[0], 42);
    assert_int_equal(ST_VEC(out, int32_t)[1], -7);
    assert_int_equal(fail[0], (1u << 2) | (1u << 3));
    assert_true(st_vector_is_null(out, 4) && st_vector_is_null(out, 2));
    st_vector_free(in);
    st_vector_free(out);
    /* DECIMAL(18,4) -> DECIMAL(12,2): rounds half away from zero; overflow fails */
    in = st_vector_new(st_type_decimal(18, 4), 4);
    int64_t d[] = {12345, -12355, 99999999999900, 99999999999950}; /* the last rounds up past (12,2) */
    for (int i = 0; i < 4; i++) ST_ASSERT_OK(st_vector_append(in, &d[i], &err_));
    out = st_vector_new(st_type_decimal(12, 2), 4);
    fail[0] = 0;
    ST_ASSERT_OK(st_cast_vector(in, st_type_decimal(12, 2), out, fail, &err_));
    assert_int_equal(ST_VEC(out, int64_t)[0], 123);
    assert_int_equal(ST_VEC(out, int64_t)[1], -124);
    assert_int_equal(ST_VEC(out, int64_t)[2], 999999999999);
    assert_int_equal(fail[0], 1u << 3);
    st_vector_free(out);
    /* -> DOUBLE, -> VARCHAR */
    out = st_vector_new(st_type_make(ST_T_VARCHAR), 4);
    ST_ASSERT_OK(st_cast_vector(in, st_type_make(ST_T_VARCHAR), out, fail, &err_));
    expect_str(out, 0, "1.2345");
    st_vector_free(out);
    st_vector_free(in);
    /* TIMESTAMP -> DATE takes the UTC day, also before 1970 */
    in = st_vector_new(st_type_make(ST_T_TIMESTAMP), 2);
    int64_t ts2[] = {ts("2025-03-01 23:59:59"), ts("1969-12-31 23:00:00")};
    for (int i = 0; i < 2; i++) ST_ASSERT_OK(st_vector_append(in, &ts2[i], &err_));
    out = st_vector_new(st_type_make(ST_T_DATE), 2);
    ST_ASSERT_OK(st_cast_vector(in, st_type_make(ST_T_DATE), out, fail, &err_));
    int32_t day;
    ST_ASSERT_OK(st_parse_date("2025-03-01", 10, &day, &err_));
    assert_int_equal(ST_VEC(out, int32_t)[0], day);
    assert_int_equal(ST_VEC(out, int32_t)[1], -1);
    st_vector_free(out);
    st_vector_free(in);
    /* st_cast_value explains */
    st_str s = {"abc", 3, 0};
    int64_t x;
    ST_ASSERT_ERR(st_cast_value(st_type_make(ST_T_VARCHAR), &s, st_type_make(ST_T_INT64), &x, NULL, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "'abc'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),     cmocka_unit_test(test_maps),     cmocka_unit_test(test_regex),
        cmocka_unit_test(test_price),    cmocka_unit_test(test_currency), cmocka_unit_test(test_condition),
        cmocka_unit_test(test_timestamp), cmocka_unit_test(test_zones),   cmocka_unit_test(test_trunc_and_errors),
        cmocka_unit_test(test_casts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
