/*
 * tablewrite.c: CREATE TABLE AS / INSERT / INSERT OVERWRITE into a table
 * (engine/tablewrite.h).
 *
 * Rows stream through: the writer keeps one open segment builder, the one of
 * the partition the last row fell in, and finishes it when a row of another
 * partition arrives or it reaches rows_per_segment.  Each finished segment's
 * record carries the partition key and bounds (from the key alone, so the
 * planner can skip a partition before reading any segment zone map).  The
 * rows' lineage: source "sql", _line the row's position in the statement's
 * output (1-based), _ingest_id the version the commit lands at.
 *
 * Durability: a day-partitioned year is 365 segments; publishing each with
 * its own fsyncs (file, then folder) made 730 journal commits, each waiting
 * for the disk, which on a busy machine dominated the statement.  Segments
 * are published without fsyncs and one syncfs of the data folder's file
 * system makes them all durable before the log entry naming them is written.
 */
#include "engine/tablewrite.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/segbuild.h"
#include "format/io.h"

struct st_tw {
    st_table *t;
    st_tw_mode mode;
    st_logstate *state;
    st_tschema *schema; /* CREATE: ours; else state->schema */
    int part_col;       /* schema index of the partition field, or -1 */
    uint64_t seg_rows_max;
    st_segbuild *sb;    /* open segment */
    bool cur_null;      /* its partition key (when partitioned) */
    char cur_key[ST_TW_KEY_MAX], cur_min[ST_TW_KEY_MAX], cur_max[ST_TW_KEY_MAX];
    int64_t cur_d0, cur_d1; /* day/month partitions: the days of cur_key */
    st_segrec *adds;
    uint32_t nadds, adds_cap;
    uint64_t rows;
    int64_t *lines;
    uint32_t lines_cap;
    uint32_t *sel;
};

static const st_lineage_run SQL_RUN = {0, (char *)"sql", ST_LINEAGE_THIS, ST_LINEAGE_THIS};

/* ---- partition keys ----------------------------------------------------- */

static void fmt_day_bounds(st_type t, int64_t d0, int64_t d1, char *min, char *max) {
    /* the field's values from the first moment of day d0 to the last of d1 */
    if (t.id == ST_T_DATE) {
        st_format_date((int32_t)d0, min);
        st_format_date((int32_t)d1, max);
    } else if (t.id == ST_T_TIMESTAMP) {
        st_format_timestamp(d0 * ST_USEC_PER_DAY, min);
        st_format_timestamp((d1 + 1) * ST_USEC_PER_DAY - 1, max);
    } else {
        st_format_timestamp_ns(d0 * ST_USEC_PER_DAY * 1000, min);
        st_format_timestamp_ns((d1 + 1) * ST_USEC_PER_DAY * 1000 - 1, max);
    }
}

/* The day (since 1970-01-01) of a DATE / TIMESTAMP / TIMESTAMP_NS value. */
static int64_t day_of(st_type t, const void *v) {
    if (t.id == ST_T_DATE) return *(const int32_t *)v;
    if (t.id == ST_T_TIMESTAMP) return st_floordiv(*(const int64_t *)v, ST_USEC_PER_DAY);
    return st_floordiv(*(const int64_t *)v, ST_USEC_PER_DAY * 1000);
}

/* The days [d0, d1] of the day or month partition holding day. */
static void part_days(st_part_kind kind, int64_t day, int64_t *d0, int64_t *d1) {
    if (kind == ST_PART_DAY) {
        *d0 = *d1 = day;
        return;
    }
    int64_t y;
    unsigned m, d;
    st_civil_from_days(day, &y, &m, &d);
    *d0 = st_days_from_civil(y, m, 1);
    *d1 = (m == 12 ? st_days_from_civil(y + 1, 1, 1) : st_days_from_civil(y, m + 1, 1)) - 1;
}

st_status st_tw_partition_of(st_part_kind kind, st_type t, const void *v, char *key, char *min,
                             char *max, st_error *e) {
    key[0] = min[0] = max[0] = 0;
    if (!v) return ST_OK;
    if (kind == ST_PART_VALUE) {
        if (st_type_is_string(t)) {
            const st_str *s = v;
            if (s->len > 1024 || memchr(s->ptr, 0, s->len) || !st_utf8_valid(s->ptr, s->len, NULL))
                return st_error_set(e, ST_ERR_INVALID, "a partition value must be valid UTF-8 text of "
                                    "at most 1024 bytes");
            memcpy(key, s->ptr, s->len);
            key[s->len] = 0;
        } else {
            st_format_value(t, v, key);
        }
        strcpy(min, key);
        strcpy(max, key);
        return ST_OK;
    }
    int64_t day = day_of(t, v);
    if (kind == ST_PART_DAY) {
        st_format_date((int32_t)day, key);
        fmt_day_bounds(t, day, day, min, max);
        return ST_OK;
    }
    int64_t y;
    unsigned m, d;
    st_civil_from_days(day, &y, &m, &d);
    int64_t first = st_days_from_civil(y, m, 1);
    int64_t next = m == 12 ? st_days_from_civil(y + 1, 1, 1) : st_days_from_civil(y, m + 1, 1);
    char buf[ST_FORMAT_MAX];
    st_format_date((int32_t)first, buf);
    size_t n = strlen(buf);
    memcpy(key, buf, n - 3); /* "2025-03-01" -> "2025-03" */
    key[n - 3] = 0;
    fmt_day_bounds(t, first, next - 1, min, max);
    return ST_OK;
}

/* ---- writer ------------------------------------------------------------- */

void st_tw_abort(st_tw *w) {
    if (!w) return;
    st_segbuild_abort(w->sb);
    for (uint32_t i = 0; i < w->nadds; i++) st_segrec_clear(&w->adds[i]);
    free(w->adds);
    free(w->lines);
    free(w->sel);
    if (w->mode == ST_TW_CREATE) st_tschema_free(w->schema);
    st_logstate_free(w->state);
    free(w);
}

st_status st_tw_begin(st_table *t, st_tw_mode mode, const st_tschema *schema,
                      uint64_t rows_per_segment, st_tw **out, st_error *e) {
    *out = NULL;
    st_tw *w = calloc(1, sizeof *w);
    if (!w) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    w->t = t;
    w->mode = mode;
    w->seg_rows_max = rows_per_segment ? rows_per_segment : (1u << 20);
    w->part_col = -1;
    st_status rc = ST_OK;
    if (mode == ST_TW_CREATE) {
        if (st_table_exists(t)) {
            rc = st_error_set(e, ST_ERR_EXISTS, "table %s already exists", st_table_name(t));
            goto fail;
        }
        w->state = st_logstate_new();
        w->schema = st_tschema_clone(schema);
        if (!w->state || !w->schema) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto fail;
        }
        ST_CHECK(rc, st_table_prepare(t, e));
    } else {
        ST_CHECK(rc, st_table_require(t, e));
        ST_CHECK(rc, st_table_load(t, -1, &w->state, e));
        w->schema = w->state->schema;
    }
    if (w->schema->part_kind != ST_PART_NONE) {
        w->part_col = st_tschema_find_id(w->schema, w->schema->part_field);
        if (w->part_col < 0) {
            rc = st_error_set(e, ST_ERR_CORRUPT, "%s: the partition field %u is not in the schema",
                              st_table_name(t), w->schema->part_field);
            goto fail;
        }
    }
    *out = w;
    return ST_OK;
cleanup:
fail:
    st_tw_abort(w);
    return rc;
}

const st_tschema *st_tw_schema(const st_tw *w) { return w->schema; }

/* Finish the open segment into adds. */
static st_status seg_finish(st_tw *w, st_error *e) {
    if (!w->sb) return ST_OK;
    if (w->nadds == w->adds_cap) {
        uint32_t cap = w->adds_cap ? w->adds_cap * 2 : 16;
        st_segrec *na = realloc(w->adds, cap * sizeof *na);
        if (!na) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        w->adds = na;
        w->adds_cap = cap;
    }
    st_segbuild *sb = w->sb;
    w->sb = NULL;
    st_segrec *r = &w->adds[w->nadds];
    ST_TRY(st_segbuild_finish(sb, r, e));
    w->nadds++;
    if (w->part_col >= 0) {
        r->has_part = true;
        if (!w->cur_null && (!(r->part_key = strdup(w->cur_key)) || !(r->part_min = strdup(w->cur_min)) ||
                             !(r->part_max = strdup(w->cur_max))))
            return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    return ST_OK;
}

/* Add rows sel[0..n) of b (one partition) to the open segment. */
static st_status add_run(st_tw *w, const st_batch *b, const uint32_t *sel, uint32_t n, st_error *e) {
    while (n) {
        if (!w->sb) {
            st_segbuild_opts o = {0, 0, true}; /* synced once, at commit */
            ST_TRY(st_segbuild_new(w->t, w->schema, false, &o, &w->sb, e));
        }
        uint64_t room = w->seg_rows_max - st_segbuild_rows(w->sb);
        uint32_t take = room < n ? (uint32_t)room : n;
        st_batch v = *b;
        v.sel = (uint32_t *)sel;
        v.sel_len = take;
        ST_TRY(st_segbuild_add(w->sb, &v, w->lines, &SQL_RUN, e));
        sel += take;
        n -= take;
        if (st_segbuild_rows(w->sb) >= w->seg_rows_max) ST_TRY(seg_finish(w, e));
    }
    return ST_OK;
}

st_status st_tw_add(st_tw *w, const st_batch *b, st_error *e) {
    if (b->ncols != w->schema->nfields)
        return st_error_set(e, ST_ERR_INTERNAL, "table writer: %u columns for %u fields", b->ncols,
                            w->schema->nfields);
    uint32_t live = st_batch_live(b);
    if (!live) return ST_OK;
    if (b->len > w->lines_cap) {
        int64_t *nl = realloc(w->lines, b->len * sizeof *nl);
        uint32_t *ns = nl ? realloc(w->sel, b->len * sizeof *ns) : NULL;
        if (nl) w->lines = nl;
        if (!ns) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
        w->sel = ns;
        w->lines_cap = b->len;
    }
    for (uint32_t k = 0; k < live; k++) {
        uint32_t i = b->sel ? b->sel[k] : k;
        w->lines[i] = (int64_t)(w->rows + k + 1);
        w->sel[k] = i;
    }
    w->rows += live;
    if (w->part_col < 0) return add_run(w, b, w->sel, live, e);
    const st_vector *pv = b->cols[w->part_col];
    st_part_kind kind = (st_part_kind)w->schema->part_kind;
    uint32_t start = 0;
    char key[ST_TW_KEY_MAX], mn[ST_TW_KEY_MAX], mx[ST_TW_KEY_MAX];
    bool by_days = kind == ST_PART_DAY || kind == ST_PART_MONTH;
    for (uint32_t k = 0; k < live; k++) {
        uint32_t i = w->sel[k];
        bool isnull = st_vector_is_null(pv, i);
        if (by_days) {
            /* rows come grouped by partition: compare the row's day with the
             * open partition's days, and format its key only on a change */
            int64_t day = isnull ? 0 : day_of(pv->type, st_vector_at(pv, i));
            if (w->sb && isnull == w->cur_null && (isnull || (day >= w->cur_d0 && day <= w->cur_d1)))
                continue;
            if (!isnull) part_days(kind, day, &w->cur_d0, &w->cur_d1);
            ST_TRY(st_tw_partition_of(kind, pv->type, isnull ? NULL : st_vector_at(pv, i), key, mn, mx, e));
        } else {
            ST_TRY(st_tw_partition_of(kind, pv->type, isnull ? NULL : st_vector_at(pv, i), key, mn, mx, e));
            bool same = w->sb && isnull == w->cur_null && (isnull || !strcmp(key, w->cur_key));
            if (same) continue;
        }
        if (k > start) ST_TRY(add_run(w, b, w->sel + start, k - start, e));
        start = k;
        ST_TRY(seg_finish(w, e));
        w->cur_null = isnull;
        strcpy(w->cur_key, key);
        strcpy(w->cur_min, mn);
        strcpy(w->cur_max, mx);
        /* open the new partition's segment now, so `same` holds for its rows */
        st_segbuild_opts o = {0, 0, true}; /* synced once, at commit */
        ST_TRY(st_segbuild_new(w->t, w->schema, false, &o, &w->sb, e));
    }
    return add_run(w, b, w->sel + start, live - start, e);
}

static bool same_part(const st_segrec *a, const st_segrec *b) {
    if (!a->has_part || !b->has_part) return true; /* unpartitioned: one partition */
    if (!a->part_key || !b->part_key) return !a->part_key && !b->part_key;
    return !strcmp(a->part_key, b->part_key);
}

st_status st_tw_commit(st_tw *w, uint64_t *rows, int64_t *version, st_error *e) {
    *rows = 0;
    *version = -1;
    st_status rc = ST_OK;
    st_logentry *le = NULL;
    /* an add_run that ended exactly on the segment cap leaves an empty builder open */
    if (w->sb && st_segbuild_rows(w->sb) == 0) {
        st_segbuild_abort(w->sb);
        w->sb = NULL;
    }
    ST_CHECK(rc, seg_finish(w, e));
    if (w->mode != ST_TW_CREATE && w->nadds == 0) goto cleanup; /* nothing to write */
    le = st_logentry_new();
    if (!le) {
        rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    le->op = w->mode == ST_TW_CREATE ? ST_OP_CREATE : w->mode == ST_TW_INSERT ? ST_OP_APPEND : ST_OP_OVERWRITE;
    if (w->mode == ST_TW_CREATE) {
        le->schema = w->schema;
        w->schema = NULL;
        w->mode = ST_TW_INSERT; /* the schema now belongs to le */
    }
    le->adds = w->adds;
    le->nadds = w->nadds;
    w->adds = NULL;
    w->nadds = w->adds_cap = 0;
    if (le->op == ST_OP_OVERWRITE) {
        le->removes = calloc(w->state->nsegs ? w->state->nsegs : 1, sizeof *le->removes);
        if (!le->removes) {
            rc = st_error_set(e, ST_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (uint32_t i = 0; i < w->state->nsegs; i++) {
            const st_segrec *s = &w->state->segs[i];
            bool hit = false;
            for (uint32_t k = 0; k < le->nadds && !hit; k++) hit = same_part(s, &le->adds[k]);
            if (hit) memcpy(le->removes[le->nremoves++], s->id, ST_SEG_ID_LEN + 1);
        }
    }
    /* the segments were published without fsyncs: one file-system sync makes
     * them all durable before the log entry that references them */
    if (le->nadds) ST_CHECK(rc, st_sync_fs(st_table_data_dir(w->t), e));
    ST_CHECK(rc, st_table_commit(w->t, w->state, le, NULL, e));
    *rows = w->rows;
    *version = w->state->version;
cleanup:
    st_logentry_free(le);
    st_tw_abort(w);
    return rc;
}
