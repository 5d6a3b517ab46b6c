#pragma once
#include <filesystem>
#include <span>
#include <string>

namespace lumen::io_detail {

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`; on any
/// failure the temporary is removed and IoError names `path` and the reason.
void write_file_atomically(const std::filesystem::path& path, std::span<const char> bytes);

/// "'<path>'" for messages.
std::string quoted(const std::filesystem::path& path);

}  // namespace lumen::io_detail
