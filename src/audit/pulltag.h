#ifndef WHARF_AUDIT_PULLTAG_H
#define WHARF_AUDIT_PULLTAG_H

#include <stddef.h>
#include <stdint.h>

/* The tag of containerd-style pulls for pull_repo (docs/audit.md): such a
 * client resolves a tag with HEAD /v2/<name>/manifests/<tag> and then GETs
 * the manifest by digest, so the GET alone does not know the tag. A HEAD by
 * tag is remembered here, keyed by (repository, digest, performer, client
 * address), for AUDIT_PULLTAG_TTL seconds; the GET by digest that follows
 * recalls it. A fixed table in this process, slots overwritten by newer
 * entries: a recall may miss (another instance served the HEAD, a busy
 * table), never invent a tag another caller did not resolve. */

#define AUDIT_PULLTAG_TTL 60
#define AUDIT_PULLTAG_TAG_MAX 129  /* tags are at most 128 bytes, NUL included */

/* Remembers that performer (NULL: anonymous) at ip resolved tag to digest in
 * repo at time now. Arguments too long to keep are ignored. */
void audit_pulltag_remember(const char *repo, const char *digest, const char *performer,
                            const char *ip, const char *tag, int64_t now);
/* Copies into out (cap bytes) the tag remembered for the same key within the
 * TTL and returns 0; ERR_NOTFOUND when there is none. */
int audit_pulltag_recall(char *out, size_t cap, const char *repo, const char *digest,
                         const char *performer, const char *ip, int64_t now);

#endif
