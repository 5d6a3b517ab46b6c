#include <sys/stat.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "crafted_images.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using lumen::Shape;
using lumen::Tensor;
using lumen::testing::png_bytes;
using lumen::testing::TempDir;

namespace {

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

Tensor random_tensor(Shape shape, unsigned seed) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  for (float& v : t.values()) v = normal(rng);
  return t;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An .npy file built by hand: version `major`, header text as given, then `data`.
std::string npy_bytes(int major, const std::string& header, const std::string& data) {
  std::string b("\x93NUMPY");
  b.push_back(static_cast<char>(major));
  b.push_back('\0');
  const std::size_t width = major == 1 ? 2 : 4;
  for (std::size_t i = 0; i < width; ++i)
    b.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  return b + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.data(), s.size());
  return s;
}

float luminance(const lumen::Rgb& c) { return 0.2126F * c[0] + 0.7152F * c[1] + 0.0722F * c[2]; }

void require_io_error_naming(const fs::path& file, const std::function<void()>& action,
                             const std::string& problem) {
  try {
    action();
    FAIL("no IoError for " << file);
  } catch (const lumen::IoError& e) {
    const std::string message = e.what();
    INFO(message);
    REQUIRE(message.find(file.filename().string()) != std::string::npos);
    REQUIRE(message.find(problem) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("write_npy then read_npy gives back the same tensor", "[io][parsing]") {
  TempDir dir;
  for (const Shape& shape :
       {Shape{}, Shape{5}, Shape{2, 3}, Shape{1, 3, 4, 5}, Shape{2, 1, 2, 2, 3}, Shape{0, 3}}) {
    const Tensor t = random_tensor(shape, 7);
    const auto file = dir / "t.npy";
    lumen::write_npy(file, t);
    const Tensor back = lumen::read_npy(file);
    REQUIRE(back.shape() == shape);
    REQUIRE(std::equal(back.values().begin(), back.values().end(), t.values().begin(),
                       t.values().end()));
  }
  REQUIRE(entries(dir.path) == 1);  // no temporary left behind
}

TEST_CASE("write_npy writes a NumPy-compatible version 1 header", "[io][parsing]") {
  TempDir dir;
  lumen::write_npy(dir / "a.npy", Tensor({4}, 1.5F));
  const std::string bytes = read_bytes(dir / "a.npy");
  REQUIRE(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_length =
      static_cast<unsigned char>(bytes[8]) + 256U * static_cast<unsigned char>(bytes[9]);
  REQUIRE((10 + header_length) % 64 == 0);
  const std::string header = bytes.substr(10, header_length);
  REQUIRE(header.find("'descr': '<f4'") != std::string::npos);
  REQUIRE(header.find("'fortran_order': False") != std::string::npos);
  REQUIRE(header.find("'shape': (4,)") != std::string::npos);
  REQUIRE(header.back() == '\n');
  REQUIRE(bytes.size() == 10 + header_length + 16);
}

TEST_CASE("read_npy reads format versions 2 and 3 and converts float64", "[io][parsing]") {
  TempDir dir;
  const std::vector<double> values{0.5, -1.25, 3.0e10, 1.0 / 3.0, 0.0, -7.0};
  for (int major : {1, 2, 3}) {
    const auto file = dir / (std::to_string(major) + ".npy");
    write_bytes(file,
                npy_bytes(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }   \n",
                          raw(values)));
    const Tensor t = lumen::read_npy(file);
    REQUIRE(t.shape() == Shape{2, 3});
    for (std::size_t i = 0; i < values.size(); ++i) {
      REQUIRE(t[static_cast<std::int64_t>(i)] == static_cast<float>(values[i]));
    }
  }
  const auto file = dir / "f4.npy";
  write_bytes(file,
              npy_bytes(2, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f4\"}\n",
                        raw(std::vector<float>{1, 2, 3})));
  REQUIRE(lumen::read_npy(file).shape() == Shape{3});
}

TEST_CASE("read_npy reads any minor version and a header length with a byte above 0x7F",
          "[io][parsing]") {
  TempDir dir;
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n";
  std::string minor = npy_bytes(1, header, raw(std::vector<float>{1, 2, 3, 4}));
  minor[7] = '\x01';
  write_bytes(dir / "minor.npy", minor);
  CHECK(lumen::read_npy(dir / "minor.npy").shape() == Shape{2, 2});
  // 40 dimensions make a header of 182 bytes (0xB6): xt::load_npy sign-extends that byte.
  const Shape ones(40, 1);
  lumen::write_npy(dir / "long.npy", Tensor(ones, 3.0F));
  const std::string bytes = read_bytes(dir / "long.npy");
  CHECK(static_cast<unsigned char>(bytes[8]) >= 0x80);
  const Tensor back = lumen::read_npy(dir / "long.npy");
  CHECK(back.shape() == ones);
  CHECK(back[0] == 3.0F);
}

TEST_CASE("read_npy rejects malformed files with an IoError naming the file", "[io][parsing]") {
  TempDir dir;
  const std::string good_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n";
  const std::string data = raw(std::vector<float>{1, 2, 3, 4});
  struct Case {
    std::string name, bytes, problem;
  };
  const std::vector<Case> cases{
      {"empty.npy", "", "bad magic"},
      {"magic.npy", "\x93NUMPX\x01\x00" + std::string(60, ' '), "bad magic"},
      {"version.npy", npy_bytes(4, good_header, data), "unsupported format version 4"},
      {"short_header.npy", npy_bytes(1, good_header, data).substr(0, 30), "truncated header"},
      {"truncated.npy", npy_bytes(1, good_header, data.substr(0, 12)), "truncated data"},
      {"trailing.npy", npy_bytes(1, good_header, data + "xx"), "trailing bytes"},
      {"fortran.npy",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", data),
       "Fortran order"},
      {"int.npy",
       npy_bytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }\n", data),
       "unsupported dtype '<i4'"},
      {"bigendian.npy",
       npy_bytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }\n", data),
       "unsupported dtype '>f4'"},
      {"garbage.npy",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2}\n", data),
       "malformed header"},
      {"nodict.npy", npy_bytes(1, "hello world\n", data), "malformed header"},
      {"missing.npy", npy_bytes(1, "{'descr': '<f4', 'shape': (2, 2), }\n", data),
       "no 'fortran_order'"},
      {"extra.npy",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}\n", data),
       "unexpected key 'x'"},
      {"negative.npy",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }\n", data),
       "malformed header"},
      {"huge.npy",
       npy_bytes(1,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000, "
                 "4000000000), }\n",
                 data),
       "truncated data"},
      // What xt::load_npy would allocate or overflow on (docs/architecture.md, "xtensor"):
      // 64 GiB declared by a 90-byte file, an element count that wraps to 0, a 4 GiB header.
      {"64GiB.npy",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (131072, 131072), }\n",
                 data),
       "truncated data"},
      {"wraps.npy",
       npy_bytes(1,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n",
                 ""),
       "truncated data"},
      {"header4GiB.npy", std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12) + good_header,
       "truncated header"},
      {"noheader.npy", npy_bytes(1, "", data), "malformed header"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto file = dir / c.name;
    write_bytes(file, c.bytes);
    require_io_error_naming(
        file, [&] { lumen::read_npy(file); }, c.problem);
  }
  require_io_error_naming(
      dir / "absent.npy", [&] { lumen::read_npy(dir / "absent.npy"); }, "no such file");
}

TEST_CASE("write_npy into a missing directory fails naming the file and leaves nothing",
          "[io][parsing]") {
  TempDir dir;
  const auto file = dir.path / "no" / "such" / "out.npy";
  require_io_error_naming(
      file, [&] { lumen::write_npy(file, Tensor({2}, 1.0F)); }, "does not exist");
  REQUIRE_THROWS_AS(lumen::write_npy(dir / "empty.npy", Tensor()), lumen::ShapeError);
  REQUIRE(entries(dir.path) == 0);
}

TEST_CASE("write_npy replaces an existing file in one step", "[io][parsing]") {
  TempDir dir;
  lumen::write_npy(dir / "x.npy", Tensor({3}, 1.0F));
  lumen::write_npy(dir / "x.npy", Tensor({2, 2}, 2.0F));
  REQUIRE(lumen::read_npy(dir / "x.npy").shape() == Shape{2, 2});
  REQUIRE(entries(dir.path) == 1);
}

TEST_CASE("read_image reads grey, grey+alpha, RGB and RGBA PNGs into [1,C,H,W] / 255",
          "[io][parsing]") {
  TempDir dir;
  const int w = 5, h = 3;
  struct Case {
    int colour_type, stored, channels;
  };
  for (auto [colour_type, stored, channels] :
       {Case{0, 1, 1}, Case{4, 2, 1}, Case{2, 3, 3}, Case{6, 4, 3}}) {
    INFO("colour type " << colour_type);
    std::vector<unsigned char> px(static_cast<std::size_t>(w * h * stored));
    for (std::size_t i = 0; i < px.size(); ++i)
      px[i] = static_cast<unsigned char>((i * 37 + 11) % 256);
    const auto file = dir / "image.png";
    write_bytes(file, png_bytes(w, h, colour_type, px));
    const Tensor image = lumen::read_image(file);
    REQUIRE(image.shape() == Shape{1, channels, h, w});
    for (int c = 0; c < channels; ++c) {
      for (int p = 0; p < w * h; ++p) {
        const auto expected =
            static_cast<float>(px[static_cast<std::size_t>(p * stored + c)]) / 255.0F;
        REQUIRE(image[c * w * h + p] == expected);
      }
    }
  }
}

TEST_CASE("write_image_png round-trips through read_image at 8 bits", "[io][parsing]") {
  TempDir dir;
  for (std::int64_t channels : {1, 3}) {
    Tensor image({channels, 4, 6});
    for (std::int64_t i = 0; i < image.size(); ++i)
      image[i] = static_cast<float>((i * 29) % 256) / 255.0F;
    image[0] = 1.7F;   // clamped to 1
    image[1] = -0.2F;  // clamped to 0
    lumen::write_image_png(dir / "out.png", image);
    const Tensor back = lumen::read_image(dir / "out.png");
    REQUIRE(back.shape() == Shape{1, channels, 4, 6});
    REQUIRE(back[0] == 1.0F);
    REQUIRE(back[1] == 0.0F);
    for (std::int64_t i = 2; i < image.size(); ++i)
      REQUIRE(back[i] == Approx(image[i]).margin(1e-6));
  }
  REQUIRE_THROWS_AS(lumen::write_image_png(dir / "bad.png", Tensor({2, 4, 4})), lumen::ShapeError);
}

TEST_CASE("read_image errors name the file and the reason", "[io][parsing]") {
  TempDir dir;
  require_io_error_naming(
      dir / "missing.png", [&] { lumen::read_image(dir / "missing.png"); }, "no such file");
  write_bytes(dir / "garbage.png", "this is not an image at all");
  require_io_error_naming(
      dir / "garbage.png", [&] { lumen::read_image(dir / "garbage.png"); }, "cannot read image");
  std::string png = png_bytes(4, 4, 0, std::vector<unsigned char>(16, 9));
  write_bytes(dir / "cut.png", png.substr(0, 40));
  require_io_error_naming(
      dir / "cut.png", [&] { lumen::read_image(dir / "cut.png"); }, "cannot read image");
}

TEST_CASE("standardise applies the spec's mean and std per channel, [C,H,W] and [N,C,H,W]",
          "[io]") {
  const lumen::InputSpec spec{{2, 1, 2}, {1.0F, -1.0F}, {2.0F, 0.5F}};
  const Tensor one({2, 1, 2}, std::vector<float>{3, 5, 0, 1});
  const auto values = [](const Tensor& t) {
    return std::vector<float>(t.values().begin(), t.values().end());
  };
  CHECK(values(lumen::standardise(spec, one)) == std::vector<float>{1, 2, 2, 4});
  const Tensor two({2, 2, 1, 2}, std::vector<float>{3, 5, 0, 1, 1, 1, -1, -1});
  CHECK(values(lumen::standardise(spec, two)) == std::vector<float>{1, 2, 2, 4, 0, 0, 0, 0});
  // Without both statistics the images pass unchanged; another channel count is an error.
  CHECK(values(lumen::standardise(lumen::InputSpec{{2, 1, 2}, {1.0F, 1.0F}, {}}, one)) ==
        values(one));
  REQUIRE_THROWS_AS(lumen::standardise(spec, Tensor({3, 1, 2})), lumen::ShapeError);
  REQUIRE_THROWS_AS(lumen::standardise(spec, Tensor({4})), lumen::ShapeError);
}

TEST_CASE("prepare_input replicates grey, normalises per channel and resizes", "[io]") {
  Tensor grey({1, 1, 2, 2}, std::vector<float>{0.0F, 0.25F, 0.5F, 1.0F});
  const lumen::InputSpec spec{{3, 2, 2}, {0.5F, 0.25F, 0.0F}, {0.5F, 0.25F, 2.0F}};
  const Tensor x = lumen::prepare_input(grey, spec);
  REQUIRE(x.shape() == Shape{1, 3, 2, 2});
  for (std::int64_t c = 0; c < 3; ++c) {
    for (std::int64_t p = 0; p < 4; ++p) {
      const auto ci = static_cast<std::size_t>(c);
      REQUIRE(x[c * 4 + p] == Approx((grey[p] - spec.mean[ci]) / spec.std[ci]));
    }
  }
  // Overrides replace the spec's values.
  const Tensor y = lumen::prepare_input(grey, spec, {0.0F, 0.0F, 0.0F}, {1.0F, 1.0F, 1.0F});
  for (std::int64_t c = 0; c < 3; ++c) {
    for (std::int64_t p = 0; p < 4; ++p) REQUIRE(y[c * 4 + p] == grey[p]);
  }
  // Without mean/std the values stay in [0,1]; a constant image stays constant when resized.
  const Tensor z =
      lumen::prepare_input(Tensor({1, 1, 7, 5}, 0.625F), lumen::InputSpec{{1, 4, 9}, {}, {}});
  REQUIRE(z.shape() == Shape{1, 1, 4, 9});
  for (float v : z.values()) REQUIRE(v == 0.625F);
}

TEST_CASE("prepare_input refuses values that overflow to infinity when normalised", "[io]") {
  // 3e38 is a finite float; (3e38 - 0.15) / 0.06 is not.
  Tensor huge({2, 1, 2, 2}, 0.5F);
  huge[5] = 3e38F;
  const lumen::InputSpec spec{{1, 2, 2}, {0.15F}, {0.06F}};
  CHECK_THROWS_WITH(lumen::prepare_input(huge, spec),
                    Catch::Contains("input sample 1, element 1 is not finite after resizing and "
                                    "normalisation (mean 0.15, std 0.06)") &&
                        Catch::Contains("3e+38"));
  // The same values without normalisation are finite and pass.
  CHECK(lumen::all_finite(lumen::prepare_input(huge, lumen::InputSpec{{1, 2, 2}, {}, {}})));
}

TEST_CASE("prepare_input turns RGB into grey by the channel mean", "[io]") {
  const Tensor rgb({2, 3, 1, 2}, std::vector<float>{0.1F, 0.2F, 0.4F, 0.5F, 0.7F, 0.9F,  //
                                                    1.0F, 0.0F, 0.0F, 1.0F, 0.5F, 0.5F});
  const Tensor x = lumen::prepare_input(rgb, lumen::InputSpec{{1, 1, 2}, {}, {}});
  REQUIRE(x.shape() == Shape{2, 1, 1, 2});
  REQUIRE(x[0] == Approx((0.1F + 0.4F + 0.7F) / 3));
  REQUIRE(x[1] == Approx((0.2F + 0.5F + 0.9F) / 3));
  REQUIRE(x[2] == Approx(0.5F));
  REQUIRE(x[3] == Approx(0.5F));
}

TEST_CASE("prepare_input names the mismatch", "[io]") {
  const Tensor rgb({1, 3, 2, 2}, 0.5F);
  const lumen::InputSpec spec{{3, 2, 2}, {}, {}};
  auto message_of = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const lumen::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(
      message_of([&] {
        lumen::prepare_input(rgb, spec, {0.1F, 0.2F}, {1, 1, 1});
      }),
      Catch::Contains("mean") && Catch::Contains("2 values") && Catch::Contains("3 channels"));
  CHECK_THAT(message_of([&] {
               lumen::prepare_input(rgb, spec, {0, 0, 0}, {1, 0, 1});
             }),
             Catch::Contains("std") && Catch::Contains("positive"));
  CHECK_THAT(message_of([&] {
               lumen::prepare_input(Tensor({1, 2, 2, 2}), spec);
             }),
             Catch::Contains("2 channels") && Catch::Contains("3"));
  CHECK_THAT(message_of([&] {
               lumen::prepare_input(Tensor({3, 2, 2}), spec);
             }),
             Catch::Contains("[N,C,H,W]"));
}

TEST_CASE("display_map of an unsigned map is the channel maximum scaled to [0,1]", "[io]") {
  const Tensor a = random_tensor({3, 4, 5}, 11);
  const Tensor d = lumen::display_map(a, false);
  REQUIRE(d.shape() == Shape{4, 5});
  std::vector<float> channel_max(20);
  for (std::size_t p = 0; p < 20; ++p) {
    const auto i = static_cast<std::int64_t>(p);
    channel_max[p] = std::max({a[i], a[20 + i], a[40 + i]});
  }
  const auto [lo, hi] = std::minmax_element(channel_max.begin(), channel_max.end());
  for (std::size_t p = 0; p < 20; ++p) {
    REQUIRE(d[static_cast<std::int64_t>(p)] ==
            Approx((channel_max[p] - *lo) / (*hi - *lo)).margin(1e-6));
  }
  REQUIRE(*std::min_element(d.values().begin(), d.values().end()) == 0.0F);
  REQUIRE(*std::max_element(d.values().begin(), d.values().end()) == Approx(1.0F));
  const Tensor constant = lumen::display_map(Tensor({1, 3, 3}, 4.0F), false);
  for (float v : constant.values()) REQUIRE(v == 0.0F);
}

TEST_CASE("display_map of a signed map sums channels and keeps signs", "[io]") {
  const Tensor a({2, 1, 3}, std::vector<float>{1.0F, -3.0F, 0.5F, 1.0F, 1.0F, -0.5F});
  const Tensor d = lumen::display_map(a, true);
  REQUIRE(d.shape() == Shape{1, 3});
  REQUIRE(d[0] == Approx(1.0F));   //  2 / 2
  REQUIRE(d[1] == Approx(-1.0F));  // -2 / 2
  REQUIRE(d[2] == 0.0F);           //  0 / 2
  const Tensor r = random_tensor({1, 6, 6}, 13);
  const Tensor dr = lumen::display_map(r, true);
  float largest = 0.0F;
  for (std::int64_t i = 0; i < r.size(); ++i) {
    REQUIRE((dr[i] > 0) == (r[i] > 0));
    REQUIRE(std::abs(dr[i]) <= 1.0F);
    largest = std::max(largest, std::abs(dr[i]));
  }
  REQUIRE(largest == Approx(1.0F));
  const Tensor zero = lumen::display_map(Tensor({2, 3, 3}, 0.0F), true);
  for (float v : zero.values()) REQUIRE(v == 0.0F);
  REQUIRE_THROWS_AS(lumen::display_map(Tensor({1, 2, 2}, std::nanf("")), true),
                    lumen::InvalidArgument);
  REQUIRE_THROWS_AS(lumen::display_map(Tensor({2, 2}), true), lumen::ShapeError);
}

TEST_CASE("the sequential colour map is dark to bright with increasing luminance", "[io]") {
  float previous = -1.0F;
  for (int i = 0; i <= 1000; ++i) {
    const float l = luminance(lumen::sequential_colour(static_cast<float>(i) / 1000.0F));
    REQUIRE(l > previous);
    previous = l;
  }
  REQUIRE(luminance(lumen::sequential_colour(0.0F)) < 0.05F);
  REQUIRE(luminance(lumen::sequential_colour(1.0F)) > 0.9F);
  REQUIRE(lumen::sequential_colour(-3.0F) == lumen::sequential_colour(0.0F));
  REQUIRE(lumen::sequential_colour(7.0F) == lumen::sequential_colour(1.0F));
}

TEST_CASE("the diverging colour map is white at 0, blue below and red above", "[io]") {
  REQUIRE(lumen::diverging_colour(0.0F) == lumen::Rgb{1.0F, 1.0F, 1.0F});
  float previous_negative = 2.0F, previous_positive = 2.0F;
  for (int i = 1; i <= 100; ++i) {
    const float v = static_cast<float>(i) / 100.0F;
    const auto neg = lumen::diverging_colour(-v), pos = lumen::diverging_colour(v);
    REQUIRE(neg[2] > neg[0]);
    REQUIRE(pos[0] > pos[2]);
    REQUIRE(luminance(neg) < previous_negative);
    REQUIRE(luminance(pos) < previous_positive);
    previous_negative = luminance(neg);
    previous_positive = luminance(pos);
  }
}

TEST_CASE("write_heatmap_png colours the map and blends it over the background", "[io]") {
  TempDir dir;
  Tensor display({2, 3}, std::vector<float>{0.0F, 0.2F, 0.4F, 0.6F, 0.8F, 1.0F});
  auto pixel = [](const Tensor& png, std::int64_t p, std::int64_t k) { return png[k * 6 + p]; };
  lumen::write_heatmap_png(dir / "plain.png", display, false);
  const Tensor plain = lumen::read_image(dir / "plain.png");
  REQUIRE(plain.shape() == Shape{1, 3, 2, 3});
  for (std::int64_t p = 0; p < 6; ++p) {
    const auto colour = lumen::sequential_colour(display[p]);
    for (std::int64_t k = 0; k < 3; ++k) {
      REQUIRE(pixel(plain, p, k) == Approx(colour[static_cast<std::size_t>(k)]).margin(0.6 / 255));
    }
  }
  // alpha 0 shows the grey background only (here resized from 1x1), alpha 1 the colours only.
  const Tensor background({3, 1, 1}, std::vector<float>{0.2F, 0.4F, 0.6F});
  lumen::write_heatmap_png(dir / "grey.png", display, true, &background, 0.0F);
  const Tensor grey = lumen::read_image(dir / "grey.png");
  for (float v : grey.values()) REQUIRE(v == Approx(0.4F).margin(0.6 / 255));
  lumen::write_heatmap_png(dir / "signed.png", display, true, &background, 1.0F);
  const Tensor coloured = lumen::read_image(dir / "signed.png");
  for (std::int64_t p = 0; p < 6; ++p) {
    const auto colour = lumen::diverging_colour(display[p]);
    for (std::int64_t k = 0; k < 3; ++k) {
      REQUIRE(pixel(coloured, p, k) ==
              Approx(colour[static_cast<std::size_t>(k)]).margin(0.6 / 255));
    }
  }
  REQUIRE_THROWS_AS(lumen::write_heatmap_png(dir / "x.png", display, false, nullptr, 1.5F),
                    lumen::InvalidArgument);
  REQUIRE_THROWS_AS(lumen::write_heatmap_png(dir / "x.png", Tensor({1, 2, 3}), false),
                    lumen::ShapeError);
  REQUIRE(entries(dir.path) == 3);
}

TEST_CASE("display_map combines channels as asked, whatever the sign", "[io]") {
  // Two channels, two pixels: channel 0 = {1, -2}, channel 1 = {3, 1}.
  const Tensor a({2, 1, 2}, {1.0F, -2.0F, 3.0F, 1.0F});
  const Tensor max_signed = lumen::display_map(a, true, lumen::ChannelReduction::max);
  CHECK(max_signed[0] == Approx(1.0F));  // {3, 1} / 3
  CHECK(max_signed[1] == Approx(1.0F / 3.0F));
  const Tensor sum_unsigned = lumen::display_map(a, false, lumen::ChannelReduction::sum);
  CHECK(sum_unsigned[0] == Approx(1.0F));  // {4, -1} min-max scaled
  CHECK(sum_unsigned[1] == Approx(0.0F));
  const Tensor automatic = lumen::display_map(a, true);
  const Tensor sum_signed = lumen::display_map(a, true, lumen::ChannelReduction::sum);
  CHECK(automatic[0] == sum_signed[0]);
  CHECK(automatic[1] == sum_signed[1]);
}

TEST_CASE("a FIFO given as an array or an image is refused at once, naming it", "[io][parsing]") {
  TempDir dir;
  const fs::path fifo = dir.path / "input.npy";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Without the check, opening it would wait for a writer and the test would never end.
  CHECK_THROWS_WITH(lumen::read_npy(fifo),
                    Catch::Contains(fifo.string()) && Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(lumen::read_image(fifo),
                    Catch::Contains(fifo.string()) && Catch::Contains("not a regular file"));
}

TEST_CASE("read_npy reads a shape with a zero as an empty tensor", "[io][parsing]") {
  TempDir dir;
  const fs::path file = dir.path / "empty.npy";
  std::ofstream(file, std::ios::binary)
      << npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }\n", "");
  const Tensor t = lumen::read_npy(file);
  CHECK(t.shape() == Shape{0, 3});
  CHECK(t.size() == 0);
}

TEST_CASE("prepare_imagenet_input crops the centre after the shorter side is resized", "[io]") {
  const lumen::InputSpec spec{{3, 224, 224}, {}, {}};
  // 256 x 300 levels: no resize (the shorter side is 256 already), a crop at rows 16..239 and
  // columns round(76 / 2) = 38.., then ImageNet's mean and std.
  Tensor image({1, 3, 256, 300});
  for (std::int64_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 251) / 255.0F;
  const Tensor x = lumen::prepare_imagenet_input(image, spec);
  REQUIRE(x.shape() == Shape{1, 3, 224, 224});
  const float mean[] = {0.485F, 0.456F, 0.406F}, stdev[] = {0.229F, 0.224F, 0.225F};
  for (std::int64_t c = 0; c < 3; ++c) {
    for (std::int64_t y : {0, 100, 223}) {
      for (std::int64_t col : {0, 57, 223}) {
        const float source = image[((c * 256) + y + 16) * 300 + col + 38];
        REQUIRE(x[(c * 224 + y) * 224 + col] == Approx((source - mean[c]) / stdev[c]));
      }
    }
  }
  // A constant image stays constant through the antialiased resize (the weights sum to 1).
  const Tensor flat = lumen::prepare_imagenet_input(Tensor({1, 1, 480, 640}, 128.0F / 255.0F),
                                                    lumen::InputSpec{{1, 224, 224}, {}, {}});
  REQUIRE(flat.shape() == Shape{1, 1, 224, 224});
  for (float v : flat.values()) REQUIRE(v == 128.0F / 255.0F);
  // The given mean and std replace ImageNet's.
  const Tensor own =
      lumen::prepare_imagenet_input(image, spec, {0.0F, 0.0F, 0.0F}, {1.0F, 1.0F, 1.0F});
  REQUIRE(own[0] == image[16 * 300 + 38]);
  REQUIRE_THROWS_WITH(lumen::prepare_imagenet_input(image, lumen::InputSpec{{3, 224, 200}, {}, {}}),
                      Catch::Contains("crops a square") && Catch::Contains("[3,224,200]"));
}
