#pragma once
// Small helpers over POSIX file descriptors, shared by OutputDir and AppendFile.
#include <filesystem>
#include <string>
#include <string_view>

namespace lumen::io_detail {

/// Writes every byte of `bytes` to `fd` (retrying short writes and EINTR); IoError naming `path`.
void write_all(int fd, std::string_view bytes, const std::filesystem::path& path);

/// Closes `fd` when it is open (>= 0), ignoring errors: for destructors and cleanup.
void close_quietly(int fd) noexcept;

/// strerror(errno_value) as a string.
std::string reason(int errno_value);

}  // namespace lumen::io_detail
