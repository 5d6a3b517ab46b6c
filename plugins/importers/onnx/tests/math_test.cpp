// Element-wise functions, quotients of activations, GELU written out by PyTorch, and MatMul over
// the last or second-to-last axis.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "gradcheck.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using lumen::testing::random_tensor;

namespace {

Tensor scalar(float v) { return Tensor(Shape{}, std::vector<float>{v}); }

// The values of `t` with another shape.
Tensor with_shape(const Tensor& t, Shape shape) {
  return Tensor(std::move(shape), std::vector<float>(t.values().begin(), t.values().end()));
}

double gelu(double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }

double gelu_tanh(double v) {
  return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
}

}  // namespace

TEST_CASE("Erf, Sqrt, Pow, Reciprocal, Exp, Abs and Neg apply element-wise", "[onnx]") {
  const Tensor x({1, 4, 1, 1}, {0.25F, 0.5F, 2, 3});
  const auto unary = [&](const std::string& op, double (*f)(double), bool with_exponent = false) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 4, 1, 1}).add_initializer("e", scalar(1.5F));
    std::vector<std::string> inputs{"x"};
    if (with_exponent) inputs.push_back("e");
    b.add_node(op, inputs, {"y"}, {}, "op").add_node("Flatten", {"y"}, {"out"}).add_output("out");
    const auto model = import_model(b);
    CAPTURE(op);
    check_close(run(model, x), ref::map(with_shape(x, {1, 4}), f), 1e-5);
  };
  unary("Erf", [](double v) { return std::erf(v); });
  unary("Sqrt", [](double v) { return std::sqrt(v); });
  unary(
      "Pow", [](double v) { return std::pow(v, 1.5); }, true);
  unary("Reciprocal", [](double v) { return 1 / v; });
  unary("Exp", [](double v) { return std::exp(v); });
  unary("Abs", [](double v) { return std::fabs(v); });
  unary("Neg", [](double v) { return -v; });

  // Of constants they are folded: x / sqrt(4) ^ 2 = x / 4.
  ModelBuilder b(13);
  b.add_input("x", {"N", 4, 1, 1})
      .add_initializer("four", scalar(4))
      .add_initializer("two", scalar(2))
      .add_node("Sqrt", {"four"}, {"s"})
      .add_node("Pow", {"s", "two"}, {"p"})
      .add_node("Div", {"x", "p"}, {"y"})
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  const auto folded = import_model(b);
  CHECK(op_types(folded) == std::vector<std::string>{"Input", "Mul", "Flatten"});
  check_close(run(folded, x), Tensor({1, 4}, {0.0625F, 0.125F, 0.5F, 0.75F}));
}

TEST_CASE("Div of two activations broadcasts, and c / x is a scaled reciprocal", "[onnx]") {
  // x / (1 + sigmoid(mean_hw(x))) and 2 / x.
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 2})
      .add_initializer("one", scalar(1))
      .add_initializer("two", scalar(2))
      .add_node("GlobalAveragePool", {"x"}, {"m"})
      .add_node("Sigmoid", {"m"}, {"g"})
      .add_node("Add", {"g", "one"}, {"s"})
      .add_node("Div", {"x", "s"}, {"q"}, {}, "normalise")
      .add_node("Div", {"two", "x"}, {"r"}, {}, "ratio")
      .add_node("Concat", {"q", "r"}, {"c"}, {{"axis", 1}})
      .add_node("Flatten", {"c"}, {"out"})
      .add_output("out");
  const auto model = import_model(b);
  const Tensor x({1, 2, 1, 2}, {-1, 3, 2, -4});
  const auto s = [](float m) { return 1.0F + 1.0F / (1.0F + std::exp(-m)); };
  check_close(run(model, x),
              Tensor({1, 8}, {-1 / s(1), 3 / s(1), 2 / s(-1), -4 / s(-1), -2, 2.0F / 3, 1, -0.5F}));
  CHECK(model.graph().node(model.graph().at("normalise")).layer->op_type() == "Div");
  CHECK(model.graph().node(model.graph().at("ratio")).layer->op_type() == "Mul");
  CHECK(model.graph().node(model.graph().at("ratio/reciprocal")).layer->op_type() == "Reciprocal");
}

TEST_CASE("GELU written out in elementary ops imports as one Gelu activation", "[onnx]") {
  const Tensor x({1, 2, 1, 3}, {-2, -0.5F, 0, 0.7F, 1.5F, 3});
  const Tensor xf = with_shape(x, {1, 6});
  const auto with_x = [](ModelBuilder& b) {
    b.add_input("x", {"N", 2, 1, 3}).add_node("Relu", {"x"}, {"relu"});
  };
  const auto finish = [](ModelBuilder& b, const std::string& gelu) {
    b.add_node("Flatten", {gelu}, {"f"}).add_node("Add", {"f", "zero"}, {"out"}).add_output("out");
    b.add_initializer("zero", scalar(0));
  };
  // torch 1.13: Div(x, sqrt 2) -> Erf -> Add(., 1) -> Mul(x, .) -> Mul(., 0.5), the constants as
  // Constant nodes placed just before their readers; the input is Conv-like (the Relu's sum with
  // x keeps x's negative values). Other writers halve x first, before the Div or after the Erf in
  // the file.
  enum class Half { last, before_div, after_erf };
  const auto torch_erf = [&](bool constants_first, Half half, bool multiply) {
    ModelBuilder b(13);
    with_x(b);
    const auto add_half = [&] {
      b.add_node("Constant", {}, {"c_half"}, {{"value", scalar(0.5F)}})
          .add_node("Mul", {constants_first ? "c_half" : "a", constants_first ? "a" : "c_half"},
                    {"h"}, {}, "half");
    };
    b.add_node("Add", {"x", "relu"}, {"a"});
    b.add_node("Constant", {}, {"c_scale"},
               {{"value", scalar(multiply ? 0.70710678F : 1.4142135F)}});
    if (half == Half::before_div) add_half();
    b.add_node(multiply ? "Mul" : "Div", {"a", "c_scale"}, {"d"}, {}, "gelu_scale")
        .add_node("Erf", {"d"}, {"e"});
    if (half == Half::after_erf) add_half();
    b.add_node("Constant", {}, {"c_one"}, {{"value", scalar(1)}})
        .add_node("Add", {constants_first ? "c_one" : "e", constants_first ? "e" : "c_one"}, {"p"})
        .add_node("Mul", {half == Half::last ? "a" : "h", "p"}, {"m"});
    if (half == Half::last) {
      b.add_node("Constant", {}, {"c_half"}, {{"value", scalar(0.5F)}})
          .add_node("Mul", {constants_first ? "c_half" : "m", constants_first ? "m" : "c_half"},
                    {"g"});
    }
    finish(b, half == Half::last ? "g" : "m");
    return import_model(b);
  };
  Tensor a = x;
  for (auto& v : a.values()) v = v + std::max(v, 0.0F);
  const Tensor af = with_shape(a, {1, 6});
  for (const bool constants_first : {false, true}) {
    for (const Half half : {Half::last, Half::before_div, Half::after_erf}) {
      for (const bool multiply : {false, true}) {
        CAPTURE(constants_first, static_cast<int>(half), multiply);
        const auto model = torch_erf(constants_first, half, multiply);
        CHECK(op_types(model) ==
              std::vector<std::string>{"Input", "Relu", "Add", "Gelu", "Flatten", "Add"});
        check_close(run(model, x), ref::map(af, gelu), 1e-6);
      }
    }
  }

  // torch 1.13's gelu(approximate='tanh').
  ModelBuilder t(17);
  with_x(t);
  t.add_node("Add", {"x", "relu"}, {"a"})
      .add_node("Mul", {"a", "a"}, {"sq"}, {}, "gelu_square")
      .add_node("Mul", {"a", "sq"}, {"cube"})
      .add_node("Constant", {}, {"c0"}, {{"value", scalar(0.044715F)}})
      .add_node("Mul", {"c0", "cube"}, {"sc"})
      .add_node("Add", {"a", "sc"}, {"in"})
      .add_node("Constant", {}, {"c1"}, {{"value", scalar(0.7978846F)}})
      .add_node("Mul", {"c1", "in"}, {"k"})
      .add_node("Tanh", {"k"}, {"th"})
      .add_node("Constant", {}, {"c2"}, {{"value", scalar(1)}})
      .add_node("Add", {"c2", "th"}, {"p"})
      .add_node("Mul", {"a", "p"}, {"m"})
      .add_node("Constant", {}, {"c3"}, {{"value", scalar(0.5F)}})
      .add_node("Mul", {"c3", "m"}, {"g"});
  finish(t, "g");
  const auto tanh_model = import_model(t);
  CHECK(op_types(tanh_model) ==
        std::vector<std::string>{"Input", "Relu", "Add", "Gelu", "Flatten", "Add"});
  CHECK(tanh_model.graph().node(tanh_model.graph().at("gelu_square")).layer->describe() ==
        "approximate tanh");
  check_close(run(tanh_model, x), ref::map(af, gelu_tanh), 1e-6);

  // When an intermediate tensor has another reader, the ops stay separate (and still compute GELU).
  ModelBuilder shared(13);
  shared.add_input("x", {"N", 2, 1, 3})
      .add_initializer("sqrt2", scalar(1.4142135F))
      .add_initializer("one", scalar(1))
      .add_initializer("half", scalar(0.5F))
      .add_node("Div", {"x", "sqrt2"}, {"d"})
      .add_node("Erf", {"d"}, {"e"})
      .add_node("Add", {"e", "one"}, {"p"})
      .add_node("Mul", {"x", "p"}, {"m"})
      .add_node("Mul", {"m", "half"}, {"g"})
      .add_node("Add", {"g", "e"}, {"ge"});
  finish(shared, "ge");
  const auto separate = import_model(shared);
  CHECK(op_types(separate) == std::vector<std::string>{"Input", "Mul", "Erf", "Add", "Mul", "Mul",
                                                       "Add", "Flatten", "Add"});
  check_close(run(separate, x),
              ref::map(xf, [](double v) { return gelu(v) + std::erf(v / std::sqrt(2.0)); }), 1e-6);
}

TEST_CASE("MatMul by a constant applies over the last axis of any rank, bias on either side",
          "[onnx]") {
  // x [N,2,1,3] -> Transpose to [N,1,3,2] -> MatMul [2,4] -> Add bias -> Transpose back.
  const Tensor w = random_tensor({2, 4}, 3);
  const Tensor bias = random_tensor({4}, 4);
  const Tensor x = random_tensor({2, 2, 1, 3}, 5);
  // The expected output in NCHW order: y[n, o, 0, j] = sum_c x[n, c, 0, j] w[c, o] + bias[o].
  Tensor expected({2, 4 * 3});
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t o = 0; o < 4; ++o) {
      for (std::int64_t j = 0; j < 3; ++j) {
        float v = bias[o];
        for (std::int64_t c = 0; c < 2; ++c) v += x[(n * 2 + c) * 3 + j] * w[c * 4 + o];
        expected[n * 12 + o * 3 + j] = v;
      }
    }
  }
  for (const bool bias_first : {false, true}) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 1, 3})
        .add_initializer("W", w)
        .add_initializer("b", with_shape(bias, {1, 1, 4}))
        .add_node("Transpose", {"x"}, {"t"}, {{"perm", Ints{0, 2, 3, 1}}})
        .add_node("MatMul", {"t", "W"}, {"m"}, {}, "mm")
        .add_node("Add", {bias_first ? "b" : "m", bias_first ? "m" : "b"}, {"a"})
        .add_node("Transpose", {"a"}, {"back"}, {{"perm", Ints{0, 3, 1, 2}}})
        .add_node("Flatten", {"back"}, {"out"})
        .add_output("out");
    const auto model = import_model(b);
    CAPTURE(bias_first);
    CHECK(op_types(model) ==
          std::vector<std::string>{"Input", "Transpose", "Gemm", "Transpose", "Flatten"});
    check_close(run(model, x), expected, 1e-5);
  }

  // A 1-D B drops the last axis: x [N,2,1,3] x v [3] = [N,2,1].
  ModelBuilder v(13);
  v.add_input("x", {"N", 2, 1, 3})
      .add_initializer("v", Tensor({3}, {1, -2, 0.5F}))
      .add_node("MatMul", {"x", "v"}, {"m"}, {}, "dot")
      .add_node("Flatten", {"m"}, {"out"})
      .add_output("out");
  Tensor dots({2, 2});
  for (std::int64_t r = 0; r < 4; ++r) dots[r] = x[r * 3] - 2 * x[r * 3 + 1] + 0.5F * x[r * 3 + 2];
  check_close(run(import_model(v), x), dots, 1e-5);
}

TEST_CASE("MatMul of a constant matrix by an activation applies over its second-to-last axis",
          "[onnx]") {
  // A [3,2] x x [N,1,2,3] (K = 2) = [N,1,3,3].
  const Tensor a = random_tensor({3, 2}, 7);
  const Tensor x = random_tensor({2, 1, 2, 3}, 8);
  ModelBuilder b(13);
  b.add_input("x", {"N", 1, 2, 3})
      .add_initializer("A", a)
      .add_node("MatMul", {"A", "x"}, {"m"}, {}, "mm")
      .add_node("Flatten", {"m"}, {"out"})
      .add_output("out");
  Tensor expected({2, 9});
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t p = 0; p < 3; ++p) {
      for (std::int64_t j = 0; j < 3; ++j) {
        float v = 0;
        for (std::int64_t k = 0; k < 2; ++k) v += a[p * 2 + k] * x[n * 6 + k * 3 + j];
        expected[n * 9 + p * 3 + j] = v;
      }
    }
  }
  const auto model = import_model(b);
  CHECK(op_types(model) ==
        std::vector<std::string>{"Input", "Transpose", "Gemm", "Transpose", "Flatten"});
  check_close(run(model, x), expected, 1e-5);
}
