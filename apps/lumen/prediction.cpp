#include "prediction.hpp"

#include <algorithm>
#include <lumen/trace.hpp>
#include <numeric>

namespace lumen::cli {

Scores predict(const Model& model, const Tensor& input, Context& context) {
  Scores s;
  context.run([&] { s.logits = predict_logits(model, input, context); });
  s.probabilities = softmax_rows(s.logits);
  return s;
}

std::vector<std::int64_t> ranked_classes(const Scores& scores, std::int64_t sample,
                                         std::int64_t k) {
  const std::int64_t classes = scores.probabilities.dim(1);
  const float* p = scores.probabilities.data() + sample * classes;
  std::vector<std::int64_t> order(static_cast<std::size_t>(classes));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [p](std::int64_t a, std::int64_t b) { return p[a] > p[b]; });
  order.resize(static_cast<std::size_t>(std::clamp<std::int64_t>(k, 0, classes)));
  return order;
}

std::vector<Prediction> top_predictions(const Model& model, const Scores& scores) {
  std::vector<Prediction> top;
  const std::int64_t classes = scores.probabilities.dim(1);
  for (std::int64_t s = 0; s < scores.probabilities.dim(0); ++s) {
    const std::int64_t c = ranked_classes(scores, s, 1).front();
    top.push_back({c, model.label(c), scores.probabilities[s * classes + c]});
  }
  return top;
}

}  // namespace lumen::cli
