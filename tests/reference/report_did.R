# Reference numbers for tests/test_report.py: the campaign effect (difference-in-differences) of the
# country report, for the Corvia sample (data/samples/corvia), computed with R's survey package.
# Run from the repository root:  Rscript tests/reference/report_did.R
# The rounds are independent samples and campaign/comparison districts are disjoint strata, so the
# DiD is (end_T - base_T) - (end_C - base_C) with variance the sum of the four domain variances
# (svyby keeps the full design for each domain). Shares are x 100 (percentage points).
suppressMessages(library(survey))
options(digits = 15)
cell <- function(file, var) {
  d <- read.csv(file)
  d$risk_perception[d$risk_perception == 999] <- NA  # codebook: 999 = don't know (missing)
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
  b <- svyby(as.formula(paste0("~", var)), ~campaign, des, svymean, na.rm = TRUE)
  list(est = coef(b), var = SE(b)^2)  # order: campaign 0, 1
}
for (v in c("risk_aware", "hotline_known", "risk_perception")) {
  scale <- if (v == "risk_perception") 1 else 100
  b <- cell("data/samples/corvia/survey_baseline.csv", v)
  e <- cell("data/samples/corvia/survey_endline.csv", v)
  did <- scale * ((e$est[2] - b$est[2]) - (e$est[1] - b$est[1]))
  se <- scale * sqrt(sum(b$var) + sum(e$var))
  cat(sprintf("%s: did = %.12f, se = %.12f\n", v, did, se))
}
