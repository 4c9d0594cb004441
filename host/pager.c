/*
** Long output in the REPL goes through a pager, as psql and git do: when the
** session is interactive and the text has more lines than the terminal,
** it is written to $MUTUALS_PAGER, else $PAGER, else `less -S` (long lines
** are cut, not wrapped, so a wide table keeps its columns; ←/→ scroll). An
** empty variable means no pager. Piped sessions never page.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <readline/readline.h>
#include "host.h"

static int lines_of(const char *text, size_t len) {
  int n = 1;
  for (size_t i = 0; i < len; i++) n += text[i] == '\n';
  return n;
}

void host_page(const char *text, size_t len, int interactive) {
  int rows = 0, cols = 0;
  const char *pager = getenv("MUTUALS_PAGER");
  if (!pager) pager = getenv("PAGER");
  if (!pager) pager = "less -S";
  if (interactive && *pager) rl_get_screen_size(&rows, &cols);
  if (!interactive || !*pager || rows <= 0 || lines_of(text, len) < rows - 1) {
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return;
  }
  fflush(stdout);
  /* the user may quit the pager before reading it all: a broken pipe then is no error */
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);
  FILE *p = popen(pager, "w");
  if (p) {
    fwrite(text, 1, len, p);
    if (pclose(p) == -1) p = NULL;
  }
  if (!p) {   /* no pager could start: the text as it is */
    fwrite(text, 1, len, stdout);
    fflush(stdout);
  }
  signal(SIGPIPE, old);
}
