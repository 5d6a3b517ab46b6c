#pragma once
// The journal of `lumen evaluate` (DIR/.journal.jsonl): a header line with the run's arguments,
// then one line per finished (sample, method) and one per dataset-level metric and method, each
// flushed as soon as it is known, so an interrupted run resumes where it stopped.
#include <cstdint>
#include <filesystem>
#include <lumen/component.hpp>
#include <lumen/output_dir.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lumen::cli {

/// One method explained on one sample, and every metric's value for that attribution.
struct ResultRecord {
  std::int64_t sample = 0;  ///< index in the dataset
  std::string id;
  std::int64_t label = 0, target = 0, predicted = 0;
  std::string method;
  double seconds = 0.0;
  std::int64_t forward = 0, backward = 0;  ///< the explanation's passes
  std::map<std::string, double> metrics;   ///< NaN where a value is not finite or failed
  bool failed = false;  ///< the method refused the sample: no map, no timing, every metric NaN
  std::string error;    ///< why the method or a metric failed, empty when nothing did
  std::vector<Component> components;  ///< the rules, composites, ... the method used
};

/// A dataset-level metric (MetricKind::dataset) scored for one method: one value per evaluated
/// sample.
struct DatasetMetricRecord {
  std::string method, metric;
  std::vector<double> values;  ///< NaN where not finite; empty when it failed
  double seconds = 0.0;
  std::string error;  ///< why it failed, empty when it did not
};

class Journal {
 public:
  /// Opens DIR/.journal.jsonl (never through a symbolic link: one there is refused with IoError).
  /// An existing journal written with the same `header` is resumed (a last line cut short by an
  /// interruption is dropped); one with another header is refused with UsageError naming the
  /// first differing argument, unless `force` (then it is emptied and started over).
  Journal(const OutputDir& dir, const nlohmann::json& header, bool force);

  /// What earlier runs finished, in journal order.
  const std::vector<ResultRecord>& resumed() const { return resumed_; }
  bool done(std::int64_t sample, const std::string& method) const {
    return done_.count({sample, method}) != 0U;
  }
  /// What an earlier run recorded for a dataset-level metric and method, or null.
  const DatasetMetricRecord* dataset_metric(const std::string& method,
                                            const std::string& metric) const;
  /// Appends one line and writes it out. Not thread-safe (the writer node is serial).
  void append(const ResultRecord& record);
  void append(const DatasetMetricRecord& record);
  /// Every (sample, method) record in the journal now, in journal order.
  std::vector<ResultRecord> results() const;

  const std::filesystem::path& path() const { return file_.path(); }
  static constexpr const char* file_name = ".journal.jsonl";

 private:
  AppendFile file_;
  std::vector<ResultRecord> resumed_;
  std::set<std::pair<std::int64_t, std::string>> done_;
  std::map<std::pair<std::string, std::string>, DatasetMetricRecord> dataset_metrics_;
};

}  // namespace lumen::cli
