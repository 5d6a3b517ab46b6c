// Zennit's LRP composites (zennit/composites.py) as lumen composites: one rule per layer type,
// the first linear layer optionally with its own rule.
//
// Note [Zennit's composites in lumen's graphs]
// Zennit picks a rule by module type: element-wise activations Pass, its Sum (residual
// additions) and average pooling Norm (= epsilon with a fixed 1e-6 stabiliser), convolutions the
// composite's rule, torch.nn.Linear Epsilon; a "special first layer" composite gives the first
// matching module its own rule (EpsilonGammaBox: the first convolution ZBox; the Flat composites:
// the first convolution or dense layer Flat). Modules without a rule (max-pooling, flatten,
// unfolded batch-norm) keep their gradient. In lumen's graphs a convolution is a Conv or
// ConvTranspose node (Zennit's Convolution type covers both), a dense layer a Gemm, average pooling
// AveragePool/GlobalAveragePool, and "first" the first matching node in topological order. Add is
// split in proportion by the engine (Zennit's Norm, with a 1e-9 instead of 1e-6 stabiliser), and
// max-pooling is left to the explainer (lrp's `maxpool`; winner-take-all is Zennit's gradient).
// Other linear layers (Mul by a constant, a batch-norm that was not folded, Resize) get epsilon
// like dense layers: a relevance rule map has no gradient fallback.
#include <lumen/composite.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>

namespace {

using lumen::CompositeEntry;
using lumen::CompositeInfo;
using lumen::NodeSelector;
using lumen::RuleChoice;

// The entries every composite shares after its convolution rule (Zennit's LAYER_MAP_BASE and
// torch.nn.Linear -> Epsilon, extended to every other linear layer).
std::vector<CompositeEntry> layer_map(RuleChoice convolution) {
  return {
      {NodeSelector::kinds({"activation"}), {"pass", {}}},
      {NodeSelector::ops({"AveragePool", "GlobalAveragePool"}), {"epsilon", {{"epsilon", "1e-6"}}}},
      {NodeSelector::ops({"Conv", "ConvTranspose"}), std::move(convolution)},
      {NodeSelector::linear(), {"epsilon", {}}},
  };
}

const RuleChoice kZPlus{"zplus", {}};
const RuleChoice kAlpha2Beta1{"alpha-beta", {{"alpha", "2"}, {"beta", "1"}}};

CompositeInfo composite(std::string name, std::string summary, RuleChoice convolution,
                        std::vector<CompositeEntry> first = {}) {
  return {
      std::move(name), std::move(summary), layer_map(std::move(convolution)), std::move(first), {}};
}

void fill(lumen::Registrar& registrar) {
  const CompositeEntry flat_first{NodeSelector::ops({"Conv", "ConvTranspose", "Gemm"}),
                                  {"flat", {}}};
  registrar.add_composite(
      composite("epsilon-plus",
                "Zennit's EpsilonPlus: zplus at convolutions, epsilon at dense layers", kZPlus));
  registrar.add_composite(composite(
      "epsilon-alpha2-beta1",
      "Zennit's EpsilonAlpha2Beta1: alpha-beta (2, 1) at convolutions, epsilon at dense layers",
      kAlpha2Beta1));
  registrar.add_composite(composite(
      "epsilon-plus-flat",
      "Zennit's EpsilonPlusFlat: epsilon-plus with flat at the first convolution or dense layer",
      kZPlus, {flat_first}));
  registrar.add_composite(composite("epsilon-alpha2-beta1-flat",
                                    "Zennit's EpsilonAlpha2Beta1Flat: epsilon-alpha2-beta1 with "
                                    "flat at the first convolution or dense layer",
                                    kAlpha2Beta1, {flat_first}));
  registrar.add_composite(composite(
      "epsilon-gamma-box",
      "Zennit's EpsilonGammaBox: zbox (low, high) at the first convolution, gamma at the other "
      "convolutions, epsilon at dense layers",
      {"gamma", {}}, {{NodeSelector::ops({"Conv", "ConvTranspose"}), {"zbox", {}}}}));
}

}  // namespace

LUMEN_PLUGIN("zennit-composites", "0.1.0", fill)
