/*
** libFuzzer harness for the option parser (host/options.c), which reads
** every command's arguments. The input is an argument vector, one argument
** a line: the first line names the command (any other first line picks one
** by its first byte). Any vector: no crash, no overread (ASan), and the
** result keeps its promises:
**   - a refusal names the command and says why;
**   - an accepted number lies in its declared range (and is whole when it
**     must be), a flag has no value, a list holds each value given;
**   - the arguments left are argv's own, in argv's order, NULL-terminated,
**     and for run (options stop at the script) exactly argv's tail.
**   make fuzz (clang), or replayed over tests/fuzz/corpus/options by make test.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../host/host.h"

#define MAX_ARGS 40

static void check(const host_args *a, int rc, char **argv, int argc) {
  const host_command *cmd = a->cmd;
  size_t n = strlen(cmd->name);
  if (rc != 0) {   /* "CMD: reason" */
    if (rc != -1 || strncmp(a->why, cmd->name, n) != 0 || strncmp(a->why + n, ": ", 2) != 0 || !a->why[n + 2]) abort();
    return;
  }
  if (a->why[0]) abort();
  for (int k = 0; cmd->opts[k].name; k++) {
    const host_opt *o = &cmd->opts[k];
    const host_optval *v = &a->val[k];
    if (!v->given) {
      if (v->text || v->nlist) abort();
      continue;
    }
    if (o->kind == HOST_FLAG && v->text) abort();
    if ((o->kind == HOST_TEXT || o->kind == HOST_NUMBER || o->kind == HOST_LIST) && !v->text) abort();
    if (o->kind == HOST_NUMBER &&
        (!(v->number >= o->min && v->number <= o->max) || (o->above && v->number <= o->min) ||
         (o->whole && v->number != floor(v->number))))
      abort();
    if (o->kind == HOST_LIST && (v->nlist != v->given || v->nlist > HOST_LIST_MAX)) abort();
  }
  if (a->npos < 0 || a->npos > argc || a->pos[a->npos] != NULL) abort();
  int at = 0;   /* each argument left is one of argv's, in argv's order */
  for (int p = 0; p < a->npos; p++) {
    while (at < argc && argv[at] != a->pos[p]) at++;
    if (at++ == argc) abort();
  }
  if (cmd->stop)
    for (int p = 0; p < a->npos; p++)
      if (a->pos[p] != argv[argc - a->npos + p]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1), *argv[MAX_ARGS];
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  int argc = 0;
  char *line = text;
  for (char *nl; argc < MAX_ARGS && line; line = nl ? nl + 1 : NULL) {
    nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    argv[argc++] = line;
  }
  size_t ncmd = 0;
  while (host_commands[ncmd].name) ncmd++;
  const host_command *cmd = host_command_find(argv[0]);
  if (!cmd) cmd = &host_commands[size ? data[0] % ncmd : 0];
  host_args a;
  int rc = host_getopt(cmd->name, argc - 1, argv + 1, &a);
  check(&a, rc, argv + 1, argc - 1);
  if (rc == 0) {   /* the count check the commands use: refuses with a message, or passes */
    int min = size > 1 ? data[1] % 4 : 0, max = size > 2 ? (int)(data[2] % 5) - 1 : -1;
    char before[sizeof a.why];
    memcpy(before, a.why, sizeof before);
    int r = host_getopt_args(&a, min, max);
    if (r == 0 ? memcmp(before, a.why, sizeof before) != 0 : (r != -1 || !a.why[0])) abort();
    if (r == 0 && (a.npos < min || (max >= 0 && a.npos > max))) abort();
  }
  host_args_free(&a);
  free(text);
  return 0;
}
