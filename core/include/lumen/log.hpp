#pragma once
#include <string_view>

#include "lumen/export.hpp"

namespace spdlog {
class logger;
}

namespace lumen {

/// The one logger of the process, owned by liblumen_core.so; plugins log through it so that the
/// host's level and pattern apply everywhere.
LUMEN_API spdlog::logger& logger();
/// "trace", "debug", "info", "warn", "error", "off"; throws InvalidArgument otherwise.
LUMEN_API void set_log_level(std::string_view level);

}  // namespace lumen
