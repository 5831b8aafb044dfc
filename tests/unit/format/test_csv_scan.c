/*
 * test_csv_scan.c: the structural scanner itself.  The AVX2 scanner must
 * produce exactly the scalar state machine's index (offsets, anomalies, stop
 * position) on random inputs, for every stopping point (want), with and
 * without the end of the input, for dialects with and without quotes and
 * comments, and with small max_record values that trigger the oversize
 * rules.  Also the resumable record-end search used by the push parser
 * agrees with the scanner on where the first record ends.
 */
#include "test_util.h"

#include "format/csv.h"
#include "format/csv_int.h"
#include "format/text_int.h"

static void same_index(const cx_index *a, size_t sa, const cx_index *b, size_t sb,
                       const char *buf, size_t n, const char *what) {
    bool ok = sa == sb && a->n == b->n && a->na == b->na;
    for (size_t i = 0; ok && i < a->n; i++) ok = a->pos[i] == b->pos[i];
    for (size_t i = 0; ok && i < a->na; i++)
        ok = a->anom[i].start == b->anom[i].start && a->anom[i].end == b->anom[i].end &&
             a->anom[i].flags == b->anom[i].flags;
    if (!ok) {
        size_t first = 0;
        while (first < a->n && first < b->n && a->pos[first] == b->pos[first]) first++;
        fail_msg("%s: scalar stop %zu n %zu na %zu, avx2 stop %zu n %zu na %zu; first offset "
                 "difference at entry %zu; input (%zu bytes): %.*s",
                 what, sa, a->n, a->na, sb, b->n, b->na, first, n, (int)(n > 300 ? 300 : n), buf);
    }
}

static size_t gen(char *out, size_t cap, int flavor) {
    static const char common[] = "aaab1,,,\"\"\n\r ";
    static const char quoty[] = "a,\"\"\"\n\r#;\x01";
    size_t n = st_test_rand() % cap;
    for (size_t i = 0; i < n; i++) {
        if (flavor == 0) out[i] = common[st_test_rand() % (sizeof common - 1)];
        else if (flavor == 1) out[i] = quoty[st_test_rand() % (sizeof quoty - 1)];
        else out[i] = (char)st_test_rand();
    }
    return n;
}

static void test_avx2_equals_scalar(void **state) {
    (void)state;
    if (!__builtin_cpu_supports("avx2")) skip();
    char buf[1500];
    cx_index a = {0}, b = {0};
    st_csv_options o;
    st_csv_options_init(&o);
    for (int it = 0; it < 6000; it++) {
        st_test_seed(it + 1);
        size_t n = gen(buf, sizeof buf, it % 3);
        o.comment = it % 5 == 0 ? '#' : 0;
        o.max_record = it % 4 == 0 ? 1 + st_test_rand() % 400 : 0;
        char quote = it % 7 == 0 ? ST_CSV_NO_QUOTE : '"';
        char delim = it % 3 == 1 ? ';' : ',';
        cx_dialect d;
        cs_dialect(&d, delim, quote, &o);
        size_t want = n ? 1 + st_test_rand() % n : 1;
        size_t from = n && it % 2 ? st_test_rand() % n : 0;
        bool eof = st_test_rand() % 2;
        cx_index_reset(&a);
        cx_index_reset(&b);
        size_t sa = cx_scan_scalar(&d, buf, from, n, from + want, eof, &a);
        size_t sb = cx_scan_avx2(&d, buf, from, n, from + want, eof, &b);
        same_index(&a, sa, &b, sb, buf, n, "random input");
        /* the whole input in one call too */
        cx_index_reset(&a);
        cx_index_reset(&b);
        sa = cx_scan_scalar(&d, buf, 0, n, n, true, &a);
        sb = cx_scan_avx2(&d, buf, 0, n, n, true, &b);
        same_index(&a, sa, &b, sb, buf, n, "whole input");
        assert_int_equal(sa, n);
    }
    cx_index_free(&a);
    cx_index_free(&b);
}

/* Long quote-free runs cross the AVX2 fast path; quotes land at every
 * position of a 64-byte block. */
static void test_block_positions(void **state) {
    (void)state;
    if (!__builtin_cpu_supports("avx2")) skip();
    st_csv_options o;
    st_csv_options_init(&o);
    cx_dialect d;
    cs_dialect(&d, ',', '"', &o);
    char buf[400];
    cx_index a = {0}, b = {0};
    for (int q = 0; q < 200; q++) {
        for (int k = 0; k < 4; k++) {
            memset(buf, 'x', sizeof buf);
            for (int i = 7; i < 400; i += 9) buf[i] = ',';
            for (int i = 50; i < 400; i += 61) buf[i] = '\n';
            buf[q] = '"';
            if (k >= 1 && q + 3 < 400) buf[q + 3] = '"';
            if (k >= 2 && q > 0) buf[q - 1] = k == 2 ? ',' : '\n';
            if (k == 3 && q + 4 < 400) buf[q + 4] = ',';
            cx_index_reset(&a);
            cx_index_reset(&b);
            size_t sa = cx_scan_scalar(&d, buf, 0, sizeof buf, sizeof buf, true, &a);
            size_t sb = cx_scan_avx2(&d, buf, 0, sizeof buf, sizeof buf, true, &b);
            same_index(&a, sa, &b, sb, buf, sizeof buf, "quote placement");
        }
    }
    cx_index_free(&a);
    cx_index_free(&b);
}

static void test_resume_agrees(void **state) {
    (void)state;
    char buf[600];
    st_csv_options o;
    st_csv_options_init(&o);
    cx_index ix = {0};
    for (int it = 0; it < 3000; it++) {
        st_test_seed(900 + it);
        size_t n = gen(buf, sizeof buf, it % 2);
        o.comment = it % 3 == 0 ? '#' : 0;
        cx_dialect d;
        cs_dialect(&d, ',', '"', &o);
        /* feed the resumable search in random steps */
        cx_resume rs = {0};
        size_t upto = 0, found_at = n + 1;
        while (upto < n) {
            upto += 1 + st_test_rand() % 40;
            if (upto > n) upto = n;
            if (cx_record_ends(&d, buf, 0, upto, &rs)) {
                found_at = upto;
                break;
            }
        }
        cx_index_reset(&ix);
        size_t stop = cx_scan_scalar(&d, buf, 0, n, 1, false, &ix);
        bool complete = stop > 0 || (ix.n > 0);
        if (complete != (found_at <= n))
            fail_msg("resume says %s, the scanner says %s: %.*s", found_at <= n ? "ends" : "open",
                     complete ? "ends" : "open", (int)n, buf);
        if (complete) assert_true(rs.pos + 1 == stop);
    }
    cx_index_free(&ix);
}

int main(void) {
    (void)err_;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avx2_equals_scalar),
        cmocka_unit_test(test_block_positions),
        cmocka_unit_test(test_resume_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
