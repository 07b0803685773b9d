/* Web-UI sessions: random ids in the cookie, keyed hashes in the store,
 * CSRF tokens derived from the id. Both hashes go through keys_index() with
 * a label in front of the id, so a session id, its store key and its CSRF
 * token are three unrelated strings, and neither the store nor a CSRF token
 * reveals the id. */
#include "auth/websession.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/keys.h"
#include "server/app.h"
#include "store/ident.h"
#include "util/base64.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/rand.h"
#include "util/timeutil.h"

/* keys_index() of label || sid, hex. */
static int labelled_index(char out[65], const struct keys *k, const char *label, const char *sid)
{
  char buf[32 + WEBSESSION_ID_LEN + 1];
  size_t ll = strlen(label), sl = strlen(sid);
  if (ll + sl >= sizeof(buf))
    return ERR_INVALID;
  memcpy(buf, label, ll);
  memcpy(buf + ll, sid, sl);
  int rc = keys_index(k, out, buf, ll + sl);
  OPENSSL_cleanse(buf, sizeof(buf));
  return rc;
}

/* A short fingerprint of a password hash: a session stops when it changes. */
static int pw_fingerprint(char out[33], const char *hash)
{
  char d[DIGEST_MAX];
  int rc = hash ? digest_buffer(d, DIGEST_SHA256, hash, strlen(hash)) : ERR_INVALID;
  if (rc)
    return rc;
  memcpy(out, d + 7, 32); /* after "sha256:" */
  out[32] = '\0';
  return 0;
}

int websession_id_new(char out[WEBSESSION_ID_LEN + 1])
{
  unsigned char raw[32];
  char *s = NULL;
  int rc = rand_bytes(raw, sizeof(raw));
  if (!rc)
    rc = base64_encode(&s, raw, sizeof(raw), BASE64_URL);
  OPENSSL_cleanse(raw, sizeof(raw));
  if (!rc && strlen(s) != WEBSESSION_ID_LEN)
    rc = ERR_INTERNAL;
  if (!rc)
    memcpy(out, s, WEBSESSION_ID_LEN + 1);
  if (s) {
    OPENSSL_cleanse(s, strlen(s));
    free(s);
  }
  return rc;
}

int websession_id_valid(const char *s)
{
  if (!s || strlen(s) != WEBSESSION_ID_LEN)
    return 0;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
          *c == '-' || *c == '_'))
      return 0;
  return 1;
}

int websession_csrf(char out[WEBSESSION_CSRF_LEN + 1], const struct keys *k, const char *sid)
{
  if (!websession_id_valid(sid))
    return ERR_INVALID;
  return labelled_index(out, k, "wharf csrf v1:", sid);
}

int websession_csrf_ok(const struct keys *k, const char *sid, const char *token)
{
  char want[WEBSESSION_CSRF_LEN + 1];
  if (!token || strlen(token) != WEBSESSION_CSRF_LEN || websession_csrf(want, k, sid) != 0)
    return 0;
  int ok = CRYPTO_memcmp(want, token, WEBSESSION_CSRF_LEN) == 0;
  OPENSSL_cleanse(want, sizeof(want));
  return ok;
}

int websession_start(char out[WEBSESSION_ID_LEN + 1], struct app *app, int64_t account_id)
{
  char sid[WEBSESSION_ID_LEN + 1], idx[65], fp[33];
  struct ident_account a;
  struct pool *p = pool_new();
  int rc = p ? ident_account_get(app->meta, p, &a, account_id) : ERR_NOMEM;
  if (!rc && (a.kind != IDENT_USER || !a.enabled))
    rc = ERR_DENIED;
  if (!rc)
    rc = pw_fingerprint(fp, a.password_hash);
  if (!rc)
    rc = websession_id_new(sid);
  if (!rc)
    rc = labelled_index(idx, app->keys, "wharf session v1:", sid);
  if (!rc) {
    int64_t now = time_now();
    struct ident_session s = { .index = idx, .account_id = account_id, .pwv = fp,
                               .expires_at = now + WEBSESSION_LIFETIME };
    rc = ident_session_add(app->meta, &s, now);
  }
  if (!rc)
    memcpy(out, sid, sizeof(sid));
  OPENSSL_cleanse(sid, sizeof(sid));
  pool_free(p);
  return rc;
}

int websession_authenticate(struct principal *out, struct app *app, struct pool *p,
                            const char *sid)
{
  struct principal pr = { .kind = PRINCIPAL_ANONYMOUS, .name = "(anonymous)" };
  struct ident_session s;
  struct ident_account a;
  char idx[65], fp[33];
  int rc = websession_id_valid(sid) ? labelled_index(idx, app->keys, "wharf session v1:", sid)
                                     : ERR_NOTFOUND;
  if (!rc)
    rc = ident_session_get(app->meta, p, &s, idx);
  if (!rc && s.expires_at <= time_now())
    rc = ERR_NOTFOUND;
  if (!rc)
    rc = ident_account_get(app->meta, p, &a, s.account_id);
  /* a changed password, a disabled or demoted account: the session is over */
  if (!rc && (a.kind != IDENT_USER || !a.enabled || pw_fingerprint(fp, a.password_hash) != 0 ||
              strcmp(fp, s.pwv) != 0))
    rc = ERR_NOTFOUND;
  if (rc == 0) {
    pr.kind = PRINCIPAL_USER;
    pr.id = a.id;
    pr.name = a.name;
    pr.is_superuser = a.is_superuser;
    pr.scopes = SCOPE_ALL;
  } else if (rc != ERR_NOTFOUND) {
    return rc;
  }
  *out = pr;
  return 0;
}

int websession_end_all(struct app *app, int64_t account_id)
{
  return ident_session_delete_account(app->meta, account_id);
}
