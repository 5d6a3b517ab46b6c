#pragma once
// Element-wise loops over tensors, in parallel: for layers and rules.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstdint>

namespace lumen {

/// Calls body(begin, end) over [0, n) in blocks of at most 32 Ki elements, in parallel (oneTBB,
/// in the caller's arena). For element-wise work: each element is computed alone, so how the
/// blocks are shared among threads cannot change a result. Read and write through raw pointers
/// in `body`: through Tensor::operator[] the compiler cannot rule out aliasing and does not
/// vectorise.
template <class Body>
void for_each_block(std::int64_t n, Body&& body) {
  constexpr std::int64_t block = 32 * 1024;
  if (n <= block) {
    body(std::int64_t{0}, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, block),
                    [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
}

}  // namespace lumen
