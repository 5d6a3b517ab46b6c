// CNN-LRP (Zang et al. 2021): LRP with the two-term rule written in the paper's alpha + beta = 1
// convention (its beta carries the sign: alpha = 2, beta = -1 is the usual alpha2-beta1) at every
// convolution (per receptive field) and dense layer, the relevance of max-pooling layers upsampled
// to their input size (pool_upsampling_rule.hpp), relevance starting at the target logit's value,
// and the map of each sample divided by its max |R| so that it lies in [-1, 1]. Given composite=,
// that composite's rules replace the two-term rule; max-pooling layers it gives no rule are still
// upsampled.
#include <algorithm>
#include <cmath>
#include <lumen/canonizer.hpp>
#include <lumen/composite.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>
#include <lumen/relevance.hpp>
#include <sstream>

#include "pool_upsampling_rule.hpp"

namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class CnnLrp final : public lumen::Explainer {
 public:
  explicit CnnLrp(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    return lumen::propagation_info(
        "cnn-lrp",
        "LRP with the paper's alpha + beta = 1 two-term rule at convolutions and dense layers and "
        "max-pool relevance upsampled, normalised to [-1, 1]",
        "B. Zang, L. Ding, Z. Feng, M. Zhu, T. Lei, M. Xing, X. Zhou. CNN-LRP: Understanding "
        "Convolutional Neural Networks Performance for Target Recognition in SAR Images. Sensors "
        "21(13), 4536, 2021.",
        {
            lumen::param::real(
                "alpha", 2.0,
                "weight of the raising contributions (paper convention: alpha + beta = 1)")
                .within(1.0, 1e6),
            lumen::param::real("beta", -1.0,
                               "signed weight of the lowering contributions (paper convention: "
                               "beta = 1 - alpha <= 0; the usual alpha-beta rule's beta is -beta)")
                .within(-1e6, 0.0),
            lumen::param::choice("pool_upsampling", "copy", {"copy", "split"},
                                 "how a max-pooled relevance value is upsampled over its window: "
                                 "copy (nearest neighbour) or split (evenly; keeps the total)"),
            lumen::param::composite(registry_,
                                    "the two-term rule of alpha and beta at every linear layer"),
            lumen::param::canonizers(registry_, ""),
        });
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const double alpha = request.params.real("alpha");
    const double beta = request.params.real("beta");
    if (std::abs(alpha + beta - 1.0) > 1e-9 * std::max(1.0, alpha)) {
      throw lumen::InvalidArgument(
          "cnn-lrp: alpha + beta must be 1 (the paper's convention, beta signed: alpha = 2, "
          "beta = -1 is alpha2-beta1), got alpha = " +
          number(alpha) + ", beta = " + number(beta));
    }
    const bool copy = request.params.text("pool_upsampling") == "copy";
    const std::string& composite_name = request.params.text("composite");
    const bool own = composite_name == "none";
    // The alpha-beta rule's beta is the paper's -beta.
    const std::map<std::string, std::string> two_term{{"alpha", request.params.text("alpha")},
                                                      {"beta", number(0.0 - beta)}};
    lumen::CompositeInfo composite;
    std::map<std::string, std::string> given;  // alpha, beta given with a composite
    if (own) {
      composite = {
          "none", "CNN-LRP", {{lumen::NodeSelector::linear(), {"alpha-beta", two_term}}}, {}, {}};
    } else {
      composite = lumen::find_composite(registry_, composite_name);
      for (const auto& [name, value] : two_term) {
        if (request.params.given(name)) given[name] = value;
      }
    }

    lumen::RelevanceSetup setup =
        lumen::relevance_setup(request, composite, given, registry_, context, "cnn-lrp");
    const lumen::Model& model = setup.model();
    const lumen::Graph& g = model.graph();
    const auto upsampling = lumen::cnn_lrp::make_pool_upsampling_rule(
        copy ? lumen::cnn_lrp::Upsampling::copy : lumen::cnn_lrp::Upsampling::split);
    std::vector<std::string> pool_notes;
    for (lumen::NodeId id : g.topological_order()) {
      const lumen::Node& node = g.node(id);
      if (node.layer->op_type() != "MaxPool" || setup.plan.count(id)) continue;
      setup.planned.rules.for_node(node.name, upsampling);
      pool_notes.push_back("rule " + node.name + ": " + upsampling->name());
    }

    const lumen::NodeId input = g.input();
    auto run =
        lumen::propagate_from_targets(model, request.input, request.targets, setup.planned.rules,
                                      lumen::StartValue::logit, {input}, context);
    lumen::Attribution a;
    a.map = std::move(run.signals.at(input));
    const std::int64_t n = a.map.dim(0);
    const std::int64_t per_sample = a.map.size() / n;
    const lumen::Tensor& scores = run.trace.output(model.logits_node());
    lumen::Tensor raw({n, 3});
    for (std::int64_t s = 0; s < n; ++s) {
      float* m = a.map.data() + s * per_sample;
      double total = 0.0;
      float scale = 0.0F;
      for (std::int64_t i = 0; i < per_sample; ++i) {
        total += m[i];
        scale = std::max(scale, std::abs(m[i]));
      }
      if (scale > 0.0F) {
        for (std::int64_t i = 0; i < per_sample; ++i) m[i] /= scale;
      }
      raw[s * 3] = static_cast<float>(total);
      raw[s * 3 + 1] = scale;
      raw[s * 3 + 2] = scores[s * scores.dim(1) + request.targets[static_cast<std::size_t>(s)]];
    }
    a.details.push_back({"raw_relevance",
                         "per sample: the raw relevance's sum, its max |R| (the map times this "
                         "is the raw relevance) and the target logit it started from",
                         std::move(raw), false});
    a.notes.push_back((own ? "alpha = " + number(alpha) + ", beta = " + number(beta) +
                                 " (alpha-beta rule with alpha = " + number(alpha) +
                                 ", beta = " + number(0.0 - beta) + ")"
                           : "composite: " + composite_name) +
                      "; max-pool upsampling: " + (copy ? "copy" : "split") +
                      "; map divided by max |R| per " + "sample");
    a.notes.insert(a.notes.end(), setup.notes.begin(), setup.notes.end());
    a.notes.insert(a.notes.end(), pool_notes.begin(), pool_notes.end());
    a.components = setup.components;
    if (!own) a.components.push_back({"composite", composite.name});
    return a;
  }

 private:
  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<CnnLrp>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("cnn-lrp", "0.1.0", fill)
