// Slice, Split and Gather of activations (axis-selection layers) and of constants (folded), at
// the opsets whose forms differ, with hand-computed values, and their refusals.
#include <catch2/catch.hpp>
#include <limits>
#include <tuple>

#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;

namespace {

using I = std::int64_t;
using V = std::vector<float>;
using Ops = std::vector<std::string>;

constexpr I kEnd = std::numeric_limits<I>::max();  // what torch writes for "to the end"

// x [N, 4, 1, 2] holding 0..7 per sample.
Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (I i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}

V values(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// x [N, 4, 1, 2] -> Slice(starts, ends, axes, steps) -> Flatten -> out, opset 13.
ModelBuilder slice_model(Ints starts, Ints ends, Ints axes, Ints steps = {}) {
  ModelBuilder b(13);
  b.add_input("x", {"N", 4, 1, 2})
      .add_initializer("starts", IntTensor{{static_cast<I>(starts.size())}, starts})
      .add_initializer("ends", IntTensor{{static_cast<I>(ends.size())}, ends})
      .add_initializer("axes", IntTensor{{static_cast<I>(axes.size())}, axes});
  std::vector<std::string> inputs{"x", "starts", "ends", "axes"};
  if (!steps.empty()) {
    b.add_initializer("steps", IntTensor{{static_cast<I>(steps.size())}, steps});
    inputs.push_back("steps");
  }
  b.add_node("Slice", inputs, {"y"}, {}, "slice")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  return b;
}

V sliced(const ModelBuilder& b) { return values(run(import_model(b), iota({1, 4, 1, 2}))); }

// x [N, 4, 1, 2] -> Split(axis 1) -> Concat(outputs reversed) -> Flatten, at `opset`.
ModelBuilder split_model(int opset, const Ints& sizes, bool as_input) {
  ModelBuilder b(opset);
  b.add_input("x", {"N", 4, 1, 2});
  std::vector<std::string> inputs{"x"};
  std::vector<onnx_writer::Attribute> attributes{{"axis", 1}};
  if (!sizes.empty() && as_input) {
    b.add_initializer("split", IntTensor{{static_cast<I>(sizes.size())}, sizes});
    inputs.push_back("split");
  } else if (!sizes.empty()) {
    attributes.emplace_back("split", sizes);
  }
  b.add_node("Split", inputs, {"a", "b"}, attributes, "split")
      .add_node("Concat", {"b", "a"}, {"c"}, {{"axis", 1}})
      .add_node("Flatten", {"c"}, {"out"})
      .add_output("out");
  return b;
}

// x [N, 3, 1, 2] -> Gather(axis 1, indices) -> Flatten -> out.
ModelBuilder gather_model(const IntTensor& indices, I axis = 1) {
  ModelBuilder b(13);
  b.add_input("x", {"N", 3, 1, 2})
      .add_initializer("i", indices)
      .add_node("Gather", {"x", "i"}, {"y"}, {{"axis", axis}}, "gather")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  return b;
}

}  // namespace

TEST_CASE("Slice of an activation selects along each sliced axis", "[onnx][selection]") {
  // The channel split of ShuffleNet: channels 2.. (torch's INT64_MAX end).
  const auto model = import_model(slice_model({2}, {kEnd}, {1}));
  CHECK(op_types(model) == Ops{"Input", "Slice", "Flatten"});
  CHECK(model.graph().node(model.graph().at("y")).name == "slice");
  CHECK(sliced(slice_model({2}, {kEnd}, {1})) == V{4, 5, 6, 7});
  // Negative start and end count from the end; steps > 1; an end past the size is clamped.
  CHECK(sliced(slice_model({-3}, {-1}, {1})) == V{2, 3, 4, 5});
  CHECK(sliced(slice_model({0}, {100}, {1}, {3})) == V{0, 1, 6, 7});
  CHECK(sliced(slice_model({-100}, {2}, {-3}, {1})) == V{0, 1, 2, 3});
  // Two axes: one layer per sliced axis, the first a step named after the axis.
  const auto two = import_model(slice_model({1, 1}, {2, 3}, {3, 1}));
  CHECK(op_types(two) == Ops{"Input", "Slice", "Slice", "Flatten"});
  CHECK(two.graph().find("slice/axis3").has_value());
  CHECK(values(run(two, iota({1, 4, 1, 2}))) == V{3, 5});
  // A slice covering the whole tensor leaves no node.
  CHECK(op_types(import_model(slice_model({0}, {kEnd}, {2}))) == Ops{"Input", "Flatten"});
  // Batches of several samples slice each sample.
  check_close(run(model, iota({2, 4, 1, 2})), Tensor({2, 4}, {4, 5, 6, 7, 12, 13, 14, 15}));
}

TEST_CASE("Slice with negative steps reads positions in descending order", "[onnx][selection]") {
  constexpr I kBegin = std::numeric_limits<I>::min();  // "to the beginning", as ONNX documents it
  // x[:, ::-1] in NumPy terms: starts -1, ends INT64_MIN, a flip of the channels, kept as one
  // selection layer.
  const auto flip = import_model(slice_model({-1}, {kBegin}, {1}, {-1}));
  CHECK(op_types(flip) == Ops{"Input", "Slice", "Flatten"});
  CHECK(values(run(flip, iota({1, 4, 1, 2}))) == V{6, 7, 4, 5, 2, 3, 0, 1});
  check_close(run(flip, iota({2, 4, 1, 2})),
              Tensor({2, 8}, {6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9}));
  // torch.flip(x, [1]) writes the end as -INT64_MAX.
  CHECK(sliced(slice_model({-1}, {-kEnd}, {1}, {-1})) == V{6, 7, 4, 5, 2, 3, 0, 1});
  // Flipping an axis of size 1 is the whole axis in order: no node.
  CHECK(op_types(import_model(slice_model({-1}, {kBegin}, {2}, {-1}))) == Ops{"Input", "Flatten"});
  // The last axis reversed; starts past the end are clamped to size - 1, ends below -size to -1.
  CHECK(sliced(slice_model({kEnd}, {kBegin}, {3}, {-1})) == V{1, 0, 3, 2, 5, 4, 7, 6});
  CHECK(sliced(slice_model({100}, {-100}, {-3}, {-1})) == V{6, 7, 4, 5, 2, 3, 0, 1});
  // Steps below -1, and an end that stops before the beginning (exclusive).
  CHECK(sliced(slice_model({3}, {kBegin}, {1}, {-2})) == V{6, 7, 2, 3});
  CHECK(sliced(slice_model({-1}, {0}, {1}, {-1})) == V{6, 7, 4, 5, 2, 3});
  CHECK(sliced(slice_model({2}, {0}, {1}, {kBegin})) == V{4, 5});
  // A constant sliced with a negative step folds: the table's rows reversed, then added.
  ModelBuilder c(13);
  c.add_input("x", {"N", 3, 1, 1})
      .add_initializer("table", iota({1, 3, 1, 1}))
      .add_initializer("starts", IntTensor{{1}, Ints{-1}})
      .add_initializer("ends", IntTensor{{1}, Ints{kBegin}})
      .add_initializer("axes", IntTensor{{1}, Ints{1}})
      .add_initializer("steps", IntTensor{{1}, Ints{-1}})
      .add_node("Slice", {"table", "starts", "ends", "axes", "steps"}, {"reversed"})
      .add_node("Add", {"x", "reversed"}, {"y"})
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  const auto folded = import_model(c);
  CHECK(op_types(folded) == Ops{"Input", "Add", "Flatten"});
  CHECK(values(run(folded, Tensor({1, 3, 1, 1}, {10, 20, 30}))) == V{12, 21, 30});
}

TEST_CASE("Slice before opset 10 reads attributes, and Slice of constants folds",
          "[onnx][selection]") {
  ModelBuilder b(9);
  b.add_input("x", {"N", 4, 1, 2})
      .add_node("Slice", {"x"}, {"y"}, {{"starts", Ints{1}}, {"ends", Ints{3}}, {"axes", Ints{1}}})
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  CHECK(values(run(import_model(b), iota({1, 4, 1, 2}))) == V{2, 3, 4, 5});
  // x.view(x.size(0), -1) written with a Slice of the Shape: folded into the Reshape target.
  ModelBuilder f(13);
  f.add_input("x", {"N", 4, 1, 2})
      .add_initializer("zero", IntTensor{{1}, Ints{0}})
      .add_initializer("one", IntTensor{{1}, Ints{1}})
      .add_initializer("rest", IntTensor{{1}, Ints{-1}})
      .add_node("Shape", {"x"}, {"s"})
      .add_node("Slice", {"s", "zero", "one"}, {"n"})
      .add_node("Concat", {"n", "rest"}, {"target"}, {{"axis", 0}})
      .add_node("Reshape", {"x", "target"}, {"out"})
      .add_output("out");
  const auto folded = import_model(f);
  CHECK(op_types(folded) == Ops{"Input", "Reshape"});
  // A constant sliced along two axes, then added.
  ModelBuilder c(13);
  c.add_input("x", {"N", 2, 1, 1})
      .add_initializer("table", iota({3, 2, 1, 1}))
      .add_initializer("starts", IntTensor{{2}, Ints{1, 0}})
      .add_initializer("ends", IntTensor{{2}, Ints{2, kEnd}})
      .add_node("Slice", {"table", "starts", "ends"}, {"row"})
      .add_node("Add", {"x", "row"}, {"y"})
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  CHECK(values(run(import_model(c), Tensor({1, 2, 1, 1}, {10, 20}))) == V{12, 23});
}

TEST_CASE("Split of an activation gives one selection per used output", "[onnx][selection]") {
  for (const auto& [opset, sizes, as_input, expected] :
       {std::tuple{11, Ints{}, false, V{4, 5, 6, 7, 0, 1, 2, 3}},
        std::tuple{11, Ints{1, 3}, false, V{2, 3, 4, 5, 6, 7, 0, 1}},
        std::tuple{13, Ints{3, 1}, true, V{6, 7, 0, 1, 2, 3, 4, 5}},
        std::tuple{13, Ints{}, true, V{4, 5, 6, 7, 0, 1, 2, 3}}}) {
    CAPTURE(opset, sizes.size());
    const auto model = import_model(split_model(opset, sizes, as_input));
    CHECK(op_types(model).size() == 5);  // Input, two Splits, Concat, Flatten
    CHECK(values(run(model, iota({1, 4, 1, 2}))) == expected);
    // Output 0 carries the node's name, output 1 "<node>/output_1"; both by their tensors.
    CHECK(model.graph().node(model.graph().at("a")).name == "split");
    CHECK(model.graph().node(model.graph().at("b")).name == "split/output_1");
  }
  // An unused output makes no node.
  ModelBuilder b(13);
  b.add_input("x", {"N", 4, 1, 2})
      .add_node("Split", {"x"}, {"a", "b"}, {{"axis", 1}}, "split")
      .add_node("Flatten", {"b"}, {"out"})
      .add_output("out");
  const auto one = import_model(b);
  CHECK(op_types(one) == Ops{"Input", "Split", "Flatten"});
  CHECK(values(run(one, iota({1, 4, 1, 2}))) == V{4, 5, 6, 7});
}

TEST_CASE("Gather of an activation: a scalar index drops the axis, a list keeps it",
          "[onnx][selection]") {
  const auto x = iota({1, 3, 1, 2});
  const auto scalar = import_model(gather_model(IntTensor{{}, Ints{-1}}));
  CHECK(op_types(scalar) == Ops{"Input", "Gather", "Flatten"});
  CHECK(scalar.graph().node(scalar.graph().at("y")).output_shape == Shape{1, 1, 2});
  CHECK(values(run(scalar, x)) == V{4, 5});
  const auto list = import_model(gather_model(IntTensor{{3}, Ints{2, 0, 2}}));
  CHECK(list.graph().node(list.graph().at("y")).output_shape == Shape{1, 3, 1, 2});
  CHECK(values(run(list, x)) == V{4, 5, 0, 1, 4, 5});
  CHECK(values(run(import_model(gather_model(IntTensor{{1}, Ints{1}}, 3)), x)) == V{1, 3, 5});
  // Indices of rank 2: the selection, then a reshape of each sample.
  const auto table = import_model(gather_model(IntTensor{{2, 2}, Ints{0, 1, 2, 0}}));
  CHECK(op_types(table) == Ops{"Input", "Gather", "Reshape", "Flatten"});
  CHECK(table.graph().node(table.graph().at("y")).output_shape == Shape{1, 2, 2, 1, 2});
  CHECK(values(run(table, x)) == V{0, 1, 2, 3, 4, 5, 0, 1});
}

TEST_CASE("Slice, Split and Gather refusals name the node and the reason", "[onnx][selection]") {
  CHECK_THAT(import_error(slice_model({0}, {2}, {1}, {0})),
             Contains("node 'slice'") && Contains("step 0") && Contains("must not be 0"));
  CHECK_THAT(import_error(slice_model({0}, {3}, {1}, {-1})),
             Contains("step -1") && Contains("select nothing"));
  CHECK_THAT(import_error(slice_model({0}, {1}, {4})),
             Contains("node 'slice'") && Contains("axis 4 is out of range"));
  CHECK_THAT(import_error(slice_model({0}, {1}, {0})),
             Contains("node 'slice'") && Contains("batch axis"));
  CHECK_THAT(import_error(slice_model({3}, {1}, {1})), Contains("select nothing"));
  CHECK_THAT(import_error(slice_model({0, 0}, {1, 1}, {1, -3})), Contains("sliced twice"));
  // starts computed from the model input.
  ModelBuilder computed(13);
  computed.add_input("x", {"N", 4, 1, 2})
      .add_initializer("ends", IntTensor{{1}, Ints{2}})
      .add_node("Relu", {"x"}, {"r"})
      .add_node("Slice", {"x", "r", "ends"}, {"y"}, {}, "slice")
      .add_node("Flatten", {"y"}, {"out"})
      .add_output("out");
  CHECK_THAT(import_error(computed),
             Contains("node 'slice'") && Contains("'r'") && Contains("must be a constant"));
  CHECK_THAT(import_error(gather_model(IntTensor{{1}, Ints{0}}, 0)),
             Contains("node 'gather'") && Contains("batch axis"));
  CHECK_THAT(import_error(gather_model(IntTensor{{1}, Ints{3}})),
             Contains("node 'gather'") && Contains("index 3 is out of range"));
  CHECK_THAT(import_error(split_model(13, {1, 2}, true)),
             Contains("node 'split'") && Contains("does not divide"));
  ModelBuilder odd(13);
  odd.add_input("x", {"N", 3, 1, 2})
      .add_node("Split", {"x"}, {"a", "b"}, {{"axis", 1}}, "split")
      .add_node("Concat", {"b", "a"}, {"c"}, {{"axis", 1}})
      .add_node("Flatten", {"c"}, {"out"})
      .add_output("out");
  CHECK_THAT(import_error(odd), Contains("node 'split'") && Contains("cannot be split equally"));
}
