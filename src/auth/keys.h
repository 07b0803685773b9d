#ifndef WHARF_AUTH_KEYS_H
#define WHARF_AUTH_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

/* The server key: one file (mode 0600) shared by every instance, holding a
 * 32-byte master secret and an RSA-2048 key (legacy RS256 tokens). Subkeys
 * for credential encryption (AES-256-GCM), the credential index
 * (HMAC-SHA256) and the ES256 (P-256) JWT signing key are derived from the
 * master secret with HKDF-SHA256, so one leaked subkey does not give the
 * others. A loaded struct keys is immutable: share it between threads. */
struct keys;

/* Length of keys_kid() (hex chars of the SHA-256 of the public key DER). */
#define KEYS_KID_LEN 16
/* Largest plaintext keys_encrypt() takes (ERR_TOOBIG above it). */
#define KEYS_PLAIN_MAX 65536

/* Loads the key file at path, creating it (and missing parent directories,
 * 0700) atomically when absent; processes racing to create it all end up
 * with the one that won. Refuses a file group/other may access (ERR_DENIED).
 * On failure err gets a one-line reason (never key material). *out is freed
 * with keys_free(). ERR_IO, ERR_INVALID (bad format), ERR_DENIED, ERR_NOMEM. */
int keys_load_or_create(struct keys **out, const char *path, char *err, size_t errlen);
/* Wipes and frees k. NULL ok. */
void keys_free(struct keys *k);

/* Writes the lowercase hex HMAC-SHA256 of secret[0..len) under the index
 * subkey: the lookup key under which a credential is stored. */
int keys_index(const struct keys *k, char out[65], const char *secret, size_t len);
/* Encrypts plain[0..len) with AES-256-GCM under the encryption subkey into
 * *out = "v1$" + base64(12-byte random nonce || ciphertext || 16-byte tag),
 * malloc'd, caller frees. ERR_TOOBIG over KEYS_PLAIN_MAX. */
int keys_encrypt(const struct keys *k, char **out, const char *plain, size_t len);
/* Reverses keys_encrypt(): *out is malloc'd and NUL-terminated (caller wipes
 * and frees), *out_len its length (out_len may be NULL). ERR_INVALID for any
 * format problem, tampering, or a blob made under another key. */
int keys_decrypt(const struct keys *k, char **out, size_t *out_len, const char *blob);
/* Derives len (1..64) bytes for a purpose named by label (e.g. "login-cache
 * v1") from the master secret with HKDF-SHA256; labels "enc v1", "index
 * v1" and "es256 v1" are taken. */
int keys_derive(const struct keys *k, unsigned char *out, size_t len, const char *label);

/* Key id of the ES256 signing key (KEYS_KID_LEN chars), owned by k. */
const char *keys_kid(const struct keys *k);
/* The P-256 signing key, owned by k (do not free; safe for concurrent sign/verify). */
EVP_PKEY *keys_signing_key(const struct keys *k);
/* Key id of the file's RSA key (KEYS_KID_LEN chars), owned by k. */
const char *keys_rsa_kid(const struct keys *k);
/* The file's RSA-2048 key, owned by k: verifies RS256 tokens issued before
 * the switch to ES256 (jwt.h); nothing is signed with it any more. */
EVP_PKEY *keys_rsa_key(const struct keys *k);

#endif
