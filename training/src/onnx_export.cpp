#include "lumen/training/onnx_export.hpp"

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"

namespace lumen::training {
namespace {

using onnx_writer::Attribute;
using onnx_writer::Dim;
using onnx_writer::Ints;
using onnx_writer::IntTensor;
using onnx_writer::ModelBuilder;

constexpr const char* supported_ops =
    "Add, AveragePool, BatchNormalization, Concat, Conv, Dropout, Flatten, Gemm, "
    "GlobalAveragePool, Identity, LeakyRelu, MaxPool, Relu, Reshape, Sigmoid, Softmax, Tanh";

std::string tensor_name(const Node& node) {
  return node.output_name.empty() ? node.name : node.output_name;
}

std::string comma_list(const std::vector<float>& values) {
  std::ostringstream out;
  out.precision(9);
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
  return out.str();
}

Ints ints(std::span<const std::int64_t> values) { return Ints(values.begin(), values.end()); }

// Writes one node; returns false when the layer is not one the exporter knows.
class NodeWriter {
 public:
  NodeWriter(ModelBuilder& b, const Graph& g, const Node& node)
      : b_(b), node_(node), layer_(*node.layer), out_(tensor_name(node)) {
    for (const auto id : node.inputs) inputs_.push_back(tensor_name(g.node(id)));
  }

  bool write() {
    const auto op = layer_.op_type();
    if (op == "Conv") return conv();
    if (op == "Gemm") return gemm();
    if (op == "MaxPool" || op == "AveragePool") return pool(op);
    if (op == "BatchNormalization") return batch_norm();
    if (op == "Flatten" || op == "Concat" || op == "Softmax") return with_axis(op);
    if (op == "Reshape") return reshape();
    if (op == "LeakyRelu") return leaky_relu();
    if (op == "Add") return add();
    if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "GlobalAveragePool" ||
        op == "Identity" || op == "Dropout") {
      return plain(op);
    }
    return false;
  }

 private:
  std::string initializer(const std::string& role, const Tensor& value) {
    const auto name = node_.name + "." + role;
    b_.add_initializer(name, value);
    return name;
  }
  void emit(const std::string& op, std::vector<std::string> inputs,
            const std::vector<Attribute>& attributes = {}) {
    b_.add_node(op, inputs, {out_}, attributes, node_.name);
  }

  bool conv() {
    const auto p = conv2d_params(layer_);
    if (!p) return false;
    std::vector<std::string> in{inputs_[0], initializer("weight", p->weight)};
    if (p->bias) in.push_back(initializer("bias", *p->bias));
    emit("Conv", in,
         {{"kernel_shape", Ints{p->weight.dim(2), p->weight.dim(3)}},
          {"strides", ints(p->stride)},
          {"dilations", ints(p->dilation)},
          {"pads", ints(p->pads)},
          {"group", p->groups}});
    return true;
  }
  bool gemm() {
    const auto p = linear_params(layer_);
    if (!p) return false;
    std::vector<std::string> in{inputs_[0], initializer("weight", p->weight)};
    if (p->bias) in.push_back(initializer("bias", *p->bias));
    emit("Gemm", in, {{"transB", 1}});
    return true;
  }
  bool pool(const std::string& op) {
    const auto p = pool2d_params(layer_);
    if (!p) return false;
    std::vector<Attribute> attributes{{"kernel_shape", ints(p->kernel)},
                                      {"strides", ints(p->stride)},
                                      {"pads", ints(p->pads)},
                                      {"ceil_mode", p->ceil_mode ? 1 : 0}};
    if (op == "MaxPool") {
      attributes.emplace_back("dilations", ints(p->dilation));
    } else {
      // AveragePool has no dilations before opset 19.
      if (p->dilation != std::array<std::int64_t, 2>{1, 1}) return false;
      attributes.emplace_back("count_include_pad", p->count_include_pad ? 1 : 0);
    }
    emit(op, inputs_, attributes);
    return true;
  }
  bool batch_norm() {
    const auto p = batch_norm_params(layer_);
    if (!p) return false;
    emit("BatchNormalization",
         {inputs_[0], initializer("scale", p->scale), initializer("bias", p->bias),
          initializer("mean", p->mean), initializer("variance", p->variance)},
         {{"epsilon", static_cast<double>(p->epsilon)}});
    return true;
  }
  bool with_axis(const std::string& op) {
    const auto axis = layer_axis(layer_);
    if (!axis) return false;
    emit(op, inputs_, {{"axis", *axis}});
    return true;
  }
  bool reshape() {
    const auto shape = reshape_shape(layer_);
    if (!shape) return false;
    // A leading 0 keeps the batch (the importer's batch rule); lumen's entries are per sample.
    Ints target{0};
    target.insert(target.end(), shape->begin(), shape->end());
    const auto name = node_.name + ".shape";
    b_.add_initializer(name, IntTensor{{static_cast<std::int64_t>(target.size())}, target});
    emit("Reshape", {inputs_[0], name});
    return true;
  }
  bool leaky_relu() {
    const auto alpha = leaky_relu_alpha(layer_);
    if (!alpha) return false;
    emit("LeakyRelu", inputs_, {{"alpha", static_cast<double>(*alpha)}});
    return true;
  }
  // ONNX Add is binary: a sum of k inputs becomes a chain of k - 1 Adds.
  bool add() {
    if (inputs_.size() < 2) return false;
    std::string sum = inputs_[0];
    for (std::size_t i = 1; i + 1 < inputs_.size(); ++i) {
      const auto partial = node_.name + "/sum" + std::to_string(i);
      b_.add_node("Add", {sum, inputs_[i]}, {partial}, {}, partial);
      sum = partial;
    }
    emit("Add", {sum, inputs_.back()});
    return true;
  }
  bool plain(const std::string& op) {
    emit(op, inputs_);
    return true;
  }

  ModelBuilder& b_;
  const Node& node_;
  const Layer& layer_;
  std::string out_;
  std::vector<std::string> inputs_;
};

}  // namespace

ModelBuilder onnx_model(const Model& model) {
  const Graph& g = model.graph();
  const auto& spec = model.input_spec();
  ModelBuilder b(13);
  std::vector<Dim> input_shape{Dim{"N"}};
  for (const auto d : spec.sample_shape) input_shape.emplace_back(d);
  b.add_input(tensor_name(g.node(g.input())), input_shape);
  for (const auto id : g.topological_order()) {
    if (id == g.input()) continue;
    const Node& node = g.node(id);
    if (!NodeWriter(b, g, node).write()) {
      const auto what = node.layer->describe();
      throw ModelError("export_onnx: node '" + node.name + "' (op '" + node.layer->op_type() + "'" +
                       (what.empty() ? "" : ", " + what) +
                       ") cannot be written to ONNX; written ops: " + supported_ops);
    }
  }
  const Node& out = g.node(g.output());
  std::vector<Dim> output_shape{Dim{"N"}};
  for (std::size_t i = 1; i < out.output_shape.size(); ++i) {
    output_shape.emplace_back(out.output_shape[i]);
  }
  b.add_output(tensor_name(out), output_shape);
  if (!model.labels().empty())
    b.set_metadata("lumen.labels", nlohmann::json(model.labels()).dump());
  if (!spec.mean.empty()) b.set_metadata("lumen.mean", comma_list(spec.mean));
  if (!spec.std.empty()) b.set_metadata("lumen.std", comma_list(spec.std));
  if (!spec.preprocess.empty()) b.set_metadata("lumen.preprocess", spec.preprocess);
  return b;
}

void export_onnx(const Model& model, const std::filesystem::path& file) {
  const auto b = onnx_model(model);
  b.check();
  b.save(file);
}

}  // namespace lumen::training
