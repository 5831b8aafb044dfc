/*
 * parquet_tool.c: a small driver over format/parquet.h for the peer tests
 * (tests/peer/test_parquet.sh) while the CLI commands (ingest/export/SQL)
 * are wired by their owners.  Built by the test script against libstrata.a.
 *
 *   parquet_tool cat FILE [COL,COL...] [--null TEXT]
 *                                         rows as DuckDB's duckq prints them:
 *                                         values comma-joined, NULL empty (or TEXT)
 *   parquet_tool schema FILE              "name TYPE NULL|NOT NULL" lines
 *   parquet_tool stats FILE               zone maps per row group (JSON lines)
 *   parquet_tool from-csv SCHEMA IN.csv OUT.parquet [--codec C] [--no-dict]
 *                [--rg-rows N] [--page-rows N] [--threads N]
 *       SCHEMA: "name TYPE [NOT NULL], ..."; IN.csv has a header line; an
 *       empty unquoted field is NULL.
 *
 * Exit status 1 with "parquet_tool: error: ..." on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet.h"
#include "format/schema.h"
#include "format/valtext.h"
#include "format/zonemap.h"

static int die(const st_error *e) {
    fprintf(stderr, "parquet_tool: error: %s\n", e->msg);
    return 1;
}

static int cmd_cat(const char *path, const char *cols_arg, const char *null_text) {
    st_error e;
    st_error_clear(&e);
    st_pq_reader *r;
    if (st_pq_open(path, &r, &e)) return die(&e);
    const st_schema *s = st_pq_schema(r);
    uint32_t cols[4096], ncols = 0;
    if (cols_arg) {
        char *dup = strdup(cols_arg), *save = NULL;
        for (char *t = strtok_r(dup, ",", &save); t && ncols < 4096; t = strtok_r(NULL, ",", &save)) {
            int k = st_schema_find(s, t);
            if (k < 0) {
                fprintf(stderr, "parquet_tool: error: no column %s\n", t);
                return 1;
            }
            cols[ncols++] = (uint32_t)k;
        }
        free(dup);
    } else {
        for (uint32_t i = 0; i < s->nfields && i < 4096; i++) cols[ncols++] = i;
    }
    st_type types[4096];
    for (uint32_t i = 0; i < ncols; i++) types[i] = s->fields[cols[i]].type;
    st_batch *b = st_batch_new(types, ncols, 0);
    st_sbuf sb = ST_SBUF_INIT;
    for (uint32_t g = 0; g < st_pq_num_row_groups(r); g++) {
        uint64_t rows = st_pq_rg_rows(r, g);
        for (uint64_t off = 0; off < rows;) {
            uint32_t n = rows - off > 100000 ? 100000 : (uint32_t)(rows - off);
            if (st_pq_read(r, g, off, n, cols, ncols, b, &e)) return die(&e);
            for (uint32_t i = 0; i < n; i++) {
                st_sbuf_clear(&sb);
                for (uint32_t c = 0; c < ncols; c++) {
                    if (c) st_sbuf_putc(&sb, ',');
                    if (!st_vector_is_null(b->cols[c], i)) st_text_cell(&sb, b->cols[c], i, ST_CELL_PLAIN, ',', '"');
                    else if (null_text) st_sbuf_append(&sb, null_text, strlen(null_text));
                }
                st_sbuf_putc(&sb, '\n');
                fwrite(sb.p, 1, sb.len, stdout);
            }
            off += n;
        }
    }
    st_sbuf_free(&sb);
    st_batch_free(b);
    st_pq_close(r);
    return 0;
}

static int cmd_schema(const char *path) {
    st_error e;
    st_pq_reader *r;
    if (st_pq_open(path, &r, &e)) return die(&e);
    const st_schema *s = st_pq_schema(r);
    for (uint32_t i = 0; i < s->nfields; i++) {
        char tn[ST_TYPE_NAME_MAX];
        printf("%s %s %s\n", s->fields[i].name, st_type_name(s->fields[i].type, tn),
               s->fields[i].nullable ? "NULL" : "NOT NULL");
    }
    st_pq_close(r);
    return 0;
}

static int cmd_stats(const char *path) {
    st_error e;
    st_pq_reader *r;
    if (st_pq_open(path, &r, &e)) return die(&e);
    const st_schema *s = st_pq_schema(r);
    printf("created_by %s\n", st_pq_created_by(r));
    for (uint32_t g = 0; g < st_pq_num_row_groups(r); g++) {
        const st_zonemap *zm = st_pq_rg_zonemaps(r, g);
        if (!zm) {
            printf("rg %u: no trusted statistics\n", g);
            continue;
        }
        for (uint32_t c = 0; c < s->nfields; c++) {
            json_t *j = st_zonemap_to_json(&zm[c]);
            char *txt = json_dumps(j, JSON_COMPACT);
            printf("rg %u %s %s\n", g, s->fields[c].name, txt);
            free(txt);
            json_decref(j);
        }
    }
    st_pq_close(r);
    return 0;
}

/* ---- CSV -> Parquet ----------------------------------------------------- */

static st_status parse_schema(const char *spec, st_schema **out, st_error *e) {
    st_schema *s = st_schema_new();
    char *dup = strdup(spec), *save = NULL;
    uint32_t id = 1;
    /* split on commas that are not inside parentheses */
    char *p = dup, *start = dup;
    int depth = 0;
    st_status rc = ST_OK;
    for (;; p++) {
        if (*p == '(') depth++;
        if (*p == ')') depth--;
        if ((*p == ',' && depth == 0) || *p == 0) {
            char save_c = *p;
            *p = 0;
            char *f = start;
            while (*f == ' ') f++;
            char *sp = strchr(f, ' ');
            if (!sp) {
                rc = st_error_set(e, ST_ERR_INVALID, "bad schema item '%s'", f);
                break;
            }
            *sp = 0;
            char *ty = sp + 1;
            bool nullable = true;
            char *nn = strstr(ty, " NOT NULL");
            if (nn) {
                *nn = 0;
                nullable = false;
            }
            st_type t;
            if ((rc = st_type_parse(ty, strlen(ty), &t, e)) != ST_OK) break;
            if ((rc = st_schema_add(s, f, t, id++, nullable, e)) != ST_OK) break;
            if (save_c == 0) break;
            start = p + 1;
        }
    }
    (void)save;
    free(dup);
    if (rc) {
        st_schema_free(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}

typedef struct csv {
    FILE *f;
    st_sbuf field;
    bool quoted;
    int eof;
} csv;

/* Read one field; *end_line set at the end of a record.  Returns false at EOF. */
static bool csv_field(csv *c, bool *end_line) {
    st_sbuf_clear(&c->field);
    c->quoted = false;
    int ch = fgetc(c->f);
    if (ch == EOF) return false;
    if (ch == '"') {
        c->quoted = true;
        for (;;) {
            ch = fgetc(c->f);
            if (ch == EOF) break;
            if (ch == '"') {
                int n = fgetc(c->f);
                if (n == '"') {
                    st_sbuf_putc(&c->field, '"');
                    continue;
                }
                ch = n;
                break;
            }
            st_sbuf_putc(&c->field, (char)ch);
        }
    } else {
        while (ch != ',' && ch != '\n' && ch != EOF) {
            if (ch != '\r') st_sbuf_putc(&c->field, (char)ch);
            ch = fgetc(c->f);
        }
    }
    if (ch == '\r') ch = fgetc(c->f);
    *end_line = ch == '\n' || ch == EOF;
    return true;
}

static int cmd_from_csv(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: parquet_tool from-csv SCHEMA IN.csv OUT.parquet [options]\n");
        return 2;
    }
    st_error e;
    st_error_clear(&e);
    st_schema *s;
    if (parse_schema(argv[0], &s, &e)) return die(&e);
    st_pq_write_opts o;
    st_pq_write_opts_init(&o);
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--codec") && i + 1 < argc) {
            st_pq_codec cd;
            if (st_pq_codec_parse(argv[++i], &cd, &e)) return die(&e);
            o.codec = cd;
        } else if (!strcmp(argv[i], "--no-dict")) {
            o.dictionary = false;
        } else if (!strcmp(argv[i], "--rg-rows") && i + 1 < argc) {
            o.row_group_rows = (uint32_t)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--page-rows") && i + 1 < argc) {
            o.page_rows = (uint32_t)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            o.threads = (uint32_t)atoi(argv[++i]);
        } else {
            fprintf(stderr, "parquet_tool: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    csv c = {fopen(argv[1], "rb"), ST_SBUF_INIT, false, 0};
    if (!c.f) {
        fprintf(stderr, "parquet_tool: error: cannot open %s\n", argv[1]);
        return 1;
    }
    bool eol = false;
    while (csv_field(&c, &eol) && !eol) {} /* header */
    st_type types[4096];
    st_schema_types(s, types);
    const uint32_t cap = 4096;
    st_batch *b = st_batch_new(types, s->nfields, cap);
    st_wfile *wf;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", argv[2]);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else strcpy(dir, ".");
    if (st_wfile_create_tmp(dir, "pq", &wf, &e)) return die(&e);
    st_pq_writer *w;
    if (st_pq_writer_open(wf, s, &o, &w, &e)) return die(&e);
    uint64_t line = 1;
    for (;;) {
        uint32_t col = 0;
        bool any = false;
        while (csv_field(&c, &eol)) {
            any = true;
            if (col < s->nfields) {
                st_vector *v = b->cols[col];
                st_type t = v->type;
                if (!c.quoted && c.field.len == 0) {
                    if (st_vector_append_null(v, &e)) return die(&e);
                } else if (st_type_is_string(t)) {
                    if (t.id == ST_T_BLOB) {
                        /* \xHH escapes as DuckDB prints blobs */
                        st_sbuf raw = ST_SBUF_INIT;
                        for (size_t k = 0; k < c.field.len; k++) {
                            if (c.field.p[k] == '\\' && k + 3 < c.field.len + 0 + 1 && c.field.p[k + 1] == 'x') {
                                char hx[3] = {c.field.p[k + 2], c.field.p[k + 3], 0};
                                st_sbuf_putc(&raw, (char)strtol(hx, NULL, 16));
                                k += 3;
                            } else {
                                st_sbuf_putc(&raw, c.field.p[k]);
                            }
                        }
                        if (st_vector_append_str(v, raw.p ? raw.p : "", (uint32_t)raw.len, &e)) return die(&e);
                        st_sbuf_free(&raw);
                    } else if (st_vector_append_str(v, c.field.p ? c.field.p : "", (uint32_t)c.field.len, &e)) {
                        return die(&e);
                    }
                } else {
                    unsigned char val[16];
                    if (st_parse_value(t, c.field.p ? c.field.p : "", c.field.len, val, &e)) {
                        st_error_prefix(&e, "%s line %llu column %u: ", argv[1], (unsigned long long)line + 1, col + 1);
                        return die(&e);
                    }
                    if (st_vector_append(v, val, &e)) return die(&e);
                }
            }
            col++;
            if (eol) break;
        }
        if (!any) break;
        line++;
        if (col != s->nfields) {
            fprintf(stderr, "parquet_tool: error: %s line %llu has %u fields, expected %u\n", argv[1],
                    (unsigned long long)line, col, s->nfields);
            return 1;
        }
        st_batch_set_len(b, b->cols[0]->len);
        if (b->len == cap) {
            if (st_pq_writer_write(w, b, &e)) return die(&e);
            st_batch_reset(b);
        }
    }
    st_batch_set_len(b, s->nfields ? b->cols[0]->len : 0);
    if (b->len && st_pq_writer_write(w, b, &e)) return die(&e);
    if (st_pq_writer_finish(w, &e)) return die(&e);
    st_pq_writer_free(w);
    if (st_wfile_publish(wf, argv[2], ST_PUBLISH_REPLACE, &e)) return die(&e);
    st_batch_free(b);
    st_schema_free(s);
    st_sbuf_free(&c.field);
    fclose(c.f);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "cat")) {
        const char *cols = NULL, *null_text = NULL;
        for (int i = 3; i < argc; i++) {
            if (!strcmp(argv[i], "--null") && i + 1 < argc) null_text = argv[++i];
            else cols = argv[i];
        }
        return cmd_cat(argv[2], cols, null_text);
    }
    if (argc >= 3 && !strcmp(argv[1], "schema")) return cmd_schema(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "stats")) return cmd_stats(argv[2]);
    if (argc >= 2 && !strcmp(argv[1], "from-csv")) return cmd_from_csv(argc - 2, argv + 2);
    fprintf(stderr, "usage: parquet_tool cat|schema|stats FILE | from-csv SCHEMA IN.csv OUT.parquet [opts]\n");
    return 2;
}
