/*
 * sql_int.h: what the files of the SQL engine share (private to engine/sql).
 *
 * A statement goes through five stages, each in its own file:
 *
 *   text --sq_lex.c--> tokens --sq_parse.c--> AST (sq_sel, sq_ast)
 *        --sq_bind.c--> logical plan (sq_lop tree, typed sq_expr trees)
 *        --sq_plan.c--> pipelines (sq_pipe list) --sq_exec.c--> batches
 *
 * Everything a statement allocates before execution (tokens, AST, plan,
 * expressions, constants) lives in one arena owned by the statement
 * (sq_query.arena); execution state is malloc'ed and tracked against the
 * memory limit (sq_mem).
 *
 * Positions: every AST node, bound expression and plan node keeps the byte
 * offset of its first token in the statement text, so that a syntax error, a
 * binding error or a run-time error (overflow, failed cast, memory limit)
 * reports "line L, column C" and a caret under the query text (sq_err_at).
 *
 * Columns during binding are identified by a query-wide column id (cid);
 * the planner turns cids into positions in each operator's input chunk, so
 * that filter pushdown and column pruning are tree rewrites on cids.
 *
 * Execution model (sq_exec.c): a plan is a list of pipelines.  A pipeline
 * reads a source split into tasks (a table's units, or blocks of a
 * materialized collection), pushes chunks of at most SQ_CHUNK rows through a
 * chain of streaming operators (filter, project, hash-join probe) into a sink
 * (hash aggregation, join build, sort/top-N, collection, or the result).
 * Tasks run in parallel on format/pool.h; every sink keeps one partial state
 * per task and combines them in task order, so results (even floating-point
 * sums and the order of groups) are identical for any thread count.
 */
#ifndef ST_SQL_INT_H
#define ST_SQL_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/source.h"
#include "engine/sql.h"
#include "format/mem.h"
#include "format/schema.h"
#include "format/status.h"
#include "format/types.h"
#include "format/vector.h"
#include "format/zonemap.h"

#define SQ_CHUNK ST_VECTOR_SIZE /* rows per chunk in a pipeline (2048) */

/* ======================================================================
 * errors with positions (sq_err.c)
 * ====================================================================== */

/* Set e to "line L, column C: <msg>" followed by the query line and a caret
 * under position pos (a byte offset into sql).  Returns code. */
st_status sq_err_at(st_error *e, st_status code, const char *sql, uint32_t pos,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Add the position to an error already set (e.g. by a catalog or a parser of
 * values): "line L, column C: <old msg>" + excerpt. */
st_status sq_err_locate(st_error *e, const char *sql, uint32_t pos);

/* ======================================================================
 * memory accounting (sq_mem.c)
 * ====================================================================== */

typedef struct sq_mem {
    _Atomic uint64_t used;
    uint64_t limit; /* 0 = unlimited */
    uint64_t peak;
    const char *sql;
} sq_mem;

/* Large arrays (hash slots, join chains): 2 MiB-aligned and advised to
 * transparent huge pages when they are megabytes (a 4 KiB page fault each
 * is most of building a large hash table on a virtual machine); zeroed when
 * asked.  Free with free(). */
void *sq_big_alloc(size_t bytes, bool zero);

/* Account for n more bytes; ST_ERR_LIMIT (with what and the position) when
 * the limit would be passed.  Release gives them back. */
st_status sq_mem_reserve(sq_mem *m, uint64_t n, const char *what, uint32_t pos, st_error *e);
void sq_mem_release(sq_mem *m, uint64_t n);

/* Objects a statement frees when it closes (sources, constant vectors,
 * hash tables built for IN lists). */
typedef struct sq_pool {
    struct sq_pool_item {
        void (*fn)(void *);
        void *p;
    } *items;
    uint32_t n, cap;
} sq_pool;
st_status sq_pool_add(sq_pool *p, void (*fn)(void *), void *ptr, st_error *e);
void sq_pool_free(sq_pool *p);

/* ======================================================================
 * lexer (sq_lex.c)
 * ====================================================================== */

typedef enum sq_tok_kind {
    TK_EOF = 0,
    TK_IDENT,  /* bare identifier or keyword (s = text as written) */
    TK_QIDENT, /* "quoted identifier" (s = unescaped) */
    TK_STRING, /* 'string' (s = unescaped) */
    TK_INT,    /* 123 */
    TK_NUM,    /* 1.5, .5, 1e3 */
    TK_OP      /* op below */
} sq_tok_kind;

typedef enum sq_op {
    OP_NONE = 0,
    OP_PLUS, OP_MINUS, OP_STAR, OP_SLASH, OP_DSLASH, OP_PERCENT,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_CONCAT, OP_CAST, OP_LPAREN, OP_RPAREN, OP_COMMA, OP_DOT, OP_SEMI
} sq_op;

typedef struct sq_tok {
    uint8_t kind;
    uint8_t op;
    uint32_t pos; /* byte offset of the first character */
    uint32_t end; /* byte offset after the last character */
    const char *s; /* identifier / string / number text (arena, NUL-terminated) */
    uint32_t slen;
} sq_tok;

/* Tokenize sql (n bytes) into an arena array ending with TK_EOF. */
st_status sq_lex(st_arena *a, const char *sql, uint32_t n, sq_tok **out, uint32_t *ntok,
                 st_error *e);

/* ======================================================================
 * AST (sq_parse.c)
 * ====================================================================== */

typedef enum sq_ast_kind {
    A_COL = 1,   /* [q.]s */
    A_STAR,      /* [q.]* */
    A_INT,       /* integer literal, text in s */
    A_NUM,       /* decimal / float literal, text in s */
    A_STR,       /* string literal */
    A_NULL,
    A_BOOL,      /* op = 1 true, 0 false */
    A_TYPED,     /* DATE 'x' / TIMESTAMP 'x': type + s */
    A_NEG,       /* -a */
    A_BIN,       /* a op b: arithmetic, comparison, || */
    A_AND, A_OR, A_NOT,
    A_ISNULL,    /* a IS [NOT] NULL (neg) */
    A_BETWEEN,   /* a [NOT] BETWEEN b AND c */
    A_IN,        /* a [NOT] IN (list) */
    A_LIKE,      /* a [NOT] LIKE|ILIKE b [ESCAPE c]; op = 1 for ILIKE */
    A_CASE,      /* CASE [a] WHEN list[2i] THEN list[2i+1] ... ELSE b END */
    A_CAST,      /* CAST(a AS type), a::type, TRY_CAST (flag) */
    A_FUNC,      /* s(list) ; count(*) has star; distinct flag */
    A_EXTRACT,   /* EXTRACT(s FROM a) */
    A_ISBOOL,    /* a IS [NOT] TRUE|FALSE: op = 1 true / 0 false */
    A_SUBQ       /* (SELECT ...) in an expression: not supported, reported */
} sq_ast_kind;

typedef struct sq_sel sq_sel;
typedef struct sq_ast sq_ast;

struct sq_ast {
    uint8_t kind;
    uint8_t op;     /* sq_op for A_BIN; flags elsewhere */
    bool neg;       /* NOT variants */
    bool distinct;  /* aggregate DISTINCT */
    bool star;      /* count(*) */
    bool flag;      /* TRY_CAST */
    uint32_t pos, end;
    const char *s;  /* name / literal text (NUL-terminated) */
    uint32_t slen;
    const char *q;  /* qualifier of A_COL / A_STAR, or NULL */
    uint32_t qlen;
    st_type type;   /* A_CAST, A_TYPED */
    sq_ast *a, *b, *c;
    sq_ast **list;
    uint32_t nlist;
    sq_sel *sub;
};

typedef struct sq_item {
    sq_ast *e;
    const char *alias; /* NULL: derived */
    uint32_t alen;
} sq_item;

typedef struct sq_order {
    sq_ast *e;
    bool desc;
    int8_t nulls_first; /* -1 default, 0 last, 1 first */
} sq_order;

typedef enum { F_TABLE = 1, F_FILE, F_FUNC, F_SUBQ, F_JOIN } sq_from_kind;
typedef enum { J_INNER = 1, J_LEFT, J_CROSS } sq_join_kind;

typedef struct sq_from sq_from;
struct sq_from {
    uint8_t kind;
    uint8_t jtype;
    uint32_t pos;
    const char *name; /* table name as written ("bronze.sales"), file path, function */
    uint32_t nlen;
    sq_ast **args;    /* table function arguments */
    uint32_t nargs;
    const char *alias;
    uint32_t alen;
    const char **colalias; /* alias(c1, c2, ...) */
    uint32_t ncolalias;
    sq_ast *version, *ts; /* VERSION AS OF / TIMESTAMP AS OF */
    sq_sel *sub;
    sq_from *l, *r;
    sq_ast *on;
};

typedef struct sq_cte {
    const char *name;
    uint32_t nlen;
    const char **cols;
    uint32_t ncols;
    sq_sel *sel;
    uint32_t pos;
} sq_cte;

struct sq_sel {
    uint32_t pos;
    sq_cte *ctes;
    uint32_t nctes;
    bool distinct;
    sq_item *items;
    uint32_t nitems;
    sq_from *from;
    sq_ast *where, *having;
    sq_ast **group;
    uint32_t ngroup;
    bool group_all;
    sq_order *order;
    uint32_t norder;
    sq_ast *limit, *offset;
    sq_sel *set_next;     /* UNION [ALL] chain */
    bool set_all;
    uint32_t set_pos;
};

typedef enum {
    SQ_SELECT = 0,
    SQ_CREATE,    /* CREATE TABLE t [PARTITION BY ...] [CLUSTER BY (...)] AS query */
    SQ_INSERT,    /* INSERT INTO t query */
    SQ_OVERWRITE, /* INSERT OVERWRITE [TABLE] t query */
    SQ_COPY       /* COPY (query) TO 'path' [(option value, ...)] */
} sq_stmt_kind;

typedef struct sq_copyopt {
    const char *name, *value; /* as written (value: word or string) */
    uint32_t pos, vpos;
} sq_copyopt;

typedef struct sq_stmt {
    sq_sel *sel;
    bool explain;
    bool analyze; /* EXPLAIN ANALYZE */
    uint8_t kind; /* sq_stmt_kind */
    /* CREATE / INSERT: the table ("gold.t"); COPY: the path */
    const char *target;
    uint32_t target_pos;
    uint8_t part_kind;      /* st_part_kind (format/logrec.h) */
    const char *part_col;   /* PARTITION BY column */
    uint32_t part_pos;
    const char **cluster;   /* CLUSTER BY columns */
    uint32_t *cluster_pos;
    uint32_t ncluster;
    sq_copyopt *copts;      /* COPY options */
    uint32_t ncopts;
    uint32_t sel_pos;       /* where the query starts */
} sq_stmt;

/* Statements that write (sq_write.c). */
typedef struct sq_write sq_write;
st_status sq_write_setup(st_catalog *cat, const char *sql, const sq_stmt *st, uint32_t ncols,
                         const char **names, const st_type *types, sq_write **out, st_error *e);
st_status sq_write_wrap(st_arena *a, const sq_write *w, const sq_stmt *st, sq_sel **out, st_error *e);
st_status sq_write_add(sq_write *w, const st_batch *b, st_error *e);
st_status sq_write_finish(sq_write *w, st_error *e);
uint64_t sq_write_rows(const sq_write *w);
int64_t sq_write_version(const sq_write *w);
bool sq_write_is_copy(const sq_write *w);
void sq_write_free(sq_write *w);

/* Parse one statement (an optional trailing ';').  Errors are ST_ERR_PARSE
 * with the position of the offending token. */
st_status sq_parse(st_arena *a, const char *sql, uint32_t n, sq_stmt *out, st_error *e);

/* ======================================================================
 * values and bound expressions
 * ====================================================================== */

typedef struct sq_value {
    st_type type;
    bool null;
    union {
        int64_t i;
        uint64_t u;
        double d;
        float f;
        st_i128 h;
        st_str s;
        uint8_t b;
    } v;
} sq_value;

/* A vector handed between kernels: c = constant (only row 0 is meaningful). */
typedef struct sq_vec {
    st_vector *v;
    bool c;
} sq_vec;

typedef struct sq_ectx sq_ectx;
typedef struct sq_expr sq_expr;

typedef st_status (*sq_kfn)(sq_ectx *cx, const sq_expr *ex, const sq_vec *args,
                            const uint32_t *sel, uint32_t n, st_vector *out, st_error *e);
/* A comparison as a filter: rows among sel/n (NULL = 0..n-1) where a OP b is
 * TRUE (NULLs excluded), written ascending to out; returns their count. */
typedef uint32_t (*sq_sfn)(const sq_vec *a, const sq_vec *b, const uint32_t *sel, uint32_t n,
                           uint32_t *out);

typedef enum sq_ek {
    E_COL = 1,  /* input column (cid while binding, position after planning) */
    E_CONST,    /* val; cvec is a 1-row vector */
    E_FUNC,     /* kfn(args) with strict NULL propagation done by the kernel */
    E_AND, E_OR, E_NOT,
    E_ISNULL,   /* neg: IS NOT NULL */
    E_CASE,     /* args: when0, then0, when1, then1, ..., [else] (has_else) */
    E_COALESCE, /* lazy: later args only for rows still NULL */
    E_IN,       /* args[0] IN (args[1..]); neg: NOT IN */
    E_AGG       /* only while binding: an aggregate call (agg index in aux) */
} sq_ek;

typedef enum sq_cmp {
    C_EQ = 0, C_NE, C_LT, C_LE, C_GT, C_GE
} sq_cmp;

struct sq_expr {
    uint8_t kind;
    uint8_t cmp;      /* E_FUNC comparisons: sq_cmp; 0xFF otherwise */
    bool neg;
    bool has_else;
    bool literal;     /* an untyped literal (integer/string) that may adapt */
    bool volatile_;   /* now(), random: never folded */
    st_type type;
    uint32_t pos;
    uint32_t col;     /* E_COL */
    uint32_t slot;    /* scratch vector index (assigned by the planner) */
    uint32_t aux;     /* function-specific (date part, agg index, ...) */
    int32_t iaux;     /* function-specific (round digits, ...) */
    void *state;      /* function-specific constant state (LIKE matcher, IN set) */
    const char *name; /* function name (for plans and errors) */
    sq_kfn kfn;
    sq_sfn sfn;       /* comparisons: the filter form of kfn */
    sq_value val;     /* E_CONST */
    st_vector *cvec;  /* E_CONST as a 1-row vector */
    sq_expr **args;
    uint32_t nargs;
};

/* Per-worker evaluation context. */
struct sq_ectx {
    const char *sql;
    st_vector **scratch; /* indexed by expr slot */
    uint32_t nscratch;
    uint32_t *selbuf[4]; /* temporaries for AND/OR/CASE (SQ_CHUNK each) */
    int64_t now_us;
};

/* ======================================================================
 * chunks
 * ====================================================================== */

/* A chunk: borrowed column vectors and the live rows.  sel == NULL means
 * rows 0..n-1 are live (and len == n). */
typedef struct sq_chunk {
    uint32_t ncols;
    st_vector **cols;
    uint32_t len;
    const uint32_t *sel;
    uint32_t n;
} sq_chunk;

/* ======================================================================
 * vectors (sq_vec.c): scratch vectors own a validity buffer that survives
 * resets, so that filling one allocates nothing in steady state.
 * ====================================================================== */

st_vector *sq_vec_new(st_type t, uint32_t cap);
void sq_vec_free(st_vector *v);
/* Forget nulls and strings; keep capacity and buffers. */
void sq_vec_clear(st_vector *v);
/* The validity bitmap, attached and set all-valid when it was not. */
uint64_t *sq_vec_validity(st_vector *v);
/* Grow to cap rows (keeps contents). */
st_status sq_vec_reserve(st_vector *v, uint32_t cap, st_error *e);

static inline bool sq_isnull(const st_vector *v, uint32_t i) {
    return v->validity && !((v->validity[i >> 6] >> (i & 63)) & 1);
}
static inline void sq_setnull(uint64_t *vb, uint32_t i) {
    vb[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}
static inline void sq_setvalid(uint64_t *vb, uint32_t i) {
    vb[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* out validity := AND of the validity of args over the live rows.  Leaves
 * out->validity NULL when no arg has nulls.  ST_ERR_NOMEM on failure. */
st_status sq_prop_nulls(st_vector *out, const sq_vec *args, uint32_t nargs, const uint32_t *sel,
                        uint32_t n, st_error *e);
/* True when rows [0, rows) of v are all valid (no bitmap, or all ones). */
bool sq_all_valid(const st_vector *v, uint32_t rows);
/* Zero the data slots of NULL rows among the live rows (vector invariant). */
void sq_zero_nulls(st_vector *out, const uint32_t *sel, uint32_t n);

/* Copy live rows (sel/n) of src into dst starting at row dst_off, strings
 * copied into dst's heap.  dst must have room.  Same type. */
st_status sq_vec_gather(st_vector *dst, uint32_t dst_off, const st_vector *src, bool src_const,
                        const uint32_t *sel, uint32_t n, st_error *e);
/* Copy row i of src into row j of dst (same type, strings copied). */
st_status sq_vec_copy_row(st_vector *dst, uint32_t j, const st_vector *src, uint32_t i,
                          st_error *e);

/* Bump allocation of result strings into a vector's heap, in 64 KiB
 * blocks (the arena aligns each allocation, so one per string would waste
 * space on short strings). */
typedef struct sq_strw {
    st_vector *v;
    char *p;
    size_t left;
} sq_strw;
static inline char *sq_strw_alloc(sq_strw *w, size_t n) {
    if (n > w->left) {
        size_t sz = n > 65536 ? n : 65536;
        char *p = st_vector_str_alloc(w->v, sz);
        if (!p) return NULL;
        w->p = p;
        w->left = sz;
    }
    char *r = w->p;
    w->p += n;
    w->left -= n;
    return r;
}
/* Store bytes as row r of w->v (copied). */
static inline bool sq_strw_put(sq_strw *w, uint32_t r, const char *p, size_t n) {
    char *d = n ? sq_strw_alloc(w, n) : NULL;
    if (n && !d) return false;
    if (n) memcpy(d, p, n);
    st_str *s = (st_str *)w->v->data + r;
    s->ptr = d ? d : ""; /* never a NULL pointer, even for no bytes */
    s->len = (uint32_t)n;
    s->reserved = 0;
    return true;
}

/* A value from row i of v. */
void sq_value_from_vec(const st_vector *v, uint32_t i, sq_value *out);
/* Store a value into row i of v (strings copied into v's heap). */
st_status sq_value_to_vec(const sq_value *val, st_vector *v, uint32_t i, st_error *e);

/* ======================================================================
 * types (sq_types.c): DuckDB's implicit conversion rules
 * ====================================================================== */

/* Physical class of a type, used to pick kernels. */
typedef enum sq_phys {
    P_BOOL, P_I8, P_I16, P_I32, P_I64, P_U64, P_I128, P_F32, P_F64, P_STR
} sq_phys;
sq_phys sq_phys_of(st_type t);

st_type sq_t(st_type_id id);
/* DECIMAL(p,0) wide enough for an integer type (INT8 -> 3, INT16 -> 5,
 * INT32 -> 10, INT64 -> 19 (DuckDB), UINT64 -> 20). */
st_type sq_int_as_decimal(st_type t);
/* The type two operands are compared or combined in (CASE, COALESCE, IN,
 * comparisons), or ST_T_INVALID when there is none. */
st_type sq_common_type(st_type a, bool alit, st_type b, bool blit);
/* Bytes of a type for messages ("INTEGER", "DECIMAL(18,2)"): DuckDB-ish names. */
const char *sq_type_name(st_type t, char *buf);
/* Can a value of type from be cast to type to at all? */
bool sq_cast_possible(st_type from, st_type to);

/* ======================================================================
 * expressions (sq_expr.c, sq_kern.c, sq_cast.c, sq_func.c)
 * ====================================================================== */

sq_expr *sq_expr_new(st_arena *a, uint8_t kind, st_type t, uint32_t pos);
sq_expr *sq_expr_const(st_arena *a, const sq_value *v, uint32_t pos);
sq_expr *sq_expr_col(st_arena *a, uint32_t cid, st_type t, uint32_t pos);
/* Structural equality (used to match GROUP BY expressions). */
bool sq_expr_equal(const sq_expr *x, const sq_expr *y);
/* Deep copy (constants share their vectors). */
sq_expr *sq_expr_copy(st_arena *a, const sq_expr *x);

/* Build the 1-row vector of a constant expression (registered in pool for
 * freeing, unless pool is NULL: then the caller frees x->cvec). */
st_status sq_const_vec(sq_expr *x, sq_pool *pool, st_error *e);

/* Evaluate ex over the live rows of `in` restricted to sel/n (sel NULL:
 * rows 0..n-1).  The result is written to *out (a scratch vector or a
 * borrowed input column or a constant). */
st_status sq_eval(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in, const uint32_t *sel,
                  uint32_t n, sq_vec *out, st_error *e);
/* Rows among sel/n for which the boolean ex is TRUE, into out_sel
 * (ascending); *out_n their count.  out_sel may alias sel. */
st_status sq_select(sq_ectx *cx, const sq_expr *ex, const sq_chunk *in, const uint32_t *sel,
                    uint32_t n, uint32_t *out_sel, uint32_t *out_n, st_error *e);

/* Evaluate a constant expression (no columns) into a value; strings are
 * copied into the arena. */
st_status sq_eval_const(st_arena *a, const char *sql, int64_t now_us, const sq_expr *ex,
                        sq_value *out, st_error *e);

/* Comparison of two same-typed expressions (kernels chosen by type). */
sq_kfn sq_cmp_kernel(sq_cmp op, st_type t);
sq_sfn sq_cmp_select(sq_cmp op, st_type t);
/* Arithmetic kernel for op (OP_PLUS..OP_PERCENT) on operands of type t
 * producing rt, or NULL.  ex->aux must hold the operator (for messages). */
sq_kfn sq_arith_kernel(int op, st_type t, st_type rt);
sq_kfn sq_neg_kernel(st_type t);
st_status sq_k_date_diff(sq_ectx *cx, const sq_expr *ex, const sq_vec *args, const uint32_t *sel,
                         uint32_t n, st_vector *out, st_error *e);
st_status sq_k_concat(sq_ectx *cx, const sq_expr *ex, const sq_vec *args, const uint32_t *sel,
                      uint32_t n, st_vector *out, st_error *e);
/* Cast kernel from -> to (try: failures give NULL). */
sq_kfn sq_cast_kernel(st_type from, st_type to, bool try_);
/* Wrap x into a cast to t (no-op when the types are equal). */
sq_expr *sq_cast_expr(st_arena *a, sq_expr *x, st_type t, bool try_);
/* Cast a constant value now (for folding and literal adaptation). */
st_status sq_cast_value(st_arena *a, const sq_value *in, st_type to, bool try_, sq_value *out,
                        st_error *e);

/* Scalar function binding: fills ex->type, ex->kfn, may cast args.
 * Returns ST_ERR_NOT_FOUND when no function has this name. */
typedef struct sq_binder sq_binder;
st_status sq_func_bind(sq_binder *b, sq_expr *ex, const char *name, st_error *e);
bool sq_func_exists(const char *name);

/* LIKE binding: ex->args = (string, pattern [, escape]) (sq_func.c). */
st_status sq_like_bind(sq_binder *b, sq_expr *ex, bool ci, bool neg, st_error *e);
/* LIKE matcher (sq_func.c). */
bool sq_like_match(const char *s, uint32_t sn, const char *p, uint32_t pn, bool ci,
                   int escape);

/* ======================================================================
 * aggregates (sq_agg.c)
 * ====================================================================== */

typedef enum sq_aggk {
    AG_COUNT_STAR = 1, AG_COUNT, AG_SUM, AG_AVG, AG_MIN, AG_MAX, AG_FIRST
} sq_aggk;

typedef struct sq_aggdef {
    uint8_t kind;
    bool distinct;
    st_type in_type;  /* argument type (after casts) */
    st_type type;     /* result type */
    sq_expr *arg;     /* NULL for count(*) */
    uint32_t pos;
    const char *name;
} sq_aggdef;

/* Result type of an aggregate over an argument type; false when invalid. */
bool sq_agg_result_type(uint8_t kind, st_type in, st_type *out);

/* ======================================================================
 * hash table (sq_ht.c): open addressing over distinct keys (groups)
 * ====================================================================== */

typedef struct sq_ht {
    uint32_t nkeys;
    st_type *types;
    st_vector **keys; /* one growable vector per key column: group g's key */
    uint64_t *hashes; /* per group */
    uint32_t ngroups, gcap;
    uint64_t *slots;  /* 0 = empty, else (hash tag << 32) | (gid + 1) */
    uint64_t nslots;  /* power of two */
    sq_mem *mem;
    uint64_t bytes;   /* accounted */
    uint32_t pos;     /* query position for limit errors */
    const char *what;
    bool nulls_equal; /* GROUP BY: NULL = NULL; joins skip NULL keys */
} sq_ht;

/* The constant set of `x IN (constants)` (E_IN's state): its distinct
 * non-NULL values are the keys of ht. */
typedef struct sq_inset {
    sq_ht ht;
    bool has_null;
} sq_inset;

st_status sq_ht_init(sq_ht *h, const st_type *types, uint32_t nkeys, sq_mem *mem,
                     const char *what, uint32_t pos, st_error *e);
void sq_ht_free(sq_ht *h);
/* Hash the key columns of the live rows: hashes[k] for row sel[k]. */
void sq_ht_hash(const sq_ht *h, st_vector *const *cols, const uint32_t *sel, uint32_t n,
                uint64_t *hashes);
/* Find or insert: gids[k] = group of row sel[k]; *nnew = groups created. */
st_status sq_ht_upsert(sq_ht *h, st_vector *const *cols, const uint32_t *sel, uint32_t n,
                       const uint64_t *hashes, uint32_t *gids, st_error *e);
/* Make room for n groups in all (no rehash until then). */
st_status sq_ht_reserve(sq_ht *h, uint64_t n, st_error *e);
/* Find only: gids[k] = group or UINT32_MAX. */
void sq_ht_find(const sq_ht *h, st_vector *const *cols, const uint32_t *sel, uint32_t n,
                const uint64_t *hashes, uint32_t *gids);

/* ======================================================================
 * collections (sq_coll.c): materialized rows in blocks of SQ_CHUNK rows
 * ====================================================================== */

typedef struct sq_block {
    uint32_t n;
    st_vector **cols;
} sq_block;

typedef struct sq_coll {
    uint32_t ncols;
    st_type *types;
    sq_block **blocks;
    uint32_t nblocks, bcap;
    uint64_t rows;
    sq_mem *mem;
    uint64_t bytes;
    uint32_t pos;
    const char *what;
    uint32_t nsealed;      /* blocks [0, nsealed) are summed in sealed_bytes */
    uint64_t sealed_bytes; /* (sq_coll_account) */
} sq_coll;

sq_coll *sq_coll_new(const st_type *types, uint32_t ncols, sq_mem *mem, const char *what,
                     uint32_t pos);
void sq_coll_free(sq_coll *c);
/* Append the live rows of a chunk (its columns in collection order). */
st_status sq_coll_append(sq_coll *c, const sq_chunk *ch, st_error *e);
/* Append src's rows locs[perm[0..n)] (locs[0..n) when perm is NULL), in
 * that order, as new full blocks of dst (same column types).  consume: src's
 * blocks are freed as soon as the output is past their last row, and src is
 * left empty (even on failure). */
st_status sq_coll_append_locs(sq_coll *dst, sq_coll *src, const uint32_t *locs,
                              const uint32_t *perm, uint64_t n, bool consume, st_error *e);
/* Move every block of src to the end of dst (src is left empty). */
st_status sq_coll_move(sq_coll *dst, sq_coll *src, st_error *e);
/* Random access: locs[r] = (block << 11) | offset for every row r in
 * order (blocks may be partly filled after sq_coll_move).  Caller frees. */
st_status sq_coll_locs(const sq_coll *c, uint32_t **locs, st_error *e);
#define SQ_LOC_BLOCK(l) ((l) >> 11)
#define SQ_LOC_OFF(l) ((l) & 2047u)
/* Account for bytes the collection took since the last call. */
st_status sq_coll_account(sq_coll *c, st_error *e);

/* ======================================================================
 * logical plan (sq_bind.c builds it)
 * ====================================================================== */

typedef enum sq_lk {
    L_SCAN = 1, L_ONE, L_FILTER, L_PROJECT, L_AGG, L_JOIN, L_SORT, L_LIMIT, L_UNION
} sq_lk;

typedef struct sq_sortkey {
    sq_expr *e;
    bool desc;
    bool nulls_first;
} sq_sortkey;

/* What EXPLAIN ANALYZE measures per logical operator (summed over tasks). */
typedef struct sq_opstats {
    _Atomic uint64_t rows; /* rows the operator produced */
    _Atomic uint64_t ns;   /* time in the operator itself (not its consumers) */
    _Atomic uint64_t calls;
} sq_opstats;

struct sq_scan;
typedef struct sq_lop sq_lop;
struct sq_lop {
    uint8_t kind;
    uint8_t jtype;
    uint32_t pos;
    sq_lop *child, *right;
    uint32_t nout;
    uint32_t *cids;   /* output column ids */
    st_type *types;   /* output types */
    double est_rows;  /* cardinality estimate */
    /* L_SCAN */
    st_source *src;
    uint32_t *src_cols; /* source field index per output column */
    sq_expr *filter;    /* pushed-down conjunction, or NULL */
    char *label;        /* table name / file for plans */
    /* L_FILTER */
    sq_expr *pred;
    /* L_PROJECT */
    sq_expr **exprs;
    /* L_AGG: out = keys then aggs */
    sq_expr **keys;
    uint32_t nkeys;
    sq_aggdef *aggs;
    uint32_t naggs;
    /* L_JOIN: out = left then right */
    sq_expr **lkeys, **rkeys;
    uint32_t njkeys;
    sq_expr *residual;
    /* L_SORT */
    sq_sortkey *skeys;
    uint32_t nskeys;
    /* L_SORT (top-N) / L_LIMIT: -1 = none */
    int64_t limit, offset;
    /* L_UNION: all (no dedup) */
    bool all;
    /* EXPLAIN: the node's line (printed before planning rewrites column ids
     * into positions), its physical scan, and what ANALYZE measured */
    char *desc;
    struct sq_scan *scan;
    sq_opstats st;
    bool table; /* L_SCAN: a table (groups are segments), not a file */
};

/* ======================================================================
 * binder (sq_bind.c)
 * ====================================================================== */

struct sq_binder {
    st_arena *a;
    const char *sql;
    st_catalog *cat;
    const st_sql_opts *opts;
    uint32_t next_cid;
    const char **cidnames; /* for EXPLAIN: a name per column id (arena) */
    uint32_t cidcap;
    int64_t now_us;
    sq_pool *pool;       /* sources and other objects closed with the query */
    struct sq_ctescope *ctes;
    uint32_t depth;      /* subquery nesting */
    bool union_arm;      /* binding one SELECT of a UNION */
};

/* Bind a parsed statement into a logical plan; names[] and the output types
 * describe the result. */
st_status sq_bind(sq_binder *b, sq_sel *sel, sq_lop **out, const char ***names, st_error *e);

/* Open a file as a source ('f.csv', read_csv('f.csv', k = v, ...)); sq_files.c. */
struct st_file_option;
st_status sq_file_open(const char *path, const char *func, const struct st_file_option *opts,
                       uint32_t nopts, st_source **out, st_error *e);

/* ======================================================================
 * physical plan and execution (sq_plan.c, sq_exec.c, ...)
 * ====================================================================== */

typedef struct sq_pipe sq_pipe;
typedef struct sq_exec sq_exec;

typedef enum { PS_SCAN = 1, PS_COLL, PS_ONE } sq_psrc;
typedef enum { PO_FILTER = 1, PO_PROJECT, PO_PROBE } sq_pok;
typedef enum { SK_AGG = 1, SK_BUILD, SK_SORT, SK_COLL, SK_RESULT } sq_skk;

typedef struct sq_join sq_join;
typedef struct sq_aggop sq_aggop;
typedef struct sq_sortop sq_sortop;

typedef struct sq_pop {
    uint8_t kind;
    uint32_t nin, nout;
    sq_expr *pred;     /* PO_FILTER */
    sq_expr **exprs;   /* PO_PROJECT: nout expressions */
    sq_join *join;     /* PO_PROBE */
    sq_lop *lop;       /* the logical operator it implements (EXPLAIN) */
} sq_pop;

/* The tasks of a scan: (group, unit) pairs, and the kept groups. */
typedef struct sq_scan_tasks {
    uint32_t *tg, *tu; /* ntasks */
    uint64_t ntasks;
    uint32_t *groups;  /* kept groups, opened */
    uint32_t ngroups;
} sq_scan_tasks;

typedef struct sq_scan {
    st_source *src;
    uint32_t ncols;
    uint32_t *cols;       /* source field indexes to read */
    st_type *types;
    sq_expr *filter;      /* over the read columns, or NULL */
    /* filter-first reads: the columns the filter needs (positions in cols);
     * a unit is read with these first, and the rest only when a row passes */
    uint32_t nfcols;
    uint32_t *fcols;
    /* zone-map pruning: the filter as a tree of tests that zone maps can
     * answer (sq_prune.c); NULL when none; nprune counts its leaves */
    struct sq_prune *prune;
    uint32_t nprune;
    char *label;
    uint32_t pos;
    struct sq_lop *lop;   /* the logical scan (EXPLAIN) */
    _Atomic uint64_t read_ns; /* EXPLAIN ANALYZE: time reading units */
    /* filled when the scan is prepared (sq_scan_prepare) */
    bool prepared;
    sq_scan_tasks tasks;
    uint32_t nparts, nparts_kept;
    uint32_t ngroups, ngroups_kept;
    uint64_t nunits, nunits_kept;
    uint64_t rows_total, rows_kept;   /* rows of every group / of the kept units */
    uint64_t bytes_total, bytes_kept; /* bytes on disk of every group / the kept
                                         units' chunks of the columns read */
    /* filled while running (EXPLAIN ANALYZE) */
    _Atomic uint64_t rows_read, bytes_read;
} sq_scan;

/* Pruning tree (sq_prune.c): a node answers "may a row of a range whose
 * zone maps are zm satisfy the filter?"; false only when provably not. */
typedef enum sq_prk {
    PR_TRUE = 0, /* unknown / always: keep */
    PR_FALSE,    /* the filter is never TRUE (e.g. WHERE 1 = 0): skip all */
    PR_CMP,      /* field op val */
    PR_IN,       /* field IN (vals) */
    PR_AND,
    PR_OR
} sq_prk;

typedef struct sq_prune {
    uint8_t kind;   /* sq_prk */
    uint8_t op;     /* PR_CMP: st_cmp_op */
    uint32_t field; /* PR_CMP / PR_IN: source field index */
    st_type type;   /* of the field */
    st_zval val;    /* PR_CMP */
    st_zval *vals;  /* PR_IN: ascending, distinct */
    uint32_t nvals;
    struct sq_prune **kids; /* PR_AND / PR_OR */
    uint32_t nkids;
} sq_prune;

/* The pruning tree of a scan's filter (expressions over column ids, as the
 * binder leaves them); field_of maps a column id to the source field index
 * (or -1).  Returns NULL when nothing in the filter can prune; *nleaves
 * counts the tests.  Arena-allocated. */
sq_prune *sq_prune_build(st_arena *a, const sq_expr *filter, const uint32_t *cids,
                         const uint32_t *fields, uint32_t ncids, uint32_t *nleaves);
/* May a row of a range with these zone maps (one per source field; NULL =
 * unknown) satisfy the tree?  NULL tree: true. */
bool sq_prune_may(const sq_prune *p, const st_zonemap *zm);
/* Print the tree (EXPLAIN); names indexed by source field. */
void sq_prune_print(const sq_prune *p, const st_schema *schema, st_sbuf *sb);

/* Prepare a scan once (later calls do nothing): find the (group, unit)
 * pairs that survive pruning, in source order, into s->tasks, opening the
 * kept groups (in parallel on nthreads), and fill the scan's counts
 * (partitions, groups, units, rows, bytes).  no_prune keeps everything (the
 * answer must not change).  Stream sources get no units: s->tasks.groups
 * lists the kept (opened) groups.  The tasks are freed with the plan. */
st_status sq_scan_prepare(sq_scan *s, uint32_t nthreads, bool no_prune, st_error *e);
void sq_scan_tasks_free(sq_scan_tasks *t);

struct sq_pipe {
    uint32_t id;
    uint32_t *sinkmap;  /* SK_COLL/SK_SORT/SK_RESULT: chunk columns to keep */
    st_type *sinktypes; /* SK_COLL/SK_RESULT: their types */
    uint8_t src_kind;
    sq_scan *scan;
    sq_coll **src_coll; /* where the collection will be once built */
    uint32_t nsrc;      /* columns of the source chunks */
    sq_pop *ops;
    uint32_t nops, opcap;
    uint8_t sink_kind;
    uint32_t nsink;     /* columns reaching the sink */
    sq_aggop *agg;
    sq_join *join;      /* SK_BUILD */
    sq_expr **bkeys;    /* SK_BUILD: key expressions over the chunk */
    sq_sortop *sort;
    sq_coll *out;       /* SK_COLL / SK_SORT / SK_AGG output */
    bool shared_out;    /* out belongs to another pipe (UNION) */
    int64_t limit, offset; /* SK_COLL / SK_RESULT */
    uint32_t pos;
    sq_lop *sink_lop;      /* the logical operator of the sink (EXPLAIN) */
    /* EXPLAIN ANALYZE: per operator (and [nops] the sink) the rows that
     * entered it and the time spent in it and everything it pushed to */
    sq_opstats *an;
};

typedef struct sq_plan {
    sq_pipe **pipes;
    uint32_t npipes, cap;
    uint32_t nslots;    /* expression scratch slots */
    uint32_t ncols;     /* result columns */
    sq_join **joins;    /* freed with the plan */
    uint32_t njoins;
} sq_plan;

/* Turn a logical plan into pipelines (the last is the result pipeline).
 * Expressions are resolved to chunk positions (the logical plan's cids are
 * overwritten), constants get their vectors (freed through pool). */
st_status sq_plan_build(st_arena *a, const char *sql, sq_lop *root, uint32_t maxcid,
                        sq_pool *pool, sq_plan *out, st_error *e);
void sq_plan_free(sq_plan *p);
/* EXPLAIN (sq_explain.c).  Describe every node of a logical plan (its line
 * of EXPLAIN, into l->desc) while column ids still name columns: before
 * sq_plan_build.  names[cid] names columns (may be NULL). */
st_status sq_plan_describe(st_arena *a, sq_lop *root, const char *const *names, uint32_t nnames,
                           st_error *e);
/* The plan with each scan's pruning counts (scans must be prepared) and,
 * when analyze, what each operator did (plan = the physical plan that ran,
 * total_ns the statement's time, rows its result rows).  Text: one line
 * per node, indented; JSON: {"plan": node, ...}. */
typedef struct sq_explain_in {
    const sq_lop *root;
    const sq_plan *plan;
    bool analyze;
    uint64_t total_ns, rows;
} sq_explain_in;
void sq_explain_text(const sq_explain_in *in, st_sbuf *sb);
struct json_t;
struct json_t *sq_explain_json(const sq_explain_in *in);

/* ---- operators' shared state ---- */

struct sq_aggop {
    uint32_t nkeys, naggs;
    st_type *key_types;
    sq_expr **keys;   /* over the sink input */
    sq_aggdef *aggs;  /* args over the sink input */
    uint32_t pos;
};

struct sq_join {
    uint8_t jtype;         /* J_INNER / J_LEFT */
    bool build_left;       /* the build side is the logical left input */
    uint32_t nkeys;
    sq_expr **bkeys;       /* over the build sink input */
    sq_expr **pkeys;       /* over the probe chunk */
    sq_expr *residual;     /* over (left cols ++ right cols), or NULL */
    uint32_t nbuild;       /* build columns stored */
    st_type *btypes;
    uint32_t nprobe;       /* probe chunk columns */
    uint32_t pos;
    /* built */
    sq_coll *rows;         /* build rows (the nbuild columns) */
    sq_ht ht;              /* distinct keys */
    uint32_t *first;       /* per key group: first build row, chained by next */
    uint32_t *next;        /* per build row */
    bool unique;           /* every key has one row */
    bool ident;            /* unique and every row keyed: group id = row */
    bool preserve_build;   /* LEFT JOIN built on its left (preserved) side */
    uint8_t *bmatched;     /* per build row: matched (preserve_build) */
    st_type *ptypes;       /* probe column types (for unmatched rows) */
    bool built;
    uint32_t *locs;        /* unused (rows are packed: row r at block r / SQ_CHUNK) */
    uint8_t *bnulls;       /* per stored build column: has NULLs */
    uint64_t matched_bytes; /* accounted bytes of first/next */
};

struct sq_sortop {
    uint32_t nkeys;
    sq_sortkey *keys;      /* over the sink input */
    int64_t limit, offset; /* top-N when limit >= 0 */
    uint32_t ncols;
    st_type *types;
    uint32_t pos;
};

/* Execution (sq_exec.c). */
st_status sq_exec_new(sq_plan *plan, const char *sql, sq_mem *mem, const st_sql_opts *o,
                      int64_t now_us, sq_exec **out, st_error *e);
/* Next result chunk (columns in result order); *ch->n == 0 at the end. */
st_status sq_exec_next(sq_exec *x, sq_chunk *ch, st_error *e);
void sq_exec_free(sq_exec *x);

/* Hash join build/probe (sq_join.c) */
typedef struct sq_probe_state sq_probe_state;
st_status sq_join_finish_build(sq_join *j, sq_mem *mem, st_error *e);
sq_probe_state *sq_probe_state_new(const sq_join *j, uint32_t nout);
void sq_probe_state_free(sq_probe_state *ps);
/* Probe one chunk; calls emit for each output chunk. */
typedef st_status (*sq_emit_fn)(void *ctx, const sq_chunk *ch, st_error *e);
st_status sq_join_probe(sq_join *j, sq_probe_state *ps, sq_ectx *cx, const sq_chunk *in,
                        sq_emit_fn emit, void *ectx, st_error *e);
st_status sq_join_emit_unmatched(sq_join *j, sq_probe_state *ps, const st_type *ptypes,
                                 sq_emit_fn emit, void *ectx, st_error *e);
void sq_join_free(sq_join *j);

/* Aggregation (sq_agg.c): one partial state per task, merged in task order. */
typedef struct sq_aggpart sq_aggpart;
sq_aggpart *sq_aggpart_new(const sq_aggop *op, sq_mem *mem, st_error *e);
void sq_aggpart_free(sq_aggpart *p);
st_status sq_aggpart_update(const sq_aggop *op, sq_aggpart *p, sq_ectx *cx, const sq_chunk *in,
                            st_error *e);
/* Mark the partial that receives merges (it alone feeds DISTINCT states). */
void sq_aggpart_set_global(sq_aggpart *p);
/* Merge src into dst (src stays owned by the caller). */
st_status sq_aggpart_merge(const sq_aggop *op, sq_aggpart *dst, sq_aggpart *src, sq_ectx *cx,
                           st_error *e);
/* The result rows (keys then aggregates) into a new collection. */
st_status sq_aggpart_finish(const sq_aggop *op, sq_aggpart *p, sq_mem *mem, sq_coll **out,
                            st_error *e);

/* Sorting (sq_sort.c). */
typedef struct sq_sortpart sq_sortpart;
sq_sortpart *sq_sortpart_new(const sq_sortop *op, sq_mem *mem, st_error *e);
void sq_sortpart_free(sq_sortpart *p);
st_status sq_sortpart_add(const sq_sortop *op, sq_sortpart *p, sq_ectx *cx, const sq_chunk *in,
                          st_error *e);
/* Merge parts (in task order) and sort: the result collection. */
st_status sq_sort_finish(const sq_sortop *op, sq_sortpart **parts, uint32_t nparts, sq_mem *mem,
                         sq_coll **out, st_error *e);

/* Row comparison used by sorting: key columns of two rows. */
typedef int (*sq_rowcmp_fn)(const st_vector *a, uint32_t i, const st_vector *b, uint32_t j);
sq_rowcmp_fn sq_rowcmp_for(st_type t);

#endif /* ST_SQL_INT_H */
