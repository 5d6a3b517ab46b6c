// LRP through a layer norm over the channels (ConvNeXt's): the LN rule keeps the total when the
// layer norm and every other layer have no bias, and batches equal their samples.
#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "layer_norm_model.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("lrp conserves the target logit through a layer norm without bias", "[lrp][layer-norm]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = layer_norm_net(seed, false);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
    const Tensor scores = logits(model, x);
    const std::vector<std::int64_t> targets{0, 2};
    for (const char* composite : {"", "epsilon-plus"}) {
      std::map<std::string, std::string> p{{"epsilon", "1e-9"}};
      if (*composite) p["composite"] = composite;
      const auto a = explain("lrp", model, x, targets, p);
      REQUIRE(a.map.shape() == x.shape());
      for (std::int64_t s = 0; s < 2; ++s) {
        const double f = scores[s * model.class_count() + targets[s]];
        CAPTURE(seed, composite, s, f);
        CHECK(sum(a.map.batch_slice(s)) == Approx(f).epsilon(1e-4));
      }
    }
  }
}

TEST_CASE("lrp through a layer norm: batch equals one by one", "[lrp][layer-norm]") {
  const auto model = layer_norm_net(4, true);
  const Tensor x = random_tensor(model.batch_shape(3), 11);
  check_batch_equals_samples("lrp", model, x, {0, 1, 2}, {}, 1e-5);
}
