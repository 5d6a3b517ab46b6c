// The engine's routing of relevance through products of two computed tensors (Note [gated
// products]): the signal gets all of it, the gate none; a product without a gate is refused.
// Through a quotient (Note [quotients]) the numerator gets all of it.
#include <catch2/catch.hpp>
#include <lumen/binary_layers.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <lumen/propagation.hpp>

#include "even_rule.hpp"
#include "explain_helpers.hpp"
#include "gated_models.hpp"
#include "gradcheck.hpp"
#include "naive_backend.hpp"
#include "normalised_models.hpp"

using namespace lumen;
using namespace lumen::testing;
using Catch::Matchers::Contains;

TEST_CASE("relevance through a gated product goes to the signal, none to the gate",
          "[propagation]") {
  for (const bool gate_first : {false, true}) {
    CAPTURE(gate_first);
    const Model model = se_block_model(gate_first, true);
    const Graph& g = model.graph();
    const NodeId scale = g.at("scale"), signal = g.at("signal"), gate = g.at("gate");
    Context context(naive_backend());
    const RuleMap rules(std::make_shared<const EvenRule>());
    const auto run = propagate_from_targets(model, random_tensor(model.batch_shape(2), 3),
                                            std::vector<std::int64_t>{1, 2}, rules,
                                            StartValue::logit, {scale, signal, gate}, context);
    const double entering = sum(run.signals.at(scale));
    CHECK(std::fabs(entering) > 1e-3);
    // The signal's relevance is what entered the product (the gate branch adds nothing).
    CHECK(sum(run.signals.at(signal)) == Approx(entering).epsilon(1e-5));
    for (float v : run.signals.at(gate).values()) CHECK(v == 0.0F);
  }
}

TEST_CASE("SiLU's sigmoid operand is its gate", "[propagation]") {
  const Model model = silu_model(false);
  const Graph& g = model.graph();
  Context context(naive_backend());
  const RuleMap rules(std::make_shared<const EvenRule>());
  const auto run = propagate_from_targets(model, random_tensor(model.batch_shape(1), 4),
                                          std::vector<std::int64_t>{0}, rules, StartValue::logit,
                                          {g.at("silu"), g.at("conv"), g.at("sigmoid")}, context);
  CHECK(sum(run.signals.at(g.at("conv"))) ==
        Approx(sum(run.signals.at(g.at("silu")))).epsilon(1e-5));
  for (float v : run.signals.at(g.at("sigmoid")).values()) CHECK(v == 0.0F);
}

TEST_CASE("a product without a recognisable gate is refused by name under relevance rules",
          "[propagation]") {
  Graph g;
  const auto in = g.add_input("input", {3});
  const auto relu = g.add_node("relu", "", make_relu(), {in});
  const auto square = g.add_node("square", "", make_mul(), {in, relu});
  const auto fc =
      g.add_node("fc", "logits", make_linear(Tensor({2, 3}, 1.0F), std::nullopt), {square});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{3}, {}, {}});
  Context context(naive_backend());
  const RuleMap rules(std::make_shared<const EvenRule>());
  CHECK_THROWS_WITH(
      propagate_from_targets(model, Tensor({1, 3}, {1, 2, 3}), std::vector<std::int64_t>{0}, rules,
                             StartValue::logit, {model.graph().input()}, context),
      Contains("node 'square' (Mul)") && Contains("no recognisable gate") &&
          Contains("'input' and 'relu'") && Contains("product-split"));
}

TEST_CASE("relevance through a quotient goes to the numerator, none to the divisor",
          "[propagation]") {
  const Model model = quotient_model(true);
  const Graph& g = model.graph();
  const NodeId q = g.at("normalise"), signal = g.at("signal"), divisor = g.at("divisor");
  Context context(naive_backend());
  const RuleMap rules(std::make_shared<const EvenRule>());
  const auto run = propagate_from_targets(model, random_tensor(model.batch_shape(2), 5),
                                          std::vector<std::int64_t>{0, 2}, rules, StartValue::logit,
                                          {q, signal, divisor}, context);
  const double entering = sum(run.signals.at(q));
  CHECK(std::fabs(entering) > 1e-3);
  CHECK(sum(run.signals.at(signal)) == Approx(entering).epsilon(1e-5));
  for (float v : run.signals.at(divisor).values()) CHECK(v == 0.0F);
}
