/*
 * tablewrite.h: write rows into a Silver/Gold table in one atomic commit:
 * CREATE TABLE ... AS, INSERT INTO and INSERT OVERWRITE (spec/SQL.md).
 *
 * The writer cuts the rows it is given into segments, one partition per
 * segment (spec/LOG.md §4: each segment record carries its partition key and
 * the bounds of the partition field in it), and commits them with one log
 * entry through the put-if-absent protocol of engine/table.h.  Nothing is
 * visible before that commit; a crash leaves the previous version (and at
 * most orphan segment files for vacuum).
 *
 * Partitions are hidden: the key is derived from one field (its value, its
 * day or its month; schema->part_kind).  The caller gives rows grouped by
 * partition and, within one, sorted by the cluster keys (the SQL layer adds
 * that ORDER BY); a partition met twice only costs an extra segment.
 *
 * INSERT OVERWRITE removes, in the same entry that adds the new segments,
 * every live segment of every partition the new rows fall in (of an
 * unpartitioned table: every segment), so readers see the old partitions or
 * the new ones, never both or neither.  A concurrent commit that wrote to
 * one of those partitions makes it fail with ST_ERR_CONFLICT.
 */
#ifndef ST_TABLEWRITE_H
#define ST_TABLEWRITE_H

#include <stdint.h>

#include "engine/table.h"
#include "format/logrec.h"
#include "format/vector.h"

typedef enum { ST_TW_CREATE = 0, ST_TW_INSERT = 1, ST_TW_OVERWRITE = 2 } st_tw_mode;

typedef struct st_tw st_tw;

/* A writer for table t (which must outlive it).  CREATE: schema is the new
 * table's (field ids assigned, partitioning set; copied) and the table must
 * not exist.  INSERT/OVERWRITE: schema is NULL; the table's latest state is
 * read here.  rows_per_segment 0: 1,048,576. */
st_status st_tw_begin(st_table *t, st_tw_mode mode, const st_tschema *schema,
                      uint64_t rows_per_segment, st_tw **out, st_error *e);
/* The table's schema (valid until commit/abort). */
const st_tschema *st_tw_schema(const st_tw *w);
/* Add the live rows of b: one column per schema field, in order, of the
 * field's type. */
st_status st_tw_add(st_tw *w, const st_batch *b, st_error *e);
/* Commit; *version is the new version (-1 when nothing needed committing:
 * an INSERT of no rows).  The writer is freed whatever the outcome. */
st_status st_tw_commit(st_tw *w, uint64_t *rows, int64_t *version, st_error *e);
void st_tw_abort(st_tw *w); /* NULL accepted; written segments become orphans */

/* The partition of a value v (types.h representation; NULL = SQL NULL) of
 * type t under kind: key text and the bounds of the field in the partition,
 * written to key/min/max (each ST_TW_KEY_MAX bytes; empty for NULL).
 * ST_ERR_INVALID when the value cannot be a partition key (a string over
 * 1,024 bytes). */
#define ST_TW_KEY_MAX 1040
st_status st_tw_partition_of(st_part_kind kind, st_type t, const void *v, char *key, char *min,
                             char *max, st_error *e);

#endif /* ST_TABLEWRITE_H */
