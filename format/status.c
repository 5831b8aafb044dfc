/*
 * status.c: status names and the error-message helpers of status.h.
 *
 * Messages are truncated (never overflowed) at ST_ERROR_MSG_MAX - 1 bytes.
 */
#include "format/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *st_status_name(st_status code) {
    switch (code) {
    case ST_OK: return "ok";
    case ST_ERR_IO: return "io";
    case ST_ERR_CORRUPT: return "corrupt";
    case ST_ERR_NOMEM: return "nomem";
    case ST_ERR_INVALID: return "invalid";
    case ST_ERR_NOT_FOUND: return "not_found";
    case ST_ERR_EXISTS: return "exists";
    case ST_ERR_UNSUPPORTED: return "unsupported";
    case ST_ERR_CONFLICT: return "conflict";
    case ST_ERR_LIMIT: return "limit";
    case ST_ERR_PARSE: return "parse";
    case ST_ERR_TYPE: return "type";
    case ST_ERR_INTERRUPTED: return "interrupted";
    case ST_ERR_INTERNAL: return "internal";
    case ST_ERR_FORMAT: return "format";
    }
    return "unknown";
}

void st_error_clear(st_error *e) {
    if (!e) return;
    e->code = ST_OK;
    e->msg[0] = '\0';
}

st_status st_error_set(st_error *e, st_status code, const char *fmt, ...) {
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

st_status st_error_errno(st_error *e, int errnum, const char *fmt, ...) {
    st_status code = ST_ERR_IO;
    if (errnum == ENOENT) code = ST_ERR_NOT_FOUND;
    else if (errnum == EEXIST) code = ST_ERR_EXISTS;
    else if (errnum == ENOMEM) code = ST_ERR_NOMEM;
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof e->msg)
        snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
    return code;
}

st_status st_error_prefix(st_error *e, const char *fmt, ...) {
    if (!e) return ST_ERR_INTERNAL;
    char pre[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    if (n < 0) return e->code;
    size_t plen = strlen(pre), mlen = strlen(e->msg);
    if (plen >= sizeof e->msg - 1) plen = sizeof e->msg - 1;
    if (plen + mlen >= sizeof e->msg) mlen = sizeof e->msg - 1 - plen;
    memmove(e->msg + plen, e->msg, mlen);
    memcpy(e->msg, pre, plen);
    e->msg[plen + mlen] = '\0';
    return e->code;
}

void st_assert_fail(const char *cond, const char *file, int line) {
    fprintf(stderr, "strata: internal error: assertion `%s' failed at %s:%d\n",
            cond, file, line);
    abort();
}
