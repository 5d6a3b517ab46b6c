#include "receptive_field.hpp"

#include <algorithm>

namespace lumen::occlusion {

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

}  // namespace

Span hull(Span a, Span b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

Span intersection(Span a, Span b) { return {std::max(a.begin, b.begin), std::min(a.end, b.end)}; }

Span touched_outputs(const WindowAxis& axis, Span changed) {
  Span touched;
  if (changed.empty()) return touched;
  for (std::int64_t j = 0; j < axis.kernel; ++j) {
    // Tap j of output o reads o * stride + offset: it lands in `changed` for the o below.
    const std::int64_t offset = j * axis.dilation - axis.pad;
    const Span by_tap{std::max<std::int64_t>(0, ceil_div(changed.begin - offset, axis.stride)),
                      std::min(axis.out_size, ceil_div(changed.end - offset, axis.stride))};
    touched = hull(touched, by_tap);
  }
  return touched;
}

InputSpan receptive_field(const WindowAxis& axis, Span outputs) {
  const std::int64_t first = outputs.begin * axis.stride - axis.pad;
  const std::int64_t end =
      (outputs.end - 1) * axis.stride - axis.pad + (axis.kernel - 1) * axis.dilation + 1;
  InputSpan in;
  in.inputs = {std::max<std::int64_t>(0, first), std::min(axis.in_size, end)};
  in.pad_before = in.inputs.begin - first;
  in.pad_after = end - in.inputs.end;
  return in;
}

}  // namespace lumen::occlusion
