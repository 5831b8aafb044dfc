/*
 * xeval_int.h: evaluating a compiled transform spec over a batch of source
 * rows (private to engine/silver.c and its tests).
 *
 * An evaluator holds one vector per node (source columns are borrowed from
 * the caller's batch, everything else is owned and reused batch after
 * batch), a failure bitmap per node that can reject rows, and a pass
 * bitmap per validation rule.  Rules are evaluated a word (64 rows) at a
 * time with comparisons turned into bits, no branch per row; the valid rows
 * are the AND of every rule's bitmap with the complement of every failure
 * bitmap.
 *
 * One evaluator per thread; the spec and the lookups are shared.
 */
#ifndef ST_XEVAL_INT_H
#define ST_XEVAL_INT_H

#include "engine/lookup.h"
#include "engine/xspec_int.h"
#include "format/mem.h"

/* A loaded lookup: the index and the reference columns its LKCOL nodes read
 * (xlookup.cols, in order). */
typedef struct xlk_data {
    st_lookup *lk;
    st_vector **cols;
} xlk_data;

typedef struct xeval {
    const st_xspec *sp;
    uint32_t n;          /* rows of the last run */
    uint32_t words;      /* (n + 63) / 64 */
    st_vector **vals;    /* per node */
    bool *owned;
    st_vector ***stepv;  /* per COL node: the output of each step */
    st_vector **castv;   /* per COL node with a cast: the cast's output */
    uint64_t **fail;     /* per node that can fail */
    uint64_t **pass;     /* per rule */
    uint64_t *valid;     /* after a decide run */
    uint64_t *tmpfail;   /* scratch */
    uint32_t wcap;       /* words allocated in the bitmaps */
} xeval;

st_status xeval_new(const st_xspec *sp, xeval **out, st_error *e);
void xeval_free(xeval *x);

/* Evaluate the decide pass (decide = true: every node pass 1 needs, the
 * rules, the valid bitmap) or the output pass over n rows.  src[c] is the
 * vector of source view column c (only the pass's columns are read).
 * lks[i] is lookup i of the spec. */
st_status xeval_run(xeval *x, bool decide, st_vector *const *src, uint32_t n, const xlk_data *lks, st_error *e);

static inline bool xeval_valid(const xeval *x, uint32_t r) { return (x->valid[r >> 6] >> (r & 63)) & 1; }

/* After a decide run: every reason row r is invalid, appended to reasons
 * ("; "-separated, each naming its column, rule or lookup) and codes
 * (","-separated reason codes); code_counts[i] of the spec's reason codes
 * (xeval_code_names) is incremented once per code. */
void xeval_explain(const xeval *x, uint32_t r, st_sbuf *reasons, st_sbuf *codes, uint64_t *code_counts);

#define XEVAL_NCODES 12
extern const char *const xeval_code_names[XEVAL_NCODES];

#endif /* ST_XEVAL_INT_H */
