#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lumen/baseline.hpp"
#include "lumen/blur.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using lumen::Params;
using lumen::Shape;
using lumen::Tensor;

namespace {

const std::vector<std::string> all_kinds{"zeros", "constant", "blur", "uniform", "npy"};

Params params(const std::map<std::string, std::string>& given,
              const std::vector<std::string>& kinds = all_kinds) {
  return Params::validate(lumen::baseline_params(kinds), given, "test");
}

Tensor baselines(const std::map<std::string, std::string>& given, const Tensor& x,
                 std::uint64_t seed = 0, const std::string& method = "integrated-gradients") {
  const auto context = lumen::testing::make_context(1, seed);
  return lumen::make_baselines(params(given), x, *context, method);
}

std::filesystem::path temp_npy(const std::string& name) {
  std::random_device rd;
  return std::filesystem::temp_directory_path() /
         ("lumen-test-baseline-" + name + "-" + std::to_string(rd()) + ".npy");
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::ranges::equal(a.values(), b.values());
}

}  // namespace

TEST_CASE("baseline_params declares the offered kinds and their parameters", "[baseline]") {
  const auto names = [](const std::vector<lumen::ParamSpec>& specs) {
    std::vector<std::string> out;
    for (const auto& s : specs) out.push_back(s.name);
    return out;
  };
  const auto all = lumen::baseline_params(all_kinds, 2.5);
  CHECK(names(all) ==
        std::vector<std::string>{"baseline", "baseline_value", "baseline_sigma", "baseline_file"});
  CHECK(all[0].type == lumen::ParamType::choice);
  CHECK(all[0].choices == all_kinds);
  CHECK(all[0].default_value == "zeros");
  CHECK(all[2].default_value == "2.5");
  CHECK(lumen::baseline_params(all_kinds)[2].default_value == "5");

  const auto some = lumen::baseline_params({"blur", "zeros"});
  CHECK(names(some) == std::vector<std::string>{"baseline", "baseline_sigma"});
  CHECK(some[0].default_value == "blur");
  CHECK_THROWS_WITH(Params::validate(some, {{"baseline", "uniform"}}, "test"),
                    Catch::Contains("uniform"));

  CHECK_THROWS_WITH(lumen::baseline_params({"zeros", "noise"}), Catch::Contains("'noise'"));
  CHECK_THROWS_WITH(lumen::baseline_params({"zeros", "zeros"}), Catch::Contains("'zeros'"));
  CHECK_THROWS_AS(lumen::baseline_params({}), lumen::InvalidArgument);
}

TEST_CASE("make_baselines builds zeros, constant and blur references", "[baseline]") {
  const Tensor x = lumen::conformance::random_tensor({2, 3, 7, 6}, 5);
  CHECK(same(baselines({}, x), Tensor(x.shape())));
  CHECK(same(baselines({{"baseline", "constant"}, {"baseline_value", "-0.25"}}, x),
             Tensor(x.shape(), -0.25F)));
  CHECK(same(baselines({{"baseline", "blur"}, {"baseline_sigma", "1.3"}}, x),
             lumen::gaussian_blur(x, 1.3, 9, lumen::BlurBorder::replicate)));
  CHECK(same(baselines({{"baseline", "blur"}, {"baseline_sigma", "0"}}, x), x));
  const Tensor flat(x.shape(), 0.75F);
  const Tensor blurred = baselines({{"baseline", "blur"}}, flat);
  for (float v : blurred.values()) CHECK(v == Approx(0.75F));
}

TEST_CASE("make_baselines draws uniform noise in each sample's range, seeded, batch-independent",
          "[baseline]") {
  Tensor x = lumen::conformance::random_tensor({2, 3, 5, 5}, 8);
  for (std::int64_t i = x.size() / 2; i < x.size(); ++i) x[i] = 3.0F * x[i] + 2.0F;
  const Tensor b = baselines({{"baseline", "uniform"}}, x, 21);
  const std::int64_t per = x.size() / 2;
  for (std::int64_t s = 0; s < 2; ++s) {
    const auto [lo, hi] = std::minmax_element(x.data() + s * per, x.data() + (s + 1) * per);
    const auto [blo, bhi] = std::minmax_element(b.data() + s * per, b.data() + (s + 1) * per);
    CHECK(*blo >= *lo);
    CHECK(*bhi <= *hi);
    CHECK(*bhi - *blo > 0.8F * (*hi - *lo));
  }
  CHECK(same(b, baselines({{"baseline", "uniform"}}, x, 21)));
  CHECK(!same(b, baselines({{"baseline", "uniform"}}, x, 22)));
  CHECK(same(b.batch_slice(1), baselines({{"baseline", "uniform"}}, x.batch_slice(1), 21)));
  // The stream is fixed: the draws are Context::rng(0, baseline_uniform_stream)'s.
  const auto context = lumen::testing::make_context(1, 21);
  auto rng = context->rng(0, lumen::baseline_uniform_stream);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto [lo, hi] = std::minmax_element(x.data(), x.data() + per);
  for (std::int64_t i = 0; i < 5; ++i)
    CHECK(b[i] == static_cast<float>(*lo + (*hi - *lo) * u(rng)));
}

TEST_CASE("make_baselines reads one reference for all samples or one per sample from .npy",
          "[baseline]") {
  const Tensor x = lumen::conformance::random_tensor({2, 2, 4, 3}, 9);
  const Tensor b = lumen::conformance::random_tensor({2, 2, 4, 3}, 10);
  const auto file = temp_npy("ok");
  const auto from = [&](const Tensor& t) {
    lumen::write_npy(file, t);
    return baselines({{"baseline", "npy"}, {"baseline_file", file.string()}}, x);
  };
  CHECK(same(from(b), b));
  for (const Shape& one : {Shape{2, 4, 3}, Shape{1, 2, 4, 3}}) {
    const Tensor r = from(b.batch_slice(1).reshaped(one));
    CHECK(same(r.batch_slice(0), b.batch_slice(1)));
    CHECK(same(r.batch_slice(1), b.batch_slice(1)));
  }
  CHECK_THROWS_WITH(from(Tensor({3, 2, 4, 3})),
                    Catch::Contains(file.string()) && Catch::Contains("[3,2,4,3]") &&
                        Catch::Contains("[2,4,3]") && Catch::Contains("integrated-gradients"));
  std::filesystem::remove(file);
}

TEST_CASE("make_baselines errors name the calling method and the parameter", "[baseline]") {
  const Tensor x = lumen::conformance::random_tensor({1, 1, 4, 4}, 3);
  for (const std::string method : {"deeplift", "integrated-gradients"}) {
    CAPTURE(method);
    CHECK_THROWS_WITH(baselines({{"baseline", "npy"}}, x, 0, method),
                      Catch::StartsWith(method + ": ") && Catch::Contains("baseline_file"));
    CHECK_THROWS_WITH(baselines({{"baseline_file", "x.npy"}}, x, 0, method),
                      Catch::StartsWith(method + ": ") && Catch::Contains("baseline=npy"));
  }
  CHECK_THROWS_AS(baselines({{"baseline", "npy"}, {"baseline_file", "/nonexistent/b.npy"}}, x),
                  lumen::Error);
  const auto context = lumen::testing::make_context();
  CHECK_THROWS_AS(lumen::make_baselines(params({}), Tensor({4, 4}), *context, "m"),
                  lumen::ShapeError);
}

TEST_CASE("delta_notes compares each sample's total with its target's score change", "[baseline]") {
  // Two samples of 3 values; targets 1 and 0; score changes 6 - 1 = 5 and 2 - 4 = -2.
  const Tensor map({2, 3}, {1.0F, 2.0F, 2.0F, -1.0F, -0.5F, -0.5F});
  const Tensor logits({2, 2}, {0.0F, 6.0F, 2.0F, 9.0F});
  const Tensor reference({2, 2}, {0.0F, 1.0F, 4.0F, 9.0F});
  const std::vector<std::int64_t> targets{1, 0};
  const auto notes = delta_notes(map, targets, logits, reference, "completeness");
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] ==
        "sample 0: completeness error |sum R - (f_c(x) - f_c(x'))| = 0 (relative 0; sum R = 5, "
        "f_c(x) - f_c(x') = 5)");
  CHECK(notes[1] ==
        "sample 1: completeness error |sum R - (f_c(x) - f_c(x'))| = 0 (relative 0; sum R = -2, "
        "f_c(x) - f_c(x') = -2)");
  const Tensor off({2, 3}, {1.0F, 2.0F, 3.0F, 0.0F, 0.0F, 0.0F});
  const auto wrong = delta_notes(off, targets, logits, reference, "summation-to-delta");
  CHECK(wrong[0] ==
        "sample 0: summation-to-delta error |sum R - (f_c(x) - f_c(x'))| = 1 (relative 0.2; sum R "
        "= 6, f_c(x) - f_c(x') = 5)");
  CHECK(wrong[1].find("= 2 (relative 1;") != std::string::npos);
}
