/*
 * xspec_fake.h: a schema resolver over fixed in-memory schemas, shared by
 * the spec compiler's unit test and its fuzz target: bronze.sales (the
 * generator's sales contract), bronze.fx_rates, bronze.products.
 */
#ifndef XSPEC_FAKE_H
#define XSPEC_FAKE_H

#include <string.h>

#include <jansson.h>

#include "format/logrec.h"

static const char *const fake_tables[][2] = {
    {"bronze.sales",
     "{\"fields\":[{\"name\":\"order_id\",\"type\":\"INT64\"},{\"name\":\"line_no\",\"type\":\"INT32\"},"
     "{\"name\":\"product_id\",\"type\":\"INT64\"},{\"name\":\"sku\",\"type\":\"VARCHAR\"},"
     "{\"name\":\"brand\",\"type\":\"VARCHAR\"},{\"name\":\"condition\",\"type\":\"VARCHAR\"},"
     "{\"name\":\"quantity\",\"type\":\"INT32\"},{\"name\":\"unit_price\",\"type\":\"DECIMAL(12,2)\"},"
     "{\"name\":\"currency\",\"type\":\"VARCHAR\"},{\"name\":\"discount\",\"type\":\"DECIMAL(12,2)\"},"
     "{\"name\":\"price_text\",\"type\":\"VARCHAR\"},{\"name\":\"status\",\"type\":\"VARCHAR\"},"
     "{\"name\":\"ts\",\"type\":\"TIMESTAMP\"},{\"name\":\"score\",\"type\":\"DOUBLE\"}]}"},
    {"bronze.fx_rates",
     "{\"fields\":[{\"name\":\"currency\",\"type\":\"VARCHAR\"},{\"name\":\"day\",\"type\":\"DATE\"},"
     "{\"name\":\"usd_rate\",\"type\":\"DECIMAL(18,6)\"}]}"},
    {"bronze.products",
     "{\"fields\":[{\"name\":\"product_id\",\"type\":\"INT64\"},{\"name\":\"brand\",\"type\":\"VARCHAR\"},"
     "{\"name\":\"model\",\"type\":\"VARCHAR\"},{\"name\":\"msrp\",\"type\":\"DECIMAL(12,2)\"}]}"},
};

static st_status fake_resolve(void *ctx, const char *table, st_tschema **out, st_error *e) {
    (void)ctx;
    for (size_t i = 0; i < sizeof fake_tables / sizeof fake_tables[0]; i++) {
        if (strcmp(fake_tables[i][0], table)) continue;
        json_error_t je;
        json_t *j = json_loads(fake_tables[i][1], 0, &je);
        st_status rc = st_tschema_from_json(j, false, out, e);
        json_decref(j);
        return rc;
    }
    return st_error_set(e, ST_ERR_NOT_FOUND, "no table %s", table);
}

#endif
