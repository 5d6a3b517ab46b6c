#include <catch2/catch.hpp>

#include "metric_helpers.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// A 4x4 plane; the mask is the 2x2 block at rows 0-1, columns 0-1.
const Tensor mask({1, 1, 4, 4}, {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});

Tensor peak_at(std::int64_t row, std::int64_t column) {
  Tensor map({1, 1, 4, 4}, 0.1F);
  map[row * 4 + column] = 1.0F;
  return map;
}

MetricResult score(const std::string& metric, const Tensor& map,
                   const std::map<std::string, std::string>& params = {}) {
  const Tensor x({1, 1, 4, 4});
  MetricInputs in;
  in.input = &x;
  in.targets = {0};
  in.attribution = &map;
  in.mask = &mask;
  return run_metric(metric, in, params);
}

}  // namespace

TEST_CASE("pointing-game hits inside the mask and misses outside it", "[pointing-game]") {
  CHECK(score("pointing-game", peak_at(1, 1)).per_sample[0] == 1.0);
  CHECK(score("pointing-game", peak_at(3, 3)).per_sample[0] == 0.0);
  // (2,2) is sqrt 2 from the mask's pixel (1,1): a miss with tolerance 1, a hit with 1.5.
  CHECK(score("pointing-game", peak_at(2, 2), {{"tolerance", "1"}}).per_sample[0] == 0.0);
  CHECK(score("pointing-game", peak_at(2, 2), {{"tolerance", "1.5"}}).per_sample[0] == 1.0);
  // (0,3) is 2 away from (0,1).
  CHECK(score("pointing-game", peak_at(0, 3), {{"tolerance", "2"}}).per_sample[0] == 1.0);
  // Two pixels share the maximum, one outside (3,3) and one inside (1,0): a hit.
  Tensor tie = peak_at(3, 3);
  tie[4] = 1.0F;
  CHECK(score("pointing-game", tie).per_sample[0] == 1.0);
  // An empty mask is a miss.
  const Tensor x({1, 1, 4, 4}), empty({1, 1, 4, 4}), map = peak_at(0, 0);
  MetricInputs in;
  in.input = &x;
  in.targets = {0};
  in.attribution = &map;
  in.mask = &empty;
  CHECK(run_metric("pointing-game", in, {{"tolerance", "100"}}).per_sample[0] == 0.0);
}

TEST_CASE("pointing-game sums channels and averages hits over the batch", "[pointing-game]") {
  // Channel 0 peaks at (3,3), channel 1 more strongly at (0,0): the sum peaks at (0,0).
  Tensor two({1, 2, 4, 4});
  two[15] = 1.0F;
  two[16 + 0] = 2.0F;
  CHECK(score("pointing-game", two).per_sample[0] == 1.0);
  const Tensor x({2, 1, 4, 4});
  const Tensor hit = peak_at(0, 0), miss = peak_at(3, 0);
  std::vector<Tensor> parts{hit, miss}, masks{mask, mask};
  const Tensor maps = Tensor::concat_batch(parts), both = Tensor::concat_batch(masks);
  MetricInputs in;
  in.input = &x;
  in.targets = {0, 0};
  in.attribution = &maps;
  in.mask = &both;
  const auto result = run_metric("pointing-game", in);
  CHECK(result.per_sample == std::vector<double>{1.0, 0.0});
  CHECK(result.aggregate == 0.5);
}

TEST_CASE("mask-iou of the top q% against the mask matches hand values", "[mask-iou]") {
  // Relevance decreasing in row-major order: the top 25% (4 pixels) are row 0: IoU 2/6.
  Tensor ordered({1, 1, 4, 4});
  for (int p = 0; p < 16; ++p) ordered[p] = static_cast<float>(16 - p);
  CHECK(score("mask-iou", ordered, {{"top_percent", "25"}}).per_sample[0] == Approx(2.0 / 6.0));
  // The top 4 exactly the mask: IoU 1.
  Tensor exact({1, 1, 4, 4});
  for (int p : {0, 1, 4, 5}) exact[p] = 1.0F;
  CHECK(score("mask-iou", exact, {{"top_percent", "25"}}).per_sample[0] == 1.0);
  // ceil(0.1 * 16) = 2 pixels: (0,0), (0,1), both inside: 2/4.
  CHECK(score("mask-iou", ordered, {{"top_percent", "10"}}).per_sample[0] == Approx(0.5));
  // A constant map: ties by index choose row 0 again.
  CHECK(score("mask-iou", Tensor({1, 1, 4, 4}, 1.0F), {{"top_percent", "25"}}).per_sample[0] ==
        Approx(2.0 / 6.0));
}
