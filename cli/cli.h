/*
 * cli.h: what the `strata` command's files share.
 *
 * Each command lives in its own file cli/cmd_<name>.c and registers itself
 * with ST_CLI_COMMAND, so adding a command never edits a shared table.
 * A command function receives its own argv (argv[0] = command name) and
 * returns the process exit code:
 *   0  success
 *   1  the operation failed (bad input, damage found, I/O error): a message
 *      "strata: error: ..." is on stderr
 *   2  usage error (unknown option, missing argument)
 *
 * Options are declared in a table (st_opt) and parsed by st_cli_parse, which
 * also prints `--help`.  Options may appear anywhere among the positionals;
 * `--` ends options; a lone `-` is a positional (stdin).
 */
#ifndef ST_CLI_H
#define ST_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "format/status.h"

typedef struct st_cli {
    const char *warehouse; /* -w DIR, $STRATA_WAREHOUSE, or "./warehouse" */
    int threads;           /* --threads N given before the command; 0 = auto */
} st_cli;

typedef int (*st_cli_fn)(st_cli *cli, int argc, char **argv);

typedef struct st_cli_command {
    const char *name;
    st_cli_fn fn;
    int order;           /* position in `strata --help` */
    const char *summary; /* one line */
} st_cli_command;

void st_cli_register(const st_cli_command *c);

#define ST_CLI_COMMAND(NAME, FN, ORDER, SUMMARY)                              \
    static const st_cli_command st_cli_cmd_##FN = {NAME, FN, ORDER, SUMMARY}; \
    __attribute__((constructor)) static void st_cli_reg_##FN(void) {          \
        st_cli_register(&st_cli_cmd_##FN);                                    \
    }

/* ---- option parsing ----------------------------------------------------- */

typedef enum { ST_OPT_FLAG, ST_OPT_STRING, ST_OPT_INT, ST_OPT_DOUBLE } st_opt_kind;

typedef struct st_opt {
    const char *name;    /* long name without "--" */
    char short_name;     /* 0 for none */
    st_opt_kind kind;
    void *out;           /* bool*, const char**, long*, double* */
    const char *metavar; /* "N", "FILE", ... (ignored for flags) */
    const char *help;
} st_opt;

typedef struct st_cmd_help {
    const char *usage;       /* "strata ingest TABLE [FILE...|-] [options]" */
    const char *description; /* a paragraph; may contain newlines */
    const char *examples;    /* optional, lines of examples */
} st_cmd_help;

/* Parse argv (argv[0] is the command name).  Positionals are written, in
 * order, to pos[0..*npos) (pos must have argc slots).  Returns 0 to go on,
 * -1 when --help was printed (exit 0), or 2 after printing a usage error. */
int st_cli_parse(const st_cmd_help *help, const st_opt *opts, int argc, char **argv,
                 char **pos, int *npos);

/* Print "strata: error: <msg>" and return 1. */
int st_cli_fail(const st_error *e);
/* Print "strata: error: <fmt>" and return 1. */
int st_cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "strata CMD: <fmt>\nTry 'strata CMD --help'." and return 2. */
int st_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when stderr is a terminal (progress output goes there only then). */
bool st_cli_stderr_tty(void);

/* Install SIGINT/SIGTERM handlers that set a flag instead of killing the
 * process; st_cli_interrupted() reads it. */
void st_cli_catch_signals(void);
bool st_cli_interrupted(void);
volatile int *st_cli_interrupt_flag(void);

#endif /* ST_CLI_H */
