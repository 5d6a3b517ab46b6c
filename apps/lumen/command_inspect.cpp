// `lumen inspect MODEL`: the graph node by node, its size and cost, its input and labels.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/layer_names.hpp>
#include <lumen/model.hpp>
#include <sstream>

#include "input.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

std::string with_separators(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

std::string floats(const std::vector<float>& v) {
  if (v.empty()) return "unknown";
  std::ostringstream s;
  for (std::size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  return s.str();
}

void print_model(std::ostream& out, const Model& model) {
  const Graph& g = model.graph();
  // PyTorch's module paths (--layer layer4) beside the node names, for models exported by torch.
  bool modules = false;
  for (NodeId id : g.topological_order())
    modules = modules || !module_path(g.node(id).name).empty();
  std::vector<std::vector<std::string>> rows{
      {"#", "node", "output", "op", "configuration", "output shape", "parameters", "FLOPs"}};
  if (modules) rows.front().insert(rows.front().begin() + 2, "module");
  std::int64_t parameters = 0, flops = 0;
  for (std::size_t k = 0; k < g.topological_order().size(); ++k) {
    const Node& n = g.node(g.topological_order()[k]);
    std::vector<Shape> inputs;
    for (NodeId i : n.inputs) inputs.push_back(g.node(i).output_shape);
    const std::int64_t p = n.layer->parameter_count();
    const std::int64_t f = n.layer->flops(inputs, n.output_shape);
    parameters += p;
    flops += f;
    rows.push_back({std::to_string(k), n.name, n.output_name, n.layer->op_type(),
                    n.layer->describe(), to_string(n.output_shape), with_separators(p),
                    with_separators(f)});
    if (modules) rows.back().insert(rows.back().begin() + 2, module_path(n.name));
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c] + (c + 1 < row.size() ? std::string(width[c] - row[c].size() + 2, ' ') : "");
    }
    out << line << '\n';
  }
  const InputSpec& in = model.input_spec();
  out << "\nnodes: " << g.size() << "\nparameters: " << with_separators(parameters)
      << "\nFLOPs per forward pass (one sample): " << with_separators(flops)
      << "\ninput: " << to_string(model.batch_shape(1)) << " (" << g.node(g.input()).name
      << "), mean " << floats(in.mean) << ", std " << floats(in.std)
      << (in.preprocess.empty() ? "" : ", preprocess " + in.preprocess) << "\nlogits: node '"
      << g.node(model.logits_node()).name << "', " << model.class_count() << " classes";
  try {
    out << "\ndefault layer of layer-space methods: '" << g.node(default_spatial_layer(model)).name
        << "'";
  } catch (const InvalidArgument&) {
    out << "\ndefault layer of layer-space methods: none (no spatial map before the logits)";
  }
  out << "\nlabels:";
  if (model.labels().empty()) out << " none (classes are shown by number)";
  out << '\n';
  for (std::size_t c = 0; c < model.labels().size(); ++c) {
    out << "  " << c << ": " << model.labels()[c] << '\n';
  }
}

}  // namespace

Command add_inspect_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "inspect", "Print a model's nodes in topological order with shapes, parameters and FLOPs");
  auto file = std::make_shared<std::string>();
  auto input_shape = std::make_shared<std::string>();
  app->add_option("model", *file, "Model file (e.g. .onnx)")->required();
  add_input_shape_option(*app, *input_shape);
  return {app, [file, input_shape](Session& session) {
            print_model(std::cout, session.load_model(*file, import_options(*input_shape)));
            return 0;
          }};
}

}  // namespace lumen::cli
