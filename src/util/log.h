#ifndef WHARF_UTIL_LOG_H
#define WHARF_UTIL_LOG_H

#include <stdint.h>

/* One logging macro: checks the level before formatting, adds the request id
 * of the request the calling thread is serving. Never format a secret. */
enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
/* How each line is written: "key=value" text, or one JSON object a line. */
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON = 1 };

extern enum log_level log_min_level;
/* Set once at start-up, before threads (cmd_serve.c). */
extern enum log_format log_line_format;

/* Sets the request id that log lines from this thread carry (NULL: none). */
void log_set_request_id(const char *id);
/* Parses "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *s);
/* Parses "text|json"; -1 if unknown. */
int log_format_parse(const char *s);
void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

/* One access-log record (server/http.c); strings may be NULL, client bytes
 * in them are escaped or cut here. */
struct log_access_rec {
  const char *method, *path, *principal, *ip, *op, *error, *request_id;
  unsigned status;
  uint64_t bytes_in, bytes_out;
  int64_t duration_us;
  int aborted;
};
/* Writes one access-log line in the configured format (no level filter). */
void log_access(const struct log_access_rec *a);

#define LOG(lvl, ...) \
  do { if ((lvl) <= log_min_level) log_write((lvl), __FILE__, __LINE__, __VA_ARGS__); } while (0)

#endif
