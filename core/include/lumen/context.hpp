#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>

#include "lumen/export.hpp"

namespace lumen {

class Backend;

/// How many passes an explanation cost; "per image" figures divide by the batch size.
struct PassCounts {
  std::int64_t forward = 0;   ///< sample-forward passes (a batch of 8 counts 8)
  std::int64_t backward = 0;  ///< sample-backward passes
};

/// Where work runs: a oneTBB arena with a fixed thread count, the backend, a seeded random source
/// that derives one independent stream per (sample, stream) so results never depend on
/// scheduling, pass counters, progress and cancellation. Thread-safe.
class LUMEN_API Context {
 public:
  /// threads <= 0 means all hardware threads.
  Context(std::shared_ptr<const Backend> backend, int threads = 0, std::uint64_t seed = 0);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Backend& backend() const { return *backend_; }
  int threads() const { return threads_; }
  std::uint64_t seed() const { return seed_; }

  /// Runs `work` inside the arena, so every oneTBB loop it starts uses at most threads() threads.
  /// Called from work already running in this arena (Explainer::explain inside another explain,
  /// or inside parallel_for), it runs `work` on the calling thread: oneTBB enters an arena only
  /// from outside it, so nesting neither waits for a free slot nor changes the thread count.
  void run(const std::function<void()>& work) const;
  /// Calls body(i) for i in [0, n) in parallel inside the arena. Exceptions propagate.
  void parallel_for(std::int64_t n, const std::function<void(std::int64_t)>& body) const;

  /// An independent generator for (sample, stream); the same arguments always give the same
  /// sequence, whatever the thread count.
  std::mt19937_64 rng(std::uint64_t sample, std::uint64_t stream = 0) const;

  void count_forward(std::int64_t samples) { forward_ += samples; }
  void count_backward(std::int64_t samples) { backward_ += samples; }
  PassCounts counts() const { return {forward_.load(), backward_.load()}; }

  /// Progress in [0,1] reported by long-running work; the callback must be thread-safe.
  void set_progress_callback(std::function<void(double)> callback);
  void report_progress(double fraction) const;

  /// Memory one batched pass may use, in bytes (default 512 MiB): methods that push many copies
  /// of an input cut them into passes of samples_per_pass() samples (lumen/batching.hpp). Each
  /// of the threads may run such a pass at once. Not synchronised with running work: set it
  /// before.
  std::int64_t pass_memory() const { return pass_memory_; }
  /// Throws InvalidArgument unless bytes > 0.
  void set_pass_memory(std::int64_t bytes);

  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_.load(); }
  /// Throws Cancelled when cancel() was called.
  void check_cancelled() const;

 private:
  struct Arena;
  std::shared_ptr<const Backend> backend_;
  int threads_;
  std::uint64_t seed_;
  std::unique_ptr<Arena> arena_;
  std::atomic<std::int64_t> forward_{0};
  std::atomic<std::int64_t> backward_{0};
  std::atomic<bool> cancelled_{false};
  std::int64_t pass_memory_ = std::int64_t{512} << 20;
  std::function<void(double)> progress_;
};

}  // namespace lumen
