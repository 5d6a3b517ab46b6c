#pragma once
#include <string>
#include <string_view>

namespace lumen::io_detail {

/// What is wrong with the Huffman tables of `jpeg` (a whole file that starts with the JPEG
/// signature), or "" when every scan uses only tables a DHT segment defined before it.
/// See Note [JPEG tables defined before use].
std::string jpeg_tables_problem(std::string_view jpeg);

}  // namespace lumen::io_detail
