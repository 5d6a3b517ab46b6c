#include "ops.hpp"

namespace lumen::onnx_import {

const std::map<std::string, OpHandler>& op_handlers() {
  static const std::map<std::string, OpHandler> handlers{
      {"Abs", import_abs},
      {"Add", import_add},
      {"AveragePool", import_average_pool},
      {"BatchNormalization", import_batch_norm},
      {"Cast", import_cast},
      {"Clip", import_clip},
      {"Concat", import_concat},
      {"Constant", import_constant},
      {"Conv", import_conv},
      {"ConvTranspose", import_conv_transpose},
      {"Div", import_div},
      {"Dropout", import_dropout},
      {"Erf", import_erf},
      {"Exp", import_exp},
      {"Flatten", import_flatten},
      {"Gather", import_gather},
      {"Gemm", import_gemm},
      {"GlobalAveragePool", import_global_average_pool},
      {"HardSigmoid", import_hard_sigmoid},
      {"HardSwish", import_hard_swish},
      {"Identity", import_identity},
      {"LRN", import_lrn},
      {"LayerNormalization", import_layer_norm},
      {"LeakyRelu", import_leaky_relu},
      {"MatMul", import_matmul},
      {"MaxPool", import_max_pool},
      {"Mul", import_mul},
      {"Neg", import_neg},
      {"Pad", import_pad},
      {"Pow", import_pow},
      {"Reciprocal", import_reciprocal},
      {"ReduceMean", import_reduce_mean},
      {"Relu", import_relu},
      {"Reshape", import_reshape},
      {"Resize", import_resize},
      {"Shape", import_shape},
      {"Sigmoid", import_sigmoid},
      {"Slice", import_slice},
      {"Softmax", import_softmax},
      {"Split", import_split},
      {"Sqrt", import_sqrt},
      {"Squeeze", import_squeeze},
      {"Sub", import_sub},
      {"Tanh", import_tanh},
      {"Transpose", import_transpose},
      {"Unsqueeze", import_unsqueeze},
      {"Upsample", import_upsample},
  };
  return handlers;
}

}  // namespace lumen::onnx_import
