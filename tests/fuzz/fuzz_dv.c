/*
 * fuzz_dv.c: the deletion vector decoder on hostile bytes.
 *
 * The first input byte picks a mode: 0, the rest is a whole file as found on
 * disk; 1, the rest is a file whose trailing checksum is recomputed here (a
 * checksum-fixing harness, so mutations reach the roaring validator).  A
 * vector that decodes must re-encode to a file that decodes to the same
 * rows.  Crashes, leaks and sanitizer reports are bugs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/dv.h"
#include "format/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int mode = data[0] & 1;
    size_t n = size - 1;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return 0;
    memcpy(b, data + 1, n);
    if (mode == 1 && n >= 8) {
        uint64_t x = st_checksum64(b, n - 8);
        for (int i = 0; i < 8; i++) b[n - 8 + i] = (uint8_t)(x >> (8 * i));
    }
    st_error e;
    st_dv *d = NULL;
    st_dv_header h;
    if (st_dv_decode(b, n, "fuzz.dv", &h, &d, &e) == ST_OK) {
        st_sbuf sb = ST_SBUF_INIT;
        if (st_dv_encode(d, h.seg_id, h.seg_rows, &sb, &e) != ST_OK) abort();
        st_dv *back = NULL;
        if (st_dv_decode(sb.p, sb.len, "rt", NULL, &back, &e) != ST_OK) abort();
        if (st_dv_cardinality(back) != st_dv_cardinality(d) || st_dv_max(back) != st_dv_max(d)) abort();
        uint32_t sel[256];
        uint64_t first = st_dv_max(d) > 100 ? st_dv_max(d) - 100 : 0;
        uint32_t k = st_dv_select(d, first, 256, sel);
        if (k + st_dv_count_range(d, first, 256) != 256) abort();
        st_dv_free(back);
        st_sbuf_free(&sb);
        st_dv_free(d);
    }
    free(b);
    return 0;
}
