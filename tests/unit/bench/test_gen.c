/*
 * test_gen.c: the data generator (bench/gen/gen.h).
 *
 * What must hold, on small scales so the suite stays fast:
 *  - options are checked; planned rows are exact and what the files hold;
 *  - same seed -> byte-identical files for 1, 2 and 3 threads; another seed
 *    -> other data;
 *  - the manifest matches the files (rows, bytes);
 *  - with no malformed records every CSV line has all its fields and is
 *    valid UTF-8, and every product/customer reference exists except the
 *    orphans the manifest counts;
 *  - sales carry the status lifecycle with increasing ts per (order_id,
 *    line_no), and the manifest's duplicates are exact repeated lines;
 *  - the malformed share is about the asked rate, every kind occurs, and the
 *    structurally broken lines are exactly the kinds that break structure;
 *  - a folder holding files, a file in the way, an interruption or a write
 *    failure leaves nothing behind.
 */
#include "test_util.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include <jansson.h>

#include "bench/gen/gen.h"
#include "format/hash.h"
#include "format/io.h"
#include "format/types.h"

/* ---- helpers ------------------------------------------------------------ */

static char *path_in(const char *dir, const char *name) {
    char *p = malloc(4200);
    snprintf(p, 4200, "%s/%s", dir, name);
    return p;
}

static st_buf *slurp(const char *dir, const char *name) {
    char *p = path_in(dir, name);
    st_buf *b = NULL;
    ST_ASSERT_OK(st_file_read(p, 1u << 30, &b, &err_));
    free(p);
    return b;
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void gen_opts(st_gen_options *o, double scale, st_gen_as as, double bad, uint32_t th) {
    st_gen_options_default(o);
    o->scale = scale;
    o->as = as;
    o->bad_rate = bad;
    o->threads = th;
}

static const st_gen_file_report *file_of(const st_gen_report *r, st_gen_source s) {
    for (uint32_t i = 0; i < r->nfiles; i++)
        if (r->files[i].source == s) return &r->files[i];
    fail_msg("source %s missing from the report", st_gen_source_name(s));
    return NULL;
}

/* Split a CSV line (without its newline) into fields, RFC 4180 quoting.
 * Returns the number of fields; fields[] get unquoted copies (first 32). */
#define MAXF 32
typedef struct { char v[MAXF][256]; int n; } csv_rec;
static int csv_split(const char *s, size_t n, csv_rec *r) {
    r->n = 0;
    size_t i = 0;
    for (;;) {
        char tmp[256];
        size_t k = 0;
        if (i < n && s[i] == '"') {
            i++;
            while (i < n) {
                if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') { if (k < 255) tmp[k++] = '"'; i += 2; }
                else if (s[i] == '"') { i++; break; }
                else { if (k < 255) tmp[k++] = s[i]; i++; }
            }
        }
        while (i < n && s[i] != ',') { if (k < 255) tmp[k++] = s[i]; i++; }
        tmp[k] = '\0';
        if (r->n < MAXF) memcpy(r->v[r->n], tmp, k + 1);
        r->n++;
        if (i >= n) break;
        i++; /* comma */
    }
    return r->n;
}

/* iterate lines: returns false at the end */
static bool next_line(const char *p, size_t len, size_t *pos, const char **line, size_t *n) {
    if (*pos >= len) return false;
    const char *s = p + *pos, *nl = memchr(s, '\n', len - *pos);
    assert_non_null(nl); /* every record ends with a newline */
    *line = s;
    *n = (size_t)(nl - s);
    *pos += *n + 1;
    return true;
}

/* ---- tests -------------------------------------------------------------- */

static void test_options(void **state) {
    (void)state;
    st_gen_options o;
    st_gen_options_default(&o);
    ST_ASSERT_OK(st_gen_check_options(&o, &err_));
    double bad_scales[] = {0, -1, NAN, INFINITY, 1e-5, 1e6};
    for (size_t i = 0; i < sizeof bad_scales / sizeof bad_scales[0]; i++) {
        o.scale = bad_scales[i];
        ST_ASSERT_ERR(st_gen_check_options(&o, &err_), ST_ERR_INVALID);
    }
    st_gen_options_default(&o);
    o.bad_rate = -0.01;
    ST_ASSERT_ERR(st_gen_check_options(&o, &err_), ST_ERR_INVALID);
    o.bad_rate = 0.6;
    ST_ASSERT_ERR(st_gen_check_options(&o, &err_), ST_ERR_INVALID);
    assert_int_equal(st_gen_planned_rows(1, ST_GEN_SALES), 1000000);
    assert_int_equal(st_gen_planned_rows(3, ST_GEN_SALES), 3000000);
    assert_int_equal(st_gen_planned_rows(0.01, ST_GEN_SALES), 10000);
    assert_int_equal(st_gen_planned_rows(0.0125, ST_GEN_ACTIVITY), 12500);
    assert_int_equal(st_gen_planned_rows(1, ST_GEN_FX_RATES), 9 * 365);
    assert_int_equal(st_gen_source_parse("competitor_prices"), ST_GEN_COMPETITOR_PRICES);
    assert_int_equal(st_gen_source_parse("nope"), -1);
    assert_string_equal(st_gen_source_name(ST_GEN_FX_RATES), "fx_rates");
    assert_true(st_gen_source_is_stream(ST_GEN_PRICING));
    assert_false(st_gen_source_is_stream(ST_GEN_PRODUCTS));
}

static void test_deterministic(void **state) {
    (void)state;
    char *root = st_test_tmpdir();
    char *d[4];
    st_gen_report rep[4];
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "d%d", i);
        d[i] = path_in(root, name);
        st_gen_options o;
        gen_opts(&o, 0.01, ST_GEN_AS_NATIVE, 0.01, i < 3 ? (uint32_t)i + 1 : 2);
        if (i == 3) o.seed = 43;
        ST_ASSERT_OK(st_gen_run(&o, d[i], &rep[i], &err_));
    }
    assert_int_equal(rep[0].nfiles, ST_GEN_NSOURCES);
    for (uint32_t f = 0; f <= rep[0].nfiles; f++) {
        const char *name = f < rep[0].nfiles ? rep[0].files[f].file : ST_GEN_MANIFEST;
        st_buf *a = slurp(d[0], name);
        for (int i = 1; i < 3; i++) {
            st_buf *b = slurp(d[i], name);
            if (st_buf_len(a) != st_buf_len(b) || memcmp(st_buf_data(a), st_buf_data(b), st_buf_len(a)))
                fail_msg("%s differs between 1 and %d threads", name, i + 1);
            st_buf_unref(b);
        }
        { /* every file depends on the seed */
            st_buf *b = slurp(d[3], name);
            assert_false(st_buf_len(a) == st_buf_len(b) &&
                         !memcmp(st_buf_data(a), st_buf_data(b), st_buf_len(a)));
            st_buf_unref(b);
        }
        st_buf_unref(a);
    }
    for (int i = 0; i < 4; i++) free(d[i]);
    /* from scale 0.5 the catalogue is complete: still, another seed lists it
     * in another order */
    st_buf *prod[2];
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        char *dir = path_in(root, name);
        st_gen_options o;
        gen_opts(&o, 0.5, ST_GEN_AS_NATIVE, 0, 2);
        o.sources = 1u << ST_GEN_PRODUCTS;
        o.seed = 42 + (uint64_t)i;
        ST_ASSERT_OK(st_gen_run(&o, dir, &rep[i], &err_));
        assert_int_equal(rep[i].files[0].rows, st_gen_planned_rows(1, ST_GEN_PRODUCTS));
        prod[i] = slurp(dir, "products.csv");
        free(dir);
    }
    assert_int_equal(st_buf_len(prod[0]), st_buf_len(prod[1]));
    assert_true(memcmp(st_buf_data(prod[0]), st_buf_data(prod[1]), st_buf_len(prod[0])) != 0);
    st_buf_unref(prod[0]);
    st_buf_unref(prod[1]);
    st_test_rmrf(root);
}

static void test_manifest_matches_files(void **state) {
    (void)state;
    char *root = st_test_tmpdir();
    char *out = path_in(root, "data");
    st_gen_options o;
    gen_opts(&o, 0.013, ST_GEN_AS_NATIVE, 0.005, 2);
    st_gen_report rep;
    ST_ASSERT_OK(st_gen_run(&o, out, &rep, &err_));
    assert_int_equal(count_entries(out), ST_GEN_NSOURCES + 1);
    char *mp = path_in(out, ST_GEN_MANIFEST);
    json_error_t je;
    json_t *m = json_load_file(mp, 0, &je);
    if (!m) fail_msg("manifest is not JSON: %s", je.text);
    assert_int_equal(json_integer_value(json_object_get(m, "seed")), ST_GEN_DEFAULT_SEED);
    assert_int_equal(json_integer_value(json_object_get(m, "data_version")), ST_GEN_DATA_VERSION);
    json_t *srcs = json_object_get(m, "sources");
    for (uint32_t i = 0; i < rep.nfiles; i++) {
        const st_gen_file_report *f = &rep.files[i];
        assert_int_equal(f->rows, st_gen_planned_rows(o.scale, f->source));
        st_buf *b = slurp(out, f->file);
        assert_int_equal(st_buf_len(b), f->bytes);
        uint64_t lines = 0;
        const char *p = st_buf_data(b);
        for (size_t k = 0; k < st_buf_len(b); k++) lines += p[k] == '\n';
        assert_true(st_buf_len(b) > 0 && p[st_buf_len(b) - 1] == '\n');
        assert_int_equal(lines, f->rows + (f->csv ? 1 : 0));
        assert_int_equal(f->csv, !st_gen_source_is_stream(f->source));
        st_buf_unref(b);
        json_t *s = json_object_get(srcs, st_gen_source_name(f->source));
        assert_non_null(s);
        assert_int_equal(json_integer_value(json_object_get(s, "rows")), f->rows);
        assert_int_equal(json_integer_value(json_object_get(s, "bytes")), f->bytes);
        assert_int_equal(json_integer_value(json_object_get(s, "bad")), f->bad);
        assert_string_equal(json_string_value(json_object_get(s, "file")), f->file);
        assert_true(json_array_size(json_object_get(s, "columns")) >= 3);
    }
    json_decref(m);
    free(mp);
    free(out);
    st_test_rmrf(root);
}

typedef struct sale {
    long long order_id, line_no;
    int status;
    char ts[24];
    uint64_t line_hash;
} sale;

static int status_rank(const char *s) {
    static const char *const names[] = {"placed", "paid", "shipped", "delivered", "refunded", "cancelled"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static int sale_cmp(const void *a, const void *b) {
    const sale *x = a, *y = b;
    if (x->order_id != y->order_id) return x->order_id < y->order_id ? -1 : 1;
    if (x->line_no != y->line_no) return x->line_no < y->line_no ? -1 : 1;
    int c = strcmp(x->ts, y->ts);
    if (c) return c;
    return x->status - y->status;
}

static void test_clean_data_refs_and_lifecycle(void **state) {
    (void)state;
    char *root = st_test_tmpdir();
    char *out = path_in(root, "clean");
    st_gen_options o;
    gen_opts(&o, 0.02, ST_GEN_AS_CSV, 0, 2);
    st_gen_report rep;
    ST_ASSERT_OK(st_gen_run(&o, out, &rep, &err_));

    /* every line of every file: all fields, valid UTF-8, not empty */
    static const int ncols[ST_GEN_NSOURCES] = {15, 8, 6, 7, 7, 9, 4, 3};
    for (uint32_t i = 0; i < rep.nfiles; i++) {
        const st_gen_file_report *f = &rep.files[i];
        assert_int_equal(f->bad, 0);
        st_buf *b = slurp(out, f->file);
        size_t pos = 0, n, bad_off;
        const char *line;
        csv_rec r;
        while (next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n)) {
            assert_true(n > 0);
            assert_true(st_utf8_valid(line, n, &bad_off));
            if (csv_split(line, n, &r) != ncols[f->source])
                fail_msg("%s: %d fields in '%.*s'", f->file, r.n, (int)n, line);
        }
        st_buf_unref(b);
    }

    uint64_t nprod = file_of(&rep, ST_GEN_PRODUCTS)->rows;
    uint64_t ncust = file_of(&rep, ST_GEN_CUSTOMERS)->rows;
    /* products are numbered 1..n, customers too */
    st_buf *b = slurp(out, "products.csv");
    size_t pos = 0, n;
    const char *line;
    csv_rec r;
    uint64_t expect = 1;
    next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n); /* header */
    while (next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n)) {
        csv_split(line, n, &r);
        assert_int_equal(strtoull(r.v[0], NULL, 10), expect++);
    }
    st_buf_unref(b);

    /* sales: references, lifecycle, duplicates */
    const st_gen_file_report *fs = file_of(&rep, ST_GEN_SALES);
    sale *s = calloc(fs->rows, sizeof *s);
    b = slurp(out, "sales.csv");
    pos = 0;
    next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n);
    uint64_t k = 0, orphans = 0;
    while (next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n)) {
        csv_split(line, n, &r);
        uint64_t cust = strtoull(r.v[2], NULL, 10), prod = strtoull(r.v[3], NULL, 10);
        assert_true(cust >= 1 && prod >= 1);
        if (cust > ncust || prod > nprod) orphans++;
        s[k].order_id = atoll(r.v[0]);
        s[k].line_no = atoll(r.v[1]);
        s[k].status = status_rank(r.v[13]);
        assert_true(s[k].status >= 0);
        assert_int_equal(strlen(r.v[14]), 19);
        assert_true(strncmp(r.v[14], "2025-", 5) == 0);
        snprintf(s[k].ts, sizeof s[k].ts, "%s", r.v[14]);
        s[k].line_hash = st_hash_bytes(line, n);
        k++;
    }
    st_buf_unref(b);
    assert_int_equal(k, fs->rows);
    assert_int_equal(orphans, fs->orphans);
    assert_true(orphans < fs->rows / 100); /* "a few" */
    qsort(s, k, sizeof *s, sale_cmp);
    uint64_t dups = 0, full_chains = 0, refunds = 0, cancels = 0;
    for (uint64_t i = 0; i < k;) {
        uint64_t j = i;
        int last = -1, seen = 0;
        char last_ts[24] = "";
        while (j < k && s[j].order_id == s[i].order_id && s[j].line_no == s[i].line_no) {
            if (j > i && s[j].status == s[j - 1].status && !strcmp(s[j].ts, s[j - 1].ts)) {
                assert_int_equal(s[j].line_hash, s[j - 1].line_hash); /* exact repeat */
                dups++;
            } else {
                /* a new status: later than the previous one, further in the lifecycle */
                if (last >= 0) {
                    assert_true(strcmp(s[j].ts, last_ts) > 0);
                    assert_true(s[j].status > last);
                    if (last >= 3) assert_int_equal(s[j].status, 4); /* delivered -> refunded */
                } else if (s[j].status != 0) {
                    /* every order is placed in the year; its placed event can
                     * only be missing when it arrived late, after the cut at
                     * the very end of the stream */
                    assert_true(strcmp(s[j].ts, "2025-12-28") > 0);
                }
                last = s[j].status;
                memcpy(last_ts, s[j].ts, sizeof last_ts);
                seen |= 1 << s[j].status;
            }
            j++;
        }
        if ((seen & 0xf) == 0xf) full_chains++;
        if (seen & (1 << 4)) refunds++;
        if (seen & (1 << 5)) cancels++;
        i = j;
    }
    assert_int_equal(dups, fs->duplicates);
    assert_true(dups > 0);
    assert_true(full_chains > k / 10);
    assert_true(refunds > 0 && cancels > 0);
    assert_true(fs->late > 0);
    assert_true(fs->out_of_order > 0 && fs->out_of_order < fs->rows / 4);
    free(s);
    free(out);
    st_test_rmrf(root);
}

static void test_malformed_share(void **state) {
    (void)state;
    char *root = st_test_tmpdir();
    char *out = path_in(root, "bad");
    st_gen_options o;
    gen_opts(&o, 0.05, ST_GEN_AS_CSV, 0.02, 2);
    o.sources = 1u << ST_GEN_SALES | 1u << ST_GEN_ACTIVITY | 1u << ST_GEN_PRODUCTS;
    st_gen_report rep;
    ST_ASSERT_OK(st_gen_run(&o, out, &rep, &err_));
    assert_int_equal(rep.nfiles, 3);
    assert_int_equal(count_entries(out), 4);
    assert_int_equal(file_of(&rep, ST_GEN_PRODUCTS)->bad, 0); /* references stay clean */
    for (int src = ST_GEN_SALES; src <= ST_GEN_ACTIVITY; src++) {
        const st_gen_file_report *f = file_of(&rep, (st_gen_source)src);
        double share = (double)f->bad / (double)f->rows;
        if (share < 0.016 || share > 0.024) fail_msg("%s: malformed share %.4f", f->file, share);
        uint64_t sum = 0;
        for (int kd = 1; kd < ST_GEN_BAD_NKINDS; kd++) {
            assert_true(f->bad_by_kind[kd] > 0);
            sum += f->bad_by_kind[kd];
        }
        assert_int_equal(sum, f->bad);
        /* lines whose structure is broken are exactly those kinds */
        st_buf *b = slurp(out, f->file);
        size_t pos = 0, n, off;
        const char *line;
        csv_rec r;
        int want = src == ST_GEN_SALES ? 15 : 8;
        uint64_t broken = 0;
        next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n);
        while (next_line(st_buf_data(b), st_buf_len(b), &pos, &line, &n)) {
            assert_true(n > 0);
            if (csv_split(line, n, &r) != want || !st_utf8_valid(line, n, &off)) broken++;
        }
        st_buf_unref(b);
        assert_int_equal(broken, f->bad_by_kind[ST_GEN_BAD_MISSING] + f->bad_by_kind[ST_GEN_BAD_EXTRA] +
                                     f->bad_by_kind[ST_GEN_BAD_TRUNCATED] +
                                     f->bad_by_kind[ST_GEN_BAD_GARBAGE] +
                                     f->bad_by_kind[ST_GEN_BAD_UTF8]);
    }
    free(out);
    st_test_rmrf(root);
}

static void test_nothing_half_written(void **state) {
    (void)state;
    char *root = st_test_tmpdir();
    st_gen_options o;
    gen_opts(&o, 0.005, ST_GEN_AS_NATIVE, 0.005, 2);

    /* a folder that holds a file: refused, untouched */
    char *full = path_in(root, "full");
    assert_int_equal(mkdir(full, 0777), 0);
    char *keep = path_in(full, "keep.txt");
    ST_ASSERT_OK(st_write_file_atomic(keep, "x", 1, ST_PUBLISH_REPLACE, &err_));
    ST_ASSERT_ERR(st_gen_run(&o, full, NULL, &err_), ST_ERR_EXISTS);
    assert_non_null(strstr(err_.msg, "already holds files"));
    assert_int_equal(count_entries(full), 1);

    /* a file in the way, and a file as the parent */
    ST_ASSERT_ERR(st_gen_run(&o, keep, NULL, &err_), ST_ERR_EXISTS);
    char *under = path_in(keep, "x");
    assert_int_not_equal(st_gen_run(&o, under, NULL, &err_), ST_OK);

    /* interrupted before it starts */
    volatile int stop = 1;
    o.interrupt = &stop;
    char *intr = path_in(root, "intr");
    ST_ASSERT_ERR(st_gen_run(&o, intr, NULL, &err_), ST_ERR_INTERRUPTED);
    assert_false(st_path_exists(intr));
    o.interrupt = NULL;

    /* a write fails half-way */
    setenv("STRATA_FAULT", "write:3:enospc", 1);
    st_io_fault_reset();
    char *failed = path_in(root, "failed");
    st_status rc = st_gen_run(&o, failed, NULL, &err_);
    unsetenv("STRATA_FAULT");
    st_io_fault_reset();
    assert_int_equal(rc, ST_ERR_IO);
    assert_false(st_path_exists(failed));

    /* nothing but what we made ourselves is in root: no temporary folders */
    assert_int_equal(count_entries(root), 1);

    /* an empty folder is fine, and gets filled */
    char *empty = path_in(root, "empty");
    assert_int_equal(mkdir(empty, 0777), 0);
    ST_ASSERT_OK(st_gen_run(&o, empty, NULL, &err_));
    assert_int_equal(count_entries(empty), ST_GEN_NSOURCES + 1);
    assert_int_equal(count_entries(root), 2);

    free(full), free(keep), free(under), free(intr), free(failed), free(empty);
    st_test_rmrf(root);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_manifest_matches_files),
        cmocka_unit_test(test_clean_data_refs_and_lifecycle),
        cmocka_unit_test(test_malformed_share),
        cmocka_unit_test(test_nothing_half_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
