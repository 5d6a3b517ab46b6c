#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace lumen::cpu_onednn {

/// Plans (primitives and their layout conversions) made once per problem and reused: making a
/// oneDNN primitive generates code, which costs far more than running a small one. The key is
/// every number that defines the problem, the thread count included (oneDNN's kernels are
/// generated for it). Thread-safe; concurrent misses on one key may both build, one wins.
template <typename Plan>
class PrimitiveCache {
 public:
  using Key = std::vector<std::int64_t>;

  std::shared_ptr<const Plan> get(const Key& key, const std::function<Plan()>& build) {
    {
      const std::lock_guard lock(mutex_);
      auto it = plans_.find(key);
      if (it != plans_.end()) return it->second;
    }
    auto plan = std::make_shared<const Plan>(build());
    const std::lock_guard lock(mutex_);
    // A long run over many geometries (a sweep of input sizes) must not grow without bound.
    if (plans_.size() >= capacity) plans_.clear();
    return plans_.emplace(key, std::move(plan)).first->second;
  }

 private:
  static constexpr std::size_t capacity = 1024;
  std::mutex mutex_;
  std::map<Key, std::shared_ptr<const Plan>> plans_;
};

}  // namespace lumen::cpu_onednn
