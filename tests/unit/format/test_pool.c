/*
 * test_pool.c: every task runs exactly once for any thread count; the first
 * failing task (lowest index) is reported.
 */
#include "test_util.h"

#include "format/pool.h"

typedef struct { int *hits; uint64_t fail_at; } ctx_t;

static st_status task(void *c, uint64_t t, uint32_t w, st_error *e) {
    ctx_t *cx = c;
    (void)w;
    __atomic_add_fetch(&cx->hits[t], 1, __ATOMIC_RELAXED);
    if (t >= cx->fail_at) return st_error_set(e, ST_ERR_INVALID, "task %llu failed", (unsigned long long)t);
    return ST_OK;
}

static void test_each_task_once(void **state) {
    (void)state;
    for (uint32_t th = 1; th <= 8; th++) {
        int hits[1000] = {0};
        ctx_t c = {hits, UINT64_MAX};
        ST_ASSERT_OK(st_parallel_for(th, 1000, task, &c, &err_));
        for (int i = 0; i < 1000; i++) assert_int_equal(hits[i], 1);
    }
    ST_ASSERT_OK(st_parallel_for(4, 0, task, NULL, &err_));
}

static void test_failure(void **state) {
    (void)state;
    int hits[100] = {0};
    ctx_t c = {hits, 0};
    ST_ASSERT_ERR(st_parallel_for(1, 100, task, &c, &err_), ST_ERR_INVALID);
    assert_string_equal(err_.msg, "task 0 failed");
    assert_int_equal(hits[1], 0); /* nothing after the failure started */
    assert_true(st_thread_count(0) >= 1);
    assert_int_equal(st_thread_count(3), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_each_task_once), cmocka_unit_test(test_failure)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
