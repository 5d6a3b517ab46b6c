// LayerNormalization (opset 17) and the chain PyTorch exports for nn.LayerNorm before it (Note
// [decomposed layer norm]), both imported as one layer-norm layer; the chain's variants, its
// fallback to the plain ops, and ReduceMean over other axes. Values against direct loops.
#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.hpp"
#include "layer_norm_model.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;
using lumen::testing::layer_norm_by_definition;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;
using Ops = std::vector<std::string>;

// x [N, 2, 3, 4] -> `nodes` (reading "x", writing "ln") -> Flatten -> out.
ModelBuilder around(std::int64_t opset, const std::function<void(ModelBuilder&)>& nodes) {
  ModelBuilder b(opset);
  b.add_input("x", {"N", 2, 3, 4});
  nodes(b);
  b.add_node("Flatten", {"ln"}, {"out"}).add_output("out");
  return b;
}

struct ChainOptions {
  bool square_by_mul = false;  // Mul(d, d) instead of Pow(d, 2)
  bool epsilon_first = false;  // Add(epsilon, v)
  bool affine = true;          // the trailing Mul and Add
  Ints axes{-1};
};

// PyTorch's export of nn.LayerNorm at opsets 11/13, with its Constant nodes after the first
// ReduceMean.
void decomposed(ModelBuilder& b, const Tensor& weight, const Tensor& bias, ChainOptions o) {
  b.add_node("ReduceMean", {"x"}, {"m"}, {{"axes", o.axes}}, "ln_mean")
      .add_node("Sub", {"x", "m"}, {"d"});
  if (o.square_by_mul) {
    b.add_node("Mul", {"d", "d"}, {"p"});
  } else {
    b.add_node("Constant", {}, {"two"}, {{"value", Tensor({}, {2.0F})}})
        .add_node("Pow", {"d", "two"}, {"p"});
  }
  b.add_node("ReduceMean", {"p"}, {"v"}, {{"axes", o.axes}})
      .add_node("Constant", {}, {"eps"}, {{"value", Tensor({}, {1e-6F})}})
      .add_node("Add",
                o.epsilon_first ? std::vector<std::string>{"eps", "v"}
                                : std::vector<std::string>{"v", "eps"},
                {"ve"})
      .add_node("Sqrt", {"ve"}, {"s"})
      .add_node("Div", {"d", "s"}, {o.affine ? "n" : "ln"});
  if (o.affine) {
    b.add_initializer("weight", weight)
        .add_initializer("bias", bias)
        .add_node("Mul", {"n", "weight"}, {"scaled"})
        .add_node("Add", {"scaled", "bias"}, {"ln"});
  }
}

}  // namespace

TEST_CASE("LayerNormalization imports as one layer norm over the trailing axes", "[onnx]") {
  const Tensor x = random_tensor({2, 2, 3, 4}, 1, -2.0F, 2.0F);
  const Tensor scale = random_tensor({4}, 2, 0.5F, 1.5F), bias = random_tensor({4}, 3);
  const auto model = import_model(around(17, [&](ModelBuilder& b) {
    b.add_initializer("scale", scale)
        .add_initializer("bias", bias)
        .add_node("LayerNormalization", {"x", "scale", "bias"}, {"ln"},
                  {{"axis", -1}, {"epsilon", 1e-6}}, "norm");
  }));
  CHECK(op_types(model) == Ops{"Input", "LayerNormalization", "Flatten"});
  check_close(run(model, x), ref::flatten(layer_norm_by_definition(x, 4, scale, &bias, 1e-6)),
              1e-5);
  // Over the last two axes, without B, with the default epsilon; a scale of shape [1, 4]
  // broadcasts along the normalised axes.
  const Tensor row = random_tensor({1, 4}, 4, 0.5F, 1.5F);
  const auto two_axes = import_model(around(17, [&](ModelBuilder& b) {
    b.add_initializer("scale", row)
        .add_node("LayerNormalization", {"x", "scale"}, {"ln"}, {{"axis", 2}});
  }));
  check_close(run(two_axes, x), ref::flatten(layer_norm_by_definition(x, 12, row, nullptr, 1e-5)),
              1e-5);
}

TEST_CASE("LayerNormalization refuses the batch axis, a scale that does not fit and a read Mean",
          "[onnx]") {
  const auto error = [](const std::function<void(ModelBuilder&)>& nodes) {
    return import_error(around(17, nodes));
  };
  const auto node = Contains("node 'norm' (op 'LayerNormalization', opset 17)");
  CHECK_THAT(error([](ModelBuilder& b) {
               b.add_initializer("scale", Tensor({2, 3, 4}, 1.0F))
                   .add_node("LayerNormalization", {"x", "scale"}, {"ln"}, {{"axis", -4}}, "norm");
             }),
             node && Contains("axis -4") && Contains("batch"));
  CHECK_THAT(error([](ModelBuilder& b) {
               b.add_initializer("scale", Tensor({3}, 1.0F))
                   .add_node("LayerNormalization", {"x", "scale"}, {"ln"}, {}, "norm");
             }),
             node && Contains("Scale") && Contains("[3]") && Contains("[4]"));
  CHECK_THAT(error([](ModelBuilder& b) {
               b.add_initializer("scale", Tensor({4}, 1.0F))
                   .add_node("LayerNormalization", {"x", "scale"}, {"y", "mean"}, {}, "norm")
                   .add_node("Add", {"y", "mean"}, {"ln"});
             }),
             node && Contains("output 1 ('mean')"));
}

TEST_CASE("PyTorch's decomposed layer norm imports as one layer norm", "[onnx]") {
  const Tensor x = random_tensor({2, 2, 3, 4}, 5, -2.0F, 2.0F);
  const Tensor weight = random_tensor({4}, 6, 0.5F, 1.5F), bias = random_tensor({4}, 7);
  const Tensor ones({4}, 1.0F);
  for (const auto& o :
       {ChainOptions{}, ChainOptions{true, false, true, {-1}},
        ChainOptions{false, true, false, {-1}}, ChainOptions{true, true, true, {3}}}) {
    CAPTURE(o.square_by_mul, o.epsilon_first, o.affine);
    const auto model =
        import_model(around(13, [&](ModelBuilder& b) { decomposed(b, weight, bias, o); }));
    CHECK(op_types(model) == Ops{"Input", "LayerNormalization", "Flatten"});
    CHECK(model.graph().find("ln_mean"));
    const Tensor expected = o.affine ? layer_norm_by_definition(x, 4, weight, &bias, 1e-6)
                                     : layer_norm_by_definition(x, 4, ones, nullptr, 1e-6);
    check_close(run(model, x), ref::flatten(expected), 1e-5);
  }
  // Over the last two axes.
  const Tensor plane = random_tensor({3, 4}, 8, 0.5F, 1.5F), plane_bias = random_tensor({3, 4}, 9);
  ChainOptions two;
  two.axes = {-2, -1};
  const auto model =
      import_model(around(11, [&](ModelBuilder& b) { decomposed(b, plane, plane_bias, two); }));
  CHECK(op_types(model) == Ops{"Input", "LayerNormalization", "Flatten"});
  check_close(run(model, x),
              ref::flatten(layer_norm_by_definition(x, 12, plane, &plane_bias, 1e-6)), 1e-5);
}

TEST_CASE("a layer-norm chain with another reader falls back to the plain ops", "[onnx]") {
  // The variance v is also read by the output: the chain is not a layer norm; stopping before the
  // Sqrt keeps every op importable on its own.
  const Tensor x = random_tensor({1, 2, 3, 4}, 10, -2.0F, 2.0F);
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 3, 4})
      .add_node("ReduceMean", {"x"}, {"m"}, {{"axes", Ints{-1}}}, "mean")
      .add_node("Sub", {"x", "m"}, {"d"})
      .add_node("Mul", {"d", "d"}, {"p"})
      .add_node("ReduceMean", {"p"}, {"v"}, {{"axes", Ints{-1}}, {"keepdims", 0}}, "variance")
      .add_node("Flatten", {"v"}, {"out"})
      .add_output("out");
  const auto model = import_model(b);
  CHECK(op_types(model) == Ops{"Input", "ReduceMean", "Sub", "Mul", "ReduceMean", "Flatten"});
  Tensor expected({1, 6});
  for (I g = 0; g < 6; ++g) {
    double mean = 0.0, var = 0.0;
    for (I i = 0; i < 4; ++i) mean += x[g * 4 + i] / 4.0;
    for (I i = 0; i < 4; ++i) var += std::pow(x[g * 4 + i] - mean, 2) / 4.0;
    expected[g] = static_cast<float>(var);
  }
  check_close(run(model, x), expected, 1e-5);
}

TEST_CASE("ReduceMean over non-spatial axes is a mean layer", "[onnx]") {
  const Tensor x = random_tensor({2, 2, 3, 4}, 11);
  for (const int keepdims : {0, 1}) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 3, 4})
        .add_node("ReduceMean", {"x"}, {"m"}, {{"axes", Ints{1, -1}}, {"keepdims", keepdims}},
                  "mean")
        .add_node("Flatten", {"m"}, {"out"})
        .add_output("out");
    const auto model = import_model(b);
    CHECK(op_types(model) == Ops{"Input", "ReduceMean", "Flatten"});
    Tensor expected({2, 3});
    for (I n = 0; n < 2; ++n) {
      for (I h = 0; h < 3; ++h) {
        double total = 0.0;
        for (I c = 0; c < 2; ++c) {
          for (I w = 0; w < 4; ++w) total += x[((n * 2 + c) * 3 + h) * 4 + w];
        }
        expected[n * 3 + h] = static_cast<float>(total / 8.0);
      }
    }
    check_close(run(model, x), expected, 1e-6);
  }
}
