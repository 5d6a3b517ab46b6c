#include "lumen/model.hpp"

#include <cmath>

#include "lumen/detail/map_math.hpp"
#include "lumen/error.hpp"

namespace lumen {

Model::Model(Graph graph, InputSpec input, std::vector<std::string> labels)
    : graph_(std::move(graph)), input_(std::move(input)), labels_(std::move(labels)) {
  graph_.output();  // throws when not finalised
  const auto& in_shape = graph_.node(graph_.input()).output_shape;
  Shape sample(in_shape.begin() + 1, in_shape.end());
  if (input_.sample_shape.empty()) input_.sample_shape = sample;
  if (input_.sample_shape != sample) {
    throw ModelError("input spec shape " + to_string(input_.sample_shape) +
                     " differs from the graph input's " + to_string(sample));
  }
  const auto channels = sample.empty() ? 0 : sample[0];
  for (const auto* v : {&input_.mean, &input_.std}) {
    if (!v->empty() && static_cast<std::int64_t>(v->size()) != channels) {
      throw ModelError("input normalisation has " + std::to_string(v->size()) + " values for " +
                       std::to_string(channels) + " channels");
    }
  }
  for (float s : input_.std) {
    if (!(s > 0.0F))
      throw ModelError("input normalisation std must be > 0, got " + std::to_string(s));
  }
  const auto classes = class_count();
  if (!labels_.empty() && static_cast<std::int64_t>(labels_.size()) != classes) {
    throw ModelError("model has " + std::to_string(labels_.size()) + " labels for " +
                     std::to_string(classes) + " classes");
  }
}

Tensor standardise(const InputSpec& spec, Tensor images) {
  if (spec.mean.empty() || spec.std.empty()) return images;
  const auto channels = static_cast<std::int64_t>(spec.mean.size());
  const auto rank = images.rank();
  if ((rank != 3 && rank != 4) || images.dim(rank - 3) != channels) {
    throw ShapeError("standardise: images " + to_string(images.shape()) + " do not have the " +
                     std::to_string(channels) + " channels of the input normalisation");
  }
  detail::standardise_channels(images.values(), spec.mean, spec.std,
                               images.dim(rank - 2) * images.dim(rank - 1));
  return images;
}

Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

NodeId Model::logits_node() const {
  NodeId id = graph_.output();
  const Node& n = graph_.node(id);
  if (n.layer->kind() == LayerKind::output && n.inputs.size() == 1) return n.inputs[0];
  return id;
}

std::int64_t Model::class_count() const {
  const auto& s = graph_.node(logits_node()).output_shape;
  if (s.size() != 2) {
    throw ModelError("the model's scores have shape " + to_string(s) +
                     "; lumen needs a classifier whose output is [N, classes]");
  }
  return s[1];
}

std::string Model::label(std::int64_t c) const {
  if (c >= 0 && c < static_cast<std::int64_t>(labels_.size()))
    return labels_[static_cast<std::size_t>(c)];
  return std::to_string(c);
}

Shape Model::batch_shape(std::int64_t n) const {
  Shape s{n};
  s.insert(s.end(), input_.sample_shape.begin(), input_.sample_shape.end());
  return s;
}

void Model::check_input(const Tensor& input) const {
  const auto& s = input.shape();
  if (s.size() != input_.sample_shape.size() + 1 || s[0] < 1 ||
      !std::equal(input_.sample_shape.begin(), input_.sample_shape.end(), s.begin() + 1)) {
    throw InvalidArgument("input of shape " + to_string(s) +
                          " does not fit the model, which takes " + to_string(batch_shape(1)) +
                          " (any batch size)");
  }
  const auto* v = input.data();
  const auto per_sample = input.size() / s[0];
  for (std::int64_t i = 0; i < input.size(); ++i) {
    if (!std::isfinite(v[i])) {
      throw InvalidArgument("input value " + std::to_string(v[i]) + " at sample " +
                            std::to_string(i / per_sample) + ", element " +
                            std::to_string(i % per_sample) + " is not finite");
    }
  }
}

}  // namespace lumen
