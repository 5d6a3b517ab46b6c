#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/blur.hpp>
#include <lumen/layers.hpp>

#include "linear_model.hpp"
#include "metric_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// [N,1,2,2] -> Flatten -> Linear: f0 = 4 x0 + 3 x1 + 2 x2 + x3, f1 = 0, so S_0 = sigmoid(f0) and
// the probability after changing any set of pixels is known in closed form.
Model linear_model() {
  return linear_classifier({1, 2, 2}, Tensor({2, 4}, {4, 3, 2, 1, 0, 0, 0, 0}));
}

/// The trapezoid area under sigmoid(z_k) over k / (size - 1).
double area(const std::vector<double>& logits) {
  double total = 0.0;
  for (std::size_t k = 1; k < logits.size(); ++k) {
    total += 0.5 * (sigmoid(logits[k - 1]) + sigmoid(logits[k]));
  }
  return total / static_cast<double>(logits.size() - 1);
}

double run(const std::string& metric, const Model& model, const Tensor& x, const Tensor& map,
           const std::map<std::string, std::string>& params) {
  MetricInputs in;
  in.model = &model;
  in.input = &x;
  in.targets = {0};
  in.attribution = &map;
  return run_metric(metric, in, params).per_sample.at(0);
}

}  // namespace

TEST_CASE("deletion and insertion curves of a linear model have their analytic areas",
          "[deletion][insertion]") {
  const Model model = linear_model();
  const Tensor ones({1, 1, 2, 2}, 1.0F);
  const Tensor map({1, 1, 2, 2}, {4, 3, 2, 1});       // removes pixel 0 first
  const Tensor reversed({1, 1, 2, 2}, {1, 2, 3, 4});  // removes pixel 3 first
  const Tensor flat({1, 1, 2, 2}, 7.0F);              // ties: by index, like `map`
  const std::map<std::string, std::string> zeros4{{"steps", "4"}, {"baseline", "zeros"}};
  // Deleting pixels 0,1,2,3 in turn: f0 = 10, 6, 3, 1, 0.
  CHECK(run("deletion", model, ones, map, zeros4) == Approx(area({10, 6, 3, 1, 0})).epsilon(1e-6));
  CHECK(run("deletion", model, ones, flat, zeros4) == Approx(area({10, 6, 3, 1, 0})).epsilon(1e-6));
  CHECK(run("deletion", model, ones, reversed, zeros4) ==
        Approx(area({10, 9, 7, 4, 0})).epsilon(1e-6));
  // Two steps: 0, 2 and 4 pixels deleted.
  CHECK(run("deletion", model, ones, map, {{"steps", "2"}, {"baseline", "zeros"}}) ==
        Approx(area({10, 3, 0})).epsilon(1e-6));
  // Insertion into zeros: f0 = 0, 4, 7, 9, 10.
  CHECK(run("insertion", model, ones, map, zeros4) == Approx(area({0, 4, 7, 9, 10})).epsilon(1e-6));
  // A good map deletes faster and inserts faster than the reversed one.
  CHECK(run("deletion", model, ones, map, zeros4) < run("deletion", model, ones, reversed, zeros4));
  CHECK(run("insertion", model, ones, map, zeros4) >
        run("insertion", model, ones, reversed, zeros4));
}

TEST_CASE("deletion with the mean and blur baselines", "[deletion]") {
  const Model model = linear_model();
  // x = [2,0,1,1], channel mean 1: f0 = 11; pixel 0 -> 1: 7; pixel 1 -> 1: 10; pixels 2, 3 stay.
  const Tensor x({1, 1, 2, 2}, {2, 0, 1, 1});
  const Tensor map({1, 1, 2, 2}, {4, 3, 2, 1});
  CHECK(run("deletion", model, x, map, {{"steps", "4"}, {"baseline", "mean"}}) ==
        Approx(area({11, 7, 10, 10, 10})).epsilon(1e-6));
  // Blur: the removed pixels take the blurred image's values (core gaussian_blur).
  const Tensor blurred = gaussian_blur(x, 0.7);
  const double w[4] = {4, 3, 2, 1};
  std::vector<double> logits{11};
  double f = 11;
  for (int p = 0; p < 4; ++p) logits.push_back(f += w[p] * (blurred[p] - x[p]));
  CHECK(run("deletion", model, x, map,
            {{"steps", "4"}, {"baseline", "blur"}, {"blur_sigma", "0.7"}}) ==
        Approx(area(logits)).epsilon(1e-5));
}

TEST_CASE("deletion does not depend on batch_size (automatic included), threads or batch position",
          "[deletion]") {
  const Model model = conformance::conv_net(3);
  const Tensor x = conformance::random_tensor(model.batch_shape(3), 21);
  const Tensor maps = conformance::random_tensor(x.shape(), 22);
  MetricInputs in;
  in.model = &model;
  in.input = &x;
  in.targets = {0, 3, 1};
  in.attribution = &maps;
  // Threads never change a bit; the batch size may change the rounding (a backend's gemm may
  // sum a one-row product in another order than a many-row one), never more.
  const auto a = run_metric("deletion", in, {{"steps", "16"}, {"batch_size", "1"}}, 0, 1);
  CHECK(run_metric("deletion", in, {{"steps", "16"}, {"batch_size", "1"}}, 0, 2).per_sample ==
        a.per_sample);
  const auto b = run_metric("deletion", in, {{"steps", "16"}, {"batch_size", "5"}}, 0, 2);
  // The default batch_size 0 puts every curve point of a sample in one pass here.
  const auto automatic = run_metric("deletion", in, {{"steps", "16"}}, 0, 1);
  CHECK(run_metric("deletion", in, {{"steps", "16"}}, 0, 2).per_sample == automatic.per_sample);
  REQUIRE(a.per_sample.size() == b.per_sample.size());
  for (std::size_t i = 0; i < a.per_sample.size(); ++i) {
    CHECK(b.per_sample[i] == Approx(a.per_sample[i]).epsilon(1e-6));
    CHECK(automatic.per_sample[i] == Approx(a.per_sample[i]).epsilon(1e-6));
  }
  const Tensor last = x.batch_slice(2), last_map = maps.batch_slice(2);
  MetricInputs one;
  one.model = &model;
  one.input = &last;
  one.targets = {1};
  one.attribution = &last_map;
  CHECK(run_metric("deletion", one, {{"steps", "16"}}).per_sample[0] ==
        Approx(a.per_sample[2]).epsilon(1e-6));
}
