/* One signed S3 request over libcurl.
 *
 * Signing is libcurl's CURLOPT_AWS_SIGV4. libcurl 7.88 signs the path and
 * the query exactly as given, so callers pass keys made of URL-safe
 * characters and a query that is already canonical (parameters sorted,
 * values percent-encoded, "k=" for a bare key). The payload hash is the
 * x-amz-content-sha256 header we add (libcurl uses it for the signature):
 * the SHA-256 of an in-memory body, or of the empty string.
 *
 * Every call takes an easy handle from a pool (so any thread may call, and
 * a handle with its connections serves one call at a time) and returns it
 * afterwards; DNS and TLS sessions are shared through one CURLSH. libcurl
 * does not support one connection cache shared by concurrent threads, so
 * connections stay with their handles. Credentials go to
 * libcurl as user/password and never into a URL, so no log line built from
 * a method, key or curl error can carry one. CURLOPT_VERBOSE stays off: it
 * would print the Authorization header. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob/s3_int.h"
#include "util/err.h"
#include "util/log.h"

#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static pthread_once_t s3_curl_once = PTHREAD_ONCE_INIT;
static CURLcode s3_curl_init_rc;

static void s3_curl_global_init(void)
{
  s3_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
  struct s3_store *s = ud;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_lock(&s->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
  struct s3_store *s = ud;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_unlock(&s->share_mu[data]);
}

int s3_http_init(struct s3_store *s)
{
  pthread_once(&s3_curl_once, s3_curl_global_init);
  if (s3_curl_init_rc != CURLE_OK)
    return ERR_INTERNAL;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&s->share_mu[i], NULL);
  pthread_mutex_init(&s->pool_mu, NULL);
  s->share_mu_ready = 1;
  s->share = curl_share_init();
  if (!s->share)
    return ERR_NOMEM;
  if (curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
      curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
      curl_share_setopt(s->share, CURLSHOPT_USERDATA, s) != CURLSHE_OK ||
      curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
      curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
    return ERR_INTERNAL;
  return 0;
}

void s3_http_cleanup(struct s3_store *s)
{
  s3_stream_cleanup(s);
  for (size_t i = 0; i < s->npool; i++)
    curl_easy_cleanup(s->pool[i]);
  s->npool = 0;
  if (s->share)
    curl_share_cleanup(s->share);
  s->share = NULL;
  for (int i = 0; s->share_mu_ready && i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&s->share_mu[i]);
  if (s->share_mu_ready)
    pthread_mutex_destroy(&s->pool_mu);
  s->share_mu_ready = 0;
}

int s3_query_escape(char *out, size_t outlen, const char *src)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
    if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
      if (o + 1 >= outlen)
        return ERR_TOOBIG;
      out[o++] = (char)*p;
    } else {
      if (o + 3 >= outlen)
        return ERR_TOOBIG;
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  if (o >= outlen)
    return ERR_TOOBIG;
  out[o] = '\0';
  return 0;
}

/* --- XML: the few flat elements S3 answers with ---------------------------- */

int s3_xml_next(const char **out_b, const char **out_e, const char **cur, const char *end,
                const char *tag)
{
  char open[80], close[80];
  int a = snprintf(open, sizeof(open), "<%s>", tag);
  int b = snprintf(close, sizeof(close), "</%s>", tag);
  if (a < 0 || b < 0 || (size_t)b >= sizeof(close) || *cur >= end)
    return ERR_NOTFOUND;
  const char *o = memmem(*cur, (size_t)(end - *cur), open, (size_t)a);
  if (!o)
    return ERR_NOTFOUND;
  const char *body = o + a;
  const char *c = memmem(body, (size_t)(end - body), close, (size_t)b);
  if (!c)
    return ERR_NOTFOUND;
  *out_b = body;
  *out_e = c;
  *cur = c + b;
  return 0;
}

/* Decodes the five predefined XML entities and decimal ones from 1 to 127. */
static int xml_unescape(char *out, size_t outlen, const char *p, const char *end)
{
  static const struct { const char *ent; char c; } ents[] = {
    { "&quot;", '"' }, { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&apos;", '\'' },
  };
  size_t o = 0;
  while (p < end) {
    char c = *p++;
    if (c == '&') {
      int done = 0;
      for (size_t i = 0; !done && i < sizeof(ents) / sizeof(ents[0]); i++) {
        size_t n = strlen(ents[i].ent) - 1;
        if ((size_t)(end - p) >= n && memcmp(p, ents[i].ent + 1, n) == 0) {
          c = ents[i].c;
          p += n;
          done = 1;
        }
      }
      /* "&#" 1-3 digits ";" (1..127), scanned by hand: [p, end) is not
       * NUL-terminated, and sscanf("#%u;%n") left `used` unset when the ';'
       * was missing ("&#65</Key>"), then moved p by that garbage */
      unsigned v = 0;
      size_t d = 1;
      if (!done && p < end && *p == '#') {
        while (d < 4 && p + d < end && p[d] >= '0' && p[d] <= '9')
          v = v * 10 + (unsigned)(p[d++] - '0');
        if (d > 1 && p + d < end && p[d] == ';' && v > 0 && v < 128) {
          c = (char)v;
          p += d + 1;
        }
      }
    }
    if (o + 1 >= outlen)
      return ERR_TOOBIG;
    out[o++] = c;
  }
  out[o] = '\0';
  return 0;
}

int s3_xml_text(char *out, size_t outlen, const char *p, const char *end, const char *tag)
{
  const char *b, *e, *cur = p;
  if (s3_xml_next(&b, &e, &cur, end, tag) != 0)
    return ERR_NOTFOUND;
  return xml_unescape(out, outlen, b, e);
}

/* --- the request ------------------------------------------------------------- */

struct s3_call {
  CURL *h;
  struct s3_req *rq;
  size_t body_off;   /* request body already sent */
  size_t fed;        /* response bytes handed to the sink */
  int sink_failed;
  struct buf err;    /* body of a non-2xx answer */
};

static size_t on_read(char *dst, size_t size, size_t n, void *ud)
{
  struct s3_call *c = ud;
  size_t left = c->rq->body_len - c->body_off;
  size_t want = size * n < left ? size * n : left;
  if (want)
    memcpy(dst, (const char *)c->rq->body + c->body_off, want);
  c->body_off += want;
  return want;
}

/* libcurl rewinds an upload when it resends it on a fresh connection. */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
  struct s3_call *c = ud;
  if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > c->rq->body_len)
    return CURL_SEEKFUNC_CANTSEEK;
  c->body_off = (size_t)offset;
  return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
  struct s3_call *c = ud;
  size_t len = size * n;
  long st = 0;
  curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
  if (st < 200 || st > 299) {
    size_t room = S3_ERRBODY_MAX - c->err.len;
    buf_append(&c->err, p, len < room ? len : room);
    return len;
  }
  if (c->rq->sink) {
    if (c->rq->sink(c->rq->sink_ctx, p, len) != 0) {
      c->sink_failed = 1;
      return 0;
    }
    c->fed += len;
    return len;
  }
  if (c->rq->resp && buf_append(c->rq->resp, p, len) != 0) {
    c->sink_failed = 1;
    return 0;
  }
  return len;
}

int s3_url(char *out, size_t outlen, const struct s3_store *s, const struct s3_req *rq)
{
  int n = snprintf(out, outlen, "%s%s%s%s%s", s->base_url, rq->key ? "/" : "",
                   rq->key ? rq->key : "", rq->query ? "?" : "", rq->query ? rq->query : "");
  return n < 0 || (size_t)n >= outlen ? ERR_TOOBIG : 0;
}

int s3_headers(struct curl_slist **out, const struct s3_store *s, const struct s3_req *rq)
{
  char sha[DIGEST_MAX], line[64 + DIGEST_MAX];
  const char *hex = S3_EMPTY_SHA256;
  if (rq->body_len > 0) {
    if (digest_buffer(sha, DIGEST_SHA256, rq->body, rq->body_len) != 0)
      return ERR_INTERNAL;
    hex = sha + strlen("sha256:");
  }
  snprintf(line, sizeof(line), "x-amz-content-sha256: %s", hex);
  struct curl_slist *l = NULL, *t;
  const char *fixed[] = { line, "Expect:", s->token_hdr };
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
    if (fixed[i] && !(t = curl_slist_append(l, fixed[i])))
      goto nomem;
    if (fixed[i])
      l = t;
  }
  for (size_t i = 0; i < sizeof(rq->hdr) / sizeof(rq->hdr[0]) && rq->hdr[i]; i++) {
    if (!(t = curl_slist_append(l, rq->hdr[i])))
      goto nomem;
    l = t;
  }
  *out = l;
  return 0;
nomem:
  curl_slist_free_all(l);
  return ERR_NOMEM;
}

int s3_easy_common(CURL *h, struct s3_store *s, const char *url, struct curl_slist *hdrs)
{
  int bad = 0;
  bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_SHARE, s->share) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK;
  /* a transfer that stalls for a minute is dead; big ones may take long */
  bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_USERNAME, s->access_key) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret_key) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK;
  return bad ? ERR_INTERNAL : 0;
}

static int s3_setup(struct s3_call *c, struct s3_store *s, const char *url,
                    struct curl_slist *hdrs)
{
  struct s3_req *rq = c->rq;
  CURL *h = c->h;
  int bad = s3_easy_common(h, s, url, hdrs) != 0;
  bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
  bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK;
  if (strcmp(rq->method, "HEAD") == 0) {
    bad |= curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK;
  } else if (strcmp(rq->method, "PUT") == 0) {
    bad |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READDATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SEEKDATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_len) != CURLE_OK;
  } else if (strcmp(rq->method, "POST") == 0) {
    bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len) != CURLE_OK;
  } else if (strcmp(rq->method, "GET") != 0) {
    bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK;
  }
  return bad ? ERR_INTERNAL : 0;
}

static int s3_auth_code(const char *code)
{
  static const char *const auth[] = { "AccessDenied", "InvalidAccessKeyId",
                                      "SignatureDoesNotMatch", "ExpiredToken",
                                      "InvalidToken", "AuthorizationHeaderMalformed",
                                      "RequestTimeTooSkewed", "InvalidSecurity" };
  for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
    if (strcmp(code, auth[i]) == 0)
      return 1;
  return 0;
}

int s3_status_rc(const struct s3_store *s, const struct s3_req *rq)
{
  long st = rq->status;
  const char *key = rq->key ? rq->key : "(bucket)";
  if (st >= 200 && st <= 299)
    return 0;
  if (st == 404) {
    if (!rq->quiet_404)
      LOG(LOG_DEBUG, "blob s3: %s %s: not found (%s)", rq->method, key, rq->code);
    return ERR_NOTFOUND;
  }
  if (st == 416)
    return ERR_RANGE;
  if (st == 409 || st == 412)
    return ERR_CONFLICT;
  if (st == 501 || strcmp(rq->code, "NotImplemented") == 0)
    return ERR_UNSUPPORTED;
  if (st == 401 || st == 403 || s3_auth_code(rq->code)) {
    LOG(LOG_ERROR,
        "blob s3: %s %s in bucket %s: %ld %s: check the S3 credentials (access_key/secret_key "
        "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), the region (%s) and "
        "the bucket policy",
        rq->method, key, s->bucket, st, rq->code[0] ? rq->code : "denied", s->region);
    return ERR_IO;
  }
  if (st == 301 || strcmp(rq->code, "PermanentRedirect") == 0) {
    LOG(LOG_ERROR, "blob s3: bucket %s answers from another region or endpoint than %s: set "
        "region= (and endpoint=) in the storage URL", s->bucket, s->region);
    return ERR_IO;
  }
  /* a caller with a fallback (no_retry) logs if that fails too */
  LOG(rq->no_retry ? LOG_DEBUG : LOG_ERROR, "blob s3: %s %s in bucket %s: HTTP %ld %s",
      rq->method, key, s->bucket, st, rq->code);
  return ERR_IO;
}

CURL *s3_handle_get(struct s3_store *s)
{
  CURL *h = NULL;
  pthread_mutex_lock(&s->pool_mu);
  if (s->npool)
    h = s->pool[--s->npool];
  pthread_mutex_unlock(&s->pool_mu);
  return h ? h : curl_easy_init();
}

void s3_handle_put(struct s3_store *s, CURL *h)
{
  if (!h)
    return;
  curl_easy_reset(h);
  pthread_mutex_lock(&s->pool_mu);
  if (s->npool < S3_POOL_MAX) {
    s->pool[s->npool++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&s->pool_mu);
  if (h)
    curl_easy_cleanup(h);
}

/* One attempt. Returns 0 when an answer arrived (rq->status set), or ERR_IO
 * for a transport failure (logged), ERR_* for local failures. */
static int s3_attempt(struct s3_store *s, struct s3_req *rq, const char *url,
                      struct curl_slist *hdrs, size_t *out_fed)
{
  struct s3_call c = { .rq = rq, .err = BUF_INIT(S3_ERRBODY_MAX) };
  int rc = 0;
  if (!(c.h = s3_handle_get(s)))
    return ERR_NOMEM;
  if ((rc = s3_setup(&c, s, url, hdrs)) != 0)
    goto out;
  CURLcode cc = curl_easy_perform(c.h);
  *out_fed = c.fed;
  if (cc != CURLE_OK && !c.sink_failed) {
    LOG(LOG_ERROR, "blob s3: %s %s: %s", rq->method, rq->key ? rq->key : "(bucket)",
        curl_easy_strerror(cc));
    rc = ERR_IO;
    goto out;
  }
  if (c.sink_failed) {
    rc = rq->sink ? ERR_INTERNAL : ERR_TOOBIG; /* not transient: no retry */
    goto out;
  }
  curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &rq->status);
  curl_off_t cl = -1;
  curl_easy_getinfo(c.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  rq->length = cl;
  struct curl_header *eh;
  if (curl_easy_header(c.h, "ETag", 0, CURLH_HEADER, -1, &eh) == CURLHE_OK) {
    size_t o = 0;
    for (const char *p = eh->value; *p && o + 1 < sizeof(rq->etag); p++)
      if (*p != '"')
        rq->etag[o++] = *p;
    rq->etag[o] = '\0';
  }
  rq->code[0] = '\0';
  if (c.err.len)
    s3_xml_text(rq->code, sizeof(rq->code), c.err.data, c.err.data + c.err.len, "Code");
out:
  buf_free(&c.err);
  s3_handle_put(s, c.h);
  return rc;
}

static int s3_transient(long status)
{
  return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

int s3_perform(struct s3_store *s, struct s3_req *rq)
{
  char url[S3_KEY_MAX * 2 + 1024];
  struct curl_slist *hdrs = NULL;
  int rc = s3_url(url, sizeof(url), s, rq);
  if (rc == 0)
    rc = s3_headers(&hdrs, s, rq);
  if (rc != 0)
    return rc;
  for (int attempt = 1;; attempt++) {
    size_t fed = 0;
    rq->status = 0;
    rq->length = -1;
    rq->etag[0] = rq->code[0] = '\0';
    if (rq->resp)
      rq->resp->len = 0;
    rc = s3_attempt(s, rq, url, hdrs, &fed);
    int again = (rc == ERR_IO && !(rq->sink && fed > 0 && !rq->sink_reset)) ||
                (rc == 0 && s3_transient(rq->status));
    if (!again || attempt == S3_TRIES || rq->no_retry)
      break;
    if (rq->sink_reset && fed > 0)
      rq->sink_reset(rq->sink_ctx);
    LOG(LOG_WARN, "blob s3: %s %s: %s, retrying (%d/%d)", rq->method,
        rq->key ? rq->key : "(bucket)", rc ? "transfer failed" : "server busy", attempt,
        S3_TRIES - 1);
    struct timespec ts = { 0, 100000000L * attempt * attempt };
    nanosleep(&ts, NULL);
  }
  curl_slist_free_all(hdrs);
  if (rc != 0)
    return rc;
  return s3_status_rc(s, rq);
}
