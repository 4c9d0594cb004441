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

/* The groups being protected: a table's rows of cells, or its means; row ngroups is the whole. */
typedef struct {
  mu_table *t;
  int means;
} rows;

static long long base_of(const rows *r, int g) {
  return r->means ? r->t->means[g].n : r->t->cells[g * (r->t->nopts + 1) + r->t->nopts].n;
}

static int hidden_already(const rows *r, int g) {
  return r->means ? r->t->means[g].suppressed : r->t->cells[g * (r->t->nopts + 1)].suppressed;
}

static void mark(const rows *r, int g, int how) {
  mu_table *t = r->t;
  if (r->means) {
    if (!t->means[g].suppressed) t->means[g].suppressed = how;
    return;
  }
  for (int k = 0; k <= t->nopts; k++)
    if (!t->cells[g * (t->nopts + 1) + k].suppressed) t->cells[g * (t->nopts + 1) + k].suppressed = how;
}

static void suppress(const rows *r, int min_base) {
  int G = r->t->ngroups, hidden = 0;
  long long hidden_base = 0;
  if (min_base <= 0) return;
  for (int g = 0; g < G; g++) {
    long long base = base_of(r, g);
    if (base > 0 && base < min_base) {
      mark(r, g, 1);
      hidden++;
      hidden_base += base;
    }
  }
  /* The whole itself, when too small: everything goes. */
  if (base_of(r, G) < min_base) {
    for (int g = 0; g <= G; g++) mark(r, g, base_of(r, g) < min_base ? 1 : 2);
    return;
  }
  while (hidden > 0 && (hidden < 2 || hidden_base < min_base)) {
    int pick = -1;
    for (int g = 0; g < G; g++) {
      long long base = base_of(r, g);
      if (base > 0 && !hidden_already(r, g) && (pick < 0 || base < base_of(r, pick))) pick = g;
    }
    if (pick < 0) {   /* no group left to hide: the margin would give them away, so it goes too */
      mark(r, G, 2);
      return;
    }
    mark(r, pick, 2);
    hidden++;
    hidden_base += base_of(r, pick);
  }
}

int mu_suppress(mu_table *t, int min_base) {
  rows r = {t, 0};
  suppress(&r, min_base);
  return 0;
}

/* A mean is protected on its own base (those scored): a group's mean and the whole's give its total away. */
void mu_suppress_means(mu_table *t, int min_base) {
  if (!t->means) return;
  rows r = {t, 1};
  suppress(&r, min_base);
}
