#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

class Backend;
class Model;

/// What flows backwards: a gradient (a co-vector, summed over fan-out) or relevance (a
/// quantity that is split among inputs and, for conserving rules, keeps its total).
enum class Signal { gradient, relevance };

/// Everything a rule sees at one node.
struct RuleInput {
  const Node& node;
  TensorRefs inputs;        ///< the forward inputs of the node
  const Tensor& output;     ///< the forward output of the node
  const LayerState* state;  ///< what the layer saved in the forward pass (may be null)
  const Tensor& upstream;   ///< signal arriving at the node's output
  const Backend& backend;
};

/// Decides what a node sends back to each of its inputs. Rules are immutable and thread-safe.
class LUMEN_API Rule {
 public:
  virtual ~Rule();
  /// The registered name, e.g. "gradient", "epsilon".
  virtual std::string name() const = 0;
  virtual Signal signal() const = 0;
  /// Whether this rule handles the layer; the engine's defaults apply where it does not
  /// (see Note [relevance routing] in propagation.cpp).
  virtual bool applies_to(const Layer& layer) const = 0;
  /// Whether, on layers it applies to and without bias, the sum over inputs equals the sum of
  /// the upstream signal.
  virtual bool conserves() const { return false; }
  /// One signal per input of the node, each shaped like that input.
  virtual std::vector<Tensor> propagate(const RuleInput& in) const = 0;
};

/// The built-in rule: the layer's own vector-Jacobian product.
LUMEN_API std::shared_ptr<const Rule> gradient_rule();

/// Picks the rule for each node (a "composite"): by node name, then by first/last linear layer,
/// then by op type, then by layer kind, then the default. All rules in one map share one Signal.
class LUMEN_API RuleMap {
 public:
  explicit RuleMap(std::shared_ptr<const Rule> default_rule);
  RuleMap& for_node(const std::string& node_name, std::shared_ptr<const Rule> rule);
  RuleMap& for_op(const std::string& op_type, std::shared_ptr<const Rule> rule);
  RuleMap& for_kind(LayerKind kind, std::shared_ptr<const Rule> rule);
  /// The linear layer nearest the input (e.g. z-box there).
  RuleMap& for_first_linear(std::shared_ptr<const Rule> rule);
  /// The linear layer producing the logits.
  RuleMap& for_last_linear(std::shared_ptr<const Rule> rule);

  Signal signal() const { return default_->signal(); }
  const Rule& select(const Model& model, NodeId id) const;

 private:
  std::shared_ptr<const Rule> default_;
  std::map<std::string, std::shared_ptr<const Rule>> by_node_;
  std::map<std::string, std::shared_ptr<const Rule>> by_op_;
  std::map<LayerKind, std::shared_ptr<const Rule>> by_kind_;
  std::shared_ptr<const Rule> first_linear_;
  std::shared_ptr<const Rule> last_linear_;
};

}  // namespace lumen
