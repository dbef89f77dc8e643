# Reference values for research.evaluation, computed by R's metafor (3.8-1 in CI).
#
# Usage (from the project root):
#   Rscript tests/reference/metafor_reference.R ../shared/data/stats/dat_bcg.csv tests/reference
#
# Writes two long CSV files into the output folder:
#   metafor_reference_data.csv  case,row,column,value   - the inputs (BCG, data generated here
#                                                         with set.seed, metadat's
#                                                         dat.konstantopoulos2011)
#   metafor_reference.csv       case,quantity,index,value - what metafor computes from them
# tests/test_evaluation_oracle.py runs this script and compares both files with the committed
# ones and with our own estimates. Root-finding steps (Paule-Mandel, Q-profile) are run with
# control tol = 1e-12 instead of uniroot's default .Machine$double.eps^0.25 (1.2e-4), so
# that the comparison can be made at a relative tolerance of 1e-6; everything else uses
# metafor's defaults (REML stops when tau^2 changes by <= 1e-5).

suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
bcg_path <- if (length(args) >= 1) args[1] else "../shared/data/stats/dat_bcg.csv"
out_dir <- if (length(args) >= 2) args[2] else "tests/reference"
TIGHT <- list(tol = 1e-12)

data_rows <- list()
result_rows <- list()
num <- function(x) ifelse(is.na(x), "NA", formatC(as.numeric(x), digits = 17, format = "g"))

put_data <- function(case, df) {
  for (column in names(df)) {
    values <- df[[column]]
    text <- if (is.numeric(values)) num(values) else as.character(values)
    data_rows[[length(data_rows) + 1]] <<- data.frame(case = case, row = seq_along(values),
                                                      column = column, value = text)
  }
}
put <- function(case, quantity, values) {
  values <- if (length(values) == 0) NA_real_ else as.numeric(values)
  result_rows[[length(result_rows) + 1]] <<- data.frame(case = case, quantity = quantity,
                                                        index = seq_along(values),
                                                        value = num(values))
}

# ---------------------------------------------------------------------------------------
# escalc: every measure the notebook offers, zero cells, drop00

set.seed(20261201)
k <- 8
counts <- data.frame(ai = rbinom(k, 60, 0.2), n1i = rep(60, k), ci = rbinom(k, 60, 0.3),
                     n2i = rep(60, k))
counts <- rbind(counts,
                data.frame(ai = 0, n1i = 40, ci = 6, n2i = 45),    # one zero cell
                data.frame(ai = 0, n1i = 30, ci = 0, n2i = 35),    # no events in either group
                data.frame(ai = 20, n1i = 20, ci = 25, n2i = 25),  # only events in both
                data.frame(ai = 5, n1i = 5, ci = 3, n2i = 30))     # all events in one group
counts$bi <- counts$n1i - counts$ai
counts$di <- counts$n2i - counts$ci
put_data("counts", counts[, c("ai", "bi", "ci", "di")])
for (measure in c("RR", "OR", "RD")) {
  for (drop00 in c(FALSE, TRUE)) {
    es <- escalc(measure = measure, ai = ai, bi = bi, ci = ci, di = di, data = counts,
                 drop00 = drop00)
    case <- paste0("escalc_", measure, if (drop00) "_drop00" else "")
    put(case, "yi", es$yi)
    put(case, "vi", es$vi)
  }
}

means <- data.frame(m1i = round(rnorm(k, 10, 2), 2), m2i = round(rnorm(k, 11, 2), 2),
                    sd1i = round(runif(k, 1.5, 4), 2), sd2i = round(runif(k, 1.5, 4), 2),
                    n1i = sample(8:80, k), n2i = sample(8:80, k))
means <- rbind(means, data.frame(m1i = 3.1, m2i = 2.9, sd1i = 1.2, sd2i = 1.1, n1i = 2, n2i = 3))
put_data("means", means)
for (measure in c("SMD", "MD")) {
  es <- escalc(measure = measure, m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i,
               n1i = n1i, n2i = n2i, data = means)
  put(paste0("escalc_", measure), "yi", es$yi)
  put(paste0("escalc_", measure), "vi", es$vi)
}

prepost <- data.frame(m1i = round(rnorm(k, 2.6, 0.4), 2), m2i = round(rnorm(k, 3.0, 0.4), 2),
                      sd1i = round(runif(k, 0.6, 1.2), 2), ni = sample(5:120, k),
                      ri = round(runif(k, 0.2, 0.8), 2))
put_data("prepost", prepost)
es <- escalc(measure = "SMCR", m1i = m1i, m2i = m2i, sd1i = sd1i, ni = ni, ri = ri,
             data = prepost)
put("escalc_SMCR", "yi", es$yi)
put("escalc_SMCR", "vi", es$vi)

correlations <- data.frame(ri = round(runif(k, -0.6, 0.8), 3), ni = sample(4:300, k))
put_data("correlations", correlations)
es <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = correlations)
put("escalc_ZCOR", "yi", es$yi)
put("escalc_ZCOR", "vi", es$vi)

# ---------------------------------------------------------------------------------------
# rma: FE, DL, REML, PM, with and without Knapp-Hartung; confint; predict

bcg <- read.csv(bcg_path)
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
generate <- function(k, tau2, mu = -0.3) {
  vi <- runif(k, 0.01, 0.1)
  data.frame(yi = rnorm(k, mu, sqrt(vi + tau2)), vi = vi)
}
pooled <- list(bcg = data.frame(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi),
                                ablat = bcg$ablat, alloc = bcg$alloc),
               k2 = generate(2, 0.05), k3 = generate(3, 0.05), k5_homogeneous = generate(5, 0),
               k20_heterogeneous = generate(20, 0.2))
pooled$k20_heterogeneous$x <- round(runif(20, 0, 10), 1)
for (name in names(pooled)) put_data(paste0("meta_", name), pooled[[name]])

for (name in names(pooled)) {
  d <- pooled[[name]]
  for (method in c("FE", "DL", "REML", "PM")) {
    for (test in c("z", "knha")) {
      fit <- rma(yi, vi, data = d, method = method, test = test, control = TIGHT)
      case <- paste("rma", name, method, test, sep = "_")
      put(case, "b", fit$b); put(case, "se", fit$se); put(case, "zval", fit$zval)
      put(case, "pval", fit$pval); put(case, "ci.lb", fit$ci.lb); put(case, "ci.ub", fit$ci.ub)
      put(case, "tau2", fit$tau2); put(case, "I2", fit$I2); put(case, "H2", fit$H2)
      put(case, "QE", fit$QE); put(case, "QEp", fit$QEp)
      pr <- predict(fit)
      put(case, "pi.lb", pr$pi.lb); put(case, "pi.ub", pr$pi.ub)
      if (method != "FE") {
        ci <- confint(fit, control = TIGHT)$random
        put(case, "tau2.lb", ci["tau^2", "ci.lb"]); put(case, "tau2.ub", ci["tau^2", "ci.ub"])
        put(case, "I2.lb", ci["I^2(%)", "ci.lb"]); put(case, "I2.ub", ci["I^2(%)", "ci.ub"])
      }
    }
  }
}

# ---------------------------------------------------------------------------------------
# regtest (Egger), leave1out, meta-regression

for (name in c("bcg", "k20_heterogeneous")) {
  d <- pooled[[name]]
  fit <- rma(yi, vi, data = d)
  for (model in c("rma", "lm")) {
    eg <- regtest(fit, model = model)
    case <- paste("regtest", name, model, sep = "_")
    put(case, "zval", eg$zval); put(case, "pval", eg$pval); put(case, "est", eg$est)
    put(case, "dfs", if (is.null(eg$dfs)) NA else eg$dfs)
  }
  for (method in c("REML", "DL")) {
    l1o <- leave1out(rma(yi, vi, data = d, method = method))
    case <- paste("leave1out", name, method, sep = "_")
    for (quantity in c("estimate", "se", "zval", "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2",
                       "I2", "H2")) put(case, quantity, l1o[[quantity]])
  }
}

regressions <- list(
  bcg_ablat_REML_z = list(d = pooled$bcg, mods = ~ ablat, method = "REML", test = "z"),
  bcg_ablat_REML_knha = list(d = pooled$bcg, mods = ~ ablat, method = "REML", test = "knha"),
  bcg_ablat_DL_z = list(d = pooled$bcg, mods = ~ ablat, method = "DL", test = "z"),
  bcg_alloc_REML_z = list(d = pooled$bcg, mods = ~ alloc, method = "REML", test = "z"),
  k20_x_REML_z = list(d = pooled$k20_heterogeneous, mods = ~ x, method = "REML", test = "z"),
  k20_x_PM_knha = list(d = pooled$k20_heterogeneous, mods = ~ x, method = "PM", test = "knha"))
for (name in names(regressions)) {
  spec <- regressions[[name]]
  fit <- rma(yi, vi, mods = spec$mods, data = spec$d, method = spec$method, test = spec$test,
             control = TIGHT)
  case <- paste0("metareg_", name)
  put(case, "b", fit$b); put(case, "se", fit$se); put(case, "zval", fit$zval)
  put(case, "pval", fit$pval); put(case, "QM", fit$QM); put(case, "QMp", fit$QMp)
  put(case, "QE", fit$QE); put(case, "QEp", fit$QEp); put(case, "tau2", fit$tau2)
  put(case, "R2", fit$R2)
}

# ---------------------------------------------------------------------------------------
# three-level model: evaluations nested in clusters (rma.mv)

three <- list(konstantopoulos2011 = data.frame(cluster = dat.konstantopoulos2011$district,
                                               study = dat.konstantopoulos2011$school,
                                               yi = dat.konstantopoulos2011$yi,
                                               vi = dat.konstantopoulos2011$vi))
sizes <- c(2, 5, 3, 6, 4)
clusters <- rep(paste0("Kunskapshus ", LETTERS[seq_along(sizes)]), sizes)
effect <- rnorm(length(sizes), 0, sqrt(0.04))[rep(seq_along(sizes), sizes)]
vi <- runif(sum(sizes), 0.01, 0.08)
three$generated <- data.frame(cluster = clusters, study = paste0("U", seq_along(vi)),
                              yi = -0.25 + effect + rnorm(sum(sizes), 0, sqrt(0.02 + vi)),
                              vi = vi)
three$small <- three$generated[three$generated$cluster %in% c("Kunskapshus A", "Kunskapshus C"), ]
# several effect sizes per evaluation: rows of one evaluation share its random effect
repeated <- three$generated
repeated$study <- paste0("U", c(1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 7, 8, 8, 8, 9, 9, 10, 11, 11, 12))
three$repeated <- repeated
for (name in names(three)) {
  d <- three[[name]]
  put_data(paste0("mv_", name), d)
  fit <- rma.mv(yi, vi, random = ~ 1 | cluster / study, data = d, method = "REML")
  case <- paste0("rma.mv_", name)
  put(case, "sigma2", fit$sigma2); put(case, "b", fit$b); put(case, "se", fit$se)
  put(case, "zval", fit$zval); put(case, "pval", fit$pval); put(case, "ci.lb", fit$ci.lb)
  put(case, "ci.ub", fit$ci.ub); put(case, "QE", fit$QE); put(case, "QEp", fit$QEp)
  put(case, "logLik", logLik(fit))
  pr <- predict(fit)
  put(case, "pi.lb", pr$pi.lb); put(case, "pi.ub", pr$pi.ub)
  # I^2 per level as in the metafor FAQ (metafor-project.org, "I^2 for multilevel models")
  W <- diag(1 / d$vi); X <- model.matrix(fit)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  put(case, "I2", 100 * fit$sigma2 / (sum(fit$sigma2) + (fit$k - fit$p) / sum(diag(P))))
}

write.csv(do.call(rbind, data_rows), file.path(out_dir, "metafor_reference_data.csv"),
          row.names = FALSE)
write.csv(do.call(rbind, result_rows), file.path(out_dir, "metafor_reference.csv"),
          row.names = FALSE)
cat("metafor", as.character(packageVersion("metafor")), "R", R.version$major,
    R.version$minor, "\n")
