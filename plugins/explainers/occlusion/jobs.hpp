#pragma once
// How occlusion cuts its work: one job per (sample, chunk of windows), each writing its own slots
// of the results, so they are the same for any thread count.
#include <algorithm>
#include <cstdint>
#include <lumen/tensor.hpp>
#include <span>
#include <vector>

namespace lumen::occlusion {

struct Jobs {
  std::int64_t samples, count, batch, chunks;  ///< count windows per sample, batch per chunk
  Jobs(std::int64_t samples, std::int64_t count, std::int64_t batch)
      : samples(samples), count(count), batch(batch), chunks((count + batch - 1) / batch) {}
  std::int64_t total() const { return samples * chunks; }
  std::int64_t sample(std::int64_t job) const { return job / chunks; }
  std::int64_t first(std::int64_t job) const { return (job % chunks) * batch; }
  /// The windows in job `job`'s chunk.
  std::int64_t size(std::int64_t job) const { return std::min(batch, count - first(job)); }
};

/// The target logit of each sample, un-occluded (reference[n]) and under each window
/// (occluded[n * count + w]).
struct Logits {
  std::vector<double> reference, occluded;
  explicit Logits(const Jobs& jobs)
      : reference(static_cast<std::size_t>(jobs.samples)),
        occluded(static_cast<std::size_t>(jobs.samples * jobs.count)) {}
  /// Sets reference[n] = logits[n, targets[n]].
  void set_reference(const Tensor& logits, std::span<const std::int64_t> targets) {
    const std::int64_t classes = logits.size() / logits.dim(0);
    for (std::size_t n = 0; n < targets.size(); ++n)
      reference[n] = logits[static_cast<std::int64_t>(n) * classes + targets[n]];
  }
  double* occluded_at(const Jobs& jobs, std::int64_t job) {
    return &occluded[static_cast<std::size_t>(jobs.sample(job) * jobs.count + jobs.first(job))];
  }
};

}  // namespace lumen::occlusion
