/*
** The distributions design-based inference needs: the normal quantile,
** Student's t and the F distribution, and the beta distribution (for the
** Korn-Graubard interval), to the precision R gives (1e-10 or better).
** The regularized incomplete beta function is evaluated by its continued
** fraction (modified Lentz); quantiles by Newton's method inside a
** shrinking bracket (invert), which cannot fail. A crosstab asks for
** several quantiles per cell, so they must be quick as well as right.
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

/*
** The x in (lo, hi) where cdf(x) = p, for an increasing cdf with density
** pdf, from a first guess x: Newton's method kept inside a bracket that
** every step narrows, with a bisection step whenever Newton would leave it.
** From a normal approximation, three or four evaluations where bisection
** alone takes sixty (each a continued fraction of up to sqrt(a) terms), and
** it still cannot fail.
*/
typedef double (*dist_fn)(double x, const double *par);

static double invert(double p, double x, double lo, double hi, dist_fn cdf, dist_fn pdf, dist_fn dlogpdf,
                     const double *par) {
  if (!(x > lo && x < hi)) x = lo + (hi - lo) / 2;
  for (int i = 0; i < 400; i++) {
    double fx = cdf(x, par) - p;
    if (fx == 0) return x;
    if (fx < 0) lo = x;
    else hi = x;
    double step = fx / pdf(x, par);
    /* Halley's correction where the density's log-derivative is known: the error cubes each step, so a
       step below 1e-9 of x leaves one far below R's own precision, and the last evaluation is saved */
    if (dlogpdf) step /= 1 - 0.5 * step * dlogpdf(x, par);
    double next = x - step;
    if (!(next > lo && next < hi)) next = lo + (hi - lo) / 2;
    else if (dlogpdf && fabs(step) <= 1e-9 * fabs(x)) return next;
    if (next == x || fabs(next - x) <= 1e-15 * fabs(x)) return next;
    if (hi <= lo || next <= lo || next >= hi) return next;
    x = next;
  }
  return x;
}

static double beta_cdf(double x, const double *ab) { return mu_pbeta(x, ab[0], ab[1]); }
static double beta_dlogpdf(double x, const double *ab) { return (ab[0] - 1) / x - (ab[1] - 1) / (1 - x); }
static double beta_pdf(double x, const double *ab) {
  double a = ab[0], b = ab[1];
  return exp(lgamma(a + b) - lgamma(a) - lgamma(b) + (a - 1) * log(x) + (b - 1) * log1p(-x));
}

/* The p quantile of Beta(a, b). */
double mu_qbeta(double p, double a, double b) {
  if (!(a > 0 && b > 0) || !(p >= 0 && p <= 1)) return NAN;
  if (p == 0) return 0;
  if (p == 1) return 1;
  const double ab[2] = {a, b};
  /* the first guess: the normal approximation corrected for the skew (Cornish-Fisher, one term) */
  double mean = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))), z = mu_qnorm(p);
  double skew = 2 * (b - a) * sqrt(a + b + 1) / ((a + b + 2) * sqrt(a * b));
  return invert(p, mean + sd * (z + skew * (z * z - 1) / 6), 0, 1, beta_cdf, beta_pdf, beta_dlogpdf, ab);
}

/* P(T <= t) for Student's t with df degrees of freedom (df may be infinite: the normal). */
double mu_pt(double t, double df) {
  if (isnan(t) || !(df > 0)) return NAN;
  if (isinf(df)) return 0.5 * erfc(-t / sqrt(2));
  double tail = 0.5 * mu_pbeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

static double t_cdf(double t, const double *df) { return mu_pt(t, df[0]); }
static double t_pdf(double t, const double *df) {
  double v = df[0];
  return exp(lgamma((v + 1) / 2) - lgamma(v / 2) - 0.5 * log(v * M_PI) - (v + 1) / 2 * log1p(t * t / v));
}

/* The p quantile of Student's t, from the first terms of its Cornish-Fisher expansion about the normal's. */
double mu_qt(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
  if (isinf(df)) return mu_qnorm(p);
  if (p == 0.5) return 0;
  double z = mu_qnorm(p), guess = z + (z * z * z + z) / (4 * df), step = 1e-3 * (1 + fabs(guess));
  double lo = guess - step, hi = guess + step;
  while (mu_pt(lo, df) > p) lo -= (step *= 2);
  step = 1e-3 * (1 + fabs(guess));
  while (mu_pt(hi, df) < p) hi += (step *= 2);
  return invert(p, guess, lo, hi, t_cdf, t_pdf, NULL, &df);
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
