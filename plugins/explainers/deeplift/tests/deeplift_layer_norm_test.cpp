// DeepLIFT through a layer norm (Note [DeepLIFT through LayerNorm]): centring, normalising by the
// rescale rule and the affine keep summation-to-delta exactly.
#include <catch2/catch.hpp>
#include <cmath>

#include "explain_helpers.hpp"
#include "layer_norm_model.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("deeplift sums to f_c(x) - f_c(x0) through a layer norm", "[deeplift][layer-norm]") {
  for (const char* rule : {"rescale", "reveal-cancel"}) {
    for (const bool bias : {true, false}) {
      const auto model = layer_norm_net(7, bias);
      const Tensor x = random_tensor(model.batch_shape(2), 13);
      const std::map<std::string, std::string> params{
          {"rule", rule}, {"baseline", "constant"}, {"baseline_value", "0.2"}};
      const Tensor x0(x.shape(), 0.2F);
      const std::vector<std::int64_t> targets{1, 3};
      const auto a = explain("deeplift", model, x, targets, params);
      const Tensor fx = logits(model, x);
      const Tensor f0 = logits(model, x0);
      for (std::int64_t s = 0; s < 2; ++s) {
        const auto i = s * model.class_count() + targets[s];
        const double delta = static_cast<double>(fx[i]) - static_cast<double>(f0[i]);
        CAPTURE(rule, bias, s, delta);
        CHECK(std::fabs(sum(a.map.batch_slice(s)) - delta) <=
              1e-4 * std::max(std::fabs(delta), 1e-2));
      }
      check_batch_equals_samples("deeplift", model, x, targets, params, 1e-5);
    }
  }
}
