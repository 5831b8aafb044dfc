/*
 * gen_batch.c: the row-indexed sources: competitor_prices and market_data
 * (batches) and the reference tables products, customers and fx_rates.
 *
 * Row r of such a source is a function of (seed, r) alone, so chunks are
 * plain row ranges of GEN_CHUNK_ROWS.  The reference tables are clean (they
 * are what everything else is checked against); the two batches get
 * malformed records at bad_rate like the streams.
 *
 * competitor_prices is deliberately messy, as web-scraped data is: titles in
 * many styles (upper/lower case, doubled spaces, commas and quotes, local
 * languages), brands in varied case and spelling ("SAMSUNG", "Samsng",
 * "Apple Inc."), prices as text in the site's locale ("$1,299.00",
 * "1.299,00 €", "1 299,00 €" with a narrow no-break space, "£899"),
 * condition words ("Like New", "grade b", "refurb.", "Sehr gut"), and
 * scraped_at in UTC for US sites but local time with an offset for European
 * ones (CET/CEST, GMT/BST).  None of that is malformed: it is Silver's job to
 * standardize it.  Rows are in scrape-time order (nightly scraping runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gen/gen_int.h"
#include "format/types.h"

typedef struct batch_def {
    st_gen_source id;
    const gen_schema *schema;
    uint64_t bad_tag; /* 0: clean (reference table) */
    uint64_t (*rows)(double scale);
    /* build row r; *ts = its time for the manifest (INT64_MIN if none) */
    void (*row)(const gen_world *w, const void *state, uint64_t r, gen_row *row, int64_t *ts,
                uint8_t *flags);
    bool needs_alloc; /* competitor: rows placed over the year */
} batch_def;

typedef struct batch_state {
    const batch_def *def;
    uint64_t nrows;
    gen_alloc alloc;
} batch_state;

/* ---- text helpers ------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->n + n >= b->cap) n = b->cap - 1 - b->n;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}
static void sb_cstr(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_word(sbuf *b, const char *sep, const char *s) { /* sep only between words */
    if (!s || !*s) return;
    if (b->n) sb_cstr(b, sep);
    sb_cstr(b, s);
}
static void sb_case(sbuf *b, size_t from, int mode) { /* 1 upper, 2 lower (ASCII only) */
    for (size_t i = from; i < b->n; i++) {
        char c = b->p[i];
        if (mode == 1 && c >= 'a' && c <= 'z') b->p[i] = (char)(c - 32);
        if (mode == 2 && c >= 'A' && c <= 'Z') b->p[i] = (char)(c + 32);
    }
}

/* amount in hundredths, with a thousands separator and a decimal mark */
static void sb_amount(sbuf *b, int64_t cents, const char *thousands, char dec, bool decimals) {
    int64_t whole = decimals ? cents / 100 : (cents + 50) / 100;
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%lld", (long long)whole);
    for (int i = 0; i < nd; i++) {
        if (i && (nd - i) % 3 == 0 && thousands) sb_cstr(b, thousands);
        sb_put(b, &digits[i], 1);
    }
    if (decimals) {
        char f[4] = {dec, (char)('0' + cents % 100 / 10), (char)('0' + cents % 10), 0};
        sb_cstr(b, f);
    }
}

/* ---- competitor_prices -------------------------------------------------- */

static const gen_col competitor_cols[] = {
    {"site", GT_STR, true},           {"title", GT_STR, true},      {"brand", GT_STR, false},
    {"price_text", GT_STR, true},     {"condition_text", GT_STR, false},
    {"scraped_at", GT_TS, true},      {"availability", GT_STR, false},
};
static const gen_schema competitor_schema = {competitor_cols,
                                             sizeof competitor_cols / sizeof competitor_cols[0]};

enum { LOC_US, LOC_DE, LOC_FR, LOC_UK };
typedef struct site {
    const char *name;
    int locale, currency;
    double factor, weight;
} site;
static const site sites[] = {
    {"backmarket.com", LOC_US, 0, 1.00, 18}, {"swappa.com", LOC_US, 0, 0.95, 8},
    {"ebay.com", LOC_US, 0, 0.92, 16},       {"amazon.com", LOC_US, 0, 1.06, 10},
    {"gazelle.com", LOC_US, 0, 0.97, 5},     {"backmarket.fr", LOC_FR, 1, 1.00, 9},
    {"rebuy.de", LOC_DE, 1, 0.98, 8},        {"backmarket.de", LOC_DE, 1, 1.00, 8},
    {"musicmagpie.co.uk", LOC_UK, 2, 0.94, 9}, {"uk.webuy.com", LOC_UK, 2, 0.90, 9},
};
#define NSITES (sizeof sites / sizeof sites[0])

static const char *const cond_words[NCONDS][9] = {
    {"Like New", "like new", "Excellent", "Pristine", "grade a", "Grade A", "A-Grade", "Mint",
     "Used - Like New"},
    {"Very Good", "very good", "Good", "grade b", "Grade B", "B-Grade", "Used - Very Good",
     "Used - Good", "good"},
    {"Fair", "fair", "Acceptable", "grade c", "Grade C", "C-Grade", "Used - Acceptable",
     "Used - Fair", "ok"},
    {"refurb.", "Refurbished", "Renewed", "Certified Refurbished", "refurbished", "Refurb",
     "REFURBISHED", "Renewed Premium", "refurb"},
};
static const char *const cond_de[NCONDS] = {"Wie neu", "Sehr gut", "Akzeptabel", "Generalüberholt"};
static const char *const cond_fr[NCONDS] = {"Parfait état", "Très bon état", "État correct",
                                            "Reconditionné"};

static const char *brand_alias(const char *brand, uint32_t pick) {
    static const struct {
        const char *brand, *alias[3];
    } al[] = {
        {"Apple", {"Apple Inc.", "Aple", "Appel"}},
        {"Samsung", {"Samsung Electronics", "Samsng", "Samsumg"}},
        {"Google", {"Google LLC", "Gogle", "Google Inc"}},
        {"Sony", {"Sony Corp.", "Sonny", "Sony Corporation"}},
        {"Microsoft", {"MS", "Microsft", "Microsoft Corp"}},
        {"Dell", {"Dell Inc.", "Del", "Dell Technologies"}},
        {"Lenovo", {"Lenova", "Lenovo Group", "Lenevo"}},
        {"HP", {"Hewlett-Packard", "H.P.", "HP Inc."}},
        {"Asus", {"Asustek", "ASUSTeK", "Assus"}},
        {"Nintendo", {"Nintendo Co.", "Nintedo", "Nintendo of America"}},
    };
    for (size_t i = 0; i < sizeof al / sizeof al[0]; i++)
        if (!strcmp(al[i].brand, brand)) return al[i].alias[pick % 3];
    return NULL;
}

/* 2025 daylight saving time in the EU and UK: 2025-03-30 01:00 UTC to
 * 2025-10-26 01:00 UTC */
static bool eu_summer(int64_t t) {
    const int64_t from = (INT64_C(20177) * 24 + 1) * GEN_MS_HOUR; /* 2025-03-30 */
    const int64_t to = (INT64_C(20387) * 24 + 1) * GEN_MS_HOUR;   /* 2025-10-26 */
    return t >= from && t < to;
}

static void competitor_row(const gen_world *w, const void *state, uint64_t r, gen_row *row,
                           int64_t *ts, uint8_t *flags) {
    (void)flags;
    const batch_state *bs = state;
    uint32_t h = gen_alloc_hour(&bs->alloc, r);
    int64_t t = gen_alloc_time(&bs->alloc, h, r);
    *ts = t;
    gen_rng g = gen_rng_at(w->seed, TAG_COMP, r);
    double su = gen_unif(&g) * 100.0, acc = 0;
    const site *st = &sites[0];
    for (size_t i = 0; i < NSITES; i++) {
        acc += sites[i].weight;
        if (su < acc) {
            st = &sites[i];
            break;
        }
    }
    uint32_t p = gen_chance(&g, 0.7) ? gen_alias_draw(&w->product_pop, &g)
                                     : gen_below(&g, w->nproducts);
    const gen_product *pr = &w->products[p];
    const gen_model *m = &gen_models[pr->model];
    int cond = (int)gen_below(&g, NCONDS);

    /* condition text */
    const char *ctext;
    if (st->locale == LOC_DE && gen_chance(&g, 0.4)) ctext = cond_de[cond];
    else if (st->locale == LOC_FR && gen_chance(&g, 0.4)) ctext = cond_fr[cond];
    else ctext = cond_words[cond][gen_below(&g, 9)];
    bool no_cond = gen_chance(&g, 0.03);

    /* brand as scraped */
    char brand[64];
    sbuf bb = {brand, 0, sizeof brand};
    brand[0] = '\0';
    double bu = gen_unif(&g);
    uint32_t pick = gen_below(&g, 3);
    bool no_brand = false;
    if (bu < 0.55) sb_cstr(&bb, m->brand);
    else if (bu < 0.67) sb_cstr(&bb, m->brand), sb_case(&bb, 0, 1);
    else if (bu < 0.79) sb_cstr(&bb, m->brand), sb_case(&bb, 0, 2);
    else if (bu < 0.95) {
        const char *a = brand_alias(m->brand, pick);
        if (a) sb_cstr(&bb, a);
        else sb_cstr(&bb, m->brand), sb_cstr(&bb, " ");
    } else no_brand = true;

    /* storage text */
    char stor[16] = "";
    if (pr->storage_gb) {
        uint32_t sv = gen_below(&g, 3);
        if (pr->storage_gb >= 1024 && sv == 0) snprintf(stor, sizeof stor, "%uTB", pr->storage_gb / 1024);
        else if (sv == 1) snprintf(stor, sizeof stor, "%u GB", pr->storage_gb);
        else snprintf(stor, sizeof stor, "%uGB", pr->storage_gb);
    }

    /* title */
    char title[256];
    sbuf tb = {title, 0, sizeof title};
    title[0] = '\0';
    uint32_t style = gen_below(&g, 100);
    const char *lc = st->locale == LOC_DE ? cond_de[cond] : st->locale == LOC_FR ? cond_fr[cond] : ctext;
    if (style < 25) {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name), sb_word(&tb, " ", stor);
        sb_word(&tb, " ", pr->color), sb_word(&tb, " - ", ctext);
    } else if (style < 35) {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name), sb_word(&tb, " - ", stor);
        sb_word(&tb, " - ", pr->color);
        sb_case(&tb, 0, 1);
    } else if (style < 45) {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name), sb_word(&tb, " ", stor);
        sb_word(&tb, " ", pr->color), sb_cstr(&tb, "  refurbished");
        sb_case(&tb, 0, 2);
    } else if (style < 60) {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name), sb_word(&tb, ", ", stor);
        sb_word(&tb, ", ", pr->color);
        sb_cstr(&tb, " - \""), sb_cstr(&tb, ctext), sb_cstr(&tb, "\"");
    } else if (style < 70) {
        sb_cstr(&tb, m->name), sb_cstr(&tb, " ("), sb_cstr(&tb, stor[0] ? stor : pr->color);
        if (stor[0]) sb_cstr(&tb, ", "), sb_cstr(&tb, pr->color);
        sb_cstr(&tb, m->cat == CAT_PHONE ? ") Unlocked" : ")");
    } else if (style < 75) {
        sb_cstr(&tb, "  "), sb_cstr(&tb, m->brand), sb_word(&tb, " ", m->name);
        sb_word(&tb, " ", stor), sb_cstr(&tb, "  ");
    } else if (style < 90 && st->locale == LOC_DE) {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name), sb_word(&tb, " ", stor);
        sb_word(&tb, " ", pr->color), sb_word(&tb, " \xe2\x80\x93 ", lc); /* en dash */
    } else if (style < 90 && st->locale == LOC_FR) {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name);
        if (pr->storage_gb) {
            char go[16];
            snprintf(go, sizeof go, "%u Go", pr->storage_gb);
            sb_word(&tb, " ", go);
        }
        sb_word(&tb, " ", pr->color), sb_word(&tb, " - ", lc);
    } else {
        sb_word(&tb, " ", m->brand), sb_word(&tb, " ", m->name), sb_word(&tb, " ", stor);
    }

    /* price, in the site's currency and locale */
    double usd = gen_fair_usd(w, p, cond, t) * st->factor * (1.0 + 0.07 * gen_normal(&g));
    double local = usd / gen_fx(w, st->currency, t);
    int64_t cents = (int64_t)(local * 100 + 0.5);
    if (gen_chance(&g, 0.6)) cents = cents / 100 * 100 + 99;
    if (cents < 100) cents = 100;
    char price[64];
    sbuf pb = {price, 0, sizeof price};
    price[0] = '\0';
    uint32_t v = gen_below(&g, 100);
    switch (st->locale) {
    case LOC_US:
        if (v < 60) sb_cstr(&pb, "$"), sb_amount(&pb, cents, ",", '.', true);
        else if (v < 75) sb_cstr(&pb, "$"), sb_amount(&pb, cents, NULL, '.', false);
        else if (v < 85) sb_cstr(&pb, "USD "), sb_amount(&pb, cents, ",", '.', true);
        else if (v < 95) sb_amount(&pb, cents, NULL, '.', true), sb_cstr(&pb, " USD");
        else sb_cstr(&pb, "$ "), sb_amount(&pb, cents, ",", '.', false);
        break;
    case LOC_DE:
        if (v < 60) sb_amount(&pb, cents, ".", ',', true), sb_cstr(&pb, " \xe2\x82\xac");
        else if (v < 75) sb_amount(&pb, cents, NULL, ',', true), sb_cstr(&pb, " \xe2\x82\xac");
        else if (v < 85) sb_cstr(&pb, "\xe2\x82\xac"), sb_amount(&pb, cents, ".", ',', true);
        else if (v < 95) sb_cstr(&pb, "EUR "), sb_amount(&pb, cents, ".", ',', true);
        else sb_amount(&pb, cents, ".", ',', false), sb_cstr(&pb, " \xe2\x82\xac");
        break;
    case LOC_FR:
        if (v < 40) sb_amount(&pb, cents, "\xe2\x80\xaf", ',', true), sb_cstr(&pb, "\xc2\xa0\xe2\x82\xac");
        else if (v < 70) sb_amount(&pb, cents, " ", ',', true), sb_cstr(&pb, " \xe2\x82\xac");
        else if (v < 90) sb_amount(&pb, cents, NULL, ',', true), sb_cstr(&pb, "\xe2\x82\xac");
        else sb_cstr(&pb, "EUR "), sb_amount(&pb, cents, NULL, ',', true);
        break;
    default:
        if (v < 40) sb_cstr(&pb, "\xc2\xa3"), sb_amount(&pb, cents, NULL, '.', false);
        else if (v < 70) sb_cstr(&pb, "\xc2\xa3"), sb_amount(&pb, cents, NULL, '.', true);
        else if (v < 90) sb_cstr(&pb, "\xc2\xa3"), sb_amount(&pb, cents, ",", '.', true);
        else sb_cstr(&pb, "GBP "), sb_amount(&pb, cents, ",", '.', true);
        break;
    }

    static const char *const avail[] = {"In stock", "in stock", "Available", "Out of stock"};
    uint32_t av = gen_below(&g, 100);

    gen_row_cstr(row, st->name);
    gen_row_str(row, title, tb.n);
    if (no_brand) gen_row_null(row);
    else gen_row_str(row, brand, bb.n);
    gen_row_str(row, price, pb.n);
    if (no_cond) gen_row_null(row);
    else gen_row_cstr(row, ctext);
    if (st->locale == LOC_US) {
        gen_row_ts(row, w, t - t % 1000, TS_SEC, 0);
    } else {
        bool summer = eu_summer(t);
        int off = st->locale == LOC_UK ? (summer ? 60 : 0) : (summer ? 120 : 60);
        gen_row_ts(row, w, t - t % 1000, TS_OFFSET, off);
    }
    if (av < 10) {
        gen_row_null(row);
    } else if (av < 25) {
        char only[32];
        int n = snprintf(only, sizeof only, "Only %u left", 1 + gen_below(&g, 5));
        gen_row_str(row, only, (size_t)n);
    } else {
        gen_row_cstr(row, avail[av < 70 ? 0 : av < 80 ? 1 : av < 90 ? 2 : 3]);
    }
}

static uint64_t competitor_rows(double scale) {
    double n = 100000.0 * scale + 0.5;
    return n < 1 ? 1 : (uint64_t)n;
}

/* ---- market_data -------------------------------------------------------- */

static const gen_col market_cols[] = {
    {"category", GT_STR, true},     {"brand", GT_STR, true},    {"model", GT_STR, true},
    {"release_date", GT_DATE, true}, {"msrp", GT_DEC, true},    {"market_index", GT_DEC, true},
    {"as_of", GT_DATE, true},
};
static const gen_schema market_schema = {market_cols, sizeof market_cols / sizeof market_cols[0]};

static uint64_t market_rows(double scale) {
    (void)scale;
    return 12 * (uint64_t)gen_nmodels;
}

static void market_row(const gen_world *w, const void *state, uint64_t r, gen_row *row,
                       int64_t *ts, uint8_t *flags) {
    (void)state, (void)flags;
    uint32_t month = (uint32_t)(r / gen_nmodels), mi = (uint32_t)(r % gen_nmodels);
    const gen_model *m = &gen_models[mi];
    int32_t as_of = (int32_t)st_days_from_civil(2025, month + 1, 1);
    *ts = (int64_t)as_of * GEN_MS_DAY;
    gen_rng g = gen_rng_at(w->seed, TAG_MARKET, r);
    double idx = 100.0 * gen_model_value(w, mi, *ts) * (1.0 + 0.03 * gen_normal(&g));
    gen_row_cstr(row, gen_cat_names[m->cat]);
    gen_row_cstr(row, m->brand);
    gen_row_cstr(row, m->name);
    gen_row_date(row, w, (int32_t)st_days_from_civil(m->year, m->month, m->day));
    gen_row_dec(row, (int64_t)(m->msrp * 100 + 0.5), 2);
    gen_row_dec(row, (int64_t)(idx * 100 + 0.5), 2);
    gen_row_date(row, w, as_of);
}

/* ---- products ----------------------------------------------------------- */

static const gen_col products_cols[] = {
    {"product_id", GT_INT, true},  {"sku", GT_STR, true},          {"category", GT_STR, true},
    {"brand", GT_STR, true},       {"model", GT_STR, true},        {"storage_gb", GT_INT, false},
    {"release_year", GT_INT, true}, {"msrp", GT_DEC, true},        {"color", GT_STR, true},
};
static const gen_schema products_schema = {products_cols,
                                           sizeof products_cols / sizeof products_cols[0]};

static uint64_t products_rows(double scale) { return gen_world_product_count(scale); }

static void products_row(const gen_world *w, const void *state, uint64_t r, gen_row *row,
                         int64_t *ts, uint8_t *flags) {
    (void)state, (void)flags;
    const gen_product *p = &w->products[r];
    const gen_model *m = &gen_models[p->model];
    *ts = INT64_MIN;
    gen_row_int(row, p->id);
    gen_row_str(row, p->sku, p->sku_len);
    gen_row_cstr(row, gen_cat_names[m->cat]);
    gen_row_cstr(row, m->brand);
    gen_row_cstr(row, m->name);
    if (p->storage_gb) gen_row_int(row, p->storage_gb);
    else gen_row_null(row);
    gen_row_int(row, m->year);
    gen_row_dec(row, (int64_t)(p->msrp * 100 + 0.5), 2);
    gen_row_cstr(row, p->color);
}

/* ---- customers ---------------------------------------------------------- */

static const gen_col customers_cols[] = {
    {"customer_id", GT_INT, true}, {"signup_date", GT_DATE, true},
    {"country", GT_STR, true},     {"segment", GT_STR, true},
};
static const gen_schema customers_schema = {customers_cols,
                                            sizeof customers_cols / sizeof customers_cols[0]};

static uint64_t customers_rows(double scale) { return gen_world_customer_count(scale); }

static void customers_row(const gen_world *w, const void *state, uint64_t r, gen_row *row,
                          int64_t *ts, uint8_t *flags) {
    (void)state, (void)flags;
    uint32_t id = (uint32_t)r + 1;
    int32_t signup = gen_customer_signup(w, id);
    *ts = INT64_MIN;
    gen_row_int(row, id);
    gen_row_date(row, w, signup);
    gen_row_cstr(row, gen_country_codes[gen_customer_country(w, id)]);
    gen_row_cstr(row, gen_customer_segment(w, id));
}

/* ---- fx_rates ----------------------------------------------------------- */

static const gen_col fx_cols[] = {
    {"currency", GT_STR, true}, {"day", GT_DATE, true}, {"usd_rate", GT_DEC, true, 6}};
static const gen_schema fx_schema = {fx_cols, sizeof fx_cols / sizeof fx_cols[0]};

static uint64_t fx_rows(double scale) {
    (void)scale;
    return (uint64_t)NCURRENCIES * GEN_DAYS;
}

static void fx_row(const gen_world *w, const void *state, uint64_t r, gen_row *row, int64_t *ts,
                   uint8_t *flags) {
    (void)state, (void)flags;
    int day = (int)(r / NCURRENCIES), cur = (int)(r % NCURRENCIES);
    *ts = INT64_MIN;
    gen_row_cstr(row, gen_currency_codes[cur]);
    gen_row_date(row, w, GEN_DAY0 + day);
    gen_row_dec(row, (int64_t)(w->fx[cur][day] * 1e6 + 0.5), 6);
}

/* ---- the shared plan and chunk ------------------------------------------ */

static st_status batch_plan(const batch_def *d, const gen_world *w, void **state,
                            uint32_t *nchunks, st_error *e) {
    batch_state *s = calloc(1, sizeof *s);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    s->def = d;
    s->nrows = d->rows(w->scale);
    if (d->needs_alloc)
        gen_alloc_build(&s->alloc, w->scrape_hour_w, s->nrows, GEN_MS_HOUR, w->seed, 100 + d->id);
    *state = s;
    *nchunks = (uint32_t)((s->nrows + GEN_CHUNK_ROWS - 1) / GEN_CHUNK_ROWS);
    return ST_OK;
}

static st_status batch_chunk(const gen_world *w, void *state, uint32_t c, bool json, gen_out *out,
                             st_error *e) {
    const batch_state *s = state;
    const batch_def *d = s->def;
    uint64_t r0 = (uint64_t)c * GEN_CHUNK_ROWS, r1 = r0 + GEN_CHUNK_ROWS;
    if (r1 > s->nrows) r1 = s->nrows;
    gen_row row;
    for (uint64_t r = r0; r < r1; r++) {
        int64_t ts = INT64_MIN;
        uint8_t flags = 0;
        gen_row_begin(&row, json);
        d->row(w, s, r, &row, &ts, &flags);
        st_gen_bad bad = d->bad_tag ? gen_bad_pick(w, d->schema, json, d->bad_tag, r)
                                    : ST_GEN_BAD_NONE;
        gen_emit(out, d->schema, &row, bad, gen_mix(w->seed ^ d->bad_tag << 56 ^ r), ts, flags);
    }
    if (out->oom) return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    return ST_OK;
}

static void batch_done(void *state) { free(state); }

#define BATCH_IMPL(NAME, ID, BADTAG, ALLOC)                                                   \
    static const batch_def NAME##_def = {ID, &NAME##_schema, BADTAG, NAME##_rows, NAME##_row, \
                                         ALLOC};                                             \
    static st_status NAME##_plan(const gen_world *w, uint32_t threads, void **state,         \
                                 uint32_t *nchunks, st_error *e) {                           \
        (void)threads;                                                                        \
        return batch_plan(&NAME##_def, w, state, nchunks, e);                                \
    }                                                                                          \
    const gen_source_impl gen_src_##NAME = {ID,          &NAME##_schema, NAME##_rows,         \
                                            NAME##_plan, batch_chunk,    batch_done};

BATCH_IMPL(competitor, ST_GEN_COMPETITOR_PRICES, 4, true)
BATCH_IMPL(market, ST_GEN_MARKET_DATA, 5, false)
BATCH_IMPL(products, ST_GEN_PRODUCTS, 0, false)
BATCH_IMPL(customers, ST_GEN_CUSTOMERS, 0, false)
BATCH_IMPL(fx, ST_GEN_FX_RATES, 0, false)
