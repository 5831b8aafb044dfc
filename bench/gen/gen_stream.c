/*
 * gen_stream.c: the three streams (sales, activity, pricing) and the
 * machinery they share.
 *
 * Entities and events.  A stream is made of entities (an order, a browsing
 * session, a price suggestion) placed over the year: entity k is placed at
 * T(k), non-decreasing in k, with as many entities per hour as the hour's
 * intensity asks (the allocation).  An entity expands into events, each with
 * an event time `ts` and an arrival time: arrival = ts + a delivery delay
 * (mostly milliseconds to seconds, so the stream is mostly in event-time
 * order; sometimes minutes, so events arrive out of order; rarely hours or
 * days: late events).  An event may also be delivered twice (at-least-once):
 * the copy arrives a little later and is byte-identical.  The file is the
 * stream in arrival order.
 *
 * Chunks are time windows of arrival.  Window c covers arrivals in
 * [lo_c, hi_c); to fill it, every entity placed in [lo_c - max_span, hi_c) is
 * expanded (max_span bounds arrival - placement) and its events arriving in
 * the window are kept, then sorted by (arrival, entity, event).  An entity is
 * generated from its own random stream, so expanding it again in the next
 * window gives the same events: windows are independent and can be made in
 * parallel, and their layout depends only on the scale.
 *
 * Exact row counts.  The number of entities n is calibrated so the year holds
 * at least the planned number of events N (a counting pass expands every
 * entity without formatting; two or three passes), and the writer cuts the
 * stream at exactly N events: the stream ends a few minutes before the year
 * does.  Structure (how many events, when) and payload (who, what, at which
 * price) use separate random streams, so counting never formats anything.
 *
 * Sales lifecycle per order line, as events of the same (order_id, line_no)
 * with strictly increasing ts: placed -> paid -> shipped -> delivered, then
 * sometimes refunded; or cancelled (payment failed, out of stock after
 * payment); a parcel lost in transit is refunded without a delivery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gen/gen_int.h"
#include "format/pool.h"

/* ---- events ------------------------------------------------------------- */

typedef struct gen_event {
    int64_t arrival, ts;
    int64_t placed; /* the entity's placement time */
    uint64_t k;
    uint32_t seq; /* unique within the entity; bit 0: the duplicate copy */
    uint16_t a, b;
    uint8_t flags;
} gen_event;

typedef struct gen_evbuf {
    gen_event *ev;
    size_t n, cap;
    bool oom;
} gen_evbuf;

/* Expansion context: which arrivals to keep, and where. */
typedef struct xctx {
    int64_t lo, hi;
    int64_t placed;
    gen_evbuf *out; /* NULL: count only */
    uint64_t count;
} xctx;

static void ev_push(xctx *x, int64_t arrival, int64_t ts, uint64_t k, uint32_t seq, uint16_t a,
                    uint16_t b, uint8_t flags) {
    if (arrival < x->lo || arrival >= x->hi) return;
    x->count++;
    gen_evbuf *o = x->out;
    if (!o || o->oom) return;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 65536;
        gen_event *p = realloc(o->ev, cap * sizeof *p);
        if (!p) {
            o->oom = true;
            return;
        }
        o->ev = p;
        o->cap = cap;
    }
    gen_event *e = &o->ev[o->n++];
    e->arrival = arrival;
    e->ts = ts;
    e->placed = x->placed;
    e->k = k;
    e->seq = seq;
    e->a = a;
    e->b = b;
    e->flags = flags;
}

/* delivery delays (ms) */
typedef struct delay_model {
    double p_fast, p_slow;       /* else late */
    double fast_lo, fast_hi;     /* ms */
    double slow_lo, slow_hi;
    double late_lo, late_hi;
    double p_dup, dup_lo, dup_hi;
} delay_model;

/* One event at ts: its arrival, maybe a duplicate.  Draws a fixed number of
 * values from r whatever the window, so expansion stays deterministic. */
static void emit_event(xctx *x, gen_rng *r, const delay_model *m, int64_t ts, uint64_t k,
                       uint32_t seq, uint16_t a, uint16_t b) {
    double u = gen_unif(r), v = gen_unif(r), v3 = v * v * v;
    double d;
    uint8_t fl = 0;
    if (u < m->p_fast) d = m->fast_lo + (m->fast_hi - m->fast_lo) * v3;
    else if (u < m->p_fast + m->p_slow) d = m->slow_lo + (m->slow_hi - m->slow_lo) * v3;
    else d = m->late_lo + (m->late_hi - m->late_lo) * v3;
    if (d > GEN_MS_HOUR) fl |= GEN_F_LATE;
    int64_t arrival = ts + (int64_t)d;
    bool dup = gen_unif(r) < m->p_dup;
    double dd = m->dup_lo + (m->dup_hi - m->dup_lo) * gen_unif(r);
    ev_push(x, arrival, ts, k, seq << 1, a, b, fl);
    if (dup) ev_push(x, arrival + (int64_t)dd, ts, k, seq << 1 | 1, a, b, (uint8_t)(fl | GEN_F_DUP));
}

static int ev_cmp(const void *pa, const void *pb) {
    const gen_event *a = pa, *b = pb;
    if (a->arrival != b->arrival) return a->arrival < b->arrival ? -1 : 1;
    if (a->k != b->k) return a->k < b->k ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- stream definitions -------------------------------------------------- */

typedef struct stream_def {
    st_gen_source id;
    uint64_t per_scale;     /* planned rows at scale 1 */
    double events_guess;    /* events per entity, to start the calibration */
    int64_t max_span_ms;    /* bound on arrival - placement */
    int64_t span_in_hour;   /* entities of an hour are placed in [0, this) */
    int curve;              /* 0 sales, 1 flat */
    void (*expand)(const gen_world *w, uint64_t k, int64_t t, xctx *x);
    void (*format)(const gen_world *w, const gen_event *ev, gen_row *row, uint8_t *flags);
    const gen_schema *schema;
    uint64_t bad_tag;
} stream_def;

typedef struct stream_state {
    const stream_def *def;
    gen_alloc alloc;
    uint32_t nwin;
    uint32_t *win_hour; /* [nwin + 1] window c covers hours [win_hour[c], win_hour[c+1]) */
} stream_state;

static const double *curve_of(const gen_world *w, int curve) {
    return curve == 0 ? w->sales_hour_w : w->flat_hour_w;
}

/* ---- sales --------------------------------------------------------------- */

static const gen_col sales_cols[] = {
    {"order_id", GT_INT, true},     {"line_no", GT_INT, true},   {"customer_id", GT_INT, true},
    {"product_id", GT_INT, true},   {"sku", GT_STR, true},       {"category", GT_STR, true},
    {"brand", GT_STR, true},        {"condition", GT_STR, true}, {"quantity", GT_INT, true},
    {"unit_price", GT_DEC, true},   {"currency", GT_STR, true},  {"discount", GT_DEC, true},
    {"country", GT_STR, true},      {"status", GT_STR, true},    {"ts", GT_TS, true},
};
static const gen_schema sales_schema = {sales_cols, sizeof sales_cols / sizeof sales_cols[0]};

enum { ST_PLACED, ST_PAID, ST_SHIPPED, ST_DELIVERED, ST_REFUNDED, ST_CANCELLED };
static const char *const status_names[] = {"placed",    "paid",     "shipped",
                                           "delivered", "refunded", "cancelled"};

static const delay_model sales_delay = {
    .p_fast = 0.955, .p_slow = 0.035, .fast_lo = 30, .fast_hi = 3000, .slow_lo = 3000,
    .slow_hi = 20 * 60000.0, .late_lo = GEN_MS_HOUR * 1.01, .late_hi = 72 * GEN_MS_HOUR,
    .p_dup = 0.015, .dup_lo = 1000, .dup_hi = 10 * 60000.0};

#define SEC(x) ((int64_t)(x) * 1000)
static int64_t whole_sec(int64_t ms) { return ms - ms % 1000; }

static void sales_expand(const gen_world *w, uint64_t k, int64_t t, xctx *x) {
    gen_rng r = gen_rng_at(w->seed, TAG_SALES_S, k);
    int64_t t0 = whole_sec(t);
    double u = gen_unif(&r);
    int nlines = u < 0.78 ? 1 : u < 0.93 ? 2 : u < 0.98 ? 3 : 4 + (int)gen_below(&r, 3);
    bool pay_fail = gen_chance(&r, 0.035);
    int64_t cancel_t = t0 + whole_sec(SEC(300) + (int64_t)gen_range(&r, 0, 12 * 3600e3));
    int64_t paid_t = t0 + whole_sec(SEC(20) + (int64_t)gen_range(&r, 0, 1800e3));
    bool split = nlines > 1 && gen_chance(&r, 0.15);
    int64_t ship_base = paid_t + whole_sec(SEC(7200) + (int64_t)gen_range(&r, 0, 70 * 3600e3));
    for (int i = 0; i < nlines; i++) {
        uint16_t line = (uint16_t)i;
        uint32_t base = (uint32_t)i * 8;
        emit_event(x, &r, &sales_delay, t0, k, base + ST_PLACED, line, ST_PLACED);
        if (pay_fail) {
            emit_event(x, &r, &sales_delay, cancel_t, k, base + ST_CANCELLED, line, ST_CANCELLED);
            continue;
        }
        emit_event(x, &r, &sales_delay, paid_t, k, base + ST_PAID, line, ST_PAID);
        if (gen_chance(&r, 0.025)) { /* out of stock after payment */
            int64_t c = paid_t + whole_sec(SEC(3600) + (int64_t)gen_range(&r, 0, 47 * 3600e3));
            emit_event(x, &r, &sales_delay, c, k, base + ST_CANCELLED, line, ST_CANCELLED);
            continue;
        }
        int64_t ship = split ? paid_t + whole_sec(SEC(7200) + (int64_t)gen_range(&r, 0, 94 * 3600e3))
                             : ship_base;
        emit_event(x, &r, &sales_delay, ship, k, base + ST_SHIPPED, line, ST_SHIPPED);
        if (gen_chance(&r, 0.006)) { /* lost in transit: refunded, never delivered */
            int64_t rf = ship + whole_sec(SEC(10 * 86400) + (int64_t)gen_range(&r, 0, 10 * 86400e3));
            emit_event(x, &r, &sales_delay, rf, k, base + ST_REFUNDED, line, ST_REFUNDED);
            continue;
        }
        int64_t dl = ship + whole_sec(SEC(86400) + (int64_t)gen_range(&r, 0, 6 * 86400e3));
        emit_event(x, &r, &sales_delay, dl, k, base + ST_DELIVERED, line, ST_DELIVERED);
        if (gen_chance(&r, 0.045)) {
            int64_t rf = dl + whole_sec(SEC(86400) + (int64_t)gen_range(&r, 0, 29 * 86400e3));
            emit_event(x, &r, &sales_delay, rf, k, base + ST_REFUNDED, line, ST_REFUNDED);
        }
    }
}

/* Price in hundredths of the currency: charm prices (x.99) or whole units;
 * yen in whole hundreds. */
static int64_t shop_price(double local, bool charm) {
    if (local < 1) local = 1;
    int64_t whole = (int64_t)(local + 0.5);
    return charm ? whole * 100 - 1 : whole * 100;
}

static void sales_format(const gen_world *w, const gen_event *ev, gen_row *row, uint8_t *flags) {
    uint64_t k = ev->k;
    gen_rng ro = gen_rng_at(w->seed, TAG_SALES_O, k);
    uint32_t cust = gen_draw_customer(w, &ro);
    int country;
    if (gen_chance(&ro, 0.0005)) { /* a customer the reference table lacks */
        cust = w->ncustomers + 1 + gen_below(&ro, 1000);
        country = (int)gen_below(&ro, NCOUNTRIES);
        *flags |= GEN_F_ORPHAN;
    } else {
        country = gen_customer_country(w, cust);
    }
    if (gen_chance(&ro, 0.02)) country = (int)gen_below(&ro, NCOUNTRIES); /* ships abroad */
    int cur = gen_country_currency[country];

    gen_rng rl = gen_rng_at(w->seed, TAG_SALES_L, k * 8 + ev->a);
    uint32_t p = gen_alias_draw(&w->product_pop, &rl);
    const gen_product *pr = &w->products[p];
    const gen_model *m = &gen_models[pr->model];
    uint32_t pid = pr->id;
    bool orphan_p = gen_chance(&rl, 0.0005);
    uint32_t orphan_no = gen_below(&rl, 200);
    double u = gen_unif(&rl);
    int cond = u < 0.30 ? COND_A : u < 0.70 ? COND_B : u < 0.85 ? COND_C : COND_REFURB;
    u = gen_unif(&rl);
    int qty = u < 0.94 ? 1 : u < 0.99 ? 2 : 3;
    double noise = 1.0 + 0.05 * gen_normal(&rl);
    bool charm = gen_chance(&rl, 0.7);
    double disc_u = gen_unif(&rl), disc_pct = gen_range(&rl, 0.05, 0.20);

    /* priced when the order was placed */
    double promo = w->promo[(ev->placed - GEN_T0) / GEN_MS_DAY];
    double usd = gen_fair_usd(w, p, cond, ev->placed) * noise * (1.0 - 0.08 * promo);
    double local = usd / gen_fx(w, cur, ev->placed);
    int64_t cents = cur == 5 ? (int64_t)(local / 100 + 0.5) * 10000 : shop_price(local, charm);
    if (cents < 100) cents = 100;
    int64_t disc = disc_u < 0.08 + 0.25 * promo ? (int64_t)((double)cents * disc_pct + 0.5) : 0;
    if (cur == 5) disc -= disc % 100;

    gen_row_int(row, 1000001 + (int64_t)k);
    gen_row_int(row, ev->a + 1);
    gen_row_int(row, cust);
    if (orphan_p) {
        /* a product missing from the catalogue: a new variant of a real one */
        char sku[48];
        int n = snprintf(sku, sizeof sku, "%s-N%u", pr->sku, orphan_no % 10);
        pid = w->nproducts + 1 + orphan_no;
        *flags |= GEN_F_ORPHAN;
        gen_row_int(row, pid);
        gen_row_str(row, sku, (size_t)n);
    } else {
        gen_row_int(row, pid);
        gen_row_str(row, pr->sku, pr->sku_len);
    }
    gen_row_cstr(row, gen_cat_names[m->cat]);
    gen_row_cstr(row, m->brand);
    gen_row_cstr(row, gen_cond_names[cond]);
    gen_row_int(row, qty);
    gen_row_dec(row, cents, 2);
    gen_row_cstr(row, gen_currency_codes[cur]);
    gen_row_dec(row, disc, 2);
    gen_row_cstr(row, gen_country_codes[country]);
    gen_row_cstr(row, status_names[ev->b]);
    gen_row_ts(row, w, ev->ts, TS_SEC, 0);
}

/* ---- activity ------------------------------------------------------------ */

static const gen_col activity_cols[] = {
    {"event_id", GT_INT, true},    {"user_id", GT_INT, false},    {"session_id", GT_STR, true},
    {"event_type", GT_STR, true},  {"product_id", GT_INT, false}, {"search_text", GT_STR, false},
    {"device", GT_STR, true},      {"ts", GT_TS, true},
};
static const gen_schema activity_schema = {activity_cols,
                                           sizeof activity_cols / sizeof activity_cols[0]};

enum { EV_VIEW, EV_SEARCH, EV_ADD, EV_CHECKOUT, EV_PURCHASE };
static const char *const event_names[] = {"view", "search", "add_to_cart", "checkout", "purchase"};
static const char *const devices[] = {"mobile", "desktop", "tablet", "ios-app", "android-app"};
static const double device_share[] = {0.50, 0.30, 0.06, 0.08, 0.06};

static const delay_model activity_delay = {
    .p_fast = 0.95, .p_slow = 0.043, .fast_lo = 20, .fast_hi = 2000, .slow_lo = 2000,
    .slow_hi = 5 * 60000.0, .late_lo = GEN_MS_HOUR * 1.01, .late_hi = 48 * GEN_MS_HOUR,
    .p_dup = 0.01, .dup_lo = 500, .dup_hi = 5 * 60000.0};

#define ACT_MAX_EVENTS 24

static void activity_expand(const gen_world *w, uint64_t k, int64_t t, xctx *x) {
    gen_rng r = gen_rng_at(w->seed, TAG_ACT_S, k);
    int type = gen_chance(&r, 0.35) ? EV_SEARCH : EV_VIEW;
    int lastview = -1;
    for (int i = 0; i < ACT_MAX_EVENTS; i++) {
        if (type == EV_VIEW) lastview = i;
        uint16_t b = (uint16_t)(type == EV_SEARCH ? 0xffff : lastview < 0 ? i : lastview);
        emit_event(x, &r, &activity_delay, t, k, (uint32_t)i, (uint16_t)type, b);
        double u = gen_unif(&r);
        int next;
        if (type == EV_PURCHASE) break;
        if (type == EV_CHECKOUT) next = u < 0.85 ? EV_PURCHASE : -1;
        else if (type == EV_ADD) next = u < 0.5 ? EV_CHECKOUT : u < 0.8 ? EV_VIEW : -1;
        else next = u < 0.10 ? EV_SEARCH : u < 0.22 ? EV_ADD : u < 0.80 ? EV_VIEW : -1;
        if (next < 0) break;
        if (next == EV_ADD && lastview < 0) next = EV_VIEW;
        double g = gen_unif(&r);
        t += 2000 + (int64_t)(g * g * 150000.0);
        type = next;
    }
}

static void activity_format(const gen_world *w, const gen_event *ev, gen_row *row,
                            uint8_t *flags) {
    uint64_t k = ev->k;
    uint32_t i = ev->seq >> 1;
    gen_rng ru = gen_rng_at(w->seed, TAG_ACT_U, k);
    gen_row_int(row, (int64_t)(k * 32 + i + 1));
    double u = gen_unif(&ru);
    uint32_t user = gen_draw_customer(w, &ru);
    if (gen_chance(&ru, 0.0005)) {
        user = w->ncustomers + 1 + gen_below(&ru, 1000);
        if (u < 0.65) *flags |= GEN_F_ORPHAN;
    }
    if (u < 0.65) gen_row_int(row, user);
    else gen_row_null(row); /* not signed in */
    static const char hex[] = "0123456789abcdef";
    char sid[16];
    uint64_t h = gen_next(&ru);
    for (int j = 0; j < 16; j++) sid[j] = hex[(h >> (4 * j)) & 15];
    gen_row_str(row, sid, 16);
    gen_row_cstr(row, event_names[ev->a]);
    double du = gen_unif(&ru), acc = 0;
    int dev = 0;
    for (int j = 0; j < 5; j++) {
        acc += device_share[j];
        if (du < acc) {
            dev = j;
            break;
        }
    }
    if (ev->a == EV_SEARCH) {
        gen_row_null(row);
        gen_rng re = gen_rng_at(w->seed, TAG_ACT_E, k * 32 + i);
        uint32_t p = gen_alias_draw(&w->product_pop, &re);
        char q[160];
        size_t n = gen_search_text(w, p, &re, q, sizeof q);
        gen_row_str(row, q, n);
    } else {
        gen_rng re = gen_rng_at(w->seed, TAG_ACT_E, k * 32 + ev->b);
        uint32_t p = gen_chance(&re, 0.7) ? gen_alias_draw(&w->product_pop, &re)
                                          : gen_below(&re, w->nproducts);
        if (gen_chance(&re, 0.0005)) {
            gen_row_int(row, w->nproducts + 1 + gen_below(&re, 200));
            *flags |= GEN_F_ORPHAN;
        } else {
            gen_row_int(row, w->products[p].id);
        }
        gen_row_null(row);
    }
    gen_row_cstr(row, devices[dev]);
    gen_row_ts(row, w, ev->ts, TS_MS, 0);
}

/* ---- pricing ------------------------------------------------------------- */

static const gen_col pricing_cols[] = {
    {"product_id", GT_INT, true},      {"condition", GT_STR, true},
    {"suggested_price", GT_DEC, true}, {"confidence", GT_DEC, true, 3},
    {"model_version", GT_STR, true},   {"ts", GT_TS, true},
};
static const gen_schema pricing_schema = {pricing_cols, sizeof pricing_cols / sizeof pricing_cols[0]};

static const delay_model pricing_delay = {
    .p_fast = 0.99, .p_slow = 0.007, .fast_lo = 10, .fast_hi = 1000, .slow_lo = 1000,
    .slow_hi = 30 * 60000.0, .late_lo = GEN_MS_HOUR * 1.01, .late_hi = 12 * GEN_MS_HOUR,
    .p_dup = 0.012, .dup_lo = 200, .dup_hi = 60000.0};

static void pricing_expand(const gen_world *w, uint64_t k, int64_t t, xctx *x) {
    gen_rng r = gen_rng_at(w->seed, TAG_PRICING, k);
    emit_event(x, &r, &pricing_delay, t, k, 0, 0, 0);
}

static const char *model_version(int64_t t, gen_rng *r) {
    int64_t d = (t - GEN_T0) / GEN_MS_DAY;
    double u = gen_unif(r);
    if (d < 90) return "pricing-v3.1.4";
    if (d < 104) return u < 0.2 ? "pricing-v3.2.0" : "pricing-v3.1.4"; /* canary */
    if (d < 243) return "pricing-v3.2.0";
    if (d < 257) return u < 0.1 ? "pricing-v4.0.0-rc1" : "pricing-v3.2.0";
    if (d < 320) return "pricing-v4.0.0";
    return "pricing-v4.0.1";
}

static void pricing_format(const gen_world *w, const gen_event *ev, gen_row *row, uint8_t *flags) {
    gen_rng r = gen_rng_at(w->seed, TAG_PRICING, ev->k | UINT64_C(1) << 62);
    uint32_t p = gen_chance(&r, 0.6) ? gen_alias_draw(&w->product_pop, &r)
                                     : gen_below(&r, w->nproducts);
    if (gen_chance(&r, 0.0005)) {
        gen_row_int(row, w->nproducts + 1 + gen_below(&r, 200));
        *flags |= GEN_F_ORPHAN;
    } else {
        gen_row_int(row, w->products[p].id);
    }
    int cond = (int)gen_below(&r, NCONDS);
    gen_row_cstr(row, gen_cond_names[cond]);
    double usd = gen_fair_usd(w, p, cond, ev->ts) * (1.0 + 0.04 * gen_normal(&r));
    gen_row_dec(row, (int64_t)(usd * 100 + 0.5), 2);
    double u = gen_unif(&r);
    gen_row_dec(row, (int64_t)((0.55 + 0.44 * (1 - u * u)) * 1000 + 0.5), 3);
    gen_row_cstr(row, model_version(ev->ts, &r));
    gen_row_ts(row, w, ev->ts, TS_MS, 0);
}

/* ---- the shared plan and chunk ------------------------------------------- */

static const stream_def sales_def = {ST_GEN_SALES,   1000000, 5.3, 46 * GEN_MS_DAY,
                                     GEN_MS_HOUR,    0,       sales_expand, sales_format,
                                     &sales_schema,  1};
static const stream_def activity_def = {ST_GEN_ACTIVITY, 1000000, 4.43, 3 * GEN_MS_DAY,
                                        GEN_MS_HOUR,     0,       activity_expand,
                                        activity_format, &activity_schema, 2};
static const stream_def pricing_def = {ST_GEN_PRICING, 200000, 1.012, 13 * GEN_MS_HOUR,
                                       10 * 60000,     1,      pricing_expand,
                                       pricing_format, &pricing_schema, 3};

static uint64_t stream_rows(const stream_def *d, double scale) {
    double n = (double)d->per_scale * scale + 0.5;
    return n < 1 ? 1 : (uint64_t)n;
}

typedef struct count_job {
    const stream_def *def;
    const gen_world *w;
    const gen_alloc *alloc;
    uint64_t per_task;
    uint64_t *slots;
} count_job;

#define COUNT_TASK 16384

static st_status count_task(void *ctx, uint64_t task, uint32_t worker, st_error *e) {
    (void)worker, (void)e;
    count_job *j = ctx;
    uint64_t k0 = task * j->per_task, k1 = k0 + j->per_task;
    if (k1 > j->alloc->n) k1 = j->alloc->n;
    xctx x = {GEN_T0, GEN_T1, 0, NULL, 0};
    uint32_t h = k0 < k1 ? gen_alloc_hour(j->alloc, k0) : 0;
    for (uint64_t k = k0; k < k1; k++) {
        while (j->alloc->start[h + 1] <= k) h++;
        int64_t t = gen_alloc_time(j->alloc, h, k);
        x.placed = t;
        j->def->expand(j->w, k, t, &x);
    }
    j->slots[task] = x.count;
    return ST_OK;
}

static st_status count_events(const stream_def *d, const gen_world *w, gen_alloc *a, uint64_t n,
                              uint32_t threads, uint64_t *out, st_error *e) {
    gen_alloc_build(a, curve_of(w, d->curve), n, d->span_in_hour, w->seed, d->id);
    uint64_t ntasks = (n + COUNT_TASK - 1) / COUNT_TASK;
    uint64_t *slots = calloc(ntasks ? ntasks : 1, sizeof(uint64_t));
    if (!slots) return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    count_job j = {d, w, a, COUNT_TASK, slots};
    st_status rc = st_parallel_for(threads, ntasks, count_task, &j, e);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < ntasks; i++) sum += slots[i];
    free(slots);
    *out = sum;
    return rc;
}

static st_status stream_plan(const stream_def *d, const gen_world *w, uint32_t threads,
                             void **state, uint32_t *nchunks, st_error *e) {
    stream_state *s = calloc(1, sizeof *s);
    if (!s) return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    s->def = d;
    uint64_t N = stream_rows(d, w->scale);
    /* Calibrate the number of entities n: the year must hold at least N
     * events, and the surplus (cut off at the end of the stream) must be
     * small: N/8760 events are an hour, so aim within N/20000 (~25 min).
     * count(n) is nearly monotone (an entity's events depend on k only; n
     * just moves times a little), so a secant step inside a bracket
     * [lo, hi] converges in a few passes. */
    uint64_t tol = 20 + N / 20000, lo = 0, hi = 0, c = 0;
    uint64_t n = (uint64_t)((double)N / d->events_guess) + 1;
    st_status rc = ST_OK;
    for (int iter = 0; iter < 40; iter++) {
        rc = count_events(d, w, &s->alloc, n, threads, &c, e);
        if (rc != ST_OK) break;
        if (c >= N && c - N <= tol) break;
        if (c >= N) hi = n;
        else lo = n;
        /* aim at the middle of [N, N + tol] */
        uint64_t next = (uint64_t)((double)n * ((double)N + tol / 2.0) / (double)(c ? c : 1)) + (c < N);
        if (hi && next >= hi) next = hi - 1;
        if (next <= lo) next = lo + 1;
        if (hi && next >= hi) { /* no integer left between lo and hi */
            n = hi;
            rc = count_events(d, w, &s->alloc, n, threads, &c, e);
            break;
        }
        n = next;
    }
    for (int iter = 0; rc == ST_OK && c < N && iter < 40; iter++) { /* tiny sets: just grow */
        n += n / 50 + 1;
        rc = count_events(d, w, &s->alloc, n, threads, &c, e);
    }
    if (rc != ST_OK) {
        free(s);
        return rc;
    }
    /* windows of about GEN_CHUNK_ROWS arrivals, cut at whole hours */
    uint32_t W = (uint32_t)((N + GEN_CHUNK_ROWS / 2) / GEN_CHUNK_ROWS);
    if (W < 1) W = 1;
    if (W > GEN_HOURS) W = GEN_HOURS;
    s->win_hour = malloc(sizeof(uint32_t) * (W + 1));
    if (!s->win_hour) {
        free(s);
        return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    }
    uint32_t nw = 0, h = 0;
    s->win_hour[nw++] = 0;
    for (uint32_t c2 = 1; c2 < W; c2++) {
        uint64_t target = (uint64_t)((double)n * c2 / W);
        while (h < GEN_HOURS && s->alloc.start[h] < target) h++;
        if (h > s->win_hour[nw - 1] && h < GEN_HOURS) s->win_hour[nw++] = h;
    }
    s->win_hour[nw] = GEN_HOURS;
    s->nwin = nw;
    *state = s;
    *nchunks = nw;
    return ST_OK;
}

static st_status stream_chunk(const gen_world *w, void *state, uint32_t c, bool json, gen_out *out,
                              st_error *e) {
    stream_state *s = state;
    const stream_def *d = s->def;
    int64_t lo = GEN_T0 + (int64_t)s->win_hour[c] * GEN_MS_HOUR;
    int64_t hi = c + 1 == s->nwin ? GEN_T1 : GEN_T0 + (int64_t)s->win_hour[c + 1] * GEN_MS_HOUR;
    int64_t first_hour = (lo - d->max_span_ms - GEN_T0) / GEN_MS_HOUR - 1;
    uint64_t k0 = gen_alloc_first_of_hour(&s->alloc, first_hour);
    uint64_t k1 = c + 1 == s->nwin ? s->alloc.n : gen_alloc_first_of_hour(&s->alloc, s->win_hour[c + 1]);
    gen_evbuf buf = {0};
    xctx x = {lo, hi, 0, &buf, 0};
    uint32_t h = k0 < k1 ? gen_alloc_hour(&s->alloc, k0) : 0;
    for (uint64_t k = k0; k < k1; k++) {
        while (s->alloc.start[h + 1] <= k) h++;
        int64_t t = gen_alloc_time(&s->alloc, h, k);
        x.placed = t;
        d->expand(w, k, t, &x);
    }
    if (buf.oom) {
        free(buf.ev);
        return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    }
    qsort(buf.ev, buf.n, sizeof(gen_event), ev_cmp);
    gen_row row;
    for (size_t i = 0; i < buf.n; i++) {
        const gen_event *ev = &buf.ev[i];
        uint8_t flags = ev->flags;
        gen_row_begin(&row, json);
        d->format(w, ev, &row, &flags);
        uint64_t key = ev->k << 8 | (ev->seq & 0xff);
        st_gen_bad bad = gen_bad_pick(w, d->schema, json, d->bad_tag, key);
        gen_emit(out, d->schema, &row, bad, gen_mix(w->seed ^ d->bad_tag << 56 ^ key), ev->ts,
                 flags);
    }
    free(buf.ev);
    if (out->oom) return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    return ST_OK;
}

static void stream_done(void *state) {
    stream_state *s = state;
    if (!s) return;
    free(s->win_hour);
    free(s);
}

#define STREAM_IMPL(NAME, DEF, ID)                                                             \
    static uint64_t NAME##_rows(double scale) { return stream_rows(&DEF, scale); }           \
    static st_status NAME##_plan(const gen_world *w, uint32_t threads, void **state,         \
                                 uint32_t *nchunks, st_error *e) {                           \
        return stream_plan(&DEF, w, threads, state, nchunks, e);                             \
    }                                                                                          \
    const gen_source_impl gen_src_##NAME = {ID, &NAME##_schema,                              \
                                            NAME##_rows, NAME##_plan, stream_chunk, stream_done};

STREAM_IMPL(sales, sales_def, ST_GEN_SALES)
STREAM_IMPL(activity, activity_def, ST_GEN_ACTIVITY)
STREAM_IMPL(pricing, pricing_def, ST_GEN_PRICING)
