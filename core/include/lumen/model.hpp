#pragma once
#include <string>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/graph.hpp"

namespace lumen {

/// What the model expects as input. Images are scaled to [0,1], then (x - mean[c]) / std[c]
/// when mean/std are known, before they reach the graph.
struct InputSpec {
  Shape sample_shape;       ///< [C,H,W]
  std::vector<float> mean;  ///< per channel; empty when unknown
  std::vector<float> std;   ///< per channel; empty when unknown
  /// How an image becomes this input, as the model's metadata says: "stretch" or "imagenet"
  /// (torchvision's Resize(256) + CenterCrop(224)); empty when unknown.
  std::string preprocess = {};
};

/// `images` ([C,H,W] or [N,C,H,W] with the spec's channels) as the graph takes them:
/// (x - mean[c]) / std[c] when the spec knows both, unchanged otherwise. Throws ShapeError when
/// the channel count differs from the spec's normalisation.
LUMEN_API Tensor standardise(const InputSpec& spec, Tensor images);

/// A loaded model: the graph, its input specification and class labels. Immutable and safe to
/// share between threads once built.
class LUMEN_API Model {
 public:
  Model(Graph graph, InputSpec input, std::vector<std::string> labels = {});
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  const Graph& graph() const { return graph_; }
  const InputSpec& input_spec() const { return input_; }
  const std::vector<std::string>& labels() const { return labels_; }
  /// The node whose output are the class scores before any final Softmax (the "logits").
  NodeId logits_node() const;
  /// Number of classes (size of the logits per sample).
  std::int64_t class_count() const;
  /// The label of class `c`, or its number when the model has no labels.
  std::string label(std::int64_t c) const;
  /// Input shape for a batch of n samples: [n, C, H, W].
  Shape batch_shape(std::int64_t n) const;
  /// Checks that `input` is [N,C,H,W] with the model's C,H,W and finite; throws InvalidArgument.
  void check_input(const Tensor& input) const;

 private:
  Graph graph_;
  InputSpec input_;
  std::vector<std::string> labels_;
};

}  // namespace lumen
