#pragma once
// MSTAR chip files: an ASCII "Phoenix" header of `key= value` lines between
// `[PhoenixHeaderVer...]` and `[EndofPhoenixHeader]`, then (PhoenixHeaderLength +
// native_header_length) bytes from the start, NumberOfRows x NumberOfColumns big-endian float32
// magnitudes followed by as many phases.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lumen::mstar {

struct PhoenixChip {
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  std::vector<float> magnitude;  ///< row-major, rows x columns
  std::map<std::string, std::string, std::less<>> header;
};

/// Parses the bytes of one file. Throws InvalidArgument with the problem (a missing or invalid
/// header field, a truncated or over-long file, a negative or non-finite value) but not the file
/// name, which the caller adds.
PhoenixChip parse_phoenix(std::string_view bytes);

/// Whether the bytes start like an MSTAR file (a `[PhoenixHeaderVer` line).
bool looks_like_phoenix(std::string_view bytes);

}  // namespace lumen::mstar
