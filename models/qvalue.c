/*
** Qualified values: numbers as the sources state them, and the arithmetic
** that keeps them honest. A value is what is known of a true number: an
** interval [lo, hi] (strict at "more than", unbounded at "at least"), an
** approximation, or nothing at all. Sums, products, ratios, maxima and
** growth rates are computed on the intervals, so the result always holds
** every true value the inputs allow and no more: "at least 58" plus 20 is
** "at least 78", the max of 58 and "at least 58" is "at least 58", and a sum
** with an unknown term is unknown (or "at least" the known part, with "n of
** m known", when no term can be negative).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static void blank(mu_qv *q) {
  memset(q, 0, sizeof *q);
  q->known = 1;
  q->nterms = 1;
  q->nknown = 1;
}

int mu_qv_make(mu_qv *q, double v, const char *qualifier, const char *unit) {
  static const char *const words[] = {"exact", "at_least", "more_than", "at_most", "up_to", "less_than",
                                      "approximately", "around", "about", "unknown", NULL};
  int w = 0;
  if (!qualifier) qualifier = "exact";
  while (words[w] && strcmp(words[w], qualifier) != 0) w++;
  if (!words[w]) return -1;
  blank(q);
  snprintf(q->unit, sizeof q->unit, "%s", unit ? unit : "");
  snprintf(q->word, sizeof q->word, "%s", qualifier);
  q->lo = q->hi = v;
  if (!isfinite(v) || w == 9) {
    q->known = 0;
    q->nknown = 0;
    q->lo = -INFINITY;
    q->hi = INFINITY;
    return 0;
  }
  switch (w) {
    case 1: q->hi = INFINITY; break;
    case 2: q->hi = INFINITY; q->lo_open = 1; break;
    case 3: case 4: q->lo = -INFINITY; break;
    case 5: q->lo = -INFINITY; q->hi_open = 1; break;
    case 6: case 7: case 8: q->approx = 1; break;
    default: break;
  }
  return 0;
}

void mu_qv_unknown(mu_qv *q, const char *unit) {
  mu_qv_make(q, NAN, "unknown", unit);
}

void mu_qv_set_nonneg(mu_qv *q) {
  q->nonneg = 1;
  if (q->known && q->lo < 0) {
    q->lo = 0;
    q->lo_open = 0;
  }
}

void mu_qv_set_date(mu_qv *q, const char *date) {
  if (date && *date) {
    snprintf(q->date_from, sizeof q->date_from, "%s", date);
    snprintf(q->date_to, sizeof q->date_to, "%s", date);
    q->undated = 0;
  } else {
    q->date_from[0] = q->date_to[0] = '\0';
    q->undated = 1;
  }
}

void mu_qv_set_geography(mu_qv *q, const char *g) {
  snprintf(q->geography, sizeof q->geography, "%s", g ? g : "");
}

void mu_qv_add_source(mu_qv *q, long long id) {
  for (int i = 0; i < q->nsources; i++)
    if (q->sources[i] == id) return;
  if (q->nsources < MU_QV_MAXSRC)
    q->sources[q->nsources++] = id;
  else
    q->more_sources++;
}

/* ---------------------------------------------------------------- what is known */

static int upper_only(const mu_qv *q) {
  return isfinite(q->hi) && (q->lo == -INFINITY || (q->nonneg && q->lo == 0 && !q->lo_open));
}

const char *mu_qv_qualifier(const mu_qv *q) {
  if (!q->known || (q->lo == -INFINITY && q->hi == INFINITY)) return "unknown";
  if (q->lo == q->hi) {
    if (!q->approx) return "exact";
    if (!strcmp(q->word, "around") || !strcmp(q->word, "about")) return q->word;
    return "approximately";
  }
  if (q->hi == INFINITY) return q->lo_open ? "more_than" : "at_least";
  if (upper_only(q)) return q->hi_open ? "less_than" : !strcmp(q->word, "at_most") ? "at_most" : "up_to";
  return "between";
}

double mu_qv_value(const mu_qv *q) {
  const char *k = mu_qv_qualifier(q);
  if (!strcmp(k, "unknown") || !strcmp(k, "between")) return NAN;
  return upper_only(q) ? q->hi : q->lo;
}

/* ---------------------------------------------------------------- merging what a result came from */

static int merge_units(const mu_qv *a, const mu_qv *b, char *unit, char *err, size_t errlen) {
  if (a->unit[0] && b->unit[0] && strcmp(a->unit, b->unit) != 0) {
    snprintf(err, errlen, "units differ ('%s' and '%s'): convert one first", a->unit, b->unit);
    return -1;
  }
  snprintf(unit, sizeof a->unit, "%s", a->unit[0] ? a->unit : b->unit);
  return 0;
}

/* Dates, geography, sources and term counts of a result of a and b. */
static void merge_meta(const mu_qv *a, const mu_qv *b, mu_qv *out) {
  mu_qv m = *a;
  if (!m.date_from[0] || (b->date_from[0] && strcmp(b->date_from, m.date_from) < 0))
    memcpy(m.date_from, b->date_from, sizeof m.date_from);
  if (!m.date_to[0] || (b->date_to[0] && strcmp(b->date_to, m.date_to) > 0))
    memcpy(m.date_to, b->date_to, sizeof m.date_to);
  m.undated = a->undated + b->undated;
  m.geo_mixed = a->geo_mixed || b->geo_mixed || strcmp(a->geography, b->geography) != 0;
  if (m.geo_mixed) m.geography[0] = '\0';
  for (int i = 0; i < b->nsources; i++) mu_qv_add_source(&m, b->sources[i]);
  m.more_sources += b->more_sources;
  m.nterms = a->nterms + b->nterms;
  m.nknown = a->nknown + b->nknown;
  memcpy(out->date_from, m.date_from, sizeof m.date_from);
  memcpy(out->date_to, m.date_to, sizeof m.date_to);
  out->undated = m.undated;
  memcpy(out->geography, m.geography, sizeof m.geography);
  out->geo_mixed = m.geo_mixed;
  memcpy(out->sources, m.sources, sizeof m.sources);
  out->nsources = m.nsources;
  out->more_sources = m.more_sources;
  out->nterms = m.nterms;
  out->nknown = m.nknown;
}

static void set_unknown(mu_qv *q) {
  q->known = 0;
  q->lo = -INFINITY;
  q->hi = INFINITY;
  q->lo_open = q->hi_open = q->approx = 0;
}

/* ---------------------------------------------------------------- arithmetic */

int mu_qv_add(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen) {
  mu_qv r;
  blank(&r);
  if (merge_units(a, b, r.unit, err, errlen)) return -1;
  merge_meta(a, b, &r);
  r.nonneg = a->nonneg && b->nonneg;
  if (!a->known || !b->known) {
    set_unknown(&r);
  } else {
    r.lo = a->lo + b->lo;   /* lo is never +inf nor hi -inf: no inf - inf */
    r.hi = a->hi + b->hi;
    r.lo_open = a->lo_open || b->lo_open;
    r.hi_open = a->hi_open || b->hi_open;
    r.approx = a->approx || b->approx;
  }
  *out = r;
  return 0;
}

void mu_qv_neg(const mu_qv *a, mu_qv *out) {
  mu_qv r = *a;
  r.lo = -a->hi;
  r.hi = -a->lo;
  r.lo_open = a->hi_open;
  r.hi_open = a->lo_open;
  r.nonneg = 0;
  r.word[0] = '\0';
  if (!r.known) set_unknown(&r);
  *out = r;
}

int mu_qv_sub(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen) {
  mu_qv nb;
  mu_qv_neg(b, &nb);
  if (mu_qv_add(a, &nb, out, err, errlen)) return -1;
  out->nonneg = 0;
  return 0;
}

/* x * y where 0 times an infinite bound is 0: the bound is never reached. */
static double times(double x, double y) {
  if (x == 0 || y == 0) return 0;
  return x * y;
}

/* The product interval of [alo, ahi] and [blo, bhi], with strictness. */
static void interval_mul(const mu_qv *a, const mu_qv *b, mu_qv *r) {
  double xs[2] = {a->lo, a->hi}, ys[2] = {b->lo, b->hi};
  int xo[2] = {a->lo_open, a->hi_open}, yo[2] = {b->lo_open, b->hi_open};
  int first = 1;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      double p = times(xs[i], ys[j]);
      int open = (xo[i] && ys[j] != 0) || (yo[j] && xs[i] != 0);
      if (first || p < r->lo || (p == r->lo && !open)) {
        if (first || p < r->lo) r->lo_open = open;
        else r->lo_open = r->lo_open && open;
        r->lo = p;
      }
      if (first || p > r->hi || (p == r->hi && !open)) {
        if (first || p > r->hi) r->hi_open = open;
        else r->hi_open = r->hi_open && open;
        r->hi = p;
      }
      first = 0;
    }
}

static void mul_unit(const mu_qv *a, const mu_qv *b, char *unit) {
  if (!a->unit[0] || !b->unit[0])
    snprintf(unit, sizeof a->unit, "%s", a->unit[0] ? a->unit : b->unit);
  else
    snprintf(unit, sizeof a->unit, "%.23s*%.23s", a->unit, b->unit);
}

int mu_qv_mul(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen) {
  mu_qv r;
  (void)err;
  (void)errlen;
  blank(&r);
  merge_meta(a, b, &r);
  mul_unit(a, b, r.unit);
  r.nonneg = a->nonneg && b->nonneg;
  if (!a->known || !b->known) {
    set_unknown(&r);
  } else {
    interval_mul(a, b, &r);
    r.approx = a->approx || b->approx;
  }
  *out = r;
  return 0;
}

/* 1 / b, or 0 when b may be 0 (then nothing is known of the quotient). */
static int reciprocal(const mu_qv *b, mu_qv *r) {
  int pos = b->lo > 0 || (b->lo == 0 && b->lo_open);
  int neg = b->hi < 0 || (b->hi == 0 && b->hi_open);
  if (!pos && !neg) return 0;
  *r = *b;
  r->lo = b->hi == INFINITY || b->hi == -INFINITY ? 0 : (b->hi == 0 ? -INFINITY : 1 / b->hi);
  r->hi = b->lo == 0 || b->lo == -INFINITY ? (b->lo == 0 ? INFINITY : 0) : 1 / b->lo;
  r->lo_open = b->hi_open || isinf(b->hi);
  r->hi_open = b->lo_open || isinf(b->lo);
  if (r->hi == INFINITY) r->hi_open = 0;
  if (r->lo == -INFINITY) r->lo_open = 0;
  return 1;
}

/* One end of a / b from ends x of a and y of b (b never holds 0 but may end at it, open). */
static void quotient_end(double x, int xo, double y, int yo, int bpos, double *v, int *open, int *extra,
                         double *ev, int *eopen) {
  *extra = 0;
  if (y == 0) {           /* y tends to 0 from b's side */
    *v = x == 0 ? 0 : ((x > 0) == bpos ? INFINITY : -INFINITY);
    *open = x == 0 && xo;
  } else if (isinf(y)) {
    *v = 0;               /* reached only if x is 0 */
    *open = x != 0 || xo;
    if (isinf(x)) {       /* inf / inf: anything of that sign */
      *extra = 1;
      *ev = (x > 0) == (y > 0) ? INFINITY : -INFINITY;
      *eopen = 0;
    }
  } else if (isinf(x)) {
    *v = (x > 0) == (y > 0) ? INFINITY : -INFINITY;
    *open = 0;
  } else {
    *v = x / y;
    *open = (xo && x != 0) || (yo && x != 0) || (x == 0 && xo);
  }
}

/* Keep v as the new low (or high) end if it is lower (higher), with tie rules for strictness. */
static void take(double v, int open, int first, double *end, int *end_open, int low) {
  if (first || (low ? v < *end : v > *end)) {
    *end = v;
    *end_open = open;
  } else if (v == *end) {
    *end_open = *end_open && open;
  }
}

/* a / b for b that does not hold 0: the extremes over the ends, computed directly (no 1/y rounding). */
static void interval_div(const mu_qv *a, const mu_qv *b, mu_qv *r) {
  double xs[2] = {a->lo, a->hi}, ys[2] = {b->lo, b->hi};
  int xo[2] = {a->lo_open, a->hi_open}, yo[2] = {b->lo_open, b->hi_open};
  int bpos = b->lo > 0 || (b->lo == 0 && b->lo_open), first = 1;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      double v, ev;
      int open, extra, eopen;
      quotient_end(xs[i], xo[i], ys[j], yo[j], bpos, &v, &open, &extra, &ev, &eopen);
      take(v, open, first, &r->lo, &r->lo_open, 1);
      take(v, open, first, &r->hi, &r->hi_open, 0);
      first = 0;
      if (extra) {
        take(ev, eopen, 0, &r->lo, &r->lo_open, 1);
        take(ev, eopen, 0, &r->hi, &r->hi_open, 0);
      }
    }
  if (isinf(r->lo)) r->lo_open = 0;
  if (isinf(r->hi)) r->hi_open = 0;
}

int mu_qv_div(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen) {
  mu_qv r, inv;
  (void)err;
  (void)errlen;
  blank(&r);
  merge_meta(a, b, &r);
  if (a->unit[0] && b->unit[0] && strcmp(a->unit, b->unit) == 0)
    snprintf(r.unit, sizeof r.unit, "ratio");
  else if (!b->unit[0])
    snprintf(r.unit, sizeof r.unit, "%s", a->unit);
  else
    snprintf(r.unit, sizeof r.unit, "%.23s/%.23s", a->unit[0] ? a->unit : "1", b->unit);
  r.nonneg = a->nonneg && b->nonneg;
  if (!a->known || !b->known || !reciprocal(b, &inv)) {
    set_unknown(&r);
  } else {
    interval_div(a, b, &r);
    r.approx = a->approx || b->approx;
  }
  *out = r;
  return 0;
}

/* a < b: 1 certainly, 0 certainly not, -1 not known. */
int mu_qv_lt(const mu_qv *a, const mu_qv *b) {
  if (!a->known || !b->known || a->approx || b->approx) return -1;
  if (a->hi < b->lo || (a->hi == b->lo && (a->hi_open || b->lo_open))) return 1;
  if (a->lo >= b->hi) return 0;
  return -1;
}

/* a <= b: 1 certainly, 0 certainly not, -1 not known. */
int mu_qv_le(const mu_qv *a, const mu_qv *b) {
  if (!a->known || !b->known || a->approx || b->approx) return -1;
  if (a->hi <= b->lo) return 1;
  if (a->lo > b->hi || (a->lo == b->hi && (a->lo_open || b->hi_open))) return 0;
  return -1;
}

int mu_qv_compare(const mu_qv *a, const mu_qv *b) {
  if (!a->known || !b->known || a->approx || b->approx) return 2;
  if (a->lo == a->hi && b->lo == b->hi && a->lo == b->lo) return 0;
  if (a->hi < b->lo || (a->hi == b->lo && (a->hi_open || b->lo_open))) return -1;
  if (b->hi < a->lo || (b->hi == a->lo && (b->hi_open || a->lo_open))) return 1;
  return 2;
}

/* ---------------------------------------------------------------- aggregates */

void mu_qv_fold_init(mu_qv *acc, const char *unit, int nonneg) {
  blank(acc);
  acc->nterms = acc->nknown = 0;
  acc->lo = acc->hi = 0;
  acc->nonneg = nonneg;
  snprintf(acc->unit, sizeof acc->unit, "%s", unit ? unit : "");
}

/*
** Add one term to a sum, min or max. An unknown term leaves a sum unknown
** unless no term can be negative (then the known part is a lower bound);
** it leaves a max at least the largest known term, a min at most the least.
*/
int mu_qv_fold(mu_qv *acc, mu_fold how, const mu_qv *t, char *err, size_t errlen) {
  char unit[sizeof acc->unit];
  int first = acc->nterms == 0;
  if (merge_units(acc, t, unit, err, errlen)) return -1;
  mu_qv r = *acc;
  if (first) {
    memcpy(r.date_from, t->date_from, sizeof r.date_from);
    memcpy(r.date_to, t->date_to, sizeof r.date_to);
    memcpy(r.geography, t->geography, sizeof r.geography);
    r.undated = t->undated;
    r.geo_mixed = t->geo_mixed;
    for (int i = 0; i < t->nsources; i++) mu_qv_add_source(&r, t->sources[i]);
    r.more_sources = t->more_sources;
    r.nterms = t->nterms;
    r.nknown = t->nknown;
  } else {
    merge_meta(acc, t, &r);
  }
  memcpy(r.unit, unit, sizeof r.unit);
  r.word[0] = '\0';
  double floor_ = acc->nonneg ? 0 : -INFINITY;
  if (how == MU_FOLD_SUM) {
    if (!t->known) {
      if (acc->nonneg) r.hi = INFINITY;
      else set_unknown(&r);
    } else if (r.known) {
      r.lo += t->lo;
      r.hi += t->hi;
      r.lo_open = r.lo_open || t->lo_open;
      r.hi_open = r.hi_open || t->hi_open;
      r.approx = r.approx || t->approx;
    }
    if (r.nknown == 0) set_unknown(&r);
  } else {
    int max = how == MU_FOLD_MAX;
    double tlo = t->known ? t->lo : floor_, thi = t->known ? t->hi : INFINITY;
    int tlo_open = t->known && t->lo_open, thi_open = t->known && t->hi_open;
    if (first) {
      r.lo = tlo; r.hi = thi; r.lo_open = tlo_open; r.hi_open = thi_open;
      r.approx = t->known && t->approx;
    } else {
      /* A term that cannot be the max (min) leaves the result as it was, approximation included. */
      int term_out = max ? thi < r.lo : tlo > r.hi, acc_out = max ? r.hi < tlo : r.lo > thi;
      int approx = term_out ? r.approx : acc_out ? (t->known && t->approx) : r.approx || (t->known && t->approx);
      /* max(a, b) > L if either is; < H only if both are (mirrored for min). */
      if (max ? tlo > r.lo : tlo < r.lo) { r.lo = tlo; r.lo_open = tlo_open; }
      else if (tlo == r.lo) r.lo_open = max ? (r.lo_open || tlo_open) : (r.lo_open && tlo_open);
      if (max ? thi > r.hi : thi < r.hi) { r.hi = thi; r.hi_open = thi_open; }
      else if (thi == r.hi) r.hi_open = max ? (r.hi_open && thi_open) : (r.hi_open || thi_open);
      r.approx = approx;
    }
    r.known = r.nknown > 0;
    if (!r.known) set_unknown(&r);
  }
  if (r.nonneg && r.lo < 0) {
    r.lo = 0;
    r.lo_open = 0;
  }
  *acc = r;
  return 0;
}

void mu_qv_mean(const mu_qv *sum, mu_qv *out) {
  mu_qv r = *sum;
  if (sum->nterms == 0) {
    set_unknown(&r);
  } else if (r.known) {
    r.lo = sum->lo / sum->nterms;
    r.hi = sum->hi / sum->nterms;
  }
  *out = r;
}

/* ---------------------------------------------------------------- dates and growth */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int month_days(long y, long m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

int mu_date_span(const char *date, long *first, long *last) {
  size_t n = date ? strlen(date) : 0;
  if (!mu_date_valid(date, n)) return -1;
  long y = atol(date), m = n >= 7 ? atol(date + 5) : 0, d = n == 10 ? atol(date + 8) : 0;
  *first = days_from_civil(y, m ? m : 1, d ? d : 1);
  *last = days_from_civil(y, m ? m : 12, d ? d : month_days(y, m ? m : 12));
  return 0;
}

/* r^(1/t) - 1 for r >= 0, with t -> 0+ as its limit. */
static double rate(double r, double t) {
  if (r == 0) return -1;
  if (t <= 0) return r > 1 ? INFINITY : r < 1 ? -1 : 0;
  if (r == INFINITY) return INFINITY;
  return pow(r, 1 / t) - 1;
}

int mu_qv_growth(const mu_qv *a, const mu_qv *b, mu_qv *ratio, mu_qv *cagr, double *years_min,
                 double *years_max, char *err, size_t errlen) {
  long af, al, bf, bl, x;
  char unit[sizeof a->unit];
  if (merge_units(a, b, unit, err, errlen)) return -1;
  if (!a->known || !b->known) {
    snprintf(err, errlen, "an end of the growth is unknown");
    return -1;
  }
  if (!(a->lo > 0 || (a->lo == 0 && a->lo_open))) {
    snprintf(err, errlen, "the starting value must be greater than 0");
    return -1;
  }
  if (b->lo < 0) {
    snprintf(err, errlen, "the end value may be negative: growth needs levels, not changes");
    return -1;
  }
  mu_qv_div(b, a, ratio, err, errlen);
  snprintf(ratio->unit, sizeof ratio->unit, "ratio");
  ratio->nonneg = 1;
  *years_min = *years_max = NAN;
  mu_qv_unknown(cagr, "per_year");
  merge_meta(a, b, cagr);
  if (mu_date_span(a->date_from, &af, &x) || mu_date_span(a->date_to, &x, &al) ||
      mu_date_span(b->date_from, &bf, &x) || mu_date_span(b->date_to, &x, &bl))
    return 0;   /* undated: a ratio but no rate */
  *years_min = (double)(bf - al) / 365.2425;
  *years_max = (double)(bl - af) / 365.2425;
  if (*years_max <= 0) {
    snprintf(err, errlen, "the end is not later than the start");
    return -1;
  }
  double c[4] = {rate(ratio->lo, *years_min), rate(ratio->lo, *years_max), rate(ratio->hi, *years_min),
                 rate(ratio->hi, *years_max)};
  cagr->known = 1;
  cagr->lo = fmin(c[0], c[1]);
  cagr->hi = fmax(c[2], c[3]);
  cagr->lo_open = ratio->lo_open;
  cagr->hi_open = ratio->hi_open && isfinite(cagr->hi);
  cagr->approx = ratio->approx;
  return 0;
}

/* ---------------------------------------------------------------- words */

static const char *const month_names[] = {"January", "February", "March", "April", "May", "June", "July",
                                          "August", "September", "October", "November", "December"};

void mu_date_words(const char *d, char *buf, size_t len) {
  size_t n = d ? strlen(d) : 0;
  if (!n) snprintf(buf, len, "undated");
  else if (!mu_date_valid(d, n) || n == 4) snprintf(buf, len, "%s", d);
  else if (n == 7) snprintf(buf, len, "%s %.4s", month_names[atoi(d + 5) - 1], d);
  else snprintf(buf, len, "%d %s %.4s", atoi(d + 8), month_names[atoi(d + 5) - 1], d);
}

/*
** x at `decimals` places, rounded down (dir -1), up (1) or to nearest (0):
** a bound is rounded outward so that what is shown stays true.
*/
static double round_dir(double x, int decimals, int dir) {
  double k = pow(10, decimals), y = x * k, r = nearbyint(y);
  if (fabs(y - r) < 1e-9 * fmax(1, fabs(y))) y = r;   /* 0.29 * 100 is 28.999...: not a rounding */
  y = dir < 0 ? floor(y) : dir > 0 ? ceil(y) : nearbyint(y);
  return y / k;
}

static int whole(double x) {
  return fabs(x - nearbyint(x)) < 1e-9 * fmax(1, fabs(x));
}

/* "12,345.6" */
static void grouped(double x, int decimals, char *buf, size_t len) {
  char raw[64];
  snprintf(raw, sizeof raw, "%.*f", decimals, x);
  char *p = raw, out[96];
  size_t o = 0;
  if (*p == '-') out[o++] = *p++;
  size_t digits = strcspn(p, ".");
  for (size_t i = 0; i < digits; i++) {
    if (i && (digits - i) % 3 == 0) out[o++] = ',';
    out[o++] = p[i];
  }
  snprintf(out + o, sizeof out - o, "%s", p + digits);
  snprintf(buf, len, "%s", out);
}

/* One number in its unit, rounded in direction dir. */
static void number_text(double x, const char *unit, int dir, char *buf, size_t len) {
  char n[96];
  if (isinf(x)) {
    snprintf(buf, len, "%s", x > 0 ? "infinity" : "-infinity");
    return;
  }
  if (!strcmp(unit, "GBP")) {
    double a = fabs(x);
    const char *suffix = a >= 1e9 ? "bn" : a >= 1e6 ? "m" : "";
    double scaled = a >= 1e9 ? x / 1e9 : a >= 1e6 ? x / 1e6 : x;
    int dec = *suffix && !whole(scaled) ? 1 : 0;
    grouped(round_dir(scaled, dec, dir), dec, n, sizeof n);
    if (n[0] == '-') snprintf(buf, len, "-£%s%s", n + 1, suffix);
    else snprintf(buf, len, "£%s%s", n, suffix);
  } else if (!strcmp(unit, "share") || !strcmp(unit, "per_year")) {
    double pct = x * 100;
    int dec = whole(pct) ? 0 : 1;
    double r = round_dir(pct, dec, dir);
    if (whole(r)) dec = 0;   /* 111.07 at least: "at least 111%", not "111.0%" */
    grouped(r, dec, n, sizeof n);
    snprintf(buf, len, "%s%%%s", n, unit[0] == 'p' ? " a year" : "");
  } else if (!strcmp(unit, "ratio")) {
    int dec = whole(x) ? 0 : 1;
    double r = round_dir(x, dec, dir);
    grouped(r, whole(r) ? 0 : dec, n, sizeof n);
    snprintf(buf, len, "%s-fold", n);
  } else {
    int dec = whole(x) ? 0 : fabs(x) >= 100 ? 1 : 2;
    double r = round_dir(x, dec, dir);
    grouped(r, dec, n, sizeof n);
    if (dec) {   /* trim trailing zeros: 0.50 -> 0.5 */
      size_t k = strlen(n);
      while (k && n[k - 1] == '0') n[--k] = '\0';
      if (k && n[k - 1] == '.') n[--k] = '\0';
    }
    snprintf(buf, len, "%s%s%s", n, *unit ? " " : "", unit);
  }
}

void mu_qv_text(const mu_qv *q, char *buf, size_t len) {
  const char *k = mu_qv_qualifier(q);
  char a[128], b[128];
  const char *approx = q->approx ? "approximately " : "";
  if (!strcmp(k, "unknown")) {
    snprintf(buf, len, "unknown");
  } else if (!strcmp(k, "exact")) {
    number_text(q->lo, q->unit, 0, buf, len);
  } else if (q->lo == q->hi) {
    number_text(q->lo, q->unit, 0, a, sizeof a);
    snprintf(buf, len, "%s %s", k, a);
  } else if (!strcmp(k, "at_least") || !strcmp(k, "more_than")) {
    number_text(q->lo, q->unit, q->approx ? 0 : -1, a, sizeof a);
    snprintf(buf, len, "%s %s%s", k[0] == 'a' ? "at least" : "more than", approx, a);
  } else if (strcmp(k, "between") != 0) {
    number_text(q->hi, q->unit, q->approx ? 0 : 1, a, sizeof a);
    snprintf(buf, len, "%s %s%s", !strcmp(k, "less_than") ? "less than" : !strcmp(k, "at_most") ? "at most" : "up to",
             approx, a);
  } else {
    number_text(q->lo, q->unit, q->approx ? 0 : -1, a, sizeof a);
    number_text(q->hi, q->unit, q->approx ? 0 : 1, b, sizeof b);
    snprintf(buf, len, "between %s%s and %s", approx, a, b);
  }
}

void mu_qv_describe(const mu_qv *q, char *buf, size_t len) {
  char text[256], from[40], to[40];
  size_t used;
  mu_qv_text(q, text, sizeof text);
  used = (size_t)snprintf(buf, len, "%s (", text);
  if (used >= len) return;
  if (!q->date_from[0]) {
    if (q->undated) used += (size_t)snprintf(buf + used, len - used, "undated");
  } else {
    mu_date_words(q->date_from, from, sizeof from);
    mu_date_words(q->date_to, to, sizeof to);
    if (strcmp(q->date_from, q->date_to) == 0)
      used += (size_t)snprintf(buf + used, len - used, "%s", from);
    else
      used += (size_t)snprintf(buf + used, len - used, "%s to %s", from, to);
    if (q->undated && used < len) used += (size_t)snprintf(buf + used, len - used, ", %d undated", q->undated);
  }
  if (used < len && (q->geography[0] || q->geo_mixed))
    used += (size_t)snprintf(buf + used, len - used, "%s%s", buf[used - 1] != '(' ? "; " : "",
                             q->geo_mixed ? "several areas" : q->geography);
  if (used < len && q->nsources) {
    used += (size_t)snprintf(buf + used, len - used, "%ssource%s ", buf[used - 1] != '(' ? "; " : "",
                             q->nsources + q->more_sources > 1 ? "s" : "");
    for (int i = 0; i < q->nsources && used < len; i++)
      used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? ", " : "", q->sources[i]);
    if (q->more_sources && used < len)
      used += (size_t)snprintf(buf + used, len - used, " and %d more", q->more_sources);
  }
  if (used < len && q->nterms > 1 && q->nknown < q->nterms)
    used += (size_t)snprintf(buf + used, len - used, "%s%d of %d known", buf[used - 1] != '(' ? "; " : "",
                             q->nknown, q->nterms);
  if (used < len && buf[used - 1] == '(')   /* nothing to say: no parentheses */
    buf[used - 2] = '\0';
  else if (used < len)
    snprintf(buf + used, len - used, ")");
}
