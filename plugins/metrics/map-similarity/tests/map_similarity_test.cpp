#include <catch2/catch.hpp>
#include <cmath>

#include "metric_helpers.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

Tensor input_of(std::int64_t n, std::int64_t channels = 1) { return Tensor({n, channels, 2, 3}); }

MetricResult against_reference(const std::string& metric, const Tensor& map,
                               const Tensor& reference,
                               const std::map<std::string, std::string>& params = {}) {
  const Tensor x = input_of(map.dim(0));
  MetricInputs in;
  in.input = &x;
  in.targets.assign(static_cast<std::size_t>(map.dim(0)), 0);
  in.attribution = &map;
  in.reference = &reference;
  return run_metric(metric, in, params);
}

}  // namespace

TEST_CASE("pearson of identical maps is 1, of negated maps -1, and matches a hand value",
          "[pearson]") {
  const Tensor a({2, 1, 2, 3}, {1, 2, 3, 4, 5, 6, 0, -1, 4, 2, 2, 7});
  Tensor negated = a;
  for (float& v : negated.values()) v = -v;
  const auto same = against_reference("pearson", a, a);
  CHECK(same.per_sample[0] == Approx(1.0).margin(1e-12));
  CHECK(same.per_sample[1] == Approx(1.0).margin(1e-12));
  CHECK(same.aggregate == Approx(1.0).margin(1e-12));
  const auto opposite = against_reference("pearson", a, negated);
  CHECK(opposite.per_sample[0] == Approx(-1.0).margin(1e-12));
  CHECK(opposite.per_sample[1] == Approx(-1.0).margin(1e-12));
  // x = [1,2,3], y = [1,3,2]: centred [-1,0,1] and [-1,1,0]: r = 1 / (sqrt 2 sqrt 2) = 0.5.
  const Tensor x({1, 1, 1, 3}, {1, 2, 3});
  const Tensor y({1, 1, 1, 3}, {1, 3, 2});
  const Tensor input({1, 1, 1, 3});
  MetricInputs in;
  in.input = &input;
  in.targets = {0};
  in.attribution = &x;
  in.reference = &y;
  CHECK(run_metric("pearson", in).per_sample[0] == Approx(0.5).margin(1e-12));
}

TEST_CASE("pearson sums channels and a constant map gives 0", "[pearson]") {
  // Channels [1,2,3,4,5,6] and [1,1,1,1,1,1] sum to [2..7]: perfectly correlated with [1..6].
  const Tensor two({1, 2, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 1, 1, 1, 1, 1});
  const Tensor one({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(against_reference("pearson", two, one).per_sample[0] == Approx(1.0).margin(1e-12));
  const Tensor flat({1, 1, 2, 3}, 3.0F);
  CHECK(against_reference("pearson", flat, one).per_sample[0] == 0.0);
}

TEST_CASE("kl-divergence of identical maps is 0 and matches a hand value", "[kl-divergence]") {
  const Tensor a({2, 1, 2, 3}, {1, 2, 3, 4, 5, 6, 0, -1, 4, 2, 2, 7});
  const auto same = against_reference("kl-divergence", a, a);
  CHECK(same.per_sample[0] == Approx(0.0).margin(1e-12));
  CHECK(same.per_sample[1] == Approx(0.0).margin(1e-12));
  // Scaled maps: reference [0,1] -> p = [e, 1+e]/(1+2e); map [1,0] -> q = [1+e, e]/(1+2e).
  const Tensor input({1, 1, 1, 2});
  const Tensor map({1, 1, 1, 2}, {5, 3});
  const Tensor reference({1, 1, 1, 2}, {-2, 8});
  MetricInputs in;
  in.input = &input;
  in.targets = {0};
  in.attribution = &map;
  in.reference = &reference;
  const double e = 0.01;
  const double p0 = e / (1 + 2 * e), p1 = (1 + e) / (1 + 2 * e);
  const double expected = p0 * std::log(p0 / p1) + p1 * std::log(p1 / p0);
  CHECK(run_metric("kl-divergence", in, {{"epsilon", "0.01"}}).per_sample[0] ==
        Approx(expected).epsilon(1e-9));
}

TEST_CASE("l1-similarity is 1 for identical maps and matches a hand value", "[l1-similarity]") {
  const Tensor a({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(against_reference("l1-similarity", a, a).per_sample[0] == Approx(1.0));
  // An affine change of a map does not change its scaled version.
  Tensor affine = a;
  for (float& v : affine.values()) v = 3.0F * v - 7.0F;
  CHECK(against_reference("l1-similarity", affine, a).per_sample[0] == Approx(1.0));
  // Scaled [0,.2,.4,.6,.8,1] vs reversed: |diff| = [1,.6,.2,.2,.6,1], mean 3.6/6 = 0.6 -> 0.4.
  const Tensor reversed({1, 1, 2, 3}, {6, 5, 4, 3, 2, 1});
  CHECK(against_reference("l1-similarity", a, reversed).per_sample[0] == Approx(0.4));
}

TEST_CASE("saliency-auc is 1 for a map ranking the mask first, 0 reversed, hand value with ties",
          "[saliency-auc]") {
  const Tensor x({1, 1, 2, 3});
  const Tensor mask({1, 1, 2, 3}, {1, 1, 0, 0, 0, 0});
  const Tensor good({1, 1, 2, 3}, {9, 8, 1, 2, 3, 4});
  const Tensor bad({1, 1, 2, 3}, {0, 1, 5, 2, 3, 4});
  // Positives 5 and 1; negatives 1, 2, 3, 4: pairs won 4 + 0, tie with the 1 counts half: 4.5/8.
  const Tensor tied({1, 1, 2, 3}, {5, 1, 1, 2, 3, 4});
  MetricInputs in;
  in.input = &x;
  in.targets = {0};
  in.mask = &mask;
  for (const auto& [map, expected] : {std::pair{&good, 1.0}, {&bad, 0.0}, {&tied, 4.5 / 8.0}}) {
    in.attribution = map;
    CHECK(run_metric("saliency-auc", in).per_sample[0] == Approx(expected));
  }
}
