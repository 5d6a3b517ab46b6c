#include "lumen/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "lumen/error.hpp"

namespace lumen {

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto l = spdlog::stderr_color_mt("lumen");
    l->set_pattern("[%l] %v");
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return *instance;
}

void set_log_level(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    throw InvalidArgument("unknown log level '" + std::string(level) +
                          "' (accepted: trace, debug, info, warn, error, off)");
  }
  logger().set_level(parsed);
}

}  // namespace lumen
