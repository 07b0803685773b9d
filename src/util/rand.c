#include "util/rand.h"

#include <stdio.h>

#include <openssl/rand.h>

#include "util/err.h"

int rand_bytes(void *out, size_t n)
{
  if (n > 0x7fffffff)
    return ERR_INVALID;
  return RAND_bytes(out, (int)n) == 1 ? 0 : ERR_INTERNAL;
}

int rand_uuid(char out[37])
{
  unsigned char b[16];
  if (rand_bytes(b, sizeof(b)) != 0)
    return ERR_INTERNAL;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(out, 37,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
           b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
           b[13], b[14], b[15]);
  return 0;
}
