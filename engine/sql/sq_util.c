/*
 * sq_util.c: positioned error messages and memory accounting for the SQL
 * engine.
 *
 * Error messages point into the query text:
 *
 *     line 1, column 8: unknown column "prise"
 *       SELECT prise FROM sales
 *              ^
 *
 * Columns count characters (UTF-8 code points), not bytes, so the caret sits
 * under the right character in a terminal.  Long lines are cut to a window
 * around the position so the message stays within ST_ERROR_MSG_MAX.
 *
 * Memory accounting: every structure whose size depends on the data (hash
 * tables, aggregate states, materialized rows, sort buffers, batches being
 * read) reserves its bytes from the query's sq_mem before it grows.  Passing
 * the limit is an ST_ERR_LIMIT error naming what needed the memory and where
 * in the query it is, never an out-of-memory crash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/sql/sql_int.h"

static uint32_t utf8_chars(const char *s, size_t n) {
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

/* Append "line L, column C" context and an excerpt with a caret to msg. */
static void excerpt(char *msg, size_t cap, const char *sql, uint32_t pos, const char *text) {
    size_t n = strlen(sql);
    if (pos > n) pos = (uint32_t)n;
    uint32_t line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < pos; i++)
        if (sql[i] == '\n') {
            line++;
            ls = i + 1;
        }
    size_t le = pos;
    while (le < n && sql[le] != '\n' && sql[le] != '\r') le++;
    uint32_t col = utf8_chars(sql + ls, pos - ls) + 1;
    /* window: at most ~70 characters before the caret, ~50 after */
    size_t ws = ls, we = le;
    while (utf8_chars(sql + ws, pos - ws) > 70) {
        ws++;
        while (ws < pos && ((unsigned char)sql[ws] & 0xC0) == 0x80) ws++;
    }
    while (we > pos && utf8_chars(sql + pos, we - pos) > 50) {
        we--;
        while (we > pos && ((unsigned char)sql[we] & 0xC0) == 0x80) we--;
    }
    char line_buf[512];
    size_t lb = 0;
    const char *pre = ws > ls ? "..." : "";
    const char *post = we < le ? "..." : "";
    lb += (size_t)snprintf(line_buf, sizeof line_buf, "%s", pre);
    for (size_t i = ws; i < we && lb + 8 < sizeof line_buf; i++)
        line_buf[lb++] = sql[i] == '\t' ? ' ' : sql[i];
    line_buf[lb] = 0;
    if (lb + 4 < sizeof line_buf) snprintf(line_buf + lb, sizeof line_buf - lb, "%s", post);
    uint32_t caret = utf8_chars(sql + ws, pos - ws) + (uint32_t)strlen(pre);
    char pad[128];
    if (caret > sizeof pad - 1) caret = sizeof pad - 1;
    memset(pad, ' ', caret);
    pad[caret] = 0;
    snprintf(msg, cap, "line %u, column %u: %s\n  %s\n  %s^", line, col, text, line_buf, pad);
}

st_status sq_err_at(st_error *e, st_status code, const char *sql, uint32_t pos,
                    const char *fmt, ...) {
    if (!e) return code;
    char text[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    e->code = code;
    if (!sql) {
        snprintf(e->msg, sizeof e->msg, "%s", text);
        return code;
    }
    excerpt(e->msg, sizeof e->msg, sql, pos, text);
    return code;
}

st_status sq_err_locate(st_error *e, const char *sql, uint32_t pos) {
    if (!e) return ST_ERR_INTERNAL;
    if (!sql || strncmp(e->msg, "line ", 5) == 0) return e->code;
    char text[ST_ERROR_MSG_MAX];
    snprintf(text, sizeof text, "%s", e->msg);
    excerpt(e->msg, sizeof e->msg, sql, pos, text);
    return e->code;
}

/* ---- memory ------------------------------------------------------------- */

void *sq_big_alloc(size_t bytes, bool zero) {
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge) return zero ? calloc(1, bytes ? bytes : 1) : malloc(bytes ? bytes : 1);
    size_t n = (bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, n);
    if (!p) return NULL;
    madvise(p, n, MADV_HUGEPAGE);
    if (zero) memset(p, 0, bytes);
    return p;
}

static void fmt_size(uint64_t n, char *buf, size_t cap) {
    if (n >= (UINT64_C(1) << 30))
        snprintf(buf, cap, "%.1f GiB", (double)n / (double)(UINT64_C(1) << 30));
    else if (n >= (UINT64_C(1) << 20))
        snprintf(buf, cap, "%.1f MiB", (double)n / (double)(UINT64_C(1) << 20));
    else if (n >= 1024)
        snprintf(buf, cap, "%.1f KiB", (double)n / 1024.0);
    else
        snprintf(buf, cap, "%llu bytes", (unsigned long long)n);
}

st_status sq_mem_reserve(sq_mem *m, uint64_t n, const char *what, uint32_t pos, st_error *e) {
    if (!m || n == 0) return ST_OK;
    uint64_t now = atomic_fetch_add(&m->used, n) + n;
    if (m->limit && now > m->limit) {
        atomic_fetch_sub(&m->used, n);
        char lim[32], need[32];
        fmt_size(m->limit, lim, sizeof lim);
        fmt_size(now, need, sizeof need);
        return sq_err_at(e, ST_ERR_LIMIT, m->sql, pos,
                         "the query needs more than its memory limit of %s (%s would be held; "
                         "%s needed more); raise --memory-limit or narrow the query",
                         lim, need, what ? what : "execution");
    }
    /* peak is advisory: a racy max is fine */
    if (now > m->peak) m->peak = now;
    return ST_OK;
}

void sq_mem_release(sq_mem *m, uint64_t n) {
    if (!m || n == 0) return;
    atomic_fetch_sub(&m->used, n);
}

/* ---- sizes -------------------------------------------------------------- */

st_status st_parse_size(const char *s, uint64_t *out, st_error *e) {
    const char *p = s;
    while (*p == ' ') p++;
    if (*p < '0' || *p > '9') goto bad;
    double v = 0;
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    if (*p == '.') {
        p++;
        double f = 0.1;
        while (*p >= '0' && *p <= '9') {
            v += (*p++ - '0') * f;
            f /= 10;
        }
    }
    while (*p == ' ') p++;
    double mult = 1;
    char u = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    if (u) {
        int k;
        switch (u) {
        case 'B': k = 0; break;
        case 'K': k = 1; break;
        case 'M': k = 2; break;
        case 'G': k = 3; break;
        case 'T': k = 4; break;
        default: goto bad;
        }
        p++;
        bool binary = false;
        if (k > 0 && (*p == 'i' || *p == 'I')) {
            binary = true;
            p++;
        }
        if (k > 0 && (*p == 'b' || *p == 'B')) p++;
        for (int i = 0; i < k; i++) mult *= binary ? 1024.0 : 1000.0;
    }
    while (*p == ' ') p++;
    if (*p) goto bad;
    v *= mult;
    if (v >= 1.8e19) goto bad;
    *out = (uint64_t)v;
    return ST_OK;
bad:
    return st_error_set(e, ST_ERR_INVALID,
                        "bad size '%s' (expected a number with an optional unit: 500MB, 2GiB, 1.5GB)",
                        s);
}
