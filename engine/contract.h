/*
 * contract.h: record-level validation of Bronze rows against the table's
 * registered schema (the job Pydantic does in the platform's design).
 *
 * The text readers already refuse what cannot be a row of the schema at all
 * (a ragged CSV record, a value that does not parse as its column's type,
 * invalid UTF-8, an oversize record, malformed JSON, an unknown key).  The
 * contract adds the declared rules on typed values: NOT NULL, min/max,
 * allowed values, a regex on the whole value, a maximum length (code points
 * of a VARCHAR, bytes of a BLOB).  A record that fails any check is rejected
 * with *every* reason, each naming its column; the others pass untouched.
 *
 * Reason codes are stable strings (they are counted in the commit log and
 * shown by `strata log` and the ingest summary):
 *   bad_value        a value is not of its column's type
 *   ragged_row       a CSV record has the wrong number of fields
 *   invalid_utf8     a text value (or the record) is not valid UTF-8
 *   oversize         the record is longer than the reader's maximum
 *   malformed        not a record at all (broken JSON, stray quote, NUL byte)
 *   unknown_field    a field the schema does not know (without --evolve)
 *   missing_required an NDJSON record lacks a required key
 *   null_not_allowed a NULL in a field declared nullable: false
 *   below_min, above_max, not_allowed, regex_mismatch, too_long
 *
 * Threading: a compiled contract is immutable; st_contract_check may run on
 * several threads at once (each with its own batch and result).
 */
#ifndef ST_CONTRACT_H
#define ST_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "format/logrec.h"
#include "format/mem.h"
#include "format/status.h"
#include "format/vector.h"

typedef enum st_reason_code {
    ST_R_BAD_VALUE = 0,
    ST_R_RAGGED,
    ST_R_UTF8,
    ST_R_OVERSIZE,
    ST_R_MALFORMED,
    ST_R_UNKNOWN_FIELD,
    ST_R_MISSING_REQUIRED,
    ST_R_NULL,
    ST_R_BELOW_MIN,
    ST_R_ABOVE_MAX,
    ST_R_NOT_ALLOWED,
    ST_R_REGEX,
    ST_R_TOO_LONG,
    ST_R__COUNT
} st_reason_code;

const char *st_reason_name(st_reason_code c);
/* Classify a text reader's reason message (format/textio.h) into a code. */
st_reason_code st_reason_classify(const char *message);

/* Refuse a schema Bronze cannot take: a field named like a lineage column
 * (_ingest_id, _source, _line, _ingested_at). */
st_status st_contract_check_schema(const st_tschema *s, st_error *e);

typedef struct st_contract st_contract;

/* Compile the rules of s (regexes, bounds).  Errors name the field. */
st_status st_contract_new(const st_tschema *s, st_contract **out, st_error *e);
void st_contract_free(st_contract *c); /* NULL accepted */
/* True when no row can fail (no rule, every field nullable): callers skip
 * the check. */
bool st_contract_trivial(const st_contract *c);

typedef struct st_contract_reason {
    uint8_t code;    /* st_reason_code */
    const char *msg; /* "column price: -5 is below the minimum 0" */
} st_contract_reason;

typedef struct st_contract_fail {
    uint32_t row; /* row index in the batch */
    uint32_t nreasons;
    st_contract_reason *reasons;
} st_contract_fail;

/* Result of one check; reuse across calls (st_contract_result_reset). */
typedef struct st_contract_result {
    st_contract_fail *fails;
    uint32_t nfails, cap;
    st_arena *arena; /* messages and reason arrays */
} st_contract_result;

void st_contract_result_reset(st_contract_result *r);
void st_contract_result_free(st_contract_result *r);

/* Check the live rows of b, whose columns are the schema's fields in order.
 * Failing rows are listed in r (ascending) and removed from b's selection. */
st_status st_contract_check(const st_contract *c, st_batch *b, st_contract_result *r,
                            st_error *e);

#endif /* ST_CONTRACT_H */
