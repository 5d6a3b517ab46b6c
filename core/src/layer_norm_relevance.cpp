#include "layer_norm_relevance.hpp"

#include <cmath>

#include "lumen/error.hpp"
#include "lumen/normalisation_layers.hpp"

namespace lumen::detail {

// Note [relevance through LayerNorm]
// y_i = gamma_i (x_i - mean(x)) / sigma + beta_i, sigma = sqrt(var(x) + epsilon), over each group
// of n normalised values. Ali et al. 2022 ("XAI for Transformers: better explanations through
// conservative propagation", ICML) hold sigma constant in the backward pass (the LN rule): then
// y is linear in x, y_i = sum_j W_ij x_j + beta_i with W_ij = gamma_i (delta_ij - 1/n) / sigma,
// and relevance goes through that map by the epsilon rule:
//   R_j = x_j / sigma * (gamma_j s_j - (1/n) sum_i gamma_i s_i),  s_i = R_i / (y_i + e sign(y_i)).
// Then sum_j R_j = sum_i s_i (y_i - beta_i): the bias absorbs its share, and with zero bias the
// total is kept up to the stabiliser e (tiny, only to avoid dividing by zero). Gradient rules use
// the layer's backward instead (sigma differentiated too); DeepLIFT has its own exact rule.
namespace {

constexpr double kStabiliser = 1e-9;

}  // namespace

bool is_layer_norm(const Node& node) { return node.layer->op_type() == "LayerNormalization"; }

std::vector<Tensor> route_layer_norm(const RuleInput& in) {
  const auto p = layer_norm_params(*in.node.layer);
  if (!p) throw InvalidArgument("node '" + in.node.name + "' is not a built-in layer norm");
  const Tensor& x = *in.inputs[0];
  const Tensor& y = in.output;
  const auto n = p->scale.size();
  const auto groups = x.size() / n;
  Tensor r(x.shape());
  std::vector<double> gamma_s(static_cast<std::size_t>(n));
  for (std::int64_t g = 0; g < groups; ++g) {
    const std::int64_t begin = g * n;
    double mean = 0.0;
    for (std::int64_t i = 0; i < n; ++i) mean += x[begin + i];
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (std::int64_t i = 0; i < n; ++i) var += (x[begin + i] - mean) * (x[begin + i] - mean);
    const double sigma = std::sqrt(var / static_cast<double>(n) + p->epsilon);
    double mean_gamma_s = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double yi = y[begin + i];
      const double s = in.upstream[begin + i] / (yi + (yi >= 0.0 ? kStabiliser : -kStabiliser));
      gamma_s[static_cast<std::size_t>(i)] = p->scale[i] * s;
      mean_gamma_s += gamma_s[static_cast<std::size_t>(i)];
    }
    mean_gamma_s /= static_cast<double>(n);
    for (std::int64_t j = 0; j < n; ++j) {
      r[begin + j] = static_cast<float>(x[begin + j] / sigma *
                                        (gamma_s[static_cast<std::size_t>(j)] - mean_gamma_s));
    }
  }
  std::vector<Tensor> out;
  out.push_back(std::move(r));
  return out;
}

}  // namespace lumen::detail
