/*
 * xspec_int.h: the compiled form of a transform spec, shared by the
 * compiler (xspec.c), the evaluator (xeval.c) and the run (silver.c).
 *
 * A spec compiles to a DAG of nodes, listed in evaluation order (every node
 * after the nodes it reads):
 *
 *   SRC     a column of the Bronze source (its view: fields + lineage)
 *   LIT     a constant
 *   COL     a spec column: an input node, standardization steps, a cast
 *   LOOKUP  a lookup: reads its key nodes; its value is the matched row of
 *           the reference table (INT64, NULL when none matched)
 *   LKCOL   a column of a lookup's matched row (reads its LOOKUP node)
 *   EXPR    arithmetic (mul, add, sub, div) or coalesce over nodes
 *   CAST    an implicit cast (lookup keys to the reference column's type)
 *
 * Two node sets are marked: `decide` holds what pass 1 (which
 * rows are valid, which row wins each key) needs: rules, dedup key and order,
 * and every node that can reject a row, with everything they read; `output`
 * holds what pass 2 (the rows written) needs: kept columns.
 */
#ifndef ST_XSPEC_INT_H
#define ST_XSPEC_INT_H

#include <regex.h>

#include "engine/stdz.h"
#include "engine/xspec.h"
#include "format/schema.h"

typedef enum { XN_SRC, XN_LIT, XN_COL, XN_LOOKUP, XN_LKCOL, XN_EXPR, XN_CAST } xnode_kind;
typedef enum { XE_MUL, XE_ADD, XE_SUB, XE_DIV, XE_COALESCE } xexpr_op;

typedef struct xnode {
    xnode_kind kind;
    st_type type;       /* of the node's value */
    char *name;         /* COL: column name; others: a description */
    bool can_fail;      /* may reject rows (cast, step, arithmetic overflow) */
    bool decide, output;
    /* SRC */
    uint32_t src_col;   /* index in the source view schema */
    /* LIT */
    uint8_t lit[16];
    /* COL, CAST */
    int32_t in;         /* input node */
    st_stdz **steps;
    uint32_t nsteps;
    st_type *step_in;   /* input type of each step */
    bool has_cast;      /* COL: a final cast to `type` */
    bool keep;          /* COL: written to the table */
    int32_t out_col;    /* COL: index in the output schema, -1 when not kept */
    /* LOOKUP, LKCOL */
    int32_t lookup;     /* index in the spec's lookups */
    uint32_t lk_col;    /* LKCOL: index among the lookup's loaded columns */
    /* EXPR */
    xexpr_op op;
    int32_t *args;
    uint32_t nargs;
    int32_t order;      /* position in evaluation order */
} xnode;

typedef enum { XL_EQ, XL_CONTAINS } xlk_match;

typedef struct xlookup {
    char *name;
    char *table;
    int32_t node;       /* its LOOKUP node */
    bool reject;        /* unmatched rows are rejected (else kept with NULLs) */
    int dup;            /* duplicate keys in the table: 0 error, 1 first, 2 last */
    uint32_t nkeys;     /* equality pairs */
    char **tkeys;       /* reference table columns */
    int32_t *keys;      /* our nodes (cast to the reference column's type) */
    st_type *ktypes;
    uint32_t ncontains; /* containment pairs: reference text found in our text */
    char **tcont;
    int32_t *cont;
    uint32_t ncols;     /* reference columns loaded for LKCOL nodes */
    char **cols;
    st_type *ctypes;
} xlookup;

typedef enum {
    XR_NOT_NULL, XR_MIN, XR_MAX, XR_ALLOWED, XR_REGEX, XR_MAX_LENGTH, XR_MIN_LENGTH, XR_COMPARE
} xrule_kind;

typedef enum { XC_LT, XC_LE, XC_EQ, XC_NE, XC_GT, XC_GE } xcmp;

typedef struct xrule {
    xrule_kind kind;
    char *name;         /* for reasons: "quantity.min", "discount_within_price" */
    const char *code;   /* reason code: below_min, ... check_failed */
    int32_t a, b;       /* nodes (b: COMPARE) */
    xcmp cmp;
    uint8_t bound[16];  /* MIN/MAX: a value of a's type */
    char *bound_text;
    char **allowed;     /* ALLOWED: text forms; values parsed into allowed_v */
    uint8_t *allowed_v; /* nallowed values of a's type (non-strings) */
    uint32_t nallowed;
    regex_t re;
    bool re_ok;
    uint32_t length;
    uint32_t json_idx;  /* the spec's rule object it came from */
} xrule;

struct st_xspec {
    char *name, *dir;
    char *target, *source, *suite;
    st_tschema *src_schema;  /* the source table's schema */
    st_schema *src_view;     /* its view: fields + lineage columns */
    st_stdz_maps *maps;
    xnode *nodes;
    uint32_t nnodes;
    int32_t *order;          /* node indices in evaluation order */
    xlookup *lookups;
    uint32_t nlookups;
    xrule *rules;
    uint32_t nrules;
    /* dedup */
    uint32_t nkeys;
    int32_t *keys;           /* nodes */
    char **key_names;
    int32_t latest_by;       /* node, -1 when no dedup */
    int32_t src_ingest, src_line; /* source view columns _ingest_id, _line */
    /* output */
    st_tschema *out;
    int32_t *out_nodes;      /* out->nfields nodes */
    /* the source columns each pass reads */
    uint32_t *decide_cols, ndecide_cols;
    uint32_t *output_cols, noutput_cols;
};

#endif /* ST_XSPEC_INT_H */
