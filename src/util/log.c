/* Log lines on stderr, "key=value" text or one JSON object a line
 * (log_format). Each line is formatted into one buffer and written with one
 * fprintf so concurrent threads do not interleave. In JSON every string is
 * escaped and made valid UTF-8, so a client's path cannot break the line or
 * forge keys; in text the path is quoted as before. */
#include "util/log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/utf8.h"

enum log_level log_min_level = LOG_INFO;
enum log_format log_line_format = LOG_FORMAT_TEXT;
static _Thread_local const char *cur_request_id;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_set_request_id(const char *id)
{
  cur_request_id = id;
}

int log_level_parse(const char *s)
{
  for (int i = 0; i < 4; i++)
    if (strcasecmp(s, level_names[i]) == 0)
      return i;
  return -1;
}

int log_format_parse(const char *s)
{
  if (strcasecmp(s, "text") == 0)
    return LOG_FORMAT_TEXT;
  if (strcasecmp(s, "json") == 0)
    return LOG_FORMAT_JSON;
  return -1;
}

static void timestamp(char *out, size_t n)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* A line being built in a fixed buffer; once full, further output is cut. */
struct line {
  char buf[4096];
  size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
  size_t room = sizeof(l->buf) - 1 - l->len;
  if (n > room)
    n = room;
  memcpy(l->buf + l->len, s, n);
  l->len += n;
  l->buf[l->len] = '\0';
}

static void putf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct line *l, const char *fmt, ...)
{
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n > 0)
    put(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Length of the valid UTF-8 character at s[0..n), 0 if it is not one. */
static size_t utf8_char(const char *s, size_t n)
{
  unsigned char c = (unsigned char)s[0];
  size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
             : (c & 0xF8) == 0xF0 ? 4 : 0;
  return k && k <= n && utf8_valid(s, k) ? k : 0;
}

/* ,"key":"value" with value JSON-escaped and cut after at most max bytes
 * of output (so the sum of the callers' maxima bounds a line well below
 * the buffer); invalid UTF-8 becomes U+FFFD. NULL value: nothing. */
static void json_str(struct line *l, const char *key, const char *v, size_t max)
{
  if (!v)
    return;
  putf(l, ",\"%s\":\"", key);
  size_t n = strlen(v), start = l->len;
  for (size_t i = 0; i < n && l->len - start + 6 <= max;) {
    unsigned char c = (unsigned char)v[i];
    size_t k = utf8_char(v + i, n - i);
    if (c == '"' || c == '\\')
      putf(l, "\\%c", c);
    else if (c == '\n')
      put(l, "\\n", 2);
    else if (c == '\t')
      put(l, "\\t", 2);
    else if (c < 0x20 || c == 0x7f)
      putf(l, "\\u%04x", c);
    else if (k)
      put(l, v + i, k);
    else
      put(l, "\\ufffd", 6);
    i += k ? k : 1;
  }
  put(l, "\"", 1);
}

static void write_line(const struct line *l)
{
  fprintf(stderr, "%s\n", l->buf);
}

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
  char ts[40], msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  timestamp(ts, sizeof(ts));
  if (log_line_format == LOG_FORMAT_JSON) {
    struct line l = { .len = 0 };
    putf(&l, "{\"time\":\"%s\",\"level\":\"%s\"", ts, level_names[lvl]);
    json_str(&l, "msg", msg, 1024);
    putf(&l, ",\"src\":\"%.100s:%d\"", base, line);
    json_str(&l, "request_id", cur_request_id, 64);
    put(&l, "}", 1);
    write_line(&l);
    return;
  }
  fprintf(stderr, "%s level=%s src=%s:%d%s%s msg=\"%s\"\n", ts, level_names[lvl], base, line,
          cur_request_id ? " req=" : "", cur_request_id ? cur_request_id : "", msg);
}

static void access_json(const struct log_access_rec *a, const char *ts)
{
  struct line l = { .len = 0 };
  putf(&l, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"access\"", ts);
  json_str(&l, "method", a->method, 16);
  json_str(&l, "path", a->path, 300);
  putf(&l, ",\"status\":%u,\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
           ",\"duration_ms\":%" PRId64 ".%03" PRId64,
       a->status, a->bytes_in, a->bytes_out, a->duration_us / 1000, a->duration_us % 1000);
  json_str(&l, "principal", a->principal, 300);
  json_str(&l, "ip", a->ip, 64);
  json_str(&l, "op", a->op, 64);
  json_str(&l, "error", a->error, 64);
  if (a->aborted)
    put(&l, ",\"aborted\":true", 15);
  json_str(&l, "request_id", a->request_id, 64);
  put(&l, "}", 1);
  write_line(&l);
}

void log_access(const struct log_access_rec *a)
{
  char ts[40];
  timestamp(ts, sizeof(ts));
  if (log_line_format == LOG_FORMAT_JSON) {
    access_json(a, ts);
    return;
  }
  fprintf(stderr,
          "%s level=info access method=%s path=\"%.300s\" status=%u bytes_in=%" PRIu64
          " bytes_out=%" PRIu64 " duration_ms=%" PRId64 ".%03" PRId64
          " principal=%s ip=%s op=%s%s%s%s req=%s\n",
          ts, a->method ? a->method : "-", a->path ? a->path : "", a->status, a->bytes_in,
          a->bytes_out, a->duration_us / 1000, a->duration_us % 1000,
          a->principal ? a->principal : "-", a->ip ? a->ip : "-", a->op ? a->op : "-",
          a->error ? " error=" : "", a->error ? a->error : "", a->aborted ? " aborted=1" : "",
          a->request_id ? a->request_id : "-");
}
