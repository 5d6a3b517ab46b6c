// Writes a VGG-16 (Simonyan & Zisserman 2015, configuration D) with seeded random weights as
// ONNX, for timing explanation methods at the size the CAM papers use:
//
//   make_vgg16 OUT.onnx [SIZE]   ->  input [N,3,SIZE,SIZE] (default 224), 1000 classes
//
// Weights are He-normal, biases 0.01, so activations neither vanish nor explode through the 13
// ReLU convolutions. Timing does not depend on the values; the explanations are meaningless.
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "lumen/onnx_writer.hpp"

namespace {

namespace ob = lumen::onnx_writer;
using lumen::Tensor;

// Output channels of the 3x3 convolutions; 0 is a 2x2 max-pool.
const std::vector<std::int64_t> configuration{64, 64,  0,   128, 128, 0,   256, 256, 256,
                                              0,  512, 512, 512, 0,   512, 512, 512, 0};

class Weights {
 public:
  Tensor he(const lumen::Shape& shape, std::int64_t fan_in) {
    std::normal_distribution<float> normal(0.0F, std::sqrt(2.0F / static_cast<float>(fan_in)));
    Tensor t(shape);
    for (float& v : t.values()) v = normal(rng_);
    return t;
  }

 private:
  std::mt19937_64 rng_{16};
};

void write_vgg16(const std::filesystem::path& file, std::int64_t size) {
  ob::ModelBuilder b(13);
  Weights weights;
  b.add_input("image", {std::string("N"), 3, size, size});
  std::string x = "image";
  std::int64_t channels = 3, side = size, conv = 0, pool = 0;
  for (const std::int64_t out : configuration) {
    if (out == 0) {
      const std::string name = "pool" + std::to_string(++pool);
      b.add_node("MaxPool", {x}, {name},
                 {{"kernel_shape", ob::Ints{2, 2}}, {"strides", ob::Ints{2, 2}}}, name);
      x = name;
      side /= 2;
      continue;
    }
    const std::string name = "conv" + std::to_string(++conv);
    b.add_initializer(name + ".weight", weights.he({out, channels, 3, 3}, channels * 9))
        .add_initializer(name + ".bias", Tensor({out}, 0.01F))
        .add_node("Conv", {x, name + ".weight", name + ".bias"}, {name},
                  {{"kernel_shape", ob::Ints{3, 3}}, {"pads", ob::Ints{1, 1, 1, 1}}}, name)
        .add_node("Relu", {name}, {name + "_relu"}, {}, name + "_relu");
    x = name + "_relu";
    channels = out;
  }
  b.add_node("Flatten", {x}, {"flat"}, {{"axis", 1}}, "flatten");
  x = "flat";
  std::int64_t features = channels * side * side;
  const std::vector<std::int64_t> dense{4096, 4096, 1000};
  for (std::size_t i = 0; i < dense.size(); ++i) {
    const std::string name = "fc" + std::to_string(i + 6);
    const std::string out = i + 1 == dense.size() ? "logits" : name;
    b.add_initializer(name + ".weight", weights.he({dense[i], features}, features))
        .add_initializer(name + ".bias", Tensor({dense[i]}, 0.01F))
        .add_node("Gemm", {x, name + ".weight", name + ".bias"}, {out}, {{"transB", 1}}, name);
    x = out;
    if (i + 1 < dense.size()) {
      b.add_node("Relu", {x}, {name + "_relu"}, {}, name + "_relu");
      x = name + "_relu";
    }
    features = dense[i];
  }
  b.add_output("logits");
  b.save(file);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: make_vgg16 OUT.onnx [SIZE]\n";
    return 2;
  }
  try {
    const std::int64_t size = argc == 3 ? std::stoll(argv[2]) : 224;
    if (size < 32 || size % 32 != 0) {
      std::cerr << "make_vgg16: SIZE must be a multiple of 32 (five 2x2 pools), got " << size
                << '\n';
      return 2;
    }
    write_vgg16(argv[1], size);
    std::cout << "wrote " << argv[1] << " (VGG-16, " << size << "x" << size << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "make_vgg16: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
