/*
 * ndjson_int.h: internals shared by the NDJSON reader's files (private to
 * format/).
 *
 *  nj_dict     dotted key path -> column index: open addressing over
 *              ASCII-case-folded names (schema names are case-insensitive),
 *              entries in order of insertion, optional inference stats per
 *              entry.  Insertions can be rolled back (a bad record must not
 *              leave its keys behind).
 *  nj_consume  parses the complete lines of a byte range, either into
 *              batches (a conf with a fixed dictionary and types) or into
 *              inference stats (a local dictionary that grows).
 *
 * The JSON parser is strict RFC 8259, recursive over objects with a depth
 * bound, and hands each leaf (string, number, literal, array as raw text) to
 * the consumer with its dotted path.  Key order tends to repeat from one
 * record to the next, so each leaf first tries the column the same leaf
 * position had in the previous record (one memcmp) before hashing.
 */
#ifndef ST_NDJSON_INT_H
#define ST_NDJSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/ndjson.h"
#include "format/text_int.h"

typedef struct nj_dict {
    char **names;
    uint32_t *lens;
    uint64_t *hashes;
    tx_stat *stats; /* NULL unless with_stats */
    bool with_stats;
    uint32_t n, cap;
    uint32_t *slots; /* index + 1; 0 = empty */
    uint32_t nslots; /* power of two */
    bool failed;     /* allocation failure */
} nj_dict;

void nj_dict_init(nj_dict *d, bool with_stats);
void nj_dict_free(nj_dict *d);
uint64_t nj_hash(const char *p, size_t n);
int32_t nj_dict_find(const nj_dict *d, const char *p, size_t n, uint64_t h);
/* Appends a new entry (the caller checked it is absent); -1 on allocation
 * failure. */
int32_t nj_dict_add(nj_dict *d, const char *p, size_t n, uint64_t h);
/* Remove entries added after the dictionary had `n` entries. */
void nj_dict_truncate(nj_dict *d, uint32_t n);

typedef struct nj_conf {
    nj_dict dict;      /* output columns by name */
    uint32_t nout;
    st_type *types;
    bool *notnull;     /* nout, or NULL: columns that refuse NULL (and absence) */
    uint32_t max_depth;
    size_t max_record;
    st_text_unknown unknown;
    bool evolve_stop;  /* push + EVOLVE: stop at a record with unknown keys */
    st_buf *pin;       /* zero-copy source, or NULL (copy strings) */
} nj_conf;

typedef struct nj_leaf {
    int32_t col;
    uint8_t kind;
    bool esc;
    const char *raw;
    size_t len;
} nj_leaf;

typedef struct nj_state {
    tx_rows rows;
    tx_badlist bad;
    uint64_t line; /* 0-based, relative */
    uint64_t records, nrows, nbad;
    bool copy_raw;
    /* inference: a local dictionary with stats (else NULL) */
    nj_dict *infer;
    uint64_t limit;
    bool stopped_unknown; /* evolve_stop fired: the caller must extend the schema */
    /* scratch */
    char *path;
    size_t path_cap;
    char *scratch;
    size_t scratch_cap;
    uint32_t *seen;
    uint32_t seen_cap;
    uint32_t gen;
    int32_t *pred;
    uint32_t pred_cap;
    nj_leaf *leaves;
    uint32_t nleaves, leaves_cap;
    /* the keys of the previous record, by position (short keys only) */
    struct nj_kpred {
        uint8_t len; /* 0 = none */
        char key[31];
    } *kpred;
    uint32_t kpred_cap;
    /* object paths of the current record (duplicate detection): offsets
     * into objbuf, which holds the paths back to back */
    char *objbuf;
    size_t objbuf_len, objbuf_cap;
    uint32_t *objoff;
    uint32_t nobj, objoff_cap;
    /* keys of the objects being skipped inside arrays (duplicate check) */
    struct nj_skey {
        const char *p;
        uint32_t len;
        bool esc;
    } *skeys;
    uint32_t nskeys, skeys_cap;
} nj_state;

void nj_state_free(nj_state *st, tx_pool *pool);

/* Consume the complete lines of buf[0..n) (all of it when eof; a record is
 * always one line).  buf is at absolute offset abs.  Stops early when
 * st->limit records were read or (evolve_stop) at a record with unknown
 * keys; *consumed is where it stopped. */
st_status nj_consume(const nj_conf *cf, nj_state *st, tx_pool *pool, const char *buf, size_t n,
                     uint64_t abs, bool eof, size_t *consumed, st_error *e);

/* Tests only: chunk size of the whole-input reader (0 = automatic). */
extern size_t nj_test_chunk_bytes;

/* Is p[0..n) (one line) a valid JSON object?  For recognition. */
bool nj_is_object_line(const char *p, size_t n, uint32_t max_depth);

/* Build a conf for schema s (names -> columns, types). */
st_status nj_conf_init(nj_conf *cf, const st_schema *s, const st_ndjson_options *o, st_buf *pin,
                       st_error *e);
void nj_conf_free(nj_conf *cf);

/* Schema from inference (d with stats, in first-appearance order), merged
 * with a fixed schema when given (unknown policy applies to the rest). */
st_status nj_schema_from(const nj_dict *d, const st_ndjson_options *o, st_schema **out,
                         st_error *e);

#endif /* ST_NDJSON_INT_H */
