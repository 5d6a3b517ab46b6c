#pragma once

namespace lumen::cpu_onednn {

/// Sizes oneDNN's OpenMP team for the calling thread for one scope and restores it after.
/// oneDNN (Debian's build) runs on OpenMP, whose thread count is a per-thread setting: each call
/// gets lumen's kernel_threads() (Note [kernel thread budget] in core), so a kernel called
/// inside an outer parallel loop runs on one thread instead of starting a team per worker.
class OmpThreads {
 public:
  explicit OmpThreads(int threads);
  ~OmpThreads();
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;
  int count() const { return threads_; }

 private:
  int threads_;
  int previous_;
};

}  // namespace lumen::cpu_onednn
