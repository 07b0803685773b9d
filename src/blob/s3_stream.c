/* Blob GETs from S3 as one request per response.
 *
 * blob_read() costs one ranged GET per call, so a response fed through it
 * makes one S3 request per MiB. A reader here issues one GET for the whole
 * range and hands the body out as the HTTP server asks for it: the easy
 * handle runs in a libcurl multi handle driven from inside
 * blob_reader_read(), and its write callback copies straight into the
 * caller's buffer. What does not fit goes to a small stage; when that is
 * full too the transfer is paused (CURL_WRITEFUNC_PAUSE) until the next
 * read, so memory stays bounded by the stage and libcurl's own buffer
 * whatever the blob size, and TCP flow control slows S3 down to the client.
 *
 * A transfer that breaks midway resumes with a ranged GET from the first
 * byte not yet received (up to S3_TRIES attempts in all); the client never
 * gets a byte twice or out of order. A reader is used by one thread at a
 * time (the connection's); its multi handle (with its connections) goes
 * back to a small pool on close so the next blob GET reuses the
 * connection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob/s3_int.h"
#include "util/err.h"
#include "util/log.h"

#define S3_STAGE_MAX ((size_t)256 << 10) /* bytes held back between reads */
#define S3_POLL_MS 1000

struct s3_reader {
  struct blob_reader base;
  struct s3_store *s;
  CURLM *m;
  CURL *h;                 /* NULL while no request runs */
  struct curl_slist *hdrs;
  char key[S3_KEY_MAX];
  int64_t pos;             /* next byte the caller gets */
  int64_t recv;            /* next byte the running request delivers */
  int64_t end;             /* end of the range (exclusive) */
  int64_t skip;            /* bytes to drop (a server that ignored Range) */
  char *dst;               /* the caller's buffer during a read */
  size_t dmax, dlen;
  char *stage;             /* received, not yet handed out: [soff, slen) */
  size_t soff, slen, scap;
  int paused, done, tries;
  CURLcode result;
  long status;
  struct buf err;          /* body of a non-2xx answer */
};

/* --- multi handle pool ----------------------------------------------------- */

static CURLM *multi_get(struct s3_store *s)
{
  CURLM *m = NULL;
  pthread_mutex_lock(&s->pool_mu);
  if (s->nmpool)
    m = s->mpool[--s->nmpool];
  pthread_mutex_unlock(&s->pool_mu);
  return m ? m : curl_multi_init();
}

static void multi_put(struct s3_store *s, CURLM *m)
{
  if (!m)
    return;
  pthread_mutex_lock(&s->pool_mu);
  if (s->nmpool < S3_POOL_MAX) {
    s->mpool[s->nmpool++] = m;
    m = NULL;
  }
  pthread_mutex_unlock(&s->pool_mu);
  if (m)
    curl_multi_cleanup(m);
}

void s3_stream_cleanup(struct s3_store *s)
{
  for (size_t i = 0; i < s->nmpool; i++)
    curl_multi_cleanup(s->mpool[i]);
  s->nmpool = 0;
}

/* --- the transfer ----------------------------------------------------------- */

/* Makes room for n more staged bytes: compacts, and grows an empty stage
 * to take one whole libcurl chunk. 0, or -1 when the caller must pause. */
static int stage_room(struct s3_reader *rd, size_t n)
{
  if (rd->soff == rd->slen)
    rd->soff = rd->slen = 0;
  if (rd->soff > 0 && rd->scap - rd->slen < n) {
    memmove(rd->stage, rd->stage + rd->soff, rd->slen - rd->soff);
    rd->slen -= rd->soff;
    rd->soff = 0;
  }
  if (rd->scap - rd->slen >= n)
    return 0;
  if (rd->slen > 0 && rd->slen + n > S3_STAGE_MAX)
    return -1;
  char *p = realloc(rd->stage, rd->slen + n);
  if (!p)
    return -1;
  rd->stage = p;
  rd->scap = rd->slen + n;
  return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
  struct s3_reader *rd = ud;
  size_t len = size * n;
  if (!rd->status) {
    curl_easy_getinfo(rd->h, CURLINFO_RESPONSE_CODE, &rd->status);
    if (rd->status == 200) /* the whole object, not the range asked for */
      rd->skip = rd->recv;
  }
  if (rd->status < 200 || rd->status > 299) {
    size_t room = S3_ERRBODY_MAX - rd->err.len;
    buf_append(&rd->err, p, len < room ? len : room);
    return len;
  }
  size_t drop = rd->skip < (int64_t)len ? (size_t)rd->skip : len;
  size_t use = len - drop;
  if ((int64_t)use > rd->end - rd->recv) /* a server that sends more is cut off */
    use = (size_t)(rd->end - rd->recv);
  size_t direct = 0;
  if (rd->dst && rd->soff == rd->slen)
    direct = use < rd->dmax - rd->dlen ? use : rd->dmax - rd->dlen;
  if (use > direct && stage_room(rd, use - direct) != 0) {
    rd->paused = 1; /* libcurl keeps this chunk and hands it over again */
    return CURL_WRITEFUNC_PAUSE;
  }
  const char *d = p + drop;
  if (direct)
    memcpy(rd->dst + rd->dlen, d, direct);
  rd->dlen += direct;
  if (use > direct)
    memcpy(rd->stage + rd->slen, d + direct, use - direct);
  rd->slen += use - direct;
  rd->skip -= (int64_t)drop;
  rd->recv += (int64_t)use;
  return len;
}

static void stream_stop(struct s3_reader *rd)
{
  if (rd->h) {
    curl_multi_remove_handle(rd->m, rd->h);
    s3_handle_put(rd->s, rd->h);
    rd->h = NULL;
  }
  curl_slist_free_all(rd->hdrs);
  rd->hdrs = NULL;
}

/* Starts a GET of [recv, end). */
static int stream_start(struct s3_reader *rd)
{
  char range[80], url[S3_KEY_MAX * 2 + 1024];
  snprintf(range, sizeof(range), "Range: bytes=%" PRId64 "-%" PRId64, rd->recv, rd->end - 1);
  struct s3_req rq = { .method = "GET", .key = rd->key, .hdr = { range } };
  rd->tries++;
  rd->status = 0;
  rd->done = rd->paused = 0;
  rd->result = CURLE_OK;
  rd->err.len = 0;
  int rc = s3_url(url, sizeof(url), rd->s, &rq);
  if (rc == 0)
    rc = s3_headers(&rd->hdrs, rd->s, &rq);
  if (rc == 0 && !(rd->h = s3_handle_get(rd->s)))
    rc = ERR_NOMEM;
  if (rc == 0 && (s3_easy_common(rd->h, rd->s, url, rd->hdrs) != 0 ||
                  curl_easy_setopt(rd->h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
                  curl_easy_setopt(rd->h, CURLOPT_WRITEDATA, rd) != CURLE_OK))
    rc = ERR_INTERNAL;
  if (rc == 0 && curl_multi_add_handle(rd->m, rd->h) != CURLM_OK)
    rc = ERR_INTERNAL;
  if (rc != 0) {
    if (rd->h)
      s3_handle_put(rd->s, rd->h);
    rd->h = NULL;
    stream_stop(rd);
  }
  return rc;
}

/* Lets the transfer run; with wait, sleeps until the socket has news. */
static int stream_step(struct s3_reader *rd, int wait)
{
  int running = 0, left = 0;
  if (curl_multi_perform(rd->m, &running) != CURLM_OK)
    return ERR_INTERNAL;
  CURLMsg *msg;
  while ((msg = curl_multi_info_read(rd->m, &left)) != NULL) {
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == rd->h) {
      rd->done = 1;
      rd->result = msg->data.result;
      curl_easy_getinfo(rd->h, CURLINFO_RESPONSE_CODE, &rd->status);
    }
  }
  if (wait && !rd->done && !rd->paused && rd->dlen == 0 && rd->soff == rd->slen &&
      curl_multi_poll(rd->m, NULL, 0, S3_POLL_MS, NULL) != CURLM_OK)
    return ERR_INTERNAL;
  return 0;
}

/* After a request ended: 0 when the range is complete, 1 when a new request
 * was started for the rest, else the error (logged). */
static int stream_finished(struct s3_reader *rd)
{
  struct s3_req rq = { .method = "GET", .key = rd->key, .status = rd->status };
  int transient = 0, rc;
  if (rd->result != CURLE_OK) {
    LOG(LOG_ERROR, "blob s3: GET %s: %s", rd->key, curl_easy_strerror(rd->result));
    rc = ERR_IO;
    transient = 1;
  } else if (rd->status >= 200 && rd->status <= 299) {
    if (rd->recv == rd->end) {
      stream_stop(rd);
      return 0;
    }
    LOG(LOG_ERROR, "blob s3: GET %s: the answer ended at byte %" PRId64 " of %" PRId64,
        rd->key, rd->recv, rd->end);
    rc = ERR_IO;
    transient = 1;
  } else {
    if (rd->err.len)
      s3_xml_text(rq.code, sizeof(rq.code), rd->err.data, rd->err.data + rd->err.len, "Code");
    transient = rd->status == 500 || rd->status == 502 || rd->status == 503 ||
                rd->status == 504 || rd->status == 429;
    rq.quiet_404 = rd->pos == 0 && rd->recv == rd->pos;
    rc = s3_status_rc(rd->s, &rq);
  }
  stream_stop(rd);
  if (!transient || rd->tries >= S3_TRIES)
    return rc;
  LOG(LOG_WARN, "blob s3: GET %s: resuming at byte %" PRId64 " (%d/%d)", rd->key, rd->recv,
      rd->tries, S3_TRIES - 1);
  struct timespec ts = { 0, 100000000L * rd->tries * rd->tries };
  nanosleep(&ts, NULL);
  rc = stream_start(rd);
  return rc == 0 ? 1 : rc;
}

/* Runs the transfer until the caller's buffer holds at least one byte (or
 * the range is done); then takes whatever else is already there. */
static int stream_fill(struct s3_reader *rd)
{
  while (rd->pos + (int64_t)rd->dlen < rd->end) {
    size_t before = rd->dlen + (rd->slen - rd->soff);
    if (rd->paused) {
      rd->paused = 0;
      if (curl_easy_pause(rd->h, CURLPAUSE_CONT) != CURLE_OK)
        return ERR_INTERNAL;
    }
    if (rd->done) {
      int rc = stream_finished(rd);
      if (rc < 0)
        return rc;
      if (rc == 0)
        break;
      continue;
    }
    int rc = stream_step(rd, rd->dlen == 0);
    if (rc != 0)
      return rc;
    if (rd->dlen > 0 && rd->dlen + (rd->slen - rd->soff) == before && !rd->done)
      break; /* nothing more right now: send what we have */
    if (rd->dlen == rd->dmax)
      break;
  }
  return 0;
}

/* --- blob_ops entries ----------------------------------------------------------- */

void s3_reader_close(struct blob_reader *r)
{
  struct s3_reader *rd = (struct s3_reader *)r;
  if (!rd)
    return;
  stream_stop(rd);
  multi_put(rd->s, rd->m);
  free(rd->stage);
  buf_free(&rd->err);
  free(rd);
}

int s3_reader_read(struct blob_reader *r, size_t *out_n, void *buf, size_t max)
{
  struct s3_reader *rd = (struct s3_reader *)r;
  if (max == 0 || rd->pos >= rd->end) {
    *out_n = 0;
    return 0;
  }
  size_t staged = rd->slen - rd->soff;
  size_t c = staged < max ? staged : max;
  if (c)
    memcpy(buf, rd->stage + rd->soff, c);
  rd->soff += c;
  rd->dst = buf;
  rd->dmax = max;
  rd->dlen = c;
  int rc = c < max ? stream_fill(rd) : 0;
  size_t got = rd->dlen;
  rd->dst = NULL;
  rd->dmax = rd->dlen = 0;
  rd->pos += (int64_t)got;
  if (rc != 0)
    return rc;
  *out_n = got;
  return 0;
}

int s3_reader_open(struct blob_reader **out, struct blob_store *bs, const char *digest,
                   int64_t offset, int64_t len)
{
  struct s3_store *s = (struct s3_store *)bs;
  if (offset < 0 || len < 0 || offset > INT64_MAX - len)
    return ERR_INVALID;
  struct s3_reader *rd = calloc(1, sizeof(*rd));
  if (!rd)
    return ERR_NOMEM;
  rd->base.ops = &blob_s3_ops;
  rd->s = s;
  rd->pos = rd->recv = offset;
  rd->end = offset + len;
  rd->err = (struct buf)BUF_INIT(S3_ERRBODY_MAX);
  int rc = s3_blob_key(rd->key, NULL, s, digest);
  if (rc == 0 && !(rd->m = multi_get(s)))
    rc = ERR_NOMEM;
  if (rc == 0 && len == 0) { /* nothing to send; the blob still has to be there */
    int64_t size;
    rc = s3_head(s, &size, rd->key);
  } else if (rc == 0) {
    rc = stream_start(rd);
    /* wait for the answer's status (and first bytes), so a missing object
     * is reported before the response starts */
    while (rc == 0 && rd->slen == 0 && !rd->paused) {
      if (!rd->done) {
        rc = stream_step(rd, 1);
        continue;
      }
      rc = stream_finished(rd); /* 1: started again for the rest */
      if (rc != 1)
        break;
      rc = 0;
    }
  }
  if (rc != 0) {
    s3_reader_close(&rd->base);
    return rc;
  }
  *out = &rd->base;
  return 0;
}
