// LRP through the blocks of modern CNNs, each in a small model built from core layers: ShuffleNet's
// channel split, concatenation, shuffle and Gather; ConvTranspose and Resize (nearest, bilinear);
// ConvNeXt's layer norm over the channels (the LN rule). With every bias zero the target logit's
// total is kept, with the epsilon rule alone and in the composites; batches equal their samples.
#include <catch2/catch.hpp>

#include <functional>
#include <vector>

#include "explain_helpers.hpp"
#include "layer_norm_model.hpp"
#include "shuffle_model.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"
#include "upsampling_model.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using ModelFactory = std::function<Model(std::uint64_t seed, bool bias)>;

// Sum of the relevance of each sample equals its target logit (1e-4 relative), for three
// bias-free models of the family and each composite ("" = the epsilon rule everywhere).
void check_conserves(const ModelFactory& build, const std::vector<const char*>& composites) {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = build(seed, false);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
    const Tensor scores = logits(model, x);
    const std::vector<std::int64_t> targets{0, 2};
    for (const char* composite : composites) {
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

void check_batches(const ModelFactory& build, bool with_composite) {
  const auto model = build(4, true);
  const Tensor x = random_tensor(model.batch_shape(3), 11);
  check_batch_equals_samples("lrp", model, x, {0, 1, 2}, {}, 1e-5);
  if (with_composite) {
    check_batch_equals_samples("lrp", model, x, {2, 1, 0}, {{"composite", "epsilon-plus"}}, 1e-5);
  }
}

}  // namespace

TEST_CASE("lrp conserves the target logit through split, concat, shuffle and gather",
          "[lrp][selection]") {
  check_conserves(shuffle_net, {"", "epsilon-plus", "epsilon-plus-flat"});
}

TEST_CASE("lrp through split and gather: batch equals one by one", "[lrp][selection]") {
  check_batches(shuffle_net, true);
}

TEST_CASE("lrp conserves the target logit through ConvTranspose and Resize", "[lrp][resize]") {
  check_conserves(upsampling_net, {"", "epsilon-plus", "epsilon-plus-flat"});
}

TEST_CASE("lrp through ConvTranspose and Resize: batch equals one by one", "[lrp][resize]") {
  check_batches(upsampling_net, true);
}

TEST_CASE("lrp conserves the target logit through a layer norm without bias", "[lrp][layer-norm]") {
  check_conserves(layer_norm_net, {"", "epsilon-plus"});
}

TEST_CASE("lrp through a layer norm: batch equals one by one", "[lrp][layer-norm]") {
  check_batches(layer_norm_net, false);
}
