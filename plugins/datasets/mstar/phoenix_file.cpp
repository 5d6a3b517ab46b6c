#include "phoenix_file.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <lumen/error.hpp>

namespace lumen::mstar {

namespace {

constexpr std::string_view begin_marker = "[PhoenixHeaderVer";
constexpr std::string_view end_marker = "[EndofPhoenixHeader]";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::map<std::string, std::string, std::less<>> parse_fields(std::string_view text) {
  std::map<std::string, std::string, std::less<>> fields;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    fields.emplace(std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))));
  }
  return fields;
}

std::int64_t field(const std::map<std::string, std::string, std::less<>>& fields,
                   std::string_view name, bool required, std::int64_t min) {
  const auto it = fields.find(name);
  if (it == fields.end()) {
    if (required) throw InvalidArgument("header has no " + std::string(name) + "= field");
    return 0;
  }
  std::int64_t value = 0;
  const char* end = it->second.data() + it->second.size();
  const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc() || ptr != end || value < min) {
    throw InvalidArgument("header field " + std::string(name) + "= '" + it->second +
                          "' is not an integer >= " + std::to_string(min));
  }
  return value;
}

float big_endian_float(const char* p) {
  std::uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits = (bits << 8) | static_cast<unsigned char>(p[i]);
  return std::bit_cast<float>(bits);
}

}  // namespace

bool looks_like_phoenix(std::string_view bytes) {
  return bytes.substr(0, begin_marker.size()) == begin_marker;
}

PhoenixChip parse_phoenix(std::string_view bytes) {
  if (!looks_like_phoenix(bytes)) {
    throw InvalidArgument("not an MSTAR file: it does not start with " + std::string(begin_marker) +
                          "...]");
  }
  const auto end = bytes.find(end_marker);
  if (end == std::string_view::npos) {
    throw InvalidArgument("the Phoenix header has no " + std::string(end_marker) + " line");
  }
  PhoenixChip chip;
  chip.header = parse_fields(bytes.substr(0, end));
  const std::int64_t header_length = field(chip.header, "PhoenixHeaderLength", true, 1);
  const std::int64_t native_length = field(chip.header, "native_header_length", false, 0);
  chip.rows = field(chip.header, "NumberOfRows", true, 1);
  chip.columns = field(chip.header, "NumberOfColumns", true, 1);
  const auto marker_end = static_cast<std::int64_t>(end + end_marker.size());
  if (header_length < marker_end) {
    throw InvalidArgument("PhoenixHeaderLength= " + std::to_string(header_length) +
                          " ends before the " + std::string(end_marker) + " line (byte " +
                          std::to_string(marker_end) + ")");
  }
  // Every number below comes from the file: bound each before any arithmetic, so that no sum or
  // product can overflow (a PhoenixHeaderLength near 2^63 once did).
  const auto size = static_cast<std::int64_t>(bytes.size());
  for (const auto& [name, length] : {std::pair{"PhoenixHeaderLength", header_length},
                                     std::pair{"native_header_length", native_length}}) {
    if (length > size) {
      throw InvalidArgument(std::string(name) + "= " + std::to_string(length) +
                            " is beyond the end of the file (" + std::to_string(size) + " bytes)");
    }
  }
  constexpr std::int64_t most_values = std::int64_t{1} << 28;
  if (chip.rows > most_values || chip.columns > most_values ||
      chip.rows * chip.columns > most_values) {
    throw InvalidArgument("NumberOfRows x NumberOfColumns = " + std::to_string(chip.rows) + " x " +
                          std::to_string(chip.columns) + " is implausibly large");
  }
  const std::int64_t offset = header_length + native_length;
  const std::int64_t values = chip.rows * chip.columns;
  const std::int64_t expected = offset + 2 * 4 * values;
  if (size != expected) {
    throw InvalidArgument(
        std::string(size < expected ? "truncated" : "wrong length") + ": the header announces " +
        std::to_string(chip.rows) + "x" + std::to_string(chip.columns) +
        " magnitudes and phases (float32) from byte " + std::to_string(offset) + ", " +
        std::to_string(expected) + " bytes in all, but the file has " + std::to_string(size));
  }
  chip.magnitude.resize(static_cast<std::size_t>(values));
  const char* data = bytes.data() + offset;
  for (std::int64_t i = 0; i < 2 * values; ++i) {
    const float v = big_endian_float(data + 4 * i);
    const bool phase = i >= values;
    const auto where = [&] {
      const std::int64_t at = phase ? i - values : i;
      return " at row " + std::to_string(at / chip.columns) + ", column " +
             std::to_string(at % chip.columns);
    };
    if (!std::isfinite(v)) {
      throw InvalidArgument(std::string("non-finite ") + (phase ? "phase" : "magnitude") + where());
    }
    if (phase) continue;
    if (v < 0.0F) throw InvalidArgument("negative magnitude " + std::to_string(v) + where());
    chip.magnitude[static_cast<std::size_t>(i)] = v;
  }
  return chip;
}

}  // namespace lumen::mstar
