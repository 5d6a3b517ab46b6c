#include "backend_threading.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <exception>
#include <vector>

#include "check_support.hpp"

namespace lumen::conformance::detail {

namespace {

// Runs the call inside `arena`, naming the case when the kernel throws.
KernelOutputs run_in(tbb::task_arena& arena, const KernelCall& call, const Backend& backend) {
  try {
    return arena.execute([&] { return call.run(backend); });
  } catch (const std::exception& e) {
    fail(call.where + ": threw " + e.what());
  }
}

}  // namespace

std::string thread_count_check(const Backend& backend, std::span<const KernelCall> calls) {
  tbb::task_arena one(1), two(2);
  for (const KernelCall& call : calls) {
    const KernelOutputs alone = run_in(one, call, backend);
    const KernelOutputs shared = run_in(two, call, backend);
    if (!same_bits(alone, shared)) {
      fail(call.where +
           ": 1 and 2 threads give different results: " + bit_difference(alone, shared));
    }
  }
  return std::to_string(calls.size()) + " large cases bit-identical";
}

std::string concurrency_check(const Backend& backend, std::span<const KernelCall> calls) {
  tbb::task_arena two(2);
  std::vector<KernelOutputs> alone;
  for (const KernelCall& call : calls) alone.push_back(run_in(two, call, backend));

  std::vector<KernelOutputs> concurrent(calls.size());
  try {
    two.execute([&] {
      tbb::parallel_for(std::size_t{0}, calls.size(),
                        [&](std::size_t i) { concurrent[i] = calls[i].run(backend); });
    });
  } catch (const std::exception& e) {
    fail(std::string("a concurrent call threw ") + e.what());
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (!same_bits(concurrent[i], alone[i])) {
      fail(calls[i].where + ": concurrent call " + std::to_string(i) +
           " differs from the same call made alone: " + bit_difference(concurrent[i], alone[i]));
    }
  }
  return std::to_string(calls.size()) +
         " calls at once over the large cases, each on its own inputs and bit-identical to the "
         "call alone";
}

}  // namespace lumen::conformance::detail
