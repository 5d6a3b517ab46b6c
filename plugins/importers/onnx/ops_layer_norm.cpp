// Layer normalisation: the LayerNormalization op (opset 17) and the chain PyTorch exports for
// nn.LayerNorm at earlier opsets, both imported as one layer-norm layer so that relevance rules
// see the whole normalisation (docs/rules.md, the LN rule).
#include <functional>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "lumen/error.hpp"
#include "lumen/normalisation_layers.hpp"
#include "nhwc.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;
using NodeRef = const onnx::NodeProto*;

// A constant broadcast against a rank-`rank` tensor whose trailing axes have the shape
// `normalised`, expanded to that shape; nothing when it would vary along the leading axes or does
// not broadcast.
std::optional<Tensor> normalised_constant(const Constant& c, const Shape& normalised, I rank) {
  if (c.integer || static_cast<I>(c.shape.size()) > rank) return std::nullopt;
  Shape padded(static_cast<std::size_t>(rank) - c.shape.size(), 1);
  padded.insert(padded.end(), c.shape.begin(), c.shape.end());
  const auto leading = static_cast<std::size_t>(rank) - normalised.size();
  for (std::size_t a = 0; a < padded.size(); ++a) {
    const bool fits =
        a < leading ? padded[a] == 1 : padded[a] == 1 || padded[a] == normalised[a - leading];
    if (!fits) return std::nullopt;
  }
  const Shape own(padded.begin() + static_cast<std::ptrdiff_t>(leading), padded.end());
  if (own == normalised) return Tensor(normalised, c.floats);
  // Repeat along the axes of size 1: index the constant by the normalised position.
  Tensor out(normalised);
  for (I i = 0; i < out.size(); ++i) {
    I rest = i, offset = 0, stride = 1;
    for (auto a = normalised.size(); a-- > 0;) {
      const I position = rest % normalised[a];
      rest /= normalised[a];
      if (own[a] != 1) offset += position * stride;
      stride *= own[a];
    }
    out[i] = c.floats[static_cast<std::size_t>(offset)];
  }
  return out;
}

bool is_op(NodeRef node, const char* op) {
  return node && node->op_type() == op && (node->domain().empty() || node->domain() == "ai.onnx");
}

// What the chain matcher reads of the graph: the distinct readers of a tensor (a null entry for
// the graph output), and the constant a tensor holds (null when it is computed).
struct ChainLookup {
  std::function<std::vector<NodeRef>(const std::string&)> readers;
  std::function<std::shared_ptr<const Constant>(const std::string&)> constant;
};

// A decomposed layer norm found by its structure: the nodes from the Sub to the Div, the
// epsilon, the axes as written, and the optional Mul and Add by constants after it.
struct Chain {
  std::vector<NodeRef> nodes;
  float epsilon = 0.0F;
  std::vector<I> axes;
  NodeRef mul = nullptr;
  std::shared_ptr<const Constant> weight;
  NodeRef add = nullptr;
  std::shared_ptr<const Constant> bias;
};

// The only reader of `tensor` when it is an `op` node (and the tensor is not the graph output).
NodeRef sole_reader(const ChainLookup& g, const std::string& tensor, const char* op) {
  const auto readers = g.readers(tensor);
  return readers.size() == 1 && is_op(readers[0], op) ? readers[0] : nullptr;
}

// The other input of a two-input node reading `tensor` once, or null.
const std::string* other_input(const onnx::NodeProto& node, const std::string& tensor) {
  if (node.input_size() != 2 || node.input(0) == node.input(1)) return nullptr;
  if (node.input(0) == tensor) return &node.input(1);
  if (node.input(1) == tensor) return &node.input(0);
  return nullptr;
}

std::optional<float> scalar(const ChainLookup& g, const std::string& tensor) {
  const auto c = g.constant(tensor);
  if (!c || c->integer || c->size() != 1) return std::nullopt;
  return c->floats[0];
}

// The axes of a one-input ReduceMean with keepdims, as written; nothing otherwise.
std::optional<std::vector<I>> kept_axes(const onnx::NodeProto& node) {
  try {
    const Attributes a(node);
    if (node.input_size() != 1 || !a.has("axes") || !a.get_flag("keepdims", true)) return {};
    return a.get_ints("axes");
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The squaring of d: Pow(d, 2) or Mul(d, d).
bool squares(const ChainLookup& g, NodeRef node, const std::string& d) {
  if (is_op(node, "Mul")) {
    return node->input_size() == 2 && node->input(0) == d && node->input(1) == d;
  }
  return is_op(node, "Pow") && node->input_size() == 2 && node->input(0) == d &&
         scalar(g, node->input(1)) == 2.0F;
}

// The only reader of `tensor` when it is an `op` by a constant, with that constant.
std::pair<NodeRef, std::shared_ptr<const Constant>> by_constant(const ChainLookup& g,
                                                                const std::string& tensor,
                                                                const char* op) {
  const auto node = sole_reader(g, tensor, op);
  const auto* other = node ? other_input(*node, tensor) : nullptr;
  auto c = other ? g.constant(*other) : nullptr;
  if (!c || c->integer) return {nullptr, nullptr};
  return {node, std::move(c)};
}

// Note [decomposed layer norm]
// PyTorch before opset 17 exports nn.LayerNorm(x) as
//   m = ReduceMean(x, axes); d = Sub(x, m); p = Pow(d, 2) (or Mul(d, d));
//   v = ReduceMean(p, axes); e = Add(v, epsilon); s = Sqrt(e); n = Div(d, s);
//   then optionally Mul(n, weight) and Add(., bias).
// When every intermediate is read only as written here (d by the squaring and the Div), the
// chain is one layer-norm layer named after the first ReduceMean, whose axes must be trailing
// ones; otherwise each op is imported on its own. The structure alone (Chain) is also what the
// check for unsupported ops skips, so that the chain's Pow and Sqrt need no handlers of their own.
std::optional<Chain> match_chain(const onnx::NodeProto& first, const ChainLookup& g) {
  Chain chain;
  const auto axes = kept_axes(first);
  if (!is_op(&first, "ReduceMean") || !axes) return std::nullopt;
  chain.axes = *axes;
  const auto& x = first.input(0);
  const auto& m = first.output(0);
  const auto sub = sole_reader(g, m, "Sub");
  if (!sub || sub->input_size() != 2 || sub->input(0) != x || sub->input(1) != m) return {};
  const auto& d = sub->output(0);
  const auto d_readers = g.readers(d);
  NodeRef square = nullptr, div = nullptr;
  for (const auto reader : d_readers) {
    if (squares(g, reader, d)) {
      square = reader;
    } else if (is_op(reader, "Div") && reader->input_size() == 2 && reader->input(0) == d &&
               reader->input(1) != d) {
      div = reader;
    }
  }
  if (!square || !div || d_readers.size() != 2) return std::nullopt;
  const auto variance = sole_reader(g, square->output(0), "ReduceMean");
  if (!variance || kept_axes(*variance) != axes) return std::nullopt;
  const auto [add, epsilon] = by_constant(g, variance->output(0), "Add");
  if (!add || epsilon->size() != 1 || !(epsilon->floats[0] > 0.0F)) return std::nullopt;
  chain.epsilon = epsilon->floats[0];
  const auto sqrt = sole_reader(g, add->output(0), "Sqrt");
  if (!sqrt || sole_reader(g, sqrt->output(0), "Div") != div || div->input(1) != sqrt->output(0))
    return std::nullopt;
  chain.nodes = {sub, square, variance, add, sqrt, div};
  std::tie(chain.mul, chain.weight) = by_constant(g, div->output(0), "Mul");
  const auto& last = chain.mul ? chain.mul->output(0) : div->output(0);
  std::tie(chain.add, chain.bias) = by_constant(g, last, "Add");
  return chain;
}

ChainLookup lookup_of(const NodeContext& ctx) {
  return {[&ctx](const std::string& t) { return ctx.readers(t); },
          [&ctx](const std::string& t) { return ctx.constant_ahead(t); }};
}

// The first of the trailing axes `axes` of a rank-`rank` tensor, none the batch axis; nothing
// when they are not such axes.
std::optional<I> first_trailing_axis(const std::vector<I>& given, I rank) {
  std::vector<I> axes;
  try {
    axes = resolve_axes(given, rank);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (axes.empty() || axes.back() != rank - 1 || axes.front() < 1) return std::nullopt;
  for (std::size_t k = 1; k < axes.size(); ++k) {
    if (axes[k] != axes[k - 1] + 1) return std::nullopt;
  }
  return axes.front();
}

}  // namespace

void import_layer_norm(NodeContext& ctx) {
  const auto& a = ctx.attributes();
  const auto x = ctx.activation(0);
  const auto& shape = ctx.shape(x);
  const auto rank = static_cast<I>(shape.size());
  const auto given = a.get_int("axis", -1);
  const auto axis = given < 0 ? given + rank : given;
  if (axis < 1 || axis >= rank) {
    throw ModelError("axis " + std::to_string(given) + " of input " + to_string(shape) +
                     " is not a non-batch axis; lumen normalises each sample on its own");
  }
  const Shape normalised(shape.begin() + axis, shape.end());
  const auto parameter = [&](int i, const char* what) {
    const auto& c = ctx.constant(i);
    auto t = normalised_constant(c, normalised, rank);
    if (!t) {
      throw ModelError("input " + std::to_string(i) + " (" + what + ") has shape " +
                       to_string(c.shape) + ", which does not broadcast to the normalised shape " +
                       to_string(normalised));
    }
    return std::move(*t);
  };
  auto scale = parameter(1, "Scale");
  std::optional<Tensor> bias;
  if (ctx.has_input(2)) bias = parameter(2, "B");
  // stash_type only sets the precision of the statistics; lumen computes them in double.
  ctx.add_layer(
      make_layer_norm(axis, std::move(scale), std::move(bias), a.get_float("epsilon", 1e-5F)), {x});
}

bool import_layer_norm_chain(NodeContext& ctx) {
  if (ctx.input_count() != 1 || ctx.is_constant(0) || ctx.is_nhwc_view(0)) return false;
  const auto chain = match_chain(ctx.proto(), lookup_of(ctx));
  if (!chain) return false;
  const auto x = ctx.activation(0);
  const auto& shape = ctx.shape(x);
  const auto rank = static_cast<I>(shape.size());
  const auto axis = first_trailing_axis(chain->axes, rank);
  if (!axis) return false;
  const Shape normalised(shape.begin() + *axis, shape.end());
  auto absorbed = chain->nodes;
  Tensor scale(normalised, 1.0F);
  if (chain->mul) {
    if (auto weight = normalised_constant(*chain->weight, normalised, rank)) {
      scale = std::move(*weight);
      absorbed.push_back(chain->mul);
    }
  }
  std::optional<Tensor> bias;
  // The Add reads the Mul's output when there is a Mul: it joins only after it.
  if (chain->add && (!chain->mul || absorbed.back() == chain->mul)) {
    if ((bias = normalised_constant(*chain->bias, normalised, rank)))
      absorbed.push_back(chain->add);
  }
  ctx.add_layer(make_layer_norm(*axis, std::move(scale), std::move(bias), chain->epsilon), {x},
                absorbed);
  return true;
}

std::unordered_set<const onnx::NodeProto*> layer_norm_chain_nodes(const onnx::GraphProto& graph) {
  std::unordered_map<std::string, std::vector<NodeRef>> readers;
  std::unordered_map<std::string, NodeRef> producers;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& node : graph.node()) {
    for (const auto& in : node.input()) {
      auto& list = readers[in];
      if (list.empty() || list.back() != &node) list.push_back(&node);
    }
    for (const auto& out : node.output()) producers[out] = &node;
  }
  for (const auto& output : graph.output()) readers[output.name()].push_back(nullptr);
  for (const auto& t : graph.initializer()) initializers[t.name()] = &t;
  const ChainLookup lookup{
      [&](const std::string& t) {
        auto it = readers.find(t);
        return it == readers.end() ? std::vector<NodeRef>{} : it->second;
      },
      [&](const std::string& t) -> std::shared_ptr<const Constant> {
        try {
          if (auto it = initializers.find(t); it != initializers.end())
            return std::make_shared<const Constant>(read_tensor(*it->second, t));
          auto it = producers.find(t);
          if (it != producers.end() && is_op(it->second, "Constant"))
            return std::make_shared<const Constant>(constant_node_value(Attributes(*it->second)));
        } catch (const Error&) {
        }
        return nullptr;  // computed, or a constant the import itself will refuse
      }};
  std::unordered_set<NodeRef> nodes;
  for (const auto& node : graph.node()) {
    if (const auto chain = match_chain(node, lookup)) {
      nodes.insert(chain->nodes.begin(), chain->nodes.end());
      if (chain->mul) nodes.insert(chain->mul);
      if (chain->add) nodes.insert(chain->add);
    }
  }
  return nodes;
}

}  // namespace lumen::onnx_import
