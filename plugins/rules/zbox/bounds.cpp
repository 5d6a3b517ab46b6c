#include "bounds.hpp"

#include <algorithm>
#include <lumen/error.hpp>
#include <sstream>

namespace lumen::zbox {

namespace {

std::string number(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

void check_ordered(const std::vector<float>& low, const std::vector<float>& high) {
  if (low.size() != 1 && high.size() != 1 && low.size() != high.size()) {
    throw InvalidArgument("rule zbox: 'low' has " + std::to_string(low.size()) +
                          " values but 'high' has " + std::to_string(high.size()) +
                          "; give one value or one per channel for each");
  }
  const std::size_t n = std::max(low.size(), high.size());
  for (std::size_t c = 0; c < n; ++c) {
    const float l = low[low.size() == 1 ? 0 : c];
    const float h = high[high.size() == 1 ? 0 : c];
    if (!(l < h)) {
      throw InvalidArgument("rule zbox: 'low' must be below 'high', got low = " + number(l) +
                            " and high = " + number(h) +
                            (n > 1 ? " for channel " + std::to_string(c) : std::string()));
    }
  }
}

Tensor expand_bounds(const std::string& name, const std::vector<float>& values,
                     const Shape& shape) {
  const std::int64_t channels = shape.size() > 1 ? shape[1] : 1;
  const auto count = static_cast<std::int64_t>(values.size());
  if (count != 1 && count != channels) {
    throw InvalidArgument("rule zbox: parameter '" + name + "' has " + std::to_string(count) +
                          " values, but the layer's input " + to_string(shape) + " has " +
                          std::to_string(channels) + " channels; give 1 value or " +
                          std::to_string(channels));
  }
  Tensor t(shape);
  if (t.size() == 0) return t;
  const std::int64_t inner = t.size() / (shape[0] * channels);
  for (std::int64_t i = 0; i < t.size(); ++i) {
    t[i] = values[count == 1 ? 0 : static_cast<std::size_t>((i / inner) % channels)];
  }
  return t;
}

}  // namespace lumen::zbox
