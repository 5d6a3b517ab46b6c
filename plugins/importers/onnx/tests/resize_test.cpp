// Upsample, Resize and ConvTranspose: each form the opsets write (scales as attribute or input,
// sizes folded from Shape/Slice/Concat, auto_pad and output_shape), with PyTorch's values or the
// core layer with explicit parameters, and the refusals naming the node.
#include <catch2/catch.hpp>
#include <functional>

#include "gradcheck.hpp"
#include "lumen/conv_transpose.hpp"
#include "naive_backend.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;

namespace {

using I = std::int64_t;
using V = std::vector<float>;
using onnx_writer::Attribute;
using onnx_writer::Floats;

Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (I i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}

// x [N, 1, 2, 3] -> op(x, extra inputs) -> Flatten -> out; `before` adds nodes ahead of it.
ModelBuilder resize_model(int opset, const std::string& op, std::vector<std::string> inputs,
                          std::vector<Attribute> attributes,
                          const std::function<void(ModelBuilder&)>& before = {}) {
  ModelBuilder b(opset);
  b.add_input("x", {"N", 1, 2, 3}).add_initializer("roi", {0}, {});
  if (before) before(b);
  inputs.insert(inputs.begin(), "x");
  b.add_node(op, inputs, {"y"}, attributes, "resize")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  return b;
}

// Scales as input 1 (Upsample-9, Resize-10) or 2 (Resize-11 after roi).
ModelBuilder scales_model(int opset, const std::string& op, Floats scales,
                          std::vector<Attribute> attributes) {
  auto b = resize_model(
      opset, op, opset < 11 ? std::vector<std::string>{"s"} : std::vector<std::string>{"roi", "s"},
      std::move(attributes));
  b.add_initializer("s", {static_cast<I>(scales.size())}, scales);
  return b;
}

void check_values(const ModelBuilder& b, const V& want) {
  const auto model = import_model(b);
  const auto y = run(model, iota({2, 1, 2, 3}));
  REQUIRE(y.size() == 2 * static_cast<I>(want.size()));
  for (I i = 0; i < y.size(); ++i) {
    const auto n = i / static_cast<I>(want.size());
    CHECK(y[i] == Approx(want[static_cast<std::size_t>(i) % want.size()] + 6.0F * n));
  }
}

// PyTorch's nearest upsampling by 2 of [[0, 1, 2], [3, 4, 5]].
const V nearest2{0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5};

}  // namespace

TEST_CASE("Upsample-9 and Resize-10 read their scales", "[onnx][resize]") {
  check_values(scales_model(9, "Upsample", {1, 1, 2, 2}, {{"mode", "nearest"}}), nearest2);
  check_values(scales_model(10, "Resize", {1, 1, 2, 2}, {}), nearest2);
  // Linear before opset 11 maps coordinates asymmetrically: o / scale, clamped at the edge.
  check_values(scales_model(9, "Upsample", {1, 1, 1, 2}, {{"mode", "linear"}}),
               {0, 0.5, 1, 1.5, 2, 2, 3, 3.5, 4, 4.5, 5, 5});
  CHECK(op_types(import_model(scales_model(9, "Upsample", {1, 1, 2, 2}, {}))) ==
        std::vector<std::string>{"Input", "Upsample", "Flatten"});
}

TEST_CASE("Resize 11 and 13 with scales or sizes match PyTorch's F.interpolate", "[onnx][resize]") {
  const std::vector<Attribute> nearest{{"mode", "nearest"},
                                       {"coordinate_transformation_mode", "asymmetric"},
                                       {"nearest_mode", "floor"}};
  check_values(scales_model(11, "Resize", {1, 1, 2, 2}, nearest), nearest2);
  check_values(scales_model(13, "Resize", {1, 1, 2, 2}, nearest), nearest2);
  // F.interpolate(scale_factor=1.7, mode="bilinear", align_corners=False), as torch writes it.
  check_values(
      scales_model(13, "Resize", {1, 1, 1.7F, 1.7F},
                   {{"mode", "linear"}, {"coordinate_transformation_mode", "pytorch_half_pixel"}}),
      {0, 0.382353, 0.970588, 1.558824, 2, 1.147059, 1.529412, 2.117647, 2.705883, 3.147059,
       2.911765, 3.294118, 3.882353, 4.470589, 4.911765});
  // F.interpolate(size=(3, 5), align_corners=True): sizes from Shape -> Slice -> Concat, as torch
  // writes them (the batch is symbolic), at opset 11 with an empty scales tensor.
  for (int opset : {11, 13}) {
    ModelBuilder b(opset);
    b.add_input("x", {"N", 1, 2, 3})
        .add_initializer("start", IntTensor{{1}, Ints{0}})
        .add_initializer("stop", IntTensor{{1}, Ints{2}})
        .add_initializer("hw", IntTensor{{2}, Ints{3, 5}})
        .add_initializer("roi", {0}, {})
        .add_initializer("none", {0}, {})
        .add_node("Shape", {"x"}, {"shape"})
        .add_node("Slice", {"shape", "start", "stop"}, {"nc"})
        .add_node("Concat", {"nc", "hw"}, {"sizes"}, {{"axis", 0}})
        .add_node("Resize", {"x", "roi", "none", "sizes"}, {"y"},
                  {{"mode", "linear"}, {"coordinate_transformation_mode", "align_corners"}},
                  "resize")
        .add_node("Flatten", {"y"}, {"out"})
        .add_output("out");
    INFO("opset " << opset);
    check_values(b, {0, 0.5, 1, 1.5, 2, 1.5, 2, 2.5, 3, 3.5, 3, 3.5, 4, 4.5, 5});
  }
}

TEST_CASE("Resize refusals name the node and the reason", "[onnx][resize]") {
  CHECK_THAT(import_error(scales_model(13, "Resize", {1, 1, 2, 2}, {{"mode", "cubic"}})),
             Contains("node 'resize'") && Contains("mode 'cubic' is not supported"));
  CHECK_THAT(import_error(scales_model(13, "Resize", {1, 2, 2, 2}, {})),
             Contains("node 'resize'") && Contains("resize the batch or channel axis"));
  CHECK_THAT(import_error(scales_model(9, "Upsample", {2, 1, 2, 2}, {})),
             Contains("node 'resize'") && Contains("scales must be 1"));
  CHECK_THAT(import_error(scales_model(13, "Resize", {1, 1, 2},
                                       {{"coordinate_transformation_mode", "half_pixel"}})),
             Contains("four values"));
  CHECK_THAT(import_error(scales_model(13, "Resize", {1, 1, 2, 2},
                                       {{"coordinate_transformation_mode", "tf_crop_and_resize"}})),
             Contains("'tf_crop_and_resize' is not supported"));
  const auto computed = resize_model(13, "Resize", {"", "r"}, {},
                                     [](ModelBuilder& b) { b.add_node("Relu", {"x"}, {"r"}); });
  CHECK_THAT(import_error(computed), Contains("node 'resize'") && Contains("must be a constant"));
  auto both = resize_model(13, "Resize", {"", "s", "z"}, {});
  both.add_initializer("s", {4}, {1, 1, 2, 2}).add_initializer("z", IntTensor{{4}, {1, 1, 4, 6}});
  CHECK_THAT(import_error(both), Contains("exactly one of scales and sizes"));
  auto channels = resize_model(13, "Resize", {"", "", "z"}, {});
  channels.add_initializer("z", IntTensor{{4}, {1, 2, 4, 6}});
  CHECK_THAT(import_error(channels), Contains("node 'resize'") && Contains("channel axis"));
}

namespace {

// x [N, 4, 3, 3] -> ConvTranspose(w [4, 2, 3, 3], b [4], group 2) -> Flatten -> out.
ModelBuilder conv_transpose_model(const Tensor& w, const Tensor& bias,
                                  std::vector<Attribute> attributes) {
  ModelBuilder b(13);
  attributes.emplace_back("group", 2);
  b.add_input("x", {"N", 4, 3, 3})
      .add_initializer("w", w)
      .add_initializer("b", bias)
      .add_node("ConvTranspose", {"x", "w", "b"}, {"y"}, attributes, "up")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  return b;
}

}  // namespace

TEST_CASE("ConvTranspose imports pads, output_padding, auto_pad and output_shape",
          "[onnx][resize]") {
  const Tensor w = lumen::testing::random_tensor({4, 2, 3, 3}, 1);
  const Tensor bias = lumen::testing::random_tensor({4}, 2);
  const Tensor x = lumen::testing::random_tensor({2, 4, 3, 3}, 3);
  struct Case {
    std::vector<Attribute> attributes;
    I stride;
    std::array<I, 4> pads;
    std::array<I, 2> output_padding;
    std::array<I, 2> dilation;
  };
  const std::vector<Case> cases{
      // torch.nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
      // dilation=2): out = 2 * 2 + 1 + 5 - 2 = 8.
      {{{"strides", Ints{2, 2}},
        {"pads", Ints{1, 1, 1, 1}},
        {"output_padding", Ints{1, 1}},
        {"dilations", Ints{2, 2}}},
       2,
       {1, 1, 1, 1},
       {1, 1},
       {2, 2}},
      // SAME_UPPER: out = 3 * 2 = 6 of 7, the odd pad after; SAME_LOWER before.
      {{{"strides", Ints{2, 2}}, {"auto_pad", "SAME_UPPER"}}, 2, {0, 0, 1, 1}, {0, 0}, {1, 1}},
      {{{"strides", Ints{2, 2}}, {"auto_pad", "SAME_LOWER"}}, 2, {1, 1, 0, 0}, {0, 0}, {1, 1}},
      // output_shape 5x8 of 7x7: pads 2 (split 1, 1) in H; 8 > 7 adds output padding in W.
      {{{"strides", Ints{2, 2}}, {"output_shape", Ints{5, 8}}}, 2, {1, 0, 1, 0}, {0, 1}, {1, 1}},
      {{{"auto_pad", "VALID"}}, 1, {0, 0, 0, 0}, {0, 0}, {1, 1}},
  };
  for (const auto& c : cases) {
    const auto model = import_model(conv_transpose_model(w, bias, c.attributes));
    ConvTranspose2dParams p;
    p.weight = w;
    p.bias = bias;
    p.stride = {c.stride, c.stride};
    p.pads = c.pads;
    p.output_padding = c.output_padding;
    p.dilation = c.dilation;
    p.groups = 2;
    const auto layer = make_conv_transpose2d(p);
    INFO(layer->describe());
    const auto& node = model.graph().node(model.graph().at("y"));
    CHECK(node.layer->describe() == layer->describe());
    const auto want = lumen::testing::forward_of(*layer, {x}, *lumen::testing::naive_backend());
    check_close(run(model, x),
                Tensor({2, want.size() / 2},
                       std::vector<float>(want.values().begin(), want.values().end())));
  }
  CHECK_THAT(import_error(conv_transpose_model(w, bias, {{"output_padding", Ints{1, 1}}})),
             Contains("node 'up'") && Contains("smaller than the stride"));
}
