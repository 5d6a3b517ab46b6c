#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/cam.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <utility>
#include <vector>

#include "naive_backend.hpp"
#include "test_models.hpp"

using namespace lumen;

TEST_CASE("cam_attribution weights feature maps, applies ReLU on request and upsamples", "[cam]") {
  const Model model = testing::conv_net(1);
  const Tensor input = testing::random_tensor(model.batch_shape(1), 2);
  const std::vector<std::int64_t> targets{0};
  const Params params;
  const ExplainRequest request{model, input, targets, params, std::nullopt};
  const NodeId layer = cam_layer(request);
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

namespace {

// Sample `s` of `x` times one [H,W] mask, every channel: [1,C,H,W].
Tensor masked_by(const Tensor& x, std::int64_t s, const float* mask) {
  Tensor out = x.batch_slice(s);
  const std::int64_t plane = x.dim(2) * x.dim(3);
  for (std::int64_t i = 0; i < out.size(); ++i) out[i] *= mask[i % plane];
  return out;
}

}  // namespace

TEST_CASE("upsampled_unit_masks gives the planes of upsample_bilinear then scale_planes_to_unit",
          "[cam]") {
  Tensor maps = testing::random_tensor({2, 5, 3, 4}, 11);
  std::fill(maps.data() + 7 * 12, maps.data() + 8 * 12, 0.25F);  // a constant plane: mask 0
  for (const auto& [height, width] :
       {std::pair<std::int64_t, std::int64_t>{8, 8}, {3, 4}, {2, 9}}) {
    Tensor whole = upsample_bilinear(maps, height, width);
    scale_planes_to_unit(whole);
    const MaskSource source = upsampled_unit_masks(maps, height, width);
    REQUIRE(source.count == 5);
    std::vector<float> mask(static_cast<std::size_t>(height * width));
    // In any order: a mask does not depend on which were made before it.
    for (std::int64_t i = 9; i >= 0; --i) {
      source.fill(i / 5, i % 5, mask);
      const float* expected = whole.data() + i * height * width;
      CHECK(std::equal(mask.begin(), mask.end(), expected));
    }
  }
  CHECK_THROWS_AS(upsampled_unit_masks(Tensor({2, 5}), 8, 8), ShapeError);
}

TEST_CASE("masked_scores with lazy masks equals scoring each masked input alone", "[cam]") {
  const Model model = testing::conv_net(3);
  const Tensor x = testing::random_tensor(model.batch_shape(2), 4);
  const Tensor features = testing::random_tensor({2, 7, 4, 4}, 5, 0.0F, 1.0F);
  const std::vector<std::int64_t> targets{1, 4};
  Context context(testing::naive_backend(), 1);
  Tensor explicit_masks = upsample_bilinear(features, 8, 8);
  scale_planes_to_unit(explicit_masks);
  for (const MaskScore score : {MaskScore::probability, MaskScore::logit}) {
    // The reference: every masked input in a pass of its own.
    Tensor expected({2, 7});
    for (std::int64_t s = 0; s < 2; ++s)
      for (std::int64_t m = 0; m < 7; ++m) {
        Tensor logits = predict_logits(
            model, masked_by(x, s, explicit_masks.data() + (s * 7 + m) * 64), context);
        if (score == MaskScore::probability) logits = softmax_rows(logits);
        expected[s * 7 + m] = logits[targets[static_cast<std::size_t>(s)]];
      }
    const MaskSource lazy = upsampled_unit_masks(features, 8, 8);
    const Tensor one = masked_scores(model, x, lazy, targets, score, 1, context);
    CHECK(one.shape() == Shape{2, 7});
    CHECK(std::equal(one.values().begin(), one.values().end(), expected.values().begin()));
    // Given whole, the same masks give the same scores.
    const Tensor whole = masked_scores(model, x, explicit_masks, targets, score, 1, context);
    CHECK(std::equal(whole.values().begin(), whole.values().end(), one.values().begin()));
    // Other batch sizes (3: a short last batch; 0: as many as the pass memory holds) batch the
    // same masked inputs, equal up to the rounding of batched kernels.
    for (const std::int64_t batch : {2, 3, 7, 0}) {
      const Tensor batched = masked_scores(model, x, lazy, targets, score, batch, context);
      for (std::int64_t i = 0; i < 14; ++i) CHECK(batched[i] == Approx(expected[i]).epsilon(1e-5));
    }
  }
  CHECK_THROWS_AS(
      masked_scores(model, x, Tensor({2, 7, 4, 4}), targets, MaskScore::logit, 0, context),
      ShapeError);
  CHECK_THROWS_AS(masked_scores(model, x, upsampled_unit_masks(features, 8, 8), targets,
                                MaskScore::logit, -1, context),
                  InvalidArgument);
}

TEST_CASE("masked_scores gives the same bits on 1 and 2 threads", "[cam]") {
  const Model model = testing::conv_net(6);
  const Tensor x = testing::random_tensor(model.batch_shape(3), 7);
  const Tensor features = testing::random_tensor({3, 9, 4, 4}, 8, 0.0F, 1.0F);
  const std::vector<std::int64_t> targets{0, 2, 4};
  Context one(testing::naive_backend(), 1), two(testing::naive_backend(), 2);
  for (const std::int64_t batch : {1, 4, 0}) {
    const MaskSource masks = upsampled_unit_masks(features, 8, 8);
    const Tensor a = masked_scores(model, x, masks, targets, MaskScore::probability, batch, one);
    const Tensor b = masked_scores(model, x, masks, targets, MaskScore::probability, batch, two);
    CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
  }
}
