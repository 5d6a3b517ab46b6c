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

/// Explains the batch `input` on 1 and on 2 threads and each of its samples alone, and checks that
/// the two batch maps are equal and that each sample's map is within `tolerance` of its row of the
/// batch map (relative_difference with `floor`). Returns the batch's attribution on 1 thread.
Attribution check_batch_equals_samples(const std::string& method, const Model& model,
                                       const Tensor& input,
                                       const std::vector<std::int64_t>& targets,
                                       const std::map<std::string, std::string>& params = {},
                                       double tolerance = 1e-6, double floor = 1e-12);

/// Checks a CAM-type method on conv_net(3) with a batch of two: by default it works at the last
/// spatial layer ("features", maps [N,1,4,4] upsampled to the input's 8x8) with the ReLU, each
/// sample alone gives its row of the batch's layer map, and the flat layer "fc" is refused, named.
void check_default_cam_layer(const std::string& method);

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

/// The softmax of `z` in double precision: reference probabilities computed by hand.
std::vector<double> softmax(const std::vector<double>& z);

}  // namespace lumen::testing
