#pragma once
// Whether two models of one architecture hold bit-identical parameters (for reproducibility
// tests of the training library).
#include "lumen/model.hpp"
#include "lumen/training/backprop.hpp"

namespace lumen::training::testing {

inline bool identical(const Model& a, const Model& b) {
  const auto pa = model_parameters(a), pb = model_parameters(b);
  if (pa.size() != pb.size()) return false;
  for (std::size_t k = 0; k < pa.size(); ++k) {
    if (pa[k].shape() != pb[k].shape()) return false;
    for (std::int64_t i = 0; i < pa[k].size(); ++i) {
      if (pa[k][i] != pb[k][i]) return false;
    }
  }
  return true;
}

}  // namespace lumen::training::testing
