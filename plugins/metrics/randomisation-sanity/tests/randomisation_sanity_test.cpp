#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "metric_helpers.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

MetricResult sanity(const Model& model, const Tensor& x, const std::vector<std::int64_t>& targets,
                    const std::string& method, std::uint64_t seed,
                    const std::map<std::string, std::string>& params = {}) {
  return score_explanation("randomisation-sanity", method, model, x, targets, params, seed);
}

}  // namespace

TEST_CASE("randomisation-sanity changes saliency maps and is seeded", "[randomisation-sanity]") {
  const Model model = conformance::conv_net(3);
  const Tensor x = conformance::random_tensor(model.batch_shape(2), 51);
  const auto a = sanity(model, x, {0, 2}, "saliency", 7);
  const auto b = sanity(model, x, {0, 2}, "saliency", 7);
  const auto other = sanity(model, x, {0, 2}, "saliency", 8);
  CHECK(a.per_sample == b.per_sample);
  CHECK(a.per_sample != other.per_sample);
  for (const double v : a.per_sample) {
    CHECK(v < 0.95);  // re-initialised weights changed the maps
    CHECK(v >= -1.0);
  }
}

TEST_CASE("randomisation-sanity: a map that ignores the weights correlates perfectly",
          "[randomisation-sanity]") {
  const Model model = conformance::conv_net(4);
  const Tensor x = conformance::random_tensor(model.batch_shape(2), 52);
  // fem works at "features", before the GAP and the last Linear: re-initialising that Linear
  // (layers = 1) leaves its map unchanged, so the correlation is exactly 1.
  const auto kept = sanity(model, x, {1, 3}, "fem", 1, {{"layers", "1"}});
  CHECK(kept.per_sample == std::vector<double>{1.0, 1.0});
  // Two layers re-initialise the second convolution too: the map changes.
  const auto changed = sanity(model, x, {1, 3}, "fem", 1, {{"layers", "2"}});
  CHECK(changed.aggregate < 1.0);
}
