/*
 * measure.c: run a command and report its whole-process wall time and peak
 * resident memory (children included), for side-by-side benchmarks.
 *
 *   measure [-o FILE] [-t SECONDS] CMD ARGS...
 *
 * Appends "<seconds> <peak_kb> <exit>" as a line to FILE (default: stderr).
 * <exit> is the command's exit code, 128+N when killed by signal N, 124 when
 * it ran past -t SECONDS (then its whole process group is killed), 127 when
 * it could not be started.  The command's stdout goes to /dev/null unless
 * MEASURE_KEEP_STDOUT=1, so that printing results is not part of the time;
 * its stderr is inherited (bench/run.sh sends it to the workload's log).
 *
 * The command runs in its own process group so a timeout can kill everything
 * it started; SIGINT/SIGTERM sent to measure are forwarded to that group, and
 * measure then dies of the same signal, so Ctrl-C stops a bench run cleanly.
 * Peak memory is getrusage's ru_maxrss of the command: the largest resident
 * set of it or of any descendant it waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out, got_signal;
static pid_t child;

static void on_alarm(int sig) {
    (void)sig;
    timed_out = 1;
    if (child > 0) kill(-child, SIGKILL);
}

static void on_stop(int sig) {
    got_signal = sig;
    if (child > 0) kill(-child, sig);
}

int main(int argc, char **argv) {
    const char *outfile = NULL;
    long limit = 0;
    int i = 1;
    while (i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]) {
        if (argv[i][1] == 'o') outfile = argv[i + 1];
        else if (argv[i][1] == 't') limit = atol(argv[i + 1]);
        else break;
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: measure [-o FILE] [-t SECONDS] CMD ARGS...\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) {
        perror("fork");
        return 2;
    }
    if (child == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        const char *keep = getenv("MEASURE_KEEP_STDOUT");
        if (!keep || strcmp(keep, "1")) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, 1);
        }
        execvp(argv[i], argv + i);
        fprintf(stderr, "measure: cannot run %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    setpgid(child, child); /* also here: no race with the child's own call */
    if (limit > 0) alarm((unsigned)limit);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(child, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("wait4");
            return 2;
        }
    }
    alarm(0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (timed_out) code = 124;
    FILE *o = outfile ? fopen(outfile, "a") : stderr;
    if (!o) o = stderr;
    fprintf(o, "%.6f %ld %d\n", secs, ru.ru_maxrss, code);
    if (o != stderr) fclose(o);
    if (got_signal) {
        signal(got_signal, SIG_DFL);
        raise(got_signal);
    }
    return 0;
}
