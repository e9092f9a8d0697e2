# Reference values for tests/test_power.py.
#
# Run:  Rscript tests/reference/power.R
# Produced with R 4.2.2 and pwr 1.3-0 (stats::power.prop.test, stats::power.t.test,
# pwr::pwr.2p.test, pwr::pwr.2p2n.test, pwr::pwr.t2n.test). Every line printed is
# "<expression> = <value>", and the expression is copied verbatim into a comment
# above the value in tests/test_power.py.
#
# Notes on R's conventions that the Python code reproduces:
# * power.prop.test() and power.t.test() default to strict = FALSE: for a two-sided
#   test they count rejections in the direction of the effect only. strict = TRUE adds
#   the (tiny) opposite-tail term. pwr.2p.test(), pwr.2p2n.test() and pwr.t2n.test()
#   always add the opposite tail.
# * pwr.t2n.test(..., sig.level = alpha / 2, alternative = "greater") is the two-sided
#   strict = FALSE power of the two-sample t-test with unequal n.
# * uniroot() in these functions uses tol = .Machine$double.eps^0.25 (about 1.2e-4 on n),
#   so the n values solved by R are accurate to about 1e-4 absolute; the R-only
#   closed forms and the uniroot() calls below use tol = 1e-12.

suppressPackageStartupMessages(library(pwr))

ref <- function(expr) {
  txt <- paste(deparse(substitute(expr), width.cutoff = 500L), collapse = " ")
  cat(sprintf("%s = %.12g\n", txt, expr))
}

z <- function(q) qnorm(q)

cat("## versions\n")
cat(R.version.string, "; pwr", as.character(packageVersion("pwr")), "\n")

cat("\n## 5.1-5.3 one proportion (docs/methodology.md closed forms)\n")
ref(qnorm(0.975)^2 * 0.5 * 0.5/0.05^2)
n0 <- qnorm(0.975)^2 * 0.25/0.05^2
ref(n0/(1 + (n0 - 1)/2000))
ref(n0/(1 + (n0 - 1)/5000))
ref(n0/(1 + (n0 - 1)/1000))
ref(n0 * (1 + (15 - 1) * 0.05)/0.9)
ref(qnorm(0.95)^2 * 0.3 * 0.7/0.03^2)
ref(qnorm(0.995)^2 * 0.2 * 0.8/0.04^2 * 1.5/0.8)

cat("\n## design effect (Kish; Eldridge, Ashby & Kerry 2006)\n")
ref(1 + (15 - 1) * 0.05)
ref(1 + (20 - 1) * 0.05)
ref(1 + ((0.5^2 + 1) * 20 - 1) * 0.05)

cat("\n## two proportions, pooled = power.prop.test: n per group\n")
ref(power.prop.test(p1 = 0.3, p2 = 0.4, power = 0.8)$n)
ref(power.prop.test(p1 = 0.3, p2 = 0.4, power = 0.8, strict = TRUE)$n)
ref(power.prop.test(p1 = 0.4, p2 = 0.3, power = 0.9, sig.level = 0.01, alternative = "one.sided")$n)
ref(power.prop.test(p1 = 0.5, p2 = 0.55, power = 0.8)$n)
ref(power.prop.test(p1 = 0.1, p2 = 0.3, power = 0.2, strict = TRUE)$n)
ref(power.prop.test(p1 = 0.1, p2 = 0.3, power = 0.2)$n)
cat("# unpooled shortcut quoted in docs/methodology.md §5.4 (354)\n")
ref((qnorm(0.975) + qnorm(0.8))^2 * (0.3 * 0.7 + 0.4 * 0.6)/0.1^2)

cat("\n## two proportions, pooled = power.prop.test: power\n")
ref(power.prop.test(n = 200, p1 = 0.3, p2 = 0.4)$power)
ref(power.prop.test(n = 200, p1 = 0.3, p2 = 0.4, strict = TRUE)$power)
ref(power.prop.test(n = 20, p1 = 0.3, p2 = 0.4, strict = TRUE)$power)
ref(power.prop.test(n = 20, p1 = 0.3, p2 = 0.4)$power)
ref(power.prop.test(n = 200, p1 = 0.4, p2 = 0.3, alternative = "one.sided")$power)
ref(power.prop.test(n = 200, p1 = 0.4, p2 = 0.3, alternative = "one.sided", sig.level = 0.1)$power)

cat("\n## pooled with unequal n (Fleiss, Levin & Paik 2003, eq. 4.19, no continuity correction)\n")
pooled_power <- function(p1, p2, n1, n2, alpha = 0.05, strict = FALSE) {
  pbar <- (n1 * p1 + n2 * p2)/(n1 + n2)
  s0 <- sqrt(pbar * (1 - pbar) * (1/n1 + 1/n2))
  s1 <- sqrt(p1 * (1 - p1)/n1 + p2 * (1 - p2)/n2)
  q <- qnorm(1 - alpha/2)
  d <- abs(p1 - p2)
  pnorm((d - q * s0)/s1) + if (strict) pnorm((-d - q * s0)/s1) else 0
}
fleiss_n1 <- function(p1, p2, r, alpha = 0.05, power = 0.8) {
  pbar <- (p1 + r * p2)/(1 + r)
  (qnorm(1 - alpha/2) * sqrt(pbar * (1 - pbar) * (1 + 1/r)) +
     qnorm(power) * sqrt(p1 * (1 - p1) + p2 * (1 - p2)/r))^2/(p1 - p2)^2
}
ref(fleiss_n1(0.3, 0.4, r = 2))
ref(fleiss_n1(0.3, 0.4, r = 0.5))
ref(uniroot(function(n) pooled_power(0.3, 0.4, n, 2 * n, strict = TRUE) - 0.8, c(1, 1e4), tol = 1e-12)$root)
ref(pooled_power(0.3, 0.4, 150, 300))
ref(pooled_power(0.3, 0.4, 150, 300, strict = TRUE))
cat("# ratio = 1 must equal power.prop.test\n")
ref(fleiss_n1(0.3, 0.4, r = 1))

cat("\n## two proportions, arcsine = pwr.2p.test / pwr.2p2n.test\n")
ref(ES.h(0.3, 0.4))
ref(pwr.2p.test(h = ES.h(0.3, 0.4), power = 0.8)$n)
ref(pwr.2p.test(h = ES.h(0.4, 0.3), power = 0.9, sig.level = 0.01, alternative = "greater")$n)
ref(pwr.2p.test(h = ES.h(0.3, 0.4), power = 0.9, sig.level = 0.01, alternative = "less")$n)
ref(pwr.2p.test(h = ES.h(0.3, 0.4), n = 200)$power)
ref(pwr.2p.test(h = ES.h(0.3, 0.4), n = 20)$power)
ref(pwr.2p.test(h = ES.h(0.4, 0.3), n = 200, alternative = "greater")$power)
ref(pwr.2p.test(h = ES.h(0.3, 0.4), n = 200, alternative = "less")$power)
ref(pwr.2p.test(h = ES.h(0.3, 0.4), n = 200, alternative = "greater")$power)
ref(pwr.2p2n.test(h = ES.h(0.3, 0.4), n1 = 200, n2 = 400)$power)
ref(pwr.2p2n.test(h = ES.h(0.3, 0.4), n1 = 200, n2 = 400, alternative = "less")$power)
ref(uniroot(function(n) pwr.2p2n.test(h = ES.h(0.3, 0.4), n1 = n, n2 = 2 * n)$power - 0.8, c(3, 1e4), tol = 1e-12)$root)
ref(uniroot(function(n) pwr.2p2n.test(h = ES.h(0.3, 0.4), n1 = n, n2 = 0.5 * n)$power - 0.8, c(5, 1e4), tol = 1e-12)$root)

cat("\n## two means, t = power.t.test (two.sample) / pwr.t2n.test\n")
ref(power.t.test(delta = 5, sd = 15, power = 0.8)$n)
ref(power.t.test(delta = 5, sd = 15, power = 0.8, strict = TRUE)$n)
ref(power.t.test(delta = 5, sd = 15, power = 0.9, sig.level = 0.01, alternative = "one.sided")$n)
ref(power.t.test(delta = 2, sd = 1, power = 0.8)$n)
ref(power.t.test(delta = 2, sd = 1, power = 0.8, strict = TRUE)$n)
ref(power.t.test(delta = 10, sd = 1, power = 0.8)$n)
ref(power.t.test(delta = 30, sd = 1, power = 0.8, strict = TRUE)$n)
ref(power.t.test(n = 100, delta = 5, sd = 15)$power)
ref(power.t.test(n = 100, delta = 5, sd = 15, strict = TRUE)$power)
ref(power.t.test(n = 10, delta = 5, sd = 15, strict = TRUE)$power)
ref(power.t.test(n = 10, delta = 5, sd = 15)$power)
ref(power.t.test(n = 20, delta = 1, sd = 1, alternative = "one.sided")$power)
ref(power.t.test(n = 3, delta = 1, sd = 1)$power)
ref(pwr.t2n.test(n1 = 100, n2 = 200, d = 5/15)$power)
ref(pwr.t2n.test(n1 = 100, n2 = 200, d = 5/15, sig.level = 0.025, alternative = "greater")$power)
ref(pwr.t2n.test(n1 = 100, n2 = 200, d = -5/15, alternative = "less")$power)
ref(pwr.t2n.test(n1 = 100, n2 = 200, d = 5/15, alternative = "greater")$power)
ref(uniroot(function(n) pwr.t2n.test(n1 = n, n2 = 2 * n, d = 5/15, sig.level = 0.025, alternative = "greater")$power - 0.8, c(3, 1e4), tol = 1e-12)$root)
ref(uniroot(function(n) pwr.t2n.test(n1 = n, n2 = 2 * n, d = 5/15)$power - 0.8, c(3, 1e4), tol = 1e-12)$root)
cat("# normal approximation (docs/methodology.md §5.4: 142)\n")
ref(2 * 15^2 * (qnorm(0.975) + qnorm(0.8))^2/5^2)
ref((1 + 1/2) * 15^2 * (qnorm(0.975) + qnorm(0.8))^2/5^2)
ref(pnorm(5/(15 * sqrt(2/100)) - qnorm(0.975)))

cat("\n## minimum detectable effects\n")
ref((qnorm(0.975) + qnorm(0.8)) * sqrt(0.5 * 0.5 * 2/400))
ref((qnorm(0.975) + qnorm(0.8)) * sqrt(0.5 * 0.5 * 2/400) * sqrt(1.7))
ref((qnorm(0.95) + qnorm(0.9)) * sqrt(0.3 * 0.7 * (1/300 + 1/600)))
ref(power.t.test(n = 100, sd = 15, power = 0.8)$delta)
ref(power.t.test(n = 100, sd = 15, power = 0.8, sig.level = 0.05, alternative = "one.sided")$delta)
ref(pwr.t2n.test(n1 = 100, n2 = 200, power = 0.8, sig.level = 0.025, alternative = "greater")$d * 15)
ref((qnorm(0.975) + qnorm(0.8)) * 15 * sqrt(2/100))

cat("\n## difference-in-differences (docs/methodology.md §5.5), n_post from power.prop.test, tol tightened\n")
np <- power.prop.test(p1 = 0.3, p2 = 0.4, power = 0.8, tol = 1e-12)$n
ref(np)
ref(2 * np)
ref(2 * np * (1 - 0.5))
ref(np * (1 - 0.5^2))
ref(np * (1 - 0.7^2) * 1.5/0.8)

cat("\n## cluster RCT (docs/methodology.md §5.6)\n")
ref(np * (1 + (20 - 1) * 0.05))
ref(np * (1 + (20 - 1) * 0.05)/20)
ref(np * (1 + (20 - 1) * 0.05)/20/0.9)
ref(1 + (qnorm(0.975) + qnorm(0.8))^2 * (0.3 * 0.7/20 + 0.4 * 0.6/20 + 0.25^2 * (0.3^2 + 0.4^2))/(0.3 - 0.4)^2)
ref(1 + (qnorm(0.975) + qnorm(0.9))^2 * (0.1 * 0.9/50 + 0.15 * 0.85/50 + 0.3^2 * (0.1^2 + 0.15^2))/(0.1 - 0.15)^2)
