#pragma once
#include <memory>

#include "lumen/backend.hpp"

namespace lumen::testing {

/// The cpu-naive backend (plugins/backends/cpu-naive), compiled into the test support: the oracle
/// that optimised backends and the layers are tested against, without loading a plugin.
std::shared_ptr<const Backend> naive_backend();

}  // namespace lumen::testing
