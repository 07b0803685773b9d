/* Keyless federation configuration of robots (spec §2.4):
 * GET/POST/DELETE …/robots/{short}/federation. POST replaces the list of
 * {"issuer","subject"} pairs, DELETE empties it. wharf also keeps an
 * optional "audience" per entry (Quay drops it): when set, the exchanged
 * token's aud must hold it. The exchange itself is robot_fedexchange.c.
 * Changes are audited as Quay does: create_robot_federation (with the new
 * list) and delete_robot_federation, in the robot owner's log. */
#include <stdlib.h>
#include <string.h>

#include "api/robot_int.h"
#include "server/req_audit.h"
#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"

#define FED_MAX 32          /* entries per robot */
#define FED_FIELD_MAX 1024  /* bytes per issuer / subject */

/* The route's robot and, when out_ns is not NULL, its namespace's name. */
static int fed_robot(struct req *r, struct ident_account *robot, const char **out_ns)
{
  struct ident_account ns;
  int is_admin;
  if (robot_ns(r, &ns, &is_admin) || robot_find(r, robot, &ns))
    return -1;
  if (out_ns)
    *out_ns = ns.name;
  return 0;
}

static int fed_respond(struct req *r, unsigned status, const char *text)
{
  json_t *list = json_loads(text, 0, NULL);
  if (!json_is_array(list)) {
    json_decref(list);
    list = json_array();
  }
  return req_respond_json(r, status, list);
}

int api_robot_federation_get(struct req *r)
{
  struct ident_account robot;
  char *text = NULL;
  if (fed_robot(r, &robot, NULL))
    return 0;
  int rc = ident_robot_federation_get(r->app->meta, r->pool, &text, robot.id);
  if (rc)
    return api_internal(r, rc, "robot federation");
  return fed_respond(r, 200, text);
}

static int fed_invalid(struct req *r, const char *msg)
{
  return req_error(r, 400, "invalid_request", msg, NULL);
}

/* Validates the body into a clean [{"issuer","subject"}] array. */
static json_t *fed_parse(struct req *r, json_t *body)
{
  json_t *out = json_array(), *e;
  size_t i;
  if (!json_is_array(body) || json_array_size(body) > FED_MAX) {
    fed_invalid(r, "Missing one or more required fields (issuer, subject)");
    goto fail;
  }
  json_array_foreach(body, i, e) {
    const char *iss = json_string_value(json_object_get(e, "issuer"));
    const char *sub = json_string_value(json_object_get(e, "subject"));
    json_t *audj = json_object_get(e, "audience");
    const char *aud = json_string_value(audj);
    if (!iss || !sub || !*iss || !*sub || strlen(iss) > FED_FIELD_MAX ||
        strlen(sub) > FED_FIELD_MAX) {
      fed_invalid(r, "Missing one or more required fields (issuer, subject)");
      goto fail;
    }
    if ((audj && !json_is_null(audj) && !aud) || (aud && strlen(aud) > FED_FIELD_MAX)) {
      fed_invalid(r, "audience must be a string");
      goto fail;
    }
    if (strncmp(iss, "http://", 7) != 0 && strncmp(iss, "https://", 8) != 0) {
      fed_invalid(r, "Issuer must be a URL (http:// or https://)");
      goto fail;
    }
    json_t *seen;
    size_t k;
    json_array_foreach(out, k, seen) {
      if (strcmp(json_string_value(json_object_get(seen, "issuer")), iss) == 0 &&
          strcmp(json_string_value(json_object_get(seen, "subject")), sub) == 0) {
        fed_invalid(r, "Duplicate federation config entry");
        goto fail;
      }
    }
    json_t *entry = json_pack("{s:s, s:s}", "issuer", iss, "subject", sub);
    if (entry && aud && *aud)
      json_object_set_new(entry, "audience", json_string(aud));
    json_array_append_new(out, entry);
  }
  return out;
fail:
  json_decref(out);
  return NULL;
}

int api_robot_federation_set(struct req *r)
{
  struct ident_account robot;
  json_t *body = NULL;
  const char *ns = NULL;
  if (fed_robot(r, &robot, &ns))
    return 0;
  if (r->body.len == 0)
    return fed_invalid(r, "Missing one or more required fields (issuer, subject)");
  body = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, NULL);
  if (!body)
    return fed_invalid(r, "Invalid JSON body");
  json_t *clean = fed_parse(r, body);
  json_decref(body);
  if (!clean)
    return 0;
  char *text = json_dumps(clean, JSON_COMPACT);
  json_decref(clean);
  if (!text)
    return api_internal(r, ERR_NOMEM, "robot federation");
  int rc = ident_robot_federation_set(r->app->meta, robot.id, text);
  if (rc) {
    free(text);
    return api_internal(r, rc, "robot federation");
  }
  req_audit(r, "create_robot_federation", ns, NULL,
            json_pack("{s:s, s:o}", "robot", req_param(r, "robot_shortname"), "config",
                      json_loads(text, 0, NULL)));
  rc = fed_respond(r, 200, text);
  free(text);
  return rc;
}

int api_robot_federation_delete(struct req *r)
{
  struct ident_account robot;
  const char *ns = NULL;
  if (fed_robot(r, &robot, &ns))
    return 0;
  int rc = ident_robot_federation_set(r->app->meta, robot.id, "[]");
  if (rc)
    return api_internal(r, rc, "robot federation");
  req_audit(r, "delete_robot_federation", ns, NULL,
            json_pack("{s:s}", "robot", req_param(r, "robot_shortname")));
  return req_respond(r, 204, NULL, NULL, 0);
}
