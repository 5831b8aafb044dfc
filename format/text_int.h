/*
 * text_int.h: internals shared by the CSV and NDJSON readers (private to
 * format/).  Four tools:
 *
 *  tx_stat    type inference for one column: each non-NULL value is
 *             classified (integer, plain decimal, exponent number, boolean,
 *             date, timestamp, text) and the column keeps the union of what
 *             it saw plus digit counts; tx_stat_resolve() turns that into the
 *             narrowest type that holds every value exactly (csv.h lists the
 *             rules).  Stats merge, so chunks infer in parallel.
 *  tx_store   text -> one slot of a column vector, with fast paths for the
 *             common shapes (plain integers, YYYY-MM-DD, ISO timestamps) that
 *             give exactly what format/types.h's parsers give, and those
 *             parsers for everything else.
 *  tx_badlist bad records collected while parsing a chunk (possibly on a
 *             worker thread), delivered later, in input order, on the
 *             caller's thread.
 *  tx_rows    the rows of a chunk as a queue of batches (with line and
 *             offset per row), drawn from a pool so steady-state reading
 *             allocates nothing.
 */
#ifndef ST_TEXT_INT_H
#define ST_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "format/mem.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/textio.h"
#include "format/types.h"
#include "format/vector.h"

/* ---- inference ---------------------------------------------------------- */

enum {
    TX_K_BOOL = 1u << 0,
    TX_K_INT = 1u << 1,    /* integer within INT64 */
    TX_K_BIGINT = 1u << 2, /* integer beyond INT64, at most 38 digits */
    TX_K_DEC = 1u << 3,    /* plain decimal with a point */
    TX_K_EXP = 1u << 4,    /* number with an exponent, within double range */
    TX_K_DATE = 1u << 5,
    TX_K_TS = 1u << 6,
    TX_K_TSNS = 1u << 7,   /* timestamp needing more than microseconds */
    TX_K_TEXT = 1u << 8,
};

typedef struct tx_stat {
    uint32_t seen;      /* TX_K_* bits */
    uint8_t max_int;    /* integer digits (no leading zeros) of plain numbers */
    uint8_t max_frac;   /* fraction digits of plain decimals */
    uint8_t max_sig;    /* significant digits of any number (capped at 255) */
    uint8_t pad_;
    uint64_t nonnull;   /* values classified */
} tx_stat;

/* Classify one non-NULL value given as text (a CSV field). */
void tx_classify(tx_stat *s, const char *p, size_t n);
/* Classify the text of a JSON number (already known to be valid JSON). */
void tx_classify_number(tx_stat *s, const char *p, size_t n);
/* Classify a JSON string's content: a date or timestamp, else text. */
void tx_classify_string(tx_stat *s, const char *p, size_t n);
static inline void tx_classify_text(tx_stat *s) { s->seen |= TX_K_TEXT, s->nonnull++; }
static inline void tx_classify_bool(tx_stat *s) { s->seen |= TX_K_BOOL, s->nonnull++; }
void tx_stat_merge(tx_stat *dst, const tx_stat *src);
/* The narrowest exact type; VARCHAR for an all-NULL column. */
st_type tx_stat_resolve(const tx_stat *s);

/* ---- column stores ------------------------------------------------------ */

/* Parse text into slot `row` of v (v->type; not VARCHAR/BLOB) and mark it
 * valid.  On failure returns false and writes a message (the value, the
 * type) into msg; the slot is left undefined (the row is abandoned). */
bool tx_store_parsed(st_vector *v, uint32_t row, const char *p, size_t n, char *msg,
                     size_t msgcap);
/* Store a string slot (bytes already owned by the vector or pinned). */
static inline void tx_store_str(st_vector *v, uint32_t row, const char *p, size_t n) {
    st_str *s = (st_str *)v->data + row;
    s->ptr = p;
    s->len = (uint32_t)n;
    s->reserved = 0;
    st_vector_set_valid(v, row);
}
/* Mark slot row NULL (zeroes the slot).  False on allocation failure. */
bool tx_store_null(st_vector *v, uint32_t row);

/* Fast exact parsers (same results as types.h; false = not that shape or
 * invalid, the caller then falls back to types.h for the verdict). */
bool tx_fast_int64(const char *p, size_t n, int64_t *out);
bool tx_fast_date(const char *p, size_t n, int32_t *out);
bool tx_fast_ts(const char *p, size_t n, int64_t *out_us);

/* NUL bytes or bytes >= 0x80 in p[0..n)? (word at a time) */
bool tx_has_special(const char *p, size_t n);

/* ---- bad records -------------------------------------------------------- */

typedef struct tx_bad_item {
    uint64_t line;    /* relative to the chunk's first line until delivery */
    uint64_t offset;  /* absolute */
    const char *raw;  /* in the input, or copied into the list's arena */
    size_t raw_len;
    uint64_t record_len;
    bool truncated;
    uint32_t first_reason, nreasons;
    uint64_t row_before; /* rows of the chunk emitted before this record */
} tx_bad_item;

typedef struct tx_badlist {
    tx_bad_item *items;
    uint32_t n, cap;
    st_text_reason *reasons;
    uint32_t nr, rcap;
    st_arena *arena; /* messages, names, copied raw bytes */
    bool failed;     /* allocation failed: report ST_ERR_NOMEM */
} tx_badlist;

void tx_badlist_reset(tx_badlist *l);
void tx_badlist_free(tx_badlist *l);
/* Start a bad record; raw is copied when copy_raw (else must outlive the
 * list), at most ST_TEXT_BAD_PREFIX bytes when record_len exceeds max. */
void tx_bad_begin(tx_badlist *l, uint64_t line, uint64_t offset, const char *raw, size_t raw_len,
                  uint64_t record_len, bool truncated, bool copy_raw, uint64_t row_before);
/* Add a reason to the record begun last (column -1 = whole record). */
void tx_bad_reason(tx_badlist *l, int32_t column, const char *column_name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Deliver items [from, to) with line numbers shifted by line_base.  In strict
 * mode the first item fails the call with ST_ERR_PARSE (after the callback). */
st_status tx_bad_deliver(const tx_badlist *l, uint32_t from, uint32_t to, uint64_t line_base,
                         const char *source, st_text_bad_fn fn, void *ctx, bool strict,
                         st_error *e);

/* ---- row queues --------------------------------------------------------- */

typedef struct tx_out {
    st_batch *batch;
    uint64_t *line;   /* batch_rows entries */
    uint64_t *offset;
} tx_out;

/* Recycled batches.  Shared by the worker threads of a reader: get and put
 * take the lock (once per batch, not per row). */
typedef struct tx_pool {
    st_type *types;
    uint32_t ncols;
    uint32_t batch_rows;
    tx_out *free_o;
    uint32_t nfree, cap;
    pthread_mutex_t mu;
} tx_pool;

typedef struct tx_rows {
    tx_out *outs;
    uint32_t n, cap;
    uint32_t taken;   /* outs handed out so far */
    uint64_t rows;    /* committed rows over all outs */
    st_buf *pin;      /* pinned into new VARCHAR/BLOB vectors (zero-copy source) */
} tx_rows;

st_status tx_pool_init(tx_pool *p, const st_type *types, uint32_t ncols, uint32_t batch_rows,
                       st_error *e);
void tx_pool_free(tx_pool *p);
/* Current batch with room for one row, starting a new one when full; *row is
 * the slot to fill.  NULL on allocation failure. */
tx_out *tx_rows_slot(tx_rows *r, tx_pool *p, uint32_t *row);
/* The row at *row was filled: record its lineage and count it. */
static inline void tx_rows_commit(tx_rows *r, tx_out *o, uint32_t row, uint64_t line,
                                  uint64_t offset) {
    o->line[row] = line;
    o->offset[row] = offset;
    o->batch->len = row + 1;
    r->rows++;
}
/* Return the outs already handed out (the first r->taken) to the pool. */
void tx_rows_drop_taken(tx_rows *r, tx_pool *p);
/* Return every batch of r to the pool; r becomes empty. */
void tx_rows_recycle(tx_rows *r, tx_pool *p);
void tx_rows_free(tx_rows *r, tx_pool *p);
/* Set every column's len from the batch len (before handing out). */
void tx_out_finish(tx_out *o);

/* ---- misc --------------------------------------------------------------- */

/* ST_ERR_FORMAT ("<src>: not <fmt> text: ...") when the first 64 KiB of p
 * hold NUL or control bytes beyond a trace, or invalid UTF-8 beyond 1%. */
st_status tx_recognize_text(const char *p, size_t n, const char *src, const char *fmt,
                            st_error *e);

/* Printable excerpt of a value for messages: at most 40 bytes, control and
 * non-UTF-8 bytes escaped. */
const char *tx_excerpt(const char *p, size_t n, char *buf, size_t cap);

/* SIMD choice: STRATA_SIMD=scalar|avx2 forces it, else AVX2 when the CPU has
 * it.  tx_simd_force() is for tests (-1 = back to automatic). */
bool tx_simd_avx2(void);
void tx_simd_force(int avx2);

#endif /* ST_TEXT_INT_H */
