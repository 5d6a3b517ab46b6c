#pragma once
// The thread contract of a backend's kernels (backend.hpp): results do not depend on the number of
// threads, and concurrent calls do not disturb each other.
#include <span>
#include <string>

#include "kernel_calls.hpp"
#include "lumen/backend.hpp"

namespace lumen::conformance::detail {

/// Makes each call on `backend` inside a oneTBB task_arena of 1 and of 2 threads and fails unless
/// the outputs are bit-identical. Returns the note of the PASS line.
std::string thread_count_check(const Backend& backend, std::span<const KernelCall> calls);

/// Makes every call on `backend` alone, then all of them at once (a parallel_for in an arena of 2
/// threads), each with its own outputs, and fails unless each equals, bit for bit, the same call
/// made alone. Give it calls on distinct inputs (distinct_kernel_calls): two calls on the same
/// inputs can share a buffer unnoticed. Returns the note of the PASS line.
std::string concurrency_check(const Backend& backend, std::span<const KernelCall> calls);

}  // namespace lumen::conformance::detail
