/*
 * gen.h: the used-electronics data generator behind `strata gen`.
 *
 * It writes the sources of an e-commerce business that buys and resells used
 * electronics, for tests, the demo and the benchmarks:
 *
 *   source             kind       natural format  rows at scale S
 *   sales              stream     NDJSON          round(1,000,000 S), exactly
 *   activity           stream     NDJSON          round(1,000,000 S), exactly
 *   pricing            stream     NDJSON          round(200,000 S), exactly
 *   competitor_prices  batch      CSV             round(100,000 S)
 *   market_data        batch      CSV             12 months x 103 models = 1,236
 *   products           reference  CSV             565 (model x storage x colour) from
 *                                                 scale 0.5 up; a seeded subset below
 *   customers          reference  CSV             max(50, round(100,000 S))
 *   fx_rates           reference  CSV             9 currencies x 365 days
 *
 * One year of event time (2025-01-01 .. 2026-01-01 UTC).  The streams are in
 * arrival order: mostly event-time order, with out-of-order arrivals (small
 * delays), late events (hours to days), and at-least-once re-deliveries (exact
 * duplicate lines).  Sales carry each order line's status lifecycle
 * (placed -> paid -> shipped -> delivered, or cancelled, or refunded) as
 * repeated events of the same (order_id, line_no) with increasing ts.  Skew:
 * popular products and heavy customers (Zipf-like), weekly, daily and seasonal
 * cycles (Black Friday, Christmas, Prime Day, new-iPhone trade-ins).  Prices
 * depend on category, age (release date) and condition and are quoted in the
 * customer's currency through fx_rates.  Reference integrity holds except for
 * a few deliberate orphans (counted in the manifest).  A share of malformed
 * records (bad_rate, default 0.5%) goes into sales, activity, pricing,
 * competitor_prices and market_data; the reference tables are clean.
 *
 * Guarantees:
 *  - Deterministic: the same options (scale, seed, format, bad_rate, sources)
 *    give byte-identical files for any thread count; another seed gives other
 *    data.  Work is cut into chunks whose layout depends only on the scale; a
 *    record's randomness comes from counter-based generators keyed by (seed,
 *    source, entity), never from a shared sequential state.
 *  - Atomic: everything is written into a hidden sibling folder of out_dir,
 *    fsynced, and published by one rename at the end.  On any failure or
 *    interruption the sibling is removed and out_dir is untouched: nothing is
 *    ever half-written.  out_dir must not exist, or be an empty folder.
 *  - out_dir/_manifest.json (ST_GEN_MANIFEST) describes the result: options,
 *    and per file its source, format, rows, bytes, malformed records by kind,
 *    duplicates, late and out-of-order events, orphans and time range.  It is
 *    itself deterministic (no clock, no thread count).
 *  - Library code: never prints, never exits; errors name the path.
 */
#ifndef ST_GEN_H
#define ST_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "format/status.h"

/* Bumped whenever the bytes generated for given options change, so cached
 * data sets (bench/data) know to regenerate.  Written into the manifest. */
#define ST_GEN_DATA_VERSION 1

#define ST_GEN_MIN_SCALE 0.0001
#define ST_GEN_MAX_SCALE 1000.0
#define ST_GEN_DEFAULT_SEED 42
#define ST_GEN_DEFAULT_BAD_RATE 0.005
#define ST_GEN_MAX_BAD_RATE 0.5
#define ST_GEN_MANIFEST "_manifest.json"

typedef enum st_gen_source {
    ST_GEN_SALES = 0,
    ST_GEN_ACTIVITY,
    ST_GEN_PRICING,
    ST_GEN_COMPETITOR_PRICES,
    ST_GEN_MARKET_DATA,
    ST_GEN_PRODUCTS,
    ST_GEN_CUSTOMERS,
    ST_GEN_FX_RATES,
    ST_GEN_NSOURCES
} st_gen_source;

/* "sales", "activity", ...; NULL when out of range. */
const char *st_gen_source_name(st_gen_source s);
/* The source named name (exact), or -1. */
int st_gen_source_parse(const char *name);
/* True for the three streams (natural format NDJSON). */
bool st_gen_source_is_stream(st_gen_source s);

typedef enum st_gen_as {
    ST_GEN_AS_NATIVE = 0, /* streams NDJSON, batches and references CSV */
    ST_GEN_AS_CSV = 1,
    ST_GEN_AS_NDJSON = 2
} st_gen_as;

/* Kinds of malformed records (manifest keys in parentheses).  Every one of
 * them breaks a schema that declares the source's columns, types and
 * required keys: none is merely "unusual".  CSV files keep every record on
 * one physical line (no quote is ever left open), so rows == lines - 1. */
typedef enum st_gen_bad {
    ST_GEN_BAD_NONE = 0,
    ST_GEN_BAD_TYPE,      /* "bad_type": text in a numeric field           */
    ST_GEN_BAD_MISSING,   /* "missing_field": CSV field / JSON key absent  */
    ST_GEN_BAD_EXTRA,     /* "extra_field": one CSV field too many (CSV)   */
    ST_GEN_BAD_TRUNCATED, /* "truncated": the line is cut short            */
    ST_GEN_BAD_DATE,      /* "bad_date": 2025-02-30, 2025-13-01, 25:61 ... */
    ST_GEN_BAD_UTF8,      /* "bad_utf8": an invalid UTF-8 byte in a string */
    ST_GEN_BAD_NULL,      /* "null_required": a required field is empty    */
    ST_GEN_BAD_GARBAGE,   /* "garbage": not a record at all (error text)   */
    ST_GEN_BAD_NKINDS
} st_gen_bad;

const char *st_gen_bad_name(st_gen_bad k);

typedef struct st_gen_progress {
    const char *source;   /* the source whose chunk was just written */
    uint64_t rows_done;   /* rows written so far, all sources */
    uint64_t rows_total;  /* rows planned, all sources */
} st_gen_progress;

typedef struct st_gen_options {
    double scale;      /* ST_GEN_MIN_SCALE .. ST_GEN_MAX_SCALE */
    uint64_t seed;
    st_gen_as as;
    double bad_rate;   /* 0 .. ST_GEN_MAX_BAD_RATE: share of malformed records */
    uint32_t threads;  /* 0 = all cores; never changes the output */
    uint32_t sources;  /* bit (1u << st_gen_source) per source; 0 = all */
    /* Optional: when *interrupt becomes non-zero, st_gen_run stops at the next
     * chunk, removes what it wrote and fails with ST_ERR_INTERRUPTED. */
    const volatile int *interrupt;
    /* Optional: called after each chunk is written, from a worker thread
     * (serialized: never two calls at once).  Must be quick. */
    void (*progress)(void *ctx, const st_gen_progress *p);
    void *progress_ctx;
} st_gen_options;

/* Scale 1, seed ST_GEN_DEFAULT_SEED, native formats, bad rate
 * ST_GEN_DEFAULT_BAD_RATE, all cores, all sources. */
void st_gen_options_default(st_gen_options *o);

/* ST_ERR_INVALID with a message for out-of-range options. */
st_status st_gen_check_options(const st_gen_options *o, st_error *e);

/* Rows that st_gen_run writes for source s at this scale (data rows, no
 * header).  Exact: the streams are cut at exactly this many events. */
uint64_t st_gen_planned_rows(double scale, st_gen_source s);

typedef struct st_gen_file_report {
    st_gen_source source;
    char file[32];        /* "sales.ndjson" (relative to out_dir) */
    bool csv;             /* CSV with a header line, else NDJSON */
    uint64_t rows;        /* data rows (records), malformed ones included */
    uint64_t bytes;       /* file size */
    uint64_t bad;         /* malformed records */
    uint64_t bad_by_kind[ST_GEN_BAD_NKINDS];
    uint64_t duplicates;  /* exact re-deliveries (streams) */
    uint64_t late;        /* arrived more than an hour after their ts (streams) */
    uint64_t out_of_order;/* ts earlier than some record before it (streams) */
    uint64_t orphans;     /* references to a product/customer that does not exist */
    int64_t min_ts_ms, max_ts_ms; /* event-time range in ms since 1970 (0, 0 if none) */
} st_gen_file_report;

typedef struct st_gen_report {
    uint32_t nfiles;
    st_gen_file_report files[ST_GEN_NSOURCES]; /* in st_gen_source order */
} st_gen_report;

/* Generate into out_dir (see the guarantees above).  rep may be NULL.
 * Errors: ST_ERR_INVALID (options), ST_ERR_EXISTS (out_dir holds files),
 * ST_ERR_IO / ST_ERR_NOT_FOUND (cannot write), ST_ERR_LIMIT (not enough free
 * disk space for the estimate), ST_ERR_INTERRUPTED, ST_ERR_NOMEM. */
st_status st_gen_run(const st_gen_options *o, const char *out_dir, st_gen_report *rep,
                     st_error *e);

#endif /* ST_GEN_H */
