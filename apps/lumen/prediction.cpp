#include "prediction.hpp"

#include <algorithm>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/trace.hpp>
#include <numeric>
#include <sstream>

namespace lumen::cli {

namespace {

// A finite input can still overflow inside the model (values far outside the range it was trained
// on); every map computed from such scores would be zero or NaN, so the sample is refused here.
void check_scores_finite(const Tensor& logits, const Tensor& input, const std::string& source,
                         std::int64_t first_sample) {
  const std::int64_t classes = logits.dim(1), per_sample = input.size() / input.dim(0);
  for (std::int64_t s = 0; s < logits.dim(0); ++s) {
    const float* row = logits.data() + s * classes;
    const float* bad = std::find_if(row, row + classes, [](float v) { return !std::isfinite(v); });
    if (bad == row + classes) continue;
    const float* x = input.data() + s * per_sample;
    float largest = 0.0F;
    for (std::int64_t i = 0; i < per_sample; ++i) largest = std::max(largest, std::fabs(x[i]));
    std::ostringstream message;
    message << source << ", sample " << first_sample + s << ": the model's score for class "
            << bad - row << " is "
            << (std::isnan(*bad) ? "NaN"
                : *bad > 0       ? "inf"
                                 : "-inf")
            << ", not a finite number: the input (largest |value| " << largest
            << ") is outside the range the model computes in; check its scale and normalisation";
    throw InvalidArgument(message.str());
  }
}

}  // namespace

Scores predict(const Model& model, const Tensor& input, Context& context, const std::string& source,
               std::int64_t first_sample) {
  Scores s;
  context.run([&] { s.logits = predict_logits(model, input, context); });
  check_scores_finite(s.logits, input, source, first_sample);
  s.probabilities = softmax_rows(s.logits);
  return s;
}

std::vector<std::int64_t> ranked_classes(const Scores& scores, std::int64_t sample,
                                         std::int64_t k) {
  // By logit, not probability: the softmax rounds logits closer than float's resolution near 1 to
  // equal probabilities, and the class shown must be the largest logit. Ties go to the lower class,
  // as numpy.argmax and torch.argmax do.
  const std::int64_t classes = scores.logits.dim(1);
  const float* logit = scores.logits.data() + sample * classes;
  std::vector<std::int64_t> order(static_cast<std::size_t>(classes));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [logit](std::int64_t a, std::int64_t b) { return logit[a] > logit[b]; });
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
