#pragma once
#include <filesystem>
#include <string>

namespace lumen::io_detail {

/// "'<path>'" for messages.
inline std::string quoted(const std::filesystem::path& path) {
  std::string q("'");
  q += path.string();
  q += '\'';
  return q;
}

}  // namespace lumen::io_detail
