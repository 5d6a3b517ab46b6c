#include <catch2/catch.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("input-x-gradient is the input times the finite-difference gradient",
          "[input-x-gradient]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed), dense_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 10);
      for (std::int64_t target = 0; target < model.class_count(); target += 2) {
        const auto a = explain("input-x-gradient", model, x, {target});
        auto fd = finite_difference_gradient(model, x, target, 1e-3F);
        for (std::int64_t i = 0; i < x.size(); ++i) fd.gradient[i] *= x[i];
        CAPTURE(seed, target, model.graph().size());
        // The same 1e-2 as saliency's finite-difference test: float32 rounding of the differences.
        CHECK(relative_difference_where_smooth(a.map, fd) < 1e-2);
        CHECK(a.passes.forward == 1);
        CHECK(a.passes.backward == 1);
      }
    }
  }
}

TEST_CASE("input-x-gradient equals LRP-0 on bias-free ReLU networks", "[input-x-gradient]") {
  // With no biases, z_j = sum_i a_i w_ij, so LRP-0's a_i w_ij R_j / z_j with R_j = z_j g_j is
  // a_i w_ij g_j: by induction from the logit (R = f_c = z_c * 1) relevance is a * gradient at
  // every layer; ReLU, max-pool switches, Add and Concat keep that form.
  for (std::uint64_t seed : {1U, 2U, 3U, 4U}) {
    for (const auto& model :
         {conv_net(seed, false), residual_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
      for (std::int64_t target = 0; target < model.class_count(); ++target) {
        const std::vector<std::int64_t> targets{target, (target + 1) % model.class_count()};
        const auto ixg = explain("input-x-gradient", model, x, targets);
        const auto lrp0 =
            explain("lrp", model, x, targets, {{"rule", "epsilon"}, {"epsilon", "0"}});
        CAPTURE(seed, target, model.graph().size());
        CHECK(relative_difference(ixg.map, lrp0.map) < 1e-5);
      }
    }
  }
}

TEST_CASE("input-x-gradient of a batch equals sample by sample, with 1 and 2 threads",
          "[input-x-gradient]") {
  const auto model = residual_net(7);
  const Tensor x = random_tensor(model.batch_shape(3), 8);
  const std::vector<std::int64_t> targets{0, 3, 1};
  const auto batch = check_batch_equals_samples("input-x-gradient", model, x, targets);
  CHECK(batch.passes.forward == 3);
  CHECK(batch.passes.backward == 3);
}
