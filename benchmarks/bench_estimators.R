# Times R survey on the paths of bench_estimators.py (same data); prints one JSON line with the
# times and each path's estimates and SEs in campaign_me's order.
# Usage: Rscript bench_estimators.R FILE.csv MARGINS.csv REPEAT
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
pop <- read.csv(args[2])
rep <- as.integer(args[3])
# best elapsed and best CPU (user + system) seconds of REPEAT runs
best <- function(f) {
  t <- Inf; cpu <- Inf
  for (i in seq_len(rep)) { s <- system.time(r <- f()); t <- min(t, s[["elapsed"]]); cpu <- min(cpu, s[["user.self"]] + s[["sys.self"]]) }
  list(t = t, cpu = cpu, r = r)
}
cpus <- list()
ys <- ~y1 + y2 + y3 + y4 + y5 + y6
vars <- paste0("y", 1:6)
times <- list()
res <- list()
num <- function(x) paste(sprintf("%.15g", x), collapse = ", ")
keep <- function(key, est, se) res[[key]] <<- sprintf('"%s": {"est": [%s], "se": [%s]}', key, num(est), num(se))
ds <- svydesign(id = ~psu_s, strata = ~stratum_s, weights = ~weight, data = df, nest = TRUE)

r <- best(function() svytotal(ys, ds)); times$total6 <- r$t; cpus$total6 <- r$cpu; keep("total6", coef(r$r), SE(r$r))
r <- best(function() svymean(ys, ds)); times$mean6 <- r$t; cpus$mean6 <- r$cpu; keep("mean6", coef(r$r), SE(r$r))
r <- best(function() svyratio(~y1, ~y3, ds)); times$ratio <- r$t; cpus$ratio <- r$cpu; keep("ratio", coef(r$r), SE(r$r))
r <- best(function() svymean(~y2, ds)); times$proportion <- r$t; cpus$proportion <- r$cpu; keep("proportion", coef(r$r), SE(r$r))
r <- best(function() svyby(ys, ~region, ds, svymean)); times$mean6_by_region <- r$t; cpus$mean6_by_region <- r$cpu
o <- order(r$r$region, method = "radix")
keep("mean6_by_region", c(t(as.matrix(r$r[o, vars]))), c(t(as.matrix(SE(r$r)[o, ]))))
ps <- pop[pop$variable == "sex", ]
pa <- pop[pop$variable == "agegroup", ]
psex <- data.frame(sex = ps$level, Freq = ps$count)
page <- data.frame(agegroup = pa$level, Freq = pa$count)
r <- best(function() rake(ds, list(~sex, ~agegroup), list(psex, page), control = list(maxit = 100, epsilon = 1e-4)))
times$rake <- r$t; cpus$rake <- r$cpu
m <- svymean(~y1, r$r); keep("rake", coef(m), SE(m))
r <- best(function() svyglm(y2 ~ region + y1, design = ds, family = quasibinomial()))
times$logistic <- r$t; cpus$logistic <- r$cpu; keep("logistic", coef(r$r), SE(r$r))

tj <- paste(sprintf('"%s": %.4f', names(times), unlist(times)), collapse = ", ")
cj <- paste(sprintf('"%s": %.4f', names(cpus), unlist(cpus)), collapse = ", ")
cat(sprintf('{"time": {%s}, "cpu": {%s}, %s}\n', tj, cj, paste(unlist(res), collapse = ", ")))
