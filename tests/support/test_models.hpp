#pragma once
// The test models live in the conformance library (installed with the SDK); lumen's own tests use
// them under their old names.
#include <lumen/conformance/test_models.hpp>

namespace lumen::testing {

using lumen::conformance::conv_net;
using lumen::conformance::dense_net;
using lumen::conformance::random_tensor;
using lumen::conformance::residual_net;

}  // namespace lumen::testing
