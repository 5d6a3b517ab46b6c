// Small networks in the shapes of LeNet, VGG and ResNet, written with lumen_onnx_writer,
// imported, run on the naive backend and compared with plain-loop reference computations.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using lumen::testing::random_tensor;

namespace {

std::vector<float> values(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// Positive values (variances, LRN-friendly scales).
Tensor positive(Shape shape, std::uint64_t seed) {
  return random_tensor(std::move(shape), seed, 0.5F, 1.5F);
}

}  // namespace

TEST_CASE("a LeNet-like network matches the reference computation", "[onnx]") {
  const auto c1_w = random_tensor({4, 1, 3, 3}, 1), c1_b = random_tensor({4}, 2);
  const auto c2_w = random_tensor({6, 4, 2, 2}, 3);
  const auto fc1_w = random_tensor({10, 24}, 4), fc1_b = random_tensor({10}, 5);
  const auto fc2_w = random_tensor({10, 3}, 6), fc2_c = random_tensor({3}, 7);

  ModelBuilder b(13);
  b.add_input("x", {"N", 1, 12, 12})
      .add_initializer("c1_w", c1_w)
      .add_initializer("c1_b", c1_b)
      .add_initializer("c2_w", c2_w)
      .add_initializer("fc1_w", fc1_w)
      .add_initializer("fc1_b", fc1_b)
      .add_initializer("fc2_w", fc2_w)
      .add_node("Conv", {"x", "c1_w", "c1_b"}, {"c1"}, {{"kernel_shape", Ints{3, 3}}}, "conv1")
      .add_node("Relu", {"c1"}, {"r1"})
      .add_node("MaxPool", {"r1"}, {"p1"}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})
      .add_node("Conv", {"p1", "c2_w"}, {"c2"}, {}, "conv2")
      .add_node("Relu", {"c2"}, {"r2"})
      .add_node("Dropout", {"r2"}, {"d2", "d2_mask"}, {}, "dropout")
      .add_node("MaxPool", {"d2"}, {"p2"}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})
      .add_node("Flatten", {"p2"}, {"f"})
      .add_node("Gemm", {"f", "fc1_w", "fc1_b"}, {"g1"}, {{"transB", 1}}, "fc1")
      .add_node("Relu", {"g1"}, {"r3"})
      .add_node("Constant", {}, {"fc2_c"}, {{"value", fc2_c}})
      .add_node("Gemm", {"r3", "fc2_w", "fc2_c"}, {"scores"}, {{"alpha", 0.5}, {"beta", 2.0}},
                "fc2")
      .add_node("Softmax", {"scores"}, {"probs"}, {}, "softmax")
      .add_output("probs");
  b.check();
  const Model model = import_model(b);

  CHECK(model.input_spec().sample_shape == Shape{1, 12, 12});
  CHECK(model.class_count() == 3);
  CHECK(op_types(model) == std::vector<std::string>{"Input", "Conv", "Relu", "MaxPool", "Conv",
                                                    "Relu", "Dropout", "MaxPool", "Flatten", "Gemm",
                                                    "Relu", "Gemm", "Softmax"});
  // Unnamed nodes get "<op>_<index>"; every node is found by its output tensor too.
  CHECK(model.graph().node(model.graph().at("Relu_1")).output_name == "r1");
  CHECK(model.graph().at("c1") == model.graph().at("conv1"));
  CHECK(model.graph().at("probs") == model.graph().output());
  CHECK(model.graph().at("scores") == model.logits_node());

  const auto x = random_tensor({3, 1, 12, 12}, 8);
  ref::Window pool2;
  pool2.kh = pool2.kw = pool2.sh = pool2.sw = 2;
  auto h = ref::relu(ref::conv2d(x, c1_w, values(c1_b), {}));
  h = ref::max_pool(h, pool2);
  h = ref::relu(ref::conv2d(h, c2_w, {}, {}));
  h = ref::flatten(ref::max_pool(h, pool2));
  h = ref::relu(ref::linear(h, fc1_w, values(fc1_b)));
  // Gemm with transB = 0: weight = alpha * B^T, bias = beta * C.
  Tensor w2({3, 10});
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 10; ++j) w2[i * 10 + j] = 0.5F * fc2_w[j * 3 + i];
  }
  std::vector<float> b2;
  for (auto v : fc2_c.values()) b2.push_back(2.0F * v);
  const auto expected_logits = ref::linear(h, w2, b2);

  check_close(logits(model, x), expected_logits);
  check_close(run(model, x), ref::softmax_rows(expected_logits));
}

TEST_CASE("a VGG-like network with Pad, LRN and AveragePool matches the reference", "[onnx]") {
  const auto w1 = random_tensor({4, 3, 3, 3}, 11), b1 = random_tensor({4}, 12);
  const auto w2 = random_tensor({4, 4, 3, 3}, 13), b2 = random_tensor({4}, 14);
  const auto fc = random_tensor({5, 16}, 15), fc_b = random_tensor({5}, 16);
  const Ints spatial_pads{0, 0, 1, 1, 0, 0, 1, 1};

  // Opset 11: Pad takes its pads and value as inputs; Softmax's default axis is 1.
  ModelBuilder b(11);
  b.add_input("image", {1, 3, 6, 6})
      .add_initializer("pads", IntTensor{{8}, spatial_pads})
      .add_initializer("edge_pads", IntTensor{{8}, Ints{0, 0, 0, 0, 0, 0, 1, 1}})
      .add_initializer("w1", w1)
      .add_initializer("b1", b1)
      .add_initializer("w2", w2)
      .add_initializer("b2", b2)
      .add_initializer("fc", fc)
      .add_initializer("fc_b", fc_b)
      .add_initializer("flat", IntTensor{{2}, Ints{1, -1}})
      .add_node("Constant", {}, {"half"}, {{"value", Tensor(Shape{}, std::vector<float>{0.5F})}})
      .add_node("Pad", {"image", "pads", "half"}, {"padded"})
      .add_node("Conv", {"padded", "w1", "b1"}, {"c1"})
      .add_node("Relu", {"c1"}, {"r1"})
      .add_node("LRN", {"r1"}, {"n1"}, {{"size", 3}, {"alpha", 0.5}, {"beta", 0.75}, {"bias", 1.5}})
      .add_node("Pad", {"n1", "pads"}, {"reflected"}, {{"mode", "reflect"}})
      .add_node("Conv", {"reflected", "w2", "b2"}, {"c2"})
      .add_node("Relu", {"c2"}, {"r2"})
      .add_node("AveragePool", {"r2"}, {"a2"},
                {{"kernel_shape", Ints{3, 3}},
                 {"strides", Ints{2, 2}},
                 {"pads", Ints{1, 1, 1, 1}},
                 {"count_include_pad", 1}})
      .add_node("Pad", {"a2", "edge_pads"}, {"edged"}, {{"mode", "edge"}})
      .add_node("MaxPool", {"edged"}, {"m2"},
                {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})
      .add_node("Reshape", {"m2", "flat"}, {"f"})
      .add_node("Gemm", {"f", "fc", "fc_b"}, {"scores"}, {{"transB", 1}})
      .add_node("Softmax", {"scores"}, {"probs"})
      .add_output("probs");
  b.check();
  const Model model = import_model(b);

  // The export batch is 1, but the graph runs on any batch.
  const auto x = random_tensor({2, 3, 6, 6}, 17);
  auto h = ref::pad(x, {1, 1, 1, 1}, ref::PadMode::constant, 0.5F);
  h = ref::relu(ref::conv2d(h, w1, values(b1), {}));
  h = ref::lrn(h, 3, 0.5F, 0.75F, 1.5F);
  h = ref::pad(h, {1, 1, 1, 1}, ref::PadMode::reflect);
  h = ref::relu(ref::conv2d(h, w2, values(b2), {}));
  ref::Window avg;
  avg.kh = avg.kw = 3;
  avg.sh = avg.sw = 2;
  avg.pt = avg.pl = avg.pb = avg.pr = 1;
  h = ref::avg_pool(h, avg, true);
  h = ref::pad(h, {0, 0, 1, 1}, ref::PadMode::edge);
  ref::Window pool2;
  pool2.kh = pool2.kw = pool2.sh = pool2.sw = 2;
  h = ref::flatten(ref::max_pool(h, pool2));
  const auto expected = ref::linear(h, fc, values(fc_b));

  check_close(logits(model, x), expected);
  check_close(run(model, x), ref::softmax_rows(expected));
}

TEST_CASE(
    "a ResNet-like block with BatchNormalization, a residual Add and Concat matches the "
    "reference",
    "[onnx]") {
  const auto stem = random_tensor({4, 2, 3, 3}, 21);
  const auto bn1 = std::vector<Tensor>{positive({4}, 22), random_tensor({4}, 23),
                                       random_tensor({4}, 24), positive({4}, 25)};
  const auto w2 = random_tensor({4, 4, 3, 3}, 26);
  const auto bn2 = std::vector<Tensor>{positive({4}, 27), random_tensor({4}, 28),
                                       random_tensor({4}, 29), positive({4}, 30)};
  const auto side = random_tensor({2, 4, 1, 1}, 31);
  const auto head = random_tensor({6, 4}, 32), head_b = random_tensor({4}, 33);
  const Ints pad1{1, 1, 1, 1};

  // Opset 15: BatchNormalization has training_mode; the flatten is PyTorch's
  // x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
  ModelBuilder b(15);
  b.add_input("x", {"batch", 2, 5, 5}).add_initializer("stem", stem).add_initializer("w2_init", w2);
  for (int i = 0; i < 4; ++i) {
    const std::string names[] = {"scale", "bias", "mean", "var"};
    b.add_initializer("bn1_" + names[i], bn1[static_cast<std::size_t>(i)]);
    b.add_initializer("bn2_" + names[i], bn2[static_cast<std::size_t>(i)]);
  }
  b.add_initializer("side", side)
      .add_initializer("head", head)
      .add_initializer("head_b", head_b)
      .add_initializer("zero", IntTensor{{}, Ints{0}})
      .add_initializer("axes", IntTensor{{1}, Ints{0}})
      .add_initializer("minus_one", IntTensor{{1}, Ints{-1}})
      .add_node("Conv", {"x", "stem"}, {"c1"}, {{"pads", pad1}})
      .add_node("BatchNormalization", {"c1", "bn1_scale", "bn1_bias", "bn1_mean", "bn1_var"},
                {"n1"}, {{"epsilon", 1e-3}, {"training_mode", 0}})
      .add_node("Relu", {"n1"}, {"a"})
      .add_node("Identity", {"w2_init"}, {"w2"})
      .add_node("Conv", {"a", "w2"}, {"c2"}, {{"auto_pad", "SAME_UPPER"}})
      .add_node("BatchNormalization", {"c2", "bn2_scale", "bn2_bias", "bn2_mean", "bn2_var"},
                {"n2"})
      .add_node("Add", {"n2", "a"}, {"sum"})
      .add_node("Relu", {"sum"}, {"s"})
      .add_node("Conv", {"s", "side"}, {"t"})
      .add_node("Concat", {"s", "t"}, {"cat"}, {{"axis", 1}})
      .add_node("GlobalAveragePool", {"cat"}, {"gap"})
      .add_node("Shape", {"gap"}, {"gap_shape"})
      .add_node("Gather", {"gap_shape", "zero"}, {"n"}, {{"axis", 0}})
      .add_node("Unsqueeze", {"n", "axes"}, {"n1d"})
      .add_node("Concat", {"n1d", "minus_one"}, {"target"}, {{"axis", 0}})
      .add_node("Reshape", {"gap", "target"}, {"flat"})
      .add_node("MatMul", {"flat", "head"}, {"mm"}, {}, "head_matmul")
      .add_node("Add", {"mm", "head_b"}, {"scores"}, {}, "head_add")
      .add_output("scores");
  b.check();
  const Model model = import_model(b);

  // The shape chain is folded away and MatMul + Add is one linear layer named after the MatMul.
  CHECK(op_types(model) == std::vector<std::string>{"Input", "Conv", "BatchNormalization", "Relu",
                                                    "Conv", "BatchNormalization", "Add", "Relu",
                                                    "Conv", "Concat", "GlobalAveragePool",
                                                    "Reshape", "Gemm"});
  CHECK(model.graph().node(model.graph().output()).name == "head_matmul");
  CHECK(model.graph().node(model.graph().output()).output_name == "scores");
  CHECK_FALSE(model.graph().find("head_add"));

  const auto x = random_tensor({3, 2, 5, 5}, 34);
  ref::Window same;
  same.pt = same.pl = same.pb = same.pr = 1;
  const auto v = [](const std::vector<Tensor>& p, int i) {
    return values(p[static_cast<std::size_t>(i)]);
  };
  const auto a = ref::relu(ref::batch_norm(ref::conv2d(x, stem, {}, same), v(bn1, 0), v(bn1, 1),
                                           v(bn1, 2), v(bn1, 3), 1e-3F));
  const auto n2 = ref::batch_norm(ref::conv2d(a, w2, {}, same), v(bn2, 0), v(bn2, 1), v(bn2, 2),
                                  v(bn2, 3), 1e-5F);
  const auto s = ref::relu(ref::add(n2, a));
  const auto cat = ref::concat_channels(s, ref::conv2d(s, side, {}, {}));
  const auto flat = ref::flatten(ref::global_avg_pool(cat));
  Tensor head_t({4, 6});
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 6; ++j) head_t[i * 6 + j] = head[j * 4 + i];
  }
  check_close(run(model, x), ref::linear(flat, head_t, values(head_b)));
}
