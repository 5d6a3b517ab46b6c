#pragma once
// DeepLIFT's multipliers as a gradient-signal rule of the core propagation engine. The rule of one
// explanation holds the traces of the input x and of the reference x0, both kept whole; layers it
// does not handle (linear and structural ones) keep their gradient, which is DeepLIFT's linear
// rule. Immutable and thread-safe; it must not outlive the model and the traces.
#include <lumen/model.hpp>
#include <lumen/rule.hpp>
#include <lumen/trace.hpp>
#include <memory>

namespace lumen::deeplift {

enum class Mode { rescale, reveal_cancel };

/// |Δx| below this falls back to the gradient (Captum's threshold).
constexpr float kDeltaThreshold = 1e-10F;

std::shared_ptr<const Rule> make_multiplier_rule(const Model& model, const Trace& input,
                                                 const Trace& reference, Mode mode);

}  // namespace lumen::deeplift
