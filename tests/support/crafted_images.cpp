#include "crafted_images.hpp"

#include <algorithm>

namespace lumen::testing {
namespace {

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string le16(std::uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }

std::string le32(std::uint32_t v) { return le16(v) + le16(v >> 16); }

std::uint32_t crc32(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320U & (0U - (c & 1U)));
  }
  return c ^ 0xFFFFFFFFU;
}

std::string png_chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

std::string png_file(std::uint32_t width, std::uint32_t height, int colour_type,
                     const std::string& zlib) {
  std::string ihdr = be32(width) + be32(height);
  ihdr += std::string{'\x08', static_cast<char>(colour_type), '\0', '\0', '\0'};
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", zlib) +
         png_chunk("IEND", "");
}

// Deflate's bit order: fields least significant bit first, Huffman codes most significant first.
class BitWriter {
 public:
  void bits(std::uint32_t value, int count) {
    for (int i = 0; i < count; ++i) put((value >> i) & 1U);
  }
  void code(std::uint32_t code, int length) {
    for (int i = length - 1; i >= 0; --i) put((code >> i) & 1U);
  }
  std::string finish() {
    if (used_ > 0) out_.push_back(static_cast<char>(byte_));
    return out_;
  }

 private:
  void put(std::uint32_t bit) {
    byte_ |= bit << used_;
    if (++used_ == 8) {
      out_.push_back(static_cast<char>(byte_));
      byte_ = 0;
      used_ = 0;
    }
  }
  std::string out_;
  std::uint32_t byte_ = 0;
  int used_ = 0;
};

// A zlib stream of `count` zero bytes in one block of fixed Huffman codes: a literal 0, then
// copies of 258 bytes at distance 1 (13 bits each), then literals for the rest.
std::string zlib_zeros(std::uint64_t count) {
  BitWriter w;
  w.bits(1, 1);  // the last block
  w.bits(1, 2);  // fixed codes
  const auto literal_zero = [&] { w.code(0x30, 8); };
  std::uint64_t left = count;
  if (left > 0) {
    literal_zero();
    --left;
  }
  for (; left >= 258; left -= 258) {
    w.code(0xC5, 8);  // length symbol 285: 258 bytes
    w.code(0, 5);     // distance symbol 0: 1 byte back
  }
  for (; left > 0; --left) literal_zero();
  w.code(0, 7);  // end of block
  const auto adler = static_cast<std::uint32_t>(count % 65521U) << 16 | 1U;
  return std::string{'\x78', '\x01'} + w.finish() + be32(adler);
}

std::string tga_header(int image_type, std::uint16_t width, std::uint16_t height, int depth) {
  std::string h(18, '\0');
  h[2] = static_cast<char>(image_type);
  h.replace(12, 4, le16(width) + le16(height));
  h[16] = static_cast<char>(depth);
  return h;
}

}  // namespace

std::string png_bytes(int width, int height, int colour_type,
                      const std::vector<unsigned char>& px) {
  const int channels = colour_type == 0 ? 1 : colour_type == 2 ? 3 : colour_type == 4 ? 2 : 4;
  std::string rows;
  for (int y = 0; y < height; ++y) {
    rows.push_back('\0');  // filter: none
    for (int i = 0; i < width * channels; ++i)
      rows.push_back(static_cast<char>(px[static_cast<std::size_t>(y * width * channels + i)]));
  }
  std::string z{'\x78', '\x01'};
  for (std::size_t at = 0; at < rows.size() || at == 0; at += 65535) {
    const std::size_t n = std::min<std::size_t>(65535, rows.size() - at);
    z.push_back(at + n >= rows.size() ? '\1' : '\0');
    z += std::string{static_cast<char>(n & 0xFF), static_cast<char>(n >> 8),
                     static_cast<char>(~n & 0xFF), static_cast<char>((~n >> 8) & 0xFF)};
    z += rows.substr(at, n);
    if (n == 0) break;
  }
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : rows) {
    a = (a + c) % 65521U;
    b = (b + a) % 65521U;
  }
  z += be32((b << 16) | a);
  return png_file(static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height),
                  colour_type, z);
}

std::string black_png(std::uint32_t width, std::uint32_t height) {
  return png_file(width, height, 0, zlib_zeros(std::uint64_t{height} * (1 + std::uint64_t{width})));
}

std::string png_inflating_to(std::uint64_t inflated) {
  return png_file(1, 1, 0, zlib_zeros(inflated));
}

std::string tga_bytes(std::uint16_t width, std::uint16_t height) {
  return tga_header(2, width, height, 24) + std::string(35, '\x7F');
}

std::string rle_tga_bytes(std::uint16_t width, std::uint16_t height) {
  std::string t = tga_header(11, width, height, 8);
  for (int packet = 0; packet < 4; ++packet) t += std::string{'\xFF', '\x40'};
  return t;
}

std::string bmp_bytes() {
  std::string b = "BM" + le32(58) + le32(0) + le32(54);
  b += le32(40) + le32(1) + le32(1) + le16(1) + le16(24) + le32(0) + le32(4) + le32(2835) +
       le32(2835) + le32(0) + le32(0);
  return b + std::string{'\x10', '\x20', '\x30', '\0'};  // one BGR pixel, the row padded to 4
}

std::string gif_bytes() {
  return std::string(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\xFF\xFF\xFF\x00\x00\x00"
      "\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3B",
      35);
}

std::string psd_bytes() {
  std::string p = "8BPS" + std::string{'\0', '\1'} + std::string(6, '\0');
  p += std::string{'\0', '\3'} + be32(1) + be32(1) + std::string{'\0', '\x08', '\0', '\3'};
  p += be32(0) + be32(0) + be32(0) + std::string{'\0', '\0'};  // no sections, raw data
  return p + std::string{'\x10', '\x20', '\x30'};
}

std::string hdr_bytes() {
  return std::string("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n") +
         std::string{'\x80', '\x40', '\x20', '\x81'};
}

std::string pnm_bytes() {
  return std::string("P5\n2 2\n255\n") + std::string{'\0', '\x40', '\x80', '\xFF'};
}

std::string pic_bytes() {
  std::string p = std::string("\x53\x80\xF6\x34", 4) + std::string(84, '\0') + "PICT";
  p += std::string{'\0', '\1', '\0', '\1'} + std::string(8, '\0');  // 1 x 1, ratio, fields
  p += std::string{'\0', '\x08', '\0', '\xE0'};  // one packet: 8 bits, uncompressed, RGB
  return p + std::string{'\x10', '\x20', '\x30'};
}

std::string jpeg_header(std::uint16_t width, std::uint16_t height) {
  std::string j{'\xFF', '\xD8', '\xFF', '\xC0', '\0', '\x0B', '\x08'};
  j += std::string{static_cast<char>(height >> 8), static_cast<char>(height),
                   static_cast<char>(width >> 8), static_cast<char>(width)};
  return j + std::string{'\1', '\1', '\x11', '\0'};  // one component, 1x1 sampling, table 0
}

}  // namespace lumen::testing
