// DeepLIFT through the blocks of modern CNNs, each in a small model built from core layers:
// ShuffleNet's channel split, concatenation, shuffle and Gather (linear, structural); ConvTranspose
// and Resize (linear: their multipliers are their gradient); ConvNeXt's layer norm (Note [DeepLIFT
// through LayerNorm]: centring, normalising by the rescale rule, the affine). Summation-to-delta
// holds with both rules, with and without biases, and batches equal their samples.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
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

struct Case {
  std::uint64_t model_seed;
  std::uint64_t input_seed;
  float baseline;
  std::vector<std::int64_t> targets;
  double tolerance;  ///< relative to max(|delta|, |f_c(x)|, 1e-2): f(x), f(x0) are float sums
};

void check_summation_to_delta(const ModelFactory& build, const Case& c) {
  for (const char* rule : {"rescale", "reveal-cancel"}) {
    for (const bool bias : {true, false}) {
      const auto model = build(c.model_seed, bias);
      const Tensor x = random_tensor(model.batch_shape(2), c.input_seed);
      const Tensor x0(x.shape(), c.baseline);
      const std::map<std::string, std::string> p{
          {"rule", rule}, {"baseline", "constant"}, {"baseline_value", std::to_string(c.baseline)}};
      const auto a = explain("deeplift", model, x, c.targets, p);
      const Tensor fx = logits(model, x);
      const Tensor f0 = logits(model, x0);
      for (std::int64_t s = 0; s < 2; ++s) {
        const auto i = s * model.class_count() + c.targets[static_cast<std::size_t>(s)];
        const double delta = static_cast<double>(fx[i]) - static_cast<double>(f0[i]);
        CAPTURE(rule, bias, s, delta);
        const double scale = std::max({std::fabs(delta), std::fabs(double(fx[i])), 1e-2});
        CHECK(std::fabs(sum(a.map.batch_slice(s)) - delta) <= c.tolerance * scale);
      }
      check_batch_equals_samples("deeplift", model, x, c.targets, p, 1e-5);
    }
  }
}

}  // namespace

TEST_CASE("deeplift sums to f_c(x) - f_c(x0) through split, concat, shuffle and gather",
          "[deeplift][selection]") {
  check_summation_to_delta(shuffle_net, {5, 12, 0.3F, {1, 2}, 1e-5});
}

TEST_CASE("deeplift sums to f_c(x) - f_c(x0) through ConvTranspose and Resize",
          "[deeplift][resize]") {
  check_summation_to_delta(upsampling_net, {6, 13, 0.3F, {0, 2}, 1e-5});
}

TEST_CASE("deeplift sums to f_c(x) - f_c(x0) through a layer norm", "[deeplift][layer-norm]") {
  check_summation_to_delta(layer_norm_net, {7, 13, 0.2F, {1, 3}, 1e-4});
}
