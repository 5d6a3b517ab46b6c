#include "explainer_runs.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "check_support.hpp"
#include "lumen/error.hpp"
#include "lumen/trace.hpp"

namespace lumen::conformance::detail {

namespace {

constexpr std::uint64_t seed = 7;
constexpr std::uint64_t other_seed = 8;
constexpr std::int64_t batch = 3;
// Batch and one-by-one may sum in another order (a batched GEMM against per-sample ones), so
// they agree to float rounding, not bit for bit.
constexpr double batch_tolerance = 1e-4;
constexpr int workers = 4;
constexpr int calls_per_worker = 3;

struct Run {
  Attribution attribution;
  PassCounts counted;  ///< what the call's own Context counted
};

// Runs the explainer with validated default parameters the way a host does: one Context per call.
struct Runner {
  const Explainer& explainer;
  const Model& model;
  std::shared_ptr<const Backend> backend;
  Params params;
  std::optional<NodeId> layer;  ///< the request's layer (none: the method's default)

  Run run(const Tensor& input, std::span<const std::int64_t> targets, int threads,
          std::uint64_t run_seed = seed) const {
    Context context(backend, threads, run_seed);
    const ExplainRequest request{model, input, targets, params, layer};
    Run r{explainer.explain(request, context), {}};
    r.counted = context.counts();
    return r;
  }
};

// The attribution's tensors by name: the map, the layer map and every detail, in order.
std::vector<std::pair<std::string, const Tensor*>> tensors(const Attribution& a) {
  std::vector<std::pair<std::string, const Tensor*>> all{{"map", &a.map},
                                                         {"layer map", &a.layer_map}};
  for (const auto& d : a.details) all.emplace_back("detail '" + d.name + "'", &d.values);
  return all;
}

bool identical(const Attribution& a, const Attribution& b) {
  const auto x = tensors(a), y = tensors(b);
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].first != y[i].first || !bit_identical(*x[i].second, *y[i].second)) return false;
  }
  return true;
}

double difference(const Attribution& a, const Attribution& b) {
  const auto x = tensors(a), y = tensors(b);
  if (x.size() != y.size()) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, max_abs_difference(*x[i].second, *y[i].second));
  return worst;
}

// Checks Attribution::layer names a node of the model and returns it.
const Node& attribution_layer(const Attribution& a, const Model& model, const std::string& what) {
  if (!a.layer) fail(what + " must name its layer (Attribution::layer is empty)");
  if (*a.layer >= model.graph().size()) {
    fail("Attribution::layer " + std::to_string(*a.layer) + " is not a node of the model");
  }
  return model.graph().node(*a.layer);
}

// An input-space method's optional layer map: the layer's signal with the layer's output shape.
std::string input_layer_map_check(const Attribution& a, const Model& model, const Tensor& input) {
  const Node& node = attribution_layer(a, model, "an input-space attribution with a layer map");
  Shape expected = node.output_shape;
  if (expected.empty()) fail("its layer '" + node.name + "' has no output shape");
  expected[0] = input.dim(0);
  if (a.layer_map.shape() != expected) {
    fail("the layer map at '" + node.name + "' must have the layer's output shape " +
         to_string(expected) + ", got " + to_string(a.layer_map.shape()));
  }
  return ", layer map " + to_string(a.layer_map.shape()) + " at '" + node.name + "'";
}

std::string shape_check(const ExplainerInfo& info, const Attribution& a, const Model& model,
                        const Tensor& input) {
  const Shape& in = input.shape();
  if (info.output == OutputSpace::input) {
    if (a.map.shape() != in) {
      fail("an input-space map must have the input's shape " + to_string(in) + ", got " +
           to_string(a.map.shape()));
    }
    const std::string layer_text =
        a.layer_map.empty() ? std::string() : input_layer_map_check(a, model, input);
    return "map " + to_string(a.map.shape()) + layer_text;
  }
  attribution_layer(a, model, "a layer-space attribution");
  const Shape expected_map{in[0], 1, in[2], in[3]};
  if (a.map.shape() != expected_map) {
    fail("a layer-space map must be [N,1,H,W] = " + to_string(expected_map) + ", got " +
         to_string(a.map.shape()));
  }
  const Node& node = model.graph().node(*a.layer);
  if (node.output_shape.size() != 4) {
    fail("its layer '" + node.name + "' is not spatial (output " + to_string(node.output_shape) +
         ")");
  }
  const Shape expected_layer{in[0], 1, node.output_shape[2], node.output_shape[3]};
  if (a.layer_map.shape() != expected_layer) {
    fail("the layer map at '" + node.name + "' must be [N,1,h,w] = " + to_string(expected_layer) +
         ", got " + to_string(a.layer_map.shape()));
  }
  return "map " + to_string(a.map.shape()) + ", layer map " + to_string(a.layer_map.shape()) +
         " at '" + node.name + "'";
}

std::string sign_check(const ExplainerInfo& info, const Attribution& a) {
  if (a.signed_map && info.signed_output) return "signed output: any sign allowed";
  const std::string why = info.signed_output ? "the attribution says signed_map = false"
                                             : "info() says unsigned output";
  for (const auto& [which, map] :
       {std::pair{"map", &a.map}, std::pair{"layer map", &a.layer_map}}) {
    for (std::int64_t i = 0; i < map->size(); ++i) {
      if ((*map)[i] < 0.0F) {
        fail(why + ", but the " + which + " holds " + number((*map)[i]) + " at element " +
             std::to_string(i));
      }
    }
  }
  return "no negative value (" + why + ")";
}

std::string finite_check(const Attribution& a) {
  for (const auto& [which, map] : tensors(a)) {
    for (std::int64_t i = 0; i < map->size(); ++i) {
      if (!std::isfinite((*map)[i])) {
        fail("the " + which + " holds " + number((*map)[i]) + " at element " + std::to_string(i));
      }
    }
  }
  return {};
}

bool snake_case(const std::string& name) {
  return !name.empty() && std::islower(static_cast<unsigned char>(name.front())) != 0 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) != 0 ||
                  std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_';
         });
}

std::string details_check(const Attribution& a, const Tensor& input) {
  std::vector<std::string> names;
  for (const auto& d : a.details) {
    if (!snake_case(d.name)) fail("detail name '" + d.name + "' is not snake_case");
    if (std::find(names.begin(), names.end(), d.name) != names.end()) {
      fail("detail '" + d.name + "' appears twice");
    }
    names.push_back(d.name);
    if (d.description.empty()) fail("detail '" + d.name + "' has no description");
    const Shape& shape = d.values.shape();
    if (shape.empty() || shape[0] != input.dim(0)) {
      fail("detail '" + d.name + "' must have the batch (" + std::to_string(input.dim(0)) +
           ") as its first dimension, got " + to_string(shape));
    }
    if (d.images && (shape.size() != 4 || shape[2] != input.dim(2) || shape[3] != input.dim(3))) {
      fail("image detail '" + d.name + "' must be [N,M," + std::to_string(input.dim(2)) + "," +
           std::to_string(input.dim(3)) + "], got " + to_string(shape));
    }
  }
  if (names.empty()) return "no details";
  std::string text = "details:";
  for (const auto& d : a.details) text += " " + d.name + " " + to_string(d.values.shape());
  return text;
}

std::string passes_check(const Run& run) {
  const PassCounts& said = run.attribution.passes;
  const PassCounts& counted = run.counted;
  const std::string counted_text = std::to_string(counted.forward) + " forward and " +
                                   std::to_string(counted.backward) + " backward";
  if (said.forward != counted.forward || said.backward != counted.backward) {
    fail("the attribution reports " + std::to_string(said.forward) + " forward and " +
         std::to_string(said.backward) + " backward passes; the context counted " + counted_text);
  }
  return counted_text + " passes";
}

std::string batch_check(const Runner& runner, const Tensor& input,
                        const std::vector<std::int64_t>& targets, const Attribution& batched) {
  const auto batched_tensors = tensors(batched);
  std::vector<std::vector<Tensor>> singles(batched_tensors.size());
  for (std::int64_t i = 0; i < input.dim(0); ++i) {
    const std::vector<std::int64_t> target{targets[static_cast<std::size_t>(i)]};
    const Run single = runner.run(input.batch_slice(i), target, 1);
    const auto single_tensors = tensors(single.attribution);
    if (single_tensors.size() != batched_tensors.size()) {
      fail("sample " + std::to_string(i) + " alone reports " +
           std::to_string(single.attribution.details.size()) + " details, the batch " +
           std::to_string(batched.details.size()));
    }
    for (std::size_t t = 0; t < single_tensors.size(); ++t)
      singles[t].push_back(*single_tensors[t].second);
  }
  double worst = 0.0;
  for (std::size_t t = 0; t < batched_tensors.size(); ++t) {
    const Tensor& got = *batched_tensors[t].second;
    if (got.empty()) continue;
    const Tensor expected = Tensor::concat_batch(singles[t]);
    if (got.shape() != expected.shape()) {
      fail("the batch's " + batched_tensors[t].first + " is " + to_string(got.shape()) +
           ", one by one it is " + to_string(expected.shape()));
    }
    worst = std::max(worst, relative_difference(got.values(), expected.values()));
  }
  const std::string measured = "max relative difference " + number(worst) + " (tolerance " +
                               number(batch_tolerance) +
                               " of max |map|, for float rounding; map, layer map and details)";
  if (!(worst <= batch_tolerance)) {
    fail("a batch of " + std::to_string(input.dim(0)) +
         " differs from one-by-one calls: " + measured);
  }
  return measured;
}

std::string concurrency_check(const Runner& runner, const Model& model) {
  std::vector<Tensor> inputs;
  std::vector<std::vector<std::int64_t>> targets;
  std::vector<Attribution> expected;
  for (int w = 0; w < workers; ++w) {
    inputs.push_back(sample_input(model, 2, 300 + static_cast<std::uint64_t>(w)));
    targets.push_back(sample_targets(model, 2, static_cast<std::uint64_t>(w)));
    expected.push_back(runner.run(inputs.back(), targets.back(), 1).attribution);
  }
  std::vector<std::vector<Attribution>> got(workers);
  std::vector<std::exception_ptr> errors(workers);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      try {
        for (int c = 0; c < calls_per_worker; ++c) {
          got[w].push_back(runner.run(inputs[w], targets[w], 1).attribution);
        }
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w = 0; w < workers; ++w) {
    if (errors[w]) {
      try {
        std::rethrow_exception(errors[w]);
      } catch (const std::exception& e) {
        fail("thread " + std::to_string(w) + " threw: " + e.what());
      } catch (...) {
        fail("thread " + std::to_string(w) + " threw an exception of unknown type");
      }
    }
    for (int c = 0; c < calls_per_worker; ++c) {
      if (!identical(got[w][c], expected[w])) {
        fail("call " + std::to_string(c) + " on thread " + std::to_string(w) +
             " differs from the same call made alone (max |\u0394| " +
             number(difference(got[w][c], expected[w])) + ")");
      }
    }
  }
  return std::to_string(workers) + " threads, " + std::to_string(calls_per_worker) +
         " calls each, each with its own Context";
}

// Whether seeds 7 and 8 give different maps, at the method's default layer and, for a method
// working at layers, at the model's first spatial layer: at a layer followed only by linear layers
// (a GAP head) the gradient does not depend on the input, so noise added to it cannot show.
std::string seed_check(const Runner& runner, const ExplainerInfo& info, const Tensor& input,
                       const std::vector<std::int64_t>& targets, const Attribution& a) {
  const std::string seeds = "seeds " + std::to_string(seed) + " and " + std::to_string(other_seed);
  const auto differs = [&](const Runner& r, const Attribution& first) -> std::optional<double> {
    const Attribution other = r.run(input, targets, 1, other_seed).attribution;
    if (bit_identical(other.map, first.map)) return std::nullopt;
    return max_abs_difference(other.map, first.map);
  };
  if (const auto d = differs(runner, a)) {
    return seeds + " differ (max |\u0394| " + number(*d) + ")";
  }
  if (info.layer_use != LayerUse::none && has_spatial_layer(runner.model)) {
    Runner at_layer = runner;
    at_layer.layer = first_spatial_layer(runner.model);
    const std::string& name = runner.model.graph().node(*at_layer.layer).name;
    if (const auto d = differs(at_layer, at_layer.run(input, targets, 1).attribution)) {
      return seeds + " give the same map at the default layer but differ at '" + name +
             "' (max |\u0394| " + number(*d) + ")";
    }
    fail("info() says stochastic, but " + seeds +
         " give bit-identical maps, at the default layer and at '" + name +
         "': the random numbers must come from Context::rng");
  }
  fail("info() says stochastic, but " + seeds +
       " give bit-identical maps: the random numbers must come from Context::rng");
}

Tensor probe_logits(const Model& model, std::shared_ptr<const Backend> backend) {
  Context context(std::move(backend), 1, seed);
  return predict_logits(model, sample_input(model, 2, 99), context);
}

}  // namespace

void check_explainer_runs(const Explainer& explainer, const ExplainerInfo& info,
                          const TestModel& test, std::shared_ptr<const Backend> backend,
                          const Subject& item, Report& report) {
  const Model& model = test.model;
  const std::string on = " on the " + test.name + " model";
  const Tensor logits_before = probe_logits(model, backend);
  const Tensor input = sample_input(model, batch, 21);
  const std::vector<std::int64_t> targets = sample_targets(model, batch, 21);
  Runner runner{explainer, model, backend, {}, std::nullopt};

  const std::optional<std::string> cannot_run = why_not(info, model);
  std::optional<Run> base;
  report.run(item, "runs with its defaults" + on, [&]() -> std::string {
    runner.params = Params::validate(info.params, {}, info.name);
    try {
      base = runner.run(input, targets, 1);
    } catch (const InvalidArgument& e) {
      if (!cannot_run) throw;
      return std::string("refused as expected: ") + e.what();
    }
    if (cannot_run) {
      base.reset();
      fail(info.name + " ran on this model, but it " + *cannot_run +
           "; Explainer::explain must refuse that with lumen::InvalidArgument");
    }
    return "batch of " + std::to_string(batch) + ", 1 thread, seed " + std::to_string(seed);
  });
  if (!base) {
    report.record(
        {item, "other checks" + on, Outcome::skip, "they need a successful run on this model"});
    return;
  }
  const Attribution& a = base->attribution;

  report.run(item, "output shape" + on, [&] { return shape_check(info, a, model, input); });
  report.run(item, "output sign" + on, [&] { return sign_check(info, a); });
  report.run(item, "output finite" + on, [&] { return finite_check(a); });
  report.run(item, "details well-formed" + on, [&] { return details_check(a, input); });
  report.run(item, "reported passes equal the context's count" + on,
             [&] { return passes_check(*base); });
  report.run(item, "batch of 3 equals one-by-one" + on,
             [&] { return batch_check(runner, input, targets, a); });
  report.run(item, "1 thread equals 2 threads" + on, [&]() -> std::string {
    const Attribution two = runner.run(input, targets, 2).attribution;
    if (!identical(two, a)) {
      fail("maps with 1 and 2 threads differ (max |\u0394| " + number(difference(two, a)) + ")");
    }
    return "bit-identical";
  });
  report.run(item, "a fixed seed reproduces" + on, [&]() -> std::string {
    const Attribution again = runner.run(input, targets, 1).attribution;
    if (!identical(again, a)) {
      fail("two runs with seed " + std::to_string(seed) + " differ (max |\u0394| " +
           number(difference(again, a)) + ")");
    }
    return "bit-identical";
  });
  if (info.stochastic) {
    report.run(item, "another seed gives another map" + on,
               [&] { return seed_check(runner, info, input, targets, a); });
  }
  report.run(item, "concurrent calls equal sequential ones" + on,
             [&] { return concurrency_check(runner, model); });
  if (info.layer_use == LayerUse::optional && has_spatial_layer(model)) {
    const NodeId layer = default_spatial_layer(model);
    const std::string& name = model.graph().node(layer).name;
    report.run(item, "runs at a layer (layer_use optional)" + on, [&]() -> std::string {
      Runner at_layer = runner;
      at_layer.layer = layer;
      const Attribution b = at_layer.run(input, targets, 1).attribution;
      std::string text = "at '" + name + "': " + shape_check(info, b, model, input);
      if (!b.layer_map.empty() && b.layer != layer) {
        fail("asked for layer '" + name + "', the layer map is at '" +
             model.graph().node(*b.layer).name + "'");
      }
      finite_check(b);
      return text + "; batch of 3 equals one-by-one: " + batch_check(at_layer, input, targets, b);
    });
  }
  report.run(item, "the model is unchanged afterwards" + on, [&]() -> std::string {
    const Tensor logits_after = probe_logits(model, backend);
    if (!bit_identical(logits_after, logits_before)) {
      fail("the logits on a probe input changed (max |\u0394| " +
           number(max_abs_difference(logits_after, logits_before)) + ")");
    }
    return "logits on a probe input bit-identical";
  });
}

}  // namespace lumen::conformance::detail
