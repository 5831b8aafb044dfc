/*
 * test_xspec.c: the transform spec compiler: a complete spec compiles to the
 * expected output schema and pass sets; every kind of mistake is refused
 * before any data is read, with a message that names the problem (missing
 * column, impossible cast, bad regex, unknown step/map/zone, lookup cycles,
 * a lookup on the table being built, bad dedup, unknown keys, bad JSON).
 */
#include "test_util.h"

#include "engine/xspec_int.h"
#include "xspec_fake.h"

static st_status compile(const char *text, st_xspec **out) {
    return st_xspec_compile(text, strlen(text), "t/spec.json", fake_resolve, NULL, out, &err_);
}

static void test_good(void **state) {
    (void)state;
    const char *spec =
        "{\"target\":\"silver.sales\",\"source\":\"bronze.sales\","
        "\"columns\":[{\"name\":\"order_id\"},{\"name\":\"line_no\"},"
        " {\"name\":\"brand\",\"steps\":[\"trim\",{\"map\":\"brands\"}]},"
        " {\"name\":\"day\",\"from\":\"ts\",\"type\":\"DATE\"},"
        " {\"name\":\"rate\",\"from\":\"fx.usd_rate\",\"keep\":false},"
        " {\"name\":\"usd\",\"type\":\"DECIMAL(12,2)\",\"expr\":{\"mul\":[\"unit_price\",\"rate\"]}},"
        " {\"name\":\"model\",\"from\":\"p.model\"},"
        " {\"name\":\"price\",\"from\":\"price_text\",\"steps\":[\"parse_price\"],\"type\":\"DECIMAL(12,2)\"},"
        " {\"name\":\"ts\"}],"
        "\"maps\":{\"brands\":{\"values\":{\"Apple\":[\"aple\"]}}},"
        "\"lookups\":[{\"name\":\"fx\",\"table\":\"bronze.fx_rates\",\"on\":{\"currency\":\"currency\",\"day\":\"day\"},"
        "  \"unmatched\":\"reject\"},"
        " {\"name\":\"p\",\"table\":\"bronze.products\",\"on\":{\"product_id\":\"product_id\"}}],"
        "\"rules\":[{\"column\":\"quantity\",\"min\":1,\"max\":100},{\"name\":\"d\",\"check\":[\"discount\",\"<=\",\"unit_price\"]},"
        " {\"column\":\"sku\",\"regex\":\"[A-Z0-9-]+\",\"max_length\":32,\"not_null\":true}],"
        "\"dedup\":{\"key\":[\"order_id\",\"line_no\"],\"latest_by\":\"ts\"},\"suite\":\"s.suite.json\"}";
    st_xspec *sp;
    ST_ASSERT_OK(compile(spec, &sp));
    const st_tschema *o = st_xspec_output(sp);
    assert_int_equal(o->nfields, 8); /* rate is not kept */
    assert_string_equal(o->fields[3].name, "day");
    assert_int_equal(o->fields[3].type.id, ST_T_DATE);
    assert_int_equal(o->fields[4].type.id, ST_T_DECIMAL);
    assert_string_equal(st_xspec_suite(sp), "t/s.suite.json");
    assert_int_equal(st_xspec_lookup_count(sp), 2);
    assert_int_equal(sp->nrules, 6); /* min, max, check, not_null, regex, max_length */
    /* the decide pass holds the fallible lookup fx and price parsing, not the kept-only model */
    for (uint32_t i = 0; i < sp->nnodes; i++) {
        const xnode *x = &sp->nodes[i];
        if (x->kind == XN_LOOKUP && !strcmp(sp->lookups[x->lookup].name, "fx")) assert_true(x->decide && x->can_fail);
        if (x->kind == XN_LOOKUP && !strcmp(sp->lookups[x->lookup].name, "p")) assert_false(x->decide);
        if (x->kind == XN_COL && !strcmp(x->name, "price")) assert_true(x->decide);
        if (x->kind == XN_COL && !strcmp(x->name, "model")) assert_true(x->output && !x->decide);
    }
    /* every node comes after what it reads */
    for (uint32_t k = 0; k < sp->nnodes; k++) {
        const xnode *x = &sp->nodes[sp->order[k]];
        if (x->in >= 0) assert_true(sp->nodes[x->in].order < x->order);
        for (uint32_t a = 0; a < x->nargs; a++) assert_true(sp->nodes[x->args[a]].order < x->order);
    }
    st_xspec_free(sp);
}

static void test_refused(void **state) {
    (void)state;
    static const struct { const char *spec, *msg; } bad[] = {
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"nope\"}]}",
         "'nope' is not a column of bronze.sales"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.nope\",\"columns\":[{\"name\":\"x\"}]}", "no table bronze.nope"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"x\",\"from\":\"ts\",\"type\":\"INT32\"}]}",
         "cannot cast TIMESTAMP to INT32"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"x\",\"from\":\"ts\",\"type\":\"WIDGET\"}]}",
         "unknown type"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\"}],"
         "\"rules\":[{\"column\":\"sku\",\"regex\":\"(\"}]}", "bad regex"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\",\"steps\":"
         "[{\"regex_extract\":\"[a-\"}]}]}", "bad regex"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"q\",\"from\":\"quantity\","
         "\"steps\":[\"trim\"]}]}", "works on text"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\",\"steps\":[{\"map\":\"x\"}]}]}",
         "no map named 'x'"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"t\",\"from\":\"sku\","
         "\"steps\":[{\"timestamp\":{\"zone\":\"Nowhere/City\"}}]}]}", "no such zone"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"c\",\"from\":\"fx.currency\"}],"
         "\"lookups\":[{\"name\":\"fx\",\"table\":\"bronze.fx_rates\",\"on\":{\"currency\":\"c\"}}]}", "a cycle"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"a\",\"from\":\"b\"},"
         "{\"name\":\"b\",\"from\":\"a\"}]}", "a cycle"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"x\",\"from\":\"l.model\"}],"
         "\"lookups\":[{\"name\":\"l\",\"table\":\"silver.s\",\"on\":{\"product_id\":\"product_id\"}}]}",
         "the table this spec builds"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"x\",\"from\":\"p.nope\"}],"
         "\"lookups\":[{\"name\":\"p\",\"table\":\"bronze.products\",\"on\":{\"product_id\":\"product_id\"}}]}",
         "has no column 'nope'"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"x\",\"from\":\"p.model\"}],"
         "\"lookups\":[{\"name\":\"p\",\"table\":\"bronze.products\",\"on\":{\"product_id\":\"ts\"}}]}",
         "cannot be compared"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"score\"}],"
         "\"dedup\":{\"key\":[\"score\"],\"latest_by\":\"score\"}}", "latest_by must be"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"ts\"}],"
         "\"dedup\":{\"key\":[\"sku\"],\"latest_by\":\"ts\"}}", "must be a kept column"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"x\",\"from\":\"sku\"},{\"name\":\"X\"}]}",
         "two columns are named"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\"}],\"extra\":1}",
         "unknown key \"extra\""},
        {"{\"target\":\"bronze.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\"}]}", "silver or gold"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"_line\"}]}", "lineage columns"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"u\",\"expr\":{\"mul\":[\"sku\",2]}}]}",
         "needs numbers"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\"}],"
         "\"rules\":[{\"column\":\"sku\",\"min\":\"a\",\"frob\":1}]}", "unknown key \"frob\""},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"quantity\"}],"
         "\"rules\":[{\"column\":\"quantity\",\"min\":\"lots\"}]}", "is not a INT32"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[{\"name\":\"sku\"}],"
         "\"rules\":[{\"check\":[\"sku\",\"<\",\"ts\"]}]}", "cannot compare"},
        {"{\"target\":\"silver.s\",\"source\":\"bronze.sales\",\"columns\":[]}", "non-empty array"},
        {"{\"target\":\"silver.s\", \"source\":", "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_xspec *sp = NULL;
        st_status rc = compile(bad[i].spec, &sp);
        if (rc == ST_OK) fail_msg("spec %zu accepted: %s", i, bad[i].spec);
        if (!strstr(err_.msg, bad[i].msg)) fail_msg("spec %zu: message '%s' lacks '%s'", i, err_.msg, bad[i].msg);
        if (!strstr(err_.msg, "t/spec.json") && i != 1) fail_msg("spec %zu: message '%s' does not name the file", i, err_.msg);
        assert_null(sp);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
