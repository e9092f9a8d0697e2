# Times R survey's svyglm on the fits of bench_regression.py (same CSV); prints one JSON line with
# the best elapsed and CPU seconds of REPEAT runs and each fit's coefficients and SEs.
# Usage: Rscript bench_regression.R FILE.csv REPEAT
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
rep <- as.integer(args[2])
best <- function(f) {
  t <- Inf; cpu <- Inf
  for (i in seq_len(rep)) {
    s <- system.time(r <- f())
    t <- min(t, s[["elapsed"]]); cpu <- min(cpu, s[["user.self"]] + s[["sys.self"]])
  }
  list(t = t, cpu = cpu, r = r)
}
num <- function(x) paste(sprintf("%.15g", x), collapse = ", ")
ds <- svydesign(id = ~psu_s, strata = ~stratum_s, weights = ~weight, data = df, nest = TRUE)
fits <- list(
  logistic = function() svyglm(y2 ~ region + y1, design = ds, family = quasibinomial()),
  linear = function() svyglm(y1 ~ region + y3, design = ds)
)
out <- character(0)
for (key in names(fits)) {
  r <- best(fits[[key]])
  out <- c(out, sprintf('"%s": {"time": %.4f, "cpu": %.4f, "est": [%s], "se": [%s]}',
                        key, r$t, r$cpu, num(coef(r$r)), num(SE(r$r))))
}
cat(sprintf("{%s}\n", paste(out, collapse = ", ")))
