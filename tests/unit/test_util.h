/*
 * test_util.h: shared helpers for the cmocka unit tests.
 *
 * Every unit test file includes this first.  It brings cmocka (which needs
 * these system headers in this order) and a few domain assertions:
 *   err_                     a file-scope st_error tests pass as &err_
 *   ST_ASSERT_OK(expr)       the call returns ST_OK, else fail with err_.msg
 *   ST_ASSERT_ERR(expr, rc)  the call fails with status rc
 *   st_test_tmpdir()         a fresh empty directory under $TMPDIR, removed by
 *                            st_test_rmrf() (tests clean up what they make)
 *   st_test_rand()           deterministic xorshift PRNG (seed with
 *                            st_test_seed), so failures reproduce
 */
#ifndef ST_TEST_UTIL_H
#define ST_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/status.h"

static st_error err_;

#define ST_ASSERT_OK(expr)                                                    \
    do {                                                                      \
        st_status st_rc_ = (expr);                                            \
        if (st_rc_ != ST_OK) fail_msg("%s failed: %s (%s)", #expr,            \
                                      st_status_name(st_rc_), err_.msg);      \
    } while (0)

#define ST_ASSERT_ERR(expr, code)                                             \
    do {                                                                      \
        st_status st_rc_ = (expr);                                            \
        if (st_rc_ != (code)) fail_msg("%s: expected %s, got %s (%s)", #expr, \
                                       st_status_name(code),                  \
                                       st_status_name(st_rc_), err_.msg);     \
    } while (0)

static uint64_t st_test_state_ = 0x9E3779B97F4A7C15ull;
static inline void st_test_seed(uint64_t s) { st_test_state_ = s ? s : 1; }
static inline uint64_t st_test_rand(void) {
    uint64_t x = st_test_state_;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return st_test_state_ = x;
}

static inline char *st_test_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/strata-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static inline void st_test_rmrf(char *dir) {
    if (!dir) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
    free(dir);
}

#endif /* ST_TEST_UTIL_H */
