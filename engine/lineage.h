/*
 * lineage.h: the columns Bronze adds to every row, and the columns of the
 * quarantine `layer.name__rejects`.
 *
 * Every row of a Bronze table reads with four lineage columns after the
 * table's own fields:
 *
 *   _ingest_id    BIGINT     version of the commit that first added the row
 *   _source       VARCHAR    file name ("sales.csv"), "-" for stdin
 *   _line         BIGINT     line of the record in a text source (row in Parquet)
 *   _ingested_at  TIMESTAMP  timestamp of commit _ingest_id
 *
 * Only _line is stored in the segment (an INT64 column, delta-encoded to
 * almost nothing).  The others are the same for long runs of rows and are
 * kept in the commit log as the segment's lineage runs (format/logrec.h);
 * _ingest_id and _ingested_at are not even known when a segment is written:
 * they are fixed when its commit is published, so a writer that loses a
 * commit race retries without rewriting a byte, and compaction carries them
 * over as they were.  (_ingest_id, _line) is the ingest order.
 *
 * The quarantine has the lineage columns, then:
 *   reasons        VARCHAR  every reason, "; "-separated, each naming its column
 *   reason_codes   VARCHAR  the codes of those reasons, ","-separated
 *   raw            VARCHAR  the record's text (NULL when not valid UTF-8)
 *   raw_blob       BLOB     the record's bytes when not valid UTF-8, else NULL
 *   raw_truncated  BOOLEAN  raw holds only the first bytes of an oversize record
 *   record_bytes   BIGINT   the record's full length
 * Rejected rows are stored in segments of their own (side "rejects" in the
 * log) committed in the same entry as the accepted rows.
 *
 * Field ids of these columns are fixed and far above any id a table hands
 * out (ids grow from 1), so they never collide with a table's fields.
 */
#ifndef ST_LINEAGE_H
#define ST_LINEAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "format/logrec.h"
#include "format/schema.h"
#include "format/status.h"

#define ST_FID_INGEST_ID 0x7FFFFF01u
#define ST_FID_SOURCE 0x7FFFFF02u
#define ST_FID_LINE 0x7FFFFF03u
#define ST_FID_INGESTED_AT 0x7FFFFF04u

#define ST_FID_REJ_REASONS 0x7FFFFE01u
#define ST_FID_REJ_CODES 0x7FFFFE02u
#define ST_FID_REJ_RAW 0x7FFFFE03u
#define ST_FID_REJ_RAW_BLOB 0x7FFFFE04u
#define ST_FID_REJ_TRUNCATED 0x7FFFFE05u
#define ST_FID_REJ_BYTES 0x7FFFFE06u

#define ST_LINEAGE_NCOLS 4
#define ST_REJECT_NCOLS 6

/* Is this one of the fixed ids above? */
bool st_lineage_fid(uint32_t id);
/* Virtual lineage columns (not stored in segments): _ingest_id, _source,
 * _ingested_at. */
bool st_lineage_virtual(uint32_t id);

/* The schema a reader sees: the table's fields then the lineage columns
 * (data side), or the lineage columns then the reject columns (rejects).
 * NULL on allocation failure. */
st_schema *st_lineage_view_schema(const st_tschema *ts, bool rejects);

/* The physical schema of a segment written now: the table's fields plus
 * _line (data side), or _line plus the reject columns (rejects). */
st_schema *st_lineage_segment_schema(const st_tschema *ts, bool rejects);

#endif /* ST_LINEAGE_H */
