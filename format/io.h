/*
 * io.h: the I/O seam.  Every byte Strata reads from or writes to a file goes
 * through here, so that durability rules live in one place and tests can
 * inject failures and crashes.
 *
 * Durability rules (ARCHITECTURE.md, "Commits are put-if-absent"):
 *  - New files are written under a temporary name in their final directory,
 *    fsynced, then published: st_wfile_publish(..., ST_PUBLISH_NOREPLACE)
 *    uses link() and fails with ST_ERR_EXISTS when the name is taken (never
 *    O_EXCL on the final name, never a replacing rename for commits);
 *    ST_PUBLISH_REPLACE uses rename() and is for outputs such as exports.
 *    The directory is fsynced after the publish.
 *  - A failed fsync is never retried: the writer is poisoned (every later call
 *    returns the first error) and the caller must fail the operation.
 *  - Writers are buffered and carry a sticky error (LevelDB's TableBuilder
 *    habit): callers may check only at publish/sync time.
 *
 * Fault injection (tests only; zero cost when unset): the environment
 * variable STRATA_FAULT="OP:N:ACTION[,OP:N:ACTION...]" makes the N-th
 * (1-based) call of OP in this process fail.  OP is write, fsync, publish,
 * dirsync or any; ACTION is eio, enospc or crash (crash = _exit(137) before
 * the operation, i.e. a kill -9 at that point).  Example:
 * STRATA_FAULT=publish:1:crash.
 */
#ifndef ST_IO_H
#define ST_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mem.h"
#include "format/status.h"

/* Map a whole file read-only.  *out's data stays valid until unref.  An empty
 * file gives a zero-length buffer.  Errors name the path. */
st_status st_file_map(const char *path, st_buf **out, st_error *e);

/* Read a whole file into memory, refusing files larger than max_bytes. */
st_status st_file_read(const char *path, size_t max_bytes, st_buf **out, st_error *e);

/* Size of a file; ST_ERR_NOT_FOUND when absent. */
st_status st_file_size(const char *path, uint64_t *out, st_error *e);
bool st_path_exists(const char *path);
bool st_is_dir(const char *path);

/* mkdir -p; an existing directory is fine. */
st_status st_mkdir_p(const char *path, st_error *e);
st_status st_fsync_dir(const char *dir, st_error *e);
/* unlink; a missing file is fine. */
st_status st_unlink(const char *path, st_error *e);

typedef struct st_wfile st_wfile;

/* Create a fresh temporary file in dir (name ".tmp-<prefix>-<pid>-<n>"). */
st_status st_wfile_create_tmp(const char *dir, const char *prefix, st_wfile **out,
                              st_error *e);
/* Buffered append.  Sticky error. */
st_status st_wfile_write(st_wfile *f, const void *p, size_t n, st_error *e);
/* Bytes written so far (the offset of the next write). */
uint64_t st_wfile_offset(const st_wfile *f);
/* Flush and fsync the file.  On failure the writer is poisoned. */
st_status st_wfile_sync(st_wfile *f, st_error *e);
const char *st_wfile_tmp_path(const st_wfile *f);

typedef enum { ST_PUBLISH_NOREPLACE = 0, ST_PUBLISH_REPLACE = 1 } st_publish_mode;
/* Flush, fsync, close; publish under final_path; fsync the directory of
 * final_path.  The writer is freed whatever the outcome (the temp file is
 * removed on failure).  ST_ERR_EXISTS when NOREPLACE and the name is taken. */
st_status st_wfile_publish(st_wfile *f, const char *final_path, st_publish_mode mode,
                           st_error *e);
/* Flush, close and publish under final_path without replacing (ST_ERR_EXISTS
 * when the name is taken), with no fsync of the file or of its directory:
 * the file and its name are durable only after a later st_sync_fs of that
 * file system.  For a writer that publishes many files under one commit: one
 * sync instead of two fsyncs per file (each an fs journal commit, slow on a
 * busy disk).  The writer is freed whatever the outcome. */
st_status st_wfile_publish_nosync(st_wfile *f, const char *final_path, st_error *e);
/* syncfs(2) of the file system holding path (a file or directory): every
 * file written there, data and names, is durable when it returns ST_OK.
 * Fault injection: counts as an "fsync". */
st_status st_sync_fs(const char *path, st_error *e);
/* Close and delete the temp file; NULL accepted. */
void st_wfile_abort(st_wfile *f);

/* Write a small file atomically (temp + fsync + publish + dir fsync). */
st_status st_write_file_atomic(const char *path, const void *p, size_t n,
                               st_publish_mode mode, st_error *e);

/* Fault injection hook (see above); returns 0, or an errno to fail with.
 * Exposed for modules that make their own syscalls. */
int st_io_fault(const char *op);
/* Re-read STRATA_FAULT and zero the counters (for tests that set it late). */
void st_io_fault_reset(void);

#endif /* ST_IO_H */
