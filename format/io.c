/*
 * io.c: file mapping, durable writes, atomic publish, fault injection
 * (see io.h for the rules this file enforces).
 */
#include "format/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fault injection ---------------------------------------------------- */

#define MAX_FAULTS 8
static struct fault {
    char op[16];
    long n;
    int action; /* errno, or -1 = crash */
} faults[MAX_FAULTS];
static int nfaults = -1;
static long counts[MAX_FAULTS];
static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;

static void faults_init(void) {
    nfaults = 0;
    const char *spec = getenv("STRATA_FAULT");
    if (!spec || !*spec) return;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && nfaults < MAX_FAULTS;
         tok = strtok_r(NULL, ",", &save)) {
        char op[16], act[16];
        long n;
        if (sscanf(tok, "%15[^:]:%ld:%15s", op, &n, act) != 3) continue;
        struct fault *f = &faults[nfaults];
        snprintf(f->op, sizeof f->op, "%s", op);
        f->n = n;
        if (!strcmp(act, "crash")) f->action = -1;
        else if (!strcmp(act, "enospc")) f->action = ENOSPC;
        else f->action = EIO;
        nfaults++;
    }
}

void st_io_fault_reset(void) {
    pthread_mutex_lock(&fault_mu);
    memset(counts, 0, sizeof counts);
    faults_init();
    pthread_mutex_unlock(&fault_mu);
}

int st_io_fault(const char *op) {
    pthread_mutex_lock(&fault_mu);
    if (nfaults < 0) faults_init();
    int rc = 0;
    for (int i = 0; i < nfaults; i++) {
        if (strcmp(faults[i].op, op) && strcmp(faults[i].op, "any")) continue;
        if (++counts[i] == faults[i].n) {
            if (faults[i].action < 0) _exit(137);
            rc = faults[i].action;
        }
    }
    pthread_mutex_unlock(&fault_mu);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

static void unmap_release(void *ctx, void *data, size_t len) {
    (void)ctx;
    if (len) munmap(data, len);
}

st_status st_file_map(const char *path, st_buf **out, st_error *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_errno(e, errno, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return st_error_errno(e, err, "%s: cannot stat", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return st_error_set(e, ST_ERR_INVALID, "%s: not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    void *p = NULL;
    if (len) {
        p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int err = errno;
            close(fd);
            return st_error_errno(e, err, "%s: cannot map", path);
        }
    }
    close(fd);
    st_buf *b = st_buf_wrap(p, len, unmap_release, NULL);
    if (!b) {
        if (len) munmap(p, len);
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory", path);
    }
    *out = b;
    return ST_OK;
}

st_status st_file_read(const char *path, size_t max_bytes, st_buf **out, st_error *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_errno(e, errno, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return st_error_errno(e, err, "%s: cannot stat", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return st_error_set(e, ST_ERR_LIMIT, "%s: file is %lld bytes, more than the %zu allowed",
                            path, (long long)st.st_size, max_bytes);
    }
    size_t len = (size_t)st.st_size;
    st_buf *b = st_buf_new(len);
    if (!b) {
        close(fd);
        return st_error_set(e, ST_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, len);
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *)st_buf_data(b) + got, len - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int err = r < 0 ? errno : EIO;
            close(fd);
            st_buf_unref(b);
            return st_error_errno(e, err, "%s: read failed at byte %zu", path, got);
        }
        got += (size_t)r;
    }
    close(fd);
    *out = b;
    return ST_OK;
}

st_status st_file_size(const char *path, uint64_t *out, st_error *e) {
    struct stat st;
    if (stat(path, &st) != 0) return st_error_errno(e, errno, "%s", path);
    *out = (uint64_t)st.st_size;
    return ST_OK;
}

bool st_path_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

bool st_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

st_status st_mkdir_p(const char *path, st_error *e) {
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return st_error_set(e, ST_ERR_INVALID, "bad directory path");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return st_error_errno(e, errno, "%s: cannot create directory", buf);
            buf[i] = c;
        }
    }
    if (!st_is_dir(path)) return st_error_set(e, ST_ERR_INVALID, "%s: not a directory", path);
    return ST_OK;
}

st_status st_fsync_dir(const char *dir, st_error *e) {
    int err = st_io_fault("dirsync");
    if (err) return st_error_errno(e, err, "%s: directory fsync failed", dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return st_error_errno(e, errno, "%s: cannot open directory", dir);
    if (fsync(fd) != 0) {
        err = errno;
        close(fd);
        return st_error_errno(e, err, "%s: directory fsync failed", dir);
    }
    close(fd);
    return ST_OK;
}

st_status st_unlink(const char *path, st_error *e) {
    if (unlink(path) != 0 && errno != ENOENT)
        return st_error_errno(e, errno, "%s: cannot remove", path);
    return ST_OK;
}

/* ---- writing ------------------------------------------------------------ */

#define WBUF_SIZE (1u << 20)

struct st_wfile {
    int fd;
    char *tmp_path;
    unsigned char *buf;
    size_t buf_len;
    uint64_t offset;
    st_error err; /* sticky */
};

static unsigned long tmp_counter;

st_status st_wfile_create_tmp(const char *dir, const char *prefix, st_wfile **out,
                              st_error *e) {
    st_wfile *f = calloc(1, sizeof *f);
    if (!f) return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    f->buf = malloc(WBUF_SIZE);
    size_t plen = strlen(dir) + strlen(prefix) + 64;
    f->tmp_path = malloc(plen);
    if (!f->buf || !f->tmp_path) {
        free(f->buf);
        free(f->tmp_path);
        free(f);
        return st_error_set(e, ST_ERR_NOMEM, "out of memory");
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned long n = __atomic_add_fetch(&tmp_counter, 1, __ATOMIC_RELAXED);
        snprintf(f->tmp_path, plen, "%s/.tmp-%s-%ld-%lu", dir, prefix, (long)getpid(), n);
        f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (f->fd >= 0) break;
        if (errno != EEXIST) {
            int err = errno;
            st_error_errno(e, err, "%s: cannot create file", f->tmp_path);
            free(f->buf);
            free(f->tmp_path);
            free(f);
            return err == ENOENT ? ST_ERR_NOT_FOUND : ST_ERR_IO;
        }
    }
    if (f->fd < 0) {
        st_error_set(e, ST_ERR_IO, "%s: cannot create a temporary file", dir);
        free(f->buf);
        free(f->tmp_path);
        free(f);
        return ST_ERR_IO;
    }
    *out = f;
    return ST_OK;
}

static st_status flush_buf(st_wfile *f) {
    size_t done = 0;
    while (done < f->buf_len) {
        int err = st_io_fault("write");
        ssize_t w;
        if (err) {
            errno = err;
            w = -1;
        } else {
            w = write(f->fd, f->buf + done, f->buf_len - done);
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            return st_error_errno(&f->err, errno, "%s: write failed", f->tmp_path);
        }
        done += (size_t)w;
    }
    f->buf_len = 0;
    return ST_OK;
}

st_status st_wfile_write(st_wfile *f, const void *p, size_t n, st_error *e) {
    if (f->err.code) goto fail;
    const unsigned char *src = p;
    while (n) {
        size_t room = WBUF_SIZE - f->buf_len;
        size_t k = n < room ? n : room;
        memcpy(f->buf + f->buf_len, src, k);
        f->buf_len += k;
        f->offset += k;
        src += k;
        n -= k;
        if (f->buf_len == WBUF_SIZE && flush_buf(f) != ST_OK) goto fail;
    }
    return ST_OK;
fail:
    if (e) *e = f->err;
    return f->err.code;
}

uint64_t st_wfile_offset(const st_wfile *f) { return f->offset; }
const char *st_wfile_tmp_path(const st_wfile *f) { return f->tmp_path; }

st_status st_wfile_sync(st_wfile *f, st_error *e) {
    if (f->err.code) goto fail;
    if (flush_buf(f) != ST_OK) goto fail;
    int err = st_io_fault("fsync");
    if (err || fsync(f->fd) != 0) {
        st_error_errno(&f->err, err ? err : errno, "%s: fsync failed", f->tmp_path);
        goto fail;
    }
    return ST_OK;
fail:
    if (e) *e = f->err;
    return f->err.code;
}

static void wfile_destroy(st_wfile *f, bool remove_tmp) {
    if (f->fd >= 0) close(f->fd);
    if (remove_tmp) unlink(f->tmp_path);
    free(f->buf);
    free(f->tmp_path);
    free(f);
}

void st_wfile_abort(st_wfile *f) {
    if (f) wfile_destroy(f, true);
}

static void dir_of(const char *path, char *out, size_t cap) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, cap, ".");
    } else if (slash == path) {
        snprintf(out, cap, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= cap) n = cap - 1;
        memcpy(out, path, n);
        out[n] = '\0';
    }
}

static st_status publish(st_wfile *f, const char *final_path, st_publish_mode mode, bool sync,
                         st_error *e) {
    st_status rc = ST_OK;
    if (sync) {
        rc = st_wfile_sync(f, e);
    } else if (f->err.code || flush_buf(f) != ST_OK) {
        if (e) *e = f->err;
        rc = f->err.code;
    }
    if (rc != ST_OK) {
        wfile_destroy(f, true);
        return rc;
    }
    if (close(f->fd) != 0) {
        int err = errno;
        f->fd = -1;
        wfile_destroy(f, true);
        return st_error_errno(e, err, "%s: close failed", final_path);
    }
    f->fd = -1;
    int err = st_io_fault("publish");
    if (err) {
        wfile_destroy(f, true);
        return st_error_errno(e, err, "%s: cannot publish", final_path);
    }
    if (mode == ST_PUBLISH_NOREPLACE) {
        if (link(f->tmp_path, final_path) != 0) {
            err = errno;
            wfile_destroy(f, true);
            if (err == EEXIST)
                return st_error_set(e, ST_ERR_EXISTS, "%s: already exists", final_path);
            return st_error_errno(e, err, "%s: cannot publish", final_path);
        }
        unlink(f->tmp_path);
    } else {
        if (rename(f->tmp_path, final_path) != 0) {
            err = errno;
            wfile_destroy(f, true);
            return st_error_errno(e, err, "%s: cannot publish", final_path);
        }
    }
    wfile_destroy(f, false);
    if (!sync) return ST_OK;
    char dir[PATH_MAX];
    dir_of(final_path, dir, sizeof dir);
    return st_fsync_dir(dir, e);
}

st_status st_wfile_publish(st_wfile *f, const char *final_path, st_publish_mode mode,
                           st_error *e) {
    return publish(f, final_path, mode, true, e);
}

st_status st_wfile_publish_nosync(st_wfile *f, const char *final_path, st_error *e) {
    return publish(f, final_path, ST_PUBLISH_NOREPLACE, false, e);
}

st_status st_sync_fs(const char *path, st_error *e) {
    int err = st_io_fault("fsync");
    if (err) return st_error_errno(e, err, "%s: file system sync failed", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_errno(e, errno, "%s: cannot open", path);
    if (syncfs(fd) != 0) {
        err = errno;
        close(fd);
        return st_error_errno(e, err, "%s: file system sync failed", path);
    }
    close(fd);
    return ST_OK;
}

st_status st_write_file_atomic(const char *path, const void *p, size_t n,
                               st_publish_mode mode, st_error *e) {
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    st_wfile *f;
    ST_TRY(st_wfile_create_tmp(dir, "w", &f, e));
    if (st_wfile_write(f, p, n, e) != ST_OK) {
        st_wfile_abort(f);
        return e ? e->code : ST_ERR_IO;
    }
    return st_wfile_publish(f, path, mode, e);
}
