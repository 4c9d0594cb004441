/*
** Disclosure control for published survey tables. A group whose
** unweighted base is below the threshold is suppressed (all its cells).
** Then complementary suppression: the table's overall margin is shown, so a
** single suppressed group could be recovered by subtracting the others from
** it, and two small ones together could still be small. More groups are
** suppressed, smallest first, until the suppressed groups together have at
** least the threshold's base and number two or more, so that nothing hidden
** can be recovered, alone or summed, from the margins and the cells shown.
** R's survey does none of this; analysts publishing staff survey results
** must.
*/
#include "model.h"

static void mark(mu_table *t, int g, int how) {
  for (int k = 0; k <= t->nopts; k++)
    if (!t->cells[g * (t->nopts + 1) + k].suppressed) t->cells[g * (t->nopts + 1) + k].suppressed = how;
}

int mu_suppress(mu_table *t, int min_base) {
  int C = t->nopts + 1, hidden = 0;
  long long hidden_base = 0;
  if (min_base <= 0) return 0;
  for (int g = 0; g < t->ngroups; g++) {
    long long base = t->cells[g * C + t->nopts].n;
    if (base > 0 && base < min_base) {
      mark(t, g, 1);
      hidden++;
      hidden_base += base;
    }
  }
  /* The whole itself, when too small: everything goes. */
  if (t->cells[t->ngroups * C + t->nopts].n < min_base) {
    for (int g = 0; g <= t->ngroups; g++) mark(t, g, t->cells[g * C + t->nopts].n < min_base ? 1 : 2);
    return 0;
  }
  while (hidden > 0 && (hidden < 2 || hidden_base < min_base)) {
    int pick = -1;
    for (int g = 0; g < t->ngroups; g++) {
      long long base = t->cells[g * C + t->nopts].n;
      if (base > 0 && !t->cells[g * C].suppressed && (pick < 0 || base < t->cells[pick * C + t->nopts].n)) pick = g;
    }
    if (pick < 0) {   /* no group left to hide: the margin would give them away, so it goes too */
      mark(t, t->ngroups, 2);
      return 0;
    }
    mark(t, pick, 2);
    hidden++;
    hidden_base += t->cells[pick * C + t->nopts].n;
  }
  return 0;
}
