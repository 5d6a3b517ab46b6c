#pragma once
/// Built-in architectures, built with seeded initialisation: He-normal weights before ReLUs,
/// Glorot-uniform elsewhere, zero biases, batch-norm with scale 1, shift 0, mean 0, variance 1.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/dataset.hpp"
#include "lumen/model.hpp"
#include "lumen/tensor.hpp"

namespace lumen::training {

struct ArchitectureOptions {
  Shape sample_shape{1, 64, 64};  ///< [C, H, W]
  std::int64_t classes = 10;
  std::vector<std::string> labels;  ///< class names (optional; else numbers)
  std::uint64_t seed = 0;
  std::int64_t hidden = 100;  ///< sparse-autoencoder: code size
  /// The model's input normalisation (InputSpec mean/std, one value per channel), applied by the
  /// trainer and by every host; both empty (the default) for none.
  std::vector<float> mean;
  std::vector<float> std;
};

/// Options for a model of `data`: its sample shape, class count and class names, and `seed`
/// (no input normalisation).
ArchitectureOptions architecture_options(const Dataset& data, std::uint64_t seed);

/// The names accepted by build_architecture: "sar-cnn", "alexnet-small", "resnet-small",
/// "sparse-autoencoder".
std::vector<std::string> architecture_names();

/// An untrained model of architecture `name`:
/// - sar-cnn (the CNN-LRP paper's lightweight CNN for 64-128 px chips): conv 5x5 16 - ReLU -
///   maxpool 2 - conv 5x5 32 - ReLU - maxpool 2 - conv 3x3 64 - ReLU - global average pool -
///   flatten - dense (logits); convolutions padded to keep the size.
/// - alexnet-small: conv 5x5 32 - ReLU - maxpool 3/2 - conv 5x5 64 - ReLU - maxpool 3/2 -
///   conv 3x3 96 - ReLU - conv 3x3 96 - ReLU - conv 3x3 64 - ReLU - maxpool 3/2 - flatten -
///   dense 256 - ReLU - dense 128 - ReLU - dense (logits).
/// - resnet-small: conv 3x3 16 - BN - ReLU, then three basic blocks (16, 32 stride 2, 64
///   stride 2; each conv 3x3 - BN - ReLU - conv 3x3 - BN, plus the identity or a 1x1 conv - BN
///   projection, added, then ReLU), global average pool, flatten, dense (logits).
/// - sparse-autoencoder: the classifier of sparse_autoencoder.hpp: flatten - dense `hidden`
///   "encoder" - sigmoid "code" - dense (logits) "classifier".
/// Throws InvalidArgument naming the accepted names for an unknown one, or for an input too
/// small for the architecture.
Model build_architecture(std::string_view name, const ArchitectureOptions& options);

/// A fresh, untrained model of `model`'s architecture (any graph, e.g. an imported ONNX file):
/// the same graph, input spec and labels, every Conv and Gemm weight re-drawn He-uniform,
/// U(+-sqrt(6 / fan_in)) with fan_in the weight's size over its first dimension, from a stream
/// seeded by `seed`; biases zero; batch-norm scale 1 and shift 0. Batch-norm running statistics
/// stay the model's: training replaces them (each step keeps 1 - momentum of them). Throws
/// InvalidArgument naming the node when another kind of layer has parameters.
Model reinitialised(const Model& model, std::uint64_t seed);

}  // namespace lumen::training
