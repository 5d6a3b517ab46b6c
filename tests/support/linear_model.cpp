#include "linear_model.hpp"

#include <lumen/layers.hpp>

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

}  // namespace lumen::testing
