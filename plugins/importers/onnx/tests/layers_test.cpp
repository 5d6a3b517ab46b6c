// One op at a time: attributes and opset variants mapped onto lumen layers, checked against
// hand-computed values (or the plain-loop reference where hand computation is impractical).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "gradcheck.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;
using lumen::testing::random_tensor;

namespace {

using onnx_writer::Attribute;

Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i + 1);
  return t;
}

// x [N, shape...] -> op(x) with `attributes` -> Flatten -> output (a classifier needs [N, K]).
ModelBuilder single_op(const std::string& op, const std::vector<onnx_writer::Dim>& shape,
                       const std::vector<Attribute>& attributes, std::int64_t opset = 13) {
  ModelBuilder b(opset);
  b.add_input("x", shape)
      .add_node(op, {"x"}, {"y"}, attributes, "op")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  return b;
}

Tensor flat(const Tensor& t) { return ref::flatten(t); }

}  // namespace

TEST_CASE("Conv auto_pad places the odd padding as ONNX specifies", "[onnx]") {
  // A 2x2 sum over x = [[1,2,3],[4,5,6],[7,8,9]]: SAME pads one row and column in total.
  const auto run_with = [](const std::string& auto_pad) {
    ModelBuilder b(13);
    b.add_input("x", {1, 1, 3, 3})
        .add_initializer("w", Tensor({1, 1, 2, 2}, 1.0F))
        .add_node("Conv", {"x", "w"}, {"y"}, {{"auto_pad", auto_pad}})
        .add_node("Flatten", {"y"}, {"out"})
        .add_output("out");
    return run(import_model(b), iota({1, 1, 3, 3}));
  };
  check_close(run_with("SAME_UPPER"), Tensor({1, 9}, {12, 16, 9, 24, 28, 15, 15, 17, 9}));
  check_close(run_with("SAME_LOWER"), Tensor({1, 9}, {1, 3, 5, 5, 12, 16, 11, 24, 28}));
  check_close(run_with("VALID"), Tensor({1, 4}, {12, 16, 24, 28}));
  check_close(run_with("NOTSET"), Tensor({1, 4}, {12, 16, 24, 28}));
}

TEST_CASE("Conv strides, dilations, groups and pads match the reference", "[onnx]") {
  const auto w = random_tensor({4, 2, 3, 2}, 41), bias = random_tensor({4}, 42);
  ModelBuilder b(9);
  b.add_input("x", {"N", 4, 9, 8})
      .add_initializer("w", w)
      .add_initializer("b", bias)
      .add_node("Conv", {"x", "w", "b"}, {"y"},
                {{"strides", Ints{2, 1}},
                 {"dilations", Ints{1, 2}},
                 {"group", 2},
                 {"pads", Ints{1, 0, 2, 1}},
                 {"kernel_shape", Ints{3, 2}}})
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  b.check();
  const auto x = random_tensor({2, 4, 9, 8}, 43);
  ref::Window g;
  g.sh = 2;
  g.dw = 2;
  g.pt = 1;
  g.pb = 2;
  g.pr = 1;
  check_close(run(import_model(b), x),
              flat(ref::conv2d(x, w, {bias.values().begin(), bias.values().end()}, g, 2)));
}

TEST_CASE("MaxPool supports ceil_mode, dilations and auto_pad", "[onnx]") {
  const Tensor x({1, 1, 1, 5}, {1, 5, 2, 4, 3});
  const auto pool = [&](std::vector<Attribute> attributes) {
    attributes.emplace_back("kernel_shape", Ints{1, 2});
    const auto y = run(import_model(single_op("MaxPool", {1, 1, 1, 5}, attributes)), x);
    return std::vector<float>(y.values().begin(), y.values().end());
  };
  using V = std::vector<float>;
  CHECK_THAT((pool({{"strides", Ints{1, 2}}})), Catch::Matchers::Equals(V{5, 4}));
  CHECK_THAT((pool({{"strides", Ints{1, 2}}, {"ceil_mode", 1}})),
             Catch::Matchers::Equals(V{5, 4, 3}));
  CHECK_THAT((pool({{"dilations", Ints{1, 2}}})), Catch::Matchers::Equals(V{2, 5, 3}));
  CHECK_THAT((pool({{"strides", Ints{1, 2}}, {"auto_pad", "SAME_UPPER"}})),
             Catch::Matchers::Equals(V{5, 4, 3}));
  CHECK_THAT((pool({{"strides", Ints{1, 2}}, {"auto_pad", "SAME_LOWER"}})),
             Catch::Matchers::Equals(V{1, 5, 4}));
}

TEST_CASE("AveragePool honours count_include_pad", "[onnx]") {
  const std::vector<Attribute> base{
      {"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}};
  auto include = base;
  include.emplace_back("count_include_pad", 1);
  const auto x = iota({1, 1, 3, 3});
  check_close(run(import_model(single_op("AveragePool", {1, 1, 3, 3}, base)), x),
              Tensor({1, 4}, {1, 2.5F, 5.5F, 7}));
  check_close(run(import_model(single_op("AveragePool", {1, 1, 3, 3}, include)), x),
              Tensor({1, 4}, {0.25F, 1.25F, 2.75F, 7}));
}

TEST_CASE("GlobalAveragePool averages each channel", "[onnx]") {
  const auto x = iota({2, 2, 2, 2});
  check_close(run(import_model(single_op("GlobalAveragePool", {"N", 2, 2, 2}, {})), x),
              Tensor({2, 2}, {2.5F, 6.5F, 10.5F, 14.5F}));
}

TEST_CASE("Gemm folds transB, alpha and beta into the linear layer", "[onnx]") {
  // x = [1, 2]; op(B) = [[1,0,1],[0,1,1]]; y = 2 * x op(B) + 0.5 C.
  const auto gemm = [](bool trans_b, const Tensor& c) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 1, 1})
        .add_initializer(
            "B", trans_b ? Tensor({3, 2}, {1, 0, 0, 1, 1, 1}) : Tensor({2, 3}, {1, 0, 1, 0, 1, 1}))
        .add_initializer("C", c)
        .add_node("Flatten", {"x"}, {"f"})
        .add_node("Gemm", {"f", "B", "C"}, {"y"},
                  {{"transB", trans_b ? 1 : 0}, {"alpha", 2.0}, {"beta", 0.5}})
        .add_output("y");
    return run(import_model(b), Tensor({1, 2, 1, 1}, {1, 2}));
  };
  const Tensor row({3}, {10, 20, 30});
  check_close(gemm(true, row), Tensor({1, 3}, {7, 14, 21}));
  check_close(gemm(false, row), Tensor({1, 3}, {7, 14, 21}));
  check_close(gemm(false, Tensor({1, 3}, {10, 20, 30})), Tensor({1, 3}, {7, 14, 21}));
  check_close(gemm(true, Tensor({1}, {4})), Tensor({1, 3}, {4, 6, 8}));
}

TEST_CASE("MatMul followed by Add of a constant is one linear layer", "[onnx]") {
  // x = [1, 2]; B = [[1, 2], [3, 4]]: x B = [7, 10].
  const auto build = [](bool with_add, bool extra_reader) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 1, 1})
        .add_initializer("B", Tensor({2, 2}, {1, 2, 3, 4}))
        .add_initializer("c", Tensor({2}, {1, -1}))
        .add_node("Flatten", {"x"}, {"f"})
        .add_node("MatMul", {"f", "B"}, {"m"}, {}, "mm");
    if (with_add) b.add_node("Add", {"m", "c"}, {"y"}, {}, "add");
    if (extra_reader) b.add_node("Relu", {"m"}, {"unused"});
    b.add_output(with_add ? "y" : "m");
    return import_model(b);
  };
  const Tensor x({1, 2, 1, 1}, {1, 2});

  const auto fused = build(true, false);
  CHECK(op_types(fused) == std::vector<std::string>{"Input", "Flatten", "Gemm"});
  CHECK(fused.graph().node(fused.graph().output()).name == "mm");
  check_close(run(fused, x), Tensor({1, 2}, {8, 9}));

  const auto plain = build(false, false);
  CHECK(op_types(plain) == std::vector<std::string>{"Input", "Flatten", "Gemm"});
  check_close(run(plain, x), Tensor({1, 2}, {7, 10}));

  // With a second reader of the MatMul output, the Add stays a node of its own.
  const auto separate = build(true, true);
  CHECK(separate.graph().find("add"));
  check_close(run(separate, x), Tensor({1, 2}, {8, 9}));
}

TEST_CASE("element-wise activations use their ONNX defaults", "[onnx]") {
  const Tensor x({1, 4, 1, 1}, {-2, -0.5F, 0, 3});
  const auto act = [&](const std::string& op, const std::vector<Attribute>& attributes = {}) {
    return run(import_model(single_op(op, {"N", 4, 1, 1}, attributes)), x);
  };
  check_close(act("Relu"), Tensor({1, 4}, {0, 0, 0, 3}));
  check_close(act("LeakyRelu"), Tensor({1, 4}, {-0.02F, -0.005F, 0, 3}));
  check_close(act("LeakyRelu", {{"alpha", 0.25}}), Tensor({1, 4}, {-0.5F, -0.125F, 0, 3}));
  check_close(act("Sigmoid"), ref::map(Tensor({1, 4}, {-2, -0.5F, 0, 3}),
                                       [](double v) { return 1 / (1 + std::exp(-v)); }));
  check_close(act("Tanh"),
              ref::map(Tensor({1, 4}, {-2, -0.5F, 0, 3}), [](double v) { return std::tanh(v); }));
}

TEST_CASE("HardSigmoid and HardSwish as ONNX defines them", "[onnx]") {
  const Tensor x({1, 6, 1, 1}, {-4, -3, -1, 0, 1.5F, 7});
  const Tensor values({1, 6}, {-4, -3, -1, 0, 1.5F, 7});
  const auto hard_sigmoid = [](double alpha, double beta) {
    return [=](double v) { return std::clamp(alpha * v + beta, 0.0, 1.0); };
  };
  const auto act = [&](const std::string& op, const std::vector<Attribute>& attributes,
                       std::int64_t opset) {
    const auto model = import_model(single_op(op, {"N", 6, 1, 1}, attributes, opset));
    CHECK(model.graph().node(model.graph().at("op")).layer->kind() == LayerKind::activation);
    return run(model, x);
  };
  check_close(act("HardSigmoid", {}, 13), ref::map(values, hard_sigmoid(0.2, 0.5)));
  check_close(act("HardSigmoid", {{"alpha", 0.5F}, {"beta", 0.25F}}, 9),
              ref::map(values, hard_sigmoid(0.5, 0.25)));
  for (const std::int64_t opset : {14, 17}) {
    check_close(act("HardSwish", {}, opset),
                ref::map(values, [&](double v) { return v * hard_sigmoid(1.0 / 6, 0.5)(v); }));
  }
  // HardSwish is an op from opset 14 on; before, the ONNX checker does not know it.
  CHECK_THAT(import_error(single_op("HardSwish", {"N", 6, 1, 1}, {}, 13)),
             Contains("the ONNX checker refused") && Contains("HardSwish"));
}

TEST_CASE("Clip reads its bounds from attributes before opset 11, from inputs after", "[onnx]") {
  const Tensor x({1, 5, 1, 1}, {-8, -1, 0.5F, 6, 9});
  const auto bounded = [](double low, double high) {
    return ref::map(Tensor({1, 5}, {-8, -1, 0.5F, 6, 9}),
                    [=](double v) { return std::clamp(v, low, high); });
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const std::int64_t opset : {9, 10}) {
    CAPTURE(opset);
    check_close(
        run(import_model(single_op("Clip", {"N", 5, 1, 1}, {{"min", 0.0F}, {"max", 6.0F}}, opset)),
            x),
        bounded(0, 6));
    check_close(run(import_model(single_op("Clip", {"N", 5, 1, 1}, {{"max", 0.0F}}, opset)), x),
                bounded(-inf, 0));
  }
  // Inputs: both, max only (min omitted by an empty name), min only, none.
  const auto with_inputs = [](std::int64_t opset, std::vector<std::string> inputs) {
    ModelBuilder b(opset);
    b.add_input("x", {"N", 5, 1, 1})
        .add_initializer("lo", Tensor({}, -1.0F))
        .add_initializer("hi", Tensor({}, 6.0F))
        .add_node("Clip", inputs, {"y"}, {}, "relu6")
        .add_node("Flatten", {"y"}, {"out"})
        .add_output("out");
    return b;
  };
  for (const std::int64_t opset : {11, 13, 17}) {
    CAPTURE(opset);
    check_close(run(import_model(with_inputs(opset, {"x", "lo", "hi"})), x), bounded(-1, 6));
    check_close(run(import_model(with_inputs(opset, {"x", "", "hi"})), x), bounded(-inf, 6));
    check_close(run(import_model(with_inputs(opset, {"x", "lo"})), x), bounded(-1, inf));
    check_close(run(import_model(with_inputs(opset, {"x"})), x), bounded(-inf, inf));
  }
  // A bound computed from the input is refused, naming the node and the bound.
  CHECK_THAT(import_error(with_inputs(13, {"x", "lo", "x"})),
             Contains("node 'relu6' (op 'Clip', opset 13)") && Contains("max (input 2)") &&
                 Contains("computed from the model input"));
  ModelBuilder vector_bound = with_inputs(13, {"x", "lo", "hi2"});
  vector_bound.add_initializer("hi2", Tensor({2}, {1, 2}));
  CHECK_THAT(import_error(vector_bound), Contains("max (input 2) must be one float"));
}

TEST_CASE("LRN divides by the local sum of squares", "[onnx]") {
  // One channel, size 1: y = x / (bias + alpha x^2)^beta.
  const auto model = import_model(
      single_op("LRN", {1, 1, 1, 2}, {{"size", 1}, {"alpha", 1.0}, {"beta", 1.0}, {"bias", 1.0}}));
  check_close(run(model, Tensor({1, 1, 1, 2}, {2, -1})), Tensor({1, 2}, {0.4F, -0.5F}));
}

TEST_CASE("Add of two activations and of an activation and a constant", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 2})
      .add_initializer("c", Tensor({1, 2, 1, 1}, {10, 20}))
      .add_node("Relu", {"x"}, {"r"})
      .add_node("Add", {"x", "r"}, {"s"}, {}, "residual")
      .add_node("Add", {"c", "s"}, {"t"}, {}, "shift")
      .add_node("Flatten", {"t"}, {"out"})
      .add_output("out");
  const auto model = import_model(b);
  // x + relu(x) + c, with c broadcast over H and W.
  check_close(run(model, Tensor({1, 2, 1, 2}, {-1, 2, 3, -4})), Tensor({1, 4}, {9, 14, 26, 16}));
}

TEST_CASE("Mul, Sub and Add of two activations broadcast as NumPy does", "[onnx]") {
  // Squeeze-and-excitation x * sigmoid(mean_hw(x)), SiLU x * sigmoid(x), and the differences
  // and sums of x with its channel means, the broadcast operand on either side.
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 2})
      .add_node("GlobalAveragePool", {"x"}, {"m"})
      .add_node("Sigmoid", {"m"}, {"g"})
      .add_node("Mul", {"x", "g"}, {"se"}, {}, "scale")
      .add_node("Sigmoid", {"x"}, {"s"})
      .add_node("Mul", {"s", "x"}, {"silu"}, {}, "silu")
      .add_node("Sub", {"m", "x"}, {"d"}, {}, "difference")
      .add_node("Add", {"d", "m"}, {"a"}, {}, "sum")
      .add_node("Concat", {"se", "silu", "d", "a"}, {"c"}, {{"axis", 1}})
      .add_node("Flatten", {"c"}, {"out"})
      .add_output("out");
  const auto model = import_model(b);
  const Tensor x({1, 2, 1, 2}, {-1, 3, 2, -4});
  const auto sigmoid = [](float v) { return 1.0F / (1.0F + std::exp(-v)); };
  const float m0 = 1, m1 = -1;  // channel means
  check_close(
      run(model, x),
      Tensor({1, 16}, {-1 * sigmoid(m0), 3 * sigmoid(m0), 2 * sigmoid(m1), -4 * sigmoid(m1),
                       -1 * sigmoid(-1), 3 * sigmoid(3), 2 * sigmoid(2), -4 * sigmoid(-4), m0 + 1,
                       m0 - 3, m1 - 2, m1 + 4, 2 * m0 + 1, 2 * m0 - 3, 2 * m1 - 2, 2 * m1 + 4}));
  CHECK(model.graph().node(model.graph().at("scale")).layer->op_type() == "Mul");
}

TEST_CASE("Concat joins activations along channels", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 1, 1, 2})
      .add_node("Relu", {"x"}, {"r"})
      .add_node("Concat", {"x", "r", "x"}, {"c"}, {{"axis", -3}})
      .add_node("Flatten", {"c"}, {"out"})
      .add_output("out");
  check_close(run(import_model(b), Tensor({1, 1, 1, 2}, {-1, 2})),
              Tensor({1, 6}, {-1, 2, 0, 2, -1, 2}));
}

TEST_CASE("Dropout and Identity pass values through", "[onnx]") {
  for (std::int64_t opset : {9, 10, 12, 13}) {
    ModelBuilder b(opset);
    b.add_input("x", {"N", 3, 1, 1})
        .add_node("Dropout", {"x"}, {"d", "mask"},
                  opset < 12 ? std::vector<Attribute>{{"ratio", 0.5}} : std::vector<Attribute>{})
        .add_node("Identity", {"d"}, {"i"})
        .add_node("Flatten", {"i"}, {"out"})
        .add_output("out");
    b.check();
    const auto model = import_model(b);
    CHECK(op_types(model) == std::vector<std::string>{"Input", "Dropout", "Identity", "Flatten"});
    check_close(run(model, Tensor({1, 3, 1, 1}, {-1, 2, 3})), Tensor({1, 3}, {-1, 2, 3}));
  }
}

TEST_CASE("Identity on an initializer aliases it", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 1})
      .add_initializer("w", Tensor({1, 2}, {3, 4}))
      .add_node("Identity", {"w"}, {"w_alias"})
      .add_node("Flatten", {"x"}, {"f"})
      .add_node("Gemm", {"f", "w_alias"}, {"y"}, {{"transB", 1}})
      .add_output("y");
  const auto model = import_model(b);
  CHECK(op_types(model) == std::vector<std::string>{"Input", "Flatten", "Gemm"});
  check_close(run(model, Tensor({1, 2, 1, 1}, {1, 2})), Tensor({1, 1}, {11}));
}

TEST_CASE("Pad reads its pads from an attribute before opset 11 and from inputs after", "[onnx]") {
  SECTION("opset 10: pads and value attributes") {
    const auto model = import_model(single_op(
        "Pad", {1, 1, 1, 2}, {{"pads", Ints{0, 0, 1, 0, 0, 0, 0, 1}}, {"value", 7.0}}, 10));
    check_close(run(model, Tensor({1, 1, 1, 2}, {1, 2})), Tensor({1, 6}, {7, 7, 7, 1, 2, 7}));
  }
  SECTION("opset 13: pads input, optional constant_value, reflect and edge") {
    const auto pad = [](const std::string& mode, bool with_value) {
      ModelBuilder b(13);
      b.add_input("x", {1, 1, 1, 3})
          .add_initializer("pads", IntTensor{{8}, Ints{0, 0, 0, 2, 0, 0, 0, 2}})
          .add_initializer("value", Tensor(Shape{}, std::vector<float>{-1}))
          .add_node("Pad", {"x", "pads", with_value ? "value" : ""}, {"y"}, {{"mode", mode}})
          .add_node("Flatten", {"y"}, {"out"})
          .add_output("out");
      return run(import_model(b), Tensor({1, 1, 1, 3}, {1, 2, 3}));
    };
    check_close(pad("constant", false), Tensor({1, 7}, {0, 0, 1, 2, 3, 0, 0}));
    check_close(pad("constant", true), Tensor({1, 7}, {-1, -1, 1, 2, 3, -1, -1}));
    check_close(pad("reflect", false), Tensor({1, 7}, {3, 2, 1, 2, 3, 2, 1}));
    check_close(pad("edge", false), Tensor({1, 7}, {1, 1, 1, 2, 3, 3, 3}));
  }
}

TEST_CASE("Softmax's default axis depends on the opset", "[onnx]") {
  const Tensor x({1, 3, 1, 1}, {1, 2, 3});
  const auto expected = ref::softmax_rows(Tensor({1, 3}, {1, 2, 3}));
  for (std::int64_t opset : {9, 11, 13, 17}) {
    ModelBuilder b(opset);
    b.add_input("x", {"N", 3, 1, 1})
        .add_node("Flatten", {"x"}, {"f"})
        .add_node("Softmax", {"f"}, {"p"})
        .add_output("p");
    const auto model = import_model(b);
    check_close(run(model, x), expected);
    // The Softmax is the output layer; the logits are its input.
    check_close(logits(model, x), Tensor({1, 3}, {1, 2, 3}));
  }
}

TEST_CASE("BatchNormalization normalises each channel", "[onnx]") {
  for (std::int64_t opset : {9, 14}) {
    ModelBuilder b(opset);
    b.add_input("x", {"N", 2, 1, 1})
        .add_initializer("scale", Tensor({2}, {2, 1}))
        .add_initializer("bias", Tensor({2}, {1, 0}))
        .add_initializer("mean", Tensor({2}, {1, -1}))
        .add_initializer("var", Tensor({2}, {4, 0.25F}))
        .add_node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"},
                  {{"epsilon", 0.0}})
        .add_node("Flatten", {"y"}, {"out"})
        .add_output("out");
    // (5 - 1) / 2 * 2 + 1 = 5 and (0 + 1) / 0.5 = 2.
    check_close(run(import_model(b), Tensor({1, 2, 1, 1}, {5, 0})), Tensor({1, 2}, {5, 2}));
  }
}

TEST_CASE("initializers may store their values in typed fields", "[onnx]") {
  ModelBuilder b(13);
  b.set_tensor_storage(onnx_writer::TensorStorage::typed_fields)
      .add_input("x", {"N", 2, 1, 1})
      .add_initializer("w", Tensor({1, 2}, {3, 4}))
      .add_initializer("shape", IntTensor{{2}, Ints{0, -1}})
      .add_node("Reshape", {"x", "shape"}, {"f"})
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", 1}})
      .add_output("y");
  check_close(run(import_model(b), Tensor({1, 2, 1, 1}, {1, 2})), Tensor({1, 1}, {11}));
}
