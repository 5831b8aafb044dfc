/*
 * parquet_meta.c: decode and encode the Parquet metadata structs (see
 * parquet_meta.h) over the compact protocol (thrift_compact.h).
 *
 * Every decoder is a loop over fields with one case per known id.  A known id
 * with the wrong wire type is corruption (no writer changes a field's type);
 * unknown ids are skipped.  Each struct checks, at its end, that the required
 * fields it needs were present.  The decoders only keep the fields that the
 * reader uses; everything else is skipped.
 */
#include "format/parquet_meta.h"

#include <stdio.h>
#include <string.h>

#include "format/thrift_compact.h"

typedef struct dec {
    st_tc_reader r;
    st_arena *a;
    size_t budget, used;
} dec;

static void *dalloc(dec *d, size_t n) {
    if (d->r.rc) return NULL;
    if (n > d->budget - d->used) {
        st_tc_fail(&d->r, "metadata needs more than %zu bytes of memory", d->budget);
        return NULL;
    }
    void *p = st_arena_alloc(d->a, n ? n : 1);
    if (!p) {
        d->r.rc = st_error_set(d->r.e, ST_ERR_NOMEM, "%s: out of memory", d->r.what);
        return NULL;
    }
    d->used += n;
    memset(p, 0, n);
    return p;
}

#define FIELD_LOOP(d)                                                         \
    int16_t last_ = 0, id;                                                    \
    int type;                                                                 \
    ST_TRY(st_tc_struct_begin(&(d)->r));                                      \
    for (;;) {                                                                \
        ST_TRY(st_tc_field(&(d)->r, &last_, &type, &id));                     \
        if (type == ST_TC_STOP) break;                                        \
        switch (id)

#define FIELD_LOOP_END(d)                                                     \
    }

#define WANT(d, t, sname, fname)                                              \
    do {                                                                      \
        if (type != (t))                                                      \
            return st_tc_fail(&(d)->r, "%s.%s has wire type %d, expected %d", \
                              sname, fname, type, t);                         \
    } while (0)
#define WANT_BOOL(d, sname, fname)                                            \
    do {                                                                      \
        if (type != ST_TC_TRUE && type != ST_TC_FALSE)                        \
            return st_tc_fail(&(d)->r, "%s.%s has wire type %d, expected bool", \
                              sname, fname, type);                            \
    } while (0)
#define SKIP(d) ST_TRY(st_tc_skip(&(d)->r, type))
#define REQUIRE(d, cond, sname, fname)                                        \
    do {                                                                      \
        if (!(cond))                                                          \
            return st_tc_fail(&(d)->r, "required field %s.%s is missing", sname, fname); \
    } while (0)

static st_status rd_i32(dec *d, int type, const char *s, const char *f, int32_t *out) {
    WANT(d, ST_TC_I32, s, f);
    return st_tc_read_i32(&d->r, out);
}
static st_status rd_i64(dec *d, int type, const char *s, const char *f, int64_t *out) {
    WANT(d, ST_TC_I64, s, f);
    return st_tc_read_i64(&d->r, out);
}
static st_status rd_bin(dec *d, int type, const char *s, const char *f, st_pq_bytes *out) {
    WANT(d, ST_TC_BINARY, s, f);
    return st_tc_read_binary(&d->r, &out->p, &out->len);
}

/* Begin a list whose elements must be of type et; *n is the count and *arr
 * an array of n elements of size sz (NULL when n is 0). */
static st_status rd_list(dec *d, int type, const char *s, const char *f, int et, size_t sz,
                         void **arr, uint32_t *n) {
    WANT(d, ST_TC_LIST, s, f);
    int t;
    ST_TRY(st_tc_list_begin(&d->r, &t, n));
    /* integer lists: every varint width reads the same (as Thrift's own
     * generated readers do) */
    bool ok = t == et || (et == ST_TC_I32 && (t == ST_TC_I16 || t == ST_TC_I64));
    if (*n > 0 && !ok)
        return st_tc_fail(&d->r, "%s.%s is a list of type %d, expected %d", s, f, t, et);
    *arr = NULL;
    if (*n > 0) {
        *arr = dalloc(d, (size_t)*n * sz);
        if (!*arr) return d->r.rc;
    }
    return ST_OK;
}

/* ---- decoders ----------------------------------------------------------- */

static st_status dec_stats(dec *d, st_pq_stats *s) {
    memset(s, 0, sizeof *s);
    static const char *S = "Statistics";
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_bin(d, type, S, "max", &s->max)); s->has_max = true; break;
    case 2: ST_TRY(rd_bin(d, type, S, "min", &s->min)); s->has_min = true; break;
    case 3: ST_TRY(rd_i64(d, type, S, "null_count", &s->null_count)); s->has_null_count = true; break;
    case 4: ST_TRY(rd_i64(d, type, S, "distinct_count", &s->distinct_count)); s->has_distinct_count = true; break;
    case 5: ST_TRY(rd_bin(d, type, S, "max_value", &s->max_value)); s->has_max_value = true; break;
    case 6: ST_TRY(rd_bin(d, type, S, "min_value", &s->min_value)); s->has_min_value = true; break;
    case 7: WANT_BOOL(d, S, "is_max_value_exact"); s->is_max_exact = type == ST_TC_TRUE; s->has_max_exact = true; break;
    case 8: WANT_BOOL(d, S, "is_min_value_exact"); s->is_min_exact = type == ST_TC_TRUE; s->has_min_exact = true; break;
    case 9: ST_TRY(rd_i64(d, type, S, "nan_count", &s->nan_count)); s->has_nan_count = true; break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_time_unit(dec *d, int *unit) {
    *unit = 0;
    FIELD_LOOP(d) {
    case 1:
    case 2:
    case 3:
        WANT(d, ST_TC_STRUCT, "TimeUnit", "member");
        *unit = id;
        SKIP(d);
        break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_logical(dec *d, st_pq_logical *lt) {
    memset(lt, 0, sizeof *lt);
    static const char *S = "LogicalType";
    FIELD_LOOP(d) {
    case ST_PQ_LT_DECIMAL: {
        WANT(d, ST_TC_STRUCT, S, "DECIMAL");
        bool hs = false, hp = false;
        FIELD_LOOP(d) {
        case 1: ST_TRY(rd_i32(d, type, "DecimalType", "scale", &lt->scale)); hs = true; break;
        case 2: ST_TRY(rd_i32(d, type, "DecimalType", "precision", &lt->precision)); hp = true; break;
        default: SKIP(d);
        }
        FIELD_LOOP_END(d);
        REQUIRE(d, hs && hp, "DecimalType", "scale/precision");
        lt->kind = ST_PQ_LT_DECIMAL;
        break;
    }
    case ST_PQ_LT_TIME:
    case ST_PQ_LT_TIMESTAMP: {
        WANT(d, ST_TC_STRUCT, S, id == ST_PQ_LT_TIME ? "TIME" : "TIMESTAMP");
        int kind = id;
        bool hu = false;
        FIELD_LOOP(d) {
        case 1: WANT_BOOL(d, "TimestampType", "isAdjustedToUTC"); lt->utc = type == ST_TC_TRUE; break;
        case 2: WANT(d, ST_TC_STRUCT, "TimestampType", "unit"); ST_TRY(dec_time_unit(d, &lt->unit)); hu = true; break;
        default: SKIP(d);
        }
        FIELD_LOOP_END(d);
        REQUIRE(d, hu, "TimestampType", "unit");
        lt->kind = kind;
        break;
    }
    case ST_PQ_LT_INTEGER: {
        WANT(d, ST_TC_STRUCT, S, "INTEGER");
        bool hb = false, hs = false;
        FIELD_LOOP(d) {
        case 1: WANT(d, ST_TC_I8, "IntType", "bitWidth"); ST_TRY(st_tc_read_i8(&d->r, &lt->bit_width)); hb = true; break;
        case 2: WANT_BOOL(d, "IntType", "isSigned"); lt->is_signed = type == ST_TC_TRUE; hs = true; break;
        default: SKIP(d);
        }
        FIELD_LOOP_END(d);
        REQUIRE(d, hb && hs, "IntType", "bitWidth/isSigned");
        lt->kind = ST_PQ_LT_INTEGER;
        break;
    }
    case ST_PQ_LT_STRING:
    case ST_PQ_LT_MAP:
    case ST_PQ_LT_LIST:
    case ST_PQ_LT_ENUM:
    case ST_PQ_LT_DATE:
    case ST_PQ_LT_UNKNOWN:
    case ST_PQ_LT_JSON:
    case ST_PQ_LT_BSON:
    case ST_PQ_LT_UUID:
    case ST_PQ_LT_FLOAT16:
    case ST_PQ_LT_VARIANT:
    case ST_PQ_LT_GEOMETRY:
    case ST_PQ_LT_GEOGRAPHY:
        WANT(d, ST_TC_STRUCT, S, "member");
        lt->kind = id;
        SKIP(d);
        break;
    default: SKIP(d); /* unknown member: treated as absent */
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_schema_elem(dec *d, st_pq_schema_elem *s) {
    static const char *S = "SchemaElement";
    bool has_name = false;
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_i32(d, type, S, "type", &s->type)); s->has_type = true; break;
    case 2: ST_TRY(rd_i32(d, type, S, "type_length", &s->type_length)); s->has_type_length = true; break;
    case 3: ST_TRY(rd_i32(d, type, S, "repetition_type", &s->repetition)); s->has_repetition = true; break;
    case 4: ST_TRY(rd_bin(d, type, S, "name", &s->name)); has_name = true; break;
    case 5: ST_TRY(rd_i32(d, type, S, "num_children", &s->num_children)); s->has_num_children = true; break;
    case 6: ST_TRY(rd_i32(d, type, S, "converted_type", &s->converted)); s->has_converted = true; break;
    case 7: ST_TRY(rd_i32(d, type, S, "scale", &s->scale)); s->has_scale = true; break;
    case 8: ST_TRY(rd_i32(d, type, S, "precision", &s->precision)); s->has_precision = true; break;
    case 9: ST_TRY(rd_i32(d, type, S, "field_id", &s->field_id)); s->has_field_id = true; break;
    case 10: WANT(d, ST_TC_STRUCT, S, "logicalType"); ST_TRY(dec_logical(d, &s->logical)); break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    REQUIRE(d, has_name, S, "name");
    return ST_OK;
}

static st_status dec_kv(dec *d, st_pq_kv *kv) {
    bool hk = false;
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_bin(d, type, "KeyValue", "key", &kv->key)); hk = true; break;
    case 2: ST_TRY(rd_bin(d, type, "KeyValue", "value", &kv->value)); kv->has_value = true; break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    REQUIRE(d, hk, "KeyValue", "key");
    return ST_OK;
}

static st_status dec_kv_list(dec *d, int type, const char *s, st_pq_kv **out, uint32_t *n) {
    void *arr;
    ST_TRY(rd_list(d, type, s, "key_value_metadata", ST_TC_STRUCT, sizeof(st_pq_kv), &arr, n));
    *out = arr;
    for (uint32_t i = 0; i < *n; i++) ST_TRY(dec_kv(d, &(*out)[i]));
    st_tc_list_end(&d->r);
    return ST_OK;
}

static st_status dec_enc_stats(dec *d, st_pq_enc_stats *s) {
    static const char *S = "PageEncodingStats";
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_i32(d, type, S, "page_type", &s->page_type)); break;
    case 2: ST_TRY(rd_i32(d, type, S, "encoding", &s->encoding)); break;
    case 3: ST_TRY(rd_i32(d, type, S, "count", &s->count)); break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_column_meta(dec *d, st_pq_column_meta *m) {
    static const char *S = "ColumnMetaData";
    bool ht = false, hc = false, hn = false, hsz = false, hd = false;
    void *arr;
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_i32(d, type, S, "type", &m->type)); ht = true; break;
    case 2:
        ST_TRY(rd_list(d, type, S, "encodings", ST_TC_I32, sizeof(int32_t), &arr, &m->nencodings));
        m->encodings = arr;
        for (uint32_t i = 0; i < m->nencodings; i++) ST_TRY(st_tc_read_i32(&d->r, &m->encodings[i]));
        st_tc_list_end(&d->r);
        break;
    case 3:
        ST_TRY(rd_list(d, type, S, "path_in_schema", ST_TC_BINARY, sizeof(st_pq_bytes), &arr, &m->npath));
        m->path = arr;
        for (uint32_t i = 0; i < m->npath; i++)
            ST_TRY(st_tc_read_binary(&d->r, &m->path[i].p, &m->path[i].len));
        st_tc_list_end(&d->r);
        break;
    case 4: ST_TRY(rd_i32(d, type, S, "codec", &m->codec)); hc = true; break;
    case 5: ST_TRY(rd_i64(d, type, S, "num_values", &m->num_values)); hn = true; break;
    case 6: ST_TRY(rd_i64(d, type, S, "total_uncompressed_size", &m->total_uncompressed_size)); break;
    case 7: ST_TRY(rd_i64(d, type, S, "total_compressed_size", &m->total_compressed_size)); hsz = true; break;
    case 8: ST_TRY(dec_kv_list(d, type, S, &m->kv, &m->nkv)); break;
    case 9: ST_TRY(rd_i64(d, type, S, "data_page_offset", &m->data_page_offset)); hd = true; break;
    case 10: ST_TRY(rd_i64(d, type, S, "index_page_offset", &m->index_page_offset)); m->has_index_page_offset = true; break;
    case 11: ST_TRY(rd_i64(d, type, S, "dictionary_page_offset", &m->dictionary_page_offset)); m->has_dictionary_page_offset = true; break;
    case 12: WANT(d, ST_TC_STRUCT, S, "statistics"); ST_TRY(dec_stats(d, &m->statistics)); m->has_statistics = true; break;
    case 13:
        ST_TRY(rd_list(d, type, S, "encoding_stats", ST_TC_STRUCT, sizeof(st_pq_enc_stats), &arr, &m->nenc_stats));
        m->enc_stats = arr;
        for (uint32_t i = 0; i < m->nenc_stats; i++) ST_TRY(dec_enc_stats(d, &m->enc_stats[i]));
        st_tc_list_end(&d->r);
        break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    REQUIRE(d, ht, S, "type");
    REQUIRE(d, hc, S, "codec");
    REQUIRE(d, hn, S, "num_values");
    REQUIRE(d, hsz, S, "total_compressed_size");
    REQUIRE(d, hd, S, "data_page_offset");
    return ST_OK;
}

static st_status dec_column_chunk(dec *d, st_pq_column_chunk *c) {
    static const char *S = "ColumnChunk";
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_bin(d, type, S, "file_path", &c->file_path)); c->has_file_path = true; break;
    case 2: ST_TRY(rd_i64(d, type, S, "file_offset", &c->file_offset)); break;
    case 3: WANT(d, ST_TC_STRUCT, S, "meta_data"); ST_TRY(dec_column_meta(d, &c->meta_data)); c->has_meta_data = true; break;
    case 8:
    case 9: c->has_crypto = true; SKIP(d); break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_sorting(dec *d, st_pq_sorting_column *s) {
    static const char *S = "SortingColumn";
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_i32(d, type, S, "column_idx", &s->column_idx)); break;
    case 2: WANT_BOOL(d, S, "descending"); s->descending = type == ST_TC_TRUE; break;
    case 3: WANT_BOOL(d, S, "nulls_first"); s->nulls_first = type == ST_TC_TRUE; break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_row_group(dec *d, st_pq_row_group *g) {
    static const char *S = "RowGroup";
    bool hc = false, hn = false;
    void *arr;
    FIELD_LOOP(d) {
    case 1:
        ST_TRY(rd_list(d, type, S, "columns", ST_TC_STRUCT, sizeof(st_pq_column_chunk), &arr, &g->ncolumns));
        g->columns = arr;
        for (uint32_t i = 0; i < g->ncolumns; i++) ST_TRY(dec_column_chunk(d, &g->columns[i]));
        st_tc_list_end(&d->r);
        hc = true;
        break;
    case 2: ST_TRY(rd_i64(d, type, S, "total_byte_size", &g->total_byte_size)); break;
    case 3: ST_TRY(rd_i64(d, type, S, "num_rows", &g->num_rows)); hn = true; break;
    case 4:
        ST_TRY(rd_list(d, type, S, "sorting_columns", ST_TC_STRUCT, sizeof(st_pq_sorting_column), &arr, &g->nsorting));
        g->sorting = arr;
        for (uint32_t i = 0; i < g->nsorting; i++) ST_TRY(dec_sorting(d, &g->sorting[i]));
        st_tc_list_end(&d->r);
        break;
    case 5: ST_TRY(rd_i64(d, type, S, "file_offset", &g->file_offset)); g->has_file_offset = true; break;
    case 6: ST_TRY(rd_i64(d, type, S, "total_compressed_size", &g->total_compressed_size)); g->has_total_compressed_size = true; break;
    case 7: WANT(d, ST_TC_I16, S, "ordinal"); ST_TRY(st_tc_read_i16(&d->r, &g->ordinal)); g->has_ordinal = true; break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    REQUIRE(d, hc, S, "columns");
    REQUIRE(d, hn, S, "num_rows");
    return ST_OK;
}

static st_status dec_column_order(dec *d, int32_t *order) {
    *order = ST_PQ_ORDER_UNKNOWN;
    FIELD_LOOP(d) {
    case 1:
    case 2:
        WANT(d, ST_TC_STRUCT, "ColumnOrder", "member");
        *order = id;
        SKIP(d);
        break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    return ST_OK;
}

static st_status dec_file_meta(dec *d, st_pq_file_meta *m) {
    static const char *S = "FileMetaData";
    bool hs = false, hn = false, hr = false;
    void *arr;
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_i32(d, type, S, "version", &m->version)); break;
    case 2:
        ST_TRY(rd_list(d, type, S, "schema", ST_TC_STRUCT, sizeof(st_pq_schema_elem), &arr, &m->nschema));
        m->schema = arr;
        for (uint32_t i = 0; i < m->nschema; i++) ST_TRY(dec_schema_elem(d, &m->schema[i]));
        st_tc_list_end(&d->r);
        hs = true;
        break;
    case 3: ST_TRY(rd_i64(d, type, S, "num_rows", &m->num_rows)); hn = true; break;
    case 4:
        ST_TRY(rd_list(d, type, S, "row_groups", ST_TC_STRUCT, sizeof(st_pq_row_group), &arr, &m->nrow_groups));
        m->row_groups = arr;
        for (uint32_t i = 0; i < m->nrow_groups; i++) ST_TRY(dec_row_group(d, &m->row_groups[i]));
        st_tc_list_end(&d->r);
        hr = true;
        break;
    case 5: ST_TRY(dec_kv_list(d, type, S, &m->kv, &m->nkv)); break;
    case 6: ST_TRY(rd_bin(d, type, S, "created_by", &m->created_by)); m->has_created_by = true; break;
    case 7:
        ST_TRY(rd_list(d, type, S, "column_orders", ST_TC_STRUCT, sizeof(int32_t), &arr, &m->ncolumn_orders));
        m->column_orders = arr;
        for (uint32_t i = 0; i < m->ncolumn_orders; i++) ST_TRY(dec_column_order(d, &m->column_orders[i]));
        st_tc_list_end(&d->r);
        break;
    case 8:
    case 9: m->has_encryption = true; SKIP(d); break;
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    REQUIRE(d, hs, S, "schema");
    REQUIRE(d, hn, S, "num_rows");
    REQUIRE(d, hr, S, "row_groups");
    return ST_OK;
}

st_status st_pq_decode_file_meta(const uint8_t *p, size_t n, uint64_t file_off, st_arena *a,
                                 size_t budget, st_pq_file_meta *out, st_error *e) {
    dec d;
    st_tc_reader_init(&d.r, p, n, file_off, "footer", e);
    d.a = a;
    d.budget = budget;
    d.used = 0;
    memset(out, 0, sizeof *out);
    st_status rc = dec_file_meta(&d, out);
    return rc ? rc : d.r.rc;
}

static st_status dec_page_header(dec *d, st_pq_page_header *h) {
    static const char *S = "PageHeader";
    bool ht = false, hu = false, hc = false;
    FIELD_LOOP(d) {
    case 1: ST_TRY(rd_i32(d, type, S, "type", &h->type)); ht = true; break;
    case 2: ST_TRY(rd_i32(d, type, S, "uncompressed_page_size", &h->uncompressed_page_size)); hu = true; break;
    case 3: ST_TRY(rd_i32(d, type, S, "compressed_page_size", &h->compressed_page_size)); hc = true; break;
    case 4: {
        int32_t crc;
        ST_TRY(rd_i32(d, type, S, "crc", &crc));
        h->crc = (uint32_t)crc;
        h->has_crc = true;
        break;
    }
    case 5: {
        static const char *D = "DataPageHeader";
        WANT(d, ST_TC_STRUCT, S, "data_page_header");
        bool hn = false, he = false;
        h->data.def_encoding = h->data.rep_encoding = ST_PQ_ENC_RLE;
        FIELD_LOOP(d) {
        case 1: ST_TRY(rd_i32(d, type, D, "num_values", &h->data.num_values)); hn = true; break;
        case 2: ST_TRY(rd_i32(d, type, D, "encoding", &h->data.encoding)); he = true; break;
        case 3: ST_TRY(rd_i32(d, type, D, "definition_level_encoding", &h->data.def_encoding)); break;
        case 4: ST_TRY(rd_i32(d, type, D, "repetition_level_encoding", &h->data.rep_encoding)); break;
        default: SKIP(d);
        }
        FIELD_LOOP_END(d);
        REQUIRE(d, hn, D, "num_values");
        REQUIRE(d, he, D, "encoding");
        h->has_data = true;
        break;
    }
    case 7: {
        static const char *D = "DictionaryPageHeader";
        WANT(d, ST_TC_STRUCT, S, "dictionary_page_header");
        bool hn = false;
        h->dict.encoding = ST_PQ_ENC_PLAIN;
        FIELD_LOOP(d) {
        case 1: ST_TRY(rd_i32(d, type, D, "num_values", &h->dict.num_values)); hn = true; break;
        case 2: ST_TRY(rd_i32(d, type, D, "encoding", &h->dict.encoding)); break;
        case 3: WANT_BOOL(d, D, "is_sorted"); h->dict.is_sorted = type == ST_TC_TRUE; break;
        default: SKIP(d);
        }
        FIELD_LOOP_END(d);
        REQUIRE(d, hn, D, "num_values");
        h->has_dict = true;
        break;
    }
    case 8: {
        static const char *D = "DataPageHeaderV2";
        WANT(d, ST_TC_STRUCT, S, "data_page_header_v2");
        unsigned seen = 0;
        h->v2.is_compressed = true;
        FIELD_LOOP(d) {
        case 1: ST_TRY(rd_i32(d, type, D, "num_values", &h->v2.num_values)); seen |= 1; break;
        case 2: ST_TRY(rd_i32(d, type, D, "num_nulls", &h->v2.num_nulls)); seen |= 2; break;
        case 3: ST_TRY(rd_i32(d, type, D, "num_rows", &h->v2.num_rows)); seen |= 4; break;
        case 4: ST_TRY(rd_i32(d, type, D, "encoding", &h->v2.encoding)); seen |= 8; break;
        case 5: ST_TRY(rd_i32(d, type, D, "definition_levels_byte_length", &h->v2.def_len)); seen |= 16; break;
        case 6: ST_TRY(rd_i32(d, type, D, "repetition_levels_byte_length", &h->v2.rep_len)); seen |= 32; break;
        case 7: WANT_BOOL(d, D, "is_compressed"); h->v2.is_compressed = type == ST_TC_TRUE; break;
        default: SKIP(d);
        }
        FIELD_LOOP_END(d);
        REQUIRE(d, seen == 63, D, "num_values/num_nulls/num_rows/encoding/level lengths");
        h->has_data_v2 = true;
        break;
    }
    default: SKIP(d);
    }
    FIELD_LOOP_END(d);
    REQUIRE(d, ht, S, "type");
    REQUIRE(d, hu, S, "uncompressed_page_size");
    REQUIRE(d, hc, S, "compressed_page_size");
    return ST_OK;
}

st_status st_pq_decode_page_header(const uint8_t *p, size_t n, uint64_t file_off,
                                   st_pq_page_header *out, size_t *hdr_len, st_error *e) {
    dec d;
    st_tc_reader_init(&d.r, p, n, file_off, "page header", e);
    d.a = NULL;
    d.budget = d.used = 0;
    memset(out, 0, sizeof *out);
    st_status rc = dec_page_header(&d, out);
    if (rc == ST_OK) rc = d.r.rc;
    if (rc == ST_OK) *hdr_len = (size_t)(d.r.p - p);
    return rc;
}

/* ---- encoders ----------------------------------------------------------- */

static void enc_stats(st_tc_writer *w, const st_pq_stats *s) {
    if (s->has_max) st_tc_w_binary(w, 1, s->max.p, s->max.len);
    if (s->has_min) st_tc_w_binary(w, 2, s->min.p, s->min.len);
    if (s->has_null_count) st_tc_w_i64(w, 3, s->null_count);
    if (s->has_distinct_count) st_tc_w_i64(w, 4, s->distinct_count);
    if (s->has_max_value) st_tc_w_binary(w, 5, s->max_value.p, s->max_value.len);
    if (s->has_min_value) st_tc_w_binary(w, 6, s->min_value.p, s->min_value.len);
    if (s->has_max_exact) st_tc_w_bool(w, 7, s->is_max_exact);
    if (s->has_min_exact) st_tc_w_bool(w, 8, s->is_min_exact);
    if (s->has_nan_count) st_tc_w_i64(w, 9, s->nan_count);
}

static void enc_empty_struct(st_tc_writer *w, int16_t id) {
    st_tc_w_struct_field(w, id);
    st_tc_w_struct_end(w);
}

static void enc_logical(st_tc_writer *w, const st_pq_logical *lt) {
    switch (lt->kind) {
    case ST_PQ_LT_DECIMAL:
        st_tc_w_struct_field(w, ST_PQ_LT_DECIMAL);
        st_tc_w_i32(w, 1, lt->scale);
        st_tc_w_i32(w, 2, lt->precision);
        st_tc_w_struct_end(w);
        break;
    case ST_PQ_LT_TIME:
    case ST_PQ_LT_TIMESTAMP:
        st_tc_w_struct_field(w, (int16_t)lt->kind);
        st_tc_w_bool(w, 1, lt->utc);
        st_tc_w_struct_field(w, 2);
        enc_empty_struct(w, (int16_t)lt->unit);
        st_tc_w_struct_end(w);
        st_tc_w_struct_end(w);
        break;
    case ST_PQ_LT_INTEGER:
        st_tc_w_struct_field(w, ST_PQ_LT_INTEGER);
        st_tc_w_i8(w, 1, lt->bit_width);
        st_tc_w_bool(w, 2, lt->is_signed);
        st_tc_w_struct_end(w);
        break;
    default: enc_empty_struct(w, (int16_t)lt->kind); break;
    }
}

static void enc_kv_list(st_tc_writer *w, int16_t id, const st_pq_kv *kv, uint32_t n) {
    st_tc_w_list_field(w, id, ST_TC_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        st_tc_w_struct_begin(w);
        st_tc_w_binary(w, 1, kv[i].key.p, kv[i].key.len);
        if (kv[i].has_value) st_tc_w_binary(w, 2, kv[i].value.p, kv[i].value.len);
        st_tc_w_struct_end(w);
    }
}

static void enc_column_meta(st_tc_writer *w, const st_pq_column_meta *m) {
    st_tc_w_i32(w, 1, m->type);
    st_tc_w_list_field(w, 2, ST_TC_I32, m->nencodings);
    for (uint32_t i = 0; i < m->nencodings; i++) st_tc_w_i32_elem(w, m->encodings[i]);
    st_tc_w_list_field(w, 3, ST_TC_BINARY, m->npath);
    for (uint32_t i = 0; i < m->npath; i++) st_tc_w_binary_elem(w, m->path[i].p, m->path[i].len);
    st_tc_w_i32(w, 4, m->codec);
    st_tc_w_i64(w, 5, m->num_values);
    st_tc_w_i64(w, 6, m->total_uncompressed_size);
    st_tc_w_i64(w, 7, m->total_compressed_size);
    if (m->nkv) enc_kv_list(w, 8, m->kv, m->nkv);
    st_tc_w_i64(w, 9, m->data_page_offset);
    if (m->has_index_page_offset) st_tc_w_i64(w, 10, m->index_page_offset);
    if (m->has_dictionary_page_offset) st_tc_w_i64(w, 11, m->dictionary_page_offset);
    if (m->has_statistics) {
        st_tc_w_struct_field(w, 12);
        enc_stats(w, &m->statistics);
        st_tc_w_struct_end(w);
    }
    if (m->nenc_stats) {
        st_tc_w_list_field(w, 13, ST_TC_STRUCT, m->nenc_stats);
        for (uint32_t i = 0; i < m->nenc_stats; i++) {
            st_tc_w_struct_begin(w);
            st_tc_w_i32(w, 1, m->enc_stats[i].page_type);
            st_tc_w_i32(w, 2, m->enc_stats[i].encoding);
            st_tc_w_i32(w, 3, m->enc_stats[i].count);
            st_tc_w_struct_end(w);
        }
    }
}

void st_pq_encode_file_meta(st_sbuf *out, const st_pq_file_meta *m) {
    st_tc_writer w;
    st_tc_writer_init(&w, out);
    st_tc_w_struct_begin(&w);
    st_tc_w_i32(&w, 1, m->version);
    st_tc_w_list_field(&w, 2, ST_TC_STRUCT, m->nschema);
    for (uint32_t i = 0; i < m->nschema; i++) {
        const st_pq_schema_elem *s = &m->schema[i];
        st_tc_w_struct_begin(&w);
        if (s->has_type) st_tc_w_i32(&w, 1, s->type);
        if (s->has_type_length) st_tc_w_i32(&w, 2, s->type_length);
        if (s->has_repetition) st_tc_w_i32(&w, 3, s->repetition);
        st_tc_w_binary(&w, 4, s->name.p, s->name.len);
        if (s->has_num_children) st_tc_w_i32(&w, 5, s->num_children);
        if (s->has_converted) st_tc_w_i32(&w, 6, s->converted);
        if (s->has_scale) st_tc_w_i32(&w, 7, s->scale);
        if (s->has_precision) st_tc_w_i32(&w, 8, s->precision);
        if (s->has_field_id) st_tc_w_i32(&w, 9, s->field_id);
        if (s->logical.kind != ST_PQ_LT_NONE) {
            st_tc_w_struct_field(&w, 10);
            enc_logical(&w, &s->logical);
            st_tc_w_struct_end(&w);
        }
        st_tc_w_struct_end(&w);
    }
    st_tc_w_i64(&w, 3, m->num_rows);
    st_tc_w_list_field(&w, 4, ST_TC_STRUCT, m->nrow_groups);
    for (uint32_t g = 0; g < m->nrow_groups; g++) {
        const st_pq_row_group *rg = &m->row_groups[g];
        st_tc_w_struct_begin(&w);
        st_tc_w_list_field(&w, 1, ST_TC_STRUCT, rg->ncolumns);
        for (uint32_t c = 0; c < rg->ncolumns; c++) {
            const st_pq_column_chunk *cc = &rg->columns[c];
            st_tc_w_struct_begin(&w);
            if (cc->has_file_path) st_tc_w_binary(&w, 1, cc->file_path.p, cc->file_path.len);
            st_tc_w_i64(&w, 2, cc->file_offset);
            if (cc->has_meta_data) {
                st_tc_w_struct_field(&w, 3);
                enc_column_meta(&w, &cc->meta_data);
                st_tc_w_struct_end(&w);
            }
            st_tc_w_struct_end(&w);
        }
        st_tc_w_i64(&w, 2, rg->total_byte_size);
        st_tc_w_i64(&w, 3, rg->num_rows);
        if (rg->nsorting) {
            st_tc_w_list_field(&w, 4, ST_TC_STRUCT, rg->nsorting);
            for (uint32_t i = 0; i < rg->nsorting; i++) {
                st_tc_w_struct_begin(&w);
                st_tc_w_i32(&w, 1, rg->sorting[i].column_idx);
                st_tc_w_bool(&w, 2, rg->sorting[i].descending);
                st_tc_w_bool(&w, 3, rg->sorting[i].nulls_first);
                st_tc_w_struct_end(&w);
            }
        }
        if (rg->has_file_offset) st_tc_w_i64(&w, 5, rg->file_offset);
        if (rg->has_total_compressed_size) st_tc_w_i64(&w, 6, rg->total_compressed_size);
        if (rg->has_ordinal) st_tc_w_i16(&w, 7, rg->ordinal);
        st_tc_w_struct_end(&w);
    }
    if (m->nkv) enc_kv_list(&w, 5, m->kv, m->nkv);
    if (m->has_created_by) st_tc_w_binary(&w, 6, m->created_by.p, m->created_by.len);
    if (m->ncolumn_orders) {
        st_tc_w_list_field(&w, 7, ST_TC_STRUCT, m->ncolumn_orders);
        for (uint32_t i = 0; i < m->ncolumn_orders; i++) {
            st_tc_w_struct_begin(&w);
            enc_empty_struct(&w, (int16_t)m->column_orders[i]);
            st_tc_w_struct_end(&w);
        }
    }
    st_tc_w_struct_end(&w);
}

void st_pq_encode_page_header(st_sbuf *out, const st_pq_page_header *h) {
    st_tc_writer w;
    st_tc_writer_init(&w, out);
    st_tc_w_struct_begin(&w);
    st_tc_w_i32(&w, 1, h->type);
    st_tc_w_i32(&w, 2, h->uncompressed_page_size);
    st_tc_w_i32(&w, 3, h->compressed_page_size);
    if (h->has_crc) st_tc_w_i32(&w, 4, (int32_t)h->crc);
    if (h->has_data) {
        st_tc_w_struct_field(&w, 5);
        st_tc_w_i32(&w, 1, h->data.num_values);
        st_tc_w_i32(&w, 2, h->data.encoding);
        st_tc_w_i32(&w, 3, h->data.def_encoding);
        st_tc_w_i32(&w, 4, h->data.rep_encoding);
        st_tc_w_struct_end(&w);
    }
    if (h->has_dict) {
        st_tc_w_struct_field(&w, 7);
        st_tc_w_i32(&w, 1, h->dict.num_values);
        st_tc_w_i32(&w, 2, h->dict.encoding);
        if (h->dict.is_sorted) st_tc_w_bool(&w, 3, true);
        st_tc_w_struct_end(&w);
    }
    if (h->has_data_v2) {
        st_tc_w_struct_field(&w, 8);
        st_tc_w_i32(&w, 1, h->v2.num_values);
        st_tc_w_i32(&w, 2, h->v2.num_nulls);
        st_tc_w_i32(&w, 3, h->v2.num_rows);
        st_tc_w_i32(&w, 4, h->v2.encoding);
        st_tc_w_i32(&w, 5, h->v2.def_len);
        st_tc_w_i32(&w, 6, h->v2.rep_len);
        if (!h->v2.is_compressed) st_tc_w_bool(&w, 7, false);
        st_tc_w_struct_end(&w);
    }
    st_tc_w_struct_end(&w);
}

/* ---- names -------------------------------------------------------------- */

static const char *name_or_num(const char *const *names, size_t n, int32_t v, char *buf) {
    if (v >= 0 && (size_t)v < n && names[v]) return names[v];
    snprintf(buf, 16, "#%d", (int)v);
    return buf;
}

const char *st_pq_codec_name(int32_t codec, char *buf) {
    static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                        "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    return name_or_num(names, sizeof names / sizeof *names, codec, buf);
}

const char *st_pq_type_name(int32_t type, char *buf) {
    static const char *const names[] = {"BOOLEAN", "INT32", "INT64", "INT96",
                                        "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return name_or_num(names, sizeof names / sizeof *names, type, buf);
}

const char *st_pq_encoding_name(int32_t enc, char *buf) {
    static const char *const names[] = {"PLAIN", NULL, "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                        "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY",
                                        "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return name_or_num(names, sizeof names / sizeof *names, enc, buf);
}
