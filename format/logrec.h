/*
 * logrec.h: the commit-log records of a table, in memory and on disk.
 *
 * A table's history is a sequence of log entries, one file per version
 * (`_log/<20-digit version>.json`), plus checkpoints that summarise the
 * state at a version (`_log/<20-digit version>.checkpoint.json`).  This
 * module only encodes and decodes those files; the protocol that writes and
 * replays them (put-if-absent publish, retries, time travel) is
 * engine/table.h.  spec/LOG.md documents every field.
 *
 * File layout (both kinds): two lines of JSON.
 *
 *     {"strata_log":1,"version":12,...}\n          <- the body (line 1)
 *     {"xxh3":"0123456789abcdef"}\n                <- the seal (line 2)
 *
 * The seal is XXH3-64 (hex, lower case) of every byte of line 1 including its
 * newline.  A file without a seal, with a seal that does not match, or with
 * bytes after it is torn or corrupt and is refused with a message naming the
 * file.  The body carries its own version, which must equal the one in the
 * file name, so a misplaced or copied entry is caught as well.
 *
 * Decoders treat their input as hostile: every field is type-checked, every
 * count is bounded by the input itself, strings are capped, and unknown keys
 * are refused (a newer writer's entry is an error, not silently half-read:
 * the "strata_log" format number says which reader may read it).
 *
 * Ownership: everything a decoder returns is heap-allocated and freed with
 * the matching *_free (NULL accepted).  Encoders append to an st_sbuf.
 */
#ifndef ST_LOGREC_H
#define ST_LOGREC_H

#include <stdbool.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/status.h"
#include "format/types.h"
#include "format/zonemap.h"

/* Format 2 adds deletion vectors, upstream lineage, consumed-input marks,
 * the transform operation and dedup counts (the Silver issue), and
 * partitioning, clustering and the overwrite operation (Gold tables).  A
 * writer writes the lowest format that can express an entry (or
 * checkpoint), so a table that uses none of them stays readable by format-1
 * readers, and an older reader refuses a table that uses them as
 * unsupported instead of misreading it; a reader reads both, and refuses
 * format-2 fields in a format-1 file. */
#define ST_LOG_FORMAT 2
#define ST_LOG_FORMAT_MIN 1
#define ST_SEG_ID_LEN 32             /* hex digits of a segment id */
#define ST_LOG_ENTRY_MAX (64u << 20) /* bytes of one entry file */
#define ST_LOG_CHECKPOINT_MAX (1024u << 20)
#define ST_LOG_NAME_MAX 1024         /* source names, app ids, field names */
#define ST_LOG_RULE_TEXT_MAX 4096    /* a regex or an allowed value */

/* ---- schema with validation rules --------------------------------------- */

/* Validation rules of one field (Bronze's record-level contract).  Bounds and
 * allowed values are kept as text in the field's exact text form (types.h);
 * engine/contract.h compiles them.  max_length counts UTF-8 code points of a
 * VARCHAR (bytes of a BLOB); 0 = none. */
typedef struct st_field_rules {
    char *min;        /* NULL = none */
    char *max;        /* NULL = none */
    char **allowed;   /* nallowed values; NULL = any */
    uint32_t nallowed;
    char *regex;      /* POSIX extended regex the whole value must match */
    uint32_t max_length;
    bool required;    /* NDJSON: the key must be present (even if null) */
} st_field_rules;

typedef struct st_tfield {
    uint32_t id;      /* stable field id, >= 1 */
    char *name;
    st_type type;
    bool nullable;
    st_field_rules rules;
} st_tfield;

/* A table schema: the fields in column order, a schema id that grows by one
 * at every change, and the next field id to hand out (ids are never reused,
 * even after a restore to an older schema). */
/* Hidden partitioning of a Gold/Silver table (spec/LOG.md §5): rows are
 * grouped by a value derived from one field: the value itself, its day or
 * its month (DATE/TIMESTAMP fields).  Every segment holds one partition. */
typedef enum {
    ST_PART_NONE = 0,
    ST_PART_VALUE = 1, /* PARTITION BY col */
    ST_PART_DAY = 2,   /* PARTITION BY day(col) */
    ST_PART_MONTH = 3  /* PARTITION BY month(col) */
} st_part_kind;
const char *st_part_kind_name(st_part_kind k); /* "value", "day", "month" */

typedef struct st_tschema {
    uint32_t schema_id;
    uint32_t next_field_id;
    uint32_t nfields;
    st_tfield *fields;
    /* log form only (with_ids): partitioning and clustering */
    uint8_t part_kind;   /* st_part_kind */
    uint32_t part_field; /* field id when part_kind != ST_PART_NONE */
    uint32_t ncluster;
    uint32_t *cluster;   /* field ids rows are sorted by within a partition */
} st_tschema;

st_tschema *st_tschema_new(void); /* empty, schema_id 0, next_field_id 1 */
void st_tschema_free(st_tschema *s);
st_tschema *st_tschema_clone(const st_tschema *s); /* NULL on allocation failure */
/* Append a field (strings copied, rules deep-copied).  Refuses duplicate
 * names (case-insensitive) and ids.  id 0 takes next_field_id. */
st_status st_tschema_add(st_tschema *s, const char *name, st_type type, uint32_t id,
                         bool nullable, const st_field_rules *rules, st_error *e);
int st_tschema_find(const st_tschema *s, const char *name);      /* index or -1 */
int st_tschema_find_id(const st_tschema *s, uint32_t id);        /* index or -1 */
bool st_tschema_equal(const st_tschema *a, const st_tschema *b); /* fields, types, rules */
void st_field_rules_free(st_field_rules *r);

/* JSON form.  with_ids: the log form ({"schema_id":..,"next_field_id":..,
 * "fields":[{"id":..,"name":..,...}]}); without: the user's schema file
 * ({"fields":[{"name":..,"type":..,...}]}, ids assigned in order from 1).
 * Rules appear as optional keys of the field object: "min", "max"
 * (JSON numbers or strings), "allowed" (array), "regex", "max_length",
 * "required".  Bounds and allowed values must parse as the field's type. */
json_t *st_tschema_to_json(const st_tschema *s, bool with_ids);
st_status st_tschema_from_json(const json_t *j, bool with_ids, st_tschema **out, st_error *e);

/* ---- segment records ------------------------------------------------------ */

typedef enum { ST_SIDE_DATA = 0, ST_SIDE_REJECTS = 1 } st_seg_side;

/* Lineage of a run of consecutive rows of a segment: which source they came
 * from, and which commit first added them.  In an append entry ingest_id and
 * ingested_at are left unset (ST_LINEAGE_THIS): they are the entry's own
 * version and timestamp, fixed only when the entry is published, so a writer
 * that loses a race retries without rewriting anything.  Compaction and
 * restore copy the resolved values. */
#define ST_LINEAGE_THIS INT64_MIN
/* Upstream lineage (format 2): rows a table derived from another table's
 * rows (Silver from Bronze) carry the upstream row's lineage: `upstream`
 * names that table ("bronze.sales"), and ingest_id / ingested_at / source
 * and the rows' _line are the upstream row's, always resolved. */
typedef struct st_lineage_run {
    uint64_t rows;
    char *source;        /* "sales.csv", "-" (stdin), ... */
    int64_t ingest_id;   /* version, or ST_LINEAGE_THIS */
    int64_t ingested_at; /* microseconds UTC, or ST_LINEAGE_THIS */
    char *upstream;      /* NULL: this table's own commit; else the upstream table */
} st_lineage_run;

typedef struct st_seg_zone {
    uint32_t field_id;
    st_zonemap zm; /* zm.type is the field's type */
} st_seg_zone;

typedef struct st_segrec {
    char id[ST_SEG_ID_LEN + 1]; /* file data/<id>.seg */
    uint8_t side;               /* st_seg_side */
    uint64_t rows;
    uint64_t bytes;             /* file size */
    uint32_t nzones;
    st_seg_zone *zones;
    uint32_t nruns;
    st_lineage_run *runs;       /* rows of the runs add up to rows */
    /* partitioned tables: the partition every row belongs to */
    bool has_part;
    char *part_key;             /* "2025-03-01"; NULL: the rows whose field is NULL */
    char *part_min, *part_max;  /* bounds of the field in the partition, in
                                   the field type's text form (NULL with key) */
    /* the deletion vector in force (format 2): file data/<dv>.dv, dv_rows
     * deleted rows (1..rows), dv_bytes its size; dv[0] == 0 when none */
    char dv[ST_SEG_ID_LEN + 1];
    uint64_t dv_rows;
    uint64_t dv_bytes;
} st_segrec;

void st_segrec_clear(st_segrec *r); /* frees members, leaves r zeroed */
st_status st_segrec_copy(st_segrec *dst, const st_segrec *src, st_error *e);
/* True when id is ST_SEG_ID_LEN lower-case hex digits. */
bool st_seg_id_valid(const char *id);

/* ---- log entries ---------------------------------------------------------- */

typedef enum {
    ST_OP_CREATE = 0,  /* version 0: registers the schema, may carry data */
    ST_OP_APPEND = 1,
    ST_OP_COMPACT = 2, /* replaces segments by equal rows: no data change */
    ST_OP_RESTORE = 3, /* makes an older snapshot current */
    ST_OP_VACUUM = 4,  /* raises the oldest readable version, then files go */
    ST_OP_EVOLVE = 5,  /* schema change without data */
    ST_OP_TRANSFORM = 6, /* a Silver run: adds, deletion vectors, inputs (format 2) */
    ST_OP_OVERWRITE = 7, /* INSERT OVERWRITE: removes the partitions it rewrites (format 2) */
    ST_OP__COUNT
} st_log_op;
const char *st_log_op_name(st_log_op op);

/* Where the rows of a commit came from (for `strata log`). */
typedef struct st_source_span {
    char *name;
    uint64_t first_line, last_line; /* 0,0 when no lines were read */
    uint64_t byte_start, byte_end;  /* [start, end) of the input consumed */
} st_source_span;

typedef struct st_reason_count {
    char *code; /* "bad_value", "ragged_row", ... (engine/contract.h) */
    uint64_t count;
} st_reason_count;

/* A deletion vector for a live segment (format 2): from this version on,
 * segment `seg` hides the `rows` rows of file data/<id>.dv (`bytes` long),
 * which replaces the segment's previous vector. */
typedef struct st_dvrec {
    char seg[ST_SEG_ID_LEN + 1];
    char id[ST_SEG_ID_LEN + 1];
    uint64_t rows;
    uint64_t bytes;
} st_dvrec;

/* How far a derived table has consumed an upstream table (format 2): every
 * version <= `version` of table `table` is reflected in this table. */
typedef struct st_input_mark {
    char *table;
    int64_t version;
} st_input_mark;

typedef struct st_logentry {
    int64_t version;
    int64_t ts_us;        /* in-commit timestamp, monotonic over versions */
    int64_t read_version; /* the snapshot the writer started from; -1 for create */
    uint8_t op;           /* st_log_op */
    st_tschema *schema;   /* the new schema; NULL = unchanged (never NULL at v0) */
    uint32_t nadds;
    st_segrec *adds;
    uint32_t nremoves;
    char (*removes)[ST_SEG_ID_LEN + 1];
    /* idempotency key: app != NULL when present */
    char *txn_app;
    uint64_t txn_seq;
    /* stream position after this commit (`ingest --follow`): key != NULL */
    char *stream_key;
    uint64_t stream_offset, stream_line;
    /* counts: read = accepted + rejected + duplicates; duplicates (input
     * rows that lost to a newer row of their key) and replaced (rows of
     * earlier versions hidden by this commit's deletion vectors) are a
     * transform's, format 2 */
    bool has_counts;
    uint64_t n_read, n_accepted, n_rejected;
    uint64_t n_duplicates, n_replaced;
    uint32_t nreasons;
    st_reason_count *reasons;
    uint32_t nsources;
    st_source_span *sources;
    int64_t restore_of;   /* ST_OP_RESTORE: the version made current; else -1 */
    int64_t retain_from;  /* ST_OP_VACUUM: oldest readable version; else -1 */
    uint64_t files_removed; /* ST_OP_VACUUM: files the vacuum set out to delete */
    /* format 2 */
    uint32_t ndvs;
    st_dvrec *dvs;
    uint32_t ninputs;
    st_input_mark *inputs; /* the consumed marks after this commit */
} st_logentry;

st_logentry *st_logentry_new(void); /* zeroed, read_version/restore_of/retain_from -1 */
void st_logentry_free(st_logentry *le);

/* Encode as the sealed two-line file. */
st_status st_logentry_encode(const st_logentry *le, st_sbuf *out, st_error *e);
/* Decode a whole entry file.  name is used in messages; expect_version >= 0
 * must match the body's version. */
st_status st_logentry_decode(const char *buf, size_t len, const char *name,
                             int64_t expect_version, st_logentry **out, st_error *e);

/* ---- checkpoints ---------------------------------------------------------- */

typedef struct st_txn_mark {
    char *app;
    uint64_t seq;
} st_txn_mark;

typedef struct st_stream_mark {
    char *key;
    uint64_t offset, line;
} st_stream_mark;

/* The state of a table at a version: what replaying entries 0..version
 * gives.  Segments keep log order; their lineage is fully resolved. */
typedef struct st_logstate {
    int64_t version;
    int64_t ts_us;        /* timestamp of that version */
    int64_t created_ts_us;/* timestamp of version 0 */
    int64_t retain_from;  /* oldest readable version (0 until a vacuum) */
    st_tschema *schema;
    uint32_t nsegs;
    uint32_t segs_cap;
    st_segrec *segs;
    uint32_t ntxns;
    st_txn_mark *txns;
    uint32_t nstreams;
    st_stream_mark *streams;
    uint32_t ninputs;
    st_input_mark *inputs;
} st_logstate;

st_logstate *st_logstate_new(void);
void st_logstate_free(st_logstate *s);

/* Apply entry le (which must be version s->version + 1, or version 0 on an
 * empty state) to s.  Resolves ST_LINEAGE_THIS in the added segments.  An
 * entry that removes a segment that is not live, adds one that already is,
 * or breaks timestamp order is corruption (the message names `name`).  On
 * failure s is unchanged. */
st_status st_logstate_apply(st_logstate *s, const st_logentry *le, const char *name,
                            st_error *e);

/* Sealed two-line file, like an entry ("strata_checkpoint":1 in the body). */
st_status st_logstate_encode(const st_logstate *s, st_sbuf *out, st_error *e);
st_status st_logstate_decode(const char *buf, size_t len, const char *name,
                             int64_t expect_version, st_logstate **out, st_error *e);
/* Deep equality (for tests and `verify`: a checkpoint must equal the replay). */
bool st_logstate_equal(const st_logstate *a, const st_logstate *b);

/* Index of a live segment by id, or -1. */
int64_t st_logstate_find_seg(const st_logstate *s, const char *id);
/* Last recorded seq of an idempotency app; false when none. */
bool st_logstate_txn(const st_logstate *s, const char *app, uint64_t *seq);
/* Consumed version of an upstream table; false when none recorded. */
bool st_logstate_input(const st_logstate *s, const char *table, int64_t *version);
/* The format an entry / a checkpoint is written in (the lowest that can
 * express it). */
int st_logentry_format(const st_logentry *le);
int st_logstate_format(const st_logstate *s);
/* Last recorded stream position for key; false when none. */
bool st_logstate_stream(const st_logstate *s, const char *key, uint64_t *offset,
                        uint64_t *line);

#endif /* ST_LOGREC_H */
