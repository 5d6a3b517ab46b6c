#include "lumen/context.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "lumen/backend.hpp"
#include "lumen/error.hpp"

namespace lumen {

namespace {

// One arena per thread count, shared by every Context of the process. oneTBB (2021.8, Debian 12)
// keeps about 6 KB for every task_arena created and destroyed (uxlfoundation/oneTBB#967), so a
// host making a Context per sample (lumen evaluate) grew by ~25 KB per sample.
tbb::task_arena& shared_arena(int threads) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<tbb::task_arena>> arenas;
  const std::lock_guard lock(mutex);
  auto& arena = arenas[threads];
  if (!arena) arena = std::make_unique<tbb::task_arena>(threads);
  return *arena;
}

}  // namespace

// Work runs isolated (this_task_arena::isolate): a thread waiting for its own loop does not pick
// up another Context's tasks from the shared arena.
struct Context::Arena {
  explicit Arena(int threads) : arena(shared_arena(threads)) {}
  tbb::task_arena& arena;
};

Context::Context(std::shared_ptr<const Backend> backend, int threads, std::uint64_t seed)
    : backend_(std::move(backend)), seed_(seed) {
  if (!backend_) throw InvalidArgument("a Context needs a backend");
  const int hardware = tbb::this_task_arena::max_concurrency();
  threads_ = threads <= 0 ? hardware : threads;
  arena_ = std::make_unique<Arena>(threads_);
}

Context::~Context() = default;

void Context::run(const std::function<void()>& work) const {
  arena_->arena.execute([&] { tbb::this_task_arena::isolate(work); });
}

void Context::parallel_for(std::int64_t n, const std::function<void(std::int64_t)>& body) const {
  arena_->arena.execute([&] {
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(std::int64_t{0}, n, [&](std::int64_t i) {
        check_cancelled();
        body(i);
      });
    });
  });
}

namespace {
// SplitMix64: decorrelates nearby (seed, sample, stream) triples before seeding the engine.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}
}  // namespace

std::mt19937_64 Context::rng(std::uint64_t sample, std::uint64_t stream) const {
  return std::mt19937_64(mix(mix(mix(seed_) ^ sample) ^ stream));
}

void Context::set_pass_memory(std::int64_t bytes) {
  if (bytes <= 0) {
    throw InvalidArgument("the pass memory must be positive, got " + std::to_string(bytes) +
                          " bytes");
  }
  pass_memory_ = bytes;
}

void Context::set_progress_callback(std::function<void(double)> callback) {
  progress_ = std::move(callback);
}

void Context::report_progress(double fraction) const {
  if (progress_) progress_(fraction);
}

void Context::check_cancelled() const {
  if (cancelled_) throw Cancelled("cancelled");
}

}  // namespace lumen
