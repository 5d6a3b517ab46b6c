#include "lumen/conformance/suite.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>

#include "check_support.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/conformance/report.hpp"
#include "lumen/error.hpp"
#include "lumen/importer.hpp"
#include "lumen/plugin_loader.hpp"
#include "lumen/registry.hpp"
#include "plugin_files.hpp"

namespace lumen::conformance {

// Info, and the contract of a dataset opened with its defaults (dataset_checks.cpp).
void check_dataset(const Registry& registry, const Subject& item, Report& report);

namespace {

namespace fs = std::filesystem;

constexpr const char* kinds[] = {"explainer", "rule",    "composite", "canonizer",
                                 "metric",    "backend", "importer",  "dataset"};
constexpr const char* core_origin = "lumen core";

int kind_rank(const std::string& kind) {
  for (int i = 0; i < static_cast<int>(std::size(kinds)); ++i) {
    if (kind == kinds[i]) return i;
  }
  return static_cast<int>(std::size(kinds));
}

// "explainer saliency" from a PluginRecord's items.
Subject parse_item(const std::string& item, const std::string& plugin) {
  const auto space = item.find(' ');
  return {item.substr(0, space), item.substr(space + 1), plugin};
}

std::vector<std::string> names_of(const Registry& registry, const std::string& kind) {
  if (kind == "explainer") return registry.explainer_names();
  if (kind == "rule") return registry.rule_names();
  if (kind == "composite") return registry.composite_names();
  if (kind == "canonizer") return registry.canonizer_names();
  if (kind == "metric") return registry.metric_names();
  if (kind == "backend") return registry.backend_names();
  if (kind == "dataset") return registry.dataset_kind_names();
  return registry.importer_names();
}

// Every registered item, each with the plugin that registered it (the core registers "gradient").
std::vector<Subject> every_item(const Registry& registry) {
  std::map<std::string, std::string> origin;
  for (const auto& record : registry.plugins()) {
    for (const auto& item : record.items) origin[item] = record.name;
  }
  std::vector<Subject> items;
  for (const char* kind : kinds) {
    for (const auto& name : names_of(registry, kind)) {
      const auto it = origin.find(std::string(kind) + " " + name);
      items.push_back({kind, name, it == origin.end() ? core_origin : it->second});
    }
  }
  return items;
}

const PluginRecord* loaded_from(const Registry& registry, const fs::path& file) {
  for (const auto& record : registry.plugins()) {
    std::error_code ec;
    if (fs::equivalent(record.file, file, ec)) return &record;
  }
  return nullptr;
}

// Loads one --plugin file (or finds it among those already loaded) and records whether it loaded;
// returns the items it registered.
std::vector<Subject> load_checked(Registry& registry, const fs::path& file, Report& report) {
  const std::string file_name = file.filename().string();
  std::optional<PluginRecord> record;
  if (const PluginRecord* found = loaded_from(registry, file)) record = *found;
  std::string error;
  if (!record) {
    try {
      load_plugin(registry, file);
      record = registry.plugins().back();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (!record) {
    report.record(
        {{"plugin", file_name, detail::descriptor_name(file)}, "loads", Outcome::fail, error});
    return {};
  }
  const Subject plugin{"plugin", file_name, record->name};
  if (record->items.empty()) {
    report.record({plugin, "loads", Outcome::fail, "it registers nothing"});
    return {};
  }
  report.record({plugin, "loads", Outcome::pass, "registers " + detail::join(record->items, ", ")});
  std::vector<Subject> items;
  for (const auto& item : record->items) items.push_back(parse_item(item, record->name));
  return items;
}

void check_item(const Registry& registry, const Subject& item, const SuiteOptions& options,
                Report& report) {
  if (item.kind == "explainer") check_explainer(registry, item, report);
  if (item.kind == "rule") check_rule(registry, item, report);
  if (item.kind == "composite") check_composite(registry, item, report);
  if (item.kind == "canonizer") check_canonizer(registry, item, report);
  if (item.kind == "metric") check_metric(registry, item, report);
  if (item.kind == "backend") check_backend(registry, item, report);
  if (item.kind == "importer") check_importer(registry, item, options.sample_models, report);
  if (item.kind == "dataset") check_dataset(registry, item, report);
}

// Sample models that no checked importer reads are said to be unused, never silently ignored.
void report_unread_samples(const Registry& registry, const std::vector<Subject>& items,
                           const SuiteOptions& options, Report& report) {
  std::set<std::string> extensions;
  for (const auto& item : items) {
    if (item.kind != "importer") continue;
    for (const auto& e : registry.importer(item.name)->info().extensions) extensions.insert(e);
  }
  for (const auto& sample : options.sample_models) {
    if (extensions.count(sample.extension().string()) == 0) {
      report.record(
          {{"sample-model", sample.string(), "none"},
           "read by a checked importer",
           Outcome::skip,
           "no checked importer declares the extension '" + sample.extension().string() + "'"});
    }
  }
}

std::string counts_line(const std::vector<Subject>& items) {
  std::string line = "checked:";
  for (const char* kind : kinds) {
    const auto n =
        std::count_if(items.begin(), items.end(), [&](const Subject& s) { return s.kind == kind; });
    line += std::string(kind == kinds[0] ? " " : ", ") + std::to_string(n) + " " + kind +
            (n == 1 ? "" : "s");
  }
  return line;
}

}  // namespace

int run_suite(const SuiteOptions& options, std::ostream& out) {
  Registry registry;
  const auto failures = load_plugins(registry);
  Report report(&out);

  std::vector<Subject> items;
  for (const auto& file : options.plugins) {
    for (auto& item : load_checked(registry, file, report)) items.push_back(std::move(item));
  }
  for (const auto& f : failures) {
    // Under --all every plugin of the search path is held to the contract, loading included.
    if (options.all) {
      report.record({{"plugin", f.file.filename().string(), detail::descriptor_name(f.file)},
                     "loads",
                     Outcome::fail,
                     f.reason});
    } else {
      out << "note: not checked, did not load: " << f.reason << '\n';
    }
  }
  if (options.all) items = every_item(registry);
  std::stable_sort(items.begin(), items.end(), [](const Subject& a, const Subject& b) {
    return kind_rank(a.kind) < kind_rank(b.kind);
  });

  for (const auto& item : items) check_item(registry, item, options, report);
  report_unread_samples(registry, items, options, report);

  const bool no_explainer = std::none_of(items.begin(), items.end(),
                                         [](const Subject& s) { return s.kind == "explainer"; });
  if (options.all && no_explainer) {
    report.record({{"suite", "--all", "every plugin"},
                   "checks at least one explainer",
                   Outcome::fail,
                   "no explainer is registered"});
  }
  out << counts_line(items) << '\n';
  const bool nothing = report.passed() + report.failed() == 0;
  if (nothing) out << "nothing was checked: give --plugin FILE.so or --all\n";
  out << report.summary() << std::endl;
  return report.failed() > 0 || nothing ? 1 : 0;
}

}  // namespace lumen::conformance
