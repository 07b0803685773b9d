/* Certificates for native HTTPS, swappable at run time.
 *
 * libmicrohttpd can take a certificate and key once, as PEM in memory, at
 * daemon start; changing them would mean a new daemon. Instead we give it a
 * GnuTLS retrieve callback (MHD_OPTION_HTTPS_CERT_CALLBACK) that returns the
 * current generation of parsed certificates on every handshake. A reload
 * parses the files into a new generation and publishes it with one atomic
 * store: handshakes already under way keep the generation they read, later
 * ones get the new one, and no socket is touched.
 *
 * GnuTLS's callback has no user pointer, so the current generation is file
 * state (one server per process). Old generations are never freed while
 * serving, because a handshake may still hold their pointers; they are kept
 * on a list (a few KiB per reload) and freed by tls_unload() after stop. */
#include "server/tls.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "util/err.h"
#include "util/log.h"

#define TLS_CHAIN_MAX 16 /* certificates in one chain file */

struct tls_gen {
  gnutls_pcert_st pcerts[TLS_CHAIN_MAX];
  unsigned n;
  gnutls_privkey_t key;
  char serial[80];        /* leaf serial, hex */
  struct tls_gen *older;  /* kept until tls_unload */
};

static _Atomic(struct tls_gen *) current;
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
static char *cert_path, *key_path;

int tls_supported(void)
{
  return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES &&
         MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK) == MHD_YES;
}

static void gen_free(struct tls_gen *g)
{
  if (!g)
    return;
  for (unsigned i = 0; i < g->n; i++)
    gnutls_pcert_deinit(&g->pcerts[i]);
  if (g->key)
    gnutls_privkey_deinit(g->key);
  free(g);
}

/* The leaf's serial as hex, for logs and for telling generations apart. */
static void leaf_serial(struct tls_gen *g)
{
  gnutls_x509_crt_t crt = NULL;
  unsigned char raw[40];
  size_t len = sizeof(raw);
  g->serial[0] = '\0';
  if (gnutls_x509_crt_init(&crt) < 0)
    return;
  if (gnutls_x509_crt_import(crt, &g->pcerts[0].cert, GNUTLS_X509_FMT_DER) >= 0 &&
      gnutls_x509_crt_get_serial(crt, raw, &len) >= 0) {
    for (size_t i = 0; i < len && 2 * i + 2 < sizeof(g->serial); i++)
      snprintf(g->serial + 2 * i, 3, "%02x", raw[i]);
  }
  gnutls_x509_crt_deinit(crt);
}

/* GnuTLS checks that the key belongs to the leaf certificate when both go
 * into a credentials structure; we use one only for that check. */
static int key_matches(const gnutls_datum_t *cd, const gnutls_datum_t *kd, char *err,
                       size_t errlen)
{
  gnutls_certificate_credentials_t cred;
  if (gnutls_certificate_allocate_credentials(&cred) < 0) {
    snprintf(err, errlen, "TLS: out of memory");
    return ERR_NOMEM;
  }
  int rc = gnutls_certificate_set_x509_key_mem2(cred, cd, kd, GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_certificate_free_credentials(cred);
  if (rc < 0) {
    snprintf(err, errlen, "TLS: tls_key does not fit tls_cert (%s)", gnutls_strerror(rc));
    return ERR_INVALID;
  }
  return 0;
}

static int read_pem(gnutls_datum_t *out, const char *what, const char *path, char *err,
                    size_t errlen)
{
  int rc = gnutls_load_file(path, out);
  if (rc < 0) {
    snprintf(err, errlen, "TLS: cannot read %s '%s' (%s); check --%s", what, path,
             gnutls_strerror(rc), strcmp(what, "certificate") == 0 ? "tls-cert" : "tls-key");
    return ERR_IO;
  }
  return 0;
}

/* Parses the two files into a new generation. */
static int gen_load(struct tls_gen **out, const char *cfile, const char *kfile, char *err,
                    size_t errlen)
{
  gnutls_datum_t cd = { NULL, 0 }, kd = { NULL, 0 };
  struct tls_gen *g = calloc(1, sizeof(*g));
  int rc = ERR_NOMEM, grc;
  if (!g) {
    snprintf(err, errlen, "TLS: out of memory");
    goto out;
  }
  if ((rc = read_pem(&cd, "certificate", cfile, err, errlen)) != 0 ||
      (rc = read_pem(&kd, "key", kfile, err, errlen)) != 0)
    goto out;
  rc = ERR_INVALID;
  g->n = TLS_CHAIN_MAX;
  grc = gnutls_pcert_list_import_x509_raw(g->pcerts, &g->n, &cd, GNUTLS_X509_FMT_PEM, 0);
  if (grc < 0 || g->n == 0) {
    g->n = 0;
    snprintf(err, errlen, "TLS: '%s' holds no PEM certificate chain (%s)", cfile,
             gnutls_strerror(grc));
    goto out;
  }
  if ((grc = gnutls_privkey_init(&g->key)) < 0 ||
      (grc = gnutls_privkey_import_x509_raw(g->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
    snprintf(err, errlen, "TLS: '%s' holds no unencrypted PEM private key (%s)", kfile,
             gnutls_strerror(grc));
    goto out;
  }
  if ((rc = key_matches(&cd, &kd, err, errlen)) != 0)
    goto out;
  leaf_serial(g);
  *out = g;
  g = NULL;
  rc = 0;
out:
  gnutls_free(cd.data);
  if (kd.data) {
    memset(kd.data, 0, kd.size); /* the private key */
    gnutls_free(kd.data);
  }
  gen_free(g);
  return rc;
}

static void warn_key_mode(const char *kfile)
{
  struct stat st;
  if (stat(kfile, &st) == 0 && (st.st_mode & 0077))
    LOG(LOG_WARN, "TLS key file '%s' is readable by group or others; chmod 600 it", kfile);
}

/* Makes a freshly loaded generation current; the old one stays on its list. */
static void publish(struct tls_gen *g)
{
  g->older = atomic_load(&current);
  atomic_store(&current, g);
}

int tls_load(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
  struct tls_gen *g = NULL;
  int rc;
  pthread_mutex_lock(&reload_lock);
  if (!tls_supported()) {
    snprintf(err, errlen, "TLS: this libmicrohttpd was built without TLS or certificate "
             "callbacks; serve plain HTTP behind a TLS proxy (docs/tls.md)");
    rc = ERR_UNSUPPORTED;
    goto out;
  }
  if ((rc = gen_load(&g, cert_file, key_file, err, errlen)) != 0)
    goto out;
  char *c = strdup(cert_file), *k = strdup(key_file);
  if (!c || !k) {
    free(c);
    free(k);
    gen_free(g);
    snprintf(err, errlen, "TLS: out of memory");
    rc = ERR_NOMEM;
    goto out;
  }
  free(cert_path);
  free(key_path);
  cert_path = c;
  key_path = k;
  publish(g);
  warn_key_mode(key_file);
out:
  pthread_mutex_unlock(&reload_lock);
  return rc;
}

int tls_reload(char *err, size_t errlen)
{
  struct tls_gen *g = NULL;
  int rc = ERR_INVALID;
  pthread_mutex_lock(&reload_lock);
  if (!cert_path || !key_path) {
    snprintf(err, errlen, "TLS is not enabled");
    goto out;
  }
  if ((rc = gen_load(&g, cert_path, key_path, err, errlen)) != 0)
    goto out;
  publish(g);
  warn_key_mode(key_path);
out:
  pthread_mutex_unlock(&reload_lock);
  return rc;
}

const char *tls_serial(void)
{
  struct tls_gen *g = atomic_load(&current);
  return g ? g->serial : "";
}

/* Called by GnuTLS (through libmicrohttpd) for every handshake. */
static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length,
                    gnutls_privkey_t *privkey)
{
  (void)session;
  (void)req_ca_rdn;
  (void)nreqs;
  (void)pk_algos;
  (void)pk_algos_length;
  struct tls_gen *g = atomic_load(&current);
  if (!g)
    return -1;
  *pcert = g->pcerts;
  *pcert_length = g->n;
  *privkey = g->key;
  return 0;
}

tls_fn tls_cert_callback(void)
{
  gnutls_certificate_retrieve_function2 *f = retrieve;
  return (tls_fn)f;
}

void tls_unload(void)
{
  pthread_mutex_lock(&reload_lock);
  struct tls_gen *g = atomic_exchange(&current, NULL);
  while (g) {
    struct tls_gen *older = g->older;
    gen_free(g);
    g = older;
  }
  free(cert_path);
  free(key_path);
  cert_path = key_path = NULL;
  pthread_mutex_unlock(&reload_lock);
}
