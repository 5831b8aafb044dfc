/*
 * test_dedup.c: the latest-row-per-key table and the lookups built on it,
 * against brute force: random keys of every shape (fixed-width compound,
 * strings, NULLs), random ordering triples, any offering order and batch
 * size gives the same winners; growth from a tiny size estimate; find;
 * repeat counts; lookup duplicates policies and containment matching.
 */
#include "test_util.h"

#include "engine/dedup.h"
#include "engine/lookup.h"
#include "format/hashvec.h"

enum { N = 20000 };

typedef struct row {
    int64_t a;
    int32_t b;
    char s[8];
    bool snull;
    int64_t ord, ing, line;
} row;

static row rows_[N];

static void make_rows(void) {
    st_test_seed(99);
    for (int i = 0; i < N; i++) {
        row *r = &rows_[i];
        r->a = (int64_t)(st_test_rand() % 700) - 300;
        r->b = (int32_t)(st_test_rand() % 5);
        snprintf(r->s, sizeof r->s, "k%u", (unsigned)(st_test_rand() % 40));
        r->snull = st_test_rand() % 17 == 0;
        r->ord = (int64_t)(st_test_rand() % 50);
        r->ing = (int64_t)(st_test_rand() % 4);
        r->line = i; /* unique: the triple is unique */
    }
}

/* run the table over rows in the order perm[], batches of `batch`; keys: mode 0 (a,b), 1 (s), 2 (a,s) */
static st_dedup *run_dedup(int mode, const int *perm, int batch, uint64_t expected) {
    st_type types[2];
    uint32_t nk = mode == 1 ? 1 : 2;
    if (mode == 0) types[0] = st_type_make(ST_T_INT64), types[1] = st_type_make(ST_T_INT32);
    if (mode == 1) types[0] = st_type_make(ST_T_VARCHAR);
    if (mode == 2) types[0] = st_type_make(ST_T_INT64), types[1] = st_type_make(ST_T_VARCHAR);
    st_dedup *d;
    ST_ASSERT_OK(st_dedup_new(types, nk, expected, &d, &err_));
    for (int off = 0; off < N; off += batch) {
        int m = N - off < batch ? N - off : batch;
        st_vector *c0 = st_vector_new(types[0], (uint32_t)m), *c1 = nk > 1 ? st_vector_new(types[1], (uint32_t)m) : NULL;
        static uint64_t h[N], ref[N];
        static int64_t ord[N], ing[N], line[N];
        for (int k = 0; k < m; k++) {
            const row *r = &rows_[perm[off + k]];
            if (mode == 1) {
                if (r->snull) ST_ASSERT_OK(st_vector_append_null(c0, &err_));
                else ST_ASSERT_OK(st_vector_append_str(c0, r->s, (uint32_t)strlen(r->s), &err_));
            } else {
                ST_ASSERT_OK(st_vector_append(c0, &r->a, &err_));
                if (mode == 0) ST_ASSERT_OK(st_vector_append(c1, &r->b, &err_));
                else if (r->snull) ST_ASSERT_OK(st_vector_append_null(c1, &err_));
                else ST_ASSERT_OK(st_vector_append_str(c1, r->s, (uint32_t)strlen(r->s), &err_));
            }
            ord[k] = r->ord;
            ing[k] = r->ing;
            line[k] = r->line;
            ref[k] = (uint64_t)perm[off + k];
        }
        st_vector *cols[2] = {c0, c1};
        st_hashvec_key(h, cols, nk, NULL, (uint32_t)m);
        ST_ASSERT_OK(st_dedup_offer(d, cols, NULL, (uint32_t)m, h, ord, ing, line, ref, &err_));
        st_vector_free(c0);
        st_vector_free(c1);
    }
    return d;
}

static bool same_key(int mode, const row *x, const row *y) {
    if (mode == 0) return x->a == y->a && x->b == y->b;
    bool s = x->snull == y->snull && (x->snull || !strcmp(x->s, y->s));
    return mode == 1 ? s : x->a == y->a && s;
}

static bool newer(const row *x, const row *y) {
    if (x->ord != y->ord) return x->ord > y->ord;
    if (x->ing != y->ing) return x->ing > y->ing;
    return x->line > y->line;
}

static void test_winners(void **state) {
    (void)state;
    make_rows();
    static int perm[N], rev[N];
    for (int i = 0; i < N; i++) perm[i] = i, rev[i] = N - 1 - i;
    for (int mode = 0; mode < 3; mode++) {
        /* brute force winners */
        static int win[N];
        int nwin = 0;
        for (int i = 0; i < N; i++) {
            int k = -1;
            for (int j = 0; j < nwin; j++)
                if (same_key(mode, &rows_[win[j]], &rows_[i])) k = j;
            if (k < 0) win[nwin++] = i;
            else if (newer(&rows_[i], &rows_[win[k]])) win[k] = i;
        }
        st_dedup *a = run_dedup(mode, perm, 1000, 0), *b = run_dedup(mode, rev, 777, 5);
        assert_int_equal(st_dedup_size(a), nwin);
        assert_int_equal(st_dedup_size(b), nwin);
        assert_int_equal(st_dedup_offered(a), N);
        /* same winners whatever the order and batch size */
        static uint8_t is_win[N];
        memset(is_win, 0, sizeof is_win);
        for (int j = 0; j < nwin; j++) is_win[win[j]] = 1;
        for (uint64_t i = 0; i < st_dedup_size(a); i++) assert_true(is_win[st_dedup_entry(a, i)->ref]);
        for (uint64_t i = 0; i < st_dedup_size(b); i++) assert_true(is_win[st_dedup_entry(b, i)->ref]);
        uint64_t total = 0;
        for (uint64_t i = 0; i < st_dedup_size(a); i++) total += st_dedup_count(a, i);
        assert_int_equal(total, N);
        st_dedup_free(a);
        st_dedup_free(b);
    }
}

static void test_find_and_hits(void **state) {
    (void)state;
    st_type t = st_type_make(ST_T_INT64);
    st_dedup *d;
    ST_ASSERT_OK(st_dedup_new(&t, 1, 0, &d, &err_));
    st_vector *v = st_vector_new(t, 8);
    int64_t vals[6] = {5, 7, 5, 9, 7, 5};
    for (int i = 0; i < 6; i++) ST_ASSERT_OK(st_vector_append(v, &vals[i], &err_));
    uint64_t h[6], ref[6];
    int64_t z[6] = {0}, line[6], hit[6];
    for (int i = 0; i < 6; i++) line[i] = i, ref[i] = (uint64_t)i;
    st_hashvec_key(h, &v, 1, NULL, 6);
    ST_ASSERT_OK(st_dedup_offer_hits(d, &v, NULL, 6, h, z, z, line, ref, hit, &err_));
    int64_t want[6] = {-1, -1, 0, -1, 1, 0};
    assert_memory_equal(hit, want, sizeof want);
    assert_int_equal(st_dedup_count(d, 0), 3);
    assert_int_equal(st_dedup_entry(d, 0)->ref, 5); /* the last 5 has the greatest line */
    /* find: an absent key gives -1; an int32 column finds int64 keys */
    st_vector *q = st_vector_new(st_type_make(ST_T_INT32), 2);
    int32_t qv[2] = {9, 8};
    for (int i = 0; i < 2; i++) ST_ASSERT_OK(st_vector_append(q, &qv[i], &err_));
    int64_t found[2];
    uint64_t qh[2];
    st_hashvec_key(qh, &q, 1, NULL, 2);
    /* keys serialize by normalized words, so the widths agree */
    ST_ASSERT_OK(st_dedup_find(d, &q, NULL, 2, qh, found, &err_));
    assert_int_equal(found[0], 2);
    assert_int_equal(found[1], -1);
    st_vector_free(q);
    st_vector_free(v);
    st_dedup_free(d);
}

static st_vector *strs(const char *const *v, uint32_t n) {
    st_vector *x = st_vector_new(st_type_make(ST_T_VARCHAR), n);
    for (uint32_t i = 0; i < n; i++) {
        if (v[i]) ST_ASSERT_OK(st_vector_append_str(x, v[i], (uint32_t)strlen(v[i]), &err_));
        else ST_ASSERT_OK(st_vector_append_null(x, &err_));
    }
    return x;
}

static void test_lookup(void **state) {
    (void)state;
    /* equality with duplicate keys */
    const char *cur[] = {"USD", "EUR", "EUR", "GBP", NULL};
    st_vector *k = strs(cur, 5);
    st_lookup *lk;
    ST_ASSERT_ERR(st_lookup_build("fx", &k, 1, NULL, 0, 5, 0, &lk, &err_), ST_ERR_INVALID);
    assert_non_null(strstr(err_.msg, "rows 2 and 3"));
    const char *probe[] = {"EUR", "JPY", NULL, "USD"};
    st_vector *p = strs(probe, 4);
    int64_t m[4];
    ST_ASSERT_OK(st_lookup_build("fx", &k, 1, NULL, 0, 5, 1, &lk, &err_));
    ST_ASSERT_OK(st_lookup_probe(lk, &p, NULL, 4, m, &err_));
    int64_t want_first[4] = {1, -1, -1, 0};
    assert_memory_equal(m, want_first, sizeof m);
    st_lookup_free(lk);
    ST_ASSERT_OK(st_lookup_build("fx", &k, 1, NULL, 0, 5, 2, &lk, &err_));
    ST_ASSERT_OK(st_lookup_probe(lk, &p, NULL, 4, m, &err_));
    assert_int_equal(m[0], 2);
    st_lookup_free(lk);
    st_vector_free(p);
    st_vector_free(k);
    /* brand equality + model containment (required) + colour (a bonus) */
    const char *brand[] = {"Apple", "Apple", "Apple", "Apple", "Samsung"};
    const char *model[] = {"iPhone 13", "iPhone 13 mini", "iPhone 13 mini", "iPhone 13 Pro", "Galaxy S22"};
    const char *color[] = {"Black", "Midnight", "Pink", "Gold", "Black"};
    st_vector *keys = strs(brand, 5), *cont[2] = {strs(model, 5), strs(color, 5)};
    ST_ASSERT_OK(st_lookup_build("product", &keys, 1, cont, 2, 5, 0, &lk, &err_));
    const char *pb[] = {"Apple", "Apple", "Apple", "Samsung", "Apple", NULL};
    const char *pt[] = {"Apple iPhone 13 mini, 128GB, Pink - \"Grade C\"", "APPLE IPHONE 13 - 128 GB - MIDNIGHT",
                        "apple iphone 13 pro max 256gb", "samsung galaxy s22 128 gb phantom black", "iphone 135",
                        "iPhone 13"};
    st_vector *qb = strs(pb, 6), *qt = strs(pt, 6), *qc[2] = {qt, qt};
    int64_t mm[6];
    ST_ASSERT_OK(st_lookup_probe(lk, &qb, qc, 6, mm, &err_));
    int64_t want[6] = {2, 0, 3, 4, -1, -1};
    assert_memory_equal(mm, want, sizeof want);
    st_lookup_free(lk);
    st_vector_free(keys);
    st_vector_free(cont[0]);
    st_vector_free(cont[1]);
    st_vector_free(qb);
    st_vector_free(qt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_winners),
        cmocka_unit_test(test_find_and_hits),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
