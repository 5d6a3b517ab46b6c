#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

namespace lumen::testing {

Tensor random_tensor(Shape shape, std::uint64_t seed, float low, float high) {
  Tensor t(std::move(shape));
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<float> dist(low, high);
  for (auto& v : t.values()) v = dist(engine);
  return t;
}

Tensor random_away_from_zero(Shape shape, std::uint64_t seed, float gap) {
  Tensor t = random_tensor(std::move(shape), seed);
  for (auto& v : t.values()) v = v < 0.0F ? v - gap : v + gap;
  return t;
}

Tensor random_distinct_tensor(Shape shape, std::uint64_t seed, float spacing) {
  Tensor t(std::move(shape));
  std::vector<std::int64_t> order(static_cast<std::size_t>(t.size()));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 engine(seed);
  std::shuffle(order.begin(), order.end(), engine);
  const double centre = 0.5 * static_cast<double>(t.size() - 1);
  for (std::int64_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<float>((static_cast<double>(order[static_cast<std::size_t>(i)]) - centre) *
                              spacing);
  }
  return t;
}

Tensor forward_of(const Layer& layer, const std::vector<Tensor>& inputs, const Backend& backend) {
  std::vector<const Tensor*> refs;
  for (const auto& t : inputs) refs.push_back(&t);
  return layer.forward(refs, backend, nullptr);
}

double dot(const Tensor& a, const Tensor& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("dot of " + to_string(a.shape()) + " and " + to_string(b.shape()));
  }
  double sum = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("difference of " + to_string(a.shape()) + " and " +
                                to_string(b.shape()));
  }
  double worst = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return worst;
}

GradcheckResult check_layer_gradient(const Layer& layer, const std::vector<Tensor>& inputs,
                                     const Backend& backend, GradcheckOptions options,
                                     bool with_state) {
  std::vector<const Tensor*> refs;
  for (const auto& t : inputs) refs.push_back(&t);
  std::unique_ptr<LayerState> state;
  const Tensor output = layer.forward(refs, backend, with_state ? &state : nullptr);
  const Tensor g = random_tensor(output.shape(), options.seed);
  const auto grads = layer.backward(refs, output, state.get(), g, backend);

  GradcheckResult result;
  if (grads.size() != inputs.size()) {
    result.ok = false;
    result.report = "backward returned " + std::to_string(grads.size()) + " gradients for " +
                    std::to_string(inputs.size()) + " inputs";
    return result;
  }
  std::vector<Tensor> probe = inputs;
  std::ostringstream report;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (grads[k].shape() != inputs[k].shape()) {
      result.ok = false;
      result.report = "gradient " + std::to_string(k) + " has shape " +
                      to_string(grads[k].shape()) + ", input " + to_string(inputs[k].shape());
      return result;
    }
    for (std::int64_t i = 0; i < inputs[k].size(); ++i) {
      const float original = inputs[k][i];
      probe[k][i] = original + options.step;
      const double up = dot(forward_of(layer, probe, backend), g);
      probe[k][i] = original - options.step;
      const double down = dot(forward_of(layer, probe, backend), g);
      probe[k][i] = original;
      const double numeric = (up - down) / (2.0 * static_cast<double>(options.step));
      const double error = std::abs(grads[k][i] - numeric) / std::max(1.0, std::abs(numeric));
      if (error > result.worst_error) {
        result.worst_error = error;
        report.str("");
        report << layer.op_type() << " " << layer.describe() << ": input " << k << " element " << i
               << " of " << to_string(inputs[k].shape()) << ": analytic " << grads[k][i]
               << ", numeric " << numeric;
      }
    }
  }
  result.ok = result.worst_error <= options.tolerance;
  result.report = report.str();
  return result;
}

}  // namespace lumen::testing
