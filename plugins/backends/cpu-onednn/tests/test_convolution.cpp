#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "cpu_onednn_backend.hpp"
#include "lumen/error.hpp"
#include "lumen/weight_cache.hpp"
#include "naive_backend.hpp"
#include "split.hpp"

namespace {

using I = std::int64_t;
using lumen::Conv2dGeometry;
using Buffer = std::vector<float>;

Buffer random_values(I count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  Buffer v(static_cast<std::size_t>(count));
  for (float& x : v) x = u(rng);
  return v;
}

double relative_error(const Buffer& actual, const Buffer& expected) {
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!std::isfinite(actual[i])) return INFINITY;
    worst = std::max(worst, std::abs(static_cast<double>(actual[i]) - expected[i]));
    scale = std::max(scale, std::abs(static_cast<double>(expected[i])));
  }
  return worst / (scale + 1e-6);
}

struct Shape {
  I batch, cin, cout, groups, size, kernel, stride, pad, dilation;
};

Conv2dGeometry geometry(const Shape& s) {
  Conv2dGeometry g;
  g.batch = s.batch;
  g.in_channels = s.cin;
  g.out_channels = s.cout;
  g.groups = s.groups;
  g.in_h = g.in_w = s.size;
  g.kernel_h = g.kernel_w = s.kernel;
  g.stride_h = g.stride_w = s.stride;
  g.dilation_h = g.dilation_w = s.dilation;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = s.pad;
  g.out_h = g.out_w = (s.size + 2 * s.pad - s.dilation * (s.kernel - 1) - 1) / s.stride + 1;
  return g;
}

// The layers of ResNet-18, VGG and MobileNet at reduced sizes, plus the odd cases: the first
// layer's 3 channels, a 1x1 stride-2 shortcut, depthwise and grouped, dilated, 1x1 output; the
// ninth is cut into channel slices, forward (256 outputs) and backward (128 inputs); the last four
// (over 100 MFLOP on one image) into bands of rows: a stem (7x7, stride 2), 3x3, dilated, and a
// 1x1 stride-2 shortcut; then two more with fewer than 8 input channels, whose backward data is a
// gemm and col2im (Note [narrow backward data]): sar-cnn's first layer (1 channel, 5x5) and a
// dilated one with 2 (with the first and the tenth, at stride 2, and the seventh, 5 channels).
const Shape shapes[] = {
    {2, 3, 16, 1, 32, 7, 2, 3, 1},    {2, 16, 16, 1, 14, 3, 1, 1, 1},
    {1, 16, 32, 1, 14, 1, 2, 0, 1},   {2, 32, 32, 32, 12, 3, 1, 1, 1},
    {1, 24, 48, 3, 9, 3, 2, 1, 1},    {1, 8, 8, 1, 11, 3, 1, 2, 2},
    {3, 5, 7, 1, 3, 3, 1, 0, 1},      {1, 64, 64, 1, 28, 3, 1, 1, 1},
    {2, 128, 256, 1, 14, 3, 1, 1, 1}, {1, 3, 64, 1, 161, 7, 2, 3, 1},
    {1, 32, 32, 1, 81, 3, 1, 1, 1},   {1, 32, 32, 1, 80, 3, 1, 2, 2},
    {1, 128, 64, 1, 160, 1, 2, 0, 1}, {4, 1, 16, 1, 20, 5, 1, 2, 1},
    {2, 2, 6, 1, 10, 3, 1, 2, 2},
};

Conv2dGeometry asymmetric() {
  Conv2dGeometry g = geometry({2, 6, 10, 2, 9, 3, 2, 0, 1});
  g.in_w = 13;
  g.kernel_w = 2;
  g.pad_top = 1;
  g.pad_right = 2;  // ONNX floor rule: one more than the last window uses
  g.out_h = (9 + 1 - 3) / 2 + 1;
  g.out_w = (13 + 2 - 2) / 2 + 1;
  return g;
}

std::vector<Conv2dGeometry> battery() {
  std::vector<Conv2dGeometry> out;
  for (const auto& s : shapes) out.push_back(geometry(s));
  out.push_back(asymmetric());
  return out;
}

I input_size(const Conv2dGeometry& g) { return g.batch * g.in_channels * g.in_h * g.in_w; }
I output_size(const Conv2dGeometry& g) { return g.batch * g.out_channels * g.out_h * g.out_w; }
I weight_size(const Conv2dGeometry& g) {
  return g.out_channels * g.in_channels / g.groups * g.kernel_h * g.kernel_w;
}

/// Runs one kernel on its own fresh output (NaN-filled: a kernel must overwrite it).
using Kernel = std::function<void(const lumen::Backend&, const Conv2dGeometry&, Buffer&)>;

struct Case {
  const char* name;
  Kernel run;
  I (*size)(const Conv2dGeometry&);
};

std::vector<Case> kernels() {
  return {
      {"forward",
       [](const lumen::Backend& b, const Conv2dGeometry& g, Buffer& y) {
         const auto x = random_values(input_size(g), 1), w = random_values(weight_size(g), 2);
         const auto bias = random_values(g.out_channels, 3);
         b.conv2d_forward(g, x.data(), w.data(), bias.data(), y.data());
       },
       output_size},
      {"backward data",
       [](const lumen::Backend& b, const Conv2dGeometry& g, Buffer& dx) {
         const auto dy = random_values(output_size(g), 4), w = random_values(weight_size(g), 5);
         b.conv2d_backward_data(g, dy.data(), w.data(), dx.data());
       },
       input_size},
      {"backward weights and bias",
       [](const lumen::Backend& b, const Conv2dGeometry& g, Buffer& dwb) {
         const auto x = random_values(input_size(g), 6), dy = random_values(output_size(g), 7);
         b.conv2d_backward_weights(g, x.data(), dy.data(), dwb.data(), dwb.data() + weight_size(g));
       },
       [](const Conv2dGeometry& g) { return weight_size(g) + g.out_channels; }},
  };
}

Buffer run(const Case& c, const lumen::Backend& b, const Conv2dGeometry& g, int threads) {
  Buffer out(static_cast<std::size_t>(c.size(g)), std::nanf(""));
  tbb::task_arena arena(threads);
  arena.execute([&] { c.run(b, g, out); });
  return out;
}

}  // namespace

TEST_CASE("cpu-onednn convolutions agree with the naive reference", "[cpu-onednn]") {
  const auto onednn = lumen::make_cpu_onednn_backend();
  const auto naive = lumen::testing::naive_backend();
  for (const auto& c : kernels()) {
    for (const auto& g : battery()) {
      INFO(c.name << ", batch " << g.batch << ", " << g.in_channels << "->" << g.out_channels
                  << " groups " << g.groups << ", " << g.in_h << "x" << g.in_w << ", kernel "
                  << g.kernel_h << "x" << g.kernel_w << " stride " << g.stride_h << " dilation "
                  << g.dilation_h);
      CHECK(relative_error(run(c, *onednn, g, 2), run(c, *naive, g, 1)) < 1e-5);
    }
  }
}

TEST_CASE("cpu-onednn convolutions give the same bits on 1 and 2 threads",
          "[cpu-onednn][threaded]") {
  const auto onednn = lumen::make_cpu_onednn_backend();
  for (const auto& c : kernels()) {
    for (const auto& g : battery()) {
      INFO(c.name << ", " << g.in_channels << "->" << g.out_channels << " at " << g.in_h);
      CHECK(run(c, *onednn, g, 1) == run(c, *onednn, g, 2));
    }
  }
}

TEST_CASE("cpu-onednn kernels called from several threads at once equal sequential calls",
          "[cpu-onednn][threaded]") {
  const auto onednn = lumen::make_cpu_onednn_backend();
  const auto g = geometry(shapes[1]);
  for (const auto& c : kernels()) {
    INFO(c.name);
    const Buffer expected = run(c, *onednn, g, 1);
    std::vector<Buffer> outs(8, Buffer(static_cast<std::size_t>(c.size(g)), std::nanf("")));
    tbb::task_arena arena(2);
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, outs.size(),
                        [&](std::size_t i) { c.run(*onednn, g, outs[i]); });
    });
    for (const auto& out : outs) CHECK(out == expected);
  }
}

TEST_CASE("cpu-onednn implements the convolutions and gemm and refuses bad arguments by name",
          "[cpu-onednn]") {
  const auto onednn = lumen::make_cpu_onednn_backend();
  CHECK(onednn->info().name == "cpu-onednn");
  CHECK(onednn->implements(lumen::Kernel::conv2d_forward));
  CHECK(onednn->implements(lumen::Kernel::gemm));
  CHECK_FALSE(onednn->implements(lumen::Kernel::max_pool2d_forward));
  Conv2dGeometry g = geometry(shapes[1]);
  g.out_h += 1;
  Buffer x(static_cast<std::size_t>(input_size(g))), w(static_cast<std::size_t>(weight_size(g)));
  Buffer y(static_cast<std::size_t>(output_size(g)));
  CHECK_THROWS_WITH(onednn->conv2d_forward(g, x.data(), w.data(), nullptr, y.data()),
                    Catch::Contains("cpu-onednn conv2d_forward: out_h = 15"));
  CHECK_THROWS_WITH(
      onednn->gemm(false, false, 2, 3, 4, 1.0F, x.data(), 3, w.data(), 3, 0.0F, y.data(), 3),
      Catch::Contains("cpu-onednn gemm: lda = 3 must be at least 4"));
  lumen::Pool2dGeometry pool;
  CHECK_THROWS_AS(onednn->max_pool2d_forward(pool, x.data(), y.data(), nullptr),
                  lumen::InvalidArgument);
}

// Fully connected layers call gemm with one row per sample: the one-row product, a batch, and
// wide outputs cut into several column tiles, against the naive reference.
TEST_CASE("cpu-onednn gemm agrees with the naive reference on the products layers make",
          "[cpu-onednn]") {
  const auto onednn = lumen::make_cpu_onednn_backend();
  const auto naive = lumen::testing::naive_backend();
  for (const I m : {I{1}, I{2}, I{17}, I{300}}) {
    for (const auto& [n, k] : {std::pair<I, I>{10, 512}, std::pair<I, I>{2500, 300}}) {
      for (const bool transpose_b : {false, true}) {
        CAPTURE(m, n, k, transpose_b);
        const auto a = random_values(m * k, 1), b = random_values(k * n, 2);
        const I ldb = transpose_b ? k : n;
        Buffer got(static_cast<std::size_t>(m * n)), want(got.size());
        onednn->gemm(false, transpose_b, m, n, k, 1.0F, a.data(), k, b.data(), ldb, 0.0F,
                     got.data(), n);
        naive->gemm(false, transpose_b, m, n, k, 1.0F, a.data(), k, b.data(), ldb, 0.0F,
                    want.data(), n);
        CHECK(relative_error(got, want) < 1e-5);
      }
    }
  }
}

TEST_CASE("cpu-onednn keeps constant weights in its layout in their owner's cache",
          "[cpu-onednn]") {
  const auto onednn = lumen::make_cpu_onednn_backend();
  const Conv2dGeometry g = geometry(shapes[7]);  // 64->64: oneDNN wants blocked weights
  const auto x = random_values(input_size(g), 1), dy = random_values(output_size(g), 2);
  const auto w = random_values(weight_size(g), 3), other = random_values(weight_size(g), 4);
  Buffer plain(static_cast<std::size_t>(output_size(g))), cached = plain, again = plain;
  onednn->conv2d_forward(g, x.data(), w.data(), nullptr, plain.data());
  const lumen::WeightCache cache;
  onednn->conv2d_forward_cached(g, x.data(), w.data(), cache, nullptr, cached.data());
  CHECK(cached == plain);
  // The cache belongs to constant weights: a second call reuses the kept copy, so other values
  // behind the pointer are not even read (which is why a layer's cache never outlives them).
  onednn->conv2d_forward_cached(g, x.data(), other.data(), cache, nullptr, again.data());
  CHECK(again == plain);
  Buffer dx(static_cast<std::size_t>(input_size(g))), dx_cached = dx;
  onednn->conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  onednn->conv2d_backward_data_cached(g, dy.data(), w.data(), cache, dx_cached.data());
  CHECK(dx_cached == dx);
}

// The band arithmetic on its own: every large enough layer of the battery is cut into bands
// (else the agreement above would say nothing about them), the bands cover the computed rows once,
// in order, read only rows that exist, and each is a valid convolution of its own.
TEST_CASE("cpu-onednn bands of rows tile the computed rows and read only existing rows",
          "[cpu-onednn]") {
  using lumen::cpu_onednn::band_geometry;
  using lumen::cpu_onednn::band_of;
  using lumen::cpu_onednn::split_of;
  int banded = 0;
  for (const auto& g : battery()) {
    for (const bool forward : {true, false}) {
      const auto s = split_of(g, forward ? g.out_channels : g.in_channels, forward);
      const I computed = forward ? g.out_h : g.in_h, other = forward ? g.in_h : g.out_h;
      CAPTURE(g.in_channels, g.out_channels, g.in_h, g.kernel_h, g.stride_h, forward, s.bands);
      if (s.bands > 1) ++banded;
      I next = 0;
      for (I r = 0; r < s.bands; ++r) {
        const auto b = band_of(g, s, r, forward);
        CHECK(b.first == next);
        next = b.first + b.rows;
        CHECK(b.read_first >= 0);
        CHECK(b.read_first + b.read_rows <= other);
        CHECK_NOTHROW(lumen::check_conv_geometry("band", band_geometry(g, b, forward)));
      }
      CHECK(next == computed);
    }
  }
  // The last four shapes forward; backward, the stem, 3x3 and dilated ones (the shortcut's 128
  // input channels already make the two tasks it wants) and the 128->256 layer (two slices of
  // its 128 inputs, four tasks wanted).
  CHECK(banded == 8);
}
