// ONNX export: every built-in architecture written, checked by the ONNX checker and read back by
// the onnx importer plugin gives the same logits; unsupported layers are refused by name.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "gradcheck.hpp"
#include "lumen/error.hpp"
#include "lumen/importer.hpp"
#include "lumen/layers.hpp"
#include "lumen/trace.hpp"
#include "lumen/training/architectures.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/onnx_export.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::training;

namespace {

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("lumen_onnx_export_" + std::to_string(::getpid()) + "_" + name + ".onnx");
}

// Moves the batch-norm statistics away from (0, 1) so that exporting them matters.
Model with_batch_statistics(const Model& model, const Backend& backend) {
  if (!has_training_layers(model)) return with_parameters(model, model_parameters(model));
  const auto batch = lumen::testing::random_tensor(model.batch_shape(4), 11, 0.0F, 3.0F);
  const Pass pass = forward_pass(model, batch, backend, true);
  return with_running_statistics(model, {&pass}, 0.7F);
}

double max_difference(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double worst = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("every architecture round-trips through ONNX with the same logits") {
  auto context = lumen::testing::make_context();
  const auto importer = lumen::testing::registry().importer("onnx");
  int exported = 0;
  for (const auto& name : architecture_names()) {
    INFO(name);
    ArchitectureOptions o;
    o.sample_shape = {2, 24, 24};
    o.classes = 4;
    o.labels = {"tank", "truck, heavy", "bmp-2", "zsu \"23\""};
    o.seed = 3;
    o.hidden = 12;
    o.mean = {0.25F, 0.125F};
    o.std = {0.5F, 3.0F};
    const Model model = with_batch_statistics(build_architecture(name, o), context->backend());
    const auto file = temp_file(name);
    export_onnx(model, file);
    REQUIRE_NOTHROW(onnx_model(model).check());
    const Model back = importer->load(file);
    std::filesystem::remove(file);
    CHECK(back.labels() == o.labels);
    CHECK(back.input_spec().sample_shape == o.sample_shape);
    CHECK(back.input_spec().mean == o.mean);
    CHECK(back.input_spec().std == o.std);
    CHECK(back.graph().size() == model.graph().size());
    const auto input = lumen::testing::random_tensor(model.batch_shape(3), 7, 0.0F, 1.0F);
    const Tensor expected = predict_logits(model, input, *context);
    const Tensor got = predict_logits(back, input, *context);
    CHECK(max_difference(expected, got) <= 1e-6);
    ++exported;
  }
  CHECK(exported == 4);
}

TEST_CASE("an architecture's input normalisation needs one positive std per channel") {
  ArchitectureOptions o;
  o.sample_shape = {2, 24, 24};
  o.mean = {0.5F};
  o.std = {1.0F};
  CHECK_THROWS_AS(build_architecture("sar-cnn", o), InvalidArgument);
  o.mean = {0.5F, 0.5F};
  o.std = {1.0F, 0.0F};
  CHECK_THROWS_WITH(build_architecture("sar-cnn", o), Catch::Contains("std"));
}

TEST_CASE("export writes every supported op so that the importer reads the same layers") {
  Graph g;
  const auto x = g.add_input("x", {2, 6, 6});
  Pool2dParams avg;
  avg.kernel = {2, 2};
  avg.stride = {1, 1};
  avg.pads = {1, 1, 0, 0};
  avg.count_include_pad = true;
  const auto a = g.add_node("avg", "avg", make_avg_pool2d(avg), {x});
  const auto l = g.add_node("leaky", "leaky", make_leaky_relu(0.3F), {a});
  const auto t = g.add_node("tanh", "tanh", make_tanh(), {x});
  const auto d = g.add_node("drop", "drop", make_identity("Dropout"), {t});
  const auto c = g.add_node("cat", "cat", make_concat(1), {l, d});
  const auto r = g.add_node("reshape", "reshape", make_reshape({4, -1}), {c});
  const auto f = g.add_node("flat", "flat", make_flatten(1), {r});
  const auto s = g.add_node("sum", "sum", make_add(), {f, f, f});
  const auto dense = g.add_node(
      "dense", "dense", make_linear(lumen::testing::random_tensor({3, 144}, 5), std::nullopt), {s});
  const auto out = g.add_node("probabilities", "probabilities", make_softmax(1), {dense});
  g.finalize(out);
  const Model model(std::move(g), InputSpec{{2, 6, 6}, {0.5F, 0.25F}, {2.0F, 0.125F}, "imagenet"});

  const auto file = temp_file("ops");
  export_onnx(model, file);
  const Model back = lumen::testing::registry().importer("onnx")->load(file);
  std::filesystem::remove(file);
  CHECK(back.input_spec().mean == model.input_spec().mean);
  CHECK(back.input_spec().std == model.input_spec().std);
  CHECK(back.input_spec().preprocess == "imagenet");
  auto context = lumen::testing::make_context();
  const auto input = lumen::testing::random_tensor(model.batch_shape(2), 9);
  CHECK(max_difference(predict_logits(model, input, *context),
                       predict_logits(back, input, *context)) <= 1e-6);
  CHECK(back.graph().node(back.graph().output()).layer->op_type() == "Softmax");
}

TEST_CASE("export refuses a layer it cannot write, naming the node and op") {
  Graph g;
  const auto x = g.add_input("x", {1, 4, 4});
  const auto p =
      g.add_node("pad1", "pad1", make_pad({0, 0, 1, 1, 0, 0, 1, 1}, PadMode::edge, 0.0F), {x});
  const auto f = g.add_node("flat", "flat", make_flatten(1), {p});
  g.finalize(f);
  const Model model(std::move(g), InputSpec{{1, 4, 4}, {}, {}});
  CHECK_THROWS_AS(onnx_model(model), ModelError);
  CHECK_THROWS_WITH(onnx_model(model),
                    Catch::Contains("node 'pad1'") && Catch::Contains("op 'Pad'"));
}
