/*
 * src_files.c: st_file_source_open (catalog.h): a file as a source, by
 * format: the name's extension, or the function that names it
 * (read_csv, read_json, read_parquet).  CSV and NDJSON go through the text
 * readers (engine/src_text.c), Parquet through engine/src_parquet.c.
 */
#include <string.h>
#include <strings.h>

#include "engine/catalog.h"
#include "engine/src_parquet.h"
#include "engine/src_text.h"

static const char *ext_of(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot + 1 : "";
}

st_status st_file_source_open(const char *path, const char *func, const st_file_option *opts,
                              uint32_t nopts, st_source **out, st_error *e) {
    *out = NULL;
    const char *fmt = NULL;
    if (func) {
        if (!strncasecmp(func, "read_csv", 8)) fmt = "CSV";
        else if (!strncasecmp(func, "read_json", 9) || !strncasecmp(func, "read_ndjson", 11)) fmt = "NDJSON";
        else if (!strcasecmp(func, "read_parquet")) fmt = "Parquet";
    } else {
        const char *x = ext_of(path);
        if (!strcasecmp(x, "csv") || !strcasecmp(x, "tsv") || !strcasecmp(x, "txt")) fmt = "CSV";
        else if (!strcasecmp(x, "ndjson") || !strcasecmp(x, "jsonl") || !strcasecmp(x, "json")) fmt = "NDJSON";
        else if (!strcasecmp(x, "parquet")) fmt = "Parquet";
    }
    if (!fmt)
        return st_error_set(e, ST_ERR_UNSUPPORTED,
                            "%s: unknown file format (name it .csv, .ndjson or .parquet, or use "
                            "read_csv(), read_json(), read_parquet())", path);
    if (!strcmp(fmt, "CSV")) return st_text_source_open(path, true, opts, nopts, out, e);
    if (!strcmp(fmt, "NDJSON")) return st_text_source_open(path, false, opts, nopts, out, e);
    if (nopts)
        return st_error_set(e, ST_ERR_INVALID, "%s: read_parquet takes no options (got '%s')", path,
                            opts[0].name);
    return st_parquet_source_open(path, out, e);
}
