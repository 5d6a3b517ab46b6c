#include "test_registry.hpp"

#include <cstdlib>
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

std::shared_ptr<const Backend> test_backend() {
  static const auto chain = [] {
    const char* first = std::getenv("LUMEN_TEST_BACKEND");
    if (first == nullptr || *first == '\0') return registry().backend_chain();
    return registry().backend_chain({first});
  }();
  return chain;
}

std::unique_ptr<Context> make_context(int threads, std::uint64_t seed) {
  return std::make_unique<Context>(test_backend(), threads, seed);
}

}  // namespace lumen::testing
