// Explainer::explain, the non-virtual call every host makes: what it refuses before the method's
// compute runs, what it fills in afterwards, where it runs, and why_not's reasons.
#include <tbb/task_arena.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/trace.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "naive_backend.hpp"
#include "test_models.hpp"

using namespace lumen;
using Catch::Contains;

namespace {

// An explainer whose compute records that it ran (and in which arena), runs one forward pass and
// returns what `result` makes of the request (by default a zero map of the input's shape).
class Probe final : public Explainer {
 public:
  using Result = std::function<Attribution(const ExplainRequest&, Context&)>;

  explicit Probe(ExplainerInfo info, Result result = {})
      : info_(std::move(info)), result_(std::move(result)) {}

  ExplainerInfo info() const override { return info_; }

  mutable std::atomic<int> calls{0};
  mutable std::atomic<int> concurrency{0};

 protected:
  Attribution compute(const ExplainRequest& request, Context& context) const override {
    ++calls;
    concurrency = tbb::this_task_arena::max_concurrency();
    predict_logits(request.model, request.input, context);
    if (result_) return result_(request, context);
    Attribution a;
    a.map = Tensor(request.input.shape());
    a.passes = {99, 99};  // explain replaces what compute says
    a.seconds = -1.0;
    return a;
  }

 private:
  ExplainerInfo info_;
  Result result_;
};

ExplainerInfo probe_info(LayerUse layer_use = LayerUse::none, unsigned requirements = 0U,
                         OutputSpace output = OutputSpace::input) {
  ExplainerInfo i;
  i.name = "probe";
  i.summary = "records whether compute ran";
  i.citation = "none";
  i.requirements = requirements;
  i.layer_use = layer_use;
  i.output = output;
  return i;
}

// The message of the InvalidArgument that `call` throws; fails the test for anything else.
std::string refusal(const std::function<void()>& call) {
  try {
    call();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  FAIL("no InvalidArgument was thrown");
  return {};
}

struct Setup {
  Model model = testing::conv_net(1);
  Tensor input = testing::random_tensor(model.batch_shape(2), 2);
  std::vector<std::int64_t> targets{1, 4};
  Params params;
  Context context{testing::naive_backend(), 1};

  Attribution explain(const Explainer& e, std::optional<NodeId> layer = std::nullopt) {
    return e.explain({model, input, targets, params, layer}, context);
  }
};

}  // namespace

TEST_CASE("explain refuses a bad request, naming the value, without calling compute",
          "[explainer]") {
  Setup s;
  const Probe probe(probe_info());

  SECTION("a target out of range") {
    s.targets = {1, 5};
    CHECK_THAT(refusal([&] { s.explain(probe); }),
               Contains("target class 5 of sample 1 is out of range") && Contains("5 classes"));
    s.targets = {-1, 0};
    CHECK_THAT(refusal([&] { s.explain(probe); }), Contains("target class -1 of sample 0"));
  }
  SECTION("a target count other than the batch") {
    s.targets = {1};
    CHECK_THAT(refusal([&] { s.explain(probe); }), Contains("1 targets for a batch of 2"));
  }
  SECTION("a NaN or an infinity in the input, naming the sample and element") {
    s.input[s.input.size() / 2 + 7] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THAT(refusal([&] { s.explain(probe); }), Contains("nan") && Contains("sample 1") &&
                                                       Contains("element 7") &&
                                                       Contains("not finite"));
    s.input[s.input.size() / 2 + 7] = 0.0F;
    s.input[3] = -std::numeric_limits<float>::infinity();
    CHECK_THAT(refusal([&] { s.explain(probe); }), Contains("-inf") && Contains("sample 0"));
  }
  SECTION("an input of another shape") {
    s.input = testing::random_tensor({2, 3, 8, 7}, 2);
    CHECK_THAT(refusal([&] { s.explain(probe); }), Contains("[2,3,8,7]"));
    s.input = testing::random_tensor({2, 192}, 2);
    CHECK_THAT(refusal([&] { s.explain(probe); }), Contains("[N,C,H,W]") && Contains("[2,192]"));
  }
  SECTION("a layer given to a method that works at none") {
    CHECK_THAT(refusal([&] { s.explain(probe, s.model.graph().at("features")); }),
               Contains("probe does not work at a layer") && Contains("'features'"));
  }
  SECTION("a layer that is not spatial") {
    const Probe optional(probe_info(LayerUse::optional));
    CHECK_THAT(refusal([&] { s.explain(optional, s.model.graph().at("fc")); }),
               Contains("probe needs a spatial layer") && Contains("'fc'"));
    CHECK(optional.calls == 0);
  }
  SECTION("a GAP head the model lacks") {
    const Probe needs_gap(probe_info(LayerUse::none, requires_gap_head));
    s.model = testing::residual_net(1);
    s.input = testing::random_tensor(s.model.batch_shape(2), 2);
    s.targets = {0, 3};
    CHECK_THAT(refusal([&] { s.explain(needs_gap); }), Contains("probe needs a GAP head") &&
                                                           Contains("GlobalAveragePool") &&
                                                           Contains("'avgpool'"));
    CHECK(needs_gap.calls == 0);
  }
  SECTION("a spatial layer the model lacks") {
    const Probe required(probe_info(LayerUse::required, requires_layer_access));
    s.model = testing::dense_net(1);
    s.input = testing::random_tensor(s.model.batch_shape(2), 2);
    s.targets = {0, 2};
    CHECK_THAT(refusal([&] { s.explain(required); }), Contains("probe needs a spatial layer"));
    CHECK(required.calls == 0);
  }
  CHECK(probe.calls == 0);
}

TEST_CASE("explain fills seconds and passes and runs compute in the context's arena",
          "[explainer][threaded]") {
  Setup s;
  const Probe slow(probe_info(), [](const ExplainRequest& request, Context& context) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    run_forward(request.model, request.input, context);
    Attribution a;
    a.map = Tensor(request.input.shape());
    return a;
  });
  const Attribution a = s.explain(slow);
  CHECK(slow.calls == 1);
  CHECK(a.seconds >= 0.02);
  CHECK(a.seconds < 60.0);
  CHECK(a.passes.forward == 4);  // two samples, two forward passes each
  CHECK(a.passes.backward == 0);

  // What compute says about passes and time is replaced.
  const Probe probe(probe_info());
  const Attribution b = s.explain(probe);
  CHECK(b.passes.forward == 2);
  CHECK(b.passes.backward == 0);
  CHECK(b.seconds >= 0.0);

  for (const int threads : {1, 2}) {
    Context context(testing::naive_backend(), threads);
    probe.explain({s.model, s.input, s.targets, s.params, std::nullopt}, context);
    CHECK(probe.concurrency == threads);
  }
}

TEST_CASE("explain nests inside context.run, parallel_for and another explain",
          "[explainer][threaded]") {
  Setup s;
  Context two(testing::naive_backend(), 2);
  const Probe probe(probe_info());
  Attribution a;
  two.run([&] { a = probe.explain({s.model, s.input, s.targets, s.params, std::nullopt}, two); });
  CHECK(probe.concurrency == 2);
  CHECK(a.passes.forward == 2);

  std::vector<Attribution> results(6);
  two.parallel_for(6, [&](std::int64_t i) {
    results[static_cast<std::size_t>(i)] =
        probe.explain({s.model, s.input, s.targets, s.params, std::nullopt}, two);
  });
  for (const auto& r : results) CHECK(r.map.shape() == s.input.shape());
  CHECK(probe.calls == 7);

  // A method running another through explain (as SmoothGrad does), inside a context of another
  // size: the inner call keeps the outer context's arena.
  const Probe outer(probe_info(), [&](const ExplainRequest& request, Context& context) {
    return probe.explain(request, context);
  });
  Context one(testing::naive_backend(), 1);
  two.run([&] {
    const Attribution nested = outer.explain({s.model, s.input, s.targets, s.params, {}}, one);
    CHECK(nested.passes.forward == 4);  // the outer's pass and the inner's
  });
  CHECK(probe.concurrency == 1);
}

TEST_CASE("explain refuses a result that breaks the output contract, naming the method",
          "[explainer]") {
  Setup s;
  const auto broken = [&](OutputSpace output, Probe::Result result) {
    const Probe probe(
        probe_info(output == OutputSpace::layer ? LayerUse::required : LayerUse::optional, 0U,
                   output),
        std::move(result));
    try {
      s.explain(probe);
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    FAIL("no ShapeError was thrown");
    return std::string();
  };
  CHECK_THAT(broken(OutputSpace::input,
                    [](const ExplainRequest& r, Context&) {
                      Attribution a;
                      a.map = Tensor({r.input.dim(0), 1, r.input.dim(2), r.input.dim(3)});
                      return a;
                    }),
             Contains("explainer 'probe' broke its output contract") &&
                 Contains("input's shape [2,3,8,8], got [2,1,8,8]"));
  CHECK_THAT(broken(OutputSpace::input,
                    [](const ExplainRequest& r, Context&) {
                      Attribution a;
                      a.map = Tensor(r.input.shape());
                      a.layer_map = Tensor({2, 1, 2, 2});
                      return a;
                    }),
             Contains("Attribution::layer is empty"));
  CHECK_THAT(broken(OutputSpace::layer,
                    [](const ExplainRequest& r, Context&) {
                      Attribution a;
                      a.map = Tensor({r.input.dim(0), 1, r.input.dim(2), r.input.dim(3)});
                      a.layer = r.model.graph().at("features");
                      a.layer_map = Tensor({2, 1, 3, 3});
                      return a;
                    }),
             Contains("layer map at 'features'") && Contains("got [2,1,3,3]"));
  CHECK_THAT(broken(OutputSpace::layer,
                    [](const ExplainRequest& r, Context&) {
                      Attribution a;
                      a.map = Tensor({r.input.dim(0), 1, r.input.dim(2), r.input.dim(3)});
                      return a;
                    }),
             Contains("must name its layer"));
}

TEST_CASE("why_not names what a method needs and a model lacks", "[explainer]") {
  const Model conv = testing::conv_net(1);
  const Model residual = testing::residual_net(1);
  const Model dense = testing::dense_net(1);
  const NodeId features = conv.graph().at("features");

  CHECK_FALSE(why_not(probe_info(), conv));
  CHECK_FALSE(why_not(probe_info(), dense));
  // Gradients, layer access and training: every lumen model offers them.
  CHECK_FALSE(why_not(
      probe_info(LayerUse::none, requires_gradients | requires_layer_access | requires_training),
      dense));

  const ExplainerInfo gap =
      probe_info(LayerUse::required, requires_layer_access | requires_gap_head, OutputSpace::layer);
  CHECK_FALSE(why_not(gap, conv));
  CHECK_THAT(why_not(gap, residual).value(),
             Contains("needs a GAP head: the model does not end in GlobalAveragePool") &&
                 Contains("'avgpool' (AveragePool)"));

  const ExplainerInfo required = probe_info(LayerUse::required, requires_layer_access);
  CHECK_FALSE(why_not(required, residual));
  CHECK_THAT(why_not(required, dense).value(),
             Contains("needs a spatial layer [N,C,h,w]") && Contains("no layer with a spatial"));
  CHECK_FALSE(why_not(required, conv, features));
  CHECK_THAT(why_not(required, conv, conv.graph().input()).value(),
             Contains("needs a layer inside the model, not its input 'input'"));
  CHECK_THAT(why_not(required, conv, conv.graph().at("fc")).value(),
             Contains("needs a spatial layer [N,C,h,w], but layer 'fc' outputs [1,5]"));
  CHECK_THAT(why_not(required, conv, NodeId{1000}).value(), Contains("the model has"));

  const ExplainerInfo optional = probe_info(LayerUse::optional);
  CHECK_FALSE(why_not(optional, dense));
  CHECK_FALSE(why_not(optional, conv, conv.graph().input()));  // lrp's relevance at the input
  CHECK_THAT(why_not(probe_info(), conv, features).value(),
             Contains("does not work at a layer, but layer 'features' was given"));
}
