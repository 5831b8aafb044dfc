/*
 * measure.c: run a command and report its whole-process wall time and peak
 * resident memory (children included), for side-by-side benchmarks.
 *
 *   measure [-o FILE] CMD ARGS...   prints "<seconds> <peak_kb> <exit>" on the
 *                                   last line of FILE (default stderr)
 * The command's stdout goes to /dev/null unless MEASURE_KEEP_STDOUT=1, so that
 * printing results to a terminal is not part of the time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *outfile = NULL;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "-o")) {
        outfile = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: measure [-o FILE] CMD ARGS...\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        const char *keep = getenv("MEASURE_KEEP_STDOUT");
        if (!keep || strcmp(keep, "1")) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, 1);
        }
        execvp(argv[i], argv + i);
        perror(argv[i]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *o = outfile ? fopen(outfile, "a") : stderr;
    if (!o) o = stderr;
    fprintf(o, "%.6f %ld %d\n", secs, ru.ru_maxrss, code);
    if (o != stderr) fclose(o);
    return 0;
}
