#pragma once
/// Canonizers: rewrite a model into an equivalent one whose layers suit the propagation rules
/// better (Zennit's canonizers), e.g. a batch-norm folded into the convolution before it. Plugins
/// register them with Registrar::add_canonizer; explainers apply them by name with canonize().
/// The original model is never changed.
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lumen/component.hpp"
#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/model.hpp"
#include "lumen/params.hpp"

namespace lumen {

class Backend;
class Registry;

struct CanonizerInfo {
  std::string name;     ///< kebab-case, e.g. "merge-batch-norm"
  std::string summary;  ///< one line
};

/// What a canonizer changes in a model: new layers for some nodes. A canonizer replaces layers
/// only, so every node keeps its id, name and inputs (a node named in a rule override or as the
/// layer of an explanation is still the same node), and each replacement must give its node's
/// output shape.
struct Rewrite {
  std::map<NodeId, std::shared_ptr<const Layer>> layers;
  /// One line per change ("folded batch-norm bn2 into conv2"), and per place the canonizer
  /// would apply to but left alone, with the reason.
  std::vector<std::string> notes;
};

/// Rewrites a model into one computing the same function. Implementations are immutable and
/// thread-safe.
class LUMEN_API Canonizer {
 public:
  virtual ~Canonizer();
  virtual CanonizerInfo info() const = 0;
  /// The layers to replace in `model`; `backend` runs whatever the canonizer evaluates (probing a
  /// layer's parameters). Must not change `model`.
  virtual Rewrite rewrite(const Model& model, const Backend& backend) const = 0;
};

/// A model rewritten by canonizers, and their notes.
struct CanonizedModel {
  Model model;
  std::vector<std::string> notes;
  std::vector<Component> components;  ///< each canonizer applied
};

/// Applies the registered canonizers `names` in order, each to the previous one's result. The new
/// model shares every layer not replaced with `model`, which is left as it is. Throws NotFound for
/// an unknown name, InvalidArgument naming the canonizer when it replaces a node that does not
/// exist or changes a node's output shape. Thread-safe.
LUMEN_API CanonizedModel canonize(const Model& model, std::span<const std::string> names,
                                  const Registry& registry, const Backend& backend);

namespace param {
/// The `canonizers` parameter of the propagation explainers: registered canonizer names, applied
/// in order (param::choice_list). The default is `default_value` (one name, or empty) when that
/// canonizer is registered, else empty.
LUMEN_API ParamSpec canonizers(const Registry& registry, const std::string& default_value);
}  // namespace param

}  // namespace lumen
