#include "lumen/weight_cache.hpp"

#include <algorithm>

namespace lumen {

std::shared_ptr<const void> WeightCache::find(std::uint64_t key) const {
  const std::lock_guard lock(mutex_);
  for (const auto& [k, value] : entries_)
    if (k == key) return value;
  return nullptr;
}

void WeightCache::keep(std::uint64_t key, std::shared_ptr<const void> value) const {
  const std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& entry) { return entry.first == key; });
  entries_.insert(entries_.begin(), {key, std::move(value)});
  if (entries_.size() > capacity) entries_.pop_back();
}

}  // namespace lumen
