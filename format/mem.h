/*
 * mem.h: the three memory tools every module shares.
 *
 *  st_arena  a bump allocator: many small allocations, freed all at once.
 *            Used for string bytes of a vector, parse trees, plan nodes.
 *            st_arena_reset() keeps the first chunk for reuse, so a reader
 *            that refills the same batch allocates nothing in steady state.
 *  st_buf    a reference-counted block of bytes (heap or mmap).  A vector
 *            whose strings point into a decoded page or an mmap'ed file pins
 *            the block, so zero-copy string columns stay valid as long as the
 *            vector does, and no longer.
 *  st_sbuf   a growable byte string for building output (JSON, CSV, messages).
 *
 * Allocation failure: st_arena_alloc and st_sbuf_* return NULL / false;
 * callers turn that into ST_ERR_NOMEM.  The st_xmalloc family aborts with a
 * message instead and is for sizes that do not come from input (small fixed
 * structures); never size an st_xmalloc from a file header.
 *
 * Ownership: every *_free accepts NULL.  st_buf_ref/unref are atomic, so a
 * buffer may be shared between threads.
 */
#ifndef ST_MEM_H
#define ST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *st_xmalloc(size_t n);
void *st_xcalloc(size_t count, size_t n);
void *st_xrealloc(void *p, size_t n);
char *st_xstrdup(const char *s);
char *st_xstrndup(const char *s, size_t n);

/* ---- arena -------------------------------------------------------------- */

typedef struct st_arena st_arena;

st_arena *st_arena_new(size_t chunk_size); /* 0 = default (64 KiB) */
void st_arena_free(st_arena *a);
/* 16-byte aligned; NULL on failure.  n == 0 returns a valid unique pointer. */
void *st_arena_alloc(st_arena *a, size_t n);
/* Copy n bytes into the arena (not NUL-terminated). */
char *st_arena_memdup(st_arena *a, const void *p, size_t n);
/* NUL-terminated copy. */
char *st_arena_strndup(st_arena *a, const char *s, size_t n);
/* Forget every allocation; keeps one chunk for reuse. */
void st_arena_reset(st_arena *a);
/* Bytes handed out since the last reset (for memory accounting). */
size_t st_arena_used(const st_arena *a);

/* ---- refcounted buffer -------------------------------------------------- */

typedef struct st_buf st_buf;
typedef void (*st_buf_release_fn)(void *ctx, void *data, size_t len);

/* A heap buffer of len bytes (uninitialised), refcount 1.  NULL on failure. */
st_buf *st_buf_new(size_t len);
/* Wrap memory owned elsewhere; release(ctx, data, len) runs at refcount 0. */
st_buf *st_buf_wrap(void *data, size_t len, st_buf_release_fn release, void *ctx);
void *st_buf_data(const st_buf *b);
size_t st_buf_len(const st_buf *b);
st_buf *st_buf_ref(st_buf *b); /* returns b */
void st_buf_unref(st_buf *b);  /* NULL accepted */

/* ---- string builder ----------------------------------------------------- */

typedef struct st_sbuf {
    char *p;    /* NUL-terminated when len > 0 or after st_sbuf_cstr */
    size_t len;
    size_t cap;
    bool failed; /* sticky: an allocation failed; contents are truncated */
} st_sbuf;

#define ST_SBUF_INIT {NULL, 0, 0, false}

bool st_sbuf_reserve(st_sbuf *b, size_t extra);
bool st_sbuf_append(st_sbuf *b, const void *p, size_t n);
bool st_sbuf_putc(st_sbuf *b, char c);
bool st_sbuf_printf(st_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *st_sbuf_cstr(st_sbuf *b); /* never NULL */
void st_sbuf_clear(st_sbuf *b);       /* len = 0, keeps memory */
void st_sbuf_free(st_sbuf *b);

#endif /* ST_MEM_H */
