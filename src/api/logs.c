/* Usage logs (spec §5): GET organization/{orgname}/logs, repository/
 * {repository}/logs and user/logs, and their aggregatelogs forms, over the
 * audit store (store/audit_store.h).
 *
 * Quay's time rules: starttime/endtime are MM/DD/YYYY in UTC (unparseable
 * ones are ignored), defaulting to now - 1 day and now; endtime gets one
 * day added, so the day it names is included. Beyond Quay, YYYY-MM-DD is a
 * date too and an RFC 3339 UTC date-time ("2026-12-04T17:05:28Z") an exact
 * bound, without the added day. Pages are keyset cursors (the last entry's
 * time and id, base64url) in next_page.
 *
 * Beyond Quay, organization logs take filters (docs/audit.md): kind= (one
 * kind or a comma list), repository= (name or ns/name), robot= (short or
 * full name) and ip= (address or CIDR). The first three are store queries
 * over an index each; ip= is checked here on the entries the store returns,
 * scanning at most SCAN_MAX of them per page (a page can come back short,
 * with next_page set, when few entries match).
 *
 * Entries name their namespace by a snapshot, so a name deleted and taken
 * again would show its former holder's entries: each scope reads only
 * entries from the current namespace account's creation on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/logs.h"
#include "api/logs_int.h"
#include "audit/audit.h"
#include "util/base64.h"
#include "util/cidr.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define DAY 86400
#define PAGE 20                 /* entries per page (Quay's LOGS_PER_PAGE) */
#define AGGREGATE_SPAN (31 * DAY)
#define SYNC_MS 2000            /* wait for entries still queued before reading */
#define SCAN_MAX 5000           /* entries looked at for one page of an ip= query */
#define SCAN_BATCH 200
#define FILTER_MAX 1024         /* longest filter value */
#define NOBODY "\x01"           /* a name no account, repository or kind has */

enum { WHEN_NONE = 0, WHEN_DATE = 1, WHEN_EXACT = 2 };

/* Unix time of y-m-d h:mi:s UTC; -1 unless it is a real date and time. */
static int64_t utc(int y, int m, int d, int h, int mi, int s)
{
  struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h,
                   .tm_min = mi, .tm_sec = s };
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || s < 0 || s > 59)
    return -1; /* negative: "%2d" reads "-1" (fuzz_logs) */
  time_t t = timegm(&tm);
  struct tm back;
  if (t < 0 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != m - 1)
    return -1; /* 02/30 and friends */
  return (int64_t)t;
}

int logs_parse_when(int64_t *out, const char *s)
{
  int y, m, d, h, mi, sec, n = 0;
  int64_t t = -1;
  if (!s || strlen(s) > 32)
    return WHEN_NONE;
  if (sscanf(s, "%2d/%2d/%4d%n", &m, &d, &y, &n) == 3 && s[n] == '\0' && n >= 8)
    t = utc(y, m, d, 0, 0, 0);
  else if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && s[n] == '\0')
    t = utc(y, m, d, 0, 0, 0);
  else if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &m, &d, &h, &mi, &sec, &n) == 6 &&
           n == 20 && s[n] == '\0') {
    t = utc(y, m, d, h, mi, sec);
    if (t >= 0) {
      *out = t;
      return WHEN_EXACT;
    }
  }
  if (t < 0)
    return WHEN_NONE;
  *out = t;
  return WHEN_DATE;
}

/* The [start, end) the request asks for; responds 400 and returns -1 for
 * an end before the start, or (aggregate) a span over 31 days. */
int logs_range(struct req *r, int64_t *out_start, int64_t *out_end, int aggregate)
{
  int64_t now = time_now(), start, end;
  if (!logs_parse_when(&start, req_query(r, "starttime")))
    start = now - DAY;
  int k = logs_parse_when(&end, req_query(r, "endtime"));
  if (!k)
    end = now;
  if (k != WHEN_EXACT)
    end += DAY;
  if (end < start)
    return api_message(r, "Invalid time span selected"), -1;
  if (aggregate && end - start > AGGREGATE_SPAN)
    return api_message(r, "Invalid date range for logs"), -1;
  *out_start = start;
  *out_end = end;
  return 0;
}

/* The namespace account's creation time (0 if it is gone); responds 404
 * and returns -1 when `must_exist` and it is missing or of the wrong kind. */
static int ns_floor(struct req *r, int64_t *out, const char *ns, int must_exist, int org_only)
{
  struct ident_account a;
  int rc = ident_account_by_name(r->app->meta, r->pool, &a, ns);
  if (rc == 0 && (a.kind == IDENT_ROBOT || (org_only && a.kind != IDENT_ORG)))
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND && !must_exist) {
    *out = 0;
    return 0;
  }
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "log namespace"), -1;
  *out = a.created_at;
  return 0;
}

int logs_scope_org(struct req *r, struct log_scope *out)
{
  out->ns = req_param(r, "orgname");
  out->repo = NULL;
  return ns_floor(r, &out->floor, out->ns, 1, 1);
}

int logs_scope_repo(struct req *r, struct log_scope *out)
{
  struct ident_repo repo;
  const char *ns, *name;
  int rc = ident_repo_get(r->app->meta, r->pool, &repo, req_param(r, "repository"));
  if (!rc)
    rc = api_split_repo(r->pool, &ns, &name, repo.name);
  if (rc == ERR_NOTFOUND || rc == ERR_INVALID)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "repository lookup"), -1;
  out->ns = NULL;
  out->repo = repo.name;
  return ns_floor(r, &out->floor, ns, 0, 0);
}

int logs_scope_user(struct req *r, struct log_scope *out)
{
  struct ident_account a;
  int rc = ident_account_get(r->app->meta, r->pool, &a, r->principal.id);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "user lookup"), -1;
  out->ns = a.name;
  out->repo = NULL;
  out->floor = a.created_at;
  return 0;
}

/* The query of a scope over [start, end), with ?performer= when allowed. */
static void scope_query(struct audit_query *q, struct req *r, const struct log_scope *sc,
                        int64_t start, int64_t end, int with_performer)
{
  memset(q, 0, sizeof(*q));
  q->namespace_name = sc->ns;
  q->repository = sc->repo;
  q->performer = with_performer ? req_query(r, "performer") : NULL;
  q->start = start > sc->floor ? start : sc->floor;
  q->end = end;
}

/* kind=a,b,...: up to AUDIT_KINDS_MAX names into q (pool copies). */
static int filter_kinds(struct req *r, struct audit_query *q, const char *v)
{
  char *copy = pool_strdup(r->pool, v);
  if (!copy)
    return api_internal(r, ERR_NOMEM, "log filter"), -1;
  for (char *save = NULL, *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
    if (q->nkinds == AUDIT_KINDS_MAX)
      return api_message(r, "Too many kinds in kind= (at most 8)"), -1;
    q->kinds[q->nkinds++] = k;
  }
  if (!q->nkinds)
    q->kinds[q->nkinds++] = NOBODY; /* "kind=," names no kind */
  return 0;
}

/* robot= (short name: a robot of the scope's namespace) narrows the
 * performer; with a different performer= nothing matches. */
static int filter_robot(struct req *r, struct audit_query *q, const char *ns, const char *v)
{
  const char *full = strchr(v, '+') ? v : pool_printf(r->pool, "%s+%s", ns ? ns : "", v);
  if (!full)
    return api_internal(r, ERR_NOMEM, "log filter"), -1;
  if (q->performer && *q->performer && strcmp(q->performer, full) != 0)
    full = NOBODY;
  q->performer = full;
  return 0;
}

/* repository= (name, or ns/name within the scope's namespace). */
static int filter_repo(struct req *r, struct audit_query *q, const char *ns, const char *v)
{
  const char *full = v;
  size_t nl = ns ? strlen(ns) : 0;
  if (!strchr(v, '/'))
    full = pool_printf(r->pool, "%s/%s", ns ? ns : "", v);
  else if (ns && (strncmp(v, ns, nl) != 0 || v[nl] != '/'))
    full = NOBODY;
  if (!full)
    return api_internal(r, ERR_NOMEM, "log filter"), -1;
  q->filter_repository = full;
  return 0;
}

int logs_filter(struct req *r, struct log_filter *f, const struct log_scope *sc, int64_t start,
                int64_t end, int with_performer, int with_filters)
{
  memset(f, 0, sizeof(*f));
  scope_query(&f->q, r, sc, start, end, with_performer);
  if (!with_filters)
    return 0;
  const char *kind = req_query(r, "kind"), *ip = req_query(r, "ip");
  const char *robot = req_query(r, "robot"), *repo = req_query(r, "repository");
  const char *vals[] = { kind, ip, robot, repo };
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
    if (vals[i] && strlen(vals[i]) > FILTER_MAX)
      return api_message(r, "Filter value too long"), -1;
  if (kind && *kind && filter_kinds(r, &f->q, kind))
    return -1;
  if (robot && *robot && filter_robot(r, &f->q, sc->ns, robot))
    return -1;
  if (repo && *repo && filter_repo(r, &f->q, sc->ns, repo))
    return -1;
  if (ip && *ip) {
    if (cidr_valid(ip, strlen(ip)) != 0)
      return api_message(r, "Invalid ip filter: expected an IP address or CIDR"), -1;
    f->ip = ip;
  }
  return 0;
}

/* next_page: "<time>.<id>" of the last entry shown, base64url. */
static const char *cursor_encode(struct req *r, const struct audit_entry *last)
{
  char text[48], *enc = NULL;
  snprintf(text, sizeof(text), "%lld.%lld", (long long)last->created_at, (long long)last->id);
  if (base64_encode(&enc, text, strlen(text), BASE64_URL) != 0)
    return NULL;
  const char *s = pool_strdup(r->pool, enc);
  free(enc);
  return s;
}

/* A bad or absent token means the first page (Quay). */
void logs_cursor_decode(struct audit_query *q, const char *token)
{
  unsigned char *dec = NULL;
  size_t n = 0;
  long long t, id;
  int used = 0;
  if (!token || strlen(token) > 64 || base64_decode(&dec, &n, token, strlen(token), BASE64_URL))
    return;
  if (sscanf((const char *)dec, "%lld.%lld%n", &t, &id, &used) == 2 && (size_t)used == n &&
      t >= 0 && id > 0) {
    q->before_time = t;
    q->before_id = id;
  }
  free(dec);
}

/* Spec §5's entry: kind, metadata, ip, datetime, performer (absent when
 * none; robots are kind "user" with is_robot). The performer is the
 * snapshot taken when it acted, so a deleted robot is still named. */
json_t *logs_entry_json(const struct audit_entry *e)
{
  json_t *md = json_loads(e->metadata_json, 0, NULL);
  if (!json_is_object(md)) {
    json_decref(md);
    md = json_object();
  }
  json_t *j = json_pack("{s:s, s:o, s:s?, s:o}", "kind", e->kind, "metadata", md, "ip", e->ip,
                        "datetime", api_date(e->created_at));
  if (j && e->performer_name) {
    int robot = e->performer_kind == AUDIT_ACTOR_ROBOT;
    json_object_set_new(j, "performer",
                        json_pack("{s:s, s:s, s:b, s:o}", "kind", "user", "name",
                                  e->performer_name, "is_robot", robot, "avatar",
                                  api_avatar(e->performer_name, robot ? "robot" : "user")));
  }
  return j;
}

/* Up to PAGE entries matching f into page[], newest first; *out_last is
 * the last entry looked at when more may follow (the cursor of next_page),
 * NULL at the end. Without an ip= filter one store page; with one, store
 * pages until PAGE match or SCAN_MAX were looked at. */
static int logs_page(const struct audit_entry **page, size_t *out_n,
                     const struct audit_entry **out_last, struct req *r, struct log_filter *f)
{
  size_t n = 0, scanned = 0;
  const struct audit_entry *last = NULL;
  for (;;) {
    struct audit_entry *e = NULL;
    size_t got = 0;
    int more = 0;
    size_t want = f->ip ? SCAN_BATCH : PAGE;
    int rc = audit_store_list(r->app->meta, r->pool, &e, &got, &more, &f->q, want);
    if (rc)
      return rc;
    size_t i = 0;
    for (; i < got && n < PAGE; i++) {
      last = &e[i];
      if (!f->ip || cidr_list_match(f->ip, e[i].ip))
        page[n++] = &e[i];
    }
    scanned += i;
    if (i < got || (more && (n == PAGE || scanned >= SCAN_MAX)))
      break; /* more follow */
    if (!more) {
      last = NULL;
      break;
    }
    f->q.before_time = last->created_at;
    f->q.before_id = last->id;
  }
  *out_n = n;
  *out_last = last;
  return 0;
}

static int logs_list(struct req *r, const struct log_scope *sc, int with_performer,
                     int with_filters)
{
  struct log_filter f;
  const struct audit_entry *page[PAGE], *last = NULL;
  size_t n = 0;
  int64_t start, end;
  if (logs_range(r, &start, &end, 0))
    return 0;
  if (logs_filter(r, &f, sc, start, end, with_performer, with_filters))
    return 0;
  logs_cursor_decode(&f.q, req_query(r, "next_page"));
  audit_sync(r->app, SYNC_MS); /* what this caller did is in the log */
  int rc = f.q.start < f.q.end ? logs_page(page, &n, &last, r, &f) : 0;
  if (rc)
    return api_internal(r, rc, "log list");
  json_t *logs = json_array();
  for (size_t i = 0; logs && i < n; i++)
    if (json_array_append_new(logs, logs_entry_json(page[i]))) {
      json_decref(logs);
      logs = NULL;
    }
  json_t *j = logs ? json_pack("{s:o, s:o, s:o}", "start_time", api_date(start), "end_time",
                               api_date(end), "logs", logs)
                   : NULL;
  const char *next = j && last ? cursor_encode(r, last) : NULL;
  if (next)
    json_object_set_new(j, "next_page", json_string(next));
  if (!j || (last && !next)) {
    json_decref(j);
    return api_internal(r, ERR_NOMEM, "log list");
  }
  return req_respond_json(r, 200, j);
}

static int logs_aggregate(struct req *r, const struct log_scope *sc, int with_performer)
{
  struct audit_query q;
  struct audit_count *counts = NULL;
  size_t n = 0;
  int64_t start, end;
  if (logs_range(r, &start, &end, 1))
    return 0;
  scope_query(&q, r, sc, start, end, with_performer);
  audit_sync(r->app, SYNC_MS);
  int rc = q.start < q.end ? audit_store_aggregate(r->app->meta, r->pool, &counts, &n, &q) : 0;
  if (rc)
    return api_internal(r, rc, "log aggregate");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++)
    if (json_array_append_new(list, json_pack("{s:s, s:I, s:o}", "kind", counts[i].kind, "count",
                                              (json_int_t)counts[i].count, "datetime",
                                              api_date(counts[i].day)))) {
      json_decref(list);
      list = NULL;
    }
  if (!list)
    return api_internal(r, ERR_NOMEM, "log aggregate");
  return req_respond_json(r, 200, json_pack("{s:o}", "aggregated", list));
}

int api_logs_org(struct req *r)
{
  struct log_scope sc;
  return logs_scope_org(r, &sc) ? 0 : logs_list(r, &sc, 1, 1);
}

int api_logs_repo(struct req *r)
{
  struct log_scope sc;
  return logs_scope_repo(r, &sc) ? 0 : logs_list(r, &sc, 0, 0);
}

int api_logs_user(struct req *r)
{
  struct log_scope sc;
  return logs_scope_user(r, &sc) ? 0 : logs_list(r, &sc, 1, 0);
}

int api_logs_org_aggregate(struct req *r)
{
  struct log_scope sc;
  return logs_scope_org(r, &sc) ? 0 : logs_aggregate(r, &sc, 1);
}

int api_logs_repo_aggregate(struct req *r)
{
  struct log_scope sc;
  return logs_scope_repo(r, &sc) ? 0 : logs_aggregate(r, &sc, 0);
}

int api_logs_user_aggregate(struct req *r)
{
  struct log_scope sc;
  return logs_scope_user(r, &sc) ? 0 : logs_aggregate(r, &sc, 1);
}
