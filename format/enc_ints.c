/*
 * enc_ints.c: encodings of 64-bit integer streams (FOR, DELTA, RLE, DICT),
 * the size-driven choice between them, and their hostile-input decoders.
 *
 * Layouts (n, the value count, always comes from the context; "kind" bytes
 * hold an encoding id of enc_int.h; PACK is drawn in enc_pack.c):
 *
 *   FOR(n)    PACK(n) of the values
 *
 *   DELTA(n)  n == 0: nothing
 *             +0  u64   first value
 *             +8  PACK(n-1) of d_i = v[i] - v[i-1] (mod 2^64; references
 *                       chosen in signed order, so falling runs work too)
 *
 *   RLE(n)    +0  u32   nruns: 0 when n == 0, else 1..n
 *             +4  PACK(nruns) of (run length - 1); the lengths sum to n
 *             ..  u8    kind of the run values: FOR or DELTA
 *             ..  body of the nruns run values
 *
 *   DICT(n)   +0  u32   ndict: 0 when n == 0, else 1..n
 *             +4  u8    kind of the dictionary: FOR or DELTA
 *             +5  body of the ndict dictionary values (v1 writers store
 *                       them ascending; readers do not rely on it)
 *             ..  u8    kind of the indices: FOR or RLE (whose run values
 *                       are FOR or DELTA)
 *             ..  body of the n indices, each < ndict
 *
 * Choice: the encoder computes the exact size of every allowed candidate
 * and keeps the smallest (on ties the first of FOR, DELTA, RLE, DICT: the
 * cheaper decoder).  FOR is always sized; DELTA too; RLE when there are at
 * most 7/8 as many runs as values (a run costs a value plus a length);
 * DICT when the first 4096 values are at most half distinct, the stream has
 * at most min(n/2, 65536) distinct values, and a quick lower estimate (one
 * index per run, one byte per entry) does not already lose: only then is
 * the dictionary sorted (radix sort) and its streams sized.  zstd then runs
 * over the chosen bytes (segment_write.c).
 */
#include "format/enc_int.h"

#include <stdlib.h>

#include "format/hash.h"

struct ints_plan {
    enc_mem *m;
    const uint64_t *v;
    size_t n;
    bool sgn;
    int kind;
    size_t size;
    /* DELTA */
    uint64_t *deltas; /* n - 1 */
    /* RLE */
    uint64_t *rlens, *rvals; /* nruns each */
    size_t nruns;
    ints_plan *rplan;
    /* DICT */
    uint64_t *dict, *idx; /* ndict, n */
    size_t ndict;
    bool have_dict;
    ints_plan *dplan, *iplan;
};

#define DICT_SAMPLE 4096
#define DICT_MAX 65536

/* Sort keys ascending (signed or unsigned order) carrying their codes:
 * LSD radix sort on bytes, skipping bytes all keys share. */
static bool sort_pairs(enc_mem *m, uint64_t *keys, uint32_t *codes, size_t n, bool sgn) {
    if (n < 2) return true;
    uint64_t *k2 = enc_alloc(m, n * sizeof *k2);
    uint32_t *c2 = enc_alloc(m, n * sizeof *c2);
    if (!k2 || !c2) return false;
    const uint64_t flip = sgn ? UINT64_C(1) << 63 : 0;
    for (size_t i = 0; i < n; i++) keys[i] ^= flip;
    uint64_t *ka = keys, *kb = k2;
    uint32_t *ca = codes, *cb = c2;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++) cnt[(ka[i] >> shift) & 255]++;
        if (cnt[(ka[0] >> shift) & 255] == n) continue; /* all share this byte */
        size_t pos = 0;
        for (unsigned d = 0; d < 256; d++) {
            size_t c = cnt[d];
            cnt[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = cnt[(ka[i] >> shift) & 255]++;
            kb[at] = ka[i];
            cb[at] = ca[i];
        }
        uint64_t *tk = ka;
        ka = kb;
        kb = tk;
        uint32_t *tc = ca;
        ca = cb;
        cb = tc;
    }
    if (ka != keys) {
        memcpy(keys, ka, n * sizeof *keys);
        memcpy(codes, ca, n * sizeof *codes);
    }
    for (size_t i = 0; i < n; i++) keys[i] ^= flip;
    return true;
}

/* Build the dictionary of v (first-occurrence order) and the indices into
 * it.  Returns 1 when built, 0 when there are too many distinct values, -1
 * on allocation failure. */
static unsigned bits_for(uint64_t x) { return x ? 64u - (unsigned)__builtin_clzll(x) : 0u; }

/* budget: give up once even the lower estimate (an index per run, a byte
 * per entry) reaches it; SIZE_MAX: never. */
static int dict_build(enc_mem *m, const uint64_t *v, size_t n, bool force, size_t nruns,
                      size_t budget, uint64_t **dict_o, uint64_t **idx_o, size_t *nd_o) {
    size_t limit = force ? n : (n / 2 < DICT_MAX ? n / 2 : DICT_MAX);
    if (limit == 0) limit = 1;
    size_t cap = 1024;
    uint64_t *keys = enc_alloc(m, cap * sizeof *keys);
    uint32_t *codes = enc_alloc(m, cap * sizeof *codes);
    uint64_t *dict = enc_alloc(m, limit * sizeof *dict);
    uint64_t *idx = enc_alloc(m, n * sizeof *idx);
    if (!keys || !codes || !dict || !idx) return -1;
    memset(codes, 0xFF, cap * sizeof *codes);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = v[i];
        if (i && x == v[i - 1]) { /* runs are common: skip the probe */
            idx[i] = idx[i - 1];
            continue;
        }
        size_t h = st_hash_u64(x) & (cap - 1);
        while (codes[h] != UINT32_MAX && keys[h] != x) h = (h + 1) & (cap - 1);
        uint32_t code = codes[h];
        if (code == UINT32_MAX) {
            if (count == limit) return 0;
            code = (uint32_t)count;
            keys[h] = x;
            codes[h] = code;
            dict[count++] = x;
            if (count * 2 > cap) { /* grow and rehash */
                size_t nc = cap * 2;
                uint64_t *nk = enc_alloc(m, nc * sizeof *nk);
                uint32_t *ncd = enc_alloc(m, nc * sizeof *ncd);
                if (!nk || !ncd) return -1;
                memset(ncd, 0xFF, nc * sizeof *ncd);
                for (size_t s = 0; s < cap; s++) {
                    if (codes[s] == UINT32_MAX) continue;
                    size_t g = st_hash_u64(keys[s]) & (nc - 1);
                    while (ncd[g] != UINT32_MAX) g = (g + 1) & (nc - 1);
                    nk[g] = keys[s];
                    ncd[g] = codes[s];
                }
                keys = nk;
                codes = ncd;
                cap = nc;
                if (!force && nruns * bits_for(count - 1) / 8 + count >= budget) return 0;
            }
            if (!force && count > DICT_SAMPLE / 2 && i < DICT_SAMPLE && n >= 2 * DICT_SAMPLE)
                return 0; /* more than half of the first values distinct */
        }
        idx[i] = code;
    }
    *dict_o = dict;
    *idx_o = idx;
    *nd_o = count;
    return 1;
}

/* Sort the dictionary and renumber the indices to match. */
static bool dict_sort(enc_mem *m, uint64_t *dict, size_t nd, uint64_t *idx, size_t n, bool sgn) {
    uint32_t *codes = enc_alloc(m, nd * sizeof *codes), *remap = enc_alloc(m, nd * sizeof *remap);
    if (!codes || !remap) return false;
    for (size_t c = 0; c < nd; c++) codes[c] = (uint32_t)c;
    if (!sort_pairs(m, dict, codes, nd, sgn)) return false;
    for (size_t r = 0; r < nd; r++) remap[codes[r]] = (uint32_t)r;
    for (size_t i = 0; i < n; i++) idx[i] = remap[idx[i]];
    return true;
}

static st_status nomem(st_error *e) {
    return st_error_set(e, ST_ERR_NOMEM, "out of memory encoding a column");
}

st_status ints_plan_build(enc_mem *m, const uint64_t *v, size_t n, bool sgn, ints_opts o,
                          ints_plan **out, st_error *e) {
    ints_plan *p = enc_alloc(m, sizeof *p);
    if (!p) return nomem(e);
    memset(p, 0, sizeof *p);
    p->m = m;
    p->v = v;
    p->n = n;
    p->sgn = sgn;
    /* FOR: always possible, the fallback */
    p->kind = ENC_FOR;
    p->size = enc_pack_size(v, n, sgn);
    size_t best_for = (o.allowed & ENC_BIT(ENC_FOR)) ? p->size : SIZE_MAX;
    size_t best = best_for;
    if (n == 0) {
        best = p->size;
        goto done;
    }

    if (o.allowed & ENC_BIT(ENC_DELTA)) {
        size_t dsize = 8;
        if (n > 1) {
            p->deltas = enc_alloc(m, (n - 1) * sizeof *p->deltas);
            if (!p->deltas) return nomem(e);
            enc_deltas(v, n, p->deltas);
            dsize += enc_pack_size(p->deltas, n - 1, true);
        }
        if (dsize < best) {
            best = dsize;
            p->kind = ENC_DELTA;
        }
    }

    /* runs: counted always (cheap), used by RLE and by the DICT estimate */
    size_t nruns = enc_count_runs(v, n);

    if (o.allowed & ENC_BIT(ENC_RLE)) {
        bool only_rle = !(o.allowed & ~ENC_BIT(ENC_RLE));
        /* a run costs about a value plus a few bits of length: worth a look
         * up to ~7/8 runs per value */
        if (nruns <= n - n / 8 || only_rle) {
            p->rlens = enc_alloc(m, nruns * sizeof *p->rlens);
            p->rvals = enc_alloc(m, nruns * sizeof *p->rvals);
            if (!p->rlens || !p->rvals) return nomem(e);
            /* branchless: every step writes the run ending here, and moves
             * on only where the value changes */
            size_t r = 0, start = 0;
            for (size_t i = 1; i < n; i++) {
                size_t diff = v[i] != v[i - 1];
                p->rlens[r] = i - start - 1;
                p->rvals[r] = v[i - 1];
                start = diff ? i : start;
                r += diff;
            }
            p->rlens[r] = n - start - 1;
            p->rvals[r] = v[n - 1];
            p->nruns = nruns;
            ints_opts vopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA), false};
            ST_TRY(ints_plan_build(m, p->rvals, nruns, sgn, vopt, &p->rplan, e));
            size_t rsz = 4 + enc_pack_size(p->rlens, nruns, false) + 1 + p->rplan->size;
            if (rsz < best || only_rle) {
                best = rsz;
                p->kind = ENC_RLE;
            }
        }
    }

    if (o.allowed & ENC_BIT(ENC_DICT)) {
        int r = dict_build(m, v, n, o.force_dict, nruns, best, &p->dict, &p->idx, &p->ndict);
        if (r < 0) return nomem(e);
        if (r > 0) {
            p->have_dict = true;
            bool only_dict = o.force_dict && !(o.allowed & ~ENC_BIT(ENC_DICT));
            /* cheap estimate before sorting: an index per run, a byte per
             * entry; skip the exact sizing when even that loses */
            size_t est = nruns * bits_for(p->ndict - 1) / 8 + p->ndict;
            if (only_dict || est < best) {
                if (!dict_sort(m, p->dict, p->ndict, p->idx, n, sgn)) return nomem(e);
                ints_opts dopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA), false};
                ints_opts iopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_RLE), false};
                ST_TRY(ints_plan_build(m, p->dict, p->ndict, sgn, dopt, &p->dplan, e));
                ST_TRY(ints_plan_build(m, p->idx, n, false, iopt, &p->iplan, e));
                size_t dsz = 4 + 1 + p->dplan->size + 1 + p->iplan->size;
                if (dsz < best || only_dict) {
                    best = dsz;
                    p->kind = ENC_DICT;
                }
            }
        }
    }
    if (best == SIZE_MAX) { /* nothing allowed applied: FOR */
        p->kind = ENC_FOR;
        best = enc_pack_size(v, n, sgn);
    }

done:
    p->size = best;
    *out = p;
    return ST_OK;
}

int ints_plan_kind(const ints_plan *p) { return p->kind; }
size_t ints_plan_size(const ints_plan *p) { return p->size; }

const uint64_t *ints_plan_distinct(const ints_plan *p, size_t *count) {
    *count = p->have_dict ? p->ndict : 0;
    return p->have_dict ? p->dict : NULL;
}

void ints_plan_write(const ints_plan *p, enc_buf *out) {
    switch (p->kind) {
    case ENC_FOR: enc_pack(out, p->v, p->n, p->sgn); break;
    case ENC_DELTA:
        if (p->n == 0) break;
        enc_u64(out, p->v[0]);
        enc_pack(out, p->deltas, p->n - 1, true);
        break;
    case ENC_RLE:
        enc_u32(out, (uint32_t)p->nruns);
        enc_pack(out, p->rlens, p->nruns, false);
        enc_u8(out, (uint8_t)p->rplan->kind);
        ints_plan_write(p->rplan, out);
        break;
    case ENC_DICT:
        enc_u32(out, (uint32_t)p->ndict);
        enc_u8(out, (uint8_t)p->dplan->kind);
        ints_plan_write(p->dplan, out);
        enc_u8(out, (uint8_t)p->iplan->kind);
        ints_plan_write(p->iplan, out);
        break;
    default: break;
    }
}

/* ---- decoding ----------------------------------------------------------- */

static const char *kind_name(int k) {
    static const char *const n[] = {"plain", "dict", "rle", "for", "delta"};
    return k >= 0 && k < ENC__COUNT ? n[k] : "unknown";
}

st_status ints_decode_nested(enc_rd *rd, unsigned allowed, size_t n, uint64_t *out, int depth,
                             st_error *e) {
    uint8_t kind;
    if (!rd_u8(rd, &kind))
        return st_error_set(e, ST_ERR_CORRUPT, "stream kind byte missing at payload offset %zu",
                            rd->pos);
    return ints_decode(rd, kind, allowed, n, out, depth, e);
}

/* u32 count c with c == 0 iff n == 0 and c <= n */
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

st_status ints_decode(enc_rd *rd, int kind, unsigned allowed, size_t n, uint64_t *out, int depth,
                      st_error *e) {
    if (depth > ENC_MAX_DEPTH)
        return st_error_set(e, ST_ERR_CORRUPT, "streams nested too deeply at payload offset %zu",
                            rd->pos);
    if (kind < 0 || kind >= ENC__COUNT || !(allowed & ENC_BIT(kind)))
        return st_error_set(e, ST_ERR_CORRUPT,
                            "encoding %d (%s) not allowed here (payload offset %zu)", kind,
                            kind_name(kind), rd->pos);
    switch (kind) {
    case ENC_FOR: return enc_unpack(rd, n, out, e);
    case ENC_DELTA: {
        if (n == 0) return ST_OK;
        uint64_t first;
        if (!rd_u64(rd, &first))
            return st_error_set(e, ST_ERR_CORRUPT, "delta stream truncated at payload offset %zu",
                                rd->pos);
        ST_TRY(enc_unpack(rd, n - 1, out + 1, e));
        out[0] = first;
        uint64_t acc = first;
        for (size_t i = 1; i < n; i++) {
            acc += out[i];
            out[i] = acc;
        }
        return ST_OK;
    }
    case ENC_RLE: {
        size_t nruns;
        ST_TRY(read_count(rd, n, "run", &nruns, e));
        if (n == 0) return ST_OK;
        uint64_t *tmp = malloc(2 * nruns * sizeof *tmp);
        if (!tmp) return st_error_set(e, ST_ERR_NOMEM, "out of memory decoding %zu runs", nruns);
        uint64_t *lens = tmp, *vals = tmp + nruns;
        st_status rc = enc_unpack(rd, nruns, lens, e);
        if (rc == ST_OK)
            rc = ints_decode_nested(rd, ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA), nruns, vals,
                                    depth + 1, e);
        if (rc == ST_OK) {
            size_t pos = 0;
            for (size_t r = 0; r < nruns; r++) {
                if (lens[r] >= n - pos) {
                    rc = st_error_set(e, ST_ERR_CORRUPT,
                                      "run lengths exceed the %zu values (run %zu)", n, r);
                    break;
                }
                size_t len = (size_t)lens[r] + 1;
                uint64_t x = vals[r];
                for (size_t j = 0; j < len; j++) out[pos + j] = x;
                pos += len;
            }
            if (rc == ST_OK && pos != n)
                rc = st_error_set(e, ST_ERR_CORRUPT, "runs cover %zu of %zu values", pos, n);
        }
        free(tmp);
        return rc;
    }
    case ENC_DICT: {
        size_t nd;
        ST_TRY(read_count(rd, n, "dictionary", &nd, e));
        if (n == 0) return ST_OK;
        uint64_t *dict = malloc(nd * sizeof *dict);
        if (!dict) return st_error_set(e, ST_ERR_NOMEM, "out of memory decoding a dictionary");
        st_status rc = ints_decode_nested(rd, ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA), nd, dict,
                                          depth + 1, e);
        if (rc == ST_OK)
            rc = ints_decode_nested(rd, ENC_BIT(ENC_FOR) | ENC_BIT(ENC_RLE), n, out, depth + 1, e);
        if (rc == ST_OK) {
            uint64_t mx = enc_max_u64(out, n);
            if (mx >= nd)
                rc = st_error_set(e, ST_ERR_CORRUPT,
                                  "dictionary index %llu out of range (%zu entries)",
                                  (unsigned long long)mx, nd);
            else
                for (size_t i = 0; i < n; i++) out[i] = dict[out[i]];
        }
        free(dict);
        return rc;
    }
    default:
        return st_error_set(e, ST_ERR_CORRUPT, "encoding %d not allowed here", kind);
    }
}
