#pragma once
#include <string>
#include <string_view>

namespace lumen::io_detail {

/// What is wrong with the pixel data of `png` (a whole file that starts with the PNG signature),
/// or "" when its chunks are whole, IHDR comes first, IEND closes them, and the IDAT chunks
/// inflate to no more bytes than the size IHDR declares needs. See Note [bounded PNG inflation].
/// Memory: a copy of the IDAT data and one buffer of the declared size, both freed on return.
std::string png_data_problem(std::string_view png);

}  // namespace lumen::io_detail
