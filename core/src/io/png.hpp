#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lumen::io_detail {

/// Interleaved 8-bit pixels (channels = 1 or 3) encoded as PNG.
std::string encode_png(std::int64_t width, std::int64_t height, int channels,
                       const std::vector<unsigned char>& pixels);

/// A value in [0,1] (clamped) as an 8-bit level, rounded to nearest.
unsigned char to_byte(float value);

}  // namespace lumen::io_detail
