#include "explain_helpers.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/trace.hpp>

#include "test_models.hpp"
#include "test_registry.hpp"

namespace lumen::testing {

Attribution explain(const std::string& method, const Model& model, const Tensor& input,
                    const std::vector<std::int64_t>& targets,
                    const std::map<std::string, std::string>& params, std::optional<NodeId> layer,
                    int threads, std::uint64_t seed) {
  auto explainer = registry().explainer(method);
  const Params validated = Params::validate(explainer->info().params, params, method);
  auto context = make_context(threads, seed);
  return explainer->explain({model, input, targets, validated, layer}, *context);
}

Attribution check_batch_equals_samples(const std::string& method, const Model& model,
                                       const Tensor& input,
                                       const std::vector<std::int64_t>& targets,
                                       const std::map<std::string, std::string>& params,
                                       double tolerance, double floor) {
  auto batch = explain(method, model, input, targets, params, std::nullopt, 1);
  const auto two_threads = explain(method, model, input, targets, params, std::nullopt, 2);
  CAPTURE(method);
  CHECK(relative_difference(batch.map, two_threads.map) == 0.0);
  for (std::int64_t s = 0; s < input.dim(0); ++s) {
    const auto one = explain(method, model, input.batch_slice(s),
                             {targets[static_cast<std::size_t>(s)]}, params);
    CAPTURE(s);
    CHECK(relative_difference(batch.map.batch_slice(s), one.map, floor) < tolerance);
  }
  return batch;
}

void check_default_cam_layer(const std::string& method) {
  INFO(method);
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto a = explain(method, model, x, {1, 4});
  REQUIRE(a.layer.has_value());
  CHECK(model.graph().node(*a.layer).name == "features");
  CHECK(a.layer_map.shape() == Shape{2, 1, 4, 4});
  CHECK(a.map.shape() == Shape{2, 1, 8, 8});
  for (float v : a.layer_map.values()) CHECK(v >= 0.0F);
  for (std::int64_t s = 0; s < 2; ++s) {
    const auto one = explain(method, model, x.batch_slice(s), {s == 0 ? 1 : 4});
    CHECK(relative_difference(a.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
  }
  CHECK_THROWS_WITH(explain(method, model, x, {1, 4}, {}, model.graph().at("fc")),
                    Catch::Contains("'fc'") && Catch::Contains("spatial"));
}

Tensor logits(const Model& model, const Tensor& input) {
  auto context = make_context();
  return predict_logits(model, input, *context);
}

FiniteDifference finite_difference_gradient(const Model& model, const Tensor& input,
                                            std::int64_t target, float h) {
  if (input.dim(0) != 1) throw Error("finite_difference_gradient takes one sample");
  auto context = make_context();
  FiniteDifference fd{Tensor(input.shape()),
                      std::vector<bool>(static_cast<std::size_t>(input.size()))};
  Tensor probe = input;
  const double centre = predict_logits(model, probe, *context)[target];
  for (std::int64_t i = 0; i < input.size(); ++i) {
    probe[i] = input[i] + h;
    const double up = predict_logits(model, probe, *context)[target];
    probe[i] = input[i] - h;
    const double down = predict_logits(model, probe, *context)[target];
    probe[i] = input[i];
    const double right = (up - centre) / h;
    const double left = (centre - down) / h;
    fd.gradient[i] = static_cast<float>((up - down) / (2.0 * h));
    fd.smooth[static_cast<std::size_t>(i)] =
        std::fabs(right - left) <= 1e-3 + 1e-2 * std::fabs(right + left);
  }
  return fd;
}

double relative_difference_where_smooth(const Tensor& a, const FiniteDifference& fd) {
  double diff = 0.0, scale = 1e-12;
  std::int64_t smooth = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(fd.gradient[i])));
    if (!fd.smooth[static_cast<std::size_t>(i)]) continue;
    ++smooth;
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - fd.gradient[i]));
  }
  if (smooth < a.size() * 9 / 10) {
    throw Error("only " + std::to_string(smooth) + " of " + std::to_string(a.size()) +
                " finite differences are smooth; choose a smaller step");
  }
  return diff / scale;
}

double relative_difference(const Tensor& a, const Tensor& b, double floor) {
  if (a.shape() != b.shape())
    throw ShapeError("relative_difference of " + to_string(a.shape()) + " and " +
                     to_string(b.shape()));
  double diff = 0.0, scale = floor;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

double sum(const Tensor& t) {
  double s = 0.0;
  for (float v : t.values()) s += v;
  return s;
}

std::vector<double> softmax(const std::vector<double>& z) {
  double total = 0.0;
  for (double v : z) total += std::exp(v);
  std::vector<double> p;
  for (double v : z) p.push_back(std::exp(v) / total);
  return p;
}

}  // namespace lumen::testing
