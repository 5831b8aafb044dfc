/*
 * ingest.c: Bronze ingest (see ingest.h).
 *
 * One `ing` holds everything a commit needs while it is being built: the
 * base snapshot, the table schema (grown by --evolve), the compiled contract,
 * the open segment builders of both sides, the finished segment records, the
 * counts and the source spans.  Batches and streams share it; they differ
 * only in where records come from (a mapped file read by a whole-input
 * reader, or bytes pushed into a push parser) and in when ing_commit runs.
 *
 * Rejected records come from two places, in input order: the reader's
 * bad-record callback (not parseable as a row: raw bytes given), and the
 * contract check of each chunk (parsed, but breaking a rule: the raw text is
 * cut from the input by the record's byte offset; streams keep the bytes of
 * the current micro-batch for that).  Both are buffered in a reject batch
 * and written to a quarantine segment committed in the same entry as the
 * accepted rows.
 */
#include "engine/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/ingest_int.h"
#include "engine/lineage.h"
#include "engine/segbuild.h"
#include "format/csv.h"
#include "format/ndjson.h"
#include "format/io.h"
#include "format/parquet.h"
#include "format/pool.h"

#define REJ_FLUSH_ROWS 1024
#define RAW_CAP ST_TEXT_BAD_PREFIX
#define DEFAULT_SEGMENT_ROWS (1u << 19)

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- readers: one face over CSV (and NDJSON) ------------------------------------- */

typedef struct rdr {
    st_in_format fmt;
    st_csv_reader *csv;
    st_csv_push *csvp;
    st_ndjson_reader *nd;
    st_ndjson_push *ndp;
    st_pqin *pq;
    char delim, quote, escape;
} rdr;

static void rdr_close(rdr *r) {
    st_csv_close(r->csv);
    st_csv_push_free(r->csvp);
    st_ndjson_close(r->nd);
    st_ndjson_push_free(r->ndp);
    st_pqin_close(r->pq);
    memset(r, 0, sizeof *r);
}

static bool rdr_pushing(const rdr *r) { return r->csvp || r->ndp; }

static const st_schema *rdr_schema(const rdr *r) {
    if (r->csv) return st_csv_schema(r->csv);
    if (r->csvp) return st_csv_push_schema(r->csvp);
    if (r->nd) return st_ndjson_schema(r->nd);
    if (r->ndp) return st_ndjson_push_schema(r->ndp);
    if (r->pq) return st_pqin_schema(r->pq);
    return NULL;
}

static void rdr_stats(const rdr *r, st_text_stats *s) {
    memset(s, 0, sizeof *s);
    if (r->csv) st_csv_stats(r->csv, s);
    else if (r->csvp) st_csv_push_stats(r->csvp, s);
    else if (r->nd) st_ndjson_stats(r->nd, s);
    else if (r->ndp) st_ndjson_push_stats(r->ndp, s);
    else if (r->pq) st_pqin_stats(r->pq, s);
}

static st_status rdr_next(rdr *r, st_text_chunk *ch, st_error *e) {
    if (r->pq) return st_pqin_next(r->pq, ch, e);
    return r->csv ? st_csv_next(r->csv, ch, e) : st_ndjson_next(r->nd, ch, e);
}
static st_status rdr_feed(rdr *r, const void *p, size_t n, st_error *e) {
    return r->csvp ? st_csv_push_feed(r->csvp, p, n, e) : st_ndjson_push_feed(r->ndp, p, n, e);
}
static st_status rdr_flush(rdr *r, st_error *e) {
    return r->csvp ? st_csv_push_flush(r->csvp, e) : st_ndjson_push_flush(r->ndp, e);
}
static st_status rdr_finish(rdr *r, st_error *e) {
    return r->csvp ? st_csv_push_finish(r->csvp, e) : st_ndjson_push_finish(r->ndp, e);
}
static st_status rdr_take(rdr *r, bool partial, st_text_chunk *ch, st_error *e) {
    return r->csvp ? st_csv_push_take(r->csvp, partial, ch, e) : st_ndjson_push_take(r->ndp, partial, ch, e);
}

static void rdr_dialect(rdr *r) {
    if (r->fmt != ST_IN_CSV) return;
    const st_csv_dialect *d = r->csv ? st_csv_get_dialect(r->csv) : r->csvp ? st_csv_push_dialect(r->csvp) : NULL;
    if (d) {
        r->delim = d->delim;
        r->quote = d->quote;
        r->escape = d->escape;
    }
}

/* ---- the commit being built -------------------------------------------------------- */

typedef struct pend_rej {
    uint64_t off, line, record_len; /* absolute offset and line */
    bool truncated;
    char *raw;
    size_t raw_len;
    uint32_t n;
    uint8_t codes[16];
    char *msgs[16];
} pend_rej;

typedef struct ing {
    st_table *t;
    const st_ingest_opts *o;
    st_ingest_result *r;
    st_logstate *state;   /* base snapshot (empty when creating) */
    st_tschema *schema;   /* the table's schema, as this ingest knows it */
    bool creating;        /* no table yet: this commit creates it */
    bool schema_changed;  /* --evolve added fields in this commit */
    st_contract *contract;
    st_contract_result cres;
    st_wpipe *pipe;       /* data segments are written on writer threads */
    st_segbuild *rej_sb;  /* quarantine segments on this thread (they are small) */
    st_segrec *adds;
    uint32_t nadds, adds_cap;
    /* rejects waiting to be written */
    st_batch *rej;
    int64_t *rej_lines;
    uint32_t rej_cap;
    char *rej_source;
    /* counts of the commit being built */
    uint64_t c_read, c_acc, c_rej;
    uint64_t c_reasons[ST_R__COUNT];
    st_source_span *spans;
    uint32_t nspans;
    /* the current source */
    const char *source;
    rdr rd;
    /* raw bytes of the current input: [raw_base, raw_base + raw_len) */
    const char *raw;
    size_t raw_len;
    uint64_t raw_base;
    /* every row rejected: unknown CSV columns without --evolve */
    char *reject_all_msg;
    /* stream mark for --follow */
    char *stream_key;
    uint64_t stream_offset, stream_line;
    /* push parsers count from 0 at the resume point: absolute = parser + adj */
    int64_t off_adj, line_adj;
    int64_t *adj_lines;
    uint32_t adj_cap;
    /* a chunk narrower than the schema (NDJSON evolve): NULL columns added */
    st_batch wide;
    st_batch view;         /* what is validated and written: never the reader's own batch */
    uint32_t *sel_buf;     /* the view's selection array (owned) */
    uint32_t sel_cap;
    uint32_t *piece;       /* rows of a chunk split at a micro-batch boundary */
    uint32_t piece_cap;
    /* streams: bad records the push parser reported ahead of the rows, held
     * until the rows before them are taken (so a micro-batch holds exactly
     * the records before its stream mark) */
    bool streaming;
    uint64_t skip_below;   /* a resumed stream: records before this offset were fed only as context */
    struct pend_rej *pend;
    uint32_t pend_head, npend, pend_cap;
    st_vector **wide_cols;
    uint32_t wide_cap;
    st_vector **nullv;
    uint32_t nnullv;
    /* a Parquet row's raw text (rendered as CSV) */
    st_sbuf rawsb;
    /* lines of the records of the current source span */
    uint64_t span_first, span_last;
    /* progress */
    int64_t last_progress_ms;
    uint64_t prog_bytes_done, prog_total;
} ing;

static st_status ing_init(ing *g, st_table *t, const st_ingest_opts *o, st_ingest_result *r, st_error *e) {
    memset(g, 0, sizeof *g);
    memset(r, 0, sizeof *r);
    r->first_version = r->last_version = -1;
    g->t = t;
    g->o = o;
    g->r = r;
    if (st_table_exists(t)) {
        ST_TRY(st_table_load(t, -1, &g->state, e));
        if (!(g->schema = st_tschema_clone(g->state->schema))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (o->schema && !st_tschema_equal(o->schema, g->schema)) {
            /* the same fields and rules under fresh ids is still "the same" */
            bool same = o->schema->nfields == g->schema->nfields;
            for (uint32_t i = 0; same && i < g->schema->nfields; i++) {
                const st_tfield *a = &o->schema->fields[i], *b = &g->schema->fields[i];
                same = !strcasecmp(a->name, b->name) && st_type_eq(a->type, b->type) && a->nullable == b->nullable;
            }
            if (!same)
                return st_error_set(e, ST_ERR_INVALID, "%s already has a registered schema, different from the "
                                    "--schema file (strata describe %s shows it); --schema applies to a new "
                                    "table, and --evolve adds fields to an existing one", st_table_name(t),
                                    st_table_name(t));
        }
        ST_TRY(st_contract_new(g->schema, &g->contract, e));
    } else {
        g->creating = true;
        if (!(g->state = st_logstate_new())) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        if (o->schema) {
            ST_TRY(st_contract_check_schema(o->schema, e));
            if (!(g->schema = st_tschema_clone(o->schema))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            ST_TRY(st_contract_new(g->schema, &g->contract, e));
        }
    }
    return ST_OK;
}

static void clear_commit(ing *g) {
    st_segbuild_abort(g->rej_sb);
    g->rej_sb = NULL;
    for (uint32_t i = 0; i < g->nadds; i++) st_segrec_clear(&g->adds[i]);
    g->nadds = 0;
    for (uint32_t i = 0; i < g->nspans; i++) free(g->spans[i].name);
    free(g->spans);
    g->spans = NULL;
    g->nspans = 0;
    g->c_read = g->c_acc = g->c_rej = 0;
    memset(g->c_reasons, 0, sizeof g->c_reasons);
    if (g->rej) st_batch_reset(g->rej);
}

static void ing_free(ing *g) {
    st_wpipe_free(g->pipe);
    g->pipe = NULL;
    clear_commit(g);
    free(g->adds);
    st_batch_free(g->rej);
    free(g->rej_lines);
    free(g->rej_source);
    st_logstate_free(g->state);
    st_tschema_free(g->schema);
    st_contract_free(g->contract);
    st_contract_result_free(&g->cres);
    rdr_close(&g->rd);
    free(g->reject_all_msg);
    free(g->stream_key);
    free(g->adj_lines);
    free(g->wide_cols);
    free(g->sel_buf);
    free(g->piece);
    for (uint32_t i = g->pend_head; i < g->npend; i++) {
        free(g->pend[i].raw);
        for (uint32_t k = 0; k < g->pend[i].n; k++) free(g->pend[i].msgs[k]);
    }
    free(g->pend);
    st_sbuf_free(&g->rawsb);
    for (uint32_t i = 0; i < g->nnullv; i++) st_vector_free(g->nullv[i]);
    free(g->nullv);
}

static st_status push_add(ing *g, st_segrec *rec, st_error *e) {
    if (g->nadds == g->adds_cap) {
        uint32_t nc = g->adds_cap ? g->adds_cap * 2 : 8;
        st_segrec *n = realloc(g->adds, nc * sizeof *n);
        if (!n) {
            st_segrec_clear(rec);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        g->adds = n;
        g->adds_cap = nc;
    }
    g->adds[g->nadds++] = *rec;
    return ST_OK;
}

/* Wait for the writers and collect the data segments written so far. */
static st_status finish_data(ing *g, st_error *e) {
    if (!g->pipe) return ST_OK;
    st_segrec *recs;
    uint32_t n;
    ST_TRY(st_wpipe_drain(g->pipe, &recs, &n, e));
    st_status rc = ST_OK;
    for (uint32_t i = 0; i < n; i++) {
        if (rc) st_segrec_clear(&recs[i]);
        else rc = push_add(g, &recs[i], e);
    }
    free(recs);
    return rc;
}

static st_status pipe_schema(ing *g, st_error *e) {
    if (!g->pipe) {
        uint64_t seg_rows = g->o->segment_rows ? g->o->segment_rows : DEFAULT_SEGMENT_ROWS;
        uint32_t th = g->o->threads ? g->o->threads : st_thread_count(0);
        uint32_t nw = th < 2 ? 1 : th < 4 ? 2 : th / 2;
        ST_TRY(st_wpipe_new(g->t, nw, seg_rows, &g->pipe, e));
    }
    return st_wpipe_schema(g->pipe, g->schema, e);
}

/* ---- rejects ------------------------------------------------------------------------- */

static st_status flush_rejects(ing *g, st_error *e) {
    if (!g->rej || g->rej->len == 0) return ST_OK;
    if (!g->rej_sb) ST_TRY(st_segbuild_new(g->t, g->schema, true, NULL, &g->rej_sb, e));
    st_lineage_run run = {0, g->rej_source, ST_LINEAGE_THIS, ST_LINEAGE_THIS};
    st_batch_set_len(g->rej, g->rej->len);
    ST_TRY(st_segbuild_add(g->rej_sb, g->rej, g->rej_lines, &run, e));
    st_batch_reset(g->rej);
    return ST_OK;
}

static st_status finish_rejects(ing *g, st_error *e) {
    ST_TRY(flush_rejects(g, e));
    if (!g->rej_sb) return ST_OK;
    st_segbuild *sb = g->rej_sb;
    g->rej_sb = NULL;
    st_segrec rec;
    ST_TRY(st_segbuild_finish(sb, &rec, e));
    return push_add(g, &rec, e);
}

/* One rejected record.  codes[n] are its reasons' codes, msgs their texts. */
static st_status add_reject(ing *g, uint64_t line, const char *raw, size_t raw_len, uint64_t record_len,
                            bool truncated, const uint8_t *codes, const char *const *msgs, uint32_t n,
                            st_error *e) {
    if (!g->rej) {
        st_type types[ST_REJECT_NCOLS] = {st_type_make(ST_T_VARCHAR), st_type_make(ST_T_VARCHAR),
                                          st_type_make(ST_T_VARCHAR), st_type_make(ST_T_BLOB),
                                          st_type_make(ST_T_BOOLEAN), st_type_make(ST_T_INT64)};
        if (!(g->rej = st_batch_new(types, ST_REJECT_NCOLS, REJ_FLUSH_ROWS)))
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (g->rej->len && g->rej_source && strcmp(g->rej_source, g->source)) ST_TRY(flush_rejects(g, e));
    if (!g->rej_source || strcmp(g->rej_source, g->source)) {
        free(g->rej_source);
        if (!(g->rej_source = strdup(g->source))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    st_sbuf reasons = ST_SBUF_INIT, codesb = ST_SBUF_INIT;
    bool seen[ST_R__COUNT] = {0};
    for (uint32_t i = 0; i < n; i++) {
        st_sbuf_printf(&reasons, "%s%s", i ? "; " : "", msgs[i]);
        if (!seen[codes[i]]) {
            st_sbuf_printf(&codesb, "%s%s", codesb.len ? "," : "", st_reason_name((st_reason_code)codes[i]));
            seen[codes[i]] = true;
            g->c_reasons[codes[i]]++;
            g->r->reasons[codes[i]]++;
        }
    }
    if (n) g->r->rejected_by_first[codes[0]]++;
    st_batch *b = g->rej;
    st_status rc = st_vector_append_str(b->cols[0], st_sbuf_cstr(&reasons), (uint32_t)reasons.len, e);
    if (!rc) rc = st_vector_append_str(b->cols[1], st_sbuf_cstr(&codesb), (uint32_t)codesb.len, e);
    st_sbuf_free(&reasons);
    st_sbuf_free(&codesb);
    if (rc) return rc;
    if (raw_len > RAW_CAP) {
        raw_len = RAW_CAP;
        truncated = true;
    }
    size_t bad;
    if (st_utf8_valid(raw, raw_len, &bad) ||
        (truncated && raw_len - bad < 4 && st_utf8_valid(raw, bad, &bad))) {
        /* valid (a cut inside the last character of a truncated record is
         * dropped) */
        ST_TRY(st_vector_append_str(b->cols[2], raw, (uint32_t)(st_utf8_valid(raw, raw_len, &bad) ? raw_len : bad), e));
        ST_TRY(st_vector_append_null(b->cols[3], e));
    } else {
        ST_TRY(st_vector_append_null(b->cols[2], e));
        ST_TRY(st_vector_append_str(b->cols[3], raw, (uint32_t)raw_len, e));
    }
    uint8_t tr = truncated;
    ST_TRY(st_vector_append(b->cols[4], &tr, e));
    int64_t rl = (int64_t)record_len;
    ST_TRY(st_vector_append(b->cols[5], &rl, e));
    if (b->len + 1 > g->rej_cap) {
        uint32_t nc = g->rej_cap ? g->rej_cap * 2 : REJ_FLUSH_ROWS;
        int64_t *nl = realloc(g->rej_lines, nc * sizeof *nl);
        if (!nl) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        g->rej_lines = nl;
        g->rej_cap = nc;
    }
    g->rej_lines[b->len] = (int64_t)line;
    b->len++;
    if (!g->span_first || line < g->span_first) g->span_first = line;
    if (line > g->span_last) g->span_last = line;
    g->c_rej++;
    g->r->rejected++;
    g->c_read++;
    g->r->read++;
    if (b->len >= REJ_FLUSH_ROWS) ST_TRY(flush_rejects(g, e));
    return ST_OK;
}

/* The reader's bad-record callback. */
static st_status on_bad(void *ctx, const st_text_bad *bad, st_error *e) {
    ing *g = ctx;
    uint8_t codes[16];
    const char *msgs[16];
    char *owned[16];
    uint32_t n = bad->nreasons < 16 ? bad->nreasons : 16;
    for (uint32_t i = 0; i < n; i++) {
        const st_text_reason *r = &bad->reasons[i];
        codes[i] = (uint8_t)st_reason_classify(r->message);
        owned[i] = NULL;
        if (r->column_name && strncmp(r->message, "column ", 7)) {
            size_t len = strlen(r->column_name) + strlen(r->message) + 16;
            if ((owned[i] = malloc(len))) snprintf(owned[i], len, "column %s: %s", r->column_name, r->message);
        }
        msgs[i] = owned[i] ? owned[i] : r->message;
    }
    if (n == 0) {
        codes[0] = ST_R_MALFORMED;
        msgs[0] = "malformed record";
        owned[0] = NULL;
        n = 1;
    }
    st_status rc = ST_OK;
    if (g->streaming) { /* hold it until the rows before it are taken */
        if (g->npend == g->pend_cap) {
            uint32_t nc = g->pend_cap ? g->pend_cap * 2 : 16;
            pend_rej *np = realloc(g->pend, nc * sizeof *np);
            if (!np) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            else {
                g->pend = np;
                g->pend_cap = nc;
            }
        }
        if (!rc) {
            pend_rej *pr = &g->pend[g->npend];
            memset(pr, 0, sizeof *pr);
            pr->off = (uint64_t)((int64_t)bad->offset + g->off_adj);
            pr->line = (uint64_t)((int64_t)bad->line + g->line_adj);
            pr->record_len = bad->record_len;
            pr->truncated = bad->truncated;
            pr->raw_len = bad->raw_len;
            pr->raw = malloc(bad->raw_len ? bad->raw_len : 1);
            pr->n = n;
            bool ok = pr->raw != NULL;
            if (ok) memcpy(pr->raw, bad->raw, bad->raw_len);
            for (uint32_t i = 0; i < n; i++) {
                pr->codes[i] = codes[i];
                if (!(pr->msgs[i] = strdup(msgs[i]))) ok = false;
            }
            if (!ok) {
                free(pr->raw);
                for (uint32_t i = 0; i < n; i++) free(pr->msgs[i]);
                rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            } else {
                g->npend++;
            }
        }
    } else {
        rc = add_reject(g, bad->line, bad->raw, bad->raw_len, bad->record_len, bad->truncated, codes, msgs, n, e);
    }
    for (uint32_t i = 0; i < n; i++) free(owned[i]);
    return rc;
}

/* The bytes of the record that starts at `off` (absolute), without its line
 * end: CSV-aware (quoted line breaks), or one line for NDJSON. */
static void record_bytes(const ing *g, uint64_t off, const char **p, size_t *n) {
    *p = "";
    *n = 0;
    if (!g->raw || off < g->raw_base || off - g->raw_base >= g->raw_len) return;
    const char *s = g->raw + (off - g->raw_base);
    size_t max = g->raw_len - (size_t)(off - g->raw_base), i = 0;
    if (g->rd.fmt == ST_IN_CSV) {
        char q = g->rd.quote, esc = g->rd.escape, d = g->rd.delim;
        bool inq = false, fstart = true;
        for (; i < max; i++) {
            char c = s[i];
            if (inq) {
                if (esc && esc != q && c == esc) {
                    i++;
                } else if (c == q) {
                    if (esc == q && i + 1 < max && s[i + 1] == q) i++;
                    else inq = false;
                }
                continue;
            }
            if (c == '\n' || c == '\r') break;
            if (c == d) {
                fstart = true;
                continue;
            }
            if (c == q && fstart && q != ST_CSV_NO_QUOTE) inq = true;
            fstart = false;
        }
    } else {
        const char *nl = memchr(s, '\n', max);
        i = nl ? (size_t)(nl - s) : max;
        if (i && s[i - 1] == '\r') i--;
    }
    *p = s;
    *n = i;
}

/* The raw text of row `row` of the current chunk: cut from the input for
 * text sources, rendered from the file's row for Parquet. */
static void row_raw(ing *g, const int64_t *offs, uint32_t row, const char **p, size_t *n) {
    if (g->rd.pq) {
        st_sbuf_clear(&g->rawsb);
        st_pqin_raw(g->rd.pq, (uint32_t)offs[row], &g->rawsb);
        *p = st_sbuf_cstr(&g->rawsb);
        *n = g->rawsb.len;
        return;
    }
    record_bytes(g, (uint64_t)offs[row], p, n);
}

/* ---- rows ---------------------------------------------------------------------------- */

static uint32_t schema_nfields(const st_schema *s) { return s ? s->nfields : 0; }

/* Make the table schema cover the reader's (a new table: adopt it; evolve:
 * add the new fields with new ids). */
static st_status sync_schema(ing *g, st_error *e) {
    const st_schema *rs = rdr_schema(&g->rd);
    if (!rs || rs->nfields == 0) return ST_OK; /* nothing known yet (an empty input) */
    if (!g->schema) { /* a new table takes the inferred schema */
        st_tschema *ts = st_tschema_new();
        if (!ts) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < rs->nfields; i++) {
            st_status rc = st_tschema_add(ts, rs->fields[i].name, rs->fields[i].type, 0, true, NULL, e);
            if (rc) {
                st_tschema_free(ts);
                return rc;
            }
        }
        st_status rc = st_contract_check_schema(ts, e);
        if (!rc) rc = st_contract_new(ts, &g->contract, e);
        if (rc) {
            st_tschema_free(ts);
            return rc;
        }
        g->schema = ts;
        return pipe_schema(g, e);
    }
    if (schema_nfields(rs) <= g->schema->nfields) return ST_OK;
    /* --evolve: the reader appended fields */
    st_tschema *ts = st_tschema_clone(g->schema);
    if (!ts) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    for (uint32_t i = g->schema->nfields; i < rs->nfields && !rc; i++)
        rc = st_tschema_add(ts, rs->fields[i].name, rs->fields[i].type, 0, true, NULL, e);
    if (!rc) rc = st_contract_check_schema(ts, e);
    st_contract *c = NULL;
    if (!rc) rc = st_contract_new(ts, &c, e);
    if (rc) {
        st_tschema_free(ts);
        return rc;
    }
    if (!g->schema_changed && !g->creating) ts->schema_id = g->schema->schema_id + 1;
    st_tschema_free(g->schema);
    g->schema = ts;
    st_contract_free(g->contract);
    g->contract = c;
    g->schema_changed = true;
    return pipe_schema(g, e);
}

static void maybe_progress(ing *g, uint64_t bytes_now) {
    if (!g->o->progress) return;
    int64_t now = mono_ms();
    if (now - g->last_progress_ms < 200) return;
    g->last_progress_ms = now;
    st_ingest_progress p = {g->r->read, g->prog_bytes_done + bytes_now, g->prog_total, g->r->commits};
    g->o->progress(g->o->progress_ctx, &p);
}

/* Validate and store one chunk of rows. */
/* A batch with every schema column: the chunk's, then all-NULL vectors for
 * the fields the reader added after it (NDJSON streams under --evolve). */
static st_status widen(ing *g, st_batch *b, st_batch **out, st_error *e) {
    uint32_t nf = g->schema->nfields;
    if (b->ncols == nf) {
        *out = b;
        return ST_OK;
    }
    if (b->ncols > nf)
        return st_error_set(e, ST_ERR_INTERNAL, "ingest: the reader gave %u columns for a %u-field schema", b->ncols, nf);
    if (nf > g->wide_cap) {
        st_vector **n = realloc(g->wide_cols, nf * sizeof *n);
        st_vector **nv = realloc(g->nullv, nf * sizeof *nv);
        if (n) g->wide_cols = n;
        if (nv) g->nullv = nv;
        if (!n || !nv) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        for (uint32_t i = g->wide_cap; i < nf; i++) g->nullv[i] = NULL;
        g->wide_cap = nf;
        g->nnullv = nf;
    }
    for (uint32_t c = 0; c < nf; c++) {
        if (c < b->ncols) {
            g->wide_cols[c] = b->cols[c];
            continue;
        }
        st_vector *v = g->nullv[c];
        if (v && !st_type_eq(v->type, g->schema->fields[c].type)) {
            st_vector_free(v);
            v = NULL;
        }
        if (!v && !(v = st_vector_new(g->schema->fields[c].type, b->len ? b->len : 1)))
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        g->nullv[c] = v;
        st_vector_reset(v);
        ST_TRY(st_vector_reserve(v, b->len, e));
        uint64_t *val = st_vector_validity(v);
        if (!val) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        memset(val, 0, ((size_t)b->len + 63) / 64 * 8);
        memset(v->data, 0, (size_t)b->len * st_type_width(v->type));
        v->len = b->len;
        g->wide_cols[c] = v;
    }
    g->wide = *b;
    g->wide.ncols = nf;
    g->wide.cols = g->wide_cols;
    *out = &g->wide;
    return ST_OK;
}

/* NDJSON "required": is the key (a dotted name: top-level, or a path of
 * nested objects) present in the record's JSON text? */
static bool key_present(const char *raw, size_t n, const char *name) {
    json_error_t je;
    json_t *j = json_loadb(raw, n, 0, &je);
    if (!j) return true; /* unreadable here: the reader accepted it, do not guess */
    bool found = json_object_get(j, name) != NULL;
    if (!found && strchr(name, '.')) {
        char *path = strdup(name), *save = NULL;
        json_t *cur = j;
        for (char *tok = path ? strtok_r(path, ".", &save) : NULL; tok && cur; tok = strtok_r(NULL, ".", &save))
            cur = json_is_object(cur) ? json_object_get(cur, tok) : NULL;
        found = cur != NULL && cur != j;
        free(path);
    }
    json_decref(j);
    return found;
}

/* The contract check on the view; when the view has no selection, it gets
 * our array (with room for every row) to narrow, never a fresh one. */
static st_status contract_check_view(ing *g, st_batch *b, st_error *e) {
    if (b->sel) return st_contract_check(g->contract, b, &g->cres, e);
    st_status rc = st_contract_check(g->contract, b, &g->cres, e);
    if (b->sel && b->sel != g->sel_buf) { /* a fresh array: copy into ours, free it */
        if (b->sel_len) memcpy(g->sel_buf, b->sel, b->sel_len * sizeof *b->sel);
        free(b->sel);
        b->sel = g->sel_buf;
        b->sel_cap = g->sel_cap;
    }
    return rc;
}

typedef struct missing {
    uint32_t row;
    uint32_t field;
} missing;

static st_status take_chunk(ing *g, st_text_chunk *ch, st_error *e) {
    ST_TRY(sync_schema(g, e));
    st_batch *src = NULL;
    ST_TRY(widen(g, ch->batch, &src, e));
    /* a view with our own selection array: validation narrows it, and the
     * reader's batch (and its selection) is never touched.  The array holds
     * at least len entries, so st_batch_sel_alloc never moves it. */
    st_batch *b = &g->view;
    *b = *src;
    b->sel = NULL;
    b->sel_len = b->sel_cap = 0;
    if (b->len > g->sel_cap) {
        uint32_t *n = realloc(g->sel_buf, (size_t)b->len * sizeof *n);
        if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        g->sel_buf = n;
        g->sel_cap = b->len;
    }
    if (src->sel) {
        if (src->sel_len) memcpy(g->sel_buf, src->sel, src->sel_len * sizeof *g->sel_buf);
        b->sel = g->sel_buf;
        b->sel_len = src->sel_len;
        b->sel_cap = g->sel_cap;
    }
    /* absolute lines (and offsets) for a resumed stream */
    const int64_t *lines = (const int64_t *)ch->line;
    if (g->line_adj || g->off_adj) {
        if (b->len > g->adj_cap) {
            int64_t *n = realloc(g->adj_lines, (size_t)b->len * 2 * sizeof *n);
            if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
            g->adj_lines = n;
            g->adj_cap = b->len;
        }
        for (uint32_t i = 0; i < b->len; i++) {
            g->adj_lines[i] = (int64_t)ch->line[i] + g->line_adj;
            g->adj_lines[b->len + i] = (int64_t)ch->offset[i] + g->off_adj;
        }
        lines = g->adj_lines;
    }
    const int64_t *offs = lines == g->adj_lines ? g->adj_lines + b->len : (const int64_t *)ch->offset;
    if (st_batch_live(b)) {
        uint32_t r0 = b->sel ? b->sel[0] : 0, r1 = b->sel ? b->sel[b->sel_len - 1] : b->len - 1;
        if (!g->span_first || (uint64_t)lines[r0] < g->span_first) g->span_first = (uint64_t)lines[r0];
        if ((uint64_t)lines[r1] > g->span_last) g->span_last = (uint64_t)lines[r1];
    }
    if (b->ncols != g->schema->nfields)
        return st_error_set(e, ST_ERR_INTERNAL, "ingest: the reader gave %u columns for a %u-field schema",
                            b->ncols, g->schema->nfields);
    uint32_t live = st_batch_live(b);
    if (g->reject_all_msg) { /* unknown columns without --evolve: every record is quarantined */
        for (uint32_t i = 0; i < live; i++) {
            uint32_t row = b->sel ? b->sel[i] : i;
            const char *raw;
            size_t n;
            row_raw(g, offs, row, &raw, &n);
            uint8_t code = ST_R_UNKNOWN_FIELD;
            const char *msg = g->reject_all_msg;
            ST_TRY(add_reject(g, (uint64_t)lines[row], raw, n, n, false, &code, &msg, 1, e));
        }
        return ST_OK;
    }
    /* NDJSON required keys: rows where a required field is NULL because
     * its key is absent (a JSON null is a value, handled by nullability) */
    missing *miss = NULL;
    uint32_t nmiss = 0;
    if (g->rd.fmt == ST_IN_NDJSON && g->raw) {
        for (uint32_t f = 0; f < g->schema->nfields; f++) {
            if (!g->schema->fields[f].rules.required) continue;
            const st_vector *v = b->cols[f];
            if (!v->validity) continue;
            for (uint32_t i = 0; i < live; i++) {
                uint32_t row = b->sel ? b->sel[i] : i;
                if (!st_vector_is_null(v, row)) continue;
                const char *raw;
                size_t n;
                record_bytes(g, (uint64_t)offs[row], &raw, &n);
                if (key_present(raw, n, g->schema->fields[f].name)) continue;
                missing *nm = realloc(miss, (nmiss + 1) * sizeof *nm);
                if (!nm) {
                    free(miss);
                    return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                }
                miss = nm;
                miss[nmiss].row = row;
                miss[nmiss++].field = f;
            }
        }
    }
    st_contract_result_reset(&g->cres);
    if (!st_contract_trivial(g->contract)) {
        st_status rc = contract_check_view(g, b, e);
        if (rc) {
            free(miss);
            return rc;
        }
    }
    if (nmiss || g->cres.nfails) {
        /* every rejected row, in row order, with all its reasons */
        uint32_t fi = 0, nrows = 0;
        uint32_t *rows = malloc((nmiss + g->cres.nfails + 1) * sizeof *rows);
        if (!rows) {
            free(miss);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        for (uint32_t i = 0; i < nmiss; i++) rows[nrows++] = miss[i].row;
        for (uint32_t i = 0; i < g->cres.nfails; i++) rows[nrows++] = g->cres.fails[i].row;
        for (uint32_t i = 1; i < nrows; i++) /* insertion sort: few rows */
            for (uint32_t k = i; k > 0 && rows[k - 1] > rows[k]; k--) {
                uint32_t t = rows[k];
                rows[k] = rows[k - 1];
                rows[k - 1] = t;
            }
        st_status rc = ST_OK;
        for (uint32_t i = 0; i < nrows && !rc; i++) {
            uint32_t row = rows[i];
            if (i && rows[i - 1] == row) continue;
            uint8_t codes[48];
            const char *msgs[48];
            char mbuf[16][300];
            uint32_t k = 0;
            for (uint32_t m = 0; m < nmiss && k < 16; m++) {
                if (miss[m].row != row) continue;
                snprintf(mbuf[k], sizeof mbuf[k], "column %s: the required key is missing",
                         g->schema->fields[miss[m].field].name);
                codes[k] = ST_R_MISSING_REQUIRED;
                msgs[k] = mbuf[k];
                k++;
            }
            while (fi < g->cres.nfails && g->cres.fails[fi].row < row) fi++;
            if (fi < g->cres.nfails && g->cres.fails[fi].row == row) {
                const st_contract_fail *f = &g->cres.fails[fi];
                for (uint32_t j = 0; j < f->nreasons && k < 48; j++, k++) {
                    codes[k] = f->reasons[j].code;
                    msgs[k] = f->reasons[j].msg;
                }
            }
            const char *raw;
            size_t n;
            row_raw(g, offs, row, &raw, &n);
            rc = add_reject(g, (uint64_t)lines[row], raw, n, n, false, codes, msgs, k, e);
        }
        free(rows);
        /* rows only missing a key are still in the selection: drop them */
        if (!rc && nmiss) {
            if (!b->sel) {
                for (uint32_t r = 0; r < b->len; r++) g->sel_buf[r] = r;
                b->sel = g->sel_buf;
                b->sel_len = b->len;
                b->sel_cap = g->sel_cap;
            }
            uint32_t w = 0;
            for (uint32_t i = 0; !rc && i < b->sel_len; i++) {
                bool drop = false;
                for (uint32_t m = 0; m < nmiss && !drop; m++) drop = miss[m].row == b->sel[i];
                if (!drop) b->sel[w++] = b->sel[i];
            }
            if (!rc) b->sel_len = w;
        }
        free(miss);
        if (rc) return rc;
        live = st_batch_live(b);
    }

    if (live) {
        if (!g->pipe) ST_TRY(pipe_schema(g, e));
        ST_TRY(st_wpipe_push(g->pipe, b, lines, g->source, e));
        g->c_acc += live;
        g->c_read += live;
        g->r->accepted += live;
        g->r->read += live;
    }
    return ST_OK;
}

static st_status add_span(ing *g, const char *name, uint64_t b0, uint64_t b1, st_error *e) {
    uint64_t l0 = g->span_first, l1 = g->span_last;
    g->span_first = g->span_last = 0;
    st_source_span *n = realloc(g->spans, (g->nspans + 1) * sizeof *n);
    if (!n) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    g->spans = n;
    st_source_span *s = &g->spans[g->nspans];
    if (!(s->name = strdup(name))) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    s->first_line = l0;
    s->last_line = l1 < l0 ? l0 : l1;
    s->byte_start = b0;
    s->byte_end = b1 < b0 ? b0 : b1;
    g->nspans++;
    return ST_OK;
}

/* Commit what is held (one entry).  Nothing held: no commit (but a new
 * table with a known schema is created). */
/* Remove the files of the segments collected for a commit that will not be
 * attempted (no entry names them). */
static void drop_adds(ing *g) {
    for (uint32_t i = 0; i < g->nadds; i++) {
        char path[4096];
        st_table_seg_path(g->t, g->adds[i].id, path, sizeof path);
        unlink(path);
    }
}

static st_status ing_commit(ing *g, st_error *e) {
    st_status frc = finish_data(g, e);
    if (!frc) frc = finish_rejects(g, e);
    if (frc) {
        drop_adds(g);
        clear_commit(g);
        return frc;
    }
    if (!g->schema || g->schema->nfields == 0) return ST_OK; /* nothing seen at all */
    if (!(g->nadds || g->c_read || g->schema_changed || g->creating)) return ST_OK;
    if (g->c_acc + g->c_rej != g->c_read)
        return st_error_set(e, ST_ERR_INTERNAL, "ingest: accepted %" PRIu64 " + rejected %" PRIu64
                            " != read %" PRIu64, g->c_acc, g->c_rej, g->c_read);
    st_logentry *le = st_logentry_new();
    if (!le) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    le->op = g->creating ? ST_OP_CREATE : ST_OP_APPEND;
    if (g->creating || g->schema_changed) {
        if (!(le->schema = st_tschema_clone(g->schema))) goto oom;
    }
    le->adds = g->adds;
    le->nadds = g->nadds;
    g->adds = NULL;
    g->nadds = g->adds_cap = 0;
    le->has_counts = true;
    le->n_read = g->c_read;
    le->n_accepted = g->c_acc;
    le->n_rejected = g->c_rej;
    for (int c = 0; c < ST_R__COUNT; c++) {
        if (!g->c_reasons[c]) continue;
        st_reason_count *n = realloc(le->reasons, (le->nreasons + 1) * sizeof *n);
        if (!n) goto oom;
        le->reasons = n;
        if (!(n[le->nreasons].code = strdup(st_reason_name((st_reason_code)c)))) goto oom;
        n[le->nreasons++].count = g->c_reasons[c];
    }
    le->sources = g->spans;
    le->nsources = g->nspans;
    g->spans = NULL;
    g->nspans = 0;
    if (g->o->txn_app && !(le->txn_app = strdup(g->o->txn_app))) goto oom;
    le->txn_seq = g->o->txn_seq;
    if (g->stream_key) {
        if (!(le->stream_key = strdup(g->stream_key))) goto oom;
        le->stream_offset = g->stream_offset;
        le->stream_line = g->stream_line;
    }
    bool dup = false;
    st_status rc = st_table_commit(g->t, g->state, le, &dup, e);
    st_logentry_free(le);
    if (rc) {
        clear_commit(g);
        return rc;
    }
    if (dup) {
        g->r->duplicate = true;
    } else {
        if (g->creating) g->r->created = true;
        g->r->commits++;
        if (g->r->first_version < 0) g->r->first_version = g->state->version;
        g->r->last_version = g->state->version;
    }
    /* the next commit builds on this one */
    g->creating = false;
    g->schema_changed = false;
    if (g->state->schema && !st_tschema_equal(g->state->schema, g->schema)) {
        /* a concurrent writer may have changed the schema: adopt it */
        st_tschema *ns = st_tschema_clone(g->state->schema);
        if (!ns) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        st_tschema_free(g->schema);
        g->schema = ns;
    }
    clear_commit(g);
    return ST_OK;
oom:
    st_logentry_free(le);
    return st_error_set(e, ST_ERR_NOMEM, "out of memory");
}

/* ---- format detection ------------------------------------------------------------- */

static st_in_format by_extension(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return ST_IN_AUTO;
    if (!strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") || !strcasecmp(dot, ".txt")) return ST_IN_CSV;
    if (!strcasecmp(dot, ".ndjson") || !strcasecmp(dot, ".jsonl") || !strcasecmp(dot, ".json")) return ST_IN_NDJSON;
    if (!strcasecmp(dot, ".parquet") || !strcasecmp(dot, ".pq")) return ST_IN_PARQUET;
    return ST_IN_AUTO;
}

static const char *format_name(st_in_format f) {
    return f == ST_IN_CSV ? "csv" : f == ST_IN_NDJSON ? "ndjson" : f == ST_IN_PARQUET ? "parquet" : "auto";
}

/* Decide from the first bytes: "PAR1" is Parquet, compressed files are
 * named, '{' means NDJSON, anything else is tried as CSV (whose reader
 * refuses what is not delimited text). */
static st_status sniff(const char *name, const char *p, size_t n, st_in_format *out, st_error *e) {
    if (n >= 4 && !memcmp(p, "PAR1", 4)) {
        *out = ST_IN_PARQUET;
        return ST_OK;
    }
    if (n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b)
        return st_error_set(e, ST_ERR_FORMAT, "%s: a gzip-compressed file; decompress it first (e.g. "
                            "gzip -dc %s | strata ingest TABLE -)", name, name);
    size_t i = 0;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    *out = i < n && p[i] == '{' ? ST_IN_NDJSON : ST_IN_CSV;
    return ST_OK;
}

static st_status format_for(const ing *g, const char *name, const char *p, size_t n, st_in_format *out,
                            st_error *e) {
    st_in_format f = g->o->format != ST_IN_AUTO ? g->o->format : by_extension(name);
    if (f == ST_IN_PARQUET) { /* format/parquet.h checks the magic itself */
        *out = f;
        return ST_OK;
    }
    st_in_format s;
    ST_TRY(sniff(name, p, n, &s, e));
    if (s == ST_IN_PARQUET && f != ST_IN_AUTO && g->o->format != ST_IN_AUTO)
        return st_error_set(e, ST_ERR_FORMAT, "%s: a Parquet file, not %s (drop --as %s, or say --as parquet)", name,
                            format_name(f), format_name(f));
    /* the content wins over a misleading name for Parquet; else the name */
    *out = s == ST_IN_PARQUET ? s : f != ST_IN_AUTO ? f : s;
    return ST_OK;
}

/* ---- reader setup ------------------------------------------------------------------ */

static st_schema *plain_schema(const st_tschema *ts) {
    if (!ts) return NULL;
    st_schema *s = st_schema_new();
    if (!s) return NULL;
    for (uint32_t i = 0; i < ts->nfields; i++)
        if (st_schema_add(s, ts->fields[i].name, ts->fields[i].type, ts->fields[i].id, true, NULL) != ST_OK) {
            st_schema_free(s);
            return NULL;
        }
    return s;
}

static void csv_opts(ing *g, st_csv_options *co, const st_schema *fixed, st_text_unknown unknown) {
    st_csv_options_init(co);
    co->schema = fixed;
    co->unknown = unknown;
    co->threads = g->o->threads;
    co->on_bad = on_bad;
    co->bad_ctx = g;
    co->source = g->source;
}

static void nd_opts(ing *g, st_ndjson_options *no, const st_schema *fixed, st_text_unknown unknown) {
    st_ndjson_options_init(no);
    no->schema = fixed;
    no->unknown = unknown;
    no->threads = g->o->threads;
    no->on_bad = on_bad;
    no->bad_ctx = g;
    no->source = g->source;
}

/* ---- batch ingest -------------------------------------------------------------------- */

/* A Parquet row that cannot be cast to its fields' types. */
static st_status pq_reject(void *ctx, uint64_t line, const char *raw, size_t n, const uint8_t *codes,
                           const char *const *msgs, uint32_t nr, st_error *e) {
    return add_reject(ctx, line, raw, n, n, false, codes, msgs, nr, e);
}

/* Pull every chunk of the open reader through validation (batch ingest). */
static st_status read_chunks(ing *g, st_error *e) {
    st_status rc = ST_OK;
    g->span_first = g->span_last = 0;
    while (!rc) {
        st_text_chunk ch;
        rc = rdr_next(&g->rd, &ch, e);
        if (rc || !ch.batch) break;
        rc = take_chunk(g, &ch, e);
        st_text_stats ts;
        rdr_stats(&g->rd, &ts);
        maybe_progress(g, ts.bytes);
        if (!rc && g->o->stop && *g->o->stop)
            rc = st_error_set(e, ST_ERR_INTERRUPTED, "interrupted: nothing was committed");
    }
    if (!rc) rc = sync_schema(g, e); /* a file without rows still defines the schema */
    return rc;
}

/* A Parquet file: typed rows, cast to the table's types (engine/xcast.h). */
static st_status ingest_one_parquet(ing *g, const char *path, st_error *e) {
    g->source = path;
    g->rd.fmt = ST_IN_PARQUET;
    free(g->reject_all_msg);
    g->reject_all_msg = NULL;
    st_schema *fixed = plain_schema(g->schema);
    if (g->schema && !fixed) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_pqin_options po = {fixed, g->o->evolve ? ST_TEXT_UNKNOWN_EVOLVE : ST_TEXT_UNKNOWN_REJECT, pq_reject, g, 0};
    st_status rc = st_pqin_open(path, &po, &g->rd.pq, e);
    if (rc == ST_ERR_TYPE && fixed && !g->o->evolve && strstr(e->msg, "not in the table's schema")) {
        /* columns the schema lacks: read the rest, quarantine every row */
        g->reject_all_msg = strdup(e->msg);
        po.unknown = ST_TEXT_UNKNOWN_IGNORE;
        rc = g->reject_all_msg ? st_pqin_open(path, &po, &g->rd.pq, e) : st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    if (!rc) rc = read_chunks(g, e);
    if (!rc) {
        uint64_t size = st_pqin_file_size(g->rd.pq);
        g->r->bytes += size;
        g->prog_bytes_done += size;
        rc = add_span(g, path, 0, size, e);
    }
    if (!rc) rc = flush_rejects(g, e);
    rdr_close(&g->rd);
    st_schema_free(fixed);
    return rc;
}

static st_status ingest_one_file(ing *g, const char *path, st_error *e) {
    st_buf *map = NULL;
    st_status rc = st_file_map(path, &map, e);
    if (rc) return rc;
    g->source = path;
    g->raw = st_buf_data(map);
    g->raw_len = st_buf_len(map);
    g->raw_base = 0;
    st_in_format fmt = ST_IN_AUTO;
    rc = format_for(g, path, g->raw, g->raw_len < 65536 ? g->raw_len : 65536, &fmt, e);
    if (!rc && fmt == ST_IN_PARQUET) {
        g->raw = NULL;
        g->raw_len = 0;
        st_buf_unref(map);
        return ingest_one_parquet(g, path, e);
    }
    st_schema *fixed = NULL;
    free(g->reject_all_msg);
    g->reject_all_msg = NULL;
    if (!rc) {
        g->rd.fmt = fmt;
        fixed = plain_schema(g->schema);
        if (g->schema && !fixed) rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    st_text_unknown unk = g->o->evolve ? ST_TEXT_UNKNOWN_EVOLVE : ST_TEXT_UNKNOWN_REJECT;
    if (!rc && fmt == ST_IN_NDJSON) {
        st_ndjson_options no;
        nd_opts(g, &no, fixed, unk);
        rc = st_ndjson_open_file(path, &no, &g->rd.nd, e);
    } else if (!rc) {
        st_csv_options co;
        csv_opts(g, &co, fixed, unk);
        rc = st_csv_open_file(path, &co, &g->rd.csv, e);
        if (rc == ST_ERR_TYPE && fixed && !g->o->evolve) {
            /* columns the schema lacks: read the rest, quarantine every record */
            g->reject_all_msg = strdup(e->msg);
            csv_opts(g, &co, fixed, ST_TEXT_UNKNOWN_IGNORE);
            rc = st_csv_open_file(path, &co, &g->rd.csv, e);
        }
        if (!rc) rdr_dialect(&g->rd);
    }
    if (!rc) rc = read_chunks(g, e);
    if (!rc) {
        st_text_stats ts;
        rdr_stats(&g->rd, &ts);
        g->r->bytes += ts.bytes;
        g->prog_bytes_done += g->raw_len;
        rc = add_span(g, path, 0, ts.bytes, e);
    }
    if (!rc) rc = flush_rejects(g, e);
    rdr_close(&g->rd);
    st_schema_free(fixed);
    g->raw = NULL;
    g->raw_len = 0;
    st_buf_unref(map);
    return rc;
}

/* Before anything is written: every Parquet input must open (footer,
 * schema, chunk ranges, codecs), so that a file format/parquet.h refuses
 * fails the batch up front, whatever its place among the inputs. */
static st_status precheck(ing *g, const char *path, st_error *e) {
    st_in_format f = g->o->format != ST_IN_AUTO ? g->o->format : by_extension(path);
    if (f == ST_IN_AUTO) {
        char head[4] = {0};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return ST_OK; /* reported with its context when read */
        ssize_t n = read(fd, head, sizeof head);
        close(fd);
        if (n == 4 && !memcmp(head, "PAR1", 4)) f = ST_IN_PARQUET;
    }
    if (f != ST_IN_PARQUET) return ST_OK;
    st_pq_reader *r = NULL;
    st_status rc = st_pq_open(path, &r, e);
    st_pq_close(r);
    if (rc && !strncmp(e->msg, path, strlen(path))) st_error_prefix(e, "Parquet file ");
    return rc;
}

st_status st_ingest_files(st_table *t, const char *const *paths, uint32_t npaths, const st_ingest_opts *o,
                          st_ingest_result *r, st_error *e) {
    ing g;
    st_status rc = ing_init(&g, t, o, r, e);
    if (!rc && o->txn_app) {
        uint64_t seq;
        if (st_logstate_txn(g.state, o->txn_app, &seq) && seq >= o->txn_seq) {
            r->duplicate = true;
            ing_free(&g);
            return ST_OK;
        }
    }
    for (uint32_t i = 0; !rc && i < npaths; i++) {
        uint64_t sz;
        if (st_file_size(paths[i], &sz, NULL) == ST_OK) g.prog_total += sz;
    }
    for (uint32_t i = 0; !rc && i < npaths; i++) rc = precheck(&g, paths[i], e);
    if (!rc && g.creating) rc = st_table_prepare(t, e);
    for (uint32_t i = 0; !rc && i < npaths; i++) rc = ingest_one_file(&g, paths[i], e);
    if (!rc && !g.schema)
        rc = st_error_set(e, ST_ERR_FORMAT, "%s: no columns and no rows: nothing to create %s from",
                          npaths == 1 ? paths[0] : "the inputs", st_table_name(t));
    if (!rc) rc = ing_commit(&g, e);
    ing_free(&g);
    return rc;
}

/* ---- streams --------------------------------------------------------------------------- */

typedef struct stream {
    int fd;
    bool follow;
    const char *path;
    char *buf;           /* bytes fed since the last commit point (for raw text) */
    size_t len, cap;
    uint64_t base;       /* absolute offset of buf[0] */
    uint64_t fed;        /* absolute offset after the last byte fed */
    uint64_t batch_start;/* absolute offset where the current micro-batch starts */
} stream;

static st_status stream_keep(stream *s, const char *p, size_t n, st_error *e) {
    if (s->len + n > s->cap) {
        size_t nc = s->cap ? s->cap : 1 << 16;
        while (nc < s->len + n) nc *= 2;
        char *b = realloc(s->buf, nc);
        if (!b) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        s->buf = b;
        s->cap = nc;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return ST_OK;
}

static st_status stream_commit_at(ing *g, stream *s, uint64_t consumed, uint64_t lines, st_error *e);

/* Move the oldest held bad record into the micro-batch. */
static st_status take_pending(ing *g, st_error *e) {
    pend_rej *pr = &g->pend[g->pend_head++];
    st_status rc = add_reject(g, pr->line, pr->raw, pr->raw_len, pr->record_len, pr->truncated, pr->codes,
                              (const char *const *)pr->msgs, pr->n, e);
    free(pr->raw);
    for (uint32_t k = 0; k < pr->n; k++) free(pr->msgs[k]);
    if (g->pend_head == g->npend) g->pend_head = g->npend = 0;
    return rc;
}

/* Held bad records located before byte `limit`, in order, committing at
 * each micro-batch boundary. */
static st_status take_pending_before(ing *g, stream *s, uint64_t limit, uint64_t batch_rows, st_error *e) {
    while (g->pend_head < g->npend && g->pend[g->pend_head].off < limit) {
        if (g->pend[g->pend_head].off < g->skip_below) { /* part of the resume prefix */
            pend_rej *pr = &g->pend[g->pend_head++];
            free(pr->raw);
            for (uint32_t k = 0; k < pr->n; k++) free(pr->msgs[k]);
            if (g->pend_head == g->npend) g->pend_head = g->npend = 0;
            continue;
        }
        if (g->c_read >= batch_rows) {
            const pend_rej *pr = &g->pend[g->pend_head];
            ST_TRY(stream_commit_at(g, s, pr->off, pr->line - 1, e));
        }
        ST_TRY(take_pending(g, e));
    }
    return ST_OK;
}

/* Take every chunk that is ready (partial: also incomplete ones).  A
 * micro-batch holds exactly batch_rows records, rows and quarantined ones
 * merged in input order: a chunk that crosses a boundary (or a held bad
 * record) is split, and the batch is committed with the first record after
 * it as the stream mark, so every record before the mark is in the commit
 * and none after it. */
static st_status drain(ing *g, stream *s, bool partial, st_error *e) {
    uint64_t batch_rows = g->o->batch_rows ? g->o->batch_rows : 100000;
    for (;;) {
        st_text_chunk ch;
        if (!rdr_pushing(&g->rd)) return ST_OK;
        ST_TRY(rdr_take(&g->rd, partial, &ch, e));
        if (!ch.batch) return ST_OK;
        if (!g->rd.delim) rdr_dialect(&g->rd);
        uint32_t n = st_batch_live(ch.batch), done = 0;
        const uint32_t *sel = ch.batch->sel;
        if (n == 0) {
            ST_TRY(take_chunk(g, &ch, e)); /* schema news only */
            continue;
        }
        while (done < n) {
            uint32_t row = sel ? sel[done] : done;
            uint64_t row_off = (uint64_t)((int64_t)ch.offset[row] + g->off_adj);
            if (row_off < g->skip_below) { /* the resume prefix: context, not a record */
                done++;
                continue;
            }
            ST_TRY(take_pending_before(g, s, row_off, batch_rows, e));
            g->skip_below = 0; /* past the resume prefix for good */
            if (g->c_read >= batch_rows) {
                uint64_t line = (uint64_t)((int64_t)ch.line[row] - 1 + g->line_adj);
                ST_TRY(stream_commit_at(g, s, row_off, line, e));
            }
            g->raw = s->buf;
            g->raw_len = s->len;
            g->raw_base = s->base;
            /* rows up to the batch boundary and before the next held bad record */
            uint64_t room = batch_rows - g->c_read;
            uint64_t next_bad = g->pend_head < g->npend ? g->pend[g->pend_head].off : UINT64_MAX;
            uint32_t take = 0;
            while (done + take < n && take < room) {
                uint32_t r = sel ? sel[done + take] : done + take;
                if ((uint64_t)((int64_t)ch.offset[r] + g->off_adj) > next_bad) break;
                take++;
            }
            if (done == 0 && take == n && !g->skip_below) { /* the whole chunk */
                ST_TRY(take_chunk(g, &ch, e));
                break;
            }
            if (take > g->piece_cap) {
                uint32_t *np = realloc(g->piece, take * sizeof *np);
                if (!np) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
                g->piece = np;
                g->piece_cap = take;
            }
            for (uint32_t k = 0; k < take; k++) g->piece[k] = sel ? sel[done + k] : done + k;
            st_batch part = *ch.batch;
            part.sel = g->piece;
            part.sel_len = take;
            part.sel_cap = g->piece_cap;
            st_text_chunk pc = ch;
            pc.batch = &part;
            ST_TRY(take_chunk(g, &pc, e));
            done += take;
        }
    }
}

/* Commit the micro-batch held, ending at byte `consumed` (absolute) after
 * `lines` lines. */
static st_status stream_commit_at(ing *g, stream *s, uint64_t consumed, uint64_t lines, st_error *e) {
    if (g->c_read == 0) return ST_OK; /* never an empty commit, never an empty new table */
    if (g->stream_key) {
        g->stream_offset = consumed;
        g->stream_line = lines;
    }
    ST_TRY(add_span(g, s->follow ? s->path : "-", s->batch_start, consumed, e));
    ST_TRY(ing_commit(g, e));
    s->batch_start = consumed;
    if (consumed > s->base) { /* drop the committed bytes */
        size_t drop = (size_t)(consumed - s->base);
        if (drop > s->len) drop = s->len;
        memmove(s->buf, s->buf + drop, s->len - drop);
        s->len -= drop;
        s->base += drop;
        g->raw = s->buf;
        g->raw_len = s->len;
        g->raw_base = s->base;
    }
    return ST_OK;
}

/* Commit everything parsed so far.  The stream mark is the first byte (and
 * line) the parser has not yet turned into a record. */
static st_status stream_commit(ing *g, stream *s, st_error *e) {
    ST_TRY(drain(g, s, true, e));
    st_text_stats ts;
    rdr_stats(&g->rd, &ts);
    uint64_t mark = (uint64_t)((int64_t)ts.bytes + g->off_adj);
    uint64_t batch_rows = g->o->batch_rows ? g->o->batch_rows : 100000;
    ST_TRY(take_pending_before(g, s, mark, batch_rows, e));
    return stream_commit_at(g, s, mark, (uint64_t)((int64_t)ts.lines + g->line_adj), e);
}

static st_status open_push(ing *g, st_in_format fmt, st_error *e) {
    if (fmt == ST_IN_PARQUET)
        return st_error_set(e, ST_ERR_FORMAT, "%s: Parquet cannot be read as a stream (its schema and row index "
                            "are at the end of the file); ingest the file by name",
                            strcmp(g->source, "-") ? g->source : "stdin");
    st_schema *fixed = plain_schema(g->schema);
    if (g->schema && !fixed) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    g->rd.fmt = fmt;
    st_text_unknown unk = g->o->evolve ? ST_TEXT_UNKNOWN_EVOLVE : ST_TEXT_UNKNOWN_REJECT;
    uint64_t br = g->o->batch_rows ? g->o->batch_rows : 100000;
    st_status rc;
    if (fmt == ST_IN_NDJSON) {
        st_ndjson_options no;
        nd_opts(g, &no, fixed, unk);
        no.batch_rows = br < 4096 ? (uint32_t)br : 4096;
        rc = st_ndjson_push_new(&no, &g->rd.ndp, e);
    } else {
        st_csv_options co;
        csv_opts(g, &co, fixed, unk);
        co.batch_rows = br < 4096 ? (uint32_t)br : 4096;
        rc = st_csv_push_new(&co, &g->rd.csvp, e);
    }
    st_schema_free(fixed);
    return rc;
}

static st_status push_feed(ing *g, const char *p, size_t n, st_error *e) { return rdr_feed(&g->rd, p, n, e); }

/* The stream's format: --as, the followed file's name, or its first bytes
 * (decided once some non-blank byte has arrived, or at the end). */
static st_status start_push(ing *g, stream *s, bool at_end, bool *started, st_error *e) {
    *started = false;
    st_in_format fmt = g->o->format;
    if (fmt == ST_IN_AUTO && s->follow) fmt = by_extension(s->path);
    if (fmt == ST_IN_AUTO) {
        size_t i = 0;
        while (i < s->len && (s->buf[i] == ' ' || s->buf[i] == '\t' || s->buf[i] == '\r' || s->buf[i] == '\n')) i++;
        if (i == s->len && !at_end) return ST_OK; /* wait for more */
    }
    st_in_format sniffed;
    ST_TRY(sniff(s->follow ? s->path : "stdin", s->buf, s->len < 65536 ? s->len : 65536, &sniffed, e));
    if (fmt == ST_IN_AUTO) fmt = sniffed;
    ST_TRY(open_push(g, fmt, e));
    *started = true;
    return s->len ? push_feed(g, s->buf, s->len, e) : ST_OK;
}

static st_status run_stream(ing *g, stream *s, st_error *e) {
    uint64_t batch_rows = g->o->batch_rows ? g->o->batch_rows : 100000;
    int64_t batch_ms = g->o->batch_ms ? (int64_t)g->o->batch_ms : 1000;
    char *buf = malloc(1 << 20);
    if (!buf) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    int64_t deadline = mono_ms() + batch_ms;
    bool eof = false, started = rdr_pushing(&g->rd);
    while (!rc) {
        if (g->o->stop && *g->o->stop) break;
        int64_t wait = deadline - mono_ms();
        if (wait < 0) wait = 0;
        ssize_t n = 0;
        if (!s->follow) {
            struct pollfd pfd = {s->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, (int)(wait > 200 ? 200 : wait));
            if (pr > 0) {
                n = read(s->fd, buf, 1 << 20);
                if (n == 0) eof = true;
                if (n < 0 && errno != EINTR && errno != EAGAIN) rc = st_error_errno(e, errno, "stdin: read failed");
            } else if (pr < 0 && errno != EINTR) {
                rc = st_error_errno(e, errno, "stdin: poll failed");
            }
        } else {
            n = read(s->fd, buf, 1 << 20);
            if (n < 0 && errno != EINTR) rc = st_error_errno(e, errno, "%s: read failed", s->path);
            if (n == 0) {
                struct stat st;
                if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size < s->fed)
                    rc = st_error_set(e, ST_ERR_INVALID, "%s: the file shrank to %lld bytes, below the %" PRIu64
                                      " already read (truncated or replaced?): not following a rewritten file",
                                      s->path, (long long)st.st_size, s->fed);
                else
                    usleep((useconds_t)((wait > 100 ? 100 : wait) * 1000));
            }
        }
        if (rc) break;
        if (n > 0) {
            if ((rc = stream_keep(s, buf, (size_t)n, e))) break;
            s->fed += (uint64_t)n;
            if (rdr_pushing(&g->rd)) rc = push_feed(g, buf, (size_t)n, e);
            else rc = start_push(g, s, false, &started, e);
            if (rc || (rc = drain(g, s, false, e))) break;
        }
        if (eof) break;
        int64_t now = mono_ms();
        if (rdr_pushing(&g->rd) && (g->c_read >= batch_rows || now >= deadline)) {
            if (now >= deadline) rc = rdr_flush(&g->rd, e);
            if (!rc) rc = stream_commit(g, s, e);
            deadline = mono_ms() + batch_ms;
            maybe_progress(g, s->fed);
        }
    }
    if (!rc && !rdr_pushing(&g->rd)) rc = start_push(g, s, true, &started, e);
    if (!rc && started) rc = eof ? rdr_finish(&g->rd, e) : rdr_flush(&g->rd, e);
    if (!rc && started) rc = stream_commit(g, s, e);
    free(buf);
    return rc;
}

st_status st_ingest_stdin(st_table *t, int fd, const st_ingest_opts *o, st_ingest_result *r, st_error *e) {
    ing g;
    stream s;
    memset(&s, 0, sizeof s);
    s.fd = fd;
    st_status rc = ing_init(&g, t, o, r, e);
    g.source = "-";
    g.streaming = true;
    if (!rc && o->format == ST_IN_PARQUET) rc = open_push(&g, ST_IN_PARQUET, e);
    if (!rc && g.creating) rc = st_table_prepare(t, e);
    if (!rc) rc = run_stream(&g, &s, e);
    free(s.buf);
    ing_free(&g);
    return rc;
}

/* A CSV file resumed in the middle: its header line is fed first (when the
 * file has one), so the parser maps the columns as it did before. */
static st_status csv_resume_prefix(ing *g, int fd, uint64_t *prefix_len, st_error *e) {
    *prefix_len = 0;
    char head[65536];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0) return st_error_errno(e, errno, "%s: read failed", g->source);
    /* does a parser with the same options see a header? */
    st_csv_options co;
    st_schema *fixed = plain_schema(g->schema);
    csv_opts(g, &co, fixed, ST_TEXT_UNKNOWN_IGNORE);
    co.on_bad = NULL;
    st_csv_push *probe = NULL;
    st_error pe;
    bool header = false;
    if (st_csv_push_new(&co, &probe, &pe) == ST_OK && st_csv_push_feed(probe, head, (size_t)n, &pe) == ST_OK &&
        st_csv_push_flush(probe, &pe) == ST_OK && st_csv_push_dialect(probe))
        header = st_csv_push_dialect(probe)->header;
    st_csv_push_free(probe);
    st_schema_free(fixed);
    if (!header) return ST_OK;
    const char *nl = memchr(head, '\n', (size_t)n);
    if (!nl) return st_error_set(e, ST_ERR_INVALID, "%s: cannot find the end of the header line", g->source);
    *prefix_len = (uint64_t)(nl - head) + 1;
    return push_feed(g, head, (size_t)*prefix_len, e);
}

/* An NDJSON file resumed in the middle: the reader wants a stream to start
 * with a JSON object, but the resume point may be a malformed record.  The
 * file's first line (which passed that check when the stream began) is fed
 * first as context; the row it yields is dropped (skip_below). */
static st_status ndjson_resume_prefix(ing *g, int fd, uint64_t off, uint64_t *prefix_len, st_error *e) {
    *prefix_len = 0;
    size_t cap = 1 << 16;
    char *head = NULL;
    ssize_t n = 0;
    const char *nl = NULL;
    while (!nl && cap <= ST_TEXT_MAX_RECORD_DEFAULT * 2u) {
        char *h = realloc(head, cap);
        if (!h) {
            free(head);
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        }
        head = h;
        n = pread(fd, head, cap, 0);
        if (n < 0) {
            free(head);
            return st_error_errno(e, errno, "%s: read failed", g->source);
        }
        nl = memchr(head, '\n', (size_t)n);
        if (!nl && (size_t)n < cap) break;
        cap *= 2;
    }
    st_status rc = ST_OK;
    if (nl && (uint64_t)(nl - head) + 1 <= off) {
        *prefix_len = (uint64_t)(nl - head) + 1;
        rc = push_feed(g, head, (size_t)*prefix_len, e);
        g->skip_below = off;
    }
    free(head);
    return rc;
}

st_status st_ingest_follow(st_table *t, const char *path, const st_ingest_opts *o, st_ingest_result *r,
                           st_error *e) {
    ing g;
    stream s;
    memset(&s, 0, sizeof s);
    s.follow = true;
    s.path = path;
    s.fd = -1;
    st_status rc = ing_init(&g, t, o, r, e);
    g.source = path;
    if (!rc && (o->format == ST_IN_PARQUET || (o->format == ST_IN_AUTO && by_extension(path) == ST_IN_PARQUET)))
        rc = open_push(&g, ST_IN_PARQUET, e);
    char *real = rc ? NULL : realpath(path, NULL);
    if (!rc && !real) rc = st_error_errno(e, errno, "%s: cannot follow", path);
    g.source = path;
    g.stream_key = real;
    g.streaming = true;
    uint64_t off = 0, line = 0;
    if (!rc) {
        st_logstate_stream(g.state, real, &off, &line);
        s.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s.fd < 0) rc = st_error_errno(e, errno, "%s: cannot open", path);
    }
    if (!rc && g.creating) rc = st_table_prepare(t, e);
    if (!rc) {
        st_in_format fmt = o->format != ST_IN_AUTO ? o->format : by_extension(path);
        if (fmt == ST_IN_AUTO) {
            char head[4096];
            ssize_t hn = pread(s.fd, head, sizeof head, 0);
            if (hn > 0) rc = sniff(path, head, (size_t)hn, &fmt, e);
            else fmt = ST_IN_NDJSON; /* nothing yet: decided below when data comes */
        }
        if (!rc) rc = open_push(&g, fmt, e);
    }
    if (!rc && off) {
        uint64_t prefix = 0;
        if (g.rd.fmt == ST_IN_CSV) rc = csv_resume_prefix(&g, s.fd, &prefix, e);
        else rc = ndjson_resume_prefix(&g, s.fd, off, &prefix, e);
        g.off_adj = (int64_t)off - (int64_t)prefix;
        g.line_adj = (int64_t)line - (prefix ? 1 : 0);
        if (!rc && lseek(s.fd, (off_t)off, SEEK_SET) != (off_t)off)
            rc = st_error_errno(e, errno, "%s: cannot seek to byte %" PRIu64, path, off);
    }
    s.base = s.fed = s.batch_start = off;
    g.stream_offset = off;
    g.stream_line = line;
    if (!rc) rc = run_stream(&g, &s, e);
    if (s.fd >= 0) close(s.fd);
    free(s.buf);
    ing_free(&g);
    return rc;
}
