/*
 * enc_str.c: encodings of string streams (VARCHAR and BLOB): PLAIN, DICT
 * and RLE, the choice between them, and their hostile-input decoders.
 *
 * Layouts (n from the context; PACK in enc_pack.c; ints bodies in
 * enc_ints.c):
 *
 *   STRS(k)   PACK(k) of the byte lengths, then the k strings' bytes,
 *             concatenated (no terminators, no padding)
 *
 *   PLAIN(n)  STRS(n)
 *
 *   DICT(n)   +0  u32   ndict: 0 when n == 0, else 1..n
 *             +4  STRS(ndict): the distinct strings (v1 writers: ascending,
 *                       bytewise unsigned, shorter first; readers do not
 *                       rely on the order)
 *             ..  u8    kind of the indices: FOR or RLE
 *             ..  body of the n indices, each < ndict
 *
 *   RLE(n)    +0  u32   nruns: 0 when n == 0, else 1..n
 *             +4  PACK(nruns) of (run length - 1); the lengths sum to n
 *             ..  STRS(nruns): the run values
 *
 * Decoding is zero-copy: the st_str values point into the window (the
 * mapped file or the decompressed payload, which the reader pins in the
 * vector).  A VARCHAR window is checked to be valid UTF-8 once as a whole,
 * plus one byte per string: a string may not start on a continuation byte.
 * Together these prove every string valid (a valid sequence cut only at
 * character starts gives valid pieces), at the cost of one pass.
 *
 * Choice: PLAIN is the fallback; DICT is tried unless the first 4096 values
 * are more than half distinct (or the chunk has over min(n/2, 65536)
 * distinct values); RLE is sized only when there is no dictionary (DICT with
 * RLE indices is never larger).  The smallest wins, PLAIN on ties.  The
 * dictionary's hash table keys strings of up to 16 bytes by two overlapping
 * 8-byte words and the length (exact for a given length), so probing
 * compares registers, not bytes; longer strings use XXH3 and a byte compare.
 */
#include "format/enc_int.h"

#include <stdlib.h>

#include "format/hash.h"

struct strs_plan {
    const char *bytes;
    const uint32_t *off;
    size_t n;
    int kind;
    size_t size;
    uint64_t *lens; /* n: PLAIN */
    /* RLE */
    size_t nruns;
    uint64_t *rlens, *rvlens; /* nruns: length - 1, value byte length */
    uint32_t *rfirst;         /* nruns: row of the run's value */
    size_t rbytes;
    /* DICT */
    bool have_dict;
    size_t ndict;
    uint32_t *dfirst; /* ndict: a row holding the entry (sorted order) */
    uint64_t *dlens;
    size_t dbytes;
    uint64_t *idx; /* n */
    ints_plan *iplan;
};

#define DICT_SAMPLE 4096
#define DICT_MAX 65536

static inline const char *sp(const strs_plan *p, size_t row) { return p->bytes + p->off[row]; }
static inline uint32_t sl(const strs_plan *p, size_t row) { return p->off[row + 1] - p->off[row]; }

/* a[0..n) == b[0..n)?  Inline for short strings (no library call). */
static inline bool bytes_eq(const char *a, const char *b, uint32_t n) {
    if (n > 16) return memcmp(a, b, n) == 0;
    if (n >= 8) {
        uint64_t x1, x2, y1, y2;
        memcpy(&x1, a, 8);
        memcpy(&y1, b, 8);
        memcpy(&x2, a + n - 8, 8);
        memcpy(&y2, b + n - 8, 8);
        return ((x1 ^ y1) | (x2 ^ y2)) == 0;
    }
    if (n >= 4) {
        uint32_t x1, x2, y1, y2;
        memcpy(&x1, a, 4);
        memcpy(&y1, b, 4);
        memcpy(&x2, a + n - 4, 4);
        memcpy(&y2, b + n - 4, 4);
        return ((x1 ^ y1) | (x2 ^ y2)) == 0;
    }
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* A string of at most 16 bytes as two words that, for a given length,
 * determine it exactly (overlapping loads cover every byte), so the
 * dictionary compares registers instead of bytes. */
static inline void short_key(const char *s, uint32_t n, uint64_t *w1, uint64_t *w2) {
    if (n >= 8) {
        memcpy(w1, s, 8);
        memcpy(w2, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        *w1 = a | ((uint64_t)b << 32);
        *w2 = 0;
    } else {
        *w1 = n ? (uint64_t)(uint8_t)s[0] | (uint64_t)(uint8_t)s[n >> 1] << 8 |
                      (uint64_t)(uint8_t)s[n - 1] << 16
                : 0;
        *w2 = 0;
    }
}

static int str_cmp(const char *a, size_t an, const char *b, size_t bn) {
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

static int cmp_rows(const void *a, const void *b, void *ctx) {
    const strs_plan *p = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return str_cmp(sp(p, x), sl(p, x), sp(p, y), sl(p, y));
}

/* 1 built, 0 too many distinct values, -1 out of memory */
static int dict_build(enc_mem *m, strs_plan *p, bool force) {
    size_t n = p->n;
    size_t limit = force ? n : (n / 2 < DICT_MAX ? n / 2 : DICT_MAX);
    if (limit == 0) limit = 1;
    size_t cap = 1024;
    unsigned shift = 64 - 10; /* index = hash >> shift: the product's high bits */
    uint32_t *slots = enc_alloc(m, cap * sizeof *slots); /* entry id or UINT32_MAX */
    uint64_t *hashes = enc_alloc(m, limit * sizeof *hashes);
    uint64_t *kw = enc_alloc(m, 2 * limit * sizeof *kw); /* short keys: two words */
    uint32_t *klen = enc_alloc(m, limit * sizeof *klen);
    uint32_t *first = enc_alloc(m, limit * sizeof *first);
    uint64_t *idx = enc_alloc(m, n * sizeof *idx);
    uint32_t *remap = NULL;
    if (!slots || !hashes || !kw || !klen || !first || !idx) return -1;
    memset(slots, 0xFF, cap * sizeof *slots);
    size_t count = 0;
    uint64_t pw1 = 0, pw2 = 0;
    uint32_t plen = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        const char *s = sp(p, i);
        uint32_t len = sl(p, i);
        uint64_t w1 = 0, w2 = 0, h;
        bool small = len <= 16;
        if (small) {
            short_key(s, len, &w1, &w2);
            if (len == plen && w1 == pw1 && w2 == pw2) {
                idx[i] = idx[i - 1]; /* same as the previous row */
                continue;
            }
            h = (w1 ^ ((w2 << 29) | (w2 >> 35)) ^ ((uint64_t)len << 57)) *
                UINT64_C(0x9E3779B97F4A7C15);
            h ^= h >> 31;
            h *= UINT64_C(0xBF58476D1CE4E5B9);
        } else {
            h = st_hash_bytes(s, len);
        }
        plen = small ? len : UINT32_MAX;
        pw1 = w1;
        pw2 = w2;
        size_t at = h >> shift;
        uint32_t code;
        for (;;) {
            code = slots[at];
            if (code == UINT32_MAX) break;
            if (klen[code] == len &&
                (small ? kw[2 * code] == w1 && kw[2 * code + 1] == w2
                       : hashes[code] == h && bytes_eq(sp(p, first[code]), s, len)))
                break;
            at = (at + 1) & (cap - 1);
        }
        if (code == UINT32_MAX) {
            if (count == limit) return 0;
            code = (uint32_t)count++;
            slots[at] = code;
            hashes[code] = h;
            kw[2 * code] = w1;
            kw[2 * code + 1] = w2;
            klen[code] = len;
            first[code] = (uint32_t)i;
            if (count * 2 > cap) {
                size_t nc = cap * 2;
                uint32_t *ns = enc_alloc(m, nc * sizeof *ns);
                if (!ns) return -1;
                memset(ns, 0xFF, nc * sizeof *ns);
                shift--;
                for (size_t c = 0; c < count; c++) {
                    size_t g = hashes[c] >> shift;
                    while (ns[g] != UINT32_MAX) g = (g + 1) & (nc - 1);
                    ns[g] = (uint32_t)c;
                }
                slots = ns;
                cap = nc;
            }
        }
        idx[i] = code;
        if (!force && count > DICT_SAMPLE / 2 && i < DICT_SAMPLE && n >= 2 * DICT_SAMPLE)
            return 0; /* more than half of the first values distinct */
    }
    /* sort entries bytewise and renumber */
    remap = enc_alloc(m, count * sizeof *remap);
    p->dlens = enc_alloc(m, count * sizeof *p->dlens);
    if (!remap || !p->dlens) return -1;
    /* sort codes by their strings: compare through first[] */
    {
        uint32_t *rows = enc_alloc(m, count * sizeof *rows);
        if (!rows) return -1;
        for (size_t c = 0; c < count; c++) rows[c] = first[c];
        /* sort rows; then recover each code's rank by the row it owns */
        qsort_r(rows, count, sizeof *rows, cmp_rows, p);
        /* rows are distinct strings' first rows; map row -> rank via idx */
        for (size_t r = 0; r < count; r++) remap[idx[rows[r]]] = (uint32_t)r;
        p->dfirst = rows;
    }
    size_t dbytes = 0;
    for (size_t r = 0; r < count; r++) {
        p->dlens[r] = sl(p, p->dfirst[r]);
        dbytes += p->dlens[r];
    }
    for (size_t i = 0; i < n; i++) idx[i] = remap[idx[i]];
    p->ndict = count;
    p->dbytes = dbytes;
    p->idx = idx;
    return 1;
}

st_status strs_plan_build(enc_mem *m, const char *bytes, const uint32_t *off, size_t n,
                          unsigned allowed, bool force_dict, strs_plan **out, st_error *e) {
    strs_plan *p = enc_alloc(m, sizeof *p);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory encoding a column");
    memset(p, 0, sizeof *p);
    p->bytes = bytes;
    p->off = off;
    p->n = n;
    p->kind = ENC_PLAIN;
    unsigned np = allowed & ~ENC_BIT(ENC_PLAIN);
    size_t best = 0;
    if (n == 0) goto done;
    p->lens = enc_alloc(m, n * sizeof *p->lens);
    if (!p->lens) goto nomem;
    for (size_t i = 0; i < n; i++) p->lens[i] = sl(p, i);
    best = enc_pack_size(p->lens, n, false) + (size_t)(off[n] - off[0]);

    if (allowed & ENC_BIT(ENC_DICT)) {
        int r = dict_build(m, p, force_dict);
        if (r < 0) goto nomem;
        if (r > 0) {
            p->have_dict = true;
            ints_opts iopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_RLE), false};
            ST_TRY(ints_plan_build(m, p->idx, n, false, iopt, &p->iplan, e));
            size_t dsz = 4 + enc_pack_size(p->dlens, p->ndict, false) + p->dbytes + 1 +
                         ints_plan_size(p->iplan);
            if (dsz < best || (force_dict && np == ENC_BIT(ENC_DICT))) {
                best = dsz;
                p->kind = ENC_DICT;
            }
        }
    }

    /* With a dictionary, DICT with run-length indices stores every run in
     * fewer bytes than RLE of the strings: RLE is sized only without one. */
    if ((allowed & ENC_BIT(ENC_RLE)) && !p->have_dict) {
        size_t nruns = 1;
        for (size_t i = 1; i < n; i++)
            nruns += sl(p, i) != sl(p, i - 1) || !bytes_eq(sp(p, i), sp(p, i - 1), sl(p, i));
        bool only = np == ENC_BIT(ENC_RLE);
        if (nruns <= n - n / 8 || only) {
            p->rlens = enc_alloc(m, nruns * sizeof *p->rlens);
            p->rvlens = enc_alloc(m, nruns * sizeof *p->rvlens);
            p->rfirst = enc_alloc(m, nruns * sizeof *p->rfirst);
            if (!p->rlens || !p->rvlens || !p->rfirst) goto nomem;
            size_t r = 0, start = 0, rbytes = 0;
            for (size_t i = 1; i <= n; i++) {
                if (i == n || sl(p, i) != sl(p, i - 1) ||
                    !bytes_eq(sp(p, i), sp(p, i - 1), sl(p, i))) {
                    p->rlens[r] = i - start - 1;
                    p->rvlens[r] = sl(p, start);
                    p->rfirst[r] = (uint32_t)start;
                    rbytes += sl(p, start);
                    r++;
                    start = i;
                }
            }
            p->nruns = nruns;
            p->rbytes = rbytes;
            size_t rsz = 4 + enc_pack_size(p->rlens, nruns, false) +
                         enc_pack_size(p->rvlens, nruns, false) + rbytes;
            if (rsz < best || only) {
                best = rsz;
                p->kind = ENC_RLE;
            }
        }
    }
done:
    p->size = best;
    *out = p;
    return ST_OK;
nomem:
    return st_error_set(e, ST_ERR_NOMEM, "out of memory encoding a string column");
}

int strs_plan_kind(const strs_plan *p) { return p->kind; }
size_t strs_plan_size(const strs_plan *p) { return p->size; }
size_t strs_plan_distinct(const strs_plan *p) { return p->have_dict ? p->ndict : 0; }
void strs_plan_distinct_at(const strs_plan *p, size_t i, const char **s, uint32_t *len) {
    *s = sp(p, p->dfirst[i]);
    *len = sl(p, p->dfirst[i]);
}

void strs_plan_write(const strs_plan *p, enc_buf *out) {
    switch (p->kind) {
    case ENC_PLAIN:
        enc_pack(out, p->lens, p->n, false);
        enc_put(out, p->bytes + p->off[0], (size_t)(p->off[p->n] - p->off[0]));
        break;
    case ENC_DICT:
        enc_u32(out, (uint32_t)p->ndict);
        enc_pack(out, p->dlens, p->ndict, false);
        for (size_t r = 0; r < p->ndict; r++)
            enc_put(out, sp(p, p->dfirst[r]), sl(p, p->dfirst[r]));
        enc_u8(out, (uint8_t)ints_plan_kind(p->iplan));
        ints_plan_write(p->iplan, out);
        break;
    case ENC_RLE:
        enc_u32(out, (uint32_t)p->nruns);
        enc_pack(out, p->rlens, p->nruns, false);
        enc_pack(out, p->rvlens, p->nruns, false);
        for (size_t r = 0; r < p->nruns; r++) enc_put(out, sp(p, p->rfirst[r]), sl(p, p->rfirst[r]));
        break;
    default: break;
    }
}

/* ---- decoding ----------------------------------------------------------- */

/* STRS(k) into out[0..k) */
static st_status strs_read(enc_rd *rd, size_t k, bool utf8, st_str *out, st_error *e) {
    if (k == 0) return ST_OK;
    uint64_t *lens = malloc(k * sizeof *lens);
    if (!lens) return st_error_set(e, ST_ERR_NOMEM, "out of memory decoding %zu strings", k);
    st_status rc = enc_unpack(rd, k, lens, e);
    if (rc != ST_OK) goto done;
    size_t avail = rd->len - rd->pos, total = 0;
    for (size_t i = 0; i < k; i++) {
        if (lens[i] > avail - total) {
            rc = st_error_set(e, ST_ERR_CORRUPT,
                              "string %zu of %llu bytes runs past the end of the payload "
                              "(payload offset %zu)",
                              i, (unsigned long long)lens[i], rd->pos + total);
            goto done;
        }
        total += (size_t)lens[i];
    }
    const char *base = (const char *)rd->p + rd->pos;
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        out[i].ptr = base + o;
        out[i].len = (uint32_t)lens[i];
        out[i].reserved = 0;
        o += (size_t)lens[i];
    }
    if (utf8) {
        size_t bad;
        if (!st_utf8_valid(base, total, &bad)) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "invalid UTF-8 in a VARCHAR column (payload offset %zu)",
                              rd->pos + bad);
            goto done;
        }
        for (size_t i = 0; i < k; i++) {
            if (out[i].len && ((unsigned char)out[i].ptr[0] & 0xC0) == 0x80) {
                rc = st_error_set(e, ST_ERR_CORRUPT,
                                  "VARCHAR value %zu starts inside a UTF-8 sequence (payload "
                                  "offset %zu)",
                                  i, rd->pos + (size_t)(out[i].ptr - base));
                goto done;
            }
        }
    }
    rd->pos += total;
done:
    free(lens);
    return rc;
}

static st_status read_count(enc_rd *rd, size_t n, const char *what, size_t *out, st_error *e) {
    size_t at = rd->pos;
    uint32_t c;
    if (!rd_u32(rd, &c))
        return st_error_set(e, ST_ERR_CORRUPT, "%s count missing at payload offset %zu", what, at);
    if ((c == 0) != (n == 0) || c > n)
        return st_error_set(e, ST_ERR_CORRUPT,
                            "%s count %u impossible for %zu values at payload offset %zu", what, c,
                            n, at);
    *out = c;
    return ST_OK;
}

st_status strs_decode(enc_rd *rd, int kind, size_t n, bool utf8, st_str *out, st_error *e) {
    switch (kind) {
    case ENC_PLAIN: return strs_read(rd, n, utf8, out, e);
    case ENC_DICT: {
        size_t nd;
        ST_TRY(read_count(rd, n, "dictionary", &nd, e));
        if (n == 0) return ST_OK;
        st_str *dict = malloc(nd * sizeof *dict);
        uint64_t *idx = malloc(n * sizeof *idx);
        st_status rc = ST_OK;
        if (!dict || !idx) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory decoding a dictionary");
            goto dict_done;
        }
        rc = strs_read(rd, nd, utf8, dict, e);
        if (rc == ST_OK)
            rc = ints_decode_nested(rd, ENC_BIT(ENC_FOR) | ENC_BIT(ENC_RLE), n, idx, 1, e);
        if (rc == ST_OK) {
            uint64_t mx = enc_max_u64(idx, n);
            if (mx >= nd)
                rc = st_error_set(e, ST_ERR_CORRUPT,
                                  "dictionary index %llu out of range (%zu entries)",
                                  (unsigned long long)mx, nd);
            else
                for (size_t i = 0; i < n; i++) out[i] = dict[idx[i]];
        }
    dict_done:
        free(dict);
        free(idx);
        return rc;
    }
    case ENC_RLE: {
        size_t nruns;
        ST_TRY(read_count(rd, n, "run", &nruns, e));
        if (n == 0) return ST_OK;
        uint64_t *lens = malloc(nruns * sizeof *lens);
        st_str *vals = malloc(nruns * sizeof *vals);
        st_status rc = ST_OK;
        if (!lens || !vals) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory decoding %zu runs", nruns);
            goto rle_done;
        }
        rc = enc_unpack(rd, nruns, lens, e);
        if (rc == ST_OK) rc = strs_read(rd, nruns, utf8, vals, e);
        if (rc == ST_OK) {
            size_t pos = 0;
            for (size_t r = 0; r < nruns; r++) {
                if (lens[r] >= n - pos) {
                    rc = st_error_set(e, ST_ERR_CORRUPT,
                                      "run lengths exceed the %zu values (run %zu)", n, r);
                    break;
                }
                size_t len = (size_t)lens[r] + 1;
                for (size_t j = 0; j < len; j++) out[pos + j] = vals[r];
                pos += len;
            }
            if (rc == ST_OK && pos != n)
                rc = st_error_set(e, ST_ERR_CORRUPT, "runs cover %zu of %zu values", pos, n);
        }
    rle_done:
        free(lens);
        free(vals);
        return rc;
    }
    default:
        return st_error_set(e, ST_ERR_CORRUPT, "encoding %d is not defined for strings", kind);
    }
}
