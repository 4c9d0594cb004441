/*
** Design-based estimates over a loaded design (design.c), as R's survey
** package computes them:
**   - a share is a ratio estimator; its variance is by Taylor
**     linearisation: the linearised variable z_i = (y_i - p x_i) / X summed
**     by PSU, and V = sum over strata of (1 - f_h) n_h / (n_h - 1) times the
**     sum of squared deviations of the PSU totals from their stratum mean
**     (with-replacement PSUs within strata, as svydesign(ids, strata,
**     weights, fpc));
**   - a domain (a group, a filter, the respondents who answered) is never
**     filtered out first: every PSU of the design counts in n_h, and those
**     without members of the domain contribute zero;
**   - intervals: logit (svyciprop's default), Korn-Graubard (its "beta"),
**     and Wilson on the effective sample size p(1-p)/V;
**   - the design effect as svymean(deff = TRUE) gives it.
** Respondents are visited PSU by PSU (a counting sort), so memory grows
** with strata times cells, never with respondents times cells.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static int passes(const mu_chunk *c, const int *fv, const int *fl, int nf, int i) {
  for (int k = 0; k < nf; k++)
    if (c->code[fv[k]][i] != fl[k]) return 0;
  return 1;
}

/* Intervals, effective n and design effect of one share from its variance, domain counts and df. */
/*
** Student's t quantiles a table needs: a cell's depend on its row's degrees
** of freedom only, so a table of 80 cells asks for a few dozen distinct
** ones, each a root-finding over continued fractions. Remembered per table.
*/
typedef struct {
  double p[16], df[16], q[16];
  int n;
} qt_memo;

static double qt_of(qt_memo *m, double p, double df) {
  for (int i = 0; i < m->n && i < 16; i++)
    if (m->p[i] == p && m->df[i] == df) return m->q[i];
  int at = m->n++ % 16;
  m->p[at] = p;
  m->df[at] = df;
  return m->q[at] = mu_qt(p, df);
}

static void finish_cell(mu_cell *c, double v, long long n_domain, double level, qt_memo *memo) {
  double p = c->share, alpha = 1 - level;
  c->lo_logit = c->hi_logit = c->lo_beta = c->hi_beta = c->lo_wilson = c->hi_wilson = NAN;
  c->n_eff = c->deff = NAN;
  c->why = NULL;
  if (isnan(p) || isnan(v)) {   /* no base: no share, and no standard error either (never 0) */
    c->se = NAN;
    c->why = "no respondent in the group answered: there is no share";
    return;
  }
  c->se = sqrt(v > 0 ? v : 0);
  if (!(c->base_n > 1)) {
    c->why = "one respondent answered: no interval";
    return;
  }
  /* svymean's deff: against simple random sampling without replacement of the domain's size. */
  double nobs = (double)c->base_n, psum = c->base_weighted;
  double vsrs = psum >= nobs ? p * (1 - p) * nobs / (nobs - 1) * (psum - nobs) / (psum * nobs) : NAN;
  if (vsrs > 0) c->deff = v / vsrs;
  if (!(c->df > 0)) {
    c->why = "the group's respondents leave no degrees of freedom (one PSU in each of its strata): no interval";
    return;
  }
  if (!(v > 0) || !(p > 0 && p < 1)) {
    c->why = "a share of 0 or 1 has no design-based variance: no interval (R's svyciprop gives none either)";
    return;
  }
  c->n_eff = p * (1 - p) / v;
  /* logit: symmetric on the log-odds scale, with t on the domain's degrees of freedom */
  double t = -qt_of(memo, alpha / 2, c->df), lg = log(p / (1 - p)), half = t * c->se / (p * (1 - p));
  c->lo_logit = 1 / (1 + exp(-(lg - half)));
  c->hi_logit = 1 / (1 + exp(-(lg + half)));
  /* Korn-Graubard: Clopper-Pearson on the effective n, adjusted for the degrees of freedom */
  double ratio = qt_of(memo, alpha / 2, (double)n_domain - 1) / qt_of(memo, alpha / 2, c->df);
  double ne = c->n_eff * ratio * ratio;
  c->lo_beta = mu_qbeta(alpha / 2, ne * p, ne * (1 - p) + 1);
  c->hi_beta = mu_qbeta(1 - alpha / 2, ne * p + 1, ne * (1 - p));
  /* Wilson on the effective n */
  double z = mu_qnorm(1 - alpha / 2), z2 = z * z, m = c->n_eff;
  double denom = 1 + z2 / m, centre = (p + z2 / (2 * m)) / denom;
  double w = z * sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / denom;
  c->lo_wilson = fmax(0, centre - w);
  c->hi_wilson = fmin(1, centre + w);
}

void mu_table_free(mu_table *t) {
  free(t->group_levels);
  free(t->cells);
  free(t->means);
  memset(t, 0, sizeof *t);
}

/* The group of respondent i: the combination of its by levels, or -1 when one is missing. */
static int group_of(const mu_design *d, const mu_chunk *c, const mu_table_spec *sp, int i) {
  int g = 0;
  for (int b = 0; b < sp->nby; b++) {
    int code = c->code[sp->by[b]][i];
    if (code < 0) return -1;
    g = g * d->var[sp->by[b]].nlevels + code;
  }
  return g;
}

/*
** Shares, bases and degrees of freedom from the weighted counts. Row G is
** the whole domain; option K is a row's total, whose share is the group's
** share of the whole, estimated among everyone who answered (so its base
** is the whole's, known before any group row is filled, and its degrees of
** freedom are those of the answering domain: its PSUs less its strata, as
** R's degf of subset(design, answered)).
*/
static void set_shares(mu_cell *cell, int G, int K, const int *psus, const int *stratas, int answered_df) {
  int C = K + 1;
  const mu_cell all = cell[G * C + K];
  for (int r = 0; r <= G; r++) {
    mu_cell *row = &cell[r * C];
    for (int k = 0; k <= K; k++) {
      mu_cell *c = &row[k];
      c->base_n = row[K].n;
      c->base_weighted = row[K].weighted;
      c->df = psus[r] - stratas[r];
      c->share = k < K ? (row[K].weighted > 0 ? c->weighted / row[K].weighted : NAN)
                       : (all.weighted > 0 ? row[K].weighted / all.weighted : NAN);
    }
    row[K].base_n = all.n;
    row[K].base_weighted = all.weighted;
    row[K].df = answered_df;
  }
}

/* Each group's level of each by variable: groups are combinations, the first variable slowest. */
static void fill_group_levels(const mu_design *d, const mu_table_spec *sp, mu_table *t, int G) {
  for (int g = 0; g < G; g++)
    for (int b = sp->nby - 1, rest = g; b >= 0; b--) {
      int nl = d->var[sp->by[b]].nlevels;
      t->group_levels[g * sp->nby + b] = rest % nl;
      rest /= nl;
    }
}

/*
** The general estimator: respondents visited PSU by PSU (a counting sort),
** memory in strata times cells. The fast paths below give the same numbers
** with one pass over the respondents; this one serves when the design has
** more PSUs times cells than they can hold.
*/
static int estimate_streaming(const mu_design *d, const mu_table_spec *sp, mu_table *t, char *err, size_t errlen) {
  qt_memo memo = {{0}, {0}, {0}, 0};
  mu_chunk all;   /* the design is in memory (mu_estimate_table): one chunk of everyone */
  mu_design_chunk(d, 0, &all);
  memset(t, 0, sizeof *t);
  const mu_design_var *q = &d->var[sp->var];
  int K = q->nlevels, G = sp->nby ? 1 : 0;
  for (int b = 0; b < sp->nby; b++) G *= d->var[sp->by[b]].nlevels;
  if (G > 100000) {
    snprintf(err, errlen, "the table would have %d groups: break it down by fewer or coarser variables", G);
    return -1;
  }
  int R = G + 1, C = K + 1, ncell = R * C;
  t->ngroups = G;
  t->nopts = K;
  t->nby = sp->nby;
  t->level = sp->level;
  t->cells = calloc((size_t)ncell, sizeof *t->cells);
  t->group_levels = calloc((size_t)(G ? G : 1) * (size_t)(sp->nby ? sp->nby : 1), sizeof *t->group_levels);
  double *factor = malloc((size_t)d->nstrata * sizeof *factor), *S1 = NULL, *S2 = NULL, *A = NULL, *B = NULL;
  int *npsu_h = malloc((size_t)d->nstrata * sizeof *npsu_h), *order = NULL, *start = NULL;
  long long *dom_n = calloc((size_t)R, sizeof *dom_n);       /* group domain (for df): respondents */
  int *last_psu = malloc((size_t)R * sizeof *last_psu);
  int *psus = calloc((size_t)R, sizeof *psus), *stratas = calloc((size_t)R, sizeof *stratas);
  int *touched = malloc((size_t)R * sizeof *touched);
  char *seen = calloc((size_t)R * (size_t)d->nstrata, 1);
  int rc = -1;
  if (!t->cells || !t->group_levels || !factor || !npsu_h || !dom_n || !last_psu || !psus || !stratas ||
      !touched || !seen || mu_design_order(d, &order, &start)) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if (mu_design_strata(d, factor, npsu_h, err, errlen)) goto done;
  fill_group_levels(d, sp, t, G);
  /* Pass 1: totals. Row G is everyone in the domain (the filters); group rows need their by levels. */
  mu_cell *cell = t->cells;
  for (int r = 0; r < R; r++) last_psu[r] = -1;
  int last_answered = -1, answered_df = 0;   /* PSUs less strata among those who answered */
  char *seen_answered = calloc((size_t)d->nstrata + 1, 1);
  if (!seen_answered) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  for (int j = 0; j < d->npsu; j++)
    for (int x = start[j]; x < start[j + 1]; x++) {
      int i = order[x];
      if (!passes(&all, sp->filter_var, sp->filter_level, sp->nfilters, i)) continue;
      int g = group_of(d, &all, sp, i), a = q->code[i];
      int rows[2] = {G, g};
      for (int e = 0; e < (g >= 0 && G ? 2 : 1); e++) {
        int r = rows[e];
        dom_n[r]++;
        if (last_psu[r] != j) {   /* the domain's PSUs and strata, for its degrees of freedom */
          last_psu[r] = j;
          psus[r]++;
          int h = mu_psu_stratum(d, j);
          if (!seen[(size_t)r * (size_t)d->nstrata + (size_t)h]) {
            seen[(size_t)r * (size_t)d->nstrata + (size_t)h] = 1;
            stratas[r]++;
          }
        }
        if (a < 0) continue;
        if (r == G && last_answered != j) {
          last_answered = j;
          answered_df++;
          if (!seen_answered[mu_psu_stratum(d, j)]) {
            seen_answered[mu_psu_stratum(d, j)] = 1;
            answered_df--;
          }
        }
        mu_cell *row = &cell[r * C];
        row[a].n++;
        row[a].weighted += d->w[i];
        row[K].n++;
        row[K].weighted += d->w[i];
      }
    }
  free(seen_answered);
  set_shares(cell, G, K, psus, stratas, answered_df);
  /* Pass 2: the linearised variables, summed by PSU, then by stratum. */
  S1 = calloc((size_t)d->nstrata * (size_t)ncell, sizeof *S1);
  S2 = calloc((size_t)d->nstrata * (size_t)ncell, sizeof *S2);
  A = calloc((size_t)ncell, sizeof *A);   /* the PSU's weighted count per cell */
  B = calloc((size_t)R, sizeof *B);       /* the PSU's weighted count per row (answering) */
  if (!S1 || !S2 || !A || !B) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  double X_all = cell[G * C + K].weighted;
  for (int j = 0; j < d->npsu; j++) {
    int ntouched = 0;
    for (int x = start[j]; x < start[j + 1]; x++) {
      int i = order[x], a = q->code[i];
      if (a < 0 || !passes(&all, sp->filter_var, sp->filter_level, sp->nfilters, i)) continue;
      int g = group_of(d, &all, sp, i);
      int rows[2] = {G, g};
      for (int e = 0; e < (g >= 0 && G ? 2 : 1); e++) {
        int r = rows[e];
        if (B[r] == 0) touched[ntouched++] = r;
        A[r * C + a] += d->w[i];
        B[r] += d->w[i];
      }
    }
    if (!ntouched) continue;
    int h = mu_psu_stratum(d, j);
    double *s1 = S1 + (size_t)h * (size_t)ncell, *s2 = S2 + (size_t)h * (size_t)ncell;
    for (int e = 0; e < ntouched; e++) {
      int r = touched[e];
      mu_cell *row = &cell[r * C];
      double X = row[K].weighted;
      for (int k = 0; k < K; k++) {
        double z = (A[r * C + k] - row[k].share * B[r]) / X;
        s1[r * C + k] += z;
        s2[r * C + k] += z * z;
        A[r * C + k] = 0;
      }
    }
    /* Each group's share of the whole: touched by every PSU with anyone answering. */
    if (G && B[G] > 0)
      for (int g = 0; g < G; g++) {
        double z = (B[g] - cell[g * C + K].share * B[G]) / X_all;
        s1[g * C + K] += z;
        s2[g * C + K] += z * z;
      }
    for (int e = 0; e < ntouched; e++) B[touched[e]] = 0;
  }
  for (int r = 0; r < R; r++)
    for (int k = 0; k <= K; k++) {
      mu_cell *c = &cell[r * C + k];
      double v = 0;
      if (k == K && r == G) {   /* the whole: a share of 1, no variance, no interval (and why) */
        finish_cell(c, 0, dom_n[G], sp->level, &memo);
        continue;
      }
      for (int h = 0; h < d->nstrata; h++) {
        double a1 = S1[(size_t)h * (size_t)ncell + (size_t)(r * C + k)];
        double a2 = S2[(size_t)h * (size_t)ncell + (size_t)(r * C + k)];
        v += factor[h] * (a2 - a1 * a1 / npsu_h[h]);
      }
      finish_cell(c, v, k == K ? dom_n[G] : dom_n[r], sp->level, &memo);
    }
  rc = 0;
done:
  free(factor); free(npsu_h); free(order); free(start); free(dom_n); free(last_psu);
  free(psus); free(stratas); free(touched); free(seen); free(S1); free(S2); free(A); free(B);
  if (rc) mu_table_free(t);
  return rc;
}

/* ---------------------------------------------------------------- difference of two shares */

/* Two passes over the respondents, a chunk at a time: the two shares, then their linearised difference
   summed by PSU (by stratum directly when every respondent is a PSU). */
int mu_estimate_diff(const mu_design *d, int var, int level, int by, int ga, int gb, double conf, mu_diff *out,
                     char *err, size_t errlen) {
  int clustered = d->own_psus < d->n, groups[2] = {ga, gb}, rc = -1;
  double *factor = malloc((size_t)d->nstrata * sizeof *factor), *s1 = calloc((size_t)d->nstrata, sizeof *s1),
         *s2 = calloc((size_t)d->nstrata, sizeof *s2), *zpsu = clustered ? calloc((size_t)d->npsu, sizeof *zpsu) : NULL;
  int *npsu_h = malloc((size_t)d->nstrata * sizeof *npsu_h);
  double X[2] = {0, 0}, Y[2] = {0, 0};
  memset(out, 0, sizeof *out);
  if (!factor || !s1 || !s2 || !npsu_h || (clustered && !zpsu)) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if (mu_design_strata(d, factor, npsu_h, err, errlen)) goto done;
  for (int pass = 0; pass < 2; pass++) {
    mu_chunk ch;
    for (int first = 0; first < d->n; first += ch.n) {
      if (mu_design_next(d, first, &ch, err, errlen)) {
        rc = MU_DESIGN_RELOAD;
        goto done;
      }
      const int *a = ch.code[var], *g = ch.code[by];
      for (int i = 0; i < ch.n; i++) {
        if (a[i] < 0 || (g[i] != ga && g[i] != gb)) continue;
        double w = ch.w[i], yes = a[i] == level;
        if (pass == 0) {
          for (int e = 0; e < 2; e++)
            if (g[i] == groups[e]) {
              X[e] += w;
              Y[e] += yes * w;
              *(e ? &out->n_b : &out->n_a) += 1;
            }
          continue;
        }
        double z = 0;
        if (g[i] == ga) z += w * (yes - out->share_a) / X[0];
        if (g[i] == gb) z -= w * (yes - out->share_b) / X[1];
        if (clustered) zpsu[ch.psu[i]] += z;
        else {
          int h = ch.stratum ? ch.stratum[i] : 0;
          s1[h] += z;
          s2[h] += z * z;
        }
      }
    }
    if (pass == 0) {
      if (!(X[0] > 0) || !(X[1] > 0)) {
        snprintf(err, errlen, "a group has no respondents who answered: no difference can be estimated");
        goto done;
      }
      out->share_a = Y[0] / X[0];
      out->share_b = Y[1] / X[1];
    }
  }
  for (int j = 0; clustered && j < d->npsu; j++) {
    int h = mu_psu_stratum(d, j);
    s1[h] += zpsu[j];
    s2[h] += zpsu[j] * zpsu[j];
  }
  double v = 0;
  for (int h = 0; h < d->nstrata; h++) v += factor[h] * (s2[h] - s1[h] * s1[h] / npsu_h[h]);
  out->diff = out->share_a - out->share_b;
  out->se = sqrt(v > 0 ? v : 0);
  double zq = mu_qnorm(1 - (1 - conf) / 2);
  out->z = out->se > 0 ? out->diff / out->se : NAN;
  out->p = out->se > 0 ? erfc(fabs(out->z) / sqrt(2)) : NAN;
  out->lo = out->diff - zq * out->se;
  out->hi = out->diff + zq * out->se;
  rc = 0;
done:
  free(factor); free(s1); free(s2); free(zpsu); free(npsu_h);
  return rc;
}

/* ---------------------------------------------------------------- one pass, accumulated */

/*
** The fast estimator: one pass over the respondents adds each one's weight
** (and squared weight) into accumulators by unit, row and answer; every
** share, variance and degree of freedom follows from them.
**   - With clusters, a unit is a PSU: the PSU totals of the linearised
**     variable are (A - p B) / X from the PSU's weighted counts A (answer)
**     and B (all answers) of the row.
**   - Without clusters every respondent is its own PSU, so a unit is a
**     stratum: the sum over its respondents of z and of z^2 follows from the
**     weights and squared weights, (1 - p)^2 for those who gave the answer
**     and p^2 for the others.
** Memory: units x rows x answers, never respondents x anything.
*/
typedef struct {
  int units, R, C;
  double *W, *W2;        /* [unit][row][answer]: weights (and squares, without clusters); answer C-1: any answer */
  long long *N;          /* [unit][row][answer]: respondents answering */
  long long *M;          /* [unit][row]: members of the row's domain, answering or not (degrees of freedom) */
} accum;

static double *cellp(const accum *a, double *base, int u, int r, int k) {
  return base + ((size_t)u * (size_t)a->R + (size_t)r) * (size_t)a->C + (size_t)k;
}

/*
** Means of the option scores, one a row, from the same accumulators: a
** respondent's score depends only on their answer, so the linearised
** variable w_i (s_i - m) / X of a unit is the sum over answers of
** (s_k - m) W[u][k] / X, and without clusters its square sums as
** (s_k - m)^2 W2[u][k] / X^2. An unscored answer is outside the domain
** (R's na.rm = TRUE), its respondents still counting among the stratum's
** PSUs.
*/
static int estimate_means(const mu_design *d, const mu_table_spec *sp, const accum *a, mu_table *t,
                          const double *factor, const int *npsu_h, const int *psus, const int *stratas, char *err,
                          size_t errlen) {
  int G = t->ngroups, K = t->nopts, C = K + 1, clustered = d->own_psus < d->n;
  const double *score = sp->scores;
  double *s1 = calloc((size_t)d->nstrata, sizeof *s1), *s2 = calloc((size_t)d->nstrata, sizeof *s2);
  t->means = calloc((size_t)G + 1, sizeof *t->means);
  if (!s1 || !s2 || !t->means) {
    free(s1);
    free(s2);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  double zq = mu_qnorm(1 - (1 - sp->level) / 2);
  for (int r = 0; r <= G; r++) {
    mu_mean *m = &t->means[r];
    const mu_cell *row = &t->cells[r * C];
    double X = 0, Y = 0;
    for (int k = 0; k < K; k++)
      if (!isnan(score[k])) {
        X += row[k].weighted;
        Y += score[k] * row[k].weighted;
        m->n += row[k].n;
      }
    m->weighted = X;
    m->df = psus[r] - stratas[r];
    m->mean = m->se = m->deff = m->lo = m->hi = NAN;
    m->why = NULL;
    if (!(X > 0)) {   /* nobody scored: no mean, never 0 */
      m->why = "no respondent in the group gave a scored answer: there is no mean";
      continue;
    }
    m->mean = Y / X;
    memset(s1, 0, (size_t)d->nstrata * sizeof *s1);
    memset(s2, 0, (size_t)d->nstrata * sizeof *s2);
    double spread = 0;   /* the weighted sum of squared deviations, for the design effect */
    for (int k = 0; k < K; k++)
      if (!isnan(score[k])) spread += (score[k] - m->mean) * (score[k] - m->mean) * row[k].weighted;
    for (int u = 0; u < a->units; u++) {
      int h = clustered ? mu_psu_stratum(d, u) : u;
      double z = 0, z2 = 0;
      for (int k = 0; k < K; k++) {
        if (isnan(score[k])) continue;
        double dev = score[k] - m->mean;
        z += dev * *cellp(a, a->W, u, r, k);
        if (!clustered) z2 += dev * dev * *cellp(a, a->W2, u, r, k);
      }
      s1[h] += z / X;
      s2[h] += clustered ? (z / X) * (z / X) : z2 / (X * X);
    }
    double v = 0;
    for (int h = 0; h < d->nstrata; h++) v += factor[h] * (s2[h] - s1[h] * s1[h] / npsu_h[h]);
    m->se = sqrt(v > 0 ? v : 0);
    if (m->se > 0) {
      m->lo = m->mean - zq * m->se;
      m->hi = m->mean + zq * m->se;
    } else {   /* one respondent, or every score the same: an interval of no width is no interval */
      m->why = m->n < 2 ? "one respondent was scored: no interval"
                        : "every score in the group is the same, so the design gives it no variance: no interval";
    }
    /* svymean's deff: the weighted variance (n / (n - 1)) over simple random sampling without replacement */
    double nobs = (double)m->n;
    if (nobs > 1 && X >= nobs) {
      double vsrs = spread / X * nobs / (nobs - 1) * (X - nobs) / (X * nobs);
      if (vsrs > 0) m->deff = v / vsrs;
    }
  }
  free(s1);
  free(s2);
  return 0;
}

/* The common table's accumulator: one record per row and answer, so that a respondent touches one line. */
typedef struct {
  double w, w2;
  long long n;
} fast_cell;

static int estimate_accumulated(const mu_design *d, const mu_table_spec *sp, mu_table *t, char *err, size_t errlen) {
  qt_memo memo = {{0}, {0}, {0}, 0};
  fast_cell *fast = NULL;
  memset(t, 0, sizeof *t);
  const mu_design_var *q = &d->var[sp->var];
  int K = q->nlevels, G = sp->nby ? 1 : 0;
  for (int b = 0; b < sp->nby; b++) G *= d->var[sp->by[b]].nlevels;
  int R = G + 1, C = K + 1, clustered = d->own_psus < d->n, rc = -1;
  /* rows: the groups, the whole (G), and a spare for those whose group is missing */
  accum a = {clustered ? d->npsu : d->nstrata, G ? R + 1 : R, C, NULL, NULL, NULL, NULL};
  size_t cells = (size_t)a.units * (size_t)a.R * (size_t)C;
  t->ngroups = G;
  t->nopts = K;
  t->nby = sp->nby;
  t->level = sp->level;
  t->cells = calloc((size_t)R * (size_t)C, sizeof *t->cells);
  t->group_levels = calloc((size_t)(G ? G : 1) * (size_t)(sp->nby ? sp->nby : 1), sizeof *t->group_levels);
  a.W = calloc(cells, sizeof *a.W);
  a.W2 = clustered ? NULL : calloc(cells, sizeof *a.W2);
  a.N = calloc(cells, sizeof *a.N);
  a.M = calloc((size_t)a.units * (size_t)a.R, sizeof *a.M);
  double *factor = malloc((size_t)d->nstrata * sizeof *factor);
  int *npsu_h = malloc((size_t)d->nstrata * sizeof *npsu_h);
  long long *members = calloc((size_t)R, sizeof *members);
  int *psus = calloc((size_t)R, sizeof *psus), *stratas = calloc((size_t)R, sizeof *stratas);
  char *seen = calloc((size_t)R * (size_t)d->nstrata, 1);
  if (!t->cells || !t->group_levels || !a.W || (!clustered && !a.W2) || !a.N || !a.M || !factor || !npsu_h ||
      !members || !psus || !stratas || !seen) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if (mu_design_strata(d, factor, npsu_h, err, errlen)) goto done;
  fill_group_levels(d, sp, t, G);
  /* The one pass, a chunk of respondents at a time (all of them when the design is in memory): each
     respondent adds to one row only (their group, or a spare row when a by variable is missing), and to
     their answer only; the answer totals and the whole (row G) are sums of those afterwards. */
  size_t RS = (size_t)a.R;
  if (!sp->nfilters && sp->nby == 1 && !clustered) fast = calloc(RS * (size_t)C, sizeof *fast);
  mu_chunk ch;
  for (int first = 0; first < d->n; first += ch.n) {
    if (mu_design_next(d, first, &ch, err, errlen)) {
      rc = MU_DESIGN_RELOAD;
      goto done;
    }
    const int *code = ch.code[sp->var], *unit = clustered ? ch.psu : ch.stratum;
    const int *by0 = sp->nby == 1 ? ch.code[sp->by[0]] : NULL;
    const double *w = ch.w;
    if (!sp->nfilters && by0 && !unit && !clustered && fast) {
      /* the common table (one breakdown, no filter, no strata or clusters): the same additions with every
         test that cannot change inside the chunk taken out of the loop, into one cell record (weights,
         squares, count) per row and answer, a missing answer its own column; folded in after the pass */
      for (int i = 0; i < ch.n; i++) {
        int g = by0[i], k = code[i];
        size_t r = g >= 0 ? (size_t)g : (size_t)R;
        fast_cell *f = &fast[r * (size_t)C + (k >= 0 ? (size_t)k : (size_t)K)];
        double wi = w[i];
        f->w += wi;
        f->w2 += wi * wi;
        f->n++;
      }
      continue;
    }
    for (int i = 0; i < ch.n; i++) {
      if (sp->nfilters && !passes(&ch, sp->filter_var, sp->filter_level, sp->nfilters, i)) continue;
      int g = by0 ? by0[i] : group_of(d, &ch, sp, i), k = code[i];
      size_t ur = (size_t)(unit ? unit[i] : 0) * RS + (size_t)(G == 0 ? 0 : g >= 0 ? g : R);
      a.M[ur]++;
      if (k < 0) continue;
      size_t at = ur * (size_t)C + (size_t)k;
      a.W[at] += w[i];
      a.N[at]++;
      if (!clustered) a.W2[at] += w[i] * w[i];
    }
  }
  for (size_t r = 0; fast && r < RS; r++)   /* the common table's cells (unit 0: no strata) */
    for (int k = 0; k <= K; k++) {
      const fast_cell *f = &fast[r * (size_t)C + (size_t)k];
      a.M[r] += f->n;
      if (k == K) continue;   /* missing answers count as members only */
      a.W[r * (size_t)C + (size_t)k] += f->w;
      a.W2[r * (size_t)C + (size_t)k] += f->w2;
      a.N[r * (size_t)C + (size_t)k] += f->n;
    }
  for (int u = 0; u < a.units; u++) {
    for (size_t r = 0; r < RS; r++) {   /* each row's answers, summed */
      size_t at = ((size_t)u * RS + r) * (size_t)C;
      for (int k = 0; k < K; k++) {
        a.W[at + (size_t)K] += a.W[at + (size_t)k];
        a.N[at + (size_t)K] += a.N[at + (size_t)k];
        if (!clustered) a.W2[at + (size_t)K] += a.W2[at + (size_t)k];
      }
    }
    if (G == 0) continue;
    for (size_t r = 0; r < RS; r++) {   /* the whole: every group, and those without one */
      if (r == (size_t)G) continue;
      size_t from = ((size_t)u * RS + r) * (size_t)C, to = ((size_t)u * RS + (size_t)G) * (size_t)C;
      a.M[(size_t)u * RS + (size_t)G] += a.M[(size_t)u * RS + r];
      for (int k = 0; k <= K; k++) {
        a.W[to + (size_t)k] += a.W[from + (size_t)k];
        a.N[to + (size_t)k] += a.N[from + (size_t)k];
        if (!clustered) a.W2[to + (size_t)k] += a.W2[from + (size_t)k];
      }
    }
  }
  /* Totals, shares and the domains' degrees of freedom. */
  mu_cell *cell = t->cells;
  for (int u = 0; u < a.units; u++)
    for (int r = 0; r < R; r++) {
      long long m = a.M[(size_t)u * RS + (size_t)r];
      if (!m) continue;
      members[r] += m;
      int h = clustered ? mu_psu_stratum(d, u) : u;
      psus[r] += clustered ? 1 : (int)m;   /* without clusters each member is a PSU */
      if (!seen[(size_t)r * (size_t)d->nstrata + (size_t)h]) {
        seen[(size_t)r * (size_t)d->nstrata + (size_t)h] = 1;
        stratas[r]++;
      }
      for (int k = 0; k < C; k++) {
        cell[r * C + k].weighted += *cellp(&a, a.W, u, r, k);
        cell[r * C + k].n += a.N[((size_t)u * RS + (size_t)r) * (size_t)C + (size_t)k];
      }
    }
  /* The answering domain's PSUs less its strata, for the groups' shares of the whole. */
  int answered_df = 0;
  memset(seen, 0, (size_t)d->nstrata);
  for (int u = 0; u < a.units; u++) {
    long long answered = a.N[((size_t)u * RS + (size_t)G) * (size_t)C + (size_t)K];
    if (!answered) continue;
    int h = clustered ? mu_psu_stratum(d, u) : u;
    answered_df += clustered ? 1 : (int)answered;
    if (!seen[h]) {
      seen[h] = 1;
      answered_df--;
    }
  }
  set_shares(cell, G, K, psus, stratas, answered_df);
  double X_all = cell[G * C + K].weighted;
  /* Variances: per stratum, the sum over its PSUs of z and z^2, for each cell. */
  for (int r = 0; r < R; r++)
    for (int k = 0; k <= K; k++) {
      mu_cell *c = &cell[r * C + k];
      if (r == G && k == K) {   /* the whole: a share of 1, no variance, no interval (and why) */
        finish_cell(c, 0, members[G], sp->level, &memo);
        continue;
      }
      int share_of_whole = k == K;      /* a group's share of everyone answering */
      double p = c->share, X = share_of_whole ? X_all : cell[r * C + K].weighted, v = 0;
      if (!(X > 0)) {
        finish_cell(c, NAN, members[r], sp->level, &memo);
        continue;
      }
      double *s1 = calloc((size_t)d->nstrata, sizeof *s1), *s2 = calloc((size_t)d->nstrata, sizeof *s2);
      if (!s1 || !s2) {
        free(s1);
        free(s2);
        snprintf(err, errlen, "out of memory");
        goto done;
      }
      for (int u = 0; u < a.units; u++) {
        int h = clustered ? mu_psu_stratum(d, u) : u;
        /* y: the answer (or the group), x: the base (the row's answers, or everyone's) */
        double y = share_of_whole ? *cellp(&a, a.W, u, r, K) : *cellp(&a, a.W, u, r, k);
        double x = share_of_whole ? *cellp(&a, a.W, u, G, K) : *cellp(&a, a.W, u, r, K);
        if (clustered) {
          double z = (y - p * x) / X;
          s1[h] += z;
          s2[h] += z * z;
        } else {
          double y2 = share_of_whole ? *cellp(&a, a.W2, u, r, K) : *cellp(&a, a.W2, u, r, k);
          double x2 = share_of_whole ? *cellp(&a, a.W2, u, G, K) : *cellp(&a, a.W2, u, r, K);
          s1[h] += (y - p * x) / X;
          s2[h] += ((1 - p) * (1 - p) * y2 + p * p * (x2 - y2)) / (X * X);
        }
      }
      for (int h = 0; h < d->nstrata; h++) v += factor[h] * (s2[h] - s1[h] * s1[h] / npsu_h[h]);
      free(s1);
      free(s2);
      finish_cell(c, v, share_of_whole ? members[G] : members[r], sp->level, &memo);
    }
  if (sp->scores && estimate_means(d, sp, &a, t, factor, npsu_h, psus, stratas, err, errlen)) goto done;
  rc = 0;
done:
  free(a.W); free(a.W2); free(a.N); free(a.M); free(fast); free(factor); free(npsu_h); free(members); free(psus); free(stratas);
  free(seen);
  if (rc) mu_table_free(t);
  return rc;
}

int mu_estimate_table(const mu_design *d, const mu_table_spec *sp, mu_table *t, char *err, size_t errlen) {
  int K = d->var[sp->var].nlevels, G = sp->nby ? 1 : 0;
  for (int b = 0; b < sp->nby; b++) G *= d->var[sp->by[b]].nlevels;
  if (G > 100000) {
    snprintf(err, errlen, "the table would have %d groups: break it down by fewer or coarser variables", G);
    return -1;
  }
  double units = d->own_psus < d->n ? d->npsu : d->nstrata;
  if (sp->method == 1 || sp->scores || (sp->method == 0 && units * (G + 1) * (K + 1) <= 4e6))
    return estimate_accumulated(d, sp, t, err, errlen);
  if (d->src) {   /* the streaming estimator walks PSU by PSU: it needs the arrays whole */
    snprintf(err, errlen, "this table needs the design in memory");
    return MU_DESIGN_RELOAD;
  }
  return estimate_streaming(d, sp, t, err, errlen);
}
