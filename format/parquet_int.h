/*
 * parquet_int.h: what the Parquet module's own files share (parquet_enc.c,
 * parquet_codec.c, parquet_read.c, parquet_write.c).  Not for other modules:
 * they use parquet.h.
 *
 * Bit-level codecs (parquet-format Encodings.md):
 *
 *   RLE / bit-packed hybrid (levels, dictionary indices, RLE booleans)
 *     run := header (ULEB128)
 *            header = count << 1        -> RLE run: `count` copies of one
 *                                          value stored in ceil(bw/8) bytes LE
 *            header = (groups << 1) | 1 -> groups*8 values bit-packed LSB-first,
 *                                          groups*bw bytes
 *
 *   DELTA_BINARY_PACKED
 *     header := <block size (multiple of 128)> <miniblocks per block>
 *               <total value count> <first value (zigzag)>      all ULEB128
 *     block  := <min delta (zigzag ULEB128)> <one bit-width byte per miniblock>
 *               <miniblocks: (block size / miniblocks) deltas - min delta,
 *                bit-packed LSB-first at that miniblock's width>
 *     Miniblocks after the last value are absent (their width bytes are not);
 *     the last present miniblock is padded to full size.  Arithmetic wraps.
 *
 *   BIT_PACKED (legacy levels): MSB-first, ceil(n * bw / 8) bytes.
 *
 * Every decoder here is streaming (it produces values on request, a few
 * thousand at a time), so the memory a page needs does not depend on the
 * value counts its header claims, and bounded: it never reads outside the
 * bytes it was given and reports corruption instead.
 */
#ifndef ST_PARQUET_INT_H
#define ST_PARQUET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/parquet_meta.h"
#include "format/status.h"

/* ---- bit unpacking ------------------------------------------------------ */

/* Unpack n values of bw bits (0..32) LSB-first starting at bit `bit` of
 * p[0..nbytes); the caller guarantees bit + n*bw <= nbytes*8. */
void st_pq_unpack32(const uint8_t *p, size_t nbytes, uint64_t bit, uint32_t bw, uint32_t *out,
                    uint32_t n);
/* Same for bw 0..64. */
void st_pq_unpack64(const uint8_t *p, size_t nbytes, uint64_t bit, uint32_t bw, uint64_t *out,
                    uint32_t n);

/* ---- RLE / bit-packed hybrid decoder ------------------------------------ */

typedef struct st_pq_rle {
    const uint8_t *p, *end;
    uint32_t bw;
    uint64_t left;     /* values left in the current run */
    bool literal;      /* current run is bit-packed */
    uint32_t value;    /* RLE run value */
    const uint8_t *lp; /* literal run bytes */
    size_t lbytes;
    uint64_t lbit;     /* next bit in the literal run */
} st_pq_rle;

void st_pq_rle_init(st_pq_rle *d, const uint8_t *p, size_t n, uint32_t bw);
/* Next n values into out (NULL: skip them).  ST_ERR_CORRUPT when the input
 * ends first or a value exceeds bw bits; e names only the problem (callers
 * prefix the location). */
st_status st_pq_rle_get(st_pq_rle *d, uint32_t *out, uint32_t n, st_error *e);

/* Encoder: RLE runs for repeats of >= 8 values, bit-packed groups otherwise.
 * Appends to out; values must fit bw bits. */
void st_pq_rle_encode(st_sbuf *out, const uint32_t *v, size_t n, uint32_t bw);
/* Same for 0/1 bytes (levels, booleans) given as uint8_t. */
void st_pq_rle_encode_u8(st_sbuf *out, const uint8_t *v, size_t n, uint32_t bw);

/* ---- DELTA_BINARY_PACKED decoder ---------------------------------------- */

typedef struct st_pq_dbp {
    const uint8_t *p, *end;    /* p: next block (or current miniblock data) */
    const uint8_t *stream_end; /* first byte after the whole stream */
    uint64_t block_size, nminis, mini_size;
    uint64_t total, left;      /* values in the stream / not yet returned */
    uint64_t last;             /* last value returned (wrapping) */
    bool first_pending;
    uint64_t min_delta;
    const uint8_t *widths;     /* this block's miniblock widths */
    uint32_t mini;             /* current miniblock index in the block */
    uint64_t mini_left;        /* values left in the current miniblock */
    const uint8_t *mp;         /* current miniblock data */
    uint64_t mbit;
} st_pq_dbp;

/* Parse the header and walk the block headers to find stream_end
 * (validating that every block fits).  n is the bytes available. */
st_status st_pq_dbp_init(st_pq_dbp *d, const uint8_t *p, size_t n, st_error *e);
/* Next n values (wrapping 64-bit); out NULL skips. */
st_status st_pq_dbp_get(st_pq_dbp *d, uint64_t *out, uint32_t n, st_error *e);

/* ---- codecs (parquet_codec.c) ------------------------------------------- */

/* Decompress exactly dst_len bytes from src[0..n) with a Parquet codec.  A
 * different decompressed size is corruption; LZ4/LZ4_RAW/BROTLI/LZO and
 * unknown codecs are ST_ERR_UNSUPPORTED naming the codec.  *zctx caches a
 * ZSTD context (free with st_pq_codec_free_ctx). */
st_status st_pq_decompress(int32_t codec, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t dst_len, void **zctx, st_error *e);
void st_pq_codec_free_ctx(void *zctx);
/* The largest uncompressed size a page of n compressed bytes can plausibly
 * have with this codec (the reader refuses headers claiming more). */
uint64_t st_pq_codec_max_expansion(int32_t codec, uint64_t n);
/* Compress src into out (appended); level 0 = the codec's default. */
st_status st_pq_compress(int32_t codec, int level, const uint8_t *src, size_t n, st_sbuf *out,
                         void **zctx, st_error *e);
void st_pq_codec_free_cctx(void *zctx);
/* True when the codec is one Strata reads. */
bool st_pq_codec_supported(int32_t codec);
/* CRC-32 (IEEE, as zlib's crc32) */
uint32_t st_pq_crc32(const uint8_t *p, size_t n);

/* ---- memory ------------------------------------------------------------- */

/* A block for a column of n bytes: from 1 MiB up, 2 MiB-aligned, rounded up
 * to 2 MiB and marked for transparent huge pages, so that filling it costs
 * a few page faults instead of one per 4 KiB (first-touch faults dominate
 * on virtual machines).  Freed with free(). */
void *st_pq_alloc_column(size_t n);
/* Advise huge pages for [p, p+n) (no-op for small ranges or if unsupported). */
void st_pq_hugepage_hint(void *p, size_t n);

/* ---- limits ------------------------------------------------------------- */

#define ST_PQ_MAX_PAGE_BYTES (1u << 30)       /* decompressed page */
#define ST_PQ_MAX_FOOTER_BYTES (256u << 20)
#define ST_PQ_MAX_COLUMNS 100000
#define ST_PQ_MAX_DICT_VALUES (1u << 26)

#endif /* ST_PARQUET_INT_H */
