/*
 * sq_files.c: files named in FROM ('f.csv', read_csv('f.csv'), ...) become
 * sources through st_file_source_open (engine/catalog.h), which knows the
 * formats; this file only maps SQL's table functions to it.
 */
#include <string.h>
#include <strings.h>

#include "engine/catalog.h"
#include "engine/sql/sql_int.h"

st_status sq_file_open(const char *path, const char *func, const st_file_option *opts,
                       uint32_t nopts, st_source **out, st_error *e) {
    if (func) {
        static const char *known[] = {"read_csv", "read_csv_auto", "read_json", "read_json_auto",
                                      "read_ndjson", "read_ndjson_auto", "read_parquet", NULL};
        bool ok = false;
        for (int i = 0; known[i]; i++)
            if (!strcasecmp(func, known[i])) ok = true;
        if (!ok)
            return st_error_set(e, ST_ERR_NOT_FOUND,
                                "unknown table function %s() (read_csv, read_json, read_ndjson, "
                                "read_parquet)", func);
    }
    return st_file_source_open(path, func, opts, nopts, out, e);
}
