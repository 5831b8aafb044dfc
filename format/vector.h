/*
 * vector.h: column vectors and batches, the unit of work of every layer.
 *
 * A vector holds up to `cap` values of one type (types.h gives the in-memory
 * representation) in a contiguous, 64-byte-aligned array, plus:
 *   - a validity bitmap (bit i of word i/64 set = row i is NOT NULL); a NULL
 *     pointer means "no nulls", so all-valid columns cost nothing.  The bits
 *     of rows >= len are unspecified.  A NULL row's data slot holds zeros
 *     (writers rely on it: a NULL never carries a stale value).
 *   - for VARCHAR/BLOB, st_str slots pointing either into the vector's own
 *     arena (copied strings) or into st_buf blocks the vector pins (zero-copy
 *     from decoded pages or mmap'ed files).  Pointers stay valid until the
 *     vector is reset or freed.
 *
 * A batch is a set of equally long vectors plus an optional selection vector:
 * when `sel` is non-NULL only rows sel[0..sel_len) are live (ascending, no
 * duplicates); filters narrow the selection instead of copying columns.
 *
 * Threading: a vector or batch is owned by one thread at a time.
 */
#ifndef ST_VECTOR_H
#define ST_VECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/status.h"
#include "format/types.h"

/* Default rows per batch in query processing (readers may use larger). */
#define ST_VECTOR_SIZE 2048

typedef struct st_vector {
    st_type type;
    uint32_t len;
    uint32_t cap;
    void *data;         /* cap * st_type_width(type) bytes */
    uint64_t *validity; /* NULL = all valid; else (cap+63)/64 words */
    st_arena *heap;     /* string bytes owned by this vector (lazy) */
    st_buf **pins;      /* buffers string slots point into */
    uint32_t npins;
    uint32_t pins_cap;
} st_vector;

/* New empty vector of capacity cap (len 0).  NULL on allocation failure. */
st_vector *st_vector_new(st_type t, uint32_t cap);
void st_vector_free(st_vector *v); /* NULL accepted */

/* Grow capacity to at least cap (keeps contents).  ST_ERR_NOMEM on failure. */
st_status st_vector_reserve(st_vector *v, uint32_t cap, st_error *e);

/* len = 0, no nulls, strings and pins released; capacity kept. */
void st_vector_reset(st_vector *v);

static inline void *st_vector_at(const st_vector *v, uint32_t i) {
    return (char *)v->data + (size_t)i * st_type_width(v->type);
}
#define ST_VEC(v, T) ((T *)(v)->data)

static inline bool st_vector_is_null(const st_vector *v, uint32_t i) {
    return v->validity && !((v->validity[i >> 6] >> (i & 63)) & 1);
}

/* Allocate the validity bitmap (all valid) if the vector has none.
 * Returns the bitmap or NULL on allocation failure. */
uint64_t *st_vector_validity(st_vector *v);

/* Mark row i NULL (zeroes its data slot).  ST_ERR_NOMEM on failure. */
st_status st_vector_set_null(st_vector *v, uint32_t i, st_error *e);
static inline void st_vector_set_valid(st_vector *v, uint32_t i) {
    if (v->validity) v->validity[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* Count of NULL rows among [0, len). */
uint32_t st_vector_null_count(const st_vector *v);

/* Copy bytes into the vector's arena and store them in slot i. */
st_status st_vector_set_str(st_vector *v, uint32_t i, const char *p, uint32_t n, st_error *e);
/* Copy into the arena and return the copy (for callers that fill slots
 * themselves); NULL on allocation failure. */
char *st_vector_str_alloc(st_vector *v, size_t n);
/* Keep b alive as long as the vector's strings may point into it. */
st_status st_vector_pin(st_vector *v, st_buf *b, st_error *e);

/* Append helpers: grow as needed; len += 1. */
st_status st_vector_append_null(st_vector *v, st_error *e);
st_status st_vector_append(st_vector *v, const void *value, st_error *e);
st_status st_vector_append_str(st_vector *v, const char *p, uint32_t n, st_error *e);

/* Copy row src_row of src (same type) to the end of dst, copying string bytes. */
st_status st_vector_append_from(st_vector *dst, const st_vector *src, uint32_t src_row,
                                st_error *e);

/* Bytes held (data + validity + heap), for memory accounting. */
size_t st_vector_bytes(const st_vector *v);

/* ---- batch -------------------------------------------------------------- */

typedef struct st_batch {
    uint32_t ncols;
    uint32_t len;     /* rows in every column */
    st_vector **cols; /* ncols vectors, owned */
    uint32_t *sel;    /* NULL = all rows live; else sel_len ascending row ids */
    uint32_t sel_len;
    uint32_t sel_cap;
} st_batch;

/* New batch with one empty vector per type.  NULL on allocation failure. */
st_batch *st_batch_new(const st_type *types, uint32_t ncols, uint32_t cap);
void st_batch_free(st_batch *b);
/* Reset every column and drop the selection. */
void st_batch_reset(st_batch *b);
/* Number of live rows (sel_len when a selection is set, else len). */
static inline uint32_t st_batch_live(const st_batch *b) { return b->sel ? b->sel_len : b->len; }
/* Allocate (or reuse) a selection array of at least cap entries. */
uint32_t *st_batch_sel_alloc(st_batch *b, uint32_t cap);
/* Set len on the batch and on every column (columns must already hold rows). */
void st_batch_set_len(st_batch *b, uint32_t len);

#endif /* ST_VECTOR_H */
