# Times R survey on the paths of bench_paths.py (same CSV); prints one JSON line with the times
# and, for each compared path, the estimates and SEs in campaign_me's row order.
# Usage: Rscript bench_paths.R FILE.csv MARGINS.csv REPEAT
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
pop <- read.csv(args[2])
rep <- as.integer(args[3])
options(survey.lonely.psu = "adjust")  # small runs: a PSU may hold a single SSU (lonely_psu="adjust" in Python)
best <- function(f) { t <- Inf; for (i in seq_len(rep)) { s <- system.time(r <- f())[["elapsed"]]; t <- min(t, s) }; list(t = t, r = r) }
ys <- ~y1 + y2 + y3 + y4 + y5 + y6
vars <- paste0("y", 1:6)
times <- list()
res <- list()
num <- function(x) paste(sprintf("%.15g", x), collapse = ", ")
keep <- function(key, est, se) res[[key]] <<- sprintf('"%s": {"est": [%s], "se": [%s]}', key, num(est), num(se))

d <- best(function() svydesign(id = ~psu_i, strata = ~stratum_i, weights = ~weight, data = df, nest = TRUE))
times$design_nest_int <- d$t
d <- best(function() svydesign(id = ~psu_s, strata = ~stratum_s, weights = ~weight, data = df, nest = TRUE))
times$design_nest_str <- d$t
ds <- d$r
d <- best(function() svydesign(id = ~psu_s + ssu, strata = ~stratum_s, fpc = ~fpc1 + fpc2, data = df, nest = TRUE))
times$design_two_stage <- d$t
d2 <- d$r

b <- best(function() svyby(ys, ~region, ds, svymean))
times$mean6_by_region <- b$t
o <- b$r[order(b$r$region, method = "radix"), ]
keep("by_region", as.matrix(o[, vars]), as.matrix(SE(b$r)[order(b$r$region, method = "radix"), ]))
b <- best(function() svyby(ys, ~region + agegroup, ds, svymean))
times$mean6_by_region_age <- b$t
ord <- order(b$r$region, b$r$agegroup, method = "radix")
keep("by_region_age", as.matrix(b$r[ord, vars]), as.matrix(SE(b$r)[ord, ]))
b <- best(function() svyby(~y1, ~district, ds, svymean))
times$mean_by_200_districts <- b$t
ord <- order(b$r$district, method = "radix")
keep("by_district", coef(b$r)[ord], SE(b$r)[ord])
p <- best(function() svymean(~answer, ds))
times$proportion_200_levels <- p$t
lev <- sort(unique(df$answer), method = "radix")
nm <- paste0("answer", lev)
keep("prop200", coef(p$r)[nm], SE(p$r)[nm])
m <- best(function() svymean(ys, d2))
times$two_stage_mean6 <- m$t
keep("two_stage", coef(m$r), SE(m$r))
ps <- pop[pop$variable == "sex", ]
pa <- pop[pop$variable == "agegroup", ]
psex <- data.frame(sex = ps$level, Freq = ps$count)
page <- data.frame(agegroup = pa$level, Freq = pa$count)
r <- best(function() rake(ds, list(~sex, ~agegroup), list(psex, page), control = list(maxit = 100, epsilon = 1e-4)))
times$rake <- r$t
m <- best(function() svymean(ys, r$r))
times$mean6_after_rake <- m$t
keep("raked", coef(m$r), SE(m$r))

tj <- paste(sprintf('"%s": %.4f', names(times), unlist(times)), collapse = ", ")
cat(sprintf('{"time": {%s}, %s}\n', tj, paste(unlist(res), collapse = ", ")))
