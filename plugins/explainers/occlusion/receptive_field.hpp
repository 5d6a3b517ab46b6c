#pragma once
// Index arithmetic of sliding-window layers (Conv, MaxPool, AveragePool) along one spatial axis:
// which outputs a changed input reaches, and which inputs some outputs read.
#include <cstdint>

namespace lumen::occlusion {

/// A half-open range [begin, end) of indices along one axis; empty when end <= begin.
struct Span {
  std::int64_t begin = 0, end = 0;
  bool empty() const { return end <= begin; }
  std::int64_t size() const { return empty() ? 0 : end - begin; }
  bool operator==(const Span&) const = default;
};

/// The smallest span holding both spans (an empty span adds nothing).
Span hull(Span a, Span b);
/// The indices in both spans (possibly empty).
Span intersection(Span a, Span b);

/// One spatial axis of a sliding-window layer: output o reads the inputs
/// o * stride - pad + j * dilation, j in [0, kernel); those outside [0, in_size) are padding.
struct WindowAxis {
  std::int64_t kernel = 1, stride = 1, dilation = 1, pad = 0;
  std::int64_t in_size = 1, out_size = 1;
};

/// The outputs whose window reads an input in `changed`, as one span (the hull, where a dilation
/// leaves gaps between the taps); empty when no window reads `changed` (a stride larger than the
/// window's extent skips inputs).
Span touched_outputs(const WindowAxis& axis, Span changed);

/// The inputs the outputs in `outputs` read, clipped to [0, in_size), and how far their windows
/// reach past the clipped range before and after it (into the layer's padding).
struct InputSpan {
  Span inputs;
  std::int64_t pad_before = 0, pad_after = 0;
};
/// `outputs` must be non-empty, inside [0, out_size), and read some input (as the spans
/// touched_outputs gives do).
InputSpan receptive_field(const WindowAxis& axis, Span outputs);

}  // namespace lumen::occlusion
