/*
 * csv_scan.c: the structural scan of CSV (csv_int.h).
 *
 * The scalar state machine below *is* the grammar; the AVX2 scanner is an
 * accelerator that must produce the same index, which it guarantees by
 * handing the scalar code every record where the mask arithmetic could
 * disagree with the state machine.
 *
 * Mask arithmetic, per 64-byte block (bit k = byte i+k):
 *   Q quotes, D delimiters, N line ends (LF or CR)
 *   inside = prefix_xor(Q) ^ carry      bit set from an opening quote up to
 *                                       (not including) its closing quote
 *   S = (D|N) & ~inside                 structural offsets, emitted
 *   T = N & ~inside                     record ends
 *   O = Q & inside, C = Q & ~inside     quotes that open / close by parity
 * On a well-formed record every opening quote follows a separator (or a
 * closing quote: the second quote of a doubled "") and every closing quote
 * is followed by a separator or an opening quote; under these conditions
 * the parity reading equals the state machine.  The violations are
 *   bad = O & ~(prev S | prev C)  |  prev C & ~(S | O)  |  comment & prev T
 * and a record containing one goes to the scalar code (a quote inside an
 * unquoted field such as 27" TV is the usual reason; it is valid data).
 */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv_int.h"
#include "format/text_int.h"

void cx_index_reset(cx_index *ix) {
    ix->n = 0;
    ix->na = 0;
    ix->failed = false;
}

void cx_index_free(cx_index *ix) {
    free(ix->pos);
    free(ix->anom);
    memset(ix, 0, sizeof *ix);
}

static bool grow_pos(cx_index *ix, size_t need) {
    if (ix->n + need <= ix->cap) return true;
    size_t nc = ix->cap ? ix->cap * 2 : 4096;
    while (nc < ix->n + need) nc *= 2;
    size_t *np = realloc(ix->pos, nc * sizeof *np);
    if (!np) {
        ix->failed = true;
        return false;
    }
    ix->pos = np;
    ix->cap = nc;
    return true;
}

static inline bool push_pos(cx_index *ix, size_t p) {
    if (ix->n == ix->cap && !grow_pos(ix, 1)) return false;
    ix->pos[ix->n++] = p;
    return true;
}

static bool push_anom(cx_index *ix, size_t s, size_t end, uint32_t flags) {
    if (ix->na == ix->acap) {
        size_t nc = ix->acap ? ix->acap * 2 : 16;
        cx_anom *na = realloc(ix->anom, nc * sizeof *na);
        if (!na) {
            ix->failed = true;
            return false;
        }
        ix->anom = na;
        ix->acap = nc;
    }
    ix->anom[ix->na].start = s;
    ix->anom[ix->na].end = end;
    ix->anom[ix->na].flags = flags;
    ix->na++;
    return true;
}

size_t cx_find_eol(const char *buf, size_t i, size_t n) {
    for (; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\r') return i;
    return n;
}

enum { S_FS, S_UQ, S_Q, S_ESC, S_AQ };

/* One record from s.  Returns 1 = complete (*next = start of the next
 * record), 0 = cut by avail before its end (index rolled back), 2 = no record
 * (s == avail at the end of the input). */
static int scalar_record(const cx_dialect *d, const char *buf, size_t s, size_t avail, bool eof,
                         cx_index *ix, size_t *next) {
    size_t base = ix->n;
    if (s >= avail) return eof ? 2 : 0;
    if (d->comment && buf[s] == d->comment) {
        size_t t = cx_find_eol(buf, s, avail);
        if (t == avail && !eof) return 0;
        push_pos(ix, t);
        push_anom(ix, s, t, CX_ANOM_COMMENT);
        *next = t < avail ? t + 1 : avail;
        return 1;
    }
    const char delim = d->delim, quote = d->has_quote ? d->quote : 0, esc = d->escape;
    const bool hasq = d->has_quote, doubled = d->esc_is_quote;
    const size_t max = d->max_record;
    int st = S_FS;
    size_t qopen = s;
    for (size_t i = s;; i++) {
        if (i == avail) {
            if (!eof) {
                ix->n = base;
                return 0;
            }
            if (st == S_Q || st == S_ESC) {
                size_t t = cx_find_eol(buf, qopen + 1, avail);
                ix->n = base;
                push_pos(ix, t);
                push_anom(ix, s, t, CX_ANOM_UNTERMINATED);
                *next = t < avail ? t + 1 : avail;
                return 1;
            }
            push_pos(ix, avail);
            *next = avail;
            return 1;
        }
        if (i - s > max) {
            bool inq = st == S_Q || st == S_ESC;
            size_t t = cx_find_eol(buf, inq ? qopen + 1 : i, avail);
            if (t == avail && !eof) {
                ix->n = base;
                return 0;
            }
            ix->n = base;
            push_pos(ix, t);
            push_anom(ix, s, t, CX_ANOM_OVERSIZE);
            *next = t < avail ? t + 1 : avail;
            return 1;
        }
        char c = buf[i];
        switch (st) {
        case S_FS:
            if (hasq && c == quote) {
                st = S_Q;
                qopen = i;
                break;
            }
            /* an unquoted field starts (or is empty) */
            __attribute__((fallthrough));
        case S_UQ:
            if (c == delim) {
                push_pos(ix, i);
                st = S_FS;
            } else if (c == '\n' || c == '\r') {
                push_pos(ix, i);
                *next = i + 1;
                return 1;
            } else {
                st = S_UQ;
            }
            break;
        case S_Q:
            if (c == quote) st = S_AQ;
            else if (!doubled && c == esc) st = S_ESC;
            break;
        case S_ESC: st = S_Q; break;
        case S_AQ:
            if (doubled && c == quote) {
                st = S_Q;
            } else if (c == delim) {
                push_pos(ix, i);
                st = S_FS;
            } else if (c == '\n' || c == '\r') {
                push_pos(ix, i);
                *next = i + 1;
                return 1;
            } else {
                st = S_UQ; /* bytes after a closing quote: the consumer reports it */
            }
            break;
        }
    }
}

enum { S_COMMENT = 9 };

bool cx_record_ends(const cx_dialect *d, const char *buf, size_t s, size_t avail, cx_resume *rs) {
    if (!rs->valid) {
        rs->valid = true;
        rs->pos = s;
        rs->st = (d->comment && s < avail && buf[s] == d->comment) ? S_COMMENT : S_FS;
    }
    const char delim = d->delim, quote = d->has_quote ? d->quote : 0, esc = d->escape;
    const bool hasq = d->has_quote, doubled = d->esc_is_quote;
    int st = rs->st;
    size_t i = rs->pos;
    for (; i < avail; i++) {
        char c = buf[i];
        bool eol = c == '\n' || c == '\r';
        switch (st) {
        case S_COMMENT:
            if (eol) goto end;
            break;
        case S_FS:
            if (hasq && c == quote) {
                st = S_Q;
                break;
            }
            __attribute__((fallthrough));
        case S_UQ:
            if (c == delim) st = S_FS;
            else if (eol) goto end;
            else st = S_UQ;
            break;
        case S_Q:
            if (c == quote) st = S_AQ;
            else if (!doubled && c == esc) st = S_ESC;
            break;
        case S_ESC: st = S_Q; break;
        case S_AQ:
            if (doubled && c == quote) st = S_Q;
            else if (c == delim) st = S_FS;
            else if (eol) goto end;
            else st = S_UQ;
            break;
        }
    }
    rs->pos = i;
    rs->st = st;
    return false;
end:
    rs->pos = i;
    rs->st = st;
    return true;
}

size_t cx_scan_scalar(const cx_dialect *d, const char *buf, size_t from, size_t avail, size_t want,
                      bool eof, cx_index *ix) {
    size_t s = from;
    while (!ix->failed) {
        size_t next;
        if (scalar_record(d, buf, s, avail, eof, ix, &next) != 1) return s;
        s = next;
        if (s >= want) return s;
    }
    return s;
}

static inline uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

__attribute__((target("avx2"))) static inline uint64_t eqmask(__m256i lo, __m256i hi, __m256i c) {
    uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c));
    uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c));
    return (uint64_t)a | ((uint64_t)b << 32);
}

/* LF or CR */
__attribute__((target("avx2"))) static inline uint64_t eolmask(__m256i lo, __m256i hi, __m256i n,
                                                                __m256i r) {
    uint32_t a = (uint32_t)_mm256_movemask_epi8(
        _mm256_or_si256(_mm256_cmpeq_epi8(lo, n), _mm256_cmpeq_epi8(lo, r)));
    uint32_t b = (uint32_t)_mm256_movemask_epi8(
        _mm256_or_si256(_mm256_cmpeq_epi8(hi, n), _mm256_cmpeq_epi8(hi, r)));
    return (uint64_t)a | ((uint64_t)b << 32);
}

/* Write base + index of every set bit of s to out (which has room for 64 +
 * 16 entries: entries past popcount(s) are scratch); returns the count.
 * Unrolled by 8 so the common counts cost no mispredicted branch. */
__attribute__((target("avx2,bmi"))) static inline size_t emit(size_t *out, size_t base,
                                                              uint64_t s) {
    size_t cnt = (size_t)__builtin_popcountll(s);
    if (!cnt) return 0;
    for (int k = 0; k < 8; k++) {
        out[k] = base + _tzcnt_u64(s);
        s = _blsr_u64(s);
    }
    if (cnt > 8) {
        for (int k = 8; k < 16; k++) {
            out[k] = base + _tzcnt_u64(s);
            s = _blsr_u64(s);
        }
        for (size_t k = 16; s; k++) {
            out[k] = base + _tzcnt_u64(s);
            s = _blsr_u64(s);
        }
    }
    return cnt;
}

__attribute__((target("avx2,bmi"))) size_t cx_scan_avx2(const cx_dialect *d, const char *buf,
                                                         size_t from, size_t avail, size_t want,
                                                         bool eof, cx_index *ix) {
    /* backslash escapes, and max_record below a block (a record inside one
     * block could exceed it), are left to the scalar state machine */
    if ((d->has_quote && !d->esc_is_quote) || d->max_record < 64)
        return cx_scan_scalar(d, buf, from, avail, want, eof, ix);
    const __m256i vq = _mm256_set1_epi8(d->has_quote ? d->quote : 0);
    const __m256i vd = _mm256_set1_epi8(d->delim);
    const __m256i vn = _mm256_set1_epi8('\n'), vr = _mm256_set1_epi8('\r');
    const __m256i vc = _mm256_set1_epi8(d->comment);
    const bool hasq = d->has_quote, hasc = d->comment != 0;
    size_t i = from, rec = from, rec_n = ix->n, rec_na = ix->na;
    uint64_t in_carry = 0, prev_s = 1, prev_c = 0, prev_t = 1;
    while (i + 64 <= avail) {
        if (!grow_pos(ix, 64 + 16)) return rec;
        __m256i lo = _mm256_loadu_si256((const __m256i *)(buf + i));
        __m256i hi = _mm256_loadu_si256((const __m256i *)(buf + i + 32));
        uint64_t D = eqmask(lo, hi, vd);
        uint64_t N = eolmask(lo, hi, vn, vr);
        uint64_t Q = hasq ? eqmask(lo, hi, vq) : 0;
        uint64_t inside, S, T, bad;
        if (!(Q | in_carry | prev_c)) { /* no quote in play: the common block */
            inside = 0;
            S = D | N;
            T = N;
            bad = 0;
        } else {
            inside = prefix_xor(Q) ^ in_carry;
            S = (D | N) & ~inside;
            T = N & ~inside;
            uint64_t O = Q & inside, C = Q & ~inside;
            uint64_t pS = (S << 1) | prev_s, pC = (C << 1) | prev_c;
            bad = (O & ~(pS | pC)) | (pC & ~(S | O));
            prev_c = C >> 63;
        }
        if (hasc) bad |= eqmask(lo, hi, vc) & ((T << 1) | prev_t);
        if (T && i + (size_t)__builtin_ctzll(T) - rec > d->max_record) {
            /* the open record ends here but is too long: the scalar rules */
            ix->n = rec_n;
            ix->na = rec_na;
            size_t next;
            int r = scalar_record(d, buf, rec, avail, eof, ix, &next);
            if (r != 1 || ix->failed) return rec;
            if (next >= want) return next;
            i = rec = next;
            rec_n = ix->n;
            rec_na = ix->na;
            in_carry = 0, prev_s = 1, prev_c = 0, prev_t = 1;
            continue;
        }
        if (bad) {
            unsigned b = (unsigned)__builtin_ctzll(bad);
            uint64_t before = b ? (~0ull >> (64 - b)) : 0;
            uint64_t tb = T & before;
            size_t rs;
            if (tb) {
                unsigned lt = 63 - (unsigned)__builtin_clzll(tb);
                uint64_t keep = S & (~0ull >> (63 - lt));
                /* a stop at or after want may come before the bad record */
                uint64_t cand = keep & T;
                if (want <= i + 64) {
                    uint64_t wm = want <= i + 1 ? ~0ull : (~0ull << (want - i - 1));
                    cand &= wm;
                } else {
                    cand = 0;
                }
                if (cand) {
                    unsigned cb = (unsigned)__builtin_ctzll(cand);
                    keep &= ~0ull >> (63 - cb);
                    while (keep) {
                        ix->pos[ix->n++] = i + (size_t)__builtin_ctzll(keep);
                        keep &= keep - 1;
                    }
                    return i + cb + 1;
                }
                while (keep) {
                    ix->pos[ix->n++] = i + (size_t)__builtin_ctzll(keep);
                    keep &= keep - 1;
                }
                rs = i + lt + 1;
            } else {
                ix->n = rec_n;
                ix->na = rec_na;
                rs = rec;
            }
            size_t next;
            int r = scalar_record(d, buf, rs, avail, eof, ix, &next);
            if (r != 1 || ix->failed) return rs;
            if (next >= want) return next;
            i = rec = next;
            rec_n = ix->n;
            rec_na = ix->na;
            in_carry = 0, prev_s = 1, prev_c = 0, prev_t = 1;
            continue;
        }
        if (T && want <= i + 64) {
            uint64_t wm = want <= i + 1 ? ~0ull : (~0ull << (want - i - 1));
            uint64_t cand = T & wm;
            if (cand) {
                unsigned cb = (unsigned)__builtin_ctzll(cand);
                uint64_t keep = S & (~0ull >> (63 - cb));
                while (keep) {
                    ix->pos[ix->n++] = i + (size_t)__builtin_ctzll(keep);
                    keep &= keep - 1;
                }
                return i + cb + 1;
            }
        }
        size_t n0 = ix->n;
        ix->n += emit(ix->pos + ix->n, i, S);
        if (T) {
            unsigned lt = 63 - (unsigned)__builtin_clzll(T);
            rec = i + lt + 1;
            rec_n = n0 + (size_t)__builtin_popcountll(S & (~0ull >> (63 - lt)));
            rec_na = ix->na;
        }
        in_carry = (uint64_t)((int64_t)inside >> 63);
        prev_s = S >> 63;
        prev_t = T >> 63;
        i += 64;
        if (i - rec > d->max_record) {
            ix->n = rec_n;
            ix->na = rec_na;
            size_t next;
            int r = scalar_record(d, buf, rec, avail, eof, ix, &next);
            if (r != 1 || ix->failed) return rec;
            if (next >= want) return next;
            i = rec = next;
            rec_n = ix->n;
            rec_na = ix->na;
            in_carry = 0, prev_s = 1, prev_c = 0, prev_t = 1;
        }
    }
    ix->n = rec_n;
    ix->na = rec_na;
    return cx_scan_scalar(d, buf, rec, avail, want, eof, ix);
}

size_t cx_scan(const cx_dialect *d, const char *buf, size_t from, size_t avail, size_t want,
               bool eof, cx_index *ix) {
    if (tx_simd_avx2()) return cx_scan_avx2(d, buf, from, avail, want, eof, ix);
    return cx_scan_scalar(d, buf, from, avail, want, eof, ix);
}
