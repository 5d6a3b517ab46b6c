#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "io/png.hpp"
#include "io/quoted.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "lumen/output_dir.hpp"

namespace lumen {
namespace io_detail {

unsigned char to_byte(float value) {
  const float v = std::isnan(value) ? 0.0F : std::clamp(value, 0.0F, 1.0F);
  return static_cast<unsigned char>(std::lround(v * 255.0F));
}

std::string encode_png(std::int64_t width, std::int64_t height, int channels,
                       const std::vector<unsigned char>& pixels) {
  if (width <= 0 || height <= 0 || width > std::numeric_limits<int>::max() / 4 ||
      height > std::numeric_limits<int>::max()) {
    throw IoError("cannot encode a PNG of unsupported size " + std::to_string(width) + "x" +
                  std::to_string(height));
  }
  std::string encoded;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                               static_cast<std::size_t>(size));
  };
  const int w = static_cast<int>(width);
  if (stbi_write_png_to_func(append, &encoded, w, static_cast<int>(height), channels, pixels.data(),
                             w * channels) == 0) {
    throw IoError("cannot encode a PNG: the encoder failed");
  }
  return encoded;
}

}  // namespace io_detail

std::string encode_png(const Tensor& image) {
  if (image.rank() != 3 || (image.dim(0) != 1 && image.dim(0) != 3)) {
    throw ShapeError("cannot encode a PNG image: it must be [C,H,W] with C = 1 or 3, got " +
                     to_string(image.shape()));
  }
  const std::int64_t channels = image.dim(0), plane = image.dim(1) * image.dim(2);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(image.size()));
  for (std::int64_t p = 0; p < plane; ++p) {
    for (std::int64_t c = 0; c < channels; ++c) {
      pixels[static_cast<std::size_t>(p * channels + c)] = io_detail::to_byte(image[c * plane + p]);
    }
  }
  return io_detail::encode_png(image.dim(2), image.dim(1), static_cast<int>(channels), pixels);
}

void write_image_png(const std::filesystem::path& path, const Tensor& image) {
  write_file(path, encode_png(image));
}

}  // namespace lumen
