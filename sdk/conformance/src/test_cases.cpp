#include "test_cases.hpp"

#include "lumen/conformance/test_models.hpp"
#include "lumen/error.hpp"
#include "lumen/explainer.hpp"

namespace lumen::conformance::detail {

std::vector<TestModel> test_models(bool bias) {
  std::vector<TestModel> models;
  models.push_back({"conv", conv_net(11, bias)});
  models.push_back({"residual", residual_net(12, bias)});
  models.push_back({"dense", dense_net(13, bias)});
  return models;
}

Tensor sample_input(const Model& model, std::int64_t n, std::uint64_t seed) {
  return random_tensor(model.batch_shape(n), seed);
}

std::vector<std::int64_t> sample_targets(const Model& model, std::int64_t n, std::uint64_t seed) {
  const std::int64_t classes = model.class_count();
  std::vector<std::int64_t> targets;
  for (std::int64_t i = 0; i < n; ++i) {
    targets.push_back((static_cast<std::int64_t>(seed % 7) + 2 * i + 1) % classes);
  }
  return targets;
}

NodeId first_spatial_layer(const Model& model) {
  const Graph& graph = model.graph();
  for (const NodeId id : graph.topological_order()) {
    const Shape& shape = graph.node(id).output_shape;
    if (id != graph.input() && shape.size() == 4 && shape[2] * shape[3] > 1) return id;
  }
  throw InvalidArgument("the model has no spatial layer");
}

bool has_spatial_layer(const Model& model) {
  try {
    default_spatial_layer(model);
    return true;
  } catch (const InvalidArgument&) {
    return false;
  }
}

}  // namespace lumen::conformance::detail
