#include "lumen/training/loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "lumen/error.hpp"

namespace lumen::training {

CrossEntropy softmax_cross_entropy(const Tensor& logits, std::span<const std::int64_t> labels) {
  if (logits.rank() != 2 || logits.dim(0) != static_cast<std::int64_t>(labels.size())) {
    throw InvalidArgument("softmax_cross_entropy: logits " + to_string(logits.shape()) +
                          " do not match " + std::to_string(labels.size()) + " labels");
  }
  const auto n = logits.dim(0), k = logits.dim(1);
  CrossEntropy out;
  out.losses.resize(labels.size());
  out.gradient = Tensor(logits.shape());
  for (std::int64_t i = 0; i < n; ++i) {
    const auto label = labels[static_cast<std::size_t>(i)];
    if (label < 0 || label >= k) {
      throw InvalidArgument("softmax_cross_entropy: label " + std::to_string(label) + " of row " +
                            std::to_string(i) + " is not in [0, " + std::to_string(k) + ")");
    }
    const float* row = logits.data() + i * k;
    const auto best = std::max_element(row, row + k) - row;
    double sum = 0.0;
    for (std::int64_t j = 0; j < k; ++j) sum += std::exp(static_cast<double>(row[j] - row[best]));
    const double log_sum = std::log(sum) + row[best];
    out.losses[static_cast<std::size_t>(i)] = log_sum - row[label];
    for (std::int64_t j = 0; j < k; ++j) {
      out.gradient[i * k + j] =
          static_cast<float>(std::exp(row[j] - log_sum) - (j == label ? 1.0 : 0.0));
    }
    if (best == label) ++out.correct;
  }
  return out;
}

}  // namespace lumen::training
