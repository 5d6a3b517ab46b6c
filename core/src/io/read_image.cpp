// read_image: a PNG or JPEG file, checked before stb decodes it (formats, declared size, PNG
// inflation, JPEG Huffman tables), so that a small file cannot make lumen allocate more than the
// caller allowed nor make stb read memory it never wrote.
#include <stb_image.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "io/image_format.hpp"
#include "io/jpeg_tables.hpp"
#include "io/png_data.hpp"
#include "io/quoted.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"

namespace lumen {
namespace {

std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  return reason ? reason : "unknown reason";
}

class ImageReader {
 public:
  ImageReader(const std::filesystem::path& path, const ImageReadOptions& options)
      : path_(path), options_(options) {}

  Tensor read() {
    if (options_.max_pixels < 1) {
      throw InvalidArgument("cannot read image " + io_detail::quoted(path_) + ": max_pixels is " +
                            std::to_string(options_.max_pixels) + "; it must be positive");
    }
    read_file();
    check_declared_size();
    const std::string problem = format_ == "PNG" ? io_detail::png_data_problem(bytes_)
                                                 : io_detail::jpeg_tables_problem(bytes_);
    if (!problem.empty()) throw fail(problem);
    return decode();
  }

 private:
  IoError fail(const std::string& what) const {
    return IoError("cannot read image " + io_detail::quoted(path_) + ": " + what);
  }

  // Reads the signature, and the rest of the file only when it is a PNG or JPEG one, so that a
  // large file of another kind is never read whole.
  void read_file() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) throw fail("no such file");
    // Opening a FIFO for reading would wait for a writer, forever.
    if (!std::filesystem::is_regular_file(path_, ec)) {
      throw fail("it is not a regular file (a directory, FIFO, socket or device)");
    }
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw fail("cannot open it");
    bytes_.resize(io_detail::image_signature_length);
    in.read(bytes_.data(), static_cast<std::streamsize>(bytes_.size()));
    bytes_.resize(static_cast<std::size_t>(in.gcount()));
    format_ = io_detail::image_format(bytes_);
    if (format_ != "PNG" && format_ != "JPEG") {
      const std::string what =
          bytes_.empty()    ? "it is empty"
          : format_.empty() ? "it is not a PNG or JPEG image"
                            : "it looks like a file in the " + std::string(format_) + " format";
      throw fail(what + "; lumen reads only PNG and JPEG images, whatever the file is called");
    }
    bytes_.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) throw fail("read error");
    if (bytes_.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      throw fail("it is larger than the decoder handles (2 GiB)");
    }
  }

  const stbi_uc* data() const { return reinterpret_cast<const stbi_uc*>(bytes_.data()); }
  int length() const { return static_cast<int>(bytes_.size()); }

  void check_declared_size() const {
    int width = 0, height = 0, stored = 0;
    if (stbi_info_from_memory(data(), length(), &width, &height, &stored) == 0) {
      throw fail("its " + std::string(format_) + " header is unreadable (" + stb_reason() + ")");
    }
    // Both are positive ints: the product fits 64 bits.
    const std::int64_t declared = static_cast<std::int64_t>(width) * height;
    if (declared > options_.max_pixels) {
      throw fail("it declares " + std::to_string(width) + "x" + std::to_string(height) + " = " +
                 std::to_string(declared) + " pixels, more than the limit of " +
                 std::to_string(options_.max_pixels) + " (raise it with " +
                 options_.max_pixels_setting + ")");
    }
  }

  Tensor decode() const {
    int width = 0, height = 0, stored = 0;
    const std::unique_ptr<unsigned char, void (*)(void*)> pixels(
        stbi_load_from_memory(data(), length(), &width, &height, &stored, 0), stbi_image_free);
    if (!pixels) throw fail("the " + std::string(format_) + " decoder failed: " + stb_reason());
    // stb gives 1 grey, 2 grey+alpha, 3 RGB or 4 RGBA channels, interleaved.
    const int channels = stored <= 2 ? 1 : 3;
    const std::int64_t plane = static_cast<std::int64_t>(width) * height;
    Tensor image({1, channels, height, width});
    for (std::int64_t p = 0; p < plane; ++p) {
      for (int c = 0; c < channels; ++c) {
        image[c * plane + p] = static_cast<float>(pixels.get()[p * stored + c]) / 255.0F;
      }
    }
    return image;
  }

  const std::filesystem::path& path_;
  const ImageReadOptions& options_;
  std::string bytes_;
  std::string_view format_;
};

}  // namespace

Tensor read_image(const std::filesystem::path& path, const ImageReadOptions& options) {
  return ImageReader(path, options).read();
}

}  // namespace lumen
