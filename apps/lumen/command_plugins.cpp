// `lumen plugins`: what every loaded plugin registered (explainers, rules, composites, canonizers,
// metrics, backends, importers, dataset kinds), and the plugins that failed to load; with
// --model, which explainers can run on that model and why the others cannot.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <lumen/backend.hpp>
#include <lumen/canonizer.hpp>
#include <lumen/composite.hpp>
#include <lumen/dataset.hpp>
#include <lumen/explainer.hpp>
#include <lumen/importer.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <memory>
#include <optional>
#include <sstream>

#include "input.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

std::string bound(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

// "steps  integer  default 50  range [1, inf]  help"
void print_params(std::ostream& out, const std::vector<ParamSpec>& params) {
  if (params.empty()) {
    out << "      (no parameters)\n";
    return;
  }
  for (const auto& p : params) {
    out << "      " << p.name << "  " << to_string(p.type);
    if (p.type == ParamType::list) out << " of " << to_string(p.element) << "s";
    out << "  default " << (p.default_value.empty() ? "\"\"" : p.default_value);
    if (p.type == ParamType::choice) {
      out << "  one of " << join(p.choices, "|");
    } else if (p.type == ParamType::list && p.element == ParamType::choice) {
      out << "  each one of " << (p.choices.empty() ? "(none registered)" : join(p.choices, "|"));
    } else if ((p.type == ParamType::integer || p.type == ParamType::real ||
                p.type == ParamType::list) &&
               !(std::isinf(p.min) && std::isinf(p.max))) {
      out << "  range [" << bound(p.min) << ", " << bound(p.max) << "]";
    }
    out << "\n        " << p.help << '\n';
  }
}

// "op Conv|Gemm -> flat; linear -> epsilon (epsilon=1e-6)"
std::string entries(const std::vector<CompositeEntry>& list) {
  std::vector<std::string> lines;
  for (const auto& e : list) {
    std::string line;
    switch (e.select.by) {
      case NodeSelector::By::node: line = "node "; break;
      case NodeSelector::By::op: line = "op "; break;
      case NodeSelector::By::kind: line = "kind "; break;
      case NodeSelector::By::linear: line = "linear"; break;
    }
    line += join(e.select.values, "|") + " -> " + e.rule.rule;
    std::vector<std::string> params;
    for (const auto& [name, value] : e.rule.params) params.push_back(name + "=" + value);
    if (!params.empty()) line += " (" + join(params, ", ") + ")";
    lines.push_back(line);
  }
  return join(lines, "; ");
}

std::string requirements(unsigned r) {
  std::vector<std::string> names;
  if (r & requires_gradients) names.emplace_back("gradients");
  if (r & requires_layer_access) names.emplace_back("layer access");
  if (r & requires_training) names.emplace_back("training");
  if (r & requires_gap_head) names.emplace_back("GAP head");
  return names.empty() ? "nothing" : join(names, ", ");
}

std::string needs(const MetricInfo& i) {
  std::vector<std::string> names;
  if (i.needs & needs_model) names.emplace_back("model");
  if (i.needs & needs_explainer) names.emplace_back("explainer");
  if (i.needs & needs_mask) names.emplace_back("mask");
  if (i.needs & needs_reference_map) names.emplace_back("reference map");
  if (i.kind == MetricKind::dataset) names.emplace_back("training and test datasets");
  return names.empty() ? "nothing" : join(names, ", ");
}

void print_all(std::ostream& out, const Session& session) {
  const Registry& r = session.registry();
  out << "Plugins (" << r.plugins().size() << "):\n";
  for (const auto& p : r.plugins()) {
    out << "  " << p.name << " " << p.version << "  (plugin API " << LUMEN_ABI_VERSION << "."
        << p.api_version << ")  " << p.file
        << "\n    registers: " << (p.items.empty() ? "nothing" : join(p.items, ", ")) << '\n';
  }
  out << "\nExplainers (" << r.explainer_names().size() << "):\n";
  for (const auto& name : r.explainer_names()) {
    const ExplainerInfo i = r.explainer(name)->info();
    out << "  " << i.name << "  [" << to_string(i.family) << ", "
        << (i.output == OutputSpace::input ? "input space" : "layer space") << ", "
        << (i.signed_output ? "signed" : "unsigned") << ", needs " << requirements(i.requirements)
        << "]\n    " << i.summary << "\n    " << i.citation << "\n    parameters:\n";
    print_params(out, i.params);
  }
  out << "\nRules (" << r.rule_names().size() << "):\n";
  for (const auto& name : r.rule_names()) {
    const RuleInfo& i = r.rule_info(name);
    out << "  " << i.name << "  [" << (i.signal == Signal::gradient ? "gradient" : "relevance")
        << "]\n    " << i.summary << "\n    parameters:\n";
    print_params(out, i.params);
  }
  out << "\nComposites (" << r.composite_names().size()
      << "), for lrp, deep-taylor and cnn-lrp (composite=NAME):\n";
  for (const auto& name : r.composite_names()) {
    const CompositeInfo& c = r.composite(name);
    out << "  " << c.name << "\n    " << c.summary << '\n';
    for (const auto& [label, list] : {std::pair{"layers", &c.layers}, std::pair{"first", &c.first},
                                      std::pair{"last", &c.last}}) {
      if (!list->empty()) out << "    " << label << ": " << entries(*list) << '\n';
    }
  }
  out << "\nCanonizers (" << r.canonizer_names().size() << "), applied with canonizers=NAME,...:\n";
  for (const auto& name : r.canonizer_names()) {
    const CanonizerInfo i = r.canonizer(name)->info();
    out << "  " << i.name << "\n    " << i.summary << '\n';
  }
  out << "\nMetrics (" << r.metric_names().size() << "):\n";
  for (const auto& name : r.metric_names()) {
    const MetricInfo i = r.metric(name)->info();
    out << "  " << i.name << "  ["
        << (i.direction == Direction::lower_is_better ? "lower" : "higher") << " is better, range ["
        << bound(i.min) << ", " << bound(i.max) << "], needs " << needs(i) << "]\n    " << i.summary
        << "\n    " << i.citation << "\n    parameters:\n";
    print_params(out, i.params);
  }
  out << "\nBackends (" << r.backend_names().size()
      << "), in the order tried; a kernel a backend lacks runs on the next one:\n";
  for (const auto& name : r.backend_order()) {
    const auto backend = r.backend(name);
    std::vector<std::string> kernels;
    for (const Kernel kernel : all_kernels)
      if (backend->implements(kernel)) kernels.emplace_back(to_string(kernel));
    out << "  " << name << "  [preference " << backend->info().preference << "; "
        << (kernels.size() == all_kernels.size() ? "every kernel" : join(kernels, " ")) << "]\n    "
        << backend->info().summary << '\n';
  }
  out << "\nImporters (" << r.importer_names().size() << "):\n";
  for (const auto& name : r.importer_names()) {
    const ImporterInfo i = r.importer(name)->info();
    out << "  " << i.name << "  [" << join(i.extensions, " ") << "]\n    " << i.summary << '\n';
  }
  out << "\nDataset kinds (" << r.dataset_kind_names().size() << "):\n";
  for (const auto& name : r.dataset_kind_names()) {
    const DatasetKindInfo i = r.dataset_kind(name)->info();
    out << "  " << i.name;
    if (!i.aliases.empty()) out << "  (also " << join(i.aliases, ", ") << ")";
    out << "  [" << i.name
        << (i.location == DatasetKindInfo::Location::required ? ":LOCATION" : ":")
        << "?name=value&...]\n    " << i.summary << "\n    options:\n";
    print_params(out, i.params);
  }
  out << "\nLoad failures (" << session.failures().size() << "):\n";
  for (const auto& f : session.failures())
    out << "  " << f.file.string() << "\n    " << f.reason << '\n';
}

// Every explainer, runnable on the model or not, with the reason (why_not).
void print_runnable(std::ostream& out, const Session& session, const std::string& file,
                    const std::string& input_shape) {
  const Model model = session.load_model(file, import_options(input_shape));
  const Registry& r = session.registry();
  const std::vector<std::string> names = r.explainer_names();
  std::vector<std::optional<std::string>> reasons;
  for (const auto& name : names) reasons.push_back(why_not(r.explainer(name)->info(), model));
  const auto runnable = std::count(reasons.begin(), reasons.end(), std::nullopt);
  out << "Explainers on " << file << ": " << runnable << " of " << names.size() << " can run\n";
  for (std::size_t i = 0; i < names.size(); ++i) {
    out << "  " << names[i] << "  "
        << (reasons[i] ? "not runnable: " + *reasons[i] : std::string("runnable")) << '\n';
  }
}

}  // namespace

Command add_plugins_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "plugins",
      "List the loaded plugins, everything they registered, and load failures; with --model, "
      "which explainers can run on that model and why the others cannot");
  auto model = std::make_shared<std::string>();
  app->add_option("--model", *model,
                  "Model file (e.g. .onnx): list each explainer as runnable on it or not, with "
                  "the reason (a GAP head or a spatial layer it lacks)");
  auto input_shape = std::make_shared<std::string>();
  add_input_shape_option(*app, *input_shape);
  return {app, [model, input_shape](Session& session) {
            if (model->empty()) {
              print_all(std::cout, session);
            } else {
              print_runnable(std::cout, session, *model, *input_shape);
            }
            return 0;
          }};
}

}  // namespace lumen::cli
