#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <lumen/baseline.hpp>
#include <lumen/blur.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using ParamMap = std::map<std::string, std::string>;

ParamMap ig_params(const std::string& quadrature, int steps, ParamMap extra = {}) {
  extra["quadrature"] = quadrature;
  extra["steps"] = std::to_string(steps);
  return extra;
}

// |sum R - (f_c(x) - f_c(x'))| of one sample, computed here from the logits.
double completeness_error(const Model& model, const Tensor& x, const Tensor& baseline,
                          std::int64_t target, const Tensor& map) {
  const double delta =
      static_cast<double>(logits(model, x)[target]) - logits(model, baseline)[target];
  return std::fabs(sum(map) - delta);
}

Tensor scaled(const Tensor& t, double factor) {
  Tensor out = t;
  for (float& v : out.values()) v = static_cast<float>(v * factor);
  return out;
}

std::filesystem::path temp_npy(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("lumen_ig_test_" + std::to_string(::getpid()) + "_" + name + ".npy");
}

}  // namespace

TEST_CASE(
    "integrated-gradients with a zero baseline equals input-x-gradient on bias-free ReLU "
    "networks",
    "[integrated-gradients]") {
  // Bias-free ReLU/max-pool/average-pool networks are positively homogeneous: every
  // pre-activation at alpha x is alpha times the one at x, so for alpha > 0 no ReLU or max-pool
  // switch changes along the ray and the gradient is constant there. Any rule whose points all
  // lie in (0,1] and whose weights sum to 1 gives exactly x * grad f(x). At alpha = 0 every
  // pre-activation is 0 and ReLU'(0) = 0, so the gradient there is 0: riemann-left and
  // riemann-trapezoid lose exactly the weight they put on alpha = 0.
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model :
         {conv_net(seed, false), residual_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 60);
      const std::vector<std::int64_t> targets{0, model.class_count() - 1};
      const auto ixg = explain("input-x-gradient", model, x, targets);
      CAPTURE(seed, model.graph().size());
      for (const char* q : {"gauss-legendre", "riemann-right", "riemann-middle"}) {
        CAPTURE(q);
        const auto ig = explain("integrated-gradients", model, x, targets, ig_params(q, 7));
        CHECK(relative_difference(ig.map, ixg.map) < 1e-5);
      }
      const int n = 8;
      const auto left =
          explain("integrated-gradients", model, x, targets, ig_params("riemann-left", n));
      CHECK(relative_difference(left.map, scaled(ixg.map, 1.0 - 1.0 / n)) < 1e-5);
      const auto trapezoid =
          explain("integrated-gradients", model, x, targets, ig_params("riemann-trapezoid", n));
      CHECK(relative_difference(trapezoid.map, scaled(ixg.map, 1.0 - 0.5 / (n - 1))) < 1e-5);
    }
  }
}

TEST_CASE("integrated-gradients completeness error falls as steps grow", "[integrated-gradients]") {
  for (std::uint64_t seed : {1U, 2U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 70);
      const Tensor zero(x.shape());
      for (const char* q : {"riemann-left", "riemann-right", "riemann-middle", "riemann-trapezoid",
                            "gauss-legendre"}) {
        std::vector<double> errors;
        for (int steps : {2, 16, 256}) {
          const auto ig = explain("integrated-gradients", model, x, {1}, ig_params(q, steps));
          errors.push_back(completeness_error(model, x, zero, 1, ig.map));
        }
        const double scale = std::fabs(logits(model, x)[1] - logits(model, zero)[1]);
        CAPTURE(seed, model.graph().size(), q, errors[0], errors[1], errors[2], scale);
        // Along a piecewise-linear path the error does not fall monotonically step by step (a kink
        // can land near a point), but over two orders of magnitude it must.
        CHECK(errors[1] < errors[0]);
        CHECK(errors[2] < 0.25 * errors[0]);
        CHECK(errors[2] < 1e-2 * scale);
      }
    }
  }
}

TEST_CASE("integrated-gradients reports its completeness error per sample",
          "[integrated-gradients]") {
  const auto model = conv_net(5);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto ig = explain("integrated-gradients", model, x, {1, 3}, ig_params("riemann-left", 5));
  REQUIRE(ig.notes.size() >= 2);
  for (std::int64_t s = 0; s < 2; ++s) {
    const std::int64_t target = s == 0 ? 1 : 3;
    const double error = completeness_error(model, x.batch_slice(s), Tensor(model.batch_shape(1)),
                                            target, ig.map.batch_slice(s));
    const std::string& note = ig.notes[static_cast<std::size_t>(s)];
    CAPTURE(note, error);
    CHECK(note.rfind("sample " + std::to_string(s) + ": completeness error", 0) == 0);
    double reported = -1.0;
    REQUIRE(std::sscanf(note.c_str() + note.find("= ") + 2, "%lf", &reported) == 1);
    CHECK(reported == Approx(error).epsilon(1e-2).margin(1e-6));
    CHECK(error > 1e-4);  // 5 left-Riemann steps are visibly inexact, so the note is not vacuous
  }
}

TEST_CASE("integrated-gradients with Gauss-Legendre and trapezoid converge to the same map",
          "[integrated-gradients]") {
  for (std::uint64_t seed : {3U, 4U}) {
    for (const auto& model : {conv_net(seed), residual_net(seed)}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 80);
      double coarse = 0.0, fine = 0.0;
      for (int steps : {5, 400}) {
        const auto gl =
            explain("integrated-gradients", model, x, {2}, ig_params("gauss-legendre", steps));
        const auto tr =
            explain("integrated-gradients", model, x, {2}, ig_params("riemann-trapezoid", steps));
        (steps == 5 ? coarse : fine) = relative_difference(gl.map, tr.map);
      }
      CAPTURE(seed, model.graph().size(), coarse, fine);
      CHECK(fine < 1e-2);
      CHECK(fine < 0.25 * coarse);
    }
  }
}

TEST_CASE("integrated-gradients internal_batch_size does not change the result",
          "[integrated-gradients]") {
  // Batched and per-sample GEMMs may sum in another order: 1e-5 of max |map| allows for float
  // rounding of the gradients and catches a dropped or doubled chunk (off by ~1/steps).
  const auto model = residual_net(6);
  const Tensor x = random_tensor(model.batch_shape(2), 11);
  const auto all =
      explain("integrated-gradients", model, x, {0, 2}, ig_params("gauss-legendre", 20));
  for (int size : {1, 3, 7, 20, 64}) {
    auto p = ig_params("gauss-legendre", 20);
    p["internal_batch_size"] = std::to_string(size);
    const auto chunked = explain("integrated-gradients", model, x, {0, 2}, p);
    CAPTURE(size);
    CHECK(relative_difference(chunked.map, all.map) < 1e-5);
    CHECK(chunked.passes.forward == all.passes.forward);
  }
}

TEST_CASE("integrated-gradients of a batch equals sample by sample and counts its passes",
          "[integrated-gradients]") {
  const auto model = conv_net(8);
  const Tensor x = random_tensor(model.batch_shape(3), 12);
  const std::vector<std::int64_t> targets{4, 0, 2};
  for (const char* baseline : {"zeros", "blur", "uniform"}) {
    const ParamMap p = ig_params("gauss-legendre", 9, {{"baseline", baseline}});
    const auto batch = explain("integrated-gradients", model, x, targets, p, std::nullopt, 1, 3);
    const auto batch2 = explain("integrated-gradients", model, x, targets, p, std::nullopt, 2, 3);
    CAPTURE(baseline);
    CHECK(relative_difference(batch.map, batch2.map) == 0.0);
    // N * steps interpolated inputs forward and backward, plus N inputs and N baselines forward
    // for the completeness error.
    CHECK(batch.passes.forward == 3 * 9 + 2 * 3);
    CHECK(batch.passes.backward == 3 * 9);
    for (std::int64_t s = 0; s < 3; ++s) {
      const auto one = explain("integrated-gradients", model, x.batch_slice(s), {targets[s]}, p,
                               std::nullopt, 1, 3);
      CHECK(relative_difference(batch.map.batch_slice(s), one.map) < 1e-5);
    }
  }
}

TEST_CASE("integrated-gradients baselines", "[integrated-gradients]") {
  const auto model = residual_net(9);
  const Tensor x = random_tensor(model.batch_shape(2), 13);
  const std::vector<std::int64_t> targets{1, 3};
  const auto with = [&](ParamMap extra, std::uint64_t seed = 0) {
    return explain("integrated-gradients", model, x, targets,
                   ig_params("gauss-legendre", 64, std::move(extra)), std::nullopt, 1, seed);
  };
  const auto from_npy = [&](const Tensor& baseline, const std::string& name) {
    const auto file = temp_npy(name);
    write_npy(file, baseline);
    auto a = with({{"baseline", "npy"}, {"baseline_file", file.string()}});
    std::filesystem::remove(file);
    return a;
  };

  SECTION("zeros is constant 0, and a constant baseline is that constant") {
    const auto zeros = with({});
    CHECK(relative_difference(with({{"baseline", "constant"}}).map, zeros.map) == 0.0);
    const auto half = with({{"baseline", "constant"}, {"baseline_value", "0.5"}});
    CHECK(relative_difference(half.map, from_npy(Tensor(model.batch_shape(1), 0.5F), "c").map) ==
          0.0);
    CHECK(relative_difference(half.map, zeros.map) > 1e-2);
  }
  SECTION("blur is the input under the core's Gaussian blur (tests/core/test_blur.cpp)") {
    const Tensor blurred = gaussian_blur(x, 1.3);
    const auto blur = with({{"baseline", "blur"}, {"baseline_sigma", "1.3"}});
    CHECK(relative_difference(blur.map, from_npy(blurred, "blur").map) < 1e-6);
    CHECK(relative_difference(with({{"baseline", "blur"}, {"baseline_sigma", "0"}}).map,
                              Tensor(x.shape())) == 0.0);  // x' = x: nothing to attribute
  }
  SECTION("uniform is seeded noise in each sample's range") {
    auto context = make_context(1, 21);
    Params params = Params::validate(registry().explainer("integrated-gradients")->info().params,
                                     {{"baseline", "uniform"}}, "test");
    const Tensor b = make_baselines(params, x, *context, "integrated-gradients");
    const std::int64_t per = x.size() / 2;
    for (std::int64_t s = 0; s < 2; ++s) {
      const auto [lo, hi] = std::minmax_element(x.data() + s * per, x.data() + (s + 1) * per);
      const auto [blo, bhi] = std::minmax_element(b.data() + s * per, b.data() + (s + 1) * per);
      CHECK(*blo >= *lo);
      CHECK(*bhi <= *hi);
      CHECK(*bhi - *blo > 0.8F * (*hi - *lo));
    }
    const auto u = with({{"baseline", "uniform"}}, 21);
    CHECK(relative_difference(u.map, with({{"baseline", "uniform"}}, 21).map) == 0.0);
    CHECK(relative_difference(u.map, with({{"baseline", "uniform"}}, 22).map) > 1e-3);
    CHECK(relative_difference(u.map, from_npy(b, "uniform").map) < 1e-6);
    CHECK(completeness_error(model, x.batch_slice(1), b.batch_slice(1), 3, u.map.batch_slice(1)) <
          1e-2 * std::fabs(logits(model, x.batch_slice(1))[3]) + 1e-3);
  }
  SECTION("npy takes one baseline for all samples or one per sample, and refuses other shapes") {
    const Tensor b = random_tensor(model.batch_shape(2), 30);
    const auto per_sample = from_npy(b, "per");
    for (std::int64_t s = 0; s < 2; ++s) {
      const auto file = temp_npy("one");
      write_npy(file, b.batch_slice(s).reshaped({x.dim(1), x.dim(2), x.dim(3)}));
      const auto one = explain(
          "integrated-gradients", model, x.batch_slice(s), {targets[s]},
          ig_params("gauss-legendre", 64, {{"baseline", "npy"}, {"baseline_file", file.string()}}));
      std::filesystem::remove(file);
      CHECK(relative_difference(per_sample.map.batch_slice(s), one.map) < 1e-5);
    }
    const auto bad = temp_npy("bad");
    write_npy(bad, Tensor({3, 2, 8, 8}));
    CHECK_THROWS_WITH(with({{"baseline", "npy"}, {"baseline_file", bad.string()}}),
                      Catch::Contains(bad.string()) && Catch::Contains("[3,2,8,8]") &&
                          Catch::Contains("[2,8,8]"));
    std::filesystem::remove(bad);
    CHECK_THROWS_WITH(with({{"baseline", "npy"}}), Catch::Contains("baseline_file"));
    CHECK_THROWS_WITH(with({{"baseline_file", "x.npy"}}), Catch::Contains("baseline=npy"));
    CHECK_THROWS_AS(with({{"baseline", "npy"}, {"baseline_file", "/nonexistent/b.npy"}}), Error);
  }
}
