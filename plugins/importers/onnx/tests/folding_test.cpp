// Reshape targets and the shape computations exporters emit, folded at import time.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;
using lumen::testing::random_tensor;

namespace {

// x [batch, 2, 2, 2] -> Reshape(target) -> Flatten -> output.
ModelBuilder reshape_model(const onnx_writer::Dim& batch, const Ints& target) {
  ModelBuilder b(13);
  b.add_input("x", {batch, 2, 2, 2})
      .add_initializer("target", IntTensor{{static_cast<std::int64_t>(target.size())}, target})
      .add_node("Reshape", {"x", "target"}, {"r"}, {}, "reshape")
      .add_node("Flatten", {"r"}, {"y"})
      .add_output("y");
  return b;
}

const Shape& reshape_shape(const Model& model) {
  return model.graph().node(model.graph().at("reshape")).output_shape;
}

}  // namespace

TEST_CASE("Reshape's first entry must keep the batch", "[onnx]") {
  const auto x = random_tensor({3, 2, 2, 2}, 51);
  const auto flat = ref::flatten(x);
  const auto accepts = [&](const onnx_writer::Dim& batch, const Ints& target, const Shape& shape) {
    const auto model = import_model(reshape_model(batch, target));
    CHECK(reshape_shape(model) == shape);
    check_close(run(model, x), flat);
  };
  accepts("N", {0, -1}, {1, 8});
  accepts("N", {-1, 8}, {1, 8});
  accepts("N", {0, 2, -1}, {1, 2, 4});
  accepts("N", {-1, 4, 0}, {1, 4, 2});
  accepts(std::int64_t{1}, {1, -1}, {1, 8});
  accepts(std::int64_t{2}, {2, 4, 2}, {1, 4, 2});

  CHECK_THAT(import_error(reshape_model("N", {-1, 4})), Contains("changes the batch size"));
  CHECK_THAT(import_error(reshape_model(std::int64_t{1}, {2, -1})),
             Contains("node 'reshape' (op 'Reshape', opset 13)") && Contains("starts with 2"));
  CHECK_THAT(import_error(reshape_model("N", {1, -1})), Contains("starts with 1"));
  CHECK_THAT(import_error(reshape_model("N", {-1, -1})), Contains("infers both"));
}

TEST_CASE("Reshape reads a target from a Constant node", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 2, 2})
      .add_node("Constant", {}, {"target"}, {{"value_ints", Ints{0, 4, 2}}})
      .add_node("Reshape", {"x", "target"}, {"r"}, {}, "reshape")
      .add_node("Flatten", {"r"}, {"y"})
      .add_output("y");
  const auto model = import_model(b);
  CHECK(reshape_shape(model) == Shape{1, 4, 2});
}

TEST_CASE("PyTorch's x.view(x.size(0), -1) chain folds with a static batch too", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {1, 2, 2, 2})
      .add_node("Shape", {"x"}, {"s"})
      .add_node("Constant", {}, {"zero"}, {{"value", IntTensor{{}, Ints{0}}}})
      .add_node("Gather", {"s", "zero"}, {"n"})
      .add_node("Constant", {}, {"axes"}, {{"value", IntTensor{{1}, Ints{0}}}})
      .add_node("Unsqueeze", {"n", "axes"}, {"n1"})
      .add_node("Constant", {}, {"rest"}, {{"value", IntTensor{{1}, Ints{-1}}}})
      .add_node("Concat", {"n1", "rest"}, {"target"}, {{"axis", 0}})
      .add_node("Reshape", {"x", "target"}, {"y"}, {}, "reshape")
      .add_output("y");
  b.check();
  const auto model = import_model(b);
  CHECK(op_types(model) == std::vector<std::string>{"Input", "Reshape"});
  const auto x = random_tensor({2, 2, 2, 2}, 52);
  check_close(run(model, x), ref::flatten(x));
}

TEST_CASE("Shape start/end, negative Gather indices and Unsqueeze axes fold", "[onnx]") {
  SECTION("opset 15: Shape with start and end") {
    ModelBuilder b(15);
    b.add_input("x", {"N", 3, 2, 2})
        .add_initializer("zero", IntTensor{{1}, Ints{0}})
        .add_initializer("minus_one", IntTensor{{1}, Ints{-1}})
        .add_node("Shape", {"x"}, {"c"}, {{"start", 1}, {"end", -2}})
        .add_node("Concat", {"zero", "c", "minus_one"}, {"target"}, {{"axis", 0}})
        .add_node("Reshape", {"x", "target"}, {"r"}, {}, "reshape")
        .add_node("Flatten", {"r"}, {"y"})
        .add_output("y");
    b.check();
    CHECK(reshape_shape(import_model(b)) == Shape{1, 3, 4});
  }
  SECTION("opset 11: Gather -1 and Unsqueeze with an axes attribute") {
    ModelBuilder b(11);
    b.add_input("x", {"N", 3, 2, 2})
        .add_initializer("last", IntTensor{{}, Ints{-1}})
        .add_initializer("head", IntTensor{{2}, Ints{0, -1}})
        .add_node("Shape", {"x"}, {"s"})
        .add_node("Gather", {"s", "last"}, {"w"}, {{"axis", 0}})
        .add_node("Unsqueeze", {"w"}, {"w1"}, {{"axes", Ints{0}}})
        .add_node("Concat", {"head", "w1"}, {"target"}, {{"axis", 0}})
        .add_node("Reshape", {"x", "target"}, {"r"}, {}, "reshape")
        .add_node("Flatten", {"r"}, {"y"})
        .add_output("y");
    b.check();
    CHECK(reshape_shape(import_model(b)) == Shape{1, 6, 2});
  }
  SECTION("the batch size after the first entry is refused") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 2, 2})
        .add_initializer("zero", IntTensor{{1}, Ints{0}})
        .add_initializer("one", IntTensor{{1}, Ints{1}})
        .add_node("Shape", {"x"}, {"s"})
        .add_node("Gather", {"s", "zero"}, {"n"})
        .add_node("Concat", {"one", "n"}, {"target"}, {{"axis", 0}})
        .add_node("Reshape", {"x", "target"}, {"y"}, {}, "reshape")
        .add_output("y");
    CHECK_THAT(import_error(b), Contains("node 'reshape'") && Contains("[1,N]"));
  }
}

TEST_CASE("a Reshape of an initializer folds into a constant weight", "[onnx]") {
  ModelBuilder b(13);
  b.add_input("x", {"N", 3, 1, 1})
      .add_initializer("w_flat", Tensor({6}, {1, 2, 3, 4, 5, 6}))
      .add_initializer("w_shape", IntTensor{{2}, Ints{2, -1}})
      .add_node("Reshape", {"w_flat", "w_shape"}, {"w"})
      .add_node("Flatten", {"x"}, {"f"})
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", 1}})
      .add_output("y");
  const auto model = import_model(b);
  CHECK(op_types(model) == std::vector<std::string>{"Input", "Flatten", "Gemm"});
  // w = [[1,2,3],[4,5,6]], x = [1, 0, -1].
  check_close(run(model, Tensor({1, 3, 1, 1}, {1, 0, -1})), Tensor({1, 2}, {-2, -2}));
}

TEST_CASE("Reshape targets whose element count overflows 64 bits are refused", "[onnx]") {
  constexpr std::int64_t huge = std::int64_t{1} << 62;
  ModelBuilder folded(13);
  folded.add_input("x", {"N", 3, 1, 1})
      .add_initializer("w_flat", Tensor({6}, {1, 2, 3, 4, 5, 6}))
      .add_initializer("w_shape", IntTensor{{2}, Ints{32, huge}})
      .add_node("Reshape", {"w_flat", "w_shape"}, {"w"})
      .add_node("Flatten", {"x"}, {"f"})
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", 1}})
      .add_output("y");
  CHECK_THAT(import_error(folded), Contains("cannot be reshaped to"));
  CHECK_THAT(import_error(reshape_model("N", {-1, 4, huge})), Contains("more than 2^63 - 1"));
  CHECK_THAT(import_error(reshape_model(std::int64_t{1}, {1, 4, huge})),
             Contains("exceeds 2^63 - 1"));
}
