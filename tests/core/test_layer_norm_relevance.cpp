// The engine's routing of relevance through LayerNormalization (Note [relevance through
// LayerNorm]): the LN rule's values against the formula, conservation with zero bias, and the
// routing on a Conv -> LN -> ... -> Gemm model.
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/context.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <lumen/normalisation_layers.hpp>
#include <lumen/propagation.hpp>

#include "even_rule.hpp"
#include "explain_helpers.hpp"
#include "gradcheck.hpp"
#include "layer_norm_model.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("relevance through a layer norm follows the LN rule", "[propagation]") {
  // input [2, 4] -> LN over 4 values (no bias) -> Gemm; the even rule spreads each logit's value
  // evenly over the Gemm's inputs, so every LN output gets R_i = logit / 8.
  const Tensor gamma({4}, {1.5F, -0.5F, 2.0F, 1.0F});
  Graph g;
  const auto in = g.add_input("input", {2, 4});
  const auto ln = g.add_node("ln", "", make_layer_norm(-1, gamma, std::nullopt, 1e-2F), {in});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {ln});
  const auto fc =
      g.add_node("fc", "logits", make_linear(random_tensor({3, 8}, 5), std::nullopt), {flat});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{2, 4}, {}, {}});
  const Tensor x({1, 2, 4}, {0.3F, -1.2F, 2.0F, 0.5F, 1.0F, 1.1F, -0.4F, 0.0F});
  Context context(naive_backend());
  const RuleMap rules(std::make_shared<const EvenRule>());
  const auto run = propagate_from_targets(model, x, std::vector<std::int64_t>{1}, rules,
                                          StartValue::logit, {in, ln}, context);
  const Tensor& y = run.trace.output(ln);
  const Tensor& r_out = run.signals.at(ln);
  const Tensor& r_in = run.signals.at(in);
  for (std::int64_t group = 0; group < 2; ++group) {
    double mean = 0.0, var = 0.0;
    for (int i = 0; i < 4; ++i) mean += x[group * 4 + i] / 4.0;
    for (int i = 0; i < 4; ++i) var += std::pow(x[group * 4 + i] - mean, 2) / 4.0;
    const double sigma = std::sqrt(var + 1e-2);
    double mean_gamma_s = 0.0;
    for (int i = 0; i < 4; ++i)
      mean_gamma_s += gamma[i] * r_out[group * 4 + i] / y[group * 4 + i] / 4.0;
    double total = 0.0;
    for (int j = 0; j < 4; ++j) {
      const auto k = group * 4 + j;
      const double expected = x[k] / sigma * (gamma[j] * r_out[k] / y[k] - mean_gamma_s);
      CHECK(r_in[k] == Approx(expected).epsilon(1e-5).margin(1e-7));
      total += r_in[k];
    }
    // Zero bias: the group keeps its total.
    double entering = 0.0;
    for (int i = 0; i < 4; ++i) entering += r_out[group * 4 + i];
    CHECK(total == Approx(entering).epsilon(1e-5));
  }
}

TEST_CASE("relevance through Conv, a channel layer norm and a row mean to the Gemm keeps its total",
          "[propagation]") {
  // The even rule spreads the batch's total, so totals are compared over the batch.
  for (const std::uint64_t seed : {1U, 2U}) {
    const Model model = layer_norm_net(seed, false);
    const Graph& g = model.graph();
    const Tensor x = random_tensor(model.batch_shape(2), seed + 10);
    Context context(naive_backend());
    const RuleMap rules(std::make_shared<const EvenRule>());
    const auto run =
        propagate_from_targets(model, x, std::vector<std::int64_t>{0, 3}, rules, StartValue::logit,
                               {g.at("ln"), g.at("to_nhwc"), g.input()}, context);
    const Tensor scores = logits(model, x);
    const double total = scores[0] + scores[4 + 3];
    CAPTURE(seed, total);
    CHECK(sum(run.signals.at(g.at("ln"))) == Approx(total).epsilon(1e-4));
    CHECK(sum(run.signals.at(g.at("to_nhwc"))) == Approx(total).epsilon(1e-4));
    CHECK(sum(run.signals.at(g.input())) == Approx(total).epsilon(1e-4));
  }
}
