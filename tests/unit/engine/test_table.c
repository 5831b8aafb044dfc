/*
 * test_table.c: the commit protocol over a real directory: versions,
 * checkpoints equal to replay, lost races and their retries, idempotency
 * keys, conflicts, monotonic timestamps, time travel edges, damaged logs,
 * and a 10,000-commit log that opens from its checkpoint.
 */
#include "test_util.h"

#include <limits.h>
#include <sys/stat.h>

#include "engine/table.h"
#include "engine/warehouse.h"
#include "format/io.h"

static char *dir_;
static st_warehouse *wh_;
static st_table *tb_;
static unsigned next_id_ = 1;

static int setup(void **state) {
    (void)state;
    dir_ = st_test_tmpdir();
    bool created;
    ST_ASSERT_OK(st_warehouse_init(dir_, &created, &err_));
    assert_true(created);
    ST_ASSERT_OK(st_warehouse_open(dir_, &wh_, &err_));
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("bronze.t", &n, &err_));
    ST_ASSERT_OK(st_table_open(wh_, &n, &tb_, &err_));
    unsetenv("STRATA_NOW");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_table_close(tb_);
    st_warehouse_close(wh_);
    st_test_rmrf(dir_);
    unsetenv("STRATA_NOW");
    return 0;
}

static st_tschema *schema1(void) {
    st_tschema *s = st_tschema_new();
    ST_ASSERT_OK(st_tschema_add(s, "x", st_type_make(ST_T_INT64), 0, true, NULL, &err_));
    return s;
}

static void add_seg(st_logentry *le, uint64_t rows) {
    le->adds = realloc(le->adds, (le->nadds + 1) * sizeof *le->adds);
    st_segrec *r = &le->adds[le->nadds++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%032x", next_id_++);
    r->rows = rows;
    r->nruns = 1;
    r->runs = calloc(1, sizeof *r->runs);
    r->runs[0].rows = rows;
    r->runs[0].source = strdup("src");
    r->runs[0].ingest_id = r->runs[0].ingested_at = ST_LINEAGE_THIS;
}

/* Commit one segment of `rows` rows on top of *s. */
static st_status commit_rows(st_logstate *s, uint64_t rows, const char *app, uint64_t seq, bool *dup) {
    st_logentry *le = st_logentry_new();
    le->op = s->version < 0 ? ST_OP_CREATE : ST_OP_APPEND;
    if (s->version < 0) le->schema = schema1();
    add_seg(le, rows);
    if (app) {
        le->txn_app = strdup(app);
        le->txn_seq = seq;
    }
    st_status rc = st_table_commit(tb_, s, le, dup, &err_);
    st_logentry_free(le);
    return rc;
}

static uint64_t total_rows(const st_logstate *s) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->nsegs; i++) n += s->segs[i].rows;
    return n;
}

static void test_names(void **state) {
    (void)state;
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("Bronze.Sales", &n, &err_));
    assert_string_equal(n.full, "bronze.sales");
    ST_ASSERT_OK(st_tname_parse("bronze.sales__rejects", &n, &err_));
    assert_true(n.rejects);
    assert_string_equal(n.name, "sales");
    static const char *const bad[] = {"sales", "bronze.", "bronze.a/b", "bronze...", "bronze.../x",
                                      "bronze.a b", "plat.x", "bronze.9x", "bronze.a.b", "bronze.\xc3\xa9",
                                      "bronze.x__rejects__rejects", "", NULL};
    for (int i = 0; bad[i]; i++) ST_ASSERT_ERR(st_tname_parse(bad[i], &n, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_tname_parse("bronze.a/../../etc", &n, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "letters, digits and _"));
    int64_t us;
    ST_ASSERT_OK(st_duration_parse("7d", &us, &err_));
    assert_true(us == INT64_C(7) * 86400 * 1000000);
    ST_ASSERT_ERR(st_duration_parse("7x", &us, &err_), ST_ERR_INVALID);
    ST_ASSERT_ERR(st_duration_parse("-1h", &us, &err_), ST_ERR_INVALID);
}

static void test_commit_load_checkpoint(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    for (int i = 0; i < 25; i++) ST_ASSERT_OK(commit_rows(s, (uint64_t)i + 1, NULL, 0, NULL));
    assert_int_equal(s->version, 24);
    int64_t latest;
    ST_ASSERT_OK(st_table_latest(tb_, &latest, &err_));
    assert_int_equal(latest, 24);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/bronze/t/_log/00000000000000000010.checkpoint.json", dir_);
    assert_true(st_path_exists(p));
    snprintf(p, sizeof p, "%s/bronze/t/_log/00000000000000000020.checkpoint.json", dir_);
    assert_true(st_path_exists(p));
    /* every version: rows committed up to it, same as the writer's view */
    st_logstate *with_ck[25];
    for (int64_t v = 0; v <= 24; v++) {
        ST_ASSERT_OK(st_table_load(tb_, v, &with_ck[v], &err_));
        assert_int_equal(with_ck[v]->version, v);
        assert_int_equal(total_rows(with_ck[v]), (uint64_t)((v + 1) * (v + 2) / 2));
    }
    assert_true(st_logstate_equal(with_ck[24], s));
    /* without checkpoints (pure replay) the states are identical */
    snprintf(p, sizeof p, "%s/bronze/t/_log/00000000000000000010.checkpoint.json", dir_);
    unlink(p);
    snprintf(p, sizeof p, "%s/bronze/t/_log/00000000000000000020.checkpoint.json", dir_);
    /* a corrupt checkpoint is skipped, not trusted */
    FILE *f = fopen(p, "r+");
    fputs("garbage", f);
    fclose(f);
    for (int64_t v = 0; v <= 24; v++) {
        st_logstate *r;
        ST_ASSERT_OK(st_table_load(tb_, v, &r, &err_));
        assert_true(st_logstate_equal(r, with_ck[v]));
        st_logstate_free(r);
        st_logstate_free(with_ck[v]);
    }
    /* a version past the end names the range */
    st_logstate *r;
    ST_ASSERT_ERR(st_table_load(tb_, 25, &r, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "versions 0 to 24 exist"));
    st_logstate_free(s);
}

static void test_lost_race(void **state) {
    (void)state;
    st_logstate *a = st_logstate_new();
    ST_ASSERT_OK(commit_rows(a, 1, NULL, 0, NULL));
    st_logstate *b;
    ST_ASSERT_OK(st_table_load(tb_, -1, &b, &err_));
    ST_ASSERT_OK(commit_rows(a, 10, NULL, 0, NULL)); /* a wins version 1 */
    ST_ASSERT_OK(commit_rows(b, 100, NULL, 0, NULL)); /* b retries as 2 */
    assert_int_equal(b->version, 2);
    assert_int_equal(total_rows(b), 111);
    st_logentry *le;
    ST_ASSERT_OK(st_table_read_entry(tb_, 2, &le, &err_));
    assert_int_equal(le->read_version, 0);
    st_logentry_free(le);
    /* the loser's rows carry the version it finally got */
    assert_int_equal(b->segs[2].runs[0].ingest_id, 2);
    /* a create that loses to an identical create becomes an append */
    st_logstate_free(a);
    st_logstate_free(b);
}

static void test_create_race(void **state) {
    (void)state;
    st_logstate *a = st_logstate_new(), *b = st_logstate_new();
    ST_ASSERT_OK(commit_rows(a, 1, NULL, 0, NULL));
    ST_ASSERT_OK(commit_rows(b, 2, NULL, 0, NULL));
    assert_int_equal(b->version, 1);
    st_logentry *le;
    ST_ASSERT_OK(st_table_read_entry(tb_, 1, &le, &err_));
    assert_int_equal(le->op, ST_OP_APPEND);
    assert_null(le->schema);
    st_logentry_free(le);
    /* a create with another schema conflicts */
    st_logstate *c = st_logstate_new();
    st_logentry *x = st_logentry_new();
    x->op = ST_OP_CREATE;
    x->schema = st_tschema_new();
    ST_ASSERT_OK(st_tschema_add(x->schema, "y", st_type_make(ST_T_VARCHAR), 0, true, NULL, &err_));
    ST_ASSERT_ERR(st_table_commit(tb_, c, x, NULL, &err_), ST_ERR_CONFLICT);
    st_logentry_free(x);
    st_logstate_free(a);
    st_logstate_free(b);
    st_logstate_free(c);
}

static void test_idempotency(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    bool dup;
    ST_ASSERT_OK(commit_rows(s, 1, "loader", 5, &dup));
    assert_false(dup);
    st_logstate *stale;
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    ST_ASSERT_OK(commit_rows(s, 1, "loader", 5, &dup)); /* replay: known */
    assert_true(dup);
    ST_ASSERT_OK(commit_rows(s, 1, "loader", 6, &dup));
    assert_false(dup);
    /* a stale writer replaying seq 6 finds out while retrying */
    ST_ASSERT_OK(commit_rows(stale, 1, "loader", 6, &dup));
    assert_true(dup);
    ST_ASSERT_OK(commit_rows(stale, 1, "other", 6, &dup));
    assert_false(dup);
    int64_t latest;
    ST_ASSERT_OK(st_table_latest(tb_, &latest, &err_));
    assert_int_equal(latest, 2);
    st_logstate_free(s);
    st_logstate_free(stale);
}

static void test_conflict(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    for (int i = 0; i < 3; i++) ST_ASSERT_OK(commit_rows(s, 5, NULL, 0, NULL));
    st_logstate *stale;
    ST_ASSERT_OK(st_table_load(tb_, -1, &stale, &err_));
    /* compaction of segments 0 and 1, twice: the second one conflicts */
    for (int round = 0; round < 2; round++) {
        st_logstate *base = round ? stale : s;
        st_logentry *le = st_logentry_new();
        le->op = ST_OP_COMPACT;
        le->nremoves = 2;
        le->removes = calloc(2, sizeof *le->removes);
        memcpy(le->removes[0], stale->segs[0].id, ST_SEG_ID_LEN + 1);
        memcpy(le->removes[1], stale->segs[1].id, ST_SEG_ID_LEN + 1);
        add_seg(le, 10);
        st_status rc = st_table_commit(tb_, base, le, NULL, &err_);
        st_logentry_free(le);
        if (round == 0) ST_ASSERT_OK(rc);
        else {
            assert_int_equal(rc, ST_ERR_CONFLICT);
            assert_non_null(strstr(err_.msg, "was removed by version 3"));
        }
    }
    /* an append on the stale state still lands */
    st_logstate_free(stale);
    ST_ASSERT_OK(st_table_load(tb_, 2, &stale, &err_));
    ST_ASSERT_OK(commit_rows(stale, 1, NULL, 0, NULL));
    assert_int_equal(stale->version, 4);
    assert_int_equal(total_rows(stale), 16);
    st_logstate_free(s);
    st_logstate_free(stale);
}

static int64_t ts_of(const char *text) {
    int64_t us;
    ST_ASSERT_OK(st_parse_timestamp(text, strlen(text), &us, &err_));
    return us;
}

static void test_timestamps(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    setenv("STRATA_NOW", "2026-01-01 00:00:00", 1);
    ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL));
    ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL)); /* same "now": +1 ms */
    setenv("STRATA_NOW", "2025-06-01 00:00:00", 1); /* clock stepped back */
    ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL));
    setenv("STRATA_NOW", "2026-01-01 01:00:00", 1);
    ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL));
    int64_t t0 = ts_of("2026-01-01 00:00:00"), h = INT64_C(3600000000);
    int64_t want[4] = {t0, t0 + 1000, t0 + 2000, t0 + h};
    for (int v = 0; v < 4; v++) {
        st_logentry *le;
        ST_ASSERT_OK(st_table_read_entry(tb_, v, &le, &err_));
        assert_true(le->ts_us == want[v]);
        st_logentry_free(le);
    }
    /* resolution: exact hits, between commits, before the first, future */
    int64_t v;
    st_as_of a = ST_AS_OF_LATEST;
    a.ts_us = t0;
    ST_ASSERT_OK(st_table_resolve(tb_, a, true, &v, &err_));
    assert_int_equal(v, 0);
    a.ts_us = t0 + 999;
    ST_ASSERT_OK(st_table_resolve(tb_, a, true, &v, &err_));
    assert_int_equal(v, 0);
    a.ts_us = t0 + 2000;
    ST_ASSERT_OK(st_table_resolve(tb_, a, true, &v, &err_));
    assert_int_equal(v, 2);
    a.ts_us = t0 + h - 1;
    ST_ASSERT_OK(st_table_resolve(tb_, a, true, &v, &err_));
    assert_int_equal(v, 2);
    a.ts_us = t0 - 1;
    ST_ASSERT_ERR(st_table_resolve(tb_, a, true, &v, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "versions 0 to 3 exist"));
    assert_non_null(strstr(err_.msg, "2026-01-01 00:00:00"));
    /* after the latest commit but not after now: the latest */
    setenv("STRATA_NOW", "2026-01-01 03:00:00", 1);
    a.ts_us = t0 + 2 * h;
    ST_ASSERT_OK(st_table_resolve(tb_, a, true, &v, &err_));
    assert_int_equal(v, 3);
    /* in the future: refused, since a later commit could still land */
    a.ts_us = t0 + 5 * h;
    ST_ASSERT_ERR(st_table_resolve(tb_, a, true, &v, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "in the future"));
    /* --as-of text */
    ST_ASSERT_OK(st_as_of_parse("2", &a, &err_));
    assert_int_equal(a.version, 2);
    ST_ASSERT_OK(st_as_of_parse("2026-01-01 00:00:00.001", &a, &err_));
    assert_true(a.ts_us == t0 + 1000);
    ST_ASSERT_OK(st_table_resolve(tb_, a, true, &v, &err_));
    assert_int_equal(v, 1);
    ST_ASSERT_ERR(st_as_of_parse("yesterday", &a, &err_), ST_ERR_INVALID);
    a = ST_AS_OF_LATEST;
    a.version = 9;
    ST_ASSERT_ERR(st_table_resolve(tb_, a, true, &v, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "version 9 does not exist; versions 0 to 3 exist"));
    st_logstate_free(s);
}

static void test_damaged_log(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    for (int i = 0; i < 4; i++) ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL));
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/bronze/t/_log/00000000000000000002.json", dir_);
    /* torn: cut the file short */
    ST_ASSERT_OK(truncate(p, 40) == 0 ? ST_OK : ST_ERR_IO);
    st_logstate *r;
    ST_ASSERT_ERR(st_table_load(tb_, -1, &r, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "00000000000000000002.json"));
    assert_non_null(strstr(err_.msg, "torn or corrupt"));
    /* versions before the damage still load */
    ST_ASSERT_OK(st_table_load(tb_, 1, &r, &err_));
    st_logstate_free(r);
    /* a gap is damage too */
    unlink(p);
    ST_ASSERT_ERR(st_table_load(tb_, -1, &r, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "log entry 2 is missing"));
    st_logstate_free(s);
}

/* Write an encoded file without the durable path (test speed only). */
static void put_file(const char *path, const st_sbuf *sb) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(sb->p, 1, sb->len, f), sb->len);
    fclose(f);
}

static void test_ten_thousand_commits(void **state) {
    (void)state;
    ST_ASSERT_OK(st_table_prepare(tb_, &err_));
    st_logstate *s = st_logstate_new();
    st_sbuf sb = ST_SBUF_INIT;
    char p[PATH_MAX];
    const int N = 10000;
    for (int v = 0; v < N; v++) {
        st_logentry *le = st_logentry_new();
        le->version = v;
        le->ts_us = 1700000000000000 + v * 1000;
        le->read_version = v - 1;
        le->op = v ? ST_OP_APPEND : ST_OP_CREATE;
        if (!v) le->schema = schema1();
        add_seg(le, 1);
        st_sbuf_clear(&sb);
        ST_ASSERT_OK(st_logentry_encode(le, &sb, &err_));
        snprintf(p, sizeof p, "%s/bronze/t/_log/%020d.json", dir_, v);
        put_file(p, &sb);
        ST_ASSERT_OK(st_logstate_apply(s, le, p, &err_));
        st_logentry_free(le);
        if (v && v % 1000 == 0) {
            st_sbuf_clear(&sb);
            ST_ASSERT_OK(st_logstate_encode(s, &sb, &err_));
            snprintf(p, sizeof p, "%s/bronze/t/_log/%020d.checkpoint.json", dir_, v);
            put_file(p, &sb);
        }
    }
    /* damage an old entry: opening the latest never reads it */
    snprintf(p, sizeof p, "%s/bronze/t/_log/%020d.json", dir_, 4321);
    FILE *f = fopen(p, "r+");
    fputs("XXXX", f);
    fclose(f);
    st_logstate *r;
    ST_ASSERT_OK(st_table_load(tb_, -1, &r, &err_));
    assert_true(st_logstate_equal(r, s));
    assert_int_equal(r->nsegs, N);
    st_logstate_free(r);
    /* a version that needs the damaged entry reports it by name */
    ST_ASSERT_ERR(st_table_load(tb_, 4500, &r, &err_), ST_ERR_CORRUPT);
    assert_non_null(strstr(err_.msg, "00000000000000004321.json"));
    /* one more commit through the protocol lands on top */
    ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL));
    assert_int_equal(s->version, N);
    st_logstate_free(s);
    st_sbuf_free(&sb);
}

static void test_fsync_failure_poisons(void **state) {
    (void)state;
    st_logstate *s = st_logstate_new();
    ST_ASSERT_OK(commit_rows(s, 1, NULL, 0, NULL));
    setenv("STRATA_FAULT", "fsync:1:eio", 1);
    st_io_fault_reset();
    ST_ASSERT_ERR(commit_rows(s, 1, NULL, 0, NULL), ST_ERR_IO);
    unsetenv("STRATA_FAULT");
    st_io_fault_reset();
    /* the handle stays failed: no retry of anything after a failed fsync */
    ST_ASSERT_ERR(commit_rows(s, 1, NULL, 0, NULL), ST_ERR_IO);
    assert_int_equal(s->version, 0);
    /* a fresh handle (the next open) finds the table consistent */
    st_table *t2;
    st_tname n;
    ST_ASSERT_OK(st_tname_parse("bronze.t", &n, &err_));
    ST_ASSERT_OK(st_table_open(wh_, &n, &t2, &err_));
    st_logstate *r;
    ST_ASSERT_OK(st_table_load(t2, -1, &r, &err_));
    assert_int_equal(r->version, 0);
    st_logstate_free(r);
    st_table_close(t2);
    st_logstate_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_load_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ten_thousand_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_failure_poisons, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
