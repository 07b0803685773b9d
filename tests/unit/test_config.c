#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "util/err.h"

static char errbuf[1024];
static char tmpdir[64];
static char cfgpath[128];

/* config_load with argv {"serve", args..., NULL}. */
static int load(struct config *c, ...)
{
  char *argv[32];
  int argc = 0;
  va_list ap;
  argv[argc++] = (char *)"serve";
  va_start(ap, c);
  for (char *a; (a = va_arg(ap, char *)) != NULL;)
    argv[argc++] = a;
  va_end(ap);
  argv[argc] = NULL;
  errbuf[0] = '\0';
  return config_load(c, argc, argv, errbuf, sizeof(errbuf));
}

/* Writes the YAML text to cfgpath. */
static const char *write_file(const char *text)
{
  FILE *f = fopen(cfgpath, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return cfgpath;
}

static void clear_env(void)
{
  size_t n;
  const struct config_row *rows = config_rows(&n);
  for (size_t i = 0; i < n; i++)
    unsetenv(rows[i].env);
}

static int setup(void **state)
{
  clear_env();
  return 0;
}

static int teardown(void **state)
{
  clear_env();
  unlink(cfgpath);
  return 0;
}

#define assert_err(rc, want_rc, needle)                                         \
  do {                                                                         \
    assert_int_equal((rc), (want_rc));                                         \
    if (!strstr(errbuf, (needle)))                                             \
      fail_msg("error '%s' lacks '%s'", errbuf, (needle));                     \
    assert_null(strchr(errbuf, '\n'));                                         \
  } while (0)

static void assert_defaults(const struct config *c)
{
  assert_string_equal(c->listen, "127.0.0.1:5000");
  assert_string_equal(c->db, "sqlite://./data/wharf.db");
  assert_string_equal(c->storage, "file://./data/blobs");
  assert_string_equal(c->key_file, ""); /* derived from --db at start */
  assert_string_equal(c->log_level, "info");
  assert_int_equal(c->access_log, 1);
  assert_int_equal(c->threads, 0);
  assert_int_equal(c->max_connections, 1024);
  assert_int_equal(c->max_header_bytes, 16384);
  assert_int_equal(c->connection_timeout, 300);
  assert_int_equal(c->shutdown_grace, 30);
  assert_int_equal(c->manifest_max_bytes, 4194304);
  assert_int_equal(c->json_max_bytes, 1048576);
  assert_int_equal(c->page_max, 1000);
  assert_int_equal(c->upload_ttl, 86400);
  assert_null(c->config_file);
}

static void test_defaults(void **state)
{
  struct config c;
  config_init(&c);
  assert_defaults(&c);
  assert_int_equal(load(&c, NULL), 0);
  assert_defaults(&c);
  config_free(&c);
  assert_defaults(&c);
}

static void test_table_conventions(void **state)
{
  size_t n;
  const struct config_row *rows = config_rows(&n);
  assert_true(n >= 15);
  for (size_t i = 0; i < n; i++) {
    char env[64] = "WHARF_", flag[64];
    const char *name = rows[i].name;
    if (strcmp(name, "config_file") == 0) {
      assert_string_equal(rows[i].env, "WHARF_CONFIG");
      assert_string_equal(rows[i].flag, "config");
      assert_true(rows[i].cli_only);
      continue;
    }
    size_t k;
    for (k = 0; name[k]; k++) {
      env[6 + k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
      flag[k] = name[k] == '_' ? '-' : name[k];
    }
    env[6 + k] = flag[k] = '\0';
    assert_string_equal(rows[i].env, env);
    assert_string_equal(rows[i].flag, flag);
    assert_non_null(rows[i].help);
    assert_non_null(rows[i].metavar);
    if (rows[i].type == CONFIG_INT) {
      assert_true(rows[i].min <= rows[i].int_def && rows[i].int_def <= rows[i].max);
    }
  }
}

static void test_precedence(void **state)
{
  struct config c;
  config_init(&c);
  write_file("# comment\n"
             "threads: 8\n"
             "max_connections: 50\n"
             "page_max: 77\n"
             "listen: \"10.0.0.1:6000\"\n"
             "db: sqlite:///var/lib/wharf.db\n"
             "access_log: no\n");
  setenv("WHARF_THREADS", "16", 1);
  setenv("WHARF_MAX_CONNECTIONS", "60", 1);
  setenv("WHARF_LISTEN", "10.0.0.2:6001", 1);
  setenv("WHARF_CONFIG", cfgpath, 1);
  setenv("WHARF_SHUTDOWN_GRACE", "", 1);   /* empty = unset */
  assert_int_equal(load(&c, "--threads", "32", "--listen=[::1]:7000", NULL), 0);
  assert_int_equal(c.threads, 32);               /* flag > env > file */
  assert_int_equal(c.max_connections, 60);       /* env > file */
  assert_int_equal(c.page_max, 77);              /* file > default */
  assert_string_equal(c.listen, "[::1]:7000");
  assert_string_equal(c.db, "sqlite:///var/lib/wharf.db");
  assert_int_equal(c.access_log, 0);
  assert_int_equal(c.shutdown_grace, 30);
  assert_string_equal(c.config_file, cfgpath);
  assert_int_equal(c.upload_ttl, 86400);

  /* loading again over owned strings, and a failed load changes nothing */
  assert_int_equal(load(&c, "--db", "sqlite://./x.db", NULL), 0);
  assert_string_equal(c.db, "sqlite://./x.db");
  assert_string_equal(c.listen, "10.0.0.2:6001");
  assert_int_equal(load(&c, "--db", "sqlite://./y.db", "--listen", "a:b", NULL), ERR_INVALID);
  assert_string_equal(c.db, "sqlite://./x.db");
  assert_string_equal(c.listen, "10.0.0.2:6001");
  config_free(&c);
  assert_defaults(&c);
}

static void test_config_flag_beats_env(void **state)
{
  struct config c;
  config_init(&c);
  setenv("WHARF_CONFIG", "/nonexistent/wharf.yaml", 1);
  write_file("page_max: 5\n");
  assert_int_equal(load(&c, "--config", cfgpath, NULL), 0);
  assert_int_equal(c.page_max, 5);
  assert_string_equal(c.config_file, cfgpath);
  config_free(&c);

  config_init(&c);
  assert_err(load(&c, NULL), ERR_IO, "cannot read config file /nonexistent/wharf.yaml");
  assert_err(load(&c, "--config", "/", NULL), ERR_INVALID, "cannot read config file /:");
  assert_defaults(&c);
}

static void test_flag_forms(void **state)
{
  struct config c;
  config_init(&c);
  assert_int_equal(load(&c, "--log-level=debug", "--page-max", "10", "--no-access-log",
                        "--storage=file:///srv/blobs", "--key-file", "/etc/wharf.key",
                        "--upload-ttl=+120", NULL), 0);
  assert_string_equal(c.log_level, "debug");
  assert_int_equal(c.page_max, 10);
  assert_int_equal(c.access_log, 0);
  assert_string_equal(c.storage, "file:///srv/blobs");
  assert_string_equal(c.key_file, "/etc/wharf.key");
  assert_int_equal(c.upload_ttl, 120);
  assert_int_equal(load(&c, "--access-log", "--threads", "-0", NULL), 0);
  assert_int_equal(c.access_log, 1);
  assert_int_equal(load(&c, "--access-log=off", "--page-max=3", "--page-max=4", NULL), 0);
  assert_int_equal(c.access_log, 0);
  assert_int_equal(c.page_max, 4);   /* last one wins */
  config_free(&c);
}

static void test_help_flag(void **state)
{
  struct config c;
  config_init(&c);
  assert_int_equal(load(&c, "--help", NULL), 1);
  assert_int_equal(load(&c, "--threads", "3", "-h", NULL), 1);
  assert_int_equal(c.threads, 0);   /* untouched */
  config_free(&c);
}

static void test_flag_errors(void **state)
{
  struct config c;
  config_init(&c);
  assert_err(load(&c, "--lisen", "x", NULL), ERR_INVALID,
             "unknown option --lisen (did you mean --listen?); see 'wharf serve --help'");
  assert_err(load(&c, "--frobnicate=1", NULL), ERR_INVALID,
             "unknown option --frobnicate; see 'wharf serve --help'");
  assert_err(load(&c, "-x", NULL), ERR_INVALID, "unknown option -x;");
  assert_err(load(&c, "--", NULL), ERR_INVALID, "unknown option --;");
  assert_err(load(&c, "--no-threads", NULL), ERR_INVALID, "unknown option --no-threads");
  assert_err(load(&c, "--listen", NULL), ERR_INVALID,
             "option --listen needs a value (--listen HOST:PORT); see 'wharf serve --help'");
  assert_err(load(&c, "--db", "--threads", "4", NULL), ERR_INVALID, "option --db needs a value");
  assert_err(load(&c, "extra", NULL), ERR_INVALID,
             "unexpected argument 'extra': 'wharf serve' takes only options");
  assert_err(load(&c, "-", NULL), ERR_INVALID, "unexpected argument '-'");
  assert_err(load(&c, "--threads", "many", NULL), ERR_INVALID,
             "option --threads: threads must be an integer between 0 and 1024, not 'many'");
  assert_err(load(&c, "--threads=4x", NULL), ERR_INVALID, "must be an integer");
  assert_err(load(&c, "--threads=", NULL), ERR_INVALID, "must be an integer");
  assert_err(load(&c, "--threads", "5000", NULL), ERR_INVALID,
             "option --threads: threads must be between 0 and 1024, not 5000");
  assert_err(load(&c, "--threads", "99999999999999999999999", NULL), ERR_INVALID,
             "threads must be between 0 and 1024");
  assert_err(load(&c, "--max-header-bytes=100", NULL), ERR_INVALID,
             "max_header_bytes must be between 4096 and 1048576");
  assert_err(load(&c, "--access-log=maybe", NULL), ERR_INVALID,
             "option --access-log: access_log must be true or false, not 'maybe'");
  assert_err(load(&c, "--no-access-log=yes", NULL), ERR_INVALID,
             "option --no-access-log takes no value");
  assert_err(load(&c, "--log-level", "loud", NULL), ERR_INVALID,
             "log_level must be error, warn, info or debug, not 'loud'");
  assert_err(load(&c, "--db", "wharf.db", NULL), ERR_INVALID,
             "option --db: 'wharf.db' is not a URL");
  assert_err(load(&c, "--storage=", NULL), ERR_INVALID, "storage must not be empty");
  assert_err(load(&c, "--listen", "localhost", NULL), ERR_INVALID,
             "option --listen: listen must be HOST:PORT");
  assert_err(load(&c, "--listen", "::1:5000", NULL), ERR_INVALID,
             "put an IPv6 address in brackets");
  /* the first error is reported, and nothing was applied */
  assert_err(load(&c, "--page-max", "9", "--bogus", NULL), ERR_INVALID, "--bogus");
  assert_defaults(&c);
  config_free(&c);
}

static void test_env_errors(void **state)
{
  struct config c;
  config_init(&c);
  setenv("WHARF_THREADS", "abc", 1);
  assert_err(load(&c, NULL), ERR_INVALID,
             "environment variable WHARF_THREADS: threads must be an integer");
  /* a flag overriding a bad env var does not hide it: the env is still wrong */
  assert_err(load(&c, "--threads", "2", NULL), ERR_INVALID, "WHARF_THREADS");
  unsetenv("WHARF_THREADS");
  setenv("WHARF_LISTEN", "[::1]:0", 1);
  assert_err(load(&c, NULL), ERR_INVALID, "environment variable WHARF_LISTEN: listen must be");
  assert_defaults(&c);
  config_free(&c);
}

/* Loads text as the config file and checks the error. */
static void file_err(const char *text, int want_rc, const char *needle)
{
  struct config c;
  config_init(&c);
  write_file(text);
  int rc = load(&c, "--config", cfgpath, NULL);
  assert_err(rc, want_rc, needle);
  if (!strstr(errbuf, cfgpath))
    fail_msg("error '%s' does not name the file", errbuf);
  assert_defaults(&c);
  config_free(&c);
}

static void test_file_errors(void **state)
{
  file_err("listen: 127.0.0.1:1\n# x\nthreads: 5000\n", ERR_INVALID,
           "line 3: threads must be between 0 and 1024, not 5000");
  file_err("threads: many\n", ERR_INVALID,
           "line 1: threads must be an integer between 0 and 1024, not 'many'");
  file_err("\n\nthreds: 4\n", ERR_INVALID,
           "line 3: unknown key 'threds' (did you mean 'threads'?); see 'wharf serve --help'");
  file_err("zzz: 4\n", ERR_INVALID, "line 1: unknown key 'zzz'; see");
  file_err("threads: 4\nlisten: a: b\n", ERR_INVALID, "line 2: YAML syntax error");
  file_err("listen: 1.2.3.4:0\nthreads: 4\n  page_max: 3\n", ERR_INVALID, "line 3: YAML syntax error");
  file_err("threads: 4\nlisten: [a, b]\n", ERR_INVALID, "line 2: listen takes a single value");
  file_err("threads: 4\n  page_max: 3\n", ERR_INVALID, "line 2: YAML syntax error");
  file_err("threads: 4\n\"unterminated\n", ERR_INVALID, "YAML syntax error");
  file_err("listen:\n  host: x\n", ERR_INVALID,
           "line 2: listen takes a single value, not a list or mapping");
  file_err("threads: [1, 2]\n", ERR_INVALID, "line 1: threads takes a single value");
  file_err("a: &x 1\nthreads: *x\n", ERR_INVALID, "unknown key 'a'");
  file_err("page_max: 3\nthreads: *x\n", ERR_INVALID, "line 2: YAML syntax error");
  file_err("threads:\n", ERR_INVALID, "line 1: threads has no value");
  file_err("listen: ~\n", ERR_INVALID, "listen has no value");
  file_err("threads: 1\npage_max: 2\nthreads: 3\n", ERR_INVALID,
           "line 3: threads is set twice (first on line 1)");
  file_err("config_file: /x.yaml\n", ERR_INVALID,
           "line 1: config_file cannot be set in a config file; use --config or WHARF_CONFIG");
  file_err("- threads\n- 4\n", ERR_INVALID, "line 1: expected 'key: value' lines");
  file_err("just a string\n", ERR_INVALID, "expected 'key: value' lines");
  file_err("threads: 1\n---\nthreads: 2\n", ERR_INVALID, "line 2: only one YAML document");
  file_err("access_log: perhaps\n", ERR_INVALID, "access_log must be true or false");
  file_err("[a, b]: 1\n", ERR_INVALID, "keys must be plain names");
  file_err("log_level: verbose\n", ERR_INVALID, "line 1: log_level must be error, warn");
  file_err("listen: \"\xff\xfe\"\n", ERR_INVALID, "it must be a UTF-8 YAML file");
  file_err("max_connections: 0\n", ERR_INVALID, "max_connections must be between 1 and 100000");
}

static void test_file_ok_shapes(void **state)
{
  static const char *ok[] = { "", "# only a comment\n", "---\n", "---\n...\n", "{}\n",
                              "{threads: 6}\n", "'threads': '6'\n" };
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    struct config c;
    config_init(&c);
    write_file(ok[i]);
    if (load(&c, "--config", cfgpath, NULL) != 0)
      fail_msg("'%s' rejected: %s", ok[i], errbuf);
    assert_true(c.threads == 0 || c.threads == 6);
    config_free(&c);
  }
}

__attribute__((noinline)) static char *capture(void (*fn)(FILE *, const char *), void (*fn2)(FILE *), const char *arg)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  if (fn)
    fn(f, arg);
  else
    fn2(f);
  fclose(f);
  return text;
}

static void test_help_mentions_every_row(void **state)
{
  char *help = capture(config_print_help, NULL, "serve");
  size_t n;
  const struct config_row *rows = config_rows(&n);
  assert_non_null(strstr(help, "usage: wharf serve [options]"));
  assert_non_null(strstr(help, "--help"));
  for (size_t i = 0; i < n; i++) {
    char flag[80], line_env[80];
    snprintf(flag, sizeof(flag), "\n  %s%s", rows[i].type == CONFIG_BOOL ? "--[no-]" : "--",
             rows[i].flag);
    snprintf(line_env, sizeof(line_env), " %s ", rows[i].env);
    /* one line per row holding the flag, env var, help and default */
    const char *at = strstr(help, flag);
    if (!at)
      fail_msg("help lacks %s", flag);
    const char *eol = strchr(at + 1, '\n');
    char line[512];
    snprintf(line, sizeof(line), "%.*s", (int)(eol - at), at);
    assert_non_null(strstr(line, line_env));
    assert_non_null(strstr(line, rows[i].help));
    assert_non_null(strstr(line, "default "));
    if (rows[i].type == CONFIG_STRING && rows[i].str_def)
      assert_non_null(strstr(line, rows[i].str_def));
  }
  assert_non_null(strstr(help, "0..1024, default 0"));
  free(help);
}

static void test_sample_mentions_every_row_and_loads(void **state)
{
  char *sample = capture(NULL, config_print_sample, NULL);
  size_t n;
  const struct config_row *rows = config_rows(&n);
  for (size_t i = 0; i < n; i++) {
    char key[80];
    if (rows[i].cli_only) {
      snprintf(key, sizeof(key), "--%s FILE or %s=FILE", rows[i].flag, rows[i].env);
    } else {
      if (rows[i].type == CONFIG_STRING && rows[i].str_def && !*rows[i].str_def)
        snprintf(key, sizeof(key), "\n#%s:", rows[i].name); /* empty default: commented out */
      else
        snprintf(key, sizeof(key), "\n%s: ", rows[i].name);
      char envflag[128];
      snprintf(envflag, sizeof(envflag), "(%s, --%s)", rows[i].env, rows[i].flag);
      assert_non_null(strstr(sample, envflag));
    }
    if (!strstr(sample, key))
      fail_msg("sample lacks '%s'", key);
  }
  /* the sample is a valid config that spells out the defaults */
  write_file(sample);
  free(sample);
  struct config c;
  config_init(&c);
  if (load(&c, "--config", cfgpath, NULL) != 0)
    fail_msg("sample rejected: %s", errbuf);
  assert_string_equal(c.config_file, cfgpath);
  config_free(&c);
  config_init(&c);
  setenv("WHARF_CONFIG", cfgpath, 1);
  assert_int_equal(load(&c, NULL), 0);
  unsetenv("WHARF_CONFIG");
  free(c.config_file);
  c.config_file = NULL;   /* the only field not at its default */
  assert_defaults(&c);
  config_free(&c);
}

static void test_parse_listen(void **state)
{
  char host[64] = "untouched";
  int port = -1;
  assert_int_equal(config_parse_listen("127.0.0.1:5000", host, sizeof(host), &port), 0);
  assert_string_equal(host, "127.0.0.1");
  assert_int_equal(port, 5000);
  assert_int_equal(config_parse_listen("[::1]:443", host, sizeof(host), &port), 0);
  assert_string_equal(host, "::1");
  assert_int_equal(port, 443);
  assert_int_equal(config_parse_listen("[fe80::1%eth0]:65535", host, sizeof(host), &port), 0);
  assert_string_equal(host, "fe80::1%eth0");
  assert_int_equal(config_parse_listen("registry.example-1.com:1", host, sizeof(host), &port), 0);
  assert_string_equal(host, "registry.example-1.com");
  assert_int_equal(port, 1);

  static const char *bad[] = { "", ":5000", "host", "host:", "host:0", "host:65536",
                               "host:99999999", "host:-1", "host:+80", "host:80x", "::1:5000",
                               "[::1]", "[::1]5000", "[]:5000", "[zz]:5000", "a b:80",
                               "[::1:5000", "host: 80" };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    strcpy(host, "untouched");
    port = -1;
    if (config_parse_listen(bad[i], host, sizeof(host), &port) != ERR_INVALID)
      fail_msg("accepted '%s'", bad[i]);
    assert_string_equal(host, "untouched");
    assert_int_equal(port, -1);
  }
  /* host must fit */
  char small[4] = "abc";
  assert_int_equal(config_parse_listen("abcd:80", small, sizeof(small), &port), ERR_INVALID);
  assert_string_equal(small, "abc");
  assert_int_equal(config_parse_listen("abc:80", small, sizeof(small), &port), 0);
}

static void test_worker_threads(void **state)
{
  struct config c;
  config_init(&c);
  long n = config_worker_threads(&c);
  assert_true(n >= 4 && n <= 1024);
  assert_int_equal(n % 2, 0);
  c.threads = 3;
  assert_int_equal(config_worker_threads(&c), 3);
  config_free(&c);
}

int main(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/wharf-test-config-XXXXXX");
  if (!mkdtemp(tmpdir))
    return 1;
  snprintf(cfgpath, sizeof(cfgpath), "%s/wharf.yaml", tmpdir);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
    cmocka_unit_test_setup_teardown(test_table_conventions, setup, teardown),
    cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
    cmocka_unit_test_setup_teardown(test_config_flag_beats_env, setup, teardown),
    cmocka_unit_test_setup_teardown(test_flag_forms, setup, teardown),
    cmocka_unit_test_setup_teardown(test_help_flag, setup, teardown),
    cmocka_unit_test_setup_teardown(test_flag_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_env_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_file_ok_shapes, setup, teardown),
    cmocka_unit_test_setup_teardown(test_help_mentions_every_row, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sample_mentions_every_row_and_loads, setup, teardown),
    cmocka_unit_test_setup_teardown(test_parse_listen, setup, teardown),
    cmocka_unit_test_setup_teardown(test_worker_threads, setup, teardown),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  rmdir(tmpdir);
  return failed;
}
