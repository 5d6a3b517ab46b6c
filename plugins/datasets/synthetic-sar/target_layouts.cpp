#include "target_layouts.hpp"

#include <array>

namespace lumen::synthetic_sar {

namespace {

using S = Part::Shape;

// Extents differ from class to class (8 to 26 pixels long), and so do the arrangement and
// strength of the scatterers: a CNN can tell them apart at any aspect angle, a pixel-wise linear
// model cannot do it perfectly since the targets rotate freely.
constexpr Part tank[] = {{S::box, -8, 8, -4.5, 4.5, 3, 5, 0.6, 2.0},
                         {S::box, -3, 3, -3, 3, 2, 2, 1.0, 3.0},
                         {S::box, 3, 13, -0.5, 0.5, 1, 4, 0.8, 3.0}};
constexpr Part truck[] = {{S::box, 6, 11, -3.5, 3.5, 2, 2, 1.0, 3.5},
                          {S::box, -11, 4, -3.5, 3.5, 2, 5, 0.5, 3.0}};
constexpr Part apc[] = {{S::box, -8, 8, -4, 4, 3, 4, 0.7, 2.5},
                        {S::box, 8, 9, -4, 4, 3, 1, 1.0, 2.0}};
constexpr Part bulldozer[] = {{S::box, -6, 4, -4.5, 4.5, 2, 3, 0.6, 3.0},
                              {S::box, 6, 7, -6, 6, 6, 1, 1.2, 2.0}};
constexpr Part l_shape[] = {{S::box, -8, 8, -5, -2, 1, 5, 0.8, 2.0},
                            {S::box, -8, -5, -2, 8, 4, 1, 0.8, 2.0}};
constexpr Part launcher[] = {{S::box, -13, 13, -2, 2, 1, 8, 0.8, 2.0}};
constexpr Part jeep[] = {{S::box, -4, 4, -2.5, 2.5, 2, 2, 1.2, 2.0}};
constexpr Part t_shape[] = {{S::box, -9, 1, -1.5, 1.5, 1, 4, 0.8, 1.5},
                            {S::box, 1, 4, -8, 8, 6, 1, 0.8, 2.5}};
constexpr Part ring[] = {{S::ring, 0, 8, 0, 6, 1, 10, 0.9, 1.5}};
constexpr Part trailer[] = {{S::box, -12, -3, -3, 3, 2, 3, 0.7, 3.0},
                            {S::box, 3, 12, -3, 3, 2, 3, 0.7, 3.0},
                            {S::box, -3, 3, -0.5, 0.5, 1, 2, 0.4, 1.0}};

const std::array<TargetLayout, max_classes> layouts{{{"tank", tank},
                                                     {"truck", truck},
                                                     {"apc", apc},
                                                     {"bulldozer", bulldozer},
                                                     {"l-shape", l_shape},
                                                     {"launcher", launcher},
                                                     {"jeep", jeep},
                                                     {"t-shape", t_shape},
                                                     {"ring", ring},
                                                     {"trailer", trailer}}};

}  // namespace

const TargetLayout& target_layout(int label) { return layouts.at(static_cast<std::size_t>(label)); }

}  // namespace lumen::synthetic_sar
