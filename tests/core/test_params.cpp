#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/params.hpp>

using namespace lumen;

namespace {
const std::vector<ParamSpec> specs{
    lumen::param::integer("steps", 50, "number of steps").within(1, 1000),
    lumen::param::real("noise_level", 0.15, "noise").within(0.0, 1.0),
    lumen::param::flag("abs", true, "absolute value"),
    lumen::param::choice("mode", "mean", {"mean", "squared"}, "variant"),
    lumen::param::pattern("rule", "per-node rule"),
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

TEST_CASE("a parameter counts as given when the caller gave it, whatever its value", "[params]") {
  const auto p = Params::validate(specs, {{"steps", "50"}}, "m");
  CHECK(p.given("steps"));  // the default's value, given explicitly
  CHECK_FALSE(p.given("noise_level"));
  CHECK_FALSE(p.given("no_such_name"));
}

TEST_CASE("lists are parsed once into numbers, each element checked", "[params]") {
  const std::vector<ParamSpec> lists{
      param::list("window", ParamType::integer, "3,3", "window").within(1, 100),
      param::list("low", ParamType::real, "0", "bounds"),
  };
  const auto p = Params::validate(lists, {{"window", "2, 4,5"}}, "m");
  CHECK(p.list("window") == std::vector<double>{2, 4, 5});
  CHECK(p.list("low") == std::vector<double>{0});
  CHECK(p.text("window") == "2, 4,5");
  CHECK_THROWS_WITH(Params::validate(lists, {{"window", "2,,3"}}, "m"),
                    Catch::Contains("'window'") && Catch::Contains("each list element"));
  CHECK_THROWS_WITH(Params::validate(lists, {{"window", "2.5"}}, "m"), Catch::Contains("integer"));
  CHECK_THROWS_WITH(Params::validate(lists, {{"window", "3,0"}}, "m"),
                    Catch::Contains("out of range [1, 100]"));
  CHECK_THROWS_AS(param::list("x", ParamType::text, "", "help"), InvalidArgument);
}

TEST_CASE("lists of choices are parsed once into names, each one checked", "[params]") {
  const std::vector<ParamSpec> names{
      param::choice_list("canonizers", "fold", {"fold", "split", "merge"}, "canonizers")};
  CHECK(Params::validate(names, {}, "m").choice_list("canonizers") ==
        std::vector<std::string>{"fold"});
  CHECK(Params::validate(names, {{"canonizers", "merge, fold,merge"}}, "m")
            .choice_list("canonizers") == std::vector<std::string>{"merge", "fold", "merge"});
  CHECK(Params::validate(names, {{"canonizers", ""}}, "m").choice_list("canonizers").empty());
  CHECK_THROWS_WITH(Params::validate(names, {{"canonizers", "fold,folds"}}, "m"),
                    Catch::Contains("m: parameter 'canonizers': 'folds' (in 'fold,folds') is not "
                                    "one of: fold, split, merge"));
  CHECK_THROWS_WITH(Params::validate(names, {{"canonizers", "fold,,merge"}}, "m"),
                    Catch::Contains("'' (in 'fold,,merge') is not one of"));
  // A list of choices is not read as numbers, nor numbers as names.
  CHECK_THROWS_AS(Params::validate(names, {}, "m").list("canonizers"), InvalidArgument);
  const std::vector<ParamSpec> numbers{param::list("kernel", ParamType::integer, "3,3", "k")};
  CHECK_THROWS_AS(Params::validate(numbers, {}, "m").choice_list("kernel"), InvalidArgument);
}

TEST_CASE("a value is read as its declared type only", "[params]") {
  const auto p = Params::validate(specs, {}, "m");
  CHECK(p.real("steps") == 50.0);  // an integer reads as a real
  CHECK_THROWS_WITH(p.integer("noise_level"), Catch::Contains("declared real"));
  CHECK_THROWS_WITH(p.boolean("mode"), Catch::Contains("declared choice"));
  CHECK_THROWS_AS(p.real("no_such_name"), NotFound);
}

TEST_CASE("builders write defaults as they would be given", "[params]") {
  CHECK(param::real("e", 1e-6, "h").default_value == "1e-06");
  CHECK(param::real("e", 0.15, "h").default_value == "0.15");
  CHECK(param::integer("n", -3, "h").default_value == "-3");
  CHECK(param::flag("f", false, "h").default_value == "false");
  CHECK(param::pattern("rule", "h").name == "rule.*");
  const ParamSpec batch = param::batch_size("masked inputs per forward pass");
  CHECK(batch.default_value == "0");
  CHECK(batch.max == 1 << 20);
  CHECK(batch.help.starts_with("masked inputs per forward pass"));
}
