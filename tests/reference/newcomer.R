# Reference numbers for tests/test_newcomer.py: the newcomer survey (tests/data/newcomer) in R's survey.
# Run from the repository root:  Rscript tests/reference/newcomer.R
# R 4.2, survey 4.1-1 (Debian r-cran-survey). "Don't know" (99) is missing in knows_hotline only:
# the weights, strata and clusters of 99 are real values.
suppressPackageStartupMessages(library(survey))
d <- read.csv("tests/data/newcomer/survey.csv", colClasses = c(resp_id = "character"))
d$knows <- ifelse(d$knows_hotline == 99, NA, as.numeric(d$knows_hotline == 1))
des <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, data = d)
by_sex <- svyby(~knows, ~sex, des, svymean, na.rm = TRUE)
print(by_sex, digits = 10)
ci <- confint(by_sex, df = degf(des))
print(ci, digits = 10)
overall <- svymean(~knows, des, na.rm = TRUE)
print(overall, digits = 10)
cat("degf", degf(des), "\n")
