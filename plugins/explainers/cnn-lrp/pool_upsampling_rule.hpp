#pragma once
// CNN-LRP's max-pooling step (Zang et al. 2021, eq. 7): the relevance map of a max-pooling layer
// is upsampled to the size of its input instead of going to the window's winner.
#include <lumen/rule.hpp>
#include <memory>

namespace lumen::cnn_lrp {

/// How a pooled relevance value is spread over the input values of its window.
enum class Upsampling {
  copy,   ///< nearest-neighbour: every value of the window receives the pooled value
  split,  ///< evenly: every value of the window receives the pooled value / window size
};

/// A relevance rule for MaxPool nodes: R_i = sum over the windows o containing i of R_o (copy)
/// or R_o / |o| (split), padding excluded. Windows that overlap add up.
std::shared_ptr<const Rule> make_pool_upsampling_rule(Upsampling mode);

}  // namespace lumen::cnn_lrp
