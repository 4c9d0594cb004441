/*
** The Rao-Scott corrected chi-square test of association for a two-way
** table, computed as R's svychisq(~a + b, design) does with its default
** statistic "F": Pearson's X^2 on the weighted table scaled to the sample
** size, divided by the mean of the generalised design effects (the
** eigenvalues of Delta), referred to an F distribution with d0 and d0 times
** the design's degrees of freedom, where d0 = tr(Delta)^2 / tr(Delta^2).
** Delta compares the design-based covariance of the cell proportions with
** the multinomial one, on the interaction contrasts of the table.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

/* c = a (n x m) * b (m x p) */
static void matmul(const double *a, const double *b, double *c, int n, int m, int p) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < p; j++) {
      double s = 0;
      for (int k = 0; k < m; k++) s += a[i * m + k] * b[k * p + j];
      c[i * p + j] = s;
    }
}

/* The transpose of a (n x m). */
static void transpose(const double *a, double *t, int n, int m) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) t[j * n + i] = a[i * m + j];
}

/* Solve a x = b for x (a: n x n, b: n x p), Gaussian elimination with partial pivoting; 0 or -1 if singular. */
static int solve(double *a, double *b, int n, int p) {
  for (int c = 0; c < n; c++) {
    int piv = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
    if (fabs(a[piv * n + c]) < 1e-300) return -1;
    if (piv != c) {
      for (int k = 0; k < n; k++) { double t = a[c * n + k]; a[c * n + k] = a[piv * n + k]; a[piv * n + k] = t; }
      for (int k = 0; k < p; k++) { double t = b[c * p + k]; b[c * p + k] = b[piv * p + k]; b[piv * p + k] = t; }
    }
    for (int r = 0; r < n; r++) {
      if (r == c) continue;
      double f = a[r * n + c] / a[c * n + c];
      if (f == 0) continue;
      for (int k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      for (int k = 0; k < p; k++) b[r * p + k] -= f * b[c * p + k];
    }
  }
  for (int r = 0; r < n; r++)
    for (int k = 0; k < p; k++) b[r * p + k] /= a[r * n + r];
  return 0;
}

/*
** One pass over the respondents, a chunk at a time (the design need not be in
** memory), adds each complete case's weight into its cell: by PSU when there
** are clusters (T), else by stratum with the squared weight too (every
** respondent is a PSU, so the cross-products of the linearised variables
** follow from the sums of w and w^2 per cell: see below). Cells are indexed
** by the variables' own levels (raw) until the levels seen are known.
*/
int mu_estimate_chisq(const mu_design *d, int va, int vb, const int *fv, const int *fl, int nf, mu_chisq *out,
                      char *err, size_t errlen) {
  const mu_design_var *A = &d->var[va], *B = &d->var[vb];
  memset(out, 0, sizeof *out);
  int la = A->nlevels, lb = B->nlevels, L = la * lb, clustered = d->own_psus < d->n;
  size_t units = clustered ? (size_t)d->npsu : (size_t)d->nstrata;
  /* The levels seen in the (filtered) data, as factor() keeps them: unused options drop out. */
  int *rmap = calloc((size_t)la + 1, sizeof *rmap), *cmap = calloc((size_t)lb + 1, sizeof *cmap);
  int *rinv = malloc((size_t)la * sizeof *rinv + 1), *cinv = malloc((size_t)lb * sizeof *cinv + 1);
  int nr = 0, nc = 0, rc = -1;
  double *factor = malloc((size_t)d->nstrata * sizeof *factor);
  int *npsu_h = malloc((size_t)d->nstrata * sizeof *npsu_h);
  double *T = calloc(units * (size_t)L + 1, sizeof *T), *Q = clustered ? NULL : calloc(units * (size_t)L + 1, sizeof *Q);
  unsigned char *psu_seen = calloc((size_t)d->npsu / 8 + 1, 1), *h_seen = calloc((size_t)d->nstrata, 1);
  double *p = NULL, *S1 = NULL, *S2 = NULL, *Z = NULL, *V = NULL, *X1 = NULL, *X12 = NULL, *Cm = NULL;
  double *tmp = NULL, *den = NULL, *num = NULL, *Ct = NULL, *W = NULL, *tab = NULL;
  if (!rmap || !cmap || !rinv || !cinv || !factor || !npsu_h || !T || (!clustered && !Q) || !psu_seen || !h_seen)
    goto oom;
  long long N = 0, nu_psu = 0, nu_h = 0;
  double X = 0;
  mu_chunk ch;
  for (int first = 0; first < d->n; first += ch.n) {
    if (mu_design_next(d, first, &ch, err, errlen)) {
      rc = MU_DESIGN_RELOAD;
      goto done;
    }
    const int *a = ch.code[va], *b = ch.code[vb];
    for (int i = 0; i < ch.n; i++) {
      int ok = 1;
      for (int k = 0; k < nf && ok; k++) ok = ch.code[fv[k]][i] == fl[k];
      if (!ok) continue;
      int h = ch.stratum ? ch.stratum[i] : 0;
      N++;
      if (!ch.psu) nu_psu++;
      else if (!(psu_seen[ch.psu[i] >> 3] & (1u << (ch.psu[i] & 7)))) {
        psu_seen[ch.psu[i] >> 3] |= (unsigned char)(1u << (ch.psu[i] & 7));
        nu_psu++;
      }
      if (!h_seen[h]) h_seen[h] = 1, nu_h++;
      if (a[i] >= 0) rmap[a[i]] = 1;
      if (b[i] >= 0) cmap[b[i]] = 1;
      if (a[i] < 0 || b[i] < 0) continue;
      double w = ch.w[i];
      size_t cell = (clustered ? (size_t)ch.psu[i] : (size_t)h) * (size_t)L +
                    (size_t)a[i] + (size_t)la * (size_t)b[i];
      T[cell] += w;
      if (Q) Q[cell] += w * w;
      X += w;
    }
  }
  for (int k = 0; k < la; k++)
    if (rmap[k]) rinv[nr] = k, rmap[k] = nr++;
    else rmap[k] = -1;
  for (int k = 0; k < lb; k++)
    if (cmap[k]) cinv[nc] = k, cmap[k] = nc++;
    else cmap[k] = -1;
  double nu = (double)(nu_psu - nu_h);
  if (nr < 2 || nc < 2) {
    snprintf(err, errlen, "a test of association needs at least two answers on each side (found %d by %d)", nr, nc);
    goto done;
  }
  if (!(X > 0)) {
    snprintf(err, errlen, "no respondent answered both");
    goto done;
  }
  if (mu_design_strata(d, factor, npsu_h, err, errlen)) goto done;
  int m = nr * nc;   /* cells, rows varying fastest (R's interaction order) */
  p = calloc((size_t)m, sizeof *p);
  S1 = calloc((size_t)d->nstrata * (size_t)m, sizeof *S1);
  S2 = calloc((size_t)d->nstrata * (size_t)m * (size_t)m, sizeof *S2);
  Z = calloc((size_t)m * 2, sizeof *Z);
  V = calloc((size_t)m * (size_t)m, sizeof *V);
  tab = calloc((size_t)m, sizeof *tab);
  if (!p || !S1 || !S2 || !Z || !V || !tab) goto oom;
  /* raw[c]: cell c's index among the variables' own levels */
#define RAW(c) ((size_t)rinv[(c) % nr] + (size_t)la * (size_t)cinv[(c) / nr])
  /* The cell proportions among complete cases (svymean(mm, na.rm = TRUE)). */
  for (size_t u = 0; u < units; u++)
    for (int c = 0; c < m; c++) p[c] += T[u * (size_t)L + RAW(c)];
  for (int c = 0; c < m; c++) {
    tab[c] = p[c] / X * (double)N;   /* svytable(..., Ntotal = N) */
    p[c] /= X;
  }
  /* A level seen only beside a missing answer (a group whose respondents all skipped the question) is a
     row or column of zeros: Pearson's statistic is then 0/0 (R's svychisq gives NaN), so refuse and say
     which. */
  for (int r = 0; r < nr + nc; r++) {
    double sum = 0;
    for (int k = 0; k < (r < nr ? nc : nr); k++) sum += r < nr ? p[r + nr * k] : p[k + nr * (r - nr)];
    if (sum > 0) continue;
    const mu_design_var *empty = r < nr ? A : B, *other = r < nr ? B : A;
    snprintf(err, errlen, "%s '%s' has no respondent who also answered %s, so the table has an empty %s: "
             "no test is possible (R's svychisq gives NaN)", empty->name,
             empty->keys[r < nr ? rinv[r] : cinv[r - nr]], other->name, r < nr ? "row" : "column");
    goto done;
  }
  /* Their covariance: PSU totals of the linearised variables z = (T - p b) / X, cross-products by stratum. */
  double *Zq = Z + m;
  for (size_t u = 0; u < units; u++) {
    double b = 0, b2 = 0;
    for (int c = 0; c < m; c++) {
      Z[c] = T[u * (size_t)L + RAW(c)];
      b += Z[c];
      if (Q) b2 += Zq[c] = Q[u * (size_t)L + RAW(c)];
    }
    if (b == 0) continue;
    int h = clustered ? mu_psu_stratum(d, (int)u) : (int)u;
    double *s1 = S1 + (size_t)h * (size_t)m, *s2 = S2 + (size_t)h * (size_t)m * (size_t)m;
    if (clustered) {   /* one PSU: its vector z and z z' */
      for (int c = 0; c < m; c++) Z[c] = (Z[c] - p[c] * b) / X;
      for (int c = 0; c < m; c++) {
        s1[c] += Z[c];
        for (int e = 0; e < m; e++) s2[c * m + e] += Z[c] * Z[e];
      }
    } else {
      /* a stratum of one-respondent PSUs: z_i = w_i (e_cell - p) / X, so the sum of z_i z_i' is
         (diag(q) - q p' - p q' + p p' sum w^2) / X^2, with q the cells' sums of w^2 */
      for (int c = 0; c < m; c++) {
        s1[c] += (Z[c] - p[c] * b) / X;
        for (int e = 0; e < m; e++)
          s2[c * m + e] += ((c == e ? Zq[c] : 0) - Zq[c] * p[e] - p[c] * Zq[e] + p[c] * p[e] * b2) / (X * X);
      }
    }
  }
#undef RAW
  for (int h = 0; h < d->nstrata; h++) {
    double *s1 = S1 + (size_t)h * (size_t)m, *s2 = S2 + (size_t)h * (size_t)m * (size_t)m;
    for (int c = 0; c < m; c++)
      for (int e = 0; e < m; e++) V[c * m + e] += factor[h] * (s2[c * m + e] - s1[c] * s1[e] / npsu_h[h]);
  }
  /* Pearson's X^2 on the scaled table. */
  double chisq = 0;
  for (int r = 0; r < nr; r++)
    for (int c = 0; c < nc; c++) {
      double rs = 0, cs = 0;
      for (int k = 0; k < nc; k++) rs += tab[r + nr * k];
      for (int k = 0; k < nr; k++) cs += tab[k + nr * c];
      double e = rs * cs / (double)N;
      chisq += e > 0 ? (tab[r + nr * c] - e) * (tab[r + nr * c] - e) / e : NAN;
    }
  /* The interaction contrasts: columns of X12 beyond the main effects, made orthogonal to them. */
  int q1 = nr + nc - 1, q2 = (nr - 1) * (nc - 1);
  X1 = calloc((size_t)m * (size_t)q1, sizeof *X1);
  X12 = calloc((size_t)m * (size_t)q2, sizeof *X12);
  Cm = calloc((size_t)m * (size_t)q2, sizeof *Cm);
  tmp = calloc((size_t)q1 * (size_t)(q1 > q2 ? q1 : q2) + (size_t)m * (size_t)m, sizeof *tmp);
  double *XtX = calloc((size_t)q1 * (size_t)q1, sizeof *XtX), *XtY = calloc((size_t)q1 * (size_t)q2, sizeof *XtY);
  double *X1t = calloc((size_t)q1 * (size_t)m, sizeof *X1t);
  if (!X1 || !X12 || !Cm || !tmp || !XtX || !XtY || !X1t) {
    free(XtX); free(XtY); free(X1t);
    goto oom;
  }
  for (int c = 0; c < m; c++) {
    int r = c % nr, k = c / nr;
    X1[c * q1] = 1;
    if (r > 0) X1[c * q1 + r] = 1;
    if (k > 0) X1[c * q1 + (nr - 1) + k] = 1;
    if (r > 0 && k > 0) X12[c * q2 + (r - 1) + (nr - 1) * (k - 1)] = 1;
  }
  transpose(X1, X1t, m, q1);
  matmul(X1t, X1, XtX, q1, m, q1);
  matmul(X1t, X12, XtY, q1, m, q2);
  if (solve(XtX, XtY, q1, q2)) {   /* XtY now holds the regression coefficients */
    free(XtX); free(XtY); free(X1t);
    snprintf(err, errlen, "the table's main effects are singular");
    goto done;
  }
  matmul(X1, XtY, Cm, m, q1, q2);
  for (int c = 0; c < m * q2; c++) Cm[c] = X12[c] - Cm[c];
  free(XtX); free(XtY); free(X1t);
  /* denom = C' D^-1 C / N; numr = C' D^-1 V D^-1 C; Delta = denom^-1 numr */
  Ct = calloc((size_t)q2 * (size_t)m, sizeof *Ct);
  W = calloc((size_t)m * (size_t)q2, sizeof *W);
  den = calloc((size_t)q2 * (size_t)q2, sizeof *den);
  num = calloc((size_t)q2 * (size_t)q2, sizeof *num);
  if (!Ct || !W || !den || !num) goto oom;
  for (int c = 0; c < m; c++)
    for (int e = 0; e < q2; e++) W[c * q2 + e] = p[c] > 0 ? Cm[c * q2 + e] / p[c] : 0;   /* D^-1 C */
  transpose(Cm, Ct, m, q2);
  matmul(Ct, W, den, q2, m, q2);
  for (int c = 0; c < q2 * q2; c++) den[c] /= (double)N;
  double *VW = calloc((size_t)m * (size_t)q2, sizeof *VW), *Wt = calloc((size_t)q2 * (size_t)m, sizeof *Wt);
  if (!VW || !Wt) {
    free(VW); free(Wt);
    goto oom;
  }
  matmul(V, W, VW, m, m, q2);
  transpose(W, Wt, m, q2);
  matmul(Wt, VW, num, q2, m, q2);
  free(VW); free(Wt);
  if (solve(den, num, q2, q2)) {
    snprintf(err, errlen, "the table is degenerate: no test is possible");
    goto done;
  }
  double tr = 0, tr2 = 0;
  for (int i = 0; i < q2; i++) {
    tr += num[i * q2 + i];
    for (int k = 0; k < q2; k++) tr2 += num[i * q2 + k] * num[k * q2 + i];
  }
  out->nr = nr;
  out->nc = nc;
  out->chisq = chisq;
  out->ndf = tr * tr / tr2;
  out->ddf = out->ndf * nu;
  out->f = chisq / tr;
  out->p = mu_pf_upper(out->f, out->ndf, out->ddf);
  if (!isfinite(out->f) || isnan(out->p) || !(out->ddf > 0)) {   /* never a result with its figures missing */
    snprintf(err, errlen, "the table's design effects leave no test (F %g on %g and %g degrees of freedom)",
             out->f, out->ndf, out->ddf);
    goto done;
  }
  rc = 0;
  goto done;
oom:
  snprintf(err, errlen, "out of memory");
done:
  free(rmap); free(cmap); free(rinv); free(cinv); free(T); free(Q); free(psu_seen); free(h_seen);
  free(factor); free(npsu_h); free(p); free(S1); free(S2); free(Z); free(V); free(X1);
  free(X12); free(Cm); free(tmp); free(den); free(num); free(Ct); free(W); free(tab);
  return rc;
}
