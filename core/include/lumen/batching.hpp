#pragma once
// How many samples one batched pass may hold: methods that push many perturbed copies of an
// input (integrated gradients, SmoothGrad, Score-CAM, ...) cut them into passes that fit the
// context's pass memory, so their peak memory does not grow with the number of copies.
#include <cstdint>

#include "lumen/export.hpp"

namespace lumen {

class Context;
class Model;

/// What a pass keeps: a forward pass only its live activations; a gradient pass every node's
/// output (the backward pass reads them) and the gradients on their way back.
enum class PassKind { forward, gradient };

/// Estimated bytes one sample of `model` takes in a pass of `kind`: for gradient passes the sum
/// of every node's output plus twice the largest (gradients in flight); for forward passes four
/// times the largest output (inputs, output and a skip connection alive at once).
LUMEN_API std::int64_t pass_bytes_per_sample(const Model& model, PassKind kind);

/// The number of samples one pass holds: as many as fit Context::pass_memory(), and no more
/// than run fast (those whose largest layer output fits 1 MiB, at least 4: more samples than the
/// cache holds slow small models down); at least 1 and at most `wanted`. Depends on the model and
/// the setting only, never on the thread count or the machine, so results do not either.
LUMEN_API std::int64_t samples_per_pass(const Model& model, const Context& context, PassKind kind,
                                        std::int64_t wanted);

}  // namespace lumen
