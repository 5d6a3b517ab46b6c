#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

/// Where a backend may keep what it derives from one set of constant weights (a copy in its
/// preferred layout), for as long as their owner lives: a layer owns one per weight tensor and
/// passes it with the weights (Backend::conv2d_forward_cached). A backend stores entries under
/// keys of its own making and must check, on a hit, that the entry is what it needs. Bounded
/// (the most recently stored entries are kept) and thread-safe; copying gives an empty cache,
/// since a copy may hold other weights.
class LUMEN_API WeightCache {
 public:
  WeightCache() = default;
  WeightCache(const WeightCache&) : WeightCache() {}
  WeightCache& operator=(const WeightCache&) = delete;

  /// The entry stored under `key`, or null.
  std::shared_ptr<const void> find(std::uint64_t key) const;
  /// Stores `value` under `key`, replacing any entry there.
  void keep(std::uint64_t key, std::shared_ptr<const void> value) const;

 private:
  static constexpr std::size_t capacity = 4;
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::uint64_t, std::shared_ptr<const void>>> entries_;
};

}  // namespace lumen
