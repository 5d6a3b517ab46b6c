// Breaks "names registered relevance rules": a composite whose convolution rule is misspelled and
// whose ReLUs get a gradient rule.
#include <lumen/composite.hpp>
#include <lumen/plugin.hpp>

namespace {

void fill(lumen::Registrar& registrar) {
  using lumen::NodeSelector;
  registrar.add_composite({"fixture-bad-composite",
                           "names a rule that does not exist and a gradient rule",
                           {{NodeSelector::ops({"Relu"}), {"gradient", {}}},
                            {NodeSelector::ops({"Conv"}), {"zplsu", {}}},
                            {NodeSelector::linear(), {"epsilon", {}}}},
                           {},
                           {}});
}

}  // namespace

LUMEN_PLUGIN("fixture-bad-composite", "1.0", fill)
