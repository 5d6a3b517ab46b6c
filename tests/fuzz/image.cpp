// Fuzzes read_image: any bytes give a [1,C,H,W] image (C = 1 or 3) of values in [0,1], or
// lumen's refusal.
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <stdexcept>

#include "memory_file.hpp"

namespace {

// A file of a few hundred bytes can declare 2^31 pixels, which take seconds and gigabytes to
// decode: a resource limit, which read_image enforces before decoding (ImageReadOptions). The
// fuzzer reads under a small limit, so that it spends its time on memory errors instead.
const lumen::ImageReadOptions options{std::int64_t{1} << 18, "the fuzzer's limit"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lumen::fuzz::MemoryFile file;
  file.write(data, size);
  try {
    const lumen::Tensor image = lumen::read_image(file.path(), options);
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
