/*
 * lineage.c: the lineage and quarantine column sets (see lineage.h).
 */
#include "engine/lineage.h"

#include <stdlib.h>

typedef struct colspec {
    const char *name;
    uint8_t type;
    uint32_t id;
    bool nullable;
} colspec;

static const colspec lineage_cols[ST_LINEAGE_NCOLS] = {
    {"_ingest_id", ST_T_INT64, ST_FID_INGEST_ID, false},
    {"_source", ST_T_VARCHAR, ST_FID_SOURCE, false},
    {"_line", ST_T_INT64, ST_FID_LINE, false},
    {"_ingested_at", ST_T_TIMESTAMP, ST_FID_INGESTED_AT, false},
};

static const colspec reject_cols[ST_REJECT_NCOLS] = {
    {"reasons", ST_T_VARCHAR, ST_FID_REJ_REASONS, false},
    {"reason_codes", ST_T_VARCHAR, ST_FID_REJ_CODES, false},
    {"raw", ST_T_VARCHAR, ST_FID_REJ_RAW, true},
    {"raw_blob", ST_T_BLOB, ST_FID_REJ_RAW_BLOB, true},
    {"raw_truncated", ST_T_BOOLEAN, ST_FID_REJ_TRUNCATED, false},
    {"record_bytes", ST_T_INT64, ST_FID_REJ_BYTES, false},
};

bool st_lineage_fid(uint32_t id) {
    return (id >= ST_FID_INGEST_ID && id <= ST_FID_INGESTED_AT) ||
           (id >= ST_FID_REJ_REASONS && id <= ST_FID_REJ_BYTES);
}

bool st_lineage_virtual(uint32_t id) {
    return id == ST_FID_INGEST_ID || id == ST_FID_SOURCE || id == ST_FID_INGESTED_AT;
}

static bool add_cols(st_schema *s, const colspec *c, int n, bool only_line) {
    for (int i = 0; i < n; i++) {
        if (only_line && c[i].id != ST_FID_LINE) continue;
        if (st_schema_add(s, c[i].name, st_type_make((st_type_id)c[i].type), c[i].id, c[i].nullable, NULL) !=
            ST_OK)
            return false;
    }
    return true;
}

static bool add_table(st_schema *s, const st_tschema *ts) {
    for (uint32_t i = 0; i < ts->nfields; i++)
        if (st_schema_add(s, ts->fields[i].name, ts->fields[i].type, ts->fields[i].id,
                          ts->fields[i].nullable, NULL) != ST_OK)
            return false;
    return true;
}

st_schema *st_lineage_view_schema(const st_tschema *ts, bool rejects) {
    st_schema *s = st_schema_new();
    if (!s) return NULL;
    bool ok = rejects ? add_cols(s, lineage_cols, ST_LINEAGE_NCOLS, false) &&
                            add_cols(s, reject_cols, ST_REJECT_NCOLS, false)
                      : add_table(s, ts) && add_cols(s, lineage_cols, ST_LINEAGE_NCOLS, false);
    if (!ok) {
        st_schema_free(s);
        return NULL;
    }
    return s;
}

st_schema *st_lineage_segment_schema(const st_tschema *ts, bool rejects) {
    st_schema *s = st_schema_new();
    if (!s) return NULL;
    bool ok = rejects ? add_cols(s, lineage_cols, ST_LINEAGE_NCOLS, true) &&
                            add_cols(s, reject_cols, ST_REJECT_NCOLS, false)
                      : add_table(s, ts) && add_cols(s, lineage_cols, ST_LINEAGE_NCOLS, true);
    if (!ok) {
        st_schema_free(s);
        return NULL;
    }
    return s;
}
