#include <catch2/catch.hpp>
#include <lumen/batching.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/model.hpp>

#include "linear_model.hpp"
#include "naive_backend.hpp"

using namespace lumen;

TEST_CASE("a pass's bytes per sample follow the model's node outputs", "[batching]") {
  // input [2,3,4] (24 values) -> Flatten (24) -> fc (5): 53 values, the largest 24.
  const Model model = testing::linear_classifier({2, 3, 4}, Tensor({5, 24}, 0.5F));
  CHECK(pass_bytes_per_sample(model, PassKind::gradient) == (53 + 2 * 24) * 4);
  CHECK(pass_bytes_per_sample(model, PassKind::forward) == 4 * 24 * 4);
}

TEST_CASE("samples per pass fit the pass memory, at least one and at most the wanted count",
          "[batching]") {
  const Model model = testing::linear_classifier({2, 3, 4}, Tensor({5, 24}, 0.5F));
  Context one(testing::naive_backend(), 1), two(testing::naive_backend(), 2);
  for (Context* context : {&one, &two}) {
    context->set_pass_memory(4 * 24 * 4 * 10);  // ten forward samples
    CHECK(samples_per_pass(model, *context, PassKind::forward, 1000) == 10);
    CHECK(samples_per_pass(model, *context, PassKind::forward, 7) == 7);
    context->set_pass_memory(1);
    CHECK(samples_per_pass(model, *context, PassKind::gradient, 1000) == 1);
  }
  CHECK_THROWS_AS(one.set_pass_memory(0), InvalidArgument);
  CHECK(Context(testing::naive_backend(), 1).pass_memory() == std::int64_t{512} << 20);
}

TEST_CASE("samples per pass stop where a layer's batch would leave the cache, at four at least",
          "[batching]") {
  Context context(testing::naive_backend(), 1);  // 512 MiB of pass memory
  // The largest output, 64 Ki floats (256 KiB) per sample: four samples fill the 1 MiB budget.
  const Model medium = testing::linear_classifier({1, 256, 256}, Tensor({2, 65536}, 0.5F));
  CHECK(samples_per_pass(medium, context, PassKind::forward, 1000) == 4);
  // 16 Ki floats (64 KiB): sixteen.
  const Model small = testing::linear_classifier({1, 128, 128}, Tensor({2, 16384}, 0.5F));
  CHECK(samples_per_pass(small, context, PassKind::gradient, 1000) == 16);
  // A largest output beyond the budget still gets four, unless the pass memory holds fewer.
  const Model large = testing::linear_classifier({4, 256, 256}, Tensor({2, 262144}, 0.5F));
  CHECK(samples_per_pass(large, context, PassKind::forward, 1000) == 4);
  context.set_pass_memory(pass_bytes_per_sample(large, PassKind::forward) * 2);
  CHECK(samples_per_pass(large, context, PassKind::forward, 1000) == 2);
}
