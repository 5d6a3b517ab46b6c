// Axis selection (ONNX Slice, Split, Gather on constant indices): values against direct index
// arithmetic, backward against finite differences and as the adjoint of forward, the scatter of a
// repeated index, and the refusals.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "layer_test_helpers.hpp"
#include "lumen/axis_selection.hpp"
#include "lumen/error.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using Catch::Matchers::Contains;
using lumen::testing::check_linear_backward;
using lumen::testing::dot;
using lumen::testing::forward_of;
using lumen::testing::iota;
using lumen::testing::message_of;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;
using V = std::vector<float>;

V values(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

std::shared_ptr<const Layer> select(I axis, std::vector<I> indices, bool drop = false) {
  return make_axis_selection("Gather", AxisSelection{axis, std::move(indices), drop});
}

}  // namespace

TEST_CASE("axis selection reads the given positions of one axis", "[layers]") {
  const auto x = iota({2, 3, 2});  // sample n: [[6n, 6n+1], [6n+2, 6n+3], [6n+4, 6n+5]]
  const auto& b = *naive_backend();
  // A channel split: the second half of axis 1.
  auto y = forward_of(*select(1, {1, 2}), {x}, b);
  CHECK(y.shape() == Shape{2, 2, 2});
  CHECK(values(y) == V{2, 3, 4, 5, 8, 9, 10, 11});
  // Every other position, repeated and reordered positions, the last axis.
  CHECK(values(forward_of(*select(1, {0, 2}), {x}, b)) == V{0, 1, 4, 5, 6, 7, 10, 11});
  CHECK(values(forward_of(*select(1, {2, 0, 2}), {x}, b)) ==
        V{4, 5, 0, 1, 4, 5, 10, 11, 6, 7, 10, 11});
  CHECK(values(forward_of(*select(2, {1}), {x}, b)) == V{1, 3, 5, 7, 9, 11});
  // A scalar index removes the axis.
  y = forward_of(*select(1, {1}, true), {x}, b);
  CHECK(y.shape() == Shape{2, 2});
  CHECK(values(y) == V{2, 3, 8, 9});
  CHECK(select(1, {1}, true)->output_shape(std::vector<Shape>{{1, 3, 2}}) == Shape{1, 2});
  CHECK(select(1, {0, 1})->kind() == LayerKind::structural);
  CHECK(make_axis_selection("Slice", {1, {0}, false})->op_type() == "Slice");
}

TEST_CASE("axis selection backward scatters the gradient and matches finite differences",
          "[layers]") {
  const std::vector<std::pair<AxisSelection, Shape>> cases{
      {{1, {2, 3}, false}, {2, 4, 3, 2}}, {{1, {0, 2, 4}, false}, {1, 5, 2, 2}},
      {{3, {1}, false}, {2, 2, 2, 3}},    {{2, {1}, true}, {2, 3, 4}},
      {{1, {3, 0, 3}, false}, {2, 4, 2}}, {{4, {0, 1}, false}, {1, 2, 2, 1, 3}},
  };
  for (const auto& [selection, shape] : cases) {
    const auto layer = make_axis_selection("Slice", selection);
    INFO(layer->describe() << " on " << to_string(shape));
    for (std::uint64_t seed : {1, 2}) {
      const auto [g, dx] = check_linear_backward(*layer, random_tensor(shape, seed), seed);
      // Every upstream value lands on one input value: the total is kept.
      CHECK(dot(dx, Tensor(shape, 1.0F)) == Approx(dot(g, Tensor(g.shape(), 1.0F))).epsilon(1e-6));
    }
  }
  // Positions not read get zero; a repeated one gets the sum.
  const auto x = iota({1, 3});
  const auto layer = select(1, {2, 2});
  const Tensor* refs[] = {&x};
  const auto grads = layer->backward(refs, forward_of(*layer, {x}, *naive_backend()), nullptr,
                                     Tensor({1, 2}, {1.5F, 2.0F}), *naive_backend());
  CHECK(values(grads[0]) == V{0, 0, 3.5F});
}

TEST_CASE("axis selection refuses the batch axis and out-of-range positions", "[layers]") {
  auto m = message_of<InvalidArgument>([] { select(0, {0}); });
  CHECK_THAT(m, Contains("Gather") && Contains("axis 0") && Contains("batch"));
  m = message_of<InvalidArgument>([] { select(1, {}); });
  CHECK_THAT(m, Contains("no index"));
  m = message_of<InvalidArgument>([] { select(1, {-1}); });
  CHECK_THAT(m, Contains("index -1"));
  m = message_of<InvalidArgument>([] { select(1, {0, 1}, true); });
  CHECK_THAT(m, Contains("exactly one index"));
  CHECK_THROWS_AS(make_axis_selection("", {1, {0}, false}), InvalidArgument);
  m = message_of<ShapeError>([] { select(3, {0})->output_shape(std::vector<Shape>{{1, 2, 2}}); });
  CHECK_THAT(m, Contains("axis 3") && Contains("[1,2,2]"));
  m = message_of<ShapeError>([] { select(1, {0, 4})->output_shape(std::vector<Shape>{{1, 4}}); });
  CHECK_THAT(m, Contains("index 4") && Contains("[1,4]"));
}
