#include "pool_windows.hpp"

#include <algorithm>

namespace lumen::max_pool {

namespace {

constexpr std::int64_t kProbesPerBatch = 32;

// members[o] = the probe lines (rows when `by_row`) that reach output line o.
std::vector<std::vector<std::int64_t>> probe_lines(const Layer& layer, std::int64_t height,
                                                   std::int64_t width, bool by_row,
                                                   const Backend& backend) {
  const std::int64_t lines = by_row ? height : width;
  std::vector<std::vector<std::int64_t>> members;
  for (std::int64_t first = 0; first < lines; first += kProbesPerBatch) {
    const std::int64_t count = std::min(kProbesPerBatch, lines - first);
    Tensor probe({count, 1, height, width});
    for (std::int64_t p = 0; p < count; ++p) {
      float* plane = probe.data() + p * height * width;
      const std::int64_t line = first + p;
      if (by_row) {
        std::fill(plane + line * width, plane + (line + 1) * width, 1.0F);
      } else {
        for (std::int64_t r = 0; r < height; ++r) plane[r * width + line] = 1.0F;
      }
    }
    const Tensor* inputs[] = {&probe};
    const Tensor out = layer.forward(inputs, backend, nullptr);
    const std::int64_t out_h = out.dim(2);
    const std::int64_t out_w = out.dim(3);
    members.resize(static_cast<std::size_t>(by_row ? out_h : out_w));
    for (std::int64_t p = 0; p < count; ++p) {
      const float* plane = out.data() + p * out_h * out_w;
      for (std::int64_t i = 0; i < out_h; ++i) {
        for (std::int64_t j = 0; j < out_w; ++j) {
          if (plane[i * out_w + j] > 0.5F) {
            auto& m = members[static_cast<std::size_t>(by_row ? i : j)];
            if (m.empty() || m.back() != first + p) m.push_back(first + p);
          }
        }
      }
    }
  }
  return members;
}

}  // namespace

PoolWindows probe_windows(const Layer& layer, std::int64_t height, std::int64_t width,
                          const Backend& backend) {
  return {probe_lines(layer, height, width, true, backend),
          probe_lines(layer, height, width, false, backend)};
}

}  // namespace lumen::max_pool
