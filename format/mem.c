/*
 * mem.c: arena, refcounted buffers and the string builder (see mem.h).
 */
#include "format/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n) {
    fprintf(stderr, "strata: error: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *st_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}
void *st_xcalloc(size_t count, size_t n) {
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p) oom(count * n);
    return p;
}
void *st_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}
char *st_xstrdup(const char *s) { return st_xstrndup(s, strlen(s)); }
char *st_xstrndup(const char *s, size_t n) {
    char *p = st_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- arena -------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[];
} chunk;

struct st_arena {
    chunk *head; /* current chunk; older ones follow */
    size_t chunk_size;
    size_t used_total;
};

st_arena *st_arena_new(size_t chunk_size) {
    st_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    return a;
}

void st_arena_free(st_arena *a) {
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *st_arena_alloc(st_arena *a, size_t n) {
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n) return NULL; /* overflow */
    chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = a->chunk_size;
        if (need > cap / 4) {
            /* big allocation: its own chunk, placed behind the current one so
             * the current chunk's free space is not wasted */
            chunk *big = malloc(sizeof(chunk) + need);
            if (!big) return NULL;
            big->cap = need;
            big->used = need;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            a->used_total += need;
            return big->data;
        }
        chunk *nc = malloc(sizeof(chunk) + cap);
        if (!nc) return NULL;
        nc->cap = cap;
        nc->used = 0;
        nc->next = c;
        a->head = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

char *st_arena_memdup(st_arena *a, const void *p, size_t n) {
    char *q = st_arena_alloc(a, n);
    if (q && n) memcpy(q, p, n);
    return q;
}

char *st_arena_strndup(st_arena *a, const char *s, size_t n) {
    char *q = st_arena_alloc(a, n + 1);
    if (!q) return NULL;
    memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

void st_arena_reset(st_arena *a) {
    if (!a || !a->head) return;
    /* keep the newest regular-sized chunk, free the rest */
    chunk *keep = NULL, *c = a->head;
    while (c) {
        chunk *n = c->next;
        if (!keep && c->cap == a->chunk_size) keep = c;
        else free(c);
        c = n;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->used_total = 0;
}

size_t st_arena_used(const st_arena *a) { return a ? a->used_total : 0; }

/* ---- refcounted buffers ------------------------------------------------- */

struct st_buf {
    int refs;
    void *data;
    size_t len;
    st_buf_release_fn release;
    void *ctx;
    _Alignas(16) unsigned char inline_data[];
};

st_buf *st_buf_new(size_t len) {
    if (len > SIZE_MAX - sizeof(st_buf)) return NULL;
    st_buf *b = malloc(sizeof *b + len);
    if (!b) return NULL;
    b->refs = 1;
    b->data = b->inline_data;
    b->len = len;
    b->release = NULL;
    b->ctx = NULL;
    return b;
}

st_buf *st_buf_wrap(void *data, size_t len, st_buf_release_fn release, void *ctx) {
    st_buf *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->refs = 1;
    b->data = data;
    b->len = len;
    b->release = release;
    b->ctx = ctx;
    return b;
}

void *st_buf_data(const st_buf *b) { return b->data; }
size_t st_buf_len(const st_buf *b) { return b->len; }

st_buf *st_buf_ref(st_buf *b) {
    if (b) __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    return b;
}

void st_buf_unref(st_buf *b) {
    if (!b) return;
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (b->release) b->release(b->ctx, b->data, b->len);
    free(b);
}

/* ---- string builder ----------------------------------------------------- */

bool st_sbuf_reserve(st_sbuf *b, size_t extra) {
    if (b->failed) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

bool st_sbuf_append(st_sbuf *b, const void *p, size_t n) {
    if (!st_sbuf_reserve(b, n)) return false;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

bool st_sbuf_putc(st_sbuf *b, char c) {
    if (!st_sbuf_reserve(b, 1)) return false;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
    return true;
}

bool st_sbuf_printf(st_sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    if ((size_t)n < sizeof tmp) return st_sbuf_append(b, tmp, (size_t)n);
    if (!st_sbuf_reserve(b, (size_t)n)) return false;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

const char *st_sbuf_cstr(st_sbuf *b) {
    if (!b->p) return "";
    return b->p;
}

void st_sbuf_clear(st_sbuf *b) {
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

void st_sbuf_free(st_sbuf *b) {
    if (!b) return;
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
