#include "io/png_data.hpp"

#include <stb_image.h>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace lumen::io_detail {
namespace {

// Note [bounded PNG inflation]: stb starts inflating a PNG's IDAT data into a buffer of the
// size its header declares, but doubles that buffer for as long as the data goes on, up to
// 4 GiB, and accepts the surplus: a 1x1 PNG whose data inflates a thousandfold takes gigabytes
// whatever limit the declared size was checked against. Inflating the data first into a buffer
// of exactly the declared size, with stb's decoder that never grows its buffer, bounds that.

constexpr std::size_t signature_length = 8;

std::uint32_t big_endian(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

struct Header {
  std::uint64_t width = 0, height = 0, bits_per_pixel = 0;
  bool interlaced = false;
};

std::optional<Header> parse_ihdr(std::string_view data) {
  if (data.size() != 13) return std::nullopt;
  const auto depth = static_cast<unsigned char>(data[8]);
  const auto colour = static_cast<unsigned char>(data[9]);
  const auto interlace = static_cast<unsigned char>(data[12]);
  // Samples per pixel by colour type: grey, -, RGB, palette index, grey+alpha, -, RGBA.
  constexpr std::array<unsigned, 7> samples{1, 0, 3, 1, 2, 0, 4};
  if (colour >= samples.size() || samples[colour] == 0 || interlace > 1) return std::nullopt;
  if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) return std::nullopt;
  return Header{big_endian(data, 0), big_endian(data, 4), std::uint64_t{samples[colour]} * depth,
                interlace == 1};
}

// Bytes of the filtered image: per row a filter byte and its pixels; with Adam7 interlacing,
// the seven reduced images one after the other.
std::uint64_t raw_size(const Header& h) {
  const auto rows = [&](std::uint64_t width, std::uint64_t height) {
    return width == 0 ? 0 : height * (1 + (width * h.bits_per_pixel + 7) / 8);
  };
  if (!h.interlaced) return rows(h.width, h.height);
  struct Pass {
    std::uint64_t x0, y0, dx, dy;
  };
  constexpr std::array<Pass, 7> adam7{{{0, 0, 8, 8},
                                       {4, 0, 8, 8},
                                       {0, 4, 4, 8},
                                       {2, 0, 4, 4},
                                       {0, 2, 2, 4},
                                       {1, 0, 2, 2},
                                       {0, 1, 1, 2}}};
  std::uint64_t total = 0;
  for (const Pass& p : adam7) {
    const auto count = [](std::uint64_t size, std::uint64_t start, std::uint64_t step) {
      return size > start ? (size - start + step - 1) / step : 0;
    };
    total += rows(count(h.width, p.x0, p.dx), count(h.height, p.y0, p.dy));
  }
  return total;
}

}  // namespace

std::string png_data_problem(std::string_view png) {
  std::optional<Header> header;
  std::string compressed;
  bool ended = false;
  for (std::size_t at = signature_length; !ended;) {
    if (at == png.size()) return "it ends without an IEND chunk";
    if (png.size() - at < 12) return "it ends inside a chunk";
    const std::uint32_t length = big_endian(png, at);
    const std::string_view type = png.substr(at + 4, 4);
    if (png.size() - at - 12 < length) return "it ends inside its " + std::string(type) + " chunk";
    const std::string_view data = png.substr(at + 8, length);
    if (!header && type != "IHDR") return "its first chunk is " + std::string(type) + ", not IHDR";
    if (type == "IHDR" && !header) {
      header = parse_ihdr(data);
      if (!header) return "its IHDR chunk is malformed";
    } else if (type == "IDAT") {
      compressed.append(data);
    }
    ended = type == "IEND";
    at += 12 + std::size_t{length};
  }
  const std::uint64_t expected = raw_size(*header);
  if (expected > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return "its pixel data (" + std::to_string(expected) +
           " bytes) is more than the decoder handles (2 GiB)";
  }
  if (compressed.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return "its compressed pixel data is more than the decoder handles (2 GiB)";
  }
  // One byte more than needed, to tell data that inflates too far from data that fits exactly.
  std::vector<char> inflated(static_cast<std::size_t>(expected) + 1);
  const int size = stbi_zlib_decode_buffer(inflated.data(), static_cast<int>(inflated.size()),
                                           compressed.data(), static_cast<int>(compressed.size()));
  const std::string too_much = "its compressed pixel data inflates to more than the " +
                               std::to_string(expected) + " bytes its declared size needs";
  if (size < 0) {
    const std::string reason = stbi_failure_reason() ? stbi_failure_reason() : "unknown reason";
    return reason == "output buffer limit"
               ? too_much
               : "its compressed pixel data is corrupt (" + reason + ")";
  }
  return static_cast<std::uint64_t>(size) > expected ? too_much : std::string();
}

}  // namespace lumen::io_detail
