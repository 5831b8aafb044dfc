/*
 * cmd_inspect.c: `strata inspect FILE`: a segment's structure as JSON.
 *
 * Prints what the footer says, without decoding any data: the header fields
 * and layout, the schema with field ids, per column the totals (stored,
 * encoded and decoded bytes, encodings used, segment zone map) and, unless
 * --brief, per row group and column the block offset, sizes, encoding,
 * compression and zone map.  Opening validates the checksums of the header,
 * tail and footer, so a damaged footer is reported here too; `verify` checks
 * the data blocks.
 *
 * The JSON shape (keys in this order; sizes in bytes):
 *   {"file", "format": "strata-segment", "version", "segment_id" (hex),
 *    "file_bytes", "rows", "row_group_count", "rowgroup_rows",
 *    "layout": {"header_bytes", "footer_offset", "footer_bytes", "tail_bytes"},
 *    "columns": [{"index", "field_id", "name", "type", "nullable",
 *                 "stored_bytes", "encoded_bytes", "data_bytes",
 *                 "bytes_per_row", "encodings": {"dict": 3, ...},
 *                 "zstd_chunks", "zonemap": {...}}],
 *    "row_groups": [{"index", "first_row", "rows",
 *                    "chunks": [{"column", "offset", "stored_bytes",
 *                                "encoded_bytes", "data_bytes", "encoding",
 *                                "compression", "nulls", "zonemap"}]}]}
 * Zone maps use st_zonemap_to_json (the commit log's form).
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli/cli.h"
#include "format/segment.h"

static json_t *jint(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *segment_json(const st_segment *s, bool brief) {
    const st_schema *sc = st_segment_schema(s);
    uint32_t G = st_segment_nrowgroups(s), C = sc->nfields;
    st_segment_layout lay;
    st_segment_layout_info(s, &lay);
    char hex[2 * ST_SEGMENT_ID_LEN + 1];
    const uint8_t *id = st_segment_id(s);
    for (int i = 0; i < ST_SEGMENT_ID_LEN; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);

    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(st_segment_name(s)));
    json_object_set_new(o, "format", json_string("strata-segment"));
    json_object_set_new(o, "version", json_integer(ST_SEGMENT_VERSION));
    json_object_set_new(o, "segment_id", json_string(hex));
    json_object_set_new(o, "file_bytes", jint(st_segment_file_size(s)));
    json_object_set_new(o, "rows", jint(st_segment_rows(s)));
    json_object_set_new(o, "row_group_count", jint(G));
    json_object_set_new(o, "rowgroup_rows", jint(lay.rowgroup_rows));
    json_t *l = json_object();
    json_object_set_new(l, "header_bytes", jint(lay.header_bytes));
    json_object_set_new(l, "footer_offset", jint(lay.footer_offset));
    json_object_set_new(l, "footer_bytes", jint(lay.footer_bytes));
    json_object_set_new(l, "tail_bytes", jint(lay.tail_bytes));
    json_object_set_new(o, "layout", l);

    json_t *cols = json_array();
    for (uint32_t c = 0; c < C; c++) {
        const st_field *f = &sc->fields[c];
        char tn[ST_TYPE_NAME_MAX];
        uint64_t stored = 0, encoded = 0, data = 0, zchunks = 0;
        uint64_t per_enc[ST_ENC__COUNT] = {0};
        for (uint32_t g = 0; g < G; g++) {
            st_segment_chunk ch;
            st_segment_chunk_info(s, g, c, &ch);
            stored += ch.block_bytes;
            encoded += ch.raw_bytes;
            data += ch.data_bytes;
            zchunks += ch.compression == ST_COMP_ZSTD;
            if (ch.encoding < ST_ENC__COUNT) per_enc[ch.encoding]++;
        }
        json_t *j = json_object();
        json_object_set_new(j, "index", jint(c));
        json_object_set_new(j, "field_id", jint(f->id));
        json_object_set_new(j, "name", json_string(f->name));
        json_object_set_new(j, "type", json_string(st_type_name(f->type, tn)));
        json_object_set_new(j, "nullable", json_boolean(f->nullable));
        json_object_set_new(j, "stored_bytes", jint(stored));
        json_object_set_new(j, "encoded_bytes", jint(encoded));
        json_object_set_new(j, "data_bytes", jint(data));
        uint64_t rows = st_segment_rows(s);
        json_object_set_new(j, "bytes_per_row",
                            json_real(rows ? (double)(int64_t)(stored * 1000 / rows) / 1000.0 : 0));
        json_t *encs = json_object();
        for (int k = 0; k < ST_ENC__COUNT; k++)
            if (per_enc[k]) json_object_set_new(encs, st_segment_encoding_name(k), jint(per_enc[k]));
        json_object_set_new(j, "encodings", encs);
        json_object_set_new(j, "zstd_chunks", jint(zchunks));
        json_object_set_new(j, "zonemap", st_zonemap_to_json(st_segment_zonemap(s, c)));
        json_array_append_new(cols, j);
    }
    json_object_set_new(o, "columns", cols);
    if (brief) return o;

    json_t *rgs = json_array();
    for (uint32_t g = 0; g < G; g++) {
        json_t *r = json_object();
        json_object_set_new(r, "index", jint(g));
        json_object_set_new(r, "first_row", jint(st_segment_rowgroup_first_row(s, g)));
        json_object_set_new(r, "rows", jint(st_segment_rowgroup_rows(s, g)));
        json_t *chunks = json_array();
        for (uint32_t c = 0; c < C; c++) {
            st_segment_chunk ch;
            st_segment_chunk_info(s, g, c, &ch);
            json_t *k = json_object();
            json_object_set_new(k, "column", jint(c));
            json_object_set_new(k, "offset", jint(ch.offset));
            json_object_set_new(k, "stored_bytes", jint(ch.block_bytes));
            json_object_set_new(k, "encoded_bytes", jint(ch.raw_bytes));
            json_object_set_new(k, "data_bytes", jint(ch.data_bytes));
            json_object_set_new(k, "encoding", json_string(st_segment_encoding_name(ch.encoding)));
            json_object_set_new(k, "compression",
                                json_string(st_segment_compression_name(ch.compression)));
            json_object_set_new(k, "nulls", jint(ch.null_count));
            json_object_set_new(k, "zonemap", st_zonemap_to_json(st_segment_rowgroup_zonemap(s, g, c)));
            json_array_append_new(chunks, k);
        }
        json_object_set_new(r, "chunks", chunks);
        json_array_append_new(rgs, r);
    }
    json_object_set_new(o, "row_groups", rgs);
    return o;
}

static int cmd_inspect(st_cli *cli, int argc, char **argv) {
    (void)cli;
    bool brief = false, compact = false;
    const st_opt opts[] = {
        {"brief", 0, ST_OPT_FLAG, &brief, NULL, "omit the per-row-group details"},
        {"compact", 0, ST_OPT_FLAG, &compact, NULL, "one line of JSON instead of indented"},
        {0},
    };
    const st_cmd_help help = {
        "strata inspect FILE [--brief] [--compact]",
        "Print a segment file's structure as JSON: format version, segment id, layout,\n"
        "schema with field ids, and per column and row group the encoding, the\n"
        "compression, the stored, encoded and decoded sizes and the zone map (min,\n"
        "max, nulls, distinct estimate).  Reads only the footer; run `strata verify`\n"
        "to check the data blocks.",
        "  strata inspect warehouse/bronze/sales/seg-000001.seg --brief\n"
        "  strata inspect part.seg | jq '.columns[] | {name, encodings, bytes_per_row}'",
    };
    char *pos[argc > 0 ? argc : 1];
    int npos;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 1) return st_cli_usage("inspect", "expected one FILE");
    st_segment *s;
    st_error e;
    if (st_segment_open(pos[0], &s, &e) != ST_OK) return st_cli_fail(&e);
    json_t *j = segment_json(s, brief);
    char *out = json_dumps(j, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER |
                                  JSON_REAL_PRECISION(6));
    json_decref(j);
    st_segment_close(s);
    if (!out) return st_cli_failf("%s: out of memory formatting JSON", pos[0]);
    puts(out);
    free(out);
    return 0;
}

ST_CLI_COMMAND("inspect", cmd_inspect, 90, "dump a segment file's header, columns, encodings and zone maps as JSON")
