/*
 * fuzz_ndjson.c: libFuzzer target for the NDJSON reader.  The first byte
 * chooses options (max_depth, max_record, unknown-key policy with a fixed
 * schema, batch size); the input is read whole with 1 thread, whole with 2
 * threads and tiny chunks, and pushed in input-driven slices; all must agree
 * (abort otherwise) and rows + bad records must equal records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/ndjson.h"
#include "format/ndjson_int.h"
#include "fuzz_textdigest.h"

static st_schema *fixed;

static void setup(st_ndjson_options *o, uint8_t f) {
    st_ndjson_options_init(o);
    o->max_depth = (f & 1) ? 3 : 0;
    if (f & 2) o->max_record = 40 + (f >> 3);
    o->batch_rows = 1 + (f % 3);
    if (f & 4) {
        if (!fixed) {
            fixed = st_schema_new();
            st_schema_add(fixed, "a", st_type_make(ST_T_INT64), 1, true, NULL);
            st_schema_add(fixed, "b", st_type_make(ST_T_VARCHAR), 2, true, NULL);
            st_schema_add(fixed, "c.d", st_type_decimal(12, 3), 3, true, NULL);
            st_schema_add(fixed, "t", st_type_make(ST_T_TIMESTAMP), 4, true, NULL);
        }
        o->schema = fixed;
        o->unknown = (st_text_unknown)((f >> 3) % 3);
    }
    o->threads = 1;
}

static st_status whole(const uint8_t *data, size_t size, st_ndjson_options *o, fz_digest *d) {
    o->on_bad = fz_on_bad;
    o->bad_ctx = d;
    st_buf *b = size ? st_buf_new(size) : st_buf_wrap((void *)"", 0, NULL, NULL);
    if (!b) return ST_ERR_NOMEM;
    if (size) memcpy(st_buf_data(b), data, size);
    st_ndjson_reader *r = NULL;
    st_status rc = st_ndjson_open_buf(b, o, &r, NULL);
    st_buf_unref(b);
    if (rc != ST_OK) {
        fz_mix(d, &rc, sizeof rc);
        return rc;
    }
    fz_schema(d, st_ndjson_schema(r));
    for (;;) {
        st_text_chunk ch;
        rc = st_ndjson_next(r, &ch, NULL);
        if (rc != ST_OK || !ch.batch) break;
        fz_rows(d, &ch);
    }
    fz_mix(d, &rc, sizeof rc);
    st_text_stats s;
    st_ndjson_stats(r, &s);
    if (rc == ST_OK) fz_check(&s, d);
    st_ndjson_close(r);
    return rc;
}

static st_status pushed(const uint8_t *data, size_t size, st_ndjson_options *o, fz_digest *d) {
    o->on_bad = fz_on_bad;
    o->bad_ctx = d;
    st_ndjson_push *p = NULL;
    if (st_ndjson_push_new(o, &p, NULL) != ST_OK) return ST_ERR_NOMEM;
    st_status rc = ST_OK;
    size_t i = 0, step = 1;
    while (i < size && rc == ST_OK) {
        size_t k = step < size - i ? step : size - i;
        rc = st_ndjson_push_feed(p, data + i, k, NULL);
        i += k;
        step = 1 + (data[i - 1] % 31);
        for (; rc == ST_OK;) {
            st_text_chunk ch;
            rc = st_ndjson_push_take(p, false, &ch, NULL);
            if (!ch.batch) break;
            fz_rows(d, &ch);
        }
    }
    if (rc == ST_OK) rc = st_ndjson_push_finish(p, NULL);
    if (rc == ST_OK) fz_schema(d, st_ndjson_push_schema(p));
    for (; rc == ST_OK;) {
        st_text_chunk ch;
        rc = st_ndjson_push_take(p, true, &ch, NULL);
        if (!ch.batch) break;
        fz_rows(d, &ch);
    }
    fz_mix(d, &rc, sizeof rc);
    st_text_stats s;
    st_ndjson_push_stats(p, &s);
    if (rc == ST_OK) fz_check(&s, d);
    st_ndjson_push_free(p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t f = data[0];
    data += 1, size -= 1;
    st_ndjson_options o;
    fz_digest a = {0}, b = {0}, c = {0};
    setup(&o, f);
    st_status ra = whole(data, size, &o, &a);
    setup(&o, f);
    o.threads = 2;
    nj_test_chunk_bytes = 16;
    st_status rb = whole(data, size, &o, &b);
    nj_test_chunk_bytes = 0;
    if (ra != rb || !fz_same(&a, &b)) abort(); /* thread count changed the result */
    if (size < 60000 && o.unknown != ST_TEXT_UNKNOWN_EVOLVE) {
        setup(&o, f);
        st_status rc = pushed(data, size, &o, &c);
        if ((ra == ST_OK) != (rc == ST_OK)) abort();
        if (ra == ST_OK && !fz_same(&a, &c)) abort();
    }
    return 0;
}
