#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

namespace lumen::io_detail {

/// Encodes interleaved 8-bit pixels (channels = 1 or 3) as PNG and writes them atomically.
void write_png(const std::filesystem::path& path, std::int64_t width, std::int64_t height,
               int channels, const std::vector<unsigned char>& pixels);

/// A value in [0,1] (clamped) as an 8-bit level, rounded to nearest.
unsigned char to_byte(float value);

}  // namespace lumen::io_detail
