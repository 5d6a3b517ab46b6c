#pragma once
#include <cstdint>
#include <lumen/context.hpp>
#include <lumen/model.hpp>
#include <lumen/tensor.hpp>
#include <string>
#include <vector>

namespace lumen::cli {

/// The model's scores for a batch.
struct Scores {
  Tensor logits;         ///< [N, classes]
  Tensor probabilities;  ///< softmax of the logits, per row
};

/// Runs the model on `input` inside the context's arena.
Scores predict(const Model& model, const Tensor& input, Context& context);

/// The classes of `sample` by decreasing probability (ties: lower class first), at most k.
std::vector<std::int64_t> ranked_classes(const Scores& scores, std::int64_t sample, std::int64_t k);

/// One predicted class.
struct Prediction {
  std::int64_t target = 0;
  std::string label;
  float probability = 0.0F;
};

/// The top class of every sample.
std::vector<Prediction> top_predictions(const Model& model, const Scores& scores);

}  // namespace lumen::cli
