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
 * (FOR always; DELTA; RLE when runs are at most half the values; DICT when
 * a sample of the first 4096 values shows at most half distinct and the
 * whole stream has at most min(n/2, 65536) distinct values) and keeps the
 * smallest, preferring the cheaper decoder on ties (FOR, DELTA, DICT, RLE).
 * zstd then runs over the chosen bytes (segment_write.c).
 */
#include "format/enc_int.h"

#include <stdlib.h>

#include "format/hash.h"

struct ints_plan {
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

static int cmp_s64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Build a sorted dictionary of v and the indices into it.  Returns 1 when
 * built, 0 when there are too many distinct values, -1 on allocation failure. */
static int dict_build(const uint64_t *v, size_t n, bool sgn, bool force, uint64_t **dict_o,
                      uint64_t **idx_o, size_t *nd_o) {
    size_t limit = force ? n : (n / 2 < DICT_MAX ? n / 2 : DICT_MAX);
    if (limit == 0) limit = 1;
    size_t cap = 1024;
    while (cap < 2 * limit && cap < 4096) cap *= 2;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *codes = malloc(cap * sizeof *codes);
    uint64_t *dict = malloc(limit * sizeof *dict);
    uint64_t *idx = malloc(n * sizeof *idx);
    uint32_t *remap = NULL;
    uint64_t *sorted = NULL;
    int rc = -1;
    if (!keys || !codes || !dict || !idx) goto cleanup;
    memset(codes, 0xFF, cap * sizeof *codes);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = v[i];
        size_t h = st_hash_u64(x) & (cap - 1);
        while (codes[h] != UINT32_MAX && keys[h] != x) h = (h + 1) & (cap - 1);
        uint32_t code = codes[h];
        if (code == UINT32_MAX) {
            if (count == limit) {
                rc = 0;
                goto cleanup;
            }
            code = (uint32_t)count;
            keys[h] = x;
            codes[h] = code;
            dict[count++] = x;
            if (count * 2 > cap) { /* grow and rehash */
                size_t nc = cap * 2;
                uint64_t *nk = malloc(nc * sizeof *nk);
                uint32_t *ncd = malloc(nc * sizeof *ncd);
                if (!nk || !ncd) {
                    free(nk);
                    free(ncd);
                    goto cleanup;
                }
                memset(ncd, 0xFF, nc * sizeof *ncd);
                for (size_t s = 0; s < cap; s++) {
                    if (codes[s] == UINT32_MAX) continue;
                    size_t g = st_hash_u64(keys[s]) & (nc - 1);
                    while (ncd[g] != UINT32_MAX) g = (g + 1) & (nc - 1);
                    nk[g] = keys[s];
                    ncd[g] = codes[s];
                }
                free(keys);
                free(codes);
                keys = nk;
                codes = ncd;
                cap = nc;
            }
        }
        idx[i] = code;
        if (!force && i + 1 == DICT_SAMPLE && n >= 2 * DICT_SAMPLE && count > DICT_SAMPLE / 2) {
            rc = 0;
            goto cleanup;
        }
    }
    /* sort the dictionary and renumber the indices */
    sorted = malloc(count * sizeof *sorted);
    remap = malloc(count * sizeof *remap);
    if (!sorted || !remap) goto cleanup;
    memcpy(sorted, dict, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, sgn ? cmp_s64 : cmp_u64);
    for (size_t c = 0; c < count; c++) {
        const uint64_t *hit = bsearch(&dict[c], sorted, count, sizeof *sorted, sgn ? cmp_s64 : cmp_u64);
        remap[c] = (uint32_t)(hit - sorted);
    }
    for (size_t i = 0; i < n; i++) idx[i] = remap[idx[i]];
    *dict_o = sorted;
    *idx_o = idx;
    *nd_o = count;
    sorted = NULL;
    idx = NULL;
    rc = 1;
cleanup:
    free(keys);
    free(codes);
    free(dict);
    free(idx);
    free(remap);
    free(sorted);
    return rc;
}

static void plan_drop_delta(ints_plan *p) {
    free(p->deltas);
    p->deltas = NULL;
}
static void plan_drop_rle(ints_plan *p) {
    free(p->rlens);
    free(p->rvals);
    p->rlens = p->rvals = NULL;
    ints_plan_free(p->rplan);
    p->rplan = NULL;
}
static void plan_drop_dict_streams(ints_plan *p) {
    free(p->idx);
    p->idx = NULL;
    ints_plan_free(p->dplan);
    ints_plan_free(p->iplan);
    p->dplan = p->iplan = NULL;
}

void ints_plan_free(ints_plan *p) {
    if (!p) return;
    plan_drop_delta(p);
    plan_drop_rle(p);
    plan_drop_dict_streams(p);
    free(p->dict);
    free(p);
}

static st_status nomem(ints_plan *p, st_error *e) {
    ints_plan_free(p);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory encoding a column");
}

st_status ints_plan_build(const uint64_t *v, size_t n, bool sgn, ints_opts o, ints_plan **out,
                          st_error *e) {
    ints_plan *p = calloc(1, sizeof *p);
    if (!p) return st_error_set(e, ST_ERR_NOMEM, "out of memory encoding a column");
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
            p->deltas = malloc((n - 1) * sizeof *p->deltas);
            if (!p->deltas) return nomem(p, e);
            for (size_t i = 1; i < n; i++) p->deltas[i - 1] = v[i] - v[i - 1];
            dsize += enc_pack_size(p->deltas, n - 1, true);
        }
        if (dsize < best) {
            best = dsize;
            p->kind = ENC_DELTA;
        } else {
            plan_drop_delta(p);
        }
    }

    if (o.allowed & ENC_BIT(ENC_DICT)) {
        int r = dict_build(v, n, sgn, o.force_dict, &p->dict, &p->idx, &p->ndict);
        if (r < 0) return nomem(p, e);
        if (r > 0) {
            p->have_dict = true;
            ints_opts dopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA), false};
            ints_opts iopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_RLE), false};
            st_status rc = ints_plan_build(p->dict, p->ndict, sgn, dopt, &p->dplan, e);
            if (rc == ST_OK) rc = ints_plan_build(p->idx, n, false, iopt, &p->iplan, e);
            if (rc != ST_OK) {
                ints_plan_free(p);
                return rc;
            }
            size_t dsz = 4 + 1 + p->dplan->size + 1 + p->iplan->size;
            if (dsz < best || (o.force_dict && !(o.allowed & ~ENC_BIT(ENC_DICT)))) {
                best = dsz;
                p->kind = ENC_DICT;
            } else {
                plan_drop_dict_streams(p); /* keep the dictionary: distinct count */
            }
        }
    }

    if (o.allowed & ENC_BIT(ENC_RLE)) {
        size_t nruns = 1;
        for (size_t i = 1; i < n; i++) nruns += v[i] != v[i - 1];
        bool only_rle = !(o.allowed & ~ENC_BIT(ENC_RLE));
        if (nruns <= n / 2 || only_rle) {
            p->rlens = malloc(nruns * sizeof *p->rlens);
            p->rvals = malloc(nruns * sizeof *p->rvals);
            if (!p->rlens || !p->rvals) return nomem(p, e);
            size_t r = 0, start = 0;
            for (size_t i = 1; i <= n; i++) {
                if (i == n || v[i] != v[i - 1]) {
                    p->rlens[r] = i - start - 1;
                    p->rvals[r] = v[start];
                    r++;
                    start = i;
                }
            }
            p->nruns = nruns;
            ints_opts vopt = {ENC_BIT(ENC_FOR) | ENC_BIT(ENC_DELTA), false};
            st_status rc = ints_plan_build(p->rvals, nruns, sgn, vopt, &p->rplan, e);
            if (rc != ST_OK) {
                ints_plan_free(p);
                return rc;
            }
            size_t rsz = 4 + enc_pack_size(p->rlens, nruns, false) + 1 + p->rplan->size;
            if (rsz < best || only_rle) {
                best = rsz;
                p->kind = ENC_RLE;
            } else {
                plan_drop_rle(p);
            }
        }
    }
    if (best == SIZE_MAX) { /* nothing allowed applied: FOR */
        p->kind = ENC_FOR;
        best = enc_pack_size(v, n, sgn);
    }

done:
    if (p->kind != ENC_DELTA) plan_drop_delta(p);
    if (p->kind != ENC_RLE) plan_drop_rle(p);
    if (p->kind != ENC_DICT) plan_drop_dict_streams(p);
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
