#include "lumen/graph.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <iterator>
#include <unordered_map>

#include "lumen/error.hpp"

namespace lumen {

struct Graph::Impl {
  using Dag = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Dag dag;
  std::vector<Node> nodes;
  std::vector<std::vector<NodeId>> consumers;
  std::unordered_map<std::string, NodeId> by_name;
  std::vector<NodeId> order;
  std::optional<NodeId> input;
  std::optional<NodeId> output;

  void check_open(const std::string& what) const {
    if (output) throw Error("cannot " + what + ": the graph is already finalised");
  }
  void check_id(NodeId id) const {
    if (id >= nodes.size()) throw NotFound("no node with id " + std::to_string(id));
  }
  // Registers a new node's names, checking both before inserting either.
  void add_names(const Node& n) {
    for (const auto* name : {&n.name, &n.output_name}) {
      auto it = by_name.find(*name);
      if (it != by_name.end()) {
        throw InvalidArgument("node '" + n.name + "': name '" + *name +
                              "' is already used by node '" + nodes[it->second].name + "'");
      }
    }
    if (!n.name.empty()) by_name.emplace(n.name, n.id);
    if (!n.output_name.empty()) by_name.emplace(n.output_name, n.id);
  }
};

Graph::Graph() : impl_(std::make_unique<Impl>()) {}
Graph::~Graph() = default;
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;

namespace {

// The input node's layer: it only provides the value fed to the graph.
class InputLayer final : public Layer {
 public:
  std::string op_type() const override { return "Input"; }
  LayerKind kind() const override { return LayerKind::input; }
  Shape output_shape(std::span<const Shape>) const override {
    throw Error("the input node has no inputs to infer a shape from");
  }
  Tensor forward(TensorRefs, const Backend&, std::unique_ptr<LayerState>*) const override {
    throw Error("the input node is fed, not computed");
  }
  std::vector<Tensor> backward(TensorRefs, const Tensor&, const LayerState*, const Tensor&,
                               const Backend&) const override {
    return {};
  }
};

}  // namespace

NodeId Graph::add_input(std::string name, const Shape& sample_shape) {
  impl_->check_open("add an input");
  if (impl_->input)
    throw InvalidArgument("graph already has an input ('" + node(*impl_->input).name + "')");
  Node n;
  n.id = impl_->nodes.size();
  n.output_name = name;
  n.name = std::move(name);
  n.layer = std::make_shared<InputLayer>();
  n.output_shape = {1};
  n.output_shape.insert(n.output_shape.end(), sample_shape.begin(), sample_shape.end());
  element_count(n.output_shape);  // rejects negative dimensions
  impl_->add_names(n);
  impl_->nodes.push_back(std::move(n));
  impl_->consumers.emplace_back();
  boost::add_vertex(impl_->dag);
  impl_->input = impl_->nodes.back().id;
  return *impl_->input;
}

NodeId Graph::add_node(std::string name, std::string output_name,
                       std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs) {
  impl_->check_open("add node '" + name + "'");
  if (!layer) throw InvalidArgument("node '" + name + "' has no layer");
  if (inputs.empty()) throw InvalidArgument("node '" + name + "' has no inputs");
  std::vector<Shape> shapes;
  for (NodeId i : inputs) {
    if (i >= impl_->nodes.size()) {
      throw InvalidArgument("node '" + name + "' reads node id " + std::to_string(i) +
                            ", which does not exist");
    }
    shapes.push_back(impl_->nodes[i].output_shape);
  }
  Shape out;
  try {
    out = layer->output_shape(shapes);
  } catch (const Error& e) {
    throw ShapeError("node '" + name + "' (" + layer->op_type() + "): " + e.what());
  }
  Node n;
  n.id = impl_->nodes.size();
  n.name = std::move(name);
  n.output_name = output_name.empty() ? n.name : std::move(output_name);
  n.layer = std::move(layer);
  n.inputs = std::move(inputs);
  n.output_shape = std::move(out);
  impl_->add_names(n);
  boost::add_vertex(impl_->dag);
  for (NodeId i : n.inputs) {
    boost::add_edge(i, n.id, impl_->dag);
    impl_->consumers[i].push_back(n.id);
  }
  impl_->consumers.emplace_back();
  impl_->nodes.push_back(std::move(n));
  return impl_->nodes.back().id;
}

void Graph::finalize(NodeId output) {
  impl_->check_open("finalise");
  impl_->check_id(output);
  if (!impl_->input) throw InvalidArgument("graph has no input");
  std::vector<Impl::Dag::vertex_descriptor> reversed;
  try {
    boost::topological_sort(impl_->dag, std::back_inserter(reversed));
  } catch (const boost::not_a_dag&) {
    throw InvalidArgument("the model graph has a cycle");
  }
  impl_->order.assign(reversed.rbegin(), reversed.rend());
  impl_->output = output;
}

std::size_t Graph::size() const { return impl_->nodes.size(); }

const Node& Graph::node(NodeId id) const {
  impl_->check_id(id);
  return impl_->nodes[id];
}

NodeId Graph::input() const {
  if (!impl_->input) throw Error("graph has no input");
  return *impl_->input;
}

NodeId Graph::output() const {
  if (!impl_->output) throw Error("graph is not finalised");
  return *impl_->output;
}

const std::vector<NodeId>& Graph::topological_order() const {
  if (!impl_->output) throw Error("graph is not finalised");
  return impl_->order;
}

const std::vector<NodeId>& Graph::consumers(NodeId id) const {
  impl_->check_id(id);
  return impl_->consumers[id];
}

std::optional<NodeId> Graph::find(std::string_view name_or_output) const {
  auto it = impl_->by_name.find(std::string(name_or_output));
  if (it == impl_->by_name.end()) return std::nullopt;
  return it->second;
}

NodeId Graph::at(std::string_view name_or_output) const {
  if (auto id = find(name_or_output)) return *id;
  std::string known;
  for (std::size_t i = 0; i < impl_->nodes.size() && i < 12; ++i) {
    known += (i ? ", " : "") + impl_->nodes[i].name;
  }
  if (impl_->nodes.size() > 12) known += ", ... (lumen inspect lists all)";
  throw NotFound("no node or tensor named '" + std::string(name_or_output) + "'; nodes: " + known);
}

}  // namespace lumen
