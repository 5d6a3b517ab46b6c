// DeepLIFT through ConvTranspose and Resize: linear layers, whose multipliers are their gradient,
// so summation-to-delta holds through them.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"
#include "upsampling_model.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("deeplift sums to f_c(x) - f_c(x0) through ConvTranspose and Resize",
          "[deeplift][resize]") {
  for (const char* rule : {"rescale", "reveal-cancel"}) {
    for (const bool bias : {true, false}) {
      const auto model = upsampling_net(6, bias);
      const Tensor x = random_tensor(model.batch_shape(2), 13);
      const Tensor x0(x.shape(), 0.3F);
      const std::vector<std::int64_t> targets{0, 2};
      const std::map<std::string, std::string> p{
          {"rule", rule}, {"baseline", "constant"}, {"baseline_value", "0.3"}};
      const auto a = explain("deeplift", model, x, targets, p);
      const Tensor fx = logits(model, x);
      const Tensor f0 = logits(model, x0);
      for (std::int64_t s = 0; s < 2; ++s) {
        const auto i = s * model.class_count() + targets[s];
        const double delta = static_cast<double>(fx[i]) - static_cast<double>(f0[i]);
        CAPTURE(rule, bias, s, delta);
        // Relative to the logit as well: f(x) and f(x0) are float sums of that size.
        const double scale = std::max({std::fabs(delta), std::fabs(double(fx[i])), 1e-2});
        CHECK(std::fabs(sum(a.map.batch_slice(s)) - delta) <= 1e-5 * scale);
      }
      check_batch_equals_samples("deeplift", model, x, targets, p, 1e-5);
    }
  }
}
