#pragma once
// Seeded kernel inputs and calls packaged to be made again and again, on any backend, from any
// thread: what the thread-count and concurrency checks of a backend compare.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lumen/backend.hpp"

namespace lumen::conformance::detail {

using Buffer = std::vector<float>;

/// `count` values uniform in [-1, 1) + shift, seeded.
Buffer random_values(std::int64_t count, std::uint64_t seed, float shift = 0.0F);
/// Outputs start as NaN: a kernel that accumulates into its output instead of overwriting it
/// leaves NaN behind.
Buffer nans(std::int64_t count);

std::int64_t input_size(const Conv2dGeometry& g);
std::int64_t output_size(const Conv2dGeometry& g);
std::int64_t weight_size(const Conv2dGeometry& g);
std::int64_t input_size(const Pool2dGeometry& g);
std::int64_t output_size(const Pool2dGeometry& g);

/// What one kernel call wrote: its float outputs and, for max pooling, the argmax indices.
struct KernelOutputs {
  std::vector<Buffer> values;
  std::vector<std::int32_t> indices;
};

/// Whether two calls wrote the same bits.
bool same_bits(const KernelOutputs& a, const KernelOutputs& b);
/// "12 of 100352 values differ (max |Δ| 2.4e-07)", or "the argmax indices differ".
std::string bit_difference(const KernelOutputs& a, const KernelOutputs& b);

/// One call of a kernel on fixed seeded inputs: `run` gives the kernel fresh NaN outputs on the
/// backend it is handed and returns them. Safe to run from several threads at once (the inputs
/// are shared and only read).
struct KernelCall {
  std::string where;  ///< the case, e.g. "conv N=2 C=64->64 ..."
  std::function<KernelOutputs(const Backend&)> run;
};

/// Calls of `kernel` on the large cases of the battery (large_gemm_cases and the like), their
/// inputs drawn from seeds counted up from `seed`.
std::vector<KernelCall> large_kernel_calls(Kernel kernel, std::uint64_t seed = 900);
/// `count` calls of `kernel` cycling through the large cases, each on inputs of its own: when two
/// of them run at once, whatever one leaks into the other changes its result.
std::vector<KernelCall> distinct_kernel_calls(Kernel kernel, int count);

}  // namespace lumen::conformance::detail
