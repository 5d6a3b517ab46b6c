// Breaks "keeps the model's logits": a canonizer that replaces every ReLU with a leaky one, which
// is a valid rewrite of the graph but not of the function.
#include <lumen/canonizer.hpp>
#include <lumen/layers.hpp>
#include <lumen/plugin.hpp>

namespace {

class LeakyCanonizer final : public lumen::Canonizer {
 public:
  lumen::CanonizerInfo info() const override {
    return {"fixture-bad-canonizer", "replaces every ReLU with a leaky ReLU"};
  }
  lumen::Rewrite rewrite(const lumen::Model& model, const lumen::Backend&) const override {
    lumen::Rewrite r;
    const lumen::Graph& g = model.graph();
    for (lumen::NodeId id = 0; id < g.size(); ++id) {
      if (g.node(id).layer->op_type() == "Relu") r.layers[id] = lumen::make_leaky_relu(0.5F);
    }
    return r;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_canonizer(std::make_shared<LeakyCanonizer>());
}

}  // namespace

LUMEN_PLUGIN("fixture-bad-canonizer", "1.0", fill)
