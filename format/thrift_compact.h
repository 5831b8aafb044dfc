/*
 * thrift_compact.h: the Thrift compact protocol, just what Parquet needs:
 * a bounded, hostile-input-safe decoder and a small encoder.
 *
 * Wire format (apache/thrift doc/specs/thrift-compact-protocol.md):
 *
 *   integers   i16/i32/i64 (and enums) zigzag, then ULEB128; i8 one raw byte;
 *              double 8 bytes little-endian
 *   binary     varint length, then the bytes
 *   field      0 < delta <= 15:  one byte (delta << 4) | type
 *              otherwise:        byte `type`, then zigzag varint i16 field id
 *              a bool field carries its value in the type (1 true, 2 false)
 *   stop       0x00 ends a struct
 *   list/set   (size << 4) | elemtype when size < 15, else 0xF0 | elemtype
 *              followed by a varint size; bool elements are one byte each
 *   map        varint size; when size > 0 one byte (ktype << 4) | vtype
 *
 *   type ids:  1 TRUE 2 FALSE 3 I8 4 I16 5 I32 6 I64 7 DOUBLE 8 BINARY
 *              9 LIST 10 SET 11 MAP 12 STRUCT 13 UUID (16 raw bytes)
 *
 * Decoder guarantees:
 *  - Never reads outside [p, end): every length and count is checked against
 *    the bytes left before it is used (a list of n elements needs >= n bytes,
 *    so a count can never drive an allocation bigger than the input allows).
 *  - Nesting is limited to ST_TC_MAX_DEPTH; deeper input is an error, so a
 *    hostile buffer cannot exhaust the stack.
 *  - Unknown fields are skipped generically (structs, lists, sets, maps,
 *    UUIDs, long-form ids up to 32767), so files from newer writers decode.
 *  - Errors are sticky: the first failure is kept in the reader (with the
 *    byte offset, relative to `base`) and every later call fails the same way.
 *
 * Encoder: appends to an st_sbuf (allocation failure is sticky in the sbuf);
 * the caller keeps the "last field id" of every open struct on a small stack,
 * which st_tc_w_struct_begin/end maintain.
 */
#ifndef ST_THRIFT_COMPACT_H
#define ST_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/status.h"

enum {
    ST_TC_STOP = 0,
    ST_TC_TRUE = 1,
    ST_TC_FALSE = 2,
    ST_TC_I8 = 3,
    ST_TC_I16 = 4,
    ST_TC_I32 = 5,
    ST_TC_I64 = 6,
    ST_TC_DOUBLE = 7,
    ST_TC_BINARY = 8,
    ST_TC_LIST = 9,
    ST_TC_SET = 10,
    ST_TC_MAP = 11,
    ST_TC_STRUCT = 12,
    ST_TC_UUID = 13
};

#define ST_TC_MAX_DEPTH 32

/* ---- decoder ------------------------------------------------------------ */

typedef struct st_tc_reader {
    const uint8_t *p, *end;
    const uint8_t *base; /* offsets in messages are p - base + base_off */
    uint64_t base_off;
    int depth;
    st_status rc; /* sticky */
    st_error *e;
    const char *what; /* context for messages ("footer", "page header") */
} st_tc_reader;

/* Start decoding n bytes at p.  base_off is the file offset of p (for error
 * messages); what names the structure ("footer").  e may be NULL. */
void st_tc_reader_init(st_tc_reader *r, const void *p, size_t n, uint64_t base_off,
                       const char *what, st_error *e);

/* Fail the reader with a message (sticky); returns ST_ERR_CORRUPT. */
st_status st_tc_fail(st_tc_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Byte offset of the read position (base_off-relative). */
static inline uint64_t st_tc_offset(const st_tc_reader *r) {
    return r->base_off + (uint64_t)(r->p - r->base);
}
static inline size_t st_tc_left(const st_tc_reader *r) { return (size_t)(r->end - r->p); }

st_status st_tc_read_varint(st_tc_reader *r, uint64_t *out);
st_status st_tc_read_i8(st_tc_reader *r, int8_t *out);
st_status st_tc_read_i16(st_tc_reader *r, int16_t *out);
st_status st_tc_read_i32(st_tc_reader *r, int32_t *out);
st_status st_tc_read_i64(st_tc_reader *r, int64_t *out);
st_status st_tc_read_double(st_tc_reader *r, double *out);
/* Binary/string: *p points into the input (zero copy), *n its length. */
st_status st_tc_read_binary(st_tc_reader *r, const uint8_t **p, uint32_t *n);

/* Struct traversal.  Call st_tc_struct_begin, then st_tc_field until it
 * reports ST_TC_STOP (which also ends the struct).  *last_id is the caller's
 * running field id (start at 0). *type is the field type (1/2 for bools: the
 * value is (*type == ST_TC_TRUE)). */
st_status st_tc_struct_begin(st_tc_reader *r);
st_status st_tc_field(st_tc_reader *r, int16_t *last_id, int *type, int16_t *id);
/* List/set header: element type and count; the count is checked against the
 * bytes left (each element takes at least one byte, UUIDs 16, doubles 8). */
st_status st_tc_list_begin(st_tc_reader *r, int *elem_type, uint32_t *count);
static inline void st_tc_list_end(st_tc_reader *r) { r->depth--; }
/* Read a bool list element (one byte: 1 true, 0 or 2 false). */
st_status st_tc_read_bool_elem(st_tc_reader *r, bool *out);

/* Skip one value of the given type (generic, depth-limited). */
st_status st_tc_skip(st_tc_reader *r, int type);

/* ---- encoder ------------------------------------------------------------ */

typedef struct st_tc_writer {
    st_sbuf *out;
    int depth;
    int16_t last[ST_TC_MAX_DEPTH + 1];
} st_tc_writer;

void st_tc_writer_init(st_tc_writer *w, st_sbuf *out);
void st_tc_w_varint(st_tc_writer *w, uint64_t v);
void st_tc_w_field(st_tc_writer *w, int type, int16_t id);
void st_tc_w_i32(st_tc_writer *w, int16_t id, int32_t v);
void st_tc_w_i64(st_tc_writer *w, int16_t id, int64_t v);
void st_tc_w_i8(st_tc_writer *w, int16_t id, int8_t v);
void st_tc_w_i16(st_tc_writer *w, int16_t id, int16_t v);
void st_tc_w_bool(st_tc_writer *w, int16_t id, bool v);
void st_tc_w_binary(st_tc_writer *w, int16_t id, const void *p, size_t n);
/* A struct field: the field header, then fields, then st_tc_w_struct_end. */
void st_tc_w_struct_field(st_tc_writer *w, int16_t id);
/* The top-level struct (no field header) or a struct list element. */
void st_tc_w_struct_begin(st_tc_writer *w);
void st_tc_w_struct_end(st_tc_writer *w);
/* A list field header with its element type and count. */
void st_tc_w_list_field(st_tc_writer *w, int16_t id, int elem_type, uint32_t count);
/* List elements. */
void st_tc_w_i32_elem(st_tc_writer *w, int32_t v);
void st_tc_w_binary_elem(st_tc_writer *w, const void *p, size_t n);
/* False when the output buffer could not grow (its contents are truncated). */
static inline bool st_tc_writer_ok(const st_tc_writer *w) { return !w->out->failed; }

#endif /* ST_THRIFT_COMPACT_H */
