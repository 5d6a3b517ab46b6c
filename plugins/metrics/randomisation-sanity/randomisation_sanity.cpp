// Model-parameter randomisation test (Adebayo et al. 2018), cascading: the model's linear layers
// with parameters (Conv, Gemm) are re-initialised one more at a time from the logits backwards;
// after each step the case's explainer re-runs on the randomised copy and its map is compared
// with the case's attribution by Spearman rank correlation of the per-pixel relevance (channel
// sums, absolute values by default). A sample's value is the mean correlation over the steps.
#include <cmath>
#include <limits>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/graph.hpp>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <map>
#include <random>

namespace {

namespace support = lumen::metric_support;

/// The Context stream of the new weights; the layer at cascade position l uses rng(l, stream).
constexpr std::uint64_t weight_stream = 0x5253'0000'0000'0001ULL;

/// A tensor like `t` drawn from N(0, s^2), s the population standard deviation of t's values
/// (all 0 when t is constant), so the new layer keeps the old one's scale.
lumen::Tensor redrawn(const lumen::Tensor& t, std::mt19937_64& rng) {
  double mean = 0.0, square = 0.0;
  for (const float v : t.values()) mean += v;
  mean /= static_cast<double>(t.size());
  for (const float v : t.values()) square += (v - mean) * (v - mean);
  const double s = std::sqrt(square / static_cast<double>(t.size()));
  lumen::Tensor out(t.shape());
  if (s == 0.0) return out;
  std::normal_distribution<double> normal(0.0, s);
  for (float& v : out.values()) v = static_cast<float>(normal(rng));
  return out;
}

/// A copy of `model` whose nodes in `replaced` use the given layers.
lumen::Model with_layers(
    const lumen::Model& model,
    const std::map<lumen::NodeId, std::shared_ptr<const lumen::Layer>>& replaced) {
  const lumen::Graph& graph = model.graph();
  lumen::Graph copy;
  std::map<lumen::NodeId, lumen::NodeId> id;
  for (const lumen::NodeId n : graph.topological_order()) {
    const lumen::Node& node = graph.node(n);
    if (n == graph.input()) {
      id[n] = copy.add_input(node.name, model.input_spec().sample_shape);
      continue;
    }
    std::vector<lumen::NodeId> inputs;
    for (const lumen::NodeId i : node.inputs) inputs.push_back(id.at(i));
    const auto found = replaced.find(n);
    id[n] = copy.add_node(node.name, node.output_name,
                          found == replaced.end() ? node.layer : found->second, inputs);
  }
  copy.finalize(id.at(graph.output()));
  return lumen::Model(std::move(copy), model.input_spec(), model.labels());
}

std::vector<double> ranked_relevance(const lumen::Tensor& map, std::int64_t n, bool absolute) {
  auto r = support::pixel_relevance(map, n);
  if (absolute) {
    for (double& v : r) v = std::abs(v);
  }
  return support::average_ranks(r);
}

class RandomisationSanity final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "randomisation-sanity";
    i.summary =
        "mean Spearman correlation between the map and the maps of models whose layers are "
        "re-initialised one by one from the logits backwards (lower: the map depends on the "
        "weights)";
    i.citation =
        "J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt, B. Kim. Sanity checks for "
        "saliency maps. NeurIPS, 2018.";
    i.direction = lumen::Direction::lower_is_better;
    i.min = -1.0;
    i.max = 1.0;
    i.needs = lumen::needs_model | lumen::needs_explainer;
    i.params = {
        lumen::param::integer(
            "layers", 0,
            "cascade steps: the number of layers re-initialised at the end (0: every linear layer "
            "with parameters)")
            .within(0.0, 1e6),
        lumen::param::flag(
            "absolute", true,
            "rank the absolute per-pixel relevance (Adebayo et al.'s rank correlation of absolute "
            "values)"),
    };
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    const lumen::Model& model = *c.model;
    std::vector<lumen::NodeId> cascade;
    const auto& order = model.graph().topological_order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const auto& layer = model.graph().node(*it).layer;
      if (layer && layer->as_linear() && !layer->parameters().empty()) cascade.push_back(*it);
    }
    const std::int64_t wanted = c.params.integer("layers");
    if (wanted > 0 && wanted < static_cast<std::int64_t>(cascade.size())) {
      cascade.resize(static_cast<std::size_t>(wanted));
    }
    if (cascade.empty()) {
      throw lumen::InvalidArgument(
          "randomisation-sanity: the model has no linear layer with "
          "parameters to re-initialise");
    }
    const bool absolute = c.params.boolean("absolute");
    const std::int64_t n = c.input.dim(0);
    std::vector<std::vector<double>> original;
    for (std::int64_t s = 0; s < n; ++s)
      original.push_back(ranked_relevance(c.attribution, s, absolute));
    std::vector<double> total(static_cast<std::size_t>(n), 0.0);
    std::map<lumen::NodeId, std::shared_ptr<const lumen::Layer>> replaced;
    for (std::size_t l = 0; l < cascade.size(); ++l) {
      context.check_cancelled();
      const auto& layer = model.graph().node(cascade[l]).layer;
      auto rng = context.rng(l, weight_stream);
      std::vector<lumen::Tensor> values;
      for (const lumen::Tensor* p : layer->parameters()) values.push_back(redrawn(*p, rng));
      replaced[cascade[l]] = layer->with_parameters(std::move(values));
      const lumen::Model randomised = with_layers(model, replaced);
      const lumen::ExplainRequest request{randomised, c.input, c.targets, *c.explainer_params,
                                          c.layer};
      const lumen::Attribution a = c.explainer->explain(request, context);
      for (std::int64_t s = 0; s < n; ++s) {
        total[static_cast<std::size_t>(s)] += support::pearson(
            original[static_cast<std::size_t>(s)], ranked_relevance(a.map, s, absolute));
      }
    }
    lumen::MetricResult result;
    for (const double t : total)
      result.per_sample.push_back(t / static_cast<double>(cascade.size()));
    result.aggregate = support::mean(result.per_sample);
    return result;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_metric(std::make_shared<RandomisationSanity>());
}

}  // namespace

LUMEN_PLUGIN("randomisation-sanity", "0.1.0", fill)
