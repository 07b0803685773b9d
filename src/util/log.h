#ifndef WHARF_UTIL_LOG_H
#define WHARF_UTIL_LOG_H

/* One logging macro: checks the level before formatting, adds the request id
 * of the request the calling thread is serving. Never format a secret. */
enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern enum log_level log_min_level;

/* Sets the request id that log lines from this thread carry (NULL: none). */
void log_set_request_id(const char *id);
/* Parses "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *s);
void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
/* Writes one preformatted access-log line (no level filter). */
void log_access(const char *line);

#define LOG(lvl, ...) \
  do { if ((lvl) <= log_min_level) log_write((lvl), __FILE__, __LINE__, __VA_ARGS__); } while (0)

#endif
