/*
 * fuzz_thrift.c: libFuzzer target for the Thrift compact decoder and the
 * Parquet metadata structs (format/parquet_meta.h).
 *
 * The input is decoded as a FileMetaData and as a PageHeader.  Whatever
 * decodes must re-encode and decode again to the same shape (the encoder
 * writes every field the decoder keeps), and the decoder must never read
 * out of bounds, recurse without limit or allocate beyond its budget.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_error e;
    st_arena *a = st_arena_new(0);
    st_pq_file_meta m;
    if (st_pq_decode_file_meta(data, size, 0, a, size * 64 + 4096, &m, &e) == ST_OK) {
        st_sbuf sb = ST_SBUF_INIT;
        st_pq_encode_file_meta(&sb, &m);
        st_arena *b = st_arena_new(0);
        st_pq_file_meta m2;
        if (st_pq_decode_file_meta((const uint8_t *)sb.p, sb.len, 0, b, sb.len * 64 + (1u << 20), &m2, &e) != ST_OK)
            abort();
        if (m2.nschema != m.nschema || m2.nrow_groups != m.nrow_groups || m2.num_rows != m.num_rows) abort();
        for (uint32_t g = 0; g < m.nrow_groups; g++)
            if (m2.row_groups[g].ncolumns != m.row_groups[g].ncolumns) abort();
        st_arena_free(b);
        st_sbuf_free(&sb);
    }
    st_arena_free(a);
    st_pq_page_header h;
    size_t hl;
    if (st_pq_decode_page_header(data, size, 0, &h, &hl, &e) == ST_OK) {
        if (hl > size) abort();
        st_sbuf sb = ST_SBUF_INIT;
        st_pq_encode_page_header(&sb, &h);
        st_pq_page_header h2;
        size_t hl2;
        if (st_pq_decode_page_header((const uint8_t *)sb.p, sb.len, 0, &h2, &hl2, &e) != ST_OK) abort();
        if (h2.type != h.type || h2.compressed_page_size != h.compressed_page_size) abort();
        st_sbuf_free(&sb);
    }
    return 0;
}
