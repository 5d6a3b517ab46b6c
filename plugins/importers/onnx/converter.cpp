#include "converter.hpp"

#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "import_state.hpp"
#include "lumen/error.hpp"
#include "nhwc.hpp"
#include "ops.hpp"
#include "refusals.hpp"
#include "stand_in.hpp"

namespace lumen::onnx_import {

namespace {

std::string node_label(const std::string& name, const onnx::NodeProto& node, std::int64_t opset) {
  return "node '" + name + "' (op '" + node.op_type() + "', opset " + std::to_string(opset) + ")";
}

bool in_default_domain(const onnx::NodeProto& node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

// The node's own name, or "<op>_<index>" made unique against every name in the file.
std::vector<std::string> resolve_node_names(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> taken;
  for (const auto& n : graph.node()) {
    taken.insert(n.name());
    for (const auto& o : n.output()) taken.insert(o);
  }
  for (const auto& i : graph.input()) taken.insert(i.name());
  std::vector<std::string> names;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& n = graph.node(i);
    if (!n.name().empty()) {
      names.push_back(n.name());
      continue;
    }
    std::string name = n.op_type() + "_" + std::to_string(i);
    while (taken.count(name)) name += "_";
    taken.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

NodeContext::NodeContext(ImportState& state, std::size_t index)
    : state_(state), index_(index), attributes_(state.proto.node(static_cast<int>(index))) {}

const onnx::NodeProto& NodeContext::proto() const {
  return state_.proto.node(static_cast<int>(index_));
}

const std::string& NodeContext::name() const { return state_.names[index_]; }
std::int64_t NodeContext::opset() const { return state_.opset; }

int NodeContext::input_count() const {
  int n = proto().input_size();
  while (n > 0 && proto().input(n - 1).empty()) --n;
  return n;
}

bool NodeContext::has_input(int i) const { return i < input_count() && !input_name(i).empty(); }

const std::string& NodeContext::input_name(int i) const { return proto().input(i); }

bool NodeContext::is_constant(int i) const {
  if (!has_input(i)) return false;
  auto it = state_.values.find(input_name(i));
  return it != state_.values.end() && it->second.constant;
}

const Value& NodeContext::input_value(int i) const {
  if (!has_input(i)) throw ModelError("input " + std::to_string(i) + " is missing");
  auto it = state_.values.find(input_name(i));
  if (it == state_.values.end()) {
    throw ModelError("input '" + input_name(i) + "' is not produced by an earlier node");
  }
  return it->second;
}

NodeId NodeContext::view_source(int i) const {
  const auto& value = input_value(i);
  if (!value.node) {
    throw ModelError("input " + std::to_string(i) + " ('" + input_name(i) +
                     "') is a constant; lumen needs it computed from the model input here");
  }
  return *value.node;
}

NodeId NodeContext::activation(int i) const {
  const auto id = view_source(i);
  if (input_value(i).nhwc_view) {
    throw ModelError("input " + std::to_string(i) + " ('" + input_name(i) +
                     "') is an NHWC tensor that lumen holds in NCHW order, which this op cannot "
                     "read (see the NHWC rule in docs/importers/onnx.md)");
  }
  return id;
}

bool NodeContext::is_nhwc_view(int i) const { return input_value(i).nhwc_view; }

const Constant& NodeContext::constant(int i) const {
  if (!has_input(i)) throw ModelError("input " + std::to_string(i) + " is missing");
  auto it = state_.values.find(input_name(i));
  if (it == state_.values.end()) {
    throw ModelError("input '" + input_name(i) + "' is not produced by an earlier node");
  }
  if (!it->second.constant) {
    throw ModelError("input " + std::to_string(i) + " ('" + input_name(i) +
                     "') must be a constant (an initializer or a Constant node), but it is "
                     "computed from the model input");
  }
  return *it->second.constant;
}

const Constant* NodeContext::find_constant(const std::string& tensor) const {
  auto it = state_.values.find(tensor);
  return it == state_.values.end() ? nullptr : it->second.constant.get();
}

const Shape& NodeContext::shape(NodeId id) const { return state_.graph.node(id).output_shape; }

std::optional<std::int64_t> NodeContext::static_batch() const { return state_.static_batch; }

bool NodeContext::output_used(int i) const {
  if (i >= proto().output_size() || proto().output(i).empty()) return false;
  const auto& name = proto().output(i);
  return name == state_.graph_output || state_.consumers.count(name) > 0;
}

const onnx::NodeProto* NodeContext::sole_consumer() const {
  const auto& name = proto().output(0);
  auto it = state_.consumers.find(name);
  if (name == state_.graph_output || it == state_.consumers.end() || it->second.size() != 1) {
    return nullptr;
  }
  return &state_.proto.node(static_cast<int>(it->second.front()));
}

std::vector<const onnx::NodeProto*> NodeContext::readers(const std::string& tensor) const {
  std::vector<const onnx::NodeProto*> nodes;
  if (auto it = state_.consumers.find(tensor); it != state_.consumers.end()) {
    for (const auto i : it->second) {
      const auto* node = &state_.proto.node(static_cast<int>(i));
      if (nodes.empty() || nodes.back() != node) nodes.push_back(node);
    }
  }
  if (tensor == state_.graph_output) nodes.push_back(nullptr);
  return nodes;
}

std::shared_ptr<const Constant> NodeContext::constant_ahead(const std::string& tensor) const {
  if (auto it = state_.values.find(tensor); it != state_.values.end()) return it->second.constant;
  auto producer = state_.producers.find(tensor);
  if (producer == state_.producers.end()) return nullptr;
  const auto& node = state_.proto.node(static_cast<int>(producer->second));
  if (node.op_type() != "Constant" || !in_default_domain(node)) return nullptr;
  try {
    return std::make_shared<const Constant>(constant_node_value(Attributes(node)));
  } catch (const Error&) {
    return nullptr;  // the Constant node refuses itself when its turn comes
  }
}

const onnx::NodeProto* NodeContext::sole_reader(const std::string& tensor) const {
  auto it = state_.consumers.find(tensor);
  if (tensor == state_.graph_output || it == state_.consumers.end() || it->second.size() != 1) {
    return nullptr;
  }
  return &state_.proto.node(static_cast<int>(it->second.front()));
}

const onnx::NodeProto* NodeContext::producer(const std::string& tensor) const {
  auto it = state_.producers.find(tensor);
  if (it == state_.producers.end()) return nullptr;
  return &state_.proto.node(static_cast<int>(it->second));
}

bool NodeContext::comes_later(const onnx::NodeProto& node) const {
  if (node.output_size() == 0) return false;
  auto it = state_.producers.find(node.output(0));
  return it != state_.producers.end() && it->second > index_;
}

bool NodeContext::readers_take_nhwc_view(const Shape& nhwc) const {
  return onnx_import::readers_take_nhwc_view(state_, proto().output(0), nhwc, ViewEnd::any);
}

void NodeContext::add_layer(std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs,
                            const onnx::NodeProto* absorbed) {
  if (absorbed) {
    return add_layer(std::move(layer), std::move(inputs),
                     std::vector<const onnx::NodeProto*>{absorbed});
  }
  const auto id =
      state_.graph.add_node(name(), proto().output(0), std::move(layer), std::move(inputs));
  state_.values[proto().output(0)] = Value{id, nullptr, false};
}

void NodeContext::add_layer(std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs,
                            const std::vector<const onnx::NodeProto*>& absorbed) {
  const auto& output = absorbed.back()->output(0);
  const auto id = state_.graph.add_node(name(), output, std::move(layer), std::move(inputs));
  state_.values[output] = Value{id, nullptr, false};
  for (const auto* node : absorbed) state_.absorbed[state_.producers.at(node->output(0))] = true;
}

NodeId NodeContext::add_step(std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs,
                             const std::string& step) {
  return state_.graph.add_node(name() + "/" + step, {}, std::move(layer), std::move(inputs));
}

void NodeContext::mark_nhwc_view() { state_.values.at(proto().output(0)).nhwc_view = true; }

void NodeContext::alias_as_nhwc_view(int i) {
  state_.values[proto().output(0)] = Value{activation(i), nullptr, true};
}

void NodeContext::alias_view_source(int i) {
  state_.values[proto().output(0)] = Value{view_source(i), nullptr, false};
}

void NodeContext::add_output_layer(int output, std::shared_ptr<const Layer> layer,
                                   std::vector<NodeId> inputs) {
  if (output == 0) return add_layer(std::move(layer), std::move(inputs));
  const auto& tensor = proto().output(output);
  const auto id = state_.graph.add_node(name() + "/output_" + std::to_string(output), tensor,
                                        std::move(layer), std::move(inputs));
  state_.values[tensor] = Value{id, nullptr, false};
}

void NodeContext::set_constant(Constant value, int output) {
  state_.values[proto().output(output)] =
      Value{std::nullopt, std::make_shared<Constant>(std::move(value)), false};
}

void NodeContext::alias_input(int i) {
  if (!has_input(i)) throw ModelError("input " + std::to_string(i) + " is missing");
  auto it = state_.values.find(input_name(i));
  if (it == state_.values.end()) {
    throw ModelError("input '" + input_name(i) + "' is not produced by an earlier node");
  }
  state_.values[proto().output(0)] = it->second;
}

std::string supported_op_list() {
  std::string list;
  for (const auto& [op, handler] : op_handlers()) list += (list.empty() ? "" : ", ") + op;
  return list;
}

void check_ops_supported(const onnx::GraphProto& graph, std::int64_t opset) {
  const auto names = resolve_node_names(graph);
  const auto absorbed = layer_norm_chain_nodes(graph);
  Refusals unsupported;
  bool other_domain = false;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& n = graph.node(i);
    if (absorbed.count(&n)) continue;
    if (!in_default_domain(n)) {
      other_domain = true;
      unsupported.add(n.op_type(), n.domain(), names[static_cast<std::size_t>(i)]);
    } else if (!op_handlers().count(n.op_type())) {
      unsupported.add(n.op_type(), {}, names[static_cast<std::size_t>(i)]);
    }
  }
  if (unsupported.empty()) return;
  throw ModelError(unsupported.describe("with an op that lumen does not support", opset) +
                   (other_domain ? "\nlumen reads only the default ONNX domain" : "") +
                   "\nsupported: " + supported_op_list());
}

namespace {

// The one graph input that is not an initializer: a float [N, C, H, W] tensor with fixed C, H, W.
const onnx::ValueInfoProto& find_input(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> initializers;
  for (const auto& t : graph.initializer()) initializers.insert(t.name());
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& i : graph.input()) {
    if (!initializers.count(i.name())) inputs.push_back(&i);
  }
  if (inputs.size() != 1) {
    std::string names;
    for (const auto* i : inputs) names += (names.empty() ? "'" : ", '") + i->name() + "'";
    throw ModelError(
        "the graph has " + std::to_string(inputs.size()) + " inputs that are not initializers" +
        (names.empty() ? "" : " (" + names + ")") + "; lumen needs exactly one, the image batch");
  }
  return *inputs.front();
}

// The sample dims of the graph input in the file's order: a fixed size, or open (nullopt) with
// its dim_param name, if any.
struct FileDims {
  std::vector<std::optional<std::int64_t>> sizes;
  std::vector<std::string> names;
  std::optional<std::int64_t> batch;
  std::string batch_name;
};

FileDims read_input_dims(const onnx::ValueInfoProto& input) {
  const auto what = "graph input '" + input.name() + "'";
  if (!input.type().has_tensor_type()) throw ModelError(what + " is not a tensor");
  const auto& type = input.type().tensor_type();
  if (type.elem_type() != onnx::TensorProto::FLOAT) {
    throw ModelError(what + " has element type " +
                     (onnx::TensorProto_DataType_IsValid(type.elem_type())
                          ? onnx::TensorProto_DataType_Name(type.elem_type())
                          : std::to_string(type.elem_type())) +
                     "; lumen needs FLOAT");
  }
  if (!type.has_shape() || type.shape().dim_size() != 4) {
    throw ModelError(what + " must have a known shape [N, C, H, W]" +
                     (type.has_shape()
                          ? " (it has rank " + std::to_string(type.shape().dim_size()) + ")"
                          : std::string{}));
  }
  FileDims result;
  for (int d = 0; d < 4; ++d) {
    const auto& dim = type.shape().dim(d);
    std::optional<std::int64_t> size;
    if (dim.has_dim_value() && dim.dim_value() > 0) size = dim.dim_value();
    if (d == 0) {
      result.batch = size;
      result.batch_name = dim.has_dim_param() ? dim.dim_param() : "N";
    } else {
      result.sizes.push_back(size);
      result.names.push_back(dim.has_dim_param() ? dim.dim_param() : std::string{});
    }
  }
  return result;
}

// "[batch,3,height,width]", open dims by name ("?" when unnamed, "N" for an unnamed batch).
std::string describe(const FileDims& dims) {
  std::string text = "[" + (dims.batch ? std::to_string(*dims.batch) : dims.batch_name);
  for (std::size_t d = 0; d < dims.sizes.size(); ++d) {
    text += "," + (dims.sizes[d]           ? std::to_string(*dims.sizes[d])
                   : dims.names[d].empty() ? "?"
                                           : dims.names[d]);
  }
  return text + "]";
}

// The sample shape [C, H, W] to build the graph for: the file's fixed dims, its open dims from the
// requested shape, else from the fallback (both [C, H, W] or [H, W], aligned at the end). `order`
// lists the file's sample dims in C, H, W order (they differ for an NHWC input).
Shape resolve_input_shape(const onnx::ValueInfoProto& input, const FileDims& dims,
                          const std::vector<std::size_t>& order, const ImportOptions& options) {
  const auto what = "graph input '" + input.name() + "'";
  const auto requested_at = [](const Shape& shape, std::size_t d) -> std::optional<std::int64_t> {
    const auto offset = 3 - shape.size();  // 0 for [C, H, W], 1 for [H, W]
    if (shape.empty() || d < offset) return std::nullopt;
    return shape[d - offset];
  };
  Shape sample;
  std::string open;
  for (std::size_t d = 0; d < 3; ++d) {
    const auto& size = dims.sizes[order[d]];
    const auto asked = requested_at(options.input_shape, d);
    if (size) {
      if (asked && *asked != *size) {
        throw ModelError(what + " has the shape " + describe(dims) + ", fixing " +
                         std::string{"CHW"[d]} + " = " + std::to_string(*size) +
                         "; the requested input shape " + to_string(options.input_shape) +
                         " differs");
      }
      sample.push_back(*size);
    } else if (asked) {
      sample.push_back(*asked);
    } else if (const auto fallback = requested_at(options.fallback_shape, d)) {
      sample.push_back(*fallback);
    } else {
      const auto& name = dims.names[order[d]];
      open += (open.empty() ? "" : ", ") + std::string{"CHW"[d]} +
              (name.empty() ? " (unnamed)" : " '" + name + "'");
      sample.push_back(0);
    }
  }
  if (!open.empty()) {
    throw ModelError(
        what + " has the shape " + describe(dims) + " with dynamic " + open +
        "; lumen builds the graph for one input size: give it with --input-shape C,H,W "
        "(or H,W) on the command line, ImportOptions::input_shape in code");
  }
  return sample;
}

}  // namespace

Graph import_graph(onnx::ModelProto& model, std::int64_t opset, const ImportOptions& options) {
  const auto& proto = model.graph();
  ImportState state{proto,
                    opset,
                    std::nullopt,
                    Graph{},
                    {},
                    {},
                    {},
                    {},
                    resolve_node_names(proto),
                    std::vector<bool>(static_cast<std::size_t>(proto.node_size()), false)};
  if (proto.output_size() != 1) {
    throw ModelError("the graph has " + std::to_string(proto.output_size()) +
                     " outputs; lumen needs exactly one (the class scores)");
  }
  state.graph_output = proto.output(0).name();

  for (auto& t : *model.mutable_graph()->mutable_initializer()) {
    auto c = read_tensor(t, "initializer '" + t.name() + "'");
    state.values[t.name()] = Value{std::nullopt, std::make_shared<Constant>(std::move(c)), false};
    const auto name = t.name();
    t.Clear();
    t.set_name(name);
  }
  for (int i = 0; i < proto.node_size(); ++i) {
    for (const auto& in : proto.node(i).input()) {
      if (!in.empty()) state.consumers[in].push_back(static_cast<std::size_t>(i));
    }
    for (const auto& out : proto.node(i).output()) {
      if (!out.empty()) state.producers[out] = static_cast<std::size_t>(i);
    }
  }
  const auto& input = find_input(proto);
  const auto dims = read_input_dims(input);
  state.static_batch = dims.batch;
  // An NHWC input that the graph turns into NCHW is fed as NCHW (Note [NHWC views]). The layout
  // is told from the file's shape, an open dim standing as a size no Reshape target holds.
  Shape file_sample;
  for (const auto& size : dims.sizes)
    file_sample.push_back(size.value_or(std::numeric_limits<std::int64_t>::min()));
  const auto& s = file_sample;
  const bool nhwc =
      readers_take_nhwc_view(state, input.name(), {1, s[0], s[1], s[2]}, ViewEnd::to_nchw);
  const auto sample = resolve_input_shape(
      input, dims, nhwc ? std::vector<std::size_t>{2, 0, 1} : std::vector<std::size_t>{0, 1, 2},
      options);
  state.values[input.name()] = Value{state.graph.add_input(input.name(), sample), nullptr, nhwc};

  // Note [every refusal at once]: after a refused node the import goes on, so that one error lists
  // every node refused for its own reasons. An element-wise node whose output shape is known gets
  // a stand-in layer of that shape (stand_in.hpp), which the nodes after it read; the outputs of
  // other refused nodes are marked, and the nodes reading them are skipped (and counted).
  Refusals refusals;
  std::string first_refusal;
  std::unordered_set<std::string> unavailable;
  std::size_t unchecked = 0;
  const auto reads_unavailable = [&](const onnx::NodeProto& node) {
    for (const auto& in : node.input()) {
      if (unavailable.count(in)) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < state.names.size(); ++i) {
    if (state.absorbed[i]) continue;
    NodeContext context(state, i);
    const auto& node = context.proto();
    if (reads_unavailable(node)) {
      for (const auto& out : node.output()) unavailable.insert(out);
      ++unchecked;
      continue;
    }
    try {
      if (node.output_size() == 0 || node.output(0).empty()) {
        throw ModelError("the node has no output");
      }
      auto handler = op_handlers().find(node.op_type());
      if (handler == op_handlers().end()) throw ModelError("the op is not supported");
      handler->second(context);
      for (int o = 1; o < node.output_size(); ++o) {
        if (context.output_used(o) && !state.values.count(node.output(o))) {
          throw ModelError("its output " + std::to_string(o) + " ('" + node.output(o) +
                           "') is used, but lumen imports only the first output of " +
                           node.op_type() + " (inference)");
        }
      }
    } catch (const std::exception& e) {
      if (refusals.empty())
        first_refusal = node_label(context.name(), node, opset) + ": " + e.what();
      refusals.add(node.op_type(), {}, context.name(), e.what());
      const bool replaced = add_stand_in(context);
      for (int o = replaced ? 1 : 0; o < node.output_size(); ++o)
        unavailable.insert(node.output(o));
    }
  }
  if (refusals.count() == 1) throw ModelError(first_refusal);
  if (!refusals.empty()) {
    throw ModelError(refusals.describe("that lumen cannot import", opset) +
                     (unchecked
                          ? "\nnodes reading the outputs of refused nodes were not checked: " +
                                std::to_string(unchecked)
                          : std::string{}));
  }

  auto out = state.values.find(state.graph_output);
  if (out == state.values.end()) {
    throw ModelError("no node produces the graph output '" + state.graph_output + "'");
  }
  if (!out->second.node) {
    throw ModelError("the graph output '" + state.graph_output +
                     "' is a constant; it must be computed from the input");
  }
  state.graph.finalize(*out->second.node);
  return std::move(state.graph);
}

}  // namespace lumen::onnx_import
