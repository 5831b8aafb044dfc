/*
 * test_io.c: the I/O seam: put-if-absent publish, replace publish, mapping,
 * sticky write errors and fault injection.
 */
#include "test_util.h"

#include <sys/wait.h>

#include "format/io.h"

static void test_publish_noreplace(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/00000000000000000001.json", dir);
    ST_ASSERT_OK(st_write_file_atomic(path, "first", 5, ST_PUBLISH_NOREPLACE, &err_));
    /* a second writer of the same version loses, and the first stays whole */
    ST_ASSERT_ERR(st_write_file_atomic(path, "second!", 7, ST_PUBLISH_NOREPLACE, &err_),
                  ST_ERR_EXISTS);
    st_buf *b;
    ST_ASSERT_OK(st_file_map(path, &b, &err_));
    assert_int_equal(st_buf_len(b), 5);
    assert_memory_equal(st_buf_data(b), "first", 5);
    st_buf_unref(b);
    /* REPLACE does replace */
    ST_ASSERT_OK(st_write_file_atomic(path, "third", 5, ST_PUBLISH_REPLACE, &err_));
    ST_ASSERT_OK(st_file_read(path, 100, &b, &err_));
    assert_memory_equal(st_buf_data(b), "third", 5);
    st_buf_unref(b);
    ST_ASSERT_ERR(st_file_read(path, 2, &b, &err_), ST_ERR_LIMIT);
    /* no temporary files are left behind */
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep tmp)\"", dir);
    assert_int_equal(system(cmd), 0);
    st_test_rmrf(dir);
}

static void test_missing_and_empty(void **state) {
    (void)state;
    st_buf *b;
    ST_ASSERT_ERR(st_file_map("/nonexistent/strata/file", &b, &err_), ST_ERR_NOT_FOUND);
    assert_non_null(strstr(err_.msg, "/nonexistent/strata/file"));
    char *dir = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/empty", dir);
    ST_ASSERT_OK(st_write_file_atomic(path, "", 0, ST_PUBLISH_NOREPLACE, &err_));
    ST_ASSERT_OK(st_file_map(path, &b, &err_));
    assert_int_equal(st_buf_len(b), 0);
    st_buf_unref(b);
    ST_ASSERT_ERR(st_file_map(dir, &b, &err_), ST_ERR_INVALID);
    st_test_rmrf(dir);
}

/* Fault injection runs in a child so the process-wide counters start fresh. */
static int child_with_fault(const char *spec, const char *dir) {
    pid_t pid = fork();
    if (pid == 0) {
        setenv("STRATA_FAULT", spec, 1);
        st_io_fault_reset();
        char path[4200];
        snprintf(path, sizeof path, "%s/target", dir);
        st_error e;
        st_status rc = st_write_file_atomic(path, "data", 4, ST_PUBLISH_NOREPLACE, &e);
        _exit(rc == ST_OK ? 0 : 10 + (int)rc);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_fault_injection(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/target", dir);
    /* fsync failure: the write fails, nothing is published, no temp left */
    assert_int_equal(child_with_fault("fsync:1:eio", dir), 10 + ST_ERR_IO);
    assert_false(st_path_exists(path));
    /* disk full on write */
    assert_int_equal(child_with_fault("write:1:enospc", dir), 10 + ST_ERR_IO);
    assert_false(st_path_exists(path));
    /* crash right before publish: nothing visible under the final name */
    assert_int_equal(child_with_fault("publish:1:crash", dir), 137);
    assert_false(st_path_exists(path));
    /* and without faults it lands */
    assert_int_equal(child_with_fault("", dir), 0);
    assert_true(st_path_exists(path));
    st_test_rmrf(dir);
}

/* Publish without fsyncs (many files under one commit), then one file-system
 * sync: the file lands whole under its name, a taken name is refused, no temp
 * is left, and an injected fsync fault fails the sync. */
static void test_publish_nosync(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/seg-1", dir);
    st_wfile *f;
    ST_ASSERT_OK(st_wfile_create_tmp(dir, "seg", &f, &err_));
    ST_ASSERT_OK(st_wfile_write(f, "segment", 7, &err_));
    ST_ASSERT_OK(st_wfile_publish_nosync(f, path, &err_));
    ST_ASSERT_OK(st_sync_fs(dir, &err_));
    st_buf *b;
    ST_ASSERT_OK(st_file_read(path, 100, &b, &err_));
    assert_int_equal(st_buf_len(b), 7);
    assert_memory_equal(st_buf_data(b), "segment", 7);
    st_buf_unref(b);
    ST_ASSERT_OK(st_wfile_create_tmp(dir, "seg", &f, &err_));
    ST_ASSERT_OK(st_wfile_write(f, "other", 5, &err_));
    ST_ASSERT_ERR(st_wfile_publish_nosync(f, path, &err_), ST_ERR_EXISTS);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep tmp)\"", dir);
    assert_int_equal(system(cmd), 0);
    ST_ASSERT_ERR(st_sync_fs("/nonexistent/strata/dir", &err_), ST_ERR_NOT_FOUND);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("STRATA_FAULT", "fsync:1:eio", 1);
        st_io_fault_reset();
        st_error e;
        _exit(st_sync_fs(dir, &e) == ST_ERR_IO ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    st_test_rmrf(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_noreplace),
        cmocka_unit_test(test_missing_and_empty),
        cmocka_unit_test(test_fault_injection),
        cmocka_unit_test(test_publish_nosync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
