#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/params.hpp>

using namespace lumen;

namespace {
const std::vector<ParamSpec> specs{
    {"steps", ParamType::integer, "50", "number of steps", 1, 1000, {}},
    {"noise_level", ParamType::real, "0.15", "noise", 0.0, 1.0, {}},
    {"abs", ParamType::boolean, "true", "absolute value", 0, 0, {}},
    {"mode", ParamType::choice, "mean", "variant", 0, 0, {"mean", "squared"}},
    {"rule.*", ParamType::text, "", "per-node rule", 0, 0, {}},
};
}

TEST_CASE("parameters get defaults, types and per-node overrides", "[params]") {
  const auto p = Params::validate(specs, {{"steps", "7"}, {"rule.conv1", "zbox"}}, "m");
  CHECK(p.integer("steps") == 7);
  CHECK(p.real("noise_level") == Approx(0.15));
  CHECK(p.boolean("abs"));
  CHECK(p.text("mode") == "mean");
  CHECK(p.text("rule.conv1") == "zbox");
  CHECK_FALSE(p.has("rule.*"));
}

TEST_CASE("bad parameters are refused naming the owner, parameter and what is accepted",
          "[params]") {
  CHECK_THROWS_WITH(Params::validate(specs, {{"stepz", "3"}}, "integrated-gradients"),
                    Catch::Contains("integrated-gradients") && Catch::Contains("'stepz'") &&
                        Catch::Contains("steps, noise_level"));
  CHECK_THROWS_WITH(Params::validate(specs, {{"steps", "0"}}, "m"),
                    Catch::Contains("out of range [1, 1000]"));
  CHECK_THROWS_WITH(Params::validate(specs, {{"steps", "2.5"}}, "m"), Catch::Contains("integer"));
  CHECK_THROWS_WITH(Params::validate(specs, {{"noise_level", "nan"}}, "m"),
                    Catch::Contains("number"));
  CHECK_THROWS_WITH(Params::validate(specs, {{"abs", "maybe"}}, "m"),
                    Catch::Contains("true or false"));
  CHECK_THROWS_WITH(Params::validate(specs, {{"mode", "median"}}, "m"),
                    Catch::Contains("mean, squared"));
  CHECK_THROWS_AS(parse_assignment("steps"), InvalidArgument);
  CHECK(parse_assignment("a=b=c") == std::pair<std::string, std::string>{"a", "b=c"});
}
