/*
** The distributions design-based inference needs: the normal quantile,
** Student's t and the F distribution, and the beta distribution (for the
** Korn-Graubard interval), to the precision R gives (1e-10 or better).
** The regularized incomplete beta function is evaluated by its continued
** fraction (modified Lentz); quantiles are found by bisection, which is
** slow next to Newton's method but cannot fail, and these run a few times
** per table, not per row.
*/
#include <math.h>
#include "model.h"

/* Wichura's AS241 (PPND16): the standard normal quantile, about 1e-16 relative. */
double mu_qnorm(double p) {
  if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
  double q = p - 0.5, r, x;
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
                    45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
                 133.14166789178437745) * r + 3.387132872796366608) /
           (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
                21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
             42.313330701600911252) * r + 1.0);
  }
  r = q < 0 ? p : 1 - p;
  r = sqrt(-log(r));
  if (r <= 5) {
    r -= 1.6;
    x = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
             1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
          4.6303378461565452959) * r + 1.42343711074968357734) /
        (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
             0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r +
          2.05319162663775882187) * r + 1.0);
  } else {
    r -= 5;
    x = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
             0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r +
          5.4637849111641143699) * r + 6.6579046435011037772) /
        (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
             7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r +
          0.59983220655588793769) * r + 1.0);
  }
  return q < 0 ? -x : x;
}

/* The continued fraction of the incomplete beta function (modified Lentz). */
static double beta_cf(double x, double a, double b) {
  const double tiny = 1e-300, eps = 1e-16;
  double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
  if (fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; m++) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) < eps) break;
  }
  return h;
}

/* The regularized incomplete beta function I_x(a, b). */
double mu_pbeta(double x, double a, double b) {
  if (!(a > 0 && b > 0) || isnan(x)) return NAN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  /* The fraction converges fast for x below the mean; use the symmetry above it. */
  if (x < (a + 1) / (a + b + 2)) return exp(lbt) * beta_cf(x, a, b) / a;
  return 1 - exp(lbt) * beta_cf(1 - x, b, a) / b;
}

/* The p quantile of Beta(a, b), by bisection to the last bit. */
double mu_qbeta(double p, double a, double b) {
  if (!(a > 0 && b > 0) || !(p >= 0 && p <= 1)) return NAN;
  if (p == 0) return 0;
  if (p == 1) return 1;
  double lo = 0, hi = 1;
  for (int i = 0; i < 200 && hi - lo > 1e-300; i++) {
    double mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (mu_pbeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/* P(T <= t) for Student's t with df degrees of freedom (df may be infinite: the normal). */
double mu_pt(double t, double df) {
  if (isnan(t) || !(df > 0)) return NAN;
  if (isinf(df)) return 0.5 * erfc(-t / sqrt(2));
  double tail = 0.5 * mu_pbeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/* The p quantile of Student's t. */
double mu_qt(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
  if (isinf(df)) return mu_qnorm(p);
  if (p == 0.5) return 0;
  double lo = -1, hi = 1;
  while (mu_pt(lo, df) > p) lo *= 2;
  while (mu_pt(hi, df) < p) hi *= 2;
  for (int i = 0; i < 200; i++) {
    double mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (mu_pt(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/* P(F > f) for the F distribution with d1 and d2 degrees of freedom. */
double mu_pf_upper(double f, double d1, double d2) {
  if (!(d1 > 0 && d2 > 0) || isnan(f)) return NAN;
  if (f <= 0) return 1;
  if (isinf(d2)) {   /* d1 * F tends to chi-square with d1 degrees of freedom */
    double x = d1 * f / 2, a = d1 / 2;
    /* upper regularized gamma Q(a, x) by its series or continued fraction */
    if (x < a + 1) {
      double sum = 1 / a, term = sum;
      for (int n = 1; n < 10000; n++) {
        term *= x / (a + n);
        sum += term;
        if (term < sum * 1e-16) break;
      }
      return 1 - sum * exp(-x + a * log(x) - lgamma(a));
    }
    double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
    for (int n = 1; n < 10000; n++) {
      double an = -n * (n - a);
      b += 2;
      d = an * d + b;
      if (fabs(d) < 1e-300) d = 1e-300;
      c = b + an / c;
      if (fabs(c) < 1e-300) c = 1e-300;
      d = 1 / d;
      double del = d * c;
      h *= del;
      if (fabs(del - 1) < 1e-16) break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
  }
  return mu_pbeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}
