#include <catch2/catch.hpp>

#include <algorithm>

#include "../receptive_field.hpp"

using namespace lumen::occlusion;

namespace {

// The inputs output o reads, padding included (may be outside [0, in_size)).
std::vector<std::int64_t> taps(const WindowAxis& a, std::int64_t o) {
  std::vector<std::int64_t> t;
  for (std::int64_t j = 0; j < a.kernel; ++j) t.push_back(o * a.stride - a.pad + j * a.dilation);
  return t;
}

}  // namespace

TEST_CASE("window axes: touched outputs and receptive fields match a brute-force scan",
          "[occlusion][receptive-field]") {
  int checked = 0;
  for (std::int64_t kernel : {1, 2, 3, 5})
    for (std::int64_t stride : {1, 2, 3, 4})
      for (std::int64_t dilation : {1, 2})
        for (std::int64_t pad : {0, 1, 2})
          for (std::int64_t in : {5, 9}) {
            const std::int64_t extent = dilation * (kernel - 1) + 1;
            if (in + 2 * pad < extent) continue;
            const WindowAxis a{kernel, stride, dilation,
                               pad,    in,     (in + 2 * pad - extent) / stride + 1};
            for (std::int64_t b = 0; b < in; ++b)
              for (std::int64_t e = b + 1; e <= in; ++e) {
                Span expected;
                for (std::int64_t o = 0; o < a.out_size; ++o) {
                  const auto t = taps(a, o);
                  if (std::any_of(t.begin(), t.end(), [&](auto i) { return i >= b && i < e; })) {
                    expected = hull(expected, {o, o + 1});
                  }
                }
                const Span touched = touched_outputs(a, {b, e});
                CAPTURE(kernel, stride, dilation, pad, in, b, e);
                CHECK(touched.empty() == expected.empty());
                if (!expected.empty()) CHECK(touched == expected);
                ++checked;
              }
            for (std::int64_t o0 = 0; o0 < a.out_size; ++o0)
              for (std::int64_t o1 = o0 + 1; o1 <= a.out_size; ++o1) {
                const auto first = taps(a, o0), last = taps(a, o1 - 1);
                if (last.back() < 0 || first.front() >= in) continue;  // padding alone
                const InputSpan r = receptive_field(a, {o0, o1});
                CAPTURE(kernel, stride, dilation, pad, in, o0, o1);
                CHECK(r.inputs.begin == std::max<std::int64_t>(0, first.front()));
                CHECK(r.inputs.end == std::min(in, last.back() + 1));
                CHECK(r.pad_before == r.inputs.begin - first.front());
                CHECK(r.pad_after == last.back() + 1 - r.inputs.end);
                // What a window layer over the crop and its padding outputs: the same count.
                CHECK((r.inputs.size() + r.pad_before + r.pad_after - extent) / stride + 1 ==
                      o1 - o0);
              }
          }
  CHECK(checked > 1000);
}
