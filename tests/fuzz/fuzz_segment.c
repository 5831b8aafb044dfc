/*
 * fuzz_segment.c: libFuzzer target for the segment reader.
 *
 * Each input is tried twice: as it is (the checksums reject almost every
 * mutation, which exercises the header/tail/footer checks), and with every
 * checksum recomputed (seg_debug_rehash), which lets the fuzzer reach the
 * footer parser and the block decoders behind them: what a deliberately
 * crafted file could do.  For each that opens, every column chunk of every
 * row group is read and the segment verified.
 *
 * The image is copied into a buffer of exactly its size, so AddressSanitizer
 * reports any read past the end of the file.
 *
 * Seed corpus: tests/fuzz/corpus/segment/ (small valid segments of every
 * type and encoding, and damaged ones); `make test` replays it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/segment.h"
#include "format/segment_int.h"

static void run(const uint8_t *data, size_t size, int rehash) {
    uint8_t *p = malloc(size ? size : 1);
    if (!p) return;
    memcpy(p, data, size);
    if (rehash) seg_debug_rehash(p, size);
    st_buf *b = st_buf_wrap(p, size, NULL, NULL);
    st_segment *s;
    st_error e;
    if (b && st_segment_open_buf(b, "fuzz.seg", &s, &e) == ST_OK) {
        const st_schema *sc = st_segment_schema(s);
        for (uint32_t c = 0; c < sc->nfields; c++) {
            st_vector *v = st_vector_new(sc->fields[c].type, 0);
            if (!v) break;
            for (uint32_t g = 0; g < st_segment_nrowgroups(s); g++) {
                if (st_segment_read(s, g, c, v, &e) == ST_OK && v->len != st_segment_rowgroup_rows(s, g))
                    abort(); /* a successful read returns the whole row group */
            }
            st_vector_free(v);
        }
        (void)st_segment_verify(s, &e);
        st_segment_close(s);
    }
    st_buf_unref(b);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (4u << 20)) return 0;
    run(data, size, 0);
    run(data, size, 1);
    return 0;
}
