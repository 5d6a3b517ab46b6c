#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/params.hpp"
#include "lumen/rule.hpp"

namespace lumen {

class Backend;
class Canonizer;
class Dataset;
class DatasetKind;
class Explainer;
class Importer;
class Metric;
class Registry;
struct CompositeInfo;

/// A registered rule family member: its parameters and how to make one.
struct RuleInfo {
  std::string name;  ///< kebab-case, e.g. "epsilon"
  std::string summary;
  Signal signal = Signal::relevance;
  std::vector<ParamSpec> params;
  std::function<std::shared_ptr<const Rule>(const Params&)> make;
};

/// What one loaded plugin is and what it registered ("explainer saliency", ...).
struct PluginRecord {
  std::string name;
  std::string version;
  std::string file;
  std::vector<std::string> items;
  std::uint32_t api_version = 0;  ///< LUMEN_API_VERSION the plugin was built with
};

/// What a plugin's registration function receives. Items are only committed to the registry when
/// the whole registration succeeded, so a failing plugin leaves nothing behind.
class LUMEN_API Registrar {
 public:
  virtual ~Registrar();
  virtual void add_explainer(std::shared_ptr<const Explainer> explainer) = 0;
  virtual void add_rule(RuleInfo rule) = 0;
  virtual void add_metric(std::shared_ptr<const Metric> metric) = 0;
  virtual void add_backend(std::shared_ptr<const Backend> backend) = 0;
  virtual void add_importer(std::shared_ptr<const Importer> importer) = 0;
  virtual void add_dataset_kind(std::shared_ptr<const DatasetKind> kind) = 0;
  /// A composite (lumen/composite.hpp): plain data naming rules, which need not be registered yet.
  virtual void add_composite(CompositeInfo composite) = 0;
  /// A canonizer (lumen/canonizer.hpp).
  virtual void add_canonizer(std::shared_ptr<const Canonizer> canonizer) = 0;
  /// The registry being filled, for items that look others up by name when they run (an
  /// explainer making its rules, SmoothGrad wrapping another explainer). It outlives them.
  virtual const Registry& registry() const = 0;
};

/// Every explainer, rule, composite, canonizer, metric, backend, importer and dataset kind known
/// to the process, found by name.
/// Objects handed out keep their plugin's library loaded for as long as they live. Loading is
/// done at start-up, before parallel work; lookups are thread-safe once loading is over.
class LUMEN_API Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  std::shared_ptr<const Explainer> explainer(std::string_view name) const;
  std::shared_ptr<const Metric> metric(std::string_view name) const;
  std::shared_ptr<const Backend> backend(std::string_view name) const;
  std::shared_ptr<const Importer> importer(std::string_view name) const;
  /// A dataset kind by its name or one of its aliases.
  std::shared_ptr<const DatasetKind> dataset_kind(std::string_view name) const;
  /// Opens a dataset named `KIND:LOCATION[?name=value&...]` (parse_dataset_spec): finds the kind,
  /// validates the options against its parameters and the location against its needs. Throws
  /// InvalidArgument / NotFound quoting the spec.
  std::unique_ptr<Dataset> open_dataset(std::string_view spec) const;
  const RuleInfo& rule_info(std::string_view name) const;
  /// Makes the rule `name` with `params` (validated against its ParamSpecs).
  std::shared_ptr<const Rule> make_rule(std::string_view name,
                                        const std::map<std::string, std::string>& params) const;
  /// A registered composite (find_composite in lumen/composite.hpp also reads JSON files).
  const CompositeInfo& composite(std::string_view name) const;
  std::shared_ptr<const Canonizer> canonizer(std::string_view name) const;
  /// The importer declaring the file's extension; NotFound naming the file otherwise.
  std::shared_ptr<const Importer> importer_for(const std::filesystem::path& file) const;

  std::vector<std::string> explainer_names() const;
  std::vector<std::string> rule_names() const;
  std::vector<std::string> composite_names() const;
  std::vector<std::string> canonizer_names() const;
  std::vector<std::string> metric_names() const;
  std::vector<std::string> backend_names() const;
  /// Backend names in the default order: highest BackendInfo::preference first, ties by name.
  std::vector<std::string> backend_order() const;
  /// The backends named in `first`, in that order, then every other registered backend in the
  /// default order, as one BackendChain (each kernel runs on the first that implements it).
  /// Throws NotFound for an unknown name, InvalidArgument for a name given twice or when no
  /// backend implements some kernel.
  std::shared_ptr<const Backend> backend_chain(const std::vector<std::string>& first = {}) const;
  std::vector<std::string> importer_names() const;
  std::vector<std::string> dataset_kind_names() const;  ///< names, without aliases
  const std::vector<PluginRecord>& plugins() const;

  /// The file of the plugin that registered item `name` of `kind` ("explainer", "rule",
  /// "composite", "canonizer", "metric", "backend", "importer", "dataset kind"); NotFound for an
  /// unknown name.
  std::string file_of(std::string_view kind, std::string_view name) const;

  /// Whether a plugin may register a name another plugin already registered, replacing it (with
  /// a warning naming both). Off by default: such a plugin is refused whole. Set before loading.
  void set_allow_override(bool allow);
  bool allow_override() const;

  /// Registers items under origin `record` (the loader's entry point; `library` is kept alive by
  /// every object registered). `fill` adds the items; throws PluginError, leaving the registry
  /// unchanged, when it throws or when a name is already taken (naming both origins) and
  /// overrides are not allowed.
  void register_plugin(PluginRecord record, std::shared_ptr<void> library,
                       const std::function<void(Registrar&)>& fill);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumen
