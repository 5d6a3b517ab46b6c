#include "chip_generator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "random.hpp"
#include "target_layouts.hpp"

namespace lumen::synthetic_sar {

namespace {

constexpr double body_intensity = 0.15;    // diffuse return of the target's surfaces
constexpr double shadow_fraction = 0.1;    // what is left of the clutter in the shadow
constexpr double shadow_per_height = 1.5;  // 1 / tan(depression angle of about 34 degrees)
constexpr double footprint_margin = 0.5;   // so that one-pixel-thin parts stay connected
constexpr double cross_pol_clutter = 0.3;  // VH clutter relative to HH
constexpr double cross_pol_body = 0.5;     // volume scattering keeps more of the body in VH
constexpr double cross_pol_points = 0.25;  // mean VH/HH ratio of a point scatterer
constexpr double linear_full_scale = 1.5;  // magnitude mapped to 1 (then clipped)
constexpr double db_low = -30.0, db_high = 5.0;

// The target's frame placed in the image: rotation by theta about (cx, cy), scaled by k.
struct Pose {
  double cx, cy, cos_t, sin_t, k;
  void to_image(double u, double v, double& x, double& y) const {
    x = cx + k * (u * cos_t - v * sin_t);
    y = cy + k * (u * sin_t + v * cos_t);
  }
  void to_target(double x, double y, double& u, double& v) const {
    const double dx = (x - cx) / k, dy = (y - cy) / k;
    u = dx * cos_t + dy * sin_t;
    v = -dx * sin_t + dy * cos_t;
  }
};

bool inside(const Part& p, double u, double v) {
  const double m = footprint_margin;
  if (p.shape == Part::Shape::box)
    return u >= p.u0 - m && u <= p.u1 + m && v >= p.v0 - m && v <= p.v1 + m;
  const double r = std::hypot(u - p.u0, v - p.v0);
  return r >= p.v1 - m && r <= p.u1 + m;
}

struct PlannedScatterer {
  double u, v, intensity, cross_pol, height;
  bool visible;
};

std::vector<PlannedScatterer> plan_scatterers(const TargetLayout& layout, const ChipOptions& o,
                                              Random& rng) {
  std::vector<PlannedScatterer> out;
  auto add = [&](double u, double v, const Part& p) {
    PlannedScatterer s{};
    s.visible = rng.uniform() >= o.dropout;
    s.intensity = p.amplitude * p.amplitude * std::exp(0.3 * rng.normal());
    s.u = u + 0.3 * rng.normal();
    s.v = v + 0.3 * rng.normal();
    s.cross_pol = cross_pol_points * rng.uniform(0.3, 1.7);
    s.height = p.height;
    out.push_back(s);
  };
  for (const Part& p : layout.parts) {
    if (p.shape == Part::Shape::ring) {
      const double r = 0.5 * (p.u1 + p.v1);
      for (int j = 0; j < p.cols; ++j) {
        const double a = 2.0 * std::numbers::pi * j / p.cols;
        add(p.u0 + r * std::cos(a), p.v0 + r * std::sin(a), p);
      }
      continue;
    }
    for (int i = 0; i < p.rows; ++i) {
      for (int j = 0; j < p.cols; ++j) {
        add(p.u0 + (j + 0.5) * (p.u1 - p.u0) / p.cols, p.v0 + (i + 0.5) * (p.v1 - p.v0) / p.rows,
            p);
      }
    }
  }
  return out;
}

// Adds a Gaussian spot of peak `peak` at (x, y) to plane `plane` (size x size).
void add_spot(float* plane, int size, double x, double y, double peak, double sigma) {
  const int reach = static_cast<int>(std::ceil(3.0 * sigma));
  const int c0 = static_cast<int>(std::floor(x)), r0 = static_cast<int>(std::floor(y));
  for (int r = std::max(0, r0 - reach); r <= std::min(size - 1, r0 + reach); ++r) {
    for (int c = std::max(0, c0 - reach); c <= std::min(size - 1, c0 + reach); ++c) {
      const double dx = c + 0.5 - x, dy = r + 0.5 - y;
      plane[r * size + c] +=
          static_cast<float>(peak * std::exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma)));
    }
  }
}

float normalised(double intensity, bool decibels) {
  if (decibels) {
    const double db = 10.0 * std::log10(std::max(intensity, 1e-6));
    return static_cast<float>(std::clamp((db - db_low) / (db_high - db_low), 0.0, 1.0));
  }
  return static_cast<float>(std::min(1.0, std::sqrt(intensity) / linear_full_scale));
}

}  // namespace

Chip generate_chip(const ChipOptions& o, std::uint64_t seed, std::uint64_t index) {
  Random rng(seed, index);
  const int n = o.size;
  const double k = n / 64.0;
  const double theta = rng.uniform(0.0, 2.0 * std::numbers::pi);
  const Pose pose{n / 2.0 + k * rng.uniform(-o.jitter, o.jitter),
                  n / 2.0 + k * rng.uniform(-o.jitter, o.jitter), std::cos(theta), std::sin(theta),
                  k};
  const double clutter = o.clutter * rng.uniform(0.7, 1.3);

  Chip chip;
  chip.label = static_cast<std::int64_t>(index % static_cast<std::uint64_t>(o.classes));
  const TargetLayout& layout = target_layout(static_cast<int>(chip.label));
  const auto planned = plan_scatterers(layout, o, rng);

  // Footprint and per-pixel target height, then the scatterers' discs.
  const auto pixels = static_cast<std::size_t>(n) * n;
  std::vector<double> height(pixels, -1.0);
  std::vector<bool> body(pixels, false);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      double u = 0.0, v = 0.0;
      pose.to_target(c + 0.5, r + 0.5, u, v);
      for (const Part& p : layout.parts) {
        if (!inside(p, u, v)) continue;
        body[r * n + c] = true;
        height[r * n + c] = std::max(height[r * n + c], p.height);
      }
    }
  }
  const double sigma = psf_sigma * k;
  const double radius = mask_radius_sigmas * sigma;
  for (const auto& s : planned) {
    if (!s.visible) continue;
    Scatterer placed;
    pose.to_image(s.u, s.v, placed.x, placed.y);
    placed.intensity = s.intensity;
    chip.scatterers.push_back(placed);
    for (int r = std::max(0, static_cast<int>(placed.y - radius) - 1);
         r <= std::min(n - 1, static_cast<int>(placed.y + radius) + 1); ++r) {
      for (int c = std::max(0, static_cast<int>(placed.x - radius) - 1);
           c <= std::min(n - 1, static_cast<int>(placed.x + radius) + 1); ++c) {
        if (std::hypot(c + 0.5 - placed.x, r + 0.5 - placed.y) > radius) continue;
        height[r * n + c] = std::max(height[r * n + c], s.height);
      }
    }
  }
  chip.mask = Tensor({1, n, n});
  for (std::size_t p = 0; p < pixels; ++p) chip.mask[p] = height[p] >= 0.0 ? 1.0F : 0.0F;

  // Shadow: the radar looks from the top of the chip (row 0 is near range), so a target pixel
  // of height h hides the next h * shadow_per_height pixels further down its column.
  chip.shadow = Tensor({1, n, n});
  for (int c = 0; c < n; ++c) {
    double reach = -1.0;
    for (int r = 0; r < n; ++r) {
      const auto p = static_cast<std::size_t>(r) * n + c;
      if (height[p] >= 0.0) {
        reach = std::max(reach, r + height[p] * shadow_per_height * k);
      } else if (r <= reach) {
        chip.shadow[p] = 1.0F;
      }
    }
  }

  chip.reflectivity = Tensor({o.channels, n, n});
  const double clutter_of[2] = {clutter, clutter * cross_pol_clutter};
  const double body_of[2] = {body_intensity, body_intensity * cross_pol_body};
  for (int ch = 0; ch < o.channels; ++ch) {
    float* plane = chip.reflectivity.data() + static_cast<std::size_t>(ch) * pixels;
    for (std::size_t p = 0; p < pixels; ++p) {
      double value = chip.shadow[p] > 0.0F ? clutter_of[ch] * shadow_fraction : clutter_of[ch];
      if (body[p]) value = std::max(value, body_of[ch]);
      plane[p] = static_cast<float>(value);
    }
    std::size_t visible = 0;
    for (const auto& s : planned) {
      if (!s.visible) continue;
      const Scatterer& placed = chip.scatterers[visible++];
      add_spot(plane, n, placed.x, placed.y, ch == 0 ? s.intensity : s.intensity * s.cross_pol,
               sigma);
    }
  }
  // Distractors: bright clutter points (a post, a rock) anywhere in the chip, never in the mask.
  for (int d = 0; d < o.distractors; ++d) {
    const double x = rng.uniform(0.0, n), y = rng.uniform(0.0, n);
    const double peak = rng.uniform(0.1, 0.5);
    for (int ch = 0; ch < o.channels; ++ch) {
      add_spot(chip.reflectivity.data() + static_cast<std::size_t>(ch) * pixels, n, x, y,
               ch == 0 ? peak : peak * cross_pol_points, sigma);
    }
  }

  // Multiplicative speckle with L looks, then the magnitude (or dB) mapped to [0,1].
  chip.image = Tensor(chip.reflectivity.shape());
  for (std::int64_t p = 0; p < chip.image.size(); ++p) {
    const double speckle = rng.gamma(o.looks) / o.looks;
    chip.image[p] = normalised(chip.reflectivity[p] * speckle, o.decibels);
  }
  return chip;
}

}  // namespace lumen::synthetic_sar
