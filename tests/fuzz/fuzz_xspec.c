/*
 * fuzz_xspec.c: the transform spec compiler on hostile text.  The input is a
 * spec (JSON) compiled against fixed schemas (tests/unit/engine/
 * xspec_fake.h): it must compile or be refused with a message, never crash,
 * hang or leak.  A compiled spec is evaluated once over a few empty-ish
 * rows so that what the compiler accepts is also runnable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/engine/xspec_fake.h"
#include "engine/xeval_int.h"
#include "engine/xspec_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536) return 0;
    st_error e;
    st_xspec *sp = NULL;
    if (st_xspec_compile((const char *)data, size, "fuzz.json", fake_resolve, NULL, &sp, &e) != ST_OK) {
        if (!e.msg[0]) abort(); /* a refusal always says why */
        return 0;
    }
    /* evaluate the decide pass over three rows of NULL-free defaults, without lookups */
    if (sp->nlookups == 0) {
        xeval *x = NULL;
        if (xeval_new(sp, &x, &e) == ST_OK) {
            uint32_t nf = sp->src_view->nfields;
            st_vector **src = calloc(nf, sizeof *src);
            for (uint32_t c = 0; src && c < nf; c++) {
                st_type t = sp->src_view->fields[c].type;
                src[c] = st_vector_new(t, 4);
                for (int r = 0; r < 3 && src[c]; r++) {
                    if (st_type_is_string(t)) st_vector_append_str(src[c], r ? " x1,5 " : "", r ? 6 : 0, &e);
                    else if (r == 2) st_vector_append_null(src[c], &e);
                    else {
                        uint8_t z[16] = {0};
                        z[0] = (uint8_t)r;
                        st_vector_append(src[c], z, &e);
                    }
                }
            }
            xeval_run(x, true, src, 3, NULL, &e);
            st_sbuf a = ST_SBUF_INIT, b = ST_SBUF_INIT;
            for (uint32_t r = 0; r < 3; r++)
                if (!xeval_valid(x, r)) xeval_explain(x, r, &a, &b, NULL);
            st_sbuf_free(&a);
            st_sbuf_free(&b);
            for (uint32_t c = 0; src && c < nf; c++) st_vector_free(src[c]);
            free(src);
            xeval_free(x);
        }
    }
    st_xspec_free(sp);
    return 0;
}
