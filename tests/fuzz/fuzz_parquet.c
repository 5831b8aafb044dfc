/*
 * fuzz_parquet.c: libFuzzer target for the Parquet reader (format/parquet.h).
 *
 * The input is opened as a Parquet file; when it opens, the zone maps are
 * fetched and every column of the first row groups is read (at most 65536
 * rows of each, in two ranges so that page skipping runs too), and the first
 * row group once more through a cursor in small batches.  Any outcome but a
 * crash, a hang, a leak or an out-of-bounds access is fine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_buf *b = st_buf_new(size ? size : 1);
    if (!b) return 0;
    if (size) memcpy(st_buf_data(b), data, size);
    st_error e;
    st_pq_reader *r;
    st_status rc = st_pq_open_buf(b, "fuzz.parquet", &r, &e);
    st_buf_unref(b);
    if (rc != ST_OK) return 0;
    const st_schema *s = st_pq_schema(r);
    uint32_t nrg = st_pq_num_row_groups(r);
    for (uint32_t g = 0; g < nrg && g < 8; g++) {
        (void)st_pq_rg_zonemaps(r, g);
        (void)st_pq_rg_bytes(r, g, NULL, 0);
        uint64_t rows = st_pq_rg_rows(r, g);
        uint32_t n = rows > 65536 ? 65536 : (uint32_t)rows;
        for (uint32_t c = 0; c < s->nfields && c < 64; c++) {
            st_vector *v = st_vector_new(s->fields[c].type, 0);
            if (!v) break;
            uint32_t cut = n / 2;
            if (st_pq_read_column(r, g, c, 0, cut, v, &e) == ST_OK)
                (void)st_pq_read_column(r, g, c, cut, n - cut, v, &e);
            st_vector_free(v);
        }
    }
    if (nrg > 0 && s->nfields <= 64) {
        st_type types[64];
        st_schema_types(s, types);
        st_batch *b = st_batch_new(types, s->nfields, 0);
        st_pq_cursor *cu;
        if (b && st_pq_cursor_open(r, 0, NULL, 0, &cu, &e) == ST_OK) {
            uint64_t got = 0;
            while (got < 65536 && st_pq_cursor_read(cu, 777, b, &e) == ST_OK && b->len) got += b->len;
            st_pq_cursor_close(cu);
        }
        st_batch_free(b);
    }
    st_pq_close(r);
    return 0;
}
