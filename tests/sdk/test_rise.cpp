// The example RISE plugin (sdk/examples/explainer), compiled in-tree and registered through its
// own entry point: properties of its masks and agreement with a one-mask-at-a-time sum.
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>

#include "explain_helpers.hpp"
#include "masks.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

extern "C" const lumen_plugin_descriptor* lumen_plugin_entry();

using namespace lumen;
using namespace lumen::testing;

namespace {

std::shared_ptr<const Explainer> rise_explainer() {
  static const auto registry = [] {
    auto r = std::make_unique<Registry>();
    r->register_plugin({"rise", "test", "test_rise.cpp", {}}, nullptr, [](Registrar& registrar) {
      char error[256] = {0};
      if (lumen_plugin_entry()->register_items(&registrar, error, sizeof error) != 0) {
        throw PluginError(error);
      }
    });
    return r;
  }();
  return registry->explainer("rise");
}

Attribution run_rise(const Model& model, const Tensor& input,
                     const std::vector<std::int64_t>& targets,
                     const std::map<std::string, std::string>& given, int threads = 1,
                     std::uint64_t seed = 0) {
  const auto explainer = rise_explainer();
  const Params params = Params::validate(explainer->info().params, given, "rise");
  auto context = make_context(threads, seed);
  return explainer->explain({model, input, targets, params, std::nullopt}, *context);
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double worst = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("rise masks lie in [0,1], keep a fraction p and do not depend on the call", "[rise]") {
  auto context = make_context(1, 7);
  for (const rise::MaskSpec spec : {rise::MaskSpec{4, 0.3, 16, 16}, rise::MaskSpec{3, 0.5, 10, 7},
                                    rise::MaskSpec{8, 0.8, 5, 32}}) {
    const Tensor masks = rise::make_masks(*context, spec, 0, 2000);
    REQUIRE(masks.shape() == Shape{2000, 1, spec.height, spec.width});
    double total = 0.0;
    for (const float v : masks.values()) {
      REQUIRE(v >= 0.0F);
      REQUIRE(v <= 1.0F);
      total += v;
    }
    CHECK(total / static_cast<double>(masks.size()) == Approx(spec.probability).margin(0.02));
    // Mask 13 alone, from another batch, and from another seed.
    const Tensor alone = rise::make_masks(*context, spec, 13, 1);
    CHECK(max_abs_difference(alone, masks.batch_slice(13)) == 0.0);
    CHECK(max_abs_difference(rise::make_masks(*context, spec, 10, 5).batch_slice(3), alone) == 0.0);
    CHECK(max_abs_difference(rise::make_masks(*make_context(1, 8), spec, 13, 1), alone) > 0.1);
  }
}

TEST_CASE("rise with p = 1 gives the target's probability at every pixel", "[rise]") {
  const Model model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 4);
  const std::vector<std::int64_t> targets{1, 4};
  const Attribution a = run_rise(model, x, targets, {{"masks", "9"}, {"probability", "1"}});
  const Tensor probabilities = softmax_rows(logits(model, x));
  REQUIRE(a.map.shape() == x.shape());
  const std::int64_t per_sample = x.size() / 2;
  for (std::int64_t s = 0; s < 2; ++s) {
    const float expected = probabilities[s * probabilities.dim(1) + targets[s]];
    for (std::int64_t i = 0; i < per_sample; ++i) {
      REQUIRE(a.map[s * per_sample + i] == Approx(expected).epsilon(1e-5));
    }
  }
  CHECK(a.passes.forward == 2 * 9);
  CHECK(a.passes.backward == 0);
}

TEST_CASE("rise equals the sum over masks taken one at a time, whatever the batch size", "[rise]") {
  const Model model = residual_net(5);
  const Tensor x = random_tensor(model.batch_shape(2), 6);
  const std::vector<std::int64_t> targets{0, 3};
  const std::int64_t masks = 37;
  const rise::MaskSpec spec{3, 0.4, x.dim(2), x.dim(3)};
  auto context = make_context(1, 11);
  // S = sum_i P_c(x * M_i) M_i / (N p), one masked image per forward pass.
  Tensor expected(x.shape());
  const std::int64_t channels = x.dim(1), plane = x.dim(2) * x.dim(3);
  for (std::int64_t i = 0; i < masks; ++i) {
    const Tensor mask = rise::make_masks(*context, spec, i, 1);
    for (std::int64_t s = 0; s < 2; ++s) {
      Tensor probe = x.batch_slice(s);
      for (std::int64_t c = 0; c < channels; ++c) {
        for (std::int64_t p = 0; p < plane; ++p) probe[c * plane + p] *= mask[p];
      }
      const Tensor probabilities = softmax_rows(logits(model, probe));
      const double weight = probabilities[targets[static_cast<std::size_t>(s)]] /
                            (static_cast<double>(masks) * spec.probability);
      for (std::int64_t c = 0; c < channels; ++c) {
        for (std::int64_t p = 0; p < plane; ++p) {
          expected[(s * channels + c) * plane + p] += static_cast<float>(weight * mask[p]);
        }
      }
    }
  }
  for (const char* batch_size : {"1", "5", "64"}) {
    const Attribution a = run_rise(
        model, x, targets,
        {{"masks", "37"}, {"cells", "3"}, {"probability", "0.4"}, {"batch_size", batch_size}}, 1,
        11);
    INFO("batch_size " << batch_size);
    CHECK(max_abs_difference(a.map, expected) < 1e-5);
    CHECK(a.passes.forward == 2 * masks);
    CHECK_FALSE(a.signed_map);
  }
}

TEST_CASE("rise gives the same map for any batch size and thread count with many batches",
          "[rise]") {
  const Model model = dense_net(2);
  const Tensor x = random_tensor(model.batch_shape(1), 3);
  const std::vector<std::int64_t> targets{2};
  const auto map = [&](const char* batch_size, int threads) {
    return run_rise(model, x, targets, {{"masks", "150"}, {"batch_size", batch_size}}, threads, 5)
        .map;
  };
  const Tensor one_batch = map("150", 1);
  CHECK(max_abs_difference(map("1", 1), one_batch) < 1e-6);  // 150 batches in 64 groups
  CHECK(max_abs_difference(map("1", 2), map("1", 1)) == 0.0);
  CHECK(max_abs_difference(map("7", 2), one_batch) < 1e-6);
}
