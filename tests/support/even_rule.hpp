#pragma once
// A rule that sends back exactly the upstream signal's total, spread evenly over a linear layer's
// input, to test the engine's bookkeeping (fan-out sums, ordering, shapes, routing) independently
// of any real rule: it keeps every layer's total, so what reaches a node is what the engine
// routed there.
#include <lumen/rule.hpp>
#include <string>
#include <vector>

namespace lumen::testing {

class EvenRule final : public Rule {
 public:
  std::string name() const override { return "even"; }
  Signal signal() const override { return Signal::relevance; }
  bool applies_to(const Layer& layer) const override { return layer.as_linear() != nullptr; }
  std::vector<Tensor> propagate(const RuleInput& in) const override {
    double total = 0.0;
    for (float v : in.upstream.values()) total += v;
    std::vector<Tensor> out;
    out.emplace_back(in.inputs[0]->shape(),
                     static_cast<float>(total / static_cast<double>(in.inputs[0]->size())));
    return out;
  }
};

}  // namespace lumen::testing
