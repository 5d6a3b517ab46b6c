// The product-split rule: a product y = a * b of two computed tensors gives each operand half of
// its relevance, the alternative to the engine's gate routing (Note [gated products] in the core's
// gated_product.cpp) for products without a gate. See docs/rules.md.
#include <lumen/layer.hpp>
#include <lumen/layers.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

class ProductSplitRule final : public lumen::Rule {
 public:
  std::string name() const override { return "product-split"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override {
    return layer.op_type() == "Mul" && layer.as_linear() == nullptr;
  }
  // It keeps the total at every product, but alone it handles no linear layer, so the
  // conformance suite's whole-model conservation check cannot run it (as `pass`).
  bool conserves() const override { return false; }

  // R_a = R_b = R / 2 per output element, summed over the axes a broadcast operand was repeated
  // along: the Shapley values of a * b against the zero reference (each ab / 2), i.e. gradient
  // times input normalised to the output. The sums over repeated axes are the vector-Jacobian
  // product of a sum of the two operands.
  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    lumen::Tensor half = in.upstream;
    for (auto& v : half.values()) v *= 0.5F;
    return adder_->backward(in.inputs, in.output, nullptr, half, in.backend);
  }

 private:
  std::shared_ptr<const lumen::Layer> adder_ = lumen::make_add();
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "product-split";
  info.summary = "a product of two computed tensors gives each operand half of its relevance";
  info.signal = lumen::Signal::relevance;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<ProductSplitRule>();
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("product", "0.1.0", fill)
