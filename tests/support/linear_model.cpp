#include "linear_model.hpp"

#include <lumen/layers.hpp>

#include "test_models.hpp"

namespace lumen::testing {

Model linear_classifier(const Shape& sample, const Tensor& weight,
                        const std::optional<Tensor>& bias) {
  Graph g;
  auto x = g.add_input("input", sample);
  auto flat = g.add_node("flatten", "", make_flatten(1), {x});
  auto fc = g.add_node("fc", "logits", make_linear(weight, bias), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{sample, {}, {}});
}

RandomLinearModel random_linear_classifier(const Shape& sample, std::int64_t classes,
                                           std::uint64_t seed) {
  Tensor weight = random_tensor({classes, element_count(sample)}, seed);
  return {linear_classifier(sample, weight, random_tensor({classes}, seed + 1)), weight};
}

Model relu_features_classifier(const Tensor& weight) {
  Graph g;
  auto x = g.add_input("input", {2, 2, 2});
  auto f = g.add_node("features", "", make_relu(), {x});
  auto flat = g.add_node("flatten", "", make_flatten(1), {f});
  auto fc = g.add_node("fc", "logits", make_linear(weight, std::nullopt), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 2, 2}, {}, {}});
}

}  // namespace lumen::testing
