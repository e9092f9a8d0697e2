# Times R survey on the benchmark data written by bench_design.py; prints one JSON line.
# Usage: Rscript bench_design.R FILE.csv REPEAT
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
rep <- as.integer(args[2])
best <- function(f) { t <- Inf; for (i in seq_len(rep)) { s <- system.time(r <- f())[["elapsed"]]; t <- min(t, s) }; list(t = t, r = r) }
d <- best(function() svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = df))
des <- d$r
m <- best(function() svymean(~y1 + y2 + y3 + y4 + y5 + y6, des))
b <- best(function() svyby(~y1 + y2 + y3 + y4 + y5 + y6, ~domain, des, svymean))
cat(sprintf('{"design": %.4f, "mean": %.4f, "mean_by_domain": %.4f, "est": [%s], "se": [%s]}\n',
            d$t, m$t, b$t, paste(sprintf("%.15g", coef(m$r)), collapse = ", "),
            paste(sprintf("%.15g", SE(m$r)), collapse = ", ")))
