/*
 * valtext.c: values as text for plain, CSV and JSON outputs (valtext.h).
 */
#include "format/valtext.h"

#include <math.h>
#include <string.h>

#include "format/types.h"

void st_text_blob(st_sbuf *sb, const char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    if (!st_sbuf_reserve(sb, n)) return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'' && c != '"') {
            st_sbuf_putc(sb, (char)c);
        } else {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            st_sbuf_append(sb, esc, 4);
        }
    }
}

void st_text_csv_field(st_sbuf *sb, const char *p, size_t n, char delim, char quote) {
    bool need = n == 0 || p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t';
    if (!need) {
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            if (c == delim || c == quote || c == '\n' || c == '\r') {
                need = true;
                break;
            }
        }
    }
    if (!need) {
        st_sbuf_append(sb, p, n);
        return;
    }
    st_sbuf_reserve(sb, n + 2);
    st_sbuf_putc(sb, quote);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == quote) {
            st_sbuf_append(sb, p + start, i + 1 - start);
            st_sbuf_putc(sb, quote);
            start = i + 1;
        }
    }
    st_sbuf_append(sb, p + start, n - start);
    st_sbuf_putc(sb, quote);
}

void st_text_json_string(st_sbuf *sb, const char *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    st_sbuf_reserve(sb, n + 2);
    st_sbuf_putc(sb, '"');
    size_t i = 0, start = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        st_sbuf_append(sb, p + start, i - start);
        if (c >= 0x80) {
            size_t bad;
            /* validate one code point */
            size_t len = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
            if (i + len <= n && st_utf8_valid(p + i, len, &bad)) {
                st_sbuf_append(sb, p + i, len);
                i += len;
            } else {
                st_sbuf_append(sb, "\\ufffd", 6);
                i++;
            }
            start = i;
            continue;
        }
        switch (c) {
        case '"': st_sbuf_append(sb, "\\\"", 2); break;
        case '\\': st_sbuf_append(sb, "\\\\", 2); break;
        case '\n': st_sbuf_append(sb, "\\n", 2); break;
        case '\r': st_sbuf_append(sb, "\\r", 2); break;
        case '\t': st_sbuf_append(sb, "\\t", 2); break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            st_sbuf_append(sb, esc, 6);
        }
        }
        i++;
        start = i;
    }
    st_sbuf_append(sb, p + start, n - start);
    st_sbuf_putc(sb, '"');
}

void st_text_cell(st_sbuf *sb, const st_vector *v, uint32_t i, st_cell_style style,
                  char delim, char quote) {
    if (st_vector_is_null(v, i)) {
        if (style == ST_CELL_PLAIN) st_sbuf_append(sb, "NULL", 4);
        else if (style == ST_CELL_JSON) st_sbuf_append(sb, "null", 4);
        return;
    }
    st_type t = v->type;
    if (t.id == ST_T_VARCHAR) {
        const st_str *s = (const st_str *)v->data + i;
        if (style == ST_CELL_CSV) st_text_csv_field(sb, s->ptr, s->len, delim, quote);
        else if (style == ST_CELL_JSON) st_text_json_string(sb, s->ptr, s->len);
        else st_sbuf_append(sb, s->ptr, s->len);
        return;
    }
    if (t.id == ST_T_BLOB) {
        const st_str *s = (const st_str *)v->data + i;
        if (style == ST_CELL_PLAIN) {
            st_text_blob(sb, s->ptr, s->len);
            return;
        }
        st_sbuf tmp = ST_SBUF_INIT;
        st_text_blob(&tmp, s->ptr, s->len);
        if (style == ST_CELL_CSV) st_text_csv_field(sb, st_sbuf_cstr(&tmp), tmp.len, delim, quote);
        else st_text_json_string(sb, st_sbuf_cstr(&tmp), tmp.len);
        st_sbuf_free(&tmp);
        return;
    }
    char buf[ST_FORMAT_MAX];
    size_t n = st_format_value(t, st_vector_at(v, i), buf);
    if (style == ST_CELL_JSON) {
        bool quoted = st_type_is_temporal(t);
        if (t.id == ST_T_DOUBLE || t.id == ST_T_FLOAT) {
            double d = t.id == ST_T_DOUBLE ? ((const double *)v->data)[i]
                                           : (double)((const float *)v->data)[i];
            quoted = !isfinite(d);
        }
        if (quoted) {
            st_text_json_string(sb, buf, n);
            return;
        }
    }
    st_sbuf_append(sb, buf, n);
}
