/*
** The statistics analysts quote: Wilson score intervals for shares and the
** two-proportion z-test, with the rules their inputs must keep. Growth and
** compound rates are qualified arithmetic (qvalue.c): a year-only date is
** the whole year, never its middle.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

/*
** Wilson score interval for a share p observed in n respondents; z = 1.96
** for 95%. Preferred to the normal approximation because it stays inside
** [0, 1] and behaves for small n and shares near 0 or 1.
*/
mu_interval mu_wilson(double p, double n, double z) {
  mu_interval iv = {NAN, NAN};
  if (!(n > 0) || !isfinite(n) || !(p >= 0 && p <= 1) || !(z > 0) || !isfinite(z)) return iv;
  double z2 = z * z;
  double denom = 1 + z2 / n;
  double centre = (p + z2 / (2 * n)) / denom;
  double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  iv.lo = fmax(0, centre - half);
  iv.hi = fmin(1, centre + half);
  return iv;
}

/*
** The rules every statistic's inputs must keep: a share in [0, 1], a count
** of respondents that is whole, positive and finite, a count of answers
** between 0 and n, a z above 0. 0, or -1 with the broken rule in why
** (naming the argument as `what` says).
*/
int mu_check_share(double p, const char *what, char *why, size_t len) {
  if (p >= 0 && p <= 1) return 0;
  snprintf(why, len, "%s must be a share between 0 and 1, not %g", what, p);
  return -1;
}

int mu_check_n(double n, const char *what, char *why, size_t len) {
  if (isfinite(n) && n > 0 && n == floor(n)) return 0;
  snprintf(why, len, "%s must be a whole number of respondents greater than 0, not %g", what, n);
  return -1;
}

int mu_check_count(double x, double n, const char *what, char *why, size_t len) {
  if (isfinite(x) && x >= 0 && x == floor(x) && x <= n) return 0;
  snprintf(why, len, "%s must be a whole number from 0 to n (%g), not %g", what, n, x);
  return -1;
}

int mu_check_z(double z, char *why, size_t len) {
  if (isfinite(z) && z > 0) return 0;
  snprintf(why, len, "z must be a number greater than 0 (1.96 for 95%%), not %g", z);
  return -1;
}

/* Pooled two-proportion z-test; two-sided p-value from the normal tail. */
double mu_two_prop(double p1, double n1, double p2, double n2, double *pvalue) {
  if (!(p1 >= 0 && p1 <= 1) || !(p2 >= 0 && p2 <= 1) || !isfinite(n1) || !isfinite(n2)) {
    *pvalue = NAN;
    return NAN;
  }
  double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  double se = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(n1 > 0) || !(n2 > 0) || !(se > 0)) {
    *pvalue = NAN;
    return NAN;
  }
  double z = (p1 - p2) / se;
  *pvalue = erfc(fabs(z) / sqrt(2));
  return z;
}
