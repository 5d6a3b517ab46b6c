// Fuzzes read_image: any bytes give a [1,C,H,W] image (C = 1 or 3) of values in [0,1], or
// lumen's refusal.
#include <stb_image.h>

#include <limits>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <stdexcept>

#include "memory_file.hpp"

namespace {

// A file of a few hundred bytes can declare 2^31 pixels, which take seconds and gigabytes to
// decode: a resource limit for read_image's callers, not a memory error. Such inputs are left
// out, so that the fuzzer spends its time on the latter.
constexpr std::int64_t max_pixels = std::int64_t{1} << 18;

bool declares_too_many_pixels(const std::uint8_t* data, std::size_t size) {
  int width = 0, height = 0, channels = 0;
  return size <= static_cast<std::size_t>(std::numeric_limits<int>::max()) &&
         stbi_info_from_memory(data, static_cast<int>(size), &width, &height, &channels) != 0 &&
         static_cast<std::int64_t>(width) * height > max_pixels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (declares_too_many_pixels(data, size)) return 0;
  static lumen::fuzz::MemoryFile file;
  file.write(data, size);
  try {
    const lumen::Tensor image = lumen::read_image(file.path());
    if (image.rank() != 4 || image.dim(0) != 1 || (image.dim(1) != 1 && image.dim(1) != 3)) {
      throw std::logic_error("read_image returned the shape " + lumen::to_string(image.shape()));
    }
    for (std::int64_t i = 0; i < image.size(); ++i) {
      if (!(image[i] >= 0.0F && image[i] <= 1.0F)) {
        throw std::logic_error("read_image returned a value outside [0,1]");
      }
    }
  } catch (const lumen::Error&) {
    // the documented refusal of bad bytes
  }
  return 0;
}
