/*
 * pool.h: "parallel for" over a number of tasks, on a few threads.
 *
 * st_parallel_for(nthreads, ntasks, fn, ctx) calls fn(ctx, task, worker) once
 * for every task in [0, ntasks), on at most nthreads threads (the caller's
 * thread is one of them), claiming tasks dynamically in ascending order, and
 * returns when all are done.  `worker` (0..nthreads-1) indexes per-thread
 * scratch state.  The first failing task's status and error are returned;
 * once a task fails, tasks not yet started are skipped.
 *
 * Results that must not depend on the thread count (ARCHITECTURE.md: "results
 * are identical for any N") are the caller's job: write each task's result
 * into its own slot and combine the slots in task order.
 *
 * st_thread_count(requested): requested when > 0, else the number of online
 * CPUs (at least 1); capped at ST_MAX_THREADS.
 */
#ifndef ST_POOL_H
#define ST_POOL_H

#include <stdint.h>

#include "format/status.h"

#define ST_MAX_THREADS 64

typedef st_status (*st_task_fn)(void *ctx, uint64_t task, uint32_t worker, st_error *e);

st_status st_parallel_for(uint32_t nthreads, uint64_t ntasks, st_task_fn fn, void *ctx,
                          st_error *e);
uint32_t st_thread_count(long requested);

#endif /* ST_POOL_H */
