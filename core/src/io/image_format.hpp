#pragma once
#include <cstddef>
#include <string_view>

namespace lumen::io_detail {

/// The bytes at the start of a file that tell its image format: enough for every format below.
constexpr std::size_t image_signature_length = 92;

/// The image format the first bytes of a file announce: "PNG" and "JPEG", which lumen reads, or
/// another one stb or a camera might produce ("TGA", "BMP", "GIF", "PSD", "HDR", "PNM", "PIC",
/// "TIFF", "WebP"); empty when none fits. TGA has no signature, so it is told by its header's
/// plausible values.
std::string_view image_format(std::string_view head);

}  // namespace lumen::io_detail
