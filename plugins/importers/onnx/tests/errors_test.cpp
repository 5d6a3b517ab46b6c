// Every refusal is a ModelError naming the file and, where there is one, the node, op and opset.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>

#include <onnx/onnx_pb.h>

#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;

namespace {

// A valid classifier at any opset: x [N, 2, 1, 1] -> Flatten -> Gemm -> y [N, 2].
ModelBuilder tiny(std::int64_t opset = 13) {
  ModelBuilder b(opset);
  b.add_input("x", {"N", 2, 1, 1})
      .add_initializer("w", Tensor({2, 2}, {1, 2, 3, 4}))
      .add_initializer("c", Tensor({2}, {0, 0}))
      .add_node("Flatten", {"x"}, {"f"}, {}, "flatten")
      .add_node("Gemm", {"f", "w", "c"}, {"y"}, {{"transB", 1}}, "fc")
      .add_output("y");
  return b;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("the tiny model used by the error tests imports", "[onnx]") {
  CHECK(import_model(tiny()).class_count() == 2);
}

TEST_CASE("an unsupported op is named with its node, op and opset", "[onnx]") {
  auto b = tiny();
  b.add_node("Einsum", {"y", "y"}, {"z"}, {{"equation", "ij,ij->ij"}}, "foo");
  const auto path = save_temp(b, "einsum");
  const auto message = import_error(path);
  CHECK_THAT(message, Contains(path.string()));
  CHECK_THAT(message, Contains("1 node with an op that lumen does not support (opset 13):\n"
                               "  Einsum (1 node): 'foo'"));
  CHECK_THAT(message, Contains("supported: Abs, Add, AveragePool"));

  ModelBuilder unnamed = tiny();
  unnamed.add_node("Sin", {"y"}, {"z"});
  CHECK_THAT(import_error(unnamed), Contains("Sin (1 node): 'Sin_2'"));

  ModelBuilder invented = tiny();
  invented.add_node("Foo", {"y"}, {"z"}, {}, "custom");
  CHECK_THAT(import_error(invented), Contains("Foo (1 node): 'custom'"));
}

TEST_CASE("every unsupported node is listed at once, grouped by op", "[onnx]") {
  auto b = tiny();
  // Eleven Sin nodes (more than the 8 names listed per op) and two Einsum.
  std::string last = "y";
  for (int i = 0; i < 11; ++i) {
    const auto out = "e" + std::to_string(i);
    b.add_node("Sin", {last}, {out}, {}, "sin" + std::to_string(i));
    last = out;
  }
  b.add_node("Einsum", {"y", "y"}, {"s1"}, {{"equation", "ij,ij->ij"}}, "sum1")
      .add_node("Einsum", {"y", "s1"}, {"s2"}, {{"equation", "ij,ij->ij"}}, "sum2");
  const auto message = import_error(b);
  CHECK_THAT(message, Contains("13 nodes with an op that lumen does not support (opset 13):"));
  CHECK_THAT(message, Contains("\n  Einsum (2 nodes): 'sum1', 'sum2'\n"));
  CHECK_THAT(message, Contains("\n  Sin (11 nodes): 'sin0', 'sin1', 'sin2', 'sin3', 'sin4', "
                               "'sin5', 'sin6', 'sin7', and 3 more\n"));
  CHECK_THAT(message, Contains("supported: Abs, Add, AveragePool"));
  CHECK_THAT(message, !Contains("'sin8'"));

  // A node of another domain is listed with its domain, and the domain rule is said.
  onnx::ModelProto proto;
  REQUIRE(proto.ParseFromString(b.serialize()));
  auto* custom = proto.mutable_graph()->add_node();
  custom->set_op_type("Relu");
  custom->set_domain("com.example");
  custom->set_name("mine");
  custom->add_input("y");
  custom->add_output("c");
  const auto path = temp_path("domain");
  write_bytes(path, proto.SerializeAsString());
  const auto with_domain = import_error(path);
  CHECK_THAT(with_domain, Contains("14 nodes with an op that lumen does not support"));
  CHECK_THAT(with_domain, Contains("\n  Relu (domain 'com.example') (1 node): 'mine'"));
  CHECK_THAT(with_domain, Contains("lumen reads only the default ONNX domain"));
}

TEST_CASE("nodes refused for their own reasons are listed together", "[onnx]") {
  // Beside a valid classifier: quotients by a constant holding a zero (refused; a stand-in of their
  // shape takes their place), a Relu reading one (imported), a quotient after it (refused), a
  // Flatten at axis 2 (refused, no stand-in) and a Relu reading it (not checked).
  auto b = tiny();
  b.add_initializer("zero", Tensor({2}, {1, 0}))
      .add_node("Div", {"f", "zero"}, {"m1"}, {}, "square1")
      .add_node("Relu", {"m1"}, {"r"}, {}, "after")
      .add_node("Div", {"r", "zero"}, {"m2"}, {}, "square2")
      .add_node("Div", {"f", "zero"}, {"d"}, {}, "ratio")
      .add_node("Flatten", {"x"}, {"fl"}, {{"axis", 2}}, "flat2")
      .add_node("Relu", {"fl"}, {"r2"}, {}, "unchecked");
  const auto message = import_error(b);
  CHECK_THAT(message, Contains("4 nodes that lumen cannot import (opset 13):"));
  CHECK_THAT(message, Contains("\n  Div (3 nodes):\n    'square1': the divisor 'zero' holds") &&
                          Contains("\n    'square2': the divisor") &&
                          Contains("\n    'ratio': the divisor"));
  CHECK_THAT(message, Contains("\n  Flatten (1 node):\n    'flat2': Flatten: axis 2"));
  CHECK_THAT(message, Contains("\nnodes reading the outputs of refused nodes were not checked: 1"));
  CHECK_THAT(message, !Contains("'after'") && !Contains("'unchecked'"));

  // More than 8 nodes of one op: the first 8 with their reasons, then the count of the rest.
  auto many = tiny();
  many.add_initializer("zero", Tensor({2}, {1, 0}));
  for (int i = 0; i < 10; ++i) {
    many.add_node("Div", {"f", "zero"}, {"p" + std::to_string(i)}, {},
                  "product" + std::to_string(i));
  }
  const auto capped = import_error(many);
  CHECK_THAT(capped, Contains("\n  Div (10 nodes):\n    'product0': ") &&
                         Contains("\n    'product7': ") && Contains("\n    and 2 more"));
  CHECK_THAT(capped, !Contains("'product8'"));

  // One refusal keeps the one-line form naming the node.
  auto one = tiny();
  one.add_initializer("zero", Tensor({2}, {1, 0}))
      .add_node("Div", {"f", "zero"}, {"m1"}, {}, "square1");
  CHECK_THAT(import_error(one), Contains("node 'square1' (op 'Div', opset 13): "));
}

TEST_CASE("opsets outside 9..17 are refused", "[onnx]") {
  for (std::int64_t opset : {8, 18}) {
    const auto path = save_temp(tiny(opset), "opset");
    const auto message = import_error(path);
    CHECK_THAT(message, Contains(path.string()));
    CHECK_THAT(message, Contains("opset " + std::to_string(opset)));
    CHECK_THAT(message, Contains("opsets 9 to 17"));
  }
  for (std::int64_t opset : {9, 17}) CHECK(import_model(tiny(opset)).class_count() == 2);
}

TEST_CASE("unreadable files are refused with a clear message", "[onnx]") {
  const auto bytes = tiny().serialize();

  SECTION("missing file") {
    const auto path = temp_path("missing");
    CHECK_THAT(import_error(path), Contains(path.string()) && Contains("does not exist"));
  }
  SECTION("empty file") {
    const auto path = temp_path("empty");
    write_bytes(path, "");
    CHECK_THAT(import_error(path), Contains(path.string()) && Contains("empty"));
  }
  SECTION("every truncation") {
    // Cutting the file anywhere must give a ModelError, never a crash or a model.
    for (std::size_t size = 1; size < bytes.size(); ++size) {
      const auto path = temp_path("truncated");
      write_bytes(path, bytes.substr(0, size));
      CHECK_THAT(import_error(path), Contains(path.string()));
      std::filesystem::remove(path);
    }
  }
  SECTION("garbage bytes") {
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919 + 13) % 251));
    const auto path = temp_path("garbage");
    write_bytes(path, garbage);
    CHECK_THAT(import_error(path), Contains(path.string()));
    write_bytes(path, "this is not an ONNX model\n");
    CHECK_THAT(import_error(path), Contains(path.string()));
  }
  SECTION("a directory") {
    const auto path = temp_path("dir");
    std::filesystem::create_directories(path);
    CHECK_THAT(import_error(path), Contains("directory"));
  }
}

TEST_CASE("the graph must have exactly one output and one non-initializer input", "[onnx]") {
  auto two = tiny();
  two.add_node("Relu", {"y"}, {"z"}).add_output("z");
  CHECK_THAT(import_error(two), Contains("2 outputs") && Contains("exactly one"));

  ModelBuilder inputs(13);
  inputs.add_input("a", {"N", 2, 1, 1})
      .add_input("b", {"N", 2, 1, 1})
      .add_node("Add", {"a", "b"}, {"s"})
      .add_node("Flatten", {"s"}, {"y"})
      .add_output("y");
  CHECK_THAT(import_error(inputs), Contains("'a', 'b'"));

  ModelBuilder rank(13);
  rank.add_input("x", {"N", 2}).add_node("Relu", {"x"}, {"y"}).add_output("y");
  CHECK_THAT(import_error(rank), Contains("[N, C, H, W]"));

  ModelBuilder symbolic(13);
  symbolic.add_input("x", {"N", 2, "H", 1}).add_node("Flatten", {"x"}, {"y"}).add_output("y");
  CHECK_THAT(import_error(symbolic), Contains("'H'"));
}

TEST_CASE("malformed initializers and attribute values are refused", "[onnx]") {
  SECTION("initializer with the wrong number of values") {
    for (auto storage :
         {onnx_writer::TensorStorage::raw_data, onnx_writer::TensorStorage::typed_fields}) {
      ModelBuilder b(13);
      b.set_tensor_storage(storage)
          .add_input("x", {"N", 2, 1, 1})
          .add_initializer("w", Shape{2, 2}, {1, 2, 3})
          .add_node("Flatten", {"x"}, {"f"})
          .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", 1}})
          .add_output("y");
      CHECK_THAT(import_error(b), Contains("initializer 'w'") && Contains("dims need"));
    }
  }
  SECTION("unknown Pad mode") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 1, 2, 2})
        .add_initializer("pads", IntTensor{{8}, Ints{0, 0, 1, 1, 0, 0, 1, 1}})
        .add_node("Pad", {"x", "pads"}, {"p"}, {{"mode", "wrap"}}, "pad")
        .add_node("Flatten", {"p"}, {"y"})
        .add_output("y");
    CHECK_THAT(import_error(b), Contains("node 'pad' (op 'Pad', opset 13)") && Contains("'wrap'") &&
                                    Contains("reflect"));
  }
  SECTION("unknown auto_pad") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 1, 2, 2})
        .add_node("MaxPool", {"x"}, {"p"}, {{"kernel_shape", Ints{2, 2}}, {"auto_pad", "SAME"}},
                  "pool")
        .add_node("Flatten", {"p"}, {"y"})
        .add_output("y");
    CHECK_THAT(import_error(b),
               Contains("node 'pool'") && Contains("'SAME'") && Contains("SAME_UPPER"));
  }
  SECTION("a weight computed from the input") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 1, 2, 2})
        .add_node("Relu", {"x"}, {"w"})
        .add_node("Conv", {"x", "w"}, {"c"}, {}, "conv")
        .add_node("Flatten", {"c"}, {"y"})
        .add_output("y");
    CHECK_THAT(import_error(b), Contains("node 'conv'") && Contains("must be a constant"));
  }
}

TEST_CASE("ops lumen maps only partly are refused with the reason", "[onnx]") {
  SECTION("Flatten at axis 2") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 2, 1})
        .add_node("Flatten", {"x"}, {"y"}, {{"axis", 2}}, "flat")
        .add_output("y");
    CHECK_THAT(import_error(b),
               Contains("node 'flat' (op 'Flatten', opset 13)") && Contains("axis 2"));
  }
  SECTION("Gemm with transA") {
    ModelBuilder t(13);
    t.add_input("x", {"N", 2, 1, 1})
        .add_initializer("w", Tensor({2, 2}, {1, 2, 3, 4}))
        .add_node("Flatten", {"x"}, {"f"})
        .add_node("Gemm", {"f", "w"}, {"y"}, {{"transA", 1}}, "fc")
        .add_output("y");
    CHECK_THAT(import_error(t), Contains("node 'fc'") && Contains("transA"));
  }
  SECTION("BatchNormalization whose running statistics are used") {
    ModelBuilder b(9);
    b.add_input("x", {"N", 1, 1, 1});
    for (const char* p : {"s", "b", "m", "v"}) b.add_initializer(p, Tensor({1}, 1.0F));
    b.add_node("BatchNormalization", {"x", "s", "b", "m", "v"},
               {"y", "mean_out", "var_out", "saved_mean", "saved_var"}, {}, "bn")
        .add_node("Flatten", {"y"}, {"f"})
        .add_node("Add", {"f", "mean_out"}, {"z"})
        .add_output("z");
    CHECK_THAT(import_error(b),
               Contains("node 'bn' (op 'BatchNormalization', opset 9)") && Contains("'mean_out'"));
  }
  SECTION("Dropout whose mask is used") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 1, 1})
        .add_node("Dropout", {"x"}, {"d", "mask"}, {}, "drop")
        .add_node("Flatten", {"mask"}, {"y"})
        .add_output("y");
    CHECK_THAT(import_error(b), Contains("node 'drop'"));
  }
  SECTION("Softmax over flattened axes before opset 13") {
    ModelBuilder b(11);
    b.add_input("x", {"N", 2, 2, 2})
        .add_node("Softmax", {"x"}, {"p"}, {}, "softmax")
        .add_node("Flatten", {"p"}, {"y"})
        .add_output("y");
    CHECK_THAT(import_error(b),
               Contains("node 'softmax' (op 'Softmax', opset 11)") && Contains("before opset 13"));
  }
  SECTION("a scores tensor that is not [N, classes]") {
    ModelBuilder b(13);
    b.add_input("x", {"N", 2, 2, 2}).add_node("Relu", {"x"}, {"y"}).add_output("y");
    CHECK_THAT(import_error(b), Contains("[N, classes]"));
  }
}

namespace {

// x [N, 2, 2, 2] -> nodes -> Flatten(last) -> y, for the refusals of the layout and arithmetic ops.
ModelBuilder around(const std::function<void(ModelBuilder&)>& nodes, const std::string& last,
                    std::int64_t opset = 13) {
  ModelBuilder b(opset);
  b.add_input("x", {"N", 2, 2, 2});
  nodes(b);
  b.add_node("Flatten", {last}, {"y"}).add_output("y");
  return b;
}

}  // namespace

TEST_CASE("Transpose refuses to move the batch axis and malformed perms", "[onnx]") {
  const auto transpose = [](const Ints& perm) {
    return import_error(around(
        [&](ModelBuilder& b) {
          b.add_node("Transpose", {"x"}, {"t"}, {{"perm", perm}}, "swap");
        },
        "t"));
  };
  CHECK_THAT(transpose({1, 0, 2, 3}), Contains("node 'swap' (op 'Transpose', opset 13)") &&
                                          Contains("[1,0,2,3]") && Contains("batch"));
  CHECK_THAT(transpose({0, 1, 1, 2}), Contains("node 'swap'") && Contains("not a permutation"));
  CHECK_THAT(transpose({0, 2, 1}), Contains("not a permutation of the axes of a rank-4 tensor"));
  // The default perm reverses the axes, which moves the batch.
  CHECK_THAT(
      import_error(around([](ModelBuilder& b) { b.add_node("Transpose", {"x"}, {"t"}); }, "t")),
      Contains("[3,2,1,0]") && Contains("must start with 0"));
}

TEST_CASE("ReduceMean over the batch axis is refused, naming the axes", "[onnx]") {
  const auto reduce = [](const std::vector<onnx_writer::Attribute>& attributes) {
    return import_error(around(
        [&](ModelBuilder& b) { b.add_node("ReduceMean", {"x"}, {"m"}, attributes, "mean"); }, "m"));
  };
  const auto node = Contains("node 'mean' (op 'ReduceMean', opset 13)");
  CHECK_THAT(reduce({{"axes", Ints{0, 2, 3}}}),
             node && Contains("axes [0,2,3]") && Contains("[1,2,2,2]") && Contains("batch axis"));
  CHECK_THAT(reduce({}), node && Contains("all axes") && Contains("batch"));
  CHECK_THAT(reduce({{"axes", Ints{2, 2}}}), node && Contains("given twice"));
  CHECK_THAT(reduce({{"axes", Ints{4}}}), node && Contains("out of range"));
}

TEST_CASE(
    "Div by a constant holding a zero, Pow by a computed exponent and MatMul of two "
    "activations are refused",
    "[onnx]") {
  const auto pow = import_error(around(
      [](ModelBuilder& b) {
        b.add_node("Relu", {"x"}, {"r"}).add_node("Pow", {"x", "r"}, {"z"}, {}, "power");
      },
      "z"));
  CHECK_THAT(pow, Contains("node 'power' (op 'Pow', opset 13)") &&
                      Contains("the exponent 'r' is computed from the model input"));
  const auto exponents = import_error(around(
      [](ModelBuilder& b) {
        b.add_initializer("e", Tensor({2}, {2, 3})).add_node("Pow", {"x", "e"}, {"z"}, {}, "power");
      },
      "z"));
  CHECK_THAT(exponents,
             Contains("the exponent 'e' has shape [2]") && Contains("one constant exponent"));
  const auto products = import_error(around(
      [](ModelBuilder& b) {
        b.add_node("Relu", {"x"}, {"r"}).add_node("MatMul", {"x", "r"}, {"z"}, {}, "mm");
      },
      "z"));
  CHECK_THAT(products, Contains("node 'mm' (op 'MatMul', opset 13)") &&
                           Contains("two tensors computed from the input ('x' and 'r')"));
  const auto batched = import_error(around(
      [](ModelBuilder& b) {
        b.add_initializer("w", Tensor({2, 2, 3}, 1.0F))
            .add_node("MatMul", {"x", "w"}, {"z"}, {}, "mm");
      },
      "z"));
  CHECK_THAT(batched,
             Contains("input B ('w') has shape [2,2,3]") && Contains("no batched constant"));
  const auto vector_first = import_error(around(
      [](ModelBuilder& b) {
        b.add_initializer("v", Tensor({2}, 1.0F)).add_node("MatMul", {"v", "x"}, {"z"}, {}, "mm");
      },
      "z"));
  CHECK_THAT(vector_first, Contains("input A ('v') has shape [2]") && Contains("matrix [P, K]"));

  const auto zero = import_error(around(
      [](ModelBuilder& b) {
        b.add_initializer("std", Tensor({2, 1, 1}, {0.5F, 0}))
            .add_node("Div", {"x", "std"}, {"z"}, {}, "normalise");
      },
      "z"));
  CHECK_THAT(zero, Contains("node 'normalise' (op 'Div', opset 13)") && Contains("'std'") &&
                       Contains("holds a zero (element 1)"));

  // A constant that would broadcast the activation up, or varies along the batch.
  const auto broadcast = import_error(around(
      [](ModelBuilder& b) {
        b.add_initializer("c", Tensor({3, 1, 1}, 1.0F)).add_node("Mul", {"x", "c"}, {"z"}, {}, "m");
      },
      "z"));
  CHECK_THAT(broadcast,
             Contains("node 'm'") && Contains("[3,1,1]") && Contains("does not broadcast"));
}

TEST_CASE("constant folding refuses values it cannot combine", "[onnx]") {
  const auto fold = [](const std::function<void(ModelBuilder&)>& constants) {
    return import_error(around(
        [&](ModelBuilder& b) {
          constants(b);
          b.add_node("Add", {"a", "b"}, {"c"}, {}, "fold").add_node("Add", {"x", "c"}, {"z"});
        },
        "z"));
  };
  CHECK_THAT(fold([](ModelBuilder& b) {
               b.add_initializer("a", Tensor({2}, 1.0F)).add_initializer("b", Tensor({3}, 1.0F));
             }),
             Contains("node 'fold'") && Contains("[2] and [3] do not broadcast together"));
  CHECK_THAT(
      fold([](ModelBuilder& b) {
        b.add_initializer("a", Tensor({2}, 1.0F)).add_initializer("b", IntTensor{{2}, Ints{1, 2}});
      }),
      Contains("node 'fold'") && Contains("different element types"));
  // Integer division by zero, and arithmetic on the symbolic batch size.
  const auto shape_arithmetic = [](const std::string& op, std::int64_t by) {
    return import_error(around(
        [&](ModelBuilder& b) {
          b.add_initializer("index", IntTensor{{1}, Ints{0}})
              .add_initializer("by", IntTensor{{1}, Ints{by}})
              .add_initializer("rest", IntTensor{{1}, Ints{-1}})
              .add_node("Shape", {"x"}, {"s"})
              .add_node("Gather", {"s", "index"}, {"n"})
              .add_node(op, {"n", "by"}, {"n2"}, {}, "arith")
              .add_node("Concat", {"n2", "rest"}, {"target"}, {{"axis", 0}})
              .add_node("Reshape", {"x", "target"}, {"r"});
        },
        "r"));
  };
  CHECK_THAT(shape_arithmetic("Div", 2), Contains("node 'arith'") && Contains("symbolic batch"));
  CHECK_THAT(shape_arithmetic("Mul", 2), Contains("node 'arith'") && Contains("symbolic batch"));
  CHECK_THAT(import_error(around(
                 [](ModelBuilder& b) {
                   b.add_initializer("a", IntTensor{{1}, Ints{4}})
                       .add_initializer("zero", IntTensor{{1}, Ints{0}})
                       .add_node("Div", {"a", "zero"}, {"q"}, {}, "int_div")
                       .add_node("Reshape", {"x", "q"}, {"r"});
                 },
                 "r")),
             Contains("node 'int_div'") && Contains("divisor holds a zero"));
}

TEST_CASE("Squeeze, Unsqueeze and Cast of activations are refused unless they change nothing",
          "[onnx]") {
  const auto refused = [](const std::string& op, const Ints& axes, const std::string& expected) {
    const auto message = import_error(around(
        [&](ModelBuilder& b) {
          std::vector<std::string> inputs{"x"};
          if (!axes.empty()) {
            b.add_initializer("axes", IntTensor{{static_cast<std::int64_t>(axes.size())}, axes});
            inputs.push_back("axes");
          }
          b.add_node(op, inputs, {"z"}, {}, "reshape_op");
        },
        "z"));
    CHECK_THAT(message,
               Contains("node 'reshape_op' (op '" + op + "', opset 13)") && Contains(expected));
  };
  refused("Squeeze", {0}, "axis 0 of 'x'");
  refused("Squeeze", {-4}, "keeps the batch as the outermost axis");
  refused("Squeeze", {1}, "axis 1 of input [1,2,2,2] has size 2");
  refused("Squeeze", {}, "Squeeze without axes");
  refused("Unsqueeze", {0}, "Unsqueeze of axis 0");

  const auto cast = [](const std::string& input, std::int64_t to) {
    return import_error(around(
        [&](ModelBuilder& b) {
          b.add_initializer("c", Tensor({2, 1, 1}, 1.0F))
              .add_node("Cast", {input}, {"k"}, {{"to", to}}, "cast")
              .add_node("Add", {"x", "k"}, {"z"});
        },
        "z"));
  };
  CHECK_THAT(cast("x", 7), Contains("node 'cast' (op 'Cast', opset 13)") &&
                               Contains("Cast of 'x', a tensor computed from the input") &&
                               Contains("other than FLOAT is not supported"));
  CHECK_THAT(cast("c", 6), Contains("node 'cast'") && Contains("Cast to INT32 is not supported"));
}

namespace {

// `tiny()` with one tensor moved to an external file at `location`: initializer 'w', or the
// tensor of a Constant node.
std::filesystem::path with_external_data(const std::string& location, bool constant_node) {
  ModelBuilder b = tiny();
  if (constant_node) {
    b.add_node("Constant", {}, {"k"}, {{"value", Tensor({2}, {1, 1})}}, "constant")
        .add_node("Add", {"y", "k"}, {"z"}, {}, "shift");
  }
  onnx::ModelProto model;
  REQUIRE(model.ParseFromString(b.serialize()));
  onnx::TensorProto* tensor = model.mutable_graph()->mutable_initializer(0);
  if (constant_node) {
    for (auto& node : *model.mutable_graph()->mutable_node()) {
      if (node.op_type() == "Constant") tensor = node.mutable_attribute(0)->mutable_t();
    }
  }
  tensor->clear_raw_data();
  tensor->clear_float_data();
  tensor->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = tensor->add_external_data();
  entry->set_key("location");
  entry->set_value(location);
  const auto path = temp_path(constant_node ? "external-constant" : "external");
  write_bytes(path, model.SerializeAsString());
  return path;
}

}  // namespace

// The ONNX checker would look the location up on disk first and word its refusal by whether the
// file exists: a model could probe which paths exist. The refusal names the tensor and nothing
// of the location, whether it exists or not.
TEST_CASE("tensors with external data are refused by name before anything looks at the file",
          "[onnx]") {
  for (const bool constant_node : {false, true}) {
    CAPTURE(constant_node);
    const std::string expected = constant_node
                                     ? "attribute 'value' of node 'constant' keeps its data in "
                                       "an external file, which lumen does not read"
                                     : "initializer 'w' keeps its data in an external file, "
                                       "which lumen does not read";
    std::string first;
    for (const std::string location : {"/etc/passwd", "/nonexistent/weights.bin", "weights.bin"}) {
      const auto path = with_external_data(location, constant_node);
      const auto message = import_error(path);
      CHECK_THAT(message, Contains(expected));
      CHECK_THAT(message, !Contains(location));
      // The same words whatever the location: only the file name differs.
      std::string words = message;
      words.erase(0, message.find(": ") + 2);
      if (first.empty()) first = words;
      CHECK(words == first);
    }
  }
}

// Dims whose product wraps to 0 in 64-bit arithmetic must not pass for an empty tensor.
TEST_CASE("an initializer whose dims overflow 64 bits is refused, naming it", "[onnx]") {
  onnx::ModelProto model;
  REQUIRE(model.ParseFromString(tiny().serialize()));
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_dims();
  w->add_dims(std::int64_t{1} << 32);
  w->add_dims(std::int64_t{1} << 32);
  w->clear_raw_data();
  w->clear_float_data();
  const auto path = temp_path("overflowing-dims");
  write_bytes(path, model.SerializeAsString());
  const auto message = import_error(path);
  CHECK_THAT(message, Contains(path.string()));
  CHECK_THAT(message, Contains("[4294967296,4294967296]"));
}
