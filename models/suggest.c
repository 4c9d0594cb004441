/*
** "Did you mean": the closest of a list of names to one given, for the
** messages that refuse an unknown field, enum value or entity. Optimal
** string alignment distance (typos, a dropped or swapped letter), ignoring
** case; a name further than a third of its length is no suggestion.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static size_t distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 64 || m > 64) return (size_t)-1;
  size_t d[65][65];
  for (size_t i = 0; i <= n; i++) d[i][0] = i;
  for (size_t j = 0; j <= m; j++) d[0][j] = j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
      size_t best = d[i - 1][j - 1] + !same;
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[n][m];
}

const char *mu_closest(const char *given, const char *const *names, size_t n) {
  const char *best = NULL;
  size_t bestd = (size_t)-1, len = strlen(given);
  size_t limit = len / 3 > 1 ? len / 3 : 1;
  for (size_t i = 0; i < n && names[i]; i++) {
    size_t d = distance(given, names[i]);
    if (d < bestd) {
      bestd = d;
      best = names[i];
    }
  }
  return best && bestd <= limit && bestd < len ? best : NULL;
}

const char *mu_closest_field(const mu_entity *e, const char *given) {
  const char *names[128];
  size_t n = 0;
  for (size_t i = 0; i < e->nfields && n < 128; i++) names[n++] = e->fields[i].name;
  for (size_t i = 0; i < e->nrels && n < 128; i++) names[n++] = e->rels[i].name;
  return mu_closest(given, names, n);
}
