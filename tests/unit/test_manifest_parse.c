/* Unit tests for registry/manifest_parse.c: the socket-free manifest validator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "registry/manifest_parse.h"
#include "util/err.h"
#include "util/pool.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"
#define D512                                                                                   \
  "sha512:"                                                                                    \
  "5555555555555555555555555555555555555555555555555555555555555555"                           \
  "5555555555555555555555555555555555555555555555555555555555555555"

#define CFG(mt, d) "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":2}"
#define LAYER(d) "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" d "\",\"size\":10}"
#define OCI_CFG_MT "application/vnd.oci.image.config.v1+json"

static const char oci_manifest[] =
  "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
  "\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[" LAYER(D2) "," LAYER(D3) "]}";

static const char oci_index[] =
  "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
  "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":100,"
  "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
  "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":200}]}";

struct fixture {
  struct pool *p;
  struct manifest_info info;
  char err[256];
};

static int setup(void **state)
{
  static struct fixture f;
  memset(&f, 0, sizeof(f));
  f.p = pool_new();
  if (!f.p)
    return -1;
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  pool_free(f->p);
  return 0;
}

static int parse(struct fixture *f, const char *ct, const char *body)
{
  memset(&f->info, 0, sizeof(f->info));
  f->err[0] = '\0';
  return manifest_parse(&f->info, f->p, ct, body, strlen(body), f->err, sizeof(f->err));
}

/* Expects rc and a non-empty message containing `needle` (if not NULL). */
static void expect_fail(struct fixture *f, int rc_want, const char *ct, const char *body,
                        const char *needle)
{
  int rc = parse(f, ct, body);
  if (rc != rc_want)
    fail_msg("rc %d, want %d (err: %s) for %s", rc, rc_want, f->err, body);
  assert_true(f->err[0] != '\0');
  if (needle && !strstr(f->err, needle))
    fail_msg("error \"%s\" lacks \"%s\"", f->err, needle);
}

static void test_oci_manifest(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(parse(f, MT_OCI_MANIFEST, oci_manifest), 0);
  assert_string_equal(f->info.media_type, MT_OCI_MANIFEST);
  assert_int_equal(f->info.is_index, 0);
  assert_int_equal(f->info.nrefs, 3);
  assert_string_equal(f->info.refs[0].digest, D1);
  assert_string_equal(f->info.refs[1].digest, D2);
  assert_string_equal(f->info.refs[2].digest, D3);
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(f->info.refs[i].is_manifest, 0);
  /* no artifactType: the config's media type */
  assert_string_equal(f->info.artifact_type, OCI_CFG_MT);
  assert_null(f->info.subject);
  assert_null(f->info.annotations_json);
}

static void test_oci_index(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(parse(f, MT_OCI_INDEX, oci_index), 0);
  assert_string_equal(f->info.media_type, MT_OCI_INDEX);
  assert_int_equal(f->info.is_index, 1);
  assert_int_equal(f->info.nrefs, 2);
  assert_string_equal(f->info.refs[0].digest, D1);
  assert_string_equal(f->info.refs[1].digest, D2);
  assert_int_equal(f->info.refs[0].is_manifest, 1);
  assert_int_equal(f->info.refs[1].is_manifest, 1);
  assert_null(f->info.artifact_type);
  /* an empty index is fine */
  assert_int_equal(parse(f, MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[]}"), 0);
  assert_int_equal(f->info.nrefs, 0);
}

static void test_docker_manifest(void **state)
{
  struct fixture *f = *state;
  const char *body =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"config\":"
    CFG("application/vnd.docker.container.image.v1+json", D1) ",\"layers\":["
    "{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D2
    "\",\"size\":5}]}";
  /* no Content-Type: the body's mediaType decides */
  assert_int_equal(parse(f, NULL, body), 0);
  assert_string_equal(f->info.media_type, MT_DOCKER_MANIFEST);
  assert_int_equal(f->info.is_index, 0);
  assert_int_equal(f->info.nrefs, 2);
  assert_string_equal(f->info.artifact_type, "application/vnd.docker.container.image.v1+json");
  /* a generic Content-Type is ignored too */
  assert_int_equal(parse(f, "application/json", body), 0);
  assert_string_equal(f->info.media_type, MT_DOCKER_MANIFEST);
}

static void test_docker_list(void **state)
{
  struct fixture *f = *state;
  const char *body =
    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"digest\":\""
    D4 "\",\"size\":7,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}]}";
  /* media type from the header alone, with parameters and other case */
  assert_int_equal(parse(f, " Application/VND.docker.distribution.manifest.list.v2+json; charset=utf-8",
                         body), 0);
  assert_string_equal(f->info.media_type, MT_DOCKER_LIST);
  assert_int_equal(f->info.is_index, 1);
  assert_int_equal(f->info.nrefs, 1);
  assert_string_equal(f->info.refs[0].digest, D4);
  assert_int_equal(f->info.refs[0].is_manifest, 1);
}

static void test_not_json(void **state)
{
  struct fixture *f = *state;
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, "{\"schemaVersion\":2,", "not valid JSON");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, "", "not valid JSON");
  /* duplicate keys are ambiguous */
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1)
              ",\"layers\":[]}", "not valid JSON");
  /* invalid UTF-8 */
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":2,\"annotations\":{\"a\":\"\xff\xfe\"},\"config\":"
              CFG(OCI_CFG_MT, D1) ",\"layers\":[]}", "not valid JSON");
}

static void test_not_object(void **state)
{
  struct fixture *f = *state;
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, "[1,2]", "object");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, "\"x\"", NULL);
}

static void test_schema_version(void **state)
{
  struct fixture *f = *state;
  expect_fail(f, ERR_UNSUPPORTED, MT_OCI_MANIFEST,
              "{\"schemaVersion\":1,\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[]}",
              "schema1");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[]}", "schemaVersion");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":\"2\",\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[]}",
              "schemaVersion");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":3,\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[]}",
              "schemaVersion");
}

static void test_media_type(void **state)
{
  struct fixture *f = *state;
  const char *rest = ",\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[]}";
  char body[512];
  /* unknown type in the body, no usable header */
  snprintf(body, sizeof(body), "{\"schemaVersion\":2,\"mediaType\":\"application/x-foo\"%s", rest);
  expect_fail(f, ERR_UNSUPPORTED, NULL, body, "unsupported manifest media type");
  /* mediaType that is not a string */
  snprintf(body, sizeof(body), "{\"schemaVersion\":2,\"mediaType\":5%s", rest);
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, body, "mediaType");
  /* neither header nor body says what it is */
  snprintf(body, sizeof(body), "{\"schemaVersion\":2%s", rest);
  expect_fail(f, ERR_INVALID, NULL, body, "media type unknown");
  expect_fail(f, ERR_INVALID, "application/octet-stream", body, "media type unknown");
  /* header and body disagree */
  snprintf(body, sizeof(body), "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\"%s",
           rest);
  expect_fail(f, ERR_INVALID, MT_DOCKER_MANIFEST, body, "does not match");
  /* the header alone is enough for OCI (mediaType is optional there) */
  snprintf(body, sizeof(body), "{\"schemaVersion\":2%s", rest);
  assert_int_equal(parse(f, MT_OCI_MANIFEST, body), 0);
}

static void test_schema1(void **state)
{
  struct fixture *f = *state;
  const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"t\",\"fsLayers\":[]}";
  expect_fail(f, ERR_UNSUPPORTED, "application/vnd.docker.distribution.manifest.v1+json", s1,
              "schema1");
  expect_fail(f, ERR_UNSUPPORTED, "application/vnd.docker.distribution.manifest.v1+prettyjws",
              s1, "schema1");
  expect_fail(f, ERR_UNSUPPORTED, NULL, s1, "schema1");
  expect_fail(f, ERR_UNSUPPORTED, NULL,
              "{\"schemaVersion\":2,\"mediaType\":"
              "\"application/vnd.docker.distribution.manifest.v1+json\"}", "schema1");
}

static void test_bad_descriptors(void **state)
{
  struct fixture *f = *state;
  static const struct { const char *config, *needle; } cases[] = {
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"sha256:abc\",\"size\":2}", "config.digest" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"SHA256:" "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":2}", "config.digest" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"md5:d41d8cd98f00b204e9800998ecf8427e\",\"size\":2}", "unsupported algorithm" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"size\":2}", "config.digest" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":7,\"size\":2}", "config.digest" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"" D1 "\",\"size\":-1}", "config.size" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"" D1 "\",\"size\":2.5}", "config.size" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"" D1 "\",\"size\":\"2\"}", "config.size" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"" D1 "\"}", "config.size" },
    { "{\"digest\":\"" D1 "\",\"size\":2}", "config.mediaType" },
    { "{\"mediaType\":\"not a type\",\"digest\":\"" D1 "\",\"size\":2}", "config.mediaType" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"" D1 "\",\"size\":2,\"urls\":\"x\"}", "config.urls" },
    { "{\"mediaType\":\"" OCI_CFG_MT "\",\"digest\":\"" D1 "\",\"size\":2,\"annotations\":{\"a\":1}}", "config.annotations" },
    { "\"" D1 "\"", "config" },
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char body[1024];
    snprintf(body, sizeof(body), "{\"schemaVersion\":2,\"config\":%s,\"layers\":[]}",
             cases[i].config);
    expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, body, cases[i].needle);
  }
  /* a bad layer and a bad index child are named by position */
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[" LAYER(D2)
              ",{\"mediaType\":\"a/b\",\"digest\":\"" D3 "\",\"size\":-5}]}", "layers[1].size");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"x\","
              "\"size\":1}]}", "manifests[0].digest");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[5]}", "manifests[0]");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1
              "\",\"size\":1,\"platform\":\"linux\"}]}", "platform");
}

static void test_missing_fields(void **state)
{
  struct fixture *f = *state;
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"layers\":[]}", "config");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1) "}", "layers");
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":{}}", "layers");
  expect_fail(f, ERR_INVALID, MT_DOCKER_MANIFEST, "{\"schemaVersion\":2}", "config");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX, "{\"schemaVersion\":2}", "manifests");
  expect_fail(f, ERR_INVALID, MT_DOCKER_LIST, "{\"schemaVersion\":2,\"manifests\":null}",
              "manifests");
  /* ambiguous documents (a manifest that is also an index, and back) */
  expect_fail(f, ERR_INVALID, MT_OCI_MANIFEST,
              "{\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1)
              ",\"layers\":[],\"manifests\":[]}", "manifests");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}", "layers");
}

static void test_external_layers_skipped(void **state)
{
  struct fixture *f = *state;
  const char *body =
    "{\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":["
    "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\""
    D2 "\",\"size\":1,\"urls\":[\"https://example.com/l\"]},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip\",\"digest\":\""
    D3 "\",\"size\":1},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D4
    "\",\"size\":1,\"urls\":[\"https://example.com/m\"]},"
    LAYER(D512) "]}";
  assert_int_equal(parse(f, MT_OCI_MANIFEST, body), 0);
  assert_int_equal(f->info.nrefs, 2);
  assert_string_equal(f->info.refs[0].digest, D1);
  assert_string_equal(f->info.refs[1].digest, D512);
  /* a foreign Docker layer without urls is still not required */
  const char *docker =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"config\":"
    CFG("application/vnd.docker.container.image.v1+json", D1) ",\"layers\":["
    "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\""
    D2 "\",\"size\":1}]}";
  assert_int_equal(parse(f, NULL, docker), 0);
  assert_int_equal(f->info.nrefs, 1);
  assert_string_equal(f->info.refs[0].digest, D1);
}

static void test_refs_deduplicated(void **state)
{
  struct fixture *f = *state;
  /* the empty descriptor used as config and layer, plus a repeated layer */
  const char *body =
    "{\"schemaVersion\":2,\"config\":" CFG("application/vnd.oci.empty.v1+json", D1)
    ",\"layers\":[" LAYER(D2) "," LAYER(D1) "," LAYER(D3) "," LAYER(D2) "]}";
  assert_int_equal(parse(f, MT_OCI_MANIFEST, body), 0);
  assert_int_equal(f->info.nrefs, 3);
  assert_string_equal(f->info.refs[0].digest, D1);
  assert_string_equal(f->info.refs[1].digest, D2);
  assert_string_equal(f->info.refs[2].digest, D3);
  /* an artifact with no layers */
  assert_int_equal(parse(f, MT_OCI_MANIFEST,
                         "{\"schemaVersion\":2,\"config\":" CFG(OCI_CFG_MT, D1) ",\"layers\":[]}"),
                   0);
  assert_int_equal(f->info.nrefs, 1);
}

static void test_referrer_fields(void **state)
{
  struct fixture *f = *state;
  const char *body =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
    "\"artifactType\":\"application/vnd.example.sbom+json\","
    "\"config\":" CFG("application/vnd.oci.empty.v1+json", D1) ",\"layers\":[" LAYER(D2) "],"
    "\"subject\":{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D4 "\",\"size\":321},"
    "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\",\"b\":\"x\"}}";
  assert_int_equal(parse(f, MT_OCI_MANIFEST, body), 0);
  assert_string_equal(f->info.artifact_type, "application/vnd.example.sbom+json");
  assert_string_equal(f->info.subject, D4);
  assert_string_equal(f->info.annotations_json,
                      "{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\",\"b\":\"x\"}");
  /* the subject need not be a ref: it may not exist */
  assert_int_equal(f->info.nrefs, 2);

  /* index: artifactType only if given, subject and annotations as for manifests */
  const char *idx =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"artifactType\":\"application/x.sig\","
    "\"manifests\":[],\"subject\":{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D3
    "\",\"size\":1},\"annotations\":{}}";
  assert_int_equal(parse(f, NULL, idx), 0);
  assert_string_equal(f->info.artifact_type, "application/x.sig");
  assert_string_equal(f->info.subject, D3);
  assert_string_equal(f->info.annotations_json, "{}");

  /* a malformed subject or annotations is rejected */
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[],\"subject\":{\"digest\":\"" D3 "\"}}",
              "subject.");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[],\"annotations\":[]}", "annotations");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{\"k\":null}}",
              "annotations.k");
  expect_fail(f, ERR_INVALID, MT_OCI_INDEX,
              "{\"schemaVersion\":2,\"manifests\":[],\"artifactType\":1}", "artifactType");
}

static void test_no_err_buffer(void **state)
{
  struct fixture *f = *state;
  struct manifest_info info;
  memset(&info, 0x5a, sizeof(info));
  assert_int_equal(manifest_parse(&info, f->p, NULL, "[]", 2, NULL, 0), ERR_INVALID);
  /* out is untouched on failure */
  assert_int_equal(((unsigned char *)&info)[0], 0x5a);
  assert_true(manifest_type_known(MT_OCI_INDEX));
  assert_false(manifest_type_known("application/vnd.docker.distribution.manifest.v1+json"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_oci_manifest, setup, teardown),
    cmocka_unit_test_setup_teardown(test_oci_index, setup, teardown),
    cmocka_unit_test_setup_teardown(test_docker_manifest, setup, teardown),
    cmocka_unit_test_setup_teardown(test_docker_list, setup, teardown),
    cmocka_unit_test_setup_teardown(test_not_json, setup, teardown),
    cmocka_unit_test_setup_teardown(test_not_object, setup, teardown),
    cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
    cmocka_unit_test_setup_teardown(test_media_type, setup, teardown),
    cmocka_unit_test_setup_teardown(test_schema1, setup, teardown),
    cmocka_unit_test_setup_teardown(test_bad_descriptors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_missing_fields, setup, teardown),
    cmocka_unit_test_setup_teardown(test_external_layers_skipped, setup, teardown),
    cmocka_unit_test_setup_teardown(test_refs_deduplicated, setup, teardown),
    cmocka_unit_test_setup_teardown(test_referrer_fields, setup, teardown),
    cmocka_unit_test_setup_teardown(test_no_err_buffer, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
