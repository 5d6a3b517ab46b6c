#include <catch2/catch.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <lumen/trace.hpp>
#include <map>

#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// A copy of `model` where `layer` is applied to the output of `node` before any consumer reads it:
// the full forward of this model is the independent reference for run_head on a changed output.
Model with_layer_after(const Model& model, NodeId node, std::shared_ptr<const Layer> layer) {
  const Graph& old = model.graph();
  Graph g;
  std::map<NodeId, NodeId> to_new;
  for (NodeId id : old.topological_order()) {
    const Node& n = old.node(id);
    if (id == old.input()) {
      const Shape& s = n.output_shape;
      to_new[id] = g.add_input(n.name, Shape(s.begin() + 1, s.end()));
    } else {
      std::vector<NodeId> inputs;
      for (NodeId i : n.inputs) inputs.push_back(to_new.at(i));
      to_new[id] = g.add_node(n.name, n.output_name, n.layer, inputs);
    }
    if (id == node) to_new[id] = g.add_node("injected", "", layer, {to_new[id]});
  }
  g.finalize(to_new.at(old.output()));
  return Model(std::move(g), model.input_spec(), model.labels());
}

Tensor keep_logits(const Model& model, const Tensor& x, NodeId layer, Context& context,
                   Trace* trace_out) {
  ForwardOptions options;
  options.keep_all = false;
  options.keep = head_inputs(model, layer);
  options.keep.push_back(layer);
  options.keep.push_back(model.logits_node());
  *trace_out = run_forward(model, x, context, options);
  return trace_out->output(model.logits_node());
}

bool identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::equal(a.values().begin(), a.values().end(), b.values().begin());
}

}  // namespace

TEST_CASE("run_head with the layer's own output reproduces the logits bit for bit", "[run_head]") {
  auto context = make_context();
  for (const Model& model : {conv_net(1), residual_net(2)}) {
    const NodeId features = model.graph().at("features");
    const Tensor x = random_tensor(model.batch_shape(3), 5);
    for (std::int64_t s = 0; s < 3; ++s) {
      Trace trace(0);
      const Tensor logits = keep_logits(model, x.batch_slice(s), features, *context, &trace);
      const auto before = context->counts().forward;
      const Tensor head = run_head(model, features, trace.output(features), trace, 0, *context);
      CHECK(context->counts().forward - before == 1);
      CHECK(identical(head, logits));
    }
  }
}

TEST_CASE("run_head on a changed activation equals the full forward of the changed model",
          "[run_head]") {
  auto context = make_context();
  for (const Model& model : {conv_net(3), residual_net(4)}) {
    const NodeId features = model.graph().at("features");
    const Shape shape = model.graph().node(features).output_shape;
    Tensor shift(Shape(shape.begin() + 1, shape.end()));
    for (std::int64_t i = 0; i < shift.size(); ++i) shift[i] = 0.3F * static_cast<float>(i % 7) - 1;
    const Model shifted = with_layer_after(model, features, make_add_constant(shift));
    const Tensor x = random_tensor(model.batch_shape(2), 8);
    Trace trace(0);
    keep_logits(model, x, features, *context, &trace);
    for (std::int64_t s = 0; s < 2; ++s) {
      // M = 3 rows: the shifted activation, the original one, the shifted one again.
      const Tensor a = trace.output(features).batch_slice(s);
      Tensor changed = a;
      for (std::int64_t i = 0; i < a.size(); ++i) changed[i] += shift[i];
      const std::vector<Tensor> rows = {changed, a, changed};
      const Tensor head = run_head(model, features, Tensor::concat_batch(rows), trace, s, *context);
      REQUIRE(head.shape() == Shape{3, model.class_count()});
      const Tensor expected = predict_logits(shifted, x.batch_slice(s), *context);
      const Tensor original = predict_logits(model, x.batch_slice(s), *context);
      const auto k = model.class_count();
      for (std::int64_t c = 0; c < k; ++c) {
        CHECK(head[c] == Approx(expected[c]).epsilon(1e-6).margin(1e-6));
        CHECK(head[k + c] == Approx(original[c]).epsilon(1e-6).margin(1e-6));
        CHECK(head[2 * k + c] == head[c]);
      }
      CHECK(std::abs(expected[0] - original[0]) > 1e-3);  // the change matters
    }
  }
}

TEST_CASE("run_head reads skip connections from the trace and refuses what it cannot do",
          "[run_head]") {
  const Model model = residual_net(5);
  const Graph& g = model.graph();
  const NodeId features = g.at("features");
  // The concat after "features" also reads the stem: the only tensor taken from the trace.
  CHECK(head_inputs(model, features) == std::vector<NodeId>{g.at("stem_relu")});
  const NodeId block = g.at("block_relu");
  const auto inputs = head_inputs(model, block);
  CHECK(inputs == std::vector<NodeId>{g.at("stem_relu")});

  auto context = make_context();
  const Tensor x = random_tensor(model.batch_shape(1), 9);
  Trace without_skip = run_forward(model, x, *context, {false, {features}});
  CHECK_THROWS_AS(
      run_head(model, features, without_skip.output(features), without_skip, 0, *context), Error);
  Trace full = run_forward(model, x, *context);
  CHECK_THROWS_WITH(run_head(model, features, Tensor({1, 2, 8, 8}), full, 0, *context),
                    Catch::Contains("'features'") && Catch::Contains("[M,3,8,8]"));
  CHECK_THROWS_AS(run_head(model, features, full.output(features), full, 1, *context),
                  InvalidArgument);
  CHECK_THROWS_AS(head_inputs(model, g.at("fc")), InvalidArgument);
}
