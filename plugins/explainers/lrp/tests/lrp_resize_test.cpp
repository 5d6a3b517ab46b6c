// LRP through ConvTranspose and Resize (nearest and bilinear): both are linear layers, so every
// rule reaches them through forward_with / backward_with and the total is kept.
#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"
#include "upsampling_model.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("lrp conserves the target logit through ConvTranspose and Resize", "[lrp][resize]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = upsampling_net(seed, false);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
    const Tensor scores = logits(model, x);
    const std::vector<std::int64_t> targets{0, 2};
    for (const char* composite : {"", "epsilon-plus", "epsilon-plus-flat"}) {
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

TEST_CASE("lrp through ConvTranspose and Resize: batch equals one by one", "[lrp][resize]") {
  const auto model = upsampling_net(4, true);
  const Tensor x = random_tensor(model.batch_shape(3), 11);
  check_batch_equals_samples("lrp", model, x, {0, 1, 2}, {}, 1e-5);
  check_batch_equals_samples("lrp", model, x, {2, 1, 0}, {{"composite", "epsilon-plus"}}, 1e-5);
}
