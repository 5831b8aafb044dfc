/*
 * gen_int.h: what the generator's files share (private to bench/gen/).
 *
 *   gen_world.c    the world model: catalogue, customers, currencies and fx
 *                  rates, calendar and intensity curves, the price model
 *   gen_emit.c     rows -> CSV / NDJSON text, malformed-record injection
 *   gen_stream.c   the stream machinery (entities placed over the year,
 *                  events expanded from them, time windows as chunks) and the
 *                  three streams: sales, activity, pricing
 *   gen_batch.c    the row-indexed sources: competitor_prices, market_data,
 *                  products, customers, fx_rates
 *   gen_run.c      options, planning, the parallel chunk schedule with
 *                  in-order writes, the temporary folder, the manifest
 *
 * Randomness is counter-based: gen_rng_at(seed, tag, k) starts an independent
 * stream for entity k of kind tag, so any record can be generated alone, in
 * any chunk, on any thread, and comes out the same.
 */
#ifndef ST_GEN_INT_H
#define ST_GEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/gen/gen.h"
#include "format/status.h"

/* ---- randomness --------------------------------------------------------- */

static inline uint64_t gen_mix(uint64_t x) {
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

typedef struct gen_rng {
    uint64_t s;
} gen_rng;

/* Tags keep the streams of different entity kinds apart. */
enum {
    TAG_SALES_S = 1, TAG_SALES_O, TAG_SALES_L, TAG_ACT_S, TAG_ACT_U, TAG_ACT_E,
    TAG_PRICING, TAG_COMP, TAG_MARKET, TAG_CUST, TAG_PROD, TAG_FX, TAG_BAD,
    TAG_ALLOC, TAG_NOISE, TAG_PERM
};

static inline gen_rng gen_rng_at(uint64_t seed, uint64_t tag, uint64_t k) {
    gen_rng r = {gen_mix(seed ^ gen_mix(tag * UINT64_C(0x9e3779b97f4a7c15) ^ gen_mix(k + tag)))};
    return r;
}
static inline uint64_t gen_next(gen_rng *r) {
    r->s += UINT64_C(0x9e3779b97f4a7c15);
    return gen_mix(r->s);
}
/* uniform in [0, 1) */
static inline double gen_unif(gen_rng *r) { return (double)(gen_next(r) >> 11) * 0x1p-53; }
/* uniform integer in [0, n) (n > 0) */
static inline uint32_t gen_below(gen_rng *r, uint32_t n) {
    return (uint32_t)(((unsigned __int128)gen_next(r) * n) >> 64);
}
static inline bool gen_chance(gen_rng *r, double p) { return gen_unif(r) < p; }
/* uniform in [a, b) */
static inline double gen_range(gen_rng *r, double a, double b) { return a + (b - a) * gen_unif(r); }
/* approximately standard normal (Irwin-Hall of 4): no libm, cheap, bounded */
static inline double gen_normal(gen_rng *r) {
    return (gen_unif(r) + gen_unif(r) + gen_unif(r) + gen_unif(r) - 2.0) * 1.7320508075688772;
}

/* Walker alias table: O(1) draws from a fixed discrete distribution.
 * Thresholds are integers so a draw involves no floating point. */
typedef struct gen_alias {
    uint32_t n;
    uint32_t *thr;   /* accept i when (u32 random) < thr[i] */
    uint32_t *alias;
} gen_alias;

st_status gen_alias_build(gen_alias *a, const double *w, uint32_t n, st_error *e);
void gen_alias_free(gen_alias *a);
static inline uint32_t gen_alias_draw(const gen_alias *a, gen_rng *r) {
    uint64_t x = gen_next(r);
    uint32_t i = (uint32_t)(((unsigned __int128)(x & 0xffffffffu) * a->n) >> 32);
    return (uint32_t)(x >> 32) < a->thr[i] ? i : a->alias[i];
}

/* ---- time --------------------------------------------------------------- */

#define GEN_MS_HOUR INT64_C(3600000)
#define GEN_MS_DAY INT64_C(86400000)
#define GEN_DAYS 365
#define GEN_HOURS (GEN_DAYS * 24)
#define GEN_DAY0 20089 /* 2025-01-01 in days since 1970-01-01 */
#define GEN_T0 ((int64_t)GEN_DAY0 * GEN_MS_DAY)
#define GEN_T1 (GEN_T0 + GEN_DAYS * GEN_MS_DAY)
/* Date strings are precomputed for this range of days (2010-01-01 ..). */
#define GEN_DATES_FROM 14610
#define GEN_DATES_N 6575

/* Entities placed over the hours of the year, as many per hour as a weight
 * curve asks: entity k's time is non-decreasing in k (gen_stream.c). */
typedef struct gen_alloc {
    uint64_t n;
    uint64_t start[GEN_HOURS + 1]; /* first entity of each hour */
    int64_t span_ms;               /* entities of an hour spread over [0, span) */
    uint64_t seed, tag;
} gen_alloc;

void gen_alloc_build(gen_alloc *a, const double *w, uint64_t n, int64_t span_ms, uint64_t seed,
                     uint64_t tag);
/* hour h such that start[h] <= k < start[h+1] */
uint32_t gen_alloc_hour(const gen_alloc *a, uint64_t k);
/* placement time (ms) of entity k, which lies in hour h */
int64_t gen_alloc_time(const gen_alloc *a, uint32_t h, uint64_t k);
/* first entity placed at or after hour h (0 before the year, n after it) */
uint64_t gen_alloc_first_of_hour(const gen_alloc *a, int64_t h);

/* ---- the world model ---------------------------------------------------- */

enum { CAT_PHONE, CAT_LAPTOP, CAT_TABLET, CAT_WATCH, CAT_AUDIO, CAT_CAMERA, CAT_CONSOLE, NCATS };
enum { COND_A, COND_B, COND_C, COND_REFURB, NCONDS };
enum { NCURRENCIES = 9, NCOUNTRIES = 13 };

typedef struct gen_model {
    uint8_t cat;
    const char *brand;
    const char *name;
    const char *code;      /* short, unique: the start of the sku */
    int16_t year;
    uint8_t month;
    uint8_t day;
    double msrp;           /* USD, smallest storage */
    const char *storages;  /* "128,256,512" or "" */
    const char *colors;    /* "Black,White" or "" (category default) */
} gen_model;

typedef struct gen_product {
    uint32_t id;       /* 1-based */
    uint16_t model;    /* index into gen_models */
    uint16_t storage_gb; /* 0 = none */
    char color[24];
    char sku[32];
    uint8_t sku_len;
    double msrp;       /* USD */
    double age_at_t0;  /* years from release to 2025-01-01 */
} gen_product;

typedef struct gen_world {
    uint64_t seed;
    double scale;
    double bad_rate;
    int fmt_as;                /* st_gen_as */
    uint32_t nmodels;
    const gen_model *models;
    uint32_t nproducts;
    gen_product *products;     /* [nproducts], index = id - 1 */
    gen_alias product_pop;     /* over product indexes */
    uint32_t ncustomers;
    uint32_t *cust_by_rank;    /* rank -> customer id */
    uint32_t *rank_of_cust;    /* customer id - 1 -> rank */
    gen_alias cust_pop;        /* over ranks (Zipf) */
    double fx[NCURRENCIES][GEN_DAYS]; /* USD per unit */
    double sales_hour_w[GEN_HOURS];   /* intensity of orders and sessions */
    double flat_hour_w[GEN_HOURS];    /* intensity of pricing runs */
    double scrape_hour_w[GEN_HOURS];  /* intensity of competitor scraping */
    double promo[GEN_DAYS];           /* gen_promo_level of each day */
    char dates[GEN_DATES_N][11];      /* "YYYY-MM-DD" */
} gen_world;

extern const gen_model gen_models[];
extern const uint32_t gen_nmodels;
extern const char *const gen_cat_names[NCATS];
extern const char *const gen_cond_names[NCONDS];
extern const char *const gen_currency_codes[NCURRENCIES];
extern const char *const gen_country_codes[NCOUNTRIES];
extern const uint8_t gen_country_currency[NCOUNTRIES];

st_status gen_world_build(gen_world *w, const st_gen_options *o, st_error *e);
void gen_world_free(gen_world *w);

uint32_t gen_world_product_count(double scale);
uint32_t gen_world_customer_count(double scale);

/* A customer id drawn with Zipf skew (heavy customers). */
static inline uint32_t gen_draw_customer(const gen_world *w, gen_rng *r) {
    return w->cust_by_rank[gen_alias_draw(&w->cust_pop, r)];
}
/* Per-customer attributes derived from (seed, id). */
int gen_customer_country(const gen_world *w, uint32_t id);
const char *gen_customer_segment(const gen_world *w, uint32_t id);
int32_t gen_customer_signup(const gen_world *w, uint32_t id);

/* Fair used price in USD of product index p in condition c at time t. */
double gen_fair_usd(const gen_world *w, uint32_t p, int cond, int64_t t_ms);
/* Used value as a share of MSRP for a model at time t (market_index / 100). */
double gen_model_value(const gen_world *w, uint32_t model, int64_t t_ms);
/* fx rate (USD per unit) for currency c on the day of t (clamped to the year). */
static inline double gen_fx(const gen_world *w, int c, int64_t t_ms) {
    int64_t d = (t_ms - GEN_T0) / GEN_MS_DAY;
    if (d < 0) d = 0;
    if (d >= GEN_DAYS) d = GEN_DAYS - 1;
    return w->fx[c][d];
}
/* Black-Friday-like promotion level of the day of t: 0 (none) .. 1. */
double gen_promo_level(int64_t t_ms);
/* A search query a shopper might type for product p (possibly messy). */
size_t gen_search_text(const gen_world *w, uint32_t p, gen_rng *r, char *out, size_t cap);

/* ---- text output -------------------------------------------------------- */

enum { GT_INT, GT_DEC, GT_STR, GT_TS, GT_DATE, GT_BOOL };

typedef struct gen_col {
    const char *name;
    uint8_t type;
    bool required;
    uint8_t scale; /* GT_DEC: fractional digits (0 means 2) */
} gen_col;

typedef struct gen_schema {
    const gen_col *cols;
    uint32_t ncols;
} gen_schema;

#define GEN_ROW_MAX_FIELDS 24
#define GEN_ROW_TEXT 2048

/* One record being built: field texts in an arena, in schema order. */
typedef struct gen_row {
    bool json;               /* the target format (timestamps are styled by it) */
    uint32_t n;
    uint32_t used;
    struct {
        uint16_t off, len;
        bool null;
        bool as_string;      /* JSON: quote even if the column is numeric */
        bool omit;           /* dropped (missing field) */
    } f[GEN_ROW_MAX_FIELDS];
    char text[GEN_ROW_TEXT];
} gen_row;

/* timestamp text styles */
enum {
    TS_SEC,        /* CSV "2025-03-01 12:34:56"      JSON "2025-03-01T12:34:56Z" */
    TS_MS,         /* CSV "2025-03-01 12:34:56.123"  JSON "2025-03-01T12:34:56.123Z" */
    TS_OFFSET      /* "2025-03-01T13:34:56+01:00" (local wall time, any format) */
};

void gen_row_begin(gen_row *r, bool json);
void gen_row_int(gen_row *r, int64_t v);
/* unscaled value with `scale` fractional digits (2 -> 12.34) */
void gen_row_dec(gen_row *r, int64_t unscaled, int scale);
void gen_row_str(gen_row *r, const char *s, size_t n);
void gen_row_cstr(gen_row *r, const char *s);
void gen_row_null(gen_row *r);
void gen_row_bool(gen_row *r, bool v);
void gen_row_ts(gen_row *r, const gen_world *w, int64_t ms, int style, int offset_min);
void gen_row_date(gen_row *r, const gen_world *w, int32_t days);

/* Growable chunk output: text plus per-row facts for the manifest. */
enum { GEN_F_DUP = 1, GEN_F_LATE = 2, GEN_F_ORPHAN = 4 };

typedef struct gen_out {
    char *p;
    size_t len, cap;
    uint32_t nrows, rows_cap;
    uint32_t *row_end;   /* offset just past each row's newline */
    int64_t *row_ts;     /* event time of each row (ms), INT64_MIN if none */
    uint8_t *row_flags;  /* GEN_F_* */
    uint8_t *row_bad;    /* st_gen_bad */
    bool oom;
} gen_out;

void gen_out_free(gen_out *o);
void gen_out_reset(gen_out *o);
/* Append raw bytes (used for headers). */
void gen_out_put(gen_out *o, const void *p, size_t n);

/* Write the header line (CSV only; NDJSON has none). */
void gen_emit_header(gen_out *o, const gen_schema *s, bool json);
/* Decide whether the record keyed by key is malformed (bad_rate) and how:
 * returns ST_GEN_BAD_NONE or a kind eligible for this schema and format. */
st_gen_bad gen_bad_pick(const gen_world *w, const gen_schema *s, bool json, uint64_t tag,
                        uint64_t key);
/* Serialize r as one line (applying the malformed kind `bad`, chosen with the
 * randomness of key) and record its facts. */
void gen_emit(gen_out *o, const gen_schema *s, gen_row *r, st_gen_bad bad, uint64_t key,
              int64_t ts, uint8_t flags);

/* ---- sources ------------------------------------------------------------ */

/* A source cut into chunks.  plan() runs once (single-threaded; may do its
 * own parallel work with `threads`), chunk() any number of times in parallel. */
typedef struct gen_source_impl {
    st_gen_source id;
    const gen_schema *schema;
    uint64_t (*planned_rows)(double scale);
    /* prepare: fills *nchunks; state goes to *state (freed by done) */
    st_status (*plan)(const gen_world *w, uint32_t threads, void **state, uint32_t *nchunks,
                      st_error *e);
    st_status (*chunk)(const gen_world *w, void *state, uint32_t c, bool json, gen_out *out,
                       st_error *e);
    void (*done)(void *state);
} gen_source_impl;

extern const gen_source_impl gen_src_sales, gen_src_activity, gen_src_pricing;
extern const gen_source_impl gen_src_competitor, gen_src_market, gen_src_products,
    gen_src_customers, gen_src_fx;

/* rows per chunk for row-indexed sources; target rows per stream window */
#define GEN_CHUNK_ROWS 65536

#endif /* ST_GEN_INT_H */
