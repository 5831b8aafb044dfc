/*
 * dv.c: deletion vector files (see dv.h for the layout).
 *
 * The roaring payload is CRoaring's portable format (the one the Java, Go
 * and Rust implementations share), validated here before CRoaring reads it:
 *
 *   cookie u32: 12346 (no run containers), followed by u32 count n; or
 *               12347 | (n - 1) << 16, followed by a bitmap of ceil(n/8)
 *               bytes saying which containers are runs
 *   n x {u16 key, u16 cardinality - 1}            keys strictly increasing
 *   n x u32 offset of each container from the payload start, present with
 *               cookie 12346 or when n >= 4
 *   containers, in order: a run container is u16 nruns then nruns x
 *   {u16 start, u16 length - 1}; else an array of cardinality u16 values
 *   (cardinality <= 4096) or a bitset of 1024 u64 words.
 */
#include "format/dv.h"

#include <stdio.h>
#include <string.h>

#include <roaring/roaring.h>

#include "format/hash.h"
#include "format/io.h"

struct st_dv {
    roaring_bitmap_t *bm;
};

static const char dv_magic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'D', 'V'};

st_dv *st_dv_new(void) {
    st_dv *d = malloc(sizeof *d);
    if (!d) return NULL;
    if (!(d->bm = roaring_bitmap_create())) {
        free(d);
        return NULL;
    }
    return d;
}

void st_dv_free(st_dv *d) {
    if (!d) return;
    roaring_bitmap_free(d->bm);
    free(d);
}

st_dv *st_dv_clone(const st_dv *d) {
    st_dv *c = malloc(sizeof *c);
    if (!c) return NULL;
    if (!(c->bm = roaring_bitmap_copy(d->bm))) {
        free(c);
        return NULL;
    }
    return c;
}

void st_dv_add(st_dv *d, uint32_t ordinal) { roaring_bitmap_add(d->bm, ordinal); }
void st_dv_add_many(st_dv *d, const uint32_t *ordinals, size_t n) {
    roaring_bitmap_add_many(d->bm, n, ordinals);
}
void st_dv_or(st_dv *d, const st_dv *other) { roaring_bitmap_or_inplace(d->bm, other->bm); }
bool st_dv_contains(const st_dv *d, uint32_t ordinal) { return roaring_bitmap_contains(d->bm, ordinal); }
uint64_t st_dv_cardinality(const st_dv *d) { return roaring_bitmap_get_cardinality(d->bm); }
uint32_t st_dv_max(const st_dv *d) {
    return roaring_bitmap_is_empty(d->bm) ? 0 : roaring_bitmap_maximum(d->bm);
}

uint64_t st_dv_count_range(const st_dv *d, uint64_t first, uint64_t n) {
    if (first >= ((uint64_t)1 << 32) || n == 0) return 0;
    uint64_t end = first + n > ((uint64_t)1 << 32) ? ((uint64_t)1 << 32) : first + n;
    return roaring_bitmap_range_cardinality(d->bm, first, end);
}

uint32_t st_dv_select(const st_dv *d, uint64_t first, uint32_t n, uint32_t *sel) {
    uint32_t k = 0, next = 0; /* next: first relative row not yet emitted */
    if (first < ((uint64_t)1 << 32)) {
        roaring_uint32_iterator_t it;
        roaring_init_iterator(d->bm, &it);
        roaring_move_uint32_iterator_equalorlarger(&it, (uint32_t)first);
        while (it.has_value && (uint64_t)it.current_value < first + n) {
            uint32_t del = (uint32_t)(it.current_value - first);
            while (next < del) sel[k++] = next++;
            next = del + 1;
            roaring_advance_uint32_iterator(&it);
        }
    }
    while (next < n) sel[k++] = next++;
    return k;
}

/* ---- encoding ------------------------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

st_status st_dv_encode(const st_dv *d, const uint8_t seg_id[16], uint64_t seg_rows, st_sbuf *out,
                       st_error *e) {
    uint64_t card = st_dv_cardinality(d);
    if (card == 0) return st_error_set(e, ST_ERR_INVALID, "an empty deletion vector is not written");
    if (seg_rows >= ((uint64_t)1 << 32))
        return st_error_set(e, ST_ERR_LIMIT, "deletion vectors cover segments of fewer than 2^32 rows");
    if (st_dv_max(d) >= seg_rows)
        return st_error_set(e, ST_ERR_INVALID, "deletion vector: row %u of a %llu-row segment", st_dv_max(d),
                            (unsigned long long)seg_rows);
    roaring_bitmap_t *bm = roaring_bitmap_copy(d->bm);
    if (!bm) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    roaring_bitmap_run_optimize(bm);
    size_t p = roaring_bitmap_portable_size_in_bytes(bm);
    if (p > ST_DV_MAX_PAYLOAD) {
        roaring_bitmap_free(bm);
        return st_error_set(e, ST_ERR_LIMIT, "deletion vector of %zu bytes is over the limit", p);
    }
    size_t total = ST_DV_HEADER_BYTES + p + 8;
    if (!st_sbuf_reserve(out, total)) {
        roaring_bitmap_free(bm);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    uint8_t *b = (uint8_t *)out->p + out->len;
    memcpy(b, dv_magic, 8);
    put_u32(b + 8, ST_DV_VERSION);
    put_u32(b + 12, 0);
    memcpy(b + 16, seg_id, 16);
    put_u64(b + 32, seg_rows);
    put_u64(b + 40, card);
    put_u64(b + 48, p);
    size_t wrote = roaring_bitmap_portable_serialize(bm, (char *)b + ST_DV_HEADER_BYTES);
    roaring_bitmap_free(bm);
    if (wrote != p) return st_error_set(e, ST_ERR_INTERNAL, "roaring serialized %zu bytes, not %zu", wrote, p);
    put_u64(b + ST_DV_HEADER_BYTES + p, st_checksum64(b, ST_DV_HEADER_BYTES + p));
    out->len += total;
    out->p[out->len] = '\0';
    return ST_OK;
}

/* ---- decoding ------------------------------------------------------------------- */

#define COOKIE_NORUN 12346u
#define COOKIE_RUN 12347u

/* Validate a portable roaring payload of exactly len bytes; *card receives
 * its cardinality and *max its largest value.  Offsets in messages are from
 * the start of the file (base). */
static st_status validate_portable(const uint8_t *p, size_t len, size_t base, const char *name,
                                   uint64_t *card, uint64_t *max, st_error *e) {
#define NEED(off, n)                                                                                \
    do {                                                                                            \
        if ((size_t)(off) + (size_t)(n) > len)                                                      \
            return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector truncated at byte %zu", name, \
                                base + (size_t)(off));                                              \
    } while (0)
#define BAD(off, what) \
    return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector: %s at byte %zu", name, what, base + (size_t)(off))
    size_t pos = 0;
    NEED(0, 4);
    uint32_t cookie = get_u32(p);
    uint32_t n;
    const uint8_t *runbits = NULL;
    bool offsets;
    pos = 4;
    if ((cookie & 0xFFFF) == COOKIE_RUN) {
        n = (cookie >> 16) + 1;
        NEED(pos, (n + 7) / 8);
        runbits = p + pos;
        pos += (n + 7) / 8;
        offsets = n >= 4;
    } else if (cookie == COOKIE_NORUN) {
        NEED(pos, 4);
        n = get_u32(p + pos);
        pos += 4;
        offsets = true;
    } else {
        BAD(0, "not a portable roaring bitmap (bad cookie)");
    }
    if (n > 65536) BAD(0, "more than 65536 containers");
    NEED(pos, (size_t)n * 4);
    const uint8_t *desc = p + pos;
    pos += (size_t)n * 4;
    const uint8_t *offs = NULL;
    if (offsets) {
        NEED(pos, (size_t)n * 4);
        offs = p + pos;
        pos += (size_t)n * 4;
    }
    uint64_t total = 0;
    int64_t last_key = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t key = get_u16(desc + 4 * i), c = (uint32_t)get_u16(desc + 4 * i + 2) + 1;
        if ((int64_t)key <= last_key) BAD(pos, "container keys out of order");
        last_key = key;
        if (offs && get_u32(offs + 4 * i) != pos) BAD(pos, "container offset does not match its position");
        bool run = runbits && ((runbits[i / 8] >> (i % 8)) & 1);
        uint32_t hi = 0; /* largest low 16 bits in the container */
        if (run) {
            NEED(pos, 2);
            uint32_t nr = get_u16(p + pos);
            pos += 2;
            NEED(pos, (size_t)nr * 4);
            uint64_t sum = 0;
            int64_t end_prev = -1;
            for (uint32_t r = 0; r < nr; r++) {
                uint32_t s = get_u16(p + pos + 4 * r), l = get_u16(p + pos + 4 * r + 2);
                if ((int64_t)s <= end_prev) BAD(pos + 4 * r, "runs overlap or are out of order");
                if (s + l > 65535) BAD(pos + 4 * r, "a run goes past its container");
                end_prev = (int64_t)(s + l);
                sum += (uint64_t)l + 1;
                hi = s + l;
            }
            if (nr == 0 || sum != c) BAD(pos, "run container cardinality does not match its runs");
            pos += (size_t)nr * 4;
        } else if (c <= 4096) {
            NEED(pos, (size_t)c * 2);
            int64_t prev = -1;
            for (uint32_t k = 0; k < c; k++) {
                uint32_t v = get_u16(p + pos + 2 * k);
                if ((int64_t)v <= prev) BAD(pos + 2 * k, "array values out of order");
                prev = v;
            }
            hi = (uint32_t)prev;
            pos += (size_t)c * 2;
        } else {
            NEED(pos, 8192);
            uint64_t cnt = 0;
            for (uint32_t w = 0; w < 1024; w++) {
                uint64_t x = get_u64(p + pos + 8 * w);
                cnt += (uint64_t)__builtin_popcountll(x);
                if (x) hi = w * 64 + 63 - (uint32_t)__builtin_clzll(x);
            }
            if (cnt != c) BAD(pos, "bitset cardinality does not match its header");
            pos += 8192;
        }
        total += c;
        *max = (uint64_t)key << 16 | hi;
    }
    if (pos != len) BAD(pos, "bytes after the last container");
    *card = total;
    return ST_OK;
#undef NEED
#undef BAD
}

st_status st_dv_decode(const void *buf, size_t len, const char *name, st_dv_header *hdr, st_dv **out,
                       st_error *e) {
    if (out) *out = NULL;
    const uint8_t *b = buf;
    if (len < ST_DV_HEADER_BYTES + 8)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: %zu bytes is too short for a deletion vector", name, len);
    if (memcmp(b, dv_magic, 8)) return st_error_set(e, ST_ERR_CORRUPT, "%s: not a deletion vector (bad magic)", name);
    uint32_t ver = get_u32(b + 8), flags = get_u32(b + 12);
    if (ver != ST_DV_VERSION)
        return st_error_set(e, ST_ERR_UNSUPPORTED, "%s: deletion vector format %u is not supported (this strata "
                            "reads format %d)", name, ver, ST_DV_VERSION);
    if (flags) return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector: reserved flags set at byte 12", name);
    st_dv_header h;
    memcpy(h.seg_id, b + 16, 16);
    h.seg_rows = get_u64(b + 32);
    h.cardinality = get_u64(b + 40);
    h.payload_bytes = get_u64(b + 48);
    if (h.payload_bytes > ST_DV_MAX_PAYLOAD || h.payload_bytes != len - ST_DV_HEADER_BYTES - 8)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector payload of %llu bytes in a %zu-byte file "
                            "(byte 48)", name, (unsigned long long)h.payload_bytes, len);
    uint64_t want = get_u64(b + len - 8);
    if (st_checksum64(b, len - 8) != want)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector checksum mismatch (bytes 0..%zu)", name, len - 8);
    if (h.seg_rows >= ((uint64_t)1 << 32) || h.cardinality == 0 || h.cardinality > h.seg_rows)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector of %llu rows in a %llu-row segment (byte 32)",
                            name, (unsigned long long)h.cardinality, (unsigned long long)h.seg_rows);
    uint64_t card = 0, max = 0;
    ST_TRY(validate_portable(b + ST_DV_HEADER_BYTES, h.payload_bytes, ST_DV_HEADER_BYTES, name, &card, &max, e));
    if (card != h.cardinality)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector holds %llu rows, its header says %llu", name,
                            (unsigned long long)card, (unsigned long long)h.cardinality);
    if (max >= h.seg_rows)
        return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector deletes row %llu of a %llu-row segment", name,
                            (unsigned long long)max, (unsigned long long)h.seg_rows);
    if (hdr) *hdr = h;
    if (!out) return ST_OK;
    st_dv *d = malloc(sizeof *d);
    if (!d) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    d->bm = roaring_bitmap_portable_deserialize_safe((const char *)b + ST_DV_HEADER_BYTES, h.payload_bytes);
    if (!d->bm || roaring_bitmap_get_cardinality(d->bm) != card) {
        roaring_bitmap_free(d->bm);
        free(d);
        return st_error_set(e, ST_ERR_CORRUPT, "%s: deletion vector payload does not deserialize", name);
    }
    *out = d;
    return ST_OK;
}

st_status st_dv_read_file(const char *path, const uint8_t seg_id[16], uint64_t seg_rows, uint64_t cardinality,
                          st_dv **out, st_error *e) {
    *out = NULL;
    st_buf *buf;
    ST_TRY(st_file_read(path, ST_DV_MAX_PAYLOAD + ST_DV_HEADER_BYTES + 8, &buf, e));
    st_dv_header h;
    st_dv *d = NULL;
    st_status rc = st_dv_decode(st_buf_data(buf), st_buf_len(buf), path, &h, &d, e);
    st_buf_unref(buf);
    if (rc) return rc;
    if (memcmp(h.seg_id, seg_id, 16) || h.seg_rows != seg_rows || h.cardinality != cardinality) {
        st_dv_free(d);
        return st_error_set(e, ST_ERR_CORRUPT, "%s: the deletion vector is for another segment or version (%llu of "
                            "%llu rows; the log says %llu of %llu)", path, (unsigned long long)h.cardinality,
                            (unsigned long long)h.seg_rows, (unsigned long long)cardinality,
                            (unsigned long long)seg_rows);
    }
    *out = d;
    return ST_OK;
}
