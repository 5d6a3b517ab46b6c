#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/layers.hpp>

#include "explain_helpers.hpp"
#include "linear_model.hpp"
#include "metric_helpers.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// [N,1,1,k] -> Flatten -> Linear with f0 = w . x, f1 = 0: saliency is the constant w and
// input-x-gradient is x * w, so a perturbation u changes it by exactly u * w.
Model linear_model(const std::vector<float>& w) {
  const auto k = static_cast<std::int64_t>(w.size());
  std::vector<float> weights = w;
  weights.resize(2 * w.size(), 0.0F);
  return linear_classifier({1, 1, k}, Tensor({2, k}, weights));
}

MetricResult sensitivity(const Model& model, const Tensor& x, const std::string& method,
                         const std::map<std::string, std::string>& params, std::uint64_t seed = 0) {
  const std::vector<std::int64_t> targets(static_cast<std::size_t>(x.dim(0)), 0);
  return score_explanation("max-sensitivity", method, model, x, targets, params, seed);
}

}  // namespace

TEST_CASE("max-sensitivity of saliency on a linear model is 0", "[max-sensitivity]") {
  const Model model = linear_model({4, -3, 2, 1});
  const Tensor x({2, 1, 1, 4}, {1, 2, 3, 4, -1, 0.5F, 2, -2});
  for (const char* norm : {"l2", "linf"}) {
    const auto r = sensitivity(model, x, "saliency", {{"radius", "0.5"}, {"norm", norm}});
    CHECK(r.per_sample == std::vector<double>{0.0, 0.0});
  }
}

TEST_CASE("max-sensitivity of input-x-gradient on a linear model reaches its analytic max",
          "[max-sensitivity]") {
  const double r = 0.1;
  // One input element, w = -3: ||u w|| = 3 |u| for both norms, whose max over the ball is 3 r.
  const Model single = linear_model({-3});
  const Tensor x1({1, 1, 1, 1}, {2});
  for (const char* norm : {"l2", "linf"}) {
    CAPTURE(norm);
    const double v =
        sensitivity(
            single, x1, "input-x-gradient",
            {{"radius", "0.1"}, {"samples", "1000"}, {"norm", norm}, {"normalised", "false"}})
            .per_sample[0];
    CHECK(v <= 3 * r * (1 + 1e-6));
    CHECK(v == Approx(3 * r).epsilon(0.005));
  }
  // Four elements, w = [4,-3,2,1]: linf max is r max|w| = 4 r; l2 is at most r ||w|| = r sqrt 30.
  const Model model = linear_model({4, -3, 2, 1});
  const Tensor x({1, 1, 1, 4}, {1, 2, 3, 4});
  const auto linf = sensitivity(
      model, x, "input-x-gradient",
      {{"radius", "0.1"}, {"samples", "1000"}, {"norm", "linf"}, {"normalised", "false"}});
  CHECK(linf.per_sample[0] <= 4 * r * (1 + 1e-6));
  CHECK(linf.per_sample[0] == Approx(4 * r).epsilon(0.005));
  const auto l2 = sensitivity(model, x, "input-x-gradient",
                              {{"radius", "0.1"}, {"samples", "1000"}, {"normalised", "false"}});
  CHECK(l2.per_sample[0] <= r * std::sqrt(30.0) * (1 + 1e-6));
  CHECK(l2.per_sample[0] >= linf.per_sample[0]);
  // Normalised: divided by ||x * w||_2 = ||[4,-6,6,4]|| = sqrt 104.
  const auto normalised =
      sensitivity(model, x, "input-x-gradient", {{"radius", "0.1"}, {"samples", "1000"}});
  CHECK(normalised.per_sample[0] == Approx(l2.per_sample[0] / std::sqrt(104.0)).epsilon(1e-6));
}

TEST_CASE("max-sensitivity is seeded and independent of batch position", "[max-sensitivity]") {
  const Model model = conformance::conv_net(3);
  const Tensor x = conformance::random_tensor(model.batch_shape(2), 31);
  const std::map<std::string, std::string> params{{"samples", "4"}};
  const auto a = sensitivity(model, x, "saliency", params, 5);
  const auto b = sensitivity(model, x, "saliency", params, 5);
  const auto other = sensitivity(model, x, "saliency", params, 6);
  CHECK(a.per_sample == b.per_sample);
  CHECK(a.per_sample != other.per_sample);
  CHECK(a.per_sample[0] > 0.0);
  const auto second = sensitivity(model, x.batch_slice(1), "saliency", params, 5);
  // targets are all 0 in both runs
  CHECK(second.per_sample[0] == Approx(a.per_sample[1]).epsilon(1e-6));
}

TEST_CASE("max-sensitivity re-runs the explainer at the case's layer", "[max-sensitivity]") {
  const Model model = conv_net(3);
  const Tensor x = random_tensor({1, 3, 8, 8}, 5);
  const std::vector<std::int64_t> targets{1};
  const NodeId first_conv = model.graph().topological_order().at(1);
  const Attribution a = explain("grad-cam", model, x, targets, {}, first_conv);
  REQUIRE(a.layer == first_conv);
  const auto metric = registry().metric("max-sensitivity");
  const Params params = Params::validate(
      metric->info().params, {{"radius", "0"}, {"samples", "1"}, {"normalised", "false"}}, "test");
  const auto explainer = registry().explainer("grad-cam");
  const Params explainer_params = Params::validate(explainer->info().params, {}, "grad-cam");
  BatchCase c{.input = x,
              .targets = targets,
              .attribution = a.map,
              .params = params,
              .layer = a.layer,
              .model = &model,
              .explainer = explainer.get(),
              .explainer_params = &explainer_params};
  // Radius 0 re-explains the same input: at the same layer the map cannot move.
  CHECK(metric->evaluate(c, *make_context()).per_sample[0] == 0.0);
  c.layer.reset();  // the default (last) layer gives another map
  CHECK(metric->evaluate(c, *make_context()).per_sample[0] > 0.0);
}
