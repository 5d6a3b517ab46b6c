#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <random>

#include "crafted_images.hpp"
#include "temp_dir.hpp"
#include "test_registry.hpp"

using namespace lumen;
using lumen::testing::registry;
using lumen::testing::TempDir;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// A [C,H,W] image whose value at (c, p) is ((c * 7 + p * 3) % 256) / 255: exact in 8 bits.
Tensor pattern(std::int64_t c, std::int64_t h, std::int64_t w, int offset) {
  Tensor t({c, h, w});
  for (std::int64_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<float>((i * 3 + offset) % 256) / 255.0F;
  return t;
}

void write_png(const fs::path& file, const Tensor& image) {
  fs::create_directories(file.parent_path());
  write_image_png(file, image);
}

}  // namespace

TEST_CASE("image-folder reads one sub-folder per class, sorted, with exact 8-bit values",
          "[image-folder]") {
  TempDir dir;
  write_png(dir.path / "zebra" / "a.png", pattern(1, 4, 5, 0));
  write_png(dir.path / "apple" / "b.png", pattern(1, 4, 5, 10));
  write_png(dir.path / "apple" / "sub" / "c.png", pattern(1, 4, 5, 20));
  std::ofstream(dir.path / "apple" / "notes.txt") << "ignored";
  const auto d = registry().open_dataset("folder:" + dir.path.string());
  REQUIRE(d->size() == 3);
  CHECK(d->class_names() == std::vector<std::string>{"apple", "zebra"});
  CHECK(d->sample_shape() == Shape{1, 4, 5});
  CHECK_FALSE(d->has_masks());
  CHECK(d->problems().empty());
  const std::vector<std::pair<std::string, int>> expected{
      {"b.png", 10}, {"c.png", 20}, {"a.png", 0}};
  for (std::int64_t i = 0; i < 3; ++i) {
    const Sample s = d->get(i);
    CHECK(fs::path(s.id).filename() == expected[static_cast<std::size_t>(i)].first);
    CHECK(s.label == (i < 2 ? 0 : 1));
    const Tensor want = pattern(1, 4, 5, expected[static_cast<std::size_t>(i)].second);
    for (std::int64_t p = 0; p < want.size(); ++p) CHECK(s.image[p] == want[p]);
  }
}

TEST_CASE("image-folder converts channels and resizes", "[image-folder]") {
  TempDir dir;
  write_png(dir.path / "rgb" / "a.png", pattern(3, 2, 2, 0));
  write_png(dir.path / "grey" / "b.png", pattern(1, 4, 4, 0));
  const auto grey = registry().open_dataset("image-folder:" + dir.path.string() + "?size=2");
  REQUIRE(grey->sample_shape() == Shape{1, 2, 2});
  const Tensor rgb = pattern(3, 2, 2, 0);
  const Sample s = grey->get(1);  // classes sorted: grey, rgb
  REQUIRE(s.label == 1);
  for (int p = 0; p < 4; ++p)
    CHECK(s.image[p] == Approx((rgb[p] + rgb[4 + p] + rgb[8 + p]) / 3.0F));
  const auto colour =
      registry().open_dataset("image-folder:" + dir.path.string() + "?size=4&channels=3");
  const Sample g = colour->get(0);
  REQUIRE(g.image.shape() == Shape{3, 4, 4});
  for (int p = 0; p < 16; ++p) {
    CHECK(g.image[p] == g.image[16 + p]);
    CHECK(g.image[p] == g.image[32 + p]);
  }
}

TEST_CASE("image-folder reads masks from DIR/masks and reports unreadable files",
          "[image-folder]") {
  TempDir dir;
  write_png(dir.path / "car" / "a.png", pattern(1, 3, 3, 0));
  write_png(dir.path / "car" / "b.png", pattern(1, 3, 3, 5));
  std::ofstream(dir.path / "car" / "broken.png") << "not a png";
  Tensor mask({1, 3, 3});
  mask[4] = 1.0F;
  mask[5] = 1.0F;
  write_png(dir.path / "masks" / "car" / "a.png", mask);
  const auto d = registry().open_dataset("folder:" + dir.path.string());
  CHECK(d->class_names() == std::vector<std::string>{"car"});  // masks is not a class
  CHECK(d->has_masks());
  REQUIRE(d->size() == 1);
  const Sample s = d->get(0);
  REQUIRE(s.mask);
  for (int p = 0; p < 9; ++p) CHECK((*s.mask)[p] == mask[p]);
  const auto problems = d->problems();
  REQUIRE(problems.size() == 2);
  CHECK(fs::path(problems[0].item).filename() == "b.png");
  CHECK_THAT(problems[0].reason, Contains("no mask") && Contains("b.png"));
  CHECK(fs::path(problems[1].item).filename() == "broken.png");
  CHECK_FALSE(problems[1].reason.empty());
}

TEST_CASE("image-folder refuses what holds nothing usable", "[image-folder]") {
  TempDir dir;
  CHECK_THROWS_WITH(registry().open_dataset("folder:" + dir.path.string()),
                    Contains(dir.path.string()) && Contains("no class sub-folder"));
  fs::create_directories(dir.path / "empty");
  CHECK_THROWS_AS(registry().open_dataset("folder:" + dir.path.string()), IoError);
  CHECK_THROWS_AS(registry().open_dataset("folder:" + (dir.path / "nope").string()), IoError);
  CHECK_THROWS_WITH(registry().open_dataset("folder:" + dir.path.string() + "?channels=2"),
                    Contains("channels"));
  CHECK_THROWS_WITH(registry().open_dataset("folder:" + dir.path.string() + "?colour=1"),
                    Contains("colour") && Contains("size"));
}

TEST_CASE("image-folder skips images of other formats and above max_pixels, masks too",
          "[image-folder]") {
  TempDir dir;
  write_png(dir.path / "car" / "a.png", pattern(1, 20, 20, 0));
  write_png(dir.path / "car" / "b.png", pattern(1, 3, 3, 0));
  std::ofstream(dir.path / "car" / "c.png", std::ios::binary) << testing::bmp_bytes();
  write_png(dir.path / "masks" / "car" / "a.png", Tensor({1, 20, 20}));
  write_png(dir.path / "masks" / "car" / "b.png", Tensor({1, 30, 30}));
  write_png(dir.path / "masks" / "car" / "c.png", Tensor({1, 3, 3}));
  const auto d = registry().open_dataset("folder:" + dir.path.string() + "?max_pixels=400");
  REQUIRE(d->size() == 1);
  CHECK(fs::path(d->get(0).id).filename() == "a.png");  // 20 x 20 = 400: at the limit
  const auto problems = d->problems();
  REQUIRE(problems.size() == 2);
  CHECK_THAT(problems[0].reason,
             Contains("30x30 = 900 pixels") && Contains("the dataset option max_pixels"));
  CHECK_THAT(problems[1].reason, Contains("c.png") && Contains("the BMP format"));
  CHECK(registry().open_dataset("folder:" + dir.path.string())->size() == 2);
}
