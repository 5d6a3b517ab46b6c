#pragma once
// What incremental occlusion knows of each node of a model: whether an output position depends
// only on a neighbourhood of the same positions of its inputs, and which one.
#include <array>
#include <cstdint>
#include <lumen/model.hpp>
#include <lumen/weight_cache.hpp>
#include <memory>
#include <vector>

#include "receptive_field.hpp"

namespace lumen::occlusion {

enum class LocalKind {
  none,    ///< not local: Gemm, Flatten, global pooling, Softmax, Pad, layers it does not know
  input,   ///< the model's input
  window,  ///< Conv, MaxPool, AveragePool: a sliding window over rows and columns
  /// Output position (h, w) from position (h, w) of every input, all channels: element-wise
  /// activations, BatchNormalization, LRN, Identity, Dropout, Add, Concat along channels. Run by
  /// the layer's own forward on cropped inputs.
  pointwise,
};

enum class WindowOp { conv, max_pool, avg_pool };

/// A node as the incremental path sees it. The [C,H,W] sizes are those of the node's output.
struct LocalLayer {
  LocalKind kind = LocalKind::none;
  std::int64_t channels = 0, height = 0, width = 0;
  // kind window only:
  WindowOp op = WindowOp::conv;
  std::array<WindowAxis, 2> axes{};  ///< rows, then columns
  std::int64_t in_channels = 0;
  std::int64_t groups = 1;        ///< conv
  const float* weight = nullptr;  ///< conv: the layer's own weight [C_out, C_in/groups, KH, KW]
  const float* bias = nullptr;    ///< conv: the layer's own bias, or null
  /// conv: where the backend may keep the weight in its own layout between the patches' calls
  /// (the layer's own cache is private to it).
  std::shared_ptr<const WeightCache> weight_cache;
  bool count_include_pad = false;           ///< avg_pool
  std::array<std::int64_t, 2> pad_after{};  ///< avg_pool: padding after the last row, column
};

/// One entry per node of `model`, indexed by NodeId; nodes whose output is not [1,C,H,W] are
/// `none`. The pointers reach into the model's layers: the model must outlive the result.
std::vector<LocalLayer> local_layers(const Model& model);

}  // namespace lumen::occlusion
