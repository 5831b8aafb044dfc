/*
 * fuzz_textdigest.h: a digest of everything a text reader hands out (schema,
 * rows with lines and offsets, bad records with every reason), so a fuzz
 * target can demand that several ways of reading the same bytes agree, and
 * abort() when they do not.  Rows and bad records are digested apart: a
 * stream reports a bad record as soon as it meets it, possibly before the
 * rows in front of it are taken, so only each sequence's order is fixed.
 * Also checks rows + bad == records.
 */
#ifndef ST_FUZZ_TEXTDIGEST_H
#define ST_FUZZ_TEXTDIGEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/textio.h"
#include "format/valtext.h"

typedef struct fz_digest {
    uint64_t h;  /* rows, schema, status */
    uint64_t hb; /* bad records */
    uint64_t rows, bad;
} fz_digest;

static inline void fz_mix_into(uint64_t *h, const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) *h = (*h ^ c[i]) * 0x100000001b3ull;
    *h ^= n;
}

static inline void fz_mix(fz_digest *d, const void *p, size_t n) { fz_mix_into(&d->h, p, n); }

static inline int fz_same(const fz_digest *a, const fz_digest *b) {
    return a->h == b->h && a->hb == b->hb;
}

static inline st_status fz_on_bad(void *ctx, const st_text_bad *b, st_error *e) {
    (void)e;
    fz_digest *d = ctx;
    d->bad++;
    fz_mix_into(&d->hb, &b->line, sizeof b->line);
    fz_mix_into(&d->hb, &b->offset, sizeof b->offset);
    fz_mix_into(&d->hb, &b->record_len, sizeof b->record_len);
    fz_mix_into(&d->hb, b->raw, b->raw_len);
    for (uint32_t i = 0; i < b->nreasons; i++) {
        fz_mix_into(&d->hb, &b->reasons[i].column, sizeof b->reasons[i].column);
        fz_mix_into(&d->hb, b->reasons[i].message, strlen(b->reasons[i].message));
    }
    return ST_OK;
}

static inline void fz_rows(fz_digest *d, const st_text_chunk *ch) {
    st_sbuf sb = ST_SBUF_INIT;
    for (uint32_t i = 0; i < ch->batch->len; i++) {
        d->rows++;
        st_sbuf_clear(&sb);
        for (uint32_t c = 0; c < ch->batch->ncols; c++) {
            st_sbuf_putc(&sb, '|');
            st_text_cell(&sb, ch->batch->cols[c], i, ST_CELL_JSON, ',', '"');
        }
        fz_mix(d, &ch->line[i], sizeof ch->line[i]);
        fz_mix(d, &ch->offset[i], sizeof ch->offset[i]);
        fz_mix(d, sb.p, sb.len);
    }
    st_sbuf_free(&sb);
}

static inline void fz_schema(fz_digest *d, const st_schema *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->nfields; i++) {
        fz_mix(d, s->fields[i].name, strlen(s->fields[i].name));
        fz_mix(d, &s->fields[i].type, sizeof s->fields[i].type);
    }
}

static inline void fz_check(const st_text_stats *s, const fz_digest *d) {
    if (s->records != s->rows + s->bad || s->rows != d->rows || s->bad != d->bad) abort();
}

#endif /* ST_FUZZ_TEXTDIGEST_H */
