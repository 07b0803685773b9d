/* Minting API tokens and normalizing their scope strings. */
#include "auth/apitoken.h"

#include <string.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "auth/keys.h"
#include "auth/token.h"
#include "store/ident.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/rand.h"
#include "util/timeutil.h"

#define MINT_TRIES 3 /* index or uuid clashes are astronomically rare; retry anyway */

int apitoken_scope_normalize(const char **out, unsigned *out_bits, const char **bad,
                             struct pool *p, const char *s)
{
  size_t n = strlen(s);
  char *norm = pool_alloc(p, n + 1);
  unsigned bits = 0;
  size_t k = 0;
  if (!norm)
    return ERR_NOMEM;
  norm[0] = '\0';
  for (const char *c = s; *c;) {
    size_t len = strcspn(c, " ,");
    if (len) {
      char *word = pool_strndup(p, c, len);
      unsigned wbits = 0;
      const char *b = NULL;
      if (!word)
        return ERR_NOMEM;
      if (auth_scopes_parse(&wbits, &b, p, word) != 0) {
        *bad = word;
        return ERR_INVALID;
      }
      /* keep the first of duplicates, as Quay's dict.fromkeys */
      int dup = 0;
      for (const char *q = norm; !dup && *q;) {
        size_t ql = strcspn(q, " ");
        dup = ql == len && memcmp(q, word, len) == 0;
        q += ql + (q[ql] == ' ');
      }
      if (!dup) {
        if (k)
          norm[k++] = ' ';
        memcpy(norm + k, word, len + 1);
        k += len;
      }
      bits |= wbits;
    }
    c += len;
    c += strspn(c, " ,");
  }
  if (k == 0) {
    *bad = "";
    return ERR_INVALID;
  }
  *out = norm;
  *out_bits = bits;
  return 0;
}

int apitoken_mint(char out[APITOKEN_LEN + 1], char out_uuid[37], int64_t *out_cred_id,
                  struct meta *m, const struct keys *k, const struct apitoken_req *rq)
{
  char token[APITOKEN_LEN + 1], idx[65], uuid[37];
  int64_t cred_id = 0;
  int rc = ERR_EXISTS;
  for (int i = 0; i < MINT_TRIES && rc == ERR_EXISTS; i++) {
    rc = password_generate(token, sizeof(token));
    if (!rc)
      rc = keys_index(k, idx, token, APITOKEN_LEN);
    if (!rc)
      rc = rand_uuid(uuid);
    if (rc)
      break;
    struct ident_cred c = { .account_id = rq->account_id, .kind = CRED_API, .index = idx,
                            .scopes = (char *)rq->scopes, .name = (char *)rq->name,
                            .expires_at = rq->expires_at };
    rc = ident_token_add(m, &cred_id, &c, uuid, rq->app_id, rq->max_live, time_now());
  }
  if (!rc) {
    memcpy(out, token, sizeof(token));
    memcpy(out_uuid, uuid, sizeof(uuid));
    if (out_cred_id)
      *out_cred_id = cred_id;
  }
  OPENSSL_cleanse(token, sizeof(token));
  return rc;
}
