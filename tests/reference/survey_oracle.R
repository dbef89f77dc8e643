# R's survey package as the oracle for research.survey (tests/test_survey_oracle.py).
#
# Usage: Rscript tests/reference/survey_oracle.R DIR
# DIR holds cases.csv (case, ids, strata, weights, fpc, lonely: formula text, "" for none)
# and one CSV per case with the columns y (numeric, may be NA), event (0/1, may be NA),
# a and b (categories for svychisq; a may be NA), o (ordinal, for svyranktest) and g
# (groups, for svyby). Writes DIR/results.csv: case, key, value (17 significant digits).
# Every number the test calls R's comes from here, computed when the test runs.

suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
spec <- read.csv(file.path(dir, "cases.csv"), stringsAsFactors = FALSE,
                 colClasses = "character", na.strings = character(0))
rows <- list()
put <- function(case, key, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, key = key,
                                          value = sprintf("%.17g", as.numeric(value)))
}
formula_or_null <- function(text) if (text == "") NULL else as.formula(text)

exact_or <- function(ci, data, level) {
  # svyciprop gives NaN (beta) or a point (logit) at 0 % / 100 %; the reference there is
  # the Clopper-Pearson interval of binom.test on the respondents with an answer.
  x <- sum(data$event == 1, na.rm = TRUE)
  n <- sum(!is.na(data$event))
  if (x == 0 || x == n) return(as.numeric(binom.test(x, n, conf.level = level)$conf.int))
  as.numeric(ci)
}

for (i in seq_len(nrow(spec))) {
  s <- spec[i, ]
  case <- s$case
  data <- read.csv(file.path(dir, paste0(case, ".csv")), stringsAsFactors = FALSE,
                   na.strings = c("NA", ""))
  data$a <- factor(data$a)
  data$b <- factor(data$b)
  data$g <- factor(data$g)
  options(survey.lonely.psu = s$lonely)
  d <- suppressWarnings(svydesign(ids = as.formula(s$ids), strata = formula_or_null(s$strata),
                                  weights = formula_or_null(s$weights),
                                  fpc = formula_or_null(s$fpc), data = data, nest = TRUE))
  put(case, "weight_sum", sum(weights(d)))
  put(case, "degf", degf(d))
  m <- svymean(~y, d, na.rm = TRUE)
  put(case, "mean", coef(m)); put(case, "mean_se", SE(m))
  tt <- svytotal(~y, d, na.rm = TRUE)
  put(case, "total", coef(tt)); put(case, "total_se", SE(tt))
  by <- svyby(~y, ~g, d, svymean, na.rm = TRUE)
  for (j in seq_len(nrow(by))) {
    level <- as.character(by$g[j])
    put(case, paste0("by_mean_", level), by$y[j]); put(case, paste0("by_mean_se_", level), by$se[j])
  }
  for (method in c("logit", "beta")) {
    p <- svyciprop(~I(event == 1), d, method = method, na.rm = TRUE)
    ci <- exact_or(attr(p, "ci"), data, 0.95)
    put(case, paste0("prop_", method), coef(p))
    put(case, paste0("prop_", method, "_low"), ci[1]); put(case, paste0("prop_", method, "_high"), ci[2])
    pb <- svyby(~I(event == 1), ~g, d, svyciprop, method = method, vartype = "ci", na.rm = TRUE)
    for (j in seq_len(nrow(pb))) {
      level <- as.character(pb$g[j])
      ci <- exact_or(c(pb$ci_l[j], pb$ci_u[j]), data[data$g == level, ], 0.95)
      key <- paste0("by_prop_", method, "_", level)
      put(case, key, pb[j, 2]); put(case, paste0(key, "_low"), ci[1]); put(case, paste0(key, "_high"), ci[2])
    }
  }
  for (statistic in c("F", "Chisq", "adjWald")) {
    x <- svychisq(~a + b, d, statistic = statistic)
    key <- paste0("chisq_", statistic)
    put(case, key, x$statistic); put(case, paste0(key, "_p"), x$p.value)
    if (statistic != "Chisq") {
      put(case, paste0(key, "_ndf"), x$parameter[1]); put(case, paste0(key, "_ddf"), x$parameter[2])
    }
  }
  r2 <- svyranktest(o ~ b, d)
  put(case, "rank2_t", r2$statistic); put(case, "rank2_df", r2$parameter)
  put(case, "rank2_p", r2$p.value); put(case, "rank2_estimate", r2$estimate)
  r3 <- svyranktest(o ~ g, d)
  # multiranktest stores the chi-square in "parameter" and its df in "statistic"
  put(case, "rank3_chisq", r3$parameter); put(case, "rank3_ndf", r3$statistic)
  put(case, "rank3_ddf", r3$ddf); put(case, "rank3_p", r3$p.value)
}
write.csv(do.call(rbind, rows), file.path(dir, "results.csv"), row.names = FALSE)
