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

/// Runs the model on `input` inside the context's arena. Refuses, with InvalidArgument naming
/// `source` (what the input is, e.g. "input 'x.npy'") and the sample (numbered from
/// `first_sample`), a sample whose scores are not all finite.
Scores predict(const Model& model, const Tensor& input, Context& context, const std::string& source,
               std::int64_t first_sample = 0);

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
