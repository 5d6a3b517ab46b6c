#include "io/jpeg_tables.hpp"

#include <array>
#include <cstdint>

namespace lumen::io_detail {
namespace {

// Note [JPEG tables defined before use]: the system's stb decodes a scan with whatever Huffman
// table its header selects, defined or not; an undefined one is uninitialised heap memory, so a
// 116-byte file (found by the image fuzzer) either decodes to garbage or stops the process at an
// assertion inside stb, depending on what the heap held. Walking the segments first and refusing
// a scan that selects a table no DHT segment defined closes that hole.

unsigned byte_at(std::string_view s, std::size_t at) { return static_cast<unsigned char>(s[at]); }

struct Tables {
  std::array<bool, 4> dc{}, ac{};
};

// Reads the tables of one DHT segment's payload; false when it is malformed.
bool define_tables(std::string_view payload, Tables& tables) {
  std::size_t at = 0;
  while (at < payload.size()) {
    if (payload.size() - at < 17) return false;
    const unsigned kind = byte_at(payload, at) >> 4, id = byte_at(payload, at) & 15;
    if (kind > 1 || id > 3) return false;
    std::size_t symbols = 0;
    for (std::size_t i = 1; i <= 16; ++i) symbols += byte_at(payload, at + i);
    if (payload.size() - at - 17 < symbols) return false;
    (kind == 0 ? tables.dc : tables.ac)[id] = true;
    at += 17 + symbols;
  }
  return true;
}

// Checks the scan header `payload` against the tables defined so far.
std::string scan_problem(std::string_view payload, const Tables& tables, bool progressive) {
  if (payload.empty()) return "a scan header is empty";
  const std::size_t components = byte_at(payload, 0);
  if (payload.size() != 1 + 2 * components + 3) return "a scan header is malformed";
  const unsigned spectral_start = byte_at(payload, 1 + 2 * components);
  const unsigned refinement = byte_at(payload, 3 + 2 * components) >> 4;
  // Baseline scans use both tables; progressive DC scans the DC table (none when refining),
  // progressive AC scans the AC table.
  const bool dc = !progressive || (spectral_start == 0 && refinement == 0);
  const bool ac = !progressive || spectral_start != 0;
  for (std::size_t c = 0; c < components; ++c) {
    const unsigned selectors = byte_at(payload, 2 + 2 * c);
    const unsigned dc_id = selectors >> 4, ac_id = selectors & 15;
    if (dc && (dc_id > 3 || !tables.dc[dc_id])) {
      return "a scan uses DC Huffman table " + std::to_string(dc_id) + ", which is not defined";
    }
    if (ac && (ac_id > 3 || !tables.ac[ac_id])) {
      return "a scan uses AC Huffman table " + std::to_string(ac_id) + ", which is not defined";
    }
  }
  return "";
}

}  // namespace

std::string jpeg_tables_problem(std::string_view jpeg) {
  Tables tables;
  bool progressive = false;
  std::size_t at = 2;  // after SOI
  while (at + 1 < jpeg.size()) {
    if (byte_at(jpeg, at) != 0xFF) {
      // Entropy-coded data after a scan: skip to the next marker (not a stuffed 0xFF00 or RSTn).
      ++at;
      continue;
    }
    const unsigned marker = byte_at(jpeg, at + 1);
    if (marker == 0xFF || marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      at += marker == 0xFF ? 1 : 2;  // fill byte, stuffed byte, restart marker, TEM
      continue;
    }
    if (marker == 0xD9) return "";  // EOI
    if (jpeg.size() - at < 4) return "it ends inside a segment header";
    const std::size_t length = byte_at(jpeg, at + 2) << 8 | byte_at(jpeg, at + 3);
    if (length < 2 || jpeg.size() - at - 2 < length) return "it ends inside a segment";
    const std::string_view payload = jpeg.substr(at + 4, length - 2);
    if (marker == 0xC4 && !define_tables(payload, tables)) return "a DHT segment is malformed";
    if (marker == 0xC2) progressive = true;
    if (marker == 0xDA) {
      if (std::string problem = scan_problem(payload, tables, progressive); !problem.empty()) {
        return problem;
      }
    }
    at += 2 + length;
  }
  return "";  // a file cut short is the decoder's to refuse
}

}  // namespace lumen::io_detail
