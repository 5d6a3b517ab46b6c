#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <set>

#include "../chip_generator.hpp"
#include "../split.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::synthetic_sar;
using lumen::testing::registry;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

}  // namespace

TEST_CASE("synthetic-sar samples are a pure function of (seed, index)", "[synthetic-sar]") {
  const auto a = registry().open_dataset("synthetic-sar:?n=40&seed=3");
  const auto b = registry().open_dataset("synthetic-sar:?n=40&seed=3");
  const auto other = registry().open_dataset("synthetic-sar:?n=40&seed=4");
  REQUIRE(a->size() == 40);
  REQUIRE(a->sample_shape() == Shape{1, 64, 64});
  for (std::int64_t i = 39; i >= 0; i -= 3) {  // any order gives the same samples
    const Sample x = a->get(i), y = b->get(i);
    CHECK(same_bits(x.image, y.image));
    CHECK(same_bits(*x.mask, *y.mask));
    CHECK(x.label == y.label);
    CHECK(x.id == "synthetic-sar#" + std::to_string(i));
    CHECK_FALSE(same_bits(x.image, other->get(i).image));
  }
  CHECK(same_bits(a->get(5).image, a->get(5).image));
  CHECK_THROWS_AS(a->get(40), InvalidArgument);
}

TEST_CASE("synthetic-sar masks cover the scatterers and the shadow lies behind the target",
          "[synthetic-sar]") {
  ChipOptions o;
  o.clutter = 0.0;
  o.distractors = 0;
  for (std::uint64_t index = 0; index < 30; ++index) {
    CAPTURE(index);
    const Chip chip = generate_chip(o, 11, index);
    REQUIRE(chip.mask.shape() == Shape{1, 64, 64});
    REQUIRE_FALSE(chip.scatterers.empty());
    for (const auto& s : chip.scatterers) {
      const auto c = static_cast<int>(std::floor(s.x)), r = static_cast<int>(std::floor(s.y));
      if (c < 0 || c >= 64 || r < 0 || r >= 64) continue;
      CHECK(chip.mask[r * 64 + c] == 1.0F);
    }
    // With no clutter, what lies outside the mask is only the tail of the point spread.
    double inside = 0.0, outside = 0.0;
    int shadow = 0;
    for (int p = 0; p < 64 * 64; ++p) {
      (chip.mask[p] > 0.0F ? inside : outside) += chip.reflectivity[p];
      CHECK((chip.mask[p] == 0.0F || chip.mask[p] == 1.0F));
      if (chip.shadow[p] == 0.0F) continue;
      ++shadow;
      CHECK(chip.mask[p] == 0.0F);
      bool target_above = false;  // the radar is at the top: the shadow is further down
      for (int r = p / 64 - 1; r >= 0 && !target_above; --r)
        target_above = chip.mask[r * 64 + p % 64] > 0.0F;
      CHECK(target_above);
    }
    CHECK(outside / (inside + outside) < 0.05);
    CHECK(shadow > 20);
  }
}

TEST_CASE("synthetic-sar shadow is darker than the clutter around the target", "[synthetic-sar]") {
  ChipOptions o;
  o.distractors = 0;
  for (std::uint64_t index = 0; index < 10; ++index) {
    const Chip chip = generate_chip(o, 2, index);
    double shadow = 0.0, clutter = 0.0;
    int ns = 0, nc = 0;
    for (int p = 0; p < 64 * 64; ++p) {
      if (chip.shadow[p] > 0.0F) {
        shadow += chip.image[p];
        ++ns;
      } else if (chip.mask[p] == 0.0F) {
        clutter += chip.image[p];
        ++nc;
      }
    }
    CHECK(shadow / ns < 0.5 * clutter / nc);
  }
}

TEST_CASE("synthetic-sar speckle is Gamma with mean 1 and variance 1/L", "[synthetic-sar]") {
  for (const double looks : {1.0, 4.0, 16.0}) {
    CAPTURE(looks);
    ChipOptions o;
    o.looks = looks;
    o.distractors = 0;
    double sum = 0.0, sum2 = 0.0;
    int count = 0;
    for (std::uint64_t index = 0; index < 20; ++index) {
      const Chip chip = generate_chip(o, 5, index);
      for (int p = 0; p < 64 * 64; ++p) {
        if (chip.mask[p] > 0.0F || chip.shadow[p] > 0.0F || chip.image[p] >= 1.0F) continue;
        const double ratio = std::pow(1.5 * chip.image[p], 2) / chip.reflectivity[p];
        sum += ratio;
        sum2 += ratio * ratio;
        ++count;
      }
    }
    const double mean = sum / count, variance = sum2 / count - mean * mean;
    CHECK(mean == Approx(1.0).epsilon(0.03));
    CHECK(variance == Approx(1.0 / looks).epsilon(0.08));
  }
}

TEST_CASE("synthetic-sar classes are balanced and train and test never share a sample",
          "[synthetic-sar]") {
  const auto train = registry().open_dataset("synthetic-sar:?n=95&split=train&classes=10");
  const auto test = registry().open_dataset("synthetic-sar:?n=95&split=test&classes=10");
  std::set<std::string> train_ids;
  std::vector<int> counts(10, 0);
  for (std::int64_t i = 0; i < 95; ++i) {
    const Sample s = train->get(i);
    ++counts[static_cast<std::size_t>(s.label)];
    train_ids.insert(s.id);
  }
  for (int c : counts) CHECK((c == 9 || c == 10));
  std::fill(counts.begin(), counts.end(), 0);
  for (std::int64_t i = 0; i < 95; ++i) {
    const Sample s = test->get(i);
    ++counts[static_cast<std::size_t>(s.label)];
    CHECK(train_ids.count(s.id) == 0);
  }
  for (int c : counts) CHECK((c == 9 || c == 10));
  // The partition itself: 4 in 5 of every block of stream indices train, the rest test.
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 280; ++i)
    CHECK(seen.insert(stream_index(Split::train, i, 7)).second);
  for (std::uint64_t i = 0; i < 70; ++i) CHECK(seen.insert(stream_index(Split::test, i, 7)).second);
  CHECK(*seen.rbegin() == 349);  // together they are exactly the first 350 stream indices
  CHECK(stream_index(Split::test, 3, 7) % 7 == 3);
}

TEST_CASE("synthetic-sar options: channels, size, values", "[synthetic-sar]") {
  ChipOptions one;
  ChipOptions two;
  two.channels = 2;
  const Chip a = generate_chip(one, 9, 4), b = generate_chip(two, 9, 4);
  REQUIRE(b.image.shape() == Shape{2, 64, 64});
  CHECK(same_bits(a.image, b.image.batch_slice(0)));  // HH does not change when VH is added
  CHECK(same_bits(a.mask, b.mask));
  double hh = 0.0, vh = 0.0;
  for (int p = 0; p < 64 * 64; ++p) {
    hh += b.reflectivity[p];
    vh += b.reflectivity[64 * 64 + p];
  }
  CHECK(vh < 0.6 * hh);

  ChipOptions big;
  big.size = 128;
  const Chip c = generate_chip(big, 9, 4);
  REQUIRE(c.image.shape() == Shape{1, 128, 128});
  double area64 = 0.0, area128 = 0.0;
  for (float m : a.mask.values()) area64 += m;
  for (float m : c.mask.values()) area128 += m;
  CHECK(area128 / area64 == Approx(4.0).epsilon(0.15));  // the same scene at twice the resolution

  const auto db = registry().open_dataset("synthetic-sar:?n=4&values=db&channels=2");
  REQUIRE(db->sample_shape() == Shape{2, 64, 64});
  for (std::int64_t i = 0; i < 4; ++i) {
    const Tensor image = db->get(i).image;
    for (float v : image.values()) CHECK((v >= 0.0F && v <= 1.0F));
  }
  CHECK(registry().open_dataset("synthetic-sar:?classes=3")->class_names() ==
        std::vector<std::string>{"tank", "truck", "apc"});
}

TEST_CASE("synthetic-sar spec options are validated", "[synthetic-sar]") {
  CHECK_THROWS_WITH(registry().open_dataset("synthetic-sar:?bogus=1"),
                    Catch::Contains("bogus") && Catch::Contains("looks"));
  CHECK_THROWS_AS(registry().open_dataset("synthetic-sar:?size=96"), InvalidArgument);
  CHECK_THROWS_AS(registry().open_dataset("synthetic-sar:?classes=11"), InvalidArgument);
  CHECK_THROWS_AS(registry().open_dataset("synthetic-sar:?n=0"), InvalidArgument);
  CHECK_THROWS_WITH(registry().open_dataset("synthetic-sar:/tmp"),
                    Catch::Contains("takes no location"));
}
