// read_image's checks before decoding: the format by its signature. Every crafted file is one
// the system's stb would decode (stbi_info accepts it), so each refusal is lumen's own.
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

std::string refusal(const fs::path& file) {
  try {
    lumen::read_image(file);
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
