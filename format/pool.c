/*
 * pool.c: st_parallel_for on pthreads (see pool.h).  Threads are created per
 * call: a call costs ~20 µs per thread, negligible next to the row groups and
 * file chunks it is used for, and it keeps no global state.
 */
#include "format/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct run {
    st_task_fn fn;
    void *ctx;
    uint64_t ntasks;
    uint64_t next; /* atomic */
    int failed;    /* atomic */
    pthread_mutex_t mu;
    st_status rc;
    st_error err;
    uint64_t err_task;
} run;

typedef struct worker_arg {
    run *r;
    uint32_t id;
} worker_arg;

static void *worker(void *p) {
    worker_arg *wa = p;
    run *r = wa->r;
    st_error e;
    for (;;) {
        if (__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE)) break;
        uint64_t t = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);
        if (t >= r->ntasks) break;
        st_error_clear(&e);
        st_status rc = r->fn(r->ctx, t, wa->id, &e);
        if (rc != ST_OK) {
            pthread_mutex_lock(&r->mu);
            /* keep the error of the lowest failing task: deterministic */
            if (r->rc == ST_OK || t < r->err_task) {
                r->rc = rc;
                r->err = e;
                r->err_task = t;
            }
            pthread_mutex_unlock(&r->mu);
            __atomic_store_n(&r->failed, 1, __ATOMIC_RELEASE);
        }
    }
    return NULL;
}

st_status st_parallel_for(uint32_t nthreads, uint64_t ntasks, st_task_fn fn, void *ctx,
                          st_error *e) {
    if (ntasks == 0) return ST_OK;
    if (nthreads < 1) nthreads = 1;
    if (nthreads > ST_MAX_THREADS) nthreads = ST_MAX_THREADS;
    if (nthreads > ntasks) nthreads = (uint32_t)ntasks;
    run r;
    memset(&r, 0, sizeof r);
    r.fn = fn;
    r.ctx = ctx;
    r.ntasks = ntasks;
    pthread_mutex_init(&r.mu, NULL);
    pthread_t th[ST_MAX_THREADS];
    worker_arg args[ST_MAX_THREADS];
    uint32_t started = 0;
    for (uint32_t i = 1; i < nthreads; i++) {
        args[i].r = &r;
        args[i].id = i;
        if (pthread_create(&th[i], NULL, worker, &args[i]) != 0) break;
        started = i;
    }
    args[0].r = &r;
    args[0].id = 0;
    worker(&args[0]);
    for (uint32_t i = 1; i <= started; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&r.mu);
    if (r.rc != ST_OK && e) *e = r.err;
    return r.rc;
}

uint32_t st_thread_count(long requested) {
    long n = requested > 0 ? requested : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > ST_MAX_THREADS) n = ST_MAX_THREADS;
    return (uint32_t)n;
}
