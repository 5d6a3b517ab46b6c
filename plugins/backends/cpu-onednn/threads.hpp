#pragma once

namespace lumen::cpu_onednn {

/// Sets the OpenMP thread count of the calling thread for one scope and restores it after.
/// oneDNN (Debian's build) runs on OpenMP, whose thread count is a per-thread setting; lumen runs
/// it on one thread in every task (Note [oneDNN on lumen's threads]).
class OmpThreads {
 public:
  explicit OmpThreads(int threads);
  ~OmpThreads();
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int previous_;
};

}  // namespace lumen::cpu_onednn
