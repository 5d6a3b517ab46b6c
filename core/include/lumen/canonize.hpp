#pragma once
/// Canonizers: rewrite a model into an equivalent one whose layers suit the propagation rules
/// better (Zennit's canonizers). The original model is never changed.
#include <string>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/model.hpp"

namespace lumen {

class Backend;

/// A model rewritten by a canonizer, and what was rewritten.
struct CanonizedModel {
  Model model;
  /// One entry per folded batch-norm: {batch-norm node, linear node it was folded into}.
  std::vector<std::pair<std::string, std::string>> folded;
};

/// Folds every BatchNormalization whose input is a Conv or Gemm node read by nothing else into
/// that node: the new model's node computes BN(W x + b) as one linear layer with weights a_c W_c
/// and bias a_c b_c + shift_c (a_c, shift_c the batch-norm's per-channel scale and shift), so the
/// LRP rules see the folded weights; the batch-norm node becomes an Identity of the same name.
/// Every other node, its name and its id are kept, and the layers are shared with `model`, which
/// is left untouched. A batch-norm after anything else is kept as it is. `backend` runs the
/// probes that read the layers' per-channel parameters. Thread-safe.
LUMEN_API CanonizedModel fold_batch_norm(const Model& model, const Backend& backend);

}  // namespace lumen
