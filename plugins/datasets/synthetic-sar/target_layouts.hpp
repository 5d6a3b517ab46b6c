#pragma once
// The ten target classes of synthetic-sar: each a few parts in the target's own frame (u along
// its length, v across, in pixels of a 64-pixel chip), each part carrying a grid of bright point
// scatterers and a height that sets the length of its radar shadow.
#include <span>
#include <string>

namespace lumen::synthetic_sar {

struct Part {
  enum class Shape { box, ring } shape = Shape::box;
  // box: [u0,u1] x [v0,v1]. ring: centre (u0, v0), radii v1 (inner) to u1 (outer).
  double u0 = 0.0, u1 = 0.0, v0 = 0.0, v1 = 0.0;
  int rows = 1;  ///< box: scatterer rows across v; ring: unused
  int cols = 1;  ///< box: scatterer columns along u; ring: scatterers on the mid circle
  double amplitude = 1.0;
  double height = 2.0;
};

struct TargetLayout {
  std::string name;
  std::span<const Part> parts;
};

inline constexpr int max_classes = 10;

/// The layout of class `label` in [0, max_classes).
const TargetLayout& target_layout(int label);

}  // namespace lumen::synthetic_sar
