# Times R survey on the DiD of bench_did.py (same stacked rows, written by it to a CSV); prints one
# JSON line with the times and the DiD estimate (coefficient of campaign:post) and its SE.
# Usage: Rscript bench_did.R FILE.csv REPEAT
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
rep <- as.integer(args[2])
# best elapsed and best CPU (user + system) seconds of REPEAT runs
best <- function(f) {
  t <- Inf; cpu <- Inf
  for (i in seq_len(rep)) { s <- system.time(r <- f()); t <- min(t, s[["elapsed"]]); cpu <- min(cpu, s[["user.self"]] + s[["sys.self"]]) }
  list(t = t, cpu = cpu, r = r)
}
declare <- function() svydesign(id = ~round_psu, strata = ~round_stratum, weights = ~weight, data = df, nest = TRUE)
ds <- declare()
fit <- best(function() svyglm(y ~ campaign * post, design = ds))
both <- best(function() svyglm(y ~ campaign * post, design = declare()))
est <- coef(fit$r)[["campaign:post"]]
se <- SE(fit$r)[["campaign:post"]]
cat(sprintf('{"time": {"svyglm": %.4f, "design_svyglm": %.4f}, "cpu": {"svyglm": %.4f, "design_svyglm": %.4f}, "est": %.15g, "se": %.15g}\n',
            fit$t, both$t, fit$cpu, both$cpu, est, se))
