/*
 * parquet_codec.c: page compression codecs (UNCOMPRESSED, SNAPPY, GZIP,
 * ZSTD) and the page CRC.
 *
 * Decompression always targets a buffer of exactly the size the page header
 * declares, and any other outcome is corruption:
 *  - SNAPPY: the raw block format (not the framed one); its own length
 *    prefix must equal the declared size before anything is decompressed.
 *  - GZIP: RFC 1952 members, possibly several concatenated (each member is
 *    inflated in turn until the input ends).  Raw zlib streams are accepted
 *    too (inflate's auto-detection), as some writers produce them.
 *  - ZSTD: ZSTD_decompressDCtx handles several frames and skippable frames;
 *    the frame header's content size is never used to size anything
 *    (facebookincubator/velox#18714).
 * Unsupported codecs (LZO, BROTLI, LZ4, LZ4_RAW) fail with their name.
 *
 * Compression writes one frame/member/block per page, which is what every
 * reader expects; ZSTD frames carry the content size.
 */
#include "format/parquet_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

bool st_pq_codec_supported(int32_t codec) {
    return codec == ST_PQ_CODEC_UNCOMPRESSED || codec == ST_PQ_CODEC_SNAPPY ||
           codec == ST_PQ_CODEC_GZIP || codec == ST_PQ_CODEC_ZSTD;
}

uint64_t st_pq_codec_max_expansion(int32_t codec, uint64_t n) {
    switch (codec) {
    case ST_PQ_CODEC_UNCOMPRESSED: return n;
    case ST_PQ_CODEC_SNAPPY: return n * 32 + 64;      /* copies of <= 64 bytes per 2-3 byte tag */
    case ST_PQ_CODEC_GZIP: return n * 1100 + 1024;    /* deflate tops out near 1032:1 */
    case ST_PQ_CODEC_ZSTD: return n * 65536 + 1024;   /* RLE blocks: 128 KiB per 4 bytes */
    default: return 0;
    }
}

uint32_t st_pq_crc32(const uint8_t *p, size_t n) {
    uLong c = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
}

static st_status gunzip(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, st_error *e) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return st_error_set(e, ST_ERR_NOMEM, "gzip: cannot initialise zlib");
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)n;
    zs.next_out = dst;
    zs.avail_out = (uInt)dst_len;
    st_status rc = ST_OK;
    for (;;) {
        int z = inflate(&zs, Z_FINISH);
        if (z == Z_STREAM_END) {
            /* another member may follow (skip zero padding between members) */
            while (zs.avail_in > 0 && *zs.next_in == 0) {
                zs.next_in++;
                zs.avail_in--;
            }
            if (zs.avail_in == 0) break;
            if (inflateReset(&zs) != Z_OK) {
                rc = st_error_set(e, ST_ERR_CORRUPT, "gzip: cannot reset for the next member");
                break;
            }
            continue;
        }
        if (zs.avail_out == 0)
            rc = st_error_set(e, ST_ERR_CORRUPT, "gzip data decompresses to more than the declared %zu bytes", dst_len);
        else
            rc = st_error_set(e, ST_ERR_CORRUPT, "gzip data is corrupt (%s)", zs.msg ? zs.msg : "truncated");
        break;
    }
    size_t got = (size_t)(zs.next_out - dst);
    inflateEnd(&zs);
    if (rc == ST_OK && got != dst_len)
        rc = st_error_set(e, ST_ERR_CORRUPT, "gzip data decompresses to %zu bytes, not the declared %zu", got, dst_len);
    return rc;
}

st_status st_pq_decompress(int32_t codec, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t dst_len, void **zctx, st_error *e) {
    char nb[16];
    switch (codec) {
    case ST_PQ_CODEC_UNCOMPRESSED:
        if (n != dst_len)
            return st_error_set(e, ST_ERR_CORRUPT, "uncompressed page of %zu bytes declares %zu", n, dst_len);
        memcpy(dst, src, n);
        return ST_OK;
    case ST_PQ_CODEC_SNAPPY: {
        size_t len;
        if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK)
            return st_error_set(e, ST_ERR_CORRUPT, "snappy data is corrupt (bad length header)");
        if (len != dst_len)
            return st_error_set(e, ST_ERR_CORRUPT, "snappy data holds %zu bytes, the page declares %zu", len, dst_len);
        size_t out = dst_len;
        if (snappy_uncompress((const char *)src, n, (char *)dst, &out) != SNAPPY_OK || out != dst_len)
            return st_error_set(e, ST_ERR_CORRUPT, "snappy data is corrupt");
        return ST_OK;
    }
    case ST_PQ_CODEC_GZIP: return gunzip(src, n, dst, dst_len, e);
    case ST_PQ_CODEC_ZSTD: {
        if (!*zctx) {
            *zctx = ZSTD_createDCtx();
            if (!*zctx) return st_error_set(e, ST_ERR_NOMEM, "zstd: out of memory");
        }
        size_t r = ZSTD_decompressDCtx(*zctx, dst, dst_len, src, n);
        if (ZSTD_isError(r))
            return st_error_set(e, ST_ERR_CORRUPT, "zstd data is corrupt (%s)", ZSTD_getErrorName(r));
        if (r != dst_len)
            return st_error_set(e, ST_ERR_CORRUPT, "zstd data decompresses to %zu bytes, not the declared %zu", r, dst_len);
        return ST_OK;
    }
    default:
        return st_error_set(e, ST_ERR_UNSUPPORTED, "compression codec %s is not supported (Strata reads UNCOMPRESSED, SNAPPY, GZIP and ZSTD)",
                            st_pq_codec_name(codec, nb));
    }
}

void st_pq_codec_free_ctx(void *zctx) {
    if (zctx) ZSTD_freeDCtx(zctx);
}
void st_pq_codec_free_cctx(void *zctx) {
    if (zctx) ZSTD_freeCCtx(zctx);
}

st_status st_pq_compress(int32_t codec, int level, const uint8_t *src, size_t n, st_sbuf *out,
                         void **zctx, st_error *e) {
    switch (codec) {
    case ST_PQ_CODEC_UNCOMPRESSED:
        if (!st_sbuf_append(out, src, n)) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        return ST_OK;
    case ST_PQ_CODEC_SNAPPY: {
        size_t cap = snappy_max_compressed_length(n);
        if (!st_sbuf_reserve(out, cap)) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        size_t len = cap;
        if (snappy_compress((const char *)src, n, out->p + out->len, &len) != SNAPPY_OK)
            return st_error_set(e, ST_ERR_INTERNAL, "snappy compression failed");
        out->len += len;
        return ST_OK;
    }
    case ST_PQ_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (deflateInit2(&zs, level > 0 ? level : 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return st_error_set(e, ST_ERR_NOMEM, "gzip: cannot initialise zlib");
        size_t cap = deflateBound(&zs, (uLong)n) + 32;
        if (!st_sbuf_reserve(out, cap)) {
            deflateEnd(&zs);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        zs.next_in = (Bytef *)src;
        zs.avail_in = (uInt)n;
        zs.next_out = (Bytef *)out->p + out->len;
        zs.avail_out = (uInt)cap;
        int z = deflate(&zs, Z_FINISH);
        size_t len = zs.total_out;
        deflateEnd(&zs);
        if (z != Z_STREAM_END) return st_error_set(e, ST_ERR_INTERNAL, "gzip compression failed");
        out->len += len;
        return ST_OK;
    }
    case ST_PQ_CODEC_ZSTD: {
        if (!*zctx) {
            *zctx = ZSTD_createCCtx();
            if (!*zctx) return st_error_set(e, ST_ERR_NOMEM, "zstd: out of memory");
        }
        size_t cap = ZSTD_compressBound(n);
        if (!st_sbuf_reserve(out, cap)) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        size_t r = ZSTD_compressCCtx(*zctx, out->p + out->len, cap, src, n, level ? level : 3);
        if (ZSTD_isError(r)) return st_error_set(e, ST_ERR_INTERNAL, "zstd compression failed: %s", ZSTD_getErrorName(r));
        out->len += r;
        return ST_OK;
    }
    default: return st_error_set(e, ST_ERR_INVALID, "cannot write codec %d", (int)codec);
    }
}

/* ---- memory ------------------------------------------------------------- */

#define HUGE_PAGE ((size_t)2 << 20)

void st_pq_hugepage_hint(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
    if (n < HUGE_PAGE) return;
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *st_pq_alloc_column(size_t n) {
    if (n < HUGE_PAGE / 2) return aligned_alloc(64, ((n + 63) & ~(size_t)63) ? ((n + 63) & ~(size_t)63) : 64);
    size_t sz = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, sz);
    if (p) st_pq_hugepage_hint(p, sz);
    return p;
}
