#ifndef WHARF_API_LOGS_INT_H
#define WHARF_API_LOGS_INT_H

/* Shared between the logs handlers (logs.c) and log export (logs_export.c);
 * nothing else includes this. Functions taking a req respond themselves
 * (400/404/500) and return -1 when the request cannot go on. */

#include <jansson.h>
#include <stdint.h>

#include "server/req.h"
#include "store/audit_store.h"

/* Whose log: one of ns and repo, and the earliest time that is theirs. */
struct log_scope {
  const char *ns;
  const char *repo;
  int64_t floor;
};

/* What a request reads: the store query and the ip= filter (address or
 * CIDR, applied to entries after the store: NULL none). */
struct log_filter {
  struct audit_query q;
  const char *ip;
};

/* The scope of organization/{orgname}, repository/{repository}, user/. */
int logs_scope_org(struct req *r, struct log_scope *out);
int logs_scope_repo(struct req *r, struct log_scope *out);
int logs_scope_user(struct req *r, struct log_scope *out);
/* The [start, end) asked for (starttime/endtime, Quay's rules). */
int logs_range(struct req *r, int64_t *out_start, int64_t *out_end, int aggregate);
/* Fills f for scope sc over [start, end): performer= when with_performer,
 * and the extension filters kind=, ip=, robot=, repository= when
 * with_filters. */
int logs_filter(struct req *r, struct log_filter *f, const struct log_scope *sc, int64_t start,
                int64_t end, int with_performer, int with_filters);
/* Parses a starttime/endtime value (pure; fuzz_logs): 0 when absent or
 * unparseable, 1 a date (MM/DD/YYYY, YYYY-MM-DD: its midnight UTC), 2 an
 * exact RFC 3339 UTC date-time; *out written only when non-zero. */
int logs_parse_when(int64_t *out, const char *s);
/* Sets q's before_time/before_id from a next_page token; leaves q alone
 * for a bad or absent one (pure; fuzz_logs). */
void logs_cursor_decode(struct audit_query *q, const char *token);
/* Spec §5's JSON of one entry (new reference; NULL on no memory). */
json_t *logs_entry_json(const struct audit_entry *e);

#endif
