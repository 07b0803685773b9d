#ifndef WHARF_CLI_PROGRESS_H
#define WHARF_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Progress of a long admin command on stderr: a redrawn bar on a terminal,
 * a line every few seconds otherwise; nothing when quiet. */
struct progress {
  int tty;
  int quiet;
  int64_t last_us; /* when the last line was written */
  int drawn;       /* a bar is on screen (a newline is owed) */
};

/* Sets p up for stderr. */
void progress_init(struct progress *p, int quiet);
/* Shows `phase`: done of total (total 0: unknown), with bytes when >= 0. */
void progress_update(struct progress *p, const char *phase, int64_t done, int64_t total,
                     int64_t bytes);
/* Ends the bar line, if any. */
void progress_end(struct progress *p);
/* Parses a duration: seconds, or a number followed by s, m, h or d. 0 or -1. */
int cli_parse_duration(int64_t *out, const char *s);
/* Formats bytes as "12.3 MiB" into out; returns out. */
const char *cli_human_bytes(char *out, size_t len, int64_t bytes);

/* --- shared by the admin commands over the stores (cmd_gc.c) ------------ */
struct meta;
struct blob_store;
/* --db / --storage defaults: $WHARF_DB / $WHARF_STORAGE, then serve's defaults. */
void cli_store_defaults(const char **db, const char **storage);
/* Opens both stores, or prints what to do and returns the error. */
int cli_open_stores(struct meta **out_m, struct blob_store **out_bs, const char *db,
                    const char *storage);

#endif
