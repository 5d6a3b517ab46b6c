#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/layers.hpp>
#include <lumen/math_layers.hpp>

#include "explain_helpers.hpp"
#include "gated_models.hpp"
#include "normalised_models.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

const std::vector<std::string> kRules{"rescale", "reveal-cancel"};

double target_delta(const Model& model, const Tensor& x, const Tensor& x0, std::int64_t s,
                    std::int64_t target) {
  const Tensor a = logits(model, x.batch_slice(s));
  const Tensor b = logits(model, x0.batch_slice(s));
  return static_cast<double>(a[target]) - static_cast<double>(b[target]);
}

// The weights [out, in] and bias of a linear node, read back through the linear hook.
void read_linear(const Model& model, const char* name, std::int64_t in, std::int64_t out,
                 std::vector<double>& w, std::vector<double>& b) {
  const auto* lin = model.graph().node(model.graph().at(name)).layer->as_linear();
  auto context = make_context();
  const Tensor bias = lin->forward_with(Tensor({1, in}), {}, true, context->backend());
  b.assign(bias.values().begin(), bias.values().end());
  w.assign(static_cast<std::size_t>(in * out), 0.0);
  for (std::int64_t i = 0; i < in; ++i) {
    Tensor e({1, in});
    e[i] = 1.0F;
    const Tensor col = lin->forward_with(e, {}, false, context->backend());
    for (std::int64_t o = 0; o < out; ++o) w[static_cast<std::size_t>(o * in + i)] = col[o];
  }
}

double relu(double v) { return std::max(v, 0.0); }

// dense_net (x(16) -> fc1 -> ReLU -> fc2) by the paper's formulas in double precision:
// Rescale m_j = Δh_j / Δz_j; RevealCancel with Δz+_j / Δz-_j the sums of the positive / negative
// terms w_ji Δx_i and Δh± averaged over both orders.
std::vector<double> dense_by_hand(const Model& model, const Tensor& x, const Tensor& x0,
                                  std::int64_t target, bool reveal_cancel) {
  std::vector<double> w1, b1, w2, b2;
  read_linear(model, "fc1", 16, 8, w1, b1);
  read_linear(model, "fc2", 8, 3, w2, b2);
  std::vector<double> r(16, 0.0);
  for (int j = 0; j < 8; ++j) {
    double z = b1[j], z0 = b1[j], dz_pos = 0.0, dz_neg = 0.0;
    for (int i = 0; i < 16; ++i) {
      z += w1[j * 16 + i] * x[i];
      z0 += w1[j * 16 + i] * x0[i];
      const double term = w1[j * 16 + i] * (x[i] - x0[i]);
      (term > 0 ? dz_pos : dz_neg) += term;
    }
    const double top = w2[static_cast<std::size_t>(target * 8 + j)];
    const double m = z != z0 ? (relu(z) - relu(z0)) / (z - z0) : (z > 0 ? 1.0 : 0.0);
    const double dy_pos = 0.5 * (relu(z0 + dz_pos) - relu(z0)) +
                          0.5 * (relu(z0 + dz_neg + dz_pos) - relu(z0 + dz_neg));
    const double dy_neg = 0.5 * (relu(z0 + dz_neg) - relu(z0)) +
                          0.5 * (relu(z0 + dz_pos + dz_neg) - relu(z0 + dz_pos));
    const double m_pos = dz_pos != 0 ? dy_pos / dz_pos : (z > 0 ? 1.0 : 0.0);
    const double m_neg = dz_neg != 0 ? dy_neg / dz_neg : (z > 0 ? 1.0 : 0.0);
    for (int i = 0; i < 16; ++i) {
      const double term = w1[j * 16 + i] * (x[i] - x0[i]);
      const double mult = reveal_cancel ? (term > 0 ? m_pos : m_neg) : m;
      r[i] += top * mult * term;
    }
  }
  return r;
}

// deeplift's map sums to f_c(x) - f_c(x0) per sample, for both rules and the constant references
// 0 and 0.5; `what` names the case in failures.
void check_sums_to_delta(const Model& model, const Tensor& x,
                         const std::vector<std::int64_t>& targets, const std::string& what) {
  for (const auto& rule : kRules) {
    for (const float reference : {0.0F, 0.5F}) {
      const auto a = explain("deeplift", model, x, targets,
                             {{"rule", rule},
                              {"baseline", "constant"},
                              {"baseline_value", std::to_string(reference)}});
      const Tensor x0(x.shape(), reference);
      for (std::int64_t s = 0; s < x.dim(0); ++s) {
        const double delta = target_delta(model, x, x0, s, targets[static_cast<std::size_t>(s)]);
        CAPTURE(what, rule, reference, s, delta);
        CHECK(std::fabs(delta) > 1e-3);  // a difference worth explaining
        // The logits are of order 1, so float32 rounding alone leaves ~1e-7 in their difference.
        CHECK(std::fabs(sum(a.map.batch_slice(s)) - delta) <=
              1e-5 * std::max(std::fabs(delta), 0.1));
      }
    }
  }
}

}  // namespace

TEST_CASE("deeplift sums to f_c(x) - f_c(x0) on conv, residual and dense networks", "[deeplift]") {
  for (const auto& rule : kRules) {
    for (std::uint64_t seed : {1U, 2U}) {
      for (const bool bias : {true, false}) {
        for (const auto& model :
             {conv_net(seed, bias), residual_net(seed, bias), dense_net(seed, bias)}) {
          const Tensor x = random_tensor(model.batch_shape(2), seed + 30);
          for (const auto& baseline : {std::map<std::string, std::string>{{"baseline", "zeros"}},
                                       {{"baseline", "constant"}, {"baseline_value", "0.3"}},
                                       {{"baseline", "blur"}, {"baseline_sigma", "1"}}}) {
            auto params = baseline;
            params["rule"] = rule;
            const std::vector<std::int64_t> targets{0, model.class_count() - 1};
            const auto a = explain("deeplift", model, x, targets, params);
            REQUIRE(a.map.shape() == x.shape());
            Tensor x0 = x;
            if (baseline.at("baseline") == "zeros") x0 = Tensor(x.shape());
            if (baseline.at("baseline") == "constant") x0 = Tensor(x.shape(), 0.3F);
            for (std::int64_t s = 0; s < 2; ++s) {
              if (baseline.at("baseline") == "blur") break;  // x0 checked through the notes below
              const double delta = target_delta(model, x, x0, s, targets[s]);
              CAPTURE(rule, seed, bias, s, delta, baseline.at("baseline"));
              CHECK(std::fabs(sum(a.map.batch_slice(s)) - delta) <=
                    1e-5 * std::max(std::fabs(delta), 1e-2));
            }
            // The explainer's own summation notes (which use its x0) report the same property.
            std::int64_t reported = 0;
            for (const auto& note : a.notes) {
              const auto at = note.find("(relative ");
              if (at == std::string::npos) continue;
              CAPTURE(rule, seed, bias, note);
              CHECK(note.rfind("sample " + std::to_string(reported) + ": summation-to-delta", 0) ==
                    0);
              CHECK(std::stod(note.substr(at + 10)) < 1e-4);
              ++reported;
            }
            CHECK(reported == x.dim(0));
          }
        }
      }
    }
  }
}

TEST_CASE("deeplift sums to the difference through every element-wise activation", "[deeplift]") {
  // [N,2,4,4] -> Conv 3x3 (2->3, pad 1) -> activation -> Flatten -> Linear (48->3): inputs in
  // [-2, 2] put the convolution's outputs on both sides of every kink (0 and 6 of ReLU6, -1 and
  // 1 of the second Clip, -2.5 and 2.5 of HardSigmoid, -3 and 3 of HardSwish).
  const std::vector<std::shared_ptr<const Layer>> activations{make_clip(0, 6),
                                                              make_clip(-1, 1),
                                                              make_hard_sigmoid(0.2F, 0.5F),
                                                              make_hard_swish(),
                                                              make_sigmoid(),
                                                              make_tanh(),
                                                              make_gelu(GeluApproximation::none),
                                                              make_gelu(GeluApproximation::tanh),
                                                              make_erf(),
                                                              make_abs(),
                                                              make_pow(2.0F),
                                                              make_pow(3.0F)};
  for (const auto& activation : activations) {
    Graph g;
    auto in = g.add_input("input", {2, 4, 4});
    Conv2dParams conv;
    conv.weight = random_tensor({3, 2, 3, 3}, 11, -1.5F, 1.5F);
    conv.bias = random_tensor({3}, 12);
    conv.pads = {1, 1, 1, 1};
    auto c = g.add_node("conv", "", make_conv2d(conv), {in});
    auto act = g.add_node("act", "", activation, {c});
    auto f = g.add_node("flatten", "", make_flatten(1), {act});
    auto fc = g.add_node("fc", "logits",
                         make_linear(random_tensor({3, 48}, 13), random_tensor({3}, 14)), {f});
    g.finalize(fc);
    const Model model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
    const Tensor x = random_tensor(model.batch_shape(2), 15, -2.0F, 2.0F);
    check_sums_to_delta(model, x, {0, 2}, activation->op_type() + " " + activation->describe());
  }
}

TEST_CASE("deeplift sums to the difference through squeeze-and-excitation and SiLU products",
          "[deeplift]") {
  // The exact product rule Δ(ab) = Δa (b + b0) / 2 + Δb (a + a0) / 2 at each product.
  for (const std::string name : {"se, gate second", "se, gate first", "silu"}) {
    const Model model =
        name == "silu" ? silu_model(true) : se_block_model(name == "se, gate first", true);
    check_sums_to_delta(model, random_tensor(model.batch_shape(2), 41, -2.0F, 2.0F), {1, 2}, name);
  }
}

TEST_CASE("deeplift sums to the difference through a quotient and a ConvNeXt-style MLP block",
          "[deeplift]") {
  // The exact quotient rule Δ(a/b) = Δa (1/b + 1/b0) / 2 - Δb (a + a0) / (2 b b0) at the quotient;
  // linear layers over the last axis of an NHWC tensor and GELU in the MLP block.
  for (const std::string name : {"quotient", "mlp block"}) {
    const Model model = name == "quotient" ? quotient_model(true) : mlp_block_model(true);
    check_sums_to_delta(model, random_tensor(model.batch_shape(2), 43, -2.0F, 2.0F), {0, 2}, name);
  }
}

TEST_CASE("deeplift on a linear model equals input x gradient of x - x0", "[deeplift]") {
  Graph g;
  auto in = g.add_input("input", {2, 6, 6});
  Conv2dParams conv;
  conv.weight = random_tensor({3, 2, 3, 3}, 1);
  conv.bias = random_tensor({3}, 2);
  conv.stride = {2, 2};
  conv.pads = {1, 1, 1, 1};
  auto c = g.add_node("conv", "", make_conv2d(conv), {in});
  Pool2dParams pool;
  pool.kernel = {3, 3};
  auto p = g.add_node("avg", "", make_avg_pool2d(pool), {c});
  auto f = g.add_node("flatten", "", make_flatten(1), {p});
  auto fc =
      g.add_node("fc", "logits", make_linear(random_tensor({4, 3}, 3), random_tensor({4}, 4)), {f});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{2, 6, 6}, {}, {}});
  const Tensor x = random_tensor(model.batch_shape(2), 5);
  const auto gradient = explain("saliency", model, x, {1, 3}, {{"abs", "false"}});
  Tensor expected = gradient.map;
  for (std::int64_t i = 0; i < x.size(); ++i) expected[i] *= x[i] - 0.25F;
  for (const auto& rule : kRules) {
    const auto a = explain("deeplift", model, x, {1, 3},
                           {{"rule", rule}, {"baseline", "constant"}, {"baseline_value", "0.25"}});
    CHECK(relative_difference(a.map, expected) < 1e-5);
  }
}

TEST_CASE("deeplift on a dense ReLU network equals the paper's formulas by hand", "[deeplift]") {
  for (std::uint64_t seed : {3U, 4U, 5U}) {
    const auto model = dense_net(seed, true);
    const Tensor x = random_tensor(model.batch_shape(1), seed + 40);
    const Tensor x0(x.shape(), -0.2F);
    const std::int64_t target = 2;
    for (const auto& rule : kRules) {
      const auto expected = dense_by_hand(model, x, x0, target, rule == "reveal-cancel");
      const auto a =
          explain("deeplift", model, x, {target},
                  {{"rule", rule}, {"baseline", "constant"}, {"baseline_value", "-0.2"}});
      CAPTURE(seed, rule);
      for (int i = 0; i < 16; ++i) CHECK(a.map[i] == Approx(expected[i]).margin(1e-5));
    }
    // The two rules really differ on these networks (else the comparison proves little).
    const auto rescale = dense_by_hand(model, x, x0, target, false);
    const auto cancel = dense_by_hand(model, x, x0, target, true);
    double most = 0.0;
    for (int i = 0; i < 16; ++i) most = std::max(most, std::fabs(rescale[i] - cancel[i]));
    CHECK(most > 1e-3);
  }
}

TEST_CASE("deeplift gives a window's difference to the winner of x or of x0 at max-pool",
          "[deeplift]") {
  // [1,1,2,2] -> MaxPool 2 -> Flatten -> Linear (w = 2): one window.
  Graph g;
  auto in = g.add_input("input", {1, 2, 2});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto p = g.add_node("pool", "", make_max_pool2d(pool), {in});
  auto f = g.add_node("flatten", "", make_flatten(1), {p});
  auto fc = g.add_node("fc", "logits", make_linear(Tensor({1, 1}, 2.0F), std::nullopt), {f});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{1, 2, 2}, {}, {}});
  const Tensor x({1, 1, 2, 2}, {1.0F, 3.0F, 2.0F, 0.0F});
  const auto file = std::filesystem::temp_directory_path() / "lumen-deeplift-pool-x0.npy";
  // x0 wins (4 > 3): Δy = -1 goes to x0's winner (element 0), times the weight 2.
  write_npy(file, Tensor({1, 1, 2, 2}, {4.0F, 0.0F, 0.0F, 0.0F}));
  auto a = explain("deeplift", model, x, {0}, {{"baseline", "npy"}, {"baseline_file", file}});
  CHECK(a.map[0] == Approx(-2.0F));
  CHECK(a.map[1] == 0.0F);
  // x wins (3 > 0.5): Δy = 2.5 goes to x's winner (element 1).
  write_npy(file, Tensor({1, 1, 2, 2}, {0.5F, 0.0F, 0.0F, 0.0F}));
  a = explain("deeplift", model, x, {0}, {{"baseline", "npy"}, {"baseline_file", file}});
  CHECK(a.map[0] == 0.0F);
  CHECK(a.map[1] == Approx(5.0F));
  CHECK(a.map[2] == 0.0F);
  std::filesystem::remove(file);
}

TEST_CASE("deeplift with the input as reference is zero", "[deeplift]") {
  const auto model = residual_net(6);
  const Tensor x = random_tensor(model.batch_shape(2), 7);
  const auto file = std::filesystem::temp_directory_path() / "lumen-deeplift-x.npy";
  write_npy(file, x);
  for (const auto& rule : kRules) {
    const auto a = explain("deeplift", model, x, {0, 3},
                           {{"rule", rule}, {"baseline", "npy"}, {"baseline_file", file}});
    for (float v : a.map.values()) CHECK(v == 0.0F);
  }
  std::filesystem::remove(file);
}

TEST_CASE("deeplift runs 2 forward and 1 backward pass per image, batch equals one by one",
          "[deeplift]") {
  for (const auto& rule : kRules) {
    for (const auto& model : {conv_net(8), residual_net(8)}) {
      const Tensor x = random_tensor(model.batch_shape(3), 9);
      const std::vector<std::int64_t> t{0, 1, 2};
      const auto batch =
          check_batch_equals_samples("deeplift", model, x, t, {{"rule", rule}}, 1e-5);
      CHECK(batch.passes.forward == 6);
      CHECK(batch.passes.backward == 3);
    }
  }
}

TEST_CASE("deeplift refuses a missing or misshapen reference file", "[deeplift]") {
  const auto model = conv_net(1);
  const Tensor x = random_tensor(model.batch_shape(1), 2);
  CHECK_THROWS_AS(explain("deeplift", model, x, {0}, {{"baseline", "npy"}}), InvalidArgument);
  CHECK_THROWS_WITH(explain("deeplift", model, x, {0}, {{"baseline", "npy"}}),
                    Catch::Contains("deeplift: baseline=npy needs baseline_file"));
  CHECK_THROWS_AS(explain("deeplift", model, x, {0}, {{"rule", "rescale-ish"}}), InvalidArgument);
}
