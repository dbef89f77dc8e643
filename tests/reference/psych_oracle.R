# psych::alpha as the oracle for research.survey.cronbach_alpha (tests/test_survey_oracle.py).
#
# Usage: Rscript tests/reference/psych_oracle.R DIR CASE...
# Reads DIR/items_CASE.csv (one column per item, NA for a missing answer) for each CASE,
# also writes DIR/items_bfi.csv (psych's bfi, items N1-N5) and treats it as case "bfi".
# Writes DIR/results.csv: case, key, value (17 significant digits): raw_alpha, std_alpha,
# drop_raw_ITEM and drop_std_ITEM (alpha if the item is dropped), and for the listwise
# option listwise_raw_alpha and complete_rows.

suppressMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
data(bfi, package = "psych", envir = environment())
write.csv(bfi[, c("N1", "N2", "N3", "N4", "N5")], file.path(dir, "items_bfi.csv"),
          row.names = FALSE)
rows <- list()
put <- function(case, key, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, key = key,
                                          value = sprintf("%.17g", as.numeric(value)))
}
for (case in c(args[-1], "bfi")) {
  items <- read.csv(file.path(dir, paste0("items_", case, ".csv")), check.names = FALSE)
  a <- suppressWarnings(suppressMessages(alpha(items, check.keys = FALSE)))
  put(case, "raw_alpha", a$total$raw_alpha)
  put(case, "std_alpha", a$total$std.alpha)
  for (item in rownames(a$alpha.drop)) {
    put(case, paste0("drop_raw_", item), a$alpha.drop[item, "raw_alpha"])
    put(case, paste0("drop_std_", item), a$alpha.drop[item, "std.alpha"])
  }
  complete <- items[complete.cases(items), ]
  listwise <- suppressWarnings(suppressMessages(alpha(complete, check.keys = FALSE)))
  put(case, "listwise_raw_alpha", listwise$total$raw_alpha)
  put(case, "complete_rows", nrow(complete))
}
write.csv(do.call(rbind, rows), file.path(dir, "results.csv"), row.names = FALSE)
