#pragma once
// Image files built byte by byte, independently of lumen's writer: valid images to read, and
// crafted ones that the image reader must refuse.
#include <cstdint>
#include <string>
#include <vector>

namespace lumen::testing {

/// A PNG of 8-bit pixels in stored (uncompressed) deflate blocks. colour_type: 0 grey, 2 RGB,
/// 4 grey+alpha, 6 RGBA; `px` holds width * height * channels interleaved values.
std::string png_bytes(int width, int height, int colour_type, const std::vector<unsigned char>& px);

/// A valid all-black 8-bit grey PNG of width x height whose data is compressed ~150-fold (fixed
/// Huffman codes, runs of 258 zeros): 20000 x 20000 takes 2.5 MB.
std::string black_png(std::uint32_t width, std::uint32_t height);

/// A PNG declaring 1 x 1 grey pixel whose data inflates to `inflated` zero bytes instead of 2.
std::string png_inflating_to(std::uint64_t inflated);

/// An uncompressed 24-bit TGA declaring width x height with only 35 bytes of pixels (53 bytes).
std::string tga_bytes(std::uint16_t width, std::uint16_t height);

/// A run-length encoded 8-bit grey TGA declaring width x height in 26 bytes: four packets of 128
/// equal pixels.
std::string rle_tga_bytes(std::uint16_t width, std::uint16_t height);

/// Small valid images of formats stb decodes and lumen does not read: 1 x 1 (BMP, GIF, PSD, HDR,
/// Softimage PIC) or 2 x 2 (PNM, binary grey).
std::string bmp_bytes();
std::string gif_bytes();
std::string psd_bytes();
std::string hdr_bytes();
std::string pnm_bytes();
std::string pic_bytes();

/// The start of a JPEG (SOI, then a baseline SOF0 frame header) declaring width x height.
std::string jpeg_header(std::uint16_t width, std::uint16_t height);

}  // namespace lumen::testing
