#include <catch2/catch.hpp>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
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
