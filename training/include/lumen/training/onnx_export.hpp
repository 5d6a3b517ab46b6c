#pragma once
/// Writes a lumen Model as a standard ONNX file (opset 13, IR 8) that the onnx importer, the ONNX
/// checker and PyTorch/ONNX Runtime read back: the input "[N, C, H, W]" with a symbolic batch N,
/// one node per layer (weights as initializers) and the metadata lumen.labels (JSON array),
/// lumen.mean, lumen.std and lumen.preprocess when the model has them.
///
/// Written ops: Conv, Gemm, Relu, LeakyRelu, Sigmoid, Tanh, MaxPool, AveragePool,
/// GlobalAveragePool, BatchNormalization (inference statistics), Flatten, Reshape, Add, Concat,
/// Softmax, Identity and Dropout. Any other layer is refused.
#include <filesystem>

#include "lumen/model.hpp"
#include "lumen/onnx_writer.hpp"

namespace lumen::training {

/// The ONNX model of `model`, not yet checked. Throws ModelError naming the node and op of a layer
/// that cannot be written (another op, or a plugin's layer with a built-in op name).
onnx_writer::ModelBuilder onnx_model(const Model& model);

/// Writes `model` to `file` after running the ONNX checker on it. Throws ModelError as
/// onnx_model does, InvalidArgument when the checker refuses the result, IoError when the file
/// cannot be written.
void export_onnx(const Model& model, const std::filesystem::path& file);

}  // namespace lumen::training
