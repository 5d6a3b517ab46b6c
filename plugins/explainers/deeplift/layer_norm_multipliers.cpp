#include "layer_norm_multipliers.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

#include "multiplier_rule.hpp"

namespace lumen::deeplift {

// Note [DeepLIFT through LayerNorm]
// Over each group of n normalised values the layer is three steps: centring u = x - mean(x)
// (linear), normalising v = u / sigma(u) with sigma(u) = sqrt(mean(u^2) + epsilon), and the
// per-element affine y = gamma v + beta. The linear steps take their exact linear multipliers
// (m_v = gamma m_y; m_x = m_u - mean(m_u), the transpose of centring); the normalising step takes
// the rescale rule element by element, m_u_i = m_v_i (v_i - v0_i) / (u_i - u0_i), or the diagonal
// of its Jacobian, 1/sigma - u_i^2 / (n sigma^3), where |u_i - u0_i| is below the threshold. Each
// step keeps sum(m_in * delta_in) = sum(m_out * delta_out), so summation-to-delta holds exactly.
Tensor layer_norm_multipliers(const LayerNormParams& params, const Tensor& x, const Tensor& x0,
                              const Tensor& upstream) {
  const auto n = params.scale.size();
  const auto groups = x.size() / n;
  const auto count = static_cast<double>(n);
  Tensor m(x.shape());
  std::vector<double> u(static_cast<std::size_t>(n)), u0(u.size()), m_u(u.size());
  const auto centre = [&](const Tensor& t, std::int64_t begin, std::vector<double>& out) {
    double mean = 0.0;
    for (std::int64_t i = 0; i < n; ++i) mean += t[begin + i];
    mean /= count;
    double squares = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      out[static_cast<std::size_t>(i)] = t[begin + i] - mean;
      squares += out[static_cast<std::size_t>(i)] * out[static_cast<std::size_t>(i)];
    }
    return std::sqrt(squares / count + params.epsilon);
  };
  for (std::int64_t g = 0; g < groups; ++g) {
    const std::int64_t begin = g * n;
    const double sigma = centre(x, begin, u);
    const double sigma0 = centre(x0, begin, u0);
    double mean_m_u = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const double du = u[k] - u0[k];
      const double slope = std::fabs(du) < kDeltaThreshold
                               ? 1.0 / sigma - u[k] * u[k] / (count * sigma * sigma * sigma)
                               : (u[k] / sigma - u0[k] / sigma0) / du;
      m_u[k] = static_cast<double>(params.scale[i]) * upstream[begin + i] * slope;
      mean_m_u += m_u[k];
    }
    mean_m_u /= count;
    for (std::int64_t i = 0; i < n; ++i) {
      m[begin + i] = static_cast<float>(m_u[static_cast<std::size_t>(i)] - mean_m_u);
    }
  }
  return m;
}

}  // namespace lumen::deeplift
