#include "io/image_format.hpp"

#include <initializer_list>

namespace lumen::io_detail {
namespace {

bool has_at(std::string_view head, std::size_t position, std::string_view text) {
  return head.size() >= position + text.size() && head.substr(position, text.size()) == text;
}

bool any_of(unsigned char value, std::initializer_list<unsigned char> choices) {
  for (unsigned char c : choices) {
    if (value == c) return true;
  }
  return false;
}

// stb's own test: a colour map type of 0 or 1, a known image type and pixel depth.
bool looks_like_tga(std::string_view head) {
  if (head.size() < 18) return false;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
  return byte(1) <= 1 && any_of(byte(2), {1, 2, 3, 9, 10, 11}) &&
         any_of(byte(16), {8, 15, 16, 24, 32});
}

}  // namespace

std::string_view image_format(std::string_view head) {
  using namespace std::string_view_literals;
  if (head.starts_with("\x89PNG\r\n\x1a\n"sv)) return "PNG";
  if (head.starts_with("\xFF\xD8\xFF"sv)) return "JPEG";
  if (head.starts_with("GIF87a"sv) || head.starts_with("GIF89a"sv)) return "GIF";
  if (head.starts_with("BM"sv)) return "BMP";
  if (head.starts_with("8BPS"sv)) return "PSD";
  if (head.starts_with("#?RADIANCE\n"sv) || head.starts_with("#?RGBE\n"sv)) return "HDR";
  if (head.size() >= 3 && head[0] == 'P' && head[1] >= '1' && head[1] <= '7' &&
      (head[2] == '\n' || head[2] == '\r' || head[2] == ' ' || head[2] == '\t')) {
    return "PNM";
  }
  if (head.starts_with("\x53\x80\xF6\x34"sv) && has_at(head, 88, "PICT")) return "PIC";
  if (head.starts_with("II*\0"sv) || head.starts_with("MM\0*"sv)) return "TIFF";
  if (head.starts_with("RIFF"sv) && has_at(head, 8, "WEBP")) return "WebP";
  if (looks_like_tga(head)) return "TGA";
  return {};
}

}  // namespace lumen::io_detail
