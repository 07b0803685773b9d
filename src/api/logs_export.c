/* Log export (spec §5): POST organization/{orgname}/exportlogs,
 * repository/{repository}/exportlogs and user/exportlogs, and the wharf
 * download route GET exportedlogs/{exportid}.
 *
 * Quay queues the export for a worker and mails or calls back a storage
 * URL. Here the export is made during the POST: the entries the logs API
 * would list for the same query (starttime/endtime, performer=, and on
 * organizations the filters kind=, ip=, robot=, repository=), oldest
 * first, one JSON object per line (spec §5's entry). The file is stored in
 * the metadata store for EXPORT_TTL, so every instance can serve it, and
 * only the account that asked may download it. `callback_url` is POSTed
 * {"export_id","status","exported_data_url"} when its host is listed in
 * audit_export_callback_hosts (else 400 "Invalid callback URL", Quay's
 * message); `callback_email` is ignored (no mail here) and the response
 * says so. An export stops at EXPORT_MAX_BYTES with a last line
 * {"truncated": true}. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/logs.h"
#include "api/logs_int.h"
#include "audit/audit.h"
#include "config/config.h"
#include "server/app.h"
#include "server/req_audit.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/rand.h"
#include "util/timeutil.h"

#define EXPORT_TTL 86400                  /* seconds an export can be downloaded */
#define EXPORT_MAX_BYTES ((size_t)64 << 20)
#define EXPORT_BATCH 500
#define CALLBACK_URL_MAX 2048
#define CALLBACK_TIMEOUT_S 5L
#define SYNC_MS 2000

/* 1 when url is http(s) to a host of the comma-separated list `hosts`. */
static int callback_allowed(const char *url, const char *hosts)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL;
  int ok = 0;
  if (u && hosts && *hosts && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https"))) {
    size_t hl = strlen(host);
    for (const char *p = hosts; *p && !ok;) {
      size_t n = strcspn(p, ",");
      while (n && p[0] == ' ')
        p++, n--;
      ok = n == hl && strncasecmp(p, host, hl) == 0;
      p += n;
      if (*p == ',')
        p++;
    }
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return ok;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
  (void)data, (void)ctx;
  return size * n;
}

/* POSTs the export's JSON to url; the outcome is logged, not returned (the
 * export can be downloaded either way). No redirects, a short timeout. */
static void callback_post(struct req *r, const char *url, const char *export_id,
                          const char *data_url)
{
  json_t *j = json_pack("{s:s, s:s, s:s}", "export_id", export_id, "status", "success",
                        "exported_data_url", data_url);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  CURL *h = text ? curl_easy_init() : NULL;
  struct curl_slist *hdr = NULL;
  long status = 0;
  CURLcode rc = CURLE_OUT_OF_MEMORY;
  if (h) {
    hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, CALLBACK_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  }
  if (rc != CURLE_OK || status < 200 || status > 299)
    LOG(LOG_WARN, "[%s] log export %s: callback failed (%s, HTTP %ld)", r->id, export_id,
        curl_easy_strerror(rc), status);
  curl_slist_free_all(hdr);
  curl_easy_cleanup(h);
  free(text);
  json_decref(j);
}

/* Appends one entry as a JSON line; ERR_TOOBIG past the cap. */
static int export_line(struct buf *b, const struct audit_entry *e)
{
  json_t *j = logs_entry_json(e);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!text)
    return ERR_NOMEM;
  size_t n = strlen(text);
  int rc = b->len + n + 1 > EXPORT_MAX_BYTES ? ERR_TOOBIG : buf_append(b, text, n);
  if (!rc)
    rc = buf_append(b, "\n", 1);
  free(text);
  return rc;
}

/* Every entry f matches into b, newest first (the store's order, pages of
 * EXPORT_BATCH); *out_n counts them. Stops with a {"truncated":true} line
 * at the cap. */
static int export_collect(struct buf *b, size_t *out_n, struct req *r, struct log_filter *f)
{
  size_t count = 0;
  int more = 1, rc = 0;
  while (more && !rc) {
    struct audit_entry *e = NULL;
    size_t n = 0;
    struct pool *p = pool_new();
    if (!p)
      return ERR_NOMEM;
    rc = audit_store_list(r->app->meta, p, &e, &n, &more, &f->q, EXPORT_BATCH);
    for (size_t i = 0; !rc && i < n; i++)
      if (!f->ip || cidr_list_match(f->ip, e[i].ip)) {
        rc = export_line(b, &e[i]);
        count += rc == 0;
      }
    if (n) {
      f->q.before_time = e[n - 1].created_at;
      f->q.before_id = e[n - 1].id;
    }
    pool_free(p);
  }
  if (rc == ERR_TOOBIG) {
    static const char tail[] = "{\"truncated\":true}\n";
    rc = buf_append(b, tail, sizeof(tail) - 1);
  }
  if (!rc)
    *out_n = count;
  return rc;
}

/* Reads and checks the body; responds 400 and returns -1 on a bad one. */
static int export_body(struct req *r, json_t **out, const char **out_url, const char **out_email)
{
  json_t *body = NULL;
  if (api_json_body(r, &body, 1))
    return -1;
  const char *url = NULL, *email = NULL;
  if (body && (api_json_string(r, &url, body, "callback_url", CALLBACK_URL_MAX, 0) ||
               api_json_string(r, &email, body, "callback_email", 320, 0))) {
    json_decref(body);
    return -1;
  }
  if (url && *url && !callback_allowed(url, r->app->cfg->audit_export_callback_hosts)) {
    json_decref(body);
    return api_message(r, "Invalid callback URL"), -1;
  }
  *out = body;
  *out_url = url && *url ? url : NULL;
  *out_email = email && *email ? email : NULL;
  return 0;
}

static int export_respond(struct req *r, const char *id, size_t entries, const char *email)
{
  const char *path = pool_printf(r->pool, "/api/v1/exportedlogs/%s", id);
  json_t *j = path ? json_pack("{s:s, s:s, s:o, s:I}", "export_id", id, "url", path, "expires",
                               api_date(time_now() + EXPORT_TTL), "entries",
                               (json_int_t)entries)
                   : NULL;
  if (j && email)
    json_object_set_new(j, "message",
                        json_string("callback_email is not supported: wharf sends no mail; "
                                    "download the export from url"));
  if (!j)
    return api_internal(r, ERR_NOMEM, "log export");
  return req_respond_json(r, 200, j);
}

static int logs_export(struct req *r, const struct log_scope *sc, int with_performer,
                       int with_filters)
{
  struct log_filter f;
  struct buf b = BUF_INIT(EXPORT_MAX_BYTES + 64); /* room for the truncated line */
  json_t *body = NULL;
  const char *url, *email;
  char id[37];
  size_t n = 0;
  int64_t start, end, now = time_now();
  if (logs_range(r, &start, &end, 0) ||
      logs_filter(r, &f, sc, start, end, with_performer, with_filters) ||
      export_body(r, &body, &url, &email))
    return 0;
  /* the range closes now: the file says what the log held when asked */
  if (f.q.end > now + 1)
    f.q.end = now + 1;
  audit_sync(r->app, SYNC_MS);
  int rc = f.q.start < f.q.end ? export_collect(&b, &n, r, &f) : 0;
  if (!rc)
    rc = rand_uuid(id);
  struct audit_export e = { .id = id, .account_id = r->principal.id, .created_at = now,
                            .expires_at = now + EXPORT_TTL, .body = b.data ? b.data : "",
                            .len = b.len };
  if (!rc)
    rc = audit_store_export_put(r->app->meta, &e);
  buf_free(&b);
  if (rc) {
    json_decref(body);
    return api_internal(r, rc, "log export");
  }
  json_t *md = json_pack("{s:s, s:I}", "export_id", id, "entries", (json_int_t)n);
  if (sc->repo)
    req_audit_repo(r, "export_logs_success", sc->repo, md);
  else
    req_audit(r, "export_logs_success", sc->ns, NULL, md);
  if (url)
    callback_post(r, url, id,
                  pool_printf(r->pool, "%s://%s/api/v1/exportedlogs/%s", req_scheme(r), req_host(r),
                              id));
  rc = export_respond(r, id, n, email);
  json_decref(body);
  return rc;
}

int api_logs_org_export(struct req *r)
{
  struct log_scope sc;
  return logs_scope_org(r, &sc) ? 0 : logs_export(r, &sc, 1, 1);
}

int api_logs_repo_export(struct req *r)
{
  struct log_scope sc;
  return logs_scope_repo(r, &sc) ? 0 : logs_export(r, &sc, 0, 0);
}

int api_logs_user_export(struct req *r)
{
  struct log_scope sc;
  return logs_scope_user(r, &sc) ? 0 : logs_export(r, &sc, 1, 0);
}

int api_logs_export_get(struct req *r)
{
  struct audit_export e;
  const char *id = req_param(r, "exportid");
  int rc = id && strlen(id) <= 64
               ? audit_store_export_get(r->app->meta, r->pool, &e, id, r->principal.id,
                                        time_now())
               : ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "log export");
  req_set_headerf(r, "Content-Disposition", "attachment; filename=\"wharf-logs-%s.jsonl\"", id);
  return req_respond(r, 200, "application/x-ndjson", e.body, e.len);
}
