#pragma once
// The registry every test shares: all plugins of this build loaded once (from the build's plugin
// directory; tests run with LUMEN_PLUGIN_PATH empty), and contexts on the test backend chain.
#include <lumen/context.hpp>
#include <lumen/registry.hpp>
#include <memory>

namespace lumen::testing {

/// Loads every plugin of the build on first use; fails the test run if any plugin fails to load.
const Registry& registry();
/// The backends tests run on: the registry's default chain, or, when the environment variable
/// LUMEN_TEST_BACKEND names one (scripts/test_backends.sh), that backend first.
std::shared_ptr<const Backend> test_backend();
/// A context on test_backend().
std::unique_ptr<Context> make_context(int threads = 1, std::uint64_t seed = 0);

}  // namespace lumen::testing
