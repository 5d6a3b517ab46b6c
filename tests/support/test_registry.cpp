#include "test_registry.hpp"

#include <lumen/error.hpp>
#include <lumen/plugin_loader.hpp>
#include <string>

namespace lumen::testing {

const Registry& registry() {
  static const std::unique_ptr<Registry> instance = [] {
    auto r = std::make_unique<Registry>();
    const auto failures = load_plugins(*r);
    if (!failures.empty()) {
      std::string text;
      for (const auto& f : failures) text += "\n  " + f.file.string() + ": " + f.reason;
      throw Error("plugins failed to load:" + text);
    }
    return r;
  }();
  return *instance;
}

std::unique_ptr<Context> make_context(int threads, std::uint64_t seed) {
  return std::make_unique<Context>(registry().backend("cpu-reference"), threads, seed);
}

}  // namespace lumen::testing
