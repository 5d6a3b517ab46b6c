#include <catch2/catch.hpp>
#include <lumen/error.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// guided-backprop [N,C,H,W] times grad-cam's upsampled map [N,1,H,W], computed here element by
// element from the two registered explainers.
Tensor expected_product(const Model& model, const Tensor& x,
                        const std::vector<std::int64_t>& targets, const std::string& relu,
                        std::optional<NodeId> layer) {
  const auto gb = explain("guided-backprop", model, x, targets);
  const auto cam = explain("grad-cam", model, x, targets, {{"relu", relu}}, layer);
  Tensor product(x.shape());
  const auto n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  for (std::int64_t s = 0; s < n; ++s)
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t i = 0; i < h * w; ++i) {
        const std::int64_t at = (s * c + k) * h * w + i;
        product[at] = gb.map[at] * cam.map[s * h * w + i];
      }
  return product;
}

}  // namespace

TEST_CASE("guided-grad-cam is guided-backprop times the upsampled grad-cam", "[guided-grad-cam]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 50);
      const std::vector<std::int64_t> targets{1, 3};
      for (const std::string relu : {"true", "false"}) {
        const auto a = explain("guided-grad-cam", model, x, targets, {{"relu", relu}});
        REQUIRE(a.map.shape() == x.shape());
        CAPTURE(seed, relu, model.graph().size());
        CHECK(relative_difference(a.map, expected_product(model, x, targets, relu, std::nullopt)) ==
              0.0);
        REQUIRE(a.layer.has_value());
        CHECK(*a.layer == default_spatial_layer(model));
        CHECK(a.layer_map.empty());
        CHECK(a.passes.forward == 4);  // 2 per image: guided backprop and grad-cam
        CHECK(a.passes.backward == 4);
      }
    }
  }
}

TEST_CASE("guided-grad-cam passes the layer to grad-cam", "[guided-grad-cam]") {
  const auto model = conv_net(4);
  const Tensor x = random_tensor(model.batch_shape(1), 5);
  // The first ReLU's output (8x8, before max-pooling) instead of the default "features" (4x4).
  std::optional<NodeId> relu1;
  for (NodeId id : model.graph().topological_order()) {
    const Node& n = model.graph().node(id);
    if (n.layer && n.layer->op_type() == "Relu" && n.output_shape[2] == 8) relu1 = id;
  }
  REQUIRE(relu1.has_value());
  const auto a = explain("guided-grad-cam", model, x, {2}, {{"relu", "false"}}, *relu1);
  CHECK(a.layer == relu1);
  CHECK(relative_difference(a.map, expected_product(model, x, {2}, "false", *relu1)) == 0.0);
  const auto by_default = explain("guided-grad-cam", model, x, {2}, {{"relu", "false"}});
  CHECK(relative_difference(a.map, by_default.map) > 1e-3);
}

TEST_CASE("guided-grad-cam refuses a non-spatial layer", "[guided-grad-cam]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(1), 9);
  CHECK_THROWS_AS(explain("guided-grad-cam", model, x, {1}, {}, model.graph().at("fc")),
                  InvalidArgument);
  CHECK_THROWS_WITH(explain("guided-grad-cam", model, x, {1}, {}, model.graph().at("fc")),
                    Catch::Contains("'fc'") && Catch::Contains("spatial"));
}

TEST_CASE("guided-grad-cam refuses a model without a spatial layer", "[guided-grad-cam]") {
  const auto model = dense_net(2);
  const Tensor x = random_tensor(model.batch_shape(2), 3);
  CHECK_THROWS_AS(explain("guided-grad-cam", model, x, {0, 2}), InvalidArgument);
  CHECK_THROWS_WITH(explain("guided-grad-cam", model, x, {0, 2}), Catch::Contains("spatial"));
}

TEST_CASE("guided-grad-cam of a batch equals sample by sample, with 1 and 2 threads",
          "[guided-grad-cam]") {
  const auto model = residual_net(7);
  const Tensor x = random_tensor(model.batch_shape(3), 8);
  const std::vector<std::int64_t> targets{0, 3, 1};
  check_batch_equals_samples("guided-grad-cam", model, x, targets, {}, 1e-5, 1e-6);
}
