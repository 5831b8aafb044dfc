/*
 * types.c: type descriptors, calendar arithmetic, strict parsing and exact
 * printing of every Strata value type (see types.h for the rules).
 *
 * Why hand-written parsers: strtoll/strtod accept prefixes, leading junk and
 * locale-dependent forms, and report overflow through errno; we need "whole
 * field or error" with messages that name the value.  strtod is still used as
 * the slow path for doubles that the exact fast path (Clinger) cannot handle,
 * because it is correctly rounded in glibc.
 *
 * Why the double printer has a fast path: CSV and query output print millions
 * of prices; most are short decimals (129.99).  For them we find the fewest
 * decimals k for which m / 10^k (m < 2^53, k <= 17) reproduces the double
 * exactly: both that division and strtod are correctly rounded, so the text
 * reads back to the same bits and no shorter text can.  Everything else goes
 * through "%.{15,16,17}e" + strtod, which yields the shortest round-trip
 * digits for normal numbers (see the comment at format_double_digits).
 */
#include "format/types.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- descriptors -------------------------------------------------------- */

bool st_type_valid(st_type t) {
    if (t.id == ST_T_INVALID || t.id >= ST_T__COUNT) return false;
    if (t.id == ST_T_DECIMAL)
        return t.precision >= 1 && t.precision <= ST_DECIMAL_MAX_PRECISION &&
               t.scale <= t.precision;
    return t.precision == 0 && t.scale == 0;
}

static const char *const type_names[ST_T__COUNT] = {
    [ST_T_INVALID] = "INVALID",   [ST_T_BOOLEAN] = "BOOLEAN",
    [ST_T_INT8] = "INT8",         [ST_T_INT16] = "INT16",
    [ST_T_INT32] = "INT32",       [ST_T_INT64] = "INT64",
    [ST_T_UINT64] = "UINT64",     [ST_T_FLOAT] = "FLOAT",
    [ST_T_DOUBLE] = "DOUBLE",     [ST_T_DECIMAL] = "DECIMAL",
    [ST_T_VARCHAR] = "VARCHAR",   [ST_T_BLOB] = "BLOB",
    [ST_T_DATE] = "DATE",         [ST_T_TIMESTAMP] = "TIMESTAMP",
    [ST_T_TIMESTAMP_NS] = "TIMESTAMP_NS", [ST_T_NULL] = "NULL",
};

const char *st_type_name(st_type t, char *buf) {
    if (t.id >= ST_T__COUNT) {
        snprintf(buf, ST_TYPE_NAME_MAX, "TYPE#%u", t.id);
    } else if (t.id == ST_T_DECIMAL) {
        snprintf(buf, ST_TYPE_NAME_MAX, "DECIMAL(%u,%u)", t.precision, t.scale);
    } else {
        snprintf(buf, ST_TYPE_NAME_MAX, "%s", type_names[t.id]);
    }
    return buf;
}

static const struct {
    const char *name;
    st_type_id id;
} type_aliases[] = {
    {"BOOLEAN", ST_T_BOOLEAN},     {"BOOL", ST_T_BOOLEAN},
    {"LOGICAL", ST_T_BOOLEAN},     {"INT8", ST_T_INT8},
    {"TINYINT", ST_T_INT8},        {"INT16", ST_T_INT16},
    {"SMALLINT", ST_T_INT16},      {"INT2", ST_T_INT16},
    {"INT32", ST_T_INT32},         {"INTEGER", ST_T_INT32},
    {"INT", ST_T_INT32},           {"INT4", ST_T_INT32},
    {"INT64", ST_T_INT64},         {"BIGINT", ST_T_INT64},
    {"LONG", ST_T_INT64},          {"UINT64", ST_T_UINT64},
    {"UBIGINT", ST_T_UINT64},      {"FLOAT", ST_T_FLOAT},
    {"REAL", ST_T_FLOAT},          {"FLOAT4", ST_T_FLOAT},
    {"DOUBLE", ST_T_DOUBLE},       {"FLOAT8", ST_T_DOUBLE},
    {"DOUBLE PRECISION", ST_T_DOUBLE},
    {"VARCHAR", ST_T_VARCHAR},     {"TEXT", ST_T_VARCHAR},
    {"STRING", ST_T_VARCHAR},      {"CHAR", ST_T_VARCHAR},
    {"BPCHAR", ST_T_VARCHAR},      {"BLOB", ST_T_BLOB},
    {"BYTEA", ST_T_BLOB},          {"BINARY", ST_T_BLOB},
    {"VARBINARY", ST_T_BLOB},      {"DATE", ST_T_DATE},
    {"TIMESTAMP", ST_T_TIMESTAMP}, {"DATETIME", ST_T_TIMESTAMP},
    {"TIMESTAMP_US", ST_T_TIMESTAMP}, {"TIMESTAMPTZ", ST_T_TIMESTAMP},
    {"TIMESTAMP WITH TIME ZONE", ST_T_TIMESTAMP},
    {"TIMESTAMP_NS", ST_T_TIMESTAMP_NS},
};

static size_t trim_blanks(const char **s, size_t n) {
    const char *p = *s;
    while (n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' ||
                 p[n - 1] == '\r'))
        n--;
    *s = p;
    return n;
}

st_status st_type_parse(const char *s, size_t n, st_type *out, st_error *e) {
    const char *p = s;
    n = trim_blanks(&p, n);
    /* base name: up to '(' */
    size_t base = 0;
    while (base < n && p[base] != '(') base++;
    size_t bn = base;
    while (bn && p[bn - 1] == ' ') bn--;
    char name[40];
    if (bn == 0 || bn >= sizeof name) goto bad;
    for (size_t i = 0; i < bn; i++) name[i] = (char)toupper((unsigned char)p[i]);
    name[bn] = '\0';
    if (!strcmp(name, "DECIMAL") || !strcmp(name, "NUMERIC") || !strcmp(name, "DEC")) {
        int prec = 18, scale = 3; /* DuckDB's default DECIMAL */
        if (base < n) {
            const char *q = p + base + 1, *end = p + n;
            char tmp[64];
            size_t len = (size_t)(end - q);
            if (len >= sizeof tmp) goto bad;
            memcpy(tmp, q, len);
            tmp[len] = '\0';
            int consumed = 0;
            if (sscanf(tmp, " %d , %d ) %n", &prec, &scale, &consumed) == 2 &&
                consumed == (int)len) {
            } else if (sscanf(tmp, " %d ) %n", &prec, &consumed) == 1 &&
                       consumed == (int)len) {
                scale = 0;
            } else {
                goto bad;
            }
        }
        if (prec < 1 || prec > ST_DECIMAL_MAX_PRECISION || scale < 0 || scale > prec)
            return st_error_set(e, ST_ERR_INVALID,
                                "DECIMAL(%d,%d): precision must be 1..38 and scale 0..precision",
                                prec, scale);
        *out = st_type_decimal(prec, scale);
        return ST_OK;
    }
    if (base < n) {
        /* VARCHAR(n) and CHAR(n): the length is accepted and ignored */
        if (strcmp(name, "VARCHAR") && strcmp(name, "CHAR")) goto bad;
    }
    for (size_t i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++) {
        if (!strcmp(name, type_aliases[i].name)) {
            *out = st_type_make(type_aliases[i].id);
            return ST_OK;
        }
    }
bad:
    return st_error_set(e, ST_ERR_INVALID, "unknown type '%.*s'", (int)(n > 60 ? 60 : n), p);
}

/* ---- calendar ----------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms,
 * http://howardhinnant.github.io/date_algorithms.html), in 64-bit. */
int64_t st_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void st_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool st_date_valid(int64_t y, unsigned m, unsigned d) {
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    unsigned lim = mdays[m - 1] + (m == 2 && is_leap(y));
    return d <= lim;
}

/* ---- integer parsing ---------------------------------------------------- */

static const char *show(const char *s, size_t n, char *buf, size_t cap) {
    size_t k = n < cap - 4 ? n : cap - 4;
    if (k) memcpy(buf, s, k);
    if (k < n) memcpy(buf + k, "...", 3), k += 3;
    buf[k] = '\0';
    return buf;
}

#define BADVAL(e, s, n, what)                                                 \
    do {                                                                      \
        char sb_[72];                                                         \
        return st_error_set((e), ST_ERR_INVALID, "'%s' is not %s",            \
                            show((s), (n), sb_, sizeof sb_), (what));         \
    } while (0)

st_status st_parse_bool(const char *s, size_t n, uint8_t *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    if ((m == 4 && !strncasecmp(p, "true", 4)) || (m == 1 && (*p == 't' || *p == 'T' || *p == '1'))) {
        *out = 1;
        return ST_OK;
    }
    if ((m == 5 && !strncasecmp(p, "false", 5)) || (m == 1 && (*p == 'f' || *p == 'F' || *p == '0'))) {
        *out = 0;
        return ST_OK;
    }
    BADVAL(e, s, n, "a boolean");
}

st_status st_parse_int64(const char *s, size_t n, int64_t *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    bool neg = false;
    size_t i = 0;
    if (i < m && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    if (i == m) BADVAL(e, s, n, "an integer");
    uint64_t acc = 0;
    for (; i < m; i++) {
        unsigned dgt = (unsigned char)p[i] - '0';
        if (dgt > 9) BADVAL(e, s, n, "an integer");
        if (acc > (UINT64_MAX - dgt) / 10) goto range;
        acc = acc * 10 + dgt;
    }
    if (neg) {
        if (acc > (uint64_t)INT64_MAX + 1) goto range;
        *out = (int64_t)(0 - acc);
    } else {
        if (acc > (uint64_t)INT64_MAX) goto range;
        *out = (int64_t)acc;
    }
    return ST_OK;
range:;
    char sb[72];
    return st_error_set(e, ST_ERR_INVALID, "'%s' is out of range for INT64",
                        show(s, n, sb, sizeof sb));
}

st_status st_parse_uint64(const char *s, size_t n, uint64_t *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    size_t i = 0;
    if (i < m && p[i] == '+') i++;
    if (i == m) BADVAL(e, s, n, "an unsigned integer");
    uint64_t acc = 0;
    for (; i < m; i++) {
        unsigned dgt = (unsigned char)p[i] - '0';
        if (dgt > 9) BADVAL(e, s, n, "an unsigned integer");
        if (acc > (UINT64_MAX - dgt) / 10) {
            char sb[72];
            return st_error_set(e, ST_ERR_INVALID, "'%s' is out of range for UINT64",
                                show(s, n, sb, sizeof sb));
        }
        acc = acc * 10 + dgt;
    }
    *out = acc;
    return ST_OK;
}

/* ---- floating point parsing --------------------------------------------- */

static const double exact_pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Validate the syntax of a decimal floating literal and try Clinger's exact
 * fast path.  Returns 1 = parsed exactly into *out, 0 = valid syntax but needs
 * strtod, -1 = not a number. */
static int parse_double_fast(const char *p, size_t m, double *out) {
    size_t i = 0;
    bool neg = false;
    if (i < m && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    uint64_t mant = 0;
    int ndig = 0, dropped = 0, exp10 = 0;
    size_t digits_seen = 0;
    while (i < m && p[i] >= '0' && p[i] <= '9') {
        if (ndig < 19) {
            mant = mant * 10 + (uint64_t)(p[i] - '0');
            if (mant) ndig++;
        } else {
            dropped++;
        }
        digits_seen++;
        i++;
    }
    exp10 += dropped;
    if (i < m && p[i] == '.') {
        i++;
        while (i < m && p[i] >= '0' && p[i] <= '9') {
            if (ndig < 19) {
                mant = mant * 10 + (uint64_t)(p[i] - '0');
                if (mant) ndig++;
                exp10--;
            }
            digits_seen++;
            i++;
        }
    }
    if (digits_seen == 0) return -1;
    if (i < m && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < m && (p[i] == '+' || p[i] == '-')) eneg = p[i++] == '-';
        if (i == m) return -1;
        int ev = 0;
        while (i < m && p[i] >= '0' && p[i] <= '9') {
            if (ev < 100000) ev = ev * 10 + (p[i] - '0');
            i++;
        }
        exp10 += eneg ? -ev : ev;
    }
    if (i != m) return -1;
    if (ndig >= 19 || dropped) return 0;
    if (mant > (UINT64_C(1) << 53)) return 0;
    double d = (double)mant;
    if (exp10 < 0) {
        if (exp10 < -22) return 0;
        d /= exact_pow10[-exp10];
    } else if (exp10 > 0) {
        if (exp10 > 22) return 0;
        d *= exact_pow10[exp10];
    }
    *out = neg ? -d : d;
    return 1;
}

static int parse_special(const char *p, size_t m, double *out) {
    bool neg = false;
    if (m && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++, m--;
    }
    if ((m == 3 && !strncasecmp(p, "inf", 3)) || (m == 8 && !strncasecmp(p, "infinity", 8))) {
        *out = neg ? -INFINITY : INFINITY;
        return 1;
    }
    if (m == 3 && !strncasecmp(p, "nan", 3)) {
        *out = NAN;
        return 1;
    }
    return 0;
}

st_status st_parse_double(const char *s, size_t n, double *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    int r = parse_double_fast(p, m, out);
    if (r == 1) return ST_OK;
    if (r < 0) {
        if (parse_special(p, m, out)) return ST_OK;
        BADVAL(e, s, n, "a number");
    }
    char buf[128];
    char *tmp = m < sizeof buf ? buf : malloc(m + 1);
    if (!tmp) return st_error_set(e, ST_ERR_NOMEM, "out of memory parsing a number");
    memcpy(tmp, p, m);
    tmp[m] = '\0';
    char *end;
    *out = strtod(tmp, &end);
    bool ok = end == tmp + m;
    if (tmp != buf) free(tmp);
    if (!ok) BADVAL(e, s, n, "a number");
    return ST_OK; /* overflow gives +-inf, as DuckDB's cast does */
}

st_status st_parse_float(const char *s, size_t n, float *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    double d;
    if (parse_special(p, m, &d)) {
        *out = (float)d;
        return ST_OK;
    }
    if (parse_double_fast(p, m, &d) < 0) BADVAL(e, s, n, "a number");
    char buf[128];
    char *tmp = m < sizeof buf ? buf : malloc(m + 1);
    if (!tmp) return st_error_set(e, ST_ERR_NOMEM, "out of memory parsing a number");
    memcpy(tmp, p, m);
    tmp[m] = '\0';
    char *end;
    *out = strtof(tmp, &end); /* direct: no double rounding */
    bool ok = end == tmp + m;
    if (tmp != buf) free(tmp);
    if (!ok) BADVAL(e, s, n, "a number");
    return ST_OK;
}

/* ---- decimal parsing ---------------------------------------------------- */

st_i128 st_pow10_i128(int k) {
    static st_i128 tab[39];
    static int init;
    if (!init) { /* benign race: every thread writes the same values */
        st_i128 v = 1;
        for (int i = 0; i <= 38; i++) {
            tab[i] = v;
            if (i < 38) v *= 10;
        }
        init = 1;
    }
    if (k < 0) k = 0;
    if (k > 38) k = 38;
    return tab[k];
}

int st_decimal_digits(const char *s, size_t n, int *int_digits, int *frac_digits) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    size_t i = 0;
    if (i < m && (p[i] == '+' || p[i] == '-')) i++;
    int id = 0, fd = 0, lead = 1;
    size_t start = i;
    while (i < m && p[i] >= '0' && p[i] <= '9') {
        if (p[i] != '0') lead = 0;
        if (!lead) id++;
        i++;
    }
    size_t nint = i - start;
    if (i < m && p[i] == '.') {
        i++;
        size_t fs = i;
        while (i < m && p[i] >= '0' && p[i] <= '9') i++;
        fd = (int)(i - fs);
        if (nint == 0 && fd == 0) return -1;
    } else if (nint == 0) {
        return -1;
    }
    if (i != m) return -1;
    if (int_digits) *int_digits = id;
    if (frac_digits) *frac_digits = fd;
    return id + fd;
}

st_status st_parse_decimal(const char *s, size_t n, int precision, int scale,
                           bool round, st_i128 *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    size_t i = 0;
    bool neg = false;
    if (i < m && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    st_i128 acc = 0;
    int int_digits = 0, frac_used = 0;
    bool any = false, lead = true, round_up = false, lost = false;
    while (i < m && p[i] >= '0' && p[i] <= '9') {
        any = true;
        if (p[i] != '0') lead = false;
        if (!lead) {
            if (++int_digits > precision - scale) goto range;
            acc = acc * 10 + (p[i] - '0');
        }
        i++;
    }
    if (i < m && p[i] == '.') {
        i++;
        while (i < m && p[i] >= '0' && p[i] <= '9') {
            any = true;
            if (frac_used < scale) {
                acc = acc * 10 + (p[i] - '0');
                frac_used++;
            } else {
                if (frac_used == scale && !lost && !round_up) round_up = p[i] >= '5';
                if (p[i] != '0') lost = true;
                frac_used = scale + 1; /* mark "first dropped digit seen" */
            }
            i++;
        }
    }
    /* exponent form (1.5e3) is accepted for CAST: rare, so do it simply */
    if (i < m && (p[i] == 'e' || p[i] == 'E')) {
        double d;
        if (st_parse_double(p, m, &d, NULL) != ST_OK || !isfinite(d)) BADVAL(e, s, n, "a decimal");
        char tmp[80];
        snprintf(tmp, sizeof tmp, "%.*f", scale, d);
        return st_parse_decimal(tmp, strlen(tmp), precision, scale, true, out, e);
    }
    if (!any || i != m) BADVAL(e, s, n, "a decimal");
    if (frac_used > scale) frac_used = scale;
    while (frac_used < scale) acc *= 10, frac_used++;
    if (lost && !round) {
        char sb[72];
        return st_error_set(e, ST_ERR_INVALID,
                            "'%s' has more than %d digits after the decimal point",
                            show(s, n, sb, sizeof sb), scale);
    }
    if (round && round_up) {
        acc += 1;
        if (acc >= st_pow10_i128(precision)) goto range;
    }
    *out = neg ? -acc : acc;
    return ST_OK;
range:;
    char sb[72];
    return st_error_set(e, ST_ERR_INVALID, "'%s' is out of range for DECIMAL(%d,%d)",
                        show(s, n, sb, sizeof sb), precision, scale);
}

/* ---- dates and timestamps ---------------------------------------------- */

static bool take_digits(const char *p, size_t m, size_t *i, int min, int max, int64_t *v) {
    int k = 0;
    int64_t acc = 0;
    while (*i < m && k < max && p[*i] >= '0' && p[*i] <= '9') {
        acc = acc * 10 + (p[*i] - '0');
        (*i)++;
        k++;
    }
    *v = acc;
    return k >= min;
}

/* Parses the date part at p[*i..]; returns days. */
static bool parse_date_part(const char *p, size_t m, size_t *i, int64_t *days) {
    bool neg = false;
    if (*i < m && p[*i] == '-') neg = true, (*i)++;
    int64_t y, mo, d;
    if (!take_digits(p, m, i, 4, 6, &y)) return false;
    if (*i >= m || p[*i] != '-') return false;
    (*i)++;
    if (!take_digits(p, m, i, 1, 2, &mo)) return false;
    if (*i >= m || p[*i] != '-') return false;
    (*i)++;
    if (!take_digits(p, m, i, 1, 2, &d)) return false;
    if (neg) y = -y;
    /* " (BC)" suffix, as DuckDB prints years before 1 AD */
    if (*i + 5 <= m && !memcmp(p + *i, " (BC)", 5)) {
        y = 1 - y;
        *i += 5;
    }
    if (!st_date_valid(y, (unsigned)mo, (unsigned)d)) return false;
    *days = st_days_from_civil(y, (unsigned)mo, (unsigned)d);
    return true;
}

st_status st_parse_date(const char *s, size_t n, int32_t *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    size_t i = 0;
    int64_t days;
    if (!parse_date_part(p, m, &i, &days) || i != m) BADVAL(e, s, n, "a date (YYYY-MM-DD)");
    if (days < INT32_MIN || days > INT32_MAX) BADVAL(e, s, n, "a date in range");
    *out = (int32_t)days;
    return ST_OK;
}

/* Shared by the µs and ns parsers: digits = 6 or 9. */
static st_status parse_ts(const char *s, size_t n, int digits, int64_t *out, st_error *e) {
    const char *p = s;
    size_t m = trim_blanks(&p, n);
    size_t i = 0;
    int64_t days;
    const char *what = digits == 6 ? "a timestamp" : "a nanosecond timestamp";
    if (!parse_date_part(p, m, &i, &days)) BADVAL(e, s, n, what);
    int64_t hh = 0, mi = 0, ss = 0, frac = 0, offset_s = 0;
    if (i < m && (p[i] == ' ' || p[i] == 'T' || p[i] == 't')) {
        i++;
        if (!take_digits(p, m, &i, 1, 2, &hh)) BADVAL(e, s, n, what);
        if (i >= m || p[i] != ':') BADVAL(e, s, n, what);
        i++;
        if (!take_digits(p, m, &i, 2, 2, &mi)) BADVAL(e, s, n, what);
        if (i < m && p[i] == ':') {
            i++;
            if (!take_digits(p, m, &i, 2, 2, &ss)) BADVAL(e, s, n, what);
            if (i < m && p[i] == '.') {
                i++;
                int k = 0;
                while (i < m && p[i] >= '0' && p[i] <= '9') {
                    if (k < digits) {
                        frac = frac * 10 + (p[i] - '0');
                    } else if (p[i] != '0') {
                        char sb[72];
                        return st_error_set(e, ST_ERR_INVALID,
                                            "'%s' has more than %d fractional digits",
                                            show(s, n, sb, sizeof sb), digits);
                    }
                    k++, i++;
                }
                if (k == 0) BADVAL(e, s, n, what);
                for (; k < digits; k++) frac *= 10;
            }
        }
        if (hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi || ss || frac)))
            BADVAL(e, s, n, what);
        if (ss == 60) ss = 59, frac = digits == 6 ? 999999 : 999999999; /* leap second */
        /* zone */
        while (i < m && p[i] == ' ') i++;
        if (i < m) {
            if (p[i] == 'Z' || p[i] == 'z') {
                i++;
            } else if (m - i == 3 && !strncasecmp(p + i, "UTC", 3)) {
                i += 3;
            } else if (p[i] == '+' || p[i] == '-') {
                int sign = p[i] == '-' ? -1 : 1;
                i++;
                int64_t oh, om = 0;
                if (!take_digits(p, m, &i, 2, 2, &oh)) BADVAL(e, s, n, what);
                if (i < m && p[i] == ':') i++;
                if (i < m && !take_digits(p, m, &i, 2, 2, &om)) BADVAL(e, s, n, what);
                if (oh > 15 || om > 59) BADVAL(e, s, n, what);
                offset_s = sign * (oh * 3600 + om * 60);
            }
        }
    }
    if (i != m) BADVAL(e, s, n, what);
    int64_t unit = digits == 6 ? 1000000 : 1000000000;
    int64_t secs = days * 86400 + hh * 3600 + mi * 60 + ss - offset_s;
    /* overflow check: ns range is about +-292 years around 1970 */
    if (secs > INT64_MAX / unit - 1 || secs < INT64_MIN / unit + 1) {
        char sb[72];
        return st_error_set(e, ST_ERR_INVALID, "'%s' is out of range for %s",
                            show(s, n, sb, sizeof sb), digits == 6 ? "TIMESTAMP" : "TIMESTAMP_NS");
    }
    *out = secs * unit + frac;
    return ST_OK;
}

st_status st_parse_timestamp(const char *s, size_t n, int64_t *out, st_error *e) {
    return parse_ts(s, n, 6, out, e);
}
st_status st_parse_timestamp_ns(const char *s, size_t n, int64_t *out, st_error *e) {
    return parse_ts(s, n, 9, out, e);
}

st_status st_parse_value(st_type t, const char *s, size_t n, void *out, st_error *e) {
    int64_t v;
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: return st_parse_bool(s, n, out, e);
    case ST_T_INT8:
    case ST_T_INT16:
    case ST_T_INT32: {
        ST_TRY(st_parse_int64(s, n, &v, e));
        int64_t lo = t.id == ST_T_INT8 ? INT8_MIN : t.id == ST_T_INT16 ? INT16_MIN : INT32_MIN;
        int64_t hi = t.id == ST_T_INT8 ? INT8_MAX : t.id == ST_T_INT16 ? INT16_MAX : INT32_MAX;
        if (v < lo || v > hi) {
            char sb[72], tn[ST_TYPE_NAME_MAX];
            return st_error_set(e, ST_ERR_INVALID, "'%s' is out of range for %s",
                                show(s, n, sb, sizeof sb), st_type_name(t, tn));
        }
        if (t.id == ST_T_INT8) *(int8_t *)out = (int8_t)v;
        else if (t.id == ST_T_INT16) { int16_t x = (int16_t)v; memcpy(out, &x, 2); }
        else { int32_t x = (int32_t)v; memcpy(out, &x, 4); }
        return ST_OK;
    }
    case ST_T_INT64:
        ST_TRY(st_parse_int64(s, n, &v, e));
        memcpy(out, &v, 8);
        return ST_OK;
    case ST_T_UINT64: {
        uint64_t u;
        ST_TRY(st_parse_uint64(s, n, &u, e));
        memcpy(out, &u, 8);
        return ST_OK;
    }
    case ST_T_FLOAT: {
        float f;
        ST_TRY(st_parse_float(s, n, &f, e));
        memcpy(out, &f, 4);
        return ST_OK;
    }
    case ST_T_DOUBLE: {
        double d;
        ST_TRY(st_parse_double(s, n, &d, e));
        memcpy(out, &d, 8);
        return ST_OK;
    }
    case ST_T_DECIMAL: {
        st_i128 d;
        ST_TRY(st_parse_decimal(s, n, t.precision, t.scale, false, &d, e));
        if (t.precision > ST_DECIMAL_SMALL_MAX) {
            memcpy(out, &d, 16);
        } else {
            int64_t x = (int64_t)d;
            memcpy(out, &x, 8);
        }
        return ST_OK;
    }
    case ST_T_DATE: {
        int32_t d;
        ST_TRY(st_parse_date(s, n, &d, e));
        memcpy(out, &d, 4);
        return ST_OK;
    }
    case ST_T_TIMESTAMP:
        ST_TRY(st_parse_timestamp(s, n, &v, e));
        memcpy(out, &v, 8);
        return ST_OK;
    case ST_T_TIMESTAMP_NS:
        ST_TRY(st_parse_timestamp_ns(s, n, &v, e));
        memcpy(out, &v, 8);
        return ST_OK;
    default: {
        char tn[ST_TYPE_NAME_MAX];
        return st_error_set(e, ST_ERR_INTERNAL, "st_parse_value: cannot parse into %s",
                            st_type_name(t, tn));
    }
    }
}

/* ---- printing ----------------------------------------------------------- */

static size_t utoa_rev(uint64_t v, char *tmp) {
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return k;
}

size_t st_format_uint64(uint64_t v, char *buf) {
    char tmp[24];
    size_t k = utoa_rev(v, tmp);
    for (size_t i = 0; i < k; i++) buf[i] = tmp[k - 1 - i];
    buf[k] = '\0';
    return k;
}

size_t st_format_int64(int64_t v, char *buf) {
    if (v < 0) {
        buf[0] = '-';
        return 1 + st_format_uint64((uint64_t)0 - (uint64_t)v, buf + 1);
    }
    return st_format_uint64((uint64_t)v, buf);
}

static size_t u128_rev(unsigned __int128 v, char *tmp) {
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    return k;
}

size_t st_format_i128(st_i128 v, char *buf) {
    size_t o = 0;
    unsigned __int128 u = (unsigned __int128)v;
    if (v < 0) {
        buf[o++] = '-';
        u = (unsigned __int128)0 - u;
    }
    char tmp[48];
    size_t k = u128_rev(u, tmp);
    for (size_t i = 0; i < k; i++) buf[o++] = tmp[k - 1 - i];
    buf[o] = '\0';
    return o;
}

size_t st_format_decimal(st_i128 v, int scale, char *buf) {
    size_t o = 0;
    unsigned __int128 u = (unsigned __int128)v;
    if (v < 0) {
        buf[o++] = '-';
        u = (unsigned __int128)0 - u;
    }
    char tmp[48];
    size_t k = u128_rev(u, tmp);
    while (k <= (size_t)scale) tmp[k++] = '0'; /* at least one integer digit */
    for (size_t i = k; i > 0; i--) {
        if (scale > 0 && i == (size_t)scale) buf[o++] = '.';
        buf[o++] = tmp[i - 1];
    }
    buf[o] = '\0';
    return o;
}

/* Lay out sign, significant digits (no leading/trailing zeros) and decimal
 * exponent (value = 0.d1d2d3... x 10^(exp10+1), i.e. d1 is at 10^exp10) the
 * way DuckDB does: fixed notation for -5 < exp10 < 16, with ".0" on whole
 * numbers; otherwise d.ddde[+-]XX. */
static size_t layout_digits(bool neg, const char *dig, int nd, int exp10, char *buf) {
    size_t o = 0;
    if (neg) buf[o++] = '-';
    if (exp10 >= -5 + 1 && exp10 < 16) {
        if (exp10 < 0) {
            buf[o++] = '0';
            buf[o++] = '.';
            for (int z = 0; z < -exp10 - 1; z++) buf[o++] = '0';
            for (int i = 0; i < nd; i++) buf[o++] = dig[i];
        } else {
            for (int i = 0; i <= exp10; i++) buf[o++] = i < nd ? dig[i] : '0';
            buf[o++] = '.';
            if (nd > exp10 + 1) {
                for (int i = exp10 + 1; i < nd; i++) buf[o++] = dig[i];
            } else {
                buf[o++] = '0';
            }
        }
    } else {
        buf[o++] = dig[0];
        if (nd > 1) {
            buf[o++] = '.';
            for (int i = 1; i < nd; i++) buf[o++] = dig[i];
        }
        buf[o++] = 'e';
        int ex = exp10;
        buf[o++] = ex < 0 ? '-' : '+';
        if (ex < 0) ex = -ex;
        char t[8];
        int k = 0;
        do {
            t[k++] = (char)('0' + ex % 10);
            ex /= 10;
        } while (ex);
        if (k < 2) t[k++] = '0';
        while (k) buf[o++] = t[--k];
    }
    buf[o] = '\0';
    return o;
}

/* Shortest round-trip digits via printf: for a normal double, if some k-digit
 * string reads back to x then the correctly rounded 15-digit form is that
 * string padded with zeros (the half-ulp of x is below half the 15-digit
 * spacing), so trying 15, 16, 17 digits and stripping zeros gives the
 * shortest.  Subnormals have fewer bits, so they search from 1 digit. */
static int format_double_digits(double x, bool is_float, char *dig, int *exp10) {
    char tmp[40];
    int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
    if (!is_float && fabs(x) < 2.2250738585072014e-308) lo = 1;
    if (is_float && fabsf((float)x) < 1.17549435e-38f) lo = 1;
    for (int p = lo; p <= hi; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        bool ok;
        if (is_float) ok = strtof(tmp, NULL) == (float)x;
        else ok = strtod(tmp, NULL) == x;
        if (ok || p == hi) break;
    }
    /* tmp = [-]d.ddddde[+-]XX */
    const char *q = tmp;
    if (*q == '-') q++;
    int nd = 0;
    for (; *q && *q != 'e'; q++)
        if (*q != '.') dig[nd++] = *q;
    *exp10 = atoi(q + 1);
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    return nd;
}

static size_t format_fp(double x, bool is_float, char *buf) {
    if (isnan(x)) return (size_t)sprintf(buf, "nan");
    if (isinf(x)) return (size_t)sprintf(buf, x < 0 ? "-inf" : "inf");
    bool neg = signbit(x);
    double ax = fabs(x);
    if (ax == 0) return (size_t)sprintf(buf, neg ? "-0.0" : "0.0");
    /* fast path (doubles only): the fewest decimals k with m / 10^k == x,
     * m < 2^53; both sides are correctly rounded, so the text round-trips. */
    if (!is_float && ax < 1e15 && ax >= 1e-4) {
        for (int k = 0; k <= 16; k++) {
            double scaled = ax * exact_pow10[k];
            if (scaled >= 9007199254740992.0) break;
            double r = nearbyint(scaled);
            uint64_t mi = (uint64_t)r;
            if ((double)mi / exact_pow10[k] != ax) continue;
            char rev[24], dig[24];
            int nr = (int)utoa_rev(mi, rev);
            for (int i = 0; i < nr; i++) dig[i] = rev[nr - 1 - i];
            int nd = nr;
            while (nd > 1 && dig[nd - 1] == '0') nd--;
            return layout_digits(neg, dig, nd, nr - 1 - k, buf);
        }
    }
    char dig[24];
    int e10;
    int nd = format_double_digits(ax, is_float, dig, &e10);
    return layout_digits(neg, dig, nd, e10, buf);
}

size_t st_format_double(double v, char *buf) { return format_fp(v, false, buf); }
size_t st_format_float(float v, char *buf) { return format_fp((double)v, true, buf); }

size_t st_format_date(int32_t days, char *buf) {
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    bool bc = y <= 0;
    if (bc) y = 1 - y;
    int n = sprintf(buf, "%04lld-%02u-%02u", (long long)y, m, d);
    if (bc) n += sprintf(buf + n, " (BC)");
    return (size_t)n;
}

static size_t format_ts(int64_t v, int64_t unit, int digits, char *buf) {
    int64_t days = st_floordiv(v, unit * 86400);
    int64_t rem = st_floormod(v, unit * 86400);
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    bool bc = y <= 0;
    if (bc) y = 1 - y;
    int64_t secs = rem / unit, frac = rem % unit;
    int n = sprintf(buf, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d,
                    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac) {
        char f[16];
        sprintf(f, "%0*lld", digits, (long long)frac);
        int k = digits;
        while (k > 0 && f[k - 1] == '0') k--;
        f[k] = '\0';
        n += sprintf(buf + n, ".%s", f);
    }
    if (bc) {
        /* DuckDB: "0001-12-31 (BC) 00:00:00" */
        char tail[40];
        strcpy(tail, buf + 10);
        n = 10 + sprintf(buf + 10, " (BC)%s", tail);
    }
    return (size_t)n;
}

size_t st_format_timestamp(int64_t us, char *buf) { return format_ts(us, 1000000, 6, buf); }
size_t st_format_timestamp_ns(int64_t ns, char *buf) {
    return format_ts(ns, 1000000000, 9, buf);
}

size_t st_format_value(st_type t, const void *v, char *buf) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: return (size_t)sprintf(buf, *(const uint8_t *)v ? "true" : "false");
    case ST_T_INT8: return st_format_int64(*(const int8_t *)v, buf);
    case ST_T_INT16: { int16_t x; memcpy(&x, v, 2); return st_format_int64(x, buf); }
    case ST_T_INT32: { int32_t x; memcpy(&x, v, 4); return st_format_int64(x, buf); }
    case ST_T_INT64: { int64_t x; memcpy(&x, v, 8); return st_format_int64(x, buf); }
    case ST_T_UINT64: { uint64_t x; memcpy(&x, v, 8); return st_format_uint64(x, buf); }
    case ST_T_FLOAT: { float x; memcpy(&x, v, 4); return st_format_float(x, buf); }
    case ST_T_DOUBLE: { double x; memcpy(&x, v, 8); return st_format_double(x, buf); }
    case ST_T_DECIMAL:
        if (t.precision > ST_DECIMAL_SMALL_MAX) {
            st_i128 x;
            memcpy(&x, v, 16);
            return st_format_decimal(x, t.scale, buf);
        } else {
            int64_t x;
            memcpy(&x, v, 8);
            return st_format_decimal(x, t.scale, buf);
        }
    case ST_T_DATE: { int32_t x; memcpy(&x, v, 4); return st_format_date(x, buf); }
    case ST_T_TIMESTAMP: { int64_t x; memcpy(&x, v, 8); return st_format_timestamp(x, buf); }
    case ST_T_TIMESTAMP_NS: { int64_t x; memcpy(&x, v, 8); return st_format_timestamp_ns(x, buf); }
    case ST_T_NULL: buf[0] = '\0'; return 0;
    default: return (size_t)sprintf(buf, "?");
    }
}

bool st_value_as_i128(st_type t, const void *v, st_i128 *out) {
    switch ((st_type_id)t.id) {
    case ST_T_BOOLEAN: *out = *(const uint8_t *)v; return true;
    case ST_T_INT8: *out = *(const int8_t *)v; return true;
    case ST_T_INT16: { int16_t x; memcpy(&x, v, 2); *out = x; return true; }
    case ST_T_INT32:
    case ST_T_DATE: { int32_t x; memcpy(&x, v, 4); *out = x; return true; }
    case ST_T_INT64:
    case ST_T_TIMESTAMP:
    case ST_T_TIMESTAMP_NS: { int64_t x; memcpy(&x, v, 8); *out = x; return true; }
    case ST_T_UINT64: { uint64_t x; memcpy(&x, v, 8); *out = (st_i128)x; return true; }
    case ST_T_DECIMAL:
        if (t.precision > ST_DECIMAL_SMALL_MAX) memcpy(out, v, 16);
        else { int64_t x; memcpy(&x, v, 8); *out = x; }
        return true;
    default: return false;
    }
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Where is the first invalid sequence?  Byte-at-a-time checks per sequence
 * length with the RFC 3629 limits on the second byte (E0: A0..BF, no
 * overlong; ED: 80..9F, no surrogate; F0: 90..BF, no overlong; F4: 80..8F,
 * <= U+10FFFF).  Only called once the fast check below has failed. */
static bool utf8_locate(const unsigned char *p, size_t n, size_t *bad_off) {
    size_t i = 0;
    while (i < n) {
        while (i + 16 <= n) {
            uint64_t w1, w2;
            memcpy(&w1, p + i, 8);
            memcpy(&w2, p + i + 8, 8);
            if ((w1 | w2) & UINT64_C(0x8080808080808080)) break;
            i += 16;
        }
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        if (i >= n) break;
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c < 0xC2) goto bad; /* continuation byte or overlong 2-byte lead */
        if (c < 0xE0) {
            if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80) goto bad;
            i += 2;
        } else if (c < 0xF0) {
            if (i + 2 >= n) goto bad;
            unsigned b1 = p[i + 1], b2 = p[i + 2];
            if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) goto bad;
            if ((c == 0xE0 && b1 < 0xA0) || (c == 0xED && b1 > 0x9F)) goto bad;
            i += 3;
        } else {
            if (c > 0xF4 || i + 3 >= n) goto bad;
            unsigned b1 = p[i + 1], b2 = p[i + 2], b3 = p[i + 3];
            if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80 || (b3 & 0xC0) != 0x80) goto bad;
            if ((c == 0xF0 && b1 < 0x90) || (c == 0xF4 && b1 > 0x8F)) goto bad;
            i += 4;
        }
    }
    return true;
bad:
    if (bad_off) *bad_off = i;
    return false;
}

/* The fast check: a shift-based DFA (one table load and one shift per
 * byte, no branches: the speed does not depend on the mix of sequence
 * lengths), with 16 ASCII bytes per step between sequences.  States are bit
 * offsets into a table row; row[b] packs the next state of every state for
 * byte b.  ERR (offset 0) is absorbing. */
enum { U8_ERR = 0, U8_ACC = 6, U8_C1 = 12, U8_C2 = 18, U8_C3 = 24,
       U8_E0 = 30, U8_ED = 36, U8_F0 = 42, U8_F4 = 48 };
static uint64_t u8_row[256];

__attribute__((constructor)) static void utf8_dfa_init(void) {
    for (unsigned b = 0; b < 256; b++) {
        uint64_t r = 0;
        unsigned acc = b < 0x80 ? U8_ACC
                       : b >= 0xC2 && b <= 0xDF ? U8_C1
                       : b == 0xE0 ? U8_E0
                       : b == 0xED ? U8_ED
                       : b >= 0xE1 && b <= 0xEF ? U8_C2
                       : b == 0xF0 ? U8_F0
                       : b >= 0xF1 && b <= 0xF3 ? U8_C3
                       : b == 0xF4 ? U8_F4 : U8_ERR;
        bool cont = b >= 0x80 && b <= 0xBF;
        r |= (uint64_t)acc << U8_ACC;
        r |= (uint64_t)(cont ? U8_ACC : U8_ERR) << U8_C1;
        r |= (uint64_t)(cont ? U8_C1 : U8_ERR) << U8_C2;
        r |= (uint64_t)(cont ? U8_C2 : U8_ERR) << U8_C3;
        r |= (uint64_t)(b >= 0xA0 && b <= 0xBF ? U8_C1 : U8_ERR) << U8_E0;
        r |= (uint64_t)(b >= 0x80 && b <= 0x9F ? U8_C1 : U8_ERR) << U8_ED;
        r |= (uint64_t)(b >= 0x90 && b <= 0xBF ? U8_C2 : U8_ERR) << U8_F0;
        r |= (uint64_t)(b >= 0x80 && b <= 0x8F ? U8_C2 : U8_ERR) << U8_F4;
        u8_row[b] = r;
    }
}

bool st_utf8_valid(const char *s, size_t n, size_t *bad_off) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    uint64_t st = U8_ACC;
    while (i < n) {
        if (st == U8_ACC) {
            while (i + 16 <= n) {
                uint64_t w1, w2;
                memcpy(&w1, p + i, 8);
                memcpy(&w2, p + i + 8, 8);
                if ((w1 | w2) & UINT64_C(0x8080808080808080)) break;
                i += 16;
            }
        }
        size_t end = n - i > 64 ? i + 64 : n;
        for (; i < end; i++) st = u8_row[p[i]] >> (st & 63);
        st &= 63;
        if (st == U8_ERR) break;
    }
    if (st == U8_ACC) return true;
    return utf8_locate(p, n, bad_off);
}
