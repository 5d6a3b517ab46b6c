#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <map>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// A copy of `model` where `layer` is applied to the output of `node` before any consumer reads it.
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
    if (id == node) to_new[id] = g.add_node("ablation", "", layer, {to_new[id]});
  }
  g.finalize(to_new.at(old.output()));
  return Model(std::move(g), model.input_spec(), model.labels());
}

// Ablation-CAM's layer map computed from full re-runs of models whose map k is zeroed by a
// constant Mul after the layer: the independent reference for the head-only implementation.
Tensor full_rerun_ablation_cam(const Model& model, const Tensor& x, std::int64_t target,
                               NodeId layer, bool probability) {
  auto context = make_context();
  ForwardOptions options;
  options.keep_all = false;
  options.keep = {layer, model.logits_node()};
  const Trace trace = run_forward(model, x, *context, options);
  const Tensor& a = trace.output(layer);
  const auto k = a.dim(1), plane = a.dim(2) * a.dim(3);
  auto score = [&](const Tensor& logits) {
    return (probability ? softmax_rows(logits) : logits)[target];
  };
  const float full = score(trace.output(model.logits_node()));
  Tensor cam({1, 1, a.dim(2), a.dim(3)});
  for (std::int64_t c = 0; c < k; ++c) {
    Tensor mask({k, 1, 1}, 1.0F);
    mask[c] = 0.0F;
    const Model ablated = with_layer_after(model, layer, make_mul_constant(mask));
    const float alpha = (full - score(predict_logits(ablated, x, *context))) / full;
    for (std::int64_t p = 0; p < plane; ++p) cam[p] += alpha * a[c * plane + p];
  }
  for (float& v : cam.values()) v = std::max(v, 0.0F);
  return cam;
}

}  // namespace

TEST_CASE("ablation-cam's head-only scores equal full re-runs of the ablated model",
          "[ablation-cam]") {
  for (const Model& model : {conv_net(11), residual_net(12)}) {
    const NodeId features = model.graph().at("features");
    for (std::uint64_t seed : {1U, 2U}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed);
      for (const char* score : {"logit", "probability"}) {
        for (std::int64_t target = 0; target < 3; ++target) {
          const auto a = explain("ablation-cam", model, x, {target}, {{"score", score}}, features);
          const Tensor expected =
              full_rerun_ablation_cam(model, x, target, features, std::string(score) != "logit");
          CHECK(relative_difference(a.layer_map, expected, 1e-6) < 1e-5);
          CHECK(relative_difference(a.map, upsample_bilinear(a.layer_map, 8, 8)) == 0.0);
        }
      }
    }
  }
}

TEST_CASE("ablation-cam counts the passes it ran: one forward and K head passes per image",
          "[ablation-cam]") {
  const Model model = residual_net(3);  // its "features" layer has K = 3 maps
  const Tensor x = random_tensor(model.batch_shape(2), 4);
  for (const char* batch : {"1", "2", "64", "0"}) {
    const auto a = explain("ablation-cam", model, x, {0, 3}, {{"batch_size", batch}},
                           model.graph().at("features"));
    CHECK(a.passes.forward == 2 * (1 + 3));
    CHECK(a.passes.backward == 0);
  }
}

TEST_CASE("ablation-cam: batches of ablations and of images equal one by one", "[ablation-cam]") {
  const Model model = conv_net(5);
  const Tensor x = random_tensor(model.batch_shape(3), 6);
  const std::vector<std::int64_t> targets = {0, 2, 4};
  const auto all = explain("ablation-cam", model, x, targets, {{"relu", "false"}});
  for (std::int64_t s = 0; s < 3; ++s) {
    const auto one = explain("ablation-cam", model, x.batch_slice(s), {targets[s]},
                             {{"relu", "false"}, {"batch_size", "1"}});
    CHECK(relative_difference(all.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
  }
  const auto two_threads =
      explain("ablation-cam", model, x, targets, {{"relu", "false"}, {"batch_size", "4"}}, {}, 2);
  const auto one_thread =
      explain("ablation-cam", model, x, targets, {{"relu", "false"}, {"batch_size", "4"}}, {}, 1);
  CHECK(relative_difference(two_threads.map, one_thread.map) == 0.0);
  // The default, automatic batch: the same map, and the same bits on 1 and 2 threads.
  const auto automatic = explain("ablation-cam", model, x, targets, {{"relu", "false"}}, {}, 2);
  CHECK(relative_difference(automatic.layer_map, one_thread.layer_map, 1e-6) < 1e-5);
  CHECK(relative_difference(automatic.map, all.map) == 0.0);
}

TEST_CASE("ablation-cam refuses a model without a spatial layer", "[ablation-cam]") {
  const Model model = dense_net(1);
  CHECK_THROWS_AS(explain("ablation-cam", model, random_tensor(model.batch_shape(1), 1), {0}),
                  InvalidArgument);
}
