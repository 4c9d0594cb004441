# Golden values for mutuals' design-based survey estimates, from R's survey
# package. Regenerate (needs `apt-get install r-cran-survey`):
#   Rscript tests/survey/golden.R > tests/survey/golden.csv
# The tests compare against golden.csv to 1e-6 and do not need R.
# Data: scripts/data/synthetic_staff_survey.csv (synthetic; scripts/data/synthetic_staff_survey.lua).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("scripts/data/synthetic_staff_survey.csv", na.strings = "", stringsAsFactors = FALSE)
d$q1 <- factor(d$q1, levels = c("yes", "no", "dont_know"))
d$q2 <- factor(d$q2, levels = c("strongly_agree", "agree", "disagree", "strongly_disagree"))
# scores for means: a 4-point scale as the People Survey scores it, and yes = 1, no = 0 with "don't know"
# unscored (so left out of the base, as na.rm = TRUE does)
d$score2 <- c(strongly_agree = 100, agree = 75, disagree = 25, strongly_disagree = 0)[as.character(d$q2)]
d$score1 <- c(yes = 1, no = 0, dont_know = NA)[as.character(d$q1)]
for (g in c("A", "B")) {
  d[[paste0("y", g)]] <- as.numeric(d$department == g & d$q1 %in% "no")
  d[[paste0("x", g)]] <- as.numeric(d$department == g & !is.na(d$q1))
}
designs <- list(
  weights = svydesign(ids = ~1, weights = ~weight, data = d),
  strata = svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = d),
  cluster = svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc, nest = TRUE, data = d))
cat(sprintf("# %s; survey %s\n", R.version.string, as.character(packageVersion("survey"))))
cat("design,kind,group,option,value\n")
out <- function(design, kind, group, option, value)
  cat(sprintf("%s,%s,%s,%s,%.12g\n", design, kind, group, option, value))
# Wilson on the effective sample size p(1-p)/V.
wilson <- function(p, v) {
  n <- p * (1 - p) / v; z <- qnorm(0.975)
  den <- 1 + z^2 / n; c <- (p + z^2 / (2 * n)) / den
  h <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / den
  c(max(0, c - h), min(1, c + h))
}
for (name in names(designs)) {
  des <- designs[[name]]
  # overall shares, SEs and design effects
  m <- svymean(~q1, des, na.rm = TRUE, deff = TRUE)
  for (k in levels(d$q1)) {
    out(name, "share", "all", k, coef(m)[[paste0("q1", k)]])
    out(name, "se", "all", k, SE(m)[[paste0("q1", k)]])
    out(name, "deff", "all", k, deff(m)[[paste0("q1", k)]])
  }
  # by department: every cell, the empty one included
  b <- svyby(~q1, ~department, des, svymean, na.rm = TRUE, deff = TRUE)
  for (g in rownames(b)) for (k in levels(d$q1)) {
    col <- paste0("q1", k)
    out(name, "share", g, k, b[g, col])
    out(name, "se", g, k, b[g, paste0("se.", col)])
    dc <- b[g, paste0("DEff.", col)]
    if (!is.na(dc) && is.finite(dc)) out(name, "deff", g, k, dc)
  }
  # intervals for "yes" in each department and overall
  for (g in c("all", sort(unique(d$department)))) {
    sub <- if (g == "all") des else subset(des, department == g)
    for (method in c("logit", "beta")) {
      ci <- suppressWarnings(attr(svyciprop(~I(q1 == "yes"), sub, method = method, na.rm = TRUE), "ci"))
      out(name, paste0("lo_", method), g, "yes", ci[[1]])
      out(name, paste0("hi_", method), g, "yes", ci[[2]])
    }
    mm <- svymean(~I(q1 == "yes"), sub, na.rm = TRUE)
    w <- wilson(coef(mm)[[2]], vcov(mm)[2, 2])
    out(name, "lo_wilson", g, "yes", w[1])
    out(name, "hi_wilson", g, "yes", w[2])
    out(name, "df", g, "yes", degf(sub))
  }
  # each department's share of everyone who answered q1 (the table's margin), with its logit interval
  answered <- subset(des, !is.na(q1))
  for (g in sort(unique(d$department))) {
    ci <- suppressWarnings(svyciprop(as.formula(paste0("~I(department == '", g, "')")), answered,
                                     method = "logit"))
    out(name, "group_share", g, "", coef(ci)[[1]])
    out(name, "group_se", g, "", SE(ci)[[1]])
    out(name, "group_lo_logit", g, "", attr(ci, "ci")[[1]])
    out(name, "group_hi_logit", g, "", attr(ci, "ci")[[2]])
  }
  out(name, "group_df", "all", "", degf(answered))
  # the Rao-Scott test of q1 by department and of q1 by q2
  for (pair in list(c("q1", "department"), c("q1", "q2"))) {
    t <- svychisq(as.formula(paste0("~", pair[1], "+", pair[2])), des)
    tag <- paste0(pair[1], "_", pair[2])
    out(name, "chisq_f", tag, "", t$statistic)
    out(name, "chisq_ndf", tag, "", t$parameter[["ndf"]])
    out(name, "chisq_ddf", tag, "", t$parameter[["ddf"]])
    out(name, "chisq_p", tag, "", t$p.value)
  }
  # the difference of "no" between departments A and B, as the difference of two ratios
  # (svyby with covmat = TRUE refuses missing answers, so the totals are taken directly)
  tt <- svytotal(~yA + xA + yB + xB, des)
  ct <- svycontrast(tt, quote(yA / xA - yB / xB))
  out(name, "diff", "A-B", "no", coef(ct)[[1]])
  out(name, "diff_se", "A-B", "no", SE(ct)[[1]])
  # weighted counts of each answer in each department (svytable), a table's cells' weight
  st <- svytable(~q1 + department, des)
  for (g in colnames(st)) for (k in levels(d$q1)) out(name, "weighted", g, k, st[k, g])
  # nested groups (department and grade) and a question by another question (q1 by q2): every group R
  # gives (it leaves out combinations nobody is in); a group where nobody answered q1 is NaN in R, and has no
  # share in mutuals (its why says so)
  nb <- svyby(~q1, ~department + grade, des, svymean, na.rm = TRUE)
  for (i in seq_len(nrow(nb))) for (k in levels(d$q1)) {
    g <- paste(nb$department[i], "/", nb$grade[i])
    v <- nb[i, paste0("q1", k)]
    if (!is.na(v)) {
      out(name, "share_nested", g, k, v)
      out(name, "se_nested", g, k, nb[i, paste0("se.q1", k)])
    }
  }
  qb <- svyby(~q1, ~q2, des, svymean, na.rm = TRUE)
  for (i in seq_len(nrow(qb))) for (k in levels(d$q1)) {
    out(name, "share_by_q2", as.character(qb$q2[i]), k, qb[i, paste0("q1", k)])
    out(name, "se_by_q2", as.character(qb$q2[i]), k, qb[i, paste0("se.q1", k)])
  }
  # a domain within a filter: q1 by grade among department C
  sb <- svyby(~q1, ~grade, subset(des, department == "C"), svymean, na.rm = TRUE)
  for (g in rownames(sb)) for (k in levels(d$q1)) {
    out(name, "share_in_C", g, k, sb[g, paste0("q1", k)])
    out(name, "se_in_C", g, k, sb[g, paste0("se.q1", k)])
  }
  # means of scores: overall (with the confint interval, normal as R's default), by department, by grade in C
  for (v in c("score2", "score1")) {
    m <- svymean(as.formula(paste0("~", v)), des, na.rm = TRUE, deff = TRUE)
    ci <- confint(m)
    out(name, "mean", "all", v, coef(m)[[1]])
    out(name, "mean_se", "all", v, SE(m)[[1]])
    out(name, "mean_deff", "all", v, deff(m)[[1]])
    out(name, "mean_lo", "all", v, ci[1, 1])
    out(name, "mean_hi", "all", v, ci[1, 2])
  }
  mb <- svyby(~score2, ~department, des, svymean, na.rm = TRUE, deff = TRUE)
  for (g in rownames(mb)) {
    out(name, "mean", g, "score2", mb[g, "score2"])
    out(name, "mean_se", g, "score2", mb[g, "se"])
    out(name, "mean_deff", g, "score2", mb[g, "DEff.score2"])
  }
  mc <- svyby(~score2, ~grade, subset(des, department == "C"), svymean, na.rm = TRUE)
  for (g in rownames(mc)) {
    out(name, "mean_in_C", g, "score2", mc[g, "score2"])
    out(name, "mean_se_in_C", g, "score2", mc[g, "se"])
  }
}
