/*
 * main.c: the `strata` entry point: global options, command dispatch, and
 * the option parser every command uses (cli.h).
 *
 * Commands register themselves at start-up (ST_CLI_COMMAND); main() finds
 * the one named on the command line and hands it the rest of argv.  Nothing
 * here touches the warehouse, so `strata --help` and `strata inspect FILE`
 * cost no I/O.
 */
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "format/version.h"


#define MAX_COMMANDS 64
static const st_cli_command *commands[MAX_COMMANDS];
static int ncommands;

void st_cli_register(const st_cli_command *c) {
    if (ncommands < MAX_COMMANDS) commands[ncommands++] = c;
}

static int by_order(const void *a, const void *b) {
    const st_cli_command *x = *(const st_cli_command *const *)a;
    const st_cli_command *y = *(const st_cli_command *const *)b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void print_main_help(FILE *out) {
    fprintf(out,
            "strata %s: a columnar storage engine for a Bronze/Silver/Gold data platform\n\n"
            "usage: strata [-w DIR] [--threads N] COMMAND [ARGS...]\n\n"
            "  -w, --warehouse DIR   the warehouse (else $STRATA_WAREHOUSE, else ./warehouse)\n"
            "  --threads N           worker threads (default: all cores)\n"
            "  -h, --help            this help;  strata COMMAND --help  for a command\n"
            "  --version             print the version\n\n"
            "commands:\n",
            STRATA_VERSION);
    qsort(commands, (size_t)ncommands, sizeof commands[0], by_order);
    for (int i = 0; i < ncommands; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out,
            "\nExit status: 0 on success, 1 when the operation failed (the reason is on\n"
            "stderr as 'strata: error: ...'), 2 on a usage error.\n");
}

/* Work buffers of a few hundred KB (a row group's columns, hashes, keys)
 * are allocated and freed per unit of work on every thread.  glibc's
 * defaults serve them with fresh mmaps and hand freed heap tops back to the
 * kernel, so every unit paid its page faults again (a third of a Silver
 * run's time in the profile).  A strata process is short-lived: keep freed
 * memory for reuse (up to 512 MB) and serve blocks under 32 MB from the
 * heap.  Very large blocks are still mapped and unmapped directly. */
static void tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

int main(int argc, char **argv) {
    st_cli cli = {0};
    tune_malloc();
    cli.warehouse = getenv("STRATA_WAREHOUSE");
    if (!cli.warehouse || !*cli.warehouse) cli.warehouse = "warehouse";
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-w") || !strcmp(a, "--warehouse")) {
            if (i + 1 >= argc) return st_cli_usage(NULL, "%s needs a directory", a);
            cli.warehouse = argv[++i];
        } else if (!strncmp(a, "--warehouse=", 12)) {
            cli.warehouse = a + 12;
        } else if (!strcmp(a, "--threads")) {
            if (i + 1 >= argc) return st_cli_usage(NULL, "--threads needs a number");
            cli.threads = atoi(argv[++i]);
        } else if (!strncmp(a, "--threads=", 10)) {
            cli.threads = atoi(a + 10);
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
            if (!strcmp(a, "help") && i + 1 < argc) {
                /* "strata help CMD" == "strata CMD --help" */
                char *hargv[] = {argv[i + 1], "--help", NULL};
                for (int k = 0; k < ncommands; k++)
                    if (!strcmp(commands[k]->name, argv[i + 1]))
                        return commands[k]->fn(&cli, 2, hargv);
                return st_cli_usage(NULL, "unknown command '%s'", argv[i + 1]);
            }
            print_main_help(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("strata %s\n", STRATA_VERSION);
            return 0;
        } else if (a[0] == '-') {
            return st_cli_usage(NULL, "unknown option '%s'", a);
        } else {
            break;
        }
    }
    if (cli.threads < 0) return st_cli_usage(NULL, "--threads must be >= 0");
    if (i >= argc) {
        print_main_help(stderr);
        return 2;
    }
    for (int k = 0; k < ncommands; k++)
        if (!strcmp(commands[k]->name, argv[i])) return commands[k]->fn(&cli, argc - i, argv + i);
    return st_cli_usage(NULL, "unknown command '%s'", argv[i]);
}

/* ---- errors ------------------------------------------------------------- */

int st_cli_fail(const st_error *e) {
    fprintf(stderr, "strata: error: %s\n", e && e->msg[0] ? e->msg : "unknown error");
    return 1;
}

int st_cli_failf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("strata: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int st_cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "strata%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "Try 'strata%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return 2;
}

bool st_cli_stderr_tty(void) { return isatty(2); }

static volatile int interrupted;
static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}
void st_cli_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
bool st_cli_interrupted(void) { return interrupted != 0; }
volatile int *st_cli_interrupt_flag(void) { return &interrupted; }

/* ---- option parsing ----------------------------------------------------- */

static void print_cmd_help(const st_cmd_help *h, const st_opt *opts) {
    printf("usage: %s\n", h->usage);
    if (h->description) printf("\n%s\n", h->description);
    int any = 0;
    for (const st_opt *o = opts; o && o->name; o++) any = 1;
    if (any) printf("\noptions:\n");
    for (const st_opt *o = opts; o && o->name; o++) {
        char left[80];
        int n = 0;
        if (o->short_name) n += snprintf(left + n, sizeof left - (size_t)n, "-%c, ", o->short_name);
        n += snprintf(left + n, sizeof left - (size_t)n, "--%s", o->name);
        if (o->kind != ST_OPT_FLAG)
            snprintf(left + n, sizeof left - (size_t)n, " %s", o->metavar ? o->metavar : "VALUE");
        if (strlen(left) > 24) printf("  %s\n  %-24s %s\n", left, "", o->help ? o->help : "");
        else printf("  %-24s %s\n", left, o->help ? o->help : "");
    }
    printf("  %-24s %s\n", "-h, --help", "show this help");
    if (h->examples) printf("\nexamples:\n%s\n", h->examples);
}

static const char *cmd_name(const st_cmd_help *h, char *buf, size_t cap) {
    /* usage starts with "strata NAME" */
    const char *u = h->usage;
    if (!strncmp(u, "strata ", 7)) u += 7;
    size_t n = strcspn(u, " ");
    if (n >= cap) n = cap - 1;
    memcpy(buf, u, n);
    buf[n] = '\0';
    return buf;
}

static int set_opt(const st_cmd_help *h, const st_opt *o, const char *val) {
    char nb[32];
    switch (o->kind) {
    case ST_OPT_FLAG: *(bool *)o->out = true; return 0;
    case ST_OPT_STRING: *(const char **)o->out = val; return 0;
    case ST_OPT_INT: {
        char *end;
        long v = strtol(val, &end, 10);
        if (!*val || *end)
            return st_cli_usage(cmd_name(h, nb, sizeof nb), "--%s needs an integer, not '%s'",
                                o->name, val);
        *(long *)o->out = v;
        return 0;
    }
    case ST_OPT_DOUBLE: {
        char *end;
        double v = strtod(val, &end);
        if (!*val || *end)
            return st_cli_usage(cmd_name(h, nb, sizeof nb), "--%s needs a number, not '%s'",
                                o->name, val);
        *(double *)o->out = v;
        return 0;
    }
    }
    return 0;
}

static int isdigit_or_dot(char c) { return (c >= '0' && c <= '9') || c == '.'; }

int st_cli_parse(const st_cmd_help *help, const st_opt *opts, int argc, char **argv,
                 char **pos, int *npos) {
    char nb[32];
    *npos = 0;
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || !strcmp(a, "-")) {
            pos[(*npos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_cmd_help(help, opts);
            return -1;
        }
        const st_opt *o = NULL;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (const st_opt *p = opts; p && p->name; p++)
                if (strlen(p->name) == len && !strncmp(p->name, name, len)) o = p;
            if (eq) val = eq + 1;
        } else if (a[2] == '\0') {
            for (const st_opt *p = opts; p && p->name; p++)
                if (p->short_name == a[1]) o = p;
        } else if (isdigit_or_dot(a[1])) {
            pos[(*npos)++] = a; /* a negative number */
            continue;
        }
        if (!o) return st_cli_usage(cmd_name(help, nb, sizeof nb), "unknown option '%s'", a);
        if (o->kind == ST_OPT_FLAG) {
            if (val) return st_cli_usage(cmd_name(help, nb, sizeof nb), "--%s takes no value", o->name);
        } else if (!val) {
            if (i + 1 >= argc)
                return st_cli_usage(cmd_name(help, nb, sizeof nb), "--%s needs %s", o->name,
                                    o->metavar ? o->metavar : "a value");
            val = argv[++i];
        }
        int rc = set_opt(help, o, val);
        if (rc) return rc;
    }
    return 0;
}
