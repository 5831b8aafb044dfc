/*
 * text_col.c: text -> column slots for the text readers (text_int.h).
 *
 * The fast paths accept only the common exact shapes (a plain integer of at
 * most 18 digits, YYYY-MM-DD, YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z]) and compute
 * what format/types.h's parsers compute for them; any other text goes to
 * those parsers, which stay the single definition of what a value means.
 * test_text.c compares both on every shape.
 */
#include <immintrin.h>
#include <string.h>

#include "format/text_int.h"
#include "format/types.h"

static inline bool isdig(char c) { return (unsigned char)(c - '0') < 10; }

bool tx_fast_int64(const char *p, size_t n, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (n && p[0] == '-') neg = true, i = 1;
    size_t nd = n - i;
    if (nd == 0 || nd > 18) return false;
    int64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9) return false;
        v = v * 10 + d;
    }
    *out = neg ? -v : v;
    return true;
}

static inline unsigned d2(const char *p) { return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0'); }

static bool date10(const char *p, int64_t *days) {
    if (!(isdig(p[0]) && isdig(p[1]) && isdig(p[2]) && isdig(p[3]) && p[4] == '-' &&
          isdig(p[5]) && isdig(p[6]) && p[7] == '-' && isdig(p[8]) && isdig(p[9])))
        return false;
    int64_t y = (int64_t)d2(p) * 100 + d2(p + 2);
    unsigned m = d2(p + 5), d = d2(p + 8);
    if (!st_date_valid(y, m, d)) return false;
    *days = st_days_from_civil(y, m, d);
    return true;
}

bool tx_fast_date(const char *p, size_t n, int32_t *out) {
    int64_t days;
    if (n != 10 || !date10(p, &days)) return false;
    *out = (int32_t)days;
    return true;
}

bool tx_fast_ts(const char *p, size_t n, int64_t *out_us) {
    int64_t days;
    if (n > 19 && p[n - 1] == 'Z') n--; /* UTC designator: no offset to apply */
    if (n < 19 || n > 26 || !date10(p, &days)) return false;
    if (p[10] != ' ' && p[10] != 'T') return false;
    if (!(isdig(p[11]) && isdig(p[12]) && p[13] == ':' && isdig(p[14]) && isdig(p[15]) &&
          p[16] == ':' && isdig(p[17]) && isdig(p[18])))
        return false;
    unsigned hh = d2(p + 11), mi = d2(p + 14), ss = d2(p + 17);
    if (hh > 23 || mi > 59 || ss > 59) return false;
    int64_t frac = 0;
    if (n > 19) {
        if (p[19] != '.' || n == 20) return false;
        int k = 0;
        for (size_t i = 20; i < n; i++, k++) {
            if (!isdig(p[i])) return false;
            frac = frac * 10 + (p[i] - '0');
        }
        for (; k < 6; k++) frac *= 10;
    }
    *out_us = (days * 86400 + hh * 3600 + mi * 60 + ss) * INT64_C(1000000) + frac;
    return true;
}

static bool has_special_scalar(const char *p, size_t n) {
    const uint64_t hi = 0x8080808080808080ull, lo = 0x0101010101010101ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if ((w & hi) | ((w - lo) & ~w & hi)) return true;
    }
    for (; i < n; i++)
        if ((unsigned char)p[i] >= 0x80 || p[i] == 0) return true;
    return false;
}

__attribute__((target("avx2"))) static bool has_special_avx2(const char *p, size_t n) {
    const __m256i z = _mm256_setzero_si256();
    size_t i = 0;
    __m256i acc = z;
    for (; i + 32 <= n; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
        acc = _mm256_or_si256(acc, _mm256_or_si256(v, _mm256_cmpeq_epi8(v, z)));
        if ((i & 1023) == 992 && _mm256_movemask_epi8(acc)) return true;
    }
    if (_mm256_movemask_epi8(acc)) return true;
    return has_special_scalar(p + i, n - i);
}

bool tx_has_special(const char *p, size_t n) {
    static int avx2 = -1;
    if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2");
    return avx2 && n >= 32 ? has_special_avx2(p, n) : has_special_scalar(p, n);
}

const char *tx_excerpt(const char *p, size_t n, char *buf, size_t cap) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0, i = 0, shown = 0;
    while (i < n && shown < 40 && o + 8 < cap) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            buf[o++] = (char)c;
            i++;
        } else if (c >= 0xC2 && c <= 0xF4) {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, bad;
            if (i + len <= n && o + len + 1 < cap && st_utf8_valid(p + i, len, &bad)) {
                memcpy(buf + o, p + i, len);
                o += len, i += len;
            } else {
                buf[o++] = '\\', buf[o++] = 'x', buf[o++] = hex[c >> 4], buf[o++] = hex[c & 15];
                i++;
            }
        } else {
            buf[o++] = '\\', buf[o++] = 'x', buf[o++] = hex[c >> 4], buf[o++] = hex[c & 15];
            i++;
        }
        shown++;
    }
    if (i < n && o + 4 < cap) buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
    buf[o] = '\0';
    return buf;
}

static bool clean_text(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c >= 0x7F) return false;
    }
    return true;
}

/* "1.25e3" -> "1250" exactly, so a DECIMAL never goes through a double
 * (types.h rounds exponent forms through one).  False when p is not a plain
 * number with an exponent of at most 3 digits. */
static bool expand_exp(const char *p, size_t n, char *out, size_t cap, size_t *outn) {
    size_t i = 0, o = 0;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    char digits[128];
    size_t nd = 0, nint = 0;
    bool neg = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    while (i < n && isdig(p[i]) && nd < sizeof digits) digits[nd++] = p[i++], nint++;
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && isdig(p[i]) && nd < sizeof digits) digits[nd++] = p[i++];
    }
    if (nd == 0 || i >= n || (p[i] != 'e' && p[i] != 'E')) return false;
    i++;
    bool eneg = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) eneg = p[i++] == '-';
    long ev = 0;
    size_t es = i;
    while (i < n && isdig(p[i]) && i - es < 3) ev = ev * 10 + (p[i++] - '0');
    if (i == es || i != n) return false;
    long point = (long)nint + (eneg ? -ev : ev);
    if (nd + 1100 > cap) return false;
    if (neg) out[o++] = '-';
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (long k = 0; k < -point; k++) out[o++] = '0';
        memcpy(out + o, digits, nd), o += nd;
    } else if ((size_t)point >= nd) {
        memcpy(out + o, digits, nd), o += nd;
        for (size_t k = nd; k < (size_t)point; k++) out[o++] = '0';
    } else {
        memcpy(out + o, digits, (size_t)point), o += (size_t)point;
        out[o++] = '.';
        memcpy(out + o, digits + point, nd - (size_t)point), o += nd - (size_t)point;
    }
    *outn = o;
    return true;
}

bool tx_store_null(st_vector *v, uint32_t row) {
    if (!v->validity && !st_vector_validity(v)) return false;
    v->validity[row >> 6] &= ~(UINT64_C(1) << (row & 63));
    memset((char *)v->data + (size_t)row * st_type_width(v->type), 0, st_type_width(v->type));
    return true;
}

bool tx_store_parsed(st_vector *v, uint32_t row, const char *p, size_t n, char *msg,
                     size_t msgcap) {
    st_error err;
    st_status rc;
    switch ((st_type_id)v->type.id) {
    case ST_T_INT64: {
        int64_t x;
        if (tx_fast_int64(p, n, &x)) {
            ((int64_t *)v->data)[row] = x;
            st_vector_set_valid(v, row);
            return true;
        }
        break;
    }
    case ST_T_DOUBLE: {
        double d;
        rc = st_parse_double(p, n, &d, &err);
        if (rc != ST_OK) goto fail;
        ((double *)v->data)[row] = d;
        st_vector_set_valid(v, row);
        return true;
    }
    case ST_T_DATE: {
        int32_t d;
        if (tx_fast_date(p, n, &d)) {
            ((int32_t *)v->data)[row] = d;
            st_vector_set_valid(v, row);
            return true;
        }
        break;
    }
    case ST_T_TIMESTAMP: {
        int64_t t;
        if (tx_fast_ts(p, n, &t)) {
            ((int64_t *)v->data)[row] = t;
            st_vector_set_valid(v, row);
            return true;
        }
        break;
    }
    case ST_T_DECIMAL:
        if (memchr(p, 'e', n) || memchr(p, 'E', n)) {
            char plain[1400];
            size_t pn;
            if (expand_exp(p, n, plain, sizeof plain, &pn)) {
                rc = st_parse_value(v->type, plain, pn,
                                    (char *)v->data + (size_t)row * st_type_width(v->type), &err);
                if (rc == ST_OK) {
                    st_vector_set_valid(v, row);
                    return true;
                }
                goto fail;
            }
            char ex[120];
            st_error_set(&err, ST_ERR_INVALID, "'%s' is not a decimal in range",
                         tx_excerpt(p, n, ex, sizeof ex));
            goto fail;
        }
        break;
    default: break;
    }
    rc = st_parse_value(v->type, p, n, (char *)v->data + (size_t)row * st_type_width(v->type),
                        &err);
    if (rc == ST_OK) {
        st_vector_set_valid(v, row);
        return true;
    }
fail:
    if (clean_text(p, n) && n <= 60) {
        snprintf(msg, msgcap, "%s", err.msg);
    } else {
        char ex[200], tn[ST_TYPE_NAME_MAX];
        snprintf(msg, msgcap, "'%s' is not a valid %s", tx_excerpt(p, n, ex, sizeof ex),
                 st_type_name(v->type, tn));
    }
    return false;
}
