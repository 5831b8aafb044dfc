/*
 * cmd_describe.c: `strata describe TABLE [--as-of X]`: the schema of a
 * table at a version (field ids, types, nullability, validation rules), its
 * partitioning, and statistics from the commit log (rows, quarantined rows,
 * segments, bytes, and per column the null count, min and max merged from
 * the segments' zone maps; no data file is opened).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_table.h"
#include "engine/lineage.h"

static void rules_text(const st_field_rules *r, st_sbuf *sb) {
    if (r->min) st_sbuf_printf(sb, "%smin %s", sb->len ? ", " : "", r->min);
    if (r->max) st_sbuf_printf(sb, "%smax %s", sb->len ? ", " : "", r->max);
    if (r->nallowed) {
        st_sbuf_printf(sb, "%sone of [", sb->len ? ", " : "");
        for (uint32_t i = 0; i < r->nallowed && i < 10; i++) st_sbuf_printf(sb, "%s%s", i ? ", " : "", r->allowed[i]);
        st_sbuf_printf(sb, "%s]", r->nallowed > 10 ? ", ..." : "");
    }
    if (r->regex) st_sbuf_printf(sb, "%sregex %s", sb->len ? ", " : "", r->regex);
    if (r->max_length) st_sbuf_printf(sb, "%smax_length %u", sb->len ? ", " : "", r->max_length);
    if (r->required) st_sbuf_printf(sb, "%srequired", sb->len ? ", " : "");
}

/* Merged zone map of field id over the live segments of one side; *known is
 * false when some segment has no zone for a field it stores. */
static void merge_zone(const st_logstate *s, uint8_t side, uint32_t fid, st_type t, st_zonemap *out,
                       bool *known) {
    st_zonemap_init(out, t);
    *known = true;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const st_segrec *r = &s->segs[i];
        if (r->side != side) continue;
        const st_seg_zone *z = NULL;
        for (uint32_t k = 0; k < r->nzones; k++)
            if (r->zones[k].field_id == fid) z = &r->zones[k];
        if (!z) { /* the segment predates the field: all NULL */
            out->rows += r->rows;
            out->null_count += r->rows;
            continue;
        }
        if (!st_type_eq(z->zm.type, t)) {
            *known = false;
            continue;
        }
        st_zonemap_merge(out, &z->zm);
    }
}

static const char *zone_bound(const st_zonemap *zm, const char *key, json_t **hold) {
    *hold = st_zonemap_to_json(zm);
    json_t *v = json_object_get(*hold, key);
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static int cmd_describe(st_cli *cli, int argc, char **argv) {
    const char *fmt = NULL, *as_of = NULL;
    const st_opt opts[] = {
        {"as-of", 0, ST_OPT_STRING, &as_of, "X", "a version number or a timestamp (UTC)"},
        {"format", 0, ST_OPT_STRING, &fmt, "FMT", "table, csv, json or ndjson"},
        {0},
    };
    const st_cmd_help help = {
        "strata describe TABLE [--as-of X] [--format FMT]",
        "Show a table's schema (field ids, types, nullability, validation rules) with\n"
        "per-column statistics (nulls, min, max) from the commit log, its partitioning,\n"
        "rows, quarantined rows, segments and bytes.  TABLE__rejects describes the\n"
        "quarantine.  --as-of shows the table as it was at a version or a time.",
        "  strata describe bronze.sales\n  strata describe bronze.sales --as-of 3\n"
        "  strata describe bronze.sales --as-of '2026-01-31 12:00:00' --format json",
    };
    char **pos = calloc((size_t)argc, sizeof *pos);
    int npos = 0;
    int rc = st_cli_parse(&help, opts, argc, argv, pos, &npos);
    const char *name = npos > 0 ? pos[0] : NULL;
    free(pos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 1) return st_cli_usage("describe", "expected one TABLE");
    st_out_format of;
    if ((rc = st_cli_out_format("describe", fmt, &of))) return rc;
    st_error e;
    st_as_of a = ST_AS_OF_LATEST;
    if (as_of && st_as_of_parse(as_of, &a, &e)) return st_cli_fail(&e);
    st_warehouse *w;
    st_table *t;
    st_tname tn;
    if ((rc = st_cli_open_table(cli, "describe", name, true, &w, &t, &tn))) return rc;
    st_logstate *s = NULL;
    st_schema *view = NULL;
    if (st_table_load_as_of(t, a, false, &s, &e)) {
        rc = st_cli_fail(&e);
        goto done;
    }
    view = st_lineage_view_schema(s->schema, tn.rejects);
    uint8_t side = tn.rejects ? ST_SIDE_REJECTS : ST_SIDE_DATA;
    uint64_t rows = 0, rej = 0, bytes = 0, nseg = 0;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        if (s->segs[i].side == ST_SIDE_DATA) rows += s->segs[i].rows - s->segs[i].dv_rows;
        else rej += s->segs[i].rows;
        if (s->segs[i].side == side) {
            bytes += s->segs[i].bytes;
            nseg++;
        }
    }
    char tsb[40], created[40], sz[32];
    st_format_ts(s->ts_us, tsb);
    st_format_ts(s->created_ts_us, created);
    st_cli_bytes(bytes, sz);
    char full[128];
    snprintf(full, sizeof full, "%s%s", tn.full, tn.rejects ? ST_REJECTS_SUFFIX : "");
    json_t *jf = json_array();
    static const char *const cols[] = {"id", "column", "type", "nullable", "rules", "nulls", "min", "max"};
    st_type ty[8] = {st_type_make(ST_T_INT64), st_type_make(ST_T_VARCHAR), st_type_make(ST_T_VARCHAR),
                     st_type_make(ST_T_BOOLEAN), st_type_make(ST_T_VARCHAR), st_type_make(ST_T_INT64),
                     st_type_make(ST_T_VARCHAR), st_type_make(ST_T_VARCHAR)};
    st_rows *out = st_rows_new(cols, ty, 8);
    for (uint32_t i = 0; i < view->nfields; i++) {
        const st_field *f = &view->fields[i];
        bool lin = st_lineage_fid(f->id);
        int ti = lin ? -1 : st_tschema_find_id(s->schema, f->id);
        char tname[ST_TYPE_NAME_MAX];
        st_sbuf rules = ST_SBUF_INIT;
        if (ti >= 0) rules_text(&s->schema->fields[ti].rules, &rules);
        else st_sbuf_printf(&rules, "%s", tn.rejects && f->id >= ST_FID_REJ_REASONS && f->id <= ST_FID_REJ_BYTES
                                              ? "quarantine" : "lineage");
        /* statistics: stored columns have zone maps */
        st_zonemap zm;
        bool known = false, stored = !st_lineage_virtual(f->id);
        if (stored) merge_zone(s, side, f->id, f->type, &zm, &known);
        json_t *h1 = NULL, *h2 = NULL;
        const char *mn = known ? zone_bound(&zm, "min", &h1) : NULL;
        const char *mx = known ? zone_bound(&zm, "max", &h2) : NULL;
        if (of == ST_OUT_JSON) {
            json_t *o = json_object();
            json_object_set_new(o, "id", lin ? json_null() : json_integer(f->id));
            json_object_set_new(o, "name", json_string(f->name));
            json_object_set_new(o, "type", json_string(st_type_name(f->type, tname)));
            json_object_set_new(o, "nullable", json_boolean(f->nullable));
            json_object_set_new(o, "kind", json_string(lin ? st_sbuf_cstr(&rules) : "field"));
            if (ti >= 0) {
                json_t *fj = st_tschema_to_json(s->schema, false);
                json_t *one = json_deep_copy(json_array_get(json_object_get(fj, "fields"), (size_t)ti));
                json_decref(fj);
                json_object_del(one, "name");
                json_object_del(one, "type");
                json_object_del(one, "nullable");
                json_object_set_new(o, "rules", one);
            }
            if (stored && known) {
                json_t *st = json_object();
                json_object_set_new(st, "nulls", json_integer((json_int_t)zm.null_count));
                if (mn) json_object_set_new(st, "min", json_string(mn));
                if (mx) json_object_set_new(st, "max", json_string(mx));
                json_object_set_new(o, "stats", st);
            }
            json_array_append_new(jf, o);
        } else {
            if (lin) st_rows_null(out);
            else st_rows_i64(out, f->id);
            st_rows_str(out, f->name);
            st_rows_str(out, st_type_name(f->type, tname));
            st_rows_bool(out, f->nullable);
            st_rows_str(out, rules.len ? st_sbuf_cstr(&rules) : NULL);
            if (stored && known) st_rows_i64(out, (int64_t)zm.null_count);
            else st_rows_null(out);
            st_rows_str(out, mn);
            st_rows_str(out, mx);
        }
        json_decref(h1);
        json_decref(h2);
        st_sbuf_free(&rules);
    }
    if (of == ST_OUT_JSON) {
        st_rows_free(out);
        json_t *j = json_object();
        json_object_set_new(j, "table", json_string(full));
        json_object_set_new(j, "version", json_integer(s->version));
        json_object_set_new(j, "time", json_string(tsb));
        json_object_set_new(j, "created", json_string(created));
        json_object_set_new(j, "schema_id", json_integer(s->schema->schema_id));
        json_object_set_new(j, "rows", json_integer((json_int_t)(tn.rejects ? rej : rows)));
        if (!tn.rejects) json_object_set_new(j, "rejected", json_integer((json_int_t)rej));
        json_object_set_new(j, "segments", json_integer((json_int_t)nseg));
        json_object_set_new(j, "bytes", json_integer((json_int_t)bytes));
        json_object_set_new(j, "partitions", json_array());
        json_object_set_new(j, "oldest_readable_version", json_integer(s->retain_from));
        json_object_set_new(j, "columns", jf);
        st_cli_print_json(j, false);
    } else {
        json_decref(jf);
        if (of == ST_OUT_TABLE) {
            printf("%s  version %" PRId64 " at %s  (schema %u, created %s)\n", full, s->version, tsb,
                   s->schema->schema_id, created);
            if (tn.rejects)
                printf("quarantined rows %" PRIu64 "  segments %" PRIu64 "  %s on disk\n", rej, nseg, sz);
            else
                printf("rows %" PRIu64 "  quarantined %" PRIu64 " (%s__rejects)  segments %" PRIu64 "  %s on disk\n",
                       rows, rej, tn.full, nseg, sz);
            printf("partitions: none\n");
        }
        rc = st_rows_print(out, of);
    }
done:
    st_schema_free(view);
    st_logstate_free(s);
    st_table_close(t);
    st_warehouse_close(w);
    return rc;
}

ST_CLI_COMMAND("describe", cmd_describe, 61, "show a table's schema, partitions and statistics")
