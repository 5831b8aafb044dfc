/*
 * text_infer.c: type inference for text columns (text_int.h, tx_stat).
 *
 * Each value is classified once into one kind (TX_K_*) plus its digit
 * counts; a column is the union of its values' kinds.  The resolution picks
 * the narrowest type that holds every value *exactly*:
 *
 *   only BOOL                      -> BOOLEAN
 *   only INT                       -> BIGINT
 *   INT/BIGINT                     -> DECIMAL(38,0)  (never through a double)
 *   numbers with DEC/EXP, every one with <= 15 significant digits and no
 *   BIGINT                         -> DOUBLE (15 digits survive a double and
 *                                     print back the same: DBL_DIG)
 *   plain numbers (no exponent)    -> DECIMAL(int+frac, frac) when <= 38 digits
 *   DATE / +TS / +TSNS             -> DATE / TIMESTAMP / TIMESTAMP_NS
 *   anything else, mixtures, TEXT  -> VARCHAR
 *
 * Deliberately not numbers: leading zeros (007, 00.5: identifiers lose their
 * zeros), "nan"/"inf" (names), exponents beyond double range (they would
 * become infinities or zero), leap seconds (:60 would be moved to :59.999999).
 * Blanks around a value are allowed as types.h's parsers allow them, so a
 * value classified as a number always parses as one.
 */
#include <string.h>
#include <strings.h>

#include "format/text_int.h"

static size_t trim(const char **pp, size_t n) {
    const char *p = *pp;
    while (n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
    *pp = p;
    return n;
}

static inline uint8_t cap8(size_t v) { return v > 255 ? 255 : (uint8_t)v; }

static inline void note_digits(tx_stat *s, size_t idig, size_t fdig, size_t sig) {
    if (cap8(idig) > s->max_int) s->max_int = cap8(idig);
    if (cap8(fdig) > s->max_frac) s->max_frac = cap8(fdig);
    if (cap8(sig) > s->max_sig) s->max_sig = cap8(sig);
}

static inline bool isdig(char c) { return (unsigned char)(c - '0') < 10; }

/* Returns the kind of a number, 0 when p is not a number at all, TX_K_TEXT
 * for a number we refuse to type (leading zeros, out of range). */
static uint32_t number_kind(tx_stat *s, const char *p, size_t n) {
    size_t i = 0;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    size_t is = i;
    while (i < n && isdig(p[i])) i++;
    size_t nint = i - is;
    bool point = false;
    size_t nfrac = 0, fs = 0;
    if (i < n && p[i] == '.') {
        point = true;
        fs = ++i;
        while (i < n && isdig(p[i])) i++;
        nfrac = i - fs;
    }
    if (nint + nfrac == 0) return 0;
    bool expo = false;
    long ev = 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        expo = true;
        i++;
        bool eneg = false;
        if (i < n && (p[i] == '+' || p[i] == '-')) eneg = p[i++] == '-';
        size_t es = i;
        while (i < n && isdig(p[i])) {
            if (ev < 100000) ev = ev * 10 + (p[i] - '0');
            i++;
        }
        if (i == es) return 0;
        if (eneg) ev = -ev;
    }
    if (i != n) return 0;
    if (nint >= 2 && p[is] == '0') return TX_K_TEXT; /* 007 */
    /* significant digits */
    size_t int_sig = (nint == 1 && p[is] == '0') ? 0 : nint, sig, fz = 0;
    if (int_sig) {
        sig = int_sig + nfrac;
    } else {
        while (fz < nfrac && p[fs + fz] == '0') fz++;
        sig = nfrac - fz;
    }
    if (sig == 0) sig = 1;
    if (expo) {
        if (int_sig || fz < nfrac) { /* non-zero mantissa: stay inside double range */
            long e10 = ev + (int_sig ? (long)int_sig - 1 : -(long)fz - 1);
            if (e10 > 307 || e10 < -307) return TX_K_TEXT;
        }
        note_digits(s, 0, 0, sig);
        return TX_K_EXP;
    }
    if (point) {
        note_digits(s, int_sig, nfrac, sig);
        return TX_K_DEC;
    }
    if (nint > 38) return TX_K_TEXT;
    note_digits(s, int_sig, 0, sig);
    if (nint < 19) return TX_K_INT;
    if (nint > 19) return TX_K_BIGINT;
    /* 19 digits: compare with INT64's limits */
    static const char maxpos[] = "9223372036854775807", maxneg[] = "9223372036854775808";
    int c = memcmp(p + is, p[0] == '-' ? maxneg : maxpos, 19);
    return c <= 0 ? TX_K_INT : TX_K_BIGINT;
}

/* Dates and timestamps (4-digit years: YYYY-MM-DD[ T]HH:MM[:SS[.f]][zone]). */
static uint32_t temporal_kind(const char *p, size_t n) {
    if (n < 10 || p[4] != '-' || p[7] != '-' || !isdig(p[0])) return 0;
    int32_t d;
    int64_t us;
    if (n == 10) return tx_fast_date(p, n, &d) || st_parse_date(p, n, &d, NULL) == ST_OK ? TX_K_DATE : 0;
    if (tx_fast_ts(p, n, &us)) return TX_K_TS; /* the common exact shape */
    if (p[10] != ' ' && p[10] != 'T' && p[10] != 't') return 0;
    if (n >= 19 && p[13] == ':' && p[16] == ':' && p[17] == '6' && p[18] == '0') return 0;
    int64_t v;
    if (st_parse_timestamp(p, n, &v, NULL) == ST_OK) return TX_K_TS;
    if (st_parse_timestamp_ns(p, n, &v, NULL) == ST_OK) return TX_K_TSNS;
    return 0;
}

void tx_classify(tx_stat *s, const char *p, size_t n) {
    s->nonnull++;
    if (s->seen & TX_K_TEXT) return; /* settled */
    /* fast path: a plain integer of at most 18 digits, no leading zero */
    if (n && n <= 18 && (p[0] != '0' || n == 1)) {
        size_t i = 0;
        while (i < n && isdig(p[i])) i++;
        if (i == n) {
            size_t sig = p[0] == '0' ? 0 : n;
            note_digits(s, sig, 0, sig ? sig : 1);
            s->seen |= TX_K_INT;
            return;
        }
    }
    n = trim(&p, n);
    if (n == 0) goto text;
    char c = p[0];
    if (isdig(c) || c == '-' || c == '+' || c == '.') {
        uint32_t k = number_kind(s, p, n);
        if (k == 0 && isdig(c)) k = temporal_kind(p, n);
        if (k == 0) goto text;
        s->seen |= k;
        return;
    }
    if ((n == 4 && !strncasecmp(p, "true", 4)) || (n == 5 && !strncasecmp(p, "false", 5))) {
        s->seen |= TX_K_BOOL;
        return;
    }
text:
    s->seen |= TX_K_TEXT;
}

void tx_classify_number(tx_stat *s, const char *p, size_t n) {
    s->nonnull++;
    if (s->seen & TX_K_TEXT) return;
    uint32_t k = number_kind(s, p, n);
    s->seen |= k ? k : TX_K_TEXT;
}

void tx_classify_string(tx_stat *s, const char *p, size_t n) {
    s->nonnull++;
    if (s->seen & TX_K_TEXT) return;
    uint32_t k = 0;
    if (n && isdig(p[0]) && !memchr(p, '\\', n)) k = temporal_kind(p, n);
    s->seen |= k ? k : TX_K_TEXT;
}

void tx_stat_merge(tx_stat *d, const tx_stat *s) {
    d->seen |= s->seen;
    if (s->max_int > d->max_int) d->max_int = s->max_int;
    if (s->max_frac > d->max_frac) d->max_frac = s->max_frac;
    if (s->max_sig > d->max_sig) d->max_sig = s->max_sig;
    d->nonnull += s->nonnull;
}

st_type tx_stat_resolve(const tx_stat *s) {
    const uint32_t num = TX_K_INT | TX_K_BIGINT | TX_K_DEC | TX_K_EXP;
    const uint32_t tmp = TX_K_DATE | TX_K_TS | TX_K_TSNS;
    uint32_t k = s->seen;
    if (k == 0 || (k & TX_K_TEXT)) return st_type_make(ST_T_VARCHAR);
    if (k == TX_K_BOOL) return st_type_make(ST_T_BOOLEAN);
    if ((k & ~tmp) == 0) {
        if (k & TX_K_TSNS) return st_type_make(ST_T_TIMESTAMP_NS);
        if (k & TX_K_TS) return st_type_make(ST_T_TIMESTAMP);
        return st_type_make(ST_T_DATE);
    }
    if ((k & ~num) != 0) return st_type_make(ST_T_VARCHAR);
    if (!(k & (TX_K_DEC | TX_K_EXP))) {
        if (k & TX_K_BIGINT) return st_type_decimal(38, 0);
        return st_type_make(ST_T_INT64);
    }
    if (s->max_sig <= 15 && !(k & TX_K_BIGINT)) return st_type_make(ST_T_DOUBLE);
    if (k & TX_K_EXP) return st_type_make(ST_T_VARCHAR);
    int p = s->max_int + s->max_frac;
    if (p > ST_DECIMAL_MAX_PRECISION) return st_type_make(ST_T_VARCHAR);
    if (p < 1) p = 1;
    return st_type_decimal(p, s->max_frac);
}
