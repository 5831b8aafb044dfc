/*
 * textcheck.h: helpers for the text reader tests (CSV, NDJSON).
 *
 * A read is serialized into three texts: the schema, the rows (each with its
 * line and byte offset, values printed as JSON by format/valtext.h) and the
 * bad records (line, offset, length, raw bytes escaped, every reason).  Two
 * reads that must agree (AVX2 vs scalar, 1 vs 2 threads, a file vs the same
 * bytes pushed in random slices) compare equal as texts; single facts are
 * checked with tc_has().  Every read also checks the invariant
 * rows + bad records == records.
 */
#ifndef ST_TEXTCHECK_H
#define ST_TEXTCHECK_H

#include "test_util.h"

#include "format/mem.h"
#include "format/textio.h"
#include "format/valtext.h"

typedef struct tc_result {
    st_status rc;
    char err[ST_ERROR_MSG_MAX];
    st_sbuf schema, rows, bad;
    uint64_t nrows, nbad;
    st_text_stats stats;
} tc_result;

static inline void tc_free(tc_result *r) {
    st_sbuf_free(&r->schema);
    st_sbuf_free(&r->rows);
    st_sbuf_free(&r->bad);
}

static inline void tc_escape(st_sbuf *sb, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n') st_sbuf_append(sb, "\\n", 2);
        else if (c == '\r') st_sbuf_append(sb, "\\r", 2);
        else if (c < 0x20 || c >= 0x7F || c == '\\') st_sbuf_printf(sb, "\\x%02X", c);
        else st_sbuf_putc(sb, (char)c);
    }
}

static inline st_status tc_on_bad(void *ctx, const st_text_bad *b, st_error *e) {
    (void)e;
    tc_result *r = ctx;
    r->nbad++;
    st_sbuf_printf(&r->bad, "B%llu@%llu len=%llu%s [", (unsigned long long)b->line,
                   (unsigned long long)b->offset, (unsigned long long)b->record_len,
                   b->truncated ? " trunc" : "");
    tc_escape(&r->bad, b->raw, b->raw_len > 200 ? 200 : b->raw_len);
    st_sbuf_append(&r->bad, "]", 1);
    for (uint32_t i = 0; i < b->nreasons; i++)
        st_sbuf_printf(&r->bad, " {%d %s: %s}", b->reasons[i].column,
                       b->reasons[i].column_name ? b->reasons[i].column_name : "-",
                       b->reasons[i].message);
    st_sbuf_putc(&r->bad, '\n');
    return ST_OK;
}

static inline void tc_schema(tc_result *r, const st_schema *s) {
    st_sbuf_clear(&r->schema);
    if (!s) {
        st_sbuf_append(&r->schema, "(none)", 6);
        return;
    }
    for (uint32_t i = 0; i < s->nfields; i++) {
        char tn[ST_TYPE_NAME_MAX];
        st_sbuf_printf(&r->schema, "%s%s:%s", i ? "," : "", s->fields[i].name,
                       st_type_name(s->fields[i].type, tn));
    }
    st_sbuf_cstr(&r->schema);
}

static inline void tc_rows(tc_result *r, const st_text_chunk *ch) {
    for (uint32_t i = 0; i < ch->batch->len; i++) {
        r->nrows++;
        st_sbuf_printf(&r->rows, "R%llu@%llu:", (unsigned long long)ch->line[i],
                       (unsigned long long)ch->offset[i]);
        for (uint32_t c = 0; c < ch->batch->ncols; c++) {
            st_sbuf_putc(&r->rows, c ? '|' : ' ');
            st_text_cell(&r->rows, ch->batch->cols[c], i, ST_CELL_JSON, ',', '"');
        }
        st_sbuf_putc(&r->rows, '\n');
    }
}

static inline void tc_check_invariant(const tc_result *r) {
    if (r->rc != ST_OK) return;
    if (r->stats.records != r->stats.rows + r->stats.bad)
        fail_msg("invariant: records %llu != rows %llu + bad %llu",
                 (unsigned long long)r->stats.records, (unsigned long long)r->stats.rows,
                 (unsigned long long)r->stats.bad);
    if (r->stats.rows != r->nrows || r->stats.bad != r->nbad)
        fail_msg("stats (%llu rows, %llu bad) differ from what was handed out (%llu, %llu)",
                 (unsigned long long)r->stats.rows, (unsigned long long)r->stats.bad,
                 (unsigned long long)r->nrows, (unsigned long long)r->nbad);
}

static inline const char *tc_str(st_sbuf *sb) { return st_sbuf_cstr(sb); }

#define tc_has(sb, needle)                                                          \
    do {                                                                            \
        const char *h_ = st_sbuf_cstr(sb);                                          \
        if (!strstr(h_, (needle))) fail_msg("missing <%s> in:\n%s", (needle), h_);  \
    } while (0)
#define tc_hasnt(sb, needle)                                                        \
    do {                                                                            \
        const char *h_ = st_sbuf_cstr(sb);                                          \
        if (strstr(h_, (needle))) fail_msg("unexpected <%s> in:\n%s", (needle), h_); \
    } while (0)

static inline void tc_assert_same(tc_result *a, tc_result *b, const char *what) {
    if (a->rc != b->rc || strcmp(a->err, b->err))
        fail_msg("%s: status %s (%s) vs %s (%s)", what, st_status_name(a->rc), a->err,
                 st_status_name(b->rc), b->err);
    if (strcmp(tc_str(&a->schema), tc_str(&b->schema)))
        fail_msg("%s: schema\n%s\nvs\n%s", what, tc_str(&a->schema), tc_str(&b->schema));
    if (strcmp(tc_str(&a->rows), tc_str(&b->rows)))
        fail_msg("%s: rows differ\n--- a:\n%.3000s\n--- b:\n%.3000s", what, tc_str(&a->rows),
                 tc_str(&b->rows));
    if (strcmp(tc_str(&a->bad), tc_str(&b->bad)))
        fail_msg("%s: bad records differ\n--- a:\n%.3000s\n--- b:\n%.3000s", what, tc_str(&a->bad),
                 tc_str(&b->bad));
}

static inline st_buf *tc_buf(const void *p, size_t n) {
    if (n == 0) return st_buf_wrap((void *)"", 0, NULL, NULL);
    st_buf *b = st_buf_new(n);
    memcpy(st_buf_data(b), p, n);
    return b;
}

static inline char *tc_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(len > 0 ? (size_t)len : 1);
    *n = len > 0 ? fread(p, 1, (size_t)len, f) : 0;
    fclose(f);
    return p;
}

#endif /* ST_TEXTCHECK_H */
