/* Audit entries of the robot token lifecycle (api/robot_audit.h). */
#include "api/robot_audit.h"

#include <string.h>

#include <jansson.h>

#include "server/req_audit.h"
#include "util/pool.h"
#include "util/rfc3339.h"
#include "util/timeutil.h"

/* The owner's name (a pool copy) and the short name of robot "ns+short". */
static const char *split_name(struct req *r, const char *full, const char **out_short)
{
  const char *plus = full ? strchr(full, '+') : NULL;
  if (!plus)
    return NULL;
  *out_short = plus + 1;
  return pool_strndup(r->pool, full, (size_t)(plus - full));
}

/* A JSON list of the comma-separated CIDRs in s (NULL: none). */
static json_t *cidr_list(const char *s)
{
  json_t *a = json_array();
  while (a && s && *s) {
    size_t n = strcspn(s, ",");
    json_array_append_new(a, json_stringn(s, n));
    s += n + (s[n] == ',');
  }
  return a;
}

static json_t *time_text(int64_t t)
{
  char buf[RFC3339_BUF];
  return json_string(rfc3339_format(buf, t));
}

void robot_audit_access(struct req *r, const struct ident_account *robot, int was_enabled,
                        const char *was_allowed)
{
  const char *shortname = NULL;
  const char *ns = split_name(r, robot->name, &shortname);
  const char *now_allowed = robot->allowed_cidrs ? robot->allowed_cidrs : "";
  if (!ns)
    return;
  if (!was_allowed)
    was_allowed = "";
  if (!robot->enabled != !was_enabled)
    req_audit(r, robot->enabled ? "enable_robot" : "disable_robot", ns, NULL,
              json_pack("{s:s}", "robot", shortname));
  if (strcmp(now_allowed, was_allowed) != 0)
    req_audit(r, "change_robot_allowed_ips", ns, NULL,
              json_pack("{s:s, s:o, s:o}", "robot", shortname, "allowed_ips",
                        cidr_list(now_allowed), "previous_allowed_ips", cidr_list(was_allowed)));
}

void robot_audit_token(struct req *r, const struct ident_account *robot, const char *kind,
                       int64_t token_id, const char *label, int64_t expires_at)
{
  const char *shortname = NULL;
  const char *ns = split_name(r, robot->name, &shortname);
  if (!ns)
    return;
  json_t *md = json_pack("{s:s, s:I, s:s?}", "robot", shortname, "token_id",
                         (json_int_t)token_id, "label", label);
  if (md && expires_at)
    json_object_set_new(md, "expires_at", time_text(expires_at));
  req_audit(r, kind, ns, NULL, md);
}

void robot_audit_regenerate(struct req *r, const struct ident_account *robot, int64_t prev_until)
{
  const char *shortname = NULL;
  const char *ns = split_name(r, robot->name, &shortname);
  if (!ns)
    return;
  json_t *md = json_pack("{s:s}", "robot", shortname);
  if (md && prev_until > 0) {
    int64_t grace = prev_until - time_now();
    json_object_set_new(md, "grace_period", json_integer(grace > 0 ? grace : 0));
    json_object_set_new(md, "previous_token_expires_at", time_text(prev_until));
  }
  req_audit(r, "regenerate_robot_token", ns, NULL, md);
}
