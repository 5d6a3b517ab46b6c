#pragma once
// Which input rows and columns each output of a max-pooling layer reads.
#include <cstdint>
#include <lumen/backend.hpp>
#include <lumen/layer.hpp>
#include <vector>

namespace lumen::max_pool {

/// The windows of a 2-D pooling: rows[i] are the input rows (padding excluded) that output row i
/// reads, cols[j] the input columns output column j reads; window (i, j) is their product.
struct PoolWindows {
  std::vector<std::vector<std::int64_t>> rows;
  std::vector<std::vector<std::int64_t>> cols;
};

/// Note [max-pool windows from probes]
/// The Layer interface does not expose a pooling's kernel, stride, padding and dilation, so the
/// windows are read off the layer's own forward pass: an input that is 1 on input row r and 0
/// elsewhere gives 1 exactly at the outputs whose window contains row r (padding is never the
/// maximum, and every window holds at least one input value). Windows are separable, so H + W
/// probes of one [1, 1, H, W] channel each, run in small batches, give them all.
PoolWindows probe_windows(const Layer& layer, std::int64_t height, std::int64_t width,
                          const Backend& backend);

}  // namespace lumen::max_pool
