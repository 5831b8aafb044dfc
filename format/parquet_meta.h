/*
 * parquet_meta.h: the Parquet metadata structures (parquet.thrift) that
 * Strata reads and writes, with their compact-protocol decoders and encoders.
 *
 * Used by the Parquet reader and writer (parquet_read.c, parquet_write.c) and
 * by the Thrift fuzz target; everything else goes through parquet.h.
 *
 * Field ids follow apache/parquet-format parquet.thrift (the table is in
 * ../shared/reference/interop.md §1.3).  Only the fields Strata uses are
 * kept; every other field (bloom filters, size statistics, geospatial
 * statistics, encryption metadata, ...) is skipped generically by the
 * decoder, so files from newer writers still open.  Required fields are
 * checked: a missing one is a corruption error naming the struct and field.
 *
 * Memory: decoded byte strings (names, statistics) point into the input
 * buffer (zero copy: the caller keeps the footer bytes alive as long as the
 * decoded metadata).  Arrays are allocated from an arena under a byte budget
 * the caller gives, so a small hostile footer cannot make the decoder
 * allocate much more than its own size.
 *
 * Unknown enum values are kept as their numbers; the reader decides what to
 * refuse (an unknown codec gets an error naming it).  An unknown LogicalType
 * member is treated as absent (as parquet.thrift's union evolution intends),
 * so the ConvertedType (or the physical type) decides.
 */
#ifndef ST_PARQUET_META_H
#define ST_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/status.h"

/* Physical types */
enum {
    ST_PQ_BOOLEAN = 0,
    ST_PQ_INT32 = 1,
    ST_PQ_INT64 = 2,
    ST_PQ_INT96 = 3,
    ST_PQ_FLOAT = 4,
    ST_PQ_DOUBLE = 5,
    ST_PQ_BYTE_ARRAY = 6,
    ST_PQ_FLBA = 7
};
/* Repetition */
enum { ST_PQ_REQUIRED = 0, ST_PQ_OPTIONAL = 1, ST_PQ_REPEATED = 2 };
/* ConvertedType */
enum {
    ST_PQ_CT_UTF8 = 0,
    ST_PQ_CT_MAP = 1,
    ST_PQ_CT_MAP_KEY_VALUE = 2,
    ST_PQ_CT_LIST = 3,
    ST_PQ_CT_ENUM = 4,
    ST_PQ_CT_DECIMAL = 5,
    ST_PQ_CT_DATE = 6,
    ST_PQ_CT_TIME_MILLIS = 7,
    ST_PQ_CT_TIME_MICROS = 8,
    ST_PQ_CT_TIMESTAMP_MILLIS = 9,
    ST_PQ_CT_TIMESTAMP_MICROS = 10,
    ST_PQ_CT_UINT_8 = 11,
    ST_PQ_CT_UINT_16 = 12,
    ST_PQ_CT_UINT_32 = 13,
    ST_PQ_CT_UINT_64 = 14,
    ST_PQ_CT_INT_8 = 15,
    ST_PQ_CT_INT_16 = 16,
    ST_PQ_CT_INT_32 = 17,
    ST_PQ_CT_INT_64 = 18,
    ST_PQ_CT_JSON = 19,
    ST_PQ_CT_BSON = 20,
    ST_PQ_CT_INTERVAL = 21
};
/* LogicalType union members (field ids) */
enum {
    ST_PQ_LT_NONE = 0,
    ST_PQ_LT_STRING = 1,
    ST_PQ_LT_MAP = 2,
    ST_PQ_LT_LIST = 3,
    ST_PQ_LT_ENUM = 4,
    ST_PQ_LT_DECIMAL = 5,
    ST_PQ_LT_DATE = 6,
    ST_PQ_LT_TIME = 7,
    ST_PQ_LT_TIMESTAMP = 8,
    ST_PQ_LT_INTEGER = 10,
    ST_PQ_LT_UNKNOWN = 11,
    ST_PQ_LT_JSON = 12,
    ST_PQ_LT_BSON = 13,
    ST_PQ_LT_UUID = 14,
    ST_PQ_LT_FLOAT16 = 15,
    ST_PQ_LT_VARIANT = 16,
    ST_PQ_LT_GEOMETRY = 17,
    ST_PQ_LT_GEOGRAPHY = 18
};
/* TimeUnit */
enum { ST_PQ_UNIT_MILLIS = 1, ST_PQ_UNIT_MICROS = 2, ST_PQ_UNIT_NANOS = 3 };
/* Encoding */
enum {
    ST_PQ_ENC_PLAIN = 0,
    ST_PQ_ENC_PLAIN_DICTIONARY = 2,
    ST_PQ_ENC_RLE = 3,
    ST_PQ_ENC_BIT_PACKED = 4,
    ST_PQ_ENC_DELTA_BINARY_PACKED = 5,
    ST_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    ST_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    ST_PQ_ENC_RLE_DICTIONARY = 8,
    ST_PQ_ENC_BYTE_STREAM_SPLIT = 9
};
/* CompressionCodec */
enum {
    ST_PQ_CODEC_UNCOMPRESSED = 0,
    ST_PQ_CODEC_SNAPPY = 1,
    ST_PQ_CODEC_GZIP = 2,
    ST_PQ_CODEC_LZO = 3,
    ST_PQ_CODEC_BROTLI = 4,
    ST_PQ_CODEC_LZ4 = 5,
    ST_PQ_CODEC_ZSTD = 6,
    ST_PQ_CODEC_LZ4_RAW = 7
};
/* PageType */
enum {
    ST_PQ_PAGE_DATA = 0,
    ST_PQ_PAGE_INDEX = 1,
    ST_PQ_PAGE_DICTIONARY = 2,
    ST_PQ_PAGE_DATA_V2 = 3
};
/* ColumnOrder union members */
enum { ST_PQ_ORDER_UNKNOWN = 0, ST_PQ_ORDER_TYPE = 1, ST_PQ_ORDER_IEEE754 = 2 };

typedef struct st_pq_bytes {
    const uint8_t *p;
    uint32_t len;
} st_pq_bytes;

typedef struct st_pq_stats {
    bool has_max, has_min, has_null_count, has_distinct_count;
    bool has_max_value, has_min_value, has_max_exact, has_min_exact, has_nan_count;
    bool is_max_exact, is_min_exact;
    st_pq_bytes max, min;             /* deprecated (signed order) */
    st_pq_bytes max_value, min_value; /* column order */
    int64_t null_count, distinct_count, nan_count;
} st_pq_stats;

typedef struct st_pq_logical {
    int kind; /* ST_PQ_LT_*; NONE when absent or unknown */
    int32_t scale, precision;      /* DECIMAL */
    bool utc;                      /* TIME, TIMESTAMP: isAdjustedToUTC */
    int unit;                      /* TIME, TIMESTAMP: ST_PQ_UNIT_* (0 = unknown) */
    int8_t bit_width;              /* INTEGER */
    bool is_signed;                /* INTEGER */
} st_pq_logical;

typedef struct st_pq_schema_elem {
    bool has_type, has_type_length, has_repetition, has_num_children;
    bool has_converted, has_scale, has_precision, has_field_id;
    int32_t type, type_length, repetition, num_children;
    int32_t converted, scale, precision, field_id;
    st_pq_bytes name;
    st_pq_logical logical;
} st_pq_schema_elem;

typedef struct st_pq_kv {
    st_pq_bytes key, value;
    bool has_value;
} st_pq_kv;

typedef struct st_pq_enc_stats {
    int32_t page_type, encoding, count;
} st_pq_enc_stats;

typedef struct st_pq_column_meta {
    int32_t type, codec;
    int32_t *encodings;
    uint32_t nencodings;
    st_pq_bytes *path;
    uint32_t npath;
    int64_t num_values, total_uncompressed_size, total_compressed_size;
    int64_t data_page_offset, index_page_offset, dictionary_page_offset;
    bool has_index_page_offset, has_dictionary_page_offset, has_statistics;
    st_pq_stats statistics;
    st_pq_enc_stats *enc_stats;
    uint32_t nenc_stats;
    st_pq_kv *kv;
    uint32_t nkv;
} st_pq_column_meta;

typedef struct st_pq_column_chunk {
    bool has_file_path, has_meta_data, has_crypto;
    st_pq_bytes file_path;
    int64_t file_offset;
    st_pq_column_meta meta_data;
} st_pq_column_chunk;

typedef struct st_pq_sorting_column {
    int32_t column_idx;
    bool descending, nulls_first;
} st_pq_sorting_column;

typedef struct st_pq_row_group {
    st_pq_column_chunk *columns;
    uint32_t ncolumns;
    int64_t total_byte_size, num_rows;
    bool has_file_offset, has_total_compressed_size, has_ordinal;
    int64_t file_offset, total_compressed_size;
    int16_t ordinal;
    st_pq_sorting_column *sorting;
    uint32_t nsorting;
} st_pq_row_group;

typedef struct st_pq_file_meta {
    int32_t version;
    st_pq_schema_elem *schema;
    uint32_t nschema;
    int64_t num_rows;
    st_pq_row_group *row_groups;
    uint32_t nrow_groups;
    st_pq_kv *kv;
    uint32_t nkv;
    bool has_created_by, has_encryption;
    st_pq_bytes created_by;
    int32_t *column_orders; /* ST_PQ_ORDER_* per leaf; NULL when absent */
    uint32_t ncolumn_orders;
} st_pq_file_meta;

typedef struct st_pq_page_header {
    int32_t type, uncompressed_page_size, compressed_page_size;
    bool has_crc, has_data, has_dict, has_data_v2;
    uint32_t crc;
    struct {
        int32_t num_values, encoding, def_encoding, rep_encoding;
    } data;
    struct {
        int32_t num_values, encoding;
        bool is_sorted;
    } dict;
    struct {
        int32_t num_values, num_nulls, num_rows, encoding, def_len, rep_len;
        bool is_compressed;
    } v2;
} st_pq_page_header;

/* Decode a FileMetaData of n bytes at p.  file_off is p's offset in the file
 * (for messages).  Arrays come from `a`, at most `budget` bytes of them. */
st_status st_pq_decode_file_meta(const uint8_t *p, size_t n, uint64_t file_off, st_arena *a,
                                 size_t budget, st_pq_file_meta *out, st_error *e);

/* Decode a PageHeader starting at p with at most n bytes available; *hdr_len
 * gets its encoded size.  Page statistics are skipped. */
st_status st_pq_decode_page_header(const uint8_t *p, size_t n, uint64_t file_off,
                                   st_pq_page_header *out, size_t *hdr_len, st_error *e);

/* Encoders: append the compact encoding to out (sticky allocation failure in
 * out->failed).  Every required field is written, fields in ascending id
 * order.  Deprecated statistics min/max are written when has_min/has_max. */
void st_pq_encode_file_meta(st_sbuf *out, const st_pq_file_meta *m);
void st_pq_encode_page_header(st_sbuf *out, const st_pq_page_header *h);

/* Names for messages: "SNAPPY", "INT96", "RLE_DICTIONARY"; "#N" for unknown
 * values (buf must hold 16 bytes; returned when used). */
const char *st_pq_codec_name(int32_t codec, char *buf);
const char *st_pq_type_name(int32_t type, char *buf);
const char *st_pq_encoding_name(int32_t enc, char *buf);

#endif /* ST_PARQUET_META_H */
