#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lumen/component.hpp"
#include "lumen/context.hpp"
#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/params.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

class Model;

enum class Family { gradient, propagation, cam, perturbation, adversarial };
LUMEN_API const char* to_string(Family family);

/// What an explainer needs from the model, as flags.
enum Requirement : unsigned {
  requires_nothing = 0,
  requires_gradients = 1U << 0U,
  requires_layer_access = 1U << 1U,
  requires_training = 1U << 2U,
  requires_gap_head = 1U << 3U,  ///< the model must end in a GAP head (see gap_head)
};

enum class OutputSpace { input, layer };

/// Whether an explainer works at a layer of the model (the request's `layer`, `lumen explain
/// --layer`).
enum class LayerUse {
  none,      ///< never: a request with a layer is refused
  optional,  ///< runs on any model without a layer; given one (a spatial layer [N,C,h,w]), it
             ///< may also return that layer's own signal in Attribution::layer_map (input-space
             ///< methods, e.g. lrp's relevance at the layer)
  required,  ///< needs a spatial layer [N,C,h,w] (the requested one, or a default it finds) and
             ///< refuses, with InvalidArgument, a model that has none. Layer-space methods use
             ///< this.
};

struct ExplainerInfo {
  std::string name;  ///< kebab-case, as users type it
  Family family = Family::gradient;
  std::string summary;   ///< one line
  std::string citation;  ///< the paper (authors, title, venue, year)
  unsigned requirements = requires_nothing;
  OutputSpace output = OutputSpace::input;
  bool signed_output = true;  ///< whether the raw map can be negative with some parameters
  LayerUse layer_use = LayerUse::none;
  /// Whether the map depends on the Context's seed with the default parameters: the method draws
  /// random numbers (noise, masks, samples) from Context::rng, so two seeds give different maps.
  bool stochastic = false;
  std::vector<ParamSpec> params;
};

/// One explanation job: a batch, a target class per sample, validated parameters, and for
/// methods that work at a layer the layer.
struct ExplainRequest {
  const Model& model;
  const Tensor& input;                    ///< [N,C,H,W], already preprocessed
  std::span<const std::int64_t> targets;  ///< one class per sample
  const Params& params;                   ///< validated against info().params
  std::optional<NodeId> layer;  ///< layer-space methods: empty means the method's default;
                                ///< LayerUse::optional methods: the layer to report as well
};

/// Something an explainer reports about how it reached its map, beyond the map itself (e.g.
/// Cluster-CAM's clusters and their scores). Hosts show it: `lumen explain` puts every detail
/// into its JSON record per sample and writes image details as PNGs with --dump-details.
struct AttributionDetail {
  std::string name;         ///< snake_case, unique within the attribution
  std::string description;  ///< one line, saying what each axis after the batch means
  Tensor values;            ///< batch outermost: [N, ...]; batch results equal one-by-one ones
  bool images = false;      ///< values are [N,M,H,W] maps at the input size: M images per sample
};

/// The raw result of an explanation (before any display normalisation).
struct Attribution {
  Tensor map;  ///< input space: [N,C,H,W]; layer space: [N,1,H,W] upsampled to the input
  /// Layer space: [N,1,h,w] at the layer. Input space: empty, or, when a LayerUse::optional
  /// method was given a layer, that layer's signal with the layer's full shape [N,C,h,w] (e.g.
  /// lrp's relevance there; `map` stays the input's).
  Tensor layer_map;
  std::optional<NodeId> layer;  ///< the layer used: always in layer space, with layer_map in input
                                ///< space
  bool signed_map = true;       ///< whether this map can be negative (saliency abs=true: no)
  PassCounts passes;            ///< forward/backward passes this explanation ran (filled by
                                ///< Explainer::explain)
  double seconds = 0.0;         ///< wall time of the method's work (filled by Explainer::explain)
  std::vector<std::string> notes;
  std::vector<AttributionDetail> details;
  /// What the method used from the registry (Explainer::explain sorts it and drops repeats).
  std::vector<Component> components;
};

/// An explanation method. Implementations are immutable and thread-safe: explain may be called
/// concurrently on the same model.
///
/// Hosts call explain; plugins implement compute. explain owns the contract every method shares
/// (checking the request, the arena, timing, counting passes, the shape of the result), so a
/// method's compute only does what is particular to it.
class LUMEN_API Explainer {
 public:
  virtual ~Explainer();
  virtual ExplainerInfo info() const = 0;

  /// Computes the attribution of every sample for its target. Before any work it refuses, with
  /// InvalidArgument naming the value at fault: a target count other than the batch or a target
  /// outside [0, classes); an input that is not [N,C,H,W] with the model's C,H,W or holds a
  /// non-finite value; whatever why_not(info(), model, layer) names (a layer given to a method
  /// that works at none, a layer that is not spatial, a missing GAP head or spatial layer). Then
  /// it runs compute inside context.run (directly when already inside the context's arena),
  /// fills Attribution::seconds and Attribution::passes (the difference of the context's
  /// counters, so use one Context per concurrent explanation), and checks the result's shapes
  /// against info().output, throwing ShapeError naming the method when compute broke them.
  Attribution explain(const ExplainRequest& request, Context& context) const;

 protected:
  /// The method itself, for a request explain has checked, inside the context's arena. Returns
  /// the map (and layer map, layer, signed_map, notes, details); passes and seconds are filled by
  /// explain. Throws lumen::Error subclasses for what only the method can check (a parameter
  /// combination, a layer it cannot use).
  virtual Attribution compute(const ExplainRequest& request, Context& context) const = 0;
};

/// Why the method described by `info` cannot run on `model` (at `layer`, when given), or nothing
/// when it can. The reason is a phrase to follow the method's name, e.g. "needs a GAP head: the
/// model does not end in GlobalAveragePool, ...". It names: a layer given to a LayerUse::none
/// method; a given layer that is not a node of the model, is not spatial [N,C,h,w], or is the
/// input of a LayerUse::required method; no spatial layer before the logits for a
/// LayerUse::required method given none; no GAP head for requires_gap_head. (Every lumen model
/// offers gradients, layer access and training: each layer implements its backward pass and the
/// gradients of its parameters, so those requirements always hold.) Thread-safe.
LUMEN_API std::optional<std::string> why_not(const ExplainerInfo& info, const Model& model,
                                             std::optional<NodeId> layer = std::nullopt);

/// Checks targets against the model (count = batch, each in [0, classes)); throws InvalidArgument.
LUMEN_API void check_targets(const Model& model, const Tensor& input,
                             std::span<const std::int64_t> targets);

/// The default layer of layer-space methods: the last convolution-like node before the
/// classification head whose output is a spatial map [N,C,h,w] with h*w > 1, typically the last
/// convolution's activation: pooling layers (max, average) after it only summarise its maps and
/// are passed over, unless the model's only spatial maps are pooled ones. The head starts at the
/// logits, or at a classifier convolution (one map per class reaching the logits through
/// activations, pooling and reshapes only, as SqueezeNet's), whose class maps are not features.
/// Throws InvalidArgument when the model has none.
LUMEN_API NodeId default_spatial_layer(const Model& model);

/// A model's global-average-pooling head: `features` -> GlobalAveragePool `pool` -> (Flatten,
/// Reshape, Identity, Dropout)* -> one linear layer `linear` giving the logits, each node feeding
/// only the next. CAM-type methods need it (requires_gap_head).
struct GapHead {
  NodeId features;
  NodeId pool;
  NodeId linear;
};
/// The model's GAP head; throws InvalidArgument saying what the model has instead.
LUMEN_API GapHead gap_head(const Model& model);
/// Whether the model has a GAP head.
LUMEN_API bool has_gap_head(const Model& model);

/// Checks that `layer` outputs a spatial map [N,C,h,w]; throws InvalidArgument naming the node.
LUMEN_API void check_spatial_layer(const Model& model, NodeId layer);

}  // namespace lumen
