#pragma once
// Runs a registered explainer the way a host does (parameters validated against its info) and
// computes reference quantities for property tests.
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lumen::testing {

Attribution explain(const std::string& method, const Model& model, const Tensor& input,
                    const std::vector<std::int64_t>& targets,
                    const std::map<std::string, std::string>& params = {},
                    std::optional<NodeId> layer = std::nullopt, int threads = 1,
                    std::uint64_t seed = 0);

/// The logits [N, classes] of the model on the cpu-reference backend.
Tensor logits(const Model& model, const Tensor& input);

/// d logit[target] / d input by central differences (step h), one sample [1,C,H,W]. `smooth[i]` is
/// false where the one-sided differences disagree (a ReLU or max-pool switch within the step), so
/// the central difference there is no derivative.
struct FiniteDifference {
  Tensor gradient;
  std::vector<bool> smooth;
};
FiniteDifference finite_difference_gradient(const Model& model, const Tensor& input,
                                            std::int64_t target, float h);

/// max over smooth elements of |a - fd| / max |fd|; fails the test when under 90% are smooth.
double relative_difference_where_smooth(const Tensor& a, const FiniteDifference& fd);

/// max |a - b| / max(max |b|, floor).
double relative_difference(const Tensor& a, const Tensor& b, double floor = 1e-12);

double sum(const Tensor& t);

}  // namespace lumen::testing
