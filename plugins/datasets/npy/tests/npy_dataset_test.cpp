#include <catch2/catch.hpp>
#include <filesystem>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <random>

#include "temp_dir.hpp"
#include "test_registry.hpp"

using namespace lumen;
using lumen::testing::registry;
using lumen::testing::TempDir;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

Tensor ramp(Shape shape) {
  Tensor t(std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = 0.25F * static_cast<float>(i) - 3.0F;
  return t;
}

}  // namespace

TEST_CASE("npy serves inputs, labels and masks sample by sample", "[npy]") {
  TempDir dir;
  write_npy(dir / "x.npy", ramp({3, 2, 2, 2}));
  write_npy(dir / "y.npy", Tensor({3}, {2.0F, 0.0F, 2.0F}));
  Tensor masks({3, 2, 2});
  masks[1] = masks[5] = masks[11] = 1.0F;
  write_npy(dir / "m.npy", masks);
  const auto d = registry().open_dataset("npy:" + (dir / "x.npy") + "?labels=" + (dir / "y.npy") +
                                         "&masks=" + (dir / "m.npy"));
  REQUIRE(d->size() == 3);
  CHECK(d->sample_shape() == Shape{2, 2, 2});
  CHECK(d->class_names() == std::vector<std::string>{"0", "1", "2"});
  CHECK(d->has_masks());
  const Tensor x = ramp({3, 2, 2, 2});
  for (std::int64_t i = 0; i < 3; ++i) {
    const Sample s = d->get(i);
    CHECK(s.label == (i == 1 ? 0 : 2));
    REQUIRE(s.image.shape() == Shape{2, 2, 2});
    for (int p = 0; p < 8; ++p) CHECK(s.image[p] == x[i * 8 + p]);
    REQUIRE(s.mask->shape() == Shape{1, 2, 2});
    for (int p = 0; p < 4; ++p) CHECK((*s.mask)[p] == masks[i * 4 + p]);
  }
  const auto plain = registry().open_dataset("npy:" + (dir / "x.npy") +
                                             "?labels=" + (dir / "y.npy") + "&classes=5");
  CHECK_FALSE(plain->has_masks());
  CHECK(plain->class_names().size() == 5);
  CHECK_FALSE(plain->get(0).mask);
}

TEST_CASE("npy refuses mismatched or invalid files, naming them", "[npy]") {
  TempDir dir;
  const std::string x = dir / "x.npy", y = dir / "y.npy";
  write_npy(x, ramp({3, 1, 2, 2}));
  write_npy(y, Tensor({3}, {0.0F, 1.0F, 1.0F}));
  const std::string base = "npy:" + x + "?labels=";
  CHECK_THROWS_WITH(registry().open_dataset("npy:" + x), Contains("labels=FILE.npy is required"));
  write_npy(dir / "short.npy", Tensor({2}, {0.0F, 1.0F}));
  CHECK_THROWS_AS(registry().open_dataset(base + (dir / "short.npy")), ShapeError);
  CHECK_THROWS_WITH(registry().open_dataset(base + (dir / "short.npy")),
                    Contains(x) && Contains(dir / "short.npy"));
  write_npy(dir / "half.npy", Tensor({3}, {0.0F, 1.5F, 1.0F}));
  CHECK_THROWS_WITH(registry().open_dataset(base + (dir / "half.npy")),
                    Contains("half.npy") && Contains("label 1"));
  write_npy(dir / "negative.npy", Tensor({3}, {0.0F, -1.0F, 1.0F}));
  CHECK_THROWS_AS(registry().open_dataset(base + (dir / "negative.npy")), InvalidArgument);
  CHECK_THROWS_WITH(registry().open_dataset(base + y + "&classes=1"), Contains("classes=1"));
  write_npy(dir / "m_bad_shape.npy", Tensor({3, 1, 2, 3}));
  CHECK_THROWS_WITH(registry().open_dataset(base + y + "&masks=" + (dir / "m_bad_shape.npy")),
                    Contains(x) && Contains("m_bad_shape.npy"));
  write_npy(dir / "m_bad_values.npy", Tensor({3, 2, 2}, 0.5F));
  CHECK_THROWS_WITH(registry().open_dataset(base + y + "&masks=" + (dir / "m_bad_values.npy")),
                    Contains("not 0 or 1"));
  write_npy(dir / "flat.npy", Tensor({3, 4}));
  CHECK_THROWS_AS(registry().open_dataset("npy:" + (dir / "flat.npy") + "?labels=" + y),
                  ShapeError);
  CHECK_THROWS_WITH(registry().open_dataset(base + (dir / "missing.npy")), Contains("missing.npy"));
  CHECK_THROWS_WITH(registry().open_dataset(base + y + "&mask=m.npy"),
                    Contains("mask") && Contains("masks"));
}
