// read_image's checks before decoding: the format by its signature, the declared size against
// ImageReadOptions::max_pixels, and PNG data that inflates beyond that size. Every crafted file
// is one the system's stb would decode (stbi_info accepts it), so each refusal is lumen's own.
#include <stb_image.h>
#include <stb_image_write.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "crafted_images.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using lumen::ImageReadOptions;
using lumen::Shape;
using lumen::Tensor;
using lumen::testing::TempDir;
using namespace lumen::testing;

namespace {

fs::path write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const fs::path file = dir.path / name;
  std::ofstream(file, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file;
}

// The width and height stb reads from the header, or {0, 0} when it does not know the format.
std::pair<int, int> stb_declared_size(const std::string& bytes) {
  int width = 0, height = 0, channels = 0;
  if (stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(bytes.size()), &width, &height, &channels) == 0) {
    return {0, 0};
  }
  return {width, height};
}

std::string refusal(const fs::path& file, const ImageReadOptions& options = {}) {
  try {
    lumen::read_image(file, options);
  } catch (const lumen::IoError& e) {
    return e.what();
  }
  FAIL("read_image accepted " << file);
  return {};
}

}  // namespace

TEST_CASE("read_image refuses the other formats stb decodes by their first bytes, naming them",
          "[io][image]") {
  struct Case {
    std::string name, bytes, format;
    int width, height;
  };
  const std::vector<Case> cases{
      {"tga.png", tga_bytes(16000, 16000), "TGA", 16000, 16000},
      {"rle-tga.png", rle_tga_bytes(46000, 46000), "TGA", 46000, 46000},
      {"bmp.png", bmp_bytes(), "BMP", 1, 1},
      {"gif.jpg", gif_bytes(), "GIF", 1, 1},
      {"psd.png", psd_bytes(), "PSD", 1, 1},
      {"hdr.jpeg", hdr_bytes(), "HDR", 1, 1},
      {"pnm.png", pnm_bytes(), "PNM", 2, 2},
      {"pic.png", pic_bytes(), "PIC", 1, 1},
  };
  CHECK(cases[0].bytes.size() == 53);
  CHECK(cases[1].bytes.size() == 26);
  const TempDir dir;
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(stb_declared_size(c.bytes) == std::pair{c.width, c.height});
    const fs::path file = write_file(dir, c.name, c.bytes);
    const std::string message = refusal(file);
    CHECK_THAT(message, Contains(file.string()) &&
                            Contains("looks like a file in the " + c.format + " format") &&
                            Contains("lumen reads only PNG and JPEG images"));
  }
}

TEST_CASE("read_image refuses files of no format it reads, and empty ones", "[io][image]") {
  const TempDir dir;
  using namespace std::string_literals;
  CHECK_THAT(refusal(write_file(dir, "a.png", "II*\0\x08\0\0\0"s)), Contains("the TIFF format"));
  CHECK_THAT(refusal(write_file(dir, "b.png", "RIFF\x10\0\0\0WEBPVP8 "s)),
             Contains("the WebP format"));
  CHECK_THAT(refusal(write_file(dir, "c.jpg", "<html>Not found</html>")),
             Contains("c.jpg") && Contains("it is not a PNG or JPEG image"));
  CHECK_THAT(refusal(write_file(dir, "d.png", "")), Contains("d.png") && Contains("it is empty"));
}

TEST_CASE("read_image refuses a PNG or JPEG declaring more than max_pixels before decoding",
          "[io][image]") {
  const TempDir dir;
  const std::string png = black_png(20000, 20000);
  CHECK(png.size() < 3'000'000);
  CHECK(stb_declared_size(png) == std::pair{20000, 20000});
  const fs::path big_png = write_file(dir, "big.png", png);
  CHECK_THAT(refusal(big_png), Contains(big_png.string()) &&
                                   Contains("declares 20000x20000 = 400000000 pixels") &&
                                   Contains("limit of 67108864") &&
                                   Contains("raise it with ImageReadOptions::max_pixels"));

  const std::string jpeg = jpeg_header(30000, 30000);
  CHECK(stb_declared_size(jpeg) == std::pair{30000, 30000});
  const fs::path big_jpeg = write_file(dir, "big.jpg", jpeg);
  ImageReadOptions options;
  options.max_pixels_setting = "--max-image-pixels";
  CHECK_THAT(refusal(big_jpeg, options), Contains(big_jpeg.string()) &&
                                             Contains("declares 30000x30000 = 900000000") &&
                                             Contains("raise it with --max-image-pixels"));
}

TEST_CASE("max_pixels bounds width x height: a 3000x3000 PNG under 1000x1000, at and above it",
          "[io][image]") {
  const TempDir dir;
  const fs::path file = write_file(dir, "photo.png", black_png(3000, 3000));
  ImageReadOptions small;
  small.max_pixels = 1000 * 1000;
  CHECK_THAT(refusal(file, small),
             Contains("3000x3000 = 9000000 pixels") && Contains("more than the limit of 1000000"));
  ImageReadOptions exact;
  exact.max_pixels = 3000 * 3000;
  CHECK(lumen::read_image(file, exact).shape() == Shape{1, 1, 3000, 3000});
  const Tensor image = lumen::read_image(file);
  REQUIRE(image.shape() == Shape{1, 1, 3000, 3000});
  CHECK(*std::max_element(image.values().begin(), image.values().end()) == 0.0F);
  ImageReadOptions none;
  none.max_pixels = 0;
  CHECK_THROWS_AS(lumen::read_image(file, none), lumen::InvalidArgument);
}

TEST_CASE("read_image refuses PNG data that inflates beyond what the declared size needs",
          "[io][image]") {
  // Without the check stb would grow its buffer to 64 MiB for a 1x1 image, and accept it.
  const TempDir dir;
  CHECK(lumen::read_image(write_file(dir, "exact.png", png_inflating_to(2))).shape() ==
        Shape{1, 1, 1, 1});
  for (const std::uint64_t inflated : {std::uint64_t{3}, std::uint64_t{64} << 20}) {
    INFO(inflated);
    const fs::path file = write_file(dir, "bomb.png", png_inflating_to(inflated));
    CHECK_THAT(refusal(file), Contains(file.string()) &&
                                  Contains("compressed pixel data inflates to more than the 2 "
                                           "bytes its declared size needs"));
  }
}

TEST_CASE("read_image refuses a PNG with broken chunks before stb sees it", "[io][image]") {
  const TempDir dir;
  const std::string png = png_bytes(2, 2, 0, std::vector<unsigned char>(4, 7));
  CHECK_THAT(refusal(write_file(dir, "cut.png", png.substr(0, png.size() - 20))),
             Contains("it ends inside"));
  CHECK_THAT(refusal(write_file(dir, "no-end.png", png.substr(0, png.size() - 12))),
             Contains("it ends without an IEND chunk"));
  // stb skips an Apple CgBI chunk before IHDR and inflates the data without its zlib header.
  const std::string cgbi =
      png.substr(0, 8) + std::string("\0\0\0\4CgBI\0\0\0\0\0\0\0\0", 16) + png.substr(8);
  CHECK_THAT(refusal(write_file(dir, "cgbi.png", cgbi)),
             Contains("its first chunk is CgBI, not IHDR"));
}

TEST_CASE("read_image reads a JPEG, and names the decoder's reason when decoding fails",
          "[io][image]") {
  const TempDir dir;
  // stb's JPEG writer stores three YCbCr components, which read back as RGB.
  std::vector<unsigned char> grey(8 * 8, 200);
  std::string jpeg;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                               static_cast<std::size_t>(size));
  };
  REQUIRE(stbi_write_jpg_to_func(append, &jpeg, 8, 8, 1, grey.data(), 95) != 0);
  const Tensor image = lumen::read_image(write_file(dir, "grey.jpg", jpeg));
  REQUIRE(image.shape() == Shape{1, 3, 8, 8});
  for (const float v : image.values()) CHECK(v == Approx(200.0F / 255.0F).margin(2.0F / 255.0F));

  const fs::path header_only = write_file(dir, "header-only.jpg", jpeg_header(64, 64));
  CHECK_THAT(refusal(header_only),
             Contains(header_only.string()) && Contains("the JPEG decoder failed: "));
  const fs::path short_data = write_file(dir, "short.png", png_inflating_to(1));
  CHECK_THAT(refusal(short_data), Contains("the PNG decoder failed: not enough pixels"));
}

TEST_CASE("read_image refuses a JPEG scan using a Huffman table no DHT segment defined",
          "[io][image]") {
  // Found by the image fuzzer (tests/fuzz/regressions/image/jpeg_undefined_ac_table.jpg): one
  // DC table defined, the scan selects AC table 0 too; stb would decode it from uninitialised
  // memory (garbage, or an assertion that stops the process).
  const std::string jpeg(
      "\xff\xd8\xff\xe0\x00\x10\x4a\x46\x49\x46\x00\x01\x01\x00\x00\x01"
      "\x29\x06\x08\x15\x15\x15\xff\xc0\x00\x0b\x08\x00\x01\x00\x12\x01"
      "\x01\x11\x00\xff\xc4\x00\x1f\x00\x00\x01\x05\x01\x01\x01\x01\x01"
      "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04\x05\xf5\xf6"
      "\xf7\xf8\xf9\xfa\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\xc8\xb9"
      "\xf0\xd7\xc3\x8f\x18\x7c\x4e\xd9\xa7\x87\xf1\xf4\x7f\xb0\xbe\x0b"
      "\xf8\x65\x60\x30\xd0\x00\x1d\x1d\x1d\x24\x1d\x1d\x1d\x1d\x1d\x2e"
      "\xd6\xaf\xff\xd9",
      116);
  const TempDir dir;
  const fs::path file = write_file(dir, "undefined-table.jpg", jpeg);
  CHECK_THAT(refusal(file), Contains(file.string()) &&
                                Contains("a scan uses AC Huffman table 0, which is not defined"));
}
