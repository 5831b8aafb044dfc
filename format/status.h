/*
 * status.h: the one error vocabulary of Strata.
 *
 * Every fallible function returns an st_status and, when it fails, fills the
 * caller's st_error with a message that says *where* the problem is: the file,
 * the line or byte offset, the column.  Library code never prints and never
 * exits; the CLI turns an st_error into "strata: error: <msg>" and an exit code.
 *
 * Guarantees:
 *  - Status codes are stable: they are never renumbered (scripts and tests may
 *    depend on them; new codes are appended).
 *  - st_error is a plain struct the caller owns (usually on the stack); no
 *    allocation, so reporting an out-of-memory condition cannot itself fail.
 *  - A NULL st_error pointer is accepted everywhere: the message is dropped.
 *  - Messages are built front to back; st_error_prefix() adds context as the
 *    error travels up ("sales.csv: " + "line 12: bad number").
 */
#ifndef ST_STATUS_H
#define ST_STATUS_H

#include <stddef.h>

typedef enum st_status {
    ST_OK = 0,
    ST_ERR_IO = 1,          /* the OS refused a read/write/fsync/open        */
    ST_ERR_CORRUPT = 2,     /* bytes on disk are not what the format says    */
    ST_ERR_NOMEM = 3,       /* allocation failed or a size cap was exceeded  */
    ST_ERR_INVALID = 4,     /* bad argument or input value                   */
    ST_ERR_NOT_FOUND = 5,   /* no such file, table, column, version          */
    ST_ERR_EXISTS = 6,      /* already exists (put-if-absent lost)           */
    ST_ERR_UNSUPPORTED = 7, /* valid but not supported (codec, nested type)  */
    ST_ERR_CONFLICT = 8,    /* a concurrent writer changed what we relied on */
    ST_ERR_LIMIT = 9,       /* a configured limit (memory, record size)      */
    ST_ERR_PARSE = 10,      /* syntax error in text input or SQL             */
    ST_ERR_TYPE = 11,       /* type mismatch                                 */
    ST_ERR_INTERRUPTED = 12,/* SIGINT/SIGTERM asked us to stop               */
    ST_ERR_INTERNAL = 13,   /* a bug: an invariant did not hold              */
    ST_ERR_FORMAT = 14      /* input is not in the expected format at all    */
} st_status;

#define ST_ERROR_MSG_MAX 1024

typedef struct st_error {
    st_status code;
    char msg[ST_ERROR_MSG_MAX];
} st_error;

/* Stable short name of a code ("corrupt", "io", ...).  Never NULL. */
const char *st_status_name(st_status code);

/* Clear an error (code = ST_OK, empty message).  NULL is accepted. */
void st_error_clear(st_error *e);

/* Set code and message (printf-style) and return code, so that callers can
 * write `return st_error_set(e, ST_ERR_CORRUPT, "bad magic at byte %zu", off);` */
st_status st_error_set(st_error *e, st_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set from errno: "<what>: <strerror(errnum)>"; code is ST_ERR_IO, or
 * ST_ERR_NOT_FOUND for ENOENT, ST_ERR_EXISTS for EEXIST, ST_ERR_NOMEM for ENOMEM. */
st_status st_error_errno(st_error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend context to an existing message; returns e->code. */
st_status st_error_prefix(st_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Propagate a failing status: `ST_TRY(foo(..., e));` */
#define ST_TRY(expr)                                                          \
    do {                                                                      \
        st_status st_try_rc_ = (expr);                                        \
        if (st_try_rc_ != ST_OK) return st_try_rc_;                           \
    } while (0)

/* Jump to the function's single cleanup label on failure:
 *   ST_CHECK(rc, foo(...));   with `st_status rc` and a `cleanup:` label. */
#define ST_CHECK(rc, expr)                                                    \
    do {                                                                      \
        (rc) = (expr);                                                        \
        if ((rc) != ST_OK) goto cleanup;                                      \
    } while (0)

/* Corruption detected: carries the source location in debug builds so a bug
 * report says which check fired. */
#ifdef ST_DEBUG
#define ST_CORRUPT(e, ...)                                                    \
    (st_error_set((e), ST_ERR_CORRUPT, __VA_ARGS__),                          \
     st_error_prefix((e), "[%s:%d] ", __FILE__, __LINE__), ST_ERR_CORRUPT)
#else
#define ST_CORRUPT(e, ...) st_error_set((e), ST_ERR_CORRUPT, __VA_ARGS__)
#endif

/* Cheap always-on invariant.  Aborts: for bugs only, never for bad input. */
#define ST_ASSERT(cond)                                                       \
    do {                                                                      \
        if (__builtin_expect(!(cond), 0))                                     \
            st_assert_fail(#cond, __FILE__, __LINE__);                        \
    } while (0)

void st_assert_fail(const char *cond, const char *file, int line)
    __attribute__((noreturn));

#endif /* ST_STATUS_H */
