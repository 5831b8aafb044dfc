/*
 * fuzz_csv.c: libFuzzer target for the CSV reader.  The first two bytes
 * choose options (header mode, sniffed or fixed dialect, comment, NULL
 * conventions, a small max_record, batch size); the rest is the input.  It
 * is read whole with the scalar scanner, whole with AVX2, and pushed in
 * slices whose sizes come from the input; all three must agree exactly
 * (abort otherwise), and rows + bad records must equal records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv.h"
#include "format/text_int.h"
#include "fuzz_textdigest.h"

static void setup(st_csv_options *o, uint8_t f, uint8_t g) {
    st_csv_options_init(o);
    o->header = (st_csv_header)(f % 3);
    if (f & 4) o->delim = (f & 8) ? ';' : ',';
    if (f & 16) o->quote = (f & 8) ? '\'' : '"';
    if ((f & 20) == 20 && (g & 64)) o->escape = '\\';
    if (f & 32) o->comment = '#';
    o->quoted_null = f & 64;
    if (f & 128) o->null_str = "NA";
    if (g & 1) o->max_record = 20 + (g >> 1);
    o->pad_short = g & 2;
    o->batch_rows = 1 + (g % 5);
    o->sample_rows = (g & 32) ? 3 : 0;
    o->threads = 1;
}

static st_status whole(const uint8_t *data, size_t size, st_csv_options *o, fz_digest *d) {
    o->on_bad = fz_on_bad;
    o->bad_ctx = d;
    st_buf *b = size ? st_buf_new(size) : st_buf_wrap((void *)"", 0, NULL, NULL);
    if (!b) return ST_ERR_NOMEM;
    if (size) memcpy(st_buf_data(b), data, size);
    st_csv_reader *r = NULL;
    st_status rc = st_csv_open_buf(b, o, &r, NULL);
    st_buf_unref(b);
    if (rc != ST_OK) {
        fz_mix(d, &rc, sizeof rc);
        return rc;
    }
    fz_schema(d, st_csv_schema(r));
    for (;;) {
        st_text_chunk ch;
        rc = st_csv_next(r, &ch, NULL);
        if (rc != ST_OK || !ch.batch) break;
        fz_rows(d, &ch);
    }
    fz_mix(d, &rc, sizeof rc);
    st_text_stats s;
    st_csv_stats(r, &s);
    if (rc == ST_OK) fz_check(&s, d);
    st_csv_close(r);
    return rc;
}

static st_status pushed(const uint8_t *data, size_t size, st_csv_options *o, fz_digest *d) {
    o->on_bad = fz_on_bad;
    o->bad_ctx = d;
    st_csv_push *p = NULL;
    if (st_csv_push_new(o, &p, NULL) != ST_OK) return ST_ERR_NOMEM;
    st_status rc = ST_OK;
    size_t i = 0, step = 1;
    while (i < size && rc == ST_OK) {
        size_t k = step < size - i ? step : size - i;
        rc = st_csv_push_feed(p, data + i, k, NULL);
        i += k;
        step = 1 + (data[i - 1] % 23);
        for (; rc == ST_OK;) {
            st_text_chunk ch;
            rc = st_csv_push_take(p, false, &ch, NULL);
            if (!ch.batch) break;
            fz_rows(d, &ch);
        }
    }
    if (rc == ST_OK) rc = st_csv_push_finish(p, NULL);
    if (rc == ST_OK) fz_schema(d, st_csv_push_schema(p));
    for (; rc == ST_OK;) {
        st_text_chunk ch;
        rc = st_csv_push_take(p, true, &ch, NULL);
        if (!ch.batch) break;
        fz_rows(d, &ch);
    }
    fz_mix(d, &rc, sizeof rc);
    st_text_stats s;
    st_csv_push_stats(p, &s);
    if (rc == ST_OK) fz_check(&s, d);
    st_csv_push_free(p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t f = data[0], g = data[1];
    data += 2, size -= 2;
    st_csv_options o;
    fz_digest a = {0}, b = {0}, c = {0};
    setup(&o, f, g);
    tx_simd_force(0);
    st_status ra = whole(data, size, &o, &a);
    setup(&o, f, g);
    tx_simd_force(1);
    st_status rb = whole(data, size, &o, &b);
    tx_simd_force(-1);
    if (ra != rb || !fz_same(&a, &b)) abort(); /* AVX2 and scalar disagree */
    /* push parsing decides types on what it has seen: compare only when the
     * whole input is the first decision window and the schema is not sampled */
    if (size < 60000 && !o.sample_rows) {
        setup(&o, f, g);
        st_status rc = pushed(data, size, &o, &c);
        if ((ra == ST_OK) != (rc == ST_OK)) abort();
        if (ra == ST_OK && !fz_same(&a, &c)) abort();
    }
    return 0;
}
