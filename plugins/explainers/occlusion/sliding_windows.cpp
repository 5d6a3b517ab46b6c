#include "sliding_windows.hpp"

#include <algorithm>
#include <lumen/error.hpp>
#include <vector>

namespace lumen::occlusion {

namespace {

std::string text_of(const std::vector<std::int64_t>& values) {
  std::string s;
  for (const auto v : values) s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

// 1 (k for k,k), 2 (h,w) or 3 (c,h,w) positive whole numbers, as the parameter declares them.
std::vector<std::int64_t> entries(const std::string& name, const std::vector<double>& list) {
  std::vector<std::int64_t> values(list.begin(), list.end());
  if (values.empty() || values.size() > 3) {
    throw InvalidArgument("occlusion: parameter '" + name + "' = '" + text_of(values) +
                          "' must have 1 (k for k,k), 2 (h,w) or 3 (c,h,w) entries");
  }
  for (const auto v : values) {
    if (v <= 0) {
      throw InvalidArgument("occlusion: parameter '" + name + "' = '" + text_of(values) +
                            "' must hold positive integers");
    }
  }
  if (values.size() == 1) values.push_back(values.front());  // a square window or step
  return values;
}

}  // namespace

std::array<std::int64_t, 2> SlidingWindows::range(std::int64_t index, int axis) const {
  std::int64_t position = index;
  for (int a = 2; a > axis; --a) position /= positions[static_cast<std::size_t>(a)];
  const auto i = static_cast<std::size_t>(axis);
  const std::int64_t begin = (position % positions[i]) * stride[i];
  return {begin, std::min(begin + window[i], dims[i])};
}

SlidingWindows make_sliding_windows(const std::vector<double>& window_list,
                                    const std::vector<double>& stride_list,
                                    const Shape& sample_shape) {
  const auto w = entries("window", window_list);
  const auto s = entries("stride", stride_list);
  const std::string window = text_of(w), stride = text_of(s);
  SlidingWindows sw;
  for (std::size_t a = 0; a < 3; ++a) sw.dims[a] = sample_shape.at(a);
  sw.window = w.size() == 3 ? std::array{w[0], w[1], w[2]} : std::array{sw.dims[0], w[0], w[1]};
  sw.stride =
      s.size() == 3 ? std::array{s[0], s[1], s[2]} : std::array<std::int64_t, 3>{1, s[0], s[1]};
  const char* axes[] = {"channels", "height", "width"};
  for (std::size_t a = 0; a < 3; ++a) {
    const std::int64_t room = sw.dims[a] - sw.window[a];
    if (room < 0) {
      throw InvalidArgument("occlusion: parameter 'window' = '" + window + "' is " +
                            std::to_string(sw.window[a]) + " along " + axes[a] +
                            ", larger than the input's " + std::to_string(sw.dims[a]));
    }
    if (room > 0 && sw.stride[a] > sw.window[a]) {
      throw InvalidArgument("occlusion: parameter 'stride' = '" + stride + "' is " +
                            std::to_string(sw.stride[a]) + " along " + axes[a] +
                            ", larger than the window's " + std::to_string(sw.window[a]) +
                            ": some input values would never be occluded");
    }
    sw.positions[a] = (room + sw.stride[a] - 1) / sw.stride[a] + 1;
  }
  return sw;
}

}  // namespace lumen::occlusion
