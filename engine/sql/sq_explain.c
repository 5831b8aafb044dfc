/*
 * sq_explain.c: EXPLAIN and EXPLAIN ANALYZE.
 *
 * EXPLAIN prints the logical plan after filter pushdown, one node per line,
 * children indented under their parent, and under every scan what pruning
 * did, per table: partitions, segments (files for a file source) and row
 * groups total vs kept, the rows in the kept row groups and the bytes to
 * read (the on-disk size of the kept row groups' chunks of the columns the
 * query reads).  Those counts come from the scan's preparation
 * (sq_scan_prepare): partition and segment zone maps from the commit log,
 * row-group zone maps from the footers of the kept segments (opened, not
 * read).  EXPLAIN ANALYZE runs the statement and adds, per operator, the
 * rows it produced and the time spent in it (not in what it fed), and per
 * scan the rows and bytes it actually read.
 *
 * Node lines are written by sq_plan_describe before planning, because the
 * planner rewrites column ids into chunk positions and the names would be
 * lost.  Times of streaming operators are measured inclusively (an operator
 * pushes its output into the next one) and made exclusive here by
 * subtracting the next operator's time.
 *
 * Text lines look like
 *   HASH AGGREGATE by category: count(*)  [rows 7, 0.31 ms]
 *     SCAN bronze.sales@v0 filter: ...  [rows 251234, 41.20 ms]
 *       pruning: (ts >= '2025-03-01 00:00:00' AND ts < '2025-04-01 00:00:00')
 *       segments: 2 of 7 kept; row groups: 6 of 46 kept; rows: 393216 of 2985072;
 *         bytes to read: 4.1 MB of 44.8 MB
 * and --format json gives the same as {"plan": {"op", "detail", "rows",
 * "time_ms", "scan": {...}, "children": [...]}, "rows", "time_ms"}.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "engine/sql/sql_int.h"

/* ---- node lines --------------------------------------------------------- */

static void print_expr(const sq_expr *x, const char *const *names, uint32_t nn, st_sbuf *sb);

static void print_args(const sq_expr *x, const char *sep, const char *const *names, uint32_t nn,
                       st_sbuf *sb) {
    for (uint32_t i = 0; i < x->nargs; i++) {
        if (i) st_sbuf_printf(sb, "%s", sep);
        print_expr(x->args[i], names, nn, sb);
    }
}

static void print_expr(const sq_expr *x, const char *const *names, uint32_t nn, st_sbuf *sb) {
    static const char *cmps[] = {"=", "<>", "<", "<=", ">", ">="};
    switch (x->kind) {
    case E_COL:
        if (x->col < nn && names && names[x->col]) st_sbuf_printf(sb, "%s", names[x->col]);
        else st_sbuf_printf(sb, "#%u", x->col);
        return;
    case E_CONST: {
        if (x->val.null) {
            st_sbuf_printf(sb, "NULL");
            return;
        }
        if (st_type_is_string(x->type)) {
            st_sbuf_printf(sb, "'%.*s'", (int)(x->val.v.s.len > 40 ? 40 : x->val.v.s.len), x->val.v.s.ptr);
            return;
        }
        char buf[ST_FORMAT_MAX];
        st_format_value(x->type, &x->val.v, buf);
        if (st_type_is_temporal(x->type)) st_sbuf_printf(sb, "'%s'", buf);
        else st_sbuf_printf(sb, "%s", buf);
        return;
    }
    case E_AND: st_sbuf_putc(sb, '('); print_args(x, " AND ", names, nn, sb); st_sbuf_putc(sb, ')'); return;
    case E_OR: st_sbuf_putc(sb, '('); print_args(x, " OR ", names, nn, sb); st_sbuf_putc(sb, ')'); return;
    case E_NOT: st_sbuf_printf(sb, "NOT "); print_expr(x->args[0], names, nn, sb); return;
    case E_ISNULL: print_expr(x->args[0], names, nn, sb); st_sbuf_printf(sb, x->neg ? " IS NOT NULL" : " IS NULL"); return;
    case E_IN: print_expr(x->args[0], names, nn, sb); st_sbuf_printf(sb, x->neg ? " NOT IN (...)" : " IN (...)"); return;
    case E_CASE: st_sbuf_printf(sb, "CASE(...)"); return;
    case E_COALESCE: st_sbuf_printf(sb, "coalesce("); print_args(x, ", ", names, nn, sb); st_sbuf_putc(sb, ')'); return;
    default: break;
    }
    if (x->cmp != 0xFF && x->nargs == 2) {
        print_expr(x->args[0], names, nn, sb);
        st_sbuf_printf(sb, " %s ", cmps[x->cmp]);
        print_expr(x->args[1], names, nn, sb);
        return;
    }
    if (x->name && !strcmp(x->name, "cast")) {
        char tn[ST_TYPE_NAME_MAX];
        st_sbuf_printf(sb, "CAST(");
        print_expr(x->args[0], names, nn, sb);
        st_sbuf_printf(sb, " AS %s)", sq_type_name(x->type, tn));
        return;
    }
    if (x->name && (!strcmp(x->name, "arith") || !strcmp(x->name, "||"))) {
        static const char *ops[] = {"", "+", "-", "*", "/", "//", "%"};
        st_sbuf_putc(sb, '(');
        print_expr(x->args[0], names, nn, sb);
        st_sbuf_printf(sb, " %s ", !strcmp(x->name, "||") ? "||" : x->aux <= OP_PERCENT ? ops[x->aux] : "?");
        print_expr(x->args[1], names, nn, sb);
        st_sbuf_putc(sb, ')');
        return;
    }
    st_sbuf_printf(sb, "%s(", x->name ? x->name : "f");
    print_args(x, ", ", names, nn, sb);
    st_sbuf_putc(sb, ')');
}

static const char *op_name(const sq_lop *l) {
    switch (l->kind) {
    case L_SCAN: return "SCAN";
    case L_ONE: return "ONE ROW";
    case L_FILTER: return "FILTER";
    case L_PROJECT: return "PROJECT";
    case L_AGG: return "HASH AGGREGATE";
    case L_JOIN: return "HASH JOIN";
    case L_SORT: return "SORT";
    case L_LIMIT: return "LIMIT";
    case L_UNION: return "UNION ALL";
    default: return "?";
    }
}

static void describe(const sq_lop *l, const char *const *names, uint32_t nn, st_sbuf *sb) {
    switch (l->kind) {
    case L_SCAN:
        st_sbuf_printf(sb, "%s (~%.0f rows)", l->label ? l->label : "?", l->est_rows);
        if (l->filter) {
            st_sbuf_printf(sb, " filter: ");
            print_expr(l->filter, names, nn, sb);
        }
        break;
    case L_FILTER: print_expr(l->pred, names, nn, sb); break;
    case L_PROJECT:
        for (uint32_t i = 0; i < l->nout; i++) {
            if (i) st_sbuf_printf(sb, ", ");
            print_expr(l->exprs[i], names, nn, sb);
        }
        break;
    case L_AGG:
        if (l->nkeys) {
            st_sbuf_printf(sb, "by ");
            for (uint32_t i = 0; i < l->nkeys; i++) {
                if (i) st_sbuf_printf(sb, ", ");
                print_expr(l->keys[i], names, nn, sb);
            }
        }
        for (uint32_t i = 0; i < l->naggs; i++) {
            st_sbuf_printf(sb, "%s%s(%s", i ? ", " : l->nkeys ? ": " : "",
                           l->aggs[i].kind == AG_COUNT_STAR ? "count" : l->aggs[i].name,
                           l->aggs[i].distinct ? "DISTINCT " : "");
            if (l->aggs[i].arg) print_expr(l->aggs[i].arg, names, nn, sb);
            else st_sbuf_putc(sb, '*');
            st_sbuf_putc(sb, ')');
        }
        break;
    case L_JOIN: {
        const char *jt = l->jtype == J_LEFT ? "LEFT" : l->njkeys ? "INNER" : "CROSS";
        bool bl = l->child->est_rows < l->right->est_rows;
        st_sbuf_printf(sb, "%s (build: %s)", jt, bl ? "left" : "right");
        for (uint32_t i = 0; i < l->njkeys; i++) {
            st_sbuf_printf(sb, "%s", i ? " AND " : " on ");
            print_expr(l->lkeys[i], names, nn, sb);
            st_sbuf_printf(sb, " = ");
            print_expr(l->rkeys[i], names, nn, sb);
        }
        if (l->residual) {
            st_sbuf_printf(sb, " residual: ");
            print_expr(l->residual, names, nn, sb);
        }
        break;
    }
    case L_SORT:
        for (uint32_t i = 0; i < l->nskeys; i++) {
            if (i) st_sbuf_printf(sb, ", ");
            print_expr(l->skeys[i].e, names, nn, sb);
            if (l->skeys[i].desc) st_sbuf_printf(sb, " DESC");
            if (l->skeys[i].nulls_first) st_sbuf_printf(sb, " NULLS FIRST");
        }
        break;
    case L_LIMIT:
        st_sbuf_printf(sb, "%lld", (long long)l->limit);
        if (l->offset > 0) st_sbuf_printf(sb, " OFFSET %lld", (long long)l->offset);
        if (l->child->kind == L_SORT) st_sbuf_printf(sb, " (top-N)");
        break;
    default: break;
    }
}

st_status sq_plan_describe(st_arena *a, sq_lop *l, const char *const *names, uint32_t nn,
                           st_error *e) {
    st_sbuf sb = ST_SBUF_INIT;
    describe(l, names, nn, &sb);
    l->desc = sb.failed ? NULL : st_arena_strndup(a, sb.p ? sb.p : "", sb.len);
    st_sbuf_free(&sb);
    if (!l->desc) return st_error_set(e, ST_ERR_NOMEM, "out of memory describing the plan");
    if (l->child) ST_TRY(sq_plan_describe(a, l->child, names, nn, e));
    if (l->right) ST_TRY(sq_plan_describe(a, l->right, names, nn, e));
    return ST_OK;
}

/* ---- measured counters, per logical node -------------------------------- */

static void clear_stats(sq_lop *l) {
    atomic_store(&l->st.rows, 0);
    atomic_store(&l->st.ns, 0);
    atomic_store(&l->st.calls, 0);
    if (l->child) clear_stats(l->child);
    if (l->right) clear_stats(l->right);
}

/* Fold the physical counters of every pipeline into its logical nodes:
 * time exclusive of the operators downstream; rows = rows leaving. */
static void gather(const sq_plan *plan) {
    for (uint32_t pi = 0; pi < plan->npipes; pi++) {
        const sq_pipe *p = plan->pipes[pi];
        if (!p->an) continue;
        for (uint32_t i = 0; i <= p->nops; i++) {
            sq_lop *l = i < p->nops ? p->ops[i].lop : p->sink_lop;
            if (!l) continue;
            uint64_t incl = atomic_load(&p->an[i].ns);
            uint64_t next = i < p->nops ? atomic_load(&p->an[i + 1].ns) : 0;
            uint64_t excl = incl > next ? incl - next : 0;
            atomic_fetch_add(&l->st.ns, excl);
            atomic_fetch_add(&l->st.calls, 1);
            if (i < p->nops) {
                /* rows leaving op i = rows entering op i + 1; a scan's filter
                 * is its scan's output */
                uint64_t out = atomic_load(&p->an[i + 1].rows);
                if (l->kind == L_SCAN) atomic_store(&l->st.rows, out);
                else atomic_fetch_add(&l->st.rows, out);
            } else if (p->out && (p->sink_kind == SK_AGG || p->sink_kind == SK_SORT)) {
                atomic_fetch_add(&l->st.rows, p->out->rows);
            }
        }
        if (p->scan && p->scan->lop) {
            sq_lop *l = p->scan->lop;
            atomic_fetch_add(&l->st.ns, atomic_load(&p->scan->read_ns));
            bool filtered = p->nops && p->ops[0].lop == l;
            if (!filtered) atomic_store(&l->st.rows, atomic_load(&p->an[0].rows));
        }
    }
}

/* ---- text --------------------------------------------------------------- */

static void human_bytes(uint64_t b, char *out, size_t cap) {
    if (b < 1024) snprintf(out, cap, "%llu B", (unsigned long long)b);
    else if (b < (1u << 20)) snprintf(out, cap, "%.1f KiB", b / 1024.0);
    else if (b < (1u << 30)) snprintf(out, cap, "%.1f MiB", b / 1048576.0);
    else snprintf(out, cap, "%.2f GiB", b / 1073741824.0);
}

static void indent(st_sbuf *sb, int d) {
    for (int i = 0; i < d; i++) st_sbuf_append(sb, "  ", 2);
}

static void scan_text(const sq_lop *l, bool analyze, int d, st_sbuf *sb) {
    const sq_scan *s = l->scan;
    if (!s) return;
    if (s->prune) {
        indent(sb, d);
        st_sbuf_printf(sb, "pruning: ");
        sq_prune_print(s->prune, s->src->schema, sb);
        st_sbuf_putc(sb, '\n');
    }
    if (!s->prepared) return;
    indent(sb, d);
    if (s->nparts) st_sbuf_printf(sb, "partitions: %u of %u kept; ", s->nparts_kept, s->nparts);
    st_sbuf_printf(sb, "%s: %u of %u kept", l->table ? "segments" : "files", s->ngroups_kept, s->ngroups);
    if (!s->src->ops->read_next)
        st_sbuf_printf(sb, "; row groups: %llu of %llu kept", (unsigned long long)s->nunits_kept,
                       (unsigned long long)s->nunits);
    char kb[32], tb[32];
    human_bytes(s->bytes_kept, kb, sizeof kb);
    human_bytes(s->bytes_total, tb, sizeof tb);
    st_sbuf_printf(sb, "; rows: %llu of %llu; bytes to read: %s of %s\n", (unsigned long long)s->rows_kept,
                   (unsigned long long)s->rows_total, kb, tb);
    if (analyze) {
        char rb[32];
        human_bytes(atomic_load(&s->bytes_read), rb, sizeof rb);
        indent(sb, d);
        st_sbuf_printf(sb, "read: %llu rows, %s in %.2f ms\n",
                       (unsigned long long)atomic_load(&s->rows_read), rb,
                       atomic_load(&s->read_ns) / 1e6);
    }
}

static void node_text(const sq_lop *l, bool analyze, int d, st_sbuf *sb) {
    indent(sb, d);
    st_sbuf_printf(sb, "%s", op_name(l));
    if (l->desc && *l->desc) st_sbuf_printf(sb, " %s", l->desc);
    if (analyze && atomic_load(&l->st.calls))
        st_sbuf_printf(sb, "  [rows %llu, %.2f ms]", (unsigned long long)atomic_load(&l->st.rows),
                       atomic_load(&l->st.ns) / 1e6);
    st_sbuf_putc(sb, '\n');
    if (l->kind == L_SCAN) scan_text(l, analyze, d + 2, sb);
    if (l->child) node_text(l->child, analyze, d + 1, sb);
    if (l->right) node_text(l->right, analyze, d + 1, sb);
}

void sq_explain_text(const sq_explain_in *in, st_sbuf *sb) {
    sq_lop *root = (sq_lop *)in->root;
    clear_stats(root);
    if (in->analyze && in->plan) gather(in->plan);
    node_text(root, in->analyze, 0, sb);
    if (in->analyze)
        st_sbuf_printf(sb, "total: %llu rows in %.2f ms\n", (unsigned long long)in->rows, in->total_ns / 1e6);
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *kept_json(uint64_t kept, uint64_t total) {
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    json_object_set_new(o, "kept", json_integer((json_int_t)kept));
    return o;
}

static json_t *node_json(const sq_lop *l, bool analyze) {
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(op_name(l)));
    json_object_set_new(o, "detail", json_string(l->desc ? l->desc : ""));
    if (analyze && atomic_load(&l->st.calls)) {
        json_object_set_new(o, "rows", json_integer((json_int_t)atomic_load(&l->st.rows)));
        json_object_set_new(o, "time_ms", json_real(atomic_load(&l->st.ns) / 1e6));
    }
    const sq_scan *s = l->kind == L_SCAN ? l->scan : NULL;
    if (s) {
        json_t *j = json_object();
        json_object_set_new(j, "source", json_string(l->label ? l->label : ""));
        if (s->prune) {
            st_sbuf sb = ST_SBUF_INIT;
            sq_prune_print(s->prune, s->src->schema, &sb);
            json_object_set_new(j, "pruning", json_string(st_sbuf_cstr(&sb)));
            st_sbuf_free(&sb);
        }
        if (s->prepared) {
            json_object_set_new(j, "partitions", kept_json(s->nparts_kept, s->nparts));
            json_object_set_new(j, l->table ? "segments" : "files", kept_json(s->ngroups_kept, s->ngroups));
            if (!s->src->ops->read_next) json_object_set_new(j, "row_groups", kept_json(s->nunits_kept, s->nunits));
            json_object_set_new(j, "rows", kept_json(s->rows_kept, s->rows_total));
            json_object_set_new(j, "bytes_to_read", json_integer((json_int_t)s->bytes_kept));
            json_object_set_new(j, "bytes_total", json_integer((json_int_t)s->bytes_total));
        }
        if (analyze) {
            json_object_set_new(j, "rows_read", json_integer((json_int_t)atomic_load(&s->rows_read)));
            json_object_set_new(j, "bytes_read", json_integer((json_int_t)atomic_load(&s->bytes_read)));
            json_object_set_new(j, "read_ms", json_real(atomic_load(&s->read_ns) / 1e6));
        }
        json_object_set_new(o, "scan", j);
    }
    json_t *kids = json_array();
    if (l->child) json_array_append_new(kids, node_json(l->child, analyze));
    if (l->right) json_array_append_new(kids, node_json(l->right, analyze));
    json_object_set_new(o, "children", kids);
    return o;
}

json_t *sq_explain_json(const sq_explain_in *in) {
    sq_lop *root = (sq_lop *)in->root;
    clear_stats(root);
    if (in->analyze && in->plan) gather(in->plan);
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "plan", node_json(root, in->analyze));
    if (in->analyze) {
        json_object_set_new(o, "rows", json_integer((json_int_t)in->rows));
        json_object_set_new(o, "time_ms", json_real(in->total_ns / 1e6));
    }
    return o;
}
