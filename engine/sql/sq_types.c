/*
 * sq_types.c: the type rules of the dialect (which type two operands meet
 * in, which casts exist), following DuckDB where it and PostgreSQL differ.
 *
 *  - Integers meet in the wider type; UINT64 with a signed integer meets in
 *    DECIMAL(38,0) (DuckDB's HUGEINT).
 *  - An integer meets a DECIMAL as DECIMAL(w,0) with w = 3, 5, 10, 19, 20
 *    for INT8..UINT64; two decimals meet with the larger scale and the larger
 *    number of integer digits (DECIMAL(max(p-s)+max(s), max(s)), at most 38;
 *    beyond that they meet in DOUBLE).
 *  - Anything numeric meets FLOAT in FLOAT and DOUBLE in DOUBLE.
 *  - DATE meets TIMESTAMP in TIMESTAMP (midnight), and TIMESTAMP_NS in
 *    TIMESTAMP_NS.
 *  - A string literal meets any type in that type (it is cast when bound, so
 *    `d = '2025-03-01'` compares dates); a VARCHAR column never meets a number
 *    implicitly (an explicit CAST is required), as in PostgreSQL.
 */
#include <string.h>

#include "engine/sql/sql_int.h"

sq_phys sq_phys_of(st_type t) {
    switch (t.id) {
    case ST_T_BOOLEAN: return P_BOOL;
    case ST_T_INT8: return P_I8;
    case ST_T_INT16: return P_I16;
    case ST_T_INT32:
    case ST_T_DATE: return P_I32;
    case ST_T_INT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: return P_I64;
    case ST_T_UINT64: return P_U64;
    case ST_T_FLOAT: return P_F32;
    case ST_T_DOUBLE: return P_F64;
    case ST_T_DECIMAL: return t.precision > ST_DECIMAL_SMALL_MAX ? P_I128 : P_I64;
    case ST_T_VARCHAR:
    case ST_T_BLOB: return P_STR;
    default: return P_I32;
    }
}

st_type sq_t(st_type_id id) { return st_type_make(id); }

st_type sq_int_as_decimal(st_type t) {
    switch (t.id) {
    case ST_T_BOOLEAN:
    case ST_T_INT8: return st_type_decimal(3, 0);
    case ST_T_INT16: return st_type_decimal(5, 0);
    case ST_T_INT32: return st_type_decimal(10, 0);
    case ST_T_INT64: return st_type_decimal(19, 0);
    case ST_T_UINT64: return st_type_decimal(20, 0);
    default: return t;
    }
}

static int int_rank(st_type_id id) {
    switch (id) {
    case ST_T_INT8: return 1;
    case ST_T_INT16: return 2;
    case ST_T_INT32: return 3;
    case ST_T_INT64: return 4;
    default: return 0;
    }
}

static st_type numeric_common(st_type a, st_type b) {
    if (a.id == ST_T_DOUBLE || b.id == ST_T_DOUBLE) return sq_t(ST_T_DOUBLE);
    if (a.id == ST_T_FLOAT || b.id == ST_T_FLOAT) return sq_t(ST_T_FLOAT);
    if (a.id == ST_T_DECIMAL || b.id == ST_T_DECIMAL) {
        st_type x = a.id == ST_T_DECIMAL ? a : sq_int_as_decimal(a);
        st_type y = b.id == ST_T_DECIMAL ? b : sq_int_as_decimal(b);
        int s = x.scale > y.scale ? x.scale : y.scale;
        int ix = x.precision - x.scale, iy = y.precision - y.scale;
        int id = ix > iy ? ix : iy;
        if (id + s > ST_DECIMAL_MAX_PRECISION) return sq_t(ST_T_DOUBLE);
        return st_type_decimal(id + s, s);
    }
    if (a.id == ST_T_UINT64 || b.id == ST_T_UINT64) {
        if (a.id == b.id) return a;
        return st_type_decimal(38, 0);
    }
    return int_rank(a.id) >= int_rank(b.id) ? a : b;
}

st_type sq_common_type(st_type a, bool alit, st_type b, bool blit) {
    if (a.id == ST_T_NULL) return b;
    if (b.id == ST_T_NULL) return a;
    if (st_type_eq(a, b)) return a;
    bool as = st_type_is_string(a), bs = st_type_is_string(b);
    if (as && alit && !bs) return b;
    if (bs && blit && !as) return a;
    if (as && bs) return sq_t(ST_T_BLOB); /* VARCHAR meets BLOB as BLOB */
    if (st_type_is_numeric(a) && st_type_is_numeric(b)) return numeric_common(a, b);
    if (st_type_is_temporal(a) && st_type_is_temporal(b)) {
        if (a.id == ST_T_TIMESTAMP_NS || b.id == ST_T_TIMESTAMP_NS) return sq_t(ST_T_TIMESTAMP_NS);
        return sq_t(ST_T_TIMESTAMP);
    }
    return sq_t(ST_T_INVALID);
}

const char *sq_type_name(st_type t, char *buf) {
    if (t.id == ST_T_NULL) {
        strcpy(buf, "NULL");
        return buf;
    }
    return st_type_name(t, buf);
}

bool sq_cast_possible(st_type from, st_type to) {
    if (from.id == ST_T_NULL || st_type_eq(from, to)) return true;
    bool fnum = st_type_is_numeric(from) || from.id == ST_T_BOOLEAN;
    bool tnum = st_type_is_numeric(to) || to.id == ST_T_BOOLEAN;
    if (fnum && tnum) return true;
    if (from.id == ST_T_VARCHAR || to.id == ST_T_VARCHAR) {
        if (from.id == ST_T_BLOB || to.id == ST_T_BLOB) return true;
        return true; /* everything prints and parses */
    }
    if (from.id == ST_T_BLOB || to.id == ST_T_BLOB) return false;
    if (st_type_is_temporal(from) && st_type_is_temporal(to)) return true;
    return false;
}
