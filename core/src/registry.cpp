#include "lumen/registry.hpp"

#include <algorithm>

#include "lumen/backend.hpp"
#include "lumen/canonizer.hpp"
#include "lumen/composite.hpp"
#include "lumen/dataset.hpp"
#include "lumen/error.hpp"
#include "lumen/explainer.hpp"
#include "lumen/importer.hpp"
#include "lumen/log.hpp"

#include <spdlog/spdlog.h>
#include "lumen/metric.hpp"

namespace lumen {

namespace {

// Note [plugin lifetime]
// Everything a plugin creates holds a reference to the plugin's library, and is destroyed before
// that reference is released (members are destroyed in reverse order: object first). So no code
// of a plugin runs after its library is unloaded, whoever keeps the object.
template <class T>
struct Held {
  std::shared_ptr<void> library;
  T object;
};

template <class T>
std::shared_ptr<const T> keep_loaded(std::shared_ptr<const T> object,
                                     const std::shared_ptr<void>& library) {
  if (!library || !object) return object;
  auto held = std::make_shared<Held<std::shared_ptr<const T>>>(
      Held<std::shared_ptr<const T>>{library, std::move(object)});
  return std::shared_ptr<const T>(held, held->object.get());
}

template <class T>
struct Entry {
  std::shared_ptr<const T> object;
  std::string origin;  // "plugin 'NAME' (FILE)"
  std::string file;
};

struct RuleEntry {
  RuleInfo info;
  std::string origin;
  std::string file;
};

struct CompositeRecord {
  CompositeInfo info;
  std::string origin;
  std::string file;
};

// A plugin's canonizer whose replacement layers, code of the plugin, keep its library loaded
// (Note [plugin lifetime]): they live on in the models it rewrites.
class LoadedCanonizer final : public Canonizer {
 public:
  LoadedCanonizer(std::shared_ptr<const Canonizer> inner, std::shared_ptr<void> library)
      : library_(std::move(library)), inner_(std::move(inner)) {}
  CanonizerInfo info() const override { return inner_->info(); }
  Rewrite rewrite(const Model& model, const Backend& backend) const override {
    Rewrite r = inner_->rewrite(model, backend);
    for (auto& [id, layer] : r.layers) layer = keep_loaded(std::move(layer), library_);
    return r;
  }

 private:
  std::shared_ptr<void> library_;  // destroyed after inner_
  std::shared_ptr<const Canonizer> inner_;
};

// What a composite must hold to be registered; its rules are checked when it is used.
void check_composite(const CompositeInfo& c) {
  if (c.summary.empty()) throw PluginError("composite '" + c.name + "' has no summary");
  if (c.layers.empty() && c.first.empty() && c.last.empty())
    throw PluginError("composite '" + c.name + "' has no entries");
  for (const auto* list : {&c.layers, &c.first, &c.last}) {
    for (const auto& entry : *list) {
      if (entry.rule.rule.empty()) throw PluginError("composite '" + c.name + "' names no rule");
      const bool needs_values = entry.select.by != NodeSelector::By::linear;
      if (needs_values == entry.select.values.empty()) {
        throw PluginError("composite '" + c.name + "': a selector for rule '" + entry.rule.rule +
                          "' has " + (needs_values ? "no values" : "values it does not use"));
      }
    }
  }
}

template <class Map>
std::vector<std::string> names_of(const Map& m) {
  std::vector<std::string> names;
  for (const auto& [name, entry] : m) names.push_back(name);
  return names;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s.empty() ? "none" : s;
}

template <class Map>
const auto& lookup(const Map& m, std::string_view name, const char* kind) {
  auto it = m.find(name);
  if (it == m.end()) {
    throw NotFound(std::string("no ") + kind + " named '" + std::string(name) +
                   "'; registered: " + join(names_of(m)));
  }
  return it->second;
}

bool is_kebab_case(const std::string& s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

struct Registry::Impl {
  std::map<std::string, Entry<Explainer>, std::less<>> explainers;
  std::map<std::string, RuleEntry, std::less<>> rules;
  std::map<std::string, CompositeRecord, std::less<>> composites;
  std::map<std::string, Entry<Canonizer>, std::less<>> canonizers;
  std::map<std::string, Entry<Metric>, std::less<>> metrics;
  std::map<std::string, Entry<Backend>, std::less<>> backends;
  std::map<std::string, Entry<Importer>, std::less<>> importers;
  /// Names and aliases of dataset kinds, each to its kind.
  std::map<std::string, Entry<DatasetKind>, std::less<>> datasets;
  std::vector<PluginRecord> plugins;
  bool allow_override = false;
};

namespace {

// Collects a plugin's items; Registry::register_plugin commits them only if all is well.
class PendingRegistrar final : public Registrar {
 public:
  explicit PendingRegistrar(const Registry& registry) : registry_(registry) {}
  void add_explainer(std::shared_ptr<const Explainer> e) override {
    if (!e) throw PluginError("add_explainer(nullptr)");
    explainers.push_back(std::move(e));
  }
  void add_rule(RuleInfo r) override {
    if (!r.make) throw PluginError("rule '" + r.name + "' has no factory");
    rules.push_back(std::move(r));
  }
  void add_metric(std::shared_ptr<const Metric> m) override {
    if (!m) throw PluginError("add_metric(nullptr)");
    metrics.push_back(std::move(m));
  }
  void add_backend(std::shared_ptr<const Backend> b) override {
    if (!b) throw PluginError("add_backend(nullptr)");
    backends.push_back(std::move(b));
  }
  void add_importer(std::shared_ptr<const Importer> i) override {
    if (!i) throw PluginError("add_importer(nullptr)");
    importers.push_back(std::move(i));
  }
  void add_dataset_kind(std::shared_ptr<const DatasetKind> d) override {
    if (!d) throw PluginError("add_dataset_kind(nullptr)");
    datasets.push_back(std::move(d));
  }
  void add_composite(CompositeInfo c) override {
    check_composite(c);
    composites.push_back(std::move(c));
  }
  void add_canonizer(std::shared_ptr<const Canonizer> c) override {
    if (!c) throw PluginError("add_canonizer(nullptr)");
    canonizers.push_back(std::move(c));
  }
  const Registry& registry() const override { return registry_; }

  std::vector<std::shared_ptr<const Explainer>> explainers;
  std::vector<RuleInfo> rules;
  std::vector<CompositeInfo> composites;
  std::vector<std::shared_ptr<const Canonizer>> canonizers;
  std::vector<std::shared_ptr<const Metric>> metrics;
  std::vector<std::shared_ptr<const Backend>> backends;
  std::vector<std::shared_ptr<const Importer>> importers;
  std::vector<std::shared_ptr<const DatasetKind>> datasets;

 private:
  const Registry& registry_;
};

// What a plugin being registered may do with names other plugins registered before it.
struct Claims {
  bool allow_override = false;
  std::vector<std::string> replaced;  // "explainer 'x' of ORIGIN replaces the one of OLD"
};

// Checks a name for one kind of item against what is registered and what this plugin added.
template <class Map>
void claim(const Map& existing, std::vector<std::string>& claimed, const std::string& name,
           const char* kind, const std::string& origin, Claims& claims) {
  if (!is_kebab_case(name)) {
    throw PluginError(std::string(kind) + " name '" + name + "' is not kebab-case (a-z, 0-9, '-')");
  }
  if (auto it = existing.find(name); it != existing.end()) {
    if (!claims.allow_override) {
      throw PluginError(std::string(kind) + " '" + name + "' is already registered by " +
                        it->second.origin + "; " + origin +
                        " registers it again (to let it replace the first, run with "
                        "--allow-override or LUMEN_ALLOW_OVERRIDE=1)");
    }
    claims.replaced.push_back(std::string(kind) + " '" + name + "' of " + origin +
                              " replaces the one of " + it->second.origin);
  }
  if (std::find(claimed.begin(), claimed.end(), name) != claimed.end()) {
    throw PluginError(origin + " registers " + kind + " '" + name + "' twice");
  }
  claimed.push_back(name);
}

}  // namespace

Registry::Registry() : impl_(std::make_unique<Impl>()) {
  RuleInfo gradient{"gradient",
                    "the layer's own vector-Jacobian product (plain backpropagation)",
                    Signal::gradient,
                    {},
                    [](const Params&) { return gradient_rule(); }};
  impl_->rules.emplace("gradient", RuleEntry{std::move(gradient), "lumen core", "liblumen_core"});
}

// Members of Impl are destroyed before the libraries they keep loaded (Note [plugin lifetime]).
Registry::~Registry() = default;

void Registry::register_plugin(PluginRecord record, std::shared_ptr<void> library,
                               const std::function<void(Registrar&)>& fill) {
  const std::string origin = "plugin '" + record.name + "' (" + record.file + ")";
  Claims claims{impl_->allow_override, {}};
  for (const auto& p : impl_->plugins) {
    if (p.name == record.name && !claims.allow_override) {
      throw PluginError("plugin name '" + record.name + "' is already taken by " + p.file + "; " +
                        record.file + " uses it again");
    }
  }
  PendingRegistrar pending(*this);
  try {
    fill(pending);
  } catch (const std::exception& e) {
    throw PluginError(origin + ": registration failed: " + e.what());
  }
  std::vector<std::string> claimed;
  std::vector<std::string> items;
  auto describe = [&](const char* kind, const std::string& name) {
    items.push_back(std::string(kind) + " " + name);
  };
  std::vector<std::pair<std::string, std::shared_ptr<const Explainer>>> explainers;
  for (auto& e : pending.explainers) {
    const auto name = e->info().name;
    claim(impl_->explainers, claimed, name, "explainer", origin, claims);
    describe("explainer", name);
    explainers.emplace_back(name, keep_loaded(e, library));
  }
  claimed.clear();
  for (auto& r : pending.rules) {
    claim(impl_->rules, claimed, r.name, "rule", origin, claims);
    describe("rule", r.name);
  }
  claimed.clear();
  for (auto& c : pending.composites) {
    claim(impl_->composites, claimed, c.name, "composite", origin, claims);
    describe("composite", c.name);
  }
  claimed.clear();
  std::vector<std::pair<std::string, std::shared_ptr<const Canonizer>>> canonizers;
  for (auto& c : pending.canonizers) {
    const auto name = c->info().name;
    claim(impl_->canonizers, claimed, name, "canonizer", origin, claims);
    describe("canonizer", name);
    std::shared_ptr<const Canonizer> loaded = c;
    if (library) loaded = std::make_shared<const LoadedCanonizer>(std::move(c), library);
    canonizers.emplace_back(name, keep_loaded(std::move(loaded), library));
  }
  claimed.clear();
  std::vector<std::pair<std::string, std::shared_ptr<const Metric>>> metrics;
  for (auto& m : pending.metrics) {
    const auto name = m->info().name;
    claim(impl_->metrics, claimed, name, "metric", origin, claims);
    describe("metric", name);
    metrics.emplace_back(name, keep_loaded(m, library));
  }
  claimed.clear();
  std::vector<std::pair<std::string, std::shared_ptr<const Backend>>> backends;
  for (auto& b : pending.backends) {
    const auto name = b->info().name;
    claim(impl_->backends, claimed, name, "backend", origin, claims);
    describe("backend", name);
    backends.emplace_back(name, keep_loaded(b, library));
  }
  claimed.clear();
  std::vector<std::pair<std::string, std::shared_ptr<const Importer>>> importers;
  for (auto& i : pending.importers) {
    const auto name = i->info().name;
    claim(impl_->importers, claimed, name, "importer", origin, claims);
    describe("importer", name);
    importers.emplace_back(name, keep_loaded(i, library));
  }
  claimed.clear();
  std::vector<std::pair<std::string, std::shared_ptr<const DatasetKind>>> datasets;
  for (auto& d : pending.datasets) {
    const DatasetKindInfo info = d->info();
    auto kept = keep_loaded(d, library);
    claim(impl_->datasets, claimed, info.name, "dataset kind", origin, claims);
    describe("dataset", info.name);
    datasets.emplace_back(info.name, kept);
    for (const auto& alias : info.aliases) {
      claim(impl_->datasets, claimed, alias, "dataset kind", origin, claims);
      datasets.emplace_back(alias, kept);
    }
  }

  // Everything checked: commit.
  const std::string& file = record.file;
  for (auto& [name, e] : explainers)
    impl_->explainers.insert_or_assign(name, Entry<Explainer>{std::move(e), origin, file});
  for (auto& r : pending.rules) {
    // The factory's code lives in the plugin: keep the library loaded for as long as the
    // factory and every rule it makes exist.
    auto make = std::make_shared<Held<std::function<std::shared_ptr<const Rule>(const Params&)>>>(
        Held<std::function<std::shared_ptr<const Rule>(const Params&)>>{library,
                                                                        std::move(r.make)});
    r.make = [make](const Params& p) { return keep_loaded(make->object(p), make->library); };
    const auto name = r.name;
    impl_->rules.insert_or_assign(name, RuleEntry{std::move(r), origin, file});
  }
  for (auto& c : pending.composites) {
    const auto name = c.name;
    impl_->composites.insert_or_assign(name, CompositeRecord{std::move(c), origin, file});
  }
  for (auto& [name, c] : canonizers)
    impl_->canonizers.insert_or_assign(name, Entry<Canonizer>{std::move(c), origin, file});
  for (auto& [name, m] : metrics)
    impl_->metrics.insert_or_assign(name, Entry<Metric>{std::move(m), origin, file});
  for (auto& [name, b] : backends)
    impl_->backends.insert_or_assign(name, Entry<Backend>{std::move(b), origin, file});
  for (auto& [name, i] : importers)
    impl_->importers.insert_or_assign(name, Entry<Importer>{std::move(i), origin, file});
  for (auto& [name, d] : datasets)
    impl_->datasets.insert_or_assign(name, Entry<DatasetKind>{std::move(d), origin, file});
  for (const auto& replacement : claims.replaced) logger().warn("{}", replacement);
  record.items = std::move(items);
  impl_->plugins.push_back(std::move(record));
}

void Registry::set_allow_override(bool allow) { impl_->allow_override = allow; }
bool Registry::allow_override() const { return impl_->allow_override; }

std::string Registry::file_of(std::string_view kind, std::string_view name) const {
  if (kind == "explainer") return lookup(impl_->explainers, name, "explainer").file;
  if (kind == "rule") return lookup(impl_->rules, name, "rule").file;
  if (kind == "composite") return lookup(impl_->composites, name, "composite").file;
  if (kind == "canonizer") return lookup(impl_->canonizers, name, "canonizer").file;
  if (kind == "metric") return lookup(impl_->metrics, name, "metric").file;
  if (kind == "backend") return lookup(impl_->backends, name, "backend").file;
  if (kind == "importer") return lookup(impl_->importers, name, "importer").file;
  if (kind == "dataset kind") return lookup(impl_->datasets, name, "dataset kind").file;
  throw InvalidArgument("Registry::file_of: no kind of item named '" + std::string(kind) + "'");
}

std::shared_ptr<const Explainer> Registry::explainer(std::string_view name) const {
  return lookup(impl_->explainers, name, "explainer").object;
}
std::shared_ptr<const Metric> Registry::metric(std::string_view name) const {
  return lookup(impl_->metrics, name, "metric").object;
}
std::shared_ptr<const Backend> Registry::backend(std::string_view name) const {
  return lookup(impl_->backends, name, "backend").object;
}
std::shared_ptr<const Importer> Registry::importer(std::string_view name) const {
  return lookup(impl_->importers, name, "importer").object;
}
std::shared_ptr<const DatasetKind> Registry::dataset_kind(std::string_view name) const {
  auto it = impl_->datasets.find(name);
  if (it == impl_->datasets.end()) {
    throw NotFound("no dataset kind named '" + std::string(name) +
                   "'; registered: " + join(names_of(impl_->datasets)));
  }
  return it->second.object;
}

std::unique_ptr<Dataset> Registry::open_dataset(std::string_view text) const {
  const DatasetSpec spec = parse_dataset_spec(text);
  const auto kind = dataset_kind(spec.kind);
  const DatasetKindInfo info = kind->info();
  const std::string quoted = "dataset '" + std::string(text) + "'";
  if (info.location == DatasetKindInfo::Location::required && spec.location.empty()) {
    throw InvalidArgument(quoted + ": " + info.name + " needs a location, e.g. " + info.name +
                          ":PATH");
  }
  if (info.location == DatasetKindInfo::Location::none && !spec.location.empty()) {
    throw InvalidArgument(quoted + ": " + info.name + " takes no location (got '" + spec.location +
                          "'); write " + info.name + ":?name=value");
  }
  return kind->open(spec.location, Params::validate(info.params, spec.options, quoted));
}

const RuleInfo& Registry::rule_info(std::string_view name) const {
  return lookup(impl_->rules, name, "rule").info;
}

const CompositeInfo& Registry::composite(std::string_view name) const {
  return lookup(impl_->composites, name, "composite").info;
}

std::shared_ptr<const Canonizer> Registry::canonizer(std::string_view name) const {
  return lookup(impl_->canonizers, name, "canonizer").object;
}

std::shared_ptr<const Rule> Registry::make_rule(
    std::string_view name, const std::map<std::string, std::string>& params) const {
  const RuleInfo& info = rule_info(name);
  return info.make(Params::validate(info.params, params, "rule '" + info.name + "'"));
}

std::shared_ptr<const Importer> Registry::importer_for(const std::filesystem::path& file) const {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::vector<std::string> known;
  for (const auto& [name, entry] : impl_->importers) {
    for (const auto& e : entry.object->info().extensions) {
      if (e == ext) return entry.object;
      known.push_back(e);
    }
  }
  throw NotFound(file.string() + ": no importer reads '" + ext +
                 "' files; known extensions: " + join(known));
}

std::vector<std::string> Registry::explainer_names() const { return names_of(impl_->explainers); }
std::vector<std::string> Registry::rule_names() const { return names_of(impl_->rules); }
std::vector<std::string> Registry::composite_names() const { return names_of(impl_->composites); }
std::vector<std::string> Registry::canonizer_names() const { return names_of(impl_->canonizers); }
std::vector<std::string> Registry::metric_names() const { return names_of(impl_->metrics); }
std::vector<std::string> Registry::backend_names() const { return names_of(impl_->backends); }
std::vector<std::string> Registry::backend_order() const {
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [name, entry] : impl_->backends)
    ranked.emplace_back(-entry.object->info().preference, name);
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> names;
  for (auto& [rank, name] : ranked) names.push_back(std::move(name));
  return names;
}

std::shared_ptr<const Backend> Registry::backend_chain(
    const std::vector<std::string>& first) const {
  std::vector<std::string> names;
  for (const auto& name : first) {
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw InvalidArgument("backend '" + name + "' is named twice");
    }
    backend(name);  // NotFound naming the registered ones
    names.push_back(name);
  }
  for (auto& name : backend_order()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::vector<std::shared_ptr<const Backend>> ordered;
  for (const auto& name : names) ordered.push_back(backend(name));
  return std::make_shared<const BackendChain>(std::move(ordered));
}

std::vector<std::string> Registry::importer_names() const { return names_of(impl_->importers); }
std::vector<std::string> Registry::dataset_kind_names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : impl_->datasets)
    if (entry.object->info().name == name) names.push_back(name);
  return names;
}
const std::vector<PluginRecord>& Registry::plugins() const { return impl_->plugins; }

}  // namespace lumen
