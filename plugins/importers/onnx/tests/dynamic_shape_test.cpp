// Models whose input leaves C, H or W open (symbolic, as torch.onnx.export's dynamic_axes writes
// them, or unknown): built for the requested input shape or the fallback, refused without one,
// and checked against the dims the file fixes.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "lumen/error.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;
using lumen::testing::random_tensor;

namespace {

using Ints = std::vector<std::int64_t>;

const Tensor conv_w = random_tensor({4, 3, 3, 3}, 1);
const Tensor conv_b = random_tensor({4}, 2);
const Tensor fc_w = random_tensor({5, 4}, 3);
const Tensor fc_b = random_tensor({5}, 4);

// x [batch,3,height,width] -> Conv 3x3 (pad 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm.
ModelBuilder conv_gap_gemm(std::vector<onnx_writer::Dim> input) {
  ModelBuilder b(13);
  b.add_input("x", std::move(input))
      .add_initializer("conv_w", conv_w)
      .add_initializer("conv_b", conv_b)
      .add_initializer("fc_w", fc_w)
      .add_initializer("fc_b", fc_b)
      .add_node("Conv", {"x", "conv_w", "conv_b"}, {"c"},
                {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}, "conv")
      .add_node("Relu", {"c"}, {"r"})
      .add_node("GlobalAveragePool", {"r"}, {"p"})
      .add_node("Flatten", {"p"}, {"f"})
      .add_node("Gemm", {"f", "fc_w", "fc_b"}, {"scores"}, {{"transB", 1}}, "fc")
      .add_output("scores");
  return b;
}

Tensor reference(const Tensor& x) {
  const std::vector<float> b(conv_b.values().begin(), conv_b.values().end());
  const std::vector<float> fb(fc_b.values().begin(), fc_b.values().end());
  ref::Window g;
  g.kh = g.kw = 3;
  g.pt = g.pl = g.pb = g.pr = 1;
  return ref::linear(ref::flatten(ref::global_avg_pool(ref::relu(ref::conv2d(x, conv_w, b, g)))),
                     fc_w, fb);
}

ImportOptions asking(Shape shape) { return {std::move(shape), {}}; }
ImportOptions falling_back_to(Shape shape) { return {{}, std::move(shape)}; }

}  // namespace

TEST_CASE("a model with dynamic H and W is built for the requested input shape",
          "[onnx][dynamic]") {
  const auto b = conv_gap_gemm({"batch", 3, "height", "width"});
  for (const auto& [options, sample] :
       {std::pair{asking({3, 8, 10}), Shape{3, 8, 10}}, std::pair{asking({12, 6}), Shape{3, 12, 6}},
        std::pair{falling_back_to({5, 7}), Shape{3, 5, 7}},
        // The fallback leaves the dims the file fixes as they are.
        std::pair{falling_back_to({1, 6, 9}), Shape{3, 6, 9}}}) {
    CAPTURE(to_string(sample));
    const Model model = import_model(b, "dynamic", options);
    CHECK(model.input_spec().sample_shape == sample);
    CHECK(model.graph().node(model.graph().at("c")).output_shape ==
          Shape{1, 4, sample[1], sample[2]});
    CHECK(model.class_count() == 5);
    const Tensor x = random_tensor({2, 3, sample[1], sample[2]}, 5);
    check_close(run(model, x), reference(x), 1e-4);
  }
}

TEST_CASE("a dynamic input without a shape is refused, naming its dynamic dims",
          "[onnx][dynamic]") {
  CHECK_THAT(import_error(conv_gap_gemm({"batch", 3, "height", "width"})),
             Contains("graph input 'x'") && Contains("[batch,3,height,width]") &&
                 Contains("dynamic H 'height', W 'width'") && Contains("--input-shape C,H,W"));
  // Unknown dims (neither a size nor a name), and an open C that H,W alone do not give.
  CHECK_THAT(import_error(conv_gap_gemm({"N", "", 8, ""}), asking({8, 8})),
             Contains("[N,?,8,?]") && Contains("dynamic C (unnamed)"));
  CHECK(import_model(conv_gap_gemm({"N", "", 8, ""}), "unknown", asking({3, 8, 8}))
            .input_spec()
            .sample_shape == Shape{3, 8, 8});
}

TEST_CASE("a requested shape must agree with the dims the model fixes", "[onnx][dynamic]") {
  CHECK_THAT(import_error(conv_gap_gemm({"batch", 3, "height", "width"}), asking({1, 8, 8})),
             Contains("fixing C = 3") && Contains("the requested input shape [1,8,8] differs"));
  const auto fixed = conv_gap_gemm({"N", 3, 6, 6});
  CHECK_THAT(import_error(fixed, asking({6, 7})),
             Contains("[N,3,6,6]") && Contains("fixing W = 6") && Contains("[6,7]"));
  CHECK(import_model(fixed, "fixed", asking({3, 6, 6})).input_spec().sample_shape ==
        Shape{3, 6, 6});
  // A fixed model ignores a fallback of another size (the input is resized to it).
  CHECK(import_model(fixed, "fixed", falling_back_to({9, 9})).input_spec().sample_shape ==
        Shape{3, 6, 6});
  // Malformed shapes are refused before the file is read.
  CHECK_THROWS_AS(import_model(fixed, "fixed", asking({3, 0, 6})), InvalidArgument);
  CHECK_THROWS_AS(import_model(fixed, "fixed", asking({1, 3, 6, 6})), InvalidArgument);
}

TEST_CASE("Shape, Gather and Concat of a dynamic input fold for the requested size",
          "[onnx][dynamic]") {
  // x.view(n, c, -1).view(n, c, h, w) with n, c, h, w read from x.shape, then GAP and Flatten.
  ModelBuilder b(13);
  b.add_input("x", {"batch", 2, "height", "width"})
      .add_initializer("i0", IntTensor{{}, Ints{0}})
      .add_initializer("i1", IntTensor{{}, Ints{1}})
      .add_initializer("i2", IntTensor{{}, Ints{2}})
      .add_initializer("i3", IntTensor{{}, Ints{3}})
      .add_initializer("axis0", IntTensor{{1}, Ints{0}})
      .add_initializer("rest", IntTensor{{1}, Ints{-1}})
      .add_node("Shape", {"x"}, {"s"});
  for (const char* d : {"0", "1", "2", "3"}) {
    const std::string i = d;
    b.add_node("Gather", {"s", "i" + i}, {"d" + i}, {{"axis", std::int64_t{0}}})
        .add_node("Unsqueeze", {"d" + i, "axis0"}, {"u" + i});
  }
  b.add_node("Concat", {"u0", "u1", "rest"}, {"flat_shape"}, {{"axis", std::int64_t{0}}})
      .add_node("Reshape", {"x", "flat_shape"}, {"flat"}, {}, "flatten_hw")
      .add_node("Concat", {"u0", "u1", "u2", "u3"}, {"image_shape"}, {{"axis", std::int64_t{0}}})
      .add_node("Reshape", {"flat", "image_shape"}, {"image"}, {}, "restore_hw")
      .add_node("GlobalAveragePool", {"image"}, {"p"})
      .add_node("Flatten", {"p"}, {"scores"})
      .add_output("scores");
  for (const auto& [h, w] : {std::pair<std::int64_t, std::int64_t>{4, 6}, {7, 3}}) {
    CAPTURE(h, w);
    const Model model = import_model(b, "shape_chain", asking({h, w}));
    CHECK(op_types(model) ==
          std::vector<std::string>{"Input", "Reshape", "Reshape", "GlobalAveragePool", "Flatten"});
    CHECK(model.graph().node(model.graph().at("flat")).output_shape == Shape{1, 2, h * w});
    CHECK(model.graph().node(model.graph().at("image")).output_shape == Shape{1, 2, h, w});
    const Tensor x = random_tensor({1, 2, h, w}, 6);
    check_close(run(model, x), ref::flatten(ref::global_avg_pool(x)));
  }
}

TEST_CASE("an NHWC input with dynamic H and W takes the requested C, H, W in NCHW order",
          "[onnx][dynamic]") {
  // Keras through tf2onnx: [N, height, width, 3] -> Transpose to NCHW -> GAP -> Flatten.
  ModelBuilder b(13);
  b.add_input("x", {"N", "height", "width", 3})
      .add_node("Transpose", {"x"}, {"x_nchw"}, {{"perm", Ints{0, 3, 1, 2}}})
      .add_node("GlobalAveragePool", {"x_nchw"}, {"p"})
      .add_node("Flatten", {"p"}, {"scores"})
      .add_output("scores");
  for (const auto& options : {asking({3, 5, 7}), asking({5, 7}), falling_back_to({5, 7})}) {
    const Model model = import_model(b, "nhwc", options);
    CHECK(model.input_spec().sample_shape == Shape{3, 5, 7});
    const Tensor x = random_tensor({1, 3, 5, 7}, 7);
    check_close(run(model, x), ref::flatten(ref::global_avg_pool(x)));
  }
  CHECK_THAT(import_error(b, asking({2, 5, 7})),
             Contains("[N,height,width,3]") && Contains("fixing C = 3"));
  CHECK_THAT(import_error(b), Contains("dynamic H 'height', W 'width'"));
}
