/*
 * src_text.h: CSV and NDJSON files as stream sources (engine/source.h) for
 * SQL over files (src_text.c explains the options and the type inference).
 */
#ifndef ST_SRC_TEXT_H
#define ST_SRC_TEXT_H

#include <stdbool.h>

#include "engine/catalog.h"
#include "engine/source.h"

st_status st_text_source_open(const char *path, bool csv, const st_file_option *opts,
                              uint32_t nopts, st_source **out, st_error *e);

#endif /* ST_SRC_TEXT_H */
