// Transpose, ReduceMean, Squeeze, Unsqueeze, Cast and arithmetic with constants, one op at a time,
// and the NHWC rule (Note [NHWC views]) at its boundaries; hand-computed values throughout.
#include <algorithm>
#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;
using V = std::vector<float>;
using Ops = std::vector<std::string>;

// The ops of a branching graph, in an order that does not depend on the topological sort.
Ops sorted_ops(const Model& model) {
  auto ops = op_types(model);
  std::sort(ops.begin(), ops.end());
  return ops;
}

Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (I i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i + 1);
  return t;
}

V values(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// x [N, 2, 1, 2] -> `op`(x, c) or `op`(c, x) -> Flatten -> out.
ModelBuilder with_constant(const std::string& op, const Tensor& c, bool constant_first) {
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 2})
      .add_initializer("c", c)
      .add_node(
          op,
          constant_first ? std::vector<std::string>{"c", "x"} : std::vector<std::string>{"x", "c"},
          {"y"}, {}, "op")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  return b;
}

}  // namespace

TEST_CASE("arithmetic with a constant on either side maps to affine layers", "[onnx]") {
  const Tensor x({1, 2, 1, 2}, {1, 2, 3, 4});
  const Tensor per_channel({2, 1, 1}, {2, -4});
  const auto run_op = [&](const std::string& op, bool constant_first) {
    const auto model = import_model(with_constant(op, per_channel, constant_first));
    return std::make_pair(op_types(model), values(run(model, x)));
  };
  CHECK(run_op("Mul", false) == std::make_pair(Ops{"Input", "Mul", "Flatten"}, V{2, 4, -12, -16}));
  CHECK(run_op("Mul", true) == std::make_pair(Ops{"Input", "Mul", "Flatten"}, V{2, 4, -12, -16}));
  CHECK(run_op("Add", true) == std::make_pair(Ops{"Input", "Add", "Flatten"}, V{3, 4, -1, 0}));
  CHECK(run_op("Sub", false) == std::make_pair(Ops{"Input", "Add", "Flatten"}, V{-1, 0, 7, 8}));
  // c - x: a negation step named after the node, then the constant.
  CHECK(run_op("Sub", true) ==
        std::make_pair(Ops{"Input", "Mul", "Add", "Flatten"}, V{1, 0, -7, -8}));
  CHECK(run_op("Div", false) ==
        std::make_pair(Ops{"Input", "Mul", "Flatten"}, V{0.5F, 1, -0.75F, -1}));
  const auto model = import_model(with_constant("Sub", per_channel, true));
  CHECK(model.graph().node(model.graph().at("op/neg")).layer->op_type() == "Mul");
  CHECK(model.graph().node(model.graph().at("y")).name == "op");

  // Mul by a constant is linear for the LRP rules; a scalar and a last-axis constant broadcast.
  CHECK(model.graph().node(model.graph().at("op/neg")).layer->as_linear() != nullptr);
  check_close(run(import_model(with_constant("Mul", Tensor(Shape{}, V{3}), false)), x),
              Tensor({1, 4}, {3, 6, 9, 12}));
  check_close(run(import_model(with_constant("Div", Tensor({2}, {2, 4}), false)), x),
              Tensor({1, 4}, {0.5F, 0.5F, 1.5F, 1}));
}

TEST_CASE("arithmetic between constants is folded, integers included", "[onnx]") {
  // w = (a * b - c) / d folded into a Gemm weight; the Reshape target is computed from Shape.
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 2, 1})
      .add_initializer("a", Tensor({2, 1}, {1, 2}))
      .add_initializer("b", Tensor({4}, {1, 2, 3, 4}))
      .add_initializer("c", Tensor(Shape{}, V{1}))
      .add_initializer("d", Tensor({1, 4}, {2, 2, 2, 2}))
      .add_node("Mul", {"a", "b"}, {"ab"})
      .add_node("Sub", {"ab", "c"}, {"abc"})
      .add_node("Div", {"abc", "d"}, {"w"})
      .add_initializer("one", IntTensor{{1}, Ints{1}})
      .add_initializer("two", IntTensor{{}, Ints{2}})
      .add_initializer("three", IntTensor{{}, Ints{3}})
      .add_initializer("zero", IntTensor{{1}, Ints{0}})
      .add_node("Shape", {"x"}, {"s"})
      .add_node("Gather", {"s", "one"}, {"channels"})
      // (2 * 2 + 3) / 2 = 3 with integer division, minus 1 plus 2 -> 4 = 2 * 2 * 1.
      .add_node("Mul", {"channels", "two"}, {"t1"})
      .add_node("Add", {"t1", "three"}, {"t2"})
      .add_node("Div", {"t2", "two"}, {"t3"})
      .add_node("Sub", {"t3", "one"}, {"t4"})
      .add_node("Add", {"t4", "two"}, {"features"})
      .add_node("Concat", {"zero", "features"}, {"target"}, {{"axis", 0}})
      .add_node("Reshape", {"x", "target"}, {"f"})
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", 1}})
      .add_output("y");
  b.check();
  const auto model = import_model(b);
  CHECK(op_types(model) == Ops{"Input", "Reshape", "Gemm"});
  // w = [[0, 0.5, 1, 1.5], [0.5, 1.5, 2.5, 3.5]].
  check_close(run(model, Tensor({1, 2, 2, 1}, {1, 1, 1, 2})), Tensor({1, 2}, {4.5F, 11.5F}));
}

TEST_CASE("Transpose of an activation, of a constant and of the batch-free axes", "[onnx]") {
  SECTION("an activation: a Transpose layer in NHWC flattening order") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 2, 3})
        .add_node("Transpose", {"x"}, {"t"}, {{"perm", Ints{0, 2, 3, 1}}}, "to_nhwc")
        .add_node("Flatten", {"t"}, {"out"})
        .add_output("out");
    const auto model = import_model(b);
    CHECK(op_types(model) == Ops{"Input", "Transpose", "Flatten"});
    // x[c][h][w] = 1..12; the output lists (h, w, c) in order.
    check_close(run(model, iota({1, 2, 2, 3})),
                Tensor({1, 12}, {1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12}));
  }
  SECTION("a constant: folded") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 3, 1, 1})
        .add_initializer("w_t", Tensor({3, 2}, {1, 4, 2, 5, 3, 6}))
        .add_node("Transpose", {"w_t"}, {"w"})
        .add_node("Flatten", {"x"}, {"f"})
        .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", 1}})
        .add_output("y");
    const auto model = import_model(b);
    CHECK(op_types(model) == Ops{"Input", "Flatten", "Gemm"});
    // w = [[1,2,3],[4,5,6]] (the default perm reverses the axes).
    check_close(run(model, Tensor({1, 3, 1, 1}, {1, 0, -1})), Tensor({1, 2}, {-2, -2}));
  }
}

TEST_CASE("ReduceMean over the spatial axes is global average pooling", "[onnx]") {
  const auto x = iota({2, 2, 2, 2});  // per channel means 2.5, 6.5, 10.5, 14.5
  const auto reduce = [&](const onnx_writer::Dim& c, const Ints& axes, int keepdims, bool flatten) {
    ModelBuilder b(13);
    b.add_input("x", {"N", c, 2, 2})
        .add_node("ReduceMean", {"x"}, {"m"}, {{"axes", axes}, {"keepdims", keepdims}}, "mean");
    if (flatten) b.add_node("Flatten", {"m"}, {"out"});
    b.add_output(flatten ? "out" : "m");
    return import_model(b);
  };
  for (const auto& axes : {Ints{2, 3}, Ints{-1, -2}, Ints{3, 2}}) {
    const auto kept = reduce(I{2}, axes, 1, true);
    CHECK(op_types(kept) == Ops{"Input", "GlobalAveragePool", "Flatten"});
    check_close(run(kept, x), Tensor({2, 2}, {2.5F, 6.5F, 10.5F, 14.5F}));
    const auto dropped = reduce(I{2}, axes, 0, false);
    CHECK(op_types(dropped) == Ops{"Input", "GlobalAveragePool", "Flatten"});
    CHECK(dropped.graph().node(dropped.graph().at("mean")).layer->op_type() == "Flatten");
    CHECK(dropped.graph().find("mean/pool"));
    check_close(run(dropped, x), Tensor({2, 2}, {2.5F, 6.5F, 10.5F, 14.5F}));
  }
  // Over axes [1, 2] of a tensor lumen cannot tell is NHWC: an exact Transpose + pooling.
  // x viewed as [N, H=2, W=2, C=2]: per-sample means of elements {1,3,5,7} and {2,4,6,8}.
  const auto nhwc = reduce(I{2}, Ints{1, 2}, 0, false);
  CHECK(op_types(nhwc) == Ops{"Input", "Transpose", "GlobalAveragePool", "Flatten"});
  check_close(run(nhwc, x), Tensor({2, 2}, {4, 5, 12, 13}));
  const auto nhwc_kept = reduce(I{2}, Ints{1, 2}, 1, true);
  check_close(run(nhwc_kept, x), Tensor({2, 2}, {4, 5, 12, 13}));
}

TEST_CASE("a Transpose to NHWC before ReduceMean leaves no node when it has no other reader",
          "[onnx]") {
  // conv-like input [N, 2, 2, 2] -> Transpose [0,2,3,1] -> readers.
  const auto x = iota({1, 2, 2, 2});
  const auto build = [](bool second_reader) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 2, 2})
        .add_node("Relu", {"x"}, {"r"})
        .add_node("Transpose", {"r"}, {"t"}, {{"perm", Ints{0, 2, 3, 1}}}, "to_nhwc")
        .add_node("ReduceMean", {"t"}, {"m"}, {{"axes", Ints{1, 2}}, {"keepdims", 0}}, "gap");
    if (second_reader) {
      // A reader that needs the NHWC tensor itself (Flatten in NHWC order).
      b.add_node("Flatten", {"t"}, {"f"}).add_node("Concat", {"m", "f"}, {"out"}, {{"axis", 1}});
    } else {
      // Readers that take the view: a Transpose back, and another spatial mean.
      b.add_node("Transpose", {"t"}, {"back"}, {{"perm", Ints{0, 3, 1, 2}}})
          .add_node("Transpose", {"t"}, {"cwh"}, {{"perm", Ints{0, 3, 2, 1}}})
          .add_node("Flatten", {"back"}, {"fb"})
          .add_node("Flatten", {"cwh"}, {"fc"})
          .add_node("Concat", {"m", "fb", "fc"}, {"out"}, {{"axis", 1}});
    }
    b.add_output("out");
    return import_model(b);
  };
  const auto folded = build(false);
  CHECK(sorted_ops(folded) == Ops{"Concat", "Flatten", "Flatten", "Flatten", "GlobalAveragePool",
                                  "Input", "Relu", "Transpose"});
  CHECK_FALSE(folded.graph().find("to_nhwc"));
  // means 2.5, 6.5; x itself; x with H and W swapped per channel.
  check_close(run(folded, x),
              Tensor({1, 18}, {2.5F, 6.5F, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 2, 4, 5, 7, 6, 8}));
  const auto kept = build(true);
  CHECK(sorted_ops(kept) == Ops{"Concat", "Flatten", "Flatten", "GlobalAveragePool", "Input",
                                "Relu", "Transpose", "Transpose"});
  check_close(run(kept, x), Tensor({1, 10}, {2.5F, 6.5F, 1, 5, 2, 6, 3, 7, 4, 8}));
}

TEST_CASE("an NHWC input is fed as NCHW only when every path turns it into NCHW", "[onnx]") {
  const auto build = [](bool other_reader) {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 3, 4})  // NHWC: H 2, W 3, C 4
        .add_initializer("scale", Tensor({4}, {1, 2, 3, 4}))
        .add_node("Mul", {"x", "scale"}, {"s"}, {}, "scale")
        .add_node("Transpose", {"s"}, {"t"}, {{"perm", Ints{0, 3, 1, 2}}}, "to_nchw")
        .add_node("Flatten", {"t"}, {"f"});
    if (other_reader) {
      b.add_node("Flatten", {"x"}, {"raw"})
          .add_node("Concat", {"f", "raw"}, {"out"}, {{"axis", 1}});
    }
    b.add_output(other_reader ? "out" : "f");
    return import_model(b);
  };
  // x (NHWC) holds 1..24; fed as NCHW it is x transposed; scale multiplies channel c by c + 1.
  Tensor nhwc = iota({1, 2, 3, 4});
  Tensor nchw({1, 4, 2, 3});
  Tensor expected({1, 24});
  for (I c = 0; c < 4; ++c) {
    for (I p = 0; p < 6; ++p) {
      nchw[c * 6 + p] = nhwc[p * 4 + c];
      expected[c * 6 + p] = nhwc[p * 4 + c] * static_cast<float>(c + 1);
    }
  }
  const auto folded = build(false);
  CHECK(folded.input_spec().sample_shape == Shape{4, 2, 3});
  CHECK(op_types(folded) == Ops{"Input", "Mul", "Flatten"});
  check_close(run(folded, nchw), expected);

  // Another reader of the input: lumen cannot know the layout, so it reads the input as it is.
  const auto as_is = build(true);
  CHECK(as_is.input_spec().sample_shape == Shape{2, 3, 4});
  CHECK(sorted_ops(as_is) == Ops{"Concat", "Flatten", "Flatten", "Input", "Mul", "Transpose"});
  const auto out = run(as_is, nhwc);
  for (I i = 0; i < 24; ++i) {
    CHECK(out[i] == expected[i]);
    CHECK(out[24 + i] == nhwc[i]);
  }
}

TEST_CASE("Squeeze and Unsqueeze reshape activations and fold constants", "[onnx]") {
  for (I opset : {11, 13}) {
    INFO("opset " << opset);
    ModelBuilder b(opset);
    b.add_input("x", {"N", 3, 1, 1});
    const auto axes = [&](const std::string& name, const Ints& values) {
      if (opset < 13) return std::vector<onnx_writer::Attribute>{{"axes", values}};
      b.add_initializer(name, IntTensor{{static_cast<I>(values.size())}, values});
      return std::vector<onnx_writer::Attribute>{};
    };
    const auto inputs = [&](const std::string& x, const std::string& name) {
      return opset < 13 ? std::vector<std::string>{x} : std::vector<std::string>{x, name};
    };
    b.add_initializer("bias", Tensor({3}, {10, 20, 30}));
    const auto squeeze_axes = axes("squeeze_axes", {2, -1});
    const auto unsqueeze_axes = axes("unsqueeze_axes", {1, 3});
    const auto bias_axes = axes("bias_axes", {0});
    b.add_node("Squeeze", inputs("x", "squeeze_axes"), {"s"}, squeeze_axes, "squeeze")
        .add_node("Unsqueeze", inputs("s", "unsqueeze_axes"), {"u"}, unsqueeze_axes, "unsqueeze")
        .add_node("Flatten", {"u"}, {"f"})
        .add_node("Unsqueeze", inputs("bias", "bias_axes"), {"bias2"}, bias_axes)
        .add_node("Squeeze", {"bias2"}, {"bias1"})
        .add_node("Add", {"f", "bias1"}, {"out"})
        .add_output("out");
    b.check();
    const auto model = import_model(b);
    CHECK(op_types(model) == Ops{"Input", "Reshape", "Reshape", "Flatten", "Add"});
    CHECK(model.graph().node(model.graph().at("s")).output_shape == Shape{1, 3});
    CHECK(model.graph().node(model.graph().at("u")).output_shape == Shape{1, 1, 3, 1});
    check_close(run(model, Tensor({2, 3, 1, 1}, {1, 2, 3, 4, 5, 6})),
                Tensor({2, 3}, {11, 22, 33, 14, 25, 36}));
  }
}

TEST_CASE("Cast of constants folds to FLOAT and INT64", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 2, 1})
      .add_initializer("target_f", Tensor({2}, {0, 4.7F}))
      .add_initializer("offset_i", IntTensor{{1}, Ints{-3}})
      .add_node("Cast", {"target_f"}, {"target"}, {{"to", 7}})  // INT64, truncating 4.7 to 4
      .add_node("Reshape", {"x", "target"}, {"f"})
      .add_node("Cast", {"offset_i"}, {"offset"}, {{"to", 1}})  // FLOAT
      .add_node("Add", {"f", "offset"}, {"out"})
      .add_output("out");
  b.check();
  const auto model = import_model(b);
  CHECK(op_types(model) == Ops{"Input", "Reshape", "Add"});
  check_close(run(model, iota({1, 2, 2, 1})), Tensor({1, 4}, {-2, -1, 0, 1}));
}

TEST_CASE("Cast of an activation to FLOAT is the identity", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 2})
      .add_node("Cast", {"x"}, {"same"}, {{"to", 1}})
      .add_node("Flatten", {"same"}, {"out"})
      .add_output("out");
  const auto model = import_model(b);
  CHECK(op_types(model) == Ops{"Input", "Flatten"});
  check_close(run(model, iota({2, 2, 1, 2})), iota({2, 4}));
}
