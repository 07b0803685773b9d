/* The CLI's API client over libcurl (see client.h): where the URL and token
 * come from, one request with a JSON body in and out, and turning an error
 * answer into one line that says what to do next. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "util/buf.h"

#define URL_MAX 2048
#define TOKEN_MAX 4096
#define CRED_FILE_MAX 16384

struct client {
  CURL *curl;
  char url[URL_MAX];
  char *token;        /* NULL when none (login before it has one) */
  const char *token_from;
};

const char *client_url(const struct client *c)
{
  return c->url;
}

int client_credentials_path(char *out, size_t len)
{
  const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
  int n;
  if (xdg && *xdg == '/')
    n = snprintf(out, len, "%s/wharf/credentials", xdg);
  else if (home && *home)
    n = snprintf(out, len, "%s/.config/wharf/credentials", home);
  else
    return -1;
  return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Reads the credentials file into *url / *token (malloc'd; NULL when absent). */
static void credentials_load(char **url, char **token)
{
  char path[4096];
  *url = *token = NULL;
  if (client_credentials_path(path, sizeof(path)) != 0)
    return;
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j)
    return;
  const char *u = json_string_value(json_object_get(j, "url"));
  const char *t = json_string_value(json_object_get(j, "token"));
  if (u && t && strlen(u) < URL_MAX && strlen(t) < TOKEN_MAX) {
    *url = strdup(u);
    *token = strdup(t);
  }
  json_decref(j);
}

/* mkdir -p for the credentials directory, each new level 0700. */
static int make_dirs(const char *file)
{
  char d[4096];
  snprintf(d, sizeof(d), "%s", file);
  char *slash = strrchr(d, '/');
  if (!slash || slash == d)
    return 0;
  *slash = '\0';
  for (char *p = d + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(d, 0700) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(d, 0700) != 0 && errno != EEXIST)
    return -1;
  return chmod(d, 0700);
}

int client_credentials_save(const char *url, const char *token)
{
  char path[4096], tmp[4200];
  json_t *j = json_pack("{s:s, s:s}", "url", url, "token", token);
  char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
  int fd = -1, rc = CLI_EXIT_API;
  if (!s) {
    cli_error("out of memory");
    goto out;
  }
  if (client_credentials_path(path, sizeof(path)) != 0) {
    cli_error("cannot tell where to save credentials: set HOME or XDG_CONFIG_HOME");
    goto out;
  }
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  if (make_dirs(path) != 0) {
    cli_error("cannot create the directory for %s (%s)", path, strerror(errno));
    goto out;
  }
  unlink(tmp);
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  size_t n = strlen(s);
  if (fd < 0 || write(fd, s, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) != 0 ||
      close(fd) != 0) {
    cli_error("cannot write %s (%s)", tmp, strerror(errno));
    if (fd >= 0)
      unlink(tmp);
    fd = -1;
    goto out;
  }
  fd = -1;
  if (rename(tmp, path) != 0) {
    cli_error("cannot replace %s (%s)", path, strerror(errno));
    unlink(tmp);
    goto out;
  }
  rc = 0;
out:
  if (s) {
    OPENSSL_cleanse(s, strlen(s));
    free(s);
  }
  json_decref(j);
  return rc;
}

int client_credentials_remove(int *removed)
{
  char path[4096];
  if (client_credentials_path(path, sizeof(path)) != 0) {
    *removed = 0;
    return 0;
  }
  if (unlink(path) == 0) {
    *removed = 1;
    return 0;
  }
  if (errno == ENOENT) {
    *removed = 0;
    return 0;
  }
  cli_error("cannot remove %s (%s)", path, strerror(errno));
  return CLI_EXIT_API;
}

static const char *nonempty(const char *s)
{
  return s && *s ? s : NULL;
}

/* Copies the URL without trailing slashes; -1 when it is not http(s). */
static int set_url(struct client *c, const char *url)
{
  size_t n = strlen(url);
  while (n && url[n - 1] == '/')
    n--;
  if (n >= sizeof(c->url) || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
    return -1;
  memcpy(c->url, url, n);
  c->url[n] = '\0';
  return 0;
}

int client_open(struct client **out, const struct client_opts *o)
{
  struct client *c = calloc(1, sizeof(*c));
  char *f_url = NULL, *f_token = NULL;
  int rc = CLI_EXIT_AUTH;
  if (!c || !(c->curl = curl_easy_init())) {
    cli_error("out of memory");
    goto out;
  }
  credentials_load(&f_url, &f_token);
  const char *url = nonempty(o->url) ? o->url : nonempty(getenv("WHARF_URL"));
  const char *token = nonempty(o->token), *from = "--token";
  if (!token && (token = nonempty(getenv("WHARF_TOKEN"))))
    from = "WHARF_TOKEN";
  if (!url)
    url = f_url;
  if (!url) {
    cli_error("no server given: run 'wharf login --url URL', or pass --url / set WHARF_URL");
    goto out;
  }
  if (set_url(c, url) != 0) {
    cli_error("'%s' is not an http:// or https:// URL; check --url / WHARF_URL", url);
    rc = CLI_EXIT_USAGE;
    goto out;
  }
  if (!token && f_url && f_token) {
    struct client tmp;
    if (set_url(&tmp, f_url) == 0 && strcmp(tmp.url, c->url) == 0)
      token = f_token, from = "the saved login";
  }
  if (!token && !o->no_token) {
    cli_error("no API token for %s: run 'wharf login --url %s', or pass --token / set "
              "WHARF_TOKEN", c->url, c->url);
    goto out;
  }
  if (token && (strlen(token) >= TOKEN_MAX || !(c->token = strdup(token)))) {
    cli_error("the API token is too long");
    rc = CLI_EXIT_USAGE;
    goto out;
  }
  c->token_from = from;
  *out = c;
  c = NULL;
  rc = 0;
out:
  if (f_token) {
    OPENSSL_cleanse(f_token, strlen(f_token));
    free(f_token);
  }
  free(f_url);
  client_free(c);
  return rc;
}

void client_free(struct client *c)
{
  if (!c)
    return;
  if (c->token) {
    OPENSSL_cleanse(c->token, strlen(c->token));
    free(c->token);
  }
  if (c->curl)
    curl_easy_cleanup(c->curl);
  free(c);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
  struct buf *b = ctx;
  if (n && size > SIZE_MAX / n)
    return 0;
  return buf_append(b, data, size * n) == 0 ? size * n : 0;
}

int client_request(long *status, json_t **json, struct client *c, const char *method,
                   const char *path, const json_t *body)
{
  struct curl_slist *h = NULL;
  struct buf resp = BUF_INIT(CLIENT_RESPONSE_MAX);
  char *url = NULL, *auth = NULL, *payload = NULL;
  int rc = CLI_EXIT_API;
  size_t ul = strlen(c->url) + strlen(path) + 1;
  if (!(url = malloc(ul)) || (c->token && !(auth = malloc(strlen(c->token) + 32)))) {
    cli_error("out of memory");
    goto out;
  }
  snprintf(url, ul, "%s%s", c->url, path);
  if (auth) {
    sprintf(auth, "Authorization: Bearer %s", c->token);
    h = curl_slist_append(h, auth);
  }
  h = curl_slist_append(h, "Accept: application/json");
  if (body) {
    if (!(payload = json_dumps(body, JSON_COMPACT))) {
      cli_error("out of memory");
      goto out;
    }
    h = curl_slist_append(h, "Content-Type: application/json");
  }
  CURL *k = c->curl;
  curl_easy_reset(k);
  curl_easy_setopt(k, CURLOPT_URL, url);
  curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(k, CURLOPT_USERAGENT, "wharf-cli");
  if (payload)
    curl_easy_setopt(k, CURLOPT_POSTFIELDS, payload);
  else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
    curl_easy_setopt(k, CURLOPT_POSTFIELDS, "");
  curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(k, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(k, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
  CURLcode cc = curl_easy_perform(k);
  if (cc == CURLE_WRITE_ERROR) {
    cli_error("the answer from %s is larger than %zu bytes; narrow the request", c->url,
              (size_t)CLIENT_RESPONSE_MAX);
    goto out;
  }
  if (cc != CURLE_OK) {
    cli_error("cannot reach %s (%s): check --url / WHARF_URL and that 'wharf serve' runs there",
              c->url, curl_easy_strerror(cc));
    rc = CLI_EXIT_AUTH;
    goto out;
  }
  long st = 0;
  curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &st);
  *json = resp.len ? json_loadb(resp.data, resp.len, 0, NULL) : NULL;
  *status = st;
  rc = 0;
out:
  curl_slist_free_all(h);
  if (auth) {
    OPENSSL_cleanse(auth, strlen(auth));
    free(auth);
  }
  if (resp.data)
    OPENSSL_cleanse(resp.data, resp.len);
  buf_free(&resp);
  free(payload);
  free(url);
  return rc;
}

const char *client_error_text(const json_t *json)
{
  static const char *const keys[] = { "detail", "error_message", "message", "error_description" };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    const char *m = json_string_value(json_object_get(json, keys[i]));
    if (m && *m)
      return m;
  }
  json_t *errs = json_object_get(json, "errors");
  return json_string_value(json_object_get(json_array_get(errs, 0), "message"));
}

int client_fail(long status, const json_t *json, const char *what)
{
  const char *msg = client_error_text(json);
  char w[600];
  snprintf(w, sizeof(w), "%s%s", what ? what : "", what ? ": " : "");
  if (!msg)
    msg = "no details given";
  switch (status) {
  case 401:
    cli_error("%sthe server refused the API token (401: %s); run 'wharf login' or set "
              "WHARF_TOKEN to a valid token", w, msg);
    return CLI_EXIT_AUTH;
  case 403:
    cli_error("%snot allowed (403: %s); use a token of an account with the right role and "
              "scope", w, msg);
    return CLI_EXIT_AUTH;
  case 404:
    cli_error("%snot found (404: %s); check the name ('list' commands show what exists)", w, msg);
    return CLI_EXIT_API;
  case 409:
    cli_error("%salready exists (409: %s)", w, msg);
    return CLI_EXIT_API;
  default:
    if (status >= 500)
      cli_error("%sthe server failed (%ld: %s); try again, or see the server log", w, status, msg);
    else
      cli_error("%sthe server refused the request (%ld: %s)", w, status, msg);
    return CLI_EXIT_API;
  }
}

int client_call(json_t **json, struct client *c, const char *method, const char *path,
                const json_t *body, const char *what)
{
  long status = 0;
  json_t *j = NULL;
  int rc = client_request(&status, &j, c, method, path, body);
  if (rc)
    return rc;
  if (status < 200 || status > 299) {
    rc = client_fail(status, j, what);
    if (status == 401 && c->token_from)
      fprintf(stderr, "wharf: (the token came from %s)\n", c->token_from);
    json_decref(j);
    return rc;
  }
  *json = j;
  return 0;
}

/* Appends s percent-encoded to out (keeping '/' when keep_slash). */
static int put_escaped(char *out, size_t len, size_t *at, const char *s, int keep_slash)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
                (keep_slash && ch == '/');
    if (*at + (plain ? 1 : 3) >= len)
      return -1;
    if (plain) {
      out[(*at)++] = (char)ch;
    } else {
      out[(*at)++] = '%';
      out[(*at)++] = hex[ch >> 4];
      out[(*at)++] = hex[ch & 15];
    }
  }
  return 0;
}

int client_pathf(char *out, size_t len, const char *fmt, ...)
{
  va_list ap;
  size_t at = 0;
  int rc = -1;
  if (!len)
    return -1;
  va_start(ap, fmt);
  for (const char *p = fmt; *p; p++) {
    if (*p == '%' && (p[1] == 's' || p[1] == 'r')) {
      if (put_escaped(out, len, &at, va_arg(ap, const char *), p[1] == 'r') != 0)
        goto out;
      p++;
    } else if (*p == '%') {
      goto out;
    } else {
      if (at + 1 >= len)
        goto out;
      out[at++] = *p;
    }
  }
  out[at] = '\0';
  rc = 0;
out:
  va_end(ap);
  return rc;
}
