#pragma once
// A backend inside a whole model: the forward and backward passes of a test model on a chain of
// the backend then the reference, against the reference alone.
#include <memory>
#include <string>

#include "lumen/backend.hpp"
#include "test_cases.hpp"

namespace lumen::conformance::detail {

/// Runs `test`'s model on a batch, on BackendChain{backend, reference} and on the reference alone,
/// and fails unless the logits and the saliency (the input gradient of each sample's top logit)
/// agree within 1e-4 relative. Skips (CheckSkipped) when the backend implements none of the
/// kernels the model runs. Returns the note of the PASS line.
std::string whole_model_check(const std::shared_ptr<const Backend>& backend,
                              const std::shared_ptr<const Backend>& reference,
                              const TestModel& test);

}  // namespace lumen::conformance::detail
