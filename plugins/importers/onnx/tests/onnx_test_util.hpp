#pragma once
/// Shared helpers of the ONNX importer tests: writing models to temporary files, importing them,
/// running them on the naive backend, and plain-loop reference implementations of the ops that
/// the imported graphs are checked against.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lumen/importer.hpp"
#include "lumen/model.hpp"
#include "lumen/onnx_writer.hpp"
#include "lumen/tensor.hpp"

namespace lumen::onnx_test {

using onnx_writer::Ints;
using onnx_writer::IntTensor;
using onnx_writer::ModelBuilder;

/// A fresh path in this process's temporary directory.
std::filesystem::path temp_path(const std::string& stem);
/// Saves the model to a fresh temporary file and returns its path.
std::filesystem::path save_temp(const ModelBuilder& builder, const std::string& stem = "model");
/// Saves the model and imports it with the ONNX importer.
Model import_model(const ModelBuilder& builder, const std::string& stem = "model",
                   const ImportOptions& options = {});
/// The message of the ModelError that importing `file` throws; fails the test otherwise.
std::string import_error(const std::filesystem::path& file, const ImportOptions& options = {});
std::string import_error(const ModelBuilder& builder, const ImportOptions& options = {});
/// The graph output for `input`, on the naive backend.
Tensor run(const Model& model, const Tensor& input);
/// The logits (the output before a final Softmax), on the naive backend.
Tensor logits(const Model& model, const Tensor& input);
/// Checks that two tensors agree in shape and in every value to `tolerance` (absolute).
void check_close(const Tensor& actual, const Tensor& expected, double tolerance = 1e-5);
/// The ops of the graph's nodes in topological order, e.g. {"Input", "Conv", "Relu"}.
std::vector<std::string> op_types(const Model& model);

namespace ref {

/// Geometry of a 2-D window: kernel, stride, pads {top, left, bottom, right}, dilation.
struct Window {
  std::int64_t kh = 1, kw = 1;
  std::int64_t sh = 1, sw = 1;
  std::int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  std::int64_t dh = 1, dw = 1;
};

Tensor conv2d(const Tensor& x, const Tensor& w, const std::vector<float>& bias, const Window& g,
              std::int64_t groups = 1);
/// Floor-mode pooling.
Tensor max_pool(const Tensor& x, const Window& g);
Tensor avg_pool(const Tensor& x, const Window& g, bool count_include_pad);
Tensor global_avg_pool(const Tensor& x);
/// x [N, K] times w [M, K] transposed plus b [M].
Tensor linear(const Tensor& x, const Tensor& w, const std::vector<float>& b);
Tensor map(const Tensor& x, const std::function<double(double)>& f);
Tensor relu(const Tensor& x);
Tensor add(const Tensor& a, const Tensor& b);
Tensor batch_norm(const Tensor& x, const std::vector<float>& scale, const std::vector<float>& bias,
                  const std::vector<float>& mean, const std::vector<float>& var, float epsilon);
Tensor lrn(const Tensor& x, std::int64_t size, float alpha, float beta, float bias);
Tensor softmax_rows(const Tensor& x);
enum class PadMode { constant, reflect, edge };
/// Pads H and W of [N, C, H, W] by {top, left, bottom, right}.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, PadMode mode, float value = 0);
Tensor concat_channels(const Tensor& a, const Tensor& b);
/// [N, ...] -> [N, rest].
Tensor flatten(const Tensor& x);

}  // namespace ref
}  // namespace lumen::onnx_test
