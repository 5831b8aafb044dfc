/*
 * parquet_enc.c: bit unpacking, the RLE / bit-packed hybrid (decode and
 * encode) and the DELTA_BINARY_PACKED decoder.  Layouts are drawn in
 * parquet_int.h.
 *
 * Bounds: the hybrid decoder clamps a bit-packed run to the bytes that are
 * really there (some writers end the last run early) and fails when values
 * are asked for beyond the input; RLE run counts are only counters, never
 * sizes.  The DBP decoder validates the whole stream's block structure at
 * init, so decoding never needs another bounds check per miniblock.
 */
#include "format/parquet_int.h"

#include <string.h>

/* ---- bit unpacking ------------------------------------------------------ */

static inline uint64_t load64_safe(const uint8_t *p, size_t nbytes, size_t at) {
    uint64_t v = 0;
    if (at + 8 <= nbytes) {
        memcpy(&v, p + at, 8);
        return v;
    }
    for (size_t i = 0; at + i < nbytes && i < 8; i++) v |= (uint64_t)p[at + i] << (8 * i);
    return v;
}

void st_pq_unpack32(const uint8_t *p, size_t nbytes, uint64_t bit, uint32_t bw, uint32_t *out,
                    uint32_t n) {
    if (bw == 0) {
        memset(out, 0, (size_t)n * 4);
        return;
    }
    uint64_t mask = bw == 32 ? 0xFFFFFFFFu : ((UINT64_C(1) << bw) - 1);
    uint32_t i = 0;
    /* fast path: a full 8-byte load stays inside the buffer */
    size_t safe_end = nbytes >= 8 ? nbytes - 8 : 0;
    if (nbytes >= 8) {
        for (; i < n; i++) {
            size_t at = (size_t)(bit >> 3);
            if (at > safe_end) break;
            uint64_t v;
            memcpy(&v, p + at, 8);
            out[i] = (uint32_t)((v >> (bit & 7)) & mask);
            bit += bw;
        }
    }
    for (; i < n; i++) {
        uint64_t v = load64_safe(p, nbytes, (size_t)(bit >> 3));
        out[i] = (uint32_t)((v >> (bit & 7)) & mask);
        bit += bw;
    }
}

void st_pq_unpack64(const uint8_t *p, size_t nbytes, uint64_t bit, uint32_t bw, uint64_t *out,
                    uint32_t n) {
    if (bw == 0) {
        memset(out, 0, (size_t)n * 8);
        return;
    }
    uint64_t mask = bw == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << bw) - 1);
    for (uint32_t i = 0; i < n; i++) {
        size_t at = (size_t)(bit >> 3);
        unsigned sh = (unsigned)(bit & 7);
        uint64_t lo = load64_safe(p, nbytes, at);
        uint64_t v = lo >> sh;
        if (sh + bw > 64) {
            uint64_t hi = at + 8 < nbytes ? p[at + 8] : 0;
            v |= hi << (64 - sh);
        }
        out[i] = v & mask;
        bit += bw;
    }
}

/* ---- varints ------------------------------------------------------------ */

static bool uleb(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end) return false;
        uint8_t b = *p++;
        if (shift == 63 && (b & 0x7E)) return false;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return true;
        }
    }
    return false;
}

/* ---- hybrid decoder ----------------------------------------------------- */

void st_pq_rle_init(st_pq_rle *d, const uint8_t *p, size_t n, uint32_t bw) {
    memset(d, 0, sizeof *d);
    d->p = p;
    d->end = p + n;
    d->bw = bw;
}

static st_status rle_next_run(st_pq_rle *d, st_error *e) {
    uint64_t h;
    if (d->p >= d->end) return st_error_set(e, ST_ERR_CORRUPT, "RLE/bit-packed data ends before its values");
    if (!uleb(&d->p, d->end, &h)) return st_error_set(e, ST_ERR_CORRUPT, "bad RLE run header");
    if (h & 1) {
        uint64_t groups = h >> 1;
        size_t want = (size_t)(groups * d->bw);
        size_t have = (size_t)(d->end - d->p);
        if (groups > (UINT64_C(1) << 40)) return st_error_set(e, ST_ERR_CORRUPT, "bad bit-packed run header");
        d->literal = true;
        d->lp = d->p;
        d->lbit = 0;
        if (want > have) {
            /* a truncated last run: only the values that are there */
            d->lbytes = have;
            d->left = d->bw ? (uint64_t)have * 8 / d->bw : groups * 8;
            d->p = d->end;
        } else {
            d->lbytes = want;
            d->left = groups * 8;
            d->p += want;
        }
    } else {
        size_t vb = (d->bw + 7) / 8;
        if ((size_t)(d->end - d->p) < vb) return st_error_set(e, ST_ERR_CORRUPT, "truncated RLE run value");
        uint32_t v = 0;
        for (size_t i = 0; i < vb; i++) v |= (uint32_t)d->p[i] << (8 * i);
        d->p += vb;
        if (d->bw < 32 && (v >> d->bw)) return st_error_set(e, ST_ERR_CORRUPT, "RLE run value %u exceeds bit width %u", v, d->bw);
        d->literal = false;
        d->value = v;
        d->left = h >> 1;
    }
    return ST_OK;
}

st_status st_pq_rle_get(st_pq_rle *d, uint32_t *out, uint32_t n, st_error *e) {
    uint32_t done = 0;
    while (done < n) {
        if (d->left == 0) {
            ST_TRY(rle_next_run(d, e));
            continue;
        }
        uint32_t k = (uint32_t)(d->left < (uint64_t)(n - done) ? d->left : (uint64_t)(n - done));
        if (d->literal) {
            if (out) st_pq_unpack32(d->lp, d->lbytes, d->lbit, d->bw, out + done, k);
            d->lbit += (uint64_t)k * d->bw;
        } else if (out) {
            uint32_t v = d->value, *o = out + done;
            for (uint32_t i = 0; i < k; i++) o[i] = v;
        }
        d->left -= k;
        done += k;
    }
    return ST_OK;
}

/* ---- hybrid encoder ----------------------------------------------------- */

static void put_uleb(st_sbuf *out, uint64_t v) {
    uint8_t b[10];
    int n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    st_sbuf_append(out, b, (size_t)n);
}

/* Bit-pack `groups*8` values (missing ones as 0) LSB-first. */
#define DEFINE_PUT_PACKED(NAME, T)                                            \
    static void NAME(st_sbuf *out, const T *v, size_t n, size_t groups, uint32_t bw) { \
        put_uleb(out, (groups << 1) | 1);                                     \
        size_t nbytes = groups * bw;                                          \
        if (!st_sbuf_reserve(out, nbytes + 8)) return;                        \
        uint8_t *dst = (uint8_t *)out->p + out->len;                          \
        uint64_t acc = 0;                                                     \
        unsigned accbits = 0;                                                 \
        size_t o = 0;                                                         \
        for (size_t i = 0; i < groups * 8; i++) {                             \
            uint64_t x = i < n ? (uint64_t)v[i] : 0;                          \
            acc |= x << accbits;                                              \
            accbits += bw;                                                    \
            while (accbits >= 8) {                                            \
                dst[o++] = (uint8_t)acc;                                      \
                acc >>= 8;                                                    \
                accbits -= 8;                                                 \
            }                                                                 \
        }                                                                     \
        if (accbits) dst[o++] = (uint8_t)acc;                                 \
        out->len += nbytes;                                                   \
    }
DEFINE_PUT_PACKED(put_packed32, uint32_t)
DEFINE_PUT_PACKED(put_packed8, uint8_t)

static void put_rle(st_sbuf *out, uint32_t value, size_t count, uint32_t bw) {
    put_uleb(out, (uint64_t)count << 1);
    size_t vb = (bw + 7) / 8;
    uint8_t b[4];
    for (size_t i = 0; i < vb; i++) b[i] = (uint8_t)(value >> (8 * i));
    st_sbuf_append(out, b, vb);
}

/* Greedy: a run of equal values becomes an RLE run when, after lending a
 * few of its values to pad the pending literal stretch to a multiple of 8,
 * at least 8 remain.  Literal stretches are written in chunks of at most 504
 * values (one header byte each); only the very last one of the stream is
 * padded (the reader knows the value count), so no value is invented. */
#define DEFINE_RLE_ENCODE(NAME, T, PACK)                                      \
    void NAME(st_sbuf *out, const T *v, size_t n, uint32_t bw) {              \
        size_t i = 0, lit_start = 0;                                          \
        while (i < n) {                                                       \
            size_t j = i + 1;                                                 \
            while (j < n && v[j] == v[i]) j++;                                \
            size_t run = j - i, pending = i - lit_start;                      \
            size_t fill = (8 - pending % 8) % 8;                              \
            if (run >= 8 + fill) {                                            \
                size_t lit_n = pending + fill;                                \
                for (size_t s = lit_start; s < lit_start + lit_n;) {          \
                    size_t m = lit_start + lit_n - s;                         \
                    if (m > 504) m = 504;                                     \
                    PACK(out, v + s, m, m / 8, bw);                           \
                    s += m;                                                   \
                }                                                             \
                put_rle(out, (uint32_t)v[i], run - fill, bw);                 \
                lit_start = j;                                                \
            }                                                                 \
            i = j;                                                            \
        }                                                                     \
        for (size_t s = lit_start; s < n;) {                                  \
            size_t m = n - s;                                                 \
            if (m > 504) m = 504;                                             \
            PACK(out, v + s, m, (m + 7) / 8, bw);                             \
            s += m;                                                           \
        }                                                                     \
    }
DEFINE_RLE_ENCODE(st_pq_rle_encode, uint32_t, put_packed32)
DEFINE_RLE_ENCODE(st_pq_rle_encode_u8, uint8_t, put_packed8)

/* ---- DELTA_BINARY_PACKED ------------------------------------------------ */

static inline uint64_t unzz(uint64_t v) { return (v >> 1) ^ (uint64_t)-(int64_t)(v & 1); }

st_status st_pq_dbp_init(st_pq_dbp *d, const uint8_t *p, size_t n, st_error *e) {
    memset(d, 0, sizeof *d);
    const uint8_t *end = p + n;
    uint64_t bs, nm, total, first;
    if (!uleb(&p, end, &bs) || !uleb(&p, end, &nm) || !uleb(&p, end, &total) || !uleb(&p, end, &first))
        return st_error_set(e, ST_ERR_CORRUPT, "truncated DELTA_BINARY_PACKED header");
    if (bs == 0 || bs % 128 || bs > (1u << 20) || nm == 0 || bs % nm || (bs / nm) % 32)
        return st_error_set(e, ST_ERR_CORRUPT,
                            "bad DELTA_BINARY_PACKED header (block size %llu, %llu miniblocks)",
                            (unsigned long long)bs, (unsigned long long)nm);
    d->block_size = bs;
    d->nminis = nm;
    d->mini_size = bs / nm;
    d->total = d->left = total;
    d->last = unzz(first);
    d->first_pending = total > 0;
    d->p = p;
    d->end = end;
    /* walk the blocks to validate them and find the end of the stream */
    uint64_t rest = total > 0 ? total - 1 : 0;
    const uint8_t *q = p;
    while (rest > 0) {
        uint64_t md;
        if (!uleb(&q, end, &md)) return st_error_set(e, ST_ERR_CORRUPT, "truncated DELTA_BINARY_PACKED block");
        if ((uint64_t)(end - q) < nm) return st_error_set(e, ST_ERR_CORRUPT, "truncated DELTA_BINARY_PACKED block widths");
        const uint8_t *w = q;
        q += nm;
        for (uint64_t m = 0; m < nm && rest > 0; m++) {
            if (w[m] > 64) return st_error_set(e, ST_ERR_CORRUPT, "DELTA_BINARY_PACKED bit width %u > 64", w[m]);
            uint64_t bytes = d->mini_size * w[m] / 8;
            if ((uint64_t)(end - q) < bytes) {
                /* the final miniblock may be cut short by some writers when
                 * it holds fewer values; accept if the values present fit */
                uint64_t need = (rest < d->mini_size ? rest : d->mini_size) * w[m];
                if ((uint64_t)(end - q) * 8 < need)
                    return st_error_set(e, ST_ERR_CORRUPT, "truncated DELTA_BINARY_PACKED miniblock");
                q = end;
            } else {
                q += bytes;
            }
            rest = rest > d->mini_size ? rest - d->mini_size : 0;
        }
    }
    d->stream_end = q;
    d->mini_left = 0;
    d->widths = NULL; /* the first delta reads a block header */
    return ST_OK;
}

st_status st_pq_dbp_get(st_pq_dbp *d, uint64_t *out, uint32_t n, st_error *e) {
    if (n > d->left) return st_error_set(e, ST_ERR_CORRUPT, "DELTA_BINARY_PACKED stream holds %llu values, %u more wanted",
                                         (unsigned long long)d->left, n);
    uint32_t done = 0;
    uint64_t tmp[256];
    if (n && d->first_pending) {
        if (out) out[0] = d->last;
        d->first_pending = false;
        d->left--;
        done = 1;
    }
    while (done < n) {
        if (d->mini_left == 0) {
            if (!d->widths || d->mini + 1 >= d->nminis) {
                /* a new block (its structure was validated at init) */
                uint64_t md;
                if (!uleb(&d->p, d->end, &md) || (uint64_t)(d->end - d->p) < d->nminis)
                    return st_error_set(e, ST_ERR_CORRUPT, "truncated DELTA_BINARY_PACKED block");
                d->min_delta = unzz(md);
                d->widths = d->p;
                d->p += d->nminis;
                d->mini = 0;
            } else {
                d->mini++;
            }
            d->mp = d->p;
            d->mbit = 0;
            d->mini_left = d->mini_size;
            uint64_t bytes = d->mini_size * d->widths[d->mini] / 8;
            d->p = (uint64_t)(d->end - d->p) < bytes ? d->end : d->p + bytes;
        }
        uint32_t k = (uint32_t)(d->mini_left < (uint64_t)(n - done) ? d->mini_left : (uint64_t)(n - done));
        if (k > 256) k = 256;
        uint32_t bw = d->widths[d->mini];
        size_t mbytes = (size_t)(d->p - d->mp);
        if (d->mbit + (uint64_t)k * bw > (uint64_t)mbytes * 8)
            return st_error_set(e, ST_ERR_CORRUPT, "truncated DELTA_BINARY_PACKED miniblock");
        st_pq_unpack64(d->mp, mbytes, d->mbit, bw, tmp, k);
        d->mbit += (uint64_t)k * bw;
        uint64_t last = d->last, md = d->min_delta;
        if (out) {
            uint64_t *o = out + done;
            for (uint32_t i = 0; i < k; i++) o[i] = last = last + md + tmp[i];
        } else {
            for (uint32_t i = 0; i < k; i++) last = last + md + tmp[i];
        }
        d->last = last;
        d->mini_left -= k;
        d->left -= k;
        done += k;
    }
    return ST_OK;
}
