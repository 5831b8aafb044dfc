/*
 * sq_lex.c: the SQL tokenizer.
 *
 * Produces an array of tokens, each with its byte range in the statement so
 * that every later error can point at it.  Rules (spec/SQL.md, "Lexical"):
 *  - identifiers: [A-Za-z_][A-Za-z0-9_$]* (and any non-ASCII UTF-8 letter
 *    bytes), case-insensitive; "quoted" identifiers keep case, "" escapes ".
 *  - strings: '...' with '' for a quote; may span lines.
 *  - numbers: 123 (TK_INT), 1.5, .5, 1., 1e3, 1.5E-3 (TK_NUM).
 *  - operators: + - * / // % = == <> != < <= > >= || :: ( ) , . ;
 *  - comments: -- to end of line, and block comments (not nested).
 * The input must be valid UTF-8 outside strings too (checked up front), so
 * that positions and excerpts are always printable.
 */
#include <string.h>

#include "engine/sql/sql_int.h"

static bool id_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
static bool id_char(unsigned char c) {
    return id_start(c) || (c >= '0' && c <= '9') || c == '$';
}

st_status sq_lex(st_arena *a, const char *sql, uint32_t n, sq_tok **out, uint32_t *ntok,
                 st_error *e) {
    size_t bad;
    if (!st_utf8_valid(sql, n, &bad))
        return sq_err_at(e, ST_ERR_PARSE, NULL, 0,
                         "the query is not valid UTF-8 (byte %zu)", bad);
    uint32_t cap = 64, cnt = 0;
    sq_tok *t = st_arena_alloc(a, cap * sizeof *t);
    if (!t) return st_error_set(e, ST_ERR_NOMEM, "out of memory tokenizing the query");
    uint32_t i = 0;
    for (;;) {
        /* skip blanks and comments */
        for (;;) {
            while (i < n && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' ||
                             sql[i] == '\r' || sql[i] == '\f' || sql[i] == '\v'))
                i++;
            if (i + 1 < n && sql[i] == '-' && sql[i + 1] == '-') {
                while (i < n && sql[i] != '\n') i++;
                continue;
            }
            if (i + 1 < n && sql[i] == '/' && sql[i + 1] == '*') {
                uint32_t start = i;
                i += 2;
                while (i + 1 < n && !(sql[i] == '*' && sql[i + 1] == '/')) i++;
                if (i + 1 >= n)
                    return sq_err_at(e, ST_ERR_PARSE, sql, start, "unterminated /* comment");
                i += 2;
                continue;
            }
            break;
        }
        if (cnt + 1 >= cap) {
            sq_tok *nt = st_arena_alloc(a, cap * 2 * sizeof *nt);
            if (!nt) return st_error_set(e, ST_ERR_NOMEM, "out of memory tokenizing the query");
            memcpy(nt, t, cnt * sizeof *t);
            t = nt;
            cap *= 2;
        }
        sq_tok *k = &t[cnt];
        memset(k, 0, sizeof *k);
        k->pos = i;
        if (i >= n) {
            k->kind = TK_EOF;
            k->end = i;
            cnt++;
            break;
        }
        unsigned char c = (unsigned char)sql[i];
        if (id_start(c)) {
            uint32_t s = i;
            while (i < n && id_char((unsigned char)sql[i])) i++;
            k->kind = TK_IDENT;
            k->s = st_arena_strndup(a, sql + s, i - s);
            k->slen = i - s;
        } else if (c == '"' || c == '\'') {
            char q = (char)c;
            uint32_t s = ++i;
            /* unescape into an arena copy */
            char *buf = st_arena_alloc(a, (size_t)(n - s) + 1);
            if (!buf) return st_error_set(e, ST_ERR_NOMEM, "out of memory tokenizing the query");
            uint32_t bl = 0;
            for (;;) {
                if (i >= n)
                    return sq_err_at(e, ST_ERR_PARSE, sql, k->pos,
                                     q == '"' ? "unterminated quoted identifier"
                                              : "unterminated string literal");
                if (sql[i] == q) {
                    if (i + 1 < n && sql[i + 1] == q) {
                        buf[bl++] = q;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf[bl++] = sql[i++];
            }
            buf[bl] = 0;
            k->kind = q == '"' ? TK_QIDENT : TK_STRING;
            k->s = buf;
            k->slen = bl;
            if (q == '"' && bl == 0)
                return sq_err_at(e, ST_ERR_PARSE, sql, k->pos, "empty quoted identifier");
        } else if ((c >= '0' && c <= '9') ||
                   (c == '.' && i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9')) {
            uint32_t s = i;
            bool num = false;
            while (i < n && sql[i] >= '0' && sql[i] <= '9') i++;
            if (i < n && sql[i] == '.') {
                num = true;
                i++;
                while (i < n && sql[i] >= '0' && sql[i] <= '9') i++;
            }
            if (i < n && (sql[i] == 'e' || sql[i] == 'E')) {
                uint32_t j = i + 1;
                if (j < n && (sql[j] == '+' || sql[j] == '-')) j++;
                if (j < n && sql[j] >= '0' && sql[j] <= '9') {
                    num = true;
                    i = j;
                    while (i < n && sql[i] >= '0' && sql[i] <= '9') i++;
                }
            }
            if (i < n && id_start((unsigned char)sql[i]))
                return sq_err_at(e, ST_ERR_PARSE, sql, s, "bad number '%.*s'",
                                 (int)(i - s + 1), sql + s);
            k->kind = num ? TK_NUM : TK_INT;
            k->s = st_arena_strndup(a, sql + s, i - s);
            k->slen = i - s;
        } else {
            k->kind = TK_OP;
            char d = i + 1 < n ? sql[i + 1] : 0;
            uint32_t len = 1;
            switch (c) {
            case '+': k->op = OP_PLUS; break;
            case '-': k->op = OP_MINUS; break;
            case '*': k->op = OP_STAR; break;
            case '/':
                if (d == '/') { k->op = OP_DSLASH; len = 2; } else k->op = OP_SLASH;
                break;
            case '%': k->op = OP_PERCENT; break;
            case '=':
                k->op = OP_EQ;
                if (d == '=') len = 2;
                break;
            case '!':
                if (d != '=') goto badchar;
                k->op = OP_NE;
                len = 2;
                break;
            case '<':
                if (d == '=') { k->op = OP_LE; len = 2; }
                else if (d == '>') { k->op = OP_NE; len = 2; }
                else k->op = OP_LT;
                break;
            case '>':
                if (d == '=') { k->op = OP_GE; len = 2; } else k->op = OP_GT;
                break;
            case '|':
                if (d != '|') goto badchar;
                k->op = OP_CONCAT;
                len = 2;
                break;
            case ':':
                if (d != ':') goto badchar;
                k->op = OP_CAST;
                len = 2;
                break;
            case '(': k->op = OP_LPAREN; break;
            case ')': k->op = OP_RPAREN; break;
            case ',': k->op = OP_COMMA; break;
            case '.': k->op = OP_DOT; break;
            case ';': k->op = OP_SEMI; break;
            default:
            badchar:
                return sq_err_at(e, ST_ERR_PARSE, sql, i, "unexpected character '%.*s'",
                                 (c & 0x80) ? 1 : 1, sql + i);
            }
            i += len;
        }
        k->end = i;
        cnt++;
    }
    *out = t;
    *ntok = cnt;
    return ST_OK;
}
