#ifndef WHARF_FUZZ_HELPERS_H
#define WHARF_FUZZ_HELPERS_H

/* Helpers shared by the libFuzzer targets in fuzz/ (one per parser of
 * client input). Each target defines LLVMFuzzerTestOneInput and checks the
 * parser's contract with FUZZ_CHECK on top of what ASan/UBSan catch. */

#include <stddef.h>
#include <stdint.h>

/* Aborts with file:line and the expression when a contract does not hold,
 * so libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond)                                                    \
  do {                                                                      \
    if (!(cond))                                                            \
      fuzz_fail(__FILE__, __LINE__, #cond);                                 \
  } while (0)

/* Prints the failed check and aborts. */
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* NUL-terminated malloc'd copy of data[0..size) (caller frees); embedded
 * NULs stay, so C-string parsers see the prefix up to the first one. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Splits data at the first '\n': *head gets a NUL-terminated malloc'd copy
 * of the bytes before it (caller frees), *rest and *rest_len what follows.
 * Without a '\n', head is empty and rest is the whole input. */
void fuzz_split_line(char **head, const uint8_t **rest, size_t *rest_len, const uint8_t *data,
                     size_t size);

#endif
