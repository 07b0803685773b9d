#include "config/config.h"

#include <stddef.h>
#include <stdio.h>

/* --help and the sample config file, generated from the table in config_table.c
 * through config_rows() so neither can drift from what the loader accepts. */

static void default_text(const struct config_row *r, char *out, size_t n)
{
  if (r->type == CONFIG_STRING)
    snprintf(out, n, "%s", r->str_def ? r->str_def : "none");
  else if (r->type == CONFIG_BOOL)
    snprintf(out, n, "%s", r->int_def ? "true" : "false");
  else
    snprintf(out, n, "%ld", r->int_def);
}

void config_print_help(FILE *f, const char *cmd)
{
  char left[96], def[128];
  fprintf(f, "usage: wharf %s [options]\n\n", cmd);
  fprintf(f, "Each option can also be set by the environment variable shown, or in the\n"
             "--config YAML file under its name with '_' for '-' (`wharf serve\n"
             "--sample-config` prints a sample file documenting every option).\n"
             "Flags win over the environment, the environment over the file; an empty\n"
             "environment variable counts as unset.\n\n");
  size_t n;
  const struct config_row *rows = config_rows(&n);
  for (size_t i = 0; i < n; i++) {
    const struct config_row *r = &rows[i];
    if (r->type == CONFIG_BOOL)
      snprintf(left, sizeof(left), "--[no-]%s", r->flag);
    else
      snprintf(left, sizeof(left), "--%s %s", r->flag, r->metavar);
    default_text(r, def, sizeof(def));
    if (r->type == CONFIG_INT)
      fprintf(f, "  %-30s %-26s %s (%ld..%ld, default %s)\n", left, r->env, r->help, r->min,
              r->max, def);
    else
      fprintf(f, "  %-30s %-26s %s (default %s)\n", left, r->env, r->help, def);
  }
  fprintf(f, "  %-30s %-26s %s\n", "-h, --help", "", "show this help and exit");
}

/* Writes s as a double-quoted YAML scalar. */
static void yaml_quote(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20 || ch == 0x7f)
      fprintf(f, "\\x%02x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

void config_print_sample(FILE *f)
{
  size_t n;
  const struct config_row *rows = config_rows(&n), *cf = rows;
  while (cf->offset != offsetof(struct config, config_file))
    cf++;
  fprintf(f, "# wharf configuration (YAML, flat 'key: value').\n"
             "# Load it with --%s FILE or %s=FILE. Every key is optional and shown\n"
             "# here with its default. The environment variable and flag named after\n"
             "# each key override the file.\n", cf->flag, cf->env);
  for (size_t i = 0; i < n; i++) {
    const struct config_row *r = &rows[i];
    if (r->cli_only)
      continue;
    fprintf(f, "\n# %s.", r->help);
    if (r->type == CONFIG_INT)
      fprintf(f, " %ld..%ld.", r->min, r->max);
    fprintf(f, " (%s, --%s)\n", r->env, r->flag);
    if (r->type == CONFIG_STRING && (!r->str_def || !*r->str_def))
      fprintf(f, "#%s:\n", r->name);
    else if (r->type == CONFIG_STRING) {
      fprintf(f, "%s: ", r->name);
      yaml_quote(f, r->str_def);
      fputc('\n', f);
    } else if (r->type == CONFIG_BOOL)
      fprintf(f, "%s: %s\n", r->name, r->int_def ? "true" : "false");
    else
      fprintf(f, "%s: %ld\n", r->name, r->int_def);
  }
}
