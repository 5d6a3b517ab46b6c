// merge-batch-norm: every BatchNormalization folded into the Conv or Gemm layers that produce its
// input, as Zennit's SequentialMergeBatchNorm does, found in the graph rather than in the module
// order; also across a Concat of such layers. Note [merging batch-norm] says where.
#include <lumen/canonizer.hpp>
#include <lumen/layer_config.hpp>
#include <lumen/layers.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <optional>
#include <set>
#include <string>

#include "folded_linear.hpp"

namespace {

using lumen::Graph;
using lumen::NodeId;

// Note [merging batch-norm]
// A batch-norm is y_c = a_c x_c + shift_c per channel c (axis 1). When x is the output of a Conv
// or Gemm node read by nothing else, y = a_c (W x + b)_c + shift_c is one linear layer with
// weights a_c W_c and bias a_c b_c + shift_c (folded_linear.hpp), and the batch-norm node becomes
// an Identity. When x is a channel Concat, read by nothing else, of distinct Conv/Gemm nodes each
// read only by the Concat, channel c of x is channel c - offset_k of input k, so each input folds
// the batch-norm's channels it provides. Anything else (a batch-norm after a ReLU or a pooling, a
// producer with other readers, a Concat with another kind of input or along another axis) is left
// as it is, with a note saying why: relevance rules then see the batch-norm as a linear layer of
// its own.

// Why the output of node `id` cannot take a batch-norm's scale and shift, or nothing when it can.
std::optional<std::string> not_foldable(const Graph& g, NodeId id, NodeId reader) {
  const lumen::Node& n = g.node(id);
  const auto op = n.layer->op_type();
  if ((op != "Conv" && op != "Gemm") || n.layer->kind() != lumen::LayerKind::linear ||
      !n.layer->as_linear()) {
    return "its input '" + n.name + "' is a " + op + ", not a Conv or Gemm";
  }
  if (g.consumers(id).size() != 1 || g.consumers(id).front() != reader) {
    return "its input '" + n.name + "' is also read by other nodes";
  }
  // A Gemm over the last axis of a tensor of rank > 2 has its outputs on that axis, not on the
  // batch-norm's channel axis 1.
  if (op == "Gemm" && n.output_shape.size() != 2) {
    return "its input '" + n.name + "' is a Gemm over the last axis of " +
           lumen::to_string(n.output_shape) + ", whose outputs are not the channels (axis 1)";
  }
  return std::nullopt;
}

std::vector<float> channel_values(const lumen::Tensor& t, std::int64_t channels) {
  const std::int64_t inner = t.size() / channels;
  std::vector<float> v(static_cast<std::size_t>(channels));
  for (std::int64_t c = 0; c < channels; ++c) v[static_cast<std::size_t>(c)] = t[c * inner];
  return v;
}

// A batch-norm's per-channel scale a_c and shift, probed through its linear hook.
struct Affine {
  std::vector<float> scale;
  std::vector<float> shift;
};

Affine affine_of(const lumen::Layer& norm, std::int64_t channels, const lumen::Backend& backend) {
  const lumen::LinearLayer& bn = *norm.as_linear();
  return {
      channel_values(bn.forward_with(lumen::Tensor({1, channels}, 1.0F), {}, false, backend),
                     channels),
      channel_values(bn.forward_with(lumen::Tensor({1, channels}), {}, true, backend), channels)};
}

// The layer of node `producer` with channels [offset, offset + its channels) of `affine` folded
// in.
std::shared_ptr<const lumen::Layer> fold(const Graph& g, NodeId producer, const Affine& affine,
                                         std::size_t offset, const lumen::Backend& backend) {
  const lumen::Node& p = g.node(producer);
  const std::int64_t channels = p.output_shape.at(1);
  const lumen::Tensor zeros(g.node(p.inputs.at(0)).output_shape);
  const std::vector<float> bias =
      channel_values(p.layer->as_linear()->forward_with(zeros, {}, true, backend), channels);
  std::vector<float> scale(bias.size());
  std::vector<float> folded(bias.size());
  for (std::size_t c = 0; c < bias.size(); ++c) {
    scale[c] = affine.scale[offset + c];
    folded[c] = scale[c] * bias[c] + affine.shift[offset + c];
  }
  return lumen::merge_batch_norm::make_folded_linear(p.layer, std::move(scale), std::move(folded));
}

// Why a Concat's inputs cannot take the batch-norm after it, or nothing when they can.
std::optional<std::string> not_foldable_concat(const Graph& g, NodeId concat) {
  const lumen::Node& c = g.node(concat);
  if (g.consumers(concat).size() != 1) {
    return "its input, concat '" + c.name + "', is also read by other nodes";
  }
  const auto given_axis = lumen::layer_axis(*c.layer);
  if (!given_axis) return "its input, concat '" + c.name + "', is not lumen's Concat layer";
  auto axis = *given_axis;
  if (axis < 0) axis += static_cast<std::int64_t>(c.output_shape.size());
  if (axis != 1) {
    return "its input, concat '" + c.name + "', joins axis " + std::to_string(axis) +
           ", not the channels";
  }
  std::set<NodeId> seen;
  for (NodeId input : c.inputs) {
    if (!seen.insert(input).second) {
      return "concat '" + c.name + "' reads '" + g.node(input).name + "' twice";
    }
    if (auto why = not_foldable(g, input, concat)) return "after concat '" + c.name + "', " + *why;
  }
  return std::nullopt;
}

class MergeBatchNorm final : public lumen::Canonizer {
 public:
  lumen::CanonizerInfo info() const override {
    return {"merge-batch-norm",
            "folds each batch-norm into the Conv/Gemm before it, or into every input of a channel "
            "Concat of Conv/Gemm layers before it (Zennit's SequentialMergeBatchNorm)"};
  }

  lumen::Rewrite rewrite(const lumen::Model& model, const lumen::Backend& backend) const override {
    const Graph& g = model.graph();
    lumen::Rewrite out;
    for (NodeId id = 0; id < g.size(); ++id) {
      const lumen::Node& n = g.node(id);
      if (n.layer->op_type() != "BatchNormalization" || !n.layer->as_linear() ||
          n.inputs.size() != 1) {
        continue;
      }
      const NodeId in = n.inputs[0];
      const std::int64_t channels = n.output_shape.at(1);
      const bool concat = g.node(in).layer->op_type() == "Concat";
      const auto why = concat ? not_foldable_concat(g, in) : not_foldable(g, in, id);
      if (why) {
        out.notes.push_back("batch-norm " + n.name + " not folded: " + *why);
        continue;
      }
      const Affine affine = affine_of(*n.layer, channels, backend);
      out.layers[id] = lumen::make_identity("Identity");
      if (!concat) {
        out.layers[in] = fold(g, in, affine, 0, backend);
        out.notes.push_back("folded batch-norm " + n.name + " into " + g.node(in).name);
        continue;
      }
      std::size_t offset = 0;
      std::string into;
      for (NodeId producer : g.node(in).inputs) {
        out.layers[producer] = fold(g, producer, affine, offset, backend);
        offset += static_cast<std::size_t>(g.node(producer).output_shape.at(1));
        into += (into.empty() ? "" : ", ") + g.node(producer).name;
      }
      out.notes.push_back("folded batch-norm " + n.name + " into " + into + " (the inputs of " +
                          "concat " + g.node(in).name + ")");
    }
    return out;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_canonizer(std::make_shared<MergeBatchNorm>());
}

}  // namespace

LUMEN_PLUGIN("merge-batch-norm", "0.1.0", fill)
