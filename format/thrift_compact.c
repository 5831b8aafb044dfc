/*
 * thrift_compact.c: Thrift compact protocol decoder and encoder (see
 * thrift_compact.h for the wire format and the guarantees).
 *
 * The decoder never trusts a count: a list that claims n elements must have
 * at least n (or 8n, 16n) bytes left, and varints longer than 10 bytes are
 * refused.  A struct's fields are read through st_tc_field, which also keeps
 * the depth: struct_begin enters a level and the STOP field leaves it.
 */
#include "format/thrift_compact.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void st_tc_reader_init(st_tc_reader *r, const void *p, size_t n, uint64_t base_off,
                       const char *what, st_error *e) {
    r->p = r->base = p;
    r->end = r->p + n;
    r->base_off = base_off;
    r->depth = 0;
    r->rc = ST_OK;
    r->e = e;
    r->what = what ? what : "thrift";
}

st_status st_tc_fail(st_tc_reader *r, const char *fmt, ...) {
    if (r->rc != ST_OK) return r->rc;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = ST_ERR_CORRUPT;
    st_error_set(r->e, ST_ERR_CORRUPT, "%s: %s at byte %llu", r->what, msg,
                 (unsigned long long)st_tc_offset(r));
    r->p = r->end; /* nothing more to read */
    return r->rc;
}

st_status st_tc_read_varint(st_tc_reader *r, uint64_t *out) {
    if (r->rc) return r->rc;
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) return st_tc_fail(r, "truncated varint");
        uint8_t b = *r->p++;
        if (shift == 63 && (b & 0x7E)) return st_tc_fail(r, "varint overflows 64 bits");
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return ST_OK;
        }
    }
    return st_tc_fail(r, "varint longer than 10 bytes");
}

static inline int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

st_status st_tc_read_i64(st_tc_reader *r, int64_t *out) {
    uint64_t v;
    ST_TRY(st_tc_read_varint(r, &v));
    *out = unzigzag(v);
    return ST_OK;
}

st_status st_tc_read_i32(st_tc_reader *r, int32_t *out) {
    int64_t v;
    ST_TRY(st_tc_read_i64(r, &v));
    if (v < INT32_MIN || v > INT32_MAX) return st_tc_fail(r, "i32 value %lld out of range", (long long)v);
    *out = (int32_t)v;
    return ST_OK;
}

st_status st_tc_read_i16(st_tc_reader *r, int16_t *out) {
    int64_t v;
    ST_TRY(st_tc_read_i64(r, &v));
    if (v < INT16_MIN || v > INT16_MAX) return st_tc_fail(r, "i16 value %lld out of range", (long long)v);
    *out = (int16_t)v;
    return ST_OK;
}

st_status st_tc_read_i8(st_tc_reader *r, int8_t *out) {
    if (r->rc) return r->rc;
    if (r->p >= r->end) return st_tc_fail(r, "truncated i8");
    *out = (int8_t)*r->p++;
    return ST_OK;
}

st_status st_tc_read_double(st_tc_reader *r, double *out) {
    if (r->rc) return r->rc;
    if (st_tc_left(r) < 8) return st_tc_fail(r, "truncated double");
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | r->p[i];
    memcpy(out, &v, 8);
    r->p += 8;
    return ST_OK;
}

st_status st_tc_read_binary(st_tc_reader *r, const uint8_t **p, uint32_t *n) {
    uint64_t len;
    ST_TRY(st_tc_read_varint(r, &len));
    if (len > st_tc_left(r))
        return st_tc_fail(r, "binary of %llu bytes overruns the %zu bytes left",
                          (unsigned long long)len, st_tc_left(r));
    *p = r->p;
    *n = (uint32_t)len;
    r->p += len;
    return ST_OK;
}

st_status st_tc_struct_begin(st_tc_reader *r) {
    if (r->rc) return r->rc;
    if (r->depth >= ST_TC_MAX_DEPTH) return st_tc_fail(r, "nesting deeper than %d", ST_TC_MAX_DEPTH);
    r->depth++;
    return ST_OK;
}

st_status st_tc_field(st_tc_reader *r, int16_t *last_id, int *type, int16_t *id) {
    if (r->rc) return r->rc;
    if (r->p >= r->end) return st_tc_fail(r, "truncated struct (no stop field)");
    uint8_t b = *r->p++;
    if (b == 0) {
        *type = ST_TC_STOP;
        *id = 0;
        r->depth--;
        return ST_OK;
    }
    int t = b & 0x0F;
    if (t > ST_TC_UUID) return st_tc_fail(r, "unknown field type %d", t);
    int delta = b >> 4;
    if (delta) {
        int nid = *last_id + delta;
        if (nid > INT16_MAX) return st_tc_fail(r, "field id overflows");
        *id = (int16_t)nid;
    } else {
        ST_TRY(st_tc_read_i16(r, id));
    }
    *last_id = *id;
    *type = t;
    return ST_OK;
}

static size_t min_elem_bytes(int t) {
    switch (t) {
    case ST_TC_DOUBLE: return 8;
    case ST_TC_UUID: return 16;
    default: return 1;
    }
}

st_status st_tc_list_begin(st_tc_reader *r, int *elem_type, uint32_t *count) {
    if (r->rc) return r->rc;
    if (r->p >= r->end) return st_tc_fail(r, "truncated list header");
    if (r->depth >= ST_TC_MAX_DEPTH) return st_tc_fail(r, "nesting deeper than %d", ST_TC_MAX_DEPTH);
    uint8_t b = *r->p++;
    int t = b & 0x0F;
    uint64_t n = b >> 4;
    if (n == 15) ST_TRY(st_tc_read_varint(r, &n));
    if (t == ST_TC_STOP || t > ST_TC_UUID) return st_tc_fail(r, "bad list element type %d", t);
    if (n > 0 && n > st_tc_left(r) / min_elem_bytes(t))
        return st_tc_fail(r, "list of %llu elements overruns the %zu bytes left",
                          (unsigned long long)n, st_tc_left(r));
    *elem_type = t;
    *count = (uint32_t)n;
    r->depth++;
    return ST_OK;
}

st_status st_tc_read_bool_elem(st_tc_reader *r, bool *out) {
    if (r->rc) return r->rc;
    if (r->p >= r->end) return st_tc_fail(r, "truncated bool");
    uint8_t b = *r->p++;
    /* the spec says 1 = true, 2 = false; some writers use 0 for false */
    if (b > 2) return st_tc_fail(r, "bad bool byte %u", b);
    *out = b == 1;
    return ST_OK;
}

st_status st_tc_skip(st_tc_reader *r, int type) {
    if (r->rc) return r->rc;
    switch (type) {
    case ST_TC_TRUE:
    case ST_TC_FALSE: return ST_OK; /* a struct field: value is in the type */
    case ST_TC_I8: {
        int8_t x;
        return st_tc_read_i8(r, &x);
    }
    case ST_TC_I16:
    case ST_TC_I32:
    case ST_TC_I64: {
        uint64_t x;
        return st_tc_read_varint(r, &x);
    }
    case ST_TC_DOUBLE:
        if (st_tc_left(r) < 8) return st_tc_fail(r, "truncated double");
        r->p += 8;
        return ST_OK;
    case ST_TC_UUID:
        if (st_tc_left(r) < 16) return st_tc_fail(r, "truncated uuid");
        r->p += 16;
        return ST_OK;
    case ST_TC_BINARY: {
        const uint8_t *p;
        uint32_t n;
        return st_tc_read_binary(r, &p, &n);
    }
    case ST_TC_STRUCT: {
        ST_TRY(st_tc_struct_begin(r));
        int16_t last = 0, id;
        int t;
        for (;;) {
            ST_TRY(st_tc_field(r, &last, &t, &id));
            if (t == ST_TC_STOP) return ST_OK;
            ST_TRY(st_tc_skip(r, t));
        }
    }
    case ST_TC_LIST:
    case ST_TC_SET: {
        int et;
        uint32_t n;
        ST_TRY(st_tc_list_begin(r, &et, &n));
        for (uint32_t i = 0; i < n; i++) {
            if (et == ST_TC_TRUE || et == ST_TC_FALSE) {
                bool b;
                ST_TRY(st_tc_read_bool_elem(r, &b));
            } else {
                ST_TRY(st_tc_skip(r, et));
            }
        }
        st_tc_list_end(r);
        return ST_OK;
    }
    case ST_TC_MAP: {
        uint64_t n;
        ST_TRY(st_tc_read_varint(r, &n));
        if (n == 0) return ST_OK;
        if (r->p >= r->end) return st_tc_fail(r, "truncated map header");
        uint8_t kv = *r->p++;
        int kt = kv >> 4, vt = kv & 0x0F;
        if (kt == ST_TC_STOP || kt > ST_TC_UUID || vt == ST_TC_STOP || vt > ST_TC_UUID)
            return st_tc_fail(r, "bad map element types %d/%d", kt, vt);
        if (n > st_tc_left(r) / 2) return st_tc_fail(r, "map of %llu entries overruns the input", (unsigned long long)n);
        if (r->depth >= ST_TC_MAX_DEPTH) return st_tc_fail(r, "nesting deeper than %d", ST_TC_MAX_DEPTH);
        r->depth++;
        for (uint64_t i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                int t = k ? vt : kt;
                if (t == ST_TC_TRUE || t == ST_TC_FALSE) {
                    bool b;
                    ST_TRY(st_tc_read_bool_elem(r, &b));
                } else {
                    ST_TRY(st_tc_skip(r, t));
                }
            }
        }
        r->depth--;
        return ST_OK;
    }
    default: return st_tc_fail(r, "cannot skip field of type %d", type);
    }
}

/* ---- encoder ------------------------------------------------------------ */

void st_tc_writer_init(st_tc_writer *w, st_sbuf *out) {
    w->out = out;
    w->depth = 0;
    w->last[0] = 0;
}

void st_tc_w_varint(st_tc_writer *w, uint64_t v) {
    uint8_t b[10];
    int n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    st_sbuf_append(w->out, b, (size_t)n);
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

void st_tc_w_field(st_tc_writer *w, int type, int16_t id) {
    int16_t delta = (int16_t)(id - w->last[w->depth]);
    if (delta > 0 && delta <= 15) {
        st_sbuf_putc(w->out, (char)((delta << 4) | type));
    } else {
        st_sbuf_putc(w->out, (char)type);
        st_tc_w_varint(w, zigzag(id));
    }
    w->last[w->depth] = id;
}

void st_tc_w_i32(st_tc_writer *w, int16_t id, int32_t v) {
    st_tc_w_field(w, ST_TC_I32, id);
    st_tc_w_varint(w, zigzag(v));
}
void st_tc_w_i64(st_tc_writer *w, int16_t id, int64_t v) {
    st_tc_w_field(w, ST_TC_I64, id);
    st_tc_w_varint(w, zigzag(v));
}
void st_tc_w_i16(st_tc_writer *w, int16_t id, int16_t v) {
    st_tc_w_field(w, ST_TC_I16, id);
    st_tc_w_varint(w, zigzag(v));
}
void st_tc_w_i8(st_tc_writer *w, int16_t id, int8_t v) {
    st_tc_w_field(w, ST_TC_I8, id);
    st_sbuf_putc(w->out, (char)v);
}
void st_tc_w_bool(st_tc_writer *w, int16_t id, bool v) {
    st_tc_w_field(w, v ? ST_TC_TRUE : ST_TC_FALSE, id);
}
void st_tc_w_binary(st_tc_writer *w, int16_t id, const void *p, size_t n) {
    st_tc_w_field(w, ST_TC_BINARY, id);
    st_tc_w_binary_elem(w, p, n);
}
void st_tc_w_binary_elem(st_tc_writer *w, const void *p, size_t n) {
    st_tc_w_varint(w, n);
    st_sbuf_append(w->out, p, n);
}
void st_tc_w_i32_elem(st_tc_writer *w, int32_t v) { st_tc_w_varint(w, zigzag(v)); }

void st_tc_w_struct_begin(st_tc_writer *w) {
    ST_ASSERT(w->depth < ST_TC_MAX_DEPTH);
    w->last[++w->depth] = 0;
}
void st_tc_w_struct_field(st_tc_writer *w, int16_t id) {
    st_tc_w_field(w, ST_TC_STRUCT, id);
    st_tc_w_struct_begin(w);
}
void st_tc_w_struct_end(st_tc_writer *w) {
    st_sbuf_putc(w->out, 0);
    ST_ASSERT(w->depth > 0);
    w->depth--;
}
void st_tc_w_list_field(st_tc_writer *w, int16_t id, int elem_type, uint32_t count) {
    st_tc_w_field(w, ST_TC_LIST, id);
    if (count < 15) {
        st_sbuf_putc(w->out, (char)((count << 4) | (uint32_t)elem_type));
    } else {
        st_sbuf_putc(w->out, (char)(0xF0 | elem_type));
        st_tc_w_varint(w, count);
    }
}
