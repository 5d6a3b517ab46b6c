#include <catch2/catch.hpp>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <lumen/resample.hpp>

#include "test_models.hpp"

using namespace lumen;

TEST_CASE("cam_attribution weights feature maps, applies ReLU on request and upsamples", "[cam]") {
  const Model model = testing::conv_net(1);
  const Tensor input = testing::random_tensor(model.batch_shape(1), 2);
  const std::vector<std::int64_t> targets{0};
  const Params params;
  const ExplainRequest request{model, input, targets, params, std::nullopt};
  const NodeId layer = cam_layer(request, "test");
  CHECK(model.graph().node(layer).name == "features");
  // Two 1x2 maps, weights {2, -1}: L = {2*1 - 3, 2*4 - 1} = {-1, 7}.
  const Tensor features({1, 2, 1, 2}, {1.0F, 4.0F, 3.0F, 1.0F});
  const Tensor weights({1, 2}, {2.0F, -1.0F});
  const Attribution signed_map = cam_attribution(request, layer, features, weights, false);
  CHECK(signed_map.layer_map.values()[0] == -1.0F);
  CHECK(signed_map.layer_map.values()[1] == 7.0F);
  CHECK(signed_map.signed_map);
  CHECK(signed_map.map.shape() == Shape{1, 1, 8, 8});
  CHECK(signed_map.map.values()[0] == upsample_bilinear(signed_map.layer_map, 8, 8)[0]);
  const Attribution rectified = cam_attribution(request, layer, features, weights, true);
  CHECK(rectified.layer_map.values()[0] == 0.0F);
  CHECK_FALSE(rectified.signed_map);
  CHECK(rectified.layer == layer);
  CHECK_THROWS_AS(cam_attribution(request, layer, features, Tensor({1, 3}), true), ShapeError);
}

TEST_CASE("cam_layer refuses the input and non-spatial nodes, naming the method", "[cam]") {
  const Model model = testing::conv_net(1);
  const Tensor input = testing::random_tensor(model.batch_shape(1), 2);
  const std::vector<std::int64_t> targets{0};
  const Params params;
  const ExplainRequest at_input{model, input, targets, params, model.graph().input()};
  CHECK_THROWS_WITH(cam_layer(at_input, "my-cam"), Catch::Contains("my-cam"));
  const ExplainRequest at_fc{model, input, targets, params, model.graph().at("fc")};
  CHECK_THROWS_WITH(cam_layer(at_fc, "my-cam"), Catch::Contains("'fc'"));
}

TEST_CASE("the default layer is the last convolution-like spatial map, passing over pooling",
          "[cam]") {
  // conv -> relu -> max-pool -> conv -> relu -> avg-pool -> flatten -> linear: the second relu.
  Graph g;
  const auto x = g.add_input("input", {1, 8, 8});
  Conv2dParams conv;
  conv.weight = Tensor({2, 1, 3, 3}, 0.1F);
  conv.pads = {1, 1, 1, 1};
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  const auto c1 = g.add_node("conv1", "", make_conv2d(conv), {x});
  const auto r1 = g.add_node("relu1", "", make_relu(), {c1});
  const auto p1 = g.add_node("pool1", "", make_max_pool2d(pool), {r1});
  conv.weight = Tensor({2, 2, 3, 3}, 0.1F);
  const auto c2 = g.add_node("conv2", "", make_conv2d(conv), {p1});
  const auto r2 = g.add_node("relu2", "", make_relu(), {c2});
  const auto p2 = g.add_node("pool2", "", make_avg_pool2d(pool), {r2});
  const auto f = g.add_node("flatten", "", make_flatten(1), {p2});
  const auto fc = g.add_node("fc", "", make_linear(Tensor({3, 8}, 0.1F), std::nullopt), {f});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{1, 8, 8}, {}, {}});
  CHECK(model.graph().node(default_spatial_layer(model)).name == "relu2");

  // Only pooled maps are spatial: the last of them.
  Graph h;
  const auto in = h.add_input("input", {1, 8, 8});
  const auto pooled = h.add_node("pool", "", make_max_pool2d(pool), {in});
  const auto flat = h.add_node("flatten", "", make_flatten(1), {pooled});
  const auto out = h.add_node("fc", "", make_linear(Tensor({3, 16}, 0.1F), std::nullopt), {flat});
  h.finalize(out);
  const Model pooled_only(std::move(h), InputSpec{{1, 8, 8}, {}, {}});
  CHECK(pooled_only.graph().node(default_spatial_layer(pooled_only)).name == "pool");
}
