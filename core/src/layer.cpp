#include "lumen/layer.hpp"

namespace lumen {

// Out-of-line destructors are the key functions that put these classes' typeinfo in
// liblumen_core.so (see PLATFORM.md, hidden visibility).
LayerState::~LayerState() = default;
Layer::~Layer() = default;
LinearLayer::~LinearLayer() = default;

std::int64_t Layer::flops(std::span<const Shape>, const Shape&) const { return 0; }

const char* to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::input: return "input";
    case LayerKind::linear: return "linear";
    case LayerKind::activation: return "activation";
    case LayerKind::pooling: return "pooling";
    case LayerKind::normalisation: return "normalisation";
    case LayerKind::structural: return "structural";
    case LayerKind::output: return "output";
  }
  return "unknown";
}

}  // namespace lumen
