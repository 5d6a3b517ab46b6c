#include <catch2/catch.hpp>
#include <lumen/backend.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <memory>
#include <vector>

#include "naive_backend.hpp"
#include "test_registry.hpp"

using namespace lumen;

namespace {

/// Implements gemm only, and records that it ran.
class GemmOnly final : public Backend {
 public:
  BackendInfo info() const override { return {"gemm-only", "test: gemm and nothing else", 5}; }
  bool implements(Kernel kernel) const override { return kernel == Kernel::gemm; }
  void gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
            const float*, std::int64_t, float, float* c, std::int64_t) const override {
    ++calls;
    c[0] = 42.0F;
  }
  mutable int calls = 0;
};

}  // namespace

TEST_CASE("a backend chain runs each kernel on the first backend that implements it", "[backend]") {
  const auto gemm_only = std::make_shared<GemmOnly>();
  const BackendChain chain({gemm_only, testing::naive_backend()});
  CHECK(chain.info().name == "gemm-only>cpu-naive");
  CHECK(&chain.implementer(Kernel::gemm) == gemm_only.get());
  CHECK(&chain.implementer(Kernel::conv2d_forward) == testing::naive_backend().get());
  for (const Kernel kernel : all_kernels) CHECK(chain.implements(kernel));

  const std::vector<float> a{2.0F}, b{3.0F};
  float c = 0.0F;
  chain.gemm(false, false, 1, 1, 1, 1.0F, a.data(), 1, b.data(), 1, 0.0F, &c, 1);
  CHECK(c == 42.0F);
  CHECK(gemm_only->calls == 1);
  // A 1x1 convolution of one value falls through to the naive backend: 2 * 3 + 1.
  Conv2dGeometry g;
  const float bias = 1.0F;
  chain.conv2d_forward(g, a.data(), b.data(), &bias, &c);
  CHECK(c == 7.0F);
  CHECK(gemm_only->calls == 1);
}

TEST_CASE("a kernel a backend lacks is refused by name, and so is a chain missing one",
          "[backend]") {
  const GemmOnly gemm_only;
  Conv2dGeometry g;
  float x = 1.0F, w = 1.0F, y = 0.0F;
  CHECK_THROWS_WITH(gemm_only.conv2d_forward(g, &x, &w, nullptr, &y),
                    "backend 'gemm-only' does not implement conv2d_forward (run it through a "
                    "BackendChain)");
  CHECK_THROWS_WITH(BackendChain({std::make_shared<GemmOnly>()}),
                    "no backend in 'gemm-only' implements conv2d_forward");
  CHECK_THROWS_AS(BackendChain({}), InvalidArgument);
  CHECK_THROWS_AS(BackendChain({nullptr}), InvalidArgument);
}

TEST_CASE("the registry orders backends by preference and puts chosen ones first", "[backend]") {
  const Registry& r = testing::registry();
  const auto order = r.backend_order();
  REQUIRE(order.size() >= 2);
  CHECK(order.back() == "cpu-naive");
  for (std::size_t i = 1; i < order.size(); ++i) {
    CHECK(r.backend(order[i - 1])->info().preference >= r.backend(order[i])->info().preference);
  }
  std::string expected;
  for (const auto& name : order) expected += (expected.empty() ? "" : ">") + name;
  CHECK(r.backend_chain()->info().name == expected);
  const auto naive_first = r.backend_chain({"cpu-naive"});
  CHECK(naive_first->info().name.rfind("cpu-naive>", 0) == 0);
  CHECK_THROWS_AS(r.backend_chain({"no-such-backend"}), NotFound);
  CHECK_THROWS_WITH(r.backend_chain({"cpu-naive", "cpu-naive"}),
                    "backend 'cpu-naive' is named twice");
}
