#include "segmentation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace lumen::lime {

Segments grid_segments(std::int64_t height, std::int64_t width, std::int64_t segments) {
  const auto rows = std::clamp<std::int64_t>(
      std::llround(std::sqrt(static_cast<double>(segments * height) / static_cast<double>(width))),
      1, height);
  const auto columns = std::clamp<std::int64_t>(
      std::llround(static_cast<double>(segments) / static_cast<double>(rows)), 1, width);
  Segments s{rows * columns, std::vector<std::int32_t>(static_cast<std::size_t>(height * width))};
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x) {
      // The cell r with floor(r H / rows) <= y < floor((r + 1) H / rows).
      const std::int64_t r = ((y + 1) * rows - 1) / height;
      const std::int64_t c = ((x + 1) * columns - 1) / width;
      s.labels[static_cast<std::size_t>(y * width + x)] =
          static_cast<std::int32_t>(r * columns + c);
    }
  return s;
}

Segments slic_segments(const float* image, std::int64_t channels, std::int64_t height,
                       std::int64_t width, std::int64_t segments, double compactness) {
  const std::int64_t pixels = height * width;
  std::vector<double> intensity(static_cast<std::size_t>(pixels));
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < pixels; ++i)
      intensity[static_cast<std::size_t>(i)] +=
          image[c * pixels + i] / static_cast<double>(channels);
  const auto [low, high] = std::minmax_element(intensity.begin(), intensity.end());
  const double range = *high - *low > 0.0 ? *high - *low : 1.0;
  const double lowest = *low;
  for (double& v : intensity) v = (v - lowest) / range;
  const double spatial =
      compactness / std::sqrt(static_cast<double>(pixels) / static_cast<double>(segments));

  // Features (intensity, y * spatial, x * spatial); centres start as the grid cells' means.
  Segments grid = grid_segments(height, width, segments);
  auto feature = [&](std::int64_t i) {
    return std::array<double, 3>{intensity[static_cast<std::size_t>(i)],
                                 static_cast<double>(i / width) * spatial,
                                 static_cast<double>(i % width) * spatial};
  };
  std::vector<std::int32_t> labels = grid.labels;
  std::vector<std::array<double, 3>> centres(static_cast<std::size_t>(grid.count));
  for (int iteration = 0; iteration <= 10; ++iteration) {
    if (iteration > 0) {  // assignment
      for (std::int64_t i = 0; i < pixels; ++i) {
        const auto f = feature(i);
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < centres.size(); ++k) {
          double d = 0.0;
          for (std::size_t a = 0; a < 3; ++a) d += (f[a] - centres[k][a]) * (f[a] - centres[k][a]);
          if (d < best) {
            best = d;
            labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(k);
          }
        }
      }
    }
    // update (an empty cluster keeps its centre)
    std::vector<std::array<double, 4>> sums(centres.size(), {0.0, 0.0, 0.0, 0.0});
    for (std::int64_t i = 0; i < pixels; ++i) {
      const auto f = feature(i);
      auto& s = sums[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])];
      for (std::size_t a = 0; a < 3; ++a) s[a] += f[a];
      s[3] += 1.0;
    }
    for (std::size_t k = 0; k < centres.size(); ++k)
      if (sums[k][3] > 0.0)
        for (std::size_t a = 0; a < 3; ++a) centres[k][a] = sums[k][a] / sums[k][3];
  }
  std::vector<std::int32_t> renumber(centres.size(), -1);
  Segments s{0, std::move(labels)};
  for (auto& label : s.labels) {
    auto& r = renumber[static_cast<std::size_t>(label)];
    if (r < 0) r = static_cast<std::int32_t>(s.count++);
    label = r;
  }
  return s;
}

}  // namespace lumen::lime
