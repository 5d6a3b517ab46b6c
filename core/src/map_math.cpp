// The math of lumen/detail/map_math.hpp as xtensor expressions over views of the callers' memory.
// Every expression keeps the order of operations of the loops it replaced (x * m + b * (1 - m),
// (v - min) / range, sums in order of the channel), so results are the same to the bit.
#include "lumen/detail/map_math.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnoalias.hpp>

#include "lumen/error.hpp"

namespace lumen::detail {
namespace {

// A one-dimensional xtensor view of `values`: no copy, no ownership.
template <class T>
auto view(std::span<T> values) {
  return xt::adapt(values.data(), values.size(), xt::no_ownership(),
                   std::array<std::size_t, 1>{values.size()});
}

// The number of maps of `plane` values in `size` values; ShapeError unless it is whole.
std::size_t maps_in(const char* function, std::size_t size, std::size_t plane) {
  if (plane == 0 ? size != 0 : size % plane != 0) {
    throw ShapeError(std::string(function) + ": " + std::to_string(size) +
                     " values are not a whole number of maps of " + std::to_string(plane));
  }
  return plane == 0 ? 0 : size / plane;
}

void require_same_size(const char* function, std::size_t a, std::size_t b) {
  if (a != b) {
    throw ShapeError(std::string(function) + ": an input of " + std::to_string(a) +
                     " values for an output of " + std::to_string(b));
  }
}

}  // namespace

ValueRange value_range(std::span<const float> values) {
  if (values.empty()) throw ShapeError("value_range: no values");
  // Not xt::amin / xt::amax / xt::minmax: they start from the largest and the lowest finite
  // float (xt::initial only merges with that start), so a map of +inf has the minimum 3.4e38.
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return {*low, *high};
}

void scale_by_range(std::span<float> values, ValueRange range, float constant) {
  auto v = view(values);
  const float width = range.max - range.min;
  if (width > 0.0F) {
    xt::noalias(v) = (v - range.min) / width;
  } else {
    v.fill(constant);
  }
}

void scale_to_unit(std::span<float> values, float constant) {
  if (values.empty()) return;
  scale_by_range(values, value_range(values), constant);
}

void scale_maps_to_unit(std::span<float> maps, std::int64_t plane) {
  if (maps.empty()) return;
  if (plane <= 0) {
    throw ShapeError("scale_maps_to_unit: maps of " + std::to_string(plane) + " values");
  }
  const auto p = static_cast<std::size_t>(plane);
  const std::size_t count = maps_in("scale_maps_to_unit", maps.size(), p);
  for (std::size_t i = 0; i < count; ++i) scale_to_unit(maps.subspan(i * p, p));
}

void standardise_channels(std::span<float> images, std::span<const float> mean,
                          std::span<const float> stdev, std::int64_t plane) {
  const std::size_t channels = mean.size();
  if (channels == 0 || stdev.size() != channels || plane < 0) {
    throw ShapeError("standardise_channels: " + std::to_string(mean.size()) + " means and " +
                     std::to_string(stdev.size()) + " deviations for maps of " +
                     std::to_string(plane) + " values");
  }
  const auto p = static_cast<std::size_t>(plane);
  const std::size_t maps = maps_in("standardise_channels", images.size(), p);
  maps_in("standardise_channels", maps, channels);
  for (std::size_t i = 0; i < maps; ++i) {
    auto v = view(images.subspan(i * p, p));
    xt::noalias(v) = (v - mean[i % channels]) / stdev[i % channels];
  }
}

void mean_of_maps(std::span<const float> maps, std::span<float> out) {
  const std::size_t channels = maps_in("mean_of_maps", maps.size(), out.size());
  if (out.empty()) return;
  if (channels == 0) throw ShapeError("mean_of_maps: no maps");
  auto o = view(out);
  o.fill(0.0F);
  for (std::size_t c = 0; c < channels; ++c) {
    xt::noalias(o) += view(maps.subspan(c * out.size(), out.size()));
  }
  o /= static_cast<float>(channels);
}

void add_weighted_maps(std::span<const float> maps, std::span<const float> weights,
                       std::span<float> out) {
  const std::size_t plane = out.size();
  if (maps.size() != weights.size() * plane) {
    throw ShapeError("add_weighted_maps: " + std::to_string(maps.size()) + " values for " +
                     std::to_string(weights.size()) + " maps of " + std::to_string(plane));
  }
  auto o = view(out);
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (weights[k] == 0.0F) continue;
    xt::noalias(o) += weights[k] * view(maps.subspan(k * plane, plane));
  }
}

void multiply_by_mask(std::span<const float> x, std::span<const float> mask, std::span<float> out) {
  require_same_size("multiply_by_mask", x.size(), out.size());
  const std::size_t plane = mask.size();
  const std::size_t channels = maps_in("multiply_by_mask", x.size(), plane);
  const auto m = view(mask);
  for (std::size_t c = 0; c < channels; ++c) {
    auto o = view(out.subspan(c * plane, plane));
    xt::noalias(o) = view(x.subspan(c * plane, plane)) * m;
  }
}

void blend_by_mask(std::span<const float> x, std::span<const float> background,
                   std::span<const float> mask, std::span<float> out) {
  require_same_size("blend_by_mask", x.size(), out.size());
  require_same_size("blend_by_mask", background.size(), out.size());
  const std::size_t plane = mask.size();
  const std::size_t channels = maps_in("blend_by_mask", x.size(), plane);
  const auto m = view(mask);
  for (std::size_t c = 0; c < channels; ++c) {
    auto o = view(out.subspan(c * plane, plane));
    xt::noalias(o) = view(x.subspan(c * plane, plane)) * m +
                     view(background.subspan(c * plane, plane)) * (1.0F - m);
  }
}

}  // namespace lumen::detail
