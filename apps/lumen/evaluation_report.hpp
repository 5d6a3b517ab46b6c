#pragma once
// The files `lumen evaluate` writes when every (sample, method) is done: results.csv,
// results.json, table.md, index.html and plots/METRIC.svg (docs/evaluate.md), each written to a
// temporary file and renamed, so a file that exists is complete.
#include <cstdint>
#include <filesystem>
#include <lumen/metric.hpp>
#include <lumen/output_dir.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evaluation_journal.hpp"

namespace lumen::cli {

/// Mean, sample standard deviation and the 95% confidence interval of the mean by Student's t
/// (mean ± t(0.975, n-1) s / sqrt(n)), over the finite values; with n < 2 the interval is the
/// mean itself and std is 0; with n = 0 everything is NaN.
struct Summary {
  std::int64_t n = 0;
  double mean = 0.0, std = 0.0, low = 0.0, high = 0.0;
};
Summary summarise(const std::vector<double>& values);

struct ReportInput {
  nlohmann::json arguments;           ///< the plan (journal header)
  std::vector<std::string> methods;   ///< table rows, in order
  std::vector<MetricInfo> metrics;    ///< columns, in order
  std::vector<ResultRecord> records;  ///< every (sample, method)
  std::int64_t gallery = 0;           ///< samples with gallery PNGs (the first ones)
  /// Per method, the plugin files of the components its records used (component_files).
  std::map<std::string, nlohmann::json> component_files;
};

void write_report(const OutputDir& dir, const ReportInput& input);

}  // namespace lumen::cli
