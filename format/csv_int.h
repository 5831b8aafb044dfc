/*
 * csv_int.h: internals shared by the CSV reader's files (private to format/).
 *
 * The reader works in two stages over a contiguous byte range:
 *
 *  1. cx_scan: the structural scan.  It finds, outside quoted fields, every
 *     delimiter, LF and CR, and writes their offsets (relative to the scan's
 *     base) into a cx_index.  A record is the run of offsets up to a line
 *     end; a CRLF gives two offsets (the LF one is an "empty record" the
 *     consumer folds into the CR).  A record the consumer cannot split by
 *     offsets (an unterminated quote, an oversize record, a comment line)
 *     gets exactly one offset, its end, plus an entry in the anomaly list.
 *     At the end of the input a last record without a line end gets the
 *     virtual offset `avail`.
 *
 *     The grammar is defined by the scalar state machine (cx_scan_scalar).
 *     The AVX2 scanner computes the same offsets with 64-byte masks, quote
 *     parity by prefix-xor, and hands every record where its naive reading
 *     could differ from the state machine (a quote that is not at a field
 *     start or not followed by a delimiter/line end/quote, a comment char at
 *     a record start, an oversize record, the tail of the input) to the
 *     scalar code: the index is identical by construction, and tests check it
 *     on every test file and on random input.
 *
 *  2. The consumer (csv_read.c) walks the index record by record, decodes
 *     quoted fields, checks counts, UTF-8, NULs and types, and fills batches.
 */
#ifndef ST_CSV_INT_H
#define ST_CSV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/csv.h"
#include "format/status.h"
#include "format/text_int.h"

typedef struct cx_dialect {
    char delim, quote, escape, comment;
    bool has_quote;    /* quote != ST_CSV_NO_QUOTE */
    bool esc_is_quote; /* quotes are escaped by doubling */
    size_t max_record;
} cx_dialect;

enum {
    CX_ANOM_UNTERMINATED = 1, /* quoted field open at the end / at max_record */
    CX_ANOM_OVERSIZE = 2,     /* longer than max_record */
    CX_ANOM_COMMENT = 4       /* comment line: not a record */
};

typedef struct cx_anom {
    size_t start; /* record start (relative to the scan base) */
    size_t end;   /* offset of its line end, or avail */
    uint32_t flags;
} cx_anom;

typedef struct cx_index {
    size_t *pos;
    size_t n, cap;
    cx_anom *anom;
    size_t na, acap;
    bool failed; /* allocation failure */
} cx_index;

void cx_index_reset(cx_index *ix);
void cx_index_free(cx_index *ix);

/* Scan whole records of buf[from..avail) (from is a record start).  Stops at
 * the first record boundary at or after `want` (or earlier when the input
 * ends), returning that boundary; a record cut by `avail` when !eof is left
 * out (the return value is its start).  Offsets are relative to buf. */
size_t cx_scan(const cx_dialect *d, const char *buf, size_t from, size_t avail, size_t want,
               bool eof, cx_index *ix);
size_t cx_scan_scalar(const cx_dialect *d, const char *buf, size_t from, size_t avail,
                      size_t want, bool eof, cx_index *ix);
size_t cx_scan_avx2(const cx_dialect *d, const char *buf, size_t from, size_t avail,
                    size_t want, bool eof, cx_index *ix);

/* Resumable search for the end of one record (push parsing: a long pending
 * record is examined once, not at every feed).  Start with valid = false. */
typedef struct cx_resume {
    bool valid;
    int st;
    size_t pos;
} cx_resume;
/* Advance over buf[rs->pos..avail) for the record starting at s; true when
 * it ends there (a line end outside quotes). */
bool cx_record_ends(const cx_dialect *d, const char *buf, size_t s, size_t avail, cx_resume *rs);

/* The line end (LF or CR) at or after i, or n when there is none. */
size_t cx_find_eol(const char *buf, size_t i, size_t n);
/* Line ends in p[0..n) (CRLF counts once). */
uint64_t cx_count_eols(const char *p, size_t n);

/* ---- the consumer ------------------------------------------------------- */

/* What a reader decided: dialect, columns and how they map to the output. */
typedef struct cx_conf {
    cx_dialect d;
    const char *null_str;
    size_t null_len;
    bool quoted_null;
    bool pad_short;
    uint32_t nfile;     /* fields a record must have */
    int32_t *map;       /* nfile: output column, or -1 = dropped */
    char **names;       /* nfile: the file's column names (messages) */
    uint32_t nout;      /* output columns */
    st_type *types;     /* nout */
    bool *notnull;      /* nout, or NULL: output columns that refuse NULL */
    uint32_t *absent;   /* output columns the file does not feed (NULL) */
    uint32_t nabsent;
    st_buf *pin;        /* strings may point into the input (pinned), else copied */
} cx_conf;

/* Per chunk (or per stream) parsing state and results. */
typedef struct cx_state {
    tx_rows rows;
    tx_badlist bad;
    uint64_t line;      /* 0-based line of the next record, relative to the chunk */
    uint64_t records, nrows, nbad;
    bool prev_cr;       /* the previous record ended with CR */
    bool copy_raw;      /* bad records' raw bytes must be copied */
    /* inference */
    tx_stat *stats;     /* nfile, or NULL when parsing */
    uint64_t limit;     /* stop after this many records (0 = no limit) */
    /* scratch for decoding quoted non-string fields */
    char *scratch;
    size_t scratch_cap;
} cx_state;

void cx_state_free(cx_state *st, tx_pool *pool);

/* Consume the records of ix, scanned over buf[0..stop) of an input whose
 * remaining length from buf is avail; buf is at absolute offset abs.  With
 * st->stats set, records feed inference; otherwise rows go to st->rows (and
 * bad records to st->bad).  Returns where consumption stopped (== stop unless
 * st->limit was reached).  ST_ERR_NOMEM on allocation failure. */
st_status cx_consume(const cx_conf *cf, cx_state *st, tx_pool *pool, const char *buf, size_t avail,
                     uint64_t abs, const cx_index *ix, size_t stop, size_t *consumed,
                     st_error *e);

/* Decode a quoted field f[0..n) (f[0] is the quote) into out (capacity n);
 * returns the content length.  *trailing is set when bytes follow the
 * closing quote (they are appended, as read). */
size_t cx_unquote(const cx_dialect *d, const char *f, size_t n, char *out, bool *trailing);

/* Tests only: chunk size of the whole-input reader (0 = automatic), so that
 * small test inputs exercise chunk boundaries and re-parsing. */
extern size_t cx_test_chunk_bytes;

/* ---- setup (csv_setup.c) ------------------------------------------------- */

/* A record decoded into NUL-terminated strings (header, sniffing). */
typedef struct cs_record {
    bool found;
    size_t s, t, end; /* bytes [s, t); end = where the next record starts */
    uint64_t line;    /* 0-based line of the record, relative to the scan */
    uint32_t anom;
    uint32_t nf;
    char **fields;
    size_t *flen;
} cs_record;

st_status cs_check_options(const st_csv_options *o, const char *src, st_error *e);
/* Skip k lines from pos (CRLF is one); counts them into *lines. */
size_t cs_skip_lines(const char *p, size_t n, size_t pos, uint64_t k, uint64_t *lines);
/* ST_ERR_FORMAT when the first 64 KiB of p are binary or not UTF-8. */
st_status cs_recognize(const char *p, size_t n, const char *src, st_error *e);
void cs_dialect(cx_dialect *d, char delim, char quote, const st_csv_options *o);
/* Pick delimiter and quote (those the options fix are kept) on a sample;
 * *ncols is the most common field count. */
st_status cs_sniff(const st_csv_options *o, const char *p, size_t n, bool eof, const char *src,
                   char *delim, char *quote, uint32_t *ncols, st_error *e);
/* The first record (after blank and comment lines) of p[0..n). */
st_status cs_first_record(const cx_dialect *d, const char *p, size_t n, bool eof, cs_record *out,
                          const char *src, st_error *e);
void cs_record_free(cs_record *r);
/* Is the first record a header, given the stats of the records after it? */
bool cs_header_guess(const cs_record *first, const tx_stat *rest, uint32_t nfile, bool have_rest);
/* Do at least half of the first record's values name fields of s? */
bool cs_header_names_match(const cs_record *first, const st_schema *s);
st_status cs_check_header(const cs_record *h, const char *src, st_error *e);
/* Column names: the header's (empty -> columnN, duplicates -> name_1) or
 * column0.. when hdr is NULL.  NULL on allocation failure. */
char **cs_names(const cs_record *hdr, uint32_t nfile);
void cs_names_free(char **names, uint32_t n);
/* Fill cf->map/types/absent/nout from the options (fixed schema, unknown
 * policy) and the inferred stats (nfile entries, may be NULL); cf->names and
 * cf->nfile must be set. */
st_status cs_build_output(cx_conf *cf, const st_csv_options *o, const tx_stat *stats, bool header,
                          st_schema **schema_out, const char *src, st_error *e);
void cs_conf_free(cx_conf *cf);

/* What cs_decide found on the first bytes of an input. */
typedef struct cs_decision {
    cx_dialect d;
    char delim, quote;
    uint32_t nfile;
    bool header;
    size_t data_off;    /* where the data starts, relative to p */
    uint64_t data_line; /* lines before it */
    char **names;       /* nfile names (owned) */
} cs_decision;

/* Recognize, sniff, read the header and name the columns on p[0..n) (eof:
 * p + n ends the input).  p is past the BOM and the skipped lines. */
st_status cs_decide(const st_csv_options *o, const char *p, size_t n, bool eof, const char *src,
                    cs_decision *out, st_error *e);

#endif /* ST_CSV_INT_H */
