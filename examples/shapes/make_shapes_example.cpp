// Writes the bundled example: a small hand-designed CNN telling a horizontal bar, a vertical bar
// and a spot apart, and one 32x32 grey image of each.
//
//   make_shapes_example OUT_DIR  ->  OUT_DIR/model.onnx, horizontal-bar.png, vertical-bar.png,
//   spot.png
//
// The network (every weight chosen by hand, nothing trained):
//   conv1 3x3, 4 filters + bias, ReLU   ridge-h (bright row between darker rows), ridge-v (the same
//                                       turned), spot (3x3 box mean above a high threshold: only
//                                       thick bright regions pass, 2-pixel bars do not), ink (box
//                                       mean above the background: anything bright)
//   MaxPool 2x2                         -> 16x16
//   conv2 3x3, 3 filters + bias, ReLU   one evidence map per class: horizontal = ridge-h continued
//                                       left and right, minus ridge-v; vertical = the transpose;
//                                       spot = spot response and its neighbours, minus ridges
//   GlobalAveragePool, Flatten, Gemm    the mean evidence of each class, scaled to logits
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "lumen/io.hpp"
#include "lumen/onnx_writer.hpp"

namespace {

namespace ob = lumen::onnx_writer;
using lumen::Tensor;

constexpr std::int64_t image_size = 32;

// 3x3 kernels, rows top to bottom.
using Kernel = std::array<float, 9>;
constexpr Kernel ridge_h{-0.5F, -0.5F, -0.5F, 1.0F, 1.0F, 1.0F, -0.5F, -0.5F, -0.5F};
constexpr Kernel ridge_v{-0.5F, 1.0F, -0.5F, -0.5F, 1.0F, -0.5F, -0.5F, 1.0F, -0.5F};
constexpr Kernel box{1.0F / 9, 1.0F / 9, 1.0F / 9, 1.0F / 9, 1.0F / 9,
                     1.0F / 9, 1.0F / 9, 1.0F / 9, 1.0F / 9};
constexpr Kernel centre{0, 0, 0, 0, 1, 0, 0, 0, 0};
constexpr Kernel row{0, 0, 0, 0.5F, 0.5F, 0.5F, 0, 0, 0};
constexpr Kernel column{0, 0.5F, 0, 0, 0.5F, 0, 0, 0.5F, 0};
constexpr Kernel plus{0, 0.5F, 0, 0.5F, 2.0F, 0.5F, 0, 0.5F, 0};
constexpr Kernel zero{};

Kernel scaled(const Kernel& k, float s) {
  Kernel out{};
  for (std::size_t i = 0; i < 9; ++i) out[i] = k[i] * s;
  return out;
}

// A conv weight [out, in, 3, 3] from kernels[o][i].
Tensor conv_weight(const std::vector<std::vector<Kernel>>& kernels) {
  const auto out = static_cast<std::int64_t>(kernels.size());
  const auto in = static_cast<std::int64_t>(kernels.front().size());
  std::vector<float> values;
  for (const auto& per_output : kernels) {
    for (const auto& k : per_output) values.insert(values.end(), k.begin(), k.end());
  }
  return Tensor({out, in, 3, 3}, std::move(values));
}

void write_model(const std::filesystem::path& file) {
  // conv1 (inputs: the grey image).
  const Tensor w1 = conv_weight({{ridge_h}, {ridge_v}, {scaled(box, 5.0F)}, {box}});
  const Tensor b1({4}, std::vector<float>{-0.2F, -0.2F, -5.0F * 0.7F, -0.2F});
  // conv2 (inputs: ridge-h, ridge-v, spot, ink).
  const Tensor w2 = conv_weight({
      {row, scaled(centre, -1.0F), zero, scaled(centre, 0.05F)},
      {scaled(centre, -1.0F), column, zero, scaled(centre, 0.05F)},
      {scaled(centre, -0.5F), scaled(centre, -0.5F), plus, scaled(centre, 0.05F)},
  });
  const Tensor b2({3}, std::vector<float>{-0.1F, -0.1F, -0.1F});
  // The evidence maps average over 16x16 cells, so their means are small: scale them up.
  const Tensor w3({3, 3}, std::vector<float>{150, 0, 0, 0, 150, 0, 0, 0, 300});
  const Tensor b3({3}, std::vector<float>{0, 0, 0});

  ob::ModelBuilder b(13);
  b.add_input("image", {std::string("N"), 1, image_size, image_size})
      .add_initializer("conv1.weight", w1)
      .add_initializer("conv1.bias", b1)
      .add_initializer("conv2.weight", w2)
      .add_initializer("conv2.bias", b2)
      .add_initializer("fc.weight", w3)
      .add_initializer("fc.bias", b3)
      .add_node("Conv", {"image", "conv1.weight", "conv1.bias"}, {"features"},
                {{"kernel_shape", ob::Ints{3, 3}}, {"pads", ob::Ints{1, 1, 1, 1}}}, "conv1")
      .add_node("Relu", {"features"}, {"features_relu"}, {}, "relu1")
      .add_node("MaxPool", {"features_relu"}, {"pooled"},
                {{"kernel_shape", ob::Ints{2, 2}}, {"strides", ob::Ints{2, 2}}}, "pool1")
      .add_node("Conv", {"pooled", "conv2.weight", "conv2.bias"}, {"evidence"},
                {{"kernel_shape", ob::Ints{3, 3}}, {"pads", ob::Ints{1, 1, 1, 1}}}, "conv2")
      .add_node("Relu", {"evidence"}, {"evidence_relu"}, {}, "relu2")
      .add_node("GlobalAveragePool", {"evidence_relu"}, {"mean_evidence"}, {}, "gap")
      .add_node("Flatten", {"mean_evidence"}, {"flat"}, {{"axis", 1}}, "flatten")
      .add_node("Gemm", {"flat", "fc.weight", "fc.bias"}, {"logits"}, {{"transB", 1}}, "fc")
      .add_output("logits")
      .set_metadata("lumen.labels", R"(["horizontal-bar", "vertical-bar", "spot"])")
      // Its weights are made for images in [0, 1] as read: it says so, so no warning is due.
      .set_metadata("lumen.mean", "0")
      .set_metadata("lumen.std", "1");
  b.check();
  b.save(file);
}

// Faint uniform noise in [0, 0.08), from a seeded generator read bit by bit so the images are the
// same with every standard library.
Tensor noise(std::uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor image({1, image_size, image_size});
  for (float& v : image.values()) v = 0.08F * static_cast<float>(rng() >> 8) / 16777216.0F;
  return image;
}

void add(Tensor& image, std::int64_t y, std::int64_t x, float value) {
  float& v = image[y * image_size + x];
  v = std::min(1.0F, v + value);
}

Tensor bar(bool horizontal, std::uint32_t seed) {
  Tensor image = noise(seed);
  // 2 pixels thick, 20 long; the horizontal one in the upper left, the vertical one on the right.
  for (std::int64_t along = 0; along < 20; ++along) {
    for (std::int64_t across = 0; across < 2; ++across) {
      if (horizontal) {
        add(image, 10 + across, 5 + along, 0.9F);
      } else {
        add(image, 6 + along, 20 + across, 0.9F);
      }
    }
  }
  return image;
}

Tensor spot(std::uint32_t seed) {
  Tensor image = noise(seed);
  const double cy = 21.0, cx = 11.0, sigma = 2.0;
  for (std::int64_t y = 0; y < image_size; ++y) {
    for (std::int64_t x = 0; x < image_size; ++x) {
      const double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
      add(image, y, x, static_cast<float>(std::exp(-d2 / (2 * sigma * sigma))));
    }
  }
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_shapes_example OUT_DIR\n";
    return 2;
  }
  try {
    const std::filesystem::path dir(argv[1]);
    std::filesystem::create_directories(dir);
    write_model(dir / "model.onnx");
    lumen::write_image_png(dir / "horizontal-bar.png", bar(true, 1));
    lumen::write_image_png(dir / "vertical-bar.png", bar(false, 2));
    lumen::write_image_png(dir / "spot.png", spot(3));
  } catch (const std::exception& e) {
    std::cerr << "make_shapes_example: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
