/* Tags resolved by HEAD, recalled by the GET by digest (audit/pulltag.h). */
#include "audit/pulltag.h"

#include <pthread.h>
#include <string.h>

#include "util/err.h"

#define SLOTS 512     /* direct-mapped by the key's hash */
#define KEY_MAX 1024  /* repo, digest, performer, ip with separators */

struct slot {
  char key[KEY_MAX];
  size_t key_len;  /* 0: empty */
  char tag[AUDIT_PULLTAG_TAG_MAX];
  int64_t at;
};

static struct slot slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Joins the parts with NUL separators into key; 0 when they do not fit. */
static size_t make_key(char *key, const char *repo, const char *digest, const char *performer,
                       const char *ip)
{
  const char *parts[4] = { repo, digest, performer ? performer : "", ip ? ip : "" };
  size_t len = 0;
  for (size_t i = 0; i < 4; i++) {
    size_t n = parts[i] ? strlen(parts[i]) : 0;
    if (!parts[i] || n + 1 > KEY_MAX - len)
      return 0;
    memcpy(key + len, parts[i], n + 1);
    len += n + 1;
  }
  return len;
}

/* FNV-1a: spreads keys over the slots; a collision only overwrites. */
static size_t slot_of(const char *key, size_t len)
{
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)key[i];
    h *= 1099511628211ULL;
  }
  return (size_t)(h % SLOTS);
}

void audit_pulltag_remember(const char *repo, const char *digest, const char *performer,
                            const char *ip, const char *tag, int64_t now)
{
  char key[KEY_MAX];
  size_t len = make_key(key, repo, digest, performer, ip);
  size_t tlen = tag ? strlen(tag) : 0;
  if (!len || !tlen || tlen >= AUDIT_PULLTAG_TAG_MAX)
    return;
  struct slot *s = &slots[slot_of(key, len)];
  pthread_mutex_lock(&mu);
  memcpy(s->key, key, len);
  s->key_len = len;
  memcpy(s->tag, tag, tlen + 1);
  s->at = now;
  pthread_mutex_unlock(&mu);
}

int audit_pulltag_recall(char *out, size_t cap, const char *repo, const char *digest,
                         const char *performer, const char *ip, int64_t now)
{
  char key[KEY_MAX];
  size_t len = make_key(key, repo, digest, performer, ip);
  int rc = ERR_NOTFOUND;
  if (!len || cap == 0)
    return ERR_NOTFOUND;
  struct slot *s = &slots[slot_of(key, len)];
  pthread_mutex_lock(&mu);
  if (s->key_len == len && memcmp(s->key, key, len) == 0 && now >= s->at &&
      now - s->at <= AUDIT_PULLTAG_TTL && strlen(s->tag) < cap) {
    memcpy(out, s->tag, strlen(s->tag) + 1);
    rc = 0;
  }
  pthread_mutex_unlock(&mu);
  return rc;
}
