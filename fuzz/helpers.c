#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void fuzz_fail(const char *file, int line, const char *what)
{
  fprintf(stderr, "%s:%d: contract violated: %s\n", file, line, what);
  abort();
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (!s)
    abort();
  if (size)
    memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

void fuzz_split_line(char **head, const uint8_t **rest, size_t *rest_len, const uint8_t *data,
                     size_t size)
{
  const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
  if (!nl) {
    *head = fuzz_cstr(data, 0);
    *rest = data;
    *rest_len = size;
    return;
  }
  *head = fuzz_cstr(data, (size_t)(nl - data));
  *rest = nl + 1;
  *rest_len = size - (size_t)(nl - data) - 1;
}
