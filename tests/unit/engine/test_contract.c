/*
 * test_contract.c: record-level validation: every rule, every reason kept,
 * selection narrowing, and the reason classifier.
 */
#include "test_util.h"

#include "engine/contract.h"

static st_tschema *schema_from(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    st_tschema *s;
    ST_ASSERT_OK(st_tschema_from_json(j, false, &s, &err_));
    json_decref(j);
    return s;
}

static void test_rules(void **state) {
    (void)state;
    st_tschema *s = schema_from(
        "{\"fields\":[{\"name\":\"price\",\"type\":\"DECIMAL(10,2)\",\"min\":0,\"max\":100,\"nullable\":false},"
        "{\"name\":\"status\",\"type\":\"VARCHAR\",\"allowed\":[\"new\",\"paid\"]},"
        "{\"name\":\"sku\",\"type\":\"VARCHAR\",\"regex\":\"[A-Z]+[0-9]*\",\"max_length\":4},"
        "{\"name\":\"qty\",\"type\":\"INT32\",\"allowed\":[1,2,3]},"
        "{\"name\":\"day\",\"type\":\"DATE\",\"min\":\"2020-01-01\"}]}");
    st_contract *c;
    ST_ASSERT_OK(st_contract_new(s, &c, &err_));
    assert_false(st_contract_trivial(c));
    st_type types[5];
    for (uint32_t i = 0; i < 5; i++) types[i] = s->fields[i].type;
    st_batch *b = st_batch_new(types, 5, 16);
    /* rows: 0 ok; 1 price<0 + status bad; 2 price NULL; 3 sku lower + too long
     * 4 sku too long + qty 7; 5 day too early; 6 ok with NULLs */
    int64_t prices[7] = {1050, -1, 0, 500, 100, 10001, 10000};
    const char *status[7] = {"new", "lost", "paid", "new", "new", "paid", NULL};
    const char *sku[7] = {"AB12", "A", "B", "ab", "ABCDE", "X", NULL};
    int32_t qty[7] = {1, 2, 3, 1, 7, 2, 0};
    const char *day[7] = {"2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2019-12-31", NULL};
    for (int r = 0; r < 7; r++) {
        if (r == 2) ST_ASSERT_OK(st_vector_append_null(b->cols[0], &err_));
        else ST_ASSERT_OK(st_vector_append(b->cols[0], &prices[r], &err_));
        if (status[r]) ST_ASSERT_OK(st_vector_append_str(b->cols[1], status[r], (uint32_t)strlen(status[r]), &err_));
        else ST_ASSERT_OK(st_vector_append_null(b->cols[1], &err_));
        if (sku[r]) ST_ASSERT_OK(st_vector_append_str(b->cols[2], sku[r], (uint32_t)strlen(sku[r]), &err_));
        else ST_ASSERT_OK(st_vector_append_null(b->cols[2], &err_));
        if (r == 6) ST_ASSERT_OK(st_vector_append_null(b->cols[3], &err_));
        else ST_ASSERT_OK(st_vector_append(b->cols[3], &qty[r], &err_));
        if (day[r]) {
            int32_t d;
            ST_ASSERT_OK(st_parse_date(day[r], strlen(day[r]), &d, &err_));
            ST_ASSERT_OK(st_vector_append(b->cols[4], &d, &err_));
        } else {
            ST_ASSERT_OK(st_vector_append_null(b->cols[4], &err_));
        }
    }
    st_batch_set_len(b, 7);
    st_contract_result res = {0};
    ST_ASSERT_OK(st_contract_check(c, b, &res, &err_));
    assert_int_equal(res.nfails, 5);
    uint32_t rows[5] = {1, 2, 3, 4, 5};
    for (int i = 0; i < 5; i++) assert_int_equal(res.fails[i].row, rows[i]);
    /* row 1: both reasons, field order */
    assert_int_equal(res.fails[0].nreasons, 2);
    assert_int_equal(res.fails[0].reasons[0].code, ST_R_BELOW_MIN);
    assert_string_equal(res.fails[0].reasons[0].msg, "column price: -0.01 is below the minimum 0.00");
    assert_int_equal(res.fails[0].reasons[1].code, ST_R_NOT_ALLOWED);
    assert_non_null(strstr(res.fails[0].reasons[1].msg, "'lost'"));
    assert_int_equal(res.fails[1].reasons[0].code, ST_R_NULL);
    /* row 3: the regex is anchored at both ends */
    assert_int_equal(res.fails[2].nreasons, 1);
    assert_int_equal(res.fails[2].reasons[0].code, ST_R_REGEX);
    assert_int_equal(res.fails[3].nreasons, 2);
    assert_int_equal(res.fails[3].reasons[0].code, ST_R_TOO_LONG);
    assert_non_null(strstr(res.fails[3].reasons[0].msg, "column sku: 'ABCDE' is longer than 4"));
    assert_int_equal(res.fails[3].reasons[1].code, ST_R_NOT_ALLOWED);
    assert_int_equal(res.fails[4].reasons[0].code, ST_R_ABOVE_MAX);
    assert_int_equal(res.fails[4].nreasons, 2); /* price 100.01 and day */
    assert_int_equal(res.fails[4].reasons[1].code, ST_R_BELOW_MIN);
    /* selection: rows 0 and 6 */
    assert_int_equal(st_batch_live(b), 2);
    assert_int_equal(b->sel[0], 0);
    assert_int_equal(b->sel[1], 6);
    /* checking again on the narrowed batch finds nothing */
    ST_ASSERT_OK(st_contract_check(c, b, &res, &err_));
    assert_int_equal(res.nfails, 0);
    assert_int_equal(st_batch_live(b), 2);
    st_contract_result_free(&res);
    st_batch_free(b);
    st_contract_free(c);
    st_tschema_free(s);
}

static void test_schema_and_classify(void **state) {
    (void)state;
    st_tschema *s = schema_from("{\"fields\":[{\"name\":\"a\",\"type\":\"INT64\"}]}");
    st_contract *c;
    ST_ASSERT_OK(st_contract_new(s, &c, &err_));
    assert_true(st_contract_trivial(c));
    st_contract_free(c);
    ST_ASSERT_OK(st_contract_check_schema(s, &err_));
    st_tschema_free(s);
    s = schema_from("{\"fields\":[{\"name\":\"_Line\",\"type\":\"INT64\"}]}");
    ST_ASSERT_ERR(st_contract_check_schema(s, &err_), ST_ERR_INVALID);
    st_tschema_free(s);
    s = schema_from("{\"fields\":[{\"name\":\"a\",\"type\":\"VARCHAR\",\"regex\":\"(\"}]}");
    ST_ASSERT_ERR(st_contract_new(s, &c, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "field 'a'"));
    st_tschema_free(s);
    assert_int_equal(st_reason_classify("expected 5 fields, found 4"), ST_R_RAGGED);
    assert_int_equal(st_reason_classify("column price: 'abc' is not a DECIMAL(10,2)"), ST_R_BAD_VALUE);
    assert_int_equal(st_reason_classify("invalid UTF-8 at byte 3"), ST_R_UTF8);
    assert_int_equal(st_reason_classify("unknown key 'colour'"), ST_R_UNKNOWN_FIELD);
    assert_string_equal(st_reason_name(ST_R_REGEX), "regex_mismatch");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_schema_and_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
