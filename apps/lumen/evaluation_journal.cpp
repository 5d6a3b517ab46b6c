#include "evaluation_journal.hpp"

#include <cmath>
#include <limits>
#include <lumen/error.hpp>

#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

double value_or_nan(const nlohmann::json& value) {
  return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
}

nlohmann::json to_json(const ResultRecord& r) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : r.metrics) metrics[name] = finite_or_null(value);
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : r.components) components.push_back({c.kind, c.name});
  return {{"sample", r.sample},       {"id", r.id},
          {"label", r.label},         {"target", r.target},
          {"predicted", r.predicted}, {"method", r.method},
          {"seconds", r.seconds},     {"forward", r.forward},
          {"backward", r.backward},   {"metrics", metrics},
          {"failed", r.failed},       {"error", r.error},
          {"components", components}};
}

nlohmann::json to_json(const DatasetMetricRecord& r) {
  nlohmann::json values = nlohmann::json::array();
  for (const double v : r.values) values.push_back(finite_or_null(v));
  return {{"dataset_metric", r.metric},
          {"method", r.method},
          {"values", values},
          {"seconds", r.seconds},
          {"error", r.error}};
}

DatasetMetricRecord dataset_metric_from_json(const nlohmann::json& j) {
  DatasetMetricRecord r;
  r.metric = j.at("dataset_metric").get<std::string>();
  r.method = j.at("method").get<std::string>();
  for (const auto& v : j.at("values")) r.values.push_back(value_or_nan(v));
  r.seconds = j.at("seconds").get<double>();
  r.error = j.at("error").get<std::string>();
  return r;
}

bool is_dataset_metric(const nlohmann::json& j) {
  return j.is_object() && j.contains("dataset_metric");
}

ResultRecord from_json(const nlohmann::json& j) {
  ResultRecord r;
  r.sample = j.at("sample").get<std::int64_t>();
  r.id = j.at("id").get<std::string>();
  r.label = j.at("label").get<std::int64_t>();
  r.target = j.at("target").get<std::int64_t>();
  r.predicted = j.at("predicted").get<std::int64_t>();
  r.method = j.at("method").get<std::string>();
  r.seconds = j.at("seconds").get<double>();
  r.forward = j.at("forward").get<std::int64_t>();
  r.backward = j.at("backward").get<std::int64_t>();
  r.failed = j.at("failed").get<bool>();
  r.error = j.at("error").get<std::string>();
  for (const auto& [name, value] : j.at("metrics").items()) r.metrics[name] = value_or_nan(value);
  for (const auto& c : j.at("components"))
    r.components.push_back({c.at(0).get<std::string>(), c.at(1).get<std::string>()});
  return r;
}

// The complete lines of `text` (each ended by '\n'); `complete_bytes` is where they end.
std::vector<std::string> complete_lines(const std::string& text, std::uintmax_t& complete_bytes) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  complete_bytes = start;
  return lines;
}

nlohmann::json parse_line(const std::string& line, const fs::path& file, std::size_t number) {
  try {
    return nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw IoError("journal '" + file.string() + "' line " + std::to_string(number) +
                  " is not JSON (" + e.what() + "); remove the directory or use --force");
  }
}

// The first top-level key whose value differs, for the refusal message.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key) || b.at(key) != value) return key;
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) return key;
  }
  return "?";
}

struct JournalRecords {
  std::vector<ResultRecord> results;
  std::vector<DatasetMetricRecord> dataset_metrics;
};

// Every record after the header of `lines` (complete lines of `file`), of either kind.
JournalRecords parse_records(const std::vector<std::string>& lines, const fs::path& file) {
  JournalRecords records;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const nlohmann::json j = parse_line(lines[i], file, i + 1);
    const bool dataset_metric = is_dataset_metric(j);
    try {
      if (dataset_metric) {
        records.dataset_metrics.push_back(dataset_metric_from_json(j));
      } else {
        records.results.push_back(from_json(j));
      }
    } catch (const nlohmann::json::exception& e) {
      throw IoError(
          "journal '" + file.string() + "' line " + std::to_string(i + 1) +
          (dataset_metric ? " is not a dataset-metric record (" : " is not a result record (") +
          e.what() + ")");
    }
  }
  return records;
}

}  // namespace

std::vector<ResultRecord> Journal::results() const {
  std::uintmax_t bytes = 0;
  return parse_records(complete_lines(file_.read(), bytes), path()).results;
}

Journal::Journal(const OutputDir& dir, const nlohmann::json& header, bool force)
    : file_(dir.open_append(file_name)) {
  const fs::path& file = path();
  const nlohmann::json first{{"lumen_evaluate_journal", 1}, {"arguments", header}};
  // Empty: new (or never written to), so there is no run to resume or refuse.
  if (const std::string text = file_.read(); !text.empty()) {
    std::uintmax_t bytes = 0;
    const auto lines = complete_lines(text, bytes);
    // With --force an unreadable header is just another run to start over from.
    const nlohmann::json found = lines.empty() ? nlohmann::json()
                                 : force       ? nlohmann::json::parse(lines[0], nullptr, false)
                                               : parse_line(lines[0], file, 1);
    if (found != first && !force) {
      const nlohmann::json old = found.is_object() && found.contains("arguments")
                                     ? found.at("arguments")
                                     : nlohmann::json::object();
      throw UsageError("'" + dir.path().string() +
                       "' holds a run with other arguments (first "
                       "difference: '" +
                       first_difference(header, old) +
                       "'); re-run with the same arguments to resume it, pass --force to start "
                       "over, or choose another --out");
    }
    if (found == first) {
      file_.truncate(bytes);  // drops a line cut short by an interruption
      auto records = parse_records(lines, file);
      resumed_ = std::move(records.results);
      for (const auto& r : resumed_) done_.insert({r.sample, r.method});
      for (auto& r : records.dataset_metrics) {
        dataset_metrics_[{r.method, r.metric}] = std::move(r);
      }
      return;
    }
    file_.truncate(0);  // --force: start over, in the file itself (it was opened as no link)
  }
  file_.append(first.dump() + '\n');
}

const DatasetMetricRecord* Journal::dataset_metric(const std::string& method,
                                                   const std::string& metric) const {
  const auto it = dataset_metrics_.find({method, metric});
  return it == dataset_metrics_.end() ? nullptr : &it->second;
}

void Journal::append(const DatasetMetricRecord& record) {
  file_.append(to_json(record).dump() + '\n');
  dataset_metrics_[{record.method, record.metric}] = record;
}

void Journal::append(const ResultRecord& record) {
  file_.append(to_json(record).dump() + '\n');
  done_.insert({record.sample, record.method});
}

}  // namespace lumen::cli
