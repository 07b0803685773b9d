/* The server key file.
 *
 * Format (text, mode 0600, one file shared by every instance):
 *
 *   wharf-key v1
 *   secret <standard base64 of 32 random bytes>
 *   -----BEGIN PRIVATE KEY-----
 *   <RSA-2048 private key, unencrypted PKCS#8 PEM>
 *   -----END PRIVATE KEY-----
 *
 * The master secret is never used directly: HKDF-SHA256 (salt "wharf-key v1",
 * info = a purpose label) derives one subkey per use, "enc v1" for
 * AES-256-GCM credential encryption and "index v1" for the HMAC-SHA256
 * credential index; keys_derive() hands out further ones by label. The key id
 * is the first 16 hex chars of SHA-256 over the public key's
 * SubjectPublicKeyInfo DER.
 *
 * Registry JWTs are signed ES256 with a P-256 key derived from the master
 * secret (HKDF label "es256 v1", 48 bytes reduced to a scalar in [1, n-1] as
 * in FIPS 186-4 B.4.1), so every instance sharing the file signs with the
 * same key without the file changing. The RSA key in the file only verifies
 * RS256 tokens that instances before the switch issued (issue 5: an RSA-2048
 * signature was 90 % of a token request); it stays in the format so older
 * binaries can read a file that newer ones create.
 *
 * Creation is atomic and race-safe: the content goes to a mkstemp() file
 * (0600) in the same directory, is fsynced, then link()ed to the final name,
 * which fails with EEXIST if another process got there first; the loser
 * throws its candidate away and loads the winner's file, so every instance
 * starting together agrees on one key. (renameat2(RENAME_NOREPLACE) stands in
 * on filesystems without hard links.)
 */
#include "auth/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "util/base64.h"
#include "util/err.h"
#include "util/rand.h"

#define MASTER_LEN 32
#define SUBKEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define RSA_BITS 2048
#define FILE_MAX 65536
#define HEADER "wharf-key v1\n"
#define SECRET_PREFIX "secret "
#define HKDF_SALT "wharf-key v1"
#define LABEL_ENC "enc v1"
#define LABEL_INDEX "index v1"
#define LABEL_ES256 "es256 v1"
#define ES_SEED_LEN 48
#define BLOB_PREFIX "v1$"

struct keys {
  unsigned char master[MASTER_LEN];
  unsigned char enc[SUBKEY_LEN];
  unsigned char idx[SUBKEY_LEN];
  EVP_PKEY *rsa;                  /* legacy RS256: verification only */
  EVP_PKEY *es;                   /* ES256 signing key, derived */
  char rsa_kid[KEYS_KID_LEN + 1];
  char kid[KEYS_KID_LEN + 1];     /* of es */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
  if (!err || errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static int hkdf(unsigned char *out, size_t len, const unsigned char master[MASTER_LEN],
                const char *label)
{
  int rc = ERR_INTERNAL;
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  if (!ctx)
    goto out;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master, MASTER_LEN),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)HKDF_SALT,
                                      sizeof(HKDF_SALT) - 1),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)label, strlen(label)),
    OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx, out, len, params) == 1)
    rc = 0;
out:
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return rc;
}

static int compute_kid(char out[KEYS_KID_LEN + 1], EVP_PKEY *pk)
{
  unsigned char *der = NULL;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  int n = i2d_PUBKEY(pk, &der);
  if (n <= 0)
    return ERR_INTERNAL;
  int ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
  OPENSSL_free(der);
  if (!ok || mdlen < KEYS_KID_LEN / 2)
    return ERR_INTERNAL;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < KEYS_KID_LEN / 2; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[KEYS_KID_LEN] = '\0';
  return 0;
}

/* The P-256 key derived from master: d = (HKDF(48 bytes) mod (n - 1)) + 1,
 * public point d*G. Deterministic, so all instances agree. */
static int derive_es256(EVP_PKEY **out, const unsigned char master[MASTER_LEN])
{
  int rc = ERR_INTERNAL;
  unsigned char seed[ES_SEED_LEN], pub[65];
  BN_CTX *bn = BN_CTX_secure_new();
  EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BIGNUM *x = NULL, *d = BN_secure_new(), *nm1 = NULL;
  EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *pk = NULL;
  if (!bn || !g || !d || !pt || !bld || !pctx ||
      hkdf(seed, sizeof(seed), master, LABEL_ES256) != 0)
    goto out;
  if (!(x = BN_bin2bn(seed, sizeof(seed), BN_secure_new())) ||
      !(nm1 = BN_dup(EC_GROUP_get0_order(g))) || !BN_sub_word(nm1, 1) ||
      !BN_mod(d, x, nm1, bn) || !BN_add_word(d, 1) ||
      !EC_POINT_mul(g, pt, d, NULL, NULL, bn) ||
      EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bn) !=
        sizeof(pub))
    goto out;
  if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) ||
      !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(pctx) != 1 ||
      EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_KEYPAIR, params) != 1)
    goto out;
  *out = pk;
  rc = 0;
out:
  OPENSSL_cleanse(seed, sizeof(seed));
  OSSL_PARAM_free(params); /* public and private parts of a throwaway copy */
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(pctx);
  EC_POINT_free(pt);
  EC_GROUP_free(g);
  BN_clear_free(x);
  BN_clear_free(d);
  BN_free(nm1);
  BN_CTX_free(bn);
  ERR_clear_error();
  return rc;
}

/* Never prompt for a passphrase: the key file holds an unencrypted key. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
  (void)buf, (void)size, (void)rwflag, (void)u;
  return -1;
}

/* Builds a struct keys from the file text buf[0..len) (NUL-terminated). */
static int parse(struct keys **out, const char *buf, size_t len, const char *path, char *err,
                 size_t errlen)
{
  int rc = ERR_INVALID;
  struct keys *k = NULL;
  unsigned char *secret = NULL;
  size_t secret_len = 0;
  BIO *bio = NULL;

  if (memchr(buf, '\0', len) || len < sizeof(HEADER) - 1 ||
      memcmp(buf, HEADER, sizeof(HEADER) - 1) != 0) {
    seterr(err, errlen, "key file %s: not a wharf key file (first line must be 'wharf-key v1')",
           path);
    goto out;
  }
  const char *line = buf + sizeof(HEADER) - 1;
  const char *eol = strchr(line, '\n');
  size_t plen = sizeof(SECRET_PREFIX) - 1;
  if (!eol || (size_t)(eol - line) < plen || memcmp(line, SECRET_PREFIX, plen) != 0 ||
      base64_decode(&secret, &secret_len, line + plen, (size_t)(eol - line) - plen,
                    BASE64_STD) != 0 ||
      secret_len != MASTER_LEN) {
    seterr(err, errlen, "key file %s: second line must be 'secret <base64 of 32 bytes>'", path);
    goto out;
  }
  rc = ERR_NOMEM;
  if (!(k = calloc(1, sizeof(*k))))
    goto out;
  memcpy(k->master, secret, MASTER_LEN);
  rc = ERR_INVALID;
  const char *pem = eol + 1;
  if (!(bio = BIO_new_mem_buf(pem, (int)(len - (size_t)(pem - buf)))) ||
      !(k->rsa = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) ||
      !EVP_PKEY_is_a(k->rsa, "RSA") || EVP_PKEY_get_bits(k->rsa) < RSA_BITS) {
    seterr(err, errlen, "key file %s: no unencrypted RSA (>= 2048 bits) private key in PEM", path);
    goto out;
  }
  if (hkdf(k->enc, SUBKEY_LEN, k->master, LABEL_ENC) != 0 ||
      hkdf(k->idx, SUBKEY_LEN, k->master, LABEL_INDEX) != 0 ||
      derive_es256(&k->es, k->master) != 0 || compute_kid(k->rsa_kid, k->rsa) != 0 ||
      compute_kid(k->kid, k->es) != 0) {
    rc = ERR_INTERNAL;
    seterr(err, errlen, "key file %s: deriving keys failed", path);
    goto out;
  }
  *out = k;
  k = NULL;
  rc = 0;
out:
  if (secret) {
    OPENSSL_cleanse(secret, secret_len);
    free(secret);
  }
  BIO_free(bio);
  keys_free(k);
  ERR_clear_error();
  return rc;
}

/* Reads the whole key file; ERR_NOTFOUND when it does not exist. */
static int read_key_file(char **out, size_t *out_len, const char *path, char *err, size_t errlen)
{
  int rc = ERR_IO;
  char *buf = NULL;
  size_t len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return ERR_NOTFOUND;
    seterr(err, errlen, "key file %s: cannot open: %s", path, strerror(errno));
    return ERR_IO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    seterr(err, errlen, "key file %s: not a regular file", path);
    goto out;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    rc = ERR_DENIED;
    seterr(err, errlen, "key file %s is accessible by group or others (mode %03o); run: chmod 600 %s",
           path, (unsigned)(st.st_mode & 0777), path);
    goto out;
  }
  if (st.st_size > FILE_MAX) {
    rc = ERR_INVALID;
    seterr(err, errlen, "key file %s: larger than %d bytes", path, FILE_MAX);
    goto out;
  }
  rc = ERR_NOMEM;
  if (!(buf = malloc(FILE_MAX + 1)))
    goto out;
  rc = ERR_IO;
  for (;;) {
    ssize_t n = read(fd, buf + len, FILE_MAX + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      seterr(err, errlen, "key file %s: read failed: %s", path, strerror(errno));
      goto out;
    }
    if (n == 0)
      break;
    len += (size_t)n;
    if (len > FILE_MAX) {
      rc = ERR_INVALID;
      seterr(err, errlen, "key file %s: larger than %d bytes", path, FILE_MAX);
      goto out;
    }
  }
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  buf = NULL;
  rc = 0;
out:
  if (buf) {
    OPENSSL_cleanse(buf, FILE_MAX + 1);
    free(buf);
  }
  close(fd);
  return rc;
}

/* Makes fresh key file text: *out malloc'd, caller wipes and frees. */
static int generate(char **out, size_t *out_len)
{
  int rc = ERR_INTERNAL;
  unsigned char master[MASTER_LEN];
  char *secret = NULL, *text = NULL;
  EVP_PKEY *pk = NULL;
  BIO *bio = NULL;
  char *pem = NULL;

  if (rand_bytes(master, sizeof(master)) != 0 ||
      base64_encode(&secret, master, sizeof(master), BASE64_STD) != 0)
    goto out;
  if (!(pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_BITS)) ||
      !(bio = BIO_new(BIO_s_mem())) ||
      PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1)
    goto out;
  long pem_len = BIO_get_mem_data(bio, &pem);
  if (pem_len <= 0)
    goto out;
  size_t n = sizeof(HEADER) - 1 + sizeof(SECRET_PREFIX) - 1 + strlen(secret) + 1 + (size_t)pem_len;
  rc = ERR_NOMEM;
  if (!(text = malloc(n + 1)))
    goto out;
  snprintf(text, n + 1, "%s%s%s\n%.*s", HEADER, SECRET_PREFIX, secret, (int)pem_len, pem);
  *out = text;
  *out_len = n;
  rc = 0;
out:
  OPENSSL_cleanse(master, sizeof(master));
  if (secret) {
    OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
  }
  if (bio && pem) /* the BIO's buffer holds the private key */
    OPENSSL_cleanse(pem, (size_t)BIO_get_mem_data(bio, NULL));
  BIO_free(bio);
  EVP_PKEY_free(pk);
  return rc;
}

/* mkdir -p dir with mode 0700 for the directories it creates. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
  char tmp[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof(tmp)) {
    seterr(err, errlen, "key file directory: path too long");
    return ERR_INVALID;
  }
  memcpy(tmp, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0')
      continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
      seterr(err, errlen, "cannot create directory %s: %s", tmp, strerror(errno));
      return ERR_IO;
    }
    tmp[i] = c;
  }
  return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return ERR_IO;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Publishes tmp under path unless path exists; 0 also when another process
 * won the race (its file is then the one to load). */
static int publish(const char *tmp, const char *path, char *err, size_t errlen)
{
  if (link(tmp, path) == 0 || errno == EEXIST)
    return 0;
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0 || errno == EEXIST)
    return 0;
  seterr(err, errlen, "key file %s: cannot create: %s", path, strerror(errno));
  return ERR_IO;
}

/* Creates the key file at path unless it appears meanwhile. */
static int create_key_file(const char *path, char *err, size_t errlen)
{
  int rc = ERR_INVALID;
  char dir[4096], tmp[4200];
  char *text = NULL;
  size_t text_len = 0;
  int fd = -1, have_tmp = 0;

  const char *slash = strrchr(path, '/');
  size_t dlen = slash ? (size_t)(slash - path) : 1;
  if (dlen >= sizeof(dir)) {
    seterr(err, errlen, "key file path too long");
    return ERR_INVALID;
  }
  if (!slash)
    memcpy(dir, ".", 2);
  else if (dlen == 0)
    memcpy(dir, "/", 2);
  else {
    memcpy(dir, path, dlen);
    dir[dlen] = '\0';
  }
  if ((rc = make_dirs(dir, err, errlen)) != 0)
    return rc;
  if ((rc = generate(&text, &text_len)) != 0) {
    seterr(err, errlen, "key file %s: generating keys failed", path);
    goto out;
  }
  snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
  rc = ERR_IO;
  if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) { /* mode 0600, O_EXCL */
    seterr(err, errlen, "key file %s: cannot create temporary file: %s", path, strerror(errno));
    goto out;
  }
  have_tmp = 1;
  if (fchmod(fd, 0600) != 0 || write_all(fd, text, text_len) != 0 || fsync(fd) != 0) {
    seterr(err, errlen, "key file %s: writing failed: %s", path, strerror(errno));
    goto out;
  }
  close(fd);
  fd = -1;
  if ((rc = publish(tmp, path, err, errlen)) != 0)
    goto out;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  rc = 0;
out:
  if (fd >= 0)
    close(fd);
  if (have_tmp)
    (void)unlink(tmp); /* after link() or a lost race; gone after rename */
  if (text) {
    OPENSSL_cleanse(text, text_len);
    free(text);
  }
  return rc;
}

int keys_load_or_create(struct keys **out, const char *path, char *err, size_t errlen)
{
  char *buf = NULL;
  size_t len = 0;
  if (!path || !*path) {
    seterr(err, errlen, "no key file path configured");
    return ERR_INVALID;
  }
  int rc = read_key_file(&buf, &len, path, err, errlen);
  if (rc == ERR_NOTFOUND) {
    if ((rc = create_key_file(path, err, errlen)) != 0)
      return rc;
    rc = read_key_file(&buf, &len, path, err, errlen);
    if (rc == ERR_NOTFOUND) {
      seterr(err, errlen, "key file %s vanished right after creation", path);
      rc = ERR_IO;
    }
  }
  if (rc != 0)
    return rc;
  rc = parse(out, buf, len, path, err, errlen);
  OPENSSL_cleanse(buf, len);
  free(buf);
  return rc;
}

void keys_free(struct keys *k)
{
  if (!k)
    return;
  EVP_PKEY_free(k->rsa);
  EVP_PKEY_free(k->es);
  OPENSSL_cleanse(k, sizeof(*k));
  free(k);
}

int keys_derive(const struct keys *k, unsigned char *out, size_t len, const char *label)
{
  if (!k || !out || len == 0 || len > 64 || !label || !*label || strcmp(label, LABEL_ENC) == 0 ||
      strcmp(label, LABEL_INDEX) == 0 || strcmp(label, LABEL_ES256) == 0)
    return ERR_INVALID;
  return hkdf(out, len, k->master, label);
}

int keys_index(const struct keys *k, char out[65], const char *secret, size_t len)
{
  unsigned char mac[32];
  size_t maclen = 0;
  if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->idx, sizeof(k->idx),
                 (const unsigned char *)secret, len, mac, sizeof(mac), &maclen) ||
      maclen != sizeof(mac)) {
    ERR_clear_error();
    return ERR_INTERNAL;
  }
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof(mac); i++) {
    out[2 * i] = hex[mac[i] >> 4];
    out[2 * i + 1] = hex[mac[i] & 15];
  }
  out[64] = '\0';
  return 0;
}

/* AES-256-GCM over in[0..len) into out (same length); the tag goes to/comes
 * from tag. The version prefix is authenticated as AAD. */
static int gcm(const struct keys *k, int enc, unsigned char *out, const unsigned char *in,
               size_t len, const unsigned char nonce[NONCE_LEN], unsigned char tag[TAG_LEN])
{
  int rc = enc ? ERR_INTERNAL : ERR_INVALID;
  int n = 0;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (!c || len > KEYS_PLAIN_MAX) {
    rc = c ? ERR_TOOBIG : ERR_NOMEM;
    goto out;
  }
  if (EVP_CipherInit_ex2(c, EVP_aes_256_gcm(), k->enc, nonce, enc, NULL) != 1 ||
      EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)BLOB_PREFIX,
                       (int)sizeof(BLOB_PREFIX) - 1) != 1 ||
      EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
    goto out;
  if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) != 1)
    goto out;
  if (EVP_CipherFinal_ex(c, out + n, &n) != 1) /* tag mismatch when decrypting */
    goto out;
  if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) != 1)
    goto out;
  rc = 0;
out:
  EVP_CIPHER_CTX_free(c);
  ERR_clear_error();
  return rc;
}

int keys_encrypt(const struct keys *k, char **out, const char *plain, size_t len)
{
  if (len > KEYS_PLAIN_MAX)
    return ERR_TOOBIG;
  int rc = ERR_NOMEM;
  size_t raw_len = NONCE_LEN + len + TAG_LEN;
  unsigned char *raw = malloc(raw_len);
  char *b64 = NULL, *s = NULL;
  if (!raw)
    goto out;
  if ((rc = rand_bytes(raw, NONCE_LEN)) != 0 ||
      (rc = gcm(k, 1, raw + NONCE_LEN, (const unsigned char *)plain, len, raw,
                raw + NONCE_LEN + len)) != 0 ||
      (rc = base64_encode(&b64, raw, raw_len, BASE64_STD)) != 0)
    goto out;
  rc = ERR_NOMEM;
  size_t n = sizeof(BLOB_PREFIX) - 1 + strlen(b64);
  if (!(s = malloc(n + 1)))
    goto out;
  snprintf(s, n + 1, "%s%s", BLOB_PREFIX, b64);
  *out = s;
  rc = 0;
out:
  free(raw);
  free(b64);
  return rc;
}

int keys_decrypt(const struct keys *k, char **out, size_t *out_len, const char *blob)
{
  const size_t plen = sizeof(BLOB_PREFIX) - 1;
  const size_t max_b64 = 4 * ((NONCE_LEN + KEYS_PLAIN_MAX + TAG_LEN + 2) / 3);
  if (!blob || strncmp(blob, BLOB_PREFIX, plen) != 0)
    return ERR_INVALID;
  size_t n = strnlen(blob + plen, max_b64 + 1);
  if (n > max_b64)
    return ERR_INVALID;

  unsigned char *raw = NULL;
  size_t raw_len = 0;
  char *plain = NULL;
  int rc = base64_decode(&raw, &raw_len, blob + plen, n, BASE64_STD);
  if (rc != 0) {
    rc = rc == ERR_NOMEM ? rc : ERR_INVALID;
    goto out;
  }
  rc = ERR_INVALID;
  if (raw_len < NONCE_LEN + TAG_LEN)
    goto out;
  size_t len = raw_len - NONCE_LEN - TAG_LEN;
  rc = ERR_NOMEM;
  if (!(plain = malloc(len + 1)))
    goto out;
  rc = gcm(k, 0, (unsigned char *)plain, raw + NONCE_LEN, len, raw, raw + NONCE_LEN + len);
  if (rc != 0) {
    rc = rc == ERR_NOMEM ? rc : ERR_INVALID;
    OPENSSL_cleanse(plain, len + 1);
    goto out;
  }
  plain[len] = '\0';
  *out = plain;
  if (out_len)
    *out_len = len;
  plain = NULL;
out:
  if (raw) {
    OPENSSL_cleanse(raw, raw_len);
    free(raw);
  }
  free(plain);
  return rc;
}

const char *keys_kid(const struct keys *k)
{
  return k->kid;
}

EVP_PKEY *keys_signing_key(const struct keys *k)
{
  return k->es;
}

const char *keys_rsa_kid(const struct keys *k)
{
  return k->rsa_kid;
}

EVP_PKEY *keys_rsa_key(const struct keys *k)
{
  return k->rsa;
}
