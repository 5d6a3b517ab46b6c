#include "ops.hpp"

namespace lumen::onnx_import {

const std::map<std::string, OpHandler>& op_handlers() {
  static const std::map<std::string, OpHandler> handlers{
      {"Add", import_add},
      {"AveragePool", import_average_pool},
      {"BatchNormalization", import_batch_norm},
      {"Concat", import_concat},
      {"Constant", import_constant},
      {"Conv", import_conv},
      {"Dropout", import_dropout},
      {"Flatten", import_flatten},
      {"Gather", import_gather},
      {"Gemm", import_gemm},
      {"GlobalAveragePool", import_global_average_pool},
      {"Identity", import_identity},
      {"LRN", import_lrn},
      {"LeakyRelu", import_leaky_relu},
      {"MatMul", import_matmul},
      {"MaxPool", import_max_pool},
      {"Pad", import_pad},
      {"Relu", import_relu},
      {"Reshape", import_reshape},
      {"Shape", import_shape},
      {"Sigmoid", import_sigmoid},
      {"Softmax", import_softmax},
      {"Tanh", import_tanh},
      {"Unsqueeze", import_unsqueeze},
  };
  return handlers;
}

}  // namespace lumen::onnx_import
