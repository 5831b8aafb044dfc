/*
 * fuzz_log.c: the commit-log decoders (entries, checkpoints, replay) on
 * hostile bytes.
 *
 * The first input byte picks a mode:
 *   0  the rest is a whole entry file (seal included)
 *   1  the rest is a whole checkpoint file
 *   2  the rest is one or more entry bodies, one per line: each is sealed
 *      here (a checksum-fixing harness, so mutations reach the JSON checks),
 *      decoded, and replayed into a state in order; the resulting state is
 *      then checkpointed, decoded back, and must be equal
 *   3  the rest is a checkpoint body, sealed here
 * Any decoded value is re-encoded and decoded again: the round trip must
 * succeed and be stable.  Crashes, leaks and sanitizer reports are bugs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/hash.h"
#include "format/logrec.h"

static void seal(const uint8_t *body, size_t n, st_sbuf *out) {
    st_sbuf_clear(out);
    st_sbuf_append(out, body, n);
    st_sbuf_putc(out, '\n');
    uint64_t x = st_checksum64(out->p, out->len);
    char h[17];
    for (int i = 15; i >= 0; i--, x >>= 4) h[i] = "0123456789abcdef"[x & 15];
    h[16] = 0;
    st_sbuf_printf(out, "{\"xxh3\":\"%s\"}\n", h);
}

static void check_entry_round_trip(const st_logentry *le) {
    st_sbuf sb = ST_SBUF_INIT;
    st_error e;
    if (st_logentry_encode(le, &sb, &e) != ST_OK) abort();
    st_logentry *back = NULL;
    if (st_logentry_decode(sb.p, sb.len, "rt", le->version, &back, &e) != ST_OK) abort();
    st_sbuf sb2 = ST_SBUF_INIT;
    if (st_logentry_encode(back, &sb2, &e) != ST_OK) abort();
    if (sb.len != sb2.len || memcmp(sb.p, sb2.p, sb.len)) abort();
    st_logentry_free(back);
    st_sbuf_free(&sb);
    st_sbuf_free(&sb2);
}

static void check_state_round_trip(const st_logstate *s) {
    if (!s->schema) return;
    st_sbuf sb = ST_SBUF_INIT;
    st_error e;
    if (st_logstate_encode(s, &sb, &e) != ST_OK) abort();
    st_logstate *back = NULL;
    if (st_logstate_decode(sb.p, sb.len, "rt", s->version, &back, &e) != ST_OK) abort();
    if (!st_logstate_equal(s, back)) abort();
    st_logstate_free(back);
    st_sbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0] % 4;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    st_error e;
    st_sbuf sb = ST_SBUF_INIT;
    if (mode == 0) {
        st_logentry *le = NULL;
        if (st_logentry_decode((const char *)p, n, "fuzz", -1, &le, &e) == ST_OK) {
            check_entry_round_trip(le);
            st_logentry_free(le);
        }
    } else if (mode == 1 || mode == 3) {
        st_logstate *s = NULL;
        const char *buf = (const char *)p;
        size_t len = n;
        if (mode == 3) {
            seal(p, n, &sb);
            buf = sb.p;
            len = sb.len;
        }
        if (st_logstate_decode(buf, len, "fuzz", -1, &s, &e) == ST_OK) {
            check_state_round_trip(s);
            st_logstate_free(s);
        }
    } else {
        st_logstate *s = st_logstate_new();
        size_t start = 0;
        for (size_t i = 0; i <= n && s; i++) {
            if (i < n && p[i] != '\n') continue;
            seal(p + start, i - start, &sb);
            start = i + 1;
            st_logentry *le = NULL;
            if (st_logentry_decode(sb.p, sb.len, "fuzz", -1, &le, &e) != ST_OK) continue;
            check_entry_round_trip(le);
            st_logstate_apply(s, le, "fuzz", &e); /* may refuse; must not corrupt s */
            st_logentry_free(le);
        }
        check_state_round_trip(s);
        st_logstate_free(s);
    }
    st_sbuf_free(&sb);
    return 0;
}
