#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "rule_helpers.hpp"
#include "temp_dir.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// Each sample divided by its max |value|: cnn-lrp's output normalisation, done independently.
Tensor normalised(Tensor t) {
  const std::int64_t per = t.size() / t.dim(0);
  for (std::int64_t s = 0; s < t.dim(0); ++s) {
    float m = 0.0F;
    for (std::int64_t i = 0; i < per; ++i) m = std::max(m, std::abs(t[s * per + i]));
    for (std::int64_t i = 0; i < per; ++i) t[s * per + i] /= m;
  }
  return t;
}

const AttributionDetail& raw_detail(const Attribution& a) {
  const auto it = std::find_if(a.details.begin(), a.details.end(),
                               [](const auto& d) { return d.name == "raw_relevance"; });
  REQUIRE(it != a.details.end());
  return *it;
}

// [1,1,4,4] -> MaxPool (kernel k, stride s) -> Flatten -> Linear (positive weights 1, 2, ...).
Model pool_net(std::int64_t kernel, std::int64_t stride) {
  Graph g;
  auto x = g.add_input("input", {1, 4, 4});
  Pool2dParams p;
  p.kernel = {kernel, kernel};
  p.stride = {stride, stride};
  auto pool = g.add_node("pool", "", make_max_pool2d(p), {x});
  auto f = g.add_node("flatten", "", make_flatten(1), {pool});
  Tensor w({1, 4}, {1, 2, 3, 4});
  auto fc = g.add_node("fc", "logits", make_linear(w, std::nullopt), {f});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{1, 4, 4}, {}, {}});
}

const Tensor kPoolInput({1, 1, 4, 4}, {1, 2, 0, 1,  //
                                       3, 0, 1, 2,  //
                                       0, 1, 4, 0,  //
                                       2, 1, 0, 3});

}  // namespace

TEST_CASE("cnn-lrp enforces alpha + beta = 1 with the paper's signed beta", "[cnn-lrp]") {
  const auto model = dense_net(1, false);
  const Tensor x = random_tensor(model.batch_shape(1), 2);
  try {
    explain("cnn-lrp", model, x, {0}, {{"alpha", "2"}, {"beta", "-0.5"}});
    FAIL("alpha 2, beta -0.5 was accepted");
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    CHECK(what.find("alpha + beta must be 1") != std::string::npos);
    CHECK(what.find("alpha = 2") != std::string::npos);
    CHECK(what.find("beta = -0.5") != std::string::npos);
  }
  // The usual convention's beta = 1 is out of the paper's range (beta <= 0).
  CHECK_THROWS_WITH(explain("cnn-lrp", model, x, {0}, {{"beta", "1"}}),
                    Catch::Contains("beta") && Catch::Contains("out of range"));
  CHECK_NOTHROW(explain("cnn-lrp", model, x, {0}, {{"alpha", "1.5"}, {"beta", "-0.5"}}));
}

TEST_CASE("cnn-lrp alpha 1, beta 0 equals lrp zplus on bias-free networks without max-pool",
          "[cnn-lrp]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model : {residual_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 10);
      const std::vector<std::int64_t> targets{0, model.class_count() - 1};
      const auto c = explain("cnn-lrp", model, x, targets, {{"alpha", "1"}, {"beta", "0"}});
      const auto z = explain("lrp", model, x, targets, {{"rule", "zplus"}});
      CAPTURE(seed);
      CHECK(relative_difference(c.map, normalised(z.map)) < 1e-5);
      // The detail's scale gives back the raw relevance.
      const Tensor& raw = raw_detail(c).values;
      for (std::int64_t s = 0; s < 2; ++s) {
        Tensor back = c.map.batch_slice(s);
        for (float& v : back.values()) v *= raw[s * 3 + 1];
        CHECK(relative_difference(back, z.map.batch_slice(s)) < 1e-5);
        CHECK(raw[s * 3] == Approx(sum(z.map.batch_slice(s))).epsilon(1e-4));
      }
    }
  }
}

TEST_CASE("cnn-lrp differs from lrp zplus where the network max-pools", "[cnn-lrp]") {
  // conv_net max-pools after its first convolution: upsampling spreads relevance over the
  // window where lrp gives it to the winner.
  const auto model = conv_net(4, false);
  const Tensor x = random_tensor(model.batch_shape(1), 5, 0.0F, 1.0F);
  const auto c = explain("cnn-lrp", model, x, {1}, {{"alpha", "1"}, {"beta", "0"}});
  const auto z = explain("lrp", model, x, {1}, {{"rule", "zplus"}});
  CHECK(relative_difference(c.map, normalised(z.map)) > 1e-2);
}

TEST_CASE(
    "cnn-lrp alpha 2, beta -1 equals the alpha-beta rule with alpha 2, beta 1 without max-pool",
    "[cnn-lrp]") {
  const RuleMap ab(registry().make_rule("alpha-beta", {{"alpha", "2"}, {"beta", "1"}}));
  for (std::uint64_t seed : {1U, 2U}) {
    for (const auto& model : {residual_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 30);
      const std::vector<std::int64_t> targets{1, 0};
      const auto c = explain("cnn-lrp", model, x, targets);
      CAPTURE(seed);
      CHECK(relative_difference(c.map, normalised(relevance(model, ab, x, targets))) < 1e-5);
    }
  }
}

TEST_CASE("cnn-lrp upsamples max-pool relevance as computed by hand", "[cnn-lrp]") {
  // Windows 2x2: maxima p = (3, 2, 2, 4), weights (1, 2, 3, 4): f = 3 + 4 + 6 + 16 = 29, and with
  // alpha 1, beta 0 every pooled value keeps its contribution R_p = (3, 4, 6, 16).
  // copy: every input of a window receives R_p; split: R_p / 4. Both normalise to R_p / 16.
  const auto model = pool_net(2, 2);
  const std::vector<float> window_relevance{3, 4, 6, 16};
  for (const char* mode : {"copy", "split"}) {
    const auto a = explain("cnn-lrp", model, kPoolInput, {0},
                           {{"alpha", "1"}, {"beta", "0"}, {"pool_upsampling", mode}});
    CAPTURE(mode);
    for (std::int64_t r = 0; r < 4; ++r) {
      for (std::int64_t c = 0; c < 4; ++c) {
        const float expected = window_relevance[static_cast<std::size_t>((r / 2) * 2 + c / 2)] / 16;
        CHECK(a.map[r * 4 + c] == Approx(expected).epsilon(1e-5));
      }
    }
    const Tensor& raw = raw_detail(a).values;
    const bool copy = std::string(mode) == "copy";
    CHECK(raw[0] == Approx(copy ? 4 * 29 : 29).epsilon(1e-5));  // split conserves, copy x4
    CHECK(raw[1] == Approx(copy ? 16 : 4).epsilon(1e-5));
    CHECK(raw[2] == Approx(29).epsilon(1e-6));
  }
}

TEST_CASE("cnn-lrp upsampling adds overlapping windows", "[cnn-lrp]") {
  // Kernel 3, stride 1 on 4x4: output (i, j) reads rows i..i+2 and columns j..j+2. Windows:
  // every window contains the 4 at (2, 2), so R_p = 4 * (1, 2, 3, 4), f = 40. An input's relevance
  // is the sum over the windows containing it of R_p (copy) or R_p / 9 (split).
  const auto model = pool_net(3, 1);
  const std::vector<double> rp{4, 8, 12, 16};
  for (const char* mode : {"copy", "split"}) {
    const auto a = explain("cnn-lrp", model, kPoolInput, {0},
                           {{"alpha", "1"}, {"beta", "0"}, {"pool_upsampling", mode}});
    const double per = std::string(mode) == "copy" ? 1.0 : 1.0 / 9.0;
    std::vector<double> expected(16, 0.0);
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        for (int r = i; r < i + 3; ++r) {
          for (int c = j; c < j + 3; ++c) expected[r * 4 + c] += rp[i * 2 + j] * per;
        }
      }
    }
    const double scale = *std::max_element(expected.begin(), expected.end());
    CAPTURE(mode);
    for (int k = 0; k < 16; ++k) CHECK(a.map[k] == Approx(expected[k] / scale).epsilon(1e-5));
    CHECK(raw_detail(a).values[1] == Approx(scale).epsilon(1e-5));
  }
}

TEST_CASE("cnn-lrp maps lie in [-1, 1] with max |R| = 1 per sample", "[cnn-lrp]") {
  const auto model = conv_net(6);
  const Tensor x = random_tensor(model.batch_shape(3), 7);
  const auto a = explain("cnn-lrp", model, x, {0, 1, 2});
  for (std::int64_t s = 0; s < 3; ++s) {
    const Tensor sample = a.map.batch_slice(s);
    float m = 0.0F;
    for (float v : sample.values()) m = std::max(m, std::abs(v));
    CHECK(m == Approx(1.0F).epsilon(1e-6));
  }
}

TEST_CASE("cnn-lrp on the paper's baseline: dense, sigmoid, dense, softmax", "[cnn-lrp]") {
  // The sparse auto-encoder's encoder (sigmoid hidden layer) and its softmax classifier. The
  // sigmoid passes relevance through; both dense layers use alpha 2, beta 1 with their biases in
  // z+ and z-. Inputs are SAR magnitudes (>= 0), so x- = 0 below.
  const std::int64_t n_in = 6, n_hidden = 4, n_out = 3;
  const Tensor w1 = random_tensor({n_hidden, n_in}, 11);
  const Tensor b1 = random_tensor({n_hidden}, 12, -0.2F, 0.2F);
  const Tensor w2 = random_tensor({n_out, n_hidden}, 13);
  const Tensor b2 = random_tensor({n_out}, 14, -0.2F, 0.2F);
  Graph g;
  auto in = g.add_input("input", {n_in, 1, 1});
  auto f = g.add_node("flatten", "", make_flatten(1), {in});
  auto e = g.add_node("encoder", "", make_linear(w1, b1), {f});
  auto h = g.add_node("sigmoid", "", make_sigmoid(), {e});
  auto c = g.add_node("classifier", "logits", make_linear(w2, b2), {h});
  auto p = g.add_node("softmax", "probabilities", make_softmax(1), {c});
  g.finalize(p);
  const Model model(std::move(g), InputSpec{{n_in, 1, 1}, {}, {}});

  auto stab = [](double v) { return v + (v >= 0 ? 1e-6 : -1e-6); };
  // alpha-beta on one dense layer with inputs a >= 0.
  auto layer = [&](const std::vector<double>& a, const Tensor& w, const Tensor& b,
                   const std::vector<double>& r_out) {
    const auto outs = static_cast<std::int64_t>(r_out.size());
    const auto ins = static_cast<std::int64_t>(a.size());
    std::vector<double> r_in(a.size(), 0.0);
    for (std::int64_t j = 0; j < outs; ++j) {
      double zp = std::max(0.0F, b[j]), zn = std::min(0.0F, b[j]);
      for (std::int64_t i = 0; i < ins; ++i) {
        zp += a[i] * std::max(0.0F, w[j * ins + i]);
        zn += a[i] * std::min(0.0F, w[j * ins + i]);
      }
      for (std::int64_t i = 0; i < ins; ++i) {
        r_in[i] += 2 * a[i] * std::max(0.0F, w[j * ins + i]) * r_out[j] / stab(zp) -
                   a[i] * std::min(0.0F, w[j * ins + i]) * r_out[j] / stab(zn);
      }
    }
    return r_in;
  };
  for (std::uint64_t seed : {21U, 22U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed, 0.0F, 1.0F);
    const Tensor scores = logits(model, x);
    for (std::int64_t target = 0; target < n_out; ++target) {
      std::vector<double> a(x.values().begin(), x.values().end());
      std::vector<double> hidden(n_hidden);
      for (std::int64_t j = 0; j < n_hidden; ++j) {
        double z = b1[j];
        for (std::int64_t i = 0; i < n_in; ++i) z += w1[j * n_in + i] * a[i];
        hidden[j] = 1.0 / (1.0 + std::exp(-z));
      }
      std::vector<double> r_out(n_out, 0.0);
      r_out[target] = scores[target];
      const auto r_x = layer(a, w1, b1, layer(hidden, w2, b2, r_out));
      double scale = 0.0;
      for (double v : r_x) scale = std::max(scale, std::abs(v));
      const auto got = explain("cnn-lrp", model, x, {target});
      CAPTURE(seed, target);
      CHECK(raw_detail(got).values[2] == Approx(scores[target]).epsilon(1e-6));
      for (std::int64_t i = 0; i < n_in; ++i) {
        CHECK(got.map[i] == Approx(r_x[i] / scale).margin(1e-5));
      }
    }
  }
}

TEST_CASE("cnn-lrp batch equals one by one and does not depend on threads", "[cnn-lrp]") {
  for (const char* mode : {"copy", "split"}) {
    const auto model = conv_net(9);
    const Tensor x = random_tensor(model.batch_shape(3), 10);
    const std::vector<std::int64_t> t{0, 1, 2};
    const std::map<std::string, std::string> params{{"pool_upsampling", mode}};
    check_batch_equals_samples("cnn-lrp", model, x, t, params, 1e-5);
  }
}

TEST_CASE("cnn-lrp with a composite uses its rules, still upsamples max-pooling and normalises",
          "[cnn-lrp][composite]") {
  lumen::testing::TempDir dir;
  // The two-term rule written as a composite file leaving alpha and beta free: with the paper's
  // alpha and beta given, the same map as cnn-lrp's own rules, max-pool upsampling included.
  const std::string file = dir / "two-term.json";
  std::ofstream(file) << R"({"layers": [{"linear": true, "rule": "alpha-beta"}]})";
  const Model model = conv_net(6);
  const Tensor x = random_tensor(model.batch_shape(2), 7, 0.0F, 1.0F);
  const std::vector<std::int64_t> targets{0, 3};
  const std::map<std::string, std::string> paper{{"alpha", "3"}, {"beta", "-2"}};
  auto with_file = paper;
  with_file["composite"] = file;
  const auto own = explain("cnn-lrp", model, x, targets, paper);
  const auto composed = explain("cnn-lrp", model, x, targets, with_file);
  CHECK(relative_difference(composed.map, own.map) == 0.0);
  CHECK(std::count(composed.notes.begin(), composed.notes.end(),
                   "rule conv1: alpha-beta (alpha=3, beta=2)") == 1);
  CHECK(std::count(composed.notes.begin(), composed.notes.end(),
                   "rule pool1: cnn-lrp-upsample-copy") == 1);
  // Zennit's epsilon-plus on a model without max-pooling: lrp's map, normalised.
  const Model residual = residual_net(6);
  const Tensor xr = random_tensor(residual.batch_shape(2), 8, 0.0F, 1.0F);
  const auto c = explain("cnn-lrp", residual, xr, targets, {{"composite", "epsilon-plus"}});
  const auto l =
      explain("lrp", residual, xr, targets, {{"composite", "epsilon-plus"}, {"canonizers", ""}});
  CHECK(relative_difference(c.map, normalised(l.map)) < 1e-6);
  // alpha and beta given to a composite that fixes them are refused, as in lrp.
  auto fixed = paper;
  fixed["composite"] = "epsilon-alpha2-beta1";
  CHECK_THROWS_WITH(
      explain("cnn-lrp", model, x, targets, fixed),
      Catch::Contains("cnn-lrp: parameter 'alpha'") && Catch::Contains("taken by no rule"));
}
